//! Attacks on a live node, each the reproduction of a crash or stall found in review:
//!
//! - a call nested tens of thousands of levels deep (`Sudo::sudo(Sudo::sudo(..))`, about 100 KB)
//!   sent over RPC (`author_submitExtrinsic`, `state_call`, `system_dryRun`) and over gossip (as a
//!   transaction and inside a block) used to overflow the stack and abort the process;
//! - a peer that claims an impossible best block (`u32::MAX`) used to stop a validator from
//!   authoring, and a peer that claims blocks it never serves used to keep it "syncing";
//! - `--rpc-methods unsafe` on an external interface.
//!
//! The attacker is a real libp2p peer: the node's own network stack, driven by the test.

mod common;

use std::time::{Duration, Instant};

use aitbc_node::network::{
    self,
    protocol::{Status, SyncResponse},
    Incoming, NetworkConfig, NetworkHandle,
};
use aitbc_wire::samples::bare_extrinsic;
use codec::{Compact, Encode};
use common::*;
use jsonrpsee::{
    core::{client::ClientT, ClientError},
    rpc_params,
    ws_client::WsClient,
};
use libp2p::{identity, Multiaddr};
use sp_core::H256;
use sp_keyring::Sr25519Keyring::{Alice, Bob, Dave};
use sp_runtime::traits::Header as _;
use tokio::sync::mpsc;

fn nested_sudo_call(depth: usize) -> Vec<u8> {
    aitbc_wire::samples::nested_sudo_call(depth, b"deep")
}

fn rpc_error(e: ClientError) -> (i32, String) {
    match e {
        ClientError::Call(obj) => {
            let data = obj.data().map(|d| d.get().to_string()).unwrap_or_default();
            (obj.code(), format!("{} {}", obj.message(), data))
        }
        other => panic!("transport error (did the node die?): {other}"),
    }
}

