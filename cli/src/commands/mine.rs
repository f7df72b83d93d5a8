//! `aitbc miner mine` and `aitbc miner mine-ollama`: run the miner daemon (`aitbc-worker`) as this
//! wallet. The CLI checks the wallet and its password, then replaces itself with the daemon, so
//! signals (Ctrl-C, SIGTERM) reach the daemon directly and it drains its jobs cleanly.

use crate::context::{read_password, Ctx};
use anyhow::{bail, Context as _, Result};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// The daemon's executable name.
const WORKER_BIN: &str = "aitbc-worker";

/// Where inference runs.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The built-in CPU model (SmolLM2-135M), needs nothing installed.
    Embedded,
    /// An Ollama server (see --ollama-url).
    Ollama,
}

impl Backend {
    fn as_arg(self) -> &'static str {
        match self {
            Backend::Embedded => "embedded",
            Backend::Ollama => "ollama",
        }
    }
}

/// Options of `aitbc miner mine` shared with `mine-ollama`.
#[derive(Args, Debug)]
pub struct MineOpts {
    /// Advertise only these models (comma separated or repeated); default: all the backend serves.
    #[arg(long = "model", value_delimiter = ',')]
    pub models: Vec<String>,
    /// Keep mining until stopped; without it the daemon exits after its first job ends.
    #[arg(long)]
    pub continuous: bool,
    /// Ollama endpoint (ollama backend).
    #[arg(long, env = "OLLAMA_HOST")]
    pub ollama_url: Option<String>,
    /// Price per GPU-hour in AIT, used if the wallet is not yet registered as a miner.
    #[arg(long)]
    pub price_per_hour: Option<String>,
    /// Stake in AIT, held if the wallet is not yet registered as a miner.
    #[arg(long)]
    pub stake: Option<String>,
    /// Jobs run at once.
    #[arg(long)]
    pub max_concurrent: Option<usize>,
    /// Further `aitbc-worker` options, after `--`.
    #[arg(last = true)]
    pub worker_args: Vec<String>,
}

/// Runs `aitbc-worker` for this wallet on `backend`; returns only if it cannot be started.
pub fn run(ctx: &Ctx, backend: Backend, opts: MineOpts) -> Result<()> {
    let name = ctx.wallet_name(None)?;
    let password = read_password(&format!("Password for wallet '{name}': "))?;
    // A wrong password fails here, with the CLI's message, not later inside the daemon.
    ctx.keystore.load(&name)?.decrypt(&password, &name)?;
    let worker = worker_path()?;
    let mut cmd = std::process::Command::new(&worker);
    cmd.args([
        "--url",
        &ctx.url,
        "--wallet",
        &name,
        "--backend",
        backend.as_arg(),
    ])
    .env("AITBC_PASSWORD", &password);
    if !opts.models.is_empty() {
        cmd.arg("--model").arg(opts.models.join(","));
    }
    if !opts.continuous {
        cmd.args(["--max-jobs", "1"]);
    }
    if let Some(url) = &opts.ollama_url {
        cmd.args(["--ollama-url", url]);
    }
    if let Some(p) = &opts.price_per_hour {
        cmd.args(["--price-per-hour", p]);
    }
    if let Some(s) = &opts.stake {
        cmd.args(["--stake", s]);
    }
    if let Some(n) = opts.max_concurrent {
        cmd.args(["--max-concurrent", &n.to_string()]);
    }
    cmd.args(&opts.worker_args);
    exec(cmd, &worker)
}

#[cfg(unix)]
fn exec(mut cmd: std::process::Command, worker: &std::path::Path) -> Result<()> {
    use std::os::unix::process::CommandExt;
    let err = cmd.exec();
    bail!("cannot start the miner daemon {}: {err}", worker.display())
}

#[cfg(not(unix))]
fn exec(mut cmd: std::process::Command, worker: &std::path::Path) -> Result<()> {
    let status = cmd
        .status()
        .with_context(|| format!("cannot start the miner daemon {}", worker.display()))?;
    std::process::exit(status.code().unwrap_or(1));
}

/// `$AITBC_WORKER`, else `aitbc-worker` beside this executable, else on `PATH`.
fn worker_path() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("AITBC_WORKER") {
        let p = PathBuf::from(p);
        if !p.is_file() {
            bail!(
                "AITBC_WORKER points to {}, which is not a file",
                p.display()
            );
        }
        return Ok(p);
    }
    let exe = std::env::current_exe().context("cannot find this executable's path")?;
    if let Some(dir) = exe.parent() {
        let beside = dir.join(WORKER_BIN);
        if beside.is_file() {
            return Ok(beside);
        }
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(WORKER_BIN);
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    bail!(
        "the miner daemon `{WORKER_BIN}` was not found beside `aitbc` or on PATH; build it with `cargo build --workspace --bins` (or set AITBC_WORKER to its path)"
    )
}
