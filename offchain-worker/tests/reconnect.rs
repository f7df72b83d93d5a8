//! The miner daemon's reconnect loop against a node that is not there: it waits 1 s, 2 s,
//! 4 s, ... between attempts (exponential backoff up to a cap), not a fixed 2 s.

mod common;

use common::procs::{free_port, target_bin, Proc};
use std::time::{Duration, Instant};

#[test]
fn reconnect_attempts_back_off_exponentially() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("ws://127.0.0.1:{}", free_port());
    let ollama = format!("http://127.0.0.1:{}", free_port());
    let started = Instant::now();
    let worker = Proc::spawn(
        &target_bin("aitbc-worker"),
        &[
            "--url",
            &url,
            "--uri",
            "//Bob",
            "--backend",
            "ollama",
            "--ollama-url",
            &ollama,
        ],
        dir.path().join("worker.log"),
    );
    worker.wait_for_log("reconnecting in 8 s (attempt 4)", Duration::from_secs(30));
    // Attempts 1-4 waited 1 + 2 + 4 s before the fourth failure was logged.
    assert!(
        started.elapsed() >= Duration::from_secs(7),
        "{:?}",
        started.elapsed()
    );
    let log = worker.log();
    let at = |needle: &str| {
        log.find(needle)
            .unwrap_or_else(|| panic!("`{needle}` not logged:\n{log}"))
    };
    let delays = [
        at("reconnecting in 1 s (attempt 1)"),
        at("reconnecting in 2 s (attempt 2)"),
        at("reconnecting in 4 s (attempt 3)"),
        at("reconnecting in 8 s (attempt 4)"),
    ];
    assert!(delays.windows(2).all(|w| w[0] < w[1]), "{log}");
    assert!(log.contains(&url), "{log}");
}
