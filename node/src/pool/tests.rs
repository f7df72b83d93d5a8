//! Pool behaviour against a real dev chain (RocksDB, the runtime's validation), and the pool's
//! own bookkeeping (queues, ordering, maintenance) against a model chain without storage.

use super::*;
use crate::{chain_spec::ChainSpec, db::Database};
use sp_keyring::Sr25519Keyring;

fn pool(limits: PoolLimits) -> (tempfile::TempDir, Arc<TxPool>) {
    let dir = tempfile::tempdir().expect("tmp");
    let db = Database::open(&dir.path().join("db")).expect("db");
    let client = Client::open(db, ChainSpec::preset("dev").expect("dev")).expect("client");
    (dir, TxPool::new(client, limits))
}

/// A signed `System::remark` by `who` with `nonce` and `tip`.
fn remark(pool: &TxPool, who: Sr25519Keyring, nonce: u32, tip: u128, text: &[u8]) -> Vec<u8> {
    signed_remark(pool.chain.info().genesis_hash, who, nonce, tip, text)
}

fn signed_remark(
    genesis_hash: H256,
    who: Sr25519Keyring,
    nonce: u32,
    tip: u128,
    text: &[u8],
) -> Vec<u8> {
    let call = aitbc_runtime::RuntimeCall::System(frame_system::Call::remark {
        remark: text.to_vec(),
    });
    crate::testing::signed_for(genesis_hash, who, nonce, tip, call)
}

#[test]
fn one_sender_cannot_fill_the_future_queue() {
    let limits = PoolLimits {
        future_per_sender: 8,
        ..PoolLimits::default()
    };
    let (_dir, pool) = pool(limits);
    // Nonces 1..=8 wait for nonce 0; the ninth waiting one is refused.
    for nonce in 1..=8 {
        let xt = remark(&pool, Sr25519Keyring::Bob, nonce, 0, b"wait");
        pool.submit(xt, TransactionSource::External)
            .expect("future accepted");
    }
    let ninth = remark(&pool, Sr25519Keyring::Bob, 9, 0, b"wait");
    assert!(matches!(
        pool.submit(ninth, TransactionSource::External),
        Err(PoolError::ImmediatelyDropped)
    ));
    // Another sender still gets in.
    let other = remark(&pool, Sr25519Keyring::Charlie, 1, 0, b"wait");
    pool.submit(other, TransactionSource::External)
        .expect("other sender");
    assert_eq!(pool.len(), (0, 9));
}

#[test]
fn future_queue_is_bounded_by_bytes() {
    let limits = PoolLimits {
        future_bytes: 4096,
        ..PoolLimits::default()
    };
    let (_dir, pool) = pool(limits);
    let big = remark(&pool, Sr25519Keyring::Bob, 1, 0, &[7u8; 3000]);
    pool.submit(big, TransactionSource::External).expect("fits");
    let another = remark(&pool, Sr25519Keyring::Bob, 2, 0, &[7u8; 3000]);
    assert!(matches!(
        pool.submit(another, TransactionSource::External),
        Err(PoolError::ImmediatelyDropped)
    ));
}

#[test]
fn a_waiting_transaction_is_replaced_only_by_a_higher_tip() {
    let (_dir, pool) = pool(PoolLimits::default());
    let first = remark(&pool, Sr25519Keyring::Bob, 1, 0, b"first");
    let first_hash = pool
        .submit(first, TransactionSource::External)
        .expect("future");
    // Same sender and nonce, same priority: a duplicate, refused.
    let same = remark(&pool, Sr25519Keyring::Bob, 1, 0, b"same");
    assert!(matches!(
        pool.submit(same, TransactionSource::External),
        Err(PoolError::TooLowPriority { .. })
    ));
    // A higher tip replaces it.
    let tipped = remark(&pool, Sr25519Keyring::Bob, 1, aitbc_runtime::AIT, b"tipped");
    pool.submit(tipped, TransactionSource::External)
        .expect("replaces");
    assert!(!pool.contains(&first_hash));
    assert_eq!(pool.len(), (0, 1));
}

