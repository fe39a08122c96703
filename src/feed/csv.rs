//! Streaming reader for the abuse.ch CSV dialect.
//!
//! abuse.ch dumps (ThreatFox, URLhaus, MalwareBazaar) share one shape: a `#`
//! banner, a commented header line (`# "a","b"` or `# a,b`), double-quoted
//! fields separated by `,` or `", "`, CRLF line endings and sometimes a
//! `# Number of entries: N` footer. A general CSV reader treats the space
//! before an opening quote as data, so this module splits records itself:
//! whitespace around separators is skipped, `""` inside a quoted field is a
//! literal quote. A record is one line: abuse.ch fields never hold line
//! breaks, and keeping records to one line means a stray quote can only
//! damage its own record.
//!
//! Memory is bounded by the longest record, not by the file length.

use std::io::BufRead;
use std::ops::Range;

/// Longest record (in bytes, after joining continuation lines) we accept.
pub(crate) const MAX_RECORD_BYTES: usize = 1 << 20;

/// One physical unit read from the input.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Item {
    /// A `#` line; the text after `#` with surrounding whitespace trimmed.
    Comment,
    /// A data record split into fields.
    Record,
    /// A record whose quoted field is still open at end of input.
    Truncated,
    /// A record whose quoted field is not closed on its line.
    OpenQuote,
    /// A record longer than [`MAX_RECORD_BYTES`].
    TooLong,
}

/// Reads physical lines, keeping at most [`MAX_RECORD_BYTES`] of each, so
/// memory stays bounded whatever the input.
pub(crate) struct LineReader<R> {
    reader: R,
    /// The current line, without its terminator.
    pub line: Vec<u8>,
    /// Line number (1-based) of the current line.
    pub line_no: u64,
    /// Whether the current line ended with `\n`.
    pub terminated: bool,
    /// Whether the current line was longer than the limit.
    pub too_long: bool,
    /// Full length of an overlong line.
    pub skipped: usize,
    /// For input cut out of a longer one at the start of an overlong line
    /// whose rest was skipped before: that line's full length and whether
    /// it ended with `\n`, taken when the input ends inside it.
    cut_overlong: Option<(usize, bool)>,
    /// Whether the input has reported its end: it is not read again, so
    /// that a terminal or a growing file is not asked twice.
    eof: bool,
}

impl<R: BufRead> LineReader<R> {
    pub(crate) fn new(reader: R) -> Self {
        LineReader {
            reader,
            line: Vec::with_capacity(512),
            line_no: 0,
            terminated: true,
            too_long: false,
            skipped: 0,
            cut_overlong: None,
            eof: false,
        }
    }

    /// Tells the reader that its input ends inside an overlong line that
    /// goes on for `len` bytes in all (ending with `\n` when
    /// `terminated`), so the line reads as it would in the whole input.
    pub(crate) fn cut_overlong(&mut self, len: usize, terminated: bool) {
        self.cut_overlong = Some((len, terminated));
    }

    /// The input, from the first byte not yet read.
    pub(crate) fn into_inner(self) -> R {
        self.reader
    }

    /// Whether the input has reported its end, and is not to be read again.
    pub(crate) fn ended(&self) -> bool {
        self.eof
    }

