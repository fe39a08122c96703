//! Every false-positive exclusion of a report, appended to the queries it
//! names, passes Microsoft's KQL parser and binder (Kusto.Language, through
//! `tools/kusto-check`) against the platform's schema.

#[path = "support/kusto.rs"]
mod kusto;

use iochunt::filter::Filter;
use iochunt::hunt::{Catalog, HuntOptions, HuntPlan, Platform};
use iochunt::report::Report;
use iochunt::{Confidence, Indicator, Ioc, Malware, Source};

fn indicator(value: &str, compromised: bool) -> Indicator {
    let mut ind = Indicator::new(Ioc::parse(value).unwrap_or_else(|e| panic!("{value}: {e}")));
    ind.malware = Some(Malware::new("win.xworm").with_printable("XWorm").into());
    ind.confidence = Confidence::new(80).ok();
    ind.is_compromised = compromised;
    ind.sources
        .insert(Source::new("threatfox").with_record_id("1"));
    ind
}

#[test]
fn exclusions_pass_kusto_language_on_every_platform() {
    let input = vec![
        indicator("192.3.171.227:8823", false),
        indicator("45.9.148.108", false),
        indicator("aliexpress.us.com", false),
        indicator("duckdns.org", false),
        indicator("shop.example-store.com", true),
        indicator("https://blog.example-store.com/wp/x.php", true),
        indicator("10.0.0.5:8823", false),
    ];
    let filtered = Filter::new().apply(input);
    let mut checked = 0;
    for platform in Platform::ALL {
        let plan = HuntPlan::build(
            &filtered.kept,
            Catalog::builtin(),
            &HuntOptions::new(platform),
        )
        .unwrap_or_else(|e| panic!("{platform}: {e}"));
        let scenarios = Report::new(&filtered, &plan).scenarios();
        let mut cases = Vec::new();
        for s in &scenarios {
            for e in &s.exclusions {
                for table in &e.tables {
                    let mut found = false;
                    for (i, q) in plan.queries.iter().enumerate() {
                        if &q.table != table {
                            continue;
                        }
                        if let Some(with) = e.apply(q) {
                            found = true;
                            assert_eq!(&q.table, table);
                            cases.push(kusto::Case::new(
                                format!("{platform}-{}-{i}-{table}", s.title),
                                format!("{with:#}"),
                            ));
                        }
                    }
                    assert!(found, "{platform}: no {} query in {table}", e.group);
                }
            }
        }
        assert!(cases.len() >= 3, "{platform}: {} cases", cases.len());
        let options = kusto::Options {
            platform: match platform {
                Platform::Defender => kusto::Platform::Defender,
                Platform::Sentinel | Platform::Asim => kusto::Platform::Sentinel,
            },
            ..kusto::Options::default()
        };
        let Some(outcomes) = kusto::check_with_or_skip(&options, &cases) else {
            return;
        };
        for (case, outcome) in cases.iter().zip(&outcomes) {
            assert!(
                outcome.passed(),
                "{}: {}",
                case.id,
                outcome.describe(&case.query)
            );
        }
        checked += outcomes.len();
    }
    eprintln!("{checked} queries with exclusions passed Kusto.Language with 0 errors");
}
