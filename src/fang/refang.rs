//! Refanging: the scan, the candidate regions and the validity check.

use std::borrow::Cow;

use super::notation::{self, Marker, Repl, Triggers, lex_at};
use super::valid;

/// One rewrite of the source: `start..end` becomes `repl`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Edit {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) repl: Repl,
}

impl Edit {
    pub(crate) fn text<'a>(&self, src: &'a str) -> &'a str {
        match self.repl {
            Repl::Str(s) => s,
            Repl::Src(a, b) => src.get(a..b).unwrap_or(""),
        }
    }
}

fn is_space(c: u8) -> bool {
    c.is_ascii_whitespace()
}

/// Where the scan sends the accepted edits of a text, in order.
trait Sink {
    /// `start..end` of the source becomes `repl`.
    fn edit(&mut self, start: usize, end: usize, repl: &str);
}

/// A closure as a [`Sink`].
struct Each<F>(F);

impl<F: FnMut(usize, usize, &str)> Sink for Each<F> {
    #[inline]
    fn edit(&mut self, start: usize, end: usize, repl: &str) {
        (self.0)(start, end, repl);
    }
}

/// Calls `f(start, end, replacement)` with every accepted edit of `src`, in
/// order. Edits never overlap.
pub(crate) fn for_each_edit(src: &str, f: impl FnMut(usize, usize, &str)) {
    for_each_edit_depth(src, &mut Each(f), 0);
}

/// How many times a rewritten region is refanged again before it is final.
const MAX_DEPTH: u8 = 3;

/// Generic over the sink so that it is inlined into the scan (it runs once per
/// edit); the rare second pass uses `dyn`, which also bounds the
/// instantiations of this recursive function.
fn for_each_edit_depth<F>(src: &str, f: &mut F, depth: u8)
where
    F: Sink + ?Sized,
{
    let b = src.as_bytes();
    let mut pos = 0;
    // where the next region may start: after the last edit or region, not
    // after a trigger that was no marker (that one stays inside its word)
    let mut lo = 0;
    let mut markers: Vec<Marker> = Vec::new();
    let mut edits: Vec<Edit> = Vec::new();
    let mut region_out = String::new();
    let mut scratch = Scratch::default();
    let mut ahead = Ahead::default();
    let mut triggers = Triggers::new(b);
    // one past the last trigger that was no marker (other than a `:`), or 0:
    // a marker in the same word takes the region path, which refangs the
    // word again when the rewrite makes that trigger a marker (`x[:[//]]`)
    let mut failed_at = 0;
    while let Some(t) = triggers.next(pos) {
        if failed_at > lo && !same_word(b, failed_at, t) {
            // nor is it in the word of any later trigger
            failed_at = 0;
        }
        let clean = failed_at <= lo;
        // the fast path below for the commonest marker, without the marker list
        if clean && b[t] == b'[' && notation::glued_dot(b, t) && !ahead.weak(b, t + 3) {
            f.edit(t, t + 3, ".");
            pos = t + 3;
            lo = pos;
            continue;
        }
        markers.clear();
        if lex_at(b, t, &mut markers).is_none() {
            if b[t] != b':' {
                failed_at = t + 1;
            }
            pos = t + 1;
            // stay on a character boundary: the region search starts at `pos`
            while pos < b.len() && (b[pos] & 0xC0) == 0x80 {
                pos += 1;
            }
            continue;
        }
        // Fast path: unambiguous markers need no region, unless a marker that
        // follows in the same token needs one (checked by its own trigger).
        if clean && markers.iter().all(|m| !m.weak) {
            let end = markers.last().map_or(t + 1, |m| m.end);
            if !ahead.weak(b, end) {
                markers.iter().for_each(|m| {
                    f.edit(
                        m.start,
                        m.end,
                        Edit {
                            start: m.start,
                            end: m.end,
                            repl: m.repl,
                        }
                        .text(src),
                    )
                });
                pos = end.max(t + 1);
                lo = pos;
                continue;
            }
        }
        // The region is the markers' word, from no earlier than the end of
        // the last edit or region: a trigger before them that was no marker
        // (the `D` of `During`) stays in it, so the word is judged the same
        // whatever letter it starts with.
        let (rs, re, failed) = region(b, lo, t, &mut markers);
        edits.clear();
        decide(src, &markers, &mut scratch, &mut |e| edits.push(e));
        pos = re.max(t + 1);
        lo = pos;
        let rejected = edits.len() < markers.len();
        if edits.is_empty() {
            continue;
        }
        if !(failed || rejected) || depth >= MAX_DEPTH {
            edits
                .iter()
                .for_each(|e| f.edit(e.start, e.end, e.text(src)));
            continue;
        }
        // A rewrite can bring markers together (`[.][.]\u{200b}a`): refang the
        // rewritten region again so that the result is final.
        region_out.clear();
        // (start, end in region_out; start, end in src) of every first-pass edit
        let mut spans: Vec<(usize, usize, usize, usize)> = Vec::with_capacity(edits.len());
        let mut copied = rs;
        for e in &edits {
            region_out.push_str(&src[copied..e.start]);
            let a = region_out.len();
            region_out.push_str(e.text(src));
            spans.push((a, region_out.len(), e.start, e.end));
            copied = e.end;
        }
        region_out.push_str(&src[copied..re]);
        let mut second: Vec<(usize, usize, String)> = Vec::new();
        let collect: &mut dyn Sink = &mut Each(|a, z, r: &str| second.push((a, z, r.to_string())));
        for_each_edit_depth(&region_out, collect, depth + 1);
        if second.is_empty() {
            edits
                .iter()
                .for_each(|e| f.edit(e.start, e.end, e.text(src)));
        } else {
            compose(
                src,
                rs,
                &edits,
                &spans,
                &region_out,
                &second,
                &mut |a, z, r| {
                    f.edit(a, z, r);
                },
            );
        }
    }
}

