//! ThreatFox JSON documents: API responses (`{query_status, data}`), bare
//! arrays of API items, and the JSON export (object keyed by IOC id, each
//! value an array of records).
//!
//! The document is read whole, then split into record spans with
//! `serde_json`'s borrowed `RawValue`, so each record is decoded on its own:
//! one record with a wrong type is rejected alone, and a document cut short
//! keeps every record before the cut.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::RejectReason;
use super::raw::{JsonRecord, RawRecord};

/// Byte range of one record in the document, with the export key if any.
#[derive(Debug)]
struct Span {
    start: usize,
    end: usize,
    key: Option<String>,
}

/// What went wrong after the last complete record.
#[derive(Debug)]
pub(crate) struct Tail {
    pub reason: RejectReason,
    pub line: u64,
    pub raw: String,
    pub id: Option<String>,
}

/// A JSON document split into records.
#[derive(Debug)]
pub(crate) struct JsonDoc {
    text: String,
    /// The input had invalid UTF-8, replaced by U+FFFD before parsing.
    lossy: bool,
    spans: Vec<Span>,
    next: usize,
    cursor: (usize, u64),
    pub tail: Option<Tail>,
    /// `query_status` of an API envelope.
    pub status: Option<String>,
    /// Whether the document was an API envelope or a bare array (as opposed
    /// to the export's object keyed by id).
    pub envelope: bool,
}

#[derive(Default)]
struct State {
    base: usize,
    spans: Vec<Span>,
    /// Values of unknown top-level keys: export entries unless the document
    /// turns out to be an API envelope.
    pending: Vec<Span>,
    status: Option<String>,
    envelope: bool,
}

impl State {
    fn span(&self, raw: &RawValue, key: Option<String>) -> Span {
        let s = raw.get();
        let start = (s.as_ptr() as usize).saturating_sub(self.base);
        Span {
            start,
            end: start + s.len(),
            key,
        }
    }
}

struct Top<'a>(&'a mut State);

impl<'de> DeserializeSeed<'de> for Top<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Top<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a threatfox api response, an array of records, or a json export object")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.0.envelope = true;
        while let Some(raw) = seq.next_element::<&'de RawValue>()? {
            let span = self.0.span(raw, None);
            self.0.spans.push(span);
        }
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "query_status" => {
                    self.0.envelope = true;
                    self.0.status = Some(map.next_value::<String>()?);
                }
                "data" => {
                    self.0.envelope = true;
                    map.next_value_seed(Data(&mut *self.0))?;
                }
                _ => {
                    let raw = map.next_value::<&'de RawValue>()?;
                    let span = self.0.span(raw, Some(key));
                    self.0.pending.push(span);
                }
            }
        }
        Ok(())
    }
}

/// The `data` member: an array of records, or a message string
/// (`no_result`, errors), or null.
struct Data<'a>(&'a mut State);

impl<'de> DeserializeSeed<'de> for Data<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Data<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of records or a message")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(raw) = seq.next_element::<&'de RawValue>()? {
            let span = self.0.span(raw, None);
            self.0.spans.push(span);
        }
        Ok(())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

/// Elements of one export entry (`"id": [ {...}, ... ]`).
struct Entry<'a> {
    state: &'a mut State,
    key: &'a str,
}

impl<'de> DeserializeSeed<'de> for Entry<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Entry<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of records")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(raw) = seq.next_element::<&'de RawValue>()? {
            let span = self.state.span(raw, Some(self.key.to_owned()));
            self.state.spans.push(span);
        }
        Ok(())
    }
}

const RAW_PREVIEW: usize = 200;

/// The first [`RAW_PREVIEW`] characters of `s`.
pub(crate) fn preview(s: &str) -> String {
    let s = s.trim();
    match s.char_indices().nth(RAW_PREVIEW) {
        Some((i, _)) => s[..i].to_owned(),
        None => s.to_owned(),
    }
}

