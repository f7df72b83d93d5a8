//! `aitbc-node`: the AITBC validator and full node, as a library (the binary is `main.rs`).
//!
//! The runtime runs natively (see docs/ARCHITECTURE.md, "Why the runtime runs natively"). Storage is RocksDB, consensus is Aura slots with
//! GRANDPA finality, networking is libp2p, and the JSON-RPC is Substrate's.

pub mod authoring;
pub mod chain;
pub mod chain_spec;
pub mod cli;
pub mod client;
pub mod commands;
pub mod db;
pub mod executor;
pub mod grandpa;
pub mod import;
pub mod keystore;
pub mod metrics;
pub mod network;
pub mod pool;
pub mod pruning;
pub mod rpc;
pub mod runtime_api;
pub mod service;
pub mod sync;
pub mod tasks;
#[cfg(test)]
pub(crate) mod testing;
pub mod types;
