//! `aitbc client submit --batch-file jobs.jsonl [--parallel N]`: one job per line, signed with
//! consecutive nonces and sent with up to N transactions in flight, then a summary table.
//!
//! Every line is checked before anything is signed; a bad line is reported with its number and
//! the others are still sent. Each transaction is signed once and never sent twice (a network
//! failure is recovered by looking for it in the node's pool and chain first, see
//! `aitbc_client::tx::submit_and_watch`). A transaction the pool refuses leaves its nonce
//! unused: the next line to be signed takes it, so later transactions are not stuck behind it.

use crate::commands::job_submit::{job_to_send, JobToSend, JobTypeArg, SubmitArgs};
use crate::context::Ctx;
use crate::names;
use crate::output::{progress_bar, table, Report};
use crate::submit::wallet_account;
use aitbc_client::{
    amount::{format_amount, format_amount_json},
    autopay::{suggest_payment, PaymentSuggestion},
    jobs,
    runtime::{AccountId, Balance, Nonce},
    state,
    tx::{self, TxOptions, WaitFor},
    Error as ClientError,
};
use anyhow::{bail, Context as _, Result};
use futures::stream::{self, StreamExt};
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::Duration;

/// A line's `"payment"`, in AIT (greater than zero).
fn line_payment(p: &str) -> std::result::Result<Balance, String> {
    crate::parse::positive_amount(p).map_err(|e| e.to_string())
}

/// Keys a batch line may have.
const LINE_KEYS: [&str; 5] = ["prompt", "model", "payment", "ttl", "options"];

/// The submission for one line: `base` with the line as `--data` and its own model, payment
/// and TTL. `Err` says what is wrong with the line.
pub fn parse_line(line: &str, base: &SubmitArgs) -> std::result::Result<SubmitArgs, String> {
    let v: Value = serde_json::from_str(line).map_err(|e| format!("not valid JSON ({e})"))?;
    let Some(obj) = v.as_object() else {
        return Err("not a JSON object (expected {\"prompt\": \"...\"})".into());
    };
    if let Some(k) = obj.keys().find(|k| !LINE_KEYS.contains(&k.as_str())) {
        return Err(format!(
            "unknown key {k:?} (a line may have: {})",
            LINE_KEYS.join(", ")
        ));
    }
    if !obj.get("prompt").is_some_and(Value::is_string) {
        return Err("no \"prompt\" string".into());
    }
    let mut a = base.clone();
    a.batch_file = None;
    a.prompt = None;
    a.data = Some(line.to_string());
    match obj.get("model") {
        None => {}
        Some(Value::String(m)) => a.model = Some(m.clone()),
        Some(other) => return Err(format!("\"model\" must be a string, not {other}")),
    }
    match obj.get("payment") {
        None => {}
        Some(Value::String(p)) => a.payment = Some(line_payment(p)?),
        Some(Value::Number(n)) => a.payment = Some(line_payment(&n.to_string())?),
        Some(other) => return Err(format!("\"payment\" must be an amount in AIT, not {other}")),
    }
    if a.payment.is_some() {
        a.auto_pay = false;
    }
    match obj.get("ttl") {
        None => {}
        Some(v) => match v.as_u64() {
            Some(t) => a.ttl = t,
            None => return Err(format!("\"ttl\" must be a number of seconds, not {v}")),
        },
    }
    if a.model.is_none() {
        return Err("no \"model\" in the line and no --model".into());
    }
    Ok(a)
}

/// Nonces for transactions in flight: consecutive from the account's next one, except that a
/// nonce given back (its transaction was refused by the pool) is taken again first.
struct Nonces {
    inner: Mutex<(Nonce, BTreeSet<Nonce>)>,
}

impl Nonces {
    fn new(next: Nonce) -> Self {
        Nonces {
            inner: Mutex::new((next, BTreeSet::new())),
        }
    }

