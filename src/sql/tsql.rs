//! T-SQL structure: batches (split on `GO`), objects (`CREATE | ALTER | CREATE OR ALTER`
//! `PROC | PROCEDURE | FUNCTION | TRIGGER | VIEW`), statements without semicolons, blocks
//! (`BEGIN ... END`, `BEGIN TRY ... END TRY BEGIN CATCH ... END CATCH`), `IF`/`ELSE`,
//! `WHILE` and cursor loops. sqlparser cannot parse most procedure code, so its tokenizer
//! is used for lexing and the structure is built here; anything that does not fit is
//! recorded as a not-understood region and parsing goes on.

use std::collections::HashMap;

use super::batch::split_batches;
use super::lex::{lex_into, Lexed, Tok, TokKind};
use super::unit::{LoopInfo, LoopKind, Region, SqlObject, SqlUnit, Stmt, StmtKind};
use super::SqlDialect;
use crate::model::ObjectKind;

/// Keywords that begin a T-SQL statement.
const STATEMENT_STARTS: &[&str] = &[
    "SELECT",
    "INSERT",
    "UPDATE",
    "DELETE",
    "MERGE",
    "WITH",
    "EXEC",
    "EXECUTE",
    "SET",
    "DECLARE",
    "IF",
    "WHILE",
    "BEGIN",
    "END",
    "RETURN",
    "PRINT",
    "RAISERROR",
    "THROW",
    "OPEN",
    "FETCH",
    "CLOSE",
    "DEALLOCATE",
    "CREATE",
    "ALTER",
    "DROP",
    "TRUNCATE",
    "GOTO",
    "BREAK",
    "CONTINUE",
    "WAITFOR",
    "USE",
    "GRANT",
    "REVOKE",
    "DENY",
    "COMMIT",
    "ROLLBACK",
    "SAVE",
    "BULK",
    "DBCC",
    "ELSE",
    "CHECKPOINT",
    "RECONFIGURE",
    "BACKUP",
    "RESTORE",
    "KILL",
];

/// After these tokens a statement keyword is an operand or part of a clause, not the
/// start of a new statement (`UNION SELECT`, `ON DELETE`, `FOR UPDATE`, `DROP TABLE IF`).
const CONTINUING_PREDECESSORS: &[&str] = &[
    "AS",
    "FOR",
    "OF",
    "AFTER",
    "INSTEAD",
    "FROM",
    "JOIN",
    "INTO",
    "UNION",
    "ALL",
    "EXCEPT",
    "INTERSECT",
    "THEN",
    "BY",
    "ROWS",
    "ROW",
    "NEXT",
    "NOT",
    "AND",
    "OR",
    "EXISTS",
    "IS",
    "WHEN",
];

/// Object-type words after which only `IF` continues (`DROP TABLE IF EXISTS`).
const DROP_OBJECT_WORDS: &[&str] = &[
    "TABLE",
    "VIEW",
    "PROCEDURE",
    "PROC",
    "FUNCTION",
    "INDEX",
    "TRIGGER",
    "SCHEMA",
    "SEQUENCE",
    "TYPE",
    "DATABASE",
    "COLUMN",
    "CONSTRAINT",
    "STATISTICS",
    "USER",
    "ROLE",
    "LOGIN",
    "SYNONYM",
    "ASSEMBLY",
];

const OBJECT_KINDS: &[(&str, ObjectKind)] = &[
    ("PROC", ObjectKind::Procedure),
    ("PROCEDURE", ObjectKind::Procedure),
    ("FUNCTION", ObjectKind::Function),
    ("TRIGGER", ObjectKind::Trigger),
    ("VIEW", ObjectKind::View),
];

