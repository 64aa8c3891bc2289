//! Comparisons inside WHERE / ON / HAVING clauses, and what their operands are: a bare
//! column, a value (literals, variables, parameters), or an expression that wraps a
//! column (a function, arithmetic, a cast): the non-sargable case.

use std::ops::Range;

use super::lex::{Tok, TokKind};
use super::query::QueryShape;
use super::tsql::strip_placeholders;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    NotEq,
    Range,
    Between,
    In,
    Like,
}

#[derive(Debug, Clone)]
pub struct Comparison {
    pub op: CompareOp,
    /// Token index of the operator (the `LIKE`, `IN`, `=` ...).
    pub op_at: usize,
    pub negated: bool,
    pub left: Range<usize>,
    pub right: Range<usize>,
}

/// A reference to a column: optional qualifier (alias or table) and column name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnRef {
    pub qualifier: Option<String>,
    pub column: String,
    pub at: usize,
}

#[derive(Debug, Clone, Default)]
pub struct Operand {
    /// The operand is exactly one column (possibly in redundant parentheses).
    pub bare_column: Option<ColumnRef>,
    /// Columns referenced anywhere in the operand (outside subqueries).
    pub columns: Vec<ColumnRef>,
}

impl Operand {
    pub fn has_column(&self) -> bool {
        !self.columns.is_empty()
    }

    /// A column wrapped in a function, arithmetic or a cast.
    pub fn wraps_column(&self) -> bool {
        self.has_column() && self.bare_column.is_none()
    }
}

/// Words that end an operand.
const OPERAND_STOPS: &[&str] = &[
    "AND",
    "OR",
    "NOT",
    "WHERE",
    "ON",
    "HAVING",
    "WHEN",
    "THEN",
    "ELSE",
    "GROUP",
    "ORDER",
    "BY",
    "UNION",
    "EXCEPT",
    "INTERSECT",
    "JOIN",
    "INNER",
    "LEFT",
    "RIGHT",
    "FULL",
    "CROSS",
    "OUTER",
    "APPLY",
    "FROM",
    "SELECT",
    "SET",
    "INTO",
    "VALUES",
    "LIMIT",
    "OFFSET",
    "FETCH",
    "OPTION",
    "FOR",
    "RETURNING",
    "IS",
    "IN",
    "LIKE",
    "ILIKE",
    "BETWEEN",
    "ESCAPE",
    "EXISTS",
    "ASC",
    "DESC",
    "NULLS",
    "WITH",
    "LOOP",
    "USING",
    "OUTPUT",
    "WINDOW",
    "AS",
    "SIMILAR",
];

/// Words inside an expression that are never column names.
const NOT_COLUMNS: &[&str] = &[
    "NULL",
    "TRUE",
    "FALSE",
    "CURRENT_TIMESTAMP",
    "CURRENT_DATE",
    "CURRENT_TIME",
    "CURRENT_USER",
    "SESSION_USER",
    "SYSTEM_USER",
    "USER",
    "LOCALTIME",
    "LOCALTIMESTAMP",
    "INTERVAL",
    "DEFAULT",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "AND",
    "OR",
    "NOT",
    "IS",
    "AS",
    "DISTINCT",
    "ALL",
    "ANY",
    "SOME",
    "ARRAY",
    "ROW",
    "ASC",
    "DESC",
    "NEW",
    "OLD",
    "EXCLUDED",
    "IN",
    "LIKE",
    "ILIKE",
    "BETWEEN",
    "ESCAPE",
    "FROM",
    "FOR",
    "BOTH",
    "LEADING",
    "TRAILING",
    "COLLATE",
    "OVER",
    "PARTITION",
    "BY",
    "ORDER",
    "ROWS",
    "RANGE",
    "UNBOUNDED",
    "PRECEDING",
    "FOLLOWING",
    "CURRENT",
    "ZONE",
    "AT",
    "TIME",
    "WITHOUT",
    "VARYING",
    "PRECISION",
    "DOUBLE",
    "NULLIF",
    "EXISTS",
];

