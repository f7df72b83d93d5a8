//! Forecasts of the chain's hourly job activity (`aitbc optimize predict`), with augurs:
//! MSTL (a 24-hour season over an AutoETS trend) when the history holds at least
//! [`MIN_SEASONAL_HOURS`] hours, else AutoETS alone (no season) from [`MIN_HOURS`] hours. No
//! figure is invented: the series is the chain's own buckets (hours without a bucket had no
//! activity, so they are zero), the forecast and its intervals are the fitted model's, and the
//! throughput behind the recommendation is measured on the same history.

use aitbc_client::jobs::ActivityBucket;
use augurs::{
    ets::AutoETS,
    mstl::{MSTLModel, TrendModel},
    Fit, Predict,
};

/// Fewest complete hours of history a forecast is made from (AutoETS).
pub const MIN_HOURS: u32 = 12;
/// Fewest complete hours for the seasonal model: two full days of the 24-hour season.
pub const MIN_SEASONAL_HOURS: u32 = 48;
/// The daily season, in hours.
pub const SEASON: usize = 24;

/// What is forecast: one number per hour of the chain's activity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// Jobs submitted per hour: the demand the network must serve.
    NetworkLoad,
    /// Jobs completed per hour.
    Jobs,
    /// Output tokens generated per hour.
    Tokens,
    /// Distinct miners completing jobs per hour.
    Miners,
}

impl Target {
    /// The target's name on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Target::NetworkLoad => "network-load",
            Target::Jobs => "jobs",
            Target::Tokens => "tokens",
            Target::Miners => "miners",
        }
    }

    /// What one value of the series counts.
    pub fn unit(self) -> &'static str {
        match self {
            Target::NetworkLoad => "jobs submitted per hour",
            Target::Jobs => "jobs completed per hour",
            Target::Tokens => "output tokens per hour",
            Target::Miners => "active miners per hour",
        }
    }

    /// The target's value in one hour's bucket.
    pub fn value(self, b: &ActivityBucket) -> f64 {
        match self {
            Target::NetworkLoad => f64::from(b.submitted),
            Target::Jobs => f64::from(b.completed),
            Target::Tokens => b.tokens as f64,
            Target::Miners => f64::from(b.active_miners),
        }
    }
}

/// The hourly series of hours `first..=last` from the chain's buckets (hours without a bucket
/// are zero; buckets outside the range are ignored).
pub fn hourly_series(buckets: &[ActivityBucket], first: u32, last: u32) -> Vec<ActivityBucket> {
    if last < first {
        return Vec::new();
    }
    let mut series: Vec<ActivityBucket> = (first..=last)
        .map(|hour| ActivityBucket {
            hour,
            ..Default::default()
        })
        .collect();
    for b in buckets {
        if (first..=last).contains(&b.hour) {
            series[(b.hour - first) as usize] = *b;
        }
    }
    series
}

/// How many complete hours of history the chain has at `current_hour`: from its oldest
/// bucket to the hour before the current one (0 without any bucket).
pub fn history_hours(buckets: &[ActivityBucket], current_hour: u32) -> u32 {
    buckets
        .iter()
        .map(|b| b.hour)
        .filter(|h| *h < current_hour)
        .min()
        .map_or(0, |first| current_hour - first)
}

/// Too little history: what the chain has, what a forecast needs, and how long to wait.
#[derive(Debug, PartialEq, Eq)]
pub struct TooLittleHistory {
    /// Complete hours of history the chain has.
    pub have: u32,
    /// Hours a forecast needs.
    pub need: u32,
}

impl std::fmt::Display for TooLittleHistory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let wait = self.need - self.have;
        write!(
            f,
            "the chain has {} hour{} of job history; a forecast needs at least {} hours; try again in {} hour{}",
            self.have,
            if self.have == 1 { "" } else { "s" },
            self.need,
            wait,
            if wait == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for TooLittleHistory {}

/// Which model made a forecast, and why it was chosen.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelChoice {
    /// The model, e.g. `MSTL(24) + AutoETS(A,N,N)`.
    pub name: String,
    /// Why this model.
    pub reason: String,
}

/// A forecast: one point and interval per hour of the horizon.
#[derive(Clone, Debug)]
pub struct Forecast {
    /// The model and why it was chosen.
    pub model: ModelChoice,
    /// Point forecasts, one per hour after the history.
    pub point: Vec<f64>,
    /// Lower bounds of the prediction intervals.
    pub lower: Vec<f64>,
    /// Upper bounds of the prediction intervals.
    pub upper: Vec<f64>,
    /// The intervals' level (e.g. 0.95).
    pub level: f64,
}

