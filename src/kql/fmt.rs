//! Rendering helpers: the one string-literal escaper, separators and the
//! identifier quoting rule.

use std::fmt::{self, Display};

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
        write_quoted(f, self.s, self.quote)
    }
}

/// The escaper behind [`quoted`], for any writer.
pub(crate) fn write_quoted<W: fmt::Write + ?Sized>(w: &mut W, s: &str, quote: char) -> fmt::Result {
    let q = if quote == '"' { "\"" } else { "'" };
    w.write_str(q)?;
    write_escaped(w, s, quote)?;
    w.write_str(q)
}

/// A writer that literals render into. The default method is the one
/// escaper; [`Buffered`] adds a fast path for text with nothing to escape.
pub(crate) trait Sink: fmt::Write {
    /// Writes `s` as a quoted literal (see [`quoted`]).
    fn quoted(&mut self, s: &str, quote: char) -> fmt::Result {
        write_quoted(self, s, quote)
    }

    /// Writes `", "`, then `s` as a quoted literal: the step of a list.
    fn comma_quoted(&mut self, s: &str, quote: char) -> fmt::Result {
        self.write_str(", ")?;
        self.quoted(s, quote)
    }
}

impl Sink for fmt::Formatter<'_> {}

/// Lists longer than this render through a [`Buffered`] writer.
pub(crate) const BUFFER_AFTER: usize = 32;

/// Collects small writes into a local buffer and hands them to the
/// formatter in large pieces; the formatter's writer is behind a `dyn`
/// call, which dominates the cost of writing many short literals.
///
/// The buffer is a byte array rather than a `String` so that a short
/// literal is copied with fixed-size moves at known offsets instead of a
/// `memcpy` call per piece. Only whole `&str`s are ever copied in, so the
/// bytes are always UTF-8; the check at each hand-off is the price of
/// staying in safe code.
pub(crate) struct Buffered<'a, 'b> {
    f: &'a mut fmt::Formatter<'b>,
    buf: [u8; BUFFER_BYTES],
    len: usize,
}

/// Small on purpose: one `dyn` call per few dozen literals is already
/// cheap, and larger hand-offs were measured slower (16 KiB: the 1M-literal
/// render took ~9.3 ms, 1 KiB: ~7.8 ms, 512 B..2 KiB alike), likely because
/// `memcpy` switches to a slower strategy for large copies into the fresh
/// pages of the formatter's `String`.
const BUFFER_BYTES: usize = 1024;

impl<'a, 'b> Buffered<'a, 'b> {
    pub(crate) fn new(f: &'a mut fmt::Formatter<'b>) -> Self {
        Buffered {
            f,
            buf: [0; BUFFER_BYTES],
            len: 0,
        }
    }

    /// Writes out what is left.
    pub(crate) fn finish(mut self) -> fmt::Result {
        self.flush()
    }

    /// Hands the buffer to the formatter.
    fn flush(&mut self) -> fmt::Result {
        let pending = self.buf.get(..self.len).unwrap_or_default();
        self.len = 0;
        if pending.is_empty() {
            return Ok(());
        }
        // Never fails: only whole `&str`s are copied in (see the type).
        let text = std::str::from_utf8(pending).map_err(|_| fmt::Error)?;
        self.f.write_str(text)
    }

