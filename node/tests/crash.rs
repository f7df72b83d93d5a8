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
