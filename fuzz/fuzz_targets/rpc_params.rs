//! JSON-RPC requests: jsonrpsee's request parsing, then the node's parameter parsers on every
//! parameter (as `state_*`, `chain_*` and `author_*` parse them).
#![no_main]

use aitbc_wire::rpc_params;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(request) = serde_json::from_slice::<jsonrpsee_types::Request>(data) else {
        return;
    };
    let Ok(Some(params)) = request.params().parse::<Option<Vec<Value>>>() else {
        return;
    };
    for (i, p) in params.iter().enumerate() {
        let _ = rpc_params::parse_number(p);
        let _ = rpc_params::key_list(Some(p));
        if let Value::String(s) = p {
            let _ = rpc_params::parse_hex(s, "parameter");
            let _ = rpc_params::parse_hash(s);
            if i == 1 {
                if let (Some(Value::String(method)), Ok(args)) =
                    (params.first(), rpc_params::parse_hex(s, "call data"))
                {
                    let _ = aitbc_wire::decode::check_runtime_call_args(method, &args);
                }
            }
        }
    }
});