/// Whether `b[from..to]` holds no white space: a trigger just before `from`
/// is in the word of the one at `to`. Searched from `to` backwards, so a
/// trigger in an earlier word costs only the length of the later word.
fn same_word(b: &[u8], from: usize, to: usize) -> bool {
    !b[from.min(to)..to].iter().rev().any(|&c| is_space(c))
}

/// Emits the composition of first-pass `edits` (placed at `spans` in
/// `out1`, the region rewritten once) and `second`-pass edits of `out1`, as
/// edits of `src`: each second-pass edit grows to whole first-pass spans and
/// becomes one source edit; first-pass edits it does not touch stay as they are.
fn compose(
    src: &str,
    rs: usize,
    edits: &[Edit],
    spans: &[(usize, usize, usize, usize)],
    out1: &str,
    second: &[(usize, usize, String)],
    f: &mut dyn FnMut(usize, usize, &str),
) {
    // out1 position -> src position, for the start and the end of a range
    let to_src_start = |p: usize| {
        let k = spans.partition_point(|s| s.1 <= p);
        match k.checked_sub(1).and_then(|j| spans.get(j)) {
            Some(s) => p - s.1 + s.3,
            None => rs + p,
        }
    };
    let to_src_end = |p: usize| {
        let k = spans.partition_point(|s| s.0 < p);
        match k.checked_sub(1).and_then(|j| spans.get(j)) {
            Some(s) if p <= s.1 => s.3,
            Some(s) => p - s.1 + s.3,
            None => rs + p,
        }
    };
    // the start or end of the first-pass span that `p` falls strictly
    // inside, else `p` (the spans are in order and do not overlap)
    let grow = |p: usize, to_end: bool| {
        let j = spans.partition_point(|s| s.0 < p);
        match j.checked_sub(1).and_then(|j| spans.get(j)) {
            Some(s) if p < s.1 => {
                if to_end {
                    s.1
                } else {
                    s.0
                }
            }
            _ => p,
        }
    };
    // clusters of second-pass edits, grown to whole first-pass spans, in out1
    let mut clusters: Vec<(usize, usize)> = Vec::new();
    for &(a, z, _) in second {
        let (ca, cz) = (grow(a, false), grow(z, true));
        match clusters.last_mut() {
            Some(last) if ca <= last.1 => last.1 = last.1.max(cz),
            _ => clusters.push((ca, cz)),
        }
    }
    let mut text = String::new();
    let mut next_edit = 0;
    // the second-pass edits of each cluster follow those of the one before
    let mut next_second = 0;
    for &(ca, cz) in &clusters {
        let (sa, sz) = (to_src_start(ca), to_src_end(cz));
        // first-pass edits before this cluster stay
        while let Some(e) = edits.get(next_edit).filter(|e| e.end <= sa) {
            f(e.start, e.end, e.text(src));
            next_edit += 1;
        }
        // those inside it are replaced by the cluster
        while edits.get(next_edit).is_some_and(|e| e.start < sz) {
            next_edit += 1;
        }
        text.clear();
        let mut copied = ca;
        while second.get(next_second).is_some_and(|e| e.0 < ca) {
            next_second += 1;
        }
        while let Some((a, z, r)) = second.get(next_second).filter(|e| e.1 <= cz) {
            text.push_str(out1.get(copied..*a).unwrap_or(""));
            text.push_str(r);
            copied = *z;
            next_second += 1;
        }
        text.push_str(out1.get(copied..cz).unwrap_or(""));
        f(sa, sz, &text);
    }
    for e in edits.get(next_edit..).unwrap_or_default() {
        f(e.start, e.end, e.text(src));
    }
}

