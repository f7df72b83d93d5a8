//! `aitbc governance ...`: DAO proposals that change the market's parameters. `propose` holds a
//! deposit and opens a vote; `vote` locks tokens for yes, no or abstain; `result` shows the
//! tallies, the quorum and the decision; `list` all proposals; `params` the DAO's rules and the
//! current values of the governed parameters.

use crate::context::Ctx;
use crate::names;
use crate::output::{table, Report};
use crate::parse;
use crate::submit::{send_call, wallet_account, SendOpts};
use crate::timeline::{blocks_text, Clock};
use aitbc_client::{
    amount::{format_amount, format_amount_json},
    governance::{
        self as gov, Action, DaoRules, GovernanceAction, ProposalId, ProposalInfo, ProposalStatus,
        VoteChoice,
    },
    keys,
    metadata::NodeMetadata,
    rpc::RpcClient,
    runtime::Balance,
};
use anyhow::{bail, Context as _, Result};
use clap::{Args, Subcommand};
use serde_json::{json, Value};

#[derive(Subcommand, Debug)]
pub enum GovernanceCmd {
    /// Submit a proposal: its deposit is held until voting ends, and voting opens at once.
    #[command(
        after_help = "Examples:\n  aitbc governance propose --title \"Increase Miner Rewards\" --description \"Proposal to increase base reward by 5%\" --amount 1000\n  aitbc governance propose --title \"Increase Miner Rewards\" --description \"Reward 2 AIT per receipt\" --amount 1000 --action miner-reward=2\n  aitbc governance propose --title \"Cheaper embeddings\" --amount 100 --action min-job-payment=embedding:0.005\n\nActions: miner-reward=AIT, min-job-payment=JOB_TYPE:AIT, ack-timeout=BLOCKS,\n         slash-share=PERCENT, protocol-fee=PERCENT, agent-tool-add=TOOL, agent-tool-remove=TOOL,\n         validators=//Alice,//Bob (or AURA_KEY:GRANDPA_KEY,...)"
    )]
    Propose(ProposeArgs),
    /// Vote on a proposal: the amount is locked until voting ends (one token, one vote).
    #[command(after_help = "Example:\n  aitbc governance vote 0 --vote yes --amount 500")]
    Vote(VoteArgs),
    /// Withdraw this wallet's vote while voting is open; the lock is released.
    #[command(after_help = "Example:\n  aitbc governance unvote 0")]
    Unvote(UnvoteArgs),
    /// A proposal's tallies, quorum, approval and (once voting ended) decision.
    #[command(after_help = "Example:\n  aitbc governance result 0")]
    Result(ResultArgs),
    /// All proposals, newest first.
    #[command(after_help = "Example:\n  aitbc governance list --open")]
    List(ListArgs),
    /// The DAO's rules and the current values of the parameters it governs.
    #[command(after_help = "Example:\n  aitbc governance params")]
    Params(ParamsArgs),
}

impl GovernanceCmd {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        match self {
            GovernanceCmd::Propose(a) => a.run(ctx).await,
            GovernanceCmd::Vote(a) => a.run(ctx).await,
            GovernanceCmd::Unvote(a) => a.run(ctx).await,
            GovernanceCmd::Result(a) => a.run(ctx).await,
            GovernanceCmd::List(a) => a.run(ctx).await,
            GovernanceCmd::Params(a) => a.run(ctx).await,
        }
    }
}

/// `aitbc governance propose`.
#[derive(Args, Debug)]
pub struct ProposeArgs {
    /// Title (at most 128 bytes).
    #[arg(long)]
    pub title: String,
    /// Description (at most 4096 bytes).
    #[arg(long, default_value = "")]
    pub description: String,
    /// Deposit to hold, in AIT (at least the DAO's minimum; returned when voting ends unless
    /// the turnout is far below the quorum).
    #[arg(long, value_parser = parse::positive_amount)]
    pub amount: Balance,
    /// The parameter change enacted if the proposal passes, e.g. miner-reward=2. Without
    /// it the proposal is a signal: voted and decided the same way, the decision recorded
    /// on chain ("signal: passed" / "signal: rejected"), nothing enacted.
    #[arg(long, value_parser = gov::parse_action)]
    pub action: Option<Action>,
}

