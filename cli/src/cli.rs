//! Command-line definition (clap). Each command carries an example in its help.

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::commands::{explorer::ExplorerCmd, wallet::WalletCmd};

#[derive(Parser, Debug)]
#[command(
    name = "aitbc",
    version,
    about = "AITBC command line: wallets, explorer and node health for the AITBC compute-market chain.",
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
    /// Browse blocks, transactions and accounts.
    #[command(subcommand, after_help = "Example:\n  aitbc explorer blocks --limit 5")]
    Explorer(ExplorerCmd),
    /// Node reachability, chain, best and finalized heights, peers and sync state.
    #[command(
        after_help = "Example:\n  aitbc health\n  aitbc --output json --url http://127.0.0.1:9944 health"
    )]
    Health,
}
