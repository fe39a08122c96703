//! Rejected records and feed-level errors.

use std::fmt;

use crate::ParseIocError;

/// Where a record sits in its input.
///
/// `record` counts every record read (accepted, rejected or merged),
/// starting at 1. `line` is the 1-based line the record starts on, when the
/// format has lines worth naming.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// Ordinal of the record in its input, from 1.
    pub record: u64,
    /// Line the record starts on, from 1.
    pub line: Option<u64>,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}, record {}", self.record),
            None => write!(f, "record {}", self.record),
        }
    }
}

/// Why a record was not turned into an indicator.
///
/// ```
/// use iochunt::feed::RejectReason;
///
/// let reason = RejectReason::UnknownIocType("ja3_fingerprint".into());
/// assert_eq!(reason.to_string(), r#"unknown ioc_type "ja3_fingerprint""#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RejectReason {
    /// The record contains bytes that are not UTF-8.
    InvalidUtf8,
    /// The input ends in the middle of this record.
    Truncated,
    /// The record is not well-formed in its format (bad JSON, an unclosed
    /// quote); the message comes from the parser.
    Malformed(String),
    /// The record is well-formed but a field has the wrong type or a
    /// required field is missing; the message names the field.
    Schema(String),
    /// A CSV row has a different number of fields than the header.
    FieldCount {
        /// Columns in the header.
        expected: usize,
        /// Fields in the row.
        found: usize,
    },
    /// The record is longer than the reader accepts.
    TooLong(usize),
    /// ThreatFox `ioc_type` this library does not know.
    UnknownIocType(String),
    /// The indicator value does not parse as its declared kind.
    InvalidIoc(ParseIocError),
    /// `confidence_level` is not a number from 0 to 100.
    InvalidConfidence(String),
    /// A date field is not a `YYYY-MM-DD HH:MM:SS` UTC time.
    InvalidTimestamp {
        /// The field name as the feed spells it.
        field: &'static str,
        /// The offending text.
        value: String,
    },
    /// A field that must be a boolean or a URL holds something else.
    InvalidField {
        /// The field name as the feed spells it.
        field: &'static str,
        /// The offending text.
        value: String,
    },
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidUtf8 => f.write_str("record is not valid utf-8"),
            Self::Truncated => f.write_str("input ends inside this record"),
            Self::Malformed(m) => write!(f, "malformed record: {m}"),
            Self::Schema(m) => write!(f, "unexpected record shape: {m}"),
            Self::FieldCount { expected, found } => {
                write!(f, "expected {expected} fields, found {found}")
            }
            Self::TooLong(n) => write!(f, "record of {n} bytes is too long"),
            Self::UnknownIocType(t) => write!(f, "unknown ioc_type {t:?}"),
            Self::InvalidIoc(e) => write!(f, "{e}"),
            Self::InvalidConfidence(v) => write!(f, "invalid confidence_level {v:?}"),
            Self::InvalidTimestamp { field, value } => {
                write!(f, "invalid {field} timestamp {value:?}")
            }
            Self::InvalidField { field, value } => write!(f, "invalid {field} {value:?}"),
        }
    }
}

impl RejectReason {
    /// A short stable name for the reason, for counting and reports
    /// (`invalid_utf8`, `truncated`, `unknown_ioc_type`, …).
    ///
    /// ```
    /// use iochunt::feed::RejectReason;
    /// assert_eq!(RejectReason::Truncated.code(), "truncated");
    /// ```
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidUtf8 => "invalid_utf8",
            Self::Truncated => "truncated",
            Self::Malformed(_) => "malformed",
            Self::Schema(_) => "schema",
            Self::FieldCount { .. } => "field_count",
            Self::TooLong(_) => "too_long",
            Self::UnknownIocType(_) => "unknown_ioc_type",
            Self::InvalidIoc(_) => "invalid_ioc",
            Self::InvalidConfidence(_) => "invalid_confidence",
            Self::InvalidTimestamp { .. } => "invalid_timestamp",
            Self::InvalidField { .. } => "invalid_field",
        }
    }
}

/// A record that did not become an indicator, with everything needed to
/// find it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// Where the record is.
    pub position: Position,
    /// The feed's id for the record, when it could be read.
    pub record_id: Option<String>,
    /// The indicator value as written, or the start of the raw record when
    /// no value could be read.
    pub raw: String,
    /// Why it was rejected.
    pub reason: RejectReason,
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.position)?;
        if let Some(id) = &self.record_id {
            write!(f, " (id {id})")?;
        }
        write!(f, ": {} in {:?}", self.reason, self.raw)
    }
}

/// Errors that stop reading a feed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FeedError {
    /// The input could not be read.
    #[error("cannot read {name}")]
    Io {
        /// Name of the input (file path or the name given in the options).
        name: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The input is empty or holds only white space.
    #[error("{name} is empty")]
    Empty {
        /// Name of the input.
        name: String,
    },
    /// The content matches no supported format.
    #[error("{name}: unrecognized feed format starting with {start:?}")]
    UnknownFormat {
        /// Name of the input.
        name: String,
        /// The first bytes of the input, lossily decoded.
        start: String,
    },
    /// A ThreatFox API response reports a failed query.
    #[error("{name}: threatfox query failed with status {status:?}")]
    Api {
        /// Name of the input.
        name: String,
        /// The `query_status` value.
        status: String,
    },
    /// Strict mode: the first rejected record.
    #[error("{name}: {rejected}")]
    Rejected {
        /// Name of the input.
        name: String,
        /// The record and its reason.
        rejected: Box<Rejected>,
    },
}

impl FeedError {
    /// The rejected record, for [`FeedError::Rejected`].
    #[must_use]
    pub fn rejected(&self) -> Option<&Rejected> {
        match self {
            Self::Rejected { rejected, .. } => Some(rejected),
            _ => None,
        }
    }
}
