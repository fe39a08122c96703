//! Feed ingestion: ThreatFox API responses and exports, URLhaus and
//! MalwareBazaar CSV dumps, and plain indicator lists, with every record
//! accounted for.
//!
//! # Overview
//!
//! * [`ingest`] / [`ingest_path`]: read a whole feed into an [`Ingested`]
//!   summary: accepted indicators, rejected records with a typed
//!   [`RejectReason`], and duplicates [`Merged`] into an earlier record.
//!   `accepted + rejected + merged == records` always holds.
//! * [`FeedOptions`]: choose the format instead of detecting it, name the
//!   input for messages, or stop at the first bad record ([`strict`]).
//! * [`FeedReader`]: the streaming iterator underneath, one [`Record`] at a
//!   time. CSV and line formats run in memory bounded by the longest record,
//!   on worker threads if asked ([`threads`]).
//! * [`Format`]: the supported formats and content-based detection.
//!
//! [`strict`]: FeedOptions::strict
//! [`threads`]: FeedOptions::threads
//!
//! # Example
//!
//! ```
//! use iochunt::feed;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let json = r#"{"query_status":"ok","data":[
//!   {"id":"1","ioc":"104.168.5.18:8823","ioc_type":"ip:port","threat_type":"botnet_cc",
//!    "malware":"win.xworm","malware_printable":"XWorm","confidence_level":75,
//!    "first_seen":"2026-05-11 08:00:00 UTC","tags":["XWorm"]},
//!   {"id":"2","ioc":"104.168.5.18:8823","ioc_type":"ip:port","threat_type":"botnet_cc",
//!    "malware":"win.xworm","confidence_level":90,"first_seen":"2026-05-12 08:00:00 UTC"},
//!   {"id":"3","ioc":"x","ioc_type":"ja3_fingerprint"}]}"#;
//! let got = feed::ingest(json.as_bytes())?;
//! assert_eq!(got.format, feed::Format::ThreatFoxApi);
//! assert_eq!((got.records, got.accepted.len(), got.merged.len(), got.rejected.len()), (3, 1, 1, 1));
//! assert_eq!(got.accepted[0].ioc.to_string(), "104.168.5.18:8823");
//! assert_eq!(got.accepted[0].confidence.map(|c| c.get()), Some(90));
//! assert_eq!(got.rejected[0].reason.to_string(), r#"unknown ioc_type "ja3_fingerprint""#);
//! # Ok(())
//! # }
//! ```

mod build;
mod csv;
mod error;
mod json;
mod list;
mod parallel;
mod raw;

use std::borrow::Cow;
use std::fmt;
use std::hash::BuildHasher;
use std::io::{BufRead, BufReader, Chain, Cursor, Read};
use std::path::Path;

pub use error::{FeedError, Position, RejectReason, Rejected};

use crate::{Indicator, Ioc};
use raw::{ColumnMap, Columns, RawRecord};

/// The feed formats this module reads.
///
/// ```
/// use iochunt::feed::Format;
///
/// assert_eq!(Format::detect(b"{\"query_status\":\"ok\",\"data\":[]}"), Some(Format::ThreatFoxApi));
/// assert_eq!(Format::detect(b"# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter\n"), Some(Format::UrlhausCsv));
/// assert_eq!(Format::detect(b"evil[.]com\n"), Some(Format::List));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// ThreatFox API response `{query_status, data}` (or a bare array of
    /// API records).
    ThreatFoxApi,
    /// ThreatFox API records, one JSON object per line.
    ThreatFoxNdjson,
    /// ThreatFox JSON export: an object keyed by IOC id, each value an array
    /// of records.
    ThreatFoxJsonExport,
    /// ThreatFox CSV export (14- or 15-column layout, from its commented
    /// header line).
    ThreatFoxCsv,
    /// URLhaus CSV dump.
    UrlhausCsv,
    /// MalwareBazaar CSV dump (one SHA-256 indicator per row).
    MalwareBazaarCsv,
    /// One indicator per line, defanged or not, `#` comments.
    List,
}

const SNIFF_BYTES: usize = 16 * 1024;

