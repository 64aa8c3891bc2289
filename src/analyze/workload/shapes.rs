//! The index shapes beyond a plain ascending key (issue 18), read from a statement and
//! decided per candidate: `DESC` keys for mixed ORDER BY directions, function keys for
//! the allow-listed immutable built-ins (`engine::postgres::indexable_function`), a
//! partial condition pg_stat_statements keeps as written (`IS [NOT] NULL`, a boolean)
//! when `pg_stats` says it is rare, and the INCLUDE variant of a hot narrow one-table
//! SELECT, kept only when HypoPG plans it as an Index Only Scan that costs enough less.
//! Each shape not taken says why (`IndexCandidate::shape_notes`).

use std::collections::BTreeMap;
use std::ops::Range;

use super::{
    catalog_table, checks_of, first_keyword, names_match, one_line, order_by_references,
    select_items, table_use_of, IndexCandidate, TableUse, Thresholds, Verdict,
};
use crate::model::recommendation::{IndexShape, PartialCondition, PartialPredicate};
use crate::model::snapshot::{Snapshot, TableStat};
use crate::sql::lex::Tok;
use crate::sql::predicate::{comparisons, read_operand, ColumnRef, CompareOp};
use crate::sql::query::{ClauseKind, QueryShape, SourceKind};

/// What one clause says about the shapes: ORDER BY directions; in WHERE, `f(column) =`
/// comparisons and the conditions a partial index can hold.
#[allow(clippy::too_many_arguments)]
pub(super) fn read_clause(
    snapshot: &Snapshot,
    toks: &[Tok],
    shape: &QueryShape,
    kind: ClauseKind,
    scope: usize,
    range: Range<usize>,
    resolve: &dyn Fn(usize, &ColumnRef) -> Option<String>,
    per_table: &mut BTreeMap<(String, String), TableUse>,
) {
    match kind {
        // Each ORDER BY item's direction, for DESC keys.
        ClauseKind::OrderBy => {
            for item in select_items(shape, toks, range.clone()) {
                let mut end = item.end;
                let mut descending = false;
                while end > item.start
                    && toks[end - 1].is_any_kw(&["ASC", "DESC", "NULLS", "FIRST", "LAST"])
                {
                    descending |= toks[end - 1].is_kw("DESC");
                    end -= 1;
                }
                let column = read_operand(toks, shape, item.start..end, &[])
                    .bare_column
                    .or_else(|| {
                        order_by_references(shape, toks, scope, item.clone())
                            .into_iter()
                            .next()
                    });
                let Some(column) = column else { continue };
                let Some(table) = resolve(scope, &column) else {
                    continue;
                };
                if let Some(entry) = table_use_of(per_table, snapshot, &table) {
                    if !entry
                        .order_directions
                        .iter()
                        .any(|(c, _)| c == &column.column)
                    {
                        entry
                            .order_directions
                            .push((column.column.clone(), descending));
                    }
                }
            }
        }
        ClauseKind::Where => {
            // `f(column) = value` with f an allow-listed immutable built-in.
            for cmp in comparisons(toks, shape, range.clone()) {
                if cmp.negated || !matches!(cmp.op, CompareOp::Eq | CompareOp::In) {
                    continue;
                }
                for (wrapped, other) in [(&cmp.left, &cmp.right), (&cmp.right, &cmp.left)] {
                    let Some((called, column)) = function_of_column(toks, shape, wrapped.clone())
                    else {
                        continue;
                    };
                    if read_operand(toks, shape, other.clone(), &[]).has_column() {
                        continue;
                    }
                    let Some(table) = resolve(scope, &column) else {
                        continue;
                    };
                    let Some(entry) = table_use_of(per_table, snapshot, &table) else {
                        continue;
                    };
                    match crate::engine::postgres::indexable_function(&called) {
                        Some(function) => {
                            if !entry.functions.iter().any(|(c, _)| c == &column.column) {
                                entry.functions.push((column.column.clone(), function));
                                entry.uses.push(format!("{function}({}) =", column.column));
                            }
                        }
                        None => {
                            let note = format!(
                                "no expression index on {}({}): only immutable built-in functions ({}) are indexed, never a function of the database's own code",
                                one_line(&called, 60),
                                column.column,
                                crate::engine::postgres::INDEXABLE_FUNCTIONS.join(", ")
                            );
                            if !entry.notes.contains(&note) {
                                entry.notes.push(note);
                            }
                        }
                    }
                }
            }
            // Conditions pg_stat_statements keeps as written, for partial indexes.
            for (column, condition) in partial_conditions(toks, shape, range.clone()) {
                let Some(table) = resolve(scope, &column) else {
                    continue;
                };
                if let Some(entry) = table_use_of(per_table, snapshot, &table) {
                    if !entry
                        .conditions
                        .iter()
                        .any(|(c, k)| c == &column.column && *k == condition)
                    {
                        entry.conditions.push((column.column.clone(), condition));
                        entry
                            .uses
                            .push(PartialPredicate::new(&column.column, condition).text());
                    }
                }
            }
        }
        _ => {}
    }
}

