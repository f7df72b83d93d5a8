//! CLI behaviour that needs no node: wallets on disk, input validation, unreachable nodes,
//! help texts. Runs the real `aitbc` binary.

mod common;
use common::*;

#[test]
fn wallet_lifecycle_on_disk() {
    let cli = Cli::new("ws://127.0.0.1:1");
    let created = cli.json(&["wallet", "create", "--name", "test_wallet"]);
    let mnemonic = created["mnemonic"].as_str().unwrap().to_string();
    assert_eq!(mnemonic.split_whitespace().count(), 12);
    assert_eq!(created["default"], true);
    let address = created["address"].as_str().unwrap().to_string();

    // The mnemonic restores the same address.
    let restored = cli.json(&[
        "wallet",
        "import",
        "--name",
        "restored",
        "--mnemonic",
        &mnemonic,
    ]);
    assert_eq!(restored["address"], address);
    assert_eq!(restored["default"], false);

    let alice = cli.json(&["wallet", "import", "--name", "alice", "--uri", "//Alice"]);
    assert_eq!(
        alice["address"],
        "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
    );

    let list = cli.json(&["wallet", "list"]);
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alice", "restored", "test_wallet"]);
    assert_eq!(list[2]["default"], true);
    let table = cli.ok(&["wallet", "list"]);
    assert!(
        table.contains("test_wallet") && table.contains(&address),
        "{table}"
    );

    cli.ok(&["wallet", "use", "alice"]);
    assert_eq!(
        cli.ok(&["wallet", "address"]).trim(),
        alice["address"].as_str().unwrap()
    );
    assert_eq!(
        cli.json(&["--wallet", "test_wallet", "wallet", "address"])["address"],
        address
    );

    // Export is a polkadot.js JSON account; importing it back needs its password.
    let exported = cli.ok(&["--wallet", "test_wallet", "wallet", "export"]);
    let v: serde_json::Value = serde_json::from_str(&exported).unwrap();
    assert_eq!(
        v["encoding"]["content"],
        serde_json::json!(["pkcs8", "sr25519"])
    );
    assert_eq!(
        v["encoding"]["type"],
        serde_json::json!(["scrypt", "xsalsa20-poly1305"])
    );
    assert_eq!(v["address"], address);
    let file = cli.home.path().join("exported.json");
    std::fs::write(&file, &exported).unwrap();
    let f = path_str(&file);
    let out = cli
        .cmd(&["wallet", "import", "--name", "copy", "--json", &f])
        .env("AITBC_PASSWORD", "not the password")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("wrong password"));
    assert_eq!(
        cli.json(&["wallet", "import", "--name", "copy", "--json", &f])["address"],
        address
    );
}

#[test]
fn bad_input_gets_specific_messages() {
    let cli = Cli::new("ws://127.0.0.1:1");
    cli.ok(&["wallet", "import", "--name", "alice", "--uri", "//Alice"]);

    let e = cli.fails(&["wallet", "import", "--name", "alice", "--uri", "//Bob"]);
    assert!(e.contains("already exists"), "{e}");
    let e = cli.fails(&["wallet", "create", "--name", "bad/name"]);
    assert!(e.contains("invalid wallet name"), "{e}");
    let e = cli.fails(&[
        "wallet",
        "import",
        "--name",
        "m",
        "--mnemonic",
        "not a real mnemonic",
    ]);
    assert!(e.contains("mnemonic"), "{e}");
    let e = cli.fails(&["--wallet", "nobody", "wallet", "address"]);
    assert!(e.contains("wallet \"nobody\" not found"), "{e}");
    let e = cli.fails(&["wallet", "use", "nobody"]);
    assert!(e.contains("not found"), "{e}");

    // Validation happens before any connection: these fail on input, not on the dead URL.
    let e = cli.fails(&[
        "wallet",
        "send",
        "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQZ",
        "1",
    ]);
    assert!(
        e.contains("invalid address") && e.contains("checksum"),
        "{e}"
    );
    let e = cli.fails(&["wallet", "send", "bob", "1"]);
    assert!(e.contains("invalid address \"bob\""), "{e}");
    let e = cli.fails(&[
        "wallet",
        "send",
        "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty",
        "1.5.2",
    ]);
    assert!(e.contains("invalid amount"), "{e}");
    let e = cli.fails(&[
        "wallet",
        "send",
        "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty",
        "-3",
    ]);
    assert!(
        e.contains("invalid amount") || e.contains("unexpected argument"),
        "{e}"
    );
    let e = cli.fails(&[
        "wallet",
        "send",
        "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty",
        "0",
    ]);
    assert!(e.contains("greater than zero"), "{e}");
    let e = cli.fails(&[
        "wallet",
        "send",
        "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",
        "1",
    ]);
    assert!(e.contains("same account"), "{e}");
    let e = cli.fails(&["explorer", "block", "0x1234"]);
    assert!(e.contains("32-byte hash"), "{e}");

    // No wallet selected at all.
    let empty = Cli::new("ws://127.0.0.1:1");
    let e = empty.fails(&["wallet", "balance"]);
    assert!(e.contains("no wallet selected"), "{e}");
}

