//! The report of the seed's XWorm indicators, compared byte for byte with
//! the stored golden documents.
//!
//! Regenerate the goldens after an intended change with
//! `UPDATE_GOLDEN=1 cargo test --test report_golden`, then review the diff.

use std::path::Path;

use iochunt::feed;
use iochunt::filter::{Filter, Filtered};
use iochunt::hunt::{Catalog, HuntOptions, HuntPlan, Platform};
use iochunt::report::Report;
use pretty_assertions::assert_eq;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/feeds/xworm_seed_api.json"
);
const GOLDEN_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/reports");
const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/seed/000_3e261b66f662c52b.txt"
);

/// The seed document's IOC table, with every value defanged (the seed
/// leaves the domain as `aliexpress.us.com`).
const SEED_TABLE: &str = "\
| Type | Value | Threat Type | First Seen | Confidence |
|---|---|---|---|---|
| ip:port | 192[.]3[.]171[.]227:8823 | botnet_cc | 2026-05-11 | 75% |
| ip:port | 104[.]168[.]5[.]18:8823 | botnet_cc | 2026-05-11 | 75% |
| domain | aliexpress[.]us[.]com | botnet_cc | 2026-05-10 | 75% |
";

/// The seed's summary line, in our list form.
const SEED_SUMMARY: &str = "\
- **Malware family:** XWorm
- **Total IOCs:** 3
- **IOC types:** ip:port, domain
";

fn seed_filtered() -> Result<Filtered, Box<dyn std::error::Error>> {
    let got = feed::ingest_path(FIXTURE)?;
    assert_eq!((got.records, got.rejected.len()), (3, 0));
    Ok(Filter::new().apply(got.accepted))
}

fn plan(filtered: &Filtered, platform: Platform) -> Result<HuntPlan, Box<dyn std::error::Error>> {
    Ok(HuntPlan::build(
        &filtered.kept,
        Catalog::builtin(),
        &HuntOptions::new(platform),
    )?)
}

/// Compares `actual` with the golden file `name`, or rewrites it when
/// `UPDATE_GOLDEN` is set.
fn golden(name: &str, actual: &str) -> TestResult {
    let path = Path::new(GOLDEN_DIR).join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual)?;
        eprintln!("updated {}", path.display());
        return Ok(());
    }
    let expected = std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "cannot read {}: {e}; run with UPDATE_GOLDEN=1 to create it",
            path.display()
        )
    })?;
    assert_eq!(
        expected, actual,
        "{name} differs; if the change is intended, rerun with UPDATE_GOLDEN=1"
    );
    Ok(())
}

/// The lines of `md` from the heading `start` up to the next `## ` heading.
fn section<'a>(md: &'a str, start: &str) -> &'a str {
    let Some(from) = md.find(start) else {
        return "";
    };
    let body = &md[from + start.len()..];
    let end = body.find("\n## ").map_or(body.len(), |i| i + 1);
    body[..end].trim_matches('\n')
}

#[test]
fn sentinel_markdown_matches_golden() -> TestResult {
    let filtered = seed_filtered()?;
    let plan = plan(&filtered, Platform::Sentinel)?;
    let md = Report::new(&filtered, &plan).to_string();
    golden("xworm_sentinel.md", &md)
}

#[test]
fn defender_markdown_matches_golden() -> TestResult {
    let filtered = seed_filtered()?;
    let plan = plan(&filtered, Platform::Defender)?;
    let md = Report::new(&filtered, &plan).to_string();
    golden("xworm_defender.md", &md)
}

#[test]
fn sentinel_json_matches_golden() -> TestResult {
    let filtered = seed_filtered()?;
    let plan = plan(&filtered, Platform::Sentinel)?;
    let mut json = serde_json::to_string_pretty(&Report::new(&filtered, &plan))?;
    json.push('\n');
    golden("xworm_sentinel.json", &json)
}

#[test]
fn ioc_table_and_summary_are_the_seeds() -> TestResult {
    let filtered = seed_filtered()?;
    let plan = plan(&filtered, Platform::Sentinel)?;
    let md = Report::new(&filtered, &plan).to_string();
    assert!(md.starts_with("# ThreatFox: XWorm IOCs\n"), "{md}");
    assert_eq!(section(&md, "## IOCs\n"), SEED_TABLE.trim_end());
    assert_eq!(section(&md, "## IOC summary\n"), SEED_SUMMARY.trim_end());
    Ok(())
}

#[test]
fn seed_document_agrees_modulo_defanging() -> TestResult {
    let Ok(seed) = std::fs::read_to_string(SEED) else {
        eprintln!("skipped: ../shared absent");
        return Ok(());
    };
    // Every row of our table is in the seed once the domain is written
    // as the seed writes it.
    for row in SEED_TABLE.lines() {
        let seed_row = row.replace("aliexpress[.]us[.]com", "aliexpress.us.com");
        assert!(seed.contains(&seed_row), "seed lacks {seed_row:?}");
    }
    assert!(seed.contains("Malware Family: XWorm Total IOCs: 3 IOC Types: ip:port, domain"));
    Ok(())
}

#[test]
fn queries_are_the_plans() -> TestResult {
    let filtered = seed_filtered()?;
    for platform in [Platform::Sentinel, Platform::Defender, Platform::Asim] {
        let plan = plan(&filtered, platform)?;
        let md = Report::new(&filtered, &plan).to_string();
        assert!(!plan.queries.is_empty());
        for q in &plan.queries {
            let block = format!("```kql\n{}\n```\n", q.text.trim_end());
            assert!(
                md.contains(&block),
                "{platform}: missing the {} query",
                q.table
            );
        }
        assert_eq!(
            md.matches("```kql\n// Hunt for").count(),
            plan.queries.len()
        );
        // The seed's tables are all hunted, with their connector rows.
        let tables = plan.tables();
        for t in &tables {
            assert!(
                md.contains(&format!("\n| {t} | ")),
                "{platform}: no connector row for {t}"
            );
        }
        if platform == Platform::Sentinel {
            for t in ["CommonSecurityLog", "DeviceNetworkEvents", "DnsEvents"] {
                assert!(tables.contains(&t), "{t}");
            }
        }
    }
    Ok(())
}

#[test]
fn seed_false_positives_are_about_the_seed() -> TestResult {
    let filtered = seed_filtered()?;
    let plan = plan(&filtered, Platform::Defender)?;
    let report = Report::new(&filtered, &plan);
    let md = report.to_string();
    let fp = section(&md, "## False positives\n");
    // The seed's generic scenarios have no place here.
    for generic in ["tar", "rsync", "wget", "logrotate", "yum", "tcpdump"] {
        assert!(!fp.contains(generic), "{generic} in {fp}");
    }
    let titles: Vec<String> = report.scenarios().into_iter().map(|s| s.title).collect();
    assert_eq!(
        titles,
        [
            "Same address, another port (shared hosting, VPS or CDN)",
            "Subdomains and look-alike domains",
        ]
    );
    assert!(fp.contains("`aliexpress[.]us[.]com[.]evil[.]net`"));
    assert!(fp.contains("`192[.]3[.]171[.]227:443` rather than `192[.]3[.]171[.]227:8823`"));
    assert!(fp.contains(
        "```kql\n// before `| project` in the network queries of DeviceNetworkEvents, DeviceFileEvents, DeviceEvents"
    ));
    assert!(fp.contains("| where not(MatchTier == \"ip_only\")\n```"));
    assert!(fp.contains("The filters excluded no indicator."));
    Ok(())
}
