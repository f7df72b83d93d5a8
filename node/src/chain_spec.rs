//! Chain specifications: built-in presets and JSON chain-spec files in Substrate's format.

use std::{collections::BTreeMap, path::Path};

use aitbc_runtime::genesis::{self, LiveKeys};
use anyhow::{anyhow, bail, Context};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sp_core::crypto::{AccountId32, Ss58Codec};
use sp_core::storage::Storage;
use sp_core::{ed25519, sr25519};
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
    /// The built-in preset `id` (a development chain; a live chain needs [`ChainSpec::live`]).
    pub fn preset(id: &str) -> anyhow::Result<Self> {
        let info = preset_info(id)?;
        if info.is_live() {
            bail!("{}", live_chain_needs_spec(id));
        }
        let patch = genesis::get_preset(&id.into())
            .ok_or_else(|| anyhow!("runtime has no genesis preset `{id}`"))?;
        let patch: Value = serde_json::from_slice(&patch)?;
        Ok(Self::with_patch(info, patch))
    }

    /// The spec of live chain `id` (`ait-testnet`, `ait-healthchain`) with the operator's keys.
    pub fn live(id: &str, keys: &LiveKeys) -> anyhow::Result<Self> {
        let info = preset_info(id)?;
        if !info.is_live() {
            bail!(
                "`{id}` is a development chain with the public dev keys built in: --authority, --sudo and --endow only apply to the live chains ({})",
                live_ids().join(", ")
            );
        }
        if keys.authorities.is_empty() {
            bail!("{}", live_chain_needs_spec(id));
        }
        let patch = genesis::live_preset(id, keys)
            .ok_or_else(|| anyhow!("runtime has no live genesis for `{id}`"))?;
        Ok(Self::with_patch(info, patch))
    }

    fn with_patch(info: &genesis::PresetInfo, patch: Value) -> Self {
        Self {
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
        }
    }

    /// Load `--chain`: a development preset id or a path to a JSON file. A live chain's id
    /// alone is an error saying how to make its spec file.
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

    /// Whether this is a development chain (type `Development` or `Local`), where the public
    /// dev keys (`--alice` ...) may be used.
    pub fn is_development(&self) -> bool {
        genesis::DEVELOPMENT_CHAIN_TYPES.contains(&self.chain_type.as_str())
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

fn preset_info(id: &str) -> anyhow::Result<&'static genesis::PresetInfo> {
    genesis::preset_info(id).ok_or_else(|| {
        let known: Vec<_> = genesis::PRESETS.iter().map(|p| p.id).collect();
        anyhow!(
            "unknown chain `{id}`: use one of {} or a path to a chain-spec JSON file",
            known.join(", ")
        )
    })
}

fn live_ids() -> Vec<&'static str> {
    genesis::PRESETS
        .iter()
        .filter(|p| p.is_live())
        .map(|p| p.id)
        .collect()
}

/// What to do to run live chain `id`.
fn live_chain_needs_spec(id: &str) -> String {
    format!(
        "`{id}` is a live chain and ships no keys: its authorities and sudo key must be the operators' own. Generate them (`aitbc-node key generate` for each authority's Aura key, `aitbc-node key generate --scheme ed25519` for its GRANDPA key, one more for sudo), write the spec with `aitbc-node build-spec --chain {id} --authority <AURA>:<GRANDPA> [--authority ...] --sudo <SS58> > {id}.json` (keys as SS58 addresses or 0x hex public keys), then start the node with `--chain {id}.json` and insert each validator's keys with `aitbc-node key insert --chain {id}.json --suri-file ...`"
    )
}

/// A public key given as an SS58 address or 0x hex (32 bytes).
fn public_bytes(s: &str, what: &str) -> anyhow::Result<[u8; 32]> {
    let s = s.trim();
    if let Some(h) = s.strip_prefix("0x") {
        return hex::decode(h)
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
            .ok_or_else(|| {
                anyhow!("{what} `{s}` is not 32 bytes of hex (0x followed by 64 hex digits)")
            });
    }
    AccountId32::from_ss58check(s)
        .map(<[u8; 32]>::from)
        .map_err(|e| anyhow!("{what} `{s}` is neither an SS58 address nor 0x hex: {e:?}"))
}

fn refuse_dev_key(public: &[u8; 32], what: &str, s: &str) -> anyhow::Result<()> {
    let sr = sp_keyring::Sr25519Keyring::iter().map(|k| (k.to_string(), k.public().0));
    let ed = sp_keyring::Ed25519Keyring::iter().map(|k| (k.to_string(), k.public().0));
    if let Some((name, _)) = sr.chain(ed).find(|(_, p)| p == public) {
        bail!(
            "{what} `{s}` is the public dev key //{name}, whose secret everyone knows: generate your own with `aitbc-node key generate`"
        );
    }
    Ok(())
}

