//! DAO proposals, their actions and tallies, and the seam through which the DAO changes the
//! market's parameters.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{traits::ConstU32, BoundedVec};
use scale_info::TypeInfo;
use sp_runtime::{DispatchError, Perbill};

use crate::JobType;

/// Identifier of a proposal: a counter, never reused.
pub type ProposalId = u32;

/// Most bytes of a proposal title.
pub const MAX_TITLE_LEN: u32 = 128;
/// Most bytes of a proposal description.
pub const MAX_DESCRIPTION_LEN: u32 = 4096;
/// Most authorities an authority-set proposal may name.
pub const MAX_PROPOSED_AUTHORITIES: u32 = 32;

/// A proposal title (UTF-8).
pub type Title = BoundedVec<u8, ConstU32<MAX_TITLE_LEN>>;
/// A proposal description (UTF-8).
pub type Description = BoundedVec<u8, ConstU32<MAX_DESCRIPTION_LEN>>;

/// One validator's consensus keys, as raw public keys.
#[derive(
    Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct AuthorityKeys {
    /// Aura (block authorship) sr25519 public key.
    pub aura: [u8; 32],
    /// GRANDPA (finality) ed25519 public key.
    pub grandpa: [u8; 32],
}

/// The list of validators an authority-set proposal installs.
pub type ProposedAuthorities = BoundedVec<AuthorityKeys, ConstU32<MAX_PROPOSED_AUTHORITIES>>;

/// What a proposal changes: the whitelist of governable parameters.
#[derive(
    Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub enum GovernanceAction<Balance, BlockNumber> {
    /// Set the miners' emission budget per era (receipts pallet `RewardAmount`): shared by
    /// the era's receipts pro rata to what their clients paid, each capped at the protocol fee
    /// its job burned.
    SetMinerReward(Balance),
    /// Set the minimum payment of a job type (jobs pallet).
    SetMinJobPayment {
        /// The job type.
        job_type: JobType,
        /// The new minimum.
        amount: Balance,
    },
    /// Set the blocks an assigned miner has to acknowledge a job (at least 1).
    SetAckTimeout(BlockNumber),
    /// Set the share of a miner's stake slashed per missed deadline.
    SetSlashShare(Perbill),
    /// Replace the validator set (Aura and GRANDPA authorities; at least one).
    SetAuthorities(ProposedAuthorities),
    /// Set the protocol fee: the share of every job payment burned (jobs pallet).
    SetProtocolFee(Perbill),
    /// A signal (text-only) proposal: voted, decided and recorded like any other, and nothing
    /// is enacted (a passed signal ends `SignalPassed`). Appended last, so no stored proposal
    /// changes its encoding.
    Signal,
    /// Approve a tool for agents to list (agents pallet). Appended after `Signal`, so no
    /// stored proposal changes its encoding.
    ApproveAgentTool(crate::ToolId),
    /// Revoke an agent tool: new agent versions cannot list it (agents pallet).
    RevokeAgentTool(crate::ToolId),
}

/// A stake-weighted vote.
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
pub enum VoteChoice {
    /// For.
    Yes,
    /// Against.
    No,
    /// Counts towards the quorum only.
    Abstain,
}

/// Sums of locked amounts per choice.
#[derive(
    Encode,
    Decode,
    DecodeWithMemTracking,
    Clone,
    PartialEq,
    Eq,
    Debug,
    Default,
    TypeInfo,
    MaxEncodedLen,
)]
pub struct Tally<Balance> {
    /// Amount voted yes.
    pub yes: Balance,
    /// Amount voted no.
    pub no: Balance,
    /// Amount voted abstain.
    pub abstain: Balance,
    /// Accounts with a vote.
    pub voters: u32,
}

/// Where a proposal is in its life.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub enum ProposalStatus<BlockNumber> {
    /// Open for votes until `voting_ends_at` (exclusive).
    Voting,
    /// Passed; enacted at `enact_at`.
    Approved {
        /// Block of enactment.
        enact_at: BlockNumber,
    },
    /// Passed and enacted.
    Enacted {
        /// Block of enactment.
        at: BlockNumber,
    },
    /// Passed, but applying the action failed (e.g. a GRANDPA change already pending).
    EnactmentFailed {
        /// Block of the attempt.
        at: BlockNumber,
    },
    /// Reached the quorum but not the approval threshold.
    Rejected,
    /// Did not reach the quorum.
    QuorumNotReached,
    /// A signal proposal passed: the decision is recorded, nothing is enacted. (Appended last,
    /// so no stored status changes its encoding.)
    SignalPassed {
        /// Block voting ended.
        at: BlockNumber,
    },
}

/// A proposal.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct Proposal<AccountId, Balance, BlockNumber> {
    /// Its identifier.
    pub id: ProposalId,
    /// Who proposed it and put up the deposit.
    pub proposer: AccountId,
    /// Title.
    pub title: Title,
    /// Description.
    pub description: Description,
    /// What it changes.
    pub action: GovernanceAction<Balance, BlockNumber>,
    /// Deposit held while voting; returned or slashed when voting ends.
    pub deposit: Balance,
    /// Turnout (yes + no + abstain) needed for the quorum: `Quorum` of the total issuance at
    /// submission, rounded up.
    pub quorum: Balance,
    /// Block of submission.
    pub created_at: BlockNumber,
    /// First block at which votes are no longer accepted; the result is decided then.
    pub voting_ends_at: BlockNumber,
    /// Current tally.
    pub tally: Tally<Balance>,
    /// Current status.
    pub status: ProposalStatus<BlockNumber>,
    /// Whether the deposit was slashed (decided when voting ends).
    pub deposit_slashed: bool,
}

/// A proposal as returned by the runtime API: the stored record plus derived facts.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct ProposalInfo<AccountId, Balance, BlockNumber> {
    /// The stored record.
    pub proposal: Proposal<AccountId, Balance, BlockNumber>,
    /// Turnout: yes + no + abstain.
    pub turnout: Balance,
    /// Whether the turnout reaches the quorum.
    pub quorum_reached: bool,
    /// Yes share of yes + no.
    pub approval: Perbill,
    /// Whether the proposal passes (or would pass if voting ended now).
    pub passing: bool,
    /// Whether the deposit is (or would be) slashed for a turnout far below the quorum.
    pub deposit_at_risk: bool,
}

/// How the DAO changes the market's parameters. Implemented by the runtime over the pallets'
/// root-settable parameters, so the DAO does not name the jobs, receipts or miners pallets.
pub trait GovernedParameters<Balance, BlockNumber> {
    /// Check an action before it is proposed (e.g. the authority keys are valid). Default:
    /// accept.
    fn validate(_action: &GovernanceAction<Balance, BlockNumber>) -> Result<(), DispatchError> {
        Ok(())
    }
    /// Apply an action.
    fn apply(action: &GovernanceAction<Balance, BlockNumber>) -> Result<(), DispatchError>;
}
