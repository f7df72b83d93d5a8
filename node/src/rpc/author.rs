//! `author_*`: transaction submission and watching, and (unsafe) key management.

use std::sync::Arc;

use jsonrpsee::{core::SubscriptionResult, proc_macros::rpc, PendingSubscriptionSink};
use serde_json::{json, Value};
use sp_core::{Pair, H256};
use sp_runtime::transaction_validity::TransactionSource;
use tokio::sync::broadcast::error::RecvError;

use super::{invalid_params, parse_hex, pool_error, to_hex, to_message, unsafe_method, RpcResult};
use crate::{
    client::Client, keystore, keystore::Keystore, network::NetworkHandle, pool::TxPool,
    pool::TxStatus,
};

/// Substrate's `author` namespace.
#[rpc(server)]
pub trait AuthorApi {
    /// Submit a signed extrinsic (hex); returns its hash.
    #[method(name = "author_submitExtrinsic")]
    async fn submit_extrinsic(&self, extrinsic: String) -> RpcResult<H256>;

    /// The pool's transactions, ready first.
    #[method(name = "author_pendingExtrinsics")]
    fn pending_extrinsics(&self) -> RpcResult<Vec<String>>;

    /// Submit an extrinsic and follow it: `ready`, `inBlock`, `finalized`, ...
    #[subscription(
        name = "author_submitAndWatchExtrinsic" => "author_extrinsicUpdate",
        unsubscribe = "author_unwatchExtrinsic",
        item = Value
    )]
    async fn watch_extrinsic(&self, extrinsic: String) -> SubscriptionResult;

    /// Unsafe: store a key in the keystore (the public key must match the secret URI).
    #[method(name = "author_insertKey", blocking)]
    fn insert_key(&self, key_type: String, suri: String, public: String) -> RpcResult<()>;

    /// Unsafe: generate new Aura and GRANDPA keys; returns their public keys.
    #[method(name = "author_rotateKeys", blocking)]
    fn rotate_keys(&self) -> RpcResult<String>;

    /// Unsafe: whether the keystore holds a key.
    #[method(name = "author_hasKey", blocking)]
    fn has_key(&self, public: String, key_type: String) -> RpcResult<bool>;
}

/// The `author` namespace over the pool and the keystore.
pub struct AuthorRpc {
    pub client: Arc<Client>,
    pub pool: Arc<TxPool>,
    pub keystore: Arc<Keystore>,
    pub network: NetworkHandle,
    /// `--rpc-methods unsafe`: key management is served.
    pub unsafe_allowed: bool,
}

impl AuthorRpc {
    fn require_unsafe(&self, name: &str) -> RpcResult<()> {
        if self.unsafe_allowed {
            Ok(())
        } else {
            Err(unsafe_method(name))
        }
    }

    async fn submit(&self, bytes: Vec<u8>) -> RpcResult<H256> {
        let pool = self.pool.clone();
        let gossip = bytes.clone();
        let hash =
            tokio::task::spawn_blocking(move || pool.submit(bytes, TransactionSource::External))
                .await
                .map_err(|e| invalid_params(format!("submission task failed: {e}")))?
                .map_err(pool_error)?;
        self.network.broadcast_transaction(gossip);
        Ok(hash)
    }
}

#[jsonrpsee::core::async_trait]
impl AuthorApiServer for AuthorRpc {
    async fn submit_extrinsic(&self, extrinsic: String) -> RpcResult<H256> {
        let bytes = parse_hex(&extrinsic, "extrinsic")?;
        self.submit(bytes).await
    }

    fn pending_extrinsics(&self) -> RpcResult<Vec<String>> {
        Ok(self.pool.pending().iter().map(|e| to_hex(e)).collect())
    }

    async fn watch_extrinsic(
        &self,
        pending: PendingSubscriptionSink,
        extrinsic: String,
    ) -> SubscriptionResult {
        let bytes = match parse_hex(&extrinsic, "extrinsic") {
            Ok(b) => b,
            Err(e) => {
                pending.reject(e).await;
                return Ok(());
            }
        };
        watch(self, pending, bytes).await;
        Ok(())
    }

    fn insert_key(&self, key_type: String, suri: String, public: String) -> RpcResult<()> {
        self.require_unsafe("author_insertKey")?;
        let key_type =
            keystore::parse_key_type(&key_type).map_err(|e| invalid_params(e.to_string()))?;
        let public = parse_hex(&public, "public key")?;
        let derived = self
            .keystore
            .add(key_type, &suri)
            .map_err(|e| invalid_params(e.to_string()))?;
        if derived != public {
            return Err(invalid_params(
                "the public key does not belong to the secret URI",
            ));
        }
        self.keystore
            .insert(key_type, &suri)
            .map_err(|e| invalid_params(e.to_string()))?;
        Ok(())
    }

    fn rotate_keys(&self) -> RpcResult<String> {
        self.require_unsafe("author_rotateKeys")?;
        let (aura, _, _) = sp_core::sr25519::Pair::generate_with_phrase(None);
        let (gran, _, _) = sp_core::ed25519::Pair::generate_with_phrase(None);
        let aura_seed = format!("0x{}", hex::encode(aura.to_raw_vec()));
        let gran_seed = format!("0x{}", hex::encode(gran.seed()));
        let ins = |kt, s: &str| {
            self.keystore
                .insert(kt, s)
                .map_err(|e| invalid_params(e.to_string()))
        };
        ins(keystore::AURA, &aura_seed)?;
        ins(keystore::GRANDPA, &gran_seed)?;
        let mut keys = aura.public().0.to_vec();
        keys.extend_from_slice(&gran.public().0);
        Ok(to_hex(&keys))
    }

    fn has_key(&self, public: String, key_type: String) -> RpcResult<bool> {
        self.require_unsafe("author_hasKey")?;
        let public = parse_hex(&public, "public key")?;
        let key_type =
            keystore::parse_key_type(&key_type).map_err(|e| invalid_params(e.to_string()))?;
        let Ok(raw) = <[u8; 32]>::try_from(public.as_slice()) else {
            return Ok(false);
        };
        Ok(match key_type {
            keystore::AURA => self.keystore.aura_pair(&raw.into()).is_some(),
            _ => self.keystore.grandpa_pair(&raw.into()).is_some(),
        })
    }
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

async fn watch(author: &AuthorRpc, pending: PendingSubscriptionSink, bytes: Vec<u8>) {
    // Subscribe before submitting so that no status change is missed.
    let mut statuses = author.pool.status.subscribe();
    let mut finalized = author.client.notifications.finalized.subscribe();
    let hash = match author.submit(bytes).await {
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
                            if is_finalized(&author.client, &b) {
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

fn is_finalized(client: &Client, block: &H256) -> bool {
    let info = client.info();
    match client.header(block) {
        Ok(Some(h)) => {
            h.number <= info.finalized_number
                && client.hash_at(h.number).ok().flatten() == Some(*block)
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
