//! The DAO changes the market end to end, against a real `aitbc-node --dev`: once its emission
//! era (20 blocks on `dev`) is over, a miner's receipt claim mints the receipt's share of the
//! era's budget (50 AIT), capped at the protocol fee the job burned — exactly that fee, as the
//! only receipt of its era; a proposal to cut the era budget to 0.0001 AIT passes (stake-weighted
//! yes votes reach the quorum), is enacted after the dev chain's enactment delay, and the next
//! receipt mints exactly the new budget. Every step goes through the `aitbc` CLI except
//! delivering a job's result, which the miner daemon does through the same library. Skipped
//! (with a message) when the node binary has not been built.

mod common;
use aitbc_runtime::AIT;
use common::*;
use serde_json::Value;
use std::time::{Duration, Instant};

const BOB: &str = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty";

fn bob_free(cli: &Cli) -> u128 {
    units(&cli.json(&["wallet", "balance", "bob"])["free"])
}

/// Alice submits a job, the chain assigns it to Bob, Bob accepts and delivers; returns the
/// receipt id and the protocol fee the job burned.
fn completed_job(cli: &Cli, url: &str, prompt: &str) -> (u64, u128) {
    cli.json(&["--wallet", "bob", "miner", "heartbeat"]);
    let j = cli.json(&[
        "client",
        "submit",
        "--model",
        "smollm2",
        "--prompt",
        prompt,
        "--payment",
        "5",
    ]);
    let job = j["job_id"].as_u64().expect("job_id");
    let job_s = job.to_string();
    let assigned = wait_job_status(cli, &job_s, "assigned", 60);
    assert_eq!(assigned["miner_id"], BOB);
    let polled = cli.json(&["--wallet", "bob", "miner", "poll"]);
    assert_eq!(polled["job_id"].as_u64(), Some(job), "{polled}");
    deliver_result(url, "//Bob", job, "Paris is the capital of France.");
    let r = cli.json(&["client", "result", &job_s]);
    assert_eq!(r["status"], "completed");
    let fee = units(&r["receipt"]["protocol_fee"]);
    assert!(fee > 0, "{r}");
    (r["receipt_id"].as_u64().expect("receipt_id"), fee)
}

/// `aitbc miner claim RECEIPT` as Bob once the receipt's era is over (refused before, with the
/// reason); checks that Bob's balance grew by exactly the minted reward less the claim's fee.
/// Returns the reward.
fn claim(cli: &Cli, receipt: u64) -> u128 {
    let id = receipt.to_string();
    let start = Instant::now();
    let (before, c) = loop {
        let before = bob_free(cli);
        let out = cli.run(&["--output", "json", "--wallet", "bob", "miner", "claim", &id]);
        if out.status.success() {
            let c: Value = serde_json::from_slice(&out.stdout).expect("claim JSON");
            break (before, c);
        }
        let e = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(e.contains("era"), "claim refused for another reason: {e}");
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the era never ended: {e}"
        );
        std::thread::sleep(Duration::from_secs(2));
    };
    assert_eq!(c["receipt_id"].as_u64(), Some(receipt));
    assert_eq!(c["miner_id"], BOB);
    let reward = units(&c["reward"]);
    let fee = units(&c["fee"]);
    assert_eq!(bob_free(cli), before + reward - fee, "{c}");
    let e = cli.fails(&["--wallet", "bob", "miner", "claim", &id]);
    assert!(e.contains("already claimed"), "{e}");
    reward
}

