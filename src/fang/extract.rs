//! Extraction: refang a line, find indicators in the live view, map them back.

use std::collections::VecDeque;
use std::net::IpAddr;
use std::ops::Range;

use url::Host;

use super::notation;
use super::refang::for_each_edit;
use crate::{Domain, Ioc, IocKind};

/// One indicator found in text by [`extract`](super::extract).
///
/// # Examples
///
/// ```
/// use iochunt::IocKind;
/// use iochunt::fang::extract;
///
/// let text = "C2: 192.0.2[.]10 and evil.example.com";
/// let m = extract(text).next().ok_or("no match")?;
/// assert_eq!(m.kind(), IocKind::Ipv4);
/// assert_eq!(m.as_str(), "192.0.2[.]10");
/// assert_eq!(&text[m.span()], "192.0.2[.]10");
/// assert_eq!(m.ioc().to_string(), "192.0.2.10");
/// assert!(m.is_defanged());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match<'t> {
    text: &'t str,
    start: usize,
    live: String,
    ioc: Ioc,
    defanged: bool,
}

impl<'t> Match<'t> {
    /// The byte range of the indicator in the searched text, markers included.
    #[must_use]
    pub fn span(&self) -> Range<usize> {
        self.start..self.start + self.text.len()
    }

    /// The indicator as written in the searched text (possibly defanged).
    #[must_use]
    pub fn as_str(&self) -> &'t str {
        self.text
    }

    /// The indicator refanged but otherwise as written: letter case, explicit
    /// default ports and path spelling kept (the [`Ioc`] is canonical).
    ///
    /// ```
    /// use iochunt::fang::extract;
    ///
    /// let m = extract("hxxp://Evil[.]com:80/A").next().ok_or("no match")?;
    /// assert_eq!(m.live(), "http://Evil.com:80/A");
    /// assert_eq!(m.ioc().to_string(), "http://evil.com/A");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn live(&self) -> &str {
        &self.live
    }

    /// The kind of the indicator.
    #[must_use]
    pub fn kind(&self) -> IocKind {
        self.ioc.kind()
    }

    /// The parsed indicator.
    #[must_use]
    pub fn ioc(&self) -> &Ioc {
        &self.ioc
    }

    /// The parsed indicator, by value.
    #[must_use]
    pub fn into_ioc(self) -> Ioc {
        self.ioc
    }

    /// Whether the indicator was written defanged.
    #[must_use]
    pub fn is_defanged(&self) -> bool {
        self.defanged
    }
}

/// Iterator over the indicators of a text; see [`extract`](super::extract).
#[derive(Debug)]
pub struct Extract<'t> {
    text: &'t str,
    pos: usize,
    ready: VecDeque<Match<'t>>,
    line: LineScanner,
}

impl<'t> Extract<'t> {
    pub(crate) fn new(text: &'t str) -> Self {
        Extract {
            text,
            pos: 0,
            ready: VecDeque::new(),
            line: LineScanner::default(),
        }
    }
}

impl<'t> Iterator for Extract<'t> {
    type Item = Match<'t>;

    fn next(&mut self) -> Option<Match<'t>> {
        loop {
            if let Some(m) = self.ready.pop_front() {
                return Some(m);
            }
            if self.pos >= self.text.len() {
                return None;
            }
            let rest = &self.text[self.pos..];
            let len = rest.find('\n').map_or(rest.len(), |i| i + 1);
            let base = self.pos;
            let line = &rest[..len];
            self.pos += len;
            let ready = &mut self.ready;
            self.line.scan(line, |r, live, ioc, defanged| {
                if let Some(text) = line.get(r.clone()) {
                    ready.push_back(Match {
                        text,
                        start: base + r.start,
                        live: live.to_string(),
                        ioc,
                        defanged,
                    });
                }
            });
        }
    }
}

/// Reusable buffers for scanning one line at a time.
#[derive(Debug, Default)]
pub(crate) struct LineScanner {
    view: String,
    /// (view start, view end, source start, source end) of every edit
    map: Vec<(usize, usize, usize, usize)>,
    found: Vec<(usize, usize, Ioc)>,
}

