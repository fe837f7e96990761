//! Who may read the dashboards (`shequn serve` and the live service's): the same door for both.
//!
//! - **Host allow-list**: a request must name this server by a loopback name (`localhost`,
//!   `*.localhost`), an IP literal, or a name the operator allowed. A web page on another name
//!   that rebinds its DNS to 127.0.0.1 (DNS rebinding) is refused, so it cannot read messages.
//! - **Origin**: a request a browser sends from another origin is refused.
//! - **Token**: `Authorization: Bearer T`, or the `shequn_token` cookie a browser gets by posting
//!   the token to `/login` (never in the URL, where it lands in history and logs); compared in
//!   constant time.

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

/// The cookie a browser keeps the token in after `/login`.
pub const TOKEN_COOKIE: &str = "shequn_token";

/// The door of a dashboard: its token and the host names it answers to.
#[derive(Clone, Debug, Default)]
pub struct Access {
    pub token: Option<String>,
    /// Host names besides loopback names and IP literals (`--allow-host`, `[server] allow_hosts`).
    pub hosts: Vec<String>,
}

/// Why a request was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The `Host` is not one this server answers to.
    Host,
    /// A browser sent it from another origin.
    Origin,
    /// No token, or the wrong one.
    Token,
}

impl Refusal {
    pub fn response(&self) -> Response {
        match self {
            Refusal::Host => (
                StatusCode::MISDIRECTED_REQUEST,
                "this server answers to localhost and IP addresses only / 仅响应 localhost 与 IP 地址; allow a host name with --allow-host\n",
            )
                .into_response(),
            Refusal::Origin => {
                (StatusCode::FORBIDDEN, "cross-origin request refused / 拒绝跨站请求\n").into_response()
            }
            Refusal::Token => (
                StatusCode::UNAUTHORIZED,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                LOGIN_PAGE,
            )
                .into_response(),
        }
    }
}

const LOGIN_PAGE: &str = "<!doctype html><meta charset=utf-8><title>shequn</title>\
<p>access token required / 需要访问令牌 (API: <code>Authorization: Bearer T</code>)</p>\
<form method=post action=/login><input type=password name=token autofocus> <button>open / 打开</button></form>\n";

/// Constant-time equality of two secrets (lengths may leak, contents do not).
pub fn same_secret(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// The host part of a `Host` header value (`[::1]:8080` → `::1`, `a.b:80` → `a.b`).
fn host_name(value: &str) -> &str {
    if let Some(rest) = value.strip_prefix('[') {
        return rest.split(']').next().unwrap_or("");
    }
    value.rsplit_once(':').filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit())).map_or(value, |(h, _)| h)
}

impl Access {
    pub fn new(token: Option<String>, hosts: Vec<String>) -> Access {
        Access { token: token.filter(|t| !t.is_empty()), hosts }
    }

    fn host_allowed(&self, host: &str) -> bool {
        let name = host_name(host).trim_end_matches('.').to_ascii_lowercase();
        name == "localhost"
            || name.ends_with(".localhost")
            || name.parse::<std::net::IpAddr>().is_ok()
            || self.hosts.iter().any(|h| h.eq_ignore_ascii_case(&name))
    }

