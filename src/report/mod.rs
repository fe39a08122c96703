//! Hunting reports: the document a hunter hands over, as Markdown and JSON.
//!
//! A [`Report`] joins the result of [`Filter::apply`](crate::filter::Filter::apply)
//! and a [`HuntPlan`]. Its `Display` is the Markdown document; its
//! `Serialize` is the same content as JSON.
//!
//! The Markdown has, in order:
//! 1. a title and a description generated from the indicators (families,
//!    threat types, feeds, dates) and the plan (platform, window);
//! 2. an IOC summary (malware family, total, types);
//! 3. the IOC table: type, defanged value, threat type, first seen,
//!    confidence;
//! 4. one ```` ```kql ```` block per query of the plan (its `text`), and the
//!    indicators left out of them (no table can hunt them, or alone they
//!    are over the length budget);
//! 5. the data-connector table, one row per table;
//! 6. false-positive guidance: the indicators the filters excluded and why,
//!    then [`Scenario`]s derived from the kept indicators, the filter's
//!    flags and the queries, each with a `| where not(...)` exclusion where
//!    one applies.
//!
//! # JSON shape
//!
//! ```text
//! {
//!   "title": "ThreatFox: XWorm IOCs",
//!   "description": "...",
//!   "platform": "sentinel",            // sentinel | defender | asim
//!   "window_days": 14,
//!   "summary": {"families": ["XWorm"], "total": 3, "types": ["ip:port", "domain"], "excluded": 0},
//!   "indicators": [                    // kept, in input order: the Indicator JSON plus "type" and "defanged"
//!     {"ioc": "192.3.171.227:8823", "threat_type": "botnet_cc", "malware": {...},
//!      "first_seen": "2026-05-11T00:00:00Z", "confidence": 75, ..., "type": "ip:port",
//!      "defanged": "192[.]3[.]171[.]227:8823"}
//!   ],
//!   "excluded": [                      // dropped by the filters
//!     {"indicator": {...}, "defanged": "10[.]0[.]0[.]5:8823", "rule": "special_range",
//!      "reason": "10.0.0.5 is in the private range 10.0.0.0/8"}
//!   ],
//!   "warnings": [{"ioc": "duckdns.org", "flag": "public_suffix", "message": "domain is a public suffix"}],
//!   "queries": [                       // in plan order
//!     {"table": "CommonSecurityLog", "platform": "sentinel", "group": "network",
//!      "connectors": ["CEF", "CefAma"], "iocs": ["104.168.5.18:8823", ...],
//!      "watchlist": null,              // or the alias of the watchlist the query reads
//!      "text": "// Hunt for ..."}
//!   ],
//!   "unhunted": [{"ioc": "...", "reason": "..."}],
//!   "false_positives": [
//!     {"title": "...", "description": "...", "iocs": ["..."],
//!      "exclusions": [{"tables": ["CommonSecurityLog", ...], "group": "network",
//!                      "text": "| where not(MatchTier == \"ip_only\")"}]}
//!   ]
//! }
//! ```
//!
//! `rule` is one of `below_confidence`, `kind`, `threat_type`, `malware`,
//! `first_seen`, `last_seen`, `special_range`, `allowlisted_net`,
//! `allowlisted_domain`; `flag` is `public_suffix` or `compromised`.
//!
//! # Example
//!
//! ```
//! use iochunt::filter::Filter;
//! use iochunt::hunt::{Catalog, HuntOptions, HuntPlan, Platform};
//! use iochunt::report::Report;
//! use iochunt::{Indicator, Ioc};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let input = ["104.168.5.18:8823", "10.0.0.5:8823"]
//!     .into_iter()
//!     .map(|s| Ioc::parse(s).map(Indicator::new))
//!     .collect::<Result<Vec<_>, _>>()?;
//! let filtered = Filter::new().apply(input);
//! let plan = HuntPlan::build(&filtered.kept, Catalog::builtin(), &HuntOptions::new(Platform::Defender))?;
//! let report = Report::new(&filtered, &plan);
//!
//! let md = report.to_string();
//! assert!(md.contains("| ip:port | 104[.]168[.]5[.]18:8823 | unknown | - | - |"));
//! assert!(md.contains("| 10[.]0[.]0[.]5:8823 | ip:port | 10[.]0[.]0[.]5 is in the private range 10[.]0[.]0[.]0/8 |"));
//! assert!(md.contains("| where not(MatchTier == \"ip_only\")"));
//!
//! let json = serde_json::to_value(&report)?;
//! assert_eq!(json["summary"]["total"], 1);
//! assert_eq!(json["excluded"][0]["rule"], "special_range");
//! assert_eq!(json["queries"][0]["table"], "DeviceNetworkEvents");
//! # Ok(())
//! # }
//! ```

