//! Names and text of chain values for tables and JSON: job, booking and proposal statuses,
//! votes, percentages and governance actions.

use aitbc_client::{
    amount::format_amount,
    governance::{Action, GovernanceAction, Proposal, ProposalStatus, VoteChoice},
    jobs::{job_type_name, JobResult, JobStatus},
    keys,
    marketplace::BookingStatus,
    runtime::{AccountId, BlockNumber},
};
use sp_runtime::Perbill;

/// The stable lowercase name used in JSON output: `"queued"`, `"completed"`, ...
pub fn job_status_name(s: JobStatus) -> &'static str {
    match s {
        JobStatus::Unfunded => "unfunded",
        JobStatus::Queued => "queued",
        JobStatus::Assigned => "assigned",
        JobStatus::Running => "running",
        JobStatus::Completed => "completed",
        JobStatus::Failed => "failed",
        JobStatus::Cancelled => "cancelled",
        JobStatus::Expired => "expired",
    }
}

/// UTF-8 text of a result's inline output (lossy).
pub fn output_text(r: &JobResult) -> String {
    String::from_utf8_lossy(&r.output).into_owned()
}

/// The stable lowercase name of a booking status: `requested`, `confirmed`, `paid`, `refunded`.
pub fn booking_status_name(s: &BookingStatus<BlockNumber>) -> &'static str {
    match s {
        BookingStatus::Requested { .. } => "requested",
        BookingStatus::Confirmed { .. } => "confirmed",
        BookingStatus::Paid => "paid",
        BookingStatus::Refunded => "refunded",
    }
}

/// UTF-8 text of on-chain bytes: a GPU model, region, title or description (lossy).
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The stable lowercase name of a proposal status: `voting`, `approved`, `enacted`,
/// `enactment_failed`, `rejected`, `quorum_not_reached`, `signal_passed`.
pub fn proposal_status_name(s: &ProposalStatus<BlockNumber>) -> &'static str {
    match s {
        ProposalStatus::Voting => "voting",
        ProposalStatus::Approved { .. } => "approved",
        ProposalStatus::Enacted { .. } => "enacted",
        ProposalStatus::EnactmentFailed { .. } => "enactment_failed",
        ProposalStatus::Rejected => "rejected",
        ProposalStatus::QuorumNotReached => "quorum_not_reached",
        ProposalStatus::SignalPassed { .. } => "signal_passed",
    }
}

/// The final decision of an ended proposal: `passed`, `rejected` or `quorum_not_reached`;
/// `None` while voting.
pub fn decision(s: &ProposalStatus<BlockNumber>) -> Option<&'static str> {
    match s {
        ProposalStatus::Voting => None,
        ProposalStatus::Approved { .. }
        | ProposalStatus::Enacted { .. }
        | ProposalStatus::EnactmentFailed { .. }
        | ProposalStatus::SignalPassed { .. } => Some("passed"),
        ProposalStatus::Rejected => Some("rejected"),
        ProposalStatus::QuorumNotReached => Some("quorum_not_reached"),
    }
}

/// The result of a signal proposal as `governance result` shows it: `signal: passed` or
/// `signal: rejected`; `None` for proposals with an action and while voting.
pub fn signal_result(p: &Proposal) -> Option<&'static str> {
    if p.action != GovernanceAction::Signal {
        return None;
    }
    match decision(&p.status)? {
        "passed" => Some("signal: passed"),
        _ => Some("signal: rejected"),
    }
}

/// The stable lowercase name of a vote.
pub fn vote_name(v: VoteChoice) -> &'static str {
    match v {
        VoteChoice::Yes => "yes",
        VoteChoice::No => "no",
        VoteChoice::Abstain => "abstain",
    }
}

/// A `Perbill` as a percentage without trailing zeros: `10%`, `2.5%`.
pub fn percent_text(p: Perbill) -> String {
    let parts = p.deconstruct();
    let int = parts / 10_000_000;
    let frac = parts % 10_000_000;
    if frac == 0 {
        format!("{int}%")
    } else {
        let f = format!("{frac:07}");
        format!("{int}.{}%", f.trim_end_matches('0'))
    }
}

/// A `Perbill` as a percentage rounded down to a tenth: `53.3%`, `75%` (for tables; use
/// [`percent_text`] for the exact value).
pub fn percent_short(p: Perbill) -> String {
    let tenths = p.deconstruct() / 1_000_000;
    if tenths.is_multiple_of(10) {
        format!("{}%", tenths / 10)
    } else {
        format!("{}.{}%", tenths / 10, tenths % 10)
    }
}

