//! The loaded model and its decoding loop (candle, CPU).

use super::chat_template::ChatTemplate;
use super::constraint::{Allowed, TokenConstraint, VocabView};
use super::model::ModelWeights;
use super::tokenizer::{GgufTokenizer, IncrementalDecoder};
use crate::backend::{BackendError, DoneReason, GenerateOptions};
use candle_core::quantized::gguf_file;
use candle_core::{DType, Device, Tensor};
use candle_transformers::generation::{LogitsProcessor, Sampling};
use candle_transformers::utils::apply_repeat_penalty;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Ollama's documented defaults, used when a request leaves an option unset.
pub const DEFAULT_TEMPERATURE: f64 = 0.8;
pub const DEFAULT_TOP_P: f64 = 0.9;
pub const DEFAULT_TOP_K: usize = 40;
pub const DEFAULT_REPEAT_PENALTY: f32 = 1.1;
pub const DEFAULT_REPEAT_LAST_N: usize = 64;

/// Facts read from the GGUF file.
#[derive(Debug, Clone)]
pub struct ModelFacts {
    pub architecture: String,
    pub size_label: Option<String>,
    pub quantization: Option<String>,
    /// Usable context: the model's own, capped by candle's rope table.
    pub context_length: usize,
    pub file_size: u64,
}

pub struct Engine {
    model: ModelWeights,
    pub tokenizer: GgufTokenizer,
    pub template: ChatTemplate,
    pub facts: ModelFacts,
    device: Device,
    /// Every token's text, decoded on the first constrained generation.
    vocab: Option<std::sync::Arc<VocabView>>,
}

/// Output of one constrained decoding run ([`Engine::generate_constrained`]).
#[derive(Debug, Clone)]
pub struct ConstrainedGeneration {
    /// Everything emitted: forced literals and sampled tokens.
    pub text: String,
    /// The emitted token ids, forced ones included.
    pub tokens: Vec<u32>,
    /// Tokens the model chose (the others were forced).
    pub sampled_tokens: usize,
    /// Whether the constraint was complete when generation ended.
    pub complete: bool,
    /// Prompt tokens (BOS included where the model wants one).
    pub prompt_tokens: usize,
    /// Time spent on the prompt.
    pub prompt_eval: std::time::Duration,
    /// Generation time, the constraint's share included.
    pub eval: std::time::Duration,
    /// Time spent asking the constraint and masking logits (the cost of constraining).
    pub constraint_time: std::time::Duration,
}

/// A deliberate fault in generation, for testing the referee and slashing (the worker's hidden
/// `--test-fault` flag). Never set in production: a miner with a fault delivers wrong outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// At output position [`FAULT_POSITION`] take the least likely token of the vocabulary
    /// (leaving out stop tokens and tokens whose text does not re-encode to themselves), then
    /// go on decoding as usual.
    WrongToken,
}

/// The output position (0-based, in generated tokens) where [`Fault::WrongToken`] strikes.
pub const FAULT_POSITION: usize = 2;

impl Fault {
    /// The flag's spelling (`wrong-token`).
    pub fn as_str(self) -> &'static str {
        match self {
            Fault::WrongToken => "wrong-token",
        }
    }
}

impl std::str::FromStr for Fault {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "wrong-token" => Ok(Fault::WrongToken),
            other => Err(format!("unknown test fault '{other}' (known: wrong-token)")),
        }
    }
}

/// Output of one decoding run.
#[derive(Debug, Clone)]
pub struct Generation {
    pub text: String,
    /// The generated token ids (the stop token that ended the turn is not included; the tokens
    /// of a stop string the text was cut at are).
    pub tokens: Vec<u32>,
    pub done_reason: DoneReason,
    pub prompt_tokens: usize,
    pub generated_tokens: usize,
    pub prompt_eval: std::time::Duration,
    pub eval: std::time::Duration,
    /// Greedy decoding only: the smallest gap between the two most likely tokens (after the
    /// repeat penalty) over every generated token and the stop, in thousandths of a logit. How
    /// close decoding came to choosing otherwise; redundant jobs report it with their reveal.
    pub min_margin_milli: Option<u32>,
}

