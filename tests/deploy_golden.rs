//! Golden files for the seed's XWorm indicators in every deploy format,
//! stable rule ids, and the YAML read back by a YAML parser.
//!
//! Regenerate the golden files with `UPDATE_GOLDEN=1 cargo test --test deploy_golden`.

use std::path::{Path, PathBuf};

use iochunt::deploy::sentinel::{
    AnalyticsRule, EntityType, RuleKind, RuleOptions, Severity, Tactic, analytics_rules,
};
use iochunt::deploy::{arm, watchlist, xdr};
use iochunt::hunt::{Catalog, HuntOptions, HuntPlan, IocGroup};
use iochunt::{Confidence, Indicator, Ioc, Malware, Source, ThreatType};
use yaml_rust2::{Yaml, YamlLoader};

fn xworm() -> Vec<Indicator> {
    [
        ("192.3.171.227:8823", "2026-05-11T00:00:00Z", "1"),
        ("104.168.5.18:8823", "2026-05-11T00:00:00Z", "2"),
        ("aliexpress.us.com", "2026-05-10T00:00:00Z", "3"),
    ]
    .into_iter()
    .map(|(value, seen, id)| {
        let mut ind = Indicator::new(Ioc::parse(value).expect("seed value parses"));
        ind.threat_type = ThreatType::BotnetCc;
        ind.malware = Some(Malware::new("win.xworm").with_printable("XWorm").into());
        ind.confidence = Some(Confidence::new(75).expect("in range"));
        ind.first_seen = Some(seen.parse().expect("timestamp"));
        ind.sources
            .insert(Source::new("threatfox").with_record_id(id));
        ind
    })
    .collect()
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/deploy/xworm")
}

/// Compares `actual` with the golden file, or writes it under `UPDATE_GOLDEN=1`.
fn golden(name: &str, actual: &str) {
    let path = golden_dir().join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create golden dir");
        }
        std::fs::write(&path, actual).expect("write golden");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1)", path.display()));
    pretty_assertions::assert_eq!(expected, actual, "golden file {name}");
}

fn sentinel_rules() -> Vec<AnalyticsRule> {
    analytics_rules(
        &xworm(),
        Catalog::builtin(),
        &HuntOptions::default(),
        &RuleOptions::default(),
    )
    .expect("rules")
}

#[test]
fn sentinel_yaml_matches_golden_files() {
    let rules = sentinel_rules();
    let mut names: Vec<String> = Vec::new();
    for rule in &rules {
        golden(&format!("sentinel/{}", rule.file_name()), &rule.to_yaml());
        names.push(rule.file_name());
    }
    // File names are unique, and no stale golden file is left behind.
    let mut sorted = names.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), names.len());
    if std::env::var_os("UPDATE_GOLDEN").is_none() {
        let mut on_disk: Vec<String> = std::fs::read_dir(golden_dir().join("sentinel"))
            .expect("golden dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        assert_eq!(on_disk, sorted);
    }
}

#[test]
fn arm_xdr_and_watchlist_match_golden_files() {
    let rules = sentinel_rules();
    let template = serde_json::to_string_pretty(&arm::template(&rules)).expect("json");
    golden("arm/iochunt-xworm.json", &format!("{template}\n"));

    let pack = xdr::detection_rules(
        &xworm(),
        Catalog::builtin(),
        &HuntOptions::default(),
        &xdr::XdrOptions::default(),
    )
    .expect("detections");
    assert!(!pack.rules.is_empty());
    for rule in &pack.rules {
        let json = serde_json::to_string_pretty(&rule.to_json()).expect("json");
        golden(&format!("xdr/{}", rule.file_name()), &format!("{json}\n"));
    }

    let ind = xworm();
    let plan = HuntPlan::build(
        &ind,
        Catalog::builtin(),
        &HuntOptions::default().with_watchlist_over(1),
    )
    .expect("plan");
    let lists = watchlist::watchlists(&plan, &ind).expect("watchlists");
    assert_eq!(lists.len(), 1, "domains stay inline; one network watchlist");
    golden(
        &format!("watchlist/{}", lists[0].file_name()),
        &lists[0].to_csv(),
    );
    let cef = plan
        .queries
        .iter()
        .find(|q| q.table == "CommonSecurityLog" && q.group == IocGroup::Network)
        .expect("a CEF network hunt");
    golden(
        "watchlist/CommonSecurityLog-network.kql",
        &format!("{}\n", cef.text),
    );
}