impl Format {
    /// Detects the format from the first bytes of a feed; `None` when they
    /// are empty or look like CSV without a known header.
    #[must_use]
    pub fn detect(prefix: &[u8]) -> Option<Format> {
        let text = skip_bom(prefix);
        let start = text.iter().position(|b| !b.is_ascii_whitespace())?;
        let text = &text[start..];
        match text[0] {
            b'[' => return Some(Format::ThreatFoxApi),
            b'{' => return Some(detect_json(text)),
            _ => {}
        }
        let mut looks_csv = false;
        for line in text.split(|&b| b == b'\n') {
            let line = csv::trim(line);
            if let Some(comment) = line.strip_prefix(b"#") {
                if let Some(cols) = csv::header_names(csv::trim(comment))
                    .as_deref()
                    .and_then(Columns::from_header)
                {
                    return Some(cols.format());
                }
            } else if let Some(cols) = csv::header_names(line)
                .as_deref()
                .and_then(Columns::from_header)
            {
                // A header row that is not commented (a re-saved export).
                return Some(cols.format());
            } else if line.starts_with(b"\"") && line.windows(2).any(|w| w == b"\",") {
                looks_csv = true;
            }
        }
        (!looks_csv).then_some(Format::List)
    }

    /// The feed name recorded in each indicator's [`Source`](crate::Source).
    ///
    /// ```
    /// # use iochunt::feed::Format;
    /// assert_eq!(Format::ThreatFoxCsv.feed_name(), "threatfox");
    /// ```
    #[must_use]
    pub fn feed_name(self) -> &'static str {
        match self {
            Format::ThreatFoxApi
            | Format::ThreatFoxNdjson
            | Format::ThreatFoxJsonExport
            | Format::ThreatFoxCsv => "threatfox",
            Format::UrlhausCsv => "urlhaus",
            Format::MalwareBazaarCsv => "malwarebazaar",
            Format::List => "list",
        }
    }

    fn columns(self) -> Option<Columns> {
        match self {
            Format::ThreatFoxCsv => Some(Columns::ThreatFox),
            Format::UrlhausCsv => Some(Columns::Urlhaus),
            Format::MalwareBazaarCsv => Some(Columns::MalwareBazaar),
            _ => None,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::ThreatFoxApi => "threatfox api response",
            Format::ThreatFoxNdjson => "threatfox ndjson",
            Format::ThreatFoxJsonExport => "threatfox json export",
            Format::ThreatFoxCsv => "threatfox csv export",
            Format::UrlhausCsv => "urlhaus csv",
            Format::MalwareBazaarCsv => "malwarebazaar csv",
            Format::List => "indicator list",
        })
    }
}

impl Columns {
    fn format(self) -> Format {
        match self {
            Columns::ThreatFox => Format::ThreatFoxCsv,
            Columns::Urlhaus => Format::UrlhausCsv,
            Columns::MalwareBazaar => Format::MalwareBazaarCsv,
        }
    }
}

fn skip_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b)
}

fn detect_json(text: &[u8]) -> Format {
    if text.windows(14).any(|w| w == b"\"query_status\"") {
        return Format::ThreatFoxApi;
    }
    let first = text.split(|&b| b == b'\n').next().unwrap_or(text);
    let first = String::from_utf8_lossy(first);
    match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&first) {
        Ok(obj) if obj.contains_key("ioc") || obj.contains_key("ioc_value") => {
            Format::ThreatFoxNdjson
        }
        Ok(_) => Format::ThreatFoxJsonExport,
        // A first line that is not a whole object: a pretty-printed
        // document, or an API record cut short.
        Err(_) if first.contains("\"ioc\"") => Format::ThreatFoxNdjson,
        Err(_) => Format::ThreatFoxJsonExport,
    }
}

/// The most worker threads [`FeedOptions::threads`] starts: each holds two
/// chunks of up to 256 KiB of lines and their records, so this bounds the
/// reader's read-ahead at a few hundred megabytes.
///
/// ```
/// assert_eq!(iochunt::feed::MAX_THREADS, 64);
/// ```
pub const MAX_THREADS: usize = 64;

