//! # AITBC receipts pallet
//!
//! The on-chain record of completed, paid jobs, and the protocol reward for them.
//!
//! - The jobs pallet pays the miner from escrow and then calls [`ReceiptSink::record`]
//!   (implemented here) in the same extrinsic: a [`Receipt`] is written with the job, client,
//!   miner, units (GPU-seconds), unit price, price, result hash, block and timestamp. A job gets
//!   at most one receipt ([`Error::ReceiptExists`]).
//! - [`Pallet::claim_reward`] mints the protocol reward ([`RewardAmount`], set at genesis and by
//!   [`Pallet::set_reward`] from [`Config::RewardOrigin`], i.e. root now and the DAO later) to the
//!   receipt's miner, exactly once per receipt. Anyone may send the claim (a keeper bot, the
//!   miner daemon); the reward always goes to the miner, and the receipt records the claimer.
//!   [`TotalRewardsMinted`] is the sum of all claimed rewards: the only tokens the market
//!   creates.

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
use frame_support::traits::fungible;
use frame_system::pallet_prelude::BlockNumberFor;

/// Balance type of the configured currency.
pub type BalanceOf<T> =
    <<T as Config>::Currency as fungible::Inspect<<T as frame_system::Config>::AccountId>>::Balance;
/// A stored receipt.
pub type ReceiptOf<T> =
    Receipt<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;

#[frame_support::pallet]
pub mod pallet {
    use super::*;
    use aitbc_primitives::JobId;
    use frame_support::{
        pallet_prelude::*,
        traits::{fungible::Mutate, UnixTime},
    };
    use frame_system::pallet_prelude::*;
    use sp_runtime::Saturating;

    #[pallet::pallet]
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
        /// Reward per receipt until genesis or governance sets one ([`RewardAmount`]).
        #[pallet::constant]
        type DefaultReward: Get<BalanceOf<Self>>;
        /// Who may change the reward (root now, the DAO later).
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

    /// Index of receipts by miner.
    #[pallet::storage]
    pub type ReceiptsByMiner<T: Config> =
        StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, ReceiptId, ()>;

    /// Default of [`RewardAmount`]: the runtime's `DefaultReward`.
    #[pallet::type_value]
    pub fn DefaultRewardAmount<T: Config>() -> BalanceOf<T> {
        T::DefaultReward::get()
    }

    /// Protocol reward minted to the miner for each receipt (a runtime parameter: set at
    /// genesis or by `set_reward`; `DefaultReward` until then).
    #[pallet::storage]
    pub type RewardAmount<T: Config> =
        StorageValue<_, BalanceOf<T>, ValueQuery, DefaultRewardAmount<T>>;

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
            units: u64,
            price: BalanceOf<T>,
        },
        /// The reward for a receipt was minted to its miner.
        RewardClaimed {
            receipt_id: ReceiptId,
            miner: T::AccountId,
            claimer: T::AccountId,
            amount: BalanceOf<T>,
        },
        /// The reward per receipt changed.
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
    }

    #[pallet::call]
    impl<T: Config> Pallet<T> {
        /// Mint the protocol reward for `receipt_id` to the receipt's miner. Once per receipt;
        /// any signed account may send it.
        #[pallet::call_index(0)]
        #[pallet::weight(T::WeightInfo::claim_reward())]
        pub fn claim_reward(origin: OriginFor<T>, receipt_id: ReceiptId) -> DispatchResult {
            let claimer = ensure_signed(origin)?;
            Receipts::<T>::try_mutate(receipt_id, |r| -> DispatchResult {
                let receipt = r.as_mut().ok_or(Error::<T>::UnknownReceipt)?;
                ensure!(
                    receipt.reward == RewardStatus::Unclaimed,
                    Error::<T>::AlreadyClaimed
                );
                let amount = RewardAmount::<T>::get();
                let minted = T::Currency::mint_into(&receipt.miner, amount)?;
                TotalRewardsMinted::<T>::mutate(|t| *t = t.saturating_add(minted));
                receipt.reward = RewardStatus::Claimed {
                    block: frame_system::Pallet::<T>::block_number(),
                    claimer: claimer.clone(),
                    amount: minted,
                };
                Self::deposit_event(Event::RewardClaimed {
                    receipt_id,
                    miner: receipt.miner.clone(),
                    claimer,
                    amount: minted,
                });
                Ok(())
            })
        }

        /// Set the reward per receipt. `RewardOrigin` only.
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
            let receipt = Receipt {
                id,
                job_id: job.job_id,
                client: job.client.clone(),
                miner: job.miner.clone(),
                units: job.units,
                unit_price: job.unit_price,
                price: job.price,
                result_hash: job.result_hash,
                block: frame_system::Pallet::<T>::block_number(),
                timestamp_ms: T::Time::now().as_millis() as u64,
                reward: RewardStatus::Unclaimed,
            };
            Receipts::<T>::insert(id, receipt);
            ReceiptByJob::<T>::insert(job.job_id, id);
            ReceiptsByMiner::<T>::insert(&job.miner, id, ());
            Self::deposit_event(Event::ReceiptIssued {
                receipt_id: id,
                job_id: job.job_id,
                client: job.client,
                miner: job.miner,
                units: job.units,
                price: job.price,
            });
            Ok(id)
        }
    }
}
