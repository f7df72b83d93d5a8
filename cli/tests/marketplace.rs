//! The GPU marketplace end to end against a real `aitbc-node --dev`: providers list GPUs, a
//! client finds offers and prices, books (the cost held), the provider confirms, the client
//! releases (the provider is paid) or cancels (refunded), a provider delists; balances, holds,
//! the pricing oracle and every refusal are checked in table and JSON output. Skipped (with a
//! message) when the node binary has not been built.

mod common;
use aitbc_runtime::AIT;
use common::*;
use serde_json::Value;

const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
const BOB: &str = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty";

fn balance(cli: &Cli, wallet: &str) -> (u128, u128) {
    let b = cli.json(&["wallet", "balance", wallet]);
    (units(&b["free"]), units(&b["held"]))
}

#[test]
fn gpu_rental_journey() {
    let Some(node) = Node::start("gpu_rental_journey") else {
        return;
    };
    let cli = Cli::new(&node.ws);
    for (name, uri) in [
        ("alice", "//Alice"),
        ("bob", "//Bob"),
        ("charlie", "//Charlie"),
    ] {
        cli.ok(&["wallet", "import", "--name", name, "--uri", uri]);
    }
    cli.ok(&["wallet", "use", "alice"]);
    let mp = |args: &[&str]| -> Vec<String> {
        let mut v = vec!["marketplace".to_string()];
        v.extend(args.iter().map(|s| s.to_string()));
        v
    };
    let run_json = |wallet: &str, args: &[&str]| -> Value {
        let full: Vec<String> = ["--wallet", wallet]
            .iter()
            .map(|s| s.to_string())
            .chain(mp(args))
            .collect();
        let refs: Vec<&str> = full.iter().map(String::as_str).collect();
        cli.json(&refs)
    };
    let run_fails = |wallet: &str, args: &[&str]| -> String {
        let full: Vec<String> = ["--wallet", wallet]
            .iter()
            .map(|s| s.to_string())
            .chain(mp(args))
            .collect();
        let refs: Vec<&str> = full.iter().map(String::as_str).collect();
        cli.fails(&refs)
    };

    // Bad input: clear, specific, and nothing is signed or sent.
    let reg = |model: &str, vram: &str, rate: &str| {
        vec![
            "gpu",
            "register",
            "--model",
            model,
            "--vram",
            vram,
            "--hourly-rate",
            rate,
        ]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>()
    };
    let e = run_fails("alice", &strs(&reg(" ", "24", "0.5")));
    assert!(e.contains("GPU model is empty"), "{e}");
    let e = run_fails("alice", &strs(&reg("RTX 4090", "24", "0")));
    assert!(e.contains("greater than zero"), "{e}");
    let e = run_fails("alice", &strs(&reg("RTX 4090", "0", "0.5")));
    assert!(e.contains("--vram"), "{e}");
    let e = run_fails("alice", &strs(&reg("RTX 4090", "24", "cheap")));
    assert!(e.contains("invalid amount \"cheap\""), "{e}");
    let e = run_fails("bob", &["gpu", "book", "999", "--hours", "1"]);
    assert!(e.contains("listing #999"), "{e}");
    let e = run_fails("bob", &["gpu", "book", "abc"]);
    assert!(e.contains("\"abc\" is not a number"), "{e}");
    let e = run_fails("bob", &["gpu", "release", "42"]);
    assert!(e.contains("booking #42"), "{e}");
    let e = run_fails("bob", &["pricing", "--model", "RTX 4090"]);
    assert!(e.contains("no price data") && e.contains("RTX 4090"), "{e}");
    assert_eq!(cli.json(&["wallet", "balance", "alice"])["nonce"], 0);
    assert!(cli
        .ok(&["marketplace", "offers", "list", "--model", "RTX 4090"])
        .contains("No offers"));

    // Alice lists 2x RTX 4090 at 0.5 AIT per GPU-hour; it is read back live from the chain.
    let l0 = run_json(
        "alice",
        &[
            "gpu",
            "register",
            "--model",
            "RTX 4090",
            "--vram",
            "24",
            "--hourly-rate",
            "0.5",
            "--count",
            "2",
            "--region",
            "eu-west",
        ],
    );
    assert_eq!(l0["live"], true, "{l0}");
    assert!(l0["tx_hash"].as_str().unwrap().starts_with("0x"));
    let listing0 = l0["listing_id"].as_u64().expect("listing_id").to_string();
    assert_eq!(l0["provider"], ALICE);
    assert_eq!(l0["gpu_model"], "RTX 4090");
    assert_eq!(l0["gpu_count"], 2);
    assert_eq!(l0["vram_mb"], 24 * 1024);
    assert_eq!(units(&l0["hourly_rate"]), AIT / 2);
    assert_eq!(l0["region"], "eu-west");
    assert_eq!(l0["status"], "available");
    // Charlie lists one at 0.7 (table output says it is live and shows its id).
    let out = cli.ok(&[
        "--wallet",
        "charlie",
        "marketplace",
        "gpu",
        "register",
        "--model",
        "RTX 4090",
        "--vram",
        "24",
        "--hourly-rate",
        "0.7",
    ]);
    assert!(out.contains("is live") && out.contains("RTX 4090"), "{out}");
    let mine = run_json("charlie", &["gpu", "list", "--mine"]);
    assert_eq!(mine.as_array().unwrap().len(), 1);
    let listing1 = mine[0]["listing_id"].as_u64().unwrap().to_string();
    assert_ne!(listing0, listing1);
    assert_eq!(
        run_json("bob", &["gpu", "list"]).as_array().unwrap().len(),
        2
    );
    assert_eq!(
        run_json("bob", &["gpu", "list", "--model", "A100"])
            .as_array()
            .unwrap()
            .len(),
        0
    );

    // Offers: cheapest first, with the providers' reputation (neither is a registered miner).
    let offers = run_json("bob", &["offers", "list", "--model", "RTX 4090"]);
    let offers = offers.as_array().unwrap();
    assert_eq!(offers.len(), 2);
    assert_eq!(
        offers[0]["listing_id"].as_u64().unwrap().to_string(),
        listing0
    );
    assert_eq!(units(&offers[0]["hourly_rate"]), AIT / 2);
    assert_eq!(offers[0]["reputation"], Value::Null);
    assert_eq!(units(&offers[1]["hourly_rate"]), 7 * AIT / 10);
    let table = cli.ok(&["marketplace", "offers", "list", "--model", "RTX 4090"]);
    for word in [
        "provider",
        "reputation",
        "VRAM",
        "price",
        "24 GB",
        "0.5 AIT",
        "not a miner",
    ] {
        assert!(table.contains(word), "{word}: {table}");
    }

    // Pricing from the two listings: average 0.6, median 0.6, suggested = median of listings.
    let p = run_json("bob", &["pricing", "--model", "RTX 4090"]);
    assert_eq!(p["sample_size"], 2);
    assert_eq!(
        (p["listings"].as_u64(), p["bookings"].as_u64()),
        (Some(2), Some(0))
    );
    assert_eq!(units(&p["average"]), 6 * AIT / 10);
    assert_eq!(units(&p["median"]), 6 * AIT / 10);
    assert_eq!(units(&p["suggested"]), 6 * AIT / 10);
    assert_eq!(units(&p["min"]), AIT / 2);
    assert_eq!(units(&p["max"]), 7 * AIT / 10);
    let t = cli.ok(&["marketplace", "pricing", "--model", "RTX 4090"]);
    assert!(
        t.contains("average")
            && t.contains("median")
            && t.contains("suggested")
            && t.contains("sample size"),
        "{t}"
    );

    // Bob books Alice's listing for 3 hours: 0.5 x 2 GPUs x 3 h = 3 AIT held.
    let e = run_fails("alice", &["gpu", "book", &listing0, "--hours", "1"]);
    assert!(e.contains("own"), "{e}");
    let e = run_fails("bob", &["gpu", "book", &listing0, "--hours", "0"]);
    assert!(e.contains("at least 1 hour"), "{e}");
    let e = run_fails("bob", &["gpu", "book", &listing0, "--hours", "100000"]);
    assert!(e.contains("longest booking"), "{e}");
    let (bob_free0, bob_held0) = balance(&cli, "bob");
    let b = run_json("bob", &["gpu", "book", &listing0, "--hours", "3"]);
    let booking0 = b["booking_id"].as_u64().expect("booking_id").to_string();
    assert_eq!(b["status"], "requested", "{b}");
    assert_eq!(b["client"], BOB);
    assert_eq!(b["provider"], ALICE);
    assert_eq!(units(&b["cost"]), 3 * AIT);
    assert_eq!(units(&b["held"]), 3 * AIT);
    let fee = units(&b["fee"]);
    let (bob_free1, bob_held1) = balance(&cli, "bob");
    assert_eq!(bob_held1, bob_held0 + 3 * AIT);
    assert_eq!(bob_free1, bob_free0 - 3 * AIT - fee);
    // The listing is taken now.
    let e = run_fails("charlie", &["gpu", "book", &listing0]);
    assert!(e.contains("already booked"), "{e}");
    let listed = run_json("bob", &["gpu", "list", "--model", "RTX 4090"]);
    assert_eq!(listed[0]["status"], "booked");
    let available = run_json(
        "bob",
        &["offers", "list", "--model", "RTX 4090", "--available"],
    );
    assert_eq!(available.as_array().unwrap().len(), 1);
    // Only the provider confirms; only a confirmed booking is released.
    let e = run_fails("bob", &["gpu", "confirm", &booking0]);
    assert!(e.contains("provider is") && e.contains(ALICE), "{e}");
    let e = run_fails("bob", &["gpu", "release", &booking0]);
    assert!(e.contains("not confirmed yet"), "{e}");
    let e = run_fails("alice", &["gpu", "delist", &listing0]);
    assert!(e.contains("open booking"), "{e}");

    // Alice confirms; the booking runs.
    let c = run_json("alice", &["gpu", "confirm", &booking0]);
    assert_eq!(c["status"], "confirmed", "{c}");
    assert!(c["ends_at"].as_u64().unwrap() > c["booked_at"].as_u64().unwrap());
    let e = run_fails("bob", &["gpu", "cancel", &booking0]);
    assert!(e.contains("no longer be cancelled"), "{e}");
    let e = run_fails("alice", &["gpu", "confirm", &booking0]);
    assert!(e.contains("only requested bookings"), "{e}");

    // Bob releases early: Alice is paid exactly the 3 AIT, nothing stays held for Bob.
    let (alice_free0, _) = balance(&cli, "alice");
    let r = run_json("bob", &["gpu", "release", &booking0]);
    assert_eq!(r["status"], "paid", "{r}");
    assert_eq!(units(&r["paid"]), 3 * AIT);
    let release_fee = units(&r["fee"]);
    let (alice_free1, _) = balance(&cli, "alice");
    assert_eq!(alice_free1, alice_free0 + 3 * AIT);
    let (bob_free2, bob_held2) = balance(&cli, "bob");
    assert_eq!(bob_held2, bob_held0);
    assert_eq!(bob_free2, bob_free1 - release_fee);
    let e = run_fails("bob", &["gpu", "release", &booking0]);
    assert!(e.contains("already ended (paid)"), "{e}");
    assert_eq!(
        run_json("bob", &["gpu", "list", "--model", "RTX 4090"])[0]["status"],
        "available"
    );

    // The paid booking enters the oracle: sample 0.5, 0.7 (listings) + 0.5 (booking).
    let p = run_json("bob", &["pricing", "--model", "RTX 4090"]);
    assert_eq!(p["sample_size"], 3);
    assert_eq!(p["bookings"], 1);
    let (half, seven) = (AIT / 2, 7 * AIT / 10);
    assert_eq!(units(&p["average"]), (half + seven + half) / 3);
    assert_eq!(units(&p["median"]), half);
    // (median of listings + 2 x median of bookings) / 3 = (0.6 + 1.0) / 3.
    assert_eq!(units(&p["suggested"]), (6 * AIT / 10 + 2 * half) / 3);

    // Bob books Charlie's listing and cancels before confirmation: refunded in full.
    let b1 = run_json("bob", &["gpu", "book", &listing1, "--hours", "1"]);
    let booking1 = b1["booking_id"].as_u64().unwrap().to_string();
    assert_eq!(units(&b1["cost"]), seven);
    assert_eq!(balance(&cli, "bob").1, bob_held0 + seven);
    let e = run_fails("charlie", &["gpu", "cancel", &booking1]);
    assert!(e.contains("client is") && e.contains(BOB), "{e}");
    let out = cli.ok(&["--wallet", "bob", "marketplace", "gpu", "cancel", &booking1]);
    assert!(out.contains("refunded"), "{out}");
    assert_eq!(balance(&cli, "bob").1, bob_held0);
    let one = run_json("bob", &["gpu", "bookings", "--id", &booking1]);
    assert_eq!(one[0]["status"], "refunded");
    let mine = run_json("bob", &["gpu", "bookings"]);
    assert_eq!(mine.as_array().unwrap().len(), 2);
    assert_eq!(
        mine[0]["booking_id"].as_u64().unwrap().to_string(),
        booking1
    );
    assert!(cli
        .ok(&["--wallet", "alice", "marketplace", "gpu", "bookings"])
        .contains("paid"));

    // Update: only the provider, only the options given change, read back from the chain.
    let e = run_fails("bob", &["gpu", "update", &listing0, "--hourly-rate", "0.4"]);
    assert!(e.contains("belongs to"), "{e}");
    let e = run_fails("alice", &["gpu", "update", &listing0]);
    assert!(e.contains("nothing to change"), "{e}");
    let u = run_json(
        "alice",
        &[
            "gpu",
            "update",
            &listing0,
            "--hourly-rate",
            "0.45",
            "--region",
            "eu-north",
        ],
    );
    assert_eq!(units(&u["hourly_rate"]), 45 * AIT / 100, "{u}");
    assert_eq!(u["region"], "eu-north", "{u}");
    assert_eq!(u["gpu_model"], l0["gpu_model"], "{u}");
    assert_eq!(u["vram_mb"], l0["vram_mb"], "{u}");
    assert!(u["tx_hash"].as_str().unwrap().starts_with("0x"));

    // Delist: only the provider; the listing is gone from the chain.
    let e = run_fails("bob", &["gpu", "delist", &listing0]);
    assert!(e.contains("belongs to"), "{e}");
    let d = run_json("alice", &["gpu", "delist", &listing0]);
    assert_eq!(d["status"], "delisted");
    let e = run_fails("bob", &["gpu", "book", &listing0]);
    assert!(e.contains(&format!("listing #{listing0}")), "{e}");
    assert_eq!(
        run_json("bob", &["gpu", "list"]).as_array().unwrap().len(),
        1
    );
}
