//! A typed client for the node's Substrate JSON-RPC, over WebSocket (`ws://`, `wss://`) or HTTP
//! (`http://`, `https://`). Subscriptions need WebSocket.

use crate::error::{Error, Result};
use aitbc_runtime::{Hash, Header};
use jsonrpsee::core::client::{ClientT, Error as ClientError, Subscription, SubscriptionClientT};
use jsonrpsee::core::params::ArrayParams;
use jsonrpsee::http_client::{HttpClient, HttpClientBuilder};
use jsonrpsee::rpc_params;
use jsonrpsee::ws_client::{WsClient, WsClientBuilder};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use sp_core::{crypto::AccountId32, Bytes};
use std::time::Duration;

/// Error code of `author_submit*` for an invalid transaction (reason in `data`).
pub const INVALID_TRANSACTION: i32 = 1010;
/// Error code of `author_submit*` for a transaction that failed verification.
pub const VERIFICATION_ERROR: i32 = 1002;

enum Transport {
    Ws(WsClient),
    Http(HttpClient),
}

/// A connection to one node.
pub struct RpcClient {
    url: String,
    transport: Transport,
}

/// The `runtimeVersion` fields a client needs.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct RuntimeVersionInfo {
    pub spec_name: String,
    pub impl_name: String,
    pub spec_version: u32,
    pub transaction_version: u32,
    #[serde(default)]
    pub impl_version: u32,
}

/// `system_health`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    pub peers: u64,
    pub is_syncing: bool,
    pub should_have_peers: bool,
}

/// `system_syncState`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncState {
    pub starting_block: u64,
    pub current_block: u64,
    #[serde(default)]
    pub highest_block: Option<u64>,
}

/// `chain_getBlock`: the header, and the extrinsics still SCALE-encoded (decode them with
/// [`crate::blocks`], so that one undecodable extrinsic does not hide the block).
#[derive(Clone, Debug, Deserialize)]
pub struct RpcBlock {
    pub header: Header,
    pub extrinsics: Vec<RawBytes>,
}

/// Bytes sent as a `"0x…"` hex string (Substrate's format) or, tolerated, as an array of numbers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawBytes(pub Vec<u8>);

impl<'de> Deserialize<'de> for RawBytes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Hex(Bytes),
            Array(Vec<u8>),
        }
        Ok(match Either::deserialize(d)? {
            Either::Hex(b) => RawBytes(b.0),
            Either::Array(v) => RawBytes(v),
        })
    }
}

#[derive(Clone, Debug, Deserialize)]
struct SignedBlockJson {
    block: RpcBlock,
}

/// `author_extrinsicUpdate` notifications, as Substrate serialises `TransactionStatus`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum TxStatus {
    Future,
    Ready,
    Broadcast(Vec<String>),
    InBlock(Hash),
    Retracted(Hash),
    FinalityTimeout(Hash),
    Finalized(Hash),
    Usurped(Hash),
    Dropped,
    Invalid,
}

impl RpcClient {
    /// Connects to `url`. WebSocket connects now; HTTP is checked with `system_chain`, so both
    /// fail here, naming the URL, when no node answers.
    pub async fn connect(url: &str) -> Result<Self> {
        let unreachable = |reason: String| Error::Unreachable {
            url: url.to_string(),
            reason,
        };
        let lower = url.to_ascii_lowercase();
        let transport = if lower.starts_with("ws://") || lower.starts_with("wss://") {
            let client: WsClient = WsClientBuilder::default()
                .connection_timeout(Duration::from_secs(10))
                .request_timeout(Duration::from_secs(60))
                .max_response_size(64 * 1024 * 1024)
                .build(url)
                .await
                .map_err(|e| unreachable(transport_reason(&e)))?;
            Transport::Ws(client)
        } else if lower.starts_with("http://") || lower.starts_with("https://") {
            let client: HttpClient = HttpClientBuilder::default()
                .request_timeout(Duration::from_secs(60))
                .max_response_size(64 * 1024 * 1024)
                .build(url)
                .map_err(|e| unreachable(transport_reason(&e)))?;
            Transport::Http(client)
        } else {
            return Err(unreachable(
                "unsupported URL scheme (use ws://, wss://, http:// or https://)".into(),
            ));
        };
        let client = RpcClient {
            url: url.to_string(),
            transport,
        };
        if matches!(client.transport, Transport::Http(_)) {
            client.system_chain().await?;
        }
        Ok(client)
    }

