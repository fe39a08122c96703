//! Rendered queries checked by Microsoft's own KQL parser (Kusto.Language,
//! via `tools/kusto-check`): 10,000 generated hostile queries and the seed
//! queries must produce no errors, and Kusto must decode exactly the string
//! values we put in. Skips (with a message) when the checker is not
//! installed, unless `KUSTO_CHECK_REQUIRED=1`.

mod kql_support;
#[path = "support/kusto.rs"]
mod kusto;

use kql_support::{hostile_queries, seed, string_literals};
use kusto::Case;

const SEED: u64 = 0x10c_4a17;
const COUNT: usize = 10_000;

fn assert_all_passed(cases: &[Case]) {
    let Some(outcomes) = kusto::check_or_skip(cases) else {
        return;
    };
    assert_eq!(outcomes.len(), cases.len());
    let failures: Vec<String> = cases
        .iter()
        .zip(&outcomes)
        .filter(|(_, o)| !o.passed() || o.literals_ok != Some(true))
        .map(|(c, o)| o.describe(&c.query))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} queries failed; first ones:\n{}",
        failures.len(),
        cases.len(),
        failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}

#[test]
fn hostile_generated_queries_pass_kusto_language() {
    let cases: Vec<Case> = hostile_queries(SEED, COUNT)
        .into_iter()
        .enumerate()
        .map(|(i, h)| {
            // Alternate the two layouts; both must be valid.
            let text = if i % 2 == 0 {
                format!("{:#}", h.query)
            } else {
                h.query.to_string()
            };
            Case::with_literals(format!("hostile-{i}"), text, h.literals)
        })
        .collect();
    assert_eq!(cases.len(), COUNT);
    assert_all_passed(&cases);
}

#[test]
fn seed_queries_built_with_builders_pass_kusto_language() -> Result<(), Box<dyn std::error::Error>>
{
    let mut cases = Vec::new();
    for (name, q, _) in seed::cases()? {
        let literals = string_literals(&q);
        cases.push(Case::with_literals(
            format!("{name}-pretty"),
            format!("{q:#}"),
            literals.clone(),
        ));
        cases.push(Case::with_literals(
            format!("{name}-compact"),
            q.to_string(),
            literals,
        ));
    }
    assert_all_passed(&cases);
    Ok(())
}

