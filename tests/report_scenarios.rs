//! False-positive guidance, exclusions, JSON fields and escaping of
//! reports over hand-built indicators.

use iochunt::filter::{Allowlist, Filter, Filtered};
use iochunt::hunt::{Catalog, HuntOptions, HuntPlan, Platform};
use iochunt::kql::Query;
use iochunt::report::Report;
use iochunt::{Confidence, Indicator, Ioc, Malware, ThreatType};
use pretty_assertions::assert_eq;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn ind(value: &str, confidence: u8) -> Result<Indicator, Box<dyn std::error::Error>> {
    let mut i = Indicator::new(Ioc::parse(value)?);
    i.confidence = Some(Confidence::new(confidence)?);
    i.threat_type = ThreatType::BotnetCc;
    i.malware = Some(Malware::new("win.xworm").with_printable("XWorm").into());
    Ok(i)
}

fn mixed() -> Result<Filtered, Box<dyn std::error::Error>> {
    let mut compromised = ind("shop.example-store.com", 90)?;
    compromised.is_compromised = true;
    let input = vec![
        ind("104.168.5.18:8823", 75)?,
        ind("10.0.0.5:8823", 90)?,
        ind("weak.example.net", 40)?,
        ind("cdn.corp.example.org", 100)?,
        ind("duckdns.org", 80)?,
        ind("45.9.148.108", 80)?,
        compromised,
    ];
    Ok(Filter::new()
        .min_confidence(Confidence::new(50)?)
        .allowlist(Allowlist::parse("corp.example.org")?)
        .apply(input))
}

fn plan(f: &Filtered, platform: Platform) -> Result<HuntPlan, Box<dyn std::error::Error>> {
    Ok(HuntPlan::build(
        &f.kept,
        Catalog::builtin(),
        &HuntOptions::new(platform).with_window_days(7),
    )?)
}

#[test]
fn excluded_indicators_are_listed_with_their_rule() -> TestResult {
    let f = mixed()?;
    let plan = plan(&f, Platform::Defender)?;
    let md = Report::new(&f, &plan).to_string();
    assert!(md.contains(
        "3 indicators are left out of every query:\n\n| Value | Type | Rule |\n|---|---|---|\n\
         | 10[.]0[.]0[.]5:8823 | ip:port | 10[.]0[.]0[.]5 is in the private range 10[.]0[.]0[.]0/8 |\n\
         | weak[.]example[.]net | domain | confidence 40 is below the minimum 50 |\n\
         | cdn[.]corp[.]example[.]org | domain | cdn[.]corp[.]example[.]org is allowlisted by corp[.]example[.]org |\n"
    ), "{md}");
    assert!(md.contains("- **Total IOCs:** 4\n- **IOC types:** ip:port, domain, ipv4\n- **Excluded by the filters:** 3\n"));
    assert!(md.contains("3 indicators were excluded by the filters"));
    // Excluded values appear in no query.
    for q in &plan.queries {
        assert!(!q.text.contains("10.0.0.5") && !q.text.contains("weak.example.net"));
    }
    Ok(())
}

