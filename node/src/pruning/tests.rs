//! Pruning against a real RocksDB: random fork trees, finalizations in random orders and
//! restarts, checked against a model of every block's state.
//!
//! The blocks are synthetic (no extrinsics; their state changes are storage writes computed on
//! the parent's real state), so the test exercises exactly what pruning touches: trie nodes,
//! journals, reference counts and bodies.

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    sync::Arc,
};

use codec::Encode;
use proptest::{prelude::*, test_runner::TestRunner};
use sp_core::{storage::StateVersion, H256};
use sp_runtime::{
    generic::{Digest, DigestItem},
    traits::{Hash as _, Header as _},
};
use sp_state_machine::OverlayedChanges;
use sp_trie::{PrefixedMemoryDB, TrieMut};

use super::{PruningConfig, PruningMode};
use crate::{
    chain_spec::ChainSpec,
    client::{Client, ClientError},
    db::{col, Database},
    executor,
    types::{Block, Hasher, Header},
};

type State = BTreeMap<Vec<u8>, Vec<u8>>;

/// A client over a real database, and the model: every imported block's full state.
struct Chain {
    dir: tempfile::TempDir,
    config: PruningConfig,
    client: Arc<Client>,
    model: HashMap<H256, State>,
    numbers: HashMap<H256, u32>,
    parents: HashMap<H256, H256>,
    nonce: u32,
}

fn storage_key(k: u8) -> Vec<u8> {
    let mut key = b"pruning-test/".to_vec();
    key.push(k);
    key
}

/// Values from a small set, so that blocks re-create nodes earlier blocks deleted. Odd values
/// are long enough to be stored as separate value nodes (state version 1).
fn storage_value(v: u8) -> Vec<u8> {
    vec![v; if v.is_multiple_of(2) { 4 } else { 40 }]
}

