//! The notation table: recognising one defang marker at a byte position.
//!
//! Every marker is recognised in any letter case. A marker is *strong* when its
//! shape alone is evidence of defanging (`[.]`, `[:]`, `[@]`, `hxxp://`, ...) and
//! it sits glued between indicator characters; it is *weak* when it also occurs in
//! ordinary prose (spaced ` [.] `, ` DOT `, `。`, `\.`, zero-width characters):
//! weak markers are only rewritten when the rewritten word is a valid indicator.

/// What a marker is replaced with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Repl {
    /// A fixed replacement.
    Str(&'static str),
    /// The source bytes in this range (used by `[.c]om`-style markers).
    Src(usize, usize),
}

/// One recognised marker: `start..end` in the source is replaced by `repl`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Marker {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) repl: Repl,
    pub(crate) weak: bool,
}

/// Bytes at which a marker can be recognised. Every marker contains one of
/// them; the scan skips everything else.
const TRIGGER_BYTES: [u8; 11] = [
    b'[', b'(', b'{', b'<', b'\\', b':', b'D', b'A',
    // lead bytes of U+200B..U+200D, U+2060 (E2), U+3002 (E3), U+FF0E, U+FF61,
    // U+FF3B, U+FEFF (EF)
    0xE2, 0xE3, 0xEF,
];

/// [`TRIGGER_BYTES`] as a table.
pub(crate) static TRIGGER: [bool; 256] = {
    let mut t = [false; 256];
    let mut k = 0;
    while k < TRIGGER_BYTES.len() {
        t[TRIGGER_BYTES[k] as usize] = true;
        k += 1;
    }
    t
};

/// Bit `k` set when byte `k` of `block` is a trigger.
///
/// Written as compares against constants and a multiply that gathers eight
/// flags into a byte so that the compiler vectorises it: the scan is most of
/// refang's time, and this form is twice as fast as a table lookup per byte.
#[inline]
fn trigger_mask(block: &[u8; 64]) -> u64 {
    let mut flags = [0u8; 64];
    for (f, &c) in flags.iter_mut().zip(block) {
        *f = u8::from(TRIGGER_BYTES.iter().fold(false, |a, &t| a | (c == t)));
    }
    let mut mask = 0;
    for (j, w) in flags.chunks_exact(8).enumerate() {
        let w = u64::from_le_bytes(w.try_into().unwrap_or_default());
        // byte k of `w` (0 or 1) lands on bit 56 + k; no two partial
        // products share a bit, so nothing carries into the top byte
        mask |= (w.wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * j);
    }
    mask
}

/// Finds trigger bytes in order, 64 bytes at a time.
pub(crate) struct Triggers<'a> {
    b: &'a [u8],
    /// start of the block `mask` describes (a multiple of 64)
    block: usize,
    mask: u64,
}

impl<'a> Triggers<'a> {
    pub(crate) fn new(b: &'a [u8]) -> Self {
        Triggers {
            b,
            block: 0,
            mask: block_mask(b, 0),
        }
    }

    /// Position of the next trigger byte at or after `from` where a marker may
    /// start ([`may_start`]); the others are passed over.
    #[inline]
    pub(crate) fn next(&mut self, from: usize) -> Option<usize> {
        if from < self.block || from - self.block >= 64 {
            self.block = from & !63;
            self.mask = block_mask(self.b, self.block);
        }
        let mut m = self.mask & (!0u64 << (from - self.block));
        loop {
            while m == 0 {
                self.block += 64;
                if self.block >= self.b.len() {
                    return None;
                }
                self.mask = block_mask(self.b, self.block);
                m = self.mask;
            }
            let i = self.block + m.trailing_zeros() as usize;
            if may_start(self.b, i) {
                return Some(i);
            }
            m &= m - 1;
        }
    }
}

/// [`trigger_mask`] of the 64 bytes at `start`, the end padded with zeros.
fn block_mask(b: &[u8], start: usize) -> u64 {
    let rest = b.get(start..).unwrap_or_default();
    match rest.first_chunk::<64>() {
        Some(block) => trigger_mask(block),
        None => {
            let mut block = [0u8; 64];
            block[..rest.len()].copy_from_slice(rest);
            trigger_mask(&block)
        }
    }
}

