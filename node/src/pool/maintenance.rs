//! Keeping the pool in step with the chain: after a new best block, included and stale
//! transactions leave and a reorg's retracted transactions come back ([`TxPool::maintain`]);
//! a bounded batch is re-validated off the import path ([`TxPool::revalidate`]); and the node's
//! maintenance task drives both from the client's notifications ([`spawn_maintenance`]).

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
    time::Instant,
};

use codec::Encode;
use sp_core::H256;
use sp_runtime::transaction_validity::{TransactionSource, TransactionValidityError};

use super::{PoolChain, PoolTx, TxPool, TxStatus};
use crate::{
    client::ImportedBlock,
    types::{extrinsic_hash, Extrinsic},
};

/// What a reorg means for transactions ([`TxPool::maintain`]).
#[derive(Default)]
struct Reorg {
    /// The blocks that joined the best chain, lowest first, the imported one last, with the hashes
    /// of their transactions.
    included: Vec<(H256, Vec<H256>)>,
    /// The signed transactions of the retracted blocks, and their block.
    retracted: HashMap<H256, H256>,
    /// The retracted transactions that the new best chain does not contain.
    orphaned: Vec<Extrinsic>,
}

impl<C: PoolChain> TxPool<C> {
    /// The transactions of a reorg's retracted and enacted blocks.
    fn reorg_of(&self, imported: &ImportedBlock) -> Reorg {
        let body = |block: &H256| match self.chain.block_body(block) {
            Ok(body) => body.unwrap_or_default(),
            Err(e) => {
                tracing::warn!(target: "txpool", "cannot read block {block:?} of a reorg: {e}");
                Vec::new()
            }
        };
        let mut reorg = Reorg::default();
        for block in &imported.enacted {
            let hashes = body(block).iter().map(extrinsic_hash).collect();
            reorg.included.push((*block, hashes));
        }
        reorg
            .included
            .push((imported.hash, imported.tx_hashes.clone()));
        let on_new_chain: HashSet<H256> = reorg
            .included
            .iter()
            .flat_map(|(_, hashes)| hashes.iter().copied())
            .collect();
        for block in &imported.retracted {
            for xt in body(block)
                .into_iter()
                .filter(|xt| matches!(xt.preamble, sp_runtime::generic::Preamble::Signed(..)))
            {
                let hash = extrinsic_hash(&xt);
                reorg.retracted.insert(hash, *block);
                if !on_new_chain.contains(&hash) {
                    reorg.orphaned.push(xt);
                }
            }
        }
        reorg
    }

    /// Bring the pool up to date after a block import.
    pub fn maintain(&self, imported: &ImportedBlock) {
        if !imported.is_new_best {
            return;
        }
        let reorg = self.reorg_of(imported);
        for (tx, block) in &reorg.retracted {
            self.notify(*tx, TxStatus::Retracted(*block));
        }
        let best = imported.header.number;
        // 1. Included transactions leave the pool (and watchers of retracted ones learn their new
        //    block); transactions providing the same tags are stale.
        let mut stale = Vec::new();
        {
            let mut i = self.inner.lock();
            let mut included_tags = Vec::new();
            for (block, hashes) in &reorg.included {
                for h in hashes {
                    let removed = Self::remove_locked(&mut i, h);
                    let was_retracted = reorg.retracted.contains_key(h);
                    if let Some(tx) = &removed {
                        included_tags.extend(tx.provides.iter().cloned());
                    }
                    if removed.is_some() || was_retracted {
                        let _ = self.status.send((*h, TxStatus::InBlock(*block)));
                    }
                }
            }
            for tag in included_tags {
                if let Some(other) = i.provided.get(&tag).copied() {
                    Self::remove_locked(&mut i, &other);
                    stale.push(other);
                }
            }
            // Expired transactions, and futures that waited too long for their missing nonces.
            let expired: Vec<H256> = i
                .txs
                .values()
                .filter(|t| {
                    t.valid_till < best
                        || (i.future.contains(&t.hash)
                            && t.entered_at.saturating_add(self.limits.future_lifetime) < best)
                })
                .map(|t| t.hash)
                .collect();
            for h in expired {
                Self::remove_locked(&mut i, &h);
                stale.push(h);
            }
            i.banned.retain(|_, t| t.elapsed() < self.limits.ban_time);
        }
        for h in stale {
            self.notify(h, TxStatus::Dropped);
        }
        // Transactions of retracted blocks that the new best chain does not contain go back in.
        for xt in reorg.orphaned {
            match self.submit(xt.encode(), TransactionSource::InBlock) {
                Ok(hash) => {
                    tracing::debug!(target: "txpool", "{hash:?} is back in the pool after a reorg")
                }
                Err(e) => {
                    tracing::debug!(target: "txpool", "a retracted transaction is not resubmitted: {e}")
                }
            }
        }
        self.inner.lock().maintained_best = Some(imported.hash);
        self.maintained.notify_all();
    }

