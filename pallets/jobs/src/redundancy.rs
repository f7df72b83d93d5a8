//! k-of-n redundant jobs: assignment to `k` miners of one execution profile, commit, reveal,
//! tally and payment.
//!
//! ## Life of a round
//! ```text
//! submit_redundant ─► Queued ─(k eligible miners that declared the profile and can bond)─►
//!   Assigned [Committing] ── each: commit_result(H(output hash ‖ miner ‖ salt)) ──►
//!   Running [Revealing]   ── each: reveal_result(output, salt, metrics, signature, margin) ──►
//!   tally: an output revealed by ≥ quorum ─► Completed (agreeing miners paid; dissenters
//!          referred to a referee one by one, [`crate::referee`])
//!        no quorum, ≥ 2 outputs          ─► the referee decides the output
//!        otherwise                       ─► Failed (refunded)
//! ```
//! - **Commit window**: the single-miner windows, `AckTimeout + MinRunWindow` blocks from
//!   assignment (longer for a job with its own run window, [`Pallet::commit_window_of`]). A participant that has not committed by then is noted late (its stake
//!   slashed by the registry's `SlashShare`), excluded and replaced; the others keep their
//!   commitments and the window restarts for the replacement. With no replacement (none
//!   eligible, or [`aitbc_primitives::MAX_EXCLUDED_MINERS`] already excluded) the round
//!   reveals with the committed ones when they are at least the quorum, and fails (refunded)
//!   otherwise.
//! - **Reveal window**: [`Config::RevealWindow`] blocks once every participant committed. No
//!   reveal in time: noted late (stake slashed). A reveal that does not match the commitment:
//!   the job bond is burned.
//! - **Payment** ([`aitbc_primitives::Payout`]): `Each` pays every agreeing miner its own
//!   metered price (its units × its unit price, at least the minimum payment) at most
//!   `budget / k`; `Shared` splits the lowest agreeing price equally. The protocol fee is
//!   burned from each payment; the rest of the escrow is refunded. The receipt names every
//!   participant with its verdict, output hash, units, payment and signature.
//! - **Bonds**: each participant holds [`Config::JobBond`] from assignment to the end of its
//!   part; it is burned only for a provable fault (a mismatching reveal, or an output the
//!   referee proves wrong) and released otherwise.
//! - **Agreement average**: every revealed participant's verdict moves its miner's agreement
//!   average ([`aitbc_primitives::MinerRegistry::note_agreement`]), which selection weighs.
//! - **Members**: a job submitted by another pallet through
//!   [`aitbc_primitives::RedundantJobs`] may be restricted to a list of at most
//!   [`aitbc_primitives::MAX_ROUND_MEMBERS`] miners (a swarm's members,
//!   [`RoundMembers`](crate::RoundMembers)): its participants, replacements included, are
//!   chosen among them only (at least `k` must be listed: `TooFewMembers`); its referee may be
//!   any miner of the profile.
//! - **Observer**: [`Config::JobObserver`] is told once when a job reaches a terminal status
//!   (`set_status`) and once when a round is settled (its last dispute decided; for a job that
//!   completed with dissenters that is later than the job's end).

use aitbc_primitives::{
    commitment, receipt_signing_payload, CompletedJob, GenerationOptions, JobId, JobInput,
    JobObserver, JobOutcome, JobResult, JobRules as _, JobStatus, JobType, Metrics, MinerRegistry,
    ModelName, ParticipantState, Payout, ProfileDirectory, ReceiptSignatureCheck, ReceiptSink,
    Redundancy, RedundantReceipt, Requirements, ResultBytes, RoundMembers,
};
use frame_support::{ensure, traits::Get};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_core::{H256, H512};
use sp_runtime::{
    traits::{BlakeTwo256, Hash, One, Zero},
    DispatchResult, SaturatedConversion, Saturating,
};