#[test]
fn dao_changes_the_era_budget_and_the_next_claim_mints_it() {
    let Some(node) = Node::start("dao_raises_the_miner_reward") else {
        return;
    };
    let cli = Cli::new(&node.ws);
    for (name, uri) in [
        ("alice", "//Alice"),
        ("bob", "//Bob"),
        ("charlie", "//Charlie"),
    ] {
        cli.ok(&["wallet", "import", "--name", name, "--uri", uri]);
    }
    cli.ok(&["wallet", "use", "alice"]);

    // Bob mines; a first job's receipt, alone in its era, mints the protocol fee it burned (the
    // era's 50 AIT budget is larger).
    cli.json(&[
        "--wallet",
        "bob",
        "miner",
        "register",
        "--gpus",
        "1x RTX 4090",
        "--price-per-hour",
        "0.36",
        "--models",
        "smollm2",
        "--stake",
        "100",
    ]);
    let e = cli.fails(&["--wallet", "bob", "miner", "claim", "77"]);
    assert!(e.contains("receipt #77"), "{e}");
    let params = cli.json(&["governance", "params"]);
    assert_eq!(units(&params["governed"]["miner_reward"]), 50 * AIT);
    let (r0, fee0) = completed_job(&cli, &node.ws, "What is the capital of France?");
    let first = claim(&cli, r0);
    assert_eq!(first, fee0);

    // Alice proposes an era budget of 0.0001 AIT; Alice and Charlie vote yes with 1.5M AIT,
    // more than the 10% quorum of the issuance.
    let p = cli.json(&[
        "governance",
        "propose",
        "--title",
        "Increase Miner Rewards",
        "--description",
        "Emit 0.0001 AIT per era",
        "--amount",
        "1000",
        "--action",
        "miner-reward=0.0001",
    ]);
    let id = p["proposal_id"].as_u64().expect("proposal_id").to_string();
    assert_eq!(p["current_value"], "50.0 AIT");
    let enact_at = p["timeline"]["enactment_if_passed"]["block"]
        .as_u64()
        .unwrap();
    let v = cli.json(&[
        "governance",
        "vote",
        &id,
        "--vote",
        "yes",
        "--amount",
        "800000",
    ]);
    assert!(v["tx_hash"].as_str().unwrap().starts_with("0x"));
    cli.json(&[
        "--wallet",
        "charlie",
        "governance",
        "vote",
        &id,
        "--vote",
        "yes",
        "--amount",
        "700000",
    ]);
    let r = cli.json(&["governance", "result", &id]);
    assert_eq!(r["status"], "voting", "{r}");
    assert_eq!(units(&r["yes"]), 1_500_000 * AIT);
    assert_eq!(r["quorum_reached"], true);
    assert_eq!(r["passing"], true);
    assert_eq!(r["approval"], "100%");

    // Voting ends, the proposal passes and is enacted.
    let start = Instant::now();
    let r: Value = loop {
        let r = cli.json(&["governance", "result", &id]);
        if r["status"] == "enacted" {
            break r;
        }
        assert!(
            ["voting", "approved"].contains(&r["status"].as_str().unwrap_or_default()),
            "{r}"
        );
        assert!(
            start.elapsed() < Duration::from_secs(180),
            "not enacted: {r}"
        );
        std::thread::sleep(Duration::from_secs(1));
    };
    assert_eq!(r["decision"], "passed");
    assert_eq!(r["deposit_status"], "returned");
    assert_eq!(r["enacted_at"].as_u64(), Some(enact_at), "{r}");
    let t = cli.ok(&["governance", "result", &id]);
    assert!(t.contains("passed and enacted"), "{t}");
    let params = cli.json(&["governance", "params"]);
    let budget = AIT / 10_000;
    assert_eq!(
        units(&params["governed"]["miner_reward"]),
        budget,
        "{params}"
    );

    // The next receipt, alone in a later era, mints the new budget: less than its fee.
    let (r1, fee1) = completed_job(&cli, &node.ws, "And of Italy?");
    assert_ne!(r0, r1);
    assert!(budget < fee1, "the budget must bind: fee {fee1}");
    assert_eq!(claim(&cli, r1), budget);
    let earnings = cli.json(&["--wallet", "bob", "miner", "earnings"]);
    assert_eq!(
        units(&earnings["rewards_claimed"]),
        first + budget,
        "{earnings}"
    );
}