#[inline]
fn at(b: &[u8], i: usize) -> u8 {
    b.get(i).copied().unwrap_or(0)
}

#[inline]
fn before(b: &[u8], i: usize) -> u8 {
    if i == 0 { 0 } else { b[i - 1] }
}

/// [`ASCII_KIND`] of an ASCII label character (letter, digit, `-`, `_`).
const LABEL: u8 = 1;
/// [`ASCII_KIND`] of a closing bracket.
const CLOSE: u8 = 2;

/// What an ASCII byte is to a marker's neighbour test, in one lookup.
static ASCII_KIND: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut c = 0;
    while c < 128 {
        if (c as u8).is_ascii_alphanumeric() || c == b'-' as usize || c == b'_' as usize {
            t[c] = LABEL;
        }
        c += 1;
    }
    t[b']' as usize] = CLOSE;
    t[b')' as usize] = CLOSE;
    t[b'}' as usize] = CLOSE;
    t
};

/// Is the character ending just before byte `i` an indicator (label) character?
#[inline]
pub(crate) fn label_before(b: &[u8], i: usize) -> bool {
    let c = before(b, i);
    if c < 0x80 {
        return ASCII_KIND[c as usize] == LABEL;
    }
    char_before(b, i).is_some_and(|ch| ch.is_alphanumeric())
}

/// Is the character starting at byte `i` an indicator (label) character?
#[inline]
pub(crate) fn label_at(b: &[u8], i: usize) -> bool {
    let c = at(b, i);
    if c < 0x80 {
        return ASCII_KIND[c as usize] == LABEL;
    }
    char_at(b, i).is_some_and(|ch| ch.is_alphanumeric())
}

pub(crate) fn char_at(b: &[u8], i: usize) -> Option<char> {
    let rest = b.get(i..)?;
    let n = match rest.first()? {
        c if *c < 0x80 => 1,
        c if *c >= 0xF0 => 4,
        c if *c >= 0xE0 => 3,
        c if *c >= 0xC0 => 2,
        _ => return None,
    };
    std::str::from_utf8(rest.get(..n)?).ok()?.chars().next()
}

pub(crate) fn char_before(b: &[u8], i: usize) -> Option<char> {
    let mut s = i.checked_sub(1)?;
    let lo = i.saturating_sub(4);
    while s > lo && (b[s] & 0xC0) == 0x80 {
        s -= 1;
    }
    std::str::from_utf8(b.get(s..i)?).ok()?.chars().next()
}

fn is_open(c: u8) -> bool {
    matches!(c, b'[' | b'(' | b'{')
}

fn is_close(c: u8) -> bool {
    matches!(c, b']' | b')' | b'}')
}

/// Length of an opening bracket at `i` (ASCII or U+FF3B fullwidth `［`).
fn open_len(b: &[u8], i: usize) -> usize {
    if is_open(at(b, i)) {
        1
    } else if b.get(i..i + 3) == Some("［".as_bytes()) {
        3
    } else {
        0
    }
}

fn close_len(b: &[u8], i: usize) -> usize {
    if is_close(at(b, i)) {
        1
    } else if b.get(i..i + 3) == Some("］".as_bytes()) {
        3
    } else {
        0
    }
}

fn skip_spaces(b: &[u8], mut i: usize, max: usize) -> usize {
    let mut n = 0;
    while n < max && at(b, i) == b' ' {
        i += 1;
        n += 1;
    }
    i
}

/// Case-insensitive match of an ASCII word at `i`.
fn word_at(b: &[u8], i: usize, w: &[u8]) -> bool {
    b.get(i..i + w.len())
        .is_some_and(|s| s.eq_ignore_ascii_case(w))
}

/// The inner part of a bracketed marker.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Inner {
    Dot,
    Colon,
    DoubleColon,
    Slash,
    SlashSlash,
    SchemeSep,
    At,
}

impl Inner {
    fn repl(self) -> &'static str {
        match self {
            Inner::Dot => ".",
            Inner::Colon => ":",
            Inner::DoubleColon => "::",
            Inner::Slash => "/",
            Inner::SlashSlash => "//",
            Inner::SchemeSep => "://",
            Inner::At => "@",
        }
    }
}

