//! SentencePiece-style tokenizer built from GGUF metadata (`tokenizer.ggml.model = "llama"`),
//! as Gemma's GGUF files carry it: a vocabulary with scores (higher merges first), byte
//! fallback tokens `<0xXX>`, and control / user-defined tokens matched verbatim in the text.
//! The merge algorithm is llama.cpp's SPM tokenizer: start from characters, repeatedly merge
//! the adjacent pair whose concatenation is a vocabulary token with the highest score
//! (leftmost on ties); characters that never become a token are spelled with byte tokens.

use candle_core::quantized::gguf_file;
use std::collections::{BinaryHeap, HashMap};

/// GGUF `tokenizer.ggml.token_type` values.
const TYPE_NORMAL: u32 = 1;
const TYPE_CONTROL: u32 = 3;
const TYPE_USER_DEFINED: u32 = 4;
const TYPE_BYTE: u32 = 6;

/// SentencePiece's word-boundary marker (U+2581), standing for a space.
const SPACE_MARK: char = '\u{2581}';

/// A SentencePiece BPE vocabulary with its scores and special tokens.
pub struct SpmTokenizer {
    tokens: Vec<String>,
    scores: Vec<f32>,
    types: Vec<u32>,
    ids: HashMap<String, u32>,
    /// Control and user-defined tokens, matched verbatim in the text before merging.
    specials: HashMap<String, u32>,
    /// Longest special token, in bytes.
    special_max_len: usize,
    /// Byte fallback token ids, indexed by byte value.
    byte_ids: [Option<u32>; 256],
    /// Whether a space is added before the text (`tokenizer.ggml.add_space_prefix`).
    add_space_prefix: bool,
}

#[derive(Debug, PartialEq)]
struct Bigram {
    score: f32,
    left: usize,
    right: usize,
    len: usize,
}

impl Eq for Bigram {}

impl Ord for Bigram {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.score
            .total_cmp(&other.score)
            .then_with(|| other.left.cmp(&self.left))
    }
}

impl PartialOrd for Bigram {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

#[derive(Clone, Copy)]
struct Symbol {
    prev: Option<usize>,
    next: Option<usize>,
    start: usize,
    len: usize,
}

impl SpmTokenizer {
    /// Builds the tokenizer from the GGUF's `tokenizer.ggml.*` metadata.
    pub fn from_gguf(ct: &gguf_file::Content) -> Result<Self, String> {
        let md = |k: &str| {
            ct.metadata
                .get(k)
                .ok_or_else(|| format!("no {k} in the GGUF"))
        };
        let tokens: Vec<String> = md("tokenizer.ggml.tokens")?
            .to_vec()
            .map_err(|e| e.to_string())?
            .iter()
            .map(|v| v.to_string().cloned().map_err(|e| e.to_string()))
            .collect::<Result<_, _>>()?;
        let scores: Vec<f32> = md("tokenizer.ggml.scores")?
            .to_vec()
            .map_err(|e| e.to_string())?
            .iter()
            .map(|v| v.to_f32().map_err(|e| e.to_string()))
            .collect::<Result<_, _>>()?;
        let types: Vec<u32> = match md("tokenizer.ggml.token_type") {
            Ok(v) => v
                .to_vec()
                .map_err(|e| e.to_string())?
                .iter()
                .map(|v| v.to_i32().map(|t| t as u32).or_else(|_| v.to_u32()))
                .collect::<Result<_, _>>()
                .map_err(|e| e.to_string())?,
            Err(_) => vec![TYPE_NORMAL; tokens.len()],
        };
        if tokens.is_empty() || scores.len() != tokens.len() || types.len() != tokens.len() {
            return Err(format!(
                "inconsistent vocabulary: {} tokens, {} scores, {} types",
                tokens.len(),
                scores.len(),
                types.len()
            ));
        }
        if u32::try_from(tokens.len()).is_err() {
            return Err("vocabulary too large".into());
        }
        let add_space_prefix = ct
            .metadata
            .get("tokenizer.ggml.add_space_prefix")
            .and_then(|v| v.to_bool().ok())
            .unwrap_or(true);
        let mut ids = HashMap::with_capacity(tokens.len());
        let mut specials = HashMap::new();
        let mut byte_ids = [None; 256];
        for (i, (tok, &ty)) in tokens.iter().zip(&types).enumerate() {
            let id = i as u32;
            match ty {
                TYPE_CONTROL | TYPE_USER_DEFINED if !tok.is_empty() => {
                    specials.entry(tok.clone()).or_insert(id);
                }
                TYPE_BYTE => {
                    if let Some(b) = parse_byte_token(tok) {
                        byte_ids[b as usize].get_or_insert(id);
                    }
                }
                _ => {}
            }
            ids.entry(tok.clone()).or_insert(id);
        }
        let special_max_len = specials.keys().map(String::len).max().unwrap_or(0);
        Ok(Self {
            tokens,
            scores,
            types,
            ids,
            specials,
            special_max_len,
            byte_ids,
            add_space_prefix,
        })
    }

