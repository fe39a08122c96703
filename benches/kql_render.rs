//! Rendering cost of a query with 1,000,000 IP literals, beside a bare
//! `String::push_str` of the same quoted literals (the limit).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use iochunt::kql::{Dynamic, Query, col, lit};

const N: usize = 1_000_000;

fn ips() -> Vec<String> {
    (0..N)
        .map(|i| {
            format!(
                "{}.{}.{}.{}",
                10 + (i >> 24),
                (i >> 16) & 0xff,
                (i >> 8) & 0xff,
                i & 0xff
            )
        })
        .collect()
}

/// What the renderer must at least do: write each literal between quotes
/// with a separator.
fn baseline(ips: &[String]) -> String {
    let mut out = String::new();
    out.push_str("let ips = dynamic([");
    for (i, ip) in ips.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push('"');
        out.push_str(ip);
        out.push('"');
    }
    out.push_str("]); DeviceNetworkEvents | where RemoteIP in (ips)");
    out
}

fn render(c: &mut Criterion) {
    let ips = ips();
    let query = Query::table("DeviceNetworkEvents")
        .let_("ips", lit(Dynamic::strings(ips.iter().cloned())))
        .where_(col("RemoteIP").in_([col("ips")]));
    let inline = Query::table("DeviceNetworkEvents").where_(col("RemoteIP").in_(ips.iter()));

    let rendered = query.to_string();
    assert_eq!(
        rendered,
        baseline(&ips),
        "the baseline writes the same text"
    );

    let mut group = c.benchmark_group("kql_render_1m_ips");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(rendered.len() as u64));
    group.bench_function("push_str_baseline", |b| {
        b.iter(|| baseline(black_box(&ips)))
    });
    group.bench_function("display_let_dynamic", |b| {
        b.iter(|| black_box(&query).to_string())
    });
    group.bench_function("display_inline_in", |b| {
        b.iter(|| black_box(&inline).to_string())
    });
    group.finish();
}

criterion_group!(benches, render);
criterion_main!(benches);
