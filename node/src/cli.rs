//! Command line, in the form Substrate node operators know.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::rpc::RpcMethods;

/// AITBC node: validator and full node of the AITBC AI-compute chain.
#[derive(Debug, Parser)]
#[command(name = "aitbc-node", version, about, long_about = None, after_help = "Examples:\n  aitbc-node --dev                       # a one-validator dev chain in a temp dir\n  aitbc-node --chain local --alice --base-path /tmp/alice --validator\n  aitbc-node build-spec --chain ait-testnet --authority <AURA>:<GRANDPA> --sudo <SS58> --raw > testnet.json\n  aitbc-node --chain testnet.json --validator --base-path ~/.aitbc-node")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub run: RunCmd,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print a chain specification as JSON.
    BuildSpec(BuildSpecCmd),
    /// Delete the chain database of a base path.
    PurgeChain(PurgeChainCmd),
    /// Key management.
    #[command(subcommand)]
    Key(KeyCmd),
}

/// Options shared by commands that locate a chain's data.
#[derive(Debug, Args, Clone)]
pub struct SharedParams {
    /// Chain to run: `dev`, `local`, `ait-devnet` (development chains with the public dev keys),
    /// or a chain-spec JSON file; the live chains `ait-testnet` and `ait-healthchain` run from
    /// the spec file `build-spec --chain ait-testnet --authority ... --sudo ...` writes.
    #[arg(long, value_name = "CHAIN_SPEC")]
    pub chain: Option<String>,
    /// Development chain: `--chain dev --alice --validator`, in a temporary directory unless `--base-path` is given.
    #[arg(long)]
    pub dev: bool,
    /// Directory for the chain database, keystore and node key.
    #[arg(long, short = 'd', value_name = "PATH")]
    pub base_path: Option<PathBuf>,
}

impl SharedParams {
    pub fn chain_id(&self) -> String {
        match (&self.chain, self.dev) {
            (Some(c), _) => c.clone(),
            (None, true) => "dev".into(),
            (None, false) => "local".into(),
        }
    }
}

#[derive(Debug, Args)]
pub struct RunCmd {
    #[command(flatten)]
    pub shared: SharedParams,
    /// Use a temporary base path, deleted on exit.
    #[arg(long)]
    pub tmp: bool,
    /// Act as a validator: author blocks in our Aura slots and finalize with our GRANDPA key.
    #[arg(long)]
    pub validator: bool,
    /// Human-readable node name.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// JSON-RPC port (HTTP and WebSocket).
    #[arg(long, default_value_t = 9944, value_name = "PORT")]
    pub rpc_port: u16,
    /// Listen for RPC on all interfaces instead of 127.0.0.1 (only safe methods unless
    /// --unsafe-rpc-external).
    #[arg(long)]
    pub rpc_external: bool,
    /// Listen for RPC on all interfaces and allow `--rpc-methods unsafe` there: anyone who can
    /// reach the port can then manage this node's keys. Only behind a firewall or proxy.
    #[arg(long)]
    pub unsafe_rpc_external: bool,
    /// Which RPC methods to expose: `unsafe` adds key management (author_insertKey,
    /// author_rotateKeys, author_hasKey) and system_peers / system_dryRun; `auto` is `unsafe`
    /// while RPC listens on 127.0.0.1 only and `safe` with --rpc-external.
    #[arg(long, value_enum, default_value_t = RpcMethods::Auto)]
    pub rpc_methods: RpcMethods,
    /// Web origins allowed to call the RPC from a browser: `all`, or a comma-separated list
    /// (`http://localhost:*` allows any port). Default: pages on this machine and
    /// https://polkadot.js.org. Requests without an Origin header (CLI, SDKs) are not affected.
    #[arg(long, value_name = "ORIGINS", value_parser = crate::rpc::origin::AllowedOrigins::parse)]
    pub rpc_cors: Option<crate::rpc::origin::AllowedOrigins>,
    /// Most subscriptions one RPC connection may hold.
    #[arg(long, default_value_t = 1024, value_name = "COUNT")]
    pub rpc_max_subscriptions_per_connection: u32,
    /// Most RPC connections at once.
    #[arg(long, default_value_t = 100, value_name = "COUNT")]
    pub rpc_max_connections: u32,
    /// Which states to keep: `archive` (every block's), `archive-canonical` (every finalized
    /// block's; forks are forgotten once finality discards them) or N (the last N finalized
    /// blocks' and every unfinalized block's; at least 32). Chosen when the database is created:
    /// an archive database cannot start pruning later, nor a pruned one become an archive.
    #[arg(long, value_name = "MODE", default_value = "archive",
          value_parser = crate::pruning::parse_state_pruning)]
    pub state_pruning: crate::pruning::PruningMode,
    /// Which block bodies to keep: `archive` (all), `archive-canonical` (finalized ones; forks'
    /// bodies are deleted once finality discards them) or N (the last N finalized blocks').
    /// Headers and justifications are always kept. Peers cannot sync pruned blocks from this
    /// node.
    #[arg(long, value_name = "MODE", default_value = "archive",
          value_parser = crate::pruning::parse_blocks_pruning)]
    pub blocks_pruning: crate::pruning::PruningMode,
    /// Prometheus metrics port.
    #[arg(long, default_value_t = 9615, value_name = "PORT")]
    pub prometheus_port: u16,
    /// Do not serve Prometheus metrics.
    #[arg(long)]
    pub no_prometheus: bool,
    /// Log filter, e.g. `info,aitbc=debug` (also RUST_LOG).
    #[arg(long, short = 'l', value_name = "FILTER")]
    pub log: Option<String>,
    #[command(flatten)]
    pub keyring: KeyringArgs,
    #[command(flatten)]
    pub network: NetworkParams,
}

