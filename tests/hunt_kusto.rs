//! Every generated hunting query, on every platform, passes Microsoft's own
//! KQL parser and binder (Kusto.Language, through `tools/kusto-check`) with
//! no error, against the Sentinel, Defender XDR and ASIM schemas.

#[path = "support/kusto.rs"]
mod kusto;

use iochunt::hunt::{Catalog, HuntOptions, HuntPlan, IocGroup, Platform};
use iochunt::{Indicator, Ioc, Malware, Source};

fn indicators(values: &[&str]) -> Vec<Indicator> {
    values
        .iter()
        .map(|v| {
            let mut ind = Indicator::new(Ioc::parse(v).unwrap_or_else(|e| panic!("{v}: {e}")));
            ind.malware = Some(Malware::new("win.xworm").with_printable("XWorm").into());
            ind.sources
                .insert(Source::new("threatfox").with_record_id("1"));
            ind
        })
        .collect()
}

const MIXED: &[&str] = &[
    "192.3.171.227:8823",
    "104.168.5.18:8823",
    "aliexpress.us.com",
    "8.8.4.4",
    "::ffff:104.168.5.19",
    "2001:db8::7",
    "[2001:db8::8]:443",
    "203.0.113.0/24",
    "2001:db8:1::/48",
    "duckdns.org",
    "c2.evil.duckdns.org",
    "xn--80ak6aa92e.com",
    "http://evil.example.com/gate.php?id=1&q='x'",
    "https://198.51.100.7:8443/a/b",
    "tcp://evil.example.net:4444",
    "d41d8cd98f00b204e9800998ecf8427e",
    "da39a3ee5e6b4b0d3255bfef95601890afd80709",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
    "billing@evil-invoices.com",
];

fn checker_platform(p: Platform) -> kusto::Platform {
    match p {
        Platform::Defender => kusto::Platform::Defender,
        Platform::Sentinel | Platform::Asim => kusto::Platform::Sentinel,
    }
}

fn check_plan(name: &str, plan: &HuntPlan, max_chars: Option<usize>) -> Option<usize> {
    let options = kusto::Options {
        platform: checker_platform(plan.options.platform),
        max_chars,
        ..kusto::Options::default()
    };
    let cases: Vec<kusto::Case> = plan
        .queries
        .iter()
        .enumerate()
        .map(|(i, q)| {
            kusto::Case::new(
                format!("{name}-{i}-{}-{}", q.table, q.group),
                q.text.clone(),
            )
        })
        .collect();
    let outcomes = kusto::check_with_or_skip(&options, &cases)?;
    for (q, outcome) in plan.queries.iter().zip(&outcomes) {
        assert!(outcome.passed(), "{name}: {}", outcome.describe(&q.text));
    }
    Some(outcomes.len())
}

#[test]
fn mixed_indicator_hunts_pass_kusto_language_on_every_platform() {
    let ind = indicators(MIXED);
    let mut total = 0;
    for platform in Platform::ALL {
        let plan =
            HuntPlan::build(&ind, Catalog::builtin(), &HuntOptions::new(platform)).expect("plan");
        assert!(!plan.queries.is_empty(), "{platform}: no query");
        // Every group has a table on every platform, but ASIM has no e-mail
        // schema: there the addresses are reported as unhunted.
        for group in IocGroup::ALL {
            let expected = !(platform == Platform::Asim && group == IocGroup::Email);
            let found = plan.queries.iter().any(|q| q.group == group);
            assert_eq!(found, expected, "{platform}: {group} query");
        }
        let unhunted: Vec<String> = plan.unhunted.iter().map(|u| u.ioc.to_string()).collect();
        // Defender XDR has no SHA-512 column; ASIM has no e-mail schema.
        let sha512 = MIXED[18];
        let expected_unhunted: &[&str] = match platform {
            Platform::Asim => &["billing@evil-invoices.com"],
            Platform::Defender => &[sha512],
            Platform::Sentinel => &[],
        };
        assert_eq!(unhunted, expected_unhunted, "{platform}");
        match check_plan(platform.as_str(), &plan, None) {
            Some(n) => total += n,
            None => return,
        }
    }
    eprintln!("{total} generated queries passed Kusto.Language with 0 errors");
}

#[test]
fn budgeted_hunts_fit_a_sentinel_rule() {
    // 5,000 IPs do not fit one 10,000-character rule: the plan splits them.
    let values: Vec<String> = (0..5000u32)
        .map(|i| format!("198.18.{}.{}:{}", i / 250, i % 250, 1000 + i % 7))
        .collect();
    let refs: Vec<&str> = values.iter().map(String::as_str).collect();
    let ind = indicators(&refs);
    let opts = HuntOptions::new(Platform::Sentinel).with_max_chars(10_000);
    let plan = HuntPlan::build(&ind, Catalog::builtin(), &opts).expect("plan");
    let dne: Vec<_> = plan
        .queries
        .iter()
        .filter(|q| q.table == "DeviceNetworkEvents")
        .collect();
    assert!(dne.len() > 1, "5,000 endpoints must be split");
    let covered: usize = dne.iter().map(|q| q.iocs.len()).sum();
    assert_eq!(covered, 5000, "every endpoint is in exactly one query");
    for q in &plan.queries {
        assert!(
            q.text.chars().count() <= 10_000,
            "{} query is {} chars",
            q.table,
            q.text.len()
        );
    }
    // Check a sample of them with the parser, with the length limit on.
    let sample = HuntPlan {
        queries: plan.queries.iter().step_by(7).cloned().collect(),
        ..plan.clone()
    };
    check_plan("budget", &sample, Some(10_000));
}

#[test]
fn hunts_of_every_shared_threatfox_file_pass_kusto_language_on_every_platform() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/threatfox");
    let Ok(entries) = std::fs::read_dir(dir) else {
        println!("skipped: {dir} is absent (the shared data folder is not beside the repo)");
        return;
    };
    let mut files: Vec<std::path::PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x != "md"))
        .collect();
    files.sort();
    assert!(files.len() >= 3, "{files:?}");
    let mut total = 0;
    for file in &files {
        let feed = iochunt::feed::FeedOptions::new()
            .ingest_path(file)
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let kept = iochunt::filter::Filter::new().apply(feed.accepted).kept;
        assert!(!kept.is_empty(), "{}: nothing kept", file.display());
        let name = file
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        for platform in Platform::ALL {
            let plan = HuntPlan::build(&kept, Catalog::builtin(), &HuntOptions::new(platform))
                .unwrap_or_else(|e| panic!("{name} {platform}: {e}"));
            assert!(!plan.queries.is_empty(), "{name} {platform}: no query");
            match check_plan(&format!("{name}-{platform}"), &plan, None) {
                Some(n) => total += n,
                None => return,
            }
        }
    }
    println!("{total} queries from the shared ThreatFox files passed Kusto.Language with 0 errors");
}
