//! Agent swarms inside the real runtime: the pallet sits at index 18; three dev miners running
//! the genesis SmolLM2 profile join a pool; a map-reduce task over three paragraphs is
//! coordinated, its shard jobs are restricted to the pool and played with real sr25519 receipt
//! signatures, the reduce job follows from the jobs pallet's observer, and `SwarmsApi` reports
//! the agreed result and its confidence metrics through the native `api::dispatch` entry.

mod common;

use aitbc_primitives::{Hardware, JobStatus, Metrics, ModelName};
use aitbc_runtime::{
    genesis, profiles, AccountId, Balance, Balances, ExecutionProfiles, Jobs, Miners,
    RuntimeHoldReason, RuntimeOrigin, Swarms, System, AIT,
};
use codec::{Decode, Encode};
use frame_support::{
    assert_ok,
    traits::{fungible::InspectHold, Hooks, PalletInfoAccess},
};
use pallet_aitbc_swarms::{Consensus, Part, Strategy, TaskProgress, TaskStatus};
use sp_core::{Pair, H256};
use sp_keyring::Sr25519Keyring;

type Runtime = aitbc_runtime::Runtime;

fn model() -> ModelName {
    b"smollm2".to_vec().try_into().expect("short")
}

fn miner(who: Sr25519Keyring) -> AccountId {
    let id = who.to_account_id();
    assert_ok!(Miners::register(
        RuntimeOrigin::signed(id.clone()),
        Hardware {
            gpu_model: b"RTX 4090".to_vec().try_into().expect("short"),
            gpu_count: 1,
            vram_mb: 24_576,
        },
        vec![model()].try_into().expect("one"),
        AIT / 1_000,
        100 * AIT,
    ));
    let profile = pallet_aitbc_profiles::profile_id(&profiles::smollm2_profile());
    assert_ok!(ExecutionProfiles::declare(
        RuntimeOrigin::signed(id.clone()),
        vec![profile].try_into().expect("one")
    ));
    id
}

fn next_block() {
    let n = System::block_number() + 1;
    System::set_block_number(n);
    Jobs::on_initialize(n);
    Swarms::on_initialize(n);
}

fn job_of(task: u64, part: Part) -> u64 {
    pallet_aitbc_swarms::Parts::<Runtime>::get(task, part)
        .and_then(|p| p.job)
        .expect("submitted")
}

/// Blocks until `job` has its miners; returns them.
fn assigned(job: u64) -> Vec<AccountId> {
    for _ in 0..10 {
        if Jobs::job(job).is_some_and(|j| j.status == JobStatus::Assigned) {
            return Jobs::round(job)
                .expect("round")
                .participants
                .iter()
                .map(|p| p.miner.clone())
                .collect();
        }
        next_block();
    }
    panic!("job {job} was not assigned");
}

/// Every miner of `job` commits to and reveals `output`, signing its receipt with its sr25519
/// key, reporting a smallest logit margin of `margin`.
fn play(job: u64, output: &[u8], margin: u32) {
    let miners = assigned(job);
    let hash = H256(sp_io::hashing::blake2_256(output));
    let salt = H256::repeat_byte(7);
    for m in &miners {
        assert_ok!(Jobs::commit_result(
            RuntimeOrigin::signed(m.clone()),
            job,
            aitbc_primitives::commitment(&hash, m, &salt)
        ));
    }
    let metrics = Metrics {
        compute_ms: 1_200,
        input_tokens: 20,
        output_tokens: 10,
    };
    let owner = Jobs::job(job).expect("job").owner;
    for m in &miners {
        let unit_price = Jobs::round(job)
            .expect("round")
            .participants
            .iter()
            .find(|p| p.miner == *m)
            .expect("participant")
            .unit_price;
        let payload = aitbc_primitives::receipt_signing_payload(
            job,
            &owner,
            m,
            &hash,
            metrics.units_milli(),
            &unit_price,
        );
        let pair = Sr25519Keyring::from_account_id(m).expect("dev key").pair();
        assert_ok!(Jobs::reveal_result(
            RuntimeOrigin::signed(m.clone()),
            job,
            output.to_vec().try_into().expect("short"),
            salt,
            metrics,
            sp_core::H512(pair.sign(&payload).0),
            Some(margin),
        ));
    }
}

fn total(who: &AccountId) -> Balance {
    Balances::free_balance(who) + Balances::reserved_balance(who)
}

#[test]
fn swarms_sit_at_index_18() {
    assert_eq!((Swarms::index(), Swarms::name()), (18, "Swarms"));
}

