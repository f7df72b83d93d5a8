//! Read-only helpers behind the market runtime API.

use aitbc_primitives::{JobId, ReceiptId, MAX_PAGE};
use alloc::vec::Vec;

use crate::{Config, Pallet, ReceiptByJob, ReceiptOf, Receipts, ReceiptsByMiner};

impl<T: Config> Pallet<T> {
    /// One receipt.
    pub fn receipt(id: ReceiptId) -> Option<ReceiptOf<T>> {
        Receipts::<T>::get(id)
    }

    /// The receipts of a job (at most one).
    pub fn receipts_by_job(job_id: JobId) -> Vec<ReceiptOf<T>> {
        ReceiptByJob::<T>::get(job_id)
            .and_then(Receipts::<T>::get)
            .into_iter()
            .collect()
    }

    /// A miner's receipts with id `>= from`, ascending, at most `limit` (capped at `MAX_PAGE`).
    /// For off-chain queries only (it walks the miner's index).
    pub fn receipts_by_miner(
        miner: &T::AccountId,
        from: ReceiptId,
        limit: u32,
    ) -> Vec<ReceiptOf<T>> {
        let mut ids: Vec<ReceiptId> = ReceiptsByMiner::<T>::iter_key_prefix(miner)
            .filter(|id| *id >= from)
            .collect();
        ids.sort_unstable();
        ids.into_iter()
            .take(limit.min(MAX_PAGE) as usize)
            .filter_map(Receipts::<T>::get)
            .collect()
    }
}