/// How to read a feed: a consuming builder ending in
/// [`reader`](FeedOptions::reader), [`ingest`](FeedOptions::ingest) or
/// [`ingest_path`](FeedOptions::ingest_path).
///
/// ```
/// use iochunt::feed::{FeedOptions, Format, RejectReason};
///
/// let list = "evil[.]com\nnot an indicator\n";
/// let err = FeedOptions::new().name("list.txt").strict(true).ingest(list.as_bytes()).unwrap_err();
/// let rejected = err.rejected().expect("a record error");
/// assert_eq!(rejected.position.line, Some(2));
/// assert!(matches!(rejected.reason, RejectReason::InvalidIoc(_)));
/// assert!(err.to_string().starts_with("list.txt: line 2, record 2: "));
///
/// let got = FeedOptions::new().format(Format::List).ingest(list.as_bytes())?;
/// assert_eq!((got.accepted.len(), got.rejected.len()), (1, 1));
/// # Ok::<(), iochunt::feed::FeedError>(())
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct FeedOptions {
    format: Option<Format>,
    strict: bool,
    name: Option<String>,
    feed: Option<String>,
    threads: usize,
}

impl FeedOptions {
    /// Detect the format, collect rejects, name the input `input`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads the input as `format` instead of detecting it.
    pub fn format(mut self, format: Format) -> Self {
        self.format = Some(format);
        self
    }

    /// Strict mode: stop at the first rejected record with
    /// [`FeedError::Rejected`], naming the input, line and record id.
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Reads CSV dumps, ndjson and lists with `threads` worker threads
    /// beside the calling one (default 0 or 1: no thread is started). The
    /// workers split, check and parse chunks of lines; the calling thread
    /// reads the input, builds the indicators and hands out the records in
    /// file order, numbered, rejected and merged exactly as on one thread.
    /// An input error comes after the records of every whole line before
    /// it, as on one thread. JSON documents are parsed whole, on the
    /// calling thread.
    ///
    /// The reader reads ahead: each worker holds at most two chunks, of
    /// about 256 KiB or 2,048 lines, whichever ends first, and their
    /// records. Memory stays bounded by that, whatever the input's length,
    /// but records come out only once a chunk is full: for a live stream
    /// that pauses (a pipe fed as events happen) use one thread.
    ///
    /// Worth it for large files on a machine with cores to spare
    /// (`std::thread::available_parallelism`); for a few thousand records
    /// starting the threads costs more than it saves. At most
    /// [`MAX_THREADS`] workers are started: a larger number (a mistyped
    /// command-line option, say) is taken as that, so that it cannot make
    /// the reader hold gigabytes of read-ahead or run out of threads.
    ///
    /// ```
    /// use iochunt::feed::{FeedOptions, MAX_THREADS};
    ///
    /// let list: String = (0..5000).map(|i| format!("c2-{i}[.]example[.]com\n")).collect();
    /// let one = FeedOptions::new().ingest(list.as_bytes())?;
    /// let four = FeedOptions::new().threads(4).ingest(list.as_bytes())?;
    /// assert_eq!(four, one);
    /// assert_eq!(four.accepted.len(), 5000);
    /// assert_eq!(FeedOptions::new().threads(usize::MAX).ingest(list.as_bytes())?, one);
    /// assert_eq!(MAX_THREADS, 64);
    /// # Ok::<(), iochunt::feed::FeedError>(())
    /// ```
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads.min(MAX_THREADS);
        self
    }

    /// The input's name in errors (a path is used by `ingest_path`).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The feed name recorded in [`Source`](crate::Source) (default:
    /// [`Format::feed_name`]).
    pub fn feed_name(mut self, feed: impl Into<String>) -> Self {
        self.feed = Some(feed.into());
        self
    }

    /// Opens a streaming reader.
    ///
    /// # Errors
    ///
    /// [`FeedError::Empty`] for empty input, [`FeedError::UnknownFormat`]
    /// when detection fails, [`FeedError::Api`] for a failed API query, and
    /// [`FeedError::Io`].
    pub fn reader<R: Read>(&self, reader: R) -> Result<FeedReader<R>, FeedError> {
        FeedReader::new(self, reader)
    }

    /// Reads a whole feed, merging records with the same indicator.
    ///
    /// # Errors
    ///
    /// As [`reader`](Self::reader), plus [`FeedError::Rejected`] in strict
    /// mode and [`FeedError::Io`] while reading.
    pub fn ingest<R: Read>(&self, reader: R) -> Result<Ingested, FeedError> {
        let mut feed = self.reader(reader)?;
        let mut out = Ingested::new(feed.format());
        let mut index = Index::default();
        for record in &mut feed {
            out.push(record?, &mut index);
        }
        Ok(out)
    }

    /// Reads a whole feed from a file; see [`ingest`](Self::ingest).
    ///
    /// # Errors
    ///
    /// As [`ingest`](Self::ingest); the file's path names the input.
    pub fn ingest_path(&self, path: impl AsRef<Path>) -> Result<Ingested, FeedError> {
        let path = path.as_ref();
        let name = self
            .name
            .clone()
            .unwrap_or_else(|| path.display().to_string());
        let file = std::fs::File::open(path).map_err(|source| FeedError::Io {
            name: name.clone(),
            source,
        })?;
        self.clone().name(name).ingest(file)
    }
}

