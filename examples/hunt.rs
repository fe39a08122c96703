//! The main job: read indicator feeds, filter them, plan the hunt and print
//! the report.
//!
//! ```text
//! cargo run --release --example hunt -- [--min-confidence N] [--platform sentinel|defender|asim]
//!     [--format FORMAT] [--window 14d] [--out DIR] FILE...
//! ```
//!
//! Each FILE (`-` for standard input) is read with its format detected (ThreatFox API response,
//! NDJSON, JSON or CSV export, URLhaus or MalwareBazaar CSV, or a plain
//! list). Records that cannot be used are reported on stderr with their line
//! and reason, and the rest goes on. The report goes to stdout: Markdown by
//! default, JSON with `--format json`, or only the queries with
//! `--format kql`. The deploy formats write content to import as it is:
//! `sentinel-yaml` (one analytics rule per file), `arm` (one template),
//! `xdr` (one Defender XDR custom detection per file), `stix` (one STIX 2.1
//! bundle), `watchlist` (watchlist CSVs and the queries that read them)
//! and `misp` (one MISP event). A format of one file goes to stdout, or
//! into `--out DIR`; a format of several files needs `--out DIR`. The
//! deploy formats list the indicators the filters excluded, and the
//! warnings on kept ones, on stderr. `--window` is the lookback of the
//! report's queries (14 days when not given) and the query period of
//! Sentinel rules (1 hour when not given, at most 14 days); it does not
//! apply to `xdr`, `stix` or `misp`. Usage errors, options a format cannot
//! honour, and unreadable or unrecognised files exit with status 2; a run
//! in which every record was rejected exits with status 1.

use std::collections::{HashMap, HashSet};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use iochunt::deploy::misp::{self, EventOptions};
use iochunt::deploy::sentinel::{self, RuleOptions, RuleSpan};
use iochunt::deploy::stix::{self, ExportOptions};
use iochunt::deploy::{arm, watchlist, xdr};
use iochunt::feed::FeedOptions;
use iochunt::filter::{Filter, Filtered};
use iochunt::hunt::{Catalog, HuntOptions, HuntPlan, Platform, parse_window_days};
use iochunt::report::Report;
use iochunt::{Confidence, Indicator, Ioc};

const USAGE: &str = "usage: hunt [--min-confidence N] [--platform sentinel|defender|asim] \
[--format markdown|json|kql|sentinel-yaml|arm|xdr|stix|watchlist|misp] [--window 14d] \
[--out DIR] FILE...";

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
    /// Sentinel analytics rules, one YAML file each.
    SentinelYaml,
    /// The Sentinel analytics rules as one ARM template.
    Arm,
    /// Defender XDR custom detections, one JSON file each.
    Xdr,
    /// One STIX 2.1 indicator bundle.
    Stix,
    /// Watchlist CSVs and the queries that read them.
    Watchlist,
    /// One MISP event.
    Misp,
}

impl OutputFormat {
    /// Every format with its command-line name.
    const NAMES: [(&'static str, OutputFormat); 9] = [
        ("markdown", OutputFormat::Markdown),
        ("json", OutputFormat::Json),
        ("kql", OutputFormat::Kql),
        ("sentinel-yaml", OutputFormat::SentinelYaml),
        ("arm", OutputFormat::Arm),
        ("xdr", OutputFormat::Xdr),
        ("stix", OutputFormat::Stix),
        ("watchlist", OutputFormat::Watchlist),
        ("misp", OutputFormat::Misp),
    ];

    /// The format named `name` on the command line.
    pub fn from_name(name: &str) -> Option<OutputFormat> {
        if name == "md" {
            return Some(OutputFormat::Markdown);
        }
        Self::NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, f)| *f)
    }

    /// The command-line name.
    pub fn name(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(_, f)| *f == self)
            .map_or("markdown", |(n, _)| n)
    }
}

/// One output file: its name (used under `--out DIR`) and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutFile {
    /// The file name.
    pub name: String,
    /// The contents.
    pub text: String,
}

impl OutFile {
    fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        OutFile {
            name: name.into(),
            text: text.into(),
        }
    }

    fn json(name: impl Into<String>, value: &impl serde::Serialize) -> Result<Self, Failure> {
        let mut text = serde_json::to_string_pretty(value)
            .map_err(|e| (1, format!("cannot write JSON: {e}")))?;
        text.push('\n');
        Ok(OutFile::new(name, text))
    }
}

