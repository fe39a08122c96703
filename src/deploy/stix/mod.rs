//! STIX 2.1: indicator bundles, the Microsoft Sentinel upload body, and
//! import of indicator bundles back into [`Indicator`]s.
//!
//! - [`export`] turns indicators into a [`Bundle`]: one `indicator` object
//!   each (pattern from [`Pattern`]), one `malware` object per family and an
//!   `indicates` relationship from each indicator to its family.
//! - [`upload_bodies`] splits a bundle into Sentinel's
//!   `{"sourcesystem", "stixobjects"}` request bodies of at most
//!   [`MAX_UPLOAD_OBJECTS`] objects.
//! - [`import`] reads a bundle (or an upload body) back; indicators whose
//!   pattern does not map to one [`Ioc`](crate::Ioc) are listed in
//!   [`Import::rejected`] with the object id and the reason.
//!
//! # Ids
//!
//! Ids are UUIDv5 in the fixed namespace [`NAMESPACE`], from the canonical
//! value: `indicator--` from the indicator's value, `malware--` from the
//! family id, `relationship--` from the two ids it links and `bundle--` from
//! the ids it holds. Exporting the same indicators twice gives the same ids,
//! so a re-upload updates objects instead of duplicating them.
//!
//! # What an export carries
//!
//! | [`Indicator`] | STIX | back by [`import`] |
//! |---|---|---|
//! | `ioc` | `pattern` | exactly |
//! | `first_seen` | `valid_from` (missing: [`ExportOptions::created`]) | to the millisecond |
//! | `confidence` | `confidence` | exactly |
//! | `threat_type` | label `threat_type:<name>` (none when unknown) | exactly |
//! | `tags` | `labels` | exactly, except tags starting with `threat_type:` |
//! | `is_compromised` | `indicator_types` has `compromised` | exactly |
//! | `malware` | `malware` object (`name`, `aliases`, a `malpedia` external reference with the id) + `indicates` relationship | exactly, except a printable name equal to the id |
//! | `sources` | external references with `source_name` = feed, `external_id` = record id, description `source feed` | exactly |
//! | `reference` | external reference with a `url` and no `external_id` | exactly |
//! | `last_seen`, `reporter` | `description` text only | no |
//!
//! # Example
//!
//! ```
//! use iochunt::{Confidence, Indicator, Ioc, Malware, ThreatType};
//! use iochunt::deploy::stix::{self, ExportOptions};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut ind = Indicator::new(Ioc::parse("104.168.5.18:8823")?);
//! ind.threat_type = ThreatType::BotnetCc;
//! ind.malware = Some(Malware::new("win.xworm").with_printable("XWorm").into());
//! ind.confidence = Some(Confidence::new(75)?);
//! ind.first_seen = Some("2026-05-11T00:00:00Z".parse()?);
//!
//! let bundle = stix::export(&[ind.clone()], &ExportOptions::new("2026-05-12T00:00:00Z".parse()?));
//! assert_eq!(bundle.objects.len(), 3); // indicator, malware, relationship
//!
//! let json = serde_json::to_string(&bundle)?;
//! let back = stix::import(&json)?;
//! assert!(back.rejected.is_empty());
//! assert_eq!(back.indicators, [ind]);
//! # Ok(())
//! # }
//! ```

mod pattern;

pub use pattern::{Pattern, PatternError};

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Confidence, ConfidenceError, Indicator, Malware, Source, ThreatType};

/// The UUIDv5 namespace of every id this module makes.
///
/// ```
/// assert_eq!(iochunt::deploy::stix::NAMESPACE.to_string(), "6b1f5a5e-3c1d-4f0e-9a51-7c2f0e8d4b93");
/// ```
pub const NAMESPACE: Uuid = Uuid::from_u128(0x6b1f_5a5e_3c1d_4f0e_9a51_7c2f_0e8d_4b93);

/// The most objects Sentinel's STIX upload API takes in one request.
pub const MAX_UPLOAD_OBJECTS: usize = 100;

/// The `sourcesystem` value Sentinel reserves for itself.
pub const RESERVED_SOURCE_SYSTEM: &str = "Microsoft Sentinel";

/// The label prefix that carries an indicator's [`ThreatType`].
pub const THREAT_TYPE_LABEL: &str = "threat_type:";

/// A STIX id: `<type>--<UUIDv5 of name in NAMESPACE>`.
fn stix_id(object_type: &str, name: &str) -> String {
    format!(
        "{object_type}--{}",
        Uuid::new_v5(&NAMESPACE, format!("{object_type}|{name}").as_bytes())
    )
}

/// A STIX timestamp: UTC, millisecond precision, `Z` suffix.
///
/// `Display` and serde use `2026-05-11T00:00:00.000Z`; parsing accepts any
/// RFC 3339 time and drops precision below the millisecond.
///
/// ```
/// use iochunt::deploy::stix::StixTimestamp;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let t = StixTimestamp::parse("2026-05-11T08:00:00.123456+02:00")?;
/// assert_eq!(t.to_string(), "2026-05-11T06:00:00.123Z");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StixTimestamp(jiff::Timestamp);