fn load_err(path: &Path, reason: impl std::fmt::Display) -> BackendError {
    BackendError::ModelLoad {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

fn infer_err(e: impl std::fmt::Display) -> BackendError {
    BackendError::Inference(e.to_string())
}

/// ggml `general.file_type` values.
fn file_type_name(ft: u32) -> Option<&'static str> {
    Some(match ft {
        0 => "F32",
        1 => "F16",
        2 => "Q4_0",
        3 => "Q4_1",
        7 => "Q8_0",
        8 => "Q5_0",
        9 => "Q5_1",
        10 => "Q2_K",
        11 => "Q3_K_S",
        12 => "Q3_K_M",
        13 => "Q3_K_L",
        14 => "Q4_K_S",
        15 => "Q4_K_M",
        16 => "Q5_K_S",
        17 => "Q5_K_M",
        18 => "Q6_K",
        _ => return None,
    })
}

impl Engine {
    /// Loads a GGUF chat model (`llama` or `gemma3` architecture) with its tokenizer and chat
    /// template.
    pub fn load(path: &Path) -> Result<Self, BackendError> {
        if !path.is_file() {
            return Err(BackendError::ModelFileMissing {
                path: PathBuf::from(path),
            });
        }
        let file_size = std::fs::metadata(path)
            .map_err(|e| load_err(path, e))?
            .len();
        let mut file = std::fs::File::open(path).map_err(|e| load_err(path, e))?;
        let ct = gguf_file::Content::read(&mut file).map_err(|e| load_err(path, e))?;
        let md_str = |k: &str| ct.metadata.get(k).and_then(|v| v.to_string().ok()).cloned();
        let architecture = md_str("general.architecture").unwrap_or_default();
        if !super::model::SUPPORTED_ARCHITECTURES.contains(&architecture.as_str()) {
            return Err(load_err(
                path,
                format!(
                    "architecture '{architecture}' is not supported (supported: {})",
                    super::model::SUPPORTED_ARCHITECTURES.join(", ")
                ),
            ));
        }
        let max_seq_len = ModelWeights::max_seq_len(&architecture);
        let context_length = ct
            .metadata
            .get(&format!("{architecture}.context_length"))
            .and_then(|v| v.to_u32().ok())
            .map_or(max_seq_len, |c| (c as usize).min(max_seq_len));
        let facts = ModelFacts {
            architecture,
            size_label: md_str("general.size_label"),
            quantization: ct
                .metadata
                .get("general.file_type")
                .and_then(|v| v.to_u32().ok())
                .and_then(file_type_name)
                .map(str::to_string),
            context_length,
            file_size,
        };
        let template = ChatTemplate::for_model(
            &facts.architecture,
            md_str("tokenizer.chat_template").as_deref(),
        )
        .map_err(|e| load_err(path, e))?;
        let tokenizer = GgufTokenizer::from_gguf(&ct).map_err(|e| load_err(path, e))?;
        let device = Device::Cpu;
        let model = ModelWeights::from_gguf(&facts.architecture, ct, &mut file, &device)
            .map_err(|e| load_err(path, e))?;
        Ok(Self {
            model,
            tokenizer,
            template,
            facts,
            device,
            vocab: None,
        })
    }

    /// The texts of the vocabulary's tokens (decoded once, then shared).
    pub fn vocab_view(&mut self) -> Result<std::sync::Arc<VocabView>, BackendError> {
        if let Some(v) = &self.vocab {
            return Ok(v.clone());
        }
        let n = self.tokenizer.vocab_size();
        let mut texts = Vec::with_capacity(n);
        for id in 0..n as u32 {
            let text = if self.tokenizer.is_stop(id) {
                None
            } else {
                // Special tokens decode to nothing and are left unusable that way.
                self.tokenizer.decode(&[id]).ok()
            };
            texts.push(text);
        }
        let view = std::sync::Arc::new(VocabView::new(texts));
        self.vocab = Some(view.clone());
        Ok(view)
    }

    /// Runs the model on `prompt` (already templated) under `constraint`: before each token the
    /// constraint says what may come; disallowed tokens are masked to -inf before sampling,
    /// forced literals are fed without sampling. Ends when the constraint ends the turn, or
    /// after `opts.max_tokens` emitted tokens (then `complete` is false). Greedy decoding
    /// (temperature 0) stays deterministic.
    pub fn generate_constrained(
        &mut self,
        prompt: &str,
        opts: &GenerateOptions,
        constraint: &mut dyn TokenConstraint,
    ) -> Result<ConstrainedGeneration, BackendError> {
        let vocab = self.vocab_view()?;
        let prompt_ids = self
            .tokenizer
            .encode_prompt(prompt)
            .map_err(BackendError::Inference)?;
        let context = self.facts.context_length;
        if prompt_ids.is_empty() {
            return Err(BackendError::InvalidRequest("the prompt is empty".into()));
        }
        if prompt_ids.len() >= context {
            return Err(BackendError::ContextOverflow {
                model: self.facts.size_label.clone().unwrap_or_default(),
                prompt_tokens: prompt_ids.len(),
                context,
            });
        }
        let mut sampler = sampler(opts);
        let greedy = opts.temperature.is_some_and(|t| t <= 0.0);
        let penalty = RepeatPenalty::of(opts);
        let max_new = opts
            .max_tokens
            .map_or(usize::MAX, |m| m as usize)
            .min(context - prompt_ids.len() - 1);

        self.model.clear_kv_cache();
        let t0 = Instant::now();
        let input = Tensor::new(prompt_ids.as_slice(), &self.device)
            .and_then(|t| t.unsqueeze(0))
            .map_err(infer_err)?;
        let mut logits = self.model.forward(&input, 0).map_err(infer_err)?;
        let prompt_eval = t0.elapsed();

        let t1 = Instant::now();
        let mut all: Vec<u32> = prompt_ids.clone();
        let mut text = String::new();
        let mut sampled = 0usize;
        let mut constraint_time = std::time::Duration::ZERO;
        loop {
            let emitted = all.len() - prompt_ids.len();
            let asked = Instant::now();
            let allowed = constraint.allowed(&vocab);
            constraint_time += asked.elapsed();
            let next: Vec<u32> = match allowed {
                Allowed::End => break,
                Allowed::Literal(lit) => {
                    let ids = self
                        .tokenizer
                        .encode(&lit)
                        .map_err(BackendError::Inference)?;
                    if emitted + ids.len() > max_new {
                        break;
                    }
                    text.push_str(&lit);
                    constraint.advance(&lit);
                    ids
                }
                allowed => {
                    if emitted >= max_new {
                        break;
                    }
                    let l = penalty.apply(&logits, &all, prompt_ids.len())?;
                    let mut values = l.to_vec1::<f32>().map_err(infer_err)?;
                    let masking = Instant::now();
                    mask(&mut values, &allowed, &vocab);
                    constraint_time += masking.elapsed();
                    let id = if greedy {
                        argmax(&values)
                    } else {
                        let masked =
                            Tensor::new(values.as_slice(), &self.device).map_err(infer_err)?;
                        Some(sampler.sample(&masked).map_err(infer_err)?)
                    };
                    let id = id
                        .filter(|&id| allowed_id(&allowed, &vocab, id))
                        .ok_or_else(|| {
                            BackendError::Inference("no token is allowed here".into())
                        })?;
                    sampled += 1;
                    let piece = vocab.text(id);
                    text.push_str(piece);
                    constraint.advance(piece);
                    vec![id]
                }
            };
            if next.is_empty() {
                continue;
            }
            // A forced literal goes through the model in one pass.
            let at = all.len();
            all.extend_from_slice(&next);
            logits = self
                .model
                .forward_ids(&next, at, &self.device)
                .map_err(infer_err)?;
        }
        Ok(ConstrainedGeneration {
            text,
            tokens: all.split_off(prompt_ids.len()),
            sampled_tokens: sampled,
            complete: constraint.is_complete(),
            prompt_tokens: prompt_ids.len(),
            prompt_eval,
            eval: t1.elapsed(),
            constraint_time,
        })
    }

    /// Runs the model on `prompt` (already templated) and decodes up to the options' limits.
    /// `on_piece` receives text as it is produced and returns false to cancel. `fault` (tests
    /// only) makes the output deliberately wrong.
    pub fn generate(
        &mut self,
        prompt: &str,
        opts: &GenerateOptions,
        fault: Option<Fault>,
        on_piece: &mut dyn FnMut(&str) -> bool,
    ) -> Result<Generation, BackendError> {
        let prompt_ids = self
            .tokenizer
            .encode_prompt(prompt)
            .map_err(BackendError::Inference)?;
        let context = self.facts.context_length;
        if prompt_ids.is_empty() {
            return Err(BackendError::InvalidRequest("the prompt is empty".into()));
        }
        if prompt_ids.len() >= context {
            return Err(BackendError::ContextOverflow {
                model: self.facts.size_label.clone().unwrap_or_default(),
                prompt_tokens: prompt_ids.len(),
                context,
            });
        }
        let mut sampler = sampler(opts);
        let penalty = RepeatPenalty::of(opts);
        let max_new = opts
            .max_tokens
            .map_or(usize::MAX, |m| m as usize)
            .min(context - prompt_ids.len());
        let mut stops = StopMatcher::new(&opts.stop);

        self.model.clear_kv_cache();
        let t0 = Instant::now();
        let input = Tensor::new(prompt_ids.as_slice(), &self.device)
            .and_then(|t| t.unsqueeze(0))
            .map_err(infer_err)?;
        let mut logits = self.model.forward(&input, 0).map_err(infer_err)?;
        let prompt_eval = t0.elapsed();

        let t1 = Instant::now();
        let mut all: Vec<u32> = prompt_ids.clone();
        let mut decoder = IncrementalDecoder::new(&self.tokenizer);
        let mut generated = 0usize;
        let greedy = opts.temperature.is_some_and(|t| t <= 0.0);
        let mut min_margin: Option<u32> = None;
        let done_reason = loop {
            if generated >= max_new {
                break DoneReason::Length;
            }
            let l = penalty.apply(&logits, &all, prompt_ids.len())?;
            if greedy {
                let gap = top_two_gap_milli(&l)?;
                min_margin = Some(min_margin.map_or(gap, |m| m.min(gap)));
            }
            let next = match fault {
                Some(Fault::WrongToken) if generated == FAULT_POSITION => self.least_likely(&l)?,
                _ => sampler.sample(&l).map_err(infer_err)?,
            };
            if self.tokenizer.is_stop(next) {
                break DoneReason::Stop;
            }
            generated += 1;
            all.push(next);
            if let Some(piece) = decoder.push(next).map_err(BackendError::Inference)? {
                let (emit, hit) = stops.push(&piece);
                if !emit.is_empty() && !on_piece(&emit) {
                    return Err(BackendError::Cancelled);
                }
                if hit {
                    break DoneReason::Stop;
                }
            }
            if generated >= max_new {
                break DoneReason::Length;
            }
            let input = Tensor::new(&[next], &self.device)
                .and_then(|t| t.unsqueeze(0))
                .map_err(infer_err)?;
            logits = self
                .model
                .forward(&input, all.len() - 1)
                .map_err(infer_err)?;
        };
        let rest = stops.finish();
        if !rest.is_empty() && !on_piece(&rest) {
            return Err(BackendError::Cancelled);
        }
        Ok(Generation {
            text: stops.text,
            tokens: all.split_off(prompt_ids.len()),
            done_reason,
            prompt_tokens: prompt_ids.len(),
            generated_tokens: generated,
            prompt_eval,
            eval: t1.elapsed(),
            min_margin_milli: min_margin,
        })
    }

    /// The logits of the next token after `ids` (the rendered prompt's tokens, its first
    /// `prompt_len`, then output tokens), from one forward pass over all of them on a fresh KV
    /// cache, with `opts`' repeat penalty applied exactly as generation applies it. `ids` must
    /// leave room in the context for the next token.
    pub fn next_logits(
        &mut self,
        ids: &[u32],
        prompt_len: usize,
        opts: &GenerateOptions,
    ) -> Result<Tensor, BackendError> {
        if ids.is_empty() || ids.len() >= self.facts.context_length {
            return Err(BackendError::InvalidRequest(format!(
                "{} tokens do not fit the model's context of {} tokens",
                ids.len(),
                self.facts.context_length
            )));
        }
        self.model.clear_kv_cache();
        let input = Tensor::new(ids, &self.device)
            .and_then(|t| t.unsqueeze(0))
            .map_err(infer_err)?;
        let logits = self.model.forward(&input, 0).map_err(infer_err);
        // Leave no state behind: the next request starts from nothing either way.
        self.model.clear_kv_cache();
        RepeatPenalty::of(opts).apply(&logits?, ids, prompt_len)
    }

    /// The least likely token under `logits` whose text stands for itself: no stop token, and
    /// one that decodes to whole characters and re-encodes to the same id (so the wrong output
    /// re-tokenizes to what was generated). For [`Fault::WrongToken`].
    fn least_likely(&self, logits: &Tensor) -> Result<u32, BackendError> {
        let values = logits.to_vec1::<f32>().map_err(infer_err)?;
        let mut order: Vec<u32> = (0..values.len() as u32).collect();
        order.sort_by(|&a, &b| values[a as usize].total_cmp(&values[b as usize]));
        order
            .into_iter()
            .find(|&id| {
                !self.tokenizer.is_stop(id)
                    && self.tokenizer.decode(&[id]).is_ok_and(|text| {
                        !text.is_empty()
                            && !text.contains('\u{FFFD}')
                            && self.tokenizer.encode(&text).is_ok_and(|ids| ids == [id])
                    })
            })
            .ok_or_else(|| BackendError::Inference("no token qualifies as a wrong token".into()))
    }
}

/// The repeat penalty generation applies before choosing a token: `repeat_penalty` (default
/// 1.1) on the distinct tokens among the last `repeat_last_n` (default 64) *generated* tokens,
/// never on the prompt's. It applies in greedy decoding too.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RepeatPenalty {
    pub penalty: f32,
    pub last_n: usize,
}

