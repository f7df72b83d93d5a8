//! The voter's environment for one authority set: what `finality-grandpa`'s voter asks of the
//! node (ancestry, the best block to vote for, round channels, timers) and what it tells it
//! (completed rounds, finalized blocks, equivocations).

use std::{future::Future, pin::Pin, sync::Arc, time::Duration};

use finality_grandpa::{voter, Chain, Message};
use futures::{FutureExt, Sink, Stream};
use sp_consensus_grandpa::{AuthorityId, AuthoritySignature, SetId};
use sp_core::{ed25519, Pair, H256};
use sp_runtime::traits::Header as _;

use super::{
    changes_authority_set, voter_state::CompletedRound, Grandpa, GrandpaError, Vote,
    GOSSIP_DURATION,
};
use crate::{authoring::short, types::BlockNumber};

pub(super) type BoxTimer = Pin<Box<dyn Future<Output = Result<(), GrandpaError>> + Send>>;
type BoxBest =
    Pin<Box<dyn Future<Output = Result<Option<(H256, BlockNumber)>, GrandpaError>> + Send>>;
type BoxIn = Pin<Box<dyn Stream<Item = Result<Vote, GrandpaError>> + Send>>;
type BoxOut = Pin<Box<dyn Sink<Message<H256, BlockNumber>, Error = GrandpaError> + Send>>;

pub(super) fn timer(d: Duration) -> BoxTimer {
    Box::pin(tokio::time::sleep(d).map(Ok))
}

/// The voter's environment for one authority set.
pub(super) struct Env {
    pub(super) shared: Arc<Grandpa>,
    pub(super) set_id: SetId,
    pub(super) local: Option<ed25519::Pair>,
}

impl Chain<H256, BlockNumber> for Env {
    fn ancestry(&self, base: H256, block: H256) -> Result<Vec<H256>, finality_grandpa::Error> {
        let client = &self.shared.client;
        let base_number = match client.header(&base) {
            Ok(Some(h)) => h.number,
            _ => return Err(finality_grandpa::Error::NotDescendent),
        };
        let mut out = Vec::new();
        let mut cursor = match client.header(&block) {
            Ok(Some(h)) => *h.parent_hash(),
            _ => return Err(finality_grandpa::Error::NotDescendent),
        };
        loop {
            if cursor == base {
                return Ok(out);
            }
            match client.header(&cursor) {
                Ok(Some(h)) if h.number > base_number => {
                    out.push(cursor);
                    cursor = *h.parent_hash();
                }
                _ => return Err(finality_grandpa::Error::NotDescendent),
            }
        }
    }
}

impl voter::Environment<H256, BlockNumber> for Env {
    type Timer = BoxTimer;
    type BestChain = BoxBest;
    type Id = AuthorityId;
    type Signature = AuthoritySignature;
    type In = BoxIn;
    type Out = BoxOut;
    type Error = GrandpaError;

    fn best_chain_containing(&self, base: H256) -> Self::BestChain {
        let client = self.shared.client.clone();
        let set_id = self.set_id;
        let res = (|| -> Result<Option<(H256, BlockNumber)>, GrandpaError> {
            let Some(base_header) = client.header(&base)? else {
                return Ok(None);
            };
            // A base past the end of this set (the set changed in it): vote for nothing newer.
            let base_set = client.runtime_api(base).grandpa_set_id()?;
            if base_set != set_id {
                return Ok(Some((base, base_header.number)));
            }
            let info = client.info();
            if info.best_number < base_header.number
                || client.hash_at(base_header.number)? != Some(base)
            {
                return Ok(Some((base, base_header.number)));
            }
            // Vote for the best block, but never past a block that changes the authority set:
            // that block must be finalized by the set that is ending.
            let mut target = (info.best_hash, info.best_number);
            let mut header = client.expect_header(&info.best_hash)?;
            while header.number > base_header.number {
                if changes_authority_set(&header) {
                    target = (header.hash(), header.number);
                }
                header = client.expect_header(header.parent_hash())?;
            }
            Ok(Some(target))
        })();
        Box::pin(futures::future::ready(res))
    }

