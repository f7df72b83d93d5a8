//! `aitbc`: the AITBC command line.

mod cli;
mod commands;
mod context;
mod legacy;
mod names;
mod output;
mod parse;
mod submit;
mod timeline;

use clap::Parser;
use cli::{Cli, Command};
use context::Ctx;

fn main() {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            std::process::exit(1);
        }
    };
    let ctx = Ctx::new(&cli.global);
    let result = runtime.block_on(async {
        match legacy::canonical(cli.command) {
            Command::Wallet(cmd) => commands::wallet::run(&ctx, cmd).await,
            Command::Client(cmd) => commands::client::run(&ctx, cmd).await,
            Command::Miner(cmd) => commands::miner::run(&ctx, cmd).await,
            Command::Marketplace(cmd) => commands::marketplace::run(&ctx, cmd).await,
            Command::Governance(cmd) => commands::governance::run(&ctx, cmd).await,
            Command::Admin(cmd) => commands::admin::run(&ctx, cmd).await,
            Command::Explorer(cmd) => commands::explorer::run(&ctx, cmd).await,
            Command::Health => commands::health::run(&ctx).await,
            other => Err(anyhow::anyhow!(
                "internal error: {other:?} was not turned into a current command"
            )),
        }
    });
    if let Err(e) = result {
        // One line: the outermost message, then its causes.
        let mut msg = e.to_string();
        for cause in e.chain().skip(1) {
            let c = cause.to_string();
            if !msg.contains(&c) {
                msg.push_str(": ");
                msg.push_str(&c);
            }
        }
        eprintln!("error: {}", msg.replace('\n', " "));
        std::process::exit(1);
    }
}
