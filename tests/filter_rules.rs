//! Filter rules, one behaviour per test, on hand-built indicators and the
//! feed fixtures.

use iochunt::feed;
use iochunt::filter::{Allowlist, Filter, Flag, RangeKind, Rule};
use iochunt::{Confidence, Indicator, Ioc, IocKind, Malware, ThreatType};
use jiff::Timestamp;
use pretty_assertions::assert_eq;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn ind(value: &str, confidence: u8) -> Result<Indicator, Box<dyn std::error::Error>> {
    let mut i = Indicator::new(Ioc::parse(value)?);
    i.confidence = Some(Confidence::new(confidence)?);
    Ok(i)
}

fn kept(out: &iochunt::filter::Filtered) -> Vec<String> {
    out.kept.iter().map(|i| i.ioc.to_string()).collect()
}

fn rules(out: &iochunt::filter::Filtered) -> Vec<String> {
    out.excluded.iter().map(|e| e.rule.to_string()).collect()
}

fn seed() -> Vec<Indicator> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/feeds/xworm_seed_api.json"
    );
    feed::ingest_path(path)
        .map(|g| g.accepted)
        .unwrap_or_default()
}

#[test]
fn seed_passes_default_filter_at_75() -> TestResult {
    let seed = seed();
    assert_eq!(seed.len(), 3);
    let out = Filter::new()
        .min_confidence(Confidence::new(75)?)
        .apply(seed);
    assert_eq!(
        kept(&out),
        [
            "192.3.171.227:8823",
            "104.168.5.18:8823",
            "aliexpress.us.com"
        ]
    );
    assert!(out.excluded.is_empty() && out.warnings.is_empty());
    let out = Filter::new()
        .min_confidence(Confidence::new(76)?)
        .apply(self::seed());
    assert_eq!(out.kept.len(), 0);
    assert_eq!(rules(&out)[0], "confidence 75 is below the minimum 76");
    Ok(())
}

#[test]
fn unknown_confidence_fails_a_minimum() -> TestResult {
    let bare = Indicator::new(Ioc::parse("evil.example.com")?);
    let out = Filter::new()
        .min_confidence(Confidence::new(1)?)
        .apply([bare.clone()]);
    assert_eq!(rules(&out), ["confidence unknown is below the minimum 1"]);
    assert_eq!(Filter::new().apply([bare]).kept.len(), 1);
    Ok(())
}

#[test]
fn kinds_threat_types_and_malware() -> TestResult {
    let mut a = ind("104.168.5.18:8823", 75)?;
    a.threat_type = ThreatType::BotnetCc;
    a.malware = Some(
        Malware {
            id: "win.xworm".into(),
            printable: Some("XWorm".into()),
            aliases: vec!["XWormRAT".into()],
        }
        .into(),
    );
    let mut b = ind("http://drop.example.net/a.exe", 75)?;
    b.threat_type = ThreatType::PayloadDelivery;
    let c = ind("aliexpress.us.com", 75)?;

    let out = Filter::new().kinds([IocKind::IpPort, IocKind::Url]).apply([
        a.clone(),
        b.clone(),
        c.clone(),
    ]);
    assert_eq!(
        kept(&out),
        ["104.168.5.18:8823", "http://drop.example.net/a.exe"]
    );
    assert_eq!(rules(&out), ["kind domain is not selected"]);

    let out = Filter::new()
        .threat_types([ThreatType::BotnetCc])
        .apply([a.clone(), b.clone()]);
    assert_eq!(
        rules(&out),
        ["threat type payload_delivery is not selected"]
    );

    for name in ["xworm", "WIN.XWORM", "xwormrat"] {
        let out = Filter::new().malware([name]).apply([a.clone(), b.clone()]);
        assert_eq!(kept(&out), ["104.168.5.18:8823"], "{name}");
        assert_eq!(rules(&out), ["malware unknown is not selected"], "{name}");
    }
    Ok(())
}

#[test]
fn seen_window() -> TestResult {
    let t = |s: &str| s.parse::<Timestamp>();
    let mut old = ind("old.example.com", 75)?;
    old.first_seen = Some(t("2026-01-01T00:00:00Z")?);
    let mut active = ind("active.example.com", 75)?;
    active.first_seen = Some(t("2026-01-01T00:00:00Z")?);
    active.last_seen = Some(t("2026-05-11T00:00:00Z")?);
    let mut new = ind("new.example.com", 75)?;
    new.first_seen = Some(t("2026-05-10T00:00:00Z")?);
    let undated = ind("undated.example.com", 75)?;
    let all = [old, active, new, undated];

    let since = Some(t("2026-05-01T00:00:00Z")?);
    let out = Filter::new().first_seen(since, None).apply(all.clone());
    assert_eq!(kept(&out), ["new.example.com"]);
    assert_eq!(
        rules(&out),
        [
            "first seen 2026-01-01T00:00:00Z is outside the window",
            "first seen 2026-01-01T00:00:00Z is outside the window",
            "first seen unknown is outside the window"
        ]
    );
    let out = Filter::new().last_seen(since, None).apply(all.clone());
    assert_eq!(kept(&out), ["active.example.com", "new.example.com"]);
    let out = Filter::new()
        .first_seen(None, Some(t("2026-05-09T00:00:00Z")?))
        .apply(all);
    assert_eq!(kept(&out), ["old.example.com", "active.example.com"]);
    Ok(())
}