impl RepeatPenalty {
    pub fn of(opts: &GenerateOptions) -> Self {
        Self {
            penalty: opts.repeat_penalty.unwrap_or(DEFAULT_REPEAT_PENALTY),
            last_n: opts.repeat_last_n.unwrap_or(DEFAULT_REPEAT_LAST_N),
        }
    }

    /// `logits` (the model's output for the last position, shape `[1, vocab]`) as F32 with the
    /// penalty applied for the context `all` (prompt tokens first, `prompt_len` of them).
    pub fn apply(
        &self,
        logits: &Tensor,
        all: &[u32],
        prompt_len: usize,
    ) -> Result<Tensor, BackendError> {
        let l = logits
            .squeeze(0)
            .and_then(|l| l.to_dtype(DType::F32))
            .map_err(infer_err)?;
        if self.penalty == 1.0 || self.last_n == 0 {
            return Ok(l);
        }
        // Only generated tokens are penalised: penalising the prompt pushes the model away from
        // restating the question, which is how short answers begin.
        let start = all.len().saturating_sub(self.last_n).max(prompt_len);
        let recent = all.get(start..).unwrap_or_default();
        apply_repeat_penalty(&l, self.penalty, recent).map_err(infer_err)
    }
}

/// Sets the logits of tokens `allowed` rules out to -inf.
fn mask(values: &mut [f32], allowed: &Allowed, vocab: &VocabView) {
    match allowed {
        Allowed::Line => {
            for (v, &ok) in values.iter_mut().zip(vocab.line_mask()) {
                if !ok {
                    *v = f32::NEG_INFINITY;
                }
            }
            // Logits past the tokenizer's vocabulary (padding rows) are never allowed.
            for v in values.iter_mut().skip(vocab.len()) {
                *v = f32::NEG_INFINITY;
            }
        }
        Allowed::Tokens(ids) => {
            let kept: Vec<(usize, f32)> = ids
                .iter()
                .filter_map(|&id| values.get(id as usize).map(|&v| (id as usize, v)))
                .collect();
            values.fill(f32::NEG_INFINITY);
            for (i, v) in kept {
                values[i] = v;
            }
        }
        Allowed::Literal(_) | Allowed::End => {}
    }
}

