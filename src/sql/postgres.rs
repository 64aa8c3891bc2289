//! PostgreSQL structure: statements split on `;`, objects (`CREATE [OR REPLACE]
//! FUNCTION | PROCEDURE | VIEW | TRIGGER`, `DO` blocks), and the PL/pgSQL block structure
//! of function bodies (`DECLARE`, `BEGIN ... EXCEPTION ... END`, `IF`, `CASE`, `LOOP`,
//! `WHILE`, `FOR ... IN query | cursor | range`, `FOREACH`). Bodies are lexed where they
//! stand, so every position points into the file, not into the body.
//!
//! The structure is read from tokens: pg_query's `parse_plpgsql` reports no positions,
//! rejects valid code (`%TYPE` parameters, trigger functions), and stops at the first
//! error. It is used as a cross-check instead: a body the real PostgreSQL parser rejects
//! is reported as not understood, and analysed all the same.

use super::lex::{lex_into, Lexed, Tok, TokKind};
use super::tsql::strip_placeholders;
use super::unit::{LoopInfo, LoopKind, SqlObject, SqlUnit, Stmt, StmtKind};
use super::SqlDialect;
use crate::model::ObjectKind;
use crate::source::LineIndex;

pub fn parse(text: &str) -> SqlUnit {
    let mut unit = SqlUnit::new(SqlDialect::Postgres);
    let mut lexed = Lexed::default();
    lex_into(text, SqlDialect::Postgres, 1, 1, &mut lexed);
    let file_token_count = lexed.tokens.len();
    let statements = split_statements(&lexed.tokens, 0, file_token_count);
    let lines = LineIndex::new(text);
    let mut bodies: Vec<PendingBody> = Vec::new();
    let mut objects: Vec<SqlObject> = Vec::new();
    let mut script: Vec<Stmt> = Vec::new();
    for range in statements {
        let toks = &lexed.tokens[range.clone()];
        match read_header(toks) {
            Some(header) => {
                let first = &toks[0];
                let last = &toks[toks.len() - 1];
                let object = objects.len();
                let name = if header.kind == ObjectKind::AnonymousBlock {
                    format!("DO block at line {}", first.line)
                } else {
                    header.name.clone()
                };
                objects.push(SqlObject {
                    kind: header.kind,
                    name,
                    line: first.line,
                    col: first.col,
                    end_line: last.end_line,
                    language: header.language.clone(),
                    variables: header.params.clone(),
                    returns_rows_of: header.returns_rows_of.clone(),
                });
                if let Some(body_at) = header.body {
                    bodies.push(PendingBody {
                        object,
                        body: range.start + body_at,
                        language: header.language.unwrap_or_else(|| "plpgsql".to_string()),
                        statement: range.clone(),
                    });
                } else if let Some(query_at) = header.view_query {
                    script.push(Stmt {
                        range: range.start + query_at..range.end,
                        kind: StmtKind::Select,
                        object: Some(object),
                        loops: Vec::new(),
                    });
                } else if let Some(atomic) = header.atomic_body {
                    for inner in split_statements(
                        &lexed.tokens,
                        range.start + atomic.start,
                        range.start + atomic.end,
                    ) {
                        script.push(simple_stmt(&lexed.tokens, inner, Some(object), Vec::new()));
                    }
                }
            }
            None => script.push(simple_stmt(&lexed.tokens, range, None, Vec::new())),
        }
    }
    for error in &lexed.errors {
        unit.not_understood_at(
            error.line,
            error.col,
            error.line,
            format!("could not tokenize this line: {}", error.message),
        );
    }
    unit.statements = script;
    unit.objects = objects;
    // Bodies are lexed in place and their tokens appended after the file's own.
    for pending in bodies {
        let body_tok = lexed.tokens[pending.body].clone();
        let start = lexed.tokens.len();
        let mut body_lexed = Lexed::default();
        lex_into(
            &body_tok.text,
            SqlDialect::Postgres,
            body_tok.line,
            body_tok.col + body_tok.prefix_len,
            &mut body_lexed,
        );
        for error in &body_lexed.errors {
            unit.not_understood_at(
                error.line,
                error.col,
                error.line,
                format!("could not tokenize this line: {}", error.message),
            );
        }
        lexed.tokens.extend(body_lexed.tokens);
        lexed.comments.extend(body_lexed.comments);
        let end = lexed.tokens.len();
        match pending.language.as_str() {
            "plpgsql" => {
                let mut parser = PlParser {
                    toks: &lexed.tokens,
                    pos: start,
                    end,
                    object: pending.object,
                    loop_stack: Vec::new(),
                    statements: Vec::new(),
                    loops: Vec::new(),
                    variables: PLPGSQL_SPECIAL_VARIABLES
                        .iter()
                        .map(|v| v.to_string())
                        .collect(),
                    problems: Vec::new(),
                    loop_base: unit.loops.len(),
                    stmt_base: unit.statements.len(),
                    cursors: Vec::new(),
                    depth: 0,
                    debug_only: Vec::new(),
                };
                parser.block_or_statements();
                let PlParser {
                    statements,
                    loops,
                    variables,
                    problems,
                    debug_only,
                    ..
                } = parser;
                unit.debug_only.extend(debug_only);
                unit.statements.extend(statements);
                unit.loops.extend(loops);
                unit.objects[pending.object].variables.extend(variables);
                for (at, message) in problems {
                    let tok = &lexed.tokens[at.min(lexed.tokens.len() - 1)];
                    unit.not_understood_at(tok.line, tok.col, tok.end_line, message);
                }
                check_with_postgres_parser(
                    text,
                    &lines,
                    &lexed.tokens[pending.statement.clone()],
                    &body_tok,
                    &mut unit,
                );
            }
            "sql" => {
                for inner in split_statements(&lexed.tokens, start, end) {
                    unit.statements.push(simple_stmt(
                        &lexed.tokens,
                        inner,
                        Some(pending.object),
                        Vec::new(),
                    ));
                }
            }
            // Other languages (plpython, c, ...) hold no SQL we can read.
            _ => {}
        }
    }
    unit.tokens = lexed.tokens;
    unit.comments = lexed.comments;
    unit
}

