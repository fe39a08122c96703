//! Platform-limit checks: `Query::validate` and `Query::render_checked`.

use iochunt::kql::{
    Dynamic, Expr, Ident, ListOp, Query, SENTINEL_RULE_MAX_CHARS, Style, ValidationError, col, lit,
};
use pretty_assertions::assert_eq;

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

fn values(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("v{i}")).collect()
}

fn with_list(op: ListOp, vals: Vec<String>) -> Query {
    Query::table("T").where_(col("c").list(op, vals))
}

#[test]
fn list_limits_at_and_over_the_edge() {
    for (op, max) in [(ListOp::HasAny, 10_000), (ListOp::HasAll, 256)] {
        assert_eq!(
            with_list(op, values(max)).validate(),
            Ok(()),
            "{op} at {max}"
        );
        assert_eq!(
            with_list(op, values(max + 1)).validate(),
            Err(ValidationError::TooManyValues {
                op,
                count: max + 1,
                max
            }),
            "{op} over {max}"
        );
    }
}

#[test]
fn in_family_limit_is_one_million() {
    for op in [ListOp::In, ListOp::NotIn, ListOp::InCi, ListOp::NotInCi] {
        assert_eq!(op.max_values(), 1_000_000);
    }
    let q = Query::table("T").where_(col("c").in_([lit(Dynamic::strings(values(1_000_001)))]));
    assert_eq!(
        q.validate(),
        Err(ValidationError::TooManyValues {
            op: ListOp::In,
            count: 1_000_001,
            max: 1_000_000
        })
    );
    let q = Query::table("T").where_(col("c").in_([lit(Dynamic::strings(values(1_000_000)))]));
    assert_eq!(q.validate(), Ok(()));
}

#[test]
fn limits_count_distinct_values() {
    // 300 values, only 200 distinct: within has_all's 256.
    let vals: Vec<String> = (0..300).map(|i| format!("v{}", i % 200)).collect();
    assert_eq!(with_list(ListOp::HasAll, vals).validate(), Ok(()));
}

#[test]
fn let_bound_lists_are_counted_where_used() {
    let q = Query::table("DnsEvents")
        .let_("domains", lit(Dynamic::strings(values(257))))
        .where_(col("Name").has_all([col("domains")]));
    assert_eq!(
        q.validate(),
        Err(ValidationError::TooManyValues {
            op: ListOp::HasAll,
            count: 257,
            max: 256
        })
    );
    // The same list is fine for has_any.
    let q = Query::table("DnsEvents")
        .let_("domains", lit(Dynamic::strings(values(257))))
        .where_(col("Name").has_any([col("domains")]));
    assert_eq!(q.validate(), Ok(()));
}

#[test]
fn empty_lists_are_rejected_in_every_form() {
    let none: [Expr; 0] = [];
    for op in [
        ListOp::In,
        ListOp::NotIn,
        ListOp::InCi,
        ListOp::NotInCi,
        ListOp::HasAny,
        ListOp::HasAll,
    ] {
        let q = Query::table("T").where_(col("c").list(op, none.clone()));
        assert_eq!(
            q.validate(),
            Err(ValidationError::EmptyList { op }),
            "{op} ()"
        );
        let q = Query::table("T").where_(col("c").list(op, [lit(Dynamic::Array(vec![]))]));
        assert_eq!(
            q.validate(),
            Err(ValidationError::EmptyList { op }),
            "{op} dynamic([])"
        );
    }
    let q = Query::table("T")
        .let_("none", lit(Dynamic::Array(vec![])))
        .where_(col("c").in_([col("none")]));
    assert_eq!(
        q.validate(),
        Err(ValidationError::EmptyList { op: ListOp::In })
    );
}

#[test]
fn unknown_list_sources_are_not_counted() {
    // A column or function result can't be counted statically; it passes.
    let q = Query::table("T").where_(col("c").in_([col("from_elsewhere")]));
    assert_eq!(q.validate(), Ok(()));
}

#[test]
fn nested_lists_are_checked() {
    let empty: [&str; 0] = [];
    let q = Query::table("T").where_(
        col("a")
            .equals(1_i64)
            .and(iochunt::kql::not(col("c").has_any(empty))),
    );
    assert_eq!(
        q.validate(),
        Err(ValidationError::EmptyList { op: ListOp::HasAny })
    );
}

