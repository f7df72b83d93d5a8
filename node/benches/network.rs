//! Network benchmark (`scripts/bench-network.sh`): real `aitbc-node` processes on 127.0.0.1.
//!
//! 1. **Sync speed.** Builds a dev chain of AITBC_BENCH_SYNC_BLOCKS blocks (default 10,000; each
//!    with its GRANDPA justification) straight into a node database, serves it from a full node,
//!    starts a fresh node pointed at it and times how fast the fresh node imports (verifies,
//!    re-executes and finalizes) the whole chain over libp2p.
//! 2. **Finality lag and block propagation.** Runs four validators (chain `local`) for
//!    AITBC_BENCH_SECS seconds (default 60) while transfers arrive at AITBC_BENCH_TPS per second
//!    (default 20) round-robin on all nodes; samples best − finalized every 250 ms, and times each
//!    block from its author's `chain_newHead` to the last other validator's.

#[path = "../tests/common/mod.rs"]
mod common;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use aitbc_node::{
    authoring::{build_block, now_ms},
    chain_spec::ChainSpec,
    client::Client,
    db::Database,
    grandpa::justification as finality,
    keystore::{self, Keystore},
    pool::{PoolLimits, TxPool},
    service::chain_dir,
    types::Header,
};
use common::*;
use jsonrpsee::{
    core::client::{ClientT, SubscriptionClientT},
    rpc_params,
};
use sp_consensus_aura::Slot;
use sp_keyring::Sr25519Keyring;

/// Per block hash: its slot and when each of the four validators reported it as a new head.
type ArrivalTimes = HashMap<sp_core::H256, (u64, [Option<Instant>; 4])>;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Author `n` finalized dev blocks (Alice) into the database under `base`.
fn build_chain(base: &std::path::Path, n: u32) -> anyhow::Result<()> {
    let spec = ChainSpec::preset("dev")?;
    let dir = chain_dir(base, &spec.id);
    std::fs::create_dir_all(&dir)?;
    let client = Client::open(Database::open(&dir.join("db"))?, spec)?;
    let keystore = Keystore::in_memory();
    keystore.add(keystore::AURA, "//Alice")?;
    keystore.add(keystore::GRANDPA, "//Alice")?;
    let pool = TxPool::new(client.clone(), PoolLimits::default());
    let alice = Sr25519Keyring::Alice.pair();
    let first_slot = now_ms() / 2000 - u64::from(n) - 10;
    for i in 0..n {
        let parent = client.expect_header(&client.info().best_hash)?;
        let built = build_block(
            &client,
            &pool,
            &parent,
            Slot::from(first_slot + u64::from(i)),
            2000,
            &alice,
            Instant::now() + Duration::from_secs(10),
        )?;
        let justification =
            finality::single_authority_justification(&client, &keystore, &built.block.header)?;
        client.import_block(built.block, Some(built.changes), justification, true)?;
    }
    Ok(())
}

async fn sync_speed(blocks: u32) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let t = Instant::now();
    build_chain(&dir.path().join("source"), blocks)?;
    println!(
        "built {blocks} dev blocks in {:.1} s ({:.0} blocks/s authoring)",
        t.elapsed().as_secs_f64(),
        f64::from(blocks) / t.elapsed().as_secs_f64()
    );
    let (key, peer) = node_key(dir.path(), "source");
    let port = free_port();
    let listen = format!("/ip4/127.0.0.1/tcp/{port}");
    let source = TestNode::start(
        &dir.path().join("source"),
        &[
            "--chain",
            "dev",
            "--listen-addr",
            &listen,
            "--node-key-file",
            &key,
        ],
    );
    let sc = source.rpc().await;
    assert_eq!(best_number(&sc).await, blocks);
    let bootnode = format!("{listen}/p2p/{peer}");
    let fresh = TestNode::start(
        &dir.path().join("fresh"),
        &["--chain", "dev", "--port", "0", "--bootnodes", &bootnode],
    );
    let fc = fresh.rpc().await;
    let started = Instant::now();
    let mut last = 0;
    while finalized_number(&fc).await < blocks {
        let b = best_number(&fc).await;
        if b / 2000 != last / 2000 {
            println!(
                "  fresh node at #{b} after {:.1} s",
                started.elapsed().as_secs_f64()
            );
        }
        last = b;
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(1800),
            "sync did not finish in 30 minutes (at #{b})"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "SYNC: a fresh node imported and finalized {blocks} blocks in {secs:.1} s: {:.0} blocks/s",
        f64::from(blocks) / secs
    );
    Ok(())
}

