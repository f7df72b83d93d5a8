//! Names of pallets, calls, events and errors, from the runtime's own metadata (the runtime is a
//! native crate, so its metadata is available without asking the node).

use aitbc_runtime::{Runtime, RuntimeCall, RuntimeEvent};
use codec::Encode;
use frame_metadata::{v14::RuntimeMetadataV14, RuntimeMetadata};
use frame_support::traits::GetCallMetadata;
use scale_info::TypeDef;
use sp_runtime::{DispatchError, ModuleError};
use std::sync::OnceLock;

fn metadata() -> Option<&'static RuntimeMetadataV14> {
    static META: OnceLock<Option<RuntimeMetadataV14>> = OnceLock::new();
    META.get_or_init(|| match Runtime::metadata().1 {
        RuntimeMetadata::V14(m) => Some(m),
        _ => None,
    })
    .as_ref()
}

/// The name of the pallet at `index` (as in `construct_runtime!`).
pub fn pallet_name(index: u8) -> Option<&'static str> {
    metadata()?
        .pallets
        .iter()
        .find(|p| p.index == index)
        .map(|p| p.name.as_str())
}

fn variant_name(ty: u32, index: u8) -> Option<(&'static str, String)> {
    let m = metadata()?;
    let t = m.types.resolve(ty)?;
    match &t.type_def {
        TypeDef::Variant(v) => v.variants.iter().find(|v| v.index == index).map(|v| {
            (
                v.name.as_str(),
                v.docs
                    .first()
                    .map(|d| d.trim().to_string())
                    .unwrap_or_default(),
            )
        }),
        _ => None,
    }
}

/// `"Balances.InsufficientBalance"` for a module error, with its first doc line.
pub fn module_error_name(err: &ModuleError) -> (String, String) {
    let m = metadata();
    let pallet = m.and_then(|m| m.pallets.iter().find(|p| p.index == err.index));
    match pallet {
        Some(p) => {
            let found = p
                .error
                .as_ref()
                .and_then(|e| variant_name(e.ty.id, err.error[0]));
            match found {
                Some((name, doc)) => (format!("{}.{name}", p.name), doc),
                None => (format!("{}.Error#{}", p.name, err.error[0]), String::new()),
            }
        }
        None => (
            format!("Pallet#{}.Error#{}", err.index, err.error[0]),
            String::new(),
        ),
    }
}

/// A readable dispatch error: `"Balances.InsufficientBalance"`, `"Token.FundsUnavailable"`,
/// `"BadOrigin"`, ...
pub fn dispatch_error_name(err: &DispatchError) -> String {
    match err {
        DispatchError::Module(m) => module_error_name(m).0,
        DispatchError::Token(t) => format!("Token.{t:?}"),
        DispatchError::Arithmetic(a) => format!("Arithmetic.{a:?}"),
        DispatchError::Transactional(t) => format!("Transactional.{t:?}"),
        DispatchError::Other(s) if !s.is_empty() => format!("Other: {s}"),
        other => format!("{other:?}"),
    }
}

/// A dispatch error with its explanation: `"Balances.InsufficientBalance (Balance too low to send
/// value.)"`.
pub fn describe_dispatch_error(err: &DispatchError) -> String {
    let doc = match err {
        DispatchError::Module(m) => module_error_name(m).1,
        DispatchError::Token(t) => <&'static str>::from(*t).to_string(),
        DispatchError::Arithmetic(a) => <&'static str>::from(*a).to_string(),
        _ => String::new(),
    };
    let name = dispatch_error_name(err);
    if doc.is_empty() {
        name
    } else {
        format!("{name} ({doc})")
    }
}

/// `("Balances", "Transfer")` for an event.
pub fn event_name(event: &RuntimeEvent) -> (String, String) {
    let bytes = event.encode();
    let (Some(&p), Some(&v)) = (bytes.first(), bytes.get(1)) else {
        return ("?".into(), "?".into());
    };
    let pallet = metadata().and_then(|m| m.pallets.iter().find(|x| x.index == p));
    match pallet {
        Some(pm) => {
            let name = pm
                .event
                .as_ref()
                .and_then(|e| variant_name(e.ty.id, v))
                .map(|(n, _)| n.to_string())
                .unwrap_or_else(|| format!("Event#{v}"));
            (pm.name.clone(), name)
        }
        None => (format!("Pallet#{p}"), format!("Event#{v}")),
    }
}

/// `("Balances", "transfer_keep_alive")` for a call.
pub fn call_name(call: &RuntimeCall) -> (String, String) {
    let m = call.get_call_metadata();
    (m.pallet_name.to_string(), m.function_name.to_string())
}

/// The fields of an enum variant, as `Debug` prints them, without the pallet and variant names:
/// `"from: 5Grw..., to: 5FHn..., amount: 1000"`.
pub fn event_fields(event: &RuntimeEvent) -> String {
    strip_variant(&format!("{event:?}"))
}

/// The arguments of a call, as `Debug` prints them.
pub fn call_args(call: &RuntimeCall) -> String {
    strip_variant(&format!("{call:?}"))
}

// `Balances(Transfer { from: .., amount: 1 })` -> `from: .., amount: 1`.
fn strip_variant(debug: &str) -> String {
    let inner = debug
        .find('(')
        .and_then(|i| debug.strip_suffix(')').map(|s| &s[i + 1..]))
        .unwrap_or(debug);
    match inner.find(['{', '(']) {
        Some(i) => {
            let body = inner[i + 1..].trim_end();
            let body = body
                .strip_suffix('}')
                .or_else(|| body.strip_suffix(')'))
                .unwrap_or(body);
            body.trim().to_string()
        }
        None => String::new(),
    }
}

