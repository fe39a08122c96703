//! One place where a [`RawRecord`] becomes an [`Indicator`].

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
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
pub(crate) fn indicator(
    raw: RawRecord,
    feed: &str,
) -> Result<Indicator, (RejectReason, Option<String>, String)> {
    match checked(&raw) {
        Ok(parts) => Ok(assemble(raw, parts, feed)),
        Err(reason) => Err((reason, raw.id, raw.value)),
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

fn checked(raw: &RawRecord) -> Result<Parts, RejectReason> {
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

fn assemble(raw: RawRecord, parts: Parts, feed: &str) -> Indicator {
    let mut ind = Indicator::new(parts.ioc);
    if let Some(t) = raw.threat_type.as_deref() {
        ind.threat_type = ThreatType::from(t);
    }
    if let Some(id) = raw.malware.filter(|m| !is_null(m)) {
        ind.malware = Some(Malware {
            id,
            printable: raw.malware_printable.filter(|m| !is_null(m)),
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
    ind.reporter = raw.reporter.filter(|r| !is_null(r));
    ind.tags = raw.tags.into_iter().collect();
    let mut source = Source::new(feed);
    source.record_id = raw.id;
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
    if let Ok(dt) = t.parse::<DateTime>() {
        return TimeZone::UTC.to_timestamp(dt).map(Some).map_err(|_| err());
    }
    t.parse::<Timestamp>().map(Some).map_err(|_| err())
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
            value: "x".into(),
            ioc_type: Some("ja3".into()),
            ..RawRecord::default()
        };
        assert_eq!(
            indicator(raw, "threatfox").map_err(|e| e.0),
            Err(RejectReason::UnknownIocType("ja3".into()))
        );
    }
}
