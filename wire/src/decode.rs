//! Decoding of untrusted bytes.
//!
//! Everything that comes from the network, RPC or a file is decoded here: with a nesting-depth
//! limit and no trailing bytes. A call can nest other calls (`Sudo::sudo(Sudo::sudo(..))`), and
//! SCALE decoding recurses once per level: without a limit, about 100 KB of nested calls overflow
//! the stack, which aborts the process (`catch_unwind` cannot catch a stack overflow).
//!
//! The runtime's own API dispatch decodes its arguments without a limit (`impl_runtime_apis!`
//! generates a plain `Decode::decode`), so [`check_runtime_call_args`] checks the arguments of
//! every runtime method that takes a call, an extrinsic or a block before the node runs it.

use codec::{Decode, DecodeLimit};
use sp_core::H256;
use sp_runtime::transaction_validity::TransactionSource;

use crate::{Block, Extrinsic};

/// How deeply a call may nest inside an extrinsic: Substrate's `MAX_EXTRINSIC_DEPTH` (256), the
/// same limit the runtime applies when it applies or validates a transaction.
pub const MAX_EXTRINSIC_DEPTH: u32 = frame_support::MAX_EXTRINSIC_DEPTH;

/// How deeply any untrusted message may nest: an extrinsic's limit plus the few levels of the
/// containers around it (a response's list of blocks, a block's list of extrinsics, ...).
pub const MAX_MESSAGE_DEPTH: u32 = MAX_EXTRINSIC_DEPTH + 16;

/// Decode `bytes` as one `T`: at most [`MAX_MESSAGE_DEPTH`] levels deep, every byte used.
pub fn decode_untrusted<T: Decode>(bytes: &[u8]) -> Result<T, codec::Error> {
    decode_with_depth(bytes, MAX_MESSAGE_DEPTH)
}

/// Decode an extrinsic: at most [`MAX_EXTRINSIC_DEPTH`] levels deep, every byte used.
pub fn decode_extrinsic(bytes: &[u8]) -> Result<Extrinsic, codec::Error> {
    decode_with_depth(bytes, MAX_EXTRINSIC_DEPTH)
}

fn decode_with_depth<T: Decode>(bytes: &[u8], depth: u32) -> Result<T, codec::Error> {
    // `decode_all_with_depth_limit` also refuses trailing bytes.
    T::decode_all_with_depth_limit(depth, &mut &bytes[..])
}

/// Check the SCALE arguments of runtime method `method` before running it on untrusted input.
///
/// Methods whose arguments contain a call (an extrinsic, a block, a bare call) are decoded here
/// with the depth limit; the rest of the runtime API takes only flat types (numbers, hashes,
/// accounts, byte strings), whose decoding cannot recurse. The list ([`METHODS_TAKING_CALLS`]) is
/// kept by hand, and `tests/runtime_api_coverage.rs` holds it to the runtime's metadata: a
/// runtime API method whose inputs can contain a call, an extrinsic or a block and is missing
/// here fails that test.
pub fn check_runtime_call_args(method: &str, args: &[u8]) -> Result<(), String> {
    let result = match method {
        "Core_execute_block" | "BlockBuilder_check_inherents" => {
            // The block comes first; trailing arguments (inherent data) are flat.
            Block::decode_with_depth_limit(MAX_MESSAGE_DEPTH, &mut &args[..]).map(drop)
        }
        "BlockBuilder_apply_extrinsic" => decode_extrinsic(args).map(drop),
        "TaggedTransactionQueue_validate_transaction" => {
            decode_with_depth::<(TransactionSource, Extrinsic, H256)>(args, MAX_MESSAGE_DEPTH)
                .map(drop)
        }
        "TransactionPaymentApi_query_info" | "TransactionPaymentApi_query_fee_details" => {
            decode_with_depth::<(Extrinsic, u32)>(args, MAX_MESSAGE_DEPTH).map(drop)
        }
        "TransactionPaymentCallApi_query_call_info"
        | "TransactionPaymentCallApi_query_call_fee_details" => {
            decode_with_depth::<(aitbc_runtime::RuntimeCall, u32)>(args, MAX_MESSAGE_DEPTH)
                .map(drop)
        }
        _ => Ok(()),
    };
    result.map_err(|e| format!("bad arguments for `{method}`: {e}"))
}

/// Runtime methods whose arguments [`check_runtime_call_args`] decodes with the depth limit.
pub const METHODS_TAKING_CALLS: &[&str] = &[
    "Core_execute_block",
    "BlockBuilder_check_inherents",
    "BlockBuilder_apply_extrinsic",
    "TaggedTransactionQueue_validate_transaction",
    "TransactionPaymentApi_query_info",
    "TransactionPaymentApi_query_fee_details",
    "TransactionPaymentCallApi_query_call_info",
    "TransactionPaymentCallApi_query_call_fee_details",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples::bare_extrinsic;
    use codec::{Compact, Encode};
    use sp_runtime::traits::Header as _;

    fn nested_sudo_call(depth: usize) -> Vec<u8> {
        crate::samples::nested_sudo_call(depth, b"")
    }

    #[test]
    fn calls_nested_within_the_limit_decode() {
        let xt = bare_extrinsic(&nested_sudo_call(10));
        assert!(decode_extrinsic(&xt).is_ok());
        assert!(check_runtime_call_args("BlockBuilder_apply_extrinsic", &xt).is_ok());
    }

    #[test]
    fn a_deeply_nested_call_is_refused_without_recursing() {
        // 50,000 levels (about 100 KB): decoding without a limit overflows the stack.
        let xt = bare_extrinsic(&nested_sudo_call(50_000));
        let err = decode_extrinsic(&xt).expect_err("too deep");
        assert!(err.to_string().contains("depth"), "{err}");
        for method in METHODS_TAKING_CALLS {
            let args = match *method {
                "TaggedTransactionQueue_validate_transaction" => {
                    let mut a = TransactionSource::External.encode();
                    a.extend_from_slice(&xt);
                    a.extend_from_slice(&H256::zero().encode());
                    a
                }
                "TransactionPaymentApi_query_info" | "TransactionPaymentApi_query_fee_details" => {
                    let mut a = xt.clone();
                    a.extend_from_slice(&0u32.encode());
                    a
                }
                "TransactionPaymentCallApi_query_call_info"
                | "TransactionPaymentCallApi_query_call_fee_details" => {
                    let mut a = nested_sudo_call(50_000);
                    a.extend_from_slice(&0u32.encode());
                    a
                }
                "Core_execute_block" | "BlockBuilder_check_inherents" => {
                    let header = crate::Header::new(
                        1,
                        Default::default(),
                        Default::default(),
                        Default::default(),
                        Default::default(),
                    );
                    let mut a = header.encode();
                    a.extend_from_slice(&Compact(1u32).encode());
                    a.extend_from_slice(&xt);
                    a
                }
                _ => xt.clone(),
            };
            let err = check_runtime_call_args(method, &args).expect_err(method);
            assert!(err.contains(method), "{err}");
        }
    }

    #[test]
    fn trailing_bytes_are_refused() {
        let mut xt = bare_extrinsic(&nested_sudo_call(1));
        xt.push(0);
        assert!(decode_extrinsic(&xt).is_err());
    }
}
