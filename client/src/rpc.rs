//! A typed client for the node's Substrate JSON-RPC, over WebSocket (`ws://`, `wss://`) or HTTP
//! (`http://`, `https://`). Subscriptions need WebSocket.

use crate::error::{Error, Result};
use crate::retry::{human, NoteFn, RetryPolicy};
use aitbc_runtime::{Hash, Header};
use jsonrpsee::core::client::{ClientT, Error as ClientError, Subscription, SubscriptionClientT};
use jsonrpsee::core::params::ArrayParams;
use jsonrpsee::http_client::{HttpClient, HttpClientBuilder};
use jsonrpsee::rpc_params;
use jsonrpsee::ws_client::{WsClient, WsClientBuilder};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use sp_core::{crypto::AccountId32, Bytes};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// Error code of `author_submit*` for an invalid transaction (reason in `data`).
pub const INVALID_TRANSACTION: i32 = 1010;
/// Error code of `author_submit*` for a transaction that failed verification.
pub const VERIFICATION_ERROR: i32 = 1002;

enum Transport {
    Ws(WsClient),
    Http(HttpClient),
}

impl Transport {
    /// Opens a transport to `url` (whose scheme [`scheme_ok`] accepted).
    async fn open(url: &str) -> Result<Transport> {
        let unreachable = |reason: String| Error::Unreachable {
            url: url.to_string(),
            reason,
        };
        let lower = url.to_ascii_lowercase();
        if lower.starts_with("ws://") || lower.starts_with("wss://") {
            let client: WsClient = WsClientBuilder::default()
                .connection_timeout(Duration::from_secs(10))
                .request_timeout(Duration::from_secs(60))
                .max_response_size(64 * 1024 * 1024)
                .build(url)
                .await
                .map_err(|e| unreachable(transport_reason(&e)))?;
            Ok(Transport::Ws(client))
        } else {
            let client: HttpClient = HttpClientBuilder::default()
                .request_timeout(Duration::from_secs(60))
                .max_response_size(64 * 1024 * 1024)
                .build(url)
                .map_err(|e| unreachable(transport_reason(&e)))?;
            Ok(Transport::Http(client))
        }
    }
}

fn scheme_ok(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    ["ws://", "wss://", "http://", "https://"]
        .iter()
        .any(|s| lower.starts_with(s))
}

/// Methods that are never retried by the request layer: a submission that failed on the
/// network may have reached the node, so [`crate::tx`] checks the pool and the chain first.
const NOT_RETRIED: [&str; 2] = ["author_submitExtrinsic", "author_submitAndWatchExtrinsic"];

