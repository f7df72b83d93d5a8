//! `state_*`: storage, runtime calls, metadata, runtime version and storage subscriptions.

use std::{collections::HashMap, sync::Arc};

use jsonrpsee::{PendingSubscriptionSink, RpcModule, SubscriptionMessage};
use serde_json::{json, Value};
use sp_core::H256;
use tokio::sync::broadcast::error::RecvError;

use super::{
    at_param, client_error, invalid_params, parse_hex, positional, required_str, str_param, to_hex,
    RpcCtx, RpcResult,
};

/// Most keys `state_getKeysPaged` returns at once.
const MAX_KEYS_PAGE: u64 = 1000;

fn key_list(v: Option<&Value>) -> RpcResult<Vec<Vec<u8>>> {
    aitbc_wire::rpc_params::key_list(v).map_err(invalid_params)
}

fn metadata_bytes(ctx: &RpcCtx, at: &H256) -> RpcResult<Vec<u8>> {
    ctx.client.runtime_api(*at).metadata().map_err(client_error)
}

pub fn register(m: &mut RpcModule<RpcCtx>) -> anyhow::Result<()> {
    m.register_blocking_method(
        "state_getStorage",
        |p, ctx, _| -> RpcResult<Option<String>> {
            let args = positional(&p)?;
            let key = parse_hex(required_str(&args, 0, "storage key")?, "storage key")?;
            let at = at_param(&ctx, &args, 1)?;
            Ok(ctx
                .client
                .storage(&at, &key)
                .map_err(client_error)?
                .map(|v| to_hex(&v)))
        },
    )?;
    m.register_alias("state_getStorageAt", "state_getStorage")?;
    m.register_blocking_method(
        "state_getStorageHash",
        |p, ctx, _| -> RpcResult<Option<H256>> {
            let args = positional(&p)?;
            let key = parse_hex(required_str(&args, 0, "storage key")?, "storage key")?;
            let at = at_param(&ctx, &args, 1)?;
            Ok(ctx
                .client
                .storage(&at, &key)
                .map_err(client_error)?
                .map(|v| crate::types::bytes_hash(&v)))
        },
    )?;
    m.register_blocking_method(
        "state_getStorageSize",
        |p, ctx, _| -> RpcResult<Option<u64>> {
            let args = positional(&p)?;
            let key = parse_hex(required_str(&args, 0, "storage key")?, "storage key")?;
            let at = at_param(&ctx, &args, 1)?;
            Ok(ctx
                .client
                .storage(&at, &key)
                .map_err(client_error)?
                .map(|v| v.len() as u64))
        },
    )?;
    m.register_blocking_method(
        "state_getKeysPaged",
        |p, ctx, _| -> RpcResult<Vec<String>> {
            let args = positional(&p)?;
            let prefix = match str_param(&args, 0, "prefix")? {
                Some(s) => parse_hex(s, "prefix")?,
                None => vec![],
            };
            let count = args
                .get(1)
                .and_then(Value::as_u64)
                .ok_or_else(|| invalid_params("missing parameter: count"))?;
            if count > MAX_KEYS_PAGE {
                return Err(invalid_params(format!(
                    "count {count} exceeds the maximum of {MAX_KEYS_PAGE} keys per page"
                )));
            }
            let start = str_param(&args, 2, "start key")?
                .map(|s| parse_hex(s, "start key"))
                .transpose()?;
            let at = at_param(&ctx, &args, 3)?;
            let keys = ctx
                .client
                .storage_keys(&at, &prefix, start.as_deref(), count as usize)
                .map_err(client_error)?;
            Ok(keys.iter().map(|k| to_hex(k)).collect())
        },
    )?;
    m.register_alias("state_getKeysPagedAt", "state_getKeysPaged")?;
    m.register_blocking_method("state_queryStorageAt", |p, ctx, _| -> RpcResult<Value> {
        let args = positional(&p)?;
        let keys = key_list(args.first())?;
        let at = at_param(&ctx, &args, 1)?;
        let mut changes = Vec::with_capacity(keys.len());
        for k in keys {
            let v = ctx.client.storage(&at, &k).map_err(client_error)?;
            changes.push(json!([to_hex(&k), v.map(|v| to_hex(&v))]));
        }
        Ok(json!([{ "block": at, "changes": changes }]))
    })?;
    m.register_blocking_method("state_getReadProof", |p, ctx, _| -> RpcResult<Value> {
        let args = positional(&p)?;
        let keys = key_list(args.first())?;
        let at = at_param(&ctx, &args, 1)?;
        let proof = ctx.client.read_proof(&at, &keys).map_err(client_error)?;
        Ok(json!({ "at": at, "proof": proof.iter().map(|n| to_hex(n)).collect::<Vec<_>>() }))
    })?;
    m.register_blocking_method("state_call", |p, ctx, _| -> RpcResult<String> {
        let args = positional(&p)?;
        let method = required_str(&args, 0, "method")?;
        let data = parse_hex(required_str(&args, 1, "call data")?, "call data")?;
        let at = at_param(&ctx, &args, 2)?;
        aitbc_wire::decode::check_runtime_call_args(method, &data).map_err(invalid_params)?;
        let out = ctx.client.call(&at, method, &data).map_err(client_error)?;
        Ok(to_hex(&out))
    })?;
    m.register_alias("state_callAt", "state_call")?;
    m.register_blocking_method("state_getMetadata", |p, ctx, _| -> RpcResult<String> {
        let args = positional(&p)?;
        let at = at_param(&ctx, &args, 0)?;
        Ok(to_hex(&metadata_bytes(&ctx, &at)?))
    })?;
    m.register_blocking_method(
        "state_getRuntimeVersion",
        |p, ctx, _| -> RpcResult<sp_version::RuntimeVersion> {
            let args = positional(&p)?;
            let at = at_param(&ctx, &args, 0)?;
            ctx.client.runtime_version(&at).map_err(client_error)
        },
    )?;
    m.register_alias("chain_getRuntimeVersion", "state_getRuntimeVersion")?;

    m.register_subscription(
        "state_subscribeRuntimeVersion",
        "state_runtimeVersion",
        "state_unsubscribeRuntimeVersion",
        |_, pending, ctx, _| async move {
            runtime_versions(pending, ctx).await;
            Ok(())
        },
    )?;
    m.register_alias(
        "chain_subscribeRuntimeVersion",
        "state_subscribeRuntimeVersion",
    )?;
    m.register_alias(
        "chain_unsubscribeRuntimeVersion",
        "state_unsubscribeRuntimeVersion",
    )?;
    m.register_subscription("state_subscribeStorage", "state_storage", "state_unsubscribeStorage", |p, pending, ctx, _| async move {
        let keys = match positional(&p).and_then(|args| key_list(args.first())) {
            Ok(k) if !k.is_empty() => k,
            Ok(_) => {
                pending
                    .reject(invalid_params("subscribing to every storage change is not supported: pass a list of keys"))
                    .await;
                return Ok(());
            },
            Err(e) => {
                pending.reject(e).await;
                return Ok(());
            },
        };
        storage_changes(pending, ctx, keys).await;
        Ok(())
    })?;
    Ok(())
}

