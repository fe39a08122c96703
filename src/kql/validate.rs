//! Platform limits, checked by [`Query::validate`] and
//! [`Query::render_checked`].

use std::collections::{HashMap, HashSet};

use super::ast::{
    Comment, Dynamic, Expr, LetValue, ListOp, Literal, Operator, Query, Source, Statement, Tabular,
};

/// Maximum length of a Microsoft Sentinel scheduled analytics rule query,
/// in characters.
pub const SENTINEL_RULE_MAX_CHARS: usize = 10_000;

/// Longest identifier KQL accepts, in characters.
pub const MAX_IDENT_CHARS: usize = 1024;

/// A query breaks a platform limit or a structural rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// `in ()`, `has_any ()`, ... with no values (a syntax error in KQL).
    #[error("empty value list for `{op}`")]
    EmptyList {
        /// The operator.
        op: ListOp,
    },
    /// More distinct values than the operator allows.
    #[error("`{op}` has {count} distinct values, over the limit of {max}")]
    TooManyValues {
        /// The operator.
        op: ListOp,
        /// Distinct values found.
        count: usize,
        /// The platform limit.
        max: usize,
    },
    /// The rendered query is longer than the caller's budget.
    #[error("rendered query is {len} characters, over the budget of {budget}")]
    TooLong {
        /// Rendered length in characters.
        len: usize,
        /// The budget.
        budget: usize,
    },
    /// A comment would contain a line break or control character.
    #[error("comment {text:?} contains a line break or control character")]
    InvalidComment {
        /// The rejected text.
        text: String,
    },
    /// An identifier is empty or longer than 1,024 characters.
    #[error("identifier {name:?} is empty or longer than 1024 characters")]
    InvalidIdent {
        /// The rejected name.
        name: String,
    },
    /// A `datatable` whose value count is not a multiple of its columns.
    #[error("datatable has {values} values for {columns} columns")]
    RaggedDatatable {
        /// Number of columns.
        columns: usize,
        /// Number of values.
        values: usize,
    },
    /// An operator that needs at least one item has none (e.g. `project`).
    #[error("`{operator}` has no items")]
    EmptyClause {
        /// The operator keyword.
        operator: &'static str,
    },
}

/// How [`Query::render_checked`] lays out the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Style {
    /// `{}`: one line (comment lines still end with a line break).
    #[default]
    Compact,
    /// `{:#}`: one `| operator` per line.
    Pretty,
}

impl Query {
    /// Checks the query against the platform's limits: no empty value
    /// lists; at most 10,000 distinct `has_any` values, 256 `has_all`
    /// values and 1,000,000 `in`-family values (counting the elements of
    /// `dynamic` arrays, including `let`-bound arrays referenced by name);
    /// identifiers of 1 to 1,024 characters; non-empty `project`-style
    /// clauses.
    ///
    /// Limits are checked here rather than in the builders because the AST
    /// is plain public data that can be built or edited in any way; call
    /// this (or [`Query::render_checked`]) before shipping a query.
    /// Rendering itself never fails and never produces unsafe text.
    ///
    /// # Errors
    ///
    /// The first [`ValidationError`] found.
    ///
    /// # Examples
    ///
    /// ```
    /// use iochunt::kql::{Query, ValidationError, ListOp, col};
    ///
    /// let empty: [&str; 0] = [];
    /// let q = Query::table("T").where_(col("a").in_(empty));
    /// assert_eq!(q.validate(), Err(ValidationError::EmptyList { op: ListOp::In }));
    ///
    /// let many: Vec<String> = (0..300).map(|i| format!("t{i}")).collect();
    /// let q = Query::table("T").where_(col("a").has_all(many));
    /// assert_eq!(
    ///     q.validate(),
    ///     Err(ValidationError::TooManyValues { op: ListOp::HasAll, count: 300, max: 256 })
    /// );
    /// ```
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut lets: HashMap<&str, &Expr> = HashMap::new();
        for statement in &self.statements {
            match statement {
                Statement::Comment(c) => check_comment(c)?,
                Statement::Let(l) => {
                    check_ident(l.name.as_str())?;
                    match &l.value {
                        LetValue::Scalar(e) => {
                            check_expr(e, &lets)?;
                            lets.insert(l.name.as_str(), e);
                        }
                        LetValue::Tabular(t) => {
                            check_tabular(t, &lets)?;
                            lets.remove(l.name.as_str());
                        }
                    }
                }
            }
        }
        check_tabular(&self.body, &lets)
    }

    /// Validates, then renders in `style` and checks the length against
    /// `max_chars` (e.g. [`SENTINEL_RULE_MAX_CHARS`]).
    ///
    /// # Errors
    ///
    /// Any error of [`Query::validate`], or [`ValidationError::TooLong`].
    ///
    /// # Examples
    ///
    /// ```
    /// use iochunt::kql::{Query, Style, ValidationError, col, SENTINEL_RULE_MAX_CHARS};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let q = Query::table("DnsEvents").where_(col("Name").has_any(["evil.com"]));
    /// let text = q.render_checked(Style::Compact, SENTINEL_RULE_MAX_CHARS)?;
    /// assert_eq!(text, r#"DnsEvents | where Name has_any ("evil.com")"#);
    /// assert_eq!(
    ///     q.render_checked(Style::Pretty, 20),
    ///     Err(ValidationError::TooLong { len: 43, budget: 20 })
    /// );
    /// # Ok(())
    /// # }
    /// ```
    pub fn render_checked(
        &self,
        style: Style,
        max_chars: usize,
    ) -> Result<String, ValidationError> {
        self.validate()?;
        let text = match style {
            Style::Compact => self.to_string(),
            Style::Pretty => format!("{self:#}"),
        };
        let len = text.chars().count();
        if len > max_chars {
            return Err(ValidationError::TooLong {
                len,
                budget: max_chars,
            });
        }
        Ok(text)
    }
}

