//! The agent loop: thought → action → observation → … → answer, within the run's limits,
//! every step recorded as the chain will check it ([`aitbc_primitives::check_trace`]).
//!
//! The model is asked for one step per turn under a grammar that forces the step's shape
//! (`Thought:` / `Action:` / `Input:`); the action is any known tool or `final_answer`, so a
//! model that names a tool its agent does not list gets an error observation (the tool never
//! runs) rather than being kept from trying.

use std::time::{Duration, Instant};

use aitbc_agent::{prompt_tools_section, step::FINAL_ANSWER, ToolBox, ToolId};
use aitbc_primitives::{RunEnd, StepKind, StepText, ToolCall, TraceStep, MAX_STEP_TEXT_BYTES};
use async_trait::async_trait;

use crate::backend::{ChatMessage, Prompt, Role};

/// One step as the model produced it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelStep {
    /// The thought.
    pub thought: String,
    /// The action: a tool id or `final_answer`.
    pub action: String,
    /// The action's input (the answer, for `final_answer`).
    pub input: String,
    /// Tokens generated for the step.
    pub tokens: u32,
}

/// What produces one step of a run (the embedded backend's constrained decoding).
#[async_trait]
pub trait StepModel: Send + Sync {
    /// One step for `prompt`, its action among `actions`, at most `max_tokens` tokens.
    async fn step(
        &self,
        prompt: Prompt,
        actions: Vec<String>,
        max_tokens: u32,
    ) -> Result<ModelStep, String>;
}

/// The run's settings, from the pinned agent version and its configuration.
#[derive(Debug, Clone)]
pub struct RunSettings {
    /// The agent's own instructions.
    pub system_prompt: Option<String>,
    /// The tools the agent lists.
    pub tools: Vec<ToolId>,
    /// Most steps, tokens and tool calls.
    pub max_steps: u32,
    /// Most tokens over the run.
    pub max_tokens: u32,
    /// Most tool calls that run.
    pub max_tool_calls: u32,
    /// Stop (with `RunEnd::Deadline`) once this much time has passed.
    pub time_budget: Duration,
    /// Most tokens of one step.
    pub step_tokens: u32,
}

/// How a run ended and its steps.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// The steps, the last an answer or a stop.
    pub steps: Vec<TraceStep>,
    /// How it ended.
    pub end: RunEnd,
}

impl RunOutcome {
    /// The run's result: the answer, or the stop reason.
    pub fn output(&self) -> &[u8] {
        self.steps.last().map_or(&[][..], |s| &s.content[..])
    }
}

/// Cut `s` to at most [`MAX_STEP_TEXT_BYTES`] bytes on a character boundary.
pub fn step_text(s: &str) -> StepText {
    let mut end = s.len().min(MAX_STEP_TEXT_BYTES as usize);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    StepText::truncate_from(s.as_bytes()[..end].to_vec())
}

fn tool_id(s: &str) -> aitbc_primitives::ToolId {
    aitbc_primitives::ToolId::truncate_from(s.as_bytes().to_vec())
}

fn millis(d: Duration) -> u32 {
    u32::try_from(d.as_millis()).unwrap_or(u32::MAX)
}

/// The conversation for the next step: the instructions and tools, the task, then each step
/// so far and its observation.
pub fn prompt_for(
    settings: &RunSettings,
    input: &str,
    data: Option<&[u8]>,
    steps: &[TraceStep],
) -> Prompt {
    let mut system = String::new();
    if let Some(p) = &settings.system_prompt {
        system.push_str(p.trim());
        system.push_str("\n\n");
    }
    system.push_str(&prompt_tools_section(&settings.tools));
    let mut task = input.trim().to_string();
    if let Some(d) = data {
        task.push_str(&format!(
            "\n\n(A data file of {} bytes comes with this task; read it with the tools.)",
            d.len()
        ));
    }
    let mut messages = vec![
        ChatMessage::new(Role::System, system),
        ChatMessage::new(Role::User, task),
    ];
    for s in steps {
        let Some(call) = &s.tool_call else { continue };
        messages.push(ChatMessage::new(
            Role::Assistant,
            format!(
                "Thought: {}\nAction: {}\nInput: {}",
                String::from_utf8_lossy(&s.content),
                String::from_utf8_lossy(&call.tool),
                String::from_utf8_lossy(&call.input)
            ),
        ));
        messages.push(ChatMessage::new(
            Role::User,
            format!("Observation: {}", String::from_utf8_lossy(&s.observation)),
        ));
    }
    Prompt::Chat(messages)
}

