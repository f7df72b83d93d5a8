//! Embedded backend throughput on the real SmolLM2-135M model: prompt evaluation and generation
//! tokens/s, measured. `cargo bench -p aitbc-worker --bench embedded` (AITBC_BENCH_RUNS=N);
//! under `cargo test` it makes one short run as a smoke test.

use aitbc_worker::backend::embedded::{default_model_path, EmbeddedBackend, EmbeddedConfig};
use aitbc_worker::backend::{GenerateOptions, GenerateRequest, Prompt};
use std::time::Instant;

const SHORT: &str = "Explain in a few sentences why the sky is blue.";

fn long_prompt() -> String {
    let para = "The miner daemon watches the chain for jobs assigned to its account, runs the \
                inference on its backend and submits a signed result with the generated text, \
                its hash and the metrics of the run. ";
    format!(
        "Summarise the following notes in one sentence.\n\n{}",
        para.repeat(12)
    )
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn main() {
    let bench_mode = std::env::args().any(|a| a == "--bench");
    let runs: usize = if bench_mode {
        std::env::var("AITBC_BENCH_RUNS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(5)
            .max(1)
    } else {
        1
    };
    let max_tokens = if bench_mode { 128 } else { 8 };
    let path = default_model_path();
    if !path.is_file() {
        eprintln!(
            "the SmolLM2 model is missing at {}: run scripts/fetch-models.sh first",
            path.display()
        );
        std::process::exit(1);
    }
    let t = Instant::now();
    let backend = match EmbeddedBackend::load(EmbeddedConfig::smollm2(Some(path))) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    println!(
        "embedded backend: SmolLM2-135M-Instruct Q4_1, CPU, {} threads; load {:.0} ms (incl. sha256)",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        t.elapsed().as_secs_f64() * 1e3
    );
    let long = long_prompt();
    for (label, prompt) in [("short prompt", SHORT.to_string()), ("long prompt", long)] {
        let request = GenerateRequest {
            model: "smollm2".into(),
            prompt: Prompt::text(prompt),
            options: GenerateOptions {
                temperature: Some(0.0),
                max_tokens: Some(max_tokens),
                ..Default::default()
            },
        };
        // Warm-up (allocations, caches).
        if let Err(e) = backend.generate_blocking(&request, &mut |_| true) {
            eprintln!("{e}");
            std::process::exit(1);
        }
        let (mut pp, mut tg) = (Vec::new(), Vec::new());
        let (mut n_in, mut n_out, mut ms) = (0, 0, 0);
        for _ in 0..runs {
            match backend.generate_blocking(&request, &mut |_| true) {
                Ok(r) => {
                    pp.extend(r.prompt_tokens_per_s());
                    tg.extend(r.output_tokens_per_s());
                    (n_in, n_out, ms) = (r.input_tokens, r.output_tokens, r.compute_ms);
                }
                Err(e) => {
                    eprintln!("{e}");
                    std::process::exit(1);
                }
            }
        }
        println!(
            "{label:>12}: {n_in} prompt tokens, {n_out} generated, {ms} ms/request | prompt eval {:.1} tok/s | generation {:.1} tok/s (median of {runs})",
            median(&mut pp),
            median(&mut tg)
        );
    }
}
