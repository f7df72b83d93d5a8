//! `aitbc wallet ...`: create, import, list, use, address, balance, send, export.

use crate::context::{read_new_password, Ctx};
use crate::output::{table, Report};
use crate::parse;
use crate::submit::{send_call, SendOpts};
use aitbc_client::{
    amount::{format_amount, format_amount_json},
    keys,
    keystore::KeystoreJson,
    runtime::{AccountId, Balance, BalancesCall, RuntimeCall},
    state,
    tx::WaitFor,
};
use anyhow::{bail, Context as _, Result};
use clap::{ArgGroup, Args, Subcommand};
use serde_json::json;
use std::time::Duration;

#[derive(Subcommand, Debug)]
pub enum WalletCmd {
    /// Create a wallet with a new 12-word BIP39 mnemonic (shown once) and an encrypted key file.
    #[command(
        after_help = "Example:\n  aitbc wallet create --name test_wallet\n  AITBC_PASSWORD=secret aitbc --output json wallet create --name ci"
    )]
    Create(CreateArgs),
    /// Import a key from a mnemonic, a secret URI (//Alice) or a polkadot.js JSON account file.
    #[command(
        after_help = "Examples:\n  aitbc wallet import --name main --suri-file ~/main.secret   # a file holding the mnemonic (or //Alice, 0x<seed>)\n  AITBC_SURI=\"word1 word2 ... word12\" aitbc wallet import --name main\n  aitbc wallet import --name pjs --json exported.json\n  aitbc wallet import --name alice --uri //Alice             # visible in ps and shell history: a warning is printed\n\nWithout --mnemonic, --uri, --suri-file or --json the secret is read from AITBC_SURI."
    )]
    Import(ImportArgs),
    /// List wallets; `*` marks the default.
    #[command(after_help = "Example:\n  aitbc wallet list")]
    List(ListArgs),
    /// Make a wallet the default for later commands.
    #[command(after_help = "Example:\n  aitbc wallet use test_wallet")]
    Use(UseArgs),
    /// Print a wallet's SS58 address.
    #[command(
        after_help = "Example:\n  aitbc wallet address\n  aitbc --wallet alice wallet address"
    )]
    Address(AddressArgs),
    /// Show a wallet's (or any address's) balance: available, held, frozen, total.
    #[command(
        after_help = "Example:\n  aitbc wallet balance\n  aitbc wallet balance 5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
    )]
    Balance(BalanceArgs),
    /// Send AIT to an address (or to a local wallet by name).
    #[command(
        after_help = "Example:\n  aitbc wallet send 5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty 12.5\n  aitbc --wallet alice wallet send bob 100 --finalized"
    )]
    Send(SendArgs),
    /// Print the wallet's encrypted JSON account (importable in polkadot.js).
    #[command(after_help = "Example:\n  aitbc wallet export > test_wallet.json")]
    Export(ExportArgs),
}

impl WalletCmd {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        match self {
            WalletCmd::Create(a) => a.run(ctx),
            WalletCmd::Import(a) => a.run(ctx),
            WalletCmd::List(a) => a.run(ctx),
            WalletCmd::Use(a) => a.run(ctx),
            WalletCmd::Address(a) => a.run(ctx),
            WalletCmd::Balance(a) => a.run(ctx).await,
            WalletCmd::Send(a) => a.run(ctx).await,
            WalletCmd::Export(a) => a.run(ctx),
        }
    }
}

/// `aitbc wallet create`.
#[derive(Args, Debug)]
pub struct CreateArgs {
    /// Wallet name (letters, digits, '-', '_').
    #[arg(long)]
    pub name: String,
}

/// `aitbc wallet list`.
#[derive(Args, Debug)]
pub struct ListArgs {}

/// `aitbc wallet use`.
#[derive(Args, Debug)]
pub struct UseArgs {
    /// Wallet name.
    pub name: String,
}

/// `aitbc wallet address`.
#[derive(Args, Debug)]
pub struct AddressArgs {}

