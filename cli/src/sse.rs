//! Reading Server-Sent Events from a miner (agent-run steps, self-optimization runs): each
//! `data:` line with the `event:` name before it, lines bounded, the wait bounded.

use anyhow::{bail, Context as _, Result};
use bytes::Bytes;
use futures::{Stream, StreamExt};
use std::time::Instant;

/// Most bytes of one event line.
pub const MAX_LINE: usize = 256 * 1024;

/// Events from a response body.
pub struct SseReader<S> {
    body: S,
    buf: Vec<u8>,
    event: String,
    deadline: Instant,
}

impl<S, E> SseReader<S>
where
    S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
    E: std::error::Error + Send + Sync + 'static,
{
    /// Read `body` until `deadline`.
    pub fn new(body: S, deadline: Instant) -> Self {
        Self {
            body,
            buf: Vec::new(),
            event: String::new(),
            deadline,
        }
    }

    /// The next event's name and data, `None` when the body ends.
    pub async fn next(&mut self) -> Result<Option<(String, String)>> {
        loop {
            while let Some(nl) = self.buf.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=nl).collect();
                let line = String::from_utf8_lossy(&line).trim_end().to_string();
                if let Some(name) = line.strip_prefix("event:") {
                    self.event = name.trim().to_string();
                } else if let Some(data) = line.strip_prefix("data:") {
                    return Ok(Some((self.event.clone(), data.trim().to_string())));
                }
            }
            if self.buf.len() > MAX_LINE {
                bail!("the miner sent an event line over {MAX_LINE} bytes");
            }
            let wait = self.deadline.saturating_duration_since(Instant::now());
            let chunk = tokio::time::timeout(wait, self.body.next())
                .await
                .context("timed out waiting for the miner")?;
            match chunk {
                Some(c) => self
                    .buf
                    .extend_from_slice(&c.context("the miner's stream broke off")?),
                None => return Ok(None),
            }
        }
    }
}
