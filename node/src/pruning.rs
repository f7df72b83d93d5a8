//! State and block pruning: what a node forgets once blocks are finalized.
//!
//! `--state-pruning` and `--blocks-pruning` take Substrate's values: `archive` (keep
//! everything), `archive-canonical` (keep what is finalized, forget the forks that finality
//! discarded) or a number N (keep the last N finalized blocks, and everything not yet final).
//!
//! **State.** Trie nodes are shared between blocks and between forks, so they are reference
//! counted (`state_refs` column). A node's holders are the *pruning base* (the oldest canonical
//! block whose state is kept: it holds every node of its state once) and each block above the
//! base whose import inserted the node. Each imported block gets a journal record of the nodes
//! it inserted and deleted. When the base moves up one block, that block's insertions become
//! the base's and its deletions lose the base's hold; when finality discards a fork block, its
//! insertions lose their holds. A node whose count reaches 0 is deleted in the same write. A
//! node that a later block inserts again simply gets a new holder, so reinsertions cannot be
//! lost. The counts exist only in a database created with state pruning on: an archive
//! database cannot be switched to pruning (it would have to count every node it holds).
//!
//! **Blocks.** Bodies and transaction-index entries are deleted; headers and justifications
//! stay, so the chain can still be walked and proven. Bodies of discarded forks are deleted one
//! finalization later than their state, so that the pool can still put their transactions back.

use std::{
    collections::{BTreeMap, HashMap},
    fmt,
    str::FromStr,
};

use codec::{Decode, Encode};
use sp_core::H256;

use crate::{
    db::{col, Database, DbError, DbResult, PruneOps},
    types::BlockNumber,
};

/// What a node keeps of old states or old blocks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PruningMode {
    /// Keep everything.
    #[default]
    Archive,
    /// Keep every finalized block; forget forks once finality discards them.
    ArchiveCanonical,
    /// Keep the last N finalized blocks and every block not yet finalized.
    Window(u32),
}

impl PruningMode {
    /// Whether anything is ever deleted.
    pub fn prunes(&self) -> bool {
        *self != PruningMode::Archive
    }
}

impl FromStr for PruningMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "archive" => Ok(Self::Archive),
            "archive-canonical" => Ok(Self::ArchiveCanonical),
            n => n.parse::<u32>().map(Self::Window).map_err(|_| {
                format!(
                    "`{s}` is not a pruning mode: use `archive`, `archive-canonical` or a number of \
                     finalized blocks to keep (e.g. 256)"
                )
            }),
        }
    }
}

impl fmt::Display for PruningMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Archive => f.write_str("archive"),
            Self::ArchiveCanonical => f.write_str("archive-canonical"),
            Self::Window(n) => write!(f, "{n}"),
        }
    }
}

/// Fewest finalized states `--state-pruning N` may keep: the GRANDPA voter, the pool and RPC
/// readers work on states a few blocks behind the finalized head.
pub const MIN_STATE_WINDOW: u32 = 32;

/// Parse `--state-pruning`, refusing windows too short for the node's own readers.
pub fn parse_state_pruning(s: &str) -> Result<PruningMode, String> {
    match s.parse()? {
        PruningMode::Window(n) if n < MIN_STATE_WINDOW => Err(format!(
            "--state-pruning {n} keeps too few states: keep at least {MIN_STATE_WINDOW} finalized \
             blocks (the GRANDPA voter and RPC readers use recent ones), or use `archive-canonical`"
        )),
        mode => Ok(mode),
    }
}

/// Parse `--blocks-pruning`.
pub fn parse_blocks_pruning(s: &str) -> Result<PruningMode, String> {
    s.parse()
}

/// The node's pruning settings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PruningConfig {
    pub state: PruningMode,
    pub blocks: PruningMode,
}

/// The trie nodes one block's import inserted and deleted, kept until the block is pruned into
/// the base or discarded.
#[derive(Clone, Debug, Default, Encode, Decode)]
pub struct JournalRecord {
    pub number: BlockNumber,
    pub parent: H256,
    /// Nodes the block added (each holds them once). Empty when state pruning is off.
    pub inserted: Vec<Vec<u8>>,
    /// Nodes of the parent's state that the block's state no longer has.
    pub deleted: Vec<Vec<u8>>,
}

