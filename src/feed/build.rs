//! One place where a [`RawRecord`] becomes an [`Indicator`].

use std::borrow::Cow;

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::Offset;
use url::Url;

use super::RejectReason;
use super::raw::{RawRecord, is_null, split_list};
use crate::{Confidence, Indicator, Ioc, IocKind, Malware, Source, ThreatType};

/// The kind a ThreatFox `ioc_type` declares.
pub(crate) fn declared_kind(ioc_type: &str) -> Option<IocKind> {
    Some(match ioc_type {
        "ip:port" => IocKind::IpPort,
        "domain" => IocKind::Domain,
        "url" => IocKind::Url,
        "md5_hash" => IocKind::Md5,
        "sha1_hash" => IocKind::Sha1,
        "sha256_hash" => IocKind::Sha256,
        "sha3_384_hash" => IocKind::Sha3_384,
        "sha512_hash" => IocKind::Sha512,
        "envelope_from" | "body_from" => IocKind::Email,
        _ => return None,
    })
}

/// Builds the indicator; `feed` names the source. On failure the record's
/// id and value come back with the reason.
///
/// Boxed from the start, as [`Record`](super::Record) holds it: an
/// `Indicator` is a few hundred bytes, and building it in place saves
/// copying it from one stack frame to the next and then to the heap.
pub(crate) fn indicator(
    raw: RawRecord<'_>,
    feed: &str,
) -> Result<Box<Indicator>, (RejectReason, Option<String>, String)> {
    match checked(&raw) {
        Ok(parts) => Ok(assemble(raw, parts, feed)),
        Err(reason) => Err((reason, raw.id.map(Cow::into_owned), raw.value.into_owned())),
    }
}

/// The fallible parts of a record, parsed from borrowed fields.
struct Parts {
    ioc: Ioc,
    first_seen: Option<Timestamp>,
    last_seen: Option<Timestamp>,
    confidence: Option<Confidence>,
    is_compromised: bool,
    reference: Option<Url>,
}

fn checked(raw: &RawRecord<'_>) -> Result<Parts, RejectReason> {
    let ioc = match raw.ioc_type.as_deref() {
        None => Ioc::parse(&raw.value),
        Some(t) => match declared_kind(t) {
            Some(kind) => Ioc::parse_declared(&raw.value, kind),
            None => return Err(RejectReason::UnknownIocType(t.to_owned())),
        },
    }
    .map_err(RejectReason::InvalidIoc)?;
    let confidence = match raw.confidence.as_deref().filter(|c| !is_null(c)) {
        Some(c) => {
            Some(Confidence::parse(c).map_err(|_| RejectReason::InvalidConfidence(c.to_owned()))?)
        }
        None => None,
    };
    let is_compromised = match raw.is_compromised.as_deref().filter(|b| !is_null(b)) {
        None | Some("false" | "False" | "FALSE" | "0") => false,
        Some("true" | "True" | "TRUE" | "1") => true,
        Some(b) => {
            return Err(RejectReason::InvalidField {
                field: "is_compromised",
                value: b.to_owned(),
            });
        }
    };
    let reference = match raw.reference.as_deref().filter(|r| !is_null(r)) {
        Some(r) => Some(
            Url::parse(r.trim()).map_err(|_| RejectReason::InvalidField {
                field: "reference",
                value: r.to_owned(),
            })?,
        ),
        None => None,
    };
    Ok(Parts {
        ioc,
        first_seen: timestamp("first_seen", raw.first_seen.as_deref())?,
        last_seen: timestamp("last_seen", raw.last_seen.as_deref())?,
        confidence,
        is_compromised,
        reference,
    })
}