/// A SELECT on one table without `*`: every column of it the statement names (the
/// candidates for INCLUDE), in `read_columns`.
pub(super) fn read_columns(
    snapshot: &Snapshot,
    text: &str,
    toks: &[Tok],
    shape: &QueryShape,
    per_table: &mut BTreeMap<(String, String), TableUse>,
) {
    if let ([scope], [source]) = (shape.scopes.as_slice(), shape.sources.as_slice()) {
        let star = scope
            .projection
            .clone()
            .is_some_and(|p| !shape.star_positions(p, toks).is_empty());
        let catalog =
            (source.kind == SourceKind::Table && first_keyword(text) == "SELECT" && !star)
                .then(|| catalog_table(snapshot, &source.name))
                .flatten();
        if let Some(catalog) = catalog {
            let mut read = Vec::new();
            for (i, tok) in toks.iter().enumerate() {
                let next = toks.get(i + 1);
                if !tok.is_identifier_like()
                    || next.is_some_and(|n| n.is_punct("(") || n.is_punct("."))
                {
                    continue;
                }
                if let Some(c) = snapshot.columns.iter().find(|c| {
                    c.schema == catalog.schema
                        && c.table == catalog.name
                        && names_match(tok, &c.name)
                }) {
                    if !read.contains(&c.name) {
                        read.push(c.name.clone());
                    }
                }
            }
            if let Some(entry) = per_table.get_mut(&(catalog.schema.clone(), catalog.name.clone()))
            {
                entry.read_columns = Some(read);
            }
        }
    }
}

/// INCLUDE columns tried at most: "a few narrow columns".
pub(super) const MAX_INCLUDE_COLUMNS: usize = 3;

/// Column types narrow enough to carry in an index for an Index Only Scan (fixed or
/// small width); text, JSON, arrays and binary data are not.
pub(super) fn is_narrow_type(data_type: &str) -> bool {
    let t = data_type.to_ascii_lowercase();
    !t.contains("[]")
        && [
            "smallint",
            "integer",
            "bigint",
            "boolean",
            "date",
            "timestamp",
            "time",
            "real",
            "double precision",
            "numeric",
            "uuid",
            "money",
            "interval",
            "inet",
            "oid",
        ]
        .iter()
        .any(|n| t.starts_with(n))
}

