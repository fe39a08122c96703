//! Ingest a generated 1,000,000-row ThreatFox CSV export, next to a bare
//! `csv` crate read of the same bytes as the lower bound.
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
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .comment(Some(b'#'))
                .flexible(true)
                .from_reader(black_box(&data[..]));
            let mut record = csv::ByteRecord::new();
            let mut fields = 0usize;
            while reader.read_byte_record(&mut record).unwrap_or(false) {
                fields += record.len();
            }
            fields
        });
    });

    group.bench_function("feed_reader_indicators", |b| {
        b.iter(|| {
            let mut accepted = 0usize;
            let reader = FeedOptions::new()
                .format(Format::ThreatFoxCsv)
                .reader(black_box(&data[..]));
            for record in reader.into_iter().flatten().flatten() {
                if let Record::Accepted { .. } = record {
                    accepted += 1;
                }
            }
            assert_eq!(accepted as u64, rows);
            accepted
        });
    });
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
