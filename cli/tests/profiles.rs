//! Execution profiles end to end against a real `aitbc-node --dev`: the preset's profile is
//! listed; a profile is registered from a JSON file (its deposit held), listed and shown; bad
//! files are refused naming the field; a miner declares and withdraws; a deregistered miner's
//! declaration keeps the profile from being retired until anyone prunes it; the owner retires
//! it and gets the deposit back. Skipped (with a message) when the node binary has not been
//! built.

mod common;
use aitbc_runtime::AIT;
use common::*;
use serde_json::{json, Value};

const BOB: &str = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty";
/// The profile every preset registers (SmolLM2 on the embedded backend), as `cli/README.md`
/// gives it.
const SMOLLM2_PROFILE: &str = "0x39c17ceaa7e49fe04a418fb375a550dd9d4ba41a82fba30a6a3f8a6d79ff2a9a";

fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("a list: {v}"))
        .iter()
        .map(|p| p["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn held(cli: &Cli, wallet: &str) -> u128 {
    units(&cli.json(&["wallet", "balance", wallet])["held"])
}

#[test]
fn a_profile_from_a_json_file_is_registered_listed_shown_declared_pruned_and_retired() {
    let Some(node) = Node::start("profiles") else {
        return;
    };
    let cli = Cli::new(&node.ws);
    cli.ok(&["wallet", "import", "--name", "alice", "--uri", "//Alice"]);
    cli.ok(&["wallet", "import", "--name", "bob", "--uri", "//Bob"]);
    cli.ok(&["wallet", "use", "alice"]);

    // The preset's profile, with the id the README gives.
    let list = cli.json(&["profile", "list"]);
    assert_eq!(ids(&list), vec![SMOLLM2_PROFILE.to_string()], "{list}");
    let genesis = cli.json(&["profile", "show", SMOLLM2_PROFILE]);
    assert_eq!(genesis["owner"], "genesis");
    assert_eq!(genesis["model"], "smollm2");
    assert_eq!(genesis["decoding"], "greedy");

    // A profile of the same model on another machine, from a JSON file (the shown form).
    let mut profile = genesis.clone();
    for k in ["id", "owner", "deposit", "miners"] {
        profile.as_object_mut().expect("object").remove(k);
    }
    profile["name"] = json!("smollm2-135m-instruct-q4_1-seeded-arm");
    profile["hardware_class"] = json!("aarch64-cpu");
    profile["decoding"] = json!({"seed": 42, "temperature_milli": 700, "top_p_milli": 1000});
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("profile.json");
    let write = |v: &Value| std::fs::write(&file, v.to_string()).expect("write");
    let file_arg = path_str(&file);

    // Bad files: refused before anything is signed, naming the field.
    let mut bad = profile.clone();
    bad["weights_sha256"] = json!("0x1234");
    write(&bad);
    let e = cli.fails(&["profile", "register", "--file", &file_arg]);
    assert!(
        e.contains("profile field `weights_sha256`") && e.contains("64 hex digits"),
        "{e}"
    );
    let mut bad = profile.clone();
    bad.as_object_mut().expect("object").remove("dtype");
    write(&bad);
    let e = cli.fails(&["profile", "register", "--file", &file_arg]);
    assert!(e.contains("profile field `dtype`: missing"), "{e}");
    let e = cli.fails(&["profile", "register", "--file", "/nonexistent/profile.json"]);
    assert!(e.contains("cannot read the profile file"), "{e}");
    // The genesis profile itself is already registered.
    let mut same = genesis.clone();
    for k in ["id", "owner", "deposit", "miners"] {
        same.as_object_mut().expect("object").remove(k);
    }
    write(&same);
    let e = cli.fails(&["profile", "register", "--file", &file_arg]);
    assert!(
        e.contains("already registered") && e.contains(SMOLLM2_PROFILE),
        "{e}"
    );

    // Registered: the deposit (10 AIT) is held; list and show have it.
    write(&profile);
    let held_before = held(&cli, "alice");
    let reg = cli.json(&["profile", "register", "--file", &file_arg]);
    let id = reg["id"].as_str().expect("id").to_string();
    assert_eq!(reg["result"], "registered");
    assert!(reg["tx_hash"].is_string(), "{reg}");
    assert!(
        reg["events"]
            .as_array()
            .expect("events")
            .iter()
            .any(|e| e == "ExecutionProfiles.ProfileRegistered"),
        "{reg}"
    );
    assert_eq!(held(&cli, "alice") - held_before, 10 * AIT);
    let list = cli.json(&["profile", "list"]);
    assert!(ids(&list).contains(&id), "{list}");
    let shown = cli.json(&["profile", "show", &id]);
    assert_eq!(shown["hardware_class"], "aarch64-cpu");
    assert_eq!(shown["decoding"]["seed"], 42);
    assert_eq!(shown["owner"], reg["owner"]);
    assert_eq!(units(&shown["deposit"]), 10 * AIT);
    let table = cli.ok(&["profile", "show", &id]);
    assert!(
        table.contains("seeded (seed 42, temperature 0.7, top_p 1)")
            && table.contains("aarch64-cpu"),
        "{table}"
    );
    let table = cli.ok(&["profile", "list"]);
    assert!(
        table.contains("genesis") && table.contains("aarch64-cpu"),
        "{table}"
    );

    // Bob, a miner, declares it: its list and the profile's miners follow.
    let e = cli.fails(&["--wallet", "bob", "miner", "declare-profile", &id]);
    assert!(e.contains("not a registered miner"), "{e}");
    cli.json(&[
        "--wallet",
        "bob",
        "miner",
        "register",
        "--gpus",
        "1x RTX 4090",
        "--price-per-hour",
        "0.5",
    ]);
    let d = cli.json(&["--wallet", "bob", "miner", "declare-profile", &id]);
    assert_eq!(d["result"], "declared");
    assert_eq!(ids(&d["profiles"]), vec![id.clone()], "{d}");
    let mine = cli.json(&["miner", "profiles", "--miner", BOB]);
    assert_eq!(mine["miner"], BOB);
    assert_eq!(ids(&mine["profiles"]), vec![id.clone()], "{mine}");
    assert_eq!(cli.json(&["profile", "show", &id])["miners"], json!([BOB]));
    let e = cli.fails(&["--wallet", "bob", "miner", "declare-profile", &id]);
    assert!(e.contains("already declared"), "{e}");
    // Withdrawn and declared again.
    let u = cli.json(&["--wallet", "bob", "miner", "undeclare-profile", &id]);
    assert_eq!(
        (&u["result"], &u["profiles"]),
        (&json!("undeclared"), &json!([]))
    );
    let e = cli.fails(&["--wallet", "bob", "miner", "undeclare-profile", &id]);
    assert!(e.contains("has not declared"), "{e}");
    cli.json(&["--wallet", "bob", "miner", "declare-profile", &id]);
    // Alice has declared nothing; an unknown id is refused.
    assert_eq!(
        cli.json(&["miner", "profiles"])["profiles"],
        json!([]),
        "alice's own"
    );
    let unknown = format!("0x{}", "ab".repeat(32));
    let e = cli.fails(&["--wallet", "bob", "miner", "declare-profile", &unknown]);
    assert!(e.contains("no registered profile has that id"), "{e}");
    let e = cli.fails(&["profile", "show", "0x12"]);
    assert!(e.contains("64 hex digits"), "{e}");

    // In use: not retired. Bob still mines: nobody else may prune it.
    let e = cli.fails(&["profile", "retire", &id]);
    assert!(
        e.contains("still declared by 1 miner") && e.contains(BOB),
        "{e}"
    );
    let e = cli.fails(&["profile", "prune", BOB]);
    assert!(e.contains("still an active miner"), "{e}");
    let e = cli.fails(&["--wallet", "bob", "profile", "retire", &id]);
    assert!(e.contains("only its owner retires it"), "{e}");

    // Bob deregisters; its declaration is stale until Alice prunes it.
    cli.json(&["--wallet", "bob", "miner", "deregister"]);
    let p = cli.json(&["profile", "prune", "bob"]);
    assert_eq!(p["pruned"], json!([id]));
    assert!(
        p["events"]
            .as_array()
            .expect("events")
            .iter()
            .any(|e| e == "ExecutionProfiles.DeclarationsPruned"),
        "{p}"
    );
    assert_eq!(
        cli.json(&["miner", "profiles", "--miner", "bob"])["profiles"],
        json!([])
    );
    let e = cli.fails(&["profile", "prune", "bob"]);
    assert!(e.contains("nothing to prune"), "{e}");

    // Retired: gone, and the deposit is back.
    let r = cli.json(&["profile", "retire", &id]);
    assert_eq!(r["result"], "retired");
    assert_eq!(held(&cli, "alice"), held_before);
    assert_eq!(
        ids(&cli.json(&["profile", "list"])),
        vec![SMOLLM2_PROFILE.to_string()]
    );
    let e = cli.fails(&["profile", "show", &id]);
    assert!(e.contains("not found"), "{e}");
    let e = cli.fails(&["profile", "retire", SMOLLM2_PROFILE]);
    assert!(e.contains("registered at genesis"), "{e}");
}
