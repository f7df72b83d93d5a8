//! Genesis presets: `dev`, `local` and the named AITBC chains.
//!
//! Each preset is a JSON patch over the default `RuntimeGenesisConfig`.

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

/// Human-readable metadata of a preset, used by the node's chain spec.
pub struct PresetInfo {
    /// Preset id (`--chain <id>`).
    pub id: &'static str,
    /// Chain name (`system_chain`).
    pub name: &'static str,
    /// Chain type (`system_chainType`): Development, Local or Live.
    pub chain_type: &'static str,
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
        AIT_TESTNET => config(
            vec![authority(Alice), authority(Bob), authority(Charlie)],
            vec![
                Alice.to_account_id(),
                Bob.to_account_id(),
                Charlie.to_account_id(),
            ],
            10_000_000 * AIT,
            Alice.to_account_id(),
        ),
        AIT_HEALTHCHAIN => config(
            vec![authority(Alice), authority(Bob), authority(Charlie)],
            vec![
                Alice.to_account_id(),
                Bob.to_account_id(),
                Charlie.to_account_id(),
                Dave.to_account_id(),
            ],
            5_000_000 * AIT,
            Alice.to_account_id(),
        ),
        _ => return None,
    };
    Some(v)
}

/// The JSON patch of preset `id`, or `None` for an unknown id.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
    let name = core::str::from_utf8(id.as_ref()).ok()?;
    serde_json::to_vec(&preset(name)?).ok()
}

/// Ids of all presets.
pub fn preset_names() -> Vec<PresetId> {
    PRESETS.iter().map(|p| PresetId::from(p.id)).collect()
}

/// Look up a preset's chain metadata by id.
pub fn preset_info(id: &str) -> Option<&'static PresetInfo> {
    PRESETS.iter().find(|p| p.id == id)
}
