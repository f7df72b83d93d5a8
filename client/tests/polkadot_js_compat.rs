//! Checks compatibility with the real `@polkadot/keyring@13` from npm:
//! (a) the same secret URIs give the same SS58 addresses, (b) our encrypted JSON accounts open in
//! polkadot.js, and (c) polkadot.js JSON accounts open here. Skipped only when npm/node are absent.
//!
//! The npm packages are installed once into `$AITBC_NPM_DIR` (default
//! `~/.cache/aitbc/polkadot-js-compat`).

use aitbc_client::{keys, keystore::KeystoreJson};
use sp_core::Pair as _;
use std::path::PathBuf;
use std::process::Command;

fn have(cmd: &str) -> bool {
    Command::new(cmd)
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn npm_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("AITBC_NPM_DIR") {
        return PathBuf::from(d);
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    home.join(".cache/aitbc/polkadot-js-compat")
}

fn ensure_packages(dir: &PathBuf) {
    let marker = dir.join("node_modules/@polkadot/keyring/package.json");
    if marker.exists() {
        return;
    }
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("package.json"),
        r#"{"name":"aitbc-polkadot-js-compat","private":true,"type":"module"}"#,
    )
    .unwrap();
    let status = Command::new("npm")
        .args([
            "install",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            "@polkadot/keyring@13",
            "@polkadot/util-crypto@13",
            "@polkadot/util@13",
        ])
        .current_dir(dir)
        .status()
        .expect("run npm");
    assert!(
        status.success(),
        "npm install of @polkadot/keyring@13 failed"
    );
}

#[test]
fn polkadot_js_compatibility() {
    if !have("npm") || !have("node") {
        eprintln!("SKIPPED polkadot_js_compatibility: npm/node not installed (apt-get install nodejs npm)");
        return;
    }
    let dir = npm_dir();
    ensure_packages(&dir);

    let (_, mnemonic) = keys::generate();
    let uris = vec![
        "//Alice".to_string(),
        "//Bob//stash".to_string(),
        mnemonic.clone(),
        format!("{mnemonic}//aitbc/0"),
        format!("{mnemonic}//hard/soft///password"),
        sp_core::crypto::DEV_PHRASE.to_string(),
    ];
    let password = "pässwörd with spaces";
    let message = "AITBC compat check";
    let ours = keys::pair_from_uri(&format!("{mnemonic}//wallet")).unwrap();
    let our_json = KeystoreJson::encrypt(&ours, password, "rust-wallet").unwrap();
    let rust_sig = keys::sign(&ours, message.as_bytes());
    let (_, their_mnemonic) = keys::generate();
    let request = serde_json::json!({
        "uris": uris,
        "password": password,
        "message": message,
        "our_json": our_json,
        "rust_signature": format!("0x{}", hex::encode(rust_sig.0)),
        "their_uri": their_mnemonic,
    });
    let req_path = dir.join("request.json");
    std::fs::write(&req_path, serde_json::to_vec(&request).unwrap()).unwrap();
    let script = dir.join("compat.mjs");
    std::fs::copy(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/polkadot_js_compat.mjs"),
        &script,
    )
    .unwrap();
    let out = Command::new("node")
        .arg(&script)
        .arg(&req_path)
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "node failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();

    // (a) same URI, same address.
    for uri in &uris {
        let ours = keys::address_of(&keys::pair_from_uri(uri).unwrap());
        assert_eq!(
            answer["addresses"][uri], ours,
            "address mismatch for {uri:?}"
        );
    }

    // (b) ours -> polkadot.js.
    let o = &answer["ours"];
    assert_eq!(o["address"], keys::address_of(&ours));
    assert_eq!(o["name"], "rust-wallet");
    assert_eq!(o["signature_ok"], true);
    assert_eq!(o["verifies_rust_signature"], true);
    assert_eq!(o["wrong_password"], "rejected");

    // (c) polkadot.js -> ours.
    let t = &answer["theirs"];
    let their_json: KeystoreJson = serde_json::from_value(t["json"].clone()).unwrap();
    assert_eq!(their_json.encoding.content, ["pkcs8", "sr25519"]);
    let pair = their_json.decrypt(password, "from-polkadot-js").unwrap();
    assert_eq!(keys::address_of(&pair), t["address"]);
    assert_eq!(
        keys::address_of(&keys::pair_from_uri(&their_mnemonic).unwrap()),
        t["address"]
    );
    assert!(their_json.decrypt("wrong", "x").is_err());
    let sig_hex = t["signature"].as_str().unwrap().trim_start_matches("0x");
    let sig_bytes: [u8; 64] = hex::decode(sig_hex).unwrap().try_into().unwrap();
    let sig = sp_core::sr25519::Signature::from_raw(sig_bytes);
    assert!(keys::Pair::verify(&sig, message.as_bytes(), &pair.public()));
    eprintln!(
        "polkadot.js compatibility: {} URIs, JSON both ways: OK",
        uris.len()
    );
}
