//! Constrained decoding: a [`TokenConstraint`] decides, before each token, which tokens may
//! come next; the engine masks the others out (or appends forced text without sampling). The
//! [`ReactStepGrammar`] forces one ReAct step:
//!
//! ```text
//! Thought: <one line of free text>
//! Action: <one of the given names>
//! Input: <one line of free text>
//! ```

/// The text of every token of a model's vocabulary, decoded once, with the per-token facts the
/// constraints need precomputed (so that free-text steps cost no string work).
pub struct VocabView {
    texts: Vec<String>,
    /// A token that may appear in generated text: not a stop or control token, non-empty,
    /// whole UTF-8 characters.
    usable: Vec<bool>,
    /// Usable and either without a newline, or with exactly one newline as its last character.
    line_ok: Vec<bool>,
    /// The token that is exactly a newline.
    newline: Option<u32>,
}

impl VocabView {
    /// A view over `texts` (index = token id); `None` marks a token generation may not emit
    /// (stop and control tokens, partial UTF-8).
    pub fn new(texts: Vec<Option<String>>) -> Self {
        let usable: Vec<bool> = texts
            .iter()
            .map(|t| {
                t.as_ref()
                    .is_some_and(|t| !t.is_empty() && !t.contains('\u{FFFD}'))
            })
            .collect();
        let texts: Vec<String> = texts.into_iter().map(Option::unwrap_or_default).collect();
        let line_ok = texts
            .iter()
            .zip(&usable)
            .map(|(t, &u)| u && t.find('\n').is_none_or(|i| i + 1 == t.len()))
            .collect();
        let newline = texts.iter().position(|t| t == "\n").map(|i| i as u32);
        Self {
            texts,
            usable,
            line_ok,
            newline,
        }
    }

    /// Number of token ids covered.
    pub fn len(&self) -> usize {
        self.texts.len()
    }

    /// Whether the vocabulary is empty.
    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }

    /// The text of token `id` (empty for unusable tokens).
    pub fn text(&self, id: u32) -> &str {
        self.texts.get(id as usize).map_or("", String::as_str)
    }

    /// Whether token `id` may appear in a line of free text (or end it with a newline).
    pub fn line_ok(&self, id: u32) -> bool {
        self.line_ok.get(id as usize).copied().unwrap_or(false)
    }

    /// The mask for a line of free text, indexed by token id.
    pub fn line_mask(&self) -> &[bool] {
        &self.line_ok
    }

    /// Usable tokens whose text, appended to `so_far`, keeps it a prefix of (or equal to) one
    /// of `options`. O(vocabulary) string work: for short choice states only.
    pub fn continuing(&self, so_far: &str, options: &[String]) -> Vec<u32> {
        let live: Vec<&str> = options
            .iter()
            .filter_map(|o| o.strip_prefix(so_far))
            .filter(|rest| !rest.is_empty())
            .collect();
        (0..self.texts.len())
            .filter(|&i| {
                self.usable[i] && {
                    let t = self.texts[i].as_str();
                    live.iter().any(|rest| rest.starts_with(t))
                }
            })
            .map(|i| i as u32)
            .collect()
    }
}

/// What a constraint allows as the next token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Allowed {
    /// One line of free text: any token [`VocabView::line_ok`] accepts (a precomputed mask).
    Line,
    /// Exactly these token ids.
    Tokens(Vec<u32>),
    /// This text, appended verbatim: the engine tokenizes and feeds it without sampling, then
    /// calls [`TokenConstraint::advance`] once with the whole text.
    Literal(String),
    /// Nothing more: the turn ends here.
    End,
}

/// Decides, token by token, what generation may produce.
pub trait TokenConstraint {
    /// What may come next, given everything [`Self::advance`] has been told so far.
    fn allowed(&mut self, vocab: &VocabView) -> Allowed;
    /// Records the text that was emitted: a sampled token's text, or a whole forced literal.
    fn advance(&mut self, text: &str);
    /// Whether the output so far is complete (the turn may end).
    fn is_complete(&self) -> bool;
}

/// The fields of a ReAct step, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Thought,
    Action,
    Input,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    /// The label of a field is to be forced next (`Thought:`, `Action:`, `Input:`), with a
    /// newline first when the previous field did not end with one.
    Label(Field, bool),
    /// Free text of a field (`Thought` or `Input`), `n` tokens so far.
    Free(Field, usize),
    /// The action name chosen so far (with its leading space).
    Choice(String),
    Done,
}

/// Forces one ReAct step: `Thought: …` (one line, at most `max_thought_tokens` tokens),
/// `Action: <name>` (exactly one of `actions`), `Input: …` (one line, at most
/// `max_input_tokens` tokens), then ends the turn.
#[derive(Debug, Clone)]
pub struct ReactStepGrammar {
    /// The action names the model chooses among.
    pub actions: Vec<String>,
    /// Most tokens of the thought.
    pub max_thought_tokens: usize,
    /// Most tokens of the input.
    pub max_input_tokens: usize,
    state: State,
    options: Vec<String>,
    thought: String,
    input: String,
    action: Option<String>,
}

