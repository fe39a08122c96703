//! Shared test support for the `kql` module: proptest strategies for
//! arbitrary syntax trees and hostile strings, a string-literal collector,
//! and [`hostile_queries`], a deterministic generator of schema-valid
//! hunting queries full of hostile string literals (for checking rendered
//! text with an external KQL parser).
//!
//! Include with `mod kql_support;` from a test in `tests/`.
#![allow(dead_code)]

pub mod seed;

use iochunt::kql::{
    Assignment, BinaryOp, Comment, Datatable, Direction, Dynamic, Expr, Ident, JoinKey, JoinKind,
    Let, LetValue, ListOp, Literal, LookupKind, Nulls, Operator, OrderKey, Query, ScalarType,
    SortKeyword, Source, Statement, Tabular, Timespan, TimespanUnit, Union, call, col, lit, not,
};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

// ------------------------------------------------------------ hostile text

/// Single characters that break naive quoting, comments, line structure or
/// pipes, plus non-ASCII and invisible characters.
pub const HOSTILE_CHARS: &[char] = &[
    '"', '\'', '\\', '\n', '\r', '\t', '\0', '\u{1}', '\u{8}', '\u{b}', '\u{c}', '\u{1b}',
    '\u{1f}', '\u{7f}', '\u{85}', '\u{a0}', '\u{2028}', '\u{2029}', '\u{200b}', '\u{feff}', '/',
    '|', ';', '(', ')', '[', ']', '{', '}', '@', '`', '$', '~', '!', '=', '-', '.', ',', ':', ' ',
    '*', 'a', 'Z', '0', 'h', 'u', 'x', 'é', 'ß', 'Ж', '☃', '中', '😀',
];

/// Multi-character fragments aimed at breaking out of a literal.
pub const HOSTILE_FRAGMENTS: &[&str] = &[
    "//",
    "\" | take 1 //",
    "' | take 1 //",
    "\"; print x=1; let y=\"",
    "\\\"",
    "\\'",
    "\\\\",
    "\\u0022",
    "\\n",
    "```",
    "~~~",
    "@\"",
    "h'",
    "\r\n| where true",
    "\"\"",
    "''",
    "]) or true or ([",
    "*/",
    "/*",
    "104.168.5.18",
    "evil.com",
    "C:\\Windows\\System32",
    "\\d+\\W",
];

/// A string built from hostile characters and fragments (and sometimes
/// arbitrary Unicode).
pub fn hostile_string() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => proptest::sample::select(HOSTILE_CHARS).prop_map(String::from),
        2 => proptest::sample::select(HOSTILE_FRAGMENTS).prop_map(String::from),
        1 => any::<char>().prop_map(String::from),
    ];
    prop_oneof![
        8 => proptest::collection::vec(piece, 0..12).prop_map(|v| v.concat()),
        1 => any::<String>(),
    ]
}

/// A hostile string that is allowed as comment text.
pub fn hostile_comment() -> impl Strategy<Value = Comment> {
    hostile_string().prop_filter_map("comment with a line break", |s| Comment::new(s).ok())
}

/// Plain words, keywords, and hostile names.
pub fn arb_ident() -> impl Strategy<Value = Ident> {
    prop_oneof![
        3 => proptest::sample::select(&[
            "RemoteIP", "Timestamp", "x", "_y1", "Name", "where", "true", "in", "has", "by",
            "project", "dynamic", "not", "and", "asc", "nulls", "limit", "union", "h", "e",
            "d1", "kind", "on", "between", "$left",
        ][..])
        .prop_map(Ident::new),
        2 => hostile_string().prop_map(Ident::new),
    ]
}

fn arb_function_name() -> impl Strategy<Value = Ident> {
    prop_oneof![
        3 => proptest::sample::select(&[
            "ago", "now", "strcat", "tolower", "count", "bin", "ipv4_is_in_range", "isnotempty",
            "dynamic", "not", "datetime", "int", "and", "in", "range",
        ][..])
        .prop_map(Ident::new),
        1 => hostile_string().prop_map(Ident::new),
    ]
}

