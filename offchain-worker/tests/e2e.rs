//! End to end with real processes: a dev node, the miner daemon on the embedded backend (the
//! real SmolLM2 model) and the `aitbc` CLI as the client.
//!
//! Needs the workspace binaries built (`cargo build --workspace --bins`, as scripts/test.sh does)
//! and the model fetched (scripts/fetch-models.sh).

mod common;

use std::{
    path::Path,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use common::net::{amount, tail, Net};
use common::procs::{free_port, target_bin, Proc};
use serde_json::Value;

#[test]
fn a_job_is_run_by_the_embedded_miner_paid_and_receipted() {
    let net = Net::start();
    let worker = net.worker("//Bob", &["--backend", "embedded"]);
    net.import("bob", "//Bob");
    let before = net.free();
    let bob_before = net.free_of("bob");
    let v = net.cli_json(&[
        "client",
        "submit",
        "--model",
        "smollm2",
        "--prompt",
        "What is the capital of France? Answer in one sentence.",
        "--payment",
        "5",
        "--wait",
        "--timeout",
        "300",
    ]);
    assert_eq!(
        v["status"],
        "completed",
        "{v}\nworker log:\n{}",
        tail(&worker.log())
    );
    let text = v["result"].as_str().unwrap_or_default();
    assert!(text.contains("Paris"), "the model's answer: {text}");
    assert!(v["receipt_id"].is_number(), "{v}");
    let cost = amount(&v["cost"]);
    let fee = amount(&v["fee"]);
    assert!(cost > 0.0 && cost <= 5.0, "{v}");
    // The client paid exactly the price plus the submission fee; the rest of the escrow is back.
    let after = net.free();
    // (Besides, the job's refundable storage deposit, under 0.01 AIT, stays held until the
    // ended job is pruned a day later.)
    let spent = (before - after) - (cost + fee);
    assert!(
        spent > -1e-9 && spent < 0.01,
        "before {before}, after {after}, cost {cost}, fee {fee}"
    );
    // The miner earned the price less the protocol fee (5%, burned), less the fees of its own
    // accept and submit_result transactions (each well under 0.01 AIT).
    let miner_gain = net.free_of("bob") - bob_before;
    assert!(
        miner_gain <= cost && cost - miner_gain < 0.02 + cost * 0.05,
        "miner gained {miner_gain}, job cost {cost}"
    );
    // The receipt is on chain and names the miner.
    let job_id = v["job_id"].to_string();
    let receipts = net.cli_json(&["client", "receipts", "--job-id", &job_id]);
    let r = receipts
        .as_array()
        .and_then(|a| a.first())
        .cloned()
        .unwrap_or(receipts.clone());
    assert_eq!(r["job_id"].to_string(), job_id, "{receipts}");
    // The worker follows finalized heads too and says when the result is final.
    worker.wait_for_log("result final", Duration::from_secs(30));
    let log = worker.log();
    for step in ["job #", "inference running", "result submitted"] {
        assert!(
            log.contains(step),
            "worker log lacks `{step}`:\n{}",
            tail(&log)
        );
    }
}

#[test]
fn a_job_nobody_takes_expires_and_is_refunded() {
    let net = Net::start();
    let before = net.free();
    let v = net.cli_json(&[
        "client",
        "submit",
        "--model",
        "smollm2",
        "--prompt",
        "Hello",
        "--payment",
        "2",
        // The shortest TTL the runtime accepts: a block to be assigned, a minute to accept
        // and a minute to run (61 blocks, 122 s).
        "--ttl",
        "122",
        "--wait",
        "--timeout",
        "300",
    ]);
    // With the shortest TTL, no miner could still get its full windows once the first
    // acknowledgement window has passed: the job waits and expires, refunded.
    assert_eq!(v["status"], "expired", "{v}");
    let fee = amount(&v["fee"]);
    let after = net.free();
    // Only the fee is spent (the job's storage deposit, under 0.01 AIT, stays held until the
    // ended job is pruned a day later).
    let spent = (before - after) - fee;
    assert!(
        spent > -1e-9 && spent < 0.01,
        "only the fee is spent: before {before}, after {after}, fee {fee}"
    );
}

#[test]
fn a_backend_failure_fails_the_job_and_refunds_the_client() {
    let net = Net::start();
    // A real Ollama-compatible server with the real model; the miner registers its models...
    let port = free_port();
    let mut serve = Proc::spawn(
        Path::new(env!("CARGO_BIN_EXE_aitbc-worker")),
        &["serve", "--listen", &format!("127.0.0.1:{port}")],
        net.dir.path().join("serve.log"),
    );
    serve.wait_for_log("listening", Duration::from_secs(120));
    let endpoint = format!("http://127.0.0.1:{port}");
    let worker = net.worker(
        "//Charlie",
        &["--backend", "ollama", "--ollama-url", &endpoint],
    );
    // ...then the server goes away, so the inference fails.
    serve.terminate();
    let before = net.free();
    let v = net.cli_json(&[
        "client",
        "submit",
        "--model",
        "smollm2",
        "--prompt",
        "Hello",
        "--payment",
        "3",
        "--wait",
        "--timeout",
        "120",
    ]);
    assert_eq!(
        v["status"],
        "failed",
        "{v}\nworker log:\n{}",
        tail(&worker.log())
    );
    let fee = amount(&v["fee"]);
    let after = net.free();
    // Refunded (the job's storage deposit, under 0.01 AIT, stays held until the ended job is
    // pruned a day later).
    let spent = (before - after) - fee;
    assert!(
        spent > -1e-9 && spent < 0.01,
        "refunded: before {before}, after {after}, fee {fee}"
    );
    assert!(
        worker.log().contains("unreachable"),
        "{}",
        tail(&worker.log())
    );
}

#[test]
fn two_workers_never_run_the_same_job() {
    let net = Net::start();
    let bob = net.worker("//Bob", &["--backend", "embedded"]);
    let charlie = net.worker("//Charlie", &["--backend", "embedded"]);
    let jobs: Vec<u64> = (0..4)
        .map(|i| net.submit(&format!("Name a colour. ({i})"), "3"))
        .collect();
    let mut miners = Vec::new();
    for id in &jobs {
        let v = net.wait_terminal(*id, Duration::from_secs(300));
        assert_eq!(
            v["status"],
            "completed",
            "job #{id}: {v}\nbob:\n{}\ncharlie:\n{}",
            tail(&bob.log()),
            tail(&charlie.log())
        );
        miners.push(v["miner_id"].as_str().unwrap_or_default().to_string());
    }
    let (bob_log, charlie_log) = (bob.log(), charlie.log());
    for id in &jobs {
        let ran_by = [&bob_log, &charlie_log]
            .iter()
            .filter(|log| log.contains(&format!("job #{id}: inference running")))
            .count();
        assert_eq!(ran_by, 1, "job #{id} ran on {ran_by} workers");
        let delivered_by = [&bob_log, &charlie_log]
            .iter()
            .filter(|log| log.contains(&format!("job #{id}: result submitted")))
            .count();
        assert_eq!(
            delivered_by, 1,
            "job #{id} delivered by {delivered_by} workers"
        );
    }
    miners.sort();
    miners.dedup();
    assert!(miners.iter().all(|m| !m.is_empty()), "{miners:?}");
}

#[test]
fn a_node_crash_mid_job_still_ends_the_job_paid_or_refunded() {
    let mut net = Net::start();
    let worker = net.worker("//Bob", &["--backend", "embedded"]);
    let before = net.free();
    let job = net.submit(
        "Write a short paragraph about lighthouses and the sea.",
        "5",
    );
    worker.wait_for_log(
        &format!("job #{job}: inference running"),
        Duration::from_secs(120),
    );
    net.crash_and_restart_node();
    let v = net.wait_terminal(job, Duration::from_secs(300));
    let status = v["status"].as_str().unwrap_or_default().to_string();
    let after = net.free();
    match status.as_str() {
        // Delivered after the restart: the client paid the price (and the submission fee).
        "completed" => {
            let result = net.cli_json(&["client", "result", &job.to_string()]);
            let cost = amount(&result["cost"]);
            assert!(cost > 0.0 && cost <= 5.0, "{result}");
            assert!(
                before - after > cost,
                "before {before}, after {after}, cost {cost}"
            );
            assert!(
                before - after - cost < 0.02,
                "before {before}, after {after}, cost {cost}"
            );
        }
        // Failed cleanly: everything but the submission fee came back.
        "failed" | "expired" => {
            assert!(
                before - after < 0.02,
                "refund: before {before}, after {after}"
            );
        }
        other => panic!("job #{job} ended {other}: {v}"),
    }
    assert!(
        worker.log().contains("lost the node"),
        "the worker did not notice the crash:\n{}",
        tail(&worker.log())
    );
}

#[test]
fn aitbc_miner_mine_runs_the_daemon_for_one_job_and_exits() {
    let net = Net::start();
    net.import("bob", "//Bob");
    // `aitbc miner mine` finds `aitbc-worker` beside itself and becomes it, as wallet `bob`.
    let log = net.dir.path().join("mine.log");
    let f = std::fs::File::create(&log).expect("log");
    let mut miner = Command::new(target_bin("aitbc"))
        .args([
            "--url",
            &net.url,
            "--wallet",
            "bob",
            "miner",
            "mine",
            "--backend",
            "embedded",
            "--model",
            "smollm2",
        ])
        .env("AITBC_HOME", net.dir.path().join("home"))
        .env("AITBC_PASSWORD", "e2e-password")
        .env_remove("AITBC_WORKER")
        .stdout(Stdio::from(f.try_clone().expect("log")))
        .stderr(Stdio::from(f))
        .spawn()
        .expect("run aitbc miner mine");
    let miner_log = || std::fs::read_to_string(&log).unwrap_or_default();
    let deadline = Instant::now() + Duration::from_secs(120);
    while !miner_log().contains("waiting for jobs") {
        assert!(
            Instant::now() < deadline,
            "the daemon did not start:\n{}",
            miner_log()
        );
        if let Ok(Some(status)) = miner.try_wait() {
            panic!("aitbc miner mine exited early ({status}):\n{}", miner_log());
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    let v = net.cli_json(&[
        "client",
        "submit",
        "--model",
        "smollm2",
        "--prompt",
        "Say hello.",
        "--payment",
        "3",
        "--wait",
        "--timeout",
        "300",
    ]);
    assert_eq!(v["status"], "completed", "{v}\n{}", tail(&miner_log()));
    // Without --continuous the daemon stops by itself once its one job has ended.
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Ok(Some(status)) = miner.try_wait() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the daemon did not exit after its job:\n{}",
            tail(&miner_log())
        );
        std::thread::sleep(Duration::from_millis(250));
    };
    assert!(status.success(), "{status}\n{}", tail(&miner_log()));
    assert!(miner_log().contains("--max-jobs"), "{}", tail(&miner_log()));
}

#[test]
fn a_job_whose_ttl_cannot_fit_the_run_is_not_accepted() {
    let net = Net::start();
    // A run needs at least 300 s here; the job lives 122 s (61 blocks, the shortest TTL the
    // runtime accepts).
    let worker = net.worker(
        "//Bob",
        &["--backend", "embedded", "--min-run-window", "300"],
    );
    let before = net.free();
    let v = net.cli_json(&[
        "client",
        "submit",
        "--model",
        "smollm2",
        "--prompt",
        "Hello",
        "--payment",
        "2",
        "--ttl",
        "122",
        "--wait",
        "--timeout",
        "300",
    ]);
    let log = worker.log();
    // Not accepted, so its acknowledgement deadline passes with no other miner to take it: it
    // fails (or, later, expires), refunded either way.
    assert!(
        matches!(v["status"].as_str(), Some("expired" | "failed")),
        "{v}\nworker log:\n{}",
        tail(&log)
    );
    let fee = amount(&v["fee"]);
    // Refunded but the fee (the job's storage deposit, under 0.01 AIT, stays held until the
    // ended job is pruned a day later).
    let spent = (before - net.free()) - fee;
    assert!(
        spent > -1e-9 && spent < 0.01,
        "refunded but the fee: spent {spent}"
    );
    let id = v["job_id"].to_string();
    assert!(
        log.contains(&format!("job #{id}: not accepted: it expires at block"))
            && log.contains("the minimum run window of 300 s (--min-run-window)"),
        "the worker says why:\n{}",
        tail(&log)
    );
    assert!(!log.contains("accepted in block"), "{}", tail(&log));
}

#[test]
fn the_daemon_syncs_its_registration_and_job_options_are_honoured() {
    let net = Net::start();
    net.import("bob", "//Bob");
    // The seed's journey: a miner registered with the CLI (other models, price and hardware)
    // starts the daemon; the daemon makes the registration match what it serves.
    net.cli_json_as(
        "bob",
        &[
            "miner",
            "register",
            "--gpus",
            "1x RTX 4090",
            "--price-per-hour",
            "0.5",
            "--models",
            "llama3",
        ],
    );
    let args = ["--backend", "embedded", "--price-per-hour", "0.36"];
    let worker = net.worker("//Bob", &args);
    assert!(
        worker
            .log()
            .contains("updating the registration: models [llama3] -> [smollm2"),
        "{}",
        tail(&worker.log())
    );
    let m = net.cli_json_as("bob", &["miner", "status"]);
    let models: Vec<&str> = m["models"]
        .as_array()
        .expect("models")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        models.contains(&"smollm2") && !models.contains(&"llama3"),
        "{m}"
    );
    assert!((amount(&m["price_per_hour"]) - 0.36).abs() < 1e-9, "{m}");
    assert_ne!(m["gpu_model"], "RTX 4090", "the detected hardware: {m}");
    // Started again with the same settings: nothing differs, nothing is sent.
    drop(worker);
    let worker = net.worker("//Bob", &args);
    assert!(
        !worker.log().contains("updating the registration"),
        "{}",
        tail(&worker.log())
    );

    // Generation options reach the backend. Temperature 0 gives the same text every time.
    let run = |extra: &[&str]| -> Value {
        let mut a = vec![
            "client",
            "submit",
            "--model",
            "smollm2",
            "--prompt",
            "Write one sentence about the sea.",
            "--payment",
            "3",
            "--wait",
            "--timeout",
            "300",
        ];
        a.extend_from_slice(extra);
        let v = net.cli_json(&a);
        assert_eq!(v["status"], "completed", "{v}\n{}", tail(&worker.log()));
        v
    };
    let greedy = ["--temperature", "0", "--max-tokens", "24"];
    let a = run(&greedy);
    let b = run(&greedy);
    assert!(!a["result"].as_str().unwrap_or_default().is_empty(), "{a}");
    assert_eq!(
        a["result"], b["result"],
        "temperature 0 must be reproducible"
    );
    assert_eq!(a["options"]["temperature"], 0.0);
    assert_eq!(a["receipt"]["status"], "completed");
    assert_eq!(a["receipt"]["signature_valid"], true, "{a}");
    // A length limit is honoured.
    let short = run(&["--max-tokens", "3"]);
    assert!(
        short["output_tokens"].as_u64().unwrap_or(u64::MAX) <= 3,
        "{short}"
    );
    // Sampling with a seed: the same seed gives the same text.
    let seeded = ["--temperature", "0.9", "--seed", "11", "--max-tokens", "24"];
    assert_eq!(run(&seeded)["result"], run(&seeded)["result"]);
}

