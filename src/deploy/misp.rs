//! MISP event JSON: one event holding one attribute per indicator.
//!
//! | indicator | MISP `type` | `category` | `value` |
//! |---|---|---|---|
//! | IPv4 / IPv6 | `ip-dst` | Network activity | `198.51.100.7` |
//! | CIDR | `ip-dst` | Network activity | `203.0.113.0/24` |
//! | `ip:port` | `ip-dst\|port` | Network activity | `198.51.100.7\|4782` (IPv6 without brackets) |
//! | domain | `domain` | Network activity | `evil.com` |
//! | URL | `url` | Network activity | `http://evil.com/gate.php` |
//! | MD5, SHA-1, SHA-256, SHA-512, SHA3-384 | `md5`, `sha1`, `sha256`, `sha512`, `sha3-384` | Payload delivery | lower-case hex |
//! | e-mail | `email-src` | Payload delivery | `invoice@evil.com` |
//!
//! `to_ids` is `true`, except for hosts the feed marks as compromised
//! legitimate infrastructure ([`Indicator::is_compromised`]), where an IDS
//! rule would also hit the real site's users. The attribute `comment` names
//! the family, threat type and confidence; its tags are the indicator's
//! tags plus `misp-galaxy:malpedia="<family>"`; `first_seen` and
//! `last_seen` are carried over.
//!
//! Uuids are UUIDv5 in [`stix::NAMESPACE`](super::stix::NAMESPACE): the
//! event's from its `info` and `date`, each attribute's from the event uuid,
//! its type and value, so the same input gives the same uuids on every run.
//!
//! # Example
//!
//! ```
//! use iochunt::{Indicator, Ioc};
//! use iochunt::deploy::misp::{self, EventOptions};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let inds = [Indicator::new(Ioc::parse("192.3.171.227:8823")?)];
//! let event = misp::event(&inds, &EventOptions::new("XWorm C2", "2026-05-12T00:00:00Z".parse()?));
//! let json = serde_json::to_value(&event)?;
//! assert_eq!(json["Event"]["Attribute"][0]["type"], "ip-dst|port");
//! assert_eq!(json["Event"]["Attribute"][0]["value"], "192.3.171.227|8823");
//! assert_eq!(json["Event"]["Attribute"][0]["category"], "Network activity");
//! # Ok(())
//! # }
//! ```

use std::collections::HashMap;

use serde::Serialize;
use serde::ser::SerializeStruct;
use uuid::Uuid;

use super::stix::NAMESPACE;
use crate::{HashKind, Indicator, Ioc, ThreatType};

/// An event's threat level (`threat_level_id`).
///
/// ```
/// use iochunt::deploy::misp::ThreatLevel;
/// assert_eq!(ThreatLevel::High.id(), 1);
/// assert_eq!(ThreatLevel::Undefined.id(), 4);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ThreatLevel {
    /// `1`.
    High,
    /// `2`.
    #[default]
    Medium,
    /// `3`.
    Low,
    /// `4`.
    Undefined,
}

impl ThreatLevel {
    /// The numeric id MISP uses.
    ///
    /// ```
    /// # use iochunt::deploy::misp::ThreatLevel;
    /// assert_eq!(ThreatLevel::Medium.id(), 2);
    /// ```
    #[must_use]
    pub const fn id(self) -> u8 {
        match self {
            Self::High => 1,
            Self::Medium => 2,
            Self::Low => 3,
            Self::Undefined => 4,
        }
    }
}

/// An event's analysis state (`analysis`).
///
/// ```
/// use iochunt::deploy::misp::Analysis;
/// assert_eq!(Analysis::Completed.id(), 2);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Analysis {
    /// `0`.
    Initial,
    /// `1`.
    Ongoing,
    /// `2`.
    #[default]
    Completed,
}

impl Analysis {
    /// The numeric id MISP uses.
    ///
    /// ```
    /// # use iochunt::deploy::misp::Analysis;
    /// assert_eq!(Analysis::Initial.id(), 0);
    /// ```
    #[must_use]
    pub const fn id(self) -> u8 {
        match self {
            Self::Initial => 0,
            Self::Ongoing => 1,
            Self::Completed => 2,
        }
    }
}