/// The partial condition to index on, when one of the statement's conditions holds for
/// few enough rows (pg_stats); every condition not taken says why in `notes`. A missing
/// statistic is said, never guessed.
pub(super) fn partial_predicate(
    snapshot: &Snapshot,
    t: &Thresholds,
    table: &TableStat,
    conditions: &[(String, PartialCondition)],
    notes: &mut Vec<String>,
) -> Option<PartialPredicate> {
    for (column, condition) in conditions {
        let candidate = PartialPredicate::new(column, *condition);
        let is_boolean = snapshot.columns.iter().any(|c| {
            c.schema == table.schema
                && c.table == table.name
                && &c.name == column
                && c.data_type.eq_ignore_ascii_case("boolean")
        });
        if matches!(
            condition,
            PartialCondition::IsTrue | PartialCondition::IsFalse
        ) && !is_boolean
        {
            continue;
        }
        let Some(stat) = snapshot
            .column_stats
            .iter()
            .find(|s| s.schema == table.schema && s.table == table.name && &s.column == column)
        else {
            notes.push(format!(
                "no partial index on `{}`: pg_stats has no row for the column (the table was never analyzed, or the audit role may not read its statistics: GRANT SELECT on the table, or pg_read_all_stats)",
                candidate.text()
            ));
            continue;
        };
        let share = match condition {
            PartialCondition::IsNull => Some(stat.null_frac),
            PartialCondition::IsNotNull => Some(1.0 - stat.null_frac),
            PartialCondition::IsTrue => stat.true_frac,
            PartialCondition::IsFalse => stat.false_frac,
        };
        let Some(share) = share.filter(|s| s.is_finite()) else {
            notes.push(format!(
                "no partial index on `{}`: pg_stats has no most-common values for the column",
                candidate.text()
            ));
            continue;
        };
        if share <= t.partial_index_max_fraction {
            notes.push(format!(
                "partial: `{}` holds for {:.1}% of the rows (pg_stats), at most thresholds.partial_index_max_fraction = {:.0}%",
                candidate.text(),
                share * 100.0,
                t.partial_index_max_fraction * 100.0
            ));
            return Some(candidate);
        }
        notes.push(format!(
            "no partial index on `{}`: it holds for {:.0}% of the rows (pg_stats), over thresholds.partial_index_max_fraction = {:.0}%",
            candidate.text(),
            share * 100.0,
            t.partial_index_max_fraction * 100.0
        ));
    }
    None
}

/// The key columns to store descending: only when the ORDER BY columns in the key (those
/// not fixed by an equality) sort in mixed directions. One direction throughout needs
/// none, a B-tree is read backwards (said in `notes`); mixed ones are normalised so that
/// the first sort column stays ascending (the index read backwards serves the rest).
pub(super) fn descending_keys(
    key: &[String],
    equality: &[String],
    directions: &[(String, bool)],
    notes: &mut Vec<String>,
) -> Vec<String> {
    let sorted: Vec<&(String, bool)> = directions
        .iter()
        .filter(|(c, _)| key.contains(c) && !equality.contains(c))
        .collect();
    let Some((_, first_desc)) = sorted.first() else {
        return Vec::new();
    };
    let mixed = sorted.iter().any(|(_, d)| d != first_desc);
    if !mixed {
        if *first_desc {
            notes.push(
                "ORDER BY … DESC in one direction: a B-tree is read backwards, so the key stays ascending"
                    .to_string(),
            );
        }
        return Vec::new();
    }
    notes.push("ORDER BY mixes ASC and DESC: the key stores them that way".to_string());
    sorted
        .iter()
        .filter(|(_, d)| d != first_desc)
        .map(|(c, _)| c.clone())
        .collect()
}

