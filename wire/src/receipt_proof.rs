//! Receipt proofs: everything needed to check, with no node, that a job receipt is part of a
//! chain's finalized state and that its miner signed it.
//!
//! The only thing a verifier must already know is the chain's genesis hash. From there:
//!
//! 1. **Genesis.** The genesis header hashes to the genesis hash; a storage proof against its
//!    state root gives the first GRANDPA authority set (set 0).
//! 2. **Authority set changes.** Each block that changed the set carries `pallet-grandpa`'s
//!    `ScheduledChange` digest (with no delay) and a justification of the set that was ending; the
//!    digest names the next set. Following them in order gives the set of the finalized block.
//! 3. **Finality.** The finalized block's justification carries precommits of more than 2/3 of
//!    that set ([`crate::justification::verify_justification`]).
//! 4. **Receipt.** A storage proof against the finalized block's state root holds the receipt.
//! 5. **Signature.** The miner's sr25519 signature over the receipt's signing payload
//!    ([`aitbc_primitives::receipt_signing_payload`]) checks against the miner's account.
//! 6. **Participants** (format 2). The same storage proof holds `Receipts::Participants` of the
//!    receipt, or proves there is none (a job run by one miner). A redundant job's receipt names
//!    every participant: each one that revealed signed its own line (its output hash, units and
//!    unit price), the receipt's miner is an agreeing one with the receipt's result, and the
//!    agreeing miners' payments add up to the receipt's price.
//!
//! A proof is a JSON file of hex strings ([`ReceiptProof`]); whatever is wrong in it is reported
//! as the step that failed and why ([`ProofError`]). Every list in it is bounded
//! ([`MAX_SET_CHANGES`], [`MAX_PROOF_NODES`]) and every header and value is decoded with the
//! depth limit of [`crate::decode`].

use codec::Encode;
use serde::{Deserialize, Serialize};
use sp_consensus_grandpa::{AuthorityList, ConsensusLog, SetId, GRANDPA_ENGINE_ID};
use sp_core::{Pair as _, H256};
use sp_runtime::{generic::DigestItem, traits::Header as _};

use crate::{decode::decode_untrusted, justification::verify_justification, Header};

/// The receipt type of the runtime.
pub type Receipt = pallet_aitbc_receipts::ReceiptOf<aitbc_runtime::Runtime>;

/// The proof file format's version written: 2 proves the receipt's participants too. Version
/// 1 files (the receipt alone) are still read.
pub const PROOF_VERSION: u32 = 2;
/// The oldest proof file format version read.
pub const OLDEST_PROOF_VERSION: u32 = 1;
/// Most authority set changes a proof may carry.
pub const MAX_SET_CHANGES: usize = 65_536;
/// Most set changes one `aitbc_authoritySetChanges` answer carries (the node's page size).
pub const SET_CHANGES_PER_CALL: usize = 64;
/// Most trie nodes in one storage proof.
pub const MAX_PROOF_NODES: usize = 1_024;
/// Most bytes of a proof file.
pub const MAX_PROOF_FILE_BYTES: usize = 64 * 1024 * 1024;

/// Bytes, written as `0x`-prefixed hex in the file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bytes(pub Vec<u8>);

impl Serialize for Bytes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("0x{}", hex::encode(&self.0)))
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let digits = s.strip_prefix("0x").unwrap_or(&s);
        hex::decode(digits)
            .map(Bytes)
            .map_err(|e| serde::de::Error::custom(format!("not hex: {e}")))
    }
}

/// A block that changed the GRANDPA authority set, with the ending set's justification.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct SetChange {
    /// The SCALE-encoded header (it carries the `ScheduledChange` digest).
    pub header: Bytes,
    /// The SCALE-encoded GRANDPA justification of that header.
    pub justification: Bytes,
}

