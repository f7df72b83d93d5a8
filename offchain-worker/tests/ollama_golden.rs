//! Golden tests: the ollama client parses responses exactly as Ollama documents them and sends
//! the documented request bodies. A loopback server replays hand-written fixtures.

use aitbc_worker::backend::ollama::OllamaBackend;
use aitbc_worker::backend::{
    BackendError, ChatMessage, DoneReason, GenerateOptions, GenerateRequest, InferenceBackend,
    Prompt, Role,
};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// Which fixture each endpoint answers with, and the request bodies received.
#[derive(Clone, Default)]
struct Replay {
    generate: Arc<Mutex<(u16, &'static str)>>,
    chat: Arc<Mutex<(u16, &'static str)>>,
    requests: Arc<Mutex<Vec<(String, Value)>>>,
}

/// The fixture as a body sent in 7-byte chunks, so NDJSON lines arrive split.
fn chunked(bytes: Vec<u8>) -> Body {
    let chunks: Vec<Result<Bytes, std::convert::Infallible>> = bytes
        .chunks(7)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    Body::from_stream(futures::stream::iter(chunks))
}

fn reply(status: u16, name: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, chunked(fixture(name))).into_response()
}

async fn record(st: &Replay, path: &str, body: Bytes) {
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    st.requests
        .lock()
        .map(|mut r| r.push((path.to_string(), v)))
        .ok();
}

async fn generate(State(st): State<Replay>, body: Bytes) -> Response {
    record(&st, "/api/generate", body).await;
    let (status, name) = *st.generate.lock().expect("lock");
    reply(status, name)
}

async fn chat(State(st): State<Replay>, body: Bytes) -> Response {
    record(&st, "/api/chat", body).await;
    let (status, name) = *st.chat.lock().expect("lock");
    reply(status, name)
}

async fn start(replay: Replay) -> (String, tokio::task::JoinHandle<()>) {
    let app = Router::new()
        .route("/api/generate", post(generate))
        .route("/api/chat", post(chat))
        .route("/api/tags", get(|| async { reply(200, "tags.json") }))
        .route("/api/version", get(|| async { reply(200, "version.json") }))
        .with_state(replay);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), task)
}

fn replay(generate: (u16, &'static str), chat: (u16, &'static str)) -> Replay {
    Replay {
        generate: Arc::new(Mutex::new(generate)),
        chat: Arc::new(Mutex::new(chat)),
        requests: Arc::default(),
    }
}

fn sky(options: GenerateOptions) -> GenerateRequest {
    GenerateRequest {
        model: "llama3.2".into(),
        prompt: Prompt::text("Why is the sky blue?"),
        options,
    }
}

fn last_request(r: &Replay) -> (String, Value) {
    r.requests
        .lock()
        .expect("lock")
        .last()
        .cloned()
        .expect("a request was made")
}

#[tokio::test]
async fn generate_stream_is_parsed_as_documented() {
    let r = replay((200, "generate_stream.ndjson"), (200, "chat.json"));
    let (url, _task) = start(r.clone()).await;
    let c = OllamaBackend::new(&url).expect("client");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let res = c
        .generate_stream(
            sky(GenerateOptions {
                temperature: Some(0.0),
                max_tokens: Some(16),
                seed: Some(42),
                ..Default::default()
            }),
            Some(tx),
        )
        .await
        .expect("generate");
    let mut pieces = Vec::new();
    while let Some(p) = rx.recv().await {
        pieces.push(p);
    }
    assert_eq!(pieces, ["The", " sky", " is", " blue", "."]);
    assert_eq!(res.text, "The sky is blue.");
    assert_eq!(res.model, "llama3.2");
    assert_eq!(res.done_reason, DoneReason::Stop);
    assert_eq!(res.input_tokens, 26);
    assert_eq!(res.output_tokens, 259);
    assert_eq!(res.compute_ms, 10706);
    assert_eq!(res.timings.total, Duration::from_nanos(10706818083));
    assert_eq!(res.timings.load, Duration::from_nanos(6338219291));
    assert_eq!(res.timings.prompt_eval, Duration::from_nanos(130079000));
    assert_eq!(res.timings.eval, Duration::from_nanos(4232710000));

    let (path, body) = last_request(&r);
    assert_eq!(path, "/api/generate");
    assert_eq!(
        body,
        json!({
            "model": "llama3.2",
            "prompt": "Why is the sky blue?",
            "stream": true,
            "options": {"temperature": 0.0, "num_predict": 16, "seed": 42}
        })
    );
}