/// An exit status and the message that goes with it.
type Failure = (i32, String);

/// Parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    /// Minimum confidence, if any.
    pub min_confidence: Option<Confidence>,
    /// The platform the queries are written for.
    pub platform: Platform,
    /// The output format.
    pub format: OutputFormat,
    /// Days each query looks back, when given: 14 for the reports when not;
    /// the query period of Sentinel rules (1 hour when not given).
    pub window_days: Option<u32>,
    /// The directory output files are written to, if any.
    pub out_dir: Option<PathBuf>,
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

/// Parses the command line (without the program name).
pub fn parse_args(args: &[String]) -> Result<ArgsOutcome, String> {
    let mut parsed = Args {
        min_confidence: None,
        platform: Platform::Sentinel,
        format: OutputFormat::Markdown,
        window_days: None,
        out_dir: None,
        files: Vec::new(),
    };
    let mut it = args.iter();
    let mut options_done = false;
    let mut platform_given = false;
    while let Some(arg) = it.next() {
        if options_done || arg == "-" || !arg.starts_with('-') {
            if arg == "-" && parsed.files.iter().any(|f| f.as_os_str() == "-") {
                return Err("standard input (-) can be read only once".to_owned());
            }
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
                let c = v.parse::<Confidence>().map_err(|_| {
                    format!("invalid --min-confidence {v:?}: expected a number from 0 to 100")
                })?;
                parsed.min_confidence = Some(c);
            }
            "--platform" => {
                let v = value(name)?;
                parsed.platform = v.parse().map_err(|e| format!("invalid --platform: {e}"))?;
                platform_given = true;
            }
            "--format" => {
                let v = value(name)?;
                parsed.format = OutputFormat::from_name(&v).ok_or_else(|| {
                    format!(
                        "invalid --format {v:?}: expected markdown, json, kql, sentinel-yaml, \
                         arm, xdr, stix, watchlist or misp"
                    )
                })?;
            }
            "--out" => parsed.out_dir = Some(PathBuf::from(value(name)?)),
            "--window" => {
                let days = parse_window_days(&value(name)?)
                    .map_err(|e| format!("invalid --window: {e}"))?;
                parsed.window_days = Some(days);
            }
            _ => return Err(format!("unknown option {name:?}")),
        }
    }
    if parsed.files.is_empty() {
        return Err("no input file".to_owned());
    }
    check_combination(&parsed, platform_given)?;
    Ok(ArgsOutcome::Run(parsed))
}

/// Refuses options that a format cannot honour, before any work is done.
fn check_combination(args: &Args, platform_given: bool) -> Result<(), String> {
    let format = args.format.name();
    match args.format {
        OutputFormat::SentinelYaml | OutputFormat::Arm | OutputFormat::Watchlist
            if args.platform == Platform::Defender =>
        {
            return Err(format!(
                "--format {format} is Microsoft Sentinel content: use --platform sentinel or asim"
            ));
        }
        OutputFormat::Xdr if platform_given && args.platform != Platform::Defender => {
            return Err(
                "--format xdr is Defender XDR content: its queries are written for --platform defender"
                    .to_owned(),
            );
        }
        OutputFormat::Xdr | OutputFormat::Stix | OutputFormat::Misp
            if args.window_days.is_some() =>
        {
            let why = if args.format == OutputFormat::Xdr {
                ": a custom detection's lookback follows its run frequency"
            } else {
                ""
            };
            return Err(format!("--window does not apply to --format {format}{why}"));
        }
        OutputFormat::SentinelYaml | OutputFormat::Arm if args.window_days.is_some() => {
            rule_options(args.window_days)
                .validate()
                .map_err(|e| format!("invalid --window for --format {format}: {e}"))?;
        }
        _ => {}
    }
    if let Some(dir) = &args.out_dir
        && dir.exists()
        && !dir.is_dir()
    {
        return Err(format!("--out {} is not a directory", dir.display()));
    }
    Ok(())
}

/// Sentinel rule options: the defaults (every hour, over the last hour),
/// or a query period of `window_days` days, still run every hour.
fn rule_options(window_days: Option<u32>) -> RuleOptions {
    let options = RuleOptions::default();
    match window_days {
        Some(days) => {
            let frequency = options.query_frequency;
            options.with_schedule(frequency, RuleSpan::days(days))
        }
        None => options,
    }
}

