//! Shared test helpers: the real model's location (tests fail, never skip, when it is absent).

#![allow(dead_code)]

pub mod net;
pub mod procs;

use aitbc_worker::backend::embedded::{default_model_path, EmbeddedBackend, EmbeddedConfig};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// The SmolLM2 GGUF file; panics with the fix when it has not been fetched.
pub fn model_path() -> PathBuf {
    let path = default_model_path();
    assert!(
        path.is_file(),
        "the SmolLM2 model is missing at {}: run scripts/fetch-models.sh (or scripts/setup.sh) first",
        path.display()
    );
    path
}

/// One loaded embedded backend shared by the tests of a binary.
pub fn embedded() -> Arc<EmbeddedBackend> {
    static BACKEND: OnceLock<Arc<EmbeddedBackend>> = OnceLock::new();
    BACKEND
        .get_or_init(|| {
            let config = EmbeddedConfig::smollm2(Some(model_path()));
            Arc::new(EmbeddedBackend::load(config).expect("load the SmolLM2 model"))
        })
        .clone()
}

/// Gemma 3 270M loaded once per test binary; panics with the fix when it has not been fetched
/// (like SmolLM2: scripts/test.sh runs scripts/fetch-models.sh, which fetches both).
pub fn gemma3() -> Arc<EmbeddedBackend> {
    static BACKEND: OnceLock<Arc<EmbeddedBackend>> = OnceLock::new();
    BACKEND
        .get_or_init(|| {
            let path = aitbc_worker::backend::embedded::gemma3_model_path();
            assert!(
                path.is_file(),
                "the Gemma 3 270M model is missing at {}: run scripts/fetch-models.sh first",
                path.display()
            );
            let config = EmbeddedConfig::gemma3(Some(path));
            Arc::new(EmbeddedBackend::load(config).expect("load the Gemma 3 model"))
        })
        .clone()
}
