//! Decimal AIT amounts (`"2.5"`) to base units (12 decimals) and back.

/// Decimal places of one AIT: 1 AIT = 10^12 base units.
pub const DECIMALS: u32 = 12;
const UNIT: u128 = 1_000_000_000_000;

/// Parse a decimal AIT amount: digits, optionally a point and 1 to 12 more digits. No sign,
/// exponent, spaces or separators. Returns base units, or what was wrong.
pub(crate) fn parse_ait(s: &str) -> Result<u128, String> {
    const HOW: &str = "write a decimal amount of AIT such as \"2.5\" (digits, an optional point \
                       and at most 12 decimals; no sign, exponent or spaces)";
    if s.is_empty() {
        return Err(format!("is empty; {HOW}"));
    }
    if s.len() > 64 {
        return Err(format!("is {} characters long; {HOW}", s.len()));
    }
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (s, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if s.starts_with('-') {
        return Err(format!("{s:?} is negative; {HOW}"));
    }
    if !digits(whole) || frac.is_some_and(|f| !digits(f)) {
        return Err(format!("{s:?} is not a plain decimal number; {HOW}"));
    }
    let frac = frac.unwrap_or("");
    if frac.len() > DECIMALS as usize {
        return Err(format!(
            "{s:?} has {} decimals, more than the {DECIMALS} an AIT amount has; {HOW}",
            frac.len()
        ));
    }
    let too_big = || format!("{s:?} is too large an amount");
    let mut units: u128 = 0;
    for b in whole.bytes() {
        units = units
            .checked_mul(10)
            .and_then(|u| u.checked_add(u128::from(b - b'0')))
            .ok_or_else(too_big)?;
    }
    units = units.checked_mul(UNIT).ok_or_else(too_big)?;
    let mut scale = UNIT;
    for b in frac.bytes() {
        scale /= 10;
        units = units
            .checked_add(u128::from(b - b'0') * scale)
            .ok_or_else(too_big)?;
    }
    if units == 0 {
        return Err("is zero; a price cap must be more than 0 AIT".to_string());
    }
    Ok(units)
}

/// Base units as the shortest decimal AIT string (`2500000000000` → `"2.5"`).
pub fn format_ait(units: u128) -> String {
    let whole = units / UNIT;
    let frac = units % UNIT;
    if frac == 0 {
        return whole.to_string();
    }
    let frac = format!("{frac:012}");
    format!("{whole}.{}", frac.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats() {
        assert_eq!(parse_ait("2.5"), Ok(2_500_000_000_000));
        assert_eq!(parse_ait("0002.50"), Ok(2_500_000_000_000));
        assert_eq!(parse_ait("0.000000000001"), Ok(1));
        assert_eq!(parse_ait("7"), Ok(7 * UNIT));
        assert_eq!(format_ait(2_500_000_000_000), "2.5");
        assert_eq!(format_ait(1), "0.000000000001");
        assert_eq!(format_ait(7 * UNIT), "7");
    }

    #[test]
    fn rejects_bad_amounts() {
        for bad in [
            "",
            "-1",
            "+1",
            "1e3",
            "1.",
            ".5",
            " 1",
            "1,5",
            "0",
            "0.000",
            "1.0000000000001",
        ] {
            assert!(parse_ait(bad).is_err(), "{bad:?}");
        }
        assert!(parse_ait("1.0000000000001")
            .unwrap_err()
            .contains("13 decimals"));
        assert!(parse_ait("-1").unwrap_err().contains("negative"));
        assert!(parse_ait(&"9".repeat(40))
            .unwrap_err()
            .contains("too large"));
    }
}
