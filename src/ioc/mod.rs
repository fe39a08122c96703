//! The typed indicator value: [`Ioc`] and its parts.
//!
//! Every [`Ioc`] is valid by construction: parsing is the only way in, and
//! `Display` prints the canonical form, which parses back to an equal value.

/// Implements the text triad for a type with an inherent
/// `parse(&str) -> Result<Self, ParseIocError>`: `FromStr` and
/// `TryFrom<&str>` delegate to it, and `Serialize`/`Deserialize` are
/// "string in, string out" through `Display` and `parse`, with the offending
/// input in the error.
macro_rules! text_value {
    ($ty:ty, $expecting:literal) => {
        impl std::str::FromStr for $ty {
            type Err = $crate::ParseIocError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl TryFrom<&str> for $ty {
            type Error = $crate::ParseIocError;
            fn try_from(s: &str) -> Result<Self, Self::Error> {
                Self::parse(s)
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Visitor;
                impl serde::de::Visitor<'_> for Visitor {
                    type Value = $ty;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$ty, E> {
                        <$ty>::parse(v).map_err(E::custom)
                    }
                }
                deserializer.deserialize_str(Visitor)
            }
        }
    };
}
pub(crate) use text_value;

mod domain;
mod email;
mod error;
mod hash;

pub use domain::Domain;
pub use email::Email;
pub use error::{ParseIocError, ParseIocErrorKind};
pub use hash::{FileHash, HashKind};

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use ipnet::IpNet;
use url::Url;

/// One indicator of compromise, parsed.
///
/// `Display` prints the canonical form and [`Ioc::parse`] of that text gives
/// back an equal value. Serde uses the same text.
///
/// # Examples
///
/// ```
/// use iochunt::{Ioc, IocKind};
///
/// # fn main() -> Result<(), iochunt::ParseIocError> {
/// let c2 = Ioc::parse("192.3.171.227:8823")?;
/// assert_eq!(c2.kind(), IocKind::IpPort);
/// assert_eq!(c2.to_string(), "192.3.171.227:8823");
///
/// let net = Ioc::parse("10.1.2.3/8")?;
/// assert_eq!(net.to_string(), "10.0.0.0/8"); // truncated to its network
///
/// let url = Ioc::parse("HTTP://Evil.COM")?;
/// assert_eq!(url.to_string(), "http://evil.com/");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Ioc {
    /// An IPv4 or IPv6 address.
    Ip(IpAddr),
    /// A socket endpoint, `ip:port` (`[v6]:port` for IPv6).
    IpPort(SocketAddr),
    /// A network in CIDR notation, truncated to its network address.
    Cidr(IpNet),
    /// A domain name.
    Domain(Domain),
    /// A URL with a host.
    Url(Url),
    /// A file hash.
    Hash(FileHash),
    /// An e-mail address.
    Email(Email),
}

/// The kind of an [`Ioc`], with the names feeds and tools use.
///
/// # Examples
///
/// ```
/// use iochunt::IocKind;
///
/// assert_eq!(IocKind::IpPort.as_str(), "ip_port");
/// assert_eq!("sha3_384".parse::<IocKind>(), Ok(IocKind::Sha3_384));
/// ```
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum IocKind {
    /// An IPv4 address.
    Ipv4,
    /// An IPv6 address.
    Ipv6,
    /// An `ip:port` endpoint.
    IpPort,
    /// A CIDR network.
    Cidr,
    /// A domain name.
    Domain,
    /// A URL.
    Url,
    /// An MD5 hash.
    Md5,
    /// A SHA-1 hash.
    Sha1,
    /// A SHA-256 hash.
    Sha256,
    /// A SHA-512 hash.
    Sha512,
    /// A SHA3-384 hash.
    #[serde(rename = "sha3_384")]
    Sha3_384,
    /// An e-mail address.
    Email,
}

impl IocKind {
    /// Every kind, in declaration order.
    pub const ALL: [IocKind; 12] = [
        IocKind::Ipv4,
        IocKind::Ipv6,
        IocKind::IpPort,
        IocKind::Cidr,
        IocKind::Domain,
        IocKind::Url,
        IocKind::Md5,
        IocKind::Sha1,
        IocKind::Sha256,
        IocKind::Sha512,
        IocKind::Sha3_384,
        IocKind::Email,
    ];