impl StixTimestamp {
    /// The time truncated to the millisecond.
    ///
    /// ```
    /// # use iochunt::deploy::stix::StixTimestamp;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let t = StixTimestamp::new("2026-05-11T00:00:00.9999Z".parse()?);
    /// assert_eq!(t.get(), "2026-05-11T00:00:00.999Z".parse()?);
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn new(ts: jiff::Timestamp) -> Self {
        let ms = ts.as_millisecond();
        Self(jiff::Timestamp::from_millisecond(ms).unwrap_or(ts))
    }

    /// Parses an RFC 3339 timestamp.
    ///
    /// # Errors
    ///
    /// [`TimestampError`] quoting the text.
    ///
    /// ```
    /// # use iochunt::deploy::stix::StixTimestamp;
    /// assert_eq!(
    ///     StixTimestamp::parse("yesterday").unwrap_err().to_string(),
    ///     r#"invalid stix timestamp "yesterday""#
    /// );
    /// ```
    pub fn parse(input: &str) -> Result<Self, TimestampError> {
        input
            .parse::<jiff::Timestamp>()
            .map(Self::new)
            .map_err(|_| TimestampError(input.to_owned()))
    }

    /// The time.
    ///
    /// ```
    /// # use iochunt::deploy::stix::StixTimestamp;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// assert_eq!(StixTimestamp::parse("2026-05-11T00:00:00Z")?.get().as_second(), 1_778_457_600);
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn get(self) -> jiff::Timestamp {
        self.0
    }
}

impl From<jiff::Timestamp> for StixTimestamp {
    fn from(ts: jiff::Timestamp) -> Self {
        Self::new(ts)
    }
}

impl fmt::Display for StixTimestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.strftime("%Y-%m-%dT%H:%M:%S%.3fZ"))
    }
}

impl Serialize for StixTimestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for StixTimestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Text that is not an RFC 3339 timestamp.
///
/// ```
/// # use iochunt::deploy::stix::StixTimestamp;
/// assert_eq!(StixTimestamp::parse("2026-13-01").unwrap_err().input(), "2026-13-01");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid stix timestamp {0:?}")]
pub struct TimestampError(String);

impl TimestampError {
    /// The rejected text.
    ///
    /// ```
    /// # use iochunt::deploy::stix::StixTimestamp;
    /// assert_eq!(StixTimestamp::parse("x").unwrap_err().input(), "x");
    /// ```
    #[must_use]
    pub fn input(&self) -> &str {
        &self.0
    }
}

/// A STIX external reference.
///
/// ```
/// use iochunt::deploy::stix::ExternalReference;
///
/// let r = ExternalReference::new("threatfox");
/// assert_eq!(serde_json::to_string(&r)?, r#"{"source_name":"threatfox"}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ExternalReference {
    /// The source, such as a feed name.
    pub source_name: String,
    /// A description of the reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A URL for the reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The id within the source, such as a feed's record id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
}

impl ExternalReference {
    /// A reference with only a source name.
    ///
    /// ```
    /// # use iochunt::deploy::stix::ExternalReference;
    /// assert_eq!(ExternalReference::new("x").url, None);
    /// ```
    #[must_use]
    pub fn new(source_name: impl Into<String>) -> Self {
        Self {
            source_name: source_name.into(),
            description: None,
            url: None,
            external_id: None,
        }
    }
}

/// A STIX 2.1 `indicator` object.
///
/// ```
/// use iochunt::{Indicator, Ioc};
/// use iochunt::deploy::stix::{self, ExportOptions, Object};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let bundle = stix::export(&[Indicator::new(Ioc::parse("evil.com")?)], &ExportOptions::new("2026-01-01T00:00:00Z".parse()?));
/// let Some(Object::Indicator(ind)) = bundle.objects.first() else { return Err("no indicator".into()) };
/// assert_eq!(ind.pattern, "[domain-name:value = 'evil.com']");
/// assert_eq!(ind.valid_from.to_string(), "2026-01-01T00:00:00.000Z");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IndicatorObject {
    /// Always `2.1`.
    pub spec_version: String,
    /// `indicator--<uuid>`.
    pub id: String,
    /// When the object was made.
    pub created: StixTimestamp,
    /// When the object was last changed.
    pub modified: StixTimestamp,
    /// A short name.
    pub name: String,
    /// A description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Values of the `indicator-type-ov` vocabulary.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indicator_types: Vec<String>,
    /// The detection pattern.
    pub pattern: String,
    /// Always `stix`.
    pub pattern_type: String,
    /// Always `2.1`.
    pub pattern_version: String,
    /// From when the indicator is valid.
    pub valid_from: StixTimestamp,
    /// Free labels (Sentinel's tags).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// Confidence, 0 to 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<u8>,
    /// Sources and references.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub external_references: Vec<ExternalReference>,
}