    /// `s` between quotes, after `", "` if `COMMA`, when `s` needs no
    /// escape; false if it may (then nothing was written).
    #[inline(always)]
    fn plain_quoted<const COMMA: bool>(
        &mut self,
        s: &str,
        quote: char,
    ) -> Result<bool, fmt::Error> {
        let q = match quote {
            '"' => b'"',
            '\'' => b'\'',
            _ => return Ok(false),
        };
        let bytes = s.as_bytes();
        if bytes.len() > 16 {
            // Kept out of line so that the common short case stays small.
            return self.plain_quoted_long::<COMMA>(s, q);
        }
        let sep: &[u8] = if COMMA { b", " } else { b"" };
        let (n, k) = (bytes.len(), sep.len());
        if short_may_be_special(bytes) {
            return Ok(false);
        }
        let total = k + n + 2;
        if self.len + total > BUFFER_BYTES {
            self.flush()?;
        }
        let Some(out) = self.buf.get_mut(self.len..self.len + total) else {
            return Ok(false);
        };
        let (head, body) = out.split_at_mut(k + 1);
        head[..k].copy_from_slice(sep);
        head[k] = q;
        let (body, tail) = body.split_at_mut(n);
        match (bytes.first_chunk::<8>(), bytes.last_chunk::<8>()) {
            // Eight to sixteen bytes (most indicators): two overlapping
            // fixed-size copies.
            (Some(first), Some(last)) => {
                body[..8].copy_from_slice(first);
                body[n - 8..].copy_from_slice(last);
            }
            _ => body.copy_from_slice(bytes),
        }
        tail[0] = q;
        self.len += total;
        Ok(true)
    }

    /// [`plain_quoted`](Self::plain_quoted) for literals over 16 bytes.
    ///
    /// It repeats the short path's framing on purpose: sharing it through a
    /// helper that takes the body copy as a closure made inline `in (...)`
    /// lists render about 15% slower (`benches/kql_render.rs`).
    #[inline(never)]
    fn plain_quoted_long<const COMMA: bool>(&mut self, s: &str, q: u8) -> Result<bool, fmt::Error> {
        let bytes = s.as_bytes();
        let sep: &[u8] = if COMMA { b", " } else { b"" };
        let total = sep.len() + bytes.len() + 2;
        if total > BUFFER_BYTES || long_may_be_special(bytes) {
            return Ok(false);
        }
        if self.len + total > BUFFER_BYTES {
            self.flush()?;
        }
        let Some(out) = self.buf.get_mut(self.len..self.len + total) else {
            return Ok(false);
        };
        let (head, body) = out.split_at_mut(sep.len() + 1);
        head[..sep.len()].copy_from_slice(sep);
        head[sep.len()] = q;
        let (body, tail) = body.split_at_mut(bytes.len());
        body.copy_from_slice(bytes);
        tail[0] = q;
        self.len += total;
        Ok(true)
    }
}

impl Sink for Buffered<'_, '_> {
    #[inline]
    fn quoted(&mut self, s: &str, quote: char) -> fmt::Result {
        // Same output as `write_quoted`: text without special bytes is
        // copied between quotes unchanged.
        if self.plain_quoted::<false>(s, quote)? {
            Ok(())
        } else {
            write_quoted(self, s, quote)
        }
    }

    #[inline(always)]
    fn comma_quoted(&mut self, s: &str, quote: char) -> fmt::Result {
        if self.plain_quoted::<true>(s, quote)? {
            Ok(())
        } else {
            fmt::Write::write_str(self, ", ")?;
            write_quoted(self, s, quote)
        }
    }
}

/// Conservative, for at most 16 bytes: false means no byte of `bytes` is
/// special or non-ASCII.
///
/// Checks against [`quick_mask`], a superset of the special bytes that
/// costs a third of the exact test; strings it flags go through the exact
/// escaper, so only speed depends on the difference.
#[inline(always)]
fn short_may_be_special(bytes: &[u8]) -> bool {
    match (bytes.first_chunk::<8>(), bytes.last_chunk::<8>()) {
        // Eight to sixteen bytes (most indicators): two overlapping words.
        (Some(first), Some(last)) if bytes.len() <= 16 => {
            quick_mask(u64::from_le_bytes(*first)) | quick_mask(u64::from_le_bytes(*last)) != 0
        }
        (Some(_), Some(_)) => long_may_be_special(bytes),
        _ => bytes.iter().any(|&b| SPECIAL[usize::from(b)] || b >= 0x80),
    }
}

