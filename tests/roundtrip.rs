//! Properties: `Display`/`parse` and JSON round trips for every indicator
//! kind, and parsing that never panics.

mod common;

use std::collections::BTreeSet;

use iochunt::{Confidence, Indicator, Ioc, IocKind};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn display_then_parse_is_identity(ioc in common::arb_ioc()) {
        let text = ioc.to_string();
        prop_assert_eq!(Ioc::parse(&text), Ok(ioc.clone()), "text {:?}", text);
        prop_assert_eq!(text.parse::<Ioc>(), Ok(ioc));
    }

    #[test]
    fn json_round_trip(ioc in common::arb_ioc()) {
        let json = serde_json::to_string(&ioc).expect("serialize");
        prop_assert_eq!(&json, &serde_json::to_string(&ioc.to_string()).expect("string"));
        let back: Ioc = serde_json::from_str(&json).expect("deserialize");
        prop_assert_eq!(back, ioc);
    }

    #[test]
    fn kind_json_round_trip(kind in prop::sample::select(IocKind::ALL.to_vec())) {
        let json = serde_json::to_string(&kind).expect("serialize");
        prop_assert_eq!(&json, &format!("\"{}\"", kind.as_str()));
        prop_assert_eq!(serde_json::from_str::<IocKind>(&json).expect("deserialize"), kind);
        prop_assert_eq!(kind.as_str().parse::<IocKind>(), Ok(kind));
    }

    #[test]
    fn indicator_json_round_trip(ind in common::arb_indicator()) {
        let json = serde_json::to_string(&ind).expect("serialize");
        let back: Indicator = serde_json::from_str(&json).expect("deserialize");
        prop_assert_eq!(back, ind);
    }

    #[test]
    fn parse_never_panics(s in any::<String>()) {
        let _ = Ioc::parse(&s);
    }

    #[test]
    fn parse_never_panics_on_indicator_shaped_noise(s in "[0-9a-fA-F:.\\[\\]/@%x-]{0,60}") {
        if let Ok(ioc) = Ioc::parse(&s) {
            // Whatever parses is canonical after one round.
            prop_assert_eq!(Ioc::parse(&ioc.to_string()), Ok(ioc));
        }
    }

    #[test]
    fn confidence_accepts_exactly_0_to_100(v in any::<u16>()) {
        let text = v.to_string();
        prop_assert_eq!(Confidence::parse(&text).is_ok(), v <= 100);
        prop_assert_eq!(Confidence::parse(&format!("{v}%")).is_ok(), v <= 100);
        let json: Result<Confidence, _> = serde_json::from_str(&text);
        prop_assert_eq!(json.is_ok(), v <= 100);
    }

    #[test]
    fn merge_keeps_extremes_and_unions(a in common::arb_indicator(), b in common::arb_indicator()) {
        let mut b = b;
        b.ioc = a.ioc.clone();
        let mut merged = a.clone();
        merged.merge(b.clone()).expect("same ioc");
        prop_assert_eq!(merged.confidence, a.confidence.max(b.confidence));
        prop_assert_eq!(merged.last_seen, a.last_seen.max(b.last_seen));
        let firsts: Vec<_> = [a.first_seen, b.first_seen].into_iter().flatten().collect();
        prop_assert_eq!(merged.first_seen, firsts.into_iter().min());
        // The union, in order, as a `BTreeSet` makes it.
        let tags: BTreeSet<_> = a.tags.iter().chain(&b.tags).collect();
        prop_assert_eq!(merged.tags.iter().collect::<Vec<_>>(), tags.into_iter().collect::<Vec<_>>());
        let sources: BTreeSet<_> = a.sources.iter().chain(&b.sources).collect();
        prop_assert_eq!(
            merged.sources.iter().collect::<Vec<_>>(),
            sources.into_iter().collect::<Vec<_>>()
        );
        prop_assert_eq!(merged.is_compromised, a.is_compromised || b.is_compromised);
    }
}

#[test]
fn confidence_json_forms() {
    for (json, expected) in [
        ("75", Some(75)),
        ("\"75\"", Some(75)),
        ("\"75%\"", Some(75)),
        ("101", None),
        ("-1", None),
        ("\"high\"", None),
    ] {
        let parsed: Result<Confidence, _> = serde_json::from_str(json);
        assert_eq!(parsed.ok().map(Confidence::get), expected, "{json}");
    }
}

#[test]
fn indicator_json_shape() {
    let mut ind = Indicator::new(Ioc::parse("192.3.171.227:8823").expect("ioc"));
    ind.threat_type = "botnet_cc".into();
    ind.confidence = Some(Confidence::new(75).expect("75"));
    ind.first_seen = Some("2026-05-11T00:00:00Z".parse().expect("time"));
    let json = serde_json::to_value(&ind).expect("serialize");
    assert_eq!(
        json,
        serde_json::json!({
            "ioc": "192.3.171.227:8823",
            "threat_type": "botnet_cc",
            "first_seen": "2026-05-11T00:00:00Z",
            "confidence": 75
        })
    );
}
