//! Benchmarks for `pallet-aitbc-jobs` (frame-benchmarking v2): every call, plus the per-item
//! costs of `on_initialize` (expiry, missed acknowledgement, assignment attempt).

use super::*;
use aitbc_primitives::{
    JobInput, JobStatus, JobType, Metrics, MinerRegistry, ModelName, ProfileDirectory,
    ReceiptSignatureCheck, Requirements, MAX_PROMPT_CHARS, MAX_RESULT_BYTES,
};
use alloc::vec;
use frame_benchmarking::v2::*;
use frame_support::traits::{
    fungible::{Inspect, Mutate},
    EnsureOrigin, Get,
};
use frame_system::RawOrigin;
use sp_core::H256;
use sp_runtime::{traits::One, Saturating};

fn model() -> ModelName {
    b"llama3.2:1b".to_vec().try_into().expect("short")
}

fn budget<T: Config>() -> BalanceOf<T> {
    MinPayment::<T>::get(JobType::Inference).saturating_add(1_000_000u32.into())
}

fn client<T: Config>(i: u32) -> T::AccountId {
    let who: T::AccountId = account("client", i, 0);
    T::Currency::set_balance(&who, budget::<T>().saturating_mul(100u32.into()));
    who
}

/// Fill the queue with `n` placeholder ids (jobs that do not exist are dropped when met).
fn fill_queue<T: Config>(n: u32) {
    Queue::<T>::mutate(|q| {
        for i in 0..n {
            if q.try_push(u64::MAX - i as u64).is_err() {
                break;
            }
        }
    });
}

/// Submit a funded job with a `b`-byte prompt; returns its id.
fn submit_job<T: Config>(owner: &T::AccountId, b: u32) -> JobId {
    let id = NextJobId::<T>::get();
    let prompt = vec![b'a'; b.max(1) as usize];
    Pallet::<T>::submit(
        RawOrigin::Signed(owner.clone()).into(),
        JobType::Inference,
        model(),
        JobInput::Prompt(prompt.try_into().expect("within bound")),
        budget::<T>(),
        T::MaxTtl::get(),
        Requirements {
            estimated_gpu_seconds: 1,
            ..Default::default()
        },
    )
    .expect("submits");
    id
}

/// `c` eligible miners; returns the one that will win.
fn miners<T: Config>(c: u32) -> T::AccountId {
    for i in 0..c {
        let miner: T::AccountId = account("miner", i, 0);
        T::Miners::setup_miner(&miner, &model(), 1u32.into()).expect("sets up miner");
    }
    account("miner", 0, 0)
}

/// A job assigned to a miner (and accepted if `accept`); returns (job, miner).
fn assigned_job<T: Config>(accept: bool) -> (JobId, T::AccountId) {
    miners::<T>(1);
    let owner = client::<T>(0);
    let id = submit_job::<T>(&owner, 10);
    Pallet::<T>::assign_from_queue(
        frame_system::Pallet::<T>::block_number(),
        T::MaxAssignmentsPerBlock::get(),
    );
    let job = Jobs::<T>::get(id).expect("exists");
    let miner = job.miner.expect("assigned");
    if accept {
        Pallet::<T>::accept(RawOrigin::Signed(miner.clone()).into(), id).expect("accepts");
    }
    (id, miner)
}

/// `k` miners running a fresh profile for `model()` (plus `extra` more that also run it);
/// returns the profile id.
fn profile_miners<T: Config>(k: u32, extra: u32) -> H256 {
    let mut all = alloc::vec::Vec::new();
    for i in 0..k.saturating_add(extra) {
        let miner: T::AccountId = account("miner", i, 0);
        T::Miners::setup_miner(&miner, &model(), 1u32.into()).expect("sets up miner");
        T::Currency::set_balance(
            &miner,
            T::Currency::balance(&miner)
                .saturating_add(T::JobBond::get().saturating_mul(10u32.into())),
        );
        all.push(miner);
    }
    T::Profiles::setup_profile(&model(), &all)
}