/// [`short_may_be_special`] for eight bytes and more.
fn long_may_be_special(bytes: &[u8]) -> bool {
    let word = |w: &[u8; 8]| quick_mask(u64::from_le_bytes(*w));
    let last = bytes.last_chunk::<8>().map_or(0, word);
    bytes
        .chunks_exact(8)
        .filter_map(|c| <&[u8; 8]>::try_from(c).ok())
        .fold(last, |m, w| m | word(w))
        != 0
        || bytes.len() < 8 && bytes.iter().any(|&b| SPECIAL[usize::from(b)] || b >= 0x80)
}

impl fmt::Write for Buffered<'_, '_> {
    #[inline]
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.len + s.len() > BUFFER_BYTES {
            self.flush()?;
            if s.len() > BUFFER_BYTES {
                return self.f.write_str(s);
            }
        }
        let out = self
            .buf
            .get_mut(self.len..self.len + s.len())
            .ok_or(fmt::Error)?;
        out.copy_from_slice(s.as_bytes());
        self.len += s.len();
        Ok(())
    }
}

/// Bytes that need a closer look: ASCII controls, DEL, `\`, both quotes,
/// and the UTF-8 lead bytes of U+0080..U+009F (0xC2) and U+2028/U+2029
/// (0xE2). Every other byte is copied as is.
const SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = true;
        b += 1;
    }
    t[0x7f] = true;
    t[b'\\' as usize] = true;
    t[b'"' as usize] = true;
    t[b'\'' as usize] = true;
    t[0xc2] = true;
    t[0xe2] = true;
    t
};

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// True if some byte of `w` is zero.
const fn has_zero(w: u64) -> bool {
    w.wrapping_sub(ONES) & !w & HIGHS != 0
}

/// Conservative: true if any byte of `w` is in [`SPECIAL`] (or is any
/// non-ASCII byte). False means all eight bytes can be copied as is.
const fn word_may_be_special(w: u64) -> bool {
    (w & HIGHS) != 0
        || (w.wrapping_sub(ONES * 0x20) & !w & HIGHS) != 0
        || has_zero(w ^ (ONES * 0x7f))
        || has_zero(w ^ (ONES * b'\\' as u64))
        || has_zero(w ^ (ONES * b'"' as u64))
        || has_zero(w ^ (ONES * b'\'' as u64))
}

/// Conservative and cheap: non-zero if any byte of `w` is below `-` (0x2D:
/// controls, space and the punctuation that holds both quotes), is `\\`,
/// or is 0x7F and above. Zero means all eight bytes can be copied as is.
///
/// The characters of IP addresses, domains and hashes are all above the
/// cut, so lists of indicators take the fast path; anything flagged goes
/// through the exact escaper.
const fn quick_mask(w: u64) -> u64 {
    // Per lane: `w - 0x2D` borrows into the high bit when the byte is below
    // 0x2D, `w + 1` carries into it when the byte is 0x7F or above, `w` has
    // it when the byte is non-ASCII, and `bs - 1 & !bs` when the byte is
    // `\\`. Borrows and carries across lanes only start from a lane that is
    // already flagged, so "any lane" is exact.
    let bs = w ^ (ONES * b'\\' as u64);
    (w.wrapping_sub(ONES * 0x2d) | w.wrapping_add(ONES) | w | (bs.wrapping_sub(ONES) & !bs)) & HIGHS
}

fn needs_escape(c: char, quote: char) -> bool {
    c == '\\' || c == quote || c.is_control() || c == '\u{2028}' || c == '\u{2029}'
}

