//! Aura slot authorship.
//!
//! Time is cut into slots of `AuraApi_slot_duration`; the author of slot `s` is
//! `authorities[s % n]`. When that is one of our keys, we build a block on the best block:
//! `Core_initialize_block`, the inherents (timestamp), pool transactions by priority until the
//! block is full or the slot's build budget is spent, `BlockBuilder_finalize_block`, then the
//! Aura seal, import, (on a single-authority chain) finality, and the announcement to peers.
//! A node that is catching up with its peers does not author.

use std::{
    sync::Arc,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use codec::{Decode, Encode};
use sp_consensus_aura::{Slot, AURA_ENGINE_ID};
use sp_consensus_grandpa::GRANDPA_ENGINE_ID;
use sp_core::{Pair, H256};
use sp_runtime::{
    generic::{Digest, DigestItem},
    traits::Header as _,
    transaction_validity::{InvalidTransaction, TransactionValidityError},
    ApplyExtrinsicResult,
};
use sp_state_machine::OverlayedChanges;

use crate::{
    client::{Client, ClientError, ClientResult},
    executor::{self, ExecError, StateChanges},
    grandpa::justification as finality,
    keystore::Keystore,
    metrics::Metrics,
    network::{protocol::BlockData, BlockAnnouncer},
    pool::TxPool,
    runtime_api::BlockBuilderApi,
    sync::SyncOracle,
    types::{Block, Extrinsic, Hasher, Header},
};

/// The longest the author waits for the pool to catch up with its parent block.
const MAX_POOL_WAIT: Duration = Duration::from_millis(100);

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

/// The slot recorded in a header's Aura pre-runtime digest.
pub fn header_slot(header: &Header) -> Option<Slot> {
    header.digest().logs().iter().find_map(|d| match d {
        DigestItem::PreRuntime(id, data) if *id == AURA_ENGINE_ID => {
            Slot::decode(&mut &data[..]).ok()
        }
        _ => None,
    })
}

/// A block built by us, ready to import.
pub struct BuiltBlock {
    pub block: Block,
    pub changes: StateChanges,
    pub applied: usize,
}

/// Build a block on `parent` for `slot`, signed with `key`.
pub fn build_block(
    client: &Client,
    pool: &TxPool,
    parent: &Header,
    slot: Slot,
    slot_duration_ms: u64,
    key: &sp_core::sr25519::Pair,
    deadline: Instant,
) -> ClientResult<BuiltBlock> {
    let (_, backend) = client.state_at(&parent.hash())?;
    let mut overlay = OverlayedChanges::<Hasher>::default();
    let digest = Digest {
        logs: vec![DigestItem::PreRuntime(AURA_ENGINE_ID, slot.encode())],
    };
    let header = Header::new(
        parent.number + 1,
        Default::default(),
        Default::default(),
        parent.hash(),
        digest,
    );
    BlockBuilderApi::new(&backend, &mut overlay).initialize_block(&header)?;
    // The pool learns of imports from the client's notifications; give it a moment to catch up
    // with the parent, or build with what it has.
    let wait = deadline
        .saturating_duration_since(Instant::now())
        .min(MAX_POOL_WAIT);
    if !pool.wait_maintained(&parent.hash(), wait) {
        tracing::debug!(target: "aitbc", "the pool is not yet up to date with #{}; building with what it has", parent.number);
    }

    let mut extrinsics = apply_inherents(&backend, &mut overlay, slot, slot_duration_ms)?;
    let applied = apply_pool_transactions(&backend, &mut overlay, pool, deadline, &mut extrinsics)?;

    let mut header = BlockBuilderApi::new(&backend, &mut overlay).finalize_block()?;
    let changes = executor::drain_changes(&backend, &mut overlay)?;
    if changes.root != *header.state_root() {
        return Err(ClientError::StateRootMismatch {
            number: header.number,
            expected: *header.state_root(),
            got: changes.root,
        });
    }
    let signature = key.sign(header.hash().as_bytes());
    header
        .digest_mut()
        .push(DigestItem::Seal(AURA_ENGINE_ID, signature.encode()));
    Ok(BuiltBlock {
        block: <Block as sp_runtime::traits::Block>::new(header, extrinsics),
        changes,
        applied,
    })
}

/// The slot's inherents (the timestamp), applied; any failure fails the block.
fn apply_inherents(
    backend: &executor::StateBackend,
    overlay: &mut OverlayedChanges<Hasher>,
    slot: Slot,
    slot_duration_ms: u64,
) -> ClientResult<Vec<Extrinsic>> {
    let mut inherent_data = sp_inherents::InherentData::new();
    let timestamp = u64::from(slot).saturating_mul(slot_duration_ms);
    inherent_data
        .put_data(sp_timestamp::INHERENT_IDENTIFIER, &timestamp)
        .map_err(|e| ClientError::Other(format!("inherent data: {e}")))?;
    let inherents = BlockBuilderApi::new(backend, overlay).inherent_extrinsics(&inherent_data)?;
    let mut extrinsics = Vec::new();
    for xt in inherents {
        let encoded = xt.encode();
        let res = apply(backend, overlay, &encoded)?;
        if !matches!(res, Ok(Ok(()))) {
            return Err(ClientError::Other(format!(
                "inherent failed to apply: {res:?}"
            )));
        }
        extrinsics.push(xt);
    }
    Ok(extrinsics)
}

/// Ready pool transactions, by priority, until the block is full or `deadline` passes; each
/// one that applies (its call may still fail: it paid its fee) joins `extrinsics`, invalid
/// ones are reported to the pool. Returns how many were included.
fn apply_pool_transactions(
    backend: &executor::StateBackend,
    overlay: &mut OverlayedChanges<Hasher>,
    pool: &TxPool,
    deadline: Instant,
    extrinsics: &mut Vec<Extrinsic>,
) -> ClientResult<usize> {
    let rollback = |overlay: &mut OverlayedChanges<Hasher>| {
        overlay
            .rollback_transaction()
            .map_err(|e| ClientError::Other(format!("{e:?}")))
    };
    let mut applied = 0;
    for tx in pool.ready_for_block() {
        if Instant::now() >= deadline {
            tracing::debug!(target: "aitbc", "slot build budget spent after {applied} transactions");
            break;
        }
        overlay.start_transaction();
        match apply(backend, overlay, &tx.encoded) {
            Ok(Ok(_)) => {
                overlay
                    .commit_transaction()
                    .map_err(|e| ClientError::Other(format!("{e:?}")))?;
                extrinsics.push((*tx.xt).clone());
                applied += 1;
            }
            Ok(Err(TransactionValidityError::Invalid(InvalidTransaction::ExhaustsResources))) => {
                rollback(overlay)?;
                tracing::debug!(target: "aitbc", "block is full after {applied} transactions");
                break;
            }
            Ok(Err(TransactionValidityError::Invalid(InvalidTransaction::Future))) => {
                rollback(overlay)?;
            }
            Ok(Err(e)) => {
                rollback(overlay)?;
                tracing::debug!(target: "aitbc", "dropping invalid transaction {:?}: {e:?}", tx.hash);
                pool.report_invalid(&tx.hash);
            }
            Err(e) => {
                rollback(overlay)?;
                tracing::warn!(target: "aitbc", "transaction {:?} could not be executed: {e}", tx.hash);
                pool.report_invalid(&tx.hash);
            }
        }
    }
    Ok(applied)
}

fn apply(
    backend: &executor::StateBackend,
    overlay: &mut OverlayedChanges<Hasher>,
    encoded: &[u8],
) -> Result<ApplyExtrinsicResult, ExecError> {
    BlockBuilderApi::new(backend, overlay).apply_extrinsic(encoded)
}

/// The slot-driven authoring task.
pub struct Author {
    pub client: Arc<Client>,
    pub pool: Arc<TxPool>,
    pub keystore: Arc<Keystore>,
    pub metrics: Arc<Metrics>,
    /// Where authored blocks are announced.
    pub announcer: Arc<dyn BlockAnnouncer>,
    /// While catching up with peers, the node does not author.
    pub sync: Arc<dyn SyncOracle>,
}

impl Author {
    /// Run until the process ends.
    pub async fn run(self) {
        let this = Arc::new(self);
        loop {
            let slot_ms = match this.client.slot_duration_ms() {
                Ok(ms) => ms,
                Err(e) => {
                    tracing::error!(target: "aitbc", "cannot read the slot duration: {e}");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            let now = now_ms();
            let next_slot_start = (now / slot_ms + 1) * slot_ms;
            tokio::time::sleep(Duration::from_millis(next_slot_start - now)).await;
            let slot = Slot::from(next_slot_start / slot_ms);
            let me = this.clone();
            let res = tokio::task::spawn_blocking(move || me.on_slot(slot, slot_ms)).await;
            match res {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    tracing::error!(target: "aitbc", "slot {slot}: block authorship failed: {e}")
                }
                Err(e) => {
                    tracing::error!(target: "aitbc", "slot {slot}: authoring task failed: {e}")
                }
            }
        }
    }

    fn on_slot(&self, slot: Slot, slot_ms: u64) -> ClientResult<()> {
        if self.sync.is_major_syncing() {
            return Ok(());
        }
        let info = self.client.info();
        let parent = self.client.expect_header(&info.best_hash)?;
        if header_slot(&parent).is_some_and(|s| s >= slot) {
            return Ok(());
        }
        let authorities = self.client.runtime_api(info.best_hash).aura_authorities()?;
        if authorities.is_empty() {
            return Err(ClientError::Other(
                "the runtime has no Aura authorities".into(),
            ));
        }
        let expected = &authorities[(u64::from(slot) % authorities.len() as u64) as usize];
        let Some(key) = self.keystore.aura_pair(&expected.clone().into()) else {
            return Ok(());
        };
        let started = Instant::now();
        // Leave half of the slot for sealing, import and propagation.
        let deadline = started + Duration::from_millis(slot_ms / 2);
        let built = build_block(
            &self.client,
            &self.pool,
            &parent,
            slot,
            slot_ms,
            &key,
            deadline,
        )?;
        let number = built.block.header.number;
        let tx_count = built.applied;
        let justification = finality::single_authority_justification(
            &self.client,
            &self.keystore,
            &built.block.header,
        )?;
        let finalize = justification.is_some();
        let announcement = BlockData {
            block: built.block.clone(),
            justification: justification
                .clone()
                .and_then(|j| j.into_justification(GRANDPA_ENGINE_ID)),
        };
        let imported =
            self.client
                .import_block(built.block, Some(built.changes), justification, finalize)?;
        self.announcer.announce_block(&announcement);
        let elapsed = started.elapsed();
        self.metrics.block_authored(elapsed);
        tracing::info!(
            target: "aitbc",
            "🎁 Authored #{number} ({}) in slot {slot} with {tx_count} transactions in {} ms{}",
            short(&imported.hash),
            elapsed.as_millis(),
            if finalize { ", finalized" } else { "" }
        );
        Ok(())
    }
}

/// `0x1234…abcd`.
pub fn short(h: &H256) -> String {
    let s = format!("{h:?}");
    format!("{}…{}", &s[..6], &s[s.len() - 4..])
}
