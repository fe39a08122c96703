//! Turning indicators into hunting queries, table by table.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use super::catalog::{Catalog, Field, Platform, TableSpec};
use super::matching::{
    AUTHORITY_NAME, AUTHORITY_REGEX, any_of, authority_host, authority_port, endpoint_key,
    host_regex, normalized_host, normalized_ip, text_domain_regex, text_endpoint_regex,
    text_ip_regex,
};
use crate::kql::{
    Assignment, Comment, Dynamic, Expr, Query, Tabular, Timespan, TimespanUnit, ValidationError,
    call, col, lit,
};
use crate::{HashKind, Indicator, Ioc};

/// Which indicators a query hunts for.
///
/// ```
/// use iochunt::hunt::IocGroup;
/// assert_eq!(IocGroup::Network.as_str(), "network");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IocGroup {
    /// IP addresses, `ip:port` endpoints and CIDR networks.
    Network,
    /// Domains.
    Domain,
    /// URLs.
    Url,
    /// File hashes.
    Hash,
    /// E-mail addresses.
    Email,
}

impl IocGroup {
    /// Every group, in the order queries are emitted per table.
    pub const ALL: [IocGroup; 5] = [
        IocGroup::Network,
        IocGroup::Domain,
        IocGroup::Url,
        IocGroup::Hash,
        IocGroup::Email,
    ];

    /// The lower-case name.
    ///
    /// ```
    /// # use iochunt::hunt::IocGroup;
    /// assert_eq!(IocGroup::Hash.as_str(), "hash");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            IocGroup::Network => "network",
            IocGroup::Domain => "domain",
            IocGroup::Url => "url",
            IocGroup::Hash => "hash",
            IocGroup::Email => "email",
        }
    }

    /// The group an indicator is hunted in.
    ///
    /// ```
    /// use iochunt::{Ioc, hunt::IocGroup};
    /// assert_eq!(IocGroup::of(&Ioc::parse("1.2.3.4:80")?), IocGroup::Network);
    /// assert_eq!(IocGroup::of(&Ioc::parse("evil.com")?), IocGroup::Domain);
    /// # Ok::<(), iochunt::ParseIocError>(())
    /// ```
    #[must_use]
    pub fn of(ioc: &Ioc) -> IocGroup {
        match ioc {
            Ioc::Domain(_) => IocGroup::Domain,
            Ioc::Url(_) => IocGroup::Url,
            Ioc::Hash(_) => IocGroup::Hash,
            Ioc::Email(_) => IocGroup::Email,
            _ => IocGroup::Network,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            IocGroup::Network => "network indicators (ip:port, ip, cidr)",
            IocGroup::Domain => "domains and their subdomains",
            IocGroup::Url => "URLs",
            IocGroup::Hash => "file hashes",
            IocGroup::Email => "e-mail senders",
        }
    }
}

impl fmt::Display for IocGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The value of the `MatchTier` column that network and domain hunts add.
///
/// ```
/// use iochunt::hunt::MatchTier;
/// assert_eq!(MatchTier::IpOnly.as_str(), "ip_only");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchTier {
    /// The indicator itself matched a structured column: the endpoint (IP
    /// and port of one side), the IP of an IP indicator, an address in a
    /// CIDR indicator, or the domain or one of its subdomains.
    Exact,
    /// Only the IP of an `ip:port` indicator matched, on another port or in
    /// a column without a port: weaker evidence.
    IpOnly,
    /// The indicator was found inside free text (a log message).
    Text,
}

impl MatchTier {
    /// The value written in the `MatchTier` column.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            MatchTier::Exact => "exact",
            MatchTier::IpOnly => "ip_only",
            MatchTier::Text => "text",
        }
    }
}

/// The column network and domain hunts add to say how a row matched.
pub const MATCH_TIER_COLUMN: &str = "MatchTier";

/// Options of a hunt plan.
///
/// # Examples
///
/// ```
/// use iochunt::hunt::{HuntOptions, Platform};
///
/// let opts = HuntOptions::new(Platform::Defender).with_window_days(30).with_max_chars(10_000);
/// assert_eq!(opts.window_days, 30);
/// assert_eq!(HuntOptions::default().window_days, 14);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HuntOptions {
    /// The platform the queries are written for.
    pub platform: Platform,
    /// How many days back each query looks.
    pub window_days: u32,
    /// The most indicator values one query holds; larger sets are split
    /// over several queries. Capped at 10,000 (`has_any`'s limit).
    pub max_values_per_query: usize,
    /// A budget for a query's rendered (pretty) length, such as 10,000
    /// characters for a Sentinel scheduled rule; queries are split further
    /// to stay within it.
    pub max_chars: Option<usize>,
    /// Read indicator lists larger than a threshold from a Sentinel
    /// watchlist instead of writing them into the query.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watchlist: Option<WatchlistOptions>,
}

/// When and under which alias a hunt reads its indicators from a Sentinel
/// watchlist (`_GetWatchlist("alias")`) instead of inline `dynamic([...])`
/// lists.
///
/// It applies on Sentinel and ASIM (Defender XDR advanced hunting has no
/// watchlists) to network, URL, hash and e-mail hunts whose indicator set
/// for one table is larger than [`over`](Self::over). Domain hunts keep
/// their inline lists (their exact-match regex is built from the values)
/// and CIDR networks stay inline (the range functions need a dynamic
/// array), so both are still split to the budget.
///
/// The watchlist has the columns of [`WATCHLIST_COLUMNS`], with
/// `Indicator` as its search key; `iochunt::deploy::watchlist` writes it.
///
/// ```
/// use iochunt::hunt::{HuntOptions, IocGroup, WatchlistOptions};
///
/// let opts = HuntOptions::default().with_watchlist_over(500);
/// let w = opts.watchlist.as_ref().expect("set");
/// assert_eq!(w.over, 500);
/// assert_eq!(w.alias(IocGroup::Network), "iochunt_network");
/// assert_eq!(WatchlistOptions::new("xworm", 10).alias(IocGroup::Hash), "xworm_hash");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchlistOptions {
    /// The start of each watchlist's alias; the group name follows.
    pub alias_prefix: String,
    /// Indicator sets larger than this are read from the watchlist.
    pub over: usize,
}

