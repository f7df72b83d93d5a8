//! Finality.
//!
//! Justifications are GRANDPA justifications (`sp_consensus_grandpa::GrandpaJustification`),
//! stored with the block under the `FRNK` engine id. On a chain whose GRANDPA authority set is a
//! single key held by this node, every authored block is finalized at once with a commit signed
//! by that key. Multi-validator voting builds on the same store and import path.

use codec::{Decode, Encode};
use sp_consensus_grandpa::{
    AuthorityList, GrandpaJustification, SetId, GRANDPA_ENGINE_ID,
};
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
    let authorities: AuthorityList = client.call_decode(&parent, "GrandpaApi_grandpa_authorities", ())?;
    let [(id, _weight)] = authorities.as_slice() else { return Ok(None) };
    let Some(pair) = keystore.grandpa_pair(&id.clone().into()) else { return Ok(None) };
    let set_id: SetId = client.call_decode(&parent, "GrandpaApi_current_set_id", ())?;
    let round = u64::from(header.number);
    let precommit = finality_grandpa::Precommit { target_hash: header.hash(), target_number: header.number };
    let message = finality_grandpa::Message::Precommit(precommit.clone());
    let payload = sp_consensus_grandpa::localized_payload(round, set_id, &message);
    let signature = pair.sign(&payload);
    let commit = finality_grandpa::Commit {
        target_hash: header.hash(),
        target_number: header.number,
        precommits: vec![finality_grandpa::SignedPrecommit {
            precommit,
            signature: signature.into(),
            id: id.clone(),
        }],
    };
    let justification = GrandpaJustification::<Header> { round, commit, votes_ancestries: vec![] };
    Ok(Some(Justifications::from((GRANDPA_ENGINE_ID, justification.encode()))))
}

/// Verify a stored GRANDPA justification of `header` against `authorities` and `set_id`:
/// it must target the header and carry valid precommits of more than 2/3 of the weight.
pub fn verify_justification(
    header: &Header,
    encoded: &[u8],
    authorities: &AuthorityList,
    set_id: SetId,
) -> ClientResult<()> {
    let j = GrandpaJustification::<Header>::decode(&mut &encoded[..])
        .map_err(|e| ClientError::Other(format!("undecodable justification: {e}")))?;
    if j.commit.target_hash != header.hash() || j.commit.target_number != header.number {
        return Err(ClientError::Other("justification targets another block".into()));
    }
    let total: u64 = authorities.iter().map(|(_, w)| *w).sum();
    let mut seen = std::collections::HashSet::new();
    let mut weight = 0u64;
    for sp in &j.commit.precommits {
        let Some((_, w)) = authorities.iter().find(|(a, _)| a == &sp.id) else { continue };
        if !seen.insert(sp.id.clone()) {
            continue;
        }
        let message = finality_grandpa::Message::Precommit(sp.precommit.clone());
        let payload = sp_consensus_grandpa::localized_payload(j.round, set_id, &message);
        if sp_core::ed25519::Pair::verify(&sp.signature.clone().into(), &payload, &sp.id.clone().into()) {
            weight += w;
        }
    }
    if weight * 3 <= total * 2 {
        return Err(ClientError::Other(format!("justification carries {weight} of {total} authority weight")));
    }
    Ok(())
}
