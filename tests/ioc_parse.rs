//! Table-driven parsing of indicator values: the seed's IOCs, every kind, and
//! the errors for invalid input.

use std::net::{IpAddr, SocketAddr};

use iochunt::{HashKind, Ioc, IocKind, ParseIocErrorKind as K};
use pretty_assertions::assert_eq;

/// The three XWorm IOCs of the seed hunting document, as published there
/// (defanged where the seed defangs) and refanged.
#[test]
fn seed_iocs_parse_into_the_right_variants() {
    let ep: SocketAddr = "192.3.171.227:8823".parse().expect("socket address");
    assert_eq!(Ioc::parse("192.3.171.227:8823"), Ok(Ioc::IpPort(ep)));
    let ep: SocketAddr = "104.168.5.18:8823".parse().expect("socket address");
    assert_eq!(Ioc::parse("104.168.5.18:8823"), Ok(Ioc::IpPort(ep)));

    let domain = Ioc::parse("aliexpress.us.com").expect("domain");
    let Ioc::Domain(d) = &domain else {
        panic!("expected a domain, got {domain:?}");
    };
    assert_eq!(d.as_str(), "aliexpress.us.com");
    assert_eq!(d.suffix(), "us.com");
    assert_eq!(d.registrable(), Some("aliexpress.us.com"));
    assert!(!d.is_public_suffix());
}

#[test]
fn every_kind_is_detected() {
    let cases: &[(&str, IocKind, &str)] = &[
        ("8.8.8.8", IocKind::Ipv4, "8.8.8.8"),
        ("2001:DB8::1", IocKind::Ipv6, "2001:db8::1"),
        ("::ffff:104.168.5.18", IocKind::Ipv6, "::ffff:104.168.5.18"),
        ("1.2.3.4:80", IocKind::IpPort, "1.2.3.4:80"),
        ("[2001:db8::1]:443", IocKind::IpPort, "[2001:db8::1]:443"),
        // ThreatFox's unbracketed v6:port, where the port is not a hex group.
        (
            "2a02:cf40:1::5:40669",
            IocKind::IpPort,
            "[2a02:cf40:1::5]:40669",
        ),
        ("10.1.2.3/8", IocKind::Cidr, "10.0.0.0/8"),
        ("2001:db8::ff/32", IocKind::Cidr, "2001:db8::/32"),
        ("Evil.Example.COM.", IocKind::Domain, "evil.example.com"),
        ("münchen.de", IocKind::Domain, "xn--mnchen-3ya.de"),
        ("duckdns.org", IocKind::Domain, "duckdns.org"),
        (
            "HTTP://Evil.com/Path?q=1",
            IocKind::Url,
            "http://evil.com/Path?q=1",
        ),
        ("tcp://1.2.3.4:4444", IocKind::Url, "tcp://1.2.3.4:4444"),
        (
            "D41D8CD98F00B204E9800998ECF8427E",
            IocKind::Md5,
            "d41d8cd98f00b204e9800998ecf8427e",
        ),
        (
            "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            IocKind::Sha1,
            "da39a3ee5e6b4b0d3255bfef95601890afd80709",
        ),
        (
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            IocKind::Sha256,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ),
        (&"ab".repeat(48), IocKind::Sha3_384, &"ab".repeat(48)),
        (&"0F".repeat(64), IocKind::Sha512, &"0f".repeat(64)),
        ("Billing@Evil.COM", IocKind::Email, "Billing@evil.com"),
        ("  8.8.4.4\n", IocKind::Ipv4, "8.8.4.4"),
    ];
    for (input, kind, canonical) in cases {
        let ioc = Ioc::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(ioc.kind(), *kind, "{input:?}");
        assert_eq!(ioc.to_string(), *canonical, "{input:?}");
    }
}

