//! The DAO inside the real runtime: per-chain timing from the genesis presets (the `dev` chain's
//! short voting period and enactment delay, the defaults elsewhere), and a proposal to raise
//! the miner reward passing and being enacted through the runtime's `MarketParameters`.

mod common;

use aitbc_primitives::{GovernanceAction, ProposalStatus, VoteChoice};
use aitbc_runtime::{
    genesis, governance, AccountId, Dao, GovernanceTiming, RuntimeCall, RuntimeOrigin, System, AIT,
};
use common::preset_ext;
use frame_support::traits::{Get, Hooks, PalletInfoAccess};
use sp_keyring::Sr25519Keyring;
use sp_runtime::traits::Dispatchable;

fn account(k: Sr25519Keyring) -> AccountId {
    k.to_account_id()
}

#[test]
fn governance_timing_sits_at_index_15() {
    assert_eq!(
        (GovernanceTiming::index(), GovernanceTiming::name()),
        (15, "GovernanceTiming")
    );
}

#[test]
fn dev_chain_has_short_dao_periods_and_others_the_defaults() {
    preset_ext(genesis::DEV).execute_with(|| {
        assert_eq!(
            governance::DaoVotingPeriod::get(),
            genesis::DEV_VOTING_PERIOD
        );
        assert_eq!(
            governance::DaoEnactmentDelay::get(),
            genesis::DEV_ENACTMENT_DELAY
        );
    });
    preset_ext(genesis::LOCAL).execute_with(|| {
        assert_eq!(
            governance::DaoVotingPeriod::get(),
            governance::DEFAULT_VOTING_PERIOD
        );
        assert_eq!(
            governance::DaoEnactmentDelay::get(),
            governance::DEFAULT_ENACTMENT_DELAY
        );
    });
    // Outside any chain state (e.g. the CLI building metadata natively): the defaults.
    assert_eq!(
        governance::DaoVotingPeriod::get(),
        governance::DEFAULT_VOTING_PERIOD
    );
}

#[test]
fn a_passed_proposal_raises_the_miner_reward_on_the_dev_chain() {
    preset_ext(genesis::DEV).execute_with(|| {
        let (alice, bob, charlie) = (
            account(Sr25519Keyring::Alice),
            account(Sr25519Keyring::Bob),
            account(Sr25519Keyring::Charlie),
        );
        // Issue 11: the reward is now an emission budget per era (50 AIT an hour by default).
        assert_eq!(
            pallet_aitbc_receipts::RewardAmount::<aitbc_runtime::Runtime>::get(),
            50 * AIT
        );
        let propose = RuntimeCall::Dao(pallet_aitbc_dao::Call::propose {
            title: b"Increase Miner Rewards".to_vec().try_into().unwrap(),
            description: b"60 AIT per era".to_vec().try_into().unwrap(),
            action: GovernanceAction::SetMinerReward(60 * AIT),
            deposit: 1_000 * AIT,
        });
        assert!(propose.dispatch(RuntimeOrigin::signed(alice)).is_ok());
        let p = Dao::proposal_info(0).expect("proposal 0");
        assert_eq!(p.proposal.voting_ends_at, 1 + genesis::DEV_VOTING_PERIOD);
        for who in [bob, charlie] {
            let vote = RuntimeCall::Dao(pallet_aitbc_dao::Call::vote {
                proposal_id: 0,
                choice: VoteChoice::Yes,
                amount: 800_000 * AIT,
            });
            assert!(vote.dispatch(RuntimeOrigin::signed(who)).is_ok());
        }
        assert!(Dao::proposal_info(0).unwrap().passing);
        let end = 1 + genesis::DEV_VOTING_PERIOD + genesis::DEV_ENACTMENT_DELAY;
        for n in 2..=end {
            System::set_block_number(n);
            Dao::on_initialize(n);
        }
        assert_eq!(
            Dao::proposal_info(0).unwrap().proposal.status,
            ProposalStatus::Enacted { at: end }
        );
        assert_eq!(
            pallet_aitbc_receipts::RewardAmount::<aitbc_runtime::Runtime>::get(),
            60 * AIT
        );
    });
}

