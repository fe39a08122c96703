//! Microsoft Sentinel analytics rules in the Azure-Sentinel repository's
//! YAML format.
//!
//! [`analytics_rules`] plans the hunt with a 10,000-character budget and
//! turns each query into an [`AnalyticsRule`]; [`from_plan`] does the same
//! for a plan you built. [`AnalyticsRule::to_yaml`] writes the file.
//!
//! What the rules guarantee, following the repository's template checks:
//! - a stable id: a UUIDv5 of the table, the indicator group, the sorted
//!   indicators and the rule options, so regenerating the same pack gives
//!   the same ids (the repository rejects a changed id);
//! - severity from the lowest indicator confidence (above 82 High, above
//!   74 Medium, else Low, as Sentinel's own TI rules grade it);
//! - `requiredDataConnectors` listing every connector that feeds the table;
//! - frequency and period within 5 minutes to 14 days, period at least the
//!   frequency, hourly or slower for periods of 2 days or more;
//! - techniques paired with a tactic they belong to (`CommandAndControl` /
//!   `T1071` for network, domain and URL indicators);
//! - at most 10 entity mappings, each on a column of the query's output;
//! - a query of at most 10,000 characters (larger indicator sets are split
//!   over several rules, or read from a watchlist).
//!
//! # Example
//!
//! ```
//! use iochunt::{Confidence, Indicator, Ioc, ThreatType};
//! use iochunt::deploy::sentinel::{RuleOptions, Severity, analytics_rules};
//! use iochunt::hunt::{Catalog, HuntOptions};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut c2 = Indicator::new(Ioc::parse("104.168.5.18:8823")?);
//! c2.threat_type = ThreatType::BotnetCc;
//! c2.confidence = Some(Confidence::new(75)?);
//! let rules = analytics_rules(&[c2], Catalog::builtin(), &HuntOptions::default(), &RuleOptions::default())?;
//! let cef = rules.iter().find(|r| r.table == "CommonSecurityLog").expect("a CEF rule");
//! assert_eq!(cef.severity, Severity::Medium);
//! let yaml = cef.to_yaml();
//! assert!(yaml.contains("\nrelevantTechniques:\n  - T1071\n  - T1571\n"));
//! assert!(yaml.contains("  - connectorId: CefAma\n    dataTypes:\n      - CommonSecurityLog\n"));
//! # Ok(())
//! # }
//! ```

use std::collections::BTreeSet;
use std::fmt;

use serde::Serialize;
use uuid::Uuid;

use crate::hunt::{
    Catalog, Field, HuntError, HuntOptions, HuntPlan, HuntQuery, IocGroup, MATCH_TIER_COLUMN,
    Platform, TableSpec,
};
use crate::kql::{Assignment, Expr, Operator, Query, Timespan, TimespanUnit, call, col, lit};
use crate::{Confidence, HashKind, Indicator, Ioc, ThreatType};

/// The longest query a rule may hold, in characters.
pub const MAX_QUERY_CHARS: usize = 10_000;

/// The most entity mappings a rule may have.
pub const MAX_ENTITY_MAPPINGS: usize = 10;

/// Characters kept free in the hunt's budget for what a rule appends
/// (the algorithm columns of file-hash entities).
const RULE_SUFFIX_RESERVE: usize = 400;

/// The namespace of rule ids (UUIDv5).
const RULE_NAMESPACE: Uuid = Uuid::from_u128(0x6f0c_8a3e_2b5d_4e7a_9c41_3d8e_0f1a_2b6c);

/// A rule's severity.
///
/// ```
/// use iochunt::Confidence;
/// use iochunt::deploy::sentinel::Severity;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// assert_eq!(Severity::from_confidence(Some(Confidence::new(75)?)), Severity::Medium);
/// assert_eq!(Severity::from_confidence(Some(Confidence::new(83)?)), Severity::High);
/// assert_eq!(Severity::from_confidence(Some(Confidence::new(74)?)), Severity::Low);
/// assert_eq!(Severity::from_confidence(None), Severity::Low);
/// assert_eq!(Severity::High.as_str(), "High");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Severity {
    /// `Informational`.
    Informational,
    /// `Low`.
    Low,
    /// `Medium`.
    Medium,
    /// `High`.
    High,
}

impl Severity {
    /// The severity for an indicator confidence, as Sentinel's TI rules
    /// grade it: above 82 High, above 74 Medium, else (or unknown) Low.
    #[must_use]
    pub fn from_confidence(confidence: Option<Confidence>) -> Severity {
        match confidence.map(Confidence::get) {
            Some(c) if c > 82 => Severity::High,
            Some(c) if c > 74 => Severity::Medium,
            _ => Severity::Low,
        }
    }

    /// The Sentinel spelling: `Informational`, `Low`, `Medium`, `High`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Informational => "Informational",
            Severity::Low => "Low",
            Severity::Medium => "Medium",
            Severity::High => "High",
        }
    }

    /// The Microsoft Graph spelling: `informational`, `low`, `medium`, `high`.
    ///
    /// ```
    /// # use iochunt::deploy::sentinel::Severity;
    /// assert_eq!(Severity::Medium.graph_str(), "medium");
    /// ```
    #[must_use]
    pub const fn graph_str(self) -> &'static str {
        match self {
            Severity::Informational => "informational",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

/// The ATT&CK tactics IOC rules use (Sentinel spelling, no spaces).
///
/// ```
/// use iochunt::deploy::sentinel::Tactic;
/// assert_eq!(Tactic::CommandAndControl.as_str(), "CommandAndControl");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Tactic {
    /// `InitialAccess`.
    InitialAccess,
    /// `Execution`.
    Execution,
    /// `CommandAndControl`.
    CommandAndControl,
}

impl Tactic {
    /// The Sentinel spelling.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Tactic::InitialAccess => "InitialAccess",
            Tactic::Execution => "Execution",
            Tactic::CommandAndControl => "CommandAndControl",
        }
    }
}

