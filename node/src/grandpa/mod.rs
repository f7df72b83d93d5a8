//! GRANDPA finality for multi-validator chains, driven by the `finality-grandpa` crate's voter.
//!
//! The authority set and its id come from `pallet-grandpa` (`GrandpaApi`) at the last finalized
//! block. Votes and commits travel on the GRANDPA gossip topic, each checked against the set
//! before the voter sees it. Every finalized round stores a justification with its block; that
//! is what sync serves and what `chain_subscribeFinalizedHeads` follows. A voter that falls
//! behind (a restarted validator) asks a peer that is ahead for a catch-up: the votes of the
//! peer's last completed round. Votes are re-gossiped every few seconds while their round is
//! open, so that a validator that (re)connects mid-round still hears them.
//!
//! When the authority set at the finalized block changes (`pallet-grandpa` enacts a scheduled
//! change when its block is finalized), the voter is restarted with the new set.
//!
//! Full nodes run the voter as an observer (no key): they finalize on commits.
//!
//! Modules: `environment` (what the voter asks of the node), `voter_state` (what it keeps on
//! disk), `justification` (justifications: single-authority commits, verification).

mod environment;
pub mod justification;
pub mod proof;
mod voter_state;

use std::{
    collections::{BTreeMap, HashSet},
    sync::Arc,
    time::{Duration, Instant},
};

use codec::{Decode, Encode};
use finality_grandpa::{
    voter::{self, CommunicationIn, CommunicationOut},
    voter_set::VoterSet,
    BlockNumberOps, Message, SignedMessage,
};
use futures::channel::mpsc;
use libp2p::PeerId;
use parking_lot::Mutex;
use sp_consensus_grandpa::{
    AuthorityId, AuthorityList, AuthoritySignature, GrandpaJustification, SetId, GRANDPA_ENGINE_ID,
};
use sp_core::H256;
use sp_runtime::{generic::DigestItem, traits::Header as _, Justifications};

use self::{
    environment::Env,
    voter_state::{CompletedRound, OwnVotes, VOTER_STATE_KEY},
};
use crate::{
    authoring::short,
    client::{AuxStore, Client},
    keystore::Keystore,
    network::{
        protocol::{CatchUpMessage, GrandpaGossip, SyncRequest, SyncResponse},
        GossipTicket, NetworkHandle, Verdict,
    },
    types::{BlockNumber, Header},
};

/// Estimated time for a message to reach every voter: prevotes wait 2x, precommits 4x.
const GOSSIP_DURATION: Duration = Duration::from_millis(333);
/// How often the votes of the open round and the voter's position are re-gossiped.
const REBROADCAST_EVERY: Duration = Duration::from_secs(2);
/// A catch-up is asked for at most this often.
const CATCH_UP_COOLDOWN: Duration = Duration::from_secs(4);
/// Votes buffered for rounds not yet open or blocks not yet imported.
const MAX_BUFFERED: usize = 4096;

/// Errors of the voter environment.
#[derive(Debug, thiserror::Error)]
pub enum GrandpaError {
    #[error("GRANDPA: {0:?}")]
    Grandpa(finality_grandpa::Error),
    #[error("{0}")]
    Client(String),
}

impl From<finality_grandpa::Error> for GrandpaError {
    fn from(e: finality_grandpa::Error) -> Self {
        Self::Grandpa(e)
    }
}

impl From<crate::db::DbError> for GrandpaError {
    fn from(e: crate::db::DbError) -> Self {
        Self::Client(e.to_string())
    }
}

impl From<crate::client::ClientError> for GrandpaError {
    fn from(e: crate::client::ClientError) -> Self {
        Self::Client(e.to_string())
    }
}

pub(crate) type Vote = SignedMessage<H256, BlockNumber, AuthoritySignature, AuthorityId>;
type In = CommunicationIn<H256, BlockNumber, AuthoritySignature, AuthorityId>;

/// The voter's view of the current authority set (cheap to clone: messages are checked against
/// a snapshot, outside the lock).
#[derive(Clone)]
struct SetState {
    set_id: SetId,
    authorities: Arc<AuthorityList>,
}

impl SetState {
    fn is_authority(&self, id: &AuthorityId) -> bool {
        self.authorities.iter().any(|(a, _)| a == id)
    }

