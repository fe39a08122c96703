//! The main job: read indicator feeds, filter them, plan the hunt and print
//! the report.
//!
//! ```text
//! cargo run --release --example hunt -- [--min-confidence N] [--platform sentinel|defender|asim]
//!     [--format markdown|json|kql] [--window 14d] FILE...
//! ```
//!
//! Each FILE is read with its format detected (ThreatFox API response,
//! NDJSON, JSON or CSV export, URLhaus or MalwareBazaar CSV, or a plain
//! list). Records that cannot be used are reported on stderr with their line
//! and reason, and the rest goes on. The report goes to stdout: Markdown by
//! default, JSON with `--format json`, or only the queries with
//! `--format kql`. Usage errors and unreadable or unrecognised files exit
//! with status 2.

use std::io::{self, Write};
use std::path::PathBuf;

use iochunt::Confidence;
use iochunt::feed::FeedOptions;
use iochunt::filter::Filter;
use iochunt::hunt::{Catalog, HuntOptions, HuntPlan, Platform};
use iochunt::report::Report;

const USAGE: &str = "usage: hunt [--min-confidence N] [--platform sentinel|defender|asim] \
[--format markdown|json|kql] [--window 14d] FILE...";

/// Status for usage errors and inputs that cannot be read.
const EXIT_USAGE: i32 = 2;

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// The Markdown report.
    Markdown,
    /// The JSON report.
    Json,
    /// The queries only, separated by blank lines.
    Kql,
}

/// Parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    /// Minimum confidence, if any.
    pub min_confidence: Option<Confidence>,
    /// The platform the queries are written for.
    pub platform: Platform,
    /// The output format.
    pub format: OutputFormat,
    /// Days each query looks back.
    pub window_days: u32,
    /// The feeds to read.
    pub files: Vec<PathBuf>,
}

/// What is wrong with the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgsOutcome {
    /// Run with these arguments.
    Run(Args),
    /// Print the usage and exit successfully.
    Help,
}