impl LineScanner {
    /// Finds the indicators of one line; calls `f(source range, live text, ioc,
    /// defanged)`.
    pub(crate) fn scan(&mut self, line: &str, mut f: impl FnMut(Range<usize>, &str, Ioc, bool)) {
        self.view.clear();
        self.map.clear();
        let mut copied = 0;
        let (view, map) = (&mut self.view, &mut self.map);
        for_each_edit(line, |start, end, repl| {
            view.push_str(&line[copied..start]);
            let a = view.len();
            view.push_str(repl);
            map.push((a, view.len(), start, end));
            copied = end;
        });
        self.view.push_str(&line[copied..]);
        self.found.clear();
        let map = &self.map;
        let marked = |a: usize, z: usize| map_back(map, a, z).2;
        scan_view(&self.view, &marked, &mut self.found);
        for (a, z, ioc) in self.found.drain(..) {
            let (s, e, defanged) = map_back(&self.map, a, z);
            f(s..e, &self.view[a..z], ioc, defanged);
        }
    }
}

/// Maps a view range to the source; the match is defanged when an edit lies in it.
fn map_back(map: &[(usize, usize, usize, usize)], a: usize, z: usize) -> (usize, usize, bool) {
    let shift = |e: &(usize, usize, usize, usize), p: usize| (p + e.3).saturating_sub(e.1);
    // a start inside a rewritten span maps to the span's start
    let k = map.partition_point(|e| e.1 <= a);
    let start = match map.get(k) {
        Some(e) if e.0 <= a && a < e.1 => e.2,
        _ => k
            .checked_sub(1)
            .and_then(|j| map.get(j))
            .map_or(a, |e| shift(e, a)),
    };
    // an end inside (or at the end of) a rewritten span maps to the span's end
    let j = map.partition_point(|e| e.0 < z);
    let end = match j.checked_sub(1).and_then(|j| map.get(j)) {
        Some(e) if z <= e.1 => e.3,
        Some(e) => shift(e, z),
        None => z,
    };
    let defanged = map.get(k).is_some_and(|e| e.0 < z);
    (start, end, defanged)
}

/// Characters that end a URL in running text.
fn url_stop(c: char) -> bool {
    c.is_whitespace()
        || matches!(c, '"' | '<' | '>' | '`' | '^' | '{' | '}' | '|' | '\'')
        || is_invisible(c)
}

fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00A0}'
    )
}

/// Characters that can be part of a non-URL indicator token.
fn token_char(c: char) -> bool {
    c.is_alphanumeric()
        || matches!(
            c,
            '.' | '-' | '_' | '@' | ':' | '/' | '[' | ']' | '%' | '+' | '|'
        )
}

/// File extensions that are also top-level domains: `name.zip` in a report is
/// far more often a file than a host.
const FILE_TLDS: &[&str] = &[
    "zip", "mov", "py", "sh", "so", "rs", "pl", "md", "cs", "ps", "db", "bin", "exe", "dll", "doc",
    "pdf", "js", "lnk", "bat", "vbs", "dat", "tmp", "log", "txt", "php", "jar", "apk", "iso",
    "img", "sys", "msi", "rar", "cab", "ini", "cfg", "xml", "json", "html", "htm", "asp", "aspx",
    "jsp", "png", "jpg", "gif", "ps1", "hta", "scr", "cpl", "ocx", "dmg", "pkg", "deb", "rpm",
    "elf", "cmd", "run", "sql", "csv", "tsv", "yml", "yaml", "conf", "out", "app", "ai", "tar",
    "gz", "xz", "7z", "docx", "xlsx", "xls", "xlsm", "docm", "pptx", "ppt", "rtf", "one", "wsf",
    "sct", "chm", "inf",
];

