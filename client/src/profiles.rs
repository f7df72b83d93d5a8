//! Execution profiles (pallet `ExecutionProfiles`, index 17): what makes a model's output
//! reproducible, registered on chain, and the miners that run each. Queries read the pallet's
//! storage (`Profiles`, `MinerProfiles`, `ProfileMiners`); call builders check their inputs
//! before anything is signed; a profile's JSON form (the fields of [`ExecutionProfile`], hashes
//! in hex) is what `aitbc profile register --file` reads and what the miner daemon logs.
//!
//! A profile's id is BLAKE2-256 of its SCALE encoding ([`profile_id`]), so the same content is
//! always the same id.

use crate::error::{Error, Result};
use crate::metadata::NodeMetadata;
use crate::rpc::RpcClient;
use crate::state::fetch;
use aitbc_runtime::{AccountId, Balance, Hash, Runtime, RuntimeCall};
use frame_support::storage::StoragePrefixedMap;
use serde_json::{json, Map, Value};
use sp_core::H256;

pub use pallet_aitbc_profiles::{
    profile_id, Decoding, ExecutionProfile, ProfileId, ProfileList, ProfileText,
    MAX_PROFILES_PER_MINER,
};

/// A registered profile as this runtime stores it: the profile, its owner (`None`: registered
/// at genesis) and the deposit held from the owner.
pub type ProfileRecord = pallet_aitbc_profiles::ProfileRecord<AccountId, Balance>;

/// Keys asked of the node per page when listing profiles.
const KEYS_PAGE: u32 = 256;

// ---- queries ----

/// The registered profile `id` (`None`: never registered, or retired).
pub async fn profile(
    rpc: &RpcClient,
    id: ProfileId,
    at: Option<Hash>,
) -> Result<Option<ProfileRecord>> {
    let key = pallet_aitbc_profiles::Profiles::<Runtime>::hashed_key_for(id);
    fetch(rpc, &key, at, "ExecutionProfiles.Profiles").await
}

/// A profile that must be registered: `NotFound("profile 0x…")` otherwise.
pub async fn existing_profile(rpc: &RpcClient, id: ProfileId) -> Result<ProfileRecord> {
    profile(rpc, id, None).await?.ok_or_else(|| {
        Error::NotFound(format!(
            "profile {} (no registered profile has that id: it was never registered or was retired; see `aitbc profile list`)",
            hex_id(&id)
        ))
    })
}

/// Every registered profile with its id, ordered by id, at most `max`.
pub async fn profiles(rpc: &RpcClient, max: usize) -> Result<Vec<(ProfileId, ProfileRecord)>> {
    let prefix = pallet_aitbc_profiles::Profiles::<Runtime>::final_prefix();
    // Read every page at the same block, so that a profile registered meanwhile cannot be
    // missed or listed twice.
    let at = rpc.block_hash(None).await?;
    let mut out = Vec::new();
    let mut start: Option<Vec<u8>> = None;
    loop {
        let keys = rpc
            .storage_keys_paged(&prefix, KEYS_PAGE, start.as_deref(), at)
            .await?;
        let done = keys.len() < KEYS_PAGE as usize;
        for key in &keys {
            // `Identity` hasher: the key ends with the id itself.
            let Some(raw) = key.strip_prefix(&prefix[..]).filter(|k| k.len() == 32) else {
                return Err(Error::decode(
                    "ExecutionProfiles.Profiles key",
                    format!(
                        "{} bytes after the prefix, not 32",
                        key.len().saturating_sub(32)
                    ),
                ));
            };
            let id = H256::from_slice(raw);
            if let Some(record) = profile(rpc, id, at).await? {
                out.push((id, record));
            }
            if out.len() >= max {
                return Ok(out);
            }
        }
        start = keys.last().cloned();
        if done || start.is_none() {
            return Ok(out);
        }
    }
}

/// The profiles `miner` has declared (empty if none).
pub async fn profiles_of(rpc: &RpcClient, miner: &AccountId) -> Result<Vec<ProfileId>> {
    let key = pallet_aitbc_profiles::MinerProfiles::<Runtime>::hashed_key_for(miner);
    let list: Option<ProfileList> =
        fetch(rpc, &key, None, "ExecutionProfiles.MinerProfiles").await?;
    Ok(list.map(|l| l.into_inner()).unwrap_or_default())
}

/// The miners that declared profile `id`.
pub async fn miners_of(rpc: &RpcClient, id: ProfileId) -> Result<Vec<AccountId>> {
    let key = pallet_aitbc_profiles::ProfileMiners::<Runtime>::hashed_key_for(id);
    let list: Option<Vec<AccountId>> =
        fetch(rpc, &key, None, "ExecutionProfiles.ProfileMiners").await?;
    Ok(list.unwrap_or_default())
}

