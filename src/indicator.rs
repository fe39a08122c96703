//! [`Indicator`]: an [`Ioc`] with the metadata a feed gives it.

use std::fmt;
use std::sync::Arc;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::{Confidence, Ioc, Sources, Tags};

/// What an indicator is evidence of, with ThreatFox's names.
///
/// Unknown names are kept in [`ThreatType::Other`] rather than rejected, so a
/// feed that adds a type loses nothing.
///
/// # Examples
///
/// ```
/// use iochunt::ThreatType;
///
/// assert_eq!(ThreatType::from("botnet_cc"), ThreatType::BotnetCc);
/// assert_eq!(ThreatType::from("phishing").as_str(), "phishing");
/// assert_eq!(ThreatType::BotnetCc.to_string(), "botnet_cc");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[non_exhaustive]
pub enum ThreatType {
    /// A botnet command-and-control server (`botnet_cc`).
    BotnetCc,
    /// A server that delivers malware (`payload_delivery`).
    PayloadDelivery,
    /// A malware sample (`payload`).
    Payload,
    /// Credit-card skimming infrastructure (`cc_skimming`).
    CcSkimming,
    /// No threat type was given.
    #[default]
    Unknown,
    /// A threat type this crate does not know, kept as given.
    Other(String),
}

impl ThreatType {
    /// The name as ThreatFox writes it; `unknown` for [`ThreatType::Unknown`].
    ///
    /// ```
    /// # use iochunt::ThreatType;
    /// assert_eq!(ThreatType::PayloadDelivery.as_str(), "payload_delivery");
    /// ```
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::BotnetCc => "botnet_cc",
            Self::PayloadDelivery => "payload_delivery",
            Self::Payload => "payload",
            Self::CcSkimming => "cc_skimming",
            Self::Unknown => "unknown",
            Self::Other(s) => s,
        }
    }
}

impl From<&str> for ThreatType {
    fn from(s: &str) -> Self {
        match s {
            "botnet_cc" => Self::BotnetCc,
            "payload_delivery" => Self::PayloadDelivery,
            "payload" => Self::Payload,
            "cc_skimming" => Self::CcSkimming,
            "unknown" | "" => Self::Unknown,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for ThreatType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ThreatType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ThreatType {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(ThreatType::from(s.as_ref()))
    }
}

/// A malware family: its Malpedia-style id, printable name and aliases.
///
/// # Examples
///
/// ```
/// use iochunt::Malware;
///
/// let m = Malware::new("win.xworm").with_printable("XWorm");
/// assert_eq!(m.display_name(), "XWorm");
/// assert_eq!(Malware::new("win.remus").display_name(), "win.remus");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Malware {
    /// The family id, such as `win.xworm`.
    pub id: String,
    /// The printable name, such as `XWorm`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub printable: Option<String>,
    /// Other names for the family.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

impl Malware {
    /// A family known only by its id.
    ///
    /// ```
    /// # use iochunt::Malware;
    /// assert_eq!(Malware::new("win.xworm").id, "win.xworm");
    /// ```
    #[must_use]
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            printable: None,
            aliases: Vec::new(),
        }
    }

    /// Sets the printable name.
    ///
    /// ```
    /// # use iochunt::Malware;
    /// assert_eq!(Malware::new("win.xworm").with_printable("XWorm").printable.as_deref(), Some("XWorm"));
    /// ```
    #[must_use]
    pub fn with_printable(mut self, printable: impl Into<String>) -> Self {
        self.printable = Some(printable.into());
        self
    }

    /// The printable name if there is one, else the id.
    ///
    /// ```
    /// # use iochunt::Malware;
    /// assert_eq!(Malware::new("elf.mirai").display_name(), "elf.mirai");
    /// ```
    #[must_use]
    pub fn display_name(&self) -> &str {
        self.printable.as_deref().unwrap_or(&self.id)
    }
}

/// Where an indicator came from: the feed and the record id within it.
///
/// The feed name is shared ([`Arc<str>`]): every record of a feed names the
/// same feed, and cloning the pointer costs no allocation.
///
/// # Examples
///
/// ```
/// use iochunt::Source;
///
/// let s = Source::new("threatfox").with_record_id("1814938");
/// assert_eq!(s.to_string(), "threatfox#1814938");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Source {
    /// The feed's name, such as `threatfox`.
    pub feed: Arc<str>,
    /// The record's id within the feed, where it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_id: Option<String>,
}

impl Source {
    /// A source with no record id.
    ///
    /// ```
    /// # use iochunt::Source;
    /// assert_eq!(Source::new("urlhaus").record_id, None);
    /// assert_eq!(&*Source::new("urlhaus").feed, "urlhaus");
    /// ```
    #[must_use]
    pub fn new(feed: impl Into<Arc<str>>) -> Self {
        Self {
            feed: feed.into(),
            record_id: None,
        }
    }

    /// Sets the record id.
    ///
    /// ```
    /// # use iochunt::Source;
    /// assert_eq!(Source::new("threatfox").with_record_id("7").record_id.as_deref(), Some("7"));
    /// ```
    #[must_use]
    pub fn with_record_id(mut self, id: impl Into<String>) -> Self {
        self.record_id = Some(id.into());
        self
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.record_id {
            Some(id) => write!(f, "{}#{}", self.feed, id),
            None => f.write_str(&self.feed),
        }
    }
}

