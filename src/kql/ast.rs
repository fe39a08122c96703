//! The KQL syntax tree. Every node renders itself through `Display`:
//! `{}` gives one line, `{:#}` puts each `| operator` on its own line.

use std::fmt::{self, Display, Write as _};

use super::fmt::{
    BUFFER_AFTER, Buffered, KEYWORDS, LITERAL_WORDS, Sink, comma_separated, write_name,
};
use super::validate::ValidationError;

/// Renders `value` with the same alternate (`{:#}`) flag as `f`.
fn write_same_style(f: &mut fmt::Formatter<'_>, value: &impl Display) -> fmt::Result {
    if f.alternate() {
        write!(f, "{value:#}")
    } else {
        write!(f, "{value}")
    }
}

/// A complete query: leading statements (comments and `let`s) and a
/// tabular body.
///
/// # Examples
///
/// ```
/// use iochunt::kql::{Query, col};
///
/// let q = Query::table("DeviceNetworkEvents")
///     .where_(col("RemoteIP").in_(["10.0.0.1", "10.0.0.2"]))
///     .take(10);
/// assert_eq!(
///     q.to_string(),
///     r#"DeviceNetworkEvents | where RemoteIP in ("10.0.0.1", "10.0.0.2") | take 10"#
/// );
/// assert_eq!(
///     format!("{q:#}"),
///     "DeviceNetworkEvents\n| where RemoteIP in (\"10.0.0.1\", \"10.0.0.2\")\n| take 10"
/// );
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// Comments and `let` statements, in order.
    pub statements: Vec<Statement>,
    /// The tabular expression the query returns.
    pub body: Tabular,
}

impl Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for statement in &self.statements {
            match statement {
                // A comment runs to the end of its line, so it always gets one.
                Statement::Comment(c) => writeln!(f, "{c}")?,
                Statement::Let(l) => {
                    write_same_style(f, l)?;
                    f.write_str(if f.alternate() { "\n" } else { " " })?;
                }
            }
        }
        write_same_style(f, &self.body)
    }
}

/// A statement before the query body.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Statement {
    /// A `// ...` comment line.
    Comment(Comment),
    /// `let name = value;`
    Let(Let),
}

impl Display for Statement {
    /// A comment without its line break, or a `let` with its `;`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Statement::Comment(c) => c.fmt(f),
            Statement::Let(l) => write_same_style(f, l),
        }
    }
}

/// A `//` comment line. Its text cannot contain a line break or any other
/// control character (tab excepted), so it can never end early and turn
/// the rest of its text into query code.
///
/// # Examples
///
/// ```
/// use iochunt::kql::Comment;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let c = Comment::new("Source: ThreatFox - XWorm")?;
/// assert_eq!(c.to_string(), "// Source: ThreatFox - XWorm");
/// assert!(Comment::new("line\n| take 1").is_err());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Comment(String);

/// Whether `c` is a control character or a Unicode line or paragraph
/// separator: what a `//` comment line, or one line of a document, must not
/// hold. Text from feeds is cleaned with this before it goes into either.
pub(crate) fn breaks_a_line(c: char) -> bool {
    c.is_control() || c == '\u{2028}' || c == '\u{2029}'
}

/// `text` with every character that [`breaks_a_line`] replaced by a space.
pub(crate) fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if breaks_a_line(c) { ' ' } else { c })
        .collect()
}

impl Comment {
    /// Makes a comment from its text (without the leading `//`).
    ///
    /// # Errors
    ///
    /// [`ValidationError::InvalidComment`] if `text` contains a control
    /// character other than tab, or U+2028/U+2029.
    pub fn new(text: impl Into<String>) -> Result<Self, ValidationError> {
        let text = text.into();
        if text.chars().any(|c| breaks_a_line(c) && c != '\t') {
            return Err(ValidationError::InvalidComment { text });
        }
        Ok(Comment(text))
    }

    /// The comment text, without the leading `//`.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// assert_eq!(iochunt::kql::Comment::new("x")?.as_str(), "x");
    /// # Ok(())
    /// # }
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Display for Comment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("//")
        } else {
            write!(f, "// {}", self.0)
        }
    }
}

/// `let name = value;`
#[derive(Debug, Clone, PartialEq)]
pub struct Let {
    /// The bound name.
    pub name: Ident,
    /// The bound value.
    pub value: LetValue,
}

impl Display for Let {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "let {} = ", self.name)?;
        match &self.value {
            LetValue::Scalar(e) => write!(f, "{e}")?,
            LetValue::Tabular(t) => write_same_style(f, t)?,
        }
        f.write_str(";")
    }
}

/// The value of a `let` statement.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum LetValue {
    /// A scalar expression, e.g. `dynamic(["a", "b"])` or `ago(7d)`.
    Scalar(Expr),
    /// A tabular expression. A bare table name with no operators reads
    /// back as a scalar column reference, so give it at least one operator.
    Tabular(Tabular),
}

/// A table, column, variable or function name. Names that are not plain
/// words (`[A-Za-z_][A-Za-z0-9_]*`) or that are keywords render
/// bracket-quoted, `['...']`.
///
/// # Examples
///
/// ```
/// use iochunt::kql::Ident;
///
/// assert_eq!(Ident::new("RemoteIP").to_string(), "RemoteIP");
/// assert_eq!(Ident::new("where").to_string(), "['where']");
/// assert_eq!(Ident::new("Query Parameters").to_string(), "['Query Parameters']");
/// assert_eq!(Ident::new("it's").to_string(), r"['it\'s']");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ident(String);

