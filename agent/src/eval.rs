//! Evaluation sets for self-optimization (`aitbc optimize self-opt`): the tasks an agent is
//! measured on, how a run's answer is judged against a task's expected answer, and the fixed
//! set used when the owner gives none.
//!
//! An evaluation file is a JSON array of at most [`MAX_EVAL_TASKS`] objects
//! `{"input": "...", "expect": "..."}` (`expect` optional), at most [`MAX_EVAL_FILE_BYTES`].

use crate::ToolId;
use serde::{Deserialize, Serialize};

/// Most tasks in one evaluation set.
pub const MAX_EVAL_TASKS: usize = 8;
/// Most bytes of a task's input.
pub const MAX_EVAL_INPUT_BYTES: usize = 2048;
/// Most bytes of a task's expected answer.
pub const MAX_EXPECT_BYTES: usize = 256;
/// Most bytes of an evaluation file.
pub const MAX_EVAL_FILE_BYTES: usize = 32 * 1024;

/// One task of an evaluation set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvalTask {
    /// What the agent is asked.
    pub input: String,
    /// The answer expected: a number matches when it is the last number of the answer (`391`,
    /// `391.0`, `1,000` for `1000`); text matches case-insensitively anywhere in it. Without
    /// it a run counts as correct when it ends with an answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<String>,
}

/// Check an evaluation set's bounds, naming the task that is wrong.
pub fn check_eval_set(tasks: &[EvalTask]) -> Result<(), String> {
    if tasks.is_empty() {
        return Err("the evaluation set has no tasks: give at least one".into());
    }
    if tasks.len() > MAX_EVAL_TASKS {
        return Err(format!(
            "the evaluation set has {} tasks; at most {MAX_EVAL_TASKS}",
            tasks.len()
        ));
    }
    for (i, t) in tasks.iter().enumerate() {
        let n = i + 1;
        if t.input.trim().is_empty() {
            return Err(format!("task {n}: \"input\" is empty"));
        }
        if t.input.len() > MAX_EVAL_INPUT_BYTES {
            return Err(format!(
                "task {n}: \"input\" is {} bytes; at most {MAX_EVAL_INPUT_BYTES}",
                t.input.len()
            ));
        }
        if let Some(e) = &t.expect {
            if e.trim().is_empty() || e.len() > MAX_EXPECT_BYTES {
                return Err(format!(
                    "task {n}: \"expect\" must be 1 to {MAX_EXPECT_BYTES} bytes (leave it out to count any answer)"
                ));
            }
        }
        if has_control(&t.input) || t.expect.as_deref().is_some_and(has_control) {
            return Err(format!(
                "task {n}: control characters other than newline and tab are not allowed"
            ));
        }
    }
    Ok(())
}

fn has_control(s: &str) -> bool {
    s.chars().any(|c| c.is_control() && c != '\n' && c != '\t')
}

/// Parse and check an evaluation file.
pub fn parse_eval_set(bytes: &[u8]) -> Result<Vec<EvalTask>, String> {
    if bytes.len() > MAX_EVAL_FILE_BYTES {
        return Err(format!(
            "the evaluation file is {} bytes; at most {MAX_EVAL_FILE_BYTES}",
            bytes.len()
        ));
    }
    if crate::json_depth::exceeds(bytes, 3) {
        return Err(
            "the evaluation file nests too deep: it is an array of {\"input\", \"expect\"} objects"
                .into(),
        );
    }
    let tasks: Vec<EvalTask> = serde_json::from_slice(bytes).map_err(|e| {
        format!("the evaluation file is not an array of {{\"input\": ..., \"expect\": ...}} objects: {e}")
    })?;
    check_eval_set(&tasks)?;
    Ok(tasks)
}

