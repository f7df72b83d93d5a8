//! The DAO (pallet `Dao`, index 14): proposal and vote call builders that check their inputs
//! before anything is signed, typed queries through the runtime's `DaoApi`
//! (`state_call("DaoApi_<method>", SCALE args)`), the DAO's rules and the governed parameters'
//! current values as the node reports them, and parsing of proposal actions.
//!
//! A proposal holds a deposit and is open for votes for the chain's voting period. Votes lock
//! tokens (one token, one vote) for yes, no or abstain. When voting ends, the proposal passes if
//! the turnout reaches the quorum and yes is more than the approval threshold of yes + no; a
//! passed proposal is enacted after the enactment delay.

use crate::error::{Error, Result};
use crate::metadata::NodeMetadata;
use crate::rpc::RpcClient;
use crate::runtime_api::DAO_API;
use crate::tx::TxOutcome;
use aitbc_runtime::{AccountId, Balance, BlockNumber, Runtime, RuntimeCall, RuntimeEvent};
use codec::{Decode, Encode};
use sp_runtime::Perbill;

pub use aitbc_primitives::{
    AuthorityKeys, GovernanceAction, JobType, ProposalId, ProposalStatus, Tally, VoteChoice,
    MAX_DESCRIPTION_LEN, MAX_PAGE, MAX_PROPOSED_AUTHORITIES, MAX_TITLE_LEN,
};

/// A proposal as this runtime stores it.
pub type Proposal = aitbc_primitives::Proposal<AccountId, Balance, BlockNumber>;
/// A proposal with its turnout, quorum status and (current or final) result (runtime API).
pub type ProposalInfo = aitbc_primitives::ProposalInfo<AccountId, Balance, BlockNumber>;
/// A governance action of this runtime.
pub type Action = GovernanceAction<Balance, BlockNumber>;

async fn api<A: Encode, R: Decode>(rpc: &RpcClient, method: &str, args: A) -> Result<R> {
    DAO_API.call(rpc, method, args, None).await
}

// ---- queries ----

/// One proposal with its tally and result (`None` if no proposal has that id).
pub async fn proposal(rpc: &RpcClient, id: ProposalId) -> Result<Option<ProposalInfo>> {
    api(rpc, "proposal", id).await
}

/// A proposal that must exist: `NotFound("proposal #7")` otherwise.
pub async fn existing_proposal(rpc: &RpcClient, id: ProposalId) -> Result<ProposalInfo> {
    proposal(rpc, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("proposal #{id}")))
}

/// Proposals with id `>= from`, ascending, at most `limit` (capped at `MAX_PAGE`).
pub async fn proposals(rpc: &RpcClient, from: ProposalId, limit: u32) -> Result<Vec<ProposalInfo>> {
    api(rpc, "proposals", (from, limit.min(MAX_PAGE))).await
}

/// Every proposal, ascending by id.
pub async fn all_proposals(rpc: &RpcClient) -> Result<Vec<ProposalInfo>> {
    let mut out: Vec<ProposalInfo> = Vec::new();
    let mut from = 0;
    loop {
        let page = proposals(rpc, from, MAX_PAGE).await?;
        let done = page.len() < MAX_PAGE as usize;
        if let Some(last) = page.last() {
            from = last.proposal.id.saturating_add(1);
        }
        out.extend(page);
        if done {
            return Ok(out);
        }
    }
}

/// Open proposals (voting, awaiting enactment, or unlocking votes), oldest first.
pub async fn open_proposals(rpc: &RpcClient) -> Result<Vec<ProposalInfo>> {
    api(rpc, "open_proposals", ()).await
}

/// An account's vote on a proposal while it is locked: `(choice, amount)`.
pub async fn vote_of(
    rpc: &RpcClient,
    id: ProposalId,
    who: &AccountId,
) -> Result<Option<(VoteChoice, Balance)>> {
    api(rpc, "vote_of", (id, who)).await
}

