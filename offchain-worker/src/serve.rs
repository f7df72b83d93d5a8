//! `aitbc-worker serve`: an Ollama-compatible HTTP API over the embedded backend.
//! Same routes, JSON fields, NDJSON streaming and `{"error": ...}` bodies as Ollama.
//!
//! Hardening ([`ServeConfig`]):
//! - **Origins.** A request with an `Origin` header (a browser) is served only when the origin
//!   is a local one (`http(s)://localhost`, `127.0.0.1`, `[::1]`, `0.0.0.0`, any port) or
//!   matches one of `allowed_origins` (`*` is a wildcard); others get 403. Requests without
//!   `Origin` (curl, SDKs) are served. Like Ollama's `OLLAMA_ORIGINS`.
//! - **Token limit.** `num_predict` over `max_predict` is refused with 400; an absent or
//!   negative (unbounded) `num_predict` becomes `max_predict`.
//! - **Queue.** At most `concurrency` generations run and `queue_depth` more wait; past that a
//!   request gets 503 with `Retry-After`.
//! - **Time limit.** A generation request may take `request_timeout` in all (queue wait
//!   included): 503 with `Retry-After` if it is still waiting then, 504 (or a final
//!   `{"error": ...}` line when streaming) if it is still generating; generation stops.

use crate::api::{
    ms_to_ns, ChatRequestBody, ChatResponse, ErrorBody, GenerateRequestBody, GenerateResponse,
    Metrics, ModelDetails, ModelTag, ResponseMessage, TagsResponse, VersionResponse,
};
use crate::backend::embedded::EmbeddedBackend;
use crate::backend::{BackendError, GenerateRequest, GenerateResult, InferenceBackend, Prompt};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::StreamExt;
use serde::Serialize;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// Default most tokens one request may generate (`--max-predict`).
pub const DEFAULT_MAX_PREDICT: u32 = 2048;
/// Default generations run at once (`--concurrency`): the embedded model runs one at a time.
pub const DEFAULT_CONCURRENCY: usize = 1;
/// Default requests waiting for a free slot (`--queue-depth`).
pub const DEFAULT_QUEUE_DEPTH: usize = 8;
/// Default total time of one generation request, queue wait included (`--request-timeout`).
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(300);
/// The `Retry-After` (seconds) of a 503 answer.
pub const RETRY_AFTER_SECS: u64 = 5;
/// Origins served without `--allowed-origins`: this machine's, any scheme's port.
pub const DEFAULT_ORIGINS: [&str; 8] = [
    "http://localhost",
    "https://localhost",
    "http://127.0.0.1",
    "https://127.0.0.1",
    "http://[::1]",
    "https://[::1]",
    "http://0.0.0.0",
    "https://0.0.0.0",
];

/// Limits of `aitbc-worker serve` (see the module documentation).
#[derive(Debug, Clone, PartialEq)]
pub struct ServeConfig {
    /// Origins served besides the local ones: `scheme://host[:port]`, `*` matching any text.
    pub allowed_origins: Vec<String>,
    /// Most tokens one request may generate.
    pub max_predict: u32,
    /// Generations run at once (at least 1).
    pub concurrency: usize,
    /// Requests that may wait for a slot; more get 503.
    pub queue_depth: usize,
    /// Total time of one generation request, queue wait included.
    pub request_timeout: Duration,
}

impl Default for ServeConfig {
    fn default() -> Self {
        Self {
            allowed_origins: Vec::new(),
            max_predict: DEFAULT_MAX_PREDICT,
            concurrency: DEFAULT_CONCURRENCY,
            queue_depth: DEFAULT_QUEUE_DEPTH,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
        }
    }
}

