//! Benchmarks for `pallet-aitbc-agents` (frame-benchmarking v2). They drive the real jobs
//! pallet (its jobs and miners), so they are written for a runtime whose `Config::Jobs` is
//! `pallet_aitbc_jobs::Pallet` over the same currency: the mock's, and the runtime's.

use super::*;
use aitbc_primitives::{
    AgentKind, AgentLimits, AgentTools, JobId, JobObserver, JobRules, JobStatus, Metrics,
    MinerRegistry, ModelName, Prompt, RunData, RunEnd, StepKind, StepText, ToolCall, ToolId, Trace,
    TraceStep, MAX_AGENT_CONFIG_BYTES, MAX_AGENT_TOOLS, MAX_APPROVED_TOOLS, MAX_RUN_DATA_BYTES,
    MAX_RUN_STEPS, MAX_STEP_TEXT_BYTES,
};
use alloc::{format, vec, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::{
    traits::{fungible::Mutate, Get, Hooks},
    BoundedVec,
};
use frame_system::RawOrigin;
use sp_runtime::traits::Bounded;

type JobsOf<T> = pallet_aitbc_jobs::Pallet<T>;

fn model() -> ModelName {
    b"llama3.2:1b".to_vec().try_into().expect("short")
}

/// A funded account.
fn funded<T: pallet_aitbc_jobs::Config>(name: &'static str, i: u32) -> T::AccountId {
    let who: T::AccountId = account(name, i, 0);
    let _ = <T as pallet_aitbc_jobs::Config>::Currency::set_balance(
        &who,
        pallet_aitbc_jobs::BalanceOf::<T>::max_value() / 4u32.into(),
    );
    who
}

fn tool(i: u32) -> ToolId {
    format!("tool_{i}").into_bytes().try_into().expect("short")
}

/// The most tools approved; the agent lists the last ones (the longest searches).
fn approve_all<T: Config>() {
    let tools: Vec<ToolId> = (0..MAX_APPROVED_TOOLS).map(tool).collect();
    ApprovedTools::<T>::put(BoundedVec::truncate_from(tools));
}

fn listed() -> AgentTools {
    BoundedVec::truncate_from(
        (MAX_APPROVED_TOOLS - MAX_AGENT_TOOLS..MAX_APPROVED_TOOLS)
            .map(tool)
            .collect::<Vec<_>>(),
    )
}

fn config(bytes: u32) -> aitbc_primitives::AgentConfig {
    let mut v = vec![b'{'];
    v.resize(bytes.max(2) as usize - 1, b' ');
    v.push(b'}');
    BoundedVec::truncate_from(v)
}

fn limits() -> AgentLimits {
    AgentLimits {
        max_steps: MAX_RUN_STEPS,
        max_tokens: aitbc_primitives::MAX_RUN_TOKENS,
        max_tool_calls: aitbc_primitives::MAX_RUN_TOOL_CALLS,
        deadline_blocks: 10,
    }
}

fn spec<T: Config>(bytes: u32) -> SpecOf<T> {
    aitbc_primitives::AgentSpec {
        name: BoundedVec::truncate_from(vec![b'a'; 64]),
        kind: AgentKind::Analysis,
        config: config(bytes),
        model: model(),
        profile: None,
        tools: listed(),
        limits: limits(),
        price_cap: BalanceOf::<T>::max_value() / 1_000u32.into(),
    }
}

fn full_text() -> StepText {
    BoundedVec::truncate_from(vec![b'x'; MAX_STEP_TEXT_BYTES as usize])
}

/// `n` steps of the longest texts: tool steps that ran, then the answer.
fn steps(n: u32) -> Trace {
    let mut v: Vec<TraceStep> = (1..n.max(1))
        .map(|i| TraceStep {
            kind: StepKind::Tool,
            content: full_text(),
            tool_call: Some(ToolCall {
                tool: tool(MAX_APPROVED_TOOLS - 1),
                input: full_text(),
                ran: i <= aitbc_primitives::MAX_RUN_TOOL_CALLS,
            }),
            observation: full_text(),
            tokens: 1,
            millis: 100,
        })
        .collect();
    v.push(TraceStep {
        kind: StepKind::Answer,
        content: full_text(),
        tool_call: None,
        observation: Default::default(),
        tokens: 1,
        millis: 100,
    });
    BoundedVec::truncate_from(v)
}

/// An agent of `owner` (version 1, the largest configuration).
fn agent<T: Config + pallet_aitbc_jobs::Config>(owner: &T::AccountId) -> aitbc_primitives::AgentId {
    approve_all::<T>();
    Pallet::<T>::do_create(owner.clone(), spec::<T>(MAX_AGENT_CONFIG_BYTES)).expect("creates")
}

fn run_of<T: Config + pallet_aitbc_jobs::Config>(
    owner: &T::AccountId,
    agent: aitbc_primitives::AgentId,
) -> JobId {
    Pallet::<T>::do_execute(
        owner.clone(),
        agent,
        BoundedVec::truncate_from(vec![b'q'; MAX_STEP_TEXT_BYTES as usize]),
        Some(BoundedVec::truncate_from(vec![
            b'd';
            MAX_RUN_DATA_BYTES as usize
        ])),
        BalanceOf::<T>::max_value() / 1_000u32.into(),
        <T as pallet_aitbc_jobs::Config>::MaxTtl::get(),
    )
    .expect("executes")
}

/// A run assigned to and accepted by a miner; returns the job and the miner.
fn running<T: Config + pallet_aitbc_jobs::Config>(owner: &T::AccountId) -> (JobId, T::AccountId) {
    let miner: T::AccountId = account("miner", 0, 0);
    <T as pallet_aitbc_jobs::Config>::Miners::setup_miner(&miner, &model(), 1u32.into())
        .expect("sets up a miner");
    let id = agent::<T>(owner);
    let job = run_of::<T>(owner, id);
    for _ in 0..3 {
        let n = frame_system::Pallet::<T>::block_number() + 1u32.into();
        frame_system::Pallet::<T>::set_block_number(n);
        JobsOf::<T>::on_initialize(n);
        if pallet_aitbc_jobs::Jobs::<T>::get(job).is_some_and(|j| j.status == JobStatus::Assigned) {
            break;
        }
    }
    JobsOf::<T>::accept(RawOrigin::Signed(miner.clone()).into(), job).expect("accepts");
    (job, miner)
}

#[benchmarks(where T: pallet_aitbc_jobs::Config)]
mod benchmarks {
    use super::*;

    #[benchmark]
    fn create_agent(b: Linear<2, MAX_AGENT_CONFIG_BYTES>) {
        approve_all::<T>();
        let owner = funded::<T>("owner", 0);
        let s = spec::<T>(b);
        #[extrinsic_call]
        _(
            RawOrigin::Signed(owner),
            s.name,
            s.kind,
            s.config,
            s.model,
            s.tools,
            s.limits,
            s.price_cap,
        );
        assert!(Agents::<T>::contains_key(0));
    }

    /// A new version; the previous one (not pinned) removed.
    #[benchmark]
    fn update_agent(b: Linear<2, MAX_AGENT_CONFIG_BYTES>) {
        let owner = funded::<T>("owner", 0);
        let id = agent::<T>(&owner);
        let s = spec::<T>(b);
        #[extrinsic_call]
        _(
            RawOrigin::Signed(owner),
            id,
            s.name,
            s.kind,
            s.config,
            s.model,
            s.tools,
            s.limits,
            s.price_cap,
        );
        assert!(!Versions::<T>::contains_key(id, 1));
    }

    #[benchmark]
    fn delete_agent() {
        let owner = funded::<T>("owner", 0);
        let id = agent::<T>(&owner);
        #[extrinsic_call]
        _(RawOrigin::Signed(owner), id);
        assert!(!Agents::<T>::contains_key(id));
    }

    /// This pallet's part and the jobs pallet's submission.
    #[benchmark]
    fn execute(b: Linear<1, MAX_STEP_TEXT_BYTES>, d: Linear<0, MAX_RUN_DATA_BYTES>) {
        let owner = funded::<T>("owner", 0);
        let id = agent::<T>(&owner);
        let input: Prompt = BoundedVec::truncate_from(vec![b'q'; b as usize]);
        let data: Option<RunData> =
            (d > 0).then(|| BoundedVec::truncate_from(vec![b'd'; d as usize]));
        let payment = BalanceOf::<T>::max_value() / 1_000u32.into();
        let ttl = <T as pallet_aitbc_jobs::Config>::MaxTtl::get();
        #[extrinsic_call]
        _(RawOrigin::Signed(owner), id, input, data, payment, ttl);
        assert_eq!(Runs::<T>::iter().count(), 1);
    }

    #[benchmark]
    fn record_trace(s: Linear<1, MAX_RUN_STEPS>) {
        let owner = funded::<T>("owner", 0);
        let (job, miner) = running::<T>(&owner);
        let trace = steps(s);
        #[extrinsic_call]
        _(RawOrigin::Signed(miner), job, trace, RunEnd::Answered);
        assert!(Traces::<T>::contains_key(job));
    }

    #[benchmark]
    fn approve_tool() {
        let mut tools: Vec<ToolId> = (0..MAX_APPROVED_TOOLS - 1).map(tool).collect();
        tools.sort();
        ApprovedTools::<T>::put(BoundedVec::truncate_from(tools));
        #[extrinsic_call]
        _(
            RawOrigin::Root,
            b"zz_last".to_vec().try_into().expect("short"),
        );
        assert_eq!(ApprovedTools::<T>::get().len() as u32, MAX_APPROVED_TOOLS);
    }

    #[benchmark]
    fn revoke_tool() {
        approve_all::<T>();
        #[extrinsic_call]
        _(RawOrigin::Root, tool(MAX_APPROVED_TOOLS - 1));
        assert_eq!(
            ApprovedTools::<T>::get().len() as u32,
            MAX_APPROVED_TOOLS - 1
        );
    }

    #[benchmark]
    fn on_initialize_base() {
        let n = frame_system::Pallet::<T>::block_number();
        #[block]
        {
            Pallet::<T>::prune_due(n);
        }
    }

    /// A run with the largest trace and data file pruned.
    #[benchmark]
    fn prune_run() {
        let owner = funded::<T>("owner", 0);
        let (job, miner) = running::<T>(&owner);
        Pallet::<T>::do_record_trace(miner, job, steps(MAX_RUN_STEPS), RunEnd::Answered)
            .expect("records");
        let n = frame_system::Pallet::<T>::block_number();
        Prunes::<T>::insert(n, BoundedVec::truncate_from(vec![job]));
        #[block]
        {
            Pallet::<T>::prune_due(n);
        }
        assert!(!Traces::<T>::contains_key(job));
    }

    /// The result check of a run with the largest trace.
    #[benchmark]
    fn check_result() {
        let owner = funded::<T>("owner", 0);
        let (job, miner) = running::<T>(&owner);
        let trace = steps(MAX_RUN_STEPS);
        let metrics = Metrics {
            compute_ms: trace.iter().map(|s| u64::from(s.millis)).sum(),
            input_tokens: 0,
            output_tokens: trace.iter().map(|s| s.tokens).sum(),
        };
        let hash = aitbc_primitives::blake2(&trace[trace.len() - 1].content);
        Pallet::<T>::do_record_trace(miner.clone(), job, trace, RunEnd::Answered).expect("records");
        #[block]
        {
            <Pallet<T> as JobRules<T::AccountId>>::check_result(job, &miner, &hash, &metrics)
                .expect("passes");
        }
    }

    /// A run's end: a pinned older version released, the prune scheduled.
    #[benchmark]
    fn run_ended() {
        let owner = funded::<T>("owner", 0);
        let id = agent::<T>(&owner);
        let job = run_of::<T>(&owner, id);
        Pallet::<T>::do_update(owner, id, spec::<T>(MAX_AGENT_CONFIG_BYTES)).expect("updates");
        #[block]
        {
            <Pallet<T> as JobObserver>::job_ended(job, JobStatus::Cancelled);
        }
        assert!(!Versions::<T>::contains_key(id, 1));
    }

    // `cargo test --release -p pallet-aitbc-agents --features runtime-benchmarks --lib -- --ignored --nocapture bench_timings`
    #[cfg(test)]
    aitbc_bench_timing::bench_timings!(
        crate::mock::new_test_ext,
        crate::mock::Test;
        create_agent,
        update_agent,
        delete_agent,
        execute,
        record_trace,
        approve_tool,
        revoke_tool,
        on_initialize_base,
        prune_run,
        check_result,
        run_ended,
    );

    impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