    /// Token ids of `text`; control and user-defined tokens written in the text become their ids.
    pub fn encode(&self, text: &str) -> Result<Vec<u32>, String> {
        let mut out = Vec::new();
        let mut plain_start = 0;
        let mut i = 0;
        let bytes = text.as_bytes();
        let mut first = true;
        while i < bytes.len() {
            if let Some((len, id)) = self.special_at(text, i) {
                if plain_start < i {
                    self.encode_plain(&text[plain_start..i], first, &mut out)?;
                }
                first = false;
                out.push(id);
                i += len;
                plain_start = i;
            } else {
                i += utf8_len(bytes[i]);
            }
        }
        if plain_start < text.len() {
            self.encode_plain(&text[plain_start..], first, &mut out)?;
        }
        Ok(out)
    }

    /// The longest special token starting at byte `at` of `text`.
    fn special_at(&self, text: &str, at: usize) -> Option<(usize, u32)> {
        let rest = &text[at..];
        let max = self.special_max_len.min(rest.len());
        (1..=max)
            .rev()
            .filter(|&l| rest.is_char_boundary(l))
            .find_map(|l| self.specials.get(&rest[..l]).map(|&id| (l, id)))
    }

    fn encode_plain(&self, text: &str, first: bool, out: &mut Vec<u32>) -> Result<(), String> {
        let mut norm = String::with_capacity(text.len() + 3);
        if first && self.add_space_prefix {
            norm.push(SPACE_MARK);
        }
        norm.extend(text.chars().map(|c| if c == ' ' { SPACE_MARK } else { c }));
        let mut symbols: Vec<Symbol> = Vec::with_capacity(norm.len());
        for (n, (start, c)) in norm.char_indices().enumerate() {
            symbols.push(Symbol {
                prev: n.checked_sub(1),
                next: None,
                start,
                len: c.len_utf8(),
            });
            if let Some(p) = n.checked_sub(1) {
                symbols[p].next = Some(n);
            }
        }
        let mut heap = BinaryHeap::new();
        for left in 1..symbols.len() {
            self.push_bigram(&norm, &symbols, left - 1, left, &mut heap);
        }
        while let Some(b) = heap.pop() {
            let (l, r) = (symbols[b.left], symbols[b.right]);
            // Stale: one side was merged away or changed since the bigram was queued.
            if l.len == 0 || r.len == 0 || l.len + r.len != b.len || l.next != Some(b.right) {
                continue;
            }
            symbols[b.left].len += r.len;
            symbols[b.left].next = r.next;
            symbols[b.right].len = 0;
            if let Some(n) = r.next {
                symbols[n].prev = Some(b.left);
            }
            if let Some(p) = l.prev {
                self.push_bigram(&norm, &symbols, p, b.left, &mut heap);
            }
            if let Some(n) = r.next {
                self.push_bigram(&norm, &symbols, b.left, n, &mut heap);
            }
        }
        let mut at = if symbols.is_empty() { None } else { Some(0) };
        while let Some(s) = at {
            let sym = symbols[s];
            let piece = &norm[sym.start..sym.start + sym.len];
            match self.ids.get(piece) {
                Some(&id) => out.push(id),
                None => {
                    for b in piece.bytes() {
                        let id = self.byte_ids[b as usize]
                            .ok_or_else(|| format!("no byte token for 0x{b:02X}"))?;
                        out.push(id);
                    }
                }
            }
            at = sym.next;
        }
        Ok(())
    }

