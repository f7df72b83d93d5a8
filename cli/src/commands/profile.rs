//! `aitbc profile ...`: execution profiles, what makes a model's output reproducible (pallet
//! `ExecutionProfiles`): list, show, register from a JSON file (a deposit is held), retire (the
//! deposit returns) and prune the declarations of a former miner.
//!
//! A profile's JSON form is the fields of the chain's `ExecutionProfile`: `name`, `model`,
//! `weights_sha256`, `tokenizer_sha256` (hex), `backend`, `dtype`, `decoding` (`"greedy"` or
//! `{"seed": 42, "temperature_milli": 700, "top_p_milli": 1000}`) and `hardware_class`.

use crate::commands::wallet::resolve_account;
use crate::context::Ctx;
use crate::output::{short, table, Report};
use crate::report::TxReport;
use crate::submit::{send_call, wallet_account, SendOpts};
use aitbc_client::{
    amount::{format_amount, format_amount_json},
    keys,
    profiles::{self, ExecutionProfile, ProfileId, ProfileRecord, ProfileRules},
    rpc::RpcClient,
    runtime::AccountId,
};
use anyhow::{bail, Context as _, Result};
use clap::{Args, Subcommand};
use serde_json::{json, Value};
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum ProfileCmd {
    /// Registered execution profiles: id, model, backend, decoding, hardware, miners.
    #[command(after_help = "Example:\n  aitbc profile list")]
    List(ListArgs),
    /// One profile: every field, its owner and deposit, and the miners that run it.
    #[command(
        after_help = "Example:\n  aitbc profile show 0x39c17ceaa7e49fe04a418fb375a550dd9d4ba41a82fba30a6a3f8a6d79ff2a9a"
    )]
    Show(ShowArgs),
    /// Register a profile from a JSON file (a deposit is held until it is retired).
    #[command(
        after_help = "Example:\n  aitbc profile register --file profile.json\n\nprofile.json:\n  {\"name\": \"smollm2-135m-instruct-q4_1-greedy-cpu\", \"model\": \"smollm2\",\n   \"weights_sha256\": \"0x…\", \"tokenizer_sha256\": \"0x…\", \"backend\": \"candle 0.11 cpu\",\n   \"dtype\": \"q4_1\", \"decoding\": \"greedy\", \"hardware_class\": \"x86_64-cpu\"}\n  (decoding may also be {\"seed\": 42, \"temperature_milli\": 700, \"top_p_milli\": 1000};\n  `aitbc --output json profile show ID` prints a registered profile in this form)"
    )]
    Register(RegisterArgs),
    /// Retire a profile this wallet registered, once no miner runs it; the deposit returns.
    #[command(
        after_help = "Example:\n  aitbc profile retire 0x…(the id `aitbc profile register` printed)"
    )]
    Retire(RetireArgs),
    /// Remove every declaration of an account that is no longer an active miner (deregistered
    /// or withdrawn), freeing its places and letting the profiles' owners retire them.
    #[command(
        after_help = "Example:\n  aitbc profile prune 5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"
    )]
    Prune(PruneArgs),
}

impl ProfileCmd {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        match self {
            ProfileCmd::List(a) => a.run(ctx).await,
            ProfileCmd::Show(a) => a.run(ctx).await,
            ProfileCmd::Register(a) => a.run(ctx).await,
            ProfileCmd::Retire(a) => a.run(ctx).await,
            ProfileCmd::Prune(a) => a.run(ctx).await,
        }
    }
}

/// `aitbc profile list`.
#[derive(Args, Debug)]
pub struct ListArgs {
    /// At most this many profiles.
    #[arg(long, default_value_t = 100)]
    pub limit: u32,
}

/// `aitbc profile show`.
#[derive(Args, Debug)]
pub struct ShowArgs {
    /// The profile's id (0x + 64 hex digits).
    #[arg(value_parser = profiles::parse_profile_id)]
    pub id: ProfileId,
}

/// `aitbc profile register`.
#[derive(Args, Debug)]
pub struct RegisterArgs {
    /// A JSON file with the profile's fields.
    #[arg(long)]
    pub file: PathBuf,
}

/// `aitbc profile retire`.
#[derive(Args, Debug)]
pub struct RetireArgs {
    /// The profile's id (0x + 64 hex digits).
    #[arg(value_parser = profiles::parse_profile_id)]
    pub id: ProfileId,
}

