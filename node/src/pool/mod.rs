//! The transaction pool.
//!
//! Transactions are validated through the runtime's `TaggedTransactionQueue` at the best block.
//! A transaction whose `requires` tags are all provided (by the chain or by ready transactions)
//! is *ready*; otherwise it waits in the *future* queue (e.g. a nonce gap). Block authorship takes
//! ready transactions by priority, always after the transactions they depend on. After each
//! imported block, included and stale transactions leave the pool, futures are promoted and a
//! bounded batch is re-validated. Invalid transactions are banned for a while.

use std::{
    cmp::Reverse,
    collections::{BinaryHeap, HashMap, HashSet},
    sync::Arc,
    time::{Duration, Instant},
};

use parking_lot::{Condvar, Mutex};
use sp_core::H256;
use sp_runtime::transaction_validity::{
    TransactionPriority, TransactionSource, TransactionTag, TransactionValidity,
    TransactionValidityError,
};
use tokio::sync::broadcast;

mod chain;
mod maintenance;
#[cfg(test)]
mod tests;

pub use chain::PoolChain;
pub use maintenance::spawn_maintenance;

use crate::{
    client::Client,
    types::{bytes_hash, BlockNumber, Extrinsic},
};

/// Lifecycle events of a pool transaction, as `author_extrinsicUpdate` reports them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TxStatus {
    Future,
    Ready,
    InBlock(H256),
    /// The block that contained it left the best chain.
    Retracted(H256),
    Usurped(H256),
    Dropped,
    Invalid,
}

/// Why a transaction was refused; maps to Substrate's author RPC error codes.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PoolError {
    #[error("Extrinsic has invalid format: {0}")]
    BadFormat(String),
    #[error("Verification Error: {0}")]
    Verification(String),
    #[error("Invalid Transaction: {0}")]
    Invalid(String),
    #[error("Unknown Transaction Validity: {0}")]
    UnknownValidity(String),
    #[error("Transaction is temporarily banned")]
    TemporarilyBanned,
    #[error("Transaction Already Imported")]
    AlreadyImported,
    #[error("Priority is too low: ({old} vs {new})")]
    TooLowPriority { old: u64, new: u64 },
    #[error("Transaction couldn't enter the pool because of the limit")]
    ImmediatelyDropped,
}

impl PoolError {
    /// Whether the transaction itself is malformed or forged (as opposed to merely outdated,
    /// unpayable now, or a duplicate, which an honest peer can also send).
    pub fn is_malformed(&self) -> bool {
        match self {
            PoolError::BadFormat(_) => true,
            PoolError::Invalid(reason) => reason.contains("bad signature"),
            _ => false,
        }
    }

    /// Substrate's JSON-RPC error code for this error.
    pub fn code(&self) -> i32 {
        match self {
            PoolError::BadFormat(_) => 1001,
            PoolError::Verification(_) => 1002,
            PoolError::Invalid(_) => 1010,
            PoolError::UnknownValidity(_) => 1011,
            PoolError::TemporarilyBanned => 1012,
            PoolError::AlreadyImported => 1013,
            PoolError::TooLowPriority { .. } => 1014,
            PoolError::ImmediatelyDropped => 1016,
        }
    }
}

/// How far ahead of an account's nonce a transaction may be.
pub const MAX_FUTURE_NONCE_GAP: u32 = 256;

/// Pool limits.
#[derive(Clone, Debug)]
pub struct PoolLimits {
    /// Max ready transactions.
    pub ready_count: usize,
    /// Max bytes of ready transactions.
    pub ready_bytes: usize,
    /// Max future transactions.
    pub future_count: usize,
    /// Max bytes of future transactions.
    pub future_bytes: usize,
    /// Max future transactions of one sender.
    pub future_per_sender: usize,
    /// Blocks a future transaction may wait for its missing nonces before it is dropped.
    pub future_lifetime: BlockNumber,
    /// Max size of one transaction.
    pub max_tx_bytes: usize,
    /// How long an invalid transaction stays banned.
    pub ban_time: Duration,
    /// Ready transactions re-validated after each block.
    pub revalidate_batch: usize,
}

impl Default for PoolLimits {
    fn default() -> Self {
        Self {
            ready_count: 32_768,
            ready_bytes: 32 * 1024 * 1024,
            future_count: 4_096,
            future_bytes: 16 * 1024 * 1024,
            future_per_sender: 64,
            future_lifetime: 64,
            max_tx_bytes: 4 * 1024 * 1024,
            ban_time: Duration::from_secs(30 * 60),
            revalidate_batch: 512,
        }
    }
}

