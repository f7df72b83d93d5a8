//! `aitbc-worker`: the AITBC miner daemon.
//!
//! - `aitbc-worker --url ws://127.0.0.1:9944 --uri //Bob --backend embedded`: mine — register
//!   as a miner if needed, then run the jobs the chain assigns to this account.
//! - `aitbc-worker serve`: an Ollama-compatible HTTP API over the embedded model.
//! - `aitbc-worker generate`: runs one prompt on a backend and prints the text and metrics.
//! - `aitbc-worker models`: lists what a backend serves.
//!
//! `--backend torch` (TorchScript models on libtorch, CUDA or CPU) needs the binary built with
//! the `torch` feature; see README.md.

use aitbc_worker::backend::embedded::{EmbeddedBackend, EmbeddedConfig, Fault, SMOLLM2_NAME};
use aitbc_worker::backend::ollama::{self, OllamaBackend, DEFAULT_ENDPOINT};
use aitbc_worker::backend::{GenerateOptions, GenerateRequest, InferenceBackend, Prompt};
use aitbc_worker::{miner, serve};
use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "aitbc-worker",
    version,
    about = "AITBC miner daemon: inference backends"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    mine: MineArgs,
}

/// Mining mode (no subcommand).
#[derive(Args)]
struct MineArgs {
    /// Node RPC endpoint.
    #[arg(long, env = "AITBC_URL", default_value = "ws://127.0.0.1:9944")]
    url: String,
    /// The miner's secret URI (`//Bob`, a mnemonic, ...). Alternative to --wallet. Visible to
    /// other users (ps) and kept in shell history: prefer --suri-file or AITBC_SURI.
    #[arg(long, conflicts_with_all = ["wallet", "suri_file"])]
    uri: Option<String>,
    /// A file holding the miner's secret URI or mnemonic (surrounding whitespace ignored).
    /// Without --uri, --suri-file or --wallet, the secret is read from AITBC_SURI.
    #[arg(long, value_name = "FILE", conflicts_with = "wallet")]
    suri_file: Option<PathBuf>,
    /// A wallet of the `aitbc` keystore (~/.aitbc, env AITBC_HOME); password from AITBC_PASSWORD.
    #[arg(long, env = "AITBC_WALLET")]
    wallet: Option<String>,
    #[command(flatten)]
    backend: BackendArgs,
    /// Price per GPU-hour in AIT, used when registering.
    #[arg(long, default_value = "0.5")]
    price_per_hour: String,
    /// Stake to hold when registering, in AIT.
    #[arg(long, default_value = "100")]
    stake: String,
    /// Jobs run at once.
    #[arg(long, default_value_t = 1)]
    max_concurrent: usize,
    /// Most tokens generated per job.
    #[arg(long, default_value_t = 256)]
    max_tokens: u32,
    /// Exit after this many jobs have ended (delivered or failed); default: run until stopped.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    max_jobs: Option<u64>,
    /// Seconds a run takes at least: a job whose remaining TTL (blocks left × block time) is
    /// shorter than the estimated run plus one block is not accepted (logged and left).
    #[arg(long, env = "AITBC_MIN_RUN_WINDOW", default_value_t = 10)]
    min_run_window: u64,
    /// Generation rate (tokens/s) for estimating a run as --max-tokens / rate; default: the
    /// rate measured on this daemon's finished jobs.
    #[arg(long, env = "AITBC_TOKENS_PER_SECOND", value_parser = parse_rate)]
    tokens_per_second: Option<f64>,
    /// Serve agent runs' steps as they happen (Server-Sent Events, to each run's owner only) on
    /// this address, e.g. 127.0.0.1:9950, and register the endpoint's URL on chain.
    #[arg(long, env = "AITBC_STREAM_LISTEN")]
    stream_listen: Option<std::net::SocketAddr>,
    /// The URL clients reach the stream endpoint at (default: http://<--stream-listen>).
    #[arg(long, env = "AITBC_STREAM_URL", requires = "stream_listen")]
    stream_url: Option<String>,
    /// Offer agent owners self-optimization on the stream endpoint (`aitbc optimize
    /// self-opt`): this miner measures their agent on an evaluation set across its embedded
    /// models, thread counts and token limits. Free to the owner, one at a time, at most 24
    /// runs each; the runs share this machine's CPU with paid jobs. Embedded backend only.
    #[arg(long, env = "AITBC_SELF_OPT", requires = "stream_listen")]
    self_opt: bool,
}

