//! # AITBC validator-set pallet
//!
//! Aura and GRANDPA authorities change together, through one path.
//!
//! ## Calls
//! - [`Pallet::set_validators`]: root (sudo on the dev and local chains) replaces the
//!   validators.
//!
//! The DAO's `SetAuthorities` action takes the same path, [`Pallet::change_validators`]. It
//! replaces the Aura authorities at once, so the next block is authored by the new set, and
//! schedules the GRANDPA change with no delay: `pallet-grandpa` signals it in this block's digest
//! (`ScheduledChange`) and enacts it in this block, and the set id goes up by one. Nodes do not
//! vote past a block that changes the set, so the ending set finalizes that block and the new set
//! everything after it.
//!
//! The pallet keeps no storage of its own: the authorities live in `pallet-aura` and
//! `pallet-grandpa`.

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
pub mod weights;

pub use weights::WeightInfo;

#[frame_support::pallet]
pub mod pallet {
    use super::WeightInfo;
    use alloc::{collections::BTreeSet, vec::Vec};
    use frame_support::pallet_prelude::*;
    use frame_system::pallet_prelude::*;
    use sp_consensus_aura::sr25519::AuthorityId as AuraId;
    use sp_consensus_grandpa::{AuthorityId as GrandpaId, AuthorityList};
    use sp_runtime::traits::Zero;

    /// Version 0: the pallet keeps no storage of its own (see [`crate::migrations`]).
    const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

    #[pallet::pallet]
    #[pallet::storage_version(STORAGE_VERSION)]
    pub struct Pallet<T>(_);

    /// Configuration: the Aura and GRANDPA pallets whose authorities this pallet sets.
    #[pallet::config]
    pub trait Config:
        frame_system::Config<RuntimeEvent: From<Event<Self>>>
        + pallet_aura::Config<AuthorityId = AuraId>
        + pallet_grandpa::Config
    {
        /// Largest validator set (at most the Aura and GRANDPA `MaxAuthorities`).
        #[pallet::constant]
        type MaxValidators: Get<u32>;
        /// Weights of this pallet's calls.
        type WeightInfo: WeightInfo;
    }

    /// Events.
    #[pallet::event]
    #[pallet::generate_deposit(pub(super) fn deposit_event)]
    pub enum Event<T: Config> {
        /// The validator set was replaced; GRANDPA votes as set `set_id` from the next block on.
        ValidatorsChanged {
            /// The new GRANDPA set id.
            set_id: u64,
            /// How many validators the new set has.
            validators: u32,
        },
    }

    /// Errors.
    #[pallet::error]
    pub enum Error<T> {
        /// A validator set needs at least one validator.
        NoValidators,
        /// The same Aura or GRANDPA key appears twice.
        DuplicateValidator,
        /// More validators than [`Config::MaxValidators`] or the Aura pallet allows.
        TooManyValidators,
        /// GRANDPA has a change pending already (only possible with a delayed change).
        ChangePending,
    }

    #[pallet::call]
    impl<T: Config> Pallet<T> {
        /// Replace the validators: `(aura key, grandpa key)` pairs, each validator with weight 1.
        ///
        /// Root only. Authorship moves to the new set with the next block; finality moves once
        /// this block is finalized by the set that is ending. Emits
        /// [`Event::ValidatorsChanged`].
        #[pallet::call_index(0)]
        #[pallet::weight(<T as Config>::WeightInfo::set_validators(validators.len() as u32))]
        pub fn set_validators(
            origin: OriginFor<T>,
            validators: BoundedVec<(AuraId, GrandpaId), T::MaxValidators>,
        ) -> DispatchResult {
            ensure_root(origin)?;
            Self::change_validators(validators.into_inner())?;
            Ok(())
        }
    }

    impl<T: Config> Pallet<T> {
        /// Replace the validators with `validators` (`(aura key, grandpa key)` pairs, weight 1
        /// each): the one path every validator-set change takes (root's `set_validators` and
        /// the DAO's `SetAuthorities`). Aura switches at once; GRANDPA's change is scheduled
        /// with no delay (signalled and applied by `pallet_grandpa`'s `on_finalize` of this
        /// block) and the set id goes up by one. Returns the new set id.
        pub fn change_validators(
            validators: Vec<(AuraId, GrandpaId)>,
        ) -> Result<u64, DispatchError> {
            ensure!(!validators.is_empty(), Error::<T>::NoValidators);
            let count = validators.len() as u32;
            let aura: Vec<AuraId> = validators.iter().map(|(a, _)| a.clone()).collect();
            let grandpa: AuthorityList = validators.iter().map(|(_, g)| (g.clone(), 1)).collect();
            let distinct_aura: BTreeSet<_> = aura.iter().collect();
            let distinct_grandpa: BTreeSet<_> = grandpa.iter().map(|(g, _)| g).collect();
            ensure!(
                distinct_aura.len() == aura.len() && distinct_grandpa.len() == grandpa.len(),
                Error::<T>::DuplicateValidator
            );
            ensure!(
                validators.len() <= T::MaxValidators::get() as usize,
                Error::<T>::TooManyValidators
            );
            let aura: BoundedVec<AuraId, <T as pallet_aura::Config>::MaxAuthorities> =
                aura.try_into().map_err(|_| Error::<T>::TooManyValidators)?;
            pallet_grandpa::Pallet::<T>::schedule_change(grandpa, Zero::zero(), None)
                .map_err(|_| Error::<T>::ChangePending)?;
            let set_id = pallet_grandpa::CurrentSetId::<T>::mutate(|id| {
                *id = id.saturating_add(1);
                *id
            });
            pallet_aura::Pallet::<T>::change_authorities(aura);
            Self::deposit_event(Event::ValidatorsChanged {
                set_id,
                validators: count,
            });
            Ok(set_id)
        }
    }
}