#[test]
fn the_cef_network_rule_has_the_reference_values() {
    let rules = sentinel_rules();
    let rule = rules
        .iter()
        .find(|r| r.table == "CommonSecurityLog" && r.group == IocGroup::Network)
        .expect("a CEF network rule");
    assert_eq!(
        rule.name,
        "iochunt - XWorm C2 network indicators in CommonSecurityLog"
    );
    assert_eq!(rule.severity, Severity::Medium);
    assert_eq!(rule.tactics, [Tactic::CommandAndControl]);
    assert_eq!(rule.relevant_techniques, ["T1071", "T1571"]);
    let connectors: Vec<&str> = rule
        .required_data_connectors
        .iter()
        .map(|c| c.connector_id.as_str())
        .collect();
    assert_eq!(
        connectors,
        [
            "CEF",
            "CefAma",
            "CheckPoint",
            "Fortinet",
            "PaloAltoNetworks",
            "Zscaler"
        ]
    );
    let mapped: Vec<(EntityType, &str)> = rule
        .entity_mappings
        .iter()
        .map(|m| (m.entity_type, m.field_mappings[0].column_name.as_str()))
        .collect();
    assert_eq!(
        mapped,
        [
            (EntityType::Ip, "SourceIP"),
            (EntityType::Ip, "DestinationIP"),
            (EntityType::Url, "RequestURL")
        ]
    );
    assert!(rule.query.contains("| where TimeGenerated > ago(1h)\n"));
    assert!(!rule.query.contains("order by"));
    assert!(
        rule.query.contains(
            r#"let ioc_endpoints = dynamic(["104.168.5.18:8823", "192.3.171.227:8823"]);"#
        )
    );
    assert!(rule.description.starts_with(
        "Finds 2 C2 network indicators in CommonSecurityLog, associated with XWorm, reported by ThreatFox (confidence 75)."
    ));
}

#[test]
fn every_mapped_column_is_an_output_column() {
    for rule in sentinel_rules() {
        assert!(rule.entity_mappings.len() <= 10, "{}", rule.name);
        for m in &rule.entity_mappings {
            for f in &m.field_mappings {
                assert!(
                    rule.output_columns.contains(&f.column_name),
                    "{}: {} not in {:?}",
                    rule.name,
                    f.column_name,
                    rule.output_columns
                );
            }
        }
    }
}

#[test]
fn ids_are_stable_and_change_with_the_indicator_set() {
    let a = sentinel_rules();
    let b = sentinel_rules();
    let ids = |rules: &[AnalyticsRule]| rules.iter().map(|r| r.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&a), ids(&b));
    assert_eq!(
        a.iter().map(AnalyticsRule::to_yaml).collect::<Vec<_>>(),
        b.iter().map(AnalyticsRule::to_yaml).collect::<Vec<_>>()
    );
    // Input order does not matter.
    let mut reversed = xworm();
    reversed.reverse();
    let c = analytics_rules(
        &reversed,
        Catalog::builtin(),
        &HuntOptions::default(),
        &RuleOptions::default(),
    )
    .expect("rules");
    assert_eq!(ids(&a), ids(&c));
    // Ids are distinct within a pack.
    let mut distinct = ids(&a);
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), a.len());
    // A different indicator set or option gives new ids.
    let fewer = analytics_rules(
        &xworm()[..2],
        Catalog::builtin(),
        &HuntOptions::default(),
        &RuleOptions::default(),
    )
    .expect("rules");
    let cef = |rules: &[AnalyticsRule]| {
        rules
            .iter()
            .find(|r| r.table == "CommonSecurityLog" && r.group == IocGroup::Network)
            .map(|r| r.id.clone())
            .expect("a CEF network rule")
    };
    assert_eq!(cef(&a), cef(&fewer), "same network indicators, same id");
    let daily = analytics_rules(
        &xworm(),
        Catalog::builtin(),
        &HuntOptions::default(),
        &RuleOptions::default().with_schedule(
            iochunt::deploy::sentinel::RuleSpan::hours(1),
            iochunt::deploy::sentinel::RuleSpan::days(1),
        ),
    )
    .expect("rules");
    assert_ne!(cef(&a), cef(&daily));
    let other = {
        let mut ind = xworm();
        ind[0].ioc = Ioc::parse("192.3.171.228:8823").expect("parses");
        analytics_rules(
            &ind,
            Catalog::builtin(),
            &HuntOptions::default(),
            &RuleOptions::default(),
        )
        .expect("rules")
    };
    assert_ne!(cef(&a), cef(&other));
}

fn yaml_str<'a>(doc: &'a Yaml, key: &str) -> &'a str {
    doc[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} is not a string: {:?}", doc[key]))
}

