//! proptest strategies shared by the integration tests.
#![allow(dead_code)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use iochunt::{Confidence, Indicator, Ioc, Malware, Source, ThreatType};
use proptest::prelude::*;

pub fn arb_ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<u32>().prop_map(|v| IpAddr::V4(Ipv4Addr::from(v))),
        any::<u128>().prop_map(|v| IpAddr::V6(Ipv6Addr::from(v))),
        // IPv4-mapped IPv6, which must stay IPv6.
        any::<u32>().prop_map(|v| IpAddr::V6(Ipv4Addr::from(v).to_ipv6_mapped())),
    ]
}

fn arb_label() -> impl Strategy<Value = String> {
    // Hyphens in the third and fourth place mark an IDNA label (`xn--`), which
    // must then be valid punycode: keep generated labels plain.
    "[a-z0-9]([a-z0-9-]{0,14}[a-z0-9])?"
        .prop_filter("not an IDNA-reserved label", |l| l.get(2..4) != Some("--"))
}

/// Domains under suffixes that are in the Public Suffix List, including
/// private ones and the public suffixes themselves.
pub fn arb_domain_text() -> impl Strategy<Value = String> {
    let suffix = prop::sample::select(vec![
        "com",
        "org",
        "net",
        "ru",
        "co.uk",
        "us.com",
        "duckdns.org",
        "workers.dev",
        "xn--p1ai",
    ]);
    (prop::collection::vec(arb_label(), 0..4), suffix).prop_map(|(mut labels, suffix)| {
        // A bare single-label suffix (`com`) is not an indicator.
        if labels.is_empty() && !suffix.contains('.') {
            labels.push("x".into());
        }
        let mut name = labels.join(".");
        if !name.is_empty() {
            name.push('.');
        }
        name.push_str(suffix);
        name
    })
}

fn arb_host() -> impl Strategy<Value = String> {
    prop_oneof![
        arb_domain_text(),
        any::<u32>().prop_map(|v| Ipv4Addr::from(v).to_string()),
        any::<u128>().prop_map(|v| format!("[{}]", Ipv6Addr::from(v))),
    ]
}

pub fn arb_url_text() -> impl Strategy<Value = String> {
    let scheme = prop::sample::select(vec!["http", "https", "tcp", "ftp"]);
    let path = prop::collection::vec("[A-Za-z0-9._~-]{1,8}", 0..4);
    (
        scheme,
        arb_host(),
        prop::option::of(1u16..),
        path,
        prop::option::of("[a-z]{1,5}=[A-Za-z0-9]{0,6}"),
    )
        .prop_map(|(scheme, host, port, path, query)| {
            let mut url = format!("{scheme}://{host}");
            if let Some(port) = port {
                url.push_str(&format!(":{port}"));
            }
            for segment in path {
                url.push('/');
                url.push_str(&segment);
            }
            if let Some(query) = query {
                url.push('?');
                url.push_str(&query);
            }
            url
        })
}

pub fn arb_hash_text() -> impl Strategy<Value = String> {
    prop::sample::select(vec![16usize, 20, 32, 48, 64])
        .prop_flat_map(|len| prop::collection::vec(any::<u8>(), len))
        .prop_map(|bytes| bytes.iter().map(|b| format!("{b:02X}")).collect())
}

pub fn arb_ioc() -> impl Strategy<Value = Ioc> {
    let text = prop_oneof![
        arb_ip().prop_map(|ip| ip.to_string()),
        (arb_ip(), any::<u16>()).prop_map(|(ip, port)| SocketAddr::new(ip, port).to_string()),
        (arb_ip(), 0u8..=128).prop_map(|(ip, len)| {
            let len = if ip.is_ipv4() { len % 33 } else { len };
            format!("{ip}/{len}")
        }),
        arb_domain_text(),
        arb_url_text(),
        arb_hash_text(),
        ("[a-zA-Z0-9._%+-]{1,12}", arb_domain_text())
            .prop_filter("dot-atom local part", |(l, _)| !l.starts_with('.')
                && !l.ends_with('.')
                && !l.contains(".."))
            .prop_map(|(l, d)| format!("{l}@{d}")),
    ];
    text.prop_map(|t| match Ioc::parse(&t) {
        Ok(ioc) => ioc,
        Err(e) => panic!("generated {t:?} must parse: {e}"),
    })
}

pub fn arb_indicator() -> impl Strategy<Value = Indicator> {
    let threat = prop::sample::select(vec![
        "botnet_cc",
        "payload_delivery",
        "payload",
        "cc_skimming",
        "phishing",
        "",
    ]);
    let time = prop::option::of(
        (1_500_000_000i64..1_900_000_000)
            .prop_map(|s| jiff::Timestamp::from_second(s).expect("in range")),
    );
    (
        arb_ioc(),
        threat,
        prop::option::of(("[a-z]{3}\\.[a-z]{3,8}", prop::option::of("[A-Za-z ]{1,10}"))),
        time.clone(),
        time,
        prop::option::of(0u8..=100),
        prop::collection::btree_set("[A-Za-z0-9 ,.-]{1,10}", 0..4),
        prop::collection::btree_set(("[a-z]{3,9}", prop::option::of("[0-9]{1,7}")), 0..3),
        any::<bool>(),
    )
        .prop_map(
            |(ioc, threat, malware, first, last, conf, tags, sources, compromised)| {
                let mut ind = Indicator::new(ioc);
                ind.threat_type = ThreatType::from(threat);
                ind.malware = malware.map(|(id, printable)| {
                    Malware {
                        id,
                        printable,
                        aliases: vec!["alias one".into()],
                    }
                    .into()
                });
                ind.first_seen = first;
                ind.last_seen = last;
                ind.confidence = conf.map(|c| Confidence::new(c).expect("0..=100"));
                ind.tags = tags.into_iter().map(String::into).collect();
                ind.sources = sources
                    .into_iter()
                    .map(|(feed, id)| Source {
                        feed: feed.into(),
                        record_id: id,
                    })
                    .collect();
                ind.is_compromised = compromised;
                ind.reporter = Some("abuse_ch".into());
                ind
            },
        )
}
