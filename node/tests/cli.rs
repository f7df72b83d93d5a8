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

/// `aitbc-node key generate --scheme SCHEME --output-type json`: (secret phrase, SS58 address).
fn generate(scheme: &str) -> (String, String) {
    let out = node(&[
        "key",
        "generate",
        "--scheme",
        scheme,
        "--output-type",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    (
        v["secretPhrase"].as_str().unwrap().to_string(),
        v["ss58Address"].as_str().unwrap().to_string(),
    )
}

/// An operator's validator keys: Aura (sr25519) and GRANDPA (ed25519) phrases, and the
/// `--authority AURA:GRANDPA` argument.
struct Validator {
    aura: String,
    gran: String,
    authority: String,
}

fn new_validator() -> Validator {
    let (aura, aura_ss58) = generate("sr25519");
    let (gran, gran_ss58) = generate("ed25519");
    Validator {
        aura,
        gran,
        authority: format!("{aura_ss58}:{gran_ss58}"),
    }
}

#[test]
fn build_spec_prints_every_named_chain() {
    let mut ids = std::collections::HashSet::new();
    let v = new_validator();
    let (_, sudo) = generate("sr25519");
    for chain in [
        "dev",
        "local",
        "ait-devnet",
        "ait-testnet",
        "ait-healthchain",
    ] {
        let live = chain.starts_with("ait-") && chain != "ait-devnet";
        let mut args = vec!["build-spec", "--chain", chain];
        if live {
            args.extend(["--authority", &v.authority, "--sudo", &sudo]);
        }
        let out = node(&args);
        assert!(
            out.status.success(),
            "{chain}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let spec: Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(spec["id"], chain);
        let chain_type = match chain {
            "local" => "Local",
            _ if live => "Live",
            _ => "Development",
        };
        assert_eq!(spec["chainType"], chain_type);
        assert_eq!(spec["properties"]["tokenSymbol"], "AIT");
        assert!(
            ids.insert(spec["name"].as_str().unwrap().to_string()),
            "duplicate chain name"
        );
        args.push("--raw");
        let raw = node(&args);
        let raw: Value = serde_json::from_str(&stdout(&raw)).unwrap();
        assert!(raw["genesis"]["raw"]["top"].as_object().unwrap().len() > 5);
    }
    let out = node(&["build-spec", "--chain", "nope"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown chain `nope`"));
}

/// The well-known dev keys: //Alice's Aura (sr25519) and GRANDPA (ed25519) public keys.
const ALICE_SR: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
const ALICE_ED: &str = "5FA9nQDVg267DEd8m1ZypXLBnvN7SFxYwV7ndqSYGiN9TTpu";

#[test]
fn live_chains_ship_no_dev_keys() {
    for chain in ["ait-testnet", "ait-healthchain"] {
        // Its id alone: no spec, say how to make one.
        for args in [
            vec!["build-spec", "--chain", chain],
            vec!["--chain", chain, "--tmp"],
        ] {
            let out = node(&args);
            assert!(!out.status.success(), "{args:?}");
            let e = String::from_utf8_lossy(&out.stderr);
            assert!(
                e.contains("--authority") && e.contains("--sudo"),
                "{args:?}: {e}"
            );
        }
        // The spec it writes holds the operator's keys, none of the dev ones.
        let v = new_validator();
        let (_, sudo) = generate("sr25519");
        let out = node(&[
            "build-spec",
            "--chain",
            chain,
            "--authority",
            &v.authority,
            "--sudo",
            &sudo,
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = stdout(&out);
        for dev in [ALICE_SR, "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"] {
            assert!(!text.contains(dev), "{dev} in {text}");
        }
        // The dev keys themselves are refused as authority or sudo.
        let out = node(&[
            "build-spec",
            "--chain",
            chain,
            "--authority",
            &format!("{ALICE_SR}:{ALICE_ED}"),
            "--sudo",
            &sudo,
        ]);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("public dev key //Alice"));
        let out = node(&[
            "build-spec",
            "--chain",
            chain,
            "--authority",
            &v.authority,
            "--sudo",
            ALICE_SR,
        ]);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("public dev key //Alice"));
    }
    // Development chains keep the dev keys and take no --authority.
    let v = new_validator();
    let out = node(&["build-spec", "--chain", "dev", "--authority", &v.authority]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("development chain"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_live_chain_runs_from_its_spec_with_the_operators_keys_and_refuses_dev_keys() {
    let dir = tempfile::tempdir().unwrap();
    let v = new_validator();
    let (_, sudo) = generate("sr25519");
    let out = node(&[
        "build-spec",
        "--chain",
        "ait-testnet",
        "--authority",
        &v.authority,
        "--sudo",
        &sudo,
        "--raw",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let spec = dir.path().join("ait-testnet.json");
    std::fs::write(&spec, stdout(&out)).unwrap();
    let spec = spec.to_str().unwrap().to_string();
    let base = dir.path().join("base");
    let base_str = base.to_str().unwrap().to_string();

    // --alice ... --ferdie and --dev are refused on it.
    for flag in ["--alice", "--bob", "--ferdie"] {
        let out = node(&["--chain", &spec, "--base-path", &base_str, flag]);
        assert!(!out.status.success(), "{flag}");
        let e = String::from_utf8_lossy(&out.stderr);
        assert!(
            e.contains(&format!("{flag} uses the public dev key")) && e.contains("Live chain"),
            "{flag}: {e}"
        );
    }
    let out = node(&["--chain", &spec, "--base-path", &base_str, "--dev"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--dev uses the public dev key"));

    // The operator's keys, from files, make it author and finalize.
    for (kt, phrase) in [("aura", &v.aura), ("gran", &v.gran)] {
        let file = dir.path().join(format!("{kt}.secret"));
        std::fs::write(&file, phrase).unwrap();
        let out = insert(
            &base_str,
            kt,
            &["--chain", &spec, "--suri-file", file.to_str().unwrap()],
            &[],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut n = TestNode::start(&base, &["--chain", &spec, "--validator"]);
    let c = n.rpc().await;
    wait_for_block(&c, 2, Duration::from_secs(60)).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while finalized_number(&c).await < 1 {
        assert!(std::time::Instant::now() < deadline, "{}", n.log_tail());
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    drop(c);
    n.stop();
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

#[cfg(unix)]
fn mode(p: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).expect("stat").permissions().mode() & 0o777
}

/// `aitbc-node key insert` with `extra` arguments and `env`.
fn insert(
    base: &str,
    key_type: &str,
    extra: &[&str],
    env: &[(&str, &str)],
) -> std::process::Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_aitbc-node"));
    let chain = if extra.contains(&"--chain") {
        vec![]
    } else {
        vec!["--chain", "dev"]
    };
    c.args(["key", "insert"])
        .args(chain)
        .args(["--base-path", base, "--key-type", key_type])
        .args(extra)
        .env_remove("AITBC_SURI");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run aitbc-node")
}

#[cfg(unix)]
#[test]
fn key_insert_takes_the_secret_from_a_file_or_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().to_str().unwrap();
    let keystore = dir.path().join("chains/dev/keystore");
    let stored = || -> Vec<std::path::PathBuf> {
        let mut v: Vec<_> = std::fs::read_dir(&keystore)
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        v.sort();
        v
    };
    // A file (trailing newline ignored): no warning; the keystore file is owner-only.
    let secret = dir.path().join("aura.secret");
    std::fs::write(&secret, "//Alice\n").unwrap();
    let out = insert(
        base,
        "aura",
        &["--suri-file", secret.to_str().unwrap()],
        &[],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
    let files = stored();
    assert_eq!(files.len(), 1);
    assert!(files[0]
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("61757261"));
    assert_eq!(std::fs::read_to_string(&files[0]).unwrap(), "\"//Alice\"");
    assert_eq!(mode(&files[0]), 0o600);
    assert_eq!(mode(&keystore), 0o700);
    // The environment: no warning.
    let out = insert(base, "gran", &[], &[("AITBC_SURI", "//Alice")]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
    assert_eq!(stored().len(), 2);
    assert!(stored().iter().all(|f| mode(f) == 0o600));
    // The command line: works, with a warning.
    let out = insert(base, "aura", &["--suri", "//Bob"], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("warning: the secret given with --suri is visible to other users")
            && stderr.contains("--suri-file")
            && stderr.contains("AITBC_SURI"),
        "{stderr}"
    );
    assert_eq!(stored().len(), 3);
    // None: says how.
    let out = insert(base, "aura", &[], &[]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--suri-file FILE") && stderr.contains("AITBC_SURI"),
        "{stderr}"
    );
    // An empty file.
    std::fs::write(&secret, "  \n").unwrap();
    let out = insert(
        base,
        "aura",
        &["--suri-file", secret.to_str().unwrap()],
        &[],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is empty"));
}

#[cfg(unix)]
#[test]
fn node_key_files_are_owner_only() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("node.key");
    let out = node(&["key", "generate-node-key", "--file", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(mode(&file), 0o600);
}
