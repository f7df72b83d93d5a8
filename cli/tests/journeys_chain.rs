//! The seed's chain-side journeys as a user types them (issue 12), against a real `aitbc-node --dev`:
//! signal proposals, job types read from the runtime, generation options, a chosen provider,
//! receipts as the seed shows them (signed by the miner, checked on chain) and the result hash
//! the chain recomputes. Skipped (with a message) when the node binary has not been built.

mod common;
use aitbc_client::{jobs, keys};
use aitbc_runtime::AIT;
use common::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const BOB: &str = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty";
const CHARLIE: &str = "5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y";
const FERDIE: &str = "5CiPPseXPECbkjWCa6MnjNokrgYjMqmKndv2rSnekmSK2DjL";

/// Polls `governance result` until voting on the proposal has ended.
fn wait_decided(cli: &Cli, id: &str, secs: u64) -> Value {
    let start = Instant::now();
    loop {
        let v = cli.json(&["governance", "result", id]);
        if v["status"] != "voting" {
            return v;
        }
        assert!(
            start.elapsed() < Duration::from_secs(secs),
            "proposal {id} still voting: {v}"
        );
        std::thread::sleep(Duration::from_secs(1));
    }
}

#[test]
fn signal_proposals_are_voted_decided_and_recorded() {
    let Some(node) = Node::start("signal_proposals_are_voted_decided_and_recorded") else {
        return;
    };
    let cli = Cli::new(&node.ws);
    for (name, uri) in [
        ("alice", "//Alice"),
        ("bob", "//Bob"),
        ("charlie", "//Charlie"),
        ("dave", "//Dave"),
    ] {
        cli.ok(&["wallet", "import", "--name", name, "--uri", uri]);
    }
    cli.ok(&["wallet", "use", "alice"]);
    let before = cli.json(&["governance", "params"]);

    // The seed's form: no --action.
    let p = cli.json(&[
        "governance",
        "propose",
        "--title",
        "Increase Miner Rewards",
        "--description",
        "Proposal to increase base reward by 5%",
        "--amount",
        "1000",
    ]);
    let passed = p["proposal_id"].as_u64().expect("proposal_id").to_string();
    assert_eq!(p["status"], "voting", "{p}");
    assert_eq!(p["signal"], true, "{p}");
    assert_eq!(p["action"]["kind"], "signal");
    assert_eq!(units(&p["deposit"]), 1000 * AIT);
    // A second signal, in table form.
    let out = cli.ok(&[
        "governance",
        "propose",
        "--title",
        "Rename the token",
        "--amount",
        "100",
    ]);
    assert!(
        out.contains("Proposal 1 submitted") && out.contains("signal proposal"),
        "{out}"
    );
    let rejected = "1";

    // The same vote and quorum (10% of the issuance, 1.4 M AIT) as any proposal.
    for (wallet, id, choice, amount) in [
        ("alice", passed.as_str(), "yes", "800000"),
        ("bob", passed.as_str(), "yes", "700000"),
        ("charlie", rejected, "no", "800000"),
        ("dave", rejected, "no", "700000"),
    ] {
        cli.json(&[
            "--wallet",
            wallet,
            "governance",
            "vote",
            id,
            "--vote",
            choice,
            "--amount",
            amount,
        ]);
    }
    let r = cli.json(&["governance", "result", &passed]);
    assert_eq!(
        (r["quorum_reached"].clone(), r["passing"].clone()),
        (json!(true), json!(true))
    );
    assert_eq!(r["result"], Value::Null, "undecided while voting: {r}");

    // Decided on chain: a passed signal is recorded, nothing enacted; the rejected one too.
    let r = wait_decided(&cli, &passed, 150);
    assert_eq!(r["status"], "signal_passed", "{r}");
    assert_eq!(r["decision"], "passed");
    assert_eq!(r["result"], "signal: passed");
    assert_eq!(r["enact_at"], Value::Null);
    assert_eq!(r["deposit_status"], "returned");
    let t = cli.ok(&["governance", "result", &passed]);
    assert!(
        t.contains("signal: passed") && t.contains("nothing is enacted"),
        "{t}"
    );
    let r = wait_decided(&cli, rejected, 60);
    assert_eq!(r["status"], "rejected", "{r}");
    assert_eq!(r["result"], "signal: rejected");
    assert!(cli
        .ok(&["governance", "result", rejected])
        .contains("signal: rejected"));
    // Nothing changed: every governed value is what it was (and stays so past the delay).
    std::thread::sleep(Duration::from_secs(12));
    assert_eq!(
        cli.json(&["governance", "params"])["governed"],
        before["governed"]
    );
    // Proposals with an action work as before.
    let e = cli.fails(&[
        "governance",
        "propose",
        "--title",
        "x",
        "--amount",
        "100",
        "--action",
        "nothing=1",
    ]);
    assert!(e.contains("unknown action"), "{e}");
}

