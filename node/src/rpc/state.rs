//! `state_*`: storage, runtime calls, metadata, runtime version and storage subscriptions.

use std::{collections::HashMap, sync::Arc};

use jsonrpsee::{core::SubscriptionResult, proc_macros::rpc, PendingSubscriptionSink};
use serde_json::{json, Value};
use sp_core::H256;
use tokio::sync::broadcast::error::RecvError;

use super::{at_or_best, client_error, invalid_params, parse_hex, to_hex, to_message, RpcResult};
use crate::client::Client;

/// Most keys `state_getKeysPaged` returns at once.
const MAX_KEYS_PAGE: u64 = 1000;

fn key_list(v: Option<&Value>) -> RpcResult<Vec<Vec<u8>>> {
    aitbc_wire::rpc_params::key_list(v).map_err(invalid_params)
}

/// Substrate's `state` namespace.
#[rpc(server)]
pub trait StateApi {
    /// A storage value (hex), `null` when absent.
    #[method(name = "state_getStorage", aliases = ["state_getStorageAt"], blocking)]
    fn storage(&self, key: String, at: Option<String>) -> RpcResult<Option<String>>;

    /// The blake2-256 hash of a storage value.
    #[method(name = "state_getStorageHash", blocking)]
    fn storage_hash(&self, key: String, at: Option<String>) -> RpcResult<Option<H256>>;

    /// The size of a storage value in bytes.
    #[method(name = "state_getStorageSize", blocking)]
    fn storage_size(&self, key: String, at: Option<String>) -> RpcResult<Option<u64>>;

    /// Up to `count` (at most 1,000) keys under `prefix`, after `start_key`.
    #[method(name = "state_getKeysPaged", aliases = ["state_getKeysPagedAt"], blocking)]
    fn keys_paged(
        &self,
        prefix: Option<String>,
        count: u64,
        start_key: Option<String>,
        at: Option<String>,
    ) -> RpcResult<Vec<String>>;

    /// The values of a list of keys at one block.
    #[method(name = "state_queryStorageAt", blocking)]
    fn query_storage_at(&self, keys: Option<Value>, at: Option<String>) -> RpcResult<Value>;

    /// A Merkle proof of a list of keys.
    #[method(name = "state_getReadProof", blocking)]
    fn read_proof(&self, keys: Option<Value>, at: Option<String>) -> RpcResult<Value>;

    /// Run a runtime API function (its call-carrying arguments are depth-checked first).
    #[method(name = "state_call", aliases = ["state_callAt"], blocking)]
    fn call(&self, method: String, data: String, at: Option<String>) -> RpcResult<String>;

    /// The SCALE-encoded metadata.
    #[method(name = "state_getMetadata", blocking)]
    fn metadata(&self, at: Option<String>) -> RpcResult<String>;

    /// The runtime version.
    #[method(
        name = "state_getRuntimeVersion",
        aliases = ["chain_getRuntimeVersion"],
        blocking
    )]
    fn runtime_version(&self, at: Option<String>) -> RpcResult<sp_version::RuntimeVersion>;

    /// The runtime version now and whenever a new best block changes it.
    #[subscription(
        name = "state_subscribeRuntimeVersion" => "state_runtimeVersion",
        aliases = ["chain_subscribeRuntimeVersion"],
        unsubscribe = "state_unsubscribeRuntimeVersion",
        unsubscribe_aliases = ["chain_unsubscribeRuntimeVersion"],
        item = sp_version::RuntimeVersion
    )]
    async fn subscribe_runtime_version(&self) -> SubscriptionResult;

    /// The values of a list of keys now and whenever a new best block changes one.
    #[subscription(
        name = "state_subscribeStorage" => "state_storage",
        unsubscribe = "state_unsubscribeStorage",
        item = Value
    )]
    async fn subscribe_storage(&self, keys: Option<Value>) -> SubscriptionResult;
}

/// The `state` namespace over the client.
pub struct StateRpc {
    pub client: Arc<Client>,
}

impl StateRpc {
    fn value(&self, key: &str, at: Option<String>) -> RpcResult<Option<Vec<u8>>> {
        let key = parse_hex(key, "storage key")?;
        let at = at_or_best(&*self.client, at)?;
        self.client.storage(&at, &key).map_err(client_error)
    }
}

#[jsonrpsee::core::async_trait]
impl StateApiServer for StateRpc {
    fn storage(&self, key: String, at: Option<String>) -> RpcResult<Option<String>> {
        Ok(self.value(&key, at)?.map(|v| to_hex(&v)))
    }

    fn storage_hash(&self, key: String, at: Option<String>) -> RpcResult<Option<H256>> {
        Ok(self.value(&key, at)?.map(|v| crate::types::bytes_hash(&v)))
    }