/// The DAO's rules as the node's runtime sets them (from its metadata, evaluated on the node,
/// so per-chain values such as the dev chain's short voting period are the chain's own).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DaoRules {
    /// Smallest proposal deposit.
    pub min_deposit: Balance,
    /// Smallest vote.
    pub min_vote: Balance,
    /// Blocks a proposal is open for votes.
    pub voting_period: BlockNumber,
    /// Blocks between the end of voting and enactment.
    pub enactment_delay: BlockNumber,
    /// Share of the total issuance that must vote.
    pub quorum: Perbill,
    /// Yes must be more than this share of yes + no.
    pub approval_threshold: Perbill,
    /// The deposit is slashed when the turnout is below this share of the quorum.
    pub slash_threshold: Perbill,
}

impl DaoRules {
    /// Reads the `Dao` constants from metadata.
    pub fn from_metadata(m: &NodeMetadata) -> Result<Self> {
        Ok(DaoRules {
            min_deposit: m.constant("Dao", "MinDeposit")?,
            min_vote: m.constant("Dao", "MinVote")?,
            voting_period: m.constant("Dao", "VotingPeriod")?,
            enactment_delay: m.constant("Dao", "EnactmentDelay")?,
            quorum: m.constant("Dao", "Quorum")?,
            approval_threshold: m.constant("Dao", "ApprovalThreshold")?,
            slash_threshold: m.constant("Dao", "SlashThreshold")?,
        })
    }

    /// Fetches the node's metadata and reads the rules from it.
    pub async fn fetch(rpc: &RpcClient) -> Result<Self> {
        Self::from_metadata(&NodeMetadata::fetch(rpc).await?)
    }
}

/// The current values of the parameters the DAO governs, read from the node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GovernedValues {
    /// Miners' emission budget per era (`Receipts.RewardAmount`), shared by the era's receipts
    /// pro rata to what their clients paid, each capped at its protocol fee.
    pub miner_reward: Balance,
    /// Minimum payment per job type (`Jobs.MinPayment`).
    pub min_job_payment: Vec<(JobType, Balance)>,
    /// Blocks an assigned miner has to acknowledge a job (`Jobs.AckTimeout`).
    pub ack_timeout: BlockNumber,
    /// Share of a miner's stake slashed per missed deadline (`Miners.SlashShare`).
    pub slash_share: Perbill,
}

/// Every job type, in declaration order.
pub const JOB_TYPES: [JobType; 6] = [
    JobType::Inference,
    JobType::Embedding,
    JobType::Training,
    JobType::Multimodal,
    JobType::Streaming,
    JobType::Agent,
];

/// The current emission budget per era (`Receipts.RewardAmount`, else the runtime's default).
pub async fn miner_reward(rpc: &RpcClient, meta: &NodeMetadata) -> Result<Balance> {
    let key = pallet_aitbc_receipts::RewardAmount::<Runtime>::hashed_key();
    match crate::state::fetch(rpc, &key, None, "Receipts.RewardAmount").await? {
        Some(v) => Ok(v),
        None => meta.constant("Receipts", "DefaultReward"),
    }
}

/// The governed parameters' current values.
pub async fn governed_values(rpc: &RpcClient, meta: &NodeMetadata) -> Result<GovernedValues> {
    let default_min: Balance = meta.constant("Jobs", "DefaultMinPayment")?;
    let mut min_job_payment = Vec::new();
    for t in JOB_TYPES {
        let key = pallet_aitbc_jobs::MinPayment::<Runtime>::hashed_key_for(t);
        let v: Option<Balance> = crate::state::fetch(rpc, &key, None, "Jobs.MinPayment").await?;
        min_job_payment.push((t, v.unwrap_or(default_min)));
    }
    Ok(GovernedValues {
        miner_reward: miner_reward(rpc, meta).await?,
        min_job_payment,
        ack_timeout: meta.constant("Jobs", "AckTimeout")?,
        slash_share: meta.constant("Miners", "SlashShare")?,
    })
}

