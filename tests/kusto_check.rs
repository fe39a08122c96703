//! Tests of the Kusto.Language checker (`tools/kusto-check`) itself: that it
//! accepts valid hunting queries, reports the mistakes it should, compares
//! string literals as Kusto decodes them, and which escapes Kusto accepts.

#[path = "support/kusto.rs"]
mod kusto;

use kusto::{Case, Options, Outcome, Platform};
use std::fmt::Write as _;

/// Seed query 1 (Sentinel, CommonSecurityLog), verbatim.
const SEED_CSL: &str = r#"// Hunt for network connections to known malicious IPs
// Source: ThreatFox - XWorm
let malicious_ips = dynamic(["104.168.5.18", "192.3.171.227"]);
CommonSecurityLog
| where DestinationIP in (malicious_ips) or SourceIP in (malicious_ips)
| project TimeGenerated, SourceIP, DestinationIP, DestinationPort, DeviceAction, Activity
| order by TimeGenerated desc"#;

/// Seed query 2 (Defender, DeviceNetworkEvents), verbatim.
const SEED_DNE: &str = r#"// Hunt in Defender for Endpoint network events
let malicious_ips = dynamic(["104.168.5.18", "192.3.171.227"]);
DeviceNetworkEvents
| where RemoteIP in (malicious_ips)
| project Timestamp, DeviceName, RemoteIP, RemotePort, InitiatingProcessFileName, ActionType
| order by Timestamp desc"#;

/// Seed query 3 (Sentinel, DnsEvents), verbatim.
const SEED_DNS: &str = r#"// Hunt for DNS queries to known malicious domains
// Source: ThreatFox - XWorm
let malicious_domains = dynamic(["aliexpress.us.com"]);
DnsEvents
| where Name has_any (malicious_domains)
| project TimeGenerated, Computer, Name, IPAddresses, QueryType
| order by TimeGenerated desc"#;

const SEED_IPS: [&str; 2] = ["104.168.5.18", "192.3.171.227"];

fn seed_cases() -> Vec<Case> {
    vec![
        Case::with_literals("seed-csl", SEED_CSL, SEED_IPS),
        Case::with_literals("seed-dne", SEED_DNE, SEED_IPS),
        Case::with_literals("seed-dns", SEED_DNS, ["aliexpress.us.com"]),
    ]
}

fn assert_passed(case: &Case, outcome: &Outcome) {
    assert!(
        outcome.passed(),
        "expected a pass:\n{}",
        outcome.describe(&case.query)
    );
    assert_eq!(outcome.error_codes(), Vec::<&str>::new());
}

fn assert_error(case: &Case, outcome: &Outcome, code: &str) {
    assert!(
        !outcome.ok,
        "expected {code}:\n{}",
        outcome.describe(&case.query)
    );
    assert!(
        outcome.has_error(code),
        "expected {code}:\n{}",
        outcome.describe(&case.query)
    );
}

#[test]
fn seed_queries_pass_with_their_literals() {
    let cases = seed_cases();
    let Some(outcomes) = kusto::check_or_skip(&cases) else {
        return;
    };
    for (case, outcome) in cases.iter().zip(&outcomes) {
        assert_passed(case, outcome);
        assert_eq!(outcome.literals_ok, Some(true));
        assert_eq!(Some(&outcome.literals_found), case.literals.as_ref());
    }
}

#[test]
fn defender_platform_has_only_xdr_tables_without_time_generated() {
    let mut cases = seed_cases();
    cases.push(Case::new(
        "dne-timegenerated",
        "DeviceNetworkEvents | where TimeGenerated > ago(1d) | take 1",
    ));
    let options = Options {
        platform: Platform::Defender,
        ..Options::default()
    };
    let Some(outcomes) = kusto::check_with_or_skip(&options, &cases) else {
        return;
    };
    assert_error(&cases[0], &outcomes[0], "KS204");
    assert_passed(&cases[1], &outcomes[1]);
    assert_error(&cases[2], &outcomes[2], "KS204");
    assert_error(&cases[3], &outcomes[3], "KS142");
    assert_eq!(
        outcomes[3].diagnostics[0].snippet(&cases[3].query),
        "TimeGenerated"
    );
}

