//! The model's chat template. SmolLM2 uses ChatML; its GGUF carries the template
//! (`tokenizer.chat_template`), from which the default system prompt is taken.

use crate::backend::{ChatMessage, Role};

#[derive(Debug, Clone)]
pub struct ChatTemplate {
    /// System turn inserted when a conversation does not start with one.
    pub default_system: Option<String>,
}

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
        Ok(Self { default_system })
    }

    /// Renders a conversation followed by the assistant's generation prompt.
    pub fn render(&self, messages: &[ChatMessage]) -> String {
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
    fn rejects_non_chatml() {
        assert!(ChatTemplate::from_jinja("[INST] {{ prompt }} [/INST]").is_err());
    }
}
