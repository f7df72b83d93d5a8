//! What an AITBC node accepts from outside, in one crate without storage or networking, so that
//! every decoder and check here can be fuzzed on its own (`fuzz/`):
//!
//! - [`decode`]: depth-limited decoding of extrinsics and messages, and the argument check of
//!   runtime calls made on untrusted input;
//! - [`protocol`]: the network's wire messages (gossip and request-response);
//! - [`justification`]: GRANDPA justification verification and the bounds on signed vote lists;
//! - [`rpc_params`]: parsing of JSON-RPC parameters (hex, hashes, block numbers, key lists).

pub mod decode;
pub mod justification;
pub mod protocol;
pub mod rpc_params;

pub use aitbc_runtime::{Block, BlockNumber, Header, UncheckedExtrinsic as Extrinsic};
