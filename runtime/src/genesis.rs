//! Genesis presets: `dev`, `local` and the named AITBC chains.
//!
//! Each preset is a JSON patch over the default `RuntimeGenesisConfig`.
//!
//! The development chains (`dev`, `local`, `ait-devnet`) use the public dev keys (`//Alice`,
//! ...), which anyone can sign with. The live chains (`ait-testnet`, `ait-healthchain`) have no
//! built-in keys: [`live_preset`] makes their genesis from the operator's own authority and
//! sudo keys (the node's `build-spec --chain ait-testnet --authority ... --sudo ...`).

use alloc::{string::ToString, vec, vec::Vec};
use serde_json::{json, Value};
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_genesis_builder::PresetId;
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

use crate::{AccountId, Balance, AIT};

/// Dev chain: Alice is the sole authority.
pub const DEV: &str = "dev";
/// Local testnet: Alice, Bob, Charlie and Dave are authorities.
pub const LOCAL: &str = "local";
/// The public AITBC devnet.
pub const AIT_DEVNET: &str = "ait-devnet";
/// The public AITBC testnet.
pub const AIT_TESTNET: &str = "ait-testnet";
/// The health-data compute chain.
pub const AIT_HEALTHCHAIN: &str = "ait-healthchain";

/// Balance given to each endowed dev account: one million AIT.
pub const DEV_ENDOWMENT: Balance = 1_000_000 * AIT;

/// DAO voting period of the `dev` chain: 30 blocks (one minute), so a proposal can be decided
/// and enacted in a test or a demo. Other chains use the runtime's default (an hour).
pub const DEV_VOTING_PERIOD: crate::BlockNumber = 30;
/// DAO enactment delay of the `dev` chain: 5 blocks (ten seconds); otherwise ten minutes.
pub const DEV_ENACTMENT_DELAY: crate::BlockNumber = 5;
/// The `dev` chain's emission era: 20 blocks (40 s), so that a receipt's reward can be claimed
/// within a minute on a development chain.
pub const DEV_ERA_LENGTH: crate::BlockNumber = 20;
/// The `dev` chain's miner unbonding period: 10 blocks (20 s) between `deregister` and
/// `withdraw_unbonded`, so that a miner's whole life fits in a test; otherwise an hour.
pub const DEV_UNBONDING_PERIOD: crate::BlockNumber = 10;

/// Chain types whose presets use the public dev keys.
pub const DEVELOPMENT_CHAIN_TYPES: [&str; 2] = ["Development", "Local"];

/// Human-readable metadata of a preset, used by the node's chain spec.
pub struct PresetInfo {
    /// Preset id (`--chain <id>`).
    pub id: &'static str,
    /// Chain name (`system_chain`).
    pub name: &'static str,
    /// Chain type (`system_chainType`): Development, Local or Live.
    pub chain_type: &'static str,
}

impl PresetInfo {
    /// Whether this is a live chain: no built-in keys, its genesis comes from [`live_preset`].
    pub fn is_live(&self) -> bool {
        !DEVELOPMENT_CHAIN_TYPES.contains(&self.chain_type)
    }
}

/// All presets this runtime knows.
pub const PRESETS: &[PresetInfo] = &[
    PresetInfo {
        id: DEV,
        name: "AITBC Development",
        chain_type: "Development",
    },
    PresetInfo {
        id: LOCAL,
        name: "AITBC Local Testnet",
        chain_type: "Local",
    },
    PresetInfo {
        id: AIT_DEVNET,
        name: "AITBC Devnet",
        chain_type: "Development",
    },
    PresetInfo {
        id: AIT_TESTNET,
        name: "AITBC Testnet",
        chain_type: "Live",
    },
    PresetInfo {
        id: AIT_HEALTHCHAIN,
        name: "AITBC Healthchain",
        chain_type: "Live",
    },
];

/// A dev authority: its sr25519 Aura key and its ed25519 GRANDPA key, both from `//Name`.
fn authority(k: Sr25519Keyring) -> (AuraId, GrandpaId) {
    let name = k.to_string();
    let ed = Ed25519Keyring::iter()
        .find(|e| e.to_string() == name)
        .map(|e| e.public())
        .unwrap_or_else(|| sp_core::ed25519::Public::from_raw([0u8; 32]));
    (k.public().into(), ed.into())
}

fn config(
    authorities: Vec<(AuraId, GrandpaId)>,
    endowed: Vec<AccountId>,
    endowment: Balance,
    sudo: AccountId,
) -> Value {
    json!({
        "balances": {
            "balances": endowed.into_iter().map(|a| (a, endowment)).collect::<Vec<_>>(),
        },
        "aura": {
            "authorities": authorities.iter().map(|a| a.0.clone()).collect::<Vec<_>>(),
        },
        "grandpa": {
            "authorities": authorities.iter().map(|a| (a.1.clone(), 1u64)).collect::<Vec<_>>(),
        },
        "sudo": { "key": Some(sudo) },
        "executionProfiles": {
            "profiles": [crate::profiles::smollm2_profile()],
        },
        "agents": {
            "tools": crate::agents::GENESIS_TOOLS.iter().map(|t| t.as_bytes().to_vec()).collect::<Vec<_>>(),
        },
    })
}

