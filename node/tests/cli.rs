//! The node's subcommands: build-spec, key generate/inspect/insert, purge-chain, and bad flags.

mod common;

use std::{process::Command, time::Duration};

use common::*;
use serde_json::Value;

fn node(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_aitbc-node"))
        .args(args)
        .output()
        .expect("run aitbc-node")
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn build_spec_prints_every_named_chain() {
    let mut ids = std::collections::HashSet::new();
    for chain in [
        "dev",
        "local",
        "ait-devnet",
        "ait-testnet",
        "ait-healthchain",
    ] {
        let out = node(&["build-spec", "--chain", chain]);
        assert!(
            out.status.success(),
            "{chain}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let spec: Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(spec["id"], chain);
        assert_eq!(spec["properties"]["tokenSymbol"], "AIT");
        assert!(
            ids.insert(spec["name"].as_str().unwrap().to_string()),
            "duplicate chain name"
        );
        let raw = node(&["build-spec", "--chain", chain, "--raw"]);
        let raw: Value = serde_json::from_str(&stdout(&raw)).unwrap();
        assert!(raw["genesis"]["raw"]["top"].as_object().unwrap().len() > 5);
    }
    let out = node(&["build-spec", "--chain", "nope"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown chain `nope`"));
}

#[test]
fn key_inspect_and_generate() {
    let out = node(&["key", "inspect", "//Alice", "--output-type", "json"]);
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        v["ss58Address"],
        "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
    );
    let out = node(&["key", "generate", "--words", "24", "--output-type", "json"]);
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        v["secretPhrase"]
            .as_str()
            .unwrap()
            .split_whitespace()
            .count(),
        24
    );
    let bad = node(&["key", "inspect", "not a key"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("invalid secret URI"));
    let bad = node(&["key", "generate", "--words", "13"]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--words must be"));
}

#[tokio::test(flavor = "multi_thread")]
async fn inserted_keys_make_a_validator_and_purge_removes_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().to_str().unwrap();
    for kt in ["aura", "gran"] {
        let out = node(&[
            "key",
            "insert",
            "--chain",
            "dev",
            "--base-path",
            base,
            "--key-type",
            kt,
            "--suri",
            "//Alice",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // No --alice and no --dev: the keys come from the keystore.
    let mut n = TestNode::start(dir.path(), &["--chain", "dev", "--validator"]);
    let c = n.rpc().await;
    wait_for_block(&c, 2, Duration::from_secs(30)).await;
    assert!(finalized_number(&c).await >= 1);
    drop(c);
    n.stop();
    let out = node(&["purge-chain", "--chain", "dev", "--base-path", base, "-y"]);
    assert!(out.status.success());
    assert!(!dir.path().join("chains/dev/db").exists());
}
