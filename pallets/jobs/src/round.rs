//! The stored state of a redundant job's round (the types live in `aitbc-primitives`, shared
//! with the runtime API and the clients).

pub use aitbc_primitives::redundancy::{OpenDispute, Participant, Round, RoundPhase};
