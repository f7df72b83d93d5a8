//! `chain_*`: blocks, headers and head subscriptions.

use std::sync::Arc;

use codec::Encode;
use jsonrpsee::{core::SubscriptionResult, proc_macros::rpc, PendingSubscriptionSink};
use serde_json::Value;
use sp_core::H256;
use tokio::sync::broadcast::error::RecvError;

use super::{at_or_best, client_error, parse_hash, parse_number, to_message, RpcResult};
use crate::{chain::ChainReader, types::Header};

/// Substrate's `chain` namespace, and `aitbc_transactionLocation`.
#[rpc(server)]
pub trait ChainApi {
    /// The canonical hash at a height (number or hex; a list gives a list), the best block's
    /// without one.
    #[method(name = "chain_getBlockHash", aliases = ["chain_getHead"], blocking)]
    fn block_hash(&self, number: Option<Value>) -> RpcResult<Value>;

    /// A header, the best block's without a hash.
    #[method(name = "chain_getHeader", blocking)]
    fn header(&self, at: Option<String>) -> RpcResult<Option<Header>>;

    /// A block with its justifications (`null` when unknown or its body was pruned).
    #[method(name = "chain_getBlock", blocking)]
    fn block(&self, at: Option<String>) -> RpcResult<Option<Value>>;

    /// The last finalized block's hash.
    #[method(name = "chain_getFinalizedHead", aliases = ["chain_getFinalisedHead"])]
    fn finalized_head(&self) -> RpcResult<H256>;

    /// AITBC extension: where an extrinsic was included, from the node's extrinsic index.
    #[method(name = "aitbc_transactionLocation", blocking)]
    fn transaction_location(&self, extrinsic_hash: String) -> RpcResult<Option<Value>>;

    /// New best heads, starting with the current one.
    #[subscription(
        name = "chain_subscribeNewHeads" => "chain_newHead",
        aliases = ["chain_subscribeNewHead", "subscribe_newHead"],
        unsubscribe = "chain_unsubscribeNewHeads",
        item = Header
    )]
    async fn subscribe_new_heads(&self) -> SubscriptionResult;

    /// Every imported head, forks included.
    #[subscription(
        name = "chain_subscribeAllHeads" => "chain_allHead",
        unsubscribe = "chain_unsubscribeAllHeads",
        item = Header
    )]
    async fn subscribe_all_heads(&self) -> SubscriptionResult;

    /// Finalized heads, one per block, starting with the current one.
    #[subscription(
        name = "chain_subscribeFinalizedHeads" => "chain_finalizedHead",
        aliases = ["chain_subscribeFinalisedHeads"],
        unsubscribe = "chain_unsubscribeFinalizedHeads",
        unsubscribe_aliases = ["chain_unsubscribeFinalisedHeads"],
        item = Header
    )]
    async fn subscribe_finalized_heads(&self) -> SubscriptionResult;
}

/// The `chain` namespace: it only reads the chain.
pub struct ChainRpc {
    pub chain: Arc<dyn ChainReader>,
}

impl ChainRpc {
    fn hash_of(&self, number: Option<&Value>) -> RpcResult<Value> {
        match number {
            None | Some(Value::Null) => Ok(serde_json::json!(self.chain.info().best_hash)),
            Some(Value::Array(list)) => list
                .iter()
                .map(|v| self.hash_of(Some(v)))
                .collect::<RpcResult<Vec<_>>>()
                .map(Value::Array),
            Some(v) => {
                let n = parse_number(v)?;
                Ok(match self.chain.hash_at(n).map_err(client_error)? {
                    Some(h) => serde_json::json!(h),
                    None => Value::Null,
                })
            }
        }
    }
}

#[jsonrpsee::core::async_trait]
impl ChainApiServer for ChainRpc {
    fn block_hash(&self, number: Option<Value>) -> RpcResult<Value> {
        self.hash_of(number.as_ref())
    }

    fn header(&self, at: Option<String>) -> RpcResult<Option<Header>> {
        let hash = at_or_best(&*self.chain, at)?;
        self.chain.header(&hash).map_err(client_error)
    }

    fn block(&self, at: Option<String>) -> RpcResult<Option<Value>> {
        let hash = at_or_best(&*self.chain, at)?;
        let Some(block) = self.chain.block(&hash).map_err(client_error)? else {
            return Ok(None);
        };
        let justifications = self.chain.justifications(&hash).map_err(client_error)?;
        // Like Substrate: extrinsics as 0x-hex of their encoding (opaque extrinsics).
        let extrinsics: Vec<String> = block
            .extrinsics
            .iter()
            .map(|xt| super::to_hex(&xt.encode()))
            .collect();
        Ok(Some(serde_json::json!({
            "block": { "header": block.header, "extrinsics": extrinsics },
            "justifications": justifications,
        })))
    }

    fn finalized_head(&self) -> RpcResult<H256> {
        Ok(self.chain.info().finalized_hash)
    }

    fn transaction_location(&self, extrinsic_hash: String) -> RpcResult<Option<Value>> {
        let hash = parse_hash(&extrinsic_hash)?;
        let Some((block, index)) = self.chain.tx_location(&hash).map_err(client_error)? else {
            return Ok(None);
        };
        let Some(header) = self.chain.header(&block).map_err(client_error)? else {
            return Ok(None);
        };
        let canonical = self.chain.hash_at(header.number).map_err(client_error)? == Some(block);
        Ok(Some(serde_json::json!({
            "blockHash": block,
            "blockNumber": header.number,
            "index": index,
            "canonical": canonical,
            "finalized": canonical && header.number <= self.chain.info().finalized_number,
        })))
    }

    async fn subscribe_new_heads(&self, pending: PendingSubscriptionSink) -> SubscriptionResult {
        heads(pending, self.chain.clone(), HeadKind::Best).await;
        Ok(())
    }

    async fn subscribe_all_heads(&self, pending: PendingSubscriptionSink) -> SubscriptionResult {
        heads(pending, self.chain.clone(), HeadKind::All).await;
        Ok(())
    }

    async fn subscribe_finalized_heads(
        &self,
        pending: PendingSubscriptionSink,
    ) -> SubscriptionResult {
        heads(pending, self.chain.clone(), HeadKind::Finalized).await;
        Ok(())
    }
}

#[derive(Clone, Copy, PartialEq)]
enum HeadKind {
    Best,
    All,
    Finalized,
}

async fn heads(pending: PendingSubscriptionSink, chain: Arc<dyn ChainReader>, kind: HeadKind) {
    let mut imported = chain.notifications().imported.subscribe();
    let mut finalized = chain.notifications().finalized.subscribe();
    let Ok(sink) = pending.accept().await else {
        return;
    };
    // Like Substrate, start with the current head.
    let info = chain.info();
    let first: H256 = if kind == HeadKind::Finalized {
        info.finalized_hash
    } else {
        info.best_hash
    };
    if let Ok(Some(h)) = chain.header(&first) {
        if let Some(msg) = to_message(&h) {
            if sink.send(msg).await.is_err() {
                return;
            }
        }
    }
    loop {
        let header = if kind == HeadKind::Finalized {
            match finalized.recv().await {
                Ok((_, h)) => h,
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return,
            }
        } else {
            match imported.recv().await {
                Ok(b) if kind == HeadKind::All || b.is_new_best => b.header,
                Ok(_) | Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return,
            }
        };
        let Some(msg) = to_message(&header) else {
            continue;
        };
        if sink.send(msg).await.is_err() {
            return;
        }
    }
}
