//! What every command needs: options, the keystore, a node connection, passwords.

use crate::cli::{GlobalOpts, OutputFormat};
use aitbc_client::{
    keys::Pair,
    keystore::Keystore,
    retry::{NoteFn, RetryPolicy},
    rpc::RpcClient,
};
use anyhow::{bail, Context as _, Result};
use std::io::IsTerminal;
use std::sync::Arc;

pub struct Ctx {
    pub url: String,
    pub wallet: Option<String>,
    pub output: OutputFormat,
    pub keystore: Keystore,
    pub rpc_retries: u32,
}

impl Ctx {
    pub fn new(g: &GlobalOpts) -> Self {
        Ctx {
            url: g.url.clone(),
            wallet: g.wallet.clone(),
            output: g.output,
            keystore: Keystore::from_env(),
            rpc_retries: g.rpc_retries,
        }
    }

    pub fn json(&self) -> bool {
        self.output == OutputFormat::Json
    }

    /// Connects to the node (the error names the URL). Network failures are retried
    /// (`--rpc-retries`), each retry announced by a `note:` line on stderr.
    pub async fn connect(&self) -> Result<RpcClient> {
        let notes: NoteFn = Arc::new(crate::output::note);
        Ok(RpcClient::connect_with(
            &self.url,
            RetryPolicy::standard(self.rpc_retries),
            Some(notes),
        )
        .await?)
    }

    /// The wallet to use: `explicit`, else `--wallet`/`AITBC_WALLET`, else the default.
    pub fn wallet_name(&self, explicit: Option<&str>) -> Result<String> {
        let name = explicit.or(self.wallet.as_deref());
        let name = self.keystore.resolve(name)?;
        // Fails with "wallet not found" before anything else happens.
        self.keystore.load(&name)?;
        Ok(name)
    }

    /// Decrypts a wallet, asking for its password (or reading `AITBC_PASSWORD`).
    pub fn unlock(&self, name: &str) -> Result<Pair> {
        let json = self.keystore.load(name)?;
        let password = read_password(&format!("Password for wallet '{name}': "))?;
        Ok(json.decrypt(&password, name)?)
    }
}

/// `AITBC_PASSWORD`, else a hidden prompt on the terminal.
pub fn read_password(prompt: &str) -> Result<String> {
    if let Ok(p) = std::env::var("AITBC_PASSWORD") {
        return Ok(p);
    }
    if !std::io::stdin().is_terminal() {
        bail!("a password is needed: set AITBC_PASSWORD or run in a terminal");
    }
    rpassword::prompt_password(prompt).context("reading the password")
}

/// A new password: `AITBC_PASSWORD`, else prompted twice.
pub fn read_new_password(name: &str) -> Result<String> {
    if let Ok(p) = std::env::var("AITBC_PASSWORD") {
        if p.is_empty() {
            bail!("AITBC_PASSWORD is empty: wallets must be encrypted with a password");
        }
        return Ok(p);
    }
    let p1 = read_password(&format!("New password for wallet '{name}': "))?;
    if p1.is_empty() {
        bail!("the password cannot be empty");
    }
    let p2 = read_password("Repeat the password: ")?;
    if p1 != p2 {
        bail!("the passwords do not match");
    }
    Ok(p1)
}