/// Peer-to-peer networking.
#[derive(Debug, Args, Clone)]
pub struct NetworkParams {
    /// libp2p TCP port (0: any free port).
    #[arg(long, default_value_t = 30333, value_name = "PORT")]
    pub port: u16,
    /// Address to listen on, replacing the default `/ip4/0.0.0.0/tcp/<port>`
    /// (`/ip4/127.0.0.1/tcp/<port>` with `--dev`). May be repeated.
    #[arg(long, value_name = "MULTIADDR")]
    pub listen_addr: Vec<libp2p::Multiaddr>,
    /// Peers to connect to, e.g. `/ip4/127.0.0.1/tcp/30333/p2p/12D3KooW...`. May be repeated;
    /// added to the chain spec's boot nodes.
    #[arg(long, value_name = "MULTIADDR", num_args = 1..)]
    pub bootnodes: Vec<libp2p::Multiaddr>,
    /// File holding the node's ed25519 secret key (32 raw bytes or 64 hex characters); created if
    /// missing. Default: `<base path>/chains/<chain>/network/secret_ed25519`.
    #[arg(long, value_name = "FILE")]
    pub node_key_file: Option<PathBuf>,
    /// Most peers to be connected to.
    #[arg(long, default_value_t = 50, value_name = "COUNT")]
    pub max_peers: u32,
}

/// `--alice`, `--bob`, ...: use a well-known dev account's keys (implies `--validator`). Only on
/// development chains (`dev`, `local`, `ait-devnet`, or a spec of type Development or Local).
#[derive(Debug, Args, Default, Clone)]
pub struct KeyringArgs {
    #[arg(long, conflicts_with_all = ["bob", "charlie", "dave", "eve", "ferdie"])]
    pub alice: bool,
    #[arg(long, conflicts_with_all = ["charlie", "dave", "eve", "ferdie"])]
    pub bob: bool,
    #[arg(long, conflicts_with_all = ["dave", "eve", "ferdie"])]
    pub charlie: bool,
    #[arg(long, conflicts_with_all = ["eve", "ferdie"])]
    pub dave: bool,
    #[arg(long, conflicts_with_all = ["ferdie"])]
    pub eve: bool,
    #[arg(long)]
    pub ferdie: bool,
}

impl KeyringArgs {
    /// The dev URI selected, e.g. `//Alice`.
    pub fn uri(&self) -> Option<&'static str> {
        [
            (self.alice, "//Alice"),
            (self.bob, "//Bob"),
            (self.charlie, "//Charlie"),
            (self.dave, "//Dave"),
            (self.eve, "//Eve"),
            (self.ferdie, "//Ferdie"),
        ]
        .into_iter()
        .find_map(|(on, uri)| on.then_some(uri))
    }
}

#[derive(Debug, Args)]
#[command(
    after_help = "A live chain (ait-testnet, ait-healthchain) ships no keys; its spec is made from the operators' own:\n  aitbc-node build-spec --chain ait-testnet --authority <AURA>:<GRANDPA> --authority <AURA>:<GRANDPA> --sudo <SS58> > ait-testnet.json\n  aitbc-node --chain ait-testnet.json --validator ...\nKeys are SS58 addresses or 0x hex public keys (aitbc-node key generate [--scheme ed25519])."
)]
pub struct BuildSpecCmd {
    #[command(flatten)]
    pub shared: SharedParams,
    /// Output the genesis as raw storage.
    #[arg(long)]
    pub raw: bool,
    /// A live chain's authority: `AURA:GRANDPA`, its Aura (sr25519) and GRANDPA (ed25519)
    /// public keys as SS58 addresses or 0x hex. Repeat for each authority.
    #[arg(long, value_name = "AURA:GRANDPA")]
    pub authority: Vec<String>,
    /// A live chain's sudo (admin) account, SS58 or 0x hex; it is endowed.
    #[arg(long, value_name = "ACCOUNT")]
    pub sudo: Option<String>,
    /// Further accounts a live chain endows at genesis. May be repeated.
    #[arg(long, value_name = "ACCOUNT")]
    pub endow: Vec<String>,
}

