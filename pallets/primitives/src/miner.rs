//! A miner as stored on chain and returned by the runtime API.

use codec::{Decode, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_runtime::Permill;

use crate::{Hardware, ModelList};

/// Delivered, failed and late job counts, from which the reputation score is derived.
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug, Default, TypeInfo, MaxEncodedLen)]
pub struct Reputation {
    /// Jobs completed with a result.
    pub delivered: u32,
    /// Jobs the miner reported as failed.
    pub failed: u32,
    /// Deadlines missed (acknowledgement deadline, or TTL reached while assigned/running).
    pub late: u32,
}

impl Reputation {
    /// Score in `[0, 1]`: `(delivered + 1) / (delivered + failed + late + 2)` (Laplace
    /// smoothing: a new miner scores 50%, and each outcome moves the score a little).
    pub fn score(&self) -> Permill {
        let good = u64::from(self.delivered) + 1;
        let total = u64::from(self.delivered) + u64::from(self.failed) + u64::from(self.late) + 2;
        Permill::from_rational(good, total)
    }
}

/// Whether a miner takes new jobs or is leaving.
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub enum MinerStatus<BlockNumber> {
    /// Registered and taking jobs (when online).
    Active,
    /// Deregistered; stake can be withdrawn from block `until`.
    Unbonding {
        /// First block at which `withdraw_unbonded` succeeds.
        until: BlockNumber,
    },
}

/// A registered miner.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct Miner<Balance, BlockNumber> {
    /// Declared hardware.
    pub hardware: Hardware,
    /// Models served.
    pub models: ModelList,
    /// Price per GPU-second.
    pub price_per_gpu_second: Balance,
    /// Stake held (under the miners pallet's `MinerStake` hold reason).
    pub stake: Balance,
    /// Block of registration.
    pub registered_at: BlockNumber,
    /// Block of the last heartbeat (registration and `update` count as heartbeats).
    pub last_heartbeat: BlockNumber,
    /// Active or unbonding.
    pub status: MinerStatus<BlockNumber>,
    /// Jobs currently assigned to or running on this miner.
    pub active_jobs: u32,
    /// Outcome counts.
    pub reputation: Reputation,
    /// Total stake slashed so far.
    pub slashed: Balance,
}

/// A miner as returned by the runtime API: the stored record plus derived facts.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct MinerInfo<AccountId, Balance, BlockNumber> {
    /// The miner's account.
    pub account: AccountId,
    /// The stored record.
    pub miner: Miner<Balance, BlockNumber>,
    /// Whether it heartbeated recently enough to get new jobs.
    pub online: bool,
    /// Its reputation score.
    pub score: Permill,
}
