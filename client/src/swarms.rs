//! Agent swarms (pallet `Swarms`, index 18): pools of miners' agents per task type, and tasks a
//! pool runs as redundant jobs (map-reduce over the input's paragraphs, or whole). Queries go
//! through the runtime's `SwarmsApi`; call builders check their inputs as the chain does before
//! anything is signed, with errors that name what is wrong.

use crate::error::{Error, Result};
use crate::metadata::NodeMetadata;
use crate::rpc::RpcClient;
use crate::runtime_api::SWARMS_API;
use aitbc_primitives::{SystemPrompt, MAX_PAGE, MAX_PROMPT_CHARS, MAX_SYSTEM_PROMPT_CHARS};
use aitbc_runtime::{AccountId, Balance, BlockNumber, Hash, RuntimeCall};
use codec::{Decode, Encode};

pub use pallet_aitbc_swarms::{
    outcome_index, sharding, AgentId, Part, PartOutcome, PartRecord, PoolSummary, Strategy,
    TaskFailure, TaskId, TaskInput, TaskStatus, TaskType, MAX_MEMBERS, MAX_MEMBERSHIPS, MAX_SHARDS,
    MAX_TASK_INPUT_BYTES, MAX_TASK_TYPE_LEN,
};

/// A task as this runtime stores it.
pub type Task = pallet_aitbc_swarms::Task<AccountId, Balance, BlockNumber>;
/// A pool member.
pub type Member = pallet_aitbc_swarms::Member<AccountId, BlockNumber>;
/// A task's progress.
pub type TaskProgress = pallet_aitbc_swarms::TaskProgress<AccountId, Balance, BlockNumber>;
/// A part of a task with its job's live state.
pub type PartProgress = pallet_aitbc_swarms::PartProgress<Balance>;
/// A task's agreed result and confidence metrics.
pub type Consensus = pallet_aitbc_swarms::Consensus<Balance>;
/// What the jobs pallet allows a task's jobs.
pub type SwarmRules = pallet_aitbc_swarms::SwarmRules<Balance, BlockNumber>;

async fn api<A: Encode, R: Decode>(rpc: &RpcClient, method: &str, args: A) -> Result<R> {
    SWARMS_API.call(rpc, method, args, None).await
}

// ---- queries ----

/// Pools (task types with members) in storage order: skip `start`, at most `limit`.
pub async fn pools(rpc: &RpcClient, start: u32, limit: u32) -> Result<Vec<PoolSummary>> {
    api(rpc, "pools", (start, limit.min(MAX_PAGE))).await
}

/// Every pool, paging through them (at most `max`).
pub async fn all_pools(rpc: &RpcClient, max: usize) -> Result<Vec<PoolSummary>> {
    let mut out: Vec<PoolSummary> = Vec::new();
    loop {
        let page = pools(rpc, out.len() as u32, MAX_PAGE).await?;
        let done = page.len() < MAX_PAGE as usize;
        out.extend(page);
        if done || out.len() >= max {
            out.truncate(max);
            return Ok(out);
        }
    }
}

/// The members of `task_type`'s pool, in joining order.
pub async fn members(rpc: &RpcClient, task_type: &TaskType) -> Result<Vec<Member>> {
    api(rpc, "members", task_type).await
}

/// The pools `miner` is a member of.
pub async fn memberships(rpc: &RpcClient, miner: &AccountId) -> Result<Vec<(TaskType, Member)>> {
    api(rpc, "memberships", miner).await
}

/// One task.
pub async fn task(rpc: &RpcClient, id: TaskId) -> Result<Option<Task>> {
    api(rpc, "task", id).await
}

/// A task that must exist: `NotFound("swarm task #7 ...")` otherwise.
pub async fn existing_task(rpc: &RpcClient, id: TaskId) -> Result<Task> {
    task(rpc, id).await?.ok_or_else(|| {
        Error::NotFound(format!(
            "swarm task #{id} (never created, or removed by its owner; see `aitbc swarm tasks`)"
        ))
    })
}

