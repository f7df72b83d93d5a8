//! Prometheus metrics, served on `--prometheus-port` at `/metrics`.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use http_body_util::Full;
use hyper::{body::Bytes, service::service_fn, Request, Response};
use hyper_util::rt::TokioIo;
use parking_lot::Mutex;
use prometheus_client::{
    encoding::{text::encode, EncodeLabelSet},
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
    registry::Registry,
};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabel {
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MethodLabel {
    method: String,
}

/// The node's metrics.
pub struct Metrics {
    registry: Mutex<Registry>,
    block_height: Family<StatusLabel, Gauge>,
    authoring_seconds: Histogram,
    import_seconds: Histogram,
    pool_ready: Gauge,
    pool_future: Gauge,
    peers: Gauge,
    rpc_calls: Family<MethodLabel, Counter>,
    equivocations: Counter,
    /// The RPC's method names: the only values of the `method` label besides `unknown`.
    rpc_methods: parking_lot::RwLock<std::collections::HashSet<&'static str>>,
}

fn buckets() -> impl Iterator<Item = f64> {
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0].into_iter()
}

impl Metrics {
    pub fn new() -> Arc<Self> {
        let mut registry = Registry::with_prefix("aitbc");
        let block_height = Family::<StatusLabel, Gauge>::default();
        registry.register(
            "block_height",
            "Block height by status (best, finalized)",
            block_height.clone(),
        );
        let authoring_seconds = Histogram::new(buckets());
        registry.register(
            "block_authoring_seconds",
            "Time to build, seal and import an authored block",
            authoring_seconds.clone(),
        );
        let import_seconds = Histogram::new(buckets());
        registry.register(
            "block_import_seconds",
            "Time to execute and import a block from elsewhere",
            import_seconds.clone(),
        );
        let pool_ready = Gauge::default();
        registry.register(
            "txpool_ready",
            "Ready transactions in the pool",
            pool_ready.clone(),
        );
        let pool_future = Gauge::default();
        registry.register(
            "txpool_future",
            "Future transactions in the pool",
            pool_future.clone(),
        );
        let peers = Gauge::default();
        registry.register(
            "sub_libp2p_peers_count",
            "Connected libp2p peers",
            peers.clone(),
        );
        let rpc_calls = Family::<MethodLabel, Counter>::default();
        registry.register("rpc_calls", "JSON-RPC calls by method", rpc_calls.clone());
        let equivocations = Counter::default();
        registry.register(
            "equivocations",
            "Second blocks sealed by one author in one slot",
            equivocations.clone(),
        );
        Arc::new(Self {
            registry: Mutex::new(registry),
            block_height,
            authoring_seconds,
            import_seconds,
            pool_ready,
            pool_future,
            peers,
            rpc_calls,
            equivocations,
            rpc_methods: Default::default(),
        })
    }

    pub fn set_heights(&self, best: u32, finalized: u32) {
        self.block_height
            .get_or_create(&StatusLabel {
                status: "best".into(),
            })
            .set(best.into());
        self.block_height
            .get_or_create(&StatusLabel {
                status: "finalized".into(),
            })
            .set(finalized.into());
    }

    pub fn block_authored(&self, d: Duration) {
        self.authoring_seconds.observe(d.as_secs_f64());
    }

    pub fn block_imported(&self, d: Duration) {
        self.import_seconds.observe(d.as_secs_f64());
    }

    pub fn set_pool(&self, ready: usize, future: usize) {
        self.pool_ready.set(ready as i64);
        self.pool_future.set(future as i64);
    }

    pub fn equivocation(&self) {
        self.equivocations.inc();
    }

    pub fn set_peers(&self, peers: usize) {
        self.peers.set(peers as i64);
    }

    /// The methods the RPC serves: calls to any other name share the label `unknown`, so that
    /// callers cannot grow the label set (and the metrics page) without bound.
    pub fn set_rpc_method_names(&self, names: &[&'static str]) {
        let mut known = self.rpc_methods.write();
        known.clear();
        known.extend(names.iter().copied());
    }

    pub fn rpc_call(&self, method: &str) {
        let method = if self.rpc_methods.read().contains(method) {
            method
        } else {
            "unknown"
        };
        self.rpc_calls
            .get_or_create(&MethodLabel {
                method: method.to_string(),
            })
            .inc();
    }

    /// The metrics in Prometheus text format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if encode(&mut out, &self.registry.lock()).is_err() {
            out.clear();
        }
        out
    }

    /// Serve `/metrics` on `addr` until the process ends.
    pub async fn serve(self: Arc<Self>, addr: SocketAddr) -> anyhow::Result<()> {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen for Prometheus on {addr}: {e}"))?;
        tracing::info!(target: "aitbc", "📈 Prometheus metrics on http://{}/metrics", listener.local_addr()?);
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let me = self.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req: Request<hyper::body::Incoming>| {
                        let me = me.clone();
                        async move {
                            let resp = if req.uri().path() == "/metrics" {
                                Response::builder()
                                    .header("content-type", "application/openmetrics-text; version=1.0.0; charset=utf-8")
                                    .body(Full::new(Bytes::from(me.render())))
                            } else {
                                Response::builder()
                                    .status(404)
                                    .body(Full::new(Bytes::from("not found; try /metrics\n")))
                            };
                            resp
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(())
    }
}
