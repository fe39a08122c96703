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
