//! Finality proofs for light clients and offline verifiers (`aitbc receipt verify`):
//!
//! - [`prove_finality`]: the justification of the first finalized block at or above a height
//!   (Substrate's `grandpa_proveFinality`);
//! - [`set_changes`]: the blocks that changed the GRANDPA authority set, each with the
//!   justification of the set that was ending. Starting from the genesis set, they give the set
//!   of any later finalized block, as warp sync does.
//!
//! Set changes are found by bisection over the canonical chain's `GrandpaApi_current_set_id`,
//! which rises by exactly one in each block that changes the set: a few dozen runtime calls per
//! change, and no index to keep. It needs the states of those blocks (an archive node, the
//! default); a pruned node answers with the pruning error.

use aitbc_wire::receipt_proof::SET_CHANGES_PER_CALL;
use codec::Encode;
use sp_consensus_grandpa::{SetId, GRANDPA_ENGINE_ID};
use sp_core::H256;

use crate::{
    client::{Client, ClientError, ClientResult},
    types::{BlockNumber, Header},
};

/// Blocks above the requested one searched for a stored justification.
pub const MAX_JUSTIFICATION_SEARCH: BlockNumber = 4_096;

/// Substrate's `FinalityProof`: a justified block at or above the requested one and the
/// headers from the requested block up to it.
#[derive(Encode, Debug, Clone, PartialEq, Eq)]
pub struct FinalityProof {
    /// The justified block.
    pub block: H256,
    /// Its SCALE-encoded GRANDPA justification.
    pub justification: Vec<u8>,
    /// The headers above the requested block up to and including the justified one.
    pub unknown_headers: Vec<Header>,
}

/// A block that changed the authority set, with the ending set's justification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetChangeProof {
    /// The set id the block started.
    pub set_id: SetId,
    /// The block's header (with the `ScheduledChange` digest).
    pub header: Header,
    /// Its SCALE-encoded GRANDPA justification.
    pub justification: Vec<u8>,
}

fn grandpa_justification(client: &Client, hash: &H256) -> ClientResult<Option<Vec<u8>>> {
    Ok(client
        .justifications(hash)?
        .and_then(|j| j.into_justification(GRANDPA_ENGINE_ID)))
}

fn canonical(client: &Client, number: BlockNumber) -> ClientResult<H256> {
    client
        .hash_at(number)?
        .ok_or_else(|| ClientError::Other(format!("no canonical block #{number}")))
}

/// The justification of the first finalized block at or above `number` that has one, within
/// [`MAX_JUSTIFICATION_SEARCH`] blocks (`None`: `number` is not finalized yet, or no justified
/// block is that close).
pub fn prove_finality(client: &Client, number: BlockNumber) -> ClientResult<Option<FinalityProof>> {
    let finalized = client.info().finalized_number;
    if number > finalized {
        return Ok(None);
    }
    let last = finalized.min(number.saturating_add(MAX_JUSTIFICATION_SEARCH));
    let mut unknown_headers = Vec::new();
    for n in number..=last {
        let hash = canonical(client, n)?;
        if n > number {
            unknown_headers.push(client.expect_header(&hash)?);
        }
        if let Some(justification) = grandpa_justification(client, &hash)? {
            return Ok(Some(FinalityProof {
                block: hash,
                justification,
                unknown_headers,
            }));
        }
    }
    Ok(None)
}

fn set_id_at(client: &Client, number: BlockNumber) -> ClientResult<SetId> {
    client
        .runtime_api(canonical(client, number)?)
        .grandpa_set_id()
}

/// The first block in `(low, high]` whose set id is at least `target`, given that block
/// `low`'s is below it and block `high`'s is not: bisection.
fn first_block_of_set(
    client: &Client,
    target: SetId,
    mut low: BlockNumber,
    mut high: BlockNumber,
) -> ClientResult<BlockNumber> {
    while high - low > 1 {
        let mid = low + (high - low) / 2;
        if set_id_at(client, mid)? >= target {
            high = mid;
        } else {
            low = mid;
        }
    }
    Ok(high)
}