pub fn parse(text: &str) -> SqlUnit {
    let mut unit = SqlUnit::new(SqlDialect::Tsql);
    let mut lexed = Lexed::default();
    let mut batches = Vec::new();
    for batch in split_batches(text) {
        let first = lexed.tokens.len();
        lex_into(
            &text[batch.start..batch.end],
            SqlDialect::Tsql,
            batch.line,
            1,
            &mut lexed,
        );
        batches.push(first..lexed.tokens.len());
    }
    for error in &lexed.errors {
        unit.not_understood_at(
            error.line,
            error.col,
            error.line,
            format!("could not tokenize this line: {}", error.message),
        );
    }
    let mut out = Output::default();
    for batch in batches {
        let mut parser = Parser {
            toks: &lexed.tokens,
            pos: batch.start,
            end: batch.end,
            out: &mut out,
            object: None,
            loop_stack: Vec::new(),
            cursors: HashMap::new(),
            depth: 0,
        };
        parser.parse_batch();
    }
    unit.tokens = lexed.tokens;
    unit.comments = lexed.comments;
    unit.statements = out.statements;
    unit.objects = out.objects;
    unit.loops = out.loops;
    unit.not_understood.extend(out.regions);
    unit.debug_only = out.debug_only;
    unit
}

#[derive(Default)]
struct Output {
    statements: Vec<Stmt>,
    objects: Vec<SqlObject>,
    loops: Vec<LoopInfo>,
    regions: Vec<Region>,
    debug_only: Vec<std::ops::Range<usize>>,
}

struct Parser<'a> {
    toks: &'a [Tok],
    pos: usize,
    end: usize,
    out: &'a mut Output,
    object: Option<usize>,
    loop_stack: Vec<usize>,
    /// Lower-cased cursor name -> statement index of its `DECLARE ... CURSOR FOR`.
    cursors: HashMap<String, usize>,
    /// Current nesting of BEGIN / IF / WHILE.
    depth: usize,
}

/// Deeper nesting than this is not analysed (it is reported): real code stays far below,
/// and it keeps the recursive parsers' stack bounded on hostile input.
pub const MAX_NESTING: usize = 200;

/// What a simple statement has seen so far, for deciding whether a keyword continues it.
#[derive(Default)]
struct StmtState {
    kind: Option<StmtKind>,
    is_cte: bool,
    seen_source: bool,
    seen_set: bool,
}