/// `aitbc governance vote`.
#[derive(Args, Debug)]
pub struct VoteArgs {
    /// Proposal id.
    #[arg(value_parser = parse::proposal_id)]
    pub proposal_id: ProposalId,
    /// yes, no or abstain.
    #[arg(long, value_parser = parse::vote)]
    pub vote: VoteChoice,
    /// Amount to lock and count, in AIT.
    #[arg(long, value_parser = parse::positive_amount)]
    pub amount: Balance,
}

/// `aitbc governance unvote`.
#[derive(Args, Debug)]
pub struct UnvoteArgs {
    /// Proposal id.
    #[arg(value_parser = parse::proposal_id)]
    pub proposal_id: ProposalId,
}

/// `aitbc governance result`.
#[derive(Args, Debug)]
pub struct ResultArgs {
    /// Proposal id.
    #[arg(value_parser = parse::proposal_id)]
    pub proposal_id: ProposalId,
}

/// `aitbc governance list`.
#[derive(Args, Debug)]
pub struct ListArgs {
    /// Only open proposals (voting, awaiting enactment or unlocking votes).
    #[arg(long)]
    pub open: bool,
    /// At most this many proposals.
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
}

/// `aitbc governance params`.
#[derive(Args, Debug)]
pub struct ParamsArgs {}

// ---- rendering ----

fn action_json(a: &Action) -> Value {
    let value = match a {
        GovernanceAction::SetMinerReward(v) => json!(format_amount_json(*v)),
        GovernanceAction::SetMinJobPayment { job_type, amount } => json!({
            "job_type": aitbc_client::jobs::job_type_name(*job_type),
            "amount": format_amount_json(*amount),
        }),
        GovernanceAction::SetAckTimeout(b) => json!(b),
        GovernanceAction::SetSlashShare(p) => json!(names::percent_text(*p)),
        GovernanceAction::SetProtocolFee(p) => json!(names::percent_text(*p)),
        GovernanceAction::Signal => Value::Null,
        GovernanceAction::ApproveAgentTool(t) | GovernanceAction::RevokeAgentTool(t) => {
            json!(String::from_utf8_lossy(t))
        }
        GovernanceAction::SetAuthorities(list) => json!(list
            .iter()
            .map(|k| json!({
                "aura": keys::to_ss58(&aitbc_client::runtime::AccountId::from(k.aura)),
                "grandpa": format!("0x{}", hex::encode(k.grandpa)),
            }))
            .collect::<Vec<_>>()),
    };
    json!({"kind": names::action_kind(a), "value": value, "text": names::action_text(a)})
}

fn deposit_status(info: &ProposalInfo) -> &'static str {
    match info.proposal.status {
        ProposalStatus::Voting => "held",
        _ if info.proposal.deposit_slashed => "slashed",
        _ => "returned",
    }
}

fn enactment_blocks(s: &ProposalStatus<u32>) -> (Option<u32>, Option<u32>) {
    match s {
        ProposalStatus::Approved { enact_at } => (Some(*enact_at), None),
        ProposalStatus::Enacted { at } => (None, Some(*at)),
        _ => (None, None),
    }
}

/// A proposal with its tally and result, as stable JSON.
pub fn proposal_json(info: &ProposalInfo, rules: &DaoRules) -> Value {
    let p = &info.proposal;
    let (enact_at, enacted_at) = enactment_blocks(&p.status);
    let failed_at = match p.status {
        ProposalStatus::EnactmentFailed { at } => Some(at),
        _ => None,
    };
    json!({
        "proposal_id": p.id,
        "title": names::text(&p.title),
        "description": names::text(&p.description),
        "action": action_json(&p.action),
        "proposer": keys::to_ss58(&p.proposer),
        "deposit": format_amount_json(p.deposit),
        "deposit_status": deposit_status(info),
        "status": names::proposal_status_name(&p.status),
        "decision": names::decision(&p.status),
        "signal": p.action == GovernanceAction::Signal,
        "result": names::signal_result(p),
        "created_at": p.created_at,
        "voting_ends_at": p.voting_ends_at,
        "enact_at": enact_at,
        "enacted_at": enacted_at,
        "enactment_failed_at": failed_at,
        "yes": format_amount_json(p.tally.yes),
        "no": format_amount_json(p.tally.no),
        "abstain": format_amount_json(p.tally.abstain),
        "voters": p.tally.voters,
        "turnout": format_amount_json(info.turnout),
        "quorum": format_amount_json(p.quorum),
        "quorum_reached": info.quorum_reached,
        "approval": names::percent_text(info.approval),
        "approval_threshold": names::percent_text(rules.approval_threshold),
        "passing": info.passing,
        "deposit_at_risk": info.deposit_at_risk,
    })
}

