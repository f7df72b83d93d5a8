//! sr25519 keys: BIP39 mnemonics with derivation paths, `//Alice`-style dev URIs, SS58 addresses.
//!
//! Derivation is sp-core's (`Pair::from_string`), which is the same scheme polkadot.js uses
//! (substrate-bip39 mini secret, schnorrkel hard/soft junctions), so the same mnemonic gives the
//! same address in both.

use crate::error::{Error, Result};
use aitbc_runtime::SS58_PREFIX;
use sp_core::{
    crypto::{AccountId32, PublicError, Ss58AddressFormat, Ss58Codec},
    sr25519, Pair as _,
};

pub use sp_core::sr25519::Pair;

/// Length of the secret key in polkadot.js's PKCS8 (ed25519-expanded schnorrkel form).
pub const POLKADOT_SECRET_LEN: usize = 64;

/// A key loaded from a secret URI: a mnemonic (`"word ... word//hard/soft///password"`), a dev
/// URI (`"//Alice"`), or a hex mini secret (`"0x..."`).
pub fn pair_from_uri(uri: &str) -> Result<Pair> {
    let uri = uri.trim();
    if uri.is_empty() {
        return Err(Error::InvalidSecret("empty secret URI".into()));
    }
    Pair::from_string(uri, None).map_err(|e| {
        Error::InvalidSecret(match e {
            sp_core::crypto::SecretStringError::InvalidPhrase => {
                "not a valid BIP39 mnemonic (check the words and their order)".to_string()
            }
            other => format!("{other:?}"),
        })
    })
}

/// A fresh random 12-word BIP39 mnemonic and its key.
pub fn generate() -> (Pair, String) {
    let (pair, phrase, _) = Pair::generate_with_phrase(None);
    (pair, phrase)
}

/// The account of a key: its 32-byte public key.
pub fn account_id(pair: &Pair) -> AccountId32 {
    AccountId32::from(pair.public().0)
}

/// The SS58 address (prefix 42) of an account.
pub fn to_ss58(account: &AccountId32) -> String {
    account.to_ss58check_with_version(Ss58AddressFormat::custom(SS58_PREFIX))
}

/// The SS58 address (prefix 42) of a key.
pub fn address_of(pair: &Pair) -> String {
    to_ss58(&account_id(pair))
}

/// Parses an account given as an SS58 address with prefix 42, or as 32 bytes of hex (`0x…`).
pub fn parse_address(input: &str) -> Result<AccountId32> {
    let s = input.trim();
    let bad = |reason: String| Error::InvalidAddress {
        input: input.to_string(),
        reason,
    };
    if let Some(h) = s.strip_prefix("0x") {
        let bytes = hex::decode(h).map_err(|e| bad(format!("bad hex: {e}")))?;
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|v: Vec<u8>| bad(format!("expected 32 bytes, got {}", v.len())))?;
        return Ok(AccountId32::from(arr));
    }
    match AccountId32::from_ss58check_with_version(s) {
        Ok((account, format)) if u16::from(format) == SS58_PREFIX => Ok(account),
        Ok((_, format)) => Err(bad(format!(
            "SS58 prefix {} is not this chain's ({SS58_PREFIX})",
            u16::from(format)
        ))),
        Err(e) => Err(bad(match e {
            PublicError::BadBase58 => "not base58".into(),
            PublicError::BadLength => "wrong length".into(),
            PublicError::InvalidChecksum => "checksum mismatch (typo?)".into(),
            PublicError::UnknownSs58AddressFormat(_) | PublicError::InvalidFormat => {
                "unknown SS58 format".into()
            }
            other => format!("{other:?}"),
        })),
    }
}

/// The 64-byte secret as polkadot.js stores it in PKCS8 (schnorrkel's ed25519-expanded form).
pub fn polkadot_secret(pair: &Pair) -> [u8; POLKADOT_SECRET_LEN] {
    let kp: &schnorrkel::Keypair = pair.as_ref();
    kp.secret.to_ed25519_bytes()
}