/// Whether a URL found by its `://` is reported: its host is an IP address,
/// a name under a known public suffix, another well-formed host name with a
/// dot (a name under a suffix outside the public list: `.onion`-style
/// networks, `.local`, `.internal`, the reserved `.example`), or a dotless
/// name behind a web scheme the writer defanged (`hxxp://intranet/x`). A
/// dotless name behind another scheme (`smb[://]fileserver`) is left as
/// written: defang would have no dot to bracket and give it back live.
/// Outside the public list the scheme must have no dot and the path must
/// not start with `//` (`path_slashes` says so of a path not parsed):
/// `a.com://x` is prose around a domain, and in `the://http://x` the "host"
/// is a scheme.
fn url_ok(ioc: &Ioc, scheme_defanged: bool, path_slashes: bool) -> bool {
    let Ioc::Url(u) = ioc else { return false };
    let web = |s: &str| matches!(s, "http" | "https" | "ftp" | "ftps");
    match u.host() {
        Some(Host::Domain(d)) => {
            let name = d.strip_suffix('.').unwrap_or(d);
            Domain::parse(d).is_ok()
                || (!u.scheme().contains('.')
                    && !path_slashes
                    && !u.path().starts_with("//")
                    && (name.contains('.') || (scheme_defanged && web(u.scheme())))
                    && host_name_shape(name))
        }
        Some(Host::Ipv4(_) | Host::Ipv6(_)) => true,
        None => false,
    }
}

/// Labels of letters, digits, `-` and `_` (1 to 63 bytes, no `-` at either
/// end), 253 bytes in all, and a last label that starts with a letter (a
/// top-level name, or `xn--` for an internationalised one).
fn host_name_shape(host: &str) -> bool {
    let label_ok = |l: &str| {
        (1..=63).contains(&l.len())
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
    };
    host.len() <= 253
        && host.split('.').all(label_ok)
        && host
            .rsplit('.')
            .next()
            .is_some_and(|tld| tld.starts_with(|c: char| c.is_ascii_alphabetic()))
}

/// Scans a live (refanged) line.
fn scan_view(v: &str, marked: &Marked<'_>, out: &mut Vec<(usize, usize, Ioc)>) {
    let b = v.as_bytes();
    let mut i = 0;
    while i < b.len() {
        // next word: skip separators, then run to the next one
        let (sep, n) = separator_at(v, i);
        if sep {
            i += n;
            continue;
        }
        let ws = i;
        let mut we = i;
        while we < b.len() {
            let (sep, n) = separator_at(v, we);
            if sep {
                break;
            }
            we += n;
        }
        scan_word(v, ws, we, marked, out);
        i = we;
    }
}

/// Whether a word separator (white space or an invisible character) starts at
/// byte `i`, and the length of the character there.
fn separator_at(v: &str, i: usize) -> (bool, usize) {
    let c = v.as_bytes()[i];
    if c < 0x80 {
        return (c.is_ascii_whitespace(), 1);
    }
    match v.get(i..).and_then(|r| r.chars().next()) {
        Some(ch) => (ch.is_whitespace() || is_invisible(ch), ch.len_utf8()),
        None => (false, 1),
    }
}

/// Whether a view range holds a defang marker.
type Marked<'a> = dyn Fn(usize, usize) -> bool + 'a;

/// Position of the next `://` in `s` at or after `from`.
fn find_scheme_sep(s: &str, from: usize) -> Option<usize> {
    let b = s.as_bytes();
    let mut k = from;
    while k + 3 <= b.len() {
        let p = b.get(k..)?.iter().position(|&c| c == b':')? + k;
        if b.get(p + 1..p + 3) == Some(b"//") {
            return Some(p);
        }
        k = p + 1;
    }
    None
}

