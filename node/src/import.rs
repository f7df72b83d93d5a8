//! Import of blocks that come from peers (gossip or sync).
//!
//! Before a block is executed it must pass the Aura checks: it carries a slot that is later than
//! its parent's and not in the future, its seal is the signature of `authorities[slot % n]`
//! (read from the parent's state), and it descends from the last finalized block. A second block
//! by one author in one slot is an equivocation: it is imported all the same (GRANDPA may
//! finalize either, and a node that refused one would split from the network when a key runs
//! twice), recorded ([`BlockImporter::equivocations`], the `aitbc_equivocations_total` metric and
//! a warning; punishing a PoA authority is the DAO's decision), and a third is refused. Then it is re-executed
//! (`Core_execute_block`, both roots checked). A justification that comes with it is verified
//! against the GRANDPA authority set before the block is finalized.
//!
//! Fork choice: the longest chain that contains the last finalized block (the client makes a
//! block best when it is higher than the current best).

use std::{collections::BTreeMap, sync::Arc};

use codec::Decode;
use parking_lot::Mutex;
use sp_consensus_aura::{sr25519::AuthorityId as AuraId, Slot, AURA_ENGINE_ID};
use sp_consensus_grandpa::GRANDPA_ENGINE_ID;
use sp_core::{sr25519, Pair, H256};
use sp_runtime::{generic::DigestItem, traits::Header as _, Justifications};

use crate::{
    authoring::{header_slot, now_ms},
    client::{Client, ClientError, ClientResult, ImportedBlock},
    grandpa::justification as finality,
    metrics::Metrics,
    types::{Block, Header},
};

/// Slots kept in the record of seen blocks.
const EQUIVOCATION_WINDOW: u64 = 4096;
/// Equivocations kept for [`BlockImporter::equivocations`].
const EQUIVOCATIONS_KEPT: usize = 64;

/// Two blocks sealed by one author in one slot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Equivocation {
    pub author: AuraId,
    pub slot: u64,
    pub first: H256,
    pub second: H256,
}

/// Why a block was not imported, or what happened to it.
#[derive(Debug)]
pub enum ImportOutcome {
    /// Imported (and maybe finalized).
    Imported(Box<ImportedBlock>),
    /// Already in the database.
    AlreadyKnown,
    /// Its parent is not known: sync must fetch the missing blocks first.
    UnknownParent,
}

/// Verification failures of a block from a peer.
#[derive(Debug, thiserror::Error)]
pub enum BadBlock {
    #[error("block #{0} has no Aura slot digest")]
    NoSlot(u32),
    #[error("block #{number} is for slot {slot}, which is not after its parent's slot {parent}")]
    SlotNotIncreasing { number: u32, slot: u64, parent: u64 },
    #[error("block #{number} is for slot {slot}, but the current slot is {now}: from the future")]
    FromTheFuture { number: u32, slot: u64, now: u64 },
    #[error("block #{0} is not sealed")]
    NoSeal(u32),
    #[error("block #{number}: bad seal (expected a signature of the slot author {author})")]
    BadSeal { number: u32, author: String },
    #[error("block #{number} does not follow its parent #{parent}")]
    BadNumber { number: u32, parent: u32 },
    #[error("{author} already sealed two blocks in slot {slot}: a third is not imported")]
    RepeatedEquivocation { author: String, slot: u64 },
    #[error("block #{number} ({hash:?}) does not descend from the finalized block #{finalized}")]
    BelowFinality {
        number: u32,
        hash: H256,
        finalized: u32,
    },
    #[error("block #{number}: invalid justification: {reason}")]
    BadJustification { number: u32, reason: String },
}

/// Verifies and imports blocks from peers.
pub struct BlockImporter {
    client: Arc<Client>,
    metrics: Arc<Metrics>,
    /// slot -> (author, block hash) of the blocks seen, to detect equivocations.
    seen: Mutex<BTreeMap<u64, Vec<(AuraId, H256)>>>,
    /// The last equivocations seen.
    equivocations: Mutex<std::collections::VecDeque<Equivocation>>,
}

