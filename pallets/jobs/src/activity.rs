//! The chain's hourly job activity ([`crate::Activity`]): counted where jobs are submitted and
//! completed, kept for [`ACTIVITY_HOURS`] hours in a ring of buckets that job pruning does not
//! touch, and read by `ActivityApi_activity` (what `aitbc optimize predict` forecasts from).
//!
//! The hour of an event is the current block's timestamp ([`crate::Config::Time`]) divided by
//! 3,600,000 ms. Bucket `hour % ACTIVITY_HOURS` holds that hour; a write into a slot that
//! still holds an older hour starts it afresh, so at most [`ACTIVITY_HOURS`] buckets exist.

use aitbc_primitives::{ActivityBucket, Metrics, ACTIVITY_HOURS};
use alloc::vec::Vec;
use frame_support::traits::UnixTime;

use crate::{Activity, Config, MinerLastActiveHour, Pallet};

/// Milliseconds in an hour.
pub const HOUR_MS: u128 = 3_600_000;

impl<T: Config> Pallet<T> {
    /// The current hour: the block's timestamp in hours since the Unix epoch.
    pub fn current_hour() -> u32 {
        let hours = T::Time::now().as_millis() / HOUR_MS;
        u32::try_from(hours).unwrap_or(u32::MAX)
    }

    /// Change the bucket of `hour` with `f` (starting it afresh when its slot holds an older
    /// hour; a write for an hour older than the slot's is dropped).
    fn mutate_bucket(hour: u32, f: impl FnOnce(&mut ActivityBucket)) {
        Activity::<T>::mutate(hour % ACTIVITY_HOURS, |slot| {
            let bucket = slot.get_or_insert_with(|| ActivityBucket {
                hour,
                ..Default::default()
            });
            if bucket.hour < hour {
                *bucket = ActivityBucket {
                    hour,
                    ..Default::default()
                };
            }
            if bucket.hour == hour {
                f(bucket);
            }
        });
    }

    /// Count a submitted job in the current hour.
    pub(crate) fn note_submitted() {
        Self::mutate_bucket(Self::current_hour(), |b| {
            b.submitted = b.submitted.saturating_add(1);
        });
    }

    /// Count a completed job, its metrics and (first time this hour) its miner in the current
    /// hour.
    pub(crate) fn note_completed(miner: Option<&T::AccountId>, metrics: Option<Metrics>) {
        let hour = Self::current_hour();
        let first_this_hour = miner.is_some_and(|miner| {
            MinerLastActiveHour::<T>::mutate(miner, |last| {
                let first = *last != Some(hour);
                *last = Some(hour);
                first
            })
        });
        let metrics = metrics.unwrap_or_default();
        Self::mutate_bucket(hour, |b| {
            b.completed = b.completed.saturating_add(1);
            b.tokens = b.tokens.saturating_add(metrics.output_tokens.into());
            b.gpu_ms = b.gpu_ms.saturating_add(metrics.compute_ms);
            if first_this_hour {
                b.active_miners = b.active_miners.saturating_add(1);
            }
        });
    }

    /// The kept buckets of hours `>= since` and within the last [`ACTIVITY_HOURS`] hours,
    /// oldest first (hours with no activity have no bucket). At most [`ACTIVITY_HOURS`] items.
    pub fn activity(since: u32) -> Vec<ActivityBucket> {
        let now = Self::current_hour();
        let oldest = now.saturating_sub(ACTIVITY_HOURS - 1).max(since);
        let mut buckets: Vec<ActivityBucket> = Activity::<T>::iter_values()
            .take(ACTIVITY_HOURS as usize)
            .filter(|b| b.hour >= oldest && b.hour <= now)
            .collect();
        buckets.sort_by_key(|b| b.hour);
        buckets
    }

    /// Store genesis history: the buckets of the last [`ACTIVITY_HOURS`] distinct hours
    /// (later entries for one slot replace earlier ones of an older hour).
    pub fn import_activity(buckets: &[ActivityBucket]) {
        for b in buckets {
            Activity::<T>::mutate(b.hour % ACTIVITY_HOURS, |slot| {
                if slot.is_none_or(|s| s.hour <= b.hour) {
                    *slot = Some(*b);
                }
            });
        }
    }
}