const KEY_STATE_MODE: &[u8] = b"state_pruning";
const KEY_STATE_BASE: &[u8] = b"state_pruning_base";
const KEY_BLOCKS_PRUNED_TO: &[u8] = b"blocks_pruned_to";
const KEY_BODIES_PENDING: &[u8] = b"bodies_pending_delete";
/// Most canonical bodies pruned by one finalization (a node switched from archive catches up
/// over several finalizations instead of in one huge write).
const MAX_BODIES_PER_COMMIT: u32 = 512;

/// The pruning bookkeeping of a client: which blocks are not finalized yet, which finalized
/// blocks are still above the pruning base, and where the base is.
#[derive(Clone)]
pub struct Pruner {
    config: PruningConfig,
    /// Lowest block whose state is kept (state pruning).
    base: BlockNumber,
    /// Highest block whose body was deleted, if any (blocks pruning).
    bodies_pruned_to: Option<BlockNumber>,
    /// Imported, not finalized, not discarded: hash -> (number, parent).
    unfinalized: HashMap<H256, (BlockNumber, H256)>,
    /// Finalized canonical blocks above the base that still have a journal record.
    window: BTreeMap<BlockNumber, H256>,
}

fn meta_number(db: &Database, key: &[u8]) -> DbResult<Option<BlockNumber>> {
    db.get_meta(key)?
        .map(|v| {
            BlockNumber::decode(&mut &v[..]).map_err(|_| {
                DbError::Corrupt(format!("bad meta entry {}", String::from_utf8_lossy(key)))
            })
        })
        .transpose()
}

impl Pruner {
    /// Check `config` against what the database was created with, and load the bookkeeping.
    /// `fresh` is true when the database is about to receive its genesis block.
    pub fn open(
        db: &Database,
        config: PruningConfig,
        fresh: bool,
        finalized: (H256, BlockNumber),
    ) -> anyhow::Result<Self> {
        let stored = match db.get_meta(KEY_STATE_MODE)? {
            Some(v) => String::from_utf8_lossy(&v)
                .parse::<PruningMode>()
                .map_err(|e| {
                    anyhow::anyhow!("the database records a bad state pruning mode: {e}")
                })?,
            None if fresh => config.state,
            // Databases from before pruning existed are archives.
            None => PruningMode::Archive,
        };
        if stored.prunes() != config.state.prunes() {
            anyhow::bail!(
                "this database was created with --state-pruning {stored}, and cannot run with \
                 --state-pruning {}: {} Start with --state-pruning {stored}, or sync into a new \
                 --base-path",
                config.state,
                if stored.prunes() {
                    "an archive must keep every state, and the pruned ones are gone."
                } else {
                    "pruning needs reference counts that only a database created with pruning has."
                }
            );
        }
        let mut pruner = Self {
            config,
            base: meta_number(db, KEY_STATE_BASE)?.unwrap_or(0),
            bodies_pruned_to: meta_number(db, KEY_BLOCKS_PRUNED_TO)?,
            unfinalized: HashMap::new(),
            window: BTreeMap::new(),
        };
        for (key, value) in db.iter_column(col::JOURNAL)? {
            let hash = H256::from_slice(
                key.get(..32)
                    .filter(|_| key.len() == 32)
                    .ok_or_else(|| DbError::Corrupt("journal key is not a block hash".into()))?,
            );
            let record = JournalRecord::decode(&mut &value[..])
                .map_err(|e| DbError::Corrupt(format!("journal of {hash:?}: {e}")))?;
            if record.number > finalized.1 {
                pruner
                    .unfinalized
                    .insert(hash, (record.number, record.parent));
            } else if db.hash_at(record.number)? == Some(hash) {
                pruner.window.insert(record.number, hash);
            } else {
                // Not reachable after an atomic write; discarded at the next finalization.
                pruner
                    .unfinalized
                    .insert(hash, (record.number, record.parent));
            }
        }
        Ok(pruner)
    }

    /// The settings.
    pub fn config(&self) -> PruningConfig {
        self.config
    }

    /// Lowest block number whose state is kept.
    pub fn state_base(&self) -> BlockNumber {
        self.base
    }

