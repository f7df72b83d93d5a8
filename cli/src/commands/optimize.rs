//! `aitbc optimize ...`: `self-opt` ([`crate::commands::self_opt`]) has a miner measure an
//! agent across settings; `predict` forecasts an hourly
//! figure of the network (jobs submitted or completed, tokens, active miners) from the hourly
//! activity the jobs pallet keeps (`ActivityApi`), with prediction intervals from a model
//! fitted on it ([`crate::forecast`]), and recommends how many miners the forecast peak needs
//! at the per-miner throughput measured on the same history, against the miners registered
//! and online now (`MarketApi_miners`).

use crate::context::Ctx;
use crate::forecast::{self, Forecast, Target, Throughput, TooLittleHistory, MIN_HOURS};
use crate::output::{format_time_ms, table, Report};
use aitbc_client::jobs::{self, ActivityBucket, MinerStatus, ACTIVITY_HOURS};
use anyhow::{bail, Result};
use clap::{Args, Subcommand};
use serde_json::{json, Value};

/// Longest horizon a forecast is made for: a week.
const MAX_HORIZON_HOURS: u32 = 7 * 24;

#[derive(Subcommand, Debug)]
pub enum OptimizeCmd {
    /// Forecast the network's hourly activity from the chain's own history, with prediction
    /// intervals, and the miners the forecast peak needs.
    #[command(
        after_help = "Examples:\n  aitbc optimize predict --target network-load --horizon 24h\n  aitbc optimize predict --target tokens --horizon 2d --history 14d --confidence 0.8\n  aitbc optimize predict --target network-load --horizon 24h --json\n\nTargets: network-load (jobs submitted per hour), jobs (completed per hour), tokens (output tokens per hour), miners (active miners per hour).\nThe chain keeps 28 days of hourly activity; a forecast needs at least 12 hours of it, and 48 for the daily season."
    )]
    Predict(PredictArgs),
    /// Have a miner measure your agent on an evaluation set across its models, compute threads
    /// and token limits; prints the measured table, before and after, and the proposed
    /// configuration (--apply stores it as the agent's next version).
    #[command(
        name = "self-opt",
        after_help = "Examples:\n  aitbc optimize self-opt --agent-id 0 --target inference-speed\n  aitbc optimize self-opt --agent-id 0 --target cost --tasks eval.json --apply\n  aitbc optimize self-opt --agent-id 0 --target quality --miner 5FHneW46... --models smollm2,gemma3 --threads 1,2\n\neval.json: [{\"input\": \"What is 17*23?\", \"expect\": \"391\"}, ...] (at most 8 tasks; expect optional).\nThe miner must offer it (aitbc-worker mine --stream-listen ADDR --self-opt). At most 8 settings and 24 runs."
    )]
    SelfOpt(crate::commands::self_opt::SelfOptArgs),
}

impl OptimizeCmd {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        match self {
            OptimizeCmd::Predict(a) => a.run(ctx).await,
            OptimizeCmd::SelfOpt(a) => a.run(ctx).await,
        }
    }
}

#[derive(Args, Debug)]
pub struct PredictArgs {
    /// What to forecast.
    #[arg(long, value_enum, default_value_t = Target::NetworkLoad)]
    pub target: Target,
    /// How far ahead: hours (`24h`, `24`) or days (`2d`), at most 7 days.
    #[arg(long, default_value = "24h", value_parser = parse_hours)]
    pub horizon: u32,
    /// How much history to fit on: hours or days, at most 28 days (what the chain keeps).
    #[arg(long, default_value = "7d", value_parser = parse_hours)]
    pub history: u32,
    /// Level of the prediction intervals, between 0.5 and 0.999.
    #[arg(long, default_value_t = 0.95, value_parser = parse_confidence)]
    pub confidence: f64,
    /// Print JSON (as `--output json` does).
    #[arg(long)]
    pub json: bool,
}