struct PendingBody {
    object: usize,
    /// Token index of the body string.
    body: usize,
    language: String,
    /// The whole CREATE / DO statement (for the pg_query cross-check).
    statement: std::ops::Range<usize>,
}

/// Splits `lo..hi` on top-level semicolons (`BEGIN ATOMIC ... END` kept whole).
/// Variables every PL/pgSQL function has without declaring them (the trigger's context,
/// `FOUND`, the error fields in a handler): values, never columns.
const PLPGSQL_SPECIAL_VARIABLES: &[&str] = &[
    "found",
    "tg_op",
    "tg_name",
    "tg_when",
    "tg_level",
    "tg_event",
    "tg_tag",
    "tg_relid",
    "tg_relname",
    "tg_table_name",
    "tg_table_schema",
    "tg_nargs",
    "tg_argv",
    "sqlstate",
    "sqlerrm",
];

fn split_statements(toks: &[Tok], lo: usize, hi: usize) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = lo;
    let mut depth = 0usize;
    let mut atomic = 0usize;
    let mut case_depth = 0usize;
    for i in lo..hi {
        let tok = &toks[i];
        if tok.is_punct("(") || tok.is_punct("[") {
            depth += 1;
        } else if tok.is_punct(")") || tok.is_punct("]") {
            depth = depth.saturating_sub(1);
        } else if tok.is_kw("ATOMIC") && i > lo && toks[i - 1].is_kw("BEGIN") {
            atomic += 1;
        } else if atomic > 0 && tok.is_kw("CASE") {
            case_depth += 1;
        } else if atomic > 0 && tok.is_kw("END") {
            if case_depth > 0 {
                case_depth -= 1;
            } else {
                atomic -= 1;
            }
        } else if tok.is_punct(";") && depth == 0 && atomic == 0 {
            if i > start {
                out.push(start..i);
            }
            start = i + 1;
        }
    }
    if start < hi {
        out.push(start..hi);
    }
    out
}

fn kind_of_first(tok: &Tok) -> StmtKind {
    if tok.is_punct("(") {
        return StmtKind::Select;
    }
    let word = tok.text.to_ascii_uppercase();
    match word.as_str() {
        "SELECT" | "WITH" | "VALUES" | "TABLE" => StmtKind::Select,
        // PERFORM runs a query or a function per call, like EXEC.
        "PERFORM" => StmtKind::Exec,
        "INSERT" => StmtKind::Insert,
        "UPDATE" => StmtKind::Update,
        "DELETE" => StmtKind::Delete,
        "MERGE" => StmtKind::Merge,
        "EXECUTE" | "CALL" => StmtKind::Exec,
        "OPEN" => StmtKind::Open,
        "FETCH" | "MOVE" => StmtKind::Fetch,
        "CLOSE" => StmtKind::Close,
        "RETURN" => StmtKind::Return,
        _ => StmtKind::Other,
    }
}

fn simple_stmt(
    toks: &[Tok],
    range: std::ops::Range<usize>,
    object: Option<usize>,
    loops: Vec<usize>,
) -> Stmt {
    let kind = if toks[range.start].kind == TokKind::Word {
        kind_of_first(&toks[range.start])
    } else {
        StmtKind::Other
    };
    Stmt {
        range,
        kind,
        object,
        loops,
    }
}

