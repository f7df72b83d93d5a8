//! Command-line definition (clap). Each command carries an example in its help.

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::commands::{
    admin::AdminCmd, agent::AgentCmd, client::ClientCmd, explorer::ExplorerCmd,
    governance::GovernanceCmd, health::HealthArgs, marketplace::MarketplaceCmd, miner::MinerCmd,
    optimize::OptimizeCmd, profile::ProfileCmd, receipt::ReceiptCmd, swarm::SwarmCmd,
    wallet::WalletCmd,
};
use crate::context::Ctx;
use crate::legacy::{
    LegacyAdminJobs, LegacyAdminMiners, LegacyBrowser, LegacyJob, LegacyReceipts, LegacySubmit,
};
use crate::output::Report;

#[derive(Parser, Debug)]
#[command(
    name = "aitbc",
    version,
    about = "AITBC command line: wallets, compute jobs, miners, the GPU marketplace, governance, explorer and node health for the AITBC chain.",
    after_help = "Examples:\n  aitbc wallet create --name test_wallet\n  aitbc --output json wallet balance\n  aitbc --url ws://10.0.0.5:9944 health"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOpts,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct GlobalOpts {
    /// Node JSON-RPC endpoint (ws://, wss://, http:// or https://).
    #[arg(
        long,
        global = true,
        env = "AITBC_URL",
        default_value = "ws://127.0.0.1:9944"
    )]
    pub url: String,
    /// Wallet to sign with (default: the one chosen with `aitbc wallet use`).
    #[arg(long, global = true, env = "AITBC_WALLET")]
    pub wallet: Option<String>,
    /// Output format: human tables, or stable JSON for scripts.
    #[arg(long, global = true, env = "AITBC_OUTPUT", value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
    /// Retries of a request that fails on the network (connection refused or reset, timeout):
    /// after 1 s, 2 s and 4 s, reconnecting, with a note on stderr; 0 to fail at once.
    #[arg(long, global = true, env = "AITBC_RPC_RETRIES", default_value_t = 3, value_parser = clap::value_parser!(u32).range(0..=3))]
    pub rpc_retries: u32,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Table,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create, import and use wallets; balances and transfers.
    #[command(
        subcommand,
        after_help = "Example:\n  aitbc wallet create --name test_wallet"
    )]
    Wallet(WalletCmd),
    /// Submit compute jobs, follow them, read results and receipts.
    #[command(
        subcommand,
        after_help = "Example:\n  aitbc client submit --model smollm2 --prompt \"Hello AITBC\" --payment 5 --wait"
    )]
    Client(ClientCmd),
    /// Offer GPU compute: register, heartbeat, accept jobs, earnings.
    #[command(
        subcommand,
        after_help = "Example:\n  aitbc miner register --gpus \"1x RTX 4090\" --price-per-hour 0.5"
    )]
    Miner(MinerCmd),
    /// Execution profiles: what makes a model's output reproducible, registered on chain, and
    /// the miners that run each.
    #[command(
        subcommand,
        after_help = "Examples:\n  aitbc profile list\n  aitbc profile register --file profile.json\n  aitbc miner profiles"
    )]
    Profile(ProfileCmd),
    /// Rent GPUs by the hour: listings, bookings, offers and the pricing oracle.
    #[command(
        subcommand,
        after_help = "Examples:\n  aitbc marketplace gpu register --model \"RTX 4090\" --vram 24 --hourly-rate 0.5\n  aitbc marketplace offers list --model \"RTX 4090\"\n  aitbc marketplace pricing --model \"RTX 4090\""
    )]
    Marketplace(MarketplaceCmd),
    /// DAO proposals and votes that change the market's parameters.
    #[command(
        subcommand,
        after_help = "Examples:\n  aitbc governance propose --title \"Increase Miner Rewards\" --description \"...\" --amount 1000 --action miner-reward=2\n  aitbc governance vote 0 --vote yes --amount 500\n  aitbc governance result 0"
    )]
    Governance(GovernanceCmd),
    /// Agent swarms: pools of miners' agents per task type, and tasks a pool runs as
    /// redundant jobs (map-reduce or whole) with their agreed result and confidence metrics.
    #[command(
        subcommand,
        after_help = "Examples:\n  aitbc swarm join --agent-id 3 --task-type \"distributed-training\"\n  aitbc swarm coordinate --task-id 0 --strategy \"map-reduce\"\n  aitbc swarm consensus --task-id 0"
    )]
    Swarm(SwarmCmd),
    /// AI agents: register configured agents with whitelisted tools, run them on the network
    /// and check every step they took against the chain.
    #[command(
        subcommand,
        after_help = "Examples:\n  aitbc agent create --name \"data_analyzer\" --type analysis --config agent_config.json\n  aitbc agent execute --agent-id 0 --input \"Analyze Q3 financial data\" --file q3.csv\n  aitbc agent trace 12"
    )]
    Agent(AgentCmd),
    /// Planning from the chain's own history: forecasts of the network's hourly activity with
    /// prediction intervals, and the miners the forecast peak needs.
    #[command(
        subcommand,
        after_help = "Example:\n  aitbc optimize predict --target network-load --horizon 24h"
    )]
    Optimize(OptimizeCmd),
    /// Network-wide views of miners and jobs.
    #[command(
        subcommand,
        after_help = "Example:\n  aitbc admin jobs --status running"
    )]
    Admin(AdminCmd),
    /// Browse blocks, transactions and accounts.
    #[command(subcommand, after_help = "Example:\n  aitbc explorer blocks --limit 5")]
    Explorer(ExplorerCmd),
    /// Node reachability, chain, best and finalized heights, peers and sync state.
    #[command(
        after_help = "Example:\n  aitbc health\n  aitbc --output json --url http://127.0.0.1:9944 health"
    )]
    Health(HealthArgs),
    /// Verify job receipts offline, from the chain's genesis hash alone.
    #[command(
        subcommand,
        after_help = "Example:\n  aitbc receipt verify 0 --proof-out receipt-0.json"
    )]
    Receipt(ReceiptCmd),

    // The original spellings, hidden (see `legacy`).
    #[command(
        name = "submit",
        hide = true,
        subcommand,
        after_help = "Example:\n  aitbc submit inference --prompt \"Hello AITBC\" --model llama3 --ttl 900"
    )]
    LegacySubmit(LegacySubmit),
    #[command(
        name = "browser",
        hide = true,
        after_help = "Example:\n  aitbc browser --receipt-limit 5"
    )]
    LegacyBrowser(LegacyBrowser),
    #[command(
        name = "receipts",
        hide = true,
        after_help = "Example:\n  aitbc receipts --job-id 7"
    )]
    LegacyReceipts(LegacyReceipts),
    #[command(
        name = "admin-miners",
        hide = true,
        after_help = "Example:\n  aitbc admin-miners"
    )]
    LegacyAdminMiners(LegacyAdminMiners),
    #[command(
        name = "admin-jobs",
        hide = true,
        after_help = "Example:\n  aitbc admin-jobs"
    )]
    LegacyAdminJobs(LegacyAdminJobs),
    #[command(
        name = "cancel",
        hide = true,
        after_help = "Example:\n  aitbc cancel 7"
    )]
    LegacyCancel(LegacyJob),
    #[command(
        name = "status",
        hide = true,
        after_help = "Example:\n  aitbc status 7"
    )]
    LegacyStatus(LegacyJob),
}

