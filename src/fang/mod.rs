//! Defang, refang and extraction of indicators in free text.
//!
//! * [`refang`] rewrites defanged notations (`evil[.]com`, `hxxps[:]//`,
//!   `jdoe[at]mail[.]example`, `2001[:]db8[:][:]1`, `example。com`, ...) back to
//!   live text, but only inside candidate indicators: prose such as `HTTP/1.1`,
//!   `e.g.`, `x^2` or `[docs](./docs.md)` comes back byte for byte.
//! * [`defang`] (and [`defang_with`] a [`DefangStyle`]) writes every live
//!   indicator of a text in one canonical style (`hxxps://evil[.]com/x`,
//!   `192[.]0[.]2[.]1`, `jdoe[@]evil[.]com`, `2001[:]db8[:][:]1`);
//!   [`Ioc::defanged`](crate::Ioc::defanged) does the same for one value.
//! * [`extract`] finds indicators, defanged or not, as typed [`Ioc`](crate::Ioc)s
//!   with their byte span.
//! * [`refang_stream`], [`defang_stream`] and [`extract_reader`] work on
//!   `io::BufRead` input with bounded memory.
//!
//! `refang(defang(x)) == x` for every indicator, `defang` is idempotent, and
//! `refang` is idempotent.
//!
//! ```
//! use iochunt::fang::{defang, extract, refang};
//!
//! let report = "Payload from hxxps[:]//cdn.evil[.]com/a.bin, C2 203.0.113[.]7:8443.";
//! let live = refang(report);
//! assert_eq!(live, "Payload from https://cdn.evil.com/a.bin, C2 203.0.113.7:8443.");
//! assert_eq!(defang(&live), "Payload from hxxps://cdn[.]evil[.]com/a.bin, C2 203[.]0[.]113[.]7:8443.");
//! let found: Vec<String> = extract(report).map(|m| format!("{}={}", m.kind(), m.ioc())).collect();
//! assert_eq!(found, ["url=https://cdn.evil.com/a.bin", "ip_port=203.0.113.7:8443"]);
//! ```

mod defang;
mod extract;
mod notation;
mod refang;
mod stream;
mod valid;

use std::borrow::Cow;

pub use defang::{Brackets, DefangStyle, Defanged};
pub use extract::{Extract, Match};
pub use stream::{
    ExtractReader, MAX_CHUNK, StreamMatch, defang_stream, extract_reader, refang_stream,
};

/// Rewrites every defanged indicator in `text` to its live form.
///
/// Every notation is recognised in any letter case: bracketed dots (`[.]`, `(.)`,
/// `{.}`, `<.>`, `[dot]`, `[ . ]`, `[[.]]`, `\[.\]`, `[,]`, `[punto]`, `［.］`),
/// `@` forms (`[@]`, `(at)`, `{at}`, spaced upper-case ` AT `), colons and slashes
/// (`[:]`, `[::]`, `[/]`, `[://]`, `(://)`, `:[//]`, `:\\`), defanged schemes
/// (`hxxp`, `hXXps`, `HXXP`, `hxtp`, `h**p`, `h__ps`, `fxp`, `[https]`), and
/// unicode dots and zero-width characters inside a word.
///
/// Markers whose shape is unambiguous are rewritten when glued to an indicator;
/// markers that also occur in prose (spaced forms, ` DOT `, `。`, `\.`, zero-width
/// characters) are rewritten only when the rewritten word is a valid domain, IPv4
/// address or e-mail address. Schemes are kept (`tcp://` stays `tcp://`) and a
/// defanged scheme becomes its lower-case live form. Brackets that belong to a URL
/// (`?a[0]=1`, `[2001:db8::1]:8443`) are not markers.
///
/// The function is idempotent and does not allocate when nothing changes.
///
/// # Examples
///
/// ```
/// use iochunt::fang::refang;
///
/// assert_eq!(refang("C2 at hxxps[:]//evil[.]com/a[.]php"), "C2 at https://evil.com/a.php");
/// assert_eq!(refang("mail jdoe(at)evil-site(dot)com."), "mail jdoe@evil-site.com.");
/// assert_eq!(refang("HTTP/1.1, e.g. x^2"), "HTTP/1.1, e.g. x^2");
/// assert!(matches!(refang("nothing here"), std::borrow::Cow::Borrowed(_)));
/// ```
#[must_use]
pub fn refang(text: &str) -> Cow<'_, str> {
    refang::refang(text)
}

