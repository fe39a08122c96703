//! Small constructors for building queries in code.
//!
//! Text passed where a value is expected becomes a string literal; only
//! [`col`] and the name arguments of the builders make identifiers. A value
//! from outside (an indicator) therefore never turns into query code.

use super::ast::{
    Assignment, BinaryOp, Comment, Direction, Dynamic, Expr, Ident, JoinKey, JoinKind, Let,
    LetValue, ListOp, Literal, LookupKind, Nulls, Operator, OrderKey, Query, SortKeyword, Source,
    Statement, Tabular, Timespan,
};

/// A column (or scalar variable) reference.
///
/// ```
/// use iochunt::kql::col;
/// assert_eq!(col("RemoteIP").to_string(), "RemoteIP");
/// assert_eq!(col("Query Parameters").to_string(), "['Query Parameters']");
/// ```
pub fn col(name: impl Into<Ident>) -> Expr {
    Expr::Column(name.into())
}

/// A literal value.
///
/// ```
/// use iochunt::kql::lit;
/// assert_eq!(lit("evil.com").to_string(), r#""evil.com""#);
/// assert_eq!(lit(443_i64).to_string(), "443");
/// ```
pub fn lit(value: impl Into<Literal>) -> Expr {
    Expr::Literal(value.into())
}

/// A function call.
///
/// ```
/// use iochunt::kql::{call, col, lit, Timespan, TimespanUnit};
/// let e = col("Timestamp").gt(call("ago", [lit(Timespan::new(7, TimespanUnit::Day))]));
/// assert_eq!(e.to_string(), "Timestamp > ago(7d)");
/// ```
pub fn call(name: impl Into<Ident>, args: impl IntoIterator<Item = Expr>) -> Expr {
    Expr::Call {
        name: name.into(),
        args: args.into_iter().collect(),
    }
}

/// `not(expr)`.
///
/// ```
/// use iochunt::kql::{col, not};
/// assert_eq!(not(col("Name").has_any(["a", "b"])).to_string(), r#"not(Name has_any ("a", "b"))"#);
/// ```
pub fn not(expr: Expr) -> Expr {
    Expr::Not(Box::new(expr))
}

impl std::ops::Not for Expr {
    type Output = Expr;
    fn not(self) -> Expr {
        not(self)
    }
}