#[test]
fn dedup_merges_and_reports() -> TestResult {
    let got = feed::ingest_path(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/feeds/threatfox_export.json"
    ))?;
    let seed = seed();
    let inputs: Vec<_> = seed.into_iter().chain(got.accepted).collect();
    assert_eq!(inputs.len(), 6);
    let out = Filter::new().apply(inputs.clone());
    assert_eq!(out.kept.len() + out.excluded.len() + out.merged.len(), 6);
    let merged: Vec<_> = out.merged.iter().map(|m| m.ioc.to_string()).collect();
    assert_eq!(merged, ["192.3.171.227:8823", "aliexpress.us.com"]);
    let sources: Vec<_> = out.kept[0]
        .sources
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(sources, ["threatfox#1000001"]);
    // One ThreatFox id read from two formats is one source; the first reporter wins.
    assert_eq!(out.kept[0].reporter.as_deref(), Some("anonymous"));

    let out = Filter::new().dedup(false).apply(inputs);
    assert_eq!((out.kept.len(), out.merged.len()), (6, 0));
    Ok(())
}

#[test]
fn special_ranges_are_excluded_by_default() -> TestResult {
    let inputs = [
        ind("10.0.0.5:8823", 90)?,
        ind("100.64.3.4", 90)?,
        ind("[fe80::1]:443", 90)?,
        ind("http://192.168.1.10/x.exe", 90)?,
        ind("198.18.0.0/16", 90)?,
        ind("203.0.113.0/25", 90)?,
        ind("224.0.0.251:5353", 90)?,
        ind("[2001:db8:1::5]:40669", 90)?,
        ind("192.3.171.227:8823", 90)?,
        ind("8.0.0.0/7", 90)?,
    ];
    let out = Filter::new().apply(inputs.clone());
    assert_eq!(kept(&out), ["192.3.171.227:8823", "8.0.0.0/7"]);
    let kinds: Vec<_> = out
        .excluded
        .iter()
        .map(|e| match &e.rule {
            Rule::SpecialRange { range, .. } => Some(range.kind),
            _ => None,
        })
        .collect();
    use RangeKind as K;
    assert_eq!(
        kinds,
        [
            Some(K::Private),
            Some(K::SharedCgnat),
            Some(K::LinkLocal),
            Some(K::Private),
            Some(K::Benchmarking),
            Some(K::Documentation),
            Some(K::Multicast),
            Some(K::Documentation)
        ]
    );
    assert_eq!(
        rules(&out)[3],
        "192.168.1.10 is in the private range 192.168.0.0/16"
    );
    assert_eq!(
        rules(&out)[4],
        "198.18.0.0/16 is in the benchmarking range 198.18.0.0/15"
    );
    let out = Filter::new().special_ranges(false).apply(inputs);
    assert_eq!(out.kept.len(), 10);
    Ok(())
}

#[test]
fn user_allowlist_nets_and_domains() -> TestResult {
    let allow = Allowlist::parse(
        "# infrastructure we own\n104.168.0.0/16\n2a02:cf40::/32 # partner\nus.com\nmail.example.org\n",
    )?;
    let inputs = [
        ind("104.168.5.18:8823", 75)?,
        ind("[2a02:cf40:1::5]:40669", 75)?,
        ind("aliexpress.us.com", 75)?,
        ind("https://a.mail.example.org/login", 75)?,
        ind("phish@mail.example.org", 75)?,
        ind("example.org", 75)?,
        ind("notmail.example.org", 75)?,
        ind("192.3.171.227:8823", 75)?,
    ];
    let out = Filter::new().allowlist(allow).apply(inputs);
    assert_eq!(
        kept(&out),
        ["example.org", "notmail.example.org", "192.3.171.227:8823"]
    );
    assert_eq!(
        rules(&out),
        [
            "104.168.5.18 is allowlisted by 104.168.0.0/16",
            "2a02:cf40:1::5 is allowlisted by 2a02:cf40::/32",
            "aliexpress.us.com is allowlisted by us.com",
            "a.mail.example.org is allowlisted by mail.example.org",
            "mail.example.org is allowlisted by mail.example.org",
        ]
    );
    Ok(())
}

#[test]
fn flags_warn_but_keep() -> TestResult {
    let mut compromised = ind("https://shop.example.com/skimmer.js", 80)?;
    compromised.is_compromised = true;
    let suffix = ind("duckdns.org", 80)?;
    let out = Filter::new().apply([compromised, suffix]);
    assert_eq!(out.kept.len(), 2);
    let flags: Vec<_> = out
        .warnings
        .iter()
        .map(|w| (w.ioc.to_string(), w.flag))
        .collect();
    assert_eq!(
        flags,
        [
            (
                "https://shop.example.com/skimmer.js".to_owned(),
                Flag::Compromised
            ),
            ("duckdns.org".to_owned(), Flag::PublicSuffix)
        ]
    );
    assert_eq!(
        out.warnings[1].flag.to_string(),
        "domain is a public suffix"
    );
    Ok(())
}

#[test]
fn allowlist_rejects_urls_and_garbage() {
    let err = Allowlist::parse("10.0.0.0/8\nnot a domain!\n").err();
    assert_eq!(err.as_ref().map(|e| e.line()), Some(2));
    assert_eq!(err.as_ref().map(|e| e.input()), Some("not a domain!"));
}
