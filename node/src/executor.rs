//! The native executor: runs runtime API calls against a block's state.
//!
//! Each call runs inside `sp_externalities::set_and_run_with_externalities` over an
//! `sp_state_machine::Ext` whose backend is a `TrieBackend` reading trie nodes from RocksDB.
//! Panics in the runtime are caught and turned into errors.

use std::panic::{catch_unwind, AssertUnwindSafe};

use codec::{Decode, Encode};
use sp_core::{storage::StateVersion, H256};
use sp_state_machine::{
    Ext, OverlayedChanges, TrieBackend, TrieBackendBuilder, TrieBackendStorage,
};
use sp_trie::{prefixed_key, PrefixedMemoryDB};

use crate::{db::Database, types::Hasher};

/// Errors of runtime execution.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("runtime has no API method `{0}`")]
    UnknownMethod(String),
    #[error("runtime panicked in `{method}`: {message}")]
    Panicked { method: String, message: String },
    #[error("could not decode the result of `{0}`")]
    BadResult(String),
    #[error("state error: {0}")]
    State(String),
}

/// Trie node storage backed by the node's RocksDB state column.
#[derive(Clone)]
pub struct DbTrieStorage {
    db: Database,
}

impl DbTrieStorage {
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

impl TrieBackendStorage<Hasher> for DbTrieStorage {
    fn get(&self, key: &H256, prefix: hash_db::Prefix) -> Result<Option<Vec<u8>>, String> {
        self.db
            .state_node(&prefixed_key::<Hasher>(key, prefix))
            .map_err(|e| e.to_string())
    }
}

/// The state of one block, readable by the runtime.
pub type StateBackend = TrieBackend<DbTrieStorage, Hasher>;

/// Build the state backend at `state_root`.
pub fn state_at(db: &Database, state_root: H256) -> StateBackend {
    TrieBackendBuilder::new(DbTrieStorage::new(db.clone()), state_root).build()
}

fn panic_message(e: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = e.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = e.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".into()
    }
}

/// Stack the runtime may use for one call. A call nested [`aitbc_wire::decode::MAX_EXTRINSIC_DEPTH`]
/// levels deep recurses that deep to decode, dispatch and drop; unoptimised FRAME frames are
/// large, so this is far more than the 2 MiB of a tokio worker thread.
pub const RUNTIME_STACK_BYTES: usize = 256 * 1024 * 1024;
/// A call that starts with less stack left than this runs on a fresh [`RUNTIME_STACK_BYTES`]
/// stack. The node's own threads are made with [`RUNTIME_STACK_BYTES`], so only calls from other
/// threads (tests, tools) pay for the switch.
pub const RUNTIME_STACK_RED_ZONE: usize = 128 * 1024 * 1024;

/// Run `f` with at least [`RUNTIME_STACK_RED_ZONE`] bytes of stack.
pub fn with_runtime_stack<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(RUNTIME_STACK_RED_ZONE, RUNTIME_STACK_BYTES, f)
}

/// Run one runtime API method over `overlay` + `backend`. Changes stay in `overlay`.
pub fn call_in_overlay(
    backend: &StateBackend,
    overlay: &mut OverlayedChanges<Hasher>,
    method: &str,
    args: &[u8],
) -> Result<Vec<u8>, ExecError> {
    let mut extensions = sp_externalities::Extensions::default();
    let mut ext = Ext::new(overlay, backend, Some(&mut extensions));
    let result = with_runtime_stack(|| {
        sp_externalities::set_and_run_with_externalities(&mut ext, || {
            catch_unwind(AssertUnwindSafe(|| {
                aitbc_runtime::apis::api::dispatch(method, args)
            }))
        })
    });
    match result {
        Ok(Some(out)) => Ok(out),
        Ok(None) => Err(ExecError::UnknownMethod(method.to_string())),
        Err(e) => Err(ExecError::Panicked {
            method: method.to_string(),
            message: panic_message(e),
        }),
    }
}

/// Run a read-only call at `state_root`; all changes are discarded.
pub fn call_at(
    db: &Database,
    state_root: H256,
    method: &str,
    args: &[u8],
) -> Result<Vec<u8>, ExecError> {
    let backend = state_at(db, state_root);
    let mut overlay = OverlayedChanges::default();
    call_in_overlay(&backend, &mut overlay, method, args)
}

/// Run a read-only call and decode its result.
pub fn call_decode<R: Decode>(
    db: &Database,
    state_root: H256,
    method: &str,
    args: impl Encode,
) -> Result<R, ExecError> {
    let out = call_at(db, state_root, method, &args.encode())?;
    R::decode(&mut &out[..]).map_err(|_| ExecError::BadResult(method.to_string()))
}

/// The outcome of running a block: new state root, the trie nodes to persist, and the nodes of
/// the parent's state that the new state no longer has (used by state pruning only).
pub struct StateChanges {
    pub root: H256,
    pub nodes: TrieNodes,
    pub deleted: Vec<Vec<u8>>,
}

/// Turn an overlay's changes into trie nodes and the new root.
pub fn drain_changes(
    backend: &StateBackend,
    overlay: &mut OverlayedChanges<Hasher>,
) -> Result<StateChanges, ExecError> {
    let changes = overlay
        .drain_storage_changes(backend, StateVersion::V1)
        .map_err(|e| ExecError::State(e.to_string()))?;
    let (nodes, deleted) = memory_db_nodes(changes.transaction);
    Ok(StateChanges {
        root: changes.transaction_storage_root,
        nodes,
        deleted,
    })
}

/// Trie nodes as (prefixed key, encoded node).
pub type TrieNodes = Vec<(Vec<u8>, Vec<u8>)>;

/// The inserted nodes (key, value) and the deleted node keys of a trie transaction. Nodes are
/// shared between blocks, so a deletion only says that this block's state lacks the node; the
/// pruner decides when it can go.
pub fn memory_db_nodes(mut tx: PrefixedMemoryDB<Hasher>) -> (TrieNodes, Vec<Vec<u8>>) {
    let mut inserted = Vec::new();
    let mut deleted = Vec::new();
    for (key, (value, rc)) in tx.drain() {
        match rc {
            rc if rc > 0 => inserted.push((key, value)),
            rc if rc < 0 => deleted.push(key),
            _ => {}
        }
    }
    (inserted, deleted)
}
