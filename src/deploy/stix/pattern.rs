//! STIX 2.1 patterns for [`Ioc`]s: rendering ([`Pattern`]) and the subset
//! of the pattern language that maps back to an [`Ioc`] ([`Pattern::parse`]).

use std::fmt;
use std::net::IpAddr;

use crate::{FileHash, HashKind, Ioc, ParseIocError};

/// The STIX pattern that matches one [`Ioc`], rendered by `Display`.
///
/// | indicator | pattern |
/// |---|---|
/// | IPv4 / IPv6 | `[ipv4-addr:value = '198.51.100.7']`, `[ipv6-addr:value = '2001:db8::7']` |
/// | CIDR | `[ipv4-addr:value ISSUBSET '203.0.113.0/24']` (network address, no host bits) |
/// | `ip:port` | `[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '198.51.100.7' AND network-traffic:dst_port = 4782]` |
/// | domain | `[domain-name:value = 'evil.com']` (IDNA `xn--` form) |
/// | URL | `[url:value = 'http://evil.com/a\'b']` |
/// | hash | `[file:hashes.MD5 = '…']`, `[file:hashes.'SHA-1' = '…']`, `'SHA-256'`, `'SHA-512'`, `'SHA3-384'` |
/// | e-mail | `[email-addr:value = 'invoice@evil.com']` |
///
/// String literals are single-quoted; `'` and `\` inside them are escaped
/// as `\'` and `\\`, the only escapes the pattern grammar has.
///
/// [`Pattern::parse`] reads these forms back (and a few equivalent ones),
/// so `Pattern::parse(&Pattern::new(&ioc).to_string())` gives `ioc` back.
///
/// # Examples
///
/// ```
/// use iochunt::Ioc;
/// use iochunt::deploy::stix::Pattern;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let ioc = Ioc::parse("192.3.171.227:8823")?;
/// let text = Pattern::new(&ioc).to_string();
/// assert_eq!(
///     text,
///     "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '192.3.171.227' AND network-traffic:dst_port = 8823]"
/// );
/// assert_eq!(Pattern::parse(&text)?, ioc);
///
/// let url = Ioc::parse(r"http://evil.com/it's")?;
/// assert_eq!(Pattern::new(&url).to_string(), r"[url:value = 'http://evil.com/it\'s']");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pattern<'a> {
    ioc: &'a Ioc,
}

impl<'a> Pattern<'a> {
    /// The pattern for `ioc`.
    ///
    /// ```
    /// # use iochunt::Ioc;
    /// # use iochunt::deploy::stix::Pattern;
    /// let net = Ioc::parse("203.0.113.9/24")?;
    /// assert_eq!(Pattern::new(&net).to_string(), "[ipv4-addr:value ISSUBSET '203.0.113.0/24']");
    /// # Ok::<(), iochunt::ParseIocError>(())
    /// ```
    #[must_use]
    pub fn new(ioc: &'a Ioc) -> Self {
        Self { ioc }
    }

