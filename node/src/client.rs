//! The client: the chain as stored in the database, plus block import and finality.
//!
//! Block import is the one place where blocks enter the database. Authored blocks arrive with the
//! state changes their builder already computed; blocks from elsewhere are re-executed with
//! `Core_execute_block` over the parent's state, and their roots checked.

use std::sync::{Arc, OnceLock};

use codec::{Decode, Encode};
use parking_lot::{Mutex, RwLock};
use sp_core::{storage::StateVersion, H256};
use sp_runtime::{
    traits::{Hash as _, Header as _},
    Justifications,
};
use sp_state_machine::{Backend as _, OverlayedChanges};
use tokio::sync::broadcast;

use crate::{
    chain_spec::ChainSpec,
    db::{BlockCommit, Database, DbResult, PruneOps},
    executor::{self, ExecError, StateBackend, StateChanges},
    pruning::{Pruner, PruningConfig},
    runtime_api::BlockBuilderApi,
    types::{Block, BlockNumber, Extrinsic, Hasher, Header},
};

/// Errors of the client.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
    #[error(transparent)]
    Exec(#[from] ExecError),
    #[error("unknown block {0:?}")]
    UnknownBlock(H256),
    #[error("unknown parent {parent:?} of block #{number}")]
    UnknownParent { parent: H256, number: BlockNumber },
    #[error(
        "block #{number} state root mismatch: header says {expected:?}, execution gives {got:?}"
    )]
    StateRootMismatch {
        number: BlockNumber,
        expected: H256,
        got: H256,
    },
    #[error(
        "State already discarded for {0:?}: this node keeps only recent states \
         (--state-pruning); ask an archive node"
    )]
    StatePruned(H256),
    #[error("cannot finalize {0:?}: it is not a descendant of the last finalized block")]
    NotDescendantOfFinalized(H256),
    #[error("bad block: {0}")]
    BadBlock(String),
    /// A block an honest peer may also send: from a fork finality has left behind, or one slot
    /// early by a skewed clock. Refused, but no proof of malice.
    #[error("block refused: {0}")]
    Blameless(String),
    #[error("{0}")]
    Other(String),
}

/// Result alias.
pub type ClientResult<T> = Result<T, ClientError>;

/// Small values a subsystem keeps beside the chain (the GRANDPA voter's last round and own
/// votes), synced to disk on write. Subsystems get this instead of the database.
pub trait AuxStore: Send + Sync {
    /// The value under `key`, if any.
    fn get_aux(&self, key: &[u8]) -> ClientResult<Option<Vec<u8>>>;
    /// Store `value` under `key`, synced to disk before it returns.
    fn put_aux(&self, key: &[u8], value: &[u8]) -> ClientResult<()>;
}

impl AuxStore for Database {
    fn get_aux(&self, key: &[u8]) -> ClientResult<Option<Vec<u8>>> {
        Ok(self.get_meta(key)?)
    }

    fn put_aux(&self, key: &[u8], value: &[u8]) -> ClientResult<()> {
        Ok(self.put_meta(key, value)?)
    }
}

impl AuxStore for Client {
    fn get_aux(&self, key: &[u8]) -> ClientResult<Option<Vec<u8>>> {
        self.db.get_aux(key)
    }

    fn put_aux(&self, key: &[u8], value: &[u8]) -> ClientResult<()> {
        self.db.put_aux(key, value)
    }
}

/// Best and finalized heads.
#[derive(Clone, Copy, Debug)]
pub struct ChainInfo {
    pub genesis_hash: H256,
    pub best_hash: H256,
    pub best_number: BlockNumber,
    pub finalized_hash: H256,
    pub finalized_number: BlockNumber,
}

/// An imported block, as announced to subscribers.
#[derive(Clone, Debug)]
pub struct ImportedBlock {
    pub hash: H256,
    pub header: Header,
    pub is_new_best: bool,
    /// Extrinsic hashes in the block, in order.
    pub tx_hashes: Vec<H256>,
    /// Blocks that were on the best chain and no longer are, because this block made a fork
    /// the best chain (highest first). Their transactions go back to the pool.
    pub retracted: Vec<H256>,
    /// The fork's blocks below this one that joined the best chain with it (lowest first).
    pub enacted: Vec<H256>,
    /// Sent by [`Client::finalize`]: finality, not an import, moved the best chain.
    pub by_finality: bool,
}