    /// The snake-case name: `ipv4`, `ipv6`, `ip_port`, `cidr`, `domain`,
    /// `url`, `md5`, `sha1`, `sha256`, `sha512`, `sha3_384`, `email`.
    ///
    /// ```
    /// # use iochunt::IocKind;
    /// assert_eq!(IocKind::Sha256.as_str(), "sha256");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Ipv4 => "ipv4",
            Self::Ipv6 => "ipv6",
            Self::IpPort => "ip_port",
            Self::Cidr => "cidr",
            Self::Domain => "domain",
            Self::Url => "url",
            Self::Md5 => "md5",
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
            Self::Sha512 => "sha512",
            Self::Sha3_384 => "sha3_384",
            Self::Email => "email",
        }
    }

    /// The hash algorithm, for the hash kinds.
    ///
    /// ```
    /// # use iochunt::{HashKind, IocKind};
    /// assert_eq!(IocKind::Md5.hash_kind(), Some(HashKind::Md5));
    /// assert_eq!(IocKind::Domain.hash_kind(), None);
    /// ```
    #[must_use]
    pub const fn hash_kind(self) -> Option<HashKind> {
        match self {
            Self::Md5 => Some(HashKind::Md5),
            Self::Sha1 => Some(HashKind::Sha1),
            Self::Sha256 => Some(HashKind::Sha256),
            Self::Sha512 => Some(HashKind::Sha512),
            Self::Sha3_384 => Some(HashKind::Sha3_384),
            _ => None,
        }
    }
}

impl From<HashKind> for IocKind {
    fn from(kind: HashKind) -> Self {
        match kind {
            HashKind::Md5 => Self::Md5,
            HashKind::Sha1 => Self::Sha1,
            HashKind::Sha256 => Self::Sha256,
            HashKind::Sha512 => Self::Sha512,
            HashKind::Sha3_384 => Self::Sha3_384,
        }
    }
}

impl fmt::Display for IocKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error for an unknown [`IocKind`] name.
///
/// ```
/// # use iochunt::IocKind;
/// let err = "ipv5".parse::<IocKind>().unwrap_err();
/// assert_eq!(err.to_string(), r#"unknown indicator kind "ipv5""#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown indicator kind {0:?}")]
pub struct UnknownIocKind(pub String);

impl FromStr for IocKind {
    type Err = UnknownIocKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownIocKind(s.to_owned()))
    }
}

impl Ioc {
    /// Parses one indicator value, detecting its kind.
    ///
    /// Defanged input is refanged first (`hxxps[:]//evil[.]com`, `1.2.3[.]4`;
    /// see [`fang::refang`](crate::fang::refang)). Leading and trailing white
    /// space is ignored. Detection order: a value
    /// with `://` is a URL; with `@`, an e-mail address; a long hex string, a
    /// hash; with `/`, a CIDR network; an address, an IP; `ip:port` (IPv6 as
    /// `[v6]:port`, or ThreatFox's unbracketed `v6:port` when the text is not
    /// itself an IPv6 address) an endpoint; anything else with a dot, a
    /// domain.
    ///
    /// # Errors
    ///
    /// A [`ParseIocError`] whose [`kind`](ParseIocError::kind) says what
    /// was wrong and which quotes the input.
    ///
    /// ```
    /// use iochunt::{Ioc, ParseIocErrorKind as K};
    ///
    /// for (input, kind) in [("999.1.1.1", K::InvalidIp), ("1.2.3.4:70000", K::InvalidPort), ("", K::Empty)] {
    ///     assert_eq!(Ioc::parse(input).unwrap_err().kind(), kind, "{input}");
    /// }
    /// ```
    pub fn parse(input: &str) -> Result<Ioc, ParseIocError> {
        parse_plain(crate::fang::refang(input).trim())
            .map_err(|kind| ParseIocError::new(kind, input))
    }

    /// Parses a value exactly as written, without refanging first.
    ///
    /// For structured formats whose values are never defanged (STIX
    /// patterns, MISP attributes), where `198.51.100[.]7` is a broken value
    /// to report rather than an address to repair.
    ///
    /// # Errors
    ///
    /// As [`Ioc::parse`], and defanged notation is an error.
    ///
    /// ```
    /// use iochunt::{Ioc, ParseIocErrorKind};
    ///
    /// assert_eq!(Ioc::parse_exact("198.51.100.7")?.to_string(), "198.51.100.7");
    /// assert_eq!(Ioc::parse_exact("198.51.100[.]7").unwrap_err().kind(), ParseIocErrorKind::InvalidDomain);
    /// # Ok::<(), iochunt::ParseIocError>(())
    /// ```
    pub fn parse_exact(input: &str) -> Result<Ioc, ParseIocError> {
        parse_plain(input.trim()).map_err(|kind| ParseIocError::new(kind, input))
    }

