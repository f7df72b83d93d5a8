//! The `json_query` tool: a JSONPath query (RFC 9535, `serde_json_path`) over the run's data
//! file, read as JSON. The query's length, nesting and descendant segments are bounded so that
//! its cost stays linear-ish in the data; the output is serialized into a bounded buffer.

use serde_json::Value;
use serde_json_path::JsonPath;

use super::{bounded::BoundedWriter, MAX_OBSERVATION_BYTES};

/// The longest query, in bytes.
pub const MAX_QUERY_BYTES: usize = 256;
/// The deepest nesting of brackets and parentheses in a query.
pub const MAX_QUERY_NESTING: usize = 8;
/// The most descendant segments (`..`) in a query: with one, a query matches each node of the
/// data at most a few times; nested descendants could match it once per ancestor.
pub const MAX_DESCENDANTS: usize = 1;
/// The most commas in a query (outside strings). Each comma adds a selector to a bracketed
/// union, and unions in successive segments multiply the matches (duplicates are kept).
pub const MAX_COMMAS: usize = 3;
/// The deepest nesting of arrays and objects in the data file for this tool.
pub const MAX_DATA_DEPTH: usize = 32;

/// Run `query` over `data`; the matches as a JSON array (bounded), or what was wrong.
pub(crate) fn query(data: &[u8], query: &str) -> Result<String, String> {
    let query = query.trim();
    if query.is_empty() {
        return Err("the query is empty; give a JSONPath such as $.items[0].name".into());
    }
    if query.len() > MAX_QUERY_BYTES {
        return Err(format!(
            "the query is {} bytes, over the most allowed ({MAX_QUERY_BYTES}); shorten it",
            query.len()
        ));
    }
    check_query_shape(query)?;
    let path = JsonPath::parse(query).map_err(|e| {
        format!("the query is not valid JSONPath ({e}); write one such as $.items[*].price")
    })?;
    if crate::json_depth::exceeds(data, MAX_DATA_DEPTH) {
        return Err(format!(
            "the data file nests arrays and objects more than {MAX_DATA_DEPTH} deep; this tool \
             cannot read it"
        ));
    }
    let value: Value = serde_json::from_slice(data).map_err(|e| {
        format!("the data file is not JSON ({e}); for CSV data use table_stats, for text use text")
    })?;
    let found = path.query(&value).all();
    let count = found.len();
    let mut out = BoundedWriter::new(MAX_OBSERVATION_BYTES * 2);
    // Errors here only mean the buffer is full; the observation says it was truncated.
    let _ = serde_json::to_writer(&mut out, &found);
    // When cut short the text is longer than an observation, which then says it was truncated.
    let (text, _complete) = out.finish();
    Ok(format!("{count} matches: {text}"))
}

/// Reject queries whose evaluation could cost far more than the data's size.
fn check_query_shape(query: &str) -> Result<(), String> {
    let mut depth = 0usize;
    let mut in_string: Option<char> = None;
    let mut escaped = false;
    let mut descendants = 0usize;
    let mut commas = 0usize;
    let mut prev = '\0';
    for c in query.chars() {
        if let Some(quote) = in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == quote {
                in_string = None;
            }
            prev = c;
            continue;
        }
        match c {
            '\'' | '"' => in_string = Some(c),
            '[' | '(' => {
                depth += 1;
                if depth > MAX_QUERY_NESTING {
                    return Err(format!(
                        "the query nests brackets more than {MAX_QUERY_NESTING} deep; simplify it"
                    ));
                }
            }
            ']' | ')' => depth = depth.saturating_sub(1),
            ',' => {
                commas += 1;
                if commas > MAX_COMMAS {
                    return Err(format!(
                        "the query has more than {MAX_COMMAS} commas; use at most {} selectors \
                         in brackets",
                        MAX_COMMAS + 1
                    ));
                }
            }
            '.' if prev == '.' => {
                descendants += 1;
                if descendants > MAX_DESCENDANTS {
                    return Err(format!(
                        "the query has more than {MAX_DESCENDANTS} descendant segment (..); \
                         use at most {MAX_DESCENDANTS}"
                    ));
                }
                // "..." counts as one more, not two.
                prev = '\0';
                continue;
            }
            _ => {}
        }
        prev = c;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::query;

    const DATA: &[u8] =
        br#"{"items":[{"name":"a","price":2.5},{"name":"b","price":4}],"owner":{"name":"z"}}"#;

    #[test]
    fn queries() {
        assert_eq!(
            query(DATA, "$.items[0].name").unwrap(),
            r#"1 matches: ["a"]"#
        );
        assert_eq!(
            query(DATA, "$.items[*].price").unwrap(),
            "2 matches: [2.5,4]"
        );
        assert!(query(DATA, "$..name").unwrap().starts_with("3 matches: ["));
        assert_eq!(
            query(DATA, "$.items[?@.price > 3].name").unwrap(),
            r#"1 matches: ["b"]"#
        );
        assert_eq!(query(DATA, "$.nothing").unwrap(), "0 matches: []");
    }

    #[test]
    fn errors() {
        assert!(query(DATA, "").unwrap_err().contains("empty"));
        assert!(query(DATA, "items[")
            .unwrap_err()
            .contains("not valid JSONPath"));
        assert!(query(b"a,b\n1,2", "$.a").unwrap_err().contains("not JSON"));
        assert!(query(DATA, "$..a..b..c")
            .unwrap_err()
            .contains("descendant"));
        let nested = format!("${}", "[?@".repeat(10));
        assert!(query(DATA, &nested).unwrap_err().contains("nests"));
        let deep = format!("{}1{}", "[".repeat(40), "]".repeat(40));
        assert!(query(deep.as_bytes(), "$").unwrap_err().contains("deep"));
        assert!(query(DATA, &"x".repeat(300))
            .unwrap_err()
            .contains("over the most"));
    }

    #[test]
    fn worst_case_data_stays_cheap() {
        // About 1 MiB, 32 deep at the bottom, many small nodes.
        let leaves = vec!["[1,{\"a\":[2]}]"; 60_000].join(",");
        let deep = format!("{}[{leaves}]{}", "[".repeat(28), "]".repeat(28));
        assert!(deep.len() <= 1024 * 1024);
        for q in ["$..*", "$..[?@.*]", "$..[?count(@.*)>1]", "$..a[*,*,*,*]"] {
            let out = query(deep.as_bytes(), q).unwrap();
            assert!(out.len() < 4096, "{q}");
        }
    }

    #[test]
    fn large_results_are_cut() {
        let data = format!("[{}]", vec!["\"abcdefghij\""; 5000].join(","));
        let out = query(data.as_bytes(), "$[*]").unwrap();
        assert!(out.starts_with("5000 matches: [\"abcdefghij\""));
        assert!(out.len() < 8 * 1024);
    }
}