impl<'a> Parser<'a> {
    fn tok(&self, i: usize) -> Option<&'a Tok> {
        if i < self.end {
            self.toks.get(i)
        } else {
            None
        }
    }

    fn is_kw_at(&self, i: usize, keyword: &str) -> bool {
        self.tok(i).is_some_and(|t| t.is_kw(keyword))
    }

    fn region(&mut self, at: usize, end_line: Option<u32>, message: String) {
        let tok = &self.toks[at.min(self.toks.len().saturating_sub(1))];
        self.out.regions.push(Region {
            line: tok.line,
            col: tok.col,
            end_line: end_line.unwrap_or(tok.end_line).max(tok.line),
            message,
        });
    }

    fn parse_batch(&mut self) {
        while self.pos < self.end {
            if self.object_header_kind(self.pos).is_some() {
                self.parse_object();
            } else {
                self.parse_statement();
            }
        }
    }

    /// `CREATE [OR ALTER|OR REPLACE] | ALTER` followed by an object kind.
    fn object_header_kind(&self, i: usize) -> Option<(ObjectKind, usize)> {
        let first = self.tok(i)?;
        let mut j = i + 1;
        if first.is_kw("CREATE") {
            if self.is_kw_at(j, "OR") {
                j += 2;
            }
        } else if !first.is_kw("ALTER") {
            return None;
        }
        let kind_tok = self.tok(j)?;
        OBJECT_KINDS
            .iter()
            .find(|(word, _)| kind_tok.is_kw(word))
            .map(|(_, kind)| (*kind, j + 1))
    }

    fn parse_object(&mut self) {
        let start = self.pos;
        let Some((kind, name_at)) = self.object_header_kind(start) else {
            self.parse_statement();
            return;
        };
        let (name, after_name) = read_object_name(self.toks, name_at, self.end);
        let header_tok = &self.toks[start];
        let index = self.out.objects.len();
        self.out.objects.push(SqlObject {
            kind,
            name: if name.is_empty() {
                format!("<unnamed {} at line {}>", kind.as_str(), header_tok.line)
            } else {
                name.clone()
            },
            line: header_tok.line,
            col: header_tok.col,
            end_line: header_tok.end_line,
            language: None,
            variables: Vec::new(),
            returns_rows_of: None,
        });
        if name.is_empty() {
            self.region(
                start,
                None,
                format!("could not read the name of this {}", kind.as_str()),
            );
        }
        self.object = Some(index);
        match self.find_body_start(kind, after_name) {
            Some(body) => {
                self.pos = body;
                while self.pos < self.end && self.object_header_kind(self.pos).is_none() {
                    self.parse_statement();
                }
            }
            None => {
                let last_line = self.toks[self.end.saturating_sub(1).max(start)].end_line;
                self.region(
                    start,
                    Some(last_line),
                    format!(
                        "could not find where the body of {} `{}` starts (no AS)",
                        kind.as_str(),
                        name
                    ),
                );
                self.pos = self.end;
            }
        }
        let last = self.pos.saturating_sub(1).max(start);
        self.out.objects[index].end_line = self.toks[last].end_line;
        self.object = None;
        self.loop_stack.clear();
    }

    /// The token index where the object's body begins: after the header's `AS` (not a
    /// parameter's `@p AS int`, not `EXECUTE AS`), or at `BEGIN` / `RETURN` for functions
    /// that omit `AS`.
    fn find_body_start(&self, kind: ObjectKind, from: usize) -> Option<usize> {
        let mut depth = 0usize;
        let mut seen_returns = false;
        let mut i = from;
        while let Some(tok) = self.tok(i) {
            if tok.is_punct("(") {
                depth += 1;
            } else if tok.is_punct(")") {
                depth = depth.saturating_sub(1);
            } else if depth == 0 && tok.kind == TokKind::Word {
                if tok.is_kw("AS") {
                    let prev = i.checked_sub(1).map(|p| &self.toks[p]);
                    let is_param_type = prev.is_some_and(|p| p.kind == TokKind::Variable);
                    let is_execute_as = prev.is_some_and(|p| p.is_any_kw(&["EXECUTE", "EXEC"]));
                    if !is_param_type && !is_execute_as {
                        return Some(i + 1);
                    }
                } else if tok.is_kw("RETURNS") {
                    seen_returns = true;
                } else if kind == ObjectKind::Function
                    && seen_returns
                    && tok.is_any_kw(&["BEGIN", "RETURN"])
                {
                    return Some(i);
                } else if i > from && self.object_header_kind(i).is_some() {
                    return None;
                }
            }
            i += 1;
        }
        None
    }

    fn parse_statement(&mut self) {
        let Some(tok) = self.tok(self.pos) else {
            return;
        };
        if tok.is_punct(";") {
            self.pos += 1;
            return;
        }
        if tok.kind == TokKind::Word {
            let upper = tok.text.to_ascii_uppercase();
            if matches!(upper.as_str(), "BEGIN" | "IF" | "WHILE") {
                if self.depth >= MAX_NESTING {
                    let last_line = self.toks[self.end - 1].end_line;
                    self.region(
                        self.pos,
                        Some(last_line),
                        format!("blocks nested deeper than {MAX_NESTING} levels: the rest of this batch was not analysed"),
                    );
                    self.pos = self.end;
                    return;
                }
                self.depth += 1;
                match upper.as_str() {
                    "BEGIN" => self.parse_begin(),
                    "IF" => self.parse_if(),
                    _ => self.parse_while(),
                }
                self.depth -= 1;
                return;
            }
            match upper.as_str() {
                "END" => {
                    self.region(self.pos, None, "END without a matching BEGIN".to_string());
                    self.pos += 1;
                    return;
                }
                "ELSE" => {
                    self.region(self.pos, None, "ELSE without a matching IF".to_string());
                    self.pos += 1;
                    return;
                }
                _ => {}
            }
            // A label: `retry:`.
            if self.tok(self.pos + 1).is_some_and(|t| t.is_punct(":"))
                && !tok.is_any_kw(STATEMENT_STARTS)
            {
                self.pos += 2;
                return;
            }
        }
        self.simple_statement();
    }

    fn parse_begin(&mut self) {
        let next = self.tok(self.pos + 1);
        if next.is_some_and(|t| {
            t.is_any_kw(&[
                "TRAN",
                "TRANSACTION",
                "DISTRIBUTED",
                "DIALOG",
                "CONVERSATION",
            ])
        }) {
            self.simple_statement();
            return;
        }
        let begin_at = self.pos;
        if next.is_some_and(|t| t.is_kw("TRY")) {
            self.pos += 2;
            self.parse_block(begin_at, Some("TRY"));
            if self.is_kw_at(self.pos, "BEGIN") && self.is_kw_at(self.pos + 1, "CATCH") {
                let catch_at = self.pos;
                self.pos += 2;
                self.parse_block(catch_at, Some("CATCH"));
            }
            return;
        }
        self.pos += 1;
        if self.is_kw_at(self.pos, "ATOMIC") {
            // Natively compiled: BEGIN ATOMIC WITH (...).
            self.pos += 1;
            if self.is_kw_at(self.pos, "WITH") {
                self.pos += 1;
                self.skip_parens();
            }
        }
        self.parse_block(begin_at, None);
    }

    fn skip_parens(&mut self) {
        if !self.tok(self.pos).is_some_and(|t| t.is_punct("(")) {
            return;
        }
        let mut depth = 0usize;
        while let Some(t) = self.tok(self.pos) {
            if t.is_punct("(") {
                depth += 1;
            } else if t.is_punct(")") {
                depth -= 1;
                if depth == 0 {
                    self.pos += 1;
                    return;
                }
            }
            self.pos += 1;
        }
    }

    fn parse_block(&mut self, begin_at: usize, end_word: Option<&str>) {
        loop {
            let Some(tok) = self.tok(self.pos) else {
                let last_line = self.toks[self.end.saturating_sub(1).max(begin_at)].end_line;
                self.region(
                    begin_at,
                    Some(last_line),
                    "BEGIN without a matching END before the end of the batch".to_string(),
                );
                return;
            };
            if tok.is_kw("END") {
                self.pos += 1;
                if let Some(word) = end_word {
                    if self.is_kw_at(self.pos, word) {
                        self.pos += 1;
                    }
                }
                return;
            }
            if self.object.is_none() && self.object_header_kind(self.pos).is_some() {
                self.parse_object();
                continue;
            }
            self.parse_statement();
        }
    }

    fn parse_if(&mut self) {
        self.pos += 1;
        let condition = self.condition();
        let body_start = self.pos;
        self.parse_statement();
        if crate::sql::unit::tests_debug_flag(&self.toks[condition]) {
            self.out.debug_only.push(body_start..self.pos);
        }
        // `IF ... BEGIN ... END; ELSE ...`: the semicolon does not end the IF.
        let mut after = self.pos;
        while self.tok(after).is_some_and(|t| t.is_punct(";")) {
            after += 1;
        }
        if self.is_kw_at(after, "ELSE") {
            self.pos = after;
        }
        if self.is_kw_at(self.pos, "ELSE") {
            self.pos += 1;
            self.parse_statement();
        }
    }

    fn parse_while(&mut self) {
        let while_at = self.pos;
        self.pos += 1;
        let condition = self.condition();
        let tests_fetch_status = self.toks[condition.clone()]
            .iter()
            .any(|t| t.kind == TokKind::Variable && t.text.eq_ignore_ascii_case("@@FETCH_STATUS"));
        let tok = &self.toks[while_at];
        let loop_index = self.out.loops.len();
        self.out.loops.push(LoopInfo {
            kind: if tests_fetch_status {
                LoopKind::CursorWhile
            } else {
                LoopKind::While
            },
            start: while_at,
            header_end: condition.end,
            line: tok.line,
            col: tok.col,
            object: self.object,
            cursor: None,
            source: None,
        });
        self.loop_stack.push(loop_index);
        let first_body_stmt = self.out.statements.len();
        self.parse_statement();
        self.loop_stack.pop();
        // The cursor a loop walks is the one its FETCH reads.
        let cursor = self.out.statements[first_body_stmt..]
            .iter()
            .filter(|s| s.kind == StmtKind::Fetch && s.loops.contains(&loop_index))
            .find_map(|s| fetch_cursor_name(&self.toks[s.range.clone()]));
        if let Some(name) = cursor {
            let info = &mut self.out.loops[loop_index];
            info.source = self.cursors.get(&name.to_ascii_lowercase()).copied();
            info.cursor = Some(name);
            info.kind = LoopKind::CursorWhile;
        }
    }

    /// Reads an IF / WHILE condition, records it as a statement, returns its range.
    fn condition(&mut self) -> std::ops::Range<usize> {
        let start = self.pos;
        let mut depth = 0usize;
        let mut case_depth = 0usize;
        while let Some(tok) = self.tok(self.pos) {
            if tok.is_punct("(") {
                depth += 1;
            } else if tok.is_punct(")") {
                depth = depth.saturating_sub(1);
            } else if tok.kind == TokKind::Word {
                if tok.is_kw("CASE") {
                    case_depth += 1;
                } else if tok.is_kw("END") && case_depth > 0 {
                    case_depth -= 1;
                } else if depth == 0 && case_depth == 0 && self.pos > start {
                    // `IF UPDATE(col)` in a trigger is a function, not a statement.
                    let is_update_function = tok.is_kw("UPDATE")
                        && self.tok(self.pos + 1).is_some_and(|t| t.is_punct("("));
                    if tok.is_any_kw(STATEMENT_STARTS) && !is_update_function {
                        let prev = &self.toks[self.pos - 1];
                        if !is_continuing_predecessor(prev) && !prev.is_kw("ON") {
                            break;
                        }
                    }
                } else if depth == 0 && tok.is_punct(";") {
                    break;
                }
            }
            self.pos += 1;
        }
        if self.pos > start {
            self.out.statements.push(Stmt {
                range: start..self.pos,
                kind: StmtKind::Condition,
                object: self.object,
                loops: self.loop_stack.clone(),
            });
        }
        start..self.pos
    }

    fn simple_statement(&mut self) {
        let start = self.pos;
        let first = &self.toks[start];
        let mut state = StmtState {
            kind: Some(initial_kind(self.toks, start, self.end)),
            ..StmtState::default()
        };
        if first.is_kw("WITH") {
            state.is_cte = true;
        }
        let mut depth = 0usize;
        let mut case_depth = 0usize;
        let mut i = start + 1;
        if first.is_punct("(") {
            depth = 1;
        }
        let mut end = self.end;
        while i < self.end {
            let tok = &self.toks[i];
            if tok.is_punct("(") {
                depth += 1;
            } else if tok.is_punct(")") {
                depth = depth.saturating_sub(1);
            } else if depth == 0 && tok.is_punct(";") {
                end = i;
                break;
            } else if tok.kind == TokKind::Word {
                if depth == 0 && tok.is_kw("VALUES") {
                    // INSERT ... VALUES has its source: a later EXEC is a new statement.
                    state.seen_source = true;
                }
                if tok.is_kw("CASE") {
                    case_depth += 1;
                } else if tok.is_kw("END") && !self.toks[i - 1].is_kw("ROW") {
                    // (`GENERATED ALWAYS AS ROW END` is a column option, not a block end.)
                    if case_depth > 0 {
                        case_depth -= 1;
                    } else if depth == 0 {
                        end = i;
                        break;
                    }
                } else if depth == 0 && case_depth == 0 {
                    if tok.is_kw("ELSE") {
                        end = i;
                        break;
                    }
                    if tok.is_any_kw(STATEMENT_STARTS) && !self.continues(i, &mut state) {
                        end = i;
                        break;
                    }
                }
            }
            i += 1;
        }
        let kind = state.kind.unwrap_or(StmtKind::Other);
        let range = start..end;
        if kind == StmtKind::DeclareCursor {
            if let Some(name) = self.tok(start + 1).filter(|t| t.is_identifier_like()) {
                self.cursors
                    .insert(name.text.to_ascii_lowercase(), self.out.statements.len());
            }
        }
        self.out.statements.push(Stmt {
            range,
            kind,
            object: self.object,
            loops: self.loop_stack.clone(),
        });
        // Consume the semicolon, not END / ELSE (they belong to the enclosing construct).
        self.pos = if end < self.end && self.toks[end].is_punct(";") {
            end + 1
        } else {
            end
        };
    }

    /// Whether the statement keyword at `i` continues the current statement.
    fn continues(&self, i: usize, state: &mut StmtState) -> bool {
        let tok = &self.toks[i];
        let prev = &self.toks[i - 1];
        if is_continuing_predecessor(prev) {
            return true;
        }
        // `ON DELETE CASCADE`, `ON UPDATE` (but `SET NOCOUNT ON` ends before the next statement).
        if prev.is_kw("ON") && tok.is_any_kw(&["DELETE", "UPDATE"]) {
            return true;
        }
        if tok.is_kw("IF") && prev.is_any_kw(DROP_OBJECT_WORDS) {
            return true;
        }
        let kind = state.kind.unwrap_or(StmtKind::Other);
        if tok.is_kw("WITH") {
            // Only a CTE starts a statement; `WITH (NOLOCK)`, `WITH RECOMPILE` do not.
            return !is_cte_start(self.toks, i, self.end);
        }
        let word = tok.text.to_ascii_uppercase();
        let word = word.as_str();
        if state.is_cte && matches!(word, "SELECT" | "INSERT" | "UPDATE" | "DELETE" | "MERGE") {
            state.is_cte = false;
            state.kind = Some(kind_of_word(word));
            return true;
        }
        match kind {
            StmtKind::Insert
                if !state.seen_source && matches!(word, "SELECT" | "EXEC" | "EXECUTE") =>
            {
                state.seen_source = true;
                true
            }
            StmtKind::Update if !state.seen_set && word == "SET" => {
                state.seen_set = true;
                true
            }
            StmtKind::Merge => matches!(word, "UPDATE" | "DELETE" | "INSERT" | "SET" | "SELECT"),
            StmtKind::Other => {
                let first = &self.toks[self.pos];
                (first.is_kw("ALTER") && matches!(word, "SET" | "DROP"))
                    || (first.is_any_kw(&["GRANT", "REVOKE", "DENY"])
                        && matches!(
                            word,
                            "EXEC"
                                | "EXECUTE"
                                | "SELECT"
                                | "INSERT"
                                | "UPDATE"
                                | "DELETE"
                                | "ALTER"
                        ))
            }
            _ => false,
        }
    }
}