#[test]
fn schema_and_syntax_mistakes_are_reported() {
    let cases = vec![
        Case::new(
            "unknown-column",
            "DeviceNetworkEvents | where RemoteIp == '1.2.3.4'",
        ),
        Case::new(
            "timestamp-on-la-table",
            "CommonSecurityLog | where Timestamp > ago(1d)",
        ),
        Case::new("misspelled-table", "CommonSecurityLogs | take 1"),
        Case::new(
            "unknown-function",
            "DeviceNetworkEvents | where ipv4_in_range(RemoteIP, '10.0.0.0/8')",
        ),
        Case::new(
            "bad-escape",
            r#"DeviceFileEvents | where FolderPath startswith "C:\Windows""#,
        ),
        Case::new(
            "json-escape-in-dynamic",
            r#"print x = dynamic(["http:\/\/evil.com"])"#,
        ),
        Case::new("raw-newline-in-string", "print x = \"a\nb\""),
        Case::new(
            "empty-in-list",
            "DeviceNetworkEvents | where RemoteIP in ()",
        ),
        Case::new("let-without-semicolon", "let x = 1\nprint x"),
        Case::new(
            "datetime-vs-string",
            "DeviceNetworkEvents | where Timestamp > \"2024-01-01\"",
        ),
        Case::new(
            "ago-of-string",
            "DeviceNetworkEvents | where Timestamp > ago(\"1d\")",
        ),
        // Byte offsets: the two-byte 'é' comes before the bad name.
        Case::new("offset-after-non-ascii", "print a = 'é', b = RemoteIp"),
    ];
    let Some(outcomes) = kusto::check_or_skip(&cases) else {
        return;
    };
    let expected = [
        "KS142", "KS142", "KS204", "KS211", "KS002", "KS002", "KS001", "KS006", "KS005", "KS106",
        "KS107", "KS142",
    ];
    for ((case, outcome), code) in cases.iter().zip(&outcomes).zip(expected) {
        assert_error(case, outcome, code);
    }
    let unknown = &outcomes[0].diagnostics[0];
    assert_eq!(unknown.snippet(&cases[0].query), "RemoteIp");
    assert_eq!((unknown.start, unknown.length), (28, 8));
    let after = outcomes[11]
        .diagnostics
        .iter()
        .find(|d| d.code == "KS142")
        .map(|d| d.snippet(&cases[11].query));
    assert_eq!(after, Some("RemoteIp"));
}

#[test]
fn literal_mismatches_are_reported() {
    let query = r#"let ips = dynamic(["104.168.5.18", "192.3.171.227"]);
DeviceNetworkEvents | where RemoteIP in (ips) or RemoteIP == "192.3.171.227""#;
    let cases = vec![
        // One value differs from what the query holds.
        Case::with_literals(
            "differs",
            query,
            ["104.168.5.19", "192.3.171.227", "192.3.171.227"],
        ),
        // Right values, wrong multiplicity.
        Case::with_literals("multiplicity", query, ["104.168.5.18", "192.3.171.227"]),
        // The same multiset in another order passes.
        Case::with_literals(
            "reordered",
            query,
            ["192.3.171.227", "104.168.5.18", "192.3.171.227"],
        ),
        // A claimed escape that the query does not decode to: `\\` in the
        // source is one backslash.
        Case::with_literals(
            "escaped-once",
            r#"print x = "C:\\Windows""#,
            [r"C:\\Windows"],
        ),
    ];
    let Some(outcomes) = kusto::check_or_skip(&cases) else {
        return;
    };
    let summary = |o: &Outcome| -> Vec<(String, String)> {
        o.literal_mismatches
            .iter()
            .map(|m| (m.kind.clone(), m.value.clone()))
            .collect()
    };
    assert!(outcomes[0].ok);
    assert_eq!(outcomes[0].literals_ok, Some(false));
    assert!(!outcomes[0].passed());
    assert_eq!(
        summary(&outcomes[0]),
        vec![
            ("missing".to_owned(), "104.168.5.19".to_owned()),
            ("unexpected".to_owned(), "104.168.5.18".to_owned()),
        ]
    );
    assert_eq!(
        outcomes[0].literals_found,
        ["104.168.5.18", "192.3.171.227", "192.3.171.227"]
    );
    assert_eq!(outcomes[1].literals_ok, Some(false));
    assert_eq!(
        summary(&outcomes[1]),
        vec![("unexpected".to_owned(), "192.3.171.227".to_owned())]
    );
    assert_eq!(outcomes[2].literals_ok, Some(true));
    assert_eq!(outcomes[3].literals_ok, Some(false));
    assert_eq!(outcomes[3].literals_found, [r"C:\Windows"]);
}