    /// The indicator this pattern matches.
    ///
    /// ```
    /// # use iochunt::Ioc;
    /// # use iochunt::deploy::stix::Pattern;
    /// let ioc = Ioc::parse("evil.com")?;
    /// assert_eq!(Pattern::new(&ioc).ioc(), &ioc);
    /// # Ok::<(), iochunt::ParseIocError>(())
    /// ```
    #[must_use]
    pub fn ioc(&self) -> &'a Ioc {
        self.ioc
    }

    /// Reads a STIX pattern that matches exactly one [`Ioc`].
    ///
    /// Accepted: one observation expression `[ … ]` holding either one
    /// comparison with `=` (or `ISSUBSET` for a network) on `ipv4-addr:value`,
    /// `ipv6-addr:value`, `domain-name:value`, `url:value`,
    /// `email-addr:value`, `email-message:from_ref.value` or
    /// `file:hashes.<algorithm>` (`MD5`, `SHA-1`, `SHA-256`, `SHA-512`,
    /// `SHA3-384`, with or without the hyphen and quotes), or the
    /// `network-traffic` endpoint form: `dst_ref.value` and `dst_port`,
    /// optionally `dst_ref.type`, joined with `AND` in any order.
    /// An address value with a prefix (`'10.0.0.0/8'`) is a CIDR network.
    ///
    /// # Errors
    ///
    /// [`PatternError::Syntax`] for text that is not a pattern,
    /// [`PatternError::Unsupported`] for a valid pattern outside the forms
    /// above (`OR`, qualifiers, other object types or operators), and
    /// [`PatternError::Value`] when the literal is not a valid indicator of
    /// the kind the pattern names.
    ///
    /// ```
    /// use iochunt::Ioc;
    /// use iochunt::deploy::stix::{Pattern, PatternError};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let hash = Pattern::parse("[file:hashes.'SHA-256' = 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855']")?;
    /// assert_eq!(hash, Ioc::parse("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")?);
    ///
    /// let err = Pattern::parse("[process:name = 'evil.exe']").unwrap_err();
    /// assert!(matches!(err, PatternError::Unsupported { .. }));
    /// assert_eq!(
    ///     err.to_string(),
    ///     r#"unsupported stix pattern "[process:name = 'evil.exe']": object path process:name is not an indicator this crate maps"#
    /// );
    /// # Ok(())
    /// # }
    /// ```
    pub fn parse(pattern: &str) -> Result<Ioc, PatternError> {
        let comparisons = Parser::new(pattern).parse()?;
        to_ioc(pattern, &comparisons)
    }
}

impl fmt::Display for Pattern<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.ioc {
            Ioc::Ip(ip) => write!(
                f,
                "[{}:value = {}]",
                addr_type(*ip),
                Quoted(&ip.to_string())
            ),
            Ioc::Cidr(net) => {
                let ty = addr_type(net.addr());
                write!(f, "[{ty}:value ISSUBSET {}]", Quoted(&net.to_string()))
            }
            Ioc::IpPort(sa) => {
                let ty = addr_type(sa.ip());
                write!(
                    f,
                    "[network-traffic:dst_ref.type = '{ty}' AND network-traffic:dst_ref.value = {} AND network-traffic:dst_port = {}]",
                    Quoted(&sa.ip().to_string()),
                    sa.port()
                )
            }
            Ioc::Domain(d) => write!(f, "[domain-name:value = {}]", Quoted(d.as_str())),
            Ioc::Url(url) => write!(f, "[url:value = {}]", Quoted(url.as_str())),
            Ioc::Hash(h) => write!(
                f,
                "[file:hashes.{} = {}]",
                hash_path_step(h.kind()),
                Quoted(&h.to_string())
            ),
            Ioc::Email(e) => write!(f, "[email-addr:value = {}]", Quoted(&e.to_string())),
        }
    }
}

fn addr_type(ip: IpAddr) -> &'static str {
    match ip {
        IpAddr::V4(_) => "ipv4-addr",
        IpAddr::V6(_) => "ipv6-addr",
    }
}

/// The `hashes` path step for an algorithm, quoted when it has a hyphen.
fn hash_path_step(kind: HashKind) -> &'static str {
    match kind {
        HashKind::Md5 => "MD5",
        HashKind::Sha1 => "'SHA-1'",
        HashKind::Sha256 => "'SHA-256'",
        HashKind::Sha512 => "'SHA-512'",
        HashKind::Sha3_384 => "'SHA3-384'",
    }
}

/// The algorithm named by a `hashes` key: the STIX vocabulary's spelling,
/// case-insensitively, with or without the hyphen.
fn hash_kind_for(name: &str) -> Option<HashKind> {
    let norm: String = name
        .chars()
        .filter(|c| *c != '-' && *c != '_')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    match norm.as_str() {
        "MD5" => Some(HashKind::Md5),
        "SHA1" => Some(HashKind::Sha1),
        "SHA256" => Some(HashKind::Sha256),
        "SHA512" => Some(HashKind::Sha512),
        "SHA3384" => Some(HashKind::Sha3_384),
        _ => None,
    }
}

