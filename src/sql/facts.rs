//! Per-object facts: the tables each procedure / function / trigger / view reads and
//! writes, and its predicate columns per table with their use. The index advisor joins
//! them with the live index metadata.

use std::collections::{BTreeMap, BTreeSet};

use super::lex::Tok;
use super::predicate::{comparisons, read_operand, ColumnRef, CompareOp};
use super::query::{ClauseKind, QueryShape, ScopeKind, SourceKind};
use super::unit::SqlUnit;
use crate::model::{ObjectFact, PredicateFact, PredicateUse};

pub fn object_facts(unit: &SqlUnit, shapes: &[QueryShape], file: &str) -> Vec<ObjectFact> {
    let mut facts: Vec<ObjectFact> = unit
        .objects
        .iter()
        .map(|o| ObjectFact {
            kind: o.kind,
            name: o.name.clone(),
            dialect: unit.dialect.as_str().to_string(),
            file: file.to_string(),
            line: o.line,
            end_line: o.end_line,
            language: o.language.clone(),
            reads: Vec::new(),
            writes: Vec::new(),
            predicates: Vec::new(),
        })
        .collect();
    let mut reads: Vec<BTreeSet<String>> = vec![BTreeSet::new(); facts.len()];
    let mut writes: Vec<BTreeSet<String>> = vec![BTreeSet::new(); facts.len()];
    let mut predicates: Vec<BTreeMap<(String, String, PredicateUse), u32>> =
        vec![BTreeMap::new(); facts.len()];
    for (stmt, shape) in unit.statements.iter().zip(shapes) {
        let Some(object) = stmt.object else {
            continue;
        };
        let toks = unit.stmt_tokens(stmt);
        let variables = unit.objects[object].variables.as_slice();
        let mut written = BTreeSet::new();
        for scope in &shape.scopes {
            if scope.kind == ScopeKind::Select {
                if let Some(into) = &scope.into {
                    if !into.starts_with('#')
                        && !variables.iter().any(|v| v.eq_ignore_ascii_case(into))
                    {
                        written.insert(into.clone());
                    }
                }
                continue;
            }
            // The target is the scope's first source; an alias names another source.
            let Some(target) = scope.sources.first().map(|&i| &shape.sources[i]) else {
                continue;
            };
            let table = match target.kind {
                SourceKind::Table => Some(target),
                SourceKind::TargetAlias => {
                    scope.sources.iter().map(|&i| &shape.sources[i]).find(|s| {
                        s.kind == SourceKind::Table
                            && s.alias
                                .as_deref()
                                .is_some_and(|a| a.eq_ignore_ascii_case(&target.name))
                    })
                }
                _ => None,
            };
            if let Some(table) = table {
                written.insert(table.name.clone());
            }
        }
        for source in &shape.sources {
            if source.is_real_table()
                && !is_trigger_pseudo_table(&source.name)
                && !written.contains(&source.name)
            {
                reads[object].insert(source.name.clone());
            }
        }
        writes[object].extend(written);
        for clause in &shape.clauses {
            collect_predicates(
                toks,
                shape,
                clause.kind,
                clause.range.clone(),
                clause.scope,
                variables,
                &mut predicates[object],
            );
        }
    }
    for (i, fact) in facts.iter_mut().enumerate() {
        fact.reads = reads[i].iter().cloned().collect();
        fact.writes = writes[i].iter().cloned().collect();
        fact.predicates = predicates[i]
            .iter()
            .map(|((table, column, usage), line)| PredicateFact {
                table: table.clone(),
                column: column.clone(),
                usage: *usage,
                line: *line,
            })
            .collect();
    }
    facts
}

fn collect_predicates(
    toks: &[Tok],
    shape: &QueryShape,
    kind: ClauseKind,
    range: std::ops::Range<usize>,
    scope: usize,
    variables: &[String],
    out: &mut BTreeMap<(String, String, PredicateUse), u32>,
) {
    let resolve = |scope: usize, column: &ColumnRef| -> Option<String> {
        let source = shape.resolve(scope, column.qualifier.as_deref())?;
        (source.kind == SourceKind::Table && !is_trigger_pseudo_table(&source.name))
            .then(|| source.name.clone())
    };
    let mut record = |table: String, column: String, usage: PredicateUse, line: u32| {
        out.entry((table, column, usage))
            .and_modify(|l| *l = (*l).min(line))
            .or_insert(line);
    };
    predicate_columns(
        toks,
        shape,
        kind,
        range,
        scope,
        variables,
        &resolve,
        &mut record,
    );
}

