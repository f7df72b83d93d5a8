//! The seed's journeys as a user types them, against a real `aitbc-node --dev`: a miner's stake
//! from registration to withdrawal, unfunded and auto-paid jobs, batches, the original command
//! spellings, and network faults (a refused port, a dropped connection, a restarted node).

mod common;

use common::{free_port, units, Cli, Node};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn import(cli: &Cli, name: &str, uri: &str) {
    cli.ok(&["wallet", "import", "--name", name, "--uri", uri]);
}

fn ait(s: &str) -> u128 {
    aitbc_client::amount::parse_amount(s).expect("amount")
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

// ---- miner stake ----

#[test]
fn a_miner_updates_stakes_unbonds_and_withdraws_its_stake() {
    let Some(node) = Node::start("a_miner_updates_stakes_unbonds_and_withdraws_its_stake") else {
        return;
    };
    let cli = Cli::new(&node.ws);
    import(&cli, "bob", "//Bob");
    let bob = ["--wallet", "bob"];
    let with =
        |args: &[&str]| -> Vec<String> { bob.iter().chain(args).map(|s| s.to_string()).collect() };
    let run_json = |args: &[&str]| cli.json(&common::strs(&with(args)));
    let fails = |args: &[&str]| cli.fails(&common::strs(&with(args)));

    let m = run_json(&[
        "miner",
        "register",
        "--gpus",
        "1x RTX 4090",
        "--price-per-hour",
        "0.5",
    ]);
    assert_eq!(units(&m["stake"]), ait("100"), "{m}");
    let price0 = m["price_per_hour"].clone();

    // update: only what is given changes.
    let m = run_json(&["miner", "update", "--models", "llama3,smollm2"]);
    assert_eq!(m["models"], serde_json::json!(["llama3", "smollm2"]), "{m}");
    assert_eq!(m["price_per_hour"], price0, "{m}");
    let m = run_json(&[
        "miner",
        "update",
        "--price-per-hour",
        "0.36",
        "--gpus",
        "2x RTX 4090",
    ]);
    assert_eq!(m["price_per_hour"], "0.36", "{m}");
    assert_eq!(m["gpu_count"], 2, "{m}");
    assert_eq!(m["models"], serde_json::json!(["llama3", "smollm2"]), "{m}");
    let out = cli.run(&["--wallet", "bob", "miner", "update"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("--models"), "{}", stderr_of(&out));

    // stake and unbond.
    let m = run_json(&["miner", "stake", "--amount", "50"]);
    assert_eq!(units(&m["stake"]), ait("150"), "{m}");
    assert_eq!(units(&m["staked"]), ait("50"), "{m}");
    let e = fails(&["miner", "unbond", "--amount", "60"]);
    assert!(
        e.contains("below the chain's minimum stake of 100") && e.contains("at most 50"),
        "{e}"
    );
    let m = run_json(&["miner", "unbond", "--amount", "50"]);
    assert_eq!(units(&m["stake"]), ait("100"), "{m}");
    assert_eq!(units(&m["released"]), ait("50"), "{m}");
    let bal = cli.json(&["wallet", "balance", "bob"]);
    assert_eq!(units(&bal["held"]), ait("100"), "{bal}");

    // withdraw: only after deregister, and only after the unbonding period.
    let e = fails(&["miner", "withdraw"]);
    assert!(
        e.contains("still active") && e.contains("deregister"),
        "{e}"
    );
    let m = run_json(&["miner", "deregister"]);
    assert_eq!(m["status"], "unbonding", "{m}");
    assert!(
        m["withdraw_from"]
            .as_str()
            .unwrap_or("")
            .contains("aitbc miner withdraw"),
        "{m}"
    );
    let e = fails(&["miner", "withdraw"]);
    assert!(
        e.contains("the unbonding period is not over") && e.contains("from block #"),
        "{e}"
    );
    let e = fails(&["miner", "update", "--models", "llama3"]);
    assert!(e.contains("unbonding until block #"), "{e}");
    let e = fails(&["miner", "stake", "--amount", "1"]);
    assert!(e.contains("unbonding"), "{e}");

    // The dev chain's unbonding period is 10 blocks.
    let start = Instant::now();
    let w = loop {
        let out = cli.run(&common::strs(&with(&[
            "--output", "json", "miner", "withdraw",
        ])));
        if out.status.success() {
            break serde_json::from_slice::<Value>(&out.stdout).expect("json");
        }
        let e = stderr_of(&out);
        assert!(e.contains("not over"), "{e}");
        assert!(start.elapsed() < Duration::from_secs(60), "{e}");
        std::thread::sleep(Duration::from_secs(2));
    };
    assert_eq!(w["status"], "withdrawn", "{w}");
    assert_eq!(units(&w["released"]), ait("100"), "{w}");
    assert!(
        units(&w["balance_after"]) > units(&w["balance_before"]),
        "{w}"
    );
    let e = fails(&["miner", "status"]);
    assert!(e.contains("not a registered miner"), "{e}");
    let bal = cli.json(&["wallet", "balance", "bob"]);
    assert_eq!(units(&bal["held"]), 0, "{bal}");
}

// ---- unfunded jobs and auto-pay ----

#[test]
fn unfunded_jobs_say_so_and_auto_pay_escrows_the_oracle_price() {
    let Some(node) = Node::start("unfunded_jobs_say_so_and_auto_pay_escrows_the_oracle_price")
    else {
        return;
    };
    let cli = Cli::new(&node.ws);
    import(&cli, "alice", "//Alice");
    import(&cli, "bob", "//Bob");
    import(&cli, "charlie", "//Charlie");
    cli.ok(&["wallet", "use", "alice"]);

    let j = cli.json(&["client", "submit", "--model", "smollm2", "--prompt", "hi"]);
    assert_eq!(j["status"], "unfunded", "{j}");
    let id = j["job_id"].as_u64().expect("job id");
    assert_eq!(
        j["note"],
        format!("unfunded: fund it with `aitbc client pay {id} --amount AIT`"),
        "{j}"
    );
    let table = cli.ok(&["client", "status", &id.to_string()]);
    assert!(table.contains("unfunded: fund it with"), "{table}");

    // No miner serves the model: nothing to suggest.
    let e = cli.fails(&[
        "client",
        "submit",
        "--model",
        "smollm2",
        "--prompt",
        "hi",
        "--auto-pay",
    ]);
    assert!(e.contains("no online miner serves model"), "{e}");
    cli.ok(&[
        "--wallet",
        "bob",
        "miner",
        "register",
        "--gpus",
        "1x RTX 4090",
        "--price-per-hour",
        "0.5",
    ]);
    // A miner, but no price for its GPU yet.
    let e = cli.fails(&[
        "client",
        "submit",
        "--model",
        "smollm2",
        "--prompt",
        "hi",
        "--auto-pay",
    ]);
    assert!(
        e.contains("pricing oracle has no price") && e.contains("RTX 4090"),
        "{e}"
    );
    cli.ok(&[
        "--wallet",
        "charlie",
        "marketplace",
        "gpu",
        "register",
        "--model",
        "RTX 4090",
        "--vram",
        "24",
        "--hourly-rate",
        "36",
    ]);
    let p = cli.json(&["marketplace", "pricing", "--model", "RTX 4090"]);
    assert_eq!(units(&p["suggested"]), ait("36"), "{p}");
    // 36 AIT per GPU-hour for a 60 s run window (30 blocks) on 1 GPU: 0.6 AIT.
    let j = cli.json(&[
        "client",
        "submit",
        "--model",
        "smollm2",
        "--prompt",
        "hi",
        "--auto-pay",
    ]);
    assert_eq!(units(&j["budget"]), ait("0.6"), "{j}");
    assert_eq!(units(&j["auto_pay"]["rate_per_hour"]), ait("36"), "{j}");
    assert_eq!(j["auto_pay"]["window_secs"], 60, "{j}");
    assert_ne!(j["status"], "unfunded", "{j}");
    assert!(j.get("note").is_none(), "{j}");
    // A batch with --auto-pay: the same suggestion for each line without a payment.
    let file = cli.home.path().join("auto.jsonl");
    std::fs::write(
        &file,
        "{\"prompt\": \"a\"}\n{\"prompt\": \"b\", \"payment\": \"1\"}\n{\"prompt\": \"c\"}\n",
    )
    .expect("write batch");
    let rows = cli.json(&[
        "client",
        "submit",
        "--batch-file",
        &common::path_str(&file),
        "--model",
        "smollm2",
        "--auto-pay",
    ]);
    let paid: Vec<u128> = rows
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| units(&r["payment"]))
        .collect();
    assert_eq!(paid, vec![ait("0.6"), ait("1"), ait("0.6")], "{rows}");
    let out = cli.run(&[
        "client",
        "submit",
        "--model",
        "smollm2",
        "--prompt",
        "hi",
        "--auto-pay",
        "--payment",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("cannot be used with"),
        "{}",
        stderr_of(&out)
    );
}

// ---- batches ----

#[test]
fn a_batch_file_submits_every_good_line_once_and_names_the_bad_one() {
    let Some(node) = Node::start("a_batch_file_submits_every_good_line_once_and_names_the_bad_one")
    else {
        return;
    };
    let cli = Cli::new(&node.ws);
    import(&cli, "alice", "//Alice");
    cli.ok(&["wallet", "use", "alice"]);
    let file = cli.home.path().join("jobs.jsonl");
    std::fs::write(
        &file,
        [
            r#"{"prompt": "one"}"#,
            r#"{"prompt": "two", "model": "llama3"}"#,
            r#"{"prompt": "three", "payment": "nope"#,
            "",
            r#"{"prompt": "four", "payment": 2}"#,
            r#"{"prompt": "five", "ttl": 900}"#,
            r#"{"prompt": "six"}"#,
            r#"{"prompt": "seven", "model": "smollm2", "payment": "0.5"}"#,
        ]
        .join("\n"),
    )
    .expect("write batch");
    let path = common::path_str(&file);
    let out = cli.run(&[
        "--output",
        "json",
        "client",
        "submit",
        "--batch-file",
        &path,
        "--parallel",
        "3",
        "--model",
        "smollm2",
        "--payment",
        "1",
    ]);
    let stderr = stderr_of(&out);
    assert!(!out.status.success(), "a bad line must fail the command");
    assert!(
        stderr.contains("1 of 7 lines were not submitted") && stderr.contains("line 3:"),
        "{stderr}"
    );
    let rows: Value = serde_json::from_slice(&out.stdout).expect("json summary");
    let rows = rows.as_array().expect("array");
    assert_eq!(rows.len(), 7, "{rows:?}");
    let lines: Vec<u64> = rows
        .iter()
        .map(|r| r["line"].as_u64().unwrap_or(0))
        .collect();
    assert_eq!(lines, vec![1, 2, 3, 5, 6, 7, 8]);
    assert_eq!(rows[2]["status"], "not submitted");
    assert!(
        rows[2]["error"].as_str().unwrap_or("").contains("line 3"),
        "{rows:?}"
    );
    let mut ids: Vec<u64> = rows.iter().filter_map(|r| r["job_id"].as_u64()).collect();
    assert_eq!(ids.len(), 6, "{rows:?}");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 6, "job ids must be distinct: {rows:?}");
    assert_eq!(rows[1]["model"], "llama3");
    assert_eq!(units(&rows[3]["payment"]), ait("2"));
    assert_eq!(units(&rows[6]["payment"]), ait("0.5"));
    // Exactly those six jobs exist: nothing was sent twice.
    let jobs = cli.json(&["client", "list", "--limit", "100"]);
    assert_eq!(jobs.as_array().map(Vec::len), Some(6), "{jobs}");
    // Several were in flight at once: some share a block (one at a time, each would wait for
    // the block of the one before).
    let mut blocks: Vec<u64> = jobs
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|j| j["status_since"].as_u64())
        .collect();
    blocks.sort();
    blocks.dedup();
    assert!(blocks.len() < 6, "every job in its own block: {jobs}");

    // The table form, with a progress bar on a non-terminal (hidden) and the summary table.
    std::fs::write(&file, "{\"prompt\": \"again\"}\n").expect("write batch");
    let table = cli.ok(&[
        "client",
        "submit",
        "--batch-file",
        &path,
        "--model",
        "smollm2",
    ]);
    assert!(
        table.contains("job_id") && table.contains("unfunded"),
        "{table}"
    );
}