/// A STIX 2.1 `malware` object for a family.
///
/// ```
/// use iochunt::{Indicator, Ioc, Malware};
/// use iochunt::deploy::stix::{self, ExportOptions, Object};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let mut ind = Indicator::new(Ioc::parse("evil.com")?);
/// ind.malware = Some(Malware::new("win.xworm").with_printable("XWorm").into());
/// let bundle = stix::export(&[ind], &ExportOptions::new("2026-01-01T00:00:00Z".parse()?));
/// let Some(Object::Malware(m)) = bundle.objects.get(1) else { return Err("no malware".into()) };
/// assert_eq!(m.name, "XWorm");
/// assert!(m.is_family);
/// assert_eq!(m.external_references[0].external_id.as_deref(), Some("win.xworm"));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MalwareObject {
    /// Always `2.1`.
    pub spec_version: String,
    /// `malware--<uuid>`.
    pub id: String,
    /// When the object was made.
    pub created: StixTimestamp,
    /// When the object was last changed.
    pub modified: StixTimestamp,
    /// The family's name.
    pub name: String,
    /// Whether this is a family (always `true` here).
    pub is_family: bool,
    /// Other names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// The family id, as a `malpedia` reference.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub external_references: Vec<ExternalReference>,
}

/// A STIX 2.1 `relationship` object.
///
/// ```
/// use iochunt::{Indicator, Ioc, Malware};
/// use iochunt::deploy::stix::{self, ExportOptions, Object};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let mut ind = Indicator::new(Ioc::parse("evil.com")?);
/// ind.malware = Some(Malware::new("win.xworm").into());
/// let bundle = stix::export(&[ind], &ExportOptions::new("2026-01-01T00:00:00Z".parse()?));
/// let Some(Object::Relationship(r)) = bundle.objects.get(2) else { return Err("no relationship".into()) };
/// assert_eq!(r.relationship_type, "indicates");
/// assert_eq!(r.source_ref, bundle.objects[0].id());
/// assert_eq!(r.target_ref, bundle.objects[1].id());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RelationshipObject {
    /// Always `2.1`.
    pub spec_version: String,
    /// `relationship--<uuid>`.
    pub id: String,
    /// When the object was made.
    pub created: StixTimestamp,
    /// When the object was last changed.
    pub modified: StixTimestamp,
    /// Always `indicates` here.
    pub relationship_type: String,
    /// The indicator's id.
    pub source_ref: String,
    /// The malware's id.
    pub target_ref: String,
}

/// A STIX object of a type this module writes; serialized with its `type`.
///
/// ```
/// use iochunt::{Indicator, Ioc};
/// use iochunt::deploy::stix::{self, ExportOptions};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let bundle = stix::export(&[Indicator::new(Ioc::parse("evil.com")?)], &ExportOptions::new("2026-01-01T00:00:00Z".parse()?));
/// let json = serde_json::to_value(&bundle.objects[0])?;
/// assert_eq!(json["type"], "indicator");
/// assert_eq!(json["id"], bundle.objects[0].id());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Object {
    /// An `indicator`.
    Indicator(IndicatorObject),
    /// A `malware` family.
    Malware(MalwareObject),
    /// A `relationship`.
    Relationship(RelationshipObject),
}

impl Object {
    /// The object's id.
    ///
    /// ```
    /// # use iochunt::{Indicator, Ioc};
    /// # use iochunt::deploy::stix::{self, ExportOptions};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let bundle = stix::export(&[Indicator::new(Ioc::parse("evil.com")?)], &ExportOptions::new("2026-01-01T00:00:00Z".parse()?));
    /// assert!(bundle.objects[0].id().starts_with("indicator--"));
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn id(&self) -> &str {
        match self {
            Self::Indicator(o) => &o.id,
            Self::Malware(o) => &o.id,
            Self::Relationship(o) => &o.id,
        }
    }
}

/// A STIX 2.1 bundle; serializes as `{"type": "bundle", "id", "objects"}`.
///
/// ```
/// use iochunt::{Indicator, Ioc};
/// use iochunt::deploy::stix::{self, ExportOptions};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let bundle = stix::export(&[Indicator::new(Ioc::parse("evil.com")?)], &ExportOptions::new("2026-01-01T00:00:00Z".parse()?));
/// let json = serde_json::to_value(&bundle)?;
/// assert_eq!(json["type"], "bundle");
/// assert!(json["id"].as_str().is_some_and(|id| id.starts_with("bundle--")));
/// assert_eq!(json["objects"].as_array().map(Vec::len), Some(1));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    /// `bundle--<uuid>`.
    pub id: String,
    /// Indicators first, then malware families, then relationships.
    pub objects: Vec<Object>,
}

impl Serialize for Bundle {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Bundle", 3)?;
        s.serialize_field("type", "bundle")?;
        s.serialize_field("id", &self.id)?;
        s.serialize_field("objects", &self.objects)?;
        s.end()
    }
}

/// Options for [`export`].
///
/// ```
/// use iochunt::deploy::stix::ExportOptions;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let opts = ExportOptions::new("2026-05-12T00:00:00Z".parse()?);
/// assert_eq!(opts.created.to_string(), "2026-05-12T00:00:00.000Z");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportOptions {
    /// The `created` and `modified` time of every object, and the
    /// `valid_from` of indicators without a first-seen time. It is an
    /// option, not the clock, so that the output is the same on every run.
    pub created: StixTimestamp,
}

