//! Code written inside string literals, analysed as objects and statements of its own:
//! T-SQL `EXEC sp_executesql [@statement =] N'…'` (any schema, `EXECUTE`, `EXEC @rc =`),
//! `EXEC (N'…')`, and PL/pgSQL `EXECUTE '…'` / `EXECUTE format('…', …)`. This is how
//! SSMS "Generate Scripts" with "Check for object existence" writes every procedure,
//! view, function and trigger, so without it such a file is a silent zero.
//!
//! The literal's content is un-doubled (`''` → `'`; dollar-quoted strings as they are),
//! parsed like a file (nested literals in turn, up to `MAX_DEPTH`), and every position of
//! the result is mapped back into the file through the runs of file text the content is
//! made of (`source::lines::RunMap`, the mapping the application side uses for
//! its string literals). A concatenation is read up to its first part that is not a
//! literal; the rest is reported as not understood. `format` specifiers (`%I`, `%L`,
//! `%s`) become placeholders of the same length.
//!
//! Also here, the no-silent-zero invariant: a definition header (`CREATE | ALTER PROC |
//! PROCEDURE | FUNCTION | TRIGGER | VIEW`) in the code (not in a comment, not in a string
//! that was not analysed) that did not become an object is reported as not understood.

use super::lex::{Tok, TokKind};
use super::unit::{Region, SqlUnit};
use super::SqlDialect;
use crate::source::lines::RunMap;
use crate::source::LineIndex;

/// Literals inside literals deeper than this are not analysed (reported): real scripts
/// stay at two or three levels, and it bounds the work on hostile input.
pub const MAX_DEPTH: usize = 4;

/// A literal body found in the code: its un-doubled text and where its runs are.
struct Body {
    text: String,
    runs: Vec<(usize, (u32, u32))>,
    start: (u32, u32),
    /// Index in `SqlUnit::statements` of the statement that executes it.
    statement: usize,
    /// Only the literal prefix of a statement built at run time (reported as such).
    prefix_only: bool,
}

/// Finds the literal bodies executed by the unit's statements and appends their objects,
/// statements, loops, tokens, comments and regions to the unit, positions in the file.
pub(super) fn expand(unit: &mut SqlUnit, text: &str, depth: usize) {
    let candidates = find_literals(unit);
    if candidates.is_empty() {
        return;
    }
    let lines = LineIndex::new(text);
    let mut bodies = Vec::new();
    for found in candidates {
        let first = &unit.tokens[found.parts[0]];
        let (line, col) = (first.line, first.col);
        if depth >= MAX_DEPTH {
            unit.not_understood_at(
                line,
                col,
                unit.tokens[found.parts[found.parts.len() - 1]].end_line,
                format!("dynamic SQL nested more than {MAX_DEPTH} literals deep: this literal was not analysed"),
            );
            continue;
        }
        match assemble(unit, text, &lines, &found.parts, found.is_format) {
            Some((body_text, runs, start)) => bodies.push(Body {
                text: body_text,
                runs,
                start,
                statement: found.statement,
                prefix_only: found.rest.is_some(),
            }),
            None => unit.not_understood_at(
                line,
                col,
                first.end_line,
                "could not locate this literal's text in the file: its SQL was not analysed"
                    .to_string(),
            ),
        }
        if let Some(rest) = found.rest {
            let tok = &unit.tokens[rest];
            let message = format!(
                "dynamic SQL built at run time: the literal part before `{}` was analysed, the rest was not",
                tok.text
            );
            unit.not_understood_at(tok.line, tok.col, tok.end_line, message);
        }
    }
    for body in bodies {
        let sub = super::parse_nested(&body.text, unit.dialect, depth + 1);
        merge(unit, sub, &body);
    }
}

struct Found {
    statement: usize,
    /// Token indices of the literal parts, in order.
    parts: Vec<usize>,
    /// The first token after the literal parts that continues the concatenation.
    rest: Option<usize>,
    /// The literal is `format`'s template (PostgreSQL).
    is_format: bool,
}