/// A task's input.
pub async fn task_input(rpc: &RpcClient, id: TaskId) -> Result<Option<Vec<u8>>> {
    let input: Option<TaskInput> = api(rpc, "task_input", id).await?;
    Ok(input.map(|i| i.into_inner()))
}

/// An owner's tasks with id `>= from`, ascending, at most `limit`.
pub async fn tasks_by_owner(
    rpc: &RpcClient,
    owner: &AccountId,
    from: TaskId,
    limit: u32,
) -> Result<Vec<(TaskId, Task)>> {
    api(rpc, "tasks_by_owner", (owner, from, limit.min(MAX_PAGE))).await
}

/// A task's progress: each part with its job's live state, and the shard counts.
pub async fn progress(rpc: &RpcClient, id: TaskId) -> Result<Option<TaskProgress>> {
    api(rpc, "progress", id).await
}

/// A task's agreed result and its confidence metrics.
pub async fn consensus(rpc: &RpcClient, id: TaskId) -> Result<Option<Consensus>> {
    api(rpc, "consensus", id).await
}

/// What the jobs pallet allows `owner`'s task jobs now.
pub async fn rules(rpc: &RpcClient, owner: &AccountId) -> Result<SwarmRules> {
    api(rpc, "rules", owner).await
}

/// The swarms pallet's deposits as the node's runtime sets them (from its metadata).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deposits {
    /// Held for every task besides its bytes.
    pub base: Balance,
    /// Held per byte of a task's input and instruction.
    pub per_byte: Balance,
}

impl Deposits {
    /// Reads the `Swarms` constants from metadata.
    pub fn from_metadata(m: &NodeMetadata) -> Result<Self> {
        Ok(Deposits {
            base: m.constant("Swarms", "TaskDepositBase")?,
            per_byte: m.constant("Swarms", "DepositPerByte")?,
        })
    }

    /// Fetches the node's metadata and reads the deposits from it.
    pub async fn fetch(rpc: &RpcClient) -> Result<Self> {
        Self::from_metadata(&NodeMetadata::fetch(rpc).await?)
    }

    /// The deposit of a task with `bytes` bytes of input and instruction.
    pub fn for_bytes(&self, bytes: usize) -> Balance {
        self.base
            .saturating_add(self.per_byte.saturating_mul(bytes as Balance))
    }
}

// ---- inputs ----

/// A task type: 1 to 32 bytes of `a-z`, `0-9` and `-`.
pub fn task_type(s: &str) -> Result<TaskType> {
    if !pallet_aitbc_swarms::valid_task_type(s.as_bytes()) {
        return Err(Error::InvalidInput(format!(
            "task type {s:?}: use 1 to {MAX_TASK_TYPE_LEN} characters of a-z, 0-9 and '-' (e.g. distributed-training)"
        )));
    }
    Ok(TaskType::truncate_from(s.as_bytes().to_vec()))
}

/// A task's input: UTF-8 text of at most 16 KiB with at least one non-blank line. Returns it
/// with its number of paragraphs.
pub fn task_input_of(text: &str) -> Result<(TaskInput, usize)> {
    let paragraphs = sharding::paragraphs(text).len();
    if paragraphs == 0 {
        return Err(Error::InvalidInput(
            "the input is empty: a task needs at least one non-blank line".into(),
        ));
    }
    let len = text.len();
    let input = text.as_bytes().to_vec().try_into().map_err(|_| {
        Error::InvalidInput(format!(
            "the input is {len} bytes; a task takes at most {MAX_TASK_INPUT_BYTES}"
        ))
    })?;
    Ok((input, paragraphs))
}

/// An instruction (every job's system prompt): non-empty, at most 1000 characters.
pub fn instruction(text: &str) -> Result<SystemPrompt> {
    let chars = text.chars().count();
    if text.trim().is_empty() {
        return Err(Error::InvalidInput("the instruction is empty".into()));
    }
    if chars > MAX_SYSTEM_PROMPT_CHARS as usize {
        return Err(Error::InvalidInput(format!(
            "the instruction is {chars} characters; the limit is {MAX_SYSTEM_PROMPT_CHARS}"
        )));
    }
    Ok(SystemPrompt::truncate_from(text.as_bytes().to_vec()))
}

