//! Disputes between two outputs of a redundant job, settled by a referee.
//!
//! When a round's outputs differ, the chain chooses a referee: a miner that declared the job's
//! profile and took no part in the round (when none is free and the job already has its
//! quorum, the first agreeing participant). The referee finds the first token where the two
//! outputs differ, runs **one forward pass** of the profile's model over the prompt and the
//! common prefix, and reports the logits of both tokens and of the top token
//! ([`RefereeFinding`]). A side whose token is more than [`Config::RefereeMarginMilli`] below
//! the top logit chose a token the model does not choose: it is provably wrong, and its miners
//! lose their job bonds. Within the margin it is an honest near-tie and no one is slashed.
//!
//! - With a quorum the job is already complete; each dissenting output is refereed against the
//!   agreed one in turn, and only slashing (and the agreement averages) follow.
//! - Without one the verdict decides the job: it completes with the side the model chooses
//!   (the side provably right, or on a near-tie the side nearer the top token), or fails
//!   (refunded) when both are wrong, the referee misses its window, or no referee exists.
//!
//! Only provable faults are slashed. The referee is trusted for the finding it reports; it is
//! chosen by the chain, counted as an assignment, and noted late (its stake slashed) if it
//! does not report in [`Config::RefereeWindow`] blocks. Slashed bonds are burned, so no one
//! (referee included) gains from a slash.

use aitbc_primitives::{
    DisputeOutcome, DisputeRecord, JobId, JobOutcome, JobType, MinerRegistry, ParticipantState,
    ProfileDirectory, RefereeFinding, Requirements,
};
use frame_support::{ensure, traits::Get};
use sp_core::H256;
use sp_runtime::{traits::One, DispatchResult, Saturating};

use crate::{
    round::{OpenDispute, RoundPhase},
    Config, Error, Event, JobOf, Jobs, Pallet, RefereeDuties, RoundOf, Rounds,
};

impl<T: Config> Pallet<T> {
    /// Referee the next dissenting output against the agreed one, or settle the round when
    /// none is left.
    pub(crate) fn next_dispute(job: &mut JobOf<T>, round: &mut RoundOf<T>) {
        let (Some(agreed), false) = (round.agreed, round.pending.is_empty()) else {
            Self::settle_round(job.id, round);
            return;
        };
        let dissent = round.pending.remove(0);
        Self::open_dispute(job, round, agreed, dissent, false);
    }

    /// A referee for a dispute over output `a`: a miner of the profile outside the round, or, once
    /// the quorum is reached (`!decides_job`), an agreeing participant.
    fn choose_referee(
        job: &JobOf<T>,
        round: &RoundOf<T>,
        a: H256,
        decides_job: bool,
    ) -> Option<T::AccountId> {
        let profile = round.spec.profile;
        let exclude: alloc::vec::Vec<T::AccountId> =
            round.participants.iter().map(|p| p.miner.clone()).collect();
        let outsider = T::Miners::select_miner_where(
            &job.model,
            &Requirements::default(),
            job.budget,
            &exclude,
            &|m| T::Profiles::runs(m, &profile),
        )
        .map(|(m, _)| m);
        outsider.or_else(|| {
            // With the quorum reached, an agreeing miner may referee: the job is paid already
            // and a slash is burned, so the verdict earns it nothing.
            (!decides_job)
                .then(|| round.participants.iter().find(|p| p.revealed(&a)))
                .flatten()
                .map(|p| p.miner.clone())
        })
    }

    /// Choose a referee for outputs `a` and `b` and give it `RefereeWindow` blocks.
    pub(crate) fn open_dispute(
        job: &mut JobOf<T>,
        round: &mut RoundOf<T>,
        a: H256,
        b: H256,
        decides_job: bool,
    ) {
        // An agent run's output comes from a loop of steps and tool calls, which one forward
        // pass cannot referee: it gets none, and its dissent is settled as `NoReferee`
        // (nobody slashed).
        let referee = (job.job_type != JobType::Agent)
            .then(|| Self::choose_referee(job, round, a, decides_job))
            .flatten();
        let now = frame_system::Pallet::<T>::block_number();
        let at = now.saturating_add(T::RefereeWindow::get().max(One::one()));
        let scheduled = referee
            .as_ref()
            .and_then(|_| Self::schedule_round_deadline(job.id, at));
        let (Some(referee), Some(deadline)) = (referee, scheduled) else {
            Self::settle_dispute(
                job,
                round,
                (a, b, decides_job),
                None,
                None,
                DisputeOutcome::NoReferee,
            );
            return;
        };
        T::Miners::note_assigned(&referee);
        RefereeDuties::<T>::insert(&referee, job.id, ());
        round.phase = RoundPhase::Refereeing;
        round.deadline = Some(deadline);
        round.dispute = Some(OpenDispute {
            hash_a: a,
            hash_b: b,
            referee: referee.clone(),
            deadline,
            decides_job,
        });
        Self::deposit_event(Event::RefereeAssigned {
            job_id: job.id,
            referee,
            hash_a: a,
            hash_b: b,
            deadline,
        });
    }

