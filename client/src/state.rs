//! Reading and decoding on-chain storage: accounts, balances and holds, events.

use crate::error::{Error, Result};
use crate::rpc::RpcClient;
use aitbc_runtime::{AccountId, Balance, Hash, Nonce, Runtime, RuntimeEvent, EXISTENTIAL_DEPOSIT};
use codec::Decode;
use sp_crypto_hashing::twox_128;

/// `frame_system::AccountInfo` as this runtime stores it.
pub type AccountInfo = frame_system::AccountInfo<Nonce, pallet_balances::AccountData<Balance>>;
/// One entry of `System::Events`.
pub type EventRecord = frame_system::EventRecord<RuntimeEvent, Hash>;

/// Reads one storage value and decodes it as `T`.
pub async fn fetch<T: Decode>(
    rpc: &RpcClient,
    key: &[u8],
    at: Option<Hash>,
    what: &str,
) -> Result<Option<T>> {
    match rpc.storage(key, at).await? {
        Some(bytes) => T::decode(&mut &bytes[..])
            .map(Some)
            .map_err(|e| Error::decode(what, e)),
        None => Ok(None),
    }
}

/// Storage key of `System::Account(who)`.
pub fn account_key(who: &AccountId) -> Vec<u8> {
    frame_system::Account::<Runtime>::hashed_key_for(who)
}

/// Raw storage key of `System::Events`: `twox128("System") ++ twox128("Events")`.
pub fn events_key() -> Vec<u8> {
    [twox_128(b"System"), twox_128(b"Events")].concat()
}

/// `System::Account(who)`; the default (all zero) for an account that does not exist.
pub async fn account_info(
    rpc: &RpcClient,
    who: &AccountId,
    at: Option<Hash>,
) -> Result<AccountInfo> {
    Ok(fetch(rpc, &account_key(who), at, "System.Account")
        .await?
        .unwrap_or_default())
}

/// An account's balances, as a wallet shows them.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct AccountBalance {
    pub nonce: Nonce,
    /// Free balance (includes the frozen part).
    pub free: Balance,
    /// Held (escrowed, staked) balance.
    pub reserved: Balance,
    /// Frozen (locked) balance.
    pub frozen: Balance,
    /// free + reserved.
    pub total: Balance,
    /// What can be sent while keeping the account alive: free − max(frozen − reserved, ED).
    pub transferable: Balance,
}

impl From<&AccountInfo> for AccountBalance {
    fn from(info: &AccountInfo) -> Self {
        let d = &info.data;
        let untouchable = d.frozen.saturating_sub(d.reserved).max(EXISTENTIAL_DEPOSIT);
        AccountBalance {
            nonce: info.nonce,
            free: d.free,
            reserved: d.reserved,
            frozen: d.frozen,
            total: d.free.saturating_add(d.reserved),
            transferable: d.free.saturating_sub(untouchable),
        }
    }
}

/// An account's balances.
pub async fn balance(rpc: &RpcClient, who: &AccountId, at: Option<Hash>) -> Result<AccountBalance> {
    Ok(AccountBalance::from(&account_info(rpc, who, at).await?))
}

/// `Balances::Holds(who)`: each hold's reason (e.g. `"Jobs(Escrow)"`) and amount.
pub async fn holds(
    rpc: &RpcClient,
    who: &AccountId,
    at: Option<Hash>,
) -> Result<Vec<(String, Balance)>> {
    let key = pallet_balances::Holds::<Runtime>::hashed_key_for(who);
    type HoldsVec =
        Vec<frame_support::traits::tokens::IdAmount<aitbc_runtime::RuntimeHoldReason, Balance>>;
    let holds: Option<HoldsVec> = fetch(rpc, &key, at, "Balances.Holds").await?;
    Ok(holds
        .unwrap_or_default()
        .into_iter()
        .map(|h| (format!("{:?}", h.id), h.amount))
        .collect())
}

/// `System::Events` at a block.
pub async fn events(rpc: &RpcClient, at: Hash) -> Result<Vec<EventRecord>> {
    Ok(fetch(rpc, &events_key(), Some(at), "System.Events")
        .await?
        .unwrap_or_default())
}

/// `Balances::TotalIssuance`.
pub async fn total_issuance(rpc: &RpcClient, at: Option<Hash>) -> Result<Balance> {
    let key = pallet_balances::TotalIssuance::<Runtime>::hashed_key().to_vec();
    Ok(fetch(rpc, &key, at, "Balances.TotalIssuance")
        .await?
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aitbc_runtime::AIT;

    #[test]
    fn keys_match_substrate_layout() {
        let ev = events_key();
        assert_eq!(
            hex::encode(&ev),
            "26aa394eea5630e07c48ae0c9558cef780d41e5e16056765bc8461851072c9d7"
        );
        let who = AccountId::from([7u8; 32]);
        let k = account_key(&who);
        // twox128("System") ++ twox128("Account") ++ blake2_128(who) ++ who
        assert_eq!(
            hex::encode(&k[..32]),
            "26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9"
        );
        assert_eq!(&k[48..], &[7u8; 32]);
    }

    #[test]
    fn transferable_balance() {
        let mut info = AccountInfo::default();
        info.data.free = 10 * AIT;
        let b = AccountBalance::from(&info);
        assert_eq!(b.transferable, 10 * AIT - EXISTENTIAL_DEPOSIT);
        assert_eq!(b.total, 10 * AIT);
        info.data.reserved = 2 * AIT;
        info.data.frozen = 5 * AIT;
        let b = AccountBalance::from(&info);
        assert_eq!(b.transferable, 7 * AIT);
        assert_eq!(b.total, 12 * AIT);
        assert_eq!(
            AccountBalance::from(&AccountInfo::default()).transferable,
            0
        );
    }
}
