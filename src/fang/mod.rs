//! Defang, refang and extraction of indicators in free text.
//!
//! * [`refang`] rewrites defanged notations (`evil[.]com`, `hxxps[:]//`,
//!   `jdoe[at]mail[.]example`, `2001[:]db8[:][:]1`, `example。com`, ...) back to
//!   live text, but only inside candidate indicators: prose such as `HTTP/1.1`,
//!   `e.g.`, `x^2` or `[docs](./docs.md)` comes back byte for byte.

mod notation;
mod refang;
mod valid;

use std::borrow::Cow;

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
