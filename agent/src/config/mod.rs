//! The agent config: its schema, validation with messages that name the field, and canonical
//! bytes (what is stored on chain). The schema is documented in `docs/AGENTS.md`.
//!
//! ```
//! let config = aitbc_agent::parse_config(br#"{"model":"smollm2","price_cap":"2.5","tools":["calculator"]}"#).unwrap();
//! assert_eq!(config.limits.max_steps, 6);
//! let stored = config.canonical_bytes();
//! assert_eq!(aitbc_agent::parse_canonical(&stored).unwrap(), config);
//! ```

mod error;
mod price;
mod strict;

use serde_json::{Map, Value};

use error::quote;
pub use error::ConfigError;
pub use price::{format_ait, DECIMALS};

use crate::tools::ToolId;

/// The largest config document, in bytes.
pub const MAX_CONFIG_BYTES: usize = 8 * 1024;
/// The deepest nesting of arrays and objects in a config document.
pub const MAX_CONFIG_DEPTH: usize = 8;
/// The longest `description`, in bytes.
pub const MAX_DESCRIPTION_BYTES: usize = 512;
/// The longest `system_prompt`, in bytes.
pub const MAX_SYSTEM_PROMPT_BYTES: usize = 2048;
/// The longest `model` name, in bytes.
pub const MAX_MODEL_BYTES: usize = 64;
/// The most tools an agent can list.
pub const MAX_TOOLS: usize = 16;

/// A validated agent config. Build it with [`parse_config`] (a client's file) or
/// [`parse_canonical`] (stored bytes); store it as [`AgentConfig::canonical_bytes`].
#[derive(Clone, Debug, PartialEq)]
pub struct AgentConfig {
    /// What the agent is for (at most 512 bytes).
    pub description: Option<String>,
    /// The model the agent runs, e.g. `smollm2` (1 to 64 bytes of `a-z 0-9 : . _ -`).
    pub model: String,
    /// Instructions put before the tool list in the model's prompt (at most 2048 bytes).
    pub system_prompt: Option<String>,
    /// The tools the agent may call, unique, sorted by id. A tool not listed never runs.
    pub tools: Vec<ToolId>,
    /// Bounds on one run.
    pub limits: Limits,
    /// The most a run may cost, in base units (12 decimals: 1 AIT = 10^12); more than 0.
    pub price_cap: u128,
    /// Sampling settings.
    pub decoding: Decoding,
}

/// Bounds on one run of an agent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The most ReAct steps (model turns), 1 to 16; default 6.
    pub max_steps: u32,
    /// The most tokens generated over the whole run, 1 to 4096; default 1024.
    pub max_tokens: u32,
    /// The most tool calls, 0 to 16; default 4.
    pub max_tool_calls: u32,
    /// The run's deadline in seconds, 10 to 3600; default 300.
    pub deadline_secs: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_steps: 6,
            max_tokens: 1024,
            max_tool_calls: 4,
            deadline_secs: 300,
        }
    }
}

/// Sampling settings of a run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Decoding {
    /// Sampling temperature, 0.0 to 2.0; default 0.0 (greedy).
    pub temperature: f64,
    /// Sampling seed; default 0.
    pub seed: u64,
}

impl Default for Decoding {
    fn default() -> Self {
        Self {
            temperature: 0.0,
            seed: 0,
        }
    }
}

const TOP_FIELDS: &[&str] = &[
    "decoding",
    "description",
    "limits",
    "model",
    "price_cap",
    "system_prompt",
    "tools",
];
const LIMIT_FIELDS: &[&str] = &["deadline_secs", "max_steps", "max_tokens", "max_tool_calls"];
const DECODING_FIELDS: &[&str] = &["seed", "temperature"];

