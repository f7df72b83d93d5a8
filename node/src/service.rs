//! Wiring: opens the database and keystore, then runs RPC, metrics and block authorship until a
//! shutdown signal.

use std::{
    net::{IpAddr, Ipv4Addr, SocketAddr},
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use anyhow::Context;

use crate::{
    authoring::{short, Author},
    chain_spec::ChainSpec,
    cli::RunCmd,
    client::Client,
    db::Database,
    grandpa::Grandpa,
    import::BlockImporter,
    keystore::{self, Keystore},
    metrics::Metrics,
    network::{self, NetworkConfig, NetworkHandle},
    pool::{PoolLimits, TxPool},
    rpc::{self, NodeInfo, RpcDeps},
    sync::{SyncOracle, SyncService, SyncState},
};

/// `$HOME/.local/share/aitbc-node`.
pub fn default_base_path() -> PathBuf {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    home.join(".local/share/aitbc-node")
}

/// `<base>/chains/<id>`.
pub fn chain_dir(base: &Path, chain_id: &str) -> PathBuf {
    base.join("chains").join(chain_id)
}

fn init_logging(filter: Option<&str>) {
    let filter = filter
        .map(str::to_string)
        .or_else(|| std::env::var("RUST_LOG").ok())
        .unwrap_or_else(|| "info".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .try_init();
}

/// The node's local setup, before anything runs: chain, database, keys, network identity.
struct Prepared {
    client: Arc<Client>,
    keystore: Arc<Keystore>,
    is_validator: bool,
    name: String,
    keypair: libp2p::identity::Keypair,
    peer: String,
    listen_addrs: Vec<libp2p::Multiaddr>,
    bootnodes: Vec<libp2p::Multiaddr>,
    /// A `--tmp`/`--dev` base path, deleted when the node stops.
    _tmp: Option<tempfile::TempDir>,
}

pub fn run(cmd: &RunCmd) -> anyhow::Result<()> {
    init_logging(cmd.log.as_deref());
    // Refuse unsafe RPC settings before anything is created.
    let external = cmd.rpc_external || cmd.unsafe_rpc_external;
    let rpc_methods = cmd.rpc_methods.resolve(external, cmd.unsafe_rpc_external)?;
    let prepared = prepare(cmd)?;
    // Every thread that may run the runtime gets its ample stack (virtual memory: only the pages
    // a call touches are ever committed).
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(crate::executor::RUNTIME_STACK_BYTES)
        .build()?;
    runtime.block_on(serve(cmd, prepared, rpc_methods))
}

/// The dev key `--alice` … `--ferdie` (or `--dev`) select, refused on chains that are not for
/// development.
fn dev_key(cmd: &RunCmd, spec: &ChainSpec) -> anyhow::Result<Option<&'static str>> {
    let shared = &cmd.shared;
    let keyring_uri = cmd
        .keyring
        .uri()
        .or(if shared.dev { Some("//Alice") } else { None });
    if let Some(uri) = keyring_uri {
        if !spec.is_development() {
            let flag = if cmd.keyring.uri().is_some() {
                format!("--{}", uri.trim_start_matches("//").to_lowercase())
            } else {
                "--dev".to_string()
            };
            anyhow::bail!(
                "{flag} uses the public dev key {uri}, whose secret everyone knows; it is refused on `{}`, a {} chain. Insert this validator's own keys instead: `aitbc-node key insert --chain {} --key-type aura --suri-file FILE` (and --key-type gran), then start with --validator",
                spec.id,
                spec.chain_type,
                shared.chain_id()
            );
        }
    }
    Ok(keyring_uri)
}

/// The chain's data directory, and the temporary base path holding it if there is one.
fn data_dir(
    cmd: &RunCmd,
    spec: &ChainSpec,
) -> anyhow::Result<(PathBuf, Option<tempfile::TempDir>)> {
    let shared = &cmd.shared;
    let use_tmp = cmd.tmp || (shared.dev && shared.base_path.is_none());
    let tmp = if use_tmp {
        Some(tempfile::Builder::new().prefix("aitbc-node").tempdir()?)
    } else {
        None
    };
    let base = match (&tmp, &shared.base_path) {
        (Some(t), _) => t.path().to_path_buf(),
        (None, Some(p)) => p.clone(),
        (None, None) => default_base_path(),
    };
    let dir = chain_dir(&base, &spec.id);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok((dir, tmp))
}

fn prepare(cmd: &RunCmd) -> anyhow::Result<Prepared> {
    let shared = &cmd.shared;
    let spec = ChainSpec::load(&shared.chain_id())?;
    let keyring_uri = dev_key(cmd, &spec)?;
    let (dir, tmp) = data_dir(cmd, &spec)?;
    let db = Database::open(&dir.join("db"))
        .with_context(|| format!("cannot open the database in {}", dir.display()))?;
    let pruning = crate::pruning::PruningConfig {
        state: cmd.state_pruning,
        blocks: cmd.blocks_pruning,
    };
    let client = Client::open_with(db, spec, pruning)?;
    let keystore = Arc::new(Keystore::open(&dir.join("keystore"))?);
    if let Some(uri) = keyring_uri {
        keystore.add(keystore::AURA, uri)?;
        keystore.add(keystore::GRANDPA, uri)?;
    }
    let is_validator = cmd.validator || shared.dev || keyring_uri.is_some();
    let node_key_path = cmd
        .network
        .node_key_file
        .clone()
        .unwrap_or_else(|| dir.join("network").join("secret_ed25519"));
    let keypair = network::load_or_create_node_key(&node_key_path)?;
    let peer = keypair.public().to_peer_id().to_string();
    let listen_addrs = if cmd.network.listen_addr.is_empty() {
        let ip = if shared.dev { "127.0.0.1" } else { "0.0.0.0" };
        vec![format!("/ip4/{ip}/tcp/{}", cmd.network.port).parse()?]
    } else {
        cmd.network.listen_addr.clone()
    };
    let mut bootnodes = cmd.network.bootnodes.clone();
    for b in &client.spec().boot_nodes {
        bootnodes.push(
            b.parse()
                .with_context(|| format!("the chain spec's boot node `{b}` is not a multiaddr"))?,
        );
    }
    let name = cmd
        .name
        .clone()
        .unwrap_or_else(|| format!("aitbc-{}", &peer[peer.len() - 6..]));
    let info = client.info();
    tracing::info!("⛓  Chain: {} ({})", client.spec().name, client.spec().id);
    tracing::info!(
        "🏷  Node name: {name}, role: {}",
        if is_validator { "AUTHORITY" } else { "FULL" }
    );
    tracing::info!("💾 Database: RocksDB at {}", dir.join("db").display());
    tracing::info!(
        "🗄  State pruning: {}, blocks pruning: {}",
        pruning.state,
        pruning.blocks
    );
    tracing::info!("🔖 Local node identity is: {peer}");
    tracing::info!(
        "📦 Best: #{} ({}), finalized #{} ({})",
        info.best_number,
        short(&info.best_hash),
        info.finalized_number,
        short(&info.finalized_hash)
    );
    Ok(Prepared {
        client,
        keystore,
        is_validator,
        name,
        keypair,
        peer,
        listen_addrs,
        bootnodes,
        _tmp: tmp,
    })
}

/// Start every subsystem and run until a shutdown signal or the failure of an essential task.
async fn serve(cmd: &RunCmd, p: Prepared, rpc_methods: rpc::RpcMethods) -> anyhow::Result<()> {
    let client = p.client.clone();
    let metrics = Metrics::new();
    let (tasks, mut essential) = crate::tasks::essential_tasks();
    let pool = TxPool::new(client.clone(), PoolLimits::default());
    crate::pool::spawn_maintenance(&pool, client.notifications.imported.subscribe(), &tasks);
    let (net, incoming) = network::start(
        NetworkConfig {
            listen_addrs: p.listen_addrs.clone(),
            bootnodes: p.bootnodes.clone(),
            max_peers: cmd.network.max_peers,
            keypair: p.keypair.clone(),
            genesis: client.info().genesis_hash,
        },
        &tasks,
    )?;
    let importer = BlockImporter::new(client.clone(), metrics.clone());
    let grandpa = Grandpa::new(client.clone(), net.clone(), p.keystore.clone());
    let sync = SyncService::new(
        importer,
        pool.clone(),
        net.clone(),
        grandpa.clone(),
        p.is_validator,
    );
    sync.start(incoming, &tasks);
    tasks.spawn("grandpa-voter", grandpa.run(tasks.clone()));
    let ctx = RpcDeps {
        client: client.clone(),
        pool: pool.clone(),
        keystore: p.keystore.clone(),
        metrics: metrics.clone(),
        network: net.clone(),
        sync: sync.state.clone(),
        node: NodeInfo {
            name: p.name.clone(),
            version: env!("CARGO_PKG_VERSION").into(),
            peer_id: p.peer.clone(),
            is_authority: p.is_validator,
        },
    };
    let server = start_rpc_and_metrics(cmd, ctx, rpc_methods, &metrics).await?;
    spawn_informant(
        client.clone(),
        pool.clone(),
        metrics.clone(),
        net.clone(),
        sync.state.clone(),
    );
    if p.is_validator {
        let author = Author {
            client: client.clone(),
            pool: pool.clone(),
            keystore: p.keystore.clone(),
            metrics: metrics.clone(),
            announcer: Arc::new(net.clone()),
            sync: sync.state.clone(),
        };
        tasks.spawn("block-authoring", author.run());
    }
    let failure = tokio::select! {
        _ = shutdown_signal() => None,
        failure = essential.failed() => Some(failure),
    };
    tracing::info!("Shutting down");
    let _ = server.stop();
    match failure {
        // A node that lost its network, sync, voter or author must not look alive.
        Some(f) => Err(anyhow::anyhow!("{f}: the node stopped")),
        None => Ok(()),
    }
}

/// The JSON-RPC server (and the Prometheus endpoint unless `--no-prometheus`), on 127.0.0.1 or,
/// with `--rpc-external`, on every interface.
async fn start_rpc_and_metrics(
    cmd: &RunCmd,
    ctx: RpcDeps,
    rpc_methods: rpc::RpcMethods,
    metrics: &Arc<Metrics>,
) -> anyhow::Result<jsonrpsee::server::ServerHandle> {
    let external = cmd.rpc_external || cmd.unsafe_rpc_external;
    let ip: IpAddr = if external {
        Ipv4Addr::UNSPECIFIED.into()
    } else {
        Ipv4Addr::LOCALHOST.into()
    };
    let module = rpc::module(ctx, rpc_methods)?;
    let settings = rpc::ServerSettings {
        addr: SocketAddr::new(ip, cmd.rpc_port),
        origins: cmd
            .rpc_cors
            .clone()
            .unwrap_or_else(rpc::origin::AllowedOrigins::local),
        max_subscriptions_per_connection: cmd.rpc_max_subscriptions_per_connection,
        max_connections: cmd.rpc_max_connections,
    };
    let (server, addr) = rpc::start(settings, module, metrics.clone()).await?;
    tracing::info!("Running JSON-RPC server: addr={addr}, ws://{addr} and http://{addr}");
    if !cmd.no_prometheus {
        metrics
            .clone()
            .serve(SocketAddr::new(ip, cmd.prometheus_port))
            .await?;
    }
    Ok(server)
}

fn spawn_informant(
    client: Arc<Client>,
    pool: Arc<TxPool>,
    metrics: Arc<Metrics>,
    net: NetworkHandle,
    sync: Arc<SyncState>,
) {
    let mut imported = client.notifications.imported.subscribe();
    let c = client.clone();
    let m = metrics.clone();
    tokio::spawn(async move {
        loop {
            match imported.recv().await {
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    let i = c.info();
                    m.set_heights(i.best_number, i.finalized_number);
                    let (ready, future) = pool.len();
                    m.set_pool(ready, future);
                }
                Err(_) => return,
            }
        }
    });
    let m = metrics;
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        loop {
            tick.tick().await;
            let i = client.info();
            m.set_heights(i.best_number, i.finalized_number);
            let peers = net.peer_count();
            m.set_peers(peers);
            let activity = if sync.is_major_syncing() {
                format!("⚙️  Syncing to #{}", sync.highest_block())
            } else {
                "💤 Idle".to_string()
            };
            tracing::info!(
                "{activity} ({peers} peers), best: #{} ({}), finalized #{} ({})",
                i.best_number,
                short(&i.best_hash),
                i.finalized_number,
                short(&i.finalized_hash)
            );
        }
    });
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = term.recv() => {},
            _ = tokio::signal::ctrl_c() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