/// A redundant job of `k` miners of `profile`, assigned (committing); returns its id.
fn redundant_job<T: Config>(k: u32, profile: H256) -> JobId {
    let owner = client::<T>(0);
    let id = NextJobId::<T>::get();
    Pallet::<T>::submit_redundant(
        RawOrigin::Signed(owner).into(),
        JobType::Inference,
        model(),
        JobInput::Prompt(vec![b'a'; 10].try_into().expect("within bound")),
        budget::<T>(),
        T::MaxTtl::get(),
        Requirements {
            estimated_gpu_seconds: 1,
            ..Default::default()
        },
        Default::default(),
        aitbc_primitives::Redundancy {
            k: k as u8,
            quorum: 0,
            payout: aitbc_primitives::Payout::Each,
            profile,
        },
    )
    .expect("submits");
    Pallet::<T>::assign_from_queue(frame_system::Pallet::<T>::block_number(), k);
    assert_eq!(
        Jobs::<T>::get(id).map(|j| j.status),
        Some(JobStatus::Assigned)
    );
    id
}

/// The participants of a round, in order.
fn round_miners<T: Config>(id: JobId) -> alloc::vec::Vec<T::AccountId> {
    Rounds::<T>::get(id)
        .expect("round")
        .participants
        .iter()
        .map(|p| p.miner.clone())
        .collect()
}

fn salt_of(i: usize) -> H256 {
    H256::repeat_byte(i as u8 + 1)
}

/// `miner` commits to `output`.
fn commit_to<T: Config>(id: JobId, i: usize, miner: &T::AccountId, output: &[u8]) {
    let hash = <sp_runtime::traits::BlakeTwo256 as sp_runtime::traits::Hash>::hash(output);
    Pallet::<T>::commit_result(
        RawOrigin::Signed(miner.clone()).into(),
        id,
        aitbc_primitives::commitment(&hash, miner, &salt_of(i)),
    )
    .expect("commits");
}

/// The arguments of `miner`'s reveal of `output`.
fn reveal_args<T: Config>(
    id: JobId,
    i: usize,
    miner: &T::AccountId,
    output: &[u8],
) -> (aitbc_primitives::ResultBytes, H256, Metrics, sp_core::H512) {
    let hash = <sp_runtime::traits::BlakeTwo256 as sp_runtime::traits::Hash>::hash(output);
    let metrics = Metrics {
        compute_ms: 1_000,
        input_tokens: 10,
        output_tokens: 10,
    };
    let job = Jobs::<T>::get(id).expect("job");
    let price = Rounds::<T>::get(id)
        .and_then(|r| {
            r.participants
                .iter()
                .find(|p| p.miner == *miner)
                .map(|p| p.unit_price)
        })
        .expect("participant");
    let payload = aitbc_primitives::receipt_signing_payload(
        id,
        &job.owner,
        miner,
        &hash,
        metrics.units_milli(),
        &price,
    );
    let signature = T::ReceiptSignature::sign_for_benchmark(miner, &payload).unwrap_or_default();
    (
        output.to_vec().try_into().expect("within bound"),
        salt_of(i),
        metrics,
        signature,
    )
}

/// Everyone in the round commits to and reveals `outputs[i]`, except the last `hold_back`.
fn play<T: Config>(id: JobId, outputs: &[alloc::vec::Vec<u8>], hold_back: usize) {
    let miners = round_miners::<T>(id);
    for (i, m) in miners.iter().enumerate() {
        commit_to::<T>(id, i, m, &outputs[i]);
    }
    for (i, m) in miners
        .iter()
        .enumerate()
        .take(miners.len().saturating_sub(hold_back))
    {
        let (o, salt, metrics, sig) = reveal_args::<T>(id, i, m, &outputs[i]);
        Pallet::<T>::reveal_result(
            RawOrigin::Signed(m.clone()).into(),
            id,
            o,
            salt,
            metrics,
            sig,
            Some(1_000),
        )
        .expect("reveals");
    }
}

/// The largest round the benchmarks run: `MaxRedundancy`, leaving room among the candidates
/// for replacements and a referee.
fn bench_k<T: Config>() -> u32 {
    T::MaxRedundancy::get()
        .min(T::Miners::max_candidates().saturating_sub(aitbc_primitives::MAX_EXCLUDED_MINERS + 1))
        .max(2)
}