impl WatchlistOptions {
    /// Watchlists named `<alias_prefix>_<group>`, used above `over` indicators.
    #[must_use]
    pub fn new(alias_prefix: impl Into<String>, over: usize) -> Self {
        WatchlistOptions {
            alias_prefix: alias_prefix.into(),
            over,
        }
    }

    /// The alias of the watchlist holding a group's indicators.
    #[must_use]
    pub fn alias(&self, group: IocGroup) -> String {
        format!("{}_{}", self.alias_prefix, group.as_str())
    }
}

/// The columns of a hunt watchlist, in order: `Indicator` (the search key:
/// the value as the query compares it), `Type` (`ip`, `ip:port`, `cidr`,
/// `url`, `md5`, `sha1`, `sha256`, `sha512`, `sha3_384`, `email`) and `Ip`
/// (the address of an `ip` or `ip:port` row).
pub const WATCHLIST_COLUMNS: [&str; 3] = ["Indicator", "Type", "Ip"];

/// One watchlist row for an indicator: the values of
/// [`WATCHLIST_COLUMNS`]. `None` for domains, which are not read from
/// watchlists.
///
/// ```
/// use iochunt::Ioc;
/// use iochunt::hunt::watchlist_row;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let row = watchlist_row(&Ioc::parse("104.168.5.18:8823")?).expect("a row");
/// assert_eq!(row, ["104.168.5.18:8823", "ip:port", "104.168.5.18"]);
/// assert!(watchlist_row(&Ioc::parse("aliexpress.us.com")?).is_none());
/// # Ok(())
/// # }
/// ```
#[must_use]
pub fn watchlist_row(ioc: &Ioc) -> Option<[String; 3]> {
    let row = |key: String, kind: &str, ip: String| Some([key, kind.to_owned(), ip]);
    match ioc {
        Ioc::Ip(ip) => {
            let ip = hunted_ip(*ip);
            row(ip.clone(), "ip", ip)
        }
        Ioc::IpPort(sa) => {
            let ip = hunted_ip(sa.ip());
            row(format!("{ip}:{}", sa.port()), "ip:port", ip)
        }
        Ioc::Cidr(net) => row(net.to_string(), "cidr", String::new()),
        Ioc::Url(u) => row(normalized_url_text(u), "url", String::new()),
        Ioc::Hash(h) => row(h.to_string(), hash_type(h.kind()), String::new()),
        Ioc::Email(_) => row(ioc.to_string(), "email", String::new()),
        _ => None,
    }
}

fn hash_type(kind: HashKind) -> &'static str {
    match kind {
        HashKind::Md5 => "md5",
        HashKind::Sha1 => "sha1",
        HashKind::Sha256 => "sha256",
        HashKind::Sha512 => "sha512",
        HashKind::Sha3_384 => "sha3_384",
    }
}

/// `let name = _GetWatchlist("alias") | where Type in (types) | project column;`
fn watchlist_list(alias: &str, types: &[&str], column: &str) -> Tabular {
    Tabular::function("_GetWatchlist", [lit(alias)])
        .where_(col("Type").in_(types.iter().map(|t| lit(*t))))
        .project([Assignment::from(column)])
}

/// `has_any`'s documented limit of distinct values.
const HAS_ANY_MAX: usize = 10_000;

impl Default for HuntOptions {
    fn default() -> Self {
        HuntOptions::new(Platform::Sentinel)
    }
}

impl HuntOptions {
    /// Defaults for a platform: a 14-day window, up to 10,000 values per
    /// query, no length budget.
    #[must_use]
    pub fn new(platform: Platform) -> Self {
        HuntOptions {
            platform,
            window_days: 14,
            max_values_per_query: HAS_ANY_MAX,
            max_chars: None,
            watchlist: None,
        }
    }

    /// Sets the window in days.
    #[must_use]
    pub fn with_window_days(mut self, days: u32) -> Self {
        self.window_days = days;
        self
    }

    /// Sets the most values per query.
    #[must_use]
    pub fn with_max_values(mut self, n: usize) -> Self {
        self.max_values_per_query = n;
        self
    }

    /// Sets the rendered-length budget.
    #[must_use]
    pub fn with_max_chars(mut self, n: usize) -> Self {
        self.max_chars = Some(n);
        self
    }

    /// Reads indicator sets larger than `n` from watchlists named
    /// `iochunt_<group>` (see [`WatchlistOptions`]).
    #[must_use]
    pub fn with_watchlist_over(self, n: usize) -> Self {
        self.with_watchlist(WatchlistOptions::new("iochunt", n))
    }

    /// Sets the watchlist options.
    #[must_use]
    pub fn with_watchlist(mut self, watchlist: WatchlistOptions) -> Self {
        self.watchlist = Some(watchlist);
        self
    }
}

/// The longest hunt window [`parse_window_days`] accepts: ten years.
pub const MAX_WINDOW_DAYS: u32 = 3650;

