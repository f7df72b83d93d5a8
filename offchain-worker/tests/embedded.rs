//! The embedded backend against the real SmolLM2-135M-Instruct model.

mod common;

use aitbc_worker::backend::embedded::{EmbeddedBackend, EmbeddedConfig};
use aitbc_worker::backend::{
    BackendError, ChatMessage, DoneReason, GenerateOptions, GenerateRequest, InferenceBackend,
    Prompt, Role,
};

fn request(prompt: &str, options: GenerateOptions) -> GenerateRequest {
    GenerateRequest {
        model: "smollm2".into(),
        prompt: Prompt::text(prompt),
        options,
    }
}

fn greedy(max_tokens: u32) -> GenerateOptions {
    GenerateOptions {
        temperature: Some(0.0),
        max_tokens: Some(max_tokens),
        ..Default::default()
    }
}

#[tokio::test]
async fn greedy_answer_names_paris() {
    let backend = common::embedded();
    let r = backend
        .generate(request("What is the capital of France?", greedy(48)))
        .await
        .expect("generate");
    eprintln!(
        "answer: {:?} ({} prompt tokens, {} generated, {} ms)",
        r.text, r.input_tokens, r.output_tokens, r.compute_ms
    );
    assert!(r.text.contains("Paris"), "answer was {:?}", r.text);
    assert_eq!(r.model, "smollm2");
    assert!(r.output_tokens > 0 && r.output_tokens <= 48);
    assert!(!r.timings.prompt_eval.is_zero() && !r.timings.eval.is_zero());
    assert!(r.timings.total >= r.timings.prompt_eval + r.timings.eval);
}

#[tokio::test]
async fn alias_serves_the_same_model() {
    let backend = common::embedded();
    let mut req = request("What is the capital of France?", greedy(16));
    let a = backend.generate(req.clone()).await.expect("smollm2");
    req.model = "smollm2:135m".into();
    let b = backend.generate(req).await.expect("smollm2:135m");
    assert_eq!(a.text, b.text);
}

#[tokio::test]
async fn same_seed_same_text_and_seeds_matter() {
    let backend = common::embedded();
    let opts = |seed| GenerateOptions {
        temperature: Some(1.0),
        top_p: Some(0.95),
        max_tokens: Some(24),
        seed: Some(seed),
        ..Default::default()
    };
    let prompt = "Write one sentence about the sea.";
    let a = backend
        .generate(request(prompt, opts(42)))
        .await
        .expect("a");
    let b = backend
        .generate(request(prompt, opts(42)))
        .await
        .expect("b");
    assert_eq!(a.text, b.text, "same seed, same options: same text");
    assert_eq!(a.output_tokens, b.output_tokens);
    let mut differs = false;
    for seed in 1..=4 {
        let c = backend
            .generate(request(prompt, opts(seed)))
            .await
            .expect("c");
        differs |= c.text != a.text;
    }
    assert!(differs, "sampling at temperature 1 ignored the seed");
}

#[tokio::test]
async fn max_tokens_is_respected() {
    let backend = common::embedded();
    let r = backend
        .generate(request("Write a long story about a dragon.", greedy(5)))
        .await
        .expect("generate");
    assert_eq!(r.output_tokens, 5);
    assert_eq!(r.done_reason, DoneReason::Length);
    assert!(!r.text.is_empty());
    let ids = backend.tokenize(&r.text).expect("tokenize");
    assert!(ids.len() <= 6, "5 tokens decoded to {:?}", r.text);
}

#[tokio::test]
async fn token_counts_are_the_models() {
    let backend = common::embedded();
    let prompt = Prompt::text("What is the capital of France?");
    let rendered = backend.render_prompt(&prompt).expect("render");
    assert!(rendered.starts_with("<|im_start|>system\n"));
    assert!(rendered.ends_with(
        "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n"
    ));
    let expected_input = backend.count_tokens(&rendered).expect("count");
    let r = backend
        .generate(GenerateRequest {
            model: "smollm2".into(),
            prompt,
            options: greedy(32),
        })
        .await
        .expect("generate");
    assert_eq!(r.input_tokens as usize, expected_input);
    // The generated text re-encodes to the tokens the model produced.
    assert_eq!(
        backend.tokenize(&r.text).expect("tokenize").len(),
        r.output_tokens as usize
    );
}

