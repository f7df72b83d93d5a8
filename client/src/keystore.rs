//! Encrypted key files in the polkadot.js JSON account format (version 3), and the wallet
//! directory (`$AITBC_HOME/wallets`, default `~/.aitbc/wallets`).
//!
//! `encoded` = base64( salt[32] ‖ N ‖ p ‖ r (u32 LE each) ‖ nonce[24] ‖ secretbox(PKCS8) ), where
//! the key is the first 32 bytes of scrypt(password, salt, N=32768, r=8, p=1, 64 bytes) and
//! PKCS8 = header ‖ secret[64] ‖ divider ‖ public[32], exactly as `@polkadot/keyring` writes it.

use crate::error::{Error, Result};
use crate::keys::{self, Pair};
use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use crypto_secretbox::{
    aead::{Aead, KeyInit},
    Key, Nonce, XSalsa20Poly1305,
};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sp_core::Pair as _;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

const PKCS8_HEADER: [u8; 16] = [48, 83, 2, 1, 1, 48, 5, 6, 3, 43, 101, 112, 4, 34, 4, 32];
const PKCS8_DIVIDER: [u8; 5] = [161, 35, 3, 33, 0];
const SALT_LEN: usize = 32;
const SCRYPT_HEADER_LEN: usize = SALT_LEN + 12;
const NONCE_LEN: usize = 24;
/// polkadot.js defaults; it refuses files with other parameters.
pub const SCRYPT_N: u32 = 1 << 15;
pub const SCRYPT_R: u32 = 8;
pub const SCRYPT_P: u32 = 1;

/// A polkadot.js JSON account (`KeyringPair$Json`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct KeystoreJson {
    pub encoded: String,
    pub encoding: Encoding,
    pub address: String,
    #[serde(default)]
    pub meta: serde_json::Map<String, serde_json::Value>,
}

/// The `encoding` block of a JSON account.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Encoding {
    pub content: Vec<String>,
    #[serde(rename = "type")]
    pub kind: Vec<String>,
    pub version: String,
}

impl KeystoreJson {
    /// Encrypts `pair` with `password` (scrypt + xsalsa20-poly1305).
    pub fn encrypt(pair: &Pair, password: &str, name: &str) -> Result<Self> {
        let mut plain = Zeroizing::new(Vec::with_capacity(117));
        plain.extend_from_slice(&PKCS8_HEADER);
        plain.extend_from_slice(&keys::polkadot_secret(pair));
        plain.extend_from_slice(&PKCS8_DIVIDER);
        plain.extend_from_slice(&pair.public().0);

        let mut salt = [0u8; SALT_LEN];
        let mut nonce = [0u8; NONCE_LEN];
        rand::thread_rng().fill_bytes(&mut salt);
        rand::thread_rng().fill_bytes(&mut nonce);
        let key = derive_key(password, &salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)?;
        let cipher = XSalsa20Poly1305::new(&secretbox_key(&key));
        let sealed = cipher
            .encrypt(&Nonce::from(nonce), plain.as_slice())
            .map_err(|_| Error::InvalidSecret("encryption failed".into()))?;

        let mut out = Vec::with_capacity(SCRYPT_HEADER_LEN + NONCE_LEN + sealed.len());
        out.extend_from_slice(&salt);
        out.extend_from_slice(&SCRYPT_N.to_le_bytes());
        out.extend_from_slice(&SCRYPT_P.to_le_bytes());
        out.extend_from_slice(&SCRYPT_R.to_le_bytes());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);

