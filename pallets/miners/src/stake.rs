//! Holding, releasing and slashing miner stakes. All stake money moves through this module.

use frame_support::{
    ensure,
    traits::Get,
    traits::{
        fungible::{Inspect, InspectHold, MutateHold},
        tokens::{Fortitude, Precision, Preservation},
    },
};
use sp_runtime::{traits::Zero, DispatchResult, Saturating};

use crate::{BalanceOf, Config, Error, Event, HoldReason, MinerOf, Pallet, TotalSlashed};

impl<T: Config> Pallet<T> {
    /// Put `amount` of `who`'s free balance on hold as stake.
    pub(crate) fn hold_stake(who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
        let free = T::Currency::reducible_balance(who, Preservation::Protect, Fortitude::Polite);
        ensure!(free >= amount, Error::<T>::InsufficientBalance);
        T::Currency::hold(&HoldReason::MinerStake.into(), who, amount)
            .map_err(|_| Error::<T>::InsufficientBalance.into())
    }

    /// Release `amount` of `who`'s stake back to its free balance.
    pub(crate) fn release_stake(who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
        T::Currency::release(
            &HoldReason::MinerStake.into(),
            who,
            amount,
            Precision::BestEffort,
        )?;
        Ok(())
    }

    /// Slash `SlashShare` of `miner`'s stake: burn it from the hold, so total issuance falls by
    /// the same amount. Updates `miner` (the caller stores it) and `TotalSlashed`.
    pub(crate) fn slash(who: &T::AccountId, miner: &mut MinerOf<T>) -> BalanceOf<T> {
        let wanted = T::SlashShare::get().mul_floor(miner.stake);
        if wanted.is_zero() {
            return Zero::zero();
        }
        let reason = HoldReason::MinerStake.into();
        let held = T::Currency::balance_on_hold(&reason, who);
        let burned = T::Currency::burn_held(
            &reason,
            who,
            wanted.min(held),
            Precision::BestEffort,
            Fortitude::Force,
        )
        .unwrap_or_else(|_| Zero::zero());
        miner.stake = miner.stake.saturating_sub(burned);
        miner.slashed = miner.slashed.saturating_add(burned);
        TotalSlashed::<T>::mutate(|t| *t = t.saturating_add(burned));
        Self::deposit_event(Event::Slashed {
            miner: who.clone(),
            amount: burned,
        });
        burned
    }
}
