//! Escrow: every movement of a job's budget happens here.
//!
//! - `Pallet::hold_budget`: the client's budget goes on hold (`HoldReason::JobEscrow`).
//! - [`Pallet::settle`]: on completion (or a cancellation after acceptance), the protocol fee
//!   ([`ProtocolFee`] of the price) is burned from the hold (`burn_held`), the rest of the price
//!   goes from the hold to the miner (`transfer_on_hold`, exact, free) and the remainder is
//!   released to the client. [`TotalFeesBurned`] counts the fees.
//! - [`Pallet::pay`]: the same payment without the release, for a redundant job that pays each
//!   agreeing miner before it refunds the rest once.
//! - [`Pallet::refund`]: on failure, cancellation or expiry, the whole hold is released.
//! - Job bonds of redundant jobs ([`HoldReason::JobBond`]) are held from each participant at
//!   assignment, released when its part ends, and burned for a provable fault
//!   ([`Pallet::slash_bond`]); [`TotalBondsSlashed`](crate::TotalBondsSlashed) counts them.
//!
//! After `settle` or `refund` the job's `escrowed` is zero and nothing is held for it.

use frame_support::{
    ensure,
    traits::{
        fungible::{Inspect, MutateHold},
        tokens::{Fortitude, Precision, Preservation, Restriction},
        Get,
    },
};
use sp_runtime::{traits::Zero, DispatchError, DispatchResult, Saturating};

use crate::{
    BalanceOf, Config, Error, Event, HoldReason, JobOf, Pallet, ProtocolFee, TotalFeesBurned,
};

/// What [`Pallet::settle`] moved.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Settlement<Balance> {
    /// Paid for the job: the protocol fee plus what the miner received.
    pub price: Balance,
    /// The protocol fee, burned.
    pub fee: Balance,
    /// Released back to the owner.
    pub refunded: Balance,
}

impl<T: Config> Pallet<T> {
    /// Hold `amount` from the job's owner as its escrow.
    pub(crate) fn hold_budget(job: &mut JobOf<T>, amount: BalanceOf<T>) -> DispatchResult {
        let free =
            T::Currency::reducible_balance(&job.owner, Preservation::Protect, Fortitude::Polite);
        ensure!(free >= amount, Error::<T>::InsufficientBalance);
        T::Currency::hold(&HoldReason::JobEscrow.into(), &job.owner, amount)
            .map_err(|_| Error::<T>::InsufficientBalance)?;
        job.budget = amount;
        job.escrowed = amount;
        Self::deposit_event(Event::EscrowHeld {
            job_id: job.id,
            owner: job.owner.clone(),
            amount,
        });
        Ok(())
    }

    /// Pay `price` (at most the escrow) for the job from its escrow: the protocol fee
    /// ([`ProtocolFee`](crate::ProtocolFee) of it) is burned from the hold (`burn_held`), the
    /// rest goes to `miner`, and what is left of the escrow is released to the owner. Returns
    /// what was paid (`price`, fee included), the fee burned, and the refund.
    pub fn settle(
        job: &mut JobOf<T>,
        miner: &T::AccountId,
        price: BalanceOf<T>,
    ) -> Result<Settlement<BalanceOf<T>>, DispatchError> {
        let (price, fee) = Self::pay(job, miner, price)?;
        let refunded = Self::refund(job)?;
        Ok(Settlement {
            price,
            fee,
            refunded,
        })
    }

    /// Pay `price` (at most what is left of the escrow) to `miner` from the job's escrow,
    /// burning the protocol fee out of it, and keep the rest of the escrow held (a redundant
    /// job pays several miners, then refunds once). Returns what was paid (fee included) and
    /// the fee.
    pub fn pay(
        job: &mut JobOf<T>,
        miner: &T::AccountId,
        price: BalanceOf<T>,
    ) -> Result<(BalanceOf<T>, BalanceOf<T>), DispatchError> {
        let price = price.min(job.escrowed);
        let fee = ProtocolFee::<T>::get().mul_floor(price);
        let burned = if fee.is_zero() {
            Zero::zero()
        } else {
            T::Currency::burn_held(
                &HoldReason::JobEscrow.into(),
                &job.owner,
                fee,
                Precision::Exact,
                Fortitude::Force,
            )?
        };
        job.escrowed = job.escrowed.saturating_sub(burned);
        TotalFeesBurned::<T>::mutate(|t| *t = t.saturating_add(burned));
        if !burned.is_zero() {
            Self::deposit_event(Event::ProtocolFeeBurned {
                job_id: job.id,
                amount: burned,
            });
        }
        let to_miner = price.saturating_sub(burned);
        let paid = if to_miner.is_zero() {
            Zero::zero()
        } else {
            T::Currency::transfer_on_hold(
                &HoldReason::JobEscrow.into(),
                &job.owner,
                miner,
                to_miner,
                Precision::Exact,
                Restriction::Free,
                Fortitude::Force,
            )?
        };
        job.escrowed = job.escrowed.saturating_sub(paid);
        Self::deposit_event(Event::MinerPaid {
            job_id: job.id,
            miner: miner.clone(),
            amount: paid,
        });
        Ok((paid.saturating_add(burned), burned))
    }

    /// Release the job's whole escrow to its owner. Returns the amount released.
    pub fn refund(job: &mut JobOf<T>) -> Result<BalanceOf<T>, DispatchError> {
        let amount = job.escrowed;
        if amount.is_zero() {
            return Ok(amount);
        }
        T::Currency::release(
            &HoldReason::JobEscrow.into(),
            &job.owner,
            amount,
            Precision::Exact,
        )?;
        job.escrowed = Zero::zero();
        Self::deposit_event(Event::EscrowRefunded {
            job_id: job.id,
            owner: job.owner.clone(),
            amount,
        });
        Ok(amount)
    }

    /// Whether `miner` can put up a job bond now.
    pub(crate) fn can_bond(miner: &T::AccountId) -> bool {
        let bond = T::JobBond::get();
        bond.is_zero()
            || T::Currency::reducible_balance(miner, Preservation::Protect, Fortitude::Polite)
                >= bond
    }

    /// Hold the job bond from `miner`. Returns the amount held.
    pub(crate) fn hold_bond(miner: &T::AccountId) -> Result<BalanceOf<T>, DispatchError> {
        let bond = T::JobBond::get();
        if !bond.is_zero() {
            T::Currency::hold(&HoldReason::JobBond.into(), miner, bond)?;
        }
        Ok(bond)
    }

    /// Release `amount` of `miner`'s job bond (best effort: only this pallet holds it).
    pub(crate) fn release_bond(miner: &T::AccountId, amount: BalanceOf<T>) {
        if !amount.is_zero() {
            let _ = T::Currency::release(
                &HoldReason::JobBond.into(),
                miner,
                amount,
                Precision::BestEffort,
            );
        }
    }

    /// Burn `amount` of `miner`'s job bond for a provable fault in job `job_id`. Returns the
    /// amount burned.
    pub(crate) fn slash_bond(
        job_id: aitbc_primitives::JobId,
        miner: &T::AccountId,
        amount: BalanceOf<T>,
    ) -> BalanceOf<T> {
        if amount.is_zero() {
            return amount;
        }
        let burned = T::Currency::burn_held(
            &HoldReason::JobBond.into(),
            miner,
            amount,
            Precision::BestEffort,
            Fortitude::Force,
        )
        .unwrap_or_default();
        crate::TotalBondsSlashed::<T>::mutate(|t| *t = t.saturating_add(burned));
        Self::deposit_event(Event::BondSlashed {
            job_id,
            miner: miner.clone(),
            amount: burned,
        });
        burned
    }
}