/// Registers `wallet` as a miner of smollm2 and llama3 with `stake` AIT at 0.36 AIT an hour.
fn register(cli: &Cli, wallet: &str, stake: &str) {
    cli.json(&[
        "--wallet",
        wallet,
        "miner",
        "register",
        "--gpus",
        "1x RTX 4090",
        "--price-per-hour",
        "0.36",
        "--models",
        "smollm2,llama3",
        "--stake",
        stake,
    ]);
}

fn submit(cli: &Cli, extra: &[&str]) -> Value {
    let mut args = vec![
        "client",
        "submit",
        "--model",
        "smollm2",
        "--prompt",
        "Hello",
        "--payment",
        "5",
    ];
    args.extend_from_slice(extra);
    cli.json(&args)
}

#[test]
fn job_types_options_provider_signed_receipts_and_result_hash() {
    let Some(node) = Node::start("job_types_options_provider_signed_receipts_and_result_hash")
    else {
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

    // Job types: the CLI reads what the runtime accepts and refuses the rest before signing.
    for t in ["training", "multimodal", "streaming", "embedding"] {
        let e = cli.fails(&[
            "client",
            "submit",
            "--type",
            t,
            "--model",
            "smollm2",
            "--prompt",
            "Hi",
            "--payment",
            "5",
        ]);
        assert!(
            e.contains(&format!("does not accept {t} jobs")) && e.contains("accepts: inference"),
            "{e}"
        );
    }
    // Generation options out of bounds: named, with the bound.
    for (flag, value, msg) in [
        ("--temperature", "3", "temperature must be between 0 and 2"),
        ("--top-p", "0", "top_p must be greater than 0"),
        ("--max-tokens", "0", "max tokens must be between 1 and 8192"),
        ("--system", "", "the system prompt is empty"),
    ] {
        let e = cli.fails(&[
            "client", "submit", "--model", "smollm2", "--prompt", "Hi", flag, value,
        ]);
        assert!(e.contains(msg), "{flag} {value}: {e}");
    }
    let e = cli.fails(&[
        "client",
        "submit",
        "--model",
        "smollm2",
        "--data",
        r#"{"prompt":"Hi","options":{"temprature":0.5}}"#,
    ]);
    assert!(e.contains("unknown option \"temprature\""), "{e}");
    // A provider that cannot take the job is named before signing.
    let e = cli.fails(&[
        "client",
        "submit",
        "--model",
        "smollm2",
        "--prompt",
        "Hi",
        "--provider",
        FERDIE,
    ]);
    assert!(e.contains("is not a registered miner"), "{e}");
    let e = cli.fails(&[
        "client",
        "submit",
        "--model",
        "smollm2",
        "--prompt",
        "Hi",
        "--provider",
        "nobody",
    ]);
    assert!(e.contains("not an account address"), "{e}");
    assert_eq!(
        cli.json(&["wallet", "balance"])["nonce"],
        0,
        "nothing was sent"
    );

    // Two miners; Bob ranks first (more stake), so a job without a provider goes to Bob.
    register(&cli, "bob", "500");
    register(&cli, "charlie", "100");
    let e = cli.fails(&[
        "client",
        "submit",
        "--model",
        "mistral",
        "--prompt",
        "Hi",
        "--provider",
        CHARLIE,
    ]);
    assert!(
        e.contains("does not serve model \"mistral\"") && e.contains("smollm2, llama3"),
        "{e}"
    );

    // Options as flags, stored with the job and shown by `client status`.
    let v = submit(
        &cli,
        &[
            "--temperature",
            "0.7",
            "--max-tokens",
            "64",
            "--top-p",
            "0.9",
            "--seed",
            "42",
            "--system",
            "Be brief.",
            "--provider",
            CHARLIE,
        ],
    );
    let job = v["job_id"].as_u64().expect("job_id");
    let id = job.to_string();
    let s = cli.json(&["client", "status", &id]);
    assert_eq!(
        s["options"],
        json!({"temperature": 0.7, "max_tokens": 64, "top_p": 0.9, "seed": 42, "system": "Be brief."}),
        "{s}"
    );
    assert_eq!(s["provider"], CHARLIE);
    let t = cli.ok(&["client", "status", &id]);
    assert!(
        t.contains("temperature 0.7, top_p 0.9, max_tokens 64, seed 42") && t.contains(CHARLIE),
        "{t}"
    );
    // The chosen provider gets it, although Bob ranks higher.
    let a = wait_job_status(&cli, &id, "assigned", 60);
    assert_eq!(a["miner_id"], CHARLIE, "{a}");
    // Options inside --data, Ollama's names; no temperature: greedy, and said so.
    let d = cli.json(&[
        "client",
        "submit",
        "--model",
        "smollm2",
        "--data",
        r#"{"prompt":"Hi","system":"Answer in French.","options":{"num_predict":32,"seed":7}}"#,
        "--payment",
        "5",
    ]);
    assert_eq!(
        d["options"],
        json!({"max_tokens": 32, "seed": 7, "system": "Answer in French.", "decoding": "greedy"}),
        "{d}"
    );
    let d_id = d["job_id"].as_u64().unwrap().to_string();
    assert_eq!(
        wait_job_status(&cli, &d_id, "assigned", 60)["miner_id"],
        BOB
    );

    // Charlie accepts and delivers; the chain refuses a result hash that is not the hash of
    // the bytes, and a receipt signature that is not Charlie's over the receipt's content.
    let polled = cli.json(&["--wallet", "charlie", "miner", "poll"]);
    assert_eq!(polled["job_id"].as_u64(), Some(job), "{polled}");
    let chain = chain_job(&node.ws, job);
    let metrics = jobs::Metrics {
        compute_ms: 1_234,
        input_tokens: 5,
        output_tokens: 7,
    };
    let charlie = keys::pair_from_uri("//Charlie").unwrap();
    let mut lying = jobs::submit_result(&charlie, &chain, b"Bonjour.", metrics);
    if let aitbc_runtime::RuntimeCall::Jobs(pallet_aitbc_jobs::Call::submit_result {
        result_hash,
        ..
    }) = &mut lying
    {
        *result_hash = sp_core::H256::repeat_byte(7);
    }
    let e = send_as(&node.ws, "//Charlie", lying).expect("refused");
    assert!(e.contains("Jobs.ResultHashMismatch"), "{e}");
    let mut inflated = jobs::submit_result(&charlie, &chain, b"Bonjour.", metrics);
    if let aitbc_runtime::RuntimeCall::Jobs(pallet_aitbc_jobs::Call::submit_result {
        metrics,
        ..
    }) = &mut inflated
    {
        metrics.compute_ms = 60_000;
    }
    let e = send_as(&node.ws, "//Charlie", inflated).expect("refused");
    assert!(e.contains("Jobs.BadReceiptSignature"), "{e}");
    let bobs = keys::pair_from_uri("//Bob").unwrap();
    let e = send_as(
        &node.ws,
        "//Charlie",
        jobs::submit_result(&bobs, &chain, b"Bonjour.", metrics),
    )
    .expect("refused");
    assert!(e.contains("Jobs.BadReceiptSignature"), "{e}");
    assert_eq!(cli.json(&["client", "status", &id])["status"], "running");
    assert_eq!(
        send_as(
            &node.ws,
            "//Charlie",
            jobs::submit_result(&charlie, &chain, b"Bonjour.", metrics)
        ),
        None
    );

    // Receipts as the seed shows them, in `client receipts` and `explorer receipts`.
    let r = cli.json(&["client", "result", &id]);
    assert_eq!(r["result"], "Bonjour.");
    assert_eq!(
        r["result_hash"],
        format!(
            "{:?}",
            <sp_runtime::traits::BlakeTwo256 as sp_runtime::traits::Hash>::hash(b"Bonjour.")
        )
    );
    let receipt_id = r["receipt_id"].as_u64().expect("receipt_id");
    for source in [
        cli.json(&["client", "receipts"]),
        cli.json(&["explorer", "receipts"]),
    ] {
        let rc = &source[0];
        for key in [
            "receipt_id",
            "job_id",
            "provider",
            "client",
            "status",
            "units",
            "unit_type",
            "unit_price",
            "price",
            "signature",
        ] {
            assert!(!rc[key].is_null(), "{key} missing: {rc}");
        }
        assert_eq!(rc["receipt_id"].as_u64(), Some(receipt_id));
        assert_eq!(rc["job_id"].as_u64(), Some(job));
        assert_eq!(rc["provider"], CHARLIE);
        assert_eq!(rc["miner_id"], CHARLIE);
        assert_eq!(rc["status"], "completed");
        assert_eq!(rc["units"], json!(1.234));
        assert_eq!(rc["unit_type"], "gpu_seconds");
        assert_eq!(rc["signature_valid"], true);
        let sig = rc["signature"].as_str().unwrap();
        assert!(sig.starts_with("0x") && sig.len() == 130, "{sig}");
        // 1.234 GPU-seconds at 0.0001 AIT (0.36 AIT an hour), rounded up to a base unit; at
        // least the minimum payment.
        assert!(units(&rc["price"]) >= units(&rc["unit_price"]) * 1234 / 1000);
    }
    let t = cli.ok(&["client", "receipts"]);
    for word in [
        "provider",
        "unit_type",
        "gpu_seconds",
        "1.234",
        "completed",
        "✓",
    ] {
        assert!(t.contains(word), "{word}: {t}");
    }
    let t = cli.ok(&["client", "result", &id]);
    assert!(
        t.contains("1.234 gpu-s") && t.contains("signed by the miner"),
        "{t}"
    );

    // A busy provider (8 jobs at once on this runtime): the job waits for it and `client
    // status` says why.
    let mut last = String::new();
    for _ in 0..9 {
        let v = submit(&cli, &["--provider", CHARLIE]);
        last = v["job_id"].as_u64().expect("job_id").to_string();
    }
    let s = cli.json(&["client", "status", &last]);
    assert_eq!(s["status"], "queued", "{s}");
    let why = s["waiting_for_provider"].as_str().unwrap_or_default();
    assert!(
        why.contains(CHARLIE) && why.contains("busy (8 of 8 jobs)"),
        "{s}"
    );
    assert!(cli
        .ok(&["client", "status", &last])
        .contains("busy (8 of 8 jobs)"));
}