// ---- inputs and call builders ----

/// A proposal title as the chain stores it (not empty, at most 128 bytes).
pub fn title(s: &str) -> Result<aitbc_primitives::Title> {
    let t = s.trim();
    if t.is_empty() {
        return Err(Error::InvalidInput("the title is empty".into()));
    }
    let len = t.len();
    t.as_bytes().to_vec().try_into().map_err(|_| {
        Error::InvalidInput(format!(
            "the title is {len} bytes; the limit is {MAX_TITLE_LEN}"
        ))
    })
}

/// A proposal description as the chain stores it (at most 4096 bytes).
pub fn description(s: &str) -> Result<aitbc_primitives::Description> {
    let len = s.len();
    s.as_bytes().to_vec().try_into().map_err(|_| {
        Error::InvalidInput(format!(
            "the description is {len} bytes; the limit is {MAX_DESCRIPTION_LEN}"
        ))
    })
}

/// `Dao::propose`: `deposit` is held until voting ends.
pub fn propose(
    title_text: &str,
    description_text: &str,
    action: Action,
    deposit: Balance,
) -> Result<RuntimeCall> {
    Ok(RuntimeCall::Dao(pallet_aitbc_dao::Call::propose {
        title: title(title_text)?,
        description: description(description_text)?,
        action,
        deposit,
    }))
}

/// `Dao::vote`: `amount` is locked until voting ends; voting again replaces the vote.
pub fn vote(proposal_id: ProposalId, choice: VoteChoice, amount: Balance) -> RuntimeCall {
    RuntimeCall::Dao(pallet_aitbc_dao::Call::vote {
        proposal_id,
        choice,
        amount,
    })
}

/// `Dao::unvote`: withdraw a vote while voting is open.
pub fn unvote(proposal_id: ProposalId) -> RuntimeCall {
    RuntimeCall::Dao(pallet_aitbc_dao::Call::unvote { proposal_id })
}

fn parse_job_type(s: &str) -> Result<JobType> {
    let l = s.trim().to_ascii_lowercase();
    JOB_TYPES
        .into_iter()
        .find(|t| crate::jobs::job_type_name(*t) == l)
        .ok_or_else(|| {
            Error::InvalidInput(format!(
                "job type {s:?} is not one of: {}",
                JOB_TYPES.map(crate::jobs::job_type_name).join(", ")
            ))
        })
}

/// Parses a percentage such as `10`, `10%` or `2.5%` (at most 7 decimals) exactly.
pub fn parse_percent(s: &str) -> Result<Perbill> {
    let bad = |why: &str| Error::InvalidInput(format!("percentage {s:?}: {why}"));
    let t = s.trim().trim_end_matches('%').trim();
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    if int.is_empty() && frac.is_empty() {
        return Err(bad("no digits"));
    }
    if !int.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad("expected a number such as 10 or 2.5%"));
    }
    if frac.len() > 7 {
        return Err(bad("at most 7 decimal places"));
    }
    let int_v: u64 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|_| bad("number too large"))?
    };
    let frac_v: u64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<7}")
            .parse()
            .map_err(|_| bad("invalid fraction"))?
    };
    let parts = int_v
        .checked_mul(10_000_000)
        .and_then(|v| v.checked_add(frac_v))
        .filter(|v| *v <= 1_000_000_000)
        .ok_or_else(|| bad("more than 100%"))?;
    Ok(Perbill::from_parts(parts as u32))
}

/// A 32-byte public key from SS58 or `0x` hex.
fn public_key(s: &str) -> Result<[u8; 32]> {
    let s = s.trim();
    if let Some(h) = s.strip_prefix("0x") {
        let bytes = hex::decode(h)
            .map_err(|e| Error::InvalidInput(format!("key {s:?} is not valid hex: {e}")))?;
        return bytes
            .try_into()
            .map_err(|_| Error::InvalidInput(format!("key {s:?} is not 32 bytes")));
    }
    let account = crate::keys::parse_address(s)?;
    Ok(account.into())
}