#[test]
fn identifiers_must_be_one_to_1024_chars() {
    let q = Query::table("").take(1);
    assert_eq!(
        q.validate(),
        Err(ValidationError::InvalidIdent {
            name: String::new()
        })
    );
    let long = "x".repeat(1025);
    let q = Query::table("T").project([long.clone()]);
    assert_eq!(
        q.validate(),
        Err(ValidationError::InvalidIdent { name: long })
    );
    let q = Query::table(Ident::new("x".repeat(1024)));
    assert_eq!(q.validate(), Ok(()));
}

#[test]
fn empty_clauses_are_rejected() {
    let none: [&str; 0] = [];
    assert_eq!(
        Query::table("T").project(none).validate(),
        Err(ValidationError::EmptyClause {
            operator: "project"
        })
    );
    assert_eq!(
        Query::table("T").project_away(none).validate(),
        Err(ValidationError::EmptyClause {
            operator: "project-away"
        })
    );
}

#[test]
fn render_checked_enforces_the_budget() -> Result {
    // ~700 IPs fit a Sentinel rule when listed once via `let`.
    let ips = |n: usize| -> Vec<String> {
        (0..n)
            .map(|i| format!("10.{}.{}.{}", i / 65536, (i / 256) % 256, i % 256))
            .collect()
    };
    let query = |n| {
        Query::table("CommonSecurityLog")
            .let_("ips", lit(Dynamic::strings(ips(n))))
            .where_(col("DestinationIP").in_([col("ips")]))
    };
    let small = query(500).render_checked(Style::Pretty, SENTINEL_RULE_MAX_CHARS)?;
    assert!(small.chars().count() <= SENTINEL_RULE_MAX_CHARS);
    assert_eq!(small, format!("{:#}", query(500)));
    match query(1000).render_checked(Style::Compact, SENTINEL_RULE_MAX_CHARS) {
        Err(ValidationError::TooLong { len, budget }) => {
            assert_eq!(budget, 10_000);
            assert_eq!(len, query(1000).to_string().chars().count());
        }
        other => return Err(format!("expected TooLong, got {other:?}").into()),
    }
    Ok(())
}

#[test]
fn budget_counts_characters_not_bytes() -> Result {
    let q = Query::table("T").where_(col("c").equals("ééééé"));
    let text = q.to_string();
    assert_eq!(text.chars().count(), 22);
    assert_eq!(text.len(), 27);
    assert_eq!(q.render_checked(Style::Compact, 22)?, text);
    assert_eq!(
        q.render_checked(Style::Compact, 21),
        Err(ValidationError::TooLong {
            len: 22,
            budget: 21
        })
    );
    Ok(())
}

#[test]
fn render_checked_validates_first() {
    let empty: [&str; 0] = [];
    let q = Query::table("T").where_(col("c").in_(empty));
    assert_eq!(
        q.render_checked(Style::Compact, usize::MAX),
        Err(ValidationError::EmptyList { op: ListOp::In })
    );
}

#[test]
fn error_messages() {
    assert_eq!(
        ValidationError::TooManyValues {
            op: ListOp::HasAny,
            count: 10_001,
            max: 10_000
        }
        .to_string(),
        "`has_any` has 10001 distinct values, over the limit of 10000"
    );
    assert_eq!(
        ValidationError::EmptyList {
            op: ListOp::NotInCi
        }
        .to_string(),
        "empty value list for `!in~`"
    );
    assert_eq!(
        iochunt::kql::Comment::new("a\nb")
            .err()
            .map(|e| e.to_string()),
        Some(r#"comment "a\nb" contains a line break or control character"#.to_owned())
    );
}

#[test]
fn datatable_values_must_fill_whole_rows() -> Result {
    let q = Query::parse("datatable(a:string, b:long) ['x', 1, 'y']")?;
    assert_eq!(
        q.validate(),
        Err(ValidationError::RaggedDatatable {
            columns: 2,
            values: 3
        })
    );
    assert_eq!(
        Query::parse("datatable(a:string, b:long) ['x', 1, 'y', 2]")?.validate(),
        Ok(())
    );
    Ok(())
}

#[test]
fn extend_is_named_in_its_error() {
    let none: [&str; 0] = [];
    assert_eq!(
        Query::table("T").extend(none).validate(),
        Err(ValidationError::EmptyClause { operator: "extend" })
    );
}
