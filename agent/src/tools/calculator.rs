//! The `calculator` tool: arithmetic on f64 with a recursive-descent parser bounded in input
//! length (256 bytes) and nesting depth (32).
//!
//! Grammar: `expr = term (('+'|'-') term)*`, `term = unary (('*'|'/'|'%') unary)*`,
//! `unary = '-' unary | '+' unary | power`, `power = primary ('^' unary)?` (right-associative),
//! `primary = number | constant | function '(' expr (',' expr)* ')' | '(' expr ')'`.

use super::number::format_number;

/// The longest expression accepted, in bytes.
pub const MAX_EXPRESSION_BYTES: usize = 256;
/// The deepest nesting accepted (parentheses, function calls, unary signs and powers).
pub const MAX_DEPTH: usize = 32;

/// Evaluate `input`; the result formatted shortly, or what was wrong and what to do.
/// Evaluate `input`. Models often write the expression followed by the result they expect
/// (`17*23 = 369`, `17*23=?`): then the expression before the first `=` is evaluated and the
/// observation says so, giving the true value.
pub(crate) fn evaluate(input: &str) -> Result<String, String> {
    match input.split_once('=') {
        Some((expr, claimed)) if !expr.trim().is_empty() => {
            let value = evaluate_expression(expr)?;
            let claimed = claimed.trim();
            if claimed.is_empty() || claimed == "?" {
                Ok(value)
            } else {
                Ok(format!(
                    "{value} (evaluated {}; the text after '=' was not)",
                    expr.trim()
                ))
            }
        }
        _ => evaluate_expression(input),
    }
}

fn evaluate_expression(input: &str) -> Result<String, String> {
    let input = input.trim();
    if input.is_empty() {
        return Err("the expression is empty; give one such as (17*23)+4".into());
    }
    if input.len() > MAX_EXPRESSION_BYTES {
        return Err(format!(
            "the expression is {} bytes, over the most allowed ({MAX_EXPRESSION_BYTES}); split \
             it into smaller steps",
            input.len()
        ));
    }
    let mut parser = Parser {
        src: input.as_bytes(),
        pos: 0,
        depth: 0,
    };
    let value = parser.expr()?;
    parser.skip_space();
    if parser.pos < parser.src.len() {
        return Err(format!(
            "unexpected {} at position {}; use numbers, + - * / % ^, parentheses and functions \
             ({})",
            parser.describe_here(),
            parser.pos + 1,
            FUNCTIONS.join(", ")
        ));
    }
    finite(value).map(format_number)
}

const FUNCTIONS: &[&str] = &[
    "sqrt", "abs", "round", "floor", "ceil", "min", "max", "ln", "log10", "exp",
];

fn finite(x: f64) -> Result<f64, String> {
    if x.is_finite() {
        Ok(x)
    } else if x.is_nan() {
        Err("the result is not a number (e.g. sqrt of a negative number)".into())
    } else {
        Err("overflow: the result is too large for the calculator".into())
    }
}

