//! `ValidatorSet::set_validators` inside the real runtime, over the `local` preset (Alice, Bob,
//! Charlie, Dave): root replaces Aura and GRANDPA authorities together, the GRANDPA change is
//! signalled in the block's digest and enacted in it with the next set id, and bad sets are refused.

mod common;

use aitbc_runtime::{genesis, Grandpa, RuntimeEvent, RuntimeOrigin, System, ValidatorSet};
use frame_support::{
    assert_noop, assert_ok,
    traits::{Hooks, PalletInfoAccess},
    BoundedVec,
};
use pallet_aitbc_validator_set as validators;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::{AuthorityId as GrandpaId, ConsensusLog, GRANDPA_ENGINE_ID};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};
use sp_runtime::{generic::DigestItem, traits::BadOrigin};

fn local_ext() -> sp_io::TestExternalities {
    common::preset_ext(genesis::LOCAL)
}

fn set(
    names: &[(Sr25519Keyring, Ed25519Keyring)],
) -> BoundedVec<(AuraId, GrandpaId), frame_support::traits::ConstU32<32>> {
    names
        .iter()
        .map(|(a, g)| (a.public().into(), g.public().into()))
        .collect::<Vec<_>>()
        .try_into()
        .expect("fits")
}

fn abc() -> BoundedVec<(AuraId, GrandpaId), frame_support::traits::ConstU32<32>> {
    set(&[
        (Sr25519Keyring::Alice, Ed25519Keyring::Alice),
        (Sr25519Keyring::Bob, Ed25519Keyring::Bob),
        (Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
    ])
}

#[test]
fn validator_set_sits_at_index_16() {
    assert_eq!(
        (ValidatorSet::index(), ValidatorSet::name()),
        (16, "ValidatorSet")
    );
}

#[test]
fn root_replaces_aura_and_grandpa_authorities_in_one_block() {
    local_ext().execute_with(|| {
        assert_eq!(pallet_aura::Authorities::<aitbc_runtime::Runtime>::get().len(), 4);
        assert_eq!(Grandpa::grandpa_authorities().len(), 4);
        assert_eq!(pallet_grandpa::CurrentSetId::<aitbc_runtime::Runtime>::get(), 0);
        assert_ok!(ValidatorSet::set_validators(RuntimeOrigin::root(), abc()));
        // Aura switches at once: the next block's author comes from the new set.
        assert_eq!(pallet_aura::Authorities::<aitbc_runtime::Runtime>::get().len(), 3);
        assert_eq!(pallet_grandpa::CurrentSetId::<aitbc_runtime::Runtime>::get(), 1);
        System::assert_last_event(RuntimeEvent::ValidatorSet(validators::Event::ValidatorsChanged {
            set_id: 1,
            validators: 3,
        }));
        // pallet-grandpa signals the change in this block and enacts it at its end.
        Grandpa::on_finalize(1);
        let grandpa: Vec<_> = Grandpa::grandpa_authorities().into_iter().map(|(id, _)| id).collect();
        assert_eq!(grandpa, abc().into_iter().map(|(_, g)| g).collect::<Vec<_>>());
        let signalled = System::digest().logs.iter().any(|d| match d {
            DigestItem::Consensus(id, data) if *id == GRANDPA_ENGINE_ID => matches!(
                codec::Decode::decode(&mut &data[..]),
                Ok(ConsensusLog::<u32>::ScheduledChange(c)) if c.delay == 0 && c.next_authorities.len() == 3
            ),
            _ => false,
        });
        assert!(signalled, "ScheduledChange digest: {:?}", System::digest());
    });
}

#[test]
fn only_root_may_change_validators() {
    local_ext().execute_with(|| {
        let alice = Sr25519Keyring::Alice.to_account_id();
        assert_noop!(
            ValidatorSet::set_validators(RuntimeOrigin::signed(alice), abc()),
            BadOrigin
        );
    });
}

#[test]
fn empty_duplicate_and_back_to_back_sets_are_refused() {
    local_ext().execute_with(|| {
        assert_noop!(
            ValidatorSet::set_validators(RuntimeOrigin::root(), set(&[])),
            validators::Error::<aitbc_runtime::Runtime>::NoValidators
        );
        let dup = set(&[
            (Sr25519Keyring::Alice, Ed25519Keyring::Alice),
            (Sr25519Keyring::Alice, Ed25519Keyring::Bob),
        ]);
        assert_noop!(
            ValidatorSet::set_validators(RuntimeOrigin::root(), dup),
            validators::Error::<aitbc_runtime::Runtime>::DuplicateValidator
        );
        let dup = set(&[
            (Sr25519Keyring::Alice, Ed25519Keyring::Bob),
            (Sr25519Keyring::Bob, Ed25519Keyring::Bob),
        ]);
        assert_noop!(
            ValidatorSet::set_validators(RuntimeOrigin::root(), dup),
            validators::Error::<aitbc_runtime::Runtime>::DuplicateValidator
        );
        assert_ok!(ValidatorSet::set_validators(RuntimeOrigin::root(), abc()));
        // A second change before this one is enacted (end of block) is refused.
        assert_noop!(
            ValidatorSet::set_validators(RuntimeOrigin::root(), abc()),
            validators::Error::<aitbc_runtime::Runtime>::ChangePending
        );
    });
}

/// Issue 11: the DAO's `SetAuthorities` takes the same path as `set_validators`. Enacted
/// through a whole proposal (propose, vote, pass, enact) on the dev chain: GRANDPA schedules
/// the change in the enacting block and applies it in that block's `on_finalize`, the set id
/// rises, and Aura's authorities change.
#[test]
fn a_dao_validator_change_moves_aura_grandpa_and_the_set_id() {
    use aitbc_primitives::{AuthorityKeys, GovernanceAction, ProposalStatus, VoteChoice};
    use aitbc_runtime::{Dao, RuntimeCall, AIT};
    use sp_runtime::traits::Dispatchable;
    type R = aitbc_runtime::Runtime;
    common::preset_ext(genesis::DEV).execute_with(|| {
        let before_aura = pallet_aura::Authorities::<R>::get().to_vec();
        let set_id = pallet_grandpa::CurrentSetId::<R>::get();
        let keys = |a: Sr25519Keyring, g: Ed25519Keyring| AuthorityKeys {
            aura: a.public().0,
            grandpa: g.public().0,
        };
        let list = vec![
            keys(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
            keys(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
        ];
        let propose = RuntimeCall::Dao(pallet_aitbc_dao::Call::propose {
            title: b"Add Bob".to_vec().try_into().unwrap(),
            description: b"Alice and Bob validate".to_vec().try_into().unwrap(),
            action: GovernanceAction::SetAuthorities(list.try_into().unwrap()),
            deposit: 1_000 * AIT,
        });
        let alice = Sr25519Keyring::Alice.to_account_id();
        assert_ok!(propose.dispatch(RuntimeOrigin::signed(alice)));
        for who in [Sr25519Keyring::Bob, Sr25519Keyring::Charlie] {
            let vote = RuntimeCall::Dao(pallet_aitbc_dao::Call::vote {
                proposal_id: 0,
                choice: VoteChoice::Yes,
                amount: 800_000 * AIT,
            });
            assert_ok!(vote.dispatch(RuntimeOrigin::signed(who.to_account_id())));
        }
        let end = 1 + genesis::DEV_VOTING_PERIOD + genesis::DEV_ENACTMENT_DELAY;
        for n in 2..end {
            System::set_block_number(n);
            Dao::on_initialize(n);
            Grandpa::on_finalize(n);
        }
        assert_eq!(pallet_grandpa::CurrentSetId::<R>::get(), set_id);
        // The enacting block.
        System::initialize(&end, &Default::default(), &Default::default());
        Dao::on_initialize(end);
        assert_eq!(
            Dao::proposal_info(0).unwrap().proposal.status,
            ProposalStatus::Enacted { at: end }
        );
        let aura: Vec<AuraId> = vec![
            Sr25519Keyring::Alice.public().into(),
            Sr25519Keyring::Bob.public().into(),
        ];
        assert_ne!(before_aura, aura);
        assert_eq!(pallet_aura::Authorities::<R>::get().to_vec(), aura);
        assert_eq!(pallet_grandpa::CurrentSetId::<R>::get(), set_id + 1);
        assert!(pallet_grandpa::PendingChange::<R>::get().is_some());
        System::assert_has_event(RuntimeEvent::ValidatorSet(
            validators::Event::ValidatorsChanged {
                set_id: set_id + 1,
                validators: 2,
            },
        ));
        // pallet-grandpa signals the change in the enacting block and applies it at its end.
        Grandpa::on_finalize(end);
        let signalled = System::digest().logs.iter().any(|d| match d {
            DigestItem::Consensus(id, data) if *id == GRANDPA_ENGINE_ID => matches!(
                codec::Decode::decode(&mut &data[..]),
                Ok(ConsensusLog::<u32>::ScheduledChange(c)) if c.delay == 0 && c.next_authorities.len() == 2
            ),
            _ => false,
        });
        assert!(signalled, "ScheduledChange digest: {:?}", System::digest());
        assert!(pallet_grandpa::PendingChange::<R>::get().is_none());
        let grandpa: Vec<GrandpaId> = Grandpa::grandpa_authorities()
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert_eq!(
            grandpa,
            vec![
                GrandpaId::from(Ed25519Keyring::Alice.public()),
                GrandpaId::from(Ed25519Keyring::Bob.public())
            ]
        );
    });
}