/// For [`Ahead`]: 1 ends a word (ASCII white space), 2 may start a weak marker.
static AHEAD_STOP: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        if c >= 0x80 || c == b'\\' as usize || c == b'D' as usize || c == b'A' as usize {
            t[c] = 2;
        }
        c += 1;
    }
    let spaces = b" \t\n\r\x0c";
    let mut k = 0;
    while k < spaces.len() {
        t[spaces[k] as usize] = 1;
        k += 1;
    }
    t
};

/// The first byte at or after `i` with a non-zero [`AHEAD_STOP`], or `b.len()`.
///
/// Eight bytes at a time: the rest of an indicator is mostly ASCII letters,
/// digits and punctuation, none of which is flagged below.
fn next_stop(b: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // high bit of each byte of `x` below `n` (n <= 0x80); a byte above the
    // lowest flagged one may be flagged wrongly, the lowest one never is
    let below = |x: u64, n: u8| x.wrapping_sub(ONES * u64::from(n)) & !x & HIGH;
    let equal = |x: u64, c: u8| below(x ^ (ONES * u64::from(c)), 1);
    while let Some(w) = b.get(i..).and_then(<[u8]>::first_chunk::<8>) {
        let w = u64::from_le_bytes(*w);
        // white space is below 0x21, as are control characters that are no stop
        let flags = below(w, 0x21) | equal(w, b'\\') | equal(w, b'D') | equal(w, b'A') | (w & HIGH);
        if flags != 0 {
            // the lowest flagged byte is flagged rightly, but it may be a
            // control character that is no stop
            let k = i + (flags.trailing_zeros() / 8) as usize;
            if AHEAD_STOP[b[k] as usize] != 0 {
                return k;
            }
            i = k + 1;
            continue;
        }
        i += 8;
    }
    b.get(i..)
        .and_then(|rest| rest.iter().position(|&c| AHEAD_STOP[c as usize] != 0))
        .map_or(b.len(), |p| i + p)
}

/// Whether the rest of a word holds a trigger that is not a plain bracketed
/// marker (a weak marker or a failed trigger could need the region around it,
/// and that region would then start too late). The answer is cached per word so
/// a long word with many markers is scanned once.
#[derive(Default)]
struct Ahead {
    /// scanned `from..until`; `hit` says whether such a trigger is at `until`
    from: usize,
    until: usize,
    hit: bool,
}

impl Ahead {
    /// Inlined for the cached answer: most markers share a word with another.
    #[inline]
    fn weak(&mut self, b: &[u8], i: usize) -> bool {
        if self.from <= i && i <= self.until && self.until > 0 {
            return self.hit;
        }
        self.scan(b, i)
    }

    fn scan(&mut self, b: &[u8], i: usize) -> bool {
        let k = next_stop(b, i);
        if k < b.len() && AHEAD_STOP[b[k] as usize] == 2 {
            *self = Ahead {
                from: i,
                until: k,
                hit: true,
            };
            return true;
        }
        // a spaced marker after the word joins it
        let hit = k + 2 < b.len() && b[k] == b' ' && notation::spaced_candidate(b, k + 1);
        *self = Ahead {
            from: i,
            until: k,
            hit,
        };
        hit
    }
}