/// Finds URLs in a word, then the other indicators between them.
fn scan_word(
    v: &str,
    ws: usize,
    we: usize,
    marked: &Marked<'_>,
    out: &mut Vec<(usize, usize, Ioc)>,
) {
    let word = &v[ws..we];
    // where the word last has `..` or `%2` (as in `%2e`): a path after it
    // has no `..` segment, which could take away a slash (found once, and
    // only for a word that needs it)
    let mut last_dot: Option<Option<usize>> = None;
    let mut last_dot = || {
        *last_dot.get_or_insert_with(|| {
            [word.rfind(".."), word.rfind("%2")]
                .into_iter()
                .flatten()
                .max()
                .map(|d| ws + d)
        })
    };
    let mut cursor = ws;
    let mut search = 0;
    let mut refused_before = false;
    while let Some(k) = find_scheme_sep(word, search) {
        let k = ws + k;
        search = k - ws + 3;
        let b = v.as_bytes();
        let mut s = k;
        while s > cursor
            && (b[s - 1].is_ascii_alphanumeric() || matches!(b[s - 1], b'+' | b'.' | b'-'))
        {
            s -= 1;
        }
        while s < k && !b[s].is_ascii_alphabetic() {
            s += 1;
        }
        if k - s < 2 || (s > ws && b[s - 1].is_ascii_alphanumeric()) {
            continue;
        }
        // After a refused URL in this word, one refused by its scheme and
        // authority alone is refused whatever its path: a word of many
        // `://` is not parsed to its end once for each of them (a word with
        // one URL pays nothing for this). The path's leading `//` is judged
        // as written only where no `..` after it can take a slash away.
        let early = refused_before
            .then(|| plain_authority(v, s, k, we))
            .flatten();
        if let Some(e) = early {
            let slashes = last_dot().is_none_or(|d| d < e) && path_slashes(v, s, e);
            let refused =
                Ioc::parse(&v[s..e]).map_or(true, |ioc| !url_ok(&ioc, marked(s, k + 3), slashes));
            if refused {
                continue;
            }
        }
        let end = url_end(v, k + 3, we);
        let accepted = Ioc::parse(&v[s..end])
            .ok()
            .filter(|ioc| url_ok(ioc, marked(s, k + 3), false));
        let Some(ioc) = accepted else {
            refused_before = true;
            continue;
        };
        scan_tokens(v, cursor, s, marked, out);
        out.push((s, end, ioc));
        cursor = end;
        search = end - ws;
        if search >= word.len() {
            break;
        }
    }
    scan_tokens(v, cursor, we, marked, out);
}

/// The end of the authority of the URL candidate at `s` (scheme separator
/// at `k`), when the URL goes on past it and refang leaves it as it is: the
/// authority is not empty and ends at a `/` or `#` (neither is trimmed from
/// a URL's end), and no byte of the scheme or authority can start a marker
/// that changes it.
/// `None` when that is not so; the candidate is then judged whole.
fn plain_authority(v: &str, s: usize, k: usize, we: usize) -> Option<usize> {
    let b = v.as_bytes();
    let mut e = k + 3;
    while e < we && !matches!(b[e], b'/' | b'#') {
        let c = b[e];
        if c.is_ascii() && (matches!(c, b'?' | b'\\' | b',' | b';') || url_stop(char::from(c))) {
            return None;
        }
        e += 1;
    }
    if e == k + 3 || e == we {
        return None;
    }
    // a marker at a `:` rewrites `:\\` or `:/` to `://`, which leaves
    // the text before the slash as it is
    let mut found = Vec::new();
    let mut may_mark = |i: usize| {
        b[i] != b':'
            && notation::TRIGGER[b[i] as usize]
            && notation::lex_at(b, i, &mut found).is_some()
    };
    if (s..e).any(&mut may_mark) {
        return None;
    }
    Some(e)
}

/// Whether the path of the URL at `s`, whose authority ends at `e`, starts
/// with two slashes as written (for a special scheme such as `http`, a `\`
/// counts as a slash, as URL parsers read it).
fn path_slashes(v: &str, s: usize, e: usize) -> bool {
    let scheme = v[s..e].split(':').next().unwrap_or_default();
    // a `file` URL loses the extra slashes: its path is not judged here
    if scheme.eq_ignore_ascii_case("file") {
        return false;
    }
    let special = ["http", "https", "ftp", "ws", "wss"]
        .iter()
        .any(|w| scheme.eq_ignore_ascii_case(w));
    let slash = |c: u8| c == b'/' || (special && c == b'\\');
    matches!(v.as_bytes().get(e..e + 2), Some(&[a, z]) if slash(a) && slash(z))
}

