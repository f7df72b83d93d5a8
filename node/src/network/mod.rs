//! libp2p networking: TCP + noise + yamux, identify, ping, Kademlia peer discovery, gossipsub for
//! blocks, transactions and GRANDPA messages, and request-response for sync.
//!
//! One task owns the swarm. The rest of the node talks to it through a [`NetworkHandle`]
//! (publish, request) and receives what peers send as [`Incoming`] events.

/// The wire messages (from `aitbc-wire`).
pub use aitbc_wire::protocol;

use std::{
    collections::HashMap,
    path::Path,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::Context;
use futures::StreamExt;
use libp2p::{
    connection_limits, gossipsub, identify, identity, kad,
    multiaddr::Protocol,
    ping, request_response,
    swarm::{dial_opts::DialOpts, NetworkBehaviour, SwarmEvent},
    Multiaddr, PeerId, StreamProtocol, Swarm,
};
use parking_lot::RwLock;
use serde_bytes::ByteBuf;
use sp_core::H256;
use tokio::sync::{mpsc, oneshot};

use protocol::{
    BlockData, GrandpaGossip, Status, SyncRequest, SyncResponse, Topics, IDENTIFY_PROTOCOL,
    MAX_GOSSIP_BYTES, MAX_GRANDPA_GOSSIP_BYTES, MAX_TRANSACTION_GOSSIP_BYTES, SYNC_PROTOCOL,
};

/// How long an outbound sync request may take: a peer that has not answered by then has failed
/// the request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(NetworkBehaviour)]
struct Behaviour {
    limits: connection_limits::Behaviour,
    identify: identify::Behaviour,
    ping: ping::Behaviour,
    kad: kad::Behaviour<kad::store::MemoryStore>,
    gossipsub: gossipsub::Behaviour,
    sync: request_response::cbor::Behaviour<ByteBuf, ByteBuf>,
}

/// Network settings.
pub struct NetworkConfig {
    /// Addresses to listen on.
    pub listen_addrs: Vec<Multiaddr>,
    /// Peers to connect to at start and whenever the connection is lost (`/ip4/../tcp/../p2p/..`).
    pub bootnodes: Vec<Multiaddr>,
    /// Most peers to be connected to (incoming and outgoing together).
    pub max_peers: u32,
    /// The node's identity.
    pub keypair: identity::Keypair,
    /// The chain's genesis hash: gossip topics are per chain.
    pub genesis: H256,
}

/// A gossip message awaiting our verdict: gossipsub forwards nothing before it is checked
/// ([`NetworkHandle::report`]); a message never reported is dropped from its cache.
#[derive(Clone, Debug)]
pub struct GossipTicket {
    id: gossipsub::MessageId,
    source: PeerId,
}

/// What checking a gossip message found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Valid and new: forward it.
    Accept,
    /// Not useful (a duplicate, outdated, for a round we are not in), but not the sender's
    /// fault: do not forward it.
    Ignore,
    /// Invalid (undecodable, a bad signature, a bad block): do not forward it, and lower the
    /// sender's score.
    Reject,
}

/// Something a peer sent.
pub enum Incoming {
    Block {
        from: PeerId,
        data: BlockData,
        ticket: GossipTicket,
    },
    Transaction {
        from: PeerId,
        bytes: Vec<u8>,
        ticket: GossipTicket,
    },
    Grandpa {
        from: PeerId,
        message: GrandpaGossip,
        ticket: GossipTicket,
    },
    Request {
        from: PeerId,
        request: SyncRequest,
        reply: Responder,
    },
    Connected(PeerId),
    Disconnected(PeerId),
}

/// What peers send, in two queues: transactions apart, so that a flood of them can never
/// crowd out blocks, GRANDPA messages and sync requests.
pub struct IncomingQueues {
    /// Blocks, GRANDPA messages, sync requests, connections and disconnections.
    pub consensus: mpsc::Receiver<Incoming>,
    /// Gossiped transactions.
    pub transactions: mpsc::Receiver<Incoming>,
}

