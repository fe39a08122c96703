//! Runs the generated hunts over labelled synthetic Sentinel and Defender
//! rows (`../shared/data/logs-synthetic`) with the offline KQL engine in
//! `../shared/tools/kqlexec`, and checks that each query returns every row it
//! must, marks IP-only rows as such, and returns no look-alike and no row
//! older than its window.
//!
//! Needs `../shared` and a Python environment with kqlexec's requirements:
//! `python3 -m venv target/kqlexec-venv && target/kqlexec-venv/bin/pip install
//! -r ../shared/tools/kqlexec/requirements.txt` (`.ci/run` does this). Set
//! `KQLEXEC_REQUIRED=1` to fail instead of skipping when either is missing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use iochunt::hunt::{Catalog, HuntOptions, HuntPlan, HuntQuery, IocGroup, Platform};
use iochunt::{Indicator, Ioc};
use serde_json::Value;

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared")
}

fn required() -> bool {
    std::env::var("KQLEXEC_REQUIRED").is_ok_and(|v| v == "1")
}

/// The Python interpreter with kqlexec's requirements, or why there is none.
fn python() -> Result<PathBuf, String> {
    if let Ok(p) = std::env::var("KQLEXEC_PYTHON") {
        return Ok(PathBuf::from(p));
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/kqlexec-venv/bin/python");
    if venv.exists() {
        Ok(venv)
    } else {
        Err(format!("no kqlexec environment at {}", venv.display()))
    }
}

fn setup(data: PathBuf) -> Option<(PathBuf, PathBuf)> {
    if !data.join("expected.json").exists() {
        assert!(
            !required(),
            "KQLEXEC_REQUIRED=1 but {} is absent",
            data.display()
        );
        eprintln!("skipped: ../shared/data/logs-synthetic is absent");
        return None;
    }
    match python() {
        Ok(py) => Some((py, data)),
        Err(why) => {
            assert!(!required(), "KQLEXEC_REQUIRED=1 but {why}");
            eprintln!("skipped: {why}");
            None
        }
    }
}

/// Runs one query, returning the result rows.
fn run(py: &Path, data: &Path, platform: Platform, query: &str) -> Vec<Value> {
    let out = Command::new(py)
        .arg(shared().join("tools/kqlexec/run.py"))
        .arg("--tables")
        .arg(data)
        .args(if platform == Platform::Defender {
            vec!["--platform", "defender"]
        } else {
            vec![]
        })
        .arg("-q")
        .arg(query)
        .output()
        .expect("kqlexec runs");
    assert!(
        out.status.success(),
        "kqlexec failed ({}) on\n{query}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("a JSON row"))
        .collect()
}

/// Maps each row's time (in `column`) to its `TestRowId`.
fn row_ids_by_time(data: &Path, table: &str, column: &str) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(data.join(format!("{table}.jsonl"))).expect("table file");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let row: Value = serde_json::from_str(l).expect("row");
            (
                normalize_time(row[column].as_str().expect("time")),
                row["TestRowId"].as_str().expect("id").to_owned(),
            )
        })
        .collect()
}

fn normalize_time(t: &str) -> String {
    let ts: jiff::Timestamp = t
        .replace(' ', "T")
        .trim_end_matches("+00:00")
        .trim_end_matches('Z')
        .to_owned()
        .add_z()
        .parse()
        .unwrap_or_else(|e| panic!("time {t:?}: {e}"));
    ts.to_string()
}

trait AddZ {
    fn add_z(self) -> String;
}
impl AddZ for String {
    fn add_z(self) -> String {
        format!("{self}Z")
    }
}

