//! The model's chat template. SmolLM2 uses ChatML; its GGUF carries the template
//! (`tokenizer.chat_template`), from which the default system prompt is taken. Gemma 3 uses
//! `<start_of_turn>role … <end_of_turn>` turns with the system prompt folded into the first
//! user turn (its GGUF may carry no template; the format is Gemma's published one).

use crate::backend::{ChatMessage, Role};

/// A chat model's prompt format.
#[derive(Debug, Clone)]
pub struct ChatTemplate {
    /// System turn inserted when a conversation does not start with one (ChatML only).
    pub default_system: Option<String>,
    /// Which turn markup the model was trained on.
    pub style: TemplateStyle,
}

/// The turn markup of a chat template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateStyle {
    /// `<|im_start|>role\n…<|im_end|>\n` (SmolLM2).
    ChatMl,
    /// `<start_of_turn>user\n…<end_of_turn>\n`, the assistant as `model` (Gemma).
    Gemma,
}

const START_OF_TURN: &str = "<start_of_turn>";
const END_OF_TURN: &str = "<end_of_turn>";

const IM_START: &str = "<|im_start|>";
const IM_END: &str = "<|im_end|>";

impl ChatTemplate {
    /// Reads the Jinja template from the GGUF; only ChatML templates are supported.
    pub fn from_jinja(template: &str) -> Result<Self, String> {
        if !template.contains(IM_START) || !template.contains(IM_END) {
            return Err("the model's chat template is not ChatML".to_string());
        }
        // `{{ '<|im_start|>system\n<default prompt><|im_end|>\n' }}` inside the "first message is
        // not a system message" branch; the newline is a real one or a Jinja `\n` escape.
        let default_system = ["\n", "\\n"].iter().find_map(|nl| {
            let marker = format!("{IM_START}system{nl}");
            let start = template.find(&marker)?;
            let rest = &template[start + marker.len()..];
            let end = rest.find(IM_END)?;
            Some(rest[..end].replace("\\n", "\n"))
        });
        Ok(Self {
            default_system,
            style: TemplateStyle::ChatMl,
        })
    }

    /// Gemma's chat format (the BOS token is the tokenizer's to add).
    pub fn gemma() -> Self {
        Self {
            default_system: None,
            style: TemplateStyle::Gemma,
        }
    }

    /// The template for a model of `architecture` with the GGUF's Jinja `template`, if any.
    pub fn for_model(architecture: &str, template: Option<&str>) -> Result<Self, String> {
        match (architecture, template) {
            ("gemma3", t) if t.is_none_or(|t| t.contains(START_OF_TURN)) => Ok(Self::gemma()),
            (_, Some(t)) => Self::from_jinja(t),
            (_, None) => Err("no tokenizer.chat_template in the GGUF metadata".into()),
        }
    }

    /// The text that ends one model turn (`<|im_end|>` or `<end_of_turn>`).
    pub fn end_of_turn(&self) -> &'static str {
        match self.style {
            TemplateStyle::ChatMl => IM_END,
            TemplateStyle::Gemma => END_OF_TURN,
        }
    }

    /// Renders a conversation followed by the assistant's generation prompt.
    pub fn render(&self, messages: &[ChatMessage]) -> String {
        if self.style == TemplateStyle::Gemma {
            return render_gemma(messages);
        }
        let mut out = String::new();
        if messages.first().map(|m| m.role) != Some(Role::System) {
            if let Some(sys) = &self.default_system {
                push_turn(&mut out, "system", sys);
            }
        }
        for m in messages {
            push_turn(&mut out, m.role.as_str(), &m.content);
        }
        out.push_str(IM_START);
        out.push_str("assistant\n");
        out
    }
}

fn push_turn(out: &mut String, role: &str, content: &str) {
    out.push_str(IM_START);
    out.push_str(role);
    out.push('\n');
    out.push_str(content);
    out.push_str(IM_END);
    out.push('\n');
}

/// Gemma 3's template: a leading system message becomes the start of the first user turn.
fn render_gemma(messages: &[ChatMessage]) -> String {
    let mut out = String::new();
    let (system, rest) = match messages.split_first() {
        Some((first, rest)) if first.role == Role::System => (Some(first.content.as_str()), rest),
        _ => (None, messages),
    };
    let mut pending_system = system;
    for m in rest {
        let role = match m.role {
            Role::Assistant => "model",
            _ => "user",
        };
        out.push_str(START_OF_TURN);
        out.push_str(role);
        out.push('\n');
        if let Some(sys) = pending_system.take() {
            out.push_str(sys);
            out.push_str("\n\n");
        }
        out.push_str(m.content.trim());
        out.push_str(END_OF_TURN);
        out.push('\n');
    }
    if let Some(sys) = pending_system {
        out.push_str(START_OF_TURN);
        out.push_str("user\n");
        out.push_str(sys);
        out.push_str("\n\n");
        out.push_str(END_OF_TURN);
        out.push('\n');
    }
    out.push_str(START_OF_TURN);
    out.push_str("model\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMOLLM2: &str = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    #[test]
    fn renders_chatml_with_default_system() {
        let t = ChatTemplate::from_jinja(SMOLLM2).expect("chatml");
        let s = t.render(&[ChatMessage::new(Role::User, "Hi")]);
        assert_eq!(
            s,
            "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
        );
    }

    #[test]
    fn explicit_system_replaces_default() {
        let t = ChatTemplate::from_jinja(SMOLLM2).expect("chatml");
        let s = t.render(&[
            ChatMessage::new(Role::System, "Be brief."),
            ChatMessage::new(Role::User, "Hi"),
            ChatMessage::new(Role::Assistant, "Hello."),
            ChatMessage::new(Role::User, "Bye"),
        ]);
        assert_eq!(
            s,
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello.<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n"
        );
    }

    #[test]
    fn reads_templates_with_real_newlines() {
        let t = ChatTemplate::from_jinja(&SMOLLM2.replace("\\n", "\n")).expect("chatml");
        assert_eq!(
            t.default_system.as_deref(),
            Some("You are a helpful AI assistant named SmolLM, trained by Hugging Face")
        );
    }

    #[test]
    fn renders_gemma_turns_with_system_in_the_first_user_turn() {
        let t = ChatTemplate::for_model("gemma3", None).expect("gemma");
        let s = t.render(&[
            ChatMessage::new(Role::System, "Be brief."),
            ChatMessage::new(Role::User, "Hi"),
            ChatMessage::new(Role::Assistant, "Hello."),
            ChatMessage::new(Role::User, "Bye"),
        ]);
        assert_eq!(
            s,
            "<start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n<start_of_turn>model\nHello.<end_of_turn>\n<start_of_turn>user\nBye<end_of_turn>\n<start_of_turn>model\n"
        );
        assert_eq!(t.end_of_turn(), "<end_of_turn>");
    }

    #[test]
    fn rejects_non_chatml() {
        assert!(ChatTemplate::from_jinja("[INST] {{ prompt }} [/INST]").is_err());
    }
}
