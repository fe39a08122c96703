//! Filtering indicators before a hunt: minimum confidence, kinds, threat
//! types, malware families, a first/last-seen window, de-duplication, and
//! allowlists. Every excluded indicator comes back with the [`Rule`] that
//! excluded it; flags ([`Flag`]) warn without excluding.
//!
//! The IANA special-purpose IPv4/IPv6 blocks (private, loopback,
//! link-local, CGNAT, documentation, benchmarking, multicast, reserved) are
//! excluded by default; see [`Filter::special_ranges`].
//!
//! # Example
//!
//! ```
//! use iochunt::filter::{Allowlist, Filter, Rule};
//! use iochunt::{Confidence, Indicator, Ioc};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut c2 = Indicator::new(Ioc::parse("104.168.5.18:8823")?);
//! c2.confidence = Some(Confidence::new(75)?);
//! let mut lan = Indicator::new(Ioc::parse("10.0.0.5:8823")?);
//! lan.confidence = Some(Confidence::new(90)?);
//! let mut weak = Indicator::new(Ioc::parse("evil.example.com")?);
//! weak.confidence = Some(Confidence::new(50)?);
//! let mut ours = Indicator::new(Ioc::parse("cdn.corp.example.org")?);
//! ours.confidence = Some(Confidence::new(100)?);
//!
//! let filter = Filter::new()
//!     .min_confidence(Confidence::new(75)?)
//!     .allowlist(Allowlist::parse("corp.example.org")?);
//! let out = filter.apply([c2, lan, weak, ours]);
//! assert_eq!(out.kept.len(), 1);
//! let why: Vec<String> = out.excluded.iter().map(|e| e.rule.to_string()).collect();
//! assert_eq!(why, [
//!     "10.0.0.5 is in the private range 10.0.0.0/8",
//!     "confidence 50 is below the minimum 75",
//!     "cdn.corp.example.org is allowlisted by corp.example.org",
//! ]);
//! # Ok(())
//! # }
//! ```

mod allowlist;

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;
use jiff::Timestamp;
use url::Host;

pub use allowlist::{
    Allowlist, AllowlistError, NetSet, RangeKind, SpecialRange, special_range, special_range_net,
};

use crate::{Confidence, Indicator, Ioc, IocKind, Sources, ThreatType};

/// Which indicators to keep. Built with consuming setters; everything is
/// off by default except de-duplication and the special-range allowlist.
#[derive(Debug, Clone)]
#[must_use]
pub struct Filter {
    min_confidence: Option<Confidence>,
    kinds: Option<BTreeSet<IocKind>>,
    threat_types: Option<BTreeSet<ThreatType>>,
    malware: Option<BTreeSet<String>>,
    first_seen: (Option<Timestamp>, Option<Timestamp>),
    last_seen: (Option<Timestamp>, Option<Timestamp>),
    dedup: bool,
    special_ranges: bool,
    allowlist: Allowlist,
}

impl Default for Filter {
    fn default() -> Self {
        Filter {
            min_confidence: None,
            kinds: None,
            threat_types: None,
            malware: None,
            first_seen: (None, None),
            last_seen: (None, None),
            dedup: true,
            special_ranges: true,
            allowlist: Allowlist::default(),
        }
    }
}

/// Why an indicator was excluded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rule {
    /// Confidence below the minimum, or unknown while a minimum is set.
    BelowConfidence {
        /// The minimum asked for.
        minimum: Confidence,
        /// The indicator's confidence.
        found: Option<Confidence>,
    },
    /// The indicator's kind is not among the kinds to keep.
    Kind(IocKind),
    /// The threat type is not among those to keep.
    ThreatType(ThreatType),
    /// The malware family is not among those to keep.
    Malware(Option<String>),
    /// First seen outside the window (or unknown while a window is set).
    FirstSeen(Option<Timestamp>),
    /// Last seen (first seen when never seen again) outside the window, or
    /// unknown while a window is set.
    LastSeen(Option<Timestamp>),
    /// The address lies in an IANA special-purpose block.
    SpecialRange {
        /// The address or network of the indicator.
        ip: IpNet,
        /// The block.
        range: SpecialRange,
    },
    /// The address lies in an allowlisted network.
    AllowlistedNet {
        /// The address or network of the indicator.
        ip: IpNet,
        /// The allowlist entry.
        net: IpNet,
    },
    /// The domain is an allowlisted domain or one of its subdomains.
    AllowlistedDomain {
        /// The indicator's domain (or URL/e-mail host).
        domain: String,
        /// The allowlist entry.
        entry: String,
    },
}

/// Address text without a `/32` or `/128` suffix.
struct Addr<'a>(&'a IpNet);

impl fmt::Display for Addr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.prefix_len() == self.0.max_prefix_len() {
            write!(f, "{}", self.0.addr())
        } else {
            write!(f, "{}", self.0)
        }
    }
}

