//! The GPU marketplace (index 13) and the DAO (index 14), and the parameters the DAO governs.
//!
//! The DAO applies passed proposals through [`MarketParameters`] (the `GovernedParameters`
//! trait of `aitbc-primitives`), so it names none of the market pallets:
//! - miners' emission budget per era (`SetMinerReward`): `Receipts::set_reward` (root);
//! - protocol fee (`SetProtocolFee`): `Jobs::set_protocol_fee` (root);
//! - minimum job payment per job type: `Jobs::set_min_payment` (root);
//! - acknowledgement deadline and slash share: [`timing::AckTimeout`] and
//!   [`timing::SlashShare`], typed storage of the `GovernanceTiming` pallet that the jobs and
//!   miners pallets read as their `AckTimeout` / `SlashShare` (through [`GovernedAckTimeout`] and
//!   [`GovernedSlashShare`], which fall back to the runtime's defaults);
//! - validator set: `ValidatorSet::change_validators`, the same path as root's
//!   `set_validators`: `Aura::change_authorities` (effective from the next block; an Aura
//!   `AuthoritiesChange` digest is logged), `Grandpa::schedule_change` with no delay (a GRANDPA
//!   `ScheduledChange` digest; applied at the end of the block; fails while another change is
//!   pending) and the GRANDPA set id raised by one.
//!
//! The DAO's voting period and enactment delay are per chain, fixed at genesis:
//! [`DaoVotingPeriod`] / [`DaoEnactmentDelay`] read the [`timing`] pallet's genesis values
//! (index 15, `GovernanceTiming`) and default to an hour and ten minutes. The `dev` preset sets
//! short ones (see `genesis::DEV_VOTING_PERIOD`) so a whole proposal runs in about a minute. They
//! never change after genesis, so the DAO's end-of-voting and enactment queues stay in order.

use aitbc_primitives::{GovernanceAction, GovernedParameters};
use alloc::vec::Vec;
use frame_support::{
    parameter_types,
    traits::{ConstU32, Get},
};
use pallet_grandpa::AuthorityId as GrandpaId;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_core::{ed25519, sr25519};
use sp_runtime::{DispatchError, Perbill};

use super::{
    jobs::{JobAckTimeout, MinerSlashShare},
    Balance, Balances, BlockNumber, Jobs, Receipts, Runtime, RuntimeEvent, RuntimeHoldReason,
    RuntimeOrigin, AIT, HOURS, MINUTES,
};

/// Whether runtime storage can be read (inside block execution or a runtime call). Outside it
/// (e.g. building metadata natively) governed values read as their defaults.
fn in_externalities() -> bool {
    sp_externalities::with_externalities(|_| ()).is_some()
}

/// The acknowledgement deadline for assigned jobs, in blocks: governed by the DAO
/// ([`timing::AckTimeout`]); the runtime's `JobAckTimeout` until a proposal changes it.
pub struct GovernedAckTimeout;
impl Get<BlockNumber> for GovernedAckTimeout {
    fn get() -> BlockNumber {
        let default = JobAckTimeout::get();
        if !in_externalities() {
            return default;
        }
        timing::AckTimeout::<Runtime>::get().unwrap_or(default)
    }
}

/// The share of a miner's stake slashed per missed deadline: governed by the DAO
/// ([`timing::SlashShare`]); the runtime's `MinerSlashShare` until a proposal changes it.
pub struct GovernedSlashShare;
impl Get<Perbill> for GovernedSlashShare {
    fn get() -> Perbill {
        let default = MinerSlashShare::get();
        if !in_externalities() {
            return default;
        }
        timing::SlashShare::<Runtime>::get().unwrap_or(default)
    }
}

/// Most validators (the Aura and GRANDPA `MaxAuthorities`).
pub type MaxValidators = ConstU32<32>;

