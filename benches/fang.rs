//! Throughput of refang, defang and extract over a generated report-like corpus,
//! beside bare scans of the same bytes: `memchr` for one or three bytes (a
//! floor no refang can reach, as it finds almost nothing refang must find) and
//! `aho-corasick` for the notation vocabulary refang reads (the practical way
//! to find every notation, which is what refang has to do before it decides).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use iochunt::fang::{defang, extract, refang};

/// xorshift64*: a fixed-seed generator, enough to vary the corpus.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

const WORDS: &[&str] = &[
    "the",
    "actor",
    "used",
    "a",
    "loader",
    "that",
    "contacts",
    "its",
    "server",
    "and",
    "downloads",
    "second-stage",
    "payload",
    "(see",
    "Figure",
    "3).",
    "During",
    "analysis,",
    "we",
    "observed",
    "HTTP/1.1",
    "requests",
    "e.g.",
    "beacons",
    "every",
    "60",
    "seconds;",
    "Version",
    "2.4.1",
    "campaign",
    "targets",
    "government",
    "entities",
    "in",
    "Europe.",
    "The",
    "malware",
    "stores",
    "configuration",
    "under",
    "C:\\ProgramData\\svc.dll",
    "and",
    "persists",
    "via",
    "a",
    "scheduled",
    "task.",
    "Attribution:",
    "moderate",
    "confidence.",
    "[1]",
    "x^2",
];

/// The notations refang reads, as literal patterns for the bare scan.
#[rustfmt::skip]
const NOTATIONS: &[&str] = &[
    "[.]", "(.)", "{.}", "<.>", "[ . ]", "\\.", "[,]", "\\[.\\]", "[[.]]", "[dot]", "(dot)",
    "{dot}", " dot ", "[punto]", "[punkt]", "\u{3002}", "\u{ff0e}", "\u{ff61}",
    "\u{ff3b}.\u{ff3d}", "\u{200b}", "\u{200c}", "\u{200d}", "\u{2060}", "\u{feff}", "hxxp",
    "hxtp", "htxp", "h**p", "fxp", "[:]", "[::]", "[://]", "(://)", "{://}", "[/]", ":\\\\",
    "[@]", "(@)", "{@}", "[at]", "(at)", "{at}", " at ",
];

fn indicator(rng: &mut Rng) -> String {
    let label = |rng: &mut Rng| {
        let n = 4 + (rng.next() % 8) as usize;
        (0..n)
            .map(|_| (b'a' + (rng.next() % 26) as u8) as char)
            .collect::<String>()
    };
    let tld = rng.pick(&["com", "net", "org", "ru", "io", "xyz"]);
    match rng.next() % 6 {
        0 => format!("{}[.]{tld}", label(rng)),
        1 => format!("hxxps[:]//{}[.]{tld}/{}", label(rng), label(rng)),
        2 => format!("hxxp://{}[.]{}[.]{tld}/gate[.]php", label(rng), label(rng)),
        3 => {
            let o: Vec<String> = (0..4).map(|_| (rng.next() % 256).to_string()).collect();
            format!("{}[.]{}[.]{}[.]{}", o[0], o[1], o[2], o[3])
        }
        4 => {
            let o: Vec<String> = (0..4).map(|_| (rng.next() % 256).to_string()).collect();
            format!(
                "{}.{}.{}[.]{}:{}",
                o[0],
                o[1],
                o[2],
                o[3],
                1024 + rng.next() % 60000
            )
        }
        _ => format!("{}[@]{}[.]{tld}", label(rng), label(rng)),
    }
}

/// About `size` bytes of prose lines, each with one defanged indicator.
fn corpus(size: usize) -> String {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut out = String::with_capacity(size + 256);
    while out.len() < size {
        let words = 6 + (rng.next() % 14) as usize;
        let at = (rng.next() % words as u64) as usize;
        for k in 0..words {
            if k == at {
                out.push_str(&indicator(&mut rng));
            } else {
                out.push_str(rng.pick(WORDS));
            }
            out.push(if k + 1 == words { '\n' } else { ' ' });
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    let text = corpus(4 << 20);
    let live = refang(&text).into_owned();
    let mut g = c.benchmark_group("fang");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("memchr_scan", |b| {
        b.iter(|| memchr::memchr_iter(b'[', black_box(text.as_bytes())).fold(0, |acc, i| acc ^ i))
    });
    g.bench_function("memchr3_scan", |b| {
        b.iter(|| {
            memchr::memchr3_iter(b'[', b'(', b':', black_box(text.as_bytes()))
                .fold(0, |acc, i| acc ^ i)
        })
    });
    // the same trigger bytes refang looks for, found by a bare table scan
    let mut table = [false; 256];
    for &t in b"[({<\\:DA\xE2\xE3\xEF" {
        table[t as usize] = true;
    }
    g.bench_function("trigger_scan", |b| {
        b.iter(|| {
            black_box(text.as_bytes())
                .iter()
                .enumerate()
                .filter(|&(_, &c)| table[c as usize])
                .fold(0, |acc, (i, _)| acc ^ i)
        })
    });
    // Every notation of `../shared/reference/fanging.md`, section 3, in any
    // ASCII letter case, as refang accepts them.
    let notations = aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(NOTATIONS)
        .expect("the notation set builds");
    g.bench_function("aho_corasick_notations", |b| {
        b.iter(|| {
            notations
                .find_iter(black_box(&text))
                .fold(0, |acc, m| acc ^ m.start())
        })
    });
    g.bench_function("refang", |b| b.iter(|| refang(black_box(&text)).len()));
    g.bench_function("refang_unchanged", |b| {
        b.iter(|| refang(black_box(&live)).len())
    });
    // hostile: one 450 KB token of weak markers that make no indicator, which
    // refang must judge word by word without rescanning the token
    let token = "A\u{200b}".repeat(50_000) + &"Dx\u{ff61}".repeat(50_000);
    g.bench_function("refang_one_long_token", |b| {
        b.iter(|| refang(black_box(&token)).len())
    });
    // hostile: words that make the finder try a URL at each of many `://`
    let schemes = "ab://".repeat(50_000) + " " + &"http://a.com,".repeat(10_000);
    g.bench_function("extract_many_schemes_in_a_word", |b| {
        b.iter(|| extract(black_box(&schemes)).count())
    });
    g.bench_function("defang", |b| b.iter(|| defang(black_box(&live)).len()));
    g.bench_function("extract", |b| b.iter(|| extract(black_box(&text)).count()));
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