/// The techniques rules may carry and the tactic each is listed under in
/// the Azure-Sentinel repository's technique table.
///
/// ```
/// use iochunt::deploy::sentinel::{TECHNIQUES, Tactic};
/// assert!(TECHNIQUES.contains(&("T1071", Tactic::CommandAndControl)));
/// ```
pub const TECHNIQUES: [(&str, Tactic); 5] = [
    ("T1071", Tactic::CommandAndControl),
    ("T1571", Tactic::CommandAndControl),
    ("T1105", Tactic::CommandAndControl),
    ("T1204", Tactic::Execution),
    ("T1566", Tactic::InitialAccess),
];

/// A rule time span (frequency or period), in whole minutes.
///
/// ```
/// use iochunt::deploy::sentinel::RuleSpan;
///
/// assert_eq!(RuleSpan::hours(1).to_string(), "1h");
/// assert_eq!(RuleSpan::days(14).to_string(), "14d");
/// assert_eq!(RuleSpan::minutes(90).to_string(), "90m");
/// assert_eq!(RuleSpan::hours(1).iso8601(), "PT1H");
/// assert_eq!(RuleSpan::days(14).iso8601(), "P14D");
/// assert_eq!(RuleSpan::minutes(5).iso8601(), "PT5M");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct RuleSpan(u32);

impl RuleSpan {
    /// The shortest span Sentinel accepts: 5 minutes.
    pub const MIN: RuleSpan = RuleSpan(5);
    /// The longest span Sentinel accepts: 14 days.
    pub const MAX: RuleSpan = RuleSpan(14 * 24 * 60);

    /// A span of `n` minutes.
    #[must_use]
    pub const fn minutes(n: u32) -> RuleSpan {
        RuleSpan(n)
    }

    /// A span of `n` hours.
    #[must_use]
    pub const fn hours(n: u32) -> RuleSpan {
        RuleSpan(n.saturating_mul(60))
    }

    /// A span of `n` days.
    #[must_use]
    pub const fn days(n: u32) -> RuleSpan {
        RuleSpan(n.saturating_mul(24 * 60))
    }

    /// The span in minutes.
    #[must_use]
    pub const fn as_minutes(self) -> u32 {
        self.0
    }

    /// The ISO-8601 duration ARM templates use: `PT5M`, `PT1H`, `P14D`.
    #[must_use]
    pub fn iso8601(self) -> String {
        match self.unit() {
            (n, TimespanUnit::Day) => format!("P{n}D"),
            (n, TimespanUnit::Hour) => format!("PT{n}H"),
            (n, _) => format!("PT{n}M"),
        }
    }

    /// The largest whole unit: `(amount, Day | Hour | Minute)`.
    fn unit(self) -> (u32, TimespanUnit) {
        let m = self.0;
        if m != 0 && m % (24 * 60) == 0 {
            (m / (24 * 60), TimespanUnit::Day)
        } else if m != 0 && m % 60 == 0 {
            (m / 60, TimespanUnit::Hour)
        } else {
            (m, TimespanUnit::Minute)
        }
    }

    /// The span as a KQL timespan literal.
    fn timespan(self) -> Timespan {
        let (n, unit) = self.unit();
        Timespan::new(u64::from(n), unit)
    }
}

impl fmt::Display for RuleSpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.unit() {
            (n, TimespanUnit::Day) => write!(f, "{n}d"),
            (n, TimespanUnit::Hour) => write!(f, "{n}h"),
            (n, _) => write!(f, "{n}m"),
        }
    }
}

/// The kind of analytics rule.
///
/// ```
/// use iochunt::deploy::sentinel::RuleKind;
/// assert_eq!(RuleKind::Nrt.as_str(), "NRT");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum RuleKind {
    /// Runs every `queryFrequency` over `queryPeriod`.
    Scheduled,
    /// Near-real-time: runs every minute over new data (at most 50 enabled
    /// per workspace); no frequency, period or trigger.
    Nrt,
}

impl RuleKind {
    /// `Scheduled` or `NRT`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            RuleKind::Scheduled => "Scheduled",
            RuleKind::Nrt => "NRT",
        }
    }
}

/// How rules are written.
///
/// ```
/// use iochunt::deploy::sentinel::{RuleKind, RuleOptions, RuleSpan};
///
/// let opts = RuleOptions::default().with_schedule(RuleSpan::hours(1), RuleSpan::days(1));
/// assert!(opts.validate().is_ok());
/// assert_eq!(RuleOptions::default().kind, RuleKind::Scheduled);
/// let bad = RuleOptions::default().with_schedule(RuleSpan::minutes(10), RuleSpan::days(2));
/// assert_eq!(bad.validate().unwrap_err().to_string(),
///     r#"query period "2d" of 2 days or more needs a query frequency of at least 1h, got "10m""#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleOptions {
    /// Scheduled or NRT.
    pub kind: RuleKind,
    /// How often a scheduled rule runs.
    pub query_frequency: RuleSpan,
    /// How far back each run looks.
    pub query_period: RuleSpan,
    /// An alert is raised when the result has more rows than this.
    pub trigger_threshold: u32,
    /// The start of every rule name.
    pub name_prefix: String,
    /// The template version, `X.Y.Z`.
    pub version: String,
}

impl Default for RuleOptions {
    fn default() -> Self {
        RuleOptions {
            kind: RuleKind::Scheduled,
            query_frequency: RuleSpan::hours(1),
            query_period: RuleSpan::hours(1),
            trigger_threshold: 0,
            name_prefix: "iochunt".to_owned(),
            version: "1.0.0".to_owned(),
        }
    }
}

impl RuleOptions {
    /// Sets the frequency and period.
    #[must_use]
    pub fn with_schedule(mut self, frequency: RuleSpan, period: RuleSpan) -> Self {
        self.query_frequency = frequency;
        self.query_period = period;
        self
    }

    /// Sets the kind.
    #[must_use]
    pub fn with_kind(mut self, kind: RuleKind) -> Self {
        self.kind = kind;
        self
    }