impl Chain {
    fn new(config: PruningConfig) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let client = Self::open_client(&dir, config).expect("client");
        let genesis = client.info().genesis_hash;
        let mut state = State::new();
        for key in client
            .storage_keys(&genesis, &[], None, usize::MAX)
            .expect("genesis keys")
        {
            let value = client
                .storage(&genesis, &key)
                .expect("read")
                .expect("value");
            state.insert(key, value);
        }
        Self {
            dir,
            config,
            client,
            model: HashMap::from([(genesis, state)]),
            numbers: HashMap::from([(genesis, 0)]),
            parents: HashMap::new(),
            nonce: 0,
        }
    }

    fn open_client(dir: &tempfile::TempDir, config: PruningConfig) -> anyhow::Result<Arc<Client>> {
        let db = Database::open(&dir.path().join("db"))?;
        Client::open_with(db, ChainSpec::preset("dev").expect("dev"), config)
    }

    /// Close the database and open it again, as a restarted node does.
    fn restart(&mut self) {
        let genesis = self.client.info().genesis_hash;
        // RocksDB allows one open handle per directory: close the old one first, and keep a
        // throwaway client in its place meanwhile.
        let placeholder = tempfile::tempdir().expect("tmp");
        let old = std::mem::replace(
            &mut self.client,
            Self::open_client(&placeholder, self.config).expect("placeholder"),
        );
        drop(old);
        self.client = Self::open_client(&self.dir, self.config).expect("reopen");
        assert_eq!(self.client.info().genesis_hash, genesis);
    }

    /// Import a child of `parent` that writes `writes` (value `None` deletes the key).
    fn extend(&mut self, parent: H256, writes: &[(u8, Option<u8>)]) -> H256 {
        let (parent_header, backend) = self.client.state_at(&parent).expect("parent state");
        let mut overlay = OverlayedChanges::<Hasher>::default();
        let mut state = self.model[&parent].clone();
        for (k, v) in writes {
            let value = v.map(storage_value);
            overlay.set_storage(storage_key(*k), value.clone());
            match value {
                Some(value) => state.insert(storage_key(*k), value),
                None => state.remove(&storage_key(*k)),
            };
        }
        let changes = executor::drain_changes(&backend, &mut overlay).expect("changes");
        self.nonce += 1;
        let header = Header::new(
            parent_header.number + 1,
            Hasher::ordered_trie_root(Vec::new(), StateVersion::V1),
            changes.root,
            parent,
            Digest {
                logs: vec![DigestItem::Other(self.nonce.encode())],
            },
        );
        let hash = header.hash();
        let block = <Block as sp_runtime::traits::Block>::new(header, vec![]);
        self.client
            .import_block(block, Some(changes), None, false)
            .expect("import");
        self.model.insert(hash, state);
        self.numbers.insert(hash, parent_header.number + 1);
        self.parents.insert(hash, parent);
        hash
    }

    fn is_ancestor_or_equal(&self, ancestor: H256, mut block: H256) -> bool {
        loop {
            if block == ancestor {
                return true;
            }
            match self.parents.get(&block) {
                Some(p) => block = *p,
                None => return false,
            }
        }
    }

    /// Blocks whose state the configuration promises to keep.
    fn must_keep(&self) -> Vec<H256> {
        let info = self.client.info();
        self.model
            .keys()
            .copied()
            .filter(|h| {
                let n = self.numbers[h];
                if self.is_ancestor_or_equal(info.finalized_hash, *h) {
                    return true;
                }
                let canonical = self.is_ancestor_or_equal(*h, info.finalized_hash);
                match self.config.state {
                    PruningMode::Archive => true,
                    PruningMode::ArchiveCanonical => canonical,
                    PruningMode::Window(w) => {
                        canonical && n + w.saturating_sub(1) >= info.finalized_number
                    }
                }
            })
            .collect()
    }

    /// Every state the client still serves equals the model; every state it must keep is
    /// served; and the database holds exactly the trie nodes of the served states.
    fn check(&self) -> Result<(), TestCaseError> {
        let mut expected_nodes = BTreeSet::new();
        let must_keep = self.must_keep();
        for (hash, state) in &self.model {
            match self.client.state_at(hash) {
                Ok(_) => {
                    let keys = self
                        .client
                        .storage_keys(hash, &[], None, usize::MAX)
                        .map_err(|e| TestCaseError::fail(format!("keys at {hash:?}: {e}")))?;
                    prop_assert_eq!(keys.len(), state.len(), "key count at {:?}", hash);
                    for (key, value) in state {
                        let got = self
                            .client
                            .storage(hash, key)
                            .map_err(|e| TestCaseError::fail(format!("read at {hash:?}: {e}")))?;
                        prop_assert_eq!(got.as_ref(), Some(value), "value at {:?}", hash);
                    }
                    expected_nodes.extend(trie_nodes(state));
                }
                Err(ClientError::StatePruned(_)) => {
                    prop_assert!(
                        !must_keep.contains(hash),
                        "state of #{} {:?} was pruned but must be kept",
                        self.numbers[hash],
                        hash
                    );
                }
                Err(e) => return Err(TestCaseError::fail(format!("state of {hash:?}: {e}"))),
            }
        }
        if self.config.state.prunes() {
            let db = self.client.db();
            let stored: BTreeSet<Vec<u8>> = db
                .iter_column(col::STATE)
                .expect("state column")
                .into_iter()
                .map(|(k, _)| k)
                .collect();
            let leaked = stored.difference(&expected_nodes).count();
            let missing = expected_nodes.difference(&stored).count();
            prop_assert_eq!((leaked, missing), (0, 0), "leaked and missing trie nodes");
            let counted: BTreeSet<Vec<u8>> = db
                .iter_column(col::STATE_REFS)
                .expect("refs column")
                .into_iter()
                .map(|(k, _)| k)
                .collect();
            prop_assert_eq!(
                counted,
                stored,
                "every stored node, and only those, is counted"
            );
        }
        Ok(())
    }
}

