//! Read-only helpers behind the market runtime API.

use aitbc_primitives::{MinerInfo, MAX_PAGE};
use alloc::vec::Vec;

use crate::{BalanceOf, Config, MinerOf, Miners, Pallet};
use frame_system::pallet_prelude::BlockNumberFor;

/// A miner as returned by the runtime API.
pub type MinerInfoOf<T> =
    MinerInfo<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;

impl<T: Config> Pallet<T> {
    fn info(account: T::AccountId, miner: MinerOf<T>) -> MinerInfoOf<T> {
        let now = frame_system::Pallet::<T>::block_number();
        let online = Self::is_online(&miner, now);
        let score = miner.reputation.score();
        MinerInfo {
            account,
            miner,
            online,
            score,
        }
    }

    /// One miner, with derived facts.
    pub fn miner_info(who: &T::AccountId) -> Option<MinerInfoOf<T>> {
        Miners::<T>::get(who).map(|m| Self::info(who.clone(), m))
    }

    /// A page of miners in storage order: skip `start`, return at most `limit` (capped at
    /// `MAX_PAGE`). For off-chain queries only (it walks the map).
    pub fn list_miners(start: u32, limit: u32) -> Vec<MinerInfoOf<T>> {
        Miners::<T>::iter()
            .skip(start as usize)
            .take(limit.min(MAX_PAGE) as usize)
            .map(|(who, m)| Self::info(who, m))
            .collect()
    }
}

impl<T: Config> aitbc_primitives::MinerStake<T::AccountId, BalanceOf<T>> for Pallet<T> {
    /// The stake recorded for `miner` (also while it unbonds), zero when not registered.
    fn stake_of(miner: &T::AccountId) -> BalanceOf<T> {
        Miners::<T>::get(miner).map(|m| m.stake).unwrap_or_default()
    }
}
