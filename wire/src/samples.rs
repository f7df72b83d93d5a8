//! Inputs built as bytes for tests and fuzz seeds, among them the attack the depth limit stops:
//! a call nested far deeper than [`crate::decode::MAX_EXTRINSIC_DEPTH`]. Built as bytes because
//! building such a call as a value would recurse as deep to encode and to drop.

use codec::{Compact, Encode};

/// `Sudo::sudo` nested `depth` levels deep around `System::remark(remark)`.
pub fn nested_sudo_call(depth: usize, remark: &[u8]) -> Vec<u8> {
    let remark = aitbc_runtime::RuntimeCall::System(frame_system::Call::remark {
        remark: remark.to_vec(),
    });
    let inner = remark.encode();
    // `Sudo::sudo { call }` encodes as [pallet index, call index] followed by the call.
    let sudo = aitbc_runtime::RuntimeCall::Sudo(pallet_sudo::Call::sudo {
        call: Box::new(remark),
    })
    .encode();
    let prefix = &sudo[..sudo.len() - inner.len()];
    let mut out = Vec::with_capacity(prefix.len() * depth + inner.len());
    for _ in 0..depth {
        out.extend_from_slice(prefix);
    }
    out.extend_from_slice(&inner);
    out
}

/// A bare (unsigned, format version 4) extrinsic carrying the encoded `call`.
pub fn bare_extrinsic(call: &[u8]) -> Vec<u8> {
    let mut body = vec![4u8];
    body.extend_from_slice(call);
    let mut out = Compact(body.len() as u32).encode();
    out.extend_from_slice(&body);
    out
}
