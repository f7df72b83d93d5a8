//! The referee's forward pass and the test-only wrong-token fault, against the real
//! SmolLM2-135M-Instruct model.

mod common;

use aitbc_worker::backend::embedded::{
    EmbeddedBackend, EmbeddedConfig, Fault, FAULT_POSITION, MAX_REFEREE_OUTPUT_BYTES,
};
use aitbc_worker::backend::ollama::OllamaBackend;
use aitbc_worker::backend::{
    BackendError, DoneReason, GenerateOptions, GenerateRequest, InferenceBackend, Prompt,
    RefereeFinding,
};
use std::process::Command;
use std::sync::{Arc, OnceLock};

/// Prompts whose greedy outputs the tests referee.
const PROMPTS: &[&str] = &[
    "What is the capital of France?",
    "Explain in a few sentences why the sky is blue.",
    "Write a haiku about graphics cards.",
    "What is 17 times 23? Show your steps.",
    "Name the planets of the solar system in order.",
];

/// The miner's options for a job without options: greedy, no stop strings.
fn job(prompt: &str, max_tokens: u32) -> GenerateRequest {
    GenerateRequest {
        model: "smollm2".into(),
        prompt: Prompt::text(prompt),
        options: GenerateOptions {
            temperature: Some(0.0),
            max_tokens: Some(max_tokens),
            ..Default::default()
        },
    }
}

/// A second backend on the same model file, loaded with the wrong-token fault.
fn faulty() -> Arc<EmbeddedBackend> {
    static BACKEND: OnceLock<Arc<EmbeddedBackend>> = OnceLock::new();
    BACKEND
        .get_or_init(|| {
            let mut config = EmbeddedConfig::smollm2(Some(common::model_path()));
            config.fault = Some(Fault::WrongToken);
            Arc::new(EmbeddedBackend::load(config).expect("load the SmolLM2 model"))
        })
        .clone()
}

fn generate(backend: &EmbeddedBackend, request: &GenerateRequest) -> (String, Vec<u32>) {
    let (r, ids) = backend
        .generate_with_tokens(request, &mut |_| true)
        .expect("generate");
    (r.text, ids)
}

/// The finding without its timing, for comparisons.
fn timeless(mut f: RefereeFinding) -> RefereeFinding {
    f.elapsed_ms = 0;
    f
}

#[test]
fn retokenizing_greedy_outputs_gives_the_generated_ids() {
    let backend = common::embedded();
    for prompt in PROMPTS {
        let (text, ids) = generate(&backend, &job(prompt, 48));
        assert_eq!(
            backend.tokenize(&text).expect("tokenize"),
            ids,
            "the output of {prompt:?} ({text:?}) re-encodes to other tokens than were generated"
        );
    }
}

#[test]
fn identical_outputs_are_refused() {
    let backend = common::embedded();
    let request = job(PROMPTS[0], 32);
    let (text, _) = generate(&backend, &request);
    let err = backend.referee(&request, &text, &text).expect_err("same");
    assert!(
        matches!(&err, BackendError::InvalidRequest(m) if m.contains("identical")),
        "{err}"
    );
}

#[test]
fn the_wrong_token_fault_is_proven_wrong_by_a_huge_margin() {
    let backend = common::embedded();
    let faulty = faulty();
    assert_eq!(faulty.fault(), Some(Fault::WrongToken));
    for prompt in PROMPTS {
        let request = job(prompt, 32);
        let (honest, honest_ids) = generate(&backend, &request);
        let (wrong, wrong_ids) = generate(&faulty, &request);
        // Same up to the fault's position, then another token.
        assert_eq!(honest_ids[..FAULT_POSITION], wrong_ids[..FAULT_POSITION]);
        assert_ne!(honest_ids[FAULT_POSITION], wrong_ids[FAULT_POSITION]);
        let f = backend.referee(&request, &honest, &wrong).expect("referee");
        eprintln!("{prompt:?}: honest {honest:?}, faulty {wrong:?}: {f:?}");
        assert_eq!(f.position as usize, FAULT_POSITION, "{f:?}");
        assert_eq!(f.prefix_tokens, f.position);
        assert_eq!(
            f.prompt_tokens as usize,
            backend
                .count_tokens(&backend.render_prompt(&request.prompt).expect("render"))
                .expect("count")
        );
        assert_eq!(
            (f.token_a, f.token_b),
            (honest_ids[FAULT_POSITION], wrong_ids[FAULT_POSITION])
        );
        // The honest miner's token is greedy's choice; the faulty one's is far below it.
        assert_eq!(f.top_token, f.token_a, "{f:?}");
        assert_eq!(f.margin_a_milli(), 0);
        assert!(f.margin_b_milli() > 10_000, "{f:?}");
        // The sides swapped, the finding swaps.
        let g = backend.referee(&request, &wrong, &honest).expect("swapped");
        assert_eq!(
            (
                g.token_a,
                g.token_b,
                g.logit_a_milli,
                g.logit_b_milli,
                g.top_token
            ),
            (
                f.token_b,
                f.token_a,
                f.logit_b_milli,
                f.logit_a_milli,
                f.top_token
            )
        );
    }
}