/// The candidate region around the markers found at trigger `t`: the
/// whitespace-free token, joined with neighbours across spaced markers
/// (` [.] `, ` DOT `). Collects the region's markers in `markers` and says
/// whether a trigger in it was no marker.
fn region(b: &[u8], lo: usize, t: usize, markers: &mut Vec<Marker>) -> (usize, usize, bool) {
    let ms = markers.first().map_or(t, |m| m.start.min(t));
    let mut s = ms;
    while s > lo && !is_space(b[s - 1]) {
        s -= 1;
    }
    // a trigger before the markers that was no marker may become one once
    // the word is rewritten: the region is then refanged again
    let mut failed = b[s..ms]
        .iter()
        .any(|&c| notation::TRIGGER[c as usize] && c != b':');
    markers.retain(|m| m.start >= s);
    let mut e = markers.last().map_or(t + 1, |m| m.end.max(t + 1));
    loop {
        while e < b.len() && !is_space(b[e]) {
            if notation::TRIGGER[b[e] as usize] {
                let n = markers.len();
                match lex_at(b, e, markers) {
                    Some(end) if end > e || markers.len() > n => {
                        // keep the new markers only where they do not overlap
                        let floor = markers
                            .get(..n)
                            .and_then(<[Marker]>::last)
                            .map_or(s, |m| m.end);
                        let mut k = n;
                        while k < markers.len() {
                            if markers[k].start < floor {
                                markers.remove(k);
                            } else {
                                k += 1;
                            }
                        }
                        e = end.max(e + 1);
                        continue;
                    }
                    _ => {
                        markers.truncate(n);
                        failed |= b[e] != b':';
                    }
                }
            }
            e += 1;
        }
        // a spaced marker starting at this space joins the next token
        if e + 1 < b.len() && b[e] == b' ' {
            let n = markers.len();
            if lex_at(b, e + 1, markers).is_some() && markers.get(n).is_some_and(|m| m.start == e) {
                e = markers.last().map_or(e + 1, |m| m.end);
                continue;
            }
            markers.truncate(n);
            // a spaced marker refused here may be accepted once the token is
            // rewritten (` AT ` after a token that loses its `(DOT)`)
            failed |= notation::spaced_candidate(b, e + 1);
        }
        break;
    }
    (s, e, failed)
}

#[derive(Default)]
struct Scratch {
    view: String,
    spans: Vec<(usize, usize)>,
    accept: Vec<bool>,
}

/// Emit the strong markers, and the weak ones whose word is a valid indicator.
fn decide(src: &str, markers: &[Marker], sc: &mut Scratch, f: &mut dyn FnMut(Edit)) {
    let edit = |m: &Marker| Edit {
        start: m.start,
        end: m.end,
        repl: m.repl,
    };
    if !markers.iter().any(|m| m.weak) {
        markers.iter().for_each(|m| f(edit(m)));
        return;
    }
    let (Some(first), Some(last)) = (markers.first(), markers.last()) else {
        return;
    };
    // region text with every marker applied, and where each marker landed
    let (rs, re) = word_bounds(src.as_bytes(), first.start, last.end);
    sc.view.clear();
    sc.spans.clear();
    let mut copied = rs;
    for m in markers {
        sc.view.push_str(&src[copied..m.start]);
        let a = sc.view.len();
        sc.view.push_str(edit(m).text(src));
        sc.spans.push((a, sc.view.len()));
        copied = m.end;
    }
    sc.view.push_str(&src[copied..re]);
    sc.accept.clear();
    sc.accept.resize(markers.len(), false);
    let mut words = Words::default();
    for (k, m) in markers.iter().enumerate() {
        if !m.weak || sc.accept[k] {
            continue;
        }
        let (a, z) = words.around(&sc.view, sc.spans[k].0, sc.spans[k].1);
        if words.plausible(&sc.view, a, z) {
            // every weak marker in the same word is accepted with it (the
            // spans are in order and do not overlap)
            let from = sc.spans.partition_point(|sp| sp.0 < a);
            for (sp, accept) in sc.spans[from..].iter().zip(&mut sc.accept[from..]) {
                if sp.1 > z {
                    break;
                }
                *accept = true;
            }
        }
    }
    for (k, m) in markers.iter().enumerate() {
        if !m.weak || sc.accept[k] {
            f(edit(m));
        }
    }
}

/// Widen `s..e` to whole words of indicator characters.
fn word_bounds(b: &[u8], mut s: usize, mut e: usize) -> (usize, usize) {
    while s > 0 && !is_space(b[s - 1]) {
        s -= 1;
    }
    while e < b.len() && !is_space(b[e]) {
        e += 1;
    }
    (s, e)
}

fn word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '@' | '+')
}

/// The words of indicator characters around markers in the rewritten view,
/// asked for from left to right. Each scan stops where the one for the
/// previous marker started or ended, and a word is judged once for all the
/// markers in it: a region is scanned about once however many markers it
/// holds, so a long token full of weak markers costs linear time.
#[derive(Default)]
struct Words {
    /// the last marker's span start, its word's start, span end, word end
    last: Option<[usize; 4]>,
    /// the last word judged and whether it is a plausible indicator
    judged: Option<(usize, usize, bool)>,
}

