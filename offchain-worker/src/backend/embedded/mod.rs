//! The embedded backend: a quantized GGUF chat model run in-process by candle on the CPU.
//! Needs nothing installed; the model file comes from `scripts/fetch-models.sh`.

mod chat_template;
mod constraint;
mod engine;
mod gemma3;
mod model;
mod referee;
mod spm;
mod tokenizer;

pub use chat_template::{ChatTemplate, TemplateStyle};
pub use constraint::{Allowed, ReactStep, ReactStepGrammar, TokenConstraint, VocabView};
pub use engine::{
    ConstrainedGeneration, Engine, Fault, Generation, ModelFacts, RepeatPenalty, FAULT_POSITION,
};
pub use model::SUPPORTED_ARCHITECTURES;
pub use referee::MAX_REFEREE_OUTPUT_BYTES;
pub use tokenizer::GgufTokenizer;

use crate::backend::{
    BackendError, ChatMessage, GenerateRequest, GenerateResult, InferenceBackend, ModelInfo,
    Prompt, RefereeFinding, Role, Timings, TokenSender,
};
use async_trait::async_trait;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// File name of the default model inside the models directory.
pub const SMOLLM2_FILE: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";
/// The default model's name.
pub const SMOLLM2_NAME: &str = "smollm2";
/// The default model's alias.
pub const SMOLLM2_ALIAS: &str = "smollm2:135m";
/// File name of Gemma 3 270M (instruction-tuned, Q4_K_M) inside the models directory.
pub const GEMMA3_FILE: &str = "gemma-3-270m-q4_k_m.gguf";
/// Gemma 3 270M's name.
pub const GEMMA3_NAME: &str = "gemma3";
/// Gemma 3 270M's alias.
pub const GEMMA3_ALIAS: &str = "gemma3:270m";

/// `$AITBC_MODELS_DIR`, else `$HOME/.cache/aitbc/models`.
pub fn models_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("AITBC_MODELS_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
    home.join(".cache").join("aitbc").join("models")
}

/// Where the default SmolLM2 model is expected.
pub fn default_model_path() -> PathBuf {
    models_dir().join(SMOLLM2_FILE)
}

/// Where Gemma 3 270M is expected.
pub fn gemma3_model_path() -> PathBuf {
    models_dir().join(GEMMA3_FILE)
}

/// What the embedded backend serves and from which file.
#[derive(Debug, Clone)]
pub struct EmbeddedConfig {
    pub model_path: PathBuf,
    pub name: String,
    pub aliases: Vec<String>,
    /// A deliberate fault in every generation (tests of the referee and slashing only; the
    /// worker's hidden `--test-fault`). `None` in production.
    pub fault: Option<Fault>,
}

impl EmbeddedConfig {
    /// SmolLM2-135M-Instruct as `smollm2` / `smollm2:135m`, from `model_path` or the models dir.
    pub fn smollm2(model_path: Option<PathBuf>) -> Self {
        Self {
            model_path: model_path.unwrap_or_else(default_model_path),
            name: SMOLLM2_NAME.to_string(),
            aliases: vec![SMOLLM2_ALIAS.to_string()],
            fault: None,
        }
    }

    /// Gemma 3 270M as `gemma3` / `gemma3:270m`, from `model_path` or the models dir.
    pub fn gemma3(model_path: Option<PathBuf>) -> Self {
        Self {
            model_path: model_path.unwrap_or_else(gemma3_model_path),
            name: GEMMA3_NAME.to_string(),
            aliases: vec![GEMMA3_ALIAS.to_string()],
            fault: None,
        }
    }

