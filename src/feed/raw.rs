//! Format-level records: every feed format is first read into [`RawRecord`],
//! a flat bag of optional strings, before one shared step builds the
//! `Indicator`.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};

/// One record as read from a feed, before interpretation.
/// Fields borrow from the reader's buffer where the format allows (CSV,
/// lists) and own their text where it does not (JSON).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RawRecord<'a> {
    pub id: Option<Cow<'a, str>>,
    pub value: Cow<'a, str>,
    pub ioc_type: Option<Cow<'a, str>>,
    pub threat_type: Option<Cow<'a, str>>,
    pub malware: Option<Cow<'a, str>>,
    pub malware_printable: Option<Cow<'a, str>>,
    pub malware_alias: Option<Cow<'a, str>>,
    pub first_seen: Option<Cow<'a, str>>,
    pub last_seen: Option<Cow<'a, str>>,
    pub confidence: Option<Cow<'a, str>>,
    pub is_compromised: Option<Cow<'a, str>>,
    pub reference: Option<Cow<'a, str>>,
    pub reporter: Option<Cow<'a, str>>,
    pub tags: Vec<Cow<'a, str>>,
    /// Tags still joined by commas as a CSV row holds them, split only when
    /// the indicator is built, so a row costs no list of its own.
    pub joined_tags: Option<&'a str>,
}

impl<'a> RawRecord<'a> {
    /// Every tag, trimmed and non-empty: the listed ones, then the joined ones.
    pub(crate) fn tags(&self) -> impl Iterator<Item = &str> {
        let joined = self.joined_tags.into_iter().flat_map(list_items);
        self.tags.iter().map(|t| t.as_ref()).chain(joined)
    }
}

/// ThreatFox record as found in API responses (`get_iocs`, `search_ioc`, …),
/// in ndjson dumps of API items and in the JSON export. The export spells a
/// few fields differently; aliases cover both.
#[derive(Debug, Deserialize)]
pub(crate) struct JsonRecord {
    #[serde(default, alias = "ioc_id", deserialize_with = "string_or_number")]
    id: Option<String>,
    #[serde(alias = "ioc_value")]
    ioc: String,
    #[serde(default)]
    ioc_type: Option<String>,
    #[serde(default)]
    threat_type: Option<String>,
    #[serde(default, alias = "fk_malware")]
    malware: Option<String>,
    #[serde(default)]
    malware_printable: Option<String>,
    #[serde(default)]
    malware_alias: Option<String>,
    #[serde(default, alias = "first_seen_utc")]
    first_seen: Option<String>,
    #[serde(default, alias = "last_seen_utc")]
    last_seen: Option<String>,
    #[serde(default, deserialize_with = "string_or_number")]
    confidence_level: Option<String>,
    #[serde(default, deserialize_with = "bool_like")]
    is_compromised: Option<String>,
    #[serde(default)]
    reference: Option<String>,
    #[serde(default)]
    reporter: Option<String>,
    #[serde(default, deserialize_with = "tags")]
    tags: Vec<String>,
}

impl JsonRecord {
    pub(crate) fn into_raw(self, key: Option<&str>) -> RawRecord<'static> {
        let own = |v: Option<String>| v.map(Cow::Owned);
        RawRecord {
            id: own(self.id.or_else(|| key.map(str::to_owned))),
            value: Cow::Owned(self.ioc),
            ioc_type: own(self.ioc_type),
            threat_type: own(self.threat_type),
            malware: own(self.malware),
            malware_printable: own(self.malware_printable),
            malware_alias: own(self.malware_alias),
            first_seen: own(self.first_seen),
            last_seen: own(self.last_seen),
            confidence: own(self.confidence_level),
            is_compromised: own(self.is_compromised),
            reference: own(self.reference),
            reporter: own(self.reporter),
            tags: self.tags.into_iter().map(Cow::Owned).collect(),
            joined_tags: None,
        }
    }
}

/// Accepts a string or an integer (ids and confidence appear as both).
fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or an integer")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(v.to_owned()))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(V)
        }
    }
    d.deserialize_any(V)
}

/// Accepts `true`/`false`, `"True"`/`"False"`, `0`/`1` and null.
fn bool_like<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a boolean")
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(Some(if v { "true" } else { "false" }.to_owned()))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(v.to_owned()))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(V)
        }
    }
    d.deserialize_any(V)
}

/// Tags: an array of strings (API), one comma-joined string (export), or null.
fn tags<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an array of strings or a comma-separated string")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(split_list(v))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(t) = seq.next_element::<String>()? {
                let t = t.trim();
                if !t.is_empty() {
                    out.push(t.to_owned());
                }
            }
            Ok(out)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(V)
        }
    }
    d.deserialize_any(V)
}

/// Splits a comma-joined list, dropping empty items and the `None` marker.
pub(crate) fn split_list(v: &str) -> Vec<String> {
    if is_null(v) {
        return Vec::new();
    }
    list_items(v).map(str::to_owned).collect()
}

