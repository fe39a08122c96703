//! Reading on worker threads gives exactly what reading on one thread
//! gives: the same records in the same order, with the same positions,
//! rejections, merges and errors, whatever falls on a chunk boundary.

use std::io::Read;

use iochunt::feed::{FeedError, FeedOptions, Format, Ingested, Position, Record, RejectReason};
use pretty_assertions::assert_eq;
use proptest::prelude::*;

/// Longest line the reader keeps whole (its documented record limit).
const LIMIT: usize = 1 << 20;

const TF_HEADER: &str = "################################################################\r\n\
# ThreatFox IOCs: additions - CSV format (full dump)           #\r\n\
#\r\n\
# \"first_seen_utc\",\"ioc_id\",\"ioc_value\",\"ioc_type\",\"threat_type\",\"fk_malware\",\"malware_alias\",\"malware_printable\",\"last_seen_utc\",\"confidence_level\",\"is_compromised\",\"reference\",\"tags\",\"anonymous\",\"reporter\"\r\n";

/// Every record, or the error that ended the reading, as text.
fn records(opts: &FeedOptions, bytes: &[u8]) -> Reading {
    match opts.reader(bytes) {
        Ok(reader) => reader.map(|r| r.map_err(|e| e.to_string())).collect(),
        Err(e) => vec![Err(e.to_string())],
    }
}

/// Reads `bytes` on 1, 2, 3 and 4 threads, strict and lenient, and checks
/// that every reading gives the same as the first; returns the lenient
/// one-thread records.
fn same_on_threads(what: &str, opts: FeedOptions, bytes: &[u8]) -> Reading {
    let one = records(&opts, bytes);
    for threads in 2..=4 {
        let many = records(&opts.clone().threads(threads), bytes);
        assert!(many == one, "{what}: {threads} threads differ from one");
    }
    let strict = opts.clone().strict(true);
    let one_strict = records(&strict, bytes);
    let many_strict = records(&strict.threads(2), bytes);
    assert!(
        many_strict == one_strict,
        "{what}: strict, 2 threads differ"
    );
    let ingest = |o: FeedOptions| o.ingest(bytes).map_err(|e| e.to_string());
    let whole: Result<Ingested, String> = ingest(opts.clone());
    assert_eq!(ingest(opts.threads(3)), whole, "{what}: ingest");
    one
}

fn fixture_paths() -> Vec<std::path::PathBuf> {
    let mut paths = Vec::new();
    let dirs = [
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/feeds"),
        concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/threatfox"),
        concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/abusech_other"),
    ];
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            println!("{dir} absent: its files are not read here");
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e != "md") {
                paths.push(path);
            }
        }
    }
    paths.sort();
    paths
}

#[test]
fn every_feed_file_reads_the_same_on_threads() {
    let paths = fixture_paths();
    assert!(paths.len() >= 8, "fixtures missing: {paths:?}");
    for path in paths {
        let mut bytes = Vec::new();
        let read = std::fs::File::open(&path).and_then(|mut f| f.read_to_end(&mut bytes));
        assert!(read.is_ok(), "{}: {read:?}", path.display());
        let name = path.display().to_string();
        let got = same_on_threads(&name, FeedOptions::new(), &bytes);
        assert!(!got.is_empty(), "{name}");
    }
}

/// One ThreatFox CSV row.
fn tf_row(id: u64, value: &str, kind: &str) -> String {
    format!(
        "\"2026-05-11 08:00:{:02}\", \"{id}\", \"{value}\", \"{kind}\", \"botnet_cc\", \"win.xworm\", \
         \"None\", \"XWorm\", \"\", \"{}\", \"False\", \"None\", \"XWorm,tag-{}\", \"0\", \"abuse_ch\"\r\n",
        id % 60,
        [50, 75, 90, 100][(id % 4) as usize],
        id % 5
    )
}

