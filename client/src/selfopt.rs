//! Self-optimization of an agent (`aitbc optimize self-opt`, seed §12): the agent's owner asks
//! a miner that offers it (`aitbc-worker mine --self-opt`) to run the agent on an evaluation
//! set across the settings the miner can vary (the models it has, its compute threads, the
//! run's token limit). The miner measures every run; this module holds what travels between
//! them and how the measured runs become a table and a choice.
//!
//! The request is `POST {endpoint}/agents/{id}/self-opt` with a [`SelfOptRequest`] as JSON and
//! the owner's sr25519 signature of [`auth_payload`]`(body)` in the [`SIGNATURE_HEADER`]
//! header. The answer is Server-Sent Events: `run` (one [`RunMeasure`]) as each run ends,
//! then `report` (a [`SelfOptReport`]), or `error` (a message).

use aitbc_agent::EvalTask;
use serde::{Deserialize, Serialize};
use sp_core::H256;

/// The header carrying the owner's signature (0x-hex of 64 bytes).
pub const SIGNATURE_HEADER: &str = "x-aitbc-signature";
/// What a self-optimization signature is bound to.
pub const AUTH_CONTEXT: &[u8] = b"aitbc/agent-self-opt/v1";
/// Most settings one request measures.
pub const MAX_SETTINGS: usize = 8;
/// Most runs one request makes (settings × tasks).
pub const MAX_RUNS: usize = 24;
/// Most bytes of a request.
pub const MAX_REQUEST_BYTES: usize = 48 * 1024;

/// What the owner signs: [`AUTH_CONTEXT`] and the BLAKE2-256 of the request's JSON body.
pub fn auth_payload(body: &[u8]) -> Vec<u8> {
    let mut p = AUTH_CONTEXT.to_vec();
    p.extend_from_slice(aitbc_primitives::blake2(body).as_bytes());
    p
}

/// What to optimize for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    /// The least time per run.
    InferenceSpeed,
    /// The least a run costs at this miner's price.
    Cost,
    /// The most runs answered correctly.
    Quality,
}

impl Target {
    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Target::InferenceSpeed => "inference-speed",
            Target::Cost => "cost",
            Target::Quality => "quality",
        }
    }
}

/// A self-optimization request. Empty setting lists mean "what the miner has".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelfOptRequest {
    /// The agent (its latest version is measured).
    pub agent: u64,
    /// What to optimize for.
    pub target: Target,
    /// The evaluation set.
    pub tasks: Vec<EvalTask>,
    /// Models to try (the miner's embedded models by default).
    #[serde(default)]
    pub models: Vec<String>,
    /// Compute thread counts to try (1 and all cores by default).
    #[serde(default)]
    pub threads: Vec<u32>,
    /// Run token limits to try (the agent's and half of it by default).
    #[serde(default)]
    pub max_tokens: Vec<u32>,
    /// Time of asking, Unix milliseconds.
    pub at: u64,
}

/// One combination of settings.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Setting {
    /// The model.
    pub model: String,
    /// Compute threads.
    pub threads: u32,
    /// The run's token limit.
    pub max_tokens: u32,
}

/// One measured run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunMeasure {
    /// The settings it ran with.
    pub setting: Setting,
    /// The task's index in the evaluation set.
    pub task: usize,
    /// How the run ended (`answered`, `step limit`, …).
    pub end: String,
    /// The answer (or stop reason), at most 1 KiB.
    pub answer: String,
    /// Whether the answer matches the task's expected answer (`None` without one).
    pub correct: Option<bool>,
    /// Steps taken.
    pub steps: u32,
    /// Tool calls that ran.
    pub tool_calls: u32,
    /// Tokens generated.
    pub tokens: u32,
    /// The steps' metered time (what the chain would bill), milliseconds.
    pub compute_ms: u64,
    /// Wall time of the run, milliseconds.
    pub wall_ms: u64,
}

/// The measured figures of one setting over the evaluation set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingRow {
    /// The settings.
    pub setting: Setting,
    /// Runs measured.
    pub runs: u32,
    /// Runs that ended with an answer.
    pub answered: u32,
    /// Runs judged correct (answered, and matching the expected answer where there is one).
    pub correct: u32,
    /// Mean wall time per run, milliseconds.
    pub mean_wall_ms: u64,
    /// Tokens generated per second of metered time.
    pub tokens_per_sec: f64,
    /// Mean steps per run.
    pub mean_steps: f64,
    /// Mean cost per run at the miner's price, base units (as a decimal string).
    pub mean_cost: String,
}

impl SettingRow {
    /// Share of runs judged correct.
    pub fn quality(&self) -> f64 {
        if self.runs == 0 {
            0.0
        } else {
            f64::from(self.correct) / f64::from(self.runs)
        }
    }

    fn cost(&self) -> u128 {
        self.mean_cost.parse().unwrap_or(u128::MAX)
    }
}

/// The report: every setting's figures, the baseline (the agent as configured, with the
/// miner's default threads) and the setting chosen for the target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelfOptReport {
    /// The agent.
    pub agent: u64,
    /// The version measured.
    pub version: u32,
    /// The target.
    pub target: Target,
    /// The miner's price per GPU-second the costs are computed at (base units).
    pub price_per_gpu_second: String,
    /// The least a run pays (the chain's minimum payment for agent runs; base units).
    pub min_payment: String,
    /// One row per setting.
    pub rows: Vec<SettingRow>,
    /// The row of the agent as configured.
    pub baseline: usize,
    /// The row chosen for the target.
    pub best: usize,
    /// The agent's configuration with the chosen model and token limit (canonical JSON).
    pub proposed_config: String,
    /// The hash of the configuration measured (BLAKE2-256 of its canonical bytes).
    pub config_hash: H256,
}