struct Parser<'a> {
    src: &'a [u8],
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn skip_space(&mut self) {
        while self
            .src
            .get(self.pos)
            .is_some_and(|b| b.is_ascii_whitespace())
        {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_space();
        self.src.get(self.pos).copied()
    }

    fn describe_here(&self) -> String {
        match std::str::from_utf8(&self.src[self.pos.min(self.src.len())..])
            .ok()
            .and_then(|s| s.chars().next())
        {
            Some(c) => format!("{c:?}"),
            None if self.pos >= self.src.len() => "end of expression".into(),
            None => "a non-ASCII character".into(),
        }
    }

    fn expr(&mut self) -> Result<f64, String> {
        let mut acc = self.term()?;
        loop {
            match self.peek() {
                Some(b'+') => {
                    self.pos += 1;
                    acc = finite(acc + self.term()?)?;
                }
                Some(b'-') => {
                    self.pos += 1;
                    acc = finite(acc - self.term()?)?;
                }
                _ => return Ok(acc),
            }
        }
    }

    fn term(&mut self) -> Result<f64, String> {
        let mut acc = self.unary()?;
        loop {
            match self.peek() {
                Some(b'*') => {
                    self.pos += 1;
                    acc = finite(acc * self.unary()?)?;
                }
                Some(op @ (b'/' | b'%')) => {
                    self.pos += 1;
                    let rhs = self.unary()?;
                    if rhs == 0.0 {
                        return Err("division by zero".into());
                    }
                    acc = finite(if op == b'/' { acc / rhs } else { acc % rhs })?;
                }
                _ => return Ok(acc),
            }
        }
    }

    /// Every recursion passes through here, so the depth is checked here.
    fn unary(&mut self) -> Result<f64, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!(
                "the expression nests more than {MAX_DEPTH} deep; simplify it"
            ));
        }
        let result = match self.peek() {
            Some(b'-') => {
                self.pos += 1;
                self.unary().map(|v| -v)
            }
            Some(b'+') => {
                self.pos += 1;
                self.unary()
            }
            _ => self.power(),
        };
        self.depth -= 1;
        result
    }

    fn power(&mut self) -> Result<f64, String> {
        let base = self.primary()?;
        if self.peek() == Some(b'^') {
            self.pos += 1;
            let exponent = self.unary()?;
            return finite(base.powf(exponent));
        }
        Ok(base)
    }

    fn primary(&mut self) -> Result<f64, String> {
        match self.peek() {
            Some(b'(') => {
                self.pos += 1;
                let v = self.expr()?;
                self.expect(b')')?;
                Ok(v)
            }
            Some(b) if b.is_ascii_digit() || b == b'.' => self.number(),
            Some(b) if b.is_ascii_alphabetic() => self.call(),
            _ => Err(format!(
                "expected a number, a function or '(' at position {}, found {}",
                self.pos + 1,
                self.describe_here()
            )),
        }
    }

    fn expect(&mut self, want: u8) -> Result<(), String> {
        if self.peek() == Some(want) {
            self.pos += 1;
            Ok(())
        } else {
            Err(format!(
                "expected '{}' at position {}, found {}",
                want as char,
                self.pos + 1,
                self.describe_here()
            ))
        }
    }

    fn number(&mut self) -> Result<f64, String> {
        let start = self.pos;
        let digits = |p: &mut Self| {
            while p.src.get(p.pos).is_some_and(|b| b.is_ascii_digit()) {
                p.pos += 1;
            }
        };
        digits(self);
        if self.src.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            digits(self);
        }
        if matches!(self.src.get(self.pos), Some(b'e' | b'E'))
            && self
                .src
                .get(self.pos + 1)
                .is_some_and(|b| b.is_ascii_digit() || *b == b'-' || *b == b'+')
        {
            self.pos += 2;
            digits(self);
        }
        let text = std::str::from_utf8(&self.src[start..self.pos]).unwrap_or("");
        match text.parse::<f64>() {
            Ok(v) => finite(v),
            Err(_) => Err(format!(
                "{text:?} at position {} is not a number",
                start + 1
            )),
        }
    }

    fn call(&mut self) -> Result<f64, String> {
        let start = self.pos;
        while self
            .src
            .get(self.pos)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
        {
            self.pos += 1;
        }
        let name = std::str::from_utf8(&self.src[start..self.pos])
            .unwrap_or("")
            .to_ascii_lowercase();
        match name.as_str() {
            "pi" => return Ok(std::f64::consts::PI),
            "e" => return Ok(std::f64::consts::E),
            _ => {}
        }
        if !FUNCTIONS.contains(&name.as_str()) {
            return Err(format!(
                "unknown name {name:?}; the functions are {} and the constants pi, e",
                FUNCTIONS.join(", ")
            ));
        }
        self.expect(b'(')?;
        let mut args = vec![self.expr()?];
        while self.peek() == Some(b',') {
            self.pos += 1;
            if args.len() >= 16 {
                return Err(format!("{name} takes at most 16 arguments"));
            }
            args.push(self.expr()?);
        }
        self.expect(b')')?;
        let one = |args: &[f64]| -> Result<f64, String> {
            match args {
                [x] => Ok(*x),
                _ => Err(format!("{name} takes one argument, e.g. {name}(2)")),
            }
        };
        let v = match name.as_str() {
            "sqrt" => {
                let x = one(&args)?;
                if x < 0.0 {
                    return Err("sqrt of a negative number".into());
                }
                x.sqrt()
            }
            "abs" => one(&args)?.abs(),
            "round" => one(&args)?.round(),
            "floor" => one(&args)?.floor(),
            "ceil" => one(&args)?.ceil(),
            "ln" | "log10" => {
                let x = one(&args)?;
                if x <= 0.0 {
                    return Err(format!("{name} of a number that is not positive"));
                }
                if name == "ln" {
                    x.ln()
                } else {
                    x.log10()
                }
            }
            "exp" => one(&args)?.exp(),
            "min" => args.iter().copied().fold(f64::INFINITY, f64::min),
            _ => args.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        };
        finite(v)
    }
}

