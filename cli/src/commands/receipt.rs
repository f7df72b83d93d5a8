//! `aitbc receipt verify`: check a job receipt from the chain's genesis hash alone. The proof
//! (GRANDPA finality from the genesis set through every set change, the receipt's storage
//! proof, the miner's signature) is fetched from a node, which is not trusted, or read from a
//! file saved earlier, and checked here (`aitbc_wire::receipt_proof`).

use std::path::{Path, PathBuf};

use aitbc_client::{amount::format_amount, keys::to_ss58, receipt_proof};
use aitbc_wire::receipt_proof::{self as proof, ReceiptProof, VerifiedReceipt};
use anyhow::{anyhow, Context as _, Result};
use clap::{Args, Subcommand};
use serde_json::json;
use sp_core::H256;

use crate::{context::Ctx, output::Report};

/// `aitbc receipt …`.
#[derive(Subcommand, Debug)]
pub enum ReceiptCmd {
    /// Verify a receipt offline: finality from the genesis hash, the receipt's storage proof
    /// and the miner's signature.
    #[command(
        after_help = "Examples:\n  aitbc receipt verify 0 --proof-out receipt-0.json\n  aitbc receipt verify --proof receipt-0.json --genesis 0x…"
    )]
    Verify(VerifyArgs),
}

impl ReceiptCmd {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        match self {
            ReceiptCmd::Verify(args) => args.run(ctx).await,
        }
    }
}

/// `aitbc receipt verify`.
#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The receipt to fetch from the node and verify.
    #[arg(value_parser = crate::parse::receipt_id, required_unless_present = "proof", conflicts_with = "proof")]
    receipt_id: Option<u64>,
    /// Verify a saved proof file, with no node.
    #[arg(long, value_name = "FILE")]
    proof: Option<PathBuf>,
    /// Save the fetched proof to this file.
    #[arg(long, value_name = "FILE", conflicts_with = "proof")]
    proof_out: Option<PathBuf>,
    /// The genesis hash of the chain you mean: the proof must start from it. Without it, the
    /// proof's own genesis (the node's, or the file's) is used and printed for you to compare.
    #[arg(long, value_parser = crate::parse::hash)]
    genesis: Option<H256>,
}

impl VerifyArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let (proof, source) = match (&self.proof, self.receipt_id) {
            (Some(path), _) => (read_proof(path)?, "the file's"),
            (None, Some(id)) => {
                let rpc = ctx.connect().await?;
                let proof = receipt_proof::fetch(&rpc, id).await?;
                if let Some(out) = &self.proof_out {
                    let text = proof.to_json().context("encoding the proof")?;
                    std::fs::write(out, text)
                        .with_context(|| format!("writing {}", out.display()))?;
                }
                (proof, "the node's")
            }
            (None, None) => return Err(anyhow!("give a RECEIPT_ID or --proof FILE")),
        };
        let verified = proof::verify(&proof, self.genesis)
            .map_err(|e| anyhow!("receipt {} is NOT verified: {e}", proof.receipt_id))?;
        let genesis_source = if self.genesis.is_some() {
            None
        } else {
            Some(source)
        };
        Ok(report(
            &proof,
            &verified,
            genesis_source,
            self.proof_out.as_deref(),
        ))
    }
}

fn read_proof(path: &Path) -> Result<ReceiptProof> {
    let len = std::fs::metadata(path)
        .with_context(|| format!("reading {}", path.display()))?
        .len();
    if len > proof::MAX_PROOF_FILE_BYTES as u64 {
        return Err(anyhow!(
            "{}: {len} bytes, more than a receipt proof can hold ({} bytes)",
            path.display(),
            proof::MAX_PROOF_FILE_BYTES
        ));
    }
    let text = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    proof::parse(&text).map_err(|e| anyhow!("{}: {e}", path.display()))
}