mod fp;
mod markdown;

use std::collections::BTreeMap;

use serde::Serialize;

pub use fp::{Exclusion, Scenario};

use crate::filter::{Filtered, Flag, Rule};
use crate::hunt::{HuntPlan, HuntQuery, Platform, Unhunted};
use crate::kql::one_line;
use crate::{Indicator, Ioc, IocKind, ThreatType};

/// A hunting report over filtered indicators and their hunt plan.
///
/// `Display` renders Markdown; `Serialize` gives the JSON described in the
/// [module docs](self).
///
/// # Examples
///
/// ```
/// use iochunt::filter::Filter;
/// use iochunt::hunt::{Catalog, HuntOptions, HuntPlan};
/// use iochunt::report::Report;
/// use iochunt::{Indicator, Ioc};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let filtered = Filter::new().apply([Indicator::new(Ioc::parse("evil.example.net")?)]);
/// let plan = HuntPlan::build(&filtered.kept, Catalog::builtin(), &HuntOptions::default())?;
/// let md = Report::new(&filtered, &plan).to_string();
/// assert!(md.starts_with("# Indicator list IOCs\n"));
/// assert!(md.contains("| domain | evil[.]example[.]net | unknown | - | - |"));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    filtered: &'a Filtered,
    plan: &'a HuntPlan,
}

/// The IOC summary of a report.
///
/// ```
/// use iochunt::filter::Filter;
/// use iochunt::hunt::{Catalog, HuntOptions, HuntPlan};
/// use iochunt::report::Report;
/// use iochunt::{Indicator, Ioc};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let filtered = Filter::new().apply([
///     Indicator::new(Ioc::parse("1.2.3.4:80")?),
///     Indicator::new(Ioc::parse("evil.example.net")?),
/// ]);
/// let plan = HuntPlan::build(&filtered.kept, Catalog::builtin(), &HuntOptions::default())?;
/// let summary = Report::new(&filtered, &plan).summary();
/// assert_eq!(summary.total, 2);
/// assert_eq!(summary.types, ["ip:port", "domain"]);
/// assert!(summary.families.is_empty());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Malware families of the kept indicators, most frequent first.
    pub families: Vec<String>,
    /// Number of kept indicators.
    pub total: usize,
    /// Indicator types, in order of first appearance, as ThreatFox names
    /// them (`ip:port`, `domain`, `url`, `sha256_hash`, ...).
    pub types: Vec<String>,
    /// Number of indicators the filters excluded.
    pub excluded: usize,
}

/// The type name a report prints for `kind`: ThreatFox's names where it
/// has one (`ip:port`, `md5_hash`, `sha256_hash`), the kind's name
/// otherwise.
///
/// ```
/// use iochunt::IocKind;
/// use iochunt::report::type_label;
/// assert_eq!(type_label(IocKind::IpPort), "ip:port");
/// assert_eq!(type_label(IocKind::Sha256), "sha256_hash");
/// assert_eq!(type_label(IocKind::Domain), "domain");
/// ```
#[must_use]
pub fn type_label(kind: IocKind) -> &'static str {
    match kind {
        IocKind::IpPort => "ip:port",
        IocKind::Md5 => "md5_hash",
        IocKind::Sha1 => "sha1_hash",
        IocKind::Sha256 => "sha256_hash",
        IocKind::Sha512 => "sha512_hash",
        IocKind::Sha3_384 => "sha3_384_hash",
        other => other.as_str(),
    }
}