#[tokio::test]
async fn streaming_pieces_make_the_text() {
    let backend = common::embedded();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let r = backend
        .generate_stream(request("Name three colours.", greedy(24)), Some(tx))
        .await
        .expect("generate");
    let mut pieces = Vec::new();
    while let Some(p) = rx.recv().await {
        pieces.push(p);
    }
    assert!(pieces.len() > 1, "streamed in one piece: {pieces:?}");
    assert_eq!(pieces.concat(), r.text);
}

#[tokio::test]
async fn dropped_receiver_cancels() {
    let backend = common::embedded();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    drop(rx);
    let err = backend
        .generate_stream(request("Count to one hundred.", greedy(200)), Some(tx))
        .await
        .expect_err("cancelled");
    assert!(matches!(err, BackendError::Cancelled), "{err}");
}

#[tokio::test]
async fn chat_with_system_message() {
    let backend = common::embedded();
    let r = backend
        .generate(GenerateRequest {
            model: "smollm2".into(),
            prompt: Prompt::Chat(vec![
                ChatMessage::new(Role::System, "You are a helpful AI assistant."),
                ChatMessage::new(Role::User, "What is the capital of France?"),
            ]),
            options: greedy(40),
        })
        .await
        .expect("chat");
    assert!(r.text.contains("Paris"), "answer was {:?}", r.text);
}

#[tokio::test]
async fn stop_strings_end_generation() {
    let backend = common::embedded();
    let mut opts = greedy(32);
    opts.stop = vec!["Paris".into()];
    let r = backend
        .generate(request("What is the capital of France?", opts))
        .await
        .expect("generate");
    assert!(!r.text.contains("Paris"), "{:?}", r.text);
    assert_eq!(r.done_reason, DoneReason::Stop);
}

#[tokio::test]
async fn unknown_model_names_the_served_ones() {
    let backend = common::embedded();
    let err = backend
        .generate(GenerateRequest {
            model: "llama3".into(),
            prompt: Prompt::text("hi"),
            options: greedy(4),
        })
        .await
        .expect_err("unknown model");
    let msg = err.to_string();
    assert!(matches!(err, BackendError::UnknownModel { .. }));
    assert!(
        msg.contains("'llama3'") && msg.contains("smollm2") && msg.contains("smollm2:135m"),
        "{msg}"
    );
}

#[tokio::test]
async fn models_advertise_the_gguf() {
    let backend = common::embedded();
    let models = backend.models().await.expect("models");
    assert_eq!(models.len(), 1);
    let m = &models[0];
    assert_eq!(m.name, "smollm2");
    assert_eq!(m.aliases, vec!["smollm2:135m".to_string()]);
    assert_eq!(m.family.as_deref(), Some("llama"));
    assert_eq!(m.parameter_size.as_deref(), Some("135M"));
    assert_eq!(m.quantization.as_deref(), Some("Q4_1"));
    assert_eq!(m.context_length, Some(4096));
    assert_eq!(m.size_bytes, Some(98_362_432));
    assert_eq!(
        m.digest.as_deref(),
        Some("sha256:b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53")
    );
}

#[test]
fn tokenizer_round_trips_and_splits_like_smollm2() {
    let backend = common::embedded();
    let text = "Hello  world!\n\nIt's 2026: café, naïve, 日本語, 🚀 — done.";
    let ids = backend.tokenize(text).expect("encode");
    assert_eq!(backend.detokenize(&ids).expect("decode"), text);
    // SmolLM2 splits numbers into single digits.
    assert_eq!(backend.tokenize("12345").expect("digits").len(), 5);
    // No prefix space is added: "Paris" and " Paris" are different tokens.
    assert_ne!(
        backend.tokenize("Paris").expect("a"),
        backend.tokenize(" Paris").expect("b")
    );
    // ChatML markers are single special tokens (ids from the GGUF vocabulary).
    let ids = backend
        .tokenize("<|im_start|>user\nhi<|im_end|>")
        .expect("chatml");
    assert_eq!(ids.first(), Some(&1));
    assert_eq!(ids.last(), Some(&2));
}

#[test]
fn missing_model_file_says_how_to_fetch_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = EmbeddedBackend::load(EmbeddedConfig::smollm2(Some(dir.path().join("nope.gguf"))))
        .err()
        .expect("missing file");
    assert!(matches!(err, BackendError::ModelFileMissing { .. }));
    let msg = err.to_string();
    assert!(
        msg.contains("scripts/fetch-models.sh") && msg.contains("nope.gguf"),
        "{msg}"
    );
}
