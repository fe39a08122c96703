//! MISP event export: golden file for the seed's XWorm indicators, the
//! attribute type of every indicator kind, stable uuids, and the JSON Schema
//! check (`tools/stix-check/misp-event.schema.json` through
//! `tools/stix-check/check.py misp`), which must also reject broken samples.
//!
//! Regenerate the golden file with
//! `IOCHUNT_BLESS=1 cargo test --test deploy_misp` and review the diff.

use std::path::{Path, PathBuf};
use std::process::Command;

use iochunt::deploy::misp::{self, Analysis, Distribution, EventOptions, ThreatLevel};
use iochunt::{Confidence, Indicator, Ioc, Malware, Source, ThreatType};
use pretty_assertions::assert_eq;

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/deploy/misp");

fn xworm() -> Result<Vec<Indicator>> {
    let rows = [
        ("192.3.171.227:8823", "2026-05-11T00:00:00Z"),
        ("104.168.5.18:8823", "2026-05-11T00:00:00Z"),
        ("aliexpress.us.com", "2026-05-10T00:00:00Z"),
    ];
    rows.iter()
        .map(|(value, first_seen)| {
            let mut ind = Indicator::new(Ioc::parse(value)?);
            ind.threat_type = ThreatType::BotnetCc;
            ind.malware = Some(Malware::new("win.xworm").with_printable("XWorm").into());
            ind.confidence = Some(Confidence::new(75)?);
            ind.first_seen = Some(first_seen.parse()?);
            ind.sources.insert(Source::new("threatfox"));
            Ok(ind)
        })
        .collect()
}

fn options() -> Result<EventOptions> {
    let mut o = EventOptions::new("ThreatFox: XWorm IOCs", "2026-05-12T00:00:00Z".parse()?);
    o.tags.push("tlp:green".into());
    Ok(o)
}

fn pretty(value: &impl serde::Serialize) -> Result<String> {
    Ok(serde_json::to_string_pretty(value)? + "\n")
}

fn golden(name: &str, actual: &str) -> Result {
    let path = Path::new(FIXTURES).join(name);
    if std::env::var_os("IOCHUNT_BLESS").is_some() {
        std::fs::create_dir_all(FIXTURES)?;
        std::fs::write(&path, actual)?;
    }
    let expected = std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "{}: {e} (run with IOCHUNT_BLESS=1 to create)",
            path.display()
        )
    })?;
    assert_eq!(actual, expected, "golden file {name}");
    Ok(())
}

#[test]
fn xworm_event_golden() -> Result {
    let event = misp::event(&xworm()?, &options()?);
    golden("xworm.event.json", &pretty(&event)?)?;

    let json = serde_json::to_value(&event)?;
    let e = &json["Event"];
    assert_eq!(e["info"], "ThreatFox: XWorm IOCs");
    assert_eq!(e["date"], "2026-05-12");
    assert_eq!(e["threat_level_id"], "2");
    assert_eq!(e["analysis"], "2");
    assert_eq!(e["distribution"], "0");
    assert_eq!(e["published"], false);
    assert_eq!(e["Tag"], serde_json::json!([{"name": "tlp:green"}]));
    let attrs = e["Attribute"].as_array().ok_or("no attributes")?;
    let summary: Vec<(String, String, String, bool)> = attrs
        .iter()
        .map(|a| {
            (
                a["type"].as_str().unwrap_or_default().to_owned(),
                a["category"].as_str().unwrap_or_default().to_owned(),
                a["value"].as_str().unwrap_or_default().to_owned(),
                a["to_ids"] == true,
            )
        })
        .collect();
    let expect = |t: &str, c: &str, v: &str| (t.to_owned(), c.to_owned(), v.to_owned(), true);
    assert_eq!(
        summary,
        [
            expect("ip-dst|port", "Network activity", "192.3.171.227|8823"),
            expect("ip-dst|port", "Network activity", "104.168.5.18|8823"),
            expect("domain", "Network activity", "aliexpress.us.com"),
        ]
    );
    for a in attrs {
        assert_eq!(a["comment"], "XWorm, botnet_cc, confidence 75");
        assert_eq!(
            a["Tag"],
            serde_json::json!([{"name": "misp-galaxy:malpedia=\"XWorm\""}])
        );
    }
    assert_eq!(attrs[0]["first_seen"], "2026-05-11T00:00:00.000000+00:00");
    assert_eq!(attrs[2]["first_seen"], "2026-05-10T00:00:00.000000+00:00");
    Ok(())
}

