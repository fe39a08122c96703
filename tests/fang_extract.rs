//! Extraction, defang and the streaming forms on concrete inputs.

use iochunt::fang::{
    Brackets, DefangStyle, defang, defang_stream, defang_with, extract, extract_reader, refang,
    refang_stream,
};
use iochunt::{Ioc, IocKind};
use pretty_assertions::assert_eq;

fn found(text: &str) -> Vec<(String, String, bool)> {
    extract(text)
        .map(|m| {
            (
                m.kind().as_str().to_string(),
                m.ioc().to_string(),
                m.is_defanged(),
            )
        })
        .collect()
}

fn row(kind: &str, value: &str, defanged: bool) -> (String, String, bool) {
    (kind.to_string(), value.to_string(), defanged)
}

#[test]
fn extracts_every_kind_with_its_span() {
    let text = "C2 hxxps[:]//cdn.evil[.]com/a[.]php?x=1, backup 203.0.113[.]7:8443 and 198.51.100.9.\n\
                Mail jdoe[at]evil-site[.]co[.]uk; net 203.0.113[.]0/24; v6 2001[:]db8[:][:]7.\n\
                sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 md5 d41d8cd98f00b204e9800998ecf8427e\n\
                host update.example-cdn.net served run.zip; 70.34.208.197|10086\n";
    assert_eq!(
        found(text),
        [
            row("url", "https://cdn.evil.com/a.php?x=1", true),
            row("ip_port", "203.0.113.7:8443", true),
            row("ipv4", "198.51.100.9", false),
            row("email", "jdoe@evil-site.co.uk", true),
            row("cidr", "203.0.113.0/24", true),
            row("ipv6", "2001:db8::7", true),
            row(
                "sha256",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                false
            ),
            row("md5", "d41d8cd98f00b204e9800998ecf8427e", false),
            row("domain", "update.example-cdn.net", false),
            row("ip_port", "70.34.208.197:10086", false),
        ]
    );
    for m in extract(text) {
        assert_eq!(&text[m.span()], m.as_str());
        if !m.as_str().contains('|') {
            assert_eq!(
                Ioc::parse(m.as_str()).ok().as_ref(),
                Some(m.ioc()),
                "{}",
                m.as_str()
            );
        }
    }
}

#[test]
fn spans_cover_the_defanged_text() {
    let text = "see hxxp[://]evil[.]com/x and (evil2[.]net).";
    let spans: Vec<&str> = extract(text).map(|m| &text[m.span()]).collect();
    assert_eq!(spans, ["hxxp[://]evil[.]com/x", "evil2[.]net"]);
}

#[test]
fn prose_look_alikes_are_not_extracted() {
    let text = "Win32/Agent.ZWH dropped libkeyutils.so, thumbs.db and util.py (v1.2.3, e.g. HTTP/1.1). \
                See [docs](./docs.md); 12:30; x^2; C:\\Users\\bob\\evil.dll; listening on [::]:443";
    assert_eq!(found(text), []);
}

#[test]
fn urls_keep_brackets_and_parentheses_that_belong_to_them() {
    let text = "(hxxps://en.wikipedia[.]org/wiki/Foo_(bar)) and hxxp://evil[.]com/q?a[0]=1&b[]=2.";
    let urls: Vec<String> = extract(text).map(|m| m.live().to_string()).collect();
    assert_eq!(
        urls,
        [
            "https://en.wikipedia.org/wiki/Foo_(bar)",
            "http://evil.com/q?a[0]=1&b[]=2"
        ]
    );
}

#[test]
fn scheme_less_urls_and_ports() {
    let text = "tdk.hunanduodao[.]com/jump/fql.js then [2001:db8::1]:8443 and evil[.]com:8443";
    assert_eq!(
        found(text),
        [
            row("url", "http://tdk.hunanduodao.com/jump/fql.js", true),
            row("ip_port", "[2001:db8::1]:8443", false),
            row("domain", "evil.com", true),
        ]
    );
}

