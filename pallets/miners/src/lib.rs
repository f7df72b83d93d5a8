//! # AITBC miners pallet
//!
//! The registry of compute miners: who they are, what hardware they have, which models they
//! serve, what they charge, how much they stake, whether they are online, and how reliable
//! they have been.
//!
//! ## Calls
//! - [`Pallet::register`]: declare hardware, models and price, and put a stake on hold
//!   (`HoldReason::MinerStake`, at least [`Config::MinStake`]).
//! - [`Pallet::update`]: change hardware, models or price (counts as a heartbeat).
//! - [`Pallet::set_stake`]: raise or lower the stake (not below [`Config::MinStake`]).
//! - [`Pallet::heartbeat`]: prove liveness. A miner whose last heartbeat is more than
//!   [`Config::HeartbeatTimeout`] blocks old is *offline* and gets no new jobs.
//! - [`Pallet::deregister`]: stop taking jobs (only with no active job); the stake stays held
//!   for [`Config::UnbondingPeriod`] blocks.
//! - [`Pallet::withdraw_unbonded`]: after the unbonding period, release the stake and remove
//!   the record.
//!
//! ## Reputation and slashing
//! The jobs pallet reports each job's outcome through [`aitbc_primitives::MinerRegistry::note_outcome`]:
//! delivered, failed or late. The score is `(delivered + 1) / (delivered + failed + late + 2)`.
//! A *late* outcome (a missed acknowledgement deadline, or a TTL reached while the job was
//! assigned or running) also slashes [`Config::SlashShare`] of the held stake; slashed funds
//! are burned (`burn_held`), so total issuance falls by exactly the slashed amount, which is
//! tracked in [`TotalSlashed`].
//!
//! ## Assignment rule (see [`selection`])
//! For a job with model `m`, requirements `r` and budget `b`, the candidates are the miners
//! indexed under `m` (at most [`Config::MaxMinersPerModel`]: the work is bounded). A candidate
//! is *eligible* when it is `Active`, online, holds at least `MinStake`, has fewer than
//! [`Config::MaxConcurrentJobs`] active jobs, is not excluded for this job, has at least
//! `r.min_vram_mb` MiB per GPU, has GPU model `r.gpu_model` if one is required, has a score of
//! at least `r.min_reputation`, and `price_per_gpu_second * r.estimated_gpu_seconds <= b`.
//! Among eligible miners the one with the highest `score * agreement * stake` wins (`agreement`:
//! the miner's [`Agreement`] average over redundant jobs, 100% until it has taken part in one); ties go to the fewest
//! active jobs (spreading load), then to the smallest account id. The rule is deterministic.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub mod migrations;
pub mod queries;
pub mod selection;
pub mod stake;
pub mod weights;

pub use weights::WeightInfo;

/// Weight of the newest verdict in a miner's [`Agreement`] average: 1/8.
pub const AGREEMENT_EMA_WEIGHT: sp_runtime::Permill = sp_runtime::Permill::from_parts(125_000);

use aitbc_primitives::{Hardware, Miner, ModelList, MAX_MODELS_PER_MINER};
use frame_support::traits::fungible;
use frame_system::pallet_prelude::BlockNumberFor;

/// Balance type of the configured currency.
pub type BalanceOf<T> =
    <<T as Config>::Currency as fungible::Inspect<<T as frame_system::Config>::AccountId>>::Balance;
/// A stored miner record.
pub type MinerOf<T> = Miner<BalanceOf<T>, BlockNumberFor<T>>;

#[frame_support::pallet]
pub mod pallet {
    use super::*;
    use aitbc_primitives::{JobOutcome, MinerStatus, ModelName, Reputation};
    use frame_support::{
        pallet_prelude::*,
        traits::fungible::{Inspect, Mutate, MutateHold},
    };
    use frame_system::pallet_prelude::*;
    use sp_runtime::{traits::Zero, Perbill, Permill, Saturating};

    /// Version 0: the first layout of the miner registry's storage (see [`crate::migrations`]).
    const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

