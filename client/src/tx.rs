//! Building, signing, estimating and submitting extrinsics for any `RuntimeCall`, then decoding
//! what happened to them from the block's events.

use crate::error::{Error, Result};
use crate::keys::{self, Pair};
use crate::metadata;
use crate::rpc::{RpcClient, TxStatus};
use crate::state::{self, EventRecord};
use aitbc_runtime::{
    AccountId, Address, Balance, BlockNumber, Hash, Nonce, Runtime, RuntimeCall, RuntimeEvent,
    Signature, SignedPayload, TxExtension, UncheckedExtrinsic,
};
use codec::Encode;
use frame_system::Phase;
use sp_core::Pair as _;
use sp_runtime::generic::Era;
use std::time::{Duration, Instant};

/// What every transaction commits to besides the call: chain and runtime version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChainInfo {
    pub genesis_hash: Hash,
    pub spec_version: u32,
    pub transaction_version: u32,
}

impl ChainInfo {
    pub async fn fetch(rpc: &RpcClient) -> Result<Self> {
        let genesis_hash = rpc.genesis_hash().await?;
        let v = rpc.runtime_version(None).await?;
        Ok(ChainInfo {
            genesis_hash,
            spec_version: v.spec_version,
            transaction_version: v.transaction_version,
        })
    }
}

/// Options for a transaction.
#[derive(Clone, Debug)]
pub struct TxOptions {
    /// Tip for the block author, in base units.
    pub tip: Balance,
    /// Mortality period in blocks (rounded to a power of two by `Era::mortal`); 0 = immortal.
    pub mortality: u64,
    /// Explicit nonce (for several transactions in flight); default: `system_accountNextIndex`.
    pub nonce: Option<Nonce>,
}

impl Default for TxOptions {
    fn default() -> Self {
        TxOptions {
            tip: 0,
            mortality: 64,
            nonce: None,
        }
    }
}

type Implicit = ((), u32, u32, Hash, Hash, (), (), (), ());

/// The standard extension tuple for a nonce, era and tip.
pub fn extension(nonce: Nonce, era: Era, tip: Balance) -> TxExtension {
    (
        frame_system::CheckNonZeroSender::<Runtime>::new(),
        frame_system::CheckSpecVersion::<Runtime>::new(),
        frame_system::CheckTxVersion::<Runtime>::new(),
        frame_system::CheckGenesis::<Runtime>::new(),
        frame_system::CheckEra::<Runtime>::from(era),
        frame_system::CheckNonce::<Runtime>::from(nonce),
        frame_system::CheckWeight::<Runtime>::new(),
        pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(tip),
        frame_system::WeightReclaim::<Runtime>::new(),
    )
}

/// A transaction with everything it commits to, not yet signed.
#[derive(Clone)]
pub struct UnsignedTx {
    pub call: RuntimeCall,
    pub signer: AccountId,
    pub nonce: Nonce,
    extension: TxExtension,
    implicit: Implicit,
}

/// Gathers nonce, chain info and a mortal era from the node for `call` sent by `signer`.
pub async fn prepare(
    rpc: &RpcClient,
    signer: &AccountId,
    call: RuntimeCall,
    opts: &TxOptions,
) -> Result<UnsignedTx> {
    let chain = ChainInfo::fetch(rpc).await?;
    let nonce = match opts.nonce {
        Some(n) => n,
        None => rpc.account_next_index(signer).await?,
    };
    let (era, birth_hash) = if opts.mortality == 0 {
        (Era::Immortal, chain.genesis_hash)
    } else {
        let best = rpc.best_header().await?.number as u64;
        let era = Era::mortal(opts.mortality, best);
        let birth = era.birth(best);
        let hash = rpc
            .block_hash(Some(birth as BlockNumber))
            .await?
            .ok_or_else(|| Error::NotFound(format!("hash of block #{birth}")))?;
        (era, hash)
    };
    Ok(build_unsigned(
        call,
        signer.clone(),
        nonce,
        era,
        birth_hash,
        opts.tip,
        chain,
    ))
}

/// Builds an unsigned transaction from known values (no RPC).
pub fn build_unsigned(
    call: RuntimeCall,
    signer: AccountId,
    nonce: Nonce,
    era: Era,
    era_birth_hash: Hash,
    tip: Balance,
    chain: ChainInfo,
) -> UnsignedTx {
    UnsignedTx {
        call,
        signer,
        nonce,
        extension: extension(nonce, era, tip),
        implicit: (
            (),
            chain.spec_version,
            chain.transaction_version,
            chain.genesis_hash,
            era_birth_hash,
            (),
            (),
            (),
            (),
        ),
    }
}

