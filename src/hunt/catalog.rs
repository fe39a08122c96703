//! Where each indicator kind is hunted: tables, columns and connectors, as data.

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::HashKind;

/// The query platform a hunt is written for.
///
/// It decides which tables exist and which column carries the event time.
///
/// # Examples
///
/// ```
/// use iochunt::hunt::Platform;
///
/// assert_eq!(Platform::Defender.time_column(), "Timestamp");
/// assert_eq!(Platform::Sentinel.time_column(), "TimeGenerated");
/// assert_eq!("asim".parse::<Platform>(), Ok(Platform::Asim));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    /// Microsoft Sentinel (Log Analytics tables).
    Sentinel,
    /// Microsoft Defender XDR advanced hunting.
    Defender,
    /// Sentinel's ASIM normalising parsers (`_Im_NetworkSession`, ...).
    Asim,
}

impl Platform {
    /// Every platform.
    pub const ALL: [Platform; 3] = [Platform::Sentinel, Platform::Defender, Platform::Asim];

    /// The column with the event time: `Timestamp` in Defender XDR,
    /// `TimeGenerated` in Sentinel and ASIM.
    ///
    /// ```
    /// # use iochunt::hunt::Platform;
    /// assert_eq!(Platform::Asim.time_column(), "TimeGenerated");
    /// ```
    #[must_use]
    pub const fn time_column(self) -> &'static str {
        match self {
            Platform::Defender => "Timestamp",
            Platform::Sentinel | Platform::Asim => "TimeGenerated",
        }
    }

    /// The lower-case name: `sentinel`, `defender`, `asim`.
    ///
    /// ```
    /// # use iochunt::hunt::Platform;
    /// assert_eq!(Platform::Sentinel.as_str(), "sentinel");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Platform::Sentinel => "sentinel",
            Platform::Defender => "defender",
            Platform::Asim => "asim",
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown platform name.
///
/// ```
/// # use iochunt::hunt::Platform;
/// assert_eq!("splunk".parse::<Platform>().unwrap_err().to_string(), r#"unknown platform "splunk": expected sentinel, defender or asim"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown platform {0:?}: expected sentinel, defender or asim")]
pub struct UnknownPlatform(pub String);

impl FromStr for Platform {
    type Err = UnknownPlatform;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Platform::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| UnknownPlatform(s.to_owned()))
    }
}

/// What a column holds, which decides how indicators are matched in it.
///
/// # Examples
///
/// ```
/// use iochunt::hunt::Field;
///
/// let f: Field = serde_json::from_str(r#"{"role": "ip", "column": "RemoteIP", "port": "RemotePort"}"#)?;
/// assert_eq!(f.column(), "RemoteIP");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum Field {
    /// One IP address, with the port of the same endpoint where the table
    /// has one. IPv4-mapped IPv6 forms (`::ffff:a.b.c.d`) are matched as
    /// the IPv4 address.
    Ip {
        /// The address column.
        column: String,
        /// The port column of the same endpoint.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        port: Option<String>,
    },
    /// Several IP addresses in one string (a DNS answer list).
    IpList {
        /// The column.
        column: String,
    },
    /// A host name.
    Host {
        /// The column.
        column: String,
    },
    /// A URL, or a bare `host[:port]`: matched as a URL, and its host and
    /// port as a domain or endpoint.
    Url {
        /// The column.
        column: String,
    },
    /// A `host[:port]` or bracketed `[v6]:port` address that is not a URL.
    Address {
        /// The column.
        column: String,
    },
    /// A file hash of one algorithm, or of any when `hash` is absent.
    Hash {
        /// The column.
        column: String,
        /// The algorithm of the column's hashes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        hash: Option<HashKind>,
    },
    /// An e-mail address.
    Email {
        /// The column.
        column: String,
    },
    /// Free text (a log message): indicators are found by pattern, and hits
    /// are reported as text matches.
    Text {
        /// The column.
        column: String,
    },
}

impl Field {
    /// The column the field reads.
    ///
    /// ```
    /// # use iochunt::hunt::Field;
    /// assert_eq!(Field::Host { column: "Name".into() }.column(), "Name");
    /// ```
    #[must_use]
    pub fn column(&self) -> &str {
        match self {
            Field::Ip { column, .. }
            | Field::IpList { column }
            | Field::Host { column }
            | Field::Url { column }
            | Field::Address { column }
            | Field::Hash { column, .. }
            | Field::Email { column }
            | Field::Text { column } => column,
        }
    }

