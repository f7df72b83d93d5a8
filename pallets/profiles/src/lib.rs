//! # AITBC execution profiles pallet
//!
//! A **profile** names everything that makes a model's output reproducible: the model's name
//! and weights hash, the tokenizer's hash, the backend and its version, the data type or
//! quantization, the decoding (greedy, or sampled with a fixed seed) and the hardware class. Two
//! honest miners running one profile in exact mode produce the same bytes, which is what lets
//! the chain compare redundant results instead of trusting one miner's word.
//!
//! A profile's id is the BLAKE2-256 hash of its SCALE encoding ([`profile_id`]): the same
//! profile registered twice is the same id, and an id says exactly what it stands for.
//!
//! ## Calls
//! - [`Pallet::register`]: register a profile, holding [`Config::ProfileDeposit`] from the
//!   registrar (genesis profiles have no owner and no deposit).
//! - [`Pallet::retire`]: the owner removes a profile no miner runs and gets the deposit back.
//! - [`Pallet::declare`]: a registered miner ([`Config::Miners`]) states the profiles it runs,
//!   replacing its earlier list; the chain keeps, per profile, the miners that run it (at most
//!   [`Config::MaxMinersPerProfile`], which bounds the work of choosing among them).
//! - [`Pallet::undeclare`]: a miner (active or not) withdraws from one profile.
//! - [`Pallet::prune_declarations`]: anyone removes every declaration of an account that is no
//!   longer an active miner (deregistered, unbonding, withdrawn), so that a stale declaration
//!   neither holds one of a profile's [`Config::MaxMinersPerProfile`] places nor keeps its
//!   owner from retiring it.
//!
//! Declarations are not removed by the miners pallet when a miner deregisters: the profiles
//! pallet only asks [`Config::Miners`] whether an account is an active miner. Stale entries are
//! cleared by anyone with [`Pallet::prune_declarations`] (typically the owner of a profile they
//! keep from being retired), or by the former miner itself with [`Pallet::undeclare`].

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod migrations;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod types;
pub mod weights;

pub use types::*;
pub use weights::WeightInfo;

use frame_support::traits::fungible;

/// What the benchmarks need of [`Config::Miners`] besides `Contains`: turn a miner into an
/// inactive one (deregistered), for [`Pallet::prune_declarations`]. Only for benchmark builds;
/// the mock implements it.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkMiners<AccountId> {
    /// `who` is no longer an active miner.
    fn deactivate(who: &AccountId);
}

/// Balance type of the configured currency.
pub type BalanceOf<T> =
    <<T as Config>::Currency as fungible::Inspect<<T as frame_system::Config>::AccountId>>::Balance;

#[frame_support::pallet]
pub mod pallet {
    use super::*;
    use alloc::vec::Vec;
    use frame_support::{
        pallet_prelude::*,
        traits::{
            fungible::{Inspect, MutateHold},
            tokens::Precision,
            Contains,
        },
    };
    use frame_system::pallet_prelude::*;

    /// The in-code storage version.
    const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

    #[pallet::pallet]
    #[pallet::storage_version(STORAGE_VERSION)]
    pub struct Pallet<T>(_);

    /// Why this pallet holds funds.
    #[pallet::composite_enum]
    pub enum HoldReason {
        /// The deposit of a registered profile.
        #[codec(index = 0)]
        ProfileDeposit,
    }

    /// Configuration.
    #[pallet::config]
    pub trait Config: frame_system::Config {
        /// The overarching event type.
        #[allow(deprecated)]
        type RuntimeEvent: From<Event<Self>> + IsType<<Self as frame_system::Config>::RuntimeEvent>;
        /// The currency deposits are held in.
        type Currency: Inspect<Self::AccountId>
            + MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;
        /// The overarching hold reason.
        type RuntimeHoldReason: From<HoldReason>;
        /// The registered miners: only they may declare profiles.
        type Miners: Contains<Self::AccountId>;
        /// Held from whoever registers a profile, returned when it is retired.
        #[pallet::constant]
        type ProfileDeposit: Get<BalanceOf<Self>>;
        /// Most miners listed under one profile.
        #[pallet::constant]
        type MaxMinersPerProfile: Get<u32>;
        /// Weights of this pallet's calls.
        type WeightInfo: WeightInfo;
    }

    /// Registered profiles, by id.
    #[pallet::storage]
    pub type Profiles<T: Config> =
        StorageMap<_, Identity, ProfileId, ProfileRecord<T::AccountId, BalanceOf<T>>>;

    /// The profiles each miner runs.
    #[pallet::storage]
    pub type MinerProfiles<T: Config> =
        StorageMap<_, Blake2_128Concat, T::AccountId, ProfileList, ValueQuery>;

