//! A real dev node, driven over its WebSocket JSON-RPC exactly as Substrate tools drive it.

mod common;

use std::time::Duration;

use codec::Decode;
use common::*;
use jsonrpsee::{
    core::client::{ClientT, SubscriptionClientT},
    rpc_params,
};
use serde_json::Value;
use sp_core::H256;
use sp_keyring::Sr25519Keyring::{Alice, Bob, Charlie};

/// Every method polkadot.js, subxt and explorers need (docs/ARCHITECTURE.md, README "JSON-RPC").
const REQUIRED_METHODS: &[&str] = &[
    "chain_getBlockHash",
    "chain_getHeader",
    "chain_getBlock",
    "chain_getFinalizedHead",
    "chain_subscribeNewHeads",
    "chain_subscribeAllHeads",
    "chain_subscribeFinalizedHeads",
    "state_getStorage",
    "state_getKeysPaged",
    "state_queryStorageAt",
    "state_subscribeStorage",
    "state_subscribeRuntimeVersion",
    "state_getReadProof",
    "state_call",
    "state_getMetadata",
    "state_getRuntimeVersion",
    "author_submitExtrinsic",
    "author_submitAndWatchExtrinsic",
    "author_pendingExtrinsics",
    "system_health",
    "system_name",
    "system_version",
    "system_chain",
    "system_chainType",
    "system_properties",
    "system_peers",
    "system_accountNextIndex",
    "system_localPeerId",
    "system_localListenAddresses",
    "system_nodeRoles",
    "system_syncState",
    "rpc_methods",
];

fn account_key(who: &aitbc_runtime::AccountId) -> Vec<u8> {
    let mut k = sp_crypto_hashing::twox_128(b"System").to_vec();
    k.extend(sp_crypto_hashing::twox_128(b"Account"));
    let raw: &[u8] = who.as_ref();
    k.extend(sp_crypto_hashing::blake2_128(raw));
    k.extend_from_slice(raw);
    k
}

type AccountInfo = frame_system::AccountInfo<u32, pallet_balances::AccountData<u128>>;

async fn free_balance(c: &jsonrpsee::ws_client::WsClient, who: &aitbc_runtime::AccountId) -> u128 {
    let raw: Option<String> = c
        .request("state_getStorage", rpc_params![hex0x(&account_key(who))])
        .await
        .unwrap();
    let bytes = hex::decode(raw.expect("account exists").trim_start_matches("0x")).unwrap();
    AccountInfo::decode(&mut &bytes[..]).unwrap().data.free
}