fn all_dev_accounts() -> Vec<AccountId> {
    Sr25519Keyring::iter().map(|k| k.to_account_id()).collect()
}

fn preset(id: &str) -> Option<Value> {
    use Sr25519Keyring::*;
    let v = match id {
        DEV => {
            let mut v = config(
                vec![authority(Alice)],
                all_dev_accounts(),
                DEV_ENDOWMENT,
                Alice.to_account_id(),
            );
            v["governanceTiming"] = json!({
                "votingPeriod": DEV_VOTING_PERIOD,
                "enactmentDelay": DEV_ENACTMENT_DELAY,
                "eraLength": DEV_ERA_LENGTH,
                "unbondingPeriod": DEV_UNBONDING_PERIOD,
            });
            v
        }
        LOCAL => config(
            vec![
                authority(Alice),
                authority(Bob),
                authority(Charlie),
                authority(Dave),
            ],
            all_dev_accounts(),
            DEV_ENDOWMENT,
            Alice.to_account_id(),
        ),
        AIT_DEVNET => config(
            vec![authority(Alice), authority(Bob)],
            all_dev_accounts(),
            DEV_ENDOWMENT,
            Alice.to_account_id(),
        ),
        _ => return None,
    };
    Some(v)
}

/// The operator's keys of a live chain's genesis.
#[derive(Clone, Debug)]
pub struct LiveKeys {
    /// Each authority's Aura (sr25519) and GRANDPA (ed25519) public keys.
    pub authorities: Vec<(AuraId, GrandpaId)>,
    /// The sudo (admin) account; it is endowed.
    pub sudo: AccountId,
    /// Further accounts to endow.
    pub endowed: Vec<AccountId>,
}

/// Each endowed account's balance on a live chain.
pub fn live_endowment(id: &str) -> Option<Balance> {
    match id {
        AIT_TESTNET => Some(10_000_000 * AIT),
        AIT_HEALTHCHAIN => Some(5_000_000 * AIT),
        _ => None,
    }
}

/// The JSON patch of live chain `id` with the operator's `keys`; `None` when `id` is not a live
/// chain or `keys` has no authority.
pub fn live_preset(id: &str, keys: &LiveKeys) -> Option<Value> {
    let endowment = live_endowment(id)?;
    if keys.authorities.is_empty() {
        return None;
    }
    let mut endowed = vec![keys.sudo.clone()];
    for a in &keys.endowed {
        if !endowed.contains(a) {
            endowed.push(a.clone());
        }
    }
    Some(config(
        keys.authorities.clone(),
        endowed,
        endowment,
        keys.sudo.clone(),
    ))
}

/// The JSON patch of built-in preset `id`, or `None` for an unknown id or a live chain (whose
/// genesis needs the operator's keys: [`live_preset`]).
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
    let name = core::str::from_utf8(id.as_ref()).ok()?;
    serde_json::to_vec(&preset(name)?).ok()
}

/// Ids of the presets with a built-in genesis (the development chains).
pub fn preset_names() -> Vec<PresetId> {
    PRESETS
        .iter()
        .filter(|p| !p.is_live())
        .map(|p| PresetId::from(p.id))
        .collect()
}

/// Look up a preset's chain metadata by id.
pub fn preset_info(id: &str) -> Option<&'static PresetInfo> {
    PRESETS.iter().find(|p| p.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_chains_have_no_built_in_keys() {
        for id in [AIT_TESTNET, AIT_HEALTHCHAIN] {
            assert!(get_preset(&id.into()).is_none(), "{id}");
            assert!(preset_info(id).is_some_and(PresetInfo::is_live));
            assert!(!preset_names().contains(&id.into()));
        }
        for id in [DEV, LOCAL, AIT_DEVNET] {
            assert!(get_preset(&id.into()).is_some(), "{id}");
            assert!(preset_info(id).is_some_and(|p| !p.is_live()));
        }
    }

    #[test]
    fn live_preset_uses_the_operator_keys_only() {
        let aura = sp_core::sr25519::Public::from_raw([1; 32]);
        let gran = sp_core::ed25519::Public::from_raw([2; 32]);
        let sudo = AccountId::new([3; 32]);
        let keys = LiveKeys {
            authorities: vec![(aura.into(), gran.into())],
            sudo: sudo.clone(),
            endowed: vec![AccountId::new([4; 32]), sudo.clone()],
        };
        let v = live_preset(AIT_TESTNET, &keys).expect("testnet");
        let text = v.to_string();
        for dev in Sr25519Keyring::iter() {
            assert!(
                !text.contains(&dev.to_account_id().to_string()),
                "{dev}: {text}"
            );
        }
        assert_eq!(v["aura"]["authorities"].as_array().map(Vec::len), Some(1));
        assert_eq!(
            v["grandpa"]["authorities"].as_array().map(Vec::len),
            Some(1)
        );
        assert_eq!(v["sudo"]["key"], json!(sudo));
        assert_eq!(v["balances"]["balances"].as_array().map(Vec::len), Some(2));
        assert!(live_preset(DEV, &keys).is_none());
        let none = LiveKeys {
            authorities: vec![],
            ..keys
        };
        assert!(live_preset(AIT_TESTNET, &none).is_none());
    }
}