fn arb_timestamp() -> impl Strategy<Value = jiff::Timestamp> {
    // KQL's datetime range, at its 100 ns resolution.
    (-62_135_596_800_i64..253_402_300_799, 0..10_000_000_i32)
        .prop_filter_map("in range", |(s, ticks)| {
            jiff::Timestamp::new(s, ticks * 100).ok()
        })
}

fn arb_timespan() -> impl Strategy<Value = Timespan> {
    (
        any::<u64>(),
        proptest::sample::select(
            &[
                TimespanUnit::Day,
                TimespanUnit::Hour,
                TimespanUnit::Minute,
                TimespanUnit::Second,
                TimespanUnit::Millisecond,
                TimespanUnit::Microsecond,
                TimespanUnit::Tick,
            ][..],
        ),
    )
        .prop_map(|(a, u)| Timespan::new(a, u))
}

fn arb_real() -> impl Strategy<Value = f64> {
    prop_oneof![
        8 => any::<f64>(),
        1 => Just(f64::NAN),
        1 => Just(-0.0),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => Just(0.5),
    ]
}

/// Contents of `dynamic(...)`.
pub fn arb_dynamic() -> impl Strategy<Value = Dynamic> {
    let leaf = prop_oneof![
        1 => Just(Dynamic::Null),
        1 => any::<bool>().prop_map(Dynamic::Bool),
        1 => any::<i64>().prop_map(Dynamic::Long),
        1 => arb_real().prop_map(Dynamic::Real),
        4 => hostile_string().prop_map(Dynamic::String),
        1 => arb_timestamp().prop_map(Dynamic::DateTime),
        1 => arb_timespan().prop_map(Dynamic::Timespan),
        1 => any::<u128>().prop_map(Dynamic::Guid),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Dynamic::Array),
            proptest::collection::vec((hostile_string(), inner), 0..3).prop_map(Dynamic::Bag),
        ]
    })
}

/// Any literal (but not `Null(Dynamic)` or `Null(String)`, which read
/// back as `Dynamic(Dynamic::Null)` and `String("")`).
pub fn arb_literal() -> impl Strategy<Value = Literal> {
    prop_oneof![
        6 => hostile_string().prop_map(Literal::String),
        1 => any::<i64>().prop_map(Literal::Long),
        1 => any::<i32>().prop_map(Literal::Int),
        1 => arb_real().prop_map(Literal::Real),
        1 => any::<bool>().prop_map(Literal::Bool),
        1 => arb_timestamp().prop_map(Literal::DateTime),
        1 => arb_timespan().prop_map(Literal::Timespan),
        1 => any::<u128>().prop_map(Literal::Guid),
        2 => arb_dynamic().prop_map(Literal::Dynamic),
        1 => proptest::sample::select(&[
            ScalarType::Bool,
            ScalarType::Int,
            ScalarType::Long,
            ScalarType::Real,
            ScalarType::Decimal,
            ScalarType::DateTime,
            ScalarType::Timespan,
            ScalarType::Guid,
        ][..])
        .prop_map(Literal::Null),
    ]
}

/// Scalar expressions built with the precedence-aware constructors.
pub fn arb_expr() -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        3 => arb_literal().prop_map(Expr::Literal),
        2 => arb_ident().prop_map(Expr::Column),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            4 => (inner.clone(), proptest::sample::select(&BINARY_OPS[..]), inner.clone())
                .prop_map(|(l, op, r)| Expr::binary(l, op, r)),
            2 => (inner.clone(), proptest::sample::select(&LIST_OPS[..]),
                  proptest::collection::vec(inner.clone(), 1..4))
                .prop_map(|(e, op, v)| e.list(op, v)),
            1 => (inner.clone(), any::<bool>(), inner.clone(), inner.clone()).prop_map(
                |(e, negated, lo, hi)| if negated { e.not_between(lo, hi) } else { e.between(lo, hi) }
            ),
            1 => (arb_function_name(), proptest::collection::vec(inner.clone(), 0..3))
                .prop_map(|(n, a)| call(n, a)),
            1 => inner.clone().prop_map(not),
            1 => inner.prop_map(Expr::paren),
        ]
    })
}

