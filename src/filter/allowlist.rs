//! Allowlists: IP networks with logarithmic lookup, and domains that cover
//! their subdomains; plus the built-in IANA special-purpose ranges.

use std::collections::HashSet;
use std::fmt;
use std::net::IpAddr;
use std::sync::OnceLock;

use ipnet::IpNet;

use crate::{Domain, Ioc, ParseIocError};

/// A set of IP networks answering "which network contains this address" by
/// binary search over sorted, disjoint ranges.
///
/// Networks are truncated to their network address; a network inside
/// another one is absorbed by it, so a lookup names the outermost match.
///
/// ```
/// use iochunt::filter::NetSet;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let set = NetSet::new(["10.0.0.0/8".parse()?, "10.1.0.0/16".parse()?, "2001:db8::/32".parse()?]);
/// assert_eq!(set.len(), 2);
/// assert_eq!(set.find("10.1.2.3".parse()?).map(|n| n.to_string()).as_deref(), Some("10.0.0.0/8"));
/// assert_eq!(set.find("11.0.0.1".parse()?), None);
/// assert!(set.find("2001:db8::1".parse()?).is_some());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetSet {
    v4: Vec<(u32, u32, IpNet)>,
    v6: Vec<(u128, u128, IpNet)>,
}

impl NetSet {
    /// Builds the set from any networks.
    pub fn new(nets: impl IntoIterator<Item = IpNet>) -> NetSet {
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        for net in nets {
            match net.trunc() {
                n @ IpNet::V4(v) => {
                    v4.push((u32::from(v.network()), u32::from(v.broadcast()), n));
                }
                n @ IpNet::V6(v) => {
                    v6.push((u128::from(v.network()), u128::from(v.broadcast()), n));
                }
            }
        }
        NetSet {
            v4: disjoint(v4),
            v6: disjoint(v6),
        }
    }

    /// Number of disjoint networks kept.
    #[must_use]
    pub fn len(&self) -> usize {
        self.v4.len() + self.v6.len()
    }

    /// Whether the set is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }

    /// The network containing `ip`. IPv4-mapped IPv6 addresses
    /// (`::ffff:a.b.c.d`) are looked up as IPv4.
    #[must_use]
    pub fn find(&self, ip: IpAddr) -> Option<IpNet> {
        match ip.to_canonical() {
            IpAddr::V4(a) => lookup(&self.v4, u32::from(a), u32::from(a)),
            IpAddr::V6(a) => lookup(&self.v6, u128::from(a), u128::from(a)),
        }
    }

    /// The network that contains all of `net`.
    #[must_use]
    pub fn find_net(&self, net: IpNet) -> Option<IpNet> {
        match net.trunc() {
            IpNet::V4(n) => lookup(&self.v4, u32::from(n.network()), u32::from(n.broadcast())),
            IpNet::V6(n) => lookup(&self.v6, u128::from(n.network()), u128::from(n.broadcast())),
        }
    }

    /// The networks kept, in address order (IPv4 first).
    pub fn iter(&self) -> impl Iterator<Item = IpNet> + '_ {
        self.v4
            .iter()
            .map(|e| e.2)
            .chain(self.v6.iter().map(|e| e.2))
    }
}

/// Sorts by start (outer networks first on ties) and drops every network
/// contained in an earlier one. CIDR blocks are nested or disjoint, so the
/// result is disjoint.
fn disjoint<T: Ord + Copy>(mut v: Vec<(T, T, IpNet)>) -> Vec<(T, T, IpNet)> {
    v.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    let mut out: Vec<(T, T, IpNet)> = Vec::with_capacity(v.len());
    for e in v {
        match out.last() {
            Some(last) if e.1 <= last.1 => {}
            _ => out.push(e),
        }
    }
    out
}

fn lookup<T: Ord + Copy>(v: &[(T, T, IpNet)], start: T, end: T) -> Option<IpNet> {
    let i = v.partition_point(|e| e.0 <= start).checked_sub(1)?;
    let e = v.get(i)?;
    (end <= e.1).then_some(e.2)
}

/// Category of an IANA special-purpose address block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RangeKind {
    /// "This network" and the unspecified address.
    Unspecified,
    /// Private-use (RFC 1918) and unique-local (RFC 4193).
    Private,
    /// Loopback.
    Loopback,
    /// Link-local.
    LinkLocal,
    /// Shared address space for carrier-grade NAT (RFC 6598).
    SharedCgnat,
    /// Documentation (TEST-NET-1/2/3, `2001:db8::/32`, `3fff::/20`).
    Documentation,
    /// Benchmarking (RFC 2544, RFC 5180).
    Benchmarking,
    /// Multicast.
    Multicast,
    /// Reserved and protocol-assignment blocks, broadcast, discard-only.
    Reserved,
}