/// A signed, encoded extrinsic and its hash.
#[derive(Clone)]
pub struct SignedTx {
    pub extrinsic: UncheckedExtrinsic,
    pub encoded: Vec<u8>,
    pub hash: Hash,
}

impl UnsignedTx {
    /// Signs with `pair`, which must be the signer's key.
    pub fn sign(&self, pair: &Pair) -> Result<SignedTx> {
        if keys::account_id(pair) != self.signer {
            return Err(Error::InvalidSecret(
                "key does not belong to the transaction's signer".into(),
            ));
        }
        let payload =
            SignedPayload::from_raw(self.call.clone(), self.extension.clone(), self.implicit);
        let sig = payload.using_encoded(|bytes| pair.sign(bytes));
        Ok(self.assemble(Signature::Sr25519(sig)))
    }

    /// The same transaction with an all-zero signature: for fee estimation without signing.
    pub fn unsigned_for_fee(&self) -> SignedTx {
        self.assemble(Signature::Sr25519(sp_core::sr25519::Signature::from_raw(
            [0u8; 64],
        )))
    }

    fn assemble(&self, signature: Signature) -> SignedTx {
        let extrinsic = UncheckedExtrinsic::new_signed(
            self.call.clone(),
            Address::Id(self.signer.clone()),
            signature,
            self.extension.clone(),
        );
        let encoded = extrinsic.encode();
        let hash = Hash::from(sp_crypto_hashing::blake2_256(&encoded));
        SignedTx {
            extrinsic,
            encoded,
            hash,
        }
    }
}

/// `TransactionPaymentApi_query_info`: the partial fee (base + length + weight fee) of `tx`.
pub async fn estimate_fee(rpc: &RpcClient, tx: &SignedTx) -> Result<Balance> {
    let mut args = tx.encoded.clone();
    (tx.encoded.len() as u32).encode_to(&mut args);
    let info: pallet_transaction_payment::RuntimeDispatchInfo<Balance, sp_runtime::Weight> =
        crate::runtime_api::TRANSACTION_PAYMENT_API
            .call_raw(rpc, "query_info", &args, None)
            .await?;
    Ok(info.partial_fee)
}

/// Checks, before anything is signed, that the signer can pay `spend` (e.g. a transfer amount or
/// an escrowed budget) plus the fee and tip, keeping the account alive. Returns the fee estimate.
pub async fn ensure_can_pay(
    rpc: &RpcClient,
    utx: &UnsignedTx,
    spend: Balance,
    tip: Balance,
) -> Result<Balance> {
    let fee = estimate_fee(rpc, &utx.unsigned_for_fee()).await?;
    let bal = state::balance(rpc, &utx.signer, None).await?;
    let needed = spend.saturating_add(fee).saturating_add(tip);
    if needed > bal.transferable {
        use crate::amount::format_amount as f;
        let mut detail = format!("{} + {} fee", f(spend), f(fee));
        if tip > 0 {
            detail.push_str(&format!(" + {} tip", f(tip)));
        }
        return Err(Error::InsufficientBalance {
            needed: f(needed),
            available: f(bal.transferable),
            detail,
        });
    }
    Ok(fee)
}

/// How long to follow a transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitFor {
    InBlock,
    Finalized,
}

/// What happened to a transaction.
#[derive(Clone, Debug)]
pub struct TxOutcome {
    pub tx_hash: Hash,
    pub block_hash: Hash,
    pub block_number: BlockNumber,
    pub extrinsic_index: u32,
    pub success: bool,
    /// `"Balances.InsufficientBalance"`-style name when the dispatch failed.
    pub error: Option<String>,
    /// The error with its explanation.
    pub error_detail: Option<String>,
    /// The fee actually paid (`TransactionPayment::TransactionFeePaid`).
    pub fee_paid: Option<Balance>,
    pub events: Vec<RuntimeEvent>,
    pub finalized: bool,
}

impl TxOutcome {
    /// `Err(DispatchFailed)` when the call failed on chain.
    pub fn into_result(self) -> Result<Self> {
        if self.success {
            Ok(self)
        } else {
            Err(Error::DispatchFailed {
                tx_hash: format!("{:?}", self.tx_hash),
                block_number: self.block_number,
                error: self
                    .error_detail
                    .clone()
                    .or(self.error.clone())
                    .unwrap_or_default(),
            })
        }
    }