    fn push_bigram(
        &self,
        norm: &str,
        symbols: &[Symbol],
        left: usize,
        right: usize,
        heap: &mut BinaryHeap<Bigram>,
    ) {
        let (l, r) = (symbols[left], symbols[right]);
        let text = &norm[l.start..r.start + r.len];
        if let Some(&id) = self.ids.get(text) {
            if self.types[id as usize] == TYPE_NORMAL {
                heap.push(Bigram {
                    score: self.scores[id as usize],
                    left,
                    right,
                    len: text.len(),
                });
            }
        }
    }

    /// Text of `ids`; control tokens are left out, byte tokens become their bytes.
    pub fn decode(&self, ids: &[u32]) -> Result<String, String> {
        let mut bytes = Vec::new();
        for &id in ids {
            let i = id as usize;
            let tok = self.tokens.get(i).ok_or_else(|| format!("no token {id}"))?;
            match self.types[i] {
                TYPE_CONTROL => {}
                TYPE_BYTE => match parse_byte_token(tok) {
                    Some(b) => bytes.push(b),
                    None => bytes.extend_from_slice(tok.as_bytes()),
                },
                _ => {
                    for c in tok.chars() {
                        let c = if c == SPACE_MARK { ' ' } else { c };
                        let mut buf = [0u8; 4];
                        bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    }
                }
            }
        }
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// The id of a token's vocabulary string (`<end_of_turn>`, `▁the`).
    pub fn token_to_id(&self, token: &str) -> Option<u32> {
        self.ids.get(token).copied()
    }

    /// The vocabulary string of a token.
    pub fn id_to_token(&self, id: u32) -> Option<String> {
        self.tokens.get(id as usize).cloned()
    }

    /// Number of tokens in the vocabulary.
    pub fn vocab_size(&self) -> usize {
        self.tokens.len()
    }
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// `<0x0A>` → 10.
fn parse_byte_token(tok: &str) -> Option<u8> {
    let hex = tok.strip_prefix("<0x")?.strip_suffix('>')?;
    if hex.len() != 2 {
        return None;
    }
    u8::from_str_radix(hex, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> SpmTokenizer {
        let vocab: &[(&str, f32, u32)] = &[
            ("<pad>", 0.0, TYPE_CONTROL),
            ("<eos>", 0.0, TYPE_CONTROL),
            ("<0x41>", 0.0, TYPE_BYTE),
            ("<0xC3>", 0.0, TYPE_BYTE),
            ("<0xA9>", 0.0, TYPE_BYTE),
            ("\n", 0.0, TYPE_USER_DEFINED),
            ("a", -10.0, TYPE_NORMAL),
            ("b", -10.0, TYPE_NORMAL),
            ("▁", -10.0, TYPE_NORMAL),
            ("ab", -1.0, TYPE_NORMAL),
            ("▁ab", -2.0, TYPE_NORMAL),
            ("bb", -0.5, TYPE_NORMAL),
        ];
        let tokens: Vec<String> = vocab.iter().map(|v| v.0.to_string()).collect();
        let ids = tokens
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), i as u32))
            .collect();
        let mut byte_ids = [None; 256];
        byte_ids[0x41] = Some(2);
        byte_ids[0xC3] = Some(3);
        byte_ids[0xA9] = Some(4);
        let specials: HashMap<String, u32> = vocab
            .iter()
            .enumerate()
            .filter(|(_, v)| v.2 == TYPE_CONTROL || v.2 == TYPE_USER_DEFINED)
            .map(|(i, v)| (v.0.to_string(), i as u32))
            .collect();
        SpmTokenizer {
            scores: vocab.iter().map(|v| v.1).collect(),
            types: vocab.iter().map(|v| v.2).collect(),
            tokens,
            ids,
            special_max_len: 5,
            specials,
            byte_ids,
            add_space_prefix: false,
        }
    }

    #[test]
    fn merges_by_score_and_falls_back_to_bytes() {
        let t = tiny();
        // "abb": "bb" (-0.5) beats "ab" (-1.0).
        assert_eq!(t.encode("abb").expect("encode"), vec![6, 11]);
        assert_eq!(t.encode(" ab").expect("encode"), vec![10]);
        assert_eq!(t.encode("Aé").expect("encode"), vec![2, 3, 4]);
        assert_eq!(t.encode("ab<eos>\nab").expect("encode"), vec![9, 1, 5, 9]);
        assert_eq!(t.decode(&[10, 1, 5, 3, 4]).expect("decode"), " ab\né");
    }
}
