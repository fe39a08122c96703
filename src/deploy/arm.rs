//! Sentinel analytics rules as an ARM template
//! (`Microsoft.SecurityInsights` alert rules).
//!
//! The resources use the classic form the portal exports:
//! type `Microsoft.OperationalInsights/workspaces/providers/alertRules`,
//! name `<workspace>/Microsoft.SecurityInsights/<rule id>`, with the
//! workspace as a template parameter. Scheduled rules use the GA API
//! version, NRT rules the preview one (NRT exists only there). Durations
//! are ISO-8601, the trigger operator is spelled `GreaterThan`,
//! `relevantTechniques` becomes `techniques`, `version` becomes
//! `templateVersion`, and `requiredDataConnectors` (template metadata) is
//! left out.
//!
//! # Example
//!
//! ```
//! use iochunt::{Indicator, Ioc};
//! use iochunt::deploy::{arm, sentinel::{RuleOptions, analytics_rules}};
//! use iochunt::hunt::{Catalog, HuntOptions};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let rules = analytics_rules(&[Indicator::new(Ioc::parse("192.3.171.227:8823")?)],
//!     Catalog::builtin(), &HuntOptions::default(), &RuleOptions::default())?;
//! let template = arm::template(&rules);
//! let first = &template["resources"][0];
//! assert_eq!(first["kind"], "Scheduled");
//! assert_eq!(first["properties"]["queryFrequency"], "PT1H");
//! assert_eq!(first["properties"]["triggerOperator"], "GreaterThan");
//! assert_eq!(first["properties"]["techniques"][0], "T1071");
//! # Ok(())
//! # }
//! ```

use serde_json::{Map, Value, json};

use super::sentinel::{AnalyticsRule, RuleKind};

/// The GA API version used for scheduled rules.
pub const API_VERSION: &str = "2025-09-01";

/// The preview API version used for NRT rules.
pub const PREVIEW_API_VERSION: &str = "2025-10-01-preview";

/// The suppression duration written (suppression is off).
const SUPPRESSION: &str = "PT5H";

/// An ARM deployment template with one alert-rule resource per rule and a
/// `workspace` parameter.
#[must_use]
pub fn template(rules: &[AnalyticsRule]) -> Value {
    json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {
            "workspace": {
                "type": "string",
                "metadata": {"description": "The Log Analytics workspace with Microsoft Sentinel."}
            }
        },
        "resources": rules.iter().map(resource).collect::<Vec<_>>(),
    })
}

/// The alert-rule resource of one rule.
///
/// ```
/// use iochunt::{Indicator, Ioc};
/// use iochunt::deploy::{arm, sentinel::{RuleKind, RuleOptions, analytics_rules}};
/// use iochunt::hunt::{Catalog, HuntOptions};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let opts = RuleOptions::default().with_kind(RuleKind::Nrt);
/// let rules = analytics_rules(&[Indicator::new(Ioc::parse("aliexpress.us.com")?)],
///     Catalog::builtin(), &HuntOptions::default(), &opts)?;
/// let r = arm::resource(&rules[0]);
/// assert_eq!(r["apiVersion"], arm::PREVIEW_API_VERSION);
/// assert_eq!(r["kind"], "NRT");
/// assert!(r["properties"].get("queryFrequency").is_none());
/// assert_eq!(r["name"], format!("[concat(parameters('workspace'), '/Microsoft.SecurityInsights/', '{}')]", rules[0].id));
/// # Ok(())
/// # }
/// ```
#[must_use]
pub fn resource(rule: &AnalyticsRule) -> Value {
    let mut p = Map::new();
    p.insert("displayName".into(), json!(literal(&rule.name)));
    p.insert("description".into(), json!(literal(&rule.description)));
    p.insert("enabled".into(), json!(true));
    p.insert("severity".into(), json!(rule.severity.as_str()));
    p.insert("query".into(), json!(literal(&rule.query)));
    if rule.kind == RuleKind::Scheduled {
        p.insert(
            "queryFrequency".into(),
            json!(rule.query_frequency.iso8601()),
        );
        p.insert("queryPeriod".into(), json!(rule.query_period.iso8601()));
        p.insert("triggerOperator".into(), json!("GreaterThan"));
        p.insert("triggerThreshold".into(), json!(rule.trigger_threshold));
        p.insert(
            "eventGroupingSettings".into(),
            json!({"aggregationKind": "AlertPerResult"}),
        );
    }
    p.insert("suppressionDuration".into(), json!(SUPPRESSION));
    p.insert("suppressionEnabled".into(), json!(false));
    p.insert(
        "tactics".into(),
        json!(rule.tactics.iter().map(|t| t.as_str()).collect::<Vec<_>>()),
    );
    // GA versions accept only `T####`; sub-techniques are preview-only.
    let techniques: Vec<&str> = rule
        .relevant_techniques
        .iter()
        .map(|t| t.split('.').next().unwrap_or(t))
        .collect();
    p.insert("techniques".into(), json!(techniques));
    if !rule.entity_mappings.is_empty() {
        p.insert(
            "entityMappings".into(),
            json!(
                rule.entity_mappings
                    .iter()
                    .map(|m| json!({
                        "entityType": m.entity_type.as_str(),
                        "fieldMappings": m.field_mappings.iter().map(|f| json!({
                            "identifier": f.identifier,
                            "columnName": f.column_name,
                        })).collect::<Vec<_>>(),
                    }))
                    .collect::<Vec<_>>()
            ),
        );
    }
    if !rule.custom_details.is_empty() {
        let details: Map<String, Value> = rule
            .custom_details
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        p.insert("customDetails".into(), Value::Object(details));
    }
    p.insert("templateVersion".into(), json!(rule.version));
    let api = match rule.kind {
        RuleKind::Scheduled => API_VERSION,
        RuleKind::Nrt => PREVIEW_API_VERSION,
    };
    json!({
        "type": "Microsoft.OperationalInsights/workspaces/providers/alertRules",
        "apiVersion": api,
        "name": format!(
            "[concat(parameters('workspace'), '/Microsoft.SecurityInsights/', '{}')]",
            rule.id
        ),
        "kind": rule.kind.as_str(),
        "properties": Value::Object(p),
    })
}

/// An ARM string that stays literal: a leading `[` would start a template
/// expression, so it is doubled.
///
/// ```
/// use iochunt::deploy::arm::literal;
/// assert_eq!(literal("[x] rule"), "[[x] rule");
/// assert_eq!(literal("rule [x]"), "rule [x]");
/// ```
#[must_use]
pub fn literal(s: &str) -> String {
    if s.starts_with('[') {
        format!("[{s}")
    } else {
        s.to_owned()
    }
}
