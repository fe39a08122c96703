//! STIX 2.1 export, Sentinel upload bodies and import: golden files for the
//! seed's XWorm indicators, patterns for every indicator kind, stable ids,
//! typed rejects, and the independent Python validators
//! (`tools/stix-check/check.py`: stix2, stix2-patterns, stix2-validator
//! with the OASIS schemas).
//!
//! Golden files live in `tests/fixtures/deploy/stix/`; regenerate them with
//! `IOCHUNT_BLESS=1 cargo test --test deploy_stix` and review the diff.

use std::path::{Path, PathBuf};
use std::process::Command;

use iochunt::deploy::stix::{
    self, Bundle, ExportOptions, Import, MAX_UPLOAD_OBJECTS, Object, Pattern, PatternError,
    RejectReason, UploadError,
};
use iochunt::{Confidence, Indicator, Ioc, Malware, Source, ThreatType};
use pretty_assertions::assert_eq;

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/deploy/stix");

/// The seed's XWorm indicators as a ThreatFox feed gives them.
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

fn options() -> Result<ExportOptions> {
    Ok(ExportOptions::new("2026-05-12T00:00:00Z".parse()?))
}

fn pretty(value: &impl serde::Serialize) -> Result<String> {
    Ok(serde_json::to_string_pretty(value)? + "\n")
}

/// Compares `actual` with the golden file, or writes it under
/// `IOCHUNT_BLESS=1`.
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
fn xworm_bundle_golden() -> Result {
    let bundle = stix::export(&xworm()?, &options()?);
    golden("xworm.bundle.json", &pretty(&bundle)?)?;

    // The parts the task names, spelled out rather than only in the file.
    let json = serde_json::to_value(&bundle)?;
    let objects = json["objects"].as_array().ok_or("no objects")?;
    assert_eq!(objects.len(), 3 + 1 + 3);
    assert_eq!(
        objects[0]["pattern"],
        "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '192.3.171.227' AND network-traffic:dst_port = 8823]"
    );
    assert_eq!(
        objects[1]["pattern"],
        "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '104.168.5.18' AND network-traffic:dst_port = 8823]"
    );
    assert_eq!(
        objects[2]["pattern"],
        "[domain-name:value = 'aliexpress.us.com']"
    );
    assert_eq!(objects[0]["valid_from"], "2026-05-11T00:00:00.000Z");
    assert_eq!(objects[2]["valid_from"], "2026-05-10T00:00:00.000Z");
    for o in &objects[..3] {
        assert_eq!(o["confidence"], 75);
        assert_eq!(o["labels"], serde_json::json!(["threat_type:botnet_cc"]));
        assert_eq!(o["created"], "2026-05-12T00:00:00.000Z");
    }
    assert_eq!(objects[3]["type"], "malware");
    assert_eq!(objects[3]["name"], "XWorm");
    assert_eq!(
        objects[3]["external_references"][0]["external_id"],
        "win.xworm"
    );
    for (i, rel) in objects[4..].iter().enumerate() {
        assert_eq!(rel["relationship_type"], "indicates");
        assert_eq!(rel["source_ref"], objects[i]["id"]);
        assert_eq!(rel["target_ref"], objects[3]["id"]);
    }
    Ok(())
}

#[test]
fn xworm_upload_body_golden() -> Result {
    let bundle = stix::export(&xworm()?, &options()?);
    let bodies = stix::upload_bodies(&bundle, "iochunt")?;
    assert_eq!(bodies.len(), 1);
    golden("xworm.upload.json", &pretty(&bodies[0])?)
}