#[derive(Debug, Args)]
pub struct PurgeChainCmd {
    #[command(flatten)]
    pub shared: SharedParams,
    /// Do not ask for confirmation.
    #[arg(short = 'y', long)]
    pub yes: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Scheme {
    Sr25519,
    Ed25519,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum OutputType {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum KeyCmd {
    /// Generate a new random key (BIP39 mnemonic).
    Generate {
        #[arg(long, value_enum, default_value_t = Scheme::Sr25519)]
        scheme: Scheme,
        /// Number of mnemonic words: 12, 15, 18, 21 or 24.
        #[arg(long, short = 'w', default_value_t = 12)]
        words: usize,
        #[arg(long, value_enum, default_value_t = OutputType::Text)]
        output_type: OutputType,
    },
    /// Show the public key, account id and SS58 address of a secret URI.
    Inspect {
        /// Secret URI: mnemonic, hex seed, or `//Alice`-style dev URI (with optional derivation).
        uri: String,
        #[arg(long, value_enum, default_value_t = Scheme::Sr25519)]
        scheme: Scheme,
        #[arg(long, value_enum, default_value_t = OutputType::Text)]
        output_type: OutputType,
    },
    /// Create a libp2p node key file and print its peer id.
    GenerateNodeKey {
        /// Where to write the secret key (hex). Refuses to overwrite an existing file.
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
    },
    /// Print the peer id of a node key file.
    InspectNodeKey {
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
    },
    /// Insert a key into the node's keystore. The secret comes from --suri-file, --suri or the
    /// AITBC_SURI environment variable.
    #[command(
        after_help = "Examples:\n  aitbc-node key insert --chain local --base-path /tmp/a --key-type aura --suri-file aura.secret\n  AITBC_SURI=\"word1 ... word12\" aitbc-node key insert --chain local --key-type gran\n\n--suri is visible to other users (ps) and kept in shell history; a warning is printed."
    )]
    Insert(InsertKeyCmd),
}

/// The environment variable a secret URI may come from (`key insert`).
pub const SURI_ENV: &str = "AITBC_SURI";

/// `aitbc-node key insert`.
#[derive(Debug, Args)]
pub struct InsertKeyCmd {
    #[command(flatten)]
    pub shared: SharedParams,
    /// Key type: `aura` (sr25519) or `gran` (ed25519).
    #[arg(long)]
    pub key_type: String,
    /// Secret URI of the key (mnemonic, hex seed, `//Alice`). Visible to other users (ps) and
    /// kept in shell history: prefer --suri-file or AITBC_SURI.
    #[arg(long, conflicts_with = "suri_file")]
    pub suri: Option<String>,
    /// A file holding the secret URI (surrounding whitespace is ignored).
    #[arg(long, value_name = "FILE")]
    pub suri_file: Option<PathBuf>,
}

impl InsertKeyCmd {
    /// The secret URI: `--suri` (with a warning on stderr), `--suri-file`, else `AITBC_SURI`.
    pub fn secret(&self) -> anyhow::Result<String> {
        if let Some(s) = &self.suri {
            eprintln!(
                "warning: the secret given with --suri is visible to other users of this machine (ps, /proc) and stays in your shell history; prefer --suri-file FILE or the {SURI_ENV} environment variable"
            );
            return Ok(s.clone());
        }
        if let Some(path) = &self.suri_file {
            let text = std::fs::read_to_string(path).map_err(|e| {
                anyhow::anyhow!(
                    "cannot read the secret file {} (--suri-file): {e}",
                    path.display()
                )
            })?;
            let secret = text.trim();
            if secret.is_empty() {
                anyhow::bail!(
                    "the secret file {} is empty: it should hold the key's secret URI (mnemonic, 0x seed or //Name)",
                    path.display()
                );
            }
            return Ok(secret.to_string());
        }
        match std::env::var(SURI_ENV) {
            Ok(v) if !v.trim().is_empty() => Ok(v.trim().to_string()),
            _ => anyhow::bail!(
                "say which key to insert: --suri-file FILE (a file holding its secret URI), the {SURI_ENV} environment variable, or --suri (visible to other users)"
            ),
        }
    }
}
