//! Damaged copies of the fixtures: each damage gives its documented reason
//! on the damaged record, and every other record comes through as before.

use iochunt::feed::{self, FeedError, Format, Ingested, RejectReason};
use pretty_assertions::assert_eq;

struct Case {
    file: &'static str,
    /// Text that occurs on exactly one record's line.
    target: &'static str,
    /// That record's id, as the rejection must name it.
    id: Option<&'static str>,
}

const CASES: [Case; 6] = [
    Case {
        file: "xworm_seed_api.json",
        target: "104.168.5.18:8823",
        id: Some("1000002"),
    },
    Case {
        file: "threatfox_export.json",
        target: "aliexpress.us.com",
        id: Some("1000003"),
    },
    Case {
        file: "threatfox_items.ndjson",
        target: "2001:db8:1::5:40669",
        id: Some("1000008"),
    },
    Case {
        file: "threatfox_recent_15col.csv",
        target: "aliexpress.us.com",
        id: Some("1000003"),
    },
    Case {
        file: "urlhaus_recent.csv",
        target: "http://198.51.100.7:60116/i",
        id: Some("3000001"),
    },
    Case {
        file: "indicators_defanged.txt",
        target: "aliexpress[.]us[.]com",
        id: None,
    },
];

fn read(file: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/feeds/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn ingest(file: &str, bytes: &[u8]) -> Ingested {
    match feed::ingest(bytes) {
        Ok(got) => {
            assert!(got.is_balanced(), "{file}");
            got
        }
        Err(e) => panic!("{file}: {e}"),
    }
}

/// 1-based number of the line holding `target`, and its byte range.
fn target_line(bytes: &[u8], target: &str) -> (u64, std::ops::Range<usize>) {
    let mut start = 0;
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let end = start + line.len();
        if line.windows(target.len()).any(|w| w == target.as_bytes()) {
            return (i as u64 + 1, start..end);
        }
        start = end + 1;
    }
    panic!("{target} not found");
}

fn iocs(got: &Ingested) -> Vec<String> {
    got.accepted.iter().map(|i| i.ioc.to_string()).collect()
}

/// Checks that `mutated` loses exactly the target record, with `code`.
fn check(case: &Case, mutated: &[u8], code: &str) {
    let base = ingest(case.file, &read(case.file));
    assert!(base.rejected.is_empty(), "{}", case.file);
    let got = ingest(case.file, mutated);
    let what = format!("{} / {code}", case.file);
    assert_eq!(got.records, base.records, "{what}");
    assert_eq!(got.rejected.len(), 1, "{what}: {:?}", got.rejected);
    let rejected = &got.rejected[0];
    assert_eq!(rejected.reason.code(), code, "{what}: {rejected}");
    let (line, _) = target_line(&read(case.file), case.target);
    assert_eq!(rejected.position.line, Some(line), "{what}");
    assert_eq!(rejected.record_id.as_deref(), case.id, "{what}");
    // Nothing else is lost: all other indicators come through.
    let base_iocs = iocs(&base);
    let got_iocs = iocs(&got);
    assert!(got_iocs.iter().all(|i| base_iocs.contains(i)), "{what}");
    assert_eq!(
        got.accepted.len() + got.merged.len() + 1,
        base.accepted.len() + base.merged.len(),
        "{what}"
    );
}

#[test]
fn byte_flipped_to_invalid_utf8() {
    for case in &CASES {
        let mut bytes = read(case.file);
        let (_, range) = target_line(&bytes, case.target);
        let line = &bytes[range.clone()];
        let at = line
            .windows(case.target.len())
            .position(|w| w == case.target.as_bytes())
            .map(|p| range.start + p + 1);
        let Some(at) = at else {
            panic!("{}", case.file)
        };
        bytes[at] = 0xFF;
        check(case, &bytes, "invalid_utf8");
    }
}

#[test]
fn unknown_ioc_type() {
    for case in &CASES[..4] {
        let bytes = read(case.file);
        let (_, range) = target_line(&bytes, case.target);
        let line = String::from_utf8_lossy(&bytes[range.clone()]).into_owned();
        let mut changed = line.clone();
        for declared in ["\"ip:port\"", "\"domain\""] {
            changed = changed.replacen(declared, "\"ja3_fingerprint\"", 1);
        }
        assert_ne!(changed, line, "{}", case.file);
        let mut mutated = bytes[..range.start].to_vec();
        mutated.extend_from_slice(changed.as_bytes());
        mutated.extend_from_slice(&bytes[range.end..]);
        check(case, &mutated, "unknown_ioc_type");
        let got = ingest(case.file, &mutated);
        assert_eq!(
            got.rejected[0].reason,
            RejectReason::UnknownIocType("ja3_fingerprint".into())
        );
    }
}

