//! A SOAR playbook step: an alert text goes in, its indicators and a hunt
//! pack come out as JSON.
//!
//! ```text
//! cargo run --release --example soar -- [--platform sentinel|defender|asim] [--window 14d] < alert.txt
//! ```
//!
//! The alert body is read from stdin (UTF-8, defanged or not). Every
//! indicator found in it is listed under `extracted`, in text order, with
//! its byte span and the text as written. The distinct indicators then go
//! through the default filter (special-purpose address ranges excluded, with
//! the reason) and the hunt planner; `report` is the hunt report's JSON
//! (kept and excluded indicators, queries, false-positive scenarios), as
//! `hunt --format json` writes it. Usage errors and input that is not UTF-8
//! exit with status 2.

use std::collections::HashSet;
use std::io::{self, Read, Write};

use iochunt::fang::extract;
use iochunt::filter::Filter;
use iochunt::hunt::{Catalog, HuntOptions, HuntPlan, Platform, parse_window_days};
use iochunt::report::Report;
use iochunt::{Indicator, IocKind, Source};
use serde::Serialize;

const USAGE: &str = "usage: soar [--platform sentinel|defender|asim] [--window 14d] < alert.txt";

/// Status for usage errors and input that cannot be read.
const EXIT_USAGE: i32 = 2;

/// The feed name the alert's indicators are attributed to.
const SOURCE: &str = "alert text";

/// One indicator found in the alert text.
#[derive(Debug, Serialize)]
pub struct Extracted {
    /// The canonical value.
    pub ioc: String,
    /// Its kind (`ipv4`, `ip_port`, `domain`, ...).
    pub kind: IocKind,
    /// The text as written in the alert, markers included.
    pub as_written: String,
    /// Its byte range in the alert: `[start, end)`.
    pub span: [usize; 2],
    /// Whether it was written defanged.
    pub defanged: bool,
}

/// The JSON written to stdout.
#[derive(Debug, Serialize)]
struct Output<'a> {
    extracted: Vec<Extracted>,
    report: Report<'a>,
}

/// Parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    /// The platform the queries are written for.
    pub platform: Platform,
    /// Days each query looks back.
    pub window_days: u32,
}

/// Parses the command line (without the program name); `Ok(None)` asks
/// for the usage.
pub fn parse_args(args: &[String]) -> Result<Option<Args>, String> {
    let mut parsed = Args {
        platform: Platform::Sentinel,
        window_days: 14,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n, Some(v.to_owned())),
            None => (arg.as_str(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .ok_or_else(|| format!("option {name} needs a value"))
        };
        match name {
            "-h" | "--help" => return Ok(None),
            "--platform" => {
                parsed.platform = value()?
                    .parse()
                    .map_err(|e| format!("invalid --platform: {e}"))?;
            }
            "--window" => {
                parsed.window_days =
                    parse_window_days(&value()?).map_err(|e| format!("invalid --window: {e}"))?;
            }
            _ => {
                return Err(format!(
                    "unknown argument {arg:?} (the alert is read from stdin)"
                ));
            }
        }
    }
    Ok(Some(parsed))
}

/// Runs the step; returns the exit status. JSON goes to `out`, a summary
/// and errors to `err`.
pub fn run(args: &[String], input: &mut dyn Read, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let args = match parse_args(args) {
        Ok(Some(args)) => args,
        Ok(None) => {
            let _ = writeln!(out, "{USAGE}");
            return 0;
        }
        Err(message) => {
            let _ = writeln!(err, "soar: {message}\n{USAGE}");
            return EXIT_USAGE;
        }
    };
    match soar(&args, input, out, err) {
        Ok(()) => 0,
        Err((code, message)) => {
            let _ = writeln!(err, "soar: {message}");
            code
        }
    }
}

fn soar(
    args: &Args,
    input: &mut dyn Read,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), (i32, String)> {
    let mut bytes = Vec::new();
    input
        .read_to_end(&mut bytes)
        .map_err(|e| (EXIT_USAGE, format!("cannot read the alert: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        (
            EXIT_USAGE,
            format!("the alert is not UTF-8: invalid byte at offset {at}"),
        )
    })?;

    let mut extracted = Vec::new();
    let mut indicators = Vec::new();
    let mut seen = HashSet::new();
    for m in extract(&text) {
        extracted.push(Extracted {
            ioc: m.ioc().to_string(),
            kind: m.kind(),
            as_written: m.as_str().to_owned(),
            span: [m.span().start, m.span().end],
            defanged: m.is_defanged(),
        });
        if seen.insert(m.ioc().clone()) {
            let mut indicator = Indicator::new(m.into_ioc());
            indicator.sources.insert(Source::new(SOURCE));
            indicators.push(indicator);
        }
    }
    let filtered = Filter::new().apply(indicators);
    let options = HuntOptions::new(args.platform).with_window_days(args.window_days);
    let plan = HuntPlan::build(&filtered.kept, Catalog::builtin(), &options)
        .map_err(|e| (1, format!("cannot plan the hunt: {e}")))?;
    let log = |e: io::Error| (1, format!("cannot write: {e}"));
    writeln!(
        err,
        "soar: {} indicators found ({} distinct): {} kept, {} excluded; {} queries for {}",
        extracted.len(),
        seen.len(),
        filtered.kept.len(),
        filtered.excluded.len(),
        plan.queries.len(),
        args.platform
    )
    .map_err(log)?;
    let output = Output {
        extracted,
        report: Report::new(&filtered, &plan),
    };
    serde_json::to_writer_pretty(&mut *out, &output)
        .map_err(|e| (1, format!("cannot write: {e}")))?;
    writeln!(out).map_err(log)?;
    out.flush().map_err(log)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = run(
        &args,
        &mut io::stdin().lock(),
        &mut io::stdout().lock(),
        &mut io::stderr().lock(),
    );
    std::process::exit(code);
}