/// `aitbc profile prune`.
#[derive(Args, Debug)]
pub struct PruneArgs {
    /// The former miner: an address, or a wallet's name.
    pub miner: String,
}

/// Who registered a profile: an address, or `genesis`.
fn owner_text(r: &ProfileRecord) -> String {
    r.owner
        .as_ref()
        .map_or_else(|| "genesis".to_string(), keys::to_ss58)
}

/// A profile as stable JSON: `id`, the fields of its JSON form, then `owner`, `deposit` and
/// `miners` (the addresses of the miners that declared it).
pub fn profile_json(id: &ProfileId, r: &ProfileRecord, miners: &[AccountId]) -> Value {
    let mut v = json!({ "id": profiles::hex_id(id) });
    if let (Value::Object(o), Value::Object(fields)) =
        (&mut v, profiles::profile_to_json(&r.profile))
    {
        o.extend(fields);
        o.insert("owner".into(), json!(owner_text(r)));
        o.insert("deposit".into(), json!(format_amount_json(r.deposit)));
        o.insert(
            "miners".into(),
            json!(miners.iter().map(keys::to_ss58).collect::<Vec<_>>()),
        );
    }
    v
}

/// The rows of a profile's fields.
pub fn profile_rows(id: &ProfileId, p: &ExecutionProfile) -> Vec<(&'static str, String)> {
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    vec![
        ("id", profiles::hex_id(id)),
        ("name", text(&p.name)),
        ("model", text(&p.model)),
        ("weights_sha256", profiles::hex_id(&p.weights_sha256)),
        ("tokenizer_sha256", profiles::hex_id(&p.tokenizer_sha256)),
        ("backend", text(&p.backend)),
        ("dtype", text(&p.dtype)),
        ("decoding", profiles::decoding_text(&p.decoding)),
        ("hardware_class", text(&p.hardware_class)),
    ]
}

/// A table of profiles: short id, name, model, backend, dtype, decoding, hardware, miners.
pub fn profiles_table(rows: &[(ProfileId, ProfileRecord, usize)]) -> comfy_table::Table {
    let mut t = table(&[
        "id", "name", "model", "backend", "dtype", "decoding", "hardware", "owner", "miners",
    ]);
    for (id, r, miners) in rows {
        let p = &r.profile;
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        t.add_row(vec![
            short(&profiles::hex_id(id)),
            text(&p.name),
            text(&p.model),
            text(&p.backend),
            text(&p.dtype),
            profiles::decoding_text(&p.decoding),
            text(&p.hardware_class),
            short(&owner_text(r)),
            miners.to_string(),
        ]);
    }
    t
}

/// The profile `id`; `not found: profile 0x… (…)` otherwise.
async fn existing(rpc: &RpcClient, id: ProfileId) -> Result<ProfileRecord> {
    Ok(profiles::existing_profile(rpc, id).await?)
}

impl ListArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let rpc = ctx.connect().await?;
        let all = profiles::profiles(&rpc, self.limit as usize).await?;
        let mut rows = Vec::new();
        let mut json_rows = Vec::new();
        for (id, r) in all {
            let miners = profiles::miners_of(&rpc, id).await?;
            json_rows.push(profile_json(&id, &r, &miners));
            rows.push((id, r, miners.len()));
        }
        Ok(Report::list(
            json!(json_rows),
            rows.is_empty(),
            "No execution profiles are registered.",
            profiles_table(&rows),
        ))
    }
}

impl ShowArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let rpc = ctx.connect().await?;
        let r = existing(&rpc, self.id).await?;
        let miners = profiles::miners_of(&rpc, self.id).await?;
        let mut rows = profile_rows(&self.id, &r.profile);
        rows.push(("owner", owner_text(&r)));
        rows.push(("deposit", format_amount(r.deposit)));
        rows.push((
            "miners",
            if miners.is_empty() {
                "none".to_string()
            } else {
                miners
                    .iter()
                    .map(keys::to_ss58)
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        ));
        Ok(Report::record(profile_json(&self.id, &r, &miners), &rows))
    }
}