/// The finalized blocks that started sets `from + 1`, `from + 2`, … (at most
/// [`SET_CHANGES_PER_CALL`]), each with its justification.
pub fn set_changes(client: &Client, from: SetId) -> ClientResult<Vec<SetChangeProof>> {
    let finalized = client.info().finalized_number;
    let last_set = set_id_at(client, finalized)?;
    if from >= last_set {
        return Ok(Vec::new());
    }
    let mut low: BlockNumber = 0;
    let mut set_id = set_id_at(client, 0)?;
    // Skip to the block that started set `from`.
    if from > set_id {
        low = first_block_of_set(client, from, 0, finalized)?;
        set_id = set_id_at(client, low)?;
    }
    let mut out = Vec::new();
    while set_id < last_set && out.len() < SET_CHANGES_PER_CALL {
        let change = first_block_of_set(client, set_id + 1, low, finalized)?;
        let new_set = set_id_at(client, change)?;
        if new_set != set_id + 1 {
            return Err(ClientError::Other(format!(
                "block #{change} moves the GRANDPA set from {set_id} to {new_set}; sets change one at a time"
            )));
        }
        if new_set > from {
            let hash = canonical(client, change)?;
            let justification = grandpa_justification(client, &hash)?.ok_or_else(|| {
                ClientError::Other(format!(
                    "block #{change} changed the GRANDPA set but has no justification"
                ))
            })?;
            out.push(SetChangeProof {
                set_id: new_set,
                header: client.expect_header(&hash)?,
                justification,
            });
        }
        set_id = new_set;
        low = change;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use aitbc_wire::receipt_proof::{
        grandpa_authorities_key, header_bytes, verify_finality, Bytes, FinalityParts, SetChange,
        Step,
    };
    use codec::Decode;
    use sp_core::{ed25519, sr25519};
    use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

    use super::*;
    use crate::{
        import::BlockImporter,
        keystore,
        metrics::Metrics,
        testing::{block, chain, now_slot, signed, Chain},
    };

    /// Sudo (Alice) hands the validator set to Bob alone.
    fn hand_over_to_bob(on: &Chain) -> Vec<u8> {
        let bob: (sr25519::Public, ed25519::Public) =
            (Sr25519Keyring::Bob.public(), Ed25519Keyring::Bob.public());
        let set = vec![(bob.0.into(), bob.1.into())]
            .try_into()
            .expect("one validator");
        let call = aitbc_runtime::RuntimeCall::Sudo(pallet_sudo::Call::sudo {
            call: Box::new(aitbc_runtime::RuntimeCall::ValidatorSet(
                pallet_aitbc_validator_set::Call::set_validators { validators: set },
            )),
        });
        signed(on, Sr25519Keyring::Alice, 0, call)
    }

    /// A dev chain where block #1 (Alice's, set 0) hands the set to Bob and block #2 (Bob's,
    /// set 1) follows: both imported with their justifications.
    fn chain_with_a_set_change() -> Chain {
        let c = chain();
        c.keystore.add(keystore::GRANDPA, "//Bob").expect("key");
        c.pool
            .submit(
                hand_over_to_bob(&c),
                sp_runtime::transaction_validity::TransactionSource::External,
            )
            .expect("pool");
        let importer = BlockImporter::new(c.client.clone(), Metrics::new());
        let s = now_slot();
        for (slot, key) in [(s - 1, Sr25519Keyring::Alice), (s, Sr25519Keyring::Bob)] {
            let (b, j) = block(&c, slot, &key.pair());
            assert!(
                j.is_some(),
                "block #{} has its justification",
                b.header.number
            );
            importer.import(b, j).expect("import");
        }
        assert_eq!(c.client.info().finalized_number, 2);
        c
    }

    fn parts<'a>(
        genesis: &'a Bytes,
        genesis_proof: &'a [Bytes],
        changes: &'a [SetChange],
        header: &'a Bytes,
        justification: &'a Bytes,
        genesis_hash: H256,
    ) -> FinalityParts<'a> {
        FinalityParts {
            genesis_hash,
            genesis_header: genesis,
            genesis_authorities_proof: genesis_proof,
            set_changes: changes,
            finalized_header: header,
            justification,
        }
    }

    #[test]
    fn finality_is_followed_from_genesis_through_a_set_change() {
        let c = chain_with_a_set_change();
        let client = &c.client;
        let changes = set_changes(client, 0).expect("set changes");
        assert_eq!(changes.len(), 1);
        assert_eq!((changes[0].set_id, changes[0].header.number), (1, 1));
        assert!(set_changes(client, 1).expect("none after set 1").is_empty());
        let finality = prove_finality(client, 2)
            .expect("proof")
            .expect("block #2 is final");
        assert_eq!(finality.block, client.hash_at(2).expect("#2").expect("#2"));
        assert!(prove_finality(client, 3).expect("not final").is_none());

        let genesis_hash = client.info().genesis_hash;
        let genesis = header_bytes(&client.expect_header(&genesis_hash).expect("genesis"));
        let genesis_proof: Vec<Bytes> = client
            .read_proof(&genesis_hash, &[grandpa_authorities_key()])
            .expect("read proof")
            .into_iter()
            .map(Bytes)
            .collect();
        let change = SetChange {
            header: header_bytes(&changes[0].header),
            justification: Bytes(changes[0].justification.clone()),
        };
        let finalized = header_bytes(&client.expect_header(&finality.block).expect("#2"));
        let justification = Bytes(finality.justification.clone());
        let proven = verify_finality(parts(
            &genesis,
            &genesis_proof,
            std::slice::from_ref(&change),
            &finalized,
            &justification,
            genesis_hash,
        ))
        .expect("verified");
        assert_eq!(
            (proven.header.number, proven.set_id, proven.authorities),
            (2, 1, 1)
        );

        // Without the set change, block #2's justification (Bob's) does not check against
        // the genesis set (Alice's).
        let err = verify_finality(parts(
            &genesis,
            &genesis_proof,
            &[],
            &finalized,
            &justification,
            genesis_hash,
        ))
        .expect_err("set 0 did not finalize #2");
        assert_eq!(err.step, Step::Finality);

        // A set change whose justification was tampered with is named.
        let mut tampered = change.clone();
        let last = tampered.justification.0.len() - 40;
        tampered.justification.0[last] ^= 1;
        let err = verify_finality(parts(
            &genesis,
            &genesis_proof,
            std::slice::from_ref(&tampered),
            &finalized,
            &justification,
            genesis_hash,
        ))
        .expect_err("tampered");
        assert_eq!(err.step, Step::SetChange(0), "{err}");

        // Another chain's genesis hash is refused at the first step.
        let err = verify_finality(parts(
            &genesis,
            &genesis_proof,
            std::slice::from_ref(&change),
            &finalized,
            &justification,
            H256::repeat_byte(7),
        ))
        .expect_err("wrong genesis");
        assert_eq!(err.step, Step::Genesis);
        // The finality proof is Substrate's encoding.
        let encoded = finality.encode();
        assert_eq!(&encoded[..32], finality.block.as_bytes());
        let _ = <Vec<u8>>::decode(&mut &encoded[32..]).expect("justification bytes");
    }
}
