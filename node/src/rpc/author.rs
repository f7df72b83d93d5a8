//! `author_*`: transaction submission and watching, and (unsafe) key management.

use std::sync::Arc;

use jsonrpsee::{PendingSubscriptionSink, RpcModule, SubscriptionMessage};
use serde_json::{json, Value};
use sp_core::{Pair, H256};
use sp_runtime::transaction_validity::TransactionSource;
use tokio::sync::broadcast::error::RecvError;

use super::{
    parse_hex, pool_error, positional, required_str, to_hex, unsafe_method, RpcCtx, RpcMethods,
    RpcResult,
};
use crate::{keystore, pool::TxStatus};

fn extrinsic_param(p: &jsonrpsee::types::Params) -> RpcResult<Vec<u8>> {
    let args = positional(p)?;
    parse_hex(required_str(&args, 0, "extrinsic")?, "extrinsic")
}

async fn submit(ctx: &Arc<RpcCtx>, bytes: Vec<u8>) -> RpcResult<H256> {
    let c = ctx.clone();
    let gossip = ctx.network.as_ref().map(|_| bytes.clone());
    let hash =
        tokio::task::spawn_blocking(move || c.pool.submit(bytes, TransactionSource::External))
            .await
            .map_err(|e| super::invalid_params(format!("submission task failed: {e}")))?
            .map_err(pool_error)?;
    if let (Some(net), Some(bytes)) = (&ctx.network, gossip) {
        net.broadcast_transaction(bytes);
    }
    Ok(hash)
}

pub fn register(m: &mut RpcModule<RpcCtx>, methods: RpcMethods) -> anyhow::Result<()> {
    m.register_async_method("author_submitExtrinsic", |p, ctx, _| async move {
        let bytes = extrinsic_param(&p)?;
        submit(&ctx, bytes).await
    })?;
    m.register_method("author_pendingExtrinsics", |_, ctx, _| -> Vec<String> {
        ctx.pool.pending().iter().map(|e| to_hex(e)).collect()
    })?;
    m.register_subscription(
        "author_submitAndWatchExtrinsic",
        "author_extrinsicUpdate",
        "author_unwatchExtrinsic",
        |p, pending, ctx, _| async move {
            watch(p, pending, ctx).await;
            Ok(())
        },
    )?;
    match methods {
        RpcMethods::Unsafe => {
            m.register_blocking_method("author_insertKey", |p, ctx, _| -> RpcResult<()> {
                let args = positional(&p)?;
                let key_type = keystore::parse_key_type(required_str(&args, 0, "key type")?)
                    .map_err(|e| super::invalid_params(e.to_string()))?;
                let suri = required_str(&args, 1, "secret URI")?;
                let public = parse_hex(required_str(&args, 2, "public key")?, "public key")?;
                let derived = ctx
                    .keystore
                    .add(key_type, suri)
                    .map_err(|e| super::invalid_params(e.to_string()))?;
                if derived != public {
                    return Err(super::invalid_params(
                        "the public key does not belong to the secret URI",
                    ));
                }
                ctx.keystore
                    .insert(key_type, suri)
                    .map_err(|e| super::invalid_params(e.to_string()))?;
                Ok(())
            })?;
            m.register_blocking_method("author_rotateKeys", |_, ctx, _| -> RpcResult<String> {
                let (aura, _, _) = sp_core::sr25519::Pair::generate_with_phrase(None);
                let (gran, _, _) = sp_core::ed25519::Pair::generate_with_phrase(None);
                let aura_seed = format!("0x{}", hex::encode(aura.to_raw_vec()));
                let gran_seed = format!("0x{}", hex::encode(gran.seed()));
                let ins = |kt, s: &str| {
                    ctx.keystore
                        .insert(kt, s)
                        .map_err(|e| super::invalid_params(e.to_string()))
                };
                ins(keystore::AURA, &aura_seed)?;
                ins(keystore::GRANDPA, &gran_seed)?;
                let mut keys = aura.public().0.to_vec();
                keys.extend_from_slice(&gran.public().0);
                Ok(to_hex(&keys))
            })?;
            m.register_blocking_method("author_hasKey", |p, ctx, _| -> RpcResult<bool> {
                let args = positional(&p)?;
                let public = parse_hex(required_str(&args, 0, "public key")?, "public key")?;
                let key_type = keystore::parse_key_type(required_str(&args, 1, "key type")?)
                    .map_err(|e| super::invalid_params(e.to_string()))?;
                Ok(match key_type {
                    keystore::AURA => <[u8; 32]>::try_from(public.as_slice())
                        .ok()
                        .and_then(|b| ctx.keystore.aura_pair(&b.into()))
                        .is_some(),
                    _ => <[u8; 32]>::try_from(public.as_slice())
                        .ok()
                        .and_then(|b| ctx.keystore.grandpa_pair(&b.into()))
                        .is_some(),
                })
            })?;
        }
        RpcMethods::Safe | RpcMethods::Auto => {
            for name in ["author_insertKey", "author_rotateKeys", "author_hasKey"] {
                m.register_method(name, move |_, _, _| -> RpcResult<()> {
                    Err(unsafe_method(name))
                })?;
            }
        }
    }
    Ok(())
}

