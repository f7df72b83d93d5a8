//! Parsing of JSON-RPC parameters as Substrate's methods take them. Errors are the text of an
//! "invalid params" answer: what was wrong and what was expected.

use serde_json::Value;
use sp_core::H256;

use crate::BlockNumber;

/// Most storage keys one request may name (`state_queryStorageAt`, `state_getReadProof`,
/// `state_subscribeStorage`; polkadot.js asks for a handful at a time).
pub const MAX_STORAGE_KEYS: usize = 1024;

/// A `0x`-prefixed hex string.
pub fn parse_hex(s: &str, what: &str) -> Result<Vec<u8>, String> {
    let Some(stripped) = s.strip_prefix("0x") else {
        return Err(format!(
            "{what} must be a 0x-prefixed hex string, got `{}`",
            shorten(s)
        ));
    };
    hex::decode(stripped).map_err(|e| format!("{what} is not valid hex: {e}"))
}

/// A block hash: 32 bytes of hex.
pub fn parse_hash(s: &str) -> Result<H256, String> {
    let b = parse_hex(s, "block hash")?;
    if b.len() != 32 {
        return Err(format!("block hash must be 32 bytes, got {}", b.len()));
    }
    Ok(H256::from_slice(&b))
}

/// A block number given as a JSON number or a `0x` hex string.
pub fn parse_number(v: &Value) -> Result<BlockNumber, String> {
    match v {
        Value::Number(n) => n
            .as_u64()
            .and_then(|n| BlockNumber::try_from(n).ok())
            .ok_or_else(|| format!("block number out of range: {n}")),
        Value::String(s) => s
            .strip_prefix("0x")
            .and_then(|digits| u64::from_str_radix(digits, 16).ok())
            .and_then(|n| BlockNumber::try_from(n).ok())
            .ok_or_else(|| format!("invalid block number `{}`", shorten(s))),
        other => Err(format!(
            "expected a block number, got {}",
            shorten(&other.to_string())
        )),
    }
}

/// A list of hex storage keys (absent or `null`: none), at most [`MAX_STORAGE_KEYS`].
pub fn key_list(v: Option<&Value>) -> Result<Vec<Vec<u8>>, String> {
    match v {
        Some(Value::Array(items)) if items.len() > MAX_STORAGE_KEYS => Err(format!(
            "{} storage keys in one request; at most {MAX_STORAGE_KEYS}: split the list",
            items.len()
        )),
        Some(Value::Array(items)) => items
            .iter()
            .map(|k| match k {
                Value::String(s) => parse_hex(s, "storage key"),
                other => Err(format!(
                    "storage key must be a hex string, got {}",
                    shorten(&other.to_string())
                )),
            })
            .collect(),
        None | Some(Value::Null) => Ok(vec![]),
        Some(other) => Err(format!(
            "expected a list of storage keys, got {}",
            shorten(&other.to_string())
        )),
    }
}

/// At most 80 characters of `s` for an error message: an error must not echo a megabyte back.
fn shorten(s: &str) -> String {
    match s.char_indices().nth(80) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_parse_and_bad_ones_say_why() {
        assert_eq!(parse_hex("0x0102", "data"), Ok(vec![1, 2]));
        assert!(parse_hex("0102", "data")
            .unwrap_err()
            .contains("0x-prefixed"));
        assert!(parse_hash("0x00").unwrap_err().contains("32 bytes"));
        assert_eq!(parse_number(&Value::from(7)), Ok(7));
        assert_eq!(parse_number(&Value::from("0x10")), Ok(16));
        assert!(parse_number(&Value::from(u64::MAX)).is_err());
        assert!(parse_number(&Value::from("0x")).is_err());
        let long = "z".repeat(1_000_000);
        assert!(parse_hex(&long, "data").unwrap_err().len() < 200);
        let many = Value::Array(vec![Value::from("0x00"); MAX_STORAGE_KEYS + 1]);
        assert!(key_list(Some(&many)).unwrap_err().contains("at most"));
    }
}