/// An existing valid B-tree that serves a shaped candidate: its key parts start with the
/// candidate's (the same function on the same column; the same directions, or all of
/// them reversed), and it is not partial or has the candidate's own condition.
pub(super) fn shaped_covering_index(
    snapshot: &Snapshot,
    table: &TableStat,
    key: &[String],
    shape: &IndexShape,
) -> Option<String> {
    let normal = |text: &str| -> String {
        text.to_ascii_lowercase()
            .replace("pg_catalog.", "")
            .replace("::text", "")
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '"' && *c != '(' && *c != ')')
            .collect()
    };
    let wanted: Vec<(String, bool)> = key
        .iter()
        .map(|c| {
            let part = match shape.function_of(c) {
                Some(f) => normal(&format!("{f}({c})")),
                None => normal(c),
            };
            (part, shape.descending.contains(c))
        })
        .collect();
    snapshot
        .indexes
        .iter()
        .filter(|i| {
            i.schema == table.schema
                && i.table == table.name
                && i.is_valid
                && i.access_method == "btree"
                && match (&i.predicate, &shape.predicate) {
                    (None, _) => true,
                    (Some(theirs), Some(ours)) => normal(theirs) == normal(&ours.text()),
                    (Some(_), None) => false,
                }
        })
        .find(|i| {
            let mut parts: Vec<&crate::model::snapshot::IndexColumn> = snapshot
                .index_columns
                .iter()
                .filter(|c| {
                    c.schema == i.schema && c.table == i.table && c.index == i.name && c.is_key
                })
                .collect();
            parts.sort_by_key(|c| c.position);
            if parts.len() < wanted.len() {
                return false;
            }
            let same = |flip: bool| {
                wanted.iter().zip(&parts).all(|((part, desc), c)| {
                    let text = c
                        .column
                        .as_deref()
                        .or(c.expression.as_deref())
                        .map(normal)
                        .unwrap_or_default();
                    &text == part && (c.descending ^ flip) == *desc
                })
            };
            same(false) || same(true)
        })
        .map(|i| i.name.clone())
}

/// Keeps the INCLUDE variant when HypoPG planned it as an Index Only Scan for a
/// statement and its plan costs at least `thresholds.include_min_saving` less than the
/// key alone's for the same statement (or the key alone was refused and the variant
/// saves `hypopg_min_saving`); otherwise the plain key index, with the reason in
/// `shape_notes`.
pub(super) fn choose_include(snapshot: &Snapshot, candidate: &mut IndexCandidate, t: &Thresholds) {
    let include = candidate.include_option.join(", ");
    let plain = checks_of(snapshot, candidate, &candidate.key());
    let variant = checks_of(snapshot, candidate, &candidate.include_key());
    let planned: Vec<_> = variant
        .iter()
        .filter(|v| v.not_verified.is_none() && v.cost_before > 0.0)
        .collect();
    if planned.is_empty() {
        if !variant.is_empty() {
            candidate.shape_notes.push(format!(
                "INCLUDE ({include}) not taken: HypoPG could not plan it (see the key's reason)"
            ));
        } else if !plain.is_empty() {
            candidate.shape_notes.push(format!(
                "INCLUDE ({include}) not tried: the snapshot has no plan with it (collected by an older dbaudit, or the INCLUDE variant beyond what was verified)"
            ));
        }
        return;
    }
    // The best statement for the variant: an Index Only Scan with the lowest cost ratio.
    let best = planned
        .iter()
        .filter(|v| v.index_used && v.index_only)
        .min_by(|a, b| (a.cost_after / a.cost_before).total_cmp(&(b.cost_after / b.cost_before)));
    let Some(best) = best else {
        candidate.shape_notes.push(format!(
            "INCLUDE ({include}) not taken: with it the plan is no Index Only Scan (HypoPG)"
        ));
        return;
    };
    let plain_after = plain
        .iter()
        .find(|v| v.queryid == best.queryid && v.not_verified.is_none())
        .map(|v| {
            if v.index_used {
                v.cost_after
            } else {
                v.cost_before
            }
        });
    let saving = (best.cost_before - best.cost_after) / best.cost_before;
    let take = match plain_after {
        Some(plain_after) if plain_after > 0.0 => {
            best.cost_after <= plain_after * (1.0 - t.include_min_saving)
        }
        _ => false,
    } && saving >= t.hypopg_min_saving;
    let plain_text = plain_after.map_or("unknown".to_string(), |c| format!("{c:.0}"));
    if !take {
        candidate.shape_notes.push(format!(
            "INCLUDE ({include}) not taken: its Index Only Scan costs {:.0} against {plain_text} with the key alone, less than thresholds.include_min_saving = {:.0}% better",
            best.cost_after,
            t.include_min_saving * 100.0
        ));
        return;
    }
    candidate.shape_notes.push(format!(
        "INCLUDE ({include}): the plan becomes an Index Only Scan costing {:.0} against {plain_text} with the key alone (HypoPG)",
        best.cost_after
    ));
    candidate.include_columns = candidate.include_option.clone();
    candidate.verdict = Verdict::Verified {
        saving: (saving * 1000.0).round() / 1000.0,
        cost_before: best.cost_before,
        cost_after: best.cost_after,
    };
}