/// Who an event is shared with (`distribution`).
///
/// ```
/// use iochunt::deploy::misp::Distribution;
/// assert_eq!(Distribution::OrganisationOnly.id(), 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Distribution {
    /// `0`: your organisation only.
    #[default]
    OrganisationOnly,
    /// `1`: this community only.
    Community,
    /// `2`: connected communities.
    ConnectedCommunities,
    /// `3`: all communities.
    All,
}

impl Distribution {
    /// The numeric id MISP uses.
    ///
    /// ```
    /// # use iochunt::deploy::misp::Distribution;
    /// assert_eq!(Distribution::All.id(), 3);
    /// ```
    #[must_use]
    pub const fn id(self) -> u8 {
        match self {
            Self::OrganisationOnly => 0,
            Self::Community => 1,
            Self::ConnectedCommunities => 2,
            Self::All => 3,
        }
    }
}

/// What [`event`] puts in the event itself.
///
/// ```
/// use iochunt::deploy::misp::{EventOptions, ThreatLevel};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let opts = EventOptions::new("XWorm C2", "2026-05-12T10:00:00Z".parse()?);
/// assert_eq!(opts.date.to_string(), "2026-05-12");
/// assert_eq!(opts.threat_level, ThreatLevel::Medium);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventOptions {
    /// The event title.
    pub info: String,
    /// The event date.
    pub date: jiff::civil::Date,
    /// The event's and attributes' `timestamp` (a fixed option rather than
    /// the clock, so the output is the same on every run).
    pub timestamp: jiff::Timestamp,
    /// The threat level (default medium).
    pub threat_level: ThreatLevel,
    /// The analysis state (default completed).
    pub analysis: Analysis,
    /// The distribution (default your organisation only).
    pub distribution: Distribution,
    /// Event tags, such as `tlp:green`.
    pub tags: Vec<String>,
}

impl EventOptions {
    /// Options with the given title and timestamp; the date is the
    /// timestamp's UTC date.
    ///
    /// ```
    /// # use iochunt::deploy::misp::{Distribution, EventOptions};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let opts = EventOptions::new("x", "2026-05-12T23:59:59Z".parse()?);
    /// assert_eq!(opts.date.to_string(), "2026-05-12");
    /// assert_eq!(opts.distribution, Distribution::OrganisationOnly);
    /// assert!(opts.tags.is_empty());
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn new(info: impl Into<String>, timestamp: jiff::Timestamp) -> Self {
        Self {
            info: info.into(),
            date: timestamp.to_zoned_datetime(jiff::tz::TimeZone::UTC).date(),
            timestamp,
            threat_level: ThreatLevel::default(),
            analysis: Analysis::default(),
            distribution: Distribution::default(),
            tags: Vec::new(),
        }
    }
}

/// One MISP attribute.
///
/// ```
/// use iochunt::{Indicator, Ioc};
/// use iochunt::deploy::misp::{self, EventOptions};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let inds = [Indicator::new(Ioc::parse("d41d8cd98f00b204e9800998ecf8427e")?)];
/// let event = misp::event(&inds, &EventOptions::new("x", "2026-05-12T00:00:00Z".parse()?));
/// let a = &event.attributes[0];
/// assert_eq!((a.kind, a.category, a.value.as_str(), a.to_ids), ("md5", "Payload delivery", "d41d8cd98f00b204e9800998ecf8427e", true));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// The attribute's uuid.
    pub uuid: Uuid,
    /// The MISP type, such as `ip-dst|port`.
    pub kind: &'static str,
    /// The MISP category, such as `Network activity`.
    pub category: &'static str,
    /// The value (composite types joined with `|`).
    pub value: String,
    /// Whether IDS rules should be made from it.
    pub to_ids: bool,
    /// Family, threat type and confidence as text.
    pub comment: String,
    /// When it was first seen.
    pub first_seen: Option<jiff::Timestamp>,
    /// When it was last seen.
    pub last_seen: Option<jiff::Timestamp>,
    /// Attribute tags.
    pub tags: Vec<String>,
}