#[benchmarks]
mod benchmarks {
    use super::*;

    #[benchmark]
    fn submit(b: Linear<1, MAX_PROMPT_CHARS>) {
        let caller = client::<T>(0);
        fill_queue::<T>(T::MaxQueueLen::get().saturating_sub(1));
        let prompt = JobInput::Prompt(vec![b'a'; b as usize].try_into().expect("within bound"));
        let req = Requirements {
            estimated_gpu_seconds: 1,
            ..Default::default()
        };
        #[extrinsic_call]
        _(
            RawOrigin::Signed(caller),
            JobType::Inference,
            model(),
            prompt,
            budget::<T>(),
            T::MaxTtl::get(),
            req,
        );
        assert_eq!(Jobs::<T>::get(0).map(|j| j.status), Some(JobStatus::Queued));
    }

    #[benchmark]
    fn fund() {
        let caller = client::<T>(0);
        Pallet::<T>::submit(
            RawOrigin::Signed(caller.clone()).into(),
            JobType::Inference,
            model(),
            JobInput::ContentHash {
                hash: H256::repeat_byte(1),
                size: 1,
            },
            0u32.into(),
            T::MaxTtl::get(),
            Requirements::default(),
        )
        .expect("submits");
        fill_queue::<T>(T::MaxQueueLen::get().saturating_sub(1));
        #[extrinsic_call]
        _(RawOrigin::Signed(caller), 0, budget::<T>());
        assert_eq!(Jobs::<T>::get(0).map(|j| j.status), Some(JobStatus::Queued));
    }

    #[benchmark]
    fn accept() {
        let (id, miner) = assigned_job::<T>(false);
        #[extrinsic_call]
        _(RawOrigin::Signed(miner), id);
        assert_eq!(
            Jobs::<T>::get(id).map(|j| j.status),
            Some(JobStatus::Running)
        );
    }

    #[benchmark]
    fn submit_result(r: Linear<0, MAX_RESULT_BYTES>) {
        let (id, miner) = assigned_job::<T>(true);
        let bytes = vec![b'x'; r as usize];
        let hash = <sp_runtime::traits::BlakeTwo256 as sp_runtime::traits::Hash>::hash(&bytes);
        let output = bytes.try_into().expect("within bound");
        let metrics = Metrics {
            compute_ms: 1_500,
            input_tokens: 10,
            output_tokens: 100,
        };
        let job = Jobs::<T>::get(id).expect("exists");
        let payload = aitbc_primitives::receipt_signing_payload(
            id,
            &job.owner,
            &miner,
            &hash,
            metrics.units_milli(),
            &job.unit_price,
        );
        let signature = <T::ReceiptSignature as aitbc_primitives::ReceiptSignatureCheck<
            T::AccountId,
        >>::sign_for_benchmark(&miner, &payload)
        .unwrap_or_default();
        #[extrinsic_call]
        _(
            RawOrigin::Signed(miner),
            id,
            output,
            hash,
            metrics,
            signature,
        );
        assert_eq!(
            Jobs::<T>::get(id).map(|j| j.status),
            Some(JobStatus::Completed)
        );
    }

    #[benchmark]
    fn report_failure() {
        let (id, miner) = assigned_job::<T>(true);
        let reason = vec![b'e'; aitbc_primitives::MAX_REASON_LEN as usize]
            .try_into()
            .expect("within bound");
        #[extrinsic_call]
        _(RawOrigin::Signed(miner), id, reason);
        assert_eq!(
            Jobs::<T>::get(id).map(|j| j.status),
            Some(JobStatus::Failed)
        );
    }

    #[benchmark]
    fn cancel_running() {
        // A running job: the miner is paid for its time, the rest refunded.
        let (id, miner) = assigned_job::<T>(true);
        let owner = Jobs::<T>::get(id).map(|j| j.owner).expect("exists");
        frame_system::Pallet::<T>::set_block_number(
            frame_system::Pallet::<T>::block_number().saturating_add(One::one()),
        );
        #[extrinsic_call]
        cancel(RawOrigin::Signed(owner), id);
        assert_eq!(
            Jobs::<T>::get(id).map(|j| j.status),
            Some(JobStatus::Cancelled)
        );
        let _ = miner;
    }

