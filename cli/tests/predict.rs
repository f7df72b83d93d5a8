//! `aitbc optimize predict` against a real `aitbc-node`: a dev chain whose genesis carries
//! seven days of generated hourly activity (as a chain migrated from the original AITBC brings
//! its history) forecasts the next 24 hours with prediction intervals, names its model and
//! recommends a miner count; a plain dev chain, with no history, says how much it needs.
//! Skipped (with a message) when the node binary has not been built.

mod common;
use common::*;
use serde_json::{json, Value};
use std::process::Command;

/// Seven days of hourly buckets ending the hour before `now_hour`: a daily cycle of 10 to 30
/// jobs an hour (peak at 14:00 UTC) with a small deterministic jitter, three miners active.
fn history(now_hour: u64) -> Vec<Value> {
    (now_hour - 7 * 24..now_hour)
        .map(|hour| {
            let phase = ((hour % 24) as f64 - 14.0) / 24.0 * std::f64::consts::TAU;
            let jitter = ((hour * 7919) % 5) as f64 - 2.0;
            let submitted = (20.0 + 10.0 * phase.cos() + jitter).round() as u64;
            let completed = submitted.saturating_sub(1);
            json!({
                "hour": hour,
                "submitted": submitted,
                "completed": completed,
                "tokens": completed * 150,
                "gpu_ms": completed * 2_000,
                "active_miners": 3,
            })
        })
        .collect()
}

/// A dev chain spec (`aitbc-node build-spec --chain dev`) with `activity` in the jobs
/// pallet's genesis.
fn spec_with_history(node_bin: &std::path::Path, dir: &std::path::Path) -> std::path::PathBuf {
    let out = Command::new(node_bin)
        .args(["build-spec", "--chain", "dev"])
        .output()
        .expect("run build-spec");
    assert!(
        out.status.success(),
        "build-spec failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut spec: Value = serde_json::from_slice(&out.stdout).expect("spec is JSON");
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as u64;
    let patch = spec
        .pointer_mut("/genesis/runtimeGenesis/patch")
        .expect("a dev spec is a runtime genesis patch");
    patch["jobs"]["activity"] = Value::Array(history(now_ms / 3_600_000));
    let path = dir.join("dev-with-history.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&spec).expect("spec")).expect("write spec");
    path
}

#[test]
fn predict_forecasts_network_load_from_genesis_history() {
    let Some(bin) = node_bin() else {
        eprintln!("SKIPPED predict_forecasts_network_load_from_genesis_history: no aitbc-node");
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = spec_with_history(&bin, dir.path());
    let Some(node) = Node::start_with(
        "predict_forecasts_network_load_from_genesis_history",
        &["--chain".as_ref(), spec.as_os_str()],
    ) else {
        return;
    };
    let cli = Cli::new(&node.ws);
    let out = cli.ok(&[
        "optimize",
        "predict",
        "--target",
        "network-load",
        "--horizon",
        "24h",
        "--json",
    ]);
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("bad JSON ({e}): {out}"));
    let points = v["forecast"].as_array().expect("forecast points");
    assert_eq!(points.len(), 24, "{v}");
    for p in points {
        let (f, lo, hi) = (
            p["forecast"].as_f64().unwrap(),
            p["lower"].as_f64().unwrap(),
            p["upper"].as_f64().unwrap(),
        );
        assert!(lo <= f && f <= hi, "interval out of order: {p}");
        assert!(lo < hi, "a varying history gives a real interval: {p}");
    }
    // Seven days of history: the daily season is fitted.
    assert!(v["history"]["hours"].as_u64().unwrap() >= 7 * 24, "{v}");
    assert!(
        v["model"]["name"].as_str().unwrap().starts_with("MSTL"),
        "{v}"
    );
    assert!(!v["model"]["reason"].as_str().unwrap().is_empty());
    assert_eq!(v["confidence"].as_f64(), Some(0.95));
    // The generated peak is at 14:00 UTC: the forecast's is within two hours of it.
    let peak_hour = v["peak"]["hour"].as_u64().unwrap() % 24;
    let off = (peak_hour as i64 - 14).rem_euclid(24);
    assert!(off <= 2 || off >= 22, "peak at {peak_hour}:00 UTC: {v}");
    // Recommendations: measured throughput (about 6.3 completed jobs per miner-hour here)
    // and the miners the peak's upper bound needs.
    let rec = &v["recommendations"];
    let per = rec["throughput_per_miner_hour"]
        .as_f64()
        .expect("throughput");
    assert!((5.0..8.0).contains(&per), "{rec}");
    let needed = rec["miners_needed_at_peak"]
        .as_u64()
        .expect("miners needed");
    let upper = v["peak"]["upper"].as_f64().unwrap();
    assert_eq!(needed, (upper / per).ceil() as u64, "{rec}");
    assert!(rec["registered_miners"].is_u64() && rec["online_miners"].is_u64());
    assert!(
        rec["advice"].as_array().is_some_and(|a| a.len() >= 3),
        "{rec}"
    );

    // The human form: the table and the recommendations.
    let text = cli.ok(&["optimize", "predict", "--horizon", "6h", "--history", "3d"]);
    assert!(
        text.contains("← peak") && text.contains("Recommendations:"),
        "{text}"
    );
    assert!(text.contains("MSTL"), "{text}");
}

#[test]
fn predict_on_a_chain_without_history_says_how_much_it_needs() {
    let Some(node) = Node::start("predict_on_a_chain_without_history_says_how_much_it_needs")
    else {
        return;
    };
    let cli = Cli::new(&node.ws);
    let err = cli.fails(&[
        "optimize",
        "predict",
        "--target",
        "network-load",
        "--horizon",
        "24h",
        "--json",
    ]);
    assert!(
        err.contains("the chain has 0 hours of job history; a forecast needs at least 12 hours; try again in 12 hours"),
        "{err}"
    );
    let err = cli.fails(&["optimize", "predict", "--horizon", "30d"]);
    assert!(err.contains("at most 168 hours"), "{err}");
}
