//! Golden tests: the seed's three hunting queries, built with the builders
//! and rendered byte-for-byte.

use iochunt::kql::{Comment, Dynamic, Query, col, lit};
use pretty_assertions::assert_eq;

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

const SEED_CSL: &str = r#"// Hunt for network connections to known malicious IPs
// Source: ThreatFox - XWorm
let malicious_ips = dynamic(["104.168.5.18", "192.3.171.227"]);
CommonSecurityLog
| where DestinationIP in (malicious_ips) or SourceIP in (malicious_ips)
| project TimeGenerated, SourceIP, DestinationIP, DestinationPort, DeviceAction, Activity
| order by TimeGenerated desc"#;

const SEED_MDE: &str = r#"// Hunt in Defender for Endpoint network events
let malicious_ips = dynamic(["104.168.5.18", "192.3.171.227"]);
DeviceNetworkEvents
| where RemoteIP in (malicious_ips)
| project Timestamp, DeviceName, RemoteIP, RemotePort, InitiatingProcessFileName, ActionType
| order by Timestamp desc"#;

const SEED_DNS: &str = r#"// Hunt for DNS queries to known malicious domains
// Source: ThreatFox - XWorm
let malicious_domains = dynamic(["aliexpress.us.com"]);
DnsEvents
| where Name has_any (malicious_domains)
| project TimeGenerated, Computer, Name, IPAddresses, QueryType
| order by TimeGenerated desc"#;

const IPS: [&str; 2] = ["104.168.5.18", "192.3.171.227"];

fn csl() -> Result<Query> {
    Ok(Query::table("CommonSecurityLog")
        .comment(Comment::new(
            "Hunt for network connections to known malicious IPs",
        )?)
        .comment(Comment::new("Source: ThreatFox - XWorm")?)
        .let_("malicious_ips", lit(Dynamic::strings(IPS)))
        .where_(
            col("DestinationIP")
                .in_([col("malicious_ips")])
                .or(col("SourceIP").in_([col("malicious_ips")])),
        )
        .project([
            "TimeGenerated",
            "SourceIP",
            "DestinationIP",
            "DestinationPort",
            "DeviceAction",
            "Activity",
        ])
        .order_by([col("TimeGenerated").desc()]))
}

fn mde() -> Result<Query> {
    Ok(Query::table("DeviceNetworkEvents")
        .comment(Comment::new(
            "Hunt in Defender for Endpoint network events",
        )?)
        .let_("malicious_ips", lit(Dynamic::strings(IPS)))
        .where_(col("RemoteIP").in_([col("malicious_ips")]))
        .project([
            "Timestamp",
            "DeviceName",
            "RemoteIP",
            "RemotePort",
            "InitiatingProcessFileName",
            "ActionType",
        ])
        .order_by([col("Timestamp").desc()]))
}

fn dns() -> Result<Query> {
    Ok(Query::table("DnsEvents")
        .comment(Comment::new(
            "Hunt for DNS queries to known malicious domains",
        )?)
        .comment(Comment::new("Source: ThreatFox - XWorm")?)
        .let_(
            "malicious_domains",
            lit(Dynamic::strings(["aliexpress.us.com"])),
        )
        .where_(col("Name").has_any([col("malicious_domains")]))
        .project([
            "TimeGenerated",
            "Computer",
            "Name",
            "IPAddresses",
            "QueryType",
        ])
        .order_by([col("TimeGenerated").desc()]))
}

fn cases() -> Result<Vec<(&'static str, Query, &'static str)>> {
    Ok(vec![
        ("CommonSecurityLog", csl()?, SEED_CSL),
        ("DeviceNetworkEvents", mde()?, SEED_MDE),
        ("DnsEvents", dns()?, SEED_DNS),
    ])
}

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