/// The pallet names in the runtime, by index.
pub fn pallets() -> Vec<(u8, String)> {
    metadata()
        .map(|m| {
            m.pallets
                .iter()
                .map(|p| (p.index, p.name.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// The metadata of the runtime a node runs, fetched with `state_getMetadata`: the source of
/// pallet constants as the node sees them (e.g. the DAO's minimum deposit and voting period,
/// which may differ per chain).
pub struct NodeMetadata {
    meta: RuntimeMetadataV14,
}

impl NodeMetadata {
    /// Fetches and decodes the node's metadata (at the best block).
    pub async fn fetch(rpc: &crate::rpc::RpcClient) -> crate::Result<Self> {
        let bytes = rpc.metadata(None).await?;
        Self::decode(&bytes)
    }

    /// Decodes SCALE-encoded `RuntimeMetadataPrefixed` (V14 only).
    pub fn decode(bytes: &[u8]) -> crate::Result<Self> {
        use codec::Decode;
        let prefixed = frame_metadata::RuntimeMetadataPrefixed::decode(&mut &bytes[..])
            .map_err(|e| crate::Error::decode("the node's metadata", e))?;
        match prefixed.1 {
            RuntimeMetadata::V14(meta) => Ok(NodeMetadata { meta }),
            other => Err(crate::Error::decode(
                "the node's metadata",
                format!("version {} (expected 14)", other.version()),
            )),
        }
    }

    /// The metadata of this client's own runtime (for tests and offline use).
    pub fn local() -> crate::Result<Self> {
        match Runtime::metadata().1 {
            RuntimeMetadata::V14(meta) => Ok(NodeMetadata { meta }),
            other => Err(crate::Error::decode(
                "the runtime's metadata",
                format!("version {} (expected 14)", other.version()),
            )),
        }
    }

    /// The constant `pallet.name` (e.g. `Dao.MinDeposit`), decoded as `T`.
    pub fn constant<T: codec::Decode>(&self, pallet: &str, name: &str) -> crate::Result<T> {
        let what = format!("constant {pallet}.{name}");
        let p = self
            .meta
            .pallets
            .iter()
            .find(|p| p.name == pallet)
            .ok_or_else(|| {
                crate::Error::NotFound(format!("pallet {pallet} in the node's runtime"))
            })?;
        let c = p
            .constants
            .iter()
            .find(|c| c.name == name)
            .ok_or_else(|| crate::Error::NotFound(format!("{what} in the node's runtime")))?;
        T::decode(&mut &c.value[..]).map_err(|e| crate::Error::decode(what, e))
    }

    /// Whether the node's runtime has a pallet of that name.
    pub fn has_pallet(&self, pallet: &str) -> bool {
        self.meta.pallets.iter().any(|p| p.name == pallet)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aitbc_runtime::{AccountId, BalancesCall};

    #[test]
    fn names_from_metadata() {
        assert_eq!(pallet_name(0), Some("System"));
        assert_eq!(pallet_name(4), Some("Balances"));
        // pallet_balances::Error::InsufficientBalance is variant 2.
        let err = DispatchError::Module(ModuleError {
            index: 4,
            error: [2, 0, 0, 0],
            message: None,
        });
        assert_eq!(dispatch_error_name(&err), "Balances.InsufficientBalance");
        assert!(describe_dispatch_error(&err).starts_with("Balances.InsufficientBalance ("));
        assert_eq!(
            dispatch_error_name(&DispatchError::Token(
                sp_runtime::TokenError::FundsUnavailable
            )),
            "Token.FundsUnavailable"
        );
        assert_eq!(dispatch_error_name(&DispatchError::BadOrigin), "BadOrigin");
    }

    #[test]
    fn constants_from_metadata() {
        use codec::Encode;
        let local = NodeMetadata::local().unwrap();
        // Round trip through the wire format the node serves.
        let bytes = Runtime::metadata().encode();
        let m = NodeMetadata::decode(&bytes).unwrap();
        let min_deposit: aitbc_runtime::Balance = m.constant("Dao", "MinDeposit").unwrap();
        assert_eq!(min_deposit, 100 * aitbc_runtime::AIT);
        let ed: aitbc_runtime::Balance = local.constant("Balances", "ExistentialDeposit").unwrap();
        assert_eq!(ed, aitbc_runtime::EXISTENTIAL_DEPOSIT);
        assert!(m.has_pallet("Marketplace"));
        let e = m.constant::<u32>("Dao", "Nope").unwrap_err().to_string();
        assert!(e.contains("Dao.Nope"), "{e}");
        assert!(m.constant::<u32>("Nope", "X").is_err());
        assert!(NodeMetadata::decode(&[1, 2, 3]).is_err());
    }

    #[test]
    fn call_and_event_names() {
        let to = AccountId::from([1u8; 32]);
        let call = RuntimeCall::Balances(BalancesCall::transfer_keep_alive {
            dest: to.clone().into(),
            value: 5,
        });
        assert_eq!(
            call_name(&call),
            ("Balances".into(), "transfer_keep_alive".into())
        );
        assert!(
            call_args(&call).contains("value: 5"),
            "{}",
            call_args(&call)
        );
        let ev = RuntimeEvent::Balances(pallet_balances::Event::Transfer {
            from: to.clone(),
            to,
            amount: 7,
        });
        assert_eq!(event_name(&ev), ("Balances".into(), "Transfer".into()));
        assert!(
            event_fields(&ev).contains("amount: 7"),
            "{}",
            event_fields(&ev)
        );
    }
}