/// A MISP event; serializes as MISP's `{"Event": {…}}` JSON.
///
/// ```
/// use iochunt::{Indicator, Ioc};
/// use iochunt::deploy::misp::{self, EventOptions};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let opts = EventOptions::new("XWorm C2", "2026-05-12T00:00:00Z".parse()?);
/// let event = misp::event(&[Indicator::new(Ioc::parse("evil.com")?)], &opts);
/// let json = serde_json::to_value(&event)?;
/// assert_eq!(json["Event"]["info"], "XWorm C2");
/// assert_eq!(json["Event"]["date"], "2026-05-12");
/// assert_eq!(json["Event"]["threat_level_id"], "2");
/// assert_eq!(json["Event"]["timestamp"], "1778544000");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The event's uuid.
    pub uuid: Uuid,
    /// The event-level options.
    pub options: EventOptions,
    /// The attributes, one per distinct indicator value.
    pub attributes: Vec<Attribute>,
}

/// The MISP attribute type and category for an indicator.
///
/// ```
/// use iochunt::Ioc;
/// use iochunt::deploy::misp;
///
/// # fn main() -> Result<(), iochunt::ParseIocError> {
/// assert_eq!(misp::attribute_type(&Ioc::parse("1.2.3.4:443")?), ("ip-dst|port", "Network activity"));
/// assert_eq!(misp::attribute_type(&Ioc::parse("a@evil.com")?), ("email-src", "Payload delivery"));
/// # Ok(())
/// # }
/// ```
#[must_use]
pub fn attribute_type(ioc: &Ioc) -> (&'static str, &'static str) {
    const NET: &str = "Network activity";
    const PAYLOAD: &str = "Payload delivery";
    match ioc {
        Ioc::Ip(_) | Ioc::Cidr(_) => ("ip-dst", NET),
        Ioc::IpPort(_) => ("ip-dst|port", NET),
        Ioc::Domain(_) => ("domain", NET),
        Ioc::Url(_) => ("url", NET),
        Ioc::Hash(h) => (
            match h.kind() {
                HashKind::Md5 => "md5",
                HashKind::Sha1 => "sha1",
                HashKind::Sha256 => "sha256",
                HashKind::Sha512 => "sha512",
                HashKind::Sha3_384 => "sha3-384",
            },
            PAYLOAD,
        ),
        Ioc::Email(_) => ("email-src", PAYLOAD),
    }
}

/// The attribute value: the canonical text, with `|` between address and
/// port for endpoints.
fn attribute_value(ioc: &Ioc) -> String {
    match ioc {
        Ioc::IpPort(sa) => format!("{}|{}", sa.ip(), sa.port()),
        other => other.to_string(),
    }
}

/// Builds a MISP event from indicators.
///
/// Indicators with the same value are merged ([`Indicator::merge`]); the
/// attributes keep the order in which values first appear. See the
/// [module docs](self) for the mapping.
///
/// ```
/// use iochunt::{Indicator, Ioc};
/// use iochunt::deploy::misp::{self, EventOptions};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let opts = EventOptions::new("x", "2026-05-12T00:00:00Z".parse()?);
/// let inds = [Indicator::new(Ioc::parse("[2001:db8::1]:443")?), Indicator::new(Ioc::parse("10.9.8.7/8")?)];
/// let event = misp::event(&inds, &opts);
/// assert_eq!(event.attributes[0].value, "2001:db8::1|443");
/// assert_eq!(event.attributes[1].value, "10.0.0.0/8");
/// assert_eq!(misp::event(&inds, &opts), event); // same uuids every run
/// # Ok(())
/// # }
/// ```
#[must_use]
pub fn event(indicators: &[Indicator], options: &EventOptions) -> Event {
    let mut merged: Vec<Indicator> = Vec::new();
    let mut index: HashMap<&Ioc, usize> = HashMap::new();
    for ind in indicators {
        match index.get(&ind.ioc) {
            Some(&i) => {
                if let Some(slot) = merged.get_mut(i) {
                    let _ = slot.merge(ind.clone());
                }
            }
            None => {
                index.insert(&ind.ioc, merged.len());
                merged.push(ind.clone());
            }
        }
    }
    let event_uuid = Uuid::new_v5(
        &NAMESPACE,
        format!("misp-event|{}|{}", options.info, options.date).as_bytes(),
    );
    let attributes = merged
        .iter()
        .map(|ind| {
            let (kind, category) = attribute_type(&ind.ioc);
            let value = attribute_value(&ind.ioc);
            let mut comment = Vec::new();
            if let Some(m) = &ind.malware {
                comment.push(m.display_name().to_owned());
            }
            if ind.threat_type != ThreatType::Unknown {
                comment.push(ind.threat_type.to_string());
            }
            if let Some(c) = ind.confidence {
                comment.push(format!("confidence {c}"));
            }
            if ind.is_compromised {
                comment.push("compromised legitimate host".to_owned());
            }
            let mut tags: Vec<String> = ind.tags.iter().map(|t| t.to_string()).collect();
            if let Some(m) = &ind.malware {
                tags.push(format!(
                    "misp-galaxy:malpedia=\"{}\"",
                    m.display_name().replace('"', "'")
                ));
            }
            Attribute {
                uuid: Uuid::new_v5(
                    &NAMESPACE,
                    format!("misp-attribute|{event_uuid}|{kind}|{value}").as_bytes(),
                ),
                kind,
                category,
                value,
                to_ids: !ind.is_compromised,
                comment: comment.join(", "),
                first_seen: ind.first_seen,
                last_seen: ind.last_seen,
                tags,
            }
        })
        .collect();
    Event {
        uuid: event_uuid,
        options: options.clone(),
        attributes,
    }
}

