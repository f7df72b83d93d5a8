//! End to end with real processes (issue 15, seed §5): a dev node, a miner daemon on the
//! embedded backend streaming its agent runs, and the `aitbc` CLI. A test binary of its own, so
//! that its inferences do not share the two cores with the other end-to-end tests.
//!
//! Needs the workspace binaries built (`cargo build --workspace --bins`, as scripts/test.sh does)
//! and the models fetched (scripts/fetch-models.sh).

mod common;

use std::time::Duration;

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
    std::thread::sleep(Duration::from_millis(10));
}
