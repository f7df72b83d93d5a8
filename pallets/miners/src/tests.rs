//! Unit tests: every call and every error path.

use crate::{mock::*, Error, Event, HoldReason, MinersByModel, TotalSlashed};
use aitbc_primitives::{
    Hardware, JobOutcome, MinerRegistry, MinerStatus, ModelList, ModelName, Requirements,
};
use frame_support::{
    assert_noop, assert_ok,
    traits::fungible::{Inspect, InspectHold},
};
use sp_runtime::Permill;

fn model(name: &str) -> ModelName {
    name.as_bytes().to_vec().try_into().unwrap()
}

fn models(names: &[&str]) -> ModelList {
    names
        .iter()
        .map(|n| model(n))
        .collect::<Vec<_>>()
        .try_into()
        .unwrap()
}

fn hw(vram_mb: u32) -> Hardware {
    Hardware {
        gpu_model: b"RTX 4090".to_vec().try_into().unwrap(),
        gpu_count: 1,
        vram_mb,
    }
}

fn held(who: AccountId) -> Balance {
    Balances::balance_on_hold(&RuntimeHoldReason::Miners(HoldReason::MinerStake), &who)
}

fn register(who: AccountId, stake: Balance, price: Balance) {
    assert_ok!(Miners::register(
        RuntimeOrigin::signed(who),
        hw(24_000),
        models(&["llama"]),
        price,
        stake
    ));
}

fn select(budget: Balance) -> Option<(AccountId, Balance)> {
    let req = Requirements {
        estimated_gpu_seconds: 10,
        ..Default::default()
    };
    <Miners as MinerRegistry<_, _>>::select_miner(&model("llama"), &req, budget, &[])
}

#[test]
fn register_holds_stake_and_indexes_models() {
    new_test_ext().execute_with(|| {
        assert_ok!(Miners::register(
            RuntimeOrigin::signed(1),
            hw(24_000),
            models(&["llama", "qwen"]),
            5,
            500
        ));
        assert_eq!(held(1), 500);
        assert_eq!(Balances::balance(&1), 9_500);
        let m = crate::Miners::<Test>::get(1).unwrap();
        assert_eq!(m.stake, 500);
        assert_eq!(m.status, MinerStatus::Active);
        assert_eq!(MinersByModel::<Test>::get(model("qwen")).to_vec(), vec![1]);
        System::assert_last_event(
            Event::Registered {
                miner: 1,
                stake: 500,
                price_per_gpu_second: 5,
            }
            .into(),
        );
    });
}

#[test]
fn register_errors() {
    new_test_ext().execute_with(|| {
        let r = |who, hardware, ms, stake| {
            Miners::register(RuntimeOrigin::signed(who), hardware, ms, 1, stake)
        };
        assert_noop!(r(1, hw(1), models(&["a"]), 99), Error::<Test>::StakeTooLow);
        assert_noop!(
            r(1, hw(1), models(&["a"]), 20_000),
            Error::<Test>::InsufficientBalance
        );
        // All of it would leave nothing to keep the account alive.
        assert_noop!(
            r(1, hw(1), models(&["a"]), 10_000),
            Error::<Test>::InsufficientBalance
        );
        assert_noop!(r(1, hw(1), models(&[]), 100), Error::<Test>::NoModels);
        assert_noop!(
            r(1, hw(1), models(&["a", "a"]), 100),
            Error::<Test>::DuplicateModel
        );
        assert_noop!(
            r(1, hw(0), models(&["a"]), 100),
            Error::<Test>::InvalidHardware
        );
        assert_noop!(
            r(1, hw(1), models(&[""]), 100),
            Error::<Test>::InvalidHardware
        );
        let mut no_gpu = hw(1);
        no_gpu.gpu_count = 0;
        assert_noop!(
            r(1, no_gpu, models(&["a"]), 100),
            Error::<Test>::InvalidHardware
        );
        assert_ok!(r(1, hw(1), models(&["a"]), 100));
        assert_noop!(
            r(1, hw(1), models(&["a"]), 100),
            Error::<Test>::AlreadyRegistered
        );
        assert_ok!(r(2, hw(1), models(&["a"]), 100));
        assert_ok!(r(3, hw(1), models(&["a"]), 100));
        // MaxMinersPerModel = 3; nothing is written on failure.
        assert_noop!(
            r(4, hw(1), models(&["b", "a"]), 100),
            Error::<Test>::ModelIndexFull
        );
        assert!(MinersByModel::<Test>::get(model("b")).is_empty());
    });
}