/// Whether a task's input can be run with `strategy` (the chain's own split): map-reduce needs
/// at least `shards` paragraphs and every shard within the prompt limit; the redundant strategy
/// the whole input within it. Returns the shards' character counts (one entry for the
/// redundant strategy).
pub fn check_split(input: &[u8], strategy: Strategy) -> Result<Vec<usize>> {
    let text = std::str::from_utf8(input)
        .map_err(|_| Error::InvalidInput("the task's input is not UTF-8".into()))?;
    match strategy {
        Strategy::Redundant => {
            let chars = text.chars().count();
            if chars > MAX_PROMPT_CHARS as usize {
                return Err(Error::InvalidInput(format!(
                    "the input is {chars} characters, more than one job's prompt takes ({MAX_PROMPT_CHARS}): use --strategy map-reduce --shards N"
                )));
            }
            Ok(vec![chars])
        }
        Strategy::MapReduce { shards } => {
            if shards == 0 || u32::from(shards) > MAX_SHARDS {
                return Err(Error::InvalidInput(format!(
                    "--shards {shards}: map-reduce takes 1 to {MAX_SHARDS} shards"
                )));
            }
            let paragraphs = sharding::paragraphs(text);
            let split = sharding::shards(&paragraphs, shards.into()).ok_or_else(|| {
                Error::InvalidInput(format!(
                    "--shards {shards}: the input has only {} paragraphs (runs of non-blank lines separated by blank lines); ask for at most that many shards",
                    paragraphs.len()
                ))
            })?;
            if let Some((i, s)) = split
                .iter()
                .enumerate()
                .find(|(_, s)| s.chars > MAX_PROMPT_CHARS as usize)
            {
                return Err(Error::InvalidInput(format!(
                    "--shards {shards}: shard {} would be {} characters, more than a job's prompt takes ({MAX_PROMPT_CHARS}); ask for more shards",
                    i + 1,
                    s.chars
                )));
            }
            Ok(split.iter().map(|s| s.chars).collect())
        }
    }
}

// ---- call builders ----

/// `Swarms::join`: put agent `agent_id` into the pool of `task_type`, running `profile`.
pub fn join(agent_id: AgentId, task_type: TaskType, profile: Hash) -> RuntimeCall {
    RuntimeCall::Swarms(pallet_aitbc_swarms::Call::join {
        agent_id,
        task_type,
        profile,
    })
}

/// `Swarms::leave`.
pub fn leave(task_type: TaskType) -> RuntimeCall {
    RuntimeCall::Swarms(pallet_aitbc_swarms::Call::leave { task_type })
}

/// `Swarms::prune_member`: remove `miner`, which no longer qualifies, from a pool.
pub fn prune_member(task_type: TaskType, miner: AccountId) -> RuntimeCall {
    RuntimeCall::Swarms(pallet_aitbc_swarms::Call::prune_member { task_type, miner })
}

/// `Swarms::create_task` (holds `budget` and the deposit from the signer); with `agent`, an
/// agent task (one exact-mode run of that agent among the members running it).
pub fn create_task(
    task_type: TaskType,
    profile: Hash,
    input: TaskInput,
    instruction: Option<SystemPrompt>,
    budget: Balance,
    ttl_blocks: BlockNumber,
    agent: Option<AgentId>,
) -> Result<RuntimeCall> {
    if budget == 0 {
        return Err(Error::InvalidInput(
            "a task's budget is held at creation: give a payment above zero".into(),
        ));
    }
    Ok(RuntimeCall::Swarms(
        pallet_aitbc_swarms::Call::create_task {
            task_type,
            profile,
            input,
            instruction,
            budget,
            ttl: ttl_blocks,
            agent,
        },
    ))
}

