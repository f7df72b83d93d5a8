//! The compute market end to end against a real `aitbc-node --dev`: a client submits, funds and
//! cancels jobs; a miner registers, polls and accepts; the result is delivered through the
//! library (as the miner daemon does); receipts, earnings, holds and admin views are checked in
//! table and JSON output. Skipped (with a message) when the node binary has not been built.

mod common;
use aitbc_client::{jobs, keys, rpc::RpcClient, tx};
use aitbc_runtime::AIT;
use common::*;
use serde_json::Value;
use std::time::{Duration, Instant};

const BOB: &str = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty";
const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";

fn wait_status(cli: &Cli, job_id: &str, want: &str, secs: u64) -> Value {
    let start = Instant::now();
    loop {
        let v = cli.json(&["client", "status", job_id]);
        if v["status"] == want {
            return v;
        }
        assert!(
            start.elapsed() < Duration::from_secs(secs),
            "job {job_id} never became {want}: {v}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Delivers a result as the assigned miner, through the library (what aitbc-worker does).
fn deliver(url: &str, job_id: u64, output: &str) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let rpc = RpcClient::connect(url).await.unwrap();
        let bob = keys::pair_from_uri("//Bob").unwrap();
        let metrics = jobs::Metrics {
            compute_ms: 1500,
            input_tokens: 5,
            output_tokens: 7,
        };
        let job = jobs::existing_job(&rpc, job_id).await.unwrap();
        let call = jobs::submit_result(&bob, &job, output.as_bytes(), metrics);
        let utx = tx::prepare(
            &rpc,
            &keys::account_id(&bob),
            call,
            &tx::TxOptions::default(),
        )
        .await
        .unwrap();
        let stx = utx.sign(&bob).unwrap();
        let o = tx::submit_and_watch(
            &rpc,
            &stx,
            tx::WaitFor::InBlock,
            Duration::from_secs(60),
            |_| {},
        )
        .await
        .unwrap();
        assert!(o.success, "submit_result failed: {:?}", o.error_detail);
    });
}

/// The wallet's held balance is `escrow` plus the refundable storage deposits of its jobs
/// (under 0.01 AIT each, held until an ended job is pruned a day later).
fn assert_held_escrow(cli: &Cli, escrow: u128) {
    let held = units(&cli.json(&["wallet", "balance"])["held"]);
    assert!(
        held >= escrow && held - escrow < AIT / 50,
        "held {held}, escrow {escrow}"
    );
}

