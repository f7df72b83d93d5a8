//! The agent-run stream endpoint (`aitbc-worker mine --stream-listen ADDR`): a run's steps as
//! Server-Sent Events while the daemon runs it, to the run's owner only.
//!
//! `GET /agent/runs/{job}/steps?at=MS&sig=0x…`: `at` is the time of asking (Unix
//! milliseconds, within [`AUTH_WINDOW`] of the daemon's clock) and `sig` the run owner's
//! sr25519 signature of [`aitbc_primitives::stream_auth_payload`]`(job, at)`. The owner is read
//! from the chain. Events: `step` (JSON of one step, in order; the steps so far first) and
//! `end`. At most [`MAX_STREAMS`] streams at once; past that 503.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aitbc_client::{jobs, rpc::RpcClient};
use aitbc_primitives::stream_auth_payload;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures::stream::{self, Stream, StreamExt};
use sp_core::{sr25519, Pair as _};
use tokio::sync::Semaphore;

use crate::miner::agent::stream::{StepStreams, StreamEvent};

/// How far from the daemon's clock a request's `at` may be.
pub const AUTH_WINDOW: Duration = Duration::from_secs(120);
/// Most streams served at once.
pub const MAX_STREAMS: usize = 64;

/// The endpoint's state.
pub struct StreamState {
    /// The runs' steps.
    pub streams: Arc<StepStreams>,
    /// The node, for the runs' owners.
    pub rpc: RpcClient,
    /// Open streams.
    pub slots: Arc<Semaphore>,
}

/// The query of a stream request.
#[derive(serde::Deserialize)]
pub struct AuthQuery {
    /// Time of asking, Unix milliseconds.
    pub at: u64,
    /// The owner's signature, 0x-hex of 64 bytes.
    pub sig: String,
}

/// The endpoint's routes.
pub fn router(state: Arc<StreamState>) -> Router {
    Router::new()
        .route("/agent/runs/{job}/steps", get(steps))
        .with_state(state)
}

fn refuse(status: StatusCode, msg: impl Into<String>) -> Response {
    (status, msg.into()).into_response()
}

/// Unix time now, milliseconds.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Whether `sig` (0x-hex) is `owner`'s signature of the stream payload for `job` at `at`.
pub fn signed_by_owner(owner: &[u8; 32], job: u64, at: u64, sig: &str) -> bool {
    let Ok(bytes) = hex::decode(sig.trim_start_matches("0x")) else {
        return false;
    };
    let Ok(raw) = <[u8; 64]>::try_from(bytes.as_slice()) else {
        return false;
    };
    let public = sr25519::Public::from_raw(*owner);
    sr25519::Pair::verify(
        &sr25519::Signature::from_raw(raw),
        stream_auth_payload(job, at),
        &public,
    )
}

async fn steps(
    State(state): State<Arc<StreamState>>,
    Path(job): Path<u64>,
    Query(auth): Query<AuthQuery>,
) -> Response {
    if now_ms().abs_diff(auth.at) > AUTH_WINDOW.as_millis() as u64 {
        return refuse(
            StatusCode::UNAUTHORIZED,
            format!(
                "the request's time ({} ms) is more than {} s from this miner's clock; sign a fresh request",
                auth.at,
                AUTH_WINDOW.as_secs()
            ),
        );
    }
    let owner = match jobs::job(&state.rpc, job).await {
        Ok(Some(j)) => j.owner,
        Ok(None) => return refuse(StatusCode::NOT_FOUND, format!("job #{job} does not exist")),
        Err(e) => {
            return refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("cannot read job #{job} from the node: {e}"),
            )
        }
    };
    let owner_raw: [u8; 32] = *owner.as_ref();
    if !signed_by_owner(&owner_raw, job, auth.at, &auth.sig) {
        return refuse(
            StatusCode::FORBIDDEN,
            format!("the signature is not the owner's of job #{job}: only the run's owner may read its steps"),
        );
    }
    let Ok(permit) = state.slots.clone().try_acquire_owned() else {
        return refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{MAX_STREAMS} streams are open; try again shortly"),
        );
    };
    let Some((past, ended, rx)) = state.streams.subscribe(job) else {
        return refuse(
            StatusCode::NOT_FOUND,
            format!("this miner has no steps of run #{job}: it has not started it here (yet), or it ended long ago"),
        );
    };
    let first = past.len();
    let past_events = stream::iter(past.into_iter().enumerate().map(|(i, s)| {
        Ok::<Event, Infallible>(
            Event::default()
                .event("step")
                .data(aitbc_client::agents::step_json(i, &s).to_string()),
        )
    }));
    let live: std::pin::Pin<Box<dyn Stream<Item = Result<Event, Infallible>> + Send>> = match rx {
        Some(rx) if !ended => Box::pin(stream::unfold(rx, move |mut rx| async move {
            loop {
                match rx.recv().await {
                    Ok(StreamEvent::Step(i, s)) if i >= first => {
                        let e = Event::default()
                            .event("step")
                            .data(aitbc_client::agents::step_json(i, &s).to_string());
                        return Some((Ok(e), rx));
                    }
                    Ok(StreamEvent::Step(..)) => continue,
                    // The run ended, or this subscriber fell behind (more steps than the
                    // channel holds cannot happen: a run has at most 16).
                    Ok(StreamEvent::End) | Err(_) => return None,
                }
            }
        })),
        _ => Box::pin(stream::empty()),
    };
    let end = stream::once(async move {
        drop(permit);
        Ok::<Event, Infallible>(Event::default().event("end").data("{}"))
    });
    Sse::new(past_events.chain(live).chain(end))
        .keep_alive(KeepAlive::default())
        .into_response()
}