/// `Swarms::coordinate`: `k` miners per job (2 to 7) and a quorum (0: the default).
pub fn coordinate(task_id: TaskId, strategy: Strategy, k: u8, quorum: u8) -> Result<RuntimeCall> {
    let spec = aitbc_primitives::Redundancy {
        k,
        quorum,
        payout: aitbc_primitives::Payout::Each,
        profile: Hash::zero(),
    };
    if !spec.is_valid() {
        return Err(Error::InvalidInput(format!(
            "redundancy {k} with quorum {}: k must be 2 to {} and the quorum a strict majority of k, at most k",
            spec.effective_quorum(),
            aitbc_primitives::MAX_REDUNDANCY
        )));
    }
    Ok(RuntimeCall::Swarms(pallet_aitbc_swarms::Call::coordinate {
        task_id,
        strategy,
        k,
        quorum,
    }))
}

/// `Swarms::cancel_task` (before it is coordinated; the budget returns).
pub fn cancel_task(task_id: TaskId) -> RuntimeCall {
    RuntimeCall::Swarms(pallet_aitbc_swarms::Call::cancel_task { task_id })
}

/// `Swarms::remove_task` (once ended; the deposit returns).
pub fn remove_task(task_id: TaskId) -> RuntimeCall {
    RuntimeCall::Swarms(pallet_aitbc_swarms::Call::remove_task { task_id })
}

/// The id of the task a `create_task` transaction created (its `TaskCreated` event).
pub fn created_task_id(outcome: &crate::tx::TxOutcome) -> Option<TaskId> {
    outcome.find_event(|e| match e {
        aitbc_runtime::RuntimeEvent::Swarms(pallet_aitbc_swarms::Event::TaskCreated {
            task_id,
            ..
        }) => Some(*task_id),
        _ => None,
    })
}

// ---- names ----

/// `shard 1` … `shard 64` (shown from 1), `final`.
pub fn part_name(p: Part) -> String {
    match p {
        Part::Shard(i) => format!("shard {}", u32::from(i) + 1),
        Part::Final => "final".into(),
    }
}

/// `map-reduce` or `redundant`.
pub fn strategy_name(s: Strategy) -> &'static str {
    match s {
        Strategy::MapReduce { .. } => "map-reduce",
        Strategy::Redundant => "redundant",
    }
}

fn job_status_word(s: aitbc_primitives::JobStatus) -> &'static str {
    use aitbc_primitives::JobStatus::*;
    match s {
        Unfunded => "unfunded",
        Queued => "queued",
        Assigned => "assigned",
        Running => "running",
        Completed => "completed",
        Failed => "failed",
        Cancelled => "cancelled",
        Expired => "expired",
    }
}

/// Why a task failed, in words.
pub fn failure_text(f: &TaskFailure) -> String {
    match f {
        TaskFailure::ShardJobEnded { shard, status } => format!(
            "the job of shard {} ended {}",
            u32::from(*shard) + 1,
            job_status_word(*status)
        ),
        TaskFailure::FinalJobEnded { status } => {
            format!("the final job ended {}", job_status_word(*status))
        }
        TaskFailure::OutOfTime => {
            "too little time was left before the deadline to submit its next job".into()
        }
        TaskFailure::NotEnoughMembers { members } => {
            format!("only {members} pool members run the task's profile, fewer than k")
        }
        TaskFailure::SubmissionRefused(e) => format!(
            "the jobs pallet refused a job: {}",
            crate::metadata::describe_dispatch_error(e)
        ),
        TaskFailure::ShardOutputMissing { shard } => format!(
            "the agreed output of shard {} was no longer kept for the reduce job",
            u32::from(*shard) + 1
        ),
        TaskFailure::JobPruned { part } => format!(
            "the {} job was pruned before its end was recorded",
            part_name(*part)
        ),
    }
}