/// Capacity of the consensus queue.
const CONSENSUS_QUEUE: usize = 4096;
/// Capacity of the transaction queue: beyond it gossiped transactions are dropped (and not
/// forwarded), which costs their senders nothing they could not resend.
const TRANSACTION_QUEUE: usize = 8192;

/// Answers one inbound sync request.
pub struct Responder {
    id: u64,
    tx: mpsc::UnboundedSender<(u64, SyncResponse)>,
}

impl Responder {
    pub fn send(self, response: SyncResponse) {
        let _ = self.tx.send((self.id, response));
    }
}

enum Command {
    Publish {
        topic: gossipsub::IdentTopic,
        data: Vec<u8>,
    },
    Request {
        peer: PeerId,
        request: SyncRequest,
        reply: oneshot::Sender<Result<SyncResponse, String>>,
    },
    Ban {
        peer: PeerId,
        until: Instant,
    },
    Report {
        ticket: GossipTicket,
        verdict: Verdict,
    },
}

/// What the node knows of a connected peer.
#[derive(Clone, Debug)]
pub struct PeerInfo {
    pub address: Multiaddr,
    /// Its last reported chain status (from the sync protocol).
    pub status: Option<Status>,
    pub agent: Option<String>,
}

/// Shared view of the network, read by RPC and metrics.
#[derive(Default)]
pub struct NetworkState {
    peers: RwLock<HashMap<PeerId, PeerInfo>>,
    listen: RwLock<Vec<Multiaddr>>,
}

/// Handle to the network task.
#[derive(Clone)]
pub struct NetworkHandle {
    commands: mpsc::UnboundedSender<Command>,
    state: Arc<NetworkState>,
    topics: Topics,
    local_peer_id: PeerId,
}

impl NetworkHandle {
    /// This node's peer id.
    pub fn local_peer_id(&self) -> PeerId {
        self.local_peer_id
    }

    /// Connected peers.
    pub fn peers(&self) -> Vec<(PeerId, PeerInfo)> {
        let mut v: Vec<_> = self
            .state
            .peers
            .read()
            .iter()
            .map(|(p, i)| (*p, i.clone()))
            .collect();
        v.sort_by_key(|(p, _)| p.to_bytes());
        v
    }

    /// Number of connected peers.
    pub fn peer_count(&self) -> usize {
        self.state.peers.read().len()
    }

    /// Record the chain status a peer reported.
    pub fn set_peer_status(&self, peer: &PeerId, status: Status) {
        if let Some(p) = self.state.peers.write().get_mut(peer) {
            p.status = Some(status);
        }
    }

    /// Forget a peer's reported status (it did not live up to it) until it reports again.
    pub fn clear_peer_status(&self, peer: &PeerId) {
        if let Some(p) = self.state.peers.write().get_mut(peer) {
            p.status = None;
        }
    }

    /// Tell gossipsub what checking a message found: only accepted messages are forwarded, and
    /// rejected ones count against their sender's score.
    pub fn report(&self, ticket: GossipTicket, verdict: Verdict) {
        let _ = self.commands.send(Command::Report { ticket, verdict });
    }

    /// Disconnect `peer` and refuse its connections for `duration`, logging `reason`.
    pub fn ban(&self, peer: PeerId, duration: Duration, reason: &str) {
        tracing::warn!(
            target: "network",
            "⛔ Banning {peer} for {} s: {reason}",
            duration.as_secs()
        );
        self.state.peers.write().remove(&peer);
        let _ = self.commands.send(Command::Ban {
            peer,
            until: Instant::now() + duration,
        });
    }

    /// The highest best block any peer reported.
    pub fn highest_peer_block(&self) -> Option<u32> {
        self.state
            .peers
            .read()
            .values()
            .filter_map(|p| p.status.map(|s| s.best_number))
            .max()
    }

    /// Listen addresses, each ending in `/p2p/<peer id>`.
    pub fn listen_addresses(&self) -> Vec<Multiaddr> {
        self.state
            .listen
            .read()
            .iter()
            .map(|a| a.clone().with(Protocol::P2p(self.local_peer_id)))
            .collect()
    }