/// A ThreatFox CSV export of several chunks, with damage of every kind the
/// reader reports spread through it, repeats to merge across chunks, and
/// lines around the record limit.
fn damaged_export(rows: u64) -> Vec<u8> {
    let mut out = TF_HEADER.as_bytes().to_vec();
    for i in 0..rows {
        match i % 97 {
            13 => out.extend_from_slice(b"\r\n   \r\n"),
            14 => out.extend_from_slice(b"# a comment in the middle\r\n"),
            15 => out.extend_from_slice(tf_row(i, "ja3:xyz", "ja3_fingerprint").as_bytes()),
            16 => {
                let mut row = tf_row(i, "bad-\u{e9}.example.com", "domain").into_bytes();
                // The é's second byte turned into a lone continuation byte.
                if let Some(p) = row.iter().position(|&b| b == 0xA9) {
                    row[p - 1] = b'x';
                }
                out.extend_from_slice(&row);
            }
            17 => out.extend_from_slice(b"\"2026-05-11 08:00:00\", \"only three\"\r\n"),
            18 => out.extend_from_slice(b"\"2026-05-11 08:00:00\", \"1\", \"unclosed\r\n"),
            // The same indicator as row 1 of the file.
            19 => out.extend_from_slice(tf_row(i, "c2-1.example.com", "domain").as_bytes()),
            _ => {
                let value = match i % 3 {
                    0 => format!(
                        "45.{}.{}.{}:{}",
                        (i >> 16) & 255,
                        (i >> 8) & 255,
                        i & 255,
                        1024 + i % 999
                    ),
                    1 => format!("c2-{i}.example.com"),
                    _ => format!("http://dl-{i}.example.net/gate.php?id={i},x"),
                };
                let kind = ["ip:port", "domain", "url"][(i % 3) as usize];
                out.extend_from_slice(tf_row(i, &value, kind).as_bytes());
            }
        }
        // Lines around the limit: kept whole, one byte over, far over.
        if i == rows / 4 {
            let mut row = tf_row(i, "c2-limit.example.com", "domain").into_bytes();
            row.truncate(row.len() - 3);
            row.resize(LIMIT - 2, b' ');
            row.extend_from_slice(b"\"\r\n");
            assert_eq!(row.len(), LIMIT + 1);
            out.extend_from_slice(&row);
            out.extend_from_slice(&[b'x'; LIMIT + 1]);
            out.extend_from_slice(b"\n");
            out.extend_from_slice(&[b'#'; 3 * LIMIT]);
            out.extend_from_slice(b"\r\n");
            out.extend_from_slice(&[b'"'; 2 * LIMIT + 7]);
            out.extend_from_slice(b"\r\n");
        }
    }
    // A last record cut short, without its line break.
    out.extend_from_slice(b"\"2026-05-11 08:00:00\", \"999999\", \"c2-last.example.com\", \"dom");
    out
}