    /// Checks the options against Sentinel's limits.
    ///
    /// # Errors
    ///
    /// A [`RuleError`] naming the first limit broken.
    pub fn validate(&self) -> Result<(), RuleError> {
        for (field, span) in [
            ("query frequency", self.query_frequency),
            ("query period", self.query_period),
        ] {
            if span < RuleSpan::MIN || span > RuleSpan::MAX {
                return Err(RuleError::SpanOutOfRange {
                    field,
                    value: span.to_string(),
                });
            }
        }
        if self.query_period < self.query_frequency {
            return Err(RuleError::PeriodBelowFrequency {
                period: self.query_period.to_string(),
                frequency: self.query_frequency.to_string(),
            });
        }
        if self.query_period >= RuleSpan::days(2) && self.query_frequency < RuleSpan::hours(1) {
            return Err(RuleError::LongPeriodFrequency {
                period: self.query_period.to_string(),
                frequency: self.query_frequency.to_string(),
            });
        }
        if self.trigger_threshold > 10_000 {
            return Err(RuleError::Threshold(self.trigger_threshold));
        }
        let parts: Vec<&str> = self.version.split('.').collect();
        if self.version.len() > 20
            || parts.len() != 3
            || parts
                .iter()
                .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(RuleError::Version(self.version.clone()));
        }
        Ok(())
    }
}

/// Why rules could not be written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RuleError {
    /// A frequency or period outside 5 minutes to 14 days.
    #[error("{field} {value:?} is outside 5m to 14d")]
    SpanOutOfRange {
        /// `query frequency` or `query period`.
        field: &'static str,
        /// The span.
        value: String,
    },
    /// A period shorter than the frequency.
    #[error("query period {period:?} is shorter than the query frequency {frequency:?}")]
    PeriodBelowFrequency {
        /// The period.
        period: String,
        /// The frequency.
        frequency: String,
    },
    /// A period of 2 days or more with a frequency under an hour.
    #[error(
        "query period {period:?} of 2 days or more needs a query frequency of at least 1h, got {frequency:?}"
    )]
    LongPeriodFrequency {
        /// The period.
        period: String,
        /// The frequency.
        frequency: String,
    },
    /// A trigger threshold above 10,000.
    #[error("trigger threshold {0} is above 10000")]
    Threshold(u32),
    /// A version that is not `X.Y.Z`.
    #[error("version {0:?} is not of the form X.Y.Z")]
    Version(String),
    /// Rules for a platform that has no such rules.
    #[error("{kind} rules cannot be written for platform {platform:?}")]
    Platform {
        /// The kind of rule.
        kind: &'static str,
        /// The platform.
        platform: String,
    },
    /// A rule query over the length limit.
    #[error("query of rule {name:?} is {chars} characters, over {limit}")]
    QueryTooLong {
        /// The rule name.
        name: String,
        /// Its length.
        chars: usize,
        /// The limit.
        limit: usize,
    },
    /// A plan query of a table the catalog does not have.
    #[error("table {0:?} is not in the catalog")]
    UnknownTable(String),
    /// The hunt could not be planned.
    #[error(transparent)]
    Hunt(#[from] HuntError),
}

/// A data connector a rule needs: `{connectorId, dataTypes}`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct DataConnector {
    /// The connector id.
    pub connector_id: String,
    /// The tables it fills that the rule reads.
    pub data_types: Vec<String>,
}

/// Connector ids seen in the Azure-Sentinel repository and the tables they
/// fill.
const KNOWN_CONNECTORS: [(&str, &[&str]); 19] = [
    ("CEF", &["CommonSecurityLog"]),
    ("CefAma", &["CommonSecurityLog"]),
    ("DNS", &["DnsEvents"]),
    (
        "MicrosoftThreatProtection",
        &[
            "DeviceNetworkEvents",
            "DeviceFileEvents",
            "DeviceProcessEvents",
            "DeviceEvents",
            "EmailEvents",
            "EmailUrlInfo",
            "UrlClickEvents",
            "CloudAppEvents",
        ],
    ),
    (
        "MicrosoftDefenderAdvancedThreatProtection",
        &["SecurityAlert"],
    ),
    (
        "AzureFirewall",
        &[
            "AzureDiagnostics",
            "AZFWNetworkRule",
            "AZFWApplicationRule",
            "AZFWDnsQuery",
        ],
    ),
    ("Office365", &["OfficeActivity"]),
    (
        "AzureActiveDirectory",
        &["SigninLogs", "AADNonInteractiveUserSignInLogs", "AuditLogs"],
    ),
    ("Syslog", &["Syslog"]),
    ("SyslogAma", &["Syslog"]),
    (
        "ThreatIntelligence",
        &["ThreatIntelligenceIndicator", "ThreatIntelIndicators"],
    ),
    (
        "ThreatIntelligenceTaxii",
        &["ThreatIntelligenceIndicator", "ThreatIntelIndicators"],
    ),
    (
        "MicrosoftDefenderThreatIntelligence",
        &["ThreatIntelligenceIndicator", "ThreatIntelIndicators"],
    ),
    ("SecurityEvents", &["SecurityEvent"]),
    ("WindowsSecurityEvents", &["SecurityEvent"]),
    ("PaloAltoNetworks", &["CommonSecurityLog"]),
    ("Fortinet", &["CommonSecurityLog"]),
    ("CheckPoint", &["CommonSecurityLog"]),
    ("Zscaler", &["CommonSecurityLog"]),
];

/// Every connector that feeds `table`: the catalog's (those that are
/// connector ids; ASIM parsers have none) and every known connector listing
/// the table, sorted by id.
///
/// ```
/// use iochunt::deploy::sentinel::required_data_connectors;
/// use iochunt::hunt::Catalog;
///
/// let cef = Catalog::builtin().table("CommonSecurityLog").expect("built in");
/// let ids: Vec<_> = required_data_connectors(cef).into_iter().map(|c| c.connector_id).collect();
/// assert_eq!(ids, ["CEF", "CefAma", "CheckPoint", "Fortinet", "PaloAltoNetworks", "Zscaler"]);
/// ```
#[must_use]
pub fn required_data_connectors(table: &TableSpec) -> Vec<DataConnector> {
    let mut ids: BTreeSet<&str> = table
        .connectors
        .iter()
        .map(String::as_str)
        .filter(|id| {
            !id.is_empty()
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'(' || b == b')')
        })
        .collect();
    ids.extend(
        KNOWN_CONNECTORS
            .iter()
            .filter(|(_, tables)| tables.contains(&table.table.as_str()))
            .map(|(id, _)| *id),
    );
    ids.into_iter()
        .map(|id| DataConnector {
            connector_id: id.to_owned(),
            data_types: vec![table.table.clone()],
        })
        .collect()
}