    #[pallet::pallet]
    #[pallet::storage_version(STORAGE_VERSION)]
    pub struct Pallet<T>(_);

    /// Why this pallet holds funds.
    #[pallet::composite_enum]
    pub enum HoldReason {
        /// A miner's stake.
        #[codec(index = 0)]
        MinerStake,
    }

    /// Configuration.
    #[pallet::config]
    pub trait Config: frame_system::Config {
        /// The overarching event type.
        #[allow(deprecated)]
        type RuntimeEvent: From<Event<Self>> + IsType<<Self as frame_system::Config>::RuntimeEvent>;
        /// The currency stakes are held in.
        type Currency: Inspect<Self::AccountId>
            + Mutate<Self::AccountId>
            + MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;
        /// The overarching hold reason.
        type RuntimeHoldReason: From<HoldReason>;
        /// Smallest stake a miner may hold and still get jobs.
        #[pallet::constant]
        type MinStake: Get<BalanceOf<Self>>;
        /// Blocks after its last heartbeat at which a miner counts as offline.
        #[pallet::constant]
        type HeartbeatTimeout: Get<BlockNumberFor<Self>>;
        /// Blocks between `deregister` and `withdraw_unbonded`.
        #[pallet::constant]
        type UnbondingPeriod: Get<BlockNumberFor<Self>>;
        /// Share of the stake slashed (burned) for each missed deadline.
        #[pallet::constant]
        type SlashShare: Get<Perbill>;
        /// Most miners indexed under one model (bounds the assignment work per job).
        #[pallet::constant]
        type MaxMinersPerModel: Get<u32>;
        /// Most jobs one miner may have assigned or running at once.
        #[pallet::constant]
        type MaxConcurrentJobs: Get<u32>;
        /// Weights of this pallet's calls.
        type WeightInfo: WeightInfo;
    }

    /// Registered miners, by account.
    #[pallet::storage]
    pub type Miners<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, MinerOf<T>>;

    /// Active miners serving each model: the candidate list for assignment.
    #[pallet::storage]
    pub type MinersByModel<T: Config> = StorageMap<
        _,
        Blake2_128Concat,
        ModelName,
        BoundedVec<T::AccountId, T::MaxMinersPerModel>,
        ValueQuery,
    >;

    /// Total stake slashed (and burned) since genesis.
    #[pallet::storage]
    pub type TotalSlashed<T: Config> = StorageValue<_, BalanceOf<T>, ValueQuery>;

    /// Default of [`Agreement`]: a miner with no redundant job behind it is not marked down.
    #[pallet::type_value]
    pub fn FullAgreement() -> Permill {
        Permill::one()
    }

    /// Each miner's agreement average: an exponential moving average (weight
    /// [`AGREEMENT_EMA_WEIGHT`] for the newest) of 1 for every redundant job in which its output
    /// was the agreed one and 0 for every one in which it was outvoted and proven wrong or
    /// revealed nothing valid. Selection ranks by `score * agreement * stake`. Removed with the
    /// miner's record.
    #[pallet::storage]
    pub type Agreement<T: Config> =
        StorageMap<_, Blake2_128Concat, T::AccountId, Permill, ValueQuery, FullAgreement>;

    /// Events.
    #[pallet::event]
    #[pallet::generate_deposit(pub(super) fn deposit_event)]
    pub enum Event<T: Config> {
        /// A miner registered and its stake was put on hold.
        Registered {
            miner: T::AccountId,
            stake: BalanceOf<T>,
            price_per_gpu_second: BalanceOf<T>,
        },
        /// A miner changed its hardware, models or price.
        Updated {
            miner: T::AccountId,
            price_per_gpu_second: BalanceOf<T>,
        },
        /// A miner changed its stake.
        StakeChanged {
            miner: T::AccountId,
            old: BalanceOf<T>,
            new: BalanceOf<T>,
        },
        /// A miner heartbeated.
        Heartbeat {
            miner: T::AccountId,
            block: BlockNumberFor<T>,
        },
        /// A miner deregistered; its stake can be withdrawn from block `until`.
        Deregistered {
            miner: T::AccountId,
            until: BlockNumberFor<T>,
        },
        /// An unbonded miner's stake was released and its record removed.
        Withdrawn {
            miner: T::AccountId,
            amount: BalanceOf<T>,
        },
        /// A job outcome was noted in a miner's reputation.
        OutcomeNoted {
            miner: T::AccountId,
            outcome: JobOutcome,
            score: Permill,
        },
        /// A redundant job's verdict was noted in a miner's agreement average.
        AgreementNoted {
            miner: T::AccountId,
            agreed: bool,
            average: Permill,
        },
        /// Part of a miner's stake was slashed (burned) for a missed deadline.
        Slashed {
            miner: T::AccountId,
            amount: BalanceOf<T>,
        },
    }

