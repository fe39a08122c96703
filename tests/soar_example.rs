//! The `soar` example, run through its `run` function on alert texts.

#[allow(dead_code)]
#[path = "../examples/soar.rs"]
mod soar;

type TestResult = Result<(), Box<dyn std::error::Error>>;

struct Outcome {
    code: i32,
    out: String,
    err: String,
}

fn run(args: &[&str], alert: &[u8]) -> Outcome {
    let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = soar::run(&args, &mut &alert[..], &mut out, &mut err);
    Outcome {
        code,
        out: String::from_utf8_lossy(&out).into_owned(),
        err: String::from_utf8_lossy(&err).into_owned(),
    }
}

const ALERT: &str = "XWorm alert: beacon from WS-0042 to 192[.]3[.]171[.]227:8823 and \
104.168.5[.]18:8823\nDNS lookup of aliexpress[.]us[.]com from 10.0.0.5, again 192.3.171.227:8823\n";

#[test]
fn an_alert_gives_its_indicators_and_a_hunt_pack() -> TestResult {
    let got = run(&[], ALERT.as_bytes());
    assert_eq!(got.code, 0, "{}", got.err);
    assert_eq!(
        got.err,
        "soar: 5 indicators found (4 distinct): 3 kept, 1 excluded; 28 queries for sentinel\n"
    );
    let json: serde_json::Value = serde_json::from_str(&got.out)?;

    let extracted = json["extracted"].as_array().ok_or("extracted")?;
    let rows: Vec<(&str, &str, bool)> = extracted
        .iter()
        .map(|m| {
            (
                m["kind"].as_str().unwrap_or(""),
                m["ioc"].as_str().unwrap_or(""),
                m["defanged"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("ip_port", "192.3.171.227:8823", true),
            ("ip_port", "104.168.5.18:8823", true),
            ("domain", "aliexpress.us.com", true),
            ("ipv4", "10.0.0.5", false),
            ("ip_port", "192.3.171.227:8823", false),
        ]
    );
    // Spans point at the text as written.
    for m in extracted {
        let start = m["span"][0].as_u64().ok_or("start")? as usize;
        let end = m["span"][1].as_u64().ok_or("end")? as usize;
        assert_eq!(Some(&ALERT[start..end]), m["as_written"].as_str());
    }

    let report = &json["report"];
    assert_eq!(report["summary"]["total"], 3);
    assert_eq!(report["excluded"][0]["rule"], "special_range");
    assert_eq!(
        report["excluded"][0]["reason"],
        "10.0.0.5 is in the private range 10.0.0.0/8"
    );
    assert_eq!(report["indicators"][0]["sources"][0]["feed"], "alert text");
    assert_eq!(report["title"], "alert text IOCs");
    let queries = report["queries"].as_array().ok_or("queries")?;
    assert_eq!(queries.len(), 28);
    let dne = queries
        .iter()
        .find(|q| q["table"] == "DeviceNetworkEvents" && q["group"] == "network")
        .ok_or("a DeviceNetworkEvents hunt")?;
    let text = dne["text"].as_str().ok_or("text")?;
    assert!(
        text.contains(
            r#"let ioc_endpoints = dynamic(["104.168.5.18:8823", "192.3.171.227:8823"]);"#
        )
    );
    assert!(!text.contains("10.0.0.5"));
    Ok(())
}

#[test]
fn options_reach_the_plan() -> TestResult {
    let got = run(&["--platform", "defender", "--window=2w"], ALERT.as_bytes());
    assert_eq!(got.code, 0, "{}", got.err);
    let json: serde_json::Value = serde_json::from_str(&got.out)?;
    assert_eq!(json["report"]["platform"], "defender");
    assert_eq!(json["report"]["window_days"], 14);
    let text = json["report"]["queries"][0]["text"]
        .as_str()
        .ok_or("text")?;
    assert!(text.contains("| where Timestamp > ago(14d)"), "{text}");
    Ok(())
}

#[test]
fn an_alert_without_indicators_gives_an_empty_pack() -> TestResult {
    let got = run(
        &[],
        b"Disk usage on HTTP/1.1 frontend above 90%, e.g. /var/log.\n",
    );
    assert_eq!(got.code, 0, "{}", got.err);
    let json: serde_json::Value = serde_json::from_str(&got.out)?;
    assert_eq!(json["extracted"].as_array().map(Vec::len), Some(0));
    assert_eq!(json["report"]["queries"].as_array().map(Vec::len), Some(0));
    Ok(())
}

#[test]
fn bad_input_and_arguments_exit_2() {
    let got = run(&[], b"evil[.]com \xff\xfe");
    assert_eq!(got.code, 2);
    assert_eq!(
        got.err,
        "soar: the alert is not UTF-8: invalid byte at offset 11\n"
    );
    assert!(got.out.is_empty());

    for (args, message) in [
        (
            &["alert.txt"][..],
            "soar: unknown argument \"alert.txt\" (the alert is read from stdin)",
        ),
        (
            &["--window", "+14d"][..],
            "soar: invalid --window: window \"+14d\": expected a number of days or weeks such as 14d or 2w",
        ),
        (&["--platform"][..], "soar: option --platform needs a value"),
    ] {
        let got = run(args, ALERT.as_bytes());
        assert_eq!(got.code, 2, "{args:?}");
        assert!(got.err.starts_with(message), "{args:?}: {}", got.err);
        assert!(got.out.is_empty());
    }
    let help = run(&["--help"], b"");
    assert_eq!(help.code, 0);
    assert!(help.out.starts_with("usage: soar"));
}
