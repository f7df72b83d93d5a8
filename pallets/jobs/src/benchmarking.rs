//! Benchmarks for `pallet-aitbc-jobs` (frame-benchmarking v2): every call, plus the per-item
//! costs of `on_initialize` (expiry, missed acknowledgement, assignment attempt).

use super::*;
use aitbc_primitives::{
    JobInput, JobStatus, JobType, Metrics, MinerRegistry, ModelName, Requirements,
    MAX_PROMPT_CHARS, MAX_RESULT_BYTES,
};
use alloc::vec;
use frame_benchmarking::v2::*;
use frame_support::traits::{fungible::Mutate, EnsureOrigin, Get};
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
    );

    impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