    #[benchmark]
    fn cancel() {
        // Worst case of a job without a miner: a queued job at the back of a full queue.
        let owner = client::<T>(0);
        fill_queue::<T>(T::MaxQueueLen::get().saturating_sub(1));
        let id = submit_job::<T>(&owner, 1);
        #[extrinsic_call]
        _(RawOrigin::Signed(owner), id);
        assert_eq!(
            Jobs::<T>::get(id).map(|j| j.status),
            Some(JobStatus::Cancelled)
        );
    }

    #[benchmark]
    fn set_min_payment() -> Result<(), BenchmarkError> {
        let origin =
            T::ParamsOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
        #[extrinsic_call]
        _(origin as T::RuntimeOrigin, JobType::Inference, 5u32.into());
        assert_eq!(MinPayment::<T>::get(JobType::Inference), 5u32.into());
        Ok(())
    }

    #[benchmark]
    fn on_initialize_base() {
        let n = frame_system::Pallet::<T>::block_number().saturating_add(One::one());
        #[block]
        {
            Pallet::<T>::process_block(n);
        }
    }

    #[benchmark]
    fn expire_job() {
        // Worst case: a running job that had its whole run window (miner noted late and
        // slashed), refund.
        let (id, _miner) = assigned_job::<T>(true);
        let at = Jobs::<T>::get(id).map(|j| j.expires_at).expect("exists");
        #[block]
        {
            Pallet::<T>::expire(id, at);
        }
        assert_eq!(
            Jobs::<T>::get(id).map(|j| j.status),
            Some(JobStatus::Expired)
        );
    }

    #[benchmark]
    fn ack_timeout() {
        let (id, _miner) = assigned_job::<T>(false);
        let deadline = Jobs::<T>::get(id)
            .and_then(|j| j.ack_deadline)
            .expect("has deadline");
        fill_queue::<T>(T::MaxQueueLen::get().saturating_sub(1));
        #[block]
        {
            Pallet::<T>::ack_missed(id, deadline);
        }
        assert_eq!(
            Jobs::<T>::get(id).map(|j| j.status),
            Some(JobStatus::Queued)
        );
    }

    #[benchmark]
    fn prune_job() {
        // A cancelled job with its deposit, pruned.
        let owner = client::<T>(0);
        let id = submit_job::<T>(&owner, 1);
        Pallet::<T>::cancel(RawOrigin::Signed(owner).into(), id).expect("cancels");
        #[block]
        {
            Pallet::<T>::prune(id);
        }
        assert!(Jobs::<T>::get(id).is_none());
    }

    #[benchmark]
    fn assign_job(c: Linear<1, { T::Miners::max_candidates() }>) {
        miners::<T>(c);
        let owner = client::<T>(0);
        let id = submit_job::<T>(&owner, 10);
        let n = frame_system::Pallet::<T>::block_number();
        #[block]
        {
            Pallet::<T>::assign_from_queue(n, T::MaxAssignmentsPerBlock::get());
        }
        assert_eq!(
            Jobs::<T>::get(id).map(|j| j.status),
            Some(JobStatus::Assigned)
        );
    }

    #[benchmark]
    fn commit_result() {
        // The last commitment of the largest round: it opens the reveal phase.
        let k = bench_k::<T>();
        let profile = profile_miners::<T>(k, 0);
        let id = redundant_job::<T>(k, profile);
        let miners = round_miners::<T>(id);
        for (i, m) in miners.iter().enumerate().take(miners.len() - 1) {
            commit_to::<T>(id, i, m, b"out");
        }
        let last = miners.last().cloned().expect("k >= 2");
        let hash = <sp_runtime::traits::BlakeTwo256 as sp_runtime::traits::Hash>::hash(b"out");
        let c = aitbc_primitives::commitment(&hash, &last, &salt_of(miners.len() - 1));
        #[extrinsic_call]
        _(RawOrigin::Signed(last), id, c);
        assert_eq!(
            Jobs::<T>::get(id).map(|j| j.status),
            Some(JobStatus::Running)
        );
    }

