//! Finality.
//!
//! Justifications are GRANDPA justifications (`sp_consensus_grandpa::GrandpaJustification`),
//! stored with the block under the `FRNK` engine id. On a chain whose GRANDPA authority set is a
//! single key held by this node, every authored block is finalized at once with a commit signed
//! by that key. With more authorities, the GRANDPA voter (`crate::grandpa`) finalizes blocks
//! and stores the justification of each round's commit.

use codec::Encode;
use sp_consensus_grandpa::{AuthorityList, GrandpaJustification, SetId, GRANDPA_ENGINE_ID};
use sp_core::Pair;
use sp_runtime::{traits::Header as _, Justifications};

use crate::{
    client::{Client, ClientError, ClientResult},
    keystore::Keystore,
    types::Header,
};

/// A justification for `header` if this node alone forms the GRANDPA authority set.
pub fn single_authority_justification(
    client: &Client,
    keystore: &Keystore,
    header: &Header,
) -> ClientResult<Option<Justifications>> {
    let parent = *header.parent_hash();
    let authorities = client.runtime_api(parent).grandpa_authorities()?;
    let [(id, _weight)] = authorities.as_slice() else {
        return Ok(None);
    };
    let Some(pair) = keystore.grandpa_pair(&id.clone().into()) else {
        return Ok(None);
    };
    let set_id = client.runtime_api(parent).grandpa_set_id()?;
    let justification = sign_commit(&pair, set_id, header);
    Ok(Some(Justifications::from((
        GRANDPA_ENGINE_ID,
        justification.encode(),
    ))))
}

/// A GRANDPA justification of `header` carrying one precommit signed by `pair`.
pub fn sign_commit(
    pair: &sp_core::ed25519::Pair,
    set_id: SetId,
    header: &Header,
) -> GrandpaJustification<Header> {
    let round = u64::from(header.number);
    let precommit = finality_grandpa::Precommit {
        target_hash: header.hash(),
        target_number: header.number,
    };
    let message = finality_grandpa::Message::Precommit(precommit.clone());
    let payload = sp_consensus_grandpa::localized_payload(round, set_id, &message);
    let commit = finality_grandpa::Commit {
        target_hash: header.hash(),
        target_number: header.number,
        precommits: vec![finality_grandpa::SignedPrecommit {
            precommit,
            signature: pair.sign(&payload).into(),
            id: pair.public().into(),
        }],
    };
    GrandpaJustification::<Header> {
        round,
        commit,
        votes_ancestries: vec![],
    }
}

/// Verify a GRANDPA justification of `header` against `authorities` and `set_id` (see
/// [`aitbc_wire::justification::verify_justification`]).
pub fn verify_justification(
    header: &Header,
    encoded: &[u8],
    authorities: &AuthorityList,
    set_id: SetId,
) -> ClientResult<()> {
    aitbc_wire::justification::verify_justification(header, encoded, authorities, set_id)
        .map_err(ClientError::Other)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sp_keyring::Ed25519Keyring;

    fn header(n: u32) -> Header {
        Header::new(
            n,
            Default::default(),
            Default::default(),
            Default::default(),
            Default::default(),
        )
    }

    #[test]
    fn signed_commit_verifies_and_tampering_is_detected() {
        let alice = Ed25519Keyring::Alice.pair();
        let authorities: AuthorityList = vec![(alice.public().into(), 1)];
        let h = header(7);
        let j = sign_commit(&alice, 0, &h).encode();
        verify_justification(&h, &j, &authorities, 0).expect("valid justification");
        assert!(
            verify_justification(&h, &j, &authorities, 1).is_err(),
            "wrong set id must fail"
        );
        assert!(
            verify_justification(&header(8), &j, &authorities, 0).is_err(),
            "other block must fail"
        );
        let bob: AuthorityList = vec![(Ed25519Keyring::Bob.public().into(), 1)];
        assert!(
            verify_justification(&h, &j, &bob, 0).is_err(),
            "foreign signer must fail"
        );
    }

    #[test]
    fn one_of_four_signatures_is_not_a_supermajority() {
        let keys: Vec<_> = [
            Ed25519Keyring::Alice,
            Ed25519Keyring::Bob,
            Ed25519Keyring::Charlie,
            Ed25519Keyring::Dave,
        ]
        .iter()
        .map(|k| (k.public().into(), 1))
        .collect();
        let h = header(3);
        let j = sign_commit(&Ed25519Keyring::Alice.pair(), 0, &h).encode();
        let err = verify_justification(&h, &j, &keys, 0)
            .unwrap_err()
            .to_string();
        assert!(err.contains("1 of 4"), "{err}");
    }
}