    fn round_data(
        &self,
        round: u64,
    ) -> voter::RoundData<Self::Id, Self::Timer, Self::In, Self::Out> {
        let incoming = self.shared.open_round(round);
        let voter_id = self.local.as_ref().map(|p| AuthorityId::from(p.public()));
        let outgoing: BoxOut = Box::pin(futures::sink::unfold(
            (self.shared.clone(), self.local, self.set_id),
            move |(shared, local, set_id), message: Message<H256, BlockNumber>| async move {
                if let Some(pair) = &local {
                    let signed = shared.own_votes.lock().sign(pair, set_id, round, message);
                    match signed {
                        Ok(vote) => shared.note_own_vote(set_id, round, vote),
                        // Unpersisted, a vote could be contradicted after a restart: not sent.
                        Err(e) => {
                            tracing::error!(target: "grandpa", "not voting in round {round}: {e}")
                        }
                    }
                }
                Ok::<_, GrandpaError>((shared, local, set_id))
            },
        ));
        voter::RoundData {
            voter_id,
            prevote_timer: timer(GOSSIP_DURATION * 2),
            precommit_timer: timer(GOSSIP_DURATION * 4),
            incoming: Box::pin(incoming),
            outgoing,
        }
    }

    fn round_commit_timer(&self) -> Self::Timer {
        let ms = rand::random::<u64>() % 1000;
        timer(Duration::from_millis(ms))
    }

    fn proposed(
        &self,
        _round: u64,
        _propose: finality_grandpa::PrimaryPropose<H256, BlockNumber>,
    ) -> Result<(), Self::Error> {
        Ok(())
    }

    fn prevoted(
        &self,
        _round: u64,
        _prevote: finality_grandpa::Prevote<H256, BlockNumber>,
    ) -> Result<(), Self::Error> {
        Ok(())
    }

    fn precommitted(
        &self,
        _round: u64,
        _precommit: finality_grandpa::Precommit<H256, BlockNumber>,
    ) -> Result<(), Self::Error> {
        Ok(())
    }

    fn completed(
        &self,
        round: u64,
        _state: finality_grandpa::round::State<H256, BlockNumber>,
        base: (H256, BlockNumber),
        votes: &finality_grandpa::HistoricalVotes<H256, BlockNumber, Self::Signature, Self::Id>,
    ) -> Result<(), Self::Error> {
        tracing::debug!(target: "grandpa", "round {round} completed");
        self.shared.note_completed(CompletedRound {
            set_id: self.set_id,
            round,
            base,
            votes: votes.seen().to_vec(),
        });
        Ok(())
    }

    fn concluded(
        &self,
        _round: u64,
        _state: finality_grandpa::round::State<H256, BlockNumber>,
        _base: (H256, BlockNumber),
        _votes: &finality_grandpa::HistoricalVotes<H256, BlockNumber, Self::Signature, Self::Id>,
    ) -> Result<(), Self::Error> {
        Ok(())
    }

    fn finalize_block(
        &self,
        hash: H256,
        number: BlockNumber,
        round: u64,
        commit: finality_grandpa::Commit<H256, BlockNumber, Self::Signature, Self::Id>,
    ) -> Result<(), Self::Error> {
        if let Err(e) = self
            .shared
            .finalize(self.set_id, hash, number, round, commit)
        {
            tracing::warn!(target: "grandpa", "cannot finalize #{number} ({}): {e}", short(&hash));
        }
        Ok(())
    }

    fn prevote_equivocation(
        &self,
        round: u64,
        equivocation: finality_grandpa::Equivocation<
            Self::Id,
            finality_grandpa::Prevote<H256, BlockNumber>,
            Self::Signature,
        >,
    ) {
        tracing::warn!(target: "grandpa", "⚠️ {} equivocated with two prevotes in round {round}", equivocation.identity);
    }

    fn precommit_equivocation(
        &self,
        round: u64,
        equivocation: finality_grandpa::Equivocation<
            Self::Id,
            finality_grandpa::Precommit<H256, BlockNumber>,
            Self::Signature,
        >,
    ) {
        tracing::warn!(target: "grandpa", "⚠️ {} equivocated with two precommits in round {round}", equivocation.identity);
    }
}
