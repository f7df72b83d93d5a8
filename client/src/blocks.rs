//! Decoded blocks, extrinsics and events, for explorers.

use crate::error::{Error, Result};
use crate::metadata;
use crate::rpc::RpcClient;
use crate::state::{self, EventRecord};
use crate::tx;
use aitbc_runtime::{BlockNumber, Hash, RuntimeCall, TimestampCall, UncheckedExtrinsic};
use codec::Decode;
use frame_system::Phase;
use jsonrpsee::rpc_params;
use serde::Serialize;
use sp_runtime::generic::Preamble;
use sp_runtime::MultiAddress;

/// A block given as a number, a hash, or the best block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockId {
    Best,
    Number(BlockNumber),
    Hash(Hash),
}

/// Parses `"123"`, `"#123"`, `"0x<64 hex>"` or `"best"`/`"latest"`.
pub fn parse_block_id(s: &str) -> Result<BlockId> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("best") || t.eq_ignore_ascii_case("latest") {
        return Ok(BlockId::Best);
    }
    if t.starts_with("0x") {
        return parse_hash(t).map(BlockId::Hash);
    }
    t.trim_start_matches('#')
        .parse::<BlockNumber>()
        .map(BlockId::Number)
        .map_err(|_| {
            Error::NotFound(format!(
                "{s:?} is not a block number or 0x-prefixed block hash"
            ))
        })
}

/// Parses a 0x-prefixed 32-byte hash.
pub fn parse_hash(s: &str) -> Result<Hash> {
    let t = s.trim();
    let bytes = t
        .strip_prefix("0x")
        .and_then(|h| hex::decode(h).ok())
        .filter(|b| b.len() == 32)
        .ok_or_else(|| Error::NotFound(format!("{s:?} is not a 0x-prefixed 32-byte hash")))?;
    Ok(Hash::from_slice(&bytes))
}

/// One extrinsic of a block.
#[derive(Clone, Debug, Serialize)]
pub struct ExtrinsicView {
    pub index: u32,
    pub tx_hash: Hash,
    pub signer: Option<String>,
    pub nonce: Option<u32>,
    pub pallet: String,
    pub call: String,
    pub args: String,
    /// From the block's events: `Some(true)` = ExtrinsicSuccess.
    pub success: Option<bool>,
    pub error: Option<String>,
    pub fee_paid: Option<String>,
}

/// One event of a block.
#[derive(Clone, Debug, Serialize)]
pub struct EventView {
    /// `"extrinsic"`, `"initialization"` or `"finalization"`.
    pub phase: String,
    pub extrinsic_index: Option<u32>,
    pub pallet: String,
    pub event: String,
    pub fields: String,
}

/// A decoded block.
#[derive(Clone, Debug, Serialize)]
pub struct BlockView {
    pub number: BlockNumber,
    pub hash: Hash,
    pub parent_hash: Hash,
    pub state_root: Hash,
    pub extrinsics_root: Hash,
    /// Unix milliseconds, from the `Timestamp::set` inherent.
    pub timestamp_ms: Option<u64>,
    pub finalized: bool,
    pub extrinsics: Vec<ExtrinsicView>,
    pub events: Vec<EventView>,
}

fn event_view(r: &EventRecord) -> EventView {
    let (pallet, event) = metadata::event_name(&r.event);
    let (phase, idx) = match r.phase {
        Phase::ApplyExtrinsic(i) => ("extrinsic".to_string(), Some(i)),
        Phase::Initialization => ("initialization".to_string(), None),
        Phase::Finalization => ("finalization".to_string(), None),
    };
    EventView {
        phase,
        extrinsic_index: idx,
        pallet,
        event,
        fields: metadata::event_fields(&r.event),
    }
}

fn extrinsic_view(index: u32, raw: &[u8], records: &[EventRecord]) -> (ExtrinsicView, Option<u64>) {
    let tx_hash = Hash::from(sp_crypto_hashing::blake2_256(raw));
    let mut view = ExtrinsicView {
        index,
        tx_hash,
        signer: None,
        nonce: None,
        pallet: "?".into(),
        call: "undecodable".into(),
        args: String::new(),
        success: None,
        error: None,
        fee_paid: None,
    };
    let mut timestamp = None;
    if let Ok(uxt) = UncheckedExtrinsic::decode(&mut &raw[..]) {
        let (pallet, call) = metadata::call_name(&uxt.function);
        view.pallet = pallet;
        view.call = call;
        view.args = metadata::call_args(&uxt.function);
        if let RuntimeCall::Timestamp(TimestampCall::set { now }) = &uxt.function {
            timestamp = Some(*now);
        }
        if let Preamble::Signed(addr, _, ext) = &uxt.preamble {
            view.signer = Some(match addr {
                MultiAddress::Id(a) => crate::keys::to_ss58(a),
                other => format!("{other:?}"),
            });
            view.nonce = Some(ext.5 .0);
        }
    }
    let related: Vec<EventRecord> = records
        .iter()
        .filter(|r| r.phase == Phase::ApplyExtrinsic(index))
        .cloned()
        .collect();
    if !related.is_empty() {
        let o = tx::outcome_from_events(tx_hash, Hash::zero(), 0, index, related);
        view.success = Some(o.success);
        view.error = o.error_detail;
        view.fee_paid = o.fee_paid.map(crate::amount::format_amount);
    }
    (view, timestamp)
}