/// Functions whose first argument is a date part or a type, not a column.
const FIRST_ARG_IS_KEYWORD: &[&str] = &[
    "DATEADD",
    "DATEDIFF",
    "DATEDIFF_BIG",
    "DATEPART",
    "DATENAME",
    "DATETRUNC",
    "DATE_BUCKET",
    "CONVERT",
    "TRY_CONVERT",
];

/// Finds the comparisons of a clause, outside nested subqueries.
pub fn comparisons(toks: &[Tok], shape: &QueryShape, range: Range<usize>) -> Vec<Comparison> {
    let mut found = Vec::new();
    let mut i = range.start;
    while i < range.end {
        if let Some(sub) = shape.subqueries.iter().find(|s| s.start == i) {
            i = sub.end;
            continue;
        }
        let tok = &toks[i];
        // SQL Graph `MATCH(a-(e)->b<-(f)-c)` is a pattern, not arithmetic.
        if tok.is_kw("MATCH") && toks.get(i + 1).is_some_and(|t| t.is_punct("(")) {
            i = shape.matching[i + 1].map_or(i + 2, |c| c + 1);
            continue;
        }
        let op = match tok.kind {
            TokKind::Punct => match tok.text.as_str() {
                "=" | "==" => Some(CompareOp::Eq),
                "<>" | "!=" => Some(CompareOp::NotEq),
                "<" | ">" | "<=" | ">=" => Some(CompareOp::Range),
                _ => None,
            },
            TokKind::Word => {
                if tok.is_any_kw(&["LIKE", "ILIKE"]) {
                    Some(CompareOp::Like)
                } else if tok.is_kw("IN") {
                    Some(CompareOp::In)
                } else if tok.is_kw("BETWEEN") {
                    Some(CompareOp::Between)
                } else {
                    None
                }
            }
            _ => None,
        };
        let Some(op) = op else {
            i += 1;
            continue;
        };
        let negated = i > range.start && toks[i - 1].is_kw("NOT");
        let left_end = if negated { i - 1 } else { i };
        let left = operand_before(toks, shape, range.start, left_end);
        let mut right = operand_after(toks, shape, i + 1, range.end);
        if op == CompareOp::Between && right.end < range.end && toks[right.end].is_kw("AND") {
            let upper = operand_after(toks, shape, right.end + 1, range.end);
            right = right.start..upper.end;
        }
        if op == CompareOp::Like && right.end < range.end && toks[right.end].is_kw("ESCAPE") {
            right = right.start..operand_after(toks, shape, right.end + 1, range.end).end;
        }
        found.push(Comparison {
            op,
            op_at: i,
            negated,
            left,
            right: right.clone(),
        });
        i = right.end.max(i + 1);
    }
    found
}

fn is_stop(tok: &Tok) -> bool {
    match tok.kind {
        TokKind::Word => tok.is_any_kw(OPERAND_STOPS),
        TokKind::Punct => matches!(
            tok.text.as_str(),
            "," | ";" | "=" | "==" | "<>" | "!=" | "<" | ">" | "<=" | ">=" | "(" | ")"
        ),
        _ => false,
    }
}

fn operand_before(toks: &[Tok], shape: &QueryShape, lo: usize, op_at: usize) -> Range<usize> {
    let mut start = op_at;
    let mut case_depth = 0usize;
    while start > lo {
        let prev = &toks[start - 1];
        if prev.is_punct(")") {
            match shape.matching[start - 1] {
                Some(open) if open >= lo => {
                    start = open;
                    // The function name before the group belongs to the operand, even a
                    // keyword-like one (`LEFT(x, 5)`, `RIGHT(...)`, `REPLACE(...)`).
                    if start > lo
                        && toks[start - 1].is_identifier_like()
                        && !toks[start - 1].is_any_kw(&[
                            "AND", "OR", "NOT", "WHERE", "ON", "HAVING", "WHEN", "THEN", "ELSE",
                            "IN", "EXISTS", "BETWEEN", "LIKE", "ILIKE", "IS",
                        ])
                    {
                        start -= 1;
                    }
                    continue;
                }
                _ => break,
            }
        }
        if prev.is_kw("END") {
            case_depth += 1;
            start -= 1;
            continue;
        }
        if case_depth > 0 {
            if prev.is_kw("CASE") {
                case_depth -= 1;
            }
            start -= 1;
            continue;
        }
        if is_stop(prev) {
            break;
        }
        start -= 1;
    }
    start..op_at
}

