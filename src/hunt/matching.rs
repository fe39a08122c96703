//! KQL expressions that give each kind of column its matching semantics.
//!
//! Everything here builds [`kql`](crate::kql) syntax; no query text is
//! written by hand, so indicator values only ever reach a query as string
//! literals.

use crate::kql::{Expr, call, col, lit};

/// Captures the host (group 1, bracketed for IPv6) and the explicit port
/// (group 2) of a URL or a bare `host[:port]`; the scheme and user info are
/// optional.
pub(crate) const AUTHORITY_REGEX: &str =
    r"^(?:[A-Za-z][A-Za-z0-9+.-]*://)?(?:[^@/?#]*@)?(\[[^\]/?#]*\]|[^:/?#\[\]]*)(?::([0-9]+))?";

/// `trim_start("::ffff:", tolower(e))`: the IPv4-mapped IPv6 form of an
/// address compares as the IPv4 address, and IPv6 text compares lower-case.
pub(crate) fn normalized_ip(e: Expr) -> Expr {
    call("trim_start", [lit("::ffff:"), call("tolower", [e])])
}

/// The lower-case host of a host-name column, without one trailing dot.
pub(crate) fn normalized_host(e: Expr) -> Expr {
    call("trim_end", [lit(r"\."), call("tolower", [e])])
}

/// The host of a URL or `host[:port]` column: lower-case, brackets and the
/// IPv4-mapped prefix removed, one trailing dot dropped.
pub(crate) fn authority_host(column: &str) -> Expr {
    let raw = call("extract", [col(AUTHORITY_NAME), lit(1i64), col(column)]);
    let unbracketed = call("trim", [lit(r"[\[\]]"), call("tolower", [raw])]);
    let unmapped = call("trim_start", [lit("::ffff:"), unbracketed]);
    call("trim_end", [lit(r"\."), unmapped])
}

/// The port of a URL or `host[:port]` column, as text: the explicit one,
/// else 443 for `https://` and 80 for `http://`, else empty.
pub(crate) fn authority_port(column: &str) -> Expr {
    let explicit = call("extract", [col(AUTHORITY_NAME), lit(2i64), col(column)]);
    call(
        "case",
        [
            call("isnotempty", [explicit.clone()]),
            explicit,
            col(column).startswith("https://"),
            lit("443"),
            col(column).startswith("http://"),
            lit("80"),
            lit(""),
        ],
    )
}

/// The name the authority regex is bound to with `let`.
pub(crate) const AUTHORITY_NAME: &str = "ioc_authority_regex";

/// `strcat(addr, ":", port)`, the key endpoint lists are written in.
pub(crate) fn endpoint_key(addr: Expr, port: Expr) -> Expr {
    call("strcat", [addr, lit(":"), call("tostring", [port])])
}

/// Escapes a domain name (letters, digits, hyphens, dots) for a regex.
fn regex_escape_domain(domain: &str) -> String {
    domain.replace('.', r"\.")
}

/// A regex matching a host that is one of `domains` or a subdomain of one,
/// or exactly one of `exact_only` (public suffixes, whose subdomains are
/// other people's). The host is already lower-case without a trailing dot.
pub(crate) fn host_regex(domains: &[&str], exact_only: &[&str]) -> String {
    let alternatives = |list: &[&str]| {
        list.iter()
            .map(|d| regex_escape_domain(d))
            .collect::<Vec<_>>()
            .join("|")
    };
    let mut parts = Vec::new();
    if !domains.is_empty() {
        parts.push(format!(r"(^|\.)({})$", alternatives(domains)));
    }
    if !exact_only.is_empty() {
        parts.push(format!("^({})$", alternatives(exact_only)));
    }
    parts.join("|")
}

/// A case-insensitive regex finding one of `domains` (or a subdomain) as a
/// whole host name inside free text: not preceded by a host character, and
/// not followed by another label.
pub(crate) fn text_domain_regex(domains: &[&str], exact_only: &[&str]) -> String {
    let all: Vec<String> = domains
        .iter()
        .map(|d| format!(r"([a-z0-9-]+\.)*{}", regex_escape_domain(d)))
        .chain(exact_only.iter().map(|d| regex_escape_domain(d)))
        .collect();
    format!(r"(?i)(^|[^a-z0-9.-])({})\.?($|[^a-z0-9.-])", all.join("|"))
}

/// A regex finding one of `endpoints` (`ip:port`) inside free text, with
/// no digit or dot glued to either side.
pub(crate) fn text_endpoint_regex(endpoints: &[String]) -> String {
    let alternatives: Vec<String> = endpoints
        .iter()
        .map(|e| {
            e.replace('.', r"\.")
                .replace('[', r"\[")
                .replace(']', r"\]")
        })
        .collect();
    format!(r"(^|[^0-9.])({})($|[^0-9])", alternatives.join("|"))
}

/// A case-insensitive regex finding one of `ips` inside free text as a
/// whole address: not glued to a letter, digit or dot on the left, and not
/// continued by another digit, letter or dotted part on the right (so
/// `10.192.3.171.227` does not contain `192.3.171.227`).
pub(crate) fn text_ip_regex(ips: &[&str]) -> String {
    let alternatives: Vec<String> = ips.iter().map(|ip| ip.replace('.', r"\.")).collect();
    format!(
        r"(?i)(^|[^0-9a-z.])({})($|[^0-9a-z.]|\.($|[^0-9]))",
        alternatives.join("|")
    )
}

/// `a or b or ...`, `None` for no terms.
pub(crate) fn any_of(terms: Vec<Expr>) -> Option<Expr> {
    terms.into_iter().reduce(|a, b| a.or(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_regex_keeps_public_suffixes_exact() {
        assert_eq!(
            host_regex(&["aliexpress.us.com", "evil.net"], &["duckdns.org"]),
            r"(^|\.)(aliexpress\.us\.com|evil\.net)$|^(duckdns\.org)$"
        );
        assert_eq!(host_regex(&["a.com"], &[]), r"(^|\.)(a\.com)$");
    }

    #[test]
    fn text_regexes_bound_their_matches() {
        assert_eq!(
            text_ip_regex(&["1.2.3.4", "2001:db8::1"]),
            r"(?i)(^|[^0-9a-z.])(1\.2\.3\.4|2001:db8::1)($|[^0-9a-z.]|\.($|[^0-9]))"
        );
        assert_eq!(
            text_endpoint_regex(&["1.2.3.4:80".to_owned()]),
            r"(^|[^0-9.])(1\.2\.3\.4:80)($|[^0-9])"
        );
        assert_eq!(
            text_domain_regex(&["evil.com"], &[]),
            r"(?i)(^|[^a-z0-9.-])(([a-z0-9-]+\.)*evil\.com)\.?($|[^a-z0-9.-])"
        );
    }
}