/// Applies passed DAO proposals to the market and the validator set.
pub struct MarketParameters;
impl GovernedParameters<Balance, BlockNumber> for MarketParameters {
    fn validate(action: &GovernanceAction<Balance, BlockNumber>) -> Result<(), DispatchError> {
        // A job's TTL must hold one block to be assigned, the acknowledgement window and the
        // run window (`Jobs::min_ttl`): an acknowledgement timeout that leaves no such TTL
        // under `JobMaxTtl` would refuse every job.
        if let GovernanceAction::SetAckTimeout(blocks) = action {
            let min_ttl = blocks
                .saturating_add(crate::jobs::JobMinRunWindow::get())
                .saturating_add(1);
            if min_ttl > crate::jobs::JobMaxTtl::get() {
                return Err(DispatchError::Other(
                    "acknowledgement timeout leaves no TTL under the longest one",
                ));
            }
        }
        if let GovernanceAction::SetAuthorities(list) = action {
            if list.len() > <MaxValidators as Get<u32>>::get() as usize {
                return Err(DispatchError::Other("too many validators"));
            }
            let mut aura: Vec<[u8; 32]> = list.iter().map(|k| k.aura).collect();
            aura.sort_unstable();
            aura.dedup();
            let mut grandpa: Vec<[u8; 32]> = list.iter().map(|k| k.grandpa).collect();
            grandpa.sort_unstable();
            grandpa.dedup();
            if aura.len() != list.len() || grandpa.len() != list.len() {
                return Err(DispatchError::Other("duplicate validator key"));
            }
        }
        Ok(())
    }

    fn apply(action: &GovernanceAction<Balance, BlockNumber>) -> Result<(), DispatchError> {
        match action {
            GovernanceAction::SetMinerReward(amount) => {
                Receipts::set_reward(RuntimeOrigin::root(), *amount)
            }
            GovernanceAction::SetMinJobPayment { job_type, amount } => {
                Jobs::set_min_payment(RuntimeOrigin::root(), *job_type, *amount)
            }
            GovernanceAction::SetAckTimeout(blocks) => {
                timing::AckTimeout::<Runtime>::put(*blocks);
                Ok(())
            }
            GovernanceAction::SetSlashShare(share) => {
                timing::SlashShare::<Runtime>::put(*share);
                Ok(())
            }
            GovernanceAction::SetProtocolFee(fee) => {
                Jobs::set_protocol_fee(RuntimeOrigin::root(), *fee)
            }
            // Never enacted (the DAO records a passed signal without enacting it); nothing to
            // change if it ever were.
            GovernanceAction::Signal => Ok(()),
            GovernanceAction::ApproveAgentTool(tool) => {
                crate::Agents::approve_tool(RuntimeOrigin::root(), tool.clone())
            }
            GovernanceAction::RevokeAgentTool(tool) => {
                crate::Agents::revoke_tool(RuntimeOrigin::root(), tool.clone())
            }
            GovernanceAction::SetAuthorities(list) => {
                Self::validate(action)?;
                // The one validator-set path (also root's `set_validators`): Aura, GRANDPA and
                // the GRANDPA set id change together.
                let validators: Vec<(AuraId, GrandpaId)> = list
                    .iter()
                    .map(|k| {
                        (
                            AuraId::from(sr25519::Public::from_raw(k.aura)),
                            GrandpaId::from(ed25519::Public::from_raw(k.grandpa)),
                        )
                    })
                    .collect();
                crate::ValidatorSet::change_validators(validators).map(|_| ())
            }
        }
    }
}