/// Checks an `--allowed-origins` entry: `*`, or `scheme://host[:port]` (with `*` wildcards).
pub fn parse_origin_pattern(s: &str) -> Result<String, String> {
    let p = s.trim().trim_end_matches('/').to_ascii_lowercase();
    if p == "*" {
        return Ok(p);
    }
    match p.split_once("://") {
        Some((scheme, rest)) if !scheme.is_empty() && !rest.is_empty() && !rest.contains('/') => {
            Ok(p)
        }
        _ => Err(format!(
            "'{s}' is not an origin: write scheme://host[:port] (e.g. https://app.example.com, http://localhost:3000), with * as a wildcard (https://*.example.com), or * for any origin"
        )),
    }
}

/// Whether `pattern` (with `*` matching any run of characters) matches all of `text`.
fn glob_match(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// The origins a server answers.
#[derive(Debug)]
struct Origins {
    patterns: Vec<String>,
}

impl Origins {
    fn new(extra: &[String]) -> Self {
        let mut patterns = Vec::new();
        for o in DEFAULT_ORIGINS {
            patterns.push(o.to_string());
            patterns.push(format!("{o}:*"));
        }
        patterns.extend(
            extra
                .iter()
                .map(|p| p.trim_end_matches('/').to_ascii_lowercase()),
        );
        Self { patterns }
    }

    fn allows(&self, origin: &str) -> bool {
        let origin = origin.trim_end_matches('/').to_ascii_lowercase();
        self.patterns.iter().any(|p| glob_match(p, &origin))
    }
}

/// How many requests run and wait, and for how long.
struct Limits {
    /// Permits for running and waiting requests: `concurrency + queue_depth`.
    admitted: Arc<Semaphore>,
    /// Permits for running requests: `concurrency`.
    running: Arc<Semaphore>,
    concurrency: usize,
    queue_depth: usize,
    max_predict: u32,
    timeout: Duration,
}

#[derive(Clone)]
pub struct AppState {
    backend: Arc<EmbeddedBackend>,
    /// When the model file was last modified (RFC 3339), for `/api/tags`.
    modified_at: String,
    limits: Arc<Limits>,
}

/// The router serving Ollama's API over `backend`, within `config`'s limits.
pub fn router(
    backend: Arc<EmbeddedBackend>,
    modified_at: Option<SystemTime>,
    config: &ServeConfig,
) -> Router {
    let modified_at = modified_at
        .map(|t| chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339())
        .unwrap_or_default();
    let concurrency = config.concurrency.max(1);
    let limits = Limits {
        admitted: Arc::new(Semaphore::new(
            concurrency.saturating_add(config.queue_depth),
        )),
        running: Arc::new(Semaphore::new(concurrency)),
        concurrency,
        queue_depth: config.queue_depth,
        max_predict: config.max_predict,
        timeout: config.request_timeout,
    };
    let origins = Arc::new(Origins::new(&config.allowed_origins));
    Router::new()
        .route("/", get(root).head(root))
        .route("/api/version", get(version))
        .route("/api/tags", get(tags))
        .route("/api/generate", post(generate))
        .route("/api/chat", post(chat))
        .fallback(not_found)
        .with_state(AppState {
            backend,
            modified_at,
            limits: Arc::new(limits),
        })
        .layer(middleware::from_fn_with_state(origins, check_origin))
}

/// Refuses browsers on other sites (403); answers CORS preflights of allowed origins.
async fn check_origin(State(origins): State<Arc<Origins>>, req: Request, next: Next) -> Response {
    let Some(origin) = req.headers().get(header::ORIGIN).cloned() else {
        return next.run(req).await;
    };
    let text = origin.to_str().unwrap_or_default();
    if !origins.allows(text) {
        tracing::warn!(origin = %String::from_utf8_lossy(origin.as_bytes()), "request from a disallowed origin refused");
        return error(
            StatusCode::FORBIDDEN,
            format!(
                "origin '{}' is not allowed to use this server; to allow it, start `aitbc-worker serve` with --allowed-origins {} (or AITBC_ALLOWED_ORIGINS)",
                String::from_utf8_lossy(origin.as_bytes()),
                if text.is_empty() { "ORIGIN" } else { text }
            ),
        );
    }
    let mut resp = if req.method() == Method::OPTIONS {
        let mut r = StatusCode::NO_CONTENT.into_response();
        let h = r.headers_mut();
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, HEAD, POST, OPTIONS"),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("authorization, content-type, user-agent, accept"),
        );
        r
    } else {
        next.run(req).await
    };
    let h = resp.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    h.append(header::VARY, HeaderValue::from_static("origin"));
    resp
}