    fn publish(&self, topic: &str, data: Vec<u8>) {
        let _ = self.commands.send(Command::Publish {
            topic: gossipsub::IdentTopic::new(topic),
            data,
        });
    }

    /// Gossip an encoded [`BlockData`].
    pub fn announce_encoded_block(&self, encoded: Vec<u8>) {
        self.publish(&self.topics.blocks, encoded);
    }

    /// Gossip a transaction accepted by our pool.
    pub fn broadcast_transaction(&self, bytes: Vec<u8>) {
        self.publish(&self.topics.transactions, bytes);
    }

    /// Gossip a GRANDPA message.
    pub fn gossip_grandpa(&self, message: &GrandpaGossip) {
        self.publish(&self.topics.grandpa, protocol::encode(message));
    }

    /// Send a sync request to `peer` and wait for its answer.
    pub async fn request(
        &self,
        peer: PeerId,
        request: SyncRequest,
    ) -> Result<SyncResponse, String> {
        let (tx, rx) = oneshot::channel();
        self.commands
            .send(Command::Request {
                peer,
                request,
                reply: tx,
            })
            .map_err(|_| "the network task has stopped".to_string())?;
        rx.await
            .map_err(|_| "the network task dropped the request".to_string())?
    }
}

/// Where new blocks go: the author announces what it built and depends on nothing else of the
/// network. The node's [`NetworkHandle`] gossips them to peers.
pub trait BlockAnnouncer: Send + Sync {
    /// Announce a block (with its justification when it was finalized at once).
    fn announce_block(&self, data: &BlockData);
}

impl BlockAnnouncer for NetworkHandle {
    fn announce_block(&self, data: &BlockData) {
        self.announce_encoded_block(protocol::encode(data));
    }
}

/// Read a node key file: 32 raw bytes or 64 hex characters (an ed25519 secret).
pub fn read_node_key(path: &Path) -> anyhow::Result<identity::Keypair> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read node key file {}", path.display()))?;
    let text = String::from_utf8_lossy(&bytes);
    let seed: [u8; 32] = if bytes.len() == 32 {
        bytes.as_slice().try_into()?
    } else {
        hex::decode(text.trim().trim_start_matches("0x"))
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
            .with_context(|| {
                format!(
                    "node key file {} must hold 32 raw bytes or 64 hex characters",
                    path.display()
                )
            })?
    };
    identity::Keypair::ed25519_from_bytes(seed)
        .with_context(|| format!("{} is not a valid ed25519 secret", path.display()))
}

/// Write a new random node key (hex) to `path`; refuses to overwrite an existing file.
pub fn generate_node_key(path: &Path) -> anyhow::Result<identity::Keypair> {
    if path.exists() {
        anyhow::bail!(
            "{} already exists: delete it first or use another --file",
            path.display()
        );
    }
    let keypair = identity::Keypair::generate_ed25519();
    let secret = keypair
        .clone()
        .try_into_ed25519()
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .secret();
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::keystore::create_private_dir(dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
    }
    // Mode 0600 from creation on, before the secret is written.
    crate::keystore::write_secret_file(path, hex::encode(secret.as_ref()).as_bytes())
        .with_context(|| format!("cannot write node key file {}", path.display()))?;
    Ok(keypair)
}

/// The node key at `path`, created on first use.
pub fn load_or_create_node_key(path: &Path) -> anyhow::Result<identity::Keypair> {
    if path.exists() {
        read_node_key(path)
    } else {
        generate_node_key(path)
    }
}