/// End of a URL starting its authority at `a`: stop characters, a `[` in the
/// path, then trailing punctuation and unbalanced closing brackets trimmed.
fn url_end(v: &str, a: usize, we: usize) -> usize {
    // past the last `@` of the authority: the user info ends there
    let user_end = v[a..we]
        .bytes()
        .take_while(|&c| {
            let stop = c.is_ascii() && url_stop(char::from(c));
            !(stop || matches!(c, b'/' | b'?' | b'#' | b'\\'))
        })
        .enumerate()
        .filter(|&(_, c)| c == b'@')
        .last()
        .map_or(a, |(i, _)| a + i + 1);
    let mut end = a;
    let mut in_host = true;
    let mut in_query = false;
    for (k, c) in v[a..we].char_indices() {
        if url_stop(c) {
            break;
        }
        match c {
            '/' | '?' | '#' if in_host => {
                in_host = false;
                in_query = c != '/';
            }
            '?' | '#' => in_query = true,
            '[' if !in_host && !in_query => break,
            '\\' if in_host => break,
            // no host has a comma or semicolon (user info may): a list
            // `http://a.com,http://b.com`
            ',' | ';' if in_host && a + k >= user_end => break,
            _ => {}
        }
        end = a + k + c.len_utf8();
    }
    // balance of each bracket pair over the URL, updated as the end is trimmed
    let count = |o: char, c: char| {
        v[a..end].chars().fold(0isize, |n, ch| {
            n + isize::from(ch == o) - isize::from(ch == c)
        })
    };
    let mut balance = [count('(', ')'), count('[', ']'), count('{', '}')];
    while let Some(last) = v[a..end].chars().next_back() {
        let trim = match last {
            // an IPv6 address ending in `::` that ends the URL keeps it
            ':' => !ends_in_v6(&v[a..end]),
            '.' | ',' | ';' | '!' | '?' | '*' | '+' | '\'' | '"' => true,
            ')' | ']' | '}' => {
                let k = match last {
                    ')' => 0,
                    ']' => 1,
                    _ => 2,
                };
                let unbalanced = balance[k] < 0;
                if unbalanced {
                    balance[k] += 1;
                }
                unbalanced
            }
            _ => false,
        };
        if !trim {
            break;
        }
        end -= last.len_utf8();
    }
    end
}

/// Whether `url` ends with an IPv6 address whose last group is `::`
/// (`?net=2001:db8::`): its colons are not trailing punctuation.
fn ends_in_v6(url: &str) -> bool {
    // an address is at most 45 characters, so only the last 46 bytes are
    // looked at: a long run of colons is trimmed in linear time
    let mut from = url.len().saturating_sub(46);
    while !url.is_char_boundary(from) {
        from += 1;
    }
    let near = &url[from..];
    let tail = near.rsplit(['/', '?', '&', '=', ',', ';', '#']).next();
    url.ends_with("::")
        && tail.is_some_and(|t| {
            (t.len() < near.len() || from == 0) && t.parse::<std::net::Ipv6Addr>().is_ok()
        })
}

/// Splits `a..z` into tokens of indicator characters and classifies each.
fn scan_tokens(
    v: &str,
    a: usize,
    z: usize,
    marked: &Marked<'_>,
    out: &mut Vec<(usize, usize, Ioc)>,
) {
    let b = v.as_bytes();
    let mut start: Option<usize> = None;
    let mut p = a;
    while p <= z {
        let (is_tok, n) = if p == z {
            (false, 1)
        } else if b[p] < 0x80 {
            (TOKEN_ASCII[b[p] as usize], 1)
        } else {
            v.get(p..)
                .and_then(|r| r.chars().next())
                .map_or((false, 1), |c| (token_char(c), c.len_utf8()))
        };
        if is_tok {
            start.get_or_insert(p);
        } else if let Some(st) = start.take() {
            classify(v, st, p, marked, out, 0);
        }
        p += n;
    }
}