    /// Parses a value whose kind a feed declared, and checks that it is of
    /// that kind.
    ///
    /// The declared kind settles what text alone cannot: `2001:db8::1:8080`
    /// declared as [`IocKind::IpPort`] is the endpoint `[2001:db8::1]:8080`,
    /// split at the last colon, while undeclared it is an IPv6 address.
    ///
    /// # Errors
    ///
    /// The error of [`Ioc::parse`], or [`ParseIocErrorKind::KindMismatch`]
    /// when the value parses as another kind.
    ///
    /// ```
    /// use iochunt::{Ioc, IocKind, ParseIocErrorKind};
    ///
    /// # fn main() -> Result<(), iochunt::ParseIocError> {
    /// let ep = Ioc::parse_declared("2001:db8::1:8080", IocKind::IpPort)?;
    /// assert_eq!(ep.to_string(), "[2001:db8::1]:8080");
    /// let err = Ioc::parse_declared("evil.com", IocKind::Url).unwrap_err();
    /// assert_eq!(err.kind(), ParseIocErrorKind::KindMismatch);
    /// # Ok(())
    /// # }
    /// ```
    pub fn parse_declared(input: &str, declared: IocKind) -> Result<Ioc, ParseIocError> {
        let trimmed = input.trim();
        let fail = |kind| ParseIocError::new(kind, input);
        let ioc = match declared {
            IocKind::IpPort => parse_endpoint(trimmed)
                .unwrap_or(Err(ParseIocErrorKind::InvalidPort))
                .map(Ioc::IpPort),
            _ => parse_plain(trimmed),
        }
        .map_err(fail)?;
        if ioc.kind() == declared {
            Ok(ioc)
        } else if declared.hash_kind().is_some() && matches!(ioc, Ioc::Hash(_)) {
            Err(fail(ParseIocErrorKind::InvalidHash))
        } else {
            Err(fail(ParseIocErrorKind::KindMismatch))
        }
    }

    /// The kind of this indicator.
    ///
    /// ```
    /// use iochunt::{Ioc, IocKind};
    /// assert_eq!(Ioc::parse("2001:db8::1")?.kind(), IocKind::Ipv6);
    /// assert_eq!(Ioc::parse("aliexpress.us.com")?.kind(), IocKind::Domain);
    /// # Ok::<(), iochunt::ParseIocError>(())
    /// ```
    #[must_use]
    pub fn kind(&self) -> IocKind {
        match self {
            Ioc::Ip(IpAddr::V4(_)) => IocKind::Ipv4,
            Ioc::Ip(IpAddr::V6(_)) => IocKind::Ipv6,
            Ioc::IpPort(_) => IocKind::IpPort,
            Ioc::Cidr(_) => IocKind::Cidr,
            Ioc::Domain(_) => IocKind::Domain,
            Ioc::Url(_) => IocKind::Url,
            Ioc::Hash(h) => h.kind().into(),
            Ioc::Email(_) => IocKind::Email,
        }
    }

    /// Display adapter writing this indicator defanged
    /// (`hxxps://evil[.]com/x`, `192[.]0[.]2[.]1`); see [`fang::DefangStyle`](crate::fang::DefangStyle).
    ///
    /// ```
    /// use iochunt::Ioc;
    /// assert_eq!(Ioc::parse("https://evil.com/x")?.defanged().to_string(), "hxxps://evil[.]com/x");
    /// assert_eq!(Ioc::parse("hxxps://evil[.]com/x")?.to_string(), "https://evil.com/x");
    /// # Ok::<(), iochunt::ParseIocError>(())
    /// ```
    #[must_use]
    pub fn defanged(&self) -> crate::fang::Defanged<'_> {
        crate::fang::Defanged::new(self)
    }

    /// The IP address of an `Ip` or `IpPort` indicator.
    ///
    /// ```
    /// use iochunt::Ioc;
    /// assert_eq!(Ioc::parse("104.168.5.18:8823")?.ip().map(|ip| ip.to_string()), Some("104.168.5.18".into()));
    /// assert_eq!(Ioc::parse("evil.com")?.ip(), None);
    /// # Ok::<(), iochunt::ParseIocError>(())
    /// ```
    #[must_use]
    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            Ioc::Ip(ip) => Some(*ip),
            Ioc::IpPort(sa) => Some(sa.ip()),
            _ => None,
        }
    }
}

