//! A KQL (Kusto Query Language) query builder whose rendering is safe.
//!
//! Queries are plain data ([`Query`], [`Tabular`], [`Operator`], [`Expr`],
//! [`Literal`], ...) rendered with `Display`: `{}` gives one line, `{:#}`
//! puts each `| operator` on its own line. [`Query::parse`] reads the same
//! subset back, so an existing hunting query can be parsed, extended and
//! rendered again.
//!
//! # Safety of the rendered text
//!
//! * Every string literal goes through one escaper and is emitted as
//!   `"..."`: `\` and `"` are backslash-escaped, line breaks and tabs become
//!   `\n`, `\r`, `\t`, every other control character (and U+2028/U+2029)
//!   becomes `\uXXXX`. No value can end its literal early, open a comment
//!   or span lines.
//! * Names that are not plain words, or that are keywords, are
//!   bracket-quoted as `['...']` through the same escaper.
//! * Text handed to a builder as a value becomes a string literal; only
//!   [`col`], [`Ident`] and builder name arguments make identifiers.
//! * `//` comments ([`Comment`]) cannot contain line breaks.
//! * Grouping is explicit ([`Expr::Paren`]); builders add it where
//!   precedence needs it and the renderer parenthesises any looser operand.
//! * Output is deterministic: the same tree always renders the same bytes.
//!
//! Platform limits (value-list sizes, empty lists, identifier length,
//! query length budget) are checked by a separate pass,
//! [`Query::validate`], and by [`Query::render_checked`], rather than by
//! fallible constructors: the tree is plain public data that can be built
//! or edited in any way, so only a pass over the finished tree can vouch
//! for it. `Display` itself never fails.
//!
//! # Parsing
//!
//! [`Query::parse`] (also `str::parse` and `TryFrom<&str>`) reads an
//! existing hunting query so it can be extended and rendered again; errors
//! are typed ([`ParseErrorKind`]) and carry the byte position.
//!
//! # Example
//!
//! ```
//! use iochunt::kql::{Comment, Dynamic, Query, col, lit};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let q = Query::table("DeviceNetworkEvents")
//!     .comment(Comment::new("Source: ThreatFox")?)
//!     .let_("malicious_ips", lit(Dynamic::strings(["104.168.5.18", "192.3.171.227"])))
//!     .where_(col("RemoteIP").in_([col("malicious_ips")]))
//!     .project(["Timestamp", "DeviceName", "RemoteIP"])
//!     .order_by([col("Timestamp").desc()]);
//! let text = format!("{q:#}");
//! assert_eq!(text, "\
//! // Source: ThreatFox
//! let malicious_ips = dynamic([\"104.168.5.18\", \"192.3.171.227\"]);
//! DeviceNetworkEvents
//! | where RemoteIP in (malicious_ips)
//! | project Timestamp, DeviceName, RemoteIP
//! | order by Timestamp desc");
//! q.validate()?;
//! assert_eq!(Query::parse(&text)?, q);
//! # Ok(())
//! # }
//! ```

mod ast;
pub(crate) use ast::{breaks_a_line, one_line};
mod build;
mod fmt;
mod parse;
mod validate;

pub use ast::{
    Assignment, BinaryOp, Comment, Datatable, Direction, Dynamic, Expr, Ident, JoinKey, JoinKind,
    Let, LetValue, ListOp, Literal, LookupKind, Nulls, Operator, OrderKey, Query, ScalarType,
    SortKeyword, Source, Statement, Tabular, Timespan, TimespanUnit, Union,
};
pub use build::{call, col, lit, not};
pub use parse::{MAX_NESTING, ParseError, ParseErrorKind};
pub use validate::{MAX_IDENT_CHARS, SENTINEL_RULE_MAX_CHARS, Style, ValidationError};
