//! Storage migrations of the receipts pallet.

/// Version 0 → 1: bounded emission.
///
/// - Every stored receipt gains `fee = 0`: receipts written before the protocol fee existed
///   burned nothing, so they mint nothing (the per-receipt reward they were written under is
///   exactly the unbounded minting this version removes).
/// - [`RewardAmount`](crate::RewardAmount) changes meaning from "per receipt" to "per era": the
///   old value is removed so the runtime's `DefaultReward` (a per-era budget) applies until the
///   DAO sets one.
pub mod v1 {
    use super::v2::ReceiptV1;
    use crate::{BalanceOf, Config, Pallet, RewardAmount};
    use aitbc_primitives::{ReceiptId, RewardStatus};
    use codec::{Decode, Encode};
    use frame_support::{
        migrations::VersionedMigration, traits::UncheckedOnRuntimeUpgrade, weights::Weight,
    };
    use frame_system::pallet_prelude::BlockNumberFor;
    use sp_core::{Get, H256};
    use sp_runtime::traits::Zero;

    /// A receipt as stored by version 0 (no `fee`).
    #[derive(Encode, Decode)]
    pub struct ReceiptV0<AccountId, Balance, BlockNumber> {
        /// Its identifier.
        pub id: ReceiptId,
        /// The job it settles.
        pub job_id: aitbc_primitives::JobId,
        /// The paying client.
        pub client: AccountId,
        /// The paid miner.
        pub miner: AccountId,
        /// Billable units.
        pub units: u64,
        /// Price per unit.
        pub unit_price: Balance,
        /// Amount paid.
        pub price: Balance,
        /// Hash of the result.
        pub result_hash: H256,
        /// Block of completion.
        pub block: BlockNumber,
        /// Time of completion (ms).
        pub timestamp_ms: u64,
        /// Reward claim status.
        pub reward: RewardStatus<AccountId, Balance, BlockNumber>,
    }

    /// The receipts map as version 1 stores it.
    #[frame_support::storage_alias]
    pub type Receipts<T: Config> = StorageMap<
        Pallet<T>,
        frame_support::Twox64Concat,
        ReceiptId,
        ReceiptV1<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>,
    >;

    /// The unversioned step; use [`MigrateV0ToV1`].
    pub struct InnerMigrateV0ToV1<T>(core::marker::PhantomData<T>);

    impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV0ToV1<T> {
        fn on_runtime_upgrade() -> Weight {
            let mut count = 0u64;
            Receipts::<T>::translate::<ReceiptV0<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>, _>(
                |_, old| {
                    count += 1;
                    Some(ReceiptV1 {
                        id: old.id,
                        job_id: old.job_id,
                        client: old.client,
                        miner: old.miner,
                        units: old.units,
                        unit_price: old.unit_price,
                        price: old.price,
                        fee: Zero::zero(),
                        result_hash: old.result_hash,
                        block: old.block,
                        timestamp_ms: old.timestamp_ms,
                        reward: old.reward,
                    })
                },
            );
            RewardAmount::<T>::kill();
            T::DbWeight::get().reads_writes(count, count.saturating_add(1))
        }
    }

    /// Version 0 → 1, run once (the pallet's storage version guards it).
    pub type MigrateV0ToV1<T> = VersionedMigration<
        0,
        1,
        InnerMigrateV0ToV1<T>,
        Pallet<T>,
        <T as frame_system::Config>::DbWeight,
    >;
}

/// Version 1 → 2: receipts keep their units to the millisecond (`units_milli`, was whole
/// GPU-seconds in `units`: multiplied by 1000) and carry the miner's signature (zero for the
/// receipts written before signatures existed).
pub mod v2 {
    use crate::{BalanceOf, Config, Pallet, ReceiptOf, Receipts};
    use aitbc_primitives::{JobId, ReceiptId, RewardStatus};
    use codec::{Decode, Encode};
    use frame_support::{
        migrations::VersionedMigration, traits::UncheckedOnRuntimeUpgrade, weights::Weight,
    };
    use frame_system::pallet_prelude::BlockNumberFor;
    use sp_core::{Get, H256};

    /// A receipt as stored by version 1.
    #[derive(Encode, Decode)]
    pub struct ReceiptV1<AccountId, Balance, BlockNumber> {
        pub id: ReceiptId,
        pub job_id: JobId,
        pub client: AccountId,
        pub miner: AccountId,
        /// Whole GPU-seconds.
        pub units: u64,
        pub unit_price: Balance,
        pub price: Balance,
        pub fee: Balance,
        pub result_hash: H256,
        pub block: BlockNumber,
        pub timestamp_ms: u64,
        pub reward: RewardStatus<AccountId, Balance, BlockNumber>,
    }

    /// The unversioned step; use [`MigrateV1ToV2`].
    pub struct InnerMigrateV1ToV2<T>(core::marker::PhantomData<T>);

    impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV1ToV2<T> {
        fn on_runtime_upgrade() -> Weight {
            let mut count = 0u64;
            Receipts::<T>::translate::<ReceiptV1<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>, _>(
                |_, old| {
                    count += 1;
                    Some(ReceiptOf::<T> {
                        id: old.id,
                        job_id: old.job_id,
                        client: old.client,
                        miner: old.miner,
                        units_milli: old.units.saturating_mul(1000),
                        unit_price: old.unit_price,
                        price: old.price,
                        fee: old.fee,
                        result_hash: old.result_hash,
                        block: old.block,
                        timestamp_ms: old.timestamp_ms,
                        reward: old.reward,
                        signature: Default::default(),
                    })
                },
            );
            T::DbWeight::get().reads_writes(count, count)
        }
    }

    /// Version 1 → 2, run once (the pallet's storage version guards it).
    pub type MigrateV1ToV2<T> = VersionedMigration<
        1,
        2,
        InnerMigrateV1ToV2<T>,
        Pallet<T>,
        <T as frame_system::Config>::DbWeight,
    >;
}