impl Ident {
    /// Makes a name; any text is accepted and rendered safely.
    ///
    /// ```
    /// assert_eq!(iochunt::kql::Ident::new("a b").as_str(), "a b");
    /// ```
    pub fn new(name: impl Into<String>) -> Self {
        Ident(name.into())
    }

    /// The name as given.
    ///
    /// ```
    /// assert_eq!(iochunt::kql::Ident::new("x").as_str(), "x");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Renders as a function name: bracket-quoted only if not a plain word
    /// or if it is a literal keyword such as `dynamic`.
    pub(crate) fn fmt_function(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_name(f, &self.0, LITERAL_WORDS)
    }
}

impl Display for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_name(f, &self.0, KEYWORDS)
    }
}

impl From<&str> for Ident {
    fn from(s: &str) -> Self {
        Ident::new(s)
    }
}

impl From<String> for Ident {
    fn from(s: String) -> Self {
        Ident(s)
    }
}

impl From<&String> for Ident {
    fn from(s: &String) -> Self {
        Ident(s.clone())
    }
}

/// A tabular expression: a source and a pipe of operators.
///
/// # Examples
///
/// ```
/// use iochunt::kql::{Tabular, col};
///
/// let t = Tabular::table("DnsEvents").where_(col("Name").has("evil.com"));
/// assert_eq!(t.to_string(), r#"DnsEvents | where Name has "evil.com""#);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Tabular {
    /// Where rows come from.
    pub source: Source,
    /// Operators applied in order, each rendered after a `|`.
    pub ops: Vec<Operator>,
}

impl Tabular {
    /// True for a bare table name without operators.
    pub(crate) fn as_bare_table(&self) -> Option<&Ident> {
        match (&self.source, self.ops.is_empty()) {
            (Source::Table(name), true) => Some(name),
            _ => None,
        }
    }
}

impl Display for Tabular {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.source)?;
        let sep = if f.alternate() { "\n| " } else { " | " };
        for op in &self.ops {
            f.write_str(sep)?;
            write!(f, "{op}")?;
        }
        Ok(())
    }
}

/// Renders a nested tabular expression: a bare table name as is, anything
/// else in parentheses (always on one line).
struct Nested<'a>(&'a Tabular);

impl Display for Nested<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_bare_table() {
            Some(name) => write!(f, "{name}"),
            None => write!(f, "({})", self.0),
        }
    }
}

/// The start of a tabular expression.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Source {
    /// A table (or tabular `let` variable) by name.
    Table(Ident),
    /// `union ...`
    Union(Union),
    /// `datatable(...) [...]`
    Datatable(Datatable),
    /// A tabular function call, such as `_GetWatchlist("alias")`.
    Call {
        /// The function name.
        name: Ident,
        /// The arguments.
        args: Vec<Expr>,
    },
}

impl Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Table(name) => write!(f, "{name}"),
            Source::Union(u) => write!(f, "{u}"),
            Source::Datatable(d) => write!(f, "{d}"),
            Source::Call { name, args } => {
                write!(f, "{name}(")?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{a}")?;
                }
                f.write_str(")")
            }
        }
    }
}

/// `union [withsource=Column] [isfuzzy=true|false] T1, (T2 | ...), ...`
///
/// ```
/// use iochunt::kql::{Source, Tabular, Union};
///
/// let u = Union {
///     withsource: Some("SourceTable".into()),
///     isfuzzy: Some(true),
///     tables: vec![Tabular::table("DeviceNetworkEvents"), Tabular::table("DeviceEvents")],
/// };
/// assert_eq!(
///     Source::Union(u).to_string(),
///     "union withsource=SourceTable isfuzzy=true DeviceNetworkEvents, DeviceEvents"
/// );
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Union {
    /// Name of the column that records each row's source table.
    pub withsource: Option<Ident>,
    /// Whether missing tables are tolerated.
    pub isfuzzy: Option<bool>,
    /// The united tables (at least one).
    pub tables: Vec<Tabular>,
}

impl Display for Union {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("union")?;
        if let Some(w) = &self.withsource {
            write!(f, " withsource={w}")?;
        }
        if let Some(b) = self.isfuzzy {
            write!(f, " isfuzzy={b}")?;
        }
        for (i, t) in self.tables.iter().enumerate() {
            f.write_str(if i == 0 { " " } else { ", " })?;
            write!(f, "{}", Nested(t))?;
        }
        Ok(())
    }
}

/// `datatable(Name:type, ...) [v1, v2, ...]`, values row-major.
///
/// ```
/// use iochunt::kql::{Datatable, Literal, ScalarType, Source};
///
/// let d = Datatable {
///     columns: vec![("Ip".into(), ScalarType::String), ("Port".into(), ScalarType::Long)],
///     values: vec![Literal::from("10.0.0.1"), Literal::Long(443)],
/// };
/// assert_eq!(
///     Source::Datatable(d).to_string(),
///     r#"datatable(Ip:string, Port:long) ["10.0.0.1", 443]"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Datatable {
    /// Column names and types.
    pub columns: Vec<(Ident, ScalarType)>,
    /// Cell values, row after row.
    pub values: Vec<Literal>,
}

