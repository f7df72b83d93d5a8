//! Shared by the runtime's integration tests: externalities over a genesis preset, built the way
//! the node builds a chain spec's genesis.

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