    #[benchmark]
    fn reveal_result(r: Linear<1, MAX_RESULT_BYTES>) {
        // The last reveal of the largest round, all agreeing on an `r`-byte output: it tallies,
        // pays every miner and writes the receipt with every participant.
        let k = bench_k::<T>();
        let profile = profile_miners::<T>(k, 0);
        let id = redundant_job::<T>(k, profile);
        let output = vec![b'x'; r as usize];
        let outputs = vec![output.clone(); k as usize];
        play::<T>(id, &outputs, 1);
        let miners = round_miners::<T>(id);
        let last_i = miners.len() - 1;
        let last = miners[last_i].clone();
        let (o, salt, metrics, sig) = reveal_args::<T>(id, last_i, &last, &output);
        #[extrinsic_call]
        _(
            RawOrigin::Signed(last),
            id,
            o,
            salt,
            metrics,
            sig,
            Some(1_000),
        );
        assert_eq!(
            Jobs::<T>::get(id).map(|j| j.status),
            Some(JobStatus::Completed)
        );
    }

    #[benchmark]
    fn report_referee_finding() {
        // No quorum: two equal halves and one odd output. The finding decides the job (one
        // half slashed, the other paid, the receipt written) and opens the next dispute
        // (a referee chosen among every candidate).
        let k = bench_k::<T>();
        let profile = profile_miners::<T>(k, 1);
        let id = redundant_job::<T>(k, profile);
        let half = (k as usize) / 2;
        let outputs: alloc::vec::Vec<alloc::vec::Vec<u8>> = (0..k as usize)
            .map(|i| match i {
                i if i < half => b"first".to_vec(),
                i if i < 2 * half => b"second".to_vec(),
                _ => b"odd".to_vec(),
            })
            .collect();
        play::<T>(id, &outputs, 0);
        let round = Rounds::<T>::get(id).expect("round");
        let dispute = round.dispute.expect("a dispute decides the job");
        assert!(dispute.decides_job);
        let finding = aitbc_primitives::RefereeFinding {
            position: 0,
            token_a: 1,
            token_b: 2,
            logit_a_milli: 0,
            logit_b_milli: 20_000,
            top_token: 2,
            top_logit_milli: 20_000,
        };
        #[extrinsic_call]
        _(RawOrigin::Signed(dispute.referee), id, finding);
        assert_eq!(
            Jobs::<T>::get(id).map(|j| j.status),
            Some(JobStatus::Completed)
        );
    }

    #[benchmark]
    fn round_deadline() {
        // The commit deadline of the largest round with as many silent miners as can be
        // replaced: each noted late, excluded, and replaced by a pick over every candidate.
        let k = bench_k::<T>();
        let silent = aitbc_primitives::MAX_EXCLUDED_MINERS.min(k);
        let profile = profile_miners::<T>(k, silent);
        let id = redundant_job::<T>(k, profile);
        let miners = round_miners::<T>(id);
        for (i, m) in miners.iter().enumerate().take((k - silent) as usize) {
            commit_to::<T>(id, i, m, b"out");
        }
        let n = Rounds::<T>::get(id)
            .and_then(|r| r.deadline)
            .expect("deadline");
        frame_system::Pallet::<T>::set_block_number(n);
        #[block]
        {
            Pallet::<T>::round_deadline(id, n);
        }
        let round = Rounds::<T>::get(id).expect("round");
        assert_eq!(round.active_count(), k as usize, "replaced");
    }

    // Native timings of the benchmarks above, used to fill `weights.rs` (see the
    // `aitbc-bench-timing` crate docs). Run with:
    // `cargo test --release -p pallet-aitbc-jobs --features runtime-benchmarks -- --ignored --nocapture bench_timings`
    #[cfg(test)]
    aitbc_bench_timing::bench_timings!(
        crate::mock::new_test_ext,
        crate::mock::Test;
        submit,
        fund,
        accept,
        submit_result,
        report_failure,
        cancel,
        cancel_running,
        set_min_payment,
        on_initialize_base,
        expire_job,
        ack_timeout,
        assign_job,
        prune_job,
        commit_result,
        reveal_result,
        report_referee_finding,
        round_deadline,
    );

    impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
