//! One place where a [`RawRecord`] becomes an [`Indicator`].

use std::borrow::Cow;
use std::sync::Arc;

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

/// Values a reader hands to many indicators, kept once per reader: the feed
/// name, and the malware families, tags and reporters recently seen. A feed
/// repeats these on record after record, so an indicator mostly gets a
/// pointer to an earlier copy instead of allocations of its own.
///
/// Each table is a fixed number of slots picked by a cheap hash of the
/// value, a new value replacing the one in its slot: no search, no growth
/// with the feed, and values that collide (by chance or by design of the
/// feed) only cost the allocations they would have cost anyway.
pub(crate) struct Shared {
    feed: Arc<str>,
    strings: Vec<Option<Arc<str>>>,
    malware: Vec<Option<SharedMalware>>,
}

/// A family with the text it was built from, so that a record is matched
/// by comparing text rather than by splitting its alias list again.
struct SharedMalware {
    printable: Option<Box<str>>,
    aliases: Option<Box<str>>,
    malware: Arc<Malware>,
}

/// Slots in the string table (a power of two).
const STRING_SLOTS: usize = 1024;
/// Slots in the malware table (a power of two).
const MALWARE_SLOTS: usize = 256;
/// Longest text kept, in bytes: tags and names are short, and a long value
/// is unlikely to repeat.
const SHARED_LEN: usize = 128;

impl Shared {
    pub(crate) fn new(feed: &str) -> Shared {
        Shared {
            feed: feed.into(),
            strings: std::iter::repeat_with(|| None).take(STRING_SLOTS).collect(),
            malware: std::iter::repeat_with(|| None)
                .take(MALWARE_SLOTS)
                .collect(),
        }
    }

    fn string(&mut self, s: &str) -> Arc<str> {
        if s.len() > SHARED_LEN {
            return s.into();
        }
        let slot = &mut self.strings[slot(mix(s.as_bytes(), 0), STRING_SLOTS)];
        match slot {
            Some(known) if **known == *s => known.clone(),
            _ => slot.insert(s.into()).clone(),
        }
    }

    /// The family with this id, printable name and comma-joined aliases.
    fn malware(
        &mut self,
        id: &str,
        printable: Option<&str>,
        aliases: Option<&str>,
    ) -> Arc<Malware> {
        let build = || {
            Arc::new(Malware {
                id: id.to_owned(),
                printable: printable.map(str::to_owned),
                aliases: aliases.map(split_list).unwrap_or_default(),
            })
        };
        let len = id.len() + printable.map_or(0, str::len) + aliases.map_or(0, str::len);
        if len > 4 * SHARED_LEN {
            return build();
        }
        let seed = mix(aliases.unwrap_or_default().as_bytes(), 0);
        let slot = &mut self.malware[slot(mix(id.as_bytes(), seed), MALWARE_SLOTS)];
        match slot {
            Some(known)
                if known.malware.id == id
                    && known.printable.as_deref() == printable
                    && known.aliases.as_deref() == aliases =>
            {
                known.malware.clone()
            }
            _ => {
                let malware = build();
                *slot = Some(SharedMalware {
                    printable: printable.map(Box::from),
                    aliases: aliases.map(Box::from),
                    malware: malware.clone(),
                });
                malware
            }
        }
    }
}