/// Issue 11 (cheap state): a vote locks at least 1/1024 of the quorum, so the 1,024 voter slots
/// cannot be filled with one-token votes.
#[test]
fn one_token_votes_cannot_fill_the_voter_slots() {
    preset_ext(genesis::DEV).execute_with(|| {
        let alice = account(Sr25519Keyring::Alice);
        let propose = RuntimeCall::Dao(pallet_aitbc_dao::Call::propose {
            title: b"Shorter deadline".to_vec().try_into().unwrap(),
            description: b"".to_vec().try_into().unwrap(),
            action: GovernanceAction::SetAckTimeout(20),
            deposit: 1_000 * AIT,
        });
        assert!(propose.dispatch(RuntimeOrigin::signed(alice)).is_ok());
        let quorum = Dao::proposal_info(0).unwrap().proposal.quorum;
        let floor = Dao::min_vote(0).unwrap();
        let slots: u32 = <aitbc_runtime::Runtime as pallet_aitbc_dao::Config>::MaxVoters::get();
        assert!(
            floor * slots as u128 >= quorum,
            "floor {floor} x {slots} < quorum {quorum}"
        );
        assert!(floor > AIT);
        let dust = RuntimeCall::Dao(pallet_aitbc_dao::Call::vote {
            proposal_id: 0,
            choice: VoteChoice::No,
            amount: AIT,
        });
        assert!(dust
            .dispatch(RuntimeOrigin::signed(account(Sr25519Keyring::Bob)))
            .is_err());
        let real = RuntimeCall::Dao(pallet_aitbc_dao::Call::vote {
            proposal_id: 0,
            choice: VoteChoice::Yes,
            amount: floor,
        });
        assert!(real
            .dispatch(RuntimeOrigin::signed(account(Sr25519Keyring::Bob)))
            .is_ok());
    });
}

/// Issue 11 (free slashing): an acknowledgement timeout that leaves no room for the run window
/// under the longest TTL would refuse every job; such a proposal is refused.
#[test]
fn an_ack_timeout_leaving_no_ttl_is_refused() {
    preset_ext(genesis::DEV).execute_with(|| {
        let propose = |blocks| {
            RuntimeCall::Dao(pallet_aitbc_dao::Call::propose {
                title: b"Ack".to_vec().try_into().unwrap(),
                description: b"".to_vec().try_into().unwrap(),
                action: GovernanceAction::SetAckTimeout(blocks),
                deposit: 1_000 * AIT,
            })
            .dispatch(RuntimeOrigin::signed(account(Sr25519Keyring::Alice)))
        };
        let max = aitbc_runtime::jobs::JobMaxTtl::get();
        let run = aitbc_runtime::jobs::JobMinRunWindow::get();
        assert!(propose(max).is_err());
        assert!(propose(max - run).is_err());
        assert!(propose(max - run - 1).is_ok());
    });
}

/// The DAO's acknowledgement deadline and slash share: one path each, from an enacted proposal
/// (`MarketParameters::apply`) into the `GovernanceTiming` pallet's typed storage, read by the
/// jobs and miners pallets; the runtime's defaults until then, and outside any chain state.
#[test]
fn enacted_ack_timeout_and_slash_share_are_what_the_market_reads() {
    use aitbc_primitives::GovernedParameters;
    use aitbc_runtime::jobs::{JobAckTimeout, MinerSlashShare};
    use sp_runtime::Perbill;
    type R = aitbc_runtime::Runtime;
    preset_ext(genesis::DEV).execute_with(|| {
        assert_eq!(
            <R as pallet_aitbc_jobs::Config>::AckTimeout::get(),
            JobAckTimeout::get()
        );
        assert_eq!(
            <R as pallet_aitbc_miners::Config>::SlashShare::get(),
            MinerSlashShare::get()
        );
        assert!(governance::MarketParameters::apply(&GovernanceAction::SetAckTimeout(45)).is_ok());
        assert!(
            governance::MarketParameters::apply(&GovernanceAction::SetSlashShare(
                Perbill::from_percent(20)
            ))
            .is_ok()
        );
        assert_eq!(governance::timing::AckTimeout::<R>::get(), Some(45));
        assert_eq!(
            governance::timing::SlashShare::<R>::get(),
            Some(Perbill::from_percent(20))
        );
        assert_eq!(<R as pallet_aitbc_jobs::Config>::AckTimeout::get(), 45);
        assert_eq!(
            <R as pallet_aitbc_miners::Config>::SlashShare::get(),
            Perbill::from_percent(20)
        );
    });
    assert_eq!(governance::GovernedAckTimeout::get(), JobAckTimeout::get());
    assert_eq!(
        governance::GovernedSlashShare::get(),
        MinerSlashShare::get()
    );
}