#[test]
fn uuids_are_stable() -> Result {
    let a = misp::event(&xworm()?, &options()?);
    let b = misp::event(&xworm()?, &options()?);
    assert_eq!(pretty(&a)?, pretty(&b)?);

    let golden: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(
        Path::new(FIXTURES).join("xworm.event.json"),
    )?)?;
    assert_eq!(golden["Event"]["uuid"], a.uuid.to_string());
    let ids: Vec<String> = a.attributes.iter().map(|x| x.uuid.to_string()).collect();
    let golden_ids: Vec<String> = golden["Event"]["Attribute"]
        .as_array()
        .ok_or("no attributes")?
        .iter()
        .filter_map(|x| x["uuid"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(ids, golden_ids);

    // All distinct, and an attribute's uuid belongs to its event.
    let mut all = ids.clone();
    all.push(a.uuid.to_string());
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 4);
    let other = misp::event(
        &xworm()?,
        &EventOptions::new("another event", "2026-05-12T00:00:00Z".parse()?),
    );
    assert_ne!(other.uuid, a.uuid);
    assert_ne!(other.attributes[0].uuid, a.attributes[0].uuid);
    Ok(())
}

#[test]
fn attribute_types_for_every_kind() -> Result {
    let cases = [
        ("198.51.100.7", "ip-dst", "Network activity", "198.51.100.7"),
        ("2001:db8::7", "ip-dst", "Network activity", "2001:db8::7"),
        (
            "203.0.113.9/24",
            "ip-dst",
            "Network activity",
            "203.0.113.0/24",
        ),
        (
            "198.51.100.7:4782",
            "ip-dst|port",
            "Network activity",
            "198.51.100.7|4782",
        ),
        (
            "[2001:db8::1]:443",
            "ip-dst|port",
            "Network activity",
            "2001:db8::1|443",
        ),
        ("Evil.Com", "domain", "Network activity", "evil.com"),
        (
            "http://evil.com/gate.php",
            "url",
            "Network activity",
            "http://evil.com/gate.php",
        ),
        (
            "d41d8cd98f00b204e9800998ecf8427e",
            "md5",
            "Payload delivery",
            "d41d8cd98f00b204e9800998ecf8427e",
        ),
        (
            "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            "sha1",
            "Payload delivery",
            "da39a3ee5e6b4b0d3255bfef95601890afd80709",
        ),
        (
            "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
            "sha256",
            "Payload delivery",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ),
        (
            "invoice@evil.com",
            "email-src",
            "Payload delivery",
            "invoice@evil.com",
        ),
    ];
    let inds: Vec<Indicator> = cases
        .iter()
        .map(|(v, ..)| Ioc::parse(v).map(Indicator::new))
        .collect::<std::result::Result<_, _>>()?;
    let event = misp::event(&inds, &options()?);
    assert_eq!(event.attributes.len(), cases.len());
    for (a, (input, kind, category, value)) in event.attributes.iter().zip(cases) {
        assert_eq!(
            (a.kind, a.category, a.value.as_str()),
            (kind, category, value),
            "{input}"
        );
        assert!(a.to_ids);
        assert_eq!(a.comment, "");
    }
    let sha512 = Ioc::parse(&"ab".repeat(64))?;
    assert_eq!(
        misp::attribute_type(&sha512),
        ("sha512", "Payload delivery")
    );
    let sha3 = Ioc::parse(&"cd".repeat(48))?;
    assert_eq!(
        misp::attribute_type(&sha3),
        ("sha3-384", "Payload delivery")
    );
    Ok(())
}

#[test]
fn compromised_hosts_are_not_for_ids_and_duplicates_merge() -> Result {
    let mut a = Indicator::new(Ioc::parse("hacked-shop.com")?);
    a.is_compromised = true;
    a.confidence = Some(Confidence::new(50)?);
    let mut b = Indicator::new(Ioc::parse("HACKED-SHOP.com")?);
    b.confidence = Some(Confidence::new(80)?);
    b.tags.insert("skimmer".into());
    b.last_seen = Some("2026-05-01T12:30:00.25Z".parse()?);
    let event = misp::event(&[a, b], &options()?);
    assert_eq!(event.attributes.len(), 1);
    let attr = &event.attributes[0];
    assert!(!attr.to_ids);
    assert_eq!(attr.comment, "confidence 80, compromised legitimate host");
    assert_eq!(attr.tags, ["skimmer"]);
    let json = serde_json::to_value(&event)?;
    assert_eq!(
        json["Event"]["Attribute"][0]["last_seen"],
        "2026-05-01T12:30:00.250000+00:00"
    );
    assert!(json["Event"]["Attribute"][0].get("first_seen").is_none());
    Ok(())
}

#[test]
fn event_options_map_to_misp_ids() -> Result {
    let mut o = options()?;
    o.threat_level = ThreatLevel::High;
    o.analysis = Analysis::Ongoing;
    o.distribution = Distribution::ConnectedCommunities;
    let json = serde_json::to_value(misp::event(&xworm()?, &o))?;
    assert_eq!(json["Event"]["threat_level_id"], "1");
    assert_eq!(json["Event"]["analysis"], "1");
    assert_eq!(json["Event"]["distribution"], "2");
    assert_eq!(json["Event"]["timestamp"], "1778544000");
    assert_eq!(json["Event"]["Attribute"][0]["timestamp"], "1778544000");
    assert_eq!(json["Event"]["Attribute"][0]["distribution"], "5");
    Ok(())
}