        let mut meta = serde_json::Map::new();
        meta.insert("name".into(), name.into());
        meta.insert("whenCreated".into(), now_millis().into());
        Ok(KeystoreJson {
            encoded: B64.encode(out),
            encoding: Encoding {
                content: vec!["pkcs8".into(), "sr25519".into()],
                kind: vec!["scrypt".into(), "xsalsa20-poly1305".into()],
                version: "3".into(),
            },
            address: keys::address_of(pair),
            meta,
        })
    }

    /// Decrypts the key. `Err(WrongPassword)` when the password does not open it.
    pub fn decrypt(&self, password: &str, label: &str) -> Result<Pair> {
        let bad = |reason: &str| Error::Keystore {
            path: PathBuf::from(label),
            reason: reason.to_string(),
        };
        if self.encoding.version != "3" {
            return Err(bad(&format!(
                "unsupported JSON account version {:?} (only \"3\")",
                self.encoding.version
            )));
        }
        if self.encoding.content.get(1).map(String::as_str) != Some("sr25519") {
            return Err(bad(&format!(
                "unsupported key type {:?} (only sr25519)",
                self.encoding.content
            )));
        }
        let data = B64
            .decode(self.encoded.trim())
            .map_err(|e| bad(&format!("bad base64: {e}")))?;
        let encrypted = self.encoding.kind.iter().any(|t| t == "xsalsa20-poly1305");
        let plain = if encrypted {
            if data.len() < SCRYPT_HEADER_LEN + NONCE_LEN + 16 {
                return Err(bad("encrypted data too short"));
            }
            let salt = &data[..SALT_LEN];
            let le =
                |i: usize| u32::from_le_bytes([data[i], data[i + 1], data[i + 2], data[i + 3]]);
            let (n, p, r) = (le(32), le(36), le(40));
            if !n.is_power_of_two() || n > (1 << 20) || r == 0 || r > 32 || p == 0 || p > 16 {
                return Err(bad(&format!(
                    "unsupported scrypt parameters N={n} r={r} p={p}"
                )));
            }
            let key = derive_key(password, salt, n, r, p)?;
            let mut nonce = [0u8; NONCE_LEN];
            nonce.copy_from_slice(&data[SCRYPT_HEADER_LEN..SCRYPT_HEADER_LEN + NONCE_LEN]);
            let cipher = XSalsa20Poly1305::new(&secretbox_key(&key));
            Zeroizing::new(
                cipher
                    .decrypt(&Nonce::from(nonce), &data[SCRYPT_HEADER_LEN + NONCE_LEN..])
                    .map_err(|_| Error::WrongPassword(label.to_string()))?,
            )
        } else {
            Zeroizing::new(data)
        };
        let (secret, public) = split_pkcs8(&plain).ok_or_else(|| bad("invalid PKCS8 body"))?;
        let pair = keys::pair_from_polkadot_secret(secret, Some(public))?;
        if let Ok(addr) = keys::parse_address(&self.address) {
            if addr != keys::account_id(&pair) {
                return Err(bad("address does not match the key"));
            }
        }
        Ok(pair)
    }

    /// The `meta.name` field, if any.
    pub fn name(&self) -> Option<&str> {
        self.meta.get("name").and_then(|v| v.as_str())
    }
}

fn split_pkcs8(plain: &[u8]) -> Option<(&[u8], &[u8])> {
    let body = plain.strip_prefix(&PKCS8_HEADER[..])?;
    if body.len() < keys::POLKADOT_SECRET_LEN + PKCS8_DIVIDER.len() + 32 {
        return None;
    }
    let (secret, rest) = body.split_at(keys::POLKADOT_SECRET_LEN);
    let public = rest.strip_prefix(&PKCS8_DIVIDER[..])?;
    Some((secret, &public[..32]))
}

fn secretbox_key(derived: &[u8; 64]) -> Key {
    let mut k = [0u8; 32];
    k.copy_from_slice(&derived[..32]);
    let key = Key::from(k);
    zeroize::Zeroize::zeroize(&mut k);
    key
}

fn derive_key(password: &str, salt: &[u8], n: u32, r: u32, p: u32) -> Result<Zeroizing<[u8; 64]>> {
    let log_n = n.trailing_zeros() as u8;
    let params = scrypt::Params::new(log_n, r, p, 64)
        .map_err(|e| Error::InvalidSecret(format!("scrypt parameters: {e}")))?;
    let mut out = Zeroizing::new([0u8; 64]);
    scrypt::scrypt(password.as_bytes(), salt, &params, out.as_mut())
        .map_err(|e| Error::InvalidSecret(format!("scrypt: {e}")))?;
    Ok(out)
}

fn now_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// A wallet as listed: its name, address and file.
#[derive(Clone, Debug, Serialize)]
pub struct WalletInfo {
    pub name: String,
    pub address: String,
    pub path: PathBuf,
    pub is_default: bool,
}

#[derive(Default, Serialize, Deserialize)]
struct Config {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    default_wallet: Option<String>,
}

/// The wallet directory: one polkadot.js JSON file per wallet, plus `config.json` for the
/// default wallet.
#[derive(Clone, Debug)]
pub struct Keystore {
    home: PathBuf,
}