/// The profiles pallet's rules as the node's runtime sets them (from its metadata).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProfileRules {
    /// Held from whoever registers a profile, returned when it is retired.
    pub deposit: Balance,
    /// Most miners listed under one profile.
    pub max_miners_per_profile: u32,
}

impl ProfileRules {
    /// Reads the `ExecutionProfiles` constants from metadata.
    pub fn from_metadata(m: &NodeMetadata) -> Result<Self> {
        Ok(ProfileRules {
            deposit: m.constant("ExecutionProfiles", "ProfileDeposit")?,
            max_miners_per_profile: m.constant("ExecutionProfiles", "MaxMinersPerProfile")?,
        })
    }

    /// Fetches the node's metadata and reads the rules from it.
    pub async fn fetch(rpc: &RpcClient) -> Result<Self> {
        Self::from_metadata(&NodeMetadata::fetch(rpc).await?)
    }
}

// ---- call builders ----

/// `ExecutionProfiles::register` (holds the deposit from the signer).
pub fn register_profile(profile: ExecutionProfile) -> RuntimeCall {
    RuntimeCall::ExecutionProfiles(pallet_aitbc_profiles::Call::register { profile })
}

/// `ExecutionProfiles::retire` (the owner gets the deposit back).
pub fn retire_profile(id: ProfileId) -> RuntimeCall {
    RuntimeCall::ExecutionProfiles(pallet_aitbc_profiles::Call::retire { id })
}

/// `ExecutionProfiles::declare`: the signing miner runs exactly `ids` from now on.
pub fn declare_profiles(ids: Vec<ProfileId>) -> Result<RuntimeCall> {
    let n = ids.len();
    let profiles: ProfileList = ids.try_into().map_err(|_| {
        Error::InvalidInput(format!(
            "{n} profiles declared; a miner runs at most {MAX_PROFILES_PER_MINER}"
        ))
    })?;
    Ok(RuntimeCall::ExecutionProfiles(
        pallet_aitbc_profiles::Call::declare { profiles },
    ))
}

/// `ExecutionProfiles::undeclare`: the signer withdraws from profile `id`.
pub fn undeclare_profile(id: ProfileId) -> RuntimeCall {
    RuntimeCall::ExecutionProfiles(pallet_aitbc_profiles::Call::undeclare { id })
}

/// `ExecutionProfiles::prune_declarations`: remove the declarations of `miner`, which is no
/// longer an active miner.
pub fn prune_declarations(miner: AccountId) -> RuntimeCall {
    RuntimeCall::ExecutionProfiles(pallet_aitbc_profiles::Call::prune_declarations { miner })
}

// ---- ids, text and JSON ----

/// A profile id from `0x` + 64 hex digits (the `0x` may be left out).
pub fn parse_profile_id(s: &str) -> Result<ProfileId> {
    parse_hex_hash(s.trim()).map_err(|reason| {
        Error::InvalidInput(format!(
            "profile id {s:?}: {reason} (see the ids with: aitbc profile list)"
        ))
    })
}

/// 32 bytes from `0x` + 64 hex digits (the `0x` may be left out); the error says what is
/// wrong, for the caller to name the input.
pub fn parse_hex_hash(s: &str) -> std::result::Result<H256, String> {
    let digits = s.strip_prefix("0x").unwrap_or(s);
    if digits.len() != 64 {
        return Err(format!(
            "expected 64 hex digits (32 bytes), got {} characters",
            digits.len()
        ));
    }
    let bytes = hex::decode(digits).map_err(|e| format!("not hex: {e}"))?;
    Ok(H256::from_slice(&bytes))
}

/// `0x` + 64 lowercase hex digits.
pub fn hex_id(id: &H256) -> String {
    format!("0x{}", hex::encode(id.as_bytes()))
}

fn text(t: &[u8]) -> String {
    String::from_utf8_lossy(t).into_owned()
}

/// `greedy`, or `seeded (seed 42, temperature 0.7, top_p 0.9)`.
pub fn decoding_text(d: &Decoding) -> String {
    match d {
        Decoding::Greedy => "greedy".into(),
        Decoding::Seeded {
            seed,
            temperature_milli,
            top_p_milli,
        } => format!(
            "seeded (seed {seed}, temperature {}, top_p {})",
            f64::from(*temperature_milli) / 1000.0,
            f64::from(*top_p_milli) / 1000.0
        ),
    }
}

/// The fields of a profile's JSON form, in order.
pub const PROFILE_FIELDS: [&str; 8] = [
    "name",
    "model",
    "weights_sha256",
    "tokenizer_sha256",
    "backend",
    "dtype",
    "decoding",
    "hardware_class",
];

