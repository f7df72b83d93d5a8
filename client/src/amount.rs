//! Token amounts: exact decimal parsing and formatting of AIT (no floating point anywhere).

use crate::error::{Error, Result};
use aitbc_runtime::{Balance, TOKEN_DECIMALS, TOKEN_SYMBOL};

/// Parses a human amount such as `"12.5"`, `"0.000000000001"`, `"1_000"` or `"3 AIT"` into base
/// units (1 AIT = 10^12). Rejects negative values, more than 12 decimals, and overflow.
pub fn parse_amount(input: &str) -> Result<Balance> {
    let bad = |why: &str| Error::InvalidAmount {
        input: input.to_string(),
        reason: why.to_string(),
    };
    let mut s = input.trim();
    if let Some(rest) = s
        .strip_suffix(TOKEN_SYMBOL)
        .or_else(|| s.strip_suffix(&TOKEN_SYMBOL.to_lowercase()))
    {
        s = rest.trim_end();
    }
    let s: String = s.chars().filter(|c| *c != '_').collect();
    if s.is_empty() {
        return Err(bad("empty amount"));
    }
    if s.starts_with('-') {
        return Err(bad("amounts cannot be negative"));
    }
    let s = s.strip_prefix('+').unwrap_or(&s);
    let (int_part, frac_part) = match s.split_once('.') {
        Some((i, f)) => (i, f),
        None => (s, ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(bad("no digits"));
    }
    if !int_part.chars().all(|c| c.is_ascii_digit())
        || !frac_part.chars().all(|c| c.is_ascii_digit())
    {
        return Err(bad("expected a decimal number such as 12.5"));
    }
    let decimals = TOKEN_DECIMALS as usize;
    if frac_part.len() > decimals {
        return Err(bad(&format!(
            "at most {decimals} decimal places (the smallest unit is 0.{}1 {TOKEN_SYMBOL})",
            "0".repeat(decimals - 1)
        )));
    }
    let unit = base_unit();
    let int_value: Balance = if int_part.is_empty() {
        0
    } else {
        int_part
            .parse::<Balance>()
            .map_err(|_| bad("number too large"))?
    };
    let frac_value: Balance = if frac_part.is_empty() {
        0
    } else {
        let padded = format!("{frac_part:0<decimals$}");
        padded
            .parse::<Balance>()
            .map_err(|_| bad("invalid fraction"))?
    };
    int_value
        .checked_mul(unit)
        .and_then(|v| v.checked_add(frac_value))
        .ok_or_else(|| bad("number too large"))
}

/// Parses an amount that must be strictly positive.
pub fn parse_positive_amount(input: &str) -> Result<Balance> {
    let v = parse_amount(input)?;
    if v == 0 {
        return Err(Error::InvalidAmount {
            input: input.to_string(),
            reason: "amount must be greater than zero".into(),
        });
    }
    Ok(v)
}

/// 10^decimals.
pub fn base_unit() -> Balance {
    (10 as Balance).pow(TOKEN_DECIMALS as u32)
}

/// Formats base units as a decimal number without the symbol, trimming trailing zeros but keeping
/// at least one decimal: `12_500_000_000_000` → `"12.5"`, `AIT` → `"1.0"`.
pub fn format_amount_plain(value: Balance) -> String {
    let unit = base_unit();
    let int_part = value / unit;
    let frac = value % unit;
    let decimals = TOKEN_DECIMALS as usize;
    let mut frac_s = format!("{frac:0>decimals$}");
    while frac_s.len() > 1 && frac_s.ends_with('0') {
        frac_s.pop();
    }
    format!("{}.{}", group_thousands(int_part), frac_s)
}

/// Formats base units with the token symbol: `"12.5 AIT"`.
pub fn format_amount(value: Balance) -> String {
    format!("{} {TOKEN_SYMBOL}", format_amount_plain(value))
}

/// The exact decimal string without grouping, suitable for JSON output: `"1234.5"`.
pub fn format_amount_json(value: Balance) -> String {
    format_amount_plain(value).replace(',', "")
}

fn group_thousands(v: Balance) -> String {
    let s = v.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use aitbc_runtime::AIT;

    #[test]
    fn parses_exact_decimals() {
        assert_eq!(parse_amount("12.5").unwrap(), 12 * AIT + AIT / 2);
        assert_eq!(parse_amount("0.000000000001").unwrap(), 1);
        assert_eq!(parse_amount("1").unwrap(), AIT);
        assert_eq!(parse_amount(".5").unwrap(), AIT / 2);
        assert_eq!(parse_amount("5.").unwrap(), 5 * AIT);
        assert_eq!(parse_amount("1_000").unwrap(), 1000 * AIT);
        assert_eq!(parse_amount(" 3 AIT ").unwrap(), 3 * AIT);
        assert_eq!(parse_amount("0.1").unwrap(), 100_000_000_000);
        // 0.1 + 0.2 is exact here.
        assert_eq!(
            parse_amount("0.1").unwrap() + parse_amount("0.2").unwrap(),
            parse_amount("0.3").unwrap()
        );
    }

    #[test]
    fn rejects_bad_amounts() {
        for bad in [
            "",
            "-1",
            "abc",
            "1.2.3",
            "1e5",
            "0.0000000000001",
            ".",
            "1,5",
            "nan",
            "999999999999999999999999999999999999999",
        ] {
            assert!(parse_amount(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(parse_positive_amount("0").is_err());
        assert!(parse_positive_amount("0.0").is_err());
        let msg = parse_amount("0.0000000000001").unwrap_err().to_string();
        assert!(msg.contains("decimal places"), "{msg}");
    }

    #[test]
    fn formats() {
        assert_eq!(format_amount(12 * AIT + AIT / 2), "12.5 AIT");
        assert_eq!(format_amount(AIT), "1.0 AIT");
        assert_eq!(format_amount(0), "0.0 AIT");
        assert_eq!(format_amount(1), "0.000000000001 AIT");
        assert_eq!(format_amount(1_234_567 * AIT), "1,234,567.0 AIT");
        assert_eq!(
            format_amount_json(1_234_567 * AIT + 1),
            "1234567.000000000001"
        );
    }

    #[test]
    fn round_trips() {
        for v in [
            0u128,
            1,
            999,
            AIT - 1,
            AIT,
            12_345_678_901_234_567,
            u128::MAX / 2,
        ] {
            assert_eq!(parse_amount(&format_amount_json(v)).unwrap(), v);
        }
    }
}