impl<'a> Report<'a> {
    /// A report over `filtered` (the kept, excluded and flagged indicators)
    /// and the `plan` built from `filtered.kept`.
    #[must_use]
    pub fn new(filtered: &'a Filtered, plan: &'a HuntPlan) -> Report<'a> {
        Report { filtered, plan }
    }

    /// The kept indicators.
    #[must_use]
    pub fn indicators(&self) -> &'a [Indicator] {
        &self.filtered.kept
    }

    /// The hunt plan.
    #[must_use]
    pub fn plan(&self) -> &'a HuntPlan {
        self.plan
    }

    /// The IOC summary.
    #[must_use]
    pub fn summary(&self) -> Summary {
        let kept = &self.filtered.kept;
        let mut types: Vec<String> = Vec::new();
        for ind in kept {
            let label = type_label(ind.ioc.kind());
            if !types.iter().any(|t| t == label) {
                types.push(label.to_owned());
            }
        }
        Summary {
            families: families(kept),
            total: kept.len(),
            types,
            excluded: self.filtered.excluded.len(),
        }
    }

    /// The title: `"<feeds>: <families> IOCs"`, as in `ThreatFox: XWorm IOCs`.
    ///
    /// It names what went in, kept or excluded, so that a report whose
    /// indicators were all filtered out still says which feed it covers.
    /// A report of no indicator at all is `No IOCs`.
    #[must_use]
    pub fn title(&self) -> String {
        let input = || {
            let excluded = self.filtered.excluded.iter().map(|e| &e.indicator);
            self.filtered.kept.iter().chain(excluded)
        };
        if input().next().is_none() {
            // nothing came in (a ThreatFox `no_result` response, an empty
            // list): no feed or family to name
            return "No IOCs".to_owned();
        }
        let feeds = feeds(input());
        let families = families(input());
        let feeds = if feeds.is_empty() {
            "Indicator list".to_owned()
        } else {
            shortened(&feeds, 3)
        };
        if families.is_empty() {
            format!("{feeds} IOCs")
        } else {
            format!("{feeds}: {} IOCs", shortened(&families, 3))
        }
    }

    /// The description paragraph, generated from the indicators and plan.
    #[must_use]
    pub fn description(&self) -> String {
        let kept = &self.filtered.kept;
        let plan = self.plan;
        let families = families(kept);
        let what = if families.is_empty() {
            String::new()
        } else {
            format!(" of {}", shortened(&families, 5))
        };
        let mut threats: Vec<&ThreatType> = Vec::new();
        for ind in kept {
            if ind.threat_type != ThreatType::Unknown && !threats.contains(&&ind.threat_type) {
                threats.push(&ind.threat_type);
            }
        }
        let threats = if threats.is_empty() {
            String::new()
        } else {
            let names: Vec<String> = threats.iter().map(|t| threat_words(t)).collect();
            format!(" ({})", names.join(", "))
        };
        let feeds = feeds(kept);
        let from = if feeds.is_empty() {
            String::new()
        } else {
            format!(" reported by {}", shortened(&feeds, 5))
        };
        let first = kept.iter().filter_map(|i| i.first_seen).min();
        let last = kept.iter().filter_map(|i| i.first_seen).max();
        let seen = match (first, last) {
            (Some(a), Some(b)) if date(a) == date(b) => format!(", first seen on {}", date(a)),
            (Some(a), Some(b)) => format!(", first seen between {} and {}", date(a), date(b)),
            _ => String::new(),
        };
        let tables = plan.tables().len();
        let excluded = self.filtered.excluded.len();
        let excluded = match excluded {
            0 => String::new(),
            1 => " One indicator was excluded by the filters; see the false-positive section."
                .to_owned(),
            n => format!(
                " {n} indicators were excluded by the filters; see the false-positive section."
            ),
        };
        if kept.is_empty() && self.filtered.excluded.is_empty() {
            return "No indicator came in, so no query is planned.".to_owned();
        }
        if kept.is_empty() {
            return format!(
                "No indicator is left to hunt for after filtering, so no query is planned.{excluded}"
            );
        }
        format!(
            "This hunt looks for {} indicator{}{what}{threats}{from}{seen}. \
             It runs {} quer{} over {tables} table{} in {} for the last {} day{}: a hit means \
             the indicator itself was seen, with the match semantics and the false positives \
             described below.{excluded}",
            kept.len(),
            plural(kept.len()),
            plan.queries.len(),
            if plan.queries.len() == 1 { "y" } else { "ies" },
            plural(tables),
            platform_name(plan.options.platform),
            plan.options.window_days,
            plural(plan.options.window_days as usize),
        )
    }

    /// The false-positive scenarios derived from the indicators, the
    /// filter's flags and the queries.
    ///
    /// ```
    /// use iochunt::filter::Filter;
    /// use iochunt::hunt::{Catalog, HuntOptions, HuntPlan, Platform};
    /// use iochunt::report::Report;
    /// use iochunt::{Indicator, Ioc};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let filtered = Filter::new().apply([Indicator::new(Ioc::parse("duckdns.org")?)]);
    /// let plan = HuntPlan::build(&filtered.kept, Catalog::builtin(), &HuntOptions::new(Platform::Defender))?;
    /// let report = Report::new(&filtered, &plan);
    /// let scenarios = report.scenarios();
    /// let suffix = scenarios.iter().find(|s| s.title == "Public-suffix domains").expect("flagged");
    /// assert_eq!(suffix.exclusions[0].tables, ["DeviceNetworkEvents"]);
    /// assert_eq!(suffix.exclusions[0].text, r#"| where not(RemoteUrlHost in ("duckdns.org"))"#);
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn scenarios(&self) -> Vec<Scenario> {
        fp::scenarios(self.filtered, self.plan)
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn threat_words(t: &ThreatType) -> String {
    match t {
        ThreatType::BotnetCc => "botnet command-and-control servers".to_owned(),
        ThreatType::PayloadDelivery => "payload delivery hosts".to_owned(),
        ThreatType::Payload => "malware payloads".to_owned(),
        ThreatType::CcSkimming => "card-skimming infrastructure".to_owned(),
        other => other.as_str().replace('_', " "),
    }
}

fn platform_name(p: Platform) -> &'static str {
    match p {
        Platform::Sentinel => "Microsoft Sentinel",
        Platform::Defender => "Microsoft Defender XDR advanced hunting",
        Platform::Asim => "Microsoft Sentinel through the ASIM parsers",
    }
}