fn operand_after(toks: &[Tok], shape: &QueryShape, from: usize, hi: usize) -> Range<usize> {
    let mut end = from;
    let mut case_depth = 0usize;
    // A leading unary sign belongs to the operand.
    if end < hi && (toks[end].is_punct("-") || toks[end].is_punct("+")) {
        end += 1;
    }
    while end < hi {
        let tok = &toks[end];
        if tok.is_punct("(") {
            end = shape.matching[end].map_or(end + 1, |c| c + 1).min(hi);
            continue;
        }
        if tok.is_kw("CASE") {
            case_depth += 1;
            end += 1;
            continue;
        }
        if case_depth > 0 {
            if tok.is_kw("END") {
                case_depth -= 1;
            }
            end += 1;
            continue;
        }
        if tok.is_kw("COLLATE") {
            end = (end + 2).min(hi);
            continue;
        }
        // `LEFT(x, 5)`: a function, not the JOIN keyword.
        if tok.is_any_kw(&["LEFT", "RIGHT"]) && toks.get(end + 1).is_some_and(|t| t.is_punct("(")) {
            end += 1;
            continue;
        }
        if is_stop(tok) {
            break;
        }
        end += 1;
    }
    from..end
}

/// Reads an operand: is it a bare column, and which columns does it mention.
/// `variables` (lower-case) are PL/pgSQL names that look like columns but are not.
pub fn read_operand(
    toks: &[Tok],
    shape: &QueryShape,
    range: Range<usize>,
    variables: &[String],
) -> Operand {
    let mut operand = Operand::default();
    if range.is_empty() {
        return operand;
    }
    let mut inner = range.clone();
    while inner.len() >= 2
        && toks[inner.start].is_punct("(")
        && shape.matching[inner.start] == Some(inner.end - 1)
        && !shape.subqueries.iter().any(|s| s.start == inner.start)
    {
        inner = inner.start + 1..inner.end - 1;
    }
    collect_columns(
        toks,
        shape,
        inner.clone(),
        variables,
        &mut operand.columns,
        0,
    );
    // `col`, `a.col`, `s.t.col`: identifiers separated by dots, and one column.
    let is_dotted_name = toks[inner.clone()].iter().enumerate().all(|(k, t)| {
        if k % 2 == 0 {
            t.is_identifier_like()
        } else {
            t.is_punct(".")
        }
    }) && inner.len() % 2 == 1;
    if is_dotted_name && operand.columns.len() == 1 {
        operand.bare_column = Some(operand.columns[0].clone());
    }
    operand
}