/// `f(column)` (redundant parentheses allowed): the function's name as written (a
/// schema-qualified call is not one: `f` must be one of the allow-listed built-ins,
/// `engine::postgres::indexable_function`, to be indexed), and the column.
fn function_of_column(
    toks: &[Tok],
    shape: &QueryShape,
    range: std::ops::Range<usize>,
) -> Option<(String, ColumnRef)> {
    let mut inner = range;
    while inner.len() >= 2
        && toks[inner.start].is_punct("(")
        && shape.matching[inner.start] == Some(inner.end - 1)
    {
        inner = inner.start + 1..inner.end - 1;
    }
    if inner.len() < 4
        || toks[inner.start].kind != crate::sql::lex::TokKind::Word
        || !toks[inner.start + 1].is_punct("(")
        || shape.matching[inner.start + 1] != Some(inner.end - 1)
    {
        return None;
    }
    if inner.start > 0 && toks[inner.start - 1].is_punct(".") {
        return None;
    }
    let column = read_operand(toks, shape, inner.start + 2..inner.end - 1, &[]).bare_column?;
    Some((toks[inner.start].text.clone(), column))
}

/// The conditions of a WHERE clause that pg_stat_statements keeps as written and a
/// partial index can hold: `col IS NULL`, `col IS NOT NULL`, `col` and `NOT col`, each
/// ANDed at the top level (a top-level OR: none, the clause may hold without them).
fn partial_conditions(
    toks: &[Tok],
    shape: &QueryShape,
    range: std::ops::Range<usize>,
) -> Vec<(ColumnRef, PartialCondition)> {
    let mut terms = Vec::new();
    let mut start = range.start;
    let mut i = range.start;
    let mut between = false;
    while i < range.end {
        let tok = &toks[i];
        if tok.is_punct("(") {
            i = shape.matching[i].map_or(i + 1, |c| c + 1);
            continue;
        }
        if tok.is_kw("OR") {
            return Vec::new();
        }
        if tok.is_kw("BETWEEN") {
            between = true;
        } else if tok.is_kw("AND") {
            if between {
                between = false;
            } else {
                terms.push(start..i);
                start = i + 1;
            }
        }
        i += 1;
    }
    terms.push(start..range.end);
    let mut out = Vec::new();
    for term in terms {
        let t = &toks[term.clone()];
        let (column_range, condition) = match t {
            [.., is, null] if is.is_kw("IS") && null.is_kw("NULL") => {
                (term.start..term.end - 2, PartialCondition::IsNull)
            }
            [.., is, not, null] if is.is_kw("IS") && not.is_kw("NOT") && null.is_kw("NULL") => {
                (term.start..term.end - 3, PartialCondition::IsNotNull)
            }
            [not, ..] if not.is_kw("NOT") => (term.start + 1..term.end, PartialCondition::IsFalse),
            _ => (term.clone(), PartialCondition::IsTrue),
        };
        if column_range.is_empty() {
            continue;
        }
        // Only a bare column name: `a`, `t.a` (never a keyword such as TRUE or EXISTS).
        let names = &toks[column_range.clone()];
        let plain = match names {
            [c] => c.is_identifier_like() && !c.is_any_kw(&["TRUE", "FALSE", "NULL", "EXISTS"]),
            [q, dot, c] => q.is_identifier_like() && dot.is_punct(".") && c.is_identifier_like(),
            _ => false,
        };
        if !plain {
            continue;
        }
        if let Some(column) = read_operand(toks, shape, column_range, &[]).bare_column {
            out.push((column, condition));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::tests::{snapshot, table_uses};
    use super::*;
    use crate::model::snapshot::StatementStat;

    fn table_use(s: &Snapshot, query: &str) -> TableUse {
        table_uses(s, query)
            .into_iter()
            .next()
            .map(|(_, u)| u)
            .unwrap_or_default()
    }

    #[test]
    fn shapes_are_read_from_the_statement() {
        let s = snapshot(
            "jobs",
            &["id", "owner", "deleted_at", "done", "email", "day", "seq"],
        );
        let conditions = |q: &str| table_use(&s, q).conditions;
        assert_eq!(
            conditions("SELECT id FROM jobs WHERE deleted_at IS NULL AND owner = $1"),
            vec![("deleted_at".to_string(), PartialCondition::IsNull)]
        );
        assert_eq!(
            conditions("SELECT id FROM jobs WHERE owner BETWEEN $1 AND $2 AND NOT done"),
            vec![("done".to_string(), PartialCondition::IsFalse)]
        );
        assert_eq!(
            conditions("SELECT id FROM jobs WHERE jobs.deleted_at IS NOT NULL"),
            vec![("deleted_at".to_string(), PartialCondition::IsNotNull)]
        );
        // A top-level OR: the condition need not hold; a comparison is no condition.
        assert!(conditions("SELECT id FROM jobs WHERE done OR owner = $1").is_empty());
        assert!(conditions("SELECT id FROM jobs WHERE owner = $1").is_empty());
        let u = table_use(&s, "SELECT id FROM jobs WHERE LOWER(email) = $1");
        assert_eq!(u.functions, vec![("email".to_string(), "lower")]);
        let u = table_use(&s, "SELECT id FROM jobs WHERE my_lower(email) = $1");
        assert!(u.functions.is_empty());
        assert!(
            u.notes[0].contains("no expression index on my_lower(email)"),
            "{:?}",
            u.notes
        );
        let u = table_use(&s, "SELECT id FROM jobs WHERE public.lower(email) = $1");
        assert!(u.functions.is_empty());
        let u = table_use(
            &s,
            "SELECT id FROM jobs WHERE owner = $1 ORDER BY day, seq DESC NULLS LAST",
        );
        assert_eq!(
            u.order_directions,
            vec![("day".to_string(), false), ("seq".to_string(), true)]
        );
        assert_eq!(
            u.read_columns,
            Some(vec![
                "id".to_string(),
                "owner".to_string(),
                "day".to_string(),
                "seq".to_string()
            ])
        );
        assert_eq!(
            table_use(&s, "SELECT * FROM jobs WHERE owner = $1").read_columns,
            None
        );
    }

    #[test]
    fn desc_only_for_mixed_directions_normalised_to_an_ascending_first_sort_column() {
        let key: Vec<String> = ["kind", "day", "seq"]
            .iter()
            .map(|c| c.to_string())
            .collect();
        let equality = vec!["kind".to_string()];
        let mut notes = Vec::new();
        let dirs = |d: &[(&str, bool)]| -> Vec<(String, bool)> {
            d.iter().map(|(c, b)| (c.to_string(), *b)).collect()
        };
        assert_eq!(
            descending_keys(
                &key,
                &equality,
                &dirs(&[("day", false), ("seq", true)]),
                &mut notes
            ),
            ["seq"]
        );
        assert_eq!(
            descending_keys(
                &key,
                &equality,
                &dirs(&[("day", true), ("seq", false)]),
                &mut notes
            ),
            ["seq"]
        );
        assert!(descending_keys(
            &key,
            &equality,
            &dirs(&[("day", true), ("seq", true)]),
            &mut notes
        )
        .is_empty());
        assert!(notes.last().unwrap().contains("read backwards"));
        // An equality column's direction does not matter.
        assert!(descending_keys(
            &key,
            &equality,
            &dirs(&[("kind", true), ("day", false)]),
            &mut notes
        )
        .is_empty());
    }

    #[test]
    fn an_existing_partial_index_with_the_same_condition_covers_the_candidate() {
        use crate::model::snapshot::{ColumnStat, IndexColumn, IndexStat};
        let mut s = snapshot("jobs", &["id", "owner", "finished_at"]);
        s.column_stats.push(ColumnStat {
            schema: "public".into(),
            table: "jobs".into(),
            column: "finished_at".into(),
            null_frac: 0.01,
            ..Default::default()
        });
        s.statements.push(StatementStat {
            queryid: "7".into(),
            query: "SELECT id FROM jobs WHERE finished_at IS NULL AND owner = $1".into(),
            calls: 100,
            total_time_ms: 10.0,
            ..Default::default()
        });
        let t = Thresholds::default();
        let (candidates, _) = super::super::candidates(&s, &t);
        assert_eq!(
            candidates[0].shape.predicate,
            Some(PartialPredicate::new(
                "finished_at",
                PartialCondition::IsNull
            ))
        );
        // The same partial index exists: no candidate, and the decision names it.
        for (name, predicate, covered) in [
            ("ix_other", "(finished_at IS NOT NULL)", false),
            ("ix_pending", "(finished_at IS NULL)", true),
        ] {
            s.indexes = vec![IndexStat {
                schema: "public".into(),
                table: "jobs".into(),
                name: name.into(),
                access_method: "btree".into(),
                is_valid: true,
                predicate: Some(predicate.into()),
                ..Default::default()
            }];
            s.index_columns = vec![IndexColumn {
                schema: "public".into(),
                table: "jobs".into(),
                index: name.into(),
                position: 1,
                column: Some("owner".into()),
                expression: None,
                is_key: true,
                descending: false,
            }];
            let (candidates, decisions) = super::super::candidates(&s, &t);
            assert_eq!(candidates.is_empty(), covered, "{predicate}");
            assert_eq!(
                decisions[0].outcome.contains("covered by ix_pending"),
                covered,
                "{:?}",
                decisions[0]
            );
        }
    }

    #[test]
    fn a_partial_condition_needs_pg_stats_and_a_rare_share() {
        use crate::model::snapshot::ColumnStat;
        let mut s = snapshot("jobs", &["id", "owner", "deleted_at"]);
        let t = Thresholds::default();
        let table = s.tables[0].clone();
        let conditions = vec![("deleted_at".to_string(), PartialCondition::IsNull)];
        let mut notes = Vec::new();
        assert_eq!(
            partial_predicate(&s, &t, &table, &conditions, &mut notes),
            None
        );
        assert!(notes[0].contains("pg_stats has no row"), "{notes:?}");
        s.column_stats.push(ColumnStat {
            schema: "public".into(),
            table: "jobs".into(),
            column: "deleted_at".into(),
            null_frac: 0.6,
            ..Default::default()
        });
        let mut notes = Vec::new();
        assert_eq!(
            partial_predicate(&s, &t, &table, &conditions, &mut notes),
            None
        );
        assert!(
            notes[0].contains("it holds for 60% of the rows"),
            "{notes:?}"
        );
        s.column_stats[0].null_frac = 0.02;
        assert_eq!(
            partial_predicate(&s, &t, &table, &conditions, &mut notes),
            Some(PartialPredicate::new(
                "deleted_at",
                PartialCondition::IsNull
            ))
        );
        // A boolean condition on a column that is not boolean is no condition.
        let not_boolean = vec![("owner".to_string(), PartialCondition::IsFalse)];
        assert_eq!(
            partial_predicate(&s, &t, &table, &not_boolean, &mut notes),
            None
        );
    }
}