    /// Errors.
    #[pallet::error]
    pub enum Error<T> {
        /// The account is already registered as a miner.
        AlreadyRegistered,
        /// The account is not a registered miner.
        NotRegistered,
        /// The stake is below `MinStake`.
        StakeTooLow,
        /// The account cannot hold that much (free balance too low).
        InsufficientBalance,
        /// A miner must serve at least one model.
        NoModels,
        /// The same model is listed twice.
        DuplicateModel,
        /// GPU count, VRAM and model name must be non-zero / non-empty.
        InvalidHardware,
        /// A model already has `MaxMinersPerModel` miners.
        ModelIndexFull,
        /// The miner is unbonding.
        NotActive,
        /// The miner still has assigned or running jobs.
        HasActiveJobs,
        /// The miner has not deregistered.
        NotUnbonding,
        /// The unbonding period has not passed.
        StillUnbonding,
    }

    #[pallet::call]
    impl<T: Config> Pallet<T> {
        /// Register the signer as a miner with `hardware`, serving `models` at
        /// `price_per_gpu_second`, and put `stake` on hold.
        #[pallet::call_index(0)]
        #[pallet::weight(T::WeightInfo::register(models.len() as u32))]
        pub fn register(
            origin: OriginFor<T>,
            hardware: Hardware,
            models: ModelList,
            price_per_gpu_second: BalanceOf<T>,
            stake: BalanceOf<T>,
        ) -> DispatchResult {
            let who = ensure_signed(origin)?;
            Self::do_register(&who, hardware, models, price_per_gpu_second, stake)
        }

        /// Replace the signer's hardware, models and price. Counts as a heartbeat.
        #[pallet::call_index(1)]
        #[pallet::weight(T::WeightInfo::update(MAX_MODELS_PER_MINER))]
        pub fn update(
            origin: OriginFor<T>,
            hardware: Hardware,
            models: ModelList,
            price_per_gpu_second: BalanceOf<T>,
        ) -> DispatchResult {
            let who = ensure_signed(origin)?;
            let mut miner = Miners::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
            ensure!(miner.status == MinerStatus::Active, Error::<T>::NotActive);
            Self::validate(&hardware, &models)?;
            Self::unindex_models(&who, &miner.models);
            Self::index_models(&who, &models)?;
            miner.hardware = hardware;
            miner.models = models;
            miner.price_per_gpu_second = price_per_gpu_second;
            miner.last_heartbeat = frame_system::Pallet::<T>::block_number();
            Miners::<T>::insert(&who, miner);
            Self::deposit_event(Event::Updated {
                miner: who,
                price_per_gpu_second,
            });
            Ok(())
        }

        /// Set the signer's stake to `new_stake` (at least `MinStake`), holding or releasing
        /// the difference. Stake backs the jobs a miner holds: it can be raised at any time but
        /// lowered only with no job assigned or running (`HasActiveJobs`), so that a miner about
        /// to miss a deadline cannot shrink the stake its slash is a share of.
        #[pallet::call_index(2)]
        #[pallet::weight(T::WeightInfo::set_stake())]
        pub fn set_stake(origin: OriginFor<T>, new_stake: BalanceOf<T>) -> DispatchResult {
            let who = ensure_signed(origin)?;
            let mut miner = Miners::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
            ensure!(miner.status == MinerStatus::Active, Error::<T>::NotActive);
            ensure!(new_stake >= T::MinStake::get(), Error::<T>::StakeTooLow);
            let old = miner.stake;
            ensure!(
                new_stake >= old || miner.active_jobs == 0,
                Error::<T>::HasActiveJobs
            );
            if new_stake > old {
                Self::hold_stake(&who, new_stake - old)?;
            } else if new_stake < old {
                Self::release_stake(&who, old - new_stake)?;
            }
            miner.stake = new_stake;
            Miners::<T>::insert(&who, miner);
            Self::deposit_event(Event::StakeChanged {
                miner: who,
                old,
                new: new_stake,
            });
            Ok(())
        }

