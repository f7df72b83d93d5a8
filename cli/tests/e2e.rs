//! End to end against a real `aitbc-node --dev`: wallets, transfers, balances, explorer and health,
//! in table and JSON output. Skipped (with a message) when the node binary has not been built.

mod common;
use common::*;
use serde_json::Value;

const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
const BOB: &str = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty";

fn balance(cli: &Cli, who: &str) -> Value {
    cli.json(&["wallet", "balance", who])
}

#[test]
fn wallets_transfers_explorer_health() {
    let Some(node) = Node::start("wallets_transfers_explorer_health") else {
        return;
    };
    let cli = Cli::new(&node.ws);

    // Wallets: a dev key, a mnemonic-derived key, and a fresh one.
    cli.ok(&["wallet", "import", "--name", "alice", "--uri", "//Alice"]);
    let bob = cli.json(&[
        "wallet",
        "import",
        "--name",
        "bob",
        "--mnemonic",
        "bottom drive obey lake curtain smoke basket hold race lonely fit walk//Bob",
    ]);
    assert_eq!(bob["address"], BOB);
    let created = cli.json(&["wallet", "create", "--name", "test_wallet"]);
    let test_wallet = created["address"].as_str().unwrap().to_string();

    // Balances.
    let a = balance(&cli, "alice");
    assert_eq!(a["address"], ALICE);
    assert!(units(&a["available"]) > 1_000 * aitbc_runtime::AIT, "{a}");
    let t = balance(&cli, "test_wallet");
    assert_eq!(units(&t["total"]), 0);
    let table = cli.ok(&["wallet", "balance"]);
    assert!(
        table.contains("available") && table.contains("AIT") && table.contains(ALICE),
        "{table}"
    );

    // alice -> test_wallet 12.5 AIT (table output), by wallet name.
    let out = cli.ok(&["wallet", "send", "test_wallet", "12.5"]);
    assert!(
        out.contains("success") && out.contains("tx_hash") && out.contains("12.5 AIT"),
        "{out}"
    );
    let t = balance(&cli, &test_wallet);
    assert_eq!(units(&t["total"]), 12_500_000_000_000);
    assert_eq!(t["nonce"], 0);

    // Insufficient balance: checked before signing; says needed and available; nothing sent.
    let e = cli.fails(&["--wallet", "test_wallet", "wallet", "send", BOB, "13"]);
    assert!(
        e.contains("insufficient balance") && e.contains("needed") && e.contains("available"),
        "{e}"
    );
    assert!(e.contains("12.499 AIT available"), "{e}");
    // Wrong password: nothing signed or sent.
    let out = cli
        .cmd(&["--wallet", "test_wallet", "wallet", "send", BOB, "1"])
        .env("AITBC_PASSWORD", "wrong")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("wrong password for wallet \"test_wallet\"")
    );
    assert_eq!(balance(&cli, &test_wallet)["nonce"], 0);

    // test_wallet -> bob 2 AIT, JSON output, to finality; balances move by amount + fee exactly.
    let bob_before = units(&balance(&cli, BOB)["free"]);
    let sent = cli.json(&[
        "--wallet",
        "test_wallet",
        "wallet",
        "send",
        BOB,
        "2",
        "--finalized",
    ]);
    assert_eq!(sent["status"], "finalized");
    assert_eq!(sent["result"], "success");
    let tx_hash = sent["tx_hash"].as_str().unwrap().to_string();
    assert!(tx_hash.starts_with("0x") && tx_hash.len() == 66);
    let fee = units(&sent["fee"]);
    assert!(fee > 0);
    let t = balance(&cli, &test_wallet);
    assert_eq!(
        units(&t["total"]),
        12_500_000_000_000 - 2_000_000_000_000 - fee
    );
    assert_eq!(t["nonce"], 1);
    assert_eq!(
        units(&balance(&cli, BOB)["free"]),
        bob_before + 2_000_000_000_000
    );

    // A dispatch failure on chain is named from the runtime's metadata.
    let fresh = cli.json(&["wallet", "create", "--name", "fresh"]);
    let fresh = fresh["address"].as_str().unwrap().to_string();
    let e = cli.fails(&["wallet", "send", &fresh, "0.0001"]);
    assert!(
        e.contains("Token.BelowMinimum") && e.contains("failed in block"),
        "{e}"
    );

    // Explorer: the transaction, its block, recent blocks, an account.
    let tx = cli.json(&["explorer", "tx", &tx_hash]);
    assert_eq!(tx["tx_hash"], tx_hash.as_str());
    assert_eq!(tx["status"], "success");
    assert_eq!(tx["call"], "Balances.transfer_keep_alive");
    assert_eq!(tx["signer"], test_wallet.as_str());
    assert_eq!(tx["finalized"], true);
    let events: Vec<String> = tx["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}.{}",
                e["pallet"].as_str().unwrap(),
                e["event"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        events.contains(&"Balances.Transfer".to_string()),
        "{events:?}"
    );
    assert!(
        events.contains(&"System.ExtrinsicSuccess".to_string()),
        "{events:?}"
    );
    let table = cli.ok(&["explorer", "tx", &tx_hash]);
    assert!(
        table.contains("Balances.transfer_keep_alive") && table.contains("success"),
        "{table}"
    );

    let number = tx["block_number"].as_u64().unwrap().to_string();
    let block = cli.json(&["explorer", "block", &number]);
    assert_eq!(block["hash"], tx["block_hash"]);
    assert!(block["extrinsics"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["tx_hash"] == tx_hash.as_str()));
    let table = cli.ok(&["explorer", "block", tx["block_hash"].as_str().unwrap()]);
    assert!(
        table.contains("Timestamp.set") && table.contains("Balances.Transfer"),
        "{table}"
    );

    let blocks = cli.json(&["explorer", "blocks", "--limit", "3"]);
    let blocks = blocks.as_array().unwrap();
    assert_eq!(blocks.len(), 3);
    assert!(blocks[0]["number"].as_u64() > blocks[1]["number"].as_u64());
    let table = cli.ok(&["explorer", "blocks", "--limit", "2"]);
    assert!(table.contains("extrinsics"), "{table}");

    let acct = cli.json(&["explorer", "account", &test_wallet]);
    assert_eq!(acct["nonce"], 1);
    assert_eq!(units(&acct["total"]), units(&t["total"]));
    assert!(cli.ok(&["explorer", "account", BOB]).contains(BOB));
    let e = cli.fails(&[
        "explorer",
        "tx",
        &format!("0x{}", "ab".repeat(32)),
        "--depth",
        "5",
    ]);
    assert!(e.contains("is not in the chain"), "{e}");
    let e = cli.fails(&["explorer", "block", "99999999"]);
    assert!(e.contains("#99999999"), "{e}");

    // Health, over WebSocket and HTTP.
    let h = cli.json(&["health"]);
    assert_eq!(h["status"], "ok");
    assert!(h["best_block"].as_u64().unwrap() >= 1);
    assert!(h["finalized_block"].as_u64().unwrap() <= h["best_block"].as_u64().unwrap());
    assert!(!h["chain"].as_str().unwrap().is_empty());
    let http = Cli::new(&node.http);
    assert_eq!(http.json(&["health"])["genesis_hash"], h["genesis_hash"]);
    assert!(http.ok(&["health"]).contains("node reachable"));

    // A transfer over HTTP (no subscriptions: the client polls blocks).
    http.ok(&["wallet", "import", "--name", "alice", "--uri", "//Alice"]);
    let r = http.json(&["wallet", "send", BOB, "0.5"]);
    assert_eq!(r["result"], "success");
}
