//! AITBC miner daemon (`aitbc-worker`): the chain-watching miner, inference backends and the
//! Ollama-compatible server.

pub mod api;
pub mod backend;
pub mod miner;
pub mod selfopt;
pub mod serve;
pub mod stream;