    fn take(&self) -> Nonce {
        let mut g = match self.inner.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        if let Some(n) = g.1.pop_first() {
            return n;
        }
        let n = g.0;
        g.0 = g.0.saturating_add(1);
        n
    }

    fn give_back(&self, n: Nonce) {
        let mut g = match self.inner.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        g.1.insert(n);
    }
}

/// What happened to one line.
enum Outcome {
    /// Not sent: the line is wrong (or its check failed).
    Bad(String),
    /// Sent; the job exists.
    Submitted {
        job_id: u64,
        tx_hash: String,
        status: String,
    },
    /// Signed and sent, but it failed.
    Failed(String),
}

struct Row {
    line: usize,
    model: String,
    budget: Balance,
    outcome: Outcome,
}

/// Whether a failed send left its nonce unused (the pool refused it, or dropped it).
fn nonce_unused(e: &ClientError) -> bool {
    matches!(
        e,
        ClientError::InvalidTransaction(_) | ClientError::TxDropped { .. }
    )
}

async fn send_one(
    rpc: &aitbc_client::rpc::RpcClient,
    from: &AccountId,
    pair: &aitbc_client::keys::Pair,
    job: &JobToSend,
    nonce: Nonce,
) -> std::result::Result<tx::TxOutcome, ClientError> {
    let opts = TxOptions {
        nonce: Some(nonce),
        ..Default::default()
    };
    let utx = tx::prepare(rpc, from, job.call.clone(), &opts).await?;
    let stx = utx.sign(pair)?;
    tx::submit_and_watch(
        rpc,
        &stx,
        WaitFor::InBlock,
        Duration::from_secs(120),
        |_| {},
    )
    .await?
    .into_result()
}

/// Auto-pay suggestions already asked for, by job type and model (one question per model, not
/// per line).
type Prices = HashMap<(JobTypeArg, String), std::result::Result<PaymentSuggestion, String>>;

/// Checks a line's submission; with auto-pay, escrows the (cached) suggestion for its model.
async fn check_line(
    rpc: &aitbc_client::rpc::RpcClient,
    mut args: SubmitArgs,
    prices: &mut Prices,
) -> std::result::Result<JobToSend, String> {
    let mut suggestion = None;
    if let (true, None, Some(model)) = (args.auto_pay, &args.payment, args.model.clone()) {
        let key = (args.job_type, model.clone());
        if !prices.contains_key(&key) {
            let s = suggest_payment(rpc, args.job_type.into(), &model)
                .await
                .map_err(|e| e.to_string());
            prices.insert(key.clone(), s);
        }
        let s = match prices.get(&key) {
            Some(Ok(s)) => s.clone(),
            Some(Err(e)) => return Err(e.clone()),
            None => return Err("no price suggestion".into()),
        };
        args.payment = Some(s.payment);
        args.auto_pay = false;
        suggestion = Some(s);
    }
    let mut job = job_to_send(&args, Some(rpc))
        .await
        .map_err(|e| format!("{e:#}"))?;
    if suggestion.is_some() {
        job.auto_pay = suggestion;
    }
    Ok(job)
}