/// Reads a whole feed with default options (format detected, rejects
/// collected); see [`FeedOptions::ingest`].
///
/// # Errors
///
/// See [`FeedOptions::ingest`].
pub fn ingest<R: Read>(reader: R) -> Result<Ingested, FeedError> {
    FeedOptions::new().ingest(reader)
}

/// Reads a whole feed file with default options; see
/// [`FeedOptions::ingest_path`].
///
/// # Errors
///
/// See [`FeedOptions::ingest_path`].
pub fn ingest_path(path: impl AsRef<Path>) -> Result<Ingested, FeedError> {
    FeedOptions::new().ingest_path(path)
}

/// One record read from a feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// The record became an indicator.
    Accepted {
        /// Where the record is.
        position: Position,
        /// The indicator, with its source and record id.
        indicator: Box<Indicator>,
    },
    /// The record was rejected.
    Rejected(Rejected),
}

/// A record whose indicator had already been read; its metadata was merged
/// into the earlier one with [`Indicator::merge`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    /// Where the record is.
    pub position: Position,
    /// The feed's id for the record.
    pub record_id: Option<String>,
    /// The indicator it was merged into.
    pub into: Ioc,
}

/// A whole feed, read: `accepted.len() + rejected.len() + merged.len() ==
/// records`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ingested {
    /// The format read.
    pub format: Format,
    /// Records read.
    pub records: u64,
    /// One indicator per distinct IOC, in first-seen order.
    pub accepted: Vec<Indicator>,
    /// Records that did not become indicators.
    pub rejected: Vec<Rejected>,
    /// Records merged into an earlier indicator.
    pub merged: Vec<Merged>,
}

/// Where each distinct IOC read so far sits in [`Ingested::accepted`]: a
/// table of positions alone, hashed from the indicators themselves, so the
/// index holds no copy of any IOC. The hasher is foldhash, seeded per
/// process: much faster than SipHash, and only minimally resistant to IOCs
/// chosen to collide, which could slow a reading down but never merge two
/// different IOCs, as equality decides.
#[derive(Default)]
struct Index {
    table: hashbrown::HashTable<usize>,
    hasher: hashbrown::DefaultHashBuilder,
}

impl Ingested {
    fn new(format: Format) -> Self {
        Ingested {
            format,
            records: 0,
            accepted: Vec::new(),
            rejected: Vec::new(),
            merged: Vec::new(),
        }
    }