/// `a, b, c (+2 more)`.
fn shortened(items: &[String], shown: usize) -> String {
    let mut text = items
        .iter()
        .take(shown)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > shown {
        text.push_str(&format!(" (+{} more)", items.len() - shown));
    }
    text
}

/// Families by number of indicators, then name.
fn families<'a>(indicators: impl IntoIterator<Item = &'a Indicator>) -> Vec<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for ind in indicators {
        if let Some(m) = &ind.malware {
            *counts.entry(m.display_name()).or_default() += 1;
        }
    }
    let mut list: Vec<(&str, usize)> = counts.into_iter().collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    // Feed text is data: it stays on one line of the document.
    list.into_iter().map(|(n, _)| one_line(n)).collect()
}

/// Feed names, printable, by number of indicators, then name.
fn feeds<'a>(indicators: impl IntoIterator<Item = &'a Indicator>) -> Vec<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for ind in indicators {
        for s in &ind.sources {
            *counts.entry(&*s.feed).or_default() += 1;
        }
    }
    let mut list: Vec<(&str, usize)> = counts.into_iter().collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    list.into_iter()
        .map(|(n, _)| {
            one_line(match n {
                "list" => "Indicator list",
                other => crate::hunt::feed_display_name(other),
            })
        })
        .collect()
}

fn date(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%d").to_string()
}

/// A stable name for a filter rule.
fn rule_code(rule: &Rule) -> &'static str {
    match rule {
        Rule::BelowConfidence { .. } => "below_confidence",
        Rule::Kind(_) => "kind",
        Rule::ThreatType(_) => "threat_type",
        Rule::Malware(_) => "malware",
        Rule::FirstSeen(_) => "first_seen",
        Rule::LastSeen(_) => "last_seen",
        Rule::SpecialRange { .. } => "special_range",
        Rule::AllowlistedNet { .. } => "allowlisted_net",
        Rule::AllowlistedDomain { .. } => "allowlisted_domain",
    }
}

fn flag_code(flag: Flag) -> &'static str {
    match flag {
        Flag::PublicSuffix => "public_suffix",
        Flag::Compromised => "compromised",
    }
}

#[derive(Serialize)]
struct KeptJson<'a> {
    #[serde(flatten)]
    indicator: &'a Indicator,
    #[serde(rename = "type")]
    kind: &'static str,
    defanged: String,
}

#[derive(Serialize)]
struct ExcludedJson<'a> {
    indicator: &'a Indicator,
    defanged: String,
    rule: &'static str,
    reason: String,
}

#[derive(Serialize)]
struct WarningJson<'a> {
    ioc: &'a Ioc,
    flag: &'static str,
    message: String,
}

#[derive(Serialize)]
struct ReportJson<'a> {
    title: String,
    description: String,
    platform: Platform,
    window_days: u32,
    summary: Summary,
    indicators: Vec<KeptJson<'a>>,
    excluded: Vec<ExcludedJson<'a>>,
    warnings: Vec<WarningJson<'a>>,
    queries: &'a [HuntQuery],
    unhunted: &'a [Unhunted],
    false_positives: Vec<Scenario>,
}

impl Serialize for Report<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ReportJson {
            title: self.title(),
            description: self.description(),
            platform: self.plan.options.platform,
            window_days: self.plan.options.window_days,
            summary: self.summary(),
            indicators: self
                .filtered
                .kept
                .iter()
                .map(|i| KeptJson {
                    indicator: i,
                    kind: type_label(i.ioc.kind()),
                    defanged: i.ioc.defanged().to_string(),
                })
                .collect(),
            excluded: self
                .filtered
                .excluded
                .iter()
                .map(|e| ExcludedJson {
                    indicator: &e.indicator,
                    defanged: e.indicator.ioc.defanged().to_string(),
                    rule: rule_code(&e.rule),
                    reason: e.rule.to_string(),
                })
                .collect(),
            warnings: self
                .filtered
                .warnings
                .iter()
                .map(|w| WarningJson {
                    ioc: &w.ioc,
                    flag: flag_code(w.flag),
                    message: w.flag.to_string(),
                })
                .collect(),
            queries: &self.plan.queries,
            unhunted: &self.plan.unhunted,
            false_positives: self.scenarios(),
        }
        .serialize(serializer)
    }
}