    /// The node's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Whether subscriptions are available (WebSocket).
    pub fn supports_subscriptions(&self) -> bool {
        matches!(self.transport, Transport::Ws(_))
    }

    /// A raw request.
    pub async fn request<R: DeserializeOwned>(
        &self,
        method: &str,
        params: ArrayParams,
    ) -> Result<R> {
        let res = match &self.transport {
            Transport::Ws(c) => c.request(method, params).await,
            Transport::Http(c) => c.request(method, params).await,
        };
        res.map_err(|e| self.map_err(method, e))
    }

    /// A raw subscription (WebSocket only).
    pub async fn subscribe<N: DeserializeOwned>(
        &self,
        method: &str,
        params: ArrayParams,
        unsubscribe: &str,
    ) -> Result<Subscription<N>> {
        match &self.transport {
            Transport::Ws(c) => c
                .subscribe(method, params, unsubscribe)
                .await
                .map_err(|e| self.map_err(method, e)),
            Transport::Http(_) => Err(Error::Unsupported {
                url: self.url.clone(),
                what: format!("{method} over HTTP (use a ws:// URL)"),
            }),
        }
    }

    fn map_err(&self, method: &str, e: ClientError) -> Error {
        match e {
            ClientError::Call(obj) => {
                let data = obj.data().map(|d| {
                    let s = d.get();
                    serde_json::from_str::<String>(s).unwrap_or_else(|_| s.to_string())
                });
                let message = match &data {
                    Some(d) => format!("{}: {d}", obj.message()),
                    None => obj.message().to_string(),
                };
                match obj.code() {
                    INVALID_TRANSACTION | VERIFICATION_ERROR => Error::InvalidTransaction(message),
                    -32601 => Error::Unsupported {
                        url: self.url.clone(),
                        what: method.to_string(),
                    },
                    code => Error::Rpc {
                        method: method.to_string(),
                        code,
                        message,
                    },
                }
            }
            ClientError::Transport(_)
            | ClientError::RestartNeeded(_)
            | ClientError::ServiceDisconnect => Error::Unreachable {
                url: self.url.clone(),
                reason: transport_reason(&e),
            },
            ClientError::RequestTimeout => Error::Unreachable {
                url: self.url.clone(),
                reason: format!("{method} timed out"),
            },
            other => Error::Rpc {
                method: method.to_string(),
                code: 0,
                message: other.to_string(),
            },
        }
    }

    // ---- chain ----

    /// `chain_getBlockHash(number)`; `None` number means the best block.
    pub async fn block_hash(&self, number: Option<u32>) -> Result<Option<Hash>> {
        self.request("chain_getBlockHash", rpc_params![number])
            .await
    }

    /// The genesis hash.
    pub async fn genesis_hash(&self) -> Result<Hash> {
        self.block_hash(Some(0))
            .await?
            .ok_or_else(|| Error::NotFound("genesis block".into()))
    }

    /// `chain_getHeader(hash)`; `None` means the best block.
    pub async fn header(&self, hash: Option<Hash>) -> Result<Option<Header>> {
        self.request("chain_getHeader", rpc_params![hash]).await
    }

    /// The best header.
    pub async fn best_header(&self) -> Result<Header> {
        self.header(None)
            .await?
            .ok_or_else(|| Error::NotFound("best block header".into()))
    }