/// Parses a hunt window written as days or weeks (`14d`, `2w`) into days,
/// for [`HuntOptions::with_window_days`].
///
/// # Errors
///
/// [`WindowError::Syntax`] for anything but digits followed by `d` or `w`,
/// [`WindowError::Range`] for a window under 1 day or over
/// [`MAX_WINDOW_DAYS`].
///
/// ```
/// use iochunt::hunt::{WindowError, parse_window_days};
///
/// assert_eq!(parse_window_days("14d"), Ok(14));
/// assert_eq!(parse_window_days("2w"), Ok(14));
/// assert!(matches!(parse_window_days("14"), Err(WindowError::Syntax(_))));
/// assert!(matches!(parse_window_days("+14d"), Err(WindowError::Syntax(_))));
/// assert!(matches!(parse_window_days("0d"), Err(WindowError::Range(_))));
/// ```
pub fn parse_window_days(text: &str) -> Result<u32, WindowError> {
    let syntax = || WindowError::Syntax(text.to_owned());
    let (digits, factor) = match text.as_bytes().last() {
        Some(b'd') => (&text[..text.len() - 1], 1),
        Some(b'w') => (&text[..text.len() - 1], 7),
        _ => return Err(syntax()),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(syntax());
    }
    let range = || WindowError::Range(text.to_owned());
    let days = digits
        .parse::<u32>()
        .ok()
        .and_then(|n| n.checked_mul(factor))
        .ok_or_else(range)?;
    if days == 0 || days > MAX_WINDOW_DAYS {
        return Err(range());
    }
    Ok(days)
}

/// Why [`parse_window_days`] refused a window.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WindowError {
    /// Not digits followed by `d` or `w`.
    #[error("window {0:?}: expected a number of days or weeks such as 14d or 2w")]
    Syntax(String),
    /// Under 1 day or over ten years.
    #[error("window {0:?}: the window must be from 1 day to 3650 days")]
    Range(String),
}

/// One generated hunting query.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HuntQuery {
    /// The table (or ASIM parser) it reads.
    pub table: String,
    /// The platform it is written for.
    pub platform: Platform,
    /// The indicators it hunts for.
    pub group: IocGroup,
    /// The data connectors that fill the table.
    pub connectors: Vec<String>,
    /// The indicator values it covers, sorted.
    pub iocs: Vec<Ioc>,
    /// The query, as syntax.
    #[serde(skip)]
    pub query: Query,
    /// The query, rendered one operator per line.
    pub text: String,
    /// The alias of the watchlist the query reads its indicators from, if
    /// it does (see [`WatchlistOptions`]).
    pub watchlist: Option<String>,
}

/// An indicator no table of the platform can hunt, or one left out of
/// some tables' queries because on its own it is over the length budget;
/// and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unhunted {
    /// The indicator value.
    pub ioc: Ioc,
    /// Why it has no query, or which tables' queries leave it out.
    pub reason: String,
}

/// The queries for a set of indicators on one platform.
///
/// # Examples
///
/// ```
/// use iochunt::{Indicator, Ioc};
/// use iochunt::hunt::{Catalog, HuntOptions, HuntPlan, IocGroup, Platform};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let iocs = ["192.3.171.227:8823", "104.168.5.18:8823", "aliexpress.us.com"]
///     .into_iter()
///     .map(|s| Ioc::parse(s).map(Indicator::new))
///     .collect::<Result<Vec<_>, _>>()?;
/// let plan = HuntPlan::build(&iocs, Catalog::builtin(), &HuntOptions::new(Platform::Defender))?;
/// let dne = plan.queries.iter().find(|q| q.table == "DeviceNetworkEvents" && q.group == IocGroup::Network).expect("a query");
/// assert!(dne.text.contains(r#"let ioc_endpoints = dynamic(["104.168.5.18:8823", "192.3.171.227:8823"]);"#));
/// assert!(dne.text.contains("| where Timestamp > ago(14d)"));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HuntPlan {
    /// The options the plan was built with.
    pub options: HuntOptions,
    /// The queries, in catalog table order, then group order, then part.
    pub queries: Vec<HuntQuery>,
    /// Indicators no table of the platform can hunt, and those left out of
    /// some tables' queries because alone they are over the length budget
    /// (they may still be in other tables' queries).
    pub unhunted: Vec<Unhunted>,
}

/// A plan that cannot be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum HuntError {
    /// One indicator alone makes a query longer than the length budget.
    #[error("a {table} query for {ioc:?} alone is {chars} characters, over the budget of {budget}")]
    OverBudget {
        /// The table.
        table: String,
        /// The indicator.
        ioc: String,
        /// The rendered length.
        chars: usize,
        /// The budget.
        budget: usize,
    },
    /// The length budget is smaller than a query without its indicators.
    #[error(
        "the length budget of {budget} characters is too small: a {table} query needs about {chars} without its indicators"
    )]
    BudgetTooSmall {
        /// The table.
        table: String,
        /// About how long the query is without the indicator.
        chars: usize,
        /// The budget.
        budget: usize,
    },
    /// A generated query failed the platform limits.
    #[error("generated {table} query is invalid: {source}")]
    Invalid {
        /// The table.
        table: String,
        /// What was wrong.
        #[source]
        source: ValidationError,
    },
    /// A comment could not be written (a feed name or family with control characters is cleaned first, so this is unexpected).
    #[error("cannot write query comment: {0}")]
    Comment(ValidationError),
}

