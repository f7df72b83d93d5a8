//! Unit tests of the profiles pallet.

use crate::{mock::*, *};
use frame_support::{
    assert_noop, assert_ok,
    traits::{fungible::InspectHold, GetStorageVersion},
};
use sp_core::H256;

fn text(s: &str) -> ProfileText {
    s.as_bytes().to_vec().try_into().expect("short")
}

fn smollm2(seed: Option<u64>) -> ExecutionProfile {
    ExecutionProfile {
        name: text("smollm2-135m-q4_1-cpu"),
        model: b"smollm2".to_vec().try_into().expect("short"),
        weights_sha256: H256::repeat_byte(1),
        tokenizer_sha256: H256::repeat_byte(2),
        backend: text("candle 0.11 cpu"),
        dtype: text("q4_1"),
        decoding: match seed {
            None => Decoding::Greedy,
            Some(seed) => Decoding::Seeded {
                seed,
                temperature_milli: 700,
                top_p_milli: 900,
            },
        },
        hardware_class: text("x86_64-cpu"),
    }
}

fn list(ids: &[ProfileId]) -> ProfileList {
    ids.to_vec().try_into().expect("fits")
}

fn held(who: u64) -> Balance {
    Balances::balance_on_hold(
        &RuntimeHoldReason::ExecutionProfiles(HoldReason::ProfileDeposit),
        &who,
    )
}

#[test]
fn a_profile_is_its_content_and_is_registered_once() {
    new_test_ext().execute_with(|| {
        let p = smollm2(None);
        let id = profile_id(&p);
        assert_eq!(id, profile_id(&p.clone()));
        assert_ne!(
            id,
            profile_id(&smollm2(Some(7))),
            "the decoding is part of the id"
        );
        assert_ok!(ExecutionProfiles::register(
            RuntimeOrigin::signed(7),
            p.clone()
        ));
        assert_eq!(held(7), 100);
        System::assert_last_event(Event::ProfileRegistered { id, owner: 7 }.into());
        assert_noop!(
            ExecutionProfiles::register(RuntimeOrigin::signed(8), p),
            Error::<Test>::ProfileExists
        );
        let mut empty = smollm2(None);
        empty.backend = text("");
        assert_noop!(
            ExecutionProfiles::register(RuntimeOrigin::signed(8), empty),
            Error::<Test>::IncompleteProfile
        );
    });
}

#[test]
fn miners_declare_what_they_run_and_the_index_follows() {
    new_test_ext().execute_with(|| {
        let (a, b) = (smollm2(None), smollm2(Some(1)));
        let (ida, idb) = (profile_id(&a), profile_id(&b));
        assert_ok!(ExecutionProfiles::register(RuntimeOrigin::signed(7), a));
        assert_ok!(ExecutionProfiles::register(RuntimeOrigin::signed(7), b));
        assert_ok!(ExecutionProfiles::declare(
            RuntimeOrigin::signed(1),
            list(&[ida, idb])
        ));
        assert_ok!(ExecutionProfiles::declare(
            RuntimeOrigin::signed(2),
            list(&[ida])
        ));
        assert_eq!(ExecutionProfiles::miners_of(&ida), vec![1, 2]);
        assert_eq!(ExecutionProfiles::miners_of(&idb), vec![1]);
        assert!(ExecutionProfiles::runs(&1, &idb) && !ExecutionProfiles::runs(&2, &idb));
        // A new list replaces the old one.
        assert_ok!(ExecutionProfiles::declare(
            RuntimeOrigin::signed(1),
            list(&[idb])
        ));
        assert_eq!(ExecutionProfiles::miners_of(&ida), vec![2]);
        assert_eq!(ExecutionProfiles::miners_of(&idb), vec![1]);
        System::assert_last_event(Event::ProfilesDeclared { miner: 1, count: 1 }.into());
        // An empty list withdraws the miner everywhere.
        assert_ok!(ExecutionProfiles::declare(
            RuntimeOrigin::signed(1),
            list(&[])
        ));
        assert!(ExecutionProfiles::miners_of(&idb).is_empty());
        assert!(!MinerProfiles::<Test>::contains_key(1));
    });
}

