//! Checks on a submitted job's input.

use aitbc_primitives::{
    GenerationOptions, Ineligibility, JobInput, MinerRegistry, ModelName, OptionsError,
    Requirements, MAX_PROMPT_CHARS,
};
use frame_support::ensure;
use sp_runtime::{
    traits::{Bounded, Zero},
    DispatchResult,
};

use crate::{BalanceOf, Config, Error};

/// Bytes of inline prompt (0 for a content hash), for weight.
pub fn prompt_len(input: &JobInput) -> u32 {
    match input {
        JobInput::Prompt(p) => p.len() as u32,
        JobInput::ContentHash { .. } => 0,
    }
}

/// Bytes of a job's system prompt, for weight.
pub fn system_len(options: &GenerationOptions) -> u32 {
    options.system.as_ref().map_or(0, |s| s.len() as u32)
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

/// Generation options must be within their bounds.
pub fn check_options<T: Config>(options: &GenerationOptions) -> DispatchResult {
    options.check().map_err(|e| {
        match e {
            OptionsError::TemperatureOutOfRange => Error::<T>::TemperatureOutOfRange,
            OptionsError::TopPOutOfRange => Error::<T>::TopPOutOfRange,
            OptionsError::MaxTokensOutOfRange => Error::<T>::MaxTokensOutOfRange,
            OptionsError::EmptySystemPrompt => Error::<T>::EmptySystemPrompt,
            OptionsError::SystemPromptNotUtf8 => Error::<T>::SystemPromptNotUtf8,
            OptionsError::SystemPromptTooLong => Error::<T>::SystemPromptTooLong,
        }
        .into()
    })
}

/// A requested provider must be able to take the job, except for being offline or busy right
/// now (the job waits for it then).
pub fn check_provider<T: Config>(
    provider: &T::AccountId,
    model: &ModelName,
    requirements: &Requirements,
    budget: BalanceOf<T>,
) -> DispatchResult {
    // An unfunded job's budget is not known yet: its price is checked at assignment.
    let budget = if budget.is_zero() {
        BalanceOf::<T>::max_value()
    } else {
        budget
    };
    match T::Miners::check_provider(provider, model, requirements, budget) {
        Ok(_) => Ok(()),
        Err(reason) if reason.is_transient() => Ok(()),
        Err(reason) => Err(match reason {
            Ineligibility::NotRegistered => Error::<T>::ProviderNotRegistered,
            Ineligibility::Unbonding => Error::<T>::ProviderUnbonding,
            Ineligibility::StakeBelowMinimum => Error::<T>::ProviderStakeBelowMinimum,
            Ineligibility::DoesNotServeModel => Error::<T>::ProviderDoesNotServeModel,
            Ineligibility::PriceAboveBudget => Error::<T>::ProviderPriceAboveBudget,
            Ineligibility::NotEnoughVram
            | Ineligibility::WrongGpuModel
            | Ineligibility::ReputationTooLow
            | Ineligibility::MissedDeadline
            | Ineligibility::Offline
            | Ineligibility::AtCapacity => Error::<T>::ProviderDoesNotMeetRequirements,
        }
        .into()),
    }
}
