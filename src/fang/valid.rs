//! Light validity checks used to accept weak markers and candidate matches.

use std::net::Ipv4Addr;

/// Is `d` a host name with a known public suffix (and something before it)?
pub(crate) fn domain(d: &str) -> bool {
    let d = d.strip_suffix('.').unwrap_or(d);
    if !d.contains('.') || d.len() > 253 {
        return false;
    }
    let ascii;
    let d = if d.is_ascii() {
        d
    } else {
        match idna::domain_to_ascii(d) {
            Ok(a) => {
                ascii = a;
                ascii.as_str()
            }
            Err(_) => return false,
        }
    };
    if d.split('.')
        .any(|l| l.is_empty() || l.len() > 63 || l.starts_with('-') || l.ends_with('-'))
    {
        return false;
    }
    let lower = d.to_ascii_lowercase();
    match addr::parse_domain_name(&lower) {
        Ok(n) => n.has_known_suffix() && n.root().is_some(),
        Err(_) => false,
    }
}

/// Top-level domains that are also common short English words: a weak marker
/// never makes a domain out of `go [.] to` or `like [.] here`.
const WORDLIKE_TLDS: &[&str] = &[
    "am", "an", "as", "at", "be", "by", "do", "go", "he", "hi", "in", "is", "it", "me", "my", "no",
    "of", "on", "or", "so", "to", "up", "us", "we", "here", "now", "the", "and", "you", "new",
    "one", "top", "win", "how", "off", "day", "now", "see", "fun", "run", "fit", "art",
];

/// Top-level domains accepted behind a weak marker besides country codes.
const CLASSIC_TLDS: &[&str] = &[
    "com", "net", "org", "info", "biz", "edu", "gov", "mil", "int", "xyz", "online", "site",
    "club", "shop", "store", "tech", "space", "website", "live", "link", "cloud", "app", "dev",
    "pro", "name", "mobi", "asia", "icu", "vip", "cc", "tv", "ws",
];

/// Is this host plausible behind a weak marker: a known suffix, one letter case,
/// and a top-level domain that is not an English word?
fn weak_domain(d: &str) -> bool {
    let d = d.strip_suffix('.').unwrap_or(d);
    let has_upper = d.chars().any(char::is_uppercase);
    let has_lower = d.chars().any(char::is_lowercase);
    if has_upper && has_lower {
        return false;
    }
    let tld = d.rsplit('.').next().unwrap_or("").to_lowercase();
    let tld_ok = tld.starts_with("xn--")
        || !tld.is_ascii()
        || (tld.len() == 2 && tld.chars().all(|c| c.is_ascii_alphabetic()))
        || CLASSIC_TLDS.contains(&tld.as_str());
    tld_ok && !WORDLIKE_TLDS.contains(&tld.as_str()) && domain(d)
}

/// Is this word (refanged) a valid domain, IPv4 address or e-mail address?
pub(crate) fn plausible_word(w: &str) -> bool {
    let w = w.trim_matches(|c| c == '.' || c == '-' || c == '+' || c == '_');
    if let Some((local, dom)) = w.rsplit_once('@') {
        return !local.is_empty() && !dom.contains('@') && weak_domain(dom);
    }
    w.parse::<Ipv4Addr>().is_ok() || weak_domain(w)
}