#[test]
fn checker_is_live_and_catches_broken_text() {
    // Guards against a vacuous pass: hand-made broken text must fail.
    let cases = [
        Case::with_literals(
            "raw-newline",
            "DnsEvents | where Name == \"a\nb\"",
            ["a\nb"],
        ),
        Case::with_literals(
            "json-escape",
            r#"DnsEvents | where Name == "a\/b""#,
            ["a/b"],
        ),
        Case::with_literals("wrong-literal", r#"DnsEvents | where Name == "a""#, ["b"]),
    ];
    let Some(outcomes) = kusto::check_or_skip(&cases) else {
        return;
    };
    for (c, o) in cases.iter().zip(&outcomes) {
        assert!(!o.passed(), "{} unexpectedly passed", c.id);
    }
}

/// One query per construct, parsed then rendered by us; Kusto must accept
/// our rendering of every operator, literal form and clause.
const CONSTRUCTS: &[&str] = &[
    "DeviceNetworkEvents | where Timestamp between (datetime(2024-01-01T00:00:00Z) .. now()) | where RemotePort in (int(443), int(8823)) | summarize Count = count(), Ports = make_set(RemotePort) by DeviceName, bin(Timestamp, 1h) | top 10 by Count desc nulls last",
    "DeviceProcessEvents | project-away SHA256 | project-rename Cmd = ProcessCommandLine | extend Tag = 'x', N = 1 + 2 * 3 - 4 / 2 % 3 | distinct Cmd, Tag | sort by Cmd asc nulls first | take 5",
    "DnsEvents | join kind=leftouter (DeviceNetworkEvents | project RemoteUrl, DeviceName) on $left.Name == $right.RemoteUrl | lookup kind=inner (datatable(Name:string, Note:string) ['a', 'b']) on Name",
    "DnsEvents | join kind=innerunique DnsEvents on Name | join kind=leftanti (DnsEvents | take 1) on Computer",
    "datatable(Ips:dynamic, N:long, R:real, B:bool, D:datetime, S:timespan, G:guid) [dynamic(['1.2.3.4']), 1, 1.5, true, datetime(2024-01-01), 1d, guid(00000000-0000-0000-0000-000000000001)] | mv-expand Ip = Ips limit 10 | where tostring(Ip) matches regex @'^1\\.'",
    "let g = guid(a1b2c3d4-0000-0000-0000-00000000000f); let t = 1d; let r = real(nan); let i = real(-inf); let n = long(null); let d = dynamic({'k': [1, 2.5, -3, null, true, 'v', datetime(2024-01-01T00:00:00Z), 5m]}); DeviceNetworkEvents | where Timestamp > ago(t) | where not(RemoteIP has_any ('a', 'b'))",
    "union withsource=SourceTable isfuzzy=true DeviceNetworkEvents, (DeviceProcessEvents | where FileName =~ 'x') | take 1",
    "DnsEvents | where Name !in ('a') and Name in~ ('B') and Name !in~ ('c') and Name has_all ('d', 'e') and Name != 'f' and Name !~ 'g'",
    "DnsEvents | where Name has 'a' or Name !has 'b' or Name has_cs 'c' or Name !has_cs 'd' or Name contains 'e' or Name !contains 'f' or Name contains_cs 'g' or Name !contains_cs 'h'",
    "DnsEvents | where Name startswith 'a' or Name !startswith 'b' or Name startswith_cs 'c' or Name !startswith_cs 'd' or Name endswith 'e' or Name !endswith 'f' or Name endswith_cs 'g' or Name !endswith_cs 'h'",
    "DeviceNetworkEvents | where RemotePort < 1 or RemotePort <= 2 or RemotePort > 3 or RemotePort >= 4 or RemotePort !between (5 .. 6) or (RemotePort == 7 and RemotePort != 8)",
    "DeviceNetworkEvents | summarize by DeviceName | order by DeviceName",
    "DnsEvents | project Name, Computer | distinct *",
    "DeviceNetworkEvents | where Timestamp > ago(1h) and Timestamp < ago(30m) and Timestamp > ago(10s) and Timestamp > ago(100ms) and Timestamp > ago(5microsecond) and Timestamp > ago(7tick)",
    "let recent = DeviceNetworkEvents | where Timestamp > ago(1d); recent | take 1",
    "DeviceNetworkEvents | extend ['Odd Name'] = 1, ['where'] = 2 | project ['Odd Name'], ['where']",
    r#"DeviceNetworkEvents | extend ['it\'s "q" \\ \t é'] = 1, ['1day'] = 2, ['true'] = 3 | project ['it\'s "q" \\ \t é'], ['1day'], ['true']"#,
    "DeviceNetworkEvents | where RemoteIP == 'a' 'b' | extend X = int(null), Y = real(+inf), Z = -1.5e-7, W = bool(null), V = datetime(null), U = timespan(null), T = guid(null), Q = 9223372036854775807, O = decimal(null), N = decimal(1.5), P = string(null)",
];

#[test]
fn every_construct_renders_as_valid_kql() -> Result<(), Box<dyn std::error::Error>> {
    let mut cases = Vec::new();
    for (i, text) in CONSTRUCTS.iter().enumerate() {
        let q = iochunt::kql::Query::parse(text).map_err(|e| format!("{text}: {e}"))?;
        let literals = string_literals(&q);
        cases.push(Case::with_literals(
            format!("construct-{i}-compact"),
            q.to_string(),
            literals.clone(),
        ));
        cases.push(Case::with_literals(
            format!("construct-{i}-pretty"),
            format!("{q:#}"),
            literals,
        ));
    }
    assert_all_passed(&cases);
    Ok(())
}