/// [`token_char`] for ASCII bytes.
static TOKEN_ASCII: [bool; 128] = {
    let mut t = [false; 128];
    let mut c = 0;
    while c < 128 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'.' | b'-' | b'_' | b'@' | b':' | b'/' | b'[' | b']' | b'%' | b'+' | b'|'
            );
        c += 1;
    }
    t
};

/// Punctuation trimmed from both ends of a token.
fn trim_char(c: char) -> bool {
    matches!(
        c,
        '.' | '-' | '_' | ':' | '/' | '[' | ']' | '%' | '+' | '@' | '|'
    )
}

/// Classifies one token (trimmed of punctuation), splitting it when the whole
/// is not an indicator.
fn classify(
    v: &str,
    a: usize,
    z: usize,
    marked: &Marked<'_>,
    out: &mut Vec<(usize, usize, Ioc)>,
    depth: u8,
) {
    // bracketed IPv6 endpoint keeps its brackets, also after punctuation
    // that is trimmed (`.[::1]:443` right after a URL)
    let lead = v[a..z].trim_start_matches(|c| c != '[' && trim_char(c));
    let a = z - lead.len();
    let raw = &v[a..z];
    if raw.starts_with('[') {
        if let Some(close) = raw.find("]:") {
            let port_len = raw[close + 2..]
                .bytes()
                .take_while(u8::is_ascii_digit)
                .count();
            if port_len > 0 {
                let e = a + close + 2 + port_len;
                let endpoint = Ioc::parse(&v[a..e])
                    .ok()
                    .filter(|i| matches!(i, Ioc::IpPort(sa) if !sa.ip().is_unspecified()));
                if let Some(ioc) = endpoint {
                    out.push((a, e, ioc));
                    if e < z {
                        classify(v, e, z, marked, out, depth + 1);
                    }
                    return;
                }
            }
        }
    }
    let start = raw.trim_start_matches(trim_char);
    let a = a + (raw.len() - start.len());
    let end = start.trim_end_matches(trim_char);
    // An IPv6 address may end with `::` (`2001:db8::`), which the
    // punctuation trim would cut off.
    let t = match start.get(..end.len() + 2) {
        Some(w) if w.ends_with("::") && w.parse::<std::net::Ipv6Addr>().is_ok() => w,
        _ => end,
    };
    let z = a + t.len();
    if t.is_empty() || depth > 4 {
        return;
    }
    // without a dot, colon, `@` or `|` only a hash can be in the token, and
    // none fits in most words of prose
    if !t.contains(['.', ':', '@', '|']) {
        if t.len() < 32 {
            return;
        }
        for piece in t.split(|c: char| !c.is_ascii_hexdigit()) {
            if matches!(piece.len(), 32 | 40 | 64 | 96 | 128) {
                if let Ok(ioc @ Ioc::Hash(_)) = Ioc::parse(piece) {
                    let pa = a + (piece.as_ptr() as usize - t.as_ptr() as usize);
                    let before = v[..pa]
                        .chars()
                        .next_back()
                        .is_some_and(char::is_alphanumeric);
                    let after = v[pa + piece.len()..]
                        .chars()
                        .next()
                        .is_some_and(char::is_alphanumeric);
                    if !before && !after {
                        out.push((pa, pa + piece.len(), ioc));
                    }
                }
            }
        }
        return;
    }
    if let Some(ioc) = accept(t, marked(a, z)) {
        out.push((a, z, ioc));
        return;
    }
    // scheme-less URL: host/path, whose path ends at a `[` as a URL's does
    // (`a.com/[dot]` is a domain before a marker, not `http://a.com/[dot`)
    if let Some(k) = t.find('/') {
        let (host, path) = t.split_at(k);
        let path = &path[..path.find('[').unwrap_or(path.len())];
        if path.len() > 1
            && !path.starts_with("//")
            && !path.contains("://")
            && matches!(accept(host, marked(a, a + k)), Some(Ioc::Domain(_)))
        {
            let url = &t[..k + path.len()];
            if let Ok(ioc @ Ioc::Url(_)) = Ioc::parse(&format!("http://{url}")) {
                out.push((a, a + url.len(), ioc));
                return;
            }
        }
    }
    // ip|port written by MISP
    if let Some((ip, port)) = t.split_once('|') {
        if ip.parse::<std::net::Ipv4Addr>().is_ok()
            && !port.is_empty()
            && port.bytes().all(|c| c.is_ascii_digit())
        {
            if let Ok(ioc) = Ioc::parse(&format!("{ip}:{port}")) {
                out.push((a, z, ioc));
                return;
            }
        }
    }
    // an email before other text (`a@a.com/[dot]`, `a@a.com://` in a URL's
    // query): the email, then the rest. Split at its `@` below, it would be
    // lost, and the same text defanged once more would be read otherwise.
    if let Some(k) = t.find(['|', '/', ':', '[', ']', '%']) {
        if t[..k].contains('@') {
            if let Some(ioc @ Ioc::Email(_)) = accept(&t[..k], marked(a, a + k)) {
                out.push((a, a + k, ioc));
                classify(v, a + k + 1, z, marked, out, depth + 1);
                return;
            }
        }
    }
    // split at the first separator and classify both sides
    if let Some(k) = t.find(['|', '/', ':', '@', '[', ']', '%']) {
        classify(v, a, a + k, marked, out, depth + 1);
        classify(v, a + k + 1, z, marked, out, depth + 1);
    }
}

