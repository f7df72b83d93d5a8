//! `aitbc-worker serve`: an Ollama-compatible HTTP API over the embedded backend.
//! Same routes, JSON fields, NDJSON streaming and `{"error": ...}` bodies as Ollama.

use crate::api::{
    ms_to_ns, ChatRequestBody, ChatResponse, ErrorBody, GenerateRequestBody, GenerateResponse,
    Metrics, ModelDetails, ModelTag, ResponseMessage, TagsResponse, VersionResponse,
};
use crate::backend::embedded::EmbeddedBackend;
use crate::backend::{BackendError, GenerateRequest, GenerateResult, InferenceBackend, Prompt};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::StreamExt;
use serde::Serialize;
use std::sync::Arc;
use std::time::SystemTime;
use tokio::sync::mpsc;

#[derive(Clone)]
pub struct AppState {
    backend: Arc<EmbeddedBackend>,
    /// When the model file was last modified (RFC 3339), for `/api/tags`.
    modified_at: String,
}

/// The router serving Ollama's API over `backend`.
pub fn router(backend: Arc<EmbeddedBackend>, modified_at: Option<SystemTime>) -> Router {
    let modified_at = modified_at
        .map(|t| chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339())
        .unwrap_or_default();
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
        })
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
    let options = req.options.unwrap_or_default().to_generate_options();
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
    let options = req.options.unwrap_or_default().to_generate_options();
    let prompt = Prompt::Chat(req.messages);
    run::<ChatShape>(st, req.model, prompt, options, req.stream.unwrap_or(true)).await
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
    if !stream {
        return match st.backend.generate(request).await {
            Ok(r) => Json(S::last(&model, r.text.clone(), &r)).into_response(),
            Err(e) => backend_error(&e),
        };
    }

    // Streaming: one NDJSON line per piece, then the final object with the statistics.
    let (piece_tx, piece_rx) = mpsc::unbounded_channel::<String>();
    let (line_tx, line_rx) = mpsc::unbounded_channel::<Bytes>();
    let backend = Arc::clone(&st.backend);
    let forward_model = model.clone();
    let forward_tx = line_tx.clone();
    let forward = tokio::spawn(async move {
        let mut piece_rx = piece_rx;
        while let Some(piece) = piece_rx.recv().await {
            if forward_tx
                .send(ndjson(&S::piece(&forward_model, piece)))
                .is_err()
            {
                break;
            }
        }
    });
    tokio::spawn(async move {
        let result = backend.generate_stream(request, Some(piece_tx)).await;
        // All pieces are forwarded before the final line.
        let _ = forward.await;
        let line = match result {
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