/// The escaping rule a renderer should use for `"..."` literals: `\` and `"`
/// backslash-escaped, `\n` `\r` `\t` by name, every other control character
/// (C0, DEL, C1) as `\uXXXX`, everything else raw.
fn kql_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str(r"\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str(r"\n"),
            '\r' => out.push_str(r"\r"),
            '\t' => out.push_str(r"\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn hostile_values() -> Vec<String> {
    let mut values: Vec<String> = [
        "\"",
        "\\",
        "\\\"",
        "trailing\\",
        "\\\\server\\share",
        "C:\\Windows\\System32\\cmd.exe",
        "'",
        "''",
        "\"; DeviceEvents | take 1 //",
        "\") or true or (\"",
        "x\" | where 1 == 1 | extend y = \"",
        "line\n| take 10",
        "\r\n",
        "\ttab",
        "\u{0}",
        "\u{0}1",
        "\u{0}123",
        "\u{1}\u{1f}\u{7f}\u{85}\u{9f}",
        "\u{7}\u{8}\u{b}\u{c}\u{1b}",
        "\u{2028}\u{2029}",
        "\u{feff}bom",
        "\u{202e}exe.txt",
        "😀 emoji",
        "𝕏",
        "é",
        "\\x41 \\u0041 \\U0001F600 \\0 \\/ \\W",
        "@\"verbatim\"",
        "```fence```",
        "~~~tilde~~~",
        "h\"obfuscated\"",
        "${x} %s {{0}}",
        "] [ ) ( } {",
        "// not a comment",
        "/* not a comment */",
        "",
        "104.168.5.18",
        "104.168.5.18",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    values.push("a\"b\\c\nd\u{0}e😀".repeat(500));
    values
}

#[test]
fn hostile_literals_escaped_by_the_standard_rule_round_trip() {
    let values = hostile_values();
    let quoted: Vec<String> = values.iter().map(|v| kql_quote(v)).collect();
    let list = quoted.join(", ");
    let query = format!(
        "let iocs = dynamic([{list}]);\nDeviceNetworkEvents\n| where RemoteUrl in (iocs) or RemoteUrl in~ ({list})\n| project Timestamp, RemoteUrl"
    );
    let mut expected = values.clone();
    expected.extend(values.iter().cloned());
    let cases = vec![Case::with_literals("hostile", query, expected.clone())];
    let Some(outcomes) = kusto::check_or_skip(&cases) else {
        return;
    };
    assert_passed(&cases[0], &outcomes[0]);
    assert_eq!(outcomes[0].literals_ok, Some(true));
    // Source order: the let list, then the inline list.
    assert_eq!(outcomes[0].literals_found, expected);
}

#[test]
fn escape_sequences_kusto_language_accepts_and_decodes() {
    // (literal as written in KQL, decoded value or None when it is an error)
    let table: Vec<(&str, Option<&str>)> = vec![
        (r#""\\""#, Some("\\")),
        (r#""\"""#, Some("\"")),
        (r#""\'""#, Some("'")),
        (r#"'\"'"#, Some("\"")),
        (r#"'a"b'"#, Some("a\"b")),
        (r#""\n\r\t""#, Some("\n\r\t")),
        (r#""\a\b\f\v""#, Some("\u{7}\u{8}\u{c}\u{b}")),
        (r#""\u0041\u00e9\u001f""#, Some("Aé\u{1f}")),
        (r#""\u0000""#, Some("\u{0}")),
        (r#""\u00001""#, Some("\u{0}1")),
        (r#""\uD83D\uDE00""#, Some("😀")),
        (r#""\x41""#, Some("A")),
        (r#""\x414""#, Some("A4")),
        (r#""\101""#, Some("A")),
        (r#""\0""#, Some("\u{0}")),
        // Octal is greedy: `\0` before a digit is NOT NUL + digit.
        (r#""\01""#, Some("\u{1}")),
        (r#""\012""#, Some("\n")),
        // `\U` lexes but Kusto.Language drops the backslash instead of decoding.
        (r#""\U0001F600""#, Some("U0001F600")),
        ("\"raw\ttab\"", Some("raw\ttab")),
        ("\"raw\u{0}nul\"", Some("raw\u{0}nul")),
        ("\"raw\u{2028}\u{85}\"", Some("raw\u{2028}\u{85}")),
        (r#"@"C:\Windows""#, Some(r"C:\Windows")),
        (r#"@"a""b""#, Some("a\"b")),
        (r#"@'a''b'"#, Some("a'b")),
        (r#"h"se\tcret""#, Some("se\tcret")),
        ("```multi\nline\\n```", Some("multi\nline\\n")),
        (r#""a" 'b' @"\c""#, Some(r"ab\c")),
        (r#""C:\Windows""#, None),
        (r#""\/""#, None),
        (r#""\d""#, None),
        (r#""\e""#, None),
        (r#""\8""#, None),
        (r#""\X41""#, None),
        (r#""\x4""#, None),
        (r#""\u41""#, None),
        ("\"a\nb\"", None),
        ("\"a\rb\"", None),
        ("@\"a\nb\"", None),
    ];
    let cases: Vec<Case> = table
        .iter()
        .enumerate()
        .map(|(i, (lit, _))| {
            Case::with_literals(
                format!("esc-{i}"),
                format!("print x = {lit}"),
                Vec::<String>::new(),
            )
        })
        .collect();
    let Some(outcomes) = kusto::check_or_skip(&cases) else {
        return;
    };
    for ((case, outcome), (lit, expected)) in cases.iter().zip(&outcomes).zip(&table) {
        match expected {
            Some(value) => {
                assert!(
                    outcome.ok,
                    "{lit} should parse:\n{}",
                    outcome.describe(&case.query)
                );
                assert_eq!(outcome.literals_found, [*value], "decoded value of {lit}");
            }
            None => {
                assert!(
                    !outcome.ok,
                    "{lit} should be an error:\n{}",
                    outcome.describe(&case.query)
                );
                let codes = outcome.error_codes();
                assert!(
                    codes.contains(&"KS001") || codes.contains(&"KS002"),
                    "{lit}: {codes:?}"
                );
            }
        }
    }
}

#[test]
fn dynamic_bag_keys_and_element_access_are_literals_but_bracketed_names_are_not() {
    let query = r#"print d = dynamic({"k\t1": "v", 'k2': [1, "w"]}) | extend a = d["k2"], b = d.['k\t1'], ['odd name'] = 1"#;
    let cases = vec![Case::with_literals("bag", query, Vec::<String>::new())];
    let Some(outcomes) = kusto::check_or_skip(&cases) else {
        return;
    };
    assert!(outcomes[0].ok, "{}", outcomes[0].describe(query));
    assert_eq!(outcomes[0].literals_found, ["k\t1", "v", "k2", "w", "k2"]);
}

#[test]
fn max_chars_counts_characters_not_bytes() {
    let query = "print x = 'ééééé'"; // 17 characters, 22 bytes
    assert_eq!(query.chars().count(), 17);
    let cases = vec![Case::new("len", query)];
    let at = Options {
        max_chars: Some(17),
        ..Options::default()
    };
    let below = Options {
        max_chars: Some(16),
        ..Options::default()
    };
    let Some(ok) = kusto::check_with_or_skip(&at, &cases) else {
        return;
    };
    let Some(too_long) = kusto::check_with_or_skip(&below, &cases) else {
        return;
    };
    assert_passed(&cases[0], &ok[0]);
    assert_error(&cases[0], &too_long[0], "LEN001");
    assert_eq!(too_long[0].error_codes(), ["LEN001"]);
}

#[test]
fn asim_parsers_are_declared_with_their_schema_columns() {
    let cases = vec![
        Case::new(
            "net",
            "_Im_NetworkSession(starttime=ago(14d), ipaddr_has_any_prefix=dynamic(['104.168.5.18']), dstportnumber=8823)\n| where DstIpAddr in ('104.168.5.18') or SrcIpAddr in ('104.168.5.18')\n| where DstPortNumber == 8823\n| project TimeGenerated, SrcIpAddr, DstIpAddr, DstPortNumber, DstHostname, DstFQDN, NetworkProtocol, DvcAction",
        ),
        Case::new(
            "web",
            "_Im_WebSession(starttime=ago(14d), url_has_any=dynamic(['evil.com']))\n| extend Host = tostring(parse_url(Url).Host)\n| where Host =~ 'evil.com'\n| project TimeGenerated, Url, SrcIpAddr, DstIpAddr, DstPortNumber, HttpUserAgent",
        ),
        Case::new(
            "dns",
            "_Im_Dns(starttime=ago(14d), domain_has_any=dynamic(['aliexpress.us.com']))\n| where DnsQuery in~ ('aliexpress.us.com')\n| project TimeGenerated, DnsQuery, DnsResponseName, SrcIpAddr, DnsQueryTypeName",
        ),
        Case::new(
            "file",
            "_Im_FileEvent(starttime=ago(14d))\n| where TargetFileSHA256 in~ ('ab') or TargetFileMD5 in~ ('cd') or TargetFileSHA1 in~ ('ef')\n| project TimeGenerated, TargetFileName, TargetFilePath, TargetUrl, SrcIpAddr",
        ),
        Case::new("dns-wrong-case", "_Im_Dns | where Dnsquery == 'x'"),
        Case::new(
            "dns-unknown-param",
            "_Im_Dns(domain_has_all=dynamic(['x']))",
        ),
    ];
    let Some(outcomes) = kusto::check_or_skip(&cases) else {
        return;
    };
    for (case, outcome) in cases.iter().zip(&outcomes).take(4) {
        assert_passed(case, outcome);
    }
    assert_error(&cases[4], &outcomes[4], "KS142");
    assert_error(&cases[5], &outcomes[5], "KS196");

    let defender = Options {
        platform: Platform::Defender,
        ..Options::default()
    };
    let Some(outcomes) = kusto::check_with_or_skip(&defender, &cases[..1]) else {
        return;
    };
    assert_error(&cases[0], &outcomes[0], "KS211");
}

#[test]
fn analyzers_add_advice_without_failing_the_query() {
    let mut cases = seed_cases();
    cases.push(Case::new(
        "has-ipv4",
        "DnsEvents | where IPAddresses has \"104.168.5.18\" | project TimeGenerated, Name",
    ));
    let options = Options {
        analyzers: true,
        ..Options::default()
    };
    let Some(outcomes) = kusto::check_with_or_skip(&options, &cases) else {
        return;
    };
    for (case, outcome) in cases.iter().zip(&outcomes).take(3) {
        assert_passed(case, outcome);
        assert_eq!(
            outcome.diagnostics,
            Vec::new(),
            "{}",
            outcome.describe(&case.query)
        );
    }
    let advice = &outcomes[3];
    assert!(advice.ok, "{}", advice.describe(&cases[3].query));
    let codes: Vec<(&str, &str)> = advice
        .diagnostics
        .iter()
        .map(|d| (d.code.as_str(), d.severity.as_str()))
        .collect();
    assert_eq!(codes, [("KS514", "Suggestion")]);
    assert_eq!(advice.diagnostics[0].snippet(&cases[3].query), "has");
}

#[test]
fn command_line_exit_codes() {
    let clean = format!(
        "{}\n",
        serde_json::json!({ "id": "seed", "query": SEED_DNS })
    );
    let Ok(ok) = kusto::run_cli(&[], &clean) else {
        println!("{}", kusto::SKIP_MESSAGE);
        return;
    };
    assert_eq!(ok.code, Some(0), "{ok:?}");
    assert_eq!(ok.stdout.lines().count(), 1);

    let run =
        |args: &[&str], input: &str| kusto::run_cli(args, input).expect("checker ran once already");
    // A literal mismatch alone fails the run.
    let mismatch = serde_json::json!({ "id": "lit", "query": SEED_DNS, "literals": ["evil.com"] });
    let literal = run(&[], &format!("{clean}{mismatch}\n"));
    assert_eq!(literal.code, Some(1), "{literal:?}");
    assert_eq!(literal.stdout.lines().count(), 2);

    // Errors of each kind, one answer per input line, in order.
    let bad = serde_json::json!({ "id": "bad", "query": "DnsEvents | where name == 'x'" });
    let long = serde_json::json!({ "id": "long", "query": SEED_DNS, "max_chars": 10 });
    let failed = run(&[], &format!("{bad}\n{long}\n{{not json\n"));
    assert_eq!(failed.code, Some(1), "{failed:?}");
    let summary: Vec<String> = failed
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|a| format!("{} {}", a["id"], a["diagnostics"][0]["code"]))
        .collect();
    assert_eq!(
        summary,
        [
            r#""bad" "KS142""#,
            r#""long" "LEN001""#,
            r#"null "INPUT001""#
        ]
    );

    // Usage and set-up errors exit with 2.
    let bad_flag = run(&["--platform", "splunk"], "");
    assert_eq!(bad_flag.code, Some(2));
    assert!(
        bad_flag.stderr.contains("unknown platform 'splunk'"),
        "{bad_flag:?}"
    );
    let bad_schema = run(&["--schema", "/nonexistent/schema.json"], &clean);
    assert_eq!(bad_schema.code, Some(2));
    assert!(
        bad_schema.stderr.contains("cannot read schema"),
        "{bad_schema:?}"
    );
}

#[test]
fn a_custom_schema_replaces_the_shared_one() {
    let dir = std::env::temp_dir().join(format!("kusto-check-schema-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let schema = dir.join("schema.json");
    let text =
        r#"{"Hunt": [["TimeGenerated", "datetime"], ["odd name", "string"], ["Port", "int"]]}"#;
    std::fs::write(&schema, text).expect("write schema");
    let cases = vec![
        Case::new(
            "custom",
            "Hunt | where ['odd name'] == 'x' and Port == 443 | project TimeGenerated",
        ),
        Case::new("shared-table-absent", "DnsEvents | take 1"),
        Case::new("port-type", "Hunt | where Port > ago(1d)"),
    ];
    let options = Options {
        schema: Some(schema),
        ..Options::default()
    };
    let outcomes = kusto::check_with_or_skip(&options, &cases);
    let _ = std::fs::remove_dir_all(&dir);
    let Some(outcomes) = outcomes else { return };
    assert_passed(&cases[0], &outcomes[0]);
    assert_error(&cases[1], &outcomes[1], "KS204");
    assert!(!outcomes[2].ok, "{}", outcomes[2].describe(&cases[2].query));
}