/// A task's status in words: `created`, `mapping`, `reducing`, `running`, `completed`,
/// `cancelled`, `failed: …`.
pub fn status_text(s: &TaskStatus) -> String {
    match s {
        TaskStatus::Created => "created".into(),
        TaskStatus::Mapping => "mapping".into(),
        TaskStatus::Reducing => "reducing".into(),
        TaskStatus::Running => "running".into(),
        TaskStatus::Completed => "completed".into(),
        TaskStatus::Cancelled => "cancelled".into(),
        TaskStatus::Failed(f) => format!("failed: {}", failure_text(f)),
    }
}

/// The one-word status (`failed` for any failure), for JSON.
pub fn status_word(s: &TaskStatus) -> &'static str {
    match s {
        TaskStatus::Created => "created",
        TaskStatus::Mapping => "mapping",
        TaskStatus::Reducing => "reducing",
        TaskStatus::Running => "running",
        TaskStatus::Completed => "completed",
        TaskStatus::Cancelled => "cancelled",
        TaskStatus::Failed(_) => "failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_checked_as_the_chain_checks_them() {
        assert!(task_type("distributed-training").is_ok());
        for bad in ["", "Distributed", "a b", &"x".repeat(33)] {
            let e = task_type(bad).expect_err("refused").to_string();
            assert!(e.contains("a-z, 0-9 and '-'"), "{e}");
        }
        let e = task_input_of(" \n\n").expect_err("blank").to_string();
        assert!(e.contains("empty"), "{e}");
        let e = task_input_of(&"x".repeat(16 * 1024 + 1))
            .expect_err("long")
            .to_string();
        assert!(e.contains("16385 bytes"), "{e}");
        assert_eq!(task_input_of("a\n\nb\n\nc").expect("ok").1, 3);
        assert!(instruction("").is_err());
        assert!(instruction(&"é".repeat(1000)).is_ok());
        assert!(instruction(&"é".repeat(1001)).is_err());
        assert!(create_task(
            task_type("t").unwrap(),
            Hash::zero(),
            task_input_of("x").unwrap().0,
            None,
            0,
            100,
            None
        )
        .is_err());
        let e = coordinate(0, Strategy::Redundant, 1, 0)
            .expect_err("k")
            .to_string();
        assert!(e.contains("k must be 2 to 7"), "{e}");
        assert!(coordinate(0, Strategy::Redundant, 3, 1).is_err());
        assert!(coordinate(0, Strategy::Redundant, 3, 2).is_ok());
    }

    #[test]
    fn the_split_is_the_chains_and_its_errors_say_what_to_do() {
        let input = "one\n\ntwo\n\nthree";
        assert_eq!(
            check_split(input.as_bytes(), Strategy::MapReduce { shards: 3 }).unwrap(),
            vec![3, 3, 5]
        );
        let e = check_split(input.as_bytes(), Strategy::MapReduce { shards: 4 })
            .expect_err("too many")
            .to_string();
        assert!(e.contains("only 3 paragraphs"), "{e}");
        let long = format!("{}\n\n{}", "a".repeat(4_500), "b");
        let e = check_split(long.as_bytes(), Strategy::MapReduce { shards: 2 })
            .expect_err("too long")
            .to_string();
        assert!(e.contains("shard 1 would be 4500 characters"), "{e}");
        let e = check_split(long.as_bytes(), Strategy::Redundant)
            .expect_err("too long")
            .to_string();
        assert!(e.contains("map-reduce"), "{e}");
        let e = check_split(input.as_bytes(), Strategy::MapReduce { shards: 65 })
            .expect_err("65")
            .to_string();
        assert!(e.contains("1 to 64 shards"), "{e}");
    }

    #[test]
    fn failures_read_as_sentences() {
        assert_eq!(
            status_text(&TaskStatus::Failed(TaskFailure::ShardJobEnded {
                shard: 1,
                status: aitbc_primitives::JobStatus::Expired
            })),
            "failed: the job of shard 2 ended expired"
        );
        assert_eq!(part_name(Part::Shard(0)), "shard 1");
        assert_eq!(
            status_word(&TaskStatus::Failed(TaskFailure::OutOfTime)),
            "failed"
        );
    }
}