    /// Highest block whose body was pruned.
    pub fn bodies_pruned_to(&self) -> Option<BlockNumber> {
        self.bodies_pruned_to
    }

    fn tracks_blocks(&self) -> bool {
        self.config.state.prunes() || self.config.blocks.prunes()
    }

    /// The genesis block's state: the base holds each of its nodes once.
    pub fn on_genesis(&self, ops: &mut PruneOps, nodes: &[(Vec<u8>, Vec<u8>)]) {
        ops.meta_put
            .push((KEY_STATE_MODE, self.config.state.to_string().into_bytes()));
        if self.config.state.prunes() {
            for (key, _) in nodes {
                *ops.ref_deltas.entry(key.clone()).or_default() += 1;
            }
        }
    }

    /// A block was imported (not yet finalized): journal it, and hold the nodes it inserted.
    pub fn on_import(
        &mut self,
        ops: &mut PruneOps,
        hash: H256,
        number: BlockNumber,
        parent: H256,
        inserted: &[(Vec<u8>, Vec<u8>)],
        deleted: &[Vec<u8>],
    ) {
        if !self.tracks_blocks() || self.unfinalized.contains_key(&hash) {
            return;
        }
        let mut record = JournalRecord {
            number,
            parent,
            ..Default::default()
        };
        if self.config.state.prunes() {
            record.inserted = inserted.iter().map(|(k, _)| k.clone()).collect();
            record.deleted = deleted.to_vec();
            for key in &record.inserted {
                *ops.ref_deltas.entry(key.clone()).or_default() += 1;
            }
        }
        ops.journal_put.push((hash, record.encode()));
        self.unfinalized.insert(hash, (number, parent));
    }

    /// `finalized` became the finalized block (the canonical chain already leads to it).
    /// Finalized blocks join the window, forks that no longer descend from it are discarded,
    /// and the base and the body horizon move up. `canonical_hash` reads the canonical chain
    /// as it will be after this commit.
    pub fn on_finalize(
        &mut self,
        db: &Database,
        ops: &mut PruneOps,
        finalized: (H256, BlockNumber),
        canonical_hash: impl Fn(BlockNumber) -> DbResult<Option<H256>>,
    ) -> DbResult<()> {
        if !self.tracks_blocks() {
            return Ok(());
        }
        let (fin_hash, fin_number) = finalized;
        // Bodies of forks discarded by the previous finalization.
        if self.config.blocks.prunes() {
            if let Some(pending) = db.get_meta(KEY_BODIES_PENDING)? {
                let hashes = Vec::<H256>::decode(&mut &pending[..])
                    .map_err(|e| DbError::Corrupt(format!("pending body deletions: {e}")))?;
                ops.bodies_delete.extend(hashes);
            }
        }
        let mut discarded = Vec::new();
        let mut newly_final = Vec::new();
        let blocks: Vec<(H256, BlockNumber, H256)> = self
            .unfinalized
            .iter()
            .map(|(h, (n, p))| (*h, *n, *p))
            .collect();
        for (hash, number, _) in blocks {
            if number <= fin_number {
                if canonical_hash(number)? == Some(hash) {
                    newly_final.push((number, hash));
                } else {
                    discarded.push(hash);
                }
            } else if !self.descends_from(hash, fin_hash, fin_number) {
                discarded.push(hash);
            }
        }
        for hash in &discarded {
            self.unfinalized.remove(hash);
            if let Some(record) = self.journal(db, ops, hash)? {
                for key in record.inserted {
                    *ops.ref_deltas.entry(key).or_default() -= 1;
                }
            }
            ops.journal_delete.push(*hash);
        }
        for (number, hash) in newly_final {
            self.unfinalized.remove(&hash);
            self.window.insert(number, hash);
        }
        self.advance_base(db, ops, fin_number)?;
        if self.config.blocks.prunes() {
            ops.meta_put.push((KEY_BODIES_PENDING, discarded.encode()));
            self.prune_canonical_bodies(ops, fin_number, &canonical_hash)?;
        }
        Ok(())
    }

