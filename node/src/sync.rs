//! Block sync, and the dispatcher of everything peers send.
//!
//! Every peer is asked for its [`Status`] when it connects and every few seconds after. When a
//! peer's best block is higher than ours, we download canonical blocks from it in batches of up to
//! [`MAX_BLOCKS_PER_RESPONSE`], starting above our best block (or above our finalized block when
//! we sit on a fork the peer does not know), and import them: every block is verified and
//! re-executed, and every justification checked before its block is finalized.

use std::{
    sync::{
        atomic::{AtomicBool, AtomicU32, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use libp2p::PeerId;
use sp_consensus_grandpa::GRANDPA_ENGINE_ID;
use sp_runtime::transaction_validity::TransactionSource;
use tokio::sync::{mpsc, Notify};

use crate::{
    authoring::short,
    client::{Client, ClientError},
    grandpa::Grandpa,
    import::{BlockImporter, ImportOutcome},
    network::{
        protocol::{
            BlockData, Status, SyncRequest, SyncResponse, MAX_BLOCKS_PER_RESPONSE,
            MAX_RESPONSE_BYTES,
        },
        Incoming, NetworkHandle,
    },
    pool::TxPool,
    types::BlockNumber,
};

/// How often peers are asked for their status.
const STATUS_EVERY: Duration = Duration::from_secs(2);
/// Behind the best peer by more than this many blocks counts as syncing (no authoring).
const MAJOR_SYNC_GAP: BlockNumber = 2;

/// Sync state shared with RPC and the block author.
#[derive(Default)]
pub struct SyncState {
    syncing: AtomicBool,
    highest: AtomicU32,
    starting: AtomicU32,
}

impl SyncState {
    /// Whether the node is catching up with its peers.
    pub fn is_major_syncing(&self) -> bool {
        self.syncing.load(Ordering::Relaxed)
    }

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
    client: Arc<Client>,
    importer: Arc<BlockImporter>,
    pool: Arc<TxPool>,
    net: NetworkHandle,
    grandpa: Option<Arc<Grandpa>>,
    is_authority: bool,
    pub state: Arc<SyncState>,
    wake: Notify,
}

impl SyncService {
    pub fn new(
        importer: Arc<BlockImporter>,
        pool: Arc<TxPool>,
        net: NetworkHandle,
        grandpa: Option<Arc<Grandpa>>,
        is_authority: bool,
    ) -> Arc<Self> {
        Arc::new(Self {
            client: importer.client().clone(),
            importer,
            pool,
            net,
            grandpa,
            is_authority,
            state: Arc::new(SyncState::default()),
            wake: Notify::new(),
        })
    }

    /// Our chain status.
    pub fn status(&self) -> Status {
        let i = self.client.info();
        Status {
            genesis: i.genesis_hash,
            best_number: i.best_number,
            best_hash: i.best_hash,
            finalized_number: i.finalized_number,
            finalized_hash: i.finalized_hash,
            is_authority: self.is_authority,
        }
    }

    /// Start dispatching `incoming` and syncing.
    pub fn start(self: &Arc<Self>, incoming: mpsc::Receiver<Incoming>) {
        tokio::spawn(self.clone().dispatch(incoming));
        tokio::spawn(self.clone().sync_loop());
    }

    async fn dispatch(self: Arc<Self>, mut incoming: mpsc::Receiver<Incoming>) {
        while let Some(event) = incoming.recv().await {
            match event {
                Incoming::Block { from, data } => self.on_block(from, data).await,
                Incoming::Transaction { bytes, .. } => {
                    let pool = self.pool.clone();
                    tokio::task::spawn_blocking(move || {
                        let _ = pool.submit(bytes, TransactionSource::External);
                    });
                }
                Incoming::Grandpa { from, message } => {
                    if let Some(g) = &self.grandpa {
                        g.on_gossip(from, message);
                    }
                }
                Incoming::Request {
                    from,
                    request,
                    reply,
                } => {
                    let this = self.clone();
                    tokio::task::spawn_blocking(move || reply.send(this.answer(from, request)));
                }
                Incoming::Connected(peer) => {
                    let this = self.clone();
                    tokio::spawn(async move {
                        this.refresh_status(peer).await;
                        this.wake.notify_one();
                    });
                }
                Incoming::Disconnected(_) => {}
            }
        }
    }

    async fn on_block(self: &Arc<Self>, from: PeerId, data: BlockData) {
        let importer = self.importer.clone();
        let number = data.block.header.number;
        let res =
            tokio::task::spawn_blocking(move || importer.import(data.block, data.justification))
                .await;
        match res {
            Ok(Ok(ImportOutcome::Imported(b))) => {
                tracing::info!(
                    target: "sync",
                    "✨ Imported #{} ({}){}",
                    b.header.number,
                    short(&b.hash),
                    if b.is_new_best { "" } else { " (fork)" }
                );
            }
            Ok(Ok(ImportOutcome::AlreadyKnown)) => {}
            Ok(Ok(ImportOutcome::UnknownParent)) => {
                // We miss blocks: ask the sender where it is, then sync.
                self.refresh_status(from).await;
                self.wake.notify_one();
            }
            Ok(Err(e)) => {
                tracing::warn!(target: "sync", "💔 Block #{number} from {from} refused: {e}")
            }
            Err(e) => tracing::warn!(target: "sync", "block import task failed: {e}"),
        }
    }

    /// Answer a peer's sync request.
    fn answer(&self, from: PeerId, request: SyncRequest) -> SyncResponse {
        match request {
            SyncRequest::Status => SyncResponse::Status(self.status()),
            SyncRequest::Blocks { from: start, max } => match self.read_blocks(start, max) {
                Ok(blocks) => SyncResponse::Blocks(blocks),
                Err(e) => {
                    tracing::warn!(target: "sync", "cannot serve blocks from #{start} to {from}: {e}");
                    SyncResponse::Refused(format!("cannot read blocks: {e}"))
                }
            },
            SyncRequest::CatchUp { set_id, round } => match &self.grandpa {
                Some(g) => g.catch_up_response(set_id, round),
                None => SyncResponse::CatchUp(None),
            },
        }
    }

    fn read_blocks(&self, start: BlockNumber, max: u32) -> Result<Vec<BlockData>, ClientError> {
        let mut out = Vec::new();
        let mut bytes = 0usize;
        let max = max.clamp(1, MAX_BLOCKS_PER_RESPONSE);
        for n in start..start.saturating_add(max) {
            let Some(hash) = self.client.hash_at(n)? else {
                break;
            };
            let Some(block) = self.client.block(&hash)? else {
                break;
            };
            let justification = self
                .client
                .justifications(&hash)?
                .and_then(|j| j.into_justification(GRANDPA_ENGINE_ID));
            let data = BlockData {
                block,
                justification,
            };
            bytes += codec::Encode::encoded_size(&data);
            if bytes > MAX_RESPONSE_BYTES && !out.is_empty() {
                break;
            }
            out.push(data);
        }
        Ok(out)
    }

    async fn refresh_status(&self, peer: PeerId) {
        match self.net.request(peer, SyncRequest::Status).await {
            Ok(SyncResponse::Status(status)) => {
                if status.genesis != self.client.info().genesis_hash {
                    tracing::warn!(target: "sync", "{peer} is on another chain (genesis {:?})", status.genesis);
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

    /// The connected peer with the highest best block above ours, if any.
    fn best_peer(&self) -> Option<(PeerId, Status)> {
        let ours = self.client.info();
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
            let ours = self.client.info().best_number;
            self.state
                .syncing
                .store(highest > ours + MAJOR_SYNC_GAP, Ordering::Relaxed);
        }
    }

    /// Download and import blocks from `peer` until we reach its reported best block.
    async fn sync_from(&self, peer: PeerId, status: Status) {
        let started = Instant::now();
        let start_best = self.client.info().best_number;
        self.state.starting.store(start_best, Ordering::Relaxed);
        if status.best_number > start_best + MAJOR_SYNC_GAP {
            self.state.syncing.store(true, Ordering::Relaxed);
            tracing::info!(target: "sync", "⚙️  Syncing from {peer}: #{start_best} → #{}", status.best_number);
        }
        let mut from = start_best + 1;
        let mut retried_from_finalized = false;
        let mut last_log = Instant::now();
        while from <= status.best_number {
            let response = self
                .net
                .request(
                    peer,
                    SyncRequest::Blocks {
                        from,
                        max: MAX_BLOCKS_PER_RESPONSE,
                    },
                )
                .await;
            let blocks = match response {
                Ok(SyncResponse::Blocks(b)) if !b.is_empty() => b,
                Ok(SyncResponse::Blocks(_)) => break,
                Ok(other) => {
                    tracing::debug!(target: "sync", "{peer} answered a block request with {other:?}");
                    break;
                }
                Err(e) => {
                    tracing::debug!(target: "sync", "block request to {peer}: {e}");
                    break;
                }
            };
            let importer = self.importer.clone();
            let result = tokio::task::spawn_blocking(move || import_batch(&importer, blocks)).await;
            match result {
                Ok(BatchResult::Done { next }) => from = next,
                Ok(BatchResult::UnknownParent) if !retried_from_finalized => {
                    // We are on a fork the peer does not have: restart from our finalized block.
                    retried_from_finalized = true;
                    from = self.client.info().finalized_number + 1;
                }
                Ok(BatchResult::UnknownParent) => break,
                Ok(BatchResult::Failed(e)) => {
                    tracing::warn!(target: "sync", "💔 Sync from {peer} stopped: {e}");
                    break;
                }
                Err(e) => {
                    tracing::warn!(target: "sync", "sync import task failed: {e}");
                    break;
                }
            }
            if last_log.elapsed() >= Duration::from_secs(5) {
                last_log = Instant::now();
                let i = self.client.info();
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
        let i = self.client.info();
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