fn allowed_id(allowed: &Allowed, vocab: &VocabView, id: u32) -> bool {
    match allowed {
        Allowed::Line => vocab.line_ok(id),
        Allowed::Tokens(ids) => ids.contains(&id),
        Allowed::Literal(_) | Allowed::End => false,
    }
}

/// The highest finite logit's index (the lowest index on ties), `None` when all are -inf.
fn argmax(values: &[f32]) -> Option<u32> {
    let mut best: Option<(usize, f32)> = None;
    for (i, &v) in values.iter().enumerate() {
        if v.is_finite() && best.is_none_or(|(_, b)| v > b) {
            best = Some((i, v));
        }
    }
    best.map(|(i, _)| i as u32)
}

/// The gap between the two highest logits, in thousandths (rounded, saturating).
fn top_two_gap_milli(logits: &Tensor) -> Result<u32, BackendError> {
    let values = logits.to_vec1::<f32>().map_err(infer_err)?;
    let (mut first, mut second) = (f32::NEG_INFINITY, f32::NEG_INFINITY);
    for v in values {
        if v > first {
            second = first;
            first = v;
        } else if v > second {
            second = v;
        }
    }
    let gap = f64::from(first - second) * 1000.0;
    Ok(if gap.is_finite() {
        gap.round().clamp(0.0, f64::from(u32::MAX)) as u32
    } else {
        u32::MAX
    })
}

