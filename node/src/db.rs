//! RocksDB storage: blocks, headers, justifications, indexes and the state trie, each in its own
//! column family. Every imported block is written in one atomic, synced batch, so a crash at any
//! moment leaves either the whole block or none of it.

use std::{path::Path, sync::Arc};

use codec::{Decode, Encode};
use rocksdb::{ColumnFamilyDescriptor, Options, WriteBatch, WriteOptions, DB};
use sp_core::H256;

use crate::types::{Block, BlockNumber, Header};

/// Column families.
pub mod col {
    /// Node metadata: best/finalized/genesis hashes, chain id.
    pub const META: &str = "meta";
    /// Trie nodes of the state, keyed by prefixed node hash. An archive node never deletes them;
    /// with state pruning, a node is deleted when its reference count ([`STATE_REFS`]) drops to 0.
    pub const STATE: &str = "state";
    /// State pruning only: how many holders each trie node has (u32, little endian). A holder is
    /// the pruning base's state, or a block above the base whose import inserted the node.
    pub const STATE_REFS: &str = "state_refs";
    /// Pruning only: per block not yet pruned, the trie nodes its import inserted and deleted
    /// ([`crate::pruning::JournalRecord`]), by block hash.
    pub const JOURNAL: &str = "journal";
    /// SCALE-encoded headers, by block hash.
    pub const HEADERS: &str = "headers";
    /// SCALE-encoded block bodies (`Vec<Extrinsic>`), by block hash.
    pub const BODIES: &str = "bodies";
    /// SCALE-encoded `Justifications`, by block hash.
    pub const JUSTIFICATIONS: &str = "justifications";
    /// Canonical chain: big-endian block number -> block hash.
    pub const NUMBER_TO_HASH: &str = "number_to_hash";
    /// Extrinsic hash -> (block hash, index in block).
    pub const TX_INDEX: &str = "tx_index";
    /// All column families.
    pub const ALL: [&str; 9] = [
        META,
        STATE,
        STATE_REFS,
        JOURNAL,
        HEADERS,
        BODIES,
        JUSTIFICATIONS,
        NUMBER_TO_HASH,
        TX_INDEX,
    ];
}

const KEY_BEST: &[u8] = b"best";
const KEY_FINALIZED: &[u8] = b"finalized";
const KEY_GENESIS: &[u8] = b"genesis";
const KEY_CHAIN_ID: &[u8] = b"chain_id";

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database error: {0}")]
    Rocks(#[from] rocksdb::Error),
    #[error("database is corrupt: {0}")]
    Corrupt(String),
}

/// Result alias.
pub type DbResult<T> = Result<T, DbError>;

/// Handle to the node's database.
#[derive(Clone)]
pub struct Database {
    db: Arc<DB>,
}

/// The set of writes that imports one block.
#[derive(Default)]
pub struct BlockCommit {
    /// Header, body and justification of the block; `None` when only metadata changes.
    pub block: Option<(Block, Option<sp_runtime::Justifications>)>,
    /// Trie nodes to add (prefixed key, value).
    pub state_nodes: Vec<(Vec<u8>, Vec<u8>)>,
    /// New best block, and the canonical (number, hash) pairs to (re)write for it.
    pub new_best: Option<(H256, Vec<(BlockNumber, H256)>)>,
    /// Canonical heights that no longer have a block (the best chain got shorter: finality
    /// moved it to a lower fork).
    pub uncanonical: Option<std::ops::RangeInclusive<BlockNumber>>,
    /// New finalized block and its justification.
    pub finalized: Option<(H256, Option<sp_runtime::Justifications>)>,
    /// What pruning writes and deletes in the same batch.
    pub pruning: PruneOps,
}

/// The pruning part of a [`BlockCommit`], computed by [`crate::pruning::Pruner`].
#[derive(Default)]
pub struct PruneOps {
    /// Journal records to write (block hash, encoded record).
    pub journal_put: Vec<(H256, Vec<u8>)>,
    /// Journal records to delete.
    pub journal_delete: Vec<H256>,
    /// Change of each trie node's reference count. A node whose count reaches 0 is deleted.
    pub ref_deltas: std::collections::HashMap<Vec<u8>, i64>,
    /// Blocks whose body (and transaction-index entries) are deleted; headers and
    /// justifications stay.
    pub bodies_delete: Vec<H256>,
    /// Bookkeeping values to write in the meta column.
    pub meta_put: Vec<(&'static [u8], Vec<u8>)>,
}

impl Database {
    /// Open (or create) the database under `path`.
    pub fn open(path: &Path) -> DbResult<Self> {
        let mut opts = Options::default();
        opts.create_if_missing(true);
        opts.create_missing_column_families(true);
        opts.set_max_open_files(512);
        opts.increase_parallelism(2);
        let cfs = col::ALL.iter().map(|name| {
            let mut o = Options::default();
            if *name == col::STATE {
                o.optimize_for_point_lookup(64);
            }
            ColumnFamilyDescriptor::new(*name, o)
        });
        let db = DB::open_cf_descriptors(&opts, path, cfs)?;
        Ok(Self { db: Arc::new(db) })
    }