/// Runs the job; returns the exit status. Reports go to `out`, progress,
/// rejected records and errors to `err`.
///
/// A FILE of `-` is read from `input`.
pub fn run(args: &[String], input: &mut dyn Read, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    match parse_args(args) {
        Ok(ArgsOutcome::Help) => {
            let _ = writeln!(out, "{USAGE}");
            0
        }
        Ok(ArgsOutcome::Run(args)) => match hunt(&args, input, out, err) {
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

fn hunt(
    args: &Args,
    input: &mut dyn Read,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    let filtered = read_and_filter(args, input, err)?;
    let options = HuntOptions::new(args.platform).with_window_days(args.window_days.unwrap_or(14));
    let files = match args.format {
        OutputFormat::Markdown | OutputFormat::Json | OutputFormat::Kql => {
            report(args, &filtered, &options, err)?
        }
        _ => {
            // These formats carry the kept indicators only: say what was left out.
            for e in &filtered.excluded {
                writeln!(err, "excluded {}: {}", e.indicator.ioc.defanged(), e.rule)
                    .map_err(log_err)?;
            }
            for w in &filtered.warnings {
                writeln!(err, "warning {}: {}", w.ioc.defanged(), w.flag).map_err(log_err)?;
            }
            deploy(args, &filtered.kept, &options, err)?
        }
    };
    write_files(args, &files, out, err)
}

/// Reads every feed, reporting rejected records, and applies the filter.
fn read_and_filter(
    args: &Args,
    input: &mut dyn Read,
    err: &mut dyn Write,
) -> Result<Filtered, Failure> {
    let mut indicators = Vec::new();
    let mut rejected = 0;
    for path in &args.files {
        let got = if path.as_os_str() == "-" {
            FeedOptions::new().name("stdin").ingest(&mut *input)
        } else {
            FeedOptions::new().ingest_path(path)
        }
        .map_err(|e| (EXIT_USAGE, error_chain(&e)))?;
        let name = if path.as_os_str() == "-" {
            "stdin".to_owned()
        } else {
            path.display().to_string()
        };
        for r in &got.rejected {
            writeln!(err, "{name}: rejected {r}").map_err(log_err)?;
        }
        writeln!(
            err,
            "{name}: {}, {} record{}: {} accepted, {} merged, {} rejected",
            got.format,
            got.records,
            if got.records == 1 { "" } else { "s" },
            got.accepted.len(),
            got.merged.len(),
            got.rejected.len()
        )
        .map_err(log_err)?;
        rejected += got.rejected.len();
        indicators.extend(got.accepted);
    }
    if indicators.is_empty() && rejected > 0 {
        return Err((
            1,
            format!("no indicator accepted: every one of the {rejected} records was rejected"),
        ));
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
    .map_err(log_err)?;
    Ok(filtered)
}

/// The hunt report: Markdown, JSON, or the queries alone.
fn report(
    args: &Args,
    filtered: &Filtered,
    options: &HuntOptions,
    err: &mut dyn Write,
) -> Result<Vec<OutFile>, Failure> {
    let plan = HuntPlan::build(&filtered.kept, Catalog::builtin(), options)
        .map_err(|e| (1, format!("cannot plan the hunt: {e}")))?;
    writeln!(
        err,
        "planned {} queries over {} tables for {}",
        plan.queries.len(),
        plan.tables().len(),
        args.platform
    )
    .map_err(log_err)?;
    let report = Report::new(filtered, &plan);
    Ok(vec![match args.format {
        OutputFormat::Json => OutFile::json("hunt.json", &report)?,
        OutputFormat::Kql => {
            let queries: Vec<String> = plan
                .queries
                .iter()
                .map(|q| format!("{}\n", q.text.trim_end()))
                .collect();
            OutFile::new("hunt.kql", queries.join("\n"))
        }
        _ => OutFile::new("hunt.md", report.to_string()),
    }])
}

/// Deployable content in `format` for `kept`.
fn deploy(
    args: &Args,
    kept: &[Indicator],
    options: &HuntOptions,
    err: &mut dyn Write,
) -> Result<Vec<OutFile>, Failure> {
    let format = args.format;
    let catalog = Catalog::builtin();
    let failed = |e: &dyn std::error::Error| {
        (
            1,
            format!("cannot build {}: {}", format.name(), error_chain(e)),
        )
    };
    let rule_options = rule_options(args.window_days);
    // The rules' own plan, so that what it leaves out can be named.
    let mut rules = || -> Result<Vec<sentinel::AnalyticsRule>, Failure> {
        let plan = HuntPlan::build(kept, catalog, &sentinel::rule_hunt_options(options))
            .map_err(|e| failed(&e))?;
        left_out(err, format, &plan)?;
        sentinel::from_plan(&plan, catalog, kept, &rule_options).map_err(|e| failed(&e))
    };
    let files = match format {
        OutputFormat::SentinelYaml => rules()?
            .iter()
            .map(|r| OutFile::new(r.file_name(), r.to_yaml()))
            .collect(),
        OutputFormat::Arm => {
            let rules = rules()?;
            vec![OutFile::json(
                "iochunt-analytics-rules.json",
                &arm::template(&rules),
            )?]
        }
        OutputFormat::Xdr => {
            let pack = xdr::detection_rules(kept, catalog, options, &xdr::XdrOptions::default())
                .map_err(|e| failed(&e))?;
            for table in &pack.skipped {
                writeln!(
                    err,
                    "xdr: no detection for {table}: it has no entity column"
                )
                .map_err(log_err)?;
            }
            // The detections' plan, to name what no detection covers.
            let mut defender = options.clone();
            defender.platform = Platform::Defender;
            let plan = HuntPlan::build(kept, catalog, &defender).map_err(|e| failed(&e))?;
            left_out(err, format, &plan)?;
            let in_detections: HashSet<&Ioc> = plan
                .queries
                .iter()
                .filter(|q| !pack.skipped.contains(&q.table))
                .flat_map(|q| q.iocs.iter())
                .collect();
            for q in plan
                .queries
                .iter()
                .filter(|q| pack.skipped.contains(&q.table))
            {
                for ioc in q.iocs.iter().filter(|i| !in_detections.contains(i)) {
                    writeln!(
                        err,
                        "not in the xdr output: {}: hunted only in {}, which has no entity column",
                        shortened(&ioc.defanged().to_string()),
                        q.table
                    )
                    .map_err(log_err)?;
                }
            }
            pack.rules
                .iter()
                .map(|r| OutFile::json(r.file_name(), &r.to_json()))
                .collect::<Result<_, _>>()?
        }
        OutputFormat::Stix => {
            let bundle = stix::export(kept, &ExportOptions::new(content_time(kept)));
            vec![OutFile::json("iochunt-stix-bundle.json", &bundle)?]
        }
        OutputFormat::Misp => {
            let title = format!("iochunt hunt: {} indicators", kept.len());
            let event = misp::event(kept, &EventOptions::new(title, content_time(kept)));
            vec![OutFile::json("iochunt-misp-event.json", &event)?]
        }
        OutputFormat::Watchlist => {
            // Every indicator set goes to a watchlist, whatever its size.
            let options = options.clone().with_watchlist_over(0);
            // An indicator too long for a watchlist row is named and left
            // out, and the rest is planned again without it.
            let mut listed: Vec<Indicator> = kept.to_vec();
            let (plan, lists) = loop {
                let plan = HuntPlan::build(&listed, catalog, &options).map_err(|e| failed(&e))?;
                match watchlist::watchlists(&plan, &listed) {
                    Ok(lists) => break (plan, lists),
                    Err(watchlist::WatchlistError::LineTooLong {
                        indicator,
                        chars,
                        limit,
                    }) => {
                        writeln!(
                            err,
                            "not in the watchlist output: {}: its row is {chars} characters, over {limit}",
                            shortened(&iochunt::fang::defang(&indicator))
                        )
                        .map_err(log_err)?;
                        listed.retain(|i| i.ioc.to_string() != indicator);
                    }
                    Err(e) => return Err(failed(&e)),
                }
            };
            left_out(err, format, &plan)?;
            let mut files = Vec::new();
            for w in &lists {
                if !w.fits_local_upload() {
                    writeln!(
                        err,
                        "watchlist: {} is over Sentinel's limit for a local upload: \
                         upload it through Azure Storage",
                        w.file_name()
                    )
                    .map_err(log_err)?;
                }
                files.push(OutFile::new(w.file_name(), w.to_csv()));
            }
            // A hunt split into parts (over 10,000 inline values) gets one
            // file per part: `-part1`, `-part2`, ...
            let mut parts: HashMap<(&str, String), (usize, usize)> = HashMap::new();
            for q in &plan.queries {
                parts
                    .entry((q.table.as_str(), q.group.to_string()))
                    .or_default()
                    .0 += 1;
            }
            for q in &plan.queries {
                let key = (q.table.as_str(), q.group.to_string());
                let name = match parts.get_mut(&key) {
                    Some((total, seen)) if *total > 1 => {
                        *seen += 1;
                        format!("{}-{}-part{seen}.kql", q.table, q.group)
                    }
                    _ => format!("{}-{}.kql", q.table, q.group),
                };
                files.push(OutFile::new(name, format!("{}\n", q.text.trim_end())));
            }
            files
        }
        OutputFormat::Markdown | OutputFormat::Json | OutputFormat::Kql => Vec::new(),
    };
    let plural = if files.len() == 1 { "" } else { "s" };
    writeln!(err, "{}: {} file{plural}", format.name(), files.len()).map_err(log_err)?;
    Ok(files)
}

/// Names on stderr the indicators the plan behind `format` leaves out of
/// every query ("not in"), or of some tables' queries only ("partly in").
fn left_out(err: &mut dyn Write, format: OutputFormat, plan: &HuntPlan) -> Result<(), Failure> {
    for u in &plan.unhunted {
        let partly = plan.queries.iter().any(|q| q.iocs.contains(&u.ioc));
        writeln!(
            err,
            "{} the {} output: {}: {}",
            if partly { "partly in" } else { "not in" },
            format.name(),
            shortened(&u.ioc.defanged().to_string()),
            u.reason
        )
        .map_err(log_err)?;
    }
    Ok(())
}

/// `text` cut to a length that fits a log line, saying how long it was.
fn shortened(text: &str) -> String {
    const SHOWN: usize = 120;
    match text.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{}... ({} characters)", &text[..cut], text.chars().count()),
        None => text.to_owned(),
    }
}

/// The time stamped on STIX and MISP content: the newest first or last
/// seen time of the indicators, so that the same feed gives the same
/// file on every run; the current time when no indicator has one.
fn content_time(kept: &[Indicator]) -> jiff::Timestamp {
    kept.iter()
        .flat_map(|i| [i.first_seen, i.last_seen])
        .flatten()
        .max()
        .unwrap_or_else(jiff::Timestamp::now)
}

/// Writes `files` into `--out DIR`, or the one file to `out`.
fn write_files(
    args: &Args,
    files: &[OutFile],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    if files.is_empty() {
        return Err((
            1,
            format!("--format {}: nothing to write", args.format.name()),
        ));
    }
    let Some(dir) = &args.out_dir else {
        return match files {
            [one] => {
                let io_err = |e: io::Error| (1, format!("cannot write the output: {e}"));
                out.write_all(one.text.as_bytes()).map_err(io_err)?;
                out.flush().map_err(io_err)
            }
            many => Err((
                EXIT_USAGE,
                format!(
                    "--format {} writes {} files: give --out DIR",
                    args.format.name(),
                    many.len()
                ),
            )),
        };
    };
    // Two files of one name would silently lose the first.
    let mut names = HashSet::new();
    if let Some(dup) = files.iter().find(|f| !names.insert(f.name.as_str())) {
        return Err((1, format!("two output files are named {}", dup.name)));
    }
    let cannot = |path: &Path, e: io::Error| (1, format!("cannot write {}: {e}", path.display()));
    std::fs::create_dir_all(dir).map_err(|e| cannot(dir, e))?;
    let stale: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| cannot(dir, e))?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| !files.iter().any(|f| &f.name == name))
        .collect();
    if let Some(example) = stale.first() {
        writeln!(
            err,
            "warning: {} holds {} files this run did not write (such as {example}): \
             they are not part of this pack",
            dir.display(),
            stale.len()
        )
        .map_err(log_err)?;
    }
    for f in files {
        let path = dir.join(&f.name);
        std::fs::write(&path, &f.text).map_err(|e| cannot(&path, e))?;
        writeln!(err, "wrote {}", path.display()).map_err(log_err)?;
    }
    Ok(())
}

/// Progress and rejects on stderr that cannot be written.
fn log_err(e: io::Error) -> Failure {
    (1, format!("cannot write to stderr: {e}"))
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
    let code = run(
        &args,
        &mut io::stdin().lock(),
        &mut io::stdout().lock(),
        &mut io::stderr().lock(),
    );
    std::process::exit(code);
}