impl Keystore {
    /// A keystore rooted at `home` (`home/wallets/NAME.json`).
    pub fn new(home: impl Into<PathBuf>) -> Self {
        Keystore { home: home.into() }
    }

    /// `$AITBC_HOME`, else `~/.aitbc`.
    pub fn default_home() -> PathBuf {
        if let Some(h) = std::env::var_os("AITBC_HOME").filter(|h| !h.is_empty()) {
            return PathBuf::from(h);
        }
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| ".".into());
        home.join(".aitbc")
    }

    /// The keystore at [`Keystore::default_home`].
    pub fn from_env() -> Self {
        Self::new(Self::default_home())
    }

    pub fn home(&self) -> &Path {
        &self.home
    }

    pub fn wallets_dir(&self) -> PathBuf {
        self.home.join("wallets")
    }

    fn wallet_path(&self, name: &str) -> Result<PathBuf> {
        validate_name(name)?;
        Ok(self.wallets_dir().join(format!("{name}.json")))
    }

    pub fn exists(&self, name: &str) -> Result<bool> {
        Ok(self.wallet_path(name)?.exists())
    }

    /// Encrypts and stores a new wallet; fails if the name is taken.
    pub fn create(&self, name: &str, pair: &Pair, password: &str) -> Result<WalletInfo> {
        let json = KeystoreJson::encrypt(pair, password, name)?;
        self.store(name, &json)
    }

    /// Stores an existing JSON account (e.g. exported from polkadot.js) under `name`.
    pub fn store(&self, name: &str, json: &KeystoreJson) -> Result<WalletInfo> {
        let path = self.wallet_path(name)?;
        if path.exists() {
            return Err(Error::WalletExists(name.to_string()));
        }
        let dir = self.wallets_dir();
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let mut json = json.clone();
        json.meta.insert("name".into(), name.into());
        let text =
            serde_json::to_string_pretty(&json).map_err(|e| Error::decode("keystore JSON", e))?;
        write_private(&path, text.as_bytes())?;
        Ok(WalletInfo {
            name: name.to_string(),
            address: json.address.clone(),
            path,
            is_default: self.default_wallet()?.as_deref() == Some(name),
        })
    }

    /// Reads a wallet's JSON account.
    pub fn load(&self, name: &str) -> Result<KeystoreJson> {
        let path = self.wallet_path(name)?;
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::WalletNotFound {
                    name: name.to_string(),
                    dir: self.wallets_dir(),
                })
            }
            Err(e) => return Err(Error::io(&path, e)),
        };
        serde_json::from_str(&text).map_err(|e| Error::Keystore {
            path: path.clone(),
            reason: format!("not a JSON account: {e}"),
        })
    }

    /// The address of a wallet, without decrypting it.
    pub fn address(&self, name: &str) -> Result<String> {
        Ok(self.load(name)?.address)
    }

    /// Decrypts a wallet's key.
    pub fn unlock(&self, name: &str, password: &str) -> Result<Pair> {
        self.load(name)?.decrypt(password, name)
    }

    /// All wallets, sorted by name.
    pub fn list(&self) -> Result<Vec<WalletInfo>> {
        let dir = self.wallets_dir();
        let default = self.default_wallet()?;
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io(&dir, e)),
        };
        let mut out = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(&dir, e))?;
            let path = entry.path();
            let Some(name) = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".json"))
                .map(str::to_string)
            else {
                continue;
            };
            if validate_name(&name).is_err() {
                continue;
            }
            let Ok(json) = self.load(&name) else { continue };
            out.push(WalletInfo {
                is_default: default.as_deref() == Some(name.as_str()),
                name,
                address: json.address,
                path,
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    fn config_path(&self) -> PathBuf {
        self.home.join("config.json")
    }

    fn read_config(&self) -> Result<Config> {
        let path = self.config_path();
        match std::fs::read_to_string(&path) {
            Ok(t) => serde_json::from_str(&t).map_err(|e| Error::Keystore {
                path,
                reason: format!("bad config: {e}"),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(e) => Err(Error::io(path, e)),
        }
    }

    /// The wallet chosen with `wallet use`.
    pub fn default_wallet(&self) -> Result<Option<String>> {
        Ok(self.read_config()?.default_wallet)
    }

    /// Makes `name` the default wallet; it must exist.
    pub fn set_default(&self, name: &str) -> Result<()> {
        self.load(name)?;
        let mut cfg = self.read_config()?;
        cfg.default_wallet = Some(name.to_string());
        std::fs::create_dir_all(&self.home).map_err(|e| Error::io(&self.home, e))?;
        let text = serde_json::to_string_pretty(&cfg).map_err(|e| Error::decode("config", e))?;
        let path = self.config_path();
        std::fs::write(&path, text).map_err(|e| Error::io(path, e))
    }

    /// The wallet to use: the explicit one, else the default; errors if neither.
    pub fn resolve(&self, explicit: Option<&str>) -> Result<String> {
        match explicit.filter(|s| !s.is_empty()) {
            Some(n) => {
                validate_name(n)?;
                Ok(n.to_string())
            }
            None => self.default_wallet()?.ok_or(Error::NoWalletSelected),
        }
    }
}

/// Wallet names: 1-64 of `[A-Za-z0-9_-]`.
pub fn validate_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidWalletName(name.to_string()))
    }
}

