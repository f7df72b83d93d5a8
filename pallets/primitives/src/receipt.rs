//! A receipt as stored on chain and returned by the runtime API.

use codec::{Decode, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::{H256, H512};

use crate::{JobId, ReceiptId};

/// Domain of a miner's receipt signature (so that it can never be a signature of anything else).
pub const RECEIPT_SIGNING_CONTEXT: &[u8] = b"aitbc/receipt/v1";

/// What a miner signs when it delivers a result: the receipt's content that the miner vouches
/// for (job, both parties, result hash, units in thousandths of a GPU-second, unit price),
/// SCALE-encoded after [`RECEIPT_SIGNING_CONTEXT`]. The chain checks the signature against the
/// miner's account before it writes the receipt; anyone can check it again later from the
/// receipt alone.
pub fn receipt_signing_payload<AccountId: Encode, Balance: Encode>(
    job_id: JobId,
    client: &AccountId,
    miner: &AccountId,
    result_hash: &H256,
    units_milli: u64,
    unit_price: &Balance,
) -> alloc::vec::Vec<u8> {
    let mut out = RECEIPT_SIGNING_CONTEXT.to_vec();
    (job_id, client, miner, result_hash, units_milli, unit_price).encode_to(&mut out);
    out
}

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
    /// Billable units in thousandths of a GPU-second (the compute time in milliseconds).
    pub units_milli: u64,
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
    /// The miner's sr25519 signature of [`receipt_signing_payload`], checked on chain when the
    /// result was delivered (zero for receipts written before signatures existed).
    pub signature: H512,
}