/// Parse and validate a client's agent config (JSON, at most 8 KiB, nesting at most 8 deep).
/// Missing optional fields take their defaults; unknown fields are errors naming the field.
pub fn parse_config(bytes: &[u8]) -> Result<AgentConfig, ConfigError> {
    if bytes.len() > MAX_CONFIG_BYTES {
        return Err(ConfigError::document(format!(
            "the file is {} bytes, over the most allowed ({MAX_CONFIG_BYTES}); shorten the \
             description or system_prompt",
            bytes.len()
        )));
    }
    if crate::json_depth::exceeds(bytes, MAX_CONFIG_DEPTH) {
        return Err(ConfigError::document(format!(
            "arrays and objects nest more than {MAX_CONFIG_DEPTH} deep; the schema needs at most 2"
        )));
    }
    let value: Value = strict::from_slice(bytes).map_err(|e| {
        let e = e.to_string();
        if let Some(what) = e.strip_prefix(strict::DUPLICATE) {
            let (name, place) = what.rsplit_once(" at ").unwrap_or((what, "?"));
            ConfigError::document(format!(
                "the field {name} appears twice in one object ({place}); write each field once"
            ))
        } else {
            ConfigError::document(format!(
                "not valid JSON ({e}); write one JSON object such as \
                 {{\"model\":\"smollm2\",\"price_cap\":\"2.5\"}}"
            ))
        }
    })?;
    let Value::Object(top) = value else {
        return Err(ConfigError::document(format!(
            "the config is {}, not a JSON object; write one object such as \
             {{\"model\":\"smollm2\",\"price_cap\":\"2.5\"}}",
            kind(&value)
        )));
    };
    check_known("", &top, TOP_FIELDS)?;

    let model = match top.get("model") {
        None | Some(Value::Null) => {
            return Err(ConfigError::field(
                "model",
                "missing; it is required: the model the agent runs, e.g. \"smollm2\"",
            ))
        }
        Some(v) => model_name(v)?,
    };
    let price_cap = match top.get("price_cap") {
        None | Some(Value::Null) => {
            return Err(ConfigError::field(
                "price_cap",
                "missing; it is required: the most a run may cost in AIT, e.g. \"2.5\"",
            ))
        }
        Some(Value::String(s)) => {
            price::parse_ait(s).map_err(|m| ConfigError::field("price_cap", m))?
        }
        Some(v) => {
            return Err(ConfigError::field(
                "price_cap",
                format!(
                    "expected a string such as \"2.5\" (a decimal amount of AIT), found {}",
                    kind(v)
                ),
            ))
        }
    };
    let description = optional_text(&top, "description", MAX_DESCRIPTION_BYTES)?;
    let system_prompt = optional_text(&top, "system_prompt", MAX_SYSTEM_PROMPT_BYTES)?;
    let tools = match top.get("tools") {
        None | Some(Value::Null) => Vec::new(),
        Some(v) => tool_list(v)?,
    };
    let limits = match top.get("limits") {
        None | Some(Value::Null) => Limits::default(),
        Some(v) => limits(v)?,
    };
    let decoding = match top.get("decoding") {
        None | Some(Value::Null) => Decoding::default(),
        Some(v) => decoding(v)?,
    };
    Ok(AgentConfig {
        description,
        model,
        system_prompt,
        tools,
        limits,
        price_cap,
        decoding,
    })
}

/// Parse stored config bytes, which must be canonical ([`AgentConfig::canonical_bytes`]):
/// `parse_canonical(&c.canonical_bytes()) == Ok(c)`.
pub fn parse_canonical(bytes: &[u8]) -> Result<AgentConfig, ConfigError> {
    let config = parse_config(bytes)?;
    if config.canonical_bytes() != bytes {
        return Err(ConfigError::document(
            "the bytes are a valid config but not in canonical form (every field present, keys \
             sorted, tools sorted, no whitespace); store AgentConfig::canonical_bytes()",
        ));
    }
    Ok(config)
}