/// Serves `router` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

async fn root() -> &'static str {
    "Ollama is running"
}

async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "404 page not found")
}

async fn version() -> Json<VersionResponse> {
    Json(VersionResponse {
        version: env!("CARGO_PKG_VERSION").to_string(),
    })
}

async fn tags(State(st): State<AppState>) -> Json<TagsResponse> {
    let info = st.backend.info();
    let details = ModelDetails {
        parent_model: String::new(),
        format: "gguf".into(),
        family: info.family.clone().unwrap_or_default(),
        families: info.family.clone().map(|f| vec![f]),
        parameter_size: info.parameter_size.clone().unwrap_or_default(),
        quantization_level: info.quantization.clone().unwrap_or_default(),
    };
    let digest = info
        .digest
        .as_deref()
        .map(|d| d.trim_start_matches("sha256:").to_string())
        .unwrap_or_default();
    let models = std::iter::once(&info.name)
        .chain(info.aliases.iter())
        .map(|n| {
            let name = if n.contains(':') {
                n.clone()
            } else {
                format!("{n}:latest")
            };
            ModelTag {
                model: name.clone(),
                name,
                modified_at: st.modified_at.clone(),
                size: info.size_bytes.unwrap_or(0),
                digest: digest.clone(),
                details: details.clone(),
            }
        })
        .collect();
    Json(TagsResponse { models })
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (
        status,
        Json(ErrorBody {
            error: message.into(),
        }),
    )
        .into_response()
}

/// Ollama's status code and message for a backend error.
fn backend_error(e: &BackendError) -> Response {
    match e {
        BackendError::UnknownModel { requested, .. } => error(
            StatusCode::NOT_FOUND,
            format!("model '{requested}' not found"),
        ),
        BackendError::InvalidRequest(_) | BackendError::ContextOverflow { .. } => {
            error(StatusCode::BAD_REQUEST, e.to_string())
        }
        _ => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

/// Parses a request body; the error is Ollama's 400 message.
fn parse_body<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| e.to_string())
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

fn metrics(r: &GenerateResult) -> Metrics {
    let ns = |d: std::time::Duration| Some(d.as_nanos() as u64);
    Metrics {
        total_duration: ns(r.timings.total).or(Some(ms_to_ns(r.compute_ms))),
        load_duration: ns(r.timings.load),
        prompt_eval_count: Some(u64::from(r.input_tokens)),
        prompt_eval_duration: ns(r.timings.prompt_eval),
        eval_count: Some(u64::from(r.output_tokens)),
        eval_duration: ns(r.timings.eval),
    }
}

/// How each endpoint shapes its response objects.
trait Shape: Send + 'static {
    type Out: Serialize + Send;
    fn piece(model: &str, text: String) -> Self::Out;
    fn last(model: &str, text: String, r: &GenerateResult) -> Self::Out;
}

struct GenerateShape;
impl Shape for GenerateShape {
    type Out = GenerateResponse;
    fn piece(model: &str, text: String) -> GenerateResponse {
        GenerateResponse {
            model: model.to_string(),
            created_at: now(),
            response: text,
            done: false,
            ..Default::default()
        }
    }
    fn last(model: &str, text: String, r: &GenerateResult) -> GenerateResponse {
        GenerateResponse {
            model: model.to_string(),
            created_at: now(),
            response: text,
            done: true,
            done_reason: Some(r.done_reason.as_str().to_string()),
            metrics: metrics(r),
        }
    }
}

