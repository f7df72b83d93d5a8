//! How a map-reduce task's input becomes shards, and how the shards' outputs become the reduce
//! job's prompt. Pure functions: the same input always gives the same shards and prompt.
//!
//! ## Shards
//! A **paragraph** is a maximal run of non-blank lines (a blank line is empty or only
//! whitespace; `\n` and `\r\n` both end a line). The input's paragraphs are split into exactly
//! `n` contiguous groups (`n` at most the number of paragraphs), choosing the split whose
//! longest group, in characters, is shortest (binary search on that length, then a greedy
//! split that closes a group early only when each paragraph left must have a group of its
//! own). A shard's prompt is the input from its first paragraph's first byte to its last
//! paragraph's last byte: the blank lines between its paragraphs are kept as written.
//!
//! ## The reduce prompt
//! ```text
//! The text below was processed in N parts. Combine the results of the parts, given in order, into one answer.
//!
//! [1]
//! <the agreed output of shard 1, at most share characters>
//!
//! [2]
//! ...
//! ```
//! `share` ([`share_chars`]) is what is left of the job prompt limit
//! ([`aitbc_primitives::MAX_PROMPT_CHARS`]) after the header and the labels, divided by `n`, so
//! the prompt always fits. Each shard job's token limit is `share / CHARS_PER_TOKEN`, at most
//! [`aitbc_primitives::REDUNDANT_DEFAULT_MAX_TOKENS`] (256, the limit a redundant job gets when
//! it names none, and what a miner daemon takes by default: it refuses a redundant job asking
//! for more than its own `--max-tokens`) ([`shard_max_tokens`]): English text in the
//! byte-pair vocabularies of today's models averages about four characters a token, so most
//! outputs fit their share whole; an output longer than its share (long tokens, other
//! scripts) is cut to its first `share` characters, and the task records that it was. Outputs that are not valid UTF-8 are read lossily (each
//! invalid sequence becomes U+FFFD).

use aitbc_primitives::{MAX_PROMPT_CHARS, REDUNDANT_DEFAULT_MAX_TOKENS};
use alloc::{format, string::String, vec::Vec};

/// The characters of an output assumed per token when sizing a shard's token limit (not a
/// bound: outputs are cut to their share whatever their tokens).
pub const CHARS_PER_TOKEN: u32 = 4;

/// A paragraph: its byte range in the input, and its character range.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Paragraph {
    /// First byte.
    pub start: usize,
    /// One past its last byte.
    pub end: usize,
    /// Characters before its first byte.
    pub start_char: usize,
    /// Characters before its end.
    pub end_char: usize,
}

/// The paragraphs of `text`, in order.
pub fn paragraphs(text: &str) -> Vec<Paragraph> {
    let mut out = Vec::new();
    let mut open: Option<Paragraph> = None;
    let (mut byte, mut chars) = (0usize, 0usize);
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches('\n').trim_end_matches('\r');
        let content_chars = content.chars().count();
        if content.trim().is_empty() {
            if let Some(p) = open.take() {
                out.push(p);
            }
        } else {
            let p = open.get_or_insert(Paragraph {
                start: byte,
                end: byte,
                start_char: chars,
                end_char: chars,
            });
            p.end = byte + content.len();
            p.end_char = chars + content_chars;
        }
        byte += line.len();
        chars += line.chars().count();
    }
    if let Some(p) = open {
        out.push(p);
    }
    out
}

/// A shard: the paragraphs `first..=last` of the input.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Shard {
    /// Its first byte in the input.
    pub start: usize,
    /// One past its last byte.
    pub end: usize,
    /// Its characters.
    pub chars: usize,
}

fn span(p: &[Paragraph], first: usize, last: usize) -> usize {
    p[last].end_char - p[first].start_char
}

/// How many groups the greedy split with longest group `max` makes.
fn groups_at_most(p: &[Paragraph], max: usize) -> usize {
    let mut groups = 1;
    let mut first = 0;
    for j in 1..p.len() {
        if span(p, first, j) > max {
            groups += 1;
            first = j;
        }
    }
    groups
}

