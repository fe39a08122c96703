//! The seed's three hunting queries: expected text and builder code.

use iochunt::kql::{Comment, Dynamic, Query, col, lit};

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

/// CommonSecurityLog query, as the seed prints it.
pub const SEED_CSL: &str = r#"// Hunt for network connections to known malicious IPs
// Source: ThreatFox - XWorm
let malicious_ips = dynamic(["104.168.5.18", "192.3.171.227"]);
CommonSecurityLog
| where DestinationIP in (malicious_ips) or SourceIP in (malicious_ips)
| project TimeGenerated, SourceIP, DestinationIP, DestinationPort, DeviceAction, Activity
| order by TimeGenerated desc"#;

/// DeviceNetworkEvents query, as the seed prints it.
pub const SEED_MDE: &str = r#"// Hunt in Defender for Endpoint network events
let malicious_ips = dynamic(["104.168.5.18", "192.3.171.227"]);
DeviceNetworkEvents
| where RemoteIP in (malicious_ips)
| project Timestamp, DeviceName, RemoteIP, RemotePort, InitiatingProcessFileName, ActionType
| order by Timestamp desc"#;

/// DnsEvents query, as the seed prints it.
pub const SEED_DNS: &str = r#"// Hunt for DNS queries to known malicious domains
// Source: ThreatFox - XWorm
let malicious_domains = dynamic(["aliexpress.us.com"]);
DnsEvents
| where Name has_any (malicious_domains)
| project TimeGenerated, Computer, Name, IPAddresses, QueryType
| order by TimeGenerated desc"#;

const IPS: [&str; 2] = ["104.168.5.18", "192.3.171.227"];

/// The CommonSecurityLog query, built.
pub fn csl() -> Result<Query> {
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

/// The DeviceNetworkEvents query, built.
pub fn mde() -> Result<Query> {
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

/// The DnsEvents query, built.
pub fn dns() -> Result<Query> {
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

/// (name, built query, expected pretty text) for all three.
pub fn cases() -> Result<Vec<(&'static str, Query, &'static str)>> {
    Ok(vec![
        ("CommonSecurityLog", csl()?, SEED_CSL),
        ("DeviceNetworkEvents", mde()?, SEED_MDE),
        ("DnsEvents", dns()?, SEED_DNS),
    ])
}