struct Header {
    kind: ObjectKind,
    name: String,
    language: Option<String>,
    params: Vec<String>,
    /// Index (within the statement) of the body string token.
    body: Option<usize>,
    view_query: Option<usize>,
    atomic_body: Option<std::ops::Range<usize>>,
    /// `RETURNS SETOF t` / `RETURNS t` / `RETURNS TABLE (LIKE t)`: `t`.
    returns_rows_of: Option<String>,
}

/// Recognises `CREATE [OR REPLACE] FUNCTION | PROCEDURE | [MATERIALIZED] VIEW |
/// [CONSTRAINT] TRIGGER` and `DO`.
/// Words between `CREATE [OR REPLACE]` and the kind of object it defines.
pub(super) const DEFINITION_MODIFIERS: &[&str] = &[
    "TEMP",
    "TEMPORARY",
    "MATERIALIZED",
    "RECURSIVE",
    "CONSTRAINT",
];

fn read_header(toks: &[Tok]) -> Option<Header> {
    let first = toks.first()?;
    if first.is_kw("DO") {
        let body = toks.iter().position(|t| t.is_string())?;
        let language = language_of(toks).or_else(|| Some("plpgsql".to_string()));
        return Some(Header {
            kind: ObjectKind::AnonymousBlock,
            name: String::new(),
            language,
            params: Vec::new(),
            body: Some(body),
            view_query: None,
            atomic_body: None,
            returns_rows_of: None,
        });
    }
    if !first.is_kw("CREATE") {
        return None;
    }
    let mut i = 1;
    if toks.get(i).is_some_and(|t| t.is_kw("OR")) {
        i += 2;
    }
    while toks
        .get(i)
        .is_some_and(|t| t.is_any_kw(DEFINITION_MODIFIERS))
    {
        i += 1;
    }
    let kind_tok = toks.get(i)?;
    let kind = if kind_tok.is_kw("FUNCTION") {
        ObjectKind::Function
    } else if kind_tok.is_kw("PROCEDURE") {
        ObjectKind::Procedure
    } else if kind_tok.is_kw("VIEW") {
        ObjectKind::View
    } else if kind_tok.is_kw("TRIGGER") {
        ObjectKind::Trigger
    } else {
        return None;
    };
    let (name, after) = super::query::read_name(toks, i + 1, toks.len());
    let name = strip_placeholders(&name);
    let mut header = Header {
        kind,
        name,
        language: None,
        params: Vec::new(),
        body: None,
        view_query: None,
        atomic_body: None,
        returns_rows_of: None,
    };
    match kind {
        ObjectKind::View => {
            header.view_query = toks[after..]
                .iter()
                .position(|t| t.is_kw("AS"))
                .map(|p| after + p + 1)
                .filter(|&q| q < toks.len());
        }
        ObjectKind::Function | ObjectKind::Procedure => {
            if toks.get(after).is_some_and(|t| t.is_punct("(")) {
                header.params = parameter_names(toks, after);
            }
            header.language = language_of(toks);
            header.returns_rows_of = returned_row_type(toks, after);
            let mut depth = 0usize;
            for (k, tok) in toks.iter().enumerate().skip(after) {
                if tok.is_punct("(") {
                    depth += 1;
                } else if tok.is_punct(")") {
                    depth = depth.saturating_sub(1);
                } else if depth == 0 && tok.is_kw("AS") {
                    header.body = toks[k + 1..]
                        .iter()
                        .position(|t| t.is_string())
                        .map(|p| k + 1 + p);
                    break;
                } else if depth == 0
                    && tok.is_kw("BEGIN")
                    && toks.get(k + 1).is_some_and(|t| t.is_kw("ATOMIC"))
                {
                    let end = toks
                        .iter()
                        .rposition(|t| t.is_kw("END"))
                        .unwrap_or(toks.len());
                    header.atomic_body = Some(k + 2..end.max(k + 2));
                    header.language.get_or_insert_with(|| "sql".to_string());
                    break;
                } else if depth == 0 && tok.is_kw("RETURN") {
                    header.view_query = Some(k + 1);
                    header.language.get_or_insert_with(|| "sql".to_string());
                    break;
                }
            }
        }
        _ => {}
    }
    Some(header)
}