fn assemble(raw: RawRecord<'_>, parts: Parts, feed: &str) -> Box<Indicator> {
    let mut ind = Box::new(Indicator::new(parts.ioc));
    // One insert per tag: collecting into the set would first gather and
    // sort a list, for the two or three tags a record has.
    for tag in raw.tags() {
        ind.tags.insert(tag.to_owned());
    }
    if let Some(t) = raw.threat_type.as_deref() {
        ind.threat_type = ThreatType::from(t);
    }
    if let Some(id) = raw.malware.filter(|m| !is_null(m)) {
        ind.malware = Some(Malware {
            id: id.into_owned(),
            printable: raw
                .malware_printable
                .filter(|m| !is_null(m))
                .map(Cow::into_owned),
            aliases: raw
                .malware_alias
                .map(|a| split_list(&a))
                .unwrap_or_default(),
        });
    }
    ind.first_seen = parts.first_seen;
    ind.last_seen = parts.last_seen;
    ind.confidence = parts.confidence;
    ind.is_compromised = parts.is_compromised;
    ind.reference = parts.reference;
    ind.reporter = raw.reporter.filter(|r| !is_null(r)).map(Cow::into_owned);
    let mut source = Source::new(feed);
    source.record_id = raw.id.map(Cow::into_owned);
    ind.sources.insert(source);
    ind
}

/// Parses `YYYY-MM-DD HH:MM:SS`, optionally followed by ` UTC` or
/// ` (UTC)`, as UTC; also accepts RFC 3339. Empty and `None` mean absent.
pub(crate) fn timestamp(
    field: &'static str,
    value: Option<&str>,
) -> Result<Option<Timestamp>, RejectReason> {
    let Some(v) = value.filter(|v| !is_null(v)) else {
        return Ok(None);
    };
    let err = || RejectReason::InvalidTimestamp {
        field,
        value: v.to_owned(),
    };
    let t = v.trim();
    let t = t
        .strip_suffix(" UTC")
        .or_else(|| t.strip_suffix(" (UTC)"))
        .unwrap_or(t);
    if let Some(dt) = civil(t).or_else(|| t.parse::<DateTime>().ok()) {
        // UTC as a fixed offset: no time zone rules to consult.
        return Offset::UTC.to_timestamp(dt).map(Some).map_err(|_| err());
    }
    t.parse::<Timestamp>().map(Some).map_err(|_| err())
}

/// Fast path for the exact `YYYY-MM-DD HH:MM:SS` shape abuse.ch uses.
fn civil(t: &str) -> Option<DateTime> {
    let b = t.as_bytes();
    if b.len() != 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b' ' | b'T')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<i16> {
        b[from..to].iter().try_fold(0i16, |acc, &d| {
            d.is_ascii_digit().then(|| acc * 10 + i16::from(d - b'0'))
        })
    };
    let small = |from: usize| num(from, from + 2).and_then(|v| i8::try_from(v).ok());
    DateTime::new(
        num(0, 4)?,
        small(5)?,
        small(8)?,
        small(11)?,
        small(14)?,
        small(17)?,
        0,
    )
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() -> Result<(), RejectReason> {
        let a = timestamp("first_seen", Some("2022-08-05 19:43:08 UTC"))?;
        let b = timestamp("first_seen", Some("2022-08-05 19:43:08"))?;
        assert_eq!(a, b);
        assert_eq!(
            a.map(|t| t.to_string()).as_deref(),
            Some("2022-08-05T19:43:08Z")
        );
        assert_eq!(timestamp("last_seen", Some(""))?, None);
        assert_eq!(
            timestamp("first_seen", Some("2024-02-29T23:59:59Z"))?.map(|t| t.as_second()),
            Some(1_709_251_199)
        );
        assert!(timestamp("first_seen", Some("2023-02-29 00:00:00")).is_err());
        assert!(timestamp("first_seen", Some("2023-01-01 24:00:00")).is_err());
        assert_eq!(
            timestamp("last_seen", Some("yesterday")),
            Err(RejectReason::InvalidTimestamp {
                field: "last_seen",
                value: "yesterday".into()
            })
        );
        Ok(())
    }

    #[test]
    fn unknown_ioc_type() {
        let raw = RawRecord {
            value: Cow::Borrowed("x"),
            ioc_type: Some(Cow::Borrowed("ja3")),
            ..RawRecord::default()
        };
        assert_eq!(
            indicator(raw, "threatfox").map_err(|e| e.0),
            Err(RejectReason::UnknownIocType("ja3".into()))
        );
    }
}
