//! The independent validator (`tools/rule-check/rule_check.py`, JSON
//! Schemas written from the reference plus the rules a schema cannot
//! express, and Kusto.Language for every embedded query) accepts what the
//! crate writes and rejects deliberately broken samples.
//!
//! Needs Python 3 with `PyYAML` and `jsonschema` (`RULE_CHECK_PYTHON`
//! names the interpreter, default `python3`); skipped with a message when
//! they are missing, unless `RULE_CHECK_REQUIRED=1`. The Kusto.Language
//! part runs when `node`, `tools/kusto-check/node_modules` and
//! `../shared/reference/kusto-schema.json` are present, and is required
//! under `KUSTO_CHECK_REQUIRED=1`.

use std::path::{Path, PathBuf};
use std::process::Command;

use iochunt::deploy::sentinel::{AnalyticsRule, RuleKind, RuleOptions, analytics_rules};
use iochunt::deploy::{arm, watchlist, xdr};
use iochunt::hunt::{Catalog, HuntOptions, HuntPlan, IocGroup, Platform};
use iochunt::{Confidence, Indicator, Ioc, Malware, Source, ThreatType};
use serde_json::Value;

const MIXED: &[&str] = &[
    "192.3.171.227:8823",
    "104.168.5.18:8823",
    "aliexpress.us.com",
    "8.8.4.4",
    "[2001:db8::8]:443",
    "203.0.113.0/24",
    "http://evil.example.com/gate.php?id=1&q='x'",
    "d41d8cd98f00b204e9800998ecf8427e",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "billing@evil-invoices.com",
];