fn check_comment(c: &Comment) -> Result<(), ValidationError> {
    // Comments are validated on construction; re-check in case of future changes.
    Comment::new(c.as_str()).map(|_| ())
}

fn check_ident(name: &str) -> Result<(), ValidationError> {
    let n = name.chars().count();
    if n == 0 || n > MAX_IDENT_CHARS {
        return Err(ValidationError::InvalidIdent {
            name: name.to_owned(),
        });
    }
    Ok(())
}

fn nonempty<T>(items: &[T], operator: &'static str) -> Result<(), ValidationError> {
    if items.is_empty() {
        Err(ValidationError::EmptyClause { operator })
    } else {
        Ok(())
    }
}

fn check_tabular(t: &Tabular, lets: &HashMap<&str, &Expr>) -> Result<(), ValidationError> {
    match &t.source {
        Source::Table(name) => check_ident(name.as_str())?,
        Source::Union(u) => {
            nonempty(&u.tables, "union")?;
            if let Some(w) = &u.withsource {
                check_ident(w.as_str())?;
            }
            for t in &u.tables {
                check_tabular(t, lets)?;
            }
        }
        Source::Datatable(d) => {
            nonempty(&d.columns, "datatable")?;
            for (name, _) in &d.columns {
                check_ident(name.as_str())?;
            }
            if d.values.len() % d.columns.len() != 0 {
                return Err(ValidationError::RaggedDatatable {
                    columns: d.columns.len(),
                    values: d.values.len(),
                });
            }
        }
        Source::Call { name, args } => {
            check_ident(name.as_str())?;
            for a in args {
                check_expr(a, lets)?;
            }
        }
    }
    for op in &t.ops {
        match op {
            Operator::Where(e) => check_expr(e, lets)?,
            Operator::Project(items) | Operator::Extend(items) => {
                let name = if matches!(op, Operator::Project(_)) {
                    "project"
                } else {
                    "extend"
                };
                nonempty(items, name)?;
                for a in items {
                    if let Some(n) = &a.name {
                        check_ident(n.as_str())?;
                    }
                    check_expr(&a.expr, lets)?;
                }
            }
            Operator::ProjectAway(names) => {
                nonempty(names, "project-away")?;
                for n in names {
                    check_ident(n.as_str())?;
                }
            }
            Operator::ProjectRename(pairs) => {
                nonempty(pairs, "project-rename")?;
                for (a, b) in pairs {
                    check_ident(a.as_str())?;
                    check_ident(b.as_str())?;
                }
            }
            Operator::Summarize { aggregates, by } => {
                if aggregates.is_empty() && by.is_empty() {
                    return Err(ValidationError::EmptyClause {
                        operator: "summarize",
                    });
                }
                for a in aggregates.iter().chain(by) {
                    check_expr(&a.expr, lets)?;
                }
            }
            Operator::OrderBy { keys, .. } => {
                nonempty(keys, "order by")?;
                for k in keys {
                    check_expr(&k.expr, lets)?;
                }
            }
            Operator::Top { by, .. } => check_expr(&by.expr, lets)?,
            Operator::Distinct(cols) => {
                for c in cols {
                    check_expr(c, lets)?;
                }
            }
            Operator::Join { right, on, .. } | Operator::Lookup { right, on, .. } => {
                nonempty(on, "join")?;
                check_tabular(right, lets)?;
            }
            Operator::MvExpand { items, .. } => {
                nonempty(items, "mv-expand")?;
                for a in items {
                    check_expr(&a.expr, lets)?;
                }
            }
            Operator::Take(_) => {}
        }
    }
    Ok(())
}