/// Everything needed to check a receipt offline (see the module documentation).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ReceiptProof {
    /// [`PROOF_VERSION`].
    pub version: u32,
    /// The chain's genesis hash: the one thing the verifier must trust.
    pub genesis_hash: H256,
    /// The SCALE-encoded genesis header.
    pub genesis_header: Bytes,
    /// Trie nodes proving `Grandpa::Authorities` in the genesis state.
    pub genesis_authorities_proof: Vec<Bytes>,
    /// Every authority set change up to the finalized block, oldest first.
    pub set_changes: Vec<SetChange>,
    /// The SCALE-encoded header of the finalized block whose state holds the receipt.
    pub finalized_header: Bytes,
    /// Its SCALE-encoded GRANDPA justification.
    pub justification: Bytes,
    /// The receipt's id.
    pub receipt_id: u64,
    /// Trie nodes proving `Receipts::Receipts(receipt_id)` in the finalized block's state
    /// (from version 2, also `Receipts::Participants(receipt_id)` or its absence).
    pub receipt_proof: Vec<Bytes>,
}

/// The step of a verification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// The file itself (format, version, sizes).
    File,
    /// The genesis header and hash.
    Genesis,
    /// The genesis authority set's storage proof.
    GenesisAuthorities,
    /// The authority set change at this position (0-based) of `set_changes`.
    SetChange(usize),
    /// The finalized block's header and justification.
    Finality,
    /// The receipt's storage proof.
    Receipt,
    /// The miner's signature.
    Signature,
    /// The participants of a redundant job's receipt (the position, 0-based, when one line
    /// failed).
    Participants(Option<usize>),
}

impl core::fmt::Display for Step {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Step::File => f.write_str("proof file"),
            Step::Genesis => f.write_str("genesis"),
            Step::GenesisAuthorities => f.write_str("genesis authority set"),
            Step::SetChange(i) => write!(f, "authority set change {}", i + 1),
            Step::Finality => f.write_str("finality"),
            Step::Receipt => f.write_str("receipt storage proof"),
            Step::Signature => f.write_str("miner signature"),
            Step::Participants(None) => f.write_str("receipt participants"),
            Step::Participants(Some(i)) => write!(f, "receipt participant {}", i + 1),
        }
    }
}

/// A failed verification: the step and what was wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProofError {
    /// Where it failed.
    pub step: Step,
    /// Why.
    pub reason: String,
}

impl core::fmt::Display for ProofError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} check failed: {}", self.step, self.reason)
    }
}

impl std::error::Error for ProofError {}

fn fail<T>(step: Step, reason: impl Into<String>) -> Result<T, ProofError> {
    Err(ProofError {
        step,
        reason: reason.into(),
    })
}

/// One participant of a redundant job's receipt, as the runtime stores it.
pub type Participant =
    aitbc_primitives::ReceiptParticipant<aitbc_runtime::AccountId, aitbc_runtime::Balance>;

/// What a successful verification established.
#[derive(Clone, Debug)]
pub struct VerifiedReceipt {
    /// The receipt, as stored on chain.
    pub receipt: Receipt,
    /// Its participants, each signature checked: `Some(empty)` for a receipt of one miner,
    /// `None` when the proof (format 1) does not cover them.
    pub participants: Option<Vec<Participant>>,
    /// The genesis hash the proof starts from.
    pub genesis_hash: H256,
    /// The finalized block whose state holds the receipt.
    pub block_hash: H256,
    /// Its number.
    pub block_number: u32,
    /// The GRANDPA set that finalized it.
    pub set_id: SetId,
    /// How many authorities that set has.
    pub authorities: usize,
}

/// The storage key of `Grandpa::Authorities`.
pub fn grandpa_authorities_key() -> Vec<u8> {
    pallet_grandpa::Authorities::<aitbc_runtime::Runtime>::hashed_key().to_vec()
}

/// The storage key of receipt `id`.
pub fn receipt_key(id: u64) -> Vec<u8> {
    pallet_aitbc_receipts::Receipts::<aitbc_runtime::Runtime>::hashed_key_for(id)
}

/// The storage key of receipt `id`'s participants.
pub fn participants_key(id: u64) -> Vec<u8> {
    pallet_aitbc_receipts::Participants::<aitbc_runtime::Runtime>::hashed_key_for(id)
}

