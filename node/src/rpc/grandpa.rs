//! `grandpa_proveFinality` (Substrate's) and `aitbc_authoritySetChanges`: what a light client
//! or an offline verifier needs to follow finality from the genesis authority set
//! ([`crate::grandpa::proof`]).

use std::sync::Arc;

use codec::Encode;
use jsonrpsee::proc_macros::rpc;
use serde_json::{json, Value};

use super::{client_error, parse_number, to_hex, RpcResult};
use crate::{client::Client, grandpa::proof};

/// Finality proofs.
#[rpc(server)]
pub trait GrandpaApi {
    /// The SCALE-encoded `FinalityProof` (justified block, justification, headers above the
    /// requested block) of the first justified block at or above `block_number`; `null` while
    /// that block is not finalized.
    #[method(name = "grandpa_proveFinality", blocking)]
    fn prove_finality(&self, block_number: Value) -> RpcResult<Option<String>>;

    /// AITBC extension: the blocks that started GRANDPA sets after `from_set_id` (at most 64;
    /// ask again from the last one's set id for more), each with its header and the ending
    /// set's justification, as hex: `[{setId, number, hash, header, justification}]`.
    #[method(name = "aitbc_authoritySetChanges", blocking)]
    fn authority_set_changes(&self, from_set_id: Option<u64>) -> RpcResult<Vec<Value>>;
}

/// The finality-proof namespace over the client.
pub struct GrandpaRpc {
    pub client: Arc<Client>,
}

impl GrandpaApiServer for GrandpaRpc {
    fn prove_finality(&self, block_number: Value) -> RpcResult<Option<String>> {
        let number = parse_number(&block_number)?;
        let found = proof::prove_finality(&self.client, number).map_err(client_error)?;
        Ok(found.map(|p| to_hex(&p.encode())))
    }

    fn authority_set_changes(&self, from_set_id: Option<u64>) -> RpcResult<Vec<Value>> {
        let changes =
            proof::set_changes(&self.client, from_set_id.unwrap_or(0)).map_err(client_error)?;
        Ok(changes
            .into_iter()
            .map(|c| {
                json!({
                    "setId": c.set_id,
                    "number": c.header.number,
                    "hash": c.header.hash(),
                    "header": to_hex(&c.header.encode()),
                    "justification": to_hex(&c.justification),
                })
            })
            .collect())
    }
}