#[test]
fn urls_with_a_scheme_are_found_whatever_their_suffix() {
    // A scheme makes a link of a name outside the public suffix list; a
    // bare name there stays prose, and so does a dotless live host.
    let text = "hxxp://c2[.]onion-mirror[.]i2p/g https://phish.example/login \
                hxxp://intranet/x and http://localhost:8080/a but not phish.example";
    assert_eq!(
        found(text),
        [
            row("url", "http://c2.onion-mirror.i2p/g", true),
            row("url", "https://phish.example/login", false),
            row("url", "http://intranet/x", true),
        ]
    );
    // A nested link of that kind is defanged with the one around it.
    let nested = "http://evil.example.com/r?u=https://phish.example/login";
    let safe = defang(nested);
    assert_eq!(
        safe,
        "hxxp://evil[.]example[.]com/r?u=hxxps://phish[.]example/login"
    );
    assert_eq!(refang(&safe), nested);
    // `a.com://x` is a domain before punctuation, not a URL with scheme `a.com`.
    assert_eq!(found("see a.com[://]x"), [row("domain", "a.com", false)]);
    // A dotless host behind another scheme has no dot to bracket: it is not
    // reported, and defang leaves the writer's `[://]` in place.
    for text in [
        "smb[://]fileserver/share",
        "see note[://]example",
        "com[://]example(.)",
    ] {
        assert_eq!(found(text), [], "{text}");
        assert_eq!(defang(text), text);
    }
    assert_eq!(
        found("tcp://c2.internal:4444"),
        [row("url", "tcp://c2.internal:4444", false)]
    );
}

#[test]
fn refang_and_defang_settle_in_one_pass() {
    // ` DOT ` before a word that loses its `(DOT)`: judged the same before
    // and after (it used to be rewritten only by a second refang).
    let once = refang("see a.com DOT a@a.com(DOT) now");
    assert_eq!(once, "see a.com.a@a.com. now");
    assert_eq!(refang(&once), once);
    // An endpoint glued to a URL's trailing punctuation is found and defanged.
    let text = "http://[::]/@.[2001:db8::1]:8443";
    assert_eq!(
        found(text),
        [
            row("url", "http://[::]/@", false),
            row("ip_port", "[2001:db8::1]:8443", false),
        ]
    );
    let safe = defang(text);
    assert_eq!(safe, "hxxp://[[:][:]]/@.[2001[:]db8[:][:]1]:8443");
    assert_eq!(defang(&safe), safe);
}

#[test]
fn ipv6_ending_in_a_double_colon_round_trips() {
    // An address or endpoint ending in `::`: found whole, defanged, and
    // refanged back (the second `[:]` before `]` or the end used to stay).
    for (text, kind) in [
        ("2001:db8::", "ipv6"),
        ("(fe80::).", "ipv6"),
        ("[2001:db8::]:443", "ip_port"),
        ("[a::]:1", "ip_port"),
    ] {
        let value = text.trim_matches(['(', ')', '.']);
        assert_eq!(found(text), [row(kind, value, false)], "{text}");
        let safe = defang(text);
        assert!(extract(&safe).all(|m| m.is_defanged()), "{safe}");
        assert_eq!(refang(&safe), text, "{safe}");
    }
    assert_eq!(defang("[2001:db8::]:443"), "[2001[:]db8[:][:]]:443");
    assert_eq!(
        refang("2001[:]db8[:][:] and [a[:][:]]:1"),
        "2001:db8:: and [a::]:1"
    );
    assert_eq!(found("std::vector"), []);
}