/// One validator: `//Name` (a dev URI: its sr25519 Aura and ed25519 GRANDPA keys), or
/// `AURA:GRANDPA` with each key as SS58 or `0x` hex.
fn authority(s: &str) -> Result<AuthorityKeys> {
    let s = s.trim();
    if s.starts_with("//") {
        use sp_core::Pair as _;
        let aura = crate::keys::pair_from_uri(s)?.public().0;
        let grandpa = sp_core::ed25519::Pair::from_string(s, None)
            .map_err(|e| Error::InvalidSecret(format!("{s}: {e:?}")))?
            .public()
            .0;
        return Ok(AuthorityKeys { aura, grandpa });
    }
    let (a, g) = s.split_once(':').ok_or_else(|| {
        Error::InvalidInput(format!(
            "validator {s:?}: expected AURA_KEY:GRANDPA_KEY (SS58 or 0x hex) or a dev URI such as //Alice"
        ))
    })?;
    Ok(AuthorityKeys {
        aura: public_key(a)?,
        grandpa: public_key(g)?,
    })
}

/// The accepted `--action` forms, for help and error messages.
pub const ACTION_FORMS: &str = "miner-reward=AIT, min-job-payment=JOB_TYPE:AIT, ack-timeout=BLOCKS, slash-share=PERCENT, protocol-fee=PERCENT, agent-tool-add=TOOL, agent-tool-remove=TOOL, validators=//Alice,//Bob (or AURA_KEY:GRANDPA_KEY,...)";

/// Parses a proposal action: `miner-reward=2.5`, `min-job-payment=inference:0.02`,
/// `ack-timeout=30`, `slash-share=10%`, `validators=//Alice,//Bob`.
pub fn parse_action(s: &str) -> Result<Action> {
    let (kind, value) = s.split_once('=').ok_or_else(|| {
        Error::InvalidInput(format!(
            "action {s:?}: expected KIND=VALUE, one of: {ACTION_FORMS}"
        ))
    })?;
    let value = value.trim();
    match kind.trim().to_ascii_lowercase().as_str() {
        "miner-reward" | "reward" => Ok(GovernanceAction::SetMinerReward(
            crate::amount::parse_amount(value)?,
        )),
        "min-job-payment" | "min-payment" => {
            let (t, amount) = value.split_once(':').ok_or_else(|| {
                Error::InvalidInput(format!(
                    "action {s:?}: expected min-job-payment=JOB_TYPE:AIT, e.g. min-job-payment=inference:0.02"
                ))
            })?;
            Ok(GovernanceAction::SetMinJobPayment {
                job_type: parse_job_type(t)?,
                amount: crate::amount::parse_amount(amount)?,
            })
        }
        "ack-timeout" => {
            let blocks: BlockNumber = value.parse().map_err(|_| {
                Error::InvalidInput(format!(
                    "action {s:?}: the acknowledgement timeout is a number of blocks"
                ))
            })?;
            if blocks == 0 {
                return Err(Error::InvalidInput(
                    "the acknowledgement timeout must be at least 1 block".into(),
                ));
            }
            Ok(GovernanceAction::SetAckTimeout(blocks))
        }
        "slash-share" => Ok(GovernanceAction::SetSlashShare(parse_percent(value)?)),
        "agent-tool-add" => Ok(GovernanceAction::ApproveAgentTool(tool_id(value)?)),
        "agent-tool-remove" => Ok(GovernanceAction::RevokeAgentTool(tool_id(value)?)),
        "protocol-fee" => Ok(GovernanceAction::SetProtocolFee(parse_percent(value)?)),
        "validators" | "authorities" => {
            let list = value
                .split(',')
                .filter(|x| !x.trim().is_empty())
                .map(authority)
                .collect::<Result<Vec<_>>>()?;
            if list.is_empty() {
                return Err(Error::InvalidInput(
                    "the validator set cannot be empty".into(),
                ));
            }
            let n = list.len();
            Ok(GovernanceAction::SetAuthorities(list.try_into().map_err(
                |_| {
                    Error::InvalidInput(format!(
                        "{n} validators; a proposal names at most {MAX_PROPOSED_AUTHORITIES}"
                    ))
                },
            )?))
        }
        other => Err(Error::InvalidInput(format!(
            "unknown action {other:?}: use one of {ACTION_FORMS}"
        ))),
    }
}

