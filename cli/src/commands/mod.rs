//! One module per command group.

pub mod admin;
pub mod agent;
pub mod agent_stream;
pub mod batch;
pub mod client;
pub mod explorer;
pub mod governance;
pub mod health;
pub mod job_submit;
pub mod jobs_view;
pub mod marketplace;
pub mod marketplace_booking;
pub mod marketplace_view;
pub mod mine;
pub mod miner;
pub mod miner_profiles;
pub mod miner_stake;
pub mod optimize;
pub mod profile;
pub mod receipt;
pub mod round_view;
pub mod self_opt;
pub mod swarm;
pub mod wallet;

use aitbc_client::rpc::TxStatus;

/// One word for a transaction status, for progress messages.
pub fn status_word(s: &TxStatus) -> String {
    match s {
        TxStatus::Future => "queued (future nonce)".into(),
        TxStatus::Ready => "in the pool".into(),
        TxStatus::Broadcast(_) => "broadcast".into(),
        TxStatus::InBlock(h) => format!("in block {h:?}"),
        TxStatus::Retracted(_) => "retracted, waiting again".into(),
        TxStatus::FinalityTimeout(_) => "finality timeout".into(),
        TxStatus::Finalized(h) => format!("finalized in {h:?}"),
        TxStatus::Usurped(_) => "usurped".into(),
        TxStatus::Dropped => "dropped".into(),
        TxStatus::Invalid => "invalid".into(),
    }
}