#[test]
fn a_url_with_a_kept_scheme_and_a_dotless_host_is_defanged() {
    // `ws` is kept as it is, and a decimal IPv4 host has no dot to bracket:
    // the `:` is, or the URL stayed live (and `ws[://]...` came out live).
    for (text, safe) in [
        ("ws://3232235777/x", "ws[:]//3232235777/x"),
        ("ws[://]3232235777/x", "ws[:]//3232235777/x"),
        ("wss://1:8443/a?b=c", "wss[:]//1:8443/a?b=c"),
        ("ws://a.com@1", "ws[:]//a.com@1"),
        ("ws://0.com[@]1", "ws[:]//0.com@1"),
        ("ws://a.com/", "ws://a[.]com/"),
    ] {
        let got = defang(text);
        assert_eq!(got, safe, "{text}");
        assert!(extract(&got).all(|m| m.is_defanged()), "{got}");
        assert_eq!(defang(&got), got, "{got}");
        assert_eq!(refang(&got), refang(text), "{text}");
    }
    assert_eq!(
        found("ws[:]//3232235777/x"),
        [row("url", "ws://192.168.1.1/x", true)]
    );
}

#[test]
fn a_bracket_ends_a_scheme_less_url_and_an_email_keeps_its_path_out() {
    // The path of `host/path` ends at a `[`, as a URL's does: no
    // `http://a.com/[dot` with half a marker in it.
    assert_eq!(found("a.com/[dot]"), [row("domain", "a.com", false)]);
    assert_eq!(
        found("see evil.com/gate.php[.]"),
        [row("url", "http://evil.com/gate.php", false)]
    );
    // An email before a path or a marker is the email, not a URL of its
    // domain: a URL query defanged twice reads the same.
    for (text, email) in [
        ("a@a.com/[dot]", "a@a.com"),
        ("x?a=a@a.com://[dot]", "a@a.com"),
        ("b@a.com/x", "b@a.com"),
    ] {
        assert_eq!(found(text), [row("email", email, false)], "{text}");
        let once = defang(text);
        assert!(extract(&once).all(|m| m.is_defanged()), "{once}");
        assert_eq!(defang(&once), once, "{text}");
    }
}

#[test]
fn markdown_emphasis_around_a_defanged_url() {
    // `*` and `_` before a scheme are emphasis, not part of the scheme.
    for (text, live) in [
        ("**hxxps://evil[.]com/a**", "**https://evil.com/a**"),
        ("_hxxps[:]//evil[.]com_", "_https://evil.com_"),
        ("*hxxp[:]//3232235777/*", "*http://3232235777/*"),
    ] {
        assert_eq!(refang(text), live, "{text}");
        assert!(extract(text).all(|m| m.is_defanged()), "{text}");
        let safe = defang(live);
        assert!(extract(&safe).all(|m| m.is_defanged()), "{safe}");
        assert_eq!(refang(&safe), live, "{safe}");
    }
    assert_eq!(
        found("_hxxp://evil.com/"),
        [row("url", "http://evil.com/", true)]
    );
}

#[test]
fn defang_writes_the_canonical_style() {
    let cases = [
        ("192.3.171.227:8823", "192[.]3[.]171[.]227:8823"),
        ("https://evil.com/x", "hxxps://evil[.]com/x"),
        (
            "ftp://files.evil.org/a.zip",
            "fxp://files[.]evil[.]org/a.zip",
        ),
        ("tcp://evil.com:8989/x", "tcp://evil[.]com:8989/x"),
        ("jdoe@evil.com", "jdoe[@]evil[.]com"),
        ("2001:db8::1", "2001[:]db8[:][:]1"),
        (
            "http://[2001:db8::1]:8080/a",
            "hxxp://[2001[:]db8[:][:]1]:8080/a",
        ),
        (
            "http://a.com/?next=http://b.org/",
            "hxxp://a[.]com/?next=hxxp://b[.]org/",
        ),
        ("sub.evil[.]com", "sub[.]evil[.]com"),
        ("hxxps[:]//evil[.]com/x", "hxxps://evil[.]com/x"),
        (
            "Version 1.2.3 and HTTP/1.1, e.g. docs.md",
            "Version 1.2.3 and HTTP/1.1, e.g. docs.md",
        ),
    ];
    for (input, want) in cases {
        assert_eq!(defang(input), want, "{input}");
        assert_eq!(defang(want), want, "idempotent on {want}");
    }
}