fn reason_of(e: &serde_json::Error) -> RejectReason {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => RejectReason::Truncated,
        Category::Syntax | Category::Io => RejectReason::Malformed(e.to_string()),
        Category::Data => RejectReason::Schema(e.to_string()),
    }
}

/// Best-effort id of a partial record: the value after `"id"` or
/// `"ioc_id"`, or an export key `"123": [`.
fn sniff_id(text: &str) -> Option<String> {
    for key in ["\"id\"", "\"ioc_id\""] {
        if let Some(i) = text.find(key) {
            let rest = text[i + key.len()..].trim_start().strip_prefix(':')?;
            let rest = rest.trim_start().trim_start_matches('"');
            let id: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if !id.is_empty() {
                return Some(id);
            }
        }
    }
    let rest = text.trim_start().strip_prefix('"')?;
    let id: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let after = rest[id.len()..].strip_prefix('"')?.trim_start();
    (!id.is_empty() && after.starts_with(':')).then_some(id)
}

/// Id and value of a record that failed to decode, read loosely.
pub(crate) fn loose_fields(text: &str) -> (Option<String>, String) {
    let Ok(serde_json::Value::Object(obj)) = serde_json::from_str::<serde_json::Value>(text) else {
        return (sniff_id(text), preview(text));
    };
    let as_text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let id = ["id", "ioc_id"]
        .iter()
        .find_map(|k| obj.get(*k).and_then(as_text));
    let raw = ["ioc", "ioc_value"]
        .iter()
        .find_map(|k| obj.get(*k).and_then(as_text))
        .unwrap_or_else(|| preview(text));
    (id, raw)
}

/// Decodes one API/export record; on failure returns id, raw value and
/// reason.
pub(crate) fn decode(
    text: &str,
    key: Option<&str>,
    lossy: bool,
) -> Result<RawRecord<'static>, (Option<String>, String, RejectReason)> {
    if lossy && text.contains('\u{FFFD}') {
        let (id, raw) = loose_fields(text);
        return Err((
            id.or(key.map(str::to_owned)),
            raw,
            RejectReason::InvalidUtf8,
        ));
    }
    match serde_json::from_str::<JsonRecord>(text) {
        Ok(rec) => Ok(rec.into_raw(key)),
        Err(e) => {
            let (id, raw) = loose_fields(text);
            Err((id.or(key.map(str::to_owned)), raw, reason_of(&e)))
        }
    }
}

/// Decodes one ndjson line; see [`decode`].
pub(crate) fn decode_line(
    text: &str,
) -> Result<RawRecord<'static>, (Option<String>, String, RejectReason)> {
    decode(text, None, false)
}