#[test]
fn declarations_are_checked() {
    new_test_ext().execute_with(|| {
        let p = smollm2(None);
        let id = profile_id(&p);
        assert_noop!(
            ExecutionProfiles::declare(RuntimeOrigin::signed(1), list(&[id])),
            Error::<Test>::UnknownProfile
        );
        assert_ok!(ExecutionProfiles::register(RuntimeOrigin::signed(7), p));
        assert_noop!(
            ExecutionProfiles::declare(RuntimeOrigin::signed(9), list(&[id])),
            Error::<Test>::NotAMiner
        );
        assert_noop!(
            ExecutionProfiles::declare(RuntimeOrigin::signed(1), list(&[id, id])),
            Error::<Test>::DuplicateProfile
        );
        for miner in 1..=3 {
            assert_ok!(ExecutionProfiles::declare(
                RuntimeOrigin::signed(miner),
                list(&[id])
            ));
        }
        assert_noop!(
            ExecutionProfiles::declare(RuntimeOrigin::signed(4), list(&[id])),
            Error::<Test>::TooManyMiners
        );
        // Declaring the same list again does not count the miner twice.
        assert_ok!(ExecutionProfiles::declare(
            RuntimeOrigin::signed(1),
            list(&[id])
        ));
        assert_eq!(ExecutionProfiles::miners_of(&id), vec![1, 2, 3]);
    });
}

#[test]
fn only_the_owner_retires_an_unused_profile_and_gets_the_deposit_back() {
    new_test_ext().execute_with(|| {
        let p = smollm2(None);
        let id = profile_id(&p);
        assert_ok!(ExecutionProfiles::register(RuntimeOrigin::signed(7), p));
        assert_ok!(ExecutionProfiles::declare(
            RuntimeOrigin::signed(1),
            list(&[id])
        ));
        assert_noop!(
            ExecutionProfiles::retire(RuntimeOrigin::signed(8), id),
            Error::<Test>::NotProfileOwner
        );
        assert_noop!(
            ExecutionProfiles::retire(RuntimeOrigin::signed(7), id),
            Error::<Test>::ProfileInUse
        );
        assert_ok!(ExecutionProfiles::declare(
            RuntimeOrigin::signed(1),
            list(&[])
        ));
        assert_ok!(ExecutionProfiles::retire(RuntimeOrigin::signed(7), id));
        assert_eq!(held(7), 0);
        assert!(!Profiles::<Test>::contains_key(id));
        System::assert_last_event(Event::ProfileRetired { id }.into());
        assert_noop!(
            ExecutionProfiles::retire(RuntimeOrigin::signed(7), id),
            Error::<Test>::UnknownProfile
        );
    });
}

#[test]
fn genesis_profiles_have_no_owner_and_stay() {
    let p = smollm2(None);
    let id = profile_id(&p);
    ext_with(vec![p]).execute_with(|| {
        let record = Profiles::<Test>::get(id).expect("registered at genesis");
        assert_eq!((record.owner, record.deposit), (None, 0));
        assert_noop!(
            ExecutionProfiles::retire(RuntimeOrigin::signed(7), id),
            Error::<Test>::NotProfileOwner
        );
        assert_ok!(ExecutionProfiles::declare(
            RuntimeOrigin::signed(1),
            list(&[id])
        ));
        assert_eq!(
            Pallet::<Test>::on_chain_storage_version(),
            frame_support::traits::StorageVersion::new(0)
        );
    });
}