/// See [`Client::reorg_route`].
struct ReorgRoute {
    canonical: Vec<(BlockNumber, H256)>,
    uncanonical: Option<std::ops::RangeInclusive<BlockNumber>>,
    retracted: Vec<H256>,
    enacted: Vec<H256>,
}

/// Notification channels.
pub struct Notifications {
    /// Every imported block.
    pub imported: broadcast::Sender<ImportedBlock>,
    /// Newly finalized blocks (one message per block, in order).
    pub finalized: broadcast::Sender<(H256, Header)>,
}

/// The chain client.
pub struct Client {
    db: Database,
    spec: ChainSpec,
    info: RwLock<ChainInfo>,
    import_lock: Mutex<()>,
    /// Pruning bookkeeping; changed only under `import_lock`.
    pruner: Mutex<Pruner>,
    /// `AuraApi_slot_duration`, read once: the runtime is compiled into the node, so it cannot
    /// change while the process runs.
    slot_duration_ms: OnceLock<u64>,
    pub notifications: Notifications,
}

/// The `System::Events` storage key: twox128("System") ++ twox128("Events").
pub fn system_events_key() -> Vec<u8> {
    let mut k = sp_crypto_hashing::twox_128(b"System").to_vec();
    k.extend_from_slice(&sp_crypto_hashing::twox_128(b"Events"));
    k
}

/// Decoded event records of a block.
pub type EventRecords = Vec<frame_system::EventRecord<aitbc_runtime::RuntimeEvent, H256>>;

impl Client {
    /// Open the chain in `db` as an archive, writing the genesis block of `spec` if the database
    /// is empty.
    pub fn open(db: Database, spec: ChainSpec) -> anyhow::Result<Arc<Self>> {
        Self::open_with(db, spec, PruningConfig::default())
    }

    /// Open the chain in `db` with the given pruning settings, writing the genesis block of
    /// `spec` if the database is empty.
    pub fn open_with(
        db: Database,
        spec: ChainSpec,
        pruning: PruningConfig,
    ) -> anyhow::Result<Arc<Self>> {
        let fresh = db.genesis_hash()?.is_none();
        let stored_finalized = match db.finalized_hash()? {
            Some(h) => (h, db.header(&h)?.map_or(0, |h| h.number)),
            None => (H256::zero(), 0),
        };
        let pruner = Pruner::open(&db, pruning, fresh, stored_finalized)?;
        let genesis_hash = match db.genesis_hash()? {
            Some(g) => {
                let stored = db.chain_id()?.unwrap_or_default();
                if stored != spec.id {
                    anyhow::bail!(
                        "the database holds chain `{stored}`, not `{}`: use another --base-path or run purge-chain",
                        spec.id
                    );
                }
                g
            }
            None => Self::write_genesis(&db, &spec, &pruner)?,
        };
        let best_hash = db.best_hash()?.unwrap_or(genesis_hash);
        let finalized_hash = db.finalized_hash()?.unwrap_or(genesis_hash);
        let number_of = |h: H256| -> anyhow::Result<BlockNumber> {
            Ok(*db
                .header(&h)?
                .ok_or_else(|| anyhow::anyhow!("database misses header {h:?}"))?
                .number())
        };
        let info = ChainInfo {
            genesis_hash,
            best_number: number_of(best_hash)?,
            best_hash,
            finalized_number: number_of(finalized_hash)?,
            finalized_hash,
        };
        // Room for a sync batch's imports while the pool's maintenance task catches up.
        let (imported, _) = broadcast::channel(1024);
        let (finalized, _) = broadcast::channel(256);
        Ok(Arc::new(Self {
            db,
            spec,
            info: RwLock::new(info),
            import_lock: Mutex::new(()),
            pruner: Mutex::new(pruner),
            slot_duration_ms: OnceLock::new(),
            notifications: Notifications {
                imported,
                finalized,
            },
        }))
    }