/// Parses a window such as `14d` or `2w` into days.
pub fn parse_window(text: &str) -> Result<u32, String> {
    let bad = || {
        format!("invalid --window {text:?}: expected a number of days or weeks such as 14d or 2w")
    };
    let (digits, factor) = match text.as_bytes().last() {
        Some(b'd') => (&text[..text.len() - 1], 1),
        Some(b'w') => (&text[..text.len() - 1], 7),
        _ => return Err(bad()),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n: u32 = digits.parse().map_err(|_| bad())?;
    let days = n.checked_mul(factor).ok_or_else(bad)?;
    if days == 0 || days > 3650 {
        return Err(format!(
            "invalid --window {text:?}: the window must be from 1 day to 3650 days"
        ));
    }
    Ok(days)
}

/// Parses the command line (without the program name).
pub fn parse_args(args: &[String]) -> Result<ArgsOutcome, String> {
    let mut parsed = Args {
        min_confidence: None,
        platform: Platform::Sentinel,
        format: OutputFormat::Markdown,
        window_days: 14,
        files: Vec::new(),
    };
    let mut it = args.iter();
    let mut options_done = false;
    while let Some(arg) = it.next() {
        if options_done || !arg.starts_with("--") && arg != "-h" {
            parsed.files.push(PathBuf::from(arg));
            continue;
        }
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n, Some(v.to_owned())),
            None => (arg.as_str(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            match &inline {
                Some(v) => Ok(v.clone()),
                None => it
                    .next()
                    .cloned()
                    .ok_or_else(|| format!("option {name} needs a value")),
            }
        };
        match name {
            "--" => options_done = true,
            "-h" | "--help" => return Ok(ArgsOutcome::Help),
            "--min-confidence" => {
                let v = value(name)?;
                let c = v
                    .parse::<u8>()
                    .ok()
                    .and_then(|n| Confidence::new(n).ok())
                    .ok_or_else(|| {
                        format!("invalid --min-confidence {v:?}: expected a number from 0 to 100")
                    })?;
                parsed.min_confidence = Some(c);
            }
            "--platform" => {
                let v = value(name)?;
                parsed.platform = v.parse().map_err(|e| format!("invalid --platform: {e}"))?;
            }
            "--format" => {
                let v = value(name)?;
                parsed.format = match v.as_str() {
                    "markdown" | "md" => OutputFormat::Markdown,
                    "json" => OutputFormat::Json,
                    "kql" => OutputFormat::Kql,
                    _ => {
                        return Err(format!(
                            "invalid --format {v:?}: expected markdown, json or kql"
                        ));
                    }
                };
            }
            "--window" => parsed.window_days = parse_window(&value(name)?)?,
            _ => return Err(format!("unknown option {name:?}")),
        }
    }
    if parsed.files.is_empty() {
        return Err("no input file".to_owned());
    }
    Ok(ArgsOutcome::Run(parsed))
}

/// Runs the job; returns the exit status. Reports go to `out`, progress,
/// rejected records and errors to `err`.
pub fn run(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    match parse_args(args) {
        Ok(ArgsOutcome::Help) => {
            let _ = writeln!(out, "{USAGE}");
            0
        }
        Ok(ArgsOutcome::Run(args)) => match hunt(&args, out, err) {
            Ok(()) => 0,
            Err((code, message)) => {
                let _ = writeln!(err, "hunt: {message}");
                code
            }
        },
        Err(message) => {
            let _ = writeln!(err, "hunt: {message}\n{USAGE}");
            EXIT_USAGE
        }
    }
}

fn hunt(args: &Args, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), (i32, String)> {
    let io_err = |e: io::Error| (1, format!("cannot write the report: {e}"));
    let mut indicators = Vec::new();
    for path in &args.files {
        let got = FeedOptions::new()
            .ingest_path(path)
            .map_err(|e| (EXIT_USAGE, error_chain(&e)))?;
        let name = path.display();
        for r in &got.rejected {
            writeln!(err, "{name}: rejected {r}").map_err(io_err)?;
        }
        writeln!(
            err,
            "{name}: {}, {} records: {} accepted, {} merged, {} rejected",
            got.format,
            got.records,
            got.accepted.len(),
            got.merged.len(),
            got.rejected.len()
        )
        .map_err(io_err)?;
        indicators.extend(got.accepted);
    }
    let mut filter = Filter::new();
    if let Some(c) = args.min_confidence {
        filter = filter.min_confidence(c);
    }
    let filtered = filter.apply(indicators);
    writeln!(
        err,
        "filtered: {} kept, {} excluded, {} merged across files",
        filtered.kept.len(),
        filtered.excluded.len(),
        filtered.merged.len()
    )
    .map_err(io_err)?;
    let options = HuntOptions::new(args.platform).with_window_days(args.window_days);
    let plan = HuntPlan::build(&filtered.kept, Catalog::builtin(), &options)
        .map_err(|e| (1, format!("cannot plan the hunt: {e}")))?;
    writeln!(
        err,
        "planned {} queries over {} tables for {}",
        plan.queries.len(),
        plan.tables().len(),
        args.platform
    )
    .map_err(io_err)?;
    let report = Report::new(&filtered, &plan);
    match args.format {
        OutputFormat::Markdown => write!(out, "{report}").map_err(io_err)?,
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &report)
                .map_err(|e| (1, format!("cannot write the report: {e}")))?;
            writeln!(out).map_err(io_err)?;
        }
        OutputFormat::Kql => {
            for (i, q) in plan.queries.iter().enumerate() {
                if i > 0 {
                    writeln!(out).map_err(io_err)?;
                }
                writeln!(out, "{}", q.text.trim_end()).map_err(io_err)?;
            }
        }
    }
    out.flush().map_err(io_err)
}

/// An error and its sources, `: `-separated.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(&format!(": {s}"));
        source = s.source();
    }
    text
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = run(&args, &mut io::stdout().lock(), &mut io::stderr().lock());
    std::process::exit(code);
}