fn write_private(path: &Path, data: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(|e| Error::io(path, e))?;
    f.write_all(data).map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encrypt_decrypt_round_trip() {
        let pair = keys::pair_from_uri("//Alice").unwrap();
        let json = KeystoreJson::encrypt(&pair, "correct horse", "alice").unwrap();
        assert_eq!(json.encoding.content, ["pkcs8", "sr25519"]);
        assert_eq!(json.encoding.kind, ["scrypt", "xsalsa20-poly1305"]);
        assert_eq!(json.encoding.version, "3");
        assert_eq!(json.address, keys::address_of(&pair));
        assert_eq!(json.name(), Some("alice"));
        // 44 scrypt header + 24 nonce + 16 tag + 117 PKCS8.
        assert_eq!(B64.decode(&json.encoded).unwrap().len(), 44 + 24 + 16 + 117);
        let back = json.decrypt("correct horse", "alice").unwrap();
        assert_eq!(back.public(), pair.public());
        match json.decrypt("wrong", "alice").err() {
            Some(Error::WrongPassword(n)) => assert_eq!(n, "alice"),
            other => panic!("expected WrongPassword, got {other:?}"),
        }
    }

    #[test]
    fn tampered_files_are_rejected() {
        let pair = keys::pair_from_uri("//Bob").unwrap();
        let mut json = KeystoreJson::encrypt(&pair, "pw", "bob").unwrap();
        json.address = keys::address_of(&keys::pair_from_uri("//Alice").unwrap());
        assert!(json
            .decrypt("pw", "bob")
            .err()
            .unwrap()
            .to_string()
            .contains("address"));
        json.encoding.version = "2".into();
        assert!(json.decrypt("pw", "bob").is_err());
    }

    #[test]
    fn wallet_directory() {
        let dir = tempfile::tempdir().unwrap();
        let ks = Keystore::new(dir.path());
        assert!(ks.list().unwrap().is_empty());
        assert!(matches!(ks.resolve(None), Err(Error::NoWalletSelected)));
        let alice = keys::pair_from_uri("//Alice").unwrap();
        let info = ks.create("alice", &alice, "pw").unwrap();
        assert_eq!(info.address, keys::address_of(&alice));
        assert!(matches!(
            ks.create("alice", &alice, "pw"),
            Err(Error::WalletExists(_))
        ));
        assert!(matches!(
            ks.create("../x", &alice, "pw"),
            Err(Error::InvalidWalletName(_))
        ));
        assert!(matches!(
            ks.load("nobody"),
            Err(Error::WalletNotFound { .. })
        ));
        assert!(matches!(
            ks.set_default("nobody"),
            Err(Error::WalletNotFound { .. })
        ));
        ks.set_default("alice").unwrap();
        assert_eq!(ks.resolve(None).unwrap(), "alice");
        assert_eq!(ks.resolve(Some("bob")).unwrap(), "bob");
        let list = ks.list().unwrap();
        assert_eq!(list.len(), 1);
        assert!(list[0].is_default);
        assert_eq!(ks.unlock("alice", "pw").unwrap().public(), alice.public());
        assert!(matches!(
            ks.unlock("alice", "nope").err(),
            Some(Error::WrongPassword(_))
        ));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&list[0].path)
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
