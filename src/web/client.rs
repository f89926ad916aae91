//! Who is asking: the client address of a request, behind a trusted proxy
//! or not. Shared by the back office, the statistics and the mailbox.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request};

use crate::config::Config;

/// Works out the client address of a request.
pub fn client_ip(config: &Config, req: &Request) -> String {
    client_ip_of(config, req.headers(), req.extensions())
}

/// Works out the client address from a request's headers and extensions
/// (for extractors, which see the parts only).
pub fn client_ip_of(
    config: &Config,
    headers: &axum::http::HeaderMap,
    extensions: &axum::http::Extensions,
) -> String {
    if config.trust_proxy
        && let Some(last) = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|s| !s.is_empty())
        && last.parse::<std::net::IpAddr>().is_ok()
    {
        return last.to_string();
    }
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".to_string())
}
