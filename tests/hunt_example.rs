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
    let code = hunt::run(&args, &mut &b""[..], &mut out, &mut err);
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
    // Everything was filtered out, and the title still names what went in.
    assert_eq!(json["title"], "ThreatFox: XWorm IOCs");

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
            r#"hunt: invalid --window: window "14": expected a number of days or weeks such as 14d or 2w"#,
        ),
        (
            &["--window", "0d", FIXTURE],
            r#"hunt: invalid --window: window "0d": the window must be from 1 day to 3650 days"#,
        ),
        (&["--window"], "hunt: option --window needs a value"),
        (
            &["--platform", "splunk", FIXTURE],
            r#"hunt: invalid --platform: unknown platform "splunk": expected sentinel, defender or asim"#,
        ),
        (
            &["--format", "html", FIXTURE],
            r#"hunt: invalid --format "html": expected markdown, json, kql, sentinel-yaml, arm, xdr, stix, watchlist or misp"#,
        ),
        (
            &["--min-confidence", "101", FIXTURE],
            r#"hunt: invalid --min-confidence "101": expected a number from 0 to 100"#,
        ),
        (&[], "hunt: no input file"),
        (&["--out"], "hunt: option --out needs a value"),
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
            if file.ends_with("SOURCES.md") {
                // The provenance note is no feed: every line is rejected, and
                // an empty pack would hide that.
                assert_eq!(got.code, 1, "{file}: {}", got.err);
                assert!(
                    got.err
                        .contains("hunt: no indicator accepted: every one of the ")
                );
                assert!(got.out.is_empty());
                continue;
            }
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