/// Gossipsub peer scoring: a peer whose messages fail our checks loses score, and below the
/// thresholds its messages are ignored and it is pruned from the mesh (graylisted). Each topic
/// weighs invalid messages heavily; nothing else is scored.
fn peer_score_params(
    topics: &Topics,
) -> (gossipsub::PeerScoreParams, gossipsub::PeerScoreThresholds) {
    let mut params = gossipsub::PeerScoreParams {
        // Several peers behind one address are normal on a devnet (127.0.0.1).
        ip_colocation_factor_weight: 0.0,
        ..Default::default()
    };
    for topic in [&topics.blocks, &topics.transactions, &topics.grandpa] {
        let topic_params = gossipsub::TopicScoreParams {
            topic_weight: 1.0,
            time_in_mesh_weight: 0.0,
            first_message_deliveries_weight: 0.0,
            mesh_message_deliveries_weight: 0.0,
            mesh_failure_penalty_weight: 0.0,
            invalid_message_deliveries_weight: -10.0,
            invalid_message_deliveries_decay: 0.9,
            ..Default::default()
        };
        params.topics.insert(
            gossipsub::IdentTopic::new(topic.as_str()).hash(),
            topic_params,
        );
    }
    (params, gossipsub::PeerScoreThresholds::default())
}

/// The peer id in a `/p2p/..` multiaddr.
pub fn peer_of(addr: &Multiaddr) -> Option<PeerId> {
    addr.iter().find_map(|p| match p {
        Protocol::P2p(id) => Some(id),
        _ => None,
    })
}

/// Start the network task. Returns its handle and the queues of what peers send.
/// The node's libp2p behaviour: connection limits, identify, ping, Kademlia, gossipsub (checked
/// before forwarding, scored, capped per topic) and the sync request-response protocol.
fn behaviour(
    key: &libp2p::identity::Keypair,
    topics: &Topics,
    max_peers: u32,
) -> Result<Behaviour, Box<dyn std::error::Error + Send + Sync>> {
    let gossip_config = gossipsub::ConfigBuilder::default()
        .max_transmit_size(MAX_GOSSIP_BYTES)
        .max_transmit_size_for_topic(
            MAX_TRANSACTION_GOSSIP_BYTES,
            gossipsub::IdentTopic::new(topics.transactions.as_str()).hash(),
        )
        .max_transmit_size_for_topic(
            MAX_GRANDPA_GOSSIP_BYTES,
            gossipsub::IdentTopic::new(topics.grandpa.as_str()).hash(),
        )
        .heartbeat_interval(Duration::from_millis(700))
        .validation_mode(gossipsub::ValidationMode::Strict)
        // Nothing is forwarded before the node has checked it (`report`).
        .validate_messages()
        .build()?;
    let mut gossipsub = gossipsub::Behaviour::new(
        gossipsub::MessageAuthenticity::Signed(key.clone()),
        gossip_config,
    )?;
    let (score, thresholds) = peer_score_params(topics);
    gossipsub.with_peer_score(score, thresholds)?;
    let peer = key.public().to_peer_id();
    let mut kad = kad::Behaviour::with_config(
        peer,
        kad::store::MemoryStore::new(peer),
        kad::Config::new(StreamProtocol::new("/aitbc/kad/1")),
    );
    kad.set_mode(Some(kad::Mode::Server));
    Ok(Behaviour {
        limits: connection_limits::Behaviour::new(
            connection_limits::ConnectionLimits::default()
                .with_max_established(Some(max_peers))
                .with_max_established_per_peer(Some(2)),
        ),
        identify: identify::Behaviour::new(
            identify::Config::new(IDENTIFY_PROTOCOL.into(), key.public())
                .with_agent_version(format!("aitbc-node/{}", env!("CARGO_PKG_VERSION"))),
        ),
        ping: ping::Behaviour::default(),
        kad,
        gossipsub,
        sync: request_response::cbor::Behaviour::new(
            [(
                StreamProtocol::new(SYNC_PROTOCOL),
                request_response::ProtocolSupport::Full,
            )],
            request_response::Config::default().with_request_timeout(REQUEST_TIMEOUT),
        ),
    })
}