impl RangeKind {
    /// Lower-case name: `private`, `loopback`, `link-local`, …
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            RangeKind::Unspecified => "unspecified",
            RangeKind::Private => "private",
            RangeKind::Loopback => "loopback",
            RangeKind::LinkLocal => "link-local",
            RangeKind::SharedCgnat => "shared (cgnat)",
            RangeKind::Documentation => "documentation",
            RangeKind::Benchmarking => "benchmarking",
            RangeKind::Multicast => "multicast",
            RangeKind::Reserved => "reserved",
        }
    }
}

impl fmt::Display for RangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The IANA IPv4 and IPv6 special-purpose blocks that are not globally
/// reachable, with their category.
const SPECIAL: [(&str, RangeKind); 28] = [
    ("0.0.0.0/8", RangeKind::Unspecified),
    ("10.0.0.0/8", RangeKind::Private),
    ("100.64.0.0/10", RangeKind::SharedCgnat),
    ("127.0.0.0/8", RangeKind::Loopback),
    ("169.254.0.0/16", RangeKind::LinkLocal),
    ("172.16.0.0/12", RangeKind::Private),
    ("192.0.0.0/24", RangeKind::Reserved),
    ("192.0.2.0/24", RangeKind::Documentation),
    ("192.88.99.0/24", RangeKind::Reserved),
    ("192.168.0.0/16", RangeKind::Private),
    ("198.18.0.0/15", RangeKind::Benchmarking),
    ("198.51.100.0/24", RangeKind::Documentation),
    ("203.0.113.0/24", RangeKind::Documentation),
    ("224.0.0.0/4", RangeKind::Multicast),
    ("240.0.0.0/4", RangeKind::Reserved),
    ("255.255.255.255/32", RangeKind::Reserved),
    ("::/128", RangeKind::Unspecified),
    ("::1/128", RangeKind::Loopback),
    ("64:ff9b:1::/48", RangeKind::Private),
    ("100::/64", RangeKind::Reserved),
    ("2001::/23", RangeKind::Reserved),
    ("2001:2::/48", RangeKind::Benchmarking),
    ("2001:db8::/32", RangeKind::Documentation),
    ("3fff::/20", RangeKind::Documentation),
    ("5f00::/16", RangeKind::Reserved),
    ("fc00::/7", RangeKind::Private),
    ("fe80::/10", RangeKind::LinkLocal),
    ("ff00::/8", RangeKind::Multicast),
];

/// An IANA special-purpose block: not a place a real C2 server lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SpecialRange {
    /// The block.
    pub net: IpNet,
    /// Its category.
    pub kind: RangeKind,
}

impl fmt::Display for SpecialRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} range {}", self.kind, self.net)
    }
}

struct Special {
    set: NetSet,
    kinds: Vec<(IpNet, RangeKind)>,
}

fn special() -> &'static Special {
    static SPECIAL_SET: OnceLock<Special> = OnceLock::new();
    SPECIAL_SET.get_or_init(|| {
        let kinds: Vec<(IpNet, RangeKind)> = SPECIAL
            .iter()
            .filter_map(|(s, k)| s.parse::<IpNet>().ok().map(|n| (n, *k)))
            .collect();
        Special {
            set: NetSet::new(kinds.iter().map(|k| k.0)),
            kinds,
        }
    })
}

/// The special-purpose block containing `ip`, if any.
///
/// ```
/// use iochunt::filter::{special_range, RangeKind};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// assert_eq!(special_range("100.72.1.9".parse()?).map(|r| r.kind), Some(RangeKind::SharedCgnat));
/// assert_eq!(special_range("fe80::1".parse()?).map(|r| r.kind), Some(RangeKind::LinkLocal));
/// assert_eq!(special_range("104.168.5.18".parse()?), None);
/// # Ok(())
/// # }
/// ```
#[must_use]
pub fn special_range(ip: IpAddr) -> Option<SpecialRange> {
    let s = special();
    let net = s.set.find(ip)?;
    special_kind(s, net)
}

/// The special-purpose block containing all of `net`, if any.
#[must_use]
pub fn special_range_net(net: IpNet) -> Option<SpecialRange> {
    let s = special();
    let net = s.set.find_net(net)?;
    special_kind(s, net)
}

fn special_kind(s: &Special, net: IpNet) -> Option<SpecialRange> {
    s.kinds
        .iter()
        .find(|k| k.0 == net)
        .map(|k| SpecialRange { net, kind: k.1 })
}

/// User allowlist: networks and domains never to hunt for. A domain covers
/// its subdomains.
///
/// ```
/// use iochunt::filter::Allowlist;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let allow = Allowlist::parse("# ours\n203.0.113.0/24\n198.51.100.7\ncorp.example.com\n")?;
/// assert_eq!(allow.find_ip("203.0.113.9".parse()?).map(|n| n.to_string()).as_deref(), Some("203.0.113.0/24"));
/// assert_eq!(allow.find_domain("mail.corp.example.com"), Some("corp.example.com"));
/// assert_eq!(allow.find_domain("example.com"), None);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allowlist {
    nets: NetSet,
    domains: HashSet<String>,
}