async fn devnet_under_load(secs: u64, tps: u64) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let names = ["alice", "bob", "charlie", "dave"];
    let ports: Vec<u16> = (0..4).map(|_| free_port()).collect();
    let keys: Vec<_> = names.iter().map(|n| node_key(dir.path(), n)).collect();
    let bootnodes: Vec<String> = (0..4)
        .map(|i| format!("/ip4/127.0.0.1/tcp/{}/p2p/{}", ports[i], keys[i].1))
        .collect();
    let mut nodes = Vec::new();
    for i in 0..4 {
        let mut args = vec![
            "--chain".to_string(),
            "local".into(),
            "--validator".into(),
            format!("--{}", names[i]),
            "--listen-addr".into(),
            format!("/ip4/127.0.0.1/tcp/{}", ports[i]),
            "--node-key-file".into(),
            keys[i].0.clone(),
            "--bootnodes".into(),
        ];
        args.extend(bootnodes.iter().cloned());
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        nodes.push(TestNode::start(&dir.path().join(names[i]), &refs));
    }
    let mut clients = Vec::new();
    for n in &nodes {
        clients.push(n.rpc().await);
    }
    wait_for_block(&clients[0], 5, Duration::from_secs(120)).await;

    // Block arrival times per node, keyed by block hash.
    let seen: Arc<Mutex<ArrivalTimes>> = Default::default();
    for (i, c) in clients.iter().enumerate() {
        let mut sub = c
            .subscribe::<serde_json::Value, _>(
                "chain_subscribeNewHeads",
                rpc_params![],
                "chain_unsubscribeNewHeads",
            )
            .await?;
        let seen = seen.clone();
        tokio::spawn(async move {
            while let Some(Ok(v)) = sub.next().await {
                let at = Instant::now();
                let Ok(header) = serde_json::from_value::<Header>(v) else {
                    continue;
                };
                let slot = aitbc_node::authoring::header_slot(&header).map(u64::from);
                let mut s = seen.lock().expect("lock");
                let e = s
                    .entry(header.hash())
                    .or_insert((slot.unwrap_or(0), [None; 4]));
                e.1[i] = Some(at);
            }
        });
    }

    // Transfers from the dev accounts, round-robin over the nodes.
    let ctx = signing_context(&clients[0]).await;
    let senders = [
        Sr25519Keyring::Alice,
        Sr25519Keyring::Bob,
        Sr25519Keyring::Charlie,
        Sr25519Keyring::Dave,
        Sr25519Keyring::Eve,
        Sr25519Keyring::Ferdie,
    ];
    let mut nonces = [0u32; 6];
    let mut lags = Vec::new();
    let started = Instant::now();
    let mut sent = 0u64;
    let mut next_sample = Instant::now();
    while started.elapsed() < Duration::from_secs(secs) {
        let due = (started.elapsed().as_secs_f64() * tps as f64) as u64;
        while sent < due {
            let k = (sent % 6) as usize;
            let xt = sign(
                transfer(Sr25519Keyring::Two, 1_000_000_000),
                &senders[k].pair(),
                nonces[k],
                ctx,
            );
            nonces[k] += 1;
            let c = &clients[(sent % 4) as usize];
            let _: Result<sp_core::H256, _> = c
                .request("author_submitExtrinsic", rpc_params![hex0x(&xt)])
                .await;
            sent += 1;
        }
        if Instant::now() >= next_sample {
            next_sample += Duration::from_millis(250);
            let best = best_number(&clients[0]).await;
            let fin = finalized_number(&clients[0]).await;
            lags.push(f64::from(best - fin));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let included: u32 = clients[0]
        .request(
            "system_accountNextIndex",
            rpc_params![Sr25519Keyring::Alice.to_account_id().to_string()],
        )
        .await?;
    lags.sort_by(|a, b| a.total_cmp(b));
    let mean_lag = lags.iter().sum::<f64>() / lags.len().max(1) as f64;
    let mut props = Vec::new();
    for (slot, times) in seen.lock().expect("lock").values() {
        let author = (*slot % 4) as usize;
        let (Some(t0), true) = (times[author], times.iter().all(Option::is_some)) else {
            continue;
        };
        let last = times.iter().flatten().max().copied().unwrap_or(t0);
        props.push(last.saturating_duration_since(t0).as_secs_f64() * 1000.0);
    }
    props.sort_by(|a, b| a.total_cmp(b));
    println!(
        "LOAD: {sent} transfers at {tps}/s over {secs} s on 4 validators (Alice's {} of {} included)",
        included, nonces[0]
    );
    println!(
        "FINALITY LAG: mean {mean_lag:.2} blocks, p50 {:.0}, p95 {:.0}, max {:.0} (best − finalized, {} samples)",
        percentile(&lags, 0.5),
        percentile(&lags, 0.95),
        lags.last().copied().unwrap_or(f64::NAN),
        lags.len()
    );
    println!(
        "PROPAGATION: author's new head → last other validator's: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms ({} blocks)",
        percentile(&props, 0.5),
        percentile(&props, 0.95),
        props.last().copied().unwrap_or(f64::NAN),
        props.len()
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let blocks = env_u64("AITBC_BENCH_SYNC_BLOCKS", 10_000) as u32;
    let secs = env_u64("AITBC_BENCH_SECS", 60);
    let tps = env_u64("AITBC_BENCH_TPS", 20);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        sync_speed(blocks).await?;
        devnet_under_load(secs, tps).await
    })
}
