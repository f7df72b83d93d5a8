//! The chain-read tools' reader: the daemon's own node, every read at one finalized block
//! pinned for the whole run, so a run's observations do not change under it and anyone can
//! re-read them at that block.

use aitbc_agent::ChainReader;
use aitbc_client::{
    amount::format_amount, blocks, jobs, keys, marketplace, rpc::RpcClient, runtime::Hash, state,
};
use std::future::Future;

/// Reads at `at` through `rpc`.
pub struct PinnedReader<'a> {
    rpc: &'a RpcClient,
    at: Hash,
    handle: tokio::runtime::Handle,
}

impl<'a> PinnedReader<'a> {
    /// A reader at the node's finalized head now.
    pub async fn at_finalized(rpc: &'a RpcClient) -> anyhow::Result<Self> {
        let at = rpc.finalized_head().await?;
        Ok(Self {
            rpc,
            at,
            handle: tokio::runtime::Handle::current(),
        })
    }

    /// A reader at block `number` once it is finalized (waiting up to `wait` for it): what
    /// every participant of a redundant run reads, so that their observations agree.
    pub async fn at_finalized_number(
        rpc: &'a RpcClient,
        number: u32,
        wait: std::time::Duration,
    ) -> anyhow::Result<Self> {
        let deadline = std::time::Instant::now() + wait;
        loop {
            let head = rpc.finalized_head().await?;
            let finalized = rpc.header(Some(head)).await?.map_or(0, |h| h.number);
            if finalized >= number {
                break;
            }
            anyhow::ensure!(
                std::time::Instant::now() < deadline,
                "block #{number} was not finalized within {} s (finalized: #{finalized})",
                wait.as_secs()
            );
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
        let at = rpc
            .block_hash(Some(number))
            .await?
            .ok_or_else(|| anyhow::anyhow!("the node has no block #{number}"))?;
        Ok(Self {
            rpc,
            at,
            handle: tokio::runtime::Handle::current(),
        })
    }

    /// The pinned block's hash.
    pub fn at(&self) -> Hash {
        self.at
    }

    /// Run `f` to completion from the (synchronous) tool call, on the daemon's runtime.
    fn block_on<T>(&self, f: impl Future<Output = aitbc_client::Result<T>>) -> Result<T, String> {
        tokio::task::block_in_place(|| self.handle.block_on(f)).map_err(|e| e.to_string())
    }
}

impl ChainReader for PinnedReader<'_> {
    fn balance(&self, account: &str) -> Result<String, String> {
        let who = keys::parse_address(account).map_err(|e| e.to_string())?;
        let b = self.block_on(state::balance(self.rpc, &who, Some(self.at)))?;
        Ok(format!(
            "{}: free {}, reserved {}, total {}",
            keys::to_ss58(&who),
            format_amount(b.free),
            format_amount(b.reserved),
            format_amount(b.total)
        ))
    }

    fn job(&self, id: u64) -> Result<String, String> {
        let job = self.block_on(jobs::job_at(self.rpc, id, Some(self.at)))?;
        let Some(j) = job else {
            return Ok(format!(
                "job #{id} does not exist (or was pruned) at this block"
            ));
        };
        Ok(format!(
            "job #{id}: {:?}, model {}, budget {}, owner {}{}",
            j.status,
            String::from_utf8_lossy(&j.model),
            format_amount(j.budget),
            keys::to_ss58(&j.owner),
            j.miner
                .as_ref()
                .map(|m| format!(", miner {}", keys::to_ss58(m)))
                .unwrap_or_default()
        ))
    }

    fn pricing(&self, model: &str) -> Result<String, String> {
        let gpu: aitbc_primitives::GpuModel = model
            .as_bytes()
            .to_vec()
            .try_into()
            .map_err(|_| "the GPU model name is too long".to_string())?;
        let stats = self.block_on(marketplace::pricing_at(self.rpc, &gpu, Some(self.at)))?;
        let Some(p) = stats else {
            return Ok(format!(
                "no prices for {model} on the marketplace at this block"
            ));
        };
        Ok(format!(
            "{model}: {} prices, average {}, median {}, min {}, max {} per hour",
            p.sample_size,
            format_amount(p.average),
            format_amount(p.median),
            format_amount(p.min),
            format_amount(p.max)
        ))
    }

    fn block(&self, number: Option<u64>) -> Result<String, String> {
        let id = match number {
            None => blocks::BlockId::Hash(self.at),
            Some(n) => blocks::BlockId::Number(
                u32::try_from(n).map_err(|_| format!("block {n} is out of range"))?,
            ),
        };
        let b = self.block_on(blocks::block_view(self.rpc, id))?;
        Ok(format!(
            "block #{} {:?}: {} extrinsics, {} events, time {} ms{}",
            b.number,
            b.hash,
            b.extrinsics.len(),
            b.events.len(),
            b.timestamp_ms.map_or("-".into(), |t| t.to_string()),
            if b.finalized { ", finalized" } else { "" }
        ))
    }
}