/// Every binary operator.
pub const BINARY_OPS: [BinaryOp; 32] = [
    BinaryOp::Or,
    BinaryOp::And,
    BinaryOp::Eq,
    BinaryOp::Ne,
    BinaryOp::EqCi,
    BinaryOp::NeCi,
    BinaryOp::Lt,
    BinaryOp::Le,
    BinaryOp::Gt,
    BinaryOp::Ge,
    BinaryOp::Has,
    BinaryOp::NotHas,
    BinaryOp::HasCs,
    BinaryOp::NotHasCs,
    BinaryOp::Contains,
    BinaryOp::NotContains,
    BinaryOp::ContainsCs,
    BinaryOp::NotContainsCs,
    BinaryOp::StartsWith,
    BinaryOp::NotStartsWith,
    BinaryOp::StartsWithCs,
    BinaryOp::NotStartsWithCs,
    BinaryOp::EndsWith,
    BinaryOp::NotEndsWith,
    BinaryOp::EndsWithCs,
    BinaryOp::NotEndsWithCs,
    BinaryOp::MatchesRegex,
    BinaryOp::Add,
    BinaryOp::Sub,
    BinaryOp::Mul,
    BinaryOp::Div,
    BinaryOp::Rem,
];

/// Every list operator.
pub const LIST_OPS: [ListOp; 6] = [
    ListOp::In,
    ListOp::NotIn,
    ListOp::InCi,
    ListOp::NotInCi,
    ListOp::HasAny,
    ListOp::HasAll,
];

fn arb_assignment() -> impl Strategy<Value = Assignment> {
    (proptest::option::of(arb_ident()), arb_expr())
        .prop_map(|(name, expr)| Assignment { name, expr })
}

fn arb_order_key() -> impl Strategy<Value = OrderKey> {
    (
        arb_expr(),
        proptest::option::of(prop_oneof![Just(Direction::Asc), Just(Direction::Desc)]),
        proptest::option::of(prop_oneof![Just(Nulls::First), Just(Nulls::Last)]),
    )
        .prop_map(|(expr, direction, nulls)| OrderKey {
            expr,
            direction,
            nulls,
        })
}

fn arb_join_key() -> impl Strategy<Value = JoinKey> {
    prop_oneof![
        arb_ident().prop_map(JoinKey::Column),
        (arb_ident(), arb_ident()).prop_map(|(left, right)| JoinKey::Columns { left, right }),
    ]
}

