//! What the fuzz targets share: the dev chain's genesis state, and the runtime called the way the
//! node calls it (panics caught, as the node's executor catches them).

use std::panic::{catch_unwind, AssertUnwindSafe};

use aitbc_runtime::{genesis, BuildStorage, RuntimeGenesisConfig};
use frame_support::storage::{with_transaction, TransactionOutcome};

/// Externalities over the `dev` preset's genesis (Alice sudo and authority, dev accounts funded).
pub fn dev_externalities() -> sp_io::TestExternalities {
    let patch = genesis::get_preset(&"dev".into()).expect("the dev preset exists");
    let mut config = serde_json::to_value(RuntimeGenesisConfig::default()).expect("default");
    merge(
        &mut config,
        serde_json::from_slice(&patch).expect("the preset is JSON"),
    );
    let config: RuntimeGenesisConfig = serde_json::from_value(config).expect("a valid config");
    sp_io::TestExternalities::new(config.build_storage().expect("genesis builds"))
}

fn merge(base: &mut serde_json::Value, patch: serde_json::Value) {
    match (base, patch) {
        (serde_json::Value::Object(b), serde_json::Value::Object(p)) => {
            for (k, v) in p {
                merge(b.entry(k).or_insert(serde_json::Value::Null), v);
            }
        }
        (b, p) => *b = p,
    }
}

/// Run runtime API `method` on `args` inside `ext`, discarding its changes. Runtime panics are
/// caught (the node turns them into errors); only a panic outside the runtime, an abort or a
/// stack overflow is a finding. Arguments are checked first, as the node checks untrusted input.
pub fn call_runtime(ext: &mut sp_io::TestExternalities, method: &str, args: &[u8]) {
    if aitbc_wire::decode::check_runtime_call_args(method, args).is_err() {
        return;
    }
    ext.execute_with(|| {
        let _ = with_transaction(|| {
            let _ = catch_unwind(AssertUnwindSafe(|| {
                aitbc_runtime::apis::api::dispatch(method, args)
            }));
            TransactionOutcome::Rollback::<Result<(), sp_runtime::DispatchError>>(Ok(()))
        });
    });
}

/// Silence the panic messages of runtime panics that [`call_runtime`] catches (libFuzzer still
/// aborts on any panic that escapes a target).
pub fn quiet_runtime_panics() {
    std::panic::set_hook(Box::new(|_| {}));
}
