//! A 5,000-IP feed: chunked rules under 10,000 characters each, or one
//! watchlist and one rule per table; both checked with Kusto.Language.

#[path = "support/kusto.rs"]
mod kusto;

use std::collections::BTreeSet;

use iochunt::deploy::sentinel::{MAX_QUERY_CHARS, RuleOptions, analytics_rules};
use iochunt::deploy::{arm, watchlist, xdr};
use iochunt::hunt::{Catalog, HuntOptions, HuntPlan, IocGroup, Platform};
use iochunt::{Confidence, Indicator, Ioc};

/// 5,000 distinct public-looking IPs, half with a port.
fn feed() -> Vec<Indicator> {
    (0..5_000u32)
        .map(|i| {
            let ip = format!("45.{}.{}.{}", 10 + i / 65_536, (i / 256) % 256, i % 256);
            let value = if i % 2 == 0 {
                format!("{ip}:{}", 1024 + i % 50_000)
            } else {
                ip
            };
            let mut ind = Indicator::new(Ioc::parse(&value).expect("generated value parses"));
            ind.confidence = Some(Confidence::new(90).expect("in range"));
            ind
        })
        .collect()
}

fn cef_only() -> Catalog {
    let cef = Catalog::builtin()
        .table("CommonSecurityLog")
        .expect("built in")
        .clone();
    let json = serde_json::json!({ "tables": [cef] });
    Catalog::from_json(&json.to_string()).expect("catalog")
}

/// `_GetWatchlist` as a function with the watchlist's columns, so that
/// Kusto.Language can bind the query offline.
const WATCHLIST_STUB: &str = "let _GetWatchlist = (alias: string) { datatable(Indicator: string, Type: string, Ip: string, Confidence: string, Malware: string, Source: string, SearchKey: string) [] };\n";

#[test]
fn a_large_feed_is_split_into_rules_under_the_limit() {
    let ind = feed();
    let catalog = cef_only();
    let rules = analytics_rules(
        &ind,
        &catalog,
        &HuntOptions::default(),
        &RuleOptions::default(),
    )
    .expect("rules");
    assert!(
        rules.len() > 10,
        "5,000 IPs need many rules, got {}",
        rules.len()
    );
    let mut covered = BTreeSet::new();
    for (i, rule) in rules.iter().enumerate() {
        let chars = rule.query.chars().count();
        assert!(chars < MAX_QUERY_CHARS, "{}: {chars} characters", rule.name);
        assert!(
            rule.name
                .ends_with(&format!("(part {} of {})", i + 1, rules.len())),
            "{}",
            rule.name
        );
        assert_eq!(rule.watchlist, None);
        covered.extend(rule.iocs.iter().cloned());
    }
    assert_eq!(
        covered.len(),
        5_000,
        "every indicator is in exactly one rule"
    );
    assert_eq!(rules.iter().map(|r| r.iocs.len()).sum::<usize>(), 5_000);
    let ids: BTreeSet<&str> = rules.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), rules.len());

    // The ARM template carries every rule.
    let template = arm::template(&rules);
    assert_eq!(
        template["resources"].as_array().map(Vec::len),
        Some(rules.len())
    );

    let cases: Vec<kusto::Case> = rules
        .iter()
        .map(|r| kusto::Case::new(r.name.clone(), r.query.clone()))
        .collect();
    let options = kusto::Options {
        max_chars: Some(MAX_QUERY_CHARS),
        ..kusto::Options::default()
    };
    if let Some(outcomes) = kusto::check_with_or_skip(&options, &cases) {
        for (rule, outcome) in rules.iter().zip(&outcomes) {
            assert!(outcome.passed(), "{}", outcome.describe(&rule.query));
        }
    }
}