impl AgentConfig {
    /// The canonical JSON of this config: every field present (defaults filled, absent optional
    /// fields as `null`), keys sorted, tools sorted by id, the price as the shortest decimal
    /// string, no insignificant whitespace. Two equivalent files give identical bytes.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let text = |s: &Option<String>| s.as_ref().map_or(Value::Null, |s| Value::from(s.as_str()));
        // -0.0 is written as 0.0.
        let temperature = if self.decoding.temperature == 0.0 {
            0.0
        } else {
            self.decoding.temperature
        };
        let temperature =
            serde_json::Number::from_f64(temperature).map_or(Value::Null, Value::Number);
        let l = &self.limits;
        // Written field by field in sorted order, so the bytes do not depend on serde_json's map
        // order (its `preserve_order` feature may be on in the workspace).
        let mut out = String::with_capacity(256);
        out.push_str("{\"decoding\":{\"seed\":");
        out.push_str(&self.decoding.seed.to_string());
        out.push_str(",\"temperature\":");
        out.push_str(&temperature.to_string());
        out.push_str("},\"description\":");
        out.push_str(&text(&self.description).to_string());
        out.push_str(&format!(
            ",\"limits\":{{\"deadline_secs\":{},\"max_steps\":{},\"max_tokens\":{},\"max_tool_calls\":{}}}",
            l.deadline_secs, l.max_steps, l.max_tokens, l.max_tool_calls
        ));
        out.push_str(",\"model\":");
        out.push_str(&Value::from(self.model.as_str()).to_string());
        out.push_str(",\"price_cap\":");
        out.push_str(&Value::from(format_ait(self.price_cap)).to_string());
        out.push_str(",\"system_prompt\":");
        out.push_str(&text(&self.system_prompt).to_string());
        out.push_str(",\"tools\":[");
        let mut tools: Vec<&str> = self.tools.iter().map(|t| t.as_str()).collect();
        tools.sort_unstable();
        tools.dedup();
        for (i, t) in tools.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push('"');
            out.push_str(t);
            out.push('"');
        }
        out.push_str("]}");
        out.into_bytes()
    }
}

/// The JSON type of `v`, for messages.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

