//! The runtime's storage migrations (`aitbc_runtime::Migrations`, run by the `Executive` on a
//! runtime upgrade) over the `dev` genesis: a chain left at the first storage versions (receipts,
//! jobs and `GovernanceTiming` at 0, the DAO's governed values under the old unhashed keys) is
//! brought to every pallet's in-code storage version with its state intact, and an upgrade of a
//! chain that is already current changes nothing.

mod common;

use aitbc_runtime::{
    genesis, governance, governance::timing, AccountId, Aura, Balances, Dao, ExecutionProfiles,
    Executive, GovernanceTiming, Grandpa, Jobs, Marketplace, Miners, Receipts, Runtime, Sudo,
    Swarms, System, Timestamp, TransactionPayment, ValidatorSet,
};
use frame_support::{
    storage::unhashed,
    traits::{Get, GetStorageVersion, PalletInfoAccess, StorageVersion},
};
use sp_keyring::Sr25519Keyring;
use sp_runtime::{Perbill, StateVersion};

/// `(pallet, on-chain version, in-code version)` of every pallet that declares a storage version.
/// The bound makes it a compile error to list a pallet without `#[pallet::storage_version]`.
fn versions() -> Vec<(&'static str, StorageVersion, StorageVersion)> {
    fn of<P: GetStorageVersion<InCodeStorageVersion = StorageVersion> + PalletInfoAccess>(
    ) -> (&'static str, StorageVersion, StorageVersion) {
        (
            P::name(),
            P::on_chain_storage_version(),
            P::in_code_storage_version(),
        )
    }
    vec![
        of::<Grandpa>(),
        of::<Balances>(),
        of::<Miners>(),
        of::<Jobs>(),
        of::<Receipts>(),
        of::<Marketplace>(),
        of::<Dao>(),
        of::<GovernanceTiming>(),
        of::<ValidatorSet>(),
        of::<ExecutionProfiles>(),
        of::<Swarms>(),
    ]
}

/// The on-chain versions of the pallets that declare none (polkadot-sdk's system, timestamp,
/// aura, transaction payment and sudo): 0, before and after any upgrade.
fn undeclared_versions() -> Vec<StorageVersion> {
    vec![
        System::on_chain_storage_version(),
        Timestamp::on_chain_storage_version(),
        Aura::on_chain_storage_version(),
        TransactionPayment::on_chain_storage_version(),
        Sudo::on_chain_storage_version(),
    ]
}

fn assert_all_current() {
    for (name, on_chain, in_code) in versions() {
        assert_eq!(on_chain, in_code, "{name}: on-chain storage version");
    }
    assert!(undeclared_versions()
        .iter()
        .all(|v| *v == StorageVersion::new(0)));
}

fn alice() -> AccountId {
    Sr25519Keyring::Alice.to_account_id()
}

#[test]
fn every_aitbc_pallet_declares_its_storage_version() {
    common::preset_ext(genesis::DEV).execute_with(|| {
        let declared: Vec<(&str, StorageVersion)> = versions()
            .into_iter()
            .skip(2)
            .map(|(name, _, in_code)| (name, in_code))
            .collect();
        let v = StorageVersion::new;
        assert_eq!(
            declared,
            vec![
                ("Miners", v(0)),
                ("Jobs", v(1)),
                ("Receipts", v(2)),
                ("Marketplace", v(0)),
                ("Dao", v(0)),
                ("GovernanceTiming", v(1)),
                ("ValidatorSet", v(0)),
                ("ExecutionProfiles", v(0)),
                ("Swarms", v(1)),
            ]
        );
        // Genesis writes the in-code versions.
        assert_all_current();
    });
}

