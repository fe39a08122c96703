//! Properties of the STIX export: export then import gives the indicators
//! back, field by field as the `deploy::stix` module docs promise; patterns
//! read back to their indicator; the pattern reader never panics; and
//! generated bundles pass the independent validators.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use iochunt::deploy::stix::{self, ExportOptions, Pattern, StixTimestamp};
use iochunt::{Indicator, Ioc, Malware};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

fn created() -> jiff::Timestamp {
    jiff::Timestamp::from_second(1_778_544_000).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

/// URLs whose text keeps `'` and `\` (a non-special scheme), to exercise
/// the literal escapes.
fn arb_quoting_url() -> impl Strategy<Value = Ioc> {
    ("[a-z]{1,6}", "[a-z'\\\\]{1,8}", "[a-z'\\\\]{0,6}").prop_map(|(host, a, b)| {
        let text = format!("foo://{host}.com/{a}/{b}");
        match Ioc::parse(&text) {
            Ok(ioc) => ioc,
            Err(e) => panic!("generated {text:?} must parse: {e}"),
        }
    })
}

/// Indicators from the shared strategy, some with a reference URL, some
/// with a quoting URL as their value, and sub-second first-seen times.
fn arb_indicator() -> impl Strategy<Value = Indicator> {
    (
        common::arb_indicator(),
        prop::option::of(arb_quoting_url()),
        prop::option::of("[a-z]{1,8}"),
        0i64..1000,
    )
        .prop_map(|(mut ind, url, reference, ms)| {
            if let Some(url) = url {
                ind.ioc = url;
            }
            ind.reference =
                reference.and_then(|r| format!("https://{r}.org/report/{r}").parse().ok());
            ind.first_seen = ind
                .first_seen
                .and_then(|t| t.checked_add(jiff::SignedDuration::from_millis(ms)).ok());
            ind
        })
}

/// A list with some values repeated (so that merging is exercised).
fn arb_indicators() -> impl Strategy<Value = Vec<Indicator>> {
    (
        prop::collection::vec(arb_indicator(), 0..10),
        prop::collection::vec(arb_indicator(), 0..3),
    )
        .prop_map(|(mut list, dups)| {
            for (i, mut d) in dups.into_iter().enumerate() {
                if let Some(first) = list.get(i) {
                    d.ioc = first.ioc.clone();
                    list.push(d);
                }
            }
            list
        })
}

/// What import must give back for `input`: merged by value in order of
/// first appearance; `valid_from` from first seen (else the export time) to
/// the millisecond; each family as the first indicator that named its id
/// had it; no `last_seen` or `reporter`; everything else unchanged.
fn expected(input: &[Indicator], created: jiff::Timestamp) -> Vec<Indicator> {
    let mut merged: Vec<Indicator> = Vec::new();
    for ind in input {
        match merged.iter_mut().find(|m| m.ioc == ind.ioc) {
            Some(m) => m.merge(ind.clone()).unwrap_or_else(|e| panic!("{e}")),
            None => merged.push(ind.clone()),
        }
    }
    let mut families: HashMap<String, Arc<Malware>> = HashMap::new();
    for m in merged.iter().filter_map(|i| i.malware.as_ref()) {
        families.entry(m.id.clone()).or_insert_with(|| m.clone());
    }
    merged
        .into_iter()
        .map(|mut ind| {
            ind.first_seen = Some(StixTimestamp::new(ind.first_seen.unwrap_or(created)).get());
            ind.last_seen = None;
            ind.reporter = None;
            ind.malware = ind.malware.map(|m| families[&m.id].clone());
            ind
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn export_then_import_gives_the_indicators(input in arb_indicators()) {
        let bundle = stix::export(&input, &ExportOptions::new(created()));
        let json = serde_json::to_string(&bundle).expect("serialize");
        let back = stix::import(&json).expect("import");
        prop_assert!(back.rejected.is_empty(), "{:?}", back.rejected);
        prop_assert_eq!(back.indicators, expected(&input, created()));

        // The upload bodies carry the same indicators.
        let bodies = stix::upload_bodies(&bundle, "iochunt").expect("bodies");
        let mut from_bodies = Vec::new();
        for body in &bodies {
            prop_assert!(body.stixobjects.len() <= stix::MAX_UPLOAD_OBJECTS);
            let json = serde_json::to_string(body).expect("serialize");
            from_bodies.extend(stix::import(&json).expect("import").indicators);
        }
        prop_assert_eq!(from_bodies, expected(&input, created()));
    }

    #[test]
    fn export_is_deterministic(input in arb_indicators()) {
        let a = serde_json::to_string(&stix::export(&input, &ExportOptions::new(created()))).expect("a");
        let b = serde_json::to_string(&stix::export(&input, &ExportOptions::new(created()))).expect("b");
        prop_assert_eq!(a, b);
    }

    #[test]
    fn pattern_reads_back(ioc in prop_oneof![common::arb_ioc(), arb_quoting_url()]) {
        let text = Pattern::new(&ioc).to_string();
        prop_assert_eq!(Pattern::parse(&text), Ok(ioc), "{}", text);
    }

    #[test]
    fn pattern_reader_never_panics(text in "\\PC{0,80}") {
        let _ = Pattern::parse(&text);
    }

    #[test]
    fn pattern_reader_never_panics_on_near_patterns(
        parts in prop::collection::vec(prop::sample::select(vec![
            "[", "]", " ", "AND", "OR", "ipv4-addr", "network-traffic", ":", "value", "dst_ref", ".",
            "dst_port", "=", "ISSUBSET", "'", "\\", "1.2.3.4", "'1.2.3.4'", "8823", "hashes", "'SHA-256'",
            "NOT", "(", ")", "t'", "-", "é",
        ]), 0..16)
    ) {
        let text: String = parts.concat();
        let _ = Pattern::parse(&text);
    }
}

#[test]
fn generated_bundles_pass_the_independent_validators() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = std::env::var_os("STIX_CHECK_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("tools/stix-check/.venv/bin/python"));
    let shared = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/stix2.1-json-schemas"
    ));
    if !python.exists() || !shared.is_dir() {
        assert_ne!(
            std::env::var("STIX_CHECK_REQUIRED").as_deref(),
            Ok("1"),
            "STIX_CHECK_REQUIRED=1 but the STIX validators are unavailable"
        );
        eprintln!(
            "skipped: STIX validators unavailable (run `bash tools/stix-check/setup.sh`; it needs ../shared)"
        );
        return;
    }
    // A fixed seed, so that a failure names a file that can be regenerated.
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("stix-check-generated");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let strategy = prop::collection::vec(arb_indicator(), 1..12);
    let mut files = Vec::new();
    for i in 0..25 {
        let input = strategy
            .new_tree(&mut runner)
            .unwrap_or_else(|e| panic!("{e}"))
            .current();
        let bundle = stix::export(&input, &ExportOptions::new(created()));
        let path = dir.join(format!("generated-{i}.json"));
        std::fs::write(
            &path,
            serde_json::to_string_pretty(&bundle).unwrap_or_else(|e| panic!("{e}")),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        files.push(path);
    }
    let out = Command::new(&python)
        .arg(root.join("tools/stix-check/check.py"))
        .arg("stix")
        .args(&files)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.lines().count(), files.len());
    assert!(
        stdout.lines().all(|l| l.contains("\"ok\": true")),
        "{stdout}"
    );
}
