//! Local nonce allocation, so several transactions can be in flight without clashes.

use aitbc_runtime::{AccountId, Nonce};
use tokio::sync::Mutex;

use aitbc_client::rpc::RpcClient;

/// Hands out consecutive nonces; resynchronises with the node after a refused transaction.
pub struct NonceManager {
    account: AccountId,
    next: Mutex<Option<Nonce>>,
}

impl NonceManager {
    pub fn new(account: AccountId) -> Self {
        Self {
            account,
            next: Mutex::new(None),
        }
    }

    /// The next nonce to use.
    pub async fn next(&self, rpc: &RpcClient) -> aitbc_client::error::Result<Nonce> {
        let mut guard = self.next.lock().await;
        let n = match *guard {
            Some(n) => n,
            None => rpc.account_next_index(&self.account).await?,
        };
        *guard = Some(n + 1);
        Ok(n)
    }

    /// Forget the local counter: the next call asks the node (which counts pool transactions).
    pub async fn resync(&self) {
        *self.next.lock().await = None;
    }
}