/// A parsed ReAct step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReactStep {
    /// The thought, trimmed.
    pub thought: String,
    /// The chosen action name.
    pub action: String,
    /// The action's input, trimmed.
    pub input: String,
}

impl ReactStepGrammar {
    /// A grammar choosing among `actions` (names must be non-empty and without newlines;
    /// others are dropped), with the given token bounds (at least 1 each).
    pub fn new(actions: Vec<String>, max_thought_tokens: usize, max_input_tokens: usize) -> Self {
        let actions: Vec<String> = actions
            .into_iter()
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty() && !a.contains('\n'))
            .collect();
        let options = actions.iter().map(|a| format!(" {a}")).collect();
        Self {
            actions,
            max_thought_tokens: max_thought_tokens.max(1),
            max_input_tokens: max_input_tokens.max(1),
            state: State::Label(Field::Thought, false),
            options,
            thought: String::new(),
            input: String::new(),
            action: None,
        }
    }

    /// The step, once the grammar is complete.
    pub fn step(&self) -> Option<ReactStep> {
        if self.state != State::Done {
            return None;
        }
        Some(ReactStep {
            thought: self.thought.trim().to_string(),
            action: self.action.clone()?,
            input: self.input.trim().to_string(),
        })
    }

    fn label(field: Field) -> &'static str {
        match field {
            Field::Thought => "Thought:",
            Field::Action => "Action:",
            Field::Input => "Input:",
        }
    }

    fn after(field: Field) -> State {
        match field {
            Field::Thought => State::Label(Field::Action, false),
            Field::Action => State::Label(Field::Input, true),
            Field::Input => State::Done,
        }
    }

    fn bound(&self, field: Field) -> usize {
        match field {
            Field::Input => self.max_input_tokens,
            _ => self.max_thought_tokens,
        }
    }

    fn field_text(&mut self, field: Field) -> &mut String {
        match field {
            Field::Input => &mut self.input,
            _ => &mut self.thought,
        }
    }
}

impl TokenConstraint for ReactStepGrammar {
    fn allowed(&mut self, vocab: &VocabView) -> Allowed {
        loop {
            match &self.state {
                State::Label(field, newline) => {
                    let label = Self::label(*field);
                    return Allowed::Literal(if *newline {
                        format!("\n{label}")
                    } else {
                        label.to_string()
                    });
                }
                State::Free(field, n) => {
                    if *n < self.bound(*field) {
                        return Allowed::Line;
                    }
                    // The bound is reached: the field ends without its newline.
                    self.state = match Self::after(*field) {
                        State::Label(next, _) => State::Label(next, true),
                        other => other,
                    };
                }
                State::Choice(so_far) => {
                    if self.options.is_empty() {
                        return Allowed::End;
                    }
                    let mut ids = vocab.continuing(so_far, &self.options);
                    // A complete name that another name extends may end with a newline.
                    if self.options.iter().any(|o| o == so_far) {
                        ids.extend(vocab.newline);
                    }
                    if ids.is_empty() {
                        // No token continues towards any name (cannot happen with a vocabulary
                        // holding single characters): force the first matching name.
                        let name = self
                            .options
                            .iter()
                            .find(|o| o.starts_with(so_far.as_str()))
                            .or(self.options.first())
                            .and_then(|o| o.get(so_far.len()..))
                            .unwrap_or_default()
                            .to_string();
                        return Allowed::Literal(name);
                    }
                    return Allowed::Tokens(ids);
                }
                State::Done => return Allowed::End,
            }
        }
    }

    fn advance(&mut self, text: &str) {
        match self.state.clone() {
            State::Label(field, _) => {
                self.state = if field == Field::Action {
                    State::Choice(String::new())
                } else {
                    State::Free(field, 0)
                };
            }
            State::Free(field, n) => match text.find('\n') {
                Some(i) => {
                    self.field_text(field).push_str(&text[..i]);
                    self.state = Self::after(field);
                }
                None => {
                    self.field_text(field).push_str(text);
                    self.state = State::Free(field, n + 1);
                }
            },
            State::Choice(so_far) if text == "\n" => {
                match self.options.iter().position(|o| *o == so_far) {
                    Some(i) => {
                        self.action = self.actions.get(i).cloned();
                        self.state = State::Label(Field::Input, false);
                    }
                    None => self.state = State::Choice(so_far),
                }
            }
            State::Choice(mut so_far) => {
                so_far.push_str(text);
                let exact = self.options.iter().position(|o| *o == so_far);
                let extended = self
                    .options
                    .iter()
                    .any(|o| o.len() > so_far.len() && o.starts_with(so_far.as_str()));
                match exact {
                    // A name that no other name extends is complete.
                    Some(i) if !extended => {
                        self.action = self.actions.get(i).cloned();
                        self.state = Self::after(Field::Action);
                    }
                    _ => self.state = State::Choice(so_far),
                }
            }
            State::Done => {}
        }
    }

