//! Reading the chain, as one narrow trait ([`ChainReader`]): what sync serves to peers and what
//! the `chain_*` RPC answers need from the node's [`Client`] (heads, headers, blocks,
//! justifications, the canonical and extrinsic indexes, import notifications) and nothing that
//! writes. Imports go through [`crate::import::BlockImporter`], finality through the GRANDPA
//! voter.

use sp_core::H256;
use sp_runtime::Justifications;

use crate::{
    client::{ChainInfo, Client, ClientResult, Notifications},
    types::{Block, BlockNumber, Header},
};

/// Read access to the chain.
pub trait ChainReader: Send + Sync + 'static {
    /// Best and finalized heads, and the genesis hash.
    fn info(&self) -> ChainInfo;
    /// A header by hash (`None`: unknown).
    fn header(&self, hash: &H256) -> ClientResult<Option<Header>>;
    /// A whole block by hash (`None`: unknown, or its body was pruned).
    fn block(&self, hash: &H256) -> ClientResult<Option<Block>>;
    /// A block's justifications.
    fn justifications(&self, hash: &H256) -> ClientResult<Option<Justifications>>;
    /// The canonical block at a height (`None` above the best block).
    fn hash_at(&self, number: BlockNumber) -> ClientResult<Option<H256>>;
    /// Where an extrinsic was included: (block hash, index).
    fn tx_location(&self, tx_hash: &H256) -> ClientResult<Option<(H256, u32)>>;
    /// Imported and finalized blocks as they happen.
    fn notifications(&self) -> &Notifications;
}

impl ChainReader for Client {
    fn info(&self) -> ChainInfo {
        Client::info(self)
    }

    fn header(&self, hash: &H256) -> ClientResult<Option<Header>> {
        Client::header(self, hash)
    }

    fn block(&self, hash: &H256) -> ClientResult<Option<Block>> {
        Client::block(self, hash)
    }

    fn justifications(&self, hash: &H256) -> ClientResult<Option<Justifications>> {
        Client::justifications(self, hash)
    }

    fn hash_at(&self, number: BlockNumber) -> ClientResult<Option<H256>> {
        Client::hash_at(self, number)
    }

    fn tx_location(&self, tx_hash: &H256) -> ClientResult<Option<(H256, u32)>> {
        Client::tx_location(self, tx_hash)
    }

    fn notifications(&self) -> &Notifications {
        &self.notifications
    }
}