/// A single-quoted pattern string literal.
///
/// | input | output |
/// |---|---|
/// | `abc` | `'abc'` |
/// | `it's` | `'it\'s'` |
/// | `a\b` | `'a\\b'` |
///
/// Nothing else is escaped: the grammar has no other escapes, so every
/// other character (including newlines and non-ASCII) stands for itself.
pub(crate) struct Quoted<'a>(pub(crate) &'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("'")?;
        let mut rest = self.0;
        while let Some(i) = rest.find(['\'', '\\']) {
            f.write_str(&rest[..i])?;
            f.write_str("\\")?;
            f.write_str(&rest[i..=i])?;
            rest = &rest[i + 1..];
        }
        f.write_str(rest)?;
        f.write_str("'")
    }
}

/// Why a STIX pattern did not give an [`Ioc`].
///
/// ```
/// use iochunt::deploy::stix::{Pattern, PatternError};
///
/// let err = Pattern::parse("[url:value = 'http://x.com/]").unwrap_err();
/// assert_eq!(err.to_string(), r#"invalid stix pattern "[url:value = 'http://x.com/]" at byte 13: unterminated string literal"#);
/// assert_eq!(err.pattern(), "[url:value = 'http://x.com/]");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PatternError {
    /// The text is not a STIX pattern (or uses syntax this reader does not
    /// know, such as binary or timestamp literals).
    #[error("invalid stix pattern {pattern:?} at byte {at}: {reason}")]
    Syntax {
        /// The pattern.
        pattern: String,
        /// The byte offset where reading failed.
        at: usize,
        /// What was wrong there.
        reason: String,
    },
    /// A pattern that does not describe exactly one indicator of a kind this
    /// crate has.
    #[error("unsupported stix pattern {pattern:?}: {reason}")]
    Unsupported {
        /// The pattern.
        pattern: String,
        /// Why it does not map.
        reason: String,
    },
    /// The pattern's literal is not a valid indicator of the kind it names.
    #[error("invalid indicator value in stix pattern {pattern:?}")]
    Value {
        /// The pattern.
        pattern: String,
        /// Why the value was rejected.
        #[source]
        source: ParseIocError,
    },
}

impl PatternError {
    /// The pattern that was rejected.
    ///
    /// ```
    /// # use iochunt::deploy::stix::Pattern;
    /// assert_eq!(Pattern::parse("[x").unwrap_err().pattern(), "[x");
    /// ```
    #[must_use]
    pub fn pattern(&self) -> &str {
        match self {
            Self::Syntax { pattern, .. }
            | Self::Unsupported { pattern, .. }
            | Self::Value { pattern, .. } => pattern,
        }
    }
}

/// A literal on the right of a comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Literal {
    Str(String),
    Int(String),
    Other(String),
}

/// One `object:path op literal` comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Comparison {
    object: String,
    path: Vec<String>,
    op: String,
    value: Literal,
}

impl Comparison {
    fn path_is(&self, object: &str, path: &[&str]) -> bool {
        self.object == object
            && self
                .path
                .iter()
                .map(String::as_str)
                .eq(path.iter().copied())
    }

    fn display_path(&self) -> String {
        let mut s = format!("{}:", self.object);
        for (i, step) in self.path.iter().enumerate() {
            if i > 0 {
                s.push('.');
            }
            s.push_str(step);
        }
        s
    }
}