#[test]
fn a_damaged_export_reads_the_same_on_threads() {
    let bytes = damaged_export(6000);
    assert!(bytes.len() > 6 * LIMIT, "{} bytes", bytes.len());
    let opts = FeedOptions::new().name("export.csv");
    let got = same_on_threads("damaged export", opts.clone(), &bytes);
    assert!(got.iter().all(Result::is_ok));

    // What the one-thread reading holds, so that "the same" means right.
    let rejected: Vec<(Position, &RejectReason)> = got
        .iter()
        .filter_map(|r| match r {
            Ok(Record::Rejected(r)) => Some((r.position, &r.reason)),
            _ => None,
        })
        .collect();
    let too_long: Vec<_> = rejected
        .iter()
        .filter_map(|(p, r)| match r {
            RejectReason::TooLong(len) => Some((p.line, *len)),
            _ => None,
        })
        .collect();
    // The comment of 3 MiB is a comment; the other two are too long.
    // Four header lines, a line per row up to row 1500 and two for each
    // blank pair, then the row kept whole.
    let row_lines: u64 = (0..=1500u64)
        .map(|i| if i % 97 == 13 { 2 } else { 1 })
        .sum();
    let limit_line = 4 + row_lines + 1;
    assert_eq!(
        too_long,
        [
            (Some(limit_line + 1), LIMIT + 2),
            (Some(limit_line + 3), 2 * LIMIT + 9)
        ]
    );
    let reasons = |f: fn(&RejectReason) -> bool| rejected.iter().filter(|(_, r)| f(r)).count();
    assert_eq!(reasons(|r| matches!(r, RejectReason::InvalidUtf8)), 62);
    assert_eq!(
        reasons(|r| matches!(r, RejectReason::UnknownIocType(_))),
        62
    );
    assert_eq!(reasons(|r| matches!(r, RejectReason::Truncated)), 1);
    let ingested = opts.threads(2).ingest(&bytes[..]);
    let Ok(ingested) = ingested else {
        panic!("{ingested:?}");
    };
    assert!(ingested.is_balanced());
    assert_eq!(ingested.records, got.len() as u64);
    // Row 19 of every 97 repeats row 1: merged, across chunks.
    assert_eq!(ingested.merged.len(), 62);
    assert!(
        ingested
            .merged
            .iter()
            .all(|m| m.into.to_string() == "c2-1.example.com")
    );
}

#[test]
fn strict_mode_stops_at_the_same_record_on_threads() {
    let bytes = damaged_export(3000);
    let opts = FeedOptions::new().name("export.csv").strict(true);
    let one = records(&opts, &bytes);
    let two = records(&opts.clone().threads(2), &bytes);
    assert_eq!(two, one);
    let Some(Err(last)) = two.last() else {
        panic!("strict reading did not stop");
    };
    // Row 15, the first bad one, is record 14 (row 13 is blank lines, row
    // 14 a comment) on line 4 + 13 + 2 + 1 + 1.
    assert_eq!(
        last,
        "export.csv: line 21, record 14 (id 15): unknown ioc_type \"ja3_fingerprint\" in \"ja3:xyz\""
    );
}

#[test]
fn lists_and_ndjson_read_the_same_on_threads() {
    let mut list = String::from("# an indicator list\n");
    let mut ndjson = String::new();
    for i in 0..20_000u64 {
        match i % 50 {
            7 => list.push_str("not an indicator\n"),
            8 => list.push_str("   # indented comment\n\n"),
            9 => list.push_str("c2-3[.]example[.]com\n"),
            _ => list.push_str(&format!("hxxp://c2-{i}[.]example[.]com/x\n")),
        }
        match i % 50 {
            7 => ndjson.push_str("{\"id\":\"x\",\"ioc\":5}\n"),
            8 => ndjson.push_str("{\"id\":\"7\",\"ioc\":\"c2.example.com\",\"ioc_type\":\"domain\"\n"),
            _ => ndjson.push_str(&format!(
                "{{\"id\":\"{i}\",\"ioc\":\"c2-{i}.example.com\",\"ioc_type\":\"domain\",\"threat_type\":\"botnet_cc\",\"confidence_level\":75}}\n"
            )),
        }
    }
    let got = same_on_threads("list", FeedOptions::new(), list.as_bytes());
    // Every 50th line pair is a comment and a blank line.
    assert_eq!(got.len(), 19_600);
    let got = same_on_threads("ndjson", FeedOptions::new(), ndjson.as_bytes());
    assert_eq!(got.len(), 20_000);
    let opts = FeedOptions::new().format(Format::ThreatFoxNdjson);
    same_on_threads("ndjson, named", opts, ndjson.as_bytes());
}

/// Hands out `data` in reads of at most `step` bytes, answers every
/// `interrupt`-th call with `Interrupted`, fails for good at byte
/// `fail_at`, and, with `strict_eof`, fails any read after the end it
/// already reported.
struct Flaky {
    data: Vec<u8>,
    pos: usize,
    step: usize,
    calls: u64,
    interrupt: u64,
    fail_at: Option<usize>,
    strict_eof: bool,
    ended: bool,
}

