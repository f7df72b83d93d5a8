//! Block sync; the dispatcher of everything peers send is [`router`].
//!
//! Every peer is asked for its [`Status`] when it connects and every few seconds after. When a
//! peer's best block is higher than ours, we download canonical blocks from it in batches of up to
//! [`MAX_BLOCKS_PER_RESPONSE`], starting above our best block (or above our finalized block when
//! we sit on a fork the peer does not know), and import them: every block is verified and
//! re-executed, and every justification checked before its block is finalized.
//!
//! A peer's status is only a claim. A claimed best block that the slot clock rules out (each block
//! takes a slot of its own, so no chain can be longer than ours plus the slots since our best
//! block) gets the peer banned at once. A peer that does not deliver the blocks it claims (an
//! empty, failed or old answer: no progress in a batch) gets a strike and its claim is forgotten;
//! [`MAX_STRIKES`] strikes get it banned. The node counts as major-syncing only while a sync that
//! makes progress is under way, so a lying peer cannot stop a validator from authoring.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicBool, AtomicU32, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use libp2p::PeerId;
use tokio::sync::Notify;

mod router;

use router::Serving;

use crate::{
    chain::ChainReader,
    client::ClientError,
    grandpa::Grandpa,
    import::{BlockImporter, ImportOutcome},
    network::{
        protocol::{BlockData, Status, SyncRequest, SyncResponse, MAX_BLOCKS_PER_RESPONSE},
        IncomingQueues, NetworkHandle,
    },
    pool::TxPool,
    types::BlockNumber,
};

/// How often peers are asked for their status.
const STATUS_EVERY: Duration = Duration::from_secs(2);
/// Gossiped transactions validated at once.
const TRANSACTION_CHECKS: usize = 2;
/// Bytes of blocks served to one peer per [`SERVE_WINDOW`]: enough for a syncing peer (over
/// 6 MB/s), not enough for a few small requests to make the node send without limit.
const SERVE_BYTES_PER_WINDOW: usize = 64 * 1024 * 1024;
/// The window of [`SERVE_BYTES_PER_WINDOW`].
const SERVE_WINDOW: Duration = Duration::from_secs(10);
/// Requests of one peer answered at once.
const MAX_REQUESTS_IN_FLIGHT: u32 = 4;

/// Peers whose strikes are remembered at once.
const MAX_TRACKED_PEERS: usize = 1024;
/// Failed deliveries after which a peer is banned.
pub const MAX_STRIKES: u32 = 3;
/// How long a misbehaving peer stays banned.
pub const BAN_DURATION: Duration = Duration::from_secs(300);
/// Behind the best peer by more than this many blocks counts as syncing (no authoring).
const MAJOR_SYNC_GAP: BlockNumber = 2;

/// Whether the node is catching up with its peers: the block author skips its slots while it
/// is. The author sees sync through this and nothing else.
pub trait SyncOracle: Send + Sync {
    /// Whether a sync that makes progress is under way.
    fn is_major_syncing(&self) -> bool;
}

impl SyncOracle for SyncState {
    fn is_major_syncing(&self) -> bool {
        self.syncing.load(Ordering::Relaxed)
    }
}

/// Sync state shared with RPC and the block author.
#[derive(Default)]
pub struct SyncState {
    syncing: AtomicBool,
    highest: AtomicU32,
    starting: AtomicU32,
}

impl SyncState {
    /// The highest block a peer reported (0 before any did).
    pub fn highest_block(&self) -> BlockNumber {
        self.highest.load(Ordering::Relaxed)
    }

    /// Our best block when the current sync began.
    pub fn starting_block(&self) -> BlockNumber {
        self.starting.load(Ordering::Relaxed)
    }
}

/// Sync and message dispatch.
pub struct SyncService {
    /// What sync reads and serves; it writes through `importer` only.
    chain: Arc<dyn ChainReader>,
    importer: Arc<BlockImporter>,
    pool: Arc<TxPool>,
    net: NetworkHandle,
    grandpa: Arc<Grandpa>,
    is_authority: bool,
    pub state: Arc<SyncState>,
    wake: Notify,
    /// Failed deliveries per peer.
    strikes: parking_lot::Mutex<HashMap<PeerId, u32>>,
    /// What we serve each peer.
    serving: parking_lot::Mutex<Serving>,
}

impl SyncService {
    pub fn new(
        importer: Arc<BlockImporter>,
        pool: Arc<TxPool>,
        net: NetworkHandle,
        grandpa: Arc<Grandpa>,
        is_authority: bool,
    ) -> Arc<Self> {
        Arc::new(Self {
            chain: importer.client().clone(),
            importer,
            pool,
            net,
            grandpa,
            is_authority,
            state: Arc::new(SyncState::default()),
            wake: Notify::new(),
            strikes: Default::default(),
            serving: Default::default(),
        })
    }