#[test]
fn number_where_a_string_belongs() {
    for case in &CASES[..3] {
        let bytes = read(case.file);
        let (_, range) = target_line(&bytes, case.target);
        let line = String::from_utf8_lossy(&bytes[range.clone()]).into_owned();
        let quoted = format!("\"{}\"", case.target);
        let changed = line.replacen(&quoted, "12345", 1);
        assert_ne!(changed, line, "{}", case.file);
        let mut mutated = bytes[..range.start].to_vec();
        mutated.extend_from_slice(changed.as_bytes());
        mutated.extend_from_slice(&bytes[range.end..]);
        check(case, &mutated, "schema");
        let got = ingest(case.file, &mutated);
        let msg = got.rejected[0].reason.to_string();
        assert!(
            msg.starts_with(
                "unexpected record shape: invalid type: integer `12345`, expected a string"
            ),
            "{msg}"
        );
        assert_eq!(got.rejected[0].raw, "12345");
    }
}

const MB_LAST: &str = "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";

/// Cuts the file in the middle of its last record.
#[test]
fn truncated_mid_record() {
    let lasts = [
        ("xworm_seed_api.json", "aliexpress.us.com", Some("1000003")),
        (
            "threatfox_export.json",
            "attacker@phish.example.com",
            Some("1000007"),
        ),
        ("threatfox_items.ndjson", "deadbeef", Some("1000009")),
        ("threatfox_recent_15col.csv", "\"1000006\"", Some("1000006")),
        ("urlhaus_recent.csv", "\"3000002\"", Some("3000002")),
        ("malwarebazaar_recent.csv", "reporter_b", Some(MB_LAST)),
    ];
    for (file, target, id) in lasts {
        let bytes = read(file);
        let (line, range) = target_line(&bytes, target);
        let cut = range.start + (range.end - range.start) / 2;
        let base = ingest(file, &bytes);
        let got = ingest(file, &bytes[..cut]);
        assert_eq!(got.records, base.records, "{file}");
        assert_eq!(got.rejected.len(), 1, "{file}: {:?}", got.rejected);
        let r = &got.rejected[0];
        assert_eq!(r.reason, RejectReason::Truncated, "{file}: {r}");
        assert_eq!(r.position.line, Some(line), "{file}");
        assert_eq!(r.position.record, base.records, "{file}");
        // The id field is complete before the cut, so it is reported.
        assert_eq!(r.record_id.as_deref(), id, "{file}");
        assert_eq!(
            got.accepted.len() + got.merged.len() + 1,
            base.accepted.len() + base.merged.len(),
            "{file}"
        );
    }
}

#[test]
fn empty_files() {
    for bytes in [&b""[..], b"\n\n", b"\xEF\xBB\xBF  \r\n"] {
        let err = feed::ingest(bytes);
        assert!(matches!(err, Err(FeedError::Empty { .. })), "{bytes:?}");
    }
    // A header with no rows is an empty feed, not an error.
    let banner = b"################\r\n# \"first_seen_utc\",\"ioc_id\",\"ioc_value\",\"ioc_type\",\"threat_type\"\r\n# Number of entries: 0\r\n";
    let got = ingest("banner only", banner);
    assert_eq!((got.format, got.records), (Format::ThreatFoxCsv, 0));
}

#[test]
fn strict_mode_stops_at_the_damaged_record() {
    let case = &CASES[0];
    let mut bytes = read(case.file);
    let (line, range) = target_line(&bytes, case.target);
    let at = bytes[range.clone()]
        .windows(case.target.len())
        .position(|w| w == case.target.as_bytes())
        .map_or(range.start, |p| range.start + p + 3);
    bytes[at] = 0xC3;
    let err = feed::FeedOptions::new()
        .strict(true)
        .name(case.file)
        .ingest(&bytes[..]);
    let msg = err.err().map(|e| e.to_string());
    assert_eq!(
        msg,
        Some(format!(
            "{}: line {line}, record 2 (id 1000002): record is not valid utf-8 in \"104\u{FFFD}168.5.18:8823\"",
            case.file
        ))
    );
}

#[test]
fn unclosed_quote_and_wrong_field_count_stay_local() {
    let bytes = read("threatfox_recent_15col.csv");
    let text = String::from_utf8_lossy(&bytes);
    for (from, to, reason) in [
        (
            "\"XWorm,c2\", \"0\", \"abuse_ch\"\r\n",
            "\"XWorm,c2\", \"0\", \"abuse_ch\r\n",
            "malformed record: unclosed quote",
        ),
        (
            "\"aliexpress.us.com\", ",
            "\"aliexpress.us.com, ",
            "expected 15 fields, found 14",
        ),
    ] {
        let broken = text.replacen(from, to, 1);
        assert_ne!(broken, text);
        let got = ingest("broken csv", broken.as_bytes());
        let reasons: Vec<_> = got
            .rejected
            .iter()
            .map(|r| (r.position.line, r.record_id.clone(), r.reason.to_string()))
            .collect();
        assert_eq!(
            reasons,
            [(Some(12), Some("1000003".to_owned()), reason.to_owned())]
        );
        // Six records: one rejected, one merged, four accepted.
        assert_eq!((got.accepted.len(), got.merged.len()), (4, 1));
    }

    let extra = text.replacen(
        "\"0\", \"abuse_ch\"\r\n\"2026-05-10 18:00",
        "\"0\", \"abuse_ch\", \"extra\"\r\n\"2026-05-10 18:00",
        1,
    );
    assert_ne!(extra, text);
    let got = ingest("extra field", extra.as_bytes());
    let reasons: Vec<_> = got.rejected.iter().map(|r| r.reason.clone()).collect();
    assert_eq!(
        reasons,
        [RejectReason::FieldCount {
            expected: 15,
            found: 16
        }]
    );
    assert_eq!(got.rejected[0].record_id.as_deref(), Some("1000005"));
}