/// The kind of entity a column is mapped to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum EntityType {
    /// `IP` (identifier `Address`).
    Ip,
    /// `DNS` (identifier `DomainName`).
    Dns,
    /// `URL` (identifier `Url`).
    Url,
    /// `FileHash` (identifiers `Algorithm` and `Value`).
    FileHash,
    /// `Host` (identifier `HostName`).
    Host,
    /// `Mailbox` (identifier `MailboxPrimaryAddress`).
    Mailbox,
    /// `Account` (identifier `FullName`).
    Account,
}

impl EntityType {
    /// The Sentinel spelling.
    ///
    /// ```
    /// # use iochunt::deploy::sentinel::EntityType;
    /// assert_eq!(EntityType::FileHash.as_str(), "FileHash");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            EntityType::Ip => "IP",
            EntityType::Dns => "DNS",
            EntityType::Url => "URL",
            EntityType::FileHash => "FileHash",
            EntityType::Host => "Host",
            EntityType::Mailbox => "Mailbox",
            EntityType::Account => "Account",
        }
    }
}

/// One `{identifier, columnName}` pair of an entity mapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldMapping {
    /// The entity identifier (`Address`, `Algorithm`, ...).
    pub identifier: &'static str,
    /// The output column holding it.
    pub column_name: String,
}

/// An entity mapping: an entity type and the columns of its identifiers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntityMapping {
    /// The entity type.
    pub entity_type: EntityType,
    /// Its identifiers (1 to 3).
    pub field_mappings: Vec<FieldMapping>,
}

impl EntityMapping {
    fn single(entity_type: EntityType, identifier: &'static str, column: &str) -> Self {
        EntityMapping {
            entity_type,
            field_mappings: vec![FieldMapping {
                identifier,
                column_name: column.to_owned(),
            }],
        }
    }
}

/// One Sentinel analytics rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnalyticsRule {
    /// The stable rule id (lower-case GUID).
    pub id: String,
    /// The rule name (at most 256 characters).
    pub name: String,
    /// What the rule finds (at most 5,000 characters).
    pub description: String,
    /// The severity.
    pub severity: Severity,
    /// Scheduled or NRT.
    pub kind: RuleKind,
    /// The KQL query, without a trailing newline.
    pub query: String,
    /// The connectors feeding the table.
    pub required_data_connectors: Vec<DataConnector>,
    /// How often a scheduled rule runs.
    pub query_frequency: RuleSpan,
    /// How far back a scheduled rule looks.
    pub query_period: RuleSpan,
    /// The trigger threshold (operator `gt`).
    pub trigger_threshold: u32,
    /// ATT&CK tactics.
    pub tactics: Vec<Tactic>,
    /// ATT&CK techniques, each under one of `tactics`.
    pub relevant_techniques: Vec<&'static str>,
    /// Entity mappings, each on an output column of `query`.
    pub entity_mappings: Vec<EntityMapping>,
    /// Custom details: alert field name to output column.
    pub custom_details: Vec<(String, String)>,
    /// The template version.
    pub version: String,
    /// The output columns of `query`.
    pub output_columns: Vec<String>,
    /// The table the rule reads.
    pub table: String,
    /// The indicators it hunts for.
    pub group: IocGroup,
    /// The indicators it covers.
    pub iocs: Vec<Ioc>,
    /// The watchlist the query reads, if any.
    pub watchlist: Option<String>,
}

/// The hunt options [`analytics_rules`] plans with: `hunt` with its
/// length budget lowered to fit a rule.
///
/// Plan with these and call [`from_plan`] to see the plan's
/// [`unhunted`](crate::hunt::HuntPlan::unhunted) indicators as well, such
/// as one too long for a rule on its own.
///
/// ```
/// use iochunt::deploy::sentinel::{MAX_QUERY_CHARS, rule_hunt_options};
/// use iochunt::hunt::HuntOptions;
///
/// let opts = rule_hunt_options(&HuntOptions::default());
/// assert!(opts.max_chars.is_some_and(|b| b < MAX_QUERY_CHARS));
/// let tighter = rule_hunt_options(&HuntOptions::default().with_max_chars(5_000));
/// assert_eq!(tighter.max_chars, Some(5_000));
/// ```
#[must_use]
pub fn rule_hunt_options(hunt: &HuntOptions) -> HuntOptions {
    let budget = MAX_QUERY_CHARS - RULE_SUFFIX_RESERVE;
    hunt.clone()
        .with_max_chars(hunt.max_chars.map_or(budget, |b| b.min(budget)))
}

/// Plans the hunt with the rule length budget ([`rule_hunt_options`]) and
/// writes one rule per query (see the [module docs](self)).
///
/// The hunt options' platform must be Sentinel or ASIM. Their length
/// budget is lowered to fit a rule; `window_days` is replaced by the
/// rule's period. An indicator too long for a rule on its own is left out
/// (the plan lists it as unhunted).
///
/// # Errors
///
/// Invalid options, a Defender platform, or a query over the limit.
pub fn analytics_rules(
    indicators: &[Indicator],
    catalog: &Catalog,
    hunt: &HuntOptions,
    options: &RuleOptions,
) -> Result<Vec<AnalyticsRule>, RuleError> {
    options.validate()?;
    let plan = HuntPlan::build(indicators, catalog, &rule_hunt_options(hunt))?;
    from_plan(&plan, catalog, indicators, options)
}

