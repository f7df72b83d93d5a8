//! Storage migrations of the `GovernanceTiming` pallet.

/// Version 0 → 1: the DAO-governed acknowledgement deadline and slash share move from the
/// hand-made unhashed keys `twox128(":aitbc:AckTimeout:")` and `twox128(":aitbc:SlashShare:")`
/// into the pallet's typed [`AckTimeout`](super::AckTimeout) and
/// [`SlashShare`](super::SlashShare); the old keys are removed. A chain whose DAO never set
/// them has neither key and keeps the runtime's defaults.
pub mod v1 {
    use crate::governance::timing::{AckTimeout, Config, Pallet, SlashShare};
    use frame_support::{
        migrations::VersionedMigration,
        storage::unhashed,
        traits::{Get, UncheckedOnRuntimeUpgrade},
        weights::Weight,
        StorageHasher, Twox128,
    };
    use frame_system::pallet_prelude::BlockNumberFor;
    use sp_runtime::Perbill;

    /// Where version 0 kept the governed acknowledgement deadline (a SCALE `BlockNumber`).
    pub fn old_ack_timeout_key() -> [u8; 16] {
        Twox128::hash(b":aitbc:AckTimeout:")
    }

    /// Where version 0 kept the governed slash share (a SCALE `Perbill`).
    pub fn old_slash_share_key() -> [u8; 16] {
        Twox128::hash(b":aitbc:SlashShare:")
    }

    /// The unversioned step; use [`MigrateV0ToV1`].
    pub struct InnerMigrateV0ToV1<T>(core::marker::PhantomData<T>);

    impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV0ToV1<T> {
        fn on_runtime_upgrade() -> Weight {
            let mut writes = 0u64;
            // The old keys go whether or not their values decode; an undecodable one (never
            // written by a runtime) is dropped and the default applies.
            let ack_timeout = unhashed::get::<BlockNumberFor<T>>(&old_ack_timeout_key());
            let slash_share = unhashed::get::<Perbill>(&old_slash_share_key());
            unhashed::kill(&old_ack_timeout_key());
            unhashed::kill(&old_slash_share_key());
            if let Some(blocks) = ack_timeout {
                AckTimeout::<T>::put(blocks);
                writes += 1;
            }
            if let Some(share) = slash_share {
                SlashShare::<T>::put(share);
                writes += 1;
            }
            writes += 2;
            T::DbWeight::get().reads_writes(2, writes)
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