impl ExportOptions {
    /// Options with the given creation time.
    ///
    /// ```
    /// # use iochunt::deploy::stix::ExportOptions;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let opts = ExportOptions::new("2026-05-12T00:00:00.5Z".parse()?);
    /// assert_eq!(opts.created.to_string(), "2026-05-12T00:00:00.500Z");
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn new(created: jiff::Timestamp) -> Self {
        Self {
            created: StixTimestamp::new(created),
        }
    }
}

/// The description of an external reference that names a source feed
/// (STIX wants a description, url or external id besides the source name).
const SOURCE_DESCRIPTION: &str = "source feed";

/// The description of the external reference for [`Indicator::reference`].
const REFERENCE_DESCRIPTION: &str = "reference";

/// The feed ThreatFox is known by; its records get a link.
const THREATFOX: &str = "threatfox";

/// Exports indicators as a STIX 2.1 bundle.
///
/// Indicators with the same value are merged first ([`Indicator::merge`]);
/// the output keeps the order in which values first appear. See the
/// [module docs](self) for the mapping of each field.
///
/// ```
/// use iochunt::{Indicator, Ioc};
/// use iochunt::deploy::stix::{self, ExportOptions, Object};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let opts = ExportOptions::new("2026-01-01T00:00:00Z".parse()?);
/// let inds = [Indicator::new(Ioc::parse("10.1.2.3/8")?), Indicator::new(Ioc::parse("10.0.0.0/8")?)];
/// let bundle = stix::export(&inds, &opts);
/// assert_eq!(bundle.objects.len(), 1);
/// let Object::Indicator(ind) = &bundle.objects[0] else { return Err("no indicator".into()) };
/// assert_eq!(ind.pattern, "[ipv4-addr:value ISSUBSET '10.0.0.0/8']");
/// assert_eq!(stix::export(&inds, &opts), bundle); // same ids every run
/// # Ok(())
/// # }
/// ```
#[must_use]
pub fn export(indicators: &[Indicator], options: &ExportOptions) -> Bundle {
    let merged = merge_all(indicators.iter().cloned());
    let mut objects = Vec::with_capacity(merged.len() * 2);
    let mut families: Vec<(String, &Malware)> = Vec::new();
    let mut relationships = Vec::new();
    for ind in &merged {
        let obj = indicator_object(ind, options);
        if let Some(m) = &ind.malware {
            let malware_id = match families.iter().find(|(_, f)| f.id == m.id) {
                Some((id, _)) => id.clone(),
                None => {
                    let id = stix_id("malware", &m.id);
                    families.push((id.clone(), m));
                    id
                }
            };
            relationships.push(RelationshipObject {
                spec_version: "2.1".to_owned(),
                id: stix_id(
                    "relationship",
                    &format!("indicates|{}|{malware_id}", obj.id),
                ),
                created: options.created,
                modified: options.created,
                relationship_type: "indicates".to_owned(),
                source_ref: obj.id.clone(),
                target_ref: malware_id,
            });
        }
        objects.push(Object::Indicator(obj));
    }
    for (id, m) in families {
        objects.push(Object::Malware(malware_object(id, m, options)));
    }
    objects.extend(relationships.into_iter().map(Object::Relationship));
    let mut key = String::new();
    for o in &objects {
        key.push_str(o.id());
        key.push(',');
    }
    Bundle {
        id: stix_id("bundle", &key),
        objects,
    }
}

/// Merges indicators with equal values, keeping first-appearance order.
fn merge_all(indicators: impl IntoIterator<Item = Indicator>) -> Vec<Indicator> {
    let mut out: Vec<Indicator> = Vec::new();
    let mut index: HashMap<crate::Ioc, usize> = HashMap::new();
    for ind in indicators {
        match index.get(&ind.ioc) {
            // Same value, so the merge cannot fail.
            Some(&i) => {
                if let Some(slot) = out.get_mut(i) {
                    let _ = slot.merge(ind);
                }
            }
            None => {
                index.insert(ind.ioc.clone(), out.len());
                out.push(ind);
            }
        }
    }
    out
}