fn collect_columns(
    toks: &[Tok],
    shape: &QueryShape,
    range: Range<usize>,
    variables: &[String],
    out: &mut Vec<ColumnRef>,
    depth: usize,
) {
    if depth > super::query::MAX_QUERY_NESTING {
        return;
    }
    let mut i = range.start;
    while i < range.end {
        if let Some(sub) = shape.subqueries.iter().find(|s| s.start == i) {
            i = sub.end;
            continue;
        }
        let tok = &toks[i];
        let next = toks.get(i + 1).filter(|_| i + 1 < range.end);
        // `::type`, `COLLATE name`, `AS type` (in CAST): skip the type / collation.
        if tok.is_punct("::") || tok.is_kw("COLLATE") || tok.is_kw("AS") {
            i += 2;
            while i < range.end
                && (toks[i].is_punct(".") || toks[i].is_punct("[") || toks[i].is_punct("]"))
            {
                i += 2;
            }
            if i < range.end && toks[i].is_punct("(") {
                i = shape.matching[i].map_or(i + 1, |c| c + 1);
            }
            continue;
        }
        // `$2[i]`, `v_ids[k]`, `t.tags[1]`: a subscript is a value, not a column.
        if tok.is_punct("[") {
            i = after_subscript(toks, i, range.end);
            continue;
        }
        if !tok.is_identifier_like() {
            i += 1;
            continue;
        }
        // `(NEW).id`, `(f(x)).total`, `(rec).ts`: a field of a composite value; the value
        // itself (a column, a variable, a function result) was read inside the parentheses.
        if i > range.start && toks[i - 1].is_punct(".") && i >= 2 && toks[i - 2].is_punct(")") {
            i += 1;
            continue;
        }
        // `NEW.status`, `OLD.id`, `EXCLUDED.total`: fields of the trigger's or the
        // conflicting row, values here; `"%I"`, `"%1$s"`: a `format()` specifier of an
        // executed literal, whatever name it becomes at run time.
        // `DATE '2024-01-01'`, `timestamptz '...'`: the type of a literal, not a column.
        if tok.kind == TokKind::Word && next.is_some_and(|n| n.kind == TokKind::Str) {
            i += 2;
            continue;
        }
        let is_row_value = tok.kind == TokKind::Word
            && tok.is_any_kw(&["NEW", "OLD", "EXCLUDED"])
            && toks.get(i + 1).is_some_and(|t| t.is_punct("."));
        if is_row_value || tok.text.starts_with('%') {
            i += 1;
            while i + 1 < range.end && toks[i].is_punct(".") && toks[i + 1].is_identifier_like() {
                i += 2;
            }
            continue;
        }
        // A function call: skip keyword-like first arguments (DATEADD(day, ...)).
        if next.is_some_and(|n| n.is_punct("(")) && tok.kind == TokKind::Word {
            let open = i + 1;
            let close = shape.matching[open]
                .unwrap_or(range.end.saturating_sub(1))
                .min(range.end);
            let mut arg_start = open + 1;
            if tok.is_any_kw(FIRST_ARG_IS_KEYWORD) {
                let mut j = arg_start;
                while j < close && !toks[j].is_punct(",") {
                    j = if toks[j].is_punct("(") {
                        shape.matching[j].map_or(j + 1, |c| c + 1)
                    } else {
                        j + 1
                    };
                }
                arg_start = (j + 1).min(close);
            } else if tok.is_kw("EXTRACT") {
                if let Some(from) = toks[arg_start..close].iter().position(|t| t.is_kw("FROM")) {
                    arg_start += from + 1;
                }
            }
            if arg_start < close {
                collect_columns(toks, shape, arg_start..close, variables, out, depth + 1);
            }
            i = close + 1;
            continue;
        }
        if tok.kind == TokKind::Word && tok.is_any_kw(NOT_COLUMNS) {
            i += 1;
            continue;
        }
        // A dotted name: the last part is the column, the one before it the qualifier.
        let mut parts = vec![(i, strip_placeholders(&tok.text))];
        let mut j = i + 1;
        while j + 1 < range.end && toks[j].is_punct(".") && toks[j + 1].is_identifier_like() {
            parts.push((j + 1, strip_placeholders(&toks[j + 1].text)));
            j += 2;
        }
        if j < range.end && toks[j].is_punct("(") {
            // schema.function(...)
            let close = shape.matching[j]
                .unwrap_or(range.end.saturating_sub(1))
                .min(range.end);
            collect_columns(toks, shape, j + 1..close, variables, out, depth + 1);
            i = close + 1;
            continue;
        }
        let first_lower = parts[0].1.to_ascii_lowercase();
        let is_variable = variables.contains(&first_lower);
        if !is_variable {
            let (at, column) = parts.last().cloned().unwrap_or((i, String::new()));
            let qualifier = if parts.len() >= 2 {
                Some(parts[parts.len() - 2].1.clone())
            } else {
                None
            };
            out.push(ColumnRef {
                qualifier,
                column,
                at,
            });
        }
        i = j;
    }
}