/// Parses a token when it is an indicator worth reporting in free text.
/// A `defanged` token was marked by its writer as an indicator, so the file
/// name and identifier filters do not apply to it.
fn accept(t: &str, defanged: bool) -> Option<Ioc> {
    if !shape_ok(t, defanged) {
        return None;
    }
    let ioc = Ioc::parse(t).ok()?;
    match &ioc {
        Ioc::Domain(d) => {
            let tld = d.as_str().rsplit('.').next().unwrap_or("");
            let last = t.trim_end_matches('.').rsplit('.').next().unwrap_or("");
            // a file name, an ESET detection name or a mixed-case identifier
            // a bare public suffix (`co.uk`), but not a name under a wildcard
            // rule of a dynamic-DNS provider (`x.at.ply.gg`)
            let bare_suffix = d.is_public_suffix() && d.as_str().matches('.').count() < 2;
            if bare_suffix || (!defanged && (FILE_TLDS.contains(&tld) || mixed_case(last))) {
                return None;
            }
            Some(ioc)
        }
        Ioc::Ip(IpAddr::V6(ip)) => {
            (!ip.is_unspecified() && t.matches(':').count() >= 2).then_some(ioc)
        }
        // the unspecified address is a listening socket, not an indicator
        Ioc::IpPort(sa) if sa.ip().is_unspecified() => None,
        Ioc::Url(_) => None,
        _ => Some(ioc),
    }
}

fn mixed_case(s: &str) -> bool {
    s.chars().any(char::is_uppercase) && s.chars().any(char::is_lowercase)
}

/// Cheap shape checks that spare a full parse of prose words (`e.g`, `2.4.1`,
/// `svc.dll`) that cannot be reported.
fn shape_ok(t: &str, defanged: bool) -> bool {
    if t.contains(['@', ':', '/', '|']) || !t.contains('.') {
        return true;
    }
    let last = t.rsplit('.').next().unwrap_or("");
    if last.bytes().all(|c| c.is_ascii_digit()) {
        // only a dotted quad ends in digits
        return t.bytes().filter(|&c| c == b'.').count() == 3
            && t.bytes().all(|c| c.is_ascii_digit() || c == b'.');
    }
    if last.len() < 2 {
        return false;
    }
    defanged || !(last.len() <= 4 && FILE_TLDS.iter().any(|e| e.eq_ignore_ascii_case(last)))
}
