//! Plain indicator lists: one value per line, `#` comments, defanged or
//! not; hosts-file lines (`0.0.0.0 evil.com`) give their name.

use std::borrow::Cow;

/// The indicator text of one list line, or `None` for blank and comment
/// lines. A `#` starts a comment at the start of a line or after white
/// space (so URL fragments survive).
pub(crate) fn value(line: &str) -> Option<&str> {
    let mut text = line.trim();
    if text.starts_with('#') {
        return None;
    }
    if let Some(i) = text.find(" #").or_else(|| text.find("\t#")) {
        text = text[..i].trim_end();
    }
    if text.is_empty() {
        return None;
    }
    let mut words = text.split_whitespace();
    if let (Some(first), Some(second), None) = (words.next(), words.next(), words.next()) {
        if matches!(first, "0.0.0.0" | "127.0.0.1" | "::1" | "::") {
            return Some(second);
        }
    }
    Some(text)
}

/// Undoes the common defanging notations: `hxxp`, `[.]`, `(.)`, `{.}`,
/// `[dot]`, `[:]`, `[://]`, `[@]`, `[at]`. Text without them is borrowed.
pub(crate) fn refang(s: &str) -> Cow<'_, str> {
    const PAIRS: [(&str, &str); 12] = [
        ("[://]", "://"),
        ("[:]", ":"),
        ("[.]", "."),
        ("(.)", "."),
        ("{.}", "."),
        ("[dot]", "."),
        ("(dot)", "."),
        ("[@]", "@"),
        ("[at]", "@"),
        ("(at)", "@"),
        ("[/]", "/"),
        ("\\.", "."),
    ];
    let lower_start = s.get(..5).map(str::to_ascii_lowercase);
    let scheme = matches!(lower_start.as_deref(), Some("hxxp:" | "hxxps" | "hxxp["));
    if !scheme && !PAIRS.iter().any(|(from, _)| s.contains(from)) {
        return Cow::Borrowed(s);
    }
    let mut out = s.to_owned();
    if scheme {
        out.replace_range(..4, "http");
    }
    for (from, to) in PAIRS {
        if out.contains(from) {
            out = out.replace(from, to);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_lines() {
        assert_eq!(value("  # banner"), None);
        assert_eq!(value(""), None);
        assert_eq!(value("evil.com # seen twice"), Some("evil.com"));
        assert_eq!(value("http://x.com/#frag"), Some("http://x.com/#frag"));
        assert_eq!(value("0.0.0.0 evil.com"), Some("evil.com"));
        assert_eq!(value("127.0.0.1\tevil.com"), Some("evil.com"));
    }

    #[test]
    fn refangs() {
        assert_eq!(refang("192[.]3[.]171[.]227:8823"), "192.3.171.227:8823");
        assert_eq!(refang("hxxps[://]evil(.)com/a"), "https://evil.com/a");
        assert_eq!(refang("HXXP://evil[.]com"), "http://evil.com");
        assert_eq!(refang("a[@]b[.]com"), "a@b.com");
        assert!(matches!(refang("evil.com"), Cow::Borrowed(_)));
    }
}
