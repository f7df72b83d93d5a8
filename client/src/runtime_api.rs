//! Runtime API calls by name: `state_call("<Api>_<method>", SCALE args)`, the answer
//! SCALE-decoded. The one helper behind [`crate::jobs`], [`crate::marketplace`],
//! [`crate::governance`] and the fee estimate in [`crate::tx`].

use crate::error::{Error, Result};
use crate::rpc::RpcClient;
use aitbc_runtime::Hash;
use codec::{Decode, Encode};

/// A runtime API of the node, e.g. `MarketApi`.
pub struct RuntimeApi {
    /// The API's name, the prefix of its methods' names (`MarketApi` → `MarketApi_job`).
    pub name: &'static str,
    /// What a node whose runtime lacks the API is missing, for [`Error::Unsupported`]
    /// (`None`: the node's error is passed on as it is).
    pub missing: Option<&'static str>,
}

/// The compute market's jobs, results, receipts and miners.
pub const MARKET_API: RuntimeApi = RuntimeApi {
    name: "MarketApi",
    missing: Some("the node's runtime has no compute market"),
};

/// Redundant (k-of-n) jobs: rounds, revealed outputs, referee duties, receipt participants.
pub const REDUNDANCY_API: RuntimeApi = RuntimeApi {
    name: "RedundancyApi",
    missing: Some("the node's runtime has no redundant jobs (spec_version 106 or later)"),
};

/// The chain's hourly job activity (what `aitbc optimize predict` forecasts from).
pub const ACTIVITY_API: RuntimeApi = RuntimeApi {
    name: "ActivityApi",
    missing: Some("the node's runtime keeps no hourly job activity (spec_version 109 or later)"),
};

/// Agent swarms: pools, tasks, their progress and consensus.
pub const SWARMS_API: RuntimeApi = RuntimeApi {
    name: "SwarmsApi",
    missing: Some("the node's runtime has no agent swarms (spec_version 108 or later)"),
};

/// AI agents: agents, versions, runs with their traces, approved tools.
pub const AGENTS_API: RuntimeApi = RuntimeApi {
    name: "AgentsApi",
    missing: Some("the node's runtime has no agents (spec_version 109 or later)"),
};

/// The GPU marketplace's listings, bookings, offers and prices.
pub const MARKETPLACE_API: RuntimeApi = RuntimeApi {
    name: "MarketplaceApi",
    missing: Some("the node's runtime has no GPU marketplace"),
};

/// The DAO's proposals and votes.
pub const DAO_API: RuntimeApi = RuntimeApi {
    name: "DaoApi",
    missing: Some("the node's runtime has no DAO"),
};

/// Fee estimates.
pub const TRANSACTION_PAYMENT_API: RuntimeApi = RuntimeApi {
    name: "TransactionPaymentApi",
    missing: None,
};

impl RuntimeApi {
    /// Calls `method` with `args` SCALE-encoded, at block `at` (`None`: the best block), and
    /// decodes the answer as `R`.
    pub async fn call<A: Encode, R: Decode>(
        &self,
        rpc: &RpcClient,
        method: &str,
        args: A,
        at: Option<Hash>,
    ) -> Result<R> {
        self.call_raw(rpc, method, &args.encode(), at).await
    }

    /// [`Self::call`] with arguments that are already SCALE-encoded.
    pub async fn call_raw<R: Decode>(
        &self,
        rpc: &RpcClient,
        method: &str,
        data: &[u8],
        at: Option<Hash>,
    ) -> Result<R> {
        let name = format!("{}_{method}", self.name);
        let out = match rpc.state_call(&name, data, at).await {
            Ok(o) => o,
            Err(Error::Rpc { message, .. })
                if self.missing.is_some()
                    && (message.contains(self.name) || message.contains("not found")) =>
            {
                return Err(Error::Unsupported {
                    url: rpc.url().to_string(),
                    what: format!("{name} ({})", self.missing.unwrap_or_default()),
                })
            }
            Err(e) => return Err(e),
        };
        R::decode(&mut &out[..]).map_err(|e| Error::decode(&name, e))
    }
}
