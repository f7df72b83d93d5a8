//! The tools an agent can call. They run inside the miner daemon with no filesystem, process or
//! network access: over the run's data file, over the model's argument, or (chain tools) through
//! the worker's [`ChainReader`]. A [`ToolBox`] holds the tools one run may use; every call gives
//! an [`Observation`] of at most [`MAX_OBSERVATION_BYTES`], and no call panics.

mod bounded;
pub mod calculator;
mod chain;
pub mod json_query;
mod number;
pub mod table;
pub mod text;

use std::fmt;

pub use chain::ChainReader;

/// The most bytes of an observation's text.
pub const MAX_OBSERVATION_BYTES: usize = 1024;
/// The largest data file the data tools read, in bytes.
pub const MAX_DATA_BYTES: usize = 1024 * 1024;
/// The longest tool argument, in bytes.
pub const MAX_ARGS_BYTES: usize = 4096;

/// A tool an agent can list. The string ids ([`ToolId::as_str`]) are stable: configs store them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ToolId {
    /// `calculator`: arithmetic.
    Calculator,
    /// `json_query`: JSONPath over the run's JSON data file.
    JsonQuery,
    /// `table_stats`: column statistics of the run's CSV data file.
    TableStats,
    /// `text`: counts, search, numbers and lines of the run's data file as text.
    Text,
    /// `chain_balance`: an account's balance.
    ChainBalance,
    /// `chain_job`: a job's state.
    ChainJob,
    /// `chain_pricing`: the pricing oracle's price for a model.
    ChainPricing,
    /// `chain_block`: a block's summary.
    ChainBlock,
}

impl ToolId {
    /// Every tool, in the order the docs list them.
    pub const ALL: [ToolId; 8] = [
        ToolId::Calculator,
        ToolId::JsonQuery,
        ToolId::TableStats,
        ToolId::Text,
        ToolId::ChainBalance,
        ToolId::ChainJob,
        ToolId::ChainPricing,
        ToolId::ChainBlock,
    ];

    /// The stable string id (`calculator`, `json_query`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ToolId::Calculator => "calculator",
            ToolId::JsonQuery => "json_query",
            ToolId::TableStats => "table_stats",
            ToolId::Text => "text",
            ToolId::ChainBalance => "chain_balance",
            ToolId::ChainJob => "chain_job",
            ToolId::ChainPricing => "chain_pricing",
            ToolId::ChainBlock => "chain_block",
        }
    }

    /// The tool with string id `id` (exact match), if there is one.
    pub fn from_id(id: &str) -> Option<ToolId> {
        Self::ALL.into_iter().find(|t| t.as_str() == id)
    }

    /// One line saying what the tool does, with an example, for the model's prompt.
    pub fn description(self) -> &'static str {
        match self {
            ToolId::Calculator => {
                "evaluates arithmetic (+ - * / % ^, parentheses, sqrt abs round floor ceil min max ln log10 exp, pi, e), e.g. (17*23)+4"
            }
            ToolId::JsonQuery => {
                "runs a JSONPath query over the JSON data file, e.g. $.items[?@.price > 3].name"
            }
            ToolId::TableStats => {
                "column statistics of the CSV data file (count sum mean min max median stddev), e.g. price,mean"
            }
            ToolId::Text => "reads the data file as text, e.g. find error",
            ToolId::ChainBalance => "the balance of an account, e.g. 5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",
            ToolId::ChainJob => "the state of a job on chain, e.g. 42",
            ToolId::ChainPricing => "the current price of a model from the pricing oracle, e.g. smollm2",
            ToolId::ChainBlock => "a block's number, hash, time and extrinsic count, e.g. latest",
        }
    }

    /// The input the tool takes, for the model's prompt.
    pub fn input_format(self) -> &'static str {
        match self {
            ToolId::Calculator => "an arithmetic expression",
            ToolId::JsonQuery => "a JSONPath query starting with $",
            ToolId::TableStats => "columns | <column> | <column>,<stat>",
            ToolId::Text => "count | find <text> | numbers | lines <from>-<to>",
            ToolId::ChainBalance => "an account address",
            ToolId::ChainJob => "a job id",
            ToolId::ChainPricing => "a model name",
            ToolId::ChainBlock => "a block number or latest",
        }
    }

    /// Whether the tool reads the chain (needs a [`ChainReader`]).
    pub fn reads_chain(self) -> bool {
        matches!(
            self,
            ToolId::ChainBalance | ToolId::ChainJob | ToolId::ChainPricing | ToolId::ChainBlock
        )
    }

    /// Whether the tool reads the run's data file.
    pub fn reads_data(self) -> bool {
        matches!(self, ToolId::JsonQuery | ToolId::TableStats | ToolId::Text)
    }

    /// Every tool id, comma-separated, for messages.
    pub(crate) fn id_list() -> String {
        Self::ALL.map(ToolId::as_str).join(", ")
    }
}

impl fmt::Display for ToolId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a tool call gave the model: its text (at most [`MAX_OBSERVATION_BYTES`]) and whether
/// the call succeeded. Errors start with `error: ` and say what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observation {
    /// Whether the tool ran and answered.
    pub ok: bool,
    /// The answer or the error, at most [`MAX_OBSERVATION_BYTES`] bytes.
    pub text: String,
}

