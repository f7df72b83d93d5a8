//! The dispatcher of everything peers send: gossiped transactions go to the pool (a bounded
//! number checked at once), gossiped blocks to import (with a verdict for gossipsub), and
//! requests are answered within each peer's budget ([`Serving`]).

use std::{collections::HashMap, sync::Arc, time::Instant};

use libp2p::PeerId;
use sp_consensus_grandpa::GRANDPA_ENGINE_ID;
use sp_runtime::transaction_validity::TransactionSource;
use tokio::sync::mpsc;

use super::{
    SyncService, MAX_REQUESTS_IN_FLIGHT, SERVE_BYTES_PER_WINDOW, SERVE_WINDOW, TRANSACTION_CHECKS,
};
use crate::{
    authoring::short,
    client::ClientError,
    import::ImportOutcome,
    network::{
        protocol::{
            BlockData, SyncRequest, SyncResponse, MAX_BLOCKS_PER_RESPONSE, MAX_RESPONSE_BYTES,
        },
        Incoming, Verdict,
    },
    types::BlockNumber,
};

/// Per-peer accounting of the requests we answer: at most [`MAX_REQUESTS_IN_FLIGHT`] at once, and
/// at most [`SERVE_BYTES_PER_WINDOW`] of blocks per [`SERVE_WINDOW`].
#[derive(Default)]
pub(super) struct Serving {
    peers: HashMap<PeerId, PeerServing>,
}

struct PeerServing {
    in_flight: u32,
    window_start: Instant,
    bytes: usize,
}

impl Serving {
    fn entry(&mut self, peer: PeerId) -> &mut PeerServing {
        let now = Instant::now();
        // Forget idle peers, so that the map is bounded by the peers active in one window.
        self.peers
            .retain(|_, p| p.in_flight > 0 || now.duration_since(p.window_start) < SERVE_WINDOW);
        let p = self.peers.entry(peer).or_insert(PeerServing {
            in_flight: 0,
            window_start: now,
            bytes: 0,
        });
        if now.duration_since(p.window_start) >= SERVE_WINDOW {
            p.window_start = now;
            p.bytes = 0;
        }
        p
    }

    /// A request from `peer` starts, unless it already has too many open.
    fn begin(&mut self, peer: PeerId) -> bool {
        let p = self.entry(peer);
        if p.in_flight >= MAX_REQUESTS_IN_FLIGHT {
            return false;
        }
        p.in_flight += 1;
        true
    }

    fn end(&mut self, peer: PeerId) {
        let p = self.entry(peer);
        p.in_flight = p.in_flight.saturating_sub(1);
    }

    fn has_budget(&mut self, peer: PeerId) -> bool {
        self.entry(peer).bytes < SERVE_BYTES_PER_WINDOW
    }

    fn charge(&mut self, peer: PeerId, bytes: usize) {
        let p = self.entry(peer);
        p.bytes = p.bytes.saturating_add(bytes);
    }
}

impl SyncService {
    /// Gossiped transactions go to the pool, at most [`TRANSACTION_CHECKS`] at once; while they
    /// are busy the queue fills and the network drops what does not fit.
    pub(super) async fn dispatch_transactions(
        self: Arc<Self>,
        mut incoming: mpsc::Receiver<Incoming>,
    ) {
        let permits = Arc::new(tokio::sync::Semaphore::new(TRANSACTION_CHECKS));
        while let Some(event) = incoming.recv().await {
            let Incoming::Transaction { bytes, ticket, .. } = event else {
                continue;
            };
            let Ok(permit) = permits.clone().acquire_owned().await else {
                return;
            };
            let pool = self.pool.clone();
            let net = self.net.clone();
            tokio::task::spawn_blocking(move || {
                let verdict = match pool.submit(bytes, TransactionSource::External) {
                    Ok(_) => Verdict::Accept,
                    Err(e) if e.is_malformed() => Verdict::Reject,
                    Err(_) => Verdict::Ignore,
                };
                net.report(ticket, verdict);
                drop(permit);
            });
        }
    }