    /// Reads one physical line into `self.line` without its line terminator,
    /// keeping at most [`MAX_RECORD_BYTES`] of it (the rest of an overlong
    /// line is skipped, and `self.too_long` set). Returns `false` at end of
    /// input.
    pub(crate) fn read_line(&mut self) -> std::io::Result<bool> {
        self.line.clear();
        self.too_long = false;
        if self.eof {
            return Ok(false);
        }
        let limit = MAX_RECORD_BYTES + 1;
        let n = self.read_until_newline(limit)?;
        if n == 0 {
            return Ok(false);
        }
        self.line_no += 1;
        self.terminated = self.line.last() == Some(&b'\n');
        if !self.terminated && n == limit {
            self.too_long = true;
            self.skipped = n;
            // Drop the rest of the line without holding it.
            loop {
                let buf = match self.reader.fill_buf() {
                    Ok(buf) => buf,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                };
                if buf.is_empty() {
                    self.eof = true;
                    break;
                }
                match memchr::memchr(b'\n', buf) {
                    Some(i) => {
                        self.reader.consume(i + 1);
                        self.skipped += i + 1;
                        self.terminated = true;
                        break;
                    }
                    None => {
                        let len = buf.len();
                        self.reader.consume(len);
                        self.skipped += len;
                    }
                }
            }
            if !self.terminated {
                if let Some((len, terminated)) = self.cut_overlong.take() {
                    self.skipped = len;
                    self.terminated = terminated;
                }
            }
        }
        if self.terminated {
            self.line.pop();
            if self.line.last() == Some(&b'\r') {
                self.line.pop();
            }
        }
        Ok(true)
    }

    /// Appends input to `self.line` up to and including the next `\n`, at
    /// most `limit` bytes; returns the number appended. What
    /// `take(limit).read_until(b'\n', ..)` does, but with the vectorised
    /// `memchr` rather than the word-at-a-time search `read_until` uses,
    /// which showed up in profiles of long CSV files.
    fn read_until_newline(&mut self, limit: usize) -> std::io::Result<usize> {
        let mut n = 0;
        while n < limit {
            let buf = match self.reader.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                self.eof = true;
                break;
            }
            let buf = &buf[..buf.len().min(limit - n)];
            let (used, done) = match memchr::memchr(b'\n', buf) {
                Some(i) => (i + 1, true),
                None => (buf.len(), false),
            };
            self.line.extend_from_slice(&buf[..used]);
            self.reader.consume(used);
            n += used;
            if done {
                break;
            }
        }
        Ok(n)
    }
}

/// Streaming splitter; reuses its buffers between records.
pub(crate) struct Splitter<R> {
    lines: LineReader<R>,
    /// Text of the current comment.
    comment: Vec<u8>,
    is_comment: bool,
    /// Unescaped field bytes, for a record whose fields are not all as
    /// written in the line.
    out: Vec<u8>,
    /// Field ranges, into `out` or, when `in_place`, into the line.
    fields: Vec<Range<usize>>,
    in_place: bool,
    /// Line number where the current unit starts.
    start_line: u64,
}

impl<R: BufRead> Splitter<R> {
    pub(crate) fn new(reader: R) -> Self {
        Splitter {
            lines: LineReader::new(reader),
            comment: Vec::with_capacity(256),
            is_comment: false,
            out: Vec::with_capacity(512),
            fields: Vec::with_capacity(16),
            in_place: false,
            start_line: 0,
        }
    }

    /// Advances to the next comment or record, skipping blank lines.
    pub(crate) fn next_item(&mut self) -> std::io::Result<Option<Item>> {
        loop {
            if !self.lines.read_line()? {
                return Ok(None);
            }
            let trimmed = trim(&self.lines.line);
            if trimmed.is_empty() {
                continue;
            }
            self.start_line = self.lines.line_no;
            self.comment.clear();
            if trimmed[0] == b'#' {
                let text = trim(&trimmed[1..]);
                self.comment.extend_from_slice(text);
                self.is_comment = true;
                return Ok(Some(Item::Comment));
            }
            self.is_comment = false;
            if self.lines.too_long {
                self.out.clear();
                self.fields.clear();
                self.in_place = false;
                return Ok(Some(Item::TooLong));
            }
            self.in_place = split_in_place(&self.lines.line, &mut self.fields);
            if self.in_place {
                return Ok(Some(Item::Record));
            }
            return Ok(Some(
                match split(&self.lines.line, &mut self.out, &mut self.fields) {
                    Split::Done => Item::Record,
                    Split::OpenQuote if self.lines.terminated => Item::OpenQuote,
                    Split::OpenQuote => Item::Truncated,
                },
            ));
        }
    }