    /// `chain_getBlock(hash)`.
    pub async fn block(&self, hash: Option<Hash>) -> Result<Option<RpcBlock>> {
        let b: Option<SignedBlockJson> = self.request("chain_getBlock", rpc_params![hash]).await?;
        Ok(b.map(|b| b.block))
    }

    /// `chain_getFinalizedHead`.
    pub async fn finalized_head(&self) -> Result<Hash> {
        self.request("chain_getFinalizedHead", rpc_params![]).await
    }

    /// `chain_subscribeNewHeads`.
    pub async fn subscribe_new_heads(&self) -> Result<Subscription<Header>> {
        self.subscribe(
            "chain_subscribeNewHeads",
            rpc_params![],
            "chain_unsubscribeNewHeads",
        )
        .await
    }

    /// `chain_subscribeFinalizedHeads`.
    pub async fn subscribe_finalized_heads(&self) -> Result<Subscription<Header>> {
        self.subscribe(
            "chain_subscribeFinalizedHeads",
            rpc_params![],
            "chain_unsubscribeFinalizedHeads",
        )
        .await
    }

    // ---- state ----

    /// `state_getStorage(key, at)`.
    pub async fn storage(&self, key: &[u8], at: Option<Hash>) -> Result<Option<Vec<u8>>> {
        let v: Option<Bytes> = self
            .request("state_getStorage", rpc_params![Bytes(key.to_vec()), at])
            .await?;
        Ok(v.map(|b| b.0))
    }

    /// `state_getKeysPaged(prefix, count, start_key, at)`.
    pub async fn storage_keys_paged(
        &self,
        prefix: &[u8],
        count: u32,
        start_key: Option<&[u8]>,
        at: Option<Hash>,
    ) -> Result<Vec<Vec<u8>>> {
        let keys: Vec<Bytes> = self
            .request(
                "state_getKeysPaged",
                rpc_params![
                    Bytes(prefix.to_vec()),
                    count,
                    start_key.map(|k| Bytes(k.to_vec())),
                    at
                ],
            )
            .await?;
        Ok(keys.into_iter().map(|b| b.0).collect())
    }

    /// `state_call(method, data, at)`: a runtime API call, SCALE in and out.
    pub async fn state_call(&self, method: &str, data: &[u8], at: Option<Hash>) -> Result<Vec<u8>> {
        let v: Bytes = self
            .request("state_call", rpc_params![method, Bytes(data.to_vec()), at])
            .await?;
        Ok(v.0)
    }

    /// `state_getMetadata(at)`: the SCALE-encoded `RuntimeMetadataPrefixed` of the node's
    /// runtime (constants in it are evaluated on the node, over its state at `at`).
    pub async fn metadata(&self, at: Option<Hash>) -> Result<Vec<u8>> {
        let v: Bytes = self.request("state_getMetadata", rpc_params![at]).await?;
        Ok(v.0)
    }

    /// `state_getRuntimeVersion(at)`.
    pub async fn runtime_version(&self, at: Option<Hash>) -> Result<RuntimeVersionInfo> {
        self.request("state_getRuntimeVersion", rpc_params![at])
            .await
    }

    // ---- author ----

    /// `author_submitExtrinsic`: returns the transaction hash.
    pub async fn submit_extrinsic(&self, encoded: &[u8]) -> Result<Hash> {
        self.request(
            "author_submitExtrinsic",
            rpc_params![Bytes(encoded.to_vec())],
        )
        .await
    }

    /// `author_submitAndWatchExtrinsic` (WebSocket only).
    pub async fn submit_and_watch_extrinsic(
        &self,
        encoded: &[u8],
    ) -> Result<Subscription<TxStatus>> {
        self.subscribe(
            "author_submitAndWatchExtrinsic",
            rpc_params![Bytes(encoded.to_vec())],
            "author_unwatchExtrinsic",
        )
        .await
    }