fn check_expr(e: &Expr, lets: &HashMap<&str, &Expr>) -> Result<(), ValidationError> {
    match e {
        Expr::Literal(_) => Ok(()),
        Expr::Column(c) => check_ident(c.as_str()),
        Expr::Call { args, .. } => args.iter().try_for_each(|a| check_expr(a, lets)),
        Expr::Not(e) | Expr::Paren(e) => check_expr(e, lets),
        Expr::Binary { left, right, .. } => {
            check_expr(left, lets)?;
            check_expr(right, lets)
        }
        Expr::Between {
            expr, low, high, ..
        } => {
            check_expr(expr, lets)?;
            check_expr(low, lets)?;
            check_expr(high, lets)
        }
        Expr::List { expr, op, values } => {
            check_expr(expr, lets)?;
            for v in values {
                check_expr(v, lets)?;
            }
            check_list(*op, values, lets)
        }
    }
}

/// Counts the values an `in`-family list stands for and checks the limit.
fn check_list(
    op: ListOp,
    values: &[Expr],
    lets: &HashMap<&str, &Expr>,
) -> Result<(), ValidationError> {
    let mut flat: Vec<Value<'_>> = Vec::new();
    let mut opaque = false;
    for v in values {
        flatten(v, lets, &mut flat, &mut opaque, 0);
    }
    if flat.is_empty() && !opaque {
        return Err(ValidationError::EmptyList { op });
    }
    let max = op.max_values();
    if flat.len() > max {
        let distinct: HashSet<String> = flat.iter().map(Value::key).collect();
        if distinct.len() > max {
            return Err(ValidationError::TooManyValues {
                op,
                count: distinct.len(),
                max,
            });
        }
    }
    Ok(())
}

enum Value<'a> {
    Lit(&'a Literal),
    Dyn(&'a Dynamic),
}

impl Value<'_> {
    fn key(&self) -> String {
        match self {
            Value::Lit(Literal::String(s)) | Value::Dyn(Dynamic::String(s)) => s.clone(),
            Value::Lit(l) => format!("\u{0}{l}"),
            Value::Dyn(d) => format!("\u{0}{d}"),
        }
    }
}

fn flatten<'a>(
    e: &'a Expr,
    lets: &HashMap<&str, &'a Expr>,
    out: &mut Vec<Value<'a>>,
    opaque: &mut bool,
    depth: usize,
) {
    match e {
        Expr::Literal(Literal::Dynamic(d)) => flatten_dynamic(d, out),
        Expr::Literal(l) => out.push(Value::Lit(l)),
        Expr::Column(c) if depth < 16 => match lets.get(c.as_str()) {
            Some(bound) => flatten(bound, lets, out, opaque, depth + 1),
            None => *opaque = true,
        },
        Expr::Paren(inner) => flatten(inner, lets, out, opaque, depth),
        _ => *opaque = true,
    }
}

fn flatten_dynamic<'a>(d: &'a Dynamic, out: &mut Vec<Value<'a>>) {
    match d {
        Dynamic::Array(items) => items.iter().for_each(|i| flatten_dynamic(i, out)),
        other => out.push(Value::Dyn(other)),
    }
}