#[tokio::test]
async fn generate_single_object_is_parsed_as_documented() {
    let r = replay((200, "generate.json"), (200, "chat.json"));
    let (url, _task) = start(r.clone()).await;
    let c = OllamaBackend::new(&url).expect("client");
    let res = c
        .generate(sky(GenerateOptions::default()))
        .await
        .expect("generate");
    assert_eq!(
        res.text,
        "The sky is blue because it is the color of the sky."
    );
    assert_eq!(res.input_tokens, 26);
    assert_eq!(res.output_tokens, 290);
    assert_eq!(res.timings.eval, Duration::from_nanos(4709213000));
    let (_, body) = last_request(&r);
    assert_eq!(
        body,
        json!({"model": "llama3.2", "prompt": "Why is the sky blue?", "stream": false})
    );
}

#[tokio::test]
async fn chat_stream_and_single_are_parsed_as_documented() {
    let r = replay((200, "generate.json"), (200, "chat_stream.ndjson"));
    let (url, _task) = start(r.clone()).await;
    let c = OllamaBackend::new(&url).expect("client");
    let req = GenerateRequest {
        model: "llama3.2".into(),
        prompt: Prompt::Chat(vec![
            ChatMessage::new(Role::System, "Be brief."),
            ChatMessage::new(Role::User, "why is the sky blue?"),
        ]),
        options: GenerateOptions {
            temperature: Some(0.7),
            max_tokens: Some(100),
            ..Default::default()
        },
    };
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let res = c
        .generate_stream(req.clone(), Some(tx))
        .await
        .expect("chat");
    let mut pieces = Vec::new();
    while let Some(p) = rx.recv().await {
        pieces.push(p);
    }
    assert_eq!(pieces, ["The", " sky is", " blue."]);
    assert_eq!(res.text, "The sky is blue.");
    assert_eq!(res.done_reason, DoneReason::Length);
    assert_eq!((res.input_tokens, res.output_tokens), (26, 282));
    let (path, body) = last_request(&r);
    assert_eq!(path, "/api/chat");
    assert_eq!(
        body,
        json!({
            "model": "llama3.2",
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "why is the sky blue?"}
            ],
            "stream": true,
            "options": {"temperature": 0.7, "num_predict": 100}
        })
    );

    *r.chat.lock().expect("lock") = (200, "chat.json");
    let res = c.generate(req).await.expect("chat");
    assert_eq!(res.text, "Hello! How are you today?");
    assert_eq!(res.done_reason, DoneReason::Stop);
    assert_eq!((res.input_tokens, res.output_tokens), (26, 298));
    assert_eq!(res.timings.total, Duration::from_nanos(5191566416));
}

#[tokio::test]
async fn tags_become_model_infos() {
    let (url, _task) = start(Replay::default()).await;
    let c = OllamaBackend::new(&url).expect("client");
    let models = c.models().await.expect("models");
    assert_eq!(models.len(), 2);
    let m = &models[1];
    assert_eq!(m.name, "llama3.2:latest");
    assert_eq!(m.aliases, ["llama3.2"]);
    assert!(m.answers_to("llama3.2") && m.answers_to("llama3.2:latest") && !m.answers_to("llama3"));
    assert_eq!(m.family.as_deref(), Some("llama"));
    assert_eq!(m.parameter_size.as_deref(), Some("3.2B"));
    assert_eq!(m.quantization.as_deref(), Some("Q4_K_M"));
    assert_eq!(m.size_bytes, Some(2019393189));
    assert_eq!(
        m.digest.as_deref(),
        Some("a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72")
    );
    assert_eq!(c.version().await.expect("version"), "0.5.1");
}

