//! GRANDPA justifications and signed vote lists from peers: verified at a cost bounded by the
//! authority set's size.

use std::collections::HashSet;

use sp_consensus_grandpa::{AuthorityId, AuthorityList, GrandpaJustification, SetId};
use sp_core::Pair;
use sp_runtime::traits::Header as _;

use crate::Header;

/// A commit or catch-up from a peer lists each authority of the set at most once and nobody
/// else, so that checking it costs at most one signature check per authority.
pub fn check_signers<'a>(
    authorities: &AuthorityList,
    set_id: SetId,
    ids: impl ExactSizeIterator<Item = &'a AuthorityId>,
) -> Result<(), String> {
    if ids.len() > authorities.len() {
        return Err(format!(
            "{} signatures for a set of {} authorities",
            ids.len(),
            authorities.len()
        ));
    }
    let mut seen = HashSet::new();
    for id in ids {
        if !authorities.iter().any(|(a, _)| a == id) {
            return Err(format!(
                "signed by {id:?}, not an authority of set {set_id}"
            ));
        }
        if !seen.insert(id) {
            return Err(format!("signed twice by {id:?}"));
        }
    }
    Ok(())
}

/// Verify a GRANDPA justification of `header` against `authorities` and `set_id`: it must target
/// the header and carry valid precommits of more than 2/3 of the weight, each for the header or
/// for a descendant of it whose ancestry the justification carries.
pub fn verify_justification(
    header: &Header,
    encoded: &[u8],
    authorities: &AuthorityList,
    set_id: SetId,
) -> Result<(), String> {
    let j: GrandpaJustification<Header> = crate::decode::decode_untrusted(encoded)
        .map_err(|e| format!("undecodable justification: {e}"))?;
    // At most one precommit per authority is ever checked: a justification padded with copies
    // must not cost a signature check per copy.
    if j.commit.precommits.len() > authorities.len() {
        return Err(format!(
            "justification carries {} precommits for a set of {} authorities",
            j.commit.precommits.len(),
            authorities.len()
        ));
    }
    if j.commit.target_hash != header.hash() || j.commit.target_number != header.number {
        return Err("justification targets another block".into());
    }
    let ancestry: std::collections::HashMap<_, _> =
        j.votes_ancestries.iter().map(|h| (h.hash(), h)).collect();
    let descends = |mut hash: sp_core::H256, mut number: u32| -> bool {
        while number > header.number {
            match ancestry.get(&hash) {
                Some(h) => {
                    hash = *h.parent_hash();
                    number = h.number.saturating_sub(1);
                }
                None => return false,
            }
        }
        hash == header.hash()
    };
    let total: u64 = authorities.iter().map(|(_, w)| *w).sum();
    let mut seen = std::collections::HashSet::new();
    let mut weight = 0u64;
    for sp in &j.commit.precommits {
        let Some((_, w)) = authorities.iter().find(|(a, _)| a == &sp.id) else {
            continue;
        };
        if seen.contains(&sp.id) {
            continue;
        }
        if !descends(sp.precommit.target_hash, sp.precommit.target_number) {
            continue;
        }
        let message = finality_grandpa::Message::Precommit(sp.precommit.clone());
        let payload = sp_consensus_grandpa::localized_payload(j.round, set_id, &message);
        if sp_core::ed25519::Pair::verify(
            &sp.signature.clone().into(),
            &payload,
            &sp.id.clone().into(),
        ) {
            seen.insert(sp.id.clone());
            weight += w;
        }
    }
    if weight * 3 <= total * 2 {
        return Err(format!(
            "justification carries {weight} of {total} authority weight"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use codec::Encode;
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

    fn set() -> AuthorityList {
        [Ed25519Keyring::Alice, Ed25519Keyring::Bob]
            .iter()
            .map(|k| (k.public().into(), 1))
            .collect()
    }

    /// A justification of `h` signed by Alice, with her precommit repeated `copies` times.
    fn padded(h: &Header, copies: usize) -> Vec<u8> {
        let alice = Ed25519Keyring::Alice.pair();
        let precommit = finality_grandpa::Precommit {
            target_hash: h.hash(),
            target_number: h.number,
        };
        let payload = sp_consensus_grandpa::localized_payload(
            1,
            0,
            &finality_grandpa::Message::Precommit(precommit.clone()),
        );
        let signed = finality_grandpa::SignedPrecommit {
            precommit,
            signature: alice.sign(&payload).into(),
            id: alice.public().into(),
        };
        GrandpaJustification::<Header> {
            round: 1,
            commit: finality_grandpa::Commit {
                target_hash: h.hash(),
                target_number: h.number,
                precommits: vec![signed; copies],
            },
            votes_ancestries: vec![],
        }
        .encode()
    }

    #[test]
    fn a_padded_justification_is_refused_before_any_signature_check() {
        let h = header(1);
        // 60,000 copies of one precommit: without the bound, 60,000 signature checks.
        let err = verify_justification(&h, &padded(&h, 60_000), &set(), 0).unwrap_err();
        assert!(err.contains("60000 precommits for a set of 2"), "{err}");
        // Two copies fit the bound but count once: 1 of 2 is no supermajority.
        let err = verify_justification(&h, &padded(&h, 2), &set(), 0).unwrap_err();
        assert!(err.contains("1 of 2"), "{err}");
    }

    #[test]
    fn signer_lists_name_each_authority_at_most_once() {
        let set = set();
        let alice = Ed25519Keyring::Alice.public().into();
        let bob = Ed25519Keyring::Bob.public().into();
        let eve = Ed25519Keyring::Eve.public().into();
        assert!(check_signers(&set, 0, [&alice, &bob].into_iter()).is_ok());
        let twice = check_signers(&set, 0, [&alice, &alice].into_iter()).unwrap_err();
        assert!(twice.contains("twice"), "{twice}");
        let stranger = check_signers(&set, 0, [&eve].into_iter()).unwrap_err();
        assert!(stranger.contains("not an authority"), "{stranger}");
        let many = vec![&alice; 1000];
        let err = check_signers(&set, 0, many.into_iter()).unwrap_err();
        assert!(err.contains("1000 signatures for a set of 2"), "{err}");
    }
}
