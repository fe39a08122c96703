//! Rendering helpers: the one string-literal escaper, separators and the
//! identifier quoting rule.

use std::fmt::{self, Display, Write as _};

/// Writes `s` as a quoted KQL string literal, delimited by `quote`.
///
/// This is the only function that turns text into query text; every string
/// literal, bracket-quoted identifier and `dynamic` bag key passes through it.
///
/// | input                                   | output            |
/// |-----------------------------------------|-------------------|
/// | `abc`, `é`, `☃` (printable, incl. non-ASCII) | unchanged       |
/// | `\`                                     | `\\`              |
/// | the delimiting quote (`"` or `'`)       | `\"` / `\'`       |
/// | the other quote                         | unchanged         |
/// | LF, CR, TAB                             | `\n`, `\r`, `\t`  |
/// | any other control character (C0, DEL, C1), U+2028, U+2029 | `\uXXXX` |
///
/// Nothing else is escaped, so the output never contains a raw line break,
/// a raw control character or a JSON-only escape such as `\/`.
pub(crate) fn quoted(s: &str, quote: char) -> Quoted<'_> {
    Quoted { s, quote }
}

/// Lazy `Display` value returned by [`quoted`].
pub(crate) struct Quoted<'a> {
    s: &'a str,
    quote: char,
}

impl Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char(self.quote)?;
        write_escaped(f, self.s, self.quote)?;
        f.write_char(self.quote)
    }
}

fn needs_escape(c: char, quote: char) -> bool {
    c == '\\' || c == quote || c.is_control() || c == '\u{2028}' || c == '\u{2029}'
}

fn write_escaped(f: &mut fmt::Formatter<'_>, s: &str, quote: char) -> fmt::Result {
    let bytes = s.as_bytes();
    let qb = quote as u8;
    // Fast path: scan bytes; only non-ASCII bytes need a char decode.
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            if b >= 0x20 && b != 0x7f && b != b'\\' && b != qb {
                i += 1;
                continue;
            }
            f.write_str(&s[start..i])?;
            write_escape(f, b as char)?;
            i += 1;
            start = i;
        } else {
            let Some(c) = s[i..].chars().next() else {
                break;
            };
            let len = c.len_utf8();
            if needs_escape(c, quote) {
                f.write_str(&s[start..i])?;
                write_escape(f, c)?;
                start = i + len;
            }
            i += len;
        }
    }
    f.write_str(&s[start..])
}

fn write_escape(f: &mut fmt::Formatter<'_>, c: char) -> fmt::Result {
    match c {
        '\\' => f.write_str("\\\\"),
        '"' => f.write_str("\\\""),
        '\'' => f.write_str("\\'"),
        '\n' => f.write_str("\\n"),
        '\r' => f.write_str("\\r"),
        '\t' => f.write_str("\\t"),
        c => write!(f, "\\u{:04x}", u32::from(c)),
    }
}

/// Items displayed with a separator, without building a `String`.
pub(crate) struct Separated<'a, T> {
    items: &'a [T],
    sep: &'static str,
}

/// Displays `items` joined by `sep`.
pub(crate) fn separated<'a, T>(items: &'a [T], sep: &'static str) -> Separated<'a, T> {
    Separated { items, sep }
}

/// Displays `items` joined by `", "`.
pub(crate) fn comma_separated<T>(items: &[T]) -> Separated<'_, T> {
    separated(items, ", ")
}

impl<T: Display> Display for Separated<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for item in self.items {
            if !first {
                f.write_str(self.sep)?;
            }
            first = false;
            // Nested items are always rendered on one line.
            write!(f, "{item}")?;
        }
        Ok(())
    }
}