/// Recognise the inner word of a bracketed marker at `i`: returns its kind and end.
fn inner_at(b: &[u8], i: usize) -> Option<(Inner, usize)> {
    let word = |w: &[u8], k: Inner| word_at(b, i, w).then_some((k, i + w.len()));
    match at(b, i) {
        b'.' | b',' => Some((Inner::Dot, i + 1)),
        b'@' => Some((Inner::At, i + 1)),
        b':' => match (at(b, i + 1), at(b, i + 2)) {
            (b'/', b'/') => Some((Inner::SchemeSep, i + 3)),
            (b':', _) => Some((Inner::DoubleColon, i + 2)),
            _ => Some((Inner::Colon, i + 1)),
        },
        b'/' if at(b, i + 1) == b'/' => Some((Inner::SlashSlash, i + 2)),
        b'/' => Some((Inner::Slash, i + 1)),
        b'd' | b'D' => word(b"dot", Inner::Dot),
        b'a' | b'A' => word(b"at", Inner::At),
        b'p' | b'P' => word(b"punto", Inner::Dot).or_else(|| word(b"punkt", Inner::Dot)),
        _ => None,
    }
}

/// Bytes that can follow an opening bracket in a marker: inner words, inner
/// spaces, a doubled bracket, and the first letter of a bracketed scheme.
const AFTER_OPEN: &[u8] = b".,@:/dDaApP [hHfF";

// Trigger classes for [`may_start`], one bit each.
const OPEN: u8 = 1;
const COLON: u8 = 2;
const CAP_D: u8 = 4;
const CAP_A: u8 = 8;
const BACKSLASH: u8 = 16;
const LESS: u8 = 32;
const UNICODE: u8 = 64;

/// The class of each trigger byte (0: no trigger), as [`TRIGGER`].
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    t[b'[' as usize] = OPEN;
    t[b'(' as usize] = OPEN;
    t[b'{' as usize] = OPEN;
    t[b':' as usize] = COLON;
    t[b'D' as usize] = CAP_D;
    t[b'A' as usize] = CAP_A;
    t[b'\\' as usize] = BACKSLASH;
    t[b'<' as usize] = LESS;
    t[0xE2] = UNICODE;
    t[0xE3] = UNICODE;
    t[0xEF] = UNICODE;
    t
};

/// The classes of trigger each byte may follow in a marker. A non-ASCII
/// trigger (`\u{200b}`, `。`, `［`, ...) may be followed by anything: it is rare
/// in prose, and `unicode_marker` decides it.
static FOLLOWS: [u8; 256] = {
    let mut t = [UNICODE; 256];
    let mut k = 0;
    while k < AFTER_OPEN.len() {
        t[AFTER_OPEN[k] as usize] |= OPEN;
        k += 1;
    }
    t[b'/' as usize] |= COLON;
    t[b'\\' as usize] |= COLON;
    // caps_word needs `DOT` or `AT`
    t[b'O' as usize] |= CAP_D;
    t[b'T' as usize] |= CAP_A;
    // bracketed needs `\[`, the escaped dot `\.`
    t[b'[' as usize] |= BACKSLASH;
    t[b'.' as usize] |= BACKSLASH;
    // bracketed needs `<.` or `< `
    t[b'.' as usize] |= LESS;
    t[b' ' as usize] |= LESS;
    t
};

/// Can a marker be recognised at byte `i`, judging by it and the next byte?
/// False at most triggers in prose (`During`, `Note: `, `[1]`, `(see`).
#[inline]
pub(crate) fn may_start(b: &[u8], i: usize) -> bool {
    CLASS[at(b, i) as usize] & FOLLOWS[at(b, i + 1) as usize] != 0
}

