//! Exact mode's byte agreement on the embedded backend: every prompt of a fixed set is generated
//! greedily (temperature 0, seed 0) twice in this process, and the output's SHA-256 is written
//! one per line to `AITBC_DETERMINISM_OUT` (when set) so that `scripts/bench-determinism.sh`
//! can compare whole processes run with different thread counts, side by side.
//! `cargo bench -p aitbc-worker --bench determinism`; under `cargo test` it makes one short run.

use aitbc_worker::backend::embedded::{default_model_path, EmbeddedBackend, EmbeddedConfig};
use aitbc_worker::backend::{GenerateOptions, GenerateRequest, Prompt};
use sha2::{Digest, Sha256};
use std::io::Write;

/// A fixed prompt set: questions, instructions, code, lists and a long context.
const PROMPTS: &[&str] = &[
    "What is the capital of France?",
    "Explain in a few sentences why the sky is blue.",
    "Write a haiku about graphics cards.",
    "List five prime numbers and say why each is prime.",
    "Translate to French: The miner delivered the result before the deadline.",
    "Write a Python function that reverses a string.",
    "What is 17 times 23? Show your steps.",
    "Give three tips for writing clear documentation.",
    "Summarise the plot of Romeo and Juliet in two sentences.",
    "What does a blockchain validator do?",
    "Describe the water cycle to a ten-year-old.",
    "Name the planets of the solar system in order.",
    "Write a short email declining a meeting politely.",
    "What are the differences between TCP and UDP?",
    "Suggest a name for a coffee shop run by robots.",
    "Explain what a hash function is and give one use.",
];

fn main() {
    let bench_mode = std::env::args().any(|a| a == "--bench");
    let (prompts, max_tokens) = if bench_mode {
        (PROMPTS, 64)
    } else {
        (&PROMPTS[..2], 8)
    };
    let path = default_model_path();
    if !path.is_file() {
        eprintln!(
            "the SmolLM2 model is missing at {}: run scripts/fetch-models.sh first",
            path.display()
        );
        std::process::exit(1);
    }
    let backend = match EmbeddedBackend::load(EmbeddedConfig::smollm2(Some(path))) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let threads = std::env::var("RAYON_NUM_THREADS").unwrap_or_else(|_| "default".into());
    let mut out = Vec::new();
    let mut agree = 0;
    for prompt in prompts {
        let request = GenerateRequest {
            model: "smollm2".into(),
            prompt: Prompt::text(prompt.to_string()),
            options: GenerateOptions {
                temperature: Some(0.0),
                seed: Some(0),
                max_tokens: Some(max_tokens),
                ..Default::default()
            },
        };
        let mut hashes = Vec::new();
        for _ in 0..2 {
            match backend.generate_blocking(&request, &mut |_| true) {
                Ok(r) => hashes.push(format!("{:x}", Sha256::digest(r.text.as_bytes()))),
                Err(e) => {
                    eprintln!("{e}");
                    std::process::exit(1);
                }
            }
        }
        if hashes[0] == hashes[1] {
            agree += 1;
        }
        out.push(hashes[0].clone());
    }
    println!(
        "exact mode, one process (RAYON_NUM_THREADS={threads}): {agree}/{} prompts gave the same bytes twice ({max_tokens} tokens each)",
        prompts.len()
    );
    if let Ok(file) = std::env::var("AITBC_DETERMINISM_OUT") {
        let written = std::fs::File::create(&file)
            .and_then(|mut f| f.write_all((out.join("\n") + "\n").as_bytes()));
        if let Err(e) = written {
            eprintln!("cannot write {file}: {e}");
            std::process::exit(1);
        }
    }
    if agree != prompts.len() {
        std::process::exit(2);
    }
}