/// A profile's JSON form, as [`profile_from_json`] reads it: text fields as strings, hashes as
/// `0x` + hex, decoding `"greedy"` or `{"seed": 42, "temperature_milli": 700,
/// "top_p_milli": 900}`.
pub fn profile_to_json(p: &ExecutionProfile) -> Value {
    json!({
        "name": text(&p.name),
        "model": text(&p.model),
        "weights_sha256": hex_id(&p.weights_sha256),
        "tokenizer_sha256": hex_id(&p.tokenizer_sha256),
        "backend": text(&p.backend),
        "dtype": text(&p.dtype),
        "decoding": match &p.decoding {
            Decoding::Greedy => json!("greedy"),
            Decoding::Seeded { seed, temperature_milli, top_p_milli } => json!({
                "seed": seed,
                "temperature_milli": temperature_milli,
                "top_p_milli": top_p_milli,
            }),
        },
        "hardware_class": text(&p.hardware_class),
    })
}

fn field_error(field: &str, reason: impl std::fmt::Display) -> Error {
    Error::InvalidInput(format!("profile field `{field}`: {reason}"))
}

fn str_field<'a>(obj: &'a Map<String, Value>, field: &str) -> Result<&'a str> {
    match obj.get(field) {
        None => Err(field_error(field, "missing")),
        Some(Value::String(s)) => Ok(s.as_str()),
        Some(other) => Err(field_error(
            field,
            format!("expected a string, got {other}"),
        )),
    }
}

fn bounded_text<const N: u32>(
    obj: &Map<String, Value>,
    field: &str,
    required: bool,
) -> Result<frame_support::BoundedVec<u8, frame_support::traits::ConstU32<N>>> {
    let s = str_field(obj, field)?;
    if required && s.trim().is_empty() {
        return Err(field_error(
            field,
            "empty (the chain refuses a profile without it)",
        ));
    }
    let len = s.len();
    s.as_bytes()
        .to_vec()
        .try_into()
        .map_err(|_| field_error(field, format!("{len} bytes; the limit is {N}")))
}

fn hash_field(obj: &Map<String, Value>, field: &str) -> Result<H256> {
    parse_hex_hash(str_field(obj, field)?.trim())
        .map_err(|r| field_error(field, format!("{r} (a SHA-256 in hex)")))
}

fn u64_field(obj: &Map<String, Value>, field: &str, what: &str) -> Result<u64> {
    match obj.get(field) {
        None => Err(field_error(what, format!("`{field}` is missing"))),
        Some(v) => v.as_u64().ok_or_else(|| {
            field_error(
                what,
                format!("`{field}` must be a whole number ≥ 0, got {v}"),
            )
        }),
    }
}

fn decoding_field(obj: &Map<String, Value>) -> Result<Decoding> {
    const HOW: &str =
        r#"expected "greedy" or {"seed": 42, "temperature_milli": 700, "top_p_milli": 1000}"#;
    match obj.get("decoding") {
        None => Err(field_error("decoding", "missing")),
        Some(Value::String(s)) if s == "greedy" => Ok(Decoding::Greedy),
        Some(Value::Object(d)) => {
            if let Some(k) = d
                .keys()
                .find(|k| !["seed", "temperature_milli", "top_p_milli"].contains(&k.as_str()))
            {
                return Err(field_error("decoding", format!("unknown key `{k}`: {HOW}")));
            }
            let milli = |key: &str| -> Result<u32> {
                let v = u64_field(d, key, "decoding")?;
                u32::try_from(v)
                    .ok()
                    .filter(|v| *v <= 1_000_000)
                    .ok_or_else(|| field_error("decoding", format!("`{key}` {v} is too large")))
            };
            Ok(Decoding::Seeded {
                seed: u64_field(d, "seed", "decoding")?,
                temperature_milli: milli("temperature_milli")?,
                top_p_milli: milli("top_p_milli")?,
            })
        }
        Some(other) => Err(field_error("decoding", format!("{HOW}, got {other}"))),
    }
}

/// Reads a profile from its JSON form ([`profile_to_json`]); every error names the field.
pub fn profile_from_json(v: &Value) -> Result<ExecutionProfile> {
    let Value::Object(obj) = v else {
        return Err(Error::InvalidInput(format!(
            "a profile is a JSON object with the fields {}",
            PROFILE_FIELDS.join(", ")
        )));
    };
    if let Some(k) = obj.keys().find(|k| !PROFILE_FIELDS.contains(&k.as_str())) {
        return Err(Error::InvalidInput(format!(
            "unknown profile field `{k}`; the fields are {}",
            PROFILE_FIELDS.join(", ")
        )));
    }
    Ok(ExecutionProfile {
        name: bounded_text(obj, "name", true)?,
        model: bounded_text(obj, "model", true)?,
        weights_sha256: hash_field(obj, "weights_sha256")?,
        tokenizer_sha256: hash_field(obj, "tokenizer_sha256")?,
        backend: bounded_text(obj, "backend", true)?,
        dtype: bounded_text(obj, "dtype", false)?,
        decoding: decoding_field(obj)?,
        hardware_class: bounded_text(obj, "hardware_class", false)?,
    })
}