impl Display for Datatable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("datatable(")?;
        for (i, (name, ty)) in self.columns.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{name}:{ty}")?;
        }
        write!(f, ") [{}]", comma_separated(&self.values))
    }
}

/// A scalar type name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ScalarType {
    /// `bool`
    Bool,
    /// `int`
    Int,
    /// `long`
    Long,
    /// `real`
    Real,
    /// `decimal`
    Decimal,
    /// `string`
    String,
    /// `datetime`
    DateTime,
    /// `timespan`
    Timespan,
    /// `guid`
    Guid,
    /// `dynamic`
    Dynamic,
}

impl ScalarType {
    /// The KQL spelling.
    ///
    /// ```
    /// assert_eq!(iochunt::kql::ScalarType::DateTime.as_str(), "datetime");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            ScalarType::Bool => "bool",
            ScalarType::Int => "int",
            ScalarType::Long => "long",
            ScalarType::Real => "real",
            ScalarType::Decimal => "decimal",
            ScalarType::String => "string",
            ScalarType::DateTime => "datetime",
            ScalarType::Timespan => "timespan",
            ScalarType::Guid => "guid",
            ScalarType::Dynamic => "dynamic",
        }
    }
}

impl Display for ScalarType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A tabular operator, rendered after `|`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Operator {
    /// `where predicate`
    Where(Expr),
    /// `project a, b = expr`
    Project(Vec<Assignment>),
    /// `project-away a, b`
    ProjectAway(Vec<Ident>),
    /// `project-rename new = old, ...`
    ProjectRename(Vec<(Ident, Ident)>),
    /// `extend a = expr, ...`
    Extend(Vec<Assignment>),
    /// `summarize aggregates [by keys]`
    Summarize {
        /// Aggregations, e.g. `Count = count()`.
        aggregates: Vec<Assignment>,
        /// Grouping keys, e.g. `bin(Timestamp, 1h)`.
        by: Vec<Assignment>,
    },
    /// `order by ...` or `sort by ...`
    OrderBy {
        /// Which keyword is used.
        keyword: SortKeyword,
        /// Sort keys.
        keys: Vec<OrderKey>,
    },
    /// `take n`
    Take(u64),
    /// `top n by key`
    Top {
        /// Number of rows.
        count: u64,
        /// Sort key.
        by: OrderKey,
    },
    /// `distinct a, b`; an empty list renders `distinct *`.
    Distinct(Vec<Expr>),
    /// `join [kind=k] right on keys`
    Join {
        /// Join flavour; `None` is the engine default (`innerunique`).
        kind: Option<JoinKind>,
        /// Right-hand side.
        right: Tabular,
        /// Join keys.
        on: Vec<JoinKey>,
    },
    /// `lookup [kind=k] right on keys`
    Lookup {
        /// Lookup flavour; `None` is the engine default (`leftouter`).
        kind: Option<LookupKind>,
        /// Dimension table.
        right: Tabular,
        /// Join keys.
        on: Vec<JoinKey>,
    },
    /// `mv-expand items [limit n]`
    MvExpand {
        /// Expanded columns or expressions.
        items: Vec<Assignment>,
        /// Row limit per original row.
        limit: Option<u64>,
    },
}

impl Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operator::Where(e) => write!(f, "where {e}"),
            Operator::Project(items) => write!(f, "project {}", comma_separated(items)),
            Operator::ProjectAway(names) => write!(f, "project-away {}", comma_separated(names)),
            Operator::ProjectRename(pairs) => {
                f.write_str("project-rename ")?;
                for (i, (new, old)) in pairs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{new} = {old}")?;
                }
                Ok(())
            }
            Operator::Extend(items) => write!(f, "extend {}", comma_separated(items)),
            Operator::Summarize { aggregates, by } => {
                f.write_str("summarize")?;
                if !aggregates.is_empty() {
                    write!(f, " {}", comma_separated(aggregates))?;
                }
                if !by.is_empty() {
                    write!(f, " by {}", comma_separated(by))?;
                }
                Ok(())
            }
            Operator::OrderBy { keyword, keys } => {
                write!(f, "{keyword} by {}", comma_separated(keys))
            }
            Operator::Take(n) => write!(f, "take {n}"),
            Operator::Top { count, by } => write!(f, "top {count} by {by}"),
            Operator::Distinct(cols) if cols.is_empty() => f.write_str("distinct *"),
            Operator::Distinct(cols) => write!(f, "distinct {}", comma_separated(cols)),
            Operator::Join { kind, right, on } => {
                f.write_str("join ")?;
                if let Some(k) = kind {
                    write!(f, "kind={} ", k.as_str())?;
                }
                write!(f, "{} on {}", Nested(right), comma_separated(on))
            }
            Operator::Lookup { kind, right, on } => {
                f.write_str("lookup ")?;
                if let Some(k) = kind {
                    write!(f, "kind={} ", k.as_str())?;
                }
                write!(f, "{} on {}", Nested(right), comma_separated(on))
            }
            Operator::MvExpand { items, limit } => {
                write!(f, "mv-expand {}", comma_separated(items))?;
                if let Some(n) = limit {
                    write!(f, " limit {n}")?;
                }
                Ok(())
            }
        }
    }
}