/// `aitbc wallet balance`.
#[derive(Args, Debug)]
pub struct BalanceArgs {
    /// Address or wallet name (default: the selected wallet).
    pub account: Option<String>,
}

/// `aitbc wallet export`.
#[derive(Args, Debug)]
pub struct ExportArgs {}

/// `aitbc wallet import`: where the key comes from is one of `--mnemonic`, `--uri`,
/// `--suri-file`, `--json`, else the `AITBC_SURI` environment variable.
#[derive(Args, Debug)]
#[command(group(ArgGroup::new("source").args(["mnemonic", "uri", "suri_file", "json"])))]
pub struct ImportArgs {
    /// Wallet name.
    #[arg(long)]
    pub name: String,
    /// BIP39 mnemonic, optionally with a derivation path (`"words...//hard/soft"`). Visible to
    /// other users (ps) and kept in shell history: prefer --suri-file or AITBC_SURI.
    #[arg(long)]
    pub mnemonic: Option<String>,
    /// Secret URI such as `//Alice` or `0x<32-byte seed>`. Visible to other users (ps) and kept
    /// in shell history: prefer --suri-file or AITBC_SURI.
    #[arg(long)]
    pub uri: Option<String>,
    /// A file holding the mnemonic or secret URI (surrounding whitespace is ignored).
    #[arg(long, value_name = "FILE")]
    pub suri_file: Option<std::path::PathBuf>,
    /// A JSON account exported by polkadot.js (or `aitbc wallet export`); asks its password.
    #[arg(long)]
    pub json: Option<std::path::PathBuf>,
}

/// The environment variable a secret URI or mnemonic may come from.
pub const SURI_ENV: &str = "AITBC_SURI";

/// The secret of `wallet import`: from the command line (with a warning), `--suri-file`, or
/// `AITBC_SURI`.
fn import_secret(a: &ImportArgs) -> Result<String> {
    for (flag, value) in [("--mnemonic", &a.mnemonic), ("--uri", &a.uri)] {
        if let Some(v) = value {
            eprintln!(
                "warning: the secret given with {flag} is visible to other users of this machine (ps, /proc) and stays in your shell history; prefer --suri-file FILE or the {SURI_ENV} environment variable"
            );
            return Ok(v.clone());
        }
    }
    if let Some(path) = &a.suri_file {
        let text = std::fs::read_to_string(path).with_context(|| {
            format!(
                "cannot read the secret file {} (--suri-file)",
                path.display()
            )
        })?;
        let secret = text.trim();
        if secret.is_empty() {
            bail!(
                "the secret file {} is empty: it should hold the mnemonic or secret URI (e.g. //Alice)",
                path.display()
            );
        }
        return Ok(secret.to_string());
    }
    match std::env::var(SURI_ENV) {
        Ok(v) if !v.trim().is_empty() => Ok(v.trim().to_string()),
        _ => bail!(
            "say which key to import: --suri-file FILE (a file holding the mnemonic or secret URI), the {SURI_ENV} environment variable, --json FILE (a polkadot.js export), or --mnemonic \"...\" / --uri //Alice (visible to other users)"
        ),
    }
}

#[derive(Args, Debug)]
pub struct SendArgs {
    /// Recipient: SS58 address (prefix 42), 0x account id, or a local wallet name.
    pub to: String,
    /// Amount in AIT, e.g. 12.5 (up to 12 decimals).
    #[arg(allow_hyphen_values = true, value_parser = parse::positive_amount)]
    pub amount: Balance,
    /// Tip for the block author, in AIT.
    #[arg(long, default_value = "0", value_parser = parse::amount)]
    pub tip: Balance,
    /// Wait for finality instead of inclusion in a block.
    #[arg(long)]
    pub finalized: bool,
    /// Give up waiting after this many seconds.
    #[arg(long, default_value_t = 120)]
    pub timeout: u64,
}

