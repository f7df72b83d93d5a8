//! The chain-read tools (`chain_balance`, `chain_job`, `chain_pricing`, `chain_block`): their
//! arguments are parsed here and the read is done by the worker's [`ChainReader`], at a finalized
//! block the worker pins for the whole run.

use super::ToolId;

/// Reads of chain state for the chain tools, implemented by the worker over its RPC client. All
/// reads of one run are at the same finalized block, chosen by the worker. Answers are short
/// human-readable text (the tool bounds them); errors say what went wrong.
pub trait ChainReader: Send + Sync {
    /// The free and reserved balance of `account` (an SS58 address or 0x-hex account id).
    fn balance(&self, account: &str) -> Result<String, String>;
    /// The state of job `id`.
    fn job(&self, id: u64) -> Result<String, String>;
    /// The pricing oracle's current price for `model`.
    fn pricing(&self, model: &str) -> Result<String, String>;
    /// Block `number` (the pinned block when `None`): number, hash, time, extrinsic count.
    fn block(&self, number: Option<u64>) -> Result<String, String>;
}

/// A parsed chain-tool request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ChainRequest {
    Balance(String),
    Job(u64),
    Pricing(String),
    Block(Option<u64>),
}

/// Parse the arguments of chain tool `tool`.
pub(crate) fn parse(tool: ToolId, args: &str) -> Result<ChainRequest, String> {
    let args = args.trim();
    match tool {
        ToolId::ChainBalance => account(args).map(ChainRequest::Balance),
        ToolId::ChainJob => number(args.trim_start_matches('#'))
            .map(ChainRequest::Job)
            .map_err(|_| "give a job id, a whole number such as 42".to_string()),
        ToolId::ChainPricing => model(args).map(ChainRequest::Pricing),
        ToolId::ChainBlock => {
            if args.is_empty() || args.eq_ignore_ascii_case("latest") {
                Ok(ChainRequest::Block(None))
            } else {
                number(args.trim_start_matches('#'))
                    .map(|n| ChainRequest::Block(Some(n)))
                    .map_err(|_| {
                        "give a block number such as 1200, or latest (the pinned block)".to_string()
                    })
            }
        }
        _ => Err(format!("{tool} is not a chain tool")),
    }
}

/// Ask `reader` for `request`.
pub(crate) fn read(reader: &dyn ChainReader, request: &ChainRequest) -> Result<String, String> {
    match request {
        ChainRequest::Balance(a) => reader.balance(a),
        ChainRequest::Job(id) => reader.job(*id),
        ChainRequest::Pricing(m) => reader.pricing(m),
        ChainRequest::Block(n) => reader.block(*n),
    }
}

fn number(s: &str) -> Result<u64, ()> {
    if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(());
    }
    s.parse().map_err(|_| ())
}

fn account(s: &str) -> Result<String, String> {
    const HOW: &str = "give an account as an SS58 address (e.g. 5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY) or 0x and 64 hex digits";
    let hex = s
        .strip_prefix("0x")
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()));
    let ss58 = (32..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() && !matches!(b, b'0' | b'O' | b'I' | b'l'));
    if hex || ss58 {
        Ok(s.to_string())
    } else {
        Err(HOW.to_string())
    }
}

fn model(s: &str) -> Result<String, String> {
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b':' | b'.' | b'_' | b'-'));
    if ok {
        Ok(s.to_string())
    } else {
        Err("give a model name such as smollm2 (lowercase letters, digits and : . _ -)".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_arguments() {
        let alice = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
        assert_eq!(
            parse(ToolId::ChainBalance, alice),
            Ok(ChainRequest::Balance(alice.into()))
        );
        let hex = format!("0x{}", "ab".repeat(32));
        assert_eq!(
            parse(ToolId::ChainBalance, &hex),
            Ok(ChainRequest::Balance(hex.clone()))
        );
        assert!(parse(ToolId::ChainBalance, "alice").is_err());
        assert_eq!(parse(ToolId::ChainJob, " #42 "), Ok(ChainRequest::Job(42)));
        assert!(parse(ToolId::ChainJob, "-1").is_err());
        assert!(parse(ToolId::ChainJob, "99999999999999999999").is_err());
        assert_eq!(
            parse(ToolId::ChainPricing, "smollm2"),
            Ok(ChainRequest::Pricing("smollm2".into()))
        );
        assert!(parse(ToolId::ChainPricing, "Bad Model").is_err());
        assert_eq!(parse(ToolId::ChainBlock, ""), Ok(ChainRequest::Block(None)));
        assert_eq!(
            parse(ToolId::ChainBlock, "latest"),
            Ok(ChainRequest::Block(None))
        );
        assert_eq!(
            parse(ToolId::ChainBlock, "1200"),
            Ok(ChainRequest::Block(Some(1200)))
        );
        assert!(parse(ToolId::ChainBlock, "soon").is_err());
    }
}
