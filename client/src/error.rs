//! The library's error type: one variant per failure a user can act on.

use std::path::PathBuf;

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the client library. Messages are one line and name the
/// offending input, so a CLI can print them as they are.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid amount {input:?}: {reason}")]
    InvalidAmount { input: String, reason: String },

    #[error("invalid address {input:?}: {reason}")]
    InvalidAddress { input: String, reason: String },

    #[error("invalid input: {0}")]
    InvalidInput(String),

    #[error("invalid secret: {0}")]
    InvalidSecret(String),

    #[error("invalid wallet name {0:?}: use 1-64 letters, digits, '-' or '_'")]
    InvalidWalletName(String),

    #[error("wallet {name:?} not found in {}", dir.display())]
    WalletNotFound { name: String, dir: PathBuf },

    #[error("wallet {0:?} already exists")]
    WalletExists(String),

    #[error(
        "no wallet selected: pass --wallet NAME, set AITBC_WALLET, or run `aitbc wallet use NAME`"
    )]
    NoWalletSelected,

    #[error("wrong password for wallet {0:?}")]
    WrongPassword(String),

    #[error("keystore file {}: {reason}", path.display())]
    Keystore { path: PathBuf, reason: String },

    #[error("I/O error on {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot reach node at {url}: {reason}")]
    Unreachable { url: String, reason: String },

    #[error("node at {url} does not support {what}")]
    Unsupported { url: String, what: String },

    #[error("RPC {method} failed: {message}")]
    Rpc {
        method: String,
        code: i32,
        message: String,
    },

    #[error("transaction rejected by the node: {0}")]
    InvalidTransaction(String),

    #[error("could not decode {what}: {reason}")]
    Decode { what: String, reason: String },

    #[error("not found: {0}")]
    NotFound(String),

    #[error("insufficient balance: {needed} needed ({detail}), {available} available to spend")]
    InsufficientBalance {
        needed: String,
        available: String,
        detail: String,
    },

    #[error("transaction {tx_hash} failed in block #{block_number}: {error}")]
    DispatchFailed {
        tx_hash: String,
        block_number: u32,
        error: String,
    },

    #[error("timed out after {secs}s waiting for {what}")]
    Timeout { secs: u64, what: String },

    #[error("transaction {tx_hash} was {status}")]
    TxDropped { tx_hash: String, status: String },
}

impl Error {
    /// A network failure that may pass (connection refused or reset, timeout, a closed
    /// connection): worth retrying after a pause.
    pub fn is_transient(&self) -> bool {
        matches!(self, Error::Unreachable { .. })
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn decode(what: impl Into<String>, reason: impl ToString) -> Self {
        Error::Decode {
            what: what.into(),
            reason: reason.to_string(),
        }
    }
}