#[test]
fn a_miner_withdraws_from_one_profile_even_after_it_stopped_mining() {
    new_test_ext().execute_with(|| {
        let (a, b) = (smollm2(None), smollm2(Some(1)));
        let (ida, idb) = (profile_id(&a), profile_id(&b));
        assert_ok!(ExecutionProfiles::register(RuntimeOrigin::signed(7), a));
        assert_ok!(ExecutionProfiles::register(RuntimeOrigin::signed(7), b));
        assert_ok!(ExecutionProfiles::declare(
            RuntimeOrigin::signed(1),
            list(&[ida, idb])
        ));
        assert_ok!(ExecutionProfiles::declare(
            RuntimeOrigin::signed(2),
            list(&[ida])
        ));
        assert_ok!(ExecutionProfiles::undeclare(RuntimeOrigin::signed(1), ida));
        System::assert_last_event(Event::ProfileUndeclared { miner: 1, id: ida }.into());
        assert_eq!(ExecutionProfiles::profiles_of(&1), vec![idb]);
        assert_eq!(ExecutionProfiles::miners_of(&ida), vec![2]);
        assert_noop!(
            ExecutionProfiles::undeclare(RuntimeOrigin::signed(1), ida),
            Error::<Test>::NotDeclared
        );
        // A miner that deregistered may no longer declare, but may still withdraw.
        deactivate(1);
        assert_noop!(
            ExecutionProfiles::declare(RuntimeOrigin::signed(1), list(&[])),
            Error::<Test>::NotAMiner
        );
        assert_ok!(ExecutionProfiles::undeclare(RuntimeOrigin::signed(1), idb));
        assert!(!MinerProfiles::<Test>::contains_key(1));
        assert!(
            !ProfileMiners::<Test>::contains_key(idb),
            "an emptied list leaves no entry"
        );
        assert_ok!(ExecutionProfiles::retire(RuntimeOrigin::signed(7), idb));
    });
}

#[test]
fn anyone_prunes_the_declarations_of_a_miner_that_stopped_mining() {
    new_test_ext().execute_with(|| {
        let (a, b) = (smollm2(None), smollm2(Some(1)));
        let (ida, idb) = (profile_id(&a), profile_id(&b));
        assert_ok!(ExecutionProfiles::register(RuntimeOrigin::signed(7), a));
        assert_ok!(ExecutionProfiles::register(RuntimeOrigin::signed(7), b));
        for miner in 1..=3 {
            assert_ok!(ExecutionProfiles::declare(
                RuntimeOrigin::signed(miner),
                list(&[ida])
            ));
        }
        assert_ok!(ExecutionProfiles::declare(
            RuntimeOrigin::signed(1),
            list(&[ida, idb])
        ));
        // Profile `a` is full; miner 1 is still active, so only it changes its declarations.
        assert_noop!(
            ExecutionProfiles::declare(RuntimeOrigin::signed(4), list(&[ida])),
            Error::<Test>::TooManyMiners
        );
        assert_noop!(
            ExecutionProfiles::prune_declarations(RuntimeOrigin::signed(8), 1),
            Error::<Test>::MinerStillActive
        );
        // Miner 1 deregisters: its declarations are stale, and anyone may remove them.
        deactivate(1);
        assert_noop!(
            ExecutionProfiles::retire(RuntimeOrigin::signed(7), idb),
            Error::<Test>::ProfileInUse
        );
        let info =
            ExecutionProfiles::prune_declarations(RuntimeOrigin::signed(8), 1).expect("pruned");
        System::assert_last_event(Event::DeclarationsPruned { miner: 1, count: 2 }.into());
        // Charged for the two profiles pruned, not for the most a miner may declare.
        assert_eq!(
            info.actual_weight,
            Some(<() as WeightInfo>::prune_declarations(2))
        );
        assert!(
            <() as WeightInfo>::prune_declarations(2).ref_time()
                < <() as WeightInfo>::prune_declarations(MAX_PROFILES_PER_MINER).ref_time()
        );
        assert!(!MinerProfiles::<Test>::contains_key(1));
        assert_eq!(ExecutionProfiles::miners_of(&ida), vec![2, 3]);
        assert!(!ProfileMiners::<Test>::contains_key(idb));
        // The freed place is taken, and the unused profile is retired.
        assert_ok!(ExecutionProfiles::declare(
            RuntimeOrigin::signed(4),
            list(&[ida])
        ));
        assert_ok!(ExecutionProfiles::retire(RuntimeOrigin::signed(7), idb));
        assert_noop!(
            ExecutionProfiles::prune_declarations(RuntimeOrigin::signed(8), 1),
            Error::<Test>::NothingToPrune
        );
        assert_noop!(
            ExecutionProfiles::prune_declarations(RuntimeOrigin::signed(8), 9),
            Error::<Test>::NothingToPrune
        );
    });
}
