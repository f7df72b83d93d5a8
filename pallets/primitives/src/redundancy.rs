//! k-of-n redundant jobs: what a client asks for, what each miner commits and reveals, what the
//! referee reports, and what the receipt records of every participant.
//!
//! A redundant job runs on `k` distinct miners of one execution profile. Each commits
//! [`commitment`]`(output hash, miner, salt)` before anyone reveals, so no miner can copy
//! another's answer; once all have committed (or the commit window closed) each reveals its
//! output and salt. When at least the quorum reveal the same output hash the job completes with
//! that output. Miners that revealed something else are referred to a referee, which runs one
//! forward pass over the prompt and the outputs' common prefix and reports the logits of the
//! disputed tokens ([`RefereeFinding`]).

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{traits::ConstU32, BoundedVec};
use scale_info::TypeInfo;
use sp_core::{H256, H512};

use crate::{Metrics, ModelName};
use sp_runtime::traits::Zero;

/// Most miners one redundant job runs on (`k`).
pub const MAX_REDUNDANCY: u32 = 7;
/// Most participants a redundant job records: its `k` miners and the ones they replaced
/// (each missed commit excludes a miner, at most [`crate::MAX_EXCLUDED_MINERS`]).
pub const MAX_PARTICIPANTS: u32 = MAX_REDUNDANCY + crate::MAX_EXCLUDED_MINERS;

/// Most tokens a redundant job generates when it names no limit: every participant must stop
/// at the same token, so the limit is fixed on chain rather than left to each miner.
pub const REDUNDANT_DEFAULT_MAX_TOKENS: u32 = 256;

/// Domain of a commitment (so that it can never be the hash of anything else).
pub const COMMITMENT_CONTEXT: &[u8] = b"aitbc/commit/v1";

/// The commitment a miner sends before revealing: BLAKE2-256 of [`COMMITMENT_CONTEXT`] and the
/// SCALE encoding of `(output_hash, miner, salt)`. The miner's account is inside, so a
/// commitment copied from another miner never matches the copier's reveal.
pub fn commitment<AccountId: Encode>(output_hash: &H256, miner: &AccountId, salt: &H256) -> H256 {
    let mut data = COMMITMENT_CONTEXT.to_vec();
    (output_hash, miner, salt).encode_to(&mut data);
    <sp_runtime::traits::BlakeTwo256 as sp_runtime::traits::Hash>::hash(&data)
}

/// How a redundant job pays the miners that agree.
#[derive(
    Encode,
    Decode,
    DecodeWithMemTracking,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Debug,
    TypeInfo,
    MaxEncodedLen,
)]
pub enum Payout {
    /// Each agreeing miner is paid its own metered price, at most the budget divided by `k`.
    Each,
    /// The agreeing miners share the price of one run (the lowest agreeing miner's metered
    /// price, at most the budget) equally.
    Shared,
}

/// What a client asks of a redundant job.
#[derive(
    Encode,
    Decode,
    DecodeWithMemTracking,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Debug,
    TypeInfo,
    MaxEncodedLen,
)]
pub struct Redundancy {
    /// How many distinct miners run the job, `2..=MAX_REDUNDANCY`.
    pub k: u8,
    /// How many must reveal the same output for the job to complete: a strict majority of `k`,
    /// at most `k`. `0` means the default, `⌈2k/3⌉` (at least a strict majority).
    pub quorum: u8,
    /// How the agreeing miners are paid.
    pub payout: Payout,
    /// The execution profile every miner must have declared.
    pub profile: H256,
}

impl Redundancy {
    /// The quorum in effect: the requested one, or `max(⌈2k/3⌉, ⌊k/2⌋ + 1)`.
    pub fn effective_quorum(&self) -> u8 {
        if self.quorum != 0 {
            return self.quorum;
        }
        let two_thirds = (2 * u16::from(self.k)).div_ceil(3);
        let majority = u16::from(self.k) / 2 + 1;
        two_thirds.max(majority) as u8
    }