/// Whether voting on the proposal is over (its status is no longer `Voting`).
pub fn voting_ended(s: &ProposalStatus<BlockNumber>) -> bool {
    !matches!(s, ProposalStatus::Voting)
}

fn dao_event(e: &RuntimeEvent) -> Option<&pallet_aitbc_dao::Event<Runtime>> {
    match e {
        RuntimeEvent::Dao(ev) => Some(ev),
        _ => None,
    }
}

/// `(proposal_id, quorum, voting_ends_at)` from a `Dao::Proposed` event.
pub fn proposed(outcome: &TxOutcome) -> Option<(ProposalId, Balance, BlockNumber)> {
    outcome.find_event(|e| match dao_event(e)? {
        pallet_aitbc_dao::Event::Proposed {
            proposal_id,
            quorum,
            voting_ends_at,
            ..
        } => Some((*proposal_id, *quorum, *voting_ends_at)),
        _ => None,
    })
}

/// The amount minted by a `Receipts::RewardClaimed` event of a claim transaction.
pub fn reward_claimed(outcome: &TxOutcome) -> Option<Balance> {
    outcome.find_event(|e| match e {
        RuntimeEvent::Receipts(pallet_aitbc_receipts::Event::RewardClaimed { amount, .. }) => {
            Some(*amount)
        }
        _ => None,
    })
}