    /// See [`aitbc_wire::justification::check_signers`].
    fn check_signers<'a>(
        &self,
        ids: impl ExactSizeIterator<Item = &'a AuthorityId>,
    ) -> Result<(), String> {
        aitbc_wire::justification::check_signers(&self.authorities, self.set_id, ids)
    }
}

/// Commits and catch-ups checked at once (each is up to one signature check per authority, run on
/// the blocking pool); more are dropped, to be heard again from the next re-broadcast.
const MAX_CONCURRENT_CHECKS: usize = 2;

impl Inner {
    /// Whether the voter runs set `set_id` now.
    fn is_set(&self, set_id: SetId) -> bool {
        self.set.as_ref().is_some_and(|s| s.set_id == set_id)
    }
}

#[derive(Default)]
struct Inner {
    set: Option<SetState>,
    /// The highest round the voter has opened.
    round: u64,
    /// Input channels of open rounds.
    rounds: BTreeMap<u64, mpsc::UnboundedSender<Result<Vote, GrandpaError>>>,
    /// Votes for rounds not open yet, or for blocks not imported yet.
    buffered: Vec<(u64, Vote)>,
    global_in: Option<mpsc::UnboundedSender<Result<In, GrandpaError>>>,
    /// Our own votes per round, re-gossiped while the round is open.
    own_votes: BTreeMap<u64, Vec<GrandpaGossip>>,
    completed: Option<CompletedRound>,
    last_catch_up_request: Option<Instant>,
}

/// GRANDPA: the voter and its link to the network.
pub struct Grandpa {
    client: Arc<Client>,
    net: NetworkHandle,
    keystore: Arc<Keystore>,
    inner: Mutex<Inner>,
    own_votes: Mutex<OwnVotes>,
    /// Permits for commit and catch-up checks ([`MAX_CONCURRENT_CHECKS`]).
    checks: Arc<tokio::sync::Semaphore>,
}

impl Grandpa {
    pub fn new(client: Arc<Client>, net: NetworkHandle, keystore: Arc<Keystore>) -> Arc<Self> {
        let completed = client
            .get_aux(VOTER_STATE_KEY)
            .ok()
            .flatten()
            .and_then(|raw| CompletedRound::decode(&mut &raw[..]).ok());
        let own_votes = Mutex::new(OwnVotes::load(client.clone()));
        Arc::new(Self {
            client,
            net,
            keystore,
            own_votes,
            checks: Arc::new(tokio::sync::Semaphore::new(MAX_CONCURRENT_CHECKS)),
            inner: Mutex::new(Inner {
                completed,
                ..Default::default()
            }),
        })
    }

