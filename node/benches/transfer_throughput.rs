//! Transfer throughput benchmark (`scripts/bench-node.sh`).
//!
//! Starts a release `aitbc-node` on a chain whose genesis endows many bench accounts, pre-signs
//! `transferKeepAlive` extrinsics from all of them, submits them over WebSocket RPC and prints the
//! sustained inclusion rate over a measured window, the mean block authoring time and the node's
//! peak RSS. Target: at least 2,000 transfers/s for 60 s on 2 cores.
//!
//! Environment: AITBC_BENCH_SECS (default 60), AITBC_BENCH_ACCOUNTS (default 2000),
//! AITBC_BENCH_RATE (submission cap in tx/s, default 3000).

use std::{
    process::{Command, Stdio},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use futures::StreamExt;
use jsonrpsee::{
    core::client::{ClientT, SubscriptionClientT},
    rpc_params,
    ws_client::WsClientBuilder,
};
use serde_json::Value;
use sp_core::{sr25519, Pair, H256};
use sp_runtime::generic::Era;

use aitbc_client::tx::{build_unsigned, ChainInfo};
use aitbc_runtime::{AccountId, Address, RuntimeCall, AIT};

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port")
}

fn node_binary() -> std::path::PathBuf {
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| {
            std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target"))
        });
    target.join("release/aitbc-node")
}

fn sign(call: RuntimeCall, signer: &sr25519::Pair, nonce: u32, chain: ChainInfo) -> String {
    let who: AccountId = signer.public().into();
    let genesis = chain.genesis_hash;
    let signed = build_unsigned(call, who, nonce, Era::Immortal, genesis, 0, chain)
        .sign(signer)
        .expect("own key");
    format!("0x{}", hex::encode(signed.encoded))
}

fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0.0)
}