#[test]
fn update_replaces_models_and_price() {
    new_test_ext().execute_with(|| {
        register(1, 100, 5);
        System::set_block_number(5);
        assert_ok!(Miners::update(
            RuntimeOrigin::signed(1),
            hw(48_000),
            models(&["qwen"]),
            7
        ));
        assert!(MinersByModel::<Test>::get(model("llama")).is_empty());
        assert_eq!(MinersByModel::<Test>::get(model("qwen")).to_vec(), vec![1]);
        let m = crate::Miners::<Test>::get(1).unwrap();
        assert_eq!(
            (m.price_per_gpu_second, m.hardware.vram_mb, m.last_heartbeat),
            (7, 48_000, 5)
        );
        System::assert_last_event(
            Event::Updated {
                miner: 1,
                price_per_gpu_second: 7,
            }
            .into(),
        );
    });
}

#[test]
fn update_errors() {
    new_test_ext().execute_with(|| {
        assert_noop!(
            Miners::update(RuntimeOrigin::signed(1), hw(1), models(&["a"]), 1),
            Error::<Test>::NotRegistered
        );
        register(1, 100, 5);
        assert_noop!(
            Miners::update(RuntimeOrigin::signed(1), hw(1), models(&[]), 1),
            Error::<Test>::NoModels
        );
        assert_noop!(
            Miners::update(RuntimeOrigin::signed(1), hw(1), models(&["a", "a"]), 1),
            Error::<Test>::DuplicateModel
        );
        assert_noop!(
            Miners::update(RuntimeOrigin::signed(1), hw(0), models(&["a"]), 1),
            Error::<Test>::InvalidHardware
        );
    });
}

#[test]
fn update_model_index_full_and_not_active() {
    new_test_ext().execute_with(|| {
        for who in 1..=3 {
            register(who, 100, 5);
        }
        assert_ok!(Miners::register(
            RuntimeOrigin::signed(4),
            hw(1),
            models(&["qwen"]),
            1,
            100
        ));
        assert_noop!(
            Miners::update(RuntimeOrigin::signed(4), hw(1), models(&["llama"]), 1),
            Error::<Test>::ModelIndexFull
        );
        assert_ok!(Miners::deregister(RuntimeOrigin::signed(4)));
        assert_noop!(
            Miners::update(RuntimeOrigin::signed(4), hw(1), models(&["qwen"]), 1),
            Error::<Test>::NotActive
        );
    });
}

#[test]
fn set_stake_holds_and_releases() {
    new_test_ext().execute_with(|| {
        register(1, 100, 5);
        assert_ok!(Miners::set_stake(RuntimeOrigin::signed(1), 300));
        assert_eq!(held(1), 300);
        System::assert_last_event(
            Event::StakeChanged {
                miner: 1,
                old: 100,
                new: 300,
            }
            .into(),
        );
        assert_ok!(Miners::set_stake(RuntimeOrigin::signed(1), 150));
        assert_eq!(held(1), 150);
        assert_eq!(Balances::balance(&1), 9_850);
        assert_noop!(
            Miners::set_stake(RuntimeOrigin::signed(1), 99),
            Error::<Test>::StakeTooLow
        );
        assert_noop!(
            Miners::set_stake(RuntimeOrigin::signed(1), 10_150),
            Error::<Test>::InsufficientBalance
        );
        assert_noop!(
            Miners::set_stake(RuntimeOrigin::signed(2), 100),
            Error::<Test>::NotRegistered
        );
        assert_ok!(Miners::deregister(RuntimeOrigin::signed(1)));
        assert_noop!(
            Miners::set_stake(RuntimeOrigin::signed(1), 200),
            Error::<Test>::NotActive
        );
    });
}