#[test]
fn defang_styles_round_trip() {
    let text = "C2 https://evil.com/a and 10.0.0.1 and ops@evil.com";
    let styles = [
        DefangStyle::new(),
        DefangStyle::new().brackets(Brackets::Round),
        DefangStyle::new().brackets(Brackets::Curly).upper_x(true),
        DefangStyle::new().bracket_colon(true),
    ];
    let outs: Vec<String> = styles
        .iter()
        .map(|s| defang_with(text, s).into_owned())
        .collect();
    assert_eq!(
        outs[1],
        "C2 hxxps://evil(.)com/a and 10(.)0(.)0(.)1 and ops(@)evil(.)com"
    );
    assert_eq!(
        outs[2],
        "C2 hXXps://evil{.}com/a and 10{.}0{.}0{.}1 and ops{@}evil{.}com"
    );
    assert_eq!(
        outs[3],
        "C2 hxxps[:]//evil[.]com/a and 10[.]0[.]0[.]1 and ops[@]evil[.]com"
    );
    for out in &outs {
        assert_eq!(refang(out), text, "{out}");
        assert!(extract(out).all(|m| m.is_defanged()), "{out}");
    }
}

#[test]
fn ioc_parse_refangs_and_defanged_displays() -> Result<(), Box<dyn std::error::Error>> {
    let ioc = Ioc::parse("hxxps[:]//evil[.]com/a")?;
    assert_eq!(ioc.kind(), IocKind::Url);
    assert_eq!(ioc.to_string(), "https://evil.com/a");
    assert_eq!(ioc.defanged().to_string(), "hxxps://evil[.]com/a");
    assert_eq!(
        Ioc::parse("2001[:]db8[:][:]1")?.defanged().to_string(),
        "2001[:]db8[:][:]1"
    );
    assert_eq!(
        Ioc::parse("jdoe(at)evil(dot)com")?.defanged().to_string(),
        "jdoe[@]evil[.]com"
    );
    assert_eq!(
        Ioc::parse("[2001:db8::1]:443")?.defanged().to_string(),
        "[2001[:]db8[:][:]1]:443"
    );
    Ok(())
}

#[test]
fn refang_borrows_unchanged_text() {
    assert!(matches!(
        refang("plain text, HTTP/1.1 and x^2"),
        std::borrow::Cow::Borrowed(_)
    ));
    assert!(matches!(
        defang("plain text, nothing live"),
        std::borrow::Cow::Borrowed(_)
    ));
}

#[test]
fn streams_match_the_in_memory_forms() -> std::io::Result<()> {
    let text = "a hxxp://evil[.]com/x\r\nb 192.0.2[.]1\nno newline at end evil[.]org";
    let mut out = Vec::new();
    refang_stream(text.as_bytes(), &mut out)?;
    assert_eq!(String::from_utf8_lossy(&out), refang(text));
    let live = refang(text).into_owned();
    let mut out = Vec::new();
    defang_stream(live.as_bytes(), &mut out, &DefangStyle::new())?;
    assert_eq!(String::from_utf8_lossy(&out), defang(&live));
    let streamed: Vec<(std::ops::Range<u64>, String)> = extract_reader(text.as_bytes())
        .map(|m| m.map(|m| (m.span(), m.ioc().to_string())))
        .collect::<Result<_, _>>()?;
    let direct: Vec<(std::ops::Range<u64>, String)> = extract(text)
        .map(|m| {
            (
                m.span().start as u64..m.span().end as u64,
                m.ioc().to_string(),
            )
        })
        .collect();
    assert_eq!(streamed, direct);
    assert_eq!(direct.len(), 3);
    Ok(())
}