/// Defangs every live indicator of `text` in the default [`DefangStyle`].
///
/// URLs get a defanged scheme (`hxxp`, `hxxps`, `fxp`) and a bracketed host, as
/// do URLs nested in their query, whatever their host's suffix; a URL
/// [`extract`] does not report (`smb://fileserver/x`, with no dot to bracket)
/// is left as written. Hosts, IP addresses and CIDR networks
/// get every dot bracketed, IPv6 every colon, e-mail addresses their `@` and
/// domain dots. Indicators already defanged are rewritten in the same style, so
/// `defang(defang(x)) == defang(x)`, and `refang(defang(x)) == x` for live
/// indicators written in lower case. Hashes and prose are left alone.
///
/// ```
/// use iochunt::fang::{defang, refang};
///
/// let text = "mail ops@evil.com, see http://[2001:db8::1]:8080/a and ftp://10.0.0.1/x";
/// let safe = defang(text);
/// assert_eq!(safe, "mail ops[@]evil[.]com, see hxxp://[2001[:]db8[:][:]1]:8080/a and fxp://10[.]0[.]0[.]1/x");
/// assert_eq!(refang(&safe), text);
///
/// let nested = "http://evil.com/r?u=https://phish.example/login";
/// assert_eq!(defang(nested), "hxxp://evil[.]com/r?u=hxxps://phish[.]example/login");
/// ```
#[must_use]
pub fn defang(text: &str) -> Cow<'_, str> {
    defang::defang_with(text, &DefangStyle::new())
}

/// Defangs every indicator of `text` in `style`; see [`defang`].
///
/// ```
/// use iochunt::fang::{DefangStyle, defang_with};
///
/// let style = DefangStyle::new().upper_x(true);
/// assert_eq!(defang_with("get http://evil.com/", &style), "get hXXp://evil[.]com/");
/// ```
#[must_use]
pub fn defang_with<'a>(text: &'a str, style: &DefangStyle) -> Cow<'a, str> {
    defang::defang_with(text, style)
}

/// Finds the indicators of `text`, defanged or not, in order.
///
/// Each [`Match`] has its byte span in `text`, the parsed [`Ioc`](crate::Ioc) and
/// whether it was written defanged. URLs are taken whole (their host is not
/// reported again). A host name on its own needs a known public suffix and is
/// skipped when its last label is a common file extension (`update.zip`,
/// `util.py`) or it is a mixed-case identifier (`Win32/Agent.ZWH`). Behind a
/// scheme, a dotted name under any suffix is a URL (`https://phish.example/`,
/// `tcp://c2.internal:4444`), and so is a dotless one behind a defanged web
/// scheme (`hxxp://intranet/x`). MISP's `ip|port` is read as an endpoint.
///
/// ```
/// use iochunt::fang::extract;
///
/// let text = "Drops run.zip from hxxp://1.2.3[.]4/run.zip; mail x[@]evil[.]net; 70.34.208.197|10086";
/// let found: Vec<(&str, String, bool)> =
///     extract(text).map(|m| (m.kind().as_str(), m.ioc().to_string(), m.is_defanged())).collect();
/// assert_eq!(found, [
///     ("url", "http://1.2.3.4/run.zip".to_string(), true),
///     ("email", "x@evil.net".to_string(), true),
///     ("ip_port", "70.34.208.197:10086".to_string(), false),
/// ]);
///
/// let text = "https://phish.example/login, hxxp://intranet/x; phish.example alone is prose";
/// let urls: Vec<String> = extract(text).map(|m| m.ioc().to_string()).collect();
/// assert_eq!(urls, ["https://phish.example/login", "http://intranet/x"]);
/// ```
#[must_use]
pub fn extract(text: &str) -> Extract<'_> {
    Extract::new(text)
}
