use super::*;

fn err(json: &str) -> String {
    match parse_config(json.as_bytes()) {
        Ok(c) => panic!("accepted {json}: {c:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn minimal_config_gets_defaults() {
    let c = parse_config(br#"{"model":"smollm2","price_cap":"2.5"}"#).unwrap();
    assert_eq!(c.model, "smollm2");
    assert_eq!(c.price_cap, 2_500_000_000_000);
    assert_eq!(c.limits, Limits::default());
    assert_eq!(c.decoding, Decoding::default());
    assert_eq!((c.description, c.system_prompt), (None, None));
    assert!(c.tools.is_empty());
}

#[test]
fn full_config() {
    let json = r#"{
        "description": "analyses CSV files",
        "model": "smollm2:135m-q8_0",
        "system_prompt": "You are careful.\nCheck your sums.",
        "tools": ["table_stats", "calculator"],
        "limits": {"max_steps": 8, "max_tokens": 2048, "max_tool_calls": 0, "deadline_secs": 600},
        "price_cap": "0.000000000001",
        "decoding": {"temperature": 0.7, "seed": 18446744073709551615}
    }"#;
    let c = parse_config(json.as_bytes()).unwrap();
    assert_eq!(c.tools, vec![ToolId::Calculator, ToolId::TableStats]);
    assert_eq!(c.price_cap, 1);
    assert_eq!(c.limits.max_tool_calls, 0);
    assert_eq!(c.decoding.seed, u64::MAX);
    assert_eq!(c.decoding.temperature, 0.7);
}

#[test]
fn canonical_bytes_are_sorted_filled_and_stable() {
    let a =
        parse_config(br#"{"tools":["text","calculator"],"price_cap":"2.50","model":"smollm2"}"#)
            .unwrap();
    let b = parse_config(
        br#"{ "model" : "smollm2", "price_cap": "02.5", "tools": ["calculator", "text"],
              "limits": {"max_steps": 6}, "decoding": {"temperature": 0.00} }"#,
    )
    .unwrap();
    let bytes = a.canonical_bytes();
    assert_eq!(bytes, b.canonical_bytes());
    assert_eq!(
        String::from_utf8(bytes.clone()).unwrap(),
        r#"{"decoding":{"seed":0,"temperature":0.0},"description":null,"limits":{"deadline_secs":300,"max_steps":6,"max_tokens":1024,"max_tool_calls":4},"model":"smollm2","price_cap":"2.5","system_prompt":null,"tools":["calculator","text"]}"#
    );
    assert_eq!(parse_canonical(&bytes).unwrap(), a);
    // Valid but not canonical.
    let e = parse_canonical(br#"{"model":"smollm2","price_cap":"2.5"}"#).unwrap_err();
    assert!(e.to_string().contains("not in canonical form"), "{e}");
}

#[test]
fn canonical_keeps_text_and_unicode() {
    let c = parse_config(
        "{\"model\":\"m\",\"price_cap\":\"1\",\"description\":\"caf\u{e9} \\\"q\\\" \\u00e9\",\"system_prompt\":\"a\\nb\"}"
            .as_bytes(),
    )
    .unwrap();
    assert_eq!(c.description.as_deref(), Some("café \"q\" é"));
    let bytes = c.canonical_bytes();
    assert_eq!(parse_canonical(&bytes).unwrap(), c);
}

#[test]
fn messages_name_the_field() {
    assert_eq!(
        err(r#"{"model":"m","price_cap":"1","limits":{"max_steps":40}}"#),
        r#"config field "limits.max_steps": 40 is over the most allowed (16); use 1 to 16"#
    );
    assert_eq!(
        err(r#"{"model":"m","price_cap":"1","limits":{"max_steps":0}}"#),
        r#"config field "limits.max_steps": 0 is under the least allowed (1); use 1 to 16"#
    );
    assert_eq!(
        err(r#"{"model":"m","price_cap":"1","limits":{"deadline_secs":5}}"#),
        r#"config field "limits.deadline_secs": 5 is under the least allowed (10); use 10 to 3600"#
    );
    assert!(
        err(r#"{"model":"m","price_cap":"1","limits":{"max_tokens":5000}}"#)
            .starts_with(r#"config field "limits.max_tokens": 5000 is over"#)
    );
    assert!(
        err(r#"{"model":"m","price_cap":"1","limits":{"max_tool_calls":17}}"#)
            .starts_with(r#"config field "limits.max_tool_calls": 17 is over"#)
    );
    assert!(
        err(r#"{"model":"m","price_cap":"1","limits":{"max_steps":2.5}}"#)
            .contains("2.5 is not a whole number")
    );
    assert!(
        err(r#"{"model":"m","price_cap":"1","limits":{"max_steps":-3}}"#)
            .contains("-3 is negative")
    );
    assert!(
        err(r#"{"model":"m","price_cap":"1","limits":{"max_steps":"6"}}"#)
            .contains("expected a whole number from 1 to 16, found a string")
    );
    assert_eq!(
        err(r#"{"model":"m","price_cap":"1","colour":"red"}"#),
        r#"config field "colour": not a known field; the known fields here are decoding, description, limits, model, price_cap, system_prompt, tools"#
    );
    assert!(err(r#"{"model":"m","price_cap":"1","limits":{"steps":3}}"#)
        .starts_with(r#"config field "limits.steps": not a known field"#));
    assert!(
        err(r#"{"model":"m","price_cap":"1","decoding":{"top_k":3}}"#)
            .starts_with(r#"config field "decoding.top_k": not a known field"#)
    );
    assert!(err(r#"{"model":"m","price_cap":"1","limits":[]}"#)
        .starts_with(r#"config field "limits": expected an object"#));
}

#[test]
fn required_fields() {
    assert!(err(r#"{"price_cap":"1"}"#).starts_with(r#"config field "model": missing"#));
    assert!(err(r#"{"model":"m"}"#).starts_with(r#"config field "price_cap": missing"#));
}

#[test]
fn model_rules() {
    assert!(err(r#"{"model":"","price_cap":"1"}"#).contains("use 1 to 64 bytes"));
    assert!(err(&format!(
        r#"{{"model":"{}","price_cap":"1"}}"#,
        "a".repeat(65)
    ))
    .contains("65 bytes"));
    assert!(err(r#"{"model":"SmolLM2","price_cap":"1"}"#).contains("contains 'S'"));
    assert!(err(r#"{"model":"a b","price_cap":"1"}"#).contains("contains ' '"));
    assert!(err(r#"{"model":7,"price_cap":"1"}"#).contains("found a number"));
}

#[test]
fn price_rules() {
    assert!(err(r#"{"model":"m","price_cap":2.5}"#)
        .starts_with(r#"config field "price_cap": expected a string such as "2.5""#));
    assert!(err(r#"{"model":"m","price_cap":"-1"}"#).contains("negative"));
    assert!(err(r#"{"model":"m","price_cap":"1e3"}"#).contains("not a plain decimal"));
    assert!(err(r#"{"model":"m","price_cap":"0"}"#).contains("zero"));
    assert!(err(r#"{"model":"m","price_cap":"0.1234567890123"}"#).contains("13 decimals"));
}

#[test]
fn text_rules() {
    let long = "x".repeat(513);
    assert!(err(&format!(
        r#"{{"model":"m","price_cap":"1","description":"{long}"}}"#
    ))
    .starts_with(r#"config field "description": is 513 bytes, over the most allowed (512)"#));
    let long = "x".repeat(2049);
    assert!(err(&format!(
        r#"{{"model":"m","price_cap":"1","system_prompt":"{long}"}}"#
    ))
    .starts_with(r#"config field "system_prompt": is 2049 bytes"#));
    assert!(
        err(r#"{"model":"m","price_cap":"1","description":"a\u0007b"}"#)
            .contains("control character U+0007 at byte 1")
    );
    assert!(err(r#"{"model":"m","price_cap":"1","description":5}"#).contains("expected a string"));
}

#[test]
fn tool_rules() {
    assert_eq!(
        err(r#"{"model":"m","price_cap":"1","tools":["calculator","web_search"]}"#),
        r#"config field "tools[1]": "web_search" is not a known tool; known tools: calculator, json_query, table_stats, text, chain_balance, chain_job, chain_pricing, chain_block"#
    );
    assert!(
        err(r#"{"model":"m","price_cap":"1","tools":["text","text"]}"#)
            .contains(r#""tools[1]": "text" is listed twice"#)
    );
    assert!(err(r#"{"model":"m","price_cap":"1","tools":[1]}"#).contains("found a number"));
    assert!(
        err(r#"{"model":"m","price_cap":"1","tools":"calculator"}"#).contains("expected an array")
    );
    let many = vec!["\"text\""; 17].join(",");
    assert!(err(&format!(
        r#"{{"model":"m","price_cap":"1","tools":[{many}]}}"#
    ))
    .contains("17 tools"));
}

#[test]
fn decoding_rules() {
    assert!(
        err(r#"{"model":"m","price_cap":"1","decoding":{"temperature":2.5}}"#)
            .starts_with(r#"config field "decoding.temperature": 2.5 is outside"#)
    );
    assert!(
        err(r#"{"model":"m","price_cap":"1","decoding":{"temperature":-0.1}}"#).contains("outside")
    );
    assert!(err(r#"{"model":"m","price_cap":"1","decoding":{"seed":-1}}"#).contains("negative"));
    assert!(
        err(r#"{"model":"m","price_cap":"1","decoding":{"seed":1.5}}"#)
            .contains("not a whole number")
    );
    let c =
        parse_config(br#"{"model":"m","price_cap":"1","decoding":{"temperature":-0.0}}"#).unwrap();
    assert_eq!(
        c.canonical_bytes(),
        parse_config(br#"{"model":"m","price_cap":"1"}"#)
            .unwrap()
            .canonical_bytes()
    );
}

#[test]
fn document_limits() {
    let big = format!(
        r#"{{"model":"m","price_cap":"1","description":"{}"}}"#,
        " ".repeat(9000)
    );
    assert!(err(&big).starts_with("config: the file is"));
    let deep = format!("{}{}", "[".repeat(9), "]".repeat(9));
    assert!(err(&deep).contains("nest more than 8 deep"));
    assert!(err("{").starts_with("config: not valid JSON"));
    assert!(err("[]").contains("is an array, not a JSON object"));
    assert!(err("\u{ff}").starts_with("config: not valid JSON"));
    let e = parse_config(b"{}").unwrap_err();
    assert_eq!(e.field_path(), Some("model"));
}

mod props {
    use super::*;
    use proptest::prelude::*;

    fn config_json() -> impl Strategy<Value = String> {
        (
            proptest::option::of("[ -~]{0,40}"),
            "[a-z0-9:._-]{1,20}",
            proptest::sample::subsequence(ToolId::ALL.to_vec(), 0..=8),
            (1u32..=16, 1u32..=4096, 0u32..=16, 10u32..=3600),
            (1u64..1_000_000_000, 0u32..=12),
            (0u32..=200, any::<u64>()),
        )
            .prop_map(|(desc, model, tools, l, (units, dec), (t, seed))| {
                let mut price = units.to_string();
                if dec > 0 {
                    let len = price.len();
                    if (dec as usize) < len {
                        price.insert(len - dec as usize, '.');
                    } else {
                        price = format!("0.{}{price}", "0".repeat(dec as usize - len));
                    }
                }
                serde_json::json!({
                    "description": desc,
                    "model": model,
                    "tools": tools.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
                    "limits": {"max_steps": l.0, "max_tokens": l.1, "max_tool_calls": l.2, "deadline_secs": l.3},
                    "price_cap": price,
                    "decoding": {"temperature": f64::from(t) / 100.0, "seed": seed},
                })
                .to_string()
            })
    }

    proptest! {
        #[test]
        fn canonicalization_is_idempotent(json in config_json()) {
            let c = parse_config(json.as_bytes()).unwrap();
            let bytes = c.canonical_bytes();
            let again = parse_canonical(&bytes).unwrap();
            prop_assert_eq!(&again, &c);
            prop_assert_eq!(again.canonical_bytes(), bytes);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            if let Ok(c) = parse_config(&bytes) {
                prop_assert_eq!(parse_canonical(&c.canonical_bytes()), Ok(c));
            }
        }

        #[test]
        fn mutated_configs_never_panic(json in config_json(), at in any::<usize>(), byte in any::<u8>()) {
            let mut bytes = json.into_bytes();
            let at = at % bytes.len();
            bytes[at] = byte;
            if let Ok(c) = parse_config(&bytes) {
                let canonical = c.canonical_bytes();
                prop_assert_eq!(parse_canonical(&canonical), Ok(c));
            }
        }
    }
}

/// docs/AGENTS.md's example config and its canonical form agree with the code.
#[test]
fn docs_example_is_canonicalized_as_documented() {
    let doc = include_str!("../../../docs/AGENTS.md");
    let blocks: Vec<&str> = doc
        .split("```json\n")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .collect();
    assert_eq!(blocks.len(), 2, "an example and its canonical form");
    let config = parse_config(blocks[0].as_bytes()).unwrap();
    assert_eq!(
        String::from_utf8(config.canonical_bytes()).unwrap(),
        blocks[1].trim()
    );
}

#[test]
fn duplicate_fields_are_rejected() {
    assert_eq!(
        err(r#"{"model":"a","price_cap":"1","model":"b"}"#),
        r#"config: the field "model" appears twice in one object (line 1 column 36); write each field once"#
    );
    assert!(
        err(r#"{"model":"a","price_cap":"1","limits":{"max_steps":2,"max_steps":3}}"#)
            .contains(r#"the field "max_steps" appears twice"#)
    );
}
