//! The embedded backend against the real Gemma 3 270M model (Q4_K_M).

mod common;

use aitbc_worker::backend::{GenerateOptions, GenerateRequest, InferenceBackend, Prompt};

/// A raw completion: the file is the pretrained `google/gemma-3-270m` (no chat tuning, no
/// chat template in its GGUF), so it continues text rather than answering turns.
fn greedy(model: &str, prompt: &str, max_tokens: u32) -> GenerateRequest {
    GenerateRequest {
        model: model.into(),
        prompt: Prompt::Text {
            prompt: prompt.into(),
            system: None,
            raw: true,
        },
        options: GenerateOptions {
            temperature: Some(0.0),
            max_tokens: Some(max_tokens),
            ..Default::default()
        },
    }
}

#[tokio::test]
async fn gemma3_greedy_continuations_are_byte_identical() {
    let backend = common::gemma3();
    eprintln!("gemma3 loaded in {} ms", backend.load_ms());
    let a = backend
        .generate(greedy("gemma3", "The capital of France is", 12))
        .await
        .expect("generate");
    let b = backend
        .generate(greedy("gemma3:270m", "The capital of France is", 12))
        .await
        .expect("generate again");
    eprintln!(
        "answer: {:?} ({} prompt tokens, {} generated, eval {:?}: {:.1} tokens/s)",
        a.text,
        a.input_tokens,
        a.output_tokens,
        a.timings.eval,
        f64::from(a.output_tokens) / a.timings.eval.as_secs_f64()
    );
    assert_eq!(a.text.as_bytes(), b.text.as_bytes());
    assert_eq!(a.output_tokens, b.output_tokens);
    // The base model continues the sentence in plain English (" the largest in Europe. …").
    assert!(
        a.text.split_whitespace().count() >= 3 && !a.text.contains('\u{FFFD}'),
        "answer was {:?}",
        a.text
    );
    assert_eq!(a.model, "gemma3");
}

#[test]
fn gemma3_tokenizer_round_trips_and_knows_its_turn_tokens() {
    let backend = common::gemma3();
    let text = "<start_of_turn>user\nHello world, 17*23?<end_of_turn>\n";
    let ids = backend.tokenize(text).expect("tokenize");
    // <start_of_turn>=105, "user", "\n"=107, …, <end_of_turn>=106, "\n".
    assert_eq!(ids.first(), Some(&105));
    assert!(ids.contains(&106) && ids.contains(&107), "{ids:?}");
    let back = backend.detokenize(&ids).expect("detokenize");
    assert_eq!(back, "user\nHello world, 17*23?\n");
    let words = backend.tokenize("Hello world").expect("tokenize");
    assert_eq!(words.len(), 2, "{words:?}");
}