/// The index just past the `]` that closes the subscript opened at `open`.
fn after_subscript(toks: &[Tok], open: usize, end: usize) -> usize {
    let mut depth = 0usize;
    for (k, tok) in toks.iter().enumerate().take(end).skip(open) {
        if tok.is_punct("[") {
            depth += 1;
        } else if tok.is_punct("]") {
            depth = depth.saturating_sub(1);
            if depth == 0 {
                return k + 1;
            }
        }
    }
    end
}

/// The `NOT ( ... )` groups of the clause `range`: the token indices of each `(` and its `)`.
/// A comparison inside one is negated: `NOT (a = 1 AND b LIKE '%x')` is an `OR` of
/// negations, which no index seeks whatever the operands.
pub fn negated_groups(
    toks: &[Tok],
    shape: &QueryShape,
    range: Range<usize>,
) -> Vec<(usize, usize)> {
    range
        .clone()
        .filter(|&i| toks[i].is_kw("NOT") && i + 1 < range.end && toks[i + 1].is_punct("("))
        .filter_map(|i| shape.matching[i + 1].map(|close| (i + 1, close)))
        .collect()
}

/// Whether the token at `at` lies inside one of the `groups` (see [`negated_groups`]).
pub fn under_negated_group(groups: &[(usize, usize)], at: usize) -> bool {
    groups.iter().any(|&(open, close)| open < at && at < close)
}

/// For each token of the clause `range` (index `i - range.start`), whether it lies in the
/// clause's top-level conjunction: no `OR` at the top level of the clause, none at the
/// top level of any parenthesized group around it, and no `NOT ( ... )` around it. A
/// comparison there holds for every row the clause keeps: in `a = @x AND (b = 1 OR c = 2)`
/// every row has `a = @x`. One pass over the clause, whatever its size.
pub fn top_conjunction(toks: &[Tok], shape: &QueryShape, range: Range<usize>) -> Vec<bool> {
    let len = range.end.saturating_sub(range.start);
    // Pass 1: which groups (by the index of their `(`; the clause itself is `None`) hold
    // an `OR` at their own top level, subqueries aside.
    let mut has_or: std::collections::HashSet<Option<usize>> = std::collections::HashSet::new();
    let mut stack: Vec<usize> = Vec::new();
    let mut i = range.start;
    while i < range.end {
        if let Some(sub) = shape.subqueries.iter().find(|s| s.start == i) {
            i = sub.end.max(i + 1);
            continue;
        }
        let tok = &toks[i];
        if tok.is_punct("(") {
            stack.push(i);
        } else if tok.is_punct(")") {
            stack.pop();
        } else if tok.is_kw("OR") {
            has_or.insert(stack.last().copied());
        }
        i += 1;
    }
    // Pass 2: a token is in the conjunction when no group around it (nor the clause)
    // holds an OR or is negated.
    // The arguments of a call (`IIF(a = 1, ...)`, `COALESCE(...)`) and the branches of a
    // `CASE` are values, not conditions of the clause.
    let logical_group = |open: usize| {
        open == range.start
            || toks[open - 1].is_punct("(")
            || toks[open - 1].is_any_kw(&["AND", "OR", "NOT", "WHERE", "ON", "HAVING"])
            || !toks[open - 1].is_identifier_like()
    };
    let mut mask = vec![false; len];
    let clause_ok = !has_or.contains(&None);
    let mut stack: Vec<bool> = Vec::new();
    let mut case_depth = 0usize;
    for (k, i) in range.clone().enumerate() {
        let tok = &toks[i];
        if tok.is_kw("CASE") {
            case_depth += 1;
        } else if tok.is_kw("END") {
            case_depth = case_depth.saturating_sub(1);
        }
        let outer = stack.last().copied().unwrap_or(clause_ok);
        if tok.is_punct("(") {
            let negated = i > range.start && toks[i - 1].is_kw("NOT");
            stack.push(outer && logical_group(i) && !negated && !has_or.contains(&Some(i)));
            mask[k] = outer;
        } else if tok.is_punct(")") {
            stack.pop();
            mask[k] = stack.last().copied().unwrap_or(clause_ok);
        } else {
            mask[k] = outer && case_depth == 0;
        }
    }
    mask
}

