//! Chaos: the 4-validator network of chain `local` (Alice, Bob, Charlie, Dave) and one full node,
//! all real `aitbc-node` processes on 127.0.0.1, under transfer and job load while validators are
//! SIGKILLed and restarted at random. A miner (`aitbc-worker` as Eve, embedded backend, the real
//! SmolLM2 model) follows the full node, which is never killed; jobs are submitted there.
//!
//! Never more than one validator is down at a time (three of four finalize). Each round kills a
//! random validator, keeps it down for 3-10 s, restarts it on its database and leaves it up for
//! 10-20 s. Checked throughout and at the end:
//!
//! (a) finality resumes: after each restart the restarted node reaches the finalized height of
//!     the moment it restarted and the network finalizes past it, within 45 s; and the
//!     finalized height never stands still for more than 45 s;
//! (b) no finalized block is lost or changed: every (height, hash) finalized on any node goes
//!     into one map, and every node's canonical hash at each height up to its own finalized
//!     block must match it; no node's finalized height goes back, across restarts included;
//! (c) every job ends completed (paid) or failed/expired/cancelled (refunded), with nothing left
//!     in its escrow (read through the runtime's `MarketApi`, as the CLI does);
//! (d) money is conserved: at the final finalized block `Balances::TotalIssuance` equals the sum
//!     of free + reserved over all `System::Account` entries, and no account holds a job escrow.
//!
//! `AITBC_CHAOS_SECONDS` (default 90) is the length of the chaos phase, `AITBC_CHAOS_SEED` replays
//! a schedule (the seed is printed at the start), `AITBC_CHAOS_KEEP=1` keeps the node and worker
//! logs (they are always kept when a check fails). `scripts/chaos.sh [SECONDS]` runs a longer one.
//! Needs the workspace binaries (`cargo test --workspace --no-run`) and the model
//! (`scripts/fetch-models.sh`).

mod common;

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    process::Command,
    sync::{
        atomic::{AtomicBool, AtomicU32, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use aitbc_client::{
    jobs, keys,
    rpc::RpcClient,
    state,
    tx::{self, TxOptions},
    Error as ClientError,
};
use aitbc_runtime::{
    AccountId, Address, Balance, BalancesCall, Hash, RuntimeCall, RuntimeEvent, AIT,
};
use common::procs::{free_port, tail_lines, target_bin, Proc};

const VALIDATORS: [&str; 4] = ["alice", "bob", "charlie", "dave"];
/// Index of the full node in `Network::nodes`.
const FULL: usize = 4;
/// How long finality may need to resume after a restart, and the longest it may stand still.
const RESUME_LIMIT: Duration = Duration::from_secs(45);
/// A job expires (and is refunded) after this many blocks unless it ended before.
const JOB_TTL_BLOCKS: u32 = 90;
const JOB_BUDGET: Balance = AIT;
/// A new job is submitted every 3 s while fewer than this many are open: the one miner runs
/// them one at a time on a shared CPU and must accept each within a minute of its assignment.
const MAX_OPEN_JOBS: u32 = 2;
/// Accounts that send transfers (each with its own nonce).
const TRANSFER_SIGNERS: [&str; 3] = ["//Alice", "//Bob", "//Charlie"];
/// The account that submits the jobs.
const JOB_CLIENT: &str = "//Ferdie";
/// The miner's account.
const MINER: &str = "//Eve";

/// SplitMix64: small, seeded, reproducible.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }
}

/// One `aitbc-node` process that can be killed and started again on the same database and ports.
struct Node {
    name: String,
    dir: PathBuf,
    args: Vec<String>,
    rpc_port: u16,
    proc: Option<Proc>,
    starts: u32,
}

impl Node {
    fn start(&mut self) {
        assert!(self.proc.is_none(), "{} is running", self.name);
        let log = self.dir.join(format!("{}-{}.log", self.name, self.starts));
        self.starts += 1;
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        self.proc = Some(Proc::spawn(&target_bin("aitbc-node"), &args, log));
    }

    /// SIGKILL.
    fn kill(&mut self) {
        if let Some(mut p) = self.proc.take() {
            p.kill();
        }
    }

    fn url(&self) -> String {
        format!("ws://127.0.0.1:{}", self.rpc_port)
    }

    /// The tail of the log of the node's latest run.
    fn log_tail(&self, lines: usize) -> String {
        let log = self.dir.join(format!(
            "{}-{}.log",
            self.name,
            self.starts.saturating_sub(1)
        ));
        tail_lines(&std::fs::read_to_string(log).unwrap_or_default(), lines)
    }
}

/// A node key file and its peer id.
fn node_key(dir: &Path, name: &str) -> (String, String) {
    let file = dir.join(format!("{name}.key"));
    let out = Command::new(target_bin("aitbc-node"))
        .args(["key", "generate-node-key", "--file"])
        .arg(&file)
        .output()
        .expect("run aitbc-node key generate-node-key");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let peer = String::from_utf8(out.stdout)
        .expect("utf8")
        .trim()
        .to_string();
    (file.to_str().expect("utf8 path").to_string(), peer)
}

/// The four validators and the full node, all on 127.0.0.1.
fn network(dir: &Path) -> Vec<Node> {
    let names: Vec<&str> = VALIDATORS.iter().copied().chain(["full"]).collect();
    let p2p: Vec<u16> = names.iter().map(|_| free_port()).collect();
    let keys: Vec<(String, String)> = names.iter().map(|n| node_key(dir, n)).collect();
    let bootnodes: Vec<String> = (0..VALIDATORS.len())
        .map(|i| format!("/ip4/127.0.0.1/tcp/{}/p2p/{}", p2p[i], keys[i].1))
        .collect();
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let rpc_port = free_port();
            let base = dir.join(name);
            let mut args: Vec<String> = vec![
                "--chain".into(),
                "local".into(),
                "--name".into(),
                name.to_string(),
                "--base-path".into(),
                base.to_str().expect("utf8").into(),
                "--rpc-port".into(),
                rpc_port.to_string(),
                "--prometheus-port".into(),
                free_port().to_string(),
                "--listen-addr".into(),
                format!("/ip4/127.0.0.1/tcp/{}", p2p[i]),
                "--node-key-file".into(),
                keys[i].0.clone(),
                "--bootnodes".into(),
            ];
            args.extend(bootnodes.iter().cloned());
            if i < VALIDATORS.len() {
                args.push("--validator".into());
                args.push(format!("--{name}"));
            }
            Node {
                name: name.to_string(),
                dir: dir.to_path_buf(),
                args,
                rpc_port,
                proc: None,
                starts: 0,
            }
        })
        .collect()
}