#[test]
fn scenarios_follow_the_indicators_and_flags() -> TestResult {
    let f = mixed()?;
    let plan = plan(&f, Platform::Defender)?;
    let scenarios = Report::new(&f, &plan).scenarios();
    let titles: Vec<&str> = scenarios.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Same address, another port (shared hosting, VPS or CDN)",
            "Bare addresses on shared infrastructure",
            "Subdomains and look-alike domains",
            "Public-suffix domains",
            "Compromised legitimate infrastructure",
        ]
    );
    let by_title = |t: &str| scenarios.iter().find(|s| s.title == t);

    let bare = by_title("Bare addresses on shared infrastructure").ok_or("bare")?;
    assert_eq!(bare.iocs, [Ioc::parse("45.9.148.108")?]);
    assert!(bare.exclusions.is_empty());
    assert!(
        bare.description
            .starts_with("`45[.]9[.]148[.]108` is hunted without a port")
    );

    let suffix = by_title("Public-suffix domains").ok_or("suffix")?;
    assert_eq!(suffix.iocs, [Ioc::parse("duckdns.org")?]);
    let texts: Vec<(&[String], &str)> = suffix
        .exclusions
        .iter()
        .map(|e| (e.tables.as_slice(), e.text.as_str()))
        .collect();
    assert_eq!(
        texts[0],
        (
            &["DeviceNetworkEvents".to_owned()][..],
            r#"| where not(RemoteUrlHost in ("duckdns.org") and not(RemoteUrlHost matches regex "(^|\\.)(shop\\.example-store\\.com)$"))"#
        )
    );
    assert!(texts.iter().any(|(t, x)| t == &["DeviceFileEvents".to_owned()]
        && *x == r#"| where not((FileOriginUrlHost in ("duckdns.org") or FileOriginReferrerUrlHost in ("duckdns.org")) and not(FileOriginUrlHost matches regex "(^|\\.)(shop\\.example-store\\.com)$" or FileOriginReferrerUrlHost matches regex "(^|\\.)(shop\\.example-store\\.com)$"))"#));

    let comp = by_title("Compromised legitimate infrastructure").ok_or("compromised")?;
    assert_eq!(comp.iocs, [Ioc::parse("shop.example-store.com")?]);
    assert_eq!(comp.exclusions[0].tables, ["DeviceNetworkEvents"]);
    assert_eq!(
        comp.exclusions[0].text,
        r#"| where not(InitiatingProcessFileName in~ ("chrome.exe", "msedge.exe", "firefox.exe", "iexplore.exe", "brave.exe", "opera.exe") and (RemoteUrlHost in ("shop.example-store.com") and not(RemoteUrlHost matches regex "^(duckdns\\.org)$")))"#
    );
    Ok(())
}

#[test]
fn every_exclusion_goes_before_the_project_of_its_queries() -> TestResult {
    let f = mixed()?;
    let mut applied = 0;
    for platform in [Platform::Sentinel, Platform::Defender, Platform::Asim] {
        let plan = plan(&f, platform)?;
        for s in Report::new(&f, &plan).scenarios() {
            for e in &s.exclusions {
                assert!(!e.tables.is_empty());
                for table in &e.tables {
                    let targets: Vec<_> = plan
                        .queries
                        .iter()
                        .filter(|q| &q.table == table && q.group == e.group)
                        .collect();
                    assert!(!targets.is_empty(), "{}: no query in {table}", s.title);
                    for q in targets {
                        let with = e.apply(q).ok_or("applies")?;
                        let text = format!("{with:#}");
                        let at = q.text.rfind("\n| project ").ok_or("a project")?;
                        let expected = format!("{}\n{}{}", &q.text[..at], e.text, &q.text[at..]);
                        assert_eq!(text, expected);
                        assert_eq!(Query::parse(&text)?, with);
                        applied += 1;
                    }
                }
                // Queries of other groups or tables are left alone.
                for q in plan.queries.iter().filter(|q| !e.applies_to(q)) {
                    assert!(e.apply(q).is_none());
                }
            }
        }
    }
    assert!(applied > 20, "{applied}");
    Ok(())
}

#[test]
fn json_carries_rules_flags_and_queries() -> TestResult {
    let f = mixed()?;
    let plan = plan(&f, Platform::Sentinel)?;
    let json = serde_json::to_value(Report::new(&f, &plan))?;
    assert_eq!(json["platform"], "sentinel");
    assert_eq!(json["window_days"], 7);
    assert_eq!(json["summary"]["total"], 4);
    assert_eq!(json["summary"]["excluded"], 3);
    let rules: Vec<&str> = json["excluded"]
        .as_array()
        .ok_or("excluded")?
        .iter()
        .filter_map(|e| e["rule"].as_str())
        .collect();
    assert_eq!(
        rules,
        ["special_range", "below_confidence", "allowlisted_domain"]
    );
    assert_eq!(json["excluded"][0]["indicator"]["ioc"], "10.0.0.5:8823");
    assert_eq!(json["excluded"][0]["defanged"], "10[.]0[.]0[.]5:8823");
    assert_eq!(
        json["excluded"][1]["reason"],
        "confidence 40 is below the minimum 50"
    );
    let flags: Vec<(&str, &str)> = json["warnings"]
        .as_array()
        .ok_or("warnings")?
        .iter()
        .filter_map(|w| Some((w["ioc"].as_str()?, w["flag"].as_str()?)))
        .collect();
    assert_eq!(
        flags,
        [
            ("duckdns.org", "public_suffix"),
            ("shop.example-store.com", "compromised")
        ]
    );
    assert_eq!(json["indicators"][0]["type"], "ip:port");
    assert_eq!(json["indicators"][0]["defanged"], "104[.]168[.]5[.]18:8823");
    assert_eq!(json["indicators"][0]["confidence"], 75);
    let queries = json["queries"].as_array().ok_or("queries")?;
    assert_eq!(queries.len(), plan.queries.len());
    for (j, q) in queries.iter().zip(&plan.queries) {
        assert_eq!(j["table"], q.table.as_str());
        assert_eq!(j["platform"], "sentinel");
        assert_eq!(j["group"], q.group.as_str());
        assert_eq!(j["text"], q.text.as_str());
    }
    Ok(())
}

#[test]
fn feed_text_cannot_break_the_markdown() -> TestResult {
    let mut i = ind("evil.example.net", 80)?;
    i.malware = Some(
        Malware::new("x")
            .with_printable("Bad|Fam\n# injected")
            .into(),
    );
    i.threat_type = ThreatType::Other("a|b".into());
    let f = Filter::new().apply([i]);
    let plan = plan(&f, Platform::Defender)?;
    let md = Report::new(&f, &plan).to_string();
    assert!(
        md.starts_with("# Indicator list: Bad\\|Fam # injected IOCs\n"),
        "{md}"
    );
    assert!(md.contains("- **Malware family:** Bad\\|Fam # injected\n"));
    assert!(md.contains("| domain | evil[.]example[.]net | a\\|b | - | 80% |\n"));
    assert!(!md.contains("\n# injected"));
    Ok(())
}

#[test]
fn an_empty_hunt_says_so() -> TestResult {
    let f = Filter::new()
        .min_confidence(Confidence::new(90)?)
        .apply([ind("evil.example.net", 10)?]);
    let sentinel = plan(&f, Platform::Sentinel)?;
    let md = Report::new(&f, &sentinel).to_string();
    assert!(md.contains("No indicator is left to hunt for after filtering, so no query is planned. One indicator was excluded by the filters"));
    assert!(md.contains("No query: no indicator is left after filtering."));
    assert!(!md.contains("```kql"));

    // Nothing came in at all (a ThreatFox `no_result` response): no feed
    // or family to name, and nothing was filtered out.
    let f = Filter::new().apply([]);
    let md = Report::new(&f, &plan(&f, Platform::Sentinel)?).to_string();
    assert!(
        md.starts_with("# No IOCs\n\nNo indicator came in, so no query is planned.\n"),
        "{md}"
    );

    // Kept, but no Defender XDR table has a SHA-512 column.
    let sha512 = "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e";
    let f = Filter::new().apply([ind(sha512, 80)?]);
    let defender = plan(&f, Platform::Defender)?;
    let md = Report::new(&f, &defender).to_string();
    assert!(
        md.contains("No query: no indicator can be hunted on this platform."),
        "{md}"
    );
    Ok(())
}

#[test]
fn indicators_left_out_of_the_queries_are_listed_with_the_reason() -> TestResult {
    let long = format!("http://evil.example.com/{}", "a".repeat(12_000));
    let f = Filter::new().apply([ind(&long, 80)?, ind("evil.example.com", 80)?]);
    let plan = HuntPlan::build(
        &f.kept,
        Catalog::builtin(),
        &HuntOptions::new(Platform::Defender).with_max_chars(10_000),
    )?;
    let md = Report::new(&f, &plan).to_string();
    let section = md
        .split("### Indicators left out of the queries\n")
        .nth(1)
        .ok_or("no left-out section")?;
    assert!(
        section.starts_with("\n| Value | Reason |\n|---|---|\n| hxxp://evil[.]example[.]com/aaa")
    );
    assert!(section.contains(" | left out of the DeviceNetworkEvents query: alone it makes "));
    // The domain is still hunted.
    assert!(md.contains("let ioc_domains = dynamic([\"evil.example.com\"]);"));
    let json = serde_json::to_value(Report::new(&f, &plan))?;
    assert_eq!(json["unhunted"].as_array().map(Vec::len), Some(1));
    Ok(())
}

#[test]
fn line_separators_in_feed_text_do_not_stop_the_hunt() -> TestResult {
    let mut i = ind("evil.example.net", 80)?;
    i.malware = Some(
        Malware::new("win.evil")
            .with_printable("Evil\u{2028}Line\u{2029}Kit")
            .into(),
    );
    let f = Filter::new().apply([i]);
    let plan = plan(&f, Platform::Sentinel)?;
    assert!(!plan.queries.is_empty());
    assert!(
        plan.queries[0]
            .text
            .contains("// Source: indicator list - Evil Line Kit\n"),
        "{}",
        plan.queries[0].text
    );
    let md = Report::new(&f, &plan).to_string();
    assert!(
        md.starts_with("# Indicator list: Evil Line Kit IOCs\n"),
        "{md}"
    );
    assert!(!md.contains('\u{2028}') && !md.contains('\u{2029}'));
    Ok(())
}

#[test]
fn hostile_feed_text_cannot_add_links_or_html_to_the_report() -> TestResult {
    let mut i = ind("http://c.example.org/p?q=`[x](https://phish.example/)`", 90)?;
    i.is_compromised = true;
    i.malware = Some(
        Malware::new("win.evil")
            .with_printable("<img src=x onerror=alert(1)> [click](https://phish.example/)")
            .into(),
    );
    let f = Filter::new().apply([i]);
    let plan = plan(&f, Platform::Sentinel)?;
    let md = Report::new(&f, &plan).to_string();
    // Outside the fenced KQL blocks (where the name is a comment, as text).
    let mut in_code = false;
    let prose: Vec<&str> = md
        .lines()
        .filter(|l| {
            if l.starts_with("```") {
                in_code = !in_code;
                return false;
            }
            !in_code
        })
        .collect();
    let prose = prose.join("\n");
    assert!(!prose.contains("<img"), "{prose}");
    assert!(!prose.contains("[click](https"), "{prose}");
    // In the table the value cannot open a code span or a link, and the URL
    // nested in its query is defanged with it...
    assert!(md.contains(
        "| url | hxxp://c[.]example[.]org/p?q=\\`[x]\\(hxxps://phish[.]example/)\\` | botnet_cc | - | 90% |\n"
    ), "{md}");
    // ...and in prose its code span is fenced longer than its backticks.
    assert!(md.contains(
        "The feed marks `` hxxp://c[.]example[.]org/p?q=`[x](hxxps://phish[.]example/)` `` as compromised"
    ), "{md}");
    // A URL in the family name is defanged: no viewer makes a link of it.
    assert!(md.starts_with(
        "# Indicator list: &lt;img src=x onerror=alert(1)&gt; \\[click\\](hxxps://phish[.]example/) IOCs\n"
    ), "{md}");
    assert!(!prose.contains("https://phish"), "{prose}");
    Ok(())
}

#[test]
fn suffix_exclusions_keep_rows_where_another_column_is_a_real_hit() -> TestResult {
    let f = Filter::new().apply([ind("duckdns.org", 80)?, ind("evil.example.net", 80)?]);
    let plan = plan(&f, Platform::Defender)?;
    let scenarios = Report::new(&f, &plan).scenarios();
    let suffix = scenarios
        .iter()
        .find(|s| s.title == "Public-suffix domains")
        .ok_or("suffix scenario")?;
    let files = suffix
        .exclusions
        .iter()
        .find(|e| e.tables == ["DeviceFileEvents"])
        .ok_or("DeviceFileEvents exclusion")?;
    // A download from evil.example.net with a duckdns.org referrer matches
    // the first half and not the second: it is not excluded.
    assert_eq!(
        files.text,
        r#"| where not((FileOriginUrlHost in ("duckdns.org") or FileOriginReferrerUrlHost in ("duckdns.org")) and not(FileOriginUrlHost matches regex "(^|\\.)(evil\\.example\\.net)$" or FileOriginReferrerUrlHost matches regex "(^|\\.)(evil\\.example\\.net)$"))"#
    );
    Ok(())
}