/// A pattern that is one string literal (`'%abc%'`, `N'%abc'`, possibly in parentheses),
/// not built from a variable, a parameter or a column.
pub fn pattern_is_literal(pattern: &[Tok]) -> bool {
    let mut part = pattern;
    while part.len() >= 2 && part[0].is_punct("(") && part[part.len() - 1].is_punct(")") {
        part = &part[1..part.len() - 1];
    }
    // `'%x%' ESCAPE '!'`: the escape character is part of the literal's meaning.
    let part = match part.iter().position(|t| t.is_kw("ESCAPE")) {
        Some(at) => &part[..at],
        None => part,
    };
    matches!(part, [t] if t.kind == TokKind::Str)
}

/// A LIKE pattern that starts with a wildcard: `'%abc'`, `'_abc'`, `'%' + @x`,
/// `'%' || x`, `CONCAT('%', x)`, `N'%'`.
pub fn pattern_starts_with_wildcard(pattern: &[Tok]) -> bool {
    let mut i = 0;
    while pattern.get(i).is_some_and(|t| t.is_punct("(")) {
        i += 1;
    }
    let wild =
        |t: &Tok| t.kind == TokKind::Str && (t.text.starts_with('%') || t.text.starts_with('_'));
    match pattern.get(i) {
        Some(t) if t.kind == TokKind::Str => wild(t),
        Some(t) if t.is_kw("CONCAT") => pattern.get(i + 2).is_some_and(wild),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::lex::{lex_into, Lexed};
    use crate::sql::SqlDialect;

    /// The columns an operand mentions, for the whole text as one operand.
    fn columns(text: &str, variables: &[&str]) -> Vec<String> {
        let mut lexed = Lexed::default();
        lex_into(text, SqlDialect::Postgres, 1, 1, &mut lexed);
        let toks = lexed.tokens;
        let shape = crate::sql::query::analyze(&toks);
        let variables: Vec<String> = variables.iter().map(|v| v.to_string()).collect();
        read_operand(&toks, &shape, 0..toks.len(), &variables)
            .columns
            .into_iter()
            .map(|c| c.column)
            .collect()
    }

    #[test]
    fn values_that_look_like_columns() {
        assert!(columns("coalesce(NEW.status, OLD.status)", &[]).is_empty());
        assert!(columns("lower(EXCLUDED.email)", &[]).is_empty());
        assert!(columns("abs($2[i]) + p_ids[k + 1]", &["p_ids"]).is_empty());
        assert!(columns("(rec).total + (f(p_x)).n", &["rec", "p_x"]).is_empty());
        assert!(columns("DATE '2024-01-01' + interval '1 day'", &[]).is_empty());
        assert!(columns("md5(ROW(\"%s\")::text) || \"%1$s\".x", &[]).is_empty());
        assert!(columns("lower(r.name)", &["r"]).is_empty());
    }

    #[test]
    fn columns_are_still_columns() {
        assert_eq!(columns("lower(a.email)", &[]), vec!["email"]);
        assert_eq!(columns("t.tags[1]", &[]), vec!["tags"]);
        assert_eq!(columns("(payload).ts", &[]), vec!["payload"]);
        assert_eq!(
            columns("created_date::date", &["p_day"]),
            vec!["created_date"]
        );
    }
}