    /// Run the voter (restarting it on authority set changes and errors) until the process ends.
    pub async fn run(self: Arc<Self>, tasks: crate::tasks::EssentialSpawner) {
        tasks.spawn("grandpa-rebroadcast", self.clone().rebroadcast());
        tasks.spawn("grandpa-import-flush", self.clone().flush_on_import());
        loop {
            match self.run_set().await {
                Ok(()) => {}
                Err(e) => {
                    tracing::warn!(target: "grandpa", "GRANDPA voter stopped: {e}; restarting");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    /// Read the set at the finalized block.
    fn current_set(&self) -> Result<(SetId, AuthorityList, H256, BlockNumber), GrandpaError> {
        let info = self.client.info();
        let (set_id, authorities) = self.client.runtime_api(info.finalized_hash).grandpa_set()?;
        Ok((
            set_id,
            authorities,
            info.finalized_hash,
            info.finalized_number,
        ))
    }

    /// Run the voter for the set at the finalized block until the set changes.
    async fn run_set(self: &Arc<Self>) -> Result<(), GrandpaError> {
        let (set_id, authorities, fin_hash, fin_number) = self.current_set()?;
        let local = authorities
            .iter()
            .find_map(|(id, _)| self.keystore.grandpa_pair(&id.clone().into()));
        let voters = VoterSet::new(authorities.iter().cloned())
            .ok_or_else(|| GrandpaError::Client("the GRANDPA authority set is empty".into()))?;
        if authorities.len() == 1 && local.is_some() {
            // A single local authority: the block author finalizes each block itself.
            self.wait_for_set_change(set_id, &authorities).await;
            return Ok(());
        }
        let (global_tx, global_rx) = mpsc::unbounded();
        let resume = {
            let mut inner = self.inner.lock();
            inner.set = Some(SetState {
                set_id,
                authorities: Arc::new(authorities.clone()),
            });
            inner.rounds.clear();
            inner.buffered.clear();
            inner.own_votes.clear();
            inner.global_in = Some(global_tx);
            inner.round = 0;
            inner.completed.clone().filter(|c| c.set_id == set_id)
        };
        let (last_round, last_votes, last_base) = match resume {
            Some(c) => (c.round, c.votes, c.base),
            None => (0, vec![], (fin_hash, fin_number)),
        };
        tracing::info!(
            target: "grandpa",
            "👴 GRANDPA set {set_id}: {} authorities, {}, resuming after round {last_round}",
            authorities.len(),
            if local.is_some() { "voting" } else { "observing" },
        );
        let env = Arc::new(Env {
            shared: self.clone(),
            set_id,
            local,
        });
        let global_out =
            Box::pin(
                futures::sink::unfold(
                    self.clone(),
                    move |shared,
                          out: CommunicationOut<
                        H256,
                        BlockNumber,
                        AuthoritySignature,
                        AuthorityId,
                    >| async move {
                        let CommunicationOut::Commit(round, commit) = out;
                        shared.net.gossip_grandpa(&GrandpaGossip::Commit {
                            set_id,
                            round,
                            commit: commit.into(),
                        });
                        Ok::<_, GrandpaError>(shared)
                    },
                ),
            );
        let voter = voter::Voter::new(
            env,
            voters,
            (global_rx, global_out),
            last_round,
            last_votes,
            last_base,
            (fin_hash, fin_number),
        );
        tokio::select! {
            res = voter => res,
            _ = self.wait_for_set_change(set_id, &authorities) => {
                tracing::info!(target: "grandpa", "👴 GRANDPA authority set {set_id} ended");
                Ok(())
            }
        }
    }

    /// Returns when a finalized block carries another set id or authority list.
    async fn wait_for_set_change(&self, set_id: SetId, authorities: &AuthorityList) {
        let mut finalized = self.client.notifications.finalized.subscribe();
        loop {
            match finalized.recv().await {
                Ok((hash, _)) => {
                    if let Ok((id, list)) = self.client.runtime_api(hash).grandpa_set() {
                        if id != set_id || &list != authorities {
                            return;
                        }
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(_) => std::future::pending::<()>().await,
            }
        }
    }

    /// Whether `target` is a block we know on the finalized chain or above it.
    fn usable_target(&self, hash: &H256, number: BlockNumber) -> bool {
        let info = self.client.info();
        if number <= info.finalized_number {
            return matches!(self.client.hash_at(number), Ok(Some(h)) if h == *hash);
        }
        match self.client.header(hash) {
            Ok(Some(header)) if header.number == number => self
                .client
                .is_ancestor_or_equal(&info.finalized_hash, &header)
                .unwrap_or(false),
            _ => false,
        }
    }

    /// The current set, if it is `set_id`.
    fn set_snapshot(&self, set_id: SetId) -> Option<SetState> {
        self.inner
            .lock()
            .set
            .as_ref()
            .filter(|s| s.set_id == set_id)
            .cloned()
    }

    /// Run `check` on the blocking pool if a permit is free; otherwise drop the message and
    /// return false.
    fn spawn_check(&self, what: &str, from: PeerId, check: impl FnOnce() + Send + 'static) -> bool {
        match self.checks.clone().try_acquire_owned() {
            Ok(permit) => {
                tokio::task::spawn_blocking(move || {
                    check();
                    drop(permit);
                });
                true
            }
            Err(_) => {
                tracing::debug!(target: "grandpa", "busy: dropping a {what} from {from}");
                false
            }
        }
    }

    fn check_vote(set: &SetState, round: u64, vote: &Vote) -> bool {
        set.is_authority(&vote.id)
            && sp_consensus_grandpa::check_message_signature(
                &vote.message,
                &vote.id,
                &vote.signature,
                round,
                set.set_id,
            )
            .is_valid()
    }

    /// A message from the GRANDPA gossip topic. The verdict goes back to gossipsub: only checked
    /// messages are forwarded, and invalid ones count against the sender.
    pub fn on_gossip(self: &Arc<Self>, from: PeerId, message: GrandpaGossip, ticket: GossipTicket) {
        match message {
            GrandpaGossip::Vote {
                set_id,
                round,
                vote,
            } => self.on_vote(from, set_id, round, vote, ticket),
            GrandpaGossip::Commit {
                set_id,
                round,
                commit,
            } => self.on_commit(from, set_id, round, commit, ticket),
            GrandpaGossip::Neighbor { set_id, round, .. } => {
                self.on_neighbor(from, set_id, round, ticket)
            }
        }
    }

    /// A gossiped vote: checked (one signature, outside the lock), then given to its round.
    fn on_vote(&self, from: PeerId, set_id: SetId, round: u64, vote: Vote, ticket: GossipTicket) {
        // One signature check, outside the lock.
        let Some(set) = self.set_snapshot(set_id) else {
            return self.net.report(ticket, Verdict::Ignore);
        };
        if !Self::check_vote(&set, round, &vote) {
            tracing::debug!(target: "grandpa", "bad vote signature from {from} for round {round}");
            return self.net.report(ticket, Verdict::Reject);
        }
        self.net.report(ticket, Verdict::Accept);
        let mut inner = self.inner.lock();
        if inner.is_set(set_id) {
            self.deliver_vote(&mut inner, round, vote);
        }
    }

    /// A gossiped commit: its shape checked at once, its signatures on the blocking pool.
    fn on_commit(
        self: &Arc<Self>,
        from: PeerId,
        set_id: SetId,
        round: u64,
        commit: sp_consensus_grandpa::CompactCommit<Header>,
        ticket: GossipTicket,
    ) {
        let Some(set) = self.set_snapshot(set_id) else {
            return self.net.report(ticket, Verdict::Ignore);
        };
        if !self.usable_target(&commit.target_hash, commit.target_number) {
            return self.net.report(ticket, Verdict::Ignore);
        }
        let shape = if commit.precommits.len() != commit.auth_data.len() {
            Err("precommits and signatures differ in number".to_string())
        } else {
            set.check_signers(commit.auth_data.iter().map(|(_, id)| id))
        };
        if let Err(e) = shape {
            tracing::debug!(target: "grandpa", "commit from {from} refused: {e}");
            return self.net.report(ticket, Verdict::Reject);
        }
        let this = self.clone();
        let net = self.net.clone();
        let busy = ticket.clone();
        let checked = self.spawn_check("commit", from, move || {
            let all_valid = commit.precommits.iter().zip(&commit.auth_data).all(
                |(precommit, (signature, id))| {
                    Self::check_vote(
                        &set,
                        round,
                        &SignedMessage {
                            message: Message::Precommit(precommit.clone()),
                            signature: signature.clone(),
                            id: id.clone(),
                        },
                    )
                },
            );
            if !all_valid {
                tracing::debug!(target: "grandpa", "commit from {from} with a bad signature");
                return net.report(ticket, Verdict::Reject);
            }
            net.report(ticket, Verdict::Accept);
            let inner = this.inner.lock();
            if !inner.is_set(set_id) {
                return;
            }
            if let Some(tx) = &inner.global_in {
                let _ = tx.unbounded_send(Ok(CommunicationIn::Commit(
                    round,
                    commit,
                    voter::Callback::Blank,
                )));
            }
        });
        if !checked {
            self.net.report(busy, Verdict::Ignore);
        }
    }

    /// A neighbor's position: ask it for a catch-up when it is well ahead of our voter.
    fn on_neighbor(
        self: &Arc<Self>,
        from: PeerId,
        set_id: SetId,
        round: u64,
        ticket: GossipTicket,
    ) {
        self.net.report(ticket, Verdict::Accept);
        let mut inner = self.inner.lock();
        let behind = inner.is_set(set_id) && round > inner.round + 1;
        let cooled = inner
            .last_catch_up_request
            .is_none_or(|t| t.elapsed() >= CATCH_UP_COOLDOWN);
        if behind && cooled {
            inner.last_catch_up_request = Some(Instant::now());
            let our_round = inner.round;
            drop(inner);
            tokio::spawn(self.clone().catch_up(from, set_id, our_round));
        }
    }

    async fn catch_up(self: Arc<Self>, peer: PeerId, set_id: SetId, round: u64) {
        let response = self
            .net
            .request(peer, SyncRequest::CatchUp { set_id, round })
            .await;
        let msg = match response {
            Ok(SyncResponse::CatchUp(Some(msg))) => msg,
            Ok(_) => return,
            Err(e) => {
                tracing::debug!(target: "grandpa", "catch-up request to {peer} failed: {e}");
                return;
            }
        };
        let Some(set) = self.set_snapshot(msg.set_id) else {
            return;
        };
        let cu = &msg.catch_up;
        let round = cu.round_number;
        let signers = set
            .check_signers(cu.prevotes.iter().map(|v| &v.id))
            .and_then(|()| set.check_signers(cu.precommits.iter().map(|v| &v.id)));
        if let Err(e) = signers {
            tracing::debug!(target: "grandpa", "catch-up from {peer} refused: {e}");
            return;
        }
        let prevotes = cu.prevotes.iter().map(|v| SignedMessage {
            message: Message::Prevote(v.prevote.clone()),
            signature: v.signature.clone(),
            id: v.id.clone(),
        });
        let precommits = cu.precommits.iter().map(|v| SignedMessage {
            message: Message::Precommit(v.precommit.clone()),
            signature: v.signature.clone(),
            id: v.id.clone(),
        });
        let all_valid = prevotes.chain(precommits).all(|vote| {
            let (hash, number) = vote.target();
            self.usable_target(hash, number) && Self::check_vote(&set, round, &vote)
        });
        if !all_valid {
            tracing::debug!(target: "grandpa", "catch-up from {peer} does not check out");
            return;
        }
        tracing::info!(target: "grandpa", "👴 Catching up to round {round} from {peer}");
        let inner = self.inner.lock();
        if !inner.is_set(msg.set_id) {
            return;
        }
        if let Some(tx) = &inner.global_in {
            let _ = tx.unbounded_send(Ok(CommunicationIn::CatchUp(
                msg.catch_up,
                voter::Callback::Blank,
            )));
        }
    }

    /// Answer a peer's catch-up request from our last completed round.
    pub fn catch_up_response(&self, set_id: SetId, round: u64) -> SyncResponse {
        let inner = self.inner.lock();
        let Some(c) = inner
            .completed
            .as_ref()
            .filter(|c| c.set_id == set_id && c.round > round)
        else {
            return SyncResponse::CatchUp(None);
        };
        let mut prevotes = Vec::new();
        let mut precommits = Vec::new();
        for v in &c.votes {
            match &v.message {
                Message::Prevote(p) => prevotes.push(finality_grandpa::SignedPrevote {
                    prevote: p.clone(),
                    signature: v.signature.clone(),
                    id: v.id.clone(),
                }),
                Message::Precommit(p) => precommits.push(finality_grandpa::SignedPrecommit {
                    precommit: p.clone(),
                    signature: v.signature.clone(),
                    id: v.id.clone(),
                }),
                Message::PrimaryPropose(_) => {}
            }
        }
        SyncResponse::CatchUp(Some(CatchUpMessage {
            set_id,
            catch_up: finality_grandpa::CatchUp {
                round_number: c.round,
                prevotes,
                precommits,
                base_hash: c.base.0,
                base_number: c.base.1,
            },
        }))
    }

    fn deliver_vote(&self, inner: &mut Inner, round: u64, vote: Vote) {
        if round + 2 < inner.round {
            return;
        }
        let (hash, number) = vote.target();
        let open = inner.rounds.get(&round).filter(|tx| !tx.is_closed());
        match open {
            Some(tx) if self.usable_target(hash, number) => {
                let _ = tx.unbounded_send(Ok(vote));
            }
            _ => {
                if inner.buffered.len() >= MAX_BUFFERED {
                    inner.buffered.remove(0);
                }
                inner.buffered.push((round, vote));
            }
        }
    }

    /// Deliver buffered votes whose round is open and whose block is known.
    fn flush_buffered(&self) {
        let mut inner = self.inner.lock();
        let buffered = std::mem::take(&mut inner.buffered);
        let current = inner.round;
        for (round, vote) in buffered {
            if round + 2 >= current {
                self.deliver_vote(&mut inner, round, vote);
            }
        }
    }

    async fn flush_on_import(self: Arc<Self>) {
        let mut imported = self.client.notifications.imported.subscribe();
        loop {
            match imported.recv().await {
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    self.flush_buffered()
                }
                Err(_) => return,
            }
        }
    }

    /// Re-gossip our votes of the open rounds and where our voter is.
    async fn rebroadcast(self: Arc<Self>) {
        let mut tick = tokio::time::interval(REBROADCAST_EVERY);
        loop {
            tick.tick().await;
            let (messages, neighbor) = {
                let inner = self.inner.lock();
                let Some(set) = inner.set.as_ref() else {
                    continue;
                };
                let round = inner.round;
                let messages: Vec<GrandpaGossip> = inner
                    .own_votes
                    .range(round.saturating_sub(1)..)
                    .flat_map(|(_, v)| v.iter().cloned())
                    .collect();
                let neighbor = GrandpaGossip::Neighbor {
                    set_id: set.set_id,
                    round,
                    finalized: self.client.info().finalized_number,
                };
                (messages, neighbor)
            };
            self.net.gossip_grandpa(&neighbor);
            for m in &messages {
                self.net.gossip_grandpa(m);
            }
        }
    }

    fn open_round(&self, round: u64) -> mpsc::UnboundedReceiver<Result<Vote, GrandpaError>> {
        let (tx, rx) = mpsc::unbounded();
        {
            let mut inner = self.inner.lock();
            inner.rounds.insert(round, tx);
            inner.round = inner.round.max(round);
            let keep_from = inner.round.saturating_sub(3);
            inner.rounds = inner.rounds.split_off(&keep_from);
            inner.own_votes = inner.own_votes.split_off(&keep_from);
        }
        self.flush_buffered();
        rx
    }

    fn note_own_vote(&self, set_id: SetId, round: u64, vote: Vote) {
        let gossip = GrandpaGossip::Vote {
            set_id,
            round,
            vote: vote.clone(),
        };
        self.net.gossip_grandpa(&gossip);
        let mut inner = self.inner.lock();
        inner.own_votes.entry(round).or_default().push(gossip);
        // Our own vote counts too: the voter only learns of it through its input.
        if let Some(tx) = inner.rounds.get(&round) {
            let _ = tx.unbounded_send(Ok(vote));
        }
    }

    fn note_completed(&self, completed: CompletedRound) {
        if let Err(e) = self.client.put_aux(VOTER_STATE_KEY, &completed.encode()) {
            tracing::warn!(target: "grandpa", "cannot persist GRANDPA round {}: {e}", completed.round);
        }
        self.inner.lock().completed = Some(completed);
    }

    /// Finalize `hash` with the commit of `round`, storing its justification.
    fn finalize(
        &self,
        set_id: SetId,
        hash: H256,
        number: BlockNumber,
        round: u64,
        commit: sp_consensus_grandpa::Commit<Header>,
    ) -> Result<(), GrandpaError> {
        if number <= self.client.info().finalized_number {
            return Ok(());
        }
        let parent = *self.client.expect_header(&hash)?.parent_hash();
        let parent_set = self.client.runtime_api(parent).grandpa_set_id()?;
        if parent_set != set_id {
            return Err(GrandpaError::Client(format!(
                "set {set_id} cannot finalize #{number}: it belongs to set {parent_set}"
            )));
        }
        let mut ancestries = Vec::new();
        let mut seen = HashSet::new();
        for p in &commit.precommits {
            let mut cursor = p.precommit.target_hash;
            while cursor != hash {
                let header = self.client.expect_header(&cursor)?;
                if header.number <= number || !seen.insert(cursor) {
                    break;
                }
                cursor = *header.parent_hash();
                ancestries.push(header);
            }
        }
        let justification = GrandpaJustification::<Header> {
            round,
            commit,
            votes_ancestries: ancestries,
        };
        self.client.finalize(
            hash,
            Some(Justifications::from((
                GRANDPA_ENGINE_ID,
                justification.encode(),
            ))),
        )?;
        tracing::info!(target: "grandpa", "✅ Finalized #{number} ({}) in round {round}", short(&hash));
        Ok(())
    }
}

/// Whether `header` carries `pallet-grandpa`'s signal of an authority set change.
pub fn changes_authority_set(header: &Header) -> bool {
    header.digest.logs.iter().any(|d| match d {
        DigestItem::Consensus(id, data) if *id == GRANDPA_ENGINE_ID => matches!(
            sp_consensus_grandpa::ConsensusLog::<BlockNumber>::decode(&mut &data[..]),
            Ok(sp_consensus_grandpa::ConsensusLog::ScheduledChange(_))
                | Ok(sp_consensus_grandpa::ConsensusLog::ForcedChange(..))
        ),
        _ => false,
    })
}

/// GRANDPA's block number arithmetic holds for ours.
const _: fn() = || {
    fn assert_ops<N: BlockNumberOps>() {}
    assert_ops::<BlockNumber>();
};