/// The items of a comma-joined list, trimmed, without empty ones.
///
/// `str::split(',')` and `str::trim` are general (a char searcher, Unicode
/// white space at both ends); the lists here are short ASCII, where a byte
/// scan and `trim` below decide almost at once. The items are the same.
pub(crate) fn list_items(v: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(v);
    std::iter::from_fn(move || {
        loop {
            let text = rest?;
            let item = match text.bytes().position(|b| b == b',') {
                Some(i) => {
                    rest = Some(&text[i + 1..]);
                    &text[..i]
                }
                None => {
                    rest = None;
                    text
                }
            };
            let item = trim(item);
            if !item.is_empty() {
                return Some(item);
            }
        }
    })
}

/// `str::trim`, answered from the end bytes when they are plain ASCII.
fn trim(v: &str) -> &str {
    // Every Unicode white space character is ASCII white space or starts
    // with a byte of 0x80 or more.
    let plain = |b: u8| b.is_ascii_graphic();
    match v.as_bytes() {
        [first, .., last] if plain(*first) && plain(*last) => v,
        [only] if plain(*only) => v,
        _ => v.trim(),
    }
}

/// The null markers used by abuse.ch exports.
pub(crate) fn is_null(v: &str) -> bool {
    // Most values are long or unpadded: no marker is longer than four bytes.
    let v = trim(v);
    v.len() <= 4 && matches!(v, "" | "None" | "none" | "null" | "n/a" | "N/A")
}

/// Column layouts of the CSV dialects we know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Columns {
    ThreatFox,
    Urlhaus,
    MalwareBazaar,
}

impl Columns {
    /// The header each layout is documented with, used when a file has no
    /// commented header line.
    pub(crate) fn default_header(self) -> &'static [&'static str] {
        match self {
            Columns::ThreatFox => &[
                "first_seen_utc",
                "ioc_id",
                "ioc_value",
                "ioc_type",
                "threat_type",
                "fk_malware",
                "malware_alias",
                "malware_printable",
                "last_seen_utc",
                "confidence_level",
                "is_compromised",
                "reference",
                "tags",
                "anonymous",
                "reporter",
            ],
            Columns::Urlhaus => &[
                "id",
                "dateadded",
                "url",
                "url_status",
                "last_online",
                "threat",
                "tags",
                "urlhaus_link",
                "reporter",
            ],
            Columns::MalwareBazaar => &[
                "first_seen_utc",
                "sha256_hash",
                "md5_hash",
                "sha1_hash",
                "reporter",
                "file_name",
                "file_type_guess",
                "mime_type",
                "signature",
                "clamav",
                "vtpercent",
                "imphash",
                "ssdeep",
                "tlsh",
            ],
        }
    }

    /// Recognises a layout from header column names.
    pub(crate) fn from_header(names: &[String]) -> Option<Columns> {
        let has = |n: &str| names.iter().any(|c| c == n);
        if has("ioc_value") && has("ioc_type") {
            Some(Columns::ThreatFox)
        } else if has("url") && has("urlhaus_link") {
            Some(Columns::Urlhaus)
        } else if has("sha256_hash") && has("md5_hash") {
            Some(Columns::MalwareBazaar)
        } else {
            None
        }
    }
}

/// Where each [`RawRecord`] field lives in a CSV row.
#[derive(Debug, Clone)]
pub(crate) struct ColumnMap {
    pub columns: Columns,
    pub width: usize,
    id: Option<usize>,
    value: Option<usize>,
    ioc_type: Option<usize>,
    threat_type: Option<usize>,
    malware: Option<usize>,
    malware_printable: Option<usize>,
    malware_alias: Option<usize>,
    first_seen: Option<usize>,
    last_seen: Option<usize>,
    confidence: Option<usize>,
    is_compromised: Option<usize>,
    reference: Option<usize>,
    reporter: Option<usize>,
    tags: Option<usize>,
}

impl ColumnMap {
    pub(crate) fn new<S: AsRef<str>>(columns: Columns, names: &[S]) -> ColumnMap {
        let pos = |n: &str| names.iter().position(|c| c.as_ref() == n);
        let mut map = ColumnMap {
            columns,
            width: names.len(),
            id: None,
            value: None,
            ioc_type: None,
            threat_type: None,
            malware: None,
            malware_printable: None,
            malware_alias: None,
            first_seen: None,
            last_seen: None,
            confidence: None,
            is_compromised: None,
            reference: None,
            reporter: pos("reporter"),
            tags: pos("tags"),
        };
        match columns {
            Columns::ThreatFox => {
                map.id = pos("ioc_id");
                map.value = pos("ioc_value");
                map.ioc_type = pos("ioc_type");
                map.threat_type = pos("threat_type");
                map.malware = pos("fk_malware").or_else(|| pos("malware"));
                map.malware_printable = pos("malware_printable");
                map.malware_alias = pos("malware_alias");
                map.first_seen = pos("first_seen_utc");
                map.last_seen = pos("last_seen_utc");
                map.confidence = pos("confidence_level");
                map.is_compromised = pos("is_compromised");
                map.reference = pos("reference");
            }
            Columns::Urlhaus => {
                map.id = pos("id");
                map.value = pos("url");
                map.first_seen = pos("dateadded");
                map.last_seen = pos("last_online");
                map.reference = pos("urlhaus_link");
            }
            Columns::MalwareBazaar => {
                map.id = pos("sha256_hash");
                map.value = pos("sha256_hash");
                map.malware = pos("signature");
                map.first_seen = pos("first_seen_utc");
            }
        }
        map
    }