/// A tool id for an agent-tool action: `[a-z][a-z0-9_]*`, at most 32 bytes.
fn tool_id(value: &str) -> Result<aitbc_primitives::ToolId> {
    let value = value.trim();
    if !aitbc_primitives::is_valid_tool_id(value.as_bytes()) {
        return Err(Error::InvalidInput(format!(
            "tool id {value:?}: use lowercase letters, digits and '_', starting with a letter, \
             at most {} bytes (e.g. agent-tool-add=calculator)",
            aitbc_primitives::MAX_TOOL_ID_BYTES
        )));
    }
    value
        .as_bytes()
        .to_vec()
        .try_into()
        .map_err(|_| Error::InvalidInput(format!("tool id {value:?} is too long")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aitbc_runtime::AIT;

    #[test]
    fn actions() {
        assert_eq!(
            parse_action("miner-reward=5").unwrap(),
            GovernanceAction::SetMinerReward(5 * AIT)
        );
        assert_eq!(
            parse_action("min-job-payment=Inference:0.02").unwrap(),
            GovernanceAction::SetMinJobPayment {
                job_type: JobType::Inference,
                amount: 20 * AIT / 1000
            }
        );
        assert_eq!(
            parse_action("ack-timeout=30").unwrap(),
            GovernanceAction::SetAckTimeout(30)
        );
        assert_eq!(
            parse_action("agent-tool-add=calculator").unwrap(),
            GovernanceAction::ApproveAgentTool(b"calculator".to_vec().try_into().unwrap())
        );
        assert_eq!(
            parse_action("agent-tool-remove=chain_job").unwrap(),
            GovernanceAction::RevokeAgentTool(b"chain_job".to_vec().try_into().unwrap())
        );
        assert!(parse_action("agent-tool-add=Shell!").is_err());
        assert_eq!(
            parse_action("slash-share=2.5%").unwrap(),
            GovernanceAction::SetSlashShare(Perbill::from_parts(25_000_000))
        );
        let v = parse_action("validators=//Alice,//Bob").unwrap();
        match &v {
            GovernanceAction::SetAuthorities(list) => {
                assert_eq!(list.len(), 2);
                let alice = crate::keys::pair_from_uri("//Alice").unwrap();
                let alice_key: [u8; 32] = crate::keys::account_id(&alice).into();
                assert_eq!(list[0].aura, alice_key);
                assert_ne!(list[0].grandpa, list[0].aura);
            }
            other => panic!("{other:?}"),
        }
        let hex_pair = format!("0x{}:0x{}", "11".repeat(32), "22".repeat(32));
        match parse_action(&format!("validators={hex_pair}")).unwrap() {
            GovernanceAction::SetAuthorities(list) => {
                assert_eq!(list[0].aura, [0x11; 32]);
                assert_eq!(list[0].grandpa, [0x22; 32]);
            }
            other => panic!("{other:?}"),
        }
        for (bad, why) in [
            ("miner-reward", "KIND=VALUE"),
            ("pay-everyone=1", "unknown action"),
            ("miner-reward=-1", "negative"),
            ("min-job-payment=0.02", "JOB_TYPE:AIT"),
            ("min-job-payment=mining:1", "job type"),
            ("ack-timeout=0", "at least 1 block"),
            ("ack-timeout=soon", "number of blocks"),
            ("slash-share=101%", "more than 100%"),
            ("validators=", "cannot be empty"),
            ("validators=0x12:0x34", "not 32 bytes"),
            ("validators=5Grw", "AURA_KEY:GRANDPA_KEY"),
        ] {
            let e = parse_action(bad).unwrap_err().to_string();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn percentages() {
        assert_eq!(parse_percent("10").unwrap(), Perbill::from_percent(10));
        assert_eq!(parse_percent("100%").unwrap(), Perbill::one());
        assert_eq!(parse_percent("0.0000001").unwrap(), Perbill::from_parts(1));
        assert!(parse_percent("0.00000001").is_err());
        assert!(parse_percent("x").is_err());
        assert!(parse_percent("%").is_err());
    }

    #[test]
    fn proposal_inputs() {
        let call = propose(
            "Raise",
            "why",
            GovernanceAction::SetAckTimeout(3),
            100 * AIT,
        )
        .unwrap();
        assert_eq!(&call.encode()[..2], &[14, 0]);
        assert!(propose(" ", "", GovernanceAction::SetAckTimeout(3), 1)
            .unwrap_err()
            .to_string()
            .contains("title is empty"));
        let e = propose(&"t".repeat(129), "", GovernanceAction::SetAckTimeout(3), 1)
            .unwrap_err()
            .to_string();
        assert!(e.contains("129 bytes") && e.contains("128"), "{e}");
        let e = description(&"d".repeat(4097)).unwrap_err().to_string();
        assert!(e.contains("4097 bytes"), "{e}");
        assert_eq!(&vote(1, VoteChoice::Yes, AIT).encode()[..2], &[14, 1]);
        assert_eq!(&unvote(1).encode()[..2], &[14, 2]);
    }

    #[test]
    fn rules_from_the_runtime_metadata() {
        let m = NodeMetadata::local().unwrap();
        let r = DaoRules::from_metadata(&m).unwrap();
        assert_eq!(r.min_deposit, 100 * AIT);
        assert_eq!(r.min_vote, AIT);
        assert_eq!(r.quorum, Perbill::from_percent(10));
        // Outside a node (no chain state) the defaults apply.
        assert_eq!(
            r.voting_period,
            aitbc_runtime::governance::DEFAULT_VOTING_PERIOD
        );
        assert_eq!(
            r.enactment_delay,
            aitbc_runtime::governance::DEFAULT_ENACTMENT_DELAY
        );
    }
}