impl JsonDoc {
    /// Splits `text` into records.
    pub(crate) fn parse(text: String, lossy: bool) -> JsonDoc {
        let mut state = State {
            base: text.as_ptr() as usize,
            ..State::default()
        };
        let mut de = serde_json::Deserializer::from_str(&text);
        let result = Top(&mut state).deserialize(&mut de).and_then(|()| de.end());
        let mut failure = result.err();
        if !state.envelope {
            for entry in std::mem::take(&mut state.pending) {
                let key = entry.key.clone().unwrap_or_default();
                let value = text.get(entry.start..entry.end).unwrap_or_default();
                if value.starts_with('[') {
                    let mut de = serde_json::Deserializer::from_str(value);
                    let seed = Entry {
                        state: &mut state,
                        key: &key,
                    };
                    if seed.deserialize(&mut de).is_err() {
                        // Complete JSON (it was read as one value) that is
                        // not an array; keep it whole as one record.
                        state.spans.push(entry);
                    }
                } else {
                    state.spans.push(entry);
                }
            }
        }
        let tail = failure.take().map(|e| {
            let last_end = state.spans.iter().map(|s| s.end).max().unwrap_or(0);
            let rest = text.get(last_end..).unwrap_or("");
            let rest = rest
                .trim_start_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ']' | '}'));
            Tail {
                reason: reason_of(&e),
                line: e.line() as u64,
                raw: preview(rest),
                id: sniff_id(rest),
            }
        });
        JsonDoc {
            text,
            lossy,
            spans: state.spans,
            next: 0,
            cursor: (0, 1),
            tail,
            status: state.status,
            envelope: state.envelope,
        }
    }

    /// The next record: its line, and the decoded record or the failure.
    #[allow(clippy::type_complexity)]
    pub(crate) fn next_record(
        &mut self,
    ) -> Option<(
        u64,
        Result<RawRecord<'static>, (Option<String>, String, RejectReason)>,
    )> {
        let span = self.spans.get(self.next)?;
        self.next += 1;
        let (from, line) = self.cursor;
        let bytes = self.text.as_bytes();
        let newlines = |from: usize, to: usize| {
            bytes
                .get(from..to)
                .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count()) as u64
        };
        // Spans come in document order; counting from the start is only a
        // fallback.
        let line = if span.start >= from {
            line + newlines(from, span.start)
        } else {
            1 + newlines(0, span.start)
        };
        self.cursor = (span.start, line);
        let text = self.text.get(span.start..span.end).unwrap_or_default();
        Some((line, decode(text, span.key.as_deref(), self.lossy)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_records_and_lines() {
        let doc = "{\n\"query_status\": \"ok\",\n\"data\": [\n{\"id\":\"1\",\"ioc\":\"a.example.com\"},\n{\"id\":\"2\",\"ioc\":5}\n]}";
        let mut d = JsonDoc::parse(doc.to_owned(), false);
        assert!(d.envelope);
        assert_eq!(d.status.as_deref(), Some("ok"));
        let (line, first) = d.next_record().expect("first");
        assert_eq!(line, 4);
        assert_eq!(
            first.map(|r| r.value).ok().as_deref(),
            Some("a.example.com")
        );
        let (line, second) = d.next_record().expect("second");
        assert_eq!(line, 5);
        let (id, raw, reason) = second.expect_err("wrong type");
        assert_eq!(id.as_deref(), Some("2"));
        assert_eq!(raw, "5");
        assert!(matches!(reason, RejectReason::Schema(m) if m.contains("invalid type: integer")));
        assert!(d.next_record().is_none());
        assert!(d.tail.is_none());
    }

    #[test]
    fn truncated_keeps_complete_records() {
        let doc = r#"{"query_status":"ok","data":[{"id":"1","ioc":"a.example.com"},{"id":"2","ioc":"b.exa"#;
        let mut d = JsonDoc::parse(doc.to_owned(), false);
        assert!(d.next_record().is_some_and(|(_, r)| r.is_ok()));
        assert!(d.next_record().is_none());
        let tail = d.tail.expect("tail");
        assert_eq!(tail.reason, RejectReason::Truncated);
        assert_eq!(tail.id.as_deref(), Some("2"));
    }

    #[test]
    fn export_keys_become_ids() {
        let doc = r#"{"7": [{"ioc_value":"a.example.com","tags":"x,y"}], "8": [{"ioc_value":"b.example.com"}]}"#;
        let mut d = JsonDoc::parse(doc.to_owned(), false);
        assert!(!d.envelope);
        let ids: Vec<_> = std::iter::from_fn(|| d.next_record())
            .map(|(_, r)| r.ok().and_then(|r| r.id).map(|id| id.into_owned()))
            .collect();
        assert_eq!(ids, vec![Some("7".to_owned()), Some("8".to_owned())]);
    }

    #[test]
    fn no_result() {
        let doc = r#"{"query_status":"no_result","data":"Your search did not yield any results"}"#;
        let mut d = JsonDoc::parse(doc.to_owned(), false);
        assert_eq!(d.status.as_deref(), Some("no_result"));
        assert!(d.next_record().is_none());
        assert!(d.tail.is_none());
    }
}