/// Reads a profile from JSON text (see [`profile_from_json`]).
pub fn parse_profile_json(text: &str) -> Result<ExecutionProfile> {
    let v: Value = serde_json::from_str(text)
        .map_err(|e| Error::InvalidInput(format!("the profile is not valid JSON: {e}")))?;
    profile_from_json(&v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn smollm2() -> ExecutionProfile {
        aitbc_runtime::profiles::smollm2_profile()
    }

    #[test]
    fn the_json_form_reads_back_to_the_same_profile_and_id() {
        let p = smollm2();
        let v = profile_to_json(&p);
        assert_eq!(v["decoding"], "greedy");
        assert_eq!(v["model"], "smollm2");
        let back = profile_from_json(&v).expect("reads back");
        assert_eq!(profile_id(&back), profile_id(&p));
        let mut seeded = p.clone();
        seeded.decoding = Decoding::Seeded {
            seed: 7,
            temperature_milli: 700,
            top_p_milli: 1000,
        };
        let text = serde_json::to_string(&profile_to_json(&seeded)).expect("json");
        assert_eq!(parse_profile_json(&text).expect("reads"), seeded);
        // Hashes without 0x are accepted.
        let mut v = profile_to_json(&p);
        v["weights_sha256"] = json!(hex::encode(p.weights_sha256.as_bytes()));
        assert_eq!(profile_from_json(&v).expect("no 0x"), p);
    }

    #[test]
    fn errors_name_the_field() {
        let base = profile_to_json(&smollm2());
        let err = |f: &dyn Fn(&mut Value)| {
            let mut v = base.clone();
            f(&mut v);
            profile_from_json(&v).expect_err("refused").to_string()
        };
        let e = err(&|v| v["weights_sha256"] = json!("0x1234"));
        assert!(
            e.contains("`weights_sha256`") && e.contains("64 hex digits"),
            "{e}"
        );
        let e = err(&|v| v["tokenizer_sha256"] = json!("zz".repeat(32)));
        assert!(
            e.contains("`tokenizer_sha256`") && e.contains("not hex"),
            "{e}"
        );
        let e = err(&|v| {
            v.as_object_mut().expect("object").remove("dtype");
        });
        assert!(e.contains("`dtype`: missing"), "{e}");
        let e = err(&|v| v["backend"] = json!(" "));
        assert!(e.contains("`backend`: empty"), "{e}");
        let e = err(&|v| v["name"] = json!("n".repeat(65)));
        assert!(e.contains("`name`: 65 bytes; the limit is 64"), "{e}");
        let e = err(&|v| v["model"] = json!(7));
        assert!(e.contains("`model`: expected a string"), "{e}");
        let e = err(&|v| v["decoding"] = json!("sampled"));
        assert!(e.contains("`decoding`") && e.contains("greedy"), "{e}");
        let e =
            err(&|v| v["decoding"] = json!({"seed": -1, "temperature_milli": 1, "top_p_milli": 1}));
        assert!(e.contains("`decoding`") && e.contains("`seed`"), "{e}");
        let e = err(&|v| v["decoding"] = json!({"seed": 1, "temperature_milli": 1}));
        assert!(e.contains("`top_p_milli` is missing"), "{e}");
        let e = err(&|v| v["hardware"] = json!("x86_64-cpu"));
        assert!(e.contains("unknown profile field `hardware`"), "{e}");
        let e = parse_profile_json("{").expect_err("bad JSON").to_string();
        assert!(e.contains("not valid JSON"), "{e}");
    }

    #[test]
    fn ids_parse_with_or_without_0x() {
        let id = profile_id(&smollm2());
        let s = hex_id(&id);
        assert_eq!(parse_profile_id(&s).expect("0x"), id);
        assert_eq!(parse_profile_id(&s[2..]).expect("bare"), id);
        let e = parse_profile_id("0x12").expect_err("short").to_string();
        assert!(e.contains("64 hex digits"), "{e}");
        assert!(declare_profiles(vec![id; 17]).is_err());
        assert!(declare_profiles(vec![id; 16]).is_ok());
    }

    #[test]
    fn storage_keys_are_the_pallets() {
        let id = profile_id(&smollm2());
        let key = pallet_aitbc_profiles::Profiles::<Runtime>::hashed_key_for(id);
        let prefix = pallet_aitbc_profiles::Profiles::<Runtime>::final_prefix();
        assert_eq!(&key[..32], &prefix[..]);
        assert_eq!(
            &key[32..],
            id.as_bytes(),
            "Identity hasher: the id ends the key"
        );
    }
}