    // ---- system ----

    pub async fn system_chain(&self) -> Result<String> {
        self.request("system_chain", rpc_params![]).await
    }

    pub async fn system_name(&self) -> Result<String> {
        self.request("system_name", rpc_params![]).await
    }

    pub async fn system_version(&self) -> Result<String> {
        self.request("system_version", rpc_params![]).await
    }

    pub async fn system_health(&self) -> Result<Health> {
        self.request("system_health", rpc_params![]).await
    }

    pub async fn system_properties(&self) -> Result<serde_json::Value> {
        self.request("system_properties", rpc_params![]).await
    }

    pub async fn system_sync_state(&self) -> Result<SyncState> {
        self.request("system_syncState", rpc_params![]).await
    }

    pub async fn system_peers(&self) -> Result<Vec<serde_json::Value>> {
        self.request("system_peers", rpc_params![]).await
    }

    /// `system_accountNextIndex`: the next nonce, counting transactions in the pool.
    pub async fn account_next_index(&self, account: &AccountId32) -> Result<u32> {
        let addr = crate::keys::to_ss58(account);
        let n: u64 = self
            .request("system_accountNextIndex", rpc_params![addr])
            .await?;
        u32::try_from(n).map_err(|_| Error::decode("account nonce", "exceeds u32"))
    }
}

fn transport_reason(e: &ClientError) -> String {
    let mut s = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(inner) = src {
        let t = inner.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        src = inner.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tx_status_wire_format() {
        let ready: TxStatus = serde_json::from_str("\"ready\"").unwrap();
        assert_eq!(ready, TxStatus::Ready);
        let h = format!("0x{}", "11".repeat(32));
        let in_block: TxStatus = serde_json::from_str(&format!("{{\"inBlock\":\"{h}\"}}")).unwrap();
        assert_eq!(in_block, TxStatus::InBlock(Hash::repeat_byte(0x11)));
        let fin: TxStatus = serde_json::from_str(&format!("{{\"finalized\":\"{h}\"}}")).unwrap();
        assert_eq!(fin, TxStatus::Finalized(Hash::repeat_byte(0x11)));
        let b: TxStatus = serde_json::from_str("{\"broadcast\":[\"peer\"]}").unwrap();
        assert_eq!(b, TxStatus::Broadcast(vec!["peer".into()]));
        assert_eq!(
            serde_json::from_str::<TxStatus>("\"invalid\"").unwrap(),
            TxStatus::Invalid
        );
    }

    #[test]
    fn block_json() {
        let json = r#"{"block":{"header":{"parentHash":"0x0000000000000000000000000000000000000000000000000000000000000000","number":"0x1a","stateRoot":"0x0000000000000000000000000000000000000000000000000000000000000000","extrinsicsRoot":"0x0000000000000000000000000000000000000000000000000000000000000000","digest":{"logs":[]}},"extrinsics":["0x0400",[4,1]]},"justifications":[[[70,82,78,75],[1,2]]]}"#;
        let b: SignedBlockJson = serde_json::from_str(json).unwrap();
        assert_eq!(b.block.header.number, 26);
        assert_eq!(b.block.extrinsics[0].0, vec![4, 0]);
        assert_eq!(b.block.extrinsics[1].0, vec![4, 1]);
    }

    #[tokio::test]
    async fn unreachable_node_names_the_url() {
        // Port 1 on loopback: nothing listens there.
        for url in ["ws://127.0.0.1:1", "http://127.0.0.1:1"] {
            let err = RpcClient::connect(url).await.err().expect("must fail");
            let msg = err.to_string();
            assert!(matches!(err, Error::Unreachable { .. }), "{msg}");
            assert!(msg.contains(url), "{msg}");
        }
        let err = RpcClient::connect("ftp://x")
            .await
            .err()
            .expect("must fail");
        assert!(err.to_string().contains("scheme"));
    }
}