    /// Our chain status.
    pub fn status(&self) -> Status {
        let i = self.chain.info();
        Status {
            genesis: i.genesis_hash,
            best_number: i.best_number,
            best_hash: i.best_hash,
            finalized_number: i.finalized_number,
            finalized_hash: i.finalized_hash,
            is_authority: self.is_authority,
        }
    }

    /// Start dispatching what peers send, and syncing.
    pub fn start(
        self: &Arc<Self>,
        incoming: IncomingQueues,
        tasks: &crate::tasks::EssentialSpawner,
    ) {
        tasks.spawn("sync-dispatch", self.clone().dispatch(incoming.consensus));
        tasks.spawn(
            "sync-transactions",
            self.clone().dispatch_transactions(incoming.transactions),
        );
        tasks.spawn("sync", self.clone().sync_loop());
    }

    async fn refresh_status(&self, peer: PeerId) {
        match self.net.request(peer, SyncRequest::Status).await {
            Ok(SyncResponse::Status(status)) => {
                if status.genesis != self.chain.info().genesis_hash {
                    tracing::warn!(target: "sync", "{peer} is on another chain (genesis {:?})", status.genesis);
                    return;
                }
                if let Err(lie) = self.check_claim(&status) {
                    self.net.ban(peer, BAN_DURATION, &lie);
                    return;
                }
                self.net.set_peer_status(&peer, status);
            }
            Ok(other) => {
                tracing::debug!(target: "sync", "{peer} answered a status request with {other:?}")
            }
            Err(e) => tracing::debug!(target: "sync", "status of {peer}: {e}"),
        }
    }

    /// Whether a peer's status could be true: its finalized block is not above its best, and its
    /// best block is not higher than the slot clock allows.
    fn check_claim(&self, status: &Status) -> Result<(), String> {
        if status.finalized_number > status.best_number {
            return Err(format!(
                "it claims finalized #{} above its best #{}",
                status.finalized_number, status.best_number
            ));
        }
        let limit = self.highest_possible_block()?;
        if status.best_number > limit {
            return Err(format!(
                "it claims best block #{}, but the slot clock allows at most #{limit}",
                status.best_number
            ));
        }
        Ok(())
    }

    /// The highest block number any chain can have reached by now: our best block plus one block
    /// per slot since (with one slot of clock drift).
    fn highest_possible_block(&self) -> Result<BlockNumber, String> {
        let info = self.chain.info();
        let header = self
            .chain
            .header(&info.best_hash)
            .map_err(|e| format!("cannot read our best header: {e}"))?
            .ok_or("our best header is missing")?;
        let slot_ms = self
            .importer
            .slot_duration_ms()
            .map_err(|e| format!("cannot read the slot duration: {e}"))?;
        let best_slot = crate::authoring::header_slot(&header).map_or(0, u64::from);
        let now_slot = crate::authoring::now_ms() / slot_ms;
        let slots = now_slot.saturating_sub(best_slot).saturating_add(1);
        let slots = BlockNumber::try_from(slots).unwrap_or(BlockNumber::MAX);
        Ok(info.best_number.saturating_add(slots))
    }

    /// `peer` did not deliver what it claimed: forget its claim, and ban it after
    /// [`MAX_STRIKES`] such failures.
    fn strike(&self, peer: PeerId, what: &str) {
        self.net.clear_peer_status(&peer);
        let strikes = {
            let mut all = self.strikes.lock();
            // Bounded: peers that struck out are removed when banned, but ones that left with a
            // strike or two would otherwise stay forever (peer ids cost an attacker nothing).
            if all.len() >= MAX_TRACKED_PEERS && !all.contains_key(&peer) {
                all.clear();
            }
            let n = all.entry(peer).or_insert(0);
            *n += 1;
            *n
        };
        tracing::debug!(target: "sync", "{peer}: {what} (strike {strikes} of {MAX_STRIKES})");
        if strikes >= MAX_STRIKES {
            self.strikes.lock().remove(&peer);
            self.net
                .ban(peer, BAN_DURATION, &format!("{what}, {MAX_STRIKES} times"));
        }
    }

    /// The connected peer with the highest best block above ours, if any.
    fn best_peer(&self) -> Option<(PeerId, Status)> {
        let ours = self.chain.info();
        self.net
            .peers()
            .into_iter()
            .filter_map(|(p, i)| i.status.map(|s| (p, s)))
            .filter(|(_, s)| s.genesis == ours.genesis_hash && s.best_number > ours.best_number)
            .max_by_key(|(_, s)| s.best_number)
    }