    /// The first event matching `f`.
    pub fn find_event<T>(&self, f: impl FnMut(&RuntimeEvent) -> Option<T>) -> Option<T> {
        self.events.iter().find_map(f)
    }
}

/// Decodes the outcome of the extrinsic at `index` from a block's events.
pub fn outcome_from_events(
    tx_hash: Hash,
    block_hash: Hash,
    block_number: BlockNumber,
    index: u32,
    records: Vec<EventRecord>,
) -> TxOutcome {
    let mut out = TxOutcome {
        tx_hash,
        block_hash,
        block_number,
        extrinsic_index: index,
        success: false,
        error: None,
        error_detail: None,
        fee_paid: None,
        events: Vec::new(),
        finalized: false,
    };
    for r in records {
        if r.phase != Phase::ApplyExtrinsic(index) {
            continue;
        }
        match &r.event {
            RuntimeEvent::System(frame_system::Event::ExtrinsicSuccess { .. }) => {
                out.success = true
            }
            RuntimeEvent::System(frame_system::Event::ExtrinsicFailed {
                dispatch_error, ..
            }) => {
                out.success = false;
                out.error = Some(metadata::dispatch_error_name(dispatch_error));
                out.error_detail = Some(metadata::describe_dispatch_error(dispatch_error));
            }
            RuntimeEvent::TransactionPayment(
                pallet_transaction_payment::Event::TransactionFeePaid { actual_fee, .. },
            ) => out.fee_paid = Some(*actual_fee),
            _ => {}
        }
        out.events.push(r.event);
    }
    out
}

/// Finds `tx_hash` in block `block_hash` and decodes its outcome.
pub async fn outcome(rpc: &RpcClient, tx_hash: Hash, block_hash: Hash) -> Result<TxOutcome> {
    let block = rpc
        .block(Some(block_hash))
        .await?
        .ok_or_else(|| Error::NotFound(format!("block {block_hash:?}")))?;
    let index = block
        .extrinsics
        .iter()
        .position(|x| Hash::from(sp_crypto_hashing::blake2_256(&x.0)) == tx_hash)
        .ok_or_else(|| {
            Error::NotFound(format!("transaction {tx_hash:?} in block {block_hash:?}"))
        })?;
    let records = state::events(rpc, block_hash).await?;
    Ok(outcome_from_events(
        tx_hash,
        block_hash,
        block.header.number,
        index as u32,
        records,
    ))
}

/// Submits `tx` and follows it until it is in a block (or finalized), then decodes the outcome.
/// `on_status` sees every status update (for progress display). Over HTTP, polls blocks instead.
///
/// When the connection fails while the transaction is being sent or followed, and the client
/// retries network failures ([`RpcClient::max_retries`]), the transaction is never simply sent
/// again: once the node answers, its pool (`author_pendingExtrinsics`) and the blocks since
/// the first send are searched for it; it is followed where it is found, and sent again only
/// when it is in neither (e.g. the node restarted and lost its pool). Each step is noted.
pub async fn submit_and_watch(
    rpc: &RpcClient,
    tx: &SignedTx,
    wait: WaitFor,
    timeout: Duration,
    mut on_status: impl FnMut(&TxStatus),
) -> Result<TxOutcome> {
    let deadline = Instant::now() + timeout;
    let from = rpc.best_header().await?.number;
    let mut recoveries = 0u32;
    let mut send = true;
    loop {
        let res = if send {
            send_once(rpc, tx, wait, timeout, deadline, from, &mut on_status).await
        } else {
            follow_by_polling(rpc, tx, wait, timeout, deadline, from, &mut on_status).await
        };
        let err = match res {
            Ok(o) => return Ok(o),
            Err(e) => e,
        };
        if !err.is_transient() || recoveries >= rpc.max_retries() || Instant::now() >= deadline {
            return Err(err);
        }
        recoveries += 1;
        rpc.note(&format!(
            "lost the node while sending transaction {:?} ({err}); looking for it in the node's pool and chain before sending anything again",
            tx.hash
        ));
        match locate(rpc, tx, from).await? {
            Whereabouts::InPool => {
                rpc.note(&format!(
                    "transaction {:?} is in the node's pool: following it, not sending it again",
                    tx.hash
                ));
                send = false;
            }
            Whereabouts::InBlock(n) => {
                rpc.note(&format!(
                    "transaction {:?} is already in block #{n}: not sending it again",
                    tx.hash
                ));
                send = false;
            }
            Whereabouts::Nowhere => {
                rpc.note(&format!(
                    "transaction {:?} is neither in the node's pool nor in a block since #{from}: sending it again",
                    tx.hash
                ));
                send = true;
            }
        }
    }
}