impl HuntPlan {
    /// Plans the hunt: for each table of the platform and each group of
    /// indicators it can hold, one query (several when the values exceed
    /// the per-query limits).
    ///
    /// # Errors
    ///
    /// [`HuntError::OverBudget`] when a query that reads a watchlist cannot
    /// fit the length budget even without inline values;
    /// [`HuntError::BudgetTooSmall`] when the budget cannot hold a query
    /// around even one indicator. A single
    /// indicator over the budget is no error: it is left out of that
    /// table's query and listed in [`HuntPlan::unhunted`] with the table,
    /// so that the rest of the hunt is still planned.
    pub fn build(
        indicators: &[Indicator],
        catalog: &Catalog,
        options: &HuntOptions,
    ) -> Result<HuntPlan, HuntError> {
        let source = SourceLine::of(indicators);
        let mut queries = Vec::new();
        let mut over_budget = OverBudget::default();
        for table in catalog.for_platform(options.platform) {
            for group in IocGroup::ALL {
                let iocs: Vec<&Ioc> = sorted_unique(
                    indicators
                        .iter()
                        .map(|i| &i.ioc)
                        .filter(|ioc| IocGroup::of(ioc) == group)
                        .filter(|ioc| huntable_in(ioc, table)),
                );
                if iocs.is_empty() {
                    continue;
                }
                let alias = options
                    .watchlist
                    .as_ref()
                    .filter(|w| {
                        options.platform != Platform::Defender
                            && group != IocGroup::Domain
                            && iocs.len() > w.over
                    })
                    .map(|w| w.alias(group));
                if let Some(alias) = alias {
                    let (cidrs, listed): (Vec<&Ioc>, Vec<&Ioc>) =
                        iocs.iter().partition(|i| matches!(i, Ioc::Cidr(_)));
                    let target = Target {
                        table,
                        group,
                        source: &source,
                        options,
                        watchlist: Some((alias.as_str(), listed.as_slice())),
                    };
                    split_to_budget(&target, &cidrs, &mut queries, &mut over_budget)?;
                    continue;
                }
                let limit = options.max_values_per_query.clamp(1, HAS_ANY_MAX);
                let target = Target {
                    table,
                    group,
                    source: &source,
                    options,
                    watchlist: None,
                };
                for chunk in iocs.chunks(limit) {
                    split_to_budget(&target, chunk, &mut queries, &mut over_budget)?;
                }
            }
        }
        let hunted: BTreeSet<&Ioc> = queries.iter().flat_map(|q| q.iocs.iter()).collect();
        let unhunted = sorted_unique(indicators.iter().map(|i| &i.ioc))
            .into_iter()
            .filter_map(|ioc| {
                let reason = match over_budget.0.get(ioc) {
                    Some(tables) => tables.join("; "),
                    None if hunted.contains(ioc) => return None,
                    None => unhunted_reason(ioc, options.platform),
                };
                Some(Unhunted {
                    ioc: ioc.clone(),
                    reason,
                })
            })
            .collect();
        Ok(HuntPlan {
            options: options.clone(),
            queries,
            unhunted,
        })
    }

    /// The distinct tables the plan queries, in order.
    #[must_use]
    pub fn tables(&self) -> Vec<&str> {
        let mut seen = Vec::new();
        for q in &self.queries {
            if !seen.contains(&q.table.as_str()) {
                seen.push(q.table.as_str());
            }
        }
        seen
    }
}

fn sorted_unique<'a>(iocs: impl Iterator<Item = &'a Ioc>) -> Vec<&'a Ioc> {
    iocs.collect::<BTreeSet<_>>().into_iter().collect()
}

fn unhunted_reason(ioc: &Ioc, platform: Platform) -> String {
    match ioc {
        Ioc::Hash(h) if h.kind() == HashKind::Sha3_384 => {
            "no Sentinel or Defender column holds SHA3-384 hashes".to_owned()
        }
        _ => format!(
            "no {platform} table in the catalog has a column for {} indicators",
            ioc.kind()
        ),
    }
}

/// Whether `table` has a column that can match `ioc`.
fn huntable_in(ioc: &Ioc, table: &TableSpec) -> bool {
    table.fields.iter().any(|field| match (ioc, field) {
        (
            Ioc::Ip(_) | Ioc::IpPort(_) | Ioc::Cidr(_),
            Field::Ip { .. }
            | Field::IpList { .. }
            | Field::Url { .. }
            | Field::Address { .. }
            | Field::Text { .. },
        ) => !matches!(
            (ioc, field),
            (Ioc::Cidr(_), Field::IpList { .. } | Field::Text { .. })
        ),
        (
            Ioc::Domain(_),
            Field::Host { .. } | Field::Url { .. } | Field::Address { .. } | Field::Text { .. },
        ) => true,
        (Ioc::Url(_), Field::Url { .. }) => true,
        (Ioc::Hash(h), Field::Hash { hash, .. }) => hash.is_none_or(|k| k == h.kind()),
        (Ioc::Email(_), Field::Email { .. }) => true,
        _ => false,
    })
}

