//! Extrinsic decoding and `validate_transaction`, as a node's pool runs them on what RPC and
//! gossip deliver.
#![no_main]

use std::cell::RefCell;

use codec::Encode;
use libfuzzer_sys::fuzz_target;
use sp_runtime::transaction_validity::TransactionSource;

thread_local! {
    static EXT: RefCell<sp_io::TestExternalities> = RefCell::new({
        aitbc_fuzz::quiet_runtime_panics();
        aitbc_fuzz::dev_externalities()
    });
}

fuzz_target!(|data: &[u8]| {
    let Ok(xt) = aitbc_wire::decode::decode_extrinsic(data) else {
        return;
    };
    // What decodes re-encodes to the same bytes.
    assert_eq!(xt.encode(), data, "an extrinsic re-encodes differently");
    let mut args = TransactionSource::External.encode();
    args.extend_from_slice(data);
    args.extend_from_slice(&sp_core::H256::zero().encode());
    EXT.with(|ext| {
        aitbc_fuzz::call_runtime(
            &mut ext.borrow_mut(),
            "TaggedTransactionQueue_validate_transaction",
            &args,
        )
    });
});