#[test]
fn heartbeat_keeps_miner_online() {
    new_test_ext().execute_with(|| {
        register(1, 100, 5);
        assert_eq!(select(1_000), Some((1, 5)));
        System::set_block_number(12);
        assert_eq!(select(1_000), None, "offline after HeartbeatTimeout");
        assert!(!Miners::miner_info(&1).unwrap().online);
        assert_ok!(Miners::heartbeat(RuntimeOrigin::signed(1)));
        System::assert_last_event(
            Event::Heartbeat {
                miner: 1,
                block: 12,
            }
            .into(),
        );
        assert_eq!(select(1_000), Some((1, 5)));
        assert!(Miners::miner_info(&1).unwrap().online);
        assert_noop!(
            Miners::heartbeat(RuntimeOrigin::signed(2)),
            Error::<Test>::NotRegistered
        );
        assert_ok!(Miners::deregister(RuntimeOrigin::signed(1)));
        assert_noop!(
            Miners::heartbeat(RuntimeOrigin::signed(1)),
            Error::<Test>::NotActive
        );
    });
}

#[test]
fn stake_backing_active_jobs_cannot_be_lowered() {
    new_test_ext().execute_with(|| {
        register(1, 300, 5);
        <Miners as MinerRegistry<_, _>>::note_assigned(&1);
        // A miner about to miss a deadline cannot shrink what its slash is a share of...
        assert_noop!(
            Miners::set_stake(RuntimeOrigin::signed(1), 100),
            Error::<Test>::HasActiveJobs
        );
        // ...but may add stake, and lower it once the job has ended.
        assert_ok!(Miners::set_stake(RuntimeOrigin::signed(1), 400));
        <Miners as MinerRegistry<_, _>>::note_outcome(&1, JobOutcome::Delivered);
        assert_ok!(Miners::set_stake(RuntimeOrigin::signed(1), 100));
        assert_eq!(held(1), 100);
    });
}

#[test]
fn deregister_and_withdraw_after_unbonding() {
    new_test_ext().execute_with(|| {
        register(1, 100, 5);
        assert_noop!(
            Miners::withdraw_unbonded(RuntimeOrigin::signed(1)),
            Error::<Test>::NotUnbonding
        );
        <Miners as MinerRegistry<_, _>>::note_assigned(&1);
        assert_noop!(
            Miners::deregister(RuntimeOrigin::signed(1)),
            Error::<Test>::HasActiveJobs
        );
        <Miners as MinerRegistry<_, _>>::note_outcome(&1, JobOutcome::Delivered);
        assert_ok!(Miners::deregister(RuntimeOrigin::signed(1)));
        System::assert_last_event(
            Event::Deregistered {
                miner: 1,
                until: 21,
            }
            .into(),
        );
        assert!(MinersByModel::<Test>::get(model("llama")).is_empty());
        assert_eq!(select(1_000), None);
        assert_noop!(
            Miners::deregister(RuntimeOrigin::signed(1)),
            Error::<Test>::NotActive
        );
        System::set_block_number(20);
        assert_noop!(
            Miners::withdraw_unbonded(RuntimeOrigin::signed(1)),
            Error::<Test>::StillUnbonding
        );
        System::set_block_number(21);
        assert_ok!(Miners::withdraw_unbonded(RuntimeOrigin::signed(1)));
        System::assert_last_event(
            Event::Withdrawn {
                miner: 1,
                amount: 100,
            }
            .into(),
        );
        assert_eq!(held(1), 0);
        assert_eq!(Balances::balance(&1), 10_000);
        assert!(crate::Miners::<Test>::get(1).is_none());
        assert_noop!(
            Miners::deregister(RuntimeOrigin::signed(1)),
            Error::<Test>::NotRegistered
        );
        assert_noop!(
            Miners::withdraw_unbonded(RuntimeOrigin::signed(1)),
            Error::<Test>::NotRegistered
        );
    });
}

