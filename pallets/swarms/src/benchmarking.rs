//! Benchmarks for `pallet-aitbc-swarms` (frame-benchmarking v2). They drive the real jobs
//! pallet (its redundant jobs, its miners and profiles), so they are written for a runtime
//! whose `Config::Jobs` is `pallet_aitbc_jobs::Pallet` over the same currency: the mock's, and
//! the runtime's.

use super::*;
use aitbc_primitives::{
    JobResult, Metrics, MinerRegistry, ModelName, ProfileDirectory, ReceiptSignatureCheck,
    RedundantJobs, MAX_RESULT_BYTES, MAX_SYSTEM_PROMPT_CHARS,
};
use alloc::{format, vec, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::{
    traits::{fungible::Mutate, Get},
    BoundedVec,
};
use frame_system::RawOrigin;
use sp_core::H256;
use sp_runtime::traits::{Bounded, Hash};

type JobsOf<T> = pallet_aitbc_jobs::Pallet<T>;

fn model() -> ModelName {
    b"llama3.2:1b".to_vec().try_into().expect("short")
}

fn task_type() -> TaskType {
    b"distributed-training".to_vec().try_into().expect("short")
}

/// A funded client.
fn client<T: pallet_aitbc_jobs::Config>(i: u32) -> T::AccountId {
    let who: T::AccountId = account("client", i, 0);
    let _ = <T as pallet_aitbc_jobs::Config>::Currency::set_balance(
        &who,
        pallet_aitbc_jobs::BalanceOf::<T>::max_value() / 4u32.into(),
    );
    who
}

/// `n` active miners serving `model()` and running one profile; returns them and the profile.
fn miners<T: pallet_aitbc_jobs::Config>(n: u32) -> (Vec<T::AccountId>, H256) {
    let mut all = Vec::new();
    for i in 0..n {
        let m: T::AccountId = account("miner", i, 0);
        <T as pallet_aitbc_jobs::Config>::Miners::setup_miner(&m, &model(), 1u32.into())
            .expect("sets up a miner");
        let _ = <T as pallet_aitbc_jobs::Config>::Currency::set_balance(
            &m,
            pallet_aitbc_jobs::BalanceOf::<T>::max_value() / 16u32.into(),
        );
        all.push(m);
    }
    let profile = <T as pallet_aitbc_jobs::Config>::Profiles::setup_profile(&model(), &all);
    (all, profile)
}

/// A registered agent on the benchmarks' model.
fn agent<T: Config>() -> AgentId {
    <T::Agents as aitbc_primitives::AgentRuns<_, _, _>>::setup_agent(&model())
}

/// The pool of `task_type()`: `miners` first, then placeholder accounts up to `len` members.
fn fill_pool<T: Config>(miners: &[T::AccountId], profile: H256, len: u32) {
    let mut pool: Vec<MemberOf<T>> = miners
        .iter()
        .enumerate()
        .map(|(i, m)| Member {
            miner: m.clone(),
            agent_id: u64::from(i as u32),
            profile,
            joined_at: 1u32.into(),
        })
        .collect();
    for i in pool.len() as u32..len {
        pool.push(Member {
            miner: account("member", i, 0),
            agent_id: u64::from(i),
            profile,
            joined_at: 1u32.into(),
        });
    }
    Pools::<T>::insert(task_type(), BoundedVec::truncate_from(pool));
}

/// The largest input with the most paragraphs: `"x\n\n"` repeated (16 KiB).
fn largest_input() -> TaskInput {
    input_of(MAX_TASK_INPUT_BYTES as usize)
}

/// An input of at most `bytes` bytes with the most paragraphs: `"x\n\n"` repeated.
fn input_of(bytes: usize) -> TaskInput {
    let mut v = b"x\n\n".repeat(bytes.div_ceil(3));
    v.truncate(bytes.min(MAX_TASK_INPUT_BYTES as usize));
    BoundedVec::truncate_from(v)
}

fn instruction() -> aitbc_primitives::SystemPrompt {
    BoundedVec::truncate_from(vec![b'i'; MAX_SYSTEM_PROMPT_CHARS as usize])
}

/// A created task of `owner` over `input`, with a large budget.
fn created<T: Config + pallet_aitbc_jobs::Config>(
    owner: &T::AccountId,
    profile: H256,
    input: TaskInput,
) -> TaskId {
    let budget: BalanceOf<T> = BalanceOf::<T>::max_value() / 1_000u32.into();
    Pallet::<T>::do_create_task(
        owner.clone(),
        task_type(),
        profile,
        input,
        Some(instruction()),
        budget,
        <T as Config>::Jobs::max_ttl(),
        None,
    )
    .expect("creates")
}

/// Every miner of redundant job `job` commits to and reveals `output`.
fn play<T: pallet_aitbc_jobs::Config>(job: aitbc_primitives::JobId, output: &[u8]) {
    let round = pallet_aitbc_jobs::Rounds::<T>::get(job).expect("round");
    let owner = pallet_aitbc_jobs::Jobs::<T>::get(job).expect("job").owner;
    let hash = sp_runtime::traits::BlakeTwo256::hash(output);
    let salt = H256::repeat_byte(3);
    let metrics = Metrics {
        compute_ms: 1_000,
        input_tokens: 10,
        output_tokens: 10,
    };
    for p in round.participants.iter() {
        JobsOf::<T>::commit_result(
            RawOrigin::Signed(p.miner.clone()).into(),
            job,
            aitbc_primitives::commitment(&hash, &p.miner, &salt),
        )
        .expect("commits");
    }
    for p in round.participants.iter() {
        let payload = aitbc_primitives::receipt_signing_payload(
            job,
            &owner,
            &p.miner,
            &hash,
            metrics.units_milli(),
            &p.unit_price,
        );
        let signature = <T as pallet_aitbc_jobs::Config>::ReceiptSignature::sign_for_benchmark(
            &p.miner, &payload,
        )
        .unwrap_or_default();
        JobsOf::<T>::reveal_result(
            RawOrigin::Signed(p.miner.clone()).into(),
            job,
            output.to_vec().try_into().expect("short"),
            salt,
            metrics,
            signature,
            Some(1_000),
        )
        .expect("reveals");
    }
}

/// The largest `k` the jobs pallet and the registry's candidates allow.
fn bench_k<T: pallet_aitbc_jobs::Config>() -> u8 {
    let candidates = <T as pallet_aitbc_jobs::Config>::Miners::max_candidates();
    <T as pallet_aitbc_jobs::Config>::MaxRedundancy::get()
        .min(candidates.saturating_sub(aitbc_primitives::MAX_EXCLUDED_MINERS + 1))
        .clamp(2, aitbc_primitives::MAX_REDUNDANCY) as u8
}

#[benchmarks(where
    T: pallet_aitbc_jobs::Config<Currency = <T as Config>::Currency>,
    T: Config<Jobs = pallet_aitbc_jobs::Pallet<T>>,
)]
mod benchmarks {
    use super::*;