/// The indexable uses of columns in one clause: equality (join keys included), IN,
/// range, LIKE 'prefix%' (WHERE / ON) and ORDER BY columns. `resolve` names the table of
/// a column (or None to skip it); `record` receives (table, column, use, line).
#[allow(clippy::too_many_arguments)]
pub fn predicate_columns(
    toks: &[Tok],
    shape: &QueryShape,
    kind: ClauseKind,
    range: std::ops::Range<usize>,
    scope: usize,
    variables: &[String],
    resolve: &dyn Fn(usize, &ColumnRef) -> Option<String>,
    record: &mut dyn FnMut(String, String, PredicateUse, u32),
) {
    let mut emit = |column: &ColumnRef, usage: PredicateUse| {
        if let Some(table) = resolve(scope, column) {
            record(table, column.column.clone(), usage, toks[column.at].line);
        }
    };
    match kind {
        ClauseKind::OrderBy => {
            // Each item: a bare column, optionally ASC / DESC.
            let mut start = range.start;
            for i in range.start..=range.end {
                if i == range.end || toks[i].is_punct(",") {
                    let mut end = i;
                    while end > start
                        && toks[end - 1].is_any_kw(&["ASC", "DESC", "NULLS", "FIRST", "LAST"])
                    {
                        end -= 1;
                    }
                    let operand = read_operand(toks, shape, start..end, variables);
                    if let Some(column) = &operand.bare_column {
                        emit(column, PredicateUse::OrderBy);
                    }
                    start = i + 1;
                }
            }
        }
        ClauseKind::Where | ClauseKind::On => {
            for cmp in comparisons(toks, shape, range) {
                if cmp.negated {
                    continue;
                }
                let left = read_operand(toks, shape, cmp.left.clone(), variables);
                let right = read_operand(toks, shape, cmp.right.clone(), variables);
                match cmp.op {
                    CompareOp::Eq => {
                        // Column = column is a join key when both sides are columns of
                        // tables; a side that resolves to no table is a value (a
                        // PL/pgSQL variable, an outer reference).
                        let left_table = left.bare_column.as_ref().and_then(|c| resolve(scope, c));
                        let right_table =
                            right.bare_column.as_ref().and_then(|c| resolve(scope, c));
                        match (&left.bare_column, &right.bare_column) {
                            (Some(l), Some(r)) if left_table.is_some() && right_table.is_some() => {
                                emit(l, PredicateUse::Join);
                                emit(r, PredicateUse::Join);
                            }
                            (Some(l), _)
                                if left_table.is_some()
                                    && (right.bare_column.is_some() || !right.has_column()) =>
                            {
                                emit(l, PredicateUse::Equality);
                            }
                            (_, Some(r))
                                if right_table.is_some()
                                    && (left.bare_column.is_some() || !left.has_column()) =>
                            {
                                emit(r, PredicateUse::Equality);
                            }
                            _ => {}
                        }
                    }
                    CompareOp::In => {
                        if let Some(c) = &left.bare_column {
                            emit(c, PredicateUse::In);
                        }
                    }
                    CompareOp::Range | CompareOp::Between => {
                        if let Some(c) = &left.bare_column {
                            if !right.has_column() || cmp.op == CompareOp::Between {
                                emit(c, PredicateUse::Range);
                            }
                        }
                        if let Some(c) = &right.bare_column {
                            if !left.has_column() && cmp.op == CompareOp::Range {
                                emit(c, PredicateUse::Range);
                            }
                        }
                    }
                    CompareOp::Like => {
                        let prefix = toks[cmp.right.clone()].first().is_some_and(|t| {
                            t.kind == super::lex::TokKind::Str
                                && !t.text.starts_with('%')
                                && !t.text.starts_with('_')
                        });
                        if let (Some(c), true) = (&left.bare_column, prefix) {
                            emit(c, PredicateUse::LikePrefix);
                        }
                    }
                    CompareOp::NotEq => {}
                }
            }
        }
        _ => {}
    }
}

/// T-SQL trigger pseudo-tables: not tables of the database.
fn is_trigger_pseudo_table(name: &str) -> bool {
    name.eq_ignore_ascii_case("inserted") || name.eq_ignore_ascii_case("deleted")
}
