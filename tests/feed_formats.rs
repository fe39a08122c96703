//! Every supported feed format, read from our own small fixtures.

use std::path::PathBuf;

use iochunt::feed::{self, FeedOptions, Format, Ingested, RejectReason};
use iochunt::{Indicator, IocKind, ThreatType};
use pretty_assertions::assert_eq;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/feeds")).join(name)
}

fn ingest(name: &str) -> Ingested {
    match feed::ingest_path(fixture(name)) {
        Ok(got) => {
            assert!(got.is_balanced(), "{name}: {got:?}");
            got
        }
        Err(e) => panic!("{name}: {e}"),
    }
}

fn values(got: &Ingested) -> Vec<String> {
    got.accepted.iter().map(|i| i.ioc.to_string()).collect()
}

fn source(ind: &Indicator) -> String {
    ind.sources
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn xworm_seed_api_response() {
    let got = ingest("xworm_seed_api.json");
    assert_eq!(got.format, Format::ThreatFoxApi);
    assert_eq!(got.records, 3);
    assert_eq!(
        values(&got),
        [
            "192.3.171.227:8823",
            "104.168.5.18:8823",
            "aliexpress.us.com"
        ]
    );
    let kinds: Vec<_> = got.accepted.iter().map(|i| i.ioc.kind()).collect();
    assert_eq!(kinds, [IocKind::IpPort, IocKind::IpPort, IocKind::Domain]);
    for ind in &got.accepted {
        assert_eq!(ind.threat_type, ThreatType::BotnetCc);
        assert_eq!(ind.confidence.map(|c| c.get()), Some(75));
        let malware = ind
            .malware
            .as_ref()
            .map(|m| (m.id.as_str(), m.display_name()));
        assert_eq!(malware, Some(("win.xworm", "XWorm")));
        assert!(!ind.is_compromised);
        assert_eq!(ind.tags.iter().map(|t| &**t).collect::<Vec<_>>(), ["XWorm"]);
    }
    let first_seen: Vec<_> = got
        .accepted
        .iter()
        .map(|i| i.first_seen.map(|t| t.to_string()).unwrap_or_default())
        .collect();
    assert_eq!(
        first_seen,
        [
            "2026-05-11T00:00:00Z",
            "2026-05-11T00:00:00Z",
            "2026-05-10T00:00:00Z"
        ]
    );
    assert_eq!(source(&got.accepted[2]), "threatfox#1000003");
}

#[test]
fn threatfox_csv_15_columns_crlf_with_merge() {
    let got = ingest("threatfox_recent_15col.csv");
    assert_eq!(got.format, Format::ThreatFoxCsv);
    assert_eq!(got.records, 6);
    assert_eq!(
        values(&got),
        [
            "192.3.171.227:8823",
            "104.168.5.18:8823",
            "aliexpress.us.com",
            "http://payload-host.example.net/dl.php?a=1,2",
            "0123456789abcdef0123456789abcdef"
        ]
    );
    assert!(got.rejected.is_empty());
    // Record 1000006 repeats 192.3.171.227:8823 and is merged into 1000001.
    assert_eq!(got.merged.len(), 1);
    assert_eq!(got.merged[0].record_id.as_deref(), Some("1000006"));
    assert_eq!(got.merged[0].position.line, Some(15));
    let first = &got.accepted[0];
    assert_eq!(source(first), "threatfox#1000001 threatfox#1000006");
    assert_eq!(first.confidence.map(|c| c.get()), Some(90));
    assert_eq!(
        first.first_seen.map(|t| t.to_string()).as_deref(),
        Some("2026-05-10T18:00:00Z")
    );
    assert_eq!(
        first.last_seen.map(|t| t.to_string()).as_deref(),
        Some("2026-05-11T12:00:00Z")
    );
    assert_eq!(
        first.tags.iter().map(|t| &**t).collect::<Vec<_>>(),
        ["XWorm", "xworm-v5"]
    );

    let url = &got.accepted[3];
    assert!(url.is_compromised);
    assert_eq!(url.threat_type, ThreatType::PayloadDelivery);
    assert_eq!(url.reporter.as_deref(), Some("anonymous"));
    let aliases = url
        .malware
        .as_ref()
        .map(|m| m.aliases.clone())
        .unwrap_or_default();
    assert_eq!(aliases, ["Agentemis", "BEACON", "CobaltStrike", "cobeacon"]);
    assert_eq!(
        got.accepted[2].reference.as_ref().map(|u| u.as_str()),
        Some("https://example.org/report/xworm")
    );
    assert!(got.accepted[4].tags.is_empty(), "\"None\" tags are no tags");
    assert_eq!(
        got.accepted[1].last_seen.map(|t| t.to_string()).as_deref(),
        Some("2026-05-12T09:00:00Z")
    );
}

#[test]
fn threatfox_csv_14_columns_from_header() {
    let got = ingest("threatfox_full_14col.csv");
    assert_eq!(got.format, Format::ThreatFoxCsv);
    assert_eq!(
        values(&got),
        ["http://loki-panel.example.com/fre.php", "8.134.12.90:7777"]
    );
    assert_eq!(got.accepted[1].confidence.map(|c| c.get()), Some(100));
    assert_eq!(got.accepted[1].last_seen, None);
    assert_eq!(source(&got.accepted[1]), "threatfox#2000002");
}

#[test]
fn threatfox_json_export() {
    let got = ingest("threatfox_export.json");
    assert_eq!(got.format, Format::ThreatFoxJsonExport);
    assert_eq!(
        values(&got),
        [
            "192.3.171.227:8823",
            "aliexpress.us.com",
            "attacker@phish.example.com"
        ]
    );
    assert_eq!(source(&got.accepted[2]), "threatfox#1000007");
    assert_eq!(
        got.accepted[1]
            .tags
            .iter()
            .map(|t| &**t)
            .collect::<Vec<_>>(),
        ["XWorm", "c2"]
    );
    assert_eq!(
        got.accepted[0].reference, None,
        "empty reference is no reference"
    );
    assert_eq!(got.accepted[2].ioc.kind(), IocKind::Email);
}

#[test]
fn threatfox_ndjson() {
    let got = ingest("threatfox_items.ndjson");
    assert_eq!(got.format, Format::ThreatFoxNdjson);
    assert_eq!(
        values(&got),
        [
            "192.3.171.227:8823",
            "[2001:db8:1::5]:40669",
            "deadbeefdeadbeefdeadbeefdeadbeefdeadbeef"
        ]
    );
    assert!(got.accepted[2].is_compromised);
    assert_eq!(got.accepted[2].ioc.kind(), IocKind::Sha1);
}

#[test]
fn urlhaus_csv() {
    let got = ingest("urlhaus_recent.csv");
    assert_eq!(got.format, Format::UrlhausCsv);
    assert_eq!(
        values(&got),
        [
            "http://198.51.100.7:60116/i",
            "https://drop.example.net/verification.google"
        ]
    );
    let first = &got.accepted[0];
    assert_eq!(first.threat_type, ThreatType::PayloadDelivery);
    assert_eq!(source(first), "urlhaus#3000001");
    assert_eq!(first.tags.len(), 4);
    assert_eq!(
        first.reference.as_ref().map(|u| u.as_str()),
        Some("https://urlhaus.abuse.ch/url/3000001/")
    );
    assert_eq!(got.accepted[1].last_seen, None);
}

#[test]
fn malwarebazaar_csv() {
    let got = ingest("malwarebazaar_recent.csv");
    assert_eq!(got.format, Format::MalwareBazaarCsv);
    assert_eq!(got.accepted.len(), 2);
    assert!(got.accepted.iter().all(|i| i.ioc.kind() == IocKind::Sha256));
    assert_eq!(got.accepted[0].malware, None, "n/a signature is no malware");
    assert_eq!(
        got.accepted[1].malware.as_ref().map(|m| m.id.as_str()),
        Some("XWorm")
    );
    assert_eq!(got.accepted[1].threat_type, ThreatType::Payload);
    assert_eq!(
        source(&got.accepted[1]),
        format!("malwarebazaar#{}", "c".repeat(64))
    );
}

#[test]
fn defanged_list() {
    let got = ingest("indicators_defanged.txt");
    assert_eq!(got.format, Format::List);
    assert_eq!(got.records, 7);
    assert_eq!(
        values(&got),
        [
            "192.3.171.227:8823",
            "104.168.5.18:8823",
            "aliexpress.us.com",
            "http://payload-host.example.net/dl.php",
            "blocked.example.org",
            "deadbeefdeadbeefdeadbeefdeadbeefdeadbeef"
        ]
    );
    assert_eq!(got.merged.len(), 1);
    assert_eq!(got.merged[0].position.line, Some(10));
    assert_eq!(source(&got.accepted[0]), "list");
}

#[test]
fn api_no_result_and_failed_query() -> Result<(), feed::FeedError> {
    let none = r#"{"query_status":"no_result","data":"Your search did not yield any results"}"#;
    let got = feed::ingest(none.as_bytes())?;
    assert_eq!((got.records, got.accepted.len()), (0, 0));
    let bad = r#"{"query_status":"illegal_search_term","data":"Illegal search term"}"#;
    let err = FeedOptions::new().name("resp.json").ingest(bad.as_bytes());
    assert_eq!(
        err.map(|_| ()).map_err(|e| e.to_string()),
        Err(r#"resp.json: threatfox query failed with status "illegal_search_term""#.to_owned())
    );
    Ok(())
}

#[test]
fn strict_mode_names_file_line_and_id() {
    let path = fixture("threatfox_recent_15col.csv");
    let bytes = std::fs::read(&path).unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes).replace("\"md5_hash\"", "\"ja3_fingerprint\"");
    let err = FeedOptions::new()
        .name("recent.csv")
        .strict(true)
        .ingest(text.as_bytes())
        .err();
    let msg = err.as_ref().map(ToString::to_string);
    assert_eq!(
        msg.as_deref(),
        Some(
            r#"recent.csv: line 14, record 5 (id 1000005): unknown ioc_type "ja3_fingerprint" in "0123456789abcdef0123456789abcdef""#
        )
    );
    let reason = err
        .as_ref()
        .and_then(|e| e.rejected())
        .map(|r| r.reason.clone());
    assert_eq!(
        reason,
        Some(RejectReason::UnknownIocType("ja3_fingerprint".into()))
    );
}

#[test]
fn forced_format_without_header_uses_documented_layout() -> Result<(), feed::FeedError> {
    let row = "\"2026-05-11 08:15:02\", \"1\", \"evil.example.com\", \"domain\", \"botnet_cc\", \"win.xworm\", \"None\", \"XWorm\", \"\", \"75\", \"False\", \"None\", \"XWorm\", \"0\", \"abuse_ch\"\n";
    let got = FeedOptions::new()
        .format(Format::ThreatFoxCsv)
        .ingest(row.as_bytes())?;
    assert_eq!(values(&got), ["evil.example.com"]);
    Ok(())
}

#[test]
fn unknown_format_and_empty() {
    let err = feed::ingest("\"a\",\"b\"\n".as_bytes())
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some(r#"input: unrecognized feed format starting with "\"a\",\"b\"""#)
    );
    let err = feed::ingest(" \n\r\n".as_bytes())
        .err()
        .map(|e| e.to_string());
    assert_eq!(err.as_deref(), Some("input is empty"));
}

#[test]
fn bare_array_bom_and_crlf_ndjson() -> Result<(), feed::FeedError> {
    let array = "\u{FEFF}[{\"id\":\"5\",\"ioc\":\"evil.example.com\",\"ioc_type\":\"domain\",\"threat_type\":\"botnet_cc\",\"confidence_level\":\"80\",\"tags\":null}]";
    let got = feed::ingest(array.as_bytes())?;
    assert_eq!(got.format, Format::ThreatFoxApi);
    assert_eq!(values(&got), ["evil.example.com"]);
    assert_eq!(got.accepted[0].confidence.map(|c| c.get()), Some(80));

    let ndjson = "{\"id\":1,\"ioc\":\"a.example.com\",\"ioc_type\":\"domain\"}\r\n\r\n{\"id\":2,\"ioc\":\"b.example.com\",\"ioc_type\":\"domain\"}\r\n";
    let got = feed::ingest(ndjson.as_bytes())?;
    assert_eq!(got.format, Format::ThreatFoxNdjson);
    assert_eq!(values(&got), ["a.example.com", "b.example.com"]);
    let lines: Vec<_> = got.accepted.iter().map(source).collect();
    assert_eq!(lines, ["threatfox#1", "threatfox#2"]);
    Ok(())
}

#[test]
fn feed_name_option_and_reader_counts() -> Result<(), feed::FeedError> {
    let got = FeedOptions::new()
        .feed_name("partner-list")
        .ingest("evil.example.com\n".as_bytes())?;
    assert_eq!(source(&got.accepted[0]), "partner-list");
    let mut reader =
        FeedOptions::new().reader(std::fs::File::open(fixture("urlhaus_recent.csv")).map_err(
            |source| feed::FeedError::Io {
                name: "urlhaus_recent.csv".into(),
                source,
            },
        )?)?;
    assert_eq!(reader.format(), Format::UrlhausCsv);
    let n = reader.by_ref().count();
    assert_eq!((n, reader.records_read()), (2, 2));
    Ok(())
}

#[test]
fn uncommented_header_row() -> Result<(), feed::FeedError> {
    let csv = "id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter\n\
               \"9\",\"2026-05-12 11:10:16\",\"http://drop.example.net/x\",\"online\",\"\",\"malware_download\",\"elf\",\"https://urlhaus.abuse.ch/url/9/\",\"r\"\n";
    let got = feed::ingest(csv.as_bytes())?;
    assert_eq!(got.format, Format::UrlhausCsv);
    assert_eq!(
        (got.records, values(&got)),
        (1, vec!["http://drop.example.net/x".to_owned()])
    );
    Ok(())
}
