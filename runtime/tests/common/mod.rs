//! Shared by the runtime's integration tests: externalities over a genesis preset, built the way
//! the node builds a chain spec's genesis, and a miner's signed result.
// Each test crate uses only some of these.
#![allow(dead_code)]

use aitbc_runtime::{genesis, BuildStorage, RuntimeGenesisConfig, System};
use serde_json::Value;

/// RFC 7386 merge, as the node applies a preset's patch to the default genesis config.
pub fn merge(base: &mut Value, patch: Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                merge(b.entry(k).or_insert(Value::Null), v);
            }
        }
        (b, p) => *b = p,
    }
}

/// Externalities over the genesis of preset `id`, at block 1.
pub fn preset_ext(id: &str) -> sp_io::TestExternalities {
    let patch = genesis::get_preset(&id.into()).expect("preset exists");
    let mut config = serde_json::to_value(RuntimeGenesisConfig::default()).expect("default");
    merge(
        &mut config,
        serde_json::from_slice(&patch).expect("JSON patch"),
    );
    let config: RuntimeGenesisConfig = serde_json::from_value(config).expect("valid config");
    let mut ext = sp_io::TestExternalities::new(config.build_storage().expect("genesis builds"));
    ext.execute_with(|| System::set_block_number(1));
    ext
}

/// `miner`'s (a dev keyring account) result of `job_id`: `output`, its hash, the metrics and
/// the miner's sr25519 signature of the receipt, as the miner daemon sends them.
pub fn signed_result(
    miner: &aitbc_runtime::AccountId,
    job_id: u64,
    output: &[u8],
    metrics: aitbc_primitives::Metrics,
) -> pallet_aitbc_jobs::Call<aitbc_runtime::Runtime> {
    let job =
        pallet_aitbc_jobs::Jobs::<aitbc_runtime::Runtime>::get(job_id).expect("the job exists");
    let hash = sp_core::H256(sp_io::hashing::blake2_256(output));
    let payload = aitbc_primitives::receipt_signing_payload(
        job_id,
        &job.owner,
        miner,
        &hash,
        metrics.units_milli(),
        &job.unit_price,
    );
    let pair = sp_keyring::Sr25519Keyring::from_account_id(miner)
        .expect("a dev account")
        .pair();
    let signature = sp_core::H512(sp_core::Pair::sign(&pair, &payload).0);
    pallet_aitbc_jobs::Call::submit_result {
        job_id,
        output: output.to_vec().try_into().expect("within bound"),
        result_hash: hash,
        metrics,
        signature,
    }
}
