//! The structure of one analysed SQL file: its tokens, statements (with the object and
//! loops that enclose them), objects, loops, and the regions that were not understood.
//! Built by `tsql` or `postgres`, read by the rules and the fact extraction.

use std::ops::Range;

use super::lex::{Comment, Tok};
use super::SqlDialect;
use crate::model::ObjectKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StmtKind {
    Select,
    Insert,
    Update,
    Delete,
    Merge,
    /// `EXEC proc`, `EXEC (@sql)`, `EXECUTE` in PL/pgSQL (dynamic SQL), `CALL`, `PERFORM`.
    Exec,
    Set,
    Declare,
    DeclareCursor,
    Open,
    Fetch,
    Close,
    Return,
    /// The condition of an `IF` / `WHILE` (it may hold a subquery).
    Condition,
    /// The query a loop iterates over (`FOR r IN <query> LOOP`).
    LoopSource,
    Other,
}

impl StmtKind {
    pub fn is_dml(self) -> bool {
        matches!(
            self,
            StmtKind::Insert | StmtKind::Update | StmtKind::Delete | StmtKind::Merge
        )
    }
}

#[derive(Debug, Clone)]
pub struct Stmt {
    /// Token indices in `SqlUnit::tokens`.
    pub range: Range<usize>,
    pub kind: StmtKind,
    /// Index in `SqlUnit::objects` of the enclosing object.
    pub object: Option<usize>,
    /// Indices in `SqlUnit::loops`, outermost first.
    pub loops: Vec<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoopKind {
    /// T-SQL `WHILE` whose condition tests `@@FETCH_STATUS`.
    CursorWhile,
    /// T-SQL `WHILE`, PL/pgSQL `WHILE ... LOOP`.
    While,
    /// PL/pgSQL `FOR r IN <query> LOOP` and `FOR r IN EXECUTE ... LOOP`.
    ForQuery,
    /// PL/pgSQL `FOR r IN cursor LOOP`.
    ForCursor,
    /// PL/pgSQL `FOREACH x IN ARRAY ... LOOP`.
    ForEach,
    /// PL/pgSQL `FOR i IN 1..n LOOP`.
    ForRange,
    /// PL/pgSQL bare `LOOP ... END LOOP` (row-by-row when it `FETCH`es).
    Loop,
}

impl LoopKind {
    pub fn describe(self) -> &'static str {
        match self {
            LoopKind::CursorWhile => "cursor loop",
            LoopKind::While => "WHILE loop",
            LoopKind::ForQuery => "FOR ... IN query loop",
            LoopKind::ForCursor => "FOR ... IN cursor loop",
            LoopKind::ForEach => "FOREACH loop",
            LoopKind::ForRange => "FOR ... IN range loop",
            LoopKind::Loop => "LOOP",
        }
    }
}

#[derive(Debug, Clone)]
pub struct LoopInfo {
    pub kind: LoopKind,
    /// Token index of the loop keyword (`WHILE`, `FOR`, `FOREACH`, `LOOP`).
    pub start: usize,
    /// Token index just past the loop header (the condition, or up to `LOOP`).
    pub header_end: usize,
    pub line: u32,
    pub col: u32,
    pub object: Option<usize>,
    /// The cursor the loop fetches from, when known.
    pub cursor: Option<String>,
    /// Statement index of the query the loop iterates over (FOR query or cursor query).
    pub source: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct SqlObject {
    pub kind: ObjectKind,
    pub name: String,
    pub line: u32,
    pub col: u32,
    pub end_line: u32,
    /// PostgreSQL function language (`plpgsql`, `sql`, ...); None for T-SQL.
    pub language: Option<String>,
    /// Lower-cased names of parameters and declared variables (PostgreSQL, where they
    /// are bare words that would otherwise look like columns).
    pub variables: Vec<String>,
}

/// A region the structure parser could not make sense of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub line: u32,
    pub col: u32,
    pub end_line: u32,
    pub message: String,
}

#[derive(Debug)]
pub struct SqlUnit {
    pub dialect: SqlDialect,
    pub tokens: Vec<Tok>,
    pub comments: Vec<Comment>,
    pub statements: Vec<Stmt>,
    pub objects: Vec<SqlObject>,
    pub loops: Vec<LoopInfo>,
    pub not_understood: Vec<Region>,
}

impl SqlUnit {
    pub fn new(dialect: SqlDialect) -> SqlUnit {
        SqlUnit {
            dialect,
            tokens: Vec::new(),
            comments: Vec::new(),
            statements: Vec::new(),
            objects: Vec::new(),
            loops: Vec::new(),
            not_understood: Vec::new(),
        }
    }

    pub fn stmt_tokens(&self, stmt: &Stmt) -> &[Tok] {
        &self.tokens[stmt.range.clone()]
    }

    pub fn object_name(&self, index: Option<usize>) -> Option<&str> {
        index
            .and_then(|i| self.objects.get(i))
            .map(|o| o.name.as_str())
    }

    /// The statement's text on one line, shortened for evidence.
    pub fn stmt_excerpt(&self, stmt: &Stmt, max_chars: usize) -> String {
        excerpt(&self.tokens[stmt.range.clone()], max_chars)
    }

    pub fn not_understood_at(&mut self, line: u32, col: u32, end_line: u32, message: String) {
        self.not_understood.push(Region {
            line,
            col,
            end_line: end_line.max(line),
            message,
        });
    }
}

/// Re-joins tokens into one line of SQL, for messages and evidence.
pub fn excerpt(tokens: &[Tok], max_chars: usize) -> String {
    let mut out = String::new();
    let mut previous: Option<&Tok> = None;
    for tok in tokens {
        if out.len() >= max_chars {
            out.push_str(" …");
            break;
        }
        if let Some(prev) = previous {
            let glue = prev.is_punct(".")
                || tok.is_punct(".")
                || tok.is_punct(",")
                || tok.is_punct(")")
                || prev.is_punct("(")
                || (tok.is_punct("(") && prev.is_identifier_like());
            if !glue {
                out.push(' ');
            }
        }
        out.push_str(&render_token(tok));
        previous = Some(tok);
    }
    out
}

fn render_token(tok: &Tok) -> String {
    use super::lex::TokKind;
    match tok.kind {
        TokKind::Str => format!("'{}'", tok.text),
        TokKind::DollarStr => "$$…$$".to_string(),
        _ => tok.text.clone(),
    }
}