#[test]
fn reputation_counts_outcomes_and_late_slashes_and_burns() {
    new_test_ext().execute_with(|| {
        register(1, 1_000, 5);
        let issuance = Balances::total_issuance();
        let reg = |o| <Miners as MinerRegistry<_, _>>::note_outcome(&1, o);
        assert_eq!(reg(JobOutcome::Delivered), 0);
        assert_eq!(reg(JobOutcome::Failed), 0);
        assert_eq!(reg(JobOutcome::Released), 0);
        assert_eq!(reg(JobOutcome::Late), 100);
        System::assert_has_event(
            Event::Slashed {
                miner: 1,
                amount: 100,
            }
            .into(),
        );
        let m = crate::Miners::<Test>::get(1).unwrap();
        assert_eq!(
            (
                m.reputation.delivered,
                m.reputation.failed,
                m.reputation.late
            ),
            (1, 1, 1)
        );
        assert_eq!(m.reputation.score(), Permill::from_percent(40));
        assert_eq!((m.stake, m.slashed), (900, 100));
        assert_eq!(held(1), 900);
        assert_eq!(TotalSlashed::<Test>::get(), 100);
        assert_eq!(Balances::total_issuance(), issuance - 100);
        // Slashing below MinStake makes the miner ineligible until it tops up.
        for _ in 0..30 {
            reg(JobOutcome::Late);
        }
        assert!(crate::Miners::<Test>::get(1).unwrap().stake < 100);
        assert_eq!(select(1_000), None);
    });
}

#[test]
fn selection_follows_documented_rule() {
    new_test_ext().execute_with(|| {
        // Equal stake and score: tie broken by account.
        register(2, 500, 5);
        register(1, 500, 5);
        assert_eq!(select(1_000), Some((1, 5)));
        // Fewer active jobs wins a tie.
        <Miners as MinerRegistry<_, _>>::note_assigned(&1);
        assert_eq!(select(1_000), Some((2, 5)));
        // Higher stake x score wins.
        register(3, 600, 5);
        assert_eq!(select(1_000), Some((3, 5)));
        // Price x estimate must fit the budget: 10 s x 5 = 50.
        assert_eq!(select(49), None);
        assert_eq!(select(50), Some((3, 5)));
        // Excluded miners are skipped.
        let req = Requirements {
            estimated_gpu_seconds: 10,
            ..Default::default()
        };
        assert_eq!(
            <Miners as MinerRegistry<_, _>>::select_miner(&model("llama"), &req, 1_000, &[3]),
            Some((2, 5))
        );
        // MaxConcurrentJobs = 2.
        <Miners as MinerRegistry<_, _>>::note_assigned(&3);
        <Miners as MinerRegistry<_, _>>::note_assigned(&3);
        assert_eq!(select(1_000), Some((2, 5)));
        // Requirements: VRAM, GPU model, reputation.
        let sel = |req: &Requirements| {
            <Miners as MinerRegistry<_, _>>::select_miner(&model("llama"), req, 1_000, &[])
        };
        assert_eq!(
            sel(&Requirements {
                min_vram_mb: 24_001,
                ..Default::default()
            }),
            None
        );
        let gpu = Some(b"H100".to_vec().try_into().unwrap());
        assert_eq!(
            sel(&Requirements {
                gpu_model: gpu,
                ..Default::default()
            }),
            None
        );
        let rtx = Some(b"RTX 4090".to_vec().try_into().unwrap());
        assert!(sel(&Requirements {
            gpu_model: rtx,
            ..Default::default()
        })
        .is_some());
        let picky = Requirements {
            min_reputation: Permill::from_percent(51),
            ..Default::default()
        };
        assert_eq!(sel(&picky), None);
        // Unknown model.
        assert_eq!(
            <Miners as MinerRegistry<_, _>>::select_miner(&model("x"), &req, 1_000, &[]),
            None
        );
        assert_eq!(<Miners as MinerRegistry<_, _>>::max_candidates(), 3);
    });
}