/// A hash of text from its length and its first and last eight bytes:
/// enough to tell apart the values of one feed, in a few instructions.
fn mix(text: &[u8], seed: u64) -> u64 {
    let n = text.len();
    let word = |b: &[u8]| {
        let mut w = [0u8; 8];
        w[..b.len()].copy_from_slice(b);
        u64::from_le_bytes(w)
    };
    let (head, tail) = if n >= 8 {
        (word(&text[..8]), word(&text[n - 8..]))
    } else {
        (word(text), 0)
    };
    (head ^ tail.rotate_left(29) ^ (n as u64) ^ seed).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// The slot of a hash in a table of `slots` (a power of two): the high
/// bits of a multiplicative hash are the well-mixed ones.
fn slot(hash: u64, slots: usize) -> usize {
    (hash >> 32) as usize & (slots - 1)
}

/// Builds the indicator, with the feed name and shared values from
/// `shared`. On failure the record's id and value come back with the reason.
///
/// Boxed from the start, as [`Record`](super::Record) holds it: an
/// `Indicator` is a few hundred bytes, and building it in place saves
/// copying it from one stack frame to the next and then to the heap.
pub(crate) fn indicator(
    raw: RawRecord<'_>,
    shared: &mut Shared,
) -> Result<Box<Indicator>, Refused> {
    check(raw).map(|(raw, parts)| assemble(raw, parts, shared))
}

/// A record refused: the reason, the record's id and its value.
pub(crate) type Refused = (RejectReason, Option<String>, String);

/// The first half of [`indicator`]: every check, and the values that
/// need parsing. What is left, [`assemble`], cannot fail and only copies.
pub(crate) fn check(raw: RawRecord<'_>) -> Result<(RawRecord<'_>, Parts), Refused> {
    match checked(&raw) {
        Ok(parts) => Ok((raw, parts)),
        Err(reason) => Err((reason, raw.id.map(Cow::into_owned), raw.value.into_owned())),
    }
}

/// The fallible parts of a record, parsed from borrowed fields.
pub(crate) struct Parts {
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

/// The second half of [`indicator`]: the indicator of a checked record.
/// It reads the record's id, threat type, malware, tags and reporter.
pub(crate) fn assemble(raw: RawRecord<'_>, parts: Parts, shared: &mut Shared) -> Box<Indicator> {
    let mut ind = Box::new(Indicator::new(parts.ioc));
    // One insert per tag: collecting into the set would first gather and
    // sort a list, for the two or three tags a record has.
    for tag in raw.tags() {
        ind.tags.insert(shared.string(tag));
    }
    if let Some(t) = raw.threat_type.as_deref() {
        ind.threat_type = ThreatType::from(t);
    }
    if let Some(id) = raw.malware.as_deref().filter(|m| !is_null(m)) {
        let printable = raw.malware_printable.as_deref().filter(|m| !is_null(m));
        ind.malware = Some(shared.malware(id, printable, raw.malware_alias.as_deref()));
    }
    ind.first_seen = parts.first_seen;
    ind.last_seen = parts.last_seen;
    ind.confidence = parts.confidence;
    ind.is_compromised = parts.is_compromised;
    ind.reference = parts.reference;
    ind.reporter = raw
        .reporter
        .as_deref()
        .filter(|r| !is_null(r))
        .map(|r| shared.string(r));
    let mut source = Source::new(shared.feed.clone());
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
    fn shared_values_are_one_copy_and_equal_to_their_text() {
        let mut shared = Shared::new("threatfox");
        let a = shared.string("CobaltStrike");
        let b = shared.string("CobaltStrike");
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(&*shared.string("cs-watermark-1"), "cs-watermark-1");
        assert_eq!(&*shared.string("cs-watermark-2"), "cs-watermark-2");
        let long = "x".repeat(SHARED_LEN + 1);
        assert_eq!(*shared.string(&long), *long);

        let m = shared.malware(
            "win.cobalt_strike",
            Some("Cobalt Strike"),
            Some("BEACON, cobeacon"),
        );
        assert_eq!(m.aliases, ["BEACON", "cobeacon"]);
        let same = shared.malware(
            "win.cobalt_strike",
            Some("Cobalt Strike"),
            Some("BEACON, cobeacon"),
        );
        assert!(Arc::ptr_eq(&m, &same));
        // Same id, other text: its own family, built from its own text.
        let other = shared.malware("win.cobalt_strike", None, Some("None"));
        assert_eq!(*other, Malware::new("win.cobalt_strike"));
        let other = shared.malware("win.cobalt_strike", Some("Cobalt Strike"), None);
        assert!(other.aliases.is_empty());
        // Many values in few slots: each still gets its own text back.
        for i in 0..3 * STRING_SLOTS {
            let tag = format!("tag-{i}");
            assert_eq!(*shared.string(&tag), *tag);
            let id = format!("win.family_{i}");
            assert_eq!(shared.malware(&id, None, None).id, id);
        }
    }

    #[test]
    fn unknown_ioc_type() {
        let raw = RawRecord {
            value: Cow::Borrowed("x"),
            ioc_type: Some(Cow::Borrowed("ja3")),
            ..RawRecord::default()
        };
        assert_eq!(
            indicator(raw, &mut Shared::new("threatfox")).map_err(|e| e.0),
            Err(RejectReason::UnknownIocType("ja3".into()))
        );
    }
}
