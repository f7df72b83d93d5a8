//! Escrow: every movement of a job's budget happens here.
//!
//! - `Pallet::hold_budget`: the client's budget goes on hold (`HoldReason::JobEscrow`).
//! - [`Pallet::settle`]: on completion, the price goes from the hold to the miner
//!   (`transfer_on_hold`, exact, free) and the remainder is released to the client.
//! - [`Pallet::refund`]: on failure, cancellation or expiry, the whole hold is released.
//!
//! After `settle` or `refund` the job's `escrowed` is zero and nothing is held for it.

use frame_support::{
    ensure,
    traits::{
        fungible::{Inspect, MutateHold},
        tokens::{Fortitude, Precision, Preservation, Restriction},
    },
};
use sp_runtime::{traits::Zero, DispatchError, DispatchResult, Saturating};

use crate::{BalanceOf, Config, Error, Event, HoldReason, JobOf, Pallet};

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

    /// Pay `price` (at most the escrow) to `miner` from the job's escrow and release the rest
    /// to the owner. Returns `(paid, refunded)`.
    pub fn settle(
        job: &mut JobOf<T>,
        miner: &T::AccountId,
        price: BalanceOf<T>,
    ) -> Result<(BalanceOf<T>, BalanceOf<T>), DispatchError> {
        let price = price.min(job.escrowed);
        let paid = if price.is_zero() {
            Zero::zero()
        } else {
            T::Currency::transfer_on_hold(
                &HoldReason::JobEscrow.into(),
                &job.owner,
                miner,
                price,
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
        let refunded = Self::refund(job)?;
        Ok((paid, refunded))
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
}
