//! A receipt as stored on chain and returned by the runtime API.

use codec::{Decode, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::H256;

use crate::{JobId, ReceiptId};

/// Whether the emission share of a receipt was claimed.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub enum RewardStatus<AccountId, Balance, BlockNumber> {
    /// Not claimed yet.
    Unclaimed,
    /// Claimed; the reward was minted to the receipt's miner.
    Claimed {
        /// Block of the claim.
        block: BlockNumber,
        /// Account that sent the claim.
        claimer: AccountId,
        /// Amount minted (possibly zero).
        amount: Balance,
    },
}

/// The on-chain record of a completed job and its payment.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct Receipt<AccountId, Balance, BlockNumber> {
    /// Its identifier.
    pub id: ReceiptId,
    /// The job it settles.
    pub job_id: JobId,
    /// The paying client.
    pub client: AccountId,
    /// The paid miner.
    pub miner: AccountId,
    /// Billable units (GPU-seconds).
    pub units: u64,
    /// Price per unit.
    pub unit_price: Balance,
    /// Amount the client paid, protocol fee included (the miner received `price - fee`).
    pub price: Balance,
    /// The protocol fee burned out of `price`: the most this receipt's emission can be.
    pub fee: Balance,
    /// Hash of the result.
    pub result_hash: H256,
    /// Block of completion.
    pub block: BlockNumber,
    /// Time of completion, in milliseconds since the Unix epoch.
    pub timestamp_ms: u64,
    /// Reward claim status.
    pub reward: RewardStatus<AccountId, Balance, BlockNumber>,
}
