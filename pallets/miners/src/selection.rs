//! The assignment rule: which miner gets a job. Documented in the crate docs; implemented
//! here as [`MinerRegistry::select_miner`].

use aitbc_primitives::{
    Hardware, Ineligibility, JobOutcome, MinerRegistry, MinerStatus, ModelList, ModelName,
    Requirements,
};
use core::cmp::Ordering;
use frame_support::traits::{fungible::Mutate, Get};
use sp_runtime::{DispatchError, Saturating};

use crate::{BalanceOf, Config, MinerOf, Miners, MinersByModel, Pallet};

/// Ranking key of a candidate: `(score * agreement * stake, active jobs, account)`.
type RankKey<T> = (BalanceOf<T>, u32, <T as frame_system::Config>::AccountId);

impl<T: Config> Pallet<T> {
    /// Whether `miner` may take a job with these requirements and budget at block `now`.
    pub fn is_eligible(
        miner: &MinerOf<T>,
        requirements: &Requirements,
        budget: BalanceOf<T>,
        now: frame_system::pallet_prelude::BlockNumberFor<T>,
    ) -> bool {
        let hw = &miner.hardware;
        miner.status == MinerStatus::Active
            && Self::is_online(miner, now)
            && miner.stake >= T::MinStake::get()
            && miner.active_jobs < T::MaxConcurrentJobs::get()
            && hw.vram_mb >= requirements.min_vram_mb
            && requirements
                .gpu_model
                .as_ref()
                .is_none_or(|g| *g == hw.gpu_model)
            && miner.reputation.score() >= requirements.min_reputation
            && miner
                .price_per_gpu_second
                .saturating_mul(requirements.estimated_gpu_seconds.into())
                <= budget
    }

    /// Why `miner` may not take a job with these requirements and budget at block `now`
    /// (`Ok` when it may): the checks of [`Self::is_eligible`], one by one, permanent reasons
    /// first.
    pub fn ineligibility(
        miner: &MinerOf<T>,
        model: &ModelName,
        requirements: &Requirements,
        budget: BalanceOf<T>,
        now: frame_system::pallet_prelude::BlockNumberFor<T>,
    ) -> Result<(), Ineligibility> {
        let hw = &miner.hardware;
        if miner.status != MinerStatus::Active {
            return Err(Ineligibility::Unbonding);
        }
        if !miner.models.contains(model) {
            return Err(Ineligibility::DoesNotServeModel);
        }
        if miner.stake < T::MinStake::get() {
            return Err(Ineligibility::StakeBelowMinimum);
        }
        if hw.vram_mb < requirements.min_vram_mb {
            return Err(Ineligibility::NotEnoughVram);
        }
        if requirements
            .gpu_model
            .as_ref()
            .is_some_and(|g| *g != hw.gpu_model)
        {
            return Err(Ineligibility::WrongGpuModel);
        }
        if miner.reputation.score() < requirements.min_reputation {
            return Err(Ineligibility::ReputationTooLow);
        }
        if miner
            .price_per_gpu_second
            .saturating_mul(requirements.estimated_gpu_seconds.into())
            > budget
        {
            return Err(Ineligibility::PriceAboveBudget);
        }
        if !Self::is_online(miner, now) {
            return Err(Ineligibility::Offline);
        }
        if miner.active_jobs >= T::MaxConcurrentJobs::get() {
            return Err(Ineligibility::AtCapacity);
        }
        Ok(())
    }

    /// Whether `miner` heartbeated within `HeartbeatTimeout` blocks of `now`.
    pub fn is_online(
        miner: &MinerOf<T>,
        now: frame_system::pallet_prelude::BlockNumberFor<T>,
    ) -> bool {
        now.saturating_sub(miner.last_heartbeat) <= T::HeartbeatTimeout::get()
    }

    /// What a candidate ranks by: `score * agreement * stake`.
    fn rank_weight(who: &T::AccountId, miner: &MinerOf<T>) -> BalanceOf<T> {
        let agreement = crate::Agreement::<T>::get(who);
        agreement.mul_floor(miner.reputation.score().mul_floor(miner.stake))
    }