/// An indicator of compromise with its metadata.
///
/// Identity is the [`Ioc`]: two indicators with the same `ioc` describe the
/// same thing, and [`Indicator::merge`] combines them. Equality (`==`)
/// compares every field; compare `a.ioc == b.ioc` for identity.
///
/// The malware family, tags and reporter are shared values ([`Arc`]): a
/// feed repeats them on record after record, and a
/// [`FeedReader`](crate::feed::FeedReader) hands each indicator a pointer to
/// one copy instead of allocating its own. They serialize as the plain
/// values.
///
/// # Examples
///
/// ```
/// use iochunt::{Confidence, Indicator, Ioc, Malware, Source, ThreatType};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let mut a = Indicator::new(Ioc::parse("192.3.171.227:8823")?);
/// a.threat_type = ThreatType::BotnetCc;
/// a.confidence = Some(Confidence::new(50)?);
/// a.first_seen = Some("2026-05-11T08:00:00Z".parse()?);
/// a.tags.insert("XWorm".into());
/// a.malware = Some(Malware::new("win.xworm").into());
/// a.sources.insert(Source::new("threatfox").with_record_id("1"));
///
/// let mut b = Indicator::new(Ioc::parse("192.3.171.227:8823")?);
/// b.confidence = Some(Confidence::new(75)?);
/// b.first_seen = Some("2026-05-10T08:00:00Z".parse()?);
/// b.tags.insert("RAT".into());
/// b.sources.insert(Source::new("threatfox").with_record_id("2"));
///
/// a.merge(b)?;
/// assert_eq!(a.confidence, Some(Confidence::new(75)?));
/// assert_eq!(a.first_seen, Some("2026-05-10T08:00:00Z".parse()?));
/// assert_eq!(a.tags.len(), 2);
/// assert_eq!(a.sources.len(), 2);
/// assert_eq!(a.threat_type, ThreatType::BotnetCc);
/// assert_eq!(a.malware.as_ref().map(|m| m.display_name()), Some("win.xworm"));
/// assert!(a.tags.contains("RAT"));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indicator {
    /// The indicator value.
    pub ioc: Ioc,
    /// What the indicator is evidence of.
    #[serde(default)]
    pub threat_type: ThreatType,
    /// The malware family, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub malware: Option<Arc<Malware>>,
    /// When the indicator was first seen (UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<Timestamp>,
    /// When the indicator was last seen (UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<Timestamp>,
    /// The feed's confidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<Confidence>,
    /// Free-form tags, sorted.
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
    /// A reference for the indicator (a report or sandbox run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<Url>,
    /// Who reported it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporter: Option<Arc<str>>,
    /// Whether the feed marks the host as compromised legitimate
    /// infrastructure (ThreatFox's `is_compromised`): blocking or alerting on
    /// it may hit real users of a real site.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub is_compromised: bool,
    /// The feeds and records it came from, sorted.
    #[serde(default, skip_serializing_if = "Sources::is_empty")]
    pub sources: Sources,
}

/// Two indicators with different [`Ioc`]s cannot be merged.
///
/// ```
/// use iochunt::{Indicator, Ioc};
///
/// # fn main() -> Result<(), iochunt::ParseIocError> {
/// let mut a = Indicator::new(Ioc::parse("evil.com")?);
/// let err = a.merge(Indicator::new(Ioc::parse("other.com")?)).unwrap_err();
/// assert_eq!(err.to_string(), r#"cannot merge indicator "other.com" into "evil.com""#);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot merge indicator \"{other}\" into \"{this}\"")]
pub struct MergeError {
    this: Box<Ioc>,
    other: Box<Ioc>,
}

impl Indicator {
    /// An indicator with no metadata.
    ///
    /// ```
    /// use iochunt::{Indicator, Ioc, ThreatType};
    /// let i = Indicator::new(Ioc::parse("evil.com")?);
    /// assert_eq!(i.threat_type, ThreatType::Unknown);
    /// assert!(i.tags.is_empty());
    /// # Ok::<(), iochunt::ParseIocError>(())
    /// ```
    #[must_use]
    pub fn new(ioc: Ioc) -> Self {
        Self {
            ioc,
            threat_type: ThreatType::Unknown,
            malware: None,
            first_seen: None,
            last_seen: None,
            confidence: None,
            tags: Tags::new(),
            reference: None,
            reporter: None,
            is_compromised: false,
            sources: Sources::new(),
        }
    }

    /// Merges another report of the same indicator into this one.
    ///
    /// Keeps the highest confidence, the earliest first seen, the latest last
    /// seen, and the union of tags and sources. `is_compromised` holds if
    /// either says so. Threat type, malware, reference and reporter are kept
    /// from `self` and filled in from `other` where `self` has none.
    ///
    /// # Errors
    ///
    /// [`MergeError`] when the two indicators have different values; `self`
    /// is then unchanged.
    pub fn merge(&mut self, other: Indicator) -> Result<(), MergeError> {
        if self.ioc != other.ioc {
            return Err(MergeError {
                this: Box::new(self.ioc.clone()),
                other: Box::new(other.ioc),
            });
        }
        let Indicator {
            ioc: _,
            threat_type,
            malware,
            first_seen,
            last_seen,
            confidence,
            tags,
            reference,
            reporter,
            is_compromised,
            sources,
        } = other;
        if self.threat_type == ThreatType::Unknown {
            self.threat_type = threat_type;
        }
        self.malware = self.malware.take().or(malware);
        self.first_seen = min_some(self.first_seen, first_seen);
        self.last_seen = self.last_seen.max(last_seen);
        self.confidence = self.confidence.max(confidence);
        self.tags.extend(tags);
        self.reference = self.reference.take().or(reference);
        self.reporter = self.reporter.take().or(reporter);
        self.is_compromised |= is_compromised;
        self.sources.extend(sources);
        Ok(())
    }
}

/// The smaller of two optional values, ignoring `None` (unlike `Option::min`,
/// for which `None` is the smallest).
fn min_some<T: Ord>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}