fn result_text(info: &ProposalInfo, clock: &Clock) -> String {
    let p = &info.proposal;
    if let Some(signal) = names::signal_result(p) {
        return match p.status {
            ProposalStatus::SignalPassed { at } => {
                format!("{signal} at block #{at} (recorded on chain; nothing is enacted)")
            }
            ProposalStatus::QuorumNotReached => format!("{signal} (quorum not reached)"),
            _ => format!("{signal} (quorum reached, approval too low)"),
        };
    }
    match p.status {
        ProposalStatus::Voting => format!(
            "voting open until {}; {} if it ended now",
            clock.describe(p.voting_ends_at),
            if info.passing {
                "it would pass"
            } else if !info.quorum_reached {
                "it would fail (quorum not reached)"
            } else {
                "it would be rejected"
            }
        ),
        ProposalStatus::Approved { enact_at } => {
            format!("passed; enacted at {}", clock.describe(enact_at))
        }
        ProposalStatus::Enacted { at } => format!("passed and enacted at block #{at}"),
        ProposalStatus::EnactmentFailed { at } => {
            format!("passed, but enacting it failed at block #{at}")
        }
        ProposalStatus::Rejected => "rejected (quorum reached, approval too low)".into(),
        ProposalStatus::QuorumNotReached => "failed: quorum not reached".into(),
        ProposalStatus::SignalPassed { at } => format!("signal: passed at block #{at}"),
    }
}

fn proposal_rows(
    info: &ProposalInfo,
    rules: &DaoRules,
    clock: &Clock,
) -> Vec<(&'static str, String)> {
    let p = &info.proposal;
    let deposit = match deposit_status(info) {
        "held" if info.deposit_at_risk => format!(
            "{} held (would be slashed: turnout below {} of the quorum)",
            format_amount(p.deposit),
            names::percent_text(rules.slash_threshold)
        ),
        s => format!("{} {s}", format_amount(p.deposit)),
    };
    vec![
        ("proposal_id", p.id.to_string()),
        ("title", names::text(&p.title)),
        ("action", names::action_text(&p.action)),
        ("proposer", keys::to_ss58(&p.proposer)),
        ("status", names::proposal_status_name(&p.status).to_string()),
        ("result", result_text(info, clock)),
        ("yes", format_amount(p.tally.yes)),
        ("no", format_amount(p.tally.no)),
        ("abstain", format_amount(p.tally.abstain)),
        ("voters", p.tally.voters.to_string()),
        (
            "quorum",
            format!(
                "{} of {} needed: {}",
                format_amount(info.turnout),
                format_amount(p.quorum),
                if info.quorum_reached {
                    "reached"
                } else {
                    "not reached"
                }
            ),
        ),
        (
            "approval",
            format!(
                "{} yes of yes + no (must be more than {})",
                names::percent_short(info.approval),
                names::percent_text(rules.approval_threshold)
            ),
        ),
        ("deposit", deposit),
        (
            "voting",
            format!("#{} → {}", p.created_at, clock.describe(p.voting_ends_at)),
        ),
    ]
}

async fn current_value(rpc: &RpcClient, meta: &NodeMetadata, a: &Action) -> Result<String> {
    let v = gov::governed_values(rpc, meta).await?;
    Ok(match a {
        GovernanceAction::SetMinerReward(_) => format_amount(v.miner_reward),
        GovernanceAction::SetMinJobPayment { job_type, .. } => v
            .min_job_payment
            .iter()
            .find(|(t, _)| t == job_type)
            .map(|(_, a)| format_amount(*a))
            .unwrap_or_default(),
        GovernanceAction::SetAckTimeout(_) => blocks_text(v.ack_timeout),
        GovernanceAction::SetSlashShare(_) => names::percent_text(v.slash_share),
        GovernanceAction::SetAuthorities(_)
        | GovernanceAction::SetProtocolFee(_)
        | GovernanceAction::ApproveAgentTool(_)
        | GovernanceAction::RevokeAgentTool(_)
        | GovernanceAction::Signal => String::new(),
    })
}