    fn is_complete(&self) -> bool {
        self.state == State::Done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab() -> VocabView {
        let texts = [
            "Thought",
            ":",
            " I",
            " need",
            " the",
            " calculator",
            " calc",
            "ulator",
            "\n",
            ".\n",
            "Action",
            "Input",
            " 17",
            "*",
            "23",
            " final",
            "_answer",
            " final_answer",
            "\n\n",
            "x\ny",
            "\u{FFFD}",
        ];
        let mut v: Vec<Option<String>> = texts.iter().map(|t| Some(t.to_string())).collect();
        v.push(None); // a stop token
        VocabView::new(v)
    }

    /// Plays a "model" that prefers the tokens in `script` (by text) whenever allowed, else
    /// the lowest allowed id; returns the full text.
    fn run(g: &mut ReactStepGrammar, v: &VocabView, script: &[&str]) -> String {
        let mut out = String::new();
        let mut script = script.iter().peekable();
        for _ in 0..200 {
            match g.allowed(v) {
                Allowed::End => return out,
                Allowed::Literal(t) => {
                    out.push_str(&t);
                    g.advance(&t);
                }
                allowed => {
                    let ok = |id: u32| match &allowed {
                        Allowed::Line => v.line_ok(id),
                        Allowed::Tokens(ids) => ids.contains(&id),
                        _ => false,
                    };
                    let want = script
                        .peek()
                        .and_then(|w| (0..v.len() as u32).find(|&i| v.text(i) == **w && ok(i)));
                    let id = match want {
                        Some(id) => {
                            script.next();
                            id
                        }
                        None => (0..v.len() as u32).find(|&i| ok(i)).expect("some token"),
                    };
                    out.push_str(v.text(id));
                    g.advance(v.text(id));
                }
            }
        }
        panic!("the grammar did not end: {out:?}");
    }

    #[test]
    fn vocab_view_marks_line_tokens() {
        let v = vocab();
        assert!(v.line_ok(2) && v.line_ok(8) && v.line_ok(9));
        assert!(!v.line_ok(18), "two newlines");
        assert!(!v.line_ok(19), "text after the newline");
        assert!(
            !v.line_ok(20) && !v.line_ok(21),
            "partial UTF-8 and stop tokens"
        );
        assert_eq!(
            v.continuing(" calc", &[" calculator".into(), " final_answer".into()]),
            vec![7]
        );
    }

    #[test]
    fn forces_a_well_formed_step() {
        let v = vocab();
        let mut g = ReactStepGrammar::new(vec!["calculator".into(), "final_answer".into()], 8, 8);
        let text = run(
            &mut g,
            &v,
            &[
                " I",
                " need",
                " the",
                " calculator",
                ".\n",
                " calc",
                "ulator",
                " 17",
                "*",
                "23",
                "\n",
            ],
        );
        assert_eq!(
            text,
            "Thought: I need the calculator.\nAction: calculator\nInput: 17*23\n"
        );
        assert!(g.is_complete());
        assert_eq!(
            g.step(),
            Some(ReactStep {
                thought: "I need the calculator.".into(),
                action: "calculator".into(),
                input: "17*23".into(),
            })
        );
    }

    #[test]
    fn token_bounds_end_free_text_and_choices_stay_in_the_names() {
        let v = vocab();
        let mut g = ReactStepGrammar::new(vec!["final_answer".into(), "calculator".into()], 2, 1);
        // The model would ramble on and pick a non-action; the grammar cuts and steers it.
        let text = run(&mut g, &v, &[" I", " need", " the", " 17", " 17"]);
        let step = g.step().expect("complete");
        assert!(text.starts_with("Thought: I need\nAction: "), "{text:?}");
        assert!(["final_answer", "calculator"].contains(&step.action.as_str()));
        assert!(text.ends_with("\nInput: the"), "{text:?}");
        assert_eq!(step.input, "the");
    }

    #[test]
    fn a_name_extended_by_another_waits_for_more() {
        let v = vocab();
        let mut g = ReactStepGrammar::new(vec!["final".into(), "final_answer".into()], 1, 1);
        let text = run(&mut g, &v, &[" I", " final", "_answer"]);
        assert!(text.contains("Action: final_answer\nInput:"), "{text:?}");
        assert_eq!(g.step().map(|s| s.action), Some("final_answer".into()));
        let mut g = ReactStepGrammar::new(vec!["final".into(), "final_answer".into()], 1, 1);
        let text = run(&mut g, &v, &[" I", " final", "\n"]);
        assert!(text.contains("Action: final\nInput:"), "{text:?}");
        assert_eq!(g.step().map(|s| s.action), Some("final".into()));
    }
}