    fn push(&mut self, record: Record, index: &mut Index) {
        self.records += 1;
        let (position, indicator) = match record {
            Record::Rejected(r) => return self.rejected.push(r),
            Record::Accepted {
                position,
                indicator,
            } => (position, indicator),
        };
        let hash = index.hasher.hash_one(&indicator.ioc);
        let accepted = &mut self.accepted;
        match index
            .table
            .find(hash, |&i| accepted[i].ioc == indicator.ioc)
        {
            Some(&i) => {
                let record_id = indicator.sources.iter().find_map(|s| s.record_id.clone());
                let into = indicator.ioc.clone();
                // Same IOC by construction of the index, so merge cannot
                // fail.
                if accepted[i].merge(*indicator).is_ok() {
                    self.merged.push(Merged {
                        position,
                        record_id,
                        into,
                    });
                }
            }
            None => {
                let hasher = &index.hasher;
                index
                    .table
                    .insert_unique(hash, accepted.len(), |&i| hasher.hash_one(&accepted[i].ioc));
                accepted.push(*indicator);
            }
        }
    }

    /// Whether every record read is accounted for exactly once.
    ///
    /// ```
    /// # fn main() -> Result<(), iochunt::feed::FeedError> {
    /// let got = iochunt::feed::ingest("evil.com\nevil.com\n???\n".as_bytes())?;
    /// assert!(got.is_balanced());
    /// assert_eq!((got.accepted.len(), got.merged.len(), got.rejected.len()), (1, 1, 1));
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn is_balanced(&self) -> bool {
        (self.accepted.len() + self.rejected.len() + self.merged.len()) as u64 == self.records
    }
}

/// The sniffed prefix, then the rest of the input: none of it when the
/// prefix already met the end, which is not asked for twice.
type Input<R> = BufReader<Chain<Cursor<Vec<u8>>, std::io::Take<R>>>;

/// A record's position with its raw fields or its rejection.
type RawItem<'a> = (Position, Result<RawRecord<'a>, Rejected>);

// One value per reader, so the size difference between variants is moot.
#[allow(clippy::large_enum_variant)]
enum Inner<B> {
    Csv {
        split: csv::Splitter<B>,
        columns: Columns,
        map: Option<ColumnMap>,
    },
    Json(json::JsonDoc),
    Lines {
        lines: csv::LineReader<B>,
        ndjson: bool,
    },
    /// Input handed on to worker threads.
    Spent,
}

/// Streaming reader over one feed: an iterator of [`Record`]s.
///
/// ```
/// use iochunt::feed::{FeedOptions, Record};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let csv = concat!(
///     "# \"first_seen_utc\",\"ioc_id\",\"ioc_value\",\"ioc_type\",\"threat_type\",\"fk_malware\",",
///     "\"malware_alias\",\"malware_printable\",\"last_seen_utc\",\"confidence_level\",",
///     "\"is_compromised\",\"reference\",\"tags\",\"anonymous\",\"reporter\"\r\n",
///     "\"2026-05-10 09:00:00\", \"17\", \"aliexpress.us.com\", \"domain\", \"botnet_cc\", ",
///     "\"win.xworm\", \"None\", \"XWorm\", \"\", \"75\", \"False\", \"None\", \"XWorm\", \"0\", \"abuse_ch\"\r\n",
/// );
/// let mut reader = FeedOptions::new().reader(csv.as_bytes())?;
/// let Some(Record::Accepted { position, indicator }) = reader.next().transpose()? else {
///     return Err("expected an indicator".into());
/// };
/// assert_eq!(position.line, Some(2));
/// assert_eq!(indicator.ioc.to_string(), "aliexpress.us.com");
/// let source = indicator.sources.iter().next().map(|s| s.to_string());
/// assert_eq!(source.as_deref(), Some("threatfox#17"));
/// assert!(reader.next().is_none());
/// # Ok(())
/// # }
/// ```
pub struct FeedReader<R> {
    name: String,
    shared: build::Shared,
    strict: bool,
    format: Format,
    inner: Inner<Input<R>>,
    /// Worker threads wanted, and the pool once started.
    threads: usize,
    pool: Option<parallel::Pool<Input<R>>>,
    records: u64,
    done: bool,
}

impl<R> fmt::Debug for FeedReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FeedReader")
            .field("name", &self.name)
            .field("format", &self.format)
            .field("records", &self.records)
            .finish_non_exhaustive()
    }
}