/// What one query is built for.
struct Target<'a> {
    table: &'a TableSpec,
    group: IocGroup,
    source: &'a SourceLine,
    options: &'a HuntOptions,
    /// The watchlist alias and the indicators read from it.
    watchlist: Option<(&'a str, &'a [&'a Ioc])>,
}

/// The indicators left out of a table's query because alone they are over
/// the length budget, each with one line per such table.
#[derive(Default)]
struct OverBudget(BTreeMap<Ioc, Vec<String>>);

/// Builds the query for `iocs` (plus the watchlist's, if any), halving
/// the inline set until it fits the budget; an indicator over the budget
/// on its own is left out and recorded in `over`.
fn split_to_budget(
    target: &Target<'_>,
    iocs: &[&Ioc],
    out: &mut Vec<HuntQuery>,
    over: &mut OverBudget,
) -> Result<(), HuntError> {
    let (table, group, options) = (target.table, target.group, target.options);
    let query = build_query(target, iocs)?;
    let text = format!("{query:#}");
    if let Some(budget) = options.max_chars {
        let chars = text.chars().count();
        if chars > budget {
            if let [a, b @ ..] = iocs {
                if !b.is_empty() {
                    let (a, b) = iocs.split_at(iocs.len() / 2);
                    split_to_budget(target, a, out, over)?;
                    // The watchlist is read by the first part only: every
                    // later part would report the same rows again.
                    let rest = Target {
                        watchlist: None,
                        ..*target
                    };
                    return split_to_budget(&rest, b, out, over);
                }
                // Too long alone, or a budget smaller than the query around
                // it? The value's own share of the text tells them apart.
                let value = a.to_string();
                let share = value.chars().count() * text.matches(value.as_str()).count().max(1);
                let skeleton = chars.saturating_sub(share);
                if skeleton > budget {
                    return Err(HuntError::BudgetTooSmall {
                        table: table.table.clone(),
                        chars: skeleton,
                        budget,
                    });
                }
                over.0.entry((*a).clone()).or_default().push(format!(
                    "left out of the {} query: alone it makes {chars} characters, over the budget of {budget}",
                    table.table
                ));
                // The watchlist's indicators still get their query.
                return match target.watchlist {
                    Some(_) => split_to_budget(target, &[], out, over),
                    None => Ok(()),
                };
            }
            return Err(HuntError::OverBudget {
                table: table.table.clone(),
                ioc: target
                    .watchlist
                    .map(|(alias, _)| format!("_GetWatchlist(\"{alias}\")"))
                    .unwrap_or_default(),
                chars,
                budget,
            });
        }
    }
    let mut covered: Vec<Ioc> = iocs.iter().map(|i| (*i).clone()).collect();
    if let Some((_, listed)) = target.watchlist {
        covered.extend(listed.iter().map(|i| (*i).clone()));
        covered.sort();
    }
    query.validate().map_err(|source| HuntError::Invalid {
        table: table.table.clone(),
        source,
    })?;
    out.push(HuntQuery {
        table: table.table.clone(),
        platform: options.platform,
        group,
        connectors: table.connectors.clone(),
        iocs: covered,
        query,
        text,
        watchlist: target.watchlist.map(|(alias, _)| alias.to_owned()),
    });
    Ok(())
}

/// The `// Source: ...` comment: feeds and malware families.
struct SourceLine(String);

impl SourceLine {
    fn of(indicators: &[Indicator]) -> SourceLine {
        let feeds: BTreeSet<&str> = indicators
            .iter()
            .flat_map(|i| i.sources.iter().map(|s| feed_display_name(&s.feed)))
            .collect();
        let families: BTreeSet<&str> = indicators
            .iter()
            .filter_map(|i| i.malware.as_ref().map(|m| m.display_name()))
            .collect();
        let list = |set: BTreeSet<&str>| {
            const SHOWN: usize = 5;
            let total = set.len();
            let mut text = set.into_iter().take(SHOWN).collect::<Vec<_>>().join(", ");
            if total > SHOWN {
                text.push_str(&format!(" (+{} more)", total - SHOWN));
            }
            text
        };
        let feeds = if feeds.is_empty() {
            "indicator list".to_owned()
        } else {
            list(feeds)
        };
        let text = if families.is_empty() {
            format!("Source: {feeds}")
        } else {
            format!("Source: {feeds} - {}", list(families))
        };
        // Feed text is data: keep control characters out of the comment line.
        SourceLine(crate::kql::one_line(&text))
    }
}

/// The printable name of a feed id, as the seed writes it.
pub(crate) fn feed_display_name(feed: &str) -> &str {
    match feed {
        "threatfox" => "ThreatFox",
        "urlhaus" => "URLhaus",
        "malwarebazaar" => "MalwareBazaar",
        other => other,
    }
}

fn comment(text: String) -> Result<Comment, HuntError> {
    Comment::new(text).map_err(HuntError::Comment)
}

fn strings<'a>(values: impl IntoIterator<Item = &'a String>) -> Expr {
    lit(Dynamic::strings(values.into_iter().map(String::as_str)))
}

/// The query for one table, group and set of indicators.
fn build_query(target: &Target<'_>, iocs: &[&Ioc]) -> Result<Query, HuntError> {
    let (table, group, source, options) =
        (target.table, target.group, target.source, target.options);
    let wl = target.watchlist;
    let time = options.platform.time_column();
    let mut q = Query::new(table_source(table, options))
        .comment(comment(format!(
            "Hunt for {} in {}",
            group.describe(),
            table.table
        ))?)
        .comment(comment(source.0.clone())?);
    let body = match group {
        IocGroup::Network => network(table, iocs, wl),
        IocGroup::Domain => domain(table, iocs),
        IocGroup::Url => url(table, iocs, wl),
        IocGroup::Hash => hash(table, iocs, wl),
        IocGroup::Email => email(table, iocs, wl),
    };
    for (name, value) in body.tabular_lets {
        q = q.let_tabular(name, value);
    }
    for (name, value) in body.lets {
        q = q.let_(name, value);
    }
    q = q.where_(col(time).gt(call(
        "ago",
        [lit(Timespan::new(
            u64::from(options.window_days),
            TimespanUnit::Day,
        ))],
    )));
    for op in body.steps {
        q = match op {
            Step::Where(e) => q.where_(e),
            Step::Extend(a) => q.extend(a),
        };
    }
    let mut projected: Vec<Assignment> = vec![time.into()];
    if body.tier {
        projected.push(MATCH_TIER_COLUMN.into());
    }
    projected.extend(table.project.iter().map(|c| Assignment::from(c.as_str())));
    Ok(q.project(projected).order_by([col(time).desc()]))
}

/// The table reference, or the ASIM parser call with its time filter
/// pushed into the parser.
fn table_source(table: &TableSpec, _options: &HuntOptions) -> crate::kql::Tabular {
    crate::kql::Tabular::table(table.table.as_str())
}

enum Step {
    Where(Expr),
    Extend(Vec<Assignment>),
}