fn parse_rate(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(r) if r.is_finite() && r > 0.0 => Ok(r),
        _ => Err(format!(
            "'{s}' is not a rate: give tokens per second as a number above 0, e.g. 25"
        )),
    }
}

impl MineArgs {
    fn key(&self) -> anyhow::Result<aitbc_client::keys::Pair> {
        if let Some(uri) = &self.uri {
            eprintln!(
                "warning: the secret given with --uri is visible to other users of this machine (ps, /proc) and stays in your shell history; prefer --suri-file FILE, the AITBC_SURI environment variable or --wallet"
            );
            return Ok(aitbc_client::keys::pair_from_uri(uri)?);
        }
        if let Some(path) = &self.suri_file {
            let text = std::fs::read_to_string(path).with_context(|| {
                format!(
                    "cannot read the secret file {} (--suri-file)",
                    path.display()
                )
            })?;
            anyhow::ensure!(
                !text.trim().is_empty(),
                "the secret file {} is empty: it should hold the miner's mnemonic or secret URI",
                path.display()
            );
            return Ok(aitbc_client::keys::pair_from_uri(text.trim())?);
        }
        let Some(name) = &self.wallet else {
            if let Some(secret) = std::env::var("AITBC_SURI")
                .ok()
                .filter(|s| !s.trim().is_empty())
            {
                return Ok(aitbc_client::keys::pair_from_uri(secret.trim())?);
            }
            anyhow::bail!("say which account mines: --wallet NAME, --suri-file FILE (a file holding its mnemonic or secret URI), the AITBC_SURI environment variable, or --uri //Bob (visible to other users)");
        };
        let password = std::env::var("AITBC_PASSWORD")
            .map_err(|_| anyhow::anyhow!("set AITBC_PASSWORD to unlock wallet `{name}`"))?;
        Ok(aitbc_client::keystore::Keystore::from_env().unlock(name, &password)?)
    }
}

#[derive(Subcommand)]
enum Command {
    /// Serve Ollama's HTTP API (/api/generate, /api/chat, /api/tags, /api/version) over the
    /// embedded model.
    Serve(ServeArgs),
    /// Run one prompt and print the generated text and metrics. For the torch backend the
    /// prompt is a JSON call, e.g. {"method": "audio_forward", "inputs": [TENSOR, 16000]}.
    Generate {
        #[command(flatten)]
        backend: BackendArgs,
        #[arg(long)]
        prompt: String,
        #[arg(long)]
        system: Option<String>,
        #[arg(long)]
        temperature: Option<f64>,
        #[arg(long)]
        top_p: Option<f64>,
        #[arg(long)]
        max_tokens: Option<u32>,
        #[arg(long)]
        seed: Option<u64>,
        /// Print text as it is generated.
        #[arg(long)]
        stream: bool,
    },
    /// List the models a backend serves.
    Models {
        #[command(flatten)]
        backend: BackendArgs,
    },
    /// Measure an agent on an evaluation set with one embedded model, submitting nothing: the
    /// agent's real loop, tools and chain reads (at a finalized block), one JSON line per run.
    /// Compute threads come from RAYON_NUM_THREADS / CANDLE_NUM_THREADS. The daemon's
    /// --self-opt runs one per model and thread count.
    EvalAgent(EvalAgentArgs),
}