#[test]
fn yaml_reads_back_with_the_rule_values() {
    for rule in sentinel_rules() {
        let text = rule.to_yaml();
        let docs = YamlLoader::load_from_str(&text).expect("valid YAML");
        assert_eq!(docs.len(), 1);
        let doc = &docs[0];
        assert_eq!(yaml_str(doc, "id"), rule.id);
        assert_eq!(yaml_str(doc, "name"), rule.name);
        assert_eq!(yaml_str(doc, "description"), rule.description);
        assert_eq!(yaml_str(doc, "severity"), "Medium");
        assert_eq!(yaml_str(doc, "kind"), "Scheduled");
        assert_eq!(yaml_str(doc, "queryFrequency"), "1h");
        assert_eq!(yaml_str(doc, "queryPeriod"), "1h");
        assert_eq!(yaml_str(doc, "triggerOperator"), "gt");
        assert_eq!(doc["triggerThreshold"].as_i64(), Some(0));
        assert_eq!(yaml_str(doc, "version"), "1.0.0");
        assert_eq!(yaml_str(doc, "query"), format!("{}\n", rule.query));
        let connectors = doc["requiredDataConnectors"].as_vec().expect("a list");
        assert_eq!(connectors.len(), rule.required_data_connectors.len());
        for (y, c) in connectors.iter().zip(&rule.required_data_connectors) {
            assert_eq!(yaml_str(y, "connectorId"), c.connector_id);
            assert_eq!(y["dataTypes"][0].as_str(), Some(rule.table.as_str()));
        }
        assert!(
            !rule.entity_mappings.is_empty(),
            "{} maps no entity",
            rule.name
        );
        let maps = doc["entityMappings"].as_vec().expect("entity mappings");
        assert_eq!(maps.len(), rule.entity_mappings.len());
        for (y, m) in maps.iter().zip(&rule.entity_mappings) {
            assert_eq!(yaml_str(y, "entityType"), m.entity_type.as_str());
            let fields = y["fieldMappings"].as_vec().expect("field mappings");
            for (yf, f) in fields.iter().zip(&m.field_mappings) {
                assert_eq!(yaml_str(yf, "identifier"), f.identifier);
                assert_eq!(yaml_str(yf, "columnName"), f.column_name);
            }
        }
        let tactics: Vec<&str> = doc["tactics"]
            .as_vec()
            .expect("tactics")
            .iter()
            .filter_map(Yaml::as_str)
            .collect();
        assert_eq!(
            tactics,
            rule.tactics.iter().map(|t| t.as_str()).collect::<Vec<_>>()
        );
    }
}

#[test]
fn yaml_quotes_hostile_names_and_nrt_drops_the_schedule() {
    let mut ind = xworm();
    for i in &mut ind {
        i.malware = Some(
            Malware::new("x")
                .with_printable("yes: \"quoted\" # not a comment\n- item")
                .into(),
        );
    }
    let opts = RuleOptions {
        name_prefix: "[team] rules: {x}".to_owned(),
        ..RuleOptions::default()
    }
    .with_kind(RuleKind::Nrt);
    let rules =
        analytics_rules(&ind, Catalog::builtin(), &HuntOptions::default(), &opts).expect("rules");
    for rule in &rules {
        let doc = &YamlLoader::load_from_str(&rule.to_yaml()).expect("valid YAML")[0];
        assert_eq!(yaml_str(doc, "name"), rule.name);
        assert!(
            rule.name
                .starts_with("[team] rules: {x} - yes: \"quoted\" # not a comment - item")
        );
        assert_eq!(yaml_str(doc, "kind"), "NRT");
        assert!(doc["queryFrequency"].is_badvalue());
        assert!(doc["triggerOperator"].is_badvalue());
        assert!(
            !rule.query.contains("ago("),
            "NRT rules have no time filter"
        );
        let arm = arm::resource(rule);
        assert_eq!(arm["properties"]["displayName"], format!("[{}", rule.name));
    }
}

/// The crate's connector and technique tables agree with the reference
/// data they were written from.
#[test]
fn connector_and_technique_tables_match_the_reference() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference");
    let (Ok(connectors), Ok(techniques)) = (
        std::fs::read_to_string(dir.join("sentinel-connector-ids.json")),
        std::fs::read_to_string(dir.join("sentinel-technique-tactics.json")),
    ) else {
        println!("skipped: ../shared absent");
        return;
    };
    let techniques: serde_json::Value = serde_json::from_str(&techniques).expect("json");
    for (t, tactic) in iochunt::deploy::sentinel::TECHNIQUES {
        let listed = techniques["techniques"][t].as_array().expect("listed");
        assert!(
            listed.iter().any(|v| v == tactic.as_str()),
            "{t} under {tactic:?}"
        );
    }
    let connectors: serde_json::Value = serde_json::from_str(&connectors).expect("json");
    let connectors = connectors["connectors"].as_object().expect("connectors");
    for table in Catalog::builtin().tables() {
        let ids: Vec<String> = iochunt::deploy::sentinel::required_data_connectors(table)
            .into_iter()
            .map(|c| c.connector_id)
            .collect();
        for (id, c) in connectors {
            let feeds = c["dataTypes"]
                .as_array()
                .expect("data types")
                .iter()
                .any(|t| t == table.table.as_str());
            let from_catalog = table.connectors.contains(id);
            assert_eq!(
                ids.contains(id),
                feeds || from_catalog,
                "{id} and {}",
                table.table
            );
        }
        for id in &ids {
            assert!(
                connectors.contains_key(id) || table.connectors.contains(id),
                "{id} for {} comes from nowhere",
                table.table
            );
        }
    }
}
