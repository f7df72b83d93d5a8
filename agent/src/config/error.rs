//! [`ConfigError`]: what is wrong with an agent config, naming the field.

use std::fmt;

/// Why an agent config was rejected: the field (a path such as `limits.max_steps` or
/// `tools[2]`, absent for the document as a whole) and what was wrong with it and what to do.
///
/// Displayed as `config field "limits.max_steps": 40 is over the most allowed (16); use 1 to 16`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    field: Option<String>,
    message: String,
}

impl ConfigError {
    /// An error about the field at `path`.
    pub(crate) fn field(path: &str, message: impl Into<String>) -> Self {
        Self {
            field: Some(path.to_string()),
            message: message.into(),
        }
    }

    /// An error about the document as a whole (size, depth, syntax).
    pub(crate) fn document(message: impl Into<String>) -> Self {
        Self {
            field: None,
            message: message.into(),
        }
    }

    /// The path of the field that was wrong (`limits.max_steps`, `tools[2]`), if the error is
    /// about one field.
    pub fn field_path(&self) -> Option<&str> {
        self.field.as_deref()
    }

    /// What was wrong and what to do, without the field.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "config field \"{field}\": {}", self.message),
            None => write!(f, "config: {}", self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

/// `s` as a JSON string for a message, cut to 64 characters (hostile keys can be long).
pub(crate) fn quote(s: &str) -> String {
    let mut cut: String = s.chars().take(64).collect();
    if cut.len() < s.len() {
        cut.push('…');
    }
    serde_json::to_string(&cut).unwrap_or_else(|_| String::from("\"?\""))
}