fn or_unknown<T: fmt::Display>(v: Option<&T>) -> String {
    v.map_or_else(|| "unknown".to_owned(), ToString::to_string)
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::BelowConfidence { minimum, found } => write!(
                f,
                "confidence {} is below the minimum {minimum}",
                or_unknown(found.as_ref())
            ),
            Rule::Kind(k) => write!(f, "kind {k} is not selected"),
            Rule::ThreatType(t) => write!(f, "threat type {t} is not selected"),
            Rule::Malware(m) => write!(f, "malware {} is not selected", or_unknown(m.as_ref())),
            Rule::FirstSeen(t) => {
                write!(
                    f,
                    "first seen {} is outside the window",
                    or_unknown(t.as_ref())
                )
            }
            Rule::LastSeen(t) => {
                write!(
                    f,
                    "last seen {} is outside the window",
                    or_unknown(t.as_ref())
                )
            }
            Rule::SpecialRange { ip, range } => write!(
                f,
                "{} is in the {} range {}",
                Addr(ip),
                range.kind,
                range.net
            ),
            Rule::AllowlistedNet { ip, net } => {
                write!(f, "{} is allowlisted by {net}", Addr(ip))
            }
            Rule::AllowlistedDomain { domain, entry } => {
                write!(f, "{domain} is allowlisted by {entry}")
            }
        }
    }
}

/// An indicator the filter dropped, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excluded {
    /// The indicator, unchanged.
    pub indicator: Indicator,
    /// The first rule that excluded it.
    pub rule: Rule,
}

/// A warning about a kept indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Flag {
    /// The indicator's domain is itself a public suffix (`duckdns.org`):
    /// hunting for it matches every customer of that suffix.
    PublicSuffix,
    /// ThreatFox marks the indicator as compromised, legitimate
    /// infrastructure: expect false positives.
    Compromised,
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Flag::PublicSuffix => "domain is a public suffix",
            Flag::Compromised => "marked as compromised legitimate infrastructure",
        })
    }
}

/// A flag raised on a kept indicator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The indicator it concerns.
    pub ioc: Ioc,
    /// What to watch out for.
    pub flag: Flag,
}

/// An input indicator merged into an earlier one with the same IOC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    /// The shared IOC.
    pub ioc: Ioc,
    /// The sources of the merged indicator.
    pub sources: Sources,
}

/// The result of [`Filter::apply`]: `kept.len() + excluded.len() +
/// merged.len()` equals the number of input indicators.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filtered {
    /// Indicators to hunt for, in input order.
    pub kept: Vec<Indicator>,
    /// Indicators dropped, each with its rule.
    pub excluded: Vec<Excluded>,
    /// Inputs merged into an earlier indicator (de-duplication).
    pub merged: Vec<Merged>,
    /// Flags on kept indicators.
    pub warnings: Vec<Warning>,
}

impl Filter {
    /// Keeps everything except the special-purpose ranges, de-duplicating.
    pub fn new() -> Self {
        Self::default()
    }

    /// Drops indicators below `minimum` confidence, and those without one.
    pub fn min_confidence(mut self, minimum: Confidence) -> Self {
        self.min_confidence = Some(minimum);
        self
    }

    /// Keeps only these kinds.
    pub fn kinds(mut self, kinds: impl IntoIterator<Item = IocKind>) -> Self {
        self.kinds = Some(kinds.into_iter().collect());
        self
    }

    /// Keeps only these threat types.
    pub fn threat_types(mut self, types: impl IntoIterator<Item = ThreatType>) -> Self {
        self.threat_types = Some(types.into_iter().collect());
        self
    }

