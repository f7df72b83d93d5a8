//! The model's own tokenizer, built from the GGUF metadata (`tokenizer.ggml.*`): byte-level
//! BPE (`gpt2`, SmolLM2) through the `tokenizers` crate, SentencePiece (`llama`, Gemma) through
//! [`SpmTokenizer`].

use super::spm::SpmTokenizer;
use candle_core::quantized::gguf_file;
use candle_core::quantized::tokenizer::TokenizerFromGguf;
use tokenizers::decoders::byte_level::ByteLevel as ByteLevelDecoder;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::pre_tokenizers::digits::Digits;
use tokenizers::pre_tokenizers::sequence::Sequence;
use tokenizers::processors::byte_level::ByteLevel as ByteLevelProcessor;
use tokenizers::Tokenizer;

/// The GGUF's tokenizer with its vocabulary, merges and special tokens.
pub struct GgufTokenizer {
    inner: Inner,
    /// Tokens that end an assistant turn (`<|im_end|>`, `<|endoftext|>`, `<end_of_turn>`).
    pub stop_ids: Vec<u32>,
    /// Token put before every prompt (`tokenizer.ggml.add_bos_token`; Gemma's `<bos>`).
    pub bos_id: Option<u32>,
}

enum Inner {
    Bpe(Box<Tokenizer>),
    Spm(Box<SpmTokenizer>),
}

impl GgufTokenizer {
    /// Builds the tokenizer `tokenizer.ggml.model` names (`gpt2` or `llama`).
    pub fn from_gguf(ct: &gguf_file::Content) -> Result<Self, String> {
        let kind = ct
            .metadata
            .get("tokenizer.ggml.model")
            .and_then(|v| v.to_string().ok())
            .cloned()
            .unwrap_or_default();
        let inner = if kind == "llama" {
            Inner::Spm(Box::new(SpmTokenizer::from_gguf(ct)?))
        } else {
            Inner::Bpe(Box::new(Self::bpe_from_gguf(ct)?))
        };
        let md_u32 = |k: &str| ct.metadata.get(k).and_then(|v| v.to_u32().ok());
        let eos = md_u32("tokenizer.ggml.eos_token_id");
        let add_bos = matches!(inner, Inner::Spm(_))
            && ct
                .metadata
                .get("tokenizer.ggml.add_bos_token")
                .and_then(|v| v.to_bool().ok())
                .unwrap_or(false);
        let mut this = Self {
            inner,
            stop_ids: eos.into_iter().collect(),
            bos_id: None,
        };
        this.bos_id = md_u32("tokenizer.ggml.bos_token_id")
            .filter(|&id| add_bos && this.id_to_token(id).is_some());
        for t in [
            "<|im_end|>",
            "<|endoftext|>",
            "<|eot_id|>",
            "<end_of_turn>",
            "<eos>",
        ] {
            if let Some(id) = this.token_to_id(t) {
                if !this.stop_ids.contains(&id) {
                    this.stop_ids.push(id);
                }
            }
        }
        Ok(this)
    }

    fn bpe_from_gguf(ct: &gguf_file::Content) -> Result<Tokenizer, String> {
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
        Ok(inner)
    }

    /// Token ids of `text`; special tokens written in the text (`<|im_start|>`) become their ids.
    pub fn encode(&self, text: &str) -> Result<Vec<u32>, String> {
        match &self.inner {
            Inner::Bpe(t) => t
                .encode(text, false)
                .map(|e| e.get_ids().to_vec())
                .map_err(|e| format!("encode: {e}")),
            Inner::Spm(t) => t.encode(text),
        }
    }

    /// Token ids of a whole prompt: [`Self::encode`], after the BOS token where the model wants
    /// one (Gemma).
    pub fn encode_prompt(&self, text: &str) -> Result<Vec<u32>, String> {
        let mut ids = self.encode(text)?;
        if let Some(bos) = self.bos_id {
            if ids.first() != Some(&bos) {
                ids.insert(0, bos);
            }
        }
        Ok(ids)
    }

    /// Text of `ids`, special tokens left out.
    pub fn decode(&self, ids: &[u32]) -> Result<String, String> {
        match &self.inner {
            Inner::Bpe(t) => t.decode(ids, true).map_err(|e| format!("decode: {e}")),
            Inner::Spm(t) => t.decode(ids),
        }
    }

    /// The id of a vocabulary string.
    pub fn token_to_id(&self, token: &str) -> Option<u32> {
        match &self.inner {
            Inner::Bpe(t) => t.token_to_id(token),
            Inner::Spm(t) => t.token_to_id(token),
        }
    }

    /// The vocabulary string of an id.
    pub fn id_to_token(&self, id: u32) -> Option<String> {
        match &self.inner {
            Inner::Bpe(t) => t.id_to_token(id),
            Inner::Spm(t) => t.id_to_token(id),
        }
    }

    /// Number of tokens in the vocabulary (added tokens included).
    pub fn vocab_size(&self) -> usize {
        match &self.inner {
            Inner::Bpe(t) => t.get_vocab_size(true),
            Inner::Spm(t) => t.vocab_size(),
        }
    }

    /// Whether `id` ends an assistant turn.
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