/// Parse a proof file's text.
pub fn parse(text: &[u8]) -> Result<ReceiptProof, ProofError> {
    if text.len() > MAX_PROOF_FILE_BYTES {
        return fail(
            Step::File,
            format!(
                "{} bytes, more than a proof can hold ({MAX_PROOF_FILE_BYTES})",
                text.len()
            ),
        );
    }
    serde_json::from_slice(text).or_else(|e| fail(Step::File, format!("not a receipt proof: {e}")))
}

/// The value of `key` in the state with root `root`, proven by `nodes`.
fn proven_value(
    step: Step,
    root: H256,
    nodes: &[Bytes],
    key: &[u8],
) -> Result<Vec<u8>, ProofError> {
    match proven_option(step.clone(), root, nodes, key)? {
        Some(v) => Ok(v),
        None => fail(
            step,
            format!("the state with root {root:?} has no value there"),
        ),
    }
}

/// The value under `key` in the state with `root`, or its proven absence.
fn proven_option(
    step: Step,
    root: H256,
    nodes: &[Bytes],
    key: &[u8],
) -> Result<Option<Vec<u8>>, ProofError> {
    if nodes.len() > MAX_PROOF_NODES {
        return fail(
            step,
            format!("{} trie nodes, more than {MAX_PROOF_NODES}", nodes.len()),
        );
    }
    let proof = sp_trie::StorageProof::new(nodes.iter().map(|n| n.0.clone()));
    let mut values = sp_state_machine::read_proof_check::<sp_runtime::traits::BlakeTwo256, _>(
        root,
        proof,
        [key],
    )
    .or_else(|e| {
        fail(
            step.clone(),
            format!("the trie nodes do not prove the value under state root {root:?}: {e}"),
        )
    })?;
    Ok(values.remove(key).flatten())
}

fn header(step: Step, bytes: &Bytes) -> Result<Header, ProofError> {
    decode_untrusted(&bytes.0).or_else(|e| fail(step, format!("undecodable header: {e}")))
}

/// The next authority set a header schedules (with no delay), if it changes the set.
fn scheduled_change(step: Step, header: &Header) -> Result<Option<AuthorityList>, ProofError> {
    for log in header.digest().logs() {
        let DigestItem::Consensus(id, data) = log else {
            continue;
        };
        if *id != GRANDPA_ENGINE_ID {
            continue;
        }
        match decode_untrusted::<ConsensusLog<u32>>(data) {
            Ok(ConsensusLog::ScheduledChange(change)) if change.delay == 0 => {
                return Ok(Some(change.next_authorities))
            }
            Ok(ConsensusLog::ScheduledChange(change)) => {
                return fail(
                    step,
                    format!(
                        "a change delayed by {} blocks (this chain applies changes at once)",
                        change.delay
                    ),
                )
            }
            Ok(ConsensusLog::ForcedChange(..)) => {
                return fail(step, "a forced authority change (not used by this chain)")
            }
            Ok(_) => {}
            Err(e) => return fail(step, format!("undecodable GRANDPA digest: {e}")),
        }
    }
    Ok(None)
}

/// The genesis authority set, after checking the genesis header against `genesis_hash`.
fn genesis_set(proof: &FinalityParts<'_>) -> Result<AuthorityList, ProofError> {
    let genesis = header(Step::Genesis, proof.genesis_header)?;
    if genesis.number != 0 {
        return fail(
            Step::Genesis,
            format!("the header is block #{}, not genesis", genesis.number),
        );
    }
    if genesis.hash() != proof.genesis_hash {
        return fail(
            Step::Genesis,
            format!(
                "the header hashes to {:?}, not the genesis hash {:?}",
                genesis.hash(),
                proof.genesis_hash
            ),
        );
    }
    let value = proven_value(
        Step::GenesisAuthorities,
        genesis.state_root,
        proof.genesis_authorities_proof,
        &grandpa_authorities_key(),
    )?;
    let set: AuthorityList = decode_untrusted(&value)
        .or_else(|e| fail(Step::GenesisAuthorities, format!("undecodable set: {e}")))?;
    check_set_size(Step::GenesisAuthorities, &set)?;
    Ok(set)
}

