//! Receipt proof files (`aitbc receipt verify --proof FILE`): JSON parsing, then the whole
//! verification (headers, storage proofs, justifications, the receipt, its signature) on
//! whatever parses.
#![no_main]

use aitbc_wire::receipt_proof;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(proof) = receipt_proof::parse(data) {
        let _ = receipt_proof::verify(&proof, None);
    }
});
