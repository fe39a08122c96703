//! Line formats (CSV dumps, ndjson, lists) read on several threads.
//!
//! The reading thread cuts the input into chunks of whole lines and hands
//! them round-robin to worker threads, which read each chunk with the very
//! code the one-thread reader runs, up to [`build::check`]: splitting,
//! checking and parsing. The reading thread takes the results back in the
//! same round-robin order, so records come out in file order, renumbers
//! them from their chunk's first line and record, and does the rest,
//! [`build::assemble`], itself: that part allocates most and parses
//! nothing, and memory allocated on the thread that frees it (the caller's)
//! is much cheaper than memory handed across. Each worker holds at most
//! [`PER_WORKER`] chunks, so memory is bounded by the chunk size and the
//! thread count, not by the input.
//!
//! A chunk ends at a line break, which is exact for these formats: the CSV
//! reader keeps every record to one line. An overlong line is cut where the
//! one-thread reader stops keeping it, its rest skipped here, and its full
//! length handed on with the chunk (see [`LineReader::cut_overlong`]).

use std::borrow::Cow;
use std::io::{self, BufRead, Cursor, Read};
use std::ops::Range;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Mutex, PoisonError};
use std::thread::JoinHandle;

use super::build::{self, Parts, Shared};
use super::csv::{LineReader, MAX_RECORD_BYTES, Splitter};
use super::raw::{ColumnMap, Columns, RawRecord};
use super::{Inner, Position, Record, Rejected};

/// Bytes a chunk holds before it ends at the next line break: some
/// hundreds of records, so that handing a chunk over costs little beside
/// reading it.
const CHUNK_BYTES: usize = 256 * 1024;

/// Lines a chunk holds at most: a chunk of short lines makes as many
/// records, and a record takes far more memory than its line.
const CHUNK_LINES: usize = 2048;

/// Chunks handed to one worker and not yet taken back.
const PER_WORKER: usize = 2;

/// The longest line kept whole; one more byte makes it overlong.
const LINE_LIMIT: usize = MAX_RECORD_BYTES + 1;

/// How a worker reads its chunks: the state the one-thread reader has
/// reached when the work is split.
#[derive(Clone)]
pub(crate) enum Mode {
    /// A CSV dump whose header is known.
    Csv {
        columns: Columns,
        map: Box<ColumnMap>,
    },
    /// One record per line.
    Lines { ndjson: bool },
}

/// Whole lines of the input.
struct Chunk {
    bytes: Vec<u8>,
    /// For a chunk ending inside an overlong line: that line's full length
    /// and whether it ended with `\n`.
    overlong: Option<(usize, bool)>,
}

/// A chunk's records, numbered from 1 within the chunk, and its line count.
struct Batch {
    items: Vec<Item>,
    /// The fields [`Packed`] records keep, one after the other.
    text: String,
    /// Listed tags (JSON records), as spans of `text`.
    tags: Vec<Span>,
    lines: u64,
    error: Option<io::Error>,
}

/// A record as a worker leaves it. Almost every record is checked, so the
/// size of the rejected variant is moot, and the parts are not boxed: a box
/// would be freed on the other thread.
#[allow(clippy::large_enum_variant)]
enum Item {
    /// Rejected.
    Done(Record),
    /// Checked and parsed, to be assembled.
    Checked {
        position: Position,
        parts: Parts,
        packed: Packed,
    },
}

/// A range of a batch's text. The text holds fields of one chunk, far
/// shorter than `u32::MAX` bytes: a chunk ends within [`CHUNK_BYTES`] +
/// [`LINE_LIMIT`].
type Span = Range<u32>;

/// What [`build::assemble`] reads of a record, as spans of a batch's text:
/// small, as each record's is moved twice.
struct Packed {
    id: Option<Span>,
    threat_type: Option<Span>,
    malware: Option<Span>,
    malware_printable: Option<Span>,
    malware_alias: Option<Span>,
    reporter: Option<Span>,
    joined_tags: Option<Span>,
    /// Range of the batch's listed tags.
    tags: Span,
}

impl Packed {
    fn new(raw: &RawRecord<'_>, text: &mut String, tags: &mut Vec<Span>) -> Packed {
        let mut put = |v: &str| {
            let start = text.len() as u32;
            text.push_str(v);
            start..text.len() as u32
        };
        let first_tag = tags.len() as u32;
        for tag in &raw.tags {
            tags.push(put(tag));
        }
        Packed {
            id: raw.id.as_deref().map(&mut put),
            threat_type: raw.threat_type.as_deref().map(&mut put),
            malware: raw.malware.as_deref().map(&mut put),
            malware_printable: raw.malware_printable.as_deref().map(&mut put),
            malware_alias: raw.malware_alias.as_deref().map(&mut put),
            reporter: raw.reporter.as_deref().map(&mut put),
            joined_tags: raw.joined_tags.map(&mut put),
            tags: first_tag..tags.len() as u32,
        }
    }