#[test]
fn invalid_inputs_get_the_right_error_kind() {
    let cases: &[(&str, K)] = &[
        ("", K::Empty),
        ("   ", K::Empty),
        ("999.1.1.1", K::InvalidIp),
        ("1.2.3", K::InvalidIp),
        ("999.1.1.1:80", K::InvalidIp),
        ("1.2.3.4:70000", K::InvalidPort),
        ("1.2.3.4:", K::InvalidPort),
        ("1.2.3.4:-1", K::InvalidPort),
        ("[2001:db8::1]:99999", K::InvalidPort),
        ("1.2.3.4/33", K::InvalidCidr),
        ("2001:db8::/129", K::InvalidCidr),
        ("-bad-.com", K::InvalidDomain),
        ("bad..com", K::InvalidDomain),
        ("under_score.com", K::InvalidDomain),
        (&format!("{}.com", "a".repeat(64)), K::InvalidDomain),
        ("report.notatld", K::UnknownSuffix),
        ("invoice.pdf", K::UnknownSuffix),
        ("http://", K::InvalidUrl),
        ("mailto://", K::InvalidUrl),
        (&"a".repeat(31), K::InvalidHash),
        (&"a".repeat(63), K::InvalidHash),
        ("@evil.com", K::InvalidEmail),
        ("a b@evil.com", K::InvalidEmail),
        ("user@nodot", K::InvalidEmail),
        ("hello", K::Unrecognized),
        ("HTTP/1.1", K::Unrecognized),
    ];
    for (input, kind) in cases {
        let err = Ioc::parse(input).expect_err(input);
        assert_eq!(err.kind(), *kind, "{input:?}: {err}");
        assert_eq!(err.input(), *input);
        assert!(err.to_string().contains(&format!("{input:?}")), "{err}");
    }
}

#[test]
fn declared_kind_settles_ambiguity_and_rejects_mismatch() {
    let ep = Ioc::parse_declared("2001:db8::1:8080", IocKind::IpPort).expect("endpoint");
    assert_eq!(ep, Ioc::IpPort("[2001:db8::1]:8080".parse().expect("addr")));
    // Undeclared, the same text is an IPv6 address.
    assert_eq!(
        Ioc::parse("2001:db8::1:8080").expect("ip").kind(),
        IocKind::Ipv6
    );

    let md5 = "d41d8cd98f00b204e9800998ecf8427e";
    assert_eq!(
        Ioc::parse_declared(md5, IocKind::Md5).expect("md5").kind(),
        IocKind::Md5
    );
    assert_eq!(
        Ioc::parse_declared(md5, IocKind::Sha256)
            .unwrap_err()
            .kind(),
        K::InvalidHash
    );
    assert_eq!(
        Ioc::parse_declared("evil.com", IocKind::Url)
            .unwrap_err()
            .kind(),
        K::KindMismatch
    );
    assert_eq!(
        Ioc::parse_declared("1.2.3.4", IocKind::IpPort)
            .unwrap_err()
            .kind(),
        K::InvalidPort
    );
}

#[test]
fn public_suffix_values_are_valid_but_flagged() {
    for (input, is_suffix, registrable) in [
        ("us.com", true, None),
        ("duckdns.org", true, None),
        ("evil.duckdns.org", false, Some("evil.duckdns.org")),
        ("a.b.evil.co.uk", false, Some("evil.co.uk")),
    ] {
        let Ok(Ioc::Domain(d)) = Ioc::parse(input) else {
            panic!("{input} must be a domain");
        };
        assert_eq!(d.is_public_suffix(), is_suffix, "{input}");
        assert_eq!(d.registrable(), registrable, "{input}");
    }
}

#[test]
fn hashes_are_bytes_printed_lower_case() {
    let Ok(Ioc::Hash(h)) = Ioc::parse(&"AB".repeat(20)) else {
        panic!("sha1 expected");
    };
    assert_eq!(h.kind(), HashKind::Sha1);
    assert_eq!(h.as_bytes(), &[0xab; 20]);
    assert_eq!(h.to_string(), "ab".repeat(20));
}

#[test]
fn ip_accessor_covers_addresses_and_endpoints() {
    let ip: IpAddr = "104.168.5.18".parse().expect("ip");
    assert_eq!(Ioc::parse("104.168.5.18:8823").expect("ep").ip(), Some(ip));
    assert_eq!(Ioc::parse("104.168.5.18").expect("ip").ip(), Some(ip));
    assert_eq!(Ioc::parse("10.0.0.0/8").expect("cidr").ip(), None);
}