fn arb_operator(tabular: BoxedStrategy<Tabular>) -> impl Strategy<Value = Operator> {
    use proptest::collection::vec as v;
    prop_oneof![
        4 => arb_expr().prop_map(Operator::Where),
        1 => v(arb_assignment(), 1..3).prop_map(Operator::Project),
        1 => v(arb_ident(), 1..3).prop_map(Operator::ProjectAway),
        1 => v((arb_ident(), arb_ident()), 1..3).prop_map(Operator::ProjectRename),
        1 => v(arb_assignment(), 1..3).prop_map(Operator::Extend),
        1 => (v(arb_assignment(), 0..3), v(arb_assignment(), 0..3))
            .prop_filter("summarize needs items", |(a, b)| !a.is_empty() || !b.is_empty())
            .prop_map(|(aggregates, by)| Operator::Summarize { aggregates, by }),
        1 => (any::<bool>(), v(arb_order_key(), 1..3)).prop_map(|(o, keys)| Operator::OrderBy {
            keyword: if o { SortKeyword::Order } else { SortKeyword::Sort },
            keys
        }),
        1 => any::<u64>().prop_map(Operator::Take),
        1 => (any::<u64>(), arb_order_key()).prop_map(|(count, by)| Operator::Top { count, by }),
        1 => v(arb_expr(), 0..3).prop_map(Operator::Distinct),
        1 => (
            proptest::option::of(proptest::sample::select(&[
                JoinKind::Inner,
                JoinKind::InnerUnique,
                JoinKind::LeftOuter,
                JoinKind::RightOuter,
                JoinKind::FullOuter,
                JoinKind::LeftAnti,
                JoinKind::RightAnti,
                JoinKind::LeftSemi,
                JoinKind::RightSemi,
            ][..])),
            tabular.clone(),
            v(arb_join_key(), 1..3)
        )
            .prop_map(|(kind, right, on)| Operator::Join { kind, right, on }),
        1 => (
            proptest::option::of(prop_oneof![Just(LookupKind::Inner), Just(LookupKind::LeftOuter)]),
            tabular,
            v(arb_join_key(), 1..3)
        )
            .prop_map(|(kind, right, on)| Operator::Lookup { kind, right, on }),
        1 => (v(arb_assignment(), 1..3), proptest::option::of(any::<u64>()))
            .prop_map(|(items, limit)| Operator::MvExpand { items, limit }),
    ]
}

const ALL_TYPES: [ScalarType; 10] = [
    ScalarType::Bool,
    ScalarType::Int,
    ScalarType::Long,
    ScalarType::Real,
    ScalarType::Decimal,
    ScalarType::String,
    ScalarType::DateTime,
    ScalarType::Timespan,
    ScalarType::Guid,
    ScalarType::Dynamic,
];

/// Tabular expressions (nested through `union`, `join`, `lookup`).
pub fn arb_tabular() -> BoxedStrategy<Tabular> {
    let leaf = prop_oneof![
        4 => arb_ident().prop_map(Tabular::table),
        1 => (
            proptest::collection::vec((arb_ident(), proptest::sample::select(&ALL_TYPES[..])), 1..3),
            proptest::collection::vec(arb_literal(), 0..4)
        )
            .prop_map(|(columns, values)| Tabular {
                source: Source::Datatable(Datatable { columns, values }),
                ops: vec![]
            }),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        let ops = proptest::collection::vec(arb_operator(inner.clone().boxed()), 0..4).boxed();
        prop_oneof![
            (inner.clone(), ops.clone()).prop_map(|(mut t, mut ops)| {
                t.ops.append(&mut ops);
                t
            }),
            (
                proptest::option::of(arb_ident()),
                proptest::option::of(any::<bool>()),
                proptest::collection::vec(inner, 1..3),
                ops
            )
                .prop_map(|(withsource, isfuzzy, tables, ops)| Tabular {
                    source: Source::Union(Union {
                        withsource,
                        isfuzzy,
                        tables
                    }),
                    ops
                }),
        ]
    })
    .boxed()
}

fn arb_statement() -> impl Strategy<Value = Statement> {
    prop_oneof![
        2 => hostile_comment().prop_map(Statement::Comment),
        2 => (arb_ident(), arb_expr()).prop_map(|(name, e)| Statement::Let(Let {
            name,
            value: LetValue::Scalar(e)
        })),
        1 => (arb_ident(), arb_tabular())
            // A bare table name reads back as a scalar column reference.
            .prop_filter("tabular let is not a bare name", |(_, t)| !matches!(
                (&t.source, t.ops.is_empty()), (Source::Table(_), true)
            ))
            .prop_map(|(name, t)| Statement::Let(Let { name, value: LetValue::Tabular(t) })),
    ]
}

/// Whole queries.
pub fn arb_query() -> impl Strategy<Value = Query> {
    (
        proptest::collection::vec(arb_statement(), 0..4),
        arb_tabular(),
    )
        .prop_map(|(statements, body)| Query { statements, body })
}

