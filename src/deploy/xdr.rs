//! Defender XDR custom detection rules for the Microsoft Graph
//! `detectionRule` API (`POST /beta/security/rules/detectionRules`).
//!
//! Each rule's query is a Defender XDR hunt with the time filter removed
//! (the service filters by the run frequency), no final sort, and a
//! `project` that returns `Timestamp`, `ReportId` and the entity column
//! the alert's impacted asset names:
//!
//! | tables | entity column | impacted asset |
//! |---|---|---|
//! | `Device*` | `DeviceId` | `impactedDeviceAsset` / `deviceId` |
//! | `EmailEvents`, `EmailAttachmentInfo` | `RecipientEmailAddress` | `impactedMailboxAsset` / `recipientEmailAddress` |
//! | `UrlClickEvents` | `AccountUpn` | `impactedUserAsset` / `accountUpn` |
//!
//! Hunts of other tables (such as `EmailUrlInfo`, which has no entity
//! column) are left out of [`DetectionPack::rules`] and listed in
//! [`DetectionPack::skipped`].
//!
//! # Example
//!
//! ```
//! use iochunt::{Confidence, Indicator, Ioc};
//! use iochunt::deploy::xdr::{XdrOptions, detection_rules};
//! use iochunt::hunt::{Catalog, HuntOptions};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut c2 = Indicator::new(Ioc::parse("104.168.5.18:8823")?);
//! c2.confidence = Some(Confidence::new(75)?);
//! let pack = detection_rules(&[c2], Catalog::builtin(), &HuntOptions::default(), &XdrOptions::default())?;
//! let rule = pack.rules.iter().find(|r| r.table == "DeviceNetworkEvents").expect("a rule");
//! let json = rule.to_json();
//! assert_eq!(json["schedule"]["period"], "1H");
//! assert_eq!(json["detectionAction"]["alertTemplate"]["severity"], "medium");
//! assert!(rule.query.contains("| project Timestamp, ReportId, DeviceId, MatchTier,"));
//! assert!(!rule.query.contains("ago("));
//! # Ok(())
//! # }
//! ```

use serde::Serialize;
use serde_json::{Value, json};

use super::sentinel::{
    Meta, RuleError, Severity, attack, group_noun, part_numbers, rule_id, rule_name,
    strip_order_and_window, truncate_chars,
};
use crate::Indicator;
use crate::hunt::{Catalog, HuntOptions, HuntPlan, IocGroup, Platform};
use crate::kql::{Assignment, Expr, Operator, Statement};

/// How often a custom detection runs (`schedule.period`).
///
/// ```
/// use iochunt::deploy::xdr::XdrPeriod;
/// assert_eq!(XdrPeriod::Continuous.as_str(), "0");
/// assert_eq!(XdrPeriod::Every24Hours.as_str(), "24H");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum XdrPeriod {
    /// `0`: continuous (near real time); comments are dropped from the query.
    Continuous,
    /// `1H`.
    EveryHour,
    /// `3H`.
    Every3Hours,
    /// `12H`.
    Every12Hours,
    /// `24H`.
    Every24Hours,
}

impl XdrPeriod {
    /// The Graph spelling.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            XdrPeriod::Continuous => "0",
            XdrPeriod::EveryHour => "1H",
            XdrPeriod::Every3Hours => "3H",
            XdrPeriod::Every12Hours => "12H",
            XdrPeriod::Every24Hours => "24H",
        }
    }
}

/// How detections are written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct XdrOptions {
    /// How often the rules run.
    pub period: XdrPeriod,
    /// Whether the rules are created enabled.
    pub enabled: bool,
    /// The start of every rule name.
    pub name_prefix: String,
}

impl Default for XdrOptions {
    fn default() -> Self {
        XdrOptions {
            period: XdrPeriod::EveryHour,
            enabled: true,
            name_prefix: "iochunt".to_owned(),
        }
    }
}

/// The kind of asset an alert names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ImpactedAsset {
    /// A device, by `DeviceId`.
    Device,
    /// A mailbox, by `RecipientEmailAddress`.
    Mailbox,
    /// A user, by `AccountUpn`.
    User,
}

impl ImpactedAsset {
    /// The asset of a table's rows, if the table has an entity column.
    ///
    /// ```
    /// use iochunt::deploy::xdr::ImpactedAsset;
    /// assert_eq!(ImpactedAsset::of_table("DeviceFileEvents"), Some(ImpactedAsset::Device));
    /// assert_eq!(ImpactedAsset::of_table("EmailUrlInfo"), None);
    /// ```
    #[must_use]
    pub fn of_table(table: &str) -> Option<ImpactedAsset> {
        match table {
            "EmailEvents" | "EmailAttachmentInfo" => Some(ImpactedAsset::Mailbox),
            "UrlClickEvents" => Some(ImpactedAsset::User),
            t if t.starts_with("Device") => Some(ImpactedAsset::Device),
            _ => None,
        }
    }

    /// The entity column the query returns.
    #[must_use]
    pub const fn column(self) -> &'static str {
        match self {
            ImpactedAsset::Device => "DeviceId",
            ImpactedAsset::Mailbox => "RecipientEmailAddress",
            ImpactedAsset::User => "AccountUpn",
        }
    }

    fn odata_type(self) -> &'static str {
        match self {
            ImpactedAsset::Device => "#microsoft.graph.security.impactedDeviceAsset",
            ImpactedAsset::Mailbox => "#microsoft.graph.security.impactedMailboxAsset",
            ImpactedAsset::User => "#microsoft.graph.security.impactedUserAsset",
        }
    }

    fn identifier(self) -> &'static str {
        match self {
            ImpactedAsset::Device => "deviceId",
            ImpactedAsset::Mailbox => "recipientEmailAddress",
            ImpactedAsset::User => "accountUpn",
        }
    }
}

