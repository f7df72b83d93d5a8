//! A job as stored on chain and returned by the runtime API.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{traits::ConstU32, BoundedVec};
use scale_info::TypeInfo;
use sp_core::H256;

use crate::{
    GenerationOptions, JobId, JobInput, JobType, Metrics, ModelName, ReceiptId, Requirements,
    ResultBytes, MAX_EXCLUDED_MINERS,
};

/// Where a job is in its life. `Completed`, `Failed`, `Cancelled` and `Expired` are terminal.
#[derive(
    Encode,
    Decode,
    DecodeWithMemTracking,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Debug,
    TypeInfo,
    MaxEncodedLen,
)]
pub enum JobStatus {
    /// Submitted without a budget; waits for `fund`.
    Unfunded,
    /// Budget on hold; waits in the assignment queue.
    Queued,
    /// Assigned to a miner; waits for the miner's `accept`.
    Assigned,
    /// Accepted by the miner; waits for its result.
    Running,
    /// Result delivered, miner paid, remainder refunded, receipt written.
    Completed,
    /// Failed (reported by the miner, or no miner acknowledged it); refunded in full.
    Failed,
    /// Cancelled by its owner; refunded in full, or, if the miner had accepted, the miner paid
    /// for its time and the rest refunded.
    Cancelled,
    /// Reached its TTL before completing; refunded in full.
    Expired,
}

impl JobStatus {
    /// Whether no further transition can happen.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            Self::Completed | Self::Failed | Self::Cancelled | Self::Expired
        )
    }
}

/// The block at which a job entered each status (the latest time, for statuses that repeat on
/// reassignment). `None`: never entered.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, Default, TypeInfo, MaxEncodedLen)]
pub struct JobTimeline<BlockNumber> {
    /// Entered `Unfunded`.
    pub unfunded: Option<BlockNumber>,
    /// Entered `Queued`.
    pub queued: Option<BlockNumber>,
    /// Entered `Assigned`.
    pub assigned: Option<BlockNumber>,
    /// Entered `Running`.
    pub running: Option<BlockNumber>,
    /// Entered `Completed`.
    pub completed: Option<BlockNumber>,
    /// Entered `Failed`.
    pub failed: Option<BlockNumber>,
    /// Entered `Cancelled`.
    pub cancelled: Option<BlockNumber>,
    /// Entered `Expired`.
    pub expired: Option<BlockNumber>,
}

impl<BlockNumber> JobTimeline<BlockNumber> {
    /// Record that `status` was entered at `at`.
    pub fn record(&mut self, status: JobStatus, at: BlockNumber) {
        let slot = match status {
            JobStatus::Unfunded => &mut self.unfunded,
            JobStatus::Queued => &mut self.queued,
            JobStatus::Assigned => &mut self.assigned,
            JobStatus::Running => &mut self.running,
            JobStatus::Completed => &mut self.completed,
            JobStatus::Failed => &mut self.failed,
            JobStatus::Cancelled => &mut self.cancelled,
            JobStatus::Expired => &mut self.expired,
        };
        *slot = Some(at);
    }
}

/// A compute job.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct Job<AccountId, Balance, BlockNumber> {
    /// Its identifier.
    pub id: JobId,
    /// The client who submitted it and pays for it.
    pub owner: AccountId,
    /// Kind of work.
    pub job_type: JobType,
    /// Model to run.
    pub model: ModelName,
    /// Input.
    pub input: JobInput,
    /// What the miner must offer.
    pub requirements: Requirements,
    /// How the output is generated (temperature, length, seed, system prompt).
    pub options: GenerationOptions,
    /// The miner the client asked for: the job is assigned to it alone, when it is eligible.
    pub provider: Option<AccountId>,
    /// Most the client pays (0 while `Unfunded`).
    pub budget: Balance,
    /// Amount currently held in escrow for this job (0 once terminal).
    pub escrowed: Balance,
    /// Time to live, in blocks, counted from submission.
    pub ttl: BlockNumber,
    /// Block at which it expires unless terminal before.
    pub expires_at: BlockNumber,
    /// Current status.
    pub status: JobStatus,
    /// Block at which the current status was entered.
    pub status_since: BlockNumber,
    /// Block at which each status was entered.
    pub timeline: JobTimeline<BlockNumber>,
    /// Assigned miner (kept after completion, for the record).
    pub miner: Option<AccountId>,
    /// The assigned miner's price per GPU-second, fixed at assignment.
    pub unit_price: Balance,
    /// Block by which the assigned miner must `accept`.
    pub ack_deadline: Option<BlockNumber>,
    /// Miners that missed their acknowledgement deadline for this job; never assigned it again.
    pub excluded: BoundedVec<AccountId, ConstU32<MAX_EXCLUDED_MINERS>>,
    /// Hash of the delivered result.
    pub result_hash: Option<H256>,
    /// Metrics of the delivered result.
    pub metrics: Option<Metrics>,
    /// Receipt written at completion.
    pub receipt: Option<ReceiptId>,
}

/// A delivered result, kept apart from the job because it can be large.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct JobResult {
    /// blake2-256 hash of `output`.
    pub hash: H256,
    /// The result as delivered (a miner cuts an output longer than
    /// [`crate::MAX_RESULT_BYTES`] to fit; `hash` is the hash of these bytes, recomputed by the
    /// chain).
    pub output: ResultBytes,
    /// Compute metrics.
    pub metrics: Metrics,
}
