//! Ingest a generated 1,000,000-row ThreatFox CSV export, next to a bare
//! `csv` crate read of the same bytes as the lower bound, that read with the
//! value parsers alone, the reader split over two threads by hand, the
//! reader on two worker threads, and `ingest` on one and two.
//!
//! `cargo bench --bench feed -- --warm-up-time 1 --measurement-time 3`
//!
//! `ROWS=100000 cargo bench --bench feed` uses a smaller file.

use std::hint::black_box;
use std::io::Write;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use iochunt::feed::{FeedOptions, Format, Record};

const HEADER: &str = "################################################################\r\n\
# ThreatFox IOCs: additions - CSV format (full dump)           #\r\n\
################################################################\r\n\
#\r\n\
# \"first_seen_utc\",\"ioc_id\",\"ioc_value\",\"ioc_type\",\"threat_type\",\"fk_malware\",\"malware_alias\",\"malware_printable\",\"last_seen_utc\",\"confidence_level\",\"is_compromised\",\"reference\",\"tags\",\"anonymous\",\"reporter\"\r\n";

/// A ThreatFox-shaped CSV export with `rows` rows cycling through ip:port,
/// domain, url and sha256 indicators.
fn generate(rows: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(rows as usize * 260);
    out.extend_from_slice(HEADER.as_bytes());
    for i in 0..rows {
        let (value, kind, threat) = match i % 4 {
            0 => (
                format!(
                    "{}.{}.{}.{}:{}",
                    45 + (i >> 24) % 100,
                    (i >> 16) & 255,
                    (i >> 8) & 255,
                    i & 255,
                    1024 + i % 60000
                ),
                "ip:port",
                "botnet_cc",
            ),
            1 => (
                format!("c2-{i}.example-{}.com", i % 97),
                "domain",
                "botnet_cc",
            ),
            2 => (
                format!("http://dl-{i}.example.net/gate/{}.php?id={i},x", i % 13),
                "url",
                "payload_delivery",
            ),
            _ => (format!("{i:064x}"), "sha256_hash", "payload"),
        };
        let last = if i % 3 == 0 {
            "2026-05-12 09:00:00"
        } else {
            ""
        };
        let _ = write!(
            out,
            "\"2026-05-11 08:{:02}:{:02}\", \"{}\", \"{value}\", \"{kind}\", \"{threat}\", \
             \"win.cobalt_strike\", \"Agentemis,BEACON,CobaltStrike,cobeacon\", \"Cobalt Strike\", \
             \"{last}\", \"{}\", \"False\", \"None\", \"CobaltStrike,cs-watermark-{}\", \"0\", \"abuse_ch\"\r\n",
            (i / 60) % 60,
            i % 60,
            1_000_000 + i,
            [50, 75, 90, 100][(i % 4) as usize],
            i % 7
        );
    }
    out.extend_from_slice(format!("# Number of entries: {rows}\r\n").as_bytes());
    out
}

/// The `csv` crate's reader as the baseline reads the export: no header
/// row, `#` lines skipped, rows of any width.
fn csv_reader(bytes: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .comment(Some(b'#'))
        .flexible(true)
        .from_reader(bytes)
}