impl Observation {
    /// A successful observation of `text`, truncated if longer than the limit.
    pub fn success(text: impl Into<String>) -> Self {
        Self {
            ok: true,
            text: bound(text.into()),
        }
    }

    /// An error observation: `error: ` and `message`, truncated if longer than the limit.
    pub fn error(message: impl AsRef<str>) -> Self {
        Self {
            ok: false,
            text: bound(format!("error: {}", message.as_ref())),
        }
    }
}

/// `text` cut to [`MAX_OBSERVATION_BYTES`] on a character boundary, with a note when cut.
fn bound(mut text: String) -> String {
    const NOTE: &str = " …[truncated]";
    if text.len() <= MAX_OBSERVATION_BYTES {
        return text;
    }
    let mut at = MAX_OBSERVATION_BYTES - NOTE.len();
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    text.truncate(at);
    text.push_str(NOTE);
    text
}

/// The tools one run may use, over the run's data file and the worker's chain reader.
pub struct ToolBox<'a> {
    allowed: Vec<ToolId>,
    data: Option<&'a [u8]>,
    chain: Option<&'a dyn ChainReader>,
}

impl<'a> ToolBox<'a> {
    /// The tools `allowed` (the agent's config), over `data` (the run's data file, if any) and
    /// `chain` (the worker's reader at the run's pinned block, if chain reads are available).
    pub fn new(
        allowed: &[ToolId],
        data: Option<&'a [u8]>,
        chain: Option<&'a dyn ChainReader>,
    ) -> Self {
        let mut allowed = allowed.to_vec();
        allowed.sort_unstable();
        allowed.dedup();
        Self {
            allowed,
            data,
            chain,
        }
    }

    /// The tools this box allows.
    pub fn allowed(&self) -> &[ToolId] {
        &self.allowed
    }

    /// Call tool `tool` (a string id, as the model wrote it) with `args`. A tool that is unknown
    /// or not allowed never runs: the observation is an error listing the allowed tools.
    pub fn call(&self, tool: &str, args: &str) -> Observation {
        let name = tool.trim();
        let Some(id) = ToolId::from_id(name).filter(|id| self.allowed.contains(id)) else {
            let allowed = if self.allowed.is_empty() {
                "none".to_string()
            } else {
                self.allowed
                    .iter()
                    .map(|t| t.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let shown = table::cut(name, 40);
            return Observation::error(if ToolId::from_id(name).is_some() {
                format!("tool {shown:?} is not allowed for this agent; allowed: {allowed}")
            } else {
                format!("unknown tool {shown:?}; the tools this agent can use: {allowed}")
            });
        };
        if args.len() > MAX_ARGS_BYTES {
            return Observation::error(format!(
                "the input is {} bytes, over the most allowed ({MAX_ARGS_BYTES}); shorten it",
                args.len()
            ));
        }
        let result = if id.reads_chain() {
            self.chain_call(id, args)
        } else if id.reads_data() {
            self.data_call(id, args)
        } else {
            calculator::evaluate(args)
        };
        match result {
            Ok(text) => Observation::success(text),
            Err(message) => Observation::error(format!("{id}: {message}")),
        }
    }

    fn data_call(&self, id: ToolId, args: &str) -> Result<String, String> {
        let Some(data) = self.data else {
            return Err("this run has no data file; answer without it".into());
        };
        if data.len() > MAX_DATA_BYTES {
            return Err(format!(
                "the data file is {} bytes, over the most the tools read ({MAX_DATA_BYTES})",
                data.len()
            ));
        }
        match id {
            ToolId::JsonQuery => json_query::query(data, args),
            ToolId::TableStats => table::stats(data, args),
            _ => text::run(data, args),
        }
    }

    fn chain_call(&self, id: ToolId, args: &str) -> Result<String, String> {
        let request = chain::parse(id, args)?;
        let Some(reader) = self.chain else {
            return Err("chain reads are not available in this run; answer without them".into());
        };
        chain::read(reader, &request).map_err(|e| format!("the chain read failed: {e}"))
    }
}

/// The tools section of the system prompt: one line per allowed tool with its input, and how to
/// finish (`final_answer`).
pub fn prompt_tools_section(allowed: &[ToolId]) -> String {
    let mut out = String::from(
        "Answer in steps. Each step is exactly three lines: Thought (your reasoning), Action (a tool id, or final_answer once you know the answer) and Input (the tool's input, or your final answer). After each tool you get its Observation.\n",
    );
    if allowed.is_empty() {
        out.push_str("You have no tools; use final_answer.\n");
    } else {
        out.push_str("Tools:\n");
        for tool in allowed {
            out.push_str(&format!(
                "- {}: {}. Input: {}\n",
                tool.as_str(),
                tool.description(),
                tool.input_format()
            ));
        }
    }
    out.push_str("- final_answer: ends the run. Input: your answer\n");
    if allowed.contains(&ToolId::Calculator) {
        // Small models write a result into their thought before computing it, then pass that
        // guess to the tool: one worked exchange shows the thought naming the work, the tool
        // doing it, and the answer taken from the observation.
        out.push_str(
            "Example:\nThought: I must compute 12*7; the calculator will do it.\nAction: calculator\nInput: 12*7\nObservation: 84\nThought: The calculator says 84.\nAction: final_answer\nInput: 84\n",
        );
    }
    out
}

#[cfg(test)]
mod tests;
