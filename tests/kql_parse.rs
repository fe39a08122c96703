//! Hand-written parser cases: accepted input forms, their canonical
//! rendering, tree shapes, and error positions.

mod kql_support;

use iochunt::kql::{
    BinaryOp, Expr, ListOp, Literal, MAX_NESTING, Operator, ParseErrorKind, Query, Statement, col,
    lit,
};
use kql_support::{arb_query, hostile_string};
use pretty_assertions::assert_eq;
use proptest::prelude::*;

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

/// (input, canonical one-line rendering)
const CANONICAL: &[(&str, &str)] = &[
    ("T", "T"),
    ("T | filter a == 'x'", r#"T | where a == "x""#),
    ("T | limit 5", "T | take 5"),
    ("T | where t > ago(1hr)", "T | where t > ago(1h)"),
    (
        "T | where t > ago(2days) and t < ago(30min)",
        "T | where t > ago(2d) and t < ago(30m)",
    ),
    (
        r#"T | where p == @"C:\Windows\""#,
        r#"T | where p == "C:\\Windows\\""#,
    ),
    (r#"T | where p == @'it''s'"#, r#"T | where p == "it's""#),
    (r#"T | where p == "a" 'b' @"c""#, r#"T | where p == "abc""#),
    (r#"T | where p == h"secret""#, r#"T | where p == "secret""#),
    ("T | where p == ```a\nb```", r#"T | where p == "a\nb""#),
    (
        r#"T | where p == "\x41\101\u00e9\U0001F600\a""#,
        "T | where p == \"AAé😀\\u0007\"",
    ),
    (
        "T | where x == long(5) or y == double(1.5)",
        "T | where x == 5 or y == 1.5",
    ),
    ("T | where x == int(-7)", "T | where x == int(-7)"),
    (
        "T | where d > datetime(2024-01-02)",
        "T | where d > datetime(2024-01-02T00:00:00Z)",
    ),
    (
        "T | where d > datetime(2024-01-02 03:04:05.5)",
        "T | where d > datetime(2024-01-02T03:04:05.5Z)",
    ),
    (
        "T | where d == datetime(null) or g == guid(null)",
        "T | where d == datetime(null) or g == guid(null)",
    ),
    (
        "T | where g == guid(A1B2C3D4-0000-0000-0000-00000000000F)",
        "T | where g == guid(a1b2c3d4-0000-0000-0000-00000000000f)",
    ),
    (
        "T | where r == real(nan) or r == real(-inf) or r == real(+inf)",
        "T | where r == real(nan) or r == real(-inf) or r == real(+inf)",
    ),
    (
        "T | where x in~ ('A','B') and y !in~ (\"c\")",
        r#"T | where x in~ ("A", "B") and y !in~ ("c")"#,
    ),
    (
        "T | where x !in (1, 2) and y !has 'z' and z !contains_cs 'q'",
        r#"T | where x !in (1, 2) and y !has "z" and z !contains_cs "q""#,
    ),
    (
        "T | where x matches regex @'\\d+'",
        r#"T | where x matches regex "\\d+""#,
    ),
    (
        "T | where x between(1..10) and y !between (2 .. 3)",
        "T | where x between (1 .. 10) and y !between (2 .. 3)",
    ),
    ("T|where not(isempty(x))", "T | where not(isempty(x))"),
    (
        "T | project-away a, ['b c'] | project-rename n = o",
        "T | project-away a, ['b c'] | project-rename n = o",
    ),
    (
        "T | extend Total = a + b * c, d",
        "T | extend Total = a + b * c, d",
    ),
    (
        "T | summarize Count = count(), make_set(x) by bin(t, 1h), Host",
        "T | summarize Count = count(), make_set(x) by bin(t, 1h), Host",
    ),
    ("T | summarize by Host", "T | summarize by Host"),
    (
        "T | sort by a asc nulls first, b",
        "T | sort by a asc nulls first, b",
    ),
    (
        "T | top 5 by x desc nulls last",
        "T | top 5 by x desc nulls last",
    ),
    ("T | distinct *", "T | distinct *"),
    ("T | distinct a, b", "T | distinct a, b"),
    (
        "T | join kind=leftouter (U | where x) on $left.a == $right.b, c",
        "T | join kind=leftouter (U | where x) on $left.a == $right.b, c",
    ),
    ("T | join U on a", "T | join U on a"),
    (
        "T | lookup kind=inner U on a",
        "T | lookup kind=inner U on a",
    ),
    ("T | mv-expand x limit 5", "T | mv-expand x limit 5"),
    (
        "union withsource=S isfuzzy=true A, (B | take 1)",
        "union withsource=S isfuzzy=true A, (B | take 1)",
    ),
    (
        "datatable(a:string, b:long)['x', 1, \"y\", -2]",
        r#"datatable(a:string, b:long) ["x", 1, "y", -2]"#,
    ),
    (
        "print_me | where x == dynamic({'k': [1, 2.5, -3, null, true, 'v', datetime(2024-01-01T00:00:00Z), 1d]})",
        r#"print_me | where x == dynamic({"k": [1, 2.5, -3, null, true, "v", datetime(2024-01-01T00:00:00Z), 1d]})"#,
    ),
    (
        "T | where ['where'] == 1 and ['a\\'b'] == 2",
        r"T | where ['where'] == 1 and ['a\'b'] == 2",
    ),
    (
        "let x = 1;\nlet t = T | take 1;\nt | where y == x;",
        "let x = 1; let t = T | take 1; t | where y == x",
    ),
    (
        "T // trailing comment\n| // inner\n where a == 1 // end",
        "T | where a == 1",
    ),
];

#[test]
fn accepted_forms_render_canonically() -> Result {
    for (input, expected) in CANONICAL {
        let q = Query::parse(input).map_err(|e| format!("{input:?}: {e}"))?;
        assert_eq!(q.to_string(), *expected, "input {input:?}");
        // The canonical text is a fixed point.
        assert_eq!(Query::parse(expected)?, q, "canonical {expected:?}");
    }
    Ok(())
}

#[test]
fn precedence_builds_the_expected_tree() -> Result {
    let q = Query::parse("T | where a or b and c == 1 + 2 * 3")?;
    let expected = col("a").or(col("b").and(col("c").equals(lit(1_i64) + lit(2_i64) * lit(3_i64))));
    assert_eq!(q.body.ops, vec![Operator::Where(expected)]);

    let q = Query::parse("T | where (a or b) and c")?;
    let Operator::Where(Expr::Binary { left, op, .. }) = &q.body.ops[0] else {
        return Err("not a binary where".into());
    };
    assert_eq!(*op, BinaryOp::And);
    assert!(matches!(**left, Expr::Paren(_)));

    let q = Query::parse("T | where a - b - c")?;
    assert_eq!(
        q.body.ops,
        vec![Operator::Where((col("a") - col("b")) - col("c"))]
    );
    Ok(())
}

#[test]
fn leading_comments_are_kept_others_dropped() -> Result {
    let q = Query::parse("// one\n//two\nlet a = 1; // three\nT // four\n| take 1")?;
    let texts: Vec<String> = q
        .statements
        .iter()
        .filter_map(|s| match s {
            Statement::Comment(c) => Some(c.as_str().to_owned()),
            _ => None,
        })
        .collect();
    assert_eq!(texts, ["one", "two", "three"]);
    assert_eq!(
        format!("{q:#}"),
        "// one\n// two\nlet a = 1;\n// three\nT\n| take 1"
    );
    Ok(())
}

#[test]
fn list_operators_parse_to_list_nodes() -> Result {
    for (text, op) in [
        ("in", ListOp::In),
        ("!in", ListOp::NotIn),
        ("in~", ListOp::InCi),
        ("!in~", ListOp::NotInCi),
        ("has_any", ListOp::HasAny),
        ("has_all", ListOp::HasAll),
    ] {
        let q = Query::parse(&format!("T | where x {text} ('a', b)"))?;
        assert_eq!(
            q.body.ops,
            vec![Operator::Where(col("x").list(op, [lit("a"), col("b")]))],
            "{text}"
        );
    }
    Ok(())
}

#[test]
fn empty_value_list_parses_so_validate_can_report_it() -> Result {
    let q = Query::parse("T | where x in ()")?;
    assert!(q.validate().is_err());
    Ok(())
}

#[test]
fn literal_kinds() -> Result {
    let q =
        Query::parse("T | where a == 1 and b == 1.0 and c == 1e3 and d == int(1) and e == true")?;
    let mut lits = Vec::new();
    fn walk(e: &Expr, out: &mut Vec<Literal>) {
        match e {
            Expr::Binary { left, right, .. } => {
                walk(left, out);
                walk(right, out);
            }
            Expr::Literal(l) => out.push(l.clone()),
            _ => {}
        }
    }
    if let Operator::Where(e) = &q.body.ops[0] {
        walk(e, &mut lits);
    }
    assert_eq!(
        lits,
        [
            Literal::Long(1),
            Literal::Real(1.0),
            Literal::Real(1000.0),
            Literal::Int(1),
            Literal::Bool(true)
        ]
    );
    Ok(())
}

/// (input, byte position, kind)
fn error_cases() -> Vec<(&'static str, usize, ParseErrorKind)> {
    let unexpected = |expected: &'static str, found: &str| ParseErrorKind::Unexpected {
        expected,
        found: found.to_owned(),
    };
    vec![
        (
            "T | where a == \"open",
            15,
            ParseErrorKind::UnterminatedString,
        ),
        (
            "T | where a == 'x\ny'",
            17,
            ParseErrorKind::LineBreakInString,
        ),
        (
            r#"T | where a == "C:\Windows""#,
            18,
            ParseErrorKind::InvalidEscape(r"\W".into()),
        ),
        (
            r#"T | where a == "a\/b""#,
            17,
            ParseErrorKind::InvalidEscape(r"\/".into()),
        ),
        ("T | where", 9, unexpected("expression", "end of input")),
        ("T | frobnicate x", 4, unexpected("operator", "frobnicate")),
        ("T |", 3, unexpected("operator", "end of input")),
        ("T | where a = 1", 12, unexpected("end of input", "=")),
        ("T | take -1", 9, unexpected("row count", "-")),
        (
            "T | take 99999999999999999999",
            9,
            ParseErrorKind::InvalidNumber("99999999999999999999".into()),
        ),
        (
            "T | where a == 99999999999999999999",
            15,
            ParseErrorKind::InvalidNumber("99999999999999999999".into()),
        ),
        (
            "T | where a > ago(5parsecs)",
            18,
            ParseErrorKind::InvalidTimespan("5parsecs".into()),
        ),
        (
            "T | where d > datetime(yesterday)",
            23,
            ParseErrorKind::InvalidDatetime("yesterday".into()),
        ),
        (
            "T | where g == guid(123)",
            20,
            ParseErrorKind::InvalidGuid("123".into()),
        ),
        (
            "T | where x == int(3000000000)",
            19,
            ParseErrorKind::InvalidNumber("3000000000".into()),
        ),
        ("T | where x # 1", 12, ParseErrorKind::UnexpectedChar('#')),
        ("let x = 1 T", 10, unexpected(";", "T")),
        (
            "T | where x == 1 | ",
            19,
            unexpected("operator", "end of input"),
        ),
        (
            "//\u{0}\nT",
            0,
            ParseErrorKind::InvalidComment("\u{0}".into()),
        ),
        ("T | where é == 1", 10, ParseErrorKind::UnexpectedChar('é')),
    ]
}

#[test]
fn errors_carry_kind_and_byte_position() {
    for (input, position, kind) in error_cases() {
        match Query::parse(input) {
            Ok(q) => panic!("{input:?} parsed as {q:?}"),
            Err(e) => {
                assert_eq!(
                    (e.position(), e.kind()),
                    (position, &kind),
                    "input {input:?}: {e}"
                );
            }
        }
    }
}

#[test]
fn error_messages_are_lower_case_and_quote_the_input() {
    let e = Query::parse("T | frobnicate x").err();
    assert_eq!(
        e.map(|e| e.to_string()),
        Some(r#"expected operator, found "frobnicate" at byte 4"#.to_owned())
    );
    let e = Query::parse(r#"T | where a == "\q""#).err();
    assert_eq!(
        e.map(|e| e.to_string()),
        Some(r#"invalid escape sequence "\\q" at byte 16"#.to_owned())
    );
}

#[test]
fn from_str_and_try_from_match_parse() -> Result {
    let text = "T | take 1";
    let a: Query = text.parse()?;
    let b = Query::try_from(text)?;
    assert_eq!(a, Query::parse(text)?);
    assert_eq!(b, a);
    Ok(())
}

#[test]
fn nesting_is_limited_instead_of_overflowing_the_stack() -> Result {
    let nest = |n: usize| format!("T | where {}x{}", "(".repeat(n), ")".repeat(n));
    // `where` itself counts one level, the body tabular another.
    assert!(Query::parse(&nest(MAX_NESTING - 2)).is_ok());
    let e = Query::parse(&nest(100_000)).err();
    assert_eq!(e.map(|e| e.kind().clone()), Some(ParseErrorKind::TooDeep));
    let deep_dynamic = format!(
        "T | where x == dynamic({}1{})",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let e = Query::parse(&deep_dynamic).err();
    assert_eq!(e.map(|e| e.kind().clone()), Some(ParseErrorKind::TooDeep));
    let deep_join = format!("T{}", " | join (U".repeat(5000));
    let e = Query::parse(&deep_join).err();
    assert_eq!(e.map(|e| e.kind().clone()), Some(ParseErrorKind::TooDeep));
    Ok(())
}

#[test]
fn unknown_operator_after_non_ascii_whitespace_reports_its_start() {
    let e = Query::parse("T |\u{a0}frobnicate").err();
    assert_eq!(e.map(|e| e.position()), Some(5));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn parse_never_panics_on_arbitrary_text(s in any::<String>()) {
        let _ = Query::parse(&s);
    }

    #[test]
    fn parse_never_panics_on_hostile_text(parts in proptest::collection::vec(hostile_string(), 0..8)) {
        let _ = Query::parse(&parts.concat());
    }

    #[test]
    fn parse_never_panics_on_damaged_queries(q in arb_query(), cut in any::<proptest::sample::Index>(), insert in hostile_string()) {
        // Truncate or splice hostile text into a valid rendering; errors
        // must point inside the input.
        let text = q.to_string();
        let boundaries: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
        let at = boundaries[cut.index(boundaries.len())];
        for damaged in [text[..at].to_owned(), format!("{}{insert}{}", &text[..at], &text[at..])] {
            if let Err(e) = Query::parse(&damaged) {
                prop_assert!(e.position() <= damaged.len());
            }
        }
    }
}
