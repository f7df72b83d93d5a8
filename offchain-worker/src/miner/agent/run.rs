//! The agent loop: thought → action → observation → … → answer, within the run's limits,
//! every step recorded as the chain will check it ([`aitbc_primitives::check_trace`]).
//!
//! The model is asked for one step per turn under a grammar that forces the step's shape
//! (`Thought:` / `Action:` / `Input:`) and lets the action be only a tool the agent lists or
//! `final_answer` (offered every tool, the small models wander to ones they may not use; once
//! the run's tool calls are used up, `final_answer` alone, so the model answers with what it
//! has rather than being stopped). The
//! tool box checks the list again whatever the model names: a tool the agent does not list is
//! an error observation and never runs (a model without the grammar goes through the same
//! check).

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

/// The actions the model may name: the tools the agent lists and `final_answer`.
pub fn actions(tools: &[ToolId]) -> Vec<String> {
    tools
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
        // Once the tool calls are used up, the only action left is the answer.
        let offered: &[ToolId] = if calls >= settings.max_tool_calls {
            &[]
        } else {
            &settings.tools
        };
        let generated = model
            .step(prompt, actions(offered), left.min(settings.step_tokens))
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
        // A model that ignores the offered actions (no grammar) is still held to the limit.
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

#[cfg(test)]
mod tests {
    use super::*;
    use aitbc_primitives::{check_trace, AgentLimits};
    use std::sync::Mutex;

    /// A model that plays a script of steps, then answers `done`. Like a model under the
    /// grammar it answers when the scripted action is not offered; `loose` plays the script
    /// whatever is offered (a model without a grammar).
    struct Script(Mutex<Vec<ModelStep>>, bool);

    fn step(action: &str, input: &str) -> ModelStep {
        ModelStep {
            thought: format!("use {action}"),
            action: action.into(),
            input: input.into(),
            tokens: 10,
        }
    }

    #[async_trait]
    impl StepModel for Script {
        async fn step(
            &self,
            _: Prompt,
            actions: Vec<String>,
            max_tokens: u32,
        ) -> Result<ModelStep, String> {
            assert!(actions.iter().any(|a| a == FINAL_ANSWER));
            let mut s = self.0.lock().unwrap();
            let mut next = if s.is_empty() {
                step(FINAL_ANSWER, "done")
            } else {
                s.remove(0)
            };
            let known = ToolId::from_id(&next.action).is_some();
            if !self.1 && known && !actions.contains(&next.action) {
                next = step(FINAL_ANSWER, "done");
            }
            next.tokens = next.tokens.min(max_tokens);
            if next.action == "fail" {
                return Err("out of memory".into());
            }
            Ok(next)
        }
    }

    fn settings(max_steps: u32, max_tool_calls: u32, max_tokens: u32) -> RunSettings {
        RunSettings {
            system_prompt: Some("Be brief.".into()),
            tools: vec![ToolId::Calculator],
            max_steps,
            max_tokens,
            max_tool_calls,
            time_budget: Duration::from_secs(60),
            step_tokens: 64,
        }
    }

    async fn run(script: Vec<ModelStep>, s: &RunSettings) -> (RunOutcome, usize) {
        run_with(script, s, false).await
    }

    async fn run_with(script: Vec<ModelStep>, s: &RunSettings, loose: bool) -> (RunOutcome, usize) {
        let model = Script(Mutex::new(script), loose);
        let tools = ToolBox::new(&s.tools, None, None);
        let mut seen = 0;
        let mut on_step = |_: &TraceStep| seen += 1;
        let out = run_agent(&model, s, "What is 17*23?", &tools, None, &mut on_step).await;
        let limits = AgentLimits {
            max_steps: s.max_steps,
            max_tokens: s.max_tokens,
            max_tool_calls: s.max_tool_calls,
            deadline_blocks: 10,
        };
        let listed = vec![aitbc_primitives::ToolId::truncate_from(
            b"calculator".to_vec(),
        )];
        check_trace(&out.steps, out.end, &limits, &listed).expect("the chain accepts the trace");
        (out, seen)
    }

    #[tokio::test]
    async fn a_tool_call_then_an_answer() {
        let (out, seen) = run(vec![step("calculator", "17*23")], &settings(6, 4, 1000)).await;
        assert_eq!(out.end, RunEnd::Answered);
        assert_eq!(out.steps.len(), 2);
        assert_eq!(seen, 2, "every step is streamed");
        assert_eq!(&out.steps[0].observation[..], b"391");
        assert!(out.steps[0].tool_call.as_ref().unwrap().ran);
        assert_eq!(out.output(), b"done");
    }

    #[tokio::test]
    async fn an_unlisted_tool_is_an_error_observation_and_never_runs() {
        // A model without the grammar (the grammar offers only the listed tools).
        let (out, _) = run_with(
            vec![step("chain_block", "latest")],
            &settings(6, 4, 1000),
            true,
        )
        .await;
        let call = out.steps[0].tool_call.as_ref().unwrap();
        assert!(!call.ran);
        let obs = String::from_utf8_lossy(&out.steps[0].observation).into_owned();
        assert!(obs.contains("not allowed"), "{obs}");
        assert_eq!(out.end, RunEnd::Answered);
    }

    #[tokio::test]
    async fn the_step_limit_ends_the_run_with_its_partial_trace() {
        let calls = vec![step("calculator", "1+1"); 10];
        let (out, _) = run(calls, &settings(3, 10, 1000)).await;
        assert_eq!(out.end, RunEnd::StepLimit);
        assert_eq!(out.steps.len(), 3);
        assert_eq!(out.steps[2].kind, StepKind::Stopped);
        assert!(String::from_utf8_lossy(out.output()).contains("step limit of 3"));
    }

    #[tokio::test]
    async fn the_tool_call_and_token_limits_end_the_run() {
        let calls = vec![step("calculator", "1+1"); 10];
        // Under the grammar, once the calls are used up the model can only answer.
        let (out, _) = run(calls.clone(), &settings(10, 2, 1000)).await;
        assert_eq!(out.end, RunEnd::Answered);
        assert_eq!(out.steps.len(), 3);
        // A model that ignores the offered actions is stopped at the limit.
        let (out, _) = run_with(calls.clone(), &settings(10, 2, 1000), true).await;
        assert_eq!(out.end, RunEnd::ToolCallLimit);
        assert_eq!(out.steps.len(), 3);
        let (out, _) = run(calls, &settings(10, 10, 25)).await;
        assert_eq!(out.end, RunEnd::TokenLimit);
        let tokens: u32 = out.steps.iter().map(|s| s.tokens).sum();
        assert!(tokens <= 25);
    }

    #[tokio::test]
    async fn a_model_failure_is_a_clean_stop() {
        let (out, _) = run(vec![step("fail", "")], &settings(6, 4, 1000)).await;
        assert_eq!(out.end, RunEnd::ModelError);
        assert!(String::from_utf8_lossy(out.output()).contains("out of memory"));
    }

    #[test]
    fn the_prompt_carries_the_tools_the_task_and_each_observation() {
        let s = settings(6, 4, 1000);
        let steps = vec![TraceStep {
            kind: StepKind::Tool,
            content: step_text("multiply"),
            tool_call: Some(ToolCall {
                tool: tool_id("calculator"),
                input: step_text("17*23"),
                ran: true,
            }),
            observation: step_text("391"),
            tokens: 5,
            millis: 5,
        }];
        let Prompt::Chat(m) = prompt_for(&s, "What is 17*23?", Some(b"a,b\n"), &steps) else {
            panic!("a chat prompt");
        };
        assert!(m[0].content.contains("calculator") && m[0].content.contains("Be brief."));
        assert!(m[1].content.contains("What is 17*23?") && m[1].content.contains("4 bytes"));
        assert!(m[2].content.contains("Action: calculator"));
        assert_eq!(m[3].content, "Observation: 391");
    }
}