/// One rule per query of `plan` (see the [module docs](self)).
///
/// `indicators` supply the metadata (confidence, threat type, family);
/// `catalog` the table specs the plan was built from.
///
/// # Errors
///
/// Invalid options, a Defender plan, or a rule query over 10,000
/// characters (build the plan with a budget, as [`analytics_rules`] does).
pub fn from_plan(
    plan: &HuntPlan,
    catalog: &Catalog,
    indicators: &[Indicator],
    options: &RuleOptions,
) -> Result<Vec<AnalyticsRule>, RuleError> {
    options.validate()?;
    if plan.options.platform == Platform::Defender {
        return Err(RuleError::Platform {
            kind: "Sentinel",
            platform: plan.options.platform.to_string(),
        });
    }
    let time = plan.options.platform.time_column();
    let window = match options.kind {
        RuleKind::Scheduled => Some(options.query_period),
        RuleKind::Nrt => None,
    };
    let parts = part_numbers(&plan.queries);
    let mut rules = Vec::new();
    for (hq, part) in plan.queries.iter().zip(parts) {
        let Some(table) = catalog.table(&hq.table) else {
            return Err(RuleError::UnknownTable(hq.table.clone()));
        };
        let meta = Meta::of(indicators, &hq.iocs);
        let mut query = hq.query.clone();
        strip_order_and_window(&mut query, time, window);
        let (entity_mappings, extends) = entity_mappings(table, hq, &output_columns(&query));
        if !extends.is_empty() {
            query.body.ops.push(Operator::Extend(extends));
        }
        let output = output_columns(&query);
        let custom_details = if output.iter().any(|c| c == MATCH_TIER_COLUMN) {
            vec![(MATCH_TIER_COLUMN.to_owned(), MATCH_TIER_COLUMN.to_owned())]
        } else {
            Vec::new()
        };
        let text = format!("{query:#}");
        let name = rule_name(&options.name_prefix, &meta, hq, part);
        // The YAML block scalar adds one newline to the value.
        let chars = text.chars().count() + 1;
        if chars > MAX_QUERY_CHARS {
            return Err(RuleError::QueryTooLong {
                name,
                chars,
                limit: MAX_QUERY_CHARS,
            });
        }
        let (tactics, relevant_techniques) = attack(hq.group, &meta);
        rules.push(AnalyticsRule {
            id: rule_id(
                hq,
                "sentinel-analytics-rule",
                &format!(
                    "{}\n{}\n{}\n{}\n{}",
                    options.kind.as_str(),
                    options.query_frequency,
                    options.query_period,
                    options.trigger_threshold,
                    plan.options.window_days
                ),
            ),
            description: description(&meta, hq),
            name,
            severity: Severity::from_confidence(meta.min_confidence),
            kind: options.kind,
            query: text,
            required_data_connectors: required_data_connectors(table),
            query_frequency: options.query_frequency,
            query_period: options.query_period,
            trigger_threshold: options.trigger_threshold,
            tactics,
            relevant_techniques,
            entity_mappings,
            custom_details,
            version: options.version.clone(),
            output_columns: output,
            table: hq.table.clone(),
            group: hq.group,
            iocs: hq.iocs.clone(),
            watchlist: hq.watchlist.clone(),
        });
    }
    Ok(rules)
}

/// `(part, parts)` of each query among the queries of its table and group.
pub(crate) fn part_numbers(queries: &[HuntQuery]) -> Vec<(usize, usize)> {
    let key = |q: &HuntQuery| (q.table.clone(), q.group);
    queries
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let same = |o: &&HuntQuery| key(o) == key(q);
            let before = queries[..i].iter().filter(same).count();
            let total = queries.iter().filter(same).count();
            (before + 1, total)
        })
        .collect()
}

/// The stable id of a rule: UUIDv5 of everything that defines it (the
/// format, the query's platform, table, group, watchlist and sorted
/// indicators, and the options as `options_key`).
pub(crate) fn rule_id(hq: &HuntQuery, format: &str, options_key: &str) -> String {
    let mut key = format!(
        "{format}\n{}\n{}\n{}\n{}\n{options_key}\n",
        hq.platform,
        hq.table,
        hq.group,
        hq.watchlist.as_deref().unwrap_or("")
    );
    let mut iocs: Vec<String> = hq.iocs.iter().map(ToString::to_string).collect();
    iocs.sort();
    for ioc in iocs {
        key.push_str(&ioc);
        key.push('\n');
    }
    Uuid::new_v5(&RULE_NAMESPACE, key.as_bytes()).to_string()
}

/// What the indicators of one rule say about themselves.
pub(crate) struct Meta {
    pub(crate) families: Vec<String>,
    pub(crate) feeds: Vec<String>,
    pub(crate) min_confidence: Option<Confidence>,
    pub(crate) max_confidence: Option<Confidence>,
    pub(crate) has_endpoint: bool,
    pub(crate) payload_delivery: bool,
}

impl Meta {
    pub(crate) fn of(indicators: &[Indicator], iocs: &[Ioc]) -> Meta {
        let wanted: BTreeSet<&Ioc> = iocs.iter().collect();
        let mine: Vec<&Indicator> = indicators
            .iter()
            .filter(|i| wanted.contains(&i.ioc))
            .collect();
        let families: BTreeSet<String> = mine
            .iter()
            .filter_map(|i| i.malware.as_ref().map(|m| clean(m.display_name())))
            .collect();
        let feeds: BTreeSet<String> = mine
            .iter()
            .flat_map(|i| i.sources.iter().map(|s| clean(feed_name(&s.feed))))
            .collect();
        let confidences: Vec<Confidence> = mine.iter().filter_map(|i| i.confidence).collect();
        // An indicator without a confidence makes the rule's lowest unknown.
        let min_confidence = if confidences.len() == mine.len() {
            confidences.iter().copied().min()
        } else {
            None
        };
        Meta {
            families: families.into_iter().collect(),
            feeds: feeds.into_iter().collect(),
            min_confidence,
            max_confidence: confidences.iter().copied().max(),
            has_endpoint: iocs.iter().any(|i| matches!(i, Ioc::IpPort(_))),
            payload_delivery: mine
                .iter()
                .any(|i| i.threat_type == ThreatType::PayloadDelivery),
        }
    }

    pub(crate) fn family_text(&self) -> String {
        short_list(&self.families)
    }
}

fn feed_name(feed: &str) -> &str {
    match feed {
        "threatfox" => "ThreatFox",
        "urlhaus" => "URLhaus",
        "malwarebazaar" => "MalwareBazaar",
        other => other,
    }
}

/// Feed text is data: no control characters in names and descriptions.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn short_list(items: &[String]) -> String {
    const SHOWN: usize = 3;
    let mut text = items
        .iter()
        .take(SHOWN)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > SHOWN {
        text.push_str(&format!(" (+{} more)", items.len() - SHOWN));
    }
    text
}

pub(crate) fn group_noun(group: IocGroup) -> &'static str {
    match group {
        IocGroup::Network => "C2 network indicators",
        IocGroup::Domain => "domains",
        IocGroup::Url => "URLs",
        IocGroup::Hash => "file hashes",
        IocGroup::Email => "e-mail senders",
    }
}

