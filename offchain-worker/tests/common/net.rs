//! A dev chain for end-to-end tests: a real `aitbc-node --dev`, miner daemons and the `aitbc`
//! CLI, all real processes on 127.0.0.1 (used by `e2e.rs` and `swarm.rs`).

use std::{
    path::Path,
    process::Command,
    time::{Duration, Instant},
};

use super::procs::{free_port, tail_lines, target_bin, Proc};
use serde_json::Value;

pub struct Net {
    pub dir: tempfile::TempDir,
    pub url: String,
    pub node: Proc,
    pub node_args: Vec<String>,
}

impl Net {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("tmp");
        let port = free_port();
        let node_args: Vec<String> = vec![
            "--dev".into(),
            "--base-path".into(),
            dir.path().join("node").to_str().expect("utf8").into(),
            "--rpc-port".into(),
            port.to_string(),
            "--prometheus-port".into(),
            free_port().to_string(),
            "--port".into(),
            "0".into(),
        ];
        let node = Self::spawn_node(dir.path(), &node_args, "node.log");
        node.wait_for_log("Authored #1", Duration::from_secs(60));
        let net = Self {
            url: format!("ws://127.0.0.1:{port}"),
            dir,
            node,
            node_args,
        };
        let out = net.cli(&["wallet", "import", "--name", "alice", "--uri", "//Alice"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        net
    }

    pub fn spawn_node(dir: &Path, args: &[String], log: &str) -> Proc {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        Proc::spawn(&target_bin("aitbc-node"), &args, dir.join(log))
    }

    /// SIGKILL the node and start it again on the same database and ports.
    pub fn crash_and_restart_node(&mut self) {
        self.node.kill();
        self.node = Self::spawn_node(self.dir.path(), &self.node_args, "node-restarted.log");
        self.node.wait_for_log("Authored", Duration::from_secs(60));
    }

    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        self.cli_as("alice", args)
    }

    pub fn cli_as(&self, wallet: &str, args: &[&str]) -> std::process::Output {
        Command::new(target_bin("aitbc"))
            .args(["--url", &self.url, "--wallet", wallet])
            .args(args)
            .env("AITBC_HOME", self.dir.path().join("home"))
            .env("AITBC_PASSWORD", "e2e-password")
            .output()
            .expect("run aitbc")
    }

    pub fn cli_json(&self, args: &[&str]) -> Value {
        self.cli_json_as("alice", args)
    }

    pub fn cli_json_as(&self, wallet: &str, args: &[&str]) -> Value {
        let mut all = vec!["--output", "json"];
        all.extend_from_slice(args);
        let out = self.cli_as(wallet, &all);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "aitbc {args:?} failed: {}{}\nnode log tail:\n{}",
            stdout,
            String::from_utf8_lossy(&out.stderr),
            tail(&self.node.log())
        );
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
    }

    pub fn worker(&self, uri: &str, extra: &[&str]) -> Proc {
        let mut args = vec!["--url", self.url.as_str(), "--uri", uri];
        args.extend_from_slice(extra);
        let log = self
            .dir
            .path()
            .join(format!("worker-{}.log", uri.trim_start_matches("//")));
        let w = Proc::spawn(Path::new(env!("CARGO_BIN_EXE_aitbc-worker")), &args, log);
        w.wait_for_log("waiting for jobs", Duration::from_secs(120));
        w
    }

    /// The tails of every worker's log in this net's directory.
    pub fn worker_logs(&self) -> String {
        let mut out = String::new();
        for entry in std::fs::read_dir(self.dir.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("worker-") {
                let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
                out.push_str(&format!("--- {name} ---\n{}\n", tail(&text)));
            }
        }
        out
    }

    pub fn free(&self) -> f64 {
        self.free_of("alice")
    }

    /// Transferable balance of a wallet of this test's keystore.
    pub fn free_of(&self, wallet: &str) -> f64 {
        let v = self.cli_json_as(wallet, &["wallet", "balance"]);
        amount(&v["available"])
    }

    /// Adds `//Name` to the keystore as wallet `name`.
    pub fn import(&self, name: &str, uri: &str) {
        let out = self.cli(&["wallet", "import", "--name", name, "--uri", uri]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Submits a funded job without waiting; returns its id.
    pub fn submit(&self, prompt: &str, payment: &str) -> u64 {
        let v = self.cli_json(&[
            "client",
            "submit",
            "--model",
            "smollm2",
            "--prompt",
            prompt,
            "--payment",
            payment,
        ]);
        v["job_id"]
            .as_u64()
            .unwrap_or_else(|| panic!("no job_id in {v}"))
    }

    /// Polls `aitbc client status` until the job is completed, failed or expired.
    pub fn wait_terminal(&self, job_id: u64, timeout: Duration) -> Value {
        let deadline = Instant::now() + timeout;
        let id = job_id.to_string();
        loop {
            let out = self.cli(&["--output", "json", "client", "status", &id]);
            if out.status.success() {
                if let Ok(v) = serde_json::from_slice::<Value>(&out.stdout) {
                    if matches!(
                        v["status"].as_str(),
                        Some("completed" | "failed" | "expired" | "cancelled")
                    ) {
                        return v;
                    }
                }
            }
            assert!(
                Instant::now() < deadline,
                "job #{job_id} did not end within {timeout:?}: {}\nnode log:\n{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                tail(&self.node.log()),
                self.worker_logs()
            );
            std::thread::sleep(Duration::from_millis(500));
        }
    }
}

pub fn amount(v: &Value) -> f64 {
    match v {
        Value::String(s) => s
            .split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(f64::NAN),
        Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
        _ => f64::NAN,
    }
}

pub fn tail(s: &str) -> String {
    tail_lines(s, 40)
}