fn scrape(port: u16) -> String {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return String::new();
    };
    let _ = write!(s, "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let secs = env_u64("AITBC_BENCH_SECS", 60);
    let accounts = env_u64("AITBC_BENCH_ACCOUNTS", 2000) as usize;
    let rate_cap = env_u64("AITBC_BENCH_RATE", 3000);
    let node = node_binary();
    anyhow::ensure!(
        node.exists(),
        "{} not found: run `cargo build --release -p aitbc-node` first",
        node.display()
    );
    let dir = tempfile::tempdir()?;

    // A dev chain whose genesis also endows the bench accounts.
    println!("bench: deriving {accounts} accounts");
    let pairs: Vec<sr25519::Pair> = (0..accounts)
        .map(|i| sr25519::Pair::from_string(&format!("//Bench//{i}"), None).expect("derive"))
        .collect();
    let spec = Command::new(&node)
        .args(["build-spec", "--chain", "dev"])
        .output()?;
    anyhow::ensure!(spec.status.success(), "build-spec failed");
    let mut spec: Value = serde_json::from_slice(&spec.stdout)?;
    let balances = spec["genesis"]["runtimeGenesis"]["patch"]["balances"]["balances"]
        .as_array_mut()
        .ok_or_else(|| anyhow::anyhow!("unexpected chain spec layout"))?;
    for p in &pairs {
        let who: AccountId = p.public().into();
        balances.push(serde_json::json!([who.to_string(), 1_000_000 * AIT]));
    }
    spec["id"] = Value::from("bench");
    let spec_path = dir.path().join("bench.json");
    std::fs::write(&spec_path, serde_json::to_vec(&spec)?)?;

    let (rpc_port, prom_port) = (free_port(), free_port());
    let log = std::fs::File::create(dir.path().join("node.log"))?;
    let mut child = Command::new(&node)
        .arg("--chain")
        .arg(&spec_path)
        .args(["--alice", "--base-path"])
        .arg(dir.path().join("data"))
        .args([
            "--rpc-port",
            &rpc_port.to_string(),
            "--prometheus-port",
            &prom_port.to_string(),
            "--listen-addr",
            "/ip4/127.0.0.1/tcp/0",
        ])
        .stdout(Stdio::from(log.try_clone()?))
        .stderr(Stdio::from(log))
        .spawn()?;
    let pid = child.id();
    let url = format!("ws://127.0.0.1:{rpc_port}");
    let client = loop {
        if let Ok(c) = WsClientBuilder::default()
            .max_concurrent_requests(4096)
            .build(&url)
            .await
        {
            if c.request::<String, _>("system_chain", rpc_params![])
                .await
                .is_ok()
            {
                break Arc::new(c);
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let genesis: H256 = client.request("chain_getBlockHash", rpc_params![0]).await?;
    let v: Value = client
        .request("state_getRuntimeVersion", rpc_params![])
        .await?;
    let chain = ChainInfo {
        genesis_hash: genesis,
        spec_version: v["specVersion"].as_u64().unwrap_or(0) as u32,
        transaction_version: v["transactionVersion"].as_u64().unwrap_or(0) as u32,
    };

    // Pre-sign enough transfers for the whole run at the submission cap.
    let total = (rate_cap * (secs + 15)) as usize;
    let per_account = total.div_ceil(accounts);
    println!(
        "bench: pre-signing {} transfers ({per_account} per account)",
        per_account * accounts
    );
    let started = Instant::now();
    let dest = Address::Id(sp_keyring::Sr25519Keyring::Ferdie.to_account_id());
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    let chunks: Vec<Vec<(usize, sr25519::Pair)>> = {
        let mut c = vec![Vec::new(); threads];
        for (i, p) in pairs.into_iter().enumerate() {
            c[i % threads].push((i, p));
        }
        c
    };
    let handles: Vec<_> = chunks
        .into_iter()
        .map(|chunk| {
            let dest = dest.clone();
            std::thread::spawn(move || {
                let mut out = Vec::new();
                for (i, p) in chunk {
                    for n in 0..per_account {
                        let call =
                            RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
                                dest: dest.clone(),
                                value: AIT,
                            });
                        out.push((n, i, sign(call, &p, n as u32, chain)));
                    }
                }
                out
            })
        })
        .collect();
    let mut txs = Vec::with_capacity(total);
    for h in handles {
        txs.extend(
            h.join()
                .map_err(|_| anyhow::anyhow!("signing thread panicked"))?,
        );
    }
    // Submit nonce by nonce across accounts so every account's transactions arrive in order.
    txs.sort_unstable_by_key(|(n, i, _)| (*n, *i));
    println!("bench: signed in {:.1} s", started.elapsed().as_secs_f64());

    // Count included transfers per block.
    let included = Arc::new(AtomicU64::new(0));
    let mut heads = client
        .subscribe::<Value, _>(
            "chain_subscribeNewHeads",
            rpc_params![],
            "chain_unsubscribeNewHeads",
        )
        .await?;
    let submitted = Arc::new(AtomicU64::new(0));
    let rejected = Arc::new(AtomicU64::new(0));
    let sub_client = client.clone();
    let (sub_count, rej_count, inc) = (submitted.clone(), rejected.clone(), included.clone());
    let submitter = tokio::spawn(async move {
        let start = Instant::now();
        futures::stream::iter(txs.into_iter().map(|(_, _, xt)| xt))
            .for_each_concurrent(512, |xt| {
                let c = sub_client.clone();
                let (sub_count, rej_count, inc) =
                    (sub_count.clone(), rej_count.clone(), inc.clone());
                async move {
                    // Respect the rate cap and keep the pool from overflowing.
                    loop {
                        let sent = sub_count.load(Ordering::Relaxed);
                        let allowed = (start.elapsed().as_secs_f64() * rate_cap as f64) as u64;
                        if sent < allowed
                            && sent.saturating_sub(inc.load(Ordering::Relaxed)) < 16_000
                        {
                            break;
                        }
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                    sub_count.fetch_add(1, Ordering::Relaxed);
                    if c.request::<H256, _>("author_submitExtrinsic", rpc_params![xt])
                        .await
                        .is_err()
                    {
                        rej_count.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
            .await;
    });

    let mut window_start: Option<(Instant, u64, f64, f64)> = None;
    let mut report = None;
    while let Some(Ok(head)) = heads.next().await {
        let hash: H256 = client
            .request("chain_getBlockHash", rpc_params![head["number"].clone()])
            .await?;
        let block: Value = client.request("chain_getBlock", rpc_params![hash]).await?;
        let n = block["block"]["extrinsics"]
            .as_array()
            .map(|a| a.len().saturating_sub(1))
            .unwrap_or(0) as u64;
        let total_inc = included.fetch_add(n, Ordering::Relaxed) + n;
        let number = head["number"].as_str().unwrap_or("0x0").to_string();
        println!(
            "bench: block {number}: {n} transfers (pool backlog {})",
            submitted.load(Ordering::Relaxed).saturating_sub(total_inc)
        );
        let m = scrape(prom_port);
        let (sum, count) = (
            metric(&m, "aitbc_block_authoring_seconds_sum"),
            metric(&m, "aitbc_block_authoring_seconds_count"),
        );
        match window_start {
            None if n > 0 => window_start = Some((Instant::now(), total_inc, sum, count)),
            Some((t0, inc0, sum0, count0)) if t0.elapsed() >= Duration::from_secs(secs) => {
                let elapsed = t0.elapsed().as_secs_f64();
                let rate = (total_inc - inc0) as f64 / elapsed;
                let mean_ms = if count > count0 {
                    (sum - sum0) / (count - count0) * 1000.0
                } else {
                    0.0
                };
                report = Some((rate, elapsed, total_inc - inc0, mean_ms));
                break;
            }
            _ => {}
        }
        if started.elapsed() > Duration::from_secs(secs * 3 + 120) {
            break;
        }
    }
    submitter.abort();
    let rss = peak_rss_kib(pid);
    let _ = child.kill();
    let _ = child.wait();
    let Some((rate, elapsed, count, mean_ms)) = report else {
        anyhow::bail!(
            "no transfers were included; see the node log in {}",
            dir.path().display()
        );
    };
    println!();
    println!("transfer throughput benchmark ({accounts} accounts, release build)");
    println!("  included transfers:      {count} in {elapsed:.1} s");
    println!("  sustained inclusion rate: {rate:.0} tx/s (target >= 2000)");
    println!("  mean block authoring:    {mean_ms:.1} ms (build + seal + import)");
    println!("  peak RSS of the node:    {:.1} MiB", rss as f64 / 1024.0);
    println!(
        "  rejected submissions:    {}",
        rejected.load(Ordering::Relaxed)
    );
    Ok(())
}