#[test]
fn an_output_that_ends_early_claims_the_stop_token() {
    let backend = common::embedded();
    let stop_ids = [
        backend.tokenize("<|im_end|>").expect("im_end"),
        backend.tokenize("<|endoftext|>").expect("endoftext"),
    ]
    .concat();
    let request = job(PROMPTS[0], 64);
    let (text, ids) = generate(&backend, &request);
    assert!(ids.len() > 4, "{text:?}");

    // Cut short: the cut side claims a stop where greedy goes on.
    let cut = backend.detokenize(&ids[..4]).expect("detokenize");
    let f = backend.referee(&request, &text, &cut).expect("referee");
    assert_eq!(
        (f.position, f.token_a, f.top_token),
        (4, ids[4], ids[4]),
        "{f:?}"
    );
    assert!(stop_ids.contains(&f.token_b), "{f:?}");
    assert!(f.margin_b_milli() > 1_000, "{f:?}");

    // Gone on past the end: the side that stopped is greedy's choice (the generation ended
    // with a stop token, not at max_tokens).
    let r = backend
        .generate_blocking(&request, &mut |_| true)
        .expect("generate");
    assert_eq!(r.done_reason, DoneReason::Stop);
    let longer = format!("{text} And more.");
    let f = backend.referee(&request, &text, &longer).expect("referee");
    assert_eq!(f.position as usize, ids.len(), "{f:?}");
    assert!(stop_ids.contains(&f.token_a), "{f:?}");
    assert_eq!(f.top_token, f.token_a, "{f:?}");
    assert!(f.margin_b_milli() > 0, "{f:?}");
}

#[test]
fn the_referee_is_deterministic_and_forgets_earlier_requests() {
    let backend = common::embedded();
    let request = job(PROMPTS[1], 24);
    let (honest, _) = generate(&backend, &request);
    let (wrong, _) = generate(&faulty(), &request);
    let first = backend.referee(&request, &honest, &wrong).expect("first");
    // Other work on the same model in between: a generation, another referee.
    generate(&backend, &job(PROMPTS[2], 16));
    let (other, _) = generate(&backend, &job(PROMPTS[3], 16));
    let _ = backend.referee(&job(PROMPTS[3], 16), &other, "No.");
    let second = backend.referee(&request, &honest, &wrong).expect("second");
    assert_eq!(timeless(first), timeless(second));
}

/// The referee's one batched forward pass over prompt + prefix is not bit-identical to the
/// step-by-step pass (KV cache, one token a step) that generated the output: on the
/// development machine the top logits differ by up to ~0.5 (mean ~0.15) over 80 positions of
/// two outputs, and at token 25 of this one the generated token is 0.056 below the referee's
/// argmax (a near-tie flipped). So an honest token is within a small margin of the argmax, not
/// always the argmax, and the chain's threshold must sit well above that noise (the wrong-token
/// fault is 33 to 46 logits below).
#[test]
fn an_honest_output_is_within_noise_of_the_referees_choice_at_every_position() {
    let backend = common::embedded();
    let request = job(PROMPTS[1], 32);
    let (text, ids) = generate(&backend, &request);
    let (mut agree, mut worst) = (0, 0);
    for p in 0..ids.len() {
        let cut = backend.detokenize(&ids[..p]).expect("detokenize");
        let f = backend.referee(&request, &text, &cut).expect("referee");
        assert_eq!((f.position as usize, f.token_a), (p, ids[p]));
        if f.top_token == ids[p] {
            agree += 1;
        } else {
            eprintln!("position {p}: near-tie flipped: {f:?}");
        }
        worst = worst.max(f.margin_a_milli());
    }
    eprintln!(
        "{agree}/{} positions: the generated token is the referee's argmax; largest gap {worst} milli",
        ids.len()
    );
    assert!(
        worst < 1_000,
        "an honest token {worst} milli below the argmax"
    );
    assert!(agree * 10 >= ids.len() * 9, "{agree}/{}", ids.len());
}

#[test]
fn the_referee_applies_the_jobs_repeat_penalty() {
    let backend = common::embedded();
    let request = job(PROMPTS[4], 48);
    let (text, ids) = generate(&backend, &request);
    // The last position whose generated token had been generated before: the penalty (1.1 on
    // the distinct tokens of the last 64 generated) lowered it, and greedy still chose it.
    let p = (1..ids.len())
        .rev()
        .find(|&p| ids[p.saturating_sub(64)..p].contains(&ids[p]))
        .expect("a repeated token");
    let cut = backend.detokenize(&ids[..p]).expect("detokenize");
    let with = backend.referee(&request, &text, &cut).expect("with");
    assert_eq!((with.position as usize, with.top_token), (p, ids[p]));
    let mut plain = request.clone();
    plain.options.repeat_penalty = Some(1.0);
    let without = backend.referee(&plain, &text, &cut).expect("without");
    assert!(
        with.logit_a_milli < without.logit_a_milli,
        "{with:?} vs {without:?}"
    );
    // The stop token B claims was not generated before: its logit is the same either way.
    assert_eq!(with.token_b, without.token_b);
    assert_eq!(with.logit_b_milli, without.logit_b_milli);
}

