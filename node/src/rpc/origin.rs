//! `--rpc-cors`: which web pages may call the node's RPC.
//!
//! A browser sends the page's `Origin` with every HTTP request and WebSocket handshake. A request
//! from an origin that is not allowed is refused with 403 before it reaches any method, so a web
//! page the user happens to visit cannot drive a local node. Requests without an `Origin` (curl,
//! polkadot.js in Node, subxt, the `aitbc` CLI) are not affected. As in Substrate, the default
//! allows pages served from the local machine and polkadot.js apps.

use std::{
    sync::Arc,
    task::{Context, Poll},
};

use futures::future::{self, Either, Ready};
use jsonrpsee::server::{HttpBody, HttpRequest, HttpResponse};

/// Which origins may call the RPC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AllowedOrigins {
    /// Every origin (`--rpc-cors all`).
    Any,
    /// These origins (scheme://host[:port]) exactly.
    List(Vec<String>),
}

impl AllowedOrigins {
    /// Substrate's default: pages on this machine, and polkadot.js apps.
    pub fn local() -> Self {
        Self::List(
            [
                "http://localhost:*",
                "http://127.0.0.1:*",
                "https://localhost:*",
                "https://127.0.0.1:*",
                "https://polkadot.js.org",
            ]
            .into_iter()
            .map(String::from)
            .collect(),
        )
    }

    /// Parse `--rpc-cors`: `all`, or a comma-separated list of origins (`http://localhost:*`
    /// allows any port).
    pub fn parse(value: &str) -> Result<Self, String> {
        if value.trim() == "all" {
            return Ok(Self::Any);
        }
        let mut list = Vec::new();
        for origin in value.split(',').map(str::trim).filter(|o| !o.is_empty()) {
            if !(origin.starts_with("http://") || origin.starts_with("https://")) {
                return Err(format!(
                    "origin `{origin}` must start with http:// or https:// (or give `all`)"
                ));
            }
            list.push(origin.trim_end_matches('/').to_string());
        }
        if list.is_empty() {
            return Err("give `all` or at least one origin, e.g. http://localhost:*".into());
        }
        Ok(Self::List(list))
    }

    /// Whether a request from `origin` is allowed.
    pub fn allows(&self, origin: &str) -> bool {
        match self {
            Self::Any => true,
            Self::List(list) => list.iter().any(|allowed| origin_matches(allowed, origin)),
        }
    }
}

/// `allowed` is an origin, or one ending in `:*` (any port, or none).
fn origin_matches(allowed: &str, origin: &str) -> bool {
    match allowed.strip_suffix(":*") {
        Some(base) => {
            origin == base
                || origin
                    .strip_prefix(base)
                    .and_then(|rest| rest.strip_prefix(':'))
                    .is_some_and(|port| {
                        !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit())
                    })
        }
        None => origin == allowed,
    }
}

/// The tower layer that refuses requests from origins that are not allowed.
#[derive(Clone)]
pub struct OriginLayer {
    allowed: Arc<AllowedOrigins>,
}

impl OriginLayer {
    pub fn new(allowed: AllowedOrigins) -> Self {
        Self {
            allowed: Arc::new(allowed),
        }
    }
}

impl<S> tower::Layer<S> for OriginLayer {
    type Service = OriginCheck<S>;

    fn layer(&self, inner: S) -> Self::Service {
        OriginCheck {
            inner,
            allowed: self.allowed.clone(),
        }
    }
}

/// See [`OriginLayer`].
#[derive(Clone)]
pub struct OriginCheck<S> {
    inner: S,
    allowed: Arc<AllowedOrigins>,
}

impl<S, E> tower::Service<HttpRequest> for OriginCheck<S>
where
    S: tower::Service<HttpRequest, Response = HttpResponse, Error = E>,
{
    type Response = HttpResponse;
    type Error = E;
    type Future = Either<S::Future, Ready<Result<HttpResponse, E>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: HttpRequest) -> Self::Future {
        let origin = req
            .headers()
            .get(http::header::ORIGIN)
            .map(|o| o.to_str().unwrap_or("<not text>").to_string());
        match origin {
            Some(origin) if !self.allowed.allows(&origin) => {
                Either::Right(future::ready(Ok(forbidden(&origin))))
            }
            _ => Either::Left(self.inner.call(req)),
        }
    }
}

fn forbidden(origin: &str) -> HttpResponse {
    let body = format!(
        "origin `{origin}` may not call this node's RPC: start the node with \
         --rpc-cors {origin} (or --rpc-cors all)\n"
    );
    let mut response = HttpResponse::new(HttpBody::from(body));
    *response.status_mut() = http::StatusCode::FORBIDDEN;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_pages_are_allowed_by_default() {
        let o = AllowedOrigins::local();
        assert!(o.allows("http://localhost:3000"));
        assert!(o.allows("http://127.0.0.1"));
        assert!(o.allows("https://polkadot.js.org"));
        assert!(!o.allows("https://evil.example"));
        assert!(!o.allows("http://localhost.evil.example"));
        assert!(!o.allows("http://localhost:3000.evil.example"));
        assert!(!o.allows("null"));
    }

    #[test]
    fn rpc_cors_is_parsed() {
        assert_eq!(AllowedOrigins::parse("all"), Ok(AllowedOrigins::Any));
        let o = AllowedOrigins::parse("https://app.example, http://localhost:*").unwrap();
        assert!(o.allows("https://app.example"));
        assert!(o.allows("http://localhost:8080"));
        assert!(!o.allows("https://other.example"));
        assert!(AllowedOrigins::parse("app.example").is_err());
        assert!(AllowedOrigins::parse(" , ").is_err());
    }
}