impl CreateArgs {
    pub fn run(self, ctx: &Ctx) -> Result<Report> {
        let name = self.name.as_str();
        aitbc_client::keystore::validate_name(name)?;
        if ctx.keystore.exists(name)? {
            bail!("wallet {name:?} already exists");
        }
        let password = read_new_password(name)?;
        let (pair, mnemonic) = keys::generate();
        let info = ctx.keystore.create(name, &pair, &password)?;
        let made_default = ctx.keystore.default_wallet()?.is_none();
        if made_default {
            ctx.keystore.set_default(name)?;
        }
        let mut r = Report::new(json!({
            "name": info.name,
            "address": info.address,
            "mnemonic": mnemonic,
            "file": info.path,
            "default": made_default,
        }))
        .line(format!("Wallet '{}' created.", info.name))
        .line(format!("Address:  {}", info.address))
        .line(format!("File:     {}", info.path.display()))
        .line("")
        .line("Mnemonic (shown ONCE, write it down and keep it offline):")
        .line("")
        .line(format!("    {mnemonic}"))
        .line("")
        .line("Anyone with these 12 words controls the funds. It is the only way to recover the")
        .line(format!("wallet if the file or its password is lost: aitbc wallet import --name {name} --mnemonic \"...\""));
        if made_default {
            r = r.line(format!("\n'{name}' is now the default wallet."));
        }
        Ok(r)
    }
}

impl ImportArgs {
    pub fn run(self, ctx: &Ctx) -> Result<Report> {
        let name = self.name.as_str();
        aitbc_client::keystore::validate_name(name)?;
        if ctx.keystore.exists(name)? {
            bail!("wallet {name:?} already exists");
        }
        let info = if let Some(path) = &self.json {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            let account: KeystoreJson = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a polkadot.js JSON account", path.display()))?;
            // Check the password opens it before storing it.
            let password =
                crate::context::read_password(&format!("Password of {}: ", path.display()))?;
            account.decrypt(&password, name)?;
            ctx.keystore.store(name, &account)?
        } else {
            let secret = import_secret(&self)?;
            let pair = keys::pair_from_uri(&secret)?;
            let password = read_new_password(name)?;
            ctx.keystore.create(name, &pair, &password)?
        };
        let made_default = ctx.keystore.default_wallet()?.is_none();
        if made_default {
            ctx.keystore.set_default(name)?;
        }
        let mut r = Report::new(
            json!({"name": info.name, "address": info.address, "file": info.path, "default": made_default}),
        )
        .line(format!("Wallet '{}' imported: {}", info.name, info.address));
        if made_default {
            r = r.line(format!("'{name}' is now the default wallet."));
        }
        Ok(r)
    }
}

impl ListArgs {
    pub fn run(self, ctx: &Ctx) -> Result<Report> {
        let wallets = ctx.keystore.list()?;
        let items: Vec<_> = wallets
            .iter()
            .map(|w| json!({"name": w.name, "address": w.address, "default": w.is_default, "file": w.path}))
            .collect();
        let mut t = table(&["", "name", "address"]);
        for w in &wallets {
            t.add_row(vec![
                if w.is_default { "*" } else { "" }.to_string(),
                w.name.clone(),
                w.address.clone(),
            ]);
        }
        let empty = format!(
            "No wallets in {}. Create one: aitbc wallet create --name NAME",
            ctx.keystore.wallets_dir().display()
        );
        Ok(Report::list(json!(items), wallets.is_empty(), &empty, t))
    }
}

impl UseArgs {
    pub fn run(self, ctx: &Ctx) -> Result<Report> {
        let name = self.name;
        ctx.keystore.set_default(&name)?;
        let address = ctx.keystore.address(&name)?;
        Ok(
            Report::new(json!({"name": name, "address": address, "default": true}))
                .line(format!("Default wallet is now '{name}' ({address}).")),
        )
    }
}

impl AddressArgs {
    pub fn run(self, ctx: &Ctx) -> Result<Report> {
        let name = ctx.wallet_name(None)?;
        let address = ctx.keystore.address(&name)?;
        Ok(Report::new(json!({"name": name, "address": address})).line(address))
    }
}

