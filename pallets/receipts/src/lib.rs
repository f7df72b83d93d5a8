//! # AITBC receipts pallet
//!
//! The on-chain record of completed, paid jobs, and the bounded emission to the miners who did
//! them.
//!
//! - The jobs pallet pays the miner from escrow (burning the protocol fee) and then calls
//!   [`ReceiptSink::record`] (implemented here) in the same extrinsic: a [`Receipt`] is written
//!   with the job, client, miner, units (thousandths of a GPU-second), the miner's signature, unit price, price, protocol fee, result
//!   hash, block and timestamp. A job gets at most one receipt ([`Error::ReceiptExists`]).
//!
//! ## Emission
//! Time is cut into eras of [`Config::EraLength`] blocks (era `e` = blocks
//! `e * EraLength .. (e + 1) * EraLength`). Each era's emission budget is [`RewardAmount`]
//! (set at genesis and by [`Pallet::set_reward`] from [`Config::RewardOrigin`], i.e. the DAO's
//! `SetMinerReward`), taken when the era's first receipt is written and kept in [`Eras`] with
//! the era's paid volume and fees. Once the era is over, [`Pallet::claim_reward`] mints to a
//! receipt's miner, exactly once per receipt (anyone may send it; the receipt records the
//! claimer):
//!
//! ```text
//! reward = min(emission * price / volume, fee)      (rounded down)
//! ```
//!
//! so an era mints at most its budget, and no receipt mints more than the protocol fee its job
//! burned: a miner paying itself through a second account burns at least what it can earn,
//! and its net balance never grows. Total issuance therefore never exceeds genesis issuance
//! plus the emission of the eras that had receipts. [`TotalRewardsMinted`] is the sum of all
//! claims: the only tokens the market creates. Receipts written before this scheme (storage
//! version 0) paid no fee and mint nothing.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub mod queries;
pub mod weights;

pub use weights::WeightInfo;

use aitbc_primitives::{CompletedJob, Receipt, ReceiptId, ReceiptSink, RewardStatus};
use codec::{Decode, Encode, MaxEncodedLen};
use frame_support::traits::{fungible, Get};
use frame_system::pallet_prelude::BlockNumberFor;
use scale_info::TypeInfo;
use sp_runtime::{
    helpers_128bit::multiply_by_rational_with_rounding, traits::One, Rounding, SaturatedConversion,
    Saturating,
};

pub mod migrations;

/// Balance type of the configured currency.
pub type BalanceOf<T> =
    <<T as Config>::Currency as fungible::Inspect<<T as frame_system::Config>::AccountId>>::Balance;
/// A stored receipt.
pub type ReceiptOf<T> =
    Receipt<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;

/// Index of an emission era: `block / EraLength`.
pub type EraIndex = u64;

/// What an era's receipts share.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, Default, TypeInfo, MaxEncodedLen)]
pub struct EraTotals<Balance> {
    /// The era's emission budget ([`RewardAmount`] when its first receipt was written).
    pub emission: Balance,
    /// Sum of the era's receipts' `price`.
    pub volume: Balance,
    /// Sum of the era's receipts' protocol `fee`.
    pub fees: Balance,
}

impl<T: Config> Pallet<T> {
    /// The era of block `n`.
    pub fn era_of(n: BlockNumberFor<T>) -> EraIndex {
        let length: u64 = T::EraLength::get().max(One::one()).saturated_into();
        let n: u64 = n.saturated_into();
        n / length
    }

    /// What claiming `receipt` mints: its era's emission pro rata to its price over the era's
    /// volume, rounded down, and never more than its protocol fee.
    pub fn reward_of(receipt: &ReceiptOf<T>) -> BalanceOf<T> {
        let Some(era) = Eras::<T>::get(Self::era_of(receipt.block)) else {
            return 0u32.into();
        };
        let share = multiply_by_rational_with_rounding(
            era.emission.saturated_into::<u128>(),
            receipt.price.saturated_into::<u128>(),
            era.volume.saturated_into::<u128>().max(1),
            Rounding::Down,
        )
        .unwrap_or(0);
        let share: BalanceOf<T> = share.saturated_into();
        share.min(receipt.fee)
    }
}

