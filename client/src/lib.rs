//! AITBC client library, shared by the `aitbc` CLI and the miner daemon.
//!
//! - [`keys`]: sr25519 keys from mnemonics / dev URIs, SS58 addresses.
//! - [`keystore`]: polkadot.js-compatible encrypted JSON accounts and the wallet directory.
//! - [`amount`]: exact AIT amount parsing and formatting.

pub mod amount;
pub mod error;
pub mod keys;
pub mod keystore;
pub mod rpc;

pub use error::{Error, Result};