/// Every action the model may name: each known tool and `final_answer`.
pub fn actions() -> Vec<String> {
    ToolId::ALL
        .iter()
        .map(|t| t.as_str().to_string())
        .chain([FINAL_ANSWER.to_string()])
        .collect()
}

fn stop(reason: String, tokens: u32, millis: u32) -> TraceStep {
    TraceStep {
        kind: StepKind::Stopped,
        content: step_text(&reason),
        tool_call: None,
        observation: Default::default(),
        tokens,
        millis,
    }
}

/// Run the agent loop. `on_step` sees each step as it is recorded (for the stream).
pub async fn run_agent(
    model: &dyn StepModel,
    settings: &RunSettings,
    input: &str,
    tools: &ToolBox<'_>,
    data: Option<&[u8]>,
    on_step: &mut (dyn FnMut(&TraceStep) + Send),
) -> RunOutcome {
    let started = Instant::now();
    let mut steps: Vec<TraceStep> = Vec::new();
    let mut tokens_used = 0u32;
    let mut calls = 0u32;
    let finish = |mut steps: Vec<TraceStep>,
                  last: TraceStep,
                  end: RunEnd,
                  on_step: &mut (dyn FnMut(&TraceStep) + Send)| {
        on_step(&last);
        steps.push(last);
        RunOutcome { steps, end }
    };
    loop {
        // Here `steps.len() < max_steps`: a stop always fits.
        let left = settings.max_tokens.saturating_sub(tokens_used);
        if left == 0 {
            let reason = format!(
                "token limit of {} reached before an answer",
                settings.max_tokens
            );
            return finish(steps, stop(reason, 0, 0), RunEnd::TokenLimit, on_step);
        }
        if started.elapsed() >= settings.time_budget {
            let reason = format!(
                "the run's deadline came near after {} s; stopped to deliver in time",
                started.elapsed().as_secs()
            );
            return finish(steps, stop(reason, 0, 0), RunEnd::Deadline, on_step);
        }
        let prompt = prompt_for(settings, input, data, &steps);
        let step_started = Instant::now();
        let generated = model
            .step(prompt, actions(), left.min(settings.step_tokens))
            .await;
        let m = match generated {
            Ok(m) => m,
            Err(e) => {
                let reason = format!("the model failed: {e}");
                let spent = millis(step_started.elapsed());
                return finish(steps, stop(reason, 0, spent), RunEnd::ModelError, on_step);
            }
        };
        let tokens = m.tokens.min(left);
        tokens_used = tokens_used.saturating_add(tokens);
        let spent = millis(step_started.elapsed());
        if m.action == FINAL_ANSWER {
            let answer = TraceStep {
                kind: StepKind::Answer,
                content: step_text(&m.input),
                tool_call: None,
                observation: Default::default(),
                tokens,
                millis: spent,
            };
            return finish(steps, answer, RunEnd::Answered, on_step);
        }
        // The last step allowed must end the run: a tool asked for there does not run.
        if steps.len() as u32 + 1 >= settings.max_steps {
            let reason = format!(
                "step limit of {} reached before an answer (the model asked for {} next; it did not run)",
                settings.max_steps, m.action
            );
            return finish(
                steps,
                stop(reason, tokens, spent),
                RunEnd::StepLimit,
                on_step,
            );
        }
        let listed = ToolId::from_id(&m.action).is_some_and(|t| settings.tools.contains(&t));
        if listed && calls >= settings.max_tool_calls {
            let reason = format!(
                "tool-call limit of {} reached before an answer (the model asked for {} again; it did not run)",
                settings.max_tool_calls, m.action
            );
            return finish(
                steps,
                stop(reason, tokens, spent),
                RunEnd::ToolCallLimit,
                on_step,
            );
        }
        let tool_started = Instant::now();
        let observation = tools.call(&m.action, &m.input);
        if listed {
            calls += 1;
        }
        let step = TraceStep {
            kind: StepKind::Tool,
            content: step_text(&m.thought),
            tool_call: Some(ToolCall {
                tool: tool_id(&m.action),
                input: step_text(&m.input),
                ran: listed,
            }),
            observation: step_text(&observation.text),
            tokens,
            millis: spent.saturating_add(millis(tool_started.elapsed())),
        };
        on_step(&step);
        steps.push(step);
    }
}