#[tokio::test(flavor = "multi_thread")]
async fn dev_node_serves_the_substrate_rpc() {
    let dir = tempfile::tempdir().unwrap();
    // Safe methods only (the default `auto` serves unsafe ones on a localhost-only node).
    let node = TestNode::start(dir.path(), &["--dev", "--rpc-methods", "safe"]);
    let c = node.rpc().await;

    // What polkadot.js asks first.
    let genesis: H256 = c
        .request("chain_getBlockHash", rpc_params![0])
        .await
        .unwrap();
    assert_ne!(genesis, H256::zero());
    let version: Value = c
        .request("state_getRuntimeVersion", rpc_params![])
        .await
        .unwrap();
    assert_eq!(version["specName"], "aitbc");
    assert!(version["apis"].as_array().unwrap().len() >= 9, "{version}");
    let chain: String = c.request("system_chain", rpc_params![]).await.unwrap();
    assert_eq!(chain, "AITBC Development");
    let props: Value = c.request("system_properties", rpc_params![]).await.unwrap();
    assert_eq!(props["tokenSymbol"], "AIT");
    assert_eq!(props["tokenDecimals"], 12);
    let methods: Value = c.request("rpc_methods", rpc_params![]).await.unwrap();
    let listed: Vec<&str> = methods["methods"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for m in REQUIRED_METHODS {
        assert!(listed.contains(m), "rpc_methods lacks {m}");
    }

    // Blocks are authored and finalized.
    wait_for_block(&c, 3, Duration::from_secs(30)).await;
    assert!(finalized_number(&c).await >= 2);
    let h1: H256 = c
        .request("chain_getBlockHash", rpc_params![1])
        .await
        .unwrap();
    let block: Value = c.request("chain_getBlock", rpc_params![h1]).await.unwrap();
    assert_eq!(block["block"]["header"]["number"], "0x1");
    assert!(
        !block["block"]["extrinsics"].as_array().unwrap().is_empty(),
        "timestamp inherent missing"
    );
    assert!(
        block["block"]["extrinsics"][0]
            .as_str()
            .is_some_and(|x| x.starts_with("0x")),
        "extrinsics must be hex strings, as Substrate serves them: {block}"
    );
    assert!(
        block["justifications"].is_array(),
        "dev blocks carry a GRANDPA justification: {block}"
    );
    let missing: Option<Value> = c
        .request("chain_getBlockHash", rpc_params![1_000_000])
        .await
        .unwrap();
    assert!(missing.is_none());

    // Metadata: V14-V16 through state_call, and state_getMetadata's magic prefix.
    let versions: String = c
        .request(
            "state_call",
            rpc_params!["Metadata_metadata_versions", "0x"],
        )
        .await
        .unwrap();
    let versions = Vec::<u32>::decode(&mut &hex::decode(&versions[2..]).unwrap()[..]).unwrap();
    for v in [14, 15, 16] {
        assert!(versions.contains(&v), "metadata versions {versions:?}");
    }
    let md: String = c.request("state_getMetadata", rpc_params![]).await.unwrap();
    assert!(
        md.starts_with("0x6d657461"),
        "metadata must start with the `meta` magic"
    );

    // Storage: Alice is endowed; keys paged under System::Account.
    assert_eq!(
        free_balance(&c, &Alice.to_account_id()).await,
        1_000_000 * aitbc_runtime::AIT
    );
    let prefix = hex0x(&account_key(&Alice.to_account_id())[..32]);
    let keys: Vec<String> = c
        .request("state_getKeysPaged", rpc_params![prefix, 3])
        .await
        .unwrap();
    assert_eq!(keys.len(), 3);
    let next: Vec<String> = c
        .request(
            "state_getKeysPaged",
            rpc_params![
                hex0x(&account_key(&Alice.to_account_id())[..32]),
                100,
                keys[2].clone()
            ],
        )
        .await
        .unwrap();
    assert!(!next.contains(&keys[2]));
    let proof: Value = c
        .request(
            "state_getReadProof",
            rpc_params![vec![hex0x(&account_key(&Alice.to_account_id()))]],
        )
        .await
        .unwrap();
    assert!(!proof["proof"].as_array().unwrap().is_empty());

    // Subscriptions: new heads arrive.
    let mut heads = c
        .subscribe::<Value, _>(
            "chain_subscribeNewHeads",
            rpc_params![],
            "chain_unsubscribeNewHeads",
        )
        .await
        .unwrap();
    let first = heads.next().await.unwrap().unwrap();
    let second = tokio::time::timeout(Duration::from_secs(10), heads.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(parse_number(&second["number"]) > parse_number(&first["number"]));
    let mut fin = c
        .subscribe::<Value, _>(
            "chain_subscribeFinalizedHeads",
            rpc_params![],
            "chain_unsubscribeFinalizedHeads",
        )
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(10), fin.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();

    // A transfer, watched until finalized; storage subscription sees Charlie's balance change.
    let charlie_key = hex0x(&account_key(&Charlie.to_account_id()));
    let mut storage = c
        .subscribe::<Value, _>(
            "state_subscribeStorage",
            rpc_params![vec![charlie_key.clone()]],
            "state_unsubscribeStorage",
        )
        .await
        .unwrap();
    let initial = storage.next().await.unwrap().unwrap();
    assert_eq!(initial["changes"][0][0], charlie_key);

    let ctx = signing_context(&c).await;
    let nonce: u32 = c
        .request(
            "system_accountNextIndex",
            rpc_params![Bob.to_account_id().to_string()],
        )
        .await
        .unwrap();
    let before = free_balance(&c, &Charlie.to_account_id()).await;
    let xt = sign(
        transfer(Charlie, 5 * aitbc_runtime::AIT),
        &Bob.pair(),
        nonce,
        ctx,
    );
    let mut watch = c
        .subscribe::<Value, _>(
            "author_submitAndWatchExtrinsic",
            rpc_params![hex0x(&xt)],
            "author_unwatchExtrinsic",
        )
        .await
        .unwrap();
    let mut seen = vec![];
    while let Ok(Some(Ok(status))) =
        tokio::time::timeout(Duration::from_secs(20), watch.next()).await
    {
        let done = status.get("finalized").is_some();
        seen.push(status);
        if done {
            break;
        }
    }
    assert_eq!(seen.first(), Some(&Value::from("ready")), "{seen:?}");
    assert!(seen.iter().any(|s| s.get("inBlock").is_some()), "{seen:?}");
    assert!(
        seen.last().and_then(|s| s.get("finalized")).is_some(),
        "{seen:?}"
    );
    assert_eq!(
        free_balance(&c, &Charlie.to_account_id()).await,
        before + 5 * aitbc_runtime::AIT
    );
    let change = tokio::time::timeout(Duration::from_secs(10), storage.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(change["changes"][0][0], charlie_key);
    let after_nonce: u32 = c
        .request(
            "system_accountNextIndex",
            rpc_params![Bob.to_account_id().to_string()],
        )
        .await
        .unwrap();
    assert_eq!(after_nonce, nonce + 1);

    // System facts.
    let health: Value = c.request("system_health", rpc_params![]).await.unwrap();
    assert_eq!(health["isSyncing"], false);
    let roles: Vec<String> = c.request("system_nodeRoles", rpc_params![]).await.unwrap();
    assert_eq!(roles, vec!["Authority"]);
    let peer: String = c
        .request("system_localPeerId", rpc_params![])
        .await
        .unwrap();
    assert!(
        peer.starts_with("12D3KooW"),
        "libp2p ed25519 peer id expected, got {peer}"
    );

    // Unsafe methods are refused on a node serving safe methods.
    for method in ["author_rotateKeys", "system_peers"] {
        let err = c
            .request::<Value, _>(method, rpc_params![])
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("--rpc-methods unsafe"), "{method}: {err}");
    }
    let err = c
        .request::<Value, _>("system_dryRun", rpc_params!["0x00"])
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("--rpc-methods unsafe"), "{err}");

    // Unknown method names share one metrics label.
    for i in 0..3 {
        let _ = c
            .request::<Value, _>(&format!("made_up_{i}"), rpc_params![])
            .await;
    }

    // Browsers: a page from another site is refused before any method runs; local pages and
    // clients without an Origin are served.
    let call = r#"{"jsonrpc":"2.0","id":1,"method":"system_chain","params":[]}"#;
    let evil = http_post(node.rpc_port, call, Some("https://evil.example"));
    assert!(evil.starts_with("HTTP/1.1 403"), "{evil}");
    assert!(evil.contains("--rpc-cors"), "{evil}");
    let local = http_post(node.rpc_port, call, Some("http://localhost:3000"));
    assert!(local.starts_with("HTTP/1.1 200"), "{local}");
    assert!(local.contains("Development"), "{local}");
    let plain = http_post(node.rpc_port, call, None);
    assert!(plain.starts_with("HTTP/1.1 200"), "{plain}");

    // Prometheus metrics.
    let metrics = http_get(node.prometheus_port, "/metrics");
    assert!(
        metrics.contains("aitbc_block_height{status=\"best\"}"),
        "{metrics}"
    );
    assert!(
        metrics.contains("aitbc_rpc_calls_total{method=\"chain_getBlockHash\"}"),
        "{metrics}"
    );
    assert!(metrics.contains("aitbc_txpool_ready"), "{metrics}");
    assert!(
        metrics.contains("aitbc_rpc_calls_total{method=\"unknown\"} 3"),
        "{metrics}"
    );
    assert!(!metrics.contains("made_up_"), "{metrics}");
}

fn http_post(port: u16, body: &str, origin: Option<&str>) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("rpc port");
    let origin = origin
        .map(|o| format!("Origin: {o}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{origin}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

fn http_get(port: u16, path: &str) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("metrics port");
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}
