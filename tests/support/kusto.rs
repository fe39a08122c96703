//! Checks KQL text with Microsoft's own parser, Kusto.Language, through the
//! Node.js checker in `tools/kusto-check`.
//!
//! Include it from an integration test with
//! `#[path = "support/kusto.rs"] mod kusto;` and call [`check_or_skip`]
//! (or [`check`] / [`check_with`]). One `node` process per test binary
//! checks everything (its start-up costs 1–2 s), so calls are cheap.
//!
//! The check is unavailable when `node`, `tools/kusto-check/node_modules`
//! or `../shared/reference/kusto-schema.json` is missing. Then [`check`]
//! returns [`CheckUnavailable`] and [`check_or_skip`] prints the skip
//! message, unless the environment sets `KUSTO_CHECK_REQUIRED=1` (CI does):
//! then both panic.
#![allow(dead_code)]

use std::fmt;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Mutex;

use serde::Deserialize;

/// Message a test prints when it skips because the checker is unavailable.
pub const SKIP_MESSAGE: &str =
    "skipped: Kusto.Language check unavailable (run `npm ci --prefix tools/kusto-check`)";

/// One query to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// Free-form identifier, echoed in the [`Outcome`].
    pub id: String,
    /// KQL text.
    pub query: String,
    /// When set, the exact multiset of string-literal values the query must
    /// contain once Kusto.Language has decoded its escapes.
    pub literals: Option<Vec<String>>,
}

impl Case {
    /// A case whose literals are not checked.
    pub fn new(id: impl Into<String>, query: impl Into<String>) -> Self {
        Case {
            id: id.into(),
            query: query.into(),
            literals: None,
        }
    }

    /// A case that must contain exactly these decoded string literals
    /// (compared as a multiset; order does not matter).
    pub fn with_literals<I, S>(id: impl Into<String>, query: impl Into<String>, literals: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Case {
            id: id.into(),
            query: query.into(),
            literals: Some(literals.into_iter().map(Into::into).collect()),
        }
    }
}

/// Which workspace's tables the query is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Platform {
    /// Log Analytics / Sentinel: every table of the schema (Device* tables with
    /// both `TimeGenerated` and `Timestamp`) plus the ASIM parser functions.
    #[default]
    Sentinel,
    /// Stand-alone Defender XDR advanced hunting: only the tables that have a
    /// `Timestamp` column, without `TimeGenerated`; no ASIM functions.
    Defender,
}

impl Platform {
    fn as_arg(self) -> &'static str {
        match self {
            Platform::Sentinel => "sentinel",
            Platform::Defender => "defender",
        }
    }
}

/// Checker options.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Table schema; `None` means `../shared/reference/kusto-schema.json`.
    pub schema: Option<PathBuf>,
    /// Platform whose tables are visible.
    pub platform: Platform,
    /// Queries longer than this many characters (Unicode scalar values) get
    /// the error `LEN001`.
    pub max_chars: Option<usize>,
    /// Also run Kusto.Language's code analyzers (KS5xx advice such as KS514,
    /// `has` with an IPv4 string); they report `Suggestion`/`Warning`.
    pub analyzers: bool,
}

/// A diagnostic reported for a query.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Diagnostic {
    /// Kusto.Language code (`KS142`, ...) or the checker's own (`LEN001`, `INPUT001`).
    pub code: String,
    /// Human-readable message.
    pub message: String,
    /// Start, as a UTF-8 byte offset into the query.
    pub start: usize,
    /// Length in UTF-8 bytes.
    pub length: usize,
    /// `Error`, `Warning`, `Suggestion` or `Information`.
    pub severity: String,
}

impl Diagnostic {
    /// Whether this diagnostic makes the query fail.
    pub fn is_error(&self) -> bool {
        self.severity == "Error"
    }

    /// The part of `query` the diagnostic points at (empty if out of range).
    pub fn snippet<'q>(&self, query: &'q str) -> &'q str {
        query
            .get(self.start..self.start + self.length)
            .unwrap_or("")
    }
}

/// A difference between the claimed and the decoded string literals.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct LiteralMismatch {
    /// `missing` (claimed, not in the query) or `unexpected` (in the query, not claimed).
    pub kind: String,
    /// The literal value.
    pub value: String,
}