impl Command {
    /// Runs the command (an original spelling as today's command); its report is printed by
    /// the caller.
    pub async fn run(self, ctx: &Ctx) -> anyhow::Result<Report> {
        match crate::legacy::canonical(self) {
            Command::Wallet(cmd) => cmd.run(ctx).await,
            Command::Client(cmd) => cmd.run(ctx).await,
            Command::Miner(cmd) => cmd.run(ctx).await,
            Command::Profile(cmd) => cmd.run(ctx).await,
            Command::Marketplace(cmd) => cmd.run(ctx).await,
            Command::Governance(cmd) => cmd.run(ctx).await,
            Command::Swarm(cmd) => cmd.run(ctx).await,
            Command::Agent(cmd) => cmd.run(ctx).await,
            Command::Optimize(cmd) => cmd.run(ctx).await,
            Command::Admin(cmd) => cmd.run(ctx).await,
            Command::Explorer(cmd) => cmd.run(ctx).await,
            Command::Health(a) => a.run(ctx).await,
            Command::Receipt(c) => c.run(ctx).await,
            other => Err(anyhow::anyhow!(
                "internal error: {other:?} was not turned into a current command"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_valid() {
        Cli::command().debug_assert();
    }

    fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
        let help = cmd
            .get_after_help()
            .map(|h| h.to_string())
            .unwrap_or_default();
        if !help.contains("Example") || !help.contains("aitbc ") {
            missing.push(path.to_string());
        }
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            walk(sub, &format!("{path} {}", sub.get_name()), missing);
        }
    }

    #[test]
    fn every_command_has_an_example() {
        let mut missing = Vec::new();
        walk(&Cli::command(), "aitbc", &mut missing);
        assert!(
            missing.is_empty(),
            "commands without an example in --help: {missing:?}"
        );
    }

    #[test]
    fn global_options() {
        let cli = Cli::try_parse_from(["aitbc", "health"]).unwrap();
        assert_eq!(cli.global.url, "ws://127.0.0.1:9944");
        assert_eq!(cli.global.output, OutputFormat::Table);
        let cli = Cli::try_parse_from([
            "aitbc",
            "wallet",
            "balance",
            "--output",
            "json",
            "--url",
            "http://x:1",
            "--wallet",
            "w",
        ])
        .unwrap();
        assert_eq!(cli.global.output, OutputFormat::Json);
        assert_eq!(cli.global.url, "http://x:1");
        assert_eq!(cli.global.wallet.as_deref(), Some("w"));
        assert!(Cli::try_parse_from(["aitbc", "--output", "xml", "health"]).is_err());
        // import takes at most one key source (none: the secret comes from AITBC_SURI).
        assert!(Cli::try_parse_from(["aitbc", "wallet", "import", "--name", "a"]).is_ok());
        assert!(Cli::try_parse_from([
            "aitbc",
            "wallet",
            "import",
            "--name",
            "a",
            "--uri",
            "//A",
            "--mnemonic",
            "x"
        ])
        .is_err());
        assert!(Cli::try_parse_from(["aitbc", "explorer", "blocks", "--limit", "0"]).is_err());
    }
}