    /// Lines read so far.
    pub(crate) fn lines_read(&self) -> u64 {
        self.lines.line_no
    }

    /// The line reader underneath.
    pub(crate) fn lines_mut(&mut self) -> &mut LineReader<R> {
        &mut self.lines
    }

    /// The input, from the first byte not yet read.
    pub(crate) fn into_inner(self) -> R {
        self.lines.into_inner()
    }

    /// Length in bytes of the overlong line just skipped.
    pub(crate) fn skipped(&self) -> usize {
        self.lines.skipped
    }

    /// Whether the current unit's line ended with a line terminator; a
    /// record on an unterminated last line may have been cut short.
    pub(crate) fn terminated(&self) -> bool {
        self.lines.terminated
    }

    /// The raw text of the current unit (comment text or record line).
    pub(crate) fn raw(&self) -> &[u8] {
        if self.is_comment {
            &self.comment
        } else {
            &self.lines.line
        }
    }

    /// Line number where the current unit starts (1-based).
    pub(crate) fn line(&self) -> u64 {
        self.start_line
    }

    /// Number of fields in the current record.
    pub(crate) fn len(&self) -> usize {
        self.fields.len()
    }

    /// The bytes [`ranges`](Self::ranges) index: the record's line, or its
    /// unescaped fields.
    fn fields_bytes(&self) -> &[u8] {
        if self.in_place {
            &self.lines.line
        } else {
            &self.out
        }
    }

    /// The text that [`ranges`](Self::ranges) index, or `None` when a field
    /// is not valid UTF-8.
    ///
    /// Copied fields sit side by side, where a character cut in two by a
    /// separator would read as valid text, so each of them must also start
    /// and end on a character boundary. In the line, the quote or separator
    /// next to each field keeps such a cut invalid.
    pub(crate) fn fields_text(&self) -> Option<&str> {
        let text = std::str::from_utf8(self.fields_bytes()).ok()?;
        let whole =
            |r: &Range<usize>| text.is_char_boundary(r.start) && text.is_char_boundary(r.end);
        (self.in_place || self.fields.iter().all(whole)).then_some(text)
    }

    /// Byte ranges of the fields within [`fields_bytes`](Self::fields_bytes).
    pub(crate) fn ranges(&self) -> &[Range<usize>] {
        &self.fields
    }

    /// Field `i` of the current record as bytes.
    pub(crate) fn field(&self, i: usize) -> Option<&[u8]> {
        self.fields.get(i).map(|r| &self.fields_bytes()[r.clone()])
    }
}

enum Split {
    Done,
    OpenQuote,
}