/// The node keeps authoring and finalizing: both heights rise by `n` within `within`.
async fn still_producing(c: &WsClient, n: u32, within: Duration) {
    let best = best_number(c).await;
    let finalized = finalized_number(c).await;
    wait_for_block(c, best + n, within).await;
    let deadline = Instant::now() + within;
    while finalized_number(c).await < finalized + n {
        assert!(
            Instant::now() < deadline,
            "finality stalled at #{finalized}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A libp2p peer of the node's chain (the node's own network stack), dialing the node.
async fn attacker(c: &WsClient) -> (NetworkHandle, mpsc::Receiver<Incoming>, H256) {
    let genesis: H256 = c
        .request("chain_getBlockHash", rpc_params![0])
        .await
        .expect("genesis");
    let listen: Vec<String> = c
        .request("system_localListenAddresses", rpc_params![])
        .await
        .expect("listen addresses");
    let node_addr: Multiaddr = listen
        .iter()
        .find(|a| a.contains("127.0.0.1"))
        .expect("a 127.0.0.1 address")
        .parse()
        .expect("multiaddr");
    // The attacker's own network task; nobody supervises it.
    let (tasks, _) = aitbc_node::tasks::essential_tasks();
    let (net, queues) = network::start(
        NetworkConfig {
            listen_addrs: vec!["/ip4/127.0.0.1/tcp/0".parse().expect("multiaddr")],
            bootnodes: vec![node_addr],
            max_peers: 4,
            keypair: identity::Keypair::generate_ed25519(),
            genesis,
        },
        &tasks,
    )
    .expect("start the attacker's network");
    (net, queues.consensus, genesis)
}

/// Answer the node's requests with `status` (and no blocks) until `until`; with `ahead_of`, the
/// claimed best block is always one above the node's best at the moment it asks (a fixed claim
/// can fall behind the node's own blocks, and the node, its slots and its status requests all
/// tick every 2 s, so a fixed claim may never be ahead when asked); returns whether the node
/// disconnected us by then.
async fn lie_ahead(
    incoming: &mut mpsc::Receiver<Incoming>,
    mut status: Status,
    ahead_of: Option<&WsClient>,
    until: Instant,
) -> bool {
    loop {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        let Ok(Some(event)) = tokio::time::timeout(left, incoming.recv()).await else {
            return false;
        };
        match event {
            Incoming::Disconnected(_) => return true,
            Incoming::Request { request, reply, .. } => {
                if let Some(c) = ahead_of {
                    status.best_number = best_number(c).await + 1;
                }
                reply.send(match request {
                    network::protocol::SyncRequest::Status => SyncResponse::Status(status),
                    network::protocol::SyncRequest::Blocks { .. } => SyncResponse::Blocks(vec![]),
                    network::protocol::SyncRequest::CatchUp { .. } => SyncResponse::CatchUp(None),
                })
            }
            _ => {}
        }
    }
}

/// [`lie_ahead`] with a fixed claim.
async fn lie(incoming: &mut mpsc::Receiver<Incoming>, status: Status, until: Instant) -> bool {
    lie_ahead(incoming, status, None, until).await
}

#[test]
fn unsafe_methods_on_an_external_interface_need_the_override() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_aitbc-node"))
        .args(["--dev", "--rpc-external", "--rpc-methods", "unsafe"])
        .output()
        .expect("run aitbc-node");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--unsafe-rpc-external"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn deeply_nested_calls_neither_crash_nor_stall_the_node() {
    let dir = tempfile::tempdir().unwrap();
    let node = TestNode::dev(dir.path());
    let c = node.rpc().await;
    wait_for_block(&c, 1, Duration::from_secs(30)).await;
    let deep = bare_extrinsic(&nested_sudo_call(50_000));

    // RPC: submission, a runtime call that takes the extrinsic, and a dry run.
    let (code, msg) = rpc_error(
        c.request::<H256, _>("author_submitExtrinsic", rpc_params![hex0x(&deep)])
            .await
            .unwrap_err(),
    );
    assert_eq!(code, 1001, "{msg}");
    assert!(msg.contains("depth"), "{msg}");
    let mut args = sp_runtime::transaction_validity::TransactionSource::External.encode();
    args.extend_from_slice(&deep);
    args.extend_from_slice(H256::zero().as_bytes());
    let (code, msg) = rpc_error(
        c.request::<String, _>(
            "state_call",
            rpc_params!["TaggedTransactionQueue_validate_transaction", hex0x(&args)],
        )
        .await
        .unwrap_err(),
    );
    assert_eq!(code, -32602, "{msg}");
    assert!(msg.contains("depth"), "{msg}");
    let (code, msg) = rpc_error(
        c.request::<String, _>("system_dryRun", rpc_params![hex0x(&deep)])
            .await
            .unwrap_err(),
    );
    assert_eq!(code, -32602, "{msg}");

    // A signed call nested up to the limit is an ordinary transaction: validated, included and
    // dispatched by the runtime (which needs the deep stack the node gives it).
    let ctx = signing_context(&c).await;
    let nonce: u32 = c
        .request(
            "system_accountNextIndex",
            rpc_params![Alice.to_account_id().to_string()],
        )
        .await
        .expect("nonce");
    // Decoding, encoding and dropping the value recurse 200 levels: a thread with a deep stack.
    let xt = std::thread::Builder::new()
        .stack_size(256 * 1024 * 1024)
        .spawn(move || {
            let call: aitbc_runtime::RuntimeCall = codec::DecodeLimit::decode_all_with_depth_limit(
                256,
                &mut &nested_sudo_call(200)[..],
            )
            .expect("200 levels decode");
            sign(call, &Alice.pair(), nonce, ctx)
        })
        .expect("thread")
        .join()
        .expect("signing");
    let hash: H256 = c
        .request("author_submitExtrinsic", rpc_params![hex0x(&xt)])
        .await
        .expect("a call 200 levels deep is accepted");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let pending: Vec<String> = c
            .request("author_pendingExtrinsics", rpc_params![])
            .await
            .expect("pending");
        if !pending.iter().any(|p| p == &hex0x(&xt)) {
            break;
        }
        assert!(Instant::now() < deadline, "{hash:?} never left the pool");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Gossip: the same extrinsic as a transaction and inside a block, from a libp2p peer.
    let (net, mut incoming, _) = attacker(&c).await;
    let header = aitbc_runtime::Header::new(
        best_number(&c).await + 1,
        Default::default(),
        Default::default(),
        Default::default(),
        Default::default(),
    );
    let mut block = header.encode();
    block.extend_from_slice(&Compact(1u32).encode());
    block.extend_from_slice(&deep);
    block.push(0); // no justification
                   // Then a valid transfer over gossip: once it is included, the node has heard the peer.
    let transfer_xt = sign(
        transfer(Dave, aitbc_runtime::AIT),
        &Bob.pair(),
        0,
        signing_context(&c).await,
    );
    let bob_before: u32 = c
        .request(
            "system_accountNextIndex",
            rpc_params![Bob.to_account_id().to_string()],
        )
        .await
        .expect("nonce");
    assert_eq!(bob_before, 0);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        net.broadcast_transaction(deep.clone());
        net.announce_encoded_block(block.clone());
        net.broadcast_transaction(transfer_xt.clone());
        // Answer the node's status requests truthfully enough (genesis only).
        while let Ok(event) = incoming.try_recv() {
            if let Incoming::Request { reply, .. } = event {
                reply.send(SyncResponse::Refused("attacker".into()));
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let included = c
            .request::<u32, _>(
                "system_accountNextIndex",
                rpc_params![Bob.to_account_id().to_string()],
            )
            .await
            .expect("the node died on gossip");
        if included > 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the gossiped transfer never reached the node; log:\n{}",
            node.log_tail()
        );
    }
    still_producing(&c, 3, Duration::from_secs(30)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn lying_peers_are_banned_and_the_validator_keeps_authoring() {
    let dir = tempfile::tempdir().unwrap();
    let node = TestNode::dev(dir.path());
    let c = node.rpc().await;
    wait_for_block(&c, 2, Duration::from_secs(30)).await;

    // 1. An impossible best block: banned at once.
    let (net, mut incoming, genesis) = attacker(&c).await;
    let status = |best: u32| Status {
        genesis,
        best_number: best,
        best_hash: H256::repeat_byte(0xee),
        finalized_number: 0,
        finalized_hash: genesis,
        is_authority: true,
    };
    assert!(
        lie(
            &mut incoming,
            status(u32::MAX),
            Instant::now() + Duration::from_secs(30)
        )
        .await,
        "the node kept a peer claiming block #{}",
        u32::MAX
    );
    still_producing(&c, 3, Duration::from_secs(30)).await;
    let health: serde_json::Value = c
        .request("system_health", rpc_params![])
        .await
        .expect("health");
    assert_eq!(health["isSyncing"], false, "{health}");
    drop(net);

    // 2. A plausible claim (one block ahead) it never serves: struck out and banned.
    let (net, mut incoming, _) = attacker(&c).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut banned = false;
    while !banned && Instant::now() < deadline {
        banned = lie_ahead(
            &mut incoming,
            status(0),
            Some(&c),
            Instant::now() + Duration::from_secs(2),
        )
        .await;
    }
    assert!(
        banned,
        "a peer that never delivers was kept; log:\n{}",
        node.log_tail()
    );
    assert!(node.log_tail().contains("Banning"), "{}", node.log_tail());
    still_producing(&c, 3, Duration::from_secs(30)).await;
    drop(net);
}