/// The `let` statements and pipeline steps of one group's hunt.
#[derive(Default)]
struct Body {
    /// Lists read from a watchlist.
    tabular_lets: Vec<(&'static str, Tabular)>,
    lets: Vec<(&'static str, Expr)>,
    steps: Vec<Step>,
    /// Whether the hunt adds the `MatchTier` column.
    tier: bool,
}

fn uses_authority(table: &TableSpec) -> bool {
    table
        .fields
        .iter()
        .any(|f| matches!(f, Field::Url { .. } | Field::Address { .. }))
}

/// The address-bearing expressions of a table, after the extends that
/// normalise them: `(address, optional port)`.
struct Addresses {
    extends: Vec<Assignment>,
    pairs: Vec<(Expr, Option<Expr>)>,
    lists: Vec<String>,
    texts: Vec<String>,
}

fn addresses(table: &TableSpec) -> Addresses {
    let mut a = Addresses {
        extends: Vec::new(),
        pairs: Vec::new(),
        lists: Vec::new(),
        texts: Vec::new(),
    };
    for field in &table.fields {
        match field {
            Field::Ip { column, port } => {
                let name = format!("{column}Addr");
                a.extends
                    .push(Assignment::named(name.as_str(), normalized_ip(col(column))));
                a.pairs.push((col(name), port.as_deref().map(col)));
            }
            Field::Url { column } | Field::Address { column } => {
                let host = format!("{column}Host");
                let port = format!("{column}Port");
                a.extends
                    .push(Assignment::named(host.as_str(), authority_host(column)));
                a.extends
                    .push(Assignment::named(port.as_str(), authority_port(column)));
                a.pairs.push((col(host), Some(col(port))));
            }
            Field::IpList { column } => a.lists.push(column.clone()),
            Field::Text { column } => a.texts.push(column.clone()),
            _ => {}
        }
    }
    a
}

/// The watchlist alias and the indicators it holds, when a hunt reads one.
type WatchlistUse<'a> = Option<(&'a str, &'a [&'a Ioc])>;

/// The inline indicators and the watchlist's together.
fn with_listed<'a>(iocs: &[&'a Ioc], wl: WatchlistUse<'a>) -> Vec<&'a Ioc> {
    let listed = wl.map(|(_, l)| l).unwrap_or_default();
    iocs.iter().chain(listed.iter()).copied().collect()
}

