//! Wire messages of the AITBC network, SCALE-encoded.
//!
//! Gossip (libp2p gossipsub) carries three topics per chain: new blocks, transactions and GRANDPA
//! messages. Request-response carries sync: a peer's status, canonical blocks by number (with
//! their justifications) and GRANDPA catch-up.

use codec::{Decode, Encode};
use sp_consensus_grandpa::{AuthorityId, AuthoritySignature, SetId};
use sp_core::H256;

use crate::{Block, BlockNumber, Header};

/// The request-response protocol for sync and catch-up.
pub const SYNC_PROTOCOL: &str = "/aitbc/sync/1";
/// Identify's protocol version string.
pub const IDENTIFY_PROTOCOL: &str = "/aitbc/1.0.0";
/// Largest number of blocks one response carries.
pub const MAX_BLOCKS_PER_RESPONSE: u32 = 128;
/// Largest encoded response the server builds (the cbor codec refuses more than 10 MiB).
pub const MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;
/// Largest gossip message (a full block plus its justification).
pub const MAX_GOSSIP_BYTES: usize = 8 * 1024 * 1024;
/// Largest message on the transactions topic (the runtime's block length limit is 5 MiB).
pub const MAX_TRANSACTION_GOSSIP_BYTES: usize = 5 * 1024 * 1024 + 1024;
/// Largest message on the GRANDPA topic: a commit of a few thousand authorities.
pub const MAX_GRANDPA_GOSSIP_BYTES: usize = 1024 * 1024;

/// The gossip topics of a chain. Their names carry the genesis hash, so that nodes of different
/// chains never exchange messages.
#[derive(Clone, Debug)]
pub struct Topics {
    pub blocks: String,
    pub transactions: String,
    pub grandpa: String,
}

impl Topics {
    pub fn new(genesis: &H256) -> Self {
        let g = hex::encode(&genesis.as_bytes()[..8]);
        Self {
            blocks: format!("/aitbc/{g}/blocks/1"),
            transactions: format!("/aitbc/{g}/transactions/1"),
            grandpa: format!("/aitbc/{g}/grandpa/1"),
        }
    }
}

/// A block with its GRANDPA justification, if it has one (encoded `GrandpaJustification`).
#[derive(Clone, Debug, Encode, Decode)]
pub struct BlockData {
    pub block: Block,
    pub justification: Option<Vec<u8>>,
}

/// What a node tells its peers about its chain.
#[derive(Clone, Copy, Debug, Encode, Decode, PartialEq, Eq)]
pub struct Status {
    pub genesis: H256,
    pub best_number: BlockNumber,
    pub best_hash: H256,
    pub finalized_number: BlockNumber,
    pub finalized_hash: H256,
    pub is_authority: bool,
}

/// Requests of the sync protocol.
#[derive(Clone, Debug, Encode, Decode)]
pub enum SyncRequest {
    /// The peer's [`Status`].
    Status,
    /// Canonical blocks from `from` upwards, at most `max`.
    Blocks { from: BlockNumber, max: u32 },
    /// The votes of the peer's last completed GRANDPA round, if it is past `round` in `set_id`.
    CatchUp { set_id: SetId, round: u64 },
}

/// Responses of the sync protocol.
#[derive(Clone, Debug, Encode, Decode)]
pub enum SyncResponse {
    Status(Status),
    Blocks(Vec<BlockData>),
    CatchUp(Option<CatchUpMessage>),
    /// The request could not be answered; the text says why.
    Refused(String),
}

/// A GRANDPA catch-up: a completed round's votes and the set they belong to.
#[derive(Clone, Debug, Encode, Decode)]
pub struct CatchUpMessage {
    pub set_id: SetId,
    pub catch_up: sp_consensus_grandpa::CatchUp<Header>,
}

/// A vote signed by a GRANDPA authority.
pub type SignedVote =
    finality_grandpa::SignedMessage<H256, BlockNumber, AuthoritySignature, AuthorityId>;

/// Messages of the GRANDPA gossip topic.
#[derive(Clone, Debug, Encode, Decode)]
pub enum GrandpaGossip {
    /// A prevote, precommit or primary proposal of `round`.
    Vote {
        set_id: SetId,
        round: u64,
        vote: SignedVote,
    },
    /// A round's commit: enough precommits to finalize its target.
    Commit {
        set_id: SetId,
        round: u64,
        commit: sp_consensus_grandpa::CompactCommit<Header>,
    },
    /// Where the sender's voter is: used to notice that it is ahead and ask it for a catch-up.
    Neighbor {
        set_id: SetId,
        round: u64,
        finalized: BlockNumber,
    },
}

/// Encode for the wire.
pub fn encode<T: Encode>(v: &T) -> Vec<u8> {
    v.encode()
}

/// Decode from the wire: depth-limited, trailing bytes are an error.
pub fn decode<T: Decode>(bytes: &[u8]) -> Result<T, codec::Error> {
    crate::decode::decode_untrusted(bytes)
}