/// The trie nodes (prefixed keys) of a state, built from scratch.
fn trie_nodes(state: &State) -> Vec<Vec<u8>> {
    let mut mdb = PrefixedMemoryDB::<Hasher>::default();
    let mut root = H256::default();
    {
        let mut trie =
            sp_trie::trie_types::TrieDBMutBuilderV1::<Hasher>::new(&mut mdb, &mut root).build();
        for (k, v) in state {
            trie.insert(k, v).expect("insert");
        }
    }
    mdb.drain()
        .into_iter()
        .filter(|(_, (_, rc))| *rc > 0)
        .map(|(k, _)| k)
        .collect()
}

#[derive(Clone, Debug)]
enum Op {
    /// Extend the unfinalized tree: parent chosen by index among the finalized head and the
    /// blocks above it.
    Extend(usize, Vec<(u8, Option<u8>)>),
    /// Finalize a block chosen among those above the finalized head.
    Finalize(usize),
    Restart,
}

fn op() -> impl Strategy<Value = Op> {
    let write = (0u8..6, proptest::option::weighted(0.8, 0u8..4));
    prop_oneof![
        6 => (any::<usize>(), proptest::collection::vec(write, 0..4))
            .prop_map(|(p, w)| Op::Extend(p, w)),
        3 => any::<usize>().prop_map(Op::Finalize),
        1 => Just(Op::Restart),
    ]
}

fn run(config: PruningConfig, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut chain = Chain::new(config);
    for op in ops {
        let info = chain.client.info();
        let mut live: Vec<H256> = chain
            .model
            .keys()
            .copied()
            .filter(|h| {
                *h != info.finalized_hash && chain.is_ancestor_or_equal(info.finalized_hash, *h)
            })
            .collect();
        live.sort();
        match op {
            Op::Extend(p, writes) => {
                live.push(info.finalized_hash);
                let parent = live[p % live.len()];
                chain.extend(parent, &writes);
            }
            Op::Finalize(i) if !live.is_empty() => {
                let target = live[i % live.len()];
                chain.client.finalize(target, None).expect("finalize");
            }
            Op::Finalize(_) => {}
            Op::Restart => chain.restart(),
        }
        chain.check()?;
    }
    Ok(())
}

fn proptest_config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        // The model check reads every state: keep failing cases small to shrink.
        max_shrink_iters: 256,
        ..ProptestConfig::default()
    }
}

#[test]
fn window_pruning_keeps_exactly_the_states_it_promises() {
    let mut runner = TestRunner::new(proptest_config(24));
    let config = PruningConfig {
        state: PruningMode::Window(2),
        blocks: PruningMode::Archive,
    };
    runner
        .run(&proptest::collection::vec(op(), 1..24), |ops| {
            run(config, ops)
        })
        .expect("window pruning invariants");
}

#[test]
fn archive_canonical_forgets_only_discarded_forks() {
    let mut runner = TestRunner::new(proptest_config(12));
    let config = PruningConfig {
        state: PruningMode::ArchiveCanonical,
        blocks: PruningMode::ArchiveCanonical,
    };
    runner
        .run(&proptest::collection::vec(op(), 1..24), |ops| {
            run(config, ops)
        })
        .expect("archive-canonical invariants");
}

