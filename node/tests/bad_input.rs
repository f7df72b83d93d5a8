//! Bad transactions are refused with Substrate's error codes and a readable reason, and the node
//! keeps running.

mod common;

use std::time::Duration;

use common::*;
use jsonrpsee::{
    core::{client::ClientT, ClientError},
    rpc_params,
    ws_client::WsClient,
};
use sp_core::{Pair, H256};
use sp_keyring::Sr25519Keyring::{Alice, Bob, Dave};

async fn submit(c: &WsClient, xt: &[u8]) -> Result<H256, (i32, String)> {
    c.request::<H256, _>("author_submitExtrinsic", rpc_params![hex0x(xt)])
        .await
        .map_err(|e| match e {
            ClientError::Call(obj) => {
                let data = obj.data().map(|d| d.get().to_string()).unwrap_or_default();
                (obj.code(), format!("{} {}", obj.message(), data))
            }
            other => panic!("transport error: {other}"),
        })
}

fn expect_refused(res: Result<H256, (i32, String)>, code: i32, needle: &str) {
    match res {
        Ok(h) => panic!("accepted {h:?}, expected error {code} `{needle}`"),
        Err((c, msg)) => {
            assert_eq!(c, code, "wrong code for `{msg}`");
            assert!(msg.contains(needle), "`{msg}` does not mention `{needle}`");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_transactions_are_refused_with_substrate_codes() {
    let dir = tempfile::tempdir().unwrap();
    let node = TestNode::dev(dir.path());
    let c = node.rpc().await;
    wait_for_block(&c, 1, Duration::from_secs(30)).await;
    let ctx = signing_context(&c).await;
    let amount = aitbc_runtime::AIT;

    // Malformed bytes.
    expect_refused(
        submit(&c, &[0x12, 0x34, 0x56]).await,
        1001,
        "invalid format",
    );
    let err = c
        .request::<H256, _>("author_submitExtrinsic", rpc_params!["not hex"])
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("0x-prefixed hex"), "{err}");

    // Bad signature: signed by Bob, claimed to be from Alice.
    let mut xt = sign(transfer(Dave, amount), &Bob.pair(), 0, ctx);
    let bob_pk = Bob.public().0;
    let alice_pk = Alice.public().0;
    let pos = xt
        .windows(32)
        .position(|w| w == bob_pk)
        .expect("signer in extrinsic");
    xt[pos..pos + 32].copy_from_slice(&alice_pk);
    expect_refused(submit(&c, &xt).await, 1010, "bad signature");

    // Wrong genesis hash and wrong spec version: the signature no longer matches the chain.
    let wrong_genesis = SigningContext {
        genesis: H256::repeat_byte(7),
        ..ctx
    };
    expect_refused(
        submit(
            &c,
            &sign(transfer(Dave, amount), &Alice.pair(), 0, wrong_genesis),
        )
        .await,
        1010,
        "bad signature",
    );
    let wrong_spec = SigningContext {
        spec_version: ctx.spec_version + 1,
        ..ctx
    };
    expect_refused(
        submit(
            &c,
            &sign(transfer(Dave, amount), &Alice.pair(), 0, wrong_spec),
        )
        .await,
        1010,
        "bad signature",
    );

    // A good transfer, then its nonce again: stale.
    submit(&c, &sign(transfer(Dave, amount), &Alice.pair(), 0, ctx))
        .await
        .expect("valid transfer");
    wait_for_block(&c, best_number(&c).await + 2, Duration::from_secs(30)).await;
    expect_refused(
        submit(&c, &sign(transfer(Dave, 2 * amount), &Alice.pair(), 0, ctx)).await,
        1010,
        "outdated",
    );

    // Far-future nonce.
    expect_refused(
        submit(
            &c,
            &sign(transfer(Dave, amount), &Alice.pair(), 10_000, ctx),
        )
        .await,
        1010,
        "future",
    );

    // Unpayable fee: a fresh account with nothing.
    let (poor, _) = sp_core::sr25519::Pair::generate();
    expect_refused(
        submit(&c, &sign(transfer(Dave, amount), &poor, 0, ctx)).await,
        1010,
        "Inability to pay some fees",
    );

    // Oversized payload: a 5 MiB remark.
    let remark = aitbc_runtime::RuntimeCall::System(frame_system::Call::remark {
        remark: vec![0u8; 5 * 1024 * 1024],
    });
    expect_refused(
        submit(&c, &sign(remark, &Alice.pair(), 1, ctx)).await,
        1010,
        "exhaust",
    );

    // The same valid transaction twice.
    let xt = sign(transfer(Dave, amount), &Alice.pair(), 1, ctx);
    submit(&c, &xt).await.expect("valid");
    expect_refused(submit(&c, &xt).await, 1013, "Already Imported");

    // The node is still producing blocks.
    let b = best_number(&c).await;
    wait_for_block(&c, b + 2, Duration::from_secs(30)).await;
}
