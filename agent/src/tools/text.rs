//! The `text` tool: utilities over the run's data file read as text (invalid UTF-8 is replaced):
//! `count`, `find <text>`, `numbers`, `lines <from>-<to>`.

use super::number::format_number;
use super::table::cut;

/// The longest `find` needle, in bytes.
pub const MAX_NEEDLE_BYTES: usize = 128;
/// The most lines `find` and `lines` show.
pub const MAX_SHOWN_LINES: usize = 20;
/// The most numbers `numbers` lists (all are counted and summed).
pub const MAX_LISTED_NUMBERS: usize = 50;

const USAGE: &str = "use one of: count | find <text> | numbers | lines <from>-<to>";

/// Run the text command `args` over `data`.
pub(crate) fn run(data: &[u8], args: &str) -> Result<String, String> {
    let text = String::from_utf8_lossy(data);
    let args = args.trim();
    let (command, rest) = match args.split_once(char::is_whitespace) {
        Some((c, r)) => (c, r.trim()),
        None => (args, ""),
    };
    match command.to_ascii_lowercase().as_str() {
        "" | "count" => Ok(count(&text)),
        "find" => find(&text, rest),
        "numbers" => Ok(numbers(&text)),
        "lines" | "line" => lines(&text, rest),
        _ => Err(format!(
            "unknown text command {:?}; {USAGE}",
            cut(command, 40)
        )),
    }
}

fn count(text: &str) -> String {
    format!(
        "lines: {}, words: {}, characters: {}, bytes: {}",
        text.lines().count(),
        text.split_whitespace().count(),
        text.chars().count(),
        text.len()
    )
}

fn find(text: &str, needle: &str) -> Result<String, String> {
    if needle.is_empty() {
        return Err(format!(
            "find needs the text to look for, e.g. find error; {USAGE}"
        ));
    }
    if needle.len() > MAX_NEEDLE_BYTES {
        return Err(format!(
            "the text to find is {} bytes, over the most allowed ({MAX_NEEDLE_BYTES})",
            needle.len()
        ));
    }
    let needle = needle.to_lowercase();
    let mut total = 0usize;
    let mut lines_with = 0usize;
    let mut shown = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = line.to_lowercase().matches(needle.as_str()).count();
        if n > 0 {
            total += n;
            lines_with += 1;
            if shown.len() < MAX_SHOWN_LINES {
                shown.push(format!("line {}: {}", i + 1, cut(line.trim(), 100)));
            }
        }
    }
    if total == 0 {
        return Ok(format!("no occurrences of {needle:?} (case-insensitive)"));
    }
    Ok(format!(
        "{total} occurrences of {needle:?} on {lines_with} lines (case-insensitive)\n{}",
        shown.join("\n")
    ))
}

fn numbers(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut listed = Vec::new();
    let mut count = 0usize;
    let mut sum = 0.0f64;
    let mut i = 0;
    while i < bytes.len() {
        let starts_number = bytes[i].is_ascii_digit()
            && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'.'));
        if !starts_number {
            i += 1;
            continue;
        }
        let negative = i > 0 && bytes[i - 1] == b'-';
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i + 1 < bytes.len() && bytes[i] == b'.' && bytes[i + 1].is_ascii_digit() {
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
        }
        let Some(x) = text
            .get(start..i)
            .and_then(|s| s.parse::<f64>().ok())
            .filter(|x| x.is_finite())
        else {
            continue;
        };
        let x = if negative { -x } else { x };
        count += 1;
        sum += x;
        if listed.len() < MAX_LISTED_NUMBERS {
            listed.push(format_number(x));
        }
    }
    if count == 0 {
        return "no numbers in the data".into();
    }
    let more = if count > listed.len() { ", …" } else { "" };
    format!(
        "{count} numbers, sum {}: {}{more}",
        format_number(sum),
        listed.join(", ")
    )
}

fn lines(text: &str, range: &str) -> Result<String, String> {
    let bad = || {
        format!("give a line range such as lines 3-10 (at most {MAX_SHOWN_LINES} lines); {USAGE}")
    };
    let (from, to) = match range.split_once('-') {
        Some((a, b)) => (a.trim(), b.trim()),
        None => (range, range),
    };
    let from: usize = from.parse().map_err(|_| bad())?;
    let to: usize = to.parse().map_err(|_| bad())?;
    if from == 0 || to < from {
        return Err(bad());
    }
    let to = to.min(from.saturating_add(MAX_SHOWN_LINES - 1));
    let shown: Vec<String> = text
        .lines()
        .enumerate()
        .skip(from - 1)
        .take(to - from + 1)
        .map(|(i, l)| format!("{}: {}", i + 1, cut(l, 200)))
        .collect();
    if shown.is_empty() {
        return Err(format!(
            "the data has {} lines; ask for lines within them",
            text.lines().count()
        ));
    }
    Ok(shown.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::run;

    const DATA: &[u8] = b"Error at 10:42\nall fine, 3 items cost -2.5\nERROR again v2\n";

    #[test]
    fn commands() {
        assert_eq!(
            run(DATA, "count").unwrap(),
            "lines: 3, words: 12, characters: 58, bytes: 58"
        );
        assert_eq!(run(DATA, "").unwrap(), run(DATA, "count").unwrap());
        assert_eq!(
            run(DATA, "find error").unwrap(),
            "2 occurrences of \"error\" on 2 lines (case-insensitive)\nline 1: Error at 10:42\nline 3: ERROR again v2"
        );
        assert_eq!(
            run(DATA, "find nothing").unwrap(),
            "no occurrences of \"nothing\" (case-insensitive)"
        );
        assert_eq!(
            run(DATA, "numbers").unwrap(),
            "4 numbers, sum 52.5: 10, 42, 3, -2.5"
        );
        assert_eq!(
            run(DATA, "lines 2-3").unwrap(),
            "2: all fine, 3 items cost -2.5\n3: ERROR again v2"
        );
        assert_eq!(run(DATA, "line 1").unwrap(), "1: Error at 10:42");
    }

    #[test]
    fn errors() {
        assert!(run(DATA, "shout")
            .unwrap_err()
            .contains("unknown text command"));
        assert!(run(DATA, "find").unwrap_err().contains("needs the text"));
        assert!(run(DATA, "lines 5-2").unwrap_err().contains("line range"));
        assert!(run(DATA, "lines 9-10").unwrap_err().contains("has 3 lines"));
        assert!(run(DATA, "lines 1-99999999999999999999999").is_err());
        assert_eq!(run(DATA, "lines 1-1000").unwrap().lines().count(), 3);
    }
}
