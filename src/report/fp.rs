//! False-positive guidance derived from the indicators, the filter's
//! findings and the queries of the plan.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::filter::{Filtered, Flag};
use crate::hunt::{HuntPlan, HuntQuery, IocGroup, MATCH_TIER_COLUMN, MatchTier};
use crate::kql::{Expr, Operator, Query, col, lit, not};
use crate::{Ioc, IocKind};

/// A situation in which the hunt's queries can return benign rows, with
/// the exclusion that removes them where one applies.
///
/// Built by [`Report::scenarios`](super::Report::scenarios); every scenario
/// names the indicators it concerns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scenario {
    /// A short title.
    pub title: String,
    /// What can match, and why it may be benign.
    pub description: String,
    /// The indicators concerned.
    pub iocs: Vec<Ioc>,
    /// Exclusions for the named queries, if one applies.
    pub exclusions: Vec<Exclusion>,
}

/// A `| where not(...)` step for the queries of one indicator group in
/// some tables, to insert before their final `| project` (it may name
/// columns the query computes and does not project).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exclusion {
    /// The tables whose queries the step applies to.
    pub tables: Vec<String>,
    /// The group of those queries: the step goes after the `group` query
    /// of each table, not after its other queries.
    pub group: IocGroup,
    /// The step, as syntax.
    #[serde(skip)]
    pub step: Operator,
    /// The step as text, `| where not(...)`.
    pub text: String,
}

impl Exclusion {
    /// Whether the step is meant for `query`.
    #[must_use]
    pub fn applies_to(&self, query: &HuntQuery) -> bool {
        query.group == self.group && self.tables.contains(&query.table)
    }

    /// `query` with the step inserted before its last `project`, or `None`
    /// when the step is not meant for it.
    ///
    /// ```
    /// use iochunt::filter::Filter;
    /// use iochunt::hunt::{Catalog, HuntOptions, HuntPlan, Platform};
    /// use iochunt::report::Report;
    /// use iochunt::{Indicator, Ioc};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let filtered = Filter::new().apply([Indicator::new(Ioc::parse("104.168.5.18:8823")?)]);
    /// let plan = HuntPlan::build(&filtered.kept, Catalog::builtin(), &HuntOptions::new(Platform::Defender))?;
    /// let scenarios = Report::new(&filtered, &plan).scenarios();
    /// let exclusion = &scenarios[0].exclusions[0];
    /// let query = exclusion.apply(&plan.queries[0]).expect("a network query");
    /// let text = format!("{query:#}");
    /// assert!(text.contains("\n| where not(MatchTier == \"ip_only\")\n| project Timestamp, MatchTier,"));
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn apply(&self, query: &HuntQuery) -> Option<Query> {
        if !self.applies_to(query) {
            return None;
        }
        let mut q = query.query.clone();
        let at = q
            .body
            .ops
            .iter()
            .rposition(|op| matches!(op, Operator::Project(_)))
            .unwrap_or(q.body.ops.len());
        q.body.ops.insert(at, self.step.clone());
        Some(q)
    }

    fn new(tables: Vec<String>, group: IocGroup, predicate: Expr) -> Exclusion {
        let step = Operator::Where(not(predicate));
        let text = format!("| {step}");
        Exclusion {
            tables,
            group,
            step,
            text,
        }
    }
}

/// Processes whose connections to a compromised, otherwise legitimate site
/// are ordinary browsing.
const BROWSERS: [&str; 6] = [
    "chrome.exe",
    "msedge.exe",
    "firefox.exe",
    "iexplore.exe",
    "brave.exe",
    "opera.exe",
];

/// Whether `query` reports the given tier.
fn has_tier(query: &HuntQuery, tier: MatchTier) -> bool {
    query.text.contains(&format!("\"{}\"", tier.as_str()))
}

/// The tables of the queries matching `pred`, in plan order.
fn tables_where(plan: &HuntPlan, pred: impl Fn(&HuntQuery) -> bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for q in plan.queries.iter().filter(|q| pred(q)) {
        if !out.contains(&q.table) {
            out.push(q.table.clone());
        }
    }
    out
}

