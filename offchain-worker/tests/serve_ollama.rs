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
    start_server_with(&[])
}

/// `aitbc-worker serve` with `extra` arguments.
fn start_server_with(extra: &[&str]) -> Server {
    let model = common::model_path();
    let mut child = Command::new(env!("CARGO_BIN_EXE_aitbc-worker"))
        .args(["serve", "--listen", "127.0.0.1:0", "--model-path"])
        .arg(&model)
        .args(extra)
        .env("RUST_LOG", "warn")
        .env_remove("AITBC_ALLOWED_ORIGINS")
        .env_remove("AITBC_MAX_PREDICT")
        .env_remove("AITBC_CONCURRENCY")
        .env_remove("AITBC_QUEUE_DEPTH")
        .env_remove("AITBC_REQUEST_TIMEOUT")
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

// --- Hardening: origins, token limit, queue, time limit. ---

fn error_of(v: &Value) -> &str {
    v["error"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn browsers_on_other_sites_are_refused() {
    let s = start_server_with(&[
        "--allowed-origins",
        "https://app.example.com,https://*.corp.example",
    ]);
    let c = http();
    let body = serde_json::json!({
        "model": "smollm2", "prompt": "hi", "stream": false, "options": {"num_predict": 2}
    });
    // Another site: 403 with what to do, for generation and for the read-only routes.
    for origin in [
        "https://evil.example",
        "http://localhost.evil.example",
        "null",
    ] {
        let r = c
            .post(format!("{}/api/generate", s.url))
            .header("Origin", origin)
            // A form-encoded "simple" request needs no preflight: the body must still be refused.
            .header("Content-Type", "text/plain")
            .body(body.to_string())
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 403, "{origin}");
        let v: Value = r.json().await.expect("json");
        assert!(
            error_of(&v).contains(&format!("origin '{origin}' is not allowed"))
                && error_of(&v).contains("--allowed-origins"),
            "{v}"
        );
        let r = c
            .get(format!("{}/api/tags", s.url))
            .header("Origin", origin)
            .send()
            .await
            .expect("get");
        assert_eq!(r.status(), 403, "{origin}");
    }
    // This machine's origins, the allowed ones, and no Origin at all (curl, SDKs) are served.
    for origin in [
        Some("http://localhost:3000"),
        Some("http://127.0.0.1:8080"),
        Some("https://app.example.com"),
        Some("https://team.corp.example"),
        None,
    ] {
        let mut req = c.post(format!("{}/api/generate", s.url)).json(&body);
        if let Some(o) = origin {
            req = req.header("Origin", o);
        }
        let r = req.send().await.expect("post");
        assert_eq!(r.status(), 200, "{origin:?}");
        let allow = r
            .headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok())
            .map(String::from);
        assert_eq!(allow.as_deref(), origin, "{origin:?}");
    }
    // A CORS preflight from an allowed origin is answered, from another one refused.
    let preflight = |origin: &str| {
        c.request(reqwest::Method::OPTIONS, format!("{}/api/chat", s.url))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "content-type")
            .send()
    };
    let r = preflight("https://app.example.com").await.expect("options");
    assert!(r.status().is_success(), "{}", r.status());
    assert!(r
        .headers()
        .get("access-control-allow-methods")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|m| m.contains("POST")));
    let r = preflight("https://evil.example").await.expect("options");
    assert_eq!(r.status(), 403);
}

#[test]
fn a_malformed_allowed_origin_is_refused_at_start() {
    let out = Command::new(env!("CARGO_BIN_EXE_aitbc-worker"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--allowed-origins",
            "example.com",
        ])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("'example.com' is not an origin"),
        "{stderr}"
    );
}

#[tokio::test]
async fn num_predict_is_bounded_by_max_predict() {
    let s = start_server_with(&["--max-predict", "8"]);
    let c = http();
    let ask = |options: Value| {
        c.post(format!("{}/api/generate", s.url))
            .json(&serde_json::json!({
                "model": "smollm2", "prompt": "Write a long story about a dragon.",
                "stream": false, "options": options
            }))
            .send()
    };
    // Over the limit: refused, saying the limit and what to do.
    let r = ask(serde_json::json!({"temperature": 0, "num_predict": 9}))
        .await
        .expect("post");
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.expect("json");
    assert!(
        error_of(&v).contains("num_predict 9 is over this server's limit of 8 tokens")
            && error_of(&v).contains("--max-predict"),
        "{v}"
    );
    // Absent or unbounded (-1): the limit applies.
    for options in [
        serde_json::json!({"temperature": 0}),
        serde_json::json!({"temperature": 0, "num_predict": -1}),
    ] {
        let r = ask(options.clone()).await.expect("post");
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.expect("json");
        assert_eq!(v["eval_count"], 8, "{options}: {v}");
        assert_eq!(v["done_reason"], "length", "{v}");
    }
    // The chat route too.
    let r = c
        .post(format!("{}/api/chat", s.url))
        .json(&serde_json::json!({
            "model": "smollm2", "stream": false, "options": {"num_predict": 100000},
            "messages": [{"role": "user", "content": "hi"}]
        }))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 400);
}

