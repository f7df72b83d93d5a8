//! What the pool needs from the chain, as one narrow trait: the best block, the runtime's
//! verdict on a transaction, an account's next nonce and the transactions of a block. The node
//! implements it over its [`Client`]; tests can implement it over a model.

use sp_core::H256;
use sp_runtime::transaction_validity::{TransactionSource, TransactionValidity};

use crate::{
    client::Client,
    types::{BlockNumber, Extrinsic},
};

/// The chain a [`super::TxPool`] validates against.
pub trait PoolChain: Send + Sync + 'static {
    /// The best block: (hash, number).
    fn best(&self) -> (H256, BlockNumber);
    /// `TaggedTransactionQueue_validate_transaction` of `xt` at block `at`.
    fn validate(
        &self,
        at: H256,
        source: TransactionSource,
        xt: &Extrinsic,
    ) -> Result<TransactionValidity, String>;
    /// The next nonce of `who` at block `at`.
    fn account_nonce(
        &self,
        at: H256,
        who: &aitbc_runtime::AccountId,
    ) -> Result<aitbc_runtime::Nonce, String>;
    /// The extrinsics of a block (`None`: unknown, or its body was pruned).
    fn block_body(&self, block: &H256) -> Result<Option<Vec<Extrinsic>>, String>;
}

impl PoolChain for Client {
    fn best(&self) -> (H256, BlockNumber) {
        let info = self.info();
        (info.best_hash, info.best_number)
    }

    fn validate(
        &self,
        at: H256,
        source: TransactionSource,
        xt: &Extrinsic,
    ) -> Result<TransactionValidity, String> {
        self.runtime_api(at)
            .validate_transaction(source, xt)
            .map_err(|e| e.to_string())
    }

    fn account_nonce(
        &self,
        at: H256,
        who: &aitbc_runtime::AccountId,
    ) -> Result<aitbc_runtime::Nonce, String> {
        self.runtime_api(at)
            .account_nonce(who)
            .map_err(|e| e.to_string())
    }

    fn block_body(&self, block: &H256) -> Result<Option<Vec<Extrinsic>>, String> {
        self.block(block)
            .map(|b| b.map(|b| b.extrinsics))
            .map_err(|e| e.to_string())
    }
}