#[test]
fn a_large_feed_goes_to_one_watchlist_and_one_rule() {
    let ind = feed();
    let catalog = cef_only();
    let hunt = HuntOptions::default().with_watchlist_over(500);
    let rules = analytics_rules(&ind, &catalog, &hunt, &RuleOptions::default()).expect("rules");
    assert_eq!(rules.len(), 1);
    let rule = &rules[0];
    assert_eq!(rule.watchlist.as_deref(), Some("iochunt_network"));
    assert_eq!(rule.iocs.len(), 5_000);
    assert!(rule.query.chars().count() < 2_000, "{}", rule.query);
    assert!(!rule.query.contains("45.10.0.1"), "no indicator inline");
    assert!(
        rule.description
            .contains("read from the watchlist 'iochunt_network'")
    );

    let plan = HuntPlan::build(&ind, &catalog, &hunt).expect("plan");
    let lists = watchlist::watchlists(&plan, &ind).expect("watchlists");
    assert_eq!(lists.len(), 1);
    let csv = lists[0].to_csv();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "Indicator,Type,Ip,Confidence,Malware,Source");
    assert_eq!(lines.len(), 5_001);
    assert!(lines.contains(&"45.10.0.0:1024,ip:port,45.10.0.0,90,,"));
    assert!(lines.contains(&"45.10.0.1,ip,45.10.0.1,90,,"));
    assert!(lists[0].fits_local_upload());
    let resource = lists[0].arm_resource();
    assert_eq!(resource["properties"]["rawContent"], csv.as_str());

    let case = kusto::Case::new("watchlist rule", format!("{WATCHLIST_STUB}{}", rule.query));
    if let Some(outcomes) = kusto::check_or_skip(std::slice::from_ref(&case)) {
        assert!(
            outcomes[0].passed(),
            "{}",
            outcomes[0].describe(&case.query)
        );
    }
}

