//! Execution profiles in the real runtime: the dev preset registers the embedded backend's
//! profile at genesis; only active registered miners declare the profiles they run.

mod common;

use aitbc_primitives::{Hardware, ModelName};
use aitbc_runtime::{genesis, profiles, ExecutionProfiles, Miners, RuntimeOrigin, AIT};
use frame_support::{assert_noop, assert_ok, traits::PalletInfoAccess};
use pallet_aitbc_profiles::{profile_id, Error, ProfileList, Profiles};
use sp_keyring::Sr25519Keyring;

fn register_miner(who: Sr25519Keyring) {
    let model: ModelName = b"smollm2".to_vec().try_into().expect("short");
    assert_ok!(Miners::register(
        RuntimeOrigin::signed(who.to_account_id()),
        Hardware {
            gpu_model: b"RTX 4090".to_vec().try_into().expect("short"),
            gpu_count: 1,
            vram_mb: 24_576,
        },
        vec![model].try_into().expect("one"),
        AIT / 1_000,
        100 * AIT,
    ));
}

#[test]
fn execution_profiles_sit_at_index_17() {
    assert_eq!(
        (ExecutionProfiles::index(), ExecutionProfiles::name()),
        (17, "ExecutionProfiles")
    );
}

#[test]
fn the_dev_chain_knows_the_embedded_profile_and_its_miners_declare_it() {
    common::preset_ext(genesis::DEV).execute_with(|| {
        let id = profile_id(&profiles::smollm2_profile());
        let record = Profiles::<aitbc_runtime::Runtime>::get(id).expect("genesis profile");
        assert_eq!(record.owner, None);
        let list: ProfileList = vec![id].try_into().expect("one");
        let bob = Sr25519Keyring::Bob;
        assert_noop!(
            ExecutionProfiles::declare(RuntimeOrigin::signed(bob.to_account_id()), list.clone()),
            Error::<aitbc_runtime::Runtime>::NotAMiner
        );
        register_miner(bob);
        assert_ok!(ExecutionProfiles::declare(
            RuntimeOrigin::signed(bob.to_account_id()),
            list
        ));
        assert_eq!(ExecutionProfiles::miners_of(&id), vec![bob.to_account_id()]);
    });
}

#[test]
fn a_deregistered_miners_declarations_are_pruned_by_anyone_and_the_profile_can_retire() {
    common::preset_ext(genesis::DEV).execute_with(|| {
        type Runtime = aitbc_runtime::Runtime;
        let (alice, bob) = (
            Sr25519Keyring::Alice.to_account_id(),
            Sr25519Keyring::Bob.to_account_id(),
        );
        // Alice registers a profile (deposit held); Bob, a miner, runs it and the genesis one.
        let mut p = profiles::smollm2_profile();
        p.hardware_class = b"aarch64-cpu".to_vec().try_into().expect("short");
        let mine = profile_id(&p);
        let genesis_id = profile_id(&profiles::smollm2_profile());
        assert_ok!(ExecutionProfiles::register(
            RuntimeOrigin::signed(alice.clone()),
            p
        ));
        register_miner(Sr25519Keyring::Bob);
        let list: ProfileList = vec![genesis_id, mine].try_into().expect("two");
        assert_ok!(ExecutionProfiles::declare(
            RuntimeOrigin::signed(bob.clone()),
            list
        ));
        assert_noop!(
            ExecutionProfiles::prune_declarations(
                RuntimeOrigin::signed(alice.clone()),
                bob.clone()
            ),
            Error::<Runtime>::MinerStillActive
        );
        // Bob deregisters (unbonding): its declarations keep Alice's profile in use...
        assert_ok!(Miners::deregister(RuntimeOrigin::signed(bob.clone())));
        assert_noop!(
            ExecutionProfiles::retire(RuntimeOrigin::signed(alice.clone()), mine),
            Error::<Runtime>::ProfileInUse
        );
        // ...until anyone prunes them.
        assert_ok!(ExecutionProfiles::prune_declarations(
            RuntimeOrigin::signed(alice.clone()),
            bob.clone()
        ));
        assert!(ExecutionProfiles::miners_of(&genesis_id).is_empty());
        assert!(ExecutionProfiles::profiles_of(&bob).is_empty());
        assert_ok!(ExecutionProfiles::retire(
            RuntimeOrigin::signed(alice),
            mine
        ));
    });
}