impl Forecast {
    /// The step (0-based) with the highest point forecast (the first of equals).
    pub fn peak(&self) -> usize {
        let mut best = 0;
        for (i, p) in self.point.iter().enumerate() {
            if *p > self.point[best] {
                best = i;
            }
        }
        best
    }
}

/// Fits a model to `series` (one value per complete hour, oldest first) and forecasts
/// `horizon` hours with prediction intervals at `level`. Counts cannot be negative: the point
/// forecast and both bounds are floored at zero (which keeps lower ≤ point ≤ upper).
pub fn forecast(series: &[f64], horizon: usize, level: f64) -> anyhow::Result<Forecast> {
    let n = series.len() as u32;
    if n < MIN_HOURS {
        return Err(TooLittleHistory {
            have: n,
            need: MIN_HOURS,
        }
        .into());
    }
    let first = series[0];
    if series.iter().all(|v| *v == first) {
        // Nothing varies: every model fits the constant exactly, with no error to widen the
        // interval (AutoETS refuses a series without variance).
        return Ok(Forecast {
            model: ModelChoice {
                name: "constant".into(),
                reason: format!("the {n} hours of history all have the same value"),
            },
            point: vec![first; horizon],
            lower: vec![first; horizon],
            upper: vec![first; horizon],
            level,
        });
    }
    let (model, fc) = if n >= MIN_SEASONAL_HOURS {
        let trend = AutoETS::non_seasonal().into_trend_model();
        let trend_name = trend.name().into_owned();
        let fitted = MSTLModel::new(vec![SEASON], trend)
            .fit(series)
            .map_err(|e| anyhow::anyhow!("the seasonal model could not be fitted: {e}"))?;
        let fc = fitted
            .predict(horizon, level)
            .map_err(|e| anyhow::anyhow!("the seasonal model could not forecast: {e}"))?;
        (
            ModelChoice {
                name: format!("MSTL (season {SEASON} h) + {trend_name} trend"),
                reason: format!(
                    "{n} hours of history hold at least two full days: a daily season is fitted"
                ),
            },
            fc,
        )
    } else {
        let fitted = AutoETS::non_seasonal()
            .fit(series)
            .map_err(|e| anyhow::anyhow!("the ETS model could not be fitted: {e}"))?;
        let name = format!("AutoETS {}", fitted.model().model_type());
        let fc = fitted
            .predict(horizon, level)
            .map_err(|e| anyhow::anyhow!("the ETS model could not forecast: {e}"))?;
        (
            ModelChoice {
                name,
                reason: format!(
                    "{n} hours of history are under two full days ({MIN_SEASONAL_HOURS} h): no daily season can be fitted yet"
                ),
            },
            fc,
        )
    };
    let intervals = fc
        .intervals
        .ok_or_else(|| anyhow::anyhow!("the model gave no prediction intervals"))?;
    if fc.point.len() != horizon
        || intervals.lower.len() != horizon
        || intervals.upper.len() != horizon
    {
        anyhow::bail!("the model forecast {} hours, not {horizon}", fc.point.len());
    }
    if fc.point.iter().any(|v| !v.is_finite()) {
        anyhow::bail!("the model's forecast is not finite");
    }
    let floor = |v: Vec<f64>| v.into_iter().map(|x| x.max(0.0)).collect::<Vec<_>>();
    Ok(Forecast {
        model,
        point: floor(fc.point),
        lower: floor(intervals.lower),
        upper: floor(intervals.upper),
        level,
    })
}

/// Throughput measured on the history: how much of the target one miner delivers in an hour
/// in which it completes jobs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Throughput {
    /// Completed jobs over the history.
    pub completed: u64,
    /// Output tokens over the history.
    pub tokens: u64,
    /// Miner-hours over the history (each hour's active miners, summed).
    pub miner_hours: u64,
}

impl Throughput {
    /// Sums the history's buckets.
    pub fn measure(series: &[ActivityBucket]) -> Self {
        series.iter().fold(
            Throughput {
                completed: 0,
                tokens: 0,
                miner_hours: 0,
            },
            |t, b| Throughput {
                completed: t.completed + u64::from(b.completed),
                tokens: t.tokens + b.tokens,
                miner_hours: t.miner_hours + u64::from(b.active_miners),
            },
        )
    }

    /// The target's amount per miner-hour (`None` when no miner completed anything, so
    /// nothing was measured).
    pub fn per_miner_hour(&self, target: Target) -> Option<f64> {
        if self.miner_hours == 0 {
            return None;
        }
        let amount = match target {
            Target::NetworkLoad | Target::Jobs => self.completed as f64,
            Target::Tokens => self.tokens as f64,
            Target::Miners => self.miner_hours as f64,
        };
        (amount > 0.0).then(|| amount / self.miner_hours as f64)
    }

