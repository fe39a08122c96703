//! Properties of the filter against naive oracles.

mod common;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use common::arb_indicator;
use iochunt::filter::{Allowlist, Filter, NetSet};
use iochunt::{Confidence, IocKind};
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use proptest::prelude::*;

fn arb_net() -> impl Strategy<Value = IpNet> {
    prop_oneof![
        // Clustered IPv4 so that nets and probes overlap often.
        (0u32..4096, 8u8..=32).prop_map(|(hi, len)| {
            let addr = Ipv4Addr::from(0x0A00_0000 | (hi << 12));
            IpNet::V4(Ipv4Net::new(addr, len).map_or_else(|_| Ipv4Net::default(), |n| n.trunc()))
        }),
        (any::<u16>(), 16u8..=128).prop_map(|(hi, len)| {
            let addr = Ipv6Addr::new(0x2001, 0xdb8, hi, 0, 0, 0, 0, 1);
            IpNet::V6(Ipv6Net::new(addr, len).map_or_else(|_| Ipv6Net::default(), |n| n.trunc()))
        }),
    ]
}

fn arb_probe() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        (0u32..(1 << 24)).prop_map(|low| IpAddr::V4(Ipv4Addr::from(0x0A00_0000 | low))),
        (any::<u16>(), any::<u16>())
            .prop_map(|(hi, lo)| IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, hi, 0, 0, 0, 0, lo))),
        any::<u32>().prop_map(|v| IpAddr::V4(Ipv4Addr::from(v))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Without de-duplication the filter partitions its input: every kept
    /// and every excluded indicator is an input, unchanged, in order.
    #[test]
    fn output_is_a_subset_of_input(
        input in prop::collection::vec(arb_indicator(), 0..24),
        min in 0u8..=100,
        kinds in prop::collection::btree_set(prop::sample::select(IocKind::ALL.to_vec()), 0..6),
    ) {
        let min = Confidence::new(min).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let filter = Filter::new().dedup(false).min_confidence(min).kinds(kinds);
        let out = filter.apply(input.clone());
        prop_assert_eq!(out.kept.len() + out.excluded.len(), input.len());
        prop_assert!(out.merged.is_empty());
        let mut kept = out.kept.iter();
        let mut excluded = out.excluded.iter();
        for i in &input {
            let in_kept = kept.clone().next().is_some_and(|k| k == i);
            if in_kept {
                kept.next();
            } else {
                let e = excluded.next();
                prop_assert!(e.is_some_and(|e| &e.indicator == i));
            }
        }
    }

    /// With de-duplication every kept IOC is an input IOC, each at most
    /// once, and every kept confidence is at least the minimum.
    #[test]
    fn kept_confidence_meets_minimum(
        input in prop::collection::vec(arb_indicator(), 0..24),
        min in 0u8..=100,
    ) {
        let min = Confidence::new(min).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let out = Filter::new().min_confidence(min).apply(input.clone());
        prop_assert_eq!(out.kept.len() + out.excluded.len() + out.merged.len(), input.len());
        let mut seen = std::collections::HashSet::new();
        for k in &out.kept {
            prop_assert!(k.confidence.is_some_and(|c| c >= min));
            prop_assert!(input.iter().any(|i| i.ioc == k.ioc));
            prop_assert!(seen.insert(k.ioc.clone()));
        }
        for e in &out.excluded {
            prop_assert!(input.iter().any(|i| i.ioc == e.indicator.ioc));
        }
    }

    /// Lookup by binary search agrees with a linear scan.
    #[test]
    fn allowlist_agrees_with_linear_scan(
        nets in prop::collection::vec(arb_net(), 0..40),
        probes in prop::collection::vec(arb_probe(), 1..40),
    ) {
        let set = NetSet::new(nets.clone());
        let allow = Allowlist::new(nets.clone(), []);
        for ip in probes {
            let naive = nets.iter().any(|n| n.contains(&ip));
            let found = set.find(ip);
            prop_assert_eq!(found.is_some(), naive, "{}", ip);
            prop_assert_eq!(allow.find_ip(ip), found);
            if let Some(net) = found {
                prop_assert!(net.contains(&ip));
                prop_assert!(nets.iter().any(|n| n.trunc() == net));
            }
        }
        for probe in &nets {
            let naive = nets.iter().any(|n| n.contains(probe));
            prop_assert_eq!(set.find_net(*probe).is_some(), naive);
        }
    }
}
