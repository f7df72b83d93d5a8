//! Runtime API of the AITBC DAO: typed queries for the CLI and explorers.
//!
//! [`DaoApi`]: proposals with their tallies, quorum status and (current or final) result.
//!
//! Paging: `from` is the first id to return (ascending; pass the last id seen + 1 for the next
//! page) and `limit` is capped at [`aitbc_primitives::MAX_PAGE`].
//!
//! Called through `state_call` as `DaoApi_<method>` with SCALE-encoded arguments.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use aitbc_primitives::{ProposalId, ProposalInfo};
use alloc::vec::Vec;
use codec::Codec;

sp_api::decl_runtime_apis! {
    /// Typed queries of the DAO.
    pub trait DaoApi<AccountId, Balance, BlockNumber>
    where
        AccountId: Codec,
        Balance: Codec,
        BlockNumber: Codec,
    {
        /// One proposal with its tally, turnout, quorum status and result.
        fn proposal(id: ProposalId) -> Option<ProposalInfo<AccountId, Balance, BlockNumber>>;
        /// Proposals with id `>= from`, ascending, at most `limit`.
        fn proposals(from: ProposalId, limit: u32) -> Vec<ProposalInfo<AccountId, Balance, BlockNumber>>;
        /// Open proposals (voting, awaiting enactment, or unlocking votes), oldest first.
        fn open_proposals() -> Vec<ProposalInfo<AccountId, Balance, BlockNumber>>;
        /// An account's vote on a proposal while it is locked: (choice, amount).
        fn vote_of(id: ProposalId, who: AccountId) -> Option<(aitbc_primitives::VoteChoice, Balance)>;
    }
}
