//! Storage migrations of the jobs pallet.

/// Version 0 → 1: every stored job gains `options` (none: decoded greedily, as the miners did
/// for every job before) and `provider` (none).
pub mod v1 {
    use crate::{BalanceOf, Config, JobOf, Jobs, Pallet};
    use aitbc_primitives::{
        JobId, JobInput, JobStatus, JobTimeline, JobType, Metrics, ModelName, ReceiptId,
        Requirements, MAX_EXCLUDED_MINERS,
    };
    use codec::{Decode, Encode};
    use frame_support::{
        migrations::VersionedMigration, traits::ConstU32, traits::UncheckedOnRuntimeUpgrade,
        weights::Weight, BoundedVec,
    };
    use frame_system::pallet_prelude::BlockNumberFor;
    use sp_core::{Get, H256};

    /// A job as stored by version 0 (no `options`, no `provider`).
    #[derive(Encode, Decode)]
    pub struct JobV0<AccountId, Balance, BlockNumber> {
        pub id: JobId,
        pub owner: AccountId,
        pub job_type: JobType,
        pub model: ModelName,
        pub input: JobInput,
        pub requirements: Requirements,
        pub budget: Balance,
        pub escrowed: Balance,
        pub ttl: BlockNumber,
        pub expires_at: BlockNumber,
        pub status: JobStatus,
        pub status_since: BlockNumber,
        pub timeline: JobTimeline<BlockNumber>,
        pub miner: Option<AccountId>,
        pub unit_price: Balance,
        pub ack_deadline: Option<BlockNumber>,
        pub excluded: BoundedVec<AccountId, ConstU32<MAX_EXCLUDED_MINERS>>,
        pub result_hash: Option<H256>,
        pub metrics: Option<Metrics>,
        pub receipt: Option<ReceiptId>,
    }

    /// The unversioned step; use [`MigrateV0ToV1`].
    pub struct InnerMigrateV0ToV1<T>(core::marker::PhantomData<T>);

    impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV0ToV1<T> {
        fn on_runtime_upgrade() -> Weight {
            let mut count = 0u64;
            Jobs::<T>::translate::<JobV0<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>, _>(
                |_, old| {
                    count += 1;
                    Some(JobOf::<T> {
                        id: old.id,
                        owner: old.owner,
                        job_type: old.job_type,
                        model: old.model,
                        input: old.input,
                        requirements: old.requirements,
                        options: Default::default(),
                        provider: None,
                        budget: old.budget,
                        escrowed: old.escrowed,
                        ttl: old.ttl,
                        expires_at: old.expires_at,
                        status: old.status,
                        status_since: old.status_since,
                        timeline: old.timeline,
                        miner: old.miner,
                        unit_price: old.unit_price,
                        ack_deadline: old.ack_deadline,
                        excluded: old.excluded,
                        result_hash: old.result_hash,
                        metrics: old.metrics,
                        receipt: old.receipt,
                    })
                },
            );
            T::DbWeight::get().reads_writes(count, count)
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
