//! Unit tests of the validator-set pallet against the mock (Aura and GRANDPA inside).

use crate::{mock::*, Error, Event};
use frame_support::{
    assert_noop, assert_ok,
    traits::{GetStorageVersion, Hooks, OnRuntimeUpgrade, StorageVersion},
    BoundedVec,
};
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_runtime::traits::BadOrigin;

fn set(ids: &[u8]) -> BoundedVec<(AuraId, GrandpaId), frame_support::traits::ConstU32<32>> {
    ids.iter()
        .map(|i| validator(*i))
        .collect::<Vec<_>>()
        .try_into()
        .expect("fits")
}

#[test]
fn root_replaces_aura_and_grandpa_authorities_and_raises_the_set_id() {
    new_test_ext().execute_with(|| {
        assert_eq!(pallet_aura::Authorities::<Test>::get().len(), 2);
        assert_eq!(pallet_grandpa::CurrentSetId::<Test>::get(), 0);
        assert_ok!(ValidatorSet::set_validators(
            RuntimeOrigin::root(),
            set(&[3, 4, 5])
        ));
        let aura: Vec<AuraId> = [3, 4, 5].iter().map(|i| validator(*i).0).collect();
        assert_eq!(pallet_aura::Authorities::<Test>::get().to_vec(), aura);
        assert_eq!(pallet_grandpa::CurrentSetId::<Test>::get(), 1);
        System::assert_last_event(
            Event::ValidatorsChanged {
                set_id: 1,
                validators: 3,
            }
            .into(),
        );
        // pallet-grandpa enacts the change (no delay) at the end of this block.
        Grandpa::on_finalize(1);
        let grandpa: Vec<GrandpaId> = Grandpa::grandpa_authorities()
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        let wanted: Vec<GrandpaId> = [3, 4, 5].iter().map(|i| validator(*i).1).collect();
        assert_eq!(grandpa, wanted);
    });
}

#[test]
fn only_root_may_set_validators() {
    new_test_ext().execute_with(|| {
        assert_noop!(
            ValidatorSet::set_validators(RuntimeOrigin::signed(1), set(&[3])),
            BadOrigin
        );
    });
}

#[test]
fn empty_duplicate_oversized_and_back_to_back_sets_are_refused() {
    new_test_ext().execute_with(|| {
        assert_noop!(
            ValidatorSet::set_validators(RuntimeOrigin::root(), set(&[])),
            Error::<Test>::NoValidators
        );
        assert_noop!(
            ValidatorSet::set_validators(RuntimeOrigin::root(), set(&[3, 3])),
            Error::<Test>::DuplicateValidator
        );
        let same_grandpa = vec![validator(3), (validator(4).0, validator(3).1)];
        assert_noop!(
            ValidatorSet::change_validators(same_grandpa),
            Error::<Test>::DuplicateValidator
        );
        let too_many: Vec<_> = (1..=33).map(validator).collect();
        assert_noop!(
            ValidatorSet::change_validators(too_many),
            Error::<Test>::TooManyValidators
        );
        assert_eq!(ValidatorSet::change_validators(vec![validator(3)]), Ok(1));
        // A second change before this one is enacted (end of block) is refused.
        assert_noop!(
            ValidatorSet::set_validators(RuntimeOrigin::root(), set(&[4])),
            Error::<Test>::ChangePending
        );
    });
}

#[test]
fn storage_version_is_declared_and_upgrades_keep_it() {
    new_test_ext().execute_with(|| {
        assert_eq!(
            ValidatorSet::in_code_storage_version(),
            StorageVersion::new(0)
        );
        assert_eq!(
            ValidatorSet::on_chain_storage_version(),
            ValidatorSet::in_code_storage_version()
        );
        AllPalletsWithSystem::on_runtime_upgrade();
        assert_eq!(
            ValidatorSet::on_chain_storage_version(),
            ValidatorSet::in_code_storage_version()
        );
        assert_eq!(pallet_aura::Authorities::<Test>::get().len(), 2);
    });
}
