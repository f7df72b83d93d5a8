//! `aitbc-node`: the AITBC validator and full node.

use aitbc_node::{cli, commands, service};
use clap::Parser;

fn main() {
    let cli = cli::Cli::parse();
    let result = match &cli.command {
        Some(cli::Command::BuildSpec(cmd)) => commands::build_spec(cmd),
        Some(cli::Command::PurgeChain(cmd)) => commands::purge_chain(cmd),
        Some(cli::Command::Key(cmd)) => commands::key(cmd),
        None => service::run(&cli.run),
    };
    if let Err(e) = result {
        eprintln!("Error: {e:#}");
        std::process::exit(1);
    }
}