/// `order` or `sort` (synonyms in KQL; kept for faithful round trips).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortKeyword {
    /// `order by`
    Order,
    /// `sort by`
    Sort,
}

impl Display for SortKeyword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SortKeyword::Order => "order",
            SortKeyword::Sort => "sort",
        })
    }
}

/// `expr [asc|desc] [nulls first|last]`
///
/// ```
/// use iochunt::kql::{OrderKey, col};
///
/// assert_eq!(OrderKey::desc(col("Timestamp")).to_string(), "Timestamp desc");
/// assert_eq!(
///     OrderKey::asc(col("Port")).nulls_last().to_string(),
///     "Port asc nulls last"
/// );
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct OrderKey {
    /// The sort expression.
    pub expr: Expr,
    /// Direction; `None` is the engine default (`desc`).
    pub direction: Option<Direction>,
    /// Where nulls go; `None` is the engine default.
    pub nulls: Option<Nulls>,
}

impl Display for OrderKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.expr)?;
        if let Some(d) = self.direction {
            f.write_str(match d {
                Direction::Asc => " asc",
                Direction::Desc => " desc",
            })?;
        }
        if let Some(n) = self.nulls {
            f.write_str(match n {
                Nulls::First => " nulls first",
                Nulls::Last => " nulls last",
            })?;
        }
        Ok(())
    }
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// `asc`
    Asc,
    /// `desc`
    Desc,
}

/// Placement of nulls in a sort.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Nulls {
    /// `nulls first`
    First,
    /// `nulls last`
    Last,
}

/// `join` flavours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JoinKind {
    /// `inner`
    Inner,
    /// `innerunique`
    InnerUnique,
    /// `leftouter`
    LeftOuter,
    /// `rightouter`
    RightOuter,
    /// `fullouter`
    FullOuter,
    /// `leftanti`
    LeftAnti,
    /// `rightanti`
    RightAnti,
    /// `leftsemi`
    LeftSemi,
    /// `rightsemi`
    RightSemi,
}

impl JoinKind {
    /// The KQL spelling.
    ///
    /// ```
    /// assert_eq!(iochunt::kql::JoinKind::LeftAnti.as_str(), "leftanti");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            JoinKind::Inner => "inner",
            JoinKind::InnerUnique => "innerunique",
            JoinKind::LeftOuter => "leftouter",
            JoinKind::RightOuter => "rightouter",
            JoinKind::FullOuter => "fullouter",
            JoinKind::LeftAnti => "leftanti",
            JoinKind::RightAnti => "rightanti",
            JoinKind::LeftSemi => "leftsemi",
            JoinKind::RightSemi => "rightsemi",
        }
    }

    pub(crate) const ALL: [JoinKind; 9] = [
        JoinKind::Inner,
        JoinKind::InnerUnique,
        JoinKind::LeftOuter,
        JoinKind::RightOuter,
        JoinKind::FullOuter,
        JoinKind::LeftAnti,
        JoinKind::RightAnti,
        JoinKind::LeftSemi,
        JoinKind::RightSemi,
    ];
}

/// `lookup` flavours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LookupKind {
    /// `leftouter`
    LeftOuter,
    /// `inner`
    Inner,
}

impl LookupKind {
    /// The KQL spelling.
    ///
    /// ```
    /// assert_eq!(iochunt::kql::LookupKind::Inner.as_str(), "inner");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            LookupKind::LeftOuter => "leftouter",
            LookupKind::Inner => "inner",
        }
    }
}

/// A `join`/`lookup` key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JoinKey {
    /// A column with the same name on both sides.
    Column(Ident),
    /// `$left.a == $right.b`
    Columns {
        /// Column of the left side.
        left: Ident,
        /// Column of the right side.
        right: Ident,
    },
}

impl Display for JoinKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinKey::Column(c) => write!(f, "{c}"),
            JoinKey::Columns { left, right } => write!(f, "$left.{left} == $right.{right}"),
        }
    }
}

/// `[name =] expr`, used by `project`, `extend`, `summarize` and `mv-expand`.
///
/// ```
/// use iochunt::kql::{Assignment, call};
///
/// let a = Assignment::named("Hits", call("count", []));
/// assert_eq!(a.to_string(), "Hits = count()");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// Output column name, if given.
    pub name: Option<Ident>,
    /// The value.
    pub expr: Expr,
}

impl Display for Assignment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(n) = &self.name {
            write!(f, "{n} = ")?;
        }
        write!(f, "{}", self.expr)
    }
}

