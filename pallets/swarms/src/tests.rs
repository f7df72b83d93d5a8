//! Unit tests of pools, tasks, map-reduce and redundant swarms against the real jobs pallet.

use crate::{
    mock::*, Error, Event, HoldReason, JobParts, Lane, Memberships, Part, Parts, Pools, Strategy,
    TaskFailure, TaskId, TaskStatus, Tasks,
};
use aitbc_primitives::{DisputeOutcome, JobStatus, JobType, RefereeFinding};
use frame_support::{
    assert_noop, assert_ok,
    traits::{fungible::InspectHold, Hooks},
};
use sp_core::H256;

const SUMMARIZE: &str = "summarize";

fn tt(s: &str) -> crate::TaskType {
    s.as_bytes().to_vec().try_into().unwrap()
}

/// A registered agent running llama (the mock's agents below `GPT_AGENTS`).
const AGENT: crate::AgentId = 7;

fn join(miner: AccountId, task_type: &str) -> sp_runtime::DispatchResult {
    Swarms::join(
        RuntimeOrigin::signed(miner),
        AGENT,
        tt(task_type),
        llama_profile(),
    )
}

/// Miners `ids` registered (stake 10_000 + 1_000 × their index), running llama, in the
/// `summarize` pool.
fn pool(ids: &[AccountId]) {
    for (i, id) in ids.iter().enumerate() {
        register_miner(*id, 10_000 + 1_000 * i as u128);
        assert_ok!(join(*id, SUMMARIZE));
    }
}