/// Split `paragraphs` into exactly `n` contiguous shards whose longest is as short as it can
/// be. `None` when `n` is 0 or more than the paragraphs.
pub fn shards(p: &[Paragraph], n: usize) -> Option<Vec<Shard>> {
    if n == 0 || n > p.len() {
        return None;
    }
    // The shortest longest group: between the longest paragraph and the whole input.
    let mut lo = p.iter().map(|q| q.end_char - q.start_char).max()?;
    let mut hi = span(p, 0, p.len() - 1);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if groups_at_most(p, mid) <= n {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    let max = lo;
    let mut out = Vec::with_capacity(n);
    let mut first = 0;
    for j in 1..p.len() {
        let left = p.len() - j;
        let to_open = n - out.len() - 1;
        if span(p, first, j) > max || left == to_open {
            out.push((first, j - 1));
            first = j;
        }
    }
    out.push((first, p.len() - 1));
    Some(
        out.into_iter()
            .map(|(a, b)| Shard {
                start: p[a].start,
                end: p[b].end,
                chars: span(p, a, b),
            })
            .collect(),
    )
}

/// The reduce prompt's first line for `n` shards.
pub fn header(n: usize) -> String {
    format!(
        "The text below was processed in {n} parts. Combine the results of the parts, given in order, into one answer.\n"
    )
}

/// Shard `i`'s label (from 0; shown from 1) with the blank line before it.
fn label(i: usize) -> String {
    format!("\n[{}]\n", i + 1)
}

/// Characters of each shard's output the reduce prompt of `n` shards keeps.
pub fn share_chars(n: usize) -> u32 {
    let n = n.max(1);
    let fixed =
        header(n).chars().count() + (0..n).map(|i| label(i).chars().count() + 1).sum::<usize>();
    ((MAX_PROMPT_CHARS as usize).saturating_sub(fixed) / n) as u32
}

/// The token limit of each shard job of a task of `n` shards.
pub fn shard_max_tokens(n: usize) -> u32 {
    (share_chars(n) / CHARS_PER_TOKEN).clamp(1, REDUNDANT_DEFAULT_MAX_TOKENS)
}

/// The reduce prompt over the shards' agreed `outputs` (in shard order), each cut to `share`
/// characters. Returns the prompt and, per shard, whether its output was cut.
pub fn reduce_prompt(outputs: &[&[u8]], share: u32) -> (String, Vec<bool>) {
    let mut prompt = header(outputs.len());
    let mut cut = Vec::with_capacity(outputs.len());
    for (i, out) in outputs.iter().enumerate() {
        let text = String::from_utf8_lossy(out);
        let kept: String = text.chars().take(share as usize).collect();
        cut.push(kept.len() < text.len());
        prompt.push_str(&label(i));
        prompt.push_str(&kept);
        prompt.push('\n');
    }
    (prompt, cut)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn texts(input: &str, shards: &[Shard]) -> Vec<String> {
        shards
            .iter()
            .map(|s| input[s.start..s.end].to_string())
            .collect()
    }

    #[test]
    fn paragraphs_are_runs_of_non_blank_lines() {
        let input = "\n\nFirst line\nstill first\n\n  \nSecond é\r\n\r\nThird\n\n\n";
        let p = paragraphs(input);
        let t: Vec<&str> = p.iter().map(|p| &input[p.start..p.end]).collect();
        assert_eq!(t, vec!["First line\nstill first", "Second é", "Third"]);
        assert_eq!(p[1].end_char - p[1].start_char, 8, "é is one character");
        assert!(paragraphs("").is_empty());
        assert!(paragraphs(" \n\t\n").is_empty());
        assert_eq!(paragraphs("one").len(), 1);
    }

    #[test]
    fn shards_are_balanced_in_characters_and_keep_the_text_between_paragraphs() {
        let input = "aaaa\n\nbb\n\n\ncc\n\nd\n\neeeeeeee";
        let p = paragraphs(input);
        assert_eq!(p.len(), 5);
        let s = shards(&p, 2).unwrap();
        // 13 and 11 characters: no split has a shorter longest shard (the last paragraph
        // alone would leave 16 before it).
        assert_eq!(
            texts(input, &s),
            vec!["aaaa\n\nbb\n\n\ncc", "d\n\neeeeeeee"]
        );
        assert_eq!((s[0].chars, s[1].chars), (13, 11));
        let s = shards(&p, 5).unwrap();
        assert_eq!(texts(input, &s), vec!["aaaa", "bb", "cc", "d", "eeeeeeee"]);
        assert_eq!(shards(&p, 6), None);
        assert_eq!(shards(&p, 0), None);
        assert_eq!(shards(&[], 1), None);
    }

    #[test]
    fn the_reduce_prompt_always_fits_and_cuts_long_outputs() {
        for n in 1..=crate::MAX_SHARDS as usize {
            let share = share_chars(n);
            assert!(share > 0, "n = {n}");
            let long = alloc::vec![b'x'; 10_000];
            let outputs: Vec<&[u8]> = (0..n).map(|_| &long[..]).collect();
            let (prompt, cut) = reduce_prompt(&outputs, share);
            assert!(
                prompt.chars().count() <= MAX_PROMPT_CHARS as usize,
                "n = {n}: {} chars",
                prompt.chars().count()
            );
            assert!(cut.iter().all(|c| *c));
            assert!(shard_max_tokens(n) >= 1);
        }
        assert_eq!(share_chars(64), 53);
        assert_eq!(shard_max_tokens(64), 13);
        assert_eq!(shard_max_tokens(4), 241);
        // Two shards could take 485 tokens each; the redundant default caps them.
        assert_eq!(shard_max_tokens(2), 256);
        let (prompt, cut) = reduce_prompt(&[b"Paris", b"Lyon \xff"], share_chars(2));
        assert_eq!(
            prompt,
            "The text below was processed in 2 parts. Combine the results of the parts, given in order, into one answer.\n\n[1]\nParis\n\n[2]\nLyon \u{fffd}\n"
        );
        assert_eq!(cut, vec![false, false]);
    }

    /// The smallest possible longest group, by brute force.
    fn best(p: &[Paragraph], n: usize) -> usize {
        fn go(p: &[Paragraph], first: usize, n: usize) -> usize {
            if n == 1 {
                return span(p, first, p.len() - 1);
            }
            (first..=p.len() - n)
                .map(|last| span(p, first, last).max(go(p, last + 1, n - 1)))
                .min()
                .unwrap_or(usize::MAX)
        }
        go(p, 0, n)
    }

    proptest! {
        #[test]
        fn shards_cover_the_paragraphs_in_order_and_are_optimal(
            paras in proptest::collection::vec("[a-zé ]{1,12}", 1..9),
            gaps in proptest::collection::vec(prop_oneof!["\n\n", "\n \n", "\r\n\r\n", "\n\n\n"], 8),
            n in 1usize..10,
        ) {
            let mut input = String::new();
            for (i, para) in paras.iter().enumerate() {
                if i > 0 {
                    input.push_str(&gaps[i % gaps.len()]);
                }
                input.push_str(para);
            }
            let p = paragraphs(&input);
            let expected: Vec<&str> = paras.iter().map(|s| s.trim()).filter(|s| !s.is_empty()).collect();
            let got: Vec<&str> = p.iter().map(|q| input[q.start..q.end].trim()).collect();
            prop_assert_eq!(&got, &expected);
            match shards(&p, n) {
                None => prop_assert!(n > p.len()),
                Some(s) => {
                    prop_assert_eq!(s.len(), n);
                    prop_assert_eq!(s[0].start, p[0].start);
                    prop_assert_eq!(s[n - 1].end, p[p.len() - 1].end);
                    for w in s.windows(2) {
                        prop_assert!(w[0].end < w[1].start);
                        // Only blank text between two shards.
                        prop_assert!(input[w[0].end..w[1].start].trim().is_empty());
                    }
                    for sh in &s {
                        prop_assert!(!input[sh.start..sh.end].trim().is_empty());
                        prop_assert_eq!(sh.chars, input[sh.start..sh.end].chars().count());
                    }
                    let longest = s.iter().map(|x| x.chars).max().unwrap_or(0);
                    prop_assert_eq!(longest, best(&p, n));
                    // Deterministic.
                    prop_assert_eq!(shards(&p, n), Some(s));
                }
            }
        }
    }
}
