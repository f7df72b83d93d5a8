//! The agent loop's own cost per step, without inference: a five-step run (four calculator and
//! table calls, then the answer) over a 16 KiB CSV data file, with a step model that answers at
//! once, so what is timed is the prompt building, the tool calls, the step records and the
//! trace's hash chain (as the chain recomputes it). Prints p50 and p95 per run and per step.
//! `cargo bench -p aitbc-worker --bench agent_loop` (AITBC_BENCH_RUNS=N, default 200); under
//! `cargo test` it makes a few runs as a smoke test.

use aitbc_agent::{ToolBox, ToolId};
use aitbc_primitives::{trace_root, RunEnd};
use aitbc_worker::backend::Prompt;
use aitbc_worker::miner::agent::run::{run_agent, ModelStep, RunSettings, StepModel};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Answers at once: calculator, table_stats, calculator, table_stats, then the answer.
struct Instant5(AtomicUsize);

#[async_trait::async_trait]
impl StepModel for Instant5 {
    async fn step(&self, _: Prompt, _: Vec<String>, _: u32) -> Result<ModelStep, String> {
        let n = self.0.fetch_add(1, Ordering::Relaxed);
        let (action, input) = match n {
            0 | 2 => ("calculator", "(1234.5*17)/3 + sqrt(2)"),
            1 | 3 => ("table_stats", "revenue"),
            _ => ("final_answer", "Revenue grew 12% over the quarter."),
        };
        Ok(ModelStep {
            thought: "I need the figures before I answer.".into(),
            action: action.into(),
            input: input.into(),
            tokens: 24,
        })
    }
}

fn data() -> Vec<u8> {
    let mut csv = String::from("month,region,revenue\n");
    let mut i = 0;
    while csv.len() < 16 * 1024 - 40 {
        csv.push_str(&format!(
            "2026-{:02},r{},{}\n",
            i % 12 + 1,
            i % 7,
            1000 + (i * 37) % 900
        ));
        i += 1;
    }
    csv.into_bytes()
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let smoke =
        std::env::args().any(|a| a == "--test") || !std::env::args().any(|a| a == "--bench");
    let runs: usize = std::env::var("AITBC_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if smoke { 5 } else { 200 });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let data = data();
    let settings = RunSettings {
        system_prompt: Some("You analyse tables. Use the tools for every number.".into()),
        tools: vec![ToolId::Calculator, ToolId::TableStats],
        max_steps: 8,
        max_tokens: 4096,
        max_tool_calls: 6,
        time_budget: Duration::from_secs(600),
        step_tokens: 192,
    };
    let mut per_run = Vec::with_capacity(runs);
    for _ in 0..runs {
        let model = Instant5(AtomicUsize::new(0));
        let tools = ToolBox::new(&settings.tools, Some(&data), None);
        let started = Instant::now();
        let mut on_step = |_: &aitbc_primitives::TraceStep| {};
        let out = rt.block_on(run_agent(
            &model,
            &settings,
            "Analyze Q3 revenue",
            &tools,
            Some(&data),
            &mut on_step,
        ));
        let _root = trace_root(sp_core::H256::zero(), out.steps.iter());
        per_run.push(started.elapsed().as_secs_f64() * 1e6);
        assert_eq!(out.end, RunEnd::Answered);
        assert_eq!(out.steps.len(), 5);
    }
    let p50 = pct(&mut per_run, 0.5);
    let p95 = pct(&mut per_run, 0.95);
    println!(
        "agent loop, 5-step run without inference (16 KiB CSV, {runs} runs): p50 {p50:.0} µs ({:.0} µs a step), p95 {p95:.0} µs ({:.0} µs a step)",
        p50 / 5.0,
        p95 / 5.0
    );
}