mod random_damage {
    use super::*;
    use proptest::prelude::*;

    fn all_fixtures() -> Vec<(&'static str, Vec<u8>)> {
        [
            "xworm_seed_api.json",
            "threatfox_export.json",
            "threatfox_items.ndjson",
            "threatfox_recent_15col.csv",
            "threatfox_full_14col.csv",
            "urlhaus_recent.csv",
            "malwarebazaar_recent.csv",
            "indicators_defanged.txt",
        ]
        .into_iter()
        .map(|f| (f, read(f)))
        .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// Any damage gives a balanced result or a feed-level error, never a panic.
        #[test]
        fn damaged_fixtures_never_panic(
            which in 0usize..8,
            edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6),
            cut in prop::option::of(any::<prop::sample::Index>()),
        ) {
            let fixtures = all_fixtures();
            let (name, mut bytes) = fixtures[which].clone();
            for (at, byte) in edits {
                let i = at.index(bytes.len());
                bytes[i] = byte;
            }
            if let Some(cut) = cut {
                bytes.truncate(cut.index(bytes.len() + 1));
            }
            match feed::ingest(&bytes[..]) {
                Ok(got) => prop_assert!(got.is_balanced(), "{}", name),
                Err(FeedError::Empty { .. } | FeedError::UnknownFormat { .. } | FeedError::Api { .. }) => {}
                Err(e) => prop_assert!(false, "{}: {}", name, e),
            }
        }

        /// Arbitrary bytes, too.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
            if let Ok(got) = feed::ingest(&bytes[..]) {
                prop_assert!(got.is_balanced());
            }
        }
    }
}

/// A runaway line (no line break for megabytes) is one rejected record; the
/// reader never holds more than the record limit of it.
#[test]
fn overlong_line_is_one_record() {
    let huge = "A".repeat(3 << 20);
    for (file, before) in [
        ("threatfox_recent_15col.csv", "\"1000002\""),
        ("threatfox_items.ndjson", "\"1000008\""),
        ("indicators_defanged.txt", "104[.]168"),
    ] {
        let bytes = read(file);
        let base = ingest(file, &bytes);
        let (line, range) = target_line(&bytes, before);
        let text = String::from_utf8_lossy(&bytes);
        let cut = range.start;
        let mutated = format!("{}\"{huge}\n{}", &text[..cut], &text[cut..]);
        let got = ingest(file, mutated.as_bytes());
        let reasons: Vec<_> = got
            .rejected
            .iter()
            .map(|r| (r.position.line, r.reason.clone()))
            .collect();
        assert_eq!(
            reasons,
            [(Some(line), RejectReason::TooLong(huge.len() + 2))],
            "{file}"
        );
        assert_eq!(got.rejected[0].raw.chars().count(), 200, "{file}");
        assert_eq!(iocs(&got), iocs(&base), "{file}");
    }
}

#[test]
fn character_split_across_two_fields_is_invalid_utf8() {
    // `é` (C3 A9) cut in two by the field separator, on a line whose doubled
    // quote makes the reader copy its fields: side by side, the two halves
    // would read as valid text and the fields around them as missing.
    let case = &CASES[3];
    let original = read(case.file);
    for (from, to) in [
        (
            &b"\"XWorm,c2\", \"0\""[..],
            &b"\"XWorm,c2\xC3\", \"\xA90\""[..],
        ),
        (
            &b"\"win.xworm\", \"None\", \"XWorm\""[..],
            &b"\"win.xworm\xC3\", \"\xA9None\", \"X\"\"Worm\""[..],
        ),
    ] {
        let (_, range) = target_line(&original, case.target);
        let line = &original[range.clone()];
        let at = range.start
            + line
                .windows(from.len())
                .position(|w| w == from)
                .unwrap_or_else(|| panic!("{}", String::from_utf8_lossy(from)));
        let mut bytes = original[..at].to_vec();
        bytes.extend_from_slice(to);
        bytes.extend_from_slice(&original[at + from.len()..]);
        check(case, &bytes, "invalid_utf8");
    }
}