/// A transaction in the pool.
#[derive(Clone)]
pub struct PoolTx {
    pub hash: H256,
    pub xt: Arc<Extrinsic>,
    pub encoded: Arc<Vec<u8>>,
    pub priority: TransactionPriority,
    pub requires: Vec<TransactionTag>,
    pub provides: Vec<TransactionTag>,
    pub valid_till: BlockNumber,
    /// The signer, for signed transactions.
    sender: Option<aitbc_runtime::AccountId>,
    /// The best block when it entered the pool.
    entered_at: BlockNumber,
    seq: u64,
}

#[derive(Default)]
struct Inner {
    txs: HashMap<H256, PoolTx>,
    ready: HashSet<H256>,
    future: HashSet<H256>,
    /// Tag -> ready transaction providing it.
    provided: HashMap<TransactionTag, H256>,
    banned: HashMap<H256, Instant>,
    ready_bytes: usize,
    future_bytes: usize,
    /// The best block [`TxPool::maintain`] last brought the pool up to date with (the chain's
    /// best block when the pool was made): re-validation runs against it, so that a transaction
    /// is never judged stale by a block the pool has not yet seen (it would be reported invalid
    /// instead of included), and the author waits for it to reach its parent
    /// ([`TxPool::wait_maintained`]).
    maintained_best: Option<H256>,
    seq: u64,
    revalidate_cursor: u64,
}

/// The transaction pool, over the chain it validates against ([`PoolChain`]: the node's
/// [`Client`], or a model of a chain in tests).
pub struct TxPool<C: PoolChain = Client> {
    chain: Arc<C>,
    limits: PoolLimits,
    inner: Mutex<Inner>,
    /// Signalled each time [`TxPool::maintain`] finishes a block.
    maintained: Condvar,
    /// Status changes of pool transactions.
    pub status: broadcast::Sender<(H256, TxStatus)>,
}

impl<C: PoolChain> TxPool<C> {
    pub fn new(chain: Arc<C>, limits: PoolLimits) -> Arc<Self> {
        let (status, _) = broadcast::channel(65_536);
        let inner = Inner {
            maintained_best: Some(chain.best().0),
            ..Inner::default()
        };
        Arc::new(Self {
            chain,
            limits,
            inner: Mutex::new(inner),
            maintained: Condvar::new(),
            status,
        })
    }

    /// Number of (ready, future) transactions.
    pub fn len(&self) -> (usize, usize) {
        let i = self.inner.lock();
        (i.ready.len(), i.future.len())
    }

    /// All pending transactions (encoded), ready first.
    pub fn pending(&self) -> Vec<Arc<Vec<u8>>> {
        let i = self.inner.lock();
        let mut v: Vec<&PoolTx> = i.txs.values().collect();
        v.sort_by_key(|t| (!i.ready.contains(&t.hash), t.seq));
        v.into_iter().map(|t| t.encoded.clone()).collect()
    }

    /// Whether a ready transaction provides `tag`.
    pub fn provides(&self, tag: &[u8]) -> bool {
        self.inner.lock().provided.contains_key(tag)
    }

    /// Whether the transaction is known to the pool.
    pub fn contains(&self, hash: &H256) -> bool {
        self.inner.lock().txs.contains_key(hash)
    }

    fn notify(&self, hash: H256, status: TxStatus) {
        let _ = self.status.send((hash, status));
    }

    /// Validate a transaction against the best block.
    fn validate(
        &self,
        xt: &Extrinsic,
        source: TransactionSource,
    ) -> Result<TransactionValidity, PoolError> {
        self.validate_at(xt, source, self.chain.best().0)
    }

    /// Validate a transaction against block `best`.
    fn validate_at(
        &self,
        xt: &Extrinsic,
        source: TransactionSource,
        best: H256,
    ) -> Result<TransactionValidity, PoolError> {
        self.chain
            .validate(best, source, xt)
            .map_err(PoolError::Verification)
    }