// ---- commands ----

impl ProposeArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        propose(ctx, self).await
    }
}

async fn propose(ctx: &Ctx, a: ProposeArgs) -> Result<Report> {
    // Input checks first: nothing is signed or sent if one fails. Without --action it is a
    // signal proposal: voted and decided like any other, nothing enacted.
    let action = a.action.unwrap_or(GovernanceAction::Signal);
    let deposit = a.amount;
    let title = a.title.as_str();
    let call = gov::propose(title, &a.description, action.clone(), deposit)?;
    let name = ctx.wallet_name(None)?;
    let rpc = ctx.connect().await?;
    let meta = NodeMetadata::fetch(&rpc).await?;
    let rules = DaoRules::from_metadata(&meta)?;
    if deposit < rules.min_deposit {
        bail!(
            "the deposit {} is below the DAO's minimum deposit of {}",
            format_amount(deposit),
            format_amount(rules.min_deposit)
        );
    }
    let before = current_value(&rpc, &meta, &action).await?;
    let opts = SendOpts {
        spend: deposit,
        ..Default::default()
    };
    let (outcome, tx) = send_call(
        ctx,
        &rpc,
        &name,
        call,
        &format!("Proposing \"{}\"", title.trim()),
        opts,
    )
    .await?;
    let (id, _, _) = gov::proposed(&outcome)
        .context("the transaction succeeded but emitted no Proposed event")?;
    let info = gov::existing_proposal(&rpc, id).await?;
    let p = &info.proposal;
    let clock = Clock::now(&rpc).await?;
    let enact_at = p.voting_ends_at.saturating_add(rules.enactment_delay);
    let mut v = proposal_json(&info, &rules);
    v["current_value"] = json!(before);
    v["voting_period_blocks"] = json!(rules.voting_period);
    v["enactment_delay_blocks"] = json!(rules.enactment_delay);
    v["timeline"] = json!({
        "submitted": clock.json(p.created_at),
        "voting_ends": clock.json(p.voting_ends_at),
        "enactment_if_passed": if p.action == GovernanceAction::Signal {
            Value::Null
        } else {
            clock.json(enact_at)
        },
    });
    tx.add_json(&mut v);
    let action_row = if before.is_empty() {
        names::action_text(&p.action)
    } else {
        format!("{} (now {before})", names::action_text(&p.action))
    };
    let rows = tx.with_rows(vec![
        ("proposal_id", id.to_string()),
        ("title", names::text(&p.title)),
        ("action", action_row),
        ("proposer", keys::to_ss58(&p.proposer)),
        (
            "deposit",
            format!("{} held until voting ends", format_amount(p.deposit)),
        ),
        (
            "quorum",
            format!(
                "{} must vote ({} of the issuance)",
                format_amount(p.quorum),
                names::percent_text(rules.quorum)
            ),
        ),
        ("submitted", clock.describe(p.created_at)),
        (
            "voting ends",
            format!(
                "{} — voting period {}",
                clock.describe(p.voting_ends_at),
                blocks_text(rules.voting_period)
            ),
        ),
        (
            "enactment if passed",
            if p.action == GovernanceAction::Signal {
                "none: a signal's decision is recorded, nothing is enacted".to_string()
            } else {
                format!(
                    "{} — {} after voting",
                    clock.describe(enact_at),
                    blocks_text(rules.enactment_delay)
                )
            },
        ),
    ]);
    Ok(Report::new(v)
        .line(format!("Proposal {id} submitted; voting is open."))
        .kv(&rows))
}

impl VoteArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        cast_vote(ctx, self.proposal_id, self.vote, self.amount).await
    }
}

