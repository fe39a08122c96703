//! Property tests: rendering is safe and `parse(render(ast)) == ast`.

mod kql_support;

use iochunt::kql::{Comment, Dynamic, Literal, Query, col, lit};
use kql_support::{arb_query, hostile_queries, hostile_string, string_literals};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, max_shrink_iters: 4096, ..ProptestConfig::default() })]

    #[test]
    fn compact_rendering_parses_back(q in arb_query()) {
        let text = q.to_string();
        let parsed = Query::parse(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(parsed, q);
    }

    #[test]
    fn pretty_rendering_parses_back(q in arb_query()) {
        let text = format!("{q:#}");
        let parsed = Query::parse(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(parsed, q);
    }

    #[test]
    fn rendering_has_no_raw_control_characters(q in arb_query()) {
        let compact = q.to_string();
        let comments = q.statements.iter().filter(|s| matches!(s, iochunt::kql::Statement::Comment(_))).count();
        // In one-line form the only line breaks are the ends of comment lines.
        prop_assert_eq!(compact.matches('\n').count(), comments);
        for text in [compact, format!("{q:#}")] {
            prop_assert!(
                !text.chars().any(|c| (c.is_control() && c != '\n' && c != '\t')
                    || c == '\u{2028}' || c == '\u{2029}'),
                "{:?}", text
            );
        }
    }

    #[test]
    fn hostile_string_literal_reads_back_unchanged(s in hostile_string()) {
        let q = Query::table("T").where_(col("c").equals(s.as_str()));
        let text = q.to_string();
        let parsed = Query::parse(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(string_literals(&parsed), vec![s.clone()]);
        // The literal is one token: the query still has exactly one operator.
        prop_assert_eq!(parsed.body.ops.len(), 1);
        let lit_text = Literal::String(s).to_string();
        prop_assert!(lit_text.starts_with('"') && lit_text.ends_with('"'));
    }

    #[test]
    fn long_lists_render_like_their_elements(values in proptest::collection::vec(hostile_string(), 33..80)) {
        // Long lists take a buffered path; the text must be the same as
        // rendering each literal on its own.
        let each: Vec<String> = values.iter().map(|v| Literal::String(v.clone()).to_string()).collect();
        let list = each.join(", ");
        let inline = Query::table("T").where_(col("c").in_(values.iter()));
        prop_assert_eq!(inline.to_string(), format!("T | where c in ({list})"));
        let dynamic = Query::table("T").where_(col("c").in_([lit(Dynamic::strings(values.iter()))]));
        prop_assert_eq!(dynamic.to_string(), format!("T | where c in (dynamic([{list}]))"));
        prop_assert_eq!(Query::parse(&inline.to_string()).map_err(|e| TestCaseError::fail(e.to_string()))?, inline);
        prop_assert_eq!(Query::parse(&dynamic.to_string()).map_err(|e| TestCaseError::fail(e.to_string()))?, dynamic);
    }

    #[test]
    fn comments_never_contain_line_breaks(s in hostile_string()) {
        match Comment::new(s.as_str()) {
            Ok(c) => {
                prop_assert!(!s.contains(['\n', '\r', '\u{2028}', '\u{2029}', '\u{85}']), "accepted {:?}", s);
                let q = Query::table("T").comment(c.clone()).take(1);
                let parsed = Query::parse(&q.to_string()).map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(parsed, q);
            }
            Err(_) => prop_assert!(
                s.chars().any(|c| (c.is_control() && c != '\t') || c == '\u{2028}' || c == '\u{2029}'),
                "rejected {:?}", s
            ),
        }
    }
}

#[test]
fn hostile_queries_are_deterministic_and_round_trip() -> Result<(), Box<dyn std::error::Error>> {
    let a = hostile_queries(7, 200);
    let b = hostile_queries(7, 200);
    assert_eq!(a.len(), 200);
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.query, y.query);
        let text = format!("{:#}", x.query);
        let parsed = Query::parse(&text)?;
        assert_eq!(parsed, x.query);
        assert_eq!(string_literals(&parsed), x.literals);
        x.query.validate()?;
    }
    assert_ne!(a[0].query, hostile_queries(8, 1)[0].query);
    // The generator does produce the dangerous characters.
    let all: String = a
        .iter()
        .flat_map(|h| h.literals.iter().map(String::as_str))
        .collect();
    for c in ['"', '\\', '\n', '\0', '\u{2028}', '|'] {
        assert!(all.contains(c), "no {c:?} in 200 queries");
    }
    Ok(())
}

