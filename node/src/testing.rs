//! Test chains for the node's unit tests: a dev chain over a temporary RocksDB with a pool whose
//! maintenance task runs as the node's does, a block builder with the single-authority
//! justification, and signed transactions.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use sp_consensus_aura::Slot;
use sp_consensus_grandpa::GRANDPA_ENGINE_ID;
use sp_core::{sr25519, Pair};
use sp_keyring::Sr25519Keyring;

use crate::{
    authoring::{build_block, now_ms},
    chain_spec::ChainSpec,
    client::Client,
    db::Database,
    grandpa::justification as finality,
    keystore::{self, Keystore},
    pool::{PoolLimits, TxPool},
    types::Block,
};

/// A dev chain (Alice authors and finalizes) with its pool and keystore.
pub struct Chain {
    _dir: tempfile::TempDir,
    pub client: Arc<Client>,
    pub pool: Arc<TxPool>,
    pub keystore: Keystore,
    /// Runs the pool's maintenance task, as the node does.
    _maintenance: tokio::runtime::Runtime,
}

/// A fresh dev chain.
pub fn chain() -> Chain {
    let dir = tempfile::tempdir().expect("tmp");
    let db = Database::open(&dir.path().join("db")).expect("db");
    let client = Client::open(db, ChainSpec::preset("dev").expect("dev")).expect("client");
    let pool = TxPool::new(client.clone(), PoolLimits::default());
    let keystore = Keystore::in_memory();
    keystore.add(keystore::GRANDPA, "//Alice").expect("key");
    let maintenance = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("tokio");
    let (tasks, _) = crate::tasks::essential_tasks();
    let notifications = client.notifications.imported.subscribe();
    maintenance.block_on(async {
        crate::pool::spawn_maintenance(&pool, notifications, &tasks);
    });
    Chain {
        _dir: dir,
        client,
        pool,
        keystore,
        _maintenance: maintenance,
    }
}

/// Wait until `on`'s pool has caught up with its best block.
pub fn maintained(on: &Chain) {
    let best = on.client.info().best_hash;
    assert!(
        on.pool.wait_maintained(&best, Duration::from_secs(10)),
        "the pool did not catch up with the best block"
    );
}

/// The current 2-second slot.
pub fn now_slot() -> u64 {
    now_ms() / 2000
}

/// A block by `key` on `on`'s best block for `slot`, with its single-authority justification.
pub fn block(on: &Chain, slot: u64, key: &sr25519::Pair) -> (Block, Option<Vec<u8>>) {
    let parent = on
        .client
        .expect_header(&on.client.info().best_hash)
        .expect("parent");
    let built = build_block(
        &on.client,
        &on.pool,
        &parent,
        Slot::from(slot),
        2000,
        key,
        Instant::now() + Duration::from_secs(5),
    )
    .expect("build");
    let j = finality::single_authority_justification(&on.client, &on.keystore, &built.block.header)
        .expect("justification")
        .and_then(|j| j.into_justification(GRANDPA_ENGINE_ID));
    (built.block, j)
}

/// `call` signed by `who` with `nonce` for `on`'s chain, encoded.
pub fn signed(
    on: &Chain,
    who: Sr25519Keyring,
    nonce: u32,
    call: aitbc_runtime::RuntimeCall,
) -> Vec<u8> {
    signed_for(on.client.info().genesis_hash, who, nonce, 0, call)
}

/// `call` signed by `who` with `nonce` and `tip` for the chain with `genesis_hash`, encoded.
pub fn signed_for(
    genesis_hash: sp_core::H256,
    who: Sr25519Keyring,
    nonce: u32,
    tip: u128,
    call: aitbc_runtime::RuntimeCall,
) -> Vec<u8> {
    let ctx = aitbc_client::tx::ChainInfo {
        genesis_hash,
        spec_version: aitbc_runtime::VERSION.spec_version,
        transaction_version: aitbc_runtime::VERSION.transaction_version,
    };
    let pair = who.pair();
    aitbc_client::tx::build_unsigned(
        call,
        pair.public().into(),
        nonce,
        sp_runtime::generic::Era::Immortal,
        genesis_hash,
        tip,
        ctx,
    )
    .sign(&pair)
    .expect("sign")
    .encoded
}

/// A signed `System::remark` by Bob (nonce 0) for `on`'s chain.
pub fn bob_remark(on: &Chain, remark: &[u8]) -> Vec<u8> {
    let call = aitbc_runtime::RuntimeCall::System(frame_system::Call::remark {
        remark: remark.to_vec(),
    });
    signed(on, Sr25519Keyring::Bob, 0, call)
}
