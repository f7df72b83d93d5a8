//! The ollama client backend against `aitbc-worker serve` running the real SmolLM2 model,
//! over loopback, plus the server's wire format checked with a plain HTTP client.

mod common;

use aitbc_worker::backend::ollama::OllamaBackend;
use aitbc_worker::backend::{
    BackendError, ChatMessage, DoneReason, GenerateOptions, GenerateRequest, InferenceBackend,
    Prompt, Role,
};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A running `aitbc-worker serve` process; killed on drop.
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server() -> Server {
    let model = common::model_path();
    let mut child = Command::new(env!("CARGO_BIN_EXE_aitbc-worker"))
        .args(["serve", "--listen", "127.0.0.1:0", "--model-path"])
        .arg(&model)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn aitbc-worker serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read the listening line");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line from serve: {line:?}"))
        .to_string();
    Server { child, url }
}

/// Each test starts its own server (the model loads in about a second) so that no process
/// outlives the test that started it.
fn start() -> (Server, OllamaBackend) {
    let s = start_server();
    let c = OllamaBackend::new(&s.url).expect("client");
    (s, c)
}

fn greedy(max_tokens: u32) -> GenerateOptions {
    GenerateOptions {
        temperature: Some(0.0),
        max_tokens: Some(max_tokens),
        ..Default::default()
    }
}

fn paris_request() -> GenerateRequest {
    GenerateRequest {
        model: "smollm2".into(),
        prompt: Prompt::text("What is the capital of France?"),
        options: greedy(48),
    }
}

async fn collect(
    backend: &OllamaBackend,
    req: GenerateRequest,
) -> (aitbc_worker::backend::GenerateResult, Vec<String>) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let r = backend
        .generate_stream(req, Some(tx))
        .await
        .expect("stream");
    let mut pieces = Vec::new();
    while let Some(p) = rx.recv().await {
        pieces.push(p);
    }
    (r, pieces)
}

#[tokio::test]
async fn generate_not_streamed() {
    let (_s, c) = start();
    let r = c.generate(paris_request()).await.expect("generate");
    assert!(r.text.contains("Paris"), "{:?}", r.text);
    assert_eq!(r.model, "smollm2");
    assert!(r.input_tokens > 10 && r.output_tokens > 0);
    assert!(!r.timings.eval.is_zero() && !r.timings.prompt_eval.is_zero());
}

#[tokio::test]
async fn generate_streamed_matches_not_streamed() {
    let (_s, c) = start();
    let whole = c.generate(paris_request()).await.expect("generate");
    let (r, pieces) = collect(&c, paris_request()).await;
    assert!(pieces.len() > 1);
    assert_eq!(pieces.concat(), r.text);
    assert_eq!(r.text, whole.text, "greedy decoding is deterministic");
    assert_eq!(r.input_tokens, whole.input_tokens);
    assert_eq!(r.output_tokens, whole.output_tokens);
}

#[tokio::test]
async fn chat_streamed_and_not() {
    let (_s, c) = start();
    let req = GenerateRequest {
        model: "smollm2:135m".into(),
        prompt: Prompt::Chat(vec![
            ChatMessage::new(Role::System, "You are a helpful AI assistant."),
            ChatMessage::new(Role::User, "What is the capital of France?"),
        ]),
        options: greedy(40),
    };
    let whole = c.generate(req.clone()).await.expect("chat");
    assert!(whole.text.contains("Paris"), "{:?}", whole.text);
    let (r, pieces) = collect(&c, req).await;
    assert_eq!(pieces.concat(), whole.text);
    assert_eq!(r.output_tokens, whole.output_tokens);
}

#[tokio::test]
async fn max_tokens_travels_as_num_predict() {
    let mut req = paris_request();
    req.prompt = Prompt::text("Write a long story about a dragon.");
    req.options = greedy(7);
    let (_s, c) = start();
    let r = c.generate(req).await.expect("generate");
    assert_eq!(r.output_tokens, 7);
    assert_eq!(r.done_reason, DoneReason::Length);
}

#[tokio::test]
async fn seed_travels() {
    let (_s, c) = start();
    let req = |seed| GenerateRequest {
        model: "smollm2".into(),
        prompt: Prompt::text("Write one sentence about the sea."),
        options: GenerateOptions {
            temperature: Some(1.0),
            max_tokens: Some(20),
            seed: Some(seed),
            ..Default::default()
        },
    };
    let a = c.generate(req(7)).await.expect("a");
    let b = c.generate(req(7)).await.expect("b");
    assert_eq!(a.text, b.text);
}

#[tokio::test]
async fn tags_and_version() {
    let (_s, c) = start();
    let models = c.models().await.expect("models");
    let names: Vec<_> = models.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["smollm2:latest", "smollm2:135m"]);
    assert!(models[0].answers_to("smollm2"));
    assert_eq!(models[0].quantization.as_deref(), Some("Q4_1"));
    assert_eq!(models[0].family.as_deref(), Some("llama"));
    assert_eq!(
        models[0].digest.as_deref(),
        Some("b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53")
    );
    assert_eq!(
        c.version().await.expect("version"),
        env!("CARGO_PKG_VERSION")
    );
}

