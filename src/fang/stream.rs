//! Streaming forms over `io::BufRead`, with memory bounded by the chunk size.

use std::io::{self, BufRead, Write};
use std::ops::Range;

use super::defang::{DefangStyle, defang_with};
use super::extract::LineScanner;
use super::refang::refang;
use crate::{Ioc, IocKind};

/// Longest piece of input held in memory at once. A line longer than this is
/// cut at its last white space before the limit (or, without any, at the last
/// character boundary), so memory stays bounded on any input.
pub const MAX_CHUNK: usize = 1 << 20;

/// Reads whole lines (or bounded pieces of a long line) as text.
struct Chunks<R> {
    reader: R,
    buf: Vec<u8>,
    carry: Vec<u8>,
    limit: usize,
}

impl<R: BufRead> Chunks<R> {
    fn new(reader: R, limit: usize) -> Self {
        Chunks {
            reader,
            buf: Vec::new(),
            carry: Vec::new(),
            limit: limit.max(16),
        }
    }

    /// The next chunk, or `None` at the end of input. Invalid UTF-8 is
    /// replaced with U+FFFD.
    fn next_chunk(&mut self) -> io::Result<Option<String>> {
        self.buf.clear();
        self.buf.append(&mut self.carry);
        let room = self.limit.saturating_sub(self.buf.len()) as u64;
        let n = io::Read::take(&mut self.reader, room).read_until(b'\n', &mut self.buf)?;
        if self.buf.is_empty() {
            return Ok(None);
        }
        if n as u64 == room && self.buf.last() != Some(&b'\n') {
            // a long line: keep the last word for the next chunk
            let cut = self
                .buf
                .iter()
                .rposition(u8::is_ascii_whitespace)
                .map(|k| k + 1)
                .filter(|&k| k > 0 && k < self.buf.len())
                .unwrap_or_else(|| char_boundary(&self.buf));
            self.carry = self.buf.split_off(cut);
        }
        Ok(Some(
            match String::from_utf8(std::mem::take(&mut self.buf)) {
                Ok(s) => s,
                Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
            },
        ))
    }
}

/// The last UTF-8 character boundary of `b` (never 0 for a non-empty buffer).
fn char_boundary(b: &[u8]) -> usize {
    let mut k = b.len();
    while k > 1 && (b[k - 1] & 0xC0) == 0x80 {
        k -= 1;
    }
    if k > 1 && b[k - 1] >= 0xC0 {
        k - 1
    } else {
        b.len()
    }
}

/// Refangs a stream line by line; returns the number of bytes written.
///
/// Memory stays bounded by [`MAX_CHUNK`] whatever the input. Invalid UTF-8 is
/// written as U+FFFD.
///
/// # Errors
///
/// Any error of the reader or the writer.
///
/// ```
/// use iochunt::fang::refang_stream;
///
/// # fn main() -> std::io::Result<()> {
/// let mut out = Vec::new();
/// refang_stream("a hxxp://evil[.]com/x\nb 192.0.2[.]1\n".as_bytes(), &mut out)?;
/// assert_eq!(out, b"a http://evil.com/x\nb 192.0.2.1\n");
/// # Ok(())
/// # }
/// ```
pub fn refang_stream<R: BufRead, W: Write>(reader: R, mut writer: W) -> io::Result<u64> {
    let mut chunks = Chunks::new(reader, MAX_CHUNK);
    let mut written = 0u64;
    while let Some(chunk) = chunks.next_chunk()? {
        let out = refang(&chunk);
        writer.write_all(out.as_bytes())?;
        written += out.len() as u64;
    }
    writer.flush()?;
    Ok(written)
}

/// Defangs a stream line by line in `style`; returns the number of bytes written.
///
/// Memory stays bounded by [`MAX_CHUNK`]; invalid UTF-8 is written as U+FFFD.
///
/// # Errors
///
/// Any error of the reader or the writer.
///
/// ```
/// use iochunt::fang::{DefangStyle, defang_stream};
///
/// # fn main() -> std::io::Result<()> {
/// let mut out = Vec::new();
/// defang_stream("C2 https://evil.com/x\n".as_bytes(), &mut out, &DefangStyle::new())?;
/// assert_eq!(out, b"C2 hxxps://evil[.]com/x\n");
/// # Ok(())
/// # }
/// ```
pub fn defang_stream<R: BufRead, W: Write>(
    reader: R,
    mut writer: W,
    style: &DefangStyle,
) -> io::Result<u64> {
    let mut chunks = Chunks::new(reader, MAX_CHUNK);
    let mut written = 0u64;
    while let Some(chunk) = chunks.next_chunk()? {
        let out = defang_with(&chunk, style);
        writer.write_all(out.as_bytes())?;
        written += out.len() as u64;
    }
    writer.flush()?;
    Ok(written)
}