fn network(table: &TableSpec, iocs: &[&Ioc], wl: WatchlistUse<'_>) -> Body {
    let iocs = with_listed(iocs, wl);
    let mut all_ips = BTreeSet::new();
    let mut exact_ips = BTreeSet::new();
    let mut endpoints = BTreeSet::new();
    let mut v4_ranges = BTreeSet::new();
    let mut v6_ranges = BTreeSet::new();
    for ioc in &iocs {
        match ioc {
            Ioc::Ip(ip) => {
                let ip = hunted_ip(*ip);
                all_ips.insert(ip.clone());
                exact_ips.insert(ip);
            }
            Ioc::IpPort(sa) => {
                let ip = hunted_ip(sa.ip());
                endpoints.insert(format!("{ip}:{}", sa.port()));
                all_ips.insert(ip);
            }
            Ioc::Cidr(IpNet::V4(net)) => {
                v4_ranges.insert(net.to_string());
            }
            Ioc::Cidr(IpNet::V6(net)) => {
                v6_ranges.insert(net.to_string());
            }
            _ => {}
        }
    }
    let v4_ips: BTreeSet<String> = all_ips
        .iter()
        .filter(|s| !s.contains(':'))
        .cloned()
        .collect();
    let v6_ips: BTreeSet<String> = all_ips
        .iter()
        .filter(|s| s.contains(':'))
        .cloned()
        .collect();
    let exact_v4: BTreeSet<String> = exact_ips
        .iter()
        .filter(|s| !s.contains(':'))
        .cloned()
        .collect();

    let mut body = Body {
        tier: true,
        ..Body::default()
    };
    let has = |set: &BTreeSet<String>| !set.is_empty();
    let alias = wl.map(|(alias, _)| alias);
    let lists: [(&'static str, &BTreeSet<String>, &[&str], &str); 3] = [
        ("ioc_ips", &all_ips, &["ip", "ip:port"], "Ip"),
        ("ioc_endpoints", &endpoints, &["ip:port"], "SearchKey"),
        ("ioc_exact_ips", &exact_ips, &["ip"], "SearchKey"),
    ];
    for (name, set, types, column) in lists {
        match (has(set), alias) {
            (false, _) => {}
            (true, Some(alias)) => body
                .tabular_lets
                .push((name, watchlist_list(alias, types, column))),
            (true, None) => body.lets.push((name, strings(set))),
        }
    }
    if has(&v4_ranges) {
        body.lets.push(("ioc_ipv4_ranges", strings(&v4_ranges)));
    }
    if has(&v6_ranges) {
        body.lets.push(("ioc_ipv6_ranges", strings(&v6_ranges)));
    }
    let addrs = addresses(table);
    if uses_authority(table) {
        body.lets.push((AUTHORITY_NAME, lit(AUTHORITY_REGEX)));
    }
    if !addrs.extends.is_empty() {
        body.steps.push(Step::Extend(addrs.extends));
    }

    // Structured hits: any address of the row is an indicator IP or lies in
    // an indicator range.
    let in_ranges = |addr: &Expr| {
        let mut t = Vec::new();
        if has(&v4_ranges) {
            t.push(call(
                "ipv4_is_in_any_range",
                [addr.clone(), col("ioc_ipv4_ranges")],
            ));
        }
        if has(&v6_ranges) {
            t.push(call(
                "ipv6_is_in_any_range",
                [addr.clone(), col("ioc_ipv6_ranges")],
            ));
        }
        t
    };
    let mut structured = Vec::new();
    let mut exact = Vec::new();
    for (addr, port) in &addrs.pairs {
        if has(&all_ips) {
            structured.push(addr.clone().in_([col("ioc_ips")]));
        }
        let ranges = in_ranges(addr);
        structured.extend(ranges.iter().cloned());
        exact.extend(ranges);
        if let (Some(port), true) = (port, has(&endpoints)) {
            exact.push(endpoint_key(addr.clone(), port.clone()).in_([col("ioc_endpoints")]));
        }
        if has(&exact_ips) {
            exact.push(addr.clone().in_([col("ioc_exact_ips")]));
        }
    }
    for column in addrs.lists.iter().filter(|_| alias.is_some()) {
        // A tabular list: `has_any` takes it where `has_any_ipv4` does not.
        if has(&all_ips) {
            structured.push(col(column).has_any([col("ioc_ips")]));
        }
        if has(&exact_ips) {
            exact.push(col(column).has_any([col("ioc_exact_ips")]));
        }
    }
    for column in addrs.lists.iter().filter(|_| alias.is_none()) {
        if has(&v4_ips) {
            body.lets.push(("ioc_ipv4s", strings(&v4_ips)));
            structured.push(call("has_any_ipv4", [col(column), col("ioc_ipv4s")]));
        }
        if has(&v6_ips) {
            body.lets.push(("ioc_ipv6s", strings(&v6_ips)));
            structured.push(col(column).has_any([col("ioc_ipv6s")]));
        }
        if has(&exact_v4) {
            exact.push(call("has_any_ipv4", [col(column), col("ioc_exact_ips")]));
        }
    }
    let mut text = Vec::new();
    // A watchlist holds the values as a table, which only `has_any` takes.
    for column in addrs.texts.iter().filter(|_| alias.is_some()) {
        if has(&all_ips) {
            text.push(col(column).has_any([col("ioc_ips")]));
        }
    }
    for column in addrs.texts.iter().filter(|_| alias.is_none()) {
        if has(&all_ips) {
            let ips: Vec<&str> = all_ips.iter().map(String::as_str).collect();
            text.push(col(column).matches_regex(lit(text_ip_regex(&ips))));
        }
        if has(&endpoints) {
            let eps: Vec<String> = endpoints.iter().cloned().collect();
            text.push(col(column).matches_regex(lit(text_endpoint_regex(&eps))));
        }
    }
    dedup_lets(&mut body.lets);
    finish_tiered(&mut body, structured, exact, text, MatchTier::IpOnly);
    body
}

/// Adds the filter and the `MatchTier` column. `structured` are hits in
/// structured columns, `exact` the subset that is exact, `text` hits in
/// free text; `weaker` is the tier of a structured hit that is not exact.
fn finish_tiered(
    body: &mut Body,
    structured: Vec<Expr>,
    exact: Vec<Expr>,
    text: Vec<Expr>,
    weaker: MatchTier,
) {
    let structured = any_of(structured);
    let exact = any_of(exact);
    let text = any_of(text);
    let filter = any_of(structured.iter().chain(text.iter()).cloned().collect());
    if let Some(filter) = filter {
        body.steps.push(Step::Where(filter));
    }
    let mut case_args = Vec::new();
    if let Some(exact) = exact {
        case_args.push(exact);
        case_args.push(lit(MatchTier::Exact.as_str()));
    }
    let fallback = if text.is_some() {
        if let Some(structured) = structured {
            case_args.push(structured);
            case_args.push(lit(weaker.as_str()));
        }
        MatchTier::Text
    } else {
        weaker
    };
    let tier = if case_args.is_empty() {
        lit(fallback.as_str())
    } else {
        case_args.push(lit(fallback.as_str()));
        call("case", case_args)
    };
    body.steps.push(Step::Extend(vec![Assignment::named(
        MATCH_TIER_COLUMN,
        tier,
    )]));
}

fn dedup_lets(lets: &mut Vec<(&'static str, Expr)>) {
    let mut seen = BTreeSet::new();
    lets.retain(|(name, _)| seen.insert(*name));
}

/// The text an IP is hunted as: IPv4-mapped IPv6 as its IPv4 address.
fn hunted_ip(ip: IpAddr) -> String {
    ip.to_canonical().to_string()
}

fn domain(table: &TableSpec, iocs: &[&Ioc]) -> Body {
    let mut subdomains = Vec::new();
    let mut exact_only = Vec::new();
    for ioc in iocs {
        if let Ioc::Domain(d) = ioc {
            if d.is_public_suffix() {
                exact_only.push(d.as_str());
            } else {
                subdomains.push(d.as_str());
            }
        }
    }
    let all: BTreeSet<String> = subdomains
        .iter()
        .chain(exact_only.iter())
        .map(|d| (*d).to_owned())
        .collect();
    let mut body = Body {
        tier: true,
        ..Body::default()
    };
    body.lets.push(("ioc_domains", strings(&all)));
    body.lets
        .push(("ioc_host_regex", lit(host_regex(&subdomains, &exact_only))));
    if uses_authority(table) {
        body.lets.push((AUTHORITY_NAME, lit(AUTHORITY_REGEX)));
    }
    // `has_any` is a term-index pre-filter: every host that is a domain or
    // one of its subdomains contains the domain's terms. The exact check
    // below removes look-alikes such as `domain.evil.net`.
    let prefilter = any_of(
        table
            .fields
            .iter()
            .filter(|f| {
                matches!(
                    f,
                    Field::Host { .. }
                        | Field::Url { .. }
                        | Field::Address { .. }
                        | Field::Text { .. }
                )
            })
            .map(|f| col(f.column()).has_any([col("ioc_domains")]))
            .collect(),
    );
    if let Some(p) = prefilter {
        body.steps.push(Step::Where(p));
    }
    let mut extends = Vec::new();
    let mut structured = Vec::new();
    let mut text = Vec::new();
    for field in &table.fields {
        match field {
            Field::Host { column } => {
                let name = format!("{column}Host");
                extends.push(Assignment::named(
                    name.as_str(),
                    normalized_host(col(column)),
                ));
                structured.push(col(name).matches_regex(col("ioc_host_regex")));
            }
            Field::Url { column } | Field::Address { column } => {
                let name = format!("{column}Host");
                extends.push(Assignment::named(name.as_str(), authority_host(column)));
                structured.push(col(name).matches_regex(col("ioc_host_regex")));
            }
            Field::Text { column } => {
                text.push(
                    col(column).matches_regex(lit(text_domain_regex(&subdomains, &exact_only))),
                );
            }
            _ => {}
        }
    }
    if !extends.is_empty() {
        body.steps.push(Step::Extend(extends));
    }
    // Every structured domain hit is exact; only text hits are weaker.
    finish_tiered(&mut body, structured, Vec::new(), text, MatchTier::Exact);
    body
}

/// The form URLs are compared in: lower-case, without trailing slashes.
fn normalized_url_text(url: &url::Url) -> String {
    url.as_str().to_lowercase().trim_end_matches('/').to_owned()
}

fn url(table: &TableSpec, iocs: &[&Ioc], wl: WatchlistUse<'_>) -> Body {
    let iocs = with_listed(iocs, wl);
    let urls: BTreeSet<String> = iocs
        .iter()
        .filter_map(|i| match i {
            Ioc::Url(u) => Some(normalized_url_text(u)),
            _ => None,
        })
        .collect();
    let mut body = Body::default();
    match wl {
        Some((alias, _)) => body
            .tabular_lets
            .push(("ioc_urls", watchlist_list(alias, &["url"], "SearchKey"))),
        None => body.lets.push(("ioc_urls", strings(&urls))),
    }
    let terms = table
        .fields
        .iter()
        .filter_map(|f| match f {
            Field::Url { column } => Some(
                call("trim_end", [lit("/"), call("tolower", [col(column)])]).in_([col("ioc_urls")]),
            ),
            _ => None,
        })
        .collect();
    if let Some(filter) = any_of(terms) {
        body.steps.push(Step::Where(filter));
    }
    body
}

fn hash(table: &TableSpec, iocs: &[&Ioc], wl: WatchlistUse<'_>) -> Body {
    let iocs = with_listed(iocs, wl);
    let mut by_kind: Vec<(HashKind, BTreeSet<String>)> = Vec::new();
    for ioc in &iocs {
        if let Ioc::Hash(h) = ioc {
            match by_kind.iter_mut().find(|(k, _)| *k == h.kind()) {
                Some((_, set)) => {
                    set.insert(h.to_string());
                }
                None => by_kind.push((h.kind(), BTreeSet::from([h.to_string()]))),
            }
        }
    }
    by_kind.sort_by_key(|(k, _)| *k);
    let mut body = Body::default();
    let list_name = |k: HashKind| match k {
        HashKind::Md5 => "ioc_md5",
        HashKind::Sha1 => "ioc_sha1",
        HashKind::Sha256 => "ioc_sha256",
        HashKind::Sha512 => "ioc_sha512",
        HashKind::Sha3_384 => "ioc_sha3_384",
    };
    let any_kind = table
        .fields
        .iter()
        .any(|f| matches!(f, Field::Hash { hash: None, .. }));
    for (kind, values) in &by_kind {
        match wl {
            Some((alias, _)) => body.tabular_lets.push((
                list_name(*kind),
                watchlist_list(alias, &[hash_type(*kind)], "SearchKey"),
            )),
            None => body.lets.push((list_name(*kind), strings(values))),
        }
    }
    if any_kind {
        match wl {
            Some((alias, _)) => {
                let types: Vec<&str> = by_kind.iter().map(|(k, _)| hash_type(*k)).collect();
                body.tabular_lets
                    .push(("ioc_hashes", watchlist_list(alias, &types, "SearchKey")));
            }
            None => {
                let all: BTreeSet<String> = by_kind
                    .iter()
                    .flat_map(|(_, v)| v.iter().cloned())
                    .collect();
                body.lets.push(("ioc_hashes", strings(&all)));
            }
        }
    }
    let terms = table
        .fields
        .iter()
        .filter_map(|f| match f {
            Field::Hash {
                column,
                hash: Some(k),
            } if by_kind.iter().any(|(have, _)| have == k) => {
                Some(col(column).in_ci([col(list_name(*k))]))
            }
            Field::Hash { column, hash: None } => Some(col(column).in_ci([col("ioc_hashes")])),
            _ => None,
        })
        .collect();
    if let Some(filter) = any_of(terms) {
        body.steps.push(Step::Where(filter));
    }
    body
}

fn email(table: &TableSpec, iocs: &[&Ioc], wl: WatchlistUse<'_>) -> Body {
    let iocs = with_listed(iocs, wl);
    let emails: BTreeSet<String> = iocs.iter().map(|i| i.to_string()).collect();
    let mut body = Body::default();
    match wl {
        Some((alias, _)) => body
            .tabular_lets
            .push(("ioc_emails", watchlist_list(alias, &["email"], "SearchKey"))),
        None => body.lets.push(("ioc_emails", strings(&emails))),
    }
    let terms = table
        .fields
        .iter()
        .filter_map(|f| match f {
            Field::Email { column } => Some(col(column).in_ci([col("ioc_emails")])),
            _ => None,
        })
        .collect();
    if let Some(filter) = any_of(terms) {
        body.steps.push(Step::Where(filter));
    }
    body
}