impl<R: Read> FeedReader<R> {
    fn new(opts: &FeedOptions, mut reader: R) -> Result<Self, FeedError> {
        let name = opts.name.clone().unwrap_or_else(|| "input".to_owned());
        let io = |source| FeedError::Io {
            name: name.clone(),
            source,
        };
        let mut prefix = Vec::with_capacity(SNIFF_BYTES);
        (&mut reader)
            .take(SNIFF_BYTES as u64)
            .read_to_end(&mut prefix)
            .map_err(io)?;
        let rest = if prefix.len() < SNIFF_BYTES {
            0
        } else {
            u64::MAX
        };
        if skip_bom(&prefix).iter().all(u8::is_ascii_whitespace) {
            return Err(FeedError::Empty { name });
        }
        let format = match opts.format.or_else(|| Format::detect(&prefix)) {
            Some(f) => f,
            None => {
                return Err(FeedError::UnknownFormat {
                    start: json::preview(&String::from_utf8_lossy(&prefix[..prefix.len().min(60)])),
                    name,
                });
            }
        };
        let bom = if prefix.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        prefix.drain(..bom);
        let input = Cursor::new(prefix).chain(reader.take(rest));
        let mut input = BufReader::with_capacity(64 * 1024, input);
        let mut format = format;
        let inner = match format {
            Format::ThreatFoxApi | Format::ThreatFoxJsonExport => {
                let mut bytes = Vec::new();
                input.read_to_end(&mut bytes).map_err(io)?;
                let (text, lossy) = match String::from_utf8(bytes) {
                    Ok(t) => (t, false),
                    Err(e) => (String::from_utf8_lossy(e.as_bytes()).into_owned(), true),
                };
                let doc = json::JsonDoc::parse(text, lossy);
                if let Some(status) = &doc.status {
                    if status != "ok" && status != "no_result" {
                        return Err(FeedError::Api {
                            name,
                            status: status.clone(),
                        });
                    }
                }
                format = if doc.envelope {
                    Format::ThreatFoxApi
                } else {
                    Format::ThreatFoxJsonExport
                };
                Inner::Json(doc)
            }
            Format::ThreatFoxNdjson | Format::List => Inner::Lines {
                lines: csv::LineReader::new(input),
                ndjson: format == Format::ThreatFoxNdjson,
            },
            Format::ThreatFoxCsv | Format::UrlhausCsv | Format::MalwareBazaarCsv => {
                let columns = format.columns().unwrap_or(Columns::ThreatFox);
                Inner::Csv {
                    split: csv::Splitter::new(input),
                    columns,
                    map: None,
                }
            }
        };
        Ok(FeedReader {
            shared: build::Shared::new(opts.feed.as_deref().unwrap_or(format.feed_name())),
            name,
            strict: opts.strict,
            format,
            inner,
            threads: opts.threads,
            pool: None,
            records: 0,
            done: false,
        })
    }

    /// The format being read.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Records read so far.
    pub fn records_read(&self) -> u64 {
        self.records
    }

    /// Hands the rest of the input to worker threads once nothing in it
    /// depends on what came before: at once for line formats, once the
    /// header is known for CSV.
    fn start_pool(&mut self) {
        let mode = match &self.inner {
            Inner::Csv {
                columns,
                map: Some(map),
                ..
            } => parallel::Mode::Csv {
                columns: *columns,
                map: Box::new(map.clone()),
            },
            Inner::Lines { ndjson, .. } => parallel::Mode::Lines { ndjson: *ndjson },
            _ => return,
        };
        let Some(workers) = parallel::spawn(self.threads, &mode) else {
            // No thread to be had: read on this one.
            self.threads = 1;
            return;
        };
        // The workers go on where this thread stopped, and not past an end
        // the input has already reported.
        let (input, lines, ended) = match std::mem::replace(&mut self.inner, Inner::Spent) {
            Inner::Csv { mut split, .. } => {
                let lines = split.lines_read();
                let ended = split.lines_mut().ended();
                (split.into_inner(), lines, ended)
            }
            Inner::Lines { lines, .. } => {
                let (line_no, ended) = (lines.line_no, lines.ended());
                (lines.into_inner(), line_no, ended)
            }
            other => {
                self.inner = other;
                return;
            }
        };
        self.pool = Some(parallel::Pool::new(
            workers,
            input,
            lines,
            self.records,
            ended,
        ));
    }
}