    /// Whether `k` and the quorum are within bounds: `2 <= k <= MAX_REDUNDANCY`, and the
    /// quorum a strict majority of `k`, at most `k`.
    pub fn is_valid(&self) -> bool {
        let q = self.effective_quorum();
        self.k >= 2 && u32::from(self.k) <= MAX_REDUNDANCY && q <= self.k && 2 * q > self.k
    }
}

/// The facts of an execution profile a job needs.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ProfileFacts {
    /// The model jobs on this profile ask for.
    pub model: ModelName,
    /// The sampling the profile fixes: `None` for greedy decoding, else `(seed, temperature in
    /// thousandths, top-p in thousandths)`.
    pub sampling: Option<(u64, u32, u32)>,
}

/// What the jobs pallet needs to know of execution profiles.
pub trait ProfileDirectory<AccountId> {
    /// The facts of a registered (not retired) profile.
    fn profile(id: &H256) -> Option<ProfileFacts>;
    /// Whether `miner` has declared that it runs profile `id`.
    fn runs(miner: &AccountId, id: &H256) -> bool;

    /// Register a greedy profile for `model` run by `miners`, and return its id. For
    /// benchmarks and tests only.
    fn setup_profile(model: &ModelName, miners: &[AccountId]) -> H256;
}

/// Where a participant of a redundant job stands.
#[derive(
    Encode,
    Decode,
    DecodeWithMemTracking,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Debug,
    TypeInfo,
    MaxEncodedLen,
)]
pub enum ParticipantState {
    /// Assigned; it has not committed yet.
    Assigned,
    /// Committed; it has not revealed yet.
    Committed,
    /// Revealed an output matching its commitment.
    Revealed,
    /// Did not commit within the commit window: noted late and replaced.
    MissedCommit,
    /// Did not reveal within the reveal window: noted late.
    MissedReveal,
    /// Revealed an output that does not match its commitment: its job bond was slashed.
    RevealMismatch,
}

/// How a participant's part in a settled redundant job ended, as its receipt records it.
#[derive(
    Encode,
    Decode,
    DecodeWithMemTracking,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Debug,
    TypeInfo,
    MaxEncodedLen,
)]
pub enum ParticipantVerdict {
    /// Revealed the agreed output; paid.
    Agreed,
    /// Revealed another output (referred to the referee).
    Dissented,
    /// Did not commit in time; replaced by another miner.
    MissedCommit,
    /// Revealed nothing in time.
    NoReveal,
    /// Revealed an output that did not match its commitment (slashed).
    RevealMismatch,
}

/// One participant of a redundant job, as its receipt records it.
#[derive(
    Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct ReceiptParticipant<AccountId, Balance> {
    /// The miner.
    pub miner: AccountId,
    /// How its part ended.
    pub verdict: ParticipantVerdict,
    /// The output hash it revealed (zero when it revealed none).
    pub output_hash: H256,
    /// Billable units it metered, in thousandths of a GPU-second.
    pub units_milli: u64,
    /// Its price per unit, fixed at assignment.
    pub unit_price: Balance,
    /// What it was paid, protocol fee included.
    pub paid: Balance,
    /// The protocol fee burned out of `paid`.
    pub fee: Balance,
    /// Its signature of [`crate::receipt_signing_payload`] over `output_hash` (zero when it
    /// revealed none).
    pub signature: H512,
}

/// Every participant of a redundant job.
pub type ReceiptParticipants<AccountId, Balance> =
    BoundedVec<ReceiptParticipant<AccountId, Balance>, ConstU32<MAX_PARTICIPANTS>>;

