//! The original AITBC command spellings (`aitbc submit inference`, `aitbc browser`,
//! `aitbc receipts`, `aitbc admin-miners`, `aitbc admin-jobs`, `aitbc cancel`, `aitbc status`),
//! accepted as hidden aliases so that old scripts keep working. Each is turned into today's
//! command before anything runs, so its output is the same; `--help` lists only today's forms.

use crate::cli::Command;
use crate::commands::{
    admin::{self, AdminCmd},
    client::{self, ClientCmd, JobTypeArg, SubmitArgs},
    explorer::{self, ExplorerCmd},
};
use crate::parse;
use aitbc_client::jobs::{JobId, JobStatus};
use clap::{Args, Subcommand};

/// `aitbc submit TYPE ...` = `aitbc client submit --type TYPE ...`.
#[derive(Subcommand, Debug)]
pub enum LegacySubmit {
    /// = `aitbc client submit --type inference`.
    #[command(
        after_help = "Example:\n  aitbc submit inference --prompt \"Explain quantum computing\" --model llama3.2:latest --ttl 900"
    )]
    Inference(SubmitArgs),
    /// = `aitbc client submit --type embedding`.
    #[command(after_help = "Example:\n  aitbc submit embedding --prompt \"Hello\" --model m")]
    Embedding(SubmitArgs),
}

/// `aitbc browser --receipt-limit N` = `aitbc explorer receipts --limit N`.
#[derive(Args, Debug)]
pub struct LegacyBrowser {
    /// How many receipts.
    #[arg(long, default_value_t = 10)]
    pub receipt_limit: u32,
}

/// `aitbc receipts [--job-id J] [--limit N]` = `aitbc client receipts ...`.
#[derive(Args, Debug)]
pub struct LegacyReceipts {
    /// Only this job's receipt.
    #[arg(long, value_parser = parse::job_id)]
    pub job_id: Option<JobId>,
    /// At most this many receipts.
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
}

/// `aitbc admin-miners` = `aitbc admin miners`.
#[derive(Args, Debug)]
pub struct LegacyAdminMiners {
    /// At most this many miners.
    #[arg(long, default_value_t = 100)]
    pub limit: u32,
}

/// `aitbc admin-jobs` = `aitbc admin jobs`.
#[derive(Args, Debug)]
pub struct LegacyAdminJobs {
    /// Only jobs in this status.
    #[arg(long, value_parser = parse::job_status)]
    pub status: Option<JobStatus>,
    /// At most this many jobs.
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
}

/// `aitbc cancel J` / `aitbc status J` = `aitbc client cancel|status J`.
#[derive(Args, Debug)]
pub struct LegacyJob {
    /// Job id.
    #[arg(value_parser = parse::job_id)]
    pub job_id: JobId,
}

/// Today's command for an original spelling (other commands are returned as they are).
pub fn canonical(cmd: Command) -> Command {
    match cmd {
        Command::LegacySubmit(s) => {
            let (t, mut a) = match s {
                LegacySubmit::Inference(a) => (JobTypeArg::Inference, a),
                LegacySubmit::Embedding(a) => (JobTypeArg::Embedding, a),
            };
            a.job_type = t;
            Command::Client(ClientCmd::Submit(Box::new(a)))
        }
        Command::LegacyBrowser(b) => {
            Command::Explorer(ExplorerCmd::Receipts(explorer::ReceiptsArgs {
                limit: b.receipt_limit,
            }))
        }
        Command::LegacyReceipts(r) => Command::Client(ClientCmd::Receipts(client::ReceiptsArgs {
            job_id: r.job_id,
            limit: r.limit,
        })),
        Command::LegacyAdminMiners(m) => {
            Command::Admin(AdminCmd::Miners(admin::MinersArgs { limit: m.limit }))
        }
        Command::LegacyAdminJobs(j) => Command::Admin(AdminCmd::Jobs(admin::JobsArgs {
            status: j.status,
            limit: j.limit,
        })),
        Command::LegacyCancel(j) => {
            Command::Client(ClientCmd::Cancel(client::CancelArgs { job_id: j.job_id }))
        }
        Command::LegacyStatus(j) => {
            Command::Client(ClientCmd::Status(client::StatusArgs { job_id: j.job_id }))
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use clap::{CommandFactory, Parser};

    /// Both spellings parse to the same command.
    fn same(old: &[&str], new: &[&str]) {
        let o = Cli::try_parse_from(old).unwrap_or_else(|e| panic!("{old:?}: {e}"));
        let n = Cli::try_parse_from(new).unwrap_or_else(|e| panic!("{new:?}: {e}"));
        assert_eq!(
            format!("{:?}", canonical(o.command)),
            format!("{:?}", canonical(n.command)),
            "{old:?} vs {new:?}"
        );
    }

    #[test]
    fn original_spellings_are_todays_commands() {
        same(
            &[
                "aitbc",
                "submit",
                "inference",
                "--prompt",
                "P",
                "--model",
                "M",
                "--ttl",
                "900",
            ],
            &[
                "aitbc",
                "client",
                "submit",
                "--type",
                "inference",
                "--prompt",
                "P",
                "--model",
                "M",
                "--ttl",
                "900",
            ],
        );
        same(
            &[
                "aitbc",
                "submit",
                "embedding",
                "--prompt",
                "P",
                "--model",
                "M",
            ],
            &[
                "aitbc",
                "client",
                "submit",
                "--type",
                "embedding",
                "--prompt",
                "P",
                "--model",
                "M",
            ],
        );
        same(
            &["aitbc", "browser", "--receipt-limit", "5"],
            &["aitbc", "explorer", "receipts", "--limit", "5"],
        );
        same(
            &["aitbc", "receipts", "--job-id", "7"],
            &["aitbc", "client", "receipts", "--job-id", "7"],
        );
        same(&["aitbc", "admin-miners"], &["aitbc", "admin", "miners"]);
        same(
            &["aitbc", "admin-jobs", "--status", "queued"],
            &["aitbc", "admin", "jobs", "--status", "queued"],
        );
        same(
            &["aitbc", "cancel", "7"],
            &["aitbc", "client", "cancel", "7"],
        );
        same(
            &["aitbc", "status", "7"],
            &["aitbc", "client", "status", "7"],
        );
    }

    #[test]
    fn help_shows_only_todays_forms() {
        let mut cmd = Cli::command();
        let help = cmd.render_long_help().to_string();
        for old in [
            "submit",
            "browser",
            "receipts",
            "admin-miners",
            "admin-jobs",
            "cancel",
            "status",
        ] {
            assert!(
                !help.lines().any(|l| l.trim_start().starts_with(old)),
                "{old} is listed in --help:\n{help}"
            );
        }
        assert!(help.contains("client"), "{help}");
    }
}
