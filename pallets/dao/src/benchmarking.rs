//! Benchmarks for `pallet-aitbc-dao` (frame-benchmarking v2): every call, plus the per-item
//! costs of `on_initialize` (ending a proposal's voting, enacting it, unlocking one vote).

use super::*;
use aitbc_primitives::{ProposalId, ProposalStatus, VoteChoice, MAX_DESCRIPTION_LEN};
use alloc::vec;
use frame_benchmarking::v2::*;
use frame_support::traits::{fungible::Mutate, Get, Hooks};
use frame_system::RawOrigin;
use sp_runtime::Saturating;

fn funded<T: Config>(name: &'static str, i: u32) -> T::AccountId {
    let who: T::AccountId = account(name, i, 0);
    let amount = T::MinDeposit::get()
        .saturating_add(T::MinVote::get())
        .saturating_mul(1_000u32.into());
    T::Currency::set_balance(&who, amount);
    who
}

fn proposed<T: Config>(d: u32) -> (T::AccountId, ProposalId) {
    let proposer = funded::<T>("proposer", 0);
    let id = NextProposalId::<T>::get();
    Pallet::<T>::propose(
        RawOrigin::Signed(proposer.clone()).into(),
        b"Increase Miner Rewards"
            .to_vec()
            .try_into()
            .expect("short"),
        vec![b'd'; d as usize].try_into().expect("within bound"),
        GovernanceAction::SetMinerReward(T::MinVote::get()),
        T::MinDeposit::get(),
    )
    .expect("proposes");
    (proposer, id)
}

#[benchmarks]
mod benchmarks {
    use super::*;

    #[benchmark]
    fn propose(d: Linear<0, MAX_DESCRIPTION_LEN>) {
        let proposer = funded::<T>("proposer", 0);
        #[extrinsic_call]
        _(
            RawOrigin::Signed(proposer),
            b"Increase Miner Rewards"
                .to_vec()
                .try_into()
                .expect("short"),
            vec![b'd'; d as usize].try_into().expect("within bound"),
            GovernanceAction::SetMinerReward(T::MinVote::get()),
            T::MinDeposit::get(),
        );
        assert!(Proposals::<T>::get(0).is_some());
    }

    #[benchmark]
    fn vote() {
        let (_, id) = proposed::<T>(0);
        let voter = funded::<T>("voter", 0);
        Pallet::<T>::vote(
            RawOrigin::Signed(voter.clone()).into(),
            id,
            VoteChoice::No,
            T::MinVote::get(),
        )
        .expect("votes");
        let amount = T::MinVote::get().saturating_mul(2u32.into());
        #[extrinsic_call]
        _(RawOrigin::Signed(voter), id, VoteChoice::Yes, amount);
        assert_eq!(Proposals::<T>::get(id).expect("exists").tally.yes, amount);
    }

    #[benchmark]
    fn unvote() {
        let (_, id) = proposed::<T>(0);
        let voter = funded::<T>("voter", 0);
        Pallet::<T>::vote(
            RawOrigin::Signed(voter.clone()).into(),
            id,
            VoteChoice::Yes,
            T::MinVote::get(),
        )
        .expect("votes");
        #[extrinsic_call]
        _(RawOrigin::Signed(voter), id);
        assert_eq!(Proposals::<T>::get(id).expect("exists").tally.voters, 0);
    }

    #[benchmark]
    fn on_initialize_base() {
        let n: BlockNumberFor<T> = 1u32.into();
        #[block]
        {
            Pallet::<T>::on_initialize(n);
        }
    }

    #[benchmark]
    fn end_voting() {
        let (_, id) = proposed::<T>(MAX_DESCRIPTION_LEN);
        let end = Proposals::<T>::get(id).expect("exists").voting_ends_at;
        #[block]
        {
            Pallet::<T>::end_voting(id, end);
        }
        assert!(Proposals::<T>::get(id).expect("exists").status != ProposalStatus::Voting);
    }

    #[benchmark]
    fn enact() {
        let (_, id) = proposed::<T>(MAX_DESCRIPTION_LEN);
        Proposals::<T>::mutate(id, |p| {
            if let Some(p) = p {
                p.status = ProposalStatus::Approved {
                    enact_at: 1u32.into(),
                };
            }
        });
        let n: BlockNumberFor<T> = 1u32.into();
        #[block]
        {
            Pallet::<T>::enact(id, n);
        }
        assert!(matches!(
            Proposals::<T>::get(id).expect("exists").status,
            ProposalStatus::Enacted { .. } | ProposalStatus::EnactmentFailed { .. }
        ));
    }

    #[benchmark]
    fn unlock_vote() {
        let (_, id) = proposed::<T>(0);
        let voter = funded::<T>("voter", 0);
        Pallet::<T>::vote(
            RawOrigin::Signed(voter.clone()).into(),
            id,
            VoteChoice::Yes,
            T::MinVote::get(),
        )
        .expect("votes");
        let end = Proposals::<T>::get(id).expect("exists").voting_ends_at;
        Pallet::<T>::end_voting(id, end);
        #[block]
        {
            Pallet::<T>::unlock_votes(1);
        }
        assert!(Votes::<T>::get(id, &voter).is_none());
    }

    // Native timings of the benchmarks above, used to fill `weights.rs` (see the
    // `aitbc-bench-timing` crate docs). Run with:
    // `cargo test --release -p pallet-aitbc-dao --features runtime-benchmarks -- --ignored --nocapture bench_timings`
    #[cfg(test)]
    aitbc_bench_timing::bench_timings!(
        crate::mock::new_test_ext,
        crate::mock::Test;
        propose,
        vote,
        unvote,
        on_initialize_base,
        end_voting,
        enact,
        unlock_vote,
    );

    impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