fn is_space(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Trims ASCII spaces, tabs and carriage returns from both ends.
pub(crate) fn trim(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if is_space(*first) || *first == b'\r' {
            s = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., last] = s {
        if is_space(*last) || *last == b'\r' {
            s = rest;
        } else {
            break;
        }
    }
    s
}

/// Splits a record whose fields all stand unchanged in the line, the usual
/// case: ranges into the line itself, nothing copied. `false` when a quoted
/// field holds `""`, has text after its closing quote or is not closed;
/// [`split`] then reads the line (the ranges left here are meaningless).
///
/// Between the fields of such a line there are only ASCII separators,
/// spaces and quotes, so the line is valid UTF-8 exactly when every field
/// is.
fn split_in_place(line: &[u8], fields: &mut Vec<Range<usize>>) -> bool {
    fields.clear();
    let n = line.len();
    let mut i = 0;
    loop {
        while i < n && is_space(line[i]) {
            i += 1;
        }
        if i < n && line[i] == b'"' {
            let start = i + 1;
            let Some(p) = find_quote(&line[start..]) else {
                return false;
            };
            let end = start + p;
            i = end + 1;
            while i < n && is_space(line[i]) {
                i += 1;
            }
            if i < n && line[i] != b',' {
                return false;
            }
            fields.push(start..end);
        } else {
            let end = memchr::memchr(b',', &line[i..]).map_or(n, |p| i + p);
            // What `trim` keeps, as a range of the line.
            let text = &line[i..end];
            let lead = text
                .iter()
                .take_while(|&&b| is_space(b) || b == b'\r')
                .count();
            let start = i + lead;
            fields.push(start..start + trim(text).len());
            i = end;
        }
        if i >= n {
            return true;
        }
        // Skip the separator.
        i += 1;
    }
}

/// The position of the first `"`, eight bytes at a time. Fields are short,
/// and for a needle usually within a few words `memchr`'s set-up for wide
/// vectors costs more than the search.
fn find_quote(hay: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    const QUOTES: u64 = u64::from_ne_bytes([b'"'; 8]);
    let mut words = hay.chunks_exact(8);
    let mut at = 0;
    for word in &mut words {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(word);
        // A zero byte where a quote was; the lowest flagged byte is always
        // a real one (a borrow only flags bytes above a zero).
        let x = u64::from_le_bytes(bytes) ^ QUOTES;
        let found = x.wrapping_sub(ONES) & !x & HIGHS;
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    memchr::memchr(b'"', words.remainder()).map(|p| at + p)
}

/// Splits one record. Quoted fields keep their inner bytes (with `""`
/// unescaped); unquoted fields are trimmed. Bytes after a closing quote and
/// before the next separator are kept as part of the field, so a stray quote
/// never loses data.
fn split(line: &[u8], out: &mut Vec<u8>, fields: &mut Vec<Range<usize>>) -> Split {
    out.clear();
    fields.clear();
    let mut i = 0;
    let n = line.len();
    loop {
        while i < n && is_space(line[i]) {
            i += 1;
        }
        let start = out.len();
        if i < n && line[i] == b'"' {
            i += 1;
            loop {
                match memchr::memchr(b'"', &line[i..]) {
                    // Fields before this one stay available.
                    None => return Split::OpenQuote,
                    Some(p) => {
                        out.extend_from_slice(&line[i..i + p]);
                        i += p + 1;
                        if i < n && line[i] == b'"' {
                            out.push(b'"');
                            i += 1;
                        } else {
                            break;
                        }
                    }
                }
            }
            // Anything between the closing quote and the separator; almost
            // always nothing.
            if i < n && line[i] != b',' {
                let rest_end = line[i..]
                    .iter()
                    .position(|&b| b == b',')
                    .map_or(n, |p| i + p);
                out.extend_from_slice(trim(&line[i..rest_end]));
                i = rest_end;
            }
        } else {
            let end = line[i..]
                .iter()
                .position(|&b| b == b',')
                .map_or(n, |p| i + p);
            out.extend_from_slice(trim(&line[i..end]));
            i = end;
        }
        fields.push(start..out.len());
        if i >= n {
            return Split::Done;
        }
        // Skip the separator.
        i += 1;
    }
}

/// Splits a header text (`"a","b"` or `a,b`) into lower-case column names.
pub(crate) fn header_names(text: &[u8]) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut fields = Vec::new();
    match split(text, &mut out, &mut fields) {
        Split::Done => {}
        Split::OpenQuote => return None,
    }
    if fields.len() < 3 {
        return None;
    }
    let mut names = Vec::with_capacity(fields.len());
    for r in fields {
        let name = std::str::from_utf8(&out[r]).ok()?;
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return None;
        }
        names.push(name.to_ascii_lowercase());
    }
    Some(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(line: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut f = Vec::new();
        assert!(matches!(
            split(line.as_bytes(), &mut out, &mut f),
            Split::Done
        ));
        f.into_iter()
            .map(|r| String::from_utf8_lossy(&out[r]).into_owned())
            .collect()
    }

    /// Every line of pieces: where the in-place split answers, its fields
    /// are those of `split`.
    #[test]
    fn in_place_split_agrees_with_split() {
        let pieces = [
            "\"a\"",
            "\"\"",
            " ",
            ",",
            ", ",
            "\"x\"\"y\"",
            "\"q\" z",
            "plain",
            " \r",
            "\r",
            "\"",
            "\t",
            "\"é\"",
            "\"open",
        ];
        let mut lines = vec![String::new()];
        for _ in 0..4 {
            let mut longer = Vec::new();
            for l in &lines {
                for p in pieces {
                    longer.push(format!("{l}{p}"));
                }
            }
            lines.extend(longer);
        }
        let mut in_place = 0;
        for line in &lines {
            let mut ranges = Vec::new();
            if !split_in_place(line.as_bytes(), &mut ranges) {
                continue;
            }
            in_place += 1;
            let (mut out, mut f) = (Vec::new(), Vec::new());
            assert!(
                matches!(split(line.as_bytes(), &mut out, &mut f), Split::Done),
                "{line:?}"
            );
            let got: Vec<&[u8]> = ranges.iter().map(|r| &line.as_bytes()[r.clone()]).collect();
            let want: Vec<&[u8]> = f.iter().map(|r| &out[r.clone()]).collect();
            assert_eq!(got, want, "{line:?}");
        }
        assert!(in_place > lines.len() / 4, "{in_place} of {}", lines.len());
    }

    #[test]
    fn find_quote_is_memchr() {
        for len in 0..40 {
            for at in 0..=len {
                let mut hay = vec![b'a'; len];
                hay.extend_from_slice(&[0xA2, 0x22, 0x21, 0x23, 0x00, 0xFF]);
                if at < len {
                    hay[at] = b'"';
                }
                assert_eq!(find_quote(&hay), memchr::memchr(b'"', &hay), "{len} {at}");
                assert_eq!(find_quote(&hay[..len]), memchr::memchr(b'"', &hay[..len]));
            }
        }
    }

    #[test]
    fn splits_comma_space_quoted() {
        assert_eq!(
            fields(r#""2024-07-16 05:25:36", "1301610", "a,b", "", "x""y""#),
            vec!["2024-07-16 05:25:36", "1301610", "a,b", "", "x\"y"]
        );
    }

    #[test]
    fn splits_plain_and_unquoted() {
        assert_eq!(fields(r#""1","2","3""#), vec!["1", "2", "3"]);
        assert_eq!(fields("id, dateadded ,url"), vec!["id", "dateadded", "url"]);
        assert_eq!(fields(r#""a",,"c""#), vec!["a", "", "c"]);
    }

    #[test]
    fn header_names_both_styles() {
        assert_eq!(
            header_names(br#""first_seen_utc","ioc_id","ioc_value""#),
            Some(vec![
                "first_seen_utc".into(),
                "ioc_id".into(),
                "ioc_value".into()
            ])
        );
        assert_eq!(
            header_names(b"id,dateadded,url,url_status"),
            Some(vec![
                "id".into(),
                "dateadded".into(),
                "url".into(),
                "url_status".into()
            ])
        );
        assert_eq!(header_names(b"Number of entries: 1217668"), None);
        assert_eq!(header_names(b"Terms Of Use: https://x/faq/#tos"), None);
    }

    #[test]
    fn open_quote_and_truncation() -> std::io::Result<()> {
        let data = b"# h\r\n\r\n\"a\", \"b\n\"c\", \"d\"\r\n\"open";
        let mut s = Splitter::new(&data[..]);
        assert_eq!(s.next_item()?, Some(Item::Comment));
        assert_eq!(s.raw(), b"h");
        assert_eq!(s.next_item()?, Some(Item::OpenQuote));
        assert_eq!(s.line(), 3);
        assert_eq!(s.next_item()?, Some(Item::Record));
        assert_eq!(s.line(), 4);
        assert_eq!(s.field(1), Some(&b"d"[..]));
        assert!(s.terminated());
        assert_eq!(s.next_item()?, Some(Item::Truncated));
        assert_eq!(s.line(), 5);
        assert!(!s.terminated());
        assert_eq!(s.next_item()?, None);
        Ok(())
    }
}