/// `<prefix> - <families> <noun> in <table> [(part i of n)]`, at most 256
/// characters.
pub(crate) fn rule_name(
    prefix: &str,
    meta: &Meta,
    hq: &HuntQuery,
    (part, parts): (usize, usize),
) -> String {
    let mut name = clean(prefix);
    name.push_str(" - ");
    if !meta.families.is_empty() {
        name.push_str(&meta.family_text());
        name.push(' ');
    }
    name.push_str(group_noun(hq.group));
    name.push_str(" in ");
    name.push_str(&hq.table);
    if parts > 1 {
        name.push_str(&format!(" (part {part} of {parts})"));
    }
    truncate_chars(&name, 256)
}

pub(crate) fn truncate_chars(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

fn description(meta: &Meta, hq: &HuntQuery) -> String {
    let mut d = format!(
        "Finds {} {} in {}",
        hq.iocs.len(),
        group_noun(hq.group),
        hq.table
    );
    if !meta.families.is_empty() {
        d.push_str(&format!(", associated with {}", meta.family_text()));
    }
    if !meta.feeds.is_empty() {
        d.push_str(&format!(", reported by {}", short_list(&meta.feeds)));
    }
    match (meta.min_confidence, meta.max_confidence) {
        (Some(lo), Some(hi)) if lo == hi => d.push_str(&format!(" (confidence {lo})")),
        (Some(lo), Some(hi)) => d.push_str(&format!(" (confidence {lo} to {hi})")),
        _ => {}
    }
    d.push('.');
    if let Some(alias) = &hq.watchlist {
        d.push_str(&format!(
            " The indicators are read from the watchlist '{}'.",
            clean(alias)
        ));
    }
    if matches!(hq.group, IocGroup::Network | IocGroup::Domain) {
        d.push_str(" The MatchTier column tells exact hits from weaker ones.");
    }
    truncate_chars(&d, 5_000)
}

/// Tactics and techniques for a rule's indicators.
pub(crate) fn attack(group: IocGroup, meta: &Meta) -> (Vec<Tactic>, Vec<&'static str>) {
    match group {
        IocGroup::Network => {
            let mut t = vec!["T1071"];
            if meta.has_endpoint {
                t.push("T1571");
            }
            (vec![Tactic::CommandAndControl], t)
        }
        IocGroup::Domain => (vec![Tactic::CommandAndControl], vec!["T1071"]),
        IocGroup::Url => {
            let mut t = vec!["T1071"];
            if meta.payload_delivery {
                t.push("T1105");
            }
            (vec![Tactic::CommandAndControl], t)
        }
        IocGroup::Hash => (vec![Tactic::Execution], vec!["T1204"]),
        IocGroup::Email => (vec![Tactic::InitialAccess], vec!["T1566"]),
    }
}

/// Drops the final sort and sets (or, with `None`, removes) the time
/// filter the hunt put first.
pub(crate) fn strip_order_and_window(query: &mut Query, time: &str, window: Option<RuleSpan>) {
    query
        .body
        .ops
        .retain(|op| !matches!(op, Operator::OrderBy { .. }));
    let prefix = format!("{time} > ago(");
    let is_window =
        |op: &Operator| matches!(op, Operator::Where(e) if e.to_string().starts_with(&prefix));
    if let Some(pos) = query.body.ops.iter().position(is_window) {
        match window {
            Some(span) => {
                query.body.ops[pos] =
                    Operator::Where(col(time).gt(call("ago", [lit(span.timespan())])));
            }
            None => {
                query.body.ops.remove(pos);
            }
        }
    }
}

/// The columns a query returns: those of its last `project`, plus the
/// columns `extend`ed after it. Empty when it has no `project`.
///
/// ```
/// use iochunt::kql::Query;
/// use iochunt::deploy::sentinel::output_columns;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let q = Query::parse(r#"T | project A, B = 1 | extend C = "x" | where A > 0"#)?;
/// assert_eq!(output_columns(&q), ["A", "B", "C"]);
/// # Ok(())
/// # }
/// ```
#[must_use]
pub fn output_columns(query: &Query) -> Vec<String> {
    let mut cols: Vec<String> = Vec::new();
    for op in &query.body.ops {
        match op {
            Operator::Project(items) => {
                cols = items.iter().filter_map(assignment_name).collect();
            }
            Operator::Extend(items) if !cols.is_empty() => {
                for name in items.iter().filter_map(assignment_name) {
                    if !cols.contains(&name) {
                        cols.push(name);
                    }
                }
            }
            _ => {}
        }
    }
    cols
}

fn assignment_name(a: &Assignment) -> Option<String> {
    match (&a.name, &a.expr) {
        (Some(name), _) => Some(name.as_str().to_owned()),
        (None, Expr::Column(c)) => Some(c.as_str().to_owned()),
        _ => None,
    }
}

/// Columns naming the device or computer a row is from.
const HOST_COLUMNS: [&str; 3] = ["DeviceName", "Computer", "HostName"];

/// Columns naming the user (UPN) of a row.
const ACCOUNT_COLUMNS: [&str; 3] = ["AccountUpn", "UserPrincipalName", "UserId"];

/// The entity mappings of a rule, and the `extend` of the constant columns
/// they need (file-hash algorithms).
pub(crate) fn entity_mappings(
    table: &TableSpec,
    hq: &HuntQuery,
    output: &[String],
) -> (Vec<EntityMapping>, Vec<Assignment>) {
    let present = |c: &str| output.iter().any(|o| o == c);
    let mut maps: Vec<EntityMapping> = Vec::new();
    let mut extends = Vec::new();
    for field in &table.fields {
        let column = field.column();
        if !present(column) {
            continue;
        }
        let mapping = match (hq.group, field) {
            (IocGroup::Network, Field::Ip { .. }) => {
                Some(EntityMapping::single(EntityType::Ip, "Address", column))
            }
            (IocGroup::Domain, Field::Host { .. }) => {
                Some(EntityMapping::single(EntityType::Dns, "DomainName", column))
            }
            (IocGroup::Network | IocGroup::Domain | IocGroup::Url, Field::Url { .. }) => {
                Some(EntityMapping::single(EntityType::Url, "Url", column))
            }
            (IocGroup::Hash, Field::Hash { hash, .. }) => {
                let algorithm = hash_algorithm(*hash, &hq.iocs);
                let alg_column = format!("{column}Algorithm");
                extends.push(Assignment::named(alg_column.as_str(), lit(algorithm)));
                Some(EntityMapping {
                    entity_type: EntityType::FileHash,
                    field_mappings: vec![
                        FieldMapping {
                            identifier: "Algorithm",
                            column_name: alg_column,
                        },
                        FieldMapping {
                            identifier: "Value",
                            column_name: column.to_owned(),
                        },
                    ],
                })
            }
            _ => None,
        };
        if let Some(m) = mapping {
            if !maps.contains(&m) {
                maps.push(m);
            }
        }
    }
    maps.truncate(MAX_ENTITY_MAPPINGS - 2);
    // Keep only the algorithm columns of mappings that survived.
    extends.retain(|a| {
        a.name.as_ref().is_some_and(|n| {
            maps.iter()
                .any(|m| m.field_mappings.iter().any(|f| f.column_name == n.as_str()))
        })
    });
    // The entity the event happened to: a device, a mailbox or a user.
    if let Some(host) = HOST_COLUMNS.iter().find(|c| present(c)) {
        maps.push(EntityMapping::single(EntityType::Host, "HostName", host));
    }
    if present("RecipientEmailAddress") {
        maps.push(EntityMapping::single(
            EntityType::Mailbox,
            "MailboxPrimaryAddress",
            "RecipientEmailAddress",
        ));
    }
    if let Some(account) = ACCOUNT_COLUMNS.iter().find(|c| present(c)) {
        if maps.len() < MAX_ENTITY_MAPPINGS {
            maps.push(EntityMapping::single(
                EntityType::Account,
                "FullName",
                account,
            ));
        }
    }
    (maps, extends)
}

/// The Sentinel `FileHash` algorithm name of a hash column.
fn hash_algorithm(column_kind: Option<HashKind>, iocs: &[Ioc]) -> &'static str {
    let kind = column_kind.or_else(|| {
        let kinds: BTreeSet<HashKind> = iocs
            .iter()
            .filter_map(|i| match i {
                Ioc::Hash(h) => Some(h.kind()),
                _ => None,
            })
            .collect();
        match kinds.len() {
            1 => kinds.into_iter().next(),
            _ => None,
        }
    });
    match kind {
        Some(HashKind::Md5) => "MD5",
        Some(HashKind::Sha1) => "SHA1",
        Some(HashKind::Sha256) => "SHA256",
        _ => "Unknown",
    }
}