/// A fresh, empty directory for one test's output.
fn out_dir(name: &str) -> Result<std::path::PathBuf, std::io::Error> {
    let dir = std::env::temp_dir().join(format!("iochunt-hunt-{name}-{}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    Ok(dir)
}

/// The sorted file names in `dir`.
fn names(dir: &std::path::Path) -> Result<Vec<String>, std::io::Error> {
    let mut names = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<Vec<_>, _>>()?;
    names.sort();
    Ok(names)
}

/// Writes `list` as a plain indicator list in a fresh directory named after
/// `name`, and runs `--format FORMAT --out DIR/<out>` on it. Returns the
/// outcome, the directory (to remove) and the output directory.
fn run_deploy_on_list(
    name: &str,
    list: &str,
    format: &str,
    out: &str,
) -> Result<(Outcome, std::path::PathBuf, std::path::PathBuf), Box<dyn std::error::Error>> {
    let dir = out_dir(name)?;
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("list.txt");
    std::fs::write(&path, list)?;
    let out = dir.join(out);
    let got = run(&[
        "--format",
        format,
        "--out",
        out.to_str().ok_or("path")?,
        path.to_str().ok_or("path")?,
    ]);
    Ok((got, dir, out))
}

const DEPLOY_GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/deploy/xworm");

#[test]
fn rule_formats_write_the_golden_packs() -> TestResult {
    // Rule ids and texts depend on the indicator values and options only,
    // so the seed feed gives the library's golden packs byte for byte.
    for (format, golden) in [("sentinel-yaml", "sentinel"), ("xdr", "xdr")] {
        let dir = out_dir(format)?;
        let dir_arg = dir.to_str().ok_or("path")?;
        let got = run(&["--format", format, "--out", dir_arg, FIXTURE]);
        assert_eq!(got.code, 0, "{format}: {}", got.err);
        assert!(got.out.is_empty(), "{format}");
        let golden = std::path::Path::new(DEPLOY_GOLDEN).join(golden);
        let written = names(&dir)?;
        assert_eq!(written, names(&golden)?, "{format}");
        for name in &written {
            assert_eq!(
                std::fs::read_to_string(dir.join(name))?,
                std::fs::read_to_string(golden.join(name))?,
                "{format} {name}"
            );
        }
        assert!(
            got.err
                .contains(&format!("{format}: {} files\n", written.len()))
        );
        std::fs::remove_dir_all(&dir)?;
    }

    let got = run(&["--format", "arm", FIXTURE]);
    assert_eq!(got.code, 0, "{}", got.err);
    let golden = std::path::Path::new(DEPLOY_GOLDEN).join("arm/iochunt-xworm.json");
    assert_eq!(got.out, std::fs::read_to_string(golden)?);

    let got = run(&["--format", "xdr", FIXTURE]);
    assert_eq!(got.code, 2, "several detections need --out");
    assert!(
        got.err
            .ends_with("hunt: --format xdr writes 10 files: give --out DIR\n"),
        "{}",
        got.err
    );
    assert!(got.out.is_empty());
    Ok(())
}

#[test]
fn options_a_format_cannot_honour_are_refused_up_front() -> TestResult {
    let file = std::env::temp_dir().join(format!("iochunt-hunt-file-{}", std::process::id()));
    std::fs::write(&file, "x")?;
    let file_arg = file.to_str().ok_or("path")?;
    let cases: &[(&[&str], &str)] = &[
        (
            &["--format", "arm", "--platform", "defender"],
            "hunt: --format arm is Microsoft Sentinel content: use --platform sentinel or asim",
        ),
        (
            &["--format", "sentinel-yaml", "--platform", "defender"],
            "hunt: --format sentinel-yaml is Microsoft Sentinel content",
        ),
        (
            &["--format", "watchlist", "--platform", "defender"],
            "hunt: --format watchlist is Microsoft Sentinel content",
        ),
        (
            &["--format", "xdr", "--platform", "sentinel"],
            "hunt: --format xdr is Defender XDR content",
        ),
        (
            &["--format", "xdr", "--window", "7d"],
            "hunt: --window does not apply to --format xdr: a custom detection's lookback follows its run frequency",
        ),
        (
            &["--format", "stix", "--window", "7d"],
            "hunt: --window does not apply to --format stix\n",
        ),
        (
            &["--format", "sentinel-yaml", "--window", "15d"],
            r#"hunt: invalid --window for --format sentinel-yaml: query period "15d" is outside 5m to 14d"#,
        ),
        (&["--format", "stix", "--out", file_arg], "hunt: --out "),
    ];
    for (args, message) in cases {
        let mut args = args.to_vec();
        args.push(FIXTURE);
        let got = run(&args);
        assert_eq!(got.code, 2, "{args:?}: {}", got.err);
        assert!(got.err.starts_with(message), "{args:?}: {}", got.err);
        // Refused before any feed is read.
        assert!(!got.err.contains(" records: "), "{args:?}: {}", got.err);
        assert!(got.out.is_empty());
    }
    let got = run(&["--format", "stix", "--out", file_arg, FIXTURE]);
    assert!(got.err.contains("is not a directory"), "{}", got.err);
    std::fs::remove_file(&file)?;
    Ok(())
}

#[test]
fn window_sets_the_rules_query_period() -> TestResult {
    let dir = out_dir("window")?;
    let dir_arg = dir.to_str().ok_or("path")?;
    let got = run(&[
        "--format",
        "sentinel-yaml",
        "--window",
        "2w",
        "--out",
        dir_arg,
        FIXTURE,
    ]);
    assert_eq!(got.code, 0, "{}", got.err);
    let written = names(&dir)?;
    assert_eq!(written.len(), 28);
    for name in &written {
        let yaml = std::fs::read_to_string(dir.join(name))?;
        assert!(yaml.contains("queryFrequency: \"1h\"\n"), "{name}: {yaml}");
        assert!(yaml.contains("queryPeriod: \"14d\"\n"), "{name}: {yaml}");
    }
    // A second run with other options into the same directory says which
    // files are not part of its pack.
    let got = run(&["--format", "sentinel-yaml", "--out", dir_arg, FIXTURE]);
    assert_eq!(got.code, 0, "{}", got.err);
    assert!(
        got.err.contains(&format!(
            "warning: {dir_arg} holds 28 files this run did not write (such as "
        )),
        "{}",
        got.err
    );
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

#[test]
fn deploy_formats_list_what_the_filters_left_out() -> TestResult {
    let got = run(&["--format", "stix", "--min-confidence", "80", FIXTURE]);
    assert_eq!(got.code, 0, "{}", got.err);
    assert!(
        got.err
            .contains("excluded 192[.]3[.]171[.]227:8823: confidence 75 is below the minimum 80\n"),
        "{}",
        got.err
    );
    assert_eq!(got.err.matches("\nexcluded ").count(), 3);
    Ok(())
}

#[test]
fn watchlist_format_writes_lists_and_the_queries_that_read_them() -> TestResult {
    let dir = out_dir("watchlist")?;
    let got = run(&[
        "--format",
        "watchlist",
        "--out",
        dir.to_str().ok_or("path")?,
        FIXTURE,
    ]);
    assert_eq!(got.code, 0, "{}", got.err);
    let written = names(&dir)?;
    let golden = std::path::Path::new(DEPLOY_GOLDEN).join("watchlist");
    for name in ["iochunt_network.csv", "CommonSecurityLog-network.kql"] {
        assert_eq!(
            std::fs::read_to_string(dir.join(name))?,
            std::fs::read_to_string(golden.join(name))?,
            "{name}"
        );
    }
    // One list (domains stay inline) and one query per planned hunt.
    assert_eq!(written.iter().filter(|n| n.ends_with(".csv")).count(), 1);
    assert_eq!(written.iter().filter(|n| n.ends_with(".kql")).count(), 28);
    let network = std::fs::read_to_string(dir.join("DeviceNetworkEvents-network.kql"))?;
    assert!(
        network.contains("_GetWatchlist(\"iochunt_network\")"),
        "{network}"
    );
    assert!(!network.contains("104.168.5.18"), "{network}");
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

#[test]
fn stix_and_misp_formats_carry_every_indicator() -> TestResult {
    let got = run(&["--format", "stix", FIXTURE]);
    assert_eq!(got.code, 0, "{}", got.err);
    let import = iochunt::deploy::stix::import(&got.out)?;
    assert!(import.rejected.is_empty(), "{:?}", import.rejected);
    let mut values: Vec<String> = import
        .indicators
        .iter()
        .map(|i| i.ioc.to_string())
        .collect();
    values.sort();
    assert_eq!(
        values,
        [
            "104.168.5.18:8823",
            "192.3.171.227:8823",
            "aliexpress.us.com"
        ]
    );
    // Stamped with the feed's newest date, so a second run is identical.
    assert!(
        got.out
            .contains("\"created\": \"2026-05-11T00:00:00.000Z\"")
    );
    assert_eq!(run(&["--format", "stix", FIXTURE]).out, got.out);

    let got = run(&["--format", "misp", FIXTURE]);
    assert_eq!(got.code, 0, "{}", got.err);
    let json: serde_json::Value = serde_json::from_str(&got.out)?;
    let attributes = json["Event"]["Attribute"].as_array().ok_or("attributes")?;
    let mut typed: Vec<(String, String)> = attributes
        .iter()
        .map(|a| {
            (
                a["type"].as_str().unwrap_or("").to_owned(),
                a["value"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    typed.sort();
    assert_eq!(
        typed,
        [
            ("domain".to_owned(), "aliexpress.us.com".to_owned()),
            ("ip-dst|port".to_owned(), "104.168.5.18|8823".to_owned()),
            ("ip-dst|port".to_owned(), "192.3.171.227|8823".to_owned()),
        ]
    );
    assert_eq!(json["Event"]["date"], "2026-05-11");
    Ok(())
}

/// The README's main command, run as written there, prints what the README
/// shows: its stderr lines, and its stdout excerpt chunk by chunk (`...`
/// lines mark what the README leaves out).
#[test]
fn readme_shows_the_main_commands_output() -> TestResult {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))?;
    let command =
        "cargo run --release --example hunt -- tests/fixtures/feeds/xworm_seed_api.json\n";
    assert!(readme.contains(command), "README main command");
    assert!(readme.contains("\ncargo test\n"), "README test command");

    // The command's argument is relative to the crate root, as the README runs it.
    let got = run(&[concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/feeds/xworm_seed_api.json"
    )]);
    assert_eq!(got.code, 0, "{}", got.err);

    let block = |fence: &str, after: &str| -> Result<String, String> {
        let start = readme.find(after).ok_or(format!("README: {after:?}"))? + after.len();
        let open = readme[start..].find(fence).ok_or("no block")? + start;
        let body = readme[open..].find('\n').ok_or("no block")? + open + 1;
        let close = readme[body..]
            .find(&format!("\n{}\n", fence.trim_end_matches("text")))
            .ok_or("unclosed block")?;
        Ok(readme[body..body + close + 1].to_owned())
    };
    let stderr = block("```text", "The first writes its progress to stderr:")?;
    let stderr = stderr.replace(
        "tests/fixtures/feeds/",
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/feeds/"),
    );
    assert_eq!(got.err, stderr);

    let stdout = block("````text", "the Markdown hunt pack to stdout")?;
    let mut rest = got.out.as_str();
    let mut chunks = 0;
    for chunk in stdout.split("...\n").filter(|c| !c.is_empty()) {
        let at = rest
            .find(chunk)
            .ok_or_else(|| format!("README excerpt not in the output, in order:\n{chunk}"))?;
        rest = &rest[at + chunk.len()..];
        chunks += 1;
    }
    assert_eq!(chunks, 3);
    assert!(got.out.starts_with("# ThreatFox: XWorm IOCs\n"));
    assert!(readme.contains(&format!("({} lines;", got.out.lines().count() / 100 * 100)));
    Ok(())
}

#[test]
fn an_indicator_too_long_for_a_rule_is_named_and_the_rest_is_written() -> TestResult {
    let (got, dir, out) = run_deploy_on_list(
        "long",
        &format!("http://e.com/{}\nevil[.]com\n", "p".repeat(50_000)),
        "sentinel-yaml",
        "rules",
    )?;
    assert_eq!(got.code, 0, "{}", got.err);
    let line = got
        .err
        .lines()
        .find(|l| l.starts_with("not in the sentinel-yaml output: hxxp://e[.]com/ppp"))
        .ok_or_else(|| format!("no left-out line in {}", got.err))?;
    assert!(
        line.contains("... (50015 characters): left out of the "),
        "{line}"
    );
    assert!(line.len() < 2_000, "the value is cut in the message");
    assert!(!names(&out)?.is_empty(), "the domain still gets its rules");

    // Just over the budget in one table, within it in the others.
    let (got, partial_dir, partial_out) = run_deploy_on_list(
        "partial",
        &format!("http://evil.example.com/{}\n", "a".repeat(9_100)),
        "sentinel-yaml",
        "rules",
    )?;
    assert_eq!(got.code, 0, "{}", got.err);
    let partial: Vec<&str> = got
        .err
        .lines()
        .filter(|l| l.contains(" the sentinel-yaml output: "))
        .collect();
    assert_eq!(partial.len(), 1, "{}", got.err);
    assert!(
        partial[0]
            .starts_with("partly in the sentinel-yaml output: hxxp://evil[.]example[.]com/aaa"),
        "{}",
        partial[0]
    );
    assert!(partial[0].contains(": left out of the DeviceFileEvents query: "));
    assert_eq!(names(&partial_out)?.len(), 6);
    std::fs::remove_dir_all(&dir)?;
    std::fs::remove_dir_all(&partial_dir)?;
    Ok(())
}

#[test]
fn a_dash_reads_the_feed_from_standard_input() -> TestResult {
    let feed = std::fs::read(FIXTURE)?;
    let args: Vec<String> = ["-"].iter().map(|s| (*s).to_owned()).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = hunt::run(&args, &mut &feed[..], &mut out, &mut err);
    let err = String::from_utf8(err)?;
    assert_eq!(code, 0, "{err}");
    assert_eq!(String::from_utf8(out)?, std::fs::read_to_string(GOLDEN)?);
    assert!(err.starts_with(
        "stdin: threatfox api response, 3 records: 3 accepted, 0 merged, 0 rejected\n"
    ));

    let got = run(&["-", "-"]);
    assert_eq!(got.code, 2);
    assert!(
        got.err
            .starts_with("hunt: standard input (-) can be read only once\n")
    );
    let got = run(&["-x", FIXTURE]);
    assert_eq!(got.code, 2);
    assert!(
        got.err.starts_with("hunt: unknown option \"-x\"\n"),
        "{}",
        got.err
    );
    Ok(())
}

#[test]
fn an_indicator_too_long_for_a_watchlist_row_is_named_and_left_out() -> TestResult {
    let (got, dir, out) = run_deploy_on_list(
        "watchlist-long",
        &format!("http://e.com/{}\n1.2.3.4:80\n", "p".repeat(20_000)),
        "watchlist",
        "pack",
    )?;
    assert_eq!(got.code, 0, "{}", got.err);
    assert!(
        got.err
            .contains("... (20015 characters): its row is 20025 characters, over 10240\n"),
        "{}",
        got.err
    );
    let network = std::fs::read_to_string(out.join("iochunt_network.csv"))?;
    assert!(network.contains("1.2.3.4:80"), "{network}");
    assert!(!out.join("iochunt_url.csv").exists());
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

#[test]
fn a_hunt_split_into_parts_writes_one_file_per_part() -> TestResult {
    let domains: String = (0..10_050)
        .map(|i| format!("c2-{i}.evil-example.com\n"))
        .collect();
    let (got, dir, out) = run_deploy_on_list("parts", &domains, "watchlist", "pack")?;
    assert_eq!(got.code, 0, "{}", got.err);
    let written = names(&out)?;
    let dns: Vec<&String> = written
        .iter()
        .filter(|n| n.starts_with("DnsEvents-"))
        .collect();
    assert_eq!(
        dns,
        ["DnsEvents-domain-part1.kql", "DnsEvents-domain-part2.kql"]
    );
    let part2 = std::fs::read_to_string(out.join("DnsEvents-domain-part2.kql"))?;
    assert!(
        part2.contains("c2-9999.evil-example.com"),
        "the last values are in part 2"
    );
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
