//! The miner daemon: watches the chain for jobs assigned to this account, runs them on an
//! inference backend and submits signed `accept` / `submit_result` / `report_failure`
//! extrinsics.
//!
//! Life of a job here: new head → `MarketApi_jobs_by_miner` lists the job as `Assigned` →
//! `accept` → inference → `submit_result` with the output, its hash and metrics (or
//! `report_failure` with the backend's error, which refunds the client). A job found `Running`
//! (accepted before a restart) is run again from the start.
//!
//! At start, once it is a registered active miner, the daemon declares the execution profile of
//! its backend if the chain has it registered ([`profile`]).

pub mod agent;
pub mod hardware;
mod job;
mod nonce;
pub mod profile;
mod referee;
mod round;
pub mod ttl;

use std::{
    collections::HashSet,
    sync::Arc,
    time::{Duration, Instant},
};

use aitbc_client::{
    jobs,
    keys::{self, Pair},
    rpc::RpcClient,
    tx::{self, TxOptions, WaitFor},
};
use aitbc_primitives::{JobId, JobStatus};
use aitbc_runtime::{AccountId, Balance, RuntimeCall};
use anyhow::Context;
use tokio::{
    sync::{watch, Mutex, Semaphore},
    task::JoinSet,
};

use crate::backend::InferenceBackend;
pub use hardware::{detect, detect_for, DetectedHardware};
use nonce::NonceManager;

/// Blocks between heartbeats (the chain marks a miner offline after 150 silent blocks).
pub const HEARTBEAT_EVERY: u32 = 30;
/// How long in-flight jobs may run on after a shutdown signal before they are reported failed.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(60);
/// How long to wait for a transaction to be included.
const TX_TIMEOUT: Duration = Duration::from_secs(60);

/// Configuration of the miner daemon.
pub struct MinerConfig {
    /// Node RPC endpoint.
    pub url: String,
    /// The miner's key.
    pub pair: Pair,
    /// Where inference runs.
    pub backend: Arc<dyn InferenceBackend>,
    /// Price per GPU-hour, in base units, used when registering.
    pub price_per_hour: Balance,
    /// Stake to hold when registering, in base units.
    pub stake: Balance,
    /// Jobs run at once.
    pub max_concurrent: usize,
    /// Most tokens generated per job.
    pub max_tokens: u32,
    /// Hardware to register (detected by default).
    pub hardware: DetectedHardware,
    /// Models to advertise when registering; empty: every model the backend serves.
    pub models: Vec<String>,
    /// Stop after this many jobs have ended (delivered or reported failed); `None`: run until
    /// stopped.
    pub max_jobs: Option<usize>,
    /// The shortest run to expect for a job: one whose remaining TTL is shorter (plus a block
    /// for the result) is not accepted.
    pub min_run_window: Duration,
    /// The steps of agent runs in progress, shared with the stream endpoint.
    pub agent_streams: Arc<agent::stream::StepStreams>,
    /// Where this daemon streams agent runs' steps, registered on chain at start.
    pub stream_endpoint: Option<String>,
    /// Generation rate to estimate run times with; `None`: the rate measured on this daemon's
    /// finished jobs (only `min_run_window` until one has finished).
    pub tokens_per_second: Option<f64>,
}

/// Jobs this daemon has taken and finished, across reconnects.
#[derive(Default)]
struct JobCounts {
    started: std::sync::atomic::AtomicUsize,
    ended: std::sync::atomic::AtomicUsize,
}

/// State shared by the daemon's tasks during one connection.
pub(crate) struct Session {
    pub rpc: RpcClient,
    pub pair: Pair,
    pub account: AccountId,
    pub nonces: NonceManager,
    pub backend: Arc<dyn InferenceBackend>,
    pub max_tokens: u32,
    /// Milliseconds per block (`AuraApi_slot_duration`).
    pub block_ms: u64,
    /// Output tokens per second measured on finished jobs (smoothed).
    pub measured_rate: std::sync::Mutex<Option<f64>>,
    /// Results in a block that is not final yet: block number -> jobs. Logged as final when a
    /// finalized head reaches them.
    pub unfinalized: std::sync::Mutex<std::collections::BTreeMap<u32, Vec<JobId>>>,
    /// The steps of the agent runs in progress, for the stream endpoint.
    pub agent_streams: Arc<agent::stream::StepStreams>,
}