/// A bracketed marker starting at `i`: `[.]`, `( dot )`, `[[.]]`, `\[.\]`, `［.］`,
/// `<.>`, `[.)`. Returns (kind, end).
fn bracketed(b: &[u8], i: usize) -> Option<(Inner, usize)> {
    let c = at(b, i);
    if c == b'\\' {
        // markdown-escaped \[.\]
        if at(b, i + 1) == b'[' {
            let (k, e) = inner_at(b, i + 2)?;
            if at(b, e) == b'\\' && at(b, e + 1) == b']' {
                return Some((k, e + 2));
            }
        }
        return None;
    }
    if c == b'<' {
        let j = skip_spaces(b, i + 1, 2);
        if at(b, j) == b'.' {
            let e = skip_spaces(b, j + 1, 2);
            if at(b, e) == b'>' {
                return Some((Inner::Dot, e + 1));
            }
        }
        return None;
    }
    let ol = open_len(b, i);
    if ol == 0 {
        return None;
    }
    // doubled [[.]]
    if c == b'[' && at(b, i + 1) == b'[' {
        if let Some((k, e)) = inner_at(b, i + 2) {
            if at(b, e) == b']' && at(b, e + 1) == b']' {
                return Some((k, e + 2));
            }
        }
    }
    let j = skip_spaces(b, i + ol, 2);
    let (k, e) = inner_at(b, j)?;
    let e = skip_spaces(b, e, 2);
    let cl = close_len(b, e);
    if cl == 0 {
        return None;
    }
    Some((k, e + cl))
}

/// A defanged scheme word (`hxxp`, `HXXPS`, `h**p`, `fxp`, ...) mapped to its
/// canonical lower-case form.
pub(crate) fn defanged_scheme(w: &[u8]) -> Option<&'static str> {
    let is = |c: &u8, want: u8| c.to_ascii_lowercase() == want;
    // the two letters between `h` and `p`
    let mid = |c: &u8| matches!(c.to_ascii_lowercase(), b'x' | b't' | b'*' | b'_');
    match w {
        [f, x, p, rest @ ..] if is(f, b'f') && is(x, b'x') && is(p, b'p') => match rest {
            [] => Some("ftp"),
            [s] if is(s, b's') => Some("ftps"),
            _ => None,
        },
        [h, a, t, p, rest @ ..] if is(h, b'h') && is(p, b'p') && mid(a) && mid(t) => {
            if is(a, b't') && is(t, b't') {
                return None;
            }
            match rest {
                [] => Some("http"),
                [s] if is(s, b's') => Some("https"),
                _ => None,
            }
        }
        _ => None,
    }
}

/// A live scheme word that `:\\` or a bracketed scheme may follow.
fn plain_scheme(w: &[u8]) -> Option<&'static str> {
    const S: &[&str] = &["http", "https", "ftp", "ftps"];
    S.iter()
        .copied()
        .find(|s| w.eq_ignore_ascii_case(s.as_bytes()))
}

/// Start of the scheme-like word ending at `end` (letters, `*`, `_`), if it is
/// bounded on the left by a non-alphanumeric character. No scheme starts
/// with `*` or `_`: leading ones are Markdown emphasis (`**hxxps://...**`)
/// and stay out of the word.
fn scheme_word_start(b: &[u8], end: usize) -> Option<usize> {
    let mut s = end;
    while s > 0 && end - s < 6 && matches!(b[s - 1], b'a'..=b'z' | b'A'..=b'Z' | b'*' | b'_') {
        s -= 1;
    }
    if s > 0 && b[s - 1].is_ascii_alphanumeric() {
        return None;
    }
    while s < end && matches!(b[s], b'*' | b'_') {
        s += 1;
    }
    (s < end).then_some(s)
}

/// If a defanged scheme word ends at `end`, its marker.
fn scheme_marker(b: &[u8], end: usize) -> Option<Marker> {
    let s = scheme_word_start(b, end)?;
    let canon = defanged_scheme(&b[s..end])?;
    Some(Marker {
        start: s,
        end,
        repl: Repl::Str(canon),
        weak: false,
    })
}

/// Does a URL separator (`://` or a defanged one) start at `i`?
fn separator_at(b: &[u8], i: usize) -> bool {
    if b.get(i..i + 3) == Some(b"://") || b.get(i..i + 3) == Some(b":\\\\") {
        return true;
    }
    if at(b, i) == b':' && at(b, i + 1) == b'[' {
        return bracketed(b, i + 1).is_some_and(|(k, _)| k == Inner::SlashSlash);
    }
    match bracketed(b, i) {
        Some((Inner::SchemeSep, _)) => true,
        Some((Inner::Colon, e)) => b.get(e..e + 2) == Some(b"//"),
        _ => false,
    }
}