/// Listen on `listen_addrs` and register `bootnodes` with Kademlia; returns the boot nodes to
/// keep dialing (ourselves left out).
fn listen_and_add_bootnodes(
    swarm: &mut libp2p::Swarm<Behaviour>,
    listen_addrs: &[Multiaddr],
    bootnodes: Vec<Multiaddr>,
    local_peer_id: PeerId,
) -> anyhow::Result<Vec<(PeerId, Multiaddr)>> {
    for addr in listen_addrs {
        swarm
            .listen_on(addr.clone())
            .with_context(|| {
                format!("cannot listen on {addr}: is another node using it? Choose another with --port or --listen-addr")
            })?;
    }
    let mut out = Vec::new();
    for addr in bootnodes {
        let peer = peer_of(&addr).with_context(|| {
            format!("bootnode {addr} has no /p2p/<peer id> part: add the node's peer id")
        })?;
        if peer == local_peer_id {
            continue;
        }
        let plain: Multiaddr = addr
            .iter()
            .filter(|p| !matches!(p, Protocol::P2p(_)))
            .collect();
        swarm.behaviour_mut().kad.add_address(&peer, plain);
        out.push((peer, addr));
    }
    Ok(out)
}

pub fn start(
    config: NetworkConfig,
    tasks: &crate::tasks::EssentialSpawner,
) -> anyhow::Result<(NetworkHandle, IncomingQueues)> {
    let topics = Topics::new(&config.genesis);
    let local_peer_id = config.keypair.public().to_peer_id();
    let max_peers = config.max_peers;
    let mut swarm = libp2p::SwarmBuilder::with_existing_identity(config.keypair)
        .with_tokio()
        .with_tcp(
            libp2p::tcp::Config::default().nodelay(true),
            libp2p::noise::Config::new,
            libp2p::yamux::Config::default,
        )
        .context("cannot set up the TCP transport")?
        .with_behaviour(|key| behaviour(key, &topics, max_peers))
        .map_err(|e| anyhow::anyhow!("cannot set up the network behaviour: {e}"))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(3600)))
        .build();
    for topic in [&topics.blocks, &topics.transactions, &topics.grandpa] {
        swarm
            .behaviour_mut()
            .gossipsub
            .subscribe(&gossipsub::IdentTopic::new(topic.as_str()))
            .map_err(|e| anyhow::anyhow!("cannot subscribe to {topic}: {e:?}"))?;
    }
    let bootnodes = listen_and_add_bootnodes(
        &mut swarm,
        &config.listen_addrs,
        config.bootnodes,
        local_peer_id,
    )?;

    let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
    let (incoming_tx, incoming_rx) = mpsc::channel(CONSENSUS_QUEUE);
    let (transactions_tx, transactions_rx) = mpsc::channel(TRANSACTION_QUEUE);
    let state = Arc::new(NetworkState::default());
    let handle = NetworkHandle {
        commands: cmd_tx,
        state: state.clone(),
        topics: topics.clone(),
        local_peer_id,
    };
    let task = SwarmTask {
        swarm,
        topics,
        state,
        incoming: incoming_tx,
        transactions: transactions_tx,
        bootnodes,
        max_peers,
        pending_out: HashMap::new(),
        pending_in: HashMap::new(),
        next_inbound: 0,
        banned: HashMap::new(),
    };
    tasks.spawn("network", task.run(cmd_rx));
    Ok((
        handle,
        IncomingQueues {
            consensus: incoming_rx,
            transactions: transactions_rx,
        },
    ))
}

struct SwarmTask {
    swarm: Swarm<Behaviour>,
    topics: Topics,
    state: Arc<NetworkState>,
    incoming: mpsc::Sender<Incoming>,
    transactions: mpsc::Sender<Incoming>,
    bootnodes: Vec<(PeerId, Multiaddr)>,
    max_peers: u32,
    pending_out:
        HashMap<request_response::OutboundRequestId, oneshot::Sender<Result<SyncResponse, String>>>,
    pending_in: HashMap<u64, request_response::ResponseChannel<ByteBuf>>,
    next_inbound: u64,
    /// Peers whose connections are refused until the given time.
    banned: HashMap<PeerId, Instant>,
}