#[tokio::test]
async fn missing_model_is_named_with_the_served_ones() {
    let (_s, c) = start();
    let err = c
        .generate(GenerateRequest {
            model: "llama3".into(),
            prompt: Prompt::text("hi"),
            options: greedy(4),
        })
        .await
        .expect_err("missing model");
    let msg = err.to_string();
    match &err {
        BackendError::UnknownModel {
            requested, served, ..
        } => {
            assert_eq!(requested, "llama3");
            assert!(served.contains(&"smollm2:latest".to_string()), "{served:?}");
        }
        other => panic!("expected UnknownModel, got {other:?}"),
    }
    assert!(msg.contains("smollm2:latest"), "{msg}");
}

#[tokio::test]
async fn unreachable_endpoint_is_named() {
    // A port that was free a moment ago and has no listener now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let c = OllamaBackend::new(&url).expect("client");
    let err = c.generate(paris_request()).await.expect_err("unreachable");
    assert!(matches!(err, BackendError::Unreachable { .. }), "{err:?}");
    assert!(
        err.to_string().contains(&format!("{url}/api/generate")),
        "{err}"
    );
    let err = c.models().await.expect_err("unreachable");
    assert!(
        err.to_string().contains(&format!("{url}/api/tags")),
        "{err}"
    );
}

// --- The server's wire format, read with a plain HTTP client. ---

const FINAL_FIELDS: [&str; 10] = [
    "model",
    "created_at",
    "done",
    "done_reason",
    "total_duration",
    "load_duration",
    "prompt_eval_count",
    "prompt_eval_duration",
    "eval_count",
    "eval_duration",
];

fn http() -> reqwest::Client {
    reqwest::Client::new()
}

#[tokio::test]
async fn wire_generate_non_streaming_has_ollamas_fields() {
    let s = start_server();
    let url = format!("{}/api/generate", s.url);
    let resp = http()
        .post(&url)
        .json(&serde_json::json!({
            "model": "smollm2", "prompt": "What is the capital of France?", "stream": false,
            "options": {"temperature": 0, "num_predict": 48}
        }))
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.expect("json");
    for f in FINAL_FIELDS {
        assert!(v.get(f).is_some(), "missing {f} in {v}");
    }
    assert!(
        v["response"].as_str().is_some_and(|s| s.contains("Paris")),
        "{v}"
    );
    assert_eq!(v["done"], true);
    assert!(
        v["done_reason"] == "stop" || v["done_reason"] == "length",
        "{v}"
    );
    assert!(v["eval_count"].as_u64().is_some_and(|n| n > 0));
    assert!(v["total_duration"]
        .as_u64()
        .is_some_and(|n| n > v["eval_duration"].as_u64().unwrap_or(0)));
    assert!(chrono::DateTime::parse_from_rfc3339(v["created_at"].as_str().unwrap_or("")).is_ok());
}

#[tokio::test]
async fn wire_chat_streams_ndjson() {
    let s = start_server();
    let url = format!("{}/api/chat", s.url);
    let resp = http()
        .post(&url)
        .json(&serde_json::json!({
            "model": "smollm2",
            "messages": [{"role": "user", "content": "What is the capital of France?"}],
            "options": {"temperature": 0, "num_predict": 48}
        }))
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/x-ndjson")
    );
    let body = resp.text().await.expect("body");
    let lines: Vec<Value> = body
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert!(lines.len() > 2);
    let (last, pieces) = lines.split_last().expect("lines");
    let mut text = String::new();
    for p in pieces {
        assert_eq!(p["done"], false);
        assert_eq!(p["message"]["role"], "assistant");
        text.push_str(p["message"]["content"].as_str().expect("content"));
    }
    assert!(text.contains("Paris"), "{text}");
    for f in FINAL_FIELDS {
        assert!(last.get(f).is_some(), "missing {f} in {last}");
    }
    assert_eq!(last["done"], true);
    assert_eq!(last["message"]["content"], "");
    let eval_count = last["eval_count"].as_u64().expect("eval_count");
    assert!(
        eval_count >= pieces.len() as u64,
        "{eval_count} tokens, {} pieces",
        pieces.len()
    );
}

#[tokio::test]
async fn wire_errors_are_ollamas() {
    let s = start_server();
    let base = &s.url;
    let c = http();
    let r = c
        .post(format!("{base}/api/generate"))
        .json(&serde_json::json!({"model": "nope", "prompt": "hi"}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 404);
    let v: Value = r.json().await.expect("json");
    assert_eq!(v, serde_json::json!({"error": "model 'nope' not found"}));

    let r = c
        .post(format!("{base}/api/chat"))
        .body("{not json")
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.expect("json");
    assert!(v["error"].is_string(), "{v}");

    let r = c
        .post(format!("{base}/api/generate"))
        .json(&serde_json::json!({"prompt": "hi"}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 400);

    let r = c.get(format!("{base}/")).send().await.expect("get");
    assert_eq!(r.text().await.expect("text"), "Ollama is running");
}