/// Submits every line of `a.batch_file`; the summary is the report (printed before the error
/// when some lines were not submitted).
pub async fn run(ctx: &Ctx, a: SubmitArgs) -> Result<Report> {
    let Some(path) = a.batch_file.clone() else {
        bail!("no --batch-file");
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read the batch file {}", path.display()))?;
    let parsed: Vec<(usize, std::result::Result<SubmitArgs, String>)> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i + 1, parse_line(l.trim(), &a)))
        .collect();
    if parsed.is_empty() {
        bail!(
            "the batch file {} has no jobs (one JSON object per line)",
            path.display()
        );
    }
    let name = ctx.wallet_name(None)?;
    let from = wallet_account(ctx, &name)?;
    let rpc = ctx.connect().await?;

    // Check every line (and ask for auto-pay prices) before signing anything.
    let mut rows: Vec<Row> = Vec::new();
    let mut to_send: Vec<(usize, JobToSend)> = Vec::new();
    let mut prices = Prices::new();
    for (line, p) in parsed {
        let model = p
            .as_ref()
            .ok()
            .and_then(|s| s.model.clone())
            .unwrap_or_default();
        let checked = match p {
            Ok(args) => check_line(&rpc, args, &mut prices).await,
            Err(e) => Err(e),
        };
        match checked {
            Ok(job) => to_send.push((line, job)),
            Err(e) => rows.push(Row {
                line,
                model,
                budget: 0,
                outcome: Outcome::Bad(format!("line {line}: {e}")),
            }),
        }
    }

    if !to_send.is_empty() {
        // Everything escrowed plus every fee must be there before the first signature.
        let first = tx::prepare(
            &rpc,
            &from,
            to_send[0].1.call.clone(),
            &TxOptions::default(),
        )
        .await?;
        let fee = tx::estimate_fee(&rpc, &first.unsigned_for_fee()).await?;
        let budgets: Balance = to_send.iter().map(|(_, j)| j.budget).sum();
        let needed = budgets.saturating_add(fee.saturating_mul(to_send.len() as Balance));
        let bal = state::balance(&rpc, &from, None).await?;
        if needed > bal.transferable {
            bail!(
                "insufficient balance: {} needed ({} escrowed by {} jobs + about {} of fees), {} available to spend; nothing was sent",
                format_amount(needed),
                format_amount(budgets),
                to_send.len(),
                format_amount(fee.saturating_mul(to_send.len() as Balance)),
                format_amount(bal.transferable)
            );
        }
        let pair = ctx.unlock(&name)?;
        let nonces = Nonces::new(rpc.account_next_index(&from).await?);
        let pb = progress_bar(ctx.output, to_send.len() as u64, "Submitting jobs");
        let parallel = a.parallel.max(1) as usize;
        let sent: Vec<(
            usize,
            JobToSend,
            std::result::Result<tx::TxOutcome, ClientError>,
        )> = stream::iter(to_send)
            .map(|(line, job)| {
                // The nonce is taken when the future starts, in line order.
                let nonce = nonces.take();
                let (rpc, from, pair, pb, nonces) = (&rpc, &from, &pair, &pb, &nonces);
                async move {
                    let res = send_one(rpc, from, pair, &job, nonce).await;
                    if let Err(e) = &res {
                        if nonce_unused(e) {
                            nonces.give_back(nonce);
                        }
                    }
                    pb.inc(1);
                    (line, job, res)
                }
            })
            .buffer_unordered(parallel)
            .collect()
            .await;
        pb.finish_and_clear();
        for (line, job, res) in sent {
            let outcome = match res {
                Ok(o) => match jobs::submitted_job_id(&o) {
                    Some(id) => {
                        let status = match jobs::job(&rpc, id).await? {
                            Some(j) => names::job_status_name(j.status).to_string(),
                            None => "unknown".to_string(),
                        };
                        Outcome::Submitted {
                            job_id: id,
                            tx_hash: format!("{:?}", o.tx_hash),
                            status,
                        }
                    }
                    None => Outcome::Failed("the transaction emitted no JobSubmitted event".into()),
                },
                Err(e) => Outcome::Failed(e.to_string()),
            };
            rows.push(Row {
                line,
                model: job.model,
                budget: job.budget,
                outcome,
            });
        }
    }
    rows.sort_by_key(|r| r.line);
    let report = summary(&rows);
    let failed: Vec<String> = rows
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Bad(e) => Some(e.clone()),
            Outcome::Failed(e) => Some(format!("line {}: {e}", r.line)),
            Outcome::Submitted { .. } => None,
        })
        .collect();
    if !failed.is_empty() {
        report.print(ctx.output);
        bail!(
            "{} of {} lines were not submitted: {}",
            failed.len(),
            rows.len(),
            failed.join("; ")
        );
    }
    Ok(report)
}