/// A set this chain can have: not empty, and no larger than the runtime allows (which also
/// bounds the signature checks of each justification).
fn check_set_size(step: Step, set: &AuthorityList) -> Result<(), ProofError> {
    let max = <<aitbc_runtime::Runtime as pallet_grandpa::Config>::MaxAuthorities as
        frame_support::traits::Get<u32>>::get() as usize;
    if set.is_empty() {
        return fail(step, "the authority set is empty");
    }
    if set.len() > max {
        return fail(
            step,
            format!(
                "{} authorities, more than this chain allows ({max})",
                set.len()
            ),
        );
    }
    Ok(())
}

/// Follow the authority set changes from genesis: the last set and its id.
fn follow_set_changes(
    changes: &[SetChange],
    mut set: AuthorityList,
) -> Result<(SetId, AuthorityList, u32), ProofError> {
    let mut set_id: SetId = 0;
    let mut last_number = 0u32;
    for (i, change) in changes.iter().enumerate() {
        let step = Step::SetChange(i);
        let h = header(step.clone(), &change.header)?;
        if h.number <= last_number {
            return fail(
                step,
                format!("block #{} does not come after #{last_number}", h.number),
            );
        }
        let Some(next) = scheduled_change(step.clone(), &h)? else {
            return fail(
                step,
                format!("block #{} does not change the authority set", h.number),
            );
        };
        check_set_size(step.clone(), &next)?;
        verify_justification(&h, &change.justification.0, &set, set_id).or_else(|e| {
            fail(
                step.clone(),
                format!("block #{} is not finalized by set {set_id}: {e}", h.number),
            )
        })?;
        set = next;
        set_id += 1;
        last_number = h.number;
    }
    Ok((set_id, set, last_number))
}

/// The parts of a proof that establish finality: from the genesis hash to a finalized block.
#[derive(Clone, Copy, Debug)]
pub struct FinalityParts<'a> {
    /// The chain's genesis hash.
    pub genesis_hash: H256,
    /// The SCALE-encoded genesis header.
    pub genesis_header: &'a Bytes,
    /// Trie nodes proving `Grandpa::Authorities` in the genesis state.
    pub genesis_authorities_proof: &'a [Bytes],
    /// Every authority set change up to the finalized block, oldest first.
    pub set_changes: &'a [SetChange],
    /// The SCALE-encoded finalized header.
    pub finalized_header: &'a Bytes,
    /// Its SCALE-encoded GRANDPA justification.
    pub justification: &'a Bytes,
}

/// A block proven final from the genesis hash.
#[derive(Clone, Debug)]
pub struct FinalizedBlock {
    /// Its header.
    pub header: Header,
    /// The GRANDPA set that finalized it.
    pub set_id: SetId,
    /// How many authorities that set has.
    pub authorities: usize,
}

/// Follow finality from the genesis hash to the finalized header: the genesis set, each set
/// change, the finalized block's justification.
pub fn verify_finality(parts: FinalityParts<'_>) -> Result<FinalizedBlock, ProofError> {
    if parts.set_changes.len() > MAX_SET_CHANGES {
        return fail(
            Step::File,
            format!(
                "{} set changes, more than {MAX_SET_CHANGES}",
                parts.set_changes.len()
            ),
        );
    }
    let genesis = genesis_set(&parts)?;
    let (set_id, set, last_change) = follow_set_changes(parts.set_changes, genesis)?;
    let finalized = header(Step::Finality, parts.finalized_header)?;
    if finalized.number < last_change {
        return fail(
            Step::Finality,
            format!(
                "block #{} comes before the last set change (#{last_change})",
                finalized.number
            ),
        );
    }
    verify_justification(&finalized, &parts.justification.0, &set, set_id).or_else(|e| {
        fail(
            Step::Finality,
            format!(
                "block #{} is not finalized by set {set_id}: {e}",
                finalized.number
            ),
        )
    })?;
    Ok(FinalizedBlock {
        header: finalized,
        set_id,
        authorities: set.len(),
    })
}