fn sampler(opts: &GenerateOptions) -> LogitsProcessor {
    let seed = opts.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
    });
    let temperature = opts.temperature.unwrap_or(DEFAULT_TEMPERATURE);
    let sampling = if temperature <= 0.0 {
        Sampling::ArgMax
    } else {
        let k = opts.top_k.unwrap_or(DEFAULT_TOP_K);
        let p = opts.top_p.unwrap_or(DEFAULT_TOP_P);
        match (k, p < 1.0) {
            (0, false) => Sampling::All { temperature },
            (0, true) => Sampling::TopP { p, temperature },
            (k, false) => Sampling::TopK { k, temperature },
            (k, true) => Sampling::TopKThenTopP { k, p, temperature },
        }
    };
    LogitsProcessor::from_sampling(seed, sampling)
}

/// Accumulates generated text, holds back what could be the start of a stop string, and
/// reports when one appears (the stop string itself is not part of the output).
struct StopMatcher {
    stops: Vec<String>,
    hold: usize,
    text: String,
    sent: usize,
}

impl StopMatcher {
    fn new(stops: &[String]) -> Self {
        let stops: Vec<String> = stops.iter().filter(|s| !s.is_empty()).cloned().collect();
        let hold = stops.iter().map(|s| s.len()).max().unwrap_or(1) - 1;
        Self {
            stops,
            hold,
            text: String::new(),
            sent: 0,
        }
    }

