//! The miner's secret: from --suri-file, AITBC_SURI or --uri (which warns that command-line
//! arguments are visible to other users). Runs the real daemon against no node: it prints its
//! account, then keeps trying to connect until killed.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BOB: &str = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty";

/// Runs `aitbc-worker args` with `env`; returns its stderr up to the line naming the miner (or
/// all of it if it exits first).
fn miner_start(args: &[&str], env: &[(&str, &str)]) -> (String, bool) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aitbc-worker"));
    cmd.args(["--url", "ws://127.0.0.1:1", "--backend", "ollama"])
        .args(["--ollama-url", "http://127.0.0.1:1"])
        .args(args)
        .env("RUST_LOG", "info")
        .env_remove("AITBC_SURI")
        .env_remove("AITBC_WALLET")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn aitbc-worker");
    let stderr = child.stderr.take().expect("stderr");
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut text = String::new();
    let mut started = false;
    for line in BufReader::new(stderr).lines() {
        let Ok(line) = line else { break };
        text.push_str(&line);
        text.push('\n');
        if line.contains(": miner ") {
            started = true;
            break;
        }
        if Instant::now() > deadline {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    (text, started)
}

#[test]
fn the_miner_secret_comes_from_a_file_or_the_environment_and_the_command_line_warns() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("bob.secret");
    std::fs::write(&file, "//Bob\n").expect("write");
    let file = file.to_str().expect("path");

    let (log, started) = miner_start(&["--suri-file", file], &[]);
    assert!(started && log.contains(&format!("miner {BOB}")), "{log}");
    assert!(!log.contains("warning: the secret"), "{log}");

    let (log, started) = miner_start(&[], &[("AITBC_SURI", "//Bob")]);
    assert!(started && log.contains(&format!("miner {BOB}")), "{log}");
    assert!(!log.contains("warning: the secret"), "{log}");

    let (log, started) = miner_start(&["--uri", "//Bob"], &[]);
    assert!(started && log.contains(&format!("miner {BOB}")), "{log}");
    assert!(
        log.contains("warning: the secret given with --uri is visible to other users"),
        "{log}"
    );

    let (log, started) = miner_start(&[], &[]);
    assert!(!started);
    assert!(
        log.contains("--suri-file FILE") && log.contains("AITBC_SURI"),
        "{log}"
    );
}
