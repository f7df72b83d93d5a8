//! The runtime API the node calls, typed: each runtime function the node uses is one method
//! here, with its name, argument and result types in one place. Callers never spell a runtime
//! function's name or decode its result themselves.
//!
//! Read-only calls at a block go through [`RuntimeApiAt`] (`client.runtime_api(at)`); the calls
//! that build or execute a block change state and run over one overlay ([`BlockBuilderApi`]).

use codec::{Decode, Encode};
use sp_consensus_aura::{sr25519::AuthorityId as AuraId, SlotDuration};
use sp_consensus_grandpa::{AuthorityList, SetId};
use sp_core::H256;
use sp_runtime::{
    transaction_validity::{TransactionSource, TransactionValidity},
    ApplyExtrinsicResult,
};
use sp_state_machine::OverlayedChanges;

use crate::{
    client::{Client, ClientResult},
    executor::{self, ExecError, StateBackend},
    types::{Block, Extrinsic, Hasher, Header},
};

/// Read-only runtime calls at one block.
pub struct RuntimeApiAt<'a> {
    client: &'a Client,
    at: H256,
}

impl<'a> RuntimeApiAt<'a> {
    pub(crate) fn new(client: &'a Client, at: H256) -> Self {
        Self { client, at }
    }

    fn call<R: Decode>(&self, method: &'static str, args: impl Encode) -> ClientResult<R> {
        self.client.call_decode(&self.at, method, args)
    }

    /// `Core_version`.
    pub fn version(&self) -> ClientResult<sp_version::RuntimeVersion> {
        self.call("Core_version", ())
    }

    /// `Metadata_metadata`: the SCALE-encoded `RuntimeMetadataPrefixed`.
    pub fn metadata(&self) -> ClientResult<Vec<u8>> {
        // `OpaqueMetadata` encodes as a `Vec<u8>`.
        self.call("Metadata_metadata", ())
    }

    /// `AuraApi_slot_duration`.
    pub fn aura_slot_duration(&self) -> ClientResult<SlotDuration> {
        self.call("AuraApi_slot_duration", ())
    }

    /// `AuraApi_authorities`: the slot authors, in order.
    pub fn aura_authorities(&self) -> ClientResult<Vec<AuraId>> {
        self.call("AuraApi_authorities", ())
    }

    /// `GrandpaApi_grandpa_authorities`.
    pub fn grandpa_authorities(&self) -> ClientResult<AuthorityList> {
        self.call("GrandpaApi_grandpa_authorities", ())
    }

    /// `GrandpaApi_current_set_id`.
    pub fn grandpa_set_id(&self) -> ClientResult<SetId> {
        self.call("GrandpaApi_current_set_id", ())
    }

    /// The GRANDPA set: its id and authorities.
    pub fn grandpa_set(&self) -> ClientResult<(SetId, AuthorityList)> {
        Ok((self.grandpa_set_id()?, self.grandpa_authorities()?))
    }

    /// `AccountNonceApi_account_nonce`: the account's next nonce.
    pub fn account_nonce(
        &self,
        who: &aitbc_runtime::AccountId,
    ) -> ClientResult<aitbc_runtime::Nonce> {
        self.call("AccountNonceApi_account_nonce", who)
    }

    /// `TaggedTransactionQueue_validate_transaction` against this block.
    pub fn validate_transaction(
        &self,
        source: TransactionSource,
        xt: &Extrinsic,
    ) -> ClientResult<TransactionValidity> {
        self.call(
            "TaggedTransactionQueue_validate_transaction",
            (source, xt, self.at),
        )
    }
}

/// The block-building and block-execution calls, applied to one overlay over a parent's state.
pub struct BlockBuilderApi<'a> {
    backend: &'a StateBackend,
    overlay: &'a mut OverlayedChanges<Hasher>,
}

impl<'a> BlockBuilderApi<'a> {
    pub fn new(backend: &'a StateBackend, overlay: &'a mut OverlayedChanges<Hasher>) -> Self {
        Self { backend, overlay }
    }

    fn call<R: Decode>(&mut self, method: &'static str, args: &[u8]) -> Result<R, ExecError> {
        let raw = executor::call_in_overlay(self.backend, self.overlay, method, args)?;
        R::decode(&mut &raw[..]).map_err(|_| ExecError::BadResult(method.into()))
    }

    /// `Core_initialize_block`.
    pub fn initialize_block(&mut self, header: &Header) -> Result<(), ExecError> {
        executor::call_in_overlay(
            self.backend,
            self.overlay,
            "Core_initialize_block",
            &header.encode(),
        )
        .map(drop)
    }

    /// `BlockBuilder_inherent_extrinsics`.
    pub fn inherent_extrinsics(
        &mut self,
        data: &sp_inherents::InherentData,
    ) -> Result<Vec<Extrinsic>, ExecError> {
        self.call("BlockBuilder_inherent_extrinsics", &data.encode())
    }

    /// `BlockBuilder_apply_extrinsic` of an encoded extrinsic.
    pub fn apply_extrinsic(&mut self, encoded: &[u8]) -> Result<ApplyExtrinsicResult, ExecError> {
        self.call("BlockBuilder_apply_extrinsic", encoded)
    }

    /// `BlockBuilder_apply_extrinsic`, with the result left encoded (`system_dryRun` returns it
    /// as is).
    pub fn apply_extrinsic_raw(&mut self, encoded: &[u8]) -> Result<Vec<u8>, ExecError> {
        executor::call_in_overlay(
            self.backend,
            self.overlay,
            "BlockBuilder_apply_extrinsic",
            encoded,
        )
    }

    /// `BlockBuilder_finalize_block`: the finished header (without the seal).
    pub fn finalize_block(&mut self) -> Result<Header, ExecError> {
        self.call("BlockBuilder_finalize_block", &[])
    }

    /// `Core_execute_block` of a block whose seal was removed.
    pub fn execute_block(&mut self, unsealed: &Block) -> Result<(), ExecError> {
        executor::call_in_overlay(
            self.backend,
            self.overlay,
            "Core_execute_block",
            &unsealed.encode(),
        )
        .map(drop)
    }
}