impl AnalyticsRule {
    /// A file name unique within a pack: the slugged name and the id's
    /// first block, `.yaml`.
    ///
    /// ```
    /// use iochunt::{Indicator, Ioc};
    /// use iochunt::deploy::sentinel::{RuleOptions, analytics_rules};
    /// use iochunt::hunt::{Catalog, HuntOptions};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let rules = analytics_rules(&[Indicator::new(Ioc::parse("aliexpress.us.com")?)],
    ///     Catalog::builtin(), &HuntOptions::default(), &RuleOptions::default())?;
    /// let dns = rules.iter().find(|r| r.table == "DnsEvents").expect("a DnsEvents rule");
    /// assert!(dns.file_name().starts_with("iochunt-domains-in-dnsevents-"));
    /// assert!(dns.file_name().ends_with(".yaml"));
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn file_name(&self) -> String {
        format!("{}.yaml", self.file_stem())
    }

    pub(crate) fn file_stem(&self) -> String {
        let mut slug = String::new();
        for c in self.name.chars().flat_map(char::to_lowercase) {
            if c.is_ascii_alphanumeric() {
                slug.push(c);
            } else if !slug.ends_with('-') && !slug.is_empty() {
                slug.push('-');
            }
        }
        let slug = truncate_chars(slug.trim_end_matches('-'), 100);
        let short = self.id.split('-').next().unwrap_or_default();
        format!("{}-{short}", slug.trim_end_matches('-'))
    }

    /// The rule in the Azure-Sentinel repository's YAML format.
    ///
    /// Strings are plain when they cannot be read as anything else and
    /// double-quoted otherwise; the query is a literal block scalar (`|`),
    /// so its YAML value ends with one newline.
    #[must_use]
    pub fn to_yaml(&self) -> String {
        let mut y = String::new();
        let kv = |y: &mut String, key: &str, value: &str| {
            y.push_str(key);
            y.push_str(": ");
            y.push_str(&scalar(value));
            y.push('\n');
        };
        let list = |y: &mut String, key: &str, items: &[&str]| {
            if items.is_empty() {
                y.push_str(&format!("{key}: []\n"));
                return;
            }
            y.push_str(key);
            y.push_str(":\n");
            for item in items {
                y.push_str("  - ");
                y.push_str(&scalar(item));
                y.push('\n');
            }
        };
        kv(&mut y, "id", &self.id);
        kv(&mut y, "name", &self.name);
        kv(&mut y, "description", &self.description);
        kv(&mut y, "severity", self.severity.as_str());
        if self.required_data_connectors.is_empty() {
            y.push_str("requiredDataConnectors: []\n");
        } else {
            y.push_str("requiredDataConnectors:\n");
            for c in &self.required_data_connectors {
                y.push_str(&format!("  - connectorId: {}\n", scalar(&c.connector_id)));
                y.push_str("    dataTypes:\n");
                for t in &c.data_types {
                    y.push_str(&format!("      - {}\n", scalar(t)));
                }
            }
        }
        if self.kind == RuleKind::Scheduled {
            kv(&mut y, "queryFrequency", &self.query_frequency.to_string());
            kv(&mut y, "queryPeriod", &self.query_period.to_string());
            kv(&mut y, "triggerOperator", "gt");
            y.push_str(&format!("triggerThreshold: {}\n", self.trigger_threshold));
        }
        let tactics: Vec<&str> = self.tactics.iter().map(|t| t.as_str()).collect();
        list(&mut y, "tactics", &tactics);
        list(&mut y, "relevantTechniques", &self.relevant_techniques);
        y.push_str("query: ");
        y.push_str(&block_scalar(&self.query));
        if !self.entity_mappings.is_empty() {
            y.push_str("entityMappings:\n");
            for m in &self.entity_mappings {
                y.push_str(&format!("  - entityType: {}\n", m.entity_type.as_str()));
                y.push_str("    fieldMappings:\n");
                for f in &m.field_mappings {
                    y.push_str(&format!("      - identifier: {}\n", f.identifier));
                    y.push_str(&format!("        columnName: {}\n", scalar(&f.column_name)));
                }
            }
        }
        if !self.custom_details.is_empty() {
            y.push_str("customDetails:\n");
            for (k, v) in &self.custom_details {
                y.push_str(&format!("  {}: {}\n", scalar(k), scalar(v)));
            }
        }
        if self.kind == RuleKind::Scheduled {
            y.push_str("eventGroupingSettings:\n  aggregationKind: AlertPerResult\n");
        }
        kv(&mut y, "version", &self.version);
        kv(&mut y, "kind", self.kind.as_str());
        y
    }
}

