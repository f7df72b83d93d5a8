//! Shared helpers of the node's integration tests: start a real `aitbc-node` process, talk to it
//! over its WebSocket JSON-RPC, and sign real extrinsics.
#![allow(dead_code)]

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use jsonrpsee::{
    core::client::ClientT,
    rpc_params,
    ws_client::{WsClient, WsClientBuilder},
};
use sp_core::{Pair, H256};
use sp_keyring::Sr25519Keyring;
use sp_runtime::generic::Era;

use aitbc_runtime::{AccountId, Address, Balance, RuntimeCall};

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free port")
}

/// A running `aitbc-node` process.
pub struct TestNode {
    child: Option<Child>,
    pub rpc_port: u16,
    pub prometheus_port: u16,
    pub base: PathBuf,
    args: Vec<String>,
    log: PathBuf,
}

impl TestNode {
    /// Start a dev node with its data in `base`.
    pub fn dev(base: &Path) -> Self {
        Self::start(base, &["--dev"])
    }

    /// Start `aitbc-node <args> --base-path base` on free ports.
    pub fn start(base: &Path, args: &[&str]) -> Self {
        let mut node = Self {
            child: None,
            rpc_port: free_port(),
            prometheus_port: free_port(),
            base: base.to_path_buf(),
            args: args.iter().map(|s| s.to_string()).collect(),
            log: base.join("node.log"),
        };
        node.spawn();
        node
    }

    fn spawn(&mut self) {
        std::fs::create_dir_all(&self.base).expect("base dir");
        // Single-node tests run side by side: any free libp2p port unless the test picks one.
        let networked = self
            .args
            .iter()
            .any(|a| a == "--port" || a == "--listen-addr");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_aitbc-node"))
            .args(&self.args)
            .arg("--base-path")
            .arg(&self.base)
            .arg("--rpc-port")
            .arg(self.rpc_port.to_string())
            .arg("--prometheus-port")
            .arg(self.prometheus_port.to_string())
            .args(if networked {
                &[][..]
            } else {
                &["--port", "0"][..]
            })
            .stdout(Stdio::from(log.try_clone().expect("log")))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("start aitbc-node");
        self.child = Some(child);
    }

    /// Restart a stopped or killed node with the same arguments and ports.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "node still running");
        self.spawn();
    }

    pub fn url(&self) -> String {
        format!("ws://127.0.0.1:{}", self.rpc_port)
    }

    /// Connect, retrying while the node starts.
    pub async fn rpc(&self) -> WsClient {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(c) = WsClientBuilder::default()
                .request_timeout(Duration::from_secs(60))
                .max_request_size(64 * 1024 * 1024)
                .build(self.url())
                .await
            {
                if c.request::<String, _>("system_chain", rpc_params![])
                    .await
                    .is_ok()
                {
                    return c;
                }
            }
            if Instant::now() > deadline {
                panic!(
                    "node did not answer RPC within 60 s; log:\n{}",
                    self.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The last lines of the node's log.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(60)..].join("\n")
    }

    /// SIGKILL: no chance to clean up.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM and wait for a clean exit.
    pub fn stop(&mut self) -> std::process::ExitStatus {
        let mut c = self.child.take().expect("node not running");
        unsafe {
            libc::kill(c.id() as i32, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(status)) = c.try_wait() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = c.kill();
                panic!("node did not stop within 30 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for TestNode {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Best block number.
pub async fn best_number(c: &WsClient) -> u32 {
    let h: serde_json::Value = c
        .request("chain_getHeader", rpc_params![])
        .await
        .expect("header");
    parse_number(&h["number"])
}

/// Finalized block number.
pub async fn finalized_number(c: &WsClient) -> u32 {
    let fin: H256 = c
        .request("chain_getFinalizedHead", rpc_params![])
        .await
        .expect("finalized head");
    let h: serde_json::Value = c
        .request("chain_getHeader", rpc_params![fin])
        .await
        .expect("header");
    parse_number(&h["number"])
}

/// Parse a hex block number from a header JSON.
pub fn parse_number(v: &serde_json::Value) -> u32 {
    let s = v.as_str().expect("hex number");
    u32::from_str_radix(s.trim_start_matches("0x"), 16).expect("number")
}

/// Wait until the best block reaches `n`.
pub async fn wait_for_block(c: &WsClient, n: u32, timeout: Duration) -> u32 {
    let deadline = Instant::now() + timeout;
    loop {
        let b = best_number(c).await;
        if b >= n {
            return b;
        }
        assert!(
            Instant::now() < deadline,
            "block #{n} not reached in {timeout:?} (best #{b})"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Chain facts needed to sign.
#[derive(Clone, Copy)]
pub struct SigningContext {
    pub genesis: H256,
    pub spec_version: u32,
    pub tx_version: u32,
}

pub async fn signing_context(c: &WsClient) -> SigningContext {
    let genesis: H256 = c
        .request("chain_getBlockHash", rpc_params![0])
        .await
        .expect("genesis");
    let v: serde_json::Value = c
        .request("state_getRuntimeVersion", rpc_params![])
        .await
        .expect("version");
    SigningContext {
        genesis,
        spec_version: v["specVersion"].as_u64().expect("specVersion") as u32,
        tx_version: v["transactionVersion"]
            .as_u64()
            .expect("transactionVersion") as u32,
    }
}

/// Sign `call` as `signer` with `nonce`, immortal, tip 0 (with the client library the CLI uses).
pub fn sign(
    call: RuntimeCall,
    signer: &sp_core::sr25519::Pair,
    nonce: u32,
    ctx: SigningContext,
) -> Vec<u8> {
    let chain = aitbc_client::tx::ChainInfo {
        genesis_hash: ctx.genesis,
        spec_version: ctx.spec_version,
        transaction_version: ctx.tx_version,
    };
    let who: AccountId = signer.public().into();
    aitbc_client::tx::build_unsigned(call, who, nonce, Era::Immortal, ctx.genesis, 0, chain)
        .sign(signer)
        .expect("the key is the signer's")
        .encoded
}

/// A `transferKeepAlive` call.
pub fn transfer(to: Sr25519Keyring, value: Balance) -> RuntimeCall {
    RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
        dest: Address::Id(to.to_account_id()),
        value,
    })
}

/// Hex with 0x.
pub fn hex0x(b: &[u8]) -> String {
    format!("0x{}", hex::encode(b))
}

/// A node key file for `name` in `dir`, and the node's peer id.
pub fn node_key(dir: &Path, name: &str) -> (String, String) {
    let file = dir.join(format!("{name}.key"));
    let out = Command::new(env!("CARGO_BIN_EXE_aitbc-node"))
        .args(["key", "generate-node-key", "--file"])
        .arg(&file)
        .output()
        .expect("run aitbc-node key generate-node-key");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let peer = String::from_utf8(out.stdout)
        .expect("utf8")
        .trim()
        .to_string();
    assert!(peer.starts_with("12D3KooW"), "peer id {peer}");
    (file.to_str().expect("utf8 path").to_string(), peer)
}
