//! Agent swarms against a real `aitbc-node --dev`: miners running the genesis SmolLM2 profile
//! join pools with registered agents (unregistered agents, agents of another model, bad task
//! types and non-miners refused; several miners may run one agent); a task for a pool
//! too small is refused, cancelled (budget back) and removed (deposit back); a deregistered
//! member is pruned and another leaves. Then a multi-paragraph task is created (budget and
//! deposit held), refused what the chain would refuse (too many shards, k above the pool, not
//! its owner), and coordinated as map-reduce: its shard jobs are submitted, restricted to the
//! pool and assigned among its members; `swarm status` follows them with their rounds; `swarm
//! consensus` reports that nothing is agreed yet (completing the jobs needs real workers: the
//! end-to-end test runs them). Skipped (with a message) when the node binary has not been
//! built.

mod common;
use aitbc_runtime::AIT;
use common::*;
use serde_json::Value;
use std::time::{Duration, Instant};

const SMOLLM2_PROFILE: &str = "0x39c17ceaa7e49fe04a418fb375a550dd9d4ba41a82fba30a6a3f8a6d79ff2a9a";
const BOB: &str = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty";
const CHARLIE: &str = "5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y";
const DAVE: &str = "5DAAnrj7VHTznn2AWBemMuyBwZWs6FNFjdyVXUeYum3PTXFy";

const INPUT: &str = "AITBC is a proof-of-authority chain for AI compute.\n\n\
Clients pay for inference jobs in AIT, held in escrow until they end.\n\n\
Miners run the jobs and are paid when they deliver.\n\n\
Redundant jobs run on several miners of one execution profile.\n\n\
A swarm splits a task into shards and combines their agreed outputs.";

fn held(cli: &Cli, wallet: &str) -> u128 {
    units(&cli.json(&["wallet", "balance", wallet])["held"])
}

