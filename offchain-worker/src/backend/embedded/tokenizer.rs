//! The model's own tokenizer, built from the GGUF metadata (`tokenizer.ggml.*`).

use candle_core::quantized::gguf_file;
use candle_core::quantized::tokenizer::TokenizerFromGguf;
use tokenizers::decoders::byte_level::ByteLevel as ByteLevelDecoder;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::pre_tokenizers::digits::Digits;
use tokenizers::pre_tokenizers::sequence::Sequence;
use tokenizers::processors::byte_level::ByteLevel as ByteLevelProcessor;
use tokenizers::Tokenizer;

/// Byte-level BPE tokenizer with the GGUF's vocabulary, merges and special tokens.
pub struct GgufTokenizer {
    inner: Tokenizer,
    /// Tokens that end an assistant turn (`<|im_end|>`, `<|endoftext|>`).
    pub stop_ids: Vec<u32>,
}

impl GgufTokenizer {
    pub fn from_gguf(ct: &gguf_file::Content) -> Result<Self, String> {
        let mut inner = Tokenizer::from_gguf(ct).map_err(|e| format!("tokenizer: {e}"))?;
        let pre = ct
            .metadata
            .get("tokenizer.ggml.pre")
            .and_then(|v| v.to_string().ok())
            .cloned()
            .unwrap_or_default();
        if pre == "smollm" {
            // llama.cpp's `smollm` pre-tokenizer (and SmolLM2's tokenizer.json): single digits, then
            // GPT-2 byte-level splitting without an added prefix space. candle's generic fallback
            // would add a prefix space.
            let seq = Sequence::new(vec![
                Digits::new(true).into(),
                ByteLevel::new(false, true, true).into(),
            ]);
            inner.with_pre_tokenizer(Some(seq));
            inner.with_decoder(Some(ByteLevelDecoder::new(false, true, true)));
            inner.with_post_processor(Some(ByteLevelProcessor::new(false, true, true)));
        }
        let eos = ct
            .metadata
            .get("tokenizer.ggml.eos_token_id")
            .and_then(|v| v.to_u32().ok());
        let mut stop_ids: Vec<u32> = eos.into_iter().collect();
        for t in ["<|im_end|>", "<|endoftext|>", "<|eot_id|>"] {
            if let Some(id) = inner.token_to_id(t) {
                if !stop_ids.contains(&id) {
                    stop_ids.push(id);
                }
            }
        }
        Ok(Self { inner, stop_ids })
    }

    /// Token ids of `text`; special tokens written in the text (`<|im_start|>`) become their ids.
    pub fn encode(&self, text: &str) -> Result<Vec<u32>, String> {
        self.inner
            .encode(text, false)
            .map(|e| e.get_ids().to_vec())
            .map_err(|e| format!("encode: {e}"))
    }

    pub fn decode(&self, ids: &[u32]) -> Result<String, String> {
        self.inner
            .decode(ids, true)
            .map_err(|e| format!("decode: {e}"))
    }

    pub fn token_to_id(&self, token: &str) -> Option<u32> {
        self.inner.token_to_id(token)
    }

    pub fn id_to_token(&self, id: u32) -> Option<String> {
        self.inner.id_to_token(id)
    }

    pub fn is_stop(&self, id: u32) -> bool {
        self.stop_ids.contains(&id)
    }
}

/// Turns generated ids into text pieces without splitting UTF-8 characters across pieces.
pub struct IncrementalDecoder<'a> {
    tok: &'a GgufTokenizer,
    ids: Vec<u32>,
    emitted: usize,
}

impl<'a> IncrementalDecoder<'a> {
    pub fn new(tok: &'a GgufTokenizer) -> Self {
        Self {
            tok,
            ids: Vec::new(),
            emitted: 0,
        }
    }

    /// Adds a token; returns the new complete text, if any.
    pub fn push(&mut self, id: u32) -> Result<Option<String>, String> {
        self.ids.push(id);
        let text = self.tok.decode(&self.ids)?;
        if text.ends_with('\u{FFFD}') || text.len() <= self.emitted {
            return Ok(None);
        }
        let piece = text.get(self.emitted..).map(str::to_string);
        self.emitted = text.len();
        Ok(piece)
    }
}