fn status_json(s: &TxStatus) -> Value {
    match s {
        TxStatus::Future => json!("future"),
        TxStatus::Ready => json!("ready"),
        TxStatus::InBlock(h) => json!({ "inBlock": h }),
        TxStatus::Retracted(h) => json!({ "retracted": h }),
        TxStatus::Usurped(h) => json!({ "usurped": h }),
        TxStatus::Dropped => json!("dropped"),
        TxStatus::Invalid => json!("invalid"),
    }
}

fn to_message(v: &Value) -> Option<SubscriptionMessage> {
    serde_json::value::to_raw_value(v).ok().map(Into::into)
}

async fn watch(
    p: jsonrpsee::types::Params<'static>,
    pending: PendingSubscriptionSink,
    ctx: Arc<RpcCtx>,
) {
    let bytes = match extrinsic_param(&p) {
        Ok(b) => b,
        Err(e) => {
            pending.reject(e).await;
            return;
        }
    };
    // Subscribe before submitting so that no status change is missed.
    let mut statuses = ctx.pool.status.subscribe();
    let mut finalized = ctx.client.notifications.finalized.subscribe();
    let hash = match submit(&ctx, bytes).await {
        Ok(h) => h,
        Err(e) => {
            pending.reject(e).await;
            return;
        }
    };
    let Ok(sink) = pending.accept().await else {
        return;
    };
    let mut in_block: Option<H256> = None;
    loop {
        tokio::select! {
            _ = sink.closed() => return,
            s = statuses.recv() => match s {
                Ok((h, status)) if h == hash => {
                    let Some(msg) = to_message(&status_json(&status)) else { return };
                    if sink.send(msg).await.is_err() {
                        return;
                    }
                    match status {
                        TxStatus::InBlock(b) => {
                            in_block = Some(b);
                            if is_finalized(&ctx, &b) {
                                let _ = sink.send_finalized(b).await;
                                return;
                            }
                        },
                        // Back in the pool: the watch goes on until it is in a block again.
                        TxStatus::Retracted(_) => in_block = None,
                        TxStatus::Usurped(_) | TxStatus::Dropped | TxStatus::Invalid => return,
                        _ => {},
                    }
                },
                Ok(_) | Err(RecvError::Lagged(_)) => {},
                Err(RecvError::Closed) => return,
            },
            f = finalized.recv() => match f {
                Ok((fin_hash, _)) if Some(fin_hash) == in_block => {
                    let _ = sink.send_finalized(fin_hash).await;
                    return;
                },
                Ok(_) | Err(RecvError::Lagged(_)) => {},
                Err(RecvError::Closed) => return,
            },
        }
    }
}

fn is_finalized(ctx: &RpcCtx, block: &H256) -> bool {
    let info = ctx.client.info();
    match ctx.client.header(block) {
        Ok(Some(h)) => {
            h.number <= info.finalized_number
                && ctx.client.hash_at(h.number).ok().flatten() == Some(*block)
        }
        _ => false,
    }
}

trait SendFinalized {
    async fn send_finalized(&self, b: H256) -> Result<(), ()>;
}

impl SendFinalized for jsonrpsee::SubscriptionSink {
    async fn send_finalized(&self, b: H256) -> Result<(), ()> {
        let msg = to_message(&json!({ "finalized": b })).ok_or(())?;
        self.send(msg).await.map_err(|_| ())
    }
}