/// The row type a function's `RETURNS` clause names (`SETOF t`, `t`, `TABLE (LIKE t)`),
/// read at the top level after the parameter list that starts at `after`.
fn returned_row_type(toks: &[Tok], after: usize) -> Option<String> {
    let mut depth = 0usize;
    let mut at = None;
    for (k, tok) in toks.iter().enumerate().skip(after) {
        if tok.is_punct("(") {
            depth += 1;
        } else if tok.is_punct(")") {
            depth = depth.saturating_sub(1);
        } else if depth == 0 && tok.is_kw("RETURNS") {
            at = Some(k + 1);
            break;
        } else if depth == 0 && (tok.is_kw("AS") || tok.is_string()) {
            return None;
        }
    }
    let mut i = at?;
    if toks.get(i).is_some_and(|t| t.is_kw("SETOF")) {
        i += 1;
    } else if toks.get(i).is_some_and(|t| t.is_kw("TABLE"))
        && toks.get(i + 1).is_some_and(|t| t.is_punct("("))
        && toks.get(i + 2).is_some_and(|t| t.is_kw("LIKE"))
    {
        i += 3;
    }
    let (name, next) = super::query::read_name(toks, i, toks.len());
    // `RETURNS t[]`, `RETURNS TABLE (a int)`, `RETURNS varchar(10)`: no row type.
    let followed_by_bracket = toks
        .get(next)
        .is_some_and(|t| t.is_punct("[") || t.is_punct("("));
    (!name.is_empty() && !followed_by_bracket && !name.eq_ignore_ascii_case("TABLE"))
        .then_some(name)
}

fn language_of(toks: &[Tok]) -> Option<String> {
    let at = toks.iter().position(|t| t.is_kw("LANGUAGE"))?;
    toks.get(at + 1)
        .filter(|t| t.is_identifier_like() || t.kind == TokKind::Str)
        .map(|t| t.text.to_ascii_lowercase())
}

/// Parameter names from `(p_id int, OUT total bigint, VARIADIC ids int[])`.
fn parameter_names(toks: &[Tok], open: usize) -> Vec<String> {
    let mut names = Vec::new();
    let mut depth = 0usize;
    let mut param_start = open + 1;
    let mut i = open;
    while i < toks.len() {
        let tok = &toks[i];
        if tok.is_punct("(") {
            depth += 1;
        } else if tok.is_punct(")") || (tok.is_punct(",") && depth == 1) {
            if depth == 1 {
                let mut k = param_start;
                while toks
                    .get(k)
                    .is_some_and(|t| t.is_any_kw(&["IN", "OUT", "INOUT", "VARIADIC"]))
                {
                    k += 1;
                }
                // A name is followed by a type; a lone type has nothing after it.
                if k + 1 < i
                    && toks[k].is_identifier_like()
                    && !toks[k + 1].is_punct(".")
                    && !toks[k + 1].is_punct("(")
                {
                    names.push(toks[k].text.to_ascii_lowercase());
                }
                param_start = i + 1;
            }
            if tok.is_punct(")") {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
        }
        i += 1;
    }
    names
}

/// Runs the real PostgreSQL parser over a PL/pgSQL function or DO block and records
/// a body it rejects. Known false rejections of the bundled parser are not reported.
fn check_with_postgres_parser(
    text: &str,
    lines: &LineIndex,
    statement: &[Tok],
    body: &Tok,
    unit: &mut SqlUnit,
) {
    let (Some(first), Some(last)) = (statement.first(), statement.last()) else {
        return;
    };
    let start = lines.offset(text, first.line, first.col);
    let end = lines.offset(text, last.end_line, last.end_col);
    let Some(source) = text.get(start..end.max(start)) else {
        return;
    };
    // Only the answer is used: `check_plpgsql` does not parse the JSON `parse_plpgsql` builds.
    if let Err(pg_query::Error::Parse(message)) = pg_query::check_plpgsql(source) {
        let known_false = message.contains("Not implemented")
            || message.contains("VARIADIC")
            || message.contains("is not a known variable")
            || message.contains("RETURN QUERY")
            || message.contains("missing \"FROM or IN\"");
        if !known_false {
            unit.not_understood_at(
                body.line,
                body.col,
                body.end_line,
                format!("PostgreSQL rejects this PL/pgSQL body ({message}); it was analysed as far as it could be read"),
            );
        }
    }
}

/// The PL/pgSQL block parser over a body's tokens.
struct PlParser<'a> {
    toks: &'a [Tok],
    pos: usize,
    end: usize,
    object: usize,
    loop_stack: Vec<usize>,
    statements: Vec<Stmt>,
    loops: Vec<LoopInfo>,
    variables: Vec<String>,
    problems: Vec<(usize, String)>,
    /// Loops already in the unit (loop indices are unit-wide).
    loop_base: usize,
    /// Statements already in the unit (statement indices are unit-wide).
    stmt_base: usize,
    /// Lower-cased cursor name -> unit-wide index of the statement holding its query.
    cursors: Vec<(String, usize)>,
    depth: usize,
    /// Token ranges of `IF <debug flag> THEN ...` branches (`SqlUnit::debug_only`).
    debug_only: Vec<std::ops::Range<usize>>,
}