// ---- original spellings ----

fn without_volatile(mut v: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        o.remove("elapsed_secs");
    }
    v
}

#[test]
fn the_original_command_spellings_give_the_same_output() {
    let Some(node) = Node::start("the_original_command_spellings_give_the_same_output") else {
        return;
    };
    let cli = Cli::new(&node.ws);
    import(&cli, "alice", "//Alice");
    cli.ok(&["wallet", "use", "alice"]);
    let j = cli.json(&[
        "submit",
        "inference",
        "--prompt",
        "Explain quantum computing",
        "--model",
        "llama3.2:latest",
        "--ttl",
        "900",
    ]);
    assert_eq!(j["job_type"], "inference", "{j}");
    assert_eq!(j["ttl_blocks"], 450, "{j}");
    let id = j["job_id"].as_u64().expect("id").to_string();
    assert_eq!(
        without_volatile(cli.json(&["status", &id])),
        without_volatile(cli.json(&["client", "status", &id]))
    );
    for (old, new) in [
        (
            vec!["browser", "--receipt-limit", "5"],
            vec!["explorer", "receipts", "--limit", "5"],
        ),
        (
            vec!["receipts", "--job-id", &id],
            vec!["client", "receipts", "--job-id", &id],
        ),
        (vec!["admin-miners"], vec!["admin", "miners"]),
        (vec!["admin-jobs"], vec!["admin", "jobs"]),
    ] {
        assert_eq!(cli.ok(&old), cli.ok(&new), "{old:?} vs {new:?}");
    }
    let c = cli.json(&["cancel", &id]);
    assert_eq!(c["status"], "cancelled", "{c}");
    let e1 = cli.fails(&["cancel", &id]);
    let e2 = cli.fails(&["client", "cancel", &id]);
    assert_eq!(e1, e2);
    let help = cli.ok(&["--help"]);
    for old in [
        "submit",
        "browser",
        "admin-miners",
        "admin-jobs",
        "receipts",
        "cancel",
        "status",
    ] {
        assert!(
            !help.lines().any(|l| l.trim_start().starts_with(old)),
            "{old} in --help:\n{help}"
        );
    }
}