/// The stable name of an action's kind: `miner-reward`, `min-job-payment`, ...
pub fn action_kind(a: &Action) -> &'static str {
    match a {
        GovernanceAction::SetMinerReward(_) => "miner-reward",
        GovernanceAction::SetMinJobPayment { .. } => "min-job-payment",
        GovernanceAction::SetAckTimeout(_) => "ack-timeout",
        GovernanceAction::SetSlashShare(_) => "slash-share",
        GovernanceAction::SetAuthorities(_) => "validators",
        GovernanceAction::SetProtocolFee(_) => "protocol-fee",
        GovernanceAction::Signal => "signal",
        GovernanceAction::ApproveAgentTool(_) => "agent-tool-add",
        GovernanceAction::RevokeAgentTool(_) => "agent-tool-remove",
    }
}

/// An action in words: `set the miners' emission per era to 5.0 AIT`.
pub fn action_text(a: &Action) -> String {
    match a {
        GovernanceAction::SetMinerReward(v) => {
            format!("set the miners' emission per era to {}", format_amount(*v))
        }
        GovernanceAction::SetMinJobPayment { job_type, amount } => format!(
            "set the minimum payment of {} jobs to {}",
            job_type_name(*job_type),
            format_amount(*amount)
        ),
        GovernanceAction::SetAckTimeout(b) => {
            format!("set the job acknowledgement timeout to {b} blocks")
        }
        GovernanceAction::SetSlashShare(p) => {
            format!(
                "set the stake slashed per missed deadline to {}",
                percent_text(*p)
            )
        }
        GovernanceAction::SetProtocolFee(p) => format!(
            "set the protocol fee burned from every job payment to {}",
            percent_text(*p)
        ),
        GovernanceAction::Signal => {
            "none: a signal proposal (the decision is recorded on chain, nothing is enacted)"
                .to_string()
        }
        GovernanceAction::ApproveAgentTool(t) => {
            format!("approve the tool {} for agents", String::from_utf8_lossy(t))
        }
        GovernanceAction::RevokeAgentTool(t) => format!(
            "revoke the agent tool {} (new agent versions cannot list it)",
            String::from_utf8_lossy(t)
        ),
        GovernanceAction::SetAuthorities(list) => format!(
            "replace the validator set with {} validator(s): {}",
            list.len(),
            list.iter()
                .map(|k| keys::to_ss58(&AccountId::from(k.aura)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aitbc_client::runtime::AIT;

    #[test]
    fn booking_statuses() {
        assert_eq!(
            booking_status_name(&BookingStatus::Requested { confirm_by: 3 }),
            "requested"
        );
        assert_eq!(
            booking_status_name(&BookingStatus::Confirmed { ends_at: 3 }),
            "confirmed"
        );
        assert_eq!(booking_status_name(&BookingStatus::Paid), "paid");
        assert_eq!(booking_status_name(&BookingStatus::Refunded), "refunded");
    }

    #[test]
    fn proposal_statuses() {
        assert_eq!(proposal_status_name(&ProposalStatus::Voting), "voting");
        assert_eq!(decision(&ProposalStatus::Voting), None);
        assert_eq!(decision(&ProposalStatus::Enacted { at: 3 }), Some("passed"));
        assert_eq!(
            proposal_status_name(&ProposalStatus::EnactmentFailed { at: 3 }),
            "enactment_failed"
        );
        assert_eq!(decision(&ProposalStatus::Rejected), Some("rejected"));
        assert_eq!(
            decision(&ProposalStatus::QuorumNotReached),
            Some("quorum_not_reached")
        );
    }

    #[test]
    fn percentages() {
        assert_eq!(percent_text(Perbill::from_percent(10)), "10%");
        assert_eq!(percent_text(Perbill::from_parts(25_000_000)), "2.5%");
        assert_eq!(percent_text(Perbill::from_parts(1)), "0.0000001%");
        assert_eq!(percent_short(Perbill::from_parts(533_488_837)), "53.3%");
        assert_eq!(percent_short(Perbill::from_percent(75)), "75%");
        assert_eq!(percent_short(Perbill::from_parts(999_999)), "0%");
    }

    #[test]
    fn actions() {
        let v = aitbc_client::governance::parse_action("validators=//Alice,//Bob").unwrap();
        assert_eq!(action_kind(&v), "validators");
        assert!(action_text(&GovernanceAction::SetMinerReward(5 * AIT)).contains("5.0 AIT"));
    }
}