#[test]
fn ids_are_stable_and_depend_on_the_value_only() -> Result {
    let first = stix::export(&xworm()?, &options()?);
    let second = stix::export(&xworm()?, &options()?);
    assert_eq!(pretty(&first)?, pretty(&second)?);

    // The ids in the committed golden file are the ones made today.
    let golden: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(
        Path::new(FIXTURES).join("xworm.bundle.json"),
    )?)?;
    let golden_ids: Vec<&str> = golden["objects"]
        .as_array()
        .ok_or("no objects")?
        .iter()
        .filter_map(|o| o["id"].as_str())
        .collect();
    let ids: Vec<&str> = first.objects.iter().map(Object::id).collect();
    assert_eq!(ids, golden_ids);
    assert_eq!(golden["id"].as_str(), Some(first.id.as_str()));

    // Other metadata, another run time and another order: same object ids.
    let mut changed = xworm()?;
    changed.reverse();
    for ind in &mut changed {
        ind.confidence = Some(Confidence::new(90)?);
        ind.tags.insert("rat".into());
    }
    let later = stix::export(
        &changed,
        &ExportOptions::new("2027-01-01T00:00:00Z".parse()?),
    );
    let mut a: Vec<&str> = first.objects.iter().map(Object::id).collect();
    let mut b: Vec<&str> = later.objects.iter().map(Object::id).collect();
    a.sort_unstable();
    b.sort_unstable();
    assert_eq!(a, b);
    // The bundle id names its contents, so a different order is a different bundle.
    assert_ne!(first.id, later.id);

    // Different values, different ids.
    let other = stix::export(
        &[Indicator::new(Ioc::parse("192.3.171.227:8824")?)],
        &options()?,
    );
    assert_ne!(other.objects[0].id(), first.objects[0].id());
    Ok(())
}