// ---- network faults ----

/// What the proxy does to the first transaction submission it sees.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cut {
    /// Nothing.
    Never,
    /// Forward it, then cut the connection (the node has it; the client hears nothing back).
    AfterForwarding,
    /// Cut the connection without forwarding it (the node never sees it).
    BeforeForwarding,
}

/// A TCP proxy in front of a node's WebSocket RPC that reads the client's frames, counts the
/// transaction submissions in them and can cut the connection at the first one.
struct Proxy {
    port: u16,
    seen: Arc<AtomicUsize>,
    forwarded: Arc<AtomicUsize>,
}

fn is_submission(text: &str) -> bool {
    text.contains("author_submitAndWatchExtrinsic") || text.contains("author_submitExtrinsic")
}

/// The unmasked payload of each complete client frame at the start of `buf`, and the bytes
/// used (RFC 6455: client frames are always masked).
fn frames(buf: &[u8]) -> (Vec<(Vec<u8>, usize)>, usize) {
    let mut out = Vec::new();
    let mut at = 0;
    loop {
        let b = &buf[at..];
        if b.len() < 2 {
            break;
        }
        let mut len = (b[1] & 0x7f) as usize;
        let mut head = 2;
        if len == 126 {
            if b.len() < 4 {
                break;
            }
            len = u16::from_be_bytes([b[2], b[3]]) as usize;
            head = 4;
        } else if len == 127 {
            if b.len() < 10 {
                break;
            }
            let mut n = [0u8; 8];
            n.copy_from_slice(&b[2..10]);
            len = u64::from_be_bytes(n) as usize;
            head = 10;
        }
        let masked = b[1] & 0x80 != 0;
        let key_len = if masked { 4 } else { 0 };
        if b.len() < head + key_len + len {
            break;
        }
        let key = &b[head..head + key_len];
        let payload: Vec<u8> = b[head + key_len..head + key_len + len]
            .iter()
            .enumerate()
            .map(|(i, x)| if masked { x ^ key[i % 4] } else { *x })
            .collect();
        let size = head + key_len + len;
        out.push((payload, at + size));
        at += size;
    }
    (out, at)
}

