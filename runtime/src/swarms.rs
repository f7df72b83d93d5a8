//! Agent swarms (pallet index 18, `Swarms`, `pallets/swarms`): miners put their agents into
//! pools per task type; a task is run by a pool's members as redundant jobs of the jobs pallet
//! (map-reduce over its paragraphs, or whole), and its agreed result comes with confidence
//! metrics. The jobs pallet tells the swarms pallet when its jobs end (`JobObserver`, wired in
//! `runtime/src/jobs.rs`).

use codec::MaxEncodedLen;
use frame_support::{parameter_types, traits::Get};
use pallet_aitbc_swarms::{PartRecord, MAX_SHARDS};

use super::{
    AccountId, Balance, Balances, BlockNumber, Jobs, Miners, Runtime, RuntimeEvent,
    RuntimeHoldReason,
};

/// Bytes a task's key adds to each of its parts in storage (pallet and map prefixes, hashed
/// task id and part).
const PART_KEY_BYTES: usize = 32 + 16 + 17;

parameter_types! {
    /// A task holds this per byte of its input and instruction: the jobs' storage deposit
    /// rate (1 µAIT a byte).
    pub const SwarmDepositPerByte: Balance = crate::jobs::JobDepositPerByte::get();
}

/// The deposit every task holds besides its bytes: the storage of the largest DAG it may have
/// (`MAX_SHARDS` shards and the final job, each part at its largest encoding with its key) and
/// of its record, at [`SwarmDepositPerByte`]. About 0.025 AIT.
pub struct TaskDepositBase;
impl Get<Balance> for TaskDepositBase {
    fn get() -> Balance {
        let part = PartRecord::<Balance>::max_encoded_len() + PART_KEY_BYTES;
        let task = pallet_aitbc_swarms::Task::<AccountId, Balance, BlockNumber>::max_encoded_len()
            - aitbc_primitives::MAX_SYSTEM_PROMPT_BYTES as usize;
        let bytes = (MAX_SHARDS as usize + 1) * part + task;
        SwarmDepositPerByte::get().saturating_mul(bytes as Balance)
    }
}

impl pallet_aitbc_swarms::Config for Runtime {
    type Agents = crate::Agents;
    type RuntimeEvent = RuntimeEvent;
    type Currency = Balances;
    type RuntimeHoldReason = RuntimeHoldReason;
    type Miners = crate::profiles::ActiveMiners;
    type Stakes = Miners;
    type Profiles = crate::profiles::ProfileDirectoryOfRuntime;
    type Jobs = Jobs;
    type TaskDepositBase = TaskDepositBase;
    type DepositPerByte = SwarmDepositPerByte;
    // Sixteen items and eight submissions a block: the largest map-reduce's 64 shards are
    // submitted within eight blocks once the owner has the job slots.
    type MaxWorkPerBlock = frame_support::traits::ConstU32<16>;
    type MaxSubmissionsPerBlock = frame_support::traits::ConstU32<8>;
    type WeightInfo = pallet_aitbc_swarms::weights::SubstrateWeight<Runtime>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MILLI_AIT;

    #[test]
    fn the_work_of_a_block_and_the_largest_coordinate_fit_with_room() {
        use frame_support::weights::Weight;
        let max = <Runtime as frame_system::Config>::BlockWeights::get().max_block;
        let worst = pallet_aitbc_swarms::Pallet::<Runtime>::worst_block_weight();
        let coordinate = pallet_aitbc_swarms::Pallet::<Runtime>::coordinate_weight(
            &pallet_aitbc_swarms::Strategy::MapReduce { shards: 64 },
        );
        // Within a tenth of a block each (the pallet's integrity test asserts the first).
        let tenth = Weight::from_parts(max.ref_time() / 10, u64::MAX);
        assert!(worst.all_lte(tenth), "{worst:?}");
        assert!(coordinate.all_lte(tenth), "{coordinate:?}");
    }

    #[test]
    fn the_task_deposit_covers_the_largest_dag() {
        let base = TaskDepositBase::get();
        assert!((20 * MILLI_AIT..40 * MILLI_AIT).contains(&base), "{base}");
    }
}
