//! Properties of refang, defang and extract.

use iochunt::fang::{DefangStyle, defang, defang_with, extract, refang};
use iochunt::{Domain, Ioc, IocKind};
use proptest::prelude::*;

fn label() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,4})?".prop_map(String::from)
}

fn domain() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(label(), 1..4),
        prop::sample::select(vec![
            "com", "net", "org", "ru", "io", "co.uk", "de", "info", "xyz",
        ]),
    )
        .prop_map(|(labels, tld)| format!("{}.{tld}", labels.join(".")))
        // A name that is itself a public suffix (`hk.com`) is not reported
        // in free text, by design; it is no indicator to generate here.
        .prop_filter("a public suffix", |d| {
            Domain::parse(d).is_ok_and(|d| !d.is_public_suffix())
        })
}

fn ipv4() -> impl Strategy<Value = String> {
    any::<[u8; 4]>().prop_map(|o| std::net::Ipv4Addr::from(o).to_string())
}

fn ipv6() -> impl Strategy<Value = String> {
    any::<[u16; 8]>().prop_map(|s| {
        // leave room for `::`, the interesting part
        let mut s = s;
        s[3] = 0;
        s[4] = 0;
        std::net::Ipv6Addr::from(s).to_string()
    })
}

/// An address ending in `::` (a network such as `2001:db8:1::`).
fn ipv6_tail() -> impl Strategy<Value = String> {
    any::<[u16; 5]>().prop_map(|h| {
        let mut s = [0u16; 8];
        for (i, v) in h.iter().enumerate() {
            s[i] = v | 1;
        }
        std::net::Ipv6Addr::from(s).to_string()
    })
}

fn path() -> impl Strategy<Value = String> {
    "(/[a-z0-9_]{1,8}(\\.php|\\.exe)?){0,3}/?(\\?[a-z]=[a-z0-9]{0,5})?".prop_map(String::from)
}

/// A valid indicator in canonical form.
fn indicator() -> impl Strategy<Value = String> {
    prop_oneof![
        domain(),
        ipv4(),
        ipv6(),
        (ipv4(), 1..65535u16).prop_map(|(ip, p)| format!("{ip}:{p}")),
        (ipv6(), 1..65535u16).prop_map(|(ip, p)| format!("[{ip}]:{p}")),
        (ipv4(), 8..32u8).prop_map(|(ip, n)| format!("{ip}/{n}")),
        (
            prop::sample::select(vec!["http", "https", "ftp", "tcp", "ldap"]),
            domain(),
            path()
        )
            .prop_map(|(s, h, p)| format!("{s}://{h}{p}")),
        (
            prop::sample::select(vec!["http", "https"]),
            ipv4(),
            1..65535u16,
            path()
        )
            .prop_map(|(s, h, port, p)| format!("{s}://{h}:{port}{p}")),
        (ipv6(), path()).prop_map(|(h, p)| format!("http://[{h}]{p}")),
        (label(), domain()).prop_map(|(l, d)| format!("{l}@{d}")),
        (label(), label(), domain()).prop_map(|(a, b, d)| format!("{a}.{b}@{d}")),
    ]
}

/// [`indicator`], and addresses and endpoints ending in `::`. (Not in
/// [`noisy_text`]: such an address glued to other markers inside a URL's
/// query can still refang differently on a second pass.)
fn any_indicator() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => indicator(),
        1 => ipv6_tail(),
        1 => (ipv6_tail(), 1..65535u16).prop_map(|(ip, p)| format!("[{ip}]:{p}")),
    ]
}

/// Prose words, notations and indicators glued into a line.
fn noisy_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        prop::sample::select(vec![
            " ", "  ", "\n", "\t", ".", ",", "(", ")", "[", "]", "{", "}", "<", ">", "\\", ":",
            "//", "[.]", "(.)", "{.}", "[dot]", "(DOT)", "[:]", "[::]", "[/]", "[://]", "[@]",
            "(at)", " [.] ", " DOT ", " AT ", "。", "．", "\u{200b}", "hxxp", "HXXPS", "fxp",
            "://", "@", "e.g.", "HTTP/1.1", "x^2", "the", "at", "dot", "evil", "com", "1", "192",
            "2001", "ff", "DOT", "A", "D", "Dx", "Evil", "%2e", "[at]", "(dot)", "\u{feff}", "｡",
        ])
        .prop_map(String::from),
        indicator(),
        "\\PC{0,3}",
    ];
    prop::collection::vec(piece, 0..14).prop_map(|v| v.concat())
}

proptest! {
    // 512 cases unless PROPTEST_CASES asks for more (or fewer)
    #![proptest_config(ProptestConfig {
        cases: if std::env::var_os("PROPTEST_CASES").is_some() {
            ProptestConfig::default().cases
        } else {
            512
        },
        ..ProptestConfig::default()
    })]

    #[test]
    fn refang_is_idempotent(s in noisy_text()) {
        let once = refang(&s).into_owned();
        prop_assert_eq!(refang(&once), once.as_str());
    }

    #[test]
    fn refang_inverts_defang(x in any_indicator(), pre in "[a-z ]{0,8}", post in prop::sample::select(vec!["", ".", ",", ";", " now"])) {
        let text = format!("{pre} {x}{post}");
        let safe = defang(&text);
        prop_assert_eq!(refang(&safe), text.as_str(), "defanged: {}", safe);
        let round = defang_with(&text, &DefangStyle::new().upper_x(true).bracket_colon(true));
        prop_assert_eq!(refang(&round), text.as_str(), "defanged: {}", round);
    }

    #[test]
    fn ioc_defanged_round_trips(x in any_indicator()) {
        let ioc = Ioc::parse(&x).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let shown = ioc.defanged().to_string();
        prop_assert_eq!(refang(&shown), ioc.to_string());
        prop_assert_eq!(Ioc::parse(&shown).ok(), Some(ioc));
    }

    #[test]
    fn defang_is_idempotent(s in noisy_text()) {
        let once = defang(&s).into_owned();
        prop_assert_eq!(defang(&once), once.as_str());
    }

    #[test]
    fn defang_leaves_nothing_live(s in noisy_text()) {
        let safe = defang(&s);
        for m in extract(&safe) {
            let hash = matches!(m.kind(), IocKind::Md5 | IocKind::Sha1 | IocKind::Sha256 | IocKind::Sha512 | IocKind::Sha3_384);
            prop_assert!(hash || m.is_defanged(), "live {:?} in {:?}", m.as_str(), safe);
        }
    }

    #[test]
    fn extract_finds_defanged_indicators(x in any_indicator()) {
        let text = format!("seen: {} today", defang(&x));
        let found: Vec<_> = extract(&text).collect();
        prop_assert_eq!(found.len(), 1, "{:?}", found);
        prop_assert!(found[0].is_defanged() || found[0].kind() == IocKind::Cidr && !x.contains('.'));
        let want = Ioc::parse(&x).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(found[0].ioc(), &want);
        prop_assert_eq!(&text[found[0].span()], found[0].as_str());
    }

    #[test]
    fn nothing_panics_on_arbitrary_unicode(s in "\\PC{0,64}|.{0,64}") {
        let r = refang(&s);
        let d = defang(&s);
        let n = extract(&s).count() + extract(&r).count() + extract(&d).count();
        prop_assert!(n < 1000);
    }
}