    /// `report_referee_finding`.
    pub(crate) fn do_report_finding(
        who: T::AccountId,
        job_id: JobId,
        finding: RefereeFinding,
    ) -> DispatchResult {
        let mut round = Rounds::<T>::get(job_id).ok_or(Error::<T>::UnknownJob)?;
        let dispute = round.dispute.clone().ok_or(Error::<T>::NotReferee)?;
        ensure!(dispute.referee == who, Error::<T>::NotReferee);
        ensure!(finding.is_coherent(), Error::<T>::IncoherentFinding);
        let mut job = Jobs::<T>::get(job_id).ok_or(Error::<T>::UnknownJob)?;
        let threshold = T::RefereeMarginMilli::get();
        let outcome = match (
            finding.margin_a() > threshold,
            finding.margin_b() > threshold,
        ) {
            (false, true) => DisputeOutcome::AWins,
            (true, false) => DisputeOutcome::BWins,
            (false, false) => DisputeOutcome::NearTie,
            (true, true) => DisputeOutcome::BothWrong,
        };
        T::Miners::note_outcome(&who, JobOutcome::Delivered);
        RefereeDuties::<T>::remove(&who, job_id);
        round.dispute = None;
        round.deadline = None;
        Self::settle_dispute(
            &mut job,
            &mut round,
            (dispute.hash_a, dispute.hash_b, dispute.decides_job),
            Some(who),
            Some(finding),
            outcome,
        );
        Rounds::<T>::insert(job_id, round);
        Jobs::<T>::insert(job_id, job);
        Ok(())
    }

    /// The referee of the open dispute did not report in time: noted late; no one slashed.
    pub(crate) fn referee_missed(job: &mut JobOf<T>, round: &mut RoundOf<T>) {
        let Some(dispute) = round.dispute.take() else {
            return;
        };
        T::Miners::note_outcome(&dispute.referee, JobOutcome::Late);
        RefereeDuties::<T>::remove(&dispute.referee, job.id);
        Self::settle_dispute(
            job,
            round,
            (dispute.hash_a, dispute.hash_b, dispute.decides_job),
            Some(dispute.referee),
            None,
            DisputeOutcome::RefereeMissed,
        );
    }

    /// Apply a dispute's outcome: slash the provably wrong side(s), close the other side's
    /// parts, complete or fail the job when the dispute decides it, record the dispute, and go
    /// on to the next one.
    fn settle_dispute(
        job: &mut JobOf<T>,
        round: &mut RoundOf<T>,
        (a, b, decides_job): (H256, H256, bool),
        referee: Option<T::AccountId>,
        finding: Option<RefereeFinding>,
        outcome: DisputeOutcome,
    ) {
        let (wrong_a, wrong_b) = match outcome {
            DisputeOutcome::AWins => (false, true),
            DisputeOutcome::BWins => (true, false),
            DisputeOutcome::BothWrong => (true, true),
            DisputeOutcome::NearTie | DisputeOutcome::RefereeMissed | DisputeOutcome::NoReferee => {
                (false, false)
            }
        };
        for p in round
            .participants
            .iter_mut()
            .filter(|p| p.state == ParticipantState::Revealed)
        {
            let wrong = (wrong_a && p.revealed(&a)) || (wrong_b && p.revealed(&b));
            if wrong {
                Self::slash_part(job.id, p);
            } else if outcome == DisputeOutcome::NearTie && (p.revealed(&a) || p.revealed(&b)) {
                // An honest near-tie: both sides did honest work.
                Self::close_part(p, JobOutcome::Delivered);
            } else if p.revealed(&b) && !decides_job {
                // Not proven wrong, not refereed: released (not paid; the job completed with
                // another output).
                Self::close_part(p, JobOutcome::Released);
            }
        }
        Self::deposit_event(Event::DisputeSettled {
            job_id: job.id,
            hash_a: a,
            hash_b: b,
            outcome,
        });
        let _ = round.settled.try_push(DisputeRecord {
            hash_a: a,
            hash_b: b,
            referee,
            finding,
            outcome,
        });
        if decides_job {
            let winner = match outcome {
                DisputeOutcome::AWins => Some(a),
                DisputeOutcome::BWins => Some(b),
                DisputeOutcome::NearTie => {
                    finding.map(|f| if f.margin_b() < f.margin_a() { b } else { a })
                }
                _ => None,
            };
            let completed = match winner {
                Some(w) => Self::complete_or_fail(job, round, w),
                None => {
                    Self::fail_round(job, round);
                    false
                }
            };
            if !completed {
                return;
            }
        }
        Self::next_dispute(job, round);
    }
}