async fn cast_vote(
    ctx: &Ctx,
    id: ProposalId,
    choice: VoteChoice,
    amount: Balance,
) -> Result<Report> {
    let name = ctx.wallet_name(None)?;
    let who = wallet_account(ctx, &name)?;
    let rpc = ctx.connect().await?;
    let rules = DaoRules::fetch(&rpc).await?;
    if amount < rules.min_vote {
        bail!(
            "the vote {} is below the DAO's minimum vote of {}",
            format_amount(amount),
            format_amount(rules.min_vote)
        );
    }
    let info = gov::existing_proposal(&rpc, id).await?;
    let best = rpc.best_header().await?.number;
    // The vote is counted in the next block, which must be before voting ends.
    if info.proposal.status != ProposalStatus::Voting
        || best.saturating_add(1) >= info.proposal.voting_ends_at
    {
        bail!(
            "voting on proposal #{id} is closed: it ended at block #{} (status {})",
            info.proposal.voting_ends_at,
            names::proposal_status_name(&info.proposal.status)
        );
    }
    let previous = gov::vote_of(&rpc, id, &who).await?;
    let spend = amount.saturating_sub(previous.map(|(_, a)| a).unwrap_or(0));
    let opts = SendOpts {
        spend,
        ..Default::default()
    };
    let (_, tx) = send_call(
        ctx,
        &rpc,
        &name,
        gov::vote(id, choice, amount),
        &format!("Voting {} on proposal {id}", names::vote_name(choice)),
        opts,
    )
    .await?;
    let info = gov::existing_proposal(&rpc, id).await?;
    let t = &info.proposal.tally;
    let replaced = previous.map(|(c, a)| format!("{} {}", names::vote_name(c), format_amount(a)));
    let v = tx.with_json(json!({
            "proposal_id": id,
            "vote": names::vote_name(choice),
            "amount": format_amount_json(amount),
            "replaced": previous.map(|(c, a)| json!({"vote": names::vote_name(c), "amount": format_amount_json(a)})),
            "locked_until_block": info.proposal.voting_ends_at,
            "yes": format_amount_json(t.yes),
            "no": format_amount_json(t.no),
            "abstain": format_amount_json(t.abstain),
            "voters": t.voters,
    }));
    let mut rows = vec![
        ("proposal_id", id.to_string()),
        (
            "vote",
            format!(
                "{} with {}",
                names::vote_name(choice),
                format_amount(amount)
            ),
        ),
        (
            "locked until",
            format!("voting ends at block #{}", info.proposal.voting_ends_at),
        ),
        (
            "tally",
            format!(
                "yes {}, no {}, abstain {} ({} voter{})",
                format_amount(t.yes),
                format_amount(t.no),
                format_amount(t.abstain),
                t.voters,
                if t.voters == 1 { "" } else { "s" }
            ),
        ),
    ];
    if let Some(r) = replaced {
        rows.insert(2, ("replaced", r));
    }
    Ok(Report::new(v)
        .line(format!("Vote recorded: tx {}", tx.hash()))
        .kv(&tx.with_rows(rows)))
}

impl UnvoteArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        unvote(ctx, self.proposal_id).await
    }
}

async fn unvote(ctx: &Ctx, id: ProposalId) -> Result<Report> {
    let name = ctx.wallet_name(None)?;
    let who = wallet_account(ctx, &name)?;
    let rpc = ctx.connect().await?;
    let info = gov::existing_proposal(&rpc, id).await?;
    let best = rpc.best_header().await?.number;
    if info.proposal.status != ProposalStatus::Voting
        || best.saturating_add(1) >= info.proposal.voting_ends_at
    {
        bail!(
            "voting on proposal #{id} is closed: votes are unlocked automatically after it ends (block #{})",
            info.proposal.voting_ends_at
        );
    }
    let Some((choice, amount)) = gov::vote_of(&rpc, id, &who).await? else {
        bail!("wallet '{name}' has no vote on proposal #{id}");
    };
    let (_, tx) = send_call(
        ctx,
        &rpc,
        &name,
        gov::unvote(id),
        &format!("Withdrawing the vote on proposal {id}"),
        SendOpts::default(),
    )
    .await?;
    let v = tx.with_json(json!({
        "proposal_id": id,
        "withdrawn": {"vote": names::vote_name(choice), "amount": format_amount_json(amount)},
    }));
    let rows = tx.with_rows(vec![
        ("proposal_id", id.to_string()),
        (
            "withdrawn",
            format!(
                "{} {} (unlocked)",
                names::vote_name(choice),
                format_amount(amount)
            ),
        ),
    ]);
    Ok(Report::record(v, &rows))
}