    /// Every column the field reads (the address and its port, for `Ip`).
    ///
    /// ```
    /// # use iochunt::hunt::Field;
    /// let f = Field::Ip { column: "RemoteIP".into(), port: Some("RemotePort".into()) };
    /// assert_eq!(f.columns().collect::<Vec<_>>(), ["RemoteIP", "RemotePort"]);
    /// ```
    pub fn columns(&self) -> impl Iterator<Item = &str> {
        let port = match self {
            Field::Ip { port, .. } => port.as_deref(),
            _ => None,
        };
        std::iter::once(self.column()).chain(port)
    }
}

/// One table (or ASIM parser) and how indicators are hunted in it.
///
/// # Examples
///
/// ```
/// use iochunt::hunt::{Catalog, Platform};
///
/// let dns = Catalog::builtin().table("DnsEvents").expect("built in");
/// assert!(dns.platforms.contains(&Platform::Sentinel));
/// assert_eq!(dns.connectors, ["DNS"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableSpec {
    /// The table name, or the ASIM parser's function name (`_Im_Dns`).
    pub table: String,
    /// The platforms the table is queried on.
    pub platforms: Vec<Platform>,
    /// The Sentinel data connectors that fill the table.
    pub connectors: Vec<String>,
    /// The columns indicators are matched in.
    pub fields: Vec<Field>,
    /// Context columns every hunt in this table projects, after the time column.
    pub project: Vec<String>,
}

impl TableSpec {
    /// Whether the table is an ASIM parser function rather than a table.
    ///
    /// ```
    /// # use iochunt::hunt::Catalog;
    /// assert!(Catalog::builtin().table("_Im_Dns").expect("built in").is_asim_parser());
    /// ```
    #[must_use]
    pub fn is_asim_parser(&self) -> bool {
        self.table.starts_with("_Im_")
    }
}

/// The catalog of hunted tables.
///
/// [`Catalog::builtin`] covers Microsoft Sentinel, Defender XDR advanced
/// hunting and the ASIM parsers; [`Catalog::from_json`] reads one of the
/// same shape (see `src/hunt/catalog.json`), for tables of your own.
///
/// # Examples
///
/// ```
/// use iochunt::hunt::{Catalog, Platform};
///
/// let defender: Vec<_> = Catalog::builtin().for_platform(Platform::Defender).map(|t| t.table.as_str()).collect();
/// assert!(defender.contains(&"DeviceNetworkEvents"));
/// assert!(!defender.contains(&"CommonSecurityLog"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    tables: Vec<TableSpec>,
}

const BUILTIN_JSON: &str = include_str!("catalog.json");

impl Catalog {
    /// The built-in catalog.
    ///
    /// # Panics
    ///
    /// Never in a released build: the embedded catalog is checked by the
    /// test suite.
    #[must_use]
    pub fn builtin() -> &'static Catalog {
        static BUILTIN: OnceLock<Catalog> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            #[allow(clippy::expect_used)]
            Catalog::from_json(BUILTIN_JSON).expect("the embedded catalog is valid JSON")
        })
    }

    /// Reads a catalog from JSON of the built-in catalog's shape.
    ///
    /// # Errors
    ///
    /// The JSON error, with its line and column.
    ///
    /// ```
    /// use iochunt::hunt::Catalog;
    ///
    /// let c = Catalog::from_json(r#"{"tables": [{"table": "MyProxy", "platforms": ["sentinel"],
    ///     "connectors": ["Custom"], "fields": [{"role": "url", "column": "Url_s"}], "project": []}]}"#)?;
    /// assert_eq!(c.tables().len(), 1);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn from_json(json: &str) -> Result<Catalog, serde_json::Error> {
        serde_json::from_str(json)
    }

    /// Every table, in catalog order.
    ///
    /// ```
    /// # use iochunt::hunt::Catalog;
    /// assert_eq!(Catalog::builtin().tables()[0].table, "CommonSecurityLog");
    /// ```
    #[must_use]
    pub fn tables(&self) -> &[TableSpec] {
        &self.tables
    }

    /// The tables queried on `platform`, in catalog order.
    pub fn for_platform(&self, platform: Platform) -> impl Iterator<Item = &TableSpec> {
        self.tables
            .iter()
            .filter(move |t| t.platforms.contains(&platform))
    }

    /// The table named `name`.
    ///
    /// ```
    /// # use iochunt::hunt::Catalog;
    /// assert!(Catalog::builtin().table("NoSuchTable").is_none());
    /// ```
    #[must_use]
    pub fn table(&self, name: &str) -> Option<&TableSpec> {
        self.tables.iter().find(|t| t.table == name)
    }
}