/// Parses `--authority AURA:GRANDPA`.
pub fn parse_authority(
    s: &str,
) -> anyhow::Result<(
    sp_consensus_aura::sr25519::AuthorityId,
    sp_consensus_grandpa::AuthorityId,
)> {
    let (aura, gran) = s.split_once(':').ok_or_else(|| {
        anyhow!(
            "--authority `{s}` must be AURA:GRANDPA: the authority's Aura (sr25519) and GRANDPA (ed25519) public keys, as SS58 addresses or 0x hex"
        )
    })?;
    let a = public_bytes(aura, "the Aura key")?;
    let g = public_bytes(gran, "the GRANDPA key")?;
    refuse_dev_key(&a, "the Aura key", aura)?;
    refuse_dev_key(&g, "the GRANDPA key", gran)?;
    Ok((
        sr25519::Public::from_raw(a).into(),
        ed25519::Public::from_raw(g).into(),
    ))
}

/// Parses an account (`--sudo`, `--endow`): SS58 or 0x hex; the dev accounts are refused.
pub fn parse_account(s: &str, what: &str) -> anyhow::Result<AccountId32> {
    let b = public_bytes(s, what)?;
    refuse_dev_key(&b, what, s)?;
    Ok(AccountId32::new(b))
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
    use sp_core::Pair;

    /// Operator keys for a live chain: fresh, not the dev keys.
    fn operator_keys() -> LiveKeys {
        let aura = sr25519::Pair::from_seed(&[7; 32]);
        let gran = ed25519::Pair::from_seed(&[8; 32]);
        let sudo = sr25519::Pair::from_seed(&[9; 32]);
        LiveKeys {
            authorities: vec![(aura.public().into(), gran.public().into())],
            sudo: sudo.public().into(),
            endowed: vec![],
        }
    }

    #[test]
    fn all_presets_build_distinct_genesis() {
        let mut roots = std::collections::HashSet::new();
        for p in genesis::PRESETS {
            let spec = if p.is_live() {
                ChainSpec::live(p.id, &operator_keys()).expect("live")
            } else {
                ChainSpec::preset(p.id).expect("preset")
            };
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
    fn live_chains_need_a_spec_with_the_operators_keys() {
        for id in ["ait-testnet", "ait-healthchain"] {
            let err = ChainSpec::load(id).unwrap_err().to_string();
            assert!(
                err.contains("is a live chain and ships no keys")
                    && err.contains(&format!("build-spec --chain {id} --authority")),
                "{err}"
            );
            let spec = ChainSpec::live(id, &operator_keys()).expect("live spec");
            assert!(!spec.is_development());
            let text = serde_json::to_string(&spec).unwrap();
            for dev in sp_keyring::Sr25519Keyring::iter() {
                assert!(!text.contains(&dev.to_account_id().to_string()), "{dev}");
            }
            // The spec round-trips through a file and builds.
            let dir = tempfile::tempdir().unwrap();
            let file = dir.path().join("spec.json");
            std::fs::write(&file, &text).unwrap();
            let back = ChainSpec::load(file.to_str().unwrap()).unwrap();
            assert_eq!(back.id, id);
            assert!(!back.genesis_storage().unwrap().top.is_empty());
        }
        assert!(ChainSpec::live("dev", &operator_keys()).is_err());
        for id in ["dev", "local", "ait-devnet"] {
            assert!(ChainSpec::load(id).unwrap().is_development(), "{id}");
        }
    }

    #[test]
    fn authority_and_account_arguments_are_checked() {
        let aura = sr25519::Pair::from_seed(&[7; 32]).public();
        let gran = ed25519::Pair::from_seed(&[8; 32]).public();
        let ss58 = |b: [u8; 32]| AccountId32::new(b).to_ss58check();
        let arg = format!("{}:0x{}", ss58(aura.0), hex::encode(gran.0));
        let (a, g) = parse_authority(&arg).expect("authority");
        assert_eq!(a, sp_consensus_aura::sr25519::AuthorityId::from(aura));
        assert_eq!(g, sp_consensus_grandpa::AuthorityId::from(gran));
        let e = parse_authority(&ss58(aura.0)).unwrap_err().to_string();
        assert!(e.contains("must be AURA:GRANDPA"), "{e}");
        let e = parse_authority("0x1234:0x5678").unwrap_err().to_string();
        assert!(e.contains("not 32 bytes of hex"), "{e}");
        let alice = sp_keyring::Sr25519Keyring::Alice
            .to_account_id()
            .to_ss58check();
        let e = parse_account(&alice, "--sudo").unwrap_err().to_string();
        assert!(e.contains("public dev key //Alice"), "{e}");
        let e = parse_authority(&format!("{alice}:0x{}", hex::encode(gran.0)))
            .unwrap_err()
            .to_string();
        assert!(e.contains("//Alice"), "{e}");
        assert!(parse_account("nonsense", "--sudo").is_err());
    }

    #[test]
    fn unknown_chain_is_a_clear_error() {
        let err = ChainSpec::load("no-such-chain").unwrap_err().to_string();
        assert!(err.contains("unknown chain `no-such-chain`"), "{err}");
    }
}