/// Where a transaction that may or may not have reached the node is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Whereabouts {
    /// In the node's transaction pool.
    InPool,
    /// In the best chain, in this block.
    InBlock(BlockNumber),
    /// Neither: it can be sent again without being applied twice.
    Nowhere,
}

/// Looks for `tx` in the node's pool, then in the best chain's blocks from `from` (in that
/// order, so that a transaction moving from the pool into a block is not missed).
pub async fn locate(rpc: &RpcClient, tx: &SignedTx, from: BlockNumber) -> Result<Whereabouts> {
    if rpc
        .pending_extrinsics()
        .await?
        .iter()
        .any(|x| x == &tx.encoded)
    {
        return Ok(Whereabouts::InPool);
    }
    Ok(match find_in_blocks(rpc, tx.hash, from).await? {
        Some((n, _)) => Whereabouts::InBlock(n),
        None => Whereabouts::Nowhere,
    })
}

/// The first best-chain block from `from` that contains `tx_hash`.
pub async fn find_in_blocks(
    rpc: &RpcClient,
    tx_hash: Hash,
    from: BlockNumber,
) -> Result<Option<(BlockNumber, Hash)>> {
    let best = rpc.best_header().await?.number;
    for n in from..=best {
        let Some(hash) = rpc.block_hash(Some(n)).await? else {
            continue;
        };
        let Some(block) = rpc.block(Some(hash)).await? else {
            continue;
        };
        if block
            .extrinsics
            .iter()
            .any(|x| Hash::from(sp_crypto_hashing::blake2_256(&x.0)) == tx_hash)
        {
            return Ok(Some((n, hash)));
        }
    }
    Ok(None)
}

/// Sends `tx` once and follows it (by subscription over WebSocket, by polling over HTTP).
async fn send_once<F: FnMut(&TxStatus)>(
    rpc: &RpcClient,
    tx: &SignedTx,
    wait: WaitFor,
    timeout: Duration,
    deadline: Instant,
    from: BlockNumber,
    on_status: &mut F,
) -> Result<TxOutcome> {
    if !rpc.supports_subscriptions() {
        rpc.submit_extrinsic(&tx.encoded).await?;
        on_status(&TxStatus::Ready);
        return follow_by_polling(rpc, tx, wait, timeout, deadline, from, on_status).await;
    }
    let tx_hash_s = format!("{:?}", tx.hash);
    let mut sub = rpc.submit_and_watch_extrinsic(&tx.encoded).await?;
    let mut in_block: Option<Hash> = None;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let next = match tokio::time::timeout(left, sub.next()).await {
            Ok(n) => n,
            Err(_) => {
                return match in_block {
                    Some(b) => outcome(rpc, tx.hash, b).await,
                    None => Err(Error::Timeout {
                        secs: timeout.as_secs(),
                        what: format!("transaction {tx_hash_s} to be included"),
                    }),
                }
            }
        };
        let status = match next {
            Some(Ok(s)) => s,
            Some(Err(e)) => {
                return Err(Error::Rpc {
                    method: "author_extrinsicUpdate".into(),
                    code: 0,
                    message: e.to_string(),
                })
            }
            None => {
                return match in_block {
                    Some(b) => outcome(rpc, tx.hash, b).await,
                    None => Err(Error::Unreachable {
                        url: rpc.url().to_string(),
                        reason: "subscription closed before the transaction was included".into(),
                    }),
                }
            }
        };
        on_status(&status);
        match status {
            TxStatus::InBlock(b) => {
                in_block = Some(b);
                if wait == WaitFor::InBlock {
                    return outcome(rpc, tx.hash, b).await;
                }
            }
            TxStatus::Finalized(b) => {
                let mut o = outcome(rpc, tx.hash, b).await?;
                o.finalized = true;
                return Ok(o);
            }
            TxStatus::Retracted(_) => in_block = None,
            TxStatus::Dropped | TxStatus::Invalid | TxStatus::Usurped(_) => {
                return Err(Error::TxDropped {
                    tx_hash: tx_hash_s,
                    status: format!("{status:?}").to_lowercase(),
                })
            }
            TxStatus::FinalityTimeout(b) => return outcome(rpc, tx.hash, b).await,
            TxStatus::Future | TxStatus::Ready | TxStatus::Broadcast(_) => {}
        }
    }
}

