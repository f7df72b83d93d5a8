//! The execution profile of the backend this daemon runs, and its declaration on chain.
//!
//! A profile names everything that makes a model's output reproducible (`pallets/profiles`):
//! the model and the SHA-256 of its weights and tokenizer, the backend and its version, the
//! data type, the decoding and the hardware class. Its id is BLAKE2-256 of its SCALE encoding.
//! The daemon works out its profile once at start ([`of_backend`]) and, once it is an active
//! miner, declares it ([`declare`]) if the chain has it registered; if not, it logs the profile's
//! id and JSON form (what `aitbc profile register --file` reads) and mines on: jobs without
//! redundancy do not need a profile.
//!
//! Only the embedded backend has a profile: it runs a file whose hash the daemon knows, on a
//! known candle version, greedy. An Ollama server or a TorchScript model has none here.

use aitbc_client::{
    keys, profiles,
    profiles::{Decoding, ExecutionProfile, ProfileId},
};
use anyhow::Context;

use super::Session;
use crate::backend::{InferenceBackend, ModelInfo};

/// The candle release the embedded backend is built with (the workspace's `candle-core`
/// requirement; a test checks it).
pub const CANDLE: &str = "candle 0.11";

/// The start of the embedded SmolLM2 profile's name; the data type and decoding follow.
const SMOLLM2_STEM: &str = "smollm2-135m-instruct";
/// The start of the embedded Gemma 3 270M (pretrained) profile's name.
const GEMMA3_STEM: &str = "gemma-3-270m";

/// The start of an embedded model's profile name.
fn stem(model: &str) -> &str {
    match model {
        "gemma3" => GEMMA3_STEM,
        "smollm2" => SMOLLM2_STEM,
        other => other,
    }
}

/// The hardware class of a CPU backend on this machine, e.g. `x86_64-cpu`.
pub fn cpu_hardware_class() -> String {
    format!("{}-cpu", std::env::consts::ARCH)
}

/// A text field of a profile (at most 64 bytes; the model name 128).
fn text<T: TryFrom<Vec<u8>>>(field: &str, s: &str) -> anyhow::Result<T> {
    T::try_from(s.as_bytes().to_vec())
        .map_err(|_| anyhow::anyhow!("profile field `{field}` ({s:?}) is too long for the chain"))
}

/// The profile of the embedded backend serving `info` in exact mode: greedy decoding on this
/// machine's CPU, the weights (and, inside the GGUF, the tokenizer) hashed by the backend when
/// it loaded the file.
pub fn embedded(info: &ModelInfo) -> anyhow::Result<ExecutionProfile> {
    let digest = info
        .digest
        .as_deref()
        .and_then(|d| d.strip_prefix("sha256:"))
        .with_context(|| {
            format!(
                "the embedded model {} has no SHA-256 digest (got {:?})",
                info.name, info.digest
            )
        })?;
    let sha = profiles::parse_hex_hash(digest)
        .map_err(|e| anyhow::anyhow!("the embedded model's SHA-256 {digest:?}: {e}"))?;
    let dtype = info
        .quantization
        .as_deref()
        .map(str::to_ascii_lowercase)
        .with_context(|| format!("the embedded model {} has no known data type", info.name))?;
    let hardware_class = cpu_hardware_class();
    Ok(ExecutionProfile {
        name: text("name", &format!("{}-{dtype}-greedy-cpu", stem(&info.name)))?,
        model: text("model", &info.name)?,
        weights_sha256: sha,
        // The tokenizer is inside the GGUF file.
        tokenizer_sha256: sha,
        backend: text("backend", &format!("{CANDLE} cpu"))?,
        dtype: text("dtype", &dtype)?,
        decoding: Decoding::Greedy,
        hardware_class: text("hardware_class", &hardware_class)?,
    })
}

/// The profile of `backend`, or `None` when this backend has none (see the module docs).
pub async fn of_backend(
    backend: &dyn InferenceBackend,
) -> anyhow::Result<Option<ExecutionProfile>> {
    if backend.name() != "embedded" {
        return Ok(None);
    }
    let models = backend
        .models()
        .await
        .context("cannot list the embedded backend's model")?;
    let info = models
        .first()
        .context("the embedded backend serves no model")?;
    embedded(info).map(Some)
}

/// One line: the profile's id and its JSON form.
pub fn describe(profile: &ExecutionProfile) -> String {
    format!(
        "{} {}",
        profiles::hex_id(&profiles::profile_id(profile)),
        profiles::profile_to_json(profile)
    )
}

