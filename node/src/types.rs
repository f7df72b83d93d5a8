//! Concrete chain types used throughout the node.

use codec::Encode;
use sp_core::H256;
use sp_runtime::traits::{BlakeTwo256, Hash as _};

pub use aitbc_runtime::{Block, BlockNumber, Header, UncheckedExtrinsic as Extrinsic};

/// The hasher of blocks and state.
pub type Hasher = BlakeTwo256;

/// Hash of an extrinsic, as Substrate computes it (blake2-256 of its encoding).
pub fn extrinsic_hash(xt: &Extrinsic) -> H256 {
    BlakeTwo256::hash(&xt.encode())
}

/// Hash of already-encoded extrinsic bytes.
pub fn bytes_hash(bytes: &[u8]) -> H256 {
    BlakeTwo256::hash(bytes)
}