/// The checker's verdict on one [`Case`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Outcome {
    /// The case's id.
    pub id: Option<String>,
    /// No diagnostic of severity `Error`.
    pub ok: bool,
    /// All diagnostics, errors and others.
    pub diagnostics: Vec<Diagnostic>,
    /// `None` when the case claimed no literals.
    pub literals_ok: Option<bool>,
    /// Empty when the literals match.
    pub literal_mismatches: Vec<LiteralMismatch>,
    /// Decoded string literals in source order (only when literals were claimed).
    #[serde(default)]
    pub literals_found: Vec<String>,
}

impl Outcome {
    /// The codes of the error diagnostics, in order.
    pub fn error_codes(&self) -> Vec<&str> {
        self.diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.code.as_str())
            .collect()
    }

    /// Whether some error diagnostic has this code.
    pub fn has_error(&self, code: &str) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.is_error() && d.code == code)
    }

    /// No errors and, when literals were claimed, no literal mismatches.
    pub fn passed(&self) -> bool {
        self.ok && self.literals_ok != Some(false)
    }

    /// A readable account of the outcome for assertion messages.
    pub fn describe(&self, query: &str) -> String {
        let mut out = format!(
            "{:?}: ok={} literals_ok={:?}\n",
            self.id, self.ok, self.literals_ok
        );
        for d in &self.diagnostics {
            out.push_str(&format!(
                "  {} {} at {}+{} {:?}: {}\n",
                d.severity,
                d.code,
                d.start,
                d.length,
                d.snippet(query),
                d.message
            ));
        }
        for m in &self.literal_mismatches {
            out.push_str(&format!("  literal {}: {:?}\n", m.kind, m.value));
        }
        if !self.literals_found.is_empty() {
            out.push_str(&format!("  literals found: {:?}\n", self.literals_found));
        }
        out.push_str("  query:\n");
        out.push_str(query);
        out
    }
}

/// The checker cannot run here (tooling or shared schema missing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckUnavailable {
    /// What is missing.
    pub reason: String,
}

impl fmt::Display for CheckUnavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Kusto.Language check unavailable: {}", self.reason)
    }
}

impl std::error::Error for CheckUnavailable {}

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The checker script.
pub fn checker_script() -> PathBuf {
    manifest_dir().join("tools/kusto-check/check.js")
}

/// The default table schema, `../shared/reference/kusto-schema.json`.
pub fn default_schema() -> PathBuf {
    manifest_dir().join("../shared/reference/kusto-schema.json")
}

fn required() -> bool {
    std::env::var("KUSTO_CHECK_REQUIRED").is_ok_and(|v| v == "1")
}

fn node_program() -> String {
    std::env::var("NODE").unwrap_or_else(|_| "node".to_owned())
}

fn unavailable<T>(reason: String) -> Result<T, CheckUnavailable> {
    if required() {
        panic!("KUSTO_CHECK_REQUIRED=1 but the Kusto.Language check is unavailable: {reason}");
    }
    Err(CheckUnavailable { reason })
}

/// Checks the cases against the default schema on the Sentinel platform.
pub fn check(cases: &[Case]) -> Result<Vec<Outcome>, CheckUnavailable> {
    check_with(&Options::default(), cases)
}

/// Like [`check`], but prints [`SKIP_MESSAGE`] and returns `None` when the
/// checker is unavailable (and not required).
pub fn check_or_skip(cases: &[Case]) -> Option<Vec<Outcome>> {
    check_with_or_skip(&Options::default(), cases)
}

/// Like [`check_with`], but prints [`SKIP_MESSAGE`] and returns `None` when
/// the checker is unavailable (and not required).
pub fn check_with_or_skip(options: &Options, cases: &[Case]) -> Option<Vec<Outcome>> {
    match check_with(options, cases) {
        Ok(outcomes) => Some(outcomes),
        Err(err) => {
            println!("{SKIP_MESSAGE}: {}", err.reason);
            None
        }
    }
}

/// Whether the checker package is installed and `schema` exists; when not,
/// panics if `KUSTO_CHECK_REQUIRED=1`, else says what is missing. (Whether
/// `node` runs shows only when the checker is started.)
pub fn available(schema: &Path) -> Result<(), CheckUnavailable> {
    let package = manifest_dir()
        .join("tools/kusto-check/node_modules/@kusto/language-service-next/package.json");
    if !package.is_file() {
        return unavailable(format!("{} is missing", package.display()));
    }
    if !schema.is_file() {
        return unavailable(format!("schema {} is missing", schema.display()));
    }
    Ok(())
}

