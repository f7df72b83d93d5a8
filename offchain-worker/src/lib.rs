//! AITBC miner daemon (`aitbc-worker`): inference backends and the Ollama-compatible server.

pub mod api;
pub mod backend;
pub mod serve;
