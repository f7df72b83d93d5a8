//! Substrate-compatible JSON-RPC over HTTP and WebSocket on one port (jsonrpsee).
//!
//! Method names, parameters, results, notifications and error codes follow Substrate, so
//! polkadot.js, subxt and Polkadot explorers work unchanged.

mod author;
mod chain;
mod grandpa;
pub mod origin;
mod state;
mod system;

use std::{net::SocketAddr, sync::Arc};

use jsonrpsee::{
    server::{middleware::rpc::RpcServiceBuilder, ServerBuilder, ServerConfig, ServerHandle},
    types::{ErrorObject, ErrorObjectOwned},
    RpcModule,
};
use serde_json::Value;
use sp_core::H256;

use crate::{
    chain::ChainReader,
    client::{Client, ClientError},
    keystore::Keystore,
    metrics::Metrics,
    pool::{PoolError, TxPool},
    types::BlockNumber,
};

/// Which RPC methods are exposed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RpcMethods {
    /// `unsafe` while RPC listens on 127.0.0.1 only, `safe` with `--rpc-external` (Substrate's
    /// default).
    Auto,
    /// Only methods safe for the public.
    Safe,
    /// Also key management and other operator methods (`author_insertKey`,
    /// `author_rotateKeys`, `author_hasKey`, `system_peers`, `system_dryRun`).
    Unsafe,
}

impl RpcMethods {
    /// What `--rpc-methods` means for a server that is (`external`) or is not reachable from
    /// other machines. Unsafe methods on an external interface need `--unsafe-rpc-external`.
    pub fn resolve(self, external: bool, unsafe_external: bool) -> anyhow::Result<Self> {
        match (self, external) {
            (RpcMethods::Auto, false) => Ok(RpcMethods::Unsafe),
            (RpcMethods::Auto, true) => Ok(RpcMethods::Safe),
            (RpcMethods::Unsafe, true) if !unsafe_external => anyhow::bail!(
                "--rpc-methods unsafe with --rpc-external would let anyone on the network manage \
                 this node's keys: use --rpc-methods safe, or give --unsafe-rpc-external if you \
                 really mean it (behind a firewall or proxy)"
            ),
            (methods, _) => Ok(methods),
        }
    }
}

/// Static facts about the node, for the `system_*` methods.
#[derive(Clone)]
pub struct NodeInfo {
    pub name: String,
    pub version: String,
    pub peer_id: String,
    pub is_authority: bool,
}

/// What the RPC server is built from; each namespace's implementation keeps only what it uses.
pub struct RpcDeps {
    pub client: Arc<Client>,
    pub pool: Arc<TxPool>,
    pub keystore: Arc<Keystore>,
    pub metrics: Arc<Metrics>,
    pub network: crate::network::NetworkHandle,
    pub sync: Arc<crate::sync::SyncState>,
    pub node: NodeInfo,
}

/// Result alias for handlers.
pub type RpcResult<T> = Result<T, ErrorObjectOwned>;

/// Substrate's client error base code.
const CLIENT_ERROR: i32 = 4000;

pub(crate) fn invalid_params(msg: impl Into<String>) -> ErrorObjectOwned {
    ErrorObject::owned(
        jsonrpsee::types::error::INVALID_PARAMS_CODE,
        msg.into(),
        None::<()>,
    )
}

pub(crate) fn client_error(e: ClientError) -> ErrorObjectOwned {
    let code = match e {
        ClientError::UnknownBlock(_) => CLIENT_ERROR + 3,
        ClientError::Exec(_) => CLIENT_ERROR + 2,
        _ => CLIENT_ERROR,
    };
    ErrorObject::owned(code, format!("Client error: {e}"), None::<()>)
}

pub(crate) fn pool_error(e: PoolError) -> ErrorObjectOwned {
    let (message, data) = match &e {
        PoolError::Invalid(reason) => ("Invalid Transaction".to_string(), Some(reason.clone())),
        PoolError::UnknownValidity(reason) => (
            "Unknown Transaction Validity".to_string(),
            Some(reason.clone()),
        ),
        PoolError::BadFormat(reason) => (
            "Extrinsic has invalid format".to_string(),
            Some(reason.clone()),
        ),
        PoolError::Verification(reason) => ("Verification Error".to_string(), Some(reason.clone())),
        other => (other.to_string(), None),
    };
    ErrorObject::owned(e.code(), message, data)
}

pub(crate) fn unsafe_method(name: &str) -> ErrorObjectOwned {
    ErrorObject::owned(
        -32601,
        format!("RPC call `{name}` is unsafe to be called externally: start the node with --rpc-methods unsafe"),
        None::<()>,
    )
}

/// Parse a `0x`-prefixed hex string.
pub(crate) fn parse_hex(s: &str, what: &str) -> RpcResult<Vec<u8>> {
    aitbc_wire::rpc_params::parse_hex(s, what).map_err(invalid_params)
}

/// Hex-encode bytes with `0x`.
pub(crate) fn to_hex(b: &[u8]) -> String {
    format!("0x{}", hex::encode(b))
}

/// Parse a block hash.
pub(crate) fn parse_hash(s: &str) -> RpcResult<H256> {
    aitbc_wire::rpc_params::parse_hash(s).map_err(invalid_params)
}