/// What [`declare`] found or did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Declared {
    /// The chain has no such profile registered: nothing sent.
    NotRegistered(ProfileId),
    /// This miner had already declared it.
    Already(ProfileId),
    /// Declared now, in this block.
    Now(ProfileId, u32),
}

/// Declares `profile` for this (active, registered) miner, keeping its other declarations, if
/// the chain has the profile registered and the miner has not declared it yet.
pub(crate) async fn declare(s: &Session, profile: &ExecutionProfile) -> anyhow::Result<Declared> {
    let id = profiles::profile_id(profile);
    let hex = profiles::hex_id(&id);
    if profiles::profile(&s.rpc, id, None).await?.is_none() {
        tracing::warn!(
            "🧾 execution profile {hex} is not registered on chain: not declared (jobs without redundancy still run). Its fields: {}. To register it: save that JSON to a file and run `aitbc profile register --file FILE`",
            profiles::profile_to_json(profile)
        );
        return Ok(Declared::NotRegistered(id));
    }
    let mut declared = profiles::profiles_of(&s.rpc, &s.account).await?;
    let others: Vec<String> = declared
        .iter()
        .filter(|d| **d != id)
        .map(profiles::hex_id)
        .collect();
    if !others.is_empty() {
        tracing::info!(
            "🧾 miner {} has also declared profile(s) this daemon does not run: {} (withdraw with `aitbc miner undeclare-profile ID`)",
            keys::to_ss58(&s.account),
            others.join(", ")
        );
    }
    if declared.contains(&id) {
        tracing::info!("🧾 execution profile {hex} already declared");
        return Ok(Declared::Already(id));
    }
    declared.push(id);
    let call = profiles::declare_profiles(declared)?;
    let outcome = s
        .send(call)
        .await
        .with_context(|| format!("declaring execution profile {hex}"))?;
    tracing::info!(
        "🧾 declared execution profile {hex} ({}) in block #{}",
        String::from_utf8_lossy(&profile.name),
        outcome.block_number
    );
    Ok(Declared::Now(id, outcome.block_number))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn smollm2_info(digest: Option<String>) -> ModelInfo {
        ModelInfo {
            name: "smollm2".into(),
            aliases: vec!["smollm2:135m".into()],
            family: Some("llama".into()),
            parameter_size: Some("135M".into()),
            quantization: Some("Q4_1".into()),
            context_length: Some(8192),
            size_bytes: Some(90_000_000),
            digest,
        }
    }

    #[test]
    fn the_gemma3_profile_is_named_after_gemma() {
        let mut info = smollm2_info(Some(format!("sha256:{}", "cd".repeat(32))));
        info.name = "gemma3".into();
        info.quantization = Some("Q4_K_M".into());
        let p = embedded(&info).expect("profile");
        assert_eq!(p.name.to_vec(), b"gemma-3-270m-q4_k_m-greedy-cpu".to_vec());
        assert_eq!(p.model.to_vec(), b"gemma3".to_vec());
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn the_embedded_smollm2_profile_is_the_one_every_preset_registers() {
        let sha = aitbc_runtime::profiles::SMOLLM2_GGUF_SHA256;
        let p = embedded(&smollm2_info(Some(format!("sha256:{}", hex(&sha))))).expect("profile");
        assert_eq!(p, aitbc_runtime::profiles::smollm2_profile());
        assert_eq!(
            profiles::profile_id(&p),
            profiles::profile_id(&aitbc_runtime::profiles::smollm2_profile())
        );
    }

    #[test]
    fn another_file_is_another_profile_and_a_missing_digest_is_an_error() {
        let p = embedded(&smollm2_info(Some(format!("sha256:{}", "ab".repeat(32))))).expect("ok");
        assert_ne!(
            profiles::profile_id(&p),
            profiles::profile_id(&aitbc_runtime::profiles::smollm2_profile())
        );
        assert_eq!(p.weights_sha256, p.tokenizer_sha256);
        assert!(embedded(&smollm2_info(None)).is_err());
        assert!(embedded(&smollm2_info(Some("sha256:12".into()))).is_err());
        assert!(describe(&p).starts_with("0x"));
    }

    #[test]
    fn the_candle_version_is_the_workspaces() {
        let manifest = include_str!("../../../Cargo.toml");
        let version = CANDLE.trim_start_matches("candle ");
        assert!(
            manifest.contains(&format!("candle-core = \"{version}\"")),
            "the workspace's candle-core is not {version}: update CANDLE (and the presets' profile)"
        );
    }
}