/// What the monitor and the load tasks share with the chaos loop.
#[derive(Default)]
struct Shared {
    /// Whether node i is running (the loads and the monitor leave a killed node alone).
    up: [bool; 5],
    /// The highest finalized height each node ever reported (kept across restarts).
    fin: [u32; 5],
    /// The finalized height node i reported since it last started.
    fin_now: [Option<u32>; 5],
    /// Heights whose canonical hash was checked on node i since it last started.
    checked: [u32; 5],
    /// Every finalized block seen on any node.
    finalized: BTreeMap<u32, Hash>,
    /// The highest finalized height over all nodes, and when it was reached.
    global_fin: u32,
    global_fin_at: Option<Instant>,
    /// Whether the chaos phase runs (stalls are measured then).
    chaos: bool,
    /// The longest time the finalized height stood still during the chaos phase.
    max_stall: Duration,
    violations: Vec<String>,
}

impl Shared {
    fn violation(&mut self, v: String) {
        println!("VIOLATION: {v}");
        if self.violations.len() < 100 {
            self.violations.push(v);
        }
    }

    /// Node `i` says block `n` has hash `h` and is finalized (or below its finalized block).
    fn record(&mut self, i: usize, n: u32, h: Hash) {
        match self.finalized.get(&n) {
            Some(prev) if *prev != h => {
                let v = format!(
                    "{}: block #{n} is {h:?}, but #{n} was finalized as {prev:?}",
                    node_name(i)
                );
                self.violation(v);
            }
            Some(_) => {}
            None => {
                self.finalized.insert(n, h);
            }
        }
    }

    /// Node `i` reports finalized head #`n` = `head`; returns the first height of its chain
    /// still to check.
    fn finalized_head(&mut self, i: usize, n: u32, head: Hash) -> u32 {
        if n < self.fin[i] {
            let v = format!(
                "{}: finalized height went back from #{} to #{n}",
                node_name(i),
                self.fin[i]
            );
            self.violation(v);
        }
        self.fin[i] = self.fin[i].max(n);
        self.fin_now[i] = Some(self.fin_now[i].unwrap_or(0).max(n));
        self.record(i, n, head);
        self.note_finalized(n);
        self.checked[i] + 1
    }

    fn note_finalized(&mut self, n: u32) {
        let now = Instant::now();
        if let Some(at) = self.global_fin_at {
            if self.chaos {
                self.max_stall = self.max_stall.max(now - at);
            }
        }
        if n > self.global_fin || self.global_fin_at.is_none() {
            self.global_fin = self.global_fin.max(n);
            self.global_fin_at = Some(now);
        }
    }
}

fn node_name(i: usize) -> &'static str {
    if i < VALIDATORS.len() {
        VALIDATORS[i]
    } else {
        "full"
    }
}

type State = Arc<Mutex<Shared>>;

fn lock(s: &State) -> std::sync::MutexGuard<'_, Shared> {
    s.lock().unwrap_or_else(|e| e.into_inner())
}

/// One task's connections to the nodes, reopened after a node went away.
struct Conns {
    urls: Vec<String>,
    conns: Vec<Option<Arc<RpcClient>>>,
}