/// The cost of one run metered at `compute_ms`: `max(⌈compute_ms × price / 1000⌉, min)`, as the
/// jobs pallet prices it.
pub fn run_cost(compute_ms: u64, price_per_gpu_second: u128, min_payment: u128) -> u128 {
    price_per_gpu_second
        .saturating_mul(u128::from(compute_ms))
        .div_ceil(1000)
        .max(min_payment)
}

/// The figures of one setting from its runs.
pub fn summarize(
    setting: &Setting,
    runs: &[&RunMeasure],
    price_per_gpu_second: u128,
    min_payment: u128,
) -> SettingRow {
    let n = runs.len() as u64;
    let answered = runs.iter().filter(|r| r.end == "answered").count() as u32;
    let correct = runs
        .iter()
        .filter(|r| r.end == "answered" && r.correct != Some(false))
        .count() as u32;
    let wall: u64 = runs.iter().map(|r| r.wall_ms).sum();
    let compute: u64 = runs.iter().map(|r| r.compute_ms).sum();
    let tokens: u64 = runs.iter().map(|r| u64::from(r.tokens)).sum();
    let steps: u64 = runs.iter().map(|r| u64::from(r.steps)).sum();
    let cost: u128 = runs
        .iter()
        .map(|r| run_cost(r.compute_ms, price_per_gpu_second, min_payment))
        .fold(0u128, u128::saturating_add);
    SettingRow {
        setting: setting.clone(),
        runs: n as u32,
        answered,
        correct,
        mean_wall_ms: wall.checked_div(n).unwrap_or(0),
        tokens_per_sec: if compute == 0 {
            0.0
        } else {
            tokens as f64 * 1000.0 / compute as f64
        },
        mean_steps: if n == 0 { 0.0 } else { steps as f64 / n as f64 },
        mean_cost: cost.checked_div(u128::from(n)).unwrap_or(0).to_string(),
    }
}

/// The row to propose for `target`. Speed and cost are only traded among settings at least as
/// good as the baseline's quality (a faster setting that answers worse is not an improvement);
/// quality takes the most correct runs, then the fastest. Ties keep the earlier row.
pub fn choose(rows: &[SettingRow], baseline: usize, target: Target) -> usize {
    let floor = rows.get(baseline).map_or(0.0, SettingRow::quality);
    let eligible = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.runs > 0 && r.quality() >= floor);
    let best = match target {
        Target::InferenceSpeed => eligible.min_by_key(|(_, r)| r.mean_wall_ms),
        Target::Cost => eligible.min_by(|(_, a), (_, b)| {
            a.cost()
                .cmp(&b.cost())
                .then(a.mean_wall_ms.cmp(&b.mean_wall_ms))
        }),
        Target::Quality => {
            rows.iter()
                .enumerate()
                .filter(|(_, r)| r.runs > 0)
                .min_by(|(_, a), (_, b)| {
                    b.correct
                        .cmp(&a.correct)
                        .then(a.mean_wall_ms.cmp(&b.mean_wall_ms))
                })
        }
    };
    best.map_or(baseline, |(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setting(model: &str, threads: u32) -> Setting {
        Setting {
            model: model.into(),
            threads,
            max_tokens: 512,
        }
    }

    fn run(s: &Setting, ok: bool, wall_ms: u64) -> RunMeasure {
        RunMeasure {
            setting: s.clone(),
            task: 0,
            end: "answered".into(),
            answer: "391".into(),
            correct: Some(ok),
            steps: 2,
            tool_calls: 1,
            tokens: 100,
            compute_ms: wall_ms,
            wall_ms,
        }
    }

    fn row(s: &Setting, runs: &[RunMeasure]) -> SettingRow {
        summarize(s, &runs.iter().collect::<Vec<_>>(), 1_000_000, 10)
    }

    #[test]
    fn rows_add_up_their_runs() {
        let s = setting("smollm2", 2);
        let r = row(&s, &[run(&s, true, 2000), run(&s, false, 4000)]);
        assert_eq!((r.runs, r.answered, r.correct), (2, 2, 1));
        assert_eq!(r.mean_wall_ms, 3000);
        assert_eq!(r.mean_cost, "3000000");
        assert!((r.tokens_per_sec - 200.0 / 6.0).abs() < 1e-9);
        assert_eq!(run_cost(0, 1_000_000, 10), 10, "the minimum payment");
        assert_eq!(run_cost(1, 1, 0), 1, "rounded up");
    }

    #[test]
    fn speed_is_never_bought_with_quality() {
        let (a, b, c) = (
            setting("gemma3", 2),
            setting("smollm2", 2),
            setting("gemma3", 1),
        );
        let rows = vec![
            row(&a, &[run(&a, true, 5000)]),
            row(&b, &[run(&b, false, 1000)]),
            row(&c, &[run(&c, true, 8000)]),
        ];
        assert_eq!(choose(&rows, 0, Target::InferenceSpeed), 0);
        assert_eq!(choose(&rows, 2, Target::InferenceSpeed), 0);
        assert_eq!(choose(&rows, 2, Target::Cost), 0);
        // From a wrong baseline anything goes, and the fastest wins.
        assert_eq!(choose(&rows, 1, Target::InferenceSpeed), 1);
        assert_eq!(choose(&rows, 1, Target::Quality), 0);
    }

    #[test]
    fn the_signature_binds_the_whole_body() {
        assert_ne!(
            auth_payload(b"{\"agent\":1}"),
            auth_payload(b"{\"agent\":2}")
        );
        assert!(auth_payload(b"").starts_with(AUTH_CONTEXT));
    }
}