/// A model chain: accounts' nonces and a best block, no storage and no signature checks. A
/// signed transaction with nonce n provides (sender, n) and requires (sender, n - 1) above the
/// account's nonce; one below it is stale.
#[derive(Default)]
struct ModelChain {
    best: parking_lot::Mutex<(H256, BlockNumber)>,
    nonces: parking_lot::Mutex<HashMap<aitbc_runtime::AccountId, u32>>,
}

impl PoolChain for ModelChain {
    fn best(&self) -> (H256, BlockNumber) {
        *self.best.lock()
    }

    fn validate(
        &self,
        _at: H256,
        _source: TransactionSource,
        xt: &Extrinsic,
    ) -> Result<TransactionValidity, String> {
        use codec::Encode;
        use sp_runtime::transaction_validity::{InvalidTransaction, ValidTransaction};
        let sp_runtime::generic::Preamble::Signed(sp_runtime::MultiAddress::Id(who), _, ext) =
            &xt.preamble
        else {
            return Ok(Err(InvalidTransaction::Call.into()));
        };
        let nonce = ext.5 .0;
        let current = self.nonces.lock().get(who).copied().unwrap_or(0);
        if nonce < current {
            return Ok(Err(InvalidTransaction::Stale.into()));
        }
        Ok(Ok(ValidTransaction {
            priority: 1,
            requires: if nonce > current {
                vec![(who, nonce - 1).encode()]
            } else {
                vec![]
            },
            provides: vec![(who, nonce).encode()],
            longevity: 64,
            propagate: true,
        }))
    }

    fn account_nonce(
        &self,
        _at: H256,
        who: &aitbc_runtime::AccountId,
    ) -> Result<aitbc_runtime::Nonce, String> {
        Ok(self.nonces.lock().get(who).copied().unwrap_or(0))
    }

    fn block_body(&self, _block: &H256) -> Result<Option<Vec<Extrinsic>>, String> {
        Ok(None)
    }
}

fn model_remark(who: Sr25519Keyring, nonce: u32) -> Vec<u8> {
    signed_remark(H256::zero(), who, nonce, 0, b"model")
}

#[test]
fn a_nonce_gap_waits_and_the_chain_becomes_ready_in_nonce_order() {
    let pool = TxPool::new(Arc::new(ModelChain::default()), PoolLimits::default());
    let submit = |nonce| {
        pool.submit(
            model_remark(Sr25519Keyring::Bob, nonce),
            TransactionSource::External,
        )
        .expect("accepted")
    };
    let (h2, h1) = (submit(2), submit(1));
    assert_eq!(pool.len(), (0, 2), "nonces 1 and 2 wait for 0");
    let h0 = submit(0);
    assert_eq!(pool.len(), (3, 0));
    let order: Vec<H256> = pool.ready_for_block().iter().map(|t| t.hash).collect();
    assert_eq!(order, vec![h0, h1, h2]);
}

#[test]
fn included_transactions_leave_and_their_successors_stay_ready() {
    let chain = Arc::new(ModelChain::default());
    let pool = TxPool::new(chain.clone(), PoolLimits::default());
    let hashes: Vec<H256> = (0..3)
        .map(|nonce| {
            pool.submit(
                model_remark(Sr25519Keyring::Bob, nonce),
                TransactionSource::External,
            )
            .expect("accepted")
        })
        .collect();
    // Block #1 includes nonce 0.
    let block = H256::repeat_byte(1);
    *chain.best.lock() = (block, 1);
    chain
        .nonces
        .lock()
        .insert(Sr25519Keyring::Bob.to_account_id(), 1);
    let header = <crate::types::Header as sp_runtime::traits::Header>::new(
        1,
        H256::zero(),
        H256::zero(),
        H256::zero(),
        Default::default(),
    );
    pool.maintain(&crate::client::ImportedBlock {
        hash: block,
        header,
        is_new_best: true,
        tx_hashes: vec![hashes[0]],
        retracted: vec![],
        enacted: vec![],
        by_finality: false,
    });
    pool.revalidate();
    assert!(!pool.contains(&hashes[0]));
    let order: Vec<H256> = pool.ready_for_block().iter().map(|t| t.hash).collect();
    assert_eq!(order, hashes[1..].to_vec());
    // A late copy of the included transaction is stale.
    assert!(matches!(
        pool.submit(
            model_remark(Sr25519Keyring::Bob, 0),
            TransactionSource::External
        ),
        Err(PoolError::Invalid(_))
    ));
}