fn indicator_object(ind: &Indicator, options: &ExportOptions) -> IndicatorObject {
    let value = ind.ioc.to_string();
    let mut name_parts = Vec::new();
    if let Some(m) = &ind.malware {
        name_parts.push(m.display_name().to_owned());
    }
    if ind.threat_type != ThreatType::Unknown {
        name_parts.push(ind.threat_type.to_string());
    }
    let name = if name_parts.is_empty() {
        value.clone()
    } else {
        format!("{}: {value}", name_parts.join(" "))
    };

    let mut description = format!("{} indicator {value}", ind.ioc.kind());
    if let Some(c) = ind.confidence {
        description.push_str(&format!(", confidence {c}"));
    }
    if let Some(t) = ind.last_seen {
        description.push_str(&format!(", last seen {}", StixTimestamp::new(t)));
    }
    if let Some(r) = &ind.reporter {
        description.push_str(&format!(", reported by {r}"));
    }
    if !ind.sources.is_empty() {
        let sources: Vec<String> = ind.sources.iter().map(Source::to_string).collect();
        description.push_str(&format!(", sources {}", sources.join(" ")));
    }
    if ind.is_compromised {
        description.push_str(", a compromised legitimate host");
    }

    let mut indicator_types = Vec::new();
    if ind.is_compromised {
        indicator_types.push("compromised".to_owned());
    }
    indicator_types.push("malicious-activity".to_owned());

    let mut labels = Vec::new();
    if ind.threat_type != ThreatType::Unknown {
        labels.push(format!("{THREAT_TYPE_LABEL}{}", ind.threat_type));
    }
    labels.extend(ind.tags.iter().map(|t| t.to_string()));

    let mut external_references: Vec<ExternalReference> = ind
        .sources
        .iter()
        .map(|s| {
            let url = match &s.record_id {
                Some(id) if s.feed.eq_ignore_ascii_case(THREATFOX) && is_plain_id(id) => {
                    Some(format!("https://threatfox.abuse.ch/ioc/{id}/"))
                }
                _ => None,
            };
            ExternalReference {
                source_name: s.feed.to_string(),
                description: Some(SOURCE_DESCRIPTION.to_owned()),
                url,
                external_id: s.record_id.clone(),
            }
        })
        .collect();
    if let Some(url) = &ind.reference {
        external_references.push(ExternalReference {
            source_name: url.host_str().unwrap_or("reference").to_owned(),
            description: Some(REFERENCE_DESCRIPTION.to_owned()),
            url: Some(url.as_str().to_owned()),
            external_id: None,
        });
    }

    IndicatorObject {
        spec_version: "2.1".to_owned(),
        id: stix_id("indicator", &value),
        created: options.created,
        modified: options.created,
        name,
        description: Some(description),
        indicator_types,
        pattern: Pattern::new(&ind.ioc).to_string(),
        pattern_type: "stix".to_owned(),
        pattern_version: "2.1".to_owned(),
        valid_from: ind.first_seen.map_or(options.created, StixTimestamp::new),
        labels,
        confidence: ind.confidence.map(Confidence::get),
        external_references,
    }
}

/// Whether an id is safe to put in a URL path as it is.
fn is_plain_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
}

fn malware_object(id: String, m: &Malware, options: &ExportOptions) -> MalwareObject {
    let url = is_plain_id(&m.id)
        .then(|| format!("https://malpedia.caad.fkie.fraunhofer.de/details/{}", m.id));
    MalwareObject {
        spec_version: "2.1".to_owned(),
        id,
        created: options.created,
        modified: options.created,
        name: m.display_name().to_owned(),
        is_family: true,
        aliases: m.aliases.clone(),
        external_references: vec![ExternalReference {
            source_name: MALPEDIA.to_owned(),
            description: Some("malware family id".to_owned()),
            url,
            external_id: Some(m.id.clone()),
        }],
    }
}

/// The external reference source that carries a family id.
const MALPEDIA: &str = "malpedia";

/// One request body for Sentinel's STIX objects upload API:
/// `{"sourcesystem": …, "stixobjects": […]}`.
///
/// ```
/// use iochunt::{Indicator, Ioc};
/// use iochunt::deploy::stix::{self, ExportOptions};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let bundle = stix::export(&[Indicator::new(Ioc::parse("evil.com")?)], &ExportOptions::new("2026-01-01T00:00:00Z".parse()?));
/// let bodies = stix::upload_bodies(&bundle, "iochunt")?;
/// let json = serde_json::to_value(&bodies[0])?;
/// assert_eq!(json["sourcesystem"], "iochunt");
/// assert_eq!(json["stixobjects"][0]["type"], "indicator");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UploadBody {
    /// The name of the uploading system.
    pub sourcesystem: String,
    /// At most [`MAX_UPLOAD_OBJECTS`] objects.
    pub stixobjects: Vec<Object>,
}

/// Why [`upload_bodies`] refused a source system name.
///
/// ```
/// use iochunt::deploy::stix::{self, Bundle, UploadError};
///
/// let bundle = Bundle { id: "bundle--6b1f5a5e-3c1d-4f0e-9a51-7c2f0e8d4b93".into(), objects: vec![] };
/// let err = stix::upload_bodies(&bundle, "Microsoft Sentinel").unwrap_err();
/// assert_eq!(err.to_string(), r#"source system "Microsoft Sentinel" is reserved by sentinel"#);
/// assert_eq!(stix::upload_bodies(&bundle, " ").unwrap_err(), UploadError::EmptySourceSystem);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UploadError {
    /// The name Sentinel keeps for itself (compared case-insensitively).
    #[error("source system {0:?} is reserved by sentinel")]
    ReservedSourceSystem(String),
    /// An empty or blank name.
    #[error("source system is empty")]
    EmptySourceSystem,
}