#[cfg(test)]
mod tests {
    use super::evaluate;

    #[test]
    fn a_claimed_result_after_equals_is_not_trusted() {
        assert_eq!(
            evaluate("17 * 23 = 369").unwrap(),
            "391 (evaluated 17 * 23; the text after '=' was not)"
        );
        assert_eq!(evaluate("17*23=?").unwrap(), "391");
        assert_eq!(evaluate("17*23 =").unwrap(), "391");
        assert!(evaluate("= 5").is_err());
    }

    #[test]
    fn evaluates() {
        for (e, want) in [
            ("(17*23)+4", "395"),
            ("17*23", "391"),
            ("0.1+0.2", "0.3"),
            ("2^3^2", "512"),
            ("-2^2", "-4"),
            ("(-2)^2", "4"),
            ("7 % 3", "1"),
            ("10/4", "2.5"),
            ("sqrt(16) + abs(-3)", "7"),
            ("max(1, 5, 3) - min(4,2)", "3"),
            ("round(2.5)", "3"),
            ("log10(1000)", "3"),
            ("ln(e)", "1"),
            ("1.5e3", "1500"),
            ("--3", "3"),
            ("  2 *  ( 3 + 4 ) ", "14"),
        ] {
            assert_eq!(evaluate(e).as_deref(), Ok(want), "{e}");
        }
    }

    #[test]
    fn errors() {
        assert_eq!(evaluate("1/0"), Err("division by zero".into()));
        assert_eq!(evaluate("5%0"), Err("division by zero".into()));
        assert!(evaluate("10^400").unwrap_err().contains("overflow"));
        assert!(evaluate("sqrt(-1)").unwrap_err().contains("negative"));
        assert!(evaluate("").unwrap_err().contains("empty"));
        assert!(evaluate("2 +").unwrap_err().contains("expected a number"));
        assert!(evaluate("(1").unwrap_err().contains("expected ')'"));
        assert!(evaluate("foo(1)").unwrap_err().contains("unknown name"));
        assert!(evaluate("1 2").unwrap_err().contains("unexpected"));
        assert!(evaluate(&"1+".repeat(200))
            .unwrap_err()
            .contains("over the most"));
        let deep = format!("{}1{}", "(".repeat(40), ")".repeat(40));
        assert!(evaluate(&deep).unwrap_err().contains("nests more than 32"));
        assert!(evaluate(&"-".repeat(100)).unwrap_err().contains("nests"));
        assert!(evaluate("2^2^2^2^2^2^2^2^2^2")
            .unwrap_err()
            .contains("overflow"));
        assert!(evaluate("1é").is_err());
    }
}