/// Resolves a block id to its hash.
pub async fn resolve(rpc: &RpcClient, id: BlockId) -> Result<Hash> {
    match id {
        BlockId::Hash(h) => Ok(h),
        BlockId::Best => Ok(rpc.best_header().await?.hash()),
        BlockId::Number(n) => rpc
            .block_hash(Some(n))
            .await?
            .ok_or_else(|| Error::NotFound(format!("block #{n} (the chain is not that long yet)"))),
    }
}

/// Fetches and decodes a block with its events.
pub async fn block_view(rpc: &RpcClient, id: BlockId) -> Result<BlockView> {
    let hash = resolve(rpc, id).await?;
    let block = rpc
        .block(Some(hash))
        .await?
        .ok_or_else(|| Error::NotFound(format!("block {hash:?}")))?;
    let records = state::events(rpc, hash).await.unwrap_or_default();
    let fin = rpc.finalized_head().await?;
    let fin_number = rpc.header(Some(fin)).await?.map(|h| h.number).unwrap_or(0);
    let mut timestamp_ms = None;
    let extrinsics = block
        .extrinsics
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let (v, ts) = extrinsic_view(i as u32, &x.0, &records);
            timestamp_ms = timestamp_ms.or(ts);
            v
        })
        .collect();
    let h = &block.header;
    Ok(BlockView {
        number: h.number,
        hash,
        parent_hash: h.parent_hash,
        state_root: h.state_root,
        extrinsics_root: h.extrinsics_root,
        timestamp_ms,
        finalized: h.number <= fin_number,
        extrinsics,
        events: records.iter().map(event_view).collect(),
    })
}

/// The latest `limit` blocks, newest first.
pub async fn recent_blocks(rpc: &RpcClient, limit: u32) -> Result<Vec<BlockView>> {
    let best = rpc.best_header().await?.number;
    let mut out = Vec::new();
    let mut n = best as i64;
    while n >= 0 && out.len() < limit as usize {
        out.push(block_view(rpc, BlockId::Number(n as BlockNumber)).await?);
        n -= 1;
    }
    Ok(out)
}

/// `aitbc_transactionLocation`'s answer.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct TxLocation {
    block_hash: Hash,
    index: u32,
    canonical: bool,
}

/// Where transaction `tx_hash` was included: its decoded block and index. Uses the node's
/// transaction index when it has one; otherwise scans the last `depth` blocks.
pub async fn find_transaction(
    rpc: &RpcClient,
    tx_hash: Hash,
    depth: u32,
) -> Result<Option<(BlockView, u32)>> {
    // An AITBC node answers from its extrinsic index, at any depth; other Substrate nodes lack
    // the method, and then the recent blocks are scanned.
    let indexed: Result<Option<TxLocation>> = rpc
        .request("aitbc_transactionLocation", rpc_params![tx_hash])
        .await;
    if let Ok(found) = indexed {
        return match found {
            Some(loc) if loc.canonical => Ok(Some((
                block_view(rpc, BlockId::Hash(loc.block_hash)).await?,
                loc.index,
            ))),
            _ => Ok(None),
        };
    }
    let best = rpc.best_header().await?.number;
    let lowest = best.saturating_sub(depth);
    let mut n = best;
    loop {
        if let Some(hash) = rpc.block_hash(Some(n)).await? {
            if let Some(block) = rpc.block(Some(hash)).await? {
                if let Some(i) = block
                    .extrinsics
                    .iter()
                    .position(|x| Hash::from(sp_crypto_hashing::blake2_256(&x.0)) == tx_hash)
                {
                    return Ok(Some((
                        block_view(rpc, BlockId::Hash(hash)).await?,
                        i as u32,
                    )));
                }
            }
        }
        if n == lowest || n == 0 {
            return Ok(None);
        }
        n -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_ids() {
        assert_eq!(parse_block_id("12").unwrap(), BlockId::Number(12));
        assert_eq!(parse_block_id("#12").unwrap(), BlockId::Number(12));
        assert_eq!(parse_block_id("best").unwrap(), BlockId::Best);
        let h = format!("0x{}", "ab".repeat(32));
        assert_eq!(
            parse_block_id(&h).unwrap(),
            BlockId::Hash(Hash::repeat_byte(0xab))
        );
        assert!(parse_block_id("0x1234").is_err());
        assert!(parse_block_id("twelve").is_err());
        assert!(parse_block_id("-1").is_err());
    }
}
