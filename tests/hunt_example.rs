//! The `hunt` example, the main job, run through its `run` function on the
//! seed fixture, on the shared ThreatFox samples, and on bad command lines.

#[allow(dead_code)]
#[path = "../examples/hunt.rs"]
mod hunt;

use pretty_assertions::assert_eq;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/feeds/xworm_seed_api.json"
);
const GOLDEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/reports/xworm_sentinel.md"
);
const SHARED_THREATFOX: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/threatfox");

struct Outcome {
    code: i32,
    out: String,
    err: String,
}

fn run(args: &[&str]) -> Outcome {
    let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = hunt::run(&args, &mut out, &mut err);
    Outcome {
        code,
        out: String::from_utf8_lossy(&out).into_owned(),
        err: String::from_utf8_lossy(&err).into_owned(),
    }
}

#[test]
fn main_command_prints_the_golden_report() -> TestResult {
    let got = run(&[FIXTURE]);
    assert_eq!(got.code, 0, "{}", got.err);
    assert_eq!(got.out, std::fs::read_to_string(GOLDEN)?);
    assert!(got.err.contains(
        "xworm_seed_api.json: threatfox api response, 3 records: 3 accepted, 0 merged, 0 rejected\n"
    ));
    assert!(
        got.err
            .contains("planned 28 queries over 16 tables for sentinel\n")
    );
    Ok(())
}

#[test]
fn options_reach_the_plan_and_the_filter() -> TestResult {
    let got = run(&[
        "--platform",
        "defender",
        "--window=30d",
        "--format",
        "kql",
        FIXTURE,
    ]);
    assert_eq!(got.code, 0, "{}", got.err);
    assert!(got.out.starts_with(
        "// Hunt for network indicators (ip:port, ip, cidr) in DeviceNetworkEvents\n"
    ));
    assert_eq!(
        got.out.matches("| where Timestamp > ago(30d)\n").count(),
        12
    );
    assert_eq!(got.out.matches("\n\n// Hunt for").count(), 11);
    assert!(!got.out.contains("TimeGenerated"));

    let got = run(&["--min-confidence", "80", "--format", "json", FIXTURE]);
    assert_eq!(got.code, 0, "{}", got.err);
    let json: serde_json::Value = serde_json::from_str(&got.out)?;
    assert_eq!(json["summary"]["total"], 0);
    assert_eq!(json["excluded"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        json["excluded"][0]["reason"],
        "confidence 75 is below the minimum 80"
    );
    assert_eq!(json["queries"].as_array().map(Vec::len), Some(0));

    let got = run(&["--window", "2w", "--platform", "asim", FIXTURE]);
    assert_eq!(got.code, 0, "{}", got.err);
    assert!(got.out.contains("| where TimeGenerated > ago(14d)"));
    assert!(
        got.out
            .contains("in Microsoft Sentinel through the ASIM parsers for the last 14 days")
    );
    Ok(())
}

#[test]
fn bad_command_lines_exit_2_with_a_clear_message() {
    let missing = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/no_such_feed.json"
    );
    let cases: &[(&[&str], &str)] = &[
        (
            &["--frobnicate", FIXTURE],
            r#"hunt: unknown option "--frobnicate""#,
        ),
        (
            &["--window", "14", FIXTURE],
            r#"hunt: invalid --window "14": expected a number of days or weeks such as 14d or 2w"#,
        ),
        (
            &["--window", "0d", FIXTURE],
            r#"hunt: invalid --window "0d": the window must be from 1 day to 3650 days"#,
        ),
        (&["--window"], "hunt: option --window needs a value"),
        (
            &["--platform", "splunk", FIXTURE],
            r#"hunt: invalid --platform: unknown platform "splunk": expected sentinel, defender or asim"#,
        ),
        (
            &["--format", "html", FIXTURE],
            r#"hunt: invalid --format "html": expected markdown, json or kql"#,
        ),
        (
            &["--min-confidence", "101", FIXTURE],
            r#"hunt: invalid --min-confidence "101": expected a number from 0 to 100"#,
        ),
        (&[], "hunt: no input file"),
        (&[missing], "hunt: cannot read "),
    ];
    for (args, message) in cases {
        let got = run(args);
        assert_eq!(got.code, 2, "{args:?}");
        assert!(got.err.starts_with(message), "{args:?}: {}", got.err);
        assert!(got.out.is_empty(), "{args:?}");
    }
    let got = run(&[missing]);
    assert!(
        got.err.contains("no_such_feed.json: No such file"),
        "{}",
        got.err
    );
    let help = run(&["--help"]);
    assert_eq!(help.code, 0);
    assert!(help.out.starts_with("usage: hunt [--min-confidence N]"));
}

#[test]
fn rejected_records_are_reported_with_line_and_reason() -> TestResult {
    let dir = std::env::temp_dir().join(format!("iochunt-hunt-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let list = dir.join("list.txt");
    std::fs::write(
        &list,
        "evil[.]example[.]net\nnot an indicator\n45.9.148.108:443\n",
    )?;
    let got = run(&[list.to_str().ok_or("path")?]);
    std::fs::remove_dir_all(&dir)?;
    assert_eq!(got.code, 0, "{}", got.err);
    assert!(
        got.err.contains("list.txt: rejected line 2, record 2: "),
        "{}",
        got.err
    );
    assert!(
        got.err
            .contains("list.txt: indicator list, 3 records: 2 accepted, 0 merged, 1 rejected\n")
    );
    assert!(
        got.out
            .contains("| domain | evil[.]example[.]net | unknown | - | - |\n")
    );
    assert!(
        got.out
            .contains("| ip:port | 45[.]9[.]148[.]108:443 | unknown | - | - |\n")
    );
    Ok(())
}

#[test]
fn runs_on_every_shared_threatfox_file() -> TestResult {
    let Ok(entries) = std::fs::read_dir(SHARED_THREATFOX) else {
        eprintln!("skipped: ../shared absent");
        return Ok(());
    };
    let mut files: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.path().display().to_string())
        .collect();
    files.sort();
    assert!(files.len() >= 3);
    let mut feeds_with_queries = 0;
    for file in &files {
        for format in ["markdown", "json", "kql"] {
            let got = run(&["--format", format, file]);
            assert_eq!(got.code, 0, "{file} {format}: {}", got.err);
            assert!(got.err.contains(" records: "), "{file}: {}", got.err);
            if format == "json" {
                let json: serde_json::Value = serde_json::from_str(&got.out)?;
                let kept = json["indicators"].as_array().map_or(0, Vec::len);
                if kept > 0 {
                    feeds_with_queries += 1;
                    assert!(
                        json["queries"].as_array().is_some_and(|q| !q.is_empty()),
                        "{file}"
                    );
                }
            }
        }
    }
    // The three feed samples each yield indicators and queries; the
    // provenance note yields only rejected lines.
    assert_eq!(feeds_with_queries, 3);
    let all: Vec<&str> = files.iter().map(String::as_str).collect();
    let got = run(&all);
    assert_eq!(got.code, 0, "{}", got.err);
    assert!(got.out.contains("## Hunting queries"));
    Ok(())
}