#[test]
fn a_node_that_reinserts_a_deleted_node_keeps_it() {
    // k=1 goes 0 -> 2 -> 0: block 3 re-creates exactly the nodes block 2 deleted, and the
    // window then passes block 2 (whose deletions lose the base's hold).
    let config = PruningConfig {
        state: PruningMode::Window(1),
        blocks: PruningMode::Archive,
    };
    let mut chain = Chain::new(config);
    let mut head = chain.client.info().genesis_hash;
    for writes in [
        vec![(1, Some(0))],
        vec![(1, Some(2))],
        vec![(1, Some(0))],
        vec![(2, Some(1))],
        vec![(3, Some(3))],
    ] {
        head = chain.extend(head, &writes);
        chain.client.finalize(head, None).expect("finalize");
        chain.check().expect("invariants");
    }
    let info = chain.client.info();
    assert_eq!(info.finalized_number, 5);
    let genesis = info.genesis_hash;
    assert!(matches!(
        chain.client.storage(&genesis, b"x"),
        Err(ClientError::StatePruned(_))
    ));
    let message = chain
        .client
        .call(&genesis, "Core_version", &[])
        .map(|_| ())
        .expect_err("pruned");
    assert!(
        message
            .to_string()
            .starts_with("State already discarded for"),
        "{message}"
    );
}

/// Open (or create) the dev chain in `dir` with state pruning `state`.
fn open_with_state(dir: &tempfile::TempDir, state: PruningMode) -> anyhow::Result<()> {
    let db = Database::open(&dir.path().join("db"))?;
    let config = PruningConfig {
        state,
        blocks: PruningMode::Archive,
    };
    Client::open_with(db, ChainSpec::preset("dev").expect("dev"), config).map(|_| ())
}

#[test]
fn an_archive_database_cannot_start_pruning_nor_a_pruned_one_become_an_archive() {
    let archive = tempfile::tempdir().expect("tmp");
    open_with_state(&archive, PruningMode::Archive).expect("created as an archive");
    let err = open_with_state(&archive, PruningMode::Window(64)).expect_err("archive -> pruned");
    assert!(err.to_string().contains("--state-pruning archive"), "{err}");
    let pruned = tempfile::tempdir().expect("tmp");
    open_with_state(&pruned, PruningMode::Window(64)).expect("created pruned");
    open_with_state(&pruned, PruningMode::ArchiveCanonical).expect("another pruning mode is fine");
    let err = open_with_state(&pruned, PruningMode::Archive).expect_err("pruned -> archive");
    assert!(err.to_string().contains("cannot run with"), "{err}");
}

#[test]
fn blocks_pruning_deletes_old_bodies_but_keeps_headers_and_recent_blocks() {
    let config = PruningConfig {
        state: PruningMode::Archive,
        blocks: PruningMode::Window(2),
    };
    let mut chain = Chain::new(config);
    let genesis = chain.client.info().genesis_hash;
    let mut canonical = vec![genesis];
    for i in 0..6u8 {
        let head = chain.extend(*canonical.last().expect("head"), &[(i, Some(1))]);
        canonical.push(head);
    }
    // A fork off #3, discarded when #5 is finalized; its body goes one finalization later.
    let fork = chain.extend(canonical[3], &[(9, Some(3))]);
    chain
        .client
        .finalize(canonical[5], None)
        .expect("finalize #5");
    assert!(chain.client.block(&fork).expect("read").is_some());
    chain
        .client
        .finalize(canonical[6], None)
        .expect("finalize #6");
    assert!(
        chain.client.block(&fork).expect("read").is_none(),
        "fork body pruned"
    );
    assert!(
        chain.client.header(&fork).expect("read").is_some(),
        "fork header kept"
    );
    for (n, hash) in canonical.iter().enumerate() {
        let body = chain.client.block(hash).expect("read");
        // Finalized #6 keeps the last two, #5 and #6; genesis keeps its (empty) body.
        assert_eq!(body.is_some(), n == 0 || n >= 5, "body of #{n}");
        assert!(
            chain.client.header(hash).expect("read").is_some(),
            "header of #{n}"
        );
    }
    assert_eq!(chain.client.pruning_horizon().1, Some(4));
    // Pruning is remembered across restarts.
    chain.restart();
    let next = chain.extend(canonical[6], &[(1, Some(2))]);
    chain.client.finalize(next, None).expect("finalize #7");
    assert!(chain.client.block(&canonical[5]).expect("read").is_none());
    assert!(chain.client.block(&canonical[6]).expect("read").is_some());
}