impl BlockImporter {
    pub fn new(client: Arc<Client>, metrics: Arc<Metrics>) -> Arc<Self> {
        Arc::new(Self {
            client,
            metrics,
            seen: Mutex::new(BTreeMap::new()),
            equivocations: Mutex::new(Default::default()),
        })
    }

    /// The chain's slot duration (`AuraApi_slot_duration` at the best block).
    pub fn slot_duration_ms(&self) -> ClientResult<u64> {
        self.client.slot_duration_ms()
    }

    /// The last equivocations seen (at most 64), oldest first.
    pub fn equivocations(&self) -> Vec<Equivocation> {
        self.equivocations.lock().iter().cloned().collect()
    }

    /// The client.
    pub fn client(&self) -> &Arc<Client> {
        &self.client
    }

    /// Verify and import `block`, finalizing it if `justification` proves it final.
    pub fn import(
        &self,
        block: Block,
        justification: Option<Vec<u8>>,
    ) -> ClientResult<ImportOutcome> {
        let hash = block.header.hash();
        let number = block.header.number;
        if self.client.header(&hash)?.is_some() {
            if let Some(j) = justification {
                if number > self.client.info().finalized_number {
                    self.finalize_with(&block.header, j)?;
                }
            }
            return Ok(ImportOutcome::AlreadyKnown);
        }
        let Some(parent) = self.client.header(block.header.parent_hash())? else {
            return Ok(ImportOutcome::UnknownParent);
        };
        if number != parent.number + 1 {
            return Err(bad(BadBlock::BadNumber {
                number,
                parent: parent.number,
            }));
        }
        self.check_descends_from_finalized(&block.header)?;
        self.verify_aura(&block.header, &parent)?;
        let justifications = match justification {
            Some(j) => {
                self.verify_justification(&block.header, &j)?;
                Some(Justifications::from((GRANDPA_ENGINE_ID, j)))
            }
            None => None,
        };
        let finalize = justifications.is_some();
        let started = std::time::Instant::now();
        let imported = self
            .client
            .import_block(block, None, justifications, finalize)?;
        self.metrics.block_imported(started.elapsed());
        let info = self.client.info();
        self.metrics
            .set_heights(info.best_number, info.finalized_number);
        Ok(ImportOutcome::Imported(Box::new(imported)))
    }

    /// Verify a justification of an imported block and finalize it.
    pub fn finalize_with(&self, header: &Header, justification: Vec<u8>) -> ClientResult<()> {
        self.verify_justification(header, &justification)?;
        // A reorg by finality reaches the pool through the client's notification (see
        // `ImportedBlock::by_finality`), whoever finalizes: this importer or the GRANDPA voter.
        self.client.finalize(
            header.hash(),
            Some(Justifications::from((GRANDPA_ENGINE_ID, justification))),
        )?;
        Ok(())
    }

    fn check_descends_from_finalized(&self, header: &Header) -> ClientResult<()> {
        let info = self.client.info();
        if header.number > info.finalized_number
            && self
                .client
                .is_ancestor_or_equal(&info.finalized_hash, header)?
        {
            return Ok(());
        }
        Err(bad(BadBlock::BelowFinality {
            number: header.number,
            hash: header.hash(),
            finalized: info.finalized_number,
        }))
    }