#[test]
fn unreachable_node_names_the_url() {
    let port = free_port();
    for url in [
        format!("ws://127.0.0.1:{port}"),
        format!("http://127.0.0.1:{port}"),
    ] {
        let cli = Cli::new(&url);
        let e = cli.fails(&["health"]);
        assert!(e.contains(&format!("cannot reach node at {url}")), "{e}");
        let e = cli.fails(&["explorer", "blocks"]);
        assert!(e.contains(&url), "{e}");
        // A valid send to a dead node fails on the connection, after validation.
        cli.ok(&["wallet", "import", "--name", "alice", "--uri", "//Alice"]);
        let e = cli.fails(&[
            "wallet",
            "send",
            "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty",
            "1",
        ]);
        assert!(e.contains(&url), "{e}");
    }
    let cli = Cli::new("ftp://example");
    let e = cli.fails(&["health"]);
    assert!(e.contains("ftp://example") && e.contains("scheme"), "{e}");
}

const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
const BOB: &str = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty";
const CHARLIE: &str = "5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y";

/// `aitbc --output json wallet import --name NAME extra...` with `env`: (stdout JSON, stderr).
fn import(
    cli: &Cli,
    name: &str,
    extra: &[&str],
    env: &[(&str, &str)],
) -> (serde_json::Value, String) {
    let mut args = vec!["--output", "json", "wallet", "import", "--name", name];
    args.extend_from_slice(extra);
    let mut cmd = cli.cmd(&args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run aitbc");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "aitbc {args:?}: {stderr}");
    let v = serde_json::from_slice(&out.stdout).expect("JSON");
    (v, stderr)
}

#[test]
fn wallet_import_takes_the_secret_from_a_file_or_the_environment() {
    let cli = Cli::new("ws://127.0.0.1:1");
    // A file (with its trailing newline), without a warning.
    let file = cli.home.path().join("alice.secret");
    std::fs::write(&file, "//Alice\n").unwrap();
    let (v, stderr) = import(&cli, "alice", &["--suri-file", &path_str(&file)], &[]);
    assert_eq!(v["address"], ALICE);
    assert!(!stderr.contains("warning"), "{stderr}");
    // The environment, without a warning.
    let (v, stderr) = import(&cli, "bob", &[], &[("AITBC_SURI", "//Bob")]);
    assert_eq!(v["address"], BOB);
    assert!(!stderr.contains("warning"), "{stderr}");
    // The command line works, with a warning.
    let (v, stderr) = import(&cli, "charlie", &["--uri", "//Charlie"], &[]);
    assert_eq!(v["address"], CHARLIE);
    assert!(
        stderr.contains("warning: the secret given with --uri is visible to other users")
            && stderr.contains("--suri-file")
            && stderr.contains("AITBC_SURI"),
        "{stderr}"
    );
    let (_, stderr) = import(
        &cli,
        "m",
        &[
            "--mnemonic",
            "bottom drive obey lake curtain smoke basket hold race lonely fit walk",
        ],
        &[],
    );
    assert!(
        stderr.contains("warning: the secret given with --mnemonic"),
        "{stderr}"
    );

    // Nothing given: says every way.
    let e = cli.fails(&["wallet", "import", "--name", "none"]);
    assert!(
        e.contains("--suri-file FILE") && e.contains("AITBC_SURI"),
        "{e}"
    );
    // An empty or missing file.
    let empty = cli.home.path().join("empty.secret");
    std::fs::write(&empty, "\n").unwrap();
    let e = cli.fails(&[
        "wallet",
        "import",
        "--name",
        "e",
        "--suri-file",
        &path_str(&empty),
    ]);
    assert!(e.contains("is empty"), "{e}");
    let e = cli.fails(&[
        "wallet",
        "import",
        "--name",
        "e",
        "--suri-file",
        "/nonexistent/x",
    ]);
    assert!(
        e.contains("cannot read the secret file /nonexistent/x"),
        "{e}"
    );
    // Two sources: refused (a clap usage error).
    let out = cli.run(&[
        "wallet",
        "import",
        "--name",
        "e",
        "--uri",
        "//Eve",
        "--suri-file",
        &path_str(&file),
    ]);
    assert!(!out.status.success());
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(e.contains("cannot be used with"), "{e}");
}

#[cfg(unix)]
#[test]
fn wallet_files_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let cli = Cli::new("ws://127.0.0.1:1");
    let v = cli.json(&["wallet", "create", "--name", "w"]);
    let file = v["file"].as_str().expect("file").to_string();
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{file}");
}