/// Verify a receipt proof. With `trusted_genesis`, the proof must start from that genesis hash
/// (otherwise the caller must compare [`VerifiedReceipt::genesis_hash`] with the chain it means).
pub fn verify(
    proof: &ReceiptProof,
    trusted_genesis: Option<H256>,
) -> Result<VerifiedReceipt, ProofError> {
    if !(OLDEST_PROOF_VERSION..=PROOF_VERSION).contains(&proof.version) {
        return fail(
            Step::File,
            format!(
                "format version {}; this verifier reads versions {OLDEST_PROOF_VERSION} to {PROOF_VERSION}",
                proof.version
            ),
        );
    }
    if let Some(trusted) = trusted_genesis {
        if trusted != proof.genesis_hash {
            return fail(
                Step::Genesis,
                format!(
                    "the proof is for the chain with genesis {:?}, not {trusted:?}",
                    proof.genesis_hash
                ),
            );
        }
    }
    let finalized = verify_finality(FinalityParts {
        genesis_hash: proof.genesis_hash,
        genesis_header: &proof.genesis_header,
        genesis_authorities_proof: &proof.genesis_authorities_proof,
        set_changes: &proof.set_changes,
        finalized_header: &proof.finalized_header,
        justification: &proof.justification,
    })?;
    let value = proven_value(
        Step::Receipt,
        finalized.header.state_root,
        &proof.receipt_proof,
        &receipt_key(proof.receipt_id),
    )?;
    let receipt: Receipt = decode_untrusted(&value)
        .or_else(|e| fail(Step::Receipt, format!("undecodable receipt: {e}")))?;
    if receipt.id != proof.receipt_id {
        return fail(
            Step::Receipt,
            format!(
                "the stored receipt has id {}, not {}",
                receipt.id, proof.receipt_id
            ),
        );
    }
    check_signature(&receipt)?;
    let participants = if proof.version >= 2 {
        let value = proven_option(
            Step::Participants(None),
            finalized.header.state_root,
            &proof.receipt_proof,
            &participants_key(proof.receipt_id),
        )?;
        let lines = match value {
            None => Vec::new(),
            Some(v) => {
                let lines: aitbc_primitives::ReceiptParticipants<_, _> = decode_untrusted(&v)
                    .or_else(|e| {
                        fail(
                            Step::Participants(None),
                            format!("undecodable participants: {e}"),
                        )
                    })?;
                lines.into_inner()
            }
        };
        check_participants(&receipt, &lines)?;
        Some(lines)
    } else {
        None
    };
    Ok(VerifiedReceipt {
        receipt,
        participants,
        genesis_hash: proof.genesis_hash,
        block_hash: finalized.header.hash(),
        block_number: finalized.header.number,
        set_id: finalized.set_id,
        authorities: finalized.authorities,
    })
}

/// Whether `signature` is `miner`'s sr25519 signature of the signing payload of `receipt`'s job
/// and client with this output hash, units and unit price
/// ([`aitbc_primitives::receipt_signing_payload`]): the receipt's own line or a participant's.
pub fn signed_by(
    receipt: &Receipt,
    miner: &aitbc_runtime::AccountId,
    output_hash: &H256,
    units_milli: u64,
    unit_price: &aitbc_runtime::Balance,
    signature: &sp_core::H512,
) -> bool {
    let payload = aitbc_primitives::receipt_signing_payload(
        receipt.job_id,
        &receipt.client,
        miner,
        output_hash,
        units_milli,
        unit_price,
    );
    let public = sp_core::sr25519::Public::from_raw(*miner.as_ref());
    let signature = sp_core::sr25519::Signature::from_raw(signature.0);
    sp_core::sr25519::Pair::verify(&signature, &payload, &public)
}

/// The miner's signature over the receipt's signing payload.
pub fn check_signature(receipt: &Receipt) -> Result<(), ProofError> {
    if receipt.signature.0 == [0u8; 64] {
        return fail(
            Step::Signature,
            "the receipt carries no miner signature (it was written before receipts were signed)",
        );
    }
    if !signed_by(
        receipt,
        &receipt.miner,
        &receipt.result_hash,
        receipt.units_milli,
        &receipt.unit_price,
        &receipt.signature,
    ) {
        return fail(
            Step::Signature,
            format!(
                "the signature does not check against miner {} over job {}, result {:?}, {} ms at unit price {}",
                receipt.miner, receipt.job_id, receipt.result_hash, receipt.units_milli, receipt.unit_price
            ),
        );
    }
    Ok(())
}