impl SwarmTask {
    async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        let (resp_tx, mut resp_rx) = mpsc::unbounded_channel::<(u64, SyncResponse)>();
        let mut redial = tokio::time::interval(Duration::from_secs(3));
        let mut discover = tokio::time::interval(Duration::from_secs(30));
        loop {
            tokio::select! {
                cmd = commands.recv() => match cmd {
                    Some(cmd) => self.on_command(cmd),
                    None => return,
                },
                Some((id, response)) = resp_rx.recv() => {
                    if let Some(channel) = self.pending_in.remove(&id) {
                        let bytes = ByteBuf::from(protocol::encode(&response));
                        let _ = self.swarm.behaviour_mut().sync.send_response(channel, bytes);
                    }
                }
                event = self.swarm.select_next_some() => self.on_event(event, &resp_tx),
                _ = redial.tick() => self.dial_bootnodes(),
                _ = discover.tick() => {
                    let _ = self.swarm.behaviour_mut().kad.bootstrap();
                }
            }
        }
    }

    /// Whether `peer` is banned now (expired bans are forgotten).
    fn is_banned(&mut self, peer: &PeerId) -> bool {
        let now = Instant::now();
        self.banned.retain(|_, until| *until > now);
        self.banned.contains_key(peer)
    }

    fn dial_bootnodes(&mut self) {
        let now = Instant::now();
        self.banned.retain(|_, until| *until > now);
        for (peer, addr) in &self.bootnodes {
            if !self.swarm.is_connected(peer) && !self.banned.contains_key(peer) {
                if let Err(e) = self.swarm.dial(addr.clone()) {
                    tracing::debug!(target: "network", "cannot dial bootnode {addr}: {e}");
                }
            }
        }
    }

    fn on_command(&mut self, cmd: Command) {
        match cmd {
            Command::Publish { topic, data } => {
                match self
                    .swarm
                    .behaviour_mut()
                    .gossipsub
                    .publish(topic.clone(), data)
                {
                    Ok(_) | Err(gossipsub::PublishError::NoPeersSubscribedToTopic) => {}
                    Err(gossipsub::PublishError::Duplicate) => {}
                    Err(e) => tracing::debug!(target: "network", "cannot publish on {topic}: {e}"),
                }
            }
            Command::Request {
                peer,
                request,
                reply,
            } => {
                let bytes = ByteBuf::from(protocol::encode(&request));
                let id = self.swarm.behaviour_mut().sync.send_request(&peer, bytes);
                self.pending_out.insert(id, reply);
            }
            Command::Report { ticket, verdict } => {
                let acceptance = match verdict {
                    Verdict::Accept => gossipsub::MessageAcceptance::Accept,
                    Verdict::Ignore => gossipsub::MessageAcceptance::Ignore,
                    Verdict::Reject => gossipsub::MessageAcceptance::Reject,
                };
                self.swarm
                    .behaviour_mut()
                    .gossipsub
                    .report_message_validation_result(&ticket.id, &ticket.source, acceptance);
            }
            Command::Ban { peer, until } => {
                self.banned.insert(peer, until);
                let _ = self.swarm.disconnect_peer_id(peer);
            }
        }
    }

    /// Hand `event` to the node; `Some(Ignore)` when the queue is full and it was dropped.
    fn deliver(&self, event: Incoming) -> Option<Verdict> {
        let queue = match event {
            Incoming::Transaction { .. } => &self.transactions,
            _ => &self.incoming,
        };
        match queue.try_send(event) {
            Ok(()) => None,
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::warn!(target: "network", "incoming message queue is full: dropping a message");
                Some(Verdict::Ignore)
            }
            Err(mpsc::error::TrySendError::Closed(_)) => Some(Verdict::Ignore),
        }
    }

    /// A new connection: refused if the peer is banned, else recorded and announced.
    fn on_connected(&mut self, peer_id: PeerId, address: Multiaddr) {
        if self.is_banned(&peer_id) {
            tracing::debug!(target: "network", "refusing banned peer {peer_id}");
            let _ = self.swarm.disconnect_peer_id(peer_id);
            return;
        }
        tracing::info!(target: "network", "🤝 Connected to {peer_id} at {address}");
        self.state.peers.write().insert(
            peer_id,
            PeerInfo {
                address,
                status: None,
                agent: None,
            },
        );
        self.deliver(Incoming::Connected(peer_id));
    }

    /// A peer identified itself: one of another protocol is dropped; the addresses of ours go
    /// to Kademlia.
    fn on_identified(&mut self, peer_id: PeerId, info: identify::Info) {
        if info.protocol_version != IDENTIFY_PROTOCOL {
            tracing::debug!(target: "network", "{peer_id} speaks {}: disconnecting", info.protocol_version);
            let _ = self.swarm.disconnect_peer_id(peer_id);
            return;
        }
        if let Some(p) = self.state.peers.write().get_mut(&peer_id) {
            p.agent = Some(info.agent_version.clone());
        }
        for addr in info.listen_addrs {
            self.swarm.behaviour_mut().kad.add_address(&peer_id, addr);
        }
    }

    /// Kademlia found a peer: dial it while we have room for more.
    fn on_discovered(&mut self, peer: PeerId, addresses: Vec<Multiaddr>) {
        let connected = self.state.peers.read().len() as u32;
        if peer != *self.swarm.local_peer_id()
            && !self.swarm.is_connected(&peer)
            && connected < self.max_peers
        {
            let opts = DialOpts::peer_id(peer).addresses(addresses).build();
            if let Err(e) = self.swarm.dial(opts) {
                tracing::debug!(target: "network", "cannot dial discovered peer {peer}: {e}");
            }
        }
    }

    fn on_event(
        &mut self,
        event: SwarmEvent<BehaviourEvent>,
        resp_tx: &mpsc::UnboundedSender<(u64, SyncResponse)>,
    ) {
        match event {
            SwarmEvent::NewListenAddr { address, .. } => {
                tracing::info!(
                    target: "network",
                    "🔌 Listening on {}",
                    address.clone().with(Protocol::P2p(*self.swarm.local_peer_id()))
                );
                self.state.listen.write().push(address);
            }
            SwarmEvent::ExpiredListenAddr { address, .. } => {
                self.state.listen.write().retain(|a| a != &address);
            }
            SwarmEvent::ConnectionEstablished {
                peer_id,
                endpoint,
                num_established,
                ..
            } if num_established.get() == 1 => {
                self.on_connected(peer_id, endpoint.get_remote_address().clone())
            }
            SwarmEvent::ConnectionClosed {
                peer_id,
                num_established: 0,
                cause,
                ..
            } => {
                tracing::info!(
                    target: "network",
                    "👋 Disconnected from {peer_id}{}",
                    cause.map(|c| format!(": {c}")).unwrap_or_default()
                );
                self.state.peers.write().remove(&peer_id);
                self.deliver(Incoming::Disconnected(peer_id));
            }
            SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Received {
                peer_id,
                info,
                ..
            })) => self.on_identified(peer_id, info),
            SwarmEvent::Behaviour(BehaviourEvent::Kad(kad::Event::RoutingUpdated {
                peer,
                addresses,
                ..
            })) => self.on_discovered(peer, addresses.into_vec()),
            SwarmEvent::Behaviour(BehaviourEvent::Gossipsub(gossipsub::Event::Message {
                propagation_source,
                message_id,
                message,
            })) => self.on_gossip(
                GossipTicket {
                    id: message_id,
                    source: propagation_source,
                },
                message,
            ),
            SwarmEvent::Behaviour(BehaviourEvent::Sync(event)) => self.on_sync(event, resp_tx),
            _ => {}
        }
    }

    fn on_gossip(&mut self, ticket: GossipTicket, message: gossipsub::Message) {
        let from = ticket.source;
        let topic = message.topic.as_str();
        let refused = if topic == self.topics.transactions {
            self.deliver(Incoming::Transaction {
                from,
                bytes: message.data,
                ticket: ticket.clone(),
            })
        } else if topic == self.topics.blocks {
            match protocol::decode::<BlockData>(&message.data) {
                Ok(data) => self.deliver(Incoming::Block {
                    from,
                    data,
                    ticket: ticket.clone(),
                }),
                Err(e) => {
                    tracing::debug!(target: "network", "undecodable block from {from}: {e}");
                    Some(Verdict::Reject)
                }
            }
        } else if topic == self.topics.grandpa {
            match protocol::decode::<GrandpaGossip>(&message.data) {
                Ok(message) => self.deliver(Incoming::Grandpa {
                    from,
                    message,
                    ticket: ticket.clone(),
                }),
                Err(e) => {
                    tracing::debug!(target: "network", "undecodable GRANDPA message from {from}: {e}");
                    Some(Verdict::Reject)
                }
            }
        } else {
            Some(Verdict::Reject)
        };
        if let Some(verdict) = refused {
            let acceptance = match verdict {
                Verdict::Reject => gossipsub::MessageAcceptance::Reject,
                _ => gossipsub::MessageAcceptance::Ignore,
            };
            self.swarm
                .behaviour_mut()
                .gossipsub
                .report_message_validation_result(&ticket.id, &ticket.source, acceptance);
        }
    }

    fn on_sync(
        &mut self,
        event: request_response::Event<ByteBuf, ByteBuf>,
        resp_tx: &mpsc::UnboundedSender<(u64, SyncResponse)>,
    ) {
        match event {
            request_response::Event::Message { peer, message, .. } => match message {
                request_response::Message::Request {
                    request, channel, ..
                } => match protocol::decode::<SyncRequest>(&request) {
                    Ok(request) => {
                        let id = self.next_inbound;
                        self.next_inbound += 1;
                        self.pending_in.insert(id, channel);
                        let dropped = self.deliver(Incoming::Request {
                            from: peer,
                            request,
                            reply: Responder {
                                id,
                                tx: resp_tx.clone(),
                            },
                        });
                        if dropped.is_some() {
                            // Nobody will answer it: refuse now rather than keep the channel.
                            if let Some(channel) = self.pending_in.remove(&id) {
                                let refusal = SyncResponse::Refused("busy: ask again later".into());
                                let _ = self.swarm.behaviour_mut().sync.send_response(
                                    channel,
                                    ByteBuf::from(protocol::encode(&refusal)),
                                );
                            }
                        }
                    }
                    Err(e) => {
                        let refusal = SyncResponse::Refused(format!("undecodable request: {e}"));
                        let _ = self
                            .swarm
                            .behaviour_mut()
                            .sync
                            .send_response(channel, ByteBuf::from(protocol::encode(&refusal)));
                    }
                },
                request_response::Message::Response {
                    request_id,
                    response,
                } => {
                    if let Some(reply) = self.pending_out.remove(&request_id) {
                        let decoded = protocol::decode::<SyncResponse>(&response)
                            .map_err(|e| format!("undecodable response from {peer}: {e}"));
                        let _ = reply.send(decoded);
                    }
                }
            },
            request_response::Event::OutboundFailure {
                request_id,
                error,
                peer,
                ..
            } => {
                if let Some(reply) = self.pending_out.remove(&request_id) {
                    let _ = reply.send(Err(format!("request to {peer} failed: {error}")));
                }
            }
            request_response::Event::InboundFailure { peer, error, .. } => {
                tracing::debug!(target: "network", "answering {peer} failed: {error}");
            }
            request_response::Event::ResponseSent { .. } => {}
        }
    }
}

#[cfg(test)]
mod node_key_tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn node_key_file_is_created_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("chains/dev/network/secret_ed25519");
        let key = load_or_create_node_key(&path).expect("create");
        let mode = std::fs::metadata(&path).expect("stat").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let again = load_or_create_node_key(&path).expect("read");
        assert_eq!(again.public(), key.public());
        assert!(generate_node_key(&path).is_err(), "never overwrites");
    }
}