#[test]
fn watchlist_hunts_of_every_group_pass_kusto_language() {
    let mut values: Vec<String> = (0..40).map(|i| format!("198.51.100.{i}")).collect();
    values.extend((0..40).map(|i| format!("[2001:db8::{i:x}]:443")));
    values.extend((0..40).map(|i| format!("http://evil{i}.example.com/gate.php?id={i}")));
    values.extend((0..40).map(|i| format!("{:064x}", i + 1)));
    values.extend((0..40).map(|i| format!("{:032x}", i + 1)));
    values.extend((0..40).map(|i| format!("billing{i}@evil-invoices.com")));
    values.push("203.0.113.0/24".to_owned());
    values.push("aliexpress.us.com".to_owned());
    let ind: Vec<Indicator> = values
        .iter()
        .map(|v| Indicator::new(Ioc::parse(v).unwrap_or_else(|e| panic!("{v}: {e}"))))
        .collect();
    let mut cases = Vec::new();
    for platform in [Platform::Sentinel, Platform::Asim] {
        let hunt = HuntOptions::new(platform).with_watchlist_over(10);
        let plan = HuntPlan::build(&ind, Catalog::builtin(), &hunt).expect("plan");
        for q in &plan.queries {
            match q.group {
                IocGroup::Domain => assert_eq!(q.watchlist, None),
                _ => assert!(q.watchlist.is_some(), "{} {}", q.table, q.group),
            }
            let cidr = Ioc::parse("203.0.113.0/24").expect("parses");
            if q.iocs.contains(&cidr) {
                assert!(
                    q.text.contains(r#"dynamic(["203.0.113.0/24"])"#),
                    "CIDRs stay inline"
                );
            }
            cases.push(kusto::Case::new(
                format!("{platform}-{}-{}", q.table, q.group),
                format!("{WATCHLIST_STUB}{}", q.text),
            ));
        }
        let lists = watchlist::watchlists(&plan, &ind).expect("watchlists");
        let aliases: Vec<&str> = lists.iter().map(|w| w.alias.as_str()).collect();
        let expected: &[&str] = match platform {
            // No ASIM parser in the catalog has an e-mail column.
            Platform::Asim => &["iochunt_hash", "iochunt_network", "iochunt_url"],
            _ => &[
                "iochunt_email",
                "iochunt_hash",
                "iochunt_network",
                "iochunt_url",
            ],
        };
        assert_eq!(aliases, expected);
        let hashes = lists
            .iter()
            .find(|w| w.group == IocGroup::Hash)
            .expect("hash list");
        assert_eq!(hashes.rows.len(), 80);
    }
    // Defender XDR has no watchlists: its hunts stay inline.
    let pack = xdr::detection_rules(
        &ind,
        Catalog::builtin(),
        &HuntOptions::default().with_watchlist_over(10),
        &xdr::XdrOptions::default(),
    )
    .expect("detections");
    assert!(
        pack.rules
            .iter()
            .all(|r| !r.query.contains("_GetWatchlist"))
    );
    if let Some(outcomes) = kusto::check_or_skip(&cases) {
        for (case, outcome) in cases.iter().zip(&outcomes) {
            assert!(outcome.passed(), "{}", outcome.describe(&case.query));
        }
    }
}

#[test]
fn an_indicator_too_long_for_a_rule_is_left_out_and_named() {
    let long = format!("http://evil.example.com/{}", "p".repeat(20_000));
    let ind: Vec<Indicator> = [long.as_str(), "evil.example.com", "198.51.100.7:4444"]
        .iter()
        .map(|v| Indicator::new(Ioc::parse(v).expect("value parses")))
        .collect();
    let hunt = iochunt::deploy::sentinel::rule_hunt_options(&HuntOptions::default());
    let plan = HuntPlan::build(&ind, Catalog::builtin(), &hunt).expect("planned, not refused");

    // The long URL is in no query, and the plan says where and why.
    let long_ioc = Ioc::parse(&long).expect("value parses");
    assert!(plan.queries.iter().all(|q| !q.iocs.contains(&long_ioc)));
    assert_eq!(plan.unhunted.len(), 1);
    assert_eq!(plan.unhunted[0].ioc, long_ioc);
    let reason = &plan.unhunted[0].reason;
    assert!(
        reason.starts_with("left out of the CommonSecurityLog query: alone it makes "),
        "{reason}"
    );
    assert!(reason.contains(", over the budget of 9600"), "{reason}");
    // Every table whose URL columns could have held it is named.
    let url_tables = plan
        .queries
        .iter()
        .filter(|q| q.group == IocGroup::Url)
        .count();
    assert_eq!(url_tables, 0, "the URL group had nothing else to hunt");
    assert!(reason.matches("left out of the ").count() >= 5, "{reason}");

    // The other indicators still get their rules.
    let rules = analytics_rules(
        &ind,
        Catalog::builtin(),
        &HuntOptions::default(),
        &RuleOptions::default(),
    )
    .expect("rules");
    let covered: BTreeSet<String> = rules
        .iter()
        .flat_map(|r| r.iocs.iter().map(ToString::to_string))
        .collect();
    assert_eq!(
        covered.into_iter().collect::<Vec<_>>(),
        ["198.51.100.7:4444", "evil.example.com"]
    );
}

#[test]
fn a_budget_too_small_for_any_query_is_an_error_not_an_empty_plan() {
    let ind = vec![Indicator::new(
        Ioc::parse("evil.example.com").expect("parses"),
    )];
    let opts = HuntOptions::new(Platform::Sentinel).with_max_chars(50);
    let err = HuntPlan::build(&ind, Catalog::builtin(), &opts).expect_err("nothing fits 50");
    let text = err.to_string();
    assert!(
        text.starts_with("the length budget of 50 characters is too small: a CommonSecurityLog query needs about "),
        "{text}"
    );
    // A budget that holds the queries around a short value plans them all.
    let plan =
        HuntPlan::build(&ind, Catalog::builtin(), &opts.with_max_chars(10_000)).expect("plan");
    assert!(plan.unhunted.is_empty());
    assert!(!plan.queries.is_empty());
}

#[test]
fn a_watchlist_is_read_once_per_table_when_inline_networks_are_split() {
    let mut ind = feed();
    ind.extend((0..800u32).map(|i| {
        let net = format!("100.{}.{}.0/24", 64 + i / 256, i % 256);
        Indicator::new(Ioc::parse(&net).expect("network parses"))
    }));
    let opts = HuntOptions::new(Platform::Sentinel)
        .with_watchlist_over(1)
        .with_max_chars(10_000);
    let plan = HuntPlan::build(&ind, Catalog::builtin(), &opts).expect("plan");
    let mut readers: std::collections::BTreeMap<(&str, IocGroup), usize> = Default::default();
    let mut parts: std::collections::BTreeMap<(&str, IocGroup), usize> = Default::default();
    for q in &plan.queries {
        *parts.entry((q.table.as_str(), q.group)).or_default() += 1;
        if q.watchlist.is_some() {
            *readers.entry((q.table.as_str(), q.group)).or_default() += 1;
        }
    }
    let cef = ("CommonSecurityLog", IocGroup::Network);
    assert!(
        parts[&cef] > 1,
        "800 networks do not fit one 10,000-character query"
    );
    assert!(readers.values().all(|&n| n == 1), "{readers:?}");
    // Every indicator is still in some query.
    let covered: BTreeSet<&Ioc> = plan.queries.iter().flat_map(|q| q.iocs.iter()).collect();
    assert_eq!(covered.len(), ind.len());
    assert!(plan.unhunted.is_empty());
}