    fn cf(&self, name: &str) -> DbResult<&rocksdb::ColumnFamily> {
        self.db
            .cf_handle(name)
            .ok_or_else(|| DbError::Corrupt(format!("missing column family {name}")))
    }

    /// Raw get from a column.
    pub fn get(&self, column: &str, key: &[u8]) -> DbResult<Option<Vec<u8>>> {
        Ok(self.db.get_cf(self.cf(column)?, key)?)
    }

    /// A value of the node's own bookkeeping (e.g. the GRANDPA voter's last round).
    pub fn get_meta(&self, key: &[u8]) -> DbResult<Option<Vec<u8>>> {
        self.get(col::META, key)
    }

    /// Store a bookkeeping value, synced to disk.
    pub fn put_meta(&self, key: &[u8], value: &[u8]) -> DbResult<()> {
        let mut batch = WriteBatch::default();
        batch.put_cf(self.cf(col::META)?, key, value);
        self.write(batch)
    }

    fn get_hash(&self, key: &[u8]) -> DbResult<Option<H256>> {
        match self.get(col::META, key)? {
            Some(v) if v.len() == 32 => Ok(Some(H256::from_slice(&v))),
            Some(_) => Err(DbError::Corrupt(format!(
                "bad meta entry {}",
                String::from_utf8_lossy(key)
            ))),
            None => Ok(None),
        }
    }

    /// Hash of the genesis block, if the database is initialised.
    pub fn genesis_hash(&self) -> DbResult<Option<H256>> {
        self.get_hash(KEY_GENESIS)
    }

