//! End to end with real processes (issue 15, seed §7): an agent run k-of-n in exact mode on
//! two miner daemons of the embedded profile, a dev node and the `aitbc` CLI. A test binary of
//! its own, so that its inferences do not share the two cores with the other end-to-end tests.
//!
//! Needs the workspace binaries built (`cargo build --workspace --bins`, as scripts/test.sh does)
//! and the models fetched (scripts/fetch-models.sh).

mod common;

use std::time::{Duration, Instant};

use common::net::Net;
use common::procs::Proc;

/// Issue 15: exact-mode agent runs are k-of-n. Two daemons of the genesis profile (SmolLM2,
/// greedy) each run the calculator agent, record their own trace, commit to their answer and
/// reveal it; the run completes with the agreed answer, both traces are on chain, the run's
/// trace (one of theirs) verifies, and each agreeing miner is paid its own metered price. Then
/// the same agent runs a swarm task among the two as the pool's members.
#[test]
fn an_exact_mode_agent_run_completes_k_of_n_with_every_trace_on_chain() {
    // Two daemons share two cores: one candle thread each (greedy output is the same for any
    // thread count: scripts/bench-determinism.sh).
    std::env::set_var("RAYON_NUM_THREADS", "1");
    let net = Net::start();
    let workers: Vec<Proc> = ["//Bob", "//Charlie"]
        .iter()
        .map(|uri| net.worker(uri, &["--backend", "embedded", "--model", "smollm2"]))
        .collect();
    for (w, (name, uri)) in workers
        .iter()
        .zip([("bob", "//Bob"), ("charlie", "//Charlie")])
    {
        w.wait_for_log("declared execution profile", Duration::from_secs(120));
        net.import(name, uri);
    }
    let config = net.dir.path().join("calc.json");
    std::fs::write(
        &config,
        r#"{"model":"smollm2","price_cap":"0.5","tools":["calculator"],
            "system_prompt":"You solve arithmetic with the calculator tool, then give the final answer.",
            "limits":{"max_steps":3,"max_tokens":400,"max_tool_calls":1,"deadline_secs":900}}"#,
    )
    .expect("config");
    let created = net.cli_json(&[
        "agent",
        "create",
        "--name",
        "calc",
        "--type",
        "assistant",
        "--config",
        config.to_str().expect("utf8"),
    ]);
    let id = created["agent_id"].as_u64().expect("agent id").to_string();
    let run = net.cli_json(&[
        "agent",
        "execute",
        "--agent-id",
        &id,
        "--input",
        "What is 17*23? Use the calculator.",
        "--redundancy",
        "2",
        "--timeout",
        "1200",
    ]);
    assert_eq!(run["status"], "completed", "{run}\n{}", net.worker_logs());
    let participants = run["participants"].as_array().expect("participants");
    assert_eq!(participants.len(), 2, "{run}");
    for p in participants {
        assert_eq!(p["agreed"], true, "both gave the same answer: {run}");
    }
    // The traces differ only in their timings: same steps and tokens.
    assert_eq!(participants[0]["steps"], participants[1]["steps"], "{run}");
    assert_eq!(
        participants[0]["tokens"], participants[1]["tokens"],
        "{run}"
    );
    assert!(run["trace_verified"].as_bool().unwrap_or(false), "{run}");
    let job = run["run"].as_u64().expect("run id").to_string();
    let t = net.cli_json(&["agent", "trace", &job]);
    assert_eq!(t["verified"], true, "{t}");
    // The receipt, verified offline, names both miners with their signatures.
    let receipt_id = run["receipt"]["receipt_id"]
        .as_u64()
        .expect("a receipt")
        .to_string();
    let verified = net.cli_json(&["receipt", "verify", &receipt_id]);
    let named = verified["participants"].to_string();
    for p in participants {
        assert!(
            named.contains(p["miner"].as_str().expect("miner")),
            "{verified}"
        );
    }

    agents_are_the_swarm_members(&net, &id);
}

/// Seed §7: both miners join a pool with the registered agent; a task created with the agent
/// runs as one exact-mode run of it among them, and its consensus is the agents' agreed answer.
fn agents_are_the_swarm_members(net: &Net, agent: &str) {
    for name in ["bob", "charlie"] {
        let j = net.cli_json_as(
            name,
            &[
                "swarm",
                "join",
                "--agent-id",
                agent,
                "--task-type",
                "arithmetic",
            ],
        );
        assert_eq!(j["result"], "joined", "{j}");
        assert_eq!(
            j["agent_id"].as_u64().map(|a| a.to_string()).as_deref(),
            Some(agent)
        );
    }
    let created = net.cli_json(&[
        "swarm",
        "create",
        "--task-type",
        "arithmetic",
        "--agent-id",
        agent,
        "--prompt",
        "What is 17*23? Use the calculator.",
        "--payment",
        "0.5",
    ]);
    let task = created["task_id"].as_u64().expect("task id").to_string();
    let refused = net.cli(&[
        "swarm",
        "coordinate",
        "--task-id",
        &task,
        "--strategy",
        "map-reduce",
        "--shards",
        "1",
        "--redundancy",
        "2",
    ]);
    assert!(!refused.status.success(), "an agent task runs whole");
    net.cli_json(&[
        "swarm",
        "coordinate",
        "--task-id",
        &task,
        "--strategy",
        "redundant",
        "--redundancy",
        "2",
    ]);
    let deadline = Instant::now() + Duration::from_secs(1200);
    loop {
        let s = net.cli_json(&["swarm", "status", &task]);
        match s["status"].as_str() {
            Some("completed") => break,
            Some("failed" | "cancelled") => panic!("task ended: {s}\n{}", net.worker_logs()),
            _ => {}
        }
        assert!(
            Instant::now() < deadline,
            "task not done: {s}\n{}",
            net.worker_logs()
        );
        std::thread::sleep(Duration::from_secs(2));
    }
    let c = net.cli_json(&["swarm", "consensus", "--task-id", &task]);
    assert_eq!(c["status"], "completed", "{c}");
    assert_eq!(c["confidence"]["jobs_agreed"], 1, "{c}");
    // The task's job is an agent run: its trace is on chain and verifies.
    let job = c["final_job"].as_u64().expect("the task's job").to_string();
    let t = net.cli_json(&["agent", "trace", &job]);
    assert_eq!(t["verified"], true, "{t}");
}
