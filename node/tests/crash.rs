//! Durability: SIGKILL during block production, 20 times. After every restart the database opens,
//! no finalized block is lost or changed, and the chain goes on.

mod common;

use std::time::Duration;

use common::*;
use jsonrpsee::{core::client::ClientT, rpc_params};
use sp_core::H256;

#[tokio::test(flavor = "multi_thread")]
async fn finalized_blocks_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let mut node = TestNode::start(dir.path(), &["--chain", "dev", "--alice"]);
    let mut finalized: Vec<(u32, H256)> = Vec::new();
    let mut rng_state = 0x2545_f491_4f6c_dd1du64;
    for round in 0..20 {
        let c = node.rpc().await;
        // Every block finalized before the previous kill is still there, unchanged.
        for (n, h) in &finalized {
            let now: Option<H256> = c
                .request("chain_getBlockHash", rpc_params![*n])
                .await
                .unwrap();
            assert_eq!(
                now,
                Some(*h),
                "round {round}: finalized block #{n} changed or vanished\n{}",
                node.log_tail()
            );
        }
        let best = best_number(&c).await;
        wait_for_block(&c, best + 1, Duration::from_secs(30)).await;
        // Kill at a pseudo-random moment inside a 2 s slot.
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        tokio::time::sleep(Duration::from_millis(rng_state % 2000)).await;
        let fin_hash: H256 = c
            .request("chain_getFinalizedHead", rpc_params![])
            .await
            .unwrap();
        let fin_number = finalized_number(&c).await;
        finalized.push((fin_number, fin_hash));
        node.kill();
        node.restart();
    }
    let c = node.rpc().await;
    let last = finalized.last().unwrap().0;
    assert!(finalized_number(&c).await >= last);
    wait_for_block(&c, best_number(&c).await + 1, Duration::from_secs(30)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn clean_restart_resumes_from_stored_heads() {
    let dir = tempfile::tempdir().unwrap();
    let mut node = TestNode::start(dir.path(), &["--chain", "dev", "--alice"]);
    let c = node.rpc().await;
    let reached = wait_for_block(&c, 3, Duration::from_secs(30)).await;
    let genesis: H256 = c
        .request("chain_getBlockHash", rpc_params![0])
        .await
        .unwrap();
    drop(c);
    assert!(node.stop().success(), "SIGTERM must exit cleanly");
    node.restart();
    let c = node.rpc().await;
    assert_eq!(
        c.request::<H256, _>("chain_getBlockHash", rpc_params![0])
            .await
            .unwrap(),
        genesis
    );
    assert!(best_number(&c).await >= reached);
    assert!(finalized_number(&c).await >= reached);
    wait_for_block(&c, reached + 2, Duration::from_secs(30)).await;
}

/// Wait until the finalized block reaches `n`.
async fn wait_for_finalized(c: &jsonrpsee::ws_client::WsClient, n: u32, node: &TestNode) {
    let deadline = std::time::Instant::now() + Duration::from_secs(150);
    while finalized_number(c).await < n {
        assert!(
            std::time::Instant::now() < deadline,
            "block #{n} not finalized in time\n{}",
            node.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pruned_node_forgets_old_states_and_bodies_and_survives_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "--chain",
        "dev",
        "--alice",
        "--state-pruning",
        "32",
        "--blocks-pruning",
        "4",
    ];
    let mut node = TestNode::start(dir.path(), &args);
    let c = node.rpc().await;
    wait_for_finalized(&c, 12, &node).await;
    // A crash in the middle: the journal and reference counts come back with the database.
    node.kill();
    node.restart();
    let c = node.rpc().await;
    wait_for_finalized(&c, 38, &node).await;
    let fin = finalized_number(&c).await;
    let hash_at = |n: u32| {
        let c = &c;
        async move {
            let h: Option<H256> = c
                .request("chain_getBlockHash", rpc_params![n])
                .await
                .unwrap();
            h.expect("canonical hash")
        }
    };
    let old = hash_at(1).await;
    // Headers stay; the body and the state of #1 are gone, with Substrate's error.
    let header: Option<serde_json::Value> = c
        .request("chain_getHeader", rpc_params![old])
        .await
        .unwrap();
    assert!(header.is_some(), "headers are never pruned");
    let block: Option<serde_json::Value> =
        c.request("chain_getBlock", rpc_params![old]).await.unwrap();
    assert!(block.is_none(), "the body of #1 is pruned");
    let err = c
        .request::<serde_json::Value, _>("state_getRuntimeVersion", rpc_params![old])
        .await
        .expect_err("state of #1 is pruned");
    assert!(err.to_string().contains("State already discarded"), "{err}");
    // Recent blocks are whole: the last 4 finalized bodies, the last 32 finalized states (read
    // with a margin: finality moves on while the test reads).
    let recent = hash_at(fin).await;
    let block: Option<serde_json::Value> = c
        .request("chain_getBlock", rpc_params![recent])
        .await
        .unwrap();
    assert!(block.is_some(), "recent body kept");
    let kept = hash_at(fin - 24).await;
    let _: serde_json::Value = c
        .request("state_getRuntimeVersion", rpc_params![kept])
        .await
        .expect("state 24 blocks behind finality is kept");
    wait_for_block(&c, best_number(&c).await + 1, Duration::from_secs(30)).await;

    // The database cannot be reopened as an archive: its old states are gone.
    node.stop();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_aitbc-node"))
        .args(["--chain", "dev", "--alice", "--state-pruning", "archive"])
        .arg("--base-path")
        .arg(dir.path())
        .args(["--port", "0", "--rpc-port"])
        .arg(free_port().to_string())
        .arg("--prometheus-port")
        .arg(free_port().to_string())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("created with --state-pruning 32"),
        "{stderr}"
    );
}