fn start_proxy(listener: TcpListener, target: u16, cut: Cut) -> Proxy {
    let port = listener.local_addr().expect("addr").port();
    let seen = Arc::new(AtomicUsize::new(0));
    let forwarded = Arc::new(AtomicUsize::new(0));
    let cut_done = Arc::new(AtomicBool::new(false));
    let (s2, f2) = (seen.clone(), forwarded.clone());
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(mut client) = client else { continue };
            let Ok(mut server) = TcpStream::connect(("127.0.0.1", target)) else {
                continue;
            };
            let (mut c2, mut s3) = (
                client.try_clone().expect("clone"),
                server.try_clone().expect("clone"),
            );
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut s3, &mut c2);
                let _ = c2.shutdown(Shutdown::Both);
            });
            let (seen, forwarded, cut_done) = (s2.clone(), f2.clone(), cut_done.clone());
            std::thread::spawn(move || {
                let mut buf: Vec<u8> = Vec::new();
                let mut handshake_done = false;
                let mut chunk = [0u8; 16384];
                loop {
                    let n = match client.read(&mut chunk) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    buf.extend_from_slice(&chunk[..n]);
                    if !handshake_done {
                        let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                            continue;
                        };
                        if server.write_all(&buf[..end + 4]).is_err() {
                            break;
                        }
                        buf.drain(..end + 4);
                        handshake_done = true;
                    }
                    let (fs, used) = frames(&buf);
                    let mut sent_to = 0;
                    let mut cut_now = false;
                    for (payload, end) in fs {
                        let text = String::from_utf8_lossy(&payload).into_owned();
                        if is_submission(&text) {
                            seen.fetch_add(1, Ordering::SeqCst);
                            let first = !cut_done.swap(true, Ordering::SeqCst);
                            if first && cut == Cut::BeforeForwarding {
                                cut_now = true;
                                break;
                            }
                            let _ = server.write_all(&buf[sent_to..end]);
                            sent_to = end;
                            forwarded.fetch_add(1, Ordering::SeqCst);
                            if first && cut == Cut::AfterForwarding {
                                // Let the node read it before the connection goes.
                                std::thread::sleep(Duration::from_millis(200));
                                cut_now = true;
                                break;
                            }
                        }
                    }
                    if cut_now {
                        let _ = client.shutdown(Shutdown::Both);
                        let _ = server.shutdown(Shutdown::Both);
                        break;
                    }
                    if server.write_all(&buf[sent_to..used]).is_err() {
                        break;
                    }
                    buf.drain(..used);
                }
                let _ = server.shutdown(Shutdown::Both);
            });
        }
    });
    Proxy {
        port,
        seen,
        forwarded,
    }
}

