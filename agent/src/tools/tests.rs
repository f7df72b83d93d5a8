use super::*;

struct FakeChain;

impl ChainReader for FakeChain {
    fn balance(&self, account: &str) -> Result<String, String> {
        Ok(format!("{account}: free 12.5 AIT, reserved 0 AIT"))
    }
    fn job(&self, id: u64) -> Result<String, String> {
        if id == 7 {
            Err("no job 7".into())
        } else {
            Ok(format!("job {id}: completed"))
        }
    }
    fn pricing(&self, model: &str) -> Result<String, String> {
        Ok(format!("{model}: 0.002 AIT per 1000 tokens"))
    }
    fn block(&self, number: Option<u64>) -> Result<String, String> {
        Ok(format!(
            "block {}: {}",
            number.unwrap_or(100),
            "x".repeat(5000)
        ))
    }
}

const CSV: &[u8] = b"city,temp\noslo,3\nrome,18\n";

#[test]
fn calculator_through_the_box() {
    let tools = ToolBox::new(&[ToolId::Calculator], None, None);
    assert_eq!(
        tools.call("calculator", "(17*23)+4"),
        Observation::success("395")
    );
    assert_eq!(
        tools.call(" calculator ", "1/0"),
        Observation::error("calculator: division by zero")
    );
}

#[test]
fn tools_not_allowed_never_run() {
    let tools = ToolBox::new(
        &[ToolId::Calculator, ToolId::Text],
        Some(CSV),
        Some(&FakeChain),
    );
    let o = tools.call("table_stats", "temp");
    assert!(!o.ok);
    assert_eq!(
        o.text,
        "error: tool \"table_stats\" is not allowed for this agent; allowed: calculator, text"
    );
    let o = tools.call("web_search", "x");
    assert_eq!(
        o.text,
        "error: unknown tool \"web_search\"; the tools this agent can use: calculator, text"
    );
    let none = ToolBox::new(&[], None, None);
    assert!(none.call("calculator", "1").text.ends_with("allowed: none"));
}

#[test]
fn data_tools() {
    let all = ToolId::ALL;
    let tools = ToolBox::new(&all, Some(CSV), None);
    assert_eq!(
        tools.call("table_stats", "temp,max").text,
        "max of \"temp\": 18"
    );
    assert_eq!(
        tools.call("text", "find rome").text,
        "1 occurrences of \"rome\" on 1 lines (case-insensitive)\nline 3: rome,18"
    );
    assert!(tools
        .call("json_query", "$")
        .text
        .starts_with("error: json_query: the data file is not JSON"));
    let json = br#"{"a":[1,2,3]}"#;
    let tools = ToolBox::new(&all, Some(json), None);
    assert_eq!(tools.call("json_query", "$.a[1]").text, "1 matches: [2]");
    let tools = ToolBox::new(&all, None, None);
    assert_eq!(
        tools.call("text", "count").text,
        "error: text: this run has no data file; answer without it"
    );
    let big = vec![b'a'; MAX_DATA_BYTES + 1];
    let tools = ToolBox::new(&all, Some(&big), None);
    assert!(tools
        .call("text", "count")
        .text
        .contains("over the most the tools read"));
}

#[test]
fn chain_tools() {
    let all = ToolId::ALL;
    let tools = ToolBox::new(&all, None, Some(&FakeChain));
    assert_eq!(tools.call("chain_job", "42").text, "job 42: completed");
    assert_eq!(
        tools.call("chain_job", "7").text,
        "error: chain_job: the chain read failed: no job 7"
    );
    assert!(tools
        .call("chain_job", "soon")
        .text
        .contains("give a job id"));
    assert_eq!(
        tools.call("chain_pricing", "smollm2").text,
        "smollm2: 0.002 AIT per 1000 tokens"
    );
    let o = tools.call("chain_block", "");
    assert!(o.ok);
    assert_eq!(o.text.len(), MAX_OBSERVATION_BYTES);
    assert!(o.text.ends_with(" …[truncated]"));
    let alice = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
    assert!(tools
        .call("chain_balance", alice)
        .text
        .contains("free 12.5 AIT"));
    let tools = ToolBox::new(&all, None, None);
    assert_eq!(
        tools.call("chain_job", "42").text,
        "error: chain_job: chain reads are not available in this run; answer without them"
    );
    // Bad arguments are reported before the missing reader.
    assert!(tools.call("chain_job", "x").text.contains("give a job id"));
}

#[test]
fn observations_are_bounded_on_char_boundaries() {
    let o = Observation::success("é".repeat(1000));
    assert!(o.text.len() <= MAX_OBSERVATION_BYTES);
    assert!(o.text.ends_with("[truncated]"));
    let o = Observation::success("short");
    assert_eq!(o.text, "short");
    let tools = ToolBox::new(&ToolId::ALL, None, None);
    assert!(tools
        .call("calculator", &"1".repeat(MAX_ARGS_BYTES + 1))
        .text
        .contains("over the most allowed (4096)"));
}

#[test]
fn toolbox_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<ToolBox<'static>>();
}

#[test]
fn prompt_section_lists_allowed_tools() {
    let s = prompt_tools_section(&[ToolId::Calculator, ToolId::TableStats]);
    assert!(s.contains("- calculator: evaluates arithmetic"));
    assert!(s.contains("- table_stats: column statistics"));
    assert!(!s.contains("json_query"));
    assert!(s.contains("- final_answer: ends the run"));
    assert!(prompt_tools_section(&[]).contains("You have no tools"));
    for t in ToolId::ALL {
        assert_eq!(ToolId::from_id(t.as_str()), Some(t));
    }
}

mod props {
    use super::*;
    use proptest::prelude::*;

    fn tool_name() -> impl Strategy<Value = String> {
        prop_oneof![
            proptest::sample::select(ToolId::ALL.map(ToolId::as_str).to_vec())
                .prop_map(String::from),
            ".{0,20}",
        ]
    }

    fn data() -> impl Strategy<Value = Option<Vec<u8>>> {
        proptest::option::of(prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..2048),
            "[a-z0-9,\"\n. -]{0,400}".prop_map(String::into_bytes),
            "[\\[\\]{}:,\"a-c0-9 ]{0,400}".prop_map(String::into_bytes),
        ])
    }

    fn args() -> impl Strategy<Value = String> {
        prop_oneof![
            ".{0,300}",
            "[0-9+*/%^().e -]{0,300}",
            "[$@.\\[\\]?*a-c0-9'=<>!&|() ]{0,200}",
            "(count|numbers|find [a-z]{0,5}|lines [0-9]{0,3}-[0-9]{0,3}|columns|[a-z]{1,4},(mean|max))",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn calls_never_panic_and_stay_bounded(
            allowed in proptest::sample::subsequence(ToolId::ALL.to_vec(), 0..=8),
            tool in tool_name(),
            args in args(),
            data in data(),
            with_chain in any::<bool>(),
        ) {
            let chain: Option<&dyn ChainReader> = if with_chain { Some(&FakeChain) } else { None };
            let tools = ToolBox::new(&allowed, data.as_deref(), chain);
            let o = tools.call(&tool, &args);
            prop_assert!(o.text.len() <= MAX_OBSERVATION_BYTES);
            prop_assert_eq!(o.ok, !o.text.starts_with("error: "));
        }
    }
}
