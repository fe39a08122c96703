//! Golden tests: the seed's three hunting queries, built with the builders
//! and rendered byte-for-byte.

mod kql_support;

use iochunt::kql::{Query, col};
use pretty_assertions::assert_eq;

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

use kql_support::seed::{SEED_MDE, cases, mde};

#[test]
fn seed_queries_render_pretty_byte_for_byte() -> Result {
    for (name, q, expected) in cases()? {
        assert_eq!(format!("{q:#}"), expected, "{name}");
    }
    Ok(())
}

#[test]
fn seed_queries_render_compact() -> Result {
    assert_eq!(
        mde()?.to_string(),
        "// Hunt in Defender for Endpoint network events\n\
         let malicious_ips = dynamic([\"104.168.5.18\", \"192.3.171.227\"]); \
         DeviceNetworkEvents | where RemoteIP in (malicious_ips) \
         | project Timestamp, DeviceName, RemoteIP, RemotePort, InitiatingProcessFileName, ActionType \
         | order by Timestamp desc"
    );
    Ok(())
}

#[test]
fn seed_queries_parse_back_from_both_layouts() -> Result {
    for (name, q, expected) in cases()? {
        assert_eq!(Query::parse(expected)?, q, "{name} pretty");
        assert_eq!(Query::parse(&q.to_string())?, q, "{name} compact");
    }
    Ok(())
}

#[test]
fn seed_queries_pass_validation() -> Result {
    for (_, q, _) in cases()? {
        q.validate()?;
    }
    Ok(())
}

#[test]
fn seed_queries_match_the_shared_seed_file() -> Result {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/seed");
    let Ok(entries) = std::fs::read_dir(dir) else {
        eprintln!("skipped: ../shared absent");
        return Ok(());
    };
    let mut checked = 0;
    for entry in entries {
        let text = std::fs::read_to_string(entry?.path())?;
        if text.contains("let malicious_ips") {
            for (name, q, _) in cases()? {
                let rendered = format!("{q:#}\n");
                assert!(
                    text.contains(&rendered),
                    "{name} not found verbatim in seed"
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 3);
    Ok(())
}

#[test]
fn parse_add_clause_render() -> Result {
    let q = Query::parse(SEED_MDE)?.where_(col("RemotePort").equals(8823_i64));
    assert_eq!(
        format!("{q:#}"),
        format!("{SEED_MDE}\n| where RemotePort == 8823")
    );
    Ok(())
}