struct ChatShape;
impl Shape for ChatShape {
    type Out = ChatResponse;
    fn piece(model: &str, text: String) -> ChatResponse {
        ChatResponse {
            model: model.to_string(),
            created_at: now(),
            message: Some(ResponseMessage {
                role: "assistant".into(),
                content: text,
            }),
            done: false,
            ..Default::default()
        }
    }
    fn last(model: &str, text: String, r: &GenerateResult) -> ChatResponse {
        ChatResponse {
            model: model.to_string(),
            created_at: now(),
            message: Some(ResponseMessage {
                role: "assistant".into(),
                content: text,
            }),
            done: true,
            done_reason: Some(r.done_reason.as_str().to_string()),
            metrics: metrics(r),
        }
    }
}

async fn generate(State(st): State<AppState>, body: Bytes) -> Response {
    let req: GenerateRequestBody = match parse_body(&body) {
        Ok(r) => r,
        Err(msg) => return error(StatusCode::BAD_REQUEST, msg),
    };
    let prompt = Prompt::Text {
        prompt: req.prompt,
        system: req.system,
        raw: req.raw.unwrap_or(false),
    };
    let options = match bounded_options(req.options, st.limits.max_predict) {
        Ok(o) => o,
        Err(msg) => return error(StatusCode::BAD_REQUEST, msg),
    };
    run::<GenerateShape>(st, req.model, prompt, options, req.stream.unwrap_or(true)).await
}

async fn chat(State(st): State<AppState>, body: Bytes) -> Response {
    let req: ChatRequestBody = match parse_body(&body) {
        Ok(r) => r,
        Err(msg) => return error(StatusCode::BAD_REQUEST, msg),
    };
    if req.messages.is_empty() {
        return error(StatusCode::BAD_REQUEST, "messages is required");
    }
    let options = match bounded_options(req.options, st.limits.max_predict) {
        Ok(o) => o,
        Err(msg) => return error(StatusCode::BAD_REQUEST, msg),
    };
    let prompt = Prompt::Chat(req.messages);
    run::<ChatShape>(st, req.model, prompt, options, req.stream.unwrap_or(true)).await
}

/// The sampling options of a request, with `num_predict` within `max_predict`: over it is
/// refused, absent or negative (unbounded) becomes `max_predict`.
fn bounded_options(
    options: Option<crate::api::Options>,
    max_predict: u32,
) -> Result<crate::backend::GenerateOptions, String> {
    let options = options.unwrap_or_default();
    let mut out = options.to_generate_options();
    match options.num_predict {
        Some(n) if n > i64::from(max_predict) => {
            return Err(format!(
                "num_predict {n} is over this server's limit of {max_predict} tokens (aitbc-worker serve --max-predict); ask for at most {max_predict}, or leave num_predict out to get up to {max_predict}"
            ))
        }
        Some(n) if n >= 0 => {}
        _ => out.max_tokens = Some(max_predict),
    }
    Ok(out)
}

/// 503 with `Retry-After`.
fn busy(message: String) -> Response {
    let mut r = error(StatusCode::SERVICE_UNAVAILABLE, message);
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
    r
}

/// Waits for a generation slot: `Err` is the 503 answer when the queue is full or the wait ran
/// past `deadline`.
async fn admit(
    limits: &Limits,
    deadline: Instant,
) -> Result<(OwnedSemaphorePermit, OwnedSemaphorePermit), Response> {
    let Ok(admitted) = Arc::clone(&limits.admitted).try_acquire_owned() else {
        tracing::warn!("request refused: the queue is full");
        return Err(busy(format!(
            "the server is busy: {} request(s) running and {} waiting, its limit (aitbc-worker serve --concurrency {} --queue-depth {}); retry in {RETRY_AFTER_SECS} s",
            limits.concurrency, limits.queue_depth, limits.concurrency, limits.queue_depth
        )));
    };
    match tokio::time::timeout_at(deadline, Arc::clone(&limits.running).acquire_owned()).await {
        Ok(Ok(running)) => Ok((admitted, running)),
        Ok(Err(_)) => Err(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the server is shutting down",
        )),
        Err(_) => Err(busy(format!(
            "the request waited {} s, this server's time limit (aitbc-worker serve --request-timeout), without getting a turn: the server is busy; retry in {RETRY_AFTER_SECS} s",
            limits.timeout.as_secs()
        ))),
    }
}