/// Output of one command-line run of the checker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliRun {
    /// Exit code (`None` if killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// Runs `node check.js ARGS` once with `input` on standard input (for tests
/// of the command line itself: exit codes, argument errors). Unavailable
/// under the same conditions as [`check`] with the default schema.
pub fn run_cli(args: &[&str], input: &str) -> Result<CliRun, CheckUnavailable> {
    available(&default_schema())?;
    let node = node_program();
    let mut child = match Command::new(&node)
        .arg(checker_script())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(err) => {
            return unavailable(format!("cannot run `{node}`: {err}"));
        }
    };
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = input.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().expect("wait for the checker");
    // A checker that exits early (argument error) closes its stdin: not an error here.
    let _ = writer.join();
    Ok(CliRun {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}

/// A running checker process, fed one JSON line at a time and read in
/// lockstep (one answer per line), so neither pipe can fill up.
struct Checker {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Checker {
    fn spawn(schema: &Path) -> Result<Checker, String> {
        let node = node_program();
        let mut child = Command::new(&node)
            .arg(checker_script())
            .arg("--schema")
            .arg(schema)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            // Inherited: the checker writes to stderr only when it fails.
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|err| format!("cannot run `{node}`: {err}"))?;
        let stdin = child.stdin.take().ok_or("checker stdin is not piped")?;
        let stdout = child.stdout.take().ok_or("checker stdout is not piped")?;
        Ok(Checker {
            child,
            stdin,
            stdout: BufReader::new(stdout),
        })
    }

    fn run(&mut self, options: &Options, cases: &[Case]) -> Vec<Outcome> {
        let mut outcomes = Vec::with_capacity(cases.len());
        for case in cases {
            let mut request = serde_json::json!({
                "id": case.id,
                "query": case.query,
                "platform": options.platform.as_arg(),
                "max_chars": options.max_chars,
                "analyzers": options.analyzers,
            });
            if let Some(literals) = &case.literals {
                request["literals"] = serde_json::json!(literals);
            }
            let mut line = request.to_string();
            line.push('\n');
            if let Err(err) = self
                .stdin
                .write_all(line.as_bytes())
                .and_then(|()| self.stdin.flush())
            {
                panic!(
                    "cannot write to the checker ({err}); exit status {:?}",
                    self.child.try_wait()
                );
            }
            let mut answer = String::new();
            match self.stdout.read_line(&mut answer) {
                Ok(0) | Err(_) => {
                    panic!(
                        "the checker stopped answering; exit status {:?}",
                        self.child.wait()
                    )
                }
                Ok(_) => {}
            }
            let outcome: Outcome = serde_json::from_str(&answer)
                .unwrap_or_else(|err| panic!("malformed checker output {answer:?}: {err}"));
            assert_eq!(
                outcome.id.as_deref(),
                Some(case.id.as_str()),
                "checker answered out of order"
            );
            outcomes.push(outcome);
        }
        outcomes
    }
}

impl Drop for Checker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One checker per test binary for the default schema, shared by all tests
/// (start-up dominates the cost of small batches).
static SHARED: Mutex<Option<Checker>> = Mutex::new(None);

/// Checks the cases, in input order. The checker process for the default
/// schema is started once and reused by later calls; another schema gets a
/// process of its own. Panics if the checker misbehaves (crash, malformed
/// output), since that is a bug in the tool rather than a verdict on a query.
pub fn check_with(options: &Options, cases: &[Case]) -> Result<Vec<Outcome>, CheckUnavailable> {
    let schema = options.schema.clone().unwrap_or_else(default_schema);
    available(&schema)?;

    if schema != default_schema() {
        let mut checker = Checker::spawn(&schema).or_else(unavailable)?;
        return Ok(checker.run(options, cases));
    }
    let mut shared = SHARED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    // Taken out while in use: if a check panics, the half-used process is
    // dropped (killed) instead of being handed to the next test.
    let mut checker = match shared.take() {
        Some(checker) => checker,
        None => Checker::spawn(&schema).or_else(unavailable)?,
    };
    let outcomes = checker.run(options, cases);
    *shared = Some(checker);
    Ok(outcomes)
}
