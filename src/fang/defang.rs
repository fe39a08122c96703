//! Defanging: rendering live indicators in one canonical, reversible style.

use std::borrow::Cow;
use std::fmt;

use super::extract::LineScanner;
use crate::Ioc;

/// The brackets put around a defanged separator.
///
/// ```
/// use iochunt::fang::{Brackets, DefangStyle, defang_with};
///
/// let style = DefangStyle::new().brackets(Brackets::Round);
/// assert_eq!(defang_with("evil.com", &style), "evil(.)com");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Brackets {
    /// `[.]`, `[:]`, `[@]` (the default).
    #[default]
    Square,
    /// `(.)`, `(:)`, `(@)`.
    Round,
    /// `{.}`, `{:}`, `{@}`.
    Curly,
}

impl Brackets {
    fn pair(self) -> (char, char) {
        match self {
            Brackets::Square => ('[', ']'),
            Brackets::Round => ('(', ')'),
            Brackets::Curly => ('{', '}'),
        }
    }
}

/// How [`defang_with`](super::defang_with) and [`Ioc::defanged`] write indicators.
///
/// The default matches the common analyst style: every dot of a host, IP
/// address or e-mail domain becomes `[.]`, every IPv6 colon `[:]`, the `@` of an
/// e-mail `[@]`, and `http`, `https`, `ftp`, `ftps` become `hxxp`, `hxxps`,
/// `fxp`, `fxps`. Every style refangs back to the original text.
///
/// ```
/// use iochunt::fang::{DefangStyle, defang_with, refang};
///
/// let style = DefangStyle::new().upper_x(true).bracket_colon(true);
/// let out = defang_with("see https://evil.com/x", &style);
/// assert_eq!(out, "see hXXps[:]//evil[.]com/x");
/// assert_eq!(refang(&out), "see https://evil.com/x");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DefangStyle {
    brackets: Brackets,
    upper_x: bool,
    bracket_colon: bool,
}

impl DefangStyle {
    /// The default style: `hxxps://evil[.]com/x`, `192[.]0[.]2[.]1`.
    #[must_use]
    pub const fn new() -> Self {
        DefangStyle {
            brackets: Brackets::Square,
            upper_x: false,
            bracket_colon: false,
        }
    }

    /// Sets the brackets around defanged separators.
    #[must_use]
    pub const fn brackets(mut self, brackets: Brackets) -> Self {
        self.brackets = brackets;
        self
    }

    /// Writes `hXXp` instead of `hxxp` (and `fXp` instead of `fxp`).
    #[must_use]
    pub const fn upper_x(mut self, yes: bool) -> Self {
        self.upper_x = yes;
        self
    }

    /// Also brackets the colon of a URL's scheme separator: `hxxps[:]//`.
    #[must_use]
    pub const fn bracket_colon(mut self, yes: bool) -> Self {
        self.bracket_colon = yes;
        self
    }

    fn sep(&self, out: &mut impl fmt::Write, c: char) -> fmt::Result {
        let (o, cl) = self.brackets.pair();
        out.write_char(o)?;
        out.write_char(c)?;
        out.write_char(cl)
    }

    /// Writes `s` with every `.` (and `:` when `colons`) bracketed.
    fn seps(&self, out: &mut impl fmt::Write, s: &str, colons: bool) -> fmt::Result {
        for c in s.chars() {
            if c == '.' || c == '@' || (colons && c == ':') {
                self.sep(out, c)?;
            } else {
                out.write_char(c)?;
            }
        }
        Ok(())
    }