/// `aitbc-worker eval-agent`.
#[derive(Args)]
struct EvalAgentArgs {
    /// Node RPC endpoint (agent, chain tools).
    #[arg(long, env = "AITBC_URL", default_value = "ws://127.0.0.1:9944")]
    url: String,
    /// The agent.
    #[arg(long)]
    agent: u64,
    /// The agent version (default: the latest).
    #[arg(long)]
    version: Option<u32>,
    /// The embedded model to run it on (smollm2 or gemma3).
    #[arg(long)]
    model: String,
    /// Run token limits to try, comma-separated (default: the agent's).
    #[arg(long, value_delimiter = ',')]
    max_tokens: Vec<u32>,
    /// The evaluation set: a JSON file of [{"input", "expect"}] ("-": standard input);
    /// default: the fixed set for the agent's tools.
    #[arg(long)]
    tasks: Option<PathBuf>,
}

/// `aitbc-worker serve`.
#[derive(Args)]
struct ServeArgs {
    /// Address to listen on (port 0 picks a free port; the bound address is printed).
    #[arg(long, default_value = "127.0.0.1:11434")]
    listen: String,
    /// The model to serve: smollm2 (default) or gemma3 (Gemma 3 270M).
    #[arg(long)]
    model: Option<String>,
    /// GGUF model file (default: $AITBC_MODELS_DIR or ~/.cache/aitbc/models).
    #[arg(long, env = "AITBC_MODEL_PATH")]
    model_path: Option<PathBuf>,
    /// Browser origins allowed besides this machine's (http(s)://localhost, 127.0.0.1, [::1],
    /// 0.0.0.0, any port), comma separated: scheme://host[:port], `*` a wildcard
    /// (https://*.example.com), or `*` for any. Requests from other origins get 403; requests
    /// without an Origin header (curl, SDKs) are always served.
    #[arg(long, env = "AITBC_ALLOWED_ORIGINS", value_delimiter = ',', value_parser = serve::parse_origin_pattern)]
    allowed_origins: Vec<String>,
    /// Most tokens one request may generate: a larger num_predict is refused (400), an absent
    /// or negative one becomes this.
    #[arg(long, env = "AITBC_MAX_PREDICT", default_value_t = serve::DEFAULT_MAX_PREDICT, value_parser = clap::value_parser!(u32).range(1..))]
    max_predict: u32,
    /// Generations run at once.
    #[arg(long, env = "AITBC_CONCURRENCY", default_value_t = serve::DEFAULT_CONCURRENCY, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    concurrency: usize,
    /// Requests that may wait for a free slot; more get 503 with Retry-After.
    #[arg(long, env = "AITBC_QUEUE_DEPTH", default_value_t = serve::DEFAULT_QUEUE_DEPTH)]
    queue_depth: usize,
    /// Seconds one generation request may take in all, waiting in the queue included (503 if
    /// it is still waiting then, 504 or a final error line if it is still generating).
    #[arg(long, env = "AITBC_REQUEST_TIMEOUT", default_value_t = serve::DEFAULT_REQUEST_TIMEOUT.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
    request_timeout: u64,
}