        /// Record that the signer is online at this block.
        #[pallet::call_index(3)]
        #[pallet::weight(T::WeightInfo::heartbeat())]
        pub fn heartbeat(origin: OriginFor<T>) -> DispatchResult {
            let who = ensure_signed(origin)?;
            let block = frame_system::Pallet::<T>::block_number();
            Miners::<T>::try_mutate(&who, |m| -> DispatchResult {
                let miner = m.as_mut().ok_or(Error::<T>::NotRegistered)?;
                ensure!(miner.status == MinerStatus::Active, Error::<T>::NotActive);
                miner.last_heartbeat = block;
                Ok(())
            })?;
            Self::deposit_event(Event::Heartbeat { miner: who, block });
            Ok(())
        }

        /// Stop taking jobs. Only with no assigned or running job; the stake stays held for
        /// `UnbondingPeriod` blocks.
        #[pallet::call_index(4)]
        #[pallet::weight(T::WeightInfo::deregister(MAX_MODELS_PER_MINER))]
        pub fn deregister(origin: OriginFor<T>) -> DispatchResult {
            let who = ensure_signed(origin)?;
            let mut miner = Miners::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
            ensure!(miner.status == MinerStatus::Active, Error::<T>::NotActive);
            ensure!(miner.active_jobs == 0, Error::<T>::HasActiveJobs);
            let until =
                frame_system::Pallet::<T>::block_number().saturating_add(T::UnbondingPeriod::get());
            Self::unindex_models(&who, &miner.models);
            miner.status = MinerStatus::Unbonding { until };
            Miners::<T>::insert(&who, miner);
            Self::deposit_event(Event::Deregistered { miner: who, until });
            Ok(())
        }

        /// After the unbonding period, release the signer's stake and remove its record.
        #[pallet::call_index(5)]
        #[pallet::weight(T::WeightInfo::withdraw_unbonded())]
        pub fn withdraw_unbonded(origin: OriginFor<T>) -> DispatchResult {
            let who = ensure_signed(origin)?;
            let miner = Miners::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
            let MinerStatus::Unbonding { until } = miner.status else {
                return Err(Error::<T>::NotUnbonding.into());
            };
            ensure!(
                frame_system::Pallet::<T>::block_number() >= until,
                Error::<T>::StillUnbonding
            );
            Self::release_stake(&who, miner.stake)?;
            Miners::<T>::remove(&who);
            Agreement::<T>::remove(&who);
            Self::deposit_event(Event::Withdrawn {
                miner: who,
                amount: miner.stake,
            });
            Ok(())
        }
    }

    impl<T: Config> Pallet<T> {
        /// Register `who` (shared by the call and by benchmark/test setup).
        pub fn do_register(
            who: &T::AccountId,
            hardware: Hardware,
            models: ModelList,
            price_per_gpu_second: BalanceOf<T>,
            stake: BalanceOf<T>,
        ) -> DispatchResult {
            ensure!(
                !Miners::<T>::contains_key(who),
                Error::<T>::AlreadyRegistered
            );
            ensure!(stake >= T::MinStake::get(), Error::<T>::StakeTooLow);
            Self::validate(&hardware, &models)?;
            Self::index_models(who, &models)?;
            Self::hold_stake(who, stake)?;
            let now = frame_system::Pallet::<T>::block_number();
            Miners::<T>::insert(
                who,
                Miner {
                    hardware,
                    models,
                    price_per_gpu_second,
                    stake,
                    registered_at: now,
                    last_heartbeat: now,
                    status: MinerStatus::Active,
                    active_jobs: 0,
                    reputation: Reputation::default(),
                    slashed: Zero::zero(),
                },
            );
            Self::deposit_event(Event::Registered {
                miner: who.clone(),
                stake,
                price_per_gpu_second,
            });
            Ok(())
        }

