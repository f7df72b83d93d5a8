//! Constrained ReAct steps (`EmbeddedBackend::generate_step`) with the real SmolLM2 and Gemma 3
//! models: the step is well formed, the action one of the names, greedy decoding reproducible.
//! Prints each model's step and its speed with and without the constraint.

mod common;

use aitbc_worker::backend::embedded::{EmbeddedBackend, ReactStepGrammar};
use aitbc_worker::backend::{ChatMessage, GenerateOptions, GenerateRequest, Prompt, Role};

const SYSTEM: &str = "You are an agent. Answer in this format:\nThought: <your reasoning>\nAction: <calculator or final_answer>\nInput: <the expression for the calculator, or the final answer>";

fn prompt() -> Prompt {
    Prompt::Chat(vec![
        ChatMessage::new(Role::System, SYSTEM),
        ChatMessage::new(Role::User, "What is 17*23? Use the calculator."),
    ])
}

fn greedy(max_tokens: u32) -> GenerateOptions {
    GenerateOptions {
        temperature: Some(0.0),
        max_tokens: Some(max_tokens),
        ..Default::default()
    }
}

fn check(backend: &EmbeddedBackend, model: &str) {
    let actions = vec!["calculator".to_string(), "final_answer".to_string()];
    let mut g = ReactStepGrammar::new(actions.clone(), 32, 16);
    let a = backend
        .generate_step(model, &prompt(), &mut g, &greedy(96))
        .expect("step");
    let constrained_tps = a.tokens as f64 / a.eval.as_secs_f64();
    eprintln!(
        "{model}: action {:?}, input {:?}, step {:?} ({} tokens, {} sampled, prompt {} tokens in {:?}, eval {:?}: {:.1} tokens/s constrained, of which constraint and masking {:?}, {:.2} ms per token)",
        a.action, a.input, a.text, a.tokens, a.sampled_tokens, a.prompt_tokens, a.prompt_eval, a.eval, constrained_tps,
        a.constraint_time, a.constraint_time.as_secs_f64() * 1000.0 / a.tokens.max(1) as f64
    );
    assert!(actions.contains(&a.action), "{a:?}");
    assert!(a.text.starts_with("Thought:"), "{a:?}");
    assert!(a.text.contains("\nAction: "), "{a:?}");
    assert!(a.text.contains("\nInput:"), "{a:?}");
    assert_eq!(a.text.lines().count(), 3, "{a:?}");
    let mut g = ReactStepGrammar::new(actions, 32, 16);
    let b = backend
        .generate_step(model, &prompt(), &mut g, &greedy(96))
        .expect("step again");
    assert_eq!(a.text.as_bytes(), b.text.as_bytes());

    // The same number of tokens unconstrained, for the speed comparison.
    let free = backend
        .generate_blocking(
            &GenerateRequest {
                model: model.into(),
                prompt: prompt(),
                options: GenerateOptions {
                    temperature: Some(0.0),
                    max_tokens: Some(a.sampled_tokens as u32),
                    ..Default::default()
                },
            },
            &mut |_| true,
        )
        .expect("unconstrained");
    eprintln!(
        "{model}: unconstrained {} tokens in {:?}: {:.1} tokens/s; text {:?}",
        free.output_tokens,
        free.timings.eval,
        f64::from(free.output_tokens) / free.timings.eval.as_secs_f64(),
        free.text
    );
}

#[test]
fn smollm2_takes_a_well_formed_react_step() {
    check(&common::embedded(), "smollm2");
}

#[test]
fn gemma3_takes_a_well_formed_react_step() {
    check(&common::gemma3(), "gemma3");
}
