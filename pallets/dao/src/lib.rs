//! # AITBC DAO pallet
//!
//! Token holders govern the market's parameters: proposals with a deposit, stake-weighted
//! yes/no/abstain votes, and on-chain enactment of whitelisted parameter changes.
//!
//! ## Proposals
//! [`Pallet::propose`] takes a title, a description, a [`GovernanceAction`] from the whitelist
//! (miner reward per receipt, minimum job payment per job type, acknowledgement deadline, slash
//! share, validator set) and a deposit of at least [`Config::MinDeposit`], held with
//! [`HoldReason::ProposalDeposit`]. Voting is open for [`Config::VotingPeriod`] blocks.
//! At most [`Config::MaxOpenProposals`] proposals are open at once (a proposal is open from
//! submission until its votes are unlocked and, if it passed, it is enacted).
//!
//! A proposal with the action [`GovernanceAction::Signal`] is a signal (text-only) proposal:
//! the same deposit, vote, quorum and decision, and when it passes it ends
//! [`ProposalStatus::SignalPassed`](aitbc_primitives::ProposalStatus::SignalPassed) (event
//! `SignalPassed`) instead of being queued for enactment: nothing changes on chain but the
//! record of the decision. (`Signal` and `SignalPassed` were appended to their enums, so no
//! stored proposal changed its encoding and no migration was needed.)
//!
//! ## Votes
//! [`Pallet::vote`] locks `amount` (at least [`Pallet::min_vote`]: [`Config::MinVote`], and
//! [`Config::VoteFloor`] of the proposal's quorum) of the voter's balance with
//! [`HoldReason::VoteLock`] and counts it for `Yes`, `No` or `Abstain`: one token, one vote.
//! An account has one vote per proposal: voting again *replaces* the previous vote (the tally
//! drops the old amount and choice and adds the new ones; the lock is adjusted by the
//! difference), and [`Pallet::unvote`] withdraws it while voting is open. Locked amounts are
//! released automatically after voting ends (see *Bounded work per block*), never earlier.
//!
//! ## Decision (when voting ends)
//! With `turnout = yes + no + abstain` and `quorum = ceil(Quorum * total issuance at
//! submission)`:
//! - **quorum reached** iff `turnout >= quorum`;
//! - **passed** iff the quorum is reached and `yes > ApprovalThreshold * (yes + no)` (strictly
//!   more; abstentions count for the quorum only);
//! - a passed proposal is `Approved` and enacted [`Config::EnactmentDelay`] blocks later
//!   through [`Config::Parameters`] (`Enacted`, or `EnactmentFailed` if applying it fails);
//!   otherwise it is `Rejected` (quorum reached) or `QuorumNotReached`.
//!
//! **Deposit rule**: the deposit is returned when voting ends, unless the proposal failed the
//! quorum *badly*: `turnout < SlashThreshold * quorum` (e.g. with `SlashThreshold` = 50%, less
//! than half the quorum voted). Then the deposit is slashed: burned from the hold, so total
//! issuance falls by exactly that amount.
//!
//! ## Bounded work per block
//! Proposals end and are enacted in the order they were submitted (the voting period and the
//! enactment delay are constants), so both are FIFO queues. `on_initialize(n)` ends at most
//! [`Config::MaxPerBlock`] proposals whose voting ended by `n`, enacts at most `MaxPerBlock`
//! approved proposals due by `n`, and unlocks at most [`Config::MaxUnlocksPerBlock`] votes of
//! ended proposals; whatever is left waits for the next block.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod property_tests;
#[cfg(test)]
mod tests;

pub mod migrations;
pub mod process;
pub mod queries;
pub mod weights;

pub use weights::WeightInfo;

use aitbc_primitives::{GovernanceAction, Proposal};
use frame_support::traits::fungible;
use frame_system::pallet_prelude::BlockNumberFor;

/// Balance type of the configured currency.
pub type BalanceOf<T> =
    <<T as Config>::Currency as fungible::Inspect<<T as frame_system::Config>::AccountId>>::Balance;
/// A stored proposal.
pub type ProposalOf<T> =
    Proposal<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;
/// A proposal's action.
pub type ActionOf<T> = GovernanceAction<BalanceOf<T>, BlockNumberFor<T>>;

#[frame_support::pallet]
pub mod pallet {
    use super::*;
    use aitbc_primitives::{
        Description, GovernedParameters, ProposalId, ProposalStatus, Tally, Title, VoteChoice,
    };
    use frame_support::{
        pallet_prelude::*,
        traits::{
            fungible::{Inspect, MutateHold},
            tokens::{Fortitude, Precision, Preservation},
        },
    };
    use frame_system::pallet_prelude::*;
    use sp_runtime::{traits::Zero, Perbill, Saturating};

