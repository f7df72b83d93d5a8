//! `system_*`: node identity, chain facts, health and account nonces.

use codec::Encode;
use jsonrpsee::RpcModule;
use serde_json::{json, Value};
use sp_core::crypto::Ss58Codec;

use super::{
    client_error, invalid_params, positional, required_str, RpcCtx, RpcMethods, RpcResult,
};
use aitbc_runtime::{AccountId, Nonce};

/// `methods` decides whether `system_peers` and `system_dryRun` are served: as in Substrate they
/// are unsafe (they reveal the node's connections, and a dry run costs a block's worth of work).
pub fn register(m: &mut RpcModule<RpcCtx>, methods: RpcMethods) -> anyhow::Result<()> {
    let unsafe_allowed = methods == RpcMethods::Unsafe;
    m.register_method("system_name", |_, ctx, _| ctx.node.name.clone())?;
    m.register_method("system_version", |_, ctx, _| ctx.node.version.clone())?;
    m.register_method("system_chain", |_, ctx, _| ctx.client.spec().name.clone())?;
    m.register_method("system_chainType", |_, ctx, _| {
        ctx.client.spec().chain_type.clone()
    })?;
    m.register_method("system_properties", |_, ctx, _| {
        Value::Object(ctx.client.spec().properties.clone())
    })?;
    m.register_method("system_health", |_, ctx, _| {
        let peers = ctx.network.as_ref().map_or(0, |n| n.peer_count());
        let is_syncing = ctx.sync.as_ref().is_some_and(|s| s.is_major_syncing());
        json!({
            "peers": peers,
            "isSyncing": is_syncing,
            "shouldHavePeers": ctx.client.spec().chain_type != "Development",
        })
    })?;
    m.register_method("system_peers", move |_, ctx, _| -> RpcResult<Vec<Value>> {
        if !unsafe_allowed {
            return Err(super::unsafe_method("system_peers"));
        }
        let Some(net) = &ctx.network else {
            return Ok(Vec::new());
        };
        Ok(net
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
            .collect::<Vec<Value>>())
    })?;
    m.register_method("system_localPeerId", |_, ctx, _| ctx.node.peer_id.clone())?;
    m.register_method("system_localListenAddresses", |_, ctx, _| {
        ctx.network
            .as_ref()
            .map(|n| n.listen_addresses().iter().map(|a| a.to_string()).collect())
            .unwrap_or_else(Vec::<String>::new)
    })?;
    m.register_method("system_nodeRoles", |_, ctx, _| {
        if ctx.node.is_authority {
            vec!["Authority"]
        } else {
            vec!["Full"]
        }
    })?;
    m.register_method("system_syncState", |_, ctx, _| {
        let info = ctx.client.info();
        let (starting, highest) = ctx
            .sync
            .as_ref()
            .map_or((0, 0), |s| (s.starting_block(), s.highest_block()));
        json!({
            "startingBlock": starting,
            "currentBlock": info.best_number,
            "highestBlock": highest.max(info.best_number),
        })
    })?;
    m.register_blocking_method("system_accountNextIndex", |p, ctx, _| -> RpcResult<Nonce> {
        let args = positional(&p)?;
        let address = required_str(&args, 0, "account")?;
        let account = AccountId::from_ss58check(address)
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
            })?;
        let mut nonce: Nonce = ctx
            .client
            .runtime_api(ctx.client.info().best_hash)
            .account_nonce(&account)
            .map_err(client_error)?;
        // Count this account's transactions already in the pool (CheckNonce provides (who, nonce)).
        while ctx.pool.provides(&(&account, nonce).encode()) {
            nonce += 1;
        }
        Ok(nonce)
    })?;
    m.register_alias("account_nextIndex", "system_accountNextIndex")?;
    m.register_blocking_method("system_dryRun", move |p, ctx, _| -> RpcResult<String> {
        if !unsafe_allowed {
            return Err(super::unsafe_method("system_dryRun"));
        }
        let args = positional(&p)?;
        let xt = super::parse_hex(required_str(&args, 0, "extrinsic")?, "extrinsic")?;
        let at = super::at_param(&ctx, &args, 1)?;
        aitbc_wire::decode::decode_extrinsic(&xt)
            .map_err(|e| super::invalid_params(format!("the extrinsic cannot be decoded: {e}")))?;
        let out = ctx.client.dry_run(&at, &xt).map_err(client_error)?;
        Ok(super::to_hex(&out))
    })?;
    m.register_alias("system_dryRunAt", "system_dryRun")?;
    Ok(())
}