impl<T: Config> Pallet<T> {
    /// Who gets what of `amount`, the reward of `receipt`: its miner alone, or for a redundant
    /// job each agreeing participant pro rata of its payment, rounded down, with the remainder
    /// to the receipt's miner.
    pub fn reward_shares(
        receipt: &ReceiptOf<T>,
        amount: BalanceOf<T>,
    ) -> alloc::vec::Vec<(T::AccountId, BalanceOf<T>)> {
        let agreeing: alloc::vec::Vec<_> = Participants::<T>::get(receipt.id)
            .unwrap_or_default()
            .into_iter()
            .filter(|p| p.verdict == aitbc_primitives::ParticipantVerdict::Agreed)
            .collect();
        let total: u128 = agreeing
            .iter()
            .map(|p| p.paid.saturated_into::<u128>())
            .fold(0, u128::saturating_add);
        if agreeing.len() < 2 || total == 0 {
            return alloc::vec![(receipt.miner.clone(), amount)];
        }
        let mut shares = alloc::vec::Vec::with_capacity(agreeing.len());
        let mut given: BalanceOf<T> = 0u32.into();
        for p in agreeing.iter().filter(|p| p.miner != receipt.miner) {
            let share = multiply_by_rational_with_rounding(
                amount.saturated_into::<u128>(),
                p.paid.saturated_into::<u128>(),
                total,
                Rounding::Down,
            )
            .unwrap_or(0)
            .saturated_into::<BalanceOf<T>>();
            given = given.saturating_add(share);
            shares.push((p.miner.clone(), share));
        }
        shares.insert(0, (receipt.miner.clone(), amount.saturating_sub(given)));
        shares
    }
}

#[frame_support::pallet]
pub mod pallet {
    use super::*;
    use aitbc_primitives::JobId;
    use frame_support::{
        pallet_prelude::*,
        traits::{fungible::Mutate, UnixTime},
    };
    use frame_system::pallet_prelude::*;
    use sp_runtime::{traits::Zero, Saturating};

    /// Version 1: receipts carry their protocol `fee`; [`RewardAmount`] is a budget per era.
    /// Version 2: receipts keep units to the millisecond (`units_milli`) and carry the miner's
    /// signature.
    const STORAGE_VERSION: StorageVersion = StorageVersion::new(2);

    #[pallet::pallet]
    #[pallet::storage_version(STORAGE_VERSION)]
    pub struct Pallet<T>(_);

    /// Configuration.
    #[pallet::config]
    pub trait Config: frame_system::Config {
        /// The overarching event type.
        #[allow(deprecated)]
        type RuntimeEvent: From<Event<Self>> + IsType<<Self as frame_system::Config>::RuntimeEvent>;
        /// The currency rewards are minted in.
        type Currency: fungible::Inspect<Self::AccountId> + Mutate<Self::AccountId>;
        /// Wall-clock time for receipt timestamps.
        type Time: UnixTime;
        /// Emission budget per era until genesis or governance sets one ([`RewardAmount`]).
        #[pallet::constant]
        type DefaultReward: Get<BalanceOf<Self>>;
        /// Blocks per emission era (at least 1).
        #[pallet::constant]
        type EraLength: Get<BlockNumberFor<Self>>;
        /// Who may change the emission budget (root, i.e. the DAO's `SetMinerReward`).
        type RewardOrigin: EnsureOrigin<Self::RuntimeOrigin>;
        /// Weights of this pallet's calls.
        type WeightInfo: WeightInfo;
    }

    /// Next receipt id.
    #[pallet::storage]
    pub type NextReceiptId<T: Config> = StorageValue<_, ReceiptId, ValueQuery>;

    /// Receipts by id.
    #[pallet::storage]
    pub type Receipts<T: Config> = StorageMap<_, Twox64Concat, ReceiptId, ReceiptOf<T>>;

    /// The receipt of each completed job (at most one per job).
    #[pallet::storage]
    pub type ReceiptByJob<T: Config> = StorageMap<_, Twox64Concat, JobId, ReceiptId>;