/// A streamed request that generates up to `n` tokens.
fn long_story(n: u32) -> Value {
    serde_json::json!({
        "model": "smollm2", "prompt": "Write a very long story about a dragon, in ten chapters.",
        "options": {"temperature": 0, "num_predict": n}
    })
}

#[tokio::test]
async fn a_full_queue_answers_503_with_retry_after() {
    let s = start_server_with(&["--concurrency", "1", "--queue-depth", "1"]);
    let c = http();
    let url = format!("{}/api/generate", s.url);
    // One running (its first line is out), one waiting.
    let mut running = c
        .post(&url)
        .json(&long_story(400))
        .send()
        .await
        .expect("post");
    assert_eq!(running.status(), 200);
    running.chunk().await.expect("first line").expect("a line");
    let waiting = tokio::spawn(
        c.post(&url)
            .json(&serde_json::json!({
                "model": "smollm2", "prompt": "hi", "stream": false, "options": {"num_predict": 2}
            }))
            .send(),
    );
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    // A third: refused at once.
    let started = std::time::Instant::now();
    let r = c
        .post(&url)
        .json(&serde_json::json!({"model": "smollm2", "prompt": "hi", "stream": false}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 503);
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    assert_eq!(
        r.headers().get("retry-after").and_then(|v| v.to_str().ok()),
        Some("5")
    );
    let v: Value = r.json().await.expect("json");
    assert!(
        error_of(&v).contains("the server is busy") && error_of(&v).contains("--queue-depth 1"),
        "{v}"
    );
    // The running one is cut short by going away; the waiting one then runs.
    drop(running);
    let waited = waiting.await.expect("task").expect("post");
    assert_eq!(waited.status(), 200);
    // Reads do not queue.
    let r = c
        .get(format!("{}/api/tags", s.url))
        .send()
        .await
        .expect("tags");
    assert_eq!(r.status(), 200);
}

/// A short request: "hi", two tokens, not streamed.
fn short() -> Value {
    serde_json::json!({
        "model": "smollm2", "prompt": "hi", "stream": false, "options": {"num_predict": 2}
    })
}

#[tokio::test]
async fn a_request_past_the_time_limit_is_stopped() {
    let c = http();
    // How long a short request takes here (debug builds on a loaded machine are slow): the
    // limit is a few times that, and a 2000-token story takes far longer.
    let took = {
        let s = start_server();
        let started = std::time::Instant::now();
        let r = c
            .post(format!("{}/api/generate", s.url))
            .json(&short())
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 200);
        started.elapsed()
    };
    let limit = (took.as_secs_f64() * 3.0).ceil().max(2.0) as u64;
    let limit_s = limit.to_string();
    let s = start_server_with(&["--request-timeout", &limit_s, "--concurrency", "1"]);
    let url = format!("{}/api/generate", s.url);
    let soon = std::time::Duration::from_secs(limit + 5);
    let says_limit = format!("time limit of {limit} s");
    // Not streamed: 504 with the limit, soon after it.
    let mut body = long_story(2000);
    body["stream"] = Value::Bool(false);
    let started = std::time::Instant::now();
    let r = c.post(&url).json(&body).send().await.expect("post");
    assert_eq!(r.status(), 504);
    assert!(started.elapsed() < soon, "{:?}", started.elapsed());
    let v: Value = r.json().await.expect("json");
    assert!(
        error_of(&v).contains(&says_limit) && error_of(&v).contains("--request-timeout"),
        "{v}"
    );
    // Streamed: the stream ends with an error line.
    let started = std::time::Instant::now();
    let text = c
        .post(&url)
        .json(&long_story(2000))
        .send()
        .await
        .expect("post")
        .text()
        .await
        .expect("body");
    assert!(started.elapsed() < soon, "{:?}", started.elapsed());
    let last: Value = text
        .lines()
        .last()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .expect("a line");
    assert!(error_of(&last).contains(&says_limit), "{last}");
    // The stopped generations free their slot (at their next token): a short request is
    // served again.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let r = c.post(&url).json(&short()).send().await.expect("post");
        if r.status() == 200 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the server stays busy: {}",
            r.text().await.unwrap_or_default()
        );
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
}