// ------------------------------------------------------ literal collection

/// Every string value a query carries as data, in source order: string
/// literals, strings inside `dynamic(...)` (bag keys included) and
/// `datatable` cells. Names (even bracket-quoted ones) are not included.
pub fn string_literals(q: &Query) -> Vec<String> {
    let mut out = Vec::new();
    for s in &q.statements {
        if let Statement::Let(l) = s {
            match &l.value {
                LetValue::Scalar(e) => expr_strings(e, &mut out),
                LetValue::Tabular(t) => tabular_strings(t, &mut out),
                _ => {}
            }
        }
    }
    tabular_strings(&q.body, &mut out);
    out
}

fn tabular_strings(t: &Tabular, out: &mut Vec<String>) {
    match &t.source {
        Source::Union(u) => u.tables.iter().for_each(|t| tabular_strings(t, out)),
        Source::Datatable(d) => d.values.iter().for_each(|l| literal_strings(l, out)),
        _ => {}
    }
    for op in &t.ops {
        match op {
            Operator::Where(e) => expr_strings(e, out),
            Operator::Project(items) | Operator::Extend(items) => {
                items.iter().for_each(|a| expr_strings(&a.expr, out))
            }
            Operator::Summarize { aggregates, by } => aggregates
                .iter()
                .chain(by)
                .for_each(|a| expr_strings(&a.expr, out)),
            Operator::OrderBy { keys, .. } => keys.iter().for_each(|k| expr_strings(&k.expr, out)),
            Operator::Top { by, .. } => expr_strings(&by.expr, out),
            Operator::Distinct(es) => es.iter().for_each(|e| expr_strings(e, out)),
            Operator::Join { right, .. } | Operator::Lookup { right, .. } => {
                tabular_strings(right, out)
            }
            Operator::MvExpand { items, .. } => {
                items.iter().for_each(|a| expr_strings(&a.expr, out))
            }
            _ => {}
        }
    }
}

fn expr_strings(e: &Expr, out: &mut Vec<String>) {
    match e {
        Expr::Literal(l) => literal_strings(l, out),
        Expr::Call { args, .. } => args.iter().for_each(|a| expr_strings(a, out)),
        Expr::Not(e) | Expr::Paren(e) => expr_strings(e, out),
        Expr::Binary { left, right, .. } => {
            expr_strings(left, out);
            expr_strings(right, out);
        }
        Expr::List { expr, values, .. } => {
            expr_strings(expr, out);
            values.iter().for_each(|v| expr_strings(v, out));
        }
        Expr::Between {
            expr, low, high, ..
        } => {
            expr_strings(expr, out);
            expr_strings(low, out);
            expr_strings(high, out);
        }
        _ => {}
    }
}

fn literal_strings(l: &Literal, out: &mut Vec<String>) {
    match l {
        Literal::String(s) => out.push(s.clone()),
        // Renders as `""`.
        Literal::Null(ScalarType::String) => out.push(String::new()),
        Literal::Dynamic(d) => dynamic_strings(d, out),
        _ => {}
    }
}

fn dynamic_strings(d: &Dynamic, out: &mut Vec<String>) {
    match d {
        Dynamic::String(s) => out.push(s.clone()),
        Dynamic::Array(items) => items.iter().for_each(|i| dynamic_strings(i, out)),
        Dynamic::Bag(entries) => {
            for (k, v) in entries {
                out.push(k.clone());
                dynamic_strings(v, out);
            }
        }
        _ => {}
    }
}

// ------------------------------------------- schema-valid hostile queries

/// A generated query and the string values it must carry.
#[derive(Debug, Clone)]
pub struct HostileQuery {
    /// The syntax tree.
    pub query: Query,
    /// Every string literal value in the query (see [`string_literals`]).
    pub literals: Vec<String>,
}

/// A table with some string columns and its time column, as in the
/// Sentinel/Defender schemas.
#[derive(Debug, Clone, Copy)]
struct TableSpec {
    name: &'static str,
    time: &'static str,
    strings: &'static [&'static str],
}