/// One indicator found by [`extract_reader`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamMatch {
    span: Range<u64>,
    live: String,
    ioc: Ioc,
    defanged: bool,
}

impl StreamMatch {
    /// The byte range in the stream (after U+FFFD replacement of invalid UTF-8).
    #[must_use]
    pub fn span(&self) -> Range<u64> {
        self.span.clone()
    }

    /// The indicator refanged but otherwise as written; see [`Match::live`](super::Match::live).
    #[must_use]
    pub fn live(&self) -> &str {
        &self.live
    }

    /// The kind of the indicator.
    #[must_use]
    pub fn kind(&self) -> IocKind {
        self.ioc.kind()
    }

    /// The parsed indicator.
    #[must_use]
    pub fn ioc(&self) -> &Ioc {
        &self.ioc
    }

    /// The parsed indicator, by value.
    #[must_use]
    pub fn into_ioc(self) -> Ioc {
        self.ioc
    }

    /// Whether the indicator was written defanged.
    #[must_use]
    pub fn is_defanged(&self) -> bool {
        self.defanged
    }
}

/// Iterator over the indicators of a stream; see [`extract_reader`].
pub struct ExtractReader<R> {
    chunks: Chunks<R>,
    offset: u64,
    scanner: LineScanner,
    ready: std::collections::VecDeque<StreamMatch>,
    failed: bool,
}

impl<R> std::fmt::Debug for ExtractReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExtractReader")
            .field("offset", &self.offset)
            .finish_non_exhaustive()
    }
}

/// Extracts indicators from a stream, holding at most one bounded chunk.
///
/// ```
/// use iochunt::fang::extract_reader;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let text = "line one\nC2 at 192.0.2[.]10:443\n";
/// let found: Vec<_> = extract_reader(text.as_bytes()).collect::<Result<_, _>>()?;
/// assert_eq!(found.len(), 1);
/// assert_eq!(found[0].ioc().to_string(), "192.0.2.10:443");
/// assert_eq!(found[0].span(), 15..31);
/// # Ok(())
/// # }
/// ```
pub fn extract_reader<R: BufRead>(reader: R) -> ExtractReader<R> {
    ExtractReader {
        chunks: Chunks::new(reader, MAX_CHUNK),
        offset: 0,
        scanner: LineScanner::default(),
        ready: std::collections::VecDeque::new(),
        failed: false,
    }
}

impl<R: BufRead> Iterator for ExtractReader<R> {
    type Item = io::Result<StreamMatch>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(m) = self.ready.pop_front() {
                return Some(Ok(m));
            }
            if self.failed {
                return None;
            }
            let chunk = match self.chunks.next_chunk() {
                Ok(Some(c)) => c,
                Ok(None) => return None,
                Err(e) => {
                    self.failed = true;
                    return Some(Err(e));
                }
            };
            let base = self.offset;
            self.offset += chunk.len() as u64;
            let ready = &mut self.ready;
            for line in chunk.split_inclusive('\n') {
                let line_base = base + (line.as_ptr() as usize - chunk.as_ptr() as usize) as u64;
                self.scanner.scan(line, |r, live, ioc, defanged| {
                    ready.push_back(StreamMatch {
                        live: live.to_string(),
                        span: line_base + r.start as u64..line_base + r.end as u64,
                        ioc,
                        defanged,
                    });
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_cut_between_words() -> io::Result<()> {
        let line = "word evil[.]com ".repeat(10);
        let mut chunks = Chunks::new(line.as_bytes(), 40);
        let mut pieces = Vec::new();
        while let Some(c) = chunks.next_chunk()? {
            assert!(c.len() <= 40, "{c:?}");
            pieces.push(c);
        }
        assert_eq!(pieces.concat(), line);
        assert!(pieces.iter().all(|p| p.ends_with(' ')), "{pieces:?}");
        Ok(())
    }

    #[test]
    fn a_line_without_spaces_is_cut_at_a_char_boundary() -> io::Result<()> {
        let line = "é".repeat(30);
        let mut chunks = Chunks::new(line.as_bytes(), 17);
        let mut all = String::new();
        while let Some(c) = chunks.next_chunk()? {
            assert!(c.len() <= 17);
            assert!(!c.contains('\u{FFFD}'));
            all.push_str(&c);
        }
        assert_eq!(all, line);
        Ok(())
    }
}