    fn verify_aura(&self, header: &Header, parent: &Header) -> ClientResult<()> {
        let number = header.number;
        let slot = header_slot(header).ok_or(bad(BadBlock::NoSlot(number)))?;
        if let Some(parent_slot) = header_slot(parent) {
            if slot <= parent_slot {
                return Err(bad(BadBlock::SlotNotIncreasing {
                    number,
                    slot: slot.into(),
                    parent: parent_slot.into(),
                }));
            }
        }
        let parent_hash = parent.hash();
        let slot_ms = self.client.slot_duration_ms()?;
        // One slot of clock drift is tolerated.
        let now = now_ms() / slot_ms;
        if u64::from(slot) > now + 1 {
            return Err(bad(BadBlock::FromTheFuture {
                number,
                slot: slot.into(),
                now,
            }));
        }
        let authorities = self.client.runtime_api(parent_hash).aura_authorities()?;
        if authorities.is_empty() {
            return Err(ClientError::Other(
                "the runtime has no Aura authorities".into(),
            ));
        }
        let author = authorities[(u64::from(slot) % authorities.len() as u64) as usize].clone();
        let mut unsealed = header.clone();
        let seal = match unsealed.digest.logs.pop() {
            Some(DigestItem::Seal(id, sig)) if id == AURA_ENGINE_ID => sig,
            _ => return Err(bad(BadBlock::NoSeal(number))),
        };
        let signature = sr25519::Signature::decode(&mut &seal[..]).map_err(|_| {
            bad(BadBlock::BadSeal {
                number,
                author: author.to_string(),
            })
        })?;
        let public: sr25519::Public = author.clone().into();
        if !sr25519::Pair::verify(&signature, unsealed.hash().as_bytes(), &public) {
            return Err(bad(BadBlock::BadSeal {
                number,
                author: author.to_string(),
            }));
        }
        self.note_slot(slot, author, header.hash())
    }

    fn note_slot(&self, slot: Slot, author: AuraId, hash: H256) -> ClientResult<()> {
        let slot = u64::from(slot);
        let mut seen = self.seen.lock();
        let entry = seen.entry(slot).or_default();
        let earlier: Vec<H256> = entry
            .iter()
            .filter(|(a, h)| *a == author && *h != hash)
            .map(|(_, h)| *h)
            .collect();
        match earlier.as_slice() {
            [] => {}
            [first] => {
                tracing::warn!(
                    target: "import",
                    "⚠️  Equivocation: {author} sealed both {first:?} and {hash:?} in slot {slot}; importing both"
                );
                self.metrics.equivocation();
                let mut record = self.equivocations.lock();
                if record.len() >= EQUIVOCATIONS_KEPT {
                    record.pop_front();
                }
                record.push_back(Equivocation {
                    author: author.clone(),
                    slot,
                    first: *first,
                    second: hash,
                });
            }
            _ => {
                return Err(bad(BadBlock::RepeatedEquivocation {
                    author: author.to_string(),
                    slot,
                }))
            }
        }
        entry.push((author, hash));
        while seen.len() as u64 > EQUIVOCATION_WINDOW {
            seen.pop_first();
        }
        Ok(())
    }

    /// Verify a GRANDPA justification of `header` against the authority set at its parent.
    pub fn verify_justification(&self, header: &Header, justification: &[u8]) -> ClientResult<()> {
        let at = *header.parent_hash();
        let (set_id, authorities) = self.client.runtime_api(at).grandpa_set()?;
        finality::verify_justification(header, justification, &authorities, set_id).map_err(|e| {
            bad(BadBlock::BadJustification {
                number: header.number,
                reason: e.to_string(),
            })
        })
    }
}

