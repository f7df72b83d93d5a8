//! AITBC client library, shared by the `aitbc` CLI and the miner daemon.
//!
//! - [`keys`]: sr25519 keys from mnemonics / dev URIs, SS58 addresses.
//! - [`keystore`]: polkadot.js-compatible encrypted JSON accounts and the wallet directory.
//! - [`amount`]: exact AIT amount parsing and formatting.
//! - [`rpc`]: typed Substrate JSON-RPC client (WebSocket or HTTP), retrying network failures.
//! - [`retry`]: exponential backoff for network failures.
//! - [`state`]: storage decoding (accounts, balances, holds, events).
//! - [`tx`]: build, sign, fee-estimate, submit and follow extrinsics for any `RuntimeCall`.
//! - [`blocks`]: decoded blocks, extrinsics and events for explorers.
//! - [`metadata`]: pallet/call/event/error names from the runtime's metadata, and the node's
//!   constants.
//! - [`jobs`]: compute jobs, results, receipts and miners (the compute market).
//! - [`runtime_api`]: runtime API calls by name, SCALE in and out.
//! - [`profiles`]: execution profiles (registered, retired, declared by miners) and their JSON
//!   form.
//! - [`swarms`]: agent swarms: pools per task type, tasks run as redundant jobs (map-reduce or
//!   whole), their progress and consensus.
//! - [`marketplace`]: GPU listings, bookings, offers and the pricing oracle.
//! - [`governance`]: DAO proposals, votes, rules and the governed parameters.
//! - [`autopay`]: the payment the pricing oracle suggests for a job.
//! - [`selfopt`]: an agent's self-optimization: the request to a miner, the measured runs,
//!   the table and the choice.
//! - [`receipt_proof`]: a receipt's proof, fetched from a node for offline verification.

pub mod agents;
pub mod amount;
pub mod autopay;
pub mod blocks;
pub mod error;
pub mod governance;
pub mod jobs;
pub mod keys;
pub mod keystore;
pub mod marketplace;
pub mod metadata;
pub mod profiles;
pub mod receipt_proof;
pub mod redundancy;
pub mod retry;
pub mod rpc;
pub mod runtime_api;
pub mod selfopt;
pub mod state;
pub mod swarms;
pub mod tx;

pub use aitbc_runtime as runtime;
pub use error::{Error, Result};
