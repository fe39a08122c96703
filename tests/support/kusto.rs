//! Checks KQL text with Microsoft's own parser, Kusto.Language, through the
//! Node.js checker in `tools/kusto-check`.
//!
//! Include it from an integration test with
//! `#[path = "support/kusto.rs"] mod kusto;` and call [`check_or_skip`]
//! (or [`check`] / [`check_with`]). All cases of one call are checked by a
//! single `node` process (start-up costs 1–2 s), so batch them.
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
use std::process::{Command, Stdio};

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

fn unavailable(reason: String) -> Result<Vec<Outcome>, CheckUnavailable> {
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

/// Checks the cases with one checker process. Outcomes come back in input
/// order. Panics if the checker misbehaves (crash, malformed output), since
/// that is a bug in the tool rather than a verdict on a query.
pub fn check_with(options: &Options, cases: &[Case]) -> Result<Vec<Outcome>, CheckUnavailable> {
    let script = checker_script();
    let package = manifest_dir()
        .join("tools/kusto-check/node_modules/@kusto/language-service-next/package.json");
    if !package.is_file() {
        return unavailable(format!("{} is missing", package.display()));
    }
    let schema = options.schema.clone().unwrap_or_else(default_schema);
    if !schema.is_file() {
        return unavailable(format!("schema {} is missing", schema.display()));
    }
    let node = node_program();

    let mut command = Command::new(&node);
    command
        .arg(&script)
        .arg("--schema")
        .arg(&schema)
        .arg("--platform")
        .arg(options.platform.as_arg());
    if let Some(max) = options.max_chars {
        command.arg("--max-chars").arg(max.to_string());
    }
    let mut child = match command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(err) => return unavailable(format!("cannot run `{node}`: {err}")),
    };

    let mut input = String::new();
    for case in cases {
        let mut line = serde_json::json!({ "id": case.id, "query": case.query });
        if let Some(literals) = &case.literals {
            line["literals"] = serde_json::json!(literals);
        }
        input.push_str(&line.to_string());
        input.push('\n');
    }
    let mut stdin = child.stdin.take().expect("child stdin is piped");
    // Write from another thread so a large batch cannot dead-lock against
    // the checker's output filling the stdout pipe.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));

    let stdout = child.stdout.take().expect("child stdout is piped");
    let mut outcomes = Vec::with_capacity(cases.len());
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("checker output is UTF-8");
        let outcome: Outcome = serde_json::from_str(&line)
            .unwrap_or_else(|err| panic!("malformed checker output {line:?}: {err}"));
        outcomes.push(outcome);
    }
    let written = writer.join().expect("writer thread");
    let output = child.wait_with_output().expect("wait for checker");
    let stderr = String::from_utf8_lossy(&output.stderr);
    if let Err(err) = written {
        panic!("cannot write to the checker: {err}; stderr: {stderr}");
    }
    let code = output.status.code();
    let any_failed = outcomes.iter().any(|o| !o.passed());
    match code {
        Some(0) if !any_failed => {}
        Some(1) if any_failed => {}
        _ => panic!(
            "checker exited with {:?} (failures in output: {any_failed}); stderr: {stderr}",
            output.status
        ),
    }
    assert_eq!(
        outcomes.len(),
        cases.len(),
        "checker answered {} of {} cases; stderr: {stderr}",
        outcomes.len(),
        cases.len()
    );
    for (case, outcome) in cases.iter().zip(&outcomes) {
        assert_eq!(
            outcome.id.as_deref(),
            Some(case.id.as_str()),
            "checker answered out of order"
        );
    }
    Ok(outcomes)
}
