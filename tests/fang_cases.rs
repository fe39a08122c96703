//! Case tables for `refang`: the shared reference table (when present) and our own.

use iochunt::fang::refang;

struct Case {
    id: String,
    input: String,
    expected: String,
    note: String,
}

fn read_table(text: &str) -> Vec<Case> {
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut f = l.splitn(4, '\t');
            let mut next = || f.next().unwrap_or("").to_string();
            Case {
                id: next(),
                input: next(),
                expected: next(),
                note: next(),
            }
        })
        .collect()
}

fn check(cases: &[Case]) -> Vec<String> {
    let mut failures = Vec::new();
    for c in cases {
        let got = refang(&c.input);
        if got != c.expected {
            failures.push(format!(
                "{} [{}]\n   input: {:?}\n    want: {:?}\n     got: {:?}",
                c.id, c.note, c.input, c.expected, got
            ));
            continue;
        }
        let again = refang(&got);
        if again != got {
            failures.push(format!("{} not idempotent: {:?} -> {:?}", c.id, got, again));
        }
        if c.input == c.expected && matches!(got, std::borrow::Cow::Owned(_)) {
            failures.push(format!("{} allocated for unchanged text", c.id));
        }
    }
    failures
}

#[test]
fn shared_reference_cases() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/reference/fang-cases.tsv"
    );
    let Ok(text) = std::fs::read_to_string(path) else {
        eprintln!("skipped: ../shared absent ({path})");
        return;
    };
    let cases = read_table(&text);
    assert_eq!(cases.len(), 173, "shared table size");
    let failures = check(&cases);
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn own_cases() {
    let text = include_str!("fixtures/fang-cases.tsv");
    let cases = read_table(text);
    assert!(cases.len() >= 100, "own table has {} cases", cases.len());
    let failures = check(&cases);
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