#[test]
fn patterns_for_every_kind() -> Result {
    let cases = [
        ("198.51.100.7", "[ipv4-addr:value = '198.51.100.7']"),
        ("2001:DB8::7", "[ipv6-addr:value = '2001:db8::7']"),
        (
            "203.0.113.77/24",
            "[ipv4-addr:value ISSUBSET '203.0.113.0/24']",
        ),
        (
            "2001:db8:1::1/32",
            "[ipv6-addr:value ISSUBSET '2001:db8::/32']",
        ),
        (
            "198.51.100.7:4782",
            "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '198.51.100.7' AND network-traffic:dst_port = 4782]",
        ),
        (
            "[2001:db8::1]:443",
            "[network-traffic:dst_ref.type = 'ipv6-addr' AND network-traffic:dst_ref.value = '2001:db8::1' AND network-traffic:dst_port = 443]",
        ),
        ("Evil.Com", "[domain-name:value = 'evil.com']"),
        ("bücher.com", "[domain-name:value = 'xn--bcher-kva.com']"),
        (
            r"http://evil.com/it's/a\b?q='x'",
            r"[url:value = 'http://evil.com/it\'s/a/b?q=%27x%27']",
        ),
        (
            "d41d8cd98f00b204e9800998ecf8427e",
            "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']",
        ),
        (
            "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            "[file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']",
        ),
        (
            "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
            "[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']",
        ),
        (
            "invoice@evil.com",
            "[email-addr:value = 'invoice@evil.com']",
        ),
    ];
    for (value, expected) in cases {
        let ioc = Ioc::parse(value)?;
        let text = Pattern::new(&ioc).to_string();
        assert_eq!(text, expected, "{value}");
        assert_eq!(Pattern::parse(&text)?, ioc, "{value}");
    }
    let sha512 = Ioc::parse(&"ab".repeat(64))?;
    assert_eq!(
        Pattern::new(&sha512).to_string(),
        format!("[file:hashes.'SHA-512' = '{}']", "ab".repeat(64))
    );
    let sha3 = Ioc::parse(&"cd".repeat(48))?;
    assert_eq!(
        Pattern::new(&sha3).to_string(),
        format!("[file:hashes.'SHA3-384' = '{}']", "cd".repeat(48))
    );
    Ok(())
}

#[test]
fn url_quotes_and_backslashes_are_escaped() -> Result {
    // A non-special scheme keeps both characters as they are.
    let ioc = Ioc::parse(r"foo://evil.com/a'b\c")?;
    assert_eq!(ioc.to_string(), r"foo://evil.com/a'b\c");
    let text = Pattern::new(&ioc).to_string();
    assert_eq!(text, r"[url:value = 'foo://evil.com/a\'b\\c']");
    assert_eq!(Pattern::parse(&text)?, ioc);
    Ok(())
}

#[test]
fn equivalent_pattern_forms_are_read() -> Result {
    let cases = [
        ("[ipv4-addr:value = '10.0.0.0/8']", "10.0.0.0/8"),
        ("[ipv4-addr:value ISSUBSET '10.9.9.9']", "10.9.9.9/32"),
        ("  [ domain-name:value='evil.com' ]  ", "evil.com"),
        (
            "[file:hashes.SHA256 = 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855']",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ),
        (
            "[file:hashes.'md5' = 'd41d8cd98f00b204e9800998ecf8427e']",
            "d41d8cd98f00b204e9800998ecf8427e",
        ),
        (
            "[network-traffic:dst_port = 8823 AND network-traffic:dst_ref.value = '1.2.3.4']",
            "1.2.3.4:8823",
        ),
        (
            "[email-message:from_ref.value = 'a@evil.com']",
            "a@evil.com",
        ),
    ];
    for (pattern, expected) in cases {
        assert_eq!(Pattern::parse(pattern)?, Ioc::parse(expected)?, "{pattern}");
    }
    Ok(())
}

#[test]
fn unmappable_patterns_are_typed_errors() {
    let unsupported = [
        "[domain-name:value = 'a.com' OR domain-name:value = 'b.com']",
        "[domain-name:value = 'a.com'] AND [domain-name:value = 'b.com']",
        "[domain-name:value = 'a.com'] WITHIN 300 SECONDS",
        "[process:name = 'evil.exe']",
        "[url:value MATCHES '^http']",
        "[domain-name:value LIKE '%.com']",
        "[file:hashes.SSDEEP = '3:a:b']",
        "[network-traffic:dst_ref.value = '1.2.3.4' AND network-traffic:dst_port = '8823']",
        "[network-traffic:dst_ref.value = '1.2.3.4' AND network-traffic:protocols[0] = 'tcp']",
        "[network-traffic:dst_ref.type = 'ipv6-addr' AND network-traffic:dst_ref.value = '1.2.3.4' AND network-traffic:dst_port = 1]",
        "[ipv6-addr:value = '1.2.3.4']",
        "[domain-name:value = 'a.com' AND domain-name:value = 'b.com']",
        "[domain-name:value IN ('a.com', 'b.com')]",
    ];
    for p in unsupported {
        let err = Pattern::parse(p).unwrap_err();
        assert!(
            matches!(err, PatternError::Unsupported { .. }),
            "{p}: {err:?}"
        );
        assert_eq!(err.pattern(), p);
    }
    let syntax = [
        "",
        "domain-name:value = 'a.com'",
        "[domain-name:value = \"a.com\"]",
        "[file:hashes.SHA-256 = 'ab']",
        "[url:value = 'unterminated]",
        "[domain-name:value = 'a.com'",
    ];
    for p in syntax {
        let err = Pattern::parse(p).unwrap_err();
        assert!(matches!(err, PatternError::Syntax { .. }), "{p}: {err:?}");
    }
    let value = [
        "[ipv4-addr:value = '198.51.100.7:4782']",
        "[ipv4-addr:value = '198.51.100[.]7']",
        "[file:hashes.'SHA-256' = 'd41d8cd98f00b204e9800998ecf8427e']",
        "[network-traffic:dst_ref.value = '1.2.3.4' AND network-traffic:dst_port = 70000]",
        "[domain-name:value = '-bad-.com']",
    ];
    for p in value {
        let err = Pattern::parse(p).unwrap_err();
        assert!(matches!(err, PatternError::Value { .. }), "{p}: {err:?}");
    }
}

#[test]
fn import_reports_each_unmappable_indicator() -> Result {
    let text = std::fs::read_to_string(Path::new(FIXTURES).join("foreign.bundle.json"))?;
    let Import {
        indicators,
        rejected,
    } = stix::import(&text)?;

    let values: Vec<String> = indicators.iter().map(|i| i.ioc.to_string()).collect();
    assert_eq!(
        values,
        [
            "198.51.100.7:4782",
            "evil.com",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        ]
    );
    // The two reports of evil.com are merged; its family comes from the relationship.
    let evil = &indicators[1];
    assert_eq!(evil.confidence, Some(Confidence::new(90)?));
    assert_eq!(evil.first_seen, Some("2024-04-01T00:00:00Z".parse()?));
    assert_eq!(
        evil.malware.as_deref(),
        Some(&Malware::new("win.remcos").with_printable("Remcos"))
    );
    assert!(evil.is_compromised);
    assert_eq!(
        evil.reference.as_ref().map(url::Url::as_str),
        Some("https://example.org/report")
    );
    assert_eq!(
        evil.sources
            .iter()
            .map(Source::to_string)
            .collect::<Vec<_>>(),
        ["otx", "threatfox#1234567"]
    );
    assert_eq!(indicators[0].malware, None);

    let got: Vec<(usize, Option<&str>, String)> = rejected
        .iter()
        .map(|r| (r.index, r.id.as_deref(), r.reason.to_string()))
        .collect();
    let expected: Vec<(usize, Option<&str>, String)> = vec![
        (3, Some("indicator--00000000-0000-4000-8000-000000000004"), r#"unsupported stix pattern "[process:name = 'evil.exe']": object path process:name is not an indicator this crate maps"#.into()),
        (4, Some("indicator--00000000-0000-4000-8000-000000000005"), r#"unsupported stix pattern "[domain-name:value = 'a.com' OR domain-name:value = 'b.com']": OR between comparisons"#.into()),
        (5, Some("indicator--00000000-0000-4000-8000-000000000006"), r#"pattern type "yara" is not stix"#.into()),
        (6, Some("indicator--00000000-0000-4000-8000-000000000007"), r#"invalid indicator value in stix pattern "[ipv4-addr:value = '198.51.100.7:4782']""#.into()),
        (7, Some("indicator--00000000-0000-4000-8000-000000000008"), "missing property pattern".into()),
        (8, Some("indicator--00000000-0000-4000-8000-000000000009"), r#"invalid confidence "150": expected an integer from 0 to 100"#.into()),
        (9, None, r#"unsupported stix pattern "[url:value MATCHES '^http://']": operator MATCHES on url:value"#.into()),
        (10, Some("indicator--00000000-0000-4000-8000-000000000011"), r#"invalid stix timestamp "last tuesday""#.into()),
    ];
    assert_eq!(got, expected);
    assert!(matches!(rejected[2].reason, RejectReason::PatternType(_)));
    assert!(matches!(
        rejected[0].reason,
        RejectReason::Pattern(PatternError::Unsupported { .. })
    ));
    Ok(())
}

#[test]
fn import_errors_for_documents() {
    assert!(matches!(
        stix::import("not json"),
        Err(stix::ImportError::Json(_))
    ));
    assert!(matches!(
        stix::import("[]"),
        Err(stix::ImportError::NotABundle)
    ));
    assert!(matches!(
        stix::import(r#"{"type": "bundle", "objects": {}}"#),
        Err(stix::ImportError::NotABundle)
    ));
}

fn many(n: u32) -> Result<Vec<Indicator>> {
    (0..n)
        .map(|i| {
            let mut ind = Indicator::new(Ioc::parse(&format!("10.{}.{}.1", i / 256, i % 256))?);
            ind.malware = Some(Malware::new(format!("win.family{}", i % 3)).into());
            Ok(ind)
        })
        .collect()
}

#[test]
fn upload_bodies_hold_at_most_100_objects_and_stand_alone() -> Result {
    // 120 indicators, 3 families, 120 relationships: 243 objects.
    let bundle = stix::export(&many(120)?, &options()?);
    assert_eq!(bundle.objects.len(), 243);
    let bodies = stix::upload_bodies(&bundle, "iochunt")?;
    let sizes: Vec<usize> = bodies.iter().map(|b| b.stixobjects.len()).collect();
    // Each body: 3 families, then (indicator, relationship) pairs: 3 + 2n.
    assert_eq!(sizes, [99, 99, 51]);
    assert!(sizes.iter().all(|&n| n <= MAX_UPLOAD_OBJECTS));
    assert!(bodies.iter().all(|b| b.sourcesystem == "iochunt"));

    let mut seen = std::collections::HashSet::new();
    for body in &bodies {
        let ids: std::collections::HashSet<&str> =
            body.stixobjects.iter().map(Object::id).collect();
        assert_eq!(ids.len(), body.stixobjects.len(), "an id twice in one body");
        for o in &body.stixobjects {
            if let Object::Relationship(r) = o {
                assert!(
                    ids.contains(r.source_ref.as_str()) && ids.contains(r.target_ref.as_str()),
                    "{r:?}"
                );
            }
            seen.insert(o.clone());
        }
    }
    // Nothing lost, nothing invented.
    assert_eq!(seen.len(), bundle.objects.len());
    assert!(bundle.objects.iter().all(|o| seen.contains(o)));
    // Indicators keep their order across bodies.
    let order: Vec<&str> = bodies
        .iter()
        .flat_map(|b| &b.stixobjects)
        .filter(|o| matches!(o, Object::Indicator(_)))
        .map(Object::id)
        .collect();
    let expected: Vec<&str> = bundle
        .objects
        .iter()
        .filter(|o| matches!(o, Object::Indicator(_)))
        .map(Object::id)
        .collect();
    assert_eq!(order, expected);

    // Without families the bodies are plain chunks.
    let plain: Vec<Indicator> = many(250)?
        .into_iter()
        .map(|mut i| {
            i.malware = None;
            i
        })
        .collect();
    let plain = stix::export(&plain, &options()?);
    let bodies = stix::upload_bodies(&plain, "x")?;
    assert_eq!(
        bodies
            .iter()
            .map(|b| b.stixobjects.len())
            .collect::<Vec<_>>(),
        [100, 100, 50]
    );
    assert_eq!(
        bodies
            .iter()
            .flat_map(|b| b.stixobjects.iter())
            .collect::<Vec<_>>(),
        plain.objects.iter().collect::<Vec<_>>()
    );
    let empty = Bundle {
        id: bundle.id.clone(),
        objects: vec![],
    };
    assert!(stix::upload_bodies(&empty, "x")?.is_empty());

    for reserved in [
        "Microsoft Sentinel",
        "microsoft sentinel",
        " Microsoft Sentinel ",
    ] {
        assert_eq!(
            stix::upload_bodies(&bundle, reserved),
            Err(UploadError::ReservedSourceSystem(reserved.into()))
        );
    }
    assert_eq!(
        stix::upload_bodies(&bundle, ""),
        Err(UploadError::EmptySourceSystem)
    );
    Ok(())
}

// ---------------------------------------------------------------------------
// The independent validators.

const SKIP: &str = "skipped: STIX validators unavailable (run `bash tools/stix-check/setup.sh`; it needs ../shared)";

/// The validator's Python, or `None` (after printing why) when the check
/// cannot run and `STIX_CHECK_REQUIRED` is not `1`.
fn checker() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = std::env::var_os("STIX_CHECK_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("tools/stix-check/.venv/bin/python"));
    let shared = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/stix2.1-json-schemas"
    ));
    let ok = python.exists() && shared.is_dir();
    if ok {
        return Some(python);
    }
    if std::env::var("STIX_CHECK_REQUIRED").as_deref() == Ok("1") {
        panic!("STIX_CHECK_REQUIRED=1 but {SKIP}");
    }
    eprintln!("{SKIP}");
    None
}

/// Runs `check.py <args>`; returns (exit code, one JSON report per file).
fn run_check(python: &Path, args: &[&Path]) -> Result<(i32, Vec<serde_json::Value>)> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/stix-check/check.py");
    let out = Command::new(python).arg(script).args(args).output()?;
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

fn every_kind() -> Result<Vec<Indicator>> {
    let values = [
        "198.51.100.7",
        "2001:db8::7",
        "203.0.113.0/24",
        "2001:db8::/32",
        "198.51.100.7:4782",
        "[2001:db8::1]:443",
        "bücher.com",
        r"http://evil.com/it's/gate.php?q='x'",
        r"foo://evil.com/a'b\c",
        "d41d8cd98f00b204e9800998ecf8427e",
        "da39a3ee5e6b4b0d3255bfef95601890afd80709",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
        "invoice@evil.com",
    ];
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let mut ind = Indicator::new(Ioc::parse(v)?);
            ind.threat_type = ThreatType::PayloadDelivery;
            ind.confidence = Some(Confidence::new(u8::try_from(i * 7)?)?);
            ind.first_seen = Some("2026-01-02T03:04:05.678Z".parse()?);
            ind.last_seen = Some("2026-02-02T00:00:00Z".parse()?);
            ind.tags.insert(format!("tag {i}").into());
            ind.is_compromised = i % 4 == 0;
            ind.reporter = Some("someone".into());
            ind.reference = Some("https://example.org/report?id=1".parse()?);
            ind.sources
                .insert(Source::new("threatfox").with_record_id(format!("{}", 1000 + i)));
            if i % 2 == 0 {
                ind.malware = Some(Malware::new("win.remcos").with_printable("Remcos").into());
            }
            Ok(ind)
        })
        .collect()
}

#[test]
fn generated_stix_passes_the_independent_validators() -> Result {
    let Some(python) = checker() else {
        return Ok(());
    };
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("stix-check-good");
    std::fs::create_dir_all(&dir)?;
    let mut files = Vec::new();
    let mut write = |name: &str, text: String| -> Result {
        let path = dir.join(name);
        std::fs::write(&path, text)?;
        files.push(path);
        Ok(())
    };
    let xworm = stix::export(&xworm()?, &options()?);
    write("xworm.bundle.json", pretty(&xworm)?)?;
    write(
        "xworm.upload.json",
        pretty(&stix::upload_bodies(&xworm, "iochunt")?[0])?,
    )?;
    write(
        "every-kind.bundle.json",
        pretty(&stix::export(&every_kind()?, &options()?))?,
    )?;
    let big = stix::export(&many(120)?, &options()?);
    for (i, body) in stix::upload_bodies(&big, "iochunt")?.iter().enumerate() {
        write(&format!("big.upload.{i}.json"), pretty(body)?)?;
    }
    let args: Vec<&Path> = std::iter::once(Path::new("stix"))
        .chain(files.iter().map(PathBuf::as_path))
        .collect();
    let (code, reports) = run_check(&python, &args)?;
    for r in &reports {
        assert_eq!(r["ok"], true, "{r}");
    }
    assert_eq!(reports.len(), files.len());
    assert_eq!(code, 0);
    Ok(())
}

#[test]
fn the_validators_reject_broken_samples() -> Result {
    let Some(python) = checker() else {
        return Ok(());
    };
    // Each broken sample with a fragment of the error it must raise.
    let cases = [
        ("broken-string-port.json", "port '8823' is not an integer"),
        ("broken-unquoted-hash-name.json", "stix2-patterns"),
        ("broken-host-bits.json", "host bits"),
        ("broken-confidence.json", "greater than the maximum of 100"),
        (
            "broken-reserved-sourcesystem.json",
            "'Microsoft Sentinel' is reserved",
        ),
        (
            "broken-seconds-timestamp.json",
            "is not a millisecond UTC timestamp",
        ),
        ("broken-defanged.json", "defanged value"),
        ("broken-dangling-ref.json", "is not in the document"),
    ];
    let mut paths: Vec<PathBuf> = cases
        .iter()
        .map(|(f, _)| Path::new(FIXTURES).join("broken").join(f))
        .collect();

    // One body over the object limit, made from valid objects.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("stix-check-bad");
    std::fs::create_dir_all(&dir)?;
    let big = stix::export(&many(101)?, &options()?);
    let over = serde_json::json!({"sourcesystem": "iochunt", "stixobjects": big.objects[..101]});
    let over_path = dir.join("over-limit.upload.json");
    std::fs::write(&over_path, serde_json::to_string(&over)?)?;
    paths.push(over_path);

    let args: Vec<&Path> = std::iter::once(Path::new("stix"))
        .chain(paths.iter().map(PathBuf::as_path))
        .collect();
    let (code, reports) = run_check(&python, &args)?;
    assert_eq!(code, 1);
    assert_eq!(reports.len(), cases.len() + 1);
    for ((file, fragment), report) in cases.iter().zip(&reports) {
        assert_eq!(report["ok"], false, "{file} passed: {report}");
        let errors = report["errors"].to_string();
        assert!(
            errors.contains(fragment),
            "{file}: {fragment:?} not in {errors}"
        );
    }
    let last = &reports[cases.len()];
    assert_eq!(last["ok"], false);
    assert!(
        last["errors"]
            .to_string()
            .contains("101 objects, more than 100"),
        "{last}"
    );
    Ok(())
}