#[tokio::test]
async fn not_found_becomes_unknown_model_listing_the_tags() {
    let r = replay((404, "error_not_found.json"), (404, "error_not_found.json"));
    let (url, _task) = start(r).await;
    let c = OllamaBackend::new(&url).expect("client");
    let mut req = sky(GenerateOptions::default());
    req.model = "llama3".into();
    let err = c.generate(req).await.expect_err("missing");
    match &err {
        BackendError::UnknownModel {
            requested, served, ..
        } => {
            assert_eq!(requested, "llama3");
            assert_eq!(served, &["deepseek-r1:latest", "llama3.2:latest"]);
        }
        other => panic!("expected UnknownModel, got {other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "model 'llama3' is not served by the ollama backend; served models: deepseek-r1:latest, llama3.2:latest"
    );
}

#[tokio::test]
async fn error_line_mid_stream_fails_the_generation() {
    let r = replay((200, "stream_error.ndjson"), (200, "chat.json"));
    let (url, _task) = start(r).await;
    let c = OllamaBackend::new(&url).expect("client");
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let err = c
        .generate_stream(sky(GenerateOptions::default()), Some(tx))
        .await
        .expect_err("error line");
    assert!(matches!(err, BackendError::Inference(_)), "{err:?}");
    assert!(err.to_string().contains("unexpected EOF"), "{err}");
}

#[tokio::test]
async fn other_http_errors_keep_status_and_message() {
    let r = replay((500, "stream_error.ndjson"), (400, "error_not_found.json"));
    let (url, _task) = start(r).await;
    let c = OllamaBackend::new(&url).expect("client");
    let err = c
        .generate(GenerateRequest {
            model: "llama3.2".into(),
            prompt: Prompt::Chat(vec![ChatMessage::new(Role::User, "hi")]),
            options: GenerateOptions::default(),
        })
        .await
        .expect_err("400");
    match err {
        BackendError::Http {
            status, message, ..
        } => {
            assert_eq!(status, 400);
            assert_eq!(message, "model 'llama3' not found");
        }
        other => panic!("expected Http, got {other:?}"),
    }
}

#[test]
fn endpoint_must_be_http() {
    assert!(OllamaBackend::new("127.0.0.1:11434").is_err());
    assert!(OllamaBackend::new("http://127.0.0.1:11434/").is_ok());
}

// --- The total-request time limit. ---

/// An Ollama server that stalls: `/api/generate` answers its headers and one NDJSON line, then
/// sends nothing more; `/api/chat` never answers at all.
async fn start_stalling() -> (String, tokio::task::JoinHandle<()>) {
    let first =
        r#"{"model":"llama3.2","created_at":"2024-01-01T00:00:00Z","response":"The","done":false}"#;
    let app = Router::new()
        .route(
            "/api/generate",
            post(move || async move {
                let line = Bytes::from(format!("{first}\n"));
                let body =
                    futures::stream::once(
                        async move { Ok::<Bytes, std::convert::Infallible>(line) },
                    )
                    .chain(futures::stream::pending());
                Body::from_stream(body).into_response()
            }),
        )
        .route(
            "/api/chat",
            post(|| async {
                futures::future::pending::<()>().await;
                StatusCode::OK
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), task)
}

use futures::StreamExt as _;

#[tokio::test]
async fn a_stalled_request_fails_after_the_total_timeout() {
    let (url, _task) = start_stalling().await;
    let c = OllamaBackend::with_timeout(&url, Duration::from_secs(1)).expect("client");
    assert_eq!(c.timeout(), Duration::from_secs(1));
    // A body that stops half way (streamed and not), and a server that never answers.
    let chat = GenerateRequest {
        model: "llama3.2".into(),
        prompt: Prompt::Chat(vec![ChatMessage::new(Role::User, "hi")]),
        options: GenerateOptions::default(),
    };
    for (what, req, stream) in [
        ("generate, streamed", sky(GenerateOptions::default()), true),
        ("generate", sky(GenerateOptions::default()), false),
        ("chat", chat, false),
    ] {
        let started = std::time::Instant::now();
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let call = c.generate_stream(req, stream.then_some(tx));
        let err = tokio::time::timeout(Duration::from_secs(20), call)
            .await
            .unwrap_or_else(|_| panic!("{what}: still waiting after 20 s: no total timeout"))
            .expect_err("a stalled request fails");
        let took = started.elapsed();
        assert!(
            matches!(err, BackendError::Timeout { .. }),
            "{what}: {err:?}"
        );
        let msg = err.to_string();
        assert!(
            msg.contains("did not finish within 1 s") && msg.contains("--ollama-timeout"),
            "{what}: {msg}"
        );
        assert!(took < Duration::from_secs(5), "{what}: took {took:?}");
    }
    assert!(OllamaBackend::with_timeout(&url, Duration::ZERO).is_err());
}

#[tokio::test]
async fn the_daemon_gives_up_on_a_stalled_ollama_after_ollama_timeout() {
    let (url, _task) = start_stalling().await;
    let started = std::time::Instant::now();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_aitbc-worker"))
        .args(["generate", "--backend", "ollama", "--model", "llama3.2"])
        .args([
            "--prompt",
            "hi",
            "--ollama-url",
            &url,
            "--ollama-timeout",
            "1",
        ])
        .env("RUST_LOG", "warn")
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(20), out)
        .await
        .expect("aitbc-worker generate still running after 20 s: no total timeout")
        .expect("run aitbc-worker");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("did not finish within 1 s"), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(10));
}