/// What a referee reports: the first output token where two outputs differ and the model's
/// logits there, computed by one forward pass over the prompt and the common prefix. Logits
/// are in thousandths (rounded). A side whose token's logit is more than the runtime's margin
/// threshold below `top_logit_milli` chose a token the model does not choose: it is provably
/// wrong.
#[derive(
    Encode,
    Decode,
    DecodeWithMemTracking,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Debug,
    TypeInfo,
    MaxEncodedLen,
)]
pub struct RefereeFinding {
    /// Position of the first differing token, counted in output tokens.
    pub position: u32,
    /// Token of output A (the one hashing to the dispute's `hash_a`) at `position`.
    pub token_a: u32,
    /// Token of output B at `position`.
    pub token_b: u32,
    /// Logit of `token_a`, in thousandths.
    pub logit_a_milli: i64,
    /// Logit of `token_b`, in thousandths.
    pub logit_b_milli: i64,
    /// The most likely token at `position`.
    pub top_token: u32,
    /// Its logit, in thousandths.
    pub top_logit_milli: i64,
}

impl RefereeFinding {
    /// How far below the top logit output A's token is (0 when it is the top token).
    pub fn margin_a(&self) -> u64 {
        self.top_logit_milli
            .saturating_sub(self.logit_a_milli)
            .max(0) as u64
    }

    /// How far below the top logit output B's token is.
    pub fn margin_b(&self) -> u64 {
        self.top_logit_milli
            .saturating_sub(self.logit_b_milli)
            .max(0) as u64
    }

    /// Whether the finding is coherent: the two tokens differ and no logit is above the top.
    pub fn is_coherent(&self) -> bool {
        self.token_a != self.token_b
            && self.logit_a_milli <= self.top_logit_milli
            && self.logit_b_milli <= self.top_logit_milli
            && (self.top_token != self.token_a || self.logit_a_milli == self.top_logit_milli)
            && (self.top_token != self.token_b || self.logit_b_milli == self.top_logit_milli)
    }
}

/// How a referee settled a dispute.
#[derive(
    Encode,
    Decode,
    DecodeWithMemTracking,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Debug,
    TypeInfo,
    MaxEncodedLen,
)]
pub enum DisputeOutcome {
    /// Side A chose the model's token, side B provably did not: B's miners were slashed.
    AWins,
    /// Side B chose the model's token, side A provably did not: A's miners were slashed.
    BWins,
    /// Both sides are within the margin threshold of the top token: an honest near-tie, no one
    /// slashed.
    NearTie,
    /// Neither side chose a token within the threshold: both sides were slashed.
    BothWrong,
    /// The referee did not report in time: no one slashed, the referee noted late.
    RefereeMissed,
    /// No miner could referee (none of the profile besides the disputants): no one slashed.
    NoReferee,
}

/// A settled dispute, kept with the job for `swarm consensus` and auditors.
#[derive(
    Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct DisputeRecord<AccountId> {
    /// The output hash of side A (the agreed output when the job had a quorum).
    pub hash_a: H256,
    /// The output hash of side B.
    pub hash_b: H256,
    /// The referee, when one reported.
    pub referee: Option<AccountId>,
    /// What the referee found.
    pub finding: Option<RefereeFinding>,
    /// How it ended.
    pub outcome: DisputeOutcome,
}

/// The receipt of a redundant job names every participant ([`ReceiptParticipants`]); this is
/// what [`crate::ReceiptSink::record_redundant`] gets.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RedundantReceipt<AccountId, Balance> {
    /// The receipt's primary record (the first agreeing miner; `price` and `fee` are the
    /// totals paid to all agreeing miners).
    pub primary: crate::CompletedJob<AccountId, Balance>,
    /// Every participant.
    pub participants: ReceiptParticipants<AccountId, Balance>,
}

// ---- The stored round of a redundant job (the jobs pallet's `Rounds`, the runtime API's
// `RedundancyApi_round`).

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
    /// The smallest gap, in thousandths of a logit, between the two most likely tokens at any
    /// step of its output, as it reported with its reveal (`None`: its backend does not
    /// report it). How close greedy decoding came to choosing otherwise: every honest
    /// participant of one profile reports the same value.
    pub min_margin_milli: Option<u32>,
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
            min_margin_milli: None,
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
    /// the jobs pallet's `AckDeadlines`.
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
        groups.sort_by_key(|g| core::cmp::Reverse(g.1));
        groups
    }
}
