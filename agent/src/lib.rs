//! AITBC AI agents, the parts that need no chain: an agent's config ([`config`]: schema,
//! validation with clear messages, canonical bytes), the tools a miner runs for an agent
//! ([`tools`]: calculator, JSONPath query, table statistics, text utilities, and chain reads
//! behind the [`tools::ChainReader`] trait the worker implements) and the parser of the model's
//! ReAct steps ([`step`]), and the evaluation sets self-optimization measures an agent on
//! ([`eval`]).
//!
//! Every input is treated as hostile: the config JSON, the run's data file and the model's tool
//! arguments. Sizes and nesting depths are checked before anything is parsed, every output is
//! bounded, and no input can make a function here panic or loop without bound.
//! See `docs/AGENTS.md` for the config schema and the tools.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod config;
pub mod eval;
mod json_depth;
pub mod step;
pub mod tools;

pub use config::{parse_canonical, parse_config, AgentConfig, ConfigError, Decoding, Limits};
pub use eval::{answer_matches, default_eval_set, parse_eval_set, EvalTask};
pub use step::{parse_step, ParsedStep, StepAction, StepError};
pub use tools::{prompt_tools_section, ChainReader, Observation, ToolBox, ToolId};