#[test]
fn client_and_miner_journey() {
    let Some(node) = Node::start("client_and_miner_journey") else {
        return;
    };
    let cli = Cli::new(&node.ws);
    if !cli
        .run(&["--output", "json", "admin", "miners"])
        .status
        .success()
    {
        eprintln!("SKIPPED client_and_miner_journey: the node's runtime has no compute market (rebuild aitbc-node)");
        return;
    }
    cli.ok(&["wallet", "import", "--name", "alice", "--uri", "//Alice"]);
    cli.ok(&["wallet", "import", "--name", "bob", "--uri", "//Bob"]);

    // Bad input: nothing is signed or sent.
    let long = "x".repeat(4001);
    let e = cli.fails(&[
        "client",
        "submit",
        "--model",
        "smollm2",
        "--prompt",
        &long,
        "--payment",
        "5",
    ]);
    assert!(e.contains("4001 characters") && e.contains("4000"), "{e}");
    let e = cli.fails(&[
        "client",
        "submit",
        "--model",
        "smollm2",
        "--data",
        "{\"text\":1}",
    ]);
    assert!(e.contains("prompt"), "{e}");
    let e = cli.fails(&["client", "status", "999999"]);
    assert!(e.contains("job #999999"), "{e}");
    assert_eq!(cli.json(&["wallet", "balance"])["nonce"], 0);

    // A funded job: its budget is held in escrow.
    let j1 = cli.json(&[
        "client",
        "submit",
        "--type",
        "inference",
        "--model",
        "smollm2",
        "--data",
        "{\"prompt\":\"Hello AITBC\"}",
        "--payment",
        "5",
    ]);
    let job1 = j1["job_id"].as_u64().expect("job_id");
    assert!(j1["tx_hash"].as_str().unwrap().starts_with("0x"));
    assert_eq!(j1["status"], "queued", "{j1}");
    assert_eq!(j1["input"], "Hello AITBC");
    assert_held_escrow(&cli, 5 * AIT);
    // The signed `jobs.submit`'s events, read back over RPC from its block: the budget went on
    // hold for the client's escrow, and the job was submitted and queued.
    let tx = cli.json(&["explorer", "tx", j1["tx_hash"].as_str().unwrap()]);
    assert_eq!(tx["call"], "Jobs.submit", "{tx}");
    let events: Vec<(String, String)> = tx["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| {
            (
                format!(
                    "{}.{}",
                    e["pallet"].as_str().unwrap_or_default(),
                    e["event"].as_str().unwrap_or_default()
                ),
                e["fields"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let held = events
        .iter()
        .find(|(name, _)| name == "Balances.Held")
        .unwrap_or_else(|| panic!("no Balances.Held event: {tx}"));
    assert!(held.1.contains("JobEscrow"), "{held:?}");
    for name in [
        "Jobs.JobSubmitted",
        "Jobs.JobQueued",
        "System.ExtrinsicSuccess",
    ] {
        assert!(
            events.iter().any(|(n, _)| n == name),
            "no {name} event: {tx}"
        );
    }

    // An unfunded job, paid later, then cancelled and refunded.
    let j2 = cli.json(&[
        "client", "submit", "--model", "smollm2", "--prompt", "second",
    ]);
    let job2 = j2["job_id"].as_u64().unwrap().to_string();
    assert_eq!(j2["status"], "unfunded");
    let paid = cli.json(&["client", "pay", &job2, "--amount", "2"]);
    assert!(paid["tx_hash"].as_str().unwrap().starts_with("0x"));
    assert_eq!(paid["status"], "queued");
    assert_held_escrow(&cli, 7 * AIT);
    let e = cli.fails(&["client", "pay", &job2, "--amount", "1"]);
    assert!(e.contains("already funded"), "{e}");
    let out = cli.ok(&["client", "cancel", &job2]);
    assert!(
        out.contains("cancelled") && out.contains("refunded"),
        "{out}"
    );
    assert_eq!(
        cli.json(&["client", "status", &job2])["status"],
        "cancelled"
    );
    assert_held_escrow(&cli, 5 * AIT);
    let e = cli.fails(&["client", "cancel", &job2]);
    assert!(e.contains("already ended"), "{e}");
    let e = cli.fails(&["--wallet", "bob", "client", "cancel", &job1.to_string()]);
    assert!(e.contains("belongs to"), "{e}");

    let list = cli.json(&["client", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[0]["job_id"].as_u64().unwrap().to_string(), job2);
    let cancelled = cli.json(&["client", "list", "--status", "cancelled"]);
    assert_eq!(cancelled.as_array().unwrap().len(), 1);
    assert!(cli.ok(&["client", "list"]).contains("smollm2"));

    // The miner registers; its stake is held.
    let e = cli.fails(&["--wallet", "bob", "miner", "status"]);
    assert!(e.contains("not a registered miner"), "{e}");
    let held_before = units(&cli.json(&["wallet", "balance", "bob"])["held"]);
    let m = cli.json(&[
        "--wallet",
        "bob",
        "miner",
        "register",
        "--gpus",
        "1x RTX 4090",
        "--price-per-hour",
        "0.36",
        "--models",
        "smollm2,llama3",
        "--stake",
        "100",
    ]);
    assert_eq!(m["miner_id"], BOB);
    assert_eq!(m["gpu_model"], "RTX 4090");
    assert_eq!(m["gpu_count"], 1);
    assert_eq!(m["vram_mb"], 24 * 1024);
    assert_eq!(m["models"], serde_json::json!(["smollm2", "llama3"]));
    assert_eq!(units(&m["stake"]), 100 * AIT);
    assert_eq!(units(&m["price_per_hour"]), 360_000_000_000);
    assert_eq!(
        units(&cli.json(&["wallet", "balance", "bob"])["held"]),
        held_before + 100 * AIT
    );
    let e = cli.fails(&[
        "--wallet",
        "bob",
        "miner",
        "register",
        "--gpus",
        "1x RTX 4090",
        "--price-per-hour",
        "1",
    ]);
    assert!(e.contains("already registered"), "{e}");
    let hb = cli.json(&["--wallet", "bob", "miner", "heartbeat"]);
    assert_eq!(hb["result"], "heartbeat");
    assert!(cli
        .ok(&["--wallet", "bob", "miner", "status"])
        .contains("RTX 4090"));

    // The chain assigns job 1 to the miner; poll accepts it.
    let job1_s = job1.to_string();
    let assigned = wait_status(&cli, &job1_s, "assigned", 60);
    assert_eq!(assigned["miner_id"], BOB);
    let polled = cli.json(&["--wallet", "bob", "miner", "poll"]);
    assert_eq!(polled["job_id"].as_u64(), Some(job1));
    assert_eq!(polled["result"], "accepted");
    assert_eq!(polled["status"], "running");
    assert!(cli
        .ok(&["--wallet", "bob", "miner", "poll"])
        .contains("no jobs in queue"));

    // The result is delivered (as the worker does); the client sees output, receipt and cost.
    deliver(&node.ws, job1, "Paris is the capital of France.");
    let r = cli.json(&["client", "result", &job1_s]);
    assert_eq!(r["status"], "completed");
    assert_eq!(r["result"], "Paris is the capital of France.");
    assert_eq!(r["output_tokens"], 7);
    let receipt_id = r["receipt_id"].as_u64().expect("receipt_id");
    let cost = units(&r["cost"]);
    assert!(cost > 0 && cost <= 5 * AIT, "{r}");
    let table = cli.ok(&["client", "result", &job1_s]);
    assert!(
        table.contains("Paris") && table.contains("receipt") && table.contains("AIT"),
        "{table}"
    );
    // The escrow is settled: nothing stays held for the client but the jobs' storage deposits
    // (returned when the ended jobs are pruned).
    assert_held_escrow(&cli, 0);
    let e = cli.fails(&["client", "result", &job2]);
    assert!(e.contains("cancelled") && e.contains("no result"), "{e}");

    // Receipts everywhere.
    let rs = cli.json(&["client", "receipts"]);
    assert_eq!(rs[0]["receipt_id"].as_u64(), Some(receipt_id));
    assert_eq!(units(&rs[0]["price"]), cost);
    assert_eq!(
        cli.json(&["client", "receipts", "--job-id", &job1_s])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let ex = cli.json(&["explorer", "receipts"]);
    assert_eq!(ex[0]["receipt_id"].as_u64(), Some(receipt_id));
    assert_eq!(ex[0]["miner_id"], BOB);
    assert!(cli.ok(&["explorer", "receipts"]).contains("gpu_seconds"));

    // Anyone can verify the receipt offline, from the chain's genesis hash alone.
    verify_receipt_offline(&cli, receipt_id);
    let earn = cli.json(&["--wallet", "bob", "miner", "earnings"]);
    assert_eq!(earn["jobs_paid"], 1);
    assert_eq!(units(&earn["earned"]), cost);

    // Network-wide views.
    let miners = cli.json(&["admin", "miners"]);
    assert_eq!(miners.as_array().unwrap().len(), 1);
    assert_eq!(miners[0]["miner_id"], BOB);
    assert!(cli.ok(&["admin", "miners"]).contains("RTX 4090"));
    let jobs = cli.json(&["admin", "jobs"]);
    assert_eq!(jobs.as_array().unwrap().len(), 2);
    let done = cli.json(&["admin", "jobs", "--status", "completed"]);
    assert_eq!(done[0]["job_id"].as_u64(), Some(job1));
    assert!(cli.ok(&["admin", "jobs"]).contains("completed"));
    // The dev chain's validator set: Alice alone, GRANDPA set 0, no peers.
    let v = cli.json(&["admin", "validators"]);
    assert_eq!(v["grandpa_set_id"], 0);
    assert_eq!(v["validators"].as_array().unwrap().len(), 1);
    assert_eq!(v["validators"][0]["aura"], ALICE);
    assert_eq!(v["validators"][0]["weight"], 1);
    assert_eq!(v["peers"].as_array().unwrap().len(), 0);
    assert!(cli
        .ok(&["admin", "validators"])
        .contains("The node has no peers."));

    // submit --wait follows a job to its end (here: cancelled by nobody, so use a short
    // timeout on an unfunded job to see the timeout message).
    let e = cli.fails(&[
        "client",
        "submit",
        "--model",
        "smollm2",
        "--prompt",
        "wait",
        "--wait",
        "--timeout",
        "3",
    ]);
    assert!(e.contains("timed out") && e.contains("unfunded"), "{e}");

    // The miner leaves: its stake starts unbonding.
    let d = cli.json(&["--wallet", "bob", "miner", "deregister"]);
    assert_eq!(d["status"], "unbonding");
}

/// `receipt verify` fetches and checks the proof, saves it, checks it again with no node, and
/// names the step a tampered byte breaks.
fn verify_receipt_offline(cli: &Cli, receipt_id: u64) {
    let id = receipt_id.to_string();
    let genesis = cli.json(&["health"])["genesis_hash"]
        .as_str()
        .expect("genesis")
        .to_string();
    let file = cli.home.path().join("receipt-proof.json");
    let file_s = path_str(&file);
    let v = cli.json(&["receipt", "verify", &id, "--proof-out", &file_s]);
    assert_eq!(v["verified"], true, "{v}");
    assert_eq!(v["receipt_id"].as_u64(), Some(receipt_id));
    assert_eq!(v["miner"], BOB);
    assert_eq!(v["genesis_hash"], genesis.as_str());
    // The genesis came from the node itself: said so, not claimed as trusted.
    assert_eq!(v["genesis_trusted"], false);
    assert!(cli
        .ok(&["receipt", "verify", &id])
        .contains("miner's sr25519 signature checks"));
    // No node at all: an unreachable URL is never contacted.
    let offline = Cli::new("ws://127.0.0.1:9");
    let v = offline.json(&[
        "receipt",
        "verify",
        "--proof",
        &file_s,
        "--genesis",
        &genesis,
    ]);
    assert_eq!(v["verified"], true, "{v}");
    assert_eq!(v["genesis_trusted"], true);
    let other_chain = format!("0x{}", "11".repeat(32));
    let e = offline.fails(&[
        "receipt",
        "verify",
        "--proof",
        &file_s,
        "--genesis",
        &other_chain,
    ]);
    assert!(
        e.contains("NOT verified") && e.contains("genesis check failed"),
        "{e}"
    );
    // One altered hex digit in each part is caught, and the failing check is named.
    let proof: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("proof")).expect("proof JSON");
    for (field, step) in [
        (
            "/genesis_authorities_proof/0",
            "genesis authority set check failed",
        ),
        ("/justification", "finality check failed"),
        ("/receipt_proof/0", "receipt storage proof check failed"),
    ] {
        let mut tampered = proof.clone();
        let value = tampered.pointer_mut(field).expect(field);
        let hex = value.as_str().expect("hex").to_string();
        let at = hex.len() - 10;
        let flipped = if &hex[at..at + 1] == "0" { "1" } else { "0" };
        *value = Value::String(format!("{}{flipped}{}", &hex[..at], &hex[at + 1..]));
        let bad = cli.home.path().join("tampered.json");
        std::fs::write(&bad, tampered.to_string()).expect("write");
        let e = offline.fails(&["receipt", "verify", "--proof", &path_str(&bad)]);
        assert!(
            e.contains("NOT verified") && e.contains(step),
            "{field}: {e}"
        );
    }
    let e = offline.fails(&[
        "receipt",
        "verify",
        "--proof",
        &path_str(&cli.home.path().join("missing.json")),
    ]);
    assert!(e.contains("missing.json"), "{e}");
}
