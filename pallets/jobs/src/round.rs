//! The stored state of a redundant job's round: its participants, its phase and its disputes.

use aitbc_primitives::{
    DisputeRecord, Metrics, ParticipantState, ParticipantVerdict, ReceiptParticipant, Redundancy,
    MAX_PARTICIPANTS, MAX_REDUNDANCY,
};
use codec::{Decode, Encode, MaxEncodedLen};
use frame_support::{traits::ConstU32, BoundedVec};
use scale_info::TypeInfo;
use sp_core::{H256, H512};
use sp_runtime::traits::Zero;

/// Where a round is.
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub enum RoundPhase {
    /// Waiting for `k` miners (the job is `Queued`).
    Assigning,
    /// The assigned miners run the job and commit to their output's hash.
    Committing,
    /// Every miner has committed (or the commit window closed): they reveal.
    Revealing,
    /// A referee settles a dispute between two outputs.
    Refereeing,
    /// Nothing left to do.
    Settled,
}

/// One miner's part in a round.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct Participant<AccountId, Balance> {
    /// The miner.
    pub miner: AccountId,
    /// Its price per GPU-second, fixed at assignment.
    pub unit_price: Balance,
    /// Where it stands.
    pub state: ParticipantState,
    /// Its job bond, held until the round is settled (zero once released or burned).
    pub bond: Balance,
    /// Whether its outcome was noted with the miner registry (its part is over).
    pub closed: bool,
    /// Its commitment ([`aitbc_primitives::commitment`]).
    pub commitment: Option<H256>,
    /// The hash of the output it revealed.
    pub output_hash: Option<H256>,
    /// The metrics it revealed.
    pub metrics: Option<Metrics>,
    /// Its receipt signature over its output (zero until it revealed).
    pub signature: H512,
    /// What it was paid, protocol fee included.
    pub paid: Balance,
    /// The protocol fee burned out of `paid`.
    pub fee: Balance,
}

impl<AccountId, Balance: Zero> Participant<AccountId, Balance> {
    /// A newly assigned participant holding `bond`.
    pub fn assigned(miner: AccountId, unit_price: Balance, bond: Balance) -> Self {
        Self {
            miner,
            unit_price,
            state: ParticipantState::Assigned,
            bond,
            closed: false,
            commitment: None,
            output_hash: None,
            metrics: None,
            signature: H512::zero(),
            paid: Zero::zero(),
            fee: Zero::zero(),
        }
    }

    /// Whether it is still expected to commit or reveal.
    pub fn is_pending(&self) -> bool {
        matches!(
            self.state,
            ParticipantState::Assigned | ParticipantState::Committed
        )
    }

    /// Whether it counts toward the round's `k` (assigned, committed or revealed).
    pub fn is_active(&self) -> bool {
        self.is_pending() || self.state == ParticipantState::Revealed
    }

    /// Whether it revealed `hash`.
    pub fn revealed(&self, hash: &H256) -> bool {
        self.state == ParticipantState::Revealed && self.output_hash.as_ref() == Some(hash)
    }
}

impl<AccountId: Clone, Balance: Clone + Zero> Participant<AccountId, Balance> {
    /// Its line in the receipt, given the agreed output.
    pub fn receipt_line(&self, agreed: &H256) -> ReceiptParticipant<AccountId, Balance> {
        let verdict = match self.state {
            ParticipantState::Revealed if self.output_hash.as_ref() == Some(agreed) => {
                ParticipantVerdict::Agreed
            }
            ParticipantState::Revealed => ParticipantVerdict::Dissented,
            ParticipantState::MissedCommit => ParticipantVerdict::MissedCommit,
            ParticipantState::RevealMismatch => ParticipantVerdict::RevealMismatch,
            ParticipantState::Assigned
            | ParticipantState::Committed
            | ParticipantState::MissedReveal => ParticipantVerdict::NoReveal,
        };
        ReceiptParticipant {
            miner: self.miner.clone(),
            verdict,
            output_hash: self.output_hash.unwrap_or_default(),
            units_milli: self.metrics.map_or(0, |m| m.units_milli()),
            unit_price: self.unit_price.clone(),
            paid: self.paid.clone(),
            fee: self.fee.clone(),
            signature: self.signature,
        }
    }
}

/// A dispute waiting for its referee.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct OpenDispute<AccountId, BlockNumber> {
    /// Side A's output hash (the agreed output when the job has a quorum).
    pub hash_a: H256,
    /// Side B's output hash.
    pub hash_b: H256,
    /// The miner chosen to referee.
    pub referee: AccountId,
    /// Block by which it must report.
    pub deadline: BlockNumber,
    /// Whether the verdict decides the job's output (no quorum was reached); otherwise the job
    /// is complete and the verdict only decides who is slashed.
    pub decides_job: bool,
}

/// A redundant job's round.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct Round<AccountId, Balance, BlockNumber> {
    /// What the client asked for.
    pub spec: Redundancy,
    /// Where the round is.
    pub phase: RoundPhase,
    /// Every miner that took part, in assignment order (replaced ones included).
    pub participants: BoundedVec<Participant<AccountId, Balance>, ConstU32<MAX_PARTICIPANTS>>,
    /// The current phase's deadline (commit, reveal or referee), indexed in
    /// [`crate::AckDeadlines`].
    pub deadline: Option<BlockNumber>,
    /// The output the job completed with.
    pub agreed: Option<H256>,
    /// The dispute being refereed.
    pub dispute: Option<OpenDispute<AccountId, BlockNumber>>,
    /// Dissenting output hashes still to be refereed against the agreed one.
    pub pending: BoundedVec<H256, ConstU32<MAX_REDUNDANCY>>,
    /// Settled disputes.
    pub settled: BoundedVec<DisputeRecord<AccountId>, ConstU32<MAX_REDUNDANCY>>,
}

impl<AccountId: PartialEq, Balance: Zero, BlockNumber> Round<AccountId, Balance, BlockNumber> {
    /// A round waiting for its miners.
    pub fn new(spec: Redundancy) -> Self {
        Self {
            spec,
            phase: RoundPhase::Assigning,
            participants: Default::default(),
            deadline: None,
            agreed: None,
            dispute: None,
            pending: Default::default(),
            settled: Default::default(),
        }
    }

    /// The participant record of `miner`, if it is one that is still active.
    pub fn active_mut(
        &mut self,
        miner: &AccountId,
    ) -> Option<&mut Participant<AccountId, Balance>> {
        self.participants
            .iter_mut()
            .find(|p| p.miner == *miner && p.is_active())
    }

    /// How many participants count toward `k`.
    pub fn active_count(&self) -> usize {
        self.participants.iter().filter(|p| p.is_active()).count()
    }

    /// The revealed output hashes with how many revealed each, largest group first (ties: the
    /// hash revealed first).
    pub fn groups(&self) -> alloc::vec::Vec<(H256, u32)> {
        let mut groups: alloc::vec::Vec<(H256, u32)> = alloc::vec::Vec::new();
        for p in &self.participants {
            let (ParticipantState::Revealed, Some(hash)) = (p.state, p.output_hash) else {
                continue;
            };
            match groups.iter_mut().find(|(h, _)| *h == hash) {
                Some((_, n)) => *n += 1,
                None => groups.push((hash, 1)),
            }
        }
        // Stable: equal groups keep their order of first reveal.
        groups.sort_by(|a, b| b.1.cmp(&a.1));
        groups
    }
}