impl Session {
    /// Record the generation rate of a finished job, for the TTL check of later ones.
    pub fn note_rate(&self, tokens_per_s: f64) {
        if !tokens_per_s.is_finite() || tokens_per_s <= 0.0 {
            return;
        }
        if let Ok(mut r) = self.measured_rate.lock() {
            *r = Some(match *r {
                Some(old) => 0.7 * old + 0.3 * tokens_per_s,
                None => tokens_per_s,
            });
        }
    }

    /// Note that job `id`'s result is in block `number`, to report its finality later.
    pub fn note_delivered(&self, id: JobId, number: u32) {
        if let Ok(mut m) = self.unfinalized.lock() {
            m.entry(number).or_default().push(id);
        }
    }

    /// A finalized head arrived: log the results that are now final.
    fn finalized(&self, number: u32) {
        let Ok(mut m) = self.unfinalized.lock() else {
            return;
        };
        let later = m.split_off(&(number + 1));
        for (block, ids) in std::mem::replace(&mut *m, later) {
            for id in ids {
                tracing::info!("🔒 job #{id}: result final (block #{block}, finalized #{number})");
            }
        }
    }
}

impl Session {
    /// Sign and submit `call`, wait until it is in a block, and fail on a dispatch error.
    pub async fn send(&self, call: RuntimeCall) -> anyhow::Result<tx::TxOutcome> {
        self.send_watching(call, |_| {}).await
    }

    /// [`Session::send`], reporting each status of the transaction (pool, block) to `on_status`.
    pub async fn send_watching(
        &self,
        call: RuntimeCall,
        on_status: impl FnMut(&aitbc_client::rpc::TxStatus),
    ) -> anyhow::Result<tx::TxOutcome> {
        let nonce = self.nonces.next(&self.rpc).await?;
        let opts = TxOptions {
            nonce: Some(nonce),
            ..Default::default()
        };
        let unsigned = tx::prepare(&self.rpc, &self.account, call, &opts).await?;
        let signed = unsigned.sign(&self.pair)?;
        match tx::submit_and_watch(&self.rpc, &signed, WaitFor::InBlock, TX_TIMEOUT, on_status)
            .await
        {
            Ok(outcome) => Ok(outcome.into_result()?),
            Err(e) => {
                // Refused by the pool: the nonce was not used.
                self.nonces.resync().await;
                Err(e.into())
            }
        }
    }
}

/// First wait before reconnecting to a node that went away.
pub const RECONNECT_BASE: Duration = Duration::from_secs(1);
/// Longest wait between reconnection attempts.
pub const RECONNECT_CAP: Duration = Duration::from_secs(60);
/// A session that lasted this long counts as a success: the next loss waits `RECONNECT_BASE`.
const STABLE_SESSION: Duration = Duration::from_secs(60);

/// Run the daemon until `shutdown` turns true. Reconnects when the node goes away, waiting
/// 1 s, 2 s, 4 s, … up to [`RECONNECT_CAP`] between failed attempts (back to 1 s after a
/// session that lasted a minute).
pub async fn run(config: MinerConfig, mut shutdown: watch::Receiver<bool>) -> anyhow::Result<()> {
    // Worked out once: the embedded backend hashed its model file when it loaded it.
    let profile = match profile::of_backend(config.backend.as_ref()).await {
        Ok(Some(p)) => {
            tracing::info!(
                "🧾 execution profile of this backend: {}",
                profile::describe(&p)
            );
            Some(Arc::new(p))
        }
        Ok(None) => {
            tracing::info!(
                "🧾 the {} backend has no execution profile: none is declared",
                config.backend.name()
            );
            None
        }
        Err(e) => {
            tracing::warn!("🧾 cannot work out this backend's execution profile: {e:#}");
            None
        }
    };
    let config = Arc::new(config);
    let counts = Arc::new(JobCounts::default());
    let mut backoff = aitbc_client::retry::Backoff::new(RECONNECT_BASE, RECONNECT_CAP);
    loop {
        let started = Instant::now();
        match session(
            config.clone(),
            counts.clone(),
            profile.clone(),
            shutdown.clone(),
        )
        .await
        {
            Ok(()) => return Ok(()),
            Err(e) => {
                if started.elapsed() >= STABLE_SESSION {
                    backoff.reset();
                }
                let delay = backoff.next_delay();
                tracing::warn!(
                    "⚠️  lost the node at {}: {e:#}; reconnecting in {} (attempt {})",
                    config.url,
                    aitbc_client::retry::human(delay),
                    backoff.failures()
                );
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {},
                    _ = shutdown.changed() => return Ok(()),
                }
            }
        }
    }
}