/// A reader for the subset of the pattern grammar that can describe one
/// indicator: `[ cmp (AND|OR cmp)* ]`, noting anything beyond it.
struct Parser<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> Self {
        Self { src, pos: 0 }
    }

    fn syntax(&self, at: usize, reason: impl Into<String>) -> PatternError {
        PatternError::Syntax {
            pattern: self.src.to_owned(),
            at,
            reason: reason.into(),
        }
    }

    fn unsupported(&self, reason: impl Into<String>) -> PatternError {
        PatternError::Unsupported {
            pattern: self.src.to_owned(),
            reason: reason.into(),
        }
    }

    fn rest(&self) -> &'a str {
        self.src.get(self.pos..).unwrap_or("")
    }

    fn skip_ws(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start().len();
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    /// A run of characters allowed in words, object types and path steps.
    fn word(&mut self) -> &'a str {
        let rest = self.rest();
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(rest.len());
        self.pos += len;
        &rest[..len]
    }

    fn parse(mut self) -> Result<Vec<Comparison>, PatternError> {
        self.skip_ws();
        if !self.eat('[') {
            return Err(self.syntax(self.pos, "expected '['"));
        }
        let mut comparisons = vec![self.comparison()?];
        loop {
            self.skip_ws();
            if self.eat(']') {
                break;
            }
            let at = self.pos;
            let joiner = self.word();
            match joiner {
                "AND" => comparisons.push(self.comparison()?),
                "OR" => {
                    // Read on so that syntax errors still win, then refuse.
                    self.comparison()?;
                    return Err(self.unsupported("OR between comparisons"));
                }
                "" => return Err(self.syntax(at, "expected AND, OR or ']'")),
                other => return Err(self.syntax(at, format!("unexpected word {other:?}"))),
            }
        }
        self.skip_ws();
        if !self.rest().is_empty() {
            return Err(
                self.unsupported("more than one observation expression, or a qualifier".to_owned())
            );
        }
        Ok(comparisons)
    }

    fn comparison(&mut self) -> Result<Comparison, PatternError> {
        self.skip_ws();
        let at = self.pos;
        let object = self.word();
        if object.is_empty() {
            return Err(self.syntax(at, "expected an object type"));
        }
        if !self.eat(':') {
            return Err(self.syntax(self.pos, "expected ':' after the object type"));
        }
        let mut path = vec![self.path_step()?];
        loop {
            if self.eat('.') {
                path.push(self.path_step()?);
            } else if self.peek() == Some('[') {
                return Err(self.unsupported("list index in an object path"));
            } else {
                break;
            }
        }
        self.skip_ws();
        let at = self.pos;
        let op = if self.eat('=') {
            "=".to_owned()
        } else if self.rest().starts_with("!=")
            || self.rest().starts_with("<")
            || self.rest().starts_with(">")
        {
            let len = if self.rest().get(1..2) == Some("=") {
                2
            } else {
                1
            };
            let op = self.rest()[..len].to_owned();
            self.pos += len;
            op
        } else {
            let w = self.word();
            if w.is_empty() {
                return Err(self.syntax(at, "expected a comparison operator"));
            }
            if w == "NOT" {
                self.skip_ws();
                let w2 = self.word();
                format!("NOT {w2}")
            } else {
                w.to_owned()
            }
        };
        self.skip_ws();
        let value = self.literal()?;
        Ok(Comparison {
            object: object.to_owned(),
            path,
            op,
            value,
        })
    }

    fn path_step(&mut self) -> Result<String, PatternError> {
        if self.peek() == Some('\'') {
            return self.string();
        }
        let at = self.pos;
        let rest = self.rest();
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if len == 0 {
            return Err(self.syntax(at, "expected a property name"));
        }
        self.pos += len;
        Ok(rest[..len].to_owned())
    }

    fn string(&mut self) -> Result<String, PatternError> {
        let start = self.pos;
        if !self.eat('\'') {
            return Err(self.syntax(start, "expected a string literal"));
        }
        let mut out = String::new();
        let mut chars = self.rest().char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\'' => {
                    self.pos += i + 1;
                    return Ok(out);
                }
                '\\' => match chars.next() {
                    Some((_, e @ ('\'' | '\\'))) => out.push(e),
                    _ => return Err(self.syntax(self.pos + i, "invalid escape in string literal")),
                },
                c => out.push(c),
            }
        }
        Err(self.syntax(start, "unterminated string literal"))
    }

    fn literal(&mut self) -> Result<Literal, PatternError> {
        let at = self.pos;
        match self.peek() {
            Some('\'') => self.string().map(Literal::Str),
            Some(c) if c.is_ascii_digit() || c == '-' || c == '+' => {
                let rest = self.rest();
                let len = rest
                    .char_indices()
                    .skip(1)
                    .find(|(_, c)| !(c.is_ascii_digit() || *c == '.'))
                    .map_or(rest.len(), |(i, _)| i);
                self.pos += len;
                let text = &rest[..len];
                if text.bytes().all(|b| b.is_ascii_digit()) {
                    Ok(Literal::Int(text.to_owned()))
                } else {
                    Ok(Literal::Other(text.to_owned()))
                }
            }
            Some('(') => Err(self.unsupported("set literal")),
            Some(c) if c.is_ascii_alphabetic() => {
                // t'...', b'...', h'...', true, false
                let w = self.word();
                if self.peek() == Some('\'') {
                    self.string()?;
                    Ok(Literal::Other(format!("{w}'…'")))
                } else if w == "true" || w == "false" {
                    Ok(Literal::Other(w.to_owned()))
                } else {
                    Err(self.syntax(at, "expected a literal"))
                }
            }
            _ => Err(self.syntax(at, "expected a literal")),
        }
    }
}