const TABLES: &[TableSpec] = &[
    TableSpec {
        name: "DeviceNetworkEvents",
        time: "Timestamp",
        strings: &[
            "RemoteIP",
            "RemoteUrl",
            "DeviceName",
            "InitiatingProcessFileName",
            "ActionType",
        ],
    },
    TableSpec {
        name: "DeviceProcessEvents",
        time: "Timestamp",
        strings: &[
            "ProcessCommandLine",
            "FileName",
            "FolderPath",
            "SHA256",
            "AccountName",
            "DeviceName",
        ],
    },
    TableSpec {
        name: "DeviceFileEvents",
        time: "Timestamp",
        strings: &[
            "FileName",
            "FolderPath",
            "SHA256",
            "DeviceName",
            "ActionType",
        ],
    },
    TableSpec {
        name: "DnsEvents",
        time: "TimeGenerated",
        strings: &["Name", "Computer", "IPAddresses", "QueryType"],
    },
    TableSpec {
        name: "CommonSecurityLog",
        time: "TimeGenerated",
        strings: &[
            "SourceIP",
            "DestinationIP",
            "DeviceAction",
            "Activity",
            "Computer",
        ],
    },
];

/// Columns shared by the Device* tables, for `union` queries.
const DEVICE_TABLES: [&str; 3] = [
    "DeviceNetworkEvents",
    "DeviceProcessEvents",
    "DeviceFileEvents",
];
const DEVICE_COMMON: [&str; 3] = ["DeviceName", "ActionType", "InitiatingProcessFileName"];

const STRING_OPS: [BinaryOp; 22] = [
    BinaryOp::Eq,
    BinaryOp::Ne,
    BinaryOp::EqCi,
    BinaryOp::NeCi,
    BinaryOp::Has,
    BinaryOp::NotHas,
    BinaryOp::HasCs,
    BinaryOp::NotHasCs,
    BinaryOp::Contains,
    BinaryOp::NotContains,
    BinaryOp::ContainsCs,
    BinaryOp::NotContainsCs,
    BinaryOp::StartsWith,
    BinaryOp::NotStartsWith,
    BinaryOp::StartsWithCs,
    BinaryOp::NotStartsWithCs,
    BinaryOp::EndsWith,
    BinaryOp::NotEndsWith,
    BinaryOp::EndsWithCs,
    BinaryOp::NotEndsWithCs,
    BinaryOp::Eq,
    BinaryOp::Has,
];

/// A predicate over string column `c` with hostile values; `list_var`
/// names a `let`-bound dynamic array of strings, if any.
fn string_predicate(
    columns: &'static [&'static str],
    list_var: Option<&'static str>,
) -> impl Strategy<Value = Expr> {
    let column = proptest::sample::select(columns);
    let single = (
        column.clone(),
        proptest::sample::select(&STRING_OPS[..]),
        hostile_string(),
    )
        .prop_map(|(c, op, v)| Expr::binary(col(c), op, lit(v)));
    let list = (
        column.clone(),
        proptest::sample::select(&LIST_OPS[..]),
        proptest::collection::vec(hostile_string(), 1..5),
    )
        .prop_map(|(c, op, vs)| col(c).list(op, vs));
    let by_var =
        (column, proptest::sample::select(&LIST_OPS[..])).prop_map(move |(c, op)| match list_var {
            Some(v) => col(c).list(op, [col(v)]),
            None => col(c).list(op, ["x"]),
        });
    prop_oneof![3 => single, 2 => list, 1 => by_var]
}

fn combine(preds: Vec<(Expr, u8)>) -> Expr {
    let mut it = preds.into_iter();
    let Some((mut e, _)) = it.next() else {
        return lit(true);
    };
    for (p, how) in it {
        e = match how % 3 {
            0 => e.and(p),
            1 => e.or(p),
            _ => e.and(not(p)),
        };
    }
    e
}

