//! What the voter keeps on disk: its last completed round (a restart resumes from it) and its
//! own votes of the last rounds (a restart repeats them instead of equivocating).

use std::{collections::BTreeMap, sync::Arc};

use codec::{Decode, Encode};
use finality_grandpa::{Message, SignedMessage};
use sp_consensus_grandpa::{AuthorityId, AuthoritySignature, SetId};
use sp_core::{ed25519, Pair, H256};

use super::{GrandpaError, Vote};
use crate::{client::AuxStore, types::BlockNumber};

/// The database key of the voter's last completed round.
pub(super) const VOTER_STATE_KEY: &[u8] = b"grandpa_voter_state";
/// The database key of our own votes of the last rounds ([`OwnVotes`]).
const OWN_VOTES_KEY: &[u8] = b"grandpa_own_votes";
/// Own votes are remembered for this many rounds below the newest one.
const OWN_VOTES_ROUNDS: u64 = 3;

/// The voter's last completed round, persisted so that a restart resumes from it.
#[derive(Clone, Debug, Encode, Decode)]
pub(super) struct CompletedRound {
    pub(super) set_id: SetId,
    pub(super) round: u64,
    pub(super) base: (H256, BlockNumber),
    pub(super) votes: Vec<Vote>,
}

/// Our own signed votes of the last rounds, synced to disk before they are sent. A validator
/// restarted in the middle of a round resumes it; asked to vote again there, it repeats the
/// vote it already cast instead of signing a second one, which would be an equivocation.
pub(super) struct OwnVotes {
    store: Arc<dyn AuxStore>,
    votes: BTreeMap<(SetId, u64), Vec<Vote>>,
}

impl OwnVotes {
    pub(super) fn load(store: Arc<dyn AuxStore>) -> Self {
        let votes = match store.get_aux(OWN_VOTES_KEY) {
            Ok(Some(raw)) => Vec::<((SetId, u64), Vec<Vote>)>::decode(&mut &raw[..])
                .map(|v| v.into_iter().collect())
                .unwrap_or_else(|e| {
                    tracing::warn!(target: "grandpa", "ignoring unreadable own GRANDPA votes: {e}");
                    BTreeMap::new()
                }),
            Ok(None) => BTreeMap::new(),
            Err(e) => {
                tracing::warn!(target: "grandpa", "cannot read own GRANDPA votes: {e}");
                BTreeMap::new()
            }
        };
        Self { store, votes }
    }

    /// Our vote of `message`'s kind in `round`: the one cast before if there is one, otherwise
    /// `message` signed with `pair` and persisted first.
    pub(super) fn sign(
        &mut self,
        pair: &ed25519::Pair,
        set_id: SetId,
        round: u64,
        message: Message<H256, BlockNumber>,
    ) -> Result<Vote, GrandpaError> {
        let cast = self.votes.entry((set_id, round)).or_default();
        if let Some(earlier) = cast
            .iter()
            .find(|v| std::mem::discriminant(&v.message) == std::mem::discriminant(&message))
        {
            return Ok(earlier.clone());
        }
        let payload = sp_consensus_grandpa::localized_payload(round, set_id, &message);
        let vote = SignedMessage {
            message,
            signature: AuthoritySignature::from(pair.sign(&payload)),
            id: AuthorityId::from(pair.public()),
        };
        cast.push(vote.clone());
        self.votes = self
            .votes
            .split_off(&(set_id, round.saturating_sub(OWN_VOTES_ROUNDS)));
        let all: Vec<(&(SetId, u64), &Vec<Vote>)> = self.votes.iter().collect();
        self.store.put_aux(OWN_VOTES_KEY, &all.encode())?;
        Ok(vote)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use finality_grandpa::{Precommit, Prevote};

    fn prevote(n: BlockNumber) -> Message<H256, BlockNumber> {
        Message::Prevote(Prevote::new(H256::repeat_byte(n as u8), n))
    }

    #[test]
    fn a_restarted_voter_repeats_its_vote_instead_of_equivocating() {
        let dir = tempfile::tempdir().expect("tmp");
        let pair = ed25519::Pair::from_seed(&[7; 32]);
        let first = {
            let db = crate::db::Database::open(&dir.path().join("db")).expect("db");
            let mut own = OwnVotes::load(Arc::new(db));
            let first = own.sign(&pair, 0, 5, prevote(10)).expect("sign");
            // A precommit is another kind of vote: it is signed.
            let precommit = Message::Precommit(Precommit::new(H256::repeat_byte(9), 9));
            assert_eq!(
                own.sign(&pair, 0, 5, precommit.clone())
                    .expect("sign")
                    .message,
                precommit
            );
            first
        };
        // After a restart, round 5 asks for a prevote on another block: the first one comes back.
        let db = crate::db::Database::open(&dir.path().join("db")).expect("reopen");
        let mut own = OwnVotes::load(Arc::new(db));
        let again = own.sign(&pair, 0, 5, prevote(11)).expect("sign");
        assert_eq!(again, first);
        // Another round, or the same round of another set, is a new vote.
        assert_eq!(
            own.sign(&pair, 0, 6, prevote(11)).expect("sign").message,
            prevote(11)
        );
        assert_eq!(
            own.sign(&pair, 1, 5, prevote(12)).expect("sign").message,
            prevote(12)
        );
        // Rounds far below the newest are forgotten.
        assert!(!own.votes.contains_key(&(0, 5)));
    }
}