/// Follows an already-sent `tx` by reading blocks from `from` until it is in one (and, for
/// [`WaitFor::Finalized`], until that block is finalized).
async fn follow_by_polling<F: FnMut(&TxStatus)>(
    rpc: &RpcClient,
    tx: &SignedTx,
    wait: WaitFor,
    timeout: Duration,
    deadline: Instant,
    from: BlockNumber,
    on_status: &mut F,
) -> Result<TxOutcome> {
    let mut next = from;
    let mut found: Option<TxOutcome> = None;
    while Instant::now() < deadline {
        if found.is_none() {
            let best = rpc.best_header().await?.number;
            while next <= best {
                if let Some(hash) = rpc.block_hash(Some(next)).await? {
                    match outcome(rpc, tx.hash, hash).await {
                        Ok(o) => {
                            on_status(&TxStatus::InBlock(hash));
                            found = Some(o);
                            break;
                        }
                        Err(Error::NotFound(_)) => {}
                        Err(e) => return Err(e),
                    }
                }
                next += 1;
            }
        }
        if let Some(o) = &found {
            if wait == WaitFor::InBlock {
                return Ok(o.clone());
            }
            let fin = rpc.finalized_head().await?;
            let fin_number = rpc.header(Some(fin)).await?.map(|h| h.number).unwrap_or(0);
            if fin_number >= o.block_number {
                let mut o = o.clone();
                o.finalized = true;
                on_status(&TxStatus::Finalized(o.block_hash));
                return Ok(o);
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Err(Error::Timeout {
        secs: timeout.as_secs(),
        what: format!("transaction {:?} to be included", tx.hash),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aitbc_runtime::BalancesCall;
    use codec::Decode;

    fn chain() -> ChainInfo {
        ChainInfo {
            genesis_hash: Hash::repeat_byte(9),
            spec_version: aitbc_runtime::VERSION.spec_version,
            transaction_version: aitbc_runtime::VERSION.transaction_version,
        }
    }

    #[test]
    fn signed_extrinsic_round_trips_and_verifies() {
        let alice = keys::pair_from_uri("//Alice").unwrap();
        let bob = keys::account_id(&keys::pair_from_uri("//Bob").unwrap());
        let call = RuntimeCall::Balances(BalancesCall::transfer_keep_alive {
            dest: bob.into(),
            value: 42,
        });
        let era = Era::mortal(64, 100);
        let birth = Hash::repeat_byte(3);
        let utx = build_unsigned(call, keys::account_id(&alice), 5, era, birth, 0, chain());
        let stx = utx.sign(&alice).unwrap();
        let decoded = UncheckedExtrinsic::decode(&mut &stx.encoded[..]).unwrap();
        assert_eq!(decoded.encode(), stx.encoded);
        // Verify the signature against the payload the runtime reconstructs.
        let payload =
            SignedPayload::from_raw(utx.call.clone(), utx.extension.clone(), utx.implicit);
        match &decoded.preamble {
            sp_runtime::generic::Preamble::Signed(_, Signature::Sr25519(sig), _) => {
                let ok = payload.using_encoded(|b| keys::Pair::verify(sig, b, &alice.public()));
                assert!(ok);
            }
            _ => panic!("not a signed extrinsic"),
        }
        // Signing with another key is refused.
        let bob_pair = keys::pair_from_uri("//Bob").unwrap();
        assert!(utx.sign(&bob_pair).is_err());
        // The fee-estimation copy has the same length as the real one.
        assert_eq!(utx.unsigned_for_fee().encoded.len(), stx.encoded.len());
    }

    #[test]
    fn outcome_decodes_failure_names() {
        let fail = EventRecord {
            phase: Phase::ApplyExtrinsic(1),
            event: RuntimeEvent::System(frame_system::Event::ExtrinsicFailed {
                dispatch_error: sp_runtime::DispatchError::Module(sp_runtime::ModuleError {
                    index: 4,
                    error: [2, 0, 0, 0],
                    message: None,
                }),
                dispatch_info: Default::default(),
            }),
            topics: vec![],
        };
        let other = EventRecord {
            phase: Phase::ApplyExtrinsic(0),
            event: RuntimeEvent::System(frame_system::Event::ExtrinsicSuccess {
                dispatch_info: Default::default(),
            }),
            topics: vec![],
        };
        let o = outcome_from_events(Hash::zero(), Hash::zero(), 7, 1, vec![other, fail]);
        assert!(!o.success);
        assert_eq!(o.error.as_deref(), Some("Balances.InsufficientBalance"));
        assert_eq!(o.events.len(), 1);
        let err = o.into_result().err().unwrap().to_string();
        assert!(err.contains("Balances.InsufficientBalance"), "{err}");
        assert!(err.contains("#7"), "{err}");
    }
}