/// Could a spaced marker (` [.] `, ` DOT `, ` AT `) start at byte `i` (the
/// first byte after a space), whatever its neighbours?
pub(crate) fn spaced_candidate(b: &[u8], i: usize) -> bool {
    match at(b, i) {
        b'[' | b'(' | b'{' | b'<' => bracketed(b, i).is_some_and(|(_, e)| at(b, e) == b' '),
        b'D' => b.get(i..i + 4) == Some(b"DOT "),
        b'A' => b.get(i..i + 3) == Some(b"AT "),
        _ => false,
    }
}

/// Is there a glued `[.]` at `i`, a strong marker? (What bracketed and
/// bracket_marker decide for it, without them: it is the commonest marker.)
///
/// Always inlined into the scan, but for the test of a non-ASCII neighbour.
#[inline(always)]
pub(crate) fn glued_dot(b: &[u8], i: usize) -> bool {
    if b.get(i..i + 3) != Some(b"[.]") {
        return false;
    }
    // label_before(b, i) || is_close(before(b, i)), one lookup for ASCII
    let c = before(b, i);
    if c < 0x80 {
        return ASCII_KIND[c as usize] != 0;
    }
    alphanumeric_before(b, i)
}

#[inline(never)]
fn alphanumeric_before(b: &[u8], i: usize) -> bool {
    char_before(b, i).is_some_and(char::is_alphanumeric)
}

/// Recognise the marker(s) at byte `i`, pushing them on `out` in source order.
/// Returns the end of the last marker pushed, or `None` if there is none.
///
/// Inlined into the scan: a trigger in prose is most often no marker, which
/// [`may_start`] tells from the next byte (the scan has passed over most such
/// triggers already), and the commonest marker is a glued `[.]`.
#[inline]
pub(crate) fn lex_at(b: &[u8], i: usize, out: &mut Vec<Marker>) -> Option<usize> {
    if !may_start(b, i) {
        return None;
    }
    if glued_dot(b, i) {
        out.push(Marker {
            start: i,
            end: i + 3,
            repl: Repl::Str("."),
            weak: false,
        });
        return Some(i + 3);
    }
    lex_marker(b, i, out)
}

/// [`lex_at`] past its early exits.
fn lex_marker(b: &[u8], i: usize, out: &mut Vec<Marker>) -> Option<usize> {
    let c = at(b, i);
    match c {
        b'[' | b'(' | b'{' | b'<' | b'\\' | 0xEF => {
            if let Some((k, e)) = bracketed(b, i) {
                return bracket_marker(b, i, k, e, out);
            }
            if c == b'\\' {
                // \. between label characters; :\\ handled at ':'
                if at(b, i + 1) == b'.' && label_before(b, i) && label_at(b, i + 2) {
                    out.push(Marker {
                        start: i,
                        end: i + 2,
                        repl: Repl::Str("."),
                        weak: true,
                    });
                    return Some(i + 2);
                }
                return None;
            }
            if is_open(c) {
                return bracket_word(b, i, out);
            }
            if c == 0xEF {
                return unicode_marker(b, i, out);
            }
            None
        }
        b':' => colon_marker(b, i, out),
        b'D' => caps_word(b, i, b"DOT", ".", out),
        b'A' => caps_word(b, i, b"AT", "@", out),
        0xE2 | 0xE3 => unicode_marker(b, i, out),
        _ => None,
    }
}

fn hex_at(b: &[u8], i: usize) -> bool {
    at(b, i).is_ascii_hexdigit()
}