    /// Wait until the pool is up to date with block `block` ([`TxPool::maintain`] finished it),
    /// at most `timeout`. The author waits for its parent so that it neither offers
    /// transactions the parent already included nor misses the ones a reorg put back.
    /// Returns whether the pool got there in time.
    pub fn wait_maintained(&self, block: &H256, timeout: std::time::Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut i = self.inner.lock();
        while i.maintained_best != Some(*block) {
            if self.maintained.wait_until(&mut i, deadline).timed_out() {
                return i.maintained_best == Some(*block);
            }
        }
        true
    }

    /// Re-validate a bounded batch of pool transactions (ready and future, oldest unchecked
    /// first) against the best block, and make ready the futures whose missing nonces the chain
    /// now has. Runs after each new best block, off the import path (the node's pool task).
    pub fn revalidate(&self) {
        // 2. Re-validate a bounded batch, taking up where the last batch stopped.
        let (at, batch): (H256, Vec<PoolTx>) = {
            let mut i = self.inner.lock();
            let at = i.maintained_best.unwrap_or_else(|| self.chain.best().0);
            let cursor = i.revalidate_cursor;
            let mut all: Vec<&PoolTx> = i.txs.values().collect();
            all.sort_by_key(|t| (t.seq <= cursor, t.seq));
            let batch: Vec<PoolTx> = all
                .into_iter()
                .take(self.limits.revalidate_batch)
                .cloned()
                .collect();
            i.revalidate_cursor = batch.iter().map(|t| t.seq).max().unwrap_or(0);
            (at, batch)
        };
        for tx in batch {
            let validity = self.validate_at(&tx.xt, TransactionSource::External, at);
            let mut i = self.inner.lock();
            // A newer block was maintained meanwhile: this verdict may be out of date.
            if i.maintained_best.is_some_and(|b| b != at) || !i.txs.contains_key(&tx.hash) {
                continue;
            }
            match validity {
                Ok(Ok(valid)) => {
                    if i.future.contains(&tx.hash) {
                        if let Some(t) = i.txs.get_mut(&tx.hash) {
                            t.requires = valid.requires;
                            t.priority = valid.priority;
                        }
                    }
                }
                Ok(Err(TransactionValidityError::Invalid(_))) => {
                    Self::remove_locked(&mut i, &tx.hash);
                    i.banned.insert(tx.hash, Instant::now());
                    drop(i);
                    self.notify(tx.hash, TxStatus::Invalid);
                }
                Ok(Err(TransactionValidityError::Unknown(_))) | Err(_) => {
                    Self::remove_locked(&mut i, &tx.hash);
                    drop(i);
                    self.notify(tx.hash, TxStatus::Dropped);
                }
            }
        }
        // 3. Futures whose requirements the chain now satisfies become ready.
        {
            let mut i = self.inner.lock();
            let now_ready: Vec<H256> = i
                .future
                .iter()
                .filter(|h| i.txs.get(*h).is_some_and(|t| t.requires.is_empty()))
                .copied()
                .collect();
            for h in now_ready {
                let Some(tx) = i.txs.get(&h).cloned() else {
                    continue;
                };
                if tx.provides.iter().any(|t| i.provided.contains_key(t)) {
                    continue;
                }
                Self::make_ready_locked(&mut i, &tx);
                let _ = self.status.send((h, TxStatus::Ready));
            }
        }
        self.promote_futures();
    }
}

/// Pool maintenance, driven by the client's import notifications and nothing else: whoever
/// imports a block (the author, sync, a justification, the GRANDPA voter's finality reorg), the
/// pool learns of it here. Each new best block takes its included transactions out and puts
/// back those of the blocks it retracted ([`TxPool::maintain`]), in import order; then a batch
/// is re-validated. It runs on the blocking pool, off the import path; imports that arrive
/// while a batch runs are handled together in the next one.
pub fn spawn_maintenance<C: PoolChain>(
    pool: &Arc<TxPool<C>>,
    mut imported: tokio::sync::broadcast::Receiver<ImportedBlock>,
    tasks: &crate::tasks::EssentialSpawner,
) {
    use tokio::sync::broadcast::error::{RecvError, TryRecvError};
    let pool = pool.clone();
    tasks.spawn("txpool-maintenance", async move {
        loop {
            let mut batch = Vec::new();
            let mut lagged = false;
            match imported.recv().await {
                Ok(b) => batch.push(b),
                Err(RecvError::Lagged(n)) => {
                    tracing::warn!(target: "txpool", "pool maintenance missed {n} block notifications");
                    lagged = true;
                }
                Err(RecvError::Closed) => return,
            }
            loop {
                match imported.try_recv() {
                    Ok(b) => batch.push(b),
                    Err(TryRecvError::Lagged(_)) => lagged = true,
                    Err(_) => break,
                }
            }
            let new_best: Vec<ImportedBlock> = batch.into_iter().filter(|b| b.is_new_best).collect();
            if new_best.is_empty() && !lagged {
                continue;
            }
            let pool = pool.clone();
            let work = move || {
                for block in &new_best {
                    pool.maintain(block);
                }
                pool.revalidate();
            };
            if let Err(e) = tokio::task::spawn_blocking(work).await {
                tracing::warn!(target: "txpool", "pool maintenance failed: {e}");
            }
        }
    });
}
