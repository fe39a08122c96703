//! A recursive-descent parser for the subset of KQL the AST covers.

use super::ast::{
    Assignment, BinaryOp, Comment, Datatable, Direction, Dynamic, Expr, Ident, JoinKey, JoinKind,
    Let, LetValue, ListOp, Literal, LookupKind, Nulls, Operator, OrderKey, Query, ScalarType,
    SortKeyword, Source, Statement, Tabular, Timespan, TimespanUnit, Union,
};

/// Why text could not be parsed, and where (byte offset into the input).
///
/// # Examples
///
/// ```
/// use iochunt::kql::{ParseErrorKind, Query};
///
/// let err = Query::parse("T | where a == \"open").err();
/// assert_eq!(err.as_ref().map(|e| e.position()), Some(15));
/// assert_eq!(err.as_ref().map(|e| e.kind()), Some(&ParseErrorKind::UnterminatedString));
/// assert_eq!(
///     err.map(|e| e.to_string()).as_deref(),
///     Some("unterminated string literal at byte 15")
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at byte {position}")]
pub struct ParseError {
    kind: ParseErrorKind,
    position: usize,
}

impl ParseError {
    /// What went wrong.
    pub fn kind(&self) -> &ParseErrorKind {
        &self.kind
    }

    /// Byte offset into the input where the problem starts.
    pub fn position(&self) -> usize {
        self.position
    }
}

/// The kind of a [`ParseError`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// A token other than the expected one.
    #[error("expected {expected}, found {found:?}")]
    Unexpected {
        /// What the grammar wanted.
        expected: &'static str,
        /// The text found (shortened to 40 characters).
        found: String,
    },
    /// The input ended inside a string literal.
    #[error("unterminated string literal")]
    UnterminatedString,
    /// A raw line break inside a single-line string literal.
    #[error("line break inside string literal")]
    LineBreakInString,
    /// A backslash sequence KQL does not define.
    #[error("invalid escape sequence {0:?}")]
    InvalidEscape(String),
    /// A malformed or out-of-range number.
    #[error("invalid number {0:?}")]
    InvalidNumber(String),
    /// A malformed timespan.
    #[error("invalid timespan {0:?}")]
    InvalidTimespan(String),
    /// A malformed `datetime(...)`.
    #[error("invalid datetime {0:?}")]
    InvalidDatetime(String),
    /// A malformed `guid(...)`.
    #[error("invalid guid {0:?}")]
    InvalidGuid(String),
    /// A comment with a control character.
    #[error("invalid comment {0:?}")]
    InvalidComment(String),
    /// A character that starts no token.
    #[error("unexpected character {0:?}")]
    UnexpectedChar(char),
    /// Parentheses, brackets or nested queries deeper than
    /// [`MAX_NESTING`].
    #[error("nesting deeper than {MAX_NESTING} levels")]
    TooDeep,
}

/// How deep parentheses, `dynamic` arrays and bags, and nested tabular
/// expressions may nest in parsed text.
pub const MAX_NESTING: usize = 100;

impl Query {
    /// Parses a query in the subset this module renders. `//` comment lines
    /// and `let` statements before the body are kept; comments elsewhere
    /// are dropped.
    ///
    /// Round trip: for a tree `q` that passes [`Query::validate`] and whose
    /// expressions were built with the precedence-aware constructors
    /// ([`Expr::binary`], [`Expr::and`], ...; or parsed),
    /// `Query::parse(&q.to_string())` and `Query::parse(&format!("{q:#}"))`
    /// both return `q`. Two shapes read back differently and are
    /// documented at [`LetValue::Tabular`] and [`Literal::Null`].
    ///
    /// Also accepted on input: single-quoted, verbatim (`@"..."`),
    /// obfuscated (`h"..."`) and multi-line (```` ``` ````) strings, adjacent
    /// string concatenation, `filter`/`limit`, long timespan unit names,
    /// `long(...)`, `double(...)` and date-only `datetime(...)`.
    ///
    /// # Errors
    ///
    /// A [`ParseError`] with the byte position of the offending text.
    ///
    /// # Examples
    ///
    /// ```
    /// use iochunt::kql::{Query, col};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let q = Query::parse("DnsEvents\n| where Name has_any ('evil.com')")?;
    /// let q = q.where_(col("QueryType").equals("A"));
    /// assert_eq!(
    ///     q.to_string(),
    ///     r#"DnsEvents | where Name has_any ("evil.com") | where QueryType == "A""#
    /// );
    /// # Ok(())
    /// # }
    /// ```
    pub fn parse(text: &str) -> Result<Query, ParseError> {
        let mut p = Parser::new(text);
        p.query()
    }
}

impl std::str::FromStr for Query {
    type Err = ParseError;
    /// Same as [`Query::parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Query::parse(s)
    }
}