/// Splits a bundle into Sentinel upload bodies of at most
/// [`MAX_UPLOAD_OBJECTS`] objects each.
///
/// Every body stands on its own: a relationship travels with its source
/// and target objects, so a family's `malware` object is repeated (same id,
/// same content, an idempotent update) in each body that links to it.
/// Objects otherwise keep bundle order, and an object already sent with
/// the objects that link to it is not sent again on its own. Only an object with more than 98
/// relationships can be split from some of them.
///
/// Sentinel also allows 100 requests a minute per user, answers `429` with
/// the seconds to wait, and reports bad objects of an accepted request in
/// `errors[].recordIndex` (0-based within that request); pacing and retries
/// are the caller's.
///
/// # Errors
///
/// [`UploadError`] for an empty source system or the reserved
/// [`RESERVED_SOURCE_SYSTEM`].
///
/// ```
/// use iochunt::{Indicator, Ioc};
/// use iochunt::deploy::stix::{self, ExportOptions};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let inds: Vec<Indicator> = (0..250u32)
///     .map(|i| Ioc::parse(&format!("10.0.{}.{}", i / 256, i % 256)).map(Indicator::new))
///     .collect::<Result<_, _>>()?;
/// let bundle = stix::export(&inds, &ExportOptions::new("2026-01-01T00:00:00Z".parse()?));
/// let sizes: Vec<usize> = stix::upload_bodies(&bundle, "iochunt")?.iter().map(|b| b.stixobjects.len()).collect();
/// assert_eq!(sizes, [100, 100, 50]);
/// # Ok(())
/// # }
/// ```
pub fn upload_bodies(bundle: &Bundle, source_system: &str) -> Result<Vec<UploadBody>, UploadError> {
    if source_system.trim().is_empty() {
        return Err(UploadError::EmptySourceSystem);
    }
    if source_system
        .trim()
        .eq_ignore_ascii_case(RESERVED_SOURCE_SYSTEM)
    {
        return Err(UploadError::ReservedSourceSystem(source_system.to_owned()));
    }
    let by_id: HashMap<&str, &Object> = bundle.objects.iter().map(|o| (o.id(), o)).collect();
    let mut rels_of: HashMap<&str, Vec<&RelationshipObject>> = HashMap::new();
    for o in &bundle.objects {
        if let Object::Relationship(r) = o {
            if by_id.contains_key(r.source_ref.as_str()) {
                rels_of.entry(r.source_ref.as_str()).or_default().push(r);
            }
        }
    }
    // Units: an object with its relationships and their targets, or a
    // relationship whose source is not in the bundle.
    let mut units: Vec<Vec<&Object>> = Vec::new();
    for o in &bundle.objects {
        match o {
            Object::Relationship(r) if by_id.contains_key(r.source_ref.as_str()) => {}
            Object::Relationship(_) => units.push(vec![o]),
            _ => {
                let mut unit = vec![o];
                for r in rels_of.get(o.id()).into_iter().flatten() {
                    if let Some(target) = by_id.get(r.target_ref.as_str()) {
                        unit.push(target);
                    }
                    if let Some(rel) = by_id.get(r.id.as_str()) {
                        unit.push(rel);
                    }
                }
                units.push(unit);
            }
        }
    }
    let mut bodies = Vec::new();
    let mut batch: Vec<Object> = Vec::new();
    let mut ids: HashSet<&str> = HashSet::new();
    let mut emitted: HashSet<&str> = HashSet::new();
    for unit in units {
        if unit.iter().all(|o| emitted.contains(o.id())) {
            continue; // a family already sent with its indicators
        }
        emitted.extend(unit.iter().map(|o| o.id()));
        let fresh = |ids: &HashSet<&str>| {
            let mut seen = HashSet::new();
            unit.iter()
                .filter(|o| !ids.contains(o.id()) && seen.insert(o.id()))
                .count()
        };
        if !batch.is_empty() && batch.len() + fresh(&ids) > MAX_UPLOAD_OBJECTS {
            bodies.push(std::mem::take(&mut batch));
            ids.clear();
        }
        for o in &unit {
            if ids.insert(o.id()) {
                if batch.len() == MAX_UPLOAD_OBJECTS {
                    bodies.push(std::mem::take(&mut batch));
                    ids.clear();
                    ids.insert(o.id());
                }
                batch.push((*o).clone());
            }
        }
    }
    if !batch.is_empty() {
        bodies.push(batch);
    }
    Ok(bodies
        .into_iter()
        .map(|stixobjects| UploadBody {
            sourcesystem: source_system.to_owned(),
            stixobjects,
        })
        .collect())
}

/// The result of [`import`]: the indicators read, and the indicator objects
/// that could not be read, each with its reason.
///
/// ```
/// use iochunt::deploy::stix;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let json = r#"{"type": "bundle", "id": "bundle--6b1f5a5e-3c1d-4f0e-9a51-7c2f0e8d4b93", "objects": [
///   {"type": "indicator", "id": "indicator--1", "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z",
///    "pattern": "[domain-name:value = 'evil.com']"},
///   {"type": "indicator", "id": "indicator--2", "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z",
///    "pattern": "[process:name = 'evil.exe']"}]}"#;
/// let import = stix::import(json)?;
/// assert_eq!(import.indicators.len(), 1);
/// assert_eq!(import.rejected.len(), 1);
/// assert_eq!(import.rejected[0].id.as_deref(), Some("indicator--2"));
/// assert_eq!(
///     import.rejected[0].to_string(),
///     r#"object 1 (indicator--2): unsupported stix pattern "[process:name = 'evil.exe']": object path process:name is not an indicator this crate maps"#
/// );
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Import {
    /// The indicators, merged by value, in order of first appearance.
    pub indicators: Vec<Indicator>,
    /// Indicator objects that did not give an indicator.
    pub rejected: Vec<Rejected>,
}