/// An address, or a local wallet's name.
pub fn resolve_account(ctx: &Ctx, input: &str) -> Result<AccountId> {
    match keys::parse_address(input) {
        Ok(a) => Ok(a),
        Err(e) => {
            if aitbc_client::keystore::validate_name(input).is_ok() && ctx.keystore.exists(input)? {
                Ok(keys::parse_address(&ctx.keystore.address(input)?)?)
            } else {
                Err(e.into())
            }
        }
    }
}

impl BalanceArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let (label, who) = match self.account.as_deref() {
            Some(a) => (a.to_string(), resolve_account(ctx, a)?),
            None => {
                let name = ctx.wallet_name(None)?;
                let addr = ctx.keystore.address(&name)?;
                (name, keys::parse_address(&addr)?)
            }
        };
        let rpc = ctx.connect().await?;
        let b = state::balance(&rpc, &who, None).await?;
        let holds = state::holds(&rpc, &who, None).await?;
        let address = keys::to_ss58(&who);
        let v = json!({
            "account": label,
            "address": address,
            "available": format_amount_json(b.transferable),
            "free": format_amount_json(b.free),
            "held": format_amount_json(b.reserved),
            "frozen": format_amount_json(b.frozen),
            "total": format_amount_json(b.total),
            "nonce": b.nonce,
            "holds": holds.iter().map(|(r, a)| json!({"reason": r, "amount": format_amount_json(*a)})).collect::<Vec<_>>(),
            "symbol": aitbc_client::runtime::TOKEN_SYMBOL,
        });
        let mut rows = vec![
            ("address", address),
            ("available", format_amount(b.transferable)),
            ("held/staked", format_amount(b.reserved)),
            ("frozen", format_amount(b.frozen)),
            ("total", format_amount(b.total)),
            ("nonce", b.nonce.to_string()),
        ];
        for (reason, amount) in &holds {
            rows.push(("  hold", format!("{} ({reason})", format_amount(*amount))));
        }
        Ok(Report::record(v, &rows))
    }
}

impl SendArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        // Everything that can be checked offline is checked first (the amounts by clap).
        let amount = self.amount;
        let name = ctx.wallet_name(None)?;
        let to = resolve_account(ctx, &self.to)?;
        let from = keys::parse_address(&ctx.keystore.address(&name)?)?;
        if from == to {
            bail!(
                "sender and recipient are the same account ({})",
                keys::to_ss58(&to)
            );
        }

        let rpc = ctx.connect().await?;
        let call = RuntimeCall::Balances(BalancesCall::transfer_keep_alive {
            dest: to.clone().into(),
            value: amount,
        });
        let opts = SendOpts {
            spend: amount,
            tip: self.tip,
            wait: if self.finalized {
                WaitFor::Finalized
            } else {
                WaitFor::InBlock
            },
            timeout: Duration::from_secs(self.timeout),
        };
        let label = format!(
            "Sending {} to {}",
            format_amount(amount),
            keys::to_ss58(&to)
        );
        let (_, tx) = send_call(ctx, &rpc, &name, call, &label, opts).await?;
        let v = tx.with_json(json!({
            "status": tx.status(),
            "result": "success",
            "block_number": tx.block_number,
            "from": keys::to_ss58(&from),
            "to": keys::to_ss58(&to),
            "amount": format_amount_json(amount),
        }));
        let rows = tx.with_rows(vec![
            ("result", "success".into()),
            ("from", keys::to_ss58(&from)),
            ("to", keys::to_ss58(&to)),
            ("amount", format_amount(amount)),
        ]);
        Ok(Report::record(v, &rows))
    }
}

impl ExportArgs {
    pub fn run(self, ctx: &Ctx) -> Result<Report> {
        let name = ctx.wallet_name(None)?;
        let json = ctx.keystore.load(&name)?;
        // The file is already the polkadot.js JSON account; both output modes print it.
        let v = serde_json::to_value(&json)?;
        let text = serde_json::to_string_pretty(&v)?;
        Ok(Report::new(v).line(text))
    }
}
