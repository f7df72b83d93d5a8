//! Checks on a submitted job's input.

use aitbc_primitives::{JobInput, MAX_PROMPT_CHARS};
use frame_support::ensure;
use sp_runtime::DispatchResult;

use crate::{Config, Error};

/// Bytes of inline prompt (0 for a content hash), for weight.
pub fn prompt_len(input: &JobInput) -> u32 {
    match input {
        JobInput::Prompt(p) => p.len() as u32,
        JobInput::ContentHash { .. } => 0,
    }
}

/// An inline prompt must be non-empty UTF-8 of at most `MAX_PROMPT_CHARS` characters; a
/// content hash must describe a non-empty input.
pub fn check_input<T: Config>(input: &JobInput) -> DispatchResult {
    match input {
        JobInput::Prompt(bytes) => {
            ensure!(!bytes.is_empty(), Error::<T>::EmptyInput);
            let text = core::str::from_utf8(bytes).map_err(|_| Error::<T>::PromptNotUtf8)?;
            ensure!(
                text.chars().count() <= MAX_PROMPT_CHARS as usize,
                Error::<T>::PromptTooLong
            );
        }
        JobInput::ContentHash { size, .. } => ensure!(*size > 0, Error::<T>::EmptyInput),
    }
    Ok(())
}