/// The fixed evaluation set for an agent that lists `tools`, when its owner gives none: the
/// calculator's arithmetic questions (each needs the tool: the small models get them wrong from
/// memory). `None` when the agent has no tool these questions exercise.
pub fn default_eval_set(tools: &[ToolId]) -> Option<Vec<EvalTask>> {
    if !tools.contains(&ToolId::Calculator) {
        return None;
    }
    let task = |input: &str, expect: &str| EvalTask {
        input: input.into(),
        expect: Some(expect.into()),
    };
    Some(vec![
        task("What is 17*23? Use the calculator.", "391"),
        task("What is 2^10 - 24? Use the calculator.", "1000"),
        task("What is (144/12)+7? Use the calculator.", "19"),
    ])
}

/// Every number written in `s` (`1,000` read as 1000; a leading minus kept).
fn numbers(s: &str) -> Vec<f64> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let flush = |cur: &mut String, out: &mut Vec<f64>| {
        let t = cur.trim_end_matches('.');
        if let Ok(v) = t.parse::<f64>() {
            out.push(v);
        }
        cur.clear();
    };
    let chars: Vec<char> = s.chars().take(4096).collect();
    for (i, &c) in chars.iter().enumerate() {
        let next_digit = chars.get(i + 1).is_some_and(|d| d.is_ascii_digit());
        if c.is_ascii_digit() || (c == '.' && !cur.is_empty() && next_digit) {
            cur.push(c);
        } else if c == ',' && !cur.is_empty() && next_digit {
            // A thousands separator.
        } else if c == '-' && cur.is_empty() && next_digit {
            cur.push(c);
        } else if !cur.is_empty() {
            flush(&mut cur, &mut out);
        }
    }
    if !cur.is_empty() {
        flush(&mut cur, &mut out);
    }
    out
}

/// Whether `answer` gives `expect`: a numeric `expect` must be the last number the answer
/// writes (relative difference under 1e-9: `17*23 = 391.0` gives 391, `19, or 26` does not give
/// 19), other text matches case-insensitively anywhere in it.
pub fn answer_matches(answer: &str, expect: &str) -> bool {
    let e = expect.trim();
    if let Ok(want) = e.replace(',', "").parse::<f64>() {
        if want.is_finite() {
            return numbers(answer)
                .last()
                .is_some_and(|got| (got - want).abs() <= 1e-9 * want.abs().max(1.0));
        }
    }
    answer.to_lowercase().contains(&e.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_match_whatever_their_form() {
        assert!(answer_matches("The answer is 391.", "391"));
        assert!(answer_matches("17*23 = 391.0", "391"));
        assert!(answer_matches("It comes to 1,000", "1000"));
        assert!(answer_matches("-4 degrees", "-4"));
        assert!(!answer_matches("The answer is 390.", "391"));
        assert!(!answer_matches("3910", "391"));
        assert!(
            !answer_matches("(19+7) - 3.5, 19-7=4", "19"),
            "the last number counts"
        );
        assert!(answer_matches("The capital is Paris", "paris"));
        assert!(!answer_matches("", "paris"));
    }

    #[test]
    fn a_file_is_checked_and_its_errors_name_the_task() {
        let ok = parse_eval_set(br#"[{"input":"What is 2+2?","expect":"4"},{"input":"Hi"}]"#)
            .expect("parses");
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[1].expect, None);
        let e = parse_eval_set(br#"[{"input":"a"},{"input":" "}]"#).unwrap_err();
        assert!(e.contains("task 2"), "{e}");
        let e = parse_eval_set(br#"[{"input":"a","answer":"b"}]"#).unwrap_err();
        assert!(e.contains("answer"), "{e}");
        let e = parse_eval_set(b"[[[[[1]]]]]").unwrap_err();
        assert!(e.contains("too deep"), "{e}");
        let many = format!("[{}]", [r#"{"input":"a"}"#; 9].join(","));
        assert!(parse_eval_set(many.as_bytes())
            .unwrap_err()
            .contains("at most 8"));
        assert!(parse_eval_set(b"[]").is_err());
    }

    #[test]
    fn the_default_set_needs_the_calculator() {
        assert!(default_eval_set(&[ToolId::Text]).is_none());
        let set = default_eval_set(&[ToolId::Calculator]).expect("a set");
        check_eval_set(&set).expect("within bounds");
    }
}
