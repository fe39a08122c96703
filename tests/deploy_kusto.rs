//! Every query embedded in a Sentinel rule (YAML and ARM) and a Defender
//! XDR detection passes Kusto.Language, and returns what the formats need.

#[path = "support/kusto.rs"]
mod kusto;

use iochunt::deploy::sentinel::{MAX_QUERY_CHARS, RuleKind, RuleOptions, analytics_rules};
use iochunt::deploy::xdr::{XdrOptions, XdrPeriod, detection_rules};
use iochunt::hunt::{Catalog, HuntOptions, Platform};
use iochunt::{Indicator, Ioc, Malware};

const MIXED: &[&str] = &[
    "192.3.171.227:8823",
    "104.168.5.18:8823",
    "aliexpress.us.com",
    "8.8.4.4",
    "2001:db8::7",
    "[2001:db8::8]:443",
    "203.0.113.0/24",
    "duckdns.org",
    "http://evil.example.com/gate.php?id=1&q='x'",
    "d41d8cd98f00b204e9800998ecf8427e",
    "da39a3ee5e6b4b0d3255bfef95601890afd80709",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "billing@evil-invoices.com",
];

fn indicators() -> Vec<Indicator> {
    MIXED
        .iter()
        .map(|v| {
            let mut ind = Indicator::new(Ioc::parse(v).unwrap_or_else(|e| panic!("{v}: {e}")));
            ind.malware = Some(Malware::new("win.xworm").with_printable("XWorm").into());
            ind
        })
        .collect()
}

fn run(platform: kusto::Platform, cases: &[kusto::Case]) {
    let options = kusto::Options {
        platform,
        max_chars: Some(MAX_QUERY_CHARS),
        ..kusto::Options::default()
    };
    if let Some(outcomes) = kusto::check_with_or_skip(&options, cases) {
        assert_eq!(outcomes.len(), cases.len());
        for (case, outcome) in cases.iter().zip(&outcomes) {
            assert!(outcome.passed(), "{}", outcome.describe(&case.query));
        }
    }
}

#[test]
fn sentinel_rule_queries_pass_kusto_language() {
    let ind = indicators();
    let mut cases = Vec::new();
    for platform in [Platform::Sentinel, Platform::Asim] {
        for kind in [RuleKind::Scheduled, RuleKind::Nrt] {
            let rules = analytics_rules(
                &ind,
                Catalog::builtin(),
                &HuntOptions::new(platform),
                &RuleOptions::default().with_kind(kind),
            )
            .expect("rules");
            assert!(rules.len() >= 10, "{platform}: {} rules", rules.len());
            for r in rules {
                // Every entity-mapped column is one the query returns.
                for m in &r.entity_mappings {
                    for f in &m.field_mappings {
                        assert!(
                            r.output_columns.contains(&f.column_name),
                            "{}: {}",
                            r.name,
                            f.column_name
                        );
                    }
                }
                cases.push(kusto::Case::new(r.name.clone(), r.query.clone()));
            }
        }
    }
    run(kusto::Platform::Sentinel, &cases);
}

#[test]
fn defender_detection_queries_pass_kusto_language_and_return_the_entity_columns() {
    let ind = indicators();
    let mut cases = Vec::new();
    for period in [XdrPeriod::EveryHour, XdrPeriod::Continuous] {
        let pack = detection_rules(
            &ind,
            Catalog::builtin(),
            &HuntOptions::default(),
            &XdrOptions {
                period,
                ..XdrOptions::default()
            },
        )
        .expect("detections");
        assert_eq!(pack.skipped, ["EmailUrlInfo"]);
        for r in &pack.rules {
            let project = r
                .query
                .lines()
                .rev()
                .find(|l| l.starts_with("| project "))
                .expect("a project");
            let columns: Vec<&str> = project["| project ".len()..].split(", ").collect();
            assert_eq!(
                columns[..2],
                ["Timestamp", "ReportId"],
                "{}",
                r.display_name
            );
            assert!(
                columns.contains(&r.impacted_asset.column()),
                "{}: {project}",
                r.display_name
            );
            assert!(!r.query.contains("ago("), "no time filter: {}", r.query);
            if period == XdrPeriod::Continuous {
                assert!(
                    !r.query.lines().any(|l| l.starts_with("//")),
                    "no comments: {}",
                    r.query
                );
            }
            cases.push(kusto::Case::new(r.display_name.clone(), r.query.clone()));
        }
    }
    run(kusto::Platform::Defender, &cases);
}