impl TryFrom<&str> for Query {
    type Error = ParseError;
    /// Same as [`Query::parse`].
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Query::parse(s)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok<'a> {
    Word(&'a str),
    Str(String),
    Num(&'a str),
    Timespan(&'a str, &'a str),
    Punct(&'static str),
    Eof,
}

const PUNCTS: [&str; 27] = [
    "==", "=~", "!=", "!~", "<=", ">=", "..", "|", ";", ",", "(", ")", "[", "]", "{", "}", "=",
    "!", "<", ">", "+", "-", "*", "/", "%", ".", ":",
];

type PResult<T> = Result<T, ParseError>;

#[derive(Clone)]
struct Peeked<'a> {
    tok: Tok<'a>,
    start: usize,
    end: usize,
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
    peeked: Option<Peeked<'a>>,
    depth: usize,
}

fn err<T>(kind: ParseErrorKind, position: usize) -> PResult<T> {
    Err(ParseError { kind, position })
}

fn is_word_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == '$'
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> Self {
        Parser {
            src,
            pos: 0,
            peeked: None,
            depth: 0,
        }
    }

    // ---------------------------------------------------------------- lexer

    /// Skips whitespace and comments from `pos`; returns the new position.
    /// Comments are pushed onto `comments` when given.
    fn skip_trivia(
        &self,
        mut pos: usize,
        mut comments: Option<&mut Vec<Statement>>,
    ) -> PResult<usize> {
        let bytes = self.src.as_bytes();
        loop {
            let rest = &self.src[pos..];
            let trimmed = rest.trim_start();
            pos += rest.len() - trimmed.len();
            if bytes.get(pos) == Some(&b'/') && bytes.get(pos + 1) == Some(&b'/') {
                let body_start = pos + 2;
                let end = self.src[body_start..]
                    .find(['\n', '\r'])
                    .map_or(self.src.len(), |i| body_start + i);
                if let Some(out) = comments.as_deref_mut() {
                    let text = &self.src[body_start..end];
                    let text = text.strip_prefix(' ').unwrap_or(text);
                    match Comment::new(text) {
                        Ok(c) => out.push(Statement::Comment(c)),
                        Err(_) => {
                            return err(ParseErrorKind::InvalidComment(shorten(text)), pos);
                        }
                    }
                }
                pos = end;
            } else {
                return Ok(pos);
            }
        }
    }

    fn lex(&self, pos: usize) -> PResult<Peeked<'a>> {
        let start = self.skip_trivia(pos, None)?;
        let src = self.src;
        let rest = &src[start..];
        let Some(c) = rest.chars().next() else {
            return Ok(Peeked {
                tok: Tok::Eof,
                start,
                end: start,
            });
        };
        let mk = |tok, len: usize| {
            Ok(Peeked {
                tok,
                start,
                end: start + len,
            })
        };
        if (c == 'h' || c == 'H') && rest[1..].starts_with(['"', '\'', '@']) {
            let (s, len) = self.lex_string(start + 1)?;
            return mk(Tok::Str(s), len + 1);
        }
        if c == '@' && rest[1..].starts_with(['"', '\'']) {
            let (s, len) = self.lex_string(start)?;
            return mk(Tok::Str(s), len);
        }
        if c == '"' || c == '\'' || rest.starts_with("```") {
            let (s, len) = self.lex_string(start)?;
            return mk(Tok::Str(s), len);
        }
        if is_word_start(c) {
            let len = 1 + rest[1..]
                .find(|c| !is_word_char(c))
                .unwrap_or(rest.len() - 1);
            return mk(Tok::Word(&rest[..len]), len);
        }
        if c.is_ascii_digit() {
            let b = rest.as_bytes();
            let mut i = 0;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i + 1 < b.len() && b[i] == b'.' && b[i + 1].is_ascii_digit() {
                i += 1;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
            }
            if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
                let mut j = i + 1;
                if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
                    j += 1;
                }
                if j < b.len() && b[j].is_ascii_digit() {
                    while j < b.len() && b[j].is_ascii_digit() {
                        j += 1;
                    }
                    i = j;
                }
            }
            let num = &rest[..i];
            let unit_len = rest[i..]
                .find(|c: char| !c.is_ascii_alphabetic())
                .unwrap_or(rest.len() - i);
            if unit_len > 0 {
                let unit = &rest[i..i + unit_len];
                if !num.bytes().all(|b| b.is_ascii_digit()) {
                    return err(
                        ParseErrorKind::InvalidTimespan(shorten(&rest[..i + unit_len])),
                        start,
                    );
                }
                return mk(Tok::Timespan(num, unit), i + unit_len);
            }
            return mk(Tok::Num(num), i);
        }
        for p in PUNCTS {
            if rest.starts_with(p) {
                return mk(Tok::Punct(p), p.len());
            }
        }
        if c == '~' {
            return mk(Tok::Punct("~"), 1);
        }
        err(ParseErrorKind::UnexpectedChar(c), start)
    }

    /// Lexes a string literal starting at `start`; returns its value and length.
    fn lex_string(&self, start: usize) -> PResult<(String, usize)> {
        let rest = &self.src[start..];
        if let Some(body) = rest.strip_prefix("```") {
            return match body.find("```") {
                Some(i) => Ok((body[..i].to_owned(), i + 6)),
                None => err(ParseErrorKind::UnterminatedString, start),
            };
        }
        let (verbatim, quote_at) = if rest.starts_with('@') {
            (true, 1)
        } else {
            (false, 0)
        };
        let quote = match rest[quote_at..].chars().next() {
            Some(q @ ('"' | '\'')) => q,
            _ => return err(ParseErrorKind::UnexpectedChar('@'), start),
        };
        let body_start = quote_at + 1;
        let mut out = String::new();
        let mut run = body_start;
        let mut iter = rest[body_start..]
            .char_indices()
            .map(|(i, c)| (i + body_start, c));
        while let Some((i, c)) = iter.next() {
            if c == quote {
                out.push_str(&rest[run..i]);
                if verbatim && rest[i + 1..].starts_with(quote) {
                    out.push(quote);
                    iter.next();
                    run = i + 2;
                    continue;
                }
                return Ok((out, i + 1));
            }
            if c == '\n' || c == '\r' {
                return err(ParseErrorKind::LineBreakInString, start + i);
            }
            if c == '\\' && !verbatim {
                out.push_str(&rest[run..i]);
                let (ch, len) = unescape(&rest[i..]).ok_or_else(|| ParseError {
                    kind: ParseErrorKind::InvalidEscape(shorten(
                        rest[i..].get(..2).unwrap_or(&rest[i..]),
                    )),
                    position: start + i,
                })?;
                out.push(ch);
                // Skip the rest of the escape sequence.
                let end = i + len;
                while let Some(&(j, _)) = iter.clone().peekable().peek() {
                    if j >= end {
                        break;
                    }
                    iter.next();
                }
                run = end;
            }
        }
        err(ParseErrorKind::UnterminatedString, start)
    }

    fn peek_full(&mut self) -> PResult<Peeked<'a>> {
        if let Some(p) = &self.peeked {
            return Ok(p.clone());
        }
        let p = self.lex(self.pos)?;
        self.peeked = Some(p.clone());
        Ok(p)
    }

    fn peek(&mut self) -> PResult<Tok<'a>> {
        Ok(self.peek_full()?.tok)
    }

    fn bump(&mut self) -> PResult<Peeked<'a>> {
        let p = self.peek_full()?;
        self.pos = p.end;
        self.peeked = None;
        Ok(p)
    }

    /// Counts one more level of nesting; errors beyond [`MAX_NESTING`].
    /// (Paired with `leave` on success; a failed parse is abandoned anyway.)
    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return err(ParseErrorKind::TooDeep, self.pos);
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    fn save(&self) -> usize {
        self.pos
    }

    fn restore(&mut self, pos: usize) {
        self.pos = pos;
        self.peeked = None;
    }

    fn unexpected<T>(&mut self, expected: &'static str) -> PResult<T> {
        let p = self.peek_full()?;
        let found = if p.tok == Tok::Eof {
            "end of input".to_owned()
        } else {
            shorten(&self.src[p.start..p.end])
        };
        err(ParseErrorKind::Unexpected { expected, found }, p.start)
    }

    fn is_punct(&mut self, s: &str) -> PResult<bool> {
        Ok(matches!(self.peek()?, Tok::Punct(p) if p == s))
    }

    fn is_word(&mut self, s: &str) -> PResult<bool> {
        Ok(matches!(self.peek()?, Tok::Word(w) if w == s))
    }

    fn eat_punct(&mut self, s: &str) -> PResult<bool> {
        if self.is_punct(s)? {
            self.bump()?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    fn eat_word(&mut self, s: &str) -> PResult<bool> {
        if self.is_word(s)? {
            self.bump()?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    fn expect_punct(&mut self, s: &'static str) -> PResult<()> {
        if self.eat_punct(s)? {
            Ok(())
        } else {
            self.unexpected(s)
        }
    }

    fn expect_word(&mut self, s: &'static str) -> PResult<()> {
        if self.eat_word(s)? {
            Ok(())
        } else {
            self.unexpected(s)
        }
    }

    /// Text up to the next `)`, consuming the `)`.
    fn raw_until_paren(&mut self) -> PResult<(&'a str, usize)> {
        self.peeked = None;
        let start = self.pos;
        match self.src[start..].find(')') {
            Some(i) => {
                self.pos = start + i + 1;
                Ok((self.src[start..start + i].trim(), start))
            }
            None => {
                self.pos = self.src.len();
                self.unexpected(")")
            }
        }
    }

    // -------------------------------------------------------------- grammar

    fn query(&mut self) -> PResult<Query> {
        let mut statements = Vec::new();
        loop {
            self.pos = self.skip_trivia(self.pos, Some(&mut statements))?;
            self.peeked = None;
            if self.eat_word("let")? {
                statements.push(Statement::Let(self.let_statement()?));
            } else if !self.eat_punct(";")? {
                break;
            }
        }
        let body = self.tabular()?;
        self.eat_punct(";")?;
        if self.peek()? != Tok::Eof {
            return self.unexpected("end of input");
        }
        Ok(Query { statements, body })
    }

    fn let_statement(&mut self) -> PResult<Let> {
        let name = self.ident()?;
        self.expect_punct("=")?;
        let value = if self.starts_tabular()? {
            LetValue::Tabular(self.tabular()?)
        } else {
            LetValue::Scalar(self.expr()?)
        };
        self.expect_punct(";")?;
        Ok(Let { name, value })
    }

    fn starts_tabular(&mut self) -> PResult<bool> {
        if self.is_word("union")? || self.is_word("datatable")? {
            return Ok(true);
        }
        let save = self.save();
        let result = self.ident().is_ok() && self.is_punct("|").unwrap_or(false);
        self.restore(save);
        Ok(result)
    }

    fn ident(&mut self) -> PResult<Ident> {
        match self.peek()? {
            Tok::Word(w) => {
                self.bump()?;
                Ok(Ident::new(w))
            }
            Tok::Punct("[") => {
                let save = self.save();
                self.bump()?;
                if let Tok::Str(s) = self.peek()? {
                    self.bump()?;
                    if self.eat_punct("]")? {
                        return Ok(Ident::new(s));
                    }
                }
                self.restore(save);
                self.unexpected("identifier")
            }
            _ => self.unexpected("identifier"),
        }
    }

    fn tabular(&mut self) -> PResult<Tabular> {
        self.enter()?;
        let t = self.tabular_inner()?;
        self.leave();
        Ok(t)
    }

    fn tabular_inner(&mut self) -> PResult<Tabular> {
        let source = if self.eat_word("union")? {
            Source::Union(self.union()?)
        } else if self.eat_word("datatable")? {
            Source::Datatable(self.datatable()?)
        } else {
            let name = self.ident()?;
            if self.eat_punct("(")? {
                let args = if self.is_punct(")")? {
                    Vec::new()
                } else {
                    self.comma_list(Self::expr)?
                };
                self.expect_punct(")")?;
                Source::Call { name, args }
            } else {
                Source::Table(name)
            }
        };
        let mut ops = Vec::new();
        while self.eat_punct("|")? {
            ops.push(self.operator()?);
        }
        Ok(Tabular { source, ops })
    }

    fn nested_tabular(&mut self) -> PResult<Tabular> {
        if self.eat_punct("(")? {
            let t = self.tabular()?;
            self.expect_punct(")")?;
            Ok(t)
        } else {
            Ok(Tabular::table(self.ident()?))
        }
    }

    fn union(&mut self) -> PResult<Union> {
        let mut u = Union {
            withsource: None,
            isfuzzy: None,
            tables: Vec::new(),
        };
        loop {
            if self.eat_word("withsource")? {
                self.expect_punct("=")?;
                u.withsource = Some(self.ident()?);
            } else if self.eat_word("isfuzzy")? {
                self.expect_punct("=")?;
                u.isfuzzy = Some(self.bool_word()?);
            } else {
                break;
            }
        }
        loop {
            u.tables.push(self.nested_tabular()?);
            if !self.eat_punct(",")? {
                break;
            }
        }
        Ok(u)
    }

    fn bool_word(&mut self) -> PResult<bool> {
        if self.eat_word("true")? {
            Ok(true)
        } else if self.eat_word("false")? {
            Ok(false)
        } else {
            self.unexpected("true or false")
        }
    }

    fn datatable(&mut self) -> PResult<Datatable> {
        self.expect_punct("(")?;
        let mut columns = Vec::new();
        loop {
            let name = self.ident()?;
            self.expect_punct(":")?;
            let ty = match self.peek()? {
                Tok::Word(w) => match scalar_type(w) {
                    Some(t) => {
                        self.bump()?;
                        t
                    }
                    None => return self.unexpected("type name"),
                },
                _ => return self.unexpected("type name"),
            };
            columns.push((name, ty));
            if !self.eat_punct(",")? {
                break;
            }
        }
        self.expect_punct(")")?;
        self.expect_punct("[")?;
        let mut values = Vec::new();
        if !self.eat_punct("]")? {
            loop {
                match self.primary()? {
                    Expr::Literal(l) => values.push(l),
                    _ => return self.unexpected("literal"),
                }
                if !self.eat_punct(",")? {
                    break;
                }
            }
            self.expect_punct("]")?;
        }
        Ok(Datatable { columns, values })
    }

    fn operator(&mut self) -> PResult<Operator> {
        let (word, word_start) = match self.peek_full()? {
            Peeked {
                tok: Tok::Word(w),
                start,
                ..
            } => (w, start),
            _ => return self.unexpected("operator"),
        };
        self.bump()?;
        Ok(match word {
            "where" | "filter" => Operator::Where(self.expr()?),
            "project" => {
                if self.eat_glued("-away") {
                    Operator::ProjectAway(self.comma_list(Self::ident)?)
                } else if self.eat_glued("-rename") {
                    Operator::ProjectRename(self.comma_list(|p| {
                        let new = p.ident()?;
                        p.expect_punct("=")?;
                        Ok((new, p.ident()?))
                    })?)
                } else {
                    Operator::Project(self.comma_list(Self::assignment)?)
                }
            }
            "extend" => Operator::Extend(self.comma_list(Self::assignment)?),
            "summarize" => {
                let aggregates = if self.is_word("by")? {
                    Vec::new()
                } else {
                    self.comma_list(Self::assignment)?
                };
                let by = if self.eat_word("by")? {
                    self.comma_list(Self::assignment)?
                } else {
                    Vec::new()
                };
                Operator::Summarize { aggregates, by }
            }
            "order" | "sort" => {
                self.expect_word("by")?;
                Operator::OrderBy {
                    keyword: if word == "order" {
                        SortKeyword::Order
                    } else {
                        SortKeyword::Sort
                    },
                    keys: self.comma_list(Self::order_key)?,
                }
            }
            "take" | "limit" => Operator::Take(self.count()?),
            "top" => {
                let count = self.count()?;
                self.expect_word("by")?;
                Operator::Top {
                    count,
                    by: self.order_key()?,
                }
            }
            "distinct" => {
                if self.eat_punct("*")? {
                    Operator::Distinct(Vec::new())
                } else {
                    Operator::Distinct(self.comma_list(Self::expr)?)
                }
            }
            "join" => {
                let kind = if self.eat_word("kind")? {
                    self.expect_punct("=")?;
                    let k = match self.peek()? {
                        Tok::Word(w) => JoinKind::ALL.into_iter().find(|k| k.as_str() == w),
                        _ => None,
                    };
                    match k {
                        Some(k) => {
                            self.bump()?;
                            Some(k)
                        }
                        None => return self.unexpected("join kind"),
                    }
                } else {
                    None
                };
                let right = self.nested_tabular()?;
                self.expect_word("on")?;
                Operator::Join {
                    kind,
                    right,
                    on: self.comma_list(Self::join_key)?,
                }
            }
            "lookup" => {
                let kind = if self.eat_word("kind")? {
                    self.expect_punct("=")?;
                    if self.eat_word("leftouter")? {
                        Some(LookupKind::LeftOuter)
                    } else if self.eat_word("inner")? {
                        Some(LookupKind::Inner)
                    } else {
                        return self.unexpected("lookup kind");
                    }
                } else {
                    None
                };
                let right = self.nested_tabular()?;
                self.expect_word("on")?;
                Operator::Lookup {
                    kind,
                    right,
                    on: self.comma_list(Self::join_key)?,
                }
            }
            "mv" if self.eat_glued("-expand") => {
                let items = self.comma_list(Self::assignment)?;
                let limit = if self.eat_word("limit")? {
                    Some(self.count()?)
                } else {
                    None
                };
                Operator::MvExpand { items, limit }
            }
            _ => {
                self.restore(word_start);
                return self.unexpected("operator");
            }
        })
    }

    /// Consumes `suffix` if it follows the previous word with no space
    /// (`project-away`, `mv-expand`), so `project -1` stays a projection.
    fn eat_glued(&mut self, suffix: &str) -> bool {
        let rest = &self.src[self.pos..];
        if rest.starts_with(suffix) && !rest[suffix.len()..].starts_with(is_word_char) {
            self.pos += suffix.len();
            self.peeked = None;
            true
        } else {
            false
        }
    }

    fn count(&mut self) -> PResult<u64> {
        match self.peek_full()? {
            Peeked {
                tok: Tok::Num(n),
                start,
                ..
            } => {
                self.bump()?;
                n.parse::<u64>()
                    .or_else(|_| err(ParseErrorKind::InvalidNumber(shorten(n)), start))
            }
            _ => self.unexpected("row count"),
        }
    }

    fn comma_list<T>(&mut self, mut item: impl FnMut(&mut Self) -> PResult<T>) -> PResult<Vec<T>> {
        let mut out = vec![item(self)?];
        while self.eat_punct(",")? {
            out.push(item(self)?);
        }
        Ok(out)
    }

    fn assignment(&mut self) -> PResult<Assignment> {
        let save = self.save();
        if let Ok(name) = self.ident() {
            if self.eat_punct("=")? {
                return Ok(Assignment {
                    name: Some(name),
                    expr: self.expr()?,
                });
            }
        }
        self.restore(save);
        Ok(Assignment {
            name: None,
            expr: self.expr()?,
        })
    }

    fn order_key(&mut self) -> PResult<OrderKey> {
        let expr = self.expr()?;
        let direction = if self.eat_word("asc")? {
            Some(Direction::Asc)
        } else if self.eat_word("desc")? {
            Some(Direction::Desc)
        } else {
            None
        };
        let nulls = if self.eat_word("nulls")? {
            if self.eat_word("first")? {
                Some(Nulls::First)
            } else if self.eat_word("last")? {
                Some(Nulls::Last)
            } else {
                return self.unexpected("first or last");
            }
        } else {
            None
        };
        Ok(OrderKey {
            expr,
            direction,
            nulls,
        })
    }

    fn join_key(&mut self) -> PResult<JoinKey> {
        if self.eat_word("$left")? {
            self.expect_punct(".")?;
            let left = self.ident()?;
            self.expect_punct("==")?;
            self.expect_word("$right")?;
            self.expect_punct(".")?;
            let right = self.ident()?;
            Ok(JoinKey::Columns { left, right })
        } else {
            Ok(JoinKey::Column(self.ident()?))
        }
    }

    // ---------------------------------------------------------- expressions

    fn expr(&mut self) -> PResult<Expr> {
        self.enter()?;
        let e = self.or_expr()?;
        self.leave();
        Ok(e)
    }

    fn or_expr(&mut self) -> PResult<Expr> {
        let mut left = self.and_expr()?;
        while self.eat_word("or")? {
            let right = self.and_expr()?;
            left = bin(left, BinaryOp::Or, right);
        }
        Ok(left)
    }

    fn and_expr(&mut self) -> PResult<Expr> {
        let mut left = self.comparison()?;
        while self.eat_word("and")? {
            let right = self.comparison()?;
            left = bin(left, BinaryOp::And, right);
        }
        Ok(left)
    }

    fn comparison(&mut self) -> PResult<Expr> {
        let mut left = self.additive()?;
        loop {
            let tok = self.peek()?;
            let op = match tok {
                Tok::Punct(p) => match p {
                    "==" => Some(BinaryOp::Eq),
                    "!=" => Some(BinaryOp::Ne),
                    "=~" => Some(BinaryOp::EqCi),
                    "!~" => Some(BinaryOp::NeCi),
                    "<" => Some(BinaryOp::Lt),
                    "<=" => Some(BinaryOp::Le),
                    ">" => Some(BinaryOp::Gt),
                    ">=" => Some(BinaryOp::Ge),
                    "!" => None,
                    _ => return Ok(left),
                },
                Tok::Word(_) => None,
                _ => return Ok(left),
            };
            if let Some(op) = op {
                self.bump()?;
                let right = self.additive()?;
                left = bin(left, op, right);
                continue;
            }
            let save = self.save();
            let negated = self.eat_punct("!")?;
            let word = match self.peek()? {
                Tok::Word(w) => w,
                _ => {
                    self.restore(save);
                    return if negated {
                        self.bump()?;
                        self.unexpected("operator after !")
                    } else {
                        Ok(left)
                    };
                }
            };
            let string_op = BinaryOp::ALL.into_iter().find(|op| {
                let s = op.as_str();
                op.precedence() == super::ast::PREC_COMPARISON
                    && s.chars()
                        .next()
                        .is_some_and(|c| c.is_ascii_alphabetic() || c == '!')
                    && s.strip_prefix('!').is_some() == negated
                    && s.trim_start_matches('!') == word
                    && *op != BinaryOp::MatchesRegex
            });
            if let Some(op) = string_op {
                self.bump()?;
                let right = self.additive()?;
                left = bin(left, op, right);
                continue;
            }
            match (word, negated) {
                ("matches", false) => {
                    self.bump()?;
                    self.expect_word("regex")?;
                    let right = self.additive()?;
                    left = bin(left, BinaryOp::MatchesRegex, right);
                }
                ("in", _) => {
                    self.bump()?;
                    let ci = self.eat_tilde()?;
                    let op = match (negated, ci) {
                        (false, false) => ListOp::In,
                        (true, false) => ListOp::NotIn,
                        (false, true) => ListOp::InCi,
                        (true, true) => ListOp::NotInCi,
                    };
                    left = self.list_rest(left, op)?;
                }
                ("has_any", false) => {
                    self.bump()?;
                    left = self.list_rest(left, ListOp::HasAny)?;
                }
                ("has_all", false) => {
                    self.bump()?;
                    left = self.list_rest(left, ListOp::HasAll)?;
                }
                ("between", _) => {
                    self.bump()?;
                    self.expect_punct("(")?;
                    let low = self.expr()?;
                    self.expect_punct("..")?;
                    let high = self.expr()?;
                    self.expect_punct(")")?;
                    left = Expr::Between {
                        expr: Box::new(left),
                        negated,
                        low: Box::new(low),
                        high: Box::new(high),
                    };
                }
                _ => {
                    if negated {
                        return self.unexpected("operator after !");
                    }
                    self.restore(save);
                    return Ok(left);
                }
            }
        }
    }

    fn eat_tilde(&mut self) -> PResult<bool> {
        // `in~` has no space; the lexer gives `~` as its own token.
        if self.src[self.pos..].starts_with('~') {
            self.peeked = None;
            self.pos += 1;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    fn list_rest(&mut self, left: Expr, op: ListOp) -> PResult<Expr> {
        self.expect_punct("(")?;
        let values = if self.is_punct(")")? {
            Vec::new()
        } else {
            self.comma_list(Self::expr)?
        };
        self.expect_punct(")")?;
        Ok(Expr::List {
            expr: Box::new(left),
            op,
            values,
        })
    }

    fn additive(&mut self) -> PResult<Expr> {
        let mut left = self.multiplicative()?;
        loop {
            let op = if self.eat_punct("+")? {
                BinaryOp::Add
            } else if self.eat_punct("-")? {
                BinaryOp::Sub
            } else {
                return Ok(left);
            };
            let right = self.multiplicative()?;
            left = bin(left, op, right);
        }
    }

    fn multiplicative(&mut self) -> PResult<Expr> {
        let mut left = self.primary()?;
        loop {
            let op = if self.eat_punct("*")? {
                BinaryOp::Mul
            } else if self.eat_punct("/")? {
                BinaryOp::Div
            } else if self.eat_punct("%")? {
                BinaryOp::Rem
            } else {
                return Ok(left);
            };
            let right = self.primary()?;
            left = bin(left, op, right);
        }
    }

    fn primary(&mut self) -> PResult<Expr> {
        let p = self.peek_full()?;
        match p.tok {
            Tok::Punct("(") => {
                self.bump()?;
                let e = self.expr()?;
                self.expect_punct(")")?;
                Ok(Expr::Paren(Box::new(e)))
            }
            Tok::Punct("-") => {
                self.bump()?;
                match self.number(true)? {
                    Some(l) => Ok(Expr::Literal(l)),
                    None => self.unexpected("number"),
                }
            }
            Tok::Num(_) => match self.number(false)? {
                Some(l) => Ok(Expr::Literal(l)),
                None => self.unexpected("number"),
            },
            Tok::Timespan(..) => Ok(Expr::Literal(Literal::Timespan(self.timespan()?))),
            Tok::Str(_) => Ok(Expr::Literal(Literal::String(self.string()?))),
            Tok::Punct("[") => {
                let name = self.ident()?;
                self.call_or_column(name)
            }
            Tok::Word(w) => {
                self.bump()?;
                match w {
                    "true" => return Ok(Expr::Literal(Literal::Bool(true))),
                    "false" => return Ok(Expr::Literal(Literal::Bool(false))),
                    _ => {}
                }
                if self.is_punct("(")? {
                    if let Some(l) = self.typed_literal(w)? {
                        return Ok(Expr::Literal(l));
                    }
                    if w == "not" {
                        self.bump()?;
                        let e = self.expr()?;
                        self.expect_punct(")")?;
                        return Ok(Expr::Not(Box::new(e)));
                    }
                }
                self.call_or_column(Ident::new(w))
            }
            _ => self.unexpected("expression"),
        }
    }

    fn call_or_column(&mut self, name: Ident) -> PResult<Expr> {
        if self.eat_punct("(")? {
            let args = if self.is_punct(")")? {
                Vec::new()
            } else {
                self.comma_list(Self::expr)?
            };
            self.expect_punct(")")?;
            Ok(Expr::Call { name, args })
        } else {
            Ok(Expr::Column(name))
        }
    }

    /// Adjacent string literals concatenate.
    fn string(&mut self) -> PResult<String> {
        let mut out = String::new();
        while let Tok::Str(s) = self.peek()? {
            self.bump()?;
            if out.is_empty() {
                out = s;
            } else {
                out.push_str(&s);
            }
        }
        Ok(out)
    }

    fn timespan(&mut self) -> PResult<Timespan> {
        let p = self.bump()?;
        match p.tok {
            Tok::Timespan(n, u) => {
                let bad = || ParseError {
                    kind: ParseErrorKind::InvalidTimespan(shorten(&self.src[p.start..p.end])),
                    position: p.start,
                };
                let amount = n.parse::<u64>().map_err(|_| bad())?;
                let unit = TimespanUnit::from_suffix(u).ok_or_else(bad)?;
                Ok(Timespan { amount, unit })
            }
            _ => err(
                ParseErrorKind::Unexpected {
                    expected: "timespan",
                    found: shorten(&self.src[p.start..p.end]),
                },
                p.start,
            ),
        }
    }

    /// A number token (after an optional, already consumed `-`).
    fn number(&mut self, negative: bool) -> PResult<Option<Literal>> {
        let p = self.peek_full()?;
        let Tok::Num(n) = p.tok else {
            return Ok(None);
        };
        self.bump()?;
        let bad = || ParseError {
            kind: ParseErrorKind::InvalidNumber(shorten(n)),
            position: p.start,
        };
        if n.bytes().all(|b| b.is_ascii_digit()) {
            let v: i128 = n.parse().map_err(|_| bad())?;
            let v = if negative { -v } else { v };
            Ok(Some(Literal::Long(i64::try_from(v).map_err(|_| bad())?)))
        } else {
            let v: f64 = n.parse().map_err(|_| bad())?;
            Ok(Some(Literal::Real(if negative { -v } else { v })))
        }
    }

    /// `type(...)` literal forms; `None` if `word` is not a literal type.
    fn typed_literal(&mut self, word: &str) -> PResult<Option<Literal>> {
        let ty = match scalar_type(word) {
            Some(t) => t,
            None => return Ok(None),
        };
        let save = self.save();
        self.expect_punct("(")?;
        if matches!(ty, ScalarType::DateTime | ScalarType::Guid) {
            // The contents are not tokens (`2024-01-01T00:00:00Z`, `3e00007a-...`).
            let (raw, at) = self.raw_until_paren()?;
            return Ok(Some(match (raw, ty) {
                ("null", t) => Literal::Null(t),
                (raw, ScalarType::DateTime) => Literal::DateTime(parse_datetime(raw, at)?),
                (raw, _) => Literal::Guid(parse_guid(raw, at)?),
            }));
        }
        if self.eat_word("null")? {
            if self.eat_punct(")")? {
                return Ok(Some(match ty {
                    ScalarType::Dynamic => Literal::Dynamic(Dynamic::Null),
                    t => Literal::Null(t),
                }));
            }
            self.restore(save);
            return Ok(None);
        }
        let lit = match ty {
            ScalarType::Dynamic => {
                let d = self.dynamic()?;
                self.expect_punct(")")?;
                Literal::Dynamic(d)
            }
            ScalarType::Timespan => {
                let t = self.timespan()?;
                self.expect_punct(")")?;
                Literal::Timespan(t)
            }
            ScalarType::Bool => {
                let b = self.bool_word()?;
                self.expect_punct(")")?;
                Literal::Bool(b)
            }
            ScalarType::Int | ScalarType::Long => {
                let negative = self.eat_punct("-")?;
                let at = self.peek_full()?.start;
                let lit = match self.number(negative)? {
                    Some(Literal::Long(v)) => v,
                    _ => return self.unexpected("integer"),
                };
                self.expect_punct(")")?;
                if ty == ScalarType::Int {
                    Literal::Int(
                        i32::try_from(lit)
                            .or_else(|_| err(ParseErrorKind::InvalidNumber(lit.to_string()), at))?,
                    )
                } else {
                    Literal::Long(lit)
                }
            }
            ScalarType::Real => {
                let x = if self.eat_word("nan")? {
                    f64::NAN
                } else if self.eat_punct("+")? {
                    self.expect_word("inf")?;
                    f64::INFINITY
                } else if self.eat_word("inf")? {
                    f64::INFINITY
                } else {
                    let negative = self.eat_punct("-")?;
                    if negative && self.eat_word("inf")? {
                        f64::NEG_INFINITY
                    } else {
                        match self.number(negative)? {
                            Some(Literal::Real(x)) => x,
                            Some(Literal::Long(v)) => v as f64,
                            _ => return self.unexpected("number"),
                        }
                    }
                };
                self.expect_punct(")")?;
                Literal::Real(x)
            }
            // `string(...)`, `decimal(...)`: only the null form is a literal.
            ScalarType::String | ScalarType::Decimal | ScalarType::DateTime | ScalarType::Guid => {
                self.restore(save);
                return Ok(None);
            }
        };
        Ok(Some(lit))
    }

    fn dynamic(&mut self) -> PResult<Dynamic> {
        self.enter()?;
        let d = self.dynamic_inner()?;
        self.leave();
        Ok(d)
    }

    fn dynamic_inner(&mut self) -> PResult<Dynamic> {
        let p = self.peek_full()?;
        match p.tok {
            Tok::Punct("[") => {
                self.bump()?;
                let items = if self.is_punct("]")? {
                    Vec::new()
                } else {
                    self.comma_list(Self::dynamic)?
                };
                self.expect_punct("]")?;
                Ok(Dynamic::Array(items))
            }
            Tok::Punct("{") => {
                self.bump()?;
                let entries = if self.is_punct("}")? {
                    Vec::new()
                } else {
                    self.comma_list(|p| {
                        let key = match p.peek()? {
                            Tok::Str(_) => p.string()?,
                            _ => return p.unexpected("quoted key"),
                        };
                        p.expect_punct(":")?;
                        Ok((key, p.dynamic()?))
                    })?
                };
                self.expect_punct("}")?;
                Ok(Dynamic::Bag(entries))
            }
            Tok::Str(_) => Ok(Dynamic::String(self.string()?)),
            Tok::Timespan(..) => Ok(Dynamic::Timespan(self.timespan()?)),
            Tok::Punct("-") | Tok::Num(_) => {
                let negative = self.eat_punct("-")?;
                match self.number(negative)? {
                    Some(Literal::Long(v)) => Ok(Dynamic::Long(v)),
                    Some(Literal::Real(x)) => Ok(Dynamic::Real(x)),
                    _ => self.unexpected("number"),
                }
            }
            Tok::Word(w) => {
                self.bump()?;
                match w {
                    "null" => Ok(Dynamic::Null),
                    "true" => Ok(Dynamic::Bool(true)),
                    "false" => Ok(Dynamic::Bool(false)),
                    _ if self.is_punct("(")? => match self.typed_literal(w)? {
                        Some(Literal::DateTime(t)) => Ok(Dynamic::DateTime(t)),
                        Some(Literal::Guid(g)) => Ok(Dynamic::Guid(g)),
                        Some(Literal::Real(x)) => Ok(Dynamic::Real(x)),
                        Some(Literal::Long(v)) => Ok(Dynamic::Long(v)),
                        Some(Literal::Timespan(t)) => Ok(Dynamic::Timespan(t)),
                        Some(Literal::Bool(b)) => Ok(Dynamic::Bool(b)),
                        _ => err(
                            ParseErrorKind::Unexpected {
                                expected: "dynamic value",
                                found: shorten(w),
                            },
                            p.start,
                        ),
                    },
                    _ => err(
                        ParseErrorKind::Unexpected {
                            expected: "dynamic value",
                            found: shorten(w),
                        },
                        p.start,
                    ),
                }
            }
            _ => self.unexpected("dynamic value"),
        }
    }
}

fn bin(left: Expr, op: BinaryOp, right: Expr) -> Expr {
    Expr::Binary {
        left: Box::new(left),
        op,
        right: Box::new(right),
    }
}

fn scalar_type(word: &str) -> Option<ScalarType> {
    Some(match word {
        "bool" | "boolean" => ScalarType::Bool,
        "int" => ScalarType::Int,
        "long" => ScalarType::Long,
        "real" | "double" => ScalarType::Real,
        "decimal" => ScalarType::Decimal,
        "string" => ScalarType::String,
        "datetime" | "date" => ScalarType::DateTime,
        "timespan" | "time" => ScalarType::Timespan,
        "guid" | "uniqueid" => ScalarType::Guid,
        "dynamic" => ScalarType::Dynamic,
        _ => return None,
    })
}

fn parse_datetime(raw: &str, at: usize) -> PResult<jiff::Timestamp> {
    if let Ok(t) = raw.parse::<jiff::Timestamp>() {
        return Ok(t);
    }
    let civil = raw.parse::<jiff::civil::DateTime>().or_else(|_| {
        raw.parse::<jiff::civil::Date>()
            .map(|d| d.to_datetime(jiff::civil::Time::midnight()))
    });
    match civil
        .ok()
        .and_then(|dt| jiff::tz::TimeZone::UTC.to_timestamp(dt).ok())
    {
        Some(t) => Ok(t),
        None => err(ParseErrorKind::InvalidDatetime(shorten(raw)), at),
    }
}

fn parse_guid(raw: &str, at: usize) -> PResult<u128> {
    let groups: Vec<&str> = raw.split('-').collect();
    let lens: Vec<usize> = groups.iter().map(|g| g.len()).collect();
    let hex: String = groups.concat();
    if lens == [8, 4, 4, 4, 12] && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        if let Ok(v) = u128::from_str_radix(&hex, 16) {
            return Ok(v);
        }
    }
    err(ParseErrorKind::InvalidGuid(shorten(raw)), at)
}

/// Decodes one backslash escape at the start of `s`; returns the character
/// and the length of the escape in bytes.
fn unescape(s: &str) -> Option<(char, usize)> {
    let b = s.as_bytes();
    let c = *b.get(1)?;
    let simple = match c {
        b'\\' => Some('\\'),
        b'\'' => Some('\''),
        b'"' => Some('"'),
        b'n' => Some('\n'),
        b'r' => Some('\r'),
        b't' => Some('\t'),
        b'a' => Some('\u{7}'),
        b'b' => Some('\u{8}'),
        b'f' => Some('\u{c}'),
        b'v' => Some('\u{b}'),
        _ => None,
    };
    if let Some(ch) = simple {
        return Some((ch, 2));
    }
    let hex = |len: usize| -> Option<(char, usize)> {
        let digits = s.get(2..2 + len)?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let v = u32::from_str_radix(digits, 16).ok()?;
        Some((char::from_u32(v)?, 2 + len))
    };
    match c {
        b'u' => hex(4),
        b'U' => hex(8),
        b'x' => hex(2),
        b'0'..=b'7' => {
            let n = b[1..]
                .iter()
                .take(3)
                .take_while(|d| (b'0'..=b'7').contains(d))
                .count();
            let v = u32::from_str_radix(&s[1..1 + n], 8).ok()?;
            if v > 0o377 {
                return None;
            }
            Some((char::from_u32(v)?, 1 + n))
        }
        _ => None,
    }
}

fn shorten(s: &str) -> String {
    match s.char_indices().nth(40) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescapes() {
        assert_eq!(unescape(r"\n"), Some(('\n', 2)));
        assert_eq!(unescape(r"\u00e9x"), Some(('é', 6)));
        assert_eq!(unescape(r"\U0001F600"), Some(('😀', 10)));
        assert_eq!(unescape(r"\x41"), Some(('A', 4)));
        assert_eq!(unescape(r"\101"), Some(('A', 4)));
        assert_eq!(unescape(r"\0"), Some(('\0', 2)));
        assert_eq!(unescape(r"\/"), None);
        assert_eq!(unescape(r"\W"), None);
        assert_eq!(unescape(r"\ud800"), None);
    }
}
