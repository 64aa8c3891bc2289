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
    /// The table whose rows a PostgreSQL function declares it returns: `RETURNS SETOF t`,
    /// `RETURNS t`, `RETURNS TABLE (LIKE t)` (a base type's name lands here too and then
    /// matches no table). A `SELECT *` over that table is the shape the signature forces.
    pub returns_rows_of: Option<String>,
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
    /// Token ranges that run only under a debug / verbose flag (`IF @debug = 1 ...`,
    /// PL/pgSQL `IF p_debug THEN ...`): diagnostic output, not the object's work.
    pub debug_only: Vec<Range<usize>>,
    /// Lower-cased names of the temporary tables the file creates (PostgreSQL
    /// `CREATE TEMP TABLE x`; T-SQL `#x` and `@t` are scratch by their spelling).
    pub scratch_tables: Vec<String>,
    /// The text is a statement of application code (a string in a source file), not a
    /// script: its top-level queries are what the application runs.
    pub from_application: bool,
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
            debug_only: Vec::new(),
            scratch_tables: Vec::new(),
            from_application: false,
        }
    }

    /// Whether the statement runs only under a debug / verbose flag.
    pub fn is_debug_only(&self, stmt: &Stmt) -> bool {
        self.debug_only
            .iter()
            .any(|r| r.start <= stmt.range.start && stmt.range.end <= r.end)
    }

    /// Records the temporary tables created anywhere in the file (`CREATE [GLOBAL |
    /// LOCAL] TEMP | TEMPORARY TABLE [IF NOT EXISTS] name`), literal bodies included.
    pub fn collect_scratch_tables(&mut self) {
        let toks = &self.tokens;
        let mut names = Vec::new();
        for (i, tok) in toks.iter().enumerate() {
            if !tok.is_kw("CREATE") {
                continue;
            }
            let mut j = i + 1;
            if toks
                .get(j)
                .is_some_and(|t| t.is_any_kw(&["GLOBAL", "LOCAL"]))
            {
                j += 1;
            }
            if !toks
                .get(j)
                .is_some_and(|t| t.is_any_kw(&["TEMP", "TEMPORARY"]))
            {
                continue;
            }
            j += 1;
            if toks.get(j).is_some_and(|t| t.is_kw("UNLOGGED")) {
                j += 1;
            }
            if !toks.get(j).is_some_and(|t| t.is_kw("TABLE")) {
                continue;
            }
            j += 1;
            if toks.get(j).is_some_and(|t| t.is_kw("IF"))
                && toks.get(j + 1).is_some_and(|t| t.is_kw("NOT"))
                && toks.get(j + 2).is_some_and(|t| t.is_kw("EXISTS"))
            {
                j += 3;
            }
            let (name, _) = super::query::read_name(toks, j, toks.len().min(j + 8));
            let last = super::query::last_part(&name).to_ascii_lowercase();
            // `CREATE TEMP TABLE %I`: named at run time, no name to remember.
            let plain = last
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '$');
            if !last.is_empty() && plain && !names.contains(&last) {
                names.push(last);
            }
        }
        self.scratch_tables = names;
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

/// Whether an `IF` condition holds only when a debug or verbose flag is on: `@debug = 1`,
/// `@Debug > 0`, `@verbose <> 0`, PL/pgSQL `p_debug` / `v_debug IS TRUE`, possibly with
/// other terms joined by `AND`. A condition with `OR` or `NOT`, or one testing that the
/// flag is off (`@debug = 0`), is not: its branch also runs in normal use.
pub fn tests_debug_flag(condition: &[Tok]) -> bool {
    use super::lex::TokKind;
    if condition.iter().any(|t| t.is_any_kw(&["OR", "NOT"])) {
        return false;
    }
    let is_flag = |t: &Tok| {
        matches!(t.kind, TokKind::Variable | TokKind::Word) && {
            let name = t.text.trim_start_matches('@').to_ascii_lowercase();
            name.contains("debug") || name.contains("verbose")
        }
    };
    let Some(at) = condition.iter().position(is_flag) else {
        return false;
    };
    let rest = &condition[at + 1..];
    let value = rest.get(1);
    let is_zero = value.is_some_and(|v| {
        matches!(
            v.text.to_ascii_lowercase().as_str(),
            "0" | "n" | "no" | "false" | "off"
        )
    });
    let is_constant = value.is_some_and(|v| {
        matches!(v.kind, TokKind::Number | TokKind::Str) || v.is_any_kw(&["TRUE", "FALSE"])
    });
    match rest.first() {
        // A bare boolean flag: `IF p_debug THEN`, `IF p_debug AND ...`.
        None => true,
        Some(t) if t.is_any_kw(&["AND", "THEN"]) || t.is_punct(")") => true,
        Some(t) if t.is_kw("IS") => value.is_some_and(|v| v.is_kw("TRUE")),
        Some(t) if t.is_punct("=") || t.is_punct(">=") => is_constant && !is_zero,
        Some(t) if t.is_punct(">") => is_constant,
        Some(t) if t.is_punct("<>") || t.is_punct("!=") => is_constant && is_zero,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::lex::{lex_into, Lexed};

    fn condition(text: &str, dialect: SqlDialect) -> Vec<Tok> {
        let mut lexed = Lexed::default();
        lex_into(text, dialect, 1, 1, &mut lexed);
        lexed.tokens
    }

    #[test]
    fn debug_flag_conditions() {
        for on in [
            "@debug = 1",
            "@Debug > 0",
            "(@debug = 1)",
            "@verbose <> 0",
            "@debug = 1 AND @x > 2",
            "@DebugLevel >= 2",
        ] {
            assert!(tests_debug_flag(&condition(on, SqlDialect::Tsql)), "{on}");
        }
        for on in ["p_debug", "v_debug IS TRUE", "p_debug AND v_count > 0"] {
            assert!(
                tests_debug_flag(&condition(on, SqlDialect::Postgres)),
                "{on}"
            );
        }
        // Off, negated, OR-ed, or not a flag: the branch runs in normal use.
        for off in [
            "@debug = 0",
            "@debug <> 1",
            "NOT @debug = 1",
            "@debug = 1 OR @x = 1",
            "@x = 1",
            "@debug = @level",
            "@debug IS NULL",
        ] {
            assert!(
                !tests_debug_flag(&condition(off, SqlDialect::Tsql)),
                "{off}"
            );
        }
    }

    #[test]
    fn scratch_tables_are_the_temporary_tables_created() {
        let mut unit = crate::sql::parse(
            "CREATE TEMP TABLE tmp_a (id int);\nCREATE GLOBAL TEMPORARY TABLE IF NOT EXISTS s.tmp_b AS SELECT 1;\nCREATE TABLE kept (id int);\nCREATE TEMP TABLE %I (id int);\n",
            SqlDialect::Postgres,
        );
        unit.collect_scratch_tables();
        assert_eq!(
            unit.scratch_tables,
            vec!["tmp_a".to_string(), "tmp_b".to_string()]
        );
    }
}
