//! The `GovernanceTiming` pallet (index 15): per-chain DAO timing, emission era and unbonding
//! period, set once at genesis, and the market parameters the DAO governs (acknowledgement
//! deadline, slash share), written only by the enactment of a passed proposal
//! ([`super::MarketParameters`]). A runtime-local pallet with no calls.
//!
//! Every value is optional: `None` means the runtime's default (see [`super`] and
//! `crate::jobs`).

pub use pallet::*;

pub mod migrations;

#[frame_support::pallet]
pub mod pallet {
    use frame_support::pallet_prelude::*;
    use frame_system::pallet_prelude::BlockNumberFor;
    use sp_runtime::{traits::Zero, Perbill};

    /// Version 1: the governed acknowledgement deadline and slash share are typed storage of
    /// this pallet ([`AckTimeout`], [`SlashShare`]); version 0 kept them under hand-made
    /// unhashed keys (see [`crate::governance::timing::migrations::v1`]).
    const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

    #[pallet::pallet]
    #[pallet::storage_version(STORAGE_VERSION)]
    pub struct Pallet<T>(_);

    /// Configuration: nothing beyond the system's.
    #[pallet::config]
    pub trait Config: frame_system::Config {}

    /// Blocks a DAO proposal is open for votes on this chain (`None`: the runtime default).
    #[pallet::storage]
    pub type VotingPeriod<T: Config> = StorageValue<_, BlockNumberFor<T>, OptionQuery>;

    /// Blocks between the end of voting and enactment on this chain (`None`: the default).
    #[pallet::storage]
    pub type EnactmentDelay<T: Config> = StorageValue<_, BlockNumberFor<T>, OptionQuery>;

    /// Blocks in one emission era of the receipts pallet on this chain (`None`: the default,
    /// `crate::jobs::DEFAULT_ERA_LENGTH`).
    #[pallet::storage]
    pub type EraLength<T: Config> = StorageValue<_, BlockNumberFor<T>, OptionQuery>;

    /// Blocks between a miner's `deregister` and `withdraw_unbonded` on this chain (`None`:
    /// the default, `crate::jobs::DEFAULT_UNBONDING_PERIOD`).
    #[pallet::storage]
    pub type UnbondingPeriod<T: Config> = StorageValue<_, BlockNumberFor<T>, OptionQuery>;

    /// The acknowledgement deadline for assigned jobs, in blocks, as the last enacted
    /// `SetAckTimeout` proposal set it (`None`: none yet, the runtime's `JobAckTimeout`).
    #[pallet::storage]
    pub type AckTimeout<T: Config> = StorageValue<_, BlockNumberFor<T>, OptionQuery>;

    /// The share of a miner's stake slashed per missed deadline, as the last enacted
    /// `SetSlashShare` proposal set it (`None`: none yet, the runtime's `MinerSlashShare`).
    #[pallet::storage]
    pub type SlashShare<T: Config> = StorageValue<_, Perbill, OptionQuery>;

    /// Genesis: the chain's DAO timing (each at least one block; absent: the defaults).
    #[pallet::genesis_config]
    #[derive(frame_support::DefaultNoBound)]
    pub struct GenesisConfig<T: Config> {
        /// Voting period in blocks.
        pub voting_period: Option<BlockNumberFor<T>>,
        /// Enactment delay in blocks.
        pub enactment_delay: Option<BlockNumberFor<T>>,
        /// Emission era length in blocks.
        pub era_length: Option<BlockNumberFor<T>>,
        /// Miner unbonding period in blocks.
        pub unbonding_period: Option<BlockNumberFor<T>>,
    }

    #[pallet::genesis_build]
    impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
        fn build(&self) {
            if let Some(v) = self.voting_period {
                assert!(
                    !v.is_zero(),
                    "the DAO voting period must be at least one block"
                );
                VotingPeriod::<T>::put(v);
            }
            if let Some(d) = self.enactment_delay {
                assert!(
                    !d.is_zero(),
                    "the DAO enactment delay must be at least one block"
                );
                EnactmentDelay::<T>::put(d);
            }
            if let Some(e) = self.era_length {
                assert!(!e.is_zero(), "the emission era must be at least one block");
                EraLength::<T>::put(e);
            }
            if let Some(u) = self.unbonding_period {
                assert!(
                    !u.is_zero(),
                    "the miner unbonding period must be at least one block"
                );
                UnbondingPeriod::<T>::put(u);
            }
        }
    }
}