impl Conns {
    fn new(urls: &[String]) -> Self {
        Self {
            urls: urls.to_vec(),
            conns: urls.iter().map(|_| None).collect(),
        }
    }

    async fn get(&mut self, i: usize) -> Option<Arc<RpcClient>> {
        if self.conns[i].is_none() {
            if let Ok(Ok(c)) =
                tokio::time::timeout(Duration::from_secs(5), RpcClient::connect(&self.urls[i]))
                    .await
            {
                self.conns[i] = Some(Arc::new(c));
            }
        }
        self.conns[i].clone()
    }

    fn reset(&mut self, i: usize) {
        self.conns[i] = None;
    }
}

/// Polls every live node's finalized head and checks its canonical chain below it against the
/// map of finalized blocks.
async fn monitor(urls: Vec<String>, st: State, stop: Arc<AtomicBool>) {
    let mut conns = Conns::new(&urls);
    while !stop.load(Ordering::Relaxed) {
        for i in 0..urls.len() {
            if !lock(&st).up[i] {
                conns.reset(i);
                continue;
            }
            let Some(c) = conns.get(i).await else {
                continue;
            };
            match tokio::time::timeout(Duration::from_secs(10), poll_node(&c, i, &st)).await {
                Ok(Ok(())) => {}
                // A node killed mid-request, or not answering yet after a restart.
                Ok(Err(_)) | Err(_) => conns.reset(i),
            }
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

async fn poll_node(c: &RpcClient, i: usize, st: &State) -> Result<(), ClientError> {
    let head = c.finalized_head().await?;
    let header = c
        .header(Some(head))
        .await?
        .ok_or_else(|| ClientError::NotFound(format!("header of finalized head {head:?}")))?;
    let n = header.number;
    let from = lock(st).finalized_head(i, n, head);
    // The canonical chain below the finalized head is the finalized chain: a bounded batch of
    // heights per poll, so that a restarted node is re-checked from genesis within a few polls.
    let to = n.min(from.saturating_add(200));
    for h in from..to {
        match c.block_hash(Some(h)).await? {
            Some(hash) => lock(st).record(i, h, hash),
            None => {
                let v = format!("{}: no block #{h} below its finalized #{n}", node_name(i));
                lock(st).violation(v);
            }
        }
    }
    let mut s = lock(st);
    s.checked[i] = s.checked[i].max(to.saturating_sub(1));
    if to == n {
        s.checked[i] = s.checked[i].max(n);
    }
    Ok(())
}

/// Sends signed transactions from one account with its own nonce counter: up to `window` ahead
/// of the nonce on chain, each to a random live node among `targets`; a send to a node that just
/// died goes to another one, and when the chain nonce stops moving (a transaction was lost with
/// a killed node) it sends again from the chain nonce. The call for a nonce is always the same,
/// so a repeated send is the same transaction.
struct Sender {
    pair: keys::Pair,
    who: AccountId,
    targets: Vec<usize>,
    window: u32,
    interval: Duration,
    make_call: Box<dyn Fn(u32) -> RuntimeCall + Send + Sync>,
    /// Send a new transaction only while this is below the limit (the jobs not ended yet, so
    /// that the one CPU miner is not handed more than it can accept in time).
    gate: Option<(Arc<AtomicU32>, u32)>,
    sent: u64,
    resends: u64,
    rejected: u64,
}

impl Sender {
    async fn run(mut self, urls: Vec<String>, st: State, stop: Arc<AtomicBool>, seed: u64) -> Self {
        let mut rng = Rng(seed);
        let mut conns = Conns::new(&urls);
        let mut next = 0u32;
        let mut seen = 0u32;
        let mut progress_at = Instant::now();
        while !stop.load(Ordering::Relaxed) {
            tokio::time::sleep(self.interval).await;
            // The nonce on chain, at the full node's best block.
            let Some(full) = conns.get(FULL).await else {
                continue;
            };
            let onchain = match state::account_info(&full, &self.who, None).await {
                Ok(info) => info.nonce,
                Err(_) => {
                    conns.reset(FULL);
                    continue;
                }
            };
            if onchain > seen {
                seen = onchain;
                progress_at = Instant::now();
            }
            next = next.max(onchain);
            if next > onchain && progress_at.elapsed() > Duration::from_secs(12) {
                next = onchain;
                progress_at = Instant::now();
                self.resends += 1;
            }
            if next - onchain >= self.window {
                continue;
            }
            if let Some((open, limit)) = &self.gate {
                if open.load(Ordering::Relaxed) >= *limit {
                    continue;
                }
            }
            for _ in 0..5 {
                let live: Vec<usize> = {
                    let s = lock(&st);
                    self.targets.iter().copied().filter(|&i| s.up[i]).collect()
                };
                if live.is_empty() {
                    break;
                }
                let i = live[rng.range(0, live.len() as u64 - 1) as usize];
                let Some(c) = conns.get(i).await else {
                    continue;
                };
                match self.send(&c, next).await {
                    Ok(()) => {
                        if next == onchain {
                            // Nothing was in flight: the wait for inclusion starts now.
                            progress_at = Instant::now();
                        }
                        next += 1;
                        self.sent += 1;
                        break;
                    }
                    // Already in that pool, or a transaction with this nonce is there.
                    Err(ClientError::Rpc { code, .. }) if code == 1013 || code == 1014 => {
                        next += 1;
                        break;
                    }
                    Err(ClientError::Unreachable { .. }) => conns.reset(i),
                    // Outdated on that node (its chain is ahead of the full node's), or the
                    // like: the next round starts from the chain's nonce again.
                    Err(_) => {
                        self.rejected += 1;
                        break;
                    }
                }
            }
        }
        self
    }

    async fn send(&self, c: &RpcClient, nonce: u32) -> Result<(), ClientError> {
        let opts = TxOptions {
            tip: 0,
            mortality: 0,
            nonce: Some(nonce),
        };
        let unsigned = tx::prepare(c, &self.who, (self.make_call)(nonce), &opts).await?;
        let signed = unsigned.sign(&self.pair)?;
        c.submit_extrinsic(&signed.encoded).await.map(|_| ())
    }
}

fn account(uri: &str) -> (keys::Pair, AccountId) {
    let pair = keys::pair_from_uri(uri).expect("dev key");
    let who = keys::account_id(&pair);
    (pair, who)
}

/// The job client's jobs, all pages, at the best block.
async fn client_jobs(c: &RpcClient, owner: &AccountId) -> Result<Vec<jobs::Job>, ClientError> {
    let mut out = Vec::new();
    let mut from = 0;
    loop {
        let page = jobs::jobs_by_owner(c, owner, from, jobs::MAX_PAGE).await?;
        let done = page.len() < jobs::MAX_PAGE as usize;
        if let Some(last) = page.last() {
            from = last.id + 1;
        }
        out.extend(page);
        if done {
            return Ok(out);
        }
    }
}

/// Every `System::Account` entry at `at`: (account, free, reserved).
async fn all_accounts(
    c: &RpcClient,
    at: Hash,
) -> Result<Vec<(AccountId, Balance, Balance)>, ClientError> {
    let prefix = state::account_key(&AccountId::new([0; 32]))[..32].to_vec();
    let mut keys: Vec<Vec<u8>> = Vec::new();
    loop {
        let page = c
            .storage_keys_paged(&prefix, 1000, keys.last().map(Vec::as_slice), Some(at))
            .await?;
        let done = page.len() < 1000;
        keys.extend(page);
        if done {
            break;
        }
    }
    let mut out = Vec::new();
    for key in keys {
        let who = AccountId::new(key[key.len() - 32..].try_into().expect("32 bytes"));
        let info: state::AccountInfo = state::fetch(c, &key, Some(at), "System.Account")
            .await?
            .unwrap_or_default();
        out.push((who, info.data.free, info.data.reserved));
    }
    Ok(out)
}

/// The transaction fees and protocol fees paid in blocks `from + 1 ..= to` of the canonical
/// chain. Both are burned (the runtime's `OnChargeTransaction` drops transaction fees; the jobs
/// pallet burns each payment's protocol fee), so they leave the issuance.
async fn fees_paid(c: &RpcClient, from: u32, to: u32) -> Result<Balance, ClientError> {
    let mut fees = 0;
    for n in from + 1..=to {
        let hash = c
            .block_hash(Some(n))
            .await?
            .ok_or_else(|| ClientError::NotFound(format!("block #{n}")))?;
        for record in state::events(c, hash).await? {
            if let RuntimeEvent::TransactionPayment(
                pallet_transaction_payment::Event::TransactionFeePaid { actual_fee, .. },
            ) = record.event
            {
                fees += actual_fee;
            }
            if let RuntimeEvent::Jobs(pallet_aitbc_jobs::Event::ProtocolFeeBurned {
                amount, ..
            }) = record.event
            {
                fees += amount;
            }
        }
    }
    Ok(fees)
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

fn ait(b: Balance) -> String {
    format!("{}.{:012}", b / AIT, b % AIT)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn validators_killed_at_random_lose_no_finalized_block_job_or_money() {
    let model = common::model_path();
    let chaos_secs = env_u64("AITBC_CHAOS_SECONDS").unwrap_or(90);
    let seed = env_u64("AITBC_CHAOS_SEED").unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1)
    });
    println!("chaos seed: {seed} (replay with AITBC_CHAOS_SEED={seed}); {chaos_secs} s of chaos");
    let mut rng = Rng(seed);
    let t_start = Instant::now();
    let stamp = move || format!("[{:7.1}s]", t_start.elapsed().as_secs_f64());

    let dir = tempfile::tempdir().expect("tmp");
    let mut nodes = network(dir.path());
    let urls: Vec<String> = nodes.iter().map(Node::url).collect();
    let st: State = Arc::new(Mutex::new(Shared::default()));
    for (i, n) in nodes.iter_mut().enumerate() {
        n.start();
        lock(&st).up[i] = true;
    }

    // The network finalizes.
    let full = {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Ok(c) = RpcClient::connect(&urls[FULL]).await {
                if let Ok(h) = c.finalized_head().await {
                    if let Ok(Some(hd)) = c.header(Some(h)).await {
                        if hd.number >= 2 {
                            break Arc::new(c);
                        }
                    }
                }
            }
            assert!(
                Instant::now() < deadline,
                "the network did not finalize block #2 in 120 s\n{}",
                nodes
                    .iter()
                    .map(|n| format!("--- {} ---\n{}", n.name, n.log_tail(30)))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    };
    println!(
        "{} network up: 4 validators and a full node finalize",
        stamp()
    );

    // The miner, on the full node.
    let worker = Proc::spawn(
        Path::new(env!("CARGO_BIN_EXE_aitbc-worker")),
        &[
            "--url",
            &urls[FULL],
            "--uri",
            MINER,
            "--backend",
            "embedded",
            "--model-path",
            model.to_str().expect("utf8"),
            "--max-tokens",
            "24",
        ],
        dir.path().join("worker.log"),
    );
    tokio::task::block_in_place(|| {
        worker.wait_for_log("waiting for jobs", Duration::from_secs(180))
    });
    println!("{} miner {MINER} registered, waiting for jobs", stamp());

    // Where the loads start from.
    let start_hash = full.finalized_head().await.expect("finalized head");
    let issuance_start = state::total_issuance(&full, Some(start_hash))
        .await
        .expect("issuance");
    let start_number = full
        .header(Some(start_hash))
        .await
        .expect("header")
        .expect("start header")
        .number;
    let (_, miner_account) = account(MINER);
    let slashed_start = jobs::miner(&full, &miner_account)
        .await
        .expect("miner")
        .map(|m| m.miner.slashed)
        .unwrap_or(0);
    let mut nonce_start = Vec::new();
    for uri in TRANSFER_SIGNERS {
        let (_, who) = account(uri);
        let info = state::account_info(&full, &who, Some(start_hash))
            .await
            .expect("account");
        nonce_start.push((who, info.nonce));
    }
    let (_, job_client) = account(JOB_CLIENT);
    let job_nonce_start = state::account_info(&full, &job_client, Some(start_hash))
        .await
        .expect("account")
        .nonce;

    // The monitor and the loads.
    let stop_monitor = Arc::new(AtomicBool::new(false));
    let stop_load = Arc::new(AtomicBool::new(false));
    let monitor_task = tokio::spawn(monitor(urls.clone(), st.clone(), stop_monitor.clone()));
    let dests: Vec<AccountId> = ["//Dave", "//Eve", "//Ferdie"]
        .into_iter()
        .map(String::from)
        .chain((0..6).map(|k| format!("//Chaos{k}")))
        .map(|uri| account(&uri).1)
        .collect();
    let mut load_tasks = Vec::new();
    for (k, uri) in TRANSFER_SIGNERS.iter().enumerate() {
        let (pair, who) = account(uri);
        let dests = dests.clone();
        let sender = Sender {
            pair,
            who,
            targets: (0..nodes.len()).collect(),
            window: 4,
            interval: Duration::from_millis(800),
            make_call: Box::new(move |nonce| {
                RuntimeCall::Balances(BalancesCall::transfer_keep_alive {
                    dest: Address::Id(dests[(nonce as usize + k) % dests.len()].clone()),
                    value: AIT + Balance::from(nonce),
                })
            }),
            gate: None,
            sent: 0,
            resends: 0,
            rejected: 0,
        };
        load_tasks.push(tokio::spawn(sender.run(
            urls.clone(),
            st.clone(),
            stop_load.clone(),
            seed ^ (k as u64 + 1),
        )));
    }
    // The jobs not ended yet, for the job load's gate.
    let open_jobs = Arc::new(AtomicU32::new(0));
    let open_task = {
        let (open, stop, full) = (open_jobs.clone(), stop_load.clone(), full.clone());
        let owner = job_client.clone();
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                if let Ok(jobs) = client_jobs(&full, &owner).await {
                    let n = jobs.iter().filter(|j| !j.status.is_terminal()).count();
                    open.store(n as u32, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        })
    };
    let (pair, who) = account(JOB_CLIENT);
    let jobs_sender = Sender {
        pair,
        who,
        targets: vec![FULL],
        window: 1,
        interval: Duration::from_secs(3),
        gate: Some((open_jobs.clone(), MAX_OPEN_JOBS)),
        make_call: Box::new(|nonce| {
            let prompt = format!("Name a colour. (chaos job {nonce})");
            jobs::submit_job(
                jobs::JobType::Inference,
                "smollm2",
                jobs::prompt_input(&prompt).expect("prompt"),
                JOB_BUDGET,
                JOB_TTL_BLOCKS,
                jobs::Requirements::default(),
            )
            .expect("job call")
        }),
        sent: 0,
        resends: 0,
        rejected: 0,
    };
    let jobs_task =
        tokio::spawn(jobs_sender.run(urls.clone(), st.clone(), stop_load.clone(), seed ^ 0x10b5));

    // Chaos.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let fin_chaos_start = {
        let mut s = lock(&st);
        s.chaos = true;
        s.global_fin_at = Some(Instant::now());
        s.global_fin
    };
    println!("{} chaos starts at finalized #{fin_chaos_start}", stamp());
    let chaos_end = Instant::now() + Duration::from_secs(chaos_secs);
    let (mut kills, mut restarts) = (0u32, 0u32);
    let mut resume_times: Vec<Duration> = Vec::new();
    while Instant::now() < chaos_end && lock(&st).violations.is_empty() {
        let v = rng.range(0, VALIDATORS.len() as u64 - 1) as usize;
        let down = Duration::from_millis(rng.range(3_000, 10_000));
        let up = Duration::from_millis(rng.range(10_000, 20_000));
        {
            let mut s = lock(&st);
            s.up[v] = false;
            s.fin_now[v] = None;
            s.checked[v] = 0;
        }
        nodes[v].kill();
        kills += 1;
        println!(
            "{} SIGKILL {} (finalized #{}), down {:.1} s",
            stamp(),
            nodes[v].name,
            lock(&st).global_fin,
            down.as_secs_f64()
        );
        tokio::time::sleep(down).await;
        let fin_at_restart = lock(&st).global_fin;
        nodes[v].start();
        lock(&st).up[v] = true;
        restarts += 1;
        let restarted = Instant::now();
        // (a) The restarted node catches up with the finalized head and finality goes on.
        loop {
            let (node_fin, global) = {
                let s = lock(&st);
                (s.fin_now[v], s.global_fin)
            };
            if node_fin.is_some_and(|f| f >= fin_at_restart) && global > fin_at_restart {
                let took = restarted.elapsed();
                resume_times.push(took);
                println!(
                    "{} {} restarted at finalized #{fin_at_restart}: back at #{}, network at #{global}, after {:.1} s",
                    stamp(),
                    nodes[v].name,
                    node_fin.unwrap_or(0),
                    took.as_secs_f64()
                );
                break;
            }
            if restarted.elapsed() > RESUME_LIMIT {
                let v_msg = format!(
                    "finality did not resume within {RESUME_LIMIT:?} of restarting {} at finalized #{fin_at_restart}: {} reports {node_fin:?}, the network #{global}",
                    nodes[v].name, nodes[v].name
                );
                lock(&st).violation(v_msg);
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        if let Some(rest) = up.checked_sub(restarted.elapsed()) {
            tokio::time::sleep(rest).await;
        }
    }
    let fin_chaos_end = {
        let mut s = lock(&st);
        let stall_now = s.global_fin_at.map(|t| t.elapsed()).unwrap_or_default();
        s.max_stall = s.max_stall.max(stall_now);
        s.chaos = false;
        s.global_fin
    };
    println!("{} chaos ends at finalized #{fin_chaos_end}", stamp());

    // The loads stop; every job ends.
    stop_load.store(true, Ordering::Relaxed);
    let mut transfer_senders = Vec::new();
    for t in load_tasks {
        transfer_senders.push(t.await.expect("transfer task"));
    }
    let jobs_sender = jobs_task.await.expect("job task");
    open_task.await.expect("open jobs task");
    let job_deadline = Instant::now() + Duration::from_secs(2 * u64::from(JOB_TTL_BLOCKS) + 120);
    let jobs = loop {
        let jobs = client_jobs(&full, &job_client).await.expect("jobs");
        let nonce = state::account_info(&full, &job_client, None)
            .await
            .expect("account")
            .nonce;
        let open: Vec<u64> = jobs
            .iter()
            .filter(|j| !j.status.is_terminal())
            .map(|j| j.id)
            .collect();
        if open.is_empty() && jobs.len() as u64 == u64::from(nonce - job_nonce_start) {
            break jobs;
        }
        if Instant::now() > job_deadline {
            lock(&st).violation(format!(
                "jobs not ended within {} s after the chaos: {open:?} of {} (client nonce {nonce})\nworker log:\n{}",
                2 * JOB_TTL_BLOCKS + 120,
                jobs.len(),
                tail_lines(&worker.log(), 40)
            ));
            break jobs;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    };
    println!("{} all {} jobs ended", stamp(), jobs.len());

    // Every node (the restarted ones too) finalizes the block where the last job ended.
    let best = full.best_header().await.expect("best").number;
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let lagging: Vec<(usize, Option<u32>)> = {
            let s = lock(&st);
            (0..nodes.len())
                .filter(|&i| s.fin_now[i].is_none_or(|f| f < best))
                .map(|i| (i, s.fin_now[i]))
                .collect()
        };
        if lagging.is_empty() {
            break;
        }
        if Instant::now() > deadline {
            lock(&st).violation(format!(
                "nodes did not finalize #{best} within 90 s after the chaos: {:?}",
                lagging
                    .iter()
                    .map(|(i, f)| format!("{} at {f:?}", node_name(*i)))
                    .collect::<Vec<_>>()
            ));
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let end_hash = full.finalized_head().await.expect("finalized head");
    let end_number = full
        .header(Some(end_hash))
        .await
        .expect("header")
        .expect("finalized header")
        .number;

    // (c) At the final block: jobs ended, escrows empty.
    let (mut paid, mut failed, mut expired, mut cancelled) = (0u32, 0u32, 0u32, 0u32);
    for j in &jobs {
        match j.status {
            jobs::Status::Completed => paid += 1,
            jobs::Status::Failed => failed += 1,
            jobs::Status::Expired => expired += 1,
            jobs::Status::Cancelled => cancelled += 1,
            other => {
                lock(&st).violation(format!("job #{} is still {other:?}", j.id));
            }
        }
        if j.status != jobs::Status::Completed {
            println!(
                "job #{} ended {:?} (miner {:?}, expires at #{}): {:?}",
                j.id,
                j.status,
                j.miner.as_ref().map(keys::to_ss58),
                j.expires_at,
                j.timeline
            );
        }
        if j.escrowed != 0 {
            lock(&st).violation(format!(
                "job #{} ended {:?} with {} still in escrow",
                j.id,
                j.status,
                ait(j.escrowed)
            ));
        }
    }

    let miner = jobs::miner(&full, &miner_account)
        .await
        .expect("miner")
        .expect("the miner is registered");

    // (d) Money: TotalIssuance = the sum of free + reserved; no job escrow left on hold.
    let accounts = all_accounts(&full, end_hash).await.expect("accounts");
    let issuance = state::total_issuance(&full, Some(end_hash))
        .await
        .expect("issuance");
    let total: Balance = accounts.iter().map(|(_, f, r)| f + r).sum();
    if total != issuance {
        lock(&st).violation(format!(
            "at #{end_number}: TotalIssuance {} but the {} accounts hold {} (free + reserved)",
            ait(issuance),
            accounts.len(),
            ait(total)
        ));
    }
    // Nothing is minted here (no receipt reward is claimed): the issuance falls by exactly the
    // fees paid and the stake slashed since the start.
    let fees = fees_paid(&full, start_number, end_number)
        .await
        .expect("fees");
    let slashed = miner.miner.slashed - slashed_start;
    if issuance_start.checked_sub(issuance) != Some(fees + slashed) {
        lock(&st).violation(format!(
            "TotalIssuance went from {} to {} AIT over #{start_number}..#{end_number}, but the fees paid were {} and the stake slashed {} AIT",
            ait(issuance_start),
            ait(issuance),
            ait(fees),
            ait(slashed)
        ));
    }
    for (who, _, _) in &accounts {
        for (reason, amount) in state::holds(&full, who, Some(end_hash))
            .await
            .expect("holds")
        {
            if reason.contains("JobEscrow") && amount != 0 {
                lock(&st).violation(format!(
                    "{} still holds {} as {reason} after every job ended",
                    keys::to_ss58(who),
                    ait(amount)
                ));
            }
        }
    }
    let mut transfers = 0u64;
    for (who, n0) in &nonce_start {
        let n = state::account_info(&full, who, Some(end_hash))
            .await
            .expect("account")
            .nonce;
        transfers += u64::from(n - n0);
    }

    // (b) Last pass: every node's finalized chain against the map, from genesis.
    stop_monitor.store(true, Ordering::Relaxed);
    monitor_task.await.expect("monitor");
    for (i, url) in urls.iter().enumerate() {
        let c = RpcClient::connect(url).await.expect("connect");
        let fin = c
            .header(Some(c.finalized_head().await.expect("head")))
            .await
            .expect("header")
            .expect("finalized header")
            .number;
        {
            let mut s = lock(&st);
            if fin < s.fin[i] {
                let v = format!(
                    "{}: finalized went back to #{fin} from #{}",
                    node_name(i),
                    s.fin[i]
                );
                s.violation(v);
            }
        }
        for h in 0..=fin {
            let hash = c.block_hash(Some(h)).await.expect("hash");
            let mut s = lock(&st);
            match hash {
                Some(hash) => s.record(i, h, hash),
                None => s.violation(format!(
                    "{}: no block #{h} (finalized #{fin})",
                    node_name(i)
                )),
            }
        }
    }
    let (max_stall, recorded, violations) = {
        let mut s = lock(&st);
        let missing: Vec<u32> = (0..=s.global_fin)
            .filter(|h| !s.finalized.contains_key(h))
            .collect();
        if !missing.is_empty() {
            let v = format!("finalized heights never checked: {missing:?}");
            s.violation(v);
        }
        if s.max_stall > RESUME_LIMIT {
            let v = format!(
                "the finalized height stood still for {:.1} s during the chaos (limit {RESUME_LIMIT:?})",
                s.max_stall.as_secs_f64()
            );
            s.violation(v);
        }
        (s.max_stall, s.finalized.len(), s.violations.clone())
    };

    let max_resume = resume_times.iter().max().copied().unwrap_or_default();
    let mean_resume = if resume_times.is_empty() {
        0.0
    } else {
        resume_times.iter().map(Duration::as_secs_f64).sum::<f64>() / resume_times.len() as f64
    };
    let sent: u64 = transfer_senders.iter().map(|s| s.sent).sum();
    let rejected: u64 = transfer_senders.iter().map(|s| s.rejected).sum();
    let resends: u64 = transfer_senders.iter().map(|s| s.resends).sum();
    println!("== chaos summary");
    println!("seed                          {seed}");
    println!("chaos                         {chaos_secs} s");
    println!("validators killed / restarted {kills} / {restarts} (SIGKILL, one at a time)");
    println!("finalized height reached      #{end_number} ({recorded} finalized blocks checked on every node)");
    println!(
        "finalized during the chaos    {} blocks (#{fin_chaos_start} -> #{fin_chaos_end})",
        fin_chaos_end.saturating_sub(fin_chaos_start)
    );
    println!(
        "finality resume after restart max {:.1} s, mean {mean_resume:.1} s (limit {} s)",
        max_resume.as_secs_f64(),
        RESUME_LIMIT.as_secs()
    );
    println!(
        "longest finality stall        {:.1} s",
        max_stall.as_secs_f64()
    );
    println!("transfers included            {transfers} (sent {sent}, refused {rejected}, resent after a loss {resends} times)");
    println!(
        "job submissions               {} sent, {} resent after a loss",
        jobs_sender.sent, jobs_sender.resends
    );
    println!(
        "jobs                          {} submitted: {paid} paid, {} refunded ({failed} failed, {expired} expired, {cancelled} cancelled)",
        jobs.len(),
        failed + expired + cancelled
    );
    println!(
        "money                         TotalIssuance {} AIT = sum of {} accounts' free + reserved: {}; issuance change {} AIT = fees {} + slashed {} AIT: {}",
        ait(issuance),
        accounts.len(),
        if total == issuance { "yes" } else { "NO" },
        if issuance <= issuance_start {
            format!("-{}", ait(issuance_start - issuance))
        } else {
            format!("+{}", ait(issuance - issuance_start))
        },
        ait(fees),
        ait(slashed),
        if issuance_start.checked_sub(issuance) == Some(fees + slashed) {
            "yes"
        } else {
            "NO"
        }
    );
    println!(
        "miner                         delivered {}, failed {}, late {}; stake slashed {} AIT",
        miner.miner.reputation.delivered,
        miner.miner.reputation.failed,
        miner.miner.reputation.late,
        ait(miner.miner.slashed)
    );
    println!("violations                    {}", violations.len());
    println!("==");

    if !violations.is_empty() {
        let kept = dir.keep();
        let mut logs = String::new();
        for n in &nodes {
            logs.push_str(&format!("--- {} ---\n{}\n", n.name, n.log_tail(30)));
        }
        panic!(
            "{} violation(s):\n{}\nlogs kept in {}\n{logs}--- worker ---\n{}",
            violations.len(),
            violations.join("\n"),
            kept.display(),
            tail_lines(&worker.log(), 30)
        );
    }
    drop(worker);
    drop(nodes);
    if std::env::var_os("AITBC_CHAOS_KEEP").is_some() {
        println!("logs and databases kept in {}", dir.keep().display());
    }
}

/// The checks themselves catch what they are meant to catch.
#[test]
fn a_changed_or_reverted_finalized_block_is_a_violation() {
    let h = |b: u8| Hash::repeat_byte(b);
    let mut s = Shared::default();
    assert_eq!(s.finalized_head(0, 5, h(5)), 1);
    s.record(0, 4, h(4));
    s.finalized_head(1, 5, h(5));
    s.record(1, 4, h(4));
    assert!(s.violations.is_empty(), "{:?}", s.violations);
    // Another node with another block at a finalized height.
    s.record(2, 4, h(0x44));
    assert_eq!(s.violations.len(), 1, "{:?}", s.violations);
    assert!(
        s.violations[0].contains("charlie: block #4"),
        "{:?}",
        s.violations
    );
    // A node back after a restart with a lower finalized head.
    s.finalized_head(0, 3, h(3));
    assert_eq!(s.violations.len(), 2, "{:?}", s.violations);
    assert!(
        s.violations[1].contains("alice: finalized height went back from #5 to #3"),
        "{:?}",
        s.violations
    );
    assert_eq!(s.global_fin, 5);
}