/// Rebuilds a key from polkadot.js's 64-byte secret; checks it against `public` when given.
pub fn pair_from_polkadot_secret(secret: &[u8], public: Option<&[u8]>) -> Result<Pair> {
    let sk = schnorrkel::SecretKey::from_ed25519_bytes(secret)
        .map_err(|e| Error::InvalidSecret(format!("bad sr25519 secret key: {e}")))?;
    let pair = Pair::from(sk);
    if let Some(public) = public {
        if pair.public().0.as_slice() != public {
            return Err(Error::InvalidSecret(
                "secret key does not match its public key".into(),
            ));
        }
    }
    Ok(pair)
}

/// Signs a message (used by tests and tools; extrinsics are signed in [`crate::tx`]).
pub fn sign(pair: &Pair, message: &[u8]) -> sr25519::Signature {
    pair.sign(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Well-known dev accounts (every Substrate tool prints these).
    const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
    const BOB: &str = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty";

    #[test]
    fn dev_uris() {
        assert_eq!(address_of(&pair_from_uri("//Alice").unwrap()), ALICE);
        assert_eq!(address_of(&pair_from_uri("//Bob").unwrap()), BOB);
    }

    #[test]
    fn mnemonic_with_derivation() {
        let phrase = sp_core::crypto::DEV_PHRASE;
        let alice = pair_from_uri(&format!("{phrase}//Alice")).unwrap();
        assert_eq!(address_of(&alice), ALICE);
        let root = pair_from_uri(phrase).unwrap();
        assert_ne!(address_of(&root), ALICE);
        // Derivation with a password differs from the plain one.
        let with_pw = pair_from_uri(&format!("{phrase}///secret")).unwrap();
        assert_ne!(address_of(&with_pw), address_of(&root));
    }

    #[test]
    fn generated_mnemonic_round_trips() {
        let (pair, phrase) = generate();
        assert_eq!(phrase.split_whitespace().count(), 12);
        assert_eq!(
            address_of(&pair_from_uri(&phrase).unwrap()),
            address_of(&pair)
        );
    }

    #[test]
    fn bad_secrets() {
        assert!(pair_from_uri("").is_err());
        let e = pair_from_uri("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon").err().unwrap();
        assert!(e.to_string().contains("mnemonic"), "{e}");
    }

    #[test]
    fn addresses() {
        let alice = parse_address(ALICE).unwrap();
        assert_eq!(to_ss58(&alice), ALICE);
        let hex = format!(
            "0x{}",
            hex::encode(<AccountId32 as AsRef<[u8]>>::as_ref(&alice))
        );
        assert_eq!(parse_address(&hex).unwrap(), alice);
        // Typo in the last character: checksum.
        let mut typo = ALICE.to_string();
        typo.pop();
        typo.push('Z');
        assert!(parse_address(&typo)
            .unwrap_err()
            .to_string()
            .contains("invalid address"));
        assert!(parse_address("hello").is_err());
        assert!(parse_address("0x1234")
            .unwrap_err()
            .to_string()
            .contains("32 bytes"));
        // Polkadot (prefix 0) address of Alice.
        let dot = alice.to_ss58check_with_version(Ss58AddressFormat::custom(0));
        assert!(parse_address(&dot)
            .unwrap_err()
            .to_string()
            .contains("prefix 0"));
    }

    #[test]
    fn polkadot_secret_round_trip() {
        let pair = pair_from_uri("//Alice").unwrap();
        let secret = polkadot_secret(&pair);
        let back = pair_from_polkadot_secret(&secret, Some(&pair.public().0)).unwrap();
        assert_eq!(back.public(), pair.public());
        let msg = b"aitbc";
        let sig = sign(&back, msg);
        assert!(Pair::verify(&sig, msg, &pair.public()));
        let bob = pair_from_uri("//Bob").unwrap();
        assert!(pair_from_polkadot_secret(&secret, Some(&bob.public().0)).is_err());
    }
}