parameter_types! {
    /// Bookings are counted in hours of blocks.
    pub const MarketBlocksPerHour: BlockNumber = HOURS;
    /// A provider has ten minutes to confirm a booking.
    pub const BookingConfirmTimeout: BlockNumber = 10 * MINUTES;
    /// Smallest proposal deposit.
    pub const DaoMinDeposit: Balance = 100 * AIT;
    /// Smallest vote.
    pub const DaoMinVote: Balance = AIT;
    /// A vote locks at least 1/1024 of the proposal's quorum (`MaxVoters` = 1024): the votes
    /// that fill every voter slot then lock the whole quorum together, so 1,024 one-token
    /// voters can no longer lock real voters out; flooding the slots costs as much as
    /// deciding the proposal outright. (With a 10% quorum and 14 million AIT issued, as on
    /// the dev chain, about 1,367 AIT a vote.)
    pub const DaoVoteFloor: Perbill = Perbill::from_parts(976_563); // 1/1024, rounded up
    /// 10% of the issuance must vote.
    pub const DaoQuorum: Perbill = Perbill::from_percent(10);
    /// Simple majority of yes + no.
    pub const DaoApprovalThreshold: Perbill = Perbill::from_percent(50);
    /// Deposit slashed when fewer than half the quorum voted.
    pub const DaoSlashThreshold: Perbill = Perbill::from_percent(50);
}

/// Default DAO voting period (chains whose genesis sets none): an hour.
pub const DEFAULT_VOTING_PERIOD: BlockNumber = HOURS;
/// Default delay between the end of voting and enactment: ten minutes.
pub const DEFAULT_ENACTMENT_DELAY: BlockNumber = 10 * MINUTES;

/// The DAO's voting period: the chain's genesis value ([`timing::VotingPeriod`]), else
/// [`DEFAULT_VOTING_PERIOD`].
pub struct DaoVotingPeriod;
impl Get<BlockNumber> for DaoVotingPeriod {
    fn get() -> BlockNumber {
        if !in_externalities() {
            return DEFAULT_VOTING_PERIOD;
        }
        timing::VotingPeriod::<Runtime>::get().unwrap_or(DEFAULT_VOTING_PERIOD)
    }
}

/// Blocks between the end of voting and the enactment of a passed proposal: the chain's genesis
/// value ([`timing::EnactmentDelay`]), else [`DEFAULT_ENACTMENT_DELAY`].
pub struct DaoEnactmentDelay;
impl Get<BlockNumber> for DaoEnactmentDelay {
    fn get() -> BlockNumber {
        if !in_externalities() {
            return DEFAULT_ENACTMENT_DELAY;
        }
        timing::EnactmentDelay::<Runtime>::get().unwrap_or(DEFAULT_ENACTMENT_DELAY)
    }
}

pub mod timing;

impl timing::Config for Runtime {}

impl pallet_aitbc_marketplace::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type Currency = Balances;
    type RuntimeHoldReason = RuntimeHoldReason;
    type BlocksPerHour = MarketBlocksPerHour;
    type ConfirmTimeout = BookingConfirmTimeout;
    type MaxBookingHours = ConstU32<{ 24 * 30 }>;
    type MaxListingsPerProvider = ConstU32<32>;
    type MaxListingsPerModel = ConstU32<256>;
    type MaxRecentPrices = ConstU32<64>;
    type MaxScheduledPerBlock = ConstU32<32>;
    type WeightInfo = pallet_aitbc_marketplace::weights::SubstrateWeight<Runtime>;
}

impl pallet_aitbc_dao::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type Currency = Balances;
    type RuntimeHoldReason = RuntimeHoldReason;
    type Parameters = MarketParameters;
    type MinDeposit = DaoMinDeposit;
    type MinVote = DaoMinVote;
    type VotingPeriod = DaoVotingPeriod;
    type EnactmentDelay = DaoEnactmentDelay;
    type Quorum = DaoQuorum;
    type ApprovalThreshold = DaoApprovalThreshold;
    type SlashThreshold = DaoSlashThreshold;
    type MaxVoters = ConstU32<1024>;
    type VoteFloor = DaoVoteFloor;
    type MaxOpenProposals = ConstU32<64>;
    type MaxPerBlock = ConstU32<8>;
    type MaxUnlocksPerBlock = ConstU32<64>;
    type WeightInfo = pallet_aitbc_dao::weights::SubstrateWeight<Runtime>;
}