/// The message of a request that ran past the time limit.
fn timeout_message(limits: &Limits) -> String {
    format!(
        "generation stopped: the request ran past this server's time limit of {} s (aitbc-worker serve --request-timeout); ask for fewer tokens (num_predict) or a shorter prompt",
        limits.timeout.as_secs()
    )
}

async fn run<S: Shape>(
    st: AppState,
    model: String,
    prompt: Prompt,
    options: crate::backend::GenerateOptions,
    stream: bool,
) -> Response {
    if model.is_empty() {
        return error(StatusCode::BAD_REQUEST, "model is required");
    }
    if let Err(e) = st.backend.resolve(&model) {
        return backend_error(&e);
    }
    let request = GenerateRequest {
        model: model.clone(),
        prompt,
        options,
    };
    tracing::info!(%model, stream, "generate");
    let deadline = Instant::now() + st.limits.timeout;
    let permits = match admit(&st.limits, deadline).await {
        Ok(p) => p,
        Err(resp) => return resp,
    };

    // The generation owns the permits: they are freed when it has really stopped. Dropping
    // `piece_rx` stops it at its next piece.
    let (piece_tx, mut piece_rx) = mpsc::unbounded_channel::<String>();
    let backend = Arc::clone(&st.backend);
    let mut generation = tokio::spawn(async move {
        let _permits = permits;
        backend.generate_stream(request, Some(piece_tx)).await
    });
    let joined = |r: Result<Result<GenerateResult, BackendError>, tokio::task::JoinError>| {
        r.unwrap_or_else(|e| {
            Err(BackendError::Inference(format!(
                "inference task failed: {e}"
            )))
        })
    };

    if !stream {
        return tokio::select! {
            r = &mut generation => match joined(r) {
                Ok(r) => Json(S::last(&model, r.text.clone(), &r)).into_response(),
                Err(e) => backend_error(&e),
            },
            _ = tokio::time::sleep_until(deadline) => {
                drop(piece_rx);
                tracing::warn!(%model, "generation ran past the time limit; stopped");
                error(StatusCode::GATEWAY_TIMEOUT, timeout_message(&st.limits))
            }
        };
    }

    // Streaming: one NDJSON line per piece, then the final object with the statistics.
    let (line_tx, line_rx) = mpsc::unbounded_channel::<Bytes>();
    let limits = Arc::clone(&st.limits);
    tokio::spawn(async move {
        let timer = tokio::time::sleep_until(deadline);
        tokio::pin!(timer);
        loop {
            tokio::select! {
                piece = piece_rx.recv() => match piece {
                    Some(piece) => {
                        if line_tx.send(ndjson(&S::piece(&model, piece))).is_err() {
                            // The client went away: dropping `piece_rx` stops the generation.
                            tracing::info!(%model, "client went away; generation cancelled");
                            return;
                        }
                    }
                    None => break,
                },
                _ = &mut timer => {
                    drop(piece_rx);
                    tracing::warn!(%model, "generation ran past the time limit; stopped");
                    let _ = line_tx.send(ndjson(&ErrorBody { error: timeout_message(&limits) }));
                    return;
                }
            }
        }
        // All pieces are forwarded before the final line.
        let line = match joined(generation.await) {
            Ok(r) => ndjson(&S::last(&model, String::new(), &r)),
            Err(BackendError::Cancelled) => {
                tracing::info!(%model, "client went away; generation cancelled");
                return;
            }
            Err(e) => ndjson(&ErrorBody {
                error: e.to_string(),
            }),
        };
        let _ = line_tx.send(line);
    });
    let body = tokio_stream_from(line_rx).map(Ok::<Bytes, std::convert::Infallible>);
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/x-ndjson")
        .body(Body::from_stream(body))
        .unwrap_or_else(|e| error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
}

fn tokio_stream_from<T: Send + 'static>(
    mut rx: mpsc::UnboundedReceiver<T>,
) -> impl futures::Stream<Item = T> + Send {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

fn ndjson<T: Serialize>(v: &T) -> Bytes {
    let mut line = serde_json::to_vec(v)
        .unwrap_or_else(|e| format!("{{\"error\":\"cannot encode response: {e}\"}}").into_bytes());
    line.push(b'\n');
    Bytes::from(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_origins_are_allowed_by_default_and_others_not() {
        let o = Origins::new(&[]);
        for ok in [
            "http://localhost",
            "http://localhost:3000",
            "https://127.0.0.1:8443",
            "http://[::1]:11434",
            "HTTP://LOCALHOST:5173/",
        ] {
            assert!(o.allows(ok), "{ok}");
        }
        for bad in [
            "https://evil.example",
            "http://localhost.evil.example",
            "http://127.0.0.1.nip.io",
            "null",
            "",
            "http://localhostx:80",
        ] {
            assert!(!o.allows(bad), "{bad}");
        }
    }

    #[test]
    fn allowed_origins_add_exact_and_wildcard_patterns() {
        let extra = ["https://app.example.com", "https://*.corp.example"]
            .map(|p| parse_origin_pattern(p).expect("pattern"));
        let o = Origins::new(&extra);
        assert!(o.allows("https://app.example.com"));
        assert!(!o.allows("https://app.example.com:444"));
        assert!(!o.allows("http://app.example.com"));
        assert!(o.allows("https://a.b.corp.example"));
        assert!(!o.allows("https://corp.example.evil"));
        assert!(Origins::new(&["*".into()]).allows("https://anything.example"));
    }

    #[test]
    fn origin_patterns_are_checked() {
        assert!(parse_origin_pattern("example.com")
            .unwrap_err()
            .contains("scheme://host"));
        assert!(parse_origin_pattern("https://example.com/path").is_err());
        assert_eq!(
            parse_origin_pattern(" https://Example.com/ ").as_deref(),
            Ok("https://example.com")
        );
    }

    #[test]
    fn glob() {
        assert!(glob_match("a*c", "abbbc"));
        assert!(glob_match("*", ""));
        assert!(glob_match("a*b*c", "aXbYc"));
        assert!(!glob_match("a*b*c", "aXcYb"));
        assert!(!glob_match("ab", "abc"));
        assert!(glob_match("http://localhost:*", "http://localhost:1"));
    }

    #[test]
    fn num_predict_is_bounded() {
        let opts = |n: Option<i64>| {
            Some(crate::api::Options {
                num_predict: n,
                ..Default::default()
            })
        };
        assert_eq!(
            bounded_options(None, 100).map(|o| o.max_tokens),
            Ok(Some(100))
        );
        assert_eq!(
            bounded_options(opts(None), 100).map(|o| o.max_tokens),
            Ok(Some(100))
        );
        assert_eq!(
            bounded_options(opts(Some(-1)), 100).map(|o| o.max_tokens),
            Ok(Some(100))
        );
        assert_eq!(
            bounded_options(opts(Some(100)), 100).map(|o| o.max_tokens),
            Ok(Some(100))
        );
        assert_eq!(
            bounded_options(opts(Some(7)), 100).map(|o| o.max_tokens),
            Ok(Some(7))
        );
        let err = bounded_options(opts(Some(101)), 100).unwrap_err();
        assert!(
            err.contains("num_predict 101") && err.contains("--max-predict"),
            "{err}"
        );
    }
}