impl<B: BufRead> Inner<B> {
    /// Lines read so far.
    fn lines_read(&self) -> u64 {
        match self {
            Inner::Csv { split, .. } => split.lines_read(),
            Inner::Lines { lines, .. } => lines.line_no,
            Inner::Json(_) | Inner::Spent => 0,
        }
    }

    /// Reads record number `record` as raw fields, or its rejection.
    fn next_raw(&mut self, record: u64) -> Result<Option<RawItem<'_>>, std::io::Error> {
        let reject = |line: Option<u64>, id: Option<String>, raw: String, reason| Rejected {
            position: Position { record, line },
            record_id: id,
            raw,
            reason,
        };
        match self {
            Inner::Spent => Ok(None),
            Inner::Json(doc) => {
                if let Some((line, res)) = doc.next_record() {
                    let pos = Position {
                        record,
                        line: Some(line),
                    };
                    return Ok(Some((
                        pos,
                        res.map_err(|(id, raw, reason)| reject(Some(line), id, raw, reason)),
                    )));
                }
                Ok(doc.tail.take().map(|t| {
                    let pos = Position {
                        record,
                        line: Some(t.line),
                    };
                    (pos, Err(reject(Some(t.line), t.id, t.raw, t.reason)))
                }))
            }
            Inner::Lines { lines, ndjson } => loop {
                if !lines.read_line()? {
                    return Ok(None);
                }
                let line = &lines.line_no;
                let buf = &lines.line;
                let pos = Position {
                    record,
                    line: Some(*line),
                };
                if lines.too_long {
                    let raw = json::preview(&String::from_utf8_lossy(buf));
                    let reason = RejectReason::TooLong(lines.skipped);
                    return Ok(Some((pos, Err(reject(Some(*line), None, raw, reason)))));
                }
                let text = match std::str::from_utf8(buf) {
                    Ok(t) => t,
                    Err(_) => {
                        let lossy = String::from_utf8_lossy(buf);
                        if csv::trim(buf).is_empty() || (!*ndjson && list::value(&lossy).is_none())
                        {
                            continue;
                        }
                        let (id, raw) = if *ndjson {
                            json::loose_fields(lossy.trim())
                        } else {
                            (None, json::preview(&lossy))
                        };
                        return Ok(Some((
                            pos,
                            Err(reject(Some(*line), id, raw, RejectReason::InvalidUtf8)),
                        )));
                    }
                };
                if *ndjson {
                    if text.trim().is_empty() {
                        continue;
                    }
                    let res = json::decode_line(text.trim())
                        .map_err(|(id, raw, reason)| reject(Some(*line), id, raw, reason));
                    return Ok(Some((pos, res)));
                }
                let Some(value) = list::value(text) else {
                    continue;
                };
                // Owned: a borrow of the line buffer cannot leave this loop.
                let raw = RawRecord {
                    value: Cow::Owned(list::refang(value).into_owned()),
                    ..RawRecord::default()
                };
                return Ok(Some((pos, Ok(raw))));
            },
            Inner::Csv {
                split,
                columns,
                map,
            } => loop {
                let Some(item) = split.next_item()? else {
                    return Ok(None);
                };
                let line = Some(split.line());
                let pos = Position { record, line };
                let lossy = || json::preview(&String::from_utf8_lossy(split.raw()));
                match item {
                    csv::Item::Comment => {
                        if map.is_none() {
                            if let Some(names) = csv::header_names(split.raw()) {
                                if Columns::from_header(&names) == Some(*columns) {
                                    *map = Some(ColumnMap::new(*columns, &names));
                                }
                            }
                        }
                        continue;
                    }
                    csv::Item::Truncated | csv::Item::OpenQuote | csv::Item::TooLong => {
                        // Complete fields before the damage still name the record.
                        let id_column = match map {
                            Some(map) => map.id_column(),
                            None => ColumnMap::new(*columns, columns.default_header()).id_column(),
                        };
                        let id = id_column
                            .and_then(|i| split.field(i))
                            .and_then(|v| std::str::from_utf8(v).ok())
                            .filter(|v| !v.is_empty())
                            .map(str::to_owned);
                        let reason = match item {
                            csv::Item::Truncated => RejectReason::Truncated,
                            csv::Item::OpenQuote => {
                                RejectReason::Malformed("unclosed quote".to_owned())
                            }
                            _ => RejectReason::TooLong(split.skipped()),
                        };
                        return Ok(Some((pos, Err(reject(line, id, lossy(), reason)))));
                    }
                    csv::Item::Record => {}
                }
                // A header row that is not commented (a re-saved export).
                if map.is_none() {
                    if let Some(names) = csv::header_names(split.raw()) {
                        if Columns::from_header(&names) == Some(*columns) {
                            *map = Some(ColumnMap::new(*columns, &names));
                            continue;
                        }
                    }
                }
                let map =
                    map.get_or_insert_with(|| ColumnMap::new(*columns, columns.default_header()));
                let value = || {
                    map.value_column()
                        .and_then(|i| split.field(i))
                        .map(|v| String::from_utf8_lossy(v).into_owned())
                        .unwrap_or_else(lossy)
                };
                let ranges = split.ranges();
                let Some(text) = split.fields_text() else {
                    let id = map
                        .id_column()
                        .and_then(|i| split.field(i))
                        .and_then(|v| std::str::from_utf8(v).ok())
                        .map(str::to_owned);
                    return Ok(Some((
                        pos,
                        Err(reject(line, id, value(), RejectReason::InvalidUtf8)),
                    )));
                };
                let field = |i: usize| -> Option<&str> { text.get(ranges.get(i)?.clone()) };
                if split.len() != map.width {
                    let id = map.id_column().and_then(field).map(str::to_owned);
                    let reason = if split.len() < map.width && !split.terminated() {
                        RejectReason::Truncated
                    } else {
                        RejectReason::FieldCount {
                            expected: map.width,
                            found: split.len(),
                        }
                    };
                    return Ok(Some((pos, Err(reject(line, id, value(), reason)))));
                }
                return Ok(Some((pos, Ok(map.record(field)))));
            },
        }
    }
}

