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

mod cross_check;
mod header;
mod plpgsql;
#[cfg(test)]
mod tests;

use super::lex::{lex_into, Lexed, Tok, TokKind};
use super::unit::{SqlObject, SqlUnit, Stmt, StmtKind};
use super::SqlDialect;
use crate::model::ObjectKind;
use crate::source::LineIndex;
use cross_check::check_with_postgres_parser;
use header::read_header;
pub(super) use header::DEFINITION_MODIFIERS;
use plpgsql::PlParser;

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

/// Splits `lo..hi` on top-level semicolons (`BEGIN ATOMIC ... END` kept whole).
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
