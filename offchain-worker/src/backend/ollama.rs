//! The ollama backend: a client for Ollama's HTTP API (`/api/generate`, `/api/chat`,
//! `/api/tags`, `/api/version`), streaming (NDJSON) or not.

use crate::api::{
    ChatRequestBody, ChatResponse, ErrorBody, GenerateRequestBody, GenerateResponse, Metrics,
    Options, TagsResponse, VersionResponse,
};
use crate::backend::{
    BackendError, DoneReason, GenerateRequest, GenerateResult, InferenceBackend, ModelInfo, Prompt,
    Timings, TokenSender,
};
use async_trait::async_trait;
use futures::StreamExt;
use serde::de::DeserializeOwned;
use std::error::Error as _;
use std::time::{Duration, Instant};

pub const DEFAULT_ENDPOINT: &str = "http://127.0.0.1:11434";
/// How long connecting to the Ollama server may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default limit of one whole request, response body included (`--ollama-timeout`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);
const BACKEND: &str = "ollama";

pub struct OllamaBackend {
    endpoint: String,
    http: reqwest::Client,
    timeout: Duration,
}

impl OllamaBackend {
    /// A client for the Ollama server at `endpoint` (`http://host:port`), each request limited
    /// to [`DEFAULT_TIMEOUT`].
    pub fn new(endpoint: &str) -> Result<Self, BackendError> {
        Self::with_timeout(endpoint, DEFAULT_TIMEOUT)
    }

    /// A client whose requests fail with [`BackendError::Timeout`] when they take longer than
    /// `timeout` in all (connecting, waiting, and reading the whole, possibly streamed, body).
    pub fn with_timeout(endpoint: &str, timeout: Duration) -> Result<Self, BackendError> {
        let endpoint = endpoint.trim_end_matches('/').to_string();
        if !endpoint.starts_with("http://") {
            return Err(BackendError::InvalidRequest(format!(
                "ollama endpoint '{endpoint}' must be an http:// URL"
            )));
        }
        if timeout.is_zero() {
            return Err(BackendError::InvalidRequest(
                "the ollama request timeout must be more than 0 s".into(),
            ));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT.min(timeout))
            .timeout(timeout)
            .build()
            .map_err(|e| BackendError::InvalidRequest(format!("http client: {e}")))?;
        Ok(Self {
            endpoint,
            http,
            timeout,
        })
    }

    /// The limit of one whole request.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.endpoint)
    }

    /// `GET /api/version`.
    pub async fn version(&self) -> Result<String, BackendError> {
        let url = self.url("/api/version");
        let resp = self.send(self.http.get(&url), &url).await?;
        let v: VersionResponse = read_json(resp, &url, self.timeout).await?;
        Ok(v.version)
    }

    /// `GET /api/tags`: the models the server has.
    pub async fn tags(&self) -> Result<TagsResponse, BackendError> {
        let url = self.url("/api/tags");
        let resp = self.send(self.http.get(&url), &url).await?;
        read_json(resp, &url, self.timeout).await
    }

    async fn send(
        &self,
        req: reqwest::RequestBuilder,
        url: &str,
    ) -> Result<reqwest::Response, BackendError> {
        let resp = req
            .send()
            .await
            .map_err(|e| transport_error(url, self.timeout, e))?;
        if resp.status().is_success() {
            return Ok(resp);
        }
        let status = resp.status().as_u16();
        let body = match resp.text().await {
            Ok(b) => b,
            Err(e) => return Err(transport_error(url, self.timeout, e)),
        };
        let message = serde_json::from_str::<ErrorBody>(&body)
            .map(|b| b.error)
            .unwrap_or(body);
        Err(BackendError::Http {
            backend: BACKEND,
            url: url.to_string(),
            status,
            message,
        })
    }

    /// A 404 naming the model becomes `UnknownModel` with the served models listed.
    async fn explain(&self, err: BackendError, model: &str) -> BackendError {
        match err {
            BackendError::Http {
                status: 404,
                ref message,
                ..
            } if message.contains("not found") => {
                let served = match self.tags().await {
                    Ok(t) => t.models.into_iter().map(|m| m.name).collect(),
                    Err(_) => Vec::new(),
                };
                BackendError::UnknownModel {
                    backend: BACKEND,
                    requested: model.to_string(),
                    served,
                }
            }
            other => other,
        }
    }

    async fn run<R: Response>(
        &self,
        path: &str,
        body: serde_json::Value,
        model: &str,
        tokens: Option<TokenSender>,
    ) -> Result<GenerateResult, BackendError> {
        let url = self.url(path);
        let started = Instant::now();
        let resp = match self.send(self.http.post(&url).json(&body), &url).await {
            Ok(r) => r,
            Err(e) => return Err(self.explain(e, model).await),
        };
        let mut text = String::new();
        let last: R = match tokens {
            None => {
                let r: R = read_json(resp, &url, self.timeout).await?;
                text.push_str(r.text());
                r
            }
            Some(tx) => {
                let mut lines = NdjsonReader::new(resp, self.timeout);
                let mut last = None;
                while let Some(line) = lines.next_line(&url).await? {
                    let obj: R = parse_line(&line, &url)?;
                    let piece = obj.text();
                    if !piece.is_empty() {
                        text.push_str(piece);
                        if tx.send(piece.to_string()).is_err() {
                            return Err(BackendError::Cancelled);
                        }
                    }
                    if obj.done() {
                        last = Some(obj);
                        break;
                    }
                }
                last.ok_or_else(|| BackendError::Protocol {
                    url: url.clone(),
                    reason: "the stream ended before an object with \"done\": true".into(),
                })?
            }
        };
        if !last.done() {
            return Err(BackendError::Protocol {
                url,
                reason: "the response is not done".into(),
            });
        }
        Ok(to_result(&last, text, started.elapsed()))
    }
}