    /// The genesis block of `spec` and its state.
    pub fn genesis_block(db: &Database, spec: &ChainSpec) -> anyhow::Result<(Block, StateChanges)> {
        let storage = spec.genesis_storage()?;
        let empty_root = sp_trie::empty_trie_root::<sp_trie::LayoutV1<Hasher>>();
        let backend = executor::state_at(db, empty_root);
        let mut overlay = OverlayedChanges::<Hasher>::default();
        for (k, v) in storage.top {
            overlay.set_storage(k, Some(v));
        }
        let changes = executor::drain_changes(&backend, &mut overlay)?;
        let extrinsics_root = Hasher::ordered_trie_root(Vec::new(), StateVersion::V1);
        let header = Header::new(
            0,
            extrinsics_root,
            changes.root,
            H256::zero(),
            Default::default(),
        );
        Ok((
            <Block as sp_runtime::traits::Block>::new(header, vec![]),
            changes,
        ))
    }

    fn write_genesis(db: &Database, spec: &ChainSpec, pruner: &Pruner) -> anyhow::Result<H256> {
        let (block, changes) = Self::genesis_block(db, spec)?;
        let hash = block.header.hash();
        let mut pruning = PruneOps::default();
        pruner.on_genesis(&mut pruning, &changes.nodes);
        db.init_genesis(
            &spec.id,
            BlockCommit {
                block: Some((block, None)),
                state_nodes: changes.nodes,
                new_best: Some((hash, vec![(0, hash)])),
                finalized: Some((hash, None)),
                uncanonical: None,
                pruning,
            },
            hash,
        )?;
        tracing::info!(target: "aitbc", "🌱 Initialised chain `{}` with genesis {hash:?}", spec.id);
        Ok(hash)
    }

    /// The chain specification.
    pub fn spec(&self) -> &ChainSpec {
        &self.spec
    }

    /// The database.
    pub fn db(&self) -> &Database {
        &self.db
    }

    /// Best and finalized heads.
    pub fn info(&self) -> ChainInfo {
        *self.info.read()
    }

    /// Header by hash.
    pub fn header(&self, hash: &H256) -> ClientResult<Option<Header>> {
        Ok(self.db.header(hash)?)
    }

    /// Header by hash, or an error naming the unknown block.
    pub fn expect_header(&self, hash: &H256) -> ClientResult<Header> {
        self.header(hash)?.ok_or(ClientError::UnknownBlock(*hash))
    }

    /// Full block by hash.
    pub fn block(&self, hash: &H256) -> ClientResult<Option<Block>> {
        let Some(header) = self.db.header(hash)? else {
            return Ok(None);
        };
        // A pruned body (--blocks-pruning): the block cannot be served whole.
        let Some(body) = self.db.body(hash)? else {
            return Ok(None);
        };
        Ok(Some(<Block as sp_runtime::traits::Block>::new(
            header, body,
        )))
    }

    /// Justifications of a block.
    pub fn justifications(&self, hash: &H256) -> ClientResult<Option<Justifications>> {
        Ok(self.db.justifications(hash)?)
    }

    /// Canonical hash at a height.
    pub fn hash_at(&self, number: BlockNumber) -> ClientResult<Option<H256>> {
        if number > self.info().best_number {
            return Ok(None);
        }
        Ok(self.db.hash_at(number)?)
    }

    /// Where an extrinsic was included: (block hash, index).
    pub fn tx_location(&self, tx_hash: &H256) -> ClientResult<Option<(H256, u32)>> {
        Ok(self.db.tx_location(tx_hash)?)
    }

    /// The state of block `at`, or [`ClientError::StatePruned`] when pruning discarded it.
    pub fn state_at(&self, at: &H256) -> ClientResult<(Header, StateBackend)> {
        let header = self.expect_header(at)?;
        let kept = {
            let pruner = self.pruner.lock();
            pruner.config().state == crate::pruning::PruningMode::Archive || {
                let canonical = self.db.hash_at(header.number)? == Some(*at);
                pruner.state_kept(at, header.number, canonical, self.info().finalized_number)
            }
        };
        if !kept {
            return Err(ClientError::StatePruned(*at));
        }
        let backend = executor::state_at(&self.db, *header.state_root());
        Ok((header, backend))
    }

