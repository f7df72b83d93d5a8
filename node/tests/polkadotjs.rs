//! An unmodified @polkadot/api (16.5.6, from npm) against a real dev node: connect, read
//! `system.account`, decode a block and its events, sign, submit and watch a
//! `balances.transferKeepAlive` until finalized. `scripts/setup.sh` installs the npm packages.

mod common;

use std::{path::PathBuf, process::Command};

use common::*;

#[tokio::test(flavor = "multi_thread")]
async fn polkadot_js_api_works_unchanged() {
    let npm_dir = std::env::var_os("AITBC_NPM_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/aitbc/npm")
        });
    assert!(
        npm_dir.join("node_modules/@polkadot/api").exists(),
        "@polkadot/api is not installed in {}: run scripts/setup.sh",
        npm_dir.display()
    );
    // ES modules resolve packages next to the script, so run a copy from the npm directory.
    let script = npm_dir.join("aitbc-compat.mjs");
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/polkadotjs/compat.mjs"
        ),
        &script,
    )
    .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let node = TestNode::dev(dir.path());
    let c = node.rpc().await;
    wait_for_block(&c, 1, std::time::Duration::from_secs(30)).await;
    let out = Command::new("node")
        .arg(&script)
        .arg(node.url())
        .output()
        .expect("run node.js");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "polkadot.js check failed\nstdout:\n{stdout}\nstderr:\n{stderr}\nnode log:\n{}",
        node.log_tail()
    );
    assert!(stdout.contains("all checks passed"), "{stdout}");
    println!("{stdout}");
}