#[test]
fn requests_the_referee_cannot_settle_are_refused() {
    let backend = common::embedded();
    let request = job(PROMPTS[0], 32);
    let refused = |request: &GenerateRequest, a: &str, b: &str, says: &str| {
        let err = backend.referee(request, a, b).expect_err(says);
        let msg = err.to_string();
        assert!(msg.contains(says), "{msg}");
    };
    // Sampled jobs, and jobs that leave the temperature to the backend's default.
    let mut sampled = request.clone();
    sampled.options.temperature = Some(0.7);
    refused(&sampled, "a", "b", "greedy jobs only");
    sampled.options.temperature = None;
    refused(&sampled, "a", "b", "greedy jobs only");
    let mut stops = request.clone();
    stops.options.stop = vec!["\n".into()];
    refused(&stops, "a", "b", "stop strings");
    let huge = "x".repeat(MAX_REFEREE_OUTPUT_BYTES + 1);
    refused(&request, &huge, "b", "at most 65536");
    refused(&request, "a", &huge, "output B");
    // Agreeing on all the tokens the job allows.
    refused(
        &job(PROMPTS[0], 2),
        "The capital",
        "The capital of",
        "allows 2",
    );
    // A prompt that leaves no room for the disputed token.
    let long = "word ".repeat(5_000);
    refused(&job(&long, 32), "a", "b", "context of 4096 tokens");
    let mut other = request.clone();
    other.model = "llama3".into();
    assert!(matches!(
        backend.referee(&other, "a", "b"),
        Err(BackendError::UnknownModel { .. })
    ));
}

#[tokio::test]
async fn the_backend_trait_referees_on_the_embedded_backend_only() {
    let backend = common::embedded();
    let request = job(PROMPTS[0], 16);
    let (honest, _) = generate(&backend, &request);
    let (wrong, _) = generate(&faulty(), &request);
    let dynamic: Arc<dyn InferenceBackend> = backend.clone();
    let f = dynamic
        .referee(request.clone(), honest.clone(), wrong.clone())
        .await
        .expect("referee");
    let direct = backend.referee(&request, &honest, &wrong).expect("direct");
    assert_eq!(timeless(f), timeless(direct));

    let ollama: Arc<dyn InferenceBackend> =
        Arc::new(OllamaBackend::new("http://127.0.0.1:9").expect("ollama"));
    let err = ollama
        .referee(request, honest, wrong)
        .await
        .expect_err("ollama");
    assert!(matches!(err, BackendError::RefereeUnsupported { .. }));
    assert!(
        err.to_string()
            .contains("referee needs the embedded backend"),
        "{err}"
    );
}

/// `aitbc-worker generate --test-fault wrong-token`: the hidden flag reaches the engine, says so
/// loudly, and is not in the help.
#[test]
fn the_hidden_cli_flag_makes_outputs_wrong_and_says_so() {
    let model = common::model_path();
    let run = |fault: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_aitbc-worker"));
        cmd.args(["generate", "--temperature", "0", "--max-tokens", "8"])
            .args(["--prompt", PROMPTS[0]])
            .arg("--model-path")
            .arg(&model);
        if fault {
            cmd.args(["--test-fault", "wrong-token"]);
        }
        let out = cmd.output().expect("run aitbc-worker");
        assert!(out.status.success(), "{out:?}");
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (honest, log) = run(false);
    assert!(!log.contains("test fault"), "{log}");
    let (wrong, log) = run(true);
    assert!(
        log.contains(
            "test fault enabled: outputs are deliberately wrong; this miner will be slashed"
        ),
        "{log}"
    );
    assert_ne!(honest, wrong);
    let backend = common::embedded();
    let f = backend
        .referee(
            &job(PROMPTS[0], 8),
            honest.strip_suffix('\n').unwrap_or(&honest),
            wrong.strip_suffix('\n').unwrap_or(&wrong),
        )
        .expect("referee");
    assert_eq!(f.position as usize, FAULT_POSITION);

    let help = Command::new(env!("CARGO_BIN_EXE_aitbc-worker"))
        .arg("--help")
        .output()
        .expect("help");
    assert!(!String::from_utf8_lossy(&help.stdout).contains("test-fault"));
    let bad = Command::new(env!("CARGO_BIN_EXE_aitbc-worker"))
        .args(["generate", "--prompt", "hi", "--test-fault", "nonsense"])
        .output()
        .expect("bad fault");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown test fault 'nonsense'"));
    let ollama = Command::new(env!("CARGO_BIN_EXE_aitbc-worker"))
        .args(["generate", "--backend", "ollama", "--prompt", "hi"])
        .args(["--test-fault", "wrong-token"])
        .output()
        .expect("ollama");
    assert!(!ollama.status.success());
    assert!(String::from_utf8_lossy(&ollama.stderr).contains("needs the embedded backend"));
}