    /// Call a runtime API at block `at`; changes are discarded.
    pub fn call(&self, at: &H256, method: &str, args: &[u8]) -> ClientResult<Vec<u8>> {
        let (_, backend) = self.state_at(at)?;
        let mut overlay = OverlayedChanges::default();
        Ok(executor::call_in_overlay(
            &backend,
            &mut overlay,
            method,
            args,
        )?)
    }

    /// Call a runtime API at `at` and decode the result.
    pub fn call_decode<R: Decode>(
        &self,
        at: &H256,
        method: &str,
        args: impl Encode,
    ) -> ClientResult<R> {
        let out = self.call(at, method, &args.encode())?;
        R::decode(&mut &out[..]).map_err(|_| ExecError::BadResult(method.to_string()).into())
    }

    /// The Aura slot duration in milliseconds (at least 1).
    pub fn slot_duration_ms(&self) -> ClientResult<u64> {
        if let Some(ms) = self.slot_duration_ms.get() {
            return Ok(*ms);
        }
        let ms = self
            .runtime_api(self.info().best_hash)
            .aura_slot_duration()?
            .as_millis()
            .max(1);
        Ok(*self.slot_duration_ms.get_or_init(|| ms))
    }

    /// The runtime version at `at`.
    pub fn runtime_version(&self, at: &H256) -> ClientResult<sp_version::RuntimeVersion> {
        self.runtime_api(*at).version()
    }