        /// Check hardware and model list.
        fn validate(hardware: &Hardware, models: &ModelList) -> DispatchResult {
            ensure!(
                hardware.gpu_count > 0 && hardware.vram_mb > 0 && !hardware.gpu_model.is_empty(),
                Error::<T>::InvalidHardware
            );
            ensure!(!models.is_empty(), Error::<T>::NoModels);
            for (i, m) in models.iter().enumerate() {
                ensure!(!m.is_empty(), Error::<T>::InvalidHardware);
                ensure!(!models[..i].contains(m), Error::<T>::DuplicateModel);
            }
            Ok(())
        }

        /// Add `who` to the candidate list of each model. All or nothing: fails with
        /// `ModelIndexFull` before writing anything if any list is full.
        fn index_models(who: &T::AccountId, models: &ModelList) -> DispatchResult {
            let mut lists = alloc::vec::Vec::with_capacity(models.len());
            for model in models {
                let mut list = MinersByModel::<T>::get(model);
                if !list.contains(who) {
                    list.try_push(who.clone())
                        .map_err(|_| Error::<T>::ModelIndexFull)?;
                }
                lists.push((model, list));
            }
            for (model, list) in lists {
                MinersByModel::<T>::insert(model, list);
            }
            Ok(())
        }

        /// Remove `who` from the candidate list of each model.
        fn unindex_models(who: &T::AccountId, models: &ModelList) {
            for model in models {
                MinersByModel::<T>::mutate_exists(model, |list| {
                    if let Some(l) = list {
                        l.retain(|a| a != who);
                        if l.is_empty() {
                            *list = None;
                        }
                    }
                });
            }
        }

        /// Move `who`'s agreement average toward 1 (`agreed`) or 0 by
        /// [`AGREEMENT_EMA_WEIGHT`]. Nothing for an unknown miner.
        pub(crate) fn do_note_agreement(who: &T::AccountId, agreed: bool) {
            if !Miners::<T>::contains_key(who) {
                return;
            }
            let average = Agreement::<T>::mutate(who, |avg| {
                let keep = sp_runtime::PerThing::left_from_one(AGREEMENT_EMA_WEIGHT);
                let target = if agreed {
                    Permill::one()
                } else {
                    Permill::zero()
                };
                *avg = (keep * *avg).saturating_add(AGREEMENT_EMA_WEIGHT * target);
                *avg
            });
            Self::deposit_event(Event::AgreementNoted {
                miner: who.clone(),
                agreed,
                average,
            });
        }

        /// Note a job outcome in `who`'s reputation; slash if late. Returns the slashed amount.
        pub(crate) fn do_note_outcome(who: &T::AccountId, outcome: JobOutcome) -> BalanceOf<T> {
            let Some(mut miner) = Miners::<T>::get(who) else {
                return Zero::zero();
            };
            miner.active_jobs = miner.active_jobs.saturating_sub(1);
            let mut slashed = Zero::zero();
            match outcome {
                JobOutcome::Delivered => {
                    miner.reputation.delivered = miner.reputation.delivered.saturating_add(1)
                }
                JobOutcome::Failed => {
                    miner.reputation.failed = miner.reputation.failed.saturating_add(1)
                }
                JobOutcome::Late => {
                    miner.reputation.late = miner.reputation.late.saturating_add(1);
                    slashed = Self::slash(who, &mut miner);
                }
                JobOutcome::Released => {}
            }
            let score = miner.reputation.score();
            Miners::<T>::insert(who, miner);
            if outcome != JobOutcome::Released {
                Self::deposit_event(Event::OutcomeNoted {
                    miner: who.clone(),
                    outcome,
                    score,
                });
            }
            slashed
        }
    }
}