    /// The chain id the database was created for.
    pub fn chain_id(&self) -> DbResult<Option<String>> {
        Ok(self
            .get(col::META, KEY_CHAIN_ID)?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    /// Hash of the best block.
    pub fn best_hash(&self) -> DbResult<Option<H256>> {
        self.get_hash(KEY_BEST)
    }

    /// Hash of the last finalized block.
    pub fn finalized_hash(&self) -> DbResult<Option<H256>> {
        self.get_hash(KEY_FINALIZED)
    }

    /// Header by hash.
    pub fn header(&self, hash: &H256) -> DbResult<Option<Header>> {
        self.get(col::HEADERS, hash.as_bytes())?
            .map(|v| {
                Header::decode(&mut &v[..])
                    .map_err(|e| DbError::Corrupt(format!("header {hash:?}: {e}")))
            })
            .transpose()
    }

    /// Body (extrinsics) by block hash.
    pub fn body(&self, hash: &H256) -> DbResult<Option<Vec<crate::types::Extrinsic>>> {
        self.get(col::BODIES, hash.as_bytes())?
            .map(|v| {
                Decode::decode(&mut &v[..])
                    .map_err(|e| DbError::Corrupt(format!("body {hash:?}: {e}")))
            })
            .transpose()
    }

    /// Justifications by block hash.
    pub fn justifications(&self, hash: &H256) -> DbResult<Option<sp_runtime::Justifications>> {
        self.get(col::JUSTIFICATIONS, hash.as_bytes())?
            .map(|v| {
                Decode::decode(&mut &v[..])
                    .map_err(|e| DbError::Corrupt(format!("justification {hash:?}: {e}")))
            })
            .transpose()
    }

    /// Canonical block hash at `number`.
    pub fn hash_at(&self, number: BlockNumber) -> DbResult<Option<H256>> {
        Ok(self
            .get(col::NUMBER_TO_HASH, &number.to_be_bytes())?
            .filter(|v| v.len() == 32)
            .map(|v| H256::from_slice(&v)))
    }

    /// Location of an extrinsic: (block hash, index).
    pub fn tx_location(&self, tx_hash: &H256) -> DbResult<Option<(H256, u32)>> {
        self.get(col::TX_INDEX, tx_hash.as_bytes())?
            .map(|v| {
                <(H256, u32)>::decode(&mut &v[..])
                    .map_err(|e| DbError::Corrupt(format!("tx index: {e}")))
            })
            .transpose()
    }

    /// Write the genesis block and mark it best and finalized.
    pub fn init_genesis(&self, chain_id: &str, commit: BlockCommit, genesis: H256) -> DbResult<()> {
        let mut batch = WriteBatch::default();
        batch.put_cf(self.cf(col::META)?, KEY_GENESIS, genesis.as_bytes());
        batch.put_cf(self.cf(col::META)?, KEY_CHAIN_ID, chain_id.as_bytes());
        self.fill_batch(&mut batch, commit)?;
        self.write(batch)
    }

    /// Atomically apply one block import (and/or best/finality changes).
    pub fn commit(&self, commit: BlockCommit) -> DbResult<()> {
        let mut batch = WriteBatch::default();
        self.fill_batch(&mut batch, commit)?;
        self.write(batch)
    }

    fn fill_batch(&self, batch: &mut WriteBatch, commit: BlockCommit) -> DbResult<()> {
        let state = self.cf(col::STATE)?;
        for (k, v) in &commit.state_nodes {
            batch.put_cf(state, k, v);
        }
        // After the puts: a node inserted and released in one commit ends up deleted.
        self.fill_pruning(batch, &commit.pruning)?;
        if let Some((block, justifications)) = &commit.block {
            let hash = block.header.hash();
            batch.put_cf(
                self.cf(col::HEADERS)?,
                hash.as_bytes(),
                block.header.encode(),
            );
            batch.put_cf(
                self.cf(col::BODIES)?,
                hash.as_bytes(),
                block.extrinsics.encode(),
            );
            if let Some(j) = justifications {
                batch.put_cf(self.cf(col::JUSTIFICATIONS)?, hash.as_bytes(), j.encode());
            }
            let txi = self.cf(col::TX_INDEX)?;
            for (i, xt) in block.extrinsics.iter().enumerate() {
                let xt_hash = crate::types::extrinsic_hash(xt);
                batch.put_cf(txi, xt_hash.as_bytes(), (hash, i as u32).encode());
            }
        }
        if let Some((best, canon)) = &commit.new_best {
            let n2h = self.cf(col::NUMBER_TO_HASH)?;
            for n in commit.uncanonical.clone().into_iter().flatten() {
                batch.delete_cf(n2h, n.to_be_bytes());
            }
            for (n, h) in canon {
                batch.put_cf(n2h, n.to_be_bytes(), h.as_bytes());
            }
            batch.put_cf(self.cf(col::META)?, KEY_BEST, best.as_bytes());
        }
        if let Some((fin, justification)) = &commit.finalized {
            batch.put_cf(self.cf(col::META)?, KEY_FINALIZED, fin.as_bytes());
            if let Some(j) = justification {
                batch.put_cf(self.cf(col::JUSTIFICATIONS)?, fin.as_bytes(), j.encode());
            }
        }
        Ok(())
    }

    fn fill_pruning(&self, batch: &mut WriteBatch, ops: &PruneOps) -> DbResult<()> {
        let journal = self.cf(col::JOURNAL)?;
        for (hash, record) in &ops.journal_put {
            batch.put_cf(journal, hash.as_bytes(), record);
        }
        for hash in &ops.journal_delete {
            batch.delete_cf(journal, hash.as_bytes());
        }
        let (state, refs) = (self.cf(col::STATE)?, self.cf(col::STATE_REFS)?);
        for (key, delta) in &ops.ref_deltas {
            if *delta == 0 {
                continue;
            }
            let count = i64::from(self.state_refs(key)?).saturating_add(*delta);
            if count < 0 {
                return Err(DbError::Corrupt(format!(
                    "trie node 0x{} released more often than held",
                    hex::encode(key)
                )));
            }
            if count == 0 {
                batch.delete_cf(state, key);
                batch.delete_cf(refs, key);
            } else {
                let count = u32::try_from(count).map_err(|_| {
                    DbError::Corrupt(format!(
                        "trie node 0x{} has too many holders",
                        hex::encode(key)
                    ))
                })?;
                batch.put_cf(refs, key, count.to_le_bytes());
            }
        }
        let (bodies, txi) = (self.cf(col::BODIES)?, self.cf(col::TX_INDEX)?);
        for hash in &ops.bodies_delete {
            for xt in self.body(hash)?.unwrap_or_default() {
                let xt_hash = crate::types::extrinsic_hash(&xt);
                // The index may point at another block holding the same extrinsic.
                if self.tx_location(&xt_hash)?.is_some_and(|(b, _)| b == *hash) {
                    batch.delete_cf(txi, xt_hash.as_bytes());
                }
            }
            batch.delete_cf(bodies, hash.as_bytes());
        }
        let meta = self.cf(col::META)?;
        for (key, value) in &ops.meta_put {
            batch.put_cf(meta, key, value);
        }
        Ok(())
    }

    /// How many holders a trie node has (state pruning only; 0 when unknown).
    pub fn state_refs(&self, key: &[u8]) -> DbResult<u32> {
        match self.get(col::STATE_REFS, key)? {
            None => Ok(0),
            Some(v) => <[u8; 4]>::try_from(&v[..])
                .map(u32::from_le_bytes)
                .map_err(|_| {
                    DbError::Corrupt(format!("bad reference count of 0x{}", hex::encode(key)))
                }),
        }
    }

    /// Every (key, value) of a column, in key order. For loading small bookkeeping columns and
    /// for tests.
    pub fn iter_column(&self, column: &str) -> DbResult<Vec<(Vec<u8>, Vec<u8>)>> {
        let mut out = Vec::new();
        for item in self
            .db
            .iterator_cf(self.cf(column)?, rocksdb::IteratorMode::Start)
        {
            let (k, v) = item?;
            out.push((k.into_vec(), v.into_vec()));
        }
        Ok(out)
    }

    fn write(&self, batch: WriteBatch) -> DbResult<()> {
        let mut opts = WriteOptions::default();
        // Synced: a finalized block must survive a crash of the process or of the machine.
        opts.set_sync(true);
        Ok(self.db.write_opt(batch, &opts)?)
    }

    /// Read a trie node.
    pub fn state_node(&self, prefixed_key: &[u8]) -> DbResult<Option<Vec<u8>>> {
        self.get(col::STATE, prefixed_key)
    }
}
