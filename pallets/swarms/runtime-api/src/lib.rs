//! Runtime API of AITBC agent swarms: typed queries for the CLI and explorers, so none of them
//! decodes raw storage.
//!
//! Paging: pools by position (`start`, in storage order); tasks by id (`from`, ascending);
//! `limit` capped at [`aitbc_primitives::MAX_PAGE`].
//!
//! Called through `state_call` as `SwarmsApi_<method>` with SCALE-encoded arguments.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use codec::Codec;
use pallet_aitbc_swarms::{
    Consensus, Member, PoolSummary, SwarmRules, Task, TaskId, TaskInput, TaskProgress, TaskType,
};

sp_api::decl_runtime_apis! {
    /// Pools, tasks, their progress and their agreed results.
    pub trait SwarmsApi<AccountId, Balance, BlockNumber>
    where
        AccountId: Codec,
        Balance: Codec,
        BlockNumber: Codec,
    {
        /// Pools (task types with members) in storage order: skip `start`, at most `limit`.
        fn pools(start: u32, limit: u32) -> Vec<PoolSummary>;
        /// The members of a task type's pool, in joining order.
        fn members(task_type: TaskType) -> Vec<Member<AccountId, BlockNumber>>;
        /// The pools `miner` is a member of, with its membership in each.
        fn memberships(miner: AccountId) -> Vec<(TaskType, Member<AccountId, BlockNumber>)>;
        /// One task.
        fn task(id: TaskId) -> Option<Task<AccountId, Balance, BlockNumber>>;
        /// A task's input.
        fn task_input(id: TaskId) -> Option<TaskInput>;
        /// An owner's tasks with id `>= from`, ascending, at most `limit`.
        fn tasks_by_owner(owner: AccountId, from: TaskId, limit: u32) -> Vec<(TaskId, Task<AccountId, Balance, BlockNumber>)>;
        /// A task's progress: each part (shards, then the final job) with its job's live
        /// status and round phase, and how many shards are done, agreeing, disputed.
        fn progress(id: TaskId) -> Option<TaskProgress<AccountId, Balance, BlockNumber>>;
        /// A task's agreed result and confidence metrics.
        fn consensus(id: TaskId) -> Option<Consensus<Balance>>;
        /// What the jobs pallet allows `owner`'s task jobs now (least and longest TTL, minimum
        /// payment, free job slots).
        fn rules(owner: AccountId) -> SwarmRules<Balance, BlockNumber>;
    }
}
