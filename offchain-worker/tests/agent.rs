//! End to end with real processes (issue 15, seed §5): a dev node, a miner daemon on the
//! embedded backend streaming its agent runs, and the `aitbc` CLI. A test binary of its own, so
//! that its inferences do not share the two cores with the other end-to-end tests.
//!
//! Needs the workspace binaries built (`cargo build --workspace --bins`, as scripts/test.sh does)
//! and the models fetched (scripts/fetch-models.sh).

mod common;

use common::net::Net;
use serde_json::Value;

/// The model the agents run (`AITBC_AGENT_MODEL`, default gemma3: SmolLM2-135M answers
/// arithmetic from memory, wrongly, without calling the calculator).
fn model() -> String {
    std::env::var("AITBC_AGENT_MODEL").unwrap_or_else(|_| "gemma3".into())
}

fn write(net: &Net, name: &str, text: &str) -> String {
    let p = net.dir.path().join(name);
    std::fs::write(&p, text).expect("write");
    p.to_str().expect("utf8").to_string()
}

fn agent(net: &Net, name: &str, config: &str) -> String {
    let path = write(net, &format!("{name}.json"), config);
    let v = net.cli_json(&[
        "agent",
        "create",
        "--name",
        name,
        "--type",
        "assistant",
        "--config",
        &path,
    ]);
    assert_eq!(v["result"], "registered", "{v}");
    v["agent_id"].as_u64().expect("agent id").to_string()
}

fn steps(v: &Value) -> Vec<Value> {
    v["steps"].as_array().cloned().unwrap_or_default()
}

/// Issue 15: an agent with the calculator answers an arithmetic question through a tool call;
/// its steps stream in order; the trace verifies against the on-chain root and a tampered copy
/// does not; the escrow pays exactly the traced steps; a step limit ends a run cleanly with its
/// partial trace.
#[test]
fn an_agent_answers_through_a_tool_call_and_its_trace_verifies() {
    let net = Net::start();
    let model = model();
    let _worker = net.worker(
        "//Bob",
        &[
            "--backend",
            "embedded",
            "--model",
            &model,
            "--stream-listen",
            "127.0.0.1:0",
            "--self-opt",
        ],
    );
    let config = format!(
        r#"{{"model":"{model}","price_cap":"0.5","tools":["calculator"],
            "system_prompt":"You solve arithmetic with the calculator tool, then give the final answer.",
            "limits":{{"max_steps":4,"max_tokens":600,"max_tool_calls":1,"deadline_secs":600}}}}"#
    );
    let id = agent(&net, "calc", &config);
    let question = "What is 17*23? Use the calculator.";
    let before = net.free();
    let run = net.cli_json(&[
        "agent",
        "execute",
        "--agent-id",
        &id,
        "--input",
        question,
        "--stream",
        "--timeout",
        "600",
    ]);
    assert_eq!(run["status"], "completed", "{run}\n{}", net.worker_logs());
    let trace = steps(&run);
    let calls: Vec<&Value> = trace
        .iter()
        .filter(|s| s["kind"] == "tool" && s["tool_call"]["tool"] == "calculator")
        .collect();
    assert!(!calls.is_empty(), "no calculator call: {run}");
    assert_eq!(calls[0]["tool_call"]["ran"], true, "{run}");
    assert_eq!(run["end"], "answered", "{run}");
    assert!(run["trace_verified"].as_bool().unwrap_or(false), "{run}");
    // Streamed: every step, in order, the same as recorded.
    let streamed = run["streamed"].as_array().expect("streamed");
    assert_eq!(streamed.len(), trace.len(), "{run}");
    for (i, s) in streamed.iter().enumerate() {
        assert_eq!(s["step"]["step"], (i + 1) as u64, "{run}");
        assert_eq!(s["step"]["content"], trace[i]["content"], "{run}");
    }
    let times: Vec<u64> = streamed
        .iter()
        .map(|s| s["at_ms"].as_u64().unwrap_or_default())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    // The escrow paid the traced steps: the receipt's metered time is the steps' time, and
    // the client paid that price (and the transaction fees), no more.
    let job = run["run"].as_u64().expect("run id").to_string();
    let millis: u64 = trace
        .iter()
        .map(|s| s["millis"].as_u64().unwrap_or_default())
        .sum();
    assert_eq!(
        run["receipt"]["units_milli"].as_u64(),
        Some(millis.max(1)),
        "{run}"
    );
    let paid: f64 = run["paid"]
        .as_str()
        .and_then(|p| p.parse().ok())
        .expect("paid");
    assert!(paid > 0.0 && paid <= 0.5, "{run}");
    let spent = before - net.free();
    assert!(
        spent >= paid && spent < paid + 0.05,
        "spent {spent}, paid {paid}: {run}"
    );

    // The trace as the chain holds it verifies; a tampered copy does not.
    let file = net.dir.path().join("trace.json");
    let file_s = file.to_str().expect("utf8");
    let t = net.cli_json(&["agent", "trace", &job, "--export", file_s]);
    assert_eq!(t["verified"], true, "{t}");
    let ok = net.cli_json(&["agent", "trace", "--check", file_s]);
    assert_eq!(ok["verified"], true, "{ok}");
    let mut exported: Value =
        serde_json::from_slice(&std::fs::read(&file).expect("read")).expect("json");
    exported["steps"][0]["observation"] = Value::from("400");
    std::fs::write(&file, exported.to_string()).expect("write");
    let bad = net.cli(&["agent", "trace", "--check", file_s]);
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("NOT verified"), "{err}");

    // One step only: the model's first action is the calculator again, so the run stops at
    // its step limit with the partial trace, and is still settled.
    let limited = agent(
        &net,
        "calc-one-step",
        &config.replace(r#""max_steps":4"#, r#""max_steps":1"#),
    );
    let run = net.cli_json(&[
        "agent",
        "execute",
        "--agent-id",
        &limited,
        "--input",
        question,
        "--timeout",
        "600",
    ]);
    assert_eq!(run["status"], "completed", "{run}");
    assert_eq!(run["end"], "stopped: step limit", "{run}");
    let trace = steps(&run);
    assert_eq!(trace.len(), 1, "{run}");
    assert_eq!(trace[0]["kind"], "stopped", "{run}");
    assert!(run["trace_verified"].as_bool().unwrap_or(false), "{run}");

    self_opt_measures_real_runs(&net, &id);
}

