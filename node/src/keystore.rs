//! The node's keystore: Aura (sr25519) and GRANDPA (ed25519) keys.
//!
//! Files live in `<base-path>/chains/<chain-id>/keystore/`, named as Substrate names them:
//! hex(key type) ++ hex(public key), holding the secret URI as a JSON string.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use parking_lot::RwLock;
use sp_core::{crypto::KeyTypeId, ed25519, sr25519, Pair};

/// Aura key type (`aura`).
pub const AURA: KeyTypeId = sp_core::crypto::key_types::AURA;
/// GRANDPA key type (`gran`).
pub const GRANDPA: KeyTypeId = sp_core::crypto::key_types::GRANDPA;

/// The validator keys this node holds.
#[derive(Default)]
pub struct Keystore {
    dir: Option<PathBuf>,
    aura: RwLock<Vec<sr25519::Pair>>,
    grandpa: RwLock<Vec<ed25519::Pair>>,
}

impl Keystore {
    /// Open the keystore directory (created if missing, mode 0700) and load its keys.
    pub fn open(dir: &Path) -> anyhow::Result<Self> {
        create_private_dir(dir)
            .with_context(|| format!("cannot create keystore {}", dir.display()))?;
        let ks = Self {
            dir: Some(dir.to_path_buf()),
            ..Default::default()
        };
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            let Ok(raw) = hex::decode(name) else { continue };
            if raw.len() < 4 {
                continue;
            }
            let key_type = KeyTypeId([raw[0], raw[1], raw[2], raw[3]]);
            let suri: String =
                serde_json::from_slice(&std::fs::read(&path)?).with_context(|| {
                    format!("keystore file {} is not a JSON string", path.display())
                })?;
            ks.add(key_type, &suri).with_context(|| {
                format!("keystore file {} holds an invalid key", path.display())
            })?;
        }
        Ok(ks)
    }

    /// An in-memory keystore.
    pub fn in_memory() -> Self {
        Self::default()
    }

    /// Add a key from a secret URI (mnemonic, hex seed or `//Alice`-style dev URI).
    pub fn add(&self, key_type: KeyTypeId, suri: &str) -> anyhow::Result<Vec<u8>> {
        match key_type {
            AURA => {
                let pair = sr25519::Pair::from_string(suri, None)
                    .map_err(|e| anyhow!("invalid secret URI: {e:?}"))?;
                let public = pair.public().0.to_vec();
                let mut keys = self.aura.write();
                if !keys.iter().any(|k| k.public() == pair.public()) {
                    keys.push(pair);
                }
                Ok(public)
            }
            GRANDPA => {
                let pair = ed25519::Pair::from_string(suri, None)
                    .map_err(|e| anyhow!("invalid secret URI: {e:?}"))?;
                let public = pair.public().0.to_vec();
                let mut keys = self.grandpa.write();
                if !keys.iter().any(|k| k.public() == pair.public()) {
                    keys.push(pair);
                }
                Ok(public)
            }
            other => bail!(
                "unsupported key type `{}`: use `aura` or `gran`",
                String::from_utf8_lossy(&other.0)
            ),
        }
    }

    /// Add a key and persist it in the keystore directory.
    pub fn insert(&self, key_type: KeyTypeId, suri: &str) -> anyhow::Result<PathBuf> {
        let public = self.add(key_type, suri)?;
        let dir = self
            .dir
            .as_ref()
            .ok_or_else(|| anyhow!("in-memory keystore cannot persist keys"))?;
        let path = dir.join(format!(
            "{}{}",
            hex::encode(key_type.0),
            hex::encode(public)
        ));
        match write_secret_file(&path, &serde_json::to_vec(suri)?) {
            Ok(()) => Ok(path),
            // The file is named after the public key: this key is already stored.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(path),
            Err(e) => {
                Err(e).with_context(|| format!("cannot write keystore file {}", path.display()))
            }
        }
    }

    /// The Aura key with this public key, if held.
    pub fn aura_pair(&self, public: &sr25519::Public) -> Option<sr25519::Pair> {
        self.aura
            .read()
            .iter()
            .find(|p| &p.public() == public)
            .cloned()
    }

    /// The GRANDPA key with this public key, if held.
    pub fn grandpa_pair(&self, public: &ed25519::Public) -> Option<ed25519::Pair> {
        self.grandpa
            .read()
            .iter()
            .find(|p| &p.public() == public)
            .cloned()
    }

    /// Whether any authority key is held.
    pub fn has_keys(&self) -> bool {
        !self.aura.read().is_empty() || !self.grandpa.read().is_empty()
    }
}

/// Create `path` (which must not exist) readable and writable by its owner only (0600 on Unix)
/// and write `data`: the mode is set when the file is created, before any secret is in it.
pub fn write_secret_file(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(data)?;
    f.sync_all()
}

/// Create directory `dir` and its missing parents; `dir` itself, when created here, gets mode
/// 0700 on Unix.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let mut b = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    match b.create(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        other => other,
    }
}

/// Parse a key type name: `aura`, `gran`/`grandpa`.
pub fn parse_key_type(s: &str) -> anyhow::Result<KeyTypeId> {
    match s {
        "aura" => Ok(AURA),
        "gran" | "grandpa" => Ok(GRANDPA),
        other => bail!("unknown key type `{other}`: use `aura` or `gran`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_persists_and_reloads() {
        let dir = tempfile::tempdir().unwrap();
        let ks = Keystore::open(dir.path()).unwrap();
        ks.insert(AURA, "//Alice").unwrap();
        ks.insert(GRANDPA, "//Alice").unwrap();
        let again = Keystore::open(dir.path()).unwrap();
        let alice = sp_keyring::Sr25519Keyring::Alice.public();
        assert!(again.aura_pair(&alice).is_some());
        let alice_ed = sp_keyring::Ed25519Keyring::Alice.public();
        assert!(again.grandpa_pair(&alice_ed).is_some());
    }

    #[cfg(unix)]
    fn mode(p: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[cfg(unix)]
    #[test]
    fn key_files_are_created_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let ks_dir = dir.path().join("chains/x/keystore");
        let ks = Keystore::open(&ks_dir).unwrap();
        assert_eq!(mode(&ks_dir), 0o700);
        let path = ks.insert(AURA, "//Alice").unwrap();
        assert_eq!(mode(&path), 0o600, "{}", path.display());
        // Inserting it again keeps the file.
        assert_eq!(ks.insert(AURA, "//Alice").unwrap(), path);
        assert_eq!(mode(&path), 0o600);
    }

    #[cfg(unix)]
    #[test]
    fn write_secret_file_sets_the_mode_at_creation_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        write_secret_file(&path, b"s3cret").unwrap();
        assert_eq!(mode(&path), 0o600);
        let err = write_secret_file(&path, b"other").unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&path).unwrap(), b"s3cret");
    }

    #[test]
    fn bad_key_type_and_uri_are_refused() {
        assert!(parse_key_type("babe").is_err());
        let ks = Keystore::in_memory();
        assert!(ks.add(AURA, "not a valid mnemonic at all").is_err());
    }
}