    /// The miners that run each profile (the candidates of redundant jobs).
    #[pallet::storage]
    pub type ProfileMiners<T: Config> = StorageMap<
        _,
        Identity,
        ProfileId,
        BoundedVec<T::AccountId, T::MaxMinersPerProfile>,
        ValueQuery,
    >;

    /// Profiles registered at genesis (no owner, no deposit).
    #[pallet::genesis_config]
    #[derive(frame_support::DefaultNoBound)]
    pub struct GenesisConfig<T: Config> {
        /// The profiles.
        pub profiles: Vec<ExecutionProfile>,
        #[serde(skip)]
        pub _config: core::marker::PhantomData<T>,
    }

    #[pallet::genesis_build]
    impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
        fn build(&self) {
            for profile in &self.profiles {
                Profiles::<T>::insert(
                    profile_id(profile),
                    ProfileRecord {
                        profile: profile.clone(),
                        owner: None,
                        deposit: Default::default(),
                    },
                );
            }
        }
    }

    /// Events.
    #[pallet::event]
    #[pallet::generate_deposit(pub(super) fn deposit_event)]
    pub enum Event<T: Config> {
        /// A profile was registered.
        ProfileRegistered {
            /// Its id.
            id: ProfileId,
            /// Who registered it.
            owner: T::AccountId,
        },
        /// A profile was retired and its deposit returned.
        ProfileRetired {
            /// Its id.
            id: ProfileId,
        },
        /// A miner stated the profiles it runs.
        ProfilesDeclared {
            /// The miner.
            miner: T::AccountId,
            /// How many profiles it runs now.
            count: u32,
        },
        /// A miner withdrew from one profile.
        ProfileUndeclared {
            /// The miner.
            miner: T::AccountId,
            /// The profile.
            id: ProfileId,
        },
        /// The declarations of an account that is no longer an active miner were removed.
        DeclarationsPruned {
            /// The former miner.
            miner: T::AccountId,
            /// How many profiles it was withdrawn from.
            count: u32,
        },
    }

    /// Errors.
    #[pallet::error]
    pub enum Error<T> {
        /// A profile with the same content is already registered (its id is the same).
        ProfileExists,
        /// No profile is registered under this id.
        UnknownProfile,
        /// Only the account that registered a profile may retire it (genesis profiles stay).
        NotProfileOwner,
        /// Miners still run this profile: it cannot be retired.
        ProfileInUse,
        /// Only registered miners declare profiles.
        NotAMiner,
        /// The same profile is listed twice.
        DuplicateProfile,
        /// This profile already lists as many miners as it may.
        TooManyMiners,
        /// The profile has an empty name, model or backend.
        IncompleteProfile,
        /// The miner has not declared this profile.
        NotDeclared,
        /// The account is still an active miner: only it may change its declarations.
        MinerStillActive,
        /// The account has no declarations to prune.
        NothingToPrune,
    }

    #[pallet::call]
    impl<T: Config> Pallet<T> {
        /// Register `profile`, holding [`Config::ProfileDeposit`] from the caller.
        #[pallet::call_index(0)]
        #[pallet::weight(T::WeightInfo::register())]
        pub fn register(origin: OriginFor<T>, profile: ExecutionProfile) -> DispatchResult {
            let owner = ensure_signed(origin)?;
            ensure!(
                !profile.name.is_empty()
                    && !profile.model.is_empty()
                    && !profile.backend.is_empty(),
                Error::<T>::IncompleteProfile
            );
            let id = profile_id(&profile);
            ensure!(!Profiles::<T>::contains_key(id), Error::<T>::ProfileExists);
            let deposit = T::ProfileDeposit::get();
            T::Currency::hold(&HoldReason::ProfileDeposit.into(), &owner, deposit)?;
            Profiles::<T>::insert(
                id,
                ProfileRecord {
                    profile,
                    owner: Some(owner.clone()),
                    deposit,
                },
            );
            Self::deposit_event(Event::ProfileRegistered { id, owner });
            Ok(())
        }

        /// Retire profile `id` (its owner only, when no miner runs it); the deposit returns.
        #[pallet::call_index(1)]
        #[pallet::weight(T::WeightInfo::retire())]
        pub fn retire(origin: OriginFor<T>, id: ProfileId) -> DispatchResult {
            let who = ensure_signed(origin)?;
            let record = Profiles::<T>::get(id).ok_or(Error::<T>::UnknownProfile)?;
            ensure!(
                record.owner.as_ref() == Some(&who),
                Error::<T>::NotProfileOwner
            );
            ensure!(
                ProfileMiners::<T>::decode_len(id).unwrap_or(0) == 0,
                Error::<T>::ProfileInUse
            );
            T::Currency::release(
                &HoldReason::ProfileDeposit.into(),
                &who,
                record.deposit,
                Precision::BestEffort,
            )?;
            Profiles::<T>::remove(id);
            Self::deposit_event(Event::ProfileRetired { id });
            Ok(())
        }

        /// State the profiles the calling miner runs (replacing its earlier list; an empty list
        /// withdraws it from every profile).
        #[pallet::call_index(2)]
        #[pallet::weight(T::WeightInfo::declare(profiles.len() as u32))]
        pub fn declare(origin: OriginFor<T>, profiles: ProfileList) -> DispatchResult {
            let miner = ensure_signed(origin)?;
            ensure!(T::Miners::contains(&miner), Error::<T>::NotAMiner);
            for (i, id) in profiles.iter().enumerate() {
                ensure!(Profiles::<T>::contains_key(id), Error::<T>::UnknownProfile);
                ensure!(!profiles[..i].contains(id), Error::<T>::DuplicateProfile);
            }
            let old = MinerProfiles::<T>::get(&miner);
            for id in old.iter().filter(|id| !profiles.contains(id)) {
                Self::unlist(id, &miner);
            }
            for id in profiles.iter().filter(|id| !old.contains(id)) {
                ProfileMiners::<T>::try_mutate(id, |miners| {
                    miners
                        .try_push(miner.clone())
                        .map_err(|_| Error::<T>::TooManyMiners)
                })?;
            }
            let count = profiles.len() as u32;
            if profiles.is_empty() {
                MinerProfiles::<T>::remove(&miner);
            } else {
                MinerProfiles::<T>::insert(&miner, profiles);
            }
            Self::deposit_event(Event::ProfilesDeclared { miner, count });
            Ok(())
        }

        /// Withdraw the caller from profile `id`, keeping its other declarations. Unlike
        /// [`Pallet::declare`], the caller need not be an active miner any more: a miner that
        /// deregistered can clean up after itself.
        #[pallet::call_index(3)]
        #[pallet::weight(T::WeightInfo::undeclare())]
        pub fn undeclare(origin: OriginFor<T>, id: ProfileId) -> DispatchResult {
            let miner = ensure_signed(origin)?;
            let mut list = MinerProfiles::<T>::get(&miner);
            let before = list.len();
            list.retain(|p| p != &id);
            ensure!(list.len() < before, Error::<T>::NotDeclared);
            Self::unlist(&id, &miner);
            if list.is_empty() {
                MinerProfiles::<T>::remove(&miner);
            } else {
                MinerProfiles::<T>::insert(&miner, list);
            }
            Self::deposit_event(Event::ProfileUndeclared { miner, id });
            Ok(())
        }

        /// Remove every declaration of `miner`, which must no longer be an active miner
        /// ([`Config::Miners`] says no: deregistered, unbonding or withdrawn). Anyone may call
        /// it, typically the owner of a profile the stale declarations keep from being retired,
        /// or a miner waiting for a place under a full profile. At most
        /// [`MAX_PROFILES_PER_MINER`] profiles are touched; the fee is charged for the profiles
        /// actually pruned.
        #[pallet::call_index(4)]
        #[pallet::weight(T::WeightInfo::prune_declarations(MAX_PROFILES_PER_MINER))]
        pub fn prune_declarations(
            origin: OriginFor<T>,
            miner: T::AccountId,
        ) -> DispatchResultWithPostInfo {
            ensure_signed(origin)?;
            ensure!(!T::Miners::contains(&miner), Error::<T>::MinerStillActive);
            let list = MinerProfiles::<T>::take(&miner);
            ensure!(!list.is_empty(), Error::<T>::NothingToPrune);
            for id in list.iter() {
                Self::unlist(id, &miner);
            }
            let count = list.len() as u32;
            Self::deposit_event(Event::DeclarationsPruned { miner, count });
            Ok(Some(T::WeightInfo::prune_declarations(count)).into())
        }
    }

    impl<T: Config> Pallet<T> {
        /// The miners that run profile `id`.
        pub fn miners_of(id: &ProfileId) -> Vec<T::AccountId> {
            ProfileMiners::<T>::get(id).into_inner()
        }

        /// Whether `miner` runs profile `id`.
        pub fn runs(miner: &T::AccountId, id: &ProfileId) -> bool {
            MinerProfiles::<T>::get(miner).contains(id)
        }

        /// Take `miner` off profile `id`'s list (the entry goes when the list is empty).
        fn unlist(id: &ProfileId, miner: &T::AccountId) {
            ProfileMiners::<T>::mutate_exists(id, |entry| {
                if let Some(miners) = entry {
                    miners.retain(|m| m != miner);
                    if miners.is_empty() {
                        *entry = None;
                    }
                }
            });
        }

        /// The profiles `miner` has declared.
        pub fn profiles_of(miner: &T::AccountId) -> Vec<ProfileId> {
            MinerProfiles::<T>::get(miner).into_inner()
        }
    }
}