    /// A pool of 63 members searched; the miner in 7 pools already.
    #[benchmark]
    fn join() {
        let (miners, profile) = miners::<T>(1);
        let miner = miners[0].clone();
        fill_pool::<T>(&[], profile, MAX_MEMBERS - 1);
        let others: Vec<TaskType> = (1..MAX_MEMBERSHIPS)
            .map(|i| format!("type-{i}").into_bytes().try_into().expect("short"))
            .collect();
        Memberships::<T>::insert(&miner, BoundedVec::truncate_from(others));
        #[extrinsic_call]
        _(
            RawOrigin::Signed(miner.clone()),
            agent::<T>(),
            task_type(),
            profile,
        );
        assert_eq!(Pools::<T>::get(task_type()).len() as u32, MAX_MEMBERS);
    }

    /// A full pool, the miner last, in 8 pools.
    #[benchmark]
    fn leave() {
        let (miners, profile) = miners::<T>(1);
        let miner = miners[0].clone();
        fill_pool::<T>(&[], profile, MAX_MEMBERS - 1);
        Pools::<T>::mutate(task_type(), |p| {
            let _ = p.try_push(Member {
                miner: miner.clone(),
                agent_id: 999,
                profile,
                joined_at: 1u32.into(),
            });
        });
        let mut types: Vec<TaskType> = (1..MAX_MEMBERSHIPS)
            .map(|i| format!("type-{i}").into_bytes().try_into().expect("short"))
            .collect();
        types.push(task_type());
        Memberships::<T>::insert(&miner, BoundedVec::truncate_from(types));
        #[extrinsic_call]
        _(RawOrigin::Signed(miner.clone()), task_type());
        assert_eq!(Pools::<T>::get(task_type()).len() as u32, MAX_MEMBERS - 1);
    }

    /// A full pool whose last member is no miner.
    #[benchmark]
    fn prune_member() {
        let (_, profile) = miners::<T>(0);
        fill_pool::<T>(&[], profile, MAX_MEMBERS);
        let gone: T::AccountId = account("member", MAX_MEMBERS - 1, 0);
        let caller = client::<T>(0);
        #[extrinsic_call]
        _(RawOrigin::Signed(caller), task_type(), gone);
        assert_eq!(Pools::<T>::get(task_type()).len() as u32, MAX_MEMBERS - 1);
    }