impl RegisterArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let path = &self.file;
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the profile file {}", path.display()))?;
        let profile = profiles::parse_profile_json(&text)
            .with_context(|| format!("profile file {}", path.display()))?;
        let id = profiles::profile_id(&profile);
        let name = ctx.wallet_name(None)?;
        let rpc = ctx.connect().await?;
        if let Some(r) = profiles::profile(&rpc, id, None).await? {
            bail!(
                "this profile is already registered as {} (owner {}): see it with `aitbc profile show {}`",
                profiles::hex_id(&id),
                owner_text(&r),
                profiles::hex_id(&id)
            );
        }
        let rules = ProfileRules::fetch(&rpc).await?;
        let opts = SendOpts {
            spend: rules.deposit,
            ..Default::default()
        };
        let call = profiles::register_profile(profile);
        let label = format!("Registering profile {}", short(&profiles::hex_id(&id)));
        let (_, tx) = send_call(ctx, &rpc, &name, call, &label, opts).await?;
        let r = existing(&rpc, id).await?;
        Ok(record_with_tx(&id, &r, &[], "registered", &tx))
    }
}

/// A profile's record after a transaction: `result` plus the transaction's report.
fn record_with_tx(
    id: &ProfileId,
    r: &ProfileRecord,
    miners: &[AccountId],
    result: &str,
    tx: &TxReport,
) -> Report {
    let mut v = profile_json(id, r, miners);
    v["result"] = json!(result);
    let mut rows = profile_rows(id, &r.profile);
    rows.push(("owner", owner_text(r)));
    rows.push(("deposit", format_amount(r.deposit)));
    rows.push(("result", result.to_string()));
    Report::record(tx.with_json(v), &tx.with_rows(rows))
}

impl RetireArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let id = self.id;
        let hex = profiles::hex_id(&id);
        let name = ctx.wallet_name(None)?;
        let who = wallet_account(ctx, &name)?;
        let rpc = ctx.connect().await?;
        let r = existing(&rpc, id).await?;
        match &r.owner {
            None => bail!("profile {hex} was registered at genesis: it has no owner and cannot be retired"),
            Some(owner) if owner != &who => bail!(
                "profile {hex} was registered by {}, not by wallet '{name}' ({}): only its owner retires it",
                keys::to_ss58(owner),
                keys::to_ss58(&who)
            ),
            Some(_) => {}
        }
        let miners = profiles::miners_of(&rpc, id).await?;
        if !miners.is_empty() {
            bail!(
                "profile {hex} is still declared by {} miner(s) ({}): it can be retired once they undeclare it (`aitbc miner undeclare-profile {hex}`), or, for one that is no longer an active miner, after `aitbc profile prune ADDRESS`",
                miners.len(),
                miners.iter().map(keys::to_ss58).collect::<Vec<_>>().join(", ")
            );
        }
        let label = format!("Retiring profile {}", short(&hex));
        let (_, tx) = send_call(
            ctx,
            &rpc,
            &name,
            profiles::retire_profile(id),
            &label,
            SendOpts::default(),
        )
        .await?;
        Ok(record_with_tx(&id, &r, &[], "retired", &tx))
    }
}

impl PruneArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let miner = resolve_account(ctx, &self.miner)?;
        let address = keys::to_ss58(&miner);
        let name = ctx.wallet_name(None)?;
        let rpc = ctx.connect().await?;
        let declared = profiles::profiles_of(&rpc, &miner).await?;
        if declared.is_empty() {
            bail!("{address} has declared no execution profile: nothing to prune");
        }
        if let Some(m) = aitbc_client::jobs::miner(&rpc, &miner).await? {
            if m.miner.status == aitbc_client::jobs::MinerStatus::Active {
                bail!(
                    "{address} is still an active miner: only it changes its declarations (`aitbc miner undeclare-profile ID` as that wallet)"
                );
            }
        }
        let (_, tx) = send_call(
            ctx,
            &rpc,
            &name,
            profiles::prune_declarations(miner),
            &format!("Pruning the declarations of {}", short(&address)),
            SendOpts::default(),
        )
        .await?;
        let ids: Vec<String> = declared.iter().map(profiles::hex_id).collect();
        let v = json!({"miner": address, "pruned": ids, "result": "pruned"});
        let rows = vec![
            ("miner", address.clone()),
            ("pruned", ids.join(", ")),
            ("result", "pruned".to_string()),
        ];
        Ok(Report::record(tx.with_json(v), &tx.with_rows(rows)))
    }
}