    /// Submit an encoded extrinsic. Returns its hash.
    pub fn submit(&self, encoded: Vec<u8>, source: TransactionSource) -> Result<H256, PoolError> {
        let hash = bytes_hash(&encoded);
        {
            let mut i = self.inner.lock();
            if let Some(t) = i.banned.get(&hash) {
                if t.elapsed() < self.limits.ban_time {
                    return Err(PoolError::TemporarilyBanned);
                }
                i.banned.remove(&hash);
            }
            if i.txs.contains_key(&hash) {
                return Err(PoolError::AlreadyImported);
            }
        }
        if encoded.len() > self.limits.max_tx_bytes {
            return Err(PoolError::Invalid(format!(
                "Transaction would exhaust the block limits: {} bytes is more than the {} bytes a transaction may have",
                encoded.len(),
                self.limits.max_tx_bytes
            )));
        }
        let xt =
            Client::decode_extrinsic(&encoded).map_err(|e| PoolError::BadFormat(e.to_string()))?;
        self.check_nonce_gap(&xt)?;
        let validity = self.validate(&xt, source)?;
        let valid = match validity {
            Ok(v) => v,
            Err(TransactionValidityError::Invalid(e)) => {
                self.inner.lock().banned.insert(hash, Instant::now());
                return Err(PoolError::Invalid(<&'static str>::from(e).to_string()));
            }
            Err(TransactionValidityError::Unknown(e)) => {
                return Err(PoolError::UnknownValidity(
                    <&'static str>::from(e).to_string(),
                ));
            }
        };
        let best_number = self.chain.best().1;
        let sender = match &xt.preamble {
            sp_runtime::generic::Preamble::Signed(sp_runtime::MultiAddress::Id(who), ..) => {
                Some(who.clone())
            }
            _ => None,
        };
        let tx = PoolTx {
            hash,
            xt: Arc::new(xt),
            encoded: Arc::new(encoded),
            priority: valid.priority,
            requires: valid.requires,
            provides: valid.provides,
            valid_till: best_number.saturating_add(valid.longevity.min(u32::MAX as u64) as u32),
            sender,
            entered_at: best_number,
            seq: 0,
        };
        let status = self.insert(tx)?;
        self.notify(hash, status);
        Ok(hash)
    }

    /// Refuse signed transactions whose nonce is far ahead of the account's: they would sit in
    /// the future queue for a long time and crowd out transactions that can be included.
    fn check_nonce_gap(&self, xt: &Extrinsic) -> Result<(), PoolError> {
        let sp_runtime::generic::Preamble::Signed(sp_runtime::MultiAddress::Id(who), _, ext) =
            &xt.preamble
        else {
            return Ok(());
        };
        let nonce = ext.5 .0;
        let current = self
            .chain
            .account_nonce(self.chain.best().0, who)
            .map_err(PoolError::Verification)?;
        if nonce > current.saturating_add(MAX_FUTURE_NONCE_GAP) {
            return Err(PoolError::Invalid(format!(
                "Transaction will be valid in the future: nonce {nonce} is more than {MAX_FUTURE_NONCE_GAP} ahead of the account's next nonce {current}"
            )));
        }
        Ok(())
    }

    fn insert(&self, mut tx: PoolTx) -> Result<TxStatus, PoolError> {
        let mut i = self.inner.lock();
        i.seq += 1;
        tx.seq = i.seq;
        // A ready transaction providing the same tag (same sender and nonce) is replaced only by a
        // higher priority one.
        let mut usurped = Vec::new();
        for tag in &tx.provides {
            if let Some(other) = i.provided.get(tag) {
                let old = i.txs.get(other).map(|t| t.priority).unwrap_or_default();
                if old >= tx.priority {
                    return Err(PoolError::TooLowPriority {
                        old,
                        new: tx.priority,
                    });
                }
                usurped.push(*other);
            }
        }
        for h in usurped {
            Self::remove_locked(&mut i, &h);
            let _ = self.status.send((h, TxStatus::Usurped(tx.hash)));
        }
        // Validation reports only `requires` tags the chain does not satisfy yet, so a transaction
        // is ready exactly when ready pool transactions provide all of them.
        let is_ready = tx.requires.iter().all(|t| i.provided.contains_key(t));
        let hash = tx.hash;
        if is_ready {
            if i.ready.len() >= self.limits.ready_count
                || i.ready_bytes + tx.encoded.len() > self.limits.ready_bytes
            {
                return Err(PoolError::ImmediatelyDropped);
            }
            for tag in &tx.provides {
                i.provided.insert(tag.clone(), hash);
            }
            i.ready_bytes += tx.encoded.len();
            i.ready.insert(hash);
            i.txs.insert(hash, tx);
            drop(i);
            self.promote_futures();
            Ok(TxStatus::Ready)
        } else {
            // A waiting transaction for the same sender and nonce is replaced only by a higher
            // priority one, as a ready one is.
            let rival = i.future.iter().copied().find(|h| {
                i.txs
                    .get(h)
                    .is_some_and(|t| t.provides.iter().any(|p| tx.provides.contains(p)))
            });
            if let Some(rival) = rival {
                let old = i.txs.get(&rival).map(|t| t.priority).unwrap_or_default();
                if old >= tx.priority {
                    return Err(PoolError::TooLowPriority {
                        old,
                        new: tx.priority,
                    });
                }
                Self::remove_locked(&mut i, &rival);
                let _ = self.status.send((rival, TxStatus::Usurped(hash)));
            }
            if i.future.len() >= self.limits.future_count
                || i.future_bytes + tx.encoded.len() > self.limits.future_bytes
            {
                return Err(PoolError::ImmediatelyDropped);
            }
            if let Some(sender) = &tx.sender {
                let waiting = i
                    .future
                    .iter()
                    .filter(|h| {
                        i.txs
                            .get(*h)
                            .is_some_and(|t| t.sender.as_ref() == Some(sender))
                    })
                    .count();
                if waiting >= self.limits.future_per_sender {
                    return Err(PoolError::ImmediatelyDropped);
                }
            }
            i.future_bytes += tx.encoded.len();
            i.future.insert(hash);
            i.txs.insert(hash, tx);
            Ok(TxStatus::Future)
        }
    }

    fn remove_locked(i: &mut Inner, hash: &H256) -> Option<PoolTx> {
        let tx = i.txs.remove(hash)?;
        if i.ready.remove(hash) {
            i.ready_bytes = i.ready_bytes.saturating_sub(tx.encoded.len());
            for tag in &tx.provides {
                if i.provided.get(tag) == Some(hash) {
                    i.provided.remove(tag);
                }
            }
        }
        if i.future.remove(hash) {
            i.future_bytes = i.future_bytes.saturating_sub(tx.encoded.len());
        }
        Some(tx)
    }

    /// Move a future transaction to the ready set (the caller checked its tags).
    fn make_ready_locked(i: &mut Inner, tx: &PoolTx) {
        if i.future.remove(&tx.hash) {
            i.future_bytes = i.future_bytes.saturating_sub(tx.encoded.len());
        }
        i.ready.insert(tx.hash);
        i.ready_bytes += tx.encoded.len();
        for tag in &tx.provides {
            i.provided.insert(tag.clone(), tx.hash);
        }
    }

    /// Move futures whose requirements are now met to the ready set.
    fn promote_futures(&self) {
        loop {
            let mut promoted = Vec::new();
            {
                let mut i = self.inner.lock();
                let candidates: Vec<H256> = i
                    .future
                    .iter()
                    .filter(|h| {
                        i.txs
                            .get(*h)
                            .is_some_and(|t| t.requires.iter().all(|r| i.provided.contains_key(r)))
                    })
                    .copied()
                    .collect();
                for h in candidates {
                    let Some(tx) = i.txs.get(&h).cloned() else {
                        continue;
                    };
                    if tx.provides.iter().any(|t| i.provided.contains_key(t)) {
                        continue;
                    }
                    Self::make_ready_locked(&mut i, &tx);
                    promoted.push(h);
                }
            }
            if promoted.is_empty() {
                return;
            }
            for h in promoted {
                self.notify(h, TxStatus::Ready);
            }
        }
    }

    /// Ready transactions in the order a block should include them: highest priority first,
    /// each after the transactions providing its `requires` tags.
    pub fn ready_for_block(&self) -> Vec<PoolTx> {
        let i = self.inner.lock();
        let mut waiting: HashMap<&TransactionTag, Vec<&PoolTx>> = HashMap::new();
        let mut heap = BinaryHeap::new();
        for h in &i.ready {
            let Some(tx) = i.txs.get(h) else { continue };
            let pending: Vec<&TransactionTag> = tx
                .requires
                .iter()
                .filter(|r| i.provided.contains_key(*r))
                .collect();
            if pending.is_empty() {
                heap.push((tx.priority, Reverse(tx.seq), tx.hash));
            } else {
                for r in pending {
                    waiting.entry(r).or_default().push(tx);
                }
            }
        }
        let mut emitted_tags: HashSet<&TransactionTag> = HashSet::new();
        let mut out = Vec::with_capacity(i.ready.len());
        while let Some((_, _, h)) = heap.pop() {
            let Some(tx) = i.txs.get(&h) else { continue };
            for tag in &tx.provides {
                emitted_tags.insert(tag);
                if let Some(ws) = waiting.remove(tag) {
                    for w in ws {
                        if w.requires
                            .iter()
                            .all(|r| !i.provided.contains_key(r) || emitted_tags.contains(r))
                        {
                            heap.push((w.priority, Reverse(w.seq), w.hash));
                        }
                    }
                }
            }
            out.push(tx.clone());
        }
        out
    }

    /// A transaction failed to apply during block building: drop it and ban it.
    pub fn report_invalid(&self, hash: &H256) {
        let mut i = self.inner.lock();
        Self::remove_locked(&mut i, hash);
        i.banned.insert(*hash, Instant::now());
        drop(i);
        self.notify(*hash, TxStatus::Invalid);
    }
}