#[test]
fn literal_with_every_hostile_fragment_round_trips() -> Result<(), Box<dyn std::error::Error>> {
    let s: String = kql_support::HOSTILE_FRAGMENTS.concat()
        + &kql_support::HOSTILE_CHARS.iter().collect::<String>();
    let q = Query::table("T").where_(col("c").has_any([lit(s.as_str()), lit("x")]));
    assert_eq!(Query::parse(&q.to_string())?, q);
    Ok(())
}

#[test]
fn buffered_lists_handle_literals_longer_than_the_buffer() -> Result<(), Box<dyn std::error::Error>>
{
    let big = "x\"".repeat(20_000);
    let mut values: Vec<String> = (0..40).map(|i| format!("v{i}")).collect();
    values[3] = big.clone();
    values[30] = "é".repeat(10_000);
    let q = Query::table("T").where_(col("c").has_any([lit(Dynamic::strings(values.iter()))]));
    let text = q.to_string();
    assert!(text.contains(&"x\\\"".repeat(20_000)));
    assert_eq!(Query::parse(&text)?, q);
    let q = Query::table("T").where_(col("c").in_(values.iter()));
    assert_eq!(Query::parse(&q.to_string())?, q);
    Ok(())
}

/// Checks that `values` render as an `in (...)` list and a `dynamic` array
/// exactly like each literal rendered alone; returns that joined text.
fn assert_lists_render_like_one_by_one(values: &[String]) -> String {
    let one_by_one: Vec<String> = values.iter().map(|v| lit(v.as_str()).to_string()).collect();
    let joined = one_by_one.join(", ");
    let q = Query::table("T").where_(col("c").in_(values.iter()));
    assert_eq!(q.to_string(), format!("T | where c in ({joined})"));
    let d = Literal::Dynamic(Dynamic::strings(values.iter()));
    assert_eq!(d.to_string(), format!("dynamic([{joined}])"));
    joined
}

#[test]
fn buffered_lists_render_like_their_literals_one_by_one() {
    // Literals of many lengths and contents, so that buffer hand-offs fall
    // inside, before and after escapes and long literals.
    let pieces = kql_support::HOSTILE_FRAGMENTS
        .iter()
        .copied()
        .chain(["", "10.0.0.1", "é", "\u{85}"]);
    let values: Vec<String> = pieces
        .cycle()
        .take(3_000)
        .enumerate()
        .map(|(i, p)| format!("{}{p}{}", "a".repeat(i % 97), "\\".repeat(i % 5)))
        .chain(std::iter::once("z".repeat(5_000)))
        .collect();
    assert_lists_render_like_one_by_one(&values);
}

#[test]
fn buffered_lists_copy_plain_literals_of_every_length() {
    // Plain indicator text takes the buffered copy path; every length from
    // empty to past the buffer's size, at every offset within it.
    let alphabet = b"0123456789abcdef.-:/_[]=?ABC";
    let values: Vec<String> = (0..1_100)
        .map(|len| {
            (0..len)
                .map(|i| char::from(alphabet[(len * 7 + i) % alphabet.len()]))
                .collect()
        })
        .collect();
    let joined = assert_lists_render_like_one_by_one(&values);
    // A known rendering, not only agreement with the one-by-one path.
    assert!(
        joined.starts_with(r#""", "7", "ef", "[]=", "#),
        "{}",
        &joined[..40]
    );
}