/// A scalar expression.
///
/// The tree records grouping: [`Expr::Paren`] renders `( ... )` and nothing
/// else adds parentheses. The builder methods ([`Expr::and`],
/// [`Expr::binary`], ...) insert `Paren` where precedence requires it, so a
/// built tree renders to text that parses back to the same tree. As a safety
/// net, an operand that binds more loosely than its operator is still
/// parenthesised when rendered, so the text always means what the tree says.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Expr {
    /// A literal value.
    Literal(Literal),
    /// A column or scalar variable.
    Column(Ident),
    /// `name(args...)`
    Call {
        /// Function name.
        name: Ident,
        /// Arguments.
        args: Vec<Expr>,
    },
    /// `not(expr)`
    Not(Box<Expr>),
    /// `left op right`
    Binary {
        /// Left operand.
        left: Box<Expr>,
        /// Operator.
        op: BinaryOp,
        /// Right operand.
        right: Box<Expr>,
    },
    /// `expr op (v1, v2, ...)` for `in`, `!in`, `in~`, `!in~`, `has_any`, `has_all`.
    List {
        /// Tested expression.
        expr: Box<Expr>,
        /// Operator.
        op: ListOp,
        /// Values (literals, or e.g. a `let`-bound `dynamic` array).
        values: Vec<Expr>,
    },
    /// `expr between (low .. high)` / `!between`
    Between {
        /// Tested expression.
        expr: Box<Expr>,
        /// `!between` when true.
        negated: bool,
        /// Lower bound (inclusive).
        low: Box<Expr>,
        /// Upper bound (inclusive).
        high: Box<Expr>,
    },
    /// `( expr )`
    Paren(Box<Expr>),
}

/// Binding strength: or < and < comparison < additive < multiplicative < primary.
pub(crate) const PREC_COMPARISON: u8 = 3;
const PREC_PRIMARY: u8 = 6;

impl Expr {
    pub(crate) fn precedence(&self) -> u8 {
        match self {
            Expr::Binary { op, .. } => op.precedence(),
            Expr::List { .. } | Expr::Between { .. } => PREC_COMPARISON,
            _ => PREC_PRIMARY,
        }
    }
}

/// Writes `e`, parenthesised when it binds more loosely than `min`.
struct Operand<'a>(&'a Expr, u8);

impl Display for Operand<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.precedence() < self.1 {
            write!(f, "({})", self.0)
        } else {
            write!(f, "{}", self.0)
        }
    }
}

impl Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Literal(l) => l.fmt(f),
            Expr::Column(c) => c.fmt(f),
            Expr::Call { name, args } => {
                name.fmt_function(f)?;
                write!(f, "({})", comma_separated(args))
            }
            Expr::Not(e) => write!(f, "not({e})"),
            Expr::Binary { left, op, right } => {
                let p = op.precedence();
                // Left-associative: the right operand needs parentheses at equal strength.
                write!(f, "{} {} {}", Operand(left, p), op, Operand(right, p + 1))
            }
            Expr::List { expr, op, values } => {
                write!(f, "{} {} (", Operand(expr, PREC_COMPARISON), op)?;
                if values.len() > BUFFER_AFTER {
                    // Long lists go through a buffer: far fewer writer calls.
                    let mut b = Buffered::new(f);
                    for (i, v) in values.iter().enumerate() {
                        match v {
                            Expr::Literal(Literal::String(s)) if i > 0 => b.comma_quoted(s, '"')?,
                            Expr::Literal(Literal::String(s)) => b.quoted(s, '"')?,
                            other => {
                                if i > 0 {
                                    b.write_str(", ")?;
                                }
                                match other {
                                    Expr::Literal(l) => l.render(&mut b)?,
                                    other => write!(b, "{other}")?,
                                }
                            }
                        }
                    }
                    b.finish()?;
                } else {
                    comma_separated(values).fmt(f)?;
                }
                f.write_str(")")
            }
            Expr::Between {
                expr,
                negated,
                low,
                high,
            } => write!(
                f,
                "{} {}between ({} .. {})",
                Operand(expr, PREC_COMPARISON),
                if *negated { "!" } else { "" },
                low,
                high
            ),
            Expr::Paren(e) => write!(f, "({e})"),
        }
    }
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BinaryOp {
    /// `or`
    Or,
    /// `and`
    And,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `=~` (case-insensitive equality)
    EqCi,
    /// `!~`
    NeCi,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `has`
    Has,
    /// `!has`
    NotHas,
    /// `has_cs`
    HasCs,
    /// `!has_cs`
    NotHasCs,
    /// `contains`
    Contains,
    /// `!contains`
    NotContains,
    /// `contains_cs`
    ContainsCs,
    /// `!contains_cs`
    NotContainsCs,
    /// `startswith`
    StartsWith,
    /// `!startswith`
    NotStartsWith,
    /// `startswith_cs`
    StartsWithCs,
    /// `!startswith_cs`
    NotStartsWithCs,
    /// `endswith`
    EndsWith,
    /// `!endswith`
    NotEndsWith,
    /// `endswith_cs`
    EndsWithCs,
    /// `!endswith_cs`
    NotEndsWithCs,
    /// `matches regex`
    MatchesRegex,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Rem,
}

