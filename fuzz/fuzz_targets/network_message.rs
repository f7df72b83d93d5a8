//! Every network message: the first byte picks the type, the rest is what a peer sent. What
//! decodes must re-encode to the same bytes and decode again to the same value.
#![no_main]

use aitbc_wire::protocol::{
    decode, BlockData, CatchUpMessage, GrandpaGossip, Status, SyncRequest, SyncResponse,
};
use codec::{Decode, Encode};
use libfuzzer_sys::fuzz_target;

fn roundtrip<T: Decode + Encode>(bytes: &[u8]) {
    if let Ok(v) = decode::<T>(bytes) {
        let encoded = v.encode();
        assert_eq!(encoded, bytes, "a message re-encodes differently");
        assert!(
            decode::<T>(&encoded).is_ok(),
            "a re-encoded message does not decode"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((kind, bytes)) = data.split_first() else {
        return;
    };
    match kind % 6 {
        0 => roundtrip::<BlockData>(bytes),
        1 => roundtrip::<GrandpaGossip>(bytes),
        2 => roundtrip::<SyncRequest>(bytes),
        3 => roundtrip::<SyncResponse>(bytes),
        4 => roundtrip::<Status>(bytes),
        _ => roundtrip::<CatchUpMessage>(bytes),
    }
});