/// The participants of a redundant job's receipt: each line that revealed is signed by its
/// miner over its own output hash, units and unit price; the receipt's miner agreed with the
/// receipt's result; the agreeing miners' payments add up to the receipt's price.
pub fn check_participants(receipt: &Receipt, lines: &[Participant]) -> Result<(), ProofError> {
    use aitbc_primitives::ParticipantVerdict as V;
    if lines.is_empty() {
        return Ok(());
    }
    for (i, line) in lines.iter().enumerate() {
        if !matches!(line.verdict, V::Agreed | V::Dissented) {
            continue;
        }
        if !signed_by(
            receipt,
            &line.miner,
            &line.output_hash,
            line.units_milli,
            &line.unit_price,
            &line.signature,
        ) {
            return fail(
                Step::Participants(Some(i)),
                format!(
                    "the signature does not check against miner {} over output {:?}, {} ms at unit price {}",
                    line.miner, line.output_hash, line.units_milli, line.unit_price
                ),
            );
        }
        if line.verdict == V::Agreed && line.output_hash != receipt.result_hash {
            return fail(
                Step::Participants(Some(i)),
                format!(
                    "an agreeing line has output {:?}, not the receipt's result {:?}",
                    line.output_hash, receipt.result_hash
                ),
            );
        }
    }
    if !lines
        .iter()
        .any(|l| l.verdict == V::Agreed && l.miner == receipt.miner)
    {
        return fail(
            Step::Participants(None),
            format!(
                "the receipt's miner {} is not an agreeing participant",
                receipt.miner
            ),
        );
    }
    let paid: u128 = lines
        .iter()
        .filter(|l| l.verdict == V::Agreed)
        .fold(0u128, |sum, l| sum.saturating_add(l.paid));
    if paid != receipt.price {
        return fail(
            Step::Participants(None),
            format!(
                "the agreeing miners were paid {paid} in all; the receipt's price is {}",
                receipt.price
            ),
        );
    }
    Ok(())
}

impl ReceiptProof {
    /// The proof as the file's JSON text.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self)
    }
}