impl Words {
    /// The word around `a..z` (a marker's span, `a` and `z` never before
    /// the last call's).
    fn around(&mut self, view: &str, a: usize, z: usize) -> (usize, usize) {
        let mut start = a;
        for (i, c) in view[..a].char_indices().rev() {
            if let Some([la, ls, ..]) = self.last {
                if start == la {
                    start = ls;
                    break;
                }
            }
            if !word_char(c) {
                break;
            }
            start = i;
        }
        let end = match self.last {
            Some([_, _, lz, le]) if lz <= z && z <= le => le,
            _ => {
                let mut end = z;
                for (i, c) in view[z..].char_indices() {
                    if !word_char(c) {
                        break;
                    }
                    end = z + i + c.len_utf8();
                }
                end
            }
        };
        self.last = Some([a, start, z, end]);
        (start, end)
    }

    fn plausible(&mut self, view: &str, a: usize, z: usize) -> bool {
        match self.judged {
            Some((ja, jz, verdict)) if (ja, jz) == (a, z) => verdict,
            _ => {
                let verdict = valid::plausible_word(&view[a..z]);
                self.judged = Some((a, z, verdict));
                verdict
            }
        }
    }
}

/// Apply `for_each_edit` to produce the refanged text.
pub(crate) fn refang(src: &str) -> Cow<'_, str> {
    let mut out = Refanged {
        src,
        out: None,
        copied: 0,
    };
    for_each_edit_depth(src, &mut out, 0);
    match out.out {
        None => Cow::Borrowed(src),
        Some(mut o) => {
            o.push_str(&src[out.copied..]);
            Cow::Owned(o)
        }
    }
}

/// The refanged text so far: `src` up to `copied`, rewritten; allocated at the
/// first edit.
struct Refanged<'a> {
    src: &'a str,
    out: Option<String>,
    copied: usize,
}

