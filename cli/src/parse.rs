//! Command-line values: clap value parsers (`value_parser = parse::job_id`) for amounts, ids,
//! statuses and votes, so handlers receive typed values. Each error says what was wrong and
//! what a good value looks like.

use aitbc_client::{
    governance::{ProposalId, VoteChoice},
    jobs::{JobId, JobStatus, ReceiptId, ALL_STATUSES},
    marketplace::{BookingId, ListingId},
    runtime::{AccountId, Balance},
    Error, Result,
};

use crate::names::job_status_name;

/// `secs` seconds as blocks (rounded up; at least 1 second), for the option named `what`
/// (`--ttl`, `limits.deadline_secs`).
pub fn blocks_of_secs(secs: u64, what: &str) -> Result<aitbc_client::runtime::BlockNumber> {
    if secs == 0 {
        return Err(Error::InvalidInput(format!(
            "{what} must be at least 1 second"
        )));
    }
    let blocks = secs
        .saturating_mul(1000)
        .div_ceil(aitbc_client::runtime::MILLISECS_PER_BLOCK);
    aitbc_client::runtime::BlockNumber::try_from(blocks)
        .map_err(|_| Error::InvalidInput(format!("{what} of {secs} s is too large")))
}

/// An amount of AIT, e.g. `12.5` (zero allowed).
pub fn amount(s: &str) -> Result<Balance> {
    aitbc_client::amount::parse_amount(s)
}

/// An amount of AIT greater than zero.
pub fn positive_amount(s: &str) -> Result<Balance> {
    aitbc_client::amount::parse_positive_amount(s)
}

/// `--provider`: a miner's account address (SS58 or `0x` hex).
pub fn provider(s: &str) -> std::result::Result<AccountId, String> {
    aitbc_client::keys::parse_address(s)
        .map_err(|e| format!("--provider {s:?} is not an account address: {e}"))
}

/// A block or genesis hash: `0x` and 64 hex digits.
pub fn hash(s: &str) -> Result<aitbc_client::runtime::Hash> {
    aitbc_client::blocks::parse_hash(s)
}

/// A receipt id: `7` or `#7`.
pub fn receipt_id(s: &str) -> Result<ReceiptId> {
    s.trim().trim_start_matches('#').parse().map_err(|_| {
        Error::InvalidInput(format!(
            "receipt id {s:?} is not a number (receipt ids look like 7)"
        ))
    })
}

/// Parses a job id: `7` or `#7`.
pub fn job_id(s: &str) -> Result<JobId> {
    s.trim().trim_start_matches('#').parse().map_err(|_| {
        Error::InvalidInput(format!(
            "job id {s:?} is not a number (job ids look like 7)"
        ))
    })
}

/// Parses a status name (case-insensitive; `canceled` accepted).
pub fn job_status(s: &str) -> Result<JobStatus> {
    let l = s.trim().to_ascii_lowercase();
    let l = if l == "canceled" {
        "cancelled".to_string()
    } else {
        l
    };
    ALL_STATUSES
        .into_iter()
        .find(|st| job_status_name(*st) == l)
        .ok_or_else(|| {
            Error::NotFound(format!(
                "job status {s:?} (one of: {})",
                ALL_STATUSES.map(job_status_name).join(", ")
            ))
        })
}

/// Parses a listing id: `7` or `#7`.
pub fn listing_id(s: &str) -> Result<ListingId> {
    s.trim().trim_start_matches('#').parse().map_err(|_| {
        Error::InvalidInput(format!(
            "listing id {s:?} is not a number (listing ids look like 7)"
        ))
    })
}

/// Parses a booking id: `7` or `#7`.
pub fn booking_id(s: &str) -> Result<BookingId> {
    s.trim().trim_start_matches('#').parse().map_err(|_| {
        Error::InvalidInput(format!(
            "booking id {s:?} is not a number (booking ids look like 7)"
        ))
    })
}

/// Parses a proposal id: `7` or `#7`.
pub fn proposal_id(s: &str) -> Result<ProposalId> {
    s.trim().trim_start_matches('#').parse().map_err(|_| {
        Error::InvalidInput(format!(
            "proposal id {s:?} is not a number (proposal ids look like 7)"
        ))
    })
}

/// Parses a vote: `yes`, `no` or `abstain` (case-insensitive; `y`/`n`/`aye`/`nay` too).
pub fn vote(s: &str) -> Result<VoteChoice> {
    match s.trim().to_ascii_lowercase().as_str() {
        "yes" | "y" | "aye" => Ok(VoteChoice::Yes),
        "no" | "n" | "nay" => Ok(VoteChoice::No),
        "abstain" => Ok(VoteChoice::Abstain),
        _ => Err(Error::InvalidInput(format!(
            "vote {s:?} is not one of: yes, no, abstain"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::vote_name;

    #[test]
    fn statuses() {
        for s in ALL_STATUSES {
            assert_eq!(job_status(job_status_name(s)).unwrap(), s);
        }
        assert_eq!(job_status("Canceled").unwrap(), JobStatus::Cancelled);
        assert!(job_status("done").is_err());
        assert_eq!(job_id("#7").unwrap(), 7);
        assert!(job_id("x").is_err());
    }

    #[test]
    fn ids() {
        assert_eq!(listing_id("#12").unwrap(), 12);
        assert_eq!(booking_id(" 4 ").unwrap(), 4);
        let e = listing_id("abc").unwrap_err().to_string();
        assert!(e.contains("\"abc\"") && e.contains("listing id"), "{e}");
        assert!(booking_id("-1").is_err());
        assert_eq!(receipt_id("#3").unwrap(), 3);
        let e = receipt_id("x").unwrap_err().to_string();
        assert!(e.contains("receipt id \"x\" is not a number"), "{e}");
    }

    #[test]
    fn votes() {
        assert_eq!(vote("yes").unwrap(), VoteChoice::Yes);
        assert_eq!(vote(" NO ").unwrap(), VoteChoice::No);
        assert_eq!(vote("Abstain").unwrap(), VoteChoice::Abstain);
        let e = vote("maybe").unwrap_err().to_string();
        assert!(
            e.contains("\"maybe\"") && e.contains("yes, no, abstain"),
            "{e}"
        );
        for v in [VoteChoice::Yes, VoteChoice::No, VoteChoice::Abstain] {
            assert_eq!(vote(vote_name(v)).unwrap(), v);
        }
        assert_eq!(proposal_id("#3").unwrap(), 3);
        assert!(proposal_id("three").is_err());
    }
}