    /// Every participant of a redundant job's receipt (absent for a job run by one miner):
    /// each one's verdict, revealed output hash, metered units, price, payment and signature.
    #[pallet::storage]
    pub type Participants<T: Config> = StorageMap<
        _,
        Twox64Concat,
        ReceiptId,
        aitbc_primitives::ReceiptParticipants<T::AccountId, BalanceOf<T>>,
    >;

    /// Index of receipts by miner.
    #[pallet::storage]
    pub type ReceiptsByMiner<T: Config> =
        StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, ReceiptId, ()>;

    /// Default of [`RewardAmount`]: the runtime's `DefaultReward`.
    #[pallet::type_value]
    pub fn DefaultRewardAmount<T: Config>() -> BalanceOf<T> {
        T::DefaultReward::get()
    }

    /// Emission budget per era, shared by the era's receipts (a runtime parameter: set at
    /// genesis or by `set_reward`; `DefaultReward` until then). An era's budget is fixed when
    /// its first receipt is written ([`Eras`]).
    #[pallet::storage]
    pub type RewardAmount<T: Config> =
        StorageValue<_, BalanceOf<T>, ValueQuery, DefaultRewardAmount<T>>;

    /// Each era that had receipts: its emission budget, paid volume and protocol fees.
    #[pallet::storage]
    pub type Eras<T: Config> = StorageMap<_, Twox64Concat, EraIndex, EraTotals<BalanceOf<T>>>;

    /// Sum of all rewards minted by claims.
    #[pallet::storage]
    pub type TotalRewardsMinted<T: Config> = StorageValue<_, BalanceOf<T>, ValueQuery>;

    /// Genesis: the initial reward per receipt.
    #[pallet::genesis_config]
    #[derive(frame_support::DefaultNoBound)]
    pub struct GenesisConfig<T: Config> {
        /// Initial [`RewardAmount`] (`None`: the runtime's `DefaultReward`).
        pub reward: Option<BalanceOf<T>>,
    }