fn bench(c: &mut Criterion) {
    let rows = std::env::var("ROWS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(1_000_000u64);
    let data = generate(rows);
    let mut group = c.benchmark_group(format!("threatfox_csv_{rows}_rows"));
    group.sample_size(10);
    group.throughput(Throughput::Bytes(data.len() as u64));

    group.bench_function("csv_crate_byte_records", |b| {
        b.iter(|| {
            let mut reader = csv_reader(black_box(&data[..]));
            let mut record = csv::ByteRecord::new();
            let mut fields = 0usize;
            while reader.read_byte_record(&mut record).unwrap_or(false) {
                fields += record.len();
            }
            fields
        });
    });

    // The csv read again, with the value of each row parsed by the crates the
    // model is built on (`std::net`, `idna` and `addr`, `url`, `jiff`) and
    // nothing else: no record, no indicator, no accounting. What the typed
    // model costs at the least on top of reading. The values are cut out of
    // the rows beforehand: the crate splits a ThreatFox value with a comma
    // in two, as it takes a quote after the separator's space for data.
    let values: Vec<[&str; 3]> = std::str::from_utf8(&data)
        .unwrap_or_default()
        .lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| {
            let mut fields = line.trim_matches(['"', '\r']).split("\", \"");
            let mut next = || fields.next().unwrap_or_default();
            let (seen, _id, value, kind) = (next(), next(), next(), next());
            [seen, value, kind]
        })
        .collect();
    assert_eq!(values.len() as u64, rows);
    group.bench_function("csv_crate_plus_value_parsers", |b| {
        b.iter(|| {
            let mut reader = csv_reader(black_box(&data[..]));
            let mut record = csv::ByteRecord::new();
            let mut parsed = 0u64;
            let mut fields = 0usize;
            let mut row = values.iter();
            while reader.read_byte_record(&mut record).unwrap_or(false) {
                fields += record.len();
                let Some(&[seen, value, kind]) = row.next() else {
                    break;
                };
                let valid = match kind {
                    "ip:port" => value.parse::<std::net::SocketAddr>().is_ok(),
                    "domain" => {
                        idna::domain_to_ascii_cow(value.as_bytes(), idna::AsciiDenyList::STD3)
                            .is_ok_and(|ascii| {
                                addr::parse_domain_name(&ascii).is_ok_and(|n| n.has_known_suffix())
                            })
                    }
                    "url" => url::Url::parse(value).is_ok(),
                    _ => value.bytes().all(|b| b.is_ascii_hexdigit()),
                };
                let seen = seen
                    .parse::<jiff::civil::DateTime>()
                    .ok()
                    .and_then(|t| jiff::tz::Offset::UTC.to_timestamp(t).ok());
                parsed += u64::from(valid && seen.is_some());
            }
            assert_eq!(parsed, rows);
            (parsed, fields)
        });
    });

    // The reader on two threads, each reading one half of the file: what
    // splitting the work over this machine's cores could gain at best.
    let mid = data.len() / 2;
    let cut = mid + memchr::memchr(b'\n', &data[mid..]).map_or(0, |i| i + 1);
    let mut second_half = HEADER.as_bytes().to_vec();
    second_half.extend_from_slice(&data[cut..]);
    group.bench_function("feed_reader_two_halves_two_threads", |b| {
        let accepted = |bytes: &[u8]| {
            FeedOptions::new()
                .format(Format::ThreatFoxCsv)
                .reader(black_box(bytes))
                .into_iter()
                .flatten()
                .flatten()
                .filter(|r| matches!(r, Record::Accepted { .. }))
                .count() as u64
        };
        b.iter(|| {
            let total = std::thread::scope(|s| {
                let first = s.spawn(|| accepted(&data[..cut]));
                let second = accepted(&second_half);
                first.join().unwrap_or_default() + second
            });
            assert_eq!(total, rows);
            total
        });
    });

    // The reader on the calling thread alone, then with two worker threads
    // (the calling thread reading the input and handing out the records);
    // then the whole feed into one `Ingested`, every indicator kept and
    // repeats merged through the index.
    for (name, threads, keep) in [
        ("feed_reader_indicators", 1, false),
        ("feed_reader_indicators_2_threads", 2, false),
        ("ingest", 1, true),
        ("ingest_2_threads", 2, true),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let opts = FeedOptions::new()
                    .format(Format::ThreatFoxCsv)
                    .threads(threads);
                let bytes = black_box(&data[..]);
                let accepted = if keep {
                    opts.ingest(bytes)
                        .map(|g| g.accepted.len())
                        .unwrap_or_default()
                } else {
                    opts.reader(bytes)
                        .into_iter()
                        .flatten()
                        .flatten()
                        .filter(|r| matches!(r, Record::Accepted { .. }))
                        .count()
                };
                assert_eq!(accepted as u64, rows);
                accepted
            });
        });
    }
    group.finish();
}

/// Allowlist lookups against 100,000 user networks, next to a linear scan
/// of the same list.
fn allowlist(c: &mut Criterion) {
    use std::net::{IpAddr, Ipv4Addr};

    use iochunt::filter::NetSet;
    use ipnet::{IpNet, Ipv4Net};

    let nets: Vec<IpNet> = (0..100_000u32)
        .filter_map(|i| {
            let addr = Ipv4Addr::from(i.wrapping_mul(2_654_435_761) & 0xFFFF_FF00);
            Ipv4Net::new(addr, 24).ok().map(IpNet::V4)
        })
        .collect();
    let probes: Vec<IpAddr> = (0..1_000u32)
        .map(|i| IpAddr::V4(Ipv4Addr::from(i.wrapping_mul(2_246_822_519))))
        .collect();
    let set = NetSet::new(nets.iter().copied());
    let mut group = c.benchmark_group("allowlist_100k_nets_1k_lookups");
    group.sample_size(10);
    group.bench_function("net_set", |b| {
        b.iter(|| probes.iter().filter(|ip| set.find(**ip).is_some()).count());
    });
    group.bench_function("linear_scan", |b| {
        b.iter(|| {
            probes
                .iter()
                .filter(|ip| nets.iter().any(|n| n.contains(*ip)))
                .count()
        });
    });
    group.finish();
}

criterion_group!(benches, bench, allowlist);
criterion_main!(benches);