fn to_result<R: Response>(last: &R, text: String, wall: Duration) -> GenerateResult {
    let m = last.metrics();
    let ns = |v: Option<u64>| Duration::from_nanos(v.unwrap_or(0));
    let total = m.total_duration.map_or(wall, Duration::from_nanos);
    GenerateResult {
        model: last.model().to_string(),
        text,
        done_reason: match last.done_reason() {
            Some("length") => DoneReason::Length,
            _ => DoneReason::Stop,
        },
        input_tokens: m.prompt_eval_count.unwrap_or(0) as u32,
        output_tokens: m.eval_count.unwrap_or(0) as u32,
        compute_ms: total.as_millis() as u64,
        timings: Timings {
            total,
            load: ns(m.load_duration),
            prompt_eval: ns(m.prompt_eval_duration),
            eval: ns(m.eval_duration),
        },
        min_margin_milli: None,
    }
}

/// The common shape of `/api/generate` and `/api/chat` response objects.
trait Response: DeserializeOwned {
    fn text(&self) -> &str;
    fn done(&self) -> bool;
    fn done_reason(&self) -> Option<&str>;
    fn model(&self) -> &str;
    fn metrics(&self) -> &Metrics;
}

impl Response for GenerateResponse {
    fn text(&self) -> &str {
        &self.response
    }
    fn done(&self) -> bool {
        self.done
    }
    fn done_reason(&self) -> Option<&str> {
        self.done_reason.as_deref()
    }
    fn model(&self) -> &str {
        &self.model
    }
    fn metrics(&self) -> &Metrics {
        &self.metrics
    }
}

impl Response for ChatResponse {
    fn text(&self) -> &str {
        self.message.as_ref().map_or("", |m| m.content.as_str())
    }
    fn done(&self) -> bool {
        self.done
    }
    fn done_reason(&self) -> Option<&str> {
        self.done_reason.as_deref()
    }
    fn model(&self) -> &str {
        &self.model
    }
    fn metrics(&self) -> &Metrics {
        &self.metrics
    }
}

fn transport_error(url: &str, timeout: Duration, e: reqwest::Error) -> BackendError {
    if e.is_timeout() && !e.is_connect() {
        return BackendError::Timeout {
            backend: BACKEND,
            url: url.to_string(),
            after: timeout,
        };
    }
    let mut reason = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        reason.push_str(": ");
        reason.push_str(&s.to_string());
        src = s.source();
    }
    if e.is_connect() || e.is_timeout() || e.is_request() {
        BackendError::Unreachable {
            backend: BACKEND,
            url: url.to_string(),
            reason,
        }
    } else {
        BackendError::Protocol {
            url: url.to_string(),
            reason,
        }
    }
}