fn summary(rows: &[Row]) -> Report {
    let v: Vec<Value> = rows
        .iter()
        .map(|r| {
            let mut v = json!({
                "line": r.line,
                "model": r.model,
                "payment": format_amount_json(r.budget),
            });
            match &r.outcome {
                Outcome::Submitted {
                    job_id,
                    tx_hash,
                    status,
                } => {
                    v["job_id"] = json!(job_id);
                    v["status"] = json!(status);
                    v["tx_hash"] = json!(tx_hash);
                }
                Outcome::Bad(e) | Outcome::Failed(e) => {
                    v["job_id"] = Value::Null;
                    v["status"] = json!("not submitted");
                    v["error"] = json!(e);
                }
            }
            v
        })
        .collect();
    let mut t = table(&["line", "job_id", "status", "model", "payment", "tx / error"]);
    for r in rows {
        let (id, status, detail) = match &r.outcome {
            Outcome::Submitted {
                job_id,
                tx_hash,
                status,
            } => {
                let s = if status == "unfunded" {
                    format!("unfunded (fund it: aitbc client pay {job_id} --amount AIT)")
                } else {
                    status.clone()
                };
                (job_id.to_string(), s, crate::output::short(tx_hash))
            }
            Outcome::Bad(e) | Outcome::Failed(e) => {
                (String::new(), "not submitted".to_string(), e.clone())
            }
        };
        t.add_row(vec![
            r.line.to_string(),
            id,
            status,
            r.model.clone(),
            format_amount(r.budget),
            detail,
        ]);
    }
    Report::new(json!(v)).table(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use crate::commands::client::ClientCmd;
    use aitbc_client::runtime::AIT;
    use clap::Parser;

    fn base(extra: &[&str]) -> SubmitArgs {
        let mut args = vec!["aitbc", "client", "submit", "--batch-file", "f.jsonl"];
        args.extend_from_slice(extra);
        match Cli::try_parse_from(args).unwrap().command {
            Command::Client(ClientCmd::Submit(a)) => *a,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn lines_override_the_defaults() {
        let b = base(&["--model", "smollm2", "--payment", "1"]);
        let a = parse_line(r#"{"prompt":"hi"}"#, &b).unwrap();
        assert_eq!(a.model.as_deref(), Some("smollm2"));
        assert_eq!(a.payment, Some(AIT));
        assert_eq!(a.data.as_deref(), Some(r#"{"prompt":"hi"}"#));
        let a = parse_line(
            r#"{"prompt":"hi","model":"llama3","payment":2.5,"ttl":900}"#,
            &b,
        )
        .unwrap();
        assert_eq!(a.model.as_deref(), Some("llama3"));
        assert_eq!(a.payment, Some(5 * AIT / 2));
        assert_eq!(a.ttl, 900);
        assert!(a.batch_file.is_none());
    }

    #[test]
    fn bad_lines_say_why() {
        let b = base(&[]);
        let e = |l: &str| parse_line(l, &b).unwrap_err();
        assert!(e("{not json").contains("not valid JSON"));
        assert!(e("[1]").contains("not a JSON object"));
        assert!(e(r#"{"prompt":"x","modle":"m"}"#).contains("unknown key \"modle\""));
        assert!(e(r#"{"text":"x"}"#).contains("unknown key"));
        assert!(e(r#"{"model":"m"}"#).contains("no \"prompt\""));
        assert!(e(r#"{"prompt":"x"}"#).contains("no \"model\""));
        assert!(e(r#"{"prompt":"x","model":"m","payment":[1]}"#).contains("payment"));
        assert!(e(r#"{"prompt":"x","model":"m","ttl":"soon"}"#).contains("ttl"));
    }

    #[test]
    fn a_refused_nonce_is_reused_first() {
        let n = Nonces::new(5);
        assert_eq!((n.take(), n.take(), n.take()), (5, 6, 7));
        n.give_back(6);
        assert_eq!(n.take(), 6);
        assert_eq!(n.take(), 8);
    }
}
