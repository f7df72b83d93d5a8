//! The `build-spec`, `purge-chain` and `key` subcommands.

use std::io::Write;

use anyhow::{anyhow, bail, Context};
use serde_json::json;
use sp_core::{
    crypto::{AccountId32, Ss58Codec},
    ed25519, sr25519, Pair,
};

use crate::{
    chain_spec::ChainSpec,
    cli::{BuildSpecCmd, KeyCmd, OutputType, PurgeChainCmd, Scheme},
    keystore::{parse_key_type, Keystore},
    service::chain_dir,
};

pub fn build_spec(cmd: &BuildSpecCmd) -> anyhow::Result<()> {
    let chain = cmd.shared.chain_id();
    let live = aitbc_runtime::genesis::preset_info(&chain).is_some_and(|p| p.is_live());
    let spec = if live || !cmd.authority.is_empty() || cmd.sudo.is_some() || !cmd.endow.is_empty() {
        let authorities = cmd
            .authority
            .iter()
            .map(|a| crate::chain_spec::parse_authority(a))
            .collect::<anyhow::Result<Vec<_>>>()?;
        if live && authorities.is_empty() {
            bail!(
                "`{chain}` is a live chain and ships no keys: give its authorities with --authority <AURA>:<GRANDPA> (one per validator) and its admin with --sudo <SS58>, keys you generated with `aitbc-node key generate` (Aura, sr25519) and `aitbc-node key generate --scheme ed25519` (GRANDPA)"
            );
        }
        let sudo = match &cmd.sudo {
            Some(s) => crate::chain_spec::parse_account(s, "--sudo")?,
            None if live => bail!(
                "`{chain}` needs its sudo (admin) account: add --sudo <SS58> with an account you generated (aitbc-node key generate)"
            ),
            None => AccountId32::new([0; 32]),
        };
        let endowed = cmd
            .endow
            .iter()
            .map(|a| crate::chain_spec::parse_account(a, "--endow"))
            .collect::<anyhow::Result<Vec<_>>>()?;
        ChainSpec::live(
            &chain,
            &aitbc_runtime::genesis::LiveKeys {
                authorities,
                sudo,
                endowed,
            },
        )?
    } else {
        ChainSpec::load(&chain)?
    };
    let spec = if cmd.raw { spec.to_raw()? } else { spec };
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &spec)?;
    writeln!(out)?;
    Ok(())
}

pub fn purge_chain(cmd: &PurgeChainCmd) -> anyhow::Result<()> {
    let spec = ChainSpec::load(&cmd.shared.chain_id())?;
    let base = cmd
        .shared
        .base_path
        .clone()
        .unwrap_or_else(crate::service::default_base_path);
    let db = chain_dir(&base, &spec.id).join("db");
    if !db.exists() {
        println!("{} does not exist; nothing to purge", db.display());
        return Ok(());
    }
    if !cmd.yes {
        print!(
            "Delete the database of chain `{}` at {}? [y/N]: ",
            spec.id,
            db.display()
        );
        std::io::stdout().flush()?;
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            println!("Aborted");
            return Ok(());
        }
    }
    std::fs::remove_dir_all(&db).with_context(|| format!("cannot delete {}", db.display()))?;
    println!("{} removed", db.display());
    Ok(())
}

fn describe<P: Pair>(
    pair: &P,
    scheme: &str,
    secret: Option<&str>,
    output: OutputType,
) -> anyhow::Result<()>
where
    P::Public: Ss58Codec + AsRef<[u8]>,
{
    let public = pair.public();
    let public_hex = format!("0x{}", hex::encode(public.as_ref()));
    let ss58 = public.to_ss58check_with_version(aitbc_runtime::SS58_PREFIX.into());
    match output {
        OutputType::Json => {
            let v = json!({
                "secretPhrase": secret,
                "publicKey": public_hex,
                "accountId": public_hex,
                "ss58Address": ss58,
                "scheme": scheme,
            });
            println!("{}", serde_json::to_string_pretty(&v)?);
        }
        OutputType::Text => {
            if let Some(s) = secret {
                println!("Secret phrase:       {s}");
            }
            println!(
                "  Network ID:        substrate (SS58 prefix {})",
                aitbc_runtime::SS58_PREFIX
            );
            println!("  Crypto scheme:     {scheme}");
            println!("  Public key (hex):  {public_hex}");
            println!("  Account ID:        {public_hex}");
            println!("  SS58 Address:      {ss58}");
        }
    }
    Ok(())
}

pub fn key(cmd: &KeyCmd) -> anyhow::Result<()> {
    match cmd {
        KeyCmd::Generate {
            scheme,
            words,
            output_type,
        } => {
            let count = match words {
                12 | 15 | 18 | 21 | 24 => *words,
                other => bail!("--words must be 12, 15, 18, 21 or 24, not {other}"),
            };
            let mnemonic = bip39::Mnemonic::generate(count)
                .map_err(|e| anyhow!("cannot generate mnemonic: {e}"))?;
            let phrase = mnemonic.to_string();
            match scheme {
                Scheme::Sr25519 => {
                    let pair = sr25519::Pair::from_phrase(&phrase, None)
                        .map_err(|e| anyhow!("{e:?}"))?
                        .0;
                    describe(&pair, "Sr25519", Some(&phrase), *output_type)
                }
                Scheme::Ed25519 => {
                    let pair = ed25519::Pair::from_phrase(&phrase, None)
                        .map_err(|e| anyhow!("{e:?}"))?
                        .0;
                    describe(&pair, "Ed25519", Some(&phrase), *output_type)
                }
            }
        }
        KeyCmd::Inspect {
            uri,
            scheme,
            output_type,
        } => match scheme {
            Scheme::Sr25519 => {
                let pair = sr25519::Pair::from_string(uri, None)
                    .map_err(|e| anyhow!("invalid secret URI `{uri}`: {e:?}"))?;
                describe(&pair, "Sr25519", None, *output_type)
            }
            Scheme::Ed25519 => {
                let pair = ed25519::Pair::from_string(uri, None)
                    .map_err(|e| anyhow!("invalid secret URI `{uri}`: {e:?}"))?;
                describe(&pair, "Ed25519", None, *output_type)
            }
        },
        KeyCmd::GenerateNodeKey { file } => {
            let key = crate::network::generate_node_key(file)?;
            eprintln!("Node key written to {}", file.display());
            println!("{}", key.public().to_peer_id());
            Ok(())
        }
        KeyCmd::InspectNodeKey { file } => {
            let key = crate::network::read_node_key(file)?;
            println!("{}", key.public().to_peer_id());
            Ok(())
        }
        KeyCmd::Insert(cmd) => {
            let (shared, key_type) = (&cmd.shared, &cmd.key_type);
            let kt = parse_key_type(key_type)?;
            let suri = cmd.secret()?;
            let spec = ChainSpec::load(&shared.chain_id())?;
            let base = shared
                .base_path
                .clone()
                .unwrap_or_else(crate::service::default_base_path);
            let ks = Keystore::open(&chain_dir(&base, &spec.id).join("keystore"))?;
            let path = ks.insert(kt, &suri)?;
            println!("Inserted {key_type} key into {}", path.display());
            Ok(())
        }
    }
}