    pub(super) async fn dispatch(self: Arc<Self>, mut incoming: mpsc::Receiver<Incoming>) {
        while let Some(event) = incoming.recv().await {
            match event {
                Incoming::Block { from, data, ticket } => {
                    let verdict = self.on_block(from, data).await;
                    self.net.report(ticket, verdict);
                }
                Incoming::Transaction { ticket, .. } => self.net.report(ticket, Verdict::Ignore),
                Incoming::Grandpa {
                    from,
                    message,
                    ticket,
                } => self.grandpa.on_gossip(from, message, ticket),
                Incoming::Request {
                    from,
                    request,
                    reply,
                } => {
                    if !self.serving.lock().begin(from) {
                        reply.send(SyncResponse::Refused(format!(
                            "more than {MAX_REQUESTS_IN_FLIGHT} requests at once: wait for the answers"
                        )));
                        continue;
                    }
                    let this = self.clone();
                    tokio::task::spawn_blocking(move || {
                        let response = this.answer(from, request);
                        this.serving.lock().end(from);
                        reply.send(response)
                    });
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

    /// Import a gossiped block; returns whether to forward it.
    async fn on_block(self: &Arc<Self>, from: PeerId, data: BlockData) -> Verdict {
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
                Verdict::Accept
            }
            Ok(Ok(ImportOutcome::AlreadyKnown)) => Verdict::Ignore,
            Ok(Ok(ImportOutcome::UnknownParent)) => {
                // We miss blocks: ask the sender where it is, then sync.
                self.refresh_status(from).await;
                self.wake.notify_one();
                Verdict::Ignore
            }
            Ok(Err(e)) => {
                tracing::warn!(target: "sync", "💔 Block #{number} from {from} refused: {e}");
                // A block from a stale fork, or one slot early by a skewed clock, is no proof of
                // malice: not forwarded, but the sender's score is left alone.
                match e {
                    ClientError::Blameless(_) => Verdict::Ignore,
                    _ => Verdict::Reject,
                }
            }
            Err(e) => {
                tracing::warn!(target: "sync", "block import task failed: {e}");
                Verdict::Ignore
            }
        }
    }

    /// Answer a peer's sync request.
    fn answer(&self, from: PeerId, request: SyncRequest) -> SyncResponse {
        match request {
            SyncRequest::Status => SyncResponse::Status(self.status()),
            SyncRequest::Blocks { .. } if !self.serving.lock().has_budget(from) => {
                SyncResponse::Refused(format!(
                    "served {} MiB in the last {} s: ask again later",
                    SERVE_BYTES_PER_WINDOW / (1024 * 1024),
                    SERVE_WINDOW.as_secs()
                ))
            }
            SyncRequest::Blocks { from: start, max } => match self.read_blocks(start, max) {
                Ok(blocks) => {
                    let bytes = blocks.iter().map(codec::Encode::encoded_size).sum();
                    self.serving.lock().charge(from, bytes);
                    SyncResponse::Blocks(blocks)
                }
                Err(e) => {
                    tracing::warn!(target: "sync", "cannot serve blocks from #{start} to {from}: {e}");
                    SyncResponse::Refused(format!("cannot read blocks: {e}"))
                }
            },
            SyncRequest::CatchUp { set_id, round } => self.grandpa.catch_up_response(set_id, round),
        }
    }

    fn read_blocks(&self, start: BlockNumber, max: u32) -> Result<Vec<BlockData>, ClientError> {
        let mut out = Vec::new();
        let mut bytes = 0usize;
        let max = max.clamp(1, MAX_BLOCKS_PER_RESPONSE);
        for n in start..start.saturating_add(max) {
            let Some(hash) = self.chain.hash_at(n)? else {
                break;
            };
            let Some(block) = self.chain.block(&hash)? else {
                break;
            };
            let justification = self
                .chain
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_peer_gets_a_bounded_number_of_requests_and_bytes() {
        let mut serving = Serving::default();
        let peer = PeerId::random();
        for _ in 0..MAX_REQUESTS_IN_FLIGHT {
            assert!(serving.begin(peer));
        }
        assert!(!serving.begin(peer), "one request too many at once");
        serving.end(peer);
        assert!(serving.begin(peer));
        assert!(serving.has_budget(peer));
        serving.charge(peer, SERVE_BYTES_PER_WINDOW);
        assert!(!serving.has_budget(peer), "the window's bytes are spent");
        // Other peers have their own budget.
        assert!(serving.has_budget(PeerId::random()));
    }
}
