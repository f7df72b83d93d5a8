//! A real four-validator network of `aitbc-node` processes on 127.0.0.1 (chain `local`: Alice,
//! Bob, Charlie and Dave), connected over libp2p:
//!
//! 1. blocks come from all four authorities in turn and GRANDPA finalizes them;
//! 2. a transaction sent to any node is included;
//! 3. with one validator stopped, production and finality continue; it restarts and catches up;
//! 4. with two stopped, finality stalls (no 2/3 majority) while blocks are still produced, and it
//!    resumes when one returns; no finalized block is ever reverted;
//! 5. a full node started late syncs from genesis to the finalized head and serves RPC.
//!
//! The scenarios share one network and run in order: five node processes at once are what this
//! machine affords.

mod common;

use std::{
    path::Path,
    time::{Duration, Instant},
};

use aitbc_runtime::RuntimeCall;
use codec::Decode;
use common::*;
use jsonrpsee::{core::client::ClientT, rpc_params, ws_client::WsClient};
use sp_core::H256;
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

const VALIDATORS: [&str; 4] = ["alice", "bob", "charlie", "dave"];

struct Member {
    node: TestNode,
    name: &'static str,
}

fn start(
    dir: &Path,
    name: &'static str,
    port: u16,
    key: &str,
    bootnodes: &[String],
    validator: bool,
) -> Member {
    let mut args: Vec<String> = vec![
        "--chain".into(),
        "local".into(),
        "--name".into(),
        name.into(),
        "--listen-addr".into(),
        format!("/ip4/127.0.0.1/tcp/{port}"),
        "--node-key-file".into(),
        key.into(),
        "--bootnodes".into(),
    ];
    args.extend(bootnodes.iter().cloned());
    if validator {
        args.push("--validator".into());
        args.push(format!("--{name}"));
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    Member {
        node: TestNode::start(&dir.join(name), &refs),
        name,
    }
}

/// The block author of a header: `authorities[slot % 4]` in `local`'s order.
fn author_index(header: &serde_json::Value) -> usize {
    let logs = header["digest"]["logs"].as_array().expect("digest logs");
    for log in logs {
        let bytes =
            hex::decode(log.as_str().expect("hex log").trim_start_matches("0x")).expect("hex");
        // DigestItem::PreRuntime = 6, engine id "aura", then the SCALE-encoded slot.
        if bytes.first() == Some(&6) && bytes.get(1..5) == Some(b"aura") {
            let mut data = &bytes[5..];
            let slot_bytes = Vec::<u8>::decode(&mut data).expect("slot bytes");
            let slot = u64::decode(&mut &slot_bytes[..]).expect("slot");
            return (slot % 4) as usize;
        }
    }
    panic!("header without an Aura pre-runtime digest: {header}");
}

async fn header_at(c: &WsClient, n: u32) -> serde_json::Value {
    let hash: Option<H256> = c
        .request("chain_getBlockHash", rpc_params![n])
        .await
        .expect("hash");
    let hash = hash.unwrap_or_else(|| panic!("no block #{n}"));
    c.request("chain_getHeader", rpc_params![hash])
        .await
        .expect("header")
}

async fn hash_at(c: &WsClient, n: u32) -> Option<H256> {
    c.request("chain_getBlockHash", rpc_params![n])
        .await
        .expect("hash")
}

async fn wait_finalized(c: &WsClient, n: u32, timeout: Duration, what: &str) -> u32 {
    let deadline = Instant::now() + timeout;
    loop {
        let f = finalized_number(c).await;
        if f >= n {
            return f;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: finalized block #{n} not reached in {timeout:?} (finalized #{f})"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

async fn logs(members: &[Member]) -> String {
    members
        .iter()
        .map(|m| format!("--- {} ---\n{}", m.name, m.node.log_tail()))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread")]
async fn four_validators_produce_finalize_survive_outages_and_serve_late_joiners() {
    let dir = tempfile::tempdir().expect("tmp");
    let ports: Vec<u16> = (0..5).map(|_| free_port()).collect();
    let keys: Vec<(String, String)> = VALIDATORS
        .iter()
        .chain(["full"].iter())
        .map(|n| node_key(dir.path(), n))
        .collect();
    let bootnodes: Vec<String> = (0..4)
        .map(|i| format!("/ip4/127.0.0.1/tcp/{}/p2p/{}", ports[i], keys[i].1))
        .collect();
    let mut members: Vec<Member> = (0..4)
        .map(|i| {
            start(
                dir.path(),
                VALIDATORS[i],
                ports[i],
                &keys[i].0,
                &bootnodes,
                true,
            )
        })
        .collect();
    let mut clients = Vec::new();
    for m in &members {
        clients.push(m.node.rpc().await);
    }

    // 1. Blocks from all four in turn, finalized by GRANDPA.
    let target = 16;
    let deadline = Instant::now() + Duration::from_secs(120);
    while best_number(&clients[0]).await < target {
        assert!(
            Instant::now() < deadline,
            "no block #{target} in 120 s\n{}",
            logs(&members).await
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let fin = wait_finalized(&clients[0], 8, Duration::from_secs(60), "four validators").await;
    let mut authors = [0u32; 4];
    let best = best_number(&clients[0]).await;
    for n in 1..=best {
        authors[author_index(&header_at(&clients[0], n).await)] += 1;
    }
    assert!(
        authors.iter().all(|&a| a > 0),
        "every validator authors: blocks per authority {authors:?}\n{}",
        logs(&members).await
    );
    // Every node agrees on the finalized chain.
    for c in &clients {
        wait_finalized(c, fin, Duration::from_secs(30), "agreement").await;
        assert_eq!(hash_at(c, fin).await, hash_at(&clients[0], fin).await);
        let health: serde_json::Value = c
            .request("system_health", rpc_params![])
            .await
            .expect("health");
        assert!(
            health["peers"].as_u64().unwrap_or(0) >= 3,
            "peers: {health}"
        );
    }
    let peers: Vec<serde_json::Value> = clients[0]
        .request("system_peers", rpc_params![])
        .await
        .expect("peers");
    assert_eq!(peers.len(), 3, "{peers:?}");
    let listen: Vec<String> = clients[0]
        .request("system_localListenAddresses", rpc_params![])
        .await
        .expect("listen addresses");
    assert!(
        listen.iter().any(|a| a == &bootnodes[0]),
        "{listen:?} lacks {}",
        bootnodes[0]
    );

    // 2. A transaction sent to Dave's node is included, as every node sees.
    let ctx = signing_context(&clients[3]).await;
    let xt = sign(
        transfer(Sr25519Keyring::Two, 1_000_000_000_000),
        &Sr25519Keyring::Ferdie.pair(),
        0,
        ctx,
    );
    let _: H256 = clients[3]
        .request("author_submitExtrinsic", rpc_params![hex0x(&xt)])
        .await
        .expect("submit to dave");
    let ferdie = Sr25519Keyring::Ferdie.to_account_id().to_string();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let nonce: u32 = clients[0]
            .request("system_accountNextIndex", rpc_params![ferdie.clone()])
            .await
            .expect("nonce");
        if nonce == 1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "transfer sent to dave not included\n{}",
            logs(&members).await
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    // 3. Dave stops: production and finality go on; Dave restarts and catches up.
    let stopped_at = best_number(&clients[0]).await;
    members[3].node.stop();
    let fin_before = finalized_number(&clients[0]).await;
    wait_for_block(&clients[0], stopped_at + 6, Duration::from_secs(40)).await;
    wait_finalized(
        &clients[0],
        fin_before + 3,
        Duration::from_secs(40),
        "dave stopped",
    )
    .await;
    members[3].node.restart();
    clients[3] = members[3].node.rpc().await;
    let now = best_number(&clients[0]).await;
    wait_for_block(&clients[3], now, Duration::from_secs(60)).await;
    let fin_now = finalized_number(&clients[0]).await;
    wait_finalized(
        &clients[3],
        fin_now,
        Duration::from_secs(60),
        "dave caught up",
    )
    .await;

    // 4. Charlie and Dave stop: blocks go on, finality stalls, and resumes when Dave returns.
    members[2].node.stop();
    members[3].node.stop();
    // Let the round in flight settle.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let stalled = finalized_number(&clients[0]).await;
    let stalled_hash = hash_at(&clients[0], stalled).await;
    let best_then = best_number(&clients[0]).await;
    // Two of four authorities: a block in half of the 2 s slots.
    tokio::time::sleep(Duration::from_secs(16)).await;
    let best_later = best_number(&clients[0]).await;
    assert!(
        best_later >= best_then + 3,
        "two validators keep producing: #{best_then} -> #{best_later}\n{}",
        logs(&members).await
    );
    for c in &clients[..2] {
        let f = finalized_number(c).await;
        assert!(
            f <= stalled,
            "finality must stall without 2/3: #{stalled} -> #{f}"
        );
    }
    members[3].node.restart();
    clients[3] = members[3].node.rpc().await;
    let resumed = wait_finalized(
        &clients[0],
        best_later,
        Duration::from_secs(90),
        "dave returned",
    )
    .await;
    assert!(resumed > stalled);
    for c in [&clients[0], &clients[1], &clients[3]] {
        assert_eq!(
            hash_at(c, stalled).await,
            stalled_hash,
            "a finalized block was reverted"
        );
    }
    members[2].node.restart();
    clients[2] = members[2].node.rpc().await;

    // 5. A full node started now syncs from genesis to the finalized head and serves RPC.
    let head = finalized_number(&clients[0]).await;
    let full = start(dir.path(), "full", ports[4], &keys[4].0, &bootnodes, false);
    let fc = full.node.rpc().await;
    wait_finalized(&fc, head, Duration::from_secs(90), "full node").await;
    assert_eq!(hash_at(&fc, head).await, hash_at(&clients[0], head).await);
    assert_eq!(hash_at(&fc, 1).await, hash_at(&clients[0], 1).await);
    let roles: Vec<String> = fc
        .request("system_nodeRoles", rpc_params![])
        .await
        .expect("roles");
    assert_eq!(roles, vec!["Full".to_string()]);
    // It keeps following the chain and its finality.
    let next = finalized_number(&clients[0]).await + 2;
    wait_finalized(&fc, next, Duration::from_secs(60), "full node follows").await;
    members.push(full);

    // 6. Sudo replaces the validators with Alice, Bob and Charlie. GRANDPA moves to set 1 once
    //    the change block is final; Aura stops giving Dave slots; without Dave the chain goes on
    //    at full speed and finalizes.
    let validators: Vec<_> = [
        (Sr25519Keyring::Alice, Ed25519Keyring::Alice),
        (Sr25519Keyring::Bob, Ed25519Keyring::Bob),
        (Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
    ]
    .iter()
    .map(|(a, g)| (a.public().into(), g.public().into()))
    .collect();
    let call = RuntimeCall::Sudo(pallet_sudo::Call::sudo {
        call: Box::new(RuntimeCall::ValidatorSet(
            pallet_aitbc_validator_set::Call::set_validators {
                validators: validators.try_into().expect("3 validators fit"),
            },
        )),
    });
    let alice = Sr25519Keyring::Alice.to_account_id().to_string();
    let nonce: u32 = clients[1]
        .request("system_accountNextIndex", rpc_params![alice])
        .await
        .expect("nonce");
    let ctx = signing_context(&clients[1]).await;
    let xt = sign(call, &Sr25519Keyring::Alice.pair(), nonce, ctx);
    let _: H256 = clients[1]
        .request("author_submitExtrinsic", rpc_params![hex0x(&xt)])
        .await
        .expect("submit set_validators");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let fin: H256 = clients[0]
            .request("chain_getFinalizedHead", rpc_params![])
            .await
            .expect("finalized head");
        let raw: String = clients[0]
            .request(
                "state_call",
                rpc_params!["GrandpaApi_current_set_id", "0x", fin],
            )
            .await
            .expect("set id");
        let set_id = u64::decode(&mut &hex::decode(raw.trim_start_matches("0x")).expect("hex")[..])
            .expect("u64");
        if set_id == 1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the new set never became final\n{}",
            logs(&members).await
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let raw: String = clients[0]
        .request("state_call", rpc_params!["AuraApi_authorities", "0x"])
        .await
        .expect("aura authorities");
    let aura =
        Vec::<[u8; 32]>::decode(&mut &hex::decode(raw.trim_start_matches("0x")).expect("hex")[..])
            .expect("authorities");
    assert_eq!(aura.len(), 3);
    members[3].node.stop();
    let fin = finalized_number(&clients[0]).await;
    let best = best_number(&clients[0]).await;
    // Three authorities for three of every three slots: about one block per 2 s slot.
    wait_for_block(&clients[0], best + 5, Duration::from_secs(16)).await;
    wait_finalized(&clients[0], fin + 5, Duration::from_secs(40), "new set").await;
    drop(members);
}
