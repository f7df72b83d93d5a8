//! Block import: random headers and bodies decoded as a node decodes gossiped and synced blocks,
//! then executed by the runtime on the dev genesis state.
#![no_main]

use std::cell::RefCell;

use aitbc_wire::{protocol::BlockData, Block};
use codec::Encode;
use libfuzzer_sys::fuzz_target;

thread_local! {
    static EXT: RefCell<sp_io::TestExternalities> = RefCell::new({
        aitbc_fuzz::quiet_runtime_panics();
        aitbc_fuzz::dev_externalities()
    });
}

fuzz_target!(|data: &[u8]| {
    let block = match aitbc_wire::protocol::decode::<BlockData>(data) {
        Ok(d) => d.block,
        Err(_) => match aitbc_wire::decode::decode_untrusted::<Block>(data) {
            Ok(b) => b,
            Err(_) => return,
        },
    };
    EXT.with(|ext| {
        aitbc_fuzz::call_runtime(&mut ext.borrow_mut(), "Core_execute_block", &block.encode())
    });
});