/// MISP's `first_seen`/`last_seen` form: microseconds and `+00:00`.
struct MispTime(jiff::Timestamp);

impl Serialize for MispTime {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0.strftime("%Y-%m-%dT%H:%M:%S%.6f+00:00"))
    }
}

/// `{"name": …}`, MISP's tag shape.
#[derive(Serialize)]
struct Tag<'a> {
    name: &'a str,
}

fn tags(names: &[String]) -> Vec<Tag<'_>> {
    names.iter().map(|name| Tag { name }).collect()
}

/// The attribute inside the event, with its event-level fields.
struct AttributeJson<'a> {
    attr: &'a Attribute,
    timestamp: i64,
}

impl Serialize for AttributeJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let a = self.attr;
        let mut s = serializer.serialize_struct("Attribute", 11)?;
        s.serialize_field("uuid", &a.uuid)?;
        s.serialize_field("type", a.kind)?;
        s.serialize_field("category", a.category)?;
        s.serialize_field("value", &a.value)?;
        s.serialize_field("to_ids", &a.to_ids)?;
        s.serialize_field("comment", &a.comment)?;
        // 5: inherit the event's distribution.
        s.serialize_field("distribution", "5")?;
        s.serialize_field("timestamp", &self.timestamp.to_string())?;
        if let Some(t) = a.first_seen {
            s.serialize_field("first_seen", &MispTime(t))?;
        }
        if let Some(t) = a.last_seen {
            s.serialize_field("last_seen", &MispTime(t))?;
        }
        s.serialize_field("Tag", &tags(&a.tags))?;
        s.end()
    }
}

struct EventJson<'a>(&'a Event);

impl Serialize for EventJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let e = self.0;
        let o = &e.options;
        let timestamp = o.timestamp.as_second();
        let attributes: Vec<AttributeJson<'_>> = e
            .attributes
            .iter()
            .map(|attr| AttributeJson { attr, timestamp })
            .collect();
        let mut s = serializer.serialize_struct("Event", 11)?;
        s.serialize_field("uuid", &e.uuid)?;
        s.serialize_field("info", &o.info)?;
        s.serialize_field("date", &o.date.to_string())?;
        s.serialize_field("threat_level_id", &o.threat_level.id().to_string())?;
        s.serialize_field("analysis", &o.analysis.id().to_string())?;
        s.serialize_field("distribution", &o.distribution.id().to_string())?;
        s.serialize_field("published", &false)?;
        s.serialize_field("timestamp", &timestamp.to_string())?;
        s.serialize_field("Tag", &tags(&o.tags))?;
        s.serialize_field("Attribute", &attributes)?;
        s.end()
    }
}

impl Serialize for Event {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("MispEvent", 1)?;
        s.serialize_field("Event", &EventJson(self))?;
        s.end()
    }
}
