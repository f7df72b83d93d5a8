//! `system_*`: node identity, chain facts, health and account nonces.

use std::sync::Arc;

use codec::Encode;
use jsonrpsee::proc_macros::rpc;
use serde_json::{json, Value};
use sp_core::crypto::Ss58Codec;

use super::{at_or_best, client_error, invalid_params, unsafe_method, NodeInfo, RpcResult};
use crate::{
    client::Client,
    network::NetworkHandle,
    pool::TxPool,
    sync::{SyncOracle, SyncState},
};
use aitbc_runtime::{AccountId, Nonce};

/// Substrate's `system` namespace. `system_peers` and `system_dryRun` are unsafe, as in
/// Substrate: they reveal the node's connections, and a dry run costs a block's worth of work.
#[rpc(server)]
pub trait SystemApi {
    /// The node's name.
    #[method(name = "system_name")]
    fn name(&self) -> RpcResult<String>;

    /// The node's version.
    #[method(name = "system_version")]
    fn version(&self) -> RpcResult<String>;

    /// The chain's name.
    #[method(name = "system_chain")]
    fn chain(&self) -> RpcResult<String>;

    /// The chain's type (`Development`, `Local`, `Live`).
    #[method(name = "system_chainType")]
    fn chain_type(&self) -> RpcResult<String>;

    /// The chain spec's properties (token symbol and decimals, SS58 prefix).
    #[method(name = "system_properties")]
    fn properties(&self) -> RpcResult<Value>;

    /// Peers, whether the node is syncing, whether it should have peers.
    #[method(name = "system_health")]
    fn health(&self) -> RpcResult<Value>;

    /// Unsafe: the connected peers and their heads.
    #[method(name = "system_peers")]
    fn peers(&self) -> RpcResult<Vec<Value>>;

    /// The node's libp2p peer id.
    #[method(name = "system_localPeerId")]
    fn local_peer_id(&self) -> RpcResult<String>;

    /// The addresses the node listens on.
    #[method(name = "system_localListenAddresses")]
    fn local_listen_addresses(&self) -> RpcResult<Vec<String>>;

    /// `Authority` or `Full`.
    #[method(name = "system_nodeRoles")]
    fn node_roles(&self) -> RpcResult<Vec<&'static str>>;

    /// Sync progress: starting, current and highest block.
    #[method(name = "system_syncState")]
    fn sync_state(&self) -> RpcResult<Value>;

    /// An account's next nonce, counting its transactions in the pool.
    #[method(name = "system_accountNextIndex", aliases = ["account_nextIndex"], blocking)]
    fn account_next_index(&self, account: String) -> RpcResult<Nonce>;

    /// Unsafe: apply an extrinsic on top of a block without keeping the result.
    #[method(name = "system_dryRun", aliases = ["system_dryRunAt"], blocking)]
    fn dry_run(&self, extrinsic: String, at: Option<String>) -> RpcResult<String>;
}

/// The `system` namespace.
pub struct SystemRpc {
    pub client: Arc<Client>,
    pub pool: Arc<TxPool>,
    pub network: NetworkHandle,
    pub sync: Arc<SyncState>,
    pub node: NodeInfo,
    /// `--rpc-methods unsafe`: `system_peers` and `system_dryRun` are served.
    pub unsafe_allowed: bool,
}

fn parse_account(address: &str) -> RpcResult<AccountId> {
    AccountId::from_ss58check(address)
        .or_else(|_| {
            super::parse_hex(address, "account")
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
                .map(AccountId::from)
                .ok_or(())
        })
        .map_err(|_| {
            invalid_params(format!(
                "`{address}` is not a valid SS58 address or 32-byte hex account id"
            ))
        })
}

impl SystemApiServer for SystemRpc {
    fn name(&self) -> RpcResult<String> {
        Ok(self.node.name.clone())
    }

    fn version(&self) -> RpcResult<String> {
        Ok(self.node.version.clone())
    }

    fn chain(&self) -> RpcResult<String> {
        Ok(self.client.spec().name.clone())
    }

    fn chain_type(&self) -> RpcResult<String> {
        Ok(self.client.spec().chain_type.clone())
    }

    fn properties(&self) -> RpcResult<Value> {
        Ok(Value::Object(self.client.spec().properties.clone()))
    }

    fn health(&self) -> RpcResult<Value> {
        Ok(json!({
            "peers": self.network.peer_count(),
            "isSyncing": self.sync.is_major_syncing(),
            "shouldHavePeers": self.client.spec().chain_type != "Development",
        }))
    }

    fn peers(&self) -> RpcResult<Vec<Value>> {
        if !self.unsafe_allowed {
            return Err(unsafe_method("system_peers"));
        }
        Ok(self
            .network
            .peers()
            .into_iter()
            .map(|(peer, info)| {
                let status = info.status;
                json!({
                    "peerId": peer.to_string(),
                    "roles": if status.is_some_and(|s| s.is_authority) { "AUTHORITY" } else { "FULL" },
                    "bestHash": status.map(|s| format!("{:?}", s.best_hash)),
                    "bestNumber": status.map(|s| s.best_number),
                    "finalizedNumber": status.map(|s| s.finalized_number),
                    "address": info.address.to_string(),
                    "agent": info.agent,
                })
            })
            .collect())
    }

    fn local_peer_id(&self) -> RpcResult<String> {
        Ok(self.node.peer_id.clone())
    }

    fn local_listen_addresses(&self) -> RpcResult<Vec<String>> {
        Ok(self
            .network
            .listen_addresses()
            .iter()
            .map(|a| a.to_string())
            .collect())
    }

    fn node_roles(&self) -> RpcResult<Vec<&'static str>> {
        Ok(if self.node.is_authority {
            vec!["Authority"]
        } else {
            vec!["Full"]
        })
    }

    fn sync_state(&self) -> RpcResult<Value> {
        let info = self.client.info();
        let highest = self.sync.highest_block();
        Ok(json!({
            "startingBlock": self.sync.starting_block(),
            "currentBlock": info.best_number,
            "highestBlock": highest.max(info.best_number),
        }))
    }

    fn account_next_index(&self, account: String) -> RpcResult<Nonce> {
        let account = parse_account(&account)?;
        let mut nonce: Nonce = self
            .client
            .runtime_api(self.client.info().best_hash)
            .account_nonce(&account)
            .map_err(client_error)?;
        // Count this account's transactions already in the pool (CheckNonce provides (who, nonce)).
        while self.pool.provides(&(&account, nonce).encode()) {
            nonce += 1;
        }
        Ok(nonce)
    }

    fn dry_run(&self, extrinsic: String, at: Option<String>) -> RpcResult<String> {
        if !self.unsafe_allowed {
            return Err(unsafe_method("system_dryRun"));
        }
        let xt = super::parse_hex(&extrinsic, "extrinsic")?;
        let at = at_or_best(&*self.client, at)?;
        aitbc_wire::decode::decode_extrinsic(&xt)
            .map_err(|e| invalid_params(format!("the extrinsic cannot be decoded: {e}")))?;
        let out = self.client.dry_run(&at, &xt).map_err(client_error)?;
        Ok(super::to_hex(&out))
    }
}