impl BinaryOp {
    /// The KQL spelling.
    ///
    /// ```
    /// assert_eq!(iochunt::kql::BinaryOp::NotHasCs.as_str(), "!has_cs");
    /// ```
    pub fn as_str(self) -> &'static str {
        use BinaryOp::*;
        match self {
            Or => "or",
            And => "and",
            Eq => "==",
            Ne => "!=",
            EqCi => "=~",
            NeCi => "!~",
            Lt => "<",
            Le => "<=",
            Gt => ">",
            Ge => ">=",
            Has => "has",
            NotHas => "!has",
            HasCs => "has_cs",
            NotHasCs => "!has_cs",
            Contains => "contains",
            NotContains => "!contains",
            ContainsCs => "contains_cs",
            NotContainsCs => "!contains_cs",
            StartsWith => "startswith",
            NotStartsWith => "!startswith",
            StartsWithCs => "startswith_cs",
            NotStartsWithCs => "!startswith_cs",
            EndsWith => "endswith",
            NotEndsWith => "!endswith",
            EndsWithCs => "endswith_cs",
            NotEndsWithCs => "!endswith_cs",
            MatchesRegex => "matches regex",
            Add => "+",
            Sub => "-",
            Mul => "*",
            Div => "/",
            Rem => "%",
        }
    }

    /// Binding strength (higher binds tighter).
    pub(crate) fn precedence(self) -> u8 {
        use BinaryOp::*;
        match self {
            Or => 1,
            And => 2,
            Add | Sub => 4,
            Mul | Div | Rem => 5,
            _ => PREC_COMPARISON,
        }
    }

    pub(crate) const ALL: [BinaryOp; 32] = {
        use BinaryOp::*;
        [
            Or,
            And,
            Eq,
            Ne,
            EqCi,
            NeCi,
            Lt,
            Le,
            Gt,
            Ge,
            Has,
            NotHas,
            HasCs,
            NotHasCs,
            Contains,
            NotContains,
            ContainsCs,
            NotContainsCs,
            StartsWith,
            NotStartsWith,
            StartsWithCs,
            NotStartsWithCs,
            EndsWith,
            NotEndsWith,
            EndsWithCs,
            NotEndsWithCs,
            MatchesRegex,
            Add,
            Sub,
            Mul,
            Div,
            Rem,
        ]
    };
}

impl Display for BinaryOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Operators taking a parenthesised value list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ListOp {
    /// `in` (case-sensitive), at most 1,000,000 values
    In,
    /// `!in`
    NotIn,
    /// `in~` (case-insensitive)
    InCi,
    /// `!in~`
    NotInCi,
    /// `has_any`, at most 10,000 values
    HasAny,
    /// `has_all`, at most 256 values
    HasAll,
}

impl ListOp {
    /// The KQL spelling.
    ///
    /// ```
    /// assert_eq!(iochunt::kql::ListOp::NotInCi.as_str(), "!in~");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            ListOp::In => "in",
            ListOp::NotIn => "!in",
            ListOp::InCi => "in~",
            ListOp::NotInCi => "!in~",
            ListOp::HasAny => "has_any",
            ListOp::HasAll => "has_all",
        }
    }

    /// The platform's cap on distinct values for this operator.
    ///
    /// ```
    /// assert_eq!(iochunt::kql::ListOp::HasAll.max_values(), 256);
    /// ```
    pub fn max_values(self) -> usize {
        match self {
            ListOp::HasAny => 10_000,
            ListOp::HasAll => 256,
            _ => 1_000_000,
        }
    }
}

impl Display for ListOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A typed literal.
///
/// ```
/// use iochunt::kql::{Literal, Timespan, TimespanUnit};
///
/// assert_eq!(Literal::from("a\"b\\c\n").to_string(), r#""a\"b\\c\n""#);
/// assert_eq!(Literal::Long(-5).to_string(), "-5");
/// assert_eq!(Literal::Int(5).to_string(), "int(5)");
/// assert_eq!(Literal::Real(1.5).to_string(), "1.5");
/// assert_eq!(Literal::Real(f64::NAN).to_string(), "real(nan)");
/// assert_eq!(Literal::Timespan(Timespan::new(7, TimespanUnit::Day)).to_string(), "7d");
/// assert_eq!(Literal::Guid(0x1).to_string(), "guid(00000000-0000-0000-0000-000000000001)");
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Literal {
    /// A string, always rendered `"..."` through the one escaper.
    String(String),
    /// A 64-bit integer (`5`).
    Long(i64),
    /// A 32-bit integer (`int(5)`).
    Int(i32),
    /// A double (`1.5`, `1e300`, `real(nan)`, `real(+inf)`).
    Real(f64),
    /// `true` / `false`
    Bool(bool),
    /// `datetime(2024-01-01T00:00:00Z)`. KQL keeps 100 ns resolution.
    DateTime(jiff::Timestamp),
    /// `7d`, `30m`, ...
    Timespan(Timespan),
    /// `guid(...)`
    Guid(u128),
    /// `dynamic(...)`
    Dynamic(Dynamic),
    /// A typed null such as `long(null)`. `dynamic(null)` reads back as
    /// `Literal::Dynamic(Dynamic::Null)`. KQL strings have no null (the
    /// empty string stands for it), so `Null(ScalarType::String)` renders
    /// `""` and reads back as `Literal::String("")`.
    Null(ScalarType),
}

impl Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // Through `Dynamic`'s `Display`, which buffers long arrays.
            Literal::Dynamic(d) => {
                f.write_str("dynamic(")?;
                d.fmt(f)?;
                f.write_str(")")
            }
            _ => self.render(f),
        }
    }
}