/// Words that must be bracket-quoted when used as a table, column or
/// variable name: query operators, clause words, scalar operators, literal
/// and type names.
pub(crate) const KEYWORDS: &[&str] = &[
    "access",
    "alias",
    "and",
    "anti",
    "as",
    "asc",
    "between",
    "bool",
    "boolean",
    "by",
    "cluster",
    "consume",
    "contains",
    "contains_cs",
    "count",
    "database",
    "datatable",
    "date",
    "datetime",
    "decimal",
    "declare",
    "default",
    "desc",
    "distinct",
    "double",
    "dynamic",
    "endswith",
    "endswith_cs",
    "evaluate",
    "extend",
    "externaldata",
    "facet",
    "false",
    "filter",
    "find",
    "first",
    "fork",
    "from",
    "getschema",
    "guid",
    "has",
    "has_all",
    "has_any",
    "has_cs",
    "hasprefix",
    "hassuffix",
    "in",
    "inner",
    "innerunique",
    "int",
    "invoke",
    "isfuzzy",
    "join",
    "kind",
    "last",
    "leftanti",
    "leftantisemi",
    "leftouter",
    "leftsemi",
    "let",
    "like",
    "limit",
    "long",
    "lookup",
    "macro-expand",
    "make-series",
    "matches",
    "materialize",
    "mv",
    "not",
    "null",
    "nulls",
    "of",
    "on",
    "or",
    "order",
    "outer",
    "parse",
    "partition",
    "pattern",
    "print",
    "project",
    "range",
    "real",
    "regex",
    "render",
    "restrict",
    "rightanti",
    "rightantisemi",
    "rightouter",
    "rightsemi",
    "sample",
    "scan",
    "search",
    "serialize",
    "set",
    "sort",
    "startswith",
    "startswith_cs",
    "step",
    "string",
    "summarize",
    "table",
    "take",
    "time",
    "timespan",
    "to",
    "top",
    "toscalar",
    "true",
    "typeof",
    "union",
    "uniqueid",
    "view",
    "where",
    "with",
    "withsource",
    "fullouter",
    "semi",
    "evaluate",
];

/// Words that cannot be used as a bare function name because they start a
/// literal or a built-in form.
pub(crate) const LITERAL_WORDS: &[&str] = &[
    "bool", "boolean", "date", "datetime", "decimal", "double", "dynamic", "false", "guid", "int",
    "long", "not", "null", "real", "string", "time", "timespan", "true", "typeof", "uniqueid",
];

/// `[A-Za-z_][A-Za-z0-9_]*`
pub(crate) fn is_plain_word(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Writes a name, bracket-quoted as `['...']` unless it is a plain word
/// outside `reserved`.
pub(crate) fn write_name(f: &mut fmt::Formatter<'_>, name: &str, reserved: &[&str]) -> fmt::Result {
    if is_plain_word(name) && !reserved.contains(&name) {
        f.write_str(name)
    } else {
        write!(f, "[{}]", quoted(name, '\''))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> String {
        quoted(s, '"').to_string()
    }

    #[test]
    fn escape_table() {
        assert_eq!(q("abc"), r#""abc""#);
        assert_eq!(q(r#"a"b"#), r#""a\"b""#);
        assert_eq!(q("a'b"), r#""a'b""#);
        assert_eq!(q(r"C:\Windows"), r#""C:\\Windows""#);
        assert_eq!(q("a\nb\rc\td"), r#""a\nb\rc\td""#);
        assert_eq!(
            q("\0\u{1b}\u{7f}\u{85}\u{2028}"),
            r#""\u0000\u001b\u007f\u0085\u2028""#
        );
        assert_eq!(q("é☃ // | ;"), "\"é☃ // | ;\"");
        assert_eq!(quoted("it's", '\'').to_string(), r"'it\'s'");
    }

    #[test]
    fn names() {
        assert!(is_plain_word("RemoteIP"));
        assert!(is_plain_word("_x1"));
        assert!(!is_plain_word("1day"));
        assert!(!is_plain_word("a-b"));
        assert!(!is_plain_word(""));
    }
}