    /// Checks Host, Origin and the token; Ok when the request may read.
    pub fn check(&self, headers: &HeaderMap) -> Result<(), Refusal> {
        // Browsers always send Host (rebinding needs a browser); a client without one is not a page.
        let host = headers.get(header::HOST).map(|v| v.to_str().unwrap_or("\u{0}")).unwrap_or("localhost");
        if !self.host_allowed(host) {
            return Err(Refusal::Host);
        }
        if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
            let origin_host = origin.split_once("://").map_or(origin, |(_, h)| h);
            if origin != "null" && !origin_host.eq_ignore_ascii_case(host) {
                return Err(Refusal::Origin);
            }
        }
        match &self.token {
            None => Ok(()),
            Some(t) if self.presented(headers).is_some_and(|p| same_secret(p.as_bytes(), t.as_bytes())) => Ok(()),
            Some(_) => Err(Refusal::Token),
        }
    }

    /// The token a request presents: the bearer header, else the cookie.
    fn presented<'h>(&self, headers: &'h HeaderMap) -> Option<&'h str> {
        let bearer =
            headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
        bearer.or_else(|| {
            headers
                .get_all(header::COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(';'))
                .filter_map(|kv| kv.trim().split_once('='))
                .find(|(k, _)| *k == TOKEN_COOKIE)
                .map(|(_, v)| v)
        })
    }

    /// `POST /login` with a form body `token=…`: sets the cookie and goes to `/`, or refuses.
    pub fn login(&self, headers: &HeaderMap, body: &[u8]) -> Response {
        let host = headers.get(header::HOST).map(|v| v.to_str().unwrap_or("\u{0}")).unwrap_or("localhost");
        if !self.host_allowed(host) {
            return Refusal::Host.response();
        }
        if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
            let origin_host = origin.split_once("://").map_or(origin, |(_, h)| h);
            if !origin_host.eq_ignore_ascii_case(host) {
                return Refusal::Origin.response();
            }
        }
        let given: Option<String> = serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
            .ok()
            .and_then(|kv| kv.into_iter().find(|(k, _)| k == "token").map(|(_, v)| v));
        match (&self.token, given) {
            (Some(t), Some(g)) if same_secret(g.as_bytes(), t.as_bytes()) => {
                // The cookie value must not break the header: only visible ASCII without `;`.
                if !g.bytes().all(|b| b.is_ascii_graphic() && b != b';' && b != b',') {
                    return (StatusCode::BAD_REQUEST, "use a token of letters, digits and punctuation (no ; or ,)\n")
                        .into_response();
                }
                let cookie = format!("{TOKEN_COOKIE}={g}; HttpOnly; SameSite=Strict; Path=/");
                (StatusCode::SEE_OTHER, [(header::SET_COOKIE, cookie), (header::LOCATION, "/".to_string())], "")
                    .into_response()
            }
            (None, _) => (StatusCode::SEE_OTHER, [(header::LOCATION, "/")], "").into_response(),
            _ => Refusal::Token.response(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn only_loopback_names_ip_literals_and_allowed_hosts() {
        let a = Access::new(None, vec!["team.example".into()]);
        for ok in ["localhost:8080", "127.0.0.1:8080", "[::1]:8080", "app.localhost", "192.168.1.5", "team.example:80"]
        {
            assert_eq!(a.check(&headers(&[("host", ok)])), Ok(()), "{ok}");
        }
        assert_eq!(a.check(&HeaderMap::new()), Ok(()), "no Host: not a browser");
        for bad in ["evil.example:8080", "localhost.evil.example", "", "127.0.0.1.nip.io"] {
            assert_eq!(a.check(&headers(&[("host", bad)])), Err(Refusal::Host), "{bad}");
        }
        let cross = headers(&[("host", "localhost:8080"), ("origin", "http://evil.example")]);
        assert_eq!(a.check(&cross), Err(Refusal::Origin));
        let same = headers(&[("host", "localhost:8080"), ("origin", "http://localhost:8080")]);
        assert_eq!(a.check(&same), Ok(()));
    }

    #[test]
    fn the_token_comes_by_header_or_cookie_never_by_url() {
        let a = Access::new(Some("s3cret".into()), Vec::new());
        let host = ("host", "localhost");
        assert_eq!(a.check(&headers(&[host])), Err(Refusal::Token));
        assert_eq!(a.check(&headers(&[host, ("authorization", "Bearer s3cret")])), Ok(()));
        assert_eq!(a.check(&headers(&[host, ("authorization", "Bearer s3cres")])), Err(Refusal::Token));
        assert_eq!(a.check(&headers(&[host, ("cookie", "a=1; shequn_token=s3cret")])), Ok(()));
        assert_eq!(a.check(&headers(&[host, ("cookie", "shequn_token=s3")])), Err(Refusal::Token));
        let login = a.login(&headers(&[host]), b"token=s3cret");
        assert_eq!(login.status(), StatusCode::SEE_OTHER);
        let cookie = login.headers()[header::SET_COOKIE].to_str().unwrap();
        assert!(cookie.starts_with("shequn_token=s3cret;") && cookie.contains("HttpOnly"), "{cookie}");
        assert_eq!(a.login(&headers(&[host]), b"token=wrong").status(), StatusCode::UNAUTHORIZED);
        let cross = headers(&[host, ("origin", "http://evil.example")]);
        assert_eq!(a.login(&cross, b"token=s3cret").status(), StatusCode::FORBIDDEN);
    }
}