/// `n` paragraphs, each a line of text, separated by blank lines.
fn paragraphs(n: usize) -> String {
    (1..=n)
        .map(|i| format!("Paragraph {i} says something about topic {i}."))
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn create(owner: AccountId, input: &str, budget: Balance, ttl: u64) -> TaskId {
    let id = crate::NextTaskId::<Test>::get();
    assert_ok!(Swarms::create_task(
        RuntimeOrigin::signed(owner),
        tt(SUMMARIZE),
        llama_profile(),
        input.as_bytes().to_vec().try_into().unwrap(),
        Some(b"Summarize in one sentence.".to_vec().try_into().unwrap()),
        budget,
        ttl,
        None,
    ));
    id
}

fn map_reduce(shards: u8) -> Strategy {
    Strategy::MapReduce { shards }
}

fn job_of(task: TaskId, part: Part) -> u64 {
    Parts::<Test>::get(task, part)
        .and_then(|p| p.job)
        .unwrap_or_else(|| panic!("{part:?} of task {task} has no job"))
}

fn held_budget(who: AccountId) -> Balance {
    Balances::balance_on_hold(&RuntimeHoldReason::Swarms(HoldReason::TaskBudget), &who)
}

fn held_deposit(who: AccountId) -> Balance {
    Balances::balance_on_hold(&RuntimeHoldReason::Swarms(HoldReason::TaskDeposit), &who)
}

fn escrow(who: AccountId) -> Balance {
    Balances::balance_on_hold(
        &RuntimeHoldReason::Jobs(pallet_aitbc_jobs::HoldReason::JobEscrow),
        &who,
    )
}

fn task(id: TaskId) -> crate::TaskOf<Test> {
    Tasks::<Test>::get(id).unwrap()
}

fn next_block() {
    run_to_block(System::block_number() + 1);
}

/// The job's prompt.
fn prompt_of(job: u64) -> String {
    match pallet_aitbc_jobs::Jobs::<Test>::get(job).unwrap().input {
        aitbc_primitives::JobInput::Prompt(p) => String::from_utf8(p.to_vec()).unwrap(),
        other => panic!("not a prompt: {other:?}"),
    }
}

// ---- Pools ----

#[test]
fn an_active_miner_joins_with_a_declared_profile_once_per_pool() {
    new_test_ext().execute_with(|| {
        // Not a miner.
        assert_noop!(join(10, SUMMARIZE), Error::<Test>::NotAMiner);
        register_miner(10, 10_000);
        // Not its profile.
        assert_noop!(
            Swarms::join(
                RuntimeOrigin::signed(10),
                AGENT,
                tt(SUMMARIZE),
                other_profile()
            ),
            Error::<Test>::ProfileNotDeclared
        );
        for bad in ["", "Summarize", "with space", "under_score", "é"] {
            assert_noop!(
                Swarms::join(
                    RuntimeOrigin::signed(10),
                    AGENT,
                    bad.as_bytes().to_vec().try_into().unwrap(),
                    llama_profile()
                ),
                Error::<Test>::InvalidTaskType
            );
        }
        // Not a registered agent, or one of another model than the profile's.
        for (bad, error) in [
            (NO_AGENTS, Error::<Test>::UnknownAgent),
            (GPT_AGENTS, Error::<Test>::AgentModelMismatch),
        ] {
            assert_noop!(
                Swarms::join(
                    RuntimeOrigin::signed(10),
                    bad,
                    tt(SUMMARIZE),
                    llama_profile()
                ),
                error
            );
        }
        assert_ok!(Swarms::join(
            RuntimeOrigin::signed(10),
            AGENT,
            tt("distributed-training"),
            llama_profile()
        ));
        System::assert_last_event(
            Event::MemberJoined {
                task_type: tt("distributed-training"),
                miner: 10,
                agent_id: AGENT,
                profile: llama_profile(),
            }
            .into(),
        );
        assert_noop!(
            Swarms::join(
                RuntimeOrigin::signed(10),
                AGENT + 1,
                tt("distributed-training"),
                llama_profile()
            ),
            Error::<Test>::AlreadyMember
        );
        register_miner(11, 10_000);
        // Several miners run the same agent in a pool (a swarm of its instances), and in
        // other pools.
        assert_ok!(Swarms::join(
            RuntimeOrigin::signed(11),
            AGENT,
            tt("distributed-training"),
            llama_profile()
        ));
        assert_ok!(Swarms::join(
            RuntimeOrigin::signed(11),
            AGENT,
            tt(SUMMARIZE),
            llama_profile()
        ));
        // At most MAX_MEMBERSHIPS pools per miner.
        for i in 1..crate::MAX_MEMBERSHIPS {
            assert_ok!(join(10, &format!("type-{i}")));
        }
        assert_noop!(join(10, "one-more"), Error::<Test>::TooManyMemberships);
        assert_eq!(
            Memberships::<Test>::get(10).len() as u32,
            crate::MAX_MEMBERSHIPS
        );
        assert_eq!(
            Swarms::memberships(&10).len() as u32,
            crate::MAX_MEMBERSHIPS
        );
        assert_eq!(Swarms::members(&tt(SUMMARIZE))[0].miner, 11);
    });
}

#[test]
fn a_pool_holds_at_most_64_members() {
    new_test_ext().execute_with(|| {
        let full: crate::PoolOf<Test> = (0..crate::MAX_MEMBERS as u64)
            .map(|i| crate::Member {
                miner: 1_000 + i,
                agent_id: i,
                profile: llama_profile(),
                joined_at: 1,
            })
            .collect::<Vec<_>>()
            .try_into()
            .unwrap();
        Pools::<Test>::insert(tt(SUMMARIZE), full);
        register_miner(10, 10_000);
        assert_noop!(join(10, SUMMARIZE), Error::<Test>::PoolFull);
    });
}

#[test]
fn members_leave_and_stale_members_are_pruned_by_anyone() {
    new_test_ext().execute_with(|| {
        pool(&[10, 11]);
        assert_noop!(
            Swarms::leave(RuntimeOrigin::signed(12), tt(SUMMARIZE)),
            Error::<Test>::NotAMember
        );
        assert_ok!(Swarms::leave(RuntimeOrigin::signed(10), tt(SUMMARIZE)));
        assert_eq!(Swarms::members(&tt(SUMMARIZE)).len(), 1);
        assert!(!Memberships::<Test>::contains_key(10));
        // 11 still qualifies.
        assert_noop!(
            Swarms::prune_member(RuntimeOrigin::signed(1), tt(SUMMARIZE), 11),
            Error::<Test>::MemberStillEligible
        );
        // It withdraws from its profile: anyone prunes it; the emptied pool is gone.
        undeclare_profile(11, llama_profile());
        assert_ok!(Swarms::prune_member(
            RuntimeOrigin::signed(1),
            tt(SUMMARIZE),
            11
        ));
        System::assert_last_event(
            Event::MemberPruned {
                task_type: tt(SUMMARIZE),
                miner: 11,
            }
            .into(),
        );
        assert!(!Pools::<Test>::contains_key(tt(SUMMARIZE)));
        assert!(Swarms::pools(0, 10).is_empty());
        // A deregistered miner is pruned too.
        pool(&[12]);
        assert_ok!(pallet_aitbc_miners::Pallet::<Test>::deregister(
            RuntimeOrigin::signed(12)
        ));
        assert_ok!(Swarms::prune_member(
            RuntimeOrigin::signed(1),
            tt(SUMMARIZE),
            12
        ));
        assert_noop!(
            Swarms::prune_member(RuntimeOrigin::signed(1), tt(SUMMARIZE), 12),
            Error::<Test>::NotAMember
        );
    });
}

// ---- Tasks ----

#[test]
fn create_task_checks_its_input_and_holds_budget_and_deposit() {
    new_test_ext().execute_with(|| {
        let try_create = |input: &[u8], instruction: Option<&[u8]>, budget: Balance, ttl: u64| {
            Swarms::create_task(
                RuntimeOrigin::signed(1),
                tt(SUMMARIZE),
                llama_profile(),
                input.to_vec().try_into().unwrap(),
                instruction.map(|i| i.to_vec().try_into().unwrap()),
                budget,
                ttl,
                None,
            )
        };
        assert_noop!(try_create(b"", None, 100, 50), Error::<Test>::EmptyInput);
        assert_noop!(
            try_create(b" \n\n\t\n", None, 100, 50),
            Error::<Test>::EmptyInput
        );
        assert_noop!(
            try_create(b"\xff\xfe", None, 100, 50),
            Error::<Test>::InputNotUtf8
        );
        assert_noop!(
            try_create(b"x", Some(b""), 100, 50),
            Error::<Test>::EmptyInstruction
        );
        assert_noop!(
            try_create(b"x", Some(b"\xff"), 100, 50),
            Error::<Test>::InstructionNotUtf8
        );
        assert_noop!(
            try_create(b"x", Some(&[b'i'; 1001]), 100, 50),
            Error::<Test>::InstructionTooLong
        );
        assert_noop!(try_create(b"x", None, 100, 0), Error::<Test>::InvalidTtl);
        assert_noop!(try_create(b"x", None, 100, 401), Error::<Test>::InvalidTtl);
        assert_noop!(
            try_create(b"x", None, 100, 10),
            Error::<Test>::TtlTooShort { min_ttl: 11 }
        );
        assert_noop!(try_create(b"x", None, 0, 50), Error::<Test>::ZeroBudget);
        assert_noop!(
            try_create(b"x", None, 1_000_000, 50),
            Error::<Test>::InsufficientBalance
        );
        assert_noop!(
            Swarms::create_task(
                RuntimeOrigin::signed(1),
                tt("Bad Type"),
                llama_profile(),
                b"x".to_vec().try_into().unwrap(),
                None,
                100,
                50,
                None
            ),
            Error::<Test>::InvalidTaskType
        );
        assert_noop!(
            Swarms::create_task(
                RuntimeOrigin::signed(1),
                tt(SUMMARIZE),
                H256::repeat_byte(9),
                b"x".to_vec().try_into().unwrap(),
                None,
                100,
                50,
                None
            ),
            Error::<Test>::UnknownProfile
        );
        let input = paragraphs(3);
        let id = create(1, &input, 1_000, 100);
        let t = task(id);
        // Deposit: 50 + one per byte of input and instruction.
        let deposit = 50 + input.len() as u128 + "Summarize in one sentence.".len() as u128;
        assert_eq!((t.held, t.deposit, t.paragraphs), (1_000, deposit, 3));
        assert_eq!((t.deadline, t.status.clone()), (101, TaskStatus::Created));
        assert_eq!(t.model, llama());
        assert_eq!((held_budget(1), held_deposit(1)), (1_000, deposit));
        assert_eq!(Balances::free_balance(1), 1_000_000 - 1_000 - deposit);
        System::assert_has_event(
            Event::TaskCreated {
                task_id: id,
                owner: 1,
                task_type: tt(SUMMARIZE),
                profile: llama_profile(),
                budget: 1_000,
                deadline: 101,
            }
            .into(),
        );
        create(1, "again", 100, 50);
        assert_eq!(Swarms::tasks_by_owner(&1, 0, 10).len(), 2);
        assert_eq!(Swarms::tasks_by_owner(&1, id + 1, 10)[0].0, id + 1);
    });
}

#[test]
fn coordinate_refuses_what_cannot_run_saying_why() {
    new_test_ext().execute_with(|| {
        let id = create(1, &paragraphs(3), 1_000, 100);
        let co = |who: AccountId, strategy: Strategy, k: u8, quorum: u8| {
            Swarms::coordinate(RuntimeOrigin::signed(who), id, strategy, k, quorum)
        };
        assert_noop!(
            Swarms::coordinate(RuntimeOrigin::signed(1), 99, map_reduce(2), 3, 0),
            Error::<Test>::UnknownTask
        );
        assert_noop!(co(2, map_reduce(2), 3, 0), Error::<Test>::NotTaskOwner);
        for (k, q) in [(1, 0), (8, 0), (3, 1), (3, 4)] {
            assert_noop!(co(1, map_reduce(2), k, q), Error::<Test>::InvalidRedundancy);
        }
        assert_noop!(co(1, map_reduce(0), 3, 0), Error::<Test>::InvalidShardCount);
        assert_noop!(
            co(1, map_reduce(65), 3, 0),
            Error::<Test>::InvalidShardCount
        );
        assert_noop!(
            co(1, map_reduce(4), 3, 0),
            Error::<Test>::TooManyShards { paragraphs: 3 }
        );
        // Members: none yet; two of three run the profile.
        assert_noop!(
            co(1, map_reduce(3), 3, 0),
            Error::<Test>::NotEnoughMembers { members: 0 }
        );
        pool(&[10, 11, 12]);
        undeclare_profile(12, llama_profile());
        assert_noop!(
            co(1, map_reduce(3), 3, 0),
            Error::<Test>::NotEnoughMembers { members: 2 }
        );
        declare_profile(12, llama_profile());
        // 1_000 over 4 jobs is 250 each, at least 3 × 10 needed; 100 over 4 is not.
        let poor = create(2, &paragraphs(3), 100, 100);
        assert_noop!(
            Swarms::coordinate(RuntimeOrigin::signed(2), poor, map_reduce(3), 3, 0),
            Error::<Test>::BudgetTooSmall
        );
        // Map-reduce needs two jobs' least TTL (22 blocks); a task of 15 has not.
        let short = create(2, &paragraphs(3), 1_000, 15);
        assert_noop!(
            Swarms::coordinate(RuntimeOrigin::signed(2), short, map_reduce(3), 3, 0),
            Error::<Test>::DeadlineTooClose { needed: 22 }
        );
        assert_ok!(Swarms::coordinate(
            RuntimeOrigin::signed(2),
            short,
            Strategy::Redundant,
            3,
            0
        ));
        // A shard longer than a prompt: ask for more shards.
        let long = format!("{}\n\n{}", "a".repeat(4_500), "b".repeat(10));
        let big = create(3, &long, 1_000, 100);
        assert_noop!(
            Swarms::coordinate(RuntimeOrigin::signed(3), big, map_reduce(1), 3, 0),
            Error::<Test>::ShardTooLong {
                shard: 0,
                chars: 4_512
            }
        );
        assert_noop!(
            Swarms::coordinate(RuntimeOrigin::signed(3), big, Strategy::Redundant, 3, 0),
            Error::<Test>::InputTooLongForOneJob { chars: 4_512 }
        );
        // A single paragraph longer than a prompt can never run whole.
        assert_noop!(
            Swarms::coordinate(RuntimeOrigin::signed(3), big, map_reduce(2), 3, 0),
            Error::<Test>::ShardTooLong {
                shard: 0,
                chars: 4_500
            }
        );
        // No free job slot.
        MaxOpenJobs::set(0);
        assert_noop!(co(1, map_reduce(3), 3, 0), Error::<Test>::NoJobSlot);
        MaxOpenJobs::set(16);
        assert_ok!(co(1, map_reduce(3), 3, 0));
        assert_noop!(
            co(1, map_reduce(3), 3, 0),
            Error::<Test>::AlreadyCoordinated
        );
    });
}

#[test]
fn map_reduce_splits_on_paragraphs_runs_shards_among_members_then_reduces() {
    new_test_ext().execute_with(|| {
        // Five miners run llama; three of them are in the pool.
        register_miner(13, 10_000);
        register_miner(14, 10_000);
        pool(&[10, 11, 12]);
        let input = paragraphs(4);
        let id = create(1, &input, 3_000, 200);
        let free_before = Balances::free_balance(1);
        assert_ok!(Swarms::coordinate(
            RuntimeOrigin::signed(1),
            id,
            map_reduce(2),
            3,
            0
        ));
        let t = task(id);
        let plan = t.plan.clone().unwrap();
        assert_eq!(t.status, TaskStatus::Mapping);
        assert_eq!((t.shards, t.submitted, t.open_jobs), (2, 2, 2));
        // 3_000 over three jobs; each shard's token limit sized to its share of the reduce
        // prompt.
        assert_eq!(plan.job_budget, 1_000);
        assert_eq!(plan.share_chars, crate::sharding::share_chars(2));
        assert_eq!(plan.shard_max_tokens, crate::sharding::shard_max_tokens(2));
        assert_eq!(held_budget(1), 1_000, "the reduce job's budget");
        assert_eq!(escrow(1), 2_000);
        // The DAG: two shard jobs of two paragraphs each, in order.
        let (s0, s1) = (job_of(id, Part::Shard(0)), job_of(id, Part::Shard(1)));
        assert_eq!(
            prompt_of(s0),
            "Paragraph 1 says something about topic 1.\n\nParagraph 2 says something about topic 2."
        );
        assert_eq!(
            prompt_of(s1),
            "Paragraph 3 says something about topic 3.\n\nParagraph 4 says something about topic 4."
        );
        for job in [s0, s1] {
            let j = pallet_aitbc_jobs::Jobs::<Test>::get(job).unwrap();
            assert_eq!(j.owner, 1);
            assert_eq!(j.budget, 1_000);
            assert_eq!(j.options.max_tokens, Some(plan.shard_max_tokens));
            assert_eq!(
                j.options.system.unwrap().to_vec(),
                b"Summarize in one sentence.".to_vec()
            );
            assert_eq!(
                pallet_aitbc_jobs::RoundMembers::<Test>::get(job)
                    .unwrap()
                    .to_vec(),
                vec![10, 11, 12]
            );
            assert_eq!(JobParts::<Test>::get(job).unwrap().task, id);
        }
        System::assert_has_event(
            Event::PartSubmitted {
                task_id: id,
                part: Part::Shard(1),
                job_id: s1,
            }
            .into(),
        );
        // Assigned among the members only (13 and 14 run llama but are not in the pool).
        assign(&[s0, s1]);
        for job in [s0, s1] {
            let mut p = participants(job);
            p.sort();
            assert_eq!(p, vec![10, 11, 12]);
        }
        let progress = Swarms::progress(id).unwrap();
        assert_eq!(progress.shards_done, 0);
        assert_eq!(
            progress.parts[0].phase,
            Some(aitbc_primitives::RoundPhase::Committing)
        );
        // Both shards agree; the reduce job follows in the block that records the last end.
        play(s0, |_| b"Topics 1 and 2.".to_vec(), Some(2_000));
        play(s1, |_| b"Topics 3 and 4.".to_vec(), Some(1_500));
        assert_eq!(task(id).status, TaskStatus::Mapping);
        assert_eq!(Swarms::queued(Lane::Ended), 2);
        next_block();
        let t = task(id);
        assert_eq!((t.completed, t.open_jobs), (2, 1));
        assert_eq!(t.status, TaskStatus::Reducing);
        let reduce = job_of(id, Part::Final);
        assert_eq!(t.final_job, Some(reduce));
        assert_eq!(
            prompt_of(reduce),
            "The text below was processed in 2 parts. Combine the results of the parts, given in order, into one answer.\n\n[1]\nTopics 1 and 2.\n\n[2]\nTopics 3 and 4.\n"
        );
        let rj = pallet_aitbc_jobs::Jobs::<Test>::get(reduce).unwrap();
        assert_eq!((rj.budget, rj.options.max_tokens), (1_000, Some(256)));
        assert_eq!(held_budget(1), 0);
        let progress = Swarms::progress(id).unwrap();
        assert_eq!(
            (
                progress.shards_done,
                progress.shards_agreeing,
                progress.shards_disputed
            ),
            (2, 2, 0)
        );
        assign(&[reduce]);
        play(reduce, |_| b"Four topics.".to_vec(), Some(900));
        next_block();
        let t = task(id);
        assert_eq!(t.status, TaskStatus::Completed);
        assert_eq!(t.open_jobs, 0);
        System::assert_has_event(
            Event::TaskCompleted {
                task_id: id,
                job_id: reduce,
                result_hash: Some(H256(sp_io::hashing::blake2_256(b"Four topics."))),
            }
            .into(),
        );
        // The consensus: every job's three miners agreed; stake-weighted; margins reported.
        let c = Swarms::consensus(id).unwrap();
        assert_eq!(c.output.unwrap().to_vec(), b"Four topics.".to_vec());
        assert_eq!(c.parts.len(), 3);
        let totals = c.totals;
        assert_eq!((totals.jobs, totals.jobs_agreed, totals.jobs_settled), (3, 3, 3));
        assert_eq!((totals.participants, totals.agreeing), (9, 9));
        assert_eq!(totals.participant_stake, 3 * (10_000 + 11_000 + 12_000));
        assert_eq!(totals.stake_share, Some(sp_runtime::Perbill::one()));
        assert_eq!(totals.min_margin_milli, Some(900));
        assert_eq!(totals.margins_reported, 9);
        assert_eq!(totals.disputes, [0; 6]);
        // Budget conservation: the owner paid exactly what the miners were paid; nothing
        // stays held but the deposit.
        assert_eq!(escrow(1), 0);
        assert_eq!(held_budget(1), 0);
        assert!(totals.paid > 0);
        assert_eq!(Balances::free_balance(1), free_before + 3_000 - totals.paid);
        // Removed: the deposit returns, the records go.
        let deposit = t.deposit;
        assert_ok!(Swarms::remove_task(RuntimeOrigin::signed(1), id));
        assert_eq!(held_deposit(1), 0);
        assert_eq!(Balances::free_balance(1), free_before + 3_000 - totals.paid + deposit);
        assert!(Tasks::<Test>::get(id).is_none());
        assert_eq!(Parts::<Test>::iter_prefix(id).count(), 0);
        assert!(crate::TaskInputs::<Test>::get(id).is_none());
        assert!(Swarms::tasks_by_owner(&1, 0, 10).is_empty());
    });
}

#[test]
fn shards_wait_for_free_job_slots_and_follow_as_jobs_end() {
    new_test_ext().execute_with(|| {
        pool(&[10, 11, 12]);
        MaxOpenJobs::set(2);
        let id = create(1, &paragraphs(4), 5_000, 300);
        assert_ok!(Swarms::coordinate(
            RuntimeOrigin::signed(1),
            id,
            map_reduce(4),
            3,
            0
        ));
        // Two slots: two shards now, two waiting.
        assert_eq!(task(id).submitted, 2);
        assert!(Parts::<Test>::get(id, Part::Shard(2))
            .unwrap()
            .job
            .is_none());
        let first = [job_of(id, Part::Shard(0)), job_of(id, Part::Shard(1))];
        assign(&first);
        assert_eq!(task(id).submitted, 2, "no slot freed yet");
        assert_eq!(Swarms::queued(Lane::Waiting), 1);
        for job in first {
            play(job, |_| b"ok".to_vec(), None);
        }
        next_block();
        assert_eq!(task(id).submitted, 4, "both slots reused");
        let second = [job_of(id, Part::Shard(2)), job_of(id, Part::Shard(3))];
        assign(&second);
        for job in second {
            play(job, |_| b"ok".to_vec(), None);
        }
        next_block();
        assert_eq!(task(id).status, TaskStatus::Reducing);
        let reduce = job_of(id, Part::Final);
        assert!(prompt_of(reduce).contains("[4]\nok\n"));
        assign(&[reduce]);
        play(reduce, |_| b"done".to_vec(), None);
        next_block();
        assert_eq!(task(id).status, TaskStatus::Completed);
        assert_eq!(Swarms::queued(Lane::Waiting), 0);
    });
}

#[test]
fn a_failed_shard_fails_the_task_and_returns_what_is_held() {
    new_test_ext().execute_with(|| {
        pool(&[10, 11, 12]);
        MaxOpenJobs::set(2);
        let id = create(1, &paragraphs(3), 4_000, 300);
        let free_before = Balances::free_balance(1);
        assert_ok!(Swarms::coordinate(
            RuntimeOrigin::signed(1),
            id,
            map_reduce(3),
            3,
            0
        ));
        let (s0, s1) = (job_of(id, Part::Shard(0)), job_of(id, Part::Shard(1)));
        // The owner cancels shard 0's job while it waits for its miners; shard 1 runs on.
        assert_ok!(pallet_aitbc_jobs::Pallet::<Test>::cancel(
            RuntimeOrigin::signed(1),
            s0
        ));
        assign(&[s1]);
        play(s1, |_| b"fine".to_vec(), None);
        next_block();
        let t = task(id);
        assert_eq!(
            t.status,
            TaskStatus::Failed(TaskFailure::ShardJobEnded {
                shard: 0,
                status: JobStatus::Cancelled
            })
        );
        // Shard 2 was never submitted; the reduce neither.
        assert!(Parts::<Test>::get(id, Part::Shard(2))
            .unwrap()
            .job
            .is_none());
        assert!(Parts::<Test>::get(id, Part::Final).unwrap().job.is_none());
        assert_eq!(held_budget(1), 0);
        assert_eq!(escrow(1), 0);
        let paid = Swarms::consensus(id).unwrap().totals.paid;
        assert_eq!(
            paid,
            Parts::<Test>::get(id, Part::Shard(1))
                .unwrap()
                .outcome
                .unwrap()
                .paid
        );
        assert_eq!(Balances::free_balance(1), free_before + 4_000 - paid);
        System::assert_has_event(
            Event::BudgetReturned {
                task_id: id,
                owner: 1,
                amount: 4_000 - 2 * 1_000,
            }
            .into(),
        );
        // Nothing more is submitted for it.
        run_to_block(System::block_number() + 10);
        assert!(Parts::<Test>::get(id, Part::Shard(2))
            .unwrap()
            .job
            .is_none());
        assert_ok!(Swarms::remove_task(RuntimeOrigin::signed(1), id));
    });
}

#[test]
fn a_dispute_after_completion_is_recorded_when_the_round_settles() {
    new_test_ext().execute_with(|| {
        // 13 runs the profile outside the pool: the chain picks it as referee.
        register_miner(13, 10_000);
        pool(&[10, 11, 12]);
        let id = create(1, "Only paragraph.", 1_000, 100);
        assert_ok!(Swarms::coordinate(
            RuntimeOrigin::signed(1),
            id,
            Strategy::Redundant,
            3,
            0
        ));
        assert_eq!(task(id).status, TaskStatus::Running);
        let job = job_of(id, Part::Final);
        assert_eq!(prompt_of(job), "Only paragraph.");
        assign(&[job]);
        let dissenter = participants(job)[2];
        play(
            job,
            |m| {
                if m == dissenter {
                    b"Lyon".to_vec()
                } else {
                    b"Paris".to_vec()
                }
            },
            Some(3_000),
        );
        next_block();
        // Completed by its quorum; its dissenter still before the referee.
        let t = task(id);
        assert_eq!(t.status, TaskStatus::Completed);
        assert_eq!(t.open_jobs, 1, "the round is not settled");
        let o = Parts::<Test>::get(id, Part::Final)
            .unwrap()
            .outcome
            .unwrap();
        assert!(!o.settled && o.dispute_open);
        assert_eq!((o.participants, o.revealed, o.agreeing), (3, 3, 2));
        assert_noop!(
            Swarms::remove_task(RuntimeOrigin::signed(1), id),
            Error::<Test>::JobsStillOpen
        );
        let finding = RefereeFinding {
            position: 0,
            token_a: 7,
            token_b: 9,
            logit_a_milli: 12_000,
            logit_b_milli: 4_000,
            top_token: 7,
            top_logit_milli: 12_000,
        };
        assert_ok!(pallet_aitbc_jobs::Pallet::<Test>::report_referee_finding(
            RuntimeOrigin::signed(13),
            job,
            finding
        ));
        next_block();
        let o = Parts::<Test>::get(id, Part::Final)
            .unwrap()
            .outcome
            .unwrap();
        assert!(o.settled && !o.dispute_open);
        assert_eq!(o.disputes.len(), 1);
        assert_eq!(o.disputes[0].outcome, DisputeOutcome::AWins);
        assert_eq!(
            (o.disputes[0].margin_a_milli, o.disputes[0].margin_b_milli),
            (Some(0), Some(8_000))
        );
        assert_eq!(task(id).open_jobs, 0);
        let c = Swarms::consensus(id).unwrap();
        assert_eq!(c.totals.disputes[0], 1);
        assert_eq!((c.totals.agreeing, c.totals.participants), (2, 3));
        // The agreeing two hold their stake share of the three.
        let stake = |m: u64| pallet_aitbc_miners::Miners::<Test>::get(m).unwrap().stake;
        let all: u128 = [10, 11, 12].iter().map(|m| stake(*m)).sum();
        assert_eq!(
            c.totals.stake_share,
            Some(sp_runtime::Perbill::from_rational(
                all - stake(dissenter),
                all
            ))
        );
        assert_eq!(c.totals.min_margin_milli, Some(3_000));
        assert_eq!(
            c.totals.margins_reported, 2,
            "the agreeing miners' margins only"
        );
        assert_eq!(c.output.unwrap().to_vec(), b"Paris".to_vec());
        assert_ok!(Swarms::remove_task(RuntimeOrigin::signed(1), id));
    });
}

#[test]
fn long_shard_outputs_are_cut_to_their_share_of_the_reduce_prompt() {
    new_test_ext().execute_with(|| {
        pool(&[10, 11, 12]);
        let id = create(1, &paragraphs(2), 3_000, 200);
        assert_ok!(Swarms::coordinate(
            RuntimeOrigin::signed(1),
            id,
            map_reduce(2),
            3,
            0
        ));
        assign(&[job_of(id, Part::Shard(0)), job_of(id, Part::Shard(1))]);
        let share = crate::sharding::share_chars(2) as usize;
        play(
            job_of(id, Part::Shard(0)),
            |_| "é".repeat(share + 10).into_bytes(),
            None,
        );
        play(job_of(id, Part::Shard(1)), |_| b"short".to_vec(), None);
        next_block();
        assert!(Parts::<Test>::get(id, Part::Shard(0)).unwrap().cut);
        assert!(!Parts::<Test>::get(id, Part::Shard(1)).unwrap().cut);
        let prompt = prompt_of(job_of(id, Part::Final));
        assert!(prompt.chars().count() <= aitbc_primitives::MAX_PROMPT_CHARS as usize);
        assert!(prompt.contains(&format!("[1]\n{}\n\n[2]\nshort\n", "é".repeat(share))));
    });
}

#[test]
fn a_task_that_runs_out_of_time_fails_returning_its_budget() {
    new_test_ext().execute_with(|| {
        pool(&[10, 11, 12]);
        MaxOpenJobs::set(1);
        // Two shards, one slot: the second shard waits; when the first ends there is no room
        // left for it and the reduce job.
        let id = create(1, &paragraphs(2), 3_000, 30);
        assert_ok!(Swarms::coordinate(
            RuntimeOrigin::signed(1),
            id,
            map_reduce(2),
            3,
            0
        ));
        let s0 = job_of(id, Part::Shard(0));
        // The shard job's TTL leaves the reduce job its least TTL (11).
        assert_eq!(
            pallet_aitbc_jobs::Jobs::<Test>::get(s0).unwrap().ttl,
            30 - 11
        );
        assign(&[s0]);
        run_to_block(4);
        for m in participants(s0) {
            commit(m, s0, b"a").unwrap();
        }
        // Revealed only at block 21: 10 blocks left, less than one job's least TTL.
        run_to_block(5);
        for m in participants(s0) {
            reveal(m, s0, b"a", None).unwrap();
        }
        assert_eq!(task(id).status, TaskStatus::Mapping);
        System::set_block_number(20);
        next_block();
        let t = task(id);
        assert_eq!(t.status, TaskStatus::Failed(TaskFailure::OutOfTime));
        assert_eq!(held_budget(1), 0);
        assert!(Parts::<Test>::get(id, Part::Shard(1))
            .unwrap()
            .job
            .is_none());
    });
}

#[test]
fn the_final_job_failing_fails_the_task() {
    new_test_ext().execute_with(|| {
        pool(&[10, 11, 12]);
        let id = create(1, "One.", 1_000, 100);
        assert_ok!(Swarms::coordinate(
            RuntimeOrigin::signed(1),
            id,
            Strategy::Redundant,
            3,
            0
        ));
        // Nobody commits: the round fails at its commit deadline (no replacement).
        run_to_block(10);
        assert_eq!(
            task(id).status,
            TaskStatus::Failed(TaskFailure::FinalJobEnded {
                status: JobStatus::Failed
            })
        );
        assert_eq!(Balances::free_balance(1) + held_deposit(1), 1_000_000);
    });
}

#[test]
fn cancel_only_before_coordination_and_remove_only_once_ended() {
    new_test_ext().execute_with(|| {
        pool(&[10, 11, 12]);
        let id = create(1, &paragraphs(2), 1_000, 100);
        assert_noop!(
            Swarms::remove_task(RuntimeOrigin::signed(1), id),
            Error::<Test>::TaskNotEnded
        );
        assert_noop!(
            Swarms::cancel_task(RuntimeOrigin::signed(2), id),
            Error::<Test>::NotTaskOwner
        );
        assert_ok!(Swarms::cancel_task(RuntimeOrigin::signed(1), id));
        assert_eq!(task(id).status, TaskStatus::Cancelled);
        assert_eq!(held_budget(1), 0);
        assert_noop!(
            Swarms::cancel_task(RuntimeOrigin::signed(1), id),
            Error::<Test>::TaskEnded
        );
        assert_noop!(
            Swarms::coordinate(RuntimeOrigin::signed(1), id, map_reduce(2), 3, 0),
            Error::<Test>::TaskEnded
        );
        assert_noop!(
            Swarms::remove_task(RuntimeOrigin::signed(2), id),
            Error::<Test>::NotTaskOwner
        );
        assert_ok!(Swarms::remove_task(RuntimeOrigin::signed(1), id));
        assert_eq!((held_deposit(1), Balances::free_balance(1)), (0, 1_000_000));
        let other = create(1, &paragraphs(2), 1_000, 100);
        assert_ok!(Swarms::coordinate(
            RuntimeOrigin::signed(1),
            other,
            map_reduce(2),
            3,
            0
        ));
        assert_noop!(
            Swarms::cancel_task(RuntimeOrigin::signed(1), other),
            Error::<Test>::AlreadyCoordinated
        );
    });
}

#[test]
fn on_initialize_does_bounded_work_and_charges_for_it() {
    use crate::WeightInfo as _;
    type W = ();
    new_test_ext().execute_with(|| {
        pool(&[10, 11, 12]);
        MaxWork::set(2);
        // Nothing queued: the fixed part.
        System::set_block_number(2);
        assert_eq!(Swarms::on_initialize(2), W::on_initialize_base());
        // Four redundant tasks whose queued jobs the owner cancels: four ends to record, two
        // a block.
        let ids: Vec<TaskId> = (0..4)
            .map(|_| {
                let id = create(1, "One.", 1_000, 100);
                assert_ok!(Swarms::coordinate(
                    RuntimeOrigin::signed(1),
                    id,
                    Strategy::Redundant,
                    3,
                    0
                ));
                assert_ok!(pallet_aitbc_jobs::Pallet::<Test>::cancel(
                    RuntimeOrigin::signed(1),
                    job_of(id, Part::Final)
                ));
                id
            })
            .collect();
        assert_eq!(Swarms::queued(Lane::Ended), 4, "each job once");
        System::set_block_number(3);
        assert_eq!(
            Swarms::on_initialize(3),
            W::on_initialize_base() + W::record_end() * 2
        );
        assert_eq!(Swarms::queued(Lane::Ended), 2);
        System::set_block_number(4);
        Swarms::on_initialize(4);
        assert_eq!(Swarms::queued(Lane::Ended), 0);
        for id in ids {
            assert_eq!(
                task(id).status,
                TaskStatus::Failed(TaskFailure::FinalJobEnded {
                    status: JobStatus::Cancelled
                })
            );
        }
        // The observer's work is what the jobs pallet charges for it.
        assert_eq!(
            <Swarms as aitbc_primitives::JobObserver>::weight(),
            W::note_job()
        );
        assert!(Swarms::worst_block_weight().all_gte(W::record_end() * 2));
    });
}

#[test]
fn one_submission_a_block_when_the_limit_is_one() {
    new_test_ext().execute_with(|| {
        pool(&[10, 11, 12]);
        MaxOpenJobs::set(1);
        MaxSubmissions::set(1);
        let id = create(1, &paragraphs(3), 4_000, 300);
        assert_ok!(Swarms::coordinate(
            RuntimeOrigin::signed(1),
            id,
            map_reduce(3),
            3,
            0
        ));
        assert_eq!(task(id).submitted, 1);
        MaxOpenJobs::set(16);
        next_block();
        assert_eq!(task(id).submitted, 2);
        next_block();
        assert_eq!(task(id).submitted, 3);
    });
}

#[test]
fn the_observer_queues_a_task_job_once_and_ignores_other_jobs() {
    new_test_ext().execute_with(|| {
        use aitbc_primitives::JobObserver;
        <Swarms as JobObserver>::job_ended(42, JobStatus::Completed);
        assert_eq!(Swarms::queued(Lane::Ended), 0, "not a task's job");
        pool(&[10, 11, 12]);
        let id = create(1, "One.", 1_000, 100);
        assert_ok!(Swarms::coordinate(
            RuntimeOrigin::signed(1),
            id,
            Strategy::Redundant,
            3,
            0
        ));
        let job = job_of(id, Part::Final);
        <Swarms as JobObserver>::round_settled(job);
        <Swarms as JobObserver>::job_ended(job, JobStatus::Failed);
        assert_eq!(Swarms::queued(Lane::Ended), 1, "queued once");
        assert!(JobParts::<Test>::get(job).unwrap().queued);
        // Processed while the job is still open: nothing is recorded, it may be queued again.
        next_block();
        assert!(!JobParts::<Test>::get(job).unwrap().queued);
        assert!(Parts::<Test>::get(id, Part::Final)
            .unwrap()
            .outcome
            .is_none());
        assert_eq!(task(id).status, TaskStatus::Running);
    });
}

// ---- Conservation of the task budget over random runs ----

mod budget {
    use super::*;
    use proptest::prelude::*;

    #[derive(Clone, Copy, Debug)]
    enum Behaviour {
        /// Every miner commits and reveals the same output.
        Agree,
        /// The owner cancels the job while it waits for its miners (silent once assigned).
        Cancel,
        /// No miner commits: the round fails at its commit deadline.
        Silent,
    }

    fn behaviour() -> impl proptest::strategy::Strategy<Value = Behaviour> {
        prop_oneof![
            6 => Just(Behaviour::Agree),
            1 => Just(Behaviour::Cancel),
            1 => Just(Behaviour::Silent),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn every_unit_of_the_budget_is_paid_to_an_agreeing_miner_or_returned(
            shards in 1u8..=4,
            parts in proptest::collection::vec(behaviour(), 5),
            slots in 1u32..=3,
            budget in 500u128..5_000,
        ) {
            new_test_ext().execute_with(|| -> Result<(), TestCaseError> {
                pool(&[10, 11, 12]);
                MaxOpenJobs::set(slots);
                let id = create(1, &paragraphs(4), budget, 200);
                let total = |who: AccountId| Balances::free_balance(who) + Balances::reserved_balance(who);
                let owner_before = total(1);
                let deposit = task(id).deposit;
                let per_job = budget / (u128::from(shards) + 1);
                if per_job < 30 {
                    prop_assert_eq!(
                        Swarms::coordinate(RuntimeOrigin::signed(1), id, map_reduce(shards), 3, 0),
                        Err(Error::<Test>::BudgetTooSmall.into())
                    );
                    return Ok(());
                }
                prop_assert!(
                    Swarms::coordinate(RuntimeOrigin::signed(1), id, map_reduce(shards), 3, 0).is_ok()
                );
                let mut played: Vec<u64> = Vec::new();
                let behaviour_of = |part: Part| match part {
                    Part::Shard(i) => parts[usize::from(i)],
                    Part::Final => parts[4],
                };
                for _ in 0..240 {
                    let keys: Vec<Part> = (0..shards).map(Part::Shard).chain([Part::Final]).collect();
                    for part in keys {
                        let Some(job) = Parts::<Test>::get(id, part).and_then(|p| p.job) else {
                            continue;
                        };
                        if played.contains(&job) {
                            continue;
                        }
                        let status = pallet_aitbc_jobs::Jobs::<Test>::get(job).map(|j| j.status);
                        match (behaviour_of(part), status) {
                            (Behaviour::Cancel, Some(JobStatus::Queued)) => {
                                prop_assert!(pallet_aitbc_jobs::Pallet::<Test>::cancel(
                                    RuntimeOrigin::signed(1),
                                    job
                                )
                                .is_ok());
                                played.push(job);
                            }
                            (Behaviour::Agree, Some(JobStatus::Assigned)) => {
                                play(job, |_| b"agreed".to_vec(), Some(1_000));
                                played.push(job);
                            }
                            _ => {}
                        }
                    }
                    next_block();
                    // What this pallet holds is what the task says it holds.
                    prop_assert_eq!(held_budget(1), task(id).held);
                }
                let t = task(id);
                prop_assert!(t.status.is_ended(), "task not ended: {:?}", t.status);
                prop_assert_eq!(t.open_jobs, 0);
                prop_assert_eq!(held_budget(1), 0);
                prop_assert_eq!(escrow(1), 0);
                let all_agree = parts[..usize::from(shards)]
                    .iter()
                    .chain([&parts[4]])
                    .all(|b| matches!(b, Behaviour::Agree));
                prop_assert_eq!(t.status == TaskStatus::Completed, all_agree);
                // The owner lost exactly what the agreeing miners were paid (no protocol fee
                // in the mock) and holds only the deposit.
                let c = Swarms::consensus(id).unwrap();
                let paid_to_miners: u128 = (0..shards)
                    .map(Part::Shard)
                    .chain([Part::Final])
                    .filter_map(|p| Parts::<Test>::get(id, p).and_then(|r| r.outcome))
                    .map(|o| o.paid)
                    .sum();
                prop_assert_eq!(c.totals.paid, paid_to_miners);
                prop_assert_eq!(total(1), owner_before - paid_to_miners);
                prop_assert_eq!(held_deposit(1), deposit);
                // Every submitted job's end is recorded; the task can be removed.
                prop_assert_eq!(JobParts::<Test>::iter().count(), 0);
                prop_assert!(Swarms::remove_task(RuntimeOrigin::signed(1), id).is_ok());
                prop_assert_eq!(total(1), owner_before - paid_to_miners);
                Ok(())
            })?;
        }
    }
}

#[test]
fn clients_read_the_rules_and_the_input() {
    new_test_ext().execute_with(|| {
        let rules = Swarms::rules(&1);
        assert_eq!(
            (
                rules.min_job_ttl,
                rules.max_job_ttl,
                rules.min_payment,
                rules.open_slots
            ),
            (11, 400, 10, 16)
        );
        let id = create(1, "Some input.\n\nMore.", 100, 50);
        assert_eq!(
            Swarms::task_input(id).unwrap().to_vec(),
            b"Some input.\n\nMore.".to_vec()
        );
        assert!(Swarms::task_input(id + 1).is_none());
    });
}

#[test]
fn waiting_tasks_get_a_quarter_of_the_work_while_ends_pile_up() {
    new_test_ext().execute_with(|| {
        pool(&[10, 11, 12]);
        MaxWork::set(4);
        MaxOpenJobs::set(1);
        // Owner 1's second shard waits for a slot.
        let waiting = create(1, &paragraphs(2), 3_000, 100);
        assert_ok!(Swarms::coordinate(
            RuntimeOrigin::signed(1),
            waiting,
            map_reduce(2),
            3,
            0
        ));
        assert_eq!(Swarms::queued(Lane::Waiting), 1);
        // Four other owners' jobs end at once.
        for owner in 2..=5 {
            let id = create(owner, "One.", 1_000, 100);
            assert_ok!(Swarms::coordinate(
                RuntimeOrigin::signed(owner),
                id,
                Strategy::Redundant,
                3,
                0
            ));
            assert_ok!(pallet_aitbc_jobs::Pallet::<Test>::cancel(
                RuntimeOrigin::signed(owner),
                job_of(id, Part::Final)
            ));
        }
        assert_eq!(Swarms::queued(Lane::Ended), 4);
        System::set_block_number(2);
        Swarms::on_initialize(2);
        // Three ends recorded, the waiting task looked at (and queued again: no slot).
        assert_eq!(Swarms::queued(Lane::Ended), 1);
        assert_eq!(Swarms::queued(Lane::Waiting), 1);
        assert_eq!(crate::WorkEnds::<Test>::get(Lane::Waiting), (1, 2));
    });
}

/// Issue 15 (seed §7): an agent task runs whole as one exact-mode k-of-n run of its agent,
/// among the members that joined with that agent; its instruction and input are the run's
/// input.
#[test]
fn an_agent_task_is_one_run_of_its_agent_among_the_members_running_it() {
    new_test_ext().execute_with(|| {
        // Miners 10..=12 run AGENT; 13 joined with another agent of the same model.
        pool(&[10, 11, 12]);
        register_miner(13, 10_000);
        assert_ok!(Swarms::join(
            RuntimeOrigin::signed(13),
            AGENT + 1,
            tt(SUMMARIZE),
            llama_profile()
        ));
        let create_with = |agent: u64, input: &str| {
            Swarms::create_task(
                RuntimeOrigin::signed(1),
                tt(SUMMARIZE),
                llama_profile(),
                input.as_bytes().to_vec().try_into().unwrap(),
                Some(b"Answer briefly.".to_vec().try_into().unwrap()),
                1_000,
                100,
                Some(agent),
            )
        };
        assert_noop!(
            create_with(NO_AGENTS, "What is 2+2?"),
            Error::<Test>::UnknownAgent
        );
        assert_noop!(
            create_with(GPT_AGENTS, "What is 2+2?"),
            Error::<Test>::AgentModelMismatch
        );
        assert_noop!(
            create_with(AGENT, &"x".repeat(1_100)),
            Error::<Test>::InputTooLongForAgent
        );
        let id = crate::NextTaskId::<Test>::get();
        assert_ok!(create_with(AGENT, "What is 2+2?"));
        assert_eq!(crate::TaskAgents::<Test>::get(id), Some(AGENT));
        assert_noop!(
            Swarms::coordinate(RuntimeOrigin::signed(1), id, map_reduce(1), 2, 0),
            Error::<Test>::AgentTaskRunsWhole
        );
        // Only three members run AGENT: k = 4 is too many.
        assert!(
            Swarms::coordinate(RuntimeOrigin::signed(1), id, Strategy::Redundant, 4, 0).is_err()
        );
        assert_ok!(Swarms::coordinate(
            RuntimeOrigin::signed(1),
            id,
            Strategy::Redundant,
            3,
            0
        ));
        let job = job_of(id, Part::Final);
        let j = pallet_aitbc_jobs::Jobs::<Test>::get(job).unwrap();
        assert_eq!(j.job_type, JobType::Agent);
        assert_eq!(prompt_of(job), "Answer briefly.\n\nWhat is 2+2?");
        let members = pallet_aitbc_jobs::RoundMembers::<Test>::get(job).expect("restricted");
        assert_eq!(members.into_inner(), vec![10, 11, 12]);
    });
}