fn find_literals(unit: &SqlUnit) -> Vec<Found> {
    let mut found: Vec<Found> = Vec::new();
    // Statements may overlap (a condition inside its IF): one expansion per literal.
    let mut seen: std::collections::HashSet<usize> = std::collections::HashSet::new();
    for (index, stmt) in unit.statements.iter().enumerate() {
        let end = stmt.range.end.min(unit.tokens.len());
        let mut i = stmt.range.start;
        while i < end {
            let tok = &unit.tokens[i];
            let literal_at = if tok.is_any_kw(&["EXEC", "EXECUTE"]) {
                match unit.dialect {
                    SqlDialect::Tsql => tsql_literal(&unit.tokens[..end], i + 1),
                    SqlDialect::Postgres => postgres_literal(&unit.tokens[..end], i + 1),
                }
            } else {
                None
            };
            let Some(at) = literal_at else {
                i += 1;
                continue;
            };
            if !seen.insert(at) {
                i += 1;
                continue;
            }
            let is_format =
                at > 0 && unit.tokens[at - 1].is_punct("(") && unit.dialect == SqlDialect::Postgres;
            let concat = match unit.dialect {
                SqlDialect::Tsql => "+",
                SqlDialect::Postgres => "||",
            };
            let mut parts = vec![at];
            let mut j = at + 1;
            let mut rest = None;
            while j < end && unit.tokens[j].is_punct(concat) {
                match unit.tokens.get(j + 1) {
                    Some(next) if j + 1 < end && is_literal(next) => {
                        parts.push(j + 1);
                        j += 2;
                    }
                    _ => {
                        rest = Some(j);
                        break;
                    }
                }
            }
            found.push(Found {
                statement: index,
                parts,
                rest,
                is_format,
            });
            i = j;
        }
    }
    found
}

fn is_literal(tok: &Tok) -> bool {
    matches!(tok.kind, TokKind::Str | TokKind::DollarStr)
}

/// After `EXEC`: `(literal`, or `[@rc =] [schema.]sp_executesql [@name =] literal`.
fn tsql_literal(toks: &[Tok], mut i: usize) -> Option<usize> {
    if toks.get(i)?.is_punct("(") {
        return toks.get(i + 1).filter(|t| is_literal(t)).map(|_| i + 1);
    }
    if toks.get(i)?.kind == TokKind::Variable && toks.get(i + 1)?.is_punct("=") {
        i += 2;
    }
    // A dotted name whose last part is sp_executesql.
    let mut last = toks.get(i)?;
    while toks.get(i + 1).is_some_and(|t| t.is_punct(".")) {
        i += 2;
        last = toks.get(i)?;
    }
    if !(last.is_identifier_like() && last.text.eq_ignore_ascii_case("sp_executesql")) {
        return None;
    }
    i += 1;
    if toks.get(i)?.kind == TokKind::Variable && toks.get(i + 1)?.is_punct("=") {
        i += 2;
    }
    toks.get(i).filter(|t| is_literal(t)).map(|_| i)
}

/// After PL/pgSQL `EXECUTE`: a literal, or `format(literal`.
fn postgres_literal(toks: &[Tok], i: usize) -> Option<usize> {
    let tok = toks.get(i)?;
    if is_literal(tok) {
        return Some(i);
    }
    if tok.is_kw("format") && toks.get(i + 1)?.is_punct("(") {
        return toks.get(i + 2).filter(|t| is_literal(t)).map(|_| i + 2);
    }
    None
}

/// The literal parts' content, un-doubled, with the runs of file text it is made of.
/// None when a part's content is not where its token says (never expected).
#[allow(clippy::type_complexity)]
fn assemble(
    unit: &SqlUnit,
    text: &str,
    lines: &LineIndex,
    parts: &[usize],
    is_format: bool,
) -> Option<(String, Vec<(usize, (u32, u32))>, (u32, u32))> {
    let mut body = Body {
        text: String::new(),
        runs: Vec::new(),
        start: (1, 1),
        statement: 0,
        prefix_only: false,
    };
    for &part in parts {
        let tok = &unit.tokens[part];
        let start = lines.offset(text, tok.line, tok.col + tok.prefix_len);
        let raw = text.get(start..start + tok.text.len())?;
        if raw != tok.text {
            return None;
        }
        if tok.kind == TokKind::DollarStr {
            body.push_piece(raw, start, text, lines, is_format);
            continue;
        }
        let mut rest = raw;
        let mut consumed = start;
        while let Some(at) = rest.find("''") {
            body.push_piece(&rest[..=at], consumed, text, lines, is_format);
            consumed += at + 2;
            rest = &rest[at + 2..];
        }
        body.push_piece(rest, consumed, text, lines, is_format);
    }
    let start = body.runs.first().map_or((1, 1), |r| r.1);
    Some((body.text, body.runs, start))
}

