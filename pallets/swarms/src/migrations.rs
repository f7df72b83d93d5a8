//! Storage migrations of the swarms pallet.

/// Version 0 → 1: a member's agent is a registered agent (agents pallet), no longer a label of
/// the miner's choosing. A label that is a decimal agent id becomes that id; any other member
/// is removed from its pool (and the pool from its miner's memberships): it joins again with
/// its registered agent.
pub mod v1 {
    use crate::{Config, Member, Memberships, Pallet, Pools, MAX_MEMBERS};
    use codec::{Decode, Encode};
    use frame_support::{
        migrations::VersionedMigration, traits::ConstU32, traits::UncheckedOnRuntimeUpgrade,
        weights::Weight, BoundedVec,
    };
    use frame_system::pallet_prelude::BlockNumberFor;
    use sp_core::{Get, H256};

    /// Version 0's agent label: 1 to 64 printable ASCII bytes.
    pub type LabelV0 = BoundedVec<u8, ConstU32<64>>;

    /// A member as stored by version 0.
    #[derive(Encode, Decode)]
    pub struct MemberV0<AccountId, BlockNumber> {
        pub miner: AccountId,
        pub agent_id: LabelV0,
        pub profile: H256,
        pub joined_at: BlockNumber,
    }

    /// A version 0 label as a registered agent's id: decimal digits only.
    pub fn agent_of(label: &[u8]) -> Option<u64> {
        if label.is_empty() || !label.iter().all(u8::is_ascii_digit) {
            return None;
        }
        core::str::from_utf8(label).ok()?.parse().ok()
    }

    /// The unversioned step; use [`MigrateV0ToV1`].
    pub struct InnerMigrateV0ToV1<T>(core::marker::PhantomData<T>);

    impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV0ToV1<T> {
        fn on_runtime_upgrade() -> Weight {
            let mut reads = 0u64;
            let mut writes = 0u64;
            let mut dropped: alloc::vec::Vec<(T::AccountId, crate::TaskType)> =
                alloc::vec::Vec::new();
            type OldPool<A, B> = BoundedVec<MemberV0<A, B>, ConstU32<MAX_MEMBERS>>;
            Pools::<T>::translate::<OldPool<T::AccountId, BlockNumberFor<T>>, _>(
                |task_type, old| {
                    reads += 1;
                    writes += 1;
                    let mut pool = crate::PoolOf::<T>::default();
                    for m in old {
                        match agent_of(&m.agent_id) {
                            Some(agent_id) => {
                                // At most as many as before: fits.
                                let _ = pool.try_push(Member {
                                    miner: m.miner,
                                    agent_id,
                                    profile: m.profile,
                                    joined_at: m.joined_at,
                                });
                            }
                            None => dropped.push((m.miner, task_type.clone())),
                        }
                    }
                    (!pool.is_empty()).then_some(pool)
                },
            );
            for (miner, task_type) in dropped {
                reads += 1;
                writes += 1;
                Memberships::<T>::mutate(&miner, |list| list.retain(|t| *t != task_type));
            }
            T::DbWeight::get().reads_writes(reads, writes)
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

    #[cfg(test)]
    mod tests {
        use super::agent_of;

        #[test]
        fn only_decimal_labels_are_agents() {
            assert_eq!(agent_of(b"42"), Some(42));
            assert_eq!(agent_of(b"agent-bob"), None);
            assert_eq!(agent_of(b""), None);
            assert_eq!(agent_of(b"99999999999999999999999"), None);
        }
    }
}
