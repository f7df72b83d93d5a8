//! Chain specifications: built-in presets and JSON chain-spec files in Substrate's format.

use std::{collections::BTreeMap, path::Path};

use aitbc_runtime::genesis;
use anyhow::{anyhow, bail, Context};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sp_core::storage::Storage;
use sp_runtime::BuildStorage;

/// A chain specification, serialised like Substrate's `chain_spec.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChainSpec {
    pub name: String,
    pub id: String,
    pub chain_type: String,
    #[serde(default)]
    pub boot_nodes: Vec<String>,
    #[serde(default)]
    pub protocol_id: Option<String>,
    #[serde(default)]
    pub properties: serde_json::Map<String, Value>,
    pub genesis: Genesis,
}

/// The genesis state: a runtime config patch, or raw storage.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Genesis {
    /// A JSON patch over the runtime's default genesis config.
    RuntimeGenesis {
        #[serde(default)]
        patch: Option<Value>,
        #[serde(default)]
        config: Option<Value>,
    },
    /// Raw storage key/value pairs (hex).
    Raw {
        top: BTreeMap<String, String>,
        #[serde(default)]
        children_default: BTreeMap<String, Value>,
    },
}

fn properties() -> serde_json::Map<String, Value> {
    let mut p = serde_json::Map::new();
    p.insert("ss58Format".into(), json!(aitbc_runtime::SS58_PREFIX));
    p.insert("tokenDecimals".into(), json!(aitbc_runtime::TOKEN_DECIMALS));
    p.insert("tokenSymbol".into(), json!(aitbc_runtime::TOKEN_SYMBOL));
    p
}

impl ChainSpec {
    /// The built-in preset `id`.
    pub fn preset(id: &str) -> anyhow::Result<Self> {
        let info = genesis::preset_info(id).ok_or_else(|| {
            let known: Vec<_> = genesis::PRESETS.iter().map(|p| p.id).collect();
            anyhow!(
                "unknown chain `{id}`: use one of {} or a path to a chain-spec JSON file",
                known.join(", ")
            )
        })?;
        let patch = genesis::get_preset(&id.into())
            .ok_or_else(|| anyhow!("runtime has no genesis preset `{id}`"))?;
        let patch: Value = serde_json::from_slice(&patch)?;
        Ok(Self {
            name: info.name.into(),
            id: info.id.into(),
            chain_type: info.chain_type.into(),
            boot_nodes: vec![],
            protocol_id: Some("ait".into()),
            properties: properties(),
            genesis: Genesis::RuntimeGenesis {
                patch: Some(patch),
                config: None,
            },
        })
    }

    /// Load `--chain`: a preset id or a path to a JSON file.
    pub fn load(chain: &str) -> anyhow::Result<Self> {
        if genesis::preset_info(chain).is_some() {
            return Self::preset(chain);
        }
        let path = Path::new(chain);
        if !path.exists() {
            return Self::preset(chain);
        }
        let bytes = std::fs::read(path)
            .with_context(|| format!("cannot read chain spec {}", path.display()))?;
        serde_json::from_slice(&bytes)
            .with_context(|| format!("{} is not a valid chain spec", path.display()))
    }

    /// The genesis storage.
    pub fn genesis_storage(&self) -> anyhow::Result<Storage> {
        match &self.genesis {
            Genesis::RuntimeGenesis { patch, config } => {
                let mut base =
                    serde_json::to_value(aitbc_runtime::RuntimeGenesisConfig::default())?;
                match (patch, config) {
                    (Some(p), _) => merge(&mut base, p.clone()),
                    (None, Some(c)) => base = c.clone(),
                    (None, None) => {}
                }
                let gc: aitbc_runtime::RuntimeGenesisConfig = serde_json::from_value(base)
                    .context("the chain spec's genesis config does not match this runtime")?;
                gc.build_storage()
                    .map_err(|e| anyhow!("building genesis storage failed: {e}"))
            }
            Genesis::Raw {
                top,
                children_default,
            } => {
                if !children_default.is_empty() {
                    bail!("child storage in raw genesis is not supported");
                }
                let mut storage = Storage::default();
                for (k, v) in top {
                    storage.top.insert(from_hex(k)?, from_hex(v)?);
                }
                Ok(storage)
            }
        }
    }

    /// This spec with its genesis converted to raw storage.
    pub fn to_raw(&self) -> anyhow::Result<Self> {
        let storage = self.genesis_storage()?;
        let top = storage
            .top
            .into_iter()
            .map(|(k, v)| {
                (
                    format!("0x{}", hex::encode(k)),
                    format!("0x{}", hex::encode(v)),
                )
            })
            .collect();
        Ok(Self {
            genesis: Genesis::Raw {
                top,
                children_default: BTreeMap::new(),
            },
            ..self.clone()
        })
    }
}

fn from_hex(s: &str) -> anyhow::Result<Vec<u8>> {
    hex::decode(s.trim_start_matches("0x"))
        .with_context(|| format!("invalid hex in raw genesis: {s}"))
}

/// RFC 7386-style merge of `patch` into `base`.
fn merge(base: &mut Value, patch: Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    b.remove(&k);
                } else {
                    merge(b.entry(k).or_insert(Value::Null), v);
                }
            }
        }
        (b, p) => *b = p,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_presets_build_distinct_genesis() {
        let mut roots = std::collections::HashSet::new();
        for p in genesis::PRESETS {
            let spec = ChainSpec::preset(p.id).expect("preset");
            let storage = spec.genesis_storage().expect("storage");
            assert!(!storage.top.is_empty());
            assert!(
                roots.insert(format!("{:?}", storage.top)),
                "preset {} duplicates another",
                p.id
            );
        }
    }

    #[test]
    fn raw_round_trip_keeps_storage() {
        let spec = ChainSpec::preset("dev").unwrap();
        let raw = spec.to_raw().unwrap();
        let text = serde_json::to_string(&raw).unwrap();
        let back: ChainSpec = serde_json::from_str(&text).unwrap();
        assert_eq!(
            back.genesis_storage().unwrap().top,
            spec.genesis_storage().unwrap().top
        );
    }

    #[test]
    fn unknown_chain_is_a_clear_error() {
        let err = ChainSpec::load("no-such-chain").unwrap_err().to_string();
        assert!(err.contains("unknown chain `no-such-chain`"), "{err}");
    }
}