impl ServeArgs {
    fn config(&self) -> serve::ServeConfig {
        serve::ServeConfig {
            allowed_origins: self.allowed_origins.clone(),
            max_predict: self.max_predict,
            concurrency: self.concurrency,
            queue_depth: self.queue_depth,
            request_timeout: std::time::Duration::from_secs(self.request_timeout),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum BackendKind {
    Embedded,
    Ollama,
    /// TorchScript models on libtorch (needs the `torch` feature).
    Torch,
}

#[derive(Args)]
struct BackendArgs {
    #[arg(long, value_enum, default_value = "embedded")]
    backend: BackendKind,
    /// The model: what `generate` runs (default smollm2; `gemma3` makes the embedded backend load
    /// Gemma 3 270M instead; for torch, the only model served); when
    /// mining, the models to advertise (comma separated; default: every model the backend
    /// serves); for the torch backend the one model to load and serve (default: every model in
    /// --torch-models).
    #[arg(long)]
    model: Option<String>,
    /// GGUF model file for the embedded backend.
    #[arg(long, env = "AITBC_MODEL_PATH")]
    model_path: Option<PathBuf>,
    /// Ollama endpoint for the ollama backend.
    #[arg(long, env = "OLLAMA_HOST", default_value = DEFAULT_ENDPOINT)]
    ollama_url: String,
    /// Seconds one request to the Ollama server may take in all (connecting, generating and
    /// reading the whole streamed answer); past it the request fails (a job is reported failed).
    #[arg(long, env = "AITBC_OLLAMA_TIMEOUT", default_value_t = ollama::DEFAULT_TIMEOUT.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
    ollama_timeout: u64,
    /// Directory of TorchScript models (*.jit, *.pt) for the torch backend (default:
    /// $AITBC_MODELS_DIR/torch, i.e. ~/.cache/aitbc/models/torch).
    #[arg(long, env = "AITBC_TORCH_MODELS")]
    torch_models: Option<PathBuf>,
    /// Device for the torch backend: auto (CUDA when libtorch sees a GPU, else CPU), cpu, cuda,
    /// cuda:N.
    #[arg(long, env = "AITBC_TORCH_DEVICE", default_value = "auto")]
    torch_device: String,
    /// Testing only: make every output deliberately wrong (`wrong-token`: the least likely
    /// token at output position 2), so that tests can watch the referee prove it and the chain
    /// slash the miner. Embedded backend only.
    #[arg(long, hide = true, value_name = "FAULT", value_parser = parse_fault)]
    test_fault: Option<Fault>,
}

fn parse_fault(s: &str) -> Result<Fault, String> {
    s.parse()
}

impl BackendArgs {
    async fn open(&self) -> anyhow::Result<Arc<dyn InferenceBackend>> {
        if let (Some(fault), false) = (self.test_fault, self.backend == BackendKind::Embedded) {
            anyhow::bail!("--test-fault {} needs the embedded backend", fault.as_str());
        }
        let backend: Arc<dyn InferenceBackend> = match self.backend {
            BackendKind::Embedded => {
                let mut config =
                    EmbeddedConfig::for_model(self.model.as_deref(), self.model_path.clone());
                config.fault = self.test_fault;
                let backend =
                    tokio::task::spawn_blocking(move || EmbeddedBackend::load(config)).await??;
                Arc::new(backend)
            }
            BackendKind::Ollama => Arc::new(OllamaBackend::with_timeout(
                &self.ollama_url,
                std::time::Duration::from_secs(self.ollama_timeout),
            )?),
            BackendKind::Torch => self.open_torch().await?,
        };
        Ok(backend)
    }

    #[cfg(feature = "torch")]
    async fn open_torch(&self) -> anyhow::Result<Arc<dyn InferenceBackend>> {
        use aitbc_worker::backend::torch::{TorchBackend, TorchConfig};
        let mut config = TorchConfig::new(self.torch_models.clone());
        config.model = self.model.clone();
        config.device = self
            .torch_device
            .parse()
            .map_err(|e: String| anyhow::anyhow!("--torch-device: {e}"))?;
        let backend = tokio::task::spawn_blocking(move || TorchBackend::load(config)).await??;
        Ok(Arc::new(backend))
    }

    #[cfg(not(feature = "torch"))]
    async fn open_torch(&self) -> anyhow::Result<Arc<dyn InferenceBackend>> {
        anyhow::bail!(
            "this aitbc-worker was built without the `torch` feature: run scripts/fetch-libtorch.sh, then build with LIBTORCH=~/.cache/aitbc/libtorch cargo build --workspace --features aitbc-worker/torch"
        )
    }

    /// The model `generate` runs: --model, else smollm2, else (torch) the only one served.
    async fn generate_model(&self, backend: &dyn InferenceBackend) -> anyhow::Result<String> {
        if let Some(m) = &self.model {
            return Ok(m.clone());
        }
        if self.backend != BackendKind::Torch {
            return Ok(SMOLLM2_NAME.to_string());
        }
        let models = backend.models().await?;
        match models.as_slice() {
            [only] => Ok(only.name.clone()),
            _ => anyhow::bail!(
                "say which model with --model: the torch backend serves {}",
                models
                    .iter()
                    .map(|m| m.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let Some(command) = cli.command else {
        return mine(cli.mine).await;
    };
    match command {
        Command::Serve(args) => run_serve(args).await,
        Command::Generate {
            backend: backend_args,
            prompt,
            system,
            temperature,
            top_p,
            max_tokens,
            seed,
            stream,
        } => {
            let backend = backend_args.open().await?;
            let model = backend_args.generate_model(backend.as_ref()).await?;
            let request = GenerateRequest {
                model,
                prompt: Prompt::Text {
                    prompt,
                    system,
                    raw: false,
                },
                options: GenerateOptions {
                    temperature,
                    top_p,
                    max_tokens,
                    seed,
                    ..Default::default()
                },
            };
            let result = if stream {
                let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
                let printer = tokio::spawn(async move {
                    while let Some(piece) = rx.recv().await {
                        print!("{piece}");
                        let _ = std::io::stdout().flush();
                    }
                    println!();
                });
                let r = backend.generate_stream(request, Some(tx)).await;
                let _ = printer.await;
                r?
            } else {
                let r = backend.generate(request).await?;
                println!("{}", r.text);
                r
            };
            if let Some(device) = backend.device() {
                eprint!("device={device} ");
            }
            if backend.name() == "torch" {
                // A model call, not text generation: "tokens" are tensor elements.
                eprintln!(
                    "model={} input_elements={} output_elements={} compute_ms={} instantiate_ms={:.1} prepare_ms={:.1} forward_ms={:.1}",
                    result.model,
                    result.input_tokens,
                    result.output_tokens,
                    result.compute_ms,
                    result.timings.load.as_secs_f64() * 1e3,
                    result.timings.prompt_eval.as_secs_f64() * 1e3,
                    result.timings.eval.as_secs_f64() * 1e3,
                );
                return Ok(());
            }
            eprintln!(
                "model={} done_reason={} input_tokens={} output_tokens={} compute_ms={} prompt_eval={:.1} tok/s eval={:.1} tok/s",
                result.model,
                result.done_reason.as_str(),
                result.input_tokens,
                result.output_tokens,
                result.compute_ms,
                result.prompt_tokens_per_s().unwrap_or(0.0),
                result.output_tokens_per_s().unwrap_or(0.0),
            );
            Ok(())
        }
        Command::EvalAgent(args) => eval_agent(args).await,
        Command::Models { backend } => {
            let backend = backend.open().await?;
            for m in backend.models().await? {
                println!("{}", serde_json::to_string(&m)?);
            }
            Ok(())
        }
    }
}

async fn mine(args: MineArgs) -> anyhow::Result<()> {
    let pair = args.key()?;
    let price_per_hour = aitbc_client::amount::parse_amount(&args.price_per_hour)?;
    let stake = aitbc_client::amount::parse_positive_amount(&args.stake)?;
    let backend = args.backend.open().await?;
    let hardware = miner::detect_for(backend.device());
    tracing::info!(
        "⛏  aitbc-worker {}: miner {} on {}, backend {}{}",
        env!("CARGO_PKG_VERSION"),
        aitbc_client::keys::address_of(&pair),
        args.url,
        backend.name(),
        backend
            .device()
            .map_or_else(String::new, |d| format!(" on {d} ({})", hardware.model))
    );
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop_tx.send(true);
    });
    let agent_streams: std::sync::Arc<miner::agent::stream::StepStreams> = Default::default();
    let self_opt = if args.self_opt {
        anyhow::ensure!(
            matches!(args.backend.backend, BackendKind::Embedded),
            "--self-opt measures the embedded models: use it with --backend embedded"
        );
        Some(aitbc_client::keys::account_id(&pair))
    } else {
        None
    };
    let stream_endpoint = match args.stream_listen {
        Some(addr) => Some(
            serve_streams(
                addr,
                args.stream_url.clone(),
                &args.url,
                agent_streams.clone(),
                self_opt,
            )
            .await?,
        ),
        None => None,
    };
    let config = miner::MinerConfig {
        url: args.url,
        pair,
        backend,
        price_per_hour,
        stake,
        max_concurrent: args.max_concurrent,
        max_tokens: args.max_tokens,
        hardware,
        models: args
            .backend
            .model
            .as_deref()
            .map(|m| {
                m.split(',')
                    .map(str::trim)
                    .filter(|m| !m.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default(),
        max_jobs: args.max_jobs.map(|n| n as usize),
        min_run_window: std::time::Duration::from_secs(args.min_run_window),
        tokens_per_second: args.tokens_per_second,
        agent_streams,
        stream_endpoint,
    };
    miner::run(config, stop_rx).await
}

/// `aitbc-worker eval-agent`: measure, printing one JSON line per run.
async fn eval_agent(args: EvalAgentArgs) -> anyhow::Result<()> {
    use std::io::Read as _;
    let rpc = aitbc_client::rpc::RpcClient::connect(&args.url).await?;
    let view = aitbc_client::agents::existing_agent(&rpc, args.agent).await?;
    let version = args.version.unwrap_or(view.agent.latest);
    let record = aitbc_client::agents::version(&rpc, args.agent, version)
        .await?
        .with_context(|| format!("agent #{} has no stored version {version}", args.agent))?;
    let tasks = match &args.tasks {
        Some(path) => {
            let mut bytes = Vec::new();
            let limit = aitbc_agent::eval::MAX_EVAL_FILE_BYTES as u64 + 1;
            if path.as_os_str() == "-" {
                std::io::stdin().take(limit).read_to_end(&mut bytes)?;
            } else {
                std::fs::File::open(path)
                    .with_context(|| format!("cannot read {}", path.display()))?
                    .take(limit)
                    .read_to_end(&mut bytes)?;
            }
            aitbc_agent::parse_eval_set(&bytes).map_err(anyhow::Error::msg)?
        }
        None => {
            let tools: Vec<aitbc_agent::ToolId> = record
                .spec
                .tools
                .iter()
                .filter_map(|t| aitbc_agent::ToolId::from_id(&String::from_utf8_lossy(t)))
                .collect();
            aitbc_agent::default_eval_set(&tools).context(
                "the agent has no tool the fixed evaluation set exercises: give --tasks FILE",
            )?
        }
    };
    let max_tokens = if args.max_tokens.is_empty() {
        vec![record.spec.limits.max_tokens]
    } else {
        args.max_tokens.clone()
    };
    let config = EmbeddedConfig::for_model(Some(&args.model), None);
    let backend: Arc<dyn InferenceBackend> =
        Arc::new(tokio::task::spawn_blocking(move || EmbeddedBackend::load(config)).await??);
    let block_ms = miner::ttl::block_ms(&rpc).await;
    let measurement = miner::agent::eval::Measurement {
        spec: &record.spec,
        backend,
        model: args.model.clone(),
        threads: candle_core::utils::get_num_threads() as u32,
        max_tokens: &max_tokens,
        tasks: &tasks,
        block_ms,
    };
    let mut print = |m: aitbc_client::selfopt::RunMeasure| {
        if let Ok(line) = serde_json::to_string(&m) {
            println!("{line}");
            let _ = std::io::stdout().flush();
        }
    };
    measurement
        .run(&rpc, &mut print)
        .await
        .map_err(anyhow::Error::msg)
}

/// Start the agent-run stream endpoint on `addr`; returns the URL to register.
async fn serve_streams(
    addr: std::net::SocketAddr,
    url: Option<String>,
    node: &str,
    streams: std::sync::Arc<miner::agent::stream::StepStreams>,
    self_opt: Option<aitbc_runtime::AccountId>,
) -> anyhow::Result<String> {
    use anyhow::Context as _;
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| {
        format!("cannot listen on {addr} for agent-run streams (--stream-listen)")
    })?;
    let bound = listener.local_addr()?;
    let rpc = aitbc_client::rpc::RpcClient::connect(node).await?;
    let state = std::sync::Arc::new(aitbc_worker::stream::StreamState {
        streams,
        rpc,
        slots: std::sync::Arc::new(tokio::sync::Semaphore::new(
            aitbc_worker::stream::MAX_STREAMS,
        )),
    });
    let mut app = aitbc_worker::stream::router(state);
    if let Some(miner) = self_opt {
        use aitbc_worker::selfopt;
        let models = selfopt::available_models();
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
        tracing::info!(
            "🔬 self-optimization offered to agent owners: models {}, 1 to {cores} threads",
            models.join(", ")
        );
        app = app.merge(selfopt::router(std::sync::Arc::new(
            selfopt::SelfOptState {
                rpc: aitbc_client::rpc::RpcClient::connect(node).await?,
                node_url: node.to_string(),
                exe: std::env::current_exe().context("cannot find this executable")?,
                models,
                cores,
                miner,
                busy: std::sync::Arc::new(tokio::sync::Semaphore::new(1)),
            },
        )));
    }
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!("agent-run stream endpoint stopped: {e}");
        }
    });
    let url = url.unwrap_or_else(|| format!("http://{bound}"));
    tracing::info!("📡 agent-run steps streamed at {url} (listening on {bound})");
    Ok(url)
}

async fn run_serve(args: ServeArgs) -> anyhow::Result<()> {
    let listen = args.listen.as_str();
    let config = EmbeddedConfig::for_model(args.model.as_deref(), args.model_path.clone());
    let path = config.model_path.clone();
    let backend = tokio::task::spawn_blocking(move || EmbeddedBackend::load(config)).await??;
    let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    // Tests and scripts read this line to find the port.
    println!("listening on http://{addr}");
    let _ = std::io::stdout().flush();
    tracing::info!(%addr, model = %backend.info().name, "serving the Ollama API");
    let app = serve::router(Arc::new(backend), modified, &args.config());
    serve::serve(listener, app, shutdown_signal()).await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => futures::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = futures::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    /// clap's own checks: unique argument names across flattened groups, valid defaults, ...
    #[test]
    fn command_line_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }

    /// `--test-fault` is parsed wherever a backend is chosen, and is not in the help.
    #[test]
    fn test_fault_is_hidden_and_parsed() {
        use super::Cli;
        use aitbc_worker::backend::embedded::Fault;
        use clap::{CommandFactory, Parser};
        let cli = Cli::try_parse_from(["aitbc-worker", "--uri", "//Bob"]).expect("plain");
        assert_eq!(cli.mine.backend.test_fault, None);
        let cli = Cli::try_parse_from([
            "aitbc-worker",
            "--uri",
            "//Bob",
            "--test-fault",
            "wrong-token",
        ])
        .expect("fault");
        assert_eq!(cli.mine.backend.test_fault, Some(Fault::WrongToken));
        let err = Cli::try_parse_from(["aitbc-worker", "--test-fault", "right-token"])
            .err()
            .expect("unknown fault");
        assert!(
            err.to_string().contains("unknown test fault 'right-token'"),
            "{err}"
        );
        let help = Cli::command().render_long_help().to_string();
        assert!(!help.contains("test-fault"), "{help}");
        assert!(help.contains("--backend"), "{help}");
    }
}