fn events(v: &Value) -> Vec<String> {
    v["events"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e.as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_pool_runs_a_map_reduce_task_and_the_cli_follows_it() {
    let Some(node) = Node::start("swarms") else {
        return;
    };
    let cli = Cli::new(&node.ws);
    for (name, uri) in [
        ("alice", "//Alice"),
        ("bob", "//Bob"),
        ("charlie", "//Charlie"),
        ("dave", "//Dave"),
        ("eve", "//Eve"),
    ] {
        cli.ok(&["wallet", "import", "--name", name, "--uri", uri]);
    }
    cli.ok(&["wallet", "use", "alice"]);
    // The agents the members run: #0 and #1 on SmolLM2, #2 on another model.
    let config_dir = tempfile::tempdir().expect("temp dir");
    for (name, model) in [
        ("summarizer", "smollm2"),
        ("trainer", "smollm2"),
        ("other", "llama3"),
    ] {
        let path = config_dir.path().join(format!("{name}.json"));
        std::fs::write(
            &path,
            format!(r#"{{"model":"{model}","price_cap":"0.5","tools":["calculator"]}}"#),
        )
        .expect("config");
        cli.json(&[
            "agent",
            "create",
            "--name",
            name,
            "--type",
            "assistant",
            "--config",
            path.to_str().expect("utf8"),
        ]);
    }

    // Joining needs an active miner that declared the profile.
    let e = cli.fails(&[
        "--wallet",
        "bob",
        "swarm",
        "join",
        "--agent-id",
        "0",
        "--task-type",
        "summarize",
    ]);
    assert!(e.contains("not a registered miner"), "{e}");
    for w in ["bob", "charlie", "dave", "eve"] {
        cli.json(&[
            "--wallet",
            w,
            "miner",
            "register",
            "--gpus",
            "1x RTX 4090",
            "--price-per-hour",
            "0.5",
        ]);
    }
    let e = cli.fails(&[
        "--wallet",
        "bob",
        "swarm",
        "join",
        "--agent-id",
        "0",
        "--task-type",
        "summarize",
    ]);
    assert!(e.contains("declared no execution profile"), "{e}");
    for w in ["bob", "charlie", "dave", "eve"] {
        cli.json(&["--wallet", w, "miner", "declare-profile", SMOLLM2_PROFILE]);
    }
    let e = cli.fails(&[
        "--wallet",
        "bob",
        "swarm",
        "join",
        "--agent-id",
        "agent bob",
        "--task-type",
        "summarize",
    ]);
    assert!(e.contains("is not a number"), "{e}");
    let e = cli.fails(&[
        "--wallet",
        "bob",
        "swarm",
        "join",
        "--agent-id",
        "9",
        "--task-type",
        "summarize",
    ]);
    assert!(e.contains("agent #9 is not registered"), "{e}");
    let e = cli.fails(&[
        "--wallet",
        "bob",
        "swarm",
        "join",
        "--agent-id",
        "2",
        "--task-type",
        "summarize",
    ]);
    assert!(e.contains("runs model \"llama3\""), "{e}");
    let e = cli.fails(&[
        "--wallet",
        "bob",
        "swarm",
        "join",
        "--agent-id",
        "0",
        "--task-type",
        "Summarize",
    ]);
    assert!(e.contains("a-z, 0-9 and '-'"), "{e}");

    // The seed's form: an agent joins the pool of a task type.
    let j = cli.json(&[
        "--wallet",
        "bob",
        "swarm",
        "join",
        "--agent-id",
        "0",
        "--task-type",
        "summarize",
    ]);
    assert_eq!(j["result"], "joined");
    assert_eq!(j["profile"], SMOLLM2_PROFILE);
    assert!(
        events(&j).contains(&"Swarms.MemberJoined".to_string()),
        "{j}"
    );
    let table = cli.ok(&[
        "--wallet",
        "charlie",
        "swarm",
        "join",
        "--agent-id",
        "0",
        "--task-type",
        "summarize",
    ]);
    assert!(table.contains("awaiting coordination"), "{table}");
    cli.json(&[
        "--wallet",
        "dave",
        "swarm",
        "join",
        "--agent-id",
        "1",
        "--task-type",
        "summarize",
        "--profile",
        SMOLLM2_PROFILE,
    ]);
    let e = cli.fails(&[
        "--wallet",
        "dave",
        "swarm",
        "join",
        "--agent-id",
        "1",
        "--task-type",
        "summarize",
    ]);
    assert!(e.contains("already in the pool"), "{e}");
    // Dave and Eve are in a second pool.
    for w in ["dave", "eve"] {
        cli.json(&[
            "--wallet",
            w,
            "swarm",
            "join",
            "--agent-id",
            "1",
            "--task-type",
            "distributed-training",
        ]);
    }
    let pools = cli.json(&["swarm", "list"]);
    let mut listed: Vec<(String, u64)> = pools
        .as_array()
        .expect("list")
        .iter()
        .map(|p| {
            (
                p["task_type"].as_str().unwrap_or_default().to_string(),
                p["members"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    listed.sort();
    assert_eq!(
        listed,
        vec![
            ("distributed-training".to_string(), 2),
            ("summarize".to_string(), 3)
        ]
    );
    let members = cli.json(&["swarm", "members", "--task-type", "summarize"]);
    let miners: Vec<&str> = members["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| m["miner"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(miners, vec![BOB, CHARLIE, DAVE]);
    assert_eq!(members["members"][0]["agent_id"], 0);
    let daves = cli.json(&["swarm", "list", "--miner", "dave"]);
    assert_eq!(daves["pools"].as_array().map(Vec::len), Some(2));
    let table = cli.ok(&["swarm", "members", "--task-type", "summarize"]);
    assert!(table.contains("#0"), "{table}");

    // A task for the second pool: too few members for three miners a job; cancelled (its
    // budget back) and removed (its deposit back).
    let held_now = held(&cli, "alice");
    let t2 = cli.json(&[
        "swarm",
        "create",
        "--task-type",
        "distributed-training",
        "--model",
        "smollm2",
        "--prompt",
        "One paragraph only.",
        "--payment",
        "1",
    ]);
    let t2_id = t2["task_id"].as_u64().expect("id").to_string();
    let e = cli.fails(&[
        "swarm",
        "coordinate",
        "--task-id",
        &t2_id,
        "--strategy",
        "redundant",
    ]);
    assert!(
        e.contains("2 members") && e.contains("fewer than --redundancy 3"),
        "{e}"
    );
    let x = cli.json(&["swarm", "cancel", "--task-id", &t2_id]);
    assert_eq!(x["status"], "cancelled");
    assert!(
        events(&x).contains(&"Swarms.BudgetReturned".to_string()),
        "{x}"
    );
    let e = cli.fails(&["swarm", "cancel", "--task-id", &t2_id]);
    assert!(e.contains("has ended"), "{e}");
    let r = cli.json(&["swarm", "remove", "--task-id", &t2_id]);
    assert_eq!(r["result"], "removed");
    assert_eq!(held(&cli, "alice"), held_now);
    assert_eq!(cli.json(&["swarm", "tasks"]), serde_json::json!([]));

    // Eve deregisters: anyone prunes her; Dave leaves, and the pool is gone.
    let e = cli.fails(&[
        "swarm",
        "prune",
        "--task-type",
        "distributed-training",
        "eve",
    ]);
    assert!(e.contains("active miner"), "{e}");
    cli.json(&["--wallet", "eve", "miner", "deregister"]);
    let p = cli.json(&[
        "swarm",
        "prune",
        "--task-type",
        "distributed-training",
        "eve",
    ]);
    assert_eq!(p["result"], "pruned");
    let l = cli.json(&[
        "--wallet",
        "dave",
        "swarm",
        "leave",
        "--task-type",
        "distributed-training",
    ]);
    assert_eq!(l["result"], "left");
    let e = cli.fails(&[
        "--wallet",
        "dave",
        "swarm",
        "leave",
        "--task-type",
        "distributed-training",
    ]);
    assert!(e.contains("not in the pool"), "{e}");
    assert_eq!(
        cli.json(&["swarm", "list"]).as_array().map(Vec::len),
        Some(1)
    );

    // A task over five paragraphs: its budget (2 AIT) and its deposit are held.
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("report.txt");
    std::fs::write(&file, INPUT).expect("write");
    let held_before = held(&cli, "alice");
    let e = cli.fails(&[
        "swarm",
        "create",
        "--task-type",
        "summarize",
        "--model",
        "smollm2",
        "--input",
        "/nonexistent/report.txt",
        "--payment",
        "2",
    ]);
    assert!(e.contains("cannot read the input file"), "{e}");
    let e = cli.fails(&[
        "swarm",
        "create",
        "--task-type",
        "summarize",
        "--model",
        "smollm2",
        "--prompt",
        " \n\n ",
        "--payment",
        "2",
    ]);
    assert!(e.contains("the input is empty"), "{e}");
    let e = cli.fails(&[
        "swarm",
        "create",
        "--task-type",
        "summarize",
        "--model",
        "smollm2",
        "--prompt",
        "hi",
        "--payment",
        "2",
        "--ttl",
        "10",
    ]);
    assert!(e.contains("least TTL"), "{e}");
    let c = cli.json(&[
        "swarm",
        "create",
        "--task-type",
        "summarize",
        "--model",
        "smollm2",
        "--input",
        &path_str(&file),
        "--instruction",
        "Summarize in one sentence.",
        "--payment",
        "2",
    ]);
    assert_eq!(c["result"], "created");
    assert_eq!(c["status"], "created");
    assert_eq!(c["paragraphs"], 5);
    assert_eq!(c["profile"], SMOLLM2_PROFILE);
    let task = c["task_id"].as_u64().expect("task id").to_string();
    let deposit = units(&c["deposit"]);
    assert!(deposit > 0, "{c}");
    assert_eq!(held(&cli, "alice") - held_before, 2 * AIT + deposit);

    // Refused before signing, saying why.
    let e = cli.fails(&[
        "swarm",
        "coordinate",
        "--task-id",
        &task,
        "--strategy",
        "map-reduce",
        "--shards",
        "6",
    ]);
    assert!(e.contains("only 5 paragraphs"), "{e}");
    let e = cli.fails(&[
        "swarm",
        "coordinate",
        "--task-id",
        &task,
        "--strategy",
        "map-reduce",
        "--redundancy",
        "4",
    ]);
    assert!(
        e.contains("3 members") && e.contains("--redundancy 4"),
        "{e}"
    );
    let e = cli.fails(&[
        "--wallet",
        "bob",
        "swarm",
        "coordinate",
        "--task-id",
        &task,
        "--strategy",
        "map-reduce",
    ]);
    assert!(e.contains("only its owner coordinates it"), "{e}");
    let e = cli.fails(&[
        "swarm",
        "coordinate",
        "--task-id",
        &task,
        "--strategy",
        "redundant",
        "--shards",
        "2",
    ]);
    assert!(e.contains("--shards is for --strategy map-reduce"), "{e}");
    let e = cli.fails(&[
        "swarm",
        "coordinate",
        "--task-id",
        "999",
        "--strategy",
        "redundant",
    ]);
    assert!(e.contains("swarm task #999"), "{e}");

    // The seed's form: map-reduce into three shards, three miners each.
    let d = cli.json(&[
        "swarm",
        "coordinate",
        "--task-id",
        &task,
        "--strategy",
        "map-reduce",
        "--shards",
        "3",
    ]);
    assert_eq!(d["result"], "dispatched");
    assert_eq!(d["tracking_id"].to_string(), task);
    assert_eq!(d["status"], "mapping");
    assert_eq!(d["plan"]["strategy"], "map-reduce");
    assert_eq!(d["plan"]["shards"], 3);
    assert_eq!(d["plan"]["k"], 3);
    // 2 AIT over three shards and the reduce job.
    assert_eq!(units(&d["plan"]["job_budget"]), AIT / 2);
    let jobs: Vec<u64> = d["jobs"]
        .as_array()
        .expect("jobs")
        .iter()
        .map(|j| j["job_id"].as_u64().expect("id"))
        .collect();
    assert_eq!(jobs.len(), 3, "{d}");
    assert!(
        events(&d).contains(&"Swarms.PartSubmitted".to_string()),
        "{d}"
    );
    assert!(
        events(&d).contains(&"Jobs.RedundantJobSubmitted".to_string()),
        "{d}"
    );
    let e = cli.fails(&[
        "swarm",
        "coordinate",
        "--task-id",
        &task,
        "--strategy",
        "map-reduce",
    ]);
    assert!(e.contains("already coordinated"), "{e}");

    // Each shard job is the chain's own redundant job: the shard's paragraphs, the
    // instruction as system prompt, the token limit sized for the reduce prompt.
    let first = cli.json(&["client", "status", &jobs[0].to_string()]);
    assert_eq!(first["redundancy"]["k"], 3, "{first}");
    assert_eq!(first["redundancy"]["profile"], SMOLLM2_PROFILE);

    // The three members take every shard job (one assignment a block).
    let start = Instant::now();
    let status = loop {
        let s = cli.json(&["swarm", "status", &task]);
        let assigned = s["parts"]
            .as_array()
            .expect("parts")
            .iter()
            .filter(|p| p["phase"] == "committing")
            .count();
        if assigned == 3 {
            break s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "shard jobs not assigned: {s}"
        );
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(status["tracking_id"].to_string(), task);
    assert_eq!(status["shards_done"], 0);
    let parts = status["parts"].as_array().expect("parts");
    assert_eq!(parts.len(), 4, "three shards and the final job");
    assert_eq!(parts[3]["part"], "final");
    assert!(parts[3]["job_id"].is_null());
    for p in &parts[..3] {
        let mut who: Vec<&str> = p["round"]["participants"]
            .as_array()
            .expect("participants")
            .iter()
            .map(|x| x["miner"].as_str().unwrap_or_default())
            .collect();
        who.sort();
        let mut pool = vec![BOB, CHARLIE, DAVE];
        pool.sort();
        assert_eq!(who, pool, "{p}");
        assert_eq!(p["job_status"], "assigned");
    }
    let table = cli.ok(&["swarm", "status", &task]);
    assert!(
        table.contains("0 of 3 done, 0 agreeing, 0 disputed")
            && table.contains("Round of the shard 1 job"),
        "{table}"
    );

    // Nothing is agreed yet: consensus says so, with no invented numbers.
    let c = cli.json(&["swarm", "consensus", "--task-id", &task]);
    assert_eq!(c["status"], "mapping");
    assert_eq!(c["agreed"], false);
    assert!(c["result"].is_null());
    assert_eq!(c["confidence"]["jobs"], 0);
    assert!(c["confidence"]["min_margin_milli"].is_null());
    let table = cli.ok(&["swarm", "consensus", "--task-id", &task]);
    assert!(table.contains("no agreed result (yet)"), "{table}");
    let e = cli.fails(&["swarm", "remove", "--task-id", &task]);
    assert!(e.contains("has not ended"), "{e}");
    let e = cli.fails(&["swarm", "cancel", "--task-id", &task]);
    assert!(e.contains("is coordinated"), "{e}");

    let tasks = cli.json(&["swarm", "tasks"]);
    assert_eq!(tasks.as_array().map(Vec::len), Some(1), "{tasks}");
    assert_eq!(tasks[0]["task_id"].to_string(), task);
}