/// Register this account as a miner, or, when it already is, make its registration match
/// what this daemon serves: the models, the price and the hardware (one `Miners::update`, sent
/// only when something differs). Whether the miner is active (not unbonding).
async fn ensure_registered(s: &Session, config: &MinerConfig) -> anyhow::Result<bool> {
    let names = advertised_models(s.backend.as_ref(), &config.models).await?;
    let hw = &config.hardware;
    let hardware = jobs::parse_hardware(&format!("{}x {}", hw.count, hw.model), hw.memory_mb)?;
    let models = jobs::model_list(&names)?;
    let per_second = jobs::per_second_from_hourly(config.price_per_hour)?;
    if let Some(info) = jobs::miner(&s.rpc, &s.account).await? {
        tracing::info!(
            "⛏  miner {} is registered ({}x {}, online: {}, score {:?})",
            keys::to_ss58(&s.account),
            info.miner.hardware.gpu_count,
            String::from_utf8_lossy(&info.miner.hardware.gpu_model),
            info.online,
            info.score
        );
        let m = &info.miner;
        if m.status != jobs::MinerStatus::Active {
            tracing::warn!(
                "miner {} is unbonding: no job is assigned to it until it registers again",
                keys::to_ss58(&s.account)
            );
            return Ok(false);
        }
        let mut changes = Vec::new();
        if m.models != models {
            let show = |l: &aitbc_primitives::ModelList| {
                l.iter()
                    .map(|n| String::from_utf8_lossy(n).into_owned())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            changes.push(format!(
                "models [{}] -> [{}]",
                show(&m.models),
                show(&models)
            ));
        }
        if m.price_per_gpu_second != per_second {
            changes.push(format!(
                "price {} -> {} per GPU-second",
                aitbc_client::amount::format_amount(m.price_per_gpu_second),
                aitbc_client::amount::format_amount(per_second)
            ));
        }
        if m.hardware != hardware {
            changes.push(format!(
                "hardware {}x {} ({} MiB) -> {}x {} ({} MiB)",
                m.hardware.gpu_count,
                String::from_utf8_lossy(&m.hardware.gpu_model),
                m.hardware.vram_mb,
                hw.count,
                hw.model,
                hw.memory_mb
            ));
        }
        if changes.is_empty() {
            return Ok(true);
        }
        tracing::info!("🔄 updating the registration: {}", changes.join("; "));
        let outcome = s
            .send(jobs::update_miner(hardware, models, per_second))
            .await
            .context("updating the miner registration")?;
        tracing::info!("✅ registration updated in block #{}", outcome.block_number);
        return Ok(true);
    }
    tracing::info!(
        "📝 registering miner {}: {}x {} ({} MiB), models [{}]",
        keys::to_ss58(&s.account),
        hw.count,
        hw.model,
        hw.memory_mb,
        names.join(", ")
    );
    let outcome = s
        .send(jobs::register_miner(
            hardware,
            models,
            per_second,
            config.stake,
        ))
        .await?;
    tracing::info!("✅ registered in block #{}", outcome.block_number);
    Ok(true)
}

/// The model names to register: every name and alias the backend serves, or only those asked
/// for with `--model` (each of which the backend must serve).
async fn advertised_models(
    backend: &dyn InferenceBackend,
    wanted: &[String],
) -> anyhow::Result<Vec<String>> {
    let served = backend
        .models()
        .await
        .context("cannot list the backend's models")?;
    let mut names: Vec<String> = Vec::new();
    for m in &served {
        names.push(m.name.clone());
        names.extend(m.aliases.iter().cloned());
    }
    anyhow::ensure!(
        !names.is_empty(),
        "the {} backend serves no model",
        backend.name()
    );
    if wanted.is_empty() {
        return Ok(names);
    }
    for w in wanted {
        anyhow::ensure!(
            names.iter().any(|n| n == w),
            "the {} backend does not serve model '{w}'; it serves: {}",
            backend.name(),
            names.join(", ")
        );
    }
    Ok(wanted.to_vec())
}

async fn session(
    config: Arc<MinerConfig>,
    counts: Arc<JobCounts>,
    exec_profile: Option<Arc<aitbc_client::profiles::ExecutionProfile>>,
    mut shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    use std::sync::atomic::Ordering;
    let rpc = RpcClient::connect(&config.url).await?;
    let block_ms = ttl::block_ms(&rpc).await;
    let account = keys::account_id(&config.pair);
    let s = Arc::new(Session {
        rpc,
        pair: config.pair.clone(),
        account: account.clone(),
        nonces: NonceManager::new(account.clone()),
        backend: config.backend.clone(),
        max_tokens: config.max_tokens,
        block_ms,
        measured_rate: std::sync::Mutex::new(None),
        unfinalized: Default::default(),
        agent_streams: config.agent_streams.clone(),
    });
    let active = ensure_registered(&s, &config).await?;
    s.send(jobs::heartbeat()).await.context("heartbeat")?;
    if let Some(url) = &config.stream_endpoint {
        let registered = aitbc_client::agents::stream_endpoint(&s.rpc, &s.account).await?;
        if registered.as_deref() != Some(url.as_str()) {
            let call = aitbc_client::agents::set_stream_endpoint(Some(url))?;
            s.send(call)
                .await
                .context("registering the stream endpoint")?;
            tracing::info!("📡 stream endpoint {url} registered on chain");
        }
    }
    if let (true, Some(p)) = (active, exec_profile.as_deref()) {
        // A profile that cannot be declared (the chain refuses, e.g. the profile already lists
        // as many miners as it may) does not stop mining.
        if let Err(e) = profile::declare(&s, p).await {
            tracing::warn!("🧾 {e:#}");
        }
    }
    let mut heads = s.rpc.subscribe_new_heads().await?;
    let mut finalized = s.rpc.subscribe_finalized_heads().await?;
    let in_flight: Arc<Mutex<HashSet<JobId>>> = Arc::default();
    // Disputes this miner is settling as a referee.
    let refereeing: Arc<Mutex<HashSet<JobId>>> = Arc::default();
    let permits = Arc::new(Semaphore::new(config.max_concurrent.max(1)));
    let mut tasks = JoinSet::new();
    let mut cursor: JobId = 0;
    let mut last_heartbeat = 0u32;
    // Jobs left because their TTL cannot fit a run, so that each is logged once.
    let mut too_short: HashSet<JobId> = HashSet::new();
    tracing::info!(
        "⏳ waiting for jobs (backend {}, up to {} at once)",
        s.backend.name(),
        config.max_concurrent
    );
    loop {
        let header = tokio::select! {
            _ = shutdown.changed() => break,
            f = finalized.next() => {
                match f {
                    Some(Ok(h)) => s.finalized(h.number),
                    Some(Err(e)) => anyhow::bail!("finalized-head subscription failed: {e}"),
                    None => anyhow::bail!("finalized-head subscription closed"),
                }
                continue;
            }
            h = heads.next() => match h {
                Some(Ok(h)) => h,
                Some(Err(e)) => anyhow::bail!("head subscription failed: {e}"),
                None => anyhow::bail!("head subscription closed"),
            },
        };
        while let Some(done) = tasks.try_join_next() {
            if let Err(e) = done {
                tracing::error!("job task failed: {e}");
            }
        }
        if header.number >= last_heartbeat + HEARTBEAT_EVERY {
            last_heartbeat = header.number;
            let hb = s.clone();
            tasks.spawn(async move {
                if let Err(e) = hb.send(jobs::heartbeat()).await {
                    tracing::warn!("💓 heartbeat failed: {e:#}");
                }
            });
        }
        let seen = Instant::now();
        // A node whose runtime has no redundant jobs has no duties either (the job listing
        // below reports a lost node).
        let duties = aitbc_client::redundancy::referee_duties(&s.rpc, &account)
            .await
            .unwrap_or_default();
        for id in duties {
            if !refereeing.lock().await.insert(id) {
                continue;
            }
            let (s, refereeing) = (s.clone(), refereeing.clone());
            tasks.spawn(async move {
                referee::settle(&s, id).await;
                refereeing.lock().await.remove(&id);
            });
        }
        let jobs = jobs::jobs_by_miner(&s.rpc, &account, cursor, 64).await?;
        let mut lowest_open: Option<JobId> = None;
        for job in jobs {
            let open = matches!(job.status, JobStatus::Assigned | JobStatus::Running);
            // A redundant job has no single miner while its round runs: this miner is one of
            // its participants (the index lists it).
            let redundant = open && job.miner.is_none();
            if !open || (!redundant && job.miner.as_ref() != Some(&account)) {
                continue;
            }
            lowest_open = Some(lowest_open.map_or(job.id, |l: JobId| l.min(job.id)));
            if config
                .max_jobs
                .is_some_and(|max| counts.started.load(Ordering::SeqCst) >= max)
            {
                continue;
            }
            if job.status == JobStatus::Assigned
                && !redundant
                && !in_flight.lock().await.contains(&job.id)
            {
                let rate = config
                    .tokens_per_second
                    .map(|r| (r, "configured"))
                    .or_else(|| {
                        s.measured_rate
                            .lock()
                            .ok()
                            .and_then(|r| *r)
                            .map(|r| (r, "measured"))
                    });
                let estimate = ttl::estimate_run(config.max_tokens, rate, config.min_run_window);
                if let Err(why) = ttl::check(job.expires_at, header.number, s.block_ms, &estimate) {
                    if too_short.insert(job.id) {
                        tracing::warn!("⏭  job #{}: not accepted: {why}", job.id);
                    }
                    continue;
                }
            }
            if !in_flight.lock().await.insert(job.id) {
                continue;
            }
            counts.started.fetch_add(1, Ordering::SeqCst);
            let (s, in_flight, permits, counts) = (
                s.clone(),
                in_flight.clone(),
                permits.clone(),
                counts.clone(),
            );
            tasks.spawn(async move {
                let Ok(_permit) = permits.acquire_owned().await else {
                    return;
                };
                if redundant {
                    round::process(&s, job.clone()).await;
                } else if job.job_type == aitbc_primitives::JobType::Agent {
                    agent::process(&s, job.clone(), seen).await;
                } else {
                    job::process(&s, job.clone(), seen).await;
                }
                in_flight.lock().await.remove(&job.id);
                counts.ended.fetch_add(1, Ordering::SeqCst);
            });
        }
        if let Some(max) = config.max_jobs {
            if counts.ended.load(Ordering::SeqCst) >= max {
                tracing::info!("🏁 {max} job(s) done (--max-jobs); stopping");
                break;
            }
        }
        // Jobs below the lowest open one are all terminal: skip them from now on.
        if let Some(l) = lowest_open {
            cursor = l;
        }
    }
    drain(&s, &mut tasks, in_flight).await;
    Ok(())
}

/// On shutdown: let in-flight jobs finish within the grace period, then report the rest failed.
async fn drain(s: &Arc<Session>, tasks: &mut JoinSet<()>, in_flight: Arc<Mutex<HashSet<JobId>>>) {
    let n = in_flight.lock().await.len();
    if n == 0 {
        tracing::info!("👋 shutting down: no job in flight");
        return;
    }
    tracing::info!(
        "👋 shutting down: finishing {n} in-flight job(s) (up to {} s)",
        SHUTDOWN_GRACE.as_secs()
    );
    let deadline = Instant::now() + SHUTDOWN_GRACE;
    while !in_flight.lock().await.is_empty() && Instant::now() < deadline {
        tokio::select! {
            _ = tasks.join_next() => {},
            _ = tokio::time::sleep(Duration::from_millis(200)) => {},
        }
    }
    tasks.abort_all();
    let left: Vec<JobId> = in_flight.lock().await.drain().collect();
    for id in left {
        if jobs::job(&s.rpc, id)
            .await
            .is_ok_and(|j| j.is_some_and(|j| j.miner.is_none()))
        {
            // A redundant job has no failure report: the chain replaces a participant that
            // does not commit, and notes late one that does not reveal.
            tracing::info!("↩️  job #{id} (redundant): leaving its round unfinished");
            continue;
        }
        match s
            .send(jobs::report_failure(
                id,
                "the miner shut down before finishing the job",
            ))
            .await
        {
            Ok(o) => tracing::info!(
                "↩️  job #{id} reported failed (client refunded) in block #{}",
                o.block_number
            ),
            Err(e) => tracing::error!("job #{id}: could not report failure: {e:#}"),
        }
    }
}
