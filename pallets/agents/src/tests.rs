//! Tests of the agents pallet against the real jobs, miners and receipts pallets.

use crate::{mock::*, Agents as AgentsMap, Error, Event, Runs, Traces, Versions};
use aitbc_primitives::{
    trace_root, AgentKind, AgentLimits, AgentTools, JobId, JobStatus, JobType, Metrics, RunEnd,
    RunStatus, StepKind, ToolCall, Trace, TraceStep,
};
use frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold};
use proptest::prelude::*;

const CLIENT: AccountId = 1;
const MINER: AccountId = 10;
const OTHER_MINER: AccountId = 11;

fn bytes<B: TryFrom<Vec<u8>>>(s: &str) -> B
where
    B::Error: core::fmt::Debug,
{
    s.as_bytes().to_vec().try_into().unwrap()
}

fn tools(list: &[&str]) -> AgentTools {
    list.iter()
        .map(|t| bytes(t))
        .collect::<Vec<_>>()
        .try_into()
        .unwrap()
}

fn limits() -> AgentLimits {
    AgentLimits {
        max_steps: 4,
        max_tokens: 200,
        max_tool_calls: 2,
        deadline_blocks: 5,
    }
}

fn create(owner: AccountId, tool_list: &[&str], limits: AgentLimits, cap: Balance) -> u64 {
    let id = crate::NextAgentId::<Test>::get();
    assert_ok!(Agents::create_agent(
        RuntimeOrigin::signed(owner),
        bytes("data_analyzer"),
        AgentKind::Analysis,
        bytes(r#"{"model":"llama"}"#),
        llama(),
        tools(tool_list),
        limits,
        cap,
    ));
    id
}

fn text<B: TryFrom<Vec<u8>>>(s: &str) -> B
where
    B::Error: core::fmt::Debug,
{
    bytes(s)
}

fn tool_step(tool: &str, ran: bool, tokens: u32, millis: u32) -> TraceStep {
    TraceStep {
        kind: StepKind::Tool,
        content: text("I need to multiply."),
        tool_call: Some(ToolCall {
            tool: bytes(tool),
            input: text("17*23"),
            ran,
        }),
        observation: text(if ran { "391" } else { "error: not allowed" }),
        tokens,
        millis,
    }
}

fn answer_step(answer: &str, tokens: u32, millis: u32) -> TraceStep {
    TraceStep {
        kind: StepKind::Answer,
        content: text(answer),
        tool_call: None,
        observation: Default::default(),
        tokens,
        millis,
    }
}

fn trace(steps: Vec<TraceStep>) -> Trace {
    steps.try_into().unwrap()
}

/// Submit a run of `agent` paying `payment`; returns its job id.
fn execute(agent: u64, payment: Balance) -> JobId {
    let job = pallet_aitbc_jobs::NextJobId::<Test>::get();
    assert_ok!(Agents::execute(
        RuntimeOrigin::signed(CLIENT),
        agent,
        text("What is 17*23?"),
        Some(text("a,b\n1,2\n")),
        payment,
        100,
    ));
    job
}

/// Run blocks until `job` is assigned, then the assigned miner accepts it; returns the miner.
fn assign_and_accept(job: JobId) -> AccountId {
    for _ in 0..5 {
        if let Some(j) = pallet_aitbc_jobs::Jobs::<Test>::get(job) {
            if j.status == JobStatus::Assigned {
                let miner = j.miner.unwrap();
                assert_ok!(Jobs::accept(RuntimeOrigin::signed(miner), job));
                return miner;
            }
        }
        run_to_block(System::block_number() + 1);
    }
    panic!("job {job} not assigned");
}

fn metrics_of(steps: &[TraceStep]) -> Metrics {
    Metrics {
        compute_ms: steps.iter().map(|s| u64::from(s.millis)).sum(),
        input_tokens: 0,
        output_tokens: steps.iter().map(|s| s.tokens).sum(),
    }
}

#[test]
fn create_agent_stores_version_one_and_holds_its_deposit() {
    new_test_ext().execute_with(|| {
        let id = create(CLIENT, &["calculator"], limits(), 1_000);
        let agent = AgentsMap::<Test>::get(id).unwrap();
        assert_eq!(agent.latest, 1);
        let record = Versions::<Test>::get(id, 1).unwrap();
        assert_eq!(
            Balances::balance_on_hold(&crate::HoldReason::AgentDeposit.into(), &CLIENT),
            record.deposit
        );
        assert_eq!(record.deposit, Agents::version_deposit(&record.spec));
        assert!(record.deposit > 100);
        assert_eq!(
            record.config_hash,
            aitbc_primitives::blake2(br#"{"model":"llama"}"#)
        );
    });
}

#[test]
fn create_agent_refuses_what_cannot_run() {
    new_test_ext().execute_with(|| {
        let call = |tool_list: &[&str], l: AgentLimits, cap: Balance, config: &str| {
            Agents::create_agent(
                RuntimeOrigin::signed(CLIENT),
                bytes("a"),
                AgentKind::Assistant,
                bytes(config),
                llama(),
                tools(tool_list),
                l,
                cap,
            )
        };
        assert_noop!(
            call(&["shell"], limits(), 100, "{}"),
            Error::<Test>::ToolNotApproved
        );
        assert_noop!(
            call(&["calculator", "calculator"], limits(), 100, "{}"),
            Error::<Test>::DuplicateTool
        );
        assert_noop!(
            call(&["Calc"], limits(), 100, "{}"),
            Error::<Test>::BadToolId
        );
        let mut l = limits();
        l.max_steps = 17;
        assert_noop!(call(&[], l, 100, "{}"), Error::<Test>::BadLimits);
        assert_noop!(call(&[], limits(), 9, "{}"), Error::<Test>::PriceCapTooLow);
        assert_noop!(
            call(&[], limits(), 100, "not json"),
            Error::<Test>::BadConfig
        );
    });
}

#[test]
fn update_keeps_a_pinned_version_until_its_run_ends() {
    new_test_ext().execute_with(|| {
        register_miner(MINER, 1_000);
        let id = create(CLIENT, &["calculator"], limits(), 1_000);
        let job = execute(id, 500);
        assert_ok!(Agents::update_agent(
            RuntimeOrigin::signed(CLIENT),
            id,
            bytes("data_analyzer"),
            AgentKind::Analysis,
            bytes(r#"{"model":"llama","v":2}"#),
            llama(),
            tools(&["calculator", "json_query"]),
            limits(),
            1_000,
        ));
        assert_eq!(AgentsMap::<Test>::get(id).unwrap().latest, 2);
        // Version 1 is pinned by the run.
        assert!(Versions::<Test>::get(id, 1).is_some());
        assert_eq!(Runs::<Test>::get(job).unwrap().version, 1);
        assert_ok!(Jobs::cancel(RuntimeOrigin::signed(CLIENT), job));
        assert!(Versions::<Test>::get(id, 1).is_none());
        System::assert_has_event(
            Event::VersionRemoved {
                agent_id: id,
                version: 1,
            }
            .into(),
        );
        let held = Balances::balance_on_hold(&crate::HoldReason::AgentDeposit.into(), &CLIENT);
        assert_eq!(held, Versions::<Test>::get(id, 2).unwrap().deposit);
    });
}

#[test]
fn delete_waits_for_open_runs_and_returns_every_deposit() {
    new_test_ext().execute_with(|| {
        let id = create(CLIENT, &[], limits(), 1_000);
        let job = execute(id, 100);
        assert_noop!(
            Agents::delete_agent(RuntimeOrigin::signed(CLIENT), id),
            Error::<Test>::AgentHasOpenRuns
        );
        assert_noop!(
            Agents::delete_agent(RuntimeOrigin::signed(2), id),
            Error::<Test>::NotAgentOwner
        );
        assert_ok!(Jobs::cancel(RuntimeOrigin::signed(CLIENT), job));
        assert_ok!(Agents::delete_agent(RuntimeOrigin::signed(CLIENT), id));
        assert!(AgentsMap::<Test>::get(id).is_none());
        assert_eq!(
            Balances::balance_on_hold(&crate::HoldReason::AgentDeposit.into(), &CLIENT),
            0
        );
    });
}

#[test]
fn clients_cannot_submit_agent_jobs_directly() {
    new_test_ext().execute_with(|| {
        assert_noop!(
            Jobs::submit(
                RuntimeOrigin::signed(CLIENT),
                JobType::Agent,
                llama(),
                aitbc_primitives::JobInput::Prompt(text("hi")),
                100,
                100,
                Default::default(),
            ),
            pallet_aitbc_jobs::Error::<Test>::AgentJobViaAgents
        );
    });
}

#[test]
fn an_answered_run_is_paid_per_step_and_settled_exactly() {
    new_test_ext().execute_with(|| {
        register_miner(MINER, 1_000);
        let id = create(CLIENT, &["calculator"], limits(), 5_000);
        let client_before = Balances::free_balance(CLIENT);
        let job = execute(id, 10_000);
        let j = pallet_aitbc_jobs::Jobs::<Test>::get(job).unwrap();
        assert_eq!(j.job_type, JobType::Agent);
        assert_eq!(j.budget, 5_000, "the payment is capped at the price cap");
        assert_eq!(j.options.max_tokens, Some(200));
        let miner = assign_and_accept(job);
        let steps = vec![
            tool_step("calculator", true, 30, 1_200),
            answer_step("17*23 = 391", 12, 800),
        ];
        // Delivering before the trace is refused.
        assert_noop!(
            deliver(miner, job, b"17*23 = 391", metrics_of(&steps)),
            Error::<Test>::TraceNotRecorded
        );
        assert_noop!(
            Agents::record_trace(
                RuntimeOrigin::signed(OTHER_MINER),
                job,
                trace(steps.clone()),
                RunEnd::Answered
            ),
            Error::<Test>::NotRunMiner
        );
        assert_ok!(Agents::record_trace(
            RuntimeOrigin::signed(miner),
            job,
            trace(steps.clone()),
            RunEnd::Answered
        ));
        let run = Runs::<Test>::get(job).unwrap();
        assert_eq!(run.status, RunStatus::Traced);
        assert_eq!(run.trace_root, Some(trace_root(run.seed, steps.iter())));
        assert_eq!(
            (run.steps, run.tool_calls, run.tokens, run.millis),
            (2, 1, 42, 2_000)
        );
        assert_noop!(
            deliver(miner, job, b"something else", metrics_of(&steps)),
            Error::<Test>::ResultNotTraced
        );
        let mut inflated = metrics_of(&steps);
        inflated.compute_ms += 10_000;
        assert_noop!(
            deliver(miner, job, b"17*23 = 391", inflated),
            Error::<Test>::MetricsNotTraced
        );
        let miner_before = Balances::free_balance(miner);
        assert_ok!(deliver(miner, job, b"17*23 = 391", metrics_of(&steps)));
        let j = pallet_aitbc_jobs::Jobs::<Test>::get(job).unwrap();
        assert_eq!(j.status, JobStatus::Completed);
        // 2.0 GPU-seconds at 2 a GPU-second: 4, below the minimum payment of 10.
        let paid = 10;
        assert_eq!(Balances::free_balance(miner) - miner_before, paid);
        let data_deposit = 8; // "a,b\n1,2\n"
        assert_eq!(
            client_before - Balances::free_balance(CLIENT),
            paid + data_deposit
        );
        assert_eq!(Runs::<Test>::get(job).unwrap().status, RunStatus::Completed);
        // Pruned after the retention; the data deposit returned.
        run_to_block(System::block_number() + RunRetention::get() + 1);
        assert!(Runs::<Test>::get(job).is_none());
        assert!(Traces::<Test>::get(job).is_none());
        assert_eq!(client_before - Balances::free_balance(CLIENT), paid);
    });
}

#[test]
fn a_trace_over_the_limits_or_with_an_unlisted_tool_is_refused() {
    new_test_ext().execute_with(|| {
        register_miner(MINER, 1_000);
        let id = create(CLIENT, &["calculator"], limits(), 5_000);
        let job = execute(id, 1_000);
        let miner = assign_and_accept(job);
        let record = |steps: Vec<TraceStep>, end| {
            Agents::record_trace(RuntimeOrigin::signed(miner), job, trace(steps), end)
        };
        let five = (0..4)
            .map(|_| tool_step("calculator", false, 1, 1))
            .chain([answer_step("x", 1, 1)])
            .collect();
        assert_noop!(record(five, RunEnd::Answered), Error::<Test>::TooManySteps);
        assert_noop!(
            record(vec![answer_step("x", 201, 1)], RunEnd::Answered),
            Error::<Test>::TooManyTokens
        );
        let three_calls = (0..3)
            .map(|_| tool_step("calculator", true, 1, 1))
            .chain([answer_step("x", 1, 1)])
            .collect();
        assert_noop!(
            record(three_calls, RunEnd::Answered),
            Error::<Test>::TooManyToolCalls
        );
        // A tool the agent does not list cannot have run; as a refused call it is fine.
        assert_noop!(
            record(
                vec![tool_step("json_query", true, 1, 1), answer_step("x", 1, 1)],
                RunEnd::Answered
            ),
            Error::<Test>::ToolNotAllowed
        );
        assert_noop!(
            record(vec![answer_step("x", 1, 1)], RunEnd::StepLimit),
            Error::<Test>::EndMismatch
        );
        assert_noop!(
            record(vec![tool_step("calculator", true, 1, 1)], RunEnd::Answered),
            Error::<Test>::MisplacedEnd
        );
        assert_ok!(record(
            vec![tool_step("json_query", false, 1, 1), answer_step("x", 1, 1)],
            RunEnd::Answered
        ));
        assert_eq!(Runs::<Test>::get(job).unwrap().tool_calls, 0);
    });
}

#[test]
fn a_run_that_hits_its_step_limit_completes_with_its_partial_trace() {
    new_test_ext().execute_with(|| {
        register_miner(MINER, 1_000);
        let id = create(CLIENT, &["calculator"], limits(), 5_000);
        let job = execute(id, 1_000);
        let miner = assign_and_accept(job);
        let stop = TraceStep {
            kind: StepKind::Stopped,
            content: text("step limit of 4 reached"),
            tool_call: None,
            observation: Default::default(),
            tokens: 0,
            millis: 0,
        };
        let steps = vec![
            tool_step("calculator", true, 10, 100),
            tool_step("calculator", true, 10, 100),
            tool_step("calculator", false, 10, 100),
            stop,
        ];
        assert_ok!(Agents::record_trace(
            RuntimeOrigin::signed(miner),
            job,
            trace(steps.clone()),
            RunEnd::StepLimit
        ));
        assert_ok!(deliver(
            miner,
            job,
            b"step limit of 4 reached",
            metrics_of(&steps)
        ));
        let run = Runs::<Test>::get(job).unwrap();
        assert_eq!(run.end, Some(RunEnd::StepLimit));
        assert_eq!(run.status, RunStatus::Completed);
    });
}

#[test]
fn a_miner_that_stops_mid_run_is_replaced_and_the_run_requeued() {
    new_test_ext().execute_with(|| {
        register_miner(MINER, 1_000);
        register_miner(OTHER_MINER, 1_000);
        let id = create(CLIENT, &["calculator"], limits(), 5_000);
        let job = execute(id, 1_000);
        let first = assign_and_accept(job);
        let accepted_at = System::block_number();
        run_to_block(accepted_at + u64::from(limits().deadline_blocks));
        System::assert_has_event(
            pallet_aitbc_jobs::Event::<Test>::RunWindowMissed {
                job_id: job,
                miner: first,
                slashed: 100,
            }
            .into(),
        );
        let j = pallet_aitbc_jobs::Jobs::<Test>::get(job).unwrap();
        assert!(j.excluded.contains(&first));
        let second = assign_and_accept(job);
        assert_ne!(first, second);
        let steps = vec![answer_step("391", 5, 300)];
        assert_ok!(Agents::record_trace(
            RuntimeOrigin::signed(second),
            job,
            trace(steps.clone()),
            RunEnd::Answered
        ));
        assert_ok!(deliver(second, job, b"391", metrics_of(&steps)));
        assert_eq!(Runs::<Test>::get(job).unwrap().miner, Some(second));
    });
}

#[test]
fn tools_are_approved_and_revoked_by_the_tool_origin_only() {
    new_test_ext().execute_with(|| {
        assert!(Agents::approve_tool(RuntimeOrigin::signed(CLIENT), bytes("text_stats")).is_err());
        assert_ok!(Agents::approve_tool(
            RuntimeOrigin::root(),
            bytes("text_stats")
        ));
        assert_noop!(
            Agents::approve_tool(RuntimeOrigin::root(), bytes("text_stats")),
            Error::<Test>::ToolAlreadyApproved
        );
        create(CLIENT, &["text_stats"], limits(), 100);
        assert_ok!(Agents::revoke_tool(
            RuntimeOrigin::root(),
            bytes("text_stats")
        ));
        assert_noop!(
            Agents::create_agent(
                RuntimeOrigin::signed(CLIENT),
                bytes("b"),
                AgentKind::Research,
                bytes("{}"),
                llama(),
                tools(&["text_stats"]),
                limits(),
                100,
            ),
            Error::<Test>::ToolNotApproved
        );
        assert_noop!(
            Agents::revoke_tool(RuntimeOrigin::root(), bytes("text_stats")),
            Error::<Test>::UnknownTool
        );
    });
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Money: whatever the steps cost, the client pays exactly what the miner receives (no
    /// protocol fee here), at most the budget (the payment capped at the price cap), and the
    /// rest is refunded; the data deposit comes back at pruning.
    #[test]
    fn an_agent_run_conserves_money(
        millis in proptest::collection::vec(0u32..20_000, 1..4),
        payment in 10u128..20_000,
        cap in 10u128..20_000,
    ) {
        new_test_ext().execute_with(|| {
            register_miner(MINER, 1_000);
            let id = create(CLIENT, &["calculator"], limits(), cap);
            let total = Balances::total_issuance();
            let client_before = Balances::free_balance(CLIENT);
            let miner_before = Balances::free_balance(MINER);
            let job = execute(id, payment);
            let miner = assign_and_accept(job);
            let mut steps: Vec<TraceStep> = millis[..millis.len() - 1]
                .iter()
                .map(|m| tool_step("calculator", true, 1, *m))
                .collect();
            steps.push(answer_step("done", 1, *millis.last().unwrap()));
            steps.truncate(3);
            assert_ok!(Agents::record_trace(
                RuntimeOrigin::signed(miner),
                job,
                trace(steps.clone()),
                RunEnd::Answered
            ));
            assert_ok!(deliver(miner, job, b"done", metrics_of(&steps)));
            run_to_block(System::block_number() + RunRetention::get() + 1);
            let paid = client_before - Balances::free_balance(CLIENT);
            let earned = Balances::free_balance(MINER) - miner_before;
            prop_assert_eq!(paid, earned);
            prop_assert!(paid <= payment.min(cap));
            prop_assert_eq!(Balances::total_issuance(), total);
            Ok(())
        })?;
    }
}

#[test]
fn a_miner_sets_and_removes_its_stream_endpoint() {
    new_test_ext().execute_with(|| {
        let url: aitbc_primitives::StreamEndpoint = bytes("http://127.0.0.1:9950");
        assert_ok!(Agents::set_stream_endpoint(
            RuntimeOrigin::signed(MINER),
            Some(url.clone())
        ));
        assert_eq!(crate::StreamEndpoints::<Test>::get(MINER), Some(url));
        assert_noop!(
            Agents::set_stream_endpoint(RuntimeOrigin::signed(MINER), Some(bytes("ftp://x"))),
            Error::<Test>::BadEndpoint
        );
        assert_noop!(
            Agents::set_stream_endpoint(RuntimeOrigin::signed(MINER), Some(bytes("http://a b"))),
            Error::<Test>::BadEndpoint
        );
        assert_ok!(Agents::set_stream_endpoint(
            RuntimeOrigin::signed(MINER),
            None
        ));
        assert!(crate::StreamEndpoints::<Test>::get(MINER).is_none());
    });
}

/// Issue 15: an exact-mode run k-of-n. Each participant records its own trace before
/// committing; a reveal must be its trace's answer, metered as it; the run completes with the
/// agreed answer and takes the trace of a participant that gave it.
#[test]
fn a_redundant_run_completes_with_the_agreed_answer_and_takes_its_trace() {
    use aitbc_primitives::{commitment, receipt_signing_payload, Payout, Redundancy};
    new_test_ext().execute_with(|| {
        register_miner(MINER, 1_000);
        register_miner(OTHER_MINER, 1_000);
        let id = create(CLIENT, &["calculator"], limits(), 1_000);
        let job = pallet_aitbc_jobs::NextJobId::<Test>::get();
        let r = Agents::execute_redundant(
            RuntimeOrigin::signed(CLIENT),
            id,
            text("What is 17*23?"),
            None,
            500,
            100,
            Redundancy {
                k: 2,
                quorum: 0,
                payout: Payout::Each,
                profile: PROFILE,
            },
        );
        assert_ok!(r);
        for _ in 0..5 {
            if pallet_aitbc_jobs::Jobs::<Test>::get(job).unwrap().status == JobStatus::Assigned {
                break;
            }
            run_to_block(System::block_number() + 1);
        }
        let round = pallet_aitbc_jobs::Rounds::<Test>::get(job).expect("a round");
        let miners: Vec<AccountId> = round.participants.iter().map(|p| p.miner).collect();
        assert_eq!(miners.len(), 2);
        let steps_of = |i: u32| {
            trace(vec![
                tool_step("calculator", true, 10, 100 + i),
                answer_step("391", 5, 40 + i),
            ])
        };
        // Only a participant records a trace of a redundant run.
        assert_noop!(
            Agents::record_trace(
                RuntimeOrigin::signed(CLIENT),
                job,
                steps_of(0),
                RunEnd::Answered
            ),
            Error::<Test>::NotRoundParticipant
        );
        let output = b"391".to_vec();
        let hash = aitbc_primitives::blake2(&output);
        let salt = sp_core::H256([9u8; 32]);
        for (i, m) in miners.iter().enumerate() {
            assert_ok!(Agents::record_trace(
                RuntimeOrigin::signed(*m),
                job,
                steps_of(i as u32),
                RunEnd::Answered
            ));
            assert_ok!(Jobs::commit_result(
                RuntimeOrigin::signed(*m),
                job,
                commitment(&hash, m, &salt)
            ));
        }
        let reveal = |i: usize, metrics: Metrics| {
            let m = miners[i];
            let unit_price = pallet_aitbc_jobs::Rounds::<Test>::get(job)
                .unwrap()
                .participants[i]
                .unit_price;
            let payload = receipt_signing_payload(
                job,
                &CLIENT,
                &m,
                &hash,
                metrics.units_milli(),
                &unit_price,
            );
            Jobs::reveal_result(
                RuntimeOrigin::signed(m),
                job,
                output.clone().try_into().unwrap(),
                salt,
                metrics,
                test_signature(&m, &payload),
                None,
            )
        };
        // Metered otherwise than its trace: refused.
        assert_noop!(
            reveal(0, metrics_of(&steps_of(7))),
            Error::<Test>::MetricsNotTraced
        );
        assert_ok!(reveal(0, metrics_of(&steps_of(0))));
        assert_ok!(reveal(1, metrics_of(&steps_of(1))));
        assert_eq!(
            pallet_aitbc_jobs::Jobs::<Test>::get(job).unwrap().status,
            JobStatus::Completed
        );
        let run = Runs::<Test>::get(job).unwrap();
        assert_eq!(run.status, RunStatus::Completed);
        let adopted = run.miner.expect("a participant's trace");
        let i = miners.iter().position(|m| *m == adopted).unwrap();
        assert_eq!(Traces::<Test>::get(job).unwrap(), steps_of(i as u32));
        assert_eq!(
            run.trace_root,
            Some(trace_root(run.seed, steps_of(i as u32).iter()))
        );
        assert_eq!(crate::RoundTraces::<Test>::iter_prefix(job).count(), 2);
        // Pruned with the run.
        run_to_block(System::block_number() + RunRetention::get() + 2);
        assert_eq!(crate::RoundTraces::<Test>::iter_prefix(job).count(), 0);
    });
}
