//! GRANDPA gossip and justifications against a four-authority set: decoding, the signer bounds
//! checked before any signature, and justification verification.
#![no_main]

use std::sync::OnceLock;

use aitbc_wire::{justification, protocol::GrandpaGossip, Header};
use libfuzzer_sys::fuzz_target;
use sp_consensus_grandpa::AuthorityList;
use sp_keyring::Ed25519Keyring;
use sp_runtime::traits::Header as _;

fn authorities() -> &'static AuthorityList {
    static SET: OnceLock<AuthorityList> = OnceLock::new();
    SET.get_or_init(|| {
        [
            Ed25519Keyring::Alice,
            Ed25519Keyring::Bob,
            Ed25519Keyring::Charlie,
            Ed25519Keyring::Dave,
        ]
        .iter()
        .map(|k| (k.public().into(), 1))
        .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let set = authorities();
    if let Ok(GrandpaGossip::Commit { set_id, commit, .. }) =
        aitbc_wire::protocol::decode::<GrandpaGossip>(data)
    {
        if justification::check_signers(set, set_id, commit.auth_data.iter().map(|(_, id)| id))
            .is_ok()
        {
            assert!(commit.auth_data.len() <= set.len());
        }
    }
    // The same bytes as a justification of block #1.
    let header = Header::new(
        1,
        Default::default(),
        Default::default(),
        Default::default(),
        Default::default(),
    );
    let _ = justification::verify_justification(&header, data, set, 0);
});