impl Literal {
    /// Writes the literal to any writer (the buffered list path uses this).
    pub(crate) fn render<W: Sink>(&self, w: &mut W) -> fmt::Result {
        match self {
            Literal::String(s) => w.quoted(s, '"'),
            Literal::Long(n) => write!(w, "{n}"),
            Literal::Int(n) => write!(w, "int({n})"),
            Literal::Real(x) => write_real(w, *x),
            Literal::Bool(b) => write!(w, "{b}"),
            Literal::DateTime(t) => write!(w, "datetime({t})"),
            Literal::Timespan(t) => write!(w, "{t}"),
            Literal::Guid(g) => write!(w, "guid({})", GuidText(*g)),
            Literal::Dynamic(d) => {
                w.write_str("dynamic(")?;
                d.render(w)?;
                w.write_str(")")
            }
            Literal::Null(ScalarType::String) => w.write_str("\"\""),
            Literal::Null(t) => write!(w, "{t}(null)"),
        }
    }
}

/// Reals compare by value, except that every NaN equals every NaN and
/// `0.0` differs from `-0.0`: equal reals render to equal text.
fn real_eq(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
}

/// Equality of syntax: reals compare so that equal values render the same
/// text (every NaN equals every NaN; `0.0 != -0.0`).
impl PartialEq for Literal {
    fn eq(&self, other: &Self) -> bool {
        use Literal::*;
        match (self, other) {
            (String(a), String(b)) => a == b,
            (Long(a), Long(b)) => a == b,
            (Int(a), Int(b)) => a == b,
            (Real(a), Real(b)) => real_eq(*a, *b),
            (Bool(a), Bool(b)) => a == b,
            (DateTime(a), DateTime(b)) => a == b,
            (Timespan(a), Timespan(b)) => a == b,
            (Guid(a), Guid(b)) => a == b,
            (Dynamic(a), Dynamic(b)) => a == b,
            (Null(a), Null(b)) => a == b,
            _ => false,
        }
    }
}

/// Equality of syntax, with reals compared as for [`Literal`].
impl PartialEq for Dynamic {
    fn eq(&self, other: &Self) -> bool {
        use Dynamic::*;
        match (self, other) {
            (Null, Null) => true,
            (Bool(a), Bool(b)) => a == b,
            (Long(a), Long(b)) => a == b,
            (Real(a), Real(b)) => real_eq(*a, *b),
            (String(a), String(b)) => a == b,
            (DateTime(a), DateTime(b)) => a == b,
            (Timespan(a), Timespan(b)) => a == b,
            (Guid(a), Guid(b)) => a == b,
            (Array(a), Array(b)) => a == b,
            (Bag(a), Bag(b)) => a == b,
            _ => false,
        }
    }
}

fn write_real<W: fmt::Write>(f: &mut W, x: f64) -> fmt::Result {
    if x.is_nan() {
        f.write_str("real(nan)")
    } else if x.is_infinite() {
        f.write_str(if x > 0.0 { "real(+inf)" } else { "real(-inf)" })
    } else {
        // Debug is the shortest text that reads back exactly, and always has
        // a `.` or an exponent, so it never reads back as a long.
        write!(f, "{x:?}")
    }
}

struct GuidText(u128);

impl Display for GuidText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let g = self.0;
        write!(
            f,
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            (g >> 96) as u32,
            (g >> 80) as u16,
            (g >> 64) as u16,
            (g >> 48) as u16,
            g & 0xffff_ffff_ffff
        )
    }
}

impl From<&str> for Literal {
    fn from(s: &str) -> Self {
        Literal::String(s.to_owned())
    }
}

impl From<String> for Literal {
    fn from(s: String) -> Self {
        Literal::String(s)
    }
}

impl From<&String> for Literal {
    fn from(s: &String) -> Self {
        Literal::String(s.clone())
    }
}

impl From<i64> for Literal {
    fn from(n: i64) -> Self {
        Literal::Long(n)
    }
}

impl From<i32> for Literal {
    fn from(n: i32) -> Self {
        Literal::Int(n)
    }
}

impl From<f64> for Literal {
    fn from(x: f64) -> Self {
        Literal::Real(x)
    }
}

impl From<bool> for Literal {
    fn from(b: bool) -> Self {
        Literal::Bool(b)
    }
}

impl From<jiff::Timestamp> for Literal {
    fn from(t: jiff::Timestamp) -> Self {
        Literal::DateTime(t)
    }
}

impl From<Timespan> for Literal {
    fn from(t: Timespan) -> Self {
        Literal::Timespan(t)
    }
}

impl From<Dynamic> for Literal {
    fn from(d: Dynamic) -> Self {
        Literal::Dynamic(d)
    }
}

/// A timespan literal: a whole number of some unit.
///
/// ```
/// use iochunt::kql::{Timespan, TimespanUnit};
///
/// assert_eq!(Timespan::new(30, TimespanUnit::Minute).to_string(), "30m");
/// assert_eq!(Timespan::new(5, TimespanUnit::Microsecond).to_string(), "5microsecond");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Timespan {
    /// How many units.
    pub amount: u64,
    /// The unit.
    pub unit: TimespanUnit,
}

impl Timespan {
    /// Makes a timespan.
    ///
    /// ```
    /// use iochunt::kql::{Timespan, TimespanUnit};
    /// assert_eq!(Timespan::new(1, TimespanUnit::Hour).amount, 1);
    /// ```
    pub fn new(amount: u64, unit: TimespanUnit) -> Self {
        Timespan { amount, unit }
    }
}

impl Display for Timespan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.amount, self.unit.as_str())
    }
}