    /// Ranking: higher `score * agreement * stake` first, then fewer active jobs, then smaller account.
    fn better(a: &RankKey<T>, b: &RankKey<T>) -> bool {
        match a.0.cmp(&b.0) {
            Ordering::Greater => true,
            Ordering::Less => false,
            Ordering::Equal => (a.1, &a.2) < (b.1, &b.2),
        }
    }
}

impl<T: Config> MinerRegistry<T::AccountId, BalanceOf<T>> for Pallet<T> {
    fn select_miners_where(
        model: &ModelName,
        requirements: &Requirements,
        budget: BalanceOf<T>,
        exclude: &[T::AccountId],
        accept: &dyn Fn(&T::AccountId) -> bool,
        count: usize,
    ) -> alloc::vec::Vec<(T::AccountId, BalanceOf<T>)> {
        let now = frame_system::Pallet::<T>::block_number();
        // The best `count` so far, best first (at most `count` long: one pass, no sort of the
        // whole candidate list).
        let mut best: alloc::vec::Vec<(RankKey<T>, BalanceOf<T>)> = alloc::vec::Vec::new();
        if count == 0 {
            return alloc::vec::Vec::new();
        }
        for who in MinersByModel::<T>::get(model) {
            if exclude.contains(&who) {
                continue;
            }
            let Some(miner) = Miners::<T>::get(&who) else {
                continue;
            };
            if !Self::is_eligible(&miner, requirements, budget, now) || !accept(&who) {
                continue;
            }
            let key = (Self::rank_weight(&who, &miner), miner.active_jobs, who);
            let at = best
                .iter()
                .position(|(b, _)| Self::better(&key, b))
                .unwrap_or(best.len());
            if at < count {
                best.insert(at, (key, miner.price_per_gpu_second));
                best.truncate(count);
            }
        }
        best.into_iter()
            .map(|((_, _, who), price)| (who, price))
            .collect()
    }

    fn check_provider(
        who: &T::AccountId,
        model: &ModelName,
        requirements: &Requirements,
        budget: BalanceOf<T>,
    ) -> Result<BalanceOf<T>, Ineligibility> {
        let miner = Miners::<T>::get(who).ok_or(Ineligibility::NotRegistered)?;
        let now = frame_system::Pallet::<T>::block_number();
        Self::ineligibility(&miner, model, requirements, budget, now)?;
        Ok(miner.price_per_gpu_second)
    }

    fn max_candidates() -> u32 {
        T::MaxMinersPerModel::get()
    }

    fn serves(model: &ModelName) -> bool {
        MinersByModel::<T>::decode_len(model).unwrap_or(0) > 0
    }

    fn note_assigned(miner: &T::AccountId) {
        Miners::<T>::mutate(miner, |m| {
            if let Some(m) = m {
                m.active_jobs = m.active_jobs.saturating_add(1);
            }
        });
    }

    fn note_outcome(miner: &T::AccountId, outcome: JobOutcome) -> BalanceOf<T> {
        Self::do_note_outcome(miner, outcome)
    }

    fn note_agreement(miner: &T::AccountId, agreed: bool) {
        Self::do_note_agreement(miner, agreed)
    }

    fn setup_miner(
        who: &T::AccountId,
        model: &ModelName,
        price: BalanceOf<T>,
    ) -> Result<(), DispatchError> {
        use frame_support::traits::fungible::Inspect;
        let stake = T::MinStake::get();
        let need = stake
            .saturating_add(T::Currency::minimum_balance())
            .saturating_mul(2u32.into());
        T::Currency::mint_into(who, need)?;
        let hardware = Hardware {
            gpu_model: b"bench-gpu"
                .to_vec()
                .try_into()
                .map_err(|_| "gpu model too long")?,
            gpu_count: 1,
            vram_mb: 80 * 1024,
        };
        let models: ModelList = alloc::vec![model.clone()]
            .try_into()
            .map_err(|_| "too many models")?;
        Self::do_register(who, hardware, models, price, stake)
    }
}
