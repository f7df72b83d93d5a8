//! Shared helpers for the CLI's integration tests: run the real `aitbc` binary, and start a real
//! `aitbc-node --dev` when its binary is available.

#![allow(dead_code)]

use serde_json::Value;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const PASSWORD: &str = "test-password";

/// The `aitbc` binary: `$AITBC_CLI_BIN` (e.g. a copy that a concurrent build cannot replace),
/// else the one cargo built for this test.
pub fn aitbc_bin() -> PathBuf {
    match std::env::var_os("AITBC_CLI_BIN") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_BIN_EXE_aitbc")),
    }
}

/// A scratch `AITBC_HOME` and a node URL for running `aitbc`.
pub struct Cli {
    pub home: tempfile::TempDir,
    pub url: String,
}

impl Cli {
    pub fn new(url: &str) -> Self {
        Cli {
            home: tempfile::tempdir().expect("temp dir"),
            url: url.to_string(),
        }
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(aitbc_bin());
        c.args(args)
            .env("AITBC_HOME", self.home.path())
            .env("AITBC_URL", &self.url)
            .env("AITBC_PASSWORD", PASSWORD)
            .env_remove("AITBC_WALLET")
            .env_remove("AITBC_OUTPUT")
            .env_remove("AITBC_SURI")
            .stdin(Stdio::null());
        c
    }

    /// Runs `aitbc args...`.
    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("run aitbc")
    }

    /// Runs and expects success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "aitbc {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs with `--output json`, expects success, parses stdout.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut full = vec!["--output", "json"];
        full.extend_from_slice(args);
        let s = self.ok(&full);
        serde_json::from_str(&s).unwrap_or_else(|e| panic!("aitbc {args:?}: bad JSON ({e}): {s}"))
    }

    /// Runs and expects failure; returns stderr (which must be one line, besides `warning:` and
    /// `note:` lines).
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            !out.status.success(),
            "aitbc {args:?} should fail; stdout: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        let lines: Vec<&str> = stderr
            .lines()
            .filter(|l| {
                !l.trim().is_empty() && !l.starts_with("warning: ") && !l.starts_with("note: ")
            })
            .collect();
        assert_eq!(lines.len(), 1, "expected a one-line reason, got: {stderr}");
        assert!(lines[0].starts_with("error: "), "{stderr}");
        stderr
    }
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// The node binary: `$AITBC_NODE_BIN`, else `aitbc-node` next to the `aitbc` binary.
pub fn node_bin() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("AITBC_NODE_BIN") {
        let p = PathBuf::from(p);
        return p.exists().then_some(p);
    }
    let p = aitbc_bin().parent()?.join("aitbc-node");
    p.exists().then_some(p)
}