impl Body {
    /// Appends a piece of the file's text that starts at byte `offset`. In a `format`
    /// template, `%%` is `%`, `%I` and `%s` (usually names) become quoted identifiers
    /// (`"%I"`) and `%L` a value placeholder (`$1`), so that a specifier is never read as
    /// a pattern or a column; a run starts after each, so positions stay in step.
    fn push_piece(
        &mut self,
        piece: &str,
        offset: usize,
        text: &str,
        lines: &LineIndex,
        is_format: bool,
    ) {
        self.runs
            .push((self.text.len(), lines.position(text, offset)));
        if !is_format || !piece.contains('%') {
            self.text.push_str(piece);
            return;
        }
        let bytes = piece.as_bytes();
        let mut copied = 0;
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] != b'%' {
                i += 1;
                continue;
            }
            let mut j = i + 1;
            while j < bytes.len() && matches!(bytes[j], b'0'..=b'9' | b'$' | b'*' | b'-') {
                j += 1;
            }
            let Some(&kind) = bytes.get(j) else {
                break;
            };
            let end = match kind {
                b'%' if j == i + 1 => j + 1,
                b'I' | b's' | b'L' => j + 1,
                _ => {
                    i += 1;
                    continue;
                }
            };
            self.text.push_str(&piece[copied..i]);
            match kind {
                b'%' => self.text.push('%'),
                b'L' => {
                    self.text.push('$');
                    self.text.extend(std::iter::repeat_n('1', end - i - 1));
                }
                _ => {
                    self.text.push('"');
                    self.text.push_str(&piece[i..end]);
                    self.text.push('"');
                }
            }
            self.runs
                .push((self.text.len(), lines.position(text, offset + end)));
            copied = end;
            i = end;
        }
        self.text.push_str(&piece[copied..]);
    }
}

/// Appends a body's unit to the file's, its positions mapped into the file. Statements
/// outside the body's own objects belong to the object that executes the literal.
fn merge(unit: &mut SqlUnit, sub: SqlUnit, body: &Body) {
    let runs = RunMap::new(&body.text, &body.runs, body.start);
    let map = |line: u32, col: u32| -> (u32, u32) {
        runs.position(runs.text_lines().offset(&body.text, line, col))
    };
    let map_line = |line: u32| map(line, 1).0;
    let tok_base = unit.tokens.len();
    let obj_base = unit.objects.len();
    let loop_base = unit.loops.len();
    let stmt_base = unit.statements.len();
    let outer_object = unit.statements[body.statement].object;
    for mut tok in sub.tokens {
        (tok.line, tok.col) = map(tok.line, tok.col);
        (tok.end_line, tok.end_col) = map(tok.end_line, tok.end_col);
        unit.tokens.push(tok);
    }
    for mut comment in sub.comments {
        comment.line = map_line(comment.line);
        comment.end_line = map_line(comment.end_line);
        unit.comments.push(comment);
    }
    // SSMS's "script as ALTER" writes an empty stub (`N'CREATE PROCEDURE [dbo].[P] AS'`)
    // before the `ALTER PROCEDURE [dbo].[P]` that defines it: one object, the ALTER.
    let mut new_index: Vec<Option<usize>> = Vec::with_capacity(sub.objects.len());
    let mut kept = 0;
    for (index, object) in sub.objects.iter().enumerate() {
        let empty = !sub.statements.iter().any(|s| s.object == Some(index));
        let defined_again = || {
            unit.objects
                .iter()
                .any(|o| o.kind == object.kind && same_name(&o.name, &object.name))
        };
        if empty && defined_again() {
            new_index.push(None);
        } else {
            new_index.push(Some(obj_base + kept));
            kept += 1;
        }
    }
    let renumber = |o: Option<usize>| o.and_then(|o| new_index.get(o).copied().flatten());
    for (index, mut object) in sub.objects.into_iter().enumerate() {
        if new_index[index].is_none() {
            continue;
        }
        (object.line, object.col) = map(object.line, object.col);
        object.end_line = map_line(object.end_line);
        unit.objects.push(object);
    }
    for mut info in sub.loops {
        (info.line, info.col) = map(info.line, info.col);
        info.start += tok_base;
        info.header_end += tok_base;
        info.object = renumber(info.object).or(outer_object);
        info.source = info.source.map(|s| s + stmt_base);
        unit.loops.push(info);
    }
    for range in sub.debug_only {
        unit.debug_only
            .push(range.start + tok_base..range.end + tok_base);
    }
    for mut stmt in sub.statements {
        stmt.range = stmt.range.start + tok_base..stmt.range.end + tok_base;
        stmt.object = renumber(stmt.object).or(outer_object);
        for l in &mut stmt.loops {
            *l += loop_base;
        }
        unit.statements.push(stmt);
    }
    let last_line = body.text.matches('\n').count() as u32 + 1;
    for region in sub.not_understood {
        // A prefix that stops inside a string (`'… table ' || name || '…'`) is expected:
        // the run-time region already says the rest was not analysed.
        if body.prefix_only
            && region.line == last_line
            && region.message.starts_with("could not tokenize")
        {
            continue;
        }
        let (line, col) = map(region.line, region.col);
        unit.not_understood.push(Region {
            line,
            col,
            end_line: map_line(region.end_line).max(line),
            message: region.message,
        });
    }
}