fn hunt_query() -> impl Strategy<Value = Query> {
    let table = proptest::sample::select(TABLES);
    let single_table = table.prop_flat_map(|t| {
        (
            Just(t),
            proptest::collection::vec(
                (string_predicate(t.strings, Some("iocs")), any::<u8>()),
                1..4,
            ),
            proptest::sample::subsequence(t.strings, 1..=t.strings.len()),
        )
    });
    (
        proptest::collection::vec(hostile_comment(), 0..3),
        proptest::collection::vec(hostile_string(), 1..5),
        hostile_string(),
        single_table,
        0..4u8,
        1..1000u64,
    )
        .prop_map(|(comments, iocs, needle, (t, preds, cols), shape, n)| {
            let mut q = match shape {
                // A union over the Device* tables with isfuzzy/withsource.
                0 => Query::new(Tabular {
                    source: Source::Union(Union {
                        withsource: Some("SourceTable".into()),
                        isfuzzy: Some(true),
                        tables: DEVICE_TABLES.iter().map(|&n| Tabular::table(n)).collect(),
                    }),
                    ops: vec![],
                })
                .where_(
                    col("Timestamp").gt(call("ago", [lit(Timespan::new(7, TimespanUnit::Day))])),
                )
                .where_(
                    col(DEVICE_COMMON[0])
                        .has_any([col("iocs")])
                        .or(col(DEVICE_COMMON[2]).equals(col("needle"))),
                )
                .project(["SourceTable", DEVICE_COMMON[0], DEVICE_COMMON[1]])
                .take(n),
                // A datatable of hostile values.
                1 => Query::new(Tabular {
                    source: Source::Datatable(Datatable {
                        columns: vec![
                            ("Value".into(), ScalarType::String),
                            ("N".into(), ScalarType::Long),
                        ],
                        values: iocs
                            .iter()
                            .enumerate()
                            .flat_map(|(i, s)| [Literal::from(s.as_str()), Literal::Long(i as i64)])
                            .collect(),
                    }),
                    ops: vec![],
                })
                .where_(
                    col("Value")
                        .has_any([col("iocs")])
                        .or(col("Value").equals(col("needle"))),
                )
                .extend([Assignment::named(
                    "Tagged",
                    call("strcat", [lit(needle.clone()), col("Value")]),
                )])
                .order_by([col("N").asc()]),
                _ => Query::table(t.name)
                    .where_(
                        col(t.time).gt(call("ago", [lit(Timespan::new(1, TimespanUnit::Hour))])),
                    )
                    .where_(combine(preds))
                    .where_(col(t.strings[0]).has(col("needle")).or(lit(true)))
                    .project(cols.iter().copied().chain([t.time]))
                    .order_by([col(t.time).desc()])
                    .take(n),
            };
            let mut statements: Vec<Statement> =
                comments.into_iter().map(Statement::Comment).collect();
            statements.push(Statement::Let(Let {
                name: "iocs".into(),
                value: LetValue::Scalar(lit(Dynamic::strings(iocs))),
            }));
            statements.push(Statement::Let(Let {
                name: "needle".into(),
                value: LetValue::Scalar(lit(needle)),
            }));
            q.statements = statements;
            q
        })
}

/// `count` deterministic, schema-valid hunting queries (tables and columns
/// of the Sentinel/Defender schemas) whose string literals, comments and
/// `let` values are drawn from hostile alphabets, each with the list of
/// string-literal values it contains. The same `seed` always gives the
/// same queries.
pub fn hostile_queries(seed: u64, count: usize) -> Vec<HostileQuery> {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &key);
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    let strategy = hunt_query();
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        // Generation only fails when filters reject too often; retry.
        if let Ok(tree) = strategy.new_tree(&mut runner) {
            let query = tree.current();
            let literals = string_literals(&query);
            out.push(HostileQuery { query, literals });
        }
    }
    out
}