fn to_ioc(pattern: &str, cmps: &[Comparison]) -> Result<Ioc, PatternError> {
    let unsupported = |reason: String| PatternError::Unsupported {
        pattern: pattern.to_owned(),
        reason,
    };
    let value_err = |source: ParseIocError| PatternError::Value {
        pattern: pattern.to_owned(),
        source,
    };
    if cmps.iter().any(|c| c.object == "network-traffic") {
        return endpoint(pattern, cmps);
    }
    let [cmp] = cmps else {
        return Err(unsupported(format!(
            "{} comparisons joined with AND",
            cmps.len()
        )));
    };
    let Literal::Str(value) = &cmp.value else {
        return Err(unsupported(format!(
            "{} is compared with a non-string literal",
            cmp.display_path()
        )));
    };
    let addr = cmp.path_is("ipv4-addr", &["value"]) || cmp.path_is("ipv6-addr", &["value"]);
    match cmp.op.as_str() {
        "=" => {}
        "ISSUBSET" if addr => {}
        op => {
            return Err(unsupported(format!(
                "operator {op} on {}",
                cmp.display_path()
            )));
        }
    }
    let ioc = if addr {
        // STIX values are never defanged: `198.51.100[.]7` is a broken value.
        let parsed = Ioc::parse_exact(value).map_err(value_err)?;
        let want_v6 = cmp.object == "ipv6-addr";
        let is_v6 = match &parsed {
            Ioc::Ip(ip) => ip.is_ipv6(),
            Ioc::Cidr(net) => matches!(net, ipnet::IpNet::V6(_)),
            _ => {
                return Err(value_err(ParseIocError::new(
                    crate::ParseIocErrorKind::InvalidIp,
                    value,
                )));
            }
        };
        if want_v6 != is_v6 {
            return Err(unsupported(format!(
                "{} holds {value:?}, an address of the other family",
                cmp.display_path()
            )));
        }
        if cmp.op == "ISSUBSET" {
            match parsed {
                Ioc::Ip(ip) => Ioc::Cidr(ipnet::IpNet::from(ip)),
                other => other,
            }
        } else {
            parsed
        }
    } else if cmp.path_is("domain-name", &["value"]) {
        Ioc::parse_declared(value, crate::IocKind::Domain).map_err(value_err)?
    } else if cmp.path_is("url", &["value"]) {
        Ioc::parse_declared(value, crate::IocKind::Url).map_err(value_err)?
    } else if cmp.path_is("email-addr", &["value"])
        || cmp.path_is("email-message", &["from_ref", "value"])
    {
        Ioc::parse_declared(value, crate::IocKind::Email).map_err(value_err)?
    } else if cmp.object == "file" && cmp.path.len() == 2 && cmp.path[0] == "hashes" {
        let Some(kind) = hash_kind_for(&cmp.path[1]) else {
            return Err(unsupported(format!(
                "hash algorithm {:?} is not one this crate has",
                cmp.path[1]
            )));
        };
        Ioc::Hash(FileHash::parse_declared(value, kind).map_err(value_err)?)
    } else {
        return Err(unsupported(format!(
            "object path {} is not an indicator this crate maps",
            cmp.display_path()
        )));
    };
    Ok(ioc)
}