fn to_message<T: serde::Serialize>(v: &T) -> Option<SubscriptionMessage> {
    serde_json::value::to_raw_value(v).ok().map(Into::into)
}

async fn runtime_versions(pending: PendingSubscriptionSink, ctx: Arc<RpcCtx>) {
    let mut imported = ctx.client.notifications.imported.subscribe();
    let Ok(sink) = pending.accept().await else {
        return;
    };
    let mut last = None;
    let mut at = ctx.client.info().best_hash;
    loop {
        let c = ctx.clone();
        let version = tokio::task::spawn_blocking(move || c.client.runtime_version(&at)).await;
        if let Ok(Ok(v)) = version {
            if last.as_ref() != Some(&v) {
                let Some(msg) = to_message(&v) else { return };
                if sink.send(msg).await.is_err() {
                    return;
                }
                last = Some(v);
            }
        }
        at = loop {
            match imported.recv().await {
                Ok(b) if b.is_new_best => break b.hash,
                Ok(_) | Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return,
            }
        };
    }
}

async fn storage_changes(pending: PendingSubscriptionSink, ctx: Arc<RpcCtx>, keys: Vec<Vec<u8>>) {
    let mut imported = ctx.client.notifications.imported.subscribe();
    let Ok(sink) = pending.accept().await else {
        return;
    };
    let mut last: HashMap<Vec<u8>, Option<Vec<u8>>> = HashMap::new();
    let mut at = ctx.client.info().best_hash;
    let mut first = true;
    loop {
        let c = ctx.clone();
        let ks = keys.clone();
        let values = tokio::task::spawn_blocking(move || {
            ks.into_iter()
                .map(|k| c.client.storage(&at, &k).map(|v| (k, v)))
                .collect::<Result<Vec<_>, _>>()
        })
        .await;
        if let Ok(Ok(values)) = values {
            let mut changes = Vec::new();
            for (k, v) in values {
                if first || last.get(&k) != Some(&v) {
                    changes.push(json!([to_hex(&k), v.as_ref().map(|v| to_hex(v))]));
                    last.insert(k, v);
                }
            }
            if !changes.is_empty() {
                let Some(msg) = to_message(&json!({ "block": at, "changes": changes })) else {
                    return;
                };
                if sink.send(msg).await.is_err() {
                    return;
                }
            }
            first = false;
        }
        at = loop {
            tokio::select! {
                _ = sink.closed() => return,
                next = imported.recv() => match next {
                    Ok(b) if b.is_new_best => break b.hash,
                    Ok(_) | Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return,
                },
            }
        };
    }
}