// ---------------------------------------------------------------------------
// The JSON Schema check.

const SKIP: &str = "skipped: MISP schema check unavailable (run `bash tools/stix-check/setup.sh`; it needs ../shared)";

fn checker() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = std::env::var_os("STIX_CHECK_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("tools/stix-check/.venv/bin/python"));
    let shared = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared"));
    if python.exists() && shared.is_dir() {
        return Some(python);
    }
    if std::env::var("STIX_CHECK_REQUIRED").as_deref() == Ok("1") {
        panic!("STIX_CHECK_REQUIRED=1 but {SKIP}");
    }
    eprintln!("{SKIP}");
    None
}

fn run_check(python: &Path, files: &[PathBuf]) -> Result<(i32, Vec<serde_json::Value>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(python)
        .arg(root.join("tools/stix-check/check.py"))
        .arg("misp")
        .arg(root.join("tools/stix-check/misp-event.schema.json"))
        .args(files)
        .output()?;
    let stdout = String::from_utf8(out.stdout)?;
    let code = out.status.code().unwrap_or(-1);
    assert_ne!(
        code,
        2,
        "checker could not run: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reports = stdout
        .lines()
        .map(serde_json::from_str)
        .collect::<std::result::Result<Vec<serde_json::Value>, _>>()?;
    Ok((code, reports))
}

#[test]
fn generated_events_pass_the_schema() -> Result {
    let Some(python) = checker() else {
        return Ok(());
    };
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("misp-check-good");
    std::fs::create_dir_all(&dir)?;
    let values = [
        "198.51.100.7",
        "2001:db8::7",
        "203.0.113.0/24",
        "2001:db8::/32",
        "198.51.100.7:4782",
        "[2001:db8::1]:443",
        "bücher.com",
        "http://evil.com/it's/gate.php?q='x'",
        "d41d8cd98f00b204e9800998ecf8427e",
        "da39a3ee5e6b4b0d3255bfef95601890afd80709",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        &"ab".repeat(48),
        &"cd".repeat(64),
        "invoice@evil.com",
    ];
    let mut every = Vec::new();
    for (i, v) in values.iter().enumerate() {
        let mut ind = Indicator::new(Ioc::parse(v)?);
        ind.first_seen = Some("2026-01-02T03:04:05.678Z".parse()?);
        ind.last_seen = Some("2026-02-02T00:00:00Z".parse()?);
        ind.is_compromised = i % 3 == 0;
        ind.tags.insert(format!("tag {i}").into());
        ind.malware = Some(Malware::new("win.remcos").with_printable("Rem\"cos").into());
        every.push(ind);
    }
    let files = [
        (
            "xworm.event.json",
            pretty(&misp::event(&xworm()?, &options()?))?,
        ),
        (
            "every-kind.event.json",
            pretty(&misp::event(&every, &options()?))?,
        ),
    ];
    let mut paths = Vec::new();
    for (name, text) in files {
        let p = dir.join(name);
        std::fs::write(&p, text)?;
        paths.push(p);
    }
    let (code, reports) = run_check(&python, &paths)?;
    for r in &reports {
        assert_eq!(r["ok"], true, "{r}");
    }
    assert_eq!(reports.len(), 2);
    assert_eq!(code, 0);
    Ok(())
}

#[test]
fn the_schema_rejects_broken_samples() -> Result {
    let Some(python) = checker() else {
        return Ok(());
    };
    let cases = [
        ("broken-port-separator.json", "Attribute/0/value"),
        ("broken-category.json", "Attribute/0/category"),
        ("broken-threat-level.json", "Event/threat_level_id"),
        ("broken-missing-info.json", "'info' is a required property"),
        ("broken-hash-length.json", "Attribute/0/value"),
        ("broken-duplicate-uuid.json", "duplicate uuid"),
        ("broken-unknown-type.json", "Attribute/0/type"),
    ];
    let paths: Vec<PathBuf> = cases
        .iter()
        .map(|(f, _)| Path::new(FIXTURES).join("broken").join(f))
        .collect();
    let (code, reports) = run_check(&python, &paths)?;
    assert_eq!(code, 1);
    assert_eq!(reports.len(), cases.len());
    for ((file, fragment), report) in cases.iter().zip(&reports) {
        assert_eq!(report["ok"], false, "{file} passed: {report}");
        let errors = report["errors"].to_string();
        assert!(
            errors.contains(fragment),
            "{file}: {fragment:?} not in {errors}"
        );
    }
    Ok(())
}
