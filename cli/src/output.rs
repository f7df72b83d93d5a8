//! Output: what a command reports ([`Report`]) printed once, as tables for people or JSON for
//! scripts, and spinners and progress bars on stderr while waiting.

use crate::cli::OutputFormat;
use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;
use std::time::Duration;

/// What a command prints: one JSON value for `--output json`, else its human form (lines and
/// tables, in order). Handlers return it; [`Report::print`] is the only place output is written.
#[derive(Default)]
pub struct Report {
    json: Value,
    human: Vec<Human>,
    /// Printed as JSON whatever `--output` says (a command's own `--json` flag).
    force_json: bool,
}

enum Human {
    Line(String),
    Table(Table),
}

impl Report {
    /// A report whose JSON form is `json` (add the human form with `line`, `kv` or `table`).
    pub fn new(json: Value) -> Self {
        Report {
            json,
            human: Vec::new(),
            force_json: false,
        }
    }

    /// One record: `json`, or a two-column table of `rows`.
    pub fn record(json: Value, rows: &[(&str, String)]) -> Self {
        Report::new(json).kv(rows)
    }

    /// A list: `json`, or `table` (`empty` when there is nothing to list).
    pub fn list(json: Value, is_empty: bool, empty: &str, table: Table) -> Self {
        if is_empty {
            Report::new(json).line(empty)
        } else {
            Report::new(json).table(table)
        }
    }

    /// Nothing to print (the command wrote what it had to say itself, e.g. a daemon's log).
    pub fn none() -> Self {
        Report::default()
    }

    /// A line of text in the human form.
    pub fn line(mut self, s: impl Into<String>) -> Self {
        self.human.push(Human::Line(s.into()));
        self
    }

    /// A two-column key/value table in the human form.
    pub fn kv(mut self, rows: &[(&str, String)]) -> Self {
        self.human.push(Human::Table(kv_table(rows)));
        self
    }

    /// A table in the human form.
    pub fn table(mut self, t: Table) -> Self {
        self.human.push(Human::Table(t));
        self
    }

    /// This report followed by `more`'s human form (the JSON form stays this report's).
    pub fn then(mut self, more: Report) -> Self {
        self.human.extend(more.human);
        self
    }

    /// Printed as JSON whatever `--output` says when `yes` (a command's own `--json` flag).
    pub fn json_if(mut self, yes: bool) -> Self {
        self.force_json |= yes;
        self
    }

    /// The JSON form.
    pub fn json(&self) -> &Value {
        &self.json
    }

    /// The JSON form, to add to it.
    pub fn json_mut(&mut self) -> &mut Value {
        &mut self.json
    }

    /// Prints the report in `format` on stdout.
    pub fn print(&self, format: OutputFormat) {
        if format == OutputFormat::Json || self.force_json {
            if !self.json.is_null() || !self.human.is_empty() {
                print_json(&self.json);
            }
            return;
        }
        for h in &self.human {
            match h {
                Human::Line(s) => println!("{s}"),
                Human::Table(t) => println!("{t}"),
            }
        }
    }
}

/// Prints a JSON value (pretty, stable field names).
fn print_json(v: &Value) {
    match serde_json::to_string_pretty(v) {
        Ok(s) => println!("{s}"),
        Err(_) => println!("{v}"),
    }
}

/// A one-line note on stderr (`note: ...`): something the user should know that is not an
/// error, e.g. a retry after a network failure.
pub fn note(msg: &str) {
    eprintln!("note: {msg}");
}

/// A table with a header row.
pub fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.iter().copied());
    t
}

/// A two-column key/value table.
pub fn kv_table(rows: &[(&str, String)]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    for (k, v) in rows {
        t.add_row(vec![k.to_string(), v.clone()]);
    }
    t
}

/// A spinner on stderr (hidden when stderr is not a terminal, or for JSON output).
pub fn spinner(format: OutputFormat, msg: impl Into<String>) -> ProgressBar {
    let pb = if format == OutputFormat::Json {
        ProgressBar::hidden()
    } else {
        ProgressBar::new_spinner()
    };
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
        pb.set_style(style);
    }
    pb.set_message(msg.into());
    pb.enable_steady_tick(Duration::from_millis(100));
    pb
}

/// A progress bar on stderr for `len` steps (hidden for JSON output, and by indicatif when
/// stderr is not a terminal).
pub fn progress_bar(format: OutputFormat, len: u64, msg: impl Into<String>) -> ProgressBar {
    let pb = if format == OutputFormat::Json {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(len)
    };
    if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({elapsed})") {
        pb.set_style(style.progress_chars("=> "));
    }
    pb.set_message(msg.into());
    pb
}

/// Short form of a long hash for tables.
pub fn short(s: &str) -> String {
    if s.len() > 20 {
        format!("{}…{}", &s[..10], &s[s.len() - 8..])
    } else {
        s.to_string()
    }
}

/// Unix milliseconds as UTC `YYYY-MM-DD HH:MM:SS`.
pub fn format_time_ms(ms: u64) -> String {
    let secs = (ms / 1000) as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (h, m, s) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if mo <= 2 { y + 1 } else { y };
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{m:02}:{s:02} UTC")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(format_time_ms(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(format_time_ms(1_700_000_000_000), "2023-11-14 22:13:20 UTC");
        assert_eq!(format_time_ms(951_782_400_000), "2000-02-29 00:00:00 UTC");
    }

    #[test]
    fn shortening() {
        assert_eq!(short("0x1234"), "0x1234");
        assert_eq!(
            short(&format!("0x{}", "a".repeat(64))),
            "0xaaaaaaaa…aaaaaaaa"
        );
    }
}