    fn storage_size(&self, key: String, at: Option<String>) -> RpcResult<Option<u64>> {
        Ok(self.value(&key, at)?.map(|v| v.len() as u64))
    }

    fn keys_paged(
        &self,
        prefix: Option<String>,
        count: u64,
        start_key: Option<String>,
        at: Option<String>,
    ) -> RpcResult<Vec<String>> {
        let prefix = match prefix {
            Some(s) => parse_hex(&s, "prefix")?,
            None => vec![],
        };
        if count > MAX_KEYS_PAGE {
            return Err(invalid_params(format!(
                "count {count} exceeds the maximum of {MAX_KEYS_PAGE} keys per page"
            )));
        }
        let start = start_key.map(|s| parse_hex(&s, "start key")).transpose()?;
        let at = at_or_best(&*self.client, at)?;
        let keys = self
            .client
            .storage_keys(&at, &prefix, start.as_deref(), count as usize)
            .map_err(client_error)?;
        Ok(keys.iter().map(|k| to_hex(k)).collect())
    }

    fn query_storage_at(&self, keys: Option<Value>, at: Option<String>) -> RpcResult<Value> {
        let keys = key_list(keys.as_ref())?;
        let at = at_or_best(&*self.client, at)?;
        let mut changes = Vec::with_capacity(keys.len());
        for k in keys {
            let v = self.client.storage(&at, &k).map_err(client_error)?;
            changes.push(json!([to_hex(&k), v.map(|v| to_hex(&v))]));
        }
        Ok(json!([{ "block": at, "changes": changes }]))
    }

    fn read_proof(&self, keys: Option<Value>, at: Option<String>) -> RpcResult<Value> {
        let keys = key_list(keys.as_ref())?;
        let at = at_or_best(&*self.client, at)?;
        let proof = self.client.read_proof(&at, &keys).map_err(client_error)?;
        Ok(json!({ "at": at, "proof": proof.iter().map(|n| to_hex(n)).collect::<Vec<_>>() }))
    }

    fn call(&self, method: String, data: String, at: Option<String>) -> RpcResult<String> {
        let data = parse_hex(&data, "call data")?;
        let at = at_or_best(&*self.client, at)?;
        aitbc_wire::decode::check_runtime_call_args(&method, &data).map_err(invalid_params)?;
        let out = self
            .client
            .call(&at, &method, &data)
            .map_err(client_error)?;
        Ok(to_hex(&out))
    }

    fn metadata(&self, at: Option<String>) -> RpcResult<String> {
        let at = at_or_best(&*self.client, at)?;
        let bytes = self
            .client
            .runtime_api(at)
            .metadata()
            .map_err(client_error)?;
        Ok(to_hex(&bytes))
    }

    fn runtime_version(&self, at: Option<String>) -> RpcResult<sp_version::RuntimeVersion> {
        let at = at_or_best(&*self.client, at)?;
        self.client.runtime_version(&at).map_err(client_error)
    }

    async fn subscribe_runtime_version(
        &self,
        pending: PendingSubscriptionSink,
    ) -> SubscriptionResult {
        runtime_versions(pending, self.client.clone()).await;
        Ok(())
    }

    async fn subscribe_storage(
        &self,
        pending: PendingSubscriptionSink,
        keys: Option<Value>,
    ) -> SubscriptionResult {
        let keys = match key_list(keys.as_ref()) {
            Ok(k) if !k.is_empty() => k,
            Ok(_) => {
                pending
                    .reject(invalid_params(
                        "subscribing to every storage change is not supported: pass a list of keys",
                    ))
                    .await;
                return Ok(());
            }
            Err(e) => {
                pending.reject(e).await;
                return Ok(());
            }
        };
        storage_changes(pending, self.client.clone(), keys).await;
        Ok(())
    }
}

async fn runtime_versions(pending: PendingSubscriptionSink, client: Arc<Client>) {
    let mut imported = client.notifications.imported.subscribe();
    let Ok(sink) = pending.accept().await else {
        return;
    };
    let mut last = None;
    let mut at = client.info().best_hash;
    loop {
        let c = client.clone();
        let version = tokio::task::spawn_blocking(move || c.runtime_version(&at)).await;
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

async fn storage_changes(
    pending: PendingSubscriptionSink,
    client: Arc<Client>,
    keys: Vec<Vec<u8>>,
) {
    let mut imported = client.notifications.imported.subscribe();
    let Ok(sink) = pending.accept().await else {
        return;
    };
    let mut last: HashMap<Vec<u8>, Option<Vec<u8>>> = HashMap::new();
    let mut at = client.info().best_hash;
    let mut first = true;
    loop {
        let c = client.clone();
        let ks = keys.clone();
        let values = tokio::task::spawn_blocking(move || {
            ks.into_iter()
                .map(|k| c.storage(&at, &k).map(|v| (k, v)))
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