    /// The record again, with the fields `assemble` reads.
    fn unpack<'a>(&self, text: &'a str, tags: &[Span]) -> RawRecord<'a> {
        let at = |r: &Span| text.get(r.start as usize..r.end as usize);
        let get = |r: &Option<Span>| r.as_ref().and_then(at);
        let cow = |r: &Option<Span>| get(r).map(Cow::Borrowed);
        let listed = tags
            .get(self.tags.start as usize..self.tags.end as usize)
            .unwrap_or_default();
        RawRecord {
            id: cow(&self.id),
            threat_type: cow(&self.threat_type),
            malware: cow(&self.malware),
            malware_printable: cow(&self.malware_printable),
            malware_alias: cow(&self.malware_alias),
            reporter: cow(&self.reporter),
            joined_tags: get(&self.joined_tags),
            tags: listed
                .iter()
                .filter_map(|r| at(r).map(Cow::Borrowed))
                .collect(),
            ..RawRecord::default()
        }
    }
}

struct Worker {
    jobs: Option<SyncSender<Chunk>>,
    /// Only ever reached through `&mut`, so never locked; the mutex keeps
    /// the reader `Sync`, as a receiver alone is not.
    results: Mutex<Receiver<Batch>>,
    handle: Option<JoinHandle<()>>,
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Closing the queue ends the worker after its current chunk; its
        // results queue has room for everything it was handed.
        self.jobs.take();
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}

/// Started worker threads, waiting for input.
pub(crate) struct Workers(Vec<Worker>);

/// Starts `threads` workers reading in `mode`, or `None` when not one
/// thread could be started.
pub(crate) fn spawn(threads: usize, mode: &Mode) -> Option<Workers> {
    let mut workers = Vec::with_capacity(threads);
    for i in 0..threads {
        let (jobs, job_queue) = sync_channel::<Chunk>(PER_WORKER);
        let (result_queue, results) = sync_channel::<Batch>(PER_WORKER);
        let mode = mode.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("iochunt-feed-{i}"))
            .spawn(move || {
                for chunk in job_queue {
                    if result_queue.send(read(chunk, &mode)).is_err() {
                        break;
                    }
                }
            });
        match spawned {
            Ok(handle) => workers.push(Worker {
                jobs: Some(jobs),
                results: Mutex::new(results),
                handle: Some(handle),
            }),
            Err(_) => break,
        }
    }
    (!workers.is_empty()).then_some(Workers(workers))
}

/// Worker threads, and the input they are fed from.
pub(crate) struct Pool<B> {
    input: Chunker<B>,
    workers: Vec<Worker>,
    /// Chunks sent and batches taken back; chunk `n` goes to worker
    /// `n % workers.len()`.
    sent: u64,
    taken: u64,
    /// Whether the input is used up (or failed, with the error kept for
    /// after the records before it).
    input_done: bool,
    input_error: Option<io::Error>,
    /// The batch being handed out, the lines and records before it, and
    /// what ends it when its chunk could not be read to the end.
    batch: std::vec::IntoIter<Item>,
    text: String,
    tags: Vec<Span>,
    lines_before: u64,
    records_before: u64,
    batch_error: Option<io::Error>,
    /// Lines and records in every batch taken.
    lines_taken: u64,
    records_taken: u64,
}

impl<B> std::fmt::Debug for Pool<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("workers", &self.workers.len())
            .field("sent", &self.sent)
            .field("taken", &self.taken)
            .finish_non_exhaustive()
    }
}

impl<B: BufRead> Pool<B> {
    /// Feeds `workers` from `input`, which starts after `lines` lines and
    /// `records` records of the whole input, and has `ended` when it has
    /// already reported its end (it is then not read again).
    pub(crate) fn new(
        workers: Workers,
        input: B,
        lines: u64,
        records: u64,
        ended: bool,
    ) -> Pool<B> {
        Pool {
            input: Chunker {
                input,
                carry: Vec::new(),
                ended,
                error: None,
            },
            workers: workers.0,
            sent: 0,
            taken: 0,
            input_done: false,
            input_error: None,
            batch: Vec::new().into_iter(),
            text: String::new(),
            tags: Vec::new(),
            lines_before: lines,
            records_before: records,
            batch_error: None,
            lines_taken: lines,
            records_taken: records,
        }
    }