impl Flaky {
    fn new(data: &[u8]) -> Flaky {
        Flaky {
            data: data.to_vec(),
            pos: 0,
            step: usize::MAX,
            calls: 0,
            interrupt: 0,
            fail_at: None,
            strict_eof: false,
            ended: false,
        }
    }
}

impl Read for Flaky {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.calls += 1;
        if self.interrupt > 0 && self.calls % self.interrupt == 0 {
            return Err(std::io::ErrorKind::Interrupted.into());
        }
        if self.ended {
            return Err(std::io::Error::other("read after the end"));
        }
        let end = self.fail_at.unwrap_or(self.data.len()).min(self.data.len());
        if self.pos >= end {
            if self.fail_at.is_some() {
                return Err(std::io::Error::other("disk on fire"));
            }
            self.ended = self.strict_eof;
            return Ok(0);
        }
        let n = buf.len().min(self.step).min(end - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// A reading: every record, or the error that ended it, as text.
type Reading = Vec<Result<Record, String>>;

/// What `make` gives on one thread, and what it gives on 2 and 3.
fn flaky_on_threads(opts: &FeedOptions, make: impl Fn() -> Flaky) -> (Reading, Vec<Reading>) {
    let text = |e: FeedError| match std::error::Error::source(&e) {
        Some(source) => format!("{e}: {source}"),
        None => e.to_string(),
    };
    let read = |o: &FeedOptions| match o.reader(make()) {
        Ok(reader) => reader.map(|r| r.map_err(text)).collect(),
        Err(e) => vec![Err(text(e))],
    };
    let one = read(opts);
    let many = (2..=3).map(|n| read(&opts.clone().threads(n))).collect();
    (one, many)
}

/// Offset of the first `\n`.
fn memchr_line_end(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(bytes.len())
}

fn list_of(lines: usize) -> Vec<u8> {
    (0..lines)
        .flat_map(|i| format!("c2-{i}[.]example[.]com\n").into_bytes())
        .collect()
}

#[test]
fn an_input_error_comes_after_the_same_records_on_threads() {
    let list = list_of(40_000);
    let mut csv = TF_HEADER.as_bytes().to_vec();
    for i in 0..6000 {
        csv.extend_from_slice(tf_row(i, &format!("c2-{i}.example.com"), "domain").as_bytes());
    }
    for (what, data, format) in [
        ("list", &list, Format::List),
        ("csv", &csv, Format::ThreatFoxCsv),
    ] {
        // Just past the sniffed 16 KiB, in the first chunk, in a later one.
        for fail_at in [20_000, 300_000, 700_000] {
            let opts = FeedOptions::new().format(format);
            let (one, many) = flaky_on_threads(&opts, || Flaky {
                fail_at: Some(fail_at),
                ..Flaky::new(data)
            });
            let Some(Err(last)) = one.last() else {
                panic!("{what}: no error at byte {fail_at}");
            };
            assert!(last.ends_with("disk on fire"), "{last}");
            assert!(
                one.len() > 100,
                "{what} at {fail_at}: {} records",
                one.len()
            );
            for got in many {
                assert!(
                    got == one,
                    "{what} at {fail_at}: {} against {}",
                    got.len(),
                    one.len()
                );
            }
        }
    }
    // A strict reading stops at the bad line before the error, as on one
    // thread.
    let mut bad = list.clone();
    let at = 1 + bad.len() / 3 + memchr_line_end(&bad[bad.len() / 3..]);
    bad.splice(at..at, b"not an indicator\n".iter().copied());
    let opts = FeedOptions::new().strict(true);
    let (one, many) = flaky_on_threads(&opts, || Flaky {
        fail_at: Some(at + 100_000),
        ..Flaky::new(&bad)
    });
    let last = one.last();
    assert!(
        matches!(last, Some(Err(e)) if e.contains("\"not an indicator\"")),
        "{last:?}"
    );
    assert!(many.iter().all(|got| *got == one));
}

#[test]
fn the_input_is_not_read_past_its_end_on_threads() {
    // Shorter than the sniffed 16 KiB, ending with a line break, without.
    for data in [
        list_of(100),
        list_of(30_000),
        list_of(30_000)[..400_001].to_vec(),
    ] {
        let opts = FeedOptions::new();
        let (one, many) = flaky_on_threads(&opts, || Flaky {
            strict_eof: true,
            ..Flaky::new(&data)
        });
        assert!(one.iter().all(Result::is_ok), "{:?}", one.last());
        assert!(many.iter().all(|got| *got == one));
    }
    // A CSV export whose header is read before the threads start: with a
    // banner past the sniffed 16 KiB and no row, one row or many after it,
    // the input may have ended before the workers take over.
    let banner = "# banner line of a long export, read before any record\r\n".repeat(400);
    for rows in [0, 1, 3, 20_000] {
        let mut csv = format!("{banner}{TF_HEADER}").into_bytes();
        for i in 0..rows {
            csv.extend_from_slice(tf_row(i, &format!("c2-{i}.example.com"), "domain").as_bytes());
        }
        for data in [csv.clone(), csv[..csv.len().saturating_sub(2)].to_vec()] {
            let opts = FeedOptions::new().format(Format::ThreatFoxCsv);
            let (one, many) = flaky_on_threads(&opts, || Flaky {
                strict_eof: true,
                ..Flaky::new(&data)
            });
            assert!(
                one.iter().all(Result::is_ok),
                "{rows} rows: {:?}",
                one.last()
            );
            assert_eq!(one.len() as u64, rows, "{rows} rows");
            for got in many {
                assert!(
                    got == one,
                    "{rows} rows: {:?} against {:?}",
                    got.last(),
                    one.last()
                );
            }
        }
    }
}

#[test]
fn interrupted_and_short_reads_change_nothing_on_threads() {
    let mut data = list_of(3000);
    data.extend_from_slice(&[b'a'; 3 * LIMIT]);
    data.push(b'\n');
    data.extend_from_slice(&list_of(3000));
    for (step, interrupt) in [(1 << 16, 2), (4096, 3), (7, 5)] {
        let (one, many) = flaky_on_threads(&FeedOptions::new(), || Flaky {
            step,
            interrupt,
            ..Flaky::new(&data)
        });
        assert_eq!(one.len(), 6001, "step {step}");
        assert!(one.iter().all(Result::is_ok), "step {step}");
        assert!(many.iter().all(|got| *got == one), "step {step}");
    }
}

#[test]
fn a_reader_on_threads_is_send_and_sync() {
    fn send_sync<T: Send + Sync>(_: &T) {}
    let reader = FeedOptions::new().threads(2).reader(&b"evil.com\n"[..]);
    let Ok(mut reader) = reader else {
        panic!("cannot open");
    };
    assert!(matches!(reader.next(), Some(Ok(Record::Accepted { .. }))));
    send_sync(&reader);
}

/// Lines of a list, some long, in any order.
fn list_line() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (0u32..100_000).prop_map(|i| format!("c2-{i}[.]example[.]com")),
        1 => Just(String::new()),
        1 => Just("# comment".to_owned()),
        1 => (1usize..60_000).prop_map(|n| "a".repeat(n)),
        1 => (1usize..60_000).prop_map(|n| format!("http://c2.example.com/{}", "p".repeat(n))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn any_list_reads_the_same_on_threads(
        lines in prop::collection::vec(list_line(), 1..120),
        crlf in any::<bool>(),
        last_newline in any::<bool>(),
    ) {
        let sep = if crlf { "\r\n" } else { "\n" };
        let mut text = lines.join(sep);
        if last_newline {
            text.push_str(sep);
        }
        let opts = FeedOptions::new().format(Format::List);
        let one = records(&opts, text.as_bytes());
        let two = records(&opts.threads(2), text.as_bytes());
        prop_assert!(two == one);
    }
}