impl Sink for Refanged<'_> {
    /// Always inlined: it runs once per edit, and where the scan knows the
    /// replacement (a glued `[.]`) the byte is pushed without a test.
    #[inline(always)]
    fn edit(&mut self, start: usize, end: usize, repl: &str) {
        let src = self.src;
        let o = self
            .out
            .get_or_insert_with(|| String::with_capacity(src.len()));
        o.push_str(&src[self.copied..start]);
        // most replacements are one ASCII byte (`.`, `:`, `@`): pushing it
        // is cheaper than a copy of unknown length
        match repl.as_bytes() {
            &[c] => o.push(char::from(c)),
            _ => o.push_str(repl),
        }
        self.copied = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The word-at-a-time search stops where a bytewise one does, whatever
    /// precedes the stop in its eight-byte word.
    #[test]
    fn next_stop_matches_a_bytewise_scan() {
        let stops = [
            " ", "\t", "\n", "\r", "\x0c", "\\", "D", "A", "é", "\u{200b}",
        ];
        let fillers = [
            "",
            "a",
            "x.y-z_",
            "\x01",
            "\x1f!",
            "abcdefghijklmnop",
            "B@C[",
        ];
        for stop in stops {
            for pre in fillers {
                for post in fillers {
                    let text = format!("{pre}{stop}{post}{pre}");
                    let b = text.as_bytes();
                    for i in 0..=b.len() {
                        let want = (i..b.len())
                            .find(|&k| AHEAD_STOP[b[k] as usize] != 0)
                            .unwrap_or(b.len());
                        assert_eq!(next_stop(b, i), want, "{text:?} from {i}");
                    }
                }
            }
        }
    }

    /// Every weak marker of a long token is judged with its word, once per
    /// word: the answers are those of the same words alone.
    #[test]
    fn long_tokens_of_weak_markers() {
        let mixed = "A\u{200b}".repeat(3000) + &"Dx\u{ff61}".repeat(3000);
        assert_eq!(refang(&mixed), mixed);
        // one word of 9,000 letters is no domain
        let long = "ax\u{200b}".repeat(3000) + "a.com";
        assert_eq!(refang(&long), long);
        // words apart (the `/` ends a word) are judged one by one
        let words = "evil\u{ff61}com/".repeat(3000);
        assert_eq!(refang(&words), "evil.com/".repeat(3000));
        let some = "evil\u{ff61}com/Evil\u{ff61}com/".repeat(2000);
        assert_eq!(refang(&some), "evil.com/Evil\u{ff61}com/".repeat(2000));
    }

    /// A glued `DOT` is judged with its own word: a spaced ` DOT ` or ` AT `
    /// after it, whose words make no indicator, does not take it down too.
    #[test]
    fn a_glued_dot_keeps_its_own_word() {
        for (input, want) in [
            ("evilDOTcom DOT x", "evil.com DOT x"),
            ("contacted badDOTcom DOT then", "contacted bad.com DOT then"),
            (
                "beacons to evilDOTru AT night",
                "beacons to evil.ru AT night",
            ),
        ] {
            assert_eq!(refang(input), want, "{input:?}");
        }
    }

    /// `D` and `A` are trigger bytes (` DOT `, ` AT `). One that was no
    /// marker used to cut the word judged on a second look, so a word starting
    /// with `D` was refanged unlike the same word starting with `X`, and
    /// defang changed `Ax\u{200b}a.com` again on a second pass. Any trigger
    /// that was no marker did the same.
    #[test]
    fn a_word_is_judged_whole_whatever_letter_starts_it() {
        for (input, want) in [
            ("Dx｡gate{.}com", "Dx｡gate.com"),
            ("Xx｡gate{.}com", "Xx｡gate.com"),
            ("dx｡gate{.}com", "dx.gate.com"),
            ("Ax\u{200b}a[.]com", "Ax\u{200b}a.com"),
            ("ax\u{200b}a[.]com", "axa.com"),
        ] {
            assert_eq!(refang(input), want, "{input:?}");
            assert_eq!(refang(want), want, "{want:?}");
        }
        let once = crate::fang::defang("Ax\u{200b}a.com");
        assert_eq!(once, "Ax\u{200b}a[.]com");
        assert_eq!(crate::fang::defang(&once), once);
        // the failed `[` before the mark no longer hides the address after it
        assert_eq!(
            crate::fang::defang("a.com[\u{fb34}[.]\u{200b}0.0.0.0"),
            "a[.]com[\u{fb34}[.]\u{200b}0[.]0[.]0[.]0"
        );
    }

    /// Text around the places the scan stops or passes over: a trigger passed
    /// over (it stays in the region of a later marker in its word, as a
    /// trigger that was tried and failed does), triggers at the ends of the
    /// text, and multibyte characters next to a trigger.
    #[test]
    fn scan_edges() {
        let cases = [
            (
                "\tDuring｡gate{.}com>(at)(at)[ . ]Acom[https]",
                "\tDuring｡gate.com>@@.Acom[https]",
            ),
            (
                "/exampleDuringf\\[.\\]\u{feff}io://-evil@[.[/][..](.)[punto]php[punto][é/",
                "/exampleDuringf.\u{feff}io://-evil@[.[/][..]..php.[é/",
            ),
            (
                "[.]x>[.]2001.]\u{200b}During．e(.)io:\\\\．ru",
                "[.]x>[.]2001.]\u{200b}During．e.io:\\\\．ru",
            ),
            ("Dx｡gate{.}com", "Dx｡gate.com"),
            ("D．e(.)io", "D．e.io"),
            (
                "Attribution:evil。example[.]com",
                "Attribution:evil.example.com",
            ),
            ("[1]evil。example[.]com", "[1]evil.example.com"),
            ("(see。example[.]com", "(see.example.com"),
            ("evil[", "evil["),
            ("evil[.", "evil[."),
            ("evil[.]", "evil."),
            ("[.]com", "[.]com"),
            ("a:", "a:"),
            ("x D", "x D"),
            ("A", "A"),
            ("\\", "\\"),
            ("<", "<"),
            ("hxxp:", "hxxp:"),
            ("D", "D"),
            ("DO", "DO"),
            ("AT", "AT"),
            (":/", ":/"),
            ("(", "("),
            ("evil。", "evil。"),
            ("é[.]com", "é.com"),
            ("évil[.]cöm", "évil.cöm"),
            ("中[1]evil[.]com", "中[1]evil.com"),
            ("evil[.]com中", "evil.com中"),
            ("中D中", "中D中"),
            ("é:é", "é:é"),
            ("中A", "中A"),
            ("evil[.]com\u{200b}", "evil.com\u{200b}"),
            ("x\u{200b}D", "x\u{200b}D"),
            ("During。com", "During。com"),
            ("中During evil[.]com", "中During evil.com"),
        ];
        for (input, want) in cases {
            let got = refang(input);
            assert_eq!(got, want, "{input:?}");
            assert_eq!(matches!(got, Cow::Borrowed(_)), input == want, "{input:?}");
        }
    }
}