    /// The next record in file order, numbered in the whole input, with
    /// the values it shares taken from `shared`.
    pub(crate) fn next(&mut self, shared: &mut Shared) -> Option<io::Result<Record>> {
        loop {
            if let Some(item) = self.batch.next() {
                let shift = |position: Position| Position {
                    record: position.record + self.records_before,
                    line: position.line.map(|l| l + self.lines_before),
                };
                return Some(Ok(match item {
                    Item::Done(Record::Rejected(rejected)) => Record::Rejected(Rejected {
                        position: shift(rejected.position),
                        ..rejected
                    }),
                    Item::Done(Record::Accepted {
                        position,
                        indicator,
                    }) => Record::Accepted {
                        position: shift(position),
                        indicator,
                    },
                    Item::Checked {
                        position,
                        parts,
                        packed,
                    } => {
                        let raw = packed.unpack(&self.text, &self.tags);
                        Record::Accepted {
                            position: shift(position),
                            indicator: build::assemble(raw, parts, shared),
                        }
                    }
                }));
            }
            if let Some(error) = self.batch_error.take() {
                self.input_done = true;
                return Some(Err(error));
            }
            self.feed();
            if self.taken == self.sent {
                return self.input_error.take().map(Err);
            }
            let n = self.workers.len() as u64;
            let worker = &mut self.workers[(self.taken % n) as usize];
            let results = worker
                .results
                .get_mut()
                .unwrap_or_else(PoisonError::into_inner);
            let batch = match results.recv() {
                Ok(batch) => batch,
                Err(_) => {
                    // The worker is gone without its result: it panicked,
                    // as the one-thread reader would have here.
                    let worker = &mut self.workers[(self.taken % n) as usize];
                    if let Some(Err(panic)) = worker.handle.take().map(JoinHandle::join) {
                        std::panic::resume_unwind(panic);
                    }
                    self.input_done = true;
                    self.sent = self.taken;
                    return Some(Err(io::Error::other("a feed worker thread stopped")));
                }
            };
            self.taken += 1;
            self.lines_before = self.lines_taken;
            self.records_before = self.records_taken;
            self.lines_taken += batch.lines;
            self.records_taken += batch.items.len() as u64;
            self.batch = batch.items.into_iter();
            self.text = batch.text;
            self.tags = batch.tags;
            self.batch_error = batch.error;
        }
    }

    /// Hands out chunks until every worker holds [`PER_WORKER`] of them.
    fn feed(&mut self) {
        let capacity = (PER_WORKER * self.workers.len()) as u64;
        while !self.input_done && self.sent - self.taken < capacity {
            match self.input.next() {
                Some(chunk) => {
                    let n = self.workers.len() as u64;
                    let worker = &self.workers[(self.sent % n) as usize];
                    let sent = worker.jobs.as_ref().map(|jobs| jobs.send(chunk));
                    if let Some(Ok(())) = sent {
                        self.sent += 1;
                    } else {
                        // Its results say why.
                        self.input_done = true;
                    }
                }
                None => {
                    self.input_done = true;
                    self.input_error = self.input.error.take();
                }
            }
        }
    }
}

/// Cuts the input into chunks of whole lines.
struct Chunker<B> {
    input: B,
    /// Lines read past the end of the last chunk (it ended at
    /// [`CHUNK_LINES`]); they start the next one.
    carry: Vec<u8>,
    /// Whether the input has ended (or failed) and is not to be read again.
    ended: bool,
    /// The failure, for after the lines before it.
    error: Option<io::Error>,
}

impl<B: BufRead> Chunker<B> {
    /// The next chunk: about [`CHUNK_BYTES`] up to the next line break, or
    /// [`CHUNK_LINES`] lines, whichever ends first. `None` once the input
    /// is used up; [`error`](Self::error) then holds a failure, which
    /// comes, as on one thread, after every whole line before it.
    fn next(&mut self) -> Option<Chunk> {
        let mut bytes = Vec::with_capacity(CHUNK_BYTES + 4096);
        bytes.append(&mut self.carry);
        if !self.ended {
            // Straight into the chunk, past the reader's buffer once that
            // is used up: one copy of the input instead of two. No line
            // turns overlong here: the chunk starts with a line and is
            // shorter than the limit.
            let want = CHUNK_BYTES.saturating_sub(bytes.len()) as u64;
            match Read::take(&mut self.input, want).read_to_end(&mut bytes) {
                // Short of `want`: the end of the input.
                Ok(_) => self.ended = bytes.len() < CHUNK_BYTES,
                Err(e) => self.fail(e, &mut bytes),
            }
        }
        if let Some(end) = memchr::memchr_iter(b'\n', &bytes).nth(CHUNK_LINES - 1) {
            self.carry = bytes.split_off(end + 1);
            return Some(Chunk {
                bytes,
                overlong: None,
            });
        }
        if !self.ended && bytes.last().is_some_and(|&b| b != b'\n') {
            let overlong = self.finish_line(&mut bytes);
            if overlong.is_some() {
                return Some(Chunk { bytes, overlong });
            }
        }
        (!bytes.is_empty()).then_some(Chunk {
            bytes,
            overlong: None,
        })
    }