/// A connection to one node. Requests that fail on the network (connection refused or reset,
/// timeout) are retried after reconnecting, as its [`RetryPolicy`] says (none by default).
pub struct RpcClient {
    url: String,
    ws: bool,
    /// The current transport and its generation (bumped on every reconnect).
    transport: RwLock<(u64, Arc<Transport>)>,
    /// Serialises reconnects.
    reconnecting: tokio::sync::Mutex<()>,
    retry: RetryPolicy,
    notes: Option<NoteFn>,
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
    /// Connects to `url` without retries. WebSocket connects now; HTTP is checked with
    /// `system_chain`, so both fail here, naming the URL, when no node answers.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(url, RetryPolicy::none(), None).await
    }

    /// Connects to `url`; network failures (of this connect and of later requests) are
    /// retried as `retry` says, and each retry is announced to `notes` in one line.
    pub async fn connect_with(
        url: &str,
        retry: RetryPolicy,
        notes: Option<NoteFn>,
    ) -> Result<Self> {
        if !scheme_ok(url) {
            return Err(Error::Unreachable {
                url: url.to_string(),
                reason: "unsupported URL scheme (use ws://, wss://, http:// or https://)".into(),
            });
        }
        let lower = url.to_ascii_lowercase();
        let ws = lower.starts_with("ws://") || lower.starts_with("wss://");
        let mut backoff = retry.backoff();
        let transport = loop {
            match Transport::open(url).await {
                Ok(t) => break t,
                Err(e) if backoff.failures() < retry.max_retries => {
                    let delay = backoff.next_delay();
                    Self::emit(&notes, &retry_note(&e, backoff.failures(), &retry, delay));
                    tokio::time::sleep(delay).await;
                }
                Err(e) => return Err(e),
            }
        };
        let client = RpcClient {
            url: url.to_string(),
            ws,
            transport: RwLock::new((0, Arc::new(transport))),
            reconnecting: tokio::sync::Mutex::new(()),
            retry,
            notes,
        };
        if !ws {
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
        self.ws
    }

    /// How many times a request that failed on the network is retried.
    pub fn max_retries(&self) -> u32 {
        self.retry.max_retries
    }

    /// Passes a one-line note to this client's note receiver (if any).
    pub fn note(&self, msg: &str) {
        Self::emit(&self.notes, msg);
    }

    fn emit(notes: &Option<NoteFn>, msg: &str) {
        if let Some(f) = notes {
            f(msg);
        }
    }

    fn current(&self) -> (u64, Arc<Transport>) {
        match self.transport.read() {
            Ok(g) => (g.0, g.1.clone()),
            Err(poisoned) => {
                let g = poisoned.into_inner();
                (g.0, g.1.clone())
            }
        }
    }

    /// Replaces the transport of generation `seen` with a new connection (unless another task
    /// already did).
    async fn reconnect(&self, seen: u64) -> Result<()> {
        let _guard = self.reconnecting.lock().await;
        if self.current().0 != seen {
            return Ok(());
        }
        let t = Transport::open(&self.url).await?;
        let mut g = match self.transport.write() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        *g = (seen + 1, Arc::new(t));
        Ok(())
    }

    /// Runs `op` on the current transport; on a network failure, waits (exponential backoff),
    /// reconnects and tries again, at most `max_retries` times, with a note each time.
    async fn with_retries<T, F, Fut>(&self, method: &str, op: F) -> Result<T>
    where
        F: Fn(Arc<Transport>) -> Fut,
        Fut: std::future::Future<Output = std::result::Result<T, ClientError>>,
    {
        let max = if NOT_RETRIED.contains(&method) {
            0
        } else {
            self.retry.max_retries
        };
        let mut backoff = self.retry.backoff();
        loop {
            let (generation, t) = self.current();
            let err = match op(t).await {
                Ok(v) => return Ok(v),
                Err(e) => self.map_err(method, e),
            };
            if !err.is_transient() || backoff.failures() >= max {
                return Err(err);
            }
            // Retry: wait, reconnect (a failed reconnect uses up a retry too), then send again.
            let mut last = err;
            loop {
                let delay = backoff.next_delay();
                self.note(&retry_note(&last, backoff.failures(), &self.retry, delay));
                tokio::time::sleep(delay).await;
                match self.reconnect(generation).await {
                    Ok(()) => break,
                    Err(e) if e.is_transient() && backoff.failures() < max => last = e,
                    Err(e) => return Err(e),
                }
            }
        }
    }

    /// A raw request (retried on network failures as the client's policy says, except
    /// submissions).
    pub async fn request<R: DeserializeOwned>(
        &self,
        method: &str,
        params: ArrayParams,
    ) -> Result<R> {
        self.with_retries(method, |t| {
            let params = params.clone();
            async move {
                match &*t {
                    Transport::Ws(c) => c.request(method, params).await,
                    Transport::Http(c) => c.request(method, params).await,
                }
            }
        })
        .await
    }

    /// A raw subscription (WebSocket only). Opening it is retried like a request (except
    /// submissions); a subscription whose connection drops ends.
    pub async fn subscribe<N: DeserializeOwned>(
        &self,
        method: &str,
        params: ArrayParams,
        unsubscribe: &str,
    ) -> Result<Subscription<N>> {
        if !self.ws {
            return Err(Error::Unsupported {
                url: self.url.clone(),
                what: format!("{method} over HTTP (use a ws:// URL)"),
            });
        }
        self.with_retries(method, |t| {
            let params = params.clone();
            async move {
                match &*t {
                    Transport::Ws(c) => c.subscribe(method, params, unsubscribe).await,
                    Transport::Http(_) => Err(ClientError::Custom("not a WebSocket".into())),
                }
            }
        })
        .await
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

    /// `author_pendingExtrinsics`: the encoded transactions in the node's pool.
    pub async fn pending_extrinsics(&self) -> Result<Vec<Vec<u8>>> {
        let v: Vec<Bytes> = self
            .request("author_pendingExtrinsics", rpc_params![])
            .await?;
        Ok(v.into_iter().map(|b| b.0).collect())
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

/// "node at URL unreachable (REASON); retry N/MAX in D".
fn retry_note(err: &Error, n: u32, policy: &RetryPolicy, delay: Duration) -> String {
    format!(
        "{err}; retry {n}/{} in {}",
        policy.max_retries,
        human(delay)
    )
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