fn node_port(node: &Node) -> u16 {
    node.ws
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("node port")
}

/// A running `aitbc` whose stderr is collected as it comes.
struct Running {
    child: std::process::Child,
    stderr: Arc<std::sync::Mutex<String>>,
    reader: std::thread::JoinHandle<()>,
}

impl Running {
    fn spawn(mut cmd: std::process::Command) -> Self {
        let mut child = cmd
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn aitbc");
        let stderr = Arc::new(std::sync::Mutex::new(String::new()));
        let mut pipe = child.stderr.take().expect("stderr");
        let sink = stderr.clone();
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut s) = sink.lock() {
                    s.push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            }
        });
        Running {
            child,
            stderr,
            reader,
        }
    }

    fn stderr(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Waits until stderr contains `needle`.
    fn wait_for(&self, needle: &str) {
        let start = Instant::now();
        while !self.stderr().contains(needle) {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "`{needle}` never printed: {}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Exit status, stdout and stderr.
    fn finish(mut self) -> (std::process::ExitStatus, Vec<u8>, String) {
        let mut out = Vec::new();
        if let Some(mut o) = self.child.stdout.take() {
            let _ = o.read_to_end(&mut out);
        }
        let status = self.child.wait().expect("wait");
        let Running { stderr, reader, .. } = self;
        let _ = reader.join();
        let err = stderr.lock().map(|s| s.clone()).unwrap_or_default();
        (status, out, err)
    }
}

#[test]
fn a_refused_port_is_retried_with_backoff_until_it_accepts() {
    let Some(node) = Node::start("a_refused_port_is_retried_with_backoff_until_it_accepts") else {
        return;
    };
    let port = free_port();
    let cli = Cli::new(&format!("ws://127.0.0.1:{port}"));
    let run = Running::spawn(cli.cmd(&["--output", "json", "health"]));
    // Refused until the CLI says it retries; then a proxy to the node listens on the port.
    run.wait_for("retry 1/3 in 1 s");
    let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind the proxy port");
    let _proxy = start_proxy(listener, node_port(&node), Cut::Never);
    let (status, stdout, stderr) = run.finish();
    assert!(status.success(), "{stderr}");
    assert!(stderr.contains("note: cannot reach node at"), "{stderr}");
    let v: Value = serde_json::from_slice(&stdout).expect("json");
    assert!(v["best_block"].as_u64().unwrap_or(0) >= 1, "{v}");

    // Without retries, or once they are used up, it fails with one error line.
    let dead = Cli::new(&format!("ws://127.0.0.1:{}", free_port()));
    let started = Instant::now();
    let e = dead.fails(&["--rpc-retries", "0", "health"]);
    assert!(e.contains("cannot reach node"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(3));
    let out = dead.run(&["health"]);
    let stderr = stderr_of(&out);
    assert!(!out.status.success());
    for n in ["retry 1/3 in 1 s", "retry 2/3 in 2 s", "retry 3/3 in 4 s"] {
        assert!(stderr.contains(n), "{stderr}");
    }
    assert!(!stderr.contains("retry 4/"), "{stderr}");
}

/// Submits a job through a proxy that cuts the connection at the submission; returns the
/// CLI's stderr and the proxy.
fn submit_through_cut(cut: Cut, test: &str) -> Option<(String, Proxy, Cli, Node)> {
    let node = Node::start(test)?;
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let proxy = start_proxy(listener, node_port(&node), cut);
    let cli = Cli::new(&format!("ws://127.0.0.1:{}", proxy.port));
    import(&cli, "alice", "//Alice");
    cli.ok(&["wallet", "use", "alice"]);
    let out = cli.run(&[
        "--output",
        "json",
        "client",
        "submit",
        "--model",
        "smollm2",
        "--prompt",
        "hi",
        "--payment",
        "1",
    ]);
    let stderr = stderr_of(&out);
    assert!(out.status.success(), "{stderr}{}", stdout_of(&out));
    let j: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(j["status"], "queued", "{j}");
    Some((stderr, proxy, cli, node))
}

#[test]
fn a_transaction_the_node_got_is_followed_not_sent_again() {
    let Some((stderr, proxy, cli, _node)) = submit_through_cut(
        Cut::AfterForwarding,
        "a_transaction_the_node_got_is_followed_not_sent_again",
    ) else {
        return;
    };
    assert!(
        stderr.contains("lost the node while sending transaction"),
        "{stderr}"
    );
    assert!(
        stderr.contains("is in the node's pool") || stderr.contains("is already in block"),
        "{stderr}"
    );
    assert_eq!(proxy.seen.load(Ordering::SeqCst), 1, "{stderr}");
    let jobs = cli.json(&["client", "list"]);
    assert_eq!(jobs.as_array().map(Vec::len), Some(1), "{jobs}");
}

#[test]
fn a_transaction_the_node_never_got_is_sent_again_once() {
    let Some((stderr, proxy, cli, _node)) = submit_through_cut(
        Cut::BeforeForwarding,
        "a_transaction_the_node_never_got_is_sent_again_once",
    ) else {
        return;
    };
    assert!(
        stderr.contains("neither in the node's pool nor in a block"),
        "{stderr}"
    );
    assert_eq!(proxy.seen.load(Ordering::SeqCst), 2, "{stderr}");
    assert_eq!(proxy.forwarded.load(Ordering::SeqCst), 1, "{stderr}");
    let jobs = cli.json(&["client", "list"]);
    assert_eq!(jobs.as_array().map(Vec::len), Some(1), "{jobs}");
}

#[test]
fn a_stopped_and_restarted_node_is_waited_for() {
    let Some(mut node) = Node::start("a_stopped_and_restarted_node_is_waited_for") else {
        return;
    };
    let cli = Cli::new(&node.ws);
    import(&cli, "alice", "//Alice");
    cli.ok(&["wallet", "use", "alice"]);
    node.kill();
    let run = Running::spawn(cli.cmd(&["--output", "json", "wallet", "balance"]));
    // The CLI finds the node down, then the node comes back on its database within the
    // remaining retries (2 s and 4 s later).
    run.wait_for("retry 1/3 in 1 s");
    node.restart();
    let (status, stdout, stderr) = run.finish();
    assert!(status.success(), "{stderr}\nnode log:\n{}", node.log_tail());
    let v: Value = serde_json::from_slice(&stdout).expect("json");
    assert!(units(&v["free"]) > 0, "{v}");
}