use crate::{
    round::{Participant, Round, RoundPhase},
    scheduling::EXPIRY_SEARCH,
    AckDeadlines, BalanceOf, Config, Error, Event, JobOf, Jobs, JobsByMiner, MinPayment, Pallet,
    Results, RoundOf, RoundOutputs, Rounds,
};

impl<T: Config> Pallet<T> {
    /// The shortest TTL a redundant job accepts: [`Pallet::min_ttl`] (assignment, the commit
    /// window) plus the reveal and referee windows.
    pub fn min_redundant_ttl() -> BlockNumberFor<T> {
        Self::min_ttl()
            .saturating_add(T::RevealWindow::get().max(One::one()))
            .saturating_add(T::RefereeWindow::get().max(One::one()))
    }

    /// Blocks from assignment to the commit deadline: a miner's acknowledgement and run
    /// windows.
    pub fn commit_window() -> BlockNumberFor<T> {
        T::AckTimeout::get()
            .max(One::one())
            .saturating_add(T::MinRunWindow::get().max(One::one()))
    }

    /// The commit window of job `job_id`: [`Self::commit_window`], or the acknowledgement
    /// window plus the job's own run window ([`Config::JobRules`], an agent's deadline) when
    /// that is longer: an agent run of several steps must fit before its commitment is due.
    pub fn commit_window_of(job_id: JobId) -> BlockNumberFor<T> {
        let base = Self::commit_window();
        match T::JobRules::run_window(job_id) {
            Some(blocks) => base.max(
                T::AckTimeout::get()
                    .max(One::one())
                    .saturating_add(blocks.into()),
            ),
            None => base,
        }
    }

