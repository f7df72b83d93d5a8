//! Agent configs (`aitbc agent create --config FILE`, and the canonical bytes stored on chain):
//! parsing and validation of hostile JSON; whatever is accepted must canonicalize to bytes that
//! `parse_canonical` accepts as the same config.
#![no_main]

use aitbc_agent::{parse_canonical, parse_config};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = parse_canonical(data);
    if let Ok(config) = parse_config(data) {
        let bytes = config.canonical_bytes();
        assert_eq!(parse_canonical(&bytes).as_ref(), Ok(&config));
    }
});