/// The host columns a query computes (`RemoteUrlHost = ...`), found in its
/// text.
fn host_columns(query: &HuntQuery) -> Vec<String> {
    let mut cols = Vec::new();
    for part in query.text.split(['\n', ',', '|']) {
        let part = part.trim().trim_start_matches("extend ");
        if let Some((name, _)) = part.split_once(" = ") {
            let name = name.trim();
            if name.ends_with("Host")
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !cols.iter().any(|c: &String| c == name)
            {
                cols.push(name.to_owned());
            }
        }
    }
    cols
}

fn any_of(terms: Vec<Expr>) -> Option<Expr> {
    terms.into_iter().reduce(|a, b| a.or(b))
}

/// One exclusion per domain query, for the rows that matched only `hosts`
/// (optionally only `extra` rows): no host column of the row matches one
/// of the query's other domains. A row where another column matched an
/// indicator that is not flagged is a real hit and stays.
fn host_exclusions(
    plan: &HuntPlan,
    hosts: &[String],
    extra: impl Fn(&HuntQuery) -> Option<Expr>,
    want: impl Fn(&HuntQuery) -> bool,
) -> Vec<Exclusion> {
    let mut out: Vec<Exclusion> = Vec::new();
    for q in plan
        .queries
        .iter()
        .filter(|q| q.group == IocGroup::Domain && want(q))
    {
        if out.iter().any(|e| e.tables.contains(&q.table)) {
            continue;
        }
        let columns = host_columns(q);
        let (mut subdomains, mut exact) = (Vec::new(), Vec::new());
        for d in q.iocs.iter().filter_map(|i| match i {
            Ioc::Domain(d) if !hosts.iter().any(|h| h == d.as_str()) => Some(d),
            _ => None,
        }) {
            if d.is_public_suffix() {
                exact.push(d.as_str());
            } else {
                subdomains.push(d.as_str());
            }
        }
        // The row matched a flagged host...
        let flagged = any_of(
            columns
                .iter()
                .map(|c| col(c.as_str()).in_(hosts.iter().map(|h| lit(h.as_str()))))
                .collect(),
        );
        // ...and no other domain of the query (a flagged host can also be a
        // subdomain of one that is not flagged).
        let others = (!subdomains.is_empty() || !exact.is_empty()).then(|| {
            let re = crate::hunt::host_regex(&subdomains, &exact);
            any_of(
                columns
                    .iter()
                    .map(|c| col(c.as_str()).matches_regex(lit(re.as_str())))
                    .collect(),
            )
        });
        let hit = match (flagged, others.flatten()) {
            (Some(f), Some(o)) if columns.len() > 1 => Some(f.paren().and(not(o))),
            (Some(f), Some(o)) => Some(f.and(not(o))),
            (f, _) => f,
        };
        let Some(hit) = hit else { continue };
        let predicate = match extra(q) {
            Some(e) => e.and(hit.paren()),
            None => hit,
        };
        out.push(Exclusion::new(
            vec![q.table.clone()],
            IocGroup::Domain,
            predicate,
        ));
    }
    out
}