    /// The model the worker's `--model` names (a comma-separated list when mining): Gemma 3
    /// when every name in it is `gemma3` or `gemma3:270m`, else SmolLM2 (the default; a name
    /// neither serves is refused when a request names it).
    pub fn for_model(model: Option<&str>, model_path: Option<PathBuf>) -> Self {
        let names: Vec<&str> = model
            .map(|m| {
                m.split(',')
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        if !names.is_empty()
            && names
                .iter()
                .all(|n| *n == GEMMA3_NAME || *n == GEMMA3_ALIAS)
        {
            Self::gemma3(model_path)
        } else {
            Self::smollm2(model_path)
        }
    }
}

pub struct EmbeddedBackend {
    engine: Arc<Mutex<Engine>>,
    info: ModelInfo,
    load_ms: u64,
    fault: Option<Fault>,
}

impl EmbeddedBackend {
    /// Loads the model (blocking; about a second for SmolLM2-135M).
    pub fn load(config: EmbeddedConfig) -> Result<Self, BackendError> {
        let started = Instant::now();
        let engine = Engine::load(&config.model_path)?;
        let load_ms = started.elapsed().as_millis() as u64;
        let digest = file_sha256(&config.model_path)?;
        let facts = &engine.facts;
        let info = ModelInfo {
            name: config.name,
            aliases: config.aliases,
            family: Some(facts.architecture.clone()),
            parameter_size: facts.size_label.clone(),
            quantization: facts.quantization.clone(),
            context_length: Some(facts.context_length as u32),
            size_bytes: Some(facts.file_size),
            digest: Some(format!("sha256:{digest}")),
        };
        tracing::info!(model = %info.name, path = %config.model_path.display(), load_ms, "embedded model loaded");
        if let Some(fault) = config.fault {
            tracing::warn!(
                fault = fault.as_str(),
                "⚠️  test fault enabled: outputs are deliberately wrong; this miner will be slashed"
            );
        }
        Ok(Self {
            engine: Arc::new(Mutex::new(engine)),
            info,
            load_ms,
            fault: config.fault,
        })
    }

    /// Time the model took to load, in milliseconds.
    pub fn load_ms(&self) -> u64 {
        self.load_ms
    }

    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// The test fault this backend was loaded with (`None` in production).
    pub fn fault(&self) -> Option<Fault> {
        self.fault
    }

    /// Checks that `model` names the served model.
    pub fn resolve(&self, model: &str) -> Result<(), BackendError> {
        if self.info.answers_to(model) {
            Ok(())
        } else {
            Err(BackendError::UnknownModel {
                backend: "embedded",
                requested: model.to_string(),
                served: std::iter::once(self.info.name.clone())
                    .chain(self.info.aliases.iter().cloned())
                    .collect(),
            })
        }
    }

    /// The exact text fed to the model for `prompt` (chat template applied unless raw).
    pub fn render_prompt(&self, prompt: &Prompt) -> Result<String, BackendError> {
        let engine = self.lock()?;
        Ok(render(&engine.template, prompt))
    }

    /// Number of tokens of `text` under the model's tokenizer.
    pub fn count_tokens(&self, text: &str) -> Result<usize, BackendError> {
        let engine = self.lock()?;
        engine
            .tokenizer
            .encode(text)
            .map(|ids| ids.len())
            .map_err(BackendError::Inference)
    }

    /// Token ids of `text` (for tests and diagnostics).
    pub fn tokenize(&self, text: &str) -> Result<Vec<u32>, BackendError> {
        let engine = self.lock()?;
        engine
            .tokenizer
            .encode(text)
            .map_err(BackendError::Inference)
    }

    /// Decodes token ids to text.
    pub fn detokenize(&self, ids: &[u32]) -> Result<String, BackendError> {
        let engine = self.lock()?;
        engine
            .tokenizer
            .decode(ids)
            .map_err(BackendError::Inference)
    }

    /// Another handle on the same loaded model (for blocking tasks).
    fn shared(&self) -> Self {
        Self {
            engine: Arc::clone(&self.engine),
            info: self.info.clone(),
            load_ms: self.load_ms,
            fault: self.fault,
        }
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Engine>, BackendError> {
        self.engine
            .lock()
            .map_err(|_| BackendError::Inference("the model lock is poisoned".into()))
    }

    /// Runs a generation on the calling thread (it blocks; async callers use `generate_stream`).
    pub fn generate_blocking(
        &self,
        request: &GenerateRequest,
        on_piece: &mut dyn FnMut(&str) -> bool,
    ) -> Result<GenerateResult, BackendError> {
        self.generate_with_tokens(request, on_piece).map(|(r, _)| r)
    }

    /// [`Self::generate_blocking`], also returning the generated token ids (without the stop
    /// token that ended the turn), for tests and diagnostics.
    pub fn generate_with_tokens(
        &self,
        request: &GenerateRequest,
        on_piece: &mut dyn FnMut(&str) -> bool,
    ) -> Result<(GenerateResult, Vec<u32>), BackendError> {
        let started = Instant::now();
        self.resolve(&request.model)?;
        let mut engine = self.lock()?;
        let load = started.elapsed();
        let text = render(&engine.template, &request.prompt);
        let generation = engine
            .generate(&text, &request.options, self.fault, on_piece)
            .map_err(|e| match e {
                BackendError::ContextOverflow {
                    prompt_tokens,
                    context,
                    ..
                } => BackendError::ContextOverflow {
                    model: self.info.name.clone(),
                    prompt_tokens,
                    context,
                },
                other => other,
            })?;
        let total = started.elapsed();
        let result = GenerateResult {
            model: self.info.name.clone(),
            text: generation.text,
            done_reason: generation.done_reason,
            input_tokens: generation.prompt_tokens as u32,
            output_tokens: generation.generated_tokens as u32,
            compute_ms: total.as_millis() as u64,
            timings: Timings {
                total,
                load,
                prompt_eval: generation.prompt_eval,
                eval: generation.eval,
            },
            min_margin_milli: generation.min_margin_milli,
        };
        Ok((result, generation.tokens))
    }
}

/// One ReAct step produced under [`ReactStepGrammar`] ([`EmbeddedBackend::generate_step`]).
#[derive(Debug, Clone)]
pub struct StepOutput {
    /// The whole step as generated (`Thought: …\nAction: …\nInput: …`).
    pub text: String,
    /// The thought, trimmed.
    pub thought: String,
    /// The chosen action: one of the grammar's names.
    pub action: String,
    /// The action's input, trimmed.
    pub input: String,
    /// Tokens emitted (forced ones included).
    pub tokens: usize,
    /// Of those, the tokens the model chose.
    pub sampled_tokens: usize,
    /// Prompt tokens.
    pub prompt_tokens: usize,
    /// Time spent on the prompt.
    pub prompt_eval: std::time::Duration,
    /// Time spent generating the step.
    pub eval: std::time::Duration,
    /// Of that, time spent in the constraint and masking logits.
    pub constraint_time: std::time::Duration,
    /// Wall time of the whole call.
    pub elapsed: std::time::Duration,
}

impl EmbeddedBackend {
    /// Generates one ReAct step for `prompt` (rendered with the model's chat template unless
    /// raw) under `grammar` (a fresh one: its state advances), with `options` (temperature 0
    /// for greedy, deterministic decoding; `max_tokens` caps the emitted tokens). Blocks.
    /// Fails when the step is not complete within `max_tokens`.
    pub fn generate_step(
        &self,
        model: &str,
        prompt: &Prompt,
        grammar: &mut ReactStepGrammar,
        options: &crate::backend::GenerateOptions,
    ) -> Result<StepOutput, BackendError> {
        let started = Instant::now();
        self.resolve(model)?;
        let mut engine = self.lock()?;
        let text = render(&engine.template, prompt);
        let g = engine.generate_constrained(&text, options, grammar)?;
        let step = grammar.step().ok_or_else(|| {
            BackendError::Inference(format!(
                "the ReAct step was not complete after {} tokens: {:?}",
                g.tokens.len(),
                g.text
            ))
        })?;
        Ok(StepOutput {
            text: g.text.trim_end_matches('\n').to_string(),
            thought: step.thought,
            action: step.action,
            input: step.input,
            tokens: g.tokens.len(),
            sampled_tokens: g.sampled_tokens,
            prompt_tokens: g.prompt_tokens,
            prompt_eval: g.prompt_eval,
            eval: g.eval,
            constraint_time: g.constraint_time,
            elapsed: started.elapsed(),
        })
    }
}

fn render(template: &ChatTemplate, prompt: &Prompt) -> String {
    match prompt {
        Prompt::Text {
            prompt, raw: true, ..
        } => prompt.clone(),
        Prompt::Text {
            prompt,
            system,
            raw: false,
        } => {
            let mut msgs = Vec::with_capacity(2);
            if let Some(s) = system {
                msgs.push(ChatMessage::new(Role::System, s.clone()));
            }
            msgs.push(ChatMessage::new(Role::User, prompt.clone()));
            template.render(&msgs)
        }
        Prompt::Chat(msgs) => template.render(msgs),
    }
}

fn file_sha256(path: &Path) -> Result<String, BackendError> {
    let err = |e: std::io::Error| BackendError::ModelLoad {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let mut f = std::fs::File::open(path).map_err(err)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(err)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex_lower(&hasher.finalize()))
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[async_trait]
impl InferenceBackend for EmbeddedBackend {
    fn name(&self) -> &'static str {
        "embedded"
    }

    async fn models(&self) -> Result<Vec<ModelInfo>, BackendError> {
        Ok(vec![self.info.clone()])
    }

    async fn generate_stream(
        &self,
        request: GenerateRequest,
        tokens: Option<TokenSender>,
    ) -> Result<GenerateResult, BackendError> {
        self.resolve(&request.model)?;
        let this = self.shared();
        tokio::task::spawn_blocking(move || {
            let mut on_piece = |piece: &str| match &tokens {
                Some(tx) => tx.send(piece.to_string()).is_ok(),
                None => true,
            };
            this.generate_blocking(&request, &mut on_piece)
        })
        .await
        .map_err(|e| BackendError::Inference(format!("inference task failed: {e}")))?
    }

    async fn referee(
        &self,
        request: GenerateRequest,
        output_a: String,
        output_b: String,
    ) -> Result<RefereeFinding, BackendError> {
        let this = self.shared();
        tokio::task::spawn_blocking(move || this.referee(&request, &output_a, &output_b))
            .await
            .map_err(|e| BackendError::Inference(format!("referee task failed: {e}")))?
    }

    /// A step under [`ReactStepGrammar`]: the thought and the input get what is left of
    /// `options.max_tokens` after the labels, split in halves.
    async fn react_step(
        &self,
        model: &str,
        prompt: Prompt,
        actions: Vec<String>,
        options: crate::backend::GenerateOptions,
    ) -> Result<crate::backend::ReactStepOutput, BackendError> {
        let this = self.shared();
        let model = model.to_string();
        tokio::task::spawn_blocking(move || {
            let budget = options.max_tokens.unwrap_or(192).max(16) as usize;
            // Labels and the action take about a dozen tokens; the rest is shared.
            let free = budget.saturating_sub(12).max(2);
            let mut grammar = ReactStepGrammar::new(actions, free / 2, free - free / 2);
            let s = this.generate_step(&model, &prompt, &mut grammar, &options)?;
            Ok(crate::backend::ReactStepOutput {
                thought: s.thought,
                action: s.action,
                input: s.input,
                tokens: s.tokens,
            })
        })
        .await
        .map_err(|e| BackendError::Inference(format!("step task failed: {e}")))?
    }
}