async fn read_json<T: DeserializeOwned>(
    resp: reqwest::Response,
    url: &str,
    timeout: Duration,
) -> Result<T, BackendError> {
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| transport_error(url, timeout, e))?;
    parse_line(&bytes, url)
}

/// Parses one JSON object; an `{"error": ...}` object becomes an inference error.
fn parse_line<T: DeserializeOwned>(bytes: &[u8], url: &str) -> Result<T, BackendError> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| BackendError::Protocol {
            url: url.to_string(),
            reason: format!("invalid JSON: {e}"),
        })?;
    if let Some(err) = value.get("error").and_then(|e| e.as_str()) {
        return Err(BackendError::Inference(format!("{url}: {err}")));
    }
    serde_json::from_value(value).map_err(|e| BackendError::Protocol {
        url: url.to_string(),
        reason: format!("unexpected JSON: {e}"),
    })
}

/// Splits a streamed body into NDJSON lines.
struct NdjsonReader {
    stream: futures::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    buf: Vec<u8>,
    eof: bool,
    timeout: Duration,
}

impl NdjsonReader {
    fn new(resp: reqwest::Response, timeout: Duration) -> Self {
        Self {
            stream: resp.bytes_stream().boxed(),
            buf: Vec::new(),
            eof: false,
            timeout,
        }
    }

    async fn next_line(&mut self, url: &str) -> Result<Option<Vec<u8>>, BackendError> {
        loop {
            if let Some(pos) = self.buf.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=pos).collect();
                let line = trim_ascii(&line[..pos]);
                if line.is_empty() {
                    continue;
                }
                return Ok(Some(line.to_vec()));
            }
            if self.eof {
                let rest = std::mem::take(&mut self.buf);
                let rest = trim_ascii(&rest);
                return Ok((!rest.is_empty()).then(|| rest.to_vec()));
            }
            match self.stream.next().await {
                Some(Ok(chunk)) => self.buf.extend_from_slice(&chunk),
                Some(Err(e)) => return Err(transport_error(url, self.timeout, e)),
                None => self.eof = true,
            }
        }
    }
}

fn trim_ascii(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &b[start..end.max(start)]
}

#[async_trait]
impl InferenceBackend for OllamaBackend {
    fn name(&self) -> &'static str {
        BACKEND
    }

    async fn models(&self) -> Result<Vec<ModelInfo>, BackendError> {
        let tags = self.tags().await?;
        Ok(tags
            .models
            .into_iter()
            .map(|t| {
                let aliases = t
                    .name
                    .strip_suffix(":latest")
                    .map(|s| vec![s.to_string()])
                    .unwrap_or_default();
                let non_empty = |s: String| (!s.is_empty()).then_some(s);
                ModelInfo {
                    name: t.name,
                    aliases,
                    family: non_empty(t.details.family),
                    parameter_size: non_empty(t.details.parameter_size),
                    quantization: non_empty(t.details.quantization_level),
                    context_length: None,
                    size_bytes: Some(t.size),
                    digest: non_empty(t.digest),
                }
            })
            .collect())
    }

    async fn generate_stream(
        &self,
        request: GenerateRequest,
        tokens: Option<TokenSender>,
    ) -> Result<GenerateResult, BackendError> {
        let options = Options::from_generate_options(&request.options);
        let options = (options != Options::default()).then_some(options);
        let stream = Some(tokens.is_some());
        let json = |v: Result<serde_json::Value, serde_json::Error>| {
            v.map_err(|e| BackendError::InvalidRequest(format!("cannot encode request: {e}")))
        };
        match request.prompt {
            Prompt::Text {
                prompt,
                system,
                raw,
            } => {
                let body = json(serde_json::to_value(GenerateRequestBody {
                    model: request.model.clone(),
                    prompt,
                    system,
                    stream,
                    raw: raw.then_some(true),
                    options,
                    ..Default::default()
                }))?;
                self.run::<GenerateResponse>("/api/generate", body, &request.model, tokens)
                    .await
            }
            Prompt::Chat(messages) => {
                let body = json(serde_json::to_value(ChatRequestBody {
                    model: request.model.clone(),
                    messages,
                    stream,
                    options,
                    ..Default::default()
                }))?;
                self.run::<ChatResponse>("/api/chat", body, &request.model, tokens)
                    .await
            }
        }
    }
}