/// Decide whether a bracketed marker `i..e` of kind `k` is in an indicator
/// context, possibly widening it over surrounding single spaces (weak form).
fn bracket_marker(b: &[u8], i: usize, k: Inner, e: usize, out: &mut Vec<Marker>) -> Option<usize> {
    let glued_left = label_before(b, i) || is_close(before(b, i));
    let glued_right = label_at(b, e) || open_len(b, e) > 0;
    let repl = Repl::Str(k.repl());
    let strong = |out: &mut Vec<Marker>| {
        out.push(Marker {
            start: i,
            end: e,
            repl,
            weak: false,
        });
        Some(e)
    };
    match k {
        Inner::Dot => {
            if glued_left {
                return strong(out);
            }
            spaced(b, i, e, repl, out)
        }
        Inner::At => {
            let left = before(b, i);
            if glued_left || (left > b' ' && !matches!(left, b'[' | b'(' | b'{')) {
                if glued_right {
                    return strong(out);
                }
                return None;
            }
            spaced(b, i, e, repl, out)
        }
        Inner::Colon => {
            let slashes = b.get(e..e + 2) == Some(b"//")
                || matches!(bracketed(b, e), Some((Inner::Slash | Inner::SlashSlash, _)));
            if scheme_word_start(b, i).is_some() && slashes {
                // hxxp[:]// or hxxp[:][/] : the scheme may be defanged too
                // (left as `hxxp:/`, it would be refanged on a second pass)
                if let Some(m) = scheme_marker(b, i) {
                    out.push(m);
                }
                return strong(out);
            }
            // [:][:] is `::` wherever it is (the start, middle or end of an
            // address, or alone): never prose. Taken as one marker, so that a
            // second `[:]` before `]` or a space (`[2001[:]db8[:][:]]:443`)
            // needs no neighbour of its own.
            if let Some((Inner::Colon, e2)) = bracketed(b, e) {
                out.push(Marker {
                    start: i,
                    end: e2,
                    repl: Repl::Str("::"),
                    weak: false,
                });
                return Some(e2);
            }
            if glued_left && (glued_right || at(b, e) == b'/') {
                return strong(out);
            }
            None
        }
        Inner::DoubleColon => {
            let left_ok = hex_at(b, i.wrapping_sub(1)) && i > 0
                || before(b, i) == b':'
                || is_close(before(b, i));
            let right_ok = hex_at(b, e) || at(b, e) == b'/';
            if (left_ok && (right_ok || !label_at(b, e) && at(b, e) != b':'))
                || (!label_before(b, i) && before(b, i) != b':' && hex_at(b, e))
            {
                return strong(out);
            }
            None
        }
        Inner::Slash | Inner::SlashSlash => {
            if k == Inner::SlashSlash && before(b, i) == b':' {
                if let Some(m) = scheme_marker(b, i - 1) {
                    out.push(m);
                }
                return strong(out);
            }
            if glued_left {
                return strong(out);
            }
            None
        }
        Inner::SchemeSep => {
            if scheme_word_start(b, i).is_some() {
                if let Some(m) = scheme_marker(b, i) {
                    out.push(m);
                }
                return strong(out);
            }
            None
        }
    }
}

/// Spaced form ` [.] ` / ` [at] `: one space each side, label characters beyond.
fn spaced(b: &[u8], i: usize, e: usize, repl: Repl, out: &mut Vec<Marker>) -> Option<usize> {
    if i >= 2
        && b[i - 1] == b' '
        && label_before(b, i - 1)
        && at(b, e) == b' '
        && label_at(b, e + 1)
    {
        out.push(Marker {
            start: i - 1,
            end: e + 1,
            repl,
            weak: true,
        });
        return Some(e + 1);
    }
    None
}

