//! Torch backend throughput on the real silero-vad TorchScript model (libtorch 2.11): model
//! load, per-job module instantiation, `audio_forward` over 10 s of 16 kHz audio (real-time
//! factor), one streaming `forward` chunk, and a whole job (JSON in, JSON out).
//!
//! All the compute is in libtorch's own optimised code, so a dev build measures the same as a
//! release one: `scripts/bench-worker.sh` runs it as
//! `cargo test --workspace --features aitbc-worker/torch --bench torch -- --bench`
//! (AITBC_BENCH_RUNS=N); without `--bench` it makes one short run as a smoke test.

use aitbc_worker::backend::torch::{
    default_models_dir, DevicePreference, TorchBackend, TorchConfig,
};
use aitbc_worker::backend::torch_io::{TensorValue, TorchInput, TorchValue};
use aitbc_worker::backend::{GenerateOptions, GenerateRequest, Prompt};
use std::time::{Duration, Instant};

const SR: usize = 16_000;

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Deterministic audio: a 150 Hz buzz with harmonics under a 4 Hz envelope, plus a little noise.
fn audio(seconds: usize) -> Vec<f32> {
    let mut seed = 0x2545_f491_u32;
    (0..seconds * SR)
        .map(|i| {
            let t = i as f32 / SR as f32;
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let noise = (seed as f32 / u32::MAX as f32 - 0.5) * 0.02;
            let buzz: f32 = (1..=8)
                .map(|h| (2.0 * std::f32::consts::PI * 150.0 * h as f32 * t).sin() / h as f32)
                .sum();
            let env = 0.5 - 0.5 * (2.0 * std::f32::consts::PI * 4.0 * t).cos();
            0.3 * buzz * env + noise
        })
        .collect()
}

fn job(method: &str, samples: &[f32]) -> TorchInput {
    TorchInput {
        method: method.into(),
        inputs: vec![
            TorchValue::Tensor(TensorValue::f32(
                vec![1, samples.len() as i64],
                samples.to_vec(),
            )),
            TorchValue::Int(SR as i64),
        ],
    }
}

fn fail(e: impl std::fmt::Display) -> ! {
    eprintln!("{e}");
    std::process::exit(1);
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
    let dir = default_models_dir();
    if !dir.join("silero_vad.jit").is_file() {
        fail(format!(
            "silero_vad.jit is missing in {}: run scripts/fetch-libtorch.sh first",
            dir.display()
        ));
    }
    let mut config = TorchConfig::new(Some(dir));
    config.model = Some("silero_vad".into());
    if let Ok(d) = std::env::var("AITBC_TORCH_DEVICE") {
        config.device = d.parse().unwrap_or_else(|e: String| fail(e));
    } else {
        config.device = DevicePreference::Auto;
    }
    let t = Instant::now();
    let backend = TorchBackend::load(config).unwrap_or_else(|e| fail(e));
    println!(
        "torch backend: silero_vad (TorchScript, libtorch 2.11) on {}, {} threads; load {:.0} ms (incl. sha256)",
        backend.compute_device(),
        tch::get_num_threads(),
        ms(t.elapsed())
    );

    let seconds = if bench_mode { 10 } else { 1 };
    let long = audio(seconds);
    let chunks = long.len().div_ceil(512);
    let long_job = job("audio_forward", &long);
    let chunk_job = job("forward", &long[..512]);
    // Warm-up (allocator, oneDNN/OpenMP thread pools).
    for j in [&long_job, &chunk_job] {
        backend
            .run_blocking("silero_vad", j)
            .unwrap_or_else(|e| fail(e));
    }
    let (mut inst, mut fwd, mut chunk) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        let r = backend
            .run_blocking("silero_vad", &long_job)
            .unwrap_or_else(|e| fail(e));
        inst.push(ms(r.load));
        fwd.push(ms(r.forward));
        let r = backend
            .run_blocking("silero_vad", &chunk_job)
            .unwrap_or_else(|e| fail(e));
        chunk.push(ms(r.forward));
    }
    let fwd_ms = median(&mut fwd);
    println!(
        "  per-job module instantiation: {:.1} ms (median of {runs})",
        median(&mut inst)
    );
    println!(
        "  audio_forward, {seconds} s of 16 kHz audio ({chunks} chunks of 32 ms): {fwd_ms:.1} ms -> {:.0}x real time, {:.0} chunks/s",
        seconds as f64 * 1e3 / fwd_ms,
        chunks as f64 * 1e3 / fwd_ms
    );
    println!(
        "  forward, one 512-sample chunk (streaming): {:.2} ms",
        median(&mut chunk)
    );

    // A whole job as the miner runs it: a JSON prompt of 1 s of audio, parsed, run, written.
    let prompt = serde_json::to_string(&job("audio_forward", &long[..SR]).to_json())
        .unwrap_or_else(|e| fail(e));
    let request = GenerateRequest {
        model: "silero_vad".into(),
        prompt: Prompt::text(prompt.clone()),
        options: GenerateOptions::default(),
    };
    let mut total = Vec::new();
    for _ in 0..runs {
        let r = backend
            .generate_blocking(&request)
            .unwrap_or_else(|e| fail(e));
        total.push(ms(r.timings.total));
    }
    println!(
        "  whole job, 1 s of audio as a {} KB JSON prompt: {:.1} ms",
        prompt.len() / 1024,
        median(&mut total)
    );
}