/// Timespan units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimespanUnit {
    /// `d`
    Day,
    /// `h`
    Hour,
    /// `m`
    Minute,
    /// `s`
    Second,
    /// `ms`
    Millisecond,
    /// `microsecond`
    Microsecond,
    /// `tick` (100 ns)
    Tick,
}

impl TimespanUnit {
    /// The suffix used when rendering.
    ///
    /// ```
    /// assert_eq!(iochunt::kql::TimespanUnit::Millisecond.as_str(), "ms");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            TimespanUnit::Day => "d",
            TimespanUnit::Hour => "h",
            TimespanUnit::Minute => "m",
            TimespanUnit::Second => "s",
            TimespanUnit::Millisecond => "ms",
            TimespanUnit::Microsecond => "microsecond",
            TimespanUnit::Tick => "tick",
        }
    }

    /// Reads a unit suffix, accepting KQL's spellings (`d`, `day`, `days`,
    /// `h`, `hr`, `hrs`, `hour`, `hours`, `m`, `min`, `minute`, `minutes`,
    /// `s`, `sec`, `second`, `seconds`, `ms`, `milli`, `millis`,
    /// `millisecond`, `milliseconds`, `microsecond`, `microseconds`,
    /// `tick`, `ticks`).
    pub(crate) fn from_suffix(s: &str) -> Option<Self> {
        Some(match s {
            "d" | "day" | "days" => TimespanUnit::Day,
            "h" | "hr" | "hrs" | "hour" | "hours" => TimespanUnit::Hour,
            "m" | "min" | "minute" | "minutes" => TimespanUnit::Minute,
            "s" | "sec" | "second" | "seconds" => TimespanUnit::Second,
            "ms" | "milli" | "millis" | "millisecond" | "milliseconds" => TimespanUnit::Millisecond,
            "microsecond" | "microseconds" => TimespanUnit::Microsecond,
            "tick" | "ticks" => TimespanUnit::Tick,
            _ => return None,
        })
    }
}

/// The contents of a `dynamic(...)` literal: KQL literals, not JSON.
///
/// ```
/// use iochunt::kql::{Dynamic, Literal};
///
/// let d = Dynamic::Bag(vec![
///     ("ip".into(), Dynamic::String("10.0.0.1".into())),
///     ("ports".into(), Dynamic::Array(vec![Dynamic::Long(80), Dynamic::Long(443)])),
/// ]);
/// assert_eq!(
///     Literal::Dynamic(d).to_string(),
///     r#"dynamic({"ip": "10.0.0.1", "ports": [80, 443]})"#
/// );
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Dynamic {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// An integer.
    Long(i64),
    /// A double.
    Real(f64),
    /// A string.
    String(String),
    /// `datetime(...)`
    DateTime(jiff::Timestamp),
    /// A timespan.
    Timespan(Timespan),
    /// `guid(...)`
    Guid(u128),
    /// `[v, ...]`
    Array(Vec<Dynamic>),
    /// `{"key": v, ...}` (keys in the given order)
    Bag(Vec<(String, Dynamic)>),
}

impl Display for Dynamic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // Long arrays go through a buffer: far fewer writer calls.
            Dynamic::Array(items) if items.len() > BUFFER_AFTER => {
                let mut b = Buffered::new(f);
                self.render(&mut b)?;
                b.finish()
            }
            _ => self.render(f),
        }
    }
}

impl Dynamic {
    fn render<W: Sink>(&self, w: &mut W) -> fmt::Result {
        match self {
            Dynamic::Null => w.write_str("null"),
            Dynamic::Bool(b) => write!(w, "{b}"),
            Dynamic::Long(n) => write!(w, "{n}"),
            Dynamic::Real(x) => write_real(w, *x),
            Dynamic::String(s) => w.quoted(s, '"'),
            Dynamic::DateTime(t) => write!(w, "datetime({t})"),
            Dynamic::Timespan(t) => write!(w, "{t}"),
            Dynamic::Guid(g) => write!(w, "guid({})", GuidText(*g)),
            Dynamic::Array(items) => {
                w.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    // Strings (the common element) without the recursive call.
                    match item {
                        Dynamic::String(s) if i > 0 => w.comma_quoted(s, '"')?,
                        Dynamic::String(s) => w.quoted(s, '"')?,
                        other => {
                            if i > 0 {
                                w.write_str(", ")?;
                            }
                            other.render(w)?;
                        }
                    }
                }
                w.write_str("]")
            }
            Dynamic::Bag(entries) => {
                w.write_str("{")?;
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        w.write_str(", ")?;
                    }
                    w.quoted(k, '"')?;
                    w.write_str(": ")?;
                    v.render(w)?;
                }
                w.write_str("}")
            }
        }
    }
}

impl Dynamic {
    /// An array of strings, e.g. a list of indicators for a `let`.
    ///
    /// ```
    /// use iochunt::kql::{Dynamic, Literal};
    /// let d = Dynamic::strings(["104.168.5.18", "192.3.171.227"]);
    /// assert_eq!(
    ///     Literal::Dynamic(d).to_string(),
    ///     r#"dynamic(["104.168.5.18", "192.3.171.227"])"#
    /// );
    /// ```
    pub fn strings<I, S>(values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Dynamic::Array(
            values
                .into_iter()
                .map(|s| Dynamic::String(s.into()))
                .collect(),
        )
    }
}