/// The `network-traffic` endpoint form: `dst_ref.value` (an address),
/// `dst_port` (an integer) and optionally `dst_ref.type`, all with `=`.
fn endpoint(pattern: &str, cmps: &[Comparison]) -> Result<Ioc, PatternError> {
    let unsupported = |reason: String| PatternError::Unsupported {
        pattern: pattern.to_owned(),
        reason,
    };
    let mut ty = None;
    let mut value = None;
    let mut port = None;
    for cmp in cmps {
        if cmp.op != "=" {
            return Err(unsupported(format!(
                "operator {} on {}",
                cmp.op,
                cmp.display_path()
            )));
        }
        let slot = if cmp.path_is("network-traffic", &["dst_ref", "type"]) {
            &mut ty
        } else if cmp.path_is("network-traffic", &["dst_ref", "value"]) {
            &mut value
        } else if cmp.path_is("network-traffic", &["dst_port"]) {
            &mut port
        } else {
            return Err(unsupported(format!(
                "{} in a network-traffic pattern (only dst_ref.type, dst_ref.value and dst_port map to an endpoint)",
                cmp.display_path()
            )));
        };
        if slot.replace(&cmp.value).is_some() {
            return Err(unsupported(format!(
                "{} compared twice",
                cmp.display_path()
            )));
        }
    }
    let (Some(Literal::Str(ip)), Some(port)) = (value, port) else {
        return Err(unsupported(
            "a network-traffic endpoint needs dst_ref.value as a string and dst_port".to_owned(),
        ));
    };
    let Literal::Int(port) = port else {
        return Err(unsupported("dst_port is not an integer".to_owned()));
    };
    let value_err = |kind, input: &str| PatternError::Value {
        pattern: pattern.to_owned(),
        source: ParseIocError::new(kind, input),
    };
    let ip: IpAddr = ip
        .parse()
        .map_err(|_| value_err(crate::ParseIocErrorKind::InvalidIp, ip))?;
    let port: u16 = port
        .parse()
        .map_err(|_| value_err(crate::ParseIocErrorKind::InvalidPort, port))?;
    match ty {
        None => {}
        Some(Literal::Str(t)) if t == addr_type(ip) => {}
        Some(other) => {
            return Err(unsupported(format!(
                "dst_ref.type {other:?} does not match the address {ip}"
            )));
        }
    }
    Ok(Ioc::IpPort(std::net::SocketAddr::new(ip, port)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> String {
        Quoted(s).to_string()
    }

    #[test]
    fn escape_table() {
        assert_eq!(q("abc"), "'abc'");
        assert_eq!(q("it's"), r"'it\'s'");
        assert_eq!(q(r"a\b"), r"'a\\b'");
        assert_eq!(q(r"\'"), r"'\\\''");
        assert_eq!(q(""), "''");
        assert_eq!(q("é\n"), "'é\n'");
    }

    #[test]
    fn string_literals_read_back() {
        for s in ["", "a", "it's", r"a\b", r"\\''\", "é ü 'x'"] {
            let text = q(s);
            let mut p = Parser::new(&text);
            assert_eq!(p.string().as_deref(), Ok(s), "{text}");
            assert_eq!(p.rest(), "");
        }
    }

    #[test]
    fn invalid_escape_is_a_syntax_error() {
        let err = Pattern::parse(r"[url:value = 'a\nb']").unwrap_err();
        assert!(
            matches!(err, PatternError::Syntax { at: 15, .. }),
            "{err:?}"
        );
    }
}
