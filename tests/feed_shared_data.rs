//! Every real feed sample under `../shared/data` ingests, and every record
//! read is accounted for once: accepted, rejected or merged.

use std::path::Path;

use iochunt::feed::{self, Format};

const DIRS: [&str; 2] = [
    concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/threatfox"),
    concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/abusech_other"),
];

/// Expected (format, records, accepted, merged) per sample file.
fn expected(name: &str) -> Option<(Format, u64, usize, usize)> {
    Some(match name {
        "api_get_iocs_response_elastic_mock.json" => (Format::ThreatFoxApi, 2, 2, 0),
        "api_get_iocs_items_elastic_2022-08-05.ndjson" => (Format::ThreatFoxNdjson, 15, 13, 2),
        "export_csv_full_excerpt_2024-07-16.csv" => (Format::ThreatFoxCsv, 5, 5, 0),
        "urlhaus_csv_recent_excerpt_2026-03-09.csv" => (Format::UrlhausCsv, 300, 299, 1),
        "malwarebazaar_csv_full_excerpt_2026-02-26.csv" => (Format::MalwareBazaarCsv, 39, 39, 0),
        _ => return None,
    })
}

#[test]
fn every_shared_sample_is_accounted_for() {
    if !Path::new(DIRS[0]).is_dir() {
        println!("skipped: ../shared absent");
        return;
    }
    let mut seen = 0;
    for dir in DIRS {
        let Ok(entries) = std::fs::read_dir(dir) else {
            panic!("cannot list {dir}");
        };
        let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned();
            if name.ends_with(".md") {
                continue;
            }
            let got = match feed::ingest_path(&path) {
                Ok(got) => got,
                Err(e) => panic!("{name}: {e}"),
            };
            let total = got.accepted.len() + got.rejected.len() + got.merged.len();
            assert_eq!(total as u64, got.records, "{name}");
            assert!(got.rejected.is_empty(), "{name}: {:?}", got.rejected);
            let Some((format, records, accepted, merged)) = expected(&name) else {
                panic!("{name}: new sample file, add its expected counts");
            };
            assert_eq!(
                (
                    got.format,
                    got.records,
                    got.accepted.len(),
                    got.merged.len()
                ),
                (format, records, accepted, merged),
                "{name}"
            );
            seen += 1;
        }
    }
    assert_eq!(seen, 5);
}

#[test]
fn elastic_ndjson_merges_repeated_values() {
    let path = Path::new(DIRS[0]).join("api_get_iocs_items_elastic_2022-08-05.ndjson");
    if !path.is_file() {
        println!("skipped: ../shared absent");
        return;
    }
    let got = feed::ingest_path(&path).unwrap_or_else(|e| panic!("{e}"));
    // The sanitised sample repeats 81.2.69.142:80 under three ids.
    let merged: Vec<_> = got.merged.iter().map(|m| m.into.to_string()).collect();
    assert_eq!(merged, ["81.2.69.142:80", "81.2.69.142:80"]);
    let first = got
        .accepted
        .iter()
        .find(|i| i.ioc.to_string() == "[2a02:cf40:1::5]:40669")
        .map(|i| {
            i.sources
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        });
    assert_eq!(first, Some(vec!["threatfox#841508".to_owned()]));
}

#[test]
fn urlhaus_merge_is_a_canonical_duplicate() {
    let path = Path::new(DIRS[1]).join("urlhaus_csv_recent_excerpt_2026-03-09.csv");
    if !path.is_file() {
        println!("skipped: ../shared absent");
        return;
    }
    let got = feed::ingest_path(&path).unwrap_or_else(|e| panic!("{e}"));
    // Record 3792880 lists "https://web3-walletnotify.cc", which is the
    // same URL as record 3792916's "https://web3-walletnotify.cc/".
    let merged: Vec<_> = got
        .merged
        .iter()
        .map(|m| (m.record_id.as_deref(), m.position.line, m.into.to_string()))
        .collect();
    assert_eq!(
        merged,
        [(
            Some("3792880"),
            Some(132),
            "https://web3-walletnotify.cc/".to_owned()
        )]
    );
}