macro_rules! binary_methods {
    ($($(#[$doc:meta])* $name:ident => $op:ident;)*) => {
        $(
            $(#[$doc])*
            #[must_use]
            pub fn $name(self, other: impl Into<Expr>) -> Expr {
                Expr::binary(self, BinaryOp::$op, other.into())
            }
        )*
    };
}

macro_rules! list_methods {
    ($($(#[$doc:meta])* $name:ident => $op:ident;)*) => {
        $(
            $(#[$doc])*
            #[must_use]
            pub fn $name<I, V>(self, values: I) -> Expr
            where
                I: IntoIterator<Item = V>,
                V: Into<Expr>,
            {
                self.list(ListOp::$op, values)
            }
        )*
    };
}

impl Expr {
    /// `left op right`, adding parentheses around an operand that binds
    /// more loosely than `op` (operators are left-associative).
    ///
    /// ```
    /// use iochunt::kql::{col, BinaryOp, Expr};
    /// let a_or_b = col("a").or(col("b"));
    /// let e = Expr::binary(a_or_b, BinaryOp::And, col("c"));
    /// assert_eq!(e.to_string(), "(a or b) and c");
    /// ```
    #[must_use]
    pub fn binary(left: Expr, op: BinaryOp, right: Expr) -> Expr {
        let p = op.precedence();
        let left = if left.precedence() < p {
            left.paren()
        } else {
            left
        };
        let right = if right.precedence() <= p {
            right.paren()
        } else {
            right
        };
        Expr::Binary {
            left: Box::new(left),
            op,
            right: Box::new(right),
        }
    }

    /// `( self )`
    ///
    /// ```
    /// use iochunt::kql::col;
    /// assert_eq!(col("a").paren().to_string(), "(a)");
    /// ```
    #[must_use]
    pub fn paren(self) -> Expr {
        Expr::Paren(Box::new(self))
    }

    /// `self op (values...)`; text values become string literals.
    ///
    /// ```
    /// use iochunt::kql::{col, ListOp};
    /// let e = col("SHA256").list(ListOp::InCi, ["ABC", "def"]);
    /// assert_eq!(e.to_string(), r#"SHA256 in~ ("ABC", "def")"#);
    /// ```
    #[must_use]
    pub fn list<I, V>(self, op: ListOp, values: I) -> Expr
    where
        I: IntoIterator<Item = V>,
        V: Into<Expr>,
    {
        let expr = if self.precedence() < super::ast::PREC_COMPARISON {
            self.paren()
        } else {
            self
        };
        Expr::List {
            expr: Box::new(expr),
            op,
            values: values.into_iter().map(Into::into).collect(),
        }
    }

    /// `self between (low .. high)`
    ///
    /// ```
    /// use iochunt::kql::{col, lit};
    /// assert_eq!(col("Port").between(lit(1_i64), lit(1024_i64)).to_string(), "Port between (1 .. 1024)");
    /// ```
    #[must_use]
    pub fn between(self, low: impl Into<Expr>, high: impl Into<Expr>) -> Expr {
        self.between_impl(false, low.into(), high.into())
    }

    /// `self !between (low .. high)`
    ///
    /// ```
    /// use iochunt::kql::{col, lit};
    /// assert_eq!(col("P").not_between(lit(1_i64), lit(2_i64)).to_string(), "P !between (1 .. 2)");
    /// ```
    #[must_use]
    pub fn not_between(self, low: impl Into<Expr>, high: impl Into<Expr>) -> Expr {
        self.between_impl(true, low.into(), high.into())
    }

    fn between_impl(self, negated: bool, low: Expr, high: Expr) -> Expr {
        let expr = if self.precedence() < super::ast::PREC_COMPARISON {
            self.paren()
        } else {
            self
        };
        Expr::Between {
            expr: Box::new(expr),
            negated,
            low: Box::new(low),
            high: Box::new(high),
        }
    }

    /// Sort key `self asc`.
    ///
    /// ```
    /// use iochunt::kql::col;
    /// assert_eq!(col("T").asc().to_string(), "T asc");
    /// ```
    #[must_use]
    pub fn asc(self) -> OrderKey {
        OrderKey::asc(self)
    }

    /// Sort key `self desc`.
    ///
    /// ```
    /// use iochunt::kql::col;
    /// assert_eq!(col("T").desc().to_string(), "T desc");
    /// ```
    #[must_use]
    pub fn desc(self) -> OrderKey {
        OrderKey::desc(self)
    }

    binary_methods! {
        /// `self and other`
        ///
        /// ```
        /// use iochunt::kql::col;
        /// let e = col("a").or(col("b")).and(col("c"));
        /// assert_eq!(e.to_string(), "(a or b) and c");
        /// ```
        and => And;
        /// `self or other`
        ///
        /// ```
        /// use iochunt::kql::col;
        /// assert_eq!(col("a").or(col("b")).to_string(), "a or b");
        /// ```
        or => Or;
        /// `self == other`
        ///
        /// ```
        /// use iochunt::kql::col;
        /// assert_eq!(col("RemotePort").equals(443_i64).to_string(), "RemotePort == 443");
        /// ```
        equals => Eq;
        /// `self != other`
        ///
        /// ```
        /// use iochunt::kql::col;
        /// assert_eq!(col("a").not_equals("x").to_string(), r#"a != "x""#);
        /// ```
        not_equals => Ne;
        /// `self =~ other` (case-insensitive)
        ///
        /// ```
        /// use iochunt::kql::col;
        /// assert_eq!(col("Name").equals_ci("Evil.com").to_string(), r#"Name =~ "Evil.com""#);
        /// ```
        equals_ci => EqCi;
        /// `self !~ other`
        ///
        /// ```
        /// use iochunt::kql::col;
        /// assert_eq!(col("a").not_equals_ci("x").to_string(), r#"a !~ "x""#);
        /// ```
        not_equals_ci => NeCi;
        /// `self < other`
        ///
        /// ```
        /// use iochunt::kql::col;
        /// assert_eq!(col("a").lt(1_i64).to_string(), "a < 1");
        /// ```
        lt => Lt;
        /// `self <= other`
        ///
        /// ```
        /// use iochunt::kql::col;
        /// assert_eq!(col("a").le(1_i64).to_string(), "a <= 1");
        /// ```
        le => Le;
        /// `self > other`
        ///
        /// ```
        /// use iochunt::kql::col;
        /// assert_eq!(col("a").gt(1_i64).to_string(), "a > 1");
        /// ```
        gt => Gt;
        /// `self >= other`
        ///
        /// ```
        /// use iochunt::kql::col;
        /// assert_eq!(col("a").ge(1_i64).to_string(), "a >= 1");
        /// ```
        ge => Ge;
        /// `self has other` (whole term, case-insensitive)
        ///
        /// ```
        /// use iochunt::kql::col;
        /// assert_eq!(col("Url").has("evil").to_string(), r#"Url has "evil""#);
        /// ```
        has => Has;
        /// `self !has other`
        ///
        /// ```
        /// use iochunt::kql::col;
        /// assert_eq!(col("Url").not_has("x").to_string(), r#"Url !has "x""#);
        /// ```
        not_has => NotHas;
        /// `self has_cs other`
        ///
        /// ```
        /// use iochunt::kql::col;
        /// assert_eq!(col("Url").has_cs("X").to_string(), r#"Url has_cs "X""#);
        /// ```
        has_cs => HasCs;
        /// `self contains other`
        ///
        /// ```
        /// use iochunt::kql::col;
        /// assert_eq!(col("C").contains("x").to_string(), r#"C contains "x""#);
        /// ```
        contains => Contains;
        /// `self contains_cs other`
        ///
        /// ```
        /// use iochunt::kql::col;
        /// assert_eq!(col("C").contains_cs("x").to_string(), r#"C contains_cs "x""#);
        /// ```
        contains_cs => ContainsCs;
        /// `self startswith other`
        ///
        /// ```
        /// use iochunt::kql::col;
        /// assert_eq!(col("C").startswith("x").to_string(), r#"C startswith "x""#);
        /// ```
        startswith => StartsWith;
        /// `self startswith_cs other`
        ///
        /// ```
        /// use iochunt::kql::col;
        /// assert_eq!(col("C").startswith_cs("x").to_string(), r#"C startswith_cs "x""#);
        /// ```
        startswith_cs => StartsWithCs;
        /// `self endswith other`
        ///
        /// ```
        /// use iochunt::kql::col;
        /// assert_eq!(col("Name").endswith(".evil.com").to_string(), r#"Name endswith ".evil.com""#);
        /// ```
        endswith => EndsWith;
        /// `self endswith_cs other`
        ///
        /// ```
        /// use iochunt::kql::col;
        /// assert_eq!(col("C").endswith_cs("x").to_string(), r#"C endswith_cs "x""#);
        /// ```
        endswith_cs => EndsWithCs;
        /// `self matches regex other`
        ///
        /// ```
        /// use iochunt::kql::col;
        /// assert_eq!(col("C").matches_regex(r"\d+").to_string(), r#"C matches regex "\\d+""#);
        /// ```
        matches_regex => MatchesRegex;
        /// `self !has_cs other`
        ///
        /// ```
        /// use iochunt::kql::col;
        /// assert_eq!(col("C").not_has_cs("x").to_string(), r#"C !has_cs "x""#);
        /// ```
        not_has_cs => NotHasCs;
        /// `self !contains other`
        ///
        /// ```
        /// use iochunt::kql::col;
        /// assert_eq!(col("C").not_contains("x").to_string(), r#"C !contains "x""#);
        /// ```
        not_contains => NotContains;
        /// `self !contains_cs other`
        ///
        /// ```
        /// use iochunt::kql::col;
        /// assert_eq!(col("C").not_contains_cs("x").to_string(), r#"C !contains_cs "x""#);
        /// ```
        not_contains_cs => NotContainsCs;
        /// `self !startswith other`
        ///
        /// ```
        /// use iochunt::kql::col;
        /// assert_eq!(col("C").not_startswith("x").to_string(), r#"C !startswith "x""#);
        /// ```
        not_startswith => NotStartsWith;
        /// `self !startswith_cs other`
        ///
        /// ```
        /// use iochunt::kql::col;
        /// assert_eq!(col("C").not_startswith_cs("x").to_string(), r#"C !startswith_cs "x""#);
        /// ```
        not_startswith_cs => NotStartsWithCs;
        /// `self !endswith other`
        ///
        /// ```
        /// use iochunt::kql::col;
        /// assert_eq!(col("C").not_endswith("x").to_string(), r#"C !endswith "x""#);
        /// ```
        not_endswith => NotEndsWith;
        /// `self !endswith_cs other`
        ///
        /// ```
        /// use iochunt::kql::col;
        /// assert_eq!(col("C").not_endswith_cs("x").to_string(), r#"C !endswith_cs "x""#);
        /// ```
        not_endswith_cs => NotEndsWithCs;
    }

    /// `a and b and ...`, or `None` for no predicates.
    ///
    /// ```
    /// use iochunt::kql::{col, Expr};
    /// let e = Expr::all([col("a").or(col("b")), col("c")]);
    /// assert_eq!(e.map(|e| e.to_string()).as_deref(), Some("(a or b) and c"));
    /// assert_eq!(Expr::all([]), None);
    /// ```
    pub fn all(predicates: impl IntoIterator<Item = Expr>) -> Option<Expr> {
        predicates.into_iter().reduce(Expr::and)
    }

    /// `a or b or ...`, or `None` for no predicates.
    ///
    /// ```
    /// use iochunt::kql::{col, Expr};
    /// let e = Expr::any([col("a").and(col("b")), col("c")]);
    /// assert_eq!(e.map(|e| e.to_string()).as_deref(), Some("a and b or c"));
    /// ```
    pub fn any(predicates: impl IntoIterator<Item = Expr>) -> Option<Expr> {
        predicates.into_iter().reduce(Expr::or)
    }

    list_methods! {
        /// `self in (values...)`, case-sensitive
        ///
        /// ```
        /// use iochunt::kql::col;
        /// let ips = vec!["104.168.5.18".to_string(), "192.3.171.227".to_string()];
        /// assert_eq!(
        ///     col("RemoteIP").in_(ips).to_string(),
        ///     r#"RemoteIP in ("104.168.5.18", "192.3.171.227")"#
        /// );
        /// // A let-bound list is referenced with `col`:
        /// assert_eq!(
        ///     col("RemoteIP").in_([col("malicious_ips")]).to_string(),
        ///     "RemoteIP in (malicious_ips)"
        /// );
        /// ```
        in_ => In;
        /// `self !in (values...)`
        ///
        /// ```
        /// use iochunt::kql::col;
        /// assert_eq!(col("a").not_in(["x"]).to_string(), r#"a !in ("x")"#);
        /// ```
        not_in => NotIn;
        /// `self in~ (values...)`, case-insensitive
        ///
        /// ```
        /// use iochunt::kql::col;
        /// assert_eq!(col("a").in_ci(["x"]).to_string(), r#"a in~ ("x")"#);
        /// ```
        in_ci => InCi;
        /// `self !in~ (values...)`
        ///
        /// ```
        /// use iochunt::kql::col;
        /// assert_eq!(col("a").not_in_ci(["x"]).to_string(), r#"a !in~ ("x")"#);
        /// ```
        not_in_ci => NotInCi;
        /// `self has_any (values...)`
        ///
        /// ```
        /// use iochunt::kql::col;
        /// assert_eq!(col("Name").has_any([col("malicious_domains")]).to_string(), "Name has_any (malicious_domains)");
        /// ```
        has_any => HasAny;
        /// `self has_all (values...)`
        ///
        /// ```
        /// use iochunt::kql::col;
        /// assert_eq!(col("a").has_all(["x", "y"]).to_string(), r#"a has_all ("x", "y")"#);
        /// ```
        has_all => HasAll;
    }
}

macro_rules! arith {
    ($trait:ident, $method:ident, $op:ident) => {
        impl std::ops::$trait for Expr {
            type Output = Expr;
            fn $method(self, rhs: Expr) -> Expr {
                Expr::binary(self, BinaryOp::$op, rhs)
            }
        }
    };
}
arith!(Add, add, Add);
arith!(Sub, sub, Sub);
arith!(Mul, mul, Mul);
arith!(Div, div, Div);
arith!(Rem, rem, Rem);

macro_rules! expr_from_literal {
    ($($t:ty),*) => {
        $(
            impl From<$t> for Expr {
                fn from(v: $t) -> Expr {
                    Expr::Literal(Literal::from(v))
                }
            }
        )*
    };
}
expr_from_literal!(
    &str,
    String,
    &String,
    i64,
    i32,
    f64,
    bool,
    jiff::Timestamp,
    Timespan,
    Dynamic
);

impl From<Literal> for Expr {
    fn from(l: Literal) -> Expr {
        Expr::Literal(l)
    }
}

impl From<Expr> for Assignment {
    fn from(expr: Expr) -> Self {
        Assignment { name: None, expr }
    }
}

impl From<&str> for Assignment {
    /// A bare column.
    fn from(name: &str) -> Self {
        Assignment::from(col(name))
    }
}

impl From<String> for Assignment {
    /// A bare column.
    fn from(name: String) -> Self {
        Assignment::from(col(name))
    }
}

impl<N: Into<Ident>> From<(N, Expr)> for Assignment {
    /// `name = expr`
    fn from((name, expr): (N, Expr)) -> Self {
        Assignment::named(name, expr)
    }
}

impl Assignment {
    /// `name = expr`
    ///
    /// ```
    /// use iochunt::kql::{Assignment, col};
    /// assert_eq!(Assignment::named("Ip", col("RemoteIP")).to_string(), "Ip = RemoteIP");
    /// ```
    pub fn named(name: impl Into<Ident>, expr: Expr) -> Self {
        Assignment {
            name: Some(name.into()),
            expr,
        }
    }
}

impl OrderKey {
    /// `expr asc`
    ///
    /// ```
    /// use iochunt::kql::{OrderKey, col};
    /// assert_eq!(OrderKey::asc(col("a")).to_string(), "a asc");
    /// ```
    pub fn asc(expr: Expr) -> Self {
        OrderKey {
            expr,
            direction: Some(Direction::Asc),
            nulls: None,
        }
    }

    /// `expr desc`
    ///
    /// ```
    /// use iochunt::kql::{OrderKey, col};
    /// assert_eq!(OrderKey::desc(col("a")).to_string(), "a desc");
    /// ```
    pub fn desc(expr: Expr) -> Self {
        OrderKey {
            expr,
            direction: Some(Direction::Desc),
            nulls: None,
        }
    }

    /// Adds `nulls first`.
    ///
    /// ```
    /// use iochunt::kql::col;
    /// assert_eq!(col("a").asc().nulls_first().to_string(), "a asc nulls first");
    /// ```
    #[must_use]
    pub fn nulls_first(mut self) -> Self {
        self.nulls = Some(Nulls::First);
        self
    }

    /// Adds `nulls last`.
    ///
    /// ```
    /// use iochunt::kql::col;
    /// assert_eq!(col("a").desc().nulls_last().to_string(), "a desc nulls last");
    /// ```
    #[must_use]
    pub fn nulls_last(mut self) -> Self {
        self.nulls = Some(Nulls::Last);
        self
    }
}

impl From<Expr> for OrderKey {
    fn from(expr: Expr) -> Self {
        OrderKey {
            expr,
            direction: None,
            nulls: None,
        }
    }
}

impl From<&str> for OrderKey {
    /// A bare column, default direction.
    fn from(name: &str) -> Self {
        OrderKey::from(col(name))
    }
}

impl From<&str> for JoinKey {
    fn from(name: &str) -> Self {
        JoinKey::Column(name.into())
    }
}

impl From<(&str, &str)> for JoinKey {
    /// `$left.a == $right.b`
    fn from((left, right): (&str, &str)) -> Self {
        JoinKey::Columns {
            left: left.into(),
            right: right.into(),
        }
    }
}

macro_rules! pipeline_methods {
    () => {
        /// Appends any operator.
        ///
        /// ```
        /// use iochunt::kql::{Operator, Query};
        /// assert_eq!(Query::table("T").pipe(Operator::Take(3)).to_string(), "T | take 3");
        /// ```
        #[must_use]
        pub fn pipe(mut self, op: Operator) -> Self {
            self.ops_mut().push(op);
            self
        }

        /// `| where predicate`
        ///
        /// ```
        /// use iochunt::kql::{Query, col};
        /// let q = Query::table("T").where_(col("Port").equals(443_i64));
        /// assert_eq!(q.to_string(), "T | where Port == 443");
        /// ```
        #[must_use]
        pub fn where_(self, predicate: Expr) -> Self {
            self.pipe(Operator::Where(predicate))
        }

        /// `| project ...`; plain text items are column names.
        ///
        /// ```
        /// use iochunt::kql::{Assignment, Query, col};
        /// let q = Query::table("T").project([
        ///     Assignment::from("DeviceName"),
        ///     Assignment::named("Ip", col("RemoteIP")),
        /// ]);
        /// assert_eq!(q.to_string(), "T | project DeviceName, Ip = RemoteIP");
        /// ```
        #[must_use]
        pub fn project<I, A>(self, items: I) -> Self
        where
            I: IntoIterator<Item = A>,
            A: Into<Assignment>,
        {
            self.pipe(Operator::Project(
                items.into_iter().map(Into::into).collect(),
            ))
        }

        /// `| project-away ...`
        ///
        /// ```
        /// use iochunt::kql::Query;
        /// assert_eq!(Query::table("T").project_away(["a", "b c"]).to_string(), "T | project-away a, ['b c']");
        /// ```
        #[must_use]
        pub fn project_away<I, N>(self, columns: I) -> Self
        where
            I: IntoIterator<Item = N>,
            N: Into<Ident>,
        {
            self.pipe(Operator::ProjectAway(
                columns.into_iter().map(Into::into).collect(),
            ))
        }

        /// `| project-rename new = old, ...`
        ///
        /// ```
        /// use iochunt::kql::Query;
        /// assert_eq!(Query::table("T").project_rename([("Ip", "RemoteIP")]).to_string(), "T | project-rename Ip = RemoteIP");
        /// ```
        #[must_use]
        pub fn project_rename<I, N, O>(self, pairs: I) -> Self
        where
            I: IntoIterator<Item = (N, O)>,
            N: Into<Ident>,
            O: Into<Ident>,
        {
            self.pipe(Operator::ProjectRename(
                pairs
                    .into_iter()
                    .map(|(n, o)| (n.into(), o.into()))
                    .collect(),
            ))
        }

        /// `| extend ...`
        ///
        /// ```
        /// use iochunt::kql::{Query, call, col};
        /// let q = Query::table("T").extend([("Host", call("tolower", [col("Name")]))]);
        /// assert_eq!(q.to_string(), "T | extend Host = tolower(Name)");
        /// ```
        #[must_use]
        pub fn extend<I, A>(self, items: I) -> Self
        where
            I: IntoIterator<Item = A>,
            A: Into<Assignment>,
        {
            self.pipe(Operator::Extend(
                items.into_iter().map(Into::into).collect(),
            ))
        }

        /// `| summarize aggregates by keys`
        ///
        /// ```
        /// use iochunt::kql::{Query, call, col, lit, Timespan, TimespanUnit};
        /// let q = Query::table("T").summarize(
        ///     [("Hits", call("count", []))],
        ///     [call("bin", [col("Timestamp"), lit(Timespan::new(1, TimespanUnit::Hour))])],
        /// );
        /// assert_eq!(q.to_string(), "T | summarize Hits = count() by bin(Timestamp, 1h)");
        /// ```
        #[must_use]
        pub fn summarize<I, A, J, B>(self, aggregates: I, by: J) -> Self
        where
            I: IntoIterator<Item = A>,
            A: Into<Assignment>,
            J: IntoIterator<Item = B>,
            B: Into<Assignment>,
        {
            self.pipe(Operator::Summarize {
                aggregates: aggregates.into_iter().map(Into::into).collect(),
                by: by.into_iter().map(Into::into).collect(),
            })
        }

        /// `| order by ...`
        ///
        /// ```
        /// use iochunt::kql::{Query, col};
        /// let q = Query::table("T").order_by([col("Timestamp").desc(), col("Name").asc()]);
        /// assert_eq!(q.to_string(), "T | order by Timestamp desc, Name asc");
        /// ```
        #[must_use]
        pub fn order_by<I, K>(self, keys: I) -> Self
        where
            I: IntoIterator<Item = K>,
            K: Into<OrderKey>,
        {
            self.pipe(Operator::OrderBy {
                keyword: SortKeyword::Order,
                keys: keys.into_iter().map(Into::into).collect(),
            })
        }

        /// `| sort by ...`
        ///
        /// ```
        /// use iochunt::kql::Query;
        /// assert_eq!(Query::table("T").sort_by(["a"]).to_string(), "T | sort by a");
        /// ```
        #[must_use]
        pub fn sort_by<I, K>(self, keys: I) -> Self
        where
            I: IntoIterator<Item = K>,
            K: Into<OrderKey>,
        {
            self.pipe(Operator::OrderBy {
                keyword: SortKeyword::Sort,
                keys: keys.into_iter().map(Into::into).collect(),
            })
        }

        /// `| take n`
        ///
        /// ```
        /// use iochunt::kql::Query;
        /// assert_eq!(Query::table("T").take(10).to_string(), "T | take 10");
        /// ```
        #[must_use]
        pub fn take(self, n: u64) -> Self {
            self.pipe(Operator::Take(n))
        }

        /// `| top n by key`
        ///
        /// ```
        /// use iochunt::kql::{Query, col};
        /// assert_eq!(Query::table("T").top(5, col("Hits").desc()).to_string(), "T | top 5 by Hits desc");
        /// ```
        #[must_use]
        pub fn top(self, n: u64, by: impl Into<OrderKey>) -> Self {
            self.pipe(Operator::Top {
                count: n,
                by: by.into(),
            })
        }

        /// `| distinct ...`; no columns means `distinct *`.
        ///
        /// ```
        /// use iochunt::kql::Query;
        /// assert_eq!(Query::table("T").distinct(["a", "b"]).to_string(), "T | distinct a, b");
        /// let none: [&str; 0] = [];
        /// assert_eq!(Query::table("T").distinct(none).to_string(), "T | distinct *");
        /// ```
        #[must_use]
        pub fn distinct<I, N>(self, columns: I) -> Self
        where
            I: IntoIterator<Item = N>,
            N: Into<Ident>,
        {
            self.pipe(Operator::Distinct(
                columns.into_iter().map(|c| col(c)).collect(),
            ))
        }

        /// `| join kind=... (right) on ...`
        ///
        /// ```
        /// use iochunt::kql::{JoinKey, JoinKind, Query, Tabular, col};
        /// let right = Tabular::table("DeviceInfo").where_(col("OSPlatform").equals("Windows10"));
        /// let q = Query::table("DeviceNetworkEvents").join(Some(JoinKind::Inner), right, ["DeviceId"]);
        /// assert_eq!(
        ///     q.to_string(),
        ///     r#"DeviceNetworkEvents | join kind=inner (DeviceInfo | where OSPlatform == "Windows10") on DeviceId"#
        /// );
        /// let q = Query::table("A").join(None, Tabular::table("B"), [JoinKey::from(("x", "y"))]);
        /// assert_eq!(q.to_string(), "A | join B on $left.x == $right.y");
        /// ```
        #[must_use]
        pub fn join<I, K>(self, kind: Option<JoinKind>, right: Tabular, on: I) -> Self
        where
            I: IntoIterator<Item = K>,
            K: Into<JoinKey>,
        {
            self.pipe(Operator::Join {
                kind,
                right,
                on: on.into_iter().map(Into::into).collect(),
            })
        }

        /// `| lookup kind=... (right) on ...`
        ///
        /// ```
        /// use iochunt::kql::{LookupKind, Query, Tabular};
        /// let q = Query::table("A").lookup(Some(LookupKind::LeftOuter), Tabular::table("B"), ["k"]);
        /// assert_eq!(q.to_string(), "A | lookup kind=leftouter B on k");
        /// ```
        #[must_use]
        pub fn lookup<I, K>(self, kind: Option<LookupKind>, right: Tabular, on: I) -> Self
        where
            I: IntoIterator<Item = K>,
            K: Into<JoinKey>,
        {
            self.pipe(Operator::Lookup {
                kind,
                right,
                on: on.into_iter().map(Into::into).collect(),
            })
        }

        /// `| mv-expand ...`
        ///
        /// ```
        /// use iochunt::kql::Query;
        /// assert_eq!(Query::table("T").mv_expand(["Ips"]).to_string(), "T | mv-expand Ips");
        /// ```
        #[must_use]
        pub fn mv_expand<I, A>(self, items: I) -> Self
        where
            I: IntoIterator<Item = A>,
            A: Into<Assignment>,
        {
            self.pipe(Operator::MvExpand {
                items: items.into_iter().map(Into::into).collect(),
                limit: None,
            })
        }
    };
}

impl Tabular {
    /// A bare table reference.
    ///
    /// ```
    /// use iochunt::kql::Tabular;
    /// assert_eq!(Tabular::table("DnsEvents").take(5).to_string(), "DnsEvents | take 5");
    /// ```
    pub fn table(name: impl Into<Ident>) -> Self {
        Tabular {
            source: Source::Table(name.into()),
            ops: Vec::new(),
        }
    }

    /// A tabular function call as the source.
    ///
    /// ```
    /// use iochunt::kql::{Query, Tabular, col, lit};
    /// let t = Tabular::function("_GetWatchlist", [lit("iochunt_ips")]).project([col("SearchKey")]);
    /// assert_eq!(t.to_string(), r#"_GetWatchlist("iochunt_ips") | project SearchKey"#);
    /// assert_eq!(Query::parse(&t.to_string())?.body, t);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn function(name: impl Into<Ident>, args: impl IntoIterator<Item = Expr>) -> Self {
        Tabular {
            source: Source::Call {
                name: name.into(),
                args: args.into_iter().collect(),
            },
            ops: Vec::new(),
        }
    }

    fn ops_mut(&mut self) -> &mut Vec<Operator> {
        &mut self.ops
    }

    pipeline_methods!();
}

impl Query {
    /// A query over one table, with no statements yet.
    ///
    /// ```
    /// use iochunt::kql::{Query, col};
    /// let q = Query::table("DeviceNetworkEvents")
    ///     .where_(col("RemotePort").equals(8823_i64))
    ///     .project(["Timestamp", "RemoteIP"])
    ///     .order_by([col("Timestamp").desc()]);
    /// assert_eq!(
    ///     q.to_string(),
    ///     "DeviceNetworkEvents | where RemotePort == 8823 | project Timestamp, RemoteIP | order by Timestamp desc"
    /// );
    /// ```
    pub fn table(name: impl Into<Ident>) -> Self {
        Query::new(Tabular::table(name))
    }

    /// A query with the given body and no statements.
    ///
    /// ```
    /// use iochunt::kql::{Query, Tabular};
    /// assert_eq!(Query::new(Tabular::table("T")).to_string(), "T");
    /// ```
    pub fn new(body: Tabular) -> Self {
        Query {
            statements: Vec::new(),
            body,
        }
    }

    /// Appends a `// comment` line before the body.
    ///
    /// ```
    /// use iochunt::kql::{Comment, Query};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let q = Query::table("T").comment(Comment::new("why")?);
    /// assert_eq!(q.to_string(), "// why\nT");
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn comment(mut self, comment: Comment) -> Self {
        self.statements.push(Statement::Comment(comment));
        self
    }

    /// Appends `let name = value;` before the body.
    ///
    /// ```
    /// use iochunt::kql::{Dynamic, Query, col, lit};
    /// let q = Query::table("T")
    ///     .let_("ips", lit(Dynamic::strings(["1.2.3.4"])))
    ///     .where_(col("Ip").in_([col("ips")]));
    /// assert_eq!(q.to_string(), r#"let ips = dynamic(["1.2.3.4"]); T | where Ip in (ips)"#);
    /// ```
    #[must_use]
    pub fn let_(mut self, name: impl Into<Ident>, value: Expr) -> Self {
        self.statements.push(Statement::Let(Let {
            name: name.into(),
            value: LetValue::Scalar(value),
        }));
        self
    }

    /// Appends a tabular `let name = tabular;` before the body.
    ///
    /// ```
    /// use iochunt::kql::{Query, Tabular};
    /// let q = Query::table("recent").let_tabular("recent", Tabular::table("T").take(5));
    /// assert_eq!(q.to_string(), "let recent = T | take 5; recent");
    /// ```
    #[must_use]
    pub fn let_tabular(mut self, name: impl Into<Ident>, value: Tabular) -> Self {
        self.statements.push(Statement::Let(Let {
            name: name.into(),
            value: LetValue::Tabular(value),
        }));
        self
    }

    fn ops_mut(&mut self) -> &mut Vec<Operator> {
        &mut self.body.ops
    }

    pipeline_methods!();
}
