//! The parser of one ReAct step as the model writes it (the worker's constrained decoder makes
//! it write exactly this):
//!
//! ```text
//! Thought: <text, one line>
//! Action: <tool id or final_answer>
//! Input: <text, one line>
//! ```
//!
//! Blank lines, spaces around labels and values, `\r\n` line ends and the labels' letter case are
//! tolerated; anything else is a [`StepError`] saying what was expected.

use std::fmt;

/// The action that ends a run; its input is the answer.
pub const FINAL_ANSWER: &str = "final_answer";
/// The longest step text accepted, in bytes.
pub const MAX_STEP_BYTES: usize = 16 * 1024;
/// The longest action name accepted, in bytes.
pub const MAX_ACTION_BYTES: usize = 64;

/// What a step asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepAction {
    /// Call the tool with this id (not yet checked against the agent's tools: the
    /// [`crate::ToolBox`] does that).
    Tool(String),
    /// End the run; the step's input is the answer.
    FinalAnswer,
}

/// One parsed step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedStep {
    /// The model's reasoning (may be empty).
    pub thought: String,
    /// The tool to call, or the final answer.
    pub action: StepAction,
    /// The tool's input, or the final answer (may be empty).
    pub input: String,
}

/// Why a step could not be parsed. Displayed as a message that can be shown to the model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepError {
    /// The step is longer than [`MAX_STEP_BYTES`].
    TooLong {
        /// Its length in bytes.
        bytes: usize,
    },
    /// A line with this label (`Thought`, `Action`, `Input`) was expected and is missing.
    Missing {
        /// The label expected.
        label: &'static str,
    },
    /// The `Action:` line is empty.
    EmptyAction,
    /// The action is not a plausible tool id (too long, or characters other than letters,
    /// digits and `_`).
    BadAction {
        /// The action as written, cut to 40 characters.
        action: String,
    },
    /// Text follows the `Input:` line.
    TrailingText,
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const FORMAT: &str = "write exactly three lines: Thought: ..., Action: ..., Input: ...";
        match self {
            StepError::TooLong { bytes } => write!(
                f,
                "the step is {bytes} bytes, over the most allowed ({MAX_STEP_BYTES}); {FORMAT}"
            ),
            StepError::Missing { label } => {
                write!(f, "the \"{label}:\" line is missing; {FORMAT}")
            }
            StepError::EmptyAction => write!(
                f,
                "the Action line is empty; write a tool id or {FINAL_ANSWER}"
            ),
            StepError::BadAction { action } => write!(
                f,
                "the action {action:?} is not a tool id; write a tool id or {FINAL_ANSWER}"
            ),
            StepError::TrailingText => write!(
                f,
                "there is text after the Input line; {FORMAT} (the input on one line)"
            ),
        }
    }
}

impl std::error::Error for StepError {}

/// Parse one step of the model's output.
pub fn parse_step(text: &str) -> Result<ParsedStep, StepError> {
    if text.len() > MAX_STEP_BYTES {
        return Err(StepError::TooLong { bytes: text.len() });
    }
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let mut labelled = |label: &'static str| -> Result<String, StepError> {
        let line = lines.next().ok_or(StepError::Missing { label })?;
        let (name, value) = line.split_once(':').ok_or(StepError::Missing { label })?;
        if !name.trim().eq_ignore_ascii_case(label) {
            return Err(StepError::Missing { label });
        }
        Ok(value.trim().to_string())
    };
    let thought = labelled("Thought")?;
    let action = labelled("Action")?;
    let input = labelled("Input")?;
    if lines.next().is_some() {
        return Err(StepError::TrailingText);
    }
    let action = parse_action(&action)?;
    Ok(ParsedStep {
        thought,
        action,
        input,
    })
}

fn parse_action(action: &str) -> Result<StepAction, StepError> {
    // Models sometimes quote or backtick the id.
    let action = action
        .trim_matches(|c| c == '`' || c == '"' || c == '\'')
        .trim();
    if action.is_empty() {
        return Err(StepError::EmptyAction);
    }
    if action.eq_ignore_ascii_case(FINAL_ANSWER) {
        return Ok(StepAction::FinalAnswer);
    }
    if action.len() > MAX_ACTION_BYTES
        || !action
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        let mut shown: String = action.chars().take(40).collect();
        if shown.len() < action.len() {
            shown.push('…');
        }
        return Err(StepError::BadAction { action: shown });
    }
    Ok(StepAction::Tool(action.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_steps() {
        let step =
            parse_step("Thought: need the product\nAction: calculator\nInput: 17*23\n").unwrap();
        assert_eq!(
            step,
            ParsedStep {
                thought: "need the product".into(),
                action: StepAction::Tool("calculator".into()),
                input: "17*23".into(),
            }
        );
        let step =
            parse_step("\r\n  thought :  done \r\n\r\nACTION: Final_Answer\r\n input:  391 \r\n\n")
                .unwrap();
        assert_eq!(step.thought, "done");
        assert_eq!(step.action, StepAction::FinalAnswer);
        assert_eq!(step.input, "391");
        let step = parse_step("Thought:\nAction: `json_query`\nInput:\n").unwrap();
        assert_eq!(step.action, StepAction::Tool("json_query".into()));
        assert_eq!(step.input, "");
        // A colon in the value stays.
        assert_eq!(
            parse_step("Thought: a\nAction: text\nInput: find a: b")
                .unwrap()
                .input,
            "find a: b"
        );
    }

    #[test]
    fn rejects_malformed_steps() {
        assert_eq!(parse_step(""), Err(StepError::Missing { label: "Thought" }));
        assert_eq!(
            parse_step("Action: x\nInput: y"),
            Err(StepError::Missing { label: "Thought" })
        );
        assert_eq!(
            parse_step("Thought: a\nInput: y"),
            Err(StepError::Missing { label: "Action" })
        );
        assert_eq!(
            parse_step("Thought: a\nAction: b"),
            Err(StepError::Missing { label: "Input" })
        );
        assert_eq!(
            parse_step("Thought: a\nAction:\nInput: c"),
            Err(StepError::EmptyAction)
        );
        assert!(matches!(
            parse_step("Thought: a\nAction: rm -rf\nInput: c"),
            Err(StepError::BadAction { .. })
        ));
        assert_eq!(
            parse_step("Thought: a\nAction: b\nInput: c\nObservation: d"),
            Err(StepError::TrailingText)
        );
        let long = "x".repeat(MAX_STEP_BYTES + 1);
        assert_eq!(
            parse_step(&long),
            Err(StepError::TooLong {
                bytes: MAX_STEP_BYTES + 1
            })
        );
        assert!(StepError::Missing { label: "Action" }
            .to_string()
            .contains("\"Action:\" line is missing"));
    }
}
