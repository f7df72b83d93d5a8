//! What an AITBC node accepts from outside, in one crate without storage or networking, so that
//! every decoder and check here can be fuzzed on its own (`fuzz/`):
//!
//! - [`decode`]: depth-limited decoding of extrinsics and messages, and the argument check of
//!   runtime calls made on untrusted input;
//! - [`protocol`]: the network's wire messages (gossip and request-response);
//! - [`justification`]: GRANDPA justification verification and the bounds on signed vote lists;
//! - [`rpc_params`]: parsing of JSON-RPC parameters (hex, hashes, block numbers, key lists);
//! - [`receipt_proof`]: offline verification of a job receipt from a chain's genesis hash.

pub mod decode;
pub mod justification;
pub mod protocol;
pub mod receipt_proof;
pub mod rpc_params;
pub mod samples;

pub use aitbc_runtime::{Block, BlockNumber, Header, UncheckedExtrinsic as Extrinsic};

#[cfg(test)]
mod seeds {
    //! `cargo test -p aitbc-wire -- --ignored write_fuzz_seeds` writes one valid input of each kind
    //! into `fuzz/seeds/`, where the fuzz targets start from.

    use codec::{Compact, Encode};
    use sp_core::{Pair, H256};
    use sp_keyring::Ed25519Keyring;
    use sp_runtime::traits::Header as _;

    use crate::protocol::{GrandpaGossip, Status, SyncRequest, SyncResponse};

    fn write(target: &str, name: &str, bytes: &[u8]) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fuzz/seeds")
            .join(target);
        std::fs::create_dir_all(&dir).expect("seed dir");
        std::fs::write(dir.join(name), bytes).expect("seed");
    }

    #[test]
    #[ignore = "writes fuzz/seeds; run by hand when the wire format changes"]
    fn write_fuzz_seeds() {
        let xt = crate::samples::bare_extrinsic(&crate::samples::nested_sudo_call(0, b"seed"));
        write("extrinsic", "bare_remark", &xt);

        let header = crate::Header::new(
            1,
            H256::repeat_byte(1),
            H256::repeat_byte(2),
            H256::repeat_byte(3),
            Default::default(),
        );
        let mut block = header.encode();
        block.extend_from_slice(&Compact(1u32).encode());
        block.extend_from_slice(&xt);
        let mut data = block.clone();
        data.push(0);
        write("block", "one_remark", &data);

        let alice = Ed25519Keyring::Alice.pair();
        let precommit = finality_grandpa::Precommit {
            target_hash: header.hash(),
            target_number: 1,
        };
        let payload = sp_consensus_grandpa::localized_payload(
            1,
            0,
            &finality_grandpa::Message::Precommit(precommit.clone()),
        );
        let commit = GrandpaGossip::Commit {
            set_id: 0,
            round: 1,
            commit: finality_grandpa::CompactCommit {
                target_hash: header.hash(),
                target_number: 1,
                precommits: vec![precommit],
                auth_data: vec![(alice.sign(&payload).into(), alice.public().into())],
            },
        };
        write("grandpa", "commit", &commit.encode());

        let status = Status {
            genesis: H256::repeat_byte(9),
            best_number: 10,
            best_hash: H256::repeat_byte(8),
            finalized_number: 9,
            finalized_hash: H256::repeat_byte(7),
            is_authority: true,
        };
        let messages: Vec<(&str, Vec<u8>)> = vec![
            ("block_data", [vec![0u8], data]),
            ("grandpa_commit", [vec![1u8], commit.encode()]),
            (
                "blocks_request",
                [
                    vec![2u8],
                    SyncRequest::Blocks { from: 1, max: 128 }.encode(),
                ],
            ),
            (
                "status_response",
                [vec![3u8], SyncResponse::Status(status).encode()],
            ),
            ("status", [vec![4u8], status.encode()]),
        ]
        .into_iter()
        .map(|(n, parts)| (n, parts.concat()))
        .collect();
        for (name, bytes) in messages {
            write("network_message", name, &bytes);
        }
    }
}