fn report(
    proof: &ReceiptProof,
    v: &VerifiedReceipt,
    genesis_source: Option<&str>,
    saved: Option<&Path>,
) -> Report {
    let r = &v.receipt;
    let genesis_trusted = genesis_source.is_none();
    let genesis_note = match genesis_source {
        None => format!("{:?} (given with --genesis)", v.genesis_hash),
        Some(source) => format!(
            "{:?} ({source}: compare it with your chain's, or pass --genesis)",
            v.genesis_hash
        ),
    };
    let json = json!({
        "verified": true,
        "receipt_id": r.id,
        "job_id": r.job_id,
        "client": to_ss58(&r.client),
        "miner": to_ss58(&r.miner),
        "units_milli": r.units_milli,
        "unit_price": r.unit_price.to_string(),
        "price": r.price.to_string(),
        "result_hash": format!("{:?}", r.result_hash),
        "written_in_block": r.block,
        "proven_at_block": v.block_number,
        "proven_at_hash": format!("{:?}", v.block_hash),
        "grandpa_set_id": v.set_id,
        "grandpa_authorities": v.authorities,
        "set_changes": proof.set_changes.len(),
        "genesis_hash": format!("{:?}", v.genesis_hash),
        "genesis_trusted": genesis_trusted,
        "proof_file": saved.map(|p| p.display().to_string()),
        "participants": v.participants.as_ref().map(|lines| lines.iter().map(|l| json!({
            "miner": to_ss58(&l.miner),
            "verdict": verdict_name(l.verdict),
            "output_hash": format!("{:?}", l.output_hash),
            "units_milli": l.units_milli,
            "unit_price": l.unit_price.to_string(),
            "paid": l.paid.to_string(),
            "signature_checked": matches!(
                l.verdict,
                aitbc_client::redundancy::ParticipantVerdict::Agreed
                    | aitbc_client::redundancy::ParticipantVerdict::Dissented
            ),
        })).collect::<Vec<_>>()),
    });
    let mut rows = vec![
        ("receipt", format!("{} (job {})", r.id, r.job_id)),
        ("miner", to_ss58(&r.miner)),
        ("client", to_ss58(&r.client)),
        ("result hash", format!("{:?}", r.result_hash)),
        (
            "billed",
            format!(
                "{} ms at {} per unit: {}",
                r.units_milli,
                format_amount(r.unit_price),
                format_amount(r.price)
            ),
        ),
        ("genesis", genesis_note),
        (
            "finality",
            format!(
                "block #{} {:?}, justified by GRANDPA set {} ({} authorities, {} set changes followed)",
                v.block_number,
                v.block_hash,
                v.set_id,
                v.authorities,
                proof.set_changes.len()
            ),
        ),
        ("storage proof", format!("receipt {} in the state of block #{}", r.id, v.block_number)),
        ("signature", "the miner's sr25519 signature checks".into()),
    ];
    match &v.participants {
        None => rows.push((
            "participants",
            "not covered (a format 1 proof: the receipt alone)".into(),
        )),
        Some(lines) if lines.is_empty() => rows.push((
            "participants",
            "one miner (proven: no redundant round)".into(),
        )),
        Some(lines) => {
            for l in lines {
                rows.push((
                    "participant",
                    format!(
                        "{} {} output {:?}, paid {}",
                        to_ss58(&l.miner),
                        verdict_name(l.verdict),
                        l.output_hash,
                        format_amount(l.paid)
                    ),
                ));
            }
            rows.push((
                "participants",
                "every revealing participant's signature checks; the payments add up".into(),
            ));
        }
    }
    if let Some(p) = saved {
        rows.push(("proof saved", p.display().to_string()));
    }
    Report::record(json, &rows).line(format!("receipt {} verified", r.id))
}

fn verdict_name(v: aitbc_client::redundancy::ParticipantVerdict) -> &'static str {
    use aitbc_client::redundancy::ParticipantVerdict as V;
    match v {
        V::Agreed => "agreed",
        V::Dissented => "dissented",
        V::MissedCommit => "missed its commit",
        V::NoReveal => "did not reveal",
        V::RevealMismatch => "revealed against its commitment",
    }
}