/// A YAML scalar for `s`: plain when it is a word, a GUID or a version
/// that no YAML reader takes for another type; double-quoted otherwise
/// (JSON string syntax, which YAML's double-quoted style accepts).
fn scalar(s: &str) -> String {
    let word = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-()".contains(c));
    let reserved = matches!(
        s.to_ascii_lowercase().as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "null"
    );
    if (word && !reserved) || Uuid::try_parse(s).is_ok_and(|u| u.to_string() == s) {
        return s.to_owned();
    }
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{}\"", s.escape_default()))
}

/// A literal block scalar (`|`) for `text`, indented by two spaces, with a
/// newline after; text a literal block cannot hold (control characters,
/// leading spaces on the first line) is double-quoted instead.
fn block_scalar(text: &str) -> String {
    let literal_ok = !text.is_empty()
        && !text.starts_with([' ', '\t', '\n'])
        && !text.ends_with([' ', '\t', '\n'])
        && text
            .chars()
            .all(|c| c == '\n' || c == '\t' || !(c.is_control() || c == '\u{feff}'));
    if !literal_ok {
        return format!("{}\n", scalar(text));
    }
    let mut out = String::from("|\n");
    for line in text.split('\n') {
        if !line.is_empty() {
            out.push_str("  ");
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_quote_what_yaml_would_misread() {
        assert_eq!(scalar("CommonSecurityLog"), "CommonSecurityLog");
        assert_eq!(scalar("AzureMonitor(IIS)"), "AzureMonitor(IIS)");
        assert_eq!(scalar("yes"), r#""yes""#);
        assert_eq!(scalar("1h"), r#""1h""#);
        assert_eq!(scalar("a: b"), r#""a: b""#);
        assert_eq!(scalar("x\ny"), r#""x\ny""#);
        assert_eq!(
            scalar("0b6f8d3e-6a2c-4c1e-9f4b-2d8e5a7c9b10"),
            "0b6f8d3e-6a2c-4c1e-9f4b-2d8e5a7c9b10"
        );
    }

    #[test]
    fn options_outside_the_limits_are_rejected() {
        let err = |o: RuleOptions| o.validate().map_err(|e| e.to_string());
        let d = RuleOptions::default();
        assert_eq!(err(d.clone()), Ok(()));
        assert_eq!(
            err(d
                .clone()
                .with_schedule(RuleSpan::minutes(4), RuleSpan::hours(1))),
            Err(r#"query frequency "4m" is outside 5m to 14d"#.to_owned())
        );
        assert_eq!(
            err(d
                .clone()
                .with_schedule(RuleSpan::hours(1), RuleSpan::days(15))),
            Err(r#"query period "15d" is outside 5m to 14d"#.to_owned())
        );
        assert_eq!(
            err(d
                .clone()
                .with_schedule(RuleSpan::hours(2), RuleSpan::hours(1))),
            Err(r#"query period "1h" is shorter than the query frequency "2h""#.to_owned())
        );
        assert_eq!(
            err(d
                .clone()
                .with_schedule(RuleSpan::hours(1), RuleSpan::days(14))),
            Ok(())
        );
        assert_eq!(
            err(RuleOptions {
                trigger_threshold: 10_001,
                ..d.clone()
            }),
            Err("trigger threshold 10001 is above 10000".to_owned())
        );
        for bad in ["1.0", "1.0.x", "1..0", "1.0.0.0"] {
            assert_eq!(
                err(RuleOptions {
                    version: bad.to_owned(),
                    ..d.clone()
                }),
                Err(format!("version {bad:?} is not of the form X.Y.Z"))
            );
        }
    }

    #[test]
    fn defender_plans_and_foreign_tables_are_rejected() {
        let ind = [Indicator::new(Ioc::Ip([192, 0, 2, 1].into()))];
        let plan = HuntPlan::build(
            &ind,
            Catalog::builtin(),
            &HuntOptions::new(Platform::Defender),
        );
        let plan = match plan {
            Ok(p) => p,
            Err(e) => panic!("{e}"),
        };
        let err = from_plan(&plan, Catalog::builtin(), &ind, &RuleOptions::default());
        assert_eq!(
            err.map(|r| r.len()).map_err(|e| e.to_string()),
            Err(r#"Sentinel rules cannot be written for platform "defender""#.to_owned())
        );
        let plan = match HuntPlan::build(&ind, Catalog::builtin(), &HuntOptions::default()) {
            Ok(p) => p,
            Err(e) => panic!("{e}"),
        };
        let empty = match Catalog::from_json(r#"{"tables": []}"#) {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        };
        let err = from_plan(&plan, &empty, &ind, &RuleOptions::default());
        assert_eq!(
            err.map(|r| r.len()).map_err(|e| e.to_string()),
            Err(r#"table "CommonSecurityLog" is not in the catalog"#.to_owned())
        );
    }

    #[test]
    fn block_scalars_fall_back_to_quotes() {
        assert_eq!(block_scalar("T\n| take 1"), "|\n  T\n  | take 1\n");
        assert_eq!(block_scalar("a\n\nb"), "|\n  a\n\n  b\n");
        assert_eq!(block_scalar(" T"), "\" T\"\n");
        assert_eq!(block_scalar("T\r"), "\"T\\r\"\n");
    }
}