/// An indicator object [`import`] could not read.
///
/// ```
/// use iochunt::deploy::stix::{self, RejectReason};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let json = r#"{"type": "bundle", "id": "bundle--6b1f5a5e-3c1d-4f0e-9a51-7c2f0e8d4b93", "objects": [
///   {"type": "indicator", "id": "indicator--9", "pattern_type": "yara", "valid_from": "2026-01-01T00:00:00Z", "pattern": "rule x {}"}]}"#;
/// let r = &stix::import(json)?.rejected[0];
/// assert_eq!((r.index, r.id.as_deref()), (0, Some("indicator--9")));
/// assert_eq!(r.reason, RejectReason::PatternType("yara".into()));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("object {index} ({}): {reason}", id.as_deref().unwrap_or("no id"))]
pub struct Rejected {
    /// The object's position in the bundle's `objects`, from 0.
    pub index: usize,
    /// The object's `id`, when it has one.
    pub id: Option<String>,
    /// Why it was rejected.
    #[source]
    pub reason: RejectReason,
}

/// Why an indicator object was rejected.
///
/// ```
/// use iochunt::deploy::stix::RejectReason;
/// assert_eq!(RejectReason::Missing("pattern").to_string(), "missing property pattern");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RejectReason {
    /// A required property is absent.
    #[error("missing property {0}")]
    Missing(&'static str),
    /// A property has the wrong JSON type.
    #[error("property {property} is not {expected}")]
    WrongType {
        /// The property.
        property: &'static str,
        /// What it should be.
        expected: &'static str,
    },
    /// The pattern is not a STIX pattern (`pcre`, `yara`, …).
    #[error("pattern type {0:?} is not stix")]
    PatternType(String),
    /// The pattern does not map to one indicator.
    #[error(transparent)]
    Pattern(#[from] PatternError),
    /// `valid_from` is not a timestamp.
    #[error(transparent)]
    ValidFrom(#[from] TimestampError),
    /// `confidence` is outside 0 to 100.
    #[error(transparent)]
    Confidence(#[from] ConfidenceError),
}

/// The whole document could not be read.
///
/// ```
/// use iochunt::deploy::stix::{self, ImportError};
///
/// assert!(matches!(stix::import("{"), Err(ImportError::Json(_))));
/// assert_eq!(
///     stix::import(r#"{"type": "indicator"}"#).unwrap_err().to_string(),
///     "not a stix bundle or sentinel upload body: no objects or stixobjects array"
/// );
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// Not JSON.
    #[error("invalid json in stix document")]
    Json(#[source] serde_json::Error),
    /// JSON without an `objects` (bundle) or `stixobjects` (upload body) array.
    #[error("not a stix bundle or sentinel upload body: no objects or stixobjects array")]
    NotABundle,
}

/// Reads a STIX 2.x bundle (or a Sentinel upload body) into indicators.
///
/// Each `indicator` object gives one [`Indicator`] (merged with others of
/// the same value) or one [`Rejected`] entry; `malware` objects linked by an
/// `indicates` relationship set [`Indicator::malware`]; other objects are
/// skipped. See the [module docs](self) for the mapping of each field.
///
/// # Errors
///
/// [`ImportError`] when the text is not JSON or has no object array.
/// Problems with single objects are reported in [`Import::rejected`].
///
/// ```
/// use iochunt::{Ioc, ThreatType};
/// use iochunt::deploy::stix;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let json = r#"{"sourcesystem": "x", "stixobjects": [
///   {"type": "indicator", "id": "indicator--1", "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z",
///    "labels": ["threat_type:botnet_cc", "rat"], "confidence": 80,
///    "pattern": "[network-traffic:dst_port = 443 AND network-traffic:dst_ref.value = '2001:db8::1']"}]}"#;
/// let ind = &stix::import(json)?.indicators[0];
/// assert_eq!(ind.ioc, Ioc::parse("[2001:db8::1]:443")?);
/// assert_eq!(ind.threat_type, ThreatType::BotnetCc);
/// assert_eq!(ind.tags.iter().map(|t| &**t).collect::<Vec<_>>(), ["rat"]);
/// assert_eq!(ind.confidence.map(|c| c.get()), Some(80));
/// # Ok(())
/// # }
/// ```
pub fn import(json: &str) -> Result<Import, ImportError> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(ImportError::Json)?;
    import_value(&value)
}

/// [`import`] for JSON already parsed.
///
/// # Errors
///
/// [`ImportError::NotABundle`] when the value has no object array.
///
/// ```
/// use iochunt::deploy::stix;
///
/// let v = serde_json::json!({"type": "bundle", "id": "bundle--x", "objects": []});
/// assert_eq!(stix::import_value(&v).map(|i| i.indicators.len()).ok(), Some(0));
/// ```
pub fn import_value(value: &serde_json::Value) -> Result<Import, ImportError> {
    let objects = value
        .get("objects")
        .or_else(|| value.get("stixobjects"))
        .and_then(serde_json::Value::as_array)
        .ok_or(ImportError::NotABundle)?;

    // Families and links first, so that order in the bundle does not matter.
    // Shared: every indicator of a family points to one copy.
    let mut families: HashMap<&str, Arc<Malware>> = HashMap::new();
    let mut links: BTreeMap<&str, &str> = BTreeMap::new();
    for obj in objects {
        match obj.get("type").and_then(serde_json::Value::as_str) {
            Some("malware") => {
                if let Some((id, m)) = read_malware(obj) {
                    families.insert(id, Arc::new(m));
                }
            }
            Some("relationship") => {
                let rel = |k: &str| obj.get(k).and_then(serde_json::Value::as_str);
                if let (Some("indicates"), Some(src), Some(dst)) = (
                    rel("relationship_type"),
                    rel("source_ref"),
                    rel("target_ref"),
                ) {
                    links.entry(src).or_insert(dst);
                }
            }
            _ => {}
        }
    }

    let mut read = Vec::new();
    let mut rejected = Vec::new();
    for (index, obj) in objects.iter().enumerate() {
        if obj.get("type").and_then(serde_json::Value::as_str) != Some("indicator") {
            continue;
        }
        let id = obj.get("id").and_then(serde_json::Value::as_str);
        match read_indicator(obj) {
            Ok(mut ind) => {
                ind.malware = id
                    .and_then(|id| links.get(id))
                    .and_then(|m| families.get(m))
                    .cloned();
                read.push(ind);
            }
            Err(reason) => rejected.push(Rejected {
                index,
                id: id.map(str::to_owned),
                reason,
            }),
        }
    }
    Ok(Import {
        indicators: merge_all(read),
        rejected,
    })
}

fn str_prop<'a>(
    obj: &'a serde_json::Value,
    property: &'static str,
) -> Result<Option<&'a str>, RejectReason> {
    match obj.get(property) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(v) => v.as_str().map(Some).ok_or(RejectReason::WrongType {
            property,
            expected: "a string",
        }),
    }
}

