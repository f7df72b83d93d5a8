//! How a redundant job's round is shown: its spec, phase, participants and disputes (in
//! `aitbc client status` and `aitbc swarm status`).

use aitbc_client::{
    amount::{format_amount, format_amount_json},
    keys,
    profiles::hex_id,
    redundancy::{DisputeOutcome, ParticipantState, Payout, Round, RoundPhase},
};
use serde_json::{json, Value};

pub fn phase_name(p: RoundPhase) -> &'static str {
    match p {
        RoundPhase::Assigning => "assigning",
        RoundPhase::Committing => "committing",
        RoundPhase::Revealing => "revealing",
        RoundPhase::Refereeing => "refereeing",
        RoundPhase::Settled => "settled",
    }
}

pub fn state_name(s: ParticipantState) -> &'static str {
    match s {
        ParticipantState::Assigned => "assigned",
        ParticipantState::Committed => "committed",
        ParticipantState::Revealed => "revealed",
        ParticipantState::MissedCommit => "missed commit (replaced)",
        ParticipantState::MissedReveal => "missed reveal",
        ParticipantState::RevealMismatch => "reveal mismatch (bond slashed)",
    }
}

pub fn outcome_name(o: DisputeOutcome) -> &'static str {
    match o {
        DisputeOutcome::AWins => "first output upheld, second proven wrong (slashed)",
        DisputeOutcome::BWins => "second output upheld, first proven wrong (slashed)",
        DisputeOutcome::NearTie => "honest near-tie (no one slashed)",
        DisputeOutcome::BothWrong => "both outputs proven wrong (both slashed)",
        DisputeOutcome::RefereeMissed => "referee did not report (no one slashed)",
        DisputeOutcome::NoReferee => "no referee available (no one slashed)",
    }
}

fn short(h: &aitbc_client::runtime::Hash) -> String {
    let hex = format!("{h:?}");
    format!("{}…", &hex[..hex.len().min(10)])
}

pub fn round_json(round: &Round) -> Value {
    let participants: Vec<Value> = round
        .participants
        .iter()
        .map(|p| {
            json!({
                "miner": keys::to_ss58(&p.miner),
                "state": state_name(p.state),
                "committed": p.commitment.is_some(),
                "output_hash": p.output_hash.map(|h| format!("{h:?}")),
                "agreed": round.agreed.is_some() && p.output_hash == round.agreed,
                "unit_price": format_amount_json(p.unit_price),
                "paid": format_amount_json(p.paid),
                "bond_held": format_amount_json(p.bond),
            })
        })
        .collect();
    let disputes: Vec<Value> = round
        .settled
        .iter()
        .map(|d| {
            json!({
                "hash_a": format!("{:?}", d.hash_a),
                "hash_b": format!("{:?}", d.hash_b),
                "referee": d.referee.as_ref().map(keys::to_ss58),
                "outcome": outcome_name(d.outcome),
                "finding": d.finding.map(|f| json!({
                    "position": f.position,
                    "token_a": f.token_a,
                    "token_b": f.token_b,
                    "margin_a_milli": f.margin_a(),
                    "margin_b_milli": f.margin_b(),
                })),
            })
        })
        .collect();
    json!({
        "k": round.spec.k,
        "quorum": round.spec.effective_quorum(),
        "payout": match round.spec.payout { Payout::Each => "each", Payout::Shared => "shared" },
        "profile": hex_id(&round.spec.profile),
        "phase": phase_name(round.phase),
        "deadline": round.deadline,
        "agreed_output_hash": round.agreed.map(|h| format!("{h:?}")),
        "participants": participants,
        "open_dispute": round.dispute.as_ref().map(|d| json!({
            "hash_a": format!("{:?}", d.hash_a),
            "hash_b": format!("{:?}", d.hash_b),
            "referee": keys::to_ss58(&d.referee),
            "deadline": d.deadline,
            "decides_job": d.decides_job,
        })),
        "disputes": disputes,
    })
}

pub fn round_rows(round: &Round) -> Vec<(&'static str, String)> {
    let mut rows = vec![
        (
            "redundancy",
            format!(
                "k={} quorum={} payout={} profile {}",
                round.spec.k,
                round.spec.effective_quorum(),
                match round.spec.payout {
                    Payout::Each => "each",
                    Payout::Shared => "shared",
                },
                short(&round.spec.profile)
            ),
        ),
        (
            "round",
            match round.deadline {
                Some(d) => format!("{} until #{d}", phase_name(round.phase)),
                None => phase_name(round.phase).to_string(),
            },
        ),
    ];
    for p in &round.participants {
        let mut line = format!("{} {}", keys::to_ss58(&p.miner), state_name(p.state));
        if let Some(h) = p.output_hash {
            line.push_str(&format!(" output {}", short(&h)));
            if round.agreed == Some(h) {
                line.push_str(" (agreed)");
            }
        }
        if p.paid > 0 {
            line.push_str(&format!(", paid {}", format_amount(p.paid)));
        }
        rows.push(("participant", line));
    }
    if let Some(d) = &round.dispute {
        rows.push((
            "dispute",
            format!(
                "{} vs {}: referee {} by #{}",
                short(&d.hash_a),
                short(&d.hash_b),
                keys::to_ss58(&d.referee),
                d.deadline
            ),
        ));
    }
    for d in &round.settled {
        let margins = d
            .finding
            .map(|f| {
                format!(
                    " (token {}: margins {:.3} / {:.3} logits)",
                    f.position,
                    f.margin_a() as f64 / 1000.0,
                    f.margin_b() as f64 / 1000.0
                )
            })
            .unwrap_or_default();
        rows.push((
            "settled",
            format!(
                "{} vs {}: {}{margins}",
                short(&d.hash_a),
                short(&d.hash_b),
                outcome_name(d.outcome)
            ),
        ));
    }
    rows
}