/// `24h`, `24` (hours) or `2d` (days) as hours, at least one.
fn parse_hours(s: &str) -> std::result::Result<u32, String> {
    let bad = || format!("'{s}' is not a duration: use hours (24h) or days (7d)");
    let t = s.trim();
    let (num, factor) = if let Some(d) = t.strip_suffix('d') {
        (d, 24)
    } else {
        (t.strip_suffix('h').unwrap_or(t), 1)
    };
    let n: u32 = num.trim().parse().map_err(|_| bad())?;
    let hours = n.checked_mul(factor).ok_or_else(bad)?;
    if hours == 0 {
        return Err(format!("'{s}' is not a duration: at least one hour"));
    }
    Ok(hours)
}

/// A level between 0.5 and 0.999.
fn parse_confidence(s: &str) -> std::result::Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(c) if (0.5..=0.999).contains(&c) => Ok(c),
        _ => Err(format!(
            "'{s}' is not a confidence level: use a number between 0.5 and 0.999, e.g. 0.95"
        )),
    }
}

/// The start of `hour` as UTC text.
fn hour_text(hour: u32) -> String {
    format_time_ms(u64::from(hour) * 3_600_000)
}

/// A figure for people: whole numbers as they are, else one decimal.
fn figure(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// Rounded to three decimals, for JSON.
fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

impl PredictArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        if self.horizon > MAX_HORIZON_HOURS {
            bail!(
                "a horizon of {} hours is too far: at most {MAX_HORIZON_HOURS} hours (7d)",
                self.horizon
            );
        }
        if self.history > ACTIVITY_HOURS {
            bail!(
                "a history of {} hours is more than the chain keeps: at most {ACTIVITY_HOURS} hours (28d)",
                self.history
            );
        }
        if self.history < MIN_HOURS {
            bail!(
                "a history of {} hours is too short: a forecast needs at least {MIN_HOURS} hours",
                self.history
            );
        }
        let rpc = ctx.connect().await?;
        let (current_hour, buckets) = jobs::activity(&rpc, 0).await?;
        let miners = jobs::all_miners(&rpc).await?;
        let available = forecast::history_hours(&buckets, current_hour);
        if available < MIN_HOURS {
            return Err(TooLittleHistory {
                have: available,
                need: MIN_HOURS,
            }
            .into());
        }
        // The complete hours before the current one (which is still filling up).
        let used = available.min(self.history);
        let series = forecast::hourly_series(&buckets, current_hour - used, current_hour - 1);
        let values: Vec<f64> = series.iter().map(|b| self.target.value(b)).collect();
        let fc = forecast::forecast(&values, self.horizon as usize, self.confidence)?;
        let registered = miners
            .iter()
            .filter(|m| matches!(m.miner.status, MinerStatus::Active))
            .count();
        let online = miners
            .iter()
            .filter(|m| m.online && matches!(m.miner.status, MinerStatus::Active))
            .count();
        Ok(self
            .report(current_hour, &series, &fc, registered, online)
            .json_if(self.json))
    }

    fn report(
        &self,
        current_hour: u32,
        series: &[ActivityBucket],
        fc: &Forecast,
        registered: usize,
        online: usize,
    ) -> Report {
        let target = self.target;
        let level_pct = fc.level * 100.0;
        let first = series.first().map_or(current_hour, |b| b.hour);
        let window = format!(
            "{} to {} ({} hours)",
            hour_text(first),
            hour_text(current_hour),
            series.len()
        );
        let points: Vec<Value> = (0..fc.point.len())
            .map(|i| {
                let hour = current_hour + i as u32;
                json!({
                    "hour": hour,
                    "start": hour_text(hour),
                    "forecast": round3(fc.point[i]),
                    "lower": round3(fc.lower[i]),
                    "upper": round3(fc.upper[i]),
                })
            })
            .collect();
        let peak = fc.peak();
        let peak_hour = current_hour + peak as u32;
        let throughput = Throughput::measure(series);
        let per_miner = throughput.per_miner_hour(target);
        let needed = throughput.miners_needed(target, fc.upper[peak]);
        let mut advice = Vec::new();
        let throughput_line = match per_miner {
            Some(_) if target == Target::Miners => format!(
                "the forecast is of active miners itself ({} miner-hours, {} completed jobs, {window})",
                throughput.miner_hours, throughput.completed
            ),
            Some(per) => format!(
                "measured throughput: {} {} per active miner-hour ({} completed jobs, {} output tokens in {} miner-hours, {window})",
                figure((per * 10.0).round() / 10.0),
                match target {
                    Target::NetworkLoad | Target::Jobs => "jobs",
                    Target::Tokens => "tokens",
                    Target::Miners => "miners",
                },
                throughput.completed,
                throughput.tokens,
                throughput.miner_hours
            ),
            None => format!(
                "no miner completed a job from {window}: per-miner throughput cannot be measured, so no miner count is recommended"
            ),
        };
        advice.push(throughput_line.clone());
        if let Some(needed) = needed {
            let needed = needed as usize;
            advice.push(format!(
                "at the forecast peak ({}: {} {}, up to {} at {}%) the network needs {needed} miner{} at that throughput",
                hour_text(peak_hour),
                figure((fc.point[peak] * 10.0).round() / 10.0),
                target.unit(),
                figure((fc.upper[peak] * 10.0).round() / 10.0),
                figure(level_pct),
                if needed == 1 { "" } else { "s" }
            ));
            advice.push(if online >= needed {
                format!(
                    "{online} of {registered} registered miners are online: enough for the peak ({} to spare)",
                    online - needed
                )
            } else if registered >= needed {
                format!(
                    "{online} of {registered} registered miners are online: bring {} more online before {}",
                    needed - online,
                    hour_text(peak_hour)
                )
            } else {
                format!(
                    "{online} of {registered} registered miners are online: register {} more miner{} (and keep all online) before {}",
                    needed - registered,
                    if needed - registered == 1 { "" } else { "s" },
                    hour_text(peak_hour)
                )
            });
        }
        let json = json!({
            "target": target.name(),
            "unit": target.unit(),
            "current_hour": current_hour,
            "horizon_hours": fc.point.len(),
            "history": {
                "hours": series.len(),
                "from_hour": first,
                "window": window,
            },
            "confidence": fc.level,
            "model": { "name": fc.model.name, "reason": fc.model.reason },
            "forecast": points,
            "peak": {
                "hour": peak_hour,
                "start": hour_text(peak_hour),
                "forecast": round3(fc.point[peak]),
                "lower": round3(fc.lower[peak]),
                "upper": round3(fc.upper[peak]),
            },
            "recommendations": {
                "throughput_per_miner_hour": per_miner.map(round3),
                "completed_jobs": throughput.completed,
                "output_tokens": throughput.tokens,
                "miner_hours": throughput.miner_hours,
                "miners_needed_at_peak": needed,
                "registered_miners": registered,
                "online_miners": online,
                "advice": advice,
            },
        });
        let mut t = table(&[
            "hour (UTC)",
            "forecast",
            &format!("lower {}%", figure(level_pct)),
            &format!("upper {}%", figure(level_pct)),
        ]);
        for i in 0..fc.point.len() {
            let hour = current_hour + i as u32;
            let mark = if i == peak { "  ← peak" } else { "" };
            t.add_row(vec![
                format!("{}{mark}", hour_text(hour)),
                figure((fc.point[i] * 10.0).round() / 10.0),
                figure((fc.lower[i] * 10.0).round() / 10.0),
                figure((fc.upper[i] * 10.0).round() / 10.0),
            ]);
        }
        let mut report = Report::new(json)
            .line(format!(
                "Forecast of {} ({}), next {} hours, from {window}",
                target.name(),
                target.unit(),
                fc.point.len()
            ))
            .line(format!("model: {} — {}", fc.model.name, fc.model.reason))
            .table(t)
            .line("Recommendations:");
        for a in &advice {
            report = report.line(format!("  - {a}"));
        }
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_levels() {
        assert_eq!(parse_hours("24h"), Ok(24));
        assert_eq!(parse_hours("24"), Ok(24));
        assert_eq!(parse_hours("7d"), Ok(168));
        assert!(parse_hours("0h").is_err());
        assert!(parse_hours("a day").is_err());
        assert_eq!(parse_confidence("0.8"), Ok(0.8));
        assert!(parse_confidence("95").is_err());
    }
}