/// `[https]://`, `[.c]om`-style and other bracketed words at `i`.
fn bracket_word(b: &[u8], i: usize, out: &mut Vec<Marker>) -> Option<usize> {
    // bracketed scheme: [https]://, (http)://
    let close = match b[i] {
        b'[' => b']',
        b'(' => b')',
        _ => b'}',
    };
    let mut j = i + 1;
    while j < b.len() && j - i <= 6 && (b[j].is_ascii_alphabetic() || b[j] == b'*') {
        j += 1;
    }
    if j > i + 1 && at(b, j) == close && separator_at(b, j + 1) && !label_before(b, i) {
        let w = &b[i + 1..j];
        if let Some(canon) = defanged_scheme(w).or_else(|| plain_scheme(w)) {
            out.push(Marker {
                start: i,
                end: j + 1,
                repl: Repl::Str(canon),
                weak: false,
            });
            // a bracketed separator right after it: [hxxp][://], [hxxp][:]//
            let sep = match bracketed(b, j + 1) {
                Some((Inner::SchemeSep | Inner::Colon, e)) => Some(e),
                _ => None,
            };
            if let Some(e) = sep {
                let repl = if b.get(e..e + 2) == Some(b"//") {
                    ":"
                } else {
                    "://"
                };
                out.push(Marker {
                    start: j + 1,
                    end: e,
                    repl: Repl::Str(repl),
                    weak: false,
                });
                return Some(e);
            }
            return Some(j + 1);
        }
    }
    // swallowed letters: onmicrosoft[.c]om, file[.dll]
    if b[i] == b'[' && at(b, i + 1) == b'.' && label_before(b, i) {
        let mut j = i + 2;
        while j < b.len() && j - i <= 8 && b[j].is_ascii_alphanumeric() {
            j += 1;
        }
        if j > i + 2 && at(b, j) == b']' {
            out.push(Marker {
                start: i,
                end: j + 1,
                repl: Repl::Src(i + 1, j),
                weak: true,
            });
            return Some(j + 1);
        }
    }
    None
}

/// Markers at a `:`: `://`, `:\\` and `:/` after a (defanged) scheme word.
fn colon_marker(b: &[u8], i: usize, out: &mut Vec<Marker>) -> Option<usize> {
    let rest = b.get(i..)?;
    if rest.starts_with(b"://") {
        let m = scheme_marker(b, i)?;
        out.push(m);
        return Some(m.end);
    }
    let s = scheme_word_start(b, i)?;
    let w = &b[s..i];
    let defanged = defanged_scheme(w);
    if defanged.is_none() && plain_scheme(w).is_none() {
        return None;
    }
    let sep_end = if rest.starts_with(b":\\\\") {
        i + 3
    } else if defanged.is_some() && rest.starts_with(b":/") && label_at(b, i + 2) {
        i + 2
    } else {
        return None;
    };
    if !label_at(b, sep_end) {
        return None;
    }
    if let Some(canon) = defanged {
        out.push(Marker {
            start: s,
            end: i,
            repl: Repl::Str(canon),
            weak: false,
        });
    }
    out.push(Marker {
        start: i,
        end: sep_end,
        repl: Repl::Str("://"),
        weak: false,
    });
    Some(sep_end)
}

fn is_lower_or_digit(c: u8) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// The token ending at `i` is non-empty and has no upper-case letter.
fn lower_token_before(b: &[u8], i: usize) -> bool {
    let mut s = i;
    while s > 0 && !b[s - 1].is_ascii_whitespace() {
        s -= 1;
    }
    s < i && is_lower_or_digit(b[i - 1]) && lower_outside_markers(b, s, i)
}

/// The token starting at `i` is non-empty and has no upper-case letter.
fn lower_token_at(b: &[u8], i: usize) -> bool {
    let mut e = i;
    while e < b.len() && !b[e].is_ascii_whitespace() {
        e += 1;
    }
    e > i && is_lower_or_digit(b[i]) && lower_outside_markers(b, i, e)
}

/// No upper-case letter in `b[k..e]` but inside bracketed markers such as
/// `(DOT)` or `[AT]`: refang removes those, and a spaced ` DOT ` must be
/// judged the same before and after they are gone.
fn lower_outside_markers(b: &[u8], mut k: usize, e: usize) -> bool {
    while k < e {
        let c = b[k];
        if matches!(c, b'[' | b'(' | b'{' | b'<' | b'\\') || c >= 0x80 {
            if let Some((_, end)) = bracketed(b, k).filter(|&(_, end)| end <= e) {
                k = end;
                continue;
            }
        }
        if c.is_ascii_uppercase() {
            return false;
        }
        k += 1;
    }
    true
}