/// Parses trimmed text, returning only the reason on failure so the caller
/// can attach the original input.
fn parse_plain(s: &str) -> Result<Ioc, ParseIocErrorKind> {
    use ParseIocErrorKind as K;
    if s.is_empty() {
        return Err(K::Empty);
    }
    if has_scheme_separator(s) {
        return parse_url(s).map(Ioc::Url);
    }
    if s.contains('@') {
        return Email::parse(s).map(Ioc::Email).map_err(|e| e.kind());
    }
    if s.len() >= 24 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return FileHash::parse(s).map(Ioc::Hash).map_err(|e| e.kind());
    }
    if let Some((addr, _prefix)) = s.split_once('/') {
        return match s.parse::<IpNet>() {
            Ok(net) => Ok(Ioc::Cidr(net.trunc())),
            Err(_) if looks_like_ip(addr) => Err(K::InvalidCidr),
            Err(_) => Err(K::Unrecognized),
        };
    }
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Ok(Ioc::Ip(ip));
    }
    if let Some(endpoint) = parse_endpoint(s) {
        return endpoint.map(Ioc::IpPort);
    }
    if looks_like_ip(s) {
        return Err(K::InvalidIp);
    }
    if !s.contains('.') {
        return Err(K::Unrecognized);
    }
    Domain::parse(s).map(Ioc::Domain).map_err(|e| e.kind())
}

/// `s.contains("://")`, searching for the colon first: most values have
/// none, and a substring search costs more to set up than this scan.
fn has_scheme_separator(s: &str) -> bool {
    let b = s.as_bytes();
    memchr::memchr_iter(b':', b).any(|i| b[i + 1..].starts_with(b"//"))
}

fn parse_url(s: &str) -> Result<Url, ParseIocErrorKind> {
    let url = Url::parse(s).map_err(|_| ParseIocErrorKind::InvalidUrl)?;
    match url.host_str() {
        Some(host) if !host.is_empty() => Ok(url),
        _ => Err(ParseIocErrorKind::InvalidUrl),
    }
}

/// Parses `ip:port`, `[v6]:port` or unbracketed `v6:port` (split at the last
/// colon). `None` when the text does not have the shape of an endpoint.
fn parse_endpoint(s: &str) -> Option<Result<SocketAddr, ParseIocErrorKind>> {
    use ParseIocErrorKind as K;
    let (host, port) = s.rsplit_once(':')?;
    let host = match host.strip_prefix('[') {
        Some(inner) => match inner.strip_suffix(']') {
            Some(inner) => inner,
            None => return Some(Err(K::InvalidIp)),
        },
        None => host,
    };
    let ip = match host.parse::<IpAddr>() {
        Ok(ip) => ip,
        Err(_) if looks_like_ip(host) => return Some(Err(K::InvalidIp)),
        Err(_) => return None,
    };
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Err(K::InvalidPort));
    }
    Some(
        port.parse::<u16>()
            .map(|port| SocketAddr::new(ip, port))
            .map_err(|_| K::InvalidPort),
    )
}

/// Whether text has the shape of an IP address (dotted digits, or hex groups
/// with colons), so that a failure to parse it is an IP error rather than an
/// unknown kind.
fn looks_like_ip(s: &str) -> bool {
    let dotted = s.contains('.') && s.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    let colons = s.contains(':')
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
    dotted || colons
}

impl fmt::Display for Ioc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ioc::Ip(ip) => ip.fmt(f),
            Ioc::IpPort(sa) => sa.fmt(f),
            Ioc::Cidr(net) => net.fmt(f),
            Ioc::Domain(d) => d.fmt(f),
            Ioc::Url(url) => f.write_str(url.as_str()),
            Ioc::Hash(h) => h.fmt(f),
            Ioc::Email(e) => e.fmt(f),
        }
    }
}

text_value!(Ioc, "an indicator of compromise");