    /// `submit_redundant`: check the redundancy against the profile, fix the sampling to the
    /// profile's and the token limit (the job's, or [`aitbc_primitives::REDUNDANT_DEFAULT_MAX_TOKENS`]),
    /// submit the job funded and open its round.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn do_submit_redundant(
        owner: T::AccountId,
        job_type: JobType,
        model: ModelName,
        input: JobInput,
        budget: BalanceOf<T>,
        ttl: BlockNumberFor<T>,
        requirements: Requirements,
        options: GenerationOptions,
        redundancy: Redundancy,
        members: Option<RoundMembers<T::AccountId>>,
    ) -> Result<JobId, sp_runtime::DispatchError> {
        // The job type is the caller's to check: `submit_redundant` refuses what clients may
        // not submit themselves; another pallet (the agents pallet's runs) submits its own.
        ensure!(
            redundancy.is_valid() && u32::from(redundancy.k) <= T::MaxRedundancy::get(),
            Error::<T>::InvalidRedundancy
        );
        ensure!(
            members
                .as_ref()
                .is_none_or(|m| m.len() >= usize::from(redundancy.k)),
            Error::<T>::TooFewMembers
        );
        let facts = T::Profiles::profile(&redundancy.profile).ok_or(Error::<T>::UnknownProfile)?;
        ensure!(facts.model == model, Error::<T>::ProfileModelMismatch);
        ensure!(!budget.is_zero(), Error::<T>::RedundantJobUnfunded);
        if redundancy.payout == Payout::Each {
            let least = MinPayment::<T>::get(job_type).saturating_mul(redundancy.k.into());
            ensure!(budget >= least, Error::<T>::BudgetBelowMinimum);
        }
        let min_ttl = Self::min_redundant_ttl();
        ensure!(
            ttl >= min_ttl,
            Error::<T>::TtlTooShort {
                min_ttl: min_ttl.saturated_into::<u32>().min(u16::MAX.into()) as u16
            }
        );
        // Every participant must stop at the same token: the limit is fixed here.
        let options = GenerationOptions {
            max_tokens: Some(
                options
                    .max_tokens
                    .unwrap_or(aitbc_primitives::REDUNDANT_DEFAULT_MAX_TOKENS),
            ),
            ..options
        };
        let options = match facts.sampling {
            None => GenerationOptions {
                temperature_milli: Some(0),
                top_p_milli: None,
                seed: None,
                ..options
            },
            Some((seed, temperature, top_p)) => GenerationOptions {
                temperature_milli: Some(temperature),
                top_p_milli: Some(top_p),
                seed: Some(seed),
                ..options
            },
        };
        let id = Self::do_submit(
            owner,
            job_type,
            model,
            input,
            budget,
            ttl,
            requirements,
            options,
            None,
        )?;
        Rounds::<T>::insert(id, Round::new(redundancy));
        if let Some(members) = members {
            crate::RoundMembers::<T>::insert(id, members);
        }
        Self::deposit_event(Event::RedundantJobSubmitted {
            job_id: id,
            k: redundancy.k,
            quorum: redundancy.effective_quorum(),
            profile: redundancy.profile,
        });
        Ok(id)
    }

    /// Index round deadline `at` for job `id` at the first block from `at` with room (within
    /// `EXPIRY_SEARCH` blocks). Returns that block, or `None` when none has room.
    pub(crate) fn schedule_round_deadline(
        id: JobId,
        at: BlockNumberFor<T>,
    ) -> Option<BlockNumberFor<T>> {
        let mut block = at;
        for _ in 0..EXPIRY_SEARCH {
            if AckDeadlines::<T>::try_mutate(block, |ids| ids.try_push(id)).is_ok() {
                return Some(block);
            }
            block = block.saturating_add(One::one());
        }
        None
    }

    /// The budget one miner's price is checked against: `budget / k` when each is paid,
    /// the budget when they share it.
    fn budget_per_miner(job: &JobOf<T>, spec: &Redundancy) -> BalanceOf<T> {
        match spec.payout {
            Payout::Each => job.budget / BalanceOf::<T>::from(u32::from(spec.k.max(1))),
            Payout::Shared => job.budget,
        }
    }

    /// Up to `need` more miners for the round: eligible for the job (registry rule), running
    /// the profile, able to bond, among the job's [`RoundMembers`](crate::RoundMembers) when
    /// it has them, not already in the round nor excluded. One pass over at most
    /// `max_candidates` miners, whatever `need` is.
    fn pick_participants(
        job: &JobOf<T>,
        round: &RoundOf<T>,
        need: usize,
    ) -> alloc::vec::Vec<(T::AccountId, BalanceOf<T>)> {
        let profile = round.spec.profile;
        let budget = Self::budget_per_miner(job, &round.spec);
        let mut exclude: alloc::vec::Vec<T::AccountId> = job.excluded.to_vec();
        exclude.extend(round.participants.iter().map(|p| p.miner.clone()));
        let members = crate::RoundMembers::<T>::get(job.id);
        let accept = |m: &T::AccountId| {
            members.as_ref().is_none_or(|list| list.contains(m))
                && T::Profiles::runs(m, &profile)
                && Self::can_bond(m)
        };
        T::Miners::select_miners_where(
            &job.model,
            &job.requirements,
            budget,
            &exclude,
            &accept,
            need,
        )
    }

    /// Add the chosen miners to the round: hold their bonds, count them assigned, index them.
    /// Returns how many joined (a miner whose bond cannot be held is skipped).
    fn enlist(
        job: &JobOf<T>,
        round: &mut RoundOf<T>,
        chosen: alloc::vec::Vec<(T::AccountId, BalanceOf<T>)>,
        commit_deadline: BlockNumberFor<T>,
    ) -> usize {
        let mut joined = 0;
        for (miner, unit_price) in chosen {
            let Ok(bond) = Self::hold_bond(&miner) else {
                continue;
            };
            if round
                .participants
                .try_push(Participant::assigned(miner.clone(), unit_price, bond))
                .is_err()
            {
                Self::release_bond(&miner, bond);
                break;
            }
            T::Miners::note_assigned(&miner);
            JobsByMiner::<T>::insert(&miner, job.id, ());
            Self::deposit_event(Event::JobAssigned {
                job_id: job.id,
                miner,
                unit_price,
                ack_deadline: commit_deadline,
            });
            joined += 1;
        }
        joined
    }

    /// Try to assign queued redundant job `job` at block `n`: all `k` miners at once, or none
    /// (it stays queued). `true` when it no longer waits.
    pub(crate) fn try_assign_round(mut job: JobOf<T>, n: BlockNumberFor<T>) -> bool {
        let Some(mut round) = Rounds::<T>::get(job.id) else {
            return true;
        };
        let commit_at = n.saturating_add(Self::commit_window_of(job.id));
        let tail = T::RevealWindow::get()
            .max(One::one())
            .saturating_add(T::RefereeWindow::get().max(One::one()));
        if commit_at.saturating_add(tail) > job.expires_at {
            return false;
        }
        let need = usize::from(round.spec.k).saturating_sub(round.active_count());
        let chosen = Self::pick_participants(&job, &round, need);
        if chosen.len() < need {
            return false;
        }
        let Some(deadline) = Self::schedule_round_deadline(job.id, commit_at) else {
            return false;
        };
        if Self::enlist(&job, &mut round, chosen, deadline) < need {
            // A bond could not be held after all: give the others back and wait.
            Self::close_open_parts(&mut round, JobOutcome::Released);
            Self::release_bonds(&mut round);
            for p in &round.participants {
                JobsByMiner::<T>::remove(&p.miner, job.id);
            }
            round.participants.clear();
            Rounds::<T>::insert(job.id, round);
            return false;
        }
        round.phase = RoundPhase::Committing;
        round.deadline = Some(deadline);
        Self::set_status(&mut job, JobStatus::Assigned);
        Rounds::<T>::insert(job.id, round);
        Jobs::<T>::insert(job.id, job);
        true
    }

    /// `commit_result`.
    pub(crate) fn do_commit(who: T::AccountId, job_id: JobId, commitment: H256) -> DispatchResult {
        let mut round = Rounds::<T>::get(job_id).ok_or(Error::<T>::UnknownJob)?;
        ensure!(
            round.phase == RoundPhase::Committing,
            Error::<T>::NotCommitting
        );
        let p = round.active_mut(&who).ok_or(Error::<T>::NotParticipant)?;
        ensure!(
            p.state == ParticipantState::Assigned,
            Error::<T>::NotCommitting
        );
        p.state = ParticipantState::Committed;
        p.commitment = Some(commitment);
        Self::deposit_event(Event::ResultCommitted { job_id, miner: who });
        if round
            .participants
            .iter()
            .all(|p| p.state != ParticipantState::Assigned)
        {
            let mut job = Jobs::<T>::get(job_id).ok_or(Error::<T>::UnknownJob)?;
            Self::open_reveal(&mut job, &mut round);
            Jobs::<T>::insert(job_id, job);
        }
        Rounds::<T>::insert(job_id, round);
        Ok(())
    }

    /// Open the reveal phase now (the job is `Running`).
    fn open_reveal(job: &mut JobOf<T>, round: &mut RoundOf<T>) {
        let now = frame_system::Pallet::<T>::block_number();
        let at = now.saturating_add(T::RevealWindow::get().max(One::one()));
        round.phase = RoundPhase::Revealing;
        round.deadline = Self::schedule_round_deadline(job.id, at);
        Self::set_status(job, JobStatus::Running);
        Self::deposit_event(Event::RevealOpened {
            job_id: job.id,
            deadline: round.deadline.unwrap_or(at),
        });
    }

    /// `reveal_result`.
    pub(crate) fn do_reveal(
        who: T::AccountId,
        job_id: JobId,
        output: ResultBytes,
        salt: H256,
        metrics: Metrics,
        signature: H512,
        min_margin_milli: Option<u32>,
    ) -> DispatchResult {
        let mut round = Rounds::<T>::get(job_id).ok_or(Error::<T>::UnknownJob)?;
        let mut job = Jobs::<T>::get(job_id).ok_or(Error::<T>::UnknownJob)?;
        ensure!(
            round.phase == RoundPhase::Revealing,
            Error::<T>::NotRevealing
        );
        let owner = job.owner.clone();
        let p = round.active_mut(&who).ok_or(Error::<T>::NotParticipant)?;
        ensure!(
            p.state == ParticipantState::Committed,
            Error::<T>::NotRevealing
        );
        let output_hash = BlakeTwo256::hash(&output);
        if p.commitment != Some(commitment(&output_hash, &who, &salt)) {
            p.state = ParticipantState::RevealMismatch;
            Self::deposit_event(Event::RevealMismatch {
                job_id,
                miner: who.clone(),
            });
            Self::slash_part(job_id, p);
        } else {
            // Rules another pallet adds (an agent run: the output must be the recorded
            // trace's answer, metered as the trace).
            T::JobRules::check_result(job_id, &who, &output_hash, &metrics)?;
            let payload = receipt_signing_payload(
                job_id,
                &owner,
                &who,
                &output_hash,
                metrics.units_milli(),
                &p.unit_price,
            );
            ensure!(
                T::ReceiptSignature::verify(&who, &payload, &signature),
                Error::<T>::BadReceiptSignature
            );
            p.state = ParticipantState::Revealed;
            p.output_hash = Some(output_hash);
            p.metrics = Some(metrics);
            p.signature = signature;
            p.min_margin_milli = min_margin_milli;
            if !RoundOutputs::<T>::contains_key(job_id, output_hash) {
                RoundOutputs::<T>::insert(job_id, output_hash, output);
            }
            Self::deposit_event(Event::ResultRevealed {
                job_id,
                miner: who,
                output_hash,
            });
        }
        if !round.participants.iter().any(|p| p.is_pending()) {
            Self::tally(&mut job, &mut round);
        }
        Rounds::<T>::insert(job_id, round);
        Jobs::<T>::insert(job_id, job);
        Ok(())
    }

    /// Every participant has revealed or is out: complete with the quorum's output, or put
    /// the two largest outputs before a referee, or fail.
    pub(crate) fn tally(job: &mut JobOf<T>, round: &mut RoundOf<T>) {
        round.deadline = None;
        let groups = round.groups();
        let quorum = u32::from(round.spec.effective_quorum());
        match groups.as_slice() {
            [(agreed, n), rest @ ..] if *n >= quorum => {
                if !Self::complete_or_fail(job, round, *agreed) {
                    return;
                }
                for (hash, _) in rest {
                    // At most k - quorum dissenting outputs: fits.
                    let _ = round.pending.try_push(*hash);
                }
                Self::next_dispute(job, round);
            }
            [(a, _), (b, _), rest @ ..] => {
                let (a, b) = (*a, *b);
                for (hash, _) in rest {
                    let _ = round.pending.try_push(*hash);
                }
                Self::open_dispute(job, round, a, b, true);
            }
            _ => Self::fail_round(job, round),
        }
    }

    /// [`Self::complete_round`] in a storage transaction; when it fails (a payment or the
    /// result deposit could not be made) nothing of it stays and the round fails instead,
    /// refunded. Returns whether the job completed.
    pub(crate) fn complete_or_fail(
        job: &mut JobOf<T>,
        round: &mut RoundOf<T>,
        agreed: H256,
    ) -> bool {
        use frame_support::storage::{with_transaction, TransactionOutcome};
        let (job_before, round_before) = (job.clone(), round.clone());
        let done = with_transaction(|| match Self::complete_round(job, round, agreed) {
            Ok(()) => TransactionOutcome::Commit(Ok(())),
            Err(e) => TransactionOutcome::Rollback(Err(e)),
        });
        if done.is_err() {
            *job = job_before;
            *round = round_before;
            Self::fail_round(job, round);
        }
        done.is_ok()
    }

    /// Complete the job with output `agreed`: pay its revealers as the job states, release
    /// their bonds, store the output as the job's result and write the receipt naming every
    /// participant.
    pub(crate) fn complete_round(
        job: &mut JobOf<T>,
        round: &mut RoundOf<T>,
        agreed: H256,
    ) -> DispatchResult {
        let output = RoundOutputs::<T>::get(job.id, agreed).ok_or(Error::<T>::UnknownJob)?;
        let prices: alloc::vec::Vec<BalanceOf<T>> = round
            .participants
            .iter()
            .filter(|p| p.revealed(&agreed))
            .map(|p| {
                let units = p.metrics.map_or(0, |m| m.units_milli());
                Self::price_at(job, p.unit_price, units)
            })
            .collect();
        let agreeing = prices.len() as u32;
        let cap = Self::budget_per_miner(job, &round.spec);
        let share = match round.spec.payout {
            Payout::Each => None,
            Payout::Shared => {
                let lowest = prices.iter().copied().min().unwrap_or_else(Zero::zero);
                Some(lowest / BalanceOf::<T>::from(agreeing.max(1)))
            }
        };
        let mut total_paid: BalanceOf<T> = Zero::zero();
        let mut total_fee: BalanceOf<T> = Zero::zero();
        let mut prices = prices.into_iter();
        for p in round
            .participants
            .iter_mut()
            .filter(|p| p.revealed(&agreed))
        {
            let own = prices.next().unwrap_or_else(Zero::zero);
            let price = share.unwrap_or_else(|| own.min(cap));
            let (paid, fee) = Self::pay(job, &p.miner, price)?;
            p.paid = paid;
            p.fee = fee;
            total_paid = total_paid.saturating_add(paid);
            total_fee = total_fee.saturating_add(fee);
            Self::close_part(p, JobOutcome::Delivered);
            T::Miners::note_agreement(&p.miner, true);
        }
        Self::refund(job)?;
        let primary = round
            .participants
            .iter()
            .find(|p| p.revealed(&agreed))
            .cloned()
            .ok_or(Error::<T>::UnknownJob)?;
        let metrics = primary.metrics.unwrap_or_default();
        let participants = round
            .participants
            .iter()
            .map(|p| p.receipt_line(&agreed))
            .collect::<alloc::vec::Vec<_>>()
            .try_into()
            .map_err(|_| Error::<T>::UnknownJob)?;
        let receipt_id = T::Receipts::record_redundant(RedundantReceipt {
            primary: CompletedJob {
                job_id: job.id,
                client: job.owner.clone(),
                miner: primary.miner.clone(),
                units_milli: metrics.units_milli(),
                unit_price: primary.unit_price,
                price: total_paid,
                fee: total_fee,
                result_hash: agreed,
                signature: primary.signature,
            },
            participants,
        })?;
        let result = JobResult {
            hash: agreed,
            output,
            metrics,
        };
        Self::hold_result_deposit(job.id, &primary.miner, codec::Encode::encoded_size(&result))?;
        Results::<T>::insert(job.id, result);
        job.miner = Some(primary.miner.clone());
        job.unit_price = primary.unit_price;
        job.result_hash = Some(agreed);
        job.metrics = Some(metrics);
        job.receipt = Some(receipt_id);
        round.agreed = Some(agreed);
        let revealed = round
            .participants
            .iter()
            .filter(|p| p.state == ParticipantState::Revealed)
            .count() as u8;
        Self::set_status(job, JobStatus::Completed);
        Self::deposit_event(Event::AgreementReached {
            job_id: job.id,
            output_hash: agreed,
            agreeing: agreeing as u8,
            revealed,
        });
        Self::deposit_event(Event::JobCompleted {
            job_id: job.id,
            miner: primary.miner,
            receipt_id,
            price: total_paid,
            result_hash: agreed,
        });
        Ok(())
    }

    /// End the round without an agreed output: refund the client, close every open part
    /// as `Released`, release the bonds, fail the job.
    pub(crate) fn fail_round(job: &mut JobOf<T>, round: &mut RoundOf<T>) {
        round.pending.clear();
        Self::settle_round(job.id, round);
        if !job.status.is_terminal() && Self::end(job, JobStatus::Failed).is_ok() {
            Self::deposit_event(Event::NoAgreement { job_id: job.id });
            Self::deposit_event(Event::JobFailed {
                job_id: job.id,
                cause: crate::FailureCause::NoAgreement,
            });
        }
    }

    /// Note `outcome` for a participant whose part is still open, and close it. Returns what
    /// the registry slashed from its stake.
    pub(crate) fn close_part(
        p: &mut Participant<T::AccountId, BalanceOf<T>>,
        outcome: JobOutcome,
    ) -> BalanceOf<T> {
        if p.closed {
            return Zero::zero();
        }
        p.closed = true;
        T::Miners::note_outcome(&p.miner, outcome)
    }

    /// A provable fault: burn the participant's bond, note it failed and not agreeing.
    pub(crate) fn slash_part(job_id: JobId, p: &mut Participant<T::AccountId, BalanceOf<T>>) {
        Self::slash_bond(job_id, &p.miner, core::mem::take(&mut p.bond));
        if !p.closed {
            p.closed = true;
            T::Miners::note_outcome(&p.miner, JobOutcome::Failed);
        }
        T::Miners::note_agreement(&p.miner, false);
    }

    /// Close every open part: those still expected to commit or reveal with `pending`, those
    /// that revealed as `Released` (their work was done; no verdict came).
    pub(crate) fn close_open_parts(round: &mut RoundOf<T>, pending: JobOutcome) {
        for p in round.participants.iter_mut() {
            let outcome = if p.state == ParticipantState::Revealed {
                JobOutcome::Released
            } else {
                pending
            };
            Self::close_part(p, outcome);
        }
    }

    /// Release every bond the round still holds.
    pub(crate) fn release_bonds(round: &mut RoundOf<T>) {
        for p in round.participants.iter_mut() {
            Self::release_bond(&p.miner, core::mem::take(&mut p.bond));
        }
    }

    /// Nothing is left to decide: close the parts still open (`Released`), release the
    /// bonds; the round of job `job_id` is settled (told to [`Config::JobObserver`]).
    pub(crate) fn settle_round(job_id: JobId, round: &mut RoundOf<T>) {
        Self::close_open_parts(round, JobOutcome::Released);
        Self::release_bonds(round);
        let was_settled = round.phase == RoundPhase::Settled;
        round.phase = RoundPhase::Settled;
        round.deadline = None;
        round.dispute = None;
        if !was_settled {
            T::JobObserver::round_settled(job_id);
        }
    }

    /// The round's deadline at block `n` (indexed in [`AckDeadlines`]): missed commits,
    /// missed reveals, or a referee that did not report.
    pub(crate) fn round_deadline(id: JobId, n: BlockNumberFor<T>) {
        let Some(mut round) = Rounds::<T>::get(id) else {
            return;
        };
        if round.deadline != Some(n) {
            return;
        }
        let Some(mut job) = Jobs::<T>::get(id) else {
            return;
        };
        round.deadline = None;
        match round.phase {
            RoundPhase::Committing => Self::commit_deadline(&mut job, &mut round, n),
            RoundPhase::Revealing => {
                for p in round
                    .participants
                    .iter_mut()
                    .filter(|p| p.state == ParticipantState::Committed)
                {
                    p.state = ParticipantState::MissedReveal;
                    Self::release_bond(&p.miner, core::mem::take(&mut p.bond));
                    let slashed = Self::close_part(p, JobOutcome::Late);
                    T::Miners::note_agreement(&p.miner, false);
                    Self::deposit_event(Event::RevealMissed {
                        job_id: id,
                        miner: p.miner.clone(),
                        slashed,
                    });
                }
                Self::tally(&mut job, &mut round);
            }
            RoundPhase::Refereeing => Self::referee_missed(&mut job, &mut round),
            RoundPhase::Assigning | RoundPhase::Settled => {}
        }
        Rounds::<T>::insert(id, round);
        Jobs::<T>::insert(id, job);
    }

    /// The commit window closed at `n`: note the silent participants late, exclude and replace
    /// them; without replacements reveal with the committed ones (at least the quorum) or fail.
    fn commit_deadline(job: &mut JobOf<T>, round: &mut RoundOf<T>, n: BlockNumberFor<T>) {
        let mut excluded_full = false;
        for p in round
            .participants
            .iter_mut()
            .filter(|p| p.state == ParticipantState::Assigned)
        {
            p.state = ParticipantState::MissedCommit;
            Self::release_bond(&p.miner, core::mem::take(&mut p.bond));
            let slashed = Self::close_part(p, JobOutcome::Late);
            JobsByMiner::<T>::remove(&p.miner, job.id);
            excluded_full |= job.excluded.try_push(p.miner.clone()).is_err();
            Self::deposit_event(Event::CommitMissed {
                job_id: job.id,
                miner: p.miner.clone(),
                slashed,
            });
        }
        let need = usize::from(round.spec.k).saturating_sub(round.active_count());
        let commit_at = n.saturating_add(Self::commit_window_of(job.id));
        let tail = T::RevealWindow::get()
            .max(One::one())
            .saturating_add(T::RefereeWindow::get().max(One::one()));
        if need > 0 && !excluded_full && commit_at.saturating_add(tail) <= job.expires_at {
            let chosen = Self::pick_participants(job, round, need);
            if chosen.len() == need {
                if let Some(deadline) = Self::schedule_round_deadline(job.id, commit_at) {
                    Self::enlist(job, round, chosen, deadline);
                    round.deadline = Some(deadline);
                    return;
                }
            }
        }
        let committed = round
            .participants
            .iter()
            .filter(|p| p.state == ParticipantState::Committed)
            .count();
        if committed >= usize::from(round.spec.effective_quorum()) {
            Self::open_reveal(job, round);
        } else {
            Self::fail_round(job, round);
        }
    }

    /// Job `job` reached its TTL at `n` with its round open (`expire`): every open part ends,
    /// late when the participant had its whole window for the phase it is in, released
    /// otherwise; the bonds are returned.
    pub(crate) fn expire_round(job: &JobOf<T>, n: BlockNumberFor<T>) {
        let Some(mut round) = Rounds::<T>::get(job.id) else {
            return;
        };
        let window_over = round.deadline.is_some_and(|d| d <= n);
        let outcome = if window_over {
            JobOutcome::Late
        } else {
            JobOutcome::Released
        };
        Self::close_open_parts(&mut round, outcome);
        Self::release_referee(job.id, &round);
        round.pending.clear();
        Self::settle_round(job.id, &mut round);
        Rounds::<T>::insert(job.id, round);
    }

    /// The open dispute's referee, if any, is released from its duty.
    fn release_referee(job_id: JobId, round: &RoundOf<T>) {
        if let Some(dispute) = &round.dispute {
            T::Miners::note_outcome(&dispute.referee, JobOutcome::Released);
            crate::RefereeDuties::<T>::remove(&dispute.referee, job_id);
        }
    }

    /// Remove a pruned job's round and outputs; close and release whatever it still held.
    pub(crate) fn prune_round(job: &JobOf<T>) {
        let Some(mut round) = Rounds::<T>::take(job.id) else {
            return;
        };
        crate::RoundMembers::<T>::remove(job.id);
        Self::close_open_parts(&mut round, JobOutcome::Released);
        Self::release_referee(job.id, &round);
        Self::release_bonds(&mut round);
        if round.phase != RoundPhase::Settled {
            // Pruned before its last dispute was decided: nothing more will be.
            T::JobObserver::round_settled(job.id);
        }
        for p in &round.participants {
            JobsByMiner::<T>::remove(&p.miner, job.id);
        }
        let _ = RoundOutputs::<T>::clear_prefix(job.id, aitbc_primitives::MAX_PARTICIPANTS, None);
    }
}