fn write_escaped<W: fmt::Write + ?Sized>(f: &mut W, s: &str, quote: char) -> fmt::Result {
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    loop {
        // Skip eight plain bytes at a time, then finish byte by byte.
        while let Some(chunk) = bytes.get(i..i + 8) {
            let Ok(word) = <[u8; 8]>::try_from(chunk) else {
                break;
            };
            if word_may_be_special(u64::from_le_bytes(word)) {
                break;
            }
            i += 8;
        }
        // Fewer than eight bytes left: one overlapping look at the last eight.
        let tail = bytes.len() - i < 8;
        if let Some(last) = bytes
            .len()
            .checked_sub(8)
            .and_then(|at| bytes.get(at..))
            .filter(|_| tail)
        {
            if let Ok(word) = <[u8; 8]>::try_from(last) {
                if !word_may_be_special(u64::from_le_bytes(word)) {
                    i = bytes.len();
                }
            }
        }
        while i < bytes.len() && !SPECIAL[usize::from(bytes[i])] {
            i += 1;
        }
        if i == bytes.len() {
            break;
        }
        // A special byte always starts a character (none is a UTF-8
        // continuation byte), so `i` is a char boundary.
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
    f.write_str(&s[start..])
}

fn write_escape<W: fmt::Write + ?Sized>(f: &mut W, c: char) -> fmt::Result {
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
            // Called directly (no `write!`) for speed: items here are scalar
            // nodes, which never look at the alternate flag.
            item.fmt(f)?;
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
/// literal or a built-in form. (`decimal(...)` and `string(...)` read back
/// as calls, so they are not here: `decimal(1.5)` stays a valid literal.)
pub(crate) const LITERAL_WORDS: &[&str] = &[
    "bool", "boolean", "date", "datetime", "double", "dynamic", "false", "guid", "int", "long",
    "not", "null", "real", "time", "timespan", "true", "typeof", "uniqueid",
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
        assert_eq!(quoted("a\"b", '\'').to_string(), "'a\"b'");
        // Lead bytes 0xC2/0xE2 that are not controls or line separators stay raw.
        assert_eq!(q("£ — \u{a0}"), "\"£ — \u{a0}\"");
    }

    #[test]
    fn word_checks_match_the_byte_table() {
        // Every byte value in every lane position of an otherwise plain word:
        // the exact check flags exactly the special bytes, the quick one
        // exactly the bytes of its documented cut (a superset of them).
        for b in 0..=255u8 {
            for lane in 0..8 {
                let mut word = *b"abcdefgh";
                word[lane] = b;
                let w = u64::from_le_bytes(word);
                let special = SPECIAL[usize::from(b)] || b >= 0x80;
                assert_eq!(word_may_be_special(w), special, "byte {b:#x} lane {lane}");
                let cut = b < 0x2d || b == b'\\' || b >= 0x7f;
                assert!(cut || !special, "byte {b:#x}");
                assert_eq!(quick_mask(w) != 0, cut, "byte {b:#x} lane {lane}");
            }
        }
        // Several flagged lanes at once, and every byte of indicator text.
        assert_ne!(quick_mask(u64::from_le_bytes(*b"\0\xff\0\xff\"'\\\x7f")), 0);
        assert_eq!(quick_mask(u64::from_le_bytes(*b"az09.-:/")), 0);
    }

    /// Both checks, each where it applies, must agree.
    fn str_may_be_special(s: &str) -> bool {
        let long = long_may_be_special(s.as_bytes());
        if s.len() <= 16 {
            assert_eq!(short_may_be_special(s.as_bytes()), long, "{s:?}");
        }
        long
    }

    #[test]
    fn str_check_is_conservative() {
        for len in 0..40 {
            for at in 0..len {
                for b in [b'"', b'\'', b'\\', b'\n', 0, 0x7f] {
                    let mut v = vec![b'a'; len];
                    v[at] = b;
                    let s = String::from_utf8(v).unwrap_or_default();
                    assert!(str_may_be_special(&s), "{s:?}");
                }
            }
            assert!(!str_may_be_special(&"a".repeat(len)));
            if len > 0 {
                assert!(str_may_be_special(&format!("{}é", "a".repeat(len))));
            }
        }
    }

    #[test]
    fn long_strings_escape_at_any_offset() {
        for pad in 0..20 {
            let plain = "x".repeat(pad);
            assert_eq!(
                q(&format!("{plain}\"{plain}")),
                format!("\"{plain}\\\"{plain}\"")
            );
            assert_eq!(
                q(&format!("{plain}\u{2028}")),
                format!("\"{plain}\\u2028\"")
            );
            assert_eq!(q(&format!("{plain}é\n")), format!("\"{plain}é\\n\""));
        }
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