fn bad(e: BadBlock) -> ClientError {
    match e {
        BadBlock::FromTheFuture { .. } | BadBlock::BelowFinality { .. } => {
            ClientError::Blameless(e.to_string())
        }
        _ => ClientError::BadBlock(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        pool::TxStatus,
        testing::{block, bob_remark, chain, maintained, now_slot, Chain},
        types::extrinsic_hash,
    };
    use codec::Encode;
    use sp_keyring::Sr25519Keyring;
    use sp_runtime::transaction_validity::TransactionSource;

    fn importer(c: &Chain) -> Arc<BlockImporter> {
        BlockImporter::new(c.client.clone(), Metrics::new())
    }

    fn err_of(r: ClientResult<ImportOutcome>) -> String {
        match r {
            Err(e) => e.to_string(),
            Ok(o) => panic!("expected a refusal, got {o:?}"),
        }
    }

    #[test]
    fn a_valid_block_is_imported_and_finalized_by_its_justification() {
        let (author, node) = (chain(), chain());
        let (b, j) = block(&author, now_slot(), &Sr25519Keyring::Alice.pair());
        let hash = b.header.hash();
        let imp = importer(&node);
        assert!(matches!(
            imp.import(b.clone(), j).expect("import"),
            ImportOutcome::Imported(_)
        ));
        let info = node.client.info();
        assert_eq!((info.best_hash, info.finalized_hash), (hash, hash));
        assert!(matches!(
            imp.import(b, None).expect("again"),
            ImportOutcome::AlreadyKnown
        ));
    }

    #[test]
    fn a_block_with_an_unknown_parent_waits_for_sync() {
        let (author, node) = (chain(), chain());
        let s = now_slot();
        let (b1, _) = block(&author, s - 1, &Sr25519Keyring::Alice.pair());
        author
            .client
            .import_block(b1, None, None, false)
            .expect("b1");
        let (b2, _) = block(&author, s, &Sr25519Keyring::Alice.pair());
        assert!(matches!(
            importer(&node).import(b2, None).expect("import"),
            ImportOutcome::UnknownParent
        ));
    }

    #[test]
    fn seals_by_the_wrong_author_or_tampered_are_refused() {
        let (author, node) = (chain(), chain());
        let imp = importer(&node);
        // Bob is not the dev chain's authority.
        let (b, _) = block(&author, now_slot(), &Sr25519Keyring::Bob.pair());
        assert!(err_of(imp.import(b, None)).contains("bad seal"));
        let (mut b, _) = block(&author, now_slot(), &Sr25519Keyring::Alice.pair());
        b.header.state_root = H256::repeat_byte(7);
        assert!(err_of(imp.import(b, None)).contains("bad seal"));
        let (mut b, _) = block(&author, now_slot(), &Sr25519Keyring::Alice.pair());
        b.header.digest.logs.pop();
        assert!(err_of(imp.import(b, None)).contains("not sealed"));
    }

    #[test]
    fn blocks_from_the_future_are_refused() {
        let (author, node) = (chain(), chain());
        let (b, _) = block(&author, now_slot() + 10, &Sr25519Keyring::Alice.pair());
        assert!(err_of(importer(&node).import(b, None)).contains("from the future"));
    }

    #[test]
    fn an_equivocation_is_recorded_both_blocks_imported_and_finality_followed() {
        let (author, node) = (chain(), chain());
        let slot = now_slot();
        let (first, _) = block(&author, slot, &Sr25519Keyring::Alice.pair());
        // The same slot again, with a transaction in it: another block.
        author
            .pool
            .submit(bob_remark(&author, b"second"), TransactionSource::External)
            .expect("pool");
        let (second, second_justification) = block(&author, slot, &Sr25519Keyring::Alice.pair());
        assert_ne!(first.header.hash(), second.header.hash());
        let imp = importer(&node);
        assert!(matches!(
            imp.import(first.clone(), None).expect("first"),
            ImportOutcome::Imported(_)
        ));
        assert!(matches!(
            imp.import(second.clone(), None).expect("second"),
            ImportOutcome::Imported(_)
        ));
        let recorded = imp.equivocations();
        assert_eq!(recorded.len(), 1);
        assert_eq!(
            (recorded[0].first, recorded[0].second, recorded[0].slot),
            (first.header.hash(), second.header.hash(), slot)
        );
        // A third block by the same author in the same slot is refused.
        let other = chain();
        other
            .pool
            .submit(bob_remark(&other, b"third"), TransactionSource::External)
            .expect("pool");
        let (third, _) = block(&other, slot, &Sr25519Keyring::Alice.pair());
        assert!(err_of(imp.import(third, None)).contains("a third is not imported"));
        // The first stays best until GRANDPA finalizes the second: then the second is best.
        assert_eq!(node.client.info().best_hash, first.header.hash());
        imp.import(second.clone(), second_justification)
            .expect("justified");
        let info = node.client.info();
        assert_eq!(info.finalized_hash, second.header.hash());
        assert_eq!(info.best_hash, second.header.hash());
        assert_eq!(
            node.client.hash_at(1).expect("canonical"),
            Some(second.header.hash())
        );
    }

    #[test]
    fn forks_below_the_finalized_block_are_refused() {
        let (author, node) = (chain(), chain());
        let s = now_slot();
        // The node finalizes its own block #1; the author's competing #1 cannot replace it.
        let (own, j) = block(&node, s - 1, &Sr25519Keyring::Alice.pair());
        importer(&node).import(own, j).expect("own block");
        assert_eq!(node.client.info().finalized_number, 1);
        let (other, _) = block(&author, s, &Sr25519Keyring::Alice.pair());
        assert!(err_of(importer(&node).import(other, None)).contains("does not descend"));
    }

    /// Forks A (#1 with Bob's remark) and B (#1 with `b_includes` of the same remark, #2), and
    /// a node that imports A#1, then B#1 and B#2: a reorg to B. Returns the remark's hash, A#1,
    /// B#1, the node and the statuses its pool reported for the remark.
    fn reorg(b_includes: bool) -> (H256, H256, H256, Chain, Vec<TxStatus>) {
        let (a, b, node) = (chain(), chain(), chain());
        let s = now_slot();
        let alice = Sr25519Keyring::Alice.pair();
        let remark = bob_remark(&a, b"in a");
        let tx = a
            .pool
            .submit(remark.clone(), TransactionSource::External)
            .expect("pool");
        if b_includes {
            b.pool
                .submit(remark, TransactionSource::External)
                .expect("pool");
        }
        let (a1, _) = block(&a, s - 2, &alice);
        assert!(a1.extrinsics.iter().any(|xt| extrinsic_hash(xt) == tx));
        let (b1, _) = block(&b, s - 1, &alice);
        let b1_hash = b1.header.hash();
        b.client
            .import_block(b1.clone(), None, None, false)
            .expect("b1");
        let (b2, _) = block(&b, s, &alice);
        let mut statuses = node.pool.status.subscribe();
        let imp = importer(&node);
        imp.import(a1.clone(), None).expect("a1");
        imp.import(b1, None).expect("b1");
        assert_eq!(node.client.info().best_hash, a1.header.hash());
        let ImportOutcome::Imported(reorg) = imp.import(b2.clone(), None).expect("b2") else {
            panic!("b2 not imported");
        };
        assert_eq!(reorg.retracted, vec![a1.header.hash()]);
        assert_eq!(reorg.enacted, vec![b1_hash]);
        assert_eq!(node.client.info().best_hash, b2.header.hash());
        maintained(&node);
        let mut seen = Vec::new();
        while let Ok((h, status)) = statuses.try_recv() {
            if h == tx {
                seen.push(status);
            }
        }
        (tx, a1.header.hash(), b1_hash, node, seen)
    }

    #[test]
    fn a_reorg_puts_the_transactions_of_retracted_blocks_back_into_the_pool() {
        let (tx, a1, _, node, statuses) = reorg(false);
        assert!(node.pool.contains(&tx), "Bob's remark is pending again");
        assert_eq!(statuses, vec![TxStatus::Retracted(a1), TxStatus::Ready]);
    }

    #[test]
    fn a_transaction_the_new_chain_contains_is_reported_in_its_new_block() {
        let (tx, a1, b1, node, statuses) = reorg(true);
        assert!(!node.pool.contains(&tx));
        assert_eq!(
            statuses,
            vec![TxStatus::Retracted(a1), TxStatus::InBlock(b1)]
        );
    }

    #[test]
    fn a_reorg_by_finality_puts_retracted_transactions_back_through_the_maintenance_task() {
        // The node imports A#1 (Bob's remark) and A#2, then the shorter fork B#1; the GRANDPA
        // voter (here: Client::finalize, as the voter calls it) finalizes B#1.
        let (a, b, node) = (chain(), chain(), chain());
        let s = now_slot();
        let alice = Sr25519Keyring::Alice.pair();
        let remark = bob_remark(&a, b"in a");
        let tx = a
            .pool
            .submit(remark, TransactionSource::External)
            .expect("pool");
        let (a1, _) = block(&a, s - 3, &alice);
        assert!(a1.extrinsics.iter().any(|xt| extrinsic_hash(xt) == tx));
        a.client
            .import_block(a1.clone(), None, None, false)
            .expect("a1");
        let (a2, _) = block(&a, s - 2, &alice);
        let (b1, _) = block(&b, s - 1, &alice);
        let imp = importer(&node);
        for blk in [a1, a2, b1.clone()] {
            imp.import(blk, None).expect("import");
        }
        maintained(&node);
        assert!(!node.pool.contains(&tx));
        let reorg = node
            .client
            .finalize(b1.header.hash(), None)
            .expect("finalize")
            .expect("a reorg");
        assert!(reorg.by_finality);
        assert_eq!(reorg.retracted.len(), 2);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !node.pool.contains(&tx) {
            assert!(
                std::time::Instant::now() < deadline,
                "the remark of the retracted A#1 did not come back to the pool"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    #[test]
    fn a_forged_justification_is_refused() {
        let (author, node) = (chain(), chain());
        let (b, _) = block(&author, now_slot(), &Sr25519Keyring::Alice.pair());
        let forged =
            finality::sign_commit(&sp_keyring::Ed25519Keyring::Bob.pair(), 0, &b.header).encode();
        assert!(err_of(importer(&node).import(b, Some(forged))).contains("invalid justification"));
    }

    /// Two forks from genesis, each block with its justification: A (#1, #2) and B (#1, #2, #3).
    fn two_forks() -> Vec<(Block, Option<Vec<u8>>)> {
        let (a, b) = (chain(), chain());
        let alice = Sr25519Keyring::Alice.pair();
        let s = now_slot();
        let mut out = Vec::new();
        for (on, slot) in [(&a, s - 4), (&b, s - 3), (&a, s - 2), (&b, s - 1), (&b, s)] {
            let (block, j) = block(on, slot, &alice);
            on.client
                .import_block(block.clone(), None, None, false)
                .expect("fork block");
            out.push((block, j));
        }
        out
    }

    #[test]
    fn finality_keeps_best_on_the_finalized_chain_in_any_delivery_order() {
        use proptest::{prelude::*, test_runner::TestRunner};
        let forks = two_forks();
        let mut runner = TestRunner::new(ProptestConfig {
            cases: 24,
            ..ProptestConfig::default()
        });
        let deliveries = proptest::collection::vec((0..forks.len(), any::<bool>()), 1..14);
        runner
            .run(&deliveries, |order| {
                let node = chain();
                let imp = importer(&node);
                let mut finalized = node.client.notifications.finalized.subscribe();
                let mut announced = Vec::new();
                for (i, justify) in order {
                    let (block, j) = forks[i].clone();
                    // Refusals (below finality, unknown parent) are fine; a broken invariant is not.
                    let _ = imp.import(block, if justify { j } else { None });
                    let info = node.client.info();
                    let best = node.client.expect_header(&info.best_hash).expect("best");
                    prop_assert!(
                        node.client
                            .is_ancestor_or_equal(&info.finalized_hash, &best)
                            .expect("ancestry"),
                        "best #{} does not descend from finalized #{}",
                        info.best_number,
                        info.finalized_number
                    );
                    while let Ok((hash, header)) = finalized.try_recv() {
                        announced.push((header.number, hash));
                    }
                    // Every block announced as finalized is, and stays, canonical.
                    for (n, hash) in &announced {
                        prop_assert_eq!(node.client.hash_at(*n).expect("canonical"), Some(*hash));
                    }
                }
                Ok(())
            })
            .expect("invariants hold");
    }
}