    /// Version 0: the first layout of the DAO's storage (see [`crate::migrations`]).
    const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

    #[pallet::pallet]
    #[pallet::storage_version(STORAGE_VERSION)]
    pub struct Pallet<T>(_);

    /// Why this pallet holds funds.
    #[pallet::composite_enum]
    pub enum HoldReason {
        /// A proposal's deposit, held until its voting ends.
        #[codec(index = 0)]
        ProposalDeposit,
        /// Amounts locked by votes, until the voting period of their proposal ends.
        #[codec(index = 1)]
        VoteLock,
    }

    /// One account's vote on one proposal.
    #[derive(
        Encode,
        Decode,
        DecodeWithMemTracking,
        Clone,
        Copy,
        PartialEq,
        Eq,
        Debug,
        TypeInfo,
        MaxEncodedLen,
    )]
    pub struct AccountVote<Balance> {
        /// Yes, no or abstain.
        pub choice: VoteChoice,
        /// Amount locked and counted.
        pub amount: Balance,
    }

    /// Configuration.
    #[pallet::config]
    pub trait Config: frame_system::Config {
        /// The overarching event type.
        #[allow(deprecated)]
        type RuntimeEvent: From<Event<Self>> + IsType<<Self as frame_system::Config>::RuntimeEvent>;
        /// The currency deposits and votes are held in.
        type Currency: Inspect<Self::AccountId>
            + fungible::Mutate<Self::AccountId>
            + MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;
        /// The overarching hold reason.
        type RuntimeHoldReason: From<HoldReason>;
        /// Where passed proposals are applied: the market's governable parameters.
        type Parameters: GovernedParameters<BalanceOf<Self>, BlockNumberFor<Self>>;
        /// Smallest proposal deposit.
        #[pallet::constant]
        type MinDeposit: Get<BalanceOf<Self>>;
        /// Smallest vote.
        #[pallet::constant]
        type MinVote: Get<BalanceOf<Self>>;
        /// Blocks a proposal is open for votes (at least 1).
        #[pallet::constant]
        type VotingPeriod: Get<BlockNumberFor<Self>>;
        /// Blocks between the end of voting and the enactment of a passed proposal (at least 1).
        #[pallet::constant]
        type EnactmentDelay: Get<BlockNumberFor<Self>>;
        /// Share of the total issuance that must vote (yes, no or abstain) for a quorum.
        #[pallet::constant]
        type Quorum: Get<Perbill>;
        /// A proposal passes when yes is strictly more than this share of yes + no.
        #[pallet::constant]
        type ApprovalThreshold: Get<Perbill>;
        /// The deposit is slashed when the turnout is below this share of the quorum.
        #[pallet::constant]
        type SlashThreshold: Get<Perbill>;
        /// Most accounts voting on one proposal.
        #[pallet::constant]
        type MaxVoters: Get<u32>;
        /// The least a vote may lock, as a share of the proposal's quorum (besides `MinVote`).
        /// With `1 / MaxVoters`, the votes that fill every voter slot lock at least the quorum
        /// together: locking voters out with dust costs as much as deciding the proposal.
        #[pallet::constant]
        type VoteFloor: Get<Perbill>;
        /// Most open proposals (voting, awaiting enactment, or unlocking votes).
        #[pallet::constant]
        type MaxOpenProposals: Get<u32>;
        /// Most proposals ended, and most enacted, per block.
        #[pallet::constant]
        type MaxPerBlock: Get<u32>;
        /// Most votes unlocked per block.
        #[pallet::constant]
        type MaxUnlocksPerBlock: Get<u32>;
        /// Weights of this pallet's calls and hooks.
        type WeightInfo: WeightInfo;
    }

    /// Next proposal id.
    #[pallet::storage]
    pub type NextProposalId<T: Config> = StorageValue<_, ProposalId, ValueQuery>;

    /// Proposals by id (kept after they end, for the record).
    #[pallet::storage]
    pub type Proposals<T: Config> = StorageMap<_, Twox64Concat, ProposalId, ProposalOf<T>>;

    /// Votes by proposal and account; removed as they are unlocked after voting ends.
    #[pallet::storage]
    pub type Votes<T: Config> = StorageDoubleMap<
        _,
        Twox64Concat,
        ProposalId,
        Blake2_128Concat,
        T::AccountId,
        AccountVote<BalanceOf<T>>,
    >;

    /// Open proposals, in submission order.
    #[pallet::storage]
    pub type OpenProposals<T: Config> =
        StorageValue<_, BoundedVec<ProposalId, T::MaxOpenProposals>, ValueQuery>;

    /// Proposals still voting, with the block their voting ends, in that (submission) order.
    #[pallet::storage]
    pub type VotingQueue<T: Config> = StorageValue<
        _,
        BoundedVec<(BlockNumberFor<T>, ProposalId), T::MaxOpenProposals>,
        ValueQuery,
    >;

    /// Approved proposals with the block they are enacted, in that order.
    #[pallet::storage]
    pub type EnactmentQueue<T: Config> = StorageValue<
        _,
        BoundedVec<(BlockNumberFor<T>, ProposalId), T::MaxOpenProposals>,
        ValueQuery,
    >;

    /// Ended proposals whose votes are still being unlocked, in order.
    #[pallet::storage]
    pub type UnlockQueue<T: Config> =
        StorageValue<_, BoundedVec<ProposalId, T::MaxOpenProposals>, ValueQuery>;

    /// Events.
    #[pallet::event]
    #[pallet::generate_deposit(pub(super) fn deposit_event)]
    pub enum Event<T: Config> {
        /// A proposal was submitted and its deposit put on hold.
        Proposed {
            proposal_id: ProposalId,
            proposer: T::AccountId,
            deposit: BalanceOf<T>,
            quorum: BalanceOf<T>,
            voting_ends_at: BlockNumberFor<T>,
        },
        /// A vote was cast or replaced; `amount` is locked.
        Voted {
            proposal_id: ProposalId,
            voter: T::AccountId,
            choice: VoteChoice,
            amount: BalanceOf<T>,
        },
        /// A vote was withdrawn and its lock released.
        VoteWithdrawn {
            proposal_id: ProposalId,
            voter: T::AccountId,
            amount: BalanceOf<T>,
        },
        /// Voting ended.
        VotingEnded {
            proposal_id: ProposalId,
            tally: Tally<BalanceOf<T>>,
            quorum_reached: bool,
            passed: bool,
        },
        /// A passed proposal will be enacted at `enact_at`.
        EnactmentScheduled {
            proposal_id: ProposalId,
            enact_at: BlockNumberFor<T>,
        },
        /// The deposit went back to the proposer.
        DepositReturned {
            proposal_id: ProposalId,
            proposer: T::AccountId,
            amount: BalanceOf<T>,
        },
        /// The deposit was slashed (burned) for a turnout far below the quorum.
        DepositSlashed {
            proposal_id: ProposalId,
            proposer: T::AccountId,
            amount: BalanceOf<T>,
        },
        /// A passed proposal's action was applied.
        Enacted { proposal_id: ProposalId },
        /// A signal proposal passed: recorded, nothing enacted.
        SignalPassed { proposal_id: ProposalId },
        /// Applying a passed proposal's action failed; nothing changed.
        EnactmentFailed {
            proposal_id: ProposalId,
            error: DispatchError,
        },
        /// A vote's lock was released after voting ended.
        VoteUnlocked {
            proposal_id: ProposalId,
            voter: T::AccountId,
            amount: BalanceOf<T>,
        },
    }

    /// Errors.
    #[pallet::error]
    pub enum Error<T> {
        /// The title is empty.
        EmptyTitle,
        /// The deposit is below `MinDeposit`.
        DepositTooLow,
        /// The account's free balance cannot cover the deposit or the vote.
        InsufficientBalance,
        /// The action's value is out of range (zero acknowledgement deadline, empty validator
        /// set).
        InvalidAction,
        /// `MaxOpenProposals` proposals are open; wait for one to finish.
        TooManyOpenProposals,
        /// No proposal with that id.
        UnknownProposal,
        /// The proposal's voting period is over.
        VotingClosed,
        /// The vote is below `MinVote`, or below `VoteFloor` of the proposal's quorum
        /// (`Pallet::min_vote`).
        VoteTooSmall,
        /// `MaxVoters` accounts already voted on this proposal.
        TooManyVoters,
        /// The account has no vote on this proposal.
        NotVoted,
    }

    #[pallet::hooks]
    impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
        fn on_initialize(n: BlockNumberFor<T>) -> Weight {
            Self::process_block(n)
        }

        fn integrity_test() {
            assert!(
                !T::VotingPeriod::get().is_zero(),
                "VotingPeriod must be at least one block"
            );
            assert!(
                !T::EnactmentDelay::get().is_zero(),
                "EnactmentDelay must be at least one block"
            );
            assert!(T::MaxPerBlock::get() > 0, "MaxPerBlock must be > 0");
            assert!(
                T::MaxUnlocksPerBlock::get() > 0,
                "MaxUnlocksPerBlock must be > 0"
            );
            assert!(!T::MinVote::get().is_zero(), "MinVote must be > 0");
        }
    }

    #[pallet::call]
    impl<T: Config> Pallet<T> {
        /// Submit a proposal and hold `deposit` (at least `MinDeposit`). Voting opens at once
        /// and ends `VotingPeriod` blocks from now.
        #[pallet::call_index(0)]
        #[pallet::weight(T::WeightInfo::propose(description.len() as u32))]
        pub fn propose(
            origin: OriginFor<T>,
            title: Title,
            description: Description,
            action: ActionOf<T>,
            deposit: BalanceOf<T>,
        ) -> DispatchResult {
            let proposer = ensure_signed(origin)?;
            ensure!(!title.is_empty(), Error::<T>::EmptyTitle);
            ensure!(deposit >= T::MinDeposit::get(), Error::<T>::DepositTooLow);
            Self::check_action(&action)?;
            let id = NextProposalId::<T>::get();
            OpenProposals::<T>::try_mutate(|open| open.try_push(id))
                .map_err(|_| Error::<T>::TooManyOpenProposals)?;
            // (All of a call's writes are undone when it fails.)
            let now = frame_system::Pallet::<T>::block_number();
            let voting_ends_at = now.saturating_add(T::VotingPeriod::get());
            // Cannot fail: the queue holds only open proposals, and there was room for one.
            VotingQueue::<T>::try_mutate(|q| q.try_push((voting_ends_at, id)))
                .map_err(|_| Error::<T>::TooManyOpenProposals)?;
            Self::hold(&HoldReason::ProposalDeposit, &proposer, deposit)?;
            NextProposalId::<T>::put(id.saturating_add(1));
            let quorum = T::Quorum::get().mul_ceil(T::Currency::total_issuance());
            Proposals::<T>::insert(
                id,
                Proposal {
                    id,
                    proposer: proposer.clone(),
                    title,
                    description,
                    action,
                    deposit,
                    quorum,
                    created_at: now,
                    voting_ends_at,
                    tally: Tally::default(),
                    status: ProposalStatus::Voting,
                    deposit_slashed: false,
                },
            );
            Self::deposit_event(Event::Proposed {
                proposal_id: id,
                proposer,
                deposit,
                quorum,
                voting_ends_at,
            });
            Ok(())
        }

        /// Vote `choice` with `amount` (at least `MinVote`), locked until voting ends. Voting
        /// again on the same proposal replaces the previous vote.
        #[pallet::call_index(1)]
        #[pallet::weight(T::WeightInfo::vote())]
        pub fn vote(
            origin: OriginFor<T>,
            proposal_id: ProposalId,
            choice: VoteChoice,
            amount: BalanceOf<T>,
        ) -> DispatchResult {
            let voter = ensure_signed(origin)?;
            ensure!(amount >= T::MinVote::get(), Error::<T>::VoteTooSmall);
            let mut proposal = Self::voting_proposal(proposal_id)?;
            ensure!(
                amount >= Self::min_vote_of(&proposal),
                Error::<T>::VoteTooSmall
            );
            let old = Votes::<T>::get(proposal_id, &voter);
            match old {
                Some(old) => {
                    Self::untally(&mut proposal.tally, &old);
                    if amount > old.amount {
                        Self::hold(
                            &HoldReason::VoteLock,
                            &voter,
                            amount.saturating_sub(old.amount),
                        )?;
                    } else {
                        Self::release(
                            &HoldReason::VoteLock,
                            &voter,
                            old.amount.saturating_sub(amount),
                        )?;
                    }
                }
                None => {
                    ensure!(
                        proposal.tally.voters < T::MaxVoters::get(),
                        Error::<T>::TooManyVoters
                    );
                    Self::hold(&HoldReason::VoteLock, &voter, amount)?;
                    proposal.tally.voters = proposal.tally.voters.saturating_add(1);
                }
            }
            let new = AccountVote { choice, amount };
            Self::add_tally(&mut proposal.tally, &new);
            Votes::<T>::insert(proposal_id, &voter, new);
            Proposals::<T>::insert(proposal_id, proposal);
            Self::deposit_event(Event::Voted {
                proposal_id,
                voter,
                choice,
                amount,
            });
            Ok(())
        }

        /// Withdraw a vote while voting is open; its lock is released.
        #[pallet::call_index(2)]
        #[pallet::weight(T::WeightInfo::unvote())]
        pub fn unvote(origin: OriginFor<T>, proposal_id: ProposalId) -> DispatchResult {
            let voter = ensure_signed(origin)?;
            let mut proposal = Self::voting_proposal(proposal_id)?;
            let old = Votes::<T>::get(proposal_id, &voter).ok_or(Error::<T>::NotVoted)?;
            Self::release(&HoldReason::VoteLock, &voter, old.amount)?;
            Self::untally(&mut proposal.tally, &old);
            proposal.tally.voters = proposal.tally.voters.saturating_sub(1);
            Votes::<T>::remove(proposal_id, &voter);
            Proposals::<T>::insert(proposal_id, proposal);
            Self::deposit_event(Event::VoteWithdrawn {
                proposal_id,
                voter,
                amount: old.amount,
            });
            Ok(())
        }
    }

    impl<T: Config> Pallet<T> {
        /// The proposal, if it exists and is open for votes now.
        /// The least a vote on `proposal` may lock: `MinVote`, and `VoteFloor` of its quorum
        /// (rounded up).
        pub(crate) fn min_vote_of(proposal: &ProposalOf<T>) -> BalanceOf<T> {
            T::VoteFloor::get()
                .mul_ceil(proposal.quorum)
                .max(T::MinVote::get())
        }

        fn voting_proposal(id: ProposalId) -> Result<ProposalOf<T>, DispatchError> {
            let proposal = Proposals::<T>::get(id).ok_or(Error::<T>::UnknownProposal)?;
            let now = frame_system::Pallet::<T>::block_number();
            ensure!(
                proposal.status == ProposalStatus::Voting && now < proposal.voting_ends_at,
                Error::<T>::VotingClosed
            );
            Ok(proposal)
        }

        /// Check an action's values, then ask the runtime.
        pub(crate) fn check_action(action: &ActionOf<T>) -> DispatchResult {
            match action {
                GovernanceAction::SetAckTimeout(blocks) => {
                    ensure!(!blocks.is_zero(), Error::<T>::InvalidAction)
                }
                GovernanceAction::SetAuthorities(list) => {
                    ensure!(!list.is_empty(), Error::<T>::InvalidAction)
                }
                GovernanceAction::ApproveAgentTool(tool)
                | GovernanceAction::RevokeAgentTool(tool) => ensure!(
                    aitbc_primitives::is_valid_tool_id(tool),
                    Error::<T>::InvalidAction
                ),
                GovernanceAction::SetMinerReward(_)
                | GovernanceAction::SetMinJobPayment { .. }
                | GovernanceAction::SetSlashShare(_)
                | GovernanceAction::SetProtocolFee(_)
                | GovernanceAction::Signal => {}
            }
            T::Parameters::validate(action)
        }

        /// Hold `amount` from `who` (failing cleanly when the free balance is short).
        pub(crate) fn hold(
            reason: &HoldReason,
            who: &T::AccountId,
            amount: BalanceOf<T>,
        ) -> DispatchResult {
            if amount.is_zero() {
                return Ok(());
            }
            let free =
                T::Currency::reducible_balance(who, Preservation::Protect, Fortitude::Polite);
            ensure!(free >= amount, Error::<T>::InsufficientBalance);
            T::Currency::hold(&(*reason).into(), who, amount)
                .map_err(|_| Error::<T>::InsufficientBalance)?;
            Ok(())
        }

        /// Release `amount` held from `who` for `reason`.
        pub(crate) fn release(
            reason: &HoldReason,
            who: &T::AccountId,
            amount: BalanceOf<T>,
        ) -> DispatchResult {
            if amount.is_zero() {
                return Ok(());
            }
            T::Currency::release(&(*reason).into(), who, amount, Precision::Exact)?;
            Ok(())
        }

        /// Remove a vote from a tally (not the voter count).
        pub(crate) fn untally(tally: &mut Tally<BalanceOf<T>>, vote: &AccountVote<BalanceOf<T>>) {
            let slot = match vote.choice {
                VoteChoice::Yes => &mut tally.yes,
                VoteChoice::No => &mut tally.no,
                VoteChoice::Abstain => &mut tally.abstain,
            };
            *slot = slot.saturating_sub(vote.amount);
        }

        /// Add a vote to a tally (not the voter count).
        pub(crate) fn add_tally(tally: &mut Tally<BalanceOf<T>>, vote: &AccountVote<BalanceOf<T>>) {
            let slot = match vote.choice {
                VoteChoice::Yes => &mut tally.yes,
                VoteChoice::No => &mut tally.no,
                VoteChoice::Abstain => &mut tally.abstain,
            };
            *slot = slot.saturating_add(vote.amount);
        }
    }
}