#[test]
fn a_started_worker_declares_the_embedded_profile_the_preset_registered() {
    const BOB: &str = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty";
    let net = Net::start();
    // The profile of the model file the embedded backend loads, as every preset registers it.
    let listed = net.cli_json(&["profile", "list"]);
    let id = listed[0]["id"].as_str().unwrap_or_default().to_string();
    assert_eq!(listed[0]["model"], "smollm2", "{listed}");
    let worker = net.worker("//Bob", &["--backend", "embedded"]);
    let log = worker.log();
    assert!(
        log.contains(&format!("declared execution profile {id}")),
        "{}",
        tail(&log)
    );
    let mine = net.cli_json(&["miner", "profiles", "--miner", BOB]);
    let declared: Vec<&str> = mine["profiles"]
        .as_array()
        .expect("profiles")
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert_eq!(declared, vec![id.as_str()], "{mine}");
    assert_eq!(
        net.cli_json(&["profile", "show", &id])["miners"],
        serde_json::json!([BOB])
    );
    // Started again: already declared, nothing sent.
    drop(worker);
    let worker = net.worker("//Bob", &["--backend", "embedded"]);
    let log = worker.log();
    assert!(
        log.contains(&format!("execution profile {id} already declared"))
            && !log.contains("declared execution profile"),
        "{}",
        tail(&log)
    );
    // Another model file (the same weights and a byte more) is another profile, which the
    // chain does not have: the worker says what it would be and mines on without it.
    let models = std::env::var_os("AITBC_MODELS_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(std::env::var_os("HOME").expect("HOME"))
                .join(".cache/aitbc/models")
        });
    let mut bytes =
        std::fs::read(models.join("SmolLM2-135M-Instruct.Q4_1.gguf")).expect("the model file");
    bytes.push(0);
    let other = net.dir.path().join("other.gguf");
    std::fs::write(&other, bytes).expect("write the copy");
    let charlie = net.worker(
        "//Charlie",
        &[
            "--backend",
            "embedded",
            "--model-path",
            other.to_str().expect("utf8"),
        ],
    );
    let log = charlie.log();
    assert!(
        log.contains("is not registered on chain: not declared")
            && log.contains("aitbc profile register --file")
            && !log.contains(&id),
        "{}",
        tail(&log)
    );
}

