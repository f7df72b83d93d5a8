//! A nesting-depth check of JSON text before it is parsed, so that hostile input cannot make a
//! parser recurse deeply.

/// Whether `bytes`, read as JSON, nests arrays and objects deeper than `limit`. Brackets inside
/// strings do not count; the text need not be valid JSON (the parser reports that afterwards).
pub(crate) fn exceeds(bytes: &[u8], limit: usize) -> bool {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in bytes {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::exceeds;

    #[test]
    fn counts_nesting_outside_strings() {
        assert!(!exceeds(br#"{"a":[1,[2]]}"#, 3));
        assert!(exceeds(br#"{"a":[1,[2]]}"#, 2));
        assert!(!exceeds(br#"{"a":"[[[[[[\"[[["}"#, 1));
        assert!(exceeds(b"[[[[", 3));
    }
}