    /// Adds a piece; returns the text now safe to emit and whether a stop string was hit.
    fn push(&mut self, piece: &str) -> (String, bool) {
        self.text.push_str(piece);
        let search_from = self.sent.saturating_sub(self.hold);
        let search_from = floor_char_boundary(&self.text, search_from);
        let hit = self
            .stops
            .iter()
            .filter_map(|s| {
                self.text[search_from..]
                    .find(s.as_str())
                    .map(|i| i + search_from)
            })
            .min();
        if let Some(at) = hit {
            self.text.truncate(at);
            return (self.take(at), true);
        }
        let safe = floor_char_boundary(&self.text, self.text.len().saturating_sub(self.hold));
        (self.take(safe), false)
    }

    fn take(&mut self, upto: usize) -> String {
        if upto <= self.sent {
            return String::new();
        }
        let out = self.text[self.sent..upto].to_string();
        self.sent = upto;
        out
    }

    /// The held-back remainder once generation is over.
    fn finish(&mut self) -> String {
        let end = self.text.len();
        self.take(end)
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::StopMatcher;

    #[test]
    fn stop_matcher_cuts_at_stop_across_pieces() {
        let mut m = StopMatcher::new(&["\n\n".to_string()]);
        let mut out = String::new();
        let mut hit = false;
        for p in ["Paris", ".", "\n", "\nMore"] {
            let (e, h) = m.push(p);
            out.push_str(&e);
            if h {
                hit = true;
                break;
            }
        }
        out.push_str(&m.finish());
        assert!(hit);
        assert_eq!(out, "Paris.");
        assert_eq!(m.text, "Paris.");
    }

    #[test]
    fn stop_matcher_without_stops_emits_everything() {
        let mut m = StopMatcher::new(&[]);
        assert_eq!(m.push("a").0, "a");
        assert_eq!(m.push("é").0, "é");
        assert_eq!(m.finish(), "");
    }
}