fn str_list<'a>(
    obj: &'a serde_json::Value,
    property: &'static str,
) -> Result<Vec<&'a str>, RejectReason> {
    let wrong = RejectReason::WrongType {
        property,
        expected: "a list of strings",
    };
    match obj.get(property) {
        None | Some(serde_json::Value::Null) => Ok(Vec::new()),
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().ok_or(wrong.clone()))
            .collect(),
        Some(_) => Err(wrong),
    }
}

fn read_indicator(obj: &serde_json::Value) -> Result<Indicator, RejectReason> {
    let pattern = str_prop(obj, "pattern")?.ok_or(RejectReason::Missing("pattern"))?;
    let pattern_type =
        str_prop(obj, "pattern_type")?.ok_or(RejectReason::Missing("pattern_type"))?;
    if pattern_type != "stix" {
        return Err(RejectReason::PatternType(pattern_type.to_owned()));
    }
    let ioc = Pattern::parse(pattern)?;
    let mut ind = Indicator::new(ioc);
    if let Some(t) = str_prop(obj, "valid_from")? {
        ind.first_seen = Some(StixTimestamp::parse(t)?.get());
    }
    match obj.get("confidence") {
        None | Some(serde_json::Value::Null) => {}
        Some(v) => {
            let n = v.as_u64().ok_or(RejectReason::WrongType {
                property: "confidence",
                expected: "an integer from 0 to 100",
            })?;
            let n = u8::try_from(n).unwrap_or(u8::MAX);
            ind.confidence = Some(Confidence::new(n)?);
        }
    }
    for label in str_list(obj, "labels")? {
        match label.strip_prefix(THREAT_TYPE_LABEL) {
            Some(t) if ind.threat_type == ThreatType::Unknown => {
                ind.threat_type = ThreatType::from(t);
            }
            _ => {
                ind.tags.insert(label.into());
            }
        }
    }
    ind.is_compromised = str_list(obj, "indicator_types")?.contains(&"compromised");
    if let Some(serde_json::Value::Array(refs)) = obj.get("external_references") {
        for r in refs {
            let Ok(r) = ExternalReference::deserialize(r) else {
                continue;
            };
            match (&r.external_id, &r.url) {
                (None, Some(url)) => {
                    if ind.reference.is_none() {
                        ind.reference = url::Url::parse(url).ok();
                    }
                }
                (record, _) => {
                    let mut s = Source::new(r.source_name);
                    s.record_id = record.clone();
                    ind.sources.insert(s);
                }
            }
        }
    }
    Ok(ind)
}

fn read_malware(obj: &serde_json::Value) -> Option<(&str, Malware)> {
    let id = obj.get("id")?.as_str()?;
    let name = obj.get("name").and_then(serde_json::Value::as_str);
    let family_id = obj
        .get("external_references")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .find(|r| r.get("source_name").and_then(serde_json::Value::as_str) == Some(MALPEDIA))
        .and_then(|r| r.get("external_id"))
        .and_then(serde_json::Value::as_str);
    let mut m = Malware::new(family_id.or(name)?);
    if let Some(name) = name.filter(|n| *n != m.id) {
        m.printable = Some(name.to_owned());
    }
    m.aliases = str_list(obj, "aliases")
        .unwrap_or_default()
        .into_iter()
        .map(str::to_owned)
        .collect();
    Some((id, m))
}