const BLOCK_ENDS: &[&str] = &["END", "ELSE", "ELSIF", "ELSEIF", "WHEN", "EXCEPTION"];

impl PlParser<'_> {
    fn tok(&self, i: usize) -> Option<&Tok> {
        if i < self.end {
            self.toks.get(i)
        } else {
            None
        }
    }

    fn at_kw(&self, keyword: &str) -> bool {
        self.tok(self.pos).is_some_and(|t| t.is_kw(keyword))
    }

    fn block_or_statements(&mut self) {
        while self.pos < self.end {
            let before = self.pos;
            self.statement();
            if self.pos == before {
                // A stray END / ELSE at the top: report and move on.
                self.problems.push((
                    self.pos,
                    format!("unexpected `{}` in PL/pgSQL body", self.toks[self.pos].text),
                ));
                self.pos += 1;
            }
        }
    }

    fn skip_label(&mut self) {
        if self.tok(self.pos).is_some_and(|t| t.is_punct("<<")) {
            self.pos = (self.pos + 3).min(self.end);
        }
    }

    /// Statements until a block-ending keyword (END, ELSE, ELSIF, WHEN, EXCEPTION).
    fn statements_until_end(&mut self) {
        while let Some(tok) = self.tok(self.pos) {
            if tok.is_any_kw(BLOCK_ENDS) {
                return;
            }
            let before = self.pos;
            self.statement();
            if self.pos == before {
                self.pos += 1;
            }
        }
    }

    /// Consumes `END [IF|LOOP|CASE] [label] ;`.
    fn end_of(&mut self, what: Option<&str>) {
        if self.at_kw("END") {
            self.pos += 1;
            if let Some(word) = what {
                if self.at_kw(word) {
                    self.pos += 1;
                }
            }
            while let Some(t) = self.tok(self.pos) {
                if t.is_punct(";") {
                    self.pos += 1;
                    break;
                }
                if t.is_identifier_like() && !t.is_any_kw(BLOCK_ENDS) {
                    self.pos += 1;
                    continue;
                }
                break;
            }
        } else if self.pos < self.end {
            let message = format!(
                "expected END{} here",
                what.map(|w| format!(" {w}")).unwrap_or_default()
            );
            self.problems.push((self.pos, message));
        } else {
            self.problems.push((
                self.end.saturating_sub(1),
                "body ends before its END".to_string(),
            ));
        }
    }

    fn statement(&mut self) {
        self.skip_label();
        let Some(tok) = self.tok(self.pos) else {
            return;
        };
        if tok.is_punct(";") {
            self.pos += 1;
            return;
        }
        if tok.kind != TokKind::Word {
            self.simple();
            return;
        }
        let word = tok.text.to_ascii_uppercase();
        let nests = matches!(
            word.as_str(),
            "DECLARE" | "BEGIN" | "IF" | "CASE" | "LOOP" | "WHILE" | "FOR" | "FOREACH"
        );
        if nests {
            if self.depth >= super::tsql::MAX_NESTING {
                self.problems.push((
                    self.pos,
                    format!("blocks nested deeper than {} levels: the rest of this body was not analysed", super::tsql::MAX_NESTING),
                ));
                self.pos = self.end;
                return;
            }
            self.depth += 1;
            self.nested_statement(&word);
            self.depth -= 1;
            return;
        }
        if BLOCK_ENDS.contains(&word.as_str()) {
            return;
        }
        self.simple();
    }

    fn nested_statement(&mut self, word: &str) {
        match word {
            "DECLARE" => {
                self.pos += 1;
                self.declarations();
                if self.at_kw("BEGIN") {
                    self.block();
                }
            }
            "BEGIN" => self.block(),
            "IF" => self.if_statement(),
            "CASE" => self.case_statement(),
            "LOOP" => self.loop_statement(LoopKind::Loop, self.pos, None, None),
            "WHILE" => {
                let at = self.pos;
                self.pos += 1;
                let start = self.pos;
                let end = self.until_keyword_here("LOOP");
                self.push_condition(start..end);
                self.loop_statement(LoopKind::While, at, None, None);
            }
            "FOR" => self.for_statement(),
            "FOREACH" => {
                let at = self.pos;
                if let Some(var) = self.tok(self.pos + 1).filter(|t| t.is_identifier_like()) {
                    self.variables.push(var.text.to_ascii_lowercase());
                }
                self.until_keyword_here("LOOP");
                self.loop_statement(LoopKind::ForEach, at, None, None);
            }
            _ => self.simple(),
        }
    }

    fn declarations(&mut self) {
        while let Some(tok) = self.tok(self.pos) {
            if tok.is_kw("BEGIN") {
                return;
            }
            let start = self.pos;
            let end = self.until_semicolon();
            if let Some(name) = self.toks.get(start).filter(|t| t.is_identifier_like()) {
                let name = name.text.to_ascii_lowercase();
                self.variables.push(name.clone());
                // name [NO] [SCROLL] CURSOR [(args)] FOR|IS query
                let decl = &self.toks[start..end];
                if let Some(cursor_at) = decl.iter().take(4).position(|t| t.is_kw("CURSOR")) {
                    if decl.get(cursor_at + 1).is_some_and(|t| t.is_punct("(")) {
                        let params = parameter_names(&self.toks[..end], start + cursor_at + 1);
                        self.variables.extend(params);
                    }
                    if let Some(for_at) = decl.iter().position(|t| t.is_any_kw(&["FOR", "IS"])) {
                        let index =
                            self.push_stmt(start + for_at + 1..end, StmtKind::DeclareCursor);
                        self.cursors.push((name, index));
                    }
                }
            }
            if self.pos == start {
                self.pos += 1;
            }
        }
    }

    fn block(&mut self) {
        self.pos += 1; // BEGIN
        self.statements_until_end();
        if self.at_kw("EXCEPTION") {
            self.pos += 1;
            while self.at_kw("WHEN") {
                self.until_keyword("THEN");
                self.statements_until_end();
            }
        }
        self.end_of(None);
    }

    fn if_statement(&mut self) {
        self.pos += 1;
        let cond = self.until_keyword("THEN");
        let debug = super::unit::tests_debug_flag(&self.toks[cond.clone()]);
        self.push_condition(cond);
        let body_start = self.pos;
        self.statements_until_end();
        if debug {
            self.debug_only.push(body_start..self.pos);
        }
        loop {
            if self.at_kw("ELSIF") || self.at_kw("ELSEIF") {
                self.pos += 1;
                let cond = self.until_keyword("THEN");
                self.push_condition(cond);
                self.statements_until_end();
            } else if self.at_kw("ELSE") {
                self.pos += 1;
                self.statements_until_end();
            } else {
                break;
            }
        }
        self.end_of(Some("IF"));
    }

    fn case_statement(&mut self) {
        self.pos += 1;
        self.until_keyword_here("WHEN");
        while self.at_kw("WHEN") {
            self.pos += 1;
            let cond = self.until_keyword("THEN");
            self.push_condition(cond);
            self.statements_until_end();
        }
        if self.at_kw("ELSE") {
            self.pos += 1;
            self.statements_until_end();
        }
        self.end_of(Some("CASE"));
    }

    fn for_statement(&mut self) {
        let at = self.pos;
        let var = self
            .tok(self.pos + 1)
            .filter(|t| t.is_identifier_like())
            .map(|t| t.text.to_ascii_lowercase());
        if let Some(var) = var {
            self.variables.push(var);
        }
        // FOR target [, target] IN
        let in_at = (self.pos..self.end).find(|&k| self.toks[k].is_kw("IN"));
        let Some(in_at) = in_at else {
            self.problems.push((at, "FOR without IN".to_string()));
            self.simple();
            return;
        };
        self.pos = in_at + 1;
        if self.at_kw("REVERSE") {
            self.pos += 1;
        }
        let header_start = self.pos;
        let header = header_start..self.until_keyword_here("LOOP");
        let head = &self.toks[header.clone()];
        // `1..10` lexes as `1.` `.10` (or `..` between names): a range, not a query.
        let is_range = head.iter().any(|t| {
            t.is_punct("..")
                || (t.kind == TokKind::Number && (t.text.ends_with('.') || t.text.starts_with('.')))
        }) || head
            .windows(2)
            .any(|w| w[0].is_punct(".") && w[1].is_punct("."));
        let first = head.first();
        let (kind, source, cursor) = if first.is_some_and(|t| t.is_kw("EXECUTE")) {
            let stmt = self.push_stmt(header.clone(), StmtKind::Exec);
            (LoopKind::ForQuery, Some(stmt), None)
        } else if is_range {
            (LoopKind::ForRange, None, None)
        } else if first
            .is_some_and(|t| t.is_any_kw(&["SELECT", "WITH", "VALUES", "TABLE"]) || t.is_punct("("))
        {
            let stmt = self.push_stmt(header.clone(), StmtKind::LoopSource);
            (LoopKind::ForQuery, Some(stmt), None)
        } else {
            let name = self.toks.get(header_start).map(|t| t.text.clone());
            let source = name.as_ref().and_then(|n| self.cursor_source(n));
            (LoopKind::ForCursor, source, name)
        };
        self.loop_statement(kind, at, source, cursor);
    }

    fn cursor_source(&self, name: &str) -> Option<usize> {
        self.cursors
            .iter()
            .rev()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, index)| *index)
    }

    /// At the loop keyword: reads `LOOP body END LOOP`.
    fn loop_statement(
        &mut self,
        kind: LoopKind,
        at: usize,
        source: Option<usize>,
        cursor: Option<String>,
    ) {
        // The caller stops at the LOOP keyword.
        let tok = &self.toks[at];
        let index = self.loop_base + self.loops.len();
        self.loops.push(LoopInfo {
            kind,
            start: at,
            header_end: self.pos.max(at + 1),
            line: tok.line,
            col: tok.col,
            object: Some(self.object),
            cursor,
            source,
        });
        if self.at_kw("LOOP") {
            self.pos += 1;
        }
        self.loop_stack.push(index);
        self.statements_until_end();
        self.loop_stack.pop();
        self.end_of(Some("LOOP"));
        // A bare LOOP that FETCHes walks a cursor: name it.
        let local = index - self.loop_base;
        if self.loops[local].cursor.is_none() {
            let fetched = self
                .statements
                .iter()
                .filter(|s| s.kind == StmtKind::Fetch && s.loops.last() == Some(&index))
                .find_map(|s| super::tsql::fetch_cursor_name(&self.toks[s.range.clone()]));
            if let Some(name) = fetched {
                self.loops[local].source = self.cursor_source(&name);
                self.loops[local].cursor = Some(name);
            }
        }
    }

    /// Tokens up to (not including) `keyword` at depth 0; moves past the keyword.
    fn until_keyword(&mut self, keyword: &str) -> std::ops::Range<usize> {
        let start = self.pos;
        let end = self.until_keyword_here(keyword);
        if self.at_kw(keyword) {
            self.pos += 1;
        }
        start..end
    }

    fn until_keyword_here(&mut self, keyword: &str) -> usize {
        let mut depth = 0usize;
        let mut case_depth = 0usize;
        while let Some(tok) = self.tok(self.pos) {
            if tok.is_punct("(") || tok.is_punct("[") {
                depth += 1;
            } else if tok.is_punct(")") || tok.is_punct("]") {
                depth = depth.saturating_sub(1);
            } else if depth == 0 && tok.is_kw("CASE") {
                case_depth += 1;
            } else if depth == 0 && case_depth > 0 && tok.is_kw("END") {
                case_depth -= 1;
            } else if depth == 0 && case_depth == 0 && (tok.is_kw(keyword) || tok.is_punct(";")) {
                break;
            }
            self.pos += 1;
        }
        self.pos
    }

    fn until_semicolon(&mut self) -> usize {
        let mut depth = 0usize;
        while let Some(tok) = self.tok(self.pos) {
            if tok.is_punct("(") || tok.is_punct("[") {
                depth += 1;
            } else if tok.is_punct(")") || tok.is_punct("]") {
                depth = depth.saturating_sub(1);
            } else if depth == 0 && tok.is_punct(";") {
                let end = self.pos;
                self.pos += 1;
                return end;
            }
            self.pos += 1;
        }
        self.pos
    }

    fn push_stmt(&mut self, range: std::ops::Range<usize>, kind: StmtKind) -> usize {
        self.statements.push(Stmt {
            range,
            kind,
            object: Some(self.object),
            loops: self.loop_stack.clone(),
        });
        self.stmt_base + self.statements.len() - 1
    }

    fn push_condition(&mut self, range: std::ops::Range<usize>) {
        if !range.is_empty() {
            self.push_stmt(range, StmtKind::Condition);
        }
    }

    fn simple(&mut self) {
        let start = self.pos;
        let end = self.until_semicolon();
        if end <= start {
            return;
        }
        let first = &self.toks[start];
        let mut kind = kind_of_first(first);
        let mut range = start..end;
        if first.is_kw("RETURN") && self.toks.get(start + 1).is_some_and(|t| t.is_kw("QUERY")) {
            // RETURN QUERY <query> | RETURN QUERY EXECUTE ...
            range = start + 2..end;
            kind = if self.toks.get(start + 2).is_some_and(|t| t.is_kw("EXECUTE")) {
                StmtKind::Exec
            } else {
                StmtKind::Select
            };
        } else if first.is_kw("OPEN") {
            if let Some(for_at) = self.toks[start..end].iter().position(|t| t.is_kw("FOR")) {
                let query_start = start + for_at + 1;
                if self
                    .toks
                    .get(query_start)
                    .is_some_and(|t| t.is_kw("EXECUTE"))
                {
                    kind = StmtKind::Exec;
                } else {
                    kind = StmtKind::DeclareCursor;
                }
                range = query_start..end;
            }
        } else if kind == StmtKind::Other
            && self
                .toks
                .get(start + 1)
                .is_some_and(|t| t.is_punct(":=") || t.is_punct("="))
        {
            kind = StmtKind::Set;
        }
        if !range.is_empty() {
            self.push_stmt(range, kind);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returned_row_types() {
        let cases = [
            (
                "CREATE FUNCTION f() RETURNS SETOF app.orders LANGUAGE sql AS $$ SELECT 1 $$;",
                Some("app.orders"),
            ),
            (
                "CREATE FUNCTION f(a int) RETURNS orders AS $$ SELECT 1 $$ LANGUAGE sql;",
                Some("orders"),
            ),
            (
                "CREATE FUNCTION f() RETURNS TABLE (LIKE orders) AS $$ SELECT 1 $$ LANGUAGE sql;",
                Some("orders"),
            ),
            (
                "CREATE FUNCTION f() RETURNS TABLE (id int) AS $$ SELECT 1 $$ LANGUAGE sql;",
                None,
            ),
            (
                "CREATE FUNCTION f() RETURNS int[] AS $$ SELECT 1 $$ LANGUAGE sql;",
                None,
            ),
            (
                "CREATE FUNCTION f() RETURNS varchar(10) AS $$ SELECT 1 $$ LANGUAGE sql;",
                None,
            ),
        ];
        for (text, expected) in cases {
            let unit = parse(text);
            assert_eq!(
                unit.objects[0].returns_rows_of.as_deref(),
                expected,
                "{text}"
            );
        }
    }

    #[test]
    fn function_body_positions_point_into_the_file() {
        let text = "\n\nCREATE OR REPLACE FUNCTION public.notify(p_provider integer)\nRETURNS void LANGUAGE plpgsql AS $$\nDECLARE r record;\nBEGIN\n  FOR r IN SELECT * FROM appointments a WHERE a.provider_id = p_provider LOOP\n    INSERT INTO notifications(user_id) VALUES (r.client_id);\n  END LOOP;\nEND;\n$$;\n";
        let unit = parse(text);
        assert_eq!(unit.objects.len(), 1);
        assert_eq!(unit.objects[0].name, "public.notify");
        assert_eq!(unit.objects[0].line, 3);
        assert!(unit.objects[0]
            .variables
            .contains(&"p_provider".to_string()));
        assert!(unit.objects[0].variables.contains(&"r".to_string()));
        assert_eq!(unit.loops.len(), 1);
        assert_eq!(unit.loops[0].kind, LoopKind::ForQuery);
        assert_eq!(unit.loops[0].line, 7);
        let insert = unit
            .statements
            .iter()
            .find(|s| s.kind == StmtKind::Insert)
            .unwrap();
        assert_eq!(unit.tokens[insert.range.start].line, 8);
        assert_eq!(unit.tokens[insert.range.start].col, 5);
        assert_eq!(insert.loops, vec![0]);
        assert!(unit.not_understood.is_empty(), "{:?}", unit.not_understood);
    }

    #[test]
    fn do_blocks_and_sql_functions() {
        let text = "DO $$ BEGIN PERFORM 1; END $$;\nCREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1; SELECT 2';";
        let unit = parse(text);
        assert_eq!(unit.objects.len(), 2);
        assert_eq!(unit.objects[0].kind, ObjectKind::AnonymousBlock);
        assert_eq!(unit.objects[1].language.as_deref(), Some("sql"));
        assert_eq!(
            unit.statements
                .iter()
                .filter(|s| s.object == Some(1))
                .count(),
            2
        );
    }

    #[test]
    fn rejected_bodies_are_reported_not_dropped() {
        let text = "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN SELEC 1; END $$;";
        let unit = parse(text);
        assert_eq!(unit.objects.len(), 1);
        assert_eq!(unit.not_understood.len(), 1);
    }

    #[test]
    fn the_postgresql_cross_check_reports_its_rejections_only() {
        let rejects = |text: &str| {
            parse(text)
                .not_understood
                .iter()
                .filter(|r| {
                    r.message
                        .starts_with("PostgreSQL rejects this PL/pgSQL body")
                })
                .map(|r| r.message.clone())
                .collect::<Vec<_>>()
        };
        // Valid bodies, a trigger function among them (pg_query's JSON of one is malformed;
        // only PostgreSQL's answer counts).
        for valid in [
            "DO $$ BEGIN PERFORM 1; END $$;",
            "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  NEW.updated_at := now();\n  RETURN NEW;\nEND\n$$;",
        ] {
            assert!(rejects(valid).is_empty(), "{valid}: {:?}", rejects(valid));
        }
        let rejected = rejects("DO $$ BEGIN PERFORM 1 END $$;");
        assert_eq!(rejected.len(), 1, "{rejected:?}");
        assert!(rejected[0].contains("syntax error"), "{rejected:?}");
    }
}