    /// Keeps only these malware families, matched without regard to case
    /// against the Malpedia id (`win.xworm`), the printable name (`XWorm`)
    /// and the aliases.
    pub fn malware<S: AsRef<str>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.malware = Some(
            names
                .into_iter()
                .map(|n| n.as_ref().trim().to_lowercase())
                .collect(),
        );
        self
    }

    /// Keeps indicators first seen within `[since, until]` (either bound
    /// optional); an unknown first-seen time is outside any window.
    pub fn first_seen(mut self, since: Option<Timestamp>, until: Option<Timestamp>) -> Self {
        self.first_seen = (since, until);
        self
    }

    /// Keeps indicators last seen within `[since, until]`; an indicator never
    /// seen again counts as last seen when first seen.
    pub fn last_seen(mut self, since: Option<Timestamp>, until: Option<Timestamp>) -> Self {
        self.last_seen = (since, until);
        self
    }

    /// Merges indicators with the same IOC with [`Indicator::merge`]
    /// (default on).
    pub fn dedup(mut self, on: bool) -> Self {
        self.dedup = on;
        self
    }

    /// Excludes addresses in the IANA special-purpose blocks (default on).
    pub fn special_ranges(mut self, on: bool) -> Self {
        self.special_ranges = on;
        self
    }

    /// Excludes indicators the allowlist covers.
    pub fn allowlist(mut self, allowlist: Allowlist) -> Self {
        self.allowlist = allowlist;
        self
    }

    /// Applies the filter.
    pub fn apply(&self, indicators: impl IntoIterator<Item = Indicator>) -> Filtered {
        let mut out = Filtered::default();
        let mut unique: Vec<Indicator> = Vec::new();
        let mut index: HashMap<Ioc, usize> = HashMap::new();
        for ind in indicators {
            if self.dedup {
                if let Some(&i) = index.get(&ind.ioc) {
                    let merged = Merged {
                        ioc: ind.ioc.clone(),
                        sources: ind.sources.clone(),
                    };
                    // The index is keyed by IOC, so the merge cannot fail.
                    if unique[i].merge(ind).is_ok() {
                        out.merged.push(merged);
                    }
                    continue;
                }
                index.insert(ind.ioc.clone(), unique.len());
            }
            unique.push(ind);
        }
        for ind in unique {
            match self.rule_for(&ind) {
                Some(rule) => out.excluded.push(Excluded {
                    indicator: ind,
                    rule,
                }),
                None => {
                    out.warnings.extend(flags(&ind).map(|flag| Warning {
                        ioc: ind.ioc.clone(),
                        flag,
                    }));
                    out.kept.push(ind);
                }
            }
        }
        out
    }

    /// The first rule that excludes `ind`, if any.
    #[must_use]
    pub fn rule_for(&self, ind: &Indicator) -> Option<Rule> {
        if let Some(minimum) = self.min_confidence {
            if ind.confidence.is_none_or(|c| c < minimum) {
                return Some(Rule::BelowConfidence {
                    minimum,
                    found: ind.confidence,
                });
            }
        }
        let kind = ind.ioc.kind();
        if self.kinds.as_ref().is_some_and(|k| !k.contains(&kind)) {
            return Some(Rule::Kind(kind));
        }
        if self
            .threat_types
            .as_ref()
            .is_some_and(|t| !t.contains(&ind.threat_type))
        {
            return Some(Rule::ThreatType(ind.threat_type.clone()));
        }
        if let Some(names) = &self.malware {
            let hit = ind.malware.as_ref().is_some_and(|m| {
                std::iter::once(&m.id)
                    .chain(m.printable.as_ref())
                    .chain(m.aliases.iter())
                    .any(|n| names.contains(&n.to_lowercase()))
            });
            if !hit {
                return Some(Rule::Malware(ind.malware.as_ref().map(|m| m.id.clone())));
            }
        }
        if !within(self.first_seen, ind.first_seen) {
            return Some(Rule::FirstSeen(ind.first_seen));
        }
        let last = ind.last_seen.or(ind.first_seen);
        if !within(self.last_seen, last) {
            return Some(Rule::LastSeen(last));
        }
        self.allowlisted(&ind.ioc)
    }

    fn allowlisted(&self, ioc: &Ioc) -> Option<Rule> {
        let net = match ioc {
            Ioc::Ip(ip) => Some(IpNet::from(*ip)),
            Ioc::IpPort(sa) => Some(IpNet::from(sa.ip())),
            Ioc::Cidr(net) => Some(*net),
            Ioc::Url(url) => match url.host() {
                Some(Host::Ipv4(a)) => Some(IpNet::from(IpAddr::V4(a))),
                Some(Host::Ipv6(a)) => Some(IpNet::from(IpAddr::V6(a))),
                _ => None,
            },
            _ => None,
        };
        if let Some(ip) = net {
            if self.special_ranges {
                if let Some(range) = special_range_net(ip) {
                    return Some(Rule::SpecialRange { ip, range });
                }
            }
            return self
                .allowlist
                .find_net(ip)
                .map(|net| Rule::AllowlistedNet { ip, net });
        }
        let domain = match ioc {
            Ioc::Domain(d) => d.as_str(),
            Ioc::Url(url) => url.host_str()?,
            Ioc::Email(e) => e.domain().as_str(),
            _ => return None,
        };
        self.allowlist
            .find_domain(domain)
            .map(|entry| Rule::AllowlistedDomain {
                domain: domain.to_owned(),
                entry: entry.to_owned(),
            })
    }
}

fn within(window: (Option<Timestamp>, Option<Timestamp>), t: Option<Timestamp>) -> bool {
    match (window, t) {
        ((None, None), _) => true,
        (_, None) => false,
        ((since, until), Some(t)) => since.is_none_or(|s| t >= s) && until.is_none_or(|u| t <= u),
    }
}

fn flags(ind: &Indicator) -> impl Iterator<Item = Flag> {
    let suffix = match &ind.ioc {
        Ioc::Domain(d) => d.is_public_suffix(),
        _ => false,
    };
    [
        suffix.then_some(Flag::PublicSuffix),
        ind.is_compromised.then_some(Flag::Compromised),
    ]
    .into_iter()
    .flatten()
}
