//! `aitbc`: the AITBC command line.

mod cli;
mod commands;
mod context;
mod forecast;
mod legacy;
mod names;
mod output;
mod parse;
mod report;
mod sse;
mod submit;
mod timeline;

use clap::Parser;
use cli::Cli;
use context::Ctx;

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // A value its parser refused (an amount, an id, a status...): one line saying what was
        // wrong and what a good value looks like, like every other error.
        Err(e) if e.kind() == clap::error::ErrorKind::ValueValidation => {
            let text = e.to_string();
            let reason: Vec<&str> = text.lines().take_while(|l| !l.trim().is_empty()).collect();
            eprintln!("{}", reason.join(" "));
            std::process::exit(1);
        }
        Err(e) => e.exit(),
    };
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
    // The one place a command's output is printed.
    let result = runtime
        .block_on(cli.command.run(&ctx))
        .map(|report| report.print(ctx.output));
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