#[test]
fn setup_miner_registers_an_eligible_miner() {
    new_test_ext().execute_with(|| {
        assert_ok!(<Miners as MinerRegistry<_, _>>::setup_miner(
            &42,
            &model("llama"),
            3
        ));
        assert_eq!(select(1_000), Some((42, 3)));
    });
}

#[test]
fn queries_page_miners() {
    new_test_ext().execute_with(|| {
        for who in 1..=3 {
            register(who, 100, 5);
        }
        assert_eq!(Miners::list_miners(0, 10).len(), 3);
        assert_eq!(Miners::list_miners(1, 1).len(), 1);
        assert_eq!(Miners::list_miners(3, 10).len(), 0);
        let info = Miners::miner_info(&2).unwrap();
        assert_eq!((info.account, info.score), (2, Permill::from_percent(50)));
        assert!(Miners::miner_info(&7).is_none());
    });
}

#[test]
fn storage_version_is_declared_and_upgrades_keep_it() {
    use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
    new_test_ext().execute_with(|| {
        assert_eq!(Miners::in_code_storage_version(), StorageVersion::new(0));
        assert_eq!(
            Miners::on_chain_storage_version(),
            Miners::in_code_storage_version()
        );
        let root = sp_io::storage::root(sp_runtime::StateVersion::V1);
        AllPalletsWithSystem::on_runtime_upgrade();
        assert_eq!(
            Miners::on_chain_storage_version(),
            Miners::in_code_storage_version()
        );
        assert_eq!(sp_io::storage::root(sp_runtime::StateVersion::V1), root);
    });
}

#[test]
fn select_miners_where_takes_the_best_few_in_one_pass() {
    new_test_ext().execute_with(|| {
        // Stakes rank the miners: 3 > 1 > 2 (same score, same agreement).
        for (who, stake) in [(1u64, 2_000u128), (2, 1_500), (3, 3_000)] {
            register(who, stake, 5);
        }
        let all = |count| {
            <Miners as MinerRegistry<_, _>>::select_miners_where(
                &model("llama"),
                &Requirements::default(),
                1_000,
                &[],
                &|_| true,
                count,
            )
            .into_iter()
            .map(|(who, _)| who)
            .collect::<Vec<_>>()
        };
        assert_eq!(all(2), vec![3, 1]);
        assert_eq!(all(5), vec![3, 1, 2]);
        assert!(all(0).is_empty());
        let odd = <Miners as MinerRegistry<_, _>>::select_miners_where(
            &model("llama"),
            &Requirements::default(),
            1_000,
            &[1],
            &|who| *who != 3,
            2,
        );
        assert_eq!(odd.iter().map(|(w, _)| *w).collect::<Vec<_>>(), vec![2]);
        // A miner outvoted and proven wrong ranks lower.
        for _ in 0..4 {
            <Miners as MinerRegistry<_, _>>::note_agreement(&3, false);
        }
        // 7/8 kept each time: (7/8)^4 ≈ 58.6%, so 3,000 × 58.6% < 2,000.
        let avg = crate::Agreement::<Test>::get(3).deconstruct();
        assert!((586_000..=586_200).contains(&avg), "{avg}");
        assert_eq!(all(3), vec![1, 3, 2]);
    });
}