/// The block named by an optional `at` hash parameter; the best block when absent.
pub(crate) fn at_or_best(chain: &dyn ChainReader, at: Option<String>) -> RpcResult<H256> {
    match at {
        None => Ok(chain.info().best_hash),
        Some(s) => parse_hash(&s),
    }
}

/// A block number given as a JSON number or hex string.
pub(crate) fn parse_number(v: &Value) -> RpcResult<BlockNumber> {
    aitbc_wire::rpc_params::parse_number(v).map_err(invalid_params)
}

/// A JSON value as a subscription notification.
pub(crate) fn to_message<T: serde::Serialize>(v: &T) -> Option<jsonrpsee::SubscriptionMessage> {
    serde_json::value::to_raw_value(v).ok().map(Into::into)
}

/// Build the full RPC module: one typed server per namespace, plus `rpc_methods`.
pub fn module(deps: RpcDeps, methods: RpcMethods) -> anyhow::Result<RpcModule<()>> {
    let unsafe_allowed = methods == RpcMethods::Unsafe;
    let mut module = RpcModule::new(());
    module.merge(chain::ChainApiServer::into_rpc(chain::ChainRpc {
        chain: deps.client.clone(),
    }))?;
    module.merge(state::StateApiServer::into_rpc(state::StateRpc {
        client: deps.client.clone(),
    }))?;
    module.merge(grandpa::GrandpaApiServer::into_rpc(grandpa::GrandpaRpc {
        client: deps.client.clone(),
    }))?;
    module.merge(author::AuthorApiServer::into_rpc(author::AuthorRpc {
        client: deps.client.clone(),
        pool: deps.pool.clone(),
        keystore: deps.keystore,
        network: deps.network.clone(),
        unsafe_allowed,
    }))?;
    module.merge(system::SystemApiServer::into_rpc(system::SystemRpc {
        client: deps.client,
        pool: deps.pool,
        network: deps.network,
        sync: deps.sync,
        node: deps.node,
        unsafe_allowed,
    }))?;
    let mut names: Vec<&'static str> = module.method_names().collect();
    names.push("rpc_methods");
    names.sort_unstable();
    deps.metrics.set_rpc_method_names(&names);
    module.register_method(
        "rpc_methods",
        move |_, _, _| serde_json::json!({ "version": 1, "methods": names.clone() }),
    )?;
    Ok(module)
}

/// Server limits and the origins allowed to call it.
#[derive(Clone, Debug)]
pub struct ServerSettings {
    pub addr: SocketAddr,
    /// `--rpc-cors`.
    pub origins: origin::AllowedOrigins,
    /// `--rpc-max-subscriptions-per-connection`.
    pub max_subscriptions_per_connection: u32,
    /// `--rpc-max-connections`.
    pub max_connections: u32,
}

/// Start the server.
pub async fn start(
    settings: ServerSettings,
    module: RpcModule<()>,
    metrics: Arc<Metrics>,
) -> anyhow::Result<(ServerHandle, SocketAddr)> {
    let addr = settings.addr;
    let rpc_middleware = RpcServiceBuilder::new().layer_fn(move |service| CountCalls {
        service,
        metrics: metrics.clone(),
    });
    let config = ServerConfig::builder()
        .max_connections(settings.max_connections)
        .max_subscriptions_per_connection(settings.max_subscriptions_per_connection)
        .max_request_body_size(16 * 1024 * 1024)
        .max_response_body_size(64 * 1024 * 1024)
        .build();
    let http_middleware =
        tower::ServiceBuilder::new().layer(origin::OriginLayer::new(settings.origins));
    let server = ServerBuilder::default()
        .set_config(config)
        .set_http_middleware(http_middleware)
        .set_rpc_middleware(rpc_middleware)
        .build(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen for RPC on {addr}: {e}"))?;
    let local = server.local_addr()?;
    Ok((server.start(module), local))
}

/// Middleware counting calls per method for Prometheus.
#[derive(Clone)]
struct CountCalls<S> {
    service: S,
    metrics: Arc<Metrics>,
}

impl<S> jsonrpsee::server::middleware::rpc::RpcServiceT for CountCalls<S>
where
    S: jsonrpsee::server::middleware::rpc::RpcServiceT + Send + Sync + Clone + 'static,
{
    type MethodResponse = S::MethodResponse;
    type NotificationResponse = S::NotificationResponse;
    type BatchResponse = S::BatchResponse;

    fn call<'a>(
        &self,
        req: jsonrpsee::types::Request<'a>,
    ) -> impl std::future::Future<Output = Self::MethodResponse> + Send + 'a {
        self.metrics.rpc_call(req.method_name());
        self.service.call(req)
    }

    fn batch<'a>(
        &self,
        batch: jsonrpsee::core::middleware::Batch<'a>,
    ) -> impl std::future::Future<Output = Self::BatchResponse> + Send + 'a {
        self.service.batch(batch)
    }

    fn notification<'a>(
        &self,
        n: jsonrpsee::core::middleware::Notification<'a>,
    ) -> impl std::future::Future<Output = Self::NotificationResponse> + Send + 'a {
        self.service.notification(n)
    }
}