    /// Whether `hash` (unfinalized, above `fin_number`) has `fin_hash` as its ancestor.
    fn descends_from(&self, hash: H256, fin_hash: H256, fin_number: BlockNumber) -> bool {
        let mut current = hash;
        loop {
            match self.unfinalized.get(&current) {
                Some((number, parent)) if *number > fin_number => current = *parent,
                Some(_) => return current == fin_hash,
                // The finalized block itself may be gone from the map already; anything else
                // missing is below the finalized block.
                None => return current == fin_hash,
            }
        }
    }

    /// Move the base up to what the state mode allows below `fin_number`: each block passed
    /// drops the base's hold on the nodes it deleted.
    fn advance_base(
        &mut self,
        db: &Database,
        ops: &mut PruneOps,
        fin_number: BlockNumber,
    ) -> DbResult<()> {
        let target = match self.config.state {
            // The last n finalized states: #fin-n+1 ..= #fin (and always the finalized one).
            PruningMode::Window(n) => fin_number
                .saturating_sub(n.saturating_sub(1))
                .max(self.base),
            // Finalized states are all kept: their journals are no longer needed.
            PruningMode::ArchiveCanonical | PruningMode::Archive => {
                for (_, hash) in std::mem::take(&mut self.window) {
                    ops.journal_delete.push(hash);
                }
                return Ok(());
            }
        };
        let passed: Vec<(BlockNumber, H256)> = self
            .window
            .range(..=target)
            .map(|(n, h)| (*n, *h))
            .collect();
        for (number, hash) in passed {
            self.window.remove(&number);
            if let Some(record) = self.journal(db, ops, &hash)? {
                for key in record.deleted {
                    *ops.ref_deltas.entry(key).or_default() -= 1;
                }
            }
            ops.journal_delete.push(hash);
        }
        if target != self.base {
            self.base = target;
            ops.meta_put.push((KEY_STATE_BASE, target.encode()));
        }
        Ok(())
    }

    fn prune_canonical_bodies(
        &mut self,
        ops: &mut PruneOps,
        fin_number: BlockNumber,
        canonical_hash: &impl Fn(BlockNumber) -> DbResult<Option<H256>>,
    ) -> DbResult<()> {
        let PruningMode::Window(keep) = self.config.blocks else {
            return Ok(());
        };
        // The last `keep` finalized bodies stay (at least the finalized one); genesis keeps its
        // (empty) body.
        let Some(last) = fin_number.checked_sub(keep.max(1)).filter(|n| *n > 0) else {
            return Ok(());
        };
        let first = self.bodies_pruned_to.map_or(1, |n| n.saturating_add(1));
        if first > last {
            return Ok(());
        }
        let last = last.min(first.saturating_add(MAX_BODIES_PER_COMMIT - 1));
        for number in first..=last {
            if let Some(hash) = canonical_hash(number)? {
                ops.bodies_delete.push(hash);
            }
        }
        self.bodies_pruned_to = Some(last);
        ops.meta_put.push((KEY_BLOCKS_PRUNED_TO, last.encode()));
        Ok(())
    }

    /// A block's journal record: from this commit if it was written in it, else from the db.
    fn journal(
        &self,
        db: &Database,
        ops: &PruneOps,
        hash: &H256,
    ) -> DbResult<Option<JournalRecord>> {
        let raw = match ops.journal_put.iter().find(|(h, _)| h == hash) {
            Some((_, raw)) => Some(raw.clone()),
            None => db.get(col::JOURNAL, hash.as_bytes())?,
        };
        raw.map(|v| {
            JournalRecord::decode(&mut &v[..])
                .map_err(|e| DbError::Corrupt(format!("journal of {hash:?}: {e}")))
        })
        .transpose()
    }

    /// Whether the state of block `number`/`hash` is still stored. `canonical` says whether it
    /// is on the canonical chain; `finalized` is the finalized height.
    pub fn state_kept(
        &self,
        hash: &H256,
        number: BlockNumber,
        canonical: bool,
        finalized: BlockNumber,
    ) -> bool {
        if !self.config.state.prunes() {
            return true;
        }
        if number > finalized {
            return self.unfinalized.contains_key(hash);
        }
        canonical && number >= self.base
    }
}

#[cfg(test)]
mod tests;