/// A running `aitbc-node --dev` whose chain lives in a temp dir; killed and removed on drop.
pub struct Node {
    child: Child,
    bin: PathBuf,
    args: Vec<std::ffi::OsString>,
    pub ws: String,
    pub http: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Node {
    /// Starts a dev node, or returns `None` (with a message) when its binary is absent.
    pub fn start(test: &str) -> Option<Node> {
        Self::start_with(test, &[])
    }

    /// [`Node::start`] with more arguments for the node (e.g. `--chain spec.json`: a dev
    /// chain from that spec).
    pub fn start_with(test: &str, extra: &[&std::ffi::OsStr]) -> Option<Node> {
        let Some(bin) = node_bin() else {
            eprintln!(
                "SKIPPED {test}: aitbc-node binary not found next to {} (build it with `cargo build -p aitbc-node`, or set AITBC_NODE_BIN)",
                aitbc_bin().display()
            );
            return None;
        };
        let help = Command::new(&bin).arg("--help").output().ok()?;
        let help = String::from_utf8_lossy(&help.stdout).into_owned();
        let dir = tempfile::tempdir().expect("temp dir");
        let log = dir.path().join("node.log");
        let port = free_port();
        let mut cmd = Command::new(&bin);
        // The chain lives in this test's temp dir (removed on drop), not in `--tmp`: a node
        // killed with SIGKILL cannot remove its own `--tmp` directory.
        let base = dir.path().join("chain");
        cmd.args(["--dev", "--rpc-port", &port.to_string(), "--base-path"])
            .arg(&base);
        cmd.args(extra);
        if help.contains("--no-prometheus") {
            cmd.arg("--no-prometheus");
        }
        if help.contains("--port <") {
            cmd.args(["--port", &free_port().to_string()]);
        }
        let args: Vec<std::ffi::OsString> = cmd.get_args().map(|a| a.to_owned()).collect();
        let log_file = std::fs::File::create(&log).expect("log file");
        let child = cmd
            .stdout(Stdio::null())
            .stderr(log_file)
            .stdin(Stdio::null())
            .spawn()
            .expect("spawn aitbc-node");
        let node = Node {
            child,
            bin,
            args,
            ws: format!("ws://127.0.0.1:{port}"),
            http: format!("http://127.0.0.1:{port}"),
            log,
            _dir: dir,
        };
        node.wait_for_block(1, Duration::from_secs(90));
        Some(node)
    }

    /// Waits until the best block is at least `n`.
    pub fn wait_for_block(&self, n: u64, timeout: Duration) {
        let cli = Cli::new(&self.ws);
        let start = Instant::now();
        loop {
            let out = cli.run(&["--rpc-retries", "0", "--output", "json", "health"]);
            if out.status.success() {
                if let Ok(v) = serde_json::from_slice::<Value>(&out.stdout) {
                    if v["best_block"].as_u64().unwrap_or(0) >= n {
                        return;
                    }
                }
            }
            if start.elapsed() > timeout {
                panic!(
                    "node did not reach block #{n} in {timeout:?}; log:\n{}",
                    self.log_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    /// Kills the node (SIGKILL); its chain stays on disk for [`Node::restart`].
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts the node again on the same chain, ports and log (appended to).
    pub fn restart(&mut self) {
        let log_file = std::fs::OpenOptions::new()
            .append(true)
            .open(&self.log)
            .expect("log file");
        self.child = Command::new(&self.bin)
            .args(&self.args)
            .stdout(Stdio::null())
            .stderr(log_file)
            .stdin(Stdio::null())
            .spawn()
            .expect("respawn aitbc-node");
    }

    pub fn log_tail(&self) -> String {
        let s = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = s.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Parses a decimal AIT string from JSON output into base units.
pub fn units(v: &Value) -> u128 {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("expected an amount string, got {v}"));
    aitbc_client::amount::parse_amount(s).unwrap_or_else(|e| panic!("{e}"))
}

pub fn path_str(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// Polls `aitbc client status JOB` until the job is in status `want`.
pub fn wait_job_status(cli: &Cli, job_id: &str, want: &str, secs: u64) -> Value {
    let start = Instant::now();
    loop {
        let v = cli.json(&["client", "status", job_id]);
        if v["status"] == want {
            return v;
        }
        assert!(
            start.elapsed() < Duration::from_secs(secs),
            "job {job_id} never became {want}: {v}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Signs `call` with `pair`, submits it and waits for its block.
async fn sign_and_include(
    rpc: &aitbc_client::rpc::RpcClient,
    pair: &sp_core::sr25519::Pair,
    call: aitbc_runtime::RuntimeCall,
) -> aitbc_client::tx::TxOutcome {
    use aitbc_client::{keys, tx};
    let utx = tx::prepare(
        rpc,
        &keys::account_id(pair),
        call,
        &tx::TxOptions::default(),
    )
    .await
    .expect("prepare");
    let stx = utx.sign(pair).expect("sign");
    tx::submit_and_watch(
        rpc,
        &stx,
        tx::WaitFor::InBlock,
        Duration::from_secs(60),
        |_| {},
    )
    .await
    .expect("included")
}

/// Delivers a job's result as its assigned miner (dev key `miner_uri`), through the library,
/// as the miner daemon does.
pub fn deliver_result(url: &str, miner_uri: &str, job_id: u64, output: &str) {
    use aitbc_client::{jobs, keys, rpc::RpcClient};
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    rt.block_on(async {
        let rpc = RpcClient::connect(url).await.expect("connect");
        let miner = keys::pair_from_uri(miner_uri).expect("miner key");
        let metrics = jobs::Metrics {
            compute_ms: 1500,
            input_tokens: 5,
            output_tokens: 7,
        };
        let job = jobs::existing_job(&rpc, job_id).await.expect("the job");
        let call = jobs::submit_result(&miner, &job, output.as_bytes(), metrics);
        let o = sign_and_include(&rpc, &miner, call).await;
        assert!(o.success, "submit_result failed: {:?}", o.error_detail);
    });
}

/// Sends `call` signed by dev key `uri` and waits for its block; returns the dispatch error's
/// text when it failed (`None` on success).
pub fn send_as(url: &str, uri: &str, call: aitbc_runtime::RuntimeCall) -> Option<String> {
    use aitbc_client::{keys, rpc::RpcClient};
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    rt.block_on(async {
        let rpc = RpcClient::connect(url).await.expect("connect");
        let pair = keys::pair_from_uri(uri).expect("key");
        let o = sign_and_include(&rpc, &pair, call).await;
        if o.success {
            None
        } else {
            Some(format!(
                "{} {}",
                o.error.unwrap_or_default(),
                o.error_detail.unwrap_or_default()
            ))
        }
    })
}

/// A job as the chain stores it, through the library.
pub fn chain_job(url: &str, job_id: u64) -> aitbc_client::jobs::Job {
    use aitbc_client::{jobs, rpc::RpcClient};
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    rt.block_on(async {
        let rpc = RpcClient::connect(url).await.expect("connect");
        jobs::existing_job(&rpc, job_id).await.expect("the job")
    })
}

/// `&[String]` as `Vec<&str>`, for building argument lists.
pub fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}