impl Allowlist {
    /// An allowlist of `nets` and `domains`.
    pub fn new(
        nets: impl IntoIterator<Item = IpNet>,
        domains: impl IntoIterator<Item = Domain>,
    ) -> Allowlist {
        Allowlist {
            nets: NetSet::new(nets),
            domains: domains.into_iter().map(|d| d.as_str().to_owned()).collect(),
        }
    }

    /// Parses one entry per line: an IP address, a CIDR network or a domain
    /// (defanged forms are not accepted); `#` starts a comment.
    ///
    /// # Errors
    ///
    /// [`AllowlistError`] naming the first line that is none of these.
    pub fn parse(text: &str) -> Result<Allowlist, AllowlistError> {
        let mut nets = Vec::new();
        let mut domains = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let entry = line.split(" #").next().unwrap_or("").trim();
            if entry.is_empty() || entry.starts_with('#') {
                continue;
            }
            let err = |source| AllowlistError {
                line: i + 1,
                input: entry.to_owned(),
                source,
            };
            match Ioc::parse(entry).map_err(|e| err(Some(e)))? {
                Ioc::Ip(ip) => nets.push(IpNet::from(ip)),
                Ioc::Cidr(net) => nets.push(net),
                Ioc::Domain(d) => domains.push(d),
                _ => return Err(err(None)),
            }
        }
        Ok(Allowlist::new(nets, domains))
    }

    /// The allowlisted network containing `ip`.
    #[must_use]
    pub fn find_ip(&self, ip: IpAddr) -> Option<IpNet> {
        self.nets.find(ip)
    }

    /// The allowlisted network containing all of `net`.
    #[must_use]
    pub fn find_net(&self, net: IpNet) -> Option<IpNet> {
        self.nets.find_net(net)
    }

    /// The allowlisted domain equal to `domain` or a parent of it.
    /// `domain` is expected in canonical (lower-case, punycode) form.
    #[must_use]
    pub fn find_domain(&self, domain: &str) -> Option<&str> {
        if self.domains.is_empty() {
            return None;
        }
        let domain = domain.trim_end_matches('.');
        let mut rest = domain;
        loop {
            if let Some(hit) = self.domains.get(rest) {
                return Some(hit);
            }
            rest = rest.split_once('.')?.1;
        }
    }

    /// Whether the allowlist has no entries.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.nets.is_empty() && self.domains.is_empty()
    }
}

/// An allowlist line that is not an address, a network or a domain.
///
/// ```
/// use iochunt::filter::Allowlist;
///
/// let err = Allowlist::parse("10.0.0.0/8\nhttp://x.example.com/\n").unwrap_err();
/// assert_eq!(err.to_string(), r#"allowlist line 2: "http://x.example.com/" is not an address, network or domain"#);
/// assert_eq!(err.line(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("allowlist line {line}: {input:?} is not an address, network or domain")]
pub struct AllowlistError {
    line: usize,
    input: String,
    #[source]
    source: Option<ParseIocError>,
}

impl AllowlistError {
    /// The 1-based line number.
    #[must_use]
    pub fn line(&self) -> usize {
        self.line
    }

    /// The offending entry.
    #[must_use]
    pub fn input(&self) -> &str {
        &self.input
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_special_block_parses() {
        assert_eq!(special().kinds.len(), SPECIAL.len());
    }

    #[test]
    fn special_blocks() -> Result<(), Box<dyn std::error::Error>> {
        for (ip, kind) in [
            ("10.1.2.3", RangeKind::Private),
            ("172.31.255.255", RangeKind::Private),
            ("192.168.1.1", RangeKind::Private),
            ("127.0.0.1", RangeKind::Loopback),
            ("169.254.169.254", RangeKind::LinkLocal),
            ("100.127.0.1", RangeKind::SharedCgnat),
            ("192.0.2.1", RangeKind::Documentation),
            ("198.19.0.1", RangeKind::Benchmarking),
            ("239.255.255.250", RangeKind::Multicast),
            ("250.1.1.1", RangeKind::Reserved),
            ("255.255.255.255", RangeKind::Reserved),
            ("::1", RangeKind::Loopback),
            ("::ffff:10.0.0.1", RangeKind::Private),
            ("fd00::1", RangeKind::Private),
            ("2001:db8::5", RangeKind::Documentation),
            ("ff02::1", RangeKind::Multicast),
        ] {
            assert_eq!(
                special_range(ip.parse()?).map(|r| r.kind),
                Some(kind),
                "{ip}"
            );
        }
        for ip in [
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "2a02:cf40::1",
            "::ffff:8.8.8.8",
        ] {
            assert_eq!(special_range(ip.parse()?), None, "{ip}");
        }
        Ok(())
    }
}