fn indicators() -> Vec<Indicator> {
    MIXED
        .iter()
        .map(|v| {
            let mut ind = Indicator::new(Ioc::parse(v).unwrap_or_else(|e| panic!("{v}: {e}")));
            ind.threat_type = ThreatType::BotnetCc;
            ind.malware = Some(Malware::new("win.xworm").with_printable("XWorm").into());
            ind.confidence = Some(Confidence::new(90).expect("in range"));
            ind.sources.insert(Source::new("threatfox"));
            ind
        })
        .collect()
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn python() -> Option<String> {
    let python = std::env::var("RULE_CHECK_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let ok = Command::new(&python)
        .args(["-c", "import yaml, jsonschema, referencing"])
        .output()
        .is_ok_and(|o| o.status.success());
    let required = std::env::var("RULE_CHECK_REQUIRED").is_ok_and(|v| v == "1");
    match (ok, required) {
        (true, _) => Some(python),
        (false, true) => panic!("{python} with PyYAML and jsonschema is required"),
        (false, false) => {
            println!(
                "skipped: {python} lacks PyYAML/jsonschema (pip install -r tools/rule-check/requirements.txt)"
            );
            None
        }
    }
}

fn kusto_available() -> bool {
    let ok = root().join("tools/kusto-check/node_modules").exists()
        && root()
            .join("../shared/reference/kusto-schema.json")
            .exists()
        && Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
    if !ok && std::env::var("KUSTO_CHECK_REQUIRED").is_ok_and(|v| v == "1") {
        panic!("the Kusto.Language check is required");
    }
    ok
}

/// Runs the validator; returns (exit code, stdout).
fn rule_check(python: &str, paths: &[&Path], kusto: bool) -> (i32, String) {
    let technique_table = root().join("../shared/reference/sentinel-technique-tactics.json");
    let mut cmd = Command::new(python);
    cmd.arg(root().join("tools/rule-check/rule_check.py"));
    if !technique_table.exists() {
        // Without ../shared the validator cannot pair techniques; use the
        // crate's own pairs so the rest still runs.
        let fallback = scratch("techniques").join("table.json");
        let table: serde_json::Map<String, Value> = iochunt::deploy::sentinel::TECHNIQUES
            .iter()
            .map(|(t, tactic)| ((*t).to_owned(), serde_json::json!([tactic.as_str()])))
            .collect();
        std::fs::write(
            &fallback,
            serde_json::json!({ "techniques": table }).to_string(),
        )
        .expect("write table");
        cmd.arg("--techniques").arg(fallback);
    }
    if kusto {
        cmd.arg("--kusto");
    }
    cmd.args(paths);
    let out = cmd.output().expect("run rule_check.py");
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("deploy-validator")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

fn json_text(v: &Value) -> String {
    format!("{}\n", serde_json::to_string_pretty(v).expect("json"))
}

fn sentinel_rules(platform: Platform, kind: RuleKind) -> Vec<AnalyticsRule> {
    analytics_rules(
        &indicators(),
        Catalog::builtin(),
        &HuntOptions::new(platform),
        &RuleOptions::default().with_kind(kind),
    )
    .expect("rules")
}

/// Writes a fresh pack of every format into `dir`.
fn fresh_pack(dir: &Path) {
    for (platform, kind) in [
        (Platform::Sentinel, RuleKind::Scheduled),
        (Platform::Sentinel, RuleKind::Nrt),
        (Platform::Asim, RuleKind::Scheduled),
    ] {
        let rules = sentinel_rules(platform, kind);
        let sub = dir.join(format!("{platform}-{}", kind.as_str()));
        std::fs::create_dir_all(&sub).expect("dir");
        for r in &rules {
            write(&sub, &r.file_name(), &r.to_yaml());
        }
        write(&sub, "template.json", &json_text(&arm::template(&rules)));
    }
    for period in [xdr::XdrPeriod::EveryHour, xdr::XdrPeriod::Continuous] {
        let pack = xdr::detection_rules(
            &indicators(),
            Catalog::builtin(),
            &HuntOptions::default(),
            &xdr::XdrOptions {
                period,
                ..xdr::XdrOptions::default()
            },
        )
        .expect("detections");
        let sub = dir.join(format!("xdr-{}", period.as_str()));
        std::fs::create_dir_all(&sub).expect("dir");
        for r in &pack.rules {
            write(&sub, &r.file_name(), &json_text(&r.to_json()));
        }
    }
    let ind = indicators();
    let hunt = HuntOptions::default().with_watchlist_over(0);
    let plan = HuntPlan::build(&ind, Catalog::builtin(), &hunt).expect("plan");
    let lists = watchlist::watchlists(&plan, &ind).expect("watchlists");
    assert_eq!(lists.len(), 4);
    let sub = dir.join("watchlist");
    std::fs::create_dir_all(&sub).expect("dir");
    let mut template = arm::template(&[]);
    for w in &lists {
        write(&sub, &w.file_name(), &w.to_csv());
        if let Some(resources) = template["resources"].as_array_mut() {
            resources.push(w.arm_resource());
        }
    }
    let rules =
        analytics_rules(&ind, Catalog::builtin(), &hunt, &RuleOptions::default()).expect("rules");
    assert!(rules.iter().any(|r| r.watchlist.is_some()));
    for r in &rules {
        write(&sub, &r.file_name(), &r.to_yaml());
    }
    if let Some(resources) = template["resources"].as_array_mut() {
        resources.extend(rules.iter().map(arm::resource));
    }
    write(&sub, "template.json", &json_text(&template));
}

#[test]
fn the_validator_accepts_the_golden_files_and_a_fresh_pack() {
    let Some(python) = python() else { return };
    let kusto = kusto_available();
    let golden = root().join("tests/fixtures/deploy/xworm");
    let fresh = scratch("fresh");
    fresh_pack(&fresh);
    let (code, out) = rule_check(&python, &[&golden, &fresh], kusto);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("error:"), "{out}");
    let files = std::fs::read_dir(golden.join("sentinel"))
        .expect("dir")
        .count();
    assert!(out.contains("files, 0 failed"), "{out}");
    assert!(files > 20);
}

/// One broken sample: the file it starts from, how it is broken, and the
/// message the validator must give.
struct Broken {
    name: &'static str,
    text: String,
    message: &'static str,
}

fn cef_network(rules: &[AnalyticsRule]) -> &AnalyticsRule {
    rules
        .iter()
        .find(|r| r.table == "CommonSecurityLog" && r.group == IocGroup::Network)
        .expect("a CEF network rule")
}

fn replaced(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "{from:?} not in the sample");
    text.replacen(from, to, 1)
}

fn broken_samples(kusto: bool) -> Vec<Broken> {
    let rules = sentinel_rules(Platform::Sentinel, RuleKind::Scheduled);
    let yaml = cef_network(&rules).to_yaml();
    let mut out = vec![
        Broken {
            name: "technique-without-tactic.yaml",
            text: replaced(&yaml, "  - T1571\n", "  - T1204\n"),
            message: "technique T1204 needs one of its tactics",
        },
        Broken {
            name: "unknown-technique.yaml",
            text: replaced(&yaml, "  - T1571\n", "  - T9999\n"),
            message: "technique T9999 is not in the technique table",
        },
        Broken {
            name: "unprojected-column.yaml",
            text: replaced(&yaml, "columnName: SourceIP", "columnName: SourceIpAddress"),
            message: "column 'SourceIpAddress' is not an output column of the query",
        },
        Broken {
            name: "query-too-long.yaml",
            text: replaced(
                &yaml,
                "query: |\n",
                &format!("query: |\n  // {}\n", "x".repeat(10_000)),
            ),
            message: "schema: query: ",
        },
        Broken {
            name: "long-period-fast-frequency.yaml",
            text: replaced(
                &replaced(&yaml, "queryFrequency: \"1h\"", "queryFrequency: 10m"),
                "queryPeriod: \"1h\"",
                "queryPeriod: 2d",
            ),
            message: "needs a queryFrequency of at least 1 hour",
        },
        Broken {
            name: "period-below-frequency.yaml",
            text: replaced(&yaml, "queryPeriod: \"1h\"", "queryPeriod: 30m"),
            message: "queryPeriod is shorter than queryFrequency",
        },
        Broken {
            name: "duplicate-key.yaml",
            text: format!("{yaml}severity: High\n"),
            message: "duplicate key 'severity'",
        },
        Broken {
            name: "wrong-identifier.yaml",
            text: replaced(&yaml, "identifier: Address", "identifier: HostName"),
            message: "'HostName' is not an identifier of IP",
        },
        Broken {
            name: "wrong-data-type.yaml",
            text: replaced(&yaml, "      - CommonSecurityLog\n", "      - Syslog\n"),
            message: "dataType 'Syslog' of CEF is not the table the query reads",
        },
        Broken {
            name: "bad-severity.yaml",
            text: replaced(&yaml, "severity: High", "severity: Critical")
                .replace("severity: Medium", "severity: Critical"),
            message: "schema: severity:",
        },
    ];
    if kusto {
        out.push(Broken {
            name: "kql-syntax.yaml",
            text: replaced(&yaml, "> ago(1h)\n", "> ago(1h\n"),
            message: "Kusto.Language:",
        });
    }

    let template = arm::template(&rules);
    let mut arm_gt = template.clone();
    arm_gt["resources"][0]["properties"]["triggerOperator"] = "gt".into();
    let mut arm_duration = template.clone();
    arm_duration["resources"][0]["properties"]["queryFrequency"] = "1h".into();
    let mut arm_technique = template.clone();
    arm_technique["resources"][0]["properties"]["techniques"] = serde_json::json!(["T1204"]);
    out.extend([
        Broken {
            name: "arm-operator.json",
            text: json_text(&arm_gt),
            message: "schema: resources/0",
        },
        Broken {
            name: "arm-duration.json",
            text: json_text(&arm_duration),
            message: "schema: resources/0",
        },
        Broken {
            name: "arm-technique.json",
            text: json_text(&arm_technique),
            message: "technique T1204 needs one of its tactics",
        },
    ]);

    let pack = xdr::detection_rules(
        &indicators(),
        Catalog::builtin(),
        &HuntOptions::default(),
        &xdr::XdrOptions::default(),
    )
    .expect("detections");
    let dne = pack
        .rules
        .iter()
        .find(|r| r.table == "DeviceNetworkEvents" && r.group == IocGroup::Network)
        .expect("a DeviceNetworkEvents detection")
        .to_json();
    let query = dne["queryCondition"]["queryText"]
        .as_str()
        .expect("query")
        .to_owned();
    let mut no_report = dne.clone();
    no_report["queryCondition"]["queryText"] = replaced(&query, "ReportId, ", "").into();
    let mut period = dne.clone();
    period["schedule"]["period"] = "2H".into();
    let mut time_filter = dne.clone();
    time_filter["queryCondition"]["queryText"] = replaced(
        &query,
        "DeviceNetworkEvents\n|",
        "DeviceNetworkEvents\n| where Timestamp > ago(1d)\n|",
    )
    .into();
    let mut continuous = dne.clone();
    continuous["schedule"]["period"] = "0".into();
    let mut severity = dne.clone();
    severity["detectionAction"]["alertTemplate"]["severity"] = "Medium".into();
    out.extend([
        Broken {
            name: "xdr-no-reportid.json",
            text: json_text(&no_report),
            message: "the query does not return ReportId",
        },
        Broken {
            name: "xdr-period.json",
            text: json_text(&period),
            message: "schema: schedule/period",
        },
        Broken {
            name: "xdr-time-filter.json",
            text: json_text(&time_filter),
            message: "the query filters on Timestamp",
        },
        Broken {
            name: "xdr-continuous-comments.json",
            text: json_text(&continuous),
            message: "a continuous (period 0) rule may not have comments",
        },
        Broken {
            name: "xdr-severity.json",
            text: json_text(&severity),
            message: "schema: detectionAction/alertTemplate/severity",
        },
    ]);

    let ind = indicators();
    let plan = HuntPlan::build(
        &ind,
        Catalog::builtin(),
        &HuntOptions::default().with_watchlist_over(1),
    )
    .expect("plan");
    let csv = watchlist::watchlists(&plan, &ind).expect("watchlists")[0].to_csv();
    let first_row = csv.lines().nth(1).expect("a row").to_owned();
    out.extend([
        Broken {
            name: "watchlist-no-key.csv",
            text: replaced(&csv, "Indicator,", "Value,"),
            message: "has no search-key column 'Indicator'",
        },
        Broken {
            name: "watchlist-long-line.csv",
            text: format!(
                "{csv}http://evil.example/{},url,,,,\r\n",
                "a".repeat(10_300)
            ),
            message: "characters, over 10240",
        },
        Broken {
            name: "watchlist-duplicate.csv",
            text: format!("{csv}{first_row}\r\n"),
            message: "repeats the search key",
        },
        Broken {
            name: "watchlist-bom.csv",
            text: format!("\u{feff}{csv}"),
            message: "byte-order mark",
        },
    ]);
    out
}

#[test]
fn the_validator_rejects_each_broken_sample() {
    let Some(python) = python() else { return };
    let kusto = kusto_available();
    let dir = scratch("broken");
    let samples = broken_samples(kusto);
    let paths: Vec<PathBuf> = samples
        .iter()
        .map(|b| write(&dir, b.name, &b.text))
        .collect();
    // One run over all samples: each must fail, with its own message.
    let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let (code, out) = rule_check(&python, &refs, kusto);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!(
            "{} files, {} failed",
            samples.len(),
            samples.len()
        )),
        "{out}"
    );
    for (b, path) in samples.iter().zip(&paths) {
        let prefix = format!("{}: error: ", path.display());
        assert!(
            out.lines()
                .any(|l| l.starts_with(&prefix) && l.contains(b.message)),
            "{}: expected an error containing {:?}\n{out}",
            b.name,
            b.message
        );
    }
}