/// Total balance (free + held) of a wallet of this test's keystore.
fn total_of(net: &Net, wallet: &str) -> f64 {
    let v = net.cli_json_as(wallet, &["wallet", "balance"]);
    amount(&v["total"])
}

/// Issue 14: a k=3 job on three real workers of the embedded profile, one of them started with
/// the test-only fault switch that makes it choose a wrong token. The job completes with the
/// honest answer; the chain's referee (one of the honest miners: no outsider runs the profile)
/// proves the faulty output wrong with one forward pass and the faulty miner's job bond is
/// burned; the honest miners are paid; the receipt names all three and verifies offline, and a
/// tampered proof file fails naming what failed.
#[test]
fn a_redundant_job_completes_honestly_and_the_faulty_miner_loses_its_bond() {
    let net = Net::start();
    let bob = net.worker("//Bob", &["--backend", "embedded"]);
    let charlie = net.worker("//Charlie", &["--backend", "embedded"]);
    let dave = net.worker(
        "//Dave",
        &["--backend", "embedded", "--test-fault", "wrong-token"],
    );
    for (w, name) in [(&bob, "bob"), (&charlie, "charlie"), (&dave, "dave")] {
        w.wait_for_log("declared execution profile", Duration::from_secs(120));
        net.import(
            name,
            &format!("//{}", name[..1].to_uppercase() + &name[1..]),
        );
    }
    dave.wait_for_log("test fault enabled", Duration::from_secs(5));
    let before: Vec<f64> = ["bob", "charlie", "dave"]
        .iter()
        .map(|w| total_of(&net, w))
        .collect();
    let v = net.cli_json(&[
        "client",
        "submit",
        "--model",
        "smollm2",
        "--prompt",
        "What is the capital of France? Answer in one sentence.",
        "--max-tokens",
        "24",
        "--payment",
        "3",
        "--redundancy",
        "3",
        "--ttl",
        "900",
    ]);
    let job_id = v["job_id"].as_u64().expect("job id");
    let done = net.wait_terminal(job_id, Duration::from_secs(400));
    assert_eq!(done["status"], "completed", "{done}\n{}", net.worker_logs());
    let round = &done["redundancy"];
    assert_eq!(round["k"], 3, "{done}");
    let agreed = round["agreed_output_hash"]
        .as_str()
        .expect("agreed")
        .to_string();
    // The referee settles the faulty output after the job completed.
    let deadline = Instant::now() + Duration::from_secs(180);
    let settled = loop {
        let s = net.cli_json(&["client", "status", &job_id.to_string()]);
        if s["redundancy"]["phase"] == "settled" {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "the dispute was not settled: {s}\n{}",
            net.worker_logs()
        );
        std::thread::sleep(Duration::from_millis(500));
    };
    let round = &settled["redundancy"];
    let disputes = round["disputes"].as_array().expect("disputes");
    assert_eq!(disputes.len(), 1, "{round}");
    assert!(
        disputes[0]["outcome"]
            .as_str()
            .unwrap_or_default()
            .starts_with("first output upheld"),
        "{round}"
    );
    assert!(
        disputes[0]["finding"]["margin_b_milli"]
            .as_u64()
            .unwrap_or(0)
            > 1_000,
        "{round}"
    );
    let dave_addr = aitbc_client::keys::to_ss58(&aitbc_client::keys::account_id(
        &aitbc_client::keys::pair_from_uri("//Dave").expect("key"),
    ));
    for p in round["participants"].as_array().expect("participants") {
        let is_dave = p["miner"] == dave_addr.as_str();
        assert_eq!(p["agreed"], !is_dave, "{p}");
        assert_eq!(amount(&p["bond_held"]), 0.0, "{p}");
        if !is_dave {
            assert_eq!(p["output_hash"], agreed.as_str(), "{p}");
            assert!(amount(&p["paid"]) > 0.0, "{p}");
        }
    }
    let result = net.cli_json(&["client", "result", &job_id.to_string()]);
    let text = result["result"].as_str().unwrap_or_default();
    assert!(text.contains("Paris"), "the agreed answer: {result}");
    // The faulty miner lost its 1 AIT bond (and paid a few transaction fees); the honest ones
    // were paid and kept their bonds.
    let after: Vec<f64> = ["bob", "charlie", "dave"]
        .iter()
        .map(|w| total_of(&net, w))
        .collect();
    let dave_lost = before[2] - after[2];
    assert!(
        (1.0..1.05).contains(&dave_lost),
        "dave lost {dave_lost} (before {before:?}, after {after:?})"
    );
    for i in 0..2 {
        assert!(
            after[i] > before[i] - 0.05,
            "honest miner {i}: {before:?} -> {after:?}"
        );
    }
    // The receipt names all three and verifies offline; a tampered byte fails.
    let receipt_id = done["receipt_id"].as_u64().expect("receipt").to_string();
    let proof_file = net.dir.path().join("k3.proof.json");
    let proof_path = proof_file.to_str().expect("utf8");
    let checked = net.cli_json(&["receipt", "verify", &receipt_id, "--proof-out", proof_path]);
    assert_eq!(checked["verified"], true, "{checked}");
    assert_eq!(
        checked["participants"].as_array().map(Vec::len),
        Some(3),
        "{checked}"
    );
    let text = std::fs::read_to_string(&proof_file).expect("proof");
    let offline = net.cli_json(&["receipt", "verify", "--proof", proof_path]);
    assert_eq!(offline["verified"], true, "{offline}");
    // Flip one hex digit inside the storage proof's first node.
    let at = text.find("\"receipt_proof\"").expect("receipt_proof") + 40;
    let mut bytes = text.into_bytes();
    bytes[at] = if bytes[at] == b'0' { b'1' } else { b'0' };
    std::fs::write(&proof_file, bytes).expect("write");
    let out = net.cli(&["receipt", "verify", "--proof", proof_path]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("check failed"), "{err}");
}