    /// The typed runtime API at block `at`.
    pub fn runtime_api(&self, at: H256) -> crate::runtime_api::RuntimeApiAt<'_> {
        crate::runtime_api::RuntimeApiAt::new(self, at)
    }

    /// A storage value at `at`.
    pub fn storage(&self, at: &H256, key: &[u8]) -> ClientResult<Option<Vec<u8>>> {
        let (_, backend) = self.state_at(at)?;
        backend
            .storage(key)
            .map_err(|e| ClientError::Other(e.to_string()))
    }

    /// Up to `count` storage keys under `prefix` at `at`, strictly after `start_after`.
    pub fn storage_keys(
        &self,
        at: &H256,
        prefix: &[u8],
        start_after: Option<&[u8]>,
        count: usize,
    ) -> ClientResult<Vec<Vec<u8>>> {
        let (_, backend) = self.state_at(at)?;
        let mut args = sp_state_machine::IterArgs::default();
        args.prefix = Some(prefix);
        args.start_at = start_after;
        args.start_at_exclusive = true;
        let iter = backend
            .keys(args)
            .map_err(|e| ClientError::Other(e.to_string()))?;
        let mut out = Vec::new();
        for key in iter.take(count) {
            out.push(key.map_err(|e| ClientError::Other(e.to_string()))?);
        }
        Ok(out)
    }

    /// A Merkle read proof of `keys` at `at`.
    pub fn read_proof(&self, at: &H256, keys: &[Vec<u8>]) -> ClientResult<Vec<Vec<u8>>> {
        let (_, backend) = self.state_at(at)?;
        let proof = sp_state_machine::prove_read(backend, keys)
            .map_err(|e| ClientError::Other(e.to_string()))?;
        Ok(proof.into_iter_nodes().collect())
    }

    /// The events emitted in block `at`.
    pub fn events(&self, at: &H256) -> ClientResult<EventRecords> {
        match self.storage(at, &system_events_key())? {
            Some(raw) => EventRecords::decode(&mut &raw[..])
                .map_err(|e| ClientError::Other(format!("cannot decode events of {at:?}: {e}"))),
            None => Ok(vec![]),
        }
    }

    /// Execute `block` on its parent's state and return the state changes, checking its roots.
    pub fn execute_block(&self, block: &Block) -> ClientResult<StateChanges> {
        if self.header(block.header.parent_hash())?.is_none() {
            return Err(ClientError::UnknownParent {
                parent: *block.header.parent_hash(),
                number: block.header.number,
            });
        }
        let (_, backend) = self.state_at(block.header.parent_hash())?;
        let mut overlay = OverlayedChanges::<Hasher>::default();
        // The runtime executes the pre-seal header: the author's seal is not part of it.
        let mut unsealed = block.clone();
        unsealed
            .header
            .digest
            .logs
            .retain(|d| !matches!(d, sp_runtime::generic::DigestItem::Seal(..)));
        BlockBuilderApi::new(&backend, &mut overlay).execute_block(&unsealed)?;
        let changes = executor::drain_changes(&backend, &mut overlay)?;
        if changes.root != *block.header.state_root() {
            return Err(ClientError::StateRootMismatch {
                number: block.header.number,
                expected: *block.header.state_root(),
                got: changes.root,
            });
        }
        Ok(changes)
    }

    /// Import a block. `changes` are the state changes of an authored block; `None` re-executes.
    /// With `finalize`, the block is finalized in the same atomic write.
    pub fn import_block(
        &self,
        block: Block,
        changes: Option<StateChanges>,
        justifications: Option<Justifications>,
        finalize: bool,
    ) -> ClientResult<ImportedBlock> {
        let _guard = self.import_lock.lock();
        let hash = block.header.hash();
        let number = block.header.number;
        let changes = match changes {
            Some(c) => c,
            None => self.execute_block(&block)?,
        };
        let info = self.info();
        if finalize && !self.is_ancestor_or_equal(&info.finalized_hash, &block.header)? {
            return Err(ClientError::NotDescendantOfFinalized(hash));
        }
        // Longest chain, except that a block being finalized becomes best even when it is not
        // the highest: best always descends from the finalized block.
        let is_new_best = number > info.best_number || finalize;
        let route = if is_new_best {
            Some(self.reorg_route(&block.header, &info)?)
        } else {
            None
        };
        let tx_hashes = block
            .extrinsics
            .iter()
            .map(crate::types::extrinsic_hash)
            .collect();
        let header = block.header.clone();
        let (new_best, uncanonical, retracted, enacted) = match route {
            Some(r) => (
                Some((hash, r.canonical)),
                r.uncanonical,
                r.retracted,
                r.enacted,
            ),
            None => (None, None, Vec::new(), Vec::new()),
        };
        let mut pruner = self.pruner.lock();
        let canon = new_best.as_ref().map(|(_, c)| c.as_slice()).unwrap_or(&[]);
        let (next_pruner, pruning) =
            self.prune_on_import(&pruner, &header, &changes, finalize, canon)?;
        self.db.commit(BlockCommit {
            block: Some((block, justifications)),
            state_nodes: changes.nodes,
            new_best,
            finalized: finalize.then_some((hash, None)),
            uncanonical,
            pruning,
        })?;
        *pruner = next_pruner;
        let newly_finalized = self.move_heads(hash, number, is_new_best, finalize);
        // Readers check the pruner against `info`: both change before either is read again.
        drop(pruner);
        let imported = ImportedBlock {
            hash,
            header: header.clone(),
            is_new_best,
            tx_hashes,
            retracted,
            enacted,
            by_finality: false,
        };
        let _ = self.notifications.imported.send(imported.clone());
        if let Some(from) = newly_finalized {
            self.announce_finalized(from, number)?;
        }
        Ok(imported)
    }

    /// What importing `header` (with its state `changes`, finalized or not) does to the pruning
    /// bookkeeping: the bookkeeping after the commit, and the commit's pruning writes. `canon`
    /// is the canonical route the commit writes.
    fn prune_on_import(
        &self,
        pruner: &Pruner,
        header: &Header,
        changes: &StateChanges,
        finalize: bool,
        canon: &[(BlockNumber, H256)],
    ) -> ClientResult<(Pruner, PruneOps)> {
        let (hash, number) = (header.hash(), header.number);
        let mut next = pruner.clone();
        let mut ops = PruneOps::default();
        // A block imported twice must not be journaled (and hold its nodes) twice.
        if self.db.header(&hash)?.is_none() {
            next.on_import(
                &mut ops,
                hash,
                number,
                *header.parent_hash(),
                &changes.nodes,
                &changes.deleted,
            );
        }
        if finalize {
            next.on_finalize(&self.db, &mut ops, (hash, number), |n| {
                self.canonical_after(canon, n)
            })?;
        }
        Ok((next, ops))
    }

    /// Record a new best and/or finalized head; returns the previous finalized number when
    /// `finalize`.
    fn move_heads(
        &self,
        hash: H256,
        number: BlockNumber,
        is_new_best: bool,
        finalize: bool,
    ) -> Option<BlockNumber> {
        let mut i = self.info.write();
        if is_new_best {
            i.best_hash = hash;
            i.best_number = number;
        }
        if !finalize {
            return None;
        }
        let from = i.finalized_number;
        i.finalized_hash = hash;
        i.finalized_number = number;
        Some(from)
    }

    /// What making `header` the best block changes: the canonical entries to (re)write, the
    /// heights above it that leave the canonical chain, the best chain's blocks that leave it
    /// (highest first) and the fork's blocks below `header` that join it (lowest first).
    fn reorg_route(&self, header: &Header, info: &ChainInfo) -> ClientResult<ReorgRoute> {
        let number = header.number;
        let canonical = self.canonical_route(header)?;
        let mut retracted = Vec::new();
        for n in (number.saturating_add(1)..=info.best_number).rev() {
            if let Some(old) = self.db.hash_at(n)? {
                retracted.push(old);
            }
        }
        for (n, _) in canonical.iter().filter(|(n, _)| *n <= info.best_number) {
            if let Some(old) = self.db.hash_at(*n)? {
                retracted.push(old);
            }
        }
        let enacted = canonical.iter().skip(1).rev().map(|(_, h)| *h).collect();
        let uncanonical =
            (number < info.best_number).then(|| number.saturating_add(1)..=info.best_number);
        Ok(ReorgRoute {
            canonical,
            uncanonical,
            retracted,
            enacted,
        })
    }

    /// Finalize an already imported block, storing its justification. A block that is not on
    /// the best chain becomes best in the same write (its chain replaces the best chain), so
    /// best always descends from finalized and every finalized notification names a canonical
    /// block; the returned [`ImportedBlock`] then says which blocks left the best chain.
    pub fn finalize(
        &self,
        hash: H256,
        justifications: Option<Justifications>,
    ) -> ClientResult<Option<ImportedBlock>> {
        let _guard = self.import_lock.lock();
        let header = self.expect_header(&hash)?;
        let info = self.info();
        if *header.number() <= info.finalized_number {
            return Ok(None);
        }
        if !self.is_ancestor_or_equal(&info.finalized_hash, &header)? {
            return Err(ClientError::NotDescendantOfFinalized(hash));
        }
        let canonical = self.db.hash_at(*header.number())? == Some(hash);
        let route = if canonical {
            None
        } else {
            Some(self.reorg_route(&header, &info)?)
        };
        let (new_best, uncanonical, reorg) = match route {
            Some(r) => {
                let tx_hashes = self
                    .block(&hash)?
                    .map(|b| {
                        b.extrinsics
                            .iter()
                            .map(crate::types::extrinsic_hash)
                            .collect()
                    })
                    .unwrap_or_default();
                let reorg = ImportedBlock {
                    hash,
                    header: header.clone(),
                    is_new_best: true,
                    tx_hashes,
                    retracted: r.retracted,
                    enacted: r.enacted,
                    by_finality: true,
                };
                (Some((hash, r.canonical)), r.uncanonical, Some(reorg))
            }
            None => (None, None, None),
        };
        let mut pruner = self.pruner.lock();
        let mut next_pruner = pruner.clone();
        let mut pruning = PruneOps::default();
        {
            let canon = new_best.as_ref().map(|(_, c)| c.as_slice()).unwrap_or(&[]);
            next_pruner.on_finalize(&self.db, &mut pruning, (hash, *header.number()), |n| {
                self.canonical_after(canon, n)
            })?;
        }
        self.db.commit(BlockCommit {
            finalized: Some((hash, justifications)),
            new_best,
            uncanonical,
            pruning,
            ..Default::default()
        })?;
        *pruner = next_pruner;
        self.move_heads(hash, *header.number(), reorg.is_some(), true);
        drop(pruner);
        if let Some(r) = &reorg {
            tracing::info!(
                "♻️  Finality moved the best chain to #{} ({hash:?}), retracting {} blocks",
                header.number(),
                r.retracted.len()
            );
            let _ = self.notifications.imported.send(r.clone());
        }
        self.announce_finalized(info.finalized_number, *header.number())?;
        Ok(reorg)
    }

    fn announce_finalized(&self, from_exclusive: BlockNumber, to: BlockNumber) -> ClientResult<()> {
        for n in from_exclusive.saturating_add(1)..=to {
            if let Some(h) = self.db.hash_at(n)? {
                if let Some(header) = self.db.header(&h)? {
                    let _ = self.notifications.finalized.send((h, header));
                }
            }
        }
        Ok(())
    }

    /// The canonical hash at `number` once `route` (from [`Self::canonical_route`]) is written.
    fn canonical_after(
        &self,
        route: &[(BlockNumber, H256)],
        number: BlockNumber,
    ) -> DbResult<Option<H256>> {
        match route.iter().find(|(n, _)| *n == number) {
            Some((_, h)) => Ok(Some(*h)),
            None => self.db.hash_at(number),
        }
    }

    /// The lowest block whose state is kept, and the highest block whose body was pruned.
    pub fn pruning_horizon(&self) -> (BlockNumber, Option<BlockNumber>) {
        let p = self.pruner.lock();
        (p.state_base(), p.bodies_pruned_to())
    }

    /// The (number, hash) pairs that become canonical when `header` becomes best.
    fn canonical_route(&self, header: &Header) -> ClientResult<Vec<(BlockNumber, H256)>> {
        let mut route = vec![(header.number, header.hash())];
        let mut parent_hash = *header.parent_hash();
        let mut n = header.number;
        while n > 0 {
            n -= 1;
            if self.db.hash_at(n)? == Some(parent_hash) {
                break;
            }
            route.push((n, parent_hash));
            parent_hash = *self.expect_header(&parent_hash)?.parent_hash();
        }
        Ok(route)
    }

    /// Whether `ancestor` is `header` itself or one of its ancestors. `header` need not be
    /// imported yet, but its ancestors down to `ancestor`'s height must be. When `ancestor` is
    /// canonical the walk stops at the first canonical block, so it costs one lookup for a block
    /// on the best chain, and the length of the fork otherwise.
    pub fn is_ancestor_or_equal(&self, ancestor: &H256, header: &Header) -> ClientResult<bool> {
        let target = self.expect_header(ancestor)?;
        let ancestor_is_canonical = self.db.hash_at(target.number)? == Some(*ancestor);
        let mut current = header.clone();
        while current.number > target.number {
            if ancestor_is_canonical && self.db.hash_at(current.number)? == Some(current.hash()) {
                return Ok(true);
            }
            current = self.expect_header(current.parent_hash())?;
        }
        Ok(current.hash() == *ancestor)
    }

    /// Apply an extrinsic on top of block `at` without keeping the result; returns the encoded
    /// `ApplyExtrinsicResult`.
    pub fn dry_run(&self, at: &H256, xt: &[u8]) -> ClientResult<Vec<u8>> {
        let (parent, backend) = self.state_at(at)?;
        let mut overlay = OverlayedChanges::<Hasher>::default();
        // Pretend to be the next slot's block: Aura requires the slot to increase.
        let slot = crate::authoring::header_slot(&parent)
            .map(|s| u64::from(s) + 1)
            .unwrap_or(1);
        let digest = sp_runtime::generic::Digest {
            logs: vec![sp_runtime::generic::DigestItem::PreRuntime(
                sp_consensus_aura::AURA_ENGINE_ID,
                sp_consensus_aura::Slot::from(slot).encode(),
            )],
        };
        let header = Header::new(
            parent.number + 1,
            Default::default(),
            Default::default(),
            *at,
            digest,
        );
        let mut api = BlockBuilderApi::new(&backend, &mut overlay);
        api.initialize_block(&header)?;
        Ok(api.apply_extrinsic_raw(xt)?)
    }

    /// Decode an extrinsic from its encoding.
    pub fn decode_extrinsic(bytes: &[u8]) -> Result<Extrinsic, codec::Error> {
        aitbc_wire::decode::decode_extrinsic(bytes)
    }
}