    /// Reads the rest of the chunk's last line into it. For an overlong
    /// line, keeps what one thread keeps, skips the rest and returns the
    /// line's full length and whether a `\n` ended it.
    fn finish_line(&mut self, bytes: &mut Vec<u8>) -> Option<(usize, bool)> {
        let line_start = memchr::memrchr(b'\n', bytes).map_or(0, |i| i + 1);
        loop {
            let buf = match self.input.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.fail(e, bytes);
                    return None;
                }
            };
            if buf.is_empty() {
                self.ended = true;
                return None;
            }
            let want = memchr::memchr(b'\n', buf).map_or(buf.len(), |i| i + 1);
            // Never past the point where the line turns overlong.
            let take = want.min(line_start + LINE_LIMIT - bytes.len());
            bytes.extend_from_slice(&buf[..take]);
            self.input.consume(take);
            if bytes.last() == Some(&b'\n') {
                return None;
            }
            if bytes.len() - line_start == LINE_LIMIT {
                return match skip_line(&mut self.input) {
                    Ok((rest, terminated)) => {
                        self.ended = !terminated;
                        Some((LINE_LIMIT + rest, terminated))
                    }
                    Err(e) => {
                        self.fail(e, bytes);
                        None
                    }
                };
            }
        }
    }

    /// Ends the input with `error`, keeping the whole lines read before it:
    /// one thread delivers those, and loses the line it was reading.
    fn fail(&mut self, error: io::Error, bytes: &mut Vec<u8>) {
        bytes.truncate(memchr::memrchr(b'\n', bytes).map_or(0, |i| i + 1));
        self.ended = true;
        self.error = Some(error);
    }
}

/// Skips input up to and including the next `\n`: the bytes skipped, and
/// whether a `\n` ended them.
fn skip_line<B: BufRead>(input: &mut B) -> io::Result<(usize, bool)> {
    let mut skipped = 0;
    loop {
        let buf = match input.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return Ok((skipped, false));
        }
        match memchr::memchr(b'\n', buf) {
            Some(i) => {
                input.consume(i + 1);
                return Ok((skipped + i + 1, true));
            }
            None => {
                let len = buf.len();
                input.consume(len);
                skipped += len;
            }
        }
    }
}

/// Reads and checks one chunk as the one-thread reader does the same lines.
fn read(chunk: Chunk, mode: &Mode) -> Batch {
    let chunk_len = chunk.bytes.len();
    let input = Cursor::new(chunk.bytes);
    let mut inner = match mode {
        Mode::Csv { columns, map } => {
            let mut split = Splitter::new(input);
            if let Some((len, terminated)) = chunk.overlong {
                split.lines_mut().cut_overlong(len, terminated);
            }
            Inner::Csv {
                split,
                columns: *columns,
                map: Some(ColumnMap::clone(map)),
            }
        }
        Mode::Lines { ndjson } => {
            let mut lines = LineReader::new(input);
            if let Some((len, terminated)) = chunk.overlong {
                lines.cut_overlong(len, terminated);
            }
            Inner::Lines {
                lines,
                ndjson: *ndjson,
            }
        }
    };
    let mut batch = Batch {
        items: Vec::with_capacity(1024),
        text: String::with_capacity(chunk_len / 2),
        tags: Vec::new(),
        lines: 0,
        error: None,
    };
    loop {
        let (position, raw) = match inner.next_raw(batch.items.len() as u64 + 1) {
            Ok(Some(item)) => item,
            Ok(None) => break,
            Err(e) => {
                batch.error = Some(e);
                break;
            }
        };
        let rejected = |(reason, record_id, raw)| Rejected {
            position,
            record_id,
            raw,
            reason,
        };
        batch.items.push(
            match raw
                .map_err(Ok)
                .and_then(|raw| build::check(raw).map_err(Err))
            {
                Ok((raw, parts)) => Item::Checked {
                    position,
                    parts,
                    packed: Packed::new(&raw, &mut batch.text, &mut batch.tags),
                },
                Err(Ok(done)) => Item::Done(Record::Rejected(done)),
                Err(Err(refused)) => Item::Done(Record::Rejected(rejected(refused))),
            },
        );
    }
    batch.lines = inner.lines_read();
    batch
}