    async fn sync_loop(self: Arc<Self>) {
        let mut tick = tokio::time::interval(STATUS_EVERY);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    let peers: Vec<PeerId> = self.net.peers().into_iter().map(|(p, _)| p).collect();
                    futures::future::join_all(peers.into_iter().map(|p| self.refresh_status(p))).await;
                }
                _ = self.wake.notified() => {}
            }
            let highest = self.net.highest_peer_block().unwrap_or(0);
            self.state.highest.store(highest, Ordering::Relaxed);
            if let Some((peer, status)) = self.best_peer() {
                self.sync_from(peer, status).await;
            }
            // Only a sync that is making progress counts as major syncing.
            self.state.syncing.store(false, Ordering::Relaxed);
        }
    }

    /// Download and import blocks from `peer` until we reach its reported best block.
    /// Ask `peer` for the blocks from `from`; a batch that does not start at `from` (empty, or
    /// another block), a wrong answer or a failed request is a strike and `None`.
    async fn fetch_batch(
        &self,
        peer: PeerId,
        from: BlockNumber,
        claimed_best: BlockNumber,
    ) -> Option<Vec<BlockData>> {
        let request = SyncRequest::Blocks {
            from,
            max: MAX_BLOCKS_PER_RESPONSE,
        };
        let what = match self.net.request(peer, request).await {
            Ok(SyncResponse::Blocks(b))
                if b.first().is_some_and(|d| d.block.header.number == from) =>
            {
                return Some(b);
            }
            Ok(SyncResponse::Blocks(b)) => match b.first() {
                None => format!("sent no blocks from #{from} (claimed best #{claimed_best})"),
                Some(d) => format!(
                    "sent block #{} when asked for #{from}",
                    d.block.header.number
                ),
            },
            Ok(other) => format!("answered a block request with {other:?}"),
            Err(e) => format!("block request failed: {e}"),
        };
        self.strike(peer, &what);
        None
    }

    async fn sync_from(&self, peer: PeerId, status: Status) {
        let started = Instant::now();
        let start_best = self.chain.info().best_number;
        self.state.starting.store(start_best, Ordering::Relaxed);
        if status.best_number > start_best + MAJOR_SYNC_GAP {
            tracing::info!(target: "sync", "⚙️  Syncing from {peer}: #{start_best} → #{}", status.best_number);
        }
        let mut from = start_best.saturating_add(1);
        let mut retried_from_finalized = false;
        let mut last_log = Instant::now();
        while from <= status.best_number {
            let Some(blocks) = self.fetch_batch(peer, from, status.best_number).await else {
                break;
            };
            let importer = self.importer.clone();
            let result = tokio::task::spawn_blocking(move || import_batch(&importer, blocks)).await;
            match result {
                Ok(BatchResult::Done { next }) if next > from => {
                    from = next;
                    self.strikes.lock().remove(&peer);
                    // Verified progress: catching up for real.
                    if status.best_number > self.chain.info().best_number + MAJOR_SYNC_GAP {
                        self.state.syncing.store(true, Ordering::Relaxed);
                    }
                }
                Ok(BatchResult::Done { .. }) => {
                    self.strike(peer, &format!("sent no new block from #{from}"));
                    break;
                }
                Ok(BatchResult::UnknownParent) if !retried_from_finalized => {
                    // We are on a fork the peer does not have: restart from our finalized block.
                    retried_from_finalized = true;
                    from = self.chain.info().finalized_number + 1;
                }
                Ok(BatchResult::UnknownParent) => break,
                Ok(BatchResult::Failed(e)) => {
                    tracing::warn!(target: "sync", "💔 Sync from {peer} stopped: {e}");
                    self.strike(peer, &format!("served a block that does not import: {e}"));
                    break;
                }
                Err(e) => {
                    tracing::warn!(target: "sync", "sync import task failed: {e}");
                    break;
                }
            }
            if last_log.elapsed() >= Duration::from_secs(5) {
                last_log = Instant::now();
                let i = self.chain.info();
                let done = i.best_number.saturating_sub(start_best);
                tracing::info!(
                    target: "sync",
                    "⚙️  Syncing: #{} of #{}, finalized #{} ({:.1} blocks/s)",
                    i.best_number,
                    status.best_number,
                    i.finalized_number,
                    done as f64 / started.elapsed().as_secs_f64()
                );
            }
        }
        let i = self.chain.info();
        let done = i.best_number.saturating_sub(start_best);
        if done > MAJOR_SYNC_GAP {
            tracing::info!(
                target: "sync",
                "⚙️  Synced {done} blocks from {peer} in {:.1} s: best #{}, finalized #{}",
                started.elapsed().as_secs_f64(),
                i.best_number,
                i.finalized_number
            );
        }
    }
}

enum BatchResult {
    Done { next: BlockNumber },
    UnknownParent,
    Failed(ClientError),
}

fn import_batch(importer: &BlockImporter, blocks: Vec<BlockData>) -> BatchResult {
    let mut next = 0;
    for data in blocks {
        let number = data.block.header.number;
        match importer.import(data.block, data.justification) {
            Ok(ImportOutcome::Imported(_)) | Ok(ImportOutcome::AlreadyKnown) => next = number + 1,
            Ok(ImportOutcome::UnknownParent) => return BatchResult::UnknownParent,
            Err(e) => return BatchResult::Failed(e),
        }
    }
    BatchResult::Done { next }
}