    /// Miners needed to deliver `amount` of the target in one hour at the measured
    /// throughput (rounded up).
    pub fn miners_needed(&self, target: Target, amount: f64) -> Option<u64> {
        let per = self.per_miner_hour(target)?;
        Some((amount / per).ceil().max(0.0) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A daily sine around 20 jobs an hour, amplitude 10, peaking at hour 6 of each day,
    /// with deterministic noise of ±2.
    fn daily(hours: usize) -> Vec<f64> {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        (0..hours)
            .map(|h| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let noise = (state % 4001) as f64 / 1000.0 - 2.0;
                let phase = (h as f64 - 6.0) / 24.0 * std::f64::consts::TAU;
                20.0 + 10.0 * phase.cos() + noise
            })
            .collect()
    }

    #[test]
    fn seasonal_forecast_covers_the_truth_and_finds_the_peak() {
        let all = daily(8 * 24);
        let (history, truth) = all.split_at(7 * 24);
        let fc = forecast(history, 24, 0.95).unwrap();
        assert!(fc.model.name.starts_with("MSTL"), "{:?}", fc.model);
        assert_eq!(
            (fc.point.len(), fc.lower.len(), fc.upper.len()),
            (24, 24, 24)
        );
        for i in 0..24 {
            assert!(fc.lower[i] <= fc.point[i] && fc.point[i] <= fc.upper[i]);
        }
        let covered = (0..24)
            .filter(|i| fc.lower[*i] <= truth[*i] && truth[*i] <= fc.upper[*i])
            .count();
        // Most of the time, not 95% of it: MSTL's intervals carry the trend model's error on
        // the deseasonalised series, not the seasonal estimate's (19 of 24 here; 649 of 720,
        // 90%, over 30 such series with other noise).
        assert!(
            covered >= 18,
            "only {covered} of 24 hours inside the 95% interval"
        );
        // The history ends at hour 0 of a day: the peak is 6 hours ahead (± an hour).
        let peak = fc.peak() as i64;
        assert!((peak - 6).abs() <= 1, "peak at step {peak}");
    }

    #[test]
    fn short_history_uses_ets_and_too_short_says_how_long_to_wait() {
        let fc = forecast(&daily(30), 24, 0.9).unwrap();
        assert!(fc.model.name.starts_with("AutoETS"), "{:?}", fc.model);
        assert!(fc.model.reason.contains("under two full days"));
        assert!((0..24).all(|i| fc.lower[i] <= fc.point[i] && fc.point[i] <= fc.upper[i]));
        let err = forecast(&daily(5), 24, 0.95).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the chain has 5 hours of job history; a forecast needs at least 12 hours; try again in 7 hours"
        );
    }

    #[test]
    fn a_constant_history_forecasts_the_constant() {
        let fc = forecast(&[3.0; 20], 4, 0.95).unwrap();
        assert_eq!(fc.model.name, "constant");
        assert_eq!(
            (fc.point, fc.lower, fc.upper),
            (vec![3.0; 4], vec![3.0; 4], vec![3.0; 4])
        );
    }

    #[test]
    fn series_fills_missing_hours_and_history_counts_complete_hours() {
        let b = |hour, submitted| ActivityBucket {
            hour,
            submitted,
            ..Default::default()
        };
        let buckets = [b(10, 1), b(12, 3), b(15, 9)];
        let s = hourly_series(&buckets, 10, 14);
        assert_eq!(
            s.iter().map(|b| (b.hour, b.submitted)).collect::<Vec<_>>(),
            vec![(10, 1), (11, 0), (12, 3), (13, 0), (14, 0)]
        );
        assert_eq!(history_hours(&buckets, 15), 5);
        assert_eq!(history_hours(&[], 15), 0);
        assert_eq!(history_hours(&[b(15, 1)], 15), 0);
    }

    #[test]
    fn throughput_is_per_active_miner_hour() {
        let b = |completed, tokens, active_miners| ActivityBucket {
            completed,
            tokens,
            active_miners,
            ..Default::default()
        };
        let t = Throughput::measure(&[b(10, 1_000, 2), b(0, 0, 0), b(20, 500, 3)]);
        assert_eq!(t.per_miner_hour(Target::Jobs), Some(6.0));
        assert_eq!(t.per_miner_hour(Target::Tokens), Some(300.0));
        assert_eq!(t.miners_needed(Target::NetworkLoad, 13.0), Some(3));
        assert_eq!(Throughput::measure(&[]).per_miner_hour(Target::Jobs), None);
    }
}