#[test]
fn streams_survive_invalid_utf8() -> std::io::Result<()> {
    let bytes = b"bad \xff\xfe byte then evil[.]com\n";
    let mut out = Vec::new();
    refang_stream(&bytes[..], &mut out)?;
    assert_eq!(
        String::from_utf8_lossy(&out),
        "bad \u{fffd}\u{fffd} byte then evil.com\n"
    );
    let n = extract_reader(&bytes[..]).count();
    assert_eq!(n, 1);
    Ok(())
}

#[test]
fn deeply_nested_urls_are_defanged_without_exhausting_the_stack() {
    let mut text = String::from("http://z.com/");
    for k in 0..2000 {
        text = format!("http://a{k}.com/?u={text}");
    }
    let safe = defang(&text);
    assert!(extract(&safe).all(|m| m.is_defanged()));
    assert!(!safe.contains(".com/"));
    let long = "evil[.]com/".repeat(20_000);
    assert_eq!(refang(&long), "evil.com/".repeat(20_000));
}

#[test]
fn long_single_lines_are_handled_whole() {
    let many = "evil[.]com ".repeat(20_000);
    assert_eq!(extract(&many).count(), 20_000);
    let parens = format!("http://evil.com/a{}", ")".repeat(100_000));
    let urls: Vec<String> = extract(&parens).map(|m| m.live().to_string()).collect();
    assert_eq!(urls, ["http://evil.com/a"]);
}

/// URLs joined by `,` or `;` without spaces, as in a CSV cell, are each a
/// URL: no host has a comma, so the first no longer swallows the next.
#[test]
fn url_lists_joined_by_commas() {
    assert_eq!(
        found("http://a.com,https://b.com;hxxp://c[.]com/x"),
        [
            row("url", "http://a.com/", false),
            row("url", "https://b.com/", false),
            row("url", "http://c.com/x", true),
        ]
    );
    assert_eq!(
        defang("http://a.com,https://b.com/x;tcp://c2.internal:4444"),
        "hxxp://a[.]com,hxxps://b[.]com/x;tcp://c2[.]internal:4444"
    );
    // user info may have them: the URL goes on to its host
    assert_eq!(
        found("http://paypal.com;login@evil.ru/x ftp://anonymous;type=i@1.2.3.4/f"),
        [
            row("url", "http://paypal.com%3Blogin@evil.ru/x", false),
            row("url", "ftp://anonymous%3Btype%3Di@1.2.3.4/f", false),
        ]
    );
}

/// A `file` URL loses the slashes at the start of its path, so `//` there
/// does not make its host a scheme.
#[test]
fn file_urls_with_a_double_slash_path() {
    assert_eq!(
        found("see file://intranet.local//share/a.exe ok"),
        [row("url", "file://intranet.local/share/a.exe", false)]
    );
    assert_eq!(defang("file://x.corp//x"), "file://x[.]corp//x");
}

/// Words that make the finder try many URLs, or trim a long run of colons,
/// or refang a second time with many edits: the answers, on text long enough
/// that rescanning it for each candidate would stall (`benches/fang.rs`
/// times the same shapes).
#[test]
fn hostile_words_give_their_answers() {
    assert_eq!(found(&"ab://".repeat(5000)), []);
    assert_eq!(found(&"(://)Ax".repeat(3000)), []);
    assert_eq!(found(&"tcp://c2.internal//".repeat(1000)), []);
    let list = found(&"http://a.com,".repeat(2000));
    assert_eq!(list.len(), 2000);
    assert!(
        list.iter()
            .all(|m| *m == row("url", "http://a.com/", false))
    );
    let colons = format!("http://a.com/x{}", ":".repeat(20_000));
    assert_eq!(found(&colons), [row("url", "http://a.com/x", false)]);
    assert_eq!(
        refang(&"a[.]\u{200b}io/".repeat(3000)),
        "a.io/".repeat(3000)
    );
}