    /// Index of the record-id column, if the layout has one.
    pub(crate) fn id_column(&self) -> Option<usize> {
        self.id
    }

    /// Index of the indicator value column.
    pub(crate) fn value_column(&self) -> Option<usize> {
        self.value
    }

    /// Builds a raw record from already UTF-8-checked fields.
    pub(crate) fn record<'a>(&self, field: impl Fn(usize) -> Option<&'a str>) -> RawRecord<'a> {
        let get = |i: Option<usize>| {
            i.and_then(&field)
                .filter(|v| !is_null(v))
                .map(Cow::Borrowed)
        };
        let mut raw = RawRecord {
            id: get(self.id),
            value: Cow::Borrowed(self.value.and_then(&field).unwrap_or_default()),
            ioc_type: get(self.ioc_type),
            threat_type: get(self.threat_type),
            malware: get(self.malware),
            malware_printable: get(self.malware_printable),
            malware_alias: get(self.malware_alias),
            first_seen: get(self.first_seen),
            last_seen: get(self.last_seen),
            confidence: get(self.confidence),
            is_compromised: get(self.is_compromised),
            reference: get(self.reference),
            reporter: get(self.reporter),
            tags: Vec::new(),
            joined_tags: self.tags.and_then(&field).filter(|v| !is_null(v)),
        };
        match self.columns {
            Columns::ThreatFox => {}
            Columns::Urlhaus => {
                raw.ioc_type = Some(Cow::Borrowed("url"));
                raw.threat_type = Some(Cow::Borrowed("payload_delivery"));
            }
            Columns::MalwareBazaar => {
                raw.ioc_type = Some(Cow::Borrowed("sha256_hash"));
                raw.threat_type = Some(Cow::Borrowed("payload"));
            }
        }
        raw
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_and_export_records_share_one_struct() -> Result<(), serde_json::Error> {
        let api: JsonRecord = serde_json::from_str(
            r#"{"id":"1","ioc":"a.example.com","ioc_type":"domain","confidence_level":75,
                "tags":["x","y"],"is_compromised":false,"last_seen":null}"#,
        )?;
        let raw = api.into_raw(None);
        assert_eq!(raw.id.as_deref(), Some("1"));
        assert_eq!(raw.confidence.as_deref(), Some("75"));
        assert_eq!(raw.tags, vec!["x", "y"]);
        assert_eq!(raw.is_compromised.as_deref(), Some("false"));
        let export: JsonRecord = serde_json::from_str(
            r#"{"ioc_value":"b.example.com","first_seen_utc":"2026-05-15 14:34:52",
                "tags":"RemusStealer,x","anonymous":"0","confidence_level":100}"#,
        )?;
        let raw = export.into_raw(Some("1814938"));
        assert_eq!(raw.id.as_deref(), Some("1814938"));
        assert_eq!(raw.first_seen.as_deref(), Some("2026-05-15 14:34:52"));
        assert_eq!(raw.tags, vec!["RemusStealer", "x"]);
        Ok(())
    }

    #[test]
    fn wrong_type_is_an_error() {
        let e = serde_json::from_str::<JsonRecord>(r#"{"ioc": 12345}"#);
        assert!(e.is_err_and(|e| e.to_string().contains("invalid type: integer")));
    }

    #[test]
    fn csv_nulls() {
        let map = ColumnMap::new(Columns::ThreatFox, Columns::ThreatFox.default_header());
        let row = [
            "2024-07-16 05:25:36",
            "1301610",
            "8.134.12.90:7777",
            "ip:port",
            "botnet_cc",
            "win.cobalt_strike",
            "Agentemis,BEACON",
            "Cobalt Strike",
            "",
            "100",
            "False",
            "None",
            "CobaltStrike,cs-watermark-987654321",
            "0",
            "abuse_ch",
        ];
        let raw = map.record(|i| row.get(i).copied());
        assert_eq!(raw.last_seen, None);
        assert_eq!(raw.reference, None);
        assert_eq!(raw.malware_alias.as_deref(), Some("Agentemis,BEACON"));
        assert_eq!(
            raw.tags().collect::<Vec<_>>(),
            ["CobaltStrike", "cs-watermark-987654321"]
        );
        assert_eq!(raw.is_compromised.as_deref(), Some("False"));
    }
}
