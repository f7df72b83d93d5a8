//! Fetching a receipt proof from a node ([`fetch`]): the genesis header and the storage proof of
//! its GRANDPA set, every set change since (`aitbc_authoritySetChanges`), the latest finalized
//! block with a justification (`grandpa_proveFinality`) and the storage proof of the receipt in
//! its state (`state_getReadProof`). The node is not trusted: [`aitbc_wire::receipt_proof::verify`]
//! checks all of it from the genesis hash.

use aitbc_runtime::{Hash, Header};
use aitbc_wire::decode::decode_untrusted;
use aitbc_wire::receipt_proof::{
    grandpa_authorities_key, header_bytes, participants_key, receipt_key, Bytes, ReceiptProof,
    SetChange, PROOF_VERSION, SET_CHANGES_PER_CALL,
};
use codec::Decode;
use jsonrpsee::rpc_params;
use serde::Deserialize;

use crate::{
    error::{Error, Result},
    rpc::{RawBytes, RpcClient},
};

/// Most set-change pages asked for: as many changes as a proof may carry.
const MAX_SET_CHANGE_PAGES: usize =
    aitbc_wire::receipt_proof::MAX_SET_CHANGES / SET_CHANGES_PER_CALL;

/// Substrate's `ReadProof`.
#[derive(Deserialize)]
struct ReadProof {
    proof: Vec<RawBytes>,
}

/// One entry of `aitbc_authoritySetChanges`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SetChangeEntry {
    set_id: u64,
    header: RawBytes,
    justification: RawBytes,
}

async fn read_proof(rpc: &RpcClient, keys: Vec<Vec<u8>>, at: Hash) -> Result<Vec<Bytes>> {
    let keys: Vec<sp_core::Bytes> = keys.into_iter().map(sp_core::Bytes).collect();
    let proof: ReadProof = rpc
        .request("state_getReadProof", rpc_params![keys, at])
        .await?;
    Ok(proof.proof.into_iter().map(|n| Bytes(n.0)).collect())
}

async fn set_changes(rpc: &RpcClient) -> Result<Vec<SetChange>> {
    let mut out = Vec::new();
    let mut from = 0u64;
    for _ in 0..MAX_SET_CHANGE_PAGES {
        let page: Vec<SetChangeEntry> = rpc
            .request("aitbc_authoritySetChanges", rpc_params![from])
            .await?;
        if page.len() > SET_CHANGES_PER_CALL {
            return Err(Error::InvalidInput(format!(
                "the node answered {} set changes at once; it serves at most {SET_CHANGES_PER_CALL}",
                page.len()
            )));
        }
        let Some(last) = page.last().map(|c| c.set_id) else {
            return Ok(out);
        };
        if last <= from {
            return Err(Error::InvalidInput(format!(
                "the node answered set changes from {from} with set {last}"
            )));
        }
        from = last;
        out.extend(page.into_iter().map(|c| SetChange {
            header: Bytes(c.header.0),
            justification: Bytes(c.justification.0),
        }));
    }
    Err(Error::InvalidInput(format!(
        "more than {} authority set changes",
        aitbc_wire::receipt_proof::MAX_SET_CHANGES
    )))
}

/// The first finalized block at or above `from` that has a justification, with it.
async fn justified_block(rpc: &RpcClient, from: u32) -> Result<(Header, Vec<u8>)> {
    let encoded: Option<RawBytes> = rpc
        .request("grandpa_proveFinality", rpc_params![from])
        .await?;
    let encoded = encoded.ok_or_else(|| {
        Error::NotFound(format!(
            "a justified block at or above #{from}: the node has none within 4096 blocks"
        ))
    })?;
    // Substrate's `FinalityProof` starts with the justified block and its justification (the
    // headers after them are not needed: the block's header is fetched by hash).
    let (block, justification) = <(Hash, Vec<u8>)>::decode(&mut &encoded.0[..])
        .map_err(|e| Error::decode("the finality proof", e))?;
    let header = rpc
        .header(Some(block))
        .await?
        .ok_or_else(|| Error::NotFound(format!("header {block:?}")))?;
    Ok((header, justification))
}

/// Assemble the proof of receipt `receipt_id` from the node at `rpc`.
pub async fn fetch(rpc: &RpcClient, receipt_id: u64) -> Result<ReceiptProof> {
    let genesis_hash = rpc.genesis_hash().await?;
    let genesis = rpc
        .header(Some(genesis_hash))
        .await?
        .ok_or_else(|| Error::NotFound("the genesis header".into()))?;
    let genesis_authorities_proof =
        read_proof(rpc, vec![grandpa_authorities_key()], genesis_hash).await?;
    let set_changes = set_changes(rpc).await?;
    // The block to prove: the first justified one at or above both the receipt's block (read
    // here untrusted, only to choose; the proof is checked against what it says) and the last
    // set change.
    let stored = rpc
        .storage(&receipt_key(receipt_id), None)
        .await?
        .ok_or_else(|| Error::NotFound(format!("receipt {receipt_id}")))?;
    let receipt: aitbc_wire::receipt_proof::Receipt =
        decode_untrusted(&stored).map_err(|e| Error::decode(format!("receipt {receipt_id}"), e))?;
    let mut from = receipt.block;
    if let Some(change) = set_changes.last() {
        let header: Header = decode_untrusted(&change.header.0)
            .map_err(|e| Error::decode("a set change header", e))?;
        from = from.max(header.number);
    }
    let (header, justification) = justified_block(rpc, from).await?;
    // One proof of the receipt and of its participants (or their absence).
    let receipt_proof = read_proof(
        rpc,
        vec![receipt_key(receipt_id), participants_key(receipt_id)],
        header.hash(),
    )
    .await?;
    Ok(ReceiptProof {
        version: PROOF_VERSION,
        genesis_hash,
        genesis_header: header_bytes(&genesis),
        genesis_authorities_proof,
        set_changes,
        finalized_header: header_bytes(&header),
        justification: Bytes(justification),
        receipt_id,
        receipt_proof,
    })
}
