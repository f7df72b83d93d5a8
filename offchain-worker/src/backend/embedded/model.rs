//! The transformer behind the engine, by GGUF `general.architecture`: `llama` (SmolLM2) runs on
//! candle's `quantized_llama`, `gemma3` on candle's `quantized_gemma3` as vendored in
//! [`super::gemma3`] (smaller rope tables, a working mask after a cached prefix).

use super::gemma3 as quantized_gemma3;
use candle_core::quantized::gguf_file;
use candle_core::{Device, Result, Tensor};
use candle_transformers::models::quantized_llama;

/// The architectures the embedded engine runs.
pub const SUPPORTED_ARCHITECTURES: &[&str] = &["llama", "gemma3"];

/// Quantized weights of one supported architecture.
pub enum ModelWeights {
    /// `llama` (SmolLM2 and other llama-style models).
    Llama(quantized_llama::ModelWeights),
    /// `gemma3` (Gemma 3 text models).
    Gemma3(quantized_gemma3::ModelWeights),
}

impl ModelWeights {
    /// Loads the weights for `architecture` from the GGUF.
    pub fn from_gguf<R: std::io::Seek + std::io::Read>(
        architecture: &str,
        ct: gguf_file::Content,
        reader: &mut R,
        device: &Device,
    ) -> Result<Self> {
        match architecture {
            "llama" => {
                quantized_llama::ModelWeights::from_gguf(ct, reader, device).map(Self::Llama)
            }
            "gemma3" => {
                quantized_gemma3::ModelWeights::from_gguf(ct, reader, device).map(Self::Gemma3)
            }
            other => candle_core::bail!(
                "architecture '{other}' is not supported (supported: {})",
                SUPPORTED_ARCHITECTURES.join(", ")
            ),
        }
    }

    /// The longest sequence the implementation's rope table covers.
    pub fn max_seq_len(architecture: &str) -> usize {
        match architecture {
            "gemma3" => quantized_gemma3::MAX_SEQ_LEN,
            _ => quantized_llama::MAX_SEQ_LEN,
        }
    }

    /// Logits for the last position of `x` (`[1, seq]` token ids at `index_pos`), `[1, vocab]`.
    pub fn forward(&mut self, x: &Tensor, index_pos: usize) -> Result<Tensor> {
        match self {
            Self::Llama(m) => m.forward(x, index_pos),
            Self::Gemma3(m) => m.forward(x, index_pos),
        }
    }

    /// Feeds `ids` after `index_pos` cached positions and returns the logits after the last
    /// one. In one pass where the implementation allows it; `quantized_gemma3`'s mask fails
    /// for several tokens after a cached prefix, so Gemma takes them one at a time.
    pub fn forward_ids(
        &mut self,
        ids: &[u32],
        index_pos: usize,
        device: &Device,
    ) -> Result<Tensor> {
        let one_pass = matches!(self, Self::Llama(_)) || index_pos == 0;
        let chunk = if one_pass { ids.len().max(1) } else { 1 };
        let mut logits = None;
        for (n, part) in ids.chunks(chunk).enumerate() {
            let input = Tensor::new(part, device)?.unsqueeze(0)?;
            logits = Some(self.forward(&input, index_pos + n * chunk)?);
        }
        logits.ok_or_else(|| candle_core::Error::Msg("no tokens to feed".into()))
    }

    /// Forgets the KV cache. (`quantized_gemma3` starts afresh whenever `index_pos` is 0.)
    pub fn clear_kv_cache(&mut self) {
        match self {
            Self::Llama(m) => m.clear_kv_cache(),
            Self::Gemma3(_) => {}
        }
    }
}