    /// An input of `b` bytes (one paragraph), the longest instruction.
    #[benchmark]
    fn create_task(b: Linear<1, MAX_TASK_INPUT_BYTES>) {
        let (_, profile) = miners::<T>(0);
        let owner = client::<T>(0);
        let input: TaskInput = BoundedVec::truncate_from(vec![b'a'; b as usize]);
        let budget: BalanceOf<T> = 1_000_000u32.into();
        #[extrinsic_call]
        _(
            RawOrigin::Signed(owner),
            task_type(),
            profile,
            input,
            Some(instruction()),
            budget,
            <T as Config>::Jobs::max_ttl(),
            None,
        );
        assert!(Tasks::<T>::contains_key(0));
    }

    /// The plan of a map-reduce into `n` shards of the largest input they can take (16 KiB
    /// from 5 shards on, `n` × 3,999 bytes below: every shard within the prompt limit), made
    /// of the most paragraphs (`"x\n\n"`, 5,461 in 16 KiB), a full pool checked (every
    /// member's activity and profile): everything `coordinate` does but submit jobs. The
    /// redundant strategy (no split) is charged as one shard.
    #[benchmark]
    fn coordinate(n: Linear<1, MAX_SHARDS>) {
        let (miners, profile) = miners::<T>(3);
        fill_pool::<T>(&miners, profile, MAX_MEMBERS);
        let owner = client::<T>(0);
        let id = created::<T>(&owner, profile, input_of(3_999 * n as usize));
        #[block]
        {
            Pallet::<T>::plan_task(owner, id, Strategy::MapReduce { shards: n as u8 }, 2, 0)
                .expect("plans");
        }
        assert_eq!(Parts::<T>::iter_prefix(id).count() as u32, n + 1);
    }

    #[benchmark]
    fn cancel_task() {
        let (_, profile) = miners::<T>(0);
        let owner = client::<T>(0);
        let id = created::<T>(&owner, profile, largest_input());
        #[extrinsic_call]
        _(RawOrigin::Signed(owner), id);
        assert_eq!(
            Tasks::<T>::get(id).map(|t| t.status),
            Some(TaskStatus::Cancelled)
        );
    }

    /// A cancelled task with `n` shard records and the final one.
    #[benchmark]
    fn remove_task(n: Linear<0, MAX_SHARDS>) {
        let (_, profile) = miners::<T>(0);
        let owner = client::<T>(0);
        let id = created::<T>(&owner, profile, largest_input());
        Pallet::<T>::cancel_task(RawOrigin::Signed(owner.clone()).into(), id).expect("cancels");
        let record = PartRecord {
            range: (0, 1),
            chars: 1,
            job: Some(0),
            budget: 1u32.into(),
            cut: false,
            outcome: None,
        };
        for i in 0..n {
            Parts::<T>::insert(id, Part::Shard(i as u8), record.clone());
        }
        Parts::<T>::insert(id, Part::Final, record);
        Tasks::<T>::mutate(id, |t| {
            if let Some(t) = t {
                t.shards = n as u8;
            }
        });
        #[extrinsic_call]
        _(RawOrigin::Signed(owner), id);
        assert!(!Tasks::<T>::contains_key(id));
    }

    #[benchmark]
    fn on_initialize_base() {
        #[block]
        {
            Pallet::<T>::process_work();
        }
    }

    /// A task's job ended: queued.
    #[benchmark]
    fn note_job() {
        JobParts::<T>::insert(
            7,
            JobRef {
                task: 0,
                part: Part::Final,
                queued: false,
            },
        );
        #[block]
        {
            Pallet::<T>::note_job(7);
        }
        assert_eq!(Pallet::<T>::queued(Lane::Ended), 1);
    }

    /// The end of a redundant task's one job, a round of the largest `k`, all agreeing: its
    /// outcome recorded (each participant's stake read), the task completed and what it held
    /// returned.
    #[benchmark]
    fn record_end() {
        let k = bench_k::<T>();
        let (miners, profile) = miners::<T>(k.into());
        fill_pool::<T>(&miners, profile, k.into());
        let owner = client::<T>(0);
        let id = created::<T>(
            &owner,
            profile,
            BoundedVec::truncate_from(b"one paragraph".to_vec()),
        );
        Pallet::<T>::do_coordinate(owner, id, Strategy::Redundant, k, 0).expect("coordinates");
        let job = Tasks::<T>::get(id).and_then(|t| t.final_job).expect("job");
        <JobsOf<T> as frame_support::traits::Hooks<_>>::on_initialize(
            frame_system::Pallet::<T>::block_number(),
        );
        play::<T>(job, &[b'x'; 64]);
        assert!(JobParts::<T>::get(job).is_some_and(|r| r.queued));
        #[block]
        {
            Pallet::<T>::record_end(job);
        }
        assert_eq!(
            Tasks::<T>::get(id).map(|t| t.status),
            Some(TaskStatus::Completed)
        );
    }