fn is_continuing_predecessor(prev: &Tok) -> bool {
    match prev.kind {
        // `a, UPDATE` (a list), `t.UPDATE`, `(SELECT`: never the start of a statement.
        TokKind::Punct => matches!(prev.text.as_str(), "," | "." | "("),
        TokKind::Word => prev.is_any_kw(CONTINUING_PREDECESSORS),
        _ => false,
    }
}

/// `WITH name AS (`, `WITH name (cols) AS (`, `WITH XMLNAMESPACES (`.
fn is_cte_start(toks: &[Tok], i: usize, end: usize) -> bool {
    let at = |k: usize| toks.get(k).filter(|_| k < end);
    let Some(name) = at(i + 1) else {
        return false;
    };
    if name.is_kw("XMLNAMESPACES") {
        return true;
    }
    if !name.is_identifier_like() {
        return false;
    }
    let mut j = i + 2;
    if at(j).is_some_and(|t| t.is_punct("(")) {
        let mut depth = 0usize;
        while let Some(t) = at(j) {
            if t.is_punct("(") {
                depth += 1;
            } else if t.is_punct(")") {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            j += 1;
        }
        j += 1;
    }
    at(j).is_some_and(|t| t.is_kw("AS")) && at(j + 1).is_some_and(|t| t.is_punct("("))
}

fn kind_of_word(word: &str) -> StmtKind {
    match word {
        "SELECT" => StmtKind::Select,
        "INSERT" => StmtKind::Insert,
        "UPDATE" => StmtKind::Update,
        "DELETE" => StmtKind::Delete,
        "MERGE" => StmtKind::Merge,
        "EXEC" | "EXECUTE" => StmtKind::Exec,
        "SET" => StmtKind::Set,
        "DECLARE" => StmtKind::Declare,
        "OPEN" => StmtKind::Open,
        "FETCH" => StmtKind::Fetch,
        "CLOSE" | "DEALLOCATE" => StmtKind::Close,
        "RETURN" => StmtKind::Return,
        _ => StmtKind::Other,
    }
}

fn initial_kind(toks: &[Tok], start: usize, end: usize) -> StmtKind {
    let first = &toks[start];
    if first.is_punct("(") {
        return StmtKind::Select;
    }
    if first.kind != TokKind::Word {
        return StmtKind::Other;
    }
    let word = first.text.to_ascii_uppercase();
    let kind = kind_of_word(&word);
    if kind == StmtKind::Declare {
        // DECLARE name [INSENSITIVE|SCROLL] CURSOR ...
        let is_cursor = toks[start + 1..end.min(start + 4)]
            .iter()
            .any(|t| t.is_kw("CURSOR"));
        if is_cursor
            && toks
                .get(start + 1)
                .is_some_and(|t| t.kind != TokKind::Variable)
        {
            return StmtKind::DeclareCursor;
        }
    }
    kind
}

/// `FETCH NEXT FROM c INTO ...`, `FETCH c INTO ...`, `FETCH FROM GLOBAL c`.
pub fn fetch_cursor_name(toks: &[Tok]) -> Option<String> {
    let mut i = 1;
    if let Some(from) = toks.iter().position(|t| t.is_any_kw(&["FROM", "IN"])) {
        i = from + 1;
    }
    while let Some(t) = toks.get(i) {
        if t.is_any_kw(&[
            "GLOBAL", "NEXT", "PRIOR", "FIRST", "LAST", "FORWARD", "BACKWARD", "ALL",
        ]) {
            i += 1;
            continue;
        }
        if t.is_identifier_like() || t.kind == TokKind::Variable {
            return Some(t.text.clone());
        }
        return None;
    }
    None
}

/// Reads a possibly qualified object name, skipping installer placeholders such as
/// `{databaseOwner}{objectQualifier}` and keeping SSMS template parameters
/// (`<procedure_name, sysname, ProcName>`) as written. Returns the name and the index
/// after it.
pub fn read_object_name(toks: &[Tok], i: usize, end: usize) -> (String, usize) {
    super::query::read_name_with(toks, i, end, false, true)
}

/// Removes `{placeholder}` groups from an identifier (`{objectQualifier}GetPortals`).
pub fn strip_placeholders(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut depth = 0u32;
    for c in text.chars() {
        match c {
            '{' => depth += 1,
            '}' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}