/// The record a raw record makes.
fn finish(
    position: Position,
    raw: Result<RawRecord<'_>, Rejected>,
    shared: &mut build::Shared,
) -> Record {
    match raw {
        Err(rejected) => Record::Rejected(rejected),
        Ok(raw) => match build::indicator(raw, shared) {
            Ok(indicator) => Record::Accepted {
                position,
                indicator,
            },
            Err((reason, record_id, raw)) => Record::Rejected(Rejected {
                position,
                record_id,
                raw,
                reason,
            }),
        },
    }
}

impl<R: Read> Iterator for FeedReader<R> {
    type Item = Result<Record, FeedError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        if self.threads > 1 && self.pool.is_none() {
            self.start_pool();
        }
        let next = match &mut self.pool {
            Some(pool) => pool.next(&mut self.shared).transpose(),
            None => match self.inner.next_raw(self.records + 1) {
                Ok(Some((position, raw))) => Ok(Some(finish(position, raw, &mut self.shared))),
                Ok(None) => Ok(None),
                Err(source) => Err(source),
            },
        };
        let record = match next {
            Ok(Some(record)) => record,
            Ok(None) => {
                self.stop();
                return None;
            }
            Err(source) => {
                self.stop();
                return Some(Err(FeedError::Io {
                    name: self.name.clone(),
                    source,
                }));
            }
        };
        self.records += 1;
        match record {
            Record::Rejected(rejected) if self.strict => {
                self.stop();
                Some(Err(FeedError::Rejected {
                    name: self.name.clone(),
                    rejected: Box::new(rejected),
                }))
            }
            record => Some(Ok(record)),
        }
    }
}

impl<R> FeedReader<R> {
    /// Ends the reading, and the worker threads with it.
    fn stop(&mut self) {
        self.done = true;
        self.pool = None;
    }
}
