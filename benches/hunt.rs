//! Planning and reporting a hunt for 100,000 mixed indicators.
//!
//! The indicators are generated in code from a fixed seed: `ip:port`
//! endpoints, IPs, CIDR networks, domains, URLs, MD5 and SHA-256 hashes,
//! with families, threat types, confidences and dates. Benches:
//!
//! - `hunt/filter`: `Filter::apply` (default rules, minimum confidence 50);
//! - `hunt/plan`: `HuntPlan::build` for Sentinel;
//! - `hunt/markdown`: rendering the Markdown report of that plan;
//! - `hunt/json`: rendering the JSON report;
//! - `hunt/baseline_join`: a naive `format!`/`join` of every value into
//!   one `dynamic([...])` list, the floor any rendering has to pay.
//!
//! ```text
//! cargo bench --bench hunt -- --warm-up-time 1 --measurement-time 3
//! ```

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use iochunt::filter::{Filter, Filtered};
use iochunt::hunt::{Catalog, HuntOptions, HuntPlan, Platform};
use iochunt::report::Report;
use iochunt::{Confidence, Indicator, Ioc, Malware, ThreatType};
use jiff::Timestamp;

const COUNT: usize = 100_000;

/// xorshift64*: a fixed, dependency-free sequence.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const FAMILIES: [(&str, &str); 6] = [
    ("win.xworm", "XWorm"),
    ("win.asyncrat", "AsyncRAT"),
    ("win.agent_tesla", "Agent Tesla"),
    ("win.cobalt_strike", "Cobalt Strike"),
    ("elf.mirai", "Mirai"),
    ("win.remcos", "Remcos"),
];
const TLDS: [&str; 6] = ["com", "net", "org", "xyz", "top", "ru"];

fn public_ip(rng: &mut Rng) -> String {
    // 45.0.0.0/8 to 185.0.0.0/8 avoids the special-purpose blocks.
    format!(
        "{}.{}.{}.{}",
        45 + rng.below(140),
        rng.below(256),
        rng.below(256),
        1 + rng.below(254)
    )
}

fn hex(rng: &mut Rng, len: usize) -> String {
    let mut s = String::with_capacity(len);
    while s.len() < len {
        s.push_str(&format!("{:016x}", rng.next()));
    }
    s.truncate(len);
    s
}

fn value(rng: &mut Rng, i: usize) -> String {
    match rng.below(100) {
        0..=29 => format!("{}:{}", public_ip(rng), 1024 + rng.below(60_000)),
        30..=44 => public_ip(rng),
        45..=47 => format!(
            "{}.{}.{}.0/24",
            45 + rng.below(140),
            rng.below(256),
            rng.below(256)
        ),
        48..=69 => format!("c2-{i}-{}.{}", hex(rng, 6), TLDS[rng.below(6) as usize]),
        70..=84 => format!(
            "http://dl-{i}.{}/{}/payload.exe",
            TLDS[rng.below(6) as usize],
            hex(rng, 8)
        ),
        85..=92 => hex(rng, 64),
        _ => hex(rng, 32),
    }
}

fn indicators() -> Vec<Indicator> {
    let mut rng = Rng(0x1_0C_4A_77);
    let base = Timestamp::from_second(1_778_457_600).unwrap_or(Timestamp::UNIX_EPOCH);
    (0..COUNT)
        .filter_map(|i| {
            let ioc = Ioc::parse(&value(&mut rng, i)).ok()?;
            let mut ind = Indicator::new(ioc);
            let (id, name) = FAMILIES[rng.below(FAMILIES.len() as u64) as usize];
            ind.malware = Some(Malware::new(id).with_printable(name).into());
            ind.threat_type = if rng.below(3) == 0 {
                ThreatType::PayloadDelivery
            } else {
                ThreatType::BotnetCc
            };
            ind.confidence = Confidence::new((25 + rng.below(76)) as u8).ok();
            ind.first_seen = base
                .checked_sub(jiff::SignedDuration::from_secs(
                    (rng.below(30 * 86_400)) as i64,
                ))
                .ok();
            Some(ind)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let input = indicators();
    assert_eq!(input.len(), COUNT);
    let minimum = Confidence::new(50).unwrap_or_else(|e| panic!("{e}"));
    let filter = Filter::new().min_confidence(minimum);
    let filtered: Filtered = filter.apply(input.clone());
    let options = HuntOptions::new(Platform::Sentinel);
    let plan = HuntPlan::build(&filtered.kept, Catalog::builtin(), &options)
        .unwrap_or_else(|e| panic!("plan: {e}"));
    let report = Report::new(&filtered, &plan);
    let md_len = report.to_string().len();
    eprintln!(
        "{} indicators, {} kept, {} queries over {} tables, Markdown {} bytes",
        input.len(),
        filtered.kept.len(),
        plan.queries.len(),
        plan.tables().len(),
        md_len
    );

    let mut g = c.benchmark_group("hunt");
    g.sample_size(10);
    g.throughput(Throughput::Elements(COUNT as u64));
    g.bench_function("filter", |b| {
        b.iter(|| black_box(filter.apply(black_box(input.clone()))))
    });
    g.bench_function("plan", |b| {
        b.iter(|| {
            black_box(HuntPlan::build(
                black_box(&filtered.kept),
                Catalog::builtin(),
                &options,
            ))
        })
    });
    g.bench_function("markdown", |b| {
        b.iter(|| black_box(Report::new(&filtered, &plan).to_string()))
    });
    g.bench_function("json", |b| {
        b.iter(|| black_box(serde_json::to_string(&Report::new(&filtered, &plan))))
    });
    g.bench_function("baseline_join", |b| {
        b.iter(|| {
            let values: Vec<String> = filtered
                .kept
                .iter()
                .map(|i| format!("\"{}\"", i.ioc))
                .collect();
            black_box(format!("dynamic([{}])", values.join(", ")))
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