    /// Writes `scheme`, defanged where it has a defanged form (`hxxp`,
    /// `fxp`); says whether it had one.
    fn scheme(&self, out: &mut impl fmt::Write, scheme: &str) -> Result<bool, fmt::Error> {
        let x = if self.upper_x { 'X' } else { 'x' };
        let lower = scheme.to_ascii_lowercase();
        match lower.as_str() {
            "http" | "https" => {
                out.write_char(scheme.chars().next().unwrap_or('h'))?;
                out.write_char(x)?;
                out.write_char(x)?;
                out.write_str(scheme.get(3..).unwrap_or(""))?;
            }
            "ftp" | "ftps" => {
                out.write_char(scheme.chars().next().unwrap_or('f'))?;
                out.write_char(x)?;
                out.write_str(scheme.get(2..).unwrap_or(""))?;
            }
            _ => {
                out.write_str(scheme)?;
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Writes one live indicator `text` of the kind of `ioc`, defanged.
    pub(crate) fn write(&self, out: &mut impl fmt::Write, text: &str, ioc: &Ioc) -> fmt::Result {
        self.write_nested(out, text, ioc, 0)
    }

    /// [`write`](Self::write) for a URL nested `depth` levels in another.
    fn write_nested(
        &self,
        out: &mut impl fmt::Write,
        text: &str,
        ioc: &Ioc,
        depth: u8,
    ) -> fmt::Result {
        match ioc {
            Ioc::Hash(_) => out.write_str(text),
            Ioc::Url(_) => self.url(out, text, depth),
            Ioc::Email(_) => match text.rsplit_once('@') {
                Some((local, domain)) => {
                    out.write_str(local)?;
                    self.sep(out, '@')?;
                    self.seps(out, domain, false)
                }
                None => out.write_str(text),
            },
            Ioc::Ip(std::net::IpAddr::V6(_)) | Ioc::Cidr(ipnet::IpNet::V6(_)) => {
                self.seps(out, text, true)
            }
            Ioc::IpPort(sa) if sa.is_ipv6() => match text.rsplit_once("]:") {
                Some((host, port)) => {
                    self.seps(out, host, true)?;
                    out.write_str("]:")?;
                    out.write_str(port)
                }
                None => self.seps(out, text, true),
            },
            _ => self.seps(out, text, false),
        }
    }

    fn url(&self, out: &mut impl fmt::Write, text: &str, depth: u8) -> fmt::Result {
        // a scheme-less URL (`host/path`) is all authority and tail
        let is_scheme = |s: &str| {
            s.starts_with(|c: char| c.is_ascii_alphabetic())
                && s.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'.' | b'-'))
        };
        let split = text
            .split_once("://")
            .filter(|(scheme, _)| is_scheme(scheme));
        let rest = split.map_or(text, |(_, rest)| rest);
        let auth_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (auth, tail) = rest.split_at(auth_len);
        let (user, host) = match auth.rfind('@') {
            Some(k) => auth.split_at(k + 1),
            None => ("", auth),
        };
        if let Some((scheme, _)) = split {
            // A scheme kept as it is (`ws`, `tcp`) before a host with no
            // dot to bracket (`ws://3232235777/`, a decimal IPv4 address)
            // would leave the URL live: its `:` is bracketed then.
            let kept = !self.scheme(out, scheme)?;
            if self.bracket_colon || (kept && !host.contains(['.', '['])) {
                self.sep(out, ':')?;
                out.write_str("//")?;
            } else {
                out.write_str("://")?;
            }
        }
        out.write_str(user)?;
        if let Some((lit, port)) = host.strip_prefix('[').and_then(|h| h.split_once(']')) {
            // IPv6 literal: bracket its colons, keep the port
            out.write_char('[')?;
            self.seps(out, lit, true)?;
            out.write_char(']')?;
            out.write_str(port)?;
        } else {
            self.seps(out, host, false)?;
        }
        // indicators nested in the path or query (`?next=http://...`)
        if depth >= MAX_NESTING {
            // deeper than any real URL: bracket every separator of the rest
            return self.seps(out, tail, false);
        }
        let mut scanner = LineScanner::default();
        write_text(out, tail, self, &mut scanner, depth + 1)
    }
}

/// How deep URLs nested in URLs are defanged one by one.
const MAX_NESTING: u8 = 8;

/// Writes `text` with every indicator in it defanged in `style`.
fn write_text(
    out: &mut impl fmt::Write,
    text: &str,
    style: &DefangStyle,
    scanner: &mut LineScanner,
    depth: u8,
) -> fmt::Result {
    let mut copied = 0;
    let mut res = Ok(());
    let mut buf = String::new();
    scanner.scan(text, |r, live, ioc, _defanged| {
        if res.is_err() || r.start < copied {
            return;
        }
        buf.clear();
        let Some(gap) = text.get(copied..r.start) else {
            return;
        };
        if style.write_nested(&mut buf, live, &ioc, depth).is_err() {
            return;
        }
        res = out.write_str(gap).and_then(|()| out.write_str(&buf));
        copied = r.end;
    });
    res?;
    out.write_str(text.get(copied..).unwrap_or(""))
}

/// Defangs free text; see [`defang_with`](super::defang_with).
pub(crate) fn defang_with<'a>(text: &'a str, style: &DefangStyle) -> Cow<'a, str> {
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut scanner = LineScanner::default();
    let mut buf = String::new();
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let base = pos;
        pos += line.len();
        scanner.scan(line, |r, live, ioc, _| {
            buf.clear();
            // matches come in order; one inside a region rewritten as a whole
            // may share its span with the previous one
            if base + r.start < copied
                || style.write(&mut buf, live, &ioc).is_err()
                || line.get(r.clone()).is_none_or(|src| src == buf)
            {
                return;
            }
            let Some(gap) = text.get(copied..base + r.start) else {
                return;
            };
            let o = out.get_or_insert_with(|| String::with_capacity(text.len() + 64));
            o.push_str(gap);
            o.push_str(&buf);
            copied = base + r.end;
        });
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut o) => {
            o.push_str(&text[copied..]);
            Cow::Owned(o)
        }
    }
}

/// Display adapter writing one indicator defanged; see [`Ioc::defanged`].
///
/// ```
/// use iochunt::Ioc;
/// use iochunt::fang::{Brackets, DefangStyle};
///
/// # fn main() -> Result<(), iochunt::ParseIocError> {
/// let ioc = Ioc::parse("192.3.171.227:8823")?;
/// assert_eq!(ioc.defanged().to_string(), "192[.]3[.]171[.]227:8823");
/// let style = DefangStyle::new().brackets(Brackets::Round);
/// assert_eq!(ioc.defanged().style(style).to_string(), "192(.)3(.)171(.)227:8823");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Defanged<'a> {
    ioc: &'a Ioc,
    style: DefangStyle,
}

impl<'a> Defanged<'a> {
    pub(crate) fn new(ioc: &'a Ioc) -> Self {
        Defanged {
            ioc,
            style: DefangStyle::new(),
        }
    }

    /// Uses `style` instead of the default one.
    #[must_use]
    pub fn style(mut self, style: DefangStyle) -> Self {
        self.style = style;
        self
    }
}

impl fmt::Display for Defanged<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let canonical = self.ioc.to_string();
        self.style.write(f, &canonical, self.ioc)
    }
}
