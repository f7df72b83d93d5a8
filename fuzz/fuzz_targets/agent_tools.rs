//! Agent tools (`aitbc-agent`): one tool call as a miner runs it for an agent, with hostile tool
//! names, arguments and data files, and the model's step text through the step parser. Input:
//! one byte of allowed tools (a bit per `ToolId::ALL` entry), then the tool name, the arguments
//! and the data file separated by NUL bytes (no data file when there is no third NUL).
#![no_main]

use aitbc_agent::{parse_step, ChainReader, ToolBox, ToolId};
use libfuzzer_sys::fuzz_target;

struct Echo;

impl ChainReader for Echo {
    fn balance(&self, account: &str) -> Result<String, String> {
        Ok(account.repeat(40))
    }
    fn job(&self, id: u64) -> Result<String, String> {
        Err(format!("no job {id}"))
    }
    fn pricing(&self, model: &str) -> Result<String, String> {
        Ok(model.to_string())
    }
    fn block(&self, number: Option<u64>) -> Result<String, String> {
        Ok(format!("{number:?}"))
    }
}

fuzz_target!(|input: &[u8]| {
    let Some((&mask, rest)) = input.split_first() else {
        return;
    };
    let allowed: Vec<ToolId> = ToolId::ALL
        .into_iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, t)| t)
        .collect();
    let mut parts = rest.splitn(3, |&b| b == 0);
    let tool = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let args = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let data = parts.next();
    let chain: Option<&dyn ChainReader> = if mask & 0x80 != 0 { Some(&Echo) } else { None };
    let tools = ToolBox::new(&allowed, data, chain);
    let observation = tools.call(&tool, &args);
    assert!(observation.text.len() <= aitbc_agent::tools::MAX_OBSERVATION_BYTES);
    let _ = parse_step(&args);
});