impl ResultArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let id = self.proposal_id;
        let rpc = ctx.connect().await?;
        let info = gov::existing_proposal(&rpc, id).await?;
        let rules = DaoRules::fetch(&rpc).await?;
        let clock = Clock::now(&rpc).await?;
        Ok(Report::record(
            proposal_json(&info, &rules),
            &proposal_rows(&info, &rules, &clock),
        ))
    }
}

impl ListArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let rpc = ctx.connect().await?;
        let mut all = if self.open {
            gov::open_proposals(&rpc).await?
        } else {
            gov::all_proposals(&rpc).await?
        };
        all.reverse();
        all.truncate(self.limit as usize);
        let rules = DaoRules::fetch(&rpc).await?;
        let v = json!(all
            .iter()
            .map(|i| proposal_json(i, &rules))
            .collect::<Vec<_>>());
        let mut t = table(&[
            "id",
            "title",
            "action",
            "status",
            "yes",
            "no",
            "abstain",
            "quorum",
            "voting ends",
        ]);
        for i in &all {
            let p = &i.proposal;
            t.add_row(vec![
                p.id.to_string(),
                names::text(&p.title),
                names::action_text(&p.action),
                names::proposal_status_name(&p.status).to_string(),
                format_amount(p.tally.yes),
                format_amount(p.tally.no),
                format_amount(p.tally.abstain),
                if i.quorum_reached {
                    "reached".to_string()
                } else {
                    format!("{} / {}", format_amount(i.turnout), format_amount(p.quorum))
                },
                format!("#{}", p.voting_ends_at),
            ]);
        }
        Ok(Report::list(v, all.is_empty(), "No proposals.", t))
    }
}

impl ParamsArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        params(ctx).await
    }
}

async fn params(ctx: &Ctx) -> Result<Report> {
    let rpc = ctx.connect().await?;
    let meta = NodeMetadata::fetch(&rpc).await?;
    let rules = DaoRules::from_metadata(&meta)?;
    let v = gov::governed_values(&rpc, &meta).await?;
    let best = rpc.best_header().await?.number;
    let json = json!({
            "block": best,
            "dao": {
                "min_deposit": format_amount_json(rules.min_deposit),
                "min_vote": format_amount_json(rules.min_vote),
                "voting_period_blocks": rules.voting_period,
                "enactment_delay_blocks": rules.enactment_delay,
                "quorum": names::percent_text(rules.quorum),
                "approval_threshold": names::percent_text(rules.approval_threshold),
                "slash_threshold": names::percent_text(rules.slash_threshold),
            },
            "governed": {
                "miner_reward": format_amount_json(v.miner_reward),
                "min_job_payment": v.min_job_payment.iter()
                    .map(|(t, a)| (aitbc_client::jobs::job_type_name(*t).to_string(), json!(format_amount_json(*a))))
                    .collect::<serde_json::Map<_, _>>(),
                "ack_timeout_blocks": v.ack_timeout,
                "slash_share": names::percent_text(v.slash_share),
            },
    });
    let mut rows = vec![
        ("min deposit", format_amount(rules.min_deposit)),
        ("min vote", format_amount(rules.min_vote)),
        ("voting period", blocks_text(rules.voting_period)),
        ("enactment delay", blocks_text(rules.enactment_delay)),
        (
            "quorum",
            format!(
                "{} of the issuance must vote",
                names::percent_text(rules.quorum)
            ),
        ),
        (
            "approval",
            format!(
                "yes > {} of yes + no",
                names::percent_text(rules.approval_threshold)
            ),
        ),
        (
            "deposit slashed",
            format!(
                "if turnout < {} of the quorum",
                names::percent_text(rules.slash_threshold)
            ),
        ),
        (
            "miner reward",
            format!("{} per era", format_amount(v.miner_reward)),
        ),
    ];
    let mins = v
        .min_job_payment
        .iter()
        .map(|(t, a)| {
            format!(
                "{} {}",
                aitbc_client::jobs::job_type_name(*t),
                format_amount(*a)
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    rows.push(("min job payment", mins));
    rows.push(("ack timeout", blocks_text(v.ack_timeout)));
    rows.push(("slash share", names::percent_text(v.slash_share)));
    rows.push(("at block", format!("#{best}")));
    Ok(Report::record(json, &rows))
}