#[test]
fn the_migrations_bring_a_first_release_chain_to_the_current_versions() {
    common::preset_ext(genesis::DEV).execute_with(|| {
        // The chain as the first release left it: the versioned pallets at 0, and the DAO's
        // enacted acknowledgement deadline and slash share under their old unhashed keys.
        StorageVersion::new(0).put::<Jobs>();
        StorageVersion::new(0).put::<Receipts>();
        StorageVersion::new(0).put::<GovernanceTiming>();
        StorageVersion::new(0).put::<Swarms>();
        // A swarm pool as version 0 stored it: agents were labels. "3" names agent #3 and is
        // kept; "agent-bob" names none, so Bob leaves the pool (and his memberships).
        let task_type: pallet_aitbc_swarms::TaskType = b"summarize".to_vec().try_into().unwrap();
        let bob = Sr25519Keyring::Bob.to_account_id();
        let charlie = Sr25519Keyring::Charlie.to_account_id();
        let old_member =
            |miner: &AccountId, label: &str| pallet_aitbc_swarms::migrations::v1::MemberV0 {
                miner: miner.clone(),
                agent_id: label.as_bytes().to_vec().try_into().unwrap(),
                profile: sp_core::H256::repeat_byte(1),
                joined_at: 1u32,
            };
        unhashed::put(
            &pallet_aitbc_swarms::Pools::<Runtime>::hashed_key_for(&task_type),
            &vec![old_member(&bob, "agent-bob"), old_member(&charlie, "3")],
        );
        for m in [&bob, &charlie] {
            pallet_aitbc_swarms::Memberships::<Runtime>::insert(
                m,
                frame_support::BoundedVec::truncate_from(vec![task_type.clone()]),
            );
        }
        unhashed::put(&timing::migrations::v1::old_ack_timeout_key(), &42u32);
        unhashed::put(
            &timing::migrations::v1::old_slash_share_key(),
            &Perbill::from_percent(25),
        );
        let balance = Balances::free_balance(alice());
        let voting_period = timing::VotingPeriod::<Runtime>::get();
        let authorities = pallet_aura::Authorities::<Runtime>::get();

        Executive::execute_on_runtime_upgrade();

        assert_all_current();
        let pool = pallet_aitbc_swarms::Pools::<Runtime>::get(&task_type);
        assert_eq!(pool.len(), 1);
        assert_eq!(
            (pool[0].miner.clone(), pool[0].agent_id),
            (charlie.clone(), 3)
        );
        assert!(pallet_aitbc_swarms::Memberships::<Runtime>::get(&bob).is_empty());
        assert_eq!(
            pallet_aitbc_swarms::Memberships::<Runtime>::get(&charlie).len(),
            1
        );
        // The governed values moved into typed storage; the old keys are gone.
        assert_eq!(timing::AckTimeout::<Runtime>::get(), Some(42));
        assert_eq!(
            timing::SlashShare::<Runtime>::get(),
            Some(Perbill::from_percent(25))
        );
        assert_eq!(governance::GovernedAckTimeout::get(), 42);
        assert_eq!(
            governance::GovernedSlashShare::get(),
            Perbill::from_percent(25)
        );
        assert!(!unhashed::exists(
            &timing::migrations::v1::old_ack_timeout_key()
        ));
        assert!(!unhashed::exists(
            &timing::migrations::v1::old_slash_share_key()
        ));
        // The rest of the state is untouched.
        assert_eq!(Balances::free_balance(alice()), balance);
        assert_eq!(timing::VotingPeriod::<Runtime>::get(), voting_period);
        assert_eq!(pallet_aura::Authorities::<Runtime>::get(), authorities);
    });
}

#[test]
fn a_chain_whose_dao_never_set_them_keeps_the_default_parameters() {
    common::preset_ext(genesis::DEV).execute_with(|| {
        StorageVersion::new(0).put::<GovernanceTiming>();
        Executive::execute_on_runtime_upgrade();
        assert_all_current();
        assert_eq!(timing::AckTimeout::<Runtime>::get(), None);
        assert_eq!(timing::SlashShare::<Runtime>::get(), None);
        assert_eq!(
            governance::GovernedAckTimeout::get(),
            aitbc_runtime::jobs::JobAckTimeout::get()
        );
        assert_eq!(
            governance::GovernedSlashShare::get(),
            aitbc_runtime::jobs::MinerSlashShare::get()
        );
    });
}

#[test]
fn upgrading_a_current_chain_changes_nothing() {
    common::preset_ext(genesis::DEV).execute_with(|| {
        let root = sp_io::storage::root(StateVersion::V1);
        Executive::execute_on_runtime_upgrade();
        assert_all_current();
        assert_eq!(sp_io::storage::root(StateVersion::V1), root);
    });
}
