//! `aitbc-node`: the AITBC validator and full node.
//!
//! The runtime runs natively (see DESIGN.md). Storage is RocksDB, consensus is Aura slots with
//! GRANDPA-format finality, and the JSON-RPC is Substrate's.

mod authoring;
mod chain_spec;
mod cli;
mod client;
mod commands;
mod db;
mod executor;
mod finality;
mod keystore;
mod metrics;
mod pool;
mod rpc;
mod service;
mod types;

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