#[test]
fn a_map_reduce_task_runs_on_its_pool_and_the_api_reports_its_consensus() {
    common::preset_ext(genesis::DEV).execute_with(|| {
        let alice = Sr25519Keyring::Alice.to_account_id();
        let profile = pallet_aitbc_profiles::profile_id(&profiles::smollm2_profile());
        let members: Vec<AccountId> = [
            Sr25519Keyring::Bob,
            Sr25519Keyring::Charlie,
            Sr25519Keyring::Dave,
        ]
        .into_iter()
        .map(miner)
        .collect();
        // Eve runs the profile too but stays out of the pool.
        miner(Sr25519Keyring::Eve);
        let task_type: pallet_aitbc_swarms::TaskType = b"summarize".to_vec().try_into().unwrap();
        // The members' agent: registered in the agents pallet, on the profile's model.
        let agent = <aitbc_runtime::Agents as aitbc_primitives::AgentRuns<_, _, _>>::setup_agent(
            &b"smollm2".to_vec().try_into().unwrap(),
        );
        for m in &members {
            assert_ok!(Swarms::join(
                RuntimeOrigin::signed(m.clone()),
                agent,
                task_type.clone(),
                profile
            ));
        }
        let input = "The chain holds jobs.\n\nMiners run them.\n\nClients pay in AIT.";
        let before = total(&alice);
        assert_ok!(Swarms::create_task(
            RuntimeOrigin::signed(alice.clone()),
            task_type,
            profile,
            input.as_bytes().to_vec().try_into().unwrap(),
            None,
            AIT,
            1_000,
            None,
        ));
        assert_ok!(Swarms::coordinate(
            RuntimeOrigin::signed(alice.clone()),
            0,
            Strategy::MapReduce { shards: 3 },
            3,
            0
        ));
        let shards: Vec<u64> = (0..3).map(|i| job_of(0, Part::Shard(i))).collect();
        for (i, job) in shards.iter().enumerate() {
            let mut miners = assigned(*job);
            miners.sort();
            let mut expected = members.clone();
            expected.sort();
            assert_eq!(miners, expected, "shard {i} runs on the pool only");
            play(*job, format!("Part {i}.").as_bytes(), 1_500 + i as u32);
        }
        next_block();
        let task = Swarms::task(0).expect("task");
        assert_eq!(task.status, TaskStatus::Reducing);
        let reduce = task.final_job.expect("reduce job");
        let prompt = match Jobs::job(reduce).expect("job").input {
            aitbc_primitives::JobInput::Prompt(p) => String::from_utf8(p.to_vec()).unwrap(),
            other => panic!("{other:?}"),
        };
        assert!(
            prompt.ends_with("[1]\nPart 0.\n\n[2]\nPart 1.\n\n[3]\nPart 2.\n"),
            "{prompt}"
        );
        play(reduce, b"Jobs, miners, AIT.", 900);
        next_block();

        // The runtime API, as the node calls it.
        let out = aitbc_runtime::apis::api::dispatch("SwarmsApi_consensus", &0u64.encode())
            .expect("SwarmsApi_consensus exists");
        let c = Option::<Consensus<Balance>>::decode(&mut &out[..])
            .unwrap()
            .expect("task 0");
        assert_eq!(c.status, TaskStatus::Completed);
        assert_eq!(c.output.unwrap().to_vec(), b"Jobs, miners, AIT.".to_vec());
        assert_eq!((c.totals.jobs, c.totals.jobs_agreed), (4, 4));
        assert_eq!((c.totals.agreeing, c.totals.participants), (12, 12));
        assert_eq!(c.totals.agreeing_stake, 4 * 3 * 100 * AIT);
        assert_eq!(c.totals.stake_share, Some(sp_runtime::Perbill::one()));
        assert_eq!(c.totals.min_margin_milli, Some(900));
        let out = aitbc_runtime::apis::api::dispatch("SwarmsApi_progress", &0u64.encode())
            .expect("SwarmsApi_progress exists");
        let p = Option::<TaskProgress<AccountId, Balance, u32>>::decode(&mut &out[..])
            .unwrap()
            .expect("task 0");
        assert_eq!(
            (p.shards_done, p.shards_agreeing, p.shards_disputed),
            (3, 3, 0)
        );
        // Alice paid what the miners were paid (protocol fee included); nothing is held for
        // the task but its deposit (and the jobs' storage deposits until they are pruned).
        assert!(c.totals.paid > 0);
        assert_eq!(total(&alice), before - c.totals.paid);
        assert_eq!(
            Balances::balance_on_hold(
                &RuntimeHoldReason::Swarms(pallet_aitbc_swarms::HoldReason::TaskBudget),
                &alice
            ),
            0
        );
        assert_eq!(
            Balances::balance_on_hold(
                &RuntimeHoldReason::Swarms(pallet_aitbc_swarms::HoldReason::TaskDeposit),
                &alice
            ),
            task.deposit
        );
        assert_ok!(Swarms::remove_task(RuntimeOrigin::signed(alice.clone()), 0));
        assert_eq!(
            Balances::balance_on_hold(
                &RuntimeHoldReason::Swarms(pallet_aitbc_swarms::HoldReason::TaskDeposit),
                &alice
            ),
            0
        );
    });
}