    /// A map-reduce task with shards waiting and no free job slot: taken from the queue, read
    /// (its input the largest), nothing submitted, queued again.
    #[benchmark]
    fn advance() {
        let (miners, profile) = miners::<T>(2);
        fill_pool::<T>(&miners, profile, 2);
        let owner = client::<T>(0);
        let id = created::<T>(&owner, profile, largest_input());
        Pallet::<T>::do_coordinate(owner.clone(), id, Strategy::MapReduce { shards: 64 }, 2, 0)
            .expect("coordinates");
        pallet_aitbc_jobs::OpenJobs::<T>::insert(
            &owner,
            <T as pallet_aitbc_jobs::Config>::MaxOpenJobsPerClient::get(),
        );
        assert_eq!(Pallet::<T>::queued(Lane::Waiting), 1);
        // The queue's one item, taken and processed (the fixed part of `on_initialize`
        // included).
        #[block]
        {
            Pallet::<T>::process_work();
        }
        assert_eq!(Pallet::<T>::queued(Lane::Waiting), 1, "queued again");
        assert_eq!(WorkEnds::<T>::get(Lane::Waiting), (1, 2));
    }

    /// One shard job submitted (this pallet's part and the jobs pallet's), its prompt of the
    /// largest input's first shard, the longest instruction, a full pool listed.
    #[benchmark]
    fn submit_part() {
        let (miners, profile) = miners::<T>(2);
        fill_pool::<T>(&miners, profile, MAX_MEMBERS);
        let owner = client::<T>(0);
        let id = created::<T>(&owner, profile, largest_input());
        let (mut task, input) =
            Pallet::<T>::plan_task(owner, id, Strategy::MapReduce { shards: 5 }, 2, 0)
                .expect("plans");
        #[block]
        {
            Pallet::<T>::submit_shards(id, &mut task, &input, 1);
        }
        assert_eq!(task.submitted, 1);
    }

    /// The reduce prompt over `n` shards, each agreed output the largest.
    #[benchmark]
    fn reduce(n: Linear<1, MAX_SHARDS>) {
        let (_, profile) = miners::<T>(0);
        let owner = client::<T>(0);
        let id = created::<T>(&owner, profile, largest_input());
        let output = vec![b'y'; MAX_RESULT_BYTES as usize];
        for i in 0..n {
            let job = 1_000 + u64::from(i);
            pallet_aitbc_jobs::Results::<T>::insert(
                job,
                JobResult {
                    hash: sp_runtime::traits::BlakeTwo256::hash(&output),
                    output: output.clone().try_into().expect("fits"),
                    metrics: Metrics::default(),
                },
            );
            Parts::<T>::insert(
                id,
                Part::Shard(i as u8),
                PartRecord {
                    range: (0, 1),
                    chars: 1,
                    job: Some(job),
                    budget: 1u32.into(),
                    cut: false,
                    outcome: None,
                },
            );
        }
        let mut task = Tasks::<T>::get(id).expect("task");
        task.shards = n as u8;
        task.plan = Some(Plan {
            strategy: Strategy::MapReduce { shards: n as u8 },
            redundancy: aitbc_primitives::Redundancy {
                k: 2,
                quorum: 0,
                payout: aitbc_primitives::Payout::Each,
                profile,
            },
            job_budget: 1u32.into(),
            share_chars: sharding::share_chars(n as usize),
            shard_max_tokens: sharding::shard_max_tokens(n as usize),
        });
        #[block]
        {
            Pallet::<T>::reduce_prompt(id, &task).expect("builds");
        }
        assert!(Parts::<T>::get(id, Part::Shard(0)).is_some_and(|p| p.cut));
    }

    // Native timings of the benchmarks above, used to fill `weights.rs` (see the
    // `aitbc-bench-timing` crate docs). Run with:
    // `cargo test --release -p pallet-aitbc-swarms --features runtime-benchmarks -- --ignored --nocapture bench_timings`
    #[cfg(test)]
    aitbc_bench_timing::bench_timings!(
        crate::mock::new_test_ext,
        crate::mock::Test;
        join,
        leave,
        prune_member,
        create_task,
        coordinate,
        cancel_task,
        remove_task,
        on_initialize_base,
        note_job,
        record_end,
        advance,
        submit_part,
        reduce,
    );

    impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