/// `text` as a Markdown code span whose backtick fence is longer than any
/// run of backticks in it, so a value cannot close the span early.
fn code_span(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

fn quoted_list(iocs: &[&Ioc], defang: impl Fn(&Ioc) -> String) -> String {
    const SHOWN: usize = 10;
    let mut text = iocs
        .iter()
        .take(SHOWN)
        .map(|i| code_span(&defang(i)))
        .collect::<Vec<_>>()
        .join(", ");
    if iocs.len() > SHOWN {
        text.push_str(&format!(" and {} more", iocs.len() - SHOWN));
    }
    text
}

pub(crate) fn scenarios(filtered: &Filtered, plan: &HuntPlan) -> Vec<Scenario> {
    let defang = |ioc: &Ioc| ioc.defanged().to_string();
    let kept: Vec<&Ioc> = filtered.kept.iter().map(|i| &i.ioc).collect();
    let mut out = Vec::new();

    // Endpoints: IP-only hits are weaker evidence.
    let endpoints: Vec<&Ioc> = kept
        .iter()
        .copied()
        .filter(|i| i.kind() == IocKind::IpPort)
        .collect();
    let ip_only = tables_where(plan, |q| {
        q.group == IocGroup::Network && has_tier(q, MatchTier::IpOnly)
    });
    if !endpoints.is_empty() && !ip_only.is_empty() {
        let example = endpoints.first().and_then(|i| match i {
            Ioc::IpPort(sa) => Some(sa),
            _ => None,
        });
        let other_port = example.map_or_else(String::new, |sa| {
            let port = if sa.port() == 443 { 80 } else { 443 };
            format!(
                " (for example `{}` rather than `{}`)",
                defang(&Ioc::IpPort(std::net::SocketAddr::new(sa.ip(), port))),
                defang(&Ioc::IpPort(*sa))
            )
        });
        out.push(Scenario {
            title: "Same address, another port (shared hosting, VPS or CDN)".to_owned(),
            description: format!(
                "{} {} (`ip:port`). A connection to the same address on another port{other_port}, \
                 or a row that records no port, is returned with `{MATCH_TIER_COLUMN} == \"{}\"`: \
                 the address may be a shared host, a rented VPS or a CDN edge serving unrelated sites, \
                 so such rows are weaker evidence than an exact endpoint hit. \
                 To keep only exact endpoint hits, add before the `| project` line:",
                quoted_list(&endpoints, defang),
                if endpoints.len() == 1 {
                    "is hunted as an endpoint"
                } else {
                    "are hunted as endpoints"
                },
                MatchTier::IpOnly.as_str(),
            ),
            iocs: endpoints.iter().map(|i| (*i).clone()).collect(),
            exclusions: vec![Exclusion::new(
                ip_only,
                IocGroup::Network,
                col(MATCH_TIER_COLUMN).equals(lit(MatchTier::IpOnly.as_str())),
            )],
        });
    }

    // Bare addresses and networks: every site on them matches.
    let bare: Vec<&Ioc> = kept
        .iter()
        .copied()
        .filter(|i| matches!(i.kind(), IocKind::Ipv4 | IocKind::Ipv6 | IocKind::Cidr))
        .collect();
    if !bare.is_empty() {
        out.push(Scenario {
            title: "Bare addresses on shared infrastructure".to_owned(),
            description: format!(
                "{} {} hunted without a port or host name: every connection to {} matches, \
                 including traffic to other sites that share a hosting provider's or CDN's address. \
                 Check the host name recorded with each hit (for example `RemoteUrl` or \
                 `DestinationHostName`) before acting; no exclusion is suggested because the \
                 benign sites are not known in advance.",
                quoted_list(&bare, defang),
                if bare.len() == 1 { "is" } else { "are" },
                if bare.len() == 1 { "it" } else { "them" },
            ),
            iocs: bare.iter().map(|i| (*i).clone()).collect(),
            exclusions: Vec::new(),
        });
    }

    // Domains: subdomains yes, look-alikes no.
    let domains: Vec<&Ioc> = kept
        .iter()
        .copied()
        .filter(|i| i.kind() == IocKind::Domain)
        .collect();
    if let Some(Ioc::Domain(first)) = domains.first() {
        let d = first.as_str();
        out.push(Scenario {
            title: "Subdomains and look-alike domains".to_owned(),
            description: format!(
                "{} {} matched with {} subdomains (such as `{}`), case-insensitively and with a \
                 trailing dot ignored, but never with look-alikes that only contain the name, such \
                 as `{}` or `{}`: a hit is the domain itself or a host under it. A public suffix \
                 is matched only exactly.",
                quoted_list(&domains, defang),
                if domains.len() == 1 { "is" } else { "are" },
                if domains.len() == 1 { "its" } else { "their" },
                crate::fang::defang(&format!("www.{d}")).into_owned(),
                crate::fang::defang(&format!("{d}.evil.net")).into_owned(),
                crate::fang::defang(&format!("x{d}")).into_owned(),
            ),
            iocs: domains.iter().map(|i| (*i).clone()).collect(),
            exclusions: Vec::new(),
        });
    }

    // Free-text matches in log messages.
    let text_tables = tables_where(plan, |q| has_tier(q, MatchTier::Text));
    if !text_tables.is_empty() {
        let text_iocs: BTreeSet<&Ioc> = plan
            .queries
            .iter()
            .filter(|q| has_tier(q, MatchTier::Text))
            .flat_map(|q| q.iocs.iter())
            .collect();
        let text_iocs: Vec<&Ioc> = text_iocs.into_iter().collect();
        let exclusions = IocGroup::ALL
            .into_iter()
            .filter_map(|group| {
                let tables =
                    tables_where(plan, |q| q.group == group && has_tier(q, MatchTier::Text));
                (!tables.is_empty()).then(|| {
                    Exclusion::new(
                        tables,
                        group,
                        col(MATCH_TIER_COLUMN).equals(lit(MatchTier::Text.as_str())),
                    )
                })
            })
            .collect();
        out.push(Scenario {
            title: "Indicators mentioned in log messages".to_owned(),
            description: format!(
                "In {} the indicators are searched inside free-text messages. A line that only \
                 mentions {} (a blocklist or threat-intelligence update, a proxy or firewall \
                 logging a denied request, an analyst's lookup) is returned with \
                 `{MATCH_TIER_COLUMN} == \"{}\"`. To drop text-only hits, add before the `| project` line:",
                text_tables.join(", "),
                quoted_list(&text_iocs, defang),
                MatchTier::Text.as_str(),
            ),
            iocs: text_iocs.iter().map(|i| (*i).clone()).collect(),
            exclusions,
        });
    }

    // Flags raised by the filter.
    let flagged = |flag: Flag| -> Vec<&Ioc> {
        let set: BTreeSet<&Ioc> = filtered
            .warnings
            .iter()
            .filter(|w| w.flag == flag)
            .map(|w| &w.ioc)
            .collect();
        set.into_iter().collect()
    };
    let suffixes = flagged(Flag::PublicSuffix);
    if !suffixes.is_empty() {
        let hosts: Vec<String> = suffixes.iter().map(|i| i.to_string()).collect();
        out.push(Scenario {
            title: "Public-suffix domains".to_owned(),
            description: format!(
                "{} {} a public suffix: anyone can register names under {}, so the queries match \
                 {} exactly and never {} subdomains. Traffic to the suffix itself usually comes \
                 from the service behind it (dynamic DNS, hosting) rather than the malware. To \
                 leave {} out of the hunt, add before the `| project` line of each query:",
                quoted_list(&suffixes, defang),
                if suffixes.len() == 1 {
                    "is"
                } else {
                    "are each"
                },
                if suffixes.len() == 1 { "it" } else { "them" },
                if suffixes.len() == 1 { "it" } else { "them" },
                if suffixes.len() == 1 { "its" } else { "their" },
                if suffixes.len() == 1 { "it" } else { "them" },
            ),
            iocs: suffixes.iter().map(|i| (*i).clone()).collect(),
            exclusions: host_exclusions(plan, &hosts, |_| None, |_| true),
        });
    }
    let compromised = flagged(Flag::Compromised);
    if !compromised.is_empty() {
        let hosts: Vec<String> = compromised
            .iter()
            .filter_map(|i| match i {
                Ioc::Domain(d) => Some(d.as_str().to_owned()),
                Ioc::Url(u) => u.host_str().map(str::to_owned),
                _ => None,
            })
            .collect();
        let browsers = |q: &HuntQuery| {
            q.text
                .contains("InitiatingProcessFileName")
                .then(|| col("InitiatingProcessFileName").in_ci(BROWSERS.iter().map(|b| lit(*b))))
        };
        let exclusions = if hosts.is_empty() {
            Vec::new()
        } else {
            host_exclusions(plan, &hosts, browsers, |q| {
                q.text.contains("InitiatingProcessFileName")
            })
        };
        out.push(Scenario {
            title: "Compromised legitimate infrastructure".to_owned(),
            description: format!(
                "The feed marks {} as compromised: a legitimate site or server abused by the \
                 malware. Ordinary visits to it are expected and match too; hits from a web \
                 browser are most likely such visits, while the malware connects from its own \
                 process.{}",
                quoted_list(&compromised, defang),
                if exclusions.is_empty() {
                    " Review the initiating process of each hit."
                } else {
                    " To drop browser visits to these hosts, add before the `| project` line:"
                },
            ),
            iocs: compromised.iter().map(|i| (*i).clone()).collect(),
            exclusions,
        });
    }
    out
}