/// A header's SCALE bytes, as carried in a proof.
pub fn header_bytes(header: &Header) -> Bytes {
    Bytes(header.encode())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn empty_proof() -> ReceiptProof {
        ReceiptProof {
            version: PROOF_VERSION,
            genesis_hash: H256::zero(),
            genesis_header: Bytes(vec![]),
            genesis_authorities_proof: vec![],
            set_changes: vec![],
            finalized_header: Bytes(vec![]),
            justification: Bytes(vec![]),
            receipt_id: 0,
            receipt_proof: vec![],
        }
    }

    #[test]
    fn a_proof_survives_its_file_format() {
        let mut proof = empty_proof();
        proof.genesis_header = Bytes(vec![0, 1, 0xff]);
        let text = proof.to_json().expect("json");
        assert!(text.contains("\"0x0001ff\""), "{text}");
        assert_eq!(parse(text.as_bytes()).expect("parsed"), proof);
    }

    #[test]
    fn a_broken_file_is_named_as_such() {
        let err = parse(b"{\"version\": 1").expect_err("truncated");
        assert_eq!(err.step, Step::File);
        let text = empty_proof()
            .to_json()
            .expect("json")
            .replace("\"0x\"", "\"0xzz\"");
        let err = parse(text.as_bytes()).expect_err("not hex");
        assert!(err.reason.contains("not hex"), "{err}");
        let err = parse(&vec![b' '; MAX_PROOF_FILE_BYTES + 1]).expect_err("too big");
        assert!(err.reason.contains("more than a proof can hold"), "{err}");
    }

    #[test]
    fn a_set_larger_than_the_chain_allows_is_refused_before_any_signature_check() {
        use sp_consensus_grandpa::ScheduledChange;
        let huge: AuthorityList = (0..33u8)
            .map(|i| (sp_core::ed25519::Public::from_raw([i; 32]).into(), 1))
            .collect();
        let mut h = Header::new(
            1,
            Default::default(),
            Default::default(),
            Default::default(),
            Default::default(),
        );
        h.digest.push(DigestItem::Consensus(
            GRANDPA_ENGINE_ID,
            ConsensusLog::<u32>::ScheduledChange(ScheduledChange {
                next_authorities: huge.clone(),
                delay: 0,
            })
            .encode(),
        ));
        let change = SetChange {
            header: header_bytes(&h),
            justification: Bytes(vec![]),
        };
        let err = follow_set_changes(&[change], huge[..1].to_vec()).expect_err("too large");
        assert_eq!(err.step, Step::SetChange(0));
        assert!(err.reason.contains("33 authorities"), "{err}");
    }

    #[test]
    fn each_step_reports_what_failed() {
        let mut proof = empty_proof();
        proof.version = 9;
        assert_eq!(verify(&proof, None).expect_err("version").step, Step::File);
        let proof = empty_proof();
        let err = verify(&proof, Some(H256::repeat_byte(1))).expect_err("other chain");
        assert_eq!(err.step, Step::Genesis);
        assert!(err.reason.contains("not 0x0101"), "{err}");
        let err = verify(&proof, None).expect_err("no header");
        assert_eq!(err.step, Step::Genesis);
        assert!(err.reason.contains("undecodable header"), "{err}");
    }

    fn signed_line(
        who: sp_keyring::Sr25519Keyring,
        receipt: &Receipt,
        output: H256,
        verdict: aitbc_primitives::ParticipantVerdict,
        paid: u128,
    ) -> Participant {
        let miner: aitbc_runtime::AccountId = who.to_account_id();
        let payload = aitbc_primitives::receipt_signing_payload(
            receipt.job_id,
            &receipt.client,
            &miner,
            &output,
            1_500,
            &7u128,
        );
        Participant {
            miner,
            verdict,
            output_hash: output,
            units_milli: 1_500,
            unit_price: 7,
            paid,
            fee: 0,
            signature: sp_core::H512(who.pair().sign(&payload).0),
        }
    }

    #[test]
    fn participants_are_checked_line_by_line() {
        use aitbc_primitives::ParticipantVerdict as V;
        use sp_keyring::Sr25519Keyring as K;
        let agreed = H256::repeat_byte(1);
        let receipt = Receipt {
            id: 3,
            job_id: 9,
            client: K::Alice.to_account_id(),
            miner: K::Bob.to_account_id(),
            units_milli: 1_500,
            unit_price: 7,
            price: 20,
            fee: 0,
            result_hash: agreed,
            block: 1,
            timestamp_ms: 0,
            reward: aitbc_primitives::RewardStatus::Unclaimed,
            signature: sp_core::H512::zero(),
        };
        let lines = vec![
            signed_line(K::Bob, &receipt, agreed, V::Agreed, 10),
            signed_line(K::Charlie, &receipt, agreed, V::Agreed, 10),
            signed_line(K::Dave, &receipt, H256::repeat_byte(2), V::Dissented, 0),
        ];
        assert_eq!(check_participants(&receipt, &lines), Ok(()));
        assert_eq!(check_participants(&receipt, &[]), Ok(()));
        // A tampered line names itself.
        let mut tampered = lines.clone();
        tampered[2].output_hash = agreed;
        let err = check_participants(&receipt, &tampered).expect_err("tampered");
        assert_eq!(err.step, Step::Participants(Some(2)));
        assert!(err
            .to_string()
            .starts_with("receipt participant 3 check failed"));
        // Payments that do not add up to the receipt's price.
        let mut underpaid = lines.clone();
        underpaid[1].paid = 9;
        underpaid[1].signature = signed_line(K::Charlie, &receipt, agreed, V::Agreed, 9).signature;
        let err = check_participants(&receipt, &underpaid).expect_err("sum");
        assert_eq!(err.step, Step::Participants(None));
        // The receipt's miner must be an agreeing participant.
        let others = vec![lines[1].clone(), lines[2].clone()];
        assert_eq!(
            check_participants(&receipt, &others)
                .expect_err("primary")
                .step,
            Step::Participants(None)
        );
    }
}