/// Upper-case ` DOT ` / ` AT ` between lower-case words, or `DOT` glued between
/// lower-case letters.
fn caps_word(
    b: &[u8],
    i: usize,
    w: &[u8],
    repl: &'static str,
    out: &mut Vec<Marker>,
) -> Option<usize> {
    if b.get(i..i + w.len()) != Some(w) {
        return None;
    }
    let e = i + w.len();
    let (l, r) = (before(b, i), at(b, e));
    if l == b' ' && r == b' ' && i >= 2 && lower_token_before(b, i - 1) && lower_token_at(b, e + 1)
    {
        out.push(Marker {
            start: i - 1,
            end: e + 1,
            repl: Repl::Str(repl),
            weak: true,
        });
        return Some(e + 1);
    }
    if repl == "." && is_lower_or_digit(l) && r.is_ascii_lowercase() {
        out.push(Marker {
            start: i,
            end: e,
            repl: Repl::Str(repl),
            weak: true,
        });
        return Some(e);
    }
    None
}

/// Unicode dots (U+3002, U+FF0E, U+FF61), fullwidth brackets and zero-width
/// characters inside a word.
fn unicode_marker(b: &[u8], i: usize, out: &mut Vec<Marker>) -> Option<usize> {
    let ch = char_at(b, i)?;
    let e = i + ch.len_utf8();
    match ch {
        '\u{3002}' | '\u{FF0E}' | '\u{FF61}' => {
            if label_before(b, i) && label_at(b, e) {
                out.push(Marker {
                    start: i,
                    end: e,
                    repl: Repl::Str("."),
                    weak: true,
                });
                return Some(e);
            }
            None
        }
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' => {
            let l = label_before(b, i) || before(b, i) == b'.';
            let r = label_at(b, e) || at(b, e) == b'.' || is_zero_width(b, e);
            if l && r {
                // swallow a run of zero-width characters
                let mut end = e;
                while is_zero_width(b, end) {
                    end += 3;
                }
                if label_at(b, end) || at(b, end) == b'.' {
                    out.push(Marker {
                        start: i,
                        end,
                        repl: Repl::Str(""),
                        weak: true,
                    });
                    return Some(end);
                }
            }
            None
        }
        _ => None,
    }
}

pub(crate) fn is_zero_width(b: &[u8], i: usize) -> bool {
    matches!(
        char_at(b, i),
        Some('\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `may_start` knows the trigger bytes and no others.
    #[test]
    fn classes_are_the_trigger_bytes() {
        for c in 0..=255u8 {
            assert_eq!(CLASS[c as usize] != 0, TRIGGER[c as usize], "{c:#x}");
        }
    }

    /// The vector mask flags exactly the trigger bytes, at every lane, in
    /// blocks of ASCII only and in blocks with a byte from 0x80 up.
    #[test]
    fn trigger_mask_matches_the_table() {
        for filler in [b'a', b' ', 0x80, 0xE4] {
            for c in 0..=255u8 {
                for lane in 0..64 {
                    let mut block = [filler; 64];
                    block[lane] = c;
                    let want = block
                        .iter()
                        .enumerate()
                        .filter(|&(_, &b)| TRIGGER[b as usize])
                        .fold(0u64, |m, (k, _)| m | 1 << k);
                    assert_eq!(
                        trigger_mask(&block),
                        want,
                        "{c:#x} at {lane} in {filler:#x}"
                    );
                }
            }
        }
    }

    /// The block scan finds what a byte-by-byte scan finds, from any start,
    /// across block boundaries and in a short last block, and passes over the
    /// triggers that `may_start` rejects.
    #[test]
    fn triggers_match_a_bytewise_scan() {
        let unit = "ab[.]c D:\\(x{y<z A\u{200b}\u{3002}\u{ff0e}é [1]DOT<.AT:/ ";
        for len in [0, 1, 5, 63, 64, 65, 127, 128, 129, 300] {
            let text: String = unit.chars().cycle().take(len).collect();
            let b = text.as_bytes();
            let bytewise =
                |from: usize| (from..b.len()).find(|&i| TRIGGER[b[i] as usize] && may_start(b, i));
            for step in [1, 3, 64, 70] {
                let mut triggers = Triggers::new(b);
                let mut from = 0;
                while from <= b.len() + 1 {
                    assert_eq!(triggers.next(from), bytewise(from), "len {len} from {from}");
                    from += step;
                }
            }
        }
    }
}