fn check_known(prefix: &str, map: &Map<String, Value>, known: &[&str]) -> Result<(), ConfigError> {
    for key in map.keys() {
        if !known.contains(&key.as_str()) {
            let shown = quote(key);
            let path = join(prefix, shown.trim_matches('"'));
            return Err(ConfigError::field(
                &path,
                format!(
                    "not a known field; the known fields here are {}",
                    known.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

fn integer(path: &str, v: &Value, min: u64, max: u64) -> Result<u64, ConfigError> {
    let n = match v {
        Value::Number(n) => n,
        other => {
            return Err(ConfigError::field(
                path,
                format!(
                    "expected a whole number from {min} to {max}, found {}",
                    kind(other)
                ),
            ))
        }
    };
    let Some(n) = n.as_u64() else {
        let what = if n.as_i64().is_some_and(|i| i < 0) || n.as_f64().is_some_and(|f| f < 0.0) {
            "is negative"
        } else {
            "is not a whole number"
        };
        return Err(ConfigError::field(
            path,
            format!("{n} {what}; use a whole number from {min} to {max}"),
        ));
    };
    if n > max {
        return Err(ConfigError::field(
            path,
            format!("{n} is over the most allowed ({max}); use {min} to {max}"),
        ));
    }
    if n < min {
        return Err(ConfigError::field(
            path,
            format!("{n} is under the least allowed ({min}); use {min} to {max}"),
        ));
    }
    Ok(n)
}

fn model_name(v: &Value) -> Result<String, ConfigError> {
    let Value::String(s) = v else {
        return Err(ConfigError::field(
            "model",
            format!("expected a string such as \"smollm2\", found {}", kind(v)),
        ));
    };
    if s.is_empty() || s.len() > MAX_MODEL_BYTES {
        return Err(ConfigError::field(
            "model",
            format!(
                "is {} bytes long; use 1 to {MAX_MODEL_BYTES} bytes, e.g. \"smollm2\"",
                s.len()
            ),
        ));
    }
    if let Some(c) = s
        .chars()
        .find(|c| !matches!(c, 'a'..='z' | '0'..='9' | ':' | '.' | '_' | '-'))
    {
        return Err(ConfigError::field(
            "model",
            format!(
                "{} contains {c:?}; use only lowercase letters, digits and : . _ -",
                quote(s)
            ),
        ));
    }
    Ok(s.clone())
}

fn optional_text(
    top: &Map<String, Value>,
    field: &str,
    max: usize,
) -> Result<Option<String>, ConfigError> {
    let s = match top.get(field) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => s,
        Some(v) => {
            return Err(ConfigError::field(
                field,
                format!("expected a string, found {}", kind(v)),
            ))
        }
    };
    if s.len() > max {
        return Err(ConfigError::field(
            field,
            format!(
                "is {} bytes, over the most allowed ({max}); shorten it",
                s.len()
            ),
        ));
    }
    if let Some((at, c)) = s
        .char_indices()
        .find(|(_, c)| c.is_control() && *c != '\n' && *c != '\t')
    {
        return Err(ConfigError::field(
            field,
            format!(
                "contains the control character U+{:04X} at byte {at}; remove it (only newlines \
                 and tabs are allowed)",
                u32::from(c)
            ),
        ));
    }
    Ok(Some(s.clone()))
}

fn tool_list(v: &Value) -> Result<Vec<ToolId>, ConfigError> {
    let Value::Array(items) = v else {
        return Err(ConfigError::field(
            "tools",
            format!(
                "expected an array of tool ids such as [\"calculator\"], found {}",
                kind(v)
            ),
        ));
    };
    if items.len() > MAX_TOOLS {
        return Err(ConfigError::field(
            "tools",
            format!(
                "lists {} tools, over the most allowed ({MAX_TOOLS})",
                items.len()
            ),
        ));
    }
    let mut tools = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let path = format!("tools[{i}]");
        let Value::String(name) = item else {
            return Err(ConfigError::field(
                &path,
                format!("expected a tool id (a string), found {}", kind(item)),
            ));
        };
        let Some(tool) = ToolId::from_id(name) else {
            return Err(ConfigError::field(
                &path,
                format!(
                    "{} is not a known tool; known tools: {}",
                    quote(name),
                    ToolId::id_list()
                ),
            ));
        };
        if tools.contains(&tool) {
            return Err(ConfigError::field(
                &path,
                format!("{} is listed twice; list each tool once", quote(name)),
            ));
        }
        tools.push(tool);
    }
    tools.sort_unstable_by_key(|t| t.as_str());
    Ok(tools)
}

fn object<'a>(
    path: &str,
    v: &'a Value,
    known: &[&str],
) -> Result<&'a Map<String, Value>, ConfigError> {
    let Value::Object(map) = v else {
        return Err(ConfigError::field(
            path,
            format!(
                "expected an object with fields {}, found {}",
                known.join(", "),
                kind(v)
            ),
        ));
    };
    check_known(path, map, known)?;
    Ok(map)
}

fn limits(v: &Value) -> Result<Limits, ConfigError> {
    let map = object("limits", v, LIMIT_FIELDS)?;
    let mut limits = Limits::default();
    let fields: [(&str, &mut u32, u64, u64); 4] = [
        ("max_steps", &mut limits.max_steps, 1, 16),
        ("max_tokens", &mut limits.max_tokens, 1, 4096),
        ("max_tool_calls", &mut limits.max_tool_calls, 0, 16),
        ("deadline_secs", &mut limits.deadline_secs, 10, 3600),
    ];
    for (name, slot, min, max) in fields {
        match map.get(name) {
            None | Some(Value::Null) => {}
            Some(v) => *slot = integer(&format!("limits.{name}"), v, min, max)? as u32,
        }
    }
    Ok(limits)
}

fn decoding(v: &Value) -> Result<Decoding, ConfigError> {
    let map = object("decoding", v, DECODING_FIELDS)?;
    let mut decoding = Decoding::default();
    match map.get("temperature") {
        None | Some(Value::Null) => {}
        Some(Value::Number(n)) => {
            let t = n.as_f64().unwrap_or(f64::NAN);
            if !(0.0..=2.0).contains(&t) {
                return Err(ConfigError::field(
                    "decoding.temperature",
                    format!("{n} is outside the allowed range; use 0.0 to 2.0 (0.0 is greedy)"),
                ));
            }
            decoding.temperature = t;
        }
        Some(other) => {
            return Err(ConfigError::field(
                "decoding.temperature",
                format!("expected a number from 0.0 to 2.0, found {}", kind(other)),
            ))
        }
    }
    match map.get("seed") {
        None | Some(Value::Null) => {}
        Some(v) => decoding.seed = integer("decoding.seed", v, 0, u64::MAX)?,
    }
    Ok(decoding)
}

#[cfg(test)]
mod tests;
