//! `chain_*`: blocks, headers and head subscriptions.

use std::sync::Arc;

use codec::Encode;
use jsonrpsee::{PendingSubscriptionSink, RpcModule, SubscriptionMessage};
use serde_json::Value;
use sp_core::H256;
use tokio::sync::broadcast::error::RecvError;

use super::{client_error, parse_hash, parse_number, positional, RpcCtx, RpcResult};
use crate::types::Header;

fn block_hash(ctx: &RpcCtx, arg: Option<&Value>) -> RpcResult<Value> {
    match arg {
        None | Some(Value::Null) => Ok(serde_json::json!(ctx.client.info().best_hash)),
        Some(Value::Array(list)) => list
            .iter()
            .map(|v| block_hash(ctx, Some(v)))
            .collect::<RpcResult<Vec<_>>>()
            .map(Value::Array),
        Some(v) => {
            let n = parse_number(v)?;
            Ok(match ctx.client.hash_at(n).map_err(client_error)? {
                Some(h) => serde_json::json!(h),
                None => Value::Null,
            })
        }
    }
}

fn header_at(ctx: &RpcCtx, args: &[Value]) -> RpcResult<Option<Header>> {
    let hash = super::at_param(ctx, args, 0)?;
    ctx.client.header(&hash).map_err(client_error)
}

fn to_message<T: serde::Serialize>(v: &T) -> Option<SubscriptionMessage> {
    serde_json::value::to_raw_value(v).ok().map(Into::into)
}

pub fn register(m: &mut RpcModule<RpcCtx>) -> anyhow::Result<()> {
    m.register_blocking_method("chain_getBlockHash", |p, ctx, _| {
        let args = positional(&p)?;
        block_hash(&ctx, args.first())
    })?;
    m.register_alias("chain_getHead", "chain_getBlockHash")?;
    m.register_blocking_method("chain_getHeader", |p, ctx, _| {
        header_at(&ctx, &positional(&p)?)
    })?;
    m.register_blocking_method("chain_getBlock", |p, ctx, _| -> RpcResult<Option<Value>> {
        let args = positional(&p)?;
        let hash = super::at_param(&ctx, &args, 0)?;
        let Some(block) = ctx.client.block(&hash).map_err(client_error)? else {
            return Ok(None);
        };
        let justifications = ctx.client.justifications(&hash).map_err(client_error)?;
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
    })?;
    // AITBC extension: where an extrinsic was included, from the node's extrinsic index.
    m.register_blocking_method(
        "aitbc_transactionLocation",
        |p, ctx, _| -> RpcResult<Option<Value>> {
            let args = positional(&p)?;
            let hash = parse_hash(super::required_str(&args, 0, "extrinsic hash")?)?;
            let Some((block, index)) = ctx.client.tx_location(&hash).map_err(client_error)? else {
                return Ok(None);
            };
            let Some(header) = ctx.client.header(&block).map_err(client_error)? else {
                return Ok(None);
            };
            let canonical = ctx.client.hash_at(header.number).map_err(client_error)? == Some(block);
            Ok(Some(serde_json::json!({
                "blockHash": block,
                "blockNumber": header.number,
                "index": index,
                "canonical": canonical,
                "finalized": canonical && header.number <= ctx.client.info().finalized_number,
            })))
        },
    )?;
    m.register_method("chain_getFinalizedHead", |_, ctx, _| -> RpcResult<H256> {
        Ok(ctx.client.info().finalized_hash)
    })?;
    m.register_alias("chain_getFinalisedHead", "chain_getFinalizedHead")?;

    m.register_subscription(
        "chain_subscribeNewHeads",
        "chain_newHead",
        "chain_unsubscribeNewHeads",
        |_, sink, ctx, _| async move {
            heads(sink, ctx, HeadKind::Best).await;
            Ok(())
        },
    )?;
    m.register_alias("chain_subscribeNewHead", "chain_subscribeNewHeads")?;
    m.register_alias("subscribe_newHead", "chain_subscribeNewHeads")?;
    m.register_subscription(
        "chain_subscribeAllHeads",
        "chain_allHead",
        "chain_unsubscribeAllHeads",
        |_, sink, ctx, _| async move {
            heads(sink, ctx, HeadKind::All).await;
            Ok(())
        },
    )?;
    m.register_subscription(
        "chain_subscribeFinalizedHeads",
        "chain_finalizedHead",
        "chain_unsubscribeFinalizedHeads",
        |_, sink, ctx, _| async move {
            heads(sink, ctx, HeadKind::Finalized).await;
            Ok(())
        },
    )?;
    m.register_alias(
        "chain_subscribeFinalisedHeads",
        "chain_subscribeFinalizedHeads",
    )?;
    m.register_alias(
        "chain_unsubscribeFinalisedHeads",
        "chain_unsubscribeFinalizedHeads",
    )?;
    Ok(())
}

#[derive(Clone, Copy, PartialEq)]
enum HeadKind {
    Best,
    All,
    Finalized,
}

async fn heads(pending: PendingSubscriptionSink, ctx: Arc<RpcCtx>, kind: HeadKind) {
    let mut imported = ctx.client.notifications.imported.subscribe();
    let mut finalized = ctx.client.notifications.finalized.subscribe();
    let Ok(sink) = pending.accept().await else {
        return;
    };
    // Like Substrate, start with the current head.
    let info = ctx.client.info();
    let first: H256 = if kind == HeadKind::Finalized {
        info.finalized_hash
    } else {
        info.best_hash
    };
    if let Ok(Some(h)) = ctx.client.header(&first) {
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