    #[pallet::genesis_build]
    impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
        fn build(&self) {
            if let Some(reward) = self.reward {
                RewardAmount::<T>::put(reward);
            }
        }
    }

    /// Events.
    #[pallet::event]
    #[pallet::generate_deposit(pub(super) fn deposit_event)]
    pub enum Event<T: Config> {
        /// A receipt was written for a completed job.
        ReceiptIssued {
            receipt_id: ReceiptId,
            job_id: JobId,
            client: T::AccountId,
            miner: T::AccountId,
            units_milli: u64,
            price: BalanceOf<T>,
        },
        /// The reward for a receipt was minted to its miner.
        RewardClaimed {
            receipt_id: ReceiptId,
            miner: T::AccountId,
            claimer: T::AccountId,
            amount: BalanceOf<T>,
        },
        /// The emission budget per era changed (from the next era with receipts on).
        RewardChanged {
            old: BalanceOf<T>,
            new: BalanceOf<T>,
        },
    }

    /// Errors.
    #[pallet::error]
    pub enum Error<T> {
        /// No receipt with that id.
        UnknownReceipt,
        /// The reward for this receipt was already claimed.
        AlreadyClaimed,
        /// The job already has a receipt.
        ReceiptExists,
        /// The receipt's era is not over yet: its share is known once the era ends.
        EraNotOver,
    }

    #[pallet::call]
    impl<T: Config> Pallet<T> {
        /// Mint the emission share of `receipt_id` to the receipt's miner:
        /// `min(era emission * price / era volume, fee)` ([`Pallet::reward_of`]). Once per
        /// receipt, after its era is over; any signed account may send it.
        ///
        /// The reward of a redundant job's receipt is shared by its agreeing miners pro rata of
        /// what each was paid (the rounding remainder to the receipt's miner), one
        /// `RewardClaimed` event each.
        #[pallet::call_index(0)]
        // One mint per agreeing participant at most: the single-miner weight times the most
        // participants a receipt has.
        #[pallet::weight(T::WeightInfo::claim_reward()
            .saturating_mul(aitbc_primitives::MAX_REDUNDANCY.into()))]
        pub fn claim_reward(origin: OriginFor<T>, receipt_id: ReceiptId) -> DispatchResult {
            let claimer = ensure_signed(origin)?;
            Receipts::<T>::try_mutate(receipt_id, |r| -> DispatchResult {
                let receipt = r.as_mut().ok_or(Error::<T>::UnknownReceipt)?;
                ensure!(
                    receipt.reward == RewardStatus::Unclaimed,
                    Error::<T>::AlreadyClaimed
                );
                let now = frame_system::Pallet::<T>::block_number();
                ensure!(
                    Self::era_of(receipt.block) < Self::era_of(now),
                    Error::<T>::EraNotOver
                );
                let amount = Self::reward_of(receipt);
                let mut minted: BalanceOf<T> = Zero::zero();
                for (miner, share) in Self::reward_shares(receipt, amount) {
                    let got = if share.is_zero() {
                        share
                    } else {
                        T::Currency::mint_into(&miner, share)?
                    };
                    minted = minted.saturating_add(got);
                    Self::deposit_event(Event::RewardClaimed {
                        receipt_id,
                        miner,
                        claimer: claimer.clone(),
                        amount: got,
                    });
                }
                TotalRewardsMinted::<T>::mutate(|t| *t = t.saturating_add(minted));
                receipt.reward = RewardStatus::Claimed {
                    block: now,
                    claimer,
                    amount: minted,
                };
                Ok(())
            })
        }

        /// Set the emission budget per era ([`RewardAmount`]); eras that already have receipts
        /// keep theirs. `RewardOrigin` only.
        #[pallet::call_index(1)]
        #[pallet::weight(T::WeightInfo::set_reward())]
        pub fn set_reward(origin: OriginFor<T>, amount: BalanceOf<T>) -> DispatchResult {
            T::RewardOrigin::ensure_origin(origin)?;
            let old = RewardAmount::<T>::get();
            RewardAmount::<T>::put(amount);
            Self::deposit_event(Event::RewardChanged { old, new: amount });
            Ok(())
        }
    }

    impl<T: Config> ReceiptSink<T::AccountId, BalanceOf<T>> for Pallet<T> {
        fn record(
            job: CompletedJob<T::AccountId, BalanceOf<T>>,
        ) -> Result<ReceiptId, DispatchError> {
            ensure!(
                !ReceiptByJob::<T>::contains_key(job.job_id),
                Error::<T>::ReceiptExists
            );
            let id = NextReceiptId::<T>::get();
            NextReceiptId::<T>::put(id.saturating_add(1));
            let block = frame_system::Pallet::<T>::block_number();
            Eras::<T>::mutate(Self::era_of(block), |era| {
                let era = era.get_or_insert_with(|| EraTotals {
                    emission: RewardAmount::<T>::get(),
                    volume: Zero::zero(),
                    fees: Zero::zero(),
                });
                era.volume = era.volume.saturating_add(job.price);
                era.fees = era.fees.saturating_add(job.fee);
            });
            let receipt = Receipt {
                id,
                job_id: job.job_id,
                client: job.client.clone(),
                miner: job.miner.clone(),
                units_milli: job.units_milli,
                unit_price: job.unit_price,
                price: job.price,
                fee: job.fee,
                result_hash: job.result_hash,
                block,
                timestamp_ms: T::Time::now().as_millis() as u64,
                reward: RewardStatus::Unclaimed,
                signature: job.signature,
            };
            Receipts::<T>::insert(id, receipt);
            ReceiptByJob::<T>::insert(job.job_id, id);
            ReceiptsByMiner::<T>::insert(&job.miner, id, ());
            Self::deposit_event(Event::ReceiptIssued {
                receipt_id: id,
                job_id: job.job_id,
                client: job.client,
                miner: job.miner,
                units_milli: job.units_milli,
                price: job.price,
            });
            Ok(id)
        }

        fn record_redundant(
            receipt: aitbc_primitives::RedundantReceipt<T::AccountId, BalanceOf<T>>,
        ) -> Result<ReceiptId, DispatchError> {
            let primary = receipt.primary.miner.clone();
            let id = Self::record(receipt.primary)?;
            for p in receipt.participants.iter() {
                if p.verdict == aitbc_primitives::ParticipantVerdict::Agreed && p.miner != primary {
                    ReceiptsByMiner::<T>::insert(&p.miner, id, ());
                }
            }
            Participants::<T>::insert(id, receipt.participants);
            Ok(id)
        }
    }
}
