//! The one report of a transaction that went through: its hash, block, fee and events, added to
//! every transaction-sending command's output (JSON keys `tx_hash`, `block`, `block_hash`,
//! `finalized`, `fee`, `events`; table rows `tx_hash`, `block`, `fee`, `events`).

use aitbc_client::{
    amount::{format_amount, format_amount_json},
    metadata::event_name,
    runtime::{Balance, BlockNumber, Hash},
    tx::TxOutcome,
};
use serde_json::{json, Value};

/// A transaction included in a block (or finalized), with the fee it paid.
#[derive(Debug, Clone)]
pub struct TxReport {
    pub tx_hash: Hash,
    pub block_number: BlockNumber,
    pub block_hash: Hash,
    pub finalized: bool,
    pub fee: Balance,
    /// `Pallet.Event` names of the events the transaction emitted, in order.
    pub events: Vec<String>,
}

impl TxReport {
    pub fn new(outcome: &TxOutcome, fee: Balance) -> Self {
        TxReport {
            tx_hash: outcome.tx_hash,
            block_number: outcome.block_number,
            block_hash: outcome.block_hash,
            finalized: outcome.finalized,
            fee,
            events: outcome
                .events
                .iter()
                .map(|e| {
                    let (pallet, event) = event_name(e);
                    format!("{pallet}.{event}")
                })
                .collect(),
        }
    }

    /// `0x...` hash of the transaction.
    pub fn hash(&self) -> String {
        format!("{:?}", self.tx_hash)
    }

    /// `finalized` or `in_block`.
    pub fn status(&self) -> &'static str {
        if self.finalized {
            "finalized"
        } else {
            "in_block"
        }
    }

    /// Adds the transaction's fields to a JSON object (`v` must be an object).
    pub fn add_json(&self, v: &mut Value) {
        if let Value::Object(obj) = v {
            obj.insert("tx_hash".into(), json!(self.hash()));
            obj.insert("block".into(), json!(self.block_number));
            obj.insert("block_hash".into(), json!(format!("{:?}", self.block_hash)));
            obj.insert("finalized".into(), json!(self.finalized));
            obj.insert("fee".into(), json!(format_amount_json(self.fee)));
            obj.insert("events".into(), json!(self.events));
        }
    }

    /// `v` with the transaction's fields added.
    pub fn with_json(&self, mut v: Value) -> Value {
        self.add_json(&mut v);
        v
    }

    /// The table rows: hash, block, fee, events.
    pub fn rows(&self) -> Vec<(&'static str, String)> {
        vec![
            ("tx_hash", self.hash()),
            (
                "block",
                format!("#{} ({})", self.block_number, self.status()),
            ),
            ("fee", format_amount(self.fee)),
            ("events", self.events.join(", ")),
        ]
    }

    /// `rows` followed by the transaction's rows.
    pub fn with_rows(&self, mut rows: Vec<(&'static str, String)>) -> Vec<(&'static str, String)> {
        rows.extend(self.rows());
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aitbc_client::runtime::AIT;

    fn report() -> TxReport {
        TxReport {
            tx_hash: Hash::repeat_byte(1),
            block_number: 7,
            block_hash: Hash::repeat_byte(2),
            finalized: false,
            fee: AIT / 100,
            events: vec!["Balances.Transfer".into(), "System.ExtrinsicSuccess".into()],
        }
    }

    #[test]
    fn json_and_rows_carry_the_same_facts() {
        let r = report();
        let v = r.with_json(json!({"result": "success"}));
        assert_eq!(v["result"], "success");
        assert_eq!(v["tx_hash"], format!("0x{}", "01".repeat(32)));
        assert_eq!(v["block"], 7);
        assert_eq!(v["fee"], "0.01");
        assert_eq!(v["finalized"], false);
        assert_eq!(v["events"][0], "Balances.Transfer");
        let rows = r.with_rows(vec![("result", "success".into())]);
        let keys: Vec<_> = rows.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, ["result", "tx_hash", "block", "fee", "events"]);
        assert_eq!(rows[2].1, "#7 (in_block)");
        assert_eq!(rows[3].1, "0.01 AIT");
    }
}