/// One custom detection rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DetectionRule {
    /// A stable key for file names (a UUIDv5, like Sentinel rule ids; Graph
    /// assigns the rule's own id).
    pub key: String,
    /// The rule name, also the alert title.
    pub display_name: String,
    /// The alert description.
    pub description: String,
    /// Whether the rule is created enabled.
    pub is_enabled: bool,
    /// The advanced hunting query.
    pub query: String,
    /// How often it runs.
    pub period: XdrPeriod,
    /// The alert severity.
    pub severity: Severity,
    /// The alert category (`CommandAndControl`, `Execution`, `InitialAccess`).
    pub category: &'static str,
    /// ATT&CK techniques.
    pub mitre_techniques: Vec<&'static str>,
    /// The asset the alert names.
    pub impacted_asset: ImpactedAsset,
    /// The table the rule reads.
    pub table: String,
    /// The indicators it hunts for.
    pub group: IocGroup,
}

impl DetectionRule {
    /// The request body for `POST /beta/security/rules/detectionRules`.
    #[must_use]
    pub fn to_json(&self) -> Value {
        json!({
            "displayName": self.display_name,
            "isEnabled": self.is_enabled,
            "queryCondition": {"queryText": self.query},
            "schedule": {"period": self.period.as_str()},
            "detectionAction": {
                "alertTemplate": {
                    "title": self.display_name,
                    "description": self.description,
                    "severity": self.severity.graph_str(),
                    "category": self.category,
                    "recommendedActions": "Check the device, mailbox or user for other activity of the named malware, and block the indicator.",
                    "mitreTechniques": self.mitre_techniques,
                    "impactedAssets": [{
                        "@odata.type": self.impacted_asset.odata_type(),
                        "identifier": self.impacted_asset.identifier(),
                    }],
                },
                "organizationalScope": null,
                "responseActions": [],
            },
        })
    }

    /// A file name unique within a pack: the slugged name and the key's
    /// first block, `.json`.
    #[must_use]
    pub fn file_name(&self) -> String {
        let mut slug = String::new();
        for c in self.display_name.chars().flat_map(char::to_lowercase) {
            if c.is_ascii_alphanumeric() {
                slug.push(c);
            } else if !slug.ends_with('-') && !slug.is_empty() {
                slug.push('-');
            }
        }
        let slug = truncate_chars(slug.trim_end_matches('-'), 100);
        let short = self.key.split('-').next().unwrap_or_default();
        format!("{}-{short}.json", slug.trim_end_matches('-'))
    }
}

/// The detections of a hunt, and the tables left out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DetectionPack {
    /// One rule per Defender XDR hunt query with an entity column.
    pub rules: Vec<DetectionRule>,
    /// Tables hunted but without an entity column for an alert.
    pub skipped: Vec<String>,
}

/// Plans a Defender XDR hunt (whatever platform `hunt` names) and writes
/// one detection per query of a table with an entity column.
///
/// # Errors
///
/// [`RuleError::Hunt`] when the hunt cannot be planned.
pub fn detection_rules(
    indicators: &[Indicator],
    catalog: &Catalog,
    hunt: &HuntOptions,
    options: &XdrOptions,
) -> Result<DetectionPack, RuleError> {
    let mut hunt = hunt.clone();
    hunt.platform = Platform::Defender;
    let plan = HuntPlan::build(indicators, catalog, &hunt)?;
    let parts = part_numbers(&plan.queries);
    let mut pack = DetectionPack {
        rules: Vec::new(),
        skipped: Vec::new(),
    };
    for (hq, part) in plan.queries.iter().zip(parts) {
        let Some(asset) = ImpactedAsset::of_table(&hq.table) else {
            if !pack.skipped.contains(&hq.table) {
                pack.skipped.push(hq.table.clone());
            }
            continue;
        };
        let mut query = hq.query.clone();
        strip_order_and_window(&mut query, "Timestamp", None);
        if options.period == XdrPeriod::Continuous {
            query
                .statements
                .retain(|s| !matches!(s, Statement::Comment(_)));
        }
        if let Some(Operator::Project(items)) = query
            .body
            .ops
            .iter_mut()
            .rev()
            .find(|op| matches!(op, Operator::Project(_)))
        {
            for (at, column) in [(1, "ReportId"), (2, asset.column())] {
                let present = items.iter().any(|a| {
                    a.name.is_none() && matches!(&a.expr, Expr::Column(c) if c.as_str() == column)
                });
                if !present {
                    items.insert(at.min(items.len()), Assignment::from(column));
                }
            }
        }
        let meta = Meta::of(indicators, &hq.iocs);
        let (tactics, techniques) = attack(hq.group, &meta);
        let category = tactics.first().map_or("Malware", |t| t.as_str());
        let mut description = format!(
            "{} {} seen in {}",
            hq.iocs.len(),
            group_noun(hq.group),
            hq.table
        );
        if !meta.families.is_empty() {
            description.push_str(&format!(", associated with {}", meta.family_text()));
        }
        description.push('.');
        pack.rules.push(DetectionRule {
            key: rule_id(hq, "defender-custom-detection", options.period.as_str()),
            display_name: rule_name(&options.name_prefix, &meta, hq, part),
            description,
            is_enabled: options.enabled,
            query: format!("{query:#}"),
            period: options.period,
            severity: Severity::from_confidence(meta.min_confidence),
            category,
            mitre_techniques: techniques,
            impacted_asset: asset,
            table: hq.table.clone(),
            group: hq.group,
        });
    }
    Ok(pack)
}