/// `optimize self-opt`: the miner measures the agent on an evaluation set, one process per
/// thread count, and the table adds up over the runs it streamed; `--apply` stores the
/// proposal as the next version when it differs from the agent as configured.
fn self_opt_measures_real_runs(net: &Net, id: &str) {
    let tasks = write(
        net,
        "eval.json",
        r#"[{"input":"What is 17*23? Use the calculator.","expect":"391"}]"#,
    );
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let before = net.cli_json(&["agent", "show", id]);
    let v = net.cli_json(&[
        "optimize",
        "self-opt",
        "--agent-id",
        id,
        "--target",
        "inference-speed",
        "--tasks",
        &tasks,
        "--models",
        &model(),
        "--threads",
        "1",
        "--max-tokens",
        "300",
        "--apply",
        "--timeout",
        "900",
    ]);
    let settings = v["settings"].as_array().expect("settings");
    let expected = if cores > 1 { 4 } else { 2 };
    assert_eq!(settings.len(), expected, "{v}\n{}", net.worker_logs());
    let runs = v["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), expected, "one task per setting: {v}");
    for r in runs {
        assert!(r["wall_ms"].as_u64().unwrap_or_default() > 0, "{r}");
        assert!(r["tokens"].as_u64().unwrap_or_default() > 0, "{r}");
    }
    let threads: std::collections::BTreeSet<u64> = runs
        .iter()
        .filter_map(|r| r["setting"]["threads"].as_u64())
        .collect();
    assert!(
        threads.contains(&1) && threads.contains(&(cores as u64)),
        "{v}"
    );
    // The first row is the agent as configured.
    assert_eq!(settings[0]["max_tokens"], 600, "{v}");
    assert_eq!(v["before"], settings[0], "{v}");
    let version = before["version"].as_u64().expect("version");
    if v["changed"] == true {
        assert_eq!(v["applied"]["version"].as_u64(), Some(version + 1), "{v}");
        let proposed = &v["proposed_config"];
        assert_eq!(
            proposed["limits"]["max_tokens"], v["after"]["max_tokens"],
            "{v}"
        );
    } else {
        assert_eq!(v["applied"], false, "{v}");
    }
}
