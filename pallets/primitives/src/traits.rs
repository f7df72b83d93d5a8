//! The seams between the market pallets.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::{H256, H512};
use sp_runtime::DispatchError;

use crate::{Ineligibility, JobId, ModelName, ReceiptId, Requirements};

/// How a miner's part in a job ended, for its reputation and stake.
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
pub enum JobOutcome {
    /// The miner delivered a result.
    Delivered,
    /// The miner reported that it could not run the job.
    Failed,
    /// The miner missed a deadline (acknowledgement, or TTL while assigned/running): counted as
    /// late and slashed.
    Late,
    /// The job ended for a reason that is not the miner's (e.g. cancelled by its owner).
    Released,
}

/// What the jobs pallet needs from the miner registry.
pub trait MinerRegistry<AccountId, Balance> {
    /// The best eligible miner for a job, with its price per GPU-second, or `None`.
    /// `exclude` lists miners that must not be chosen. The rule is documented in the
    /// implementing pallet; it must be deterministic and do bounded work
    /// (at most [`Self::max_candidates`] miners looked at).
    fn select_miner(
        model: &ModelName,
        requirements: &Requirements,
        budget: Balance,
        exclude: &[AccountId],
    ) -> Option<(AccountId, Balance)> {
        Self::select_miner_where(model, requirements, budget, exclude, &|_| true)
    }

    /// As [`Self::select_miner`], among the miners `accept` returns `true` for (it is asked
    /// only about otherwise eligible miners, at most [`Self::max_candidates`] times).
    fn select_miner_where(
        model: &ModelName,
        requirements: &Requirements,
        budget: Balance,
        exclude: &[AccountId],
        accept: &dyn Fn(&AccountId) -> bool,
    ) -> Option<(AccountId, Balance)> {
        Self::select_miners_where(model, requirements, budget, exclude, accept, 1)
            .into_iter()
            .next()
    }

    /// The best `count` miners (fewer when fewer are eligible), best first, by the rule of
    /// [`Self::select_miner`] among those `accept` returns `true` for: one pass over at most
    /// [`Self::max_candidates`] miners, whatever `count` is.
    fn select_miners_where(
        model: &ModelName,
        requirements: &Requirements,
        budget: Balance,
        exclude: &[AccountId],
        accept: &dyn Fn(&AccountId) -> bool,
        count: usize,
    ) -> alloc::vec::Vec<(AccountId, Balance)>;

    /// Whether `miner`, asked for by the client, may take a job now: its price per
    /// GPU-second, or why not. The same checks as `select_miner`, for one miner.
    fn check_provider(
        miner: &AccountId,
        model: &ModelName,
        requirements: &Requirements,
        budget: Balance,
    ) -> Result<Balance, Ineligibility>;

    /// Most miners `select_miner` looks at (for weight accounting).
    fn max_candidates() -> u32;

    /// Whether any registered miner lists `model` (online or not). A queued job for a model no
    /// miner serves can never be assigned.
    fn serves(model: &ModelName) -> bool;

    /// A job was assigned to `miner`.
    fn note_assigned(miner: &AccountId);

    /// `miner`'s part in a job ended with `outcome`. Returns the amount slashed (burned) from
    /// its stake, if any.
    fn note_outcome(miner: &AccountId, outcome: JobOutcome) -> Balance;

    /// `miner` took part in a redundant job: `agreed` when its output was the agreed one (or
    /// the referee upheld it), `false` when it was outvoted and proven wrong, or revealed
    /// nothing valid. Moves the miner's agreement average, which selection weighs.
    fn note_agreement(miner: &AccountId, agreed: bool);

    /// Make `who` an online miner serving `model` at `price`, funding its stake as needed.
    /// For benchmarks and tests only.
    fn setup_miner(who: &AccountId, model: &ModelName, price: Balance)
        -> Result<(), DispatchError>;
}

/// A completed, paid job, for the receipt pallet.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CompletedJob<AccountId, Balance> {
    /// The job.
    pub job_id: JobId,
    /// The client who paid.
    pub client: AccountId,
    /// The miner who was paid.
    pub miner: AccountId,
    /// Billable units in thousandths of a GPU-second.
    pub units_milli: u64,
    /// Price per unit.
    pub unit_price: Balance,
    /// Amount the client paid for the job, protocol fee included.
    pub price: Balance,
    /// The protocol fee burned out of `price` (the miner received `price - fee`). A receipt's
    /// emission is capped at it, so paying oneself through a second account never earns more
    /// than it burns.
    pub fee: Balance,
    /// Hash of the result.
    pub result_hash: H256,
    /// The miner's signature of the receipt's content (checked by the jobs pallet).
    pub signature: H512,
}

/// Checks a miner's signature of a receipt ([`crate::receipt_signing_payload`]).
pub trait ReceiptSignatureCheck<AccountId> {
    /// Whether `signature` is `signer`'s signature of `payload`.
    fn verify(signer: &AccountId, payload: &[u8], signature: &H512) -> bool;

    /// A valid signature by `signer` of `payload`, where the check can make one (test and
    /// benchmark verifiers); `None` for real keys, whose secrets the chain never has.
    fn sign_for_benchmark(_signer: &AccountId, _payload: &[u8]) -> Option<H512> {
        None
    }
}

/// Where completed jobs are recorded.
pub trait ReceiptSink<AccountId, Balance> {
    /// Record a receipt for a completed job, once. The payment has already moved.
    fn record(job: CompletedJob<AccountId, Balance>) -> Result<ReceiptId, DispatchError>;

    /// Record the receipt of a completed redundant job: its primary record and every
    /// participant, once. The payments have already moved.
    fn record_redundant(
        receipt: crate::RedundantReceipt<AccountId, Balance>,
    ) -> Result<ReceiptId, DispatchError>;
}