fn ids(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Plans the seed's hunt for `platform` and checks every query against the
/// labelled rows of the tables in `data`.
fn check_platform(platform: Platform, data: PathBuf) {
    let Some((py, data)) = setup(data) else {
        return;
    };
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(data.join("expected.json")).expect("expected.json"),
    )
    .expect("expected.json parses");
    let iocs: Vec<(String, Ioc)> = expected["iocs"]
        .as_object()
        .expect("iocs")
        .iter()
        .map(|(letter, v)| {
            let v = v.as_str().expect("ioc text");
            (
                letter.clone(),
                Ioc::parse(v).unwrap_or_else(|e| panic!("{v}: {e}")),
            )
        })
        .collect();
    let indicators: Vec<Indicator> = iocs
        .iter()
        .map(|(_, ioc)| Indicator::new(ioc.clone()))
        .collect();
    let options = HuntOptions::new(platform).with_window_days(30);
    let plan = HuntPlan::build(&indicators, Catalog::builtin(), &options).expect("plan");
    let time = platform.time_column();
    let mut checked = 0;
    for (table, spec) in expected["tables"].as_object().expect("tables") {
        let queries: Vec<&HuntQuery> = plan.queries.iter().filter(|q| &q.table == table).collect();
        if queries.is_empty() {
            let listed = Catalog::builtin().table(table).expect("a catalog table");
            assert!(
                !listed.platforms.contains(&platform),
                "no {platform} hunt for {table}"
            );
            continue;
        }
        let text_is_hunted = spec["text_is_hunted"].as_bool().unwrap_or(false);
        let by_time = row_ids_by_time(&data, table, time);
        let old = ids(&spec["older_than_30d"]);
        // A row whose two time columns straddle the window is inside it for
        // TimeGenerated and outside it for Timestamp.
        let boundary: BTreeSet<String> = spec["boundary"]
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        for query in queries {
            let letters: Vec<&str> = iocs
                .iter()
                .filter(|(_, ioc)| IocGroup::of(ioc) == query.group)
                .map(|(l, _)| l.as_str())
                .collect();
            let mut must = BTreeSet::new();
            let mut ip_only = BTreeSet::new();
            let mut text = BTreeSet::new();
            let mut not = BTreeSet::new();
            for l in &letters {
                let e = &spec["by_ioc"][*l];
                if e.is_null() {
                    continue;
                }
                must.extend(ids(&e["must_30d"]));
                ip_only.extend(ids(&e["ip"]));
                text.extend(ids(&e["text"]));
                not.extend(ids(&e["not"]));
            }
            if platform == Platform::Defender {
                for b in &boundary {
                    must.remove(b);
                    not.insert(b.clone());
                }
            }
            let rows = run(&py, &data, platform, &query.text);
            let mut got: BTreeMap<String, String> = BTreeMap::new();
            for row in &rows {
                let t = normalize_time(row[time].as_str().expect("time column projected"));
                let id = by_time
                    .get(&t)
                    .unwrap_or_else(|| panic!("{table}: no row at {t}"))
                    .clone();
                let tier = row["MatchTier"].as_str().unwrap_or("exact").to_owned();
                got.insert(id, tier);
            }
            let context = format!(
                "{platform} {table} {} query:\n{}\nreturned {got:?}",
                query.group, query.text
            );
            for id in &must {
                assert_eq!(
                    got.get(id).map(String::as_str),
                    Some("exact"),
                    "must row {id} missing or not exact\n{context}"
                );
            }
            for id in &ip_only {
                assert_eq!(
                    got.get(id).map(String::as_str),
                    Some("ip_only"),
                    "ip row {id} not marked ip_only\n{context}"
                );
            }
            for id in not.iter().chain(old.iter()) {
                assert!(!got.contains_key(id), "row {id} must not match\n{context}");
            }
            if text_is_hunted {
                for id in &text {
                    assert_eq!(
                        got.get(id).map(String::as_str),
                        Some("text"),
                        "text row {id} not found as text\n{context}"
                    );
                }
            }
            for (id, tier) in &got {
                let known = must.contains(id)
                    || ip_only.contains(id)
                    || (text.contains(id) && tier == "text");
                assert!(known, "unexpected row {id} ({tier})\n{context}");
            }
            checked += 1;
        }
    }
    assert!(checked >= 2, "{platform}: only {checked} queries checked");
    eprintln!("{platform}: {checked} generated queries returned exactly their labelled rows");
}

fn shared_rows() -> PathBuf {
    shared().join("data/logs-synthetic")
}

/// Our own labelled rows, for the column roles the shared rows lack.
fn own_rows() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/logs")
}

#[test]
fn sentinel_hunts_return_exactly_the_labelled_rows() {
    check_platform(Platform::Sentinel, shared_rows());
}

#[test]
fn defender_hunts_return_exactly_the_labelled_rows() {
    check_platform(Platform::Defender, shared_rows());
}

#[test]
fn url_hash_email_and_cidr_hunts_return_exactly_the_labelled_rows() {
    check_platform(
        Platform::Sentinel,
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/logs-more"),
    );
}

#[test]
fn text_address_and_trailing_dot_columns_return_exactly_the_labelled_rows() {
    check_platform(Platform::Sentinel, own_rows());
}
