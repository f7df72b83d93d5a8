//! Numbers as tools show them: exact-looking (`391`, `0.3`), not `391.0000000001`.

/// `x` rounded to 15 significant digits and written shortly: whole numbers without a point,
/// very large or small magnitudes in exponent form (`1.5e20`). Not-finite values as `NaN`/`inf`.
pub(crate) fn format_number(x: f64) -> String {
    if !x.is_finite() {
        return if x.is_nan() {
            "NaN".into()
        } else if x > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    if x == 0.0 {
        return "0".into();
    }
    // Round to 15 significant digits, which hides binary floating-point noise.
    let rounded: f64 = format!("{x:.14e}").parse().unwrap_or(x);
    let magnitude = rounded.abs();
    if (1e-6..1e15).contains(&magnitude) {
        if rounded.fract() == 0.0 {
            format!("{rounded:.0}")
        } else {
            format!("{rounded}")
        }
    } else {
        format!("{rounded:e}")
    }
}

#[cfg(test)]
mod tests {
    use super::format_number;

    #[test]
    fn formats_shortly() {
        assert_eq!(format_number(391.0), "391");
        assert_eq!(format_number(0.1 + 0.2), "0.3");
        assert_eq!(format_number(-2.5), "-2.5");
        assert_eq!(format_number(1.0 / 3.0), "0.333333333333333");
        assert_eq!(format_number(1.5e20), "1.5e20");
        assert_eq!(format_number(2e-9), "2e-9");
        assert_eq!(format_number(-0.0), "0");
        assert_eq!(format_number(123456789012345.0), "123456789012345");
    }
}