/// Object names equal without schema, brackets or case (`[P]` and `dbo.P`).
fn same_name(a: &str, b: &str) -> bool {
    let last = |name: &str| {
        name.rsplit('.')
            .next()
            .unwrap_or(name)
            .trim_matches(|c| c == '[' || c == ']' || c == '"')
            .to_ascii_lowercase()
    };
    last(a) == last(b)
}

/// Reports every definition header that did not become an object and is not inside one
/// (a `CREATE VIEW` run by a function is that function's business).
pub(super) fn report_unread_definitions(unit: &mut SqlUnit) {
    let mut unread: Vec<Region> = Vec::new();
    // Objects by start, with the furthest end so far: a header is located when an object
    // starts at it or one that starts before it has not ended (O(log n) per header).
    let mut starts: Vec<(u32, u32, u32)> = unit
        .objects
        .iter()
        .map(|o| (o.line, o.col, o.end_line))
        .collect();
    starts.sort_unstable();
    let mut furthest = 0u32;
    let reach: Vec<u32> = starts
        .iter()
        .map(|&(_, _, end)| {
            furthest = furthest.max(end);
            furthest
        })
        .collect();
    for i in 0..unit.tokens.len() {
        let Some(kind_at) = definition_kind_at(&unit.tokens, i, unit.dialect) else {
            continue;
        };
        let tok = &unit.tokens[i];
        let before = starts.partition_point(|&(line, col, _)| (line, col) < (tok.line, tok.col));
        let starts_here = starts
            .get(before)
            .is_some_and(|&(line, col, _)| (line, col) == (tok.line, tok.col));
        let inside = before > 0 && reach[before - 1] >= tok.line;
        if starts_here || inside {
            continue;
        }
        // An empty stub whose object is defined again (merged away) is located too.
        let (name, _) = super::tsql::read_object_name(&unit.tokens, kind_at + 1, unit.tokens.len());
        if !name.is_empty() && unit.objects.iter().any(|o| same_name(&o.name, &name)) {
            continue;
        }
        let header = format!(
            "{} {}",
            super::unit::excerpt(&unit.tokens[i..=kind_at], 40),
            name
        );
        unread.push(Region {
            line: tok.line,
            col: tok.col,
            end_line: tok.end_line,
            message: format!(
                "`{header}` was not read as an object: a definition must start its batch or statement, outside blocks and unanalysed strings; its code is not attributed to an object"
            ),
        });
    }
    unit.not_understood.extend(unread);
}

/// `CREATE [OR ALTER | OR REPLACE] [TEMP | MATERIALIZED | …] PROC | PROCEDURE | FUNCTION |
/// TRIGGER | VIEW` (T-SQL also `ALTER …`; PostgreSQL's `ALTER FUNCTION` changes
/// properties, it defines nothing): the index of the kind word.
fn definition_kind_at(toks: &[Tok], i: usize, dialect: SqlDialect) -> Option<usize> {
    let first = &toks[i];
    let mut j = i + 1;
    if first.is_kw("CREATE") {
        if toks.get(j).is_some_and(|t| t.is_kw("OR")) {
            j += 2;
        }
        while toks
            .get(j)
            .is_some_and(|t| t.is_any_kw(super::postgres::DEFINITION_MODIFIERS))
        {
            j += 1;
        }
    } else if !(dialect == SqlDialect::Tsql && first.is_kw("ALTER")) {
        return None;
    }
    toks.get(j)
        .filter(|t| t.is_any_kw(&["PROC", "PROCEDURE", "FUNCTION", "TRIGGER", "VIEW"]))
        .map(|_| j)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body_of(file: &str, dialect: SqlDialect) -> String {
        let unit = super::super::parse_nested(file, dialect, MAX_DEPTH);
        let found = find_literals(&unit);
        let lines = LineIndex::new(file);
        let (text, _, _) =
            assemble(&unit, file, &lines, &found[0].parts, found[0].is_format).unwrap_or_default();
        text
    }

    #[test]
    fn quotes_are_undoubled_and_format_specifiers_neutralised() {
        assert_eq!(
            body_of(
                "EXEC sp_executesql N'SELECT ''a'''' b'' + N''x'''",
                SqlDialect::Tsql
            ),
            "SELECT 'a'' b' + N'x'"
        );
        let pg = "DO $$ BEGIN EXECUTE format('SELECT * FROM %I WHERE a = %L AND c LIKE ''%%x'' AND d = %1$s', t); END $$;";
        assert_eq!(
            body_of(pg, SqlDialect::Postgres),
            "SELECT * FROM \"%I\" WHERE a = $1 AND c LIKE '%x' AND d = \"%1$s\""
        );
    }
}
