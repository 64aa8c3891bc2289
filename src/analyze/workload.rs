//! Index candidates from the workload: the top statements of pg_stat_statements are
//! parsed (pg_query validates them; dbaudit's own statement reader, shared with the
//! static scan, takes their predicate columns), resolved against the catalog, and turned
//! into one key per table: equality columns by selectivity, then ORDER BY columns, then
//! one range column. Small tables and keys an existing index covers are skipped, and
//! every statement considered that gets no index says why (statements with too few
//! calls that rank among the considered ones by time included).
//!
//! A table's size is `n_live_tup`; when that is 0 (statistics reset, or never gathered)
//! the planner's `reltuples`, said so; a partitioned table's is the sum of its
//! partitions' (an index on it reaches every partition).

use std::collections::BTreeMap;

use serde::Serialize;

use super::Thresholds;
use crate::model::finding::one_line;
pub use crate::model::recommendation::StatementDecision;
use crate::model::recommendation::{IndexShape, KeyFunction, PartialCondition};
use crate::model::snapshot::{Snapshot, StatementStat, TableStat};
use crate::model::PredicateUse;
use crate::sql::lex::{lex_into, Lexed, Tok};
use crate::sql::predicate::ColumnRef;
use crate::sql::query::{self, ClauseKind, QueryShape, Source, SourceKind};
use crate::sql::SqlDialect;
use shapes::{
    choose_include, descending_keys, is_narrow_type, partial_predicate, shaped_covering_index,
    MAX_INCLUDE_COLUMNS,
};

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Served {
    pub queryid: String,
    pub calls: i64,
    pub total_time_ms: f64,
    /// How the statement uses the key columns, e.g. `client_id =`, `start_date order-by`.
    pub uses: Vec<String>,
    pub query: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case", tag = "status")]
pub enum Verdict {
    /// HypoPG: the planner uses the hypothetical index and saves this share of cost.
    Verified {
        saving: f64,
        cost_before: f64,
        cost_after: f64,
    },
    /// HypoPG: the planner ignored it or saved too little.
    Rejected { reason: String },
    /// No verification was possible; `reason` is the real cause (HypoPG absent, the
    /// statement not planned because it may run user code, parse failure, timeout, ...).
    Unverified { reason: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct IndexCandidate {
    pub schema: String,
    pub table: String,
    pub key_columns: Vec<String>,
    pub served: Vec<Served>,
    pub calls: i64,
    pub total_time_ms: f64,
    pub table_rows: i64,
    /// How `table_rows` was known when not from `n_live_tup` (the planner's estimate
    /// after a statistics reset, or a partitioned table's partitions summed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size_note: Option<String>,
    /// `table_rows` is (or includes) the planner's `reltuples`: `n_live_tup` read 0.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub rows_estimated: bool,
    /// A partitioned table (its index reaches every partition; no CONCURRENTLY).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub partitioned: bool,
    /// DESC keys, function keys, a partial condition (issue 18); plain when empty.
    #[serde(skip_serializing_if = "IndexShape::is_plain")]
    pub shape: IndexShape,
    /// The INCLUDE columns kept: HypoPG showed an Index Only Scan with them that costs
    /// enough less than the key alone (`thresholds.include_min_saving`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub include_columns: Vec<String>,
    /// The INCLUDE columns tried: the few narrow columns the statements read beyond the
    /// key (hot narrow selects on one table).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub include_option: Vec<String>,
    /// Why each shape was or was not taken, in words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub shape_notes: Vec<String>,
    pub verdict: Verdict,
}

impl IndexCandidate {
    /// The key HypoPG's verifications are recorded under: the columns (as before the
    /// shapes, so older snapshots still match), the shape in words when it has one.
    pub fn key(&self) -> String {
        variant_key(&self.key_columns, &[], &self.shape)
    }

    /// The key of the INCLUDE variant.
    pub fn include_key(&self) -> String {
        variant_key(&self.key_columns, &self.include_option, &self.shape)
    }
}

fn variant_key(key: &[String], include: &[String], shape: &IndexShape) -> String {
    let mut text = key.join(",");
    if !shape.is_plain() {
        text.push_str(&format!(
            " [{}{}]",
            shape.key_text(key),
            shape.predicate_text()
        ));
    }
    if !include.is_empty() {
        text.push_str(&format!(" INCLUDE ({})", include.join(",")));
    }
    text
}

mod shapes;

/// Columns one statement filters / sorts one table by.
#[derive(Default)]
struct TableUse {
    equality: Vec<String>,
    join: Vec<String>,
    range: Vec<String>,
    order: Vec<String>,
    uses: Vec<String>,
    /// The views the statement reaches this table through.
    through: Vec<String>,
    /// ORDER BY columns with their direction (true: DESC).
    order_directions: Vec<(String, bool)>,
    /// Equality / IN columns compared through an allow-listed function: (column, function).
    functions: Vec<(String, &'static str)>,
    /// `col IS NULL`, `col IS NOT NULL`, `col`, `NOT col` ANDed into the WHERE clause.
    conditions: Vec<(String, PartialCondition)>,
    /// Every column of the table the statement names, when it reads only this one table
    /// with no `*` (the INCLUDE candidates); `None` otherwise.
    read_columns: Option<Vec<String>>,
    /// Why a shape was not tried (a function that is not allow-listed).
    notes: Vec<String>,
}

pub fn candidates(
    snapshot: &Snapshot,
    t: &Thresholds,
) -> (Vec<IndexCandidate>, Vec<StatementDecision>) {
    let mut ranked: Vec<&StatementStat> = snapshot.statements.iter().collect();
    ranked.sort_by(|a, b| {
        b.total_time_ms
            .total_cmp(&a.total_time_ms)
            .then(a.queryid.cmp(&b.queryid))
    });
    let mut merged: BTreeMap<(String, String, String), IndexCandidate> = BTreeMap::new();
    let mut decisions = Vec::new();
    let (mut considered, mut too_few) = (0usize, 0usize);
    for statement in ranked {
        if considered >= t.missing_index_max_statements {
            break;
        }
        let decision = |outcome: String| StatementDecision {
            queryid: statement.queryid.clone(),
            calls: statement.calls,
            total_time_ms: statement.total_time_ms,
            query: one_line(&statement.query, 200),
            outcome,
            advice: Vec::new(),
        };
        // A statement run too rarely is named with its reason while it ranks among the
        // considered ones by time (bounded like them), so a slow rare one is not silent.
        // A statement of a kind no index serves (SET, DO, INSERT, ...) says that first.
        if statement.calls < t.missing_index_min_calls {
            if too_few < t.missing_index_max_statements {
                too_few += 1;
                decisions.push(decision(not_indexable(&statement.query).unwrap_or_else(
                    || {
                        format!(
                            "not considered: too few calls ({} < thresholds.missing_index_min_calls = {})",
                            statement.calls, t.missing_index_min_calls
                        )
                    },
                )));
            }
            continue;
        }
        considered += 1;
        let mut outcomes = Vec::new();
        match statement_uses(snapshot, statement) {
            Err(reason) => outcomes.push(reason),
            Ok((uses, view_notes)) if uses.is_empty() && !view_notes.is_empty() => {
                outcomes.extend(view_notes)
            }
            Ok((uses, _)) if uses.is_empty() => outcomes.push("no indexable predicate".to_string()),
            Ok((uses, view_notes)) => {
                for (table, table_use) in uses {
                    let through = match table_use.through.as_slice() {
                        [] => String::new(),
                        views => format!(" through view {}", views.join(", ")),
                    };
                    let outcome = consider(snapshot, t, statement, table, table_use, &mut merged);
                    outcomes.push(outcome + &through);
                }
                outcomes.extend(view_notes);
            }
        }
        decisions.push(decision(outcomes.join("; ")));
    }
    let mut candidates: Vec<IndexCandidate> = merged.into_values().collect();
    for candidate in &mut candidates {
        candidate.verdict = verdict(snapshot, candidate, t);
        if !candidate.include_option.is_empty() {
            choose_include(snapshot, candidate, t);
        }
    }
    candidates.sort_by(|a, b| {
        b.total_time_ms
            .total_cmp(&a.total_time_ms)
            .then(a.table.cmp(&b.table))
    });
    (candidates, decisions)
}

fn consider(
    snapshot: &Snapshot,
    t: &Thresholds,
    statement: &StatementStat,
    table: &TableStat,
    table_use: TableUse,
    merged: &mut BTreeMap<(String, String, String), IndexCandidate>,
) -> String {
    let name = format!("{}.{}", table.schema, table.name);
    let (rows, size_note) = table_rows(snapshot, table);
    if rows < t.missing_index_min_rows {
        return format!(
            "{name}: table too small for an index to pay ({rows} rows{}, under thresholds.missing_index_min_rows = {})",
            size_note
                .as_deref()
                .map(|n| format!(", {n}"))
                .unwrap_or_default(),
            t.missing_index_min_rows
        );
    }
    // Join keys matter when the table is only reached through the join (the inner side
    // of a nested loop); filters on the table itself come first otherwise.
    let mut equality = if table_use.equality.is_empty() && table_use.range.is_empty() {
        table_use.join.clone()
    } else {
        table_use.equality.clone()
    };
    // Columns compared through an allow-listed function (`lower(email) = $1`) are keys
    // of an expression index, unless the statement also compares the bare column.
    let mut functions: Vec<KeyFunction> = Vec::new();
    for (column, function) in &table_use.functions {
        if !equality.contains(column) && !functions.iter().any(|f| &f.column == column) {
            equality.push(column.clone());
            functions.push(KeyFunction {
                column: column.clone(),
                function: function.to_string(),
            });
        }
    }
    // Most selective first: more distinct values, fewer rows per value.
    equality.sort_by(|a, b| {
        let da = distinct(snapshot, table, a).unwrap_or(0.0);
        let db = distinct(snapshot, table, b).unwrap_or(0.0);
        db.total_cmp(&da)
    });
    let mut key = equality.clone();
    for column in &table_use.order {
        if !key.contains(column) {
            key.push(column.clone());
        }
    }
    if let Some(range) = table_use.range.iter().find(|c| !key.contains(c)) {
        key.push(range.clone());
    }
    key.truncate(t.missing_index_max_columns);
    let mut notes = table_use.notes.clone();
    let predicate = partial_predicate(snapshot, t, table, &table_use.conditions, &mut notes);
    if let Some(p) = &predicate {
        key.retain(|c| c != &p.column);
        if key.is_empty() {
            key.push(p.column.clone());
        }
    }
    let descending = descending_keys(&key, &equality, &table_use.order_directions, &mut notes);
    functions.retain(|f| key.contains(&f.column));
    let shape = IndexShape {
        descending,
        functions,
        predicate,
    };
    let with_notes = |text: String, notes: &[String]| {
        if notes.is_empty() {
            text
        } else {
            format!("{text} [{}]", notes.join("; "))
        }
    };
    if key.is_empty() {
        return with_notes(format!("{name}: no indexable predicate"), &notes);
    }
    let covered = if shape.functions.is_empty() && shape.descending.is_empty() {
        covering_index(snapshot, table, &equality, &key).or_else(|| {
            // A partial index with the same condition and key (PostgreSQL prints it
            // `(finished_at IS NULL)`): the candidate exists already.
            shape
                .predicate
                .as_ref()
                .and_then(|_| shaped_covering_index(snapshot, table, &key, &shape))
        })
    } else {
        shaped_covering_index(snapshot, table, &key, &shape)
    };
    if let Some(index) = covered {
        return with_notes(
            format!(
                "{name}: covered by {index} (it leads with {})",
                shape.key_text(&key[..1])
            ),
            &notes,
        );
    }
    // INCLUDE: the narrow columns a one-table statement reads beyond the key, when they
    // are all narrow and few (otherwise no Index Only Scan is within reach).
    let beyond: Vec<String> = table_use
        .read_columns
        .iter()
        .flatten()
        .filter(|c| !key.contains(c))
        .cloned()
        .collect();
    let all_narrow = beyond.iter().all(|c| {
        snapshot
            .columns
            .iter()
            .find(|i| i.schema == table.schema && i.table == table.name && &i.name == c)
            .is_some_and(|i| is_narrow_type(&i.data_type))
    });
    let include_option = if beyond.len() <= MAX_INCLUDE_COLUMNS && all_narrow {
        beyond
    } else {
        notes.push(format!(
            "no INCLUDE: the statement reads {} column(s) beyond the key, not at most {MAX_INCLUDE_COLUMNS} narrow ones",
            beyond.len()
        ));
        Vec::new()
    };
    let signature = variant_key(&key, &[], &shape);
    let entry = merged
        .entry((table.schema.clone(), table.name.clone(), signature))
        .or_insert_with(|| IndexCandidate {
            schema: table.schema.clone(),
            table: table.name.clone(),
            key_columns: key.clone(),
            served: Vec::new(),
            calls: 0,
            total_time_ms: 0.0,
            table_rows: rows,
            size_note: size_note.clone(),
            partitioned: table.is_partitioned == Some(true),
            rows_estimated: size_note
                .as_deref()
                .is_some_and(|n| n.contains("pg_class.reltuples")),
            shape: shape.clone(),
            include_columns: Vec::new(),
            include_option: Vec::new(),
            shape_notes: Vec::new(),
            verdict: Verdict::Unverified {
                reason: String::new(),
            },
        });
    for column in include_option {
        if !entry.include_option.contains(&column) {
            entry.include_option.push(column);
        }
    }
    if entry.include_option.len() > MAX_INCLUDE_COLUMNS {
        entry.include_option.clear();
    }
    for note in &notes {
        if !entry.shape_notes.contains(note) {
            entry.shape_notes.push(note.clone());
        }
    }
    entry.calls += statement.calls;
    entry.total_time_ms += statement.total_time_ms;
    entry.served.push(Served {
        queryid: statement.queryid.clone(),
        calls: statement.calls,
        total_time_ms: statement.total_time_ms,
        uses: table_use.uses,
        query: one_line(&statement.query, 200),
    });
    with_notes(
        format!(
            "candidate: {name} ({}){}",
            shape.key_text(&key),
            shape.predicate_text()
        ),
        &notes,
    )
}

/// An existing valid, non-partial index that already serves the candidate: a B-tree
/// leading with the candidate's first (most selective) column, or a hash index on a
/// single equality column. Widening such an index is the advisor's business, not a new
/// near-duplicate index.
fn covering_index(
    snapshot: &Snapshot,
    table: &TableStat,
    equality: &[String],
    key: &[String],
) -> Option<String> {
    let first = key.first()?;
    snapshot
        .indexes
        .iter()
        .filter(|i| {
            i.schema == table.schema && i.table == table.name && i.is_valid && i.predicate.is_none()
        })
        .find(|i| {
            let keys = snapshot.index_keys(i);
            match i.access_method.as_str() {
                "btree" => keys.first().and_then(|k| k.as_deref()) == Some(first.as_str()),
                "hash" => {
                    equality.len() == 1
                        && keys.first().and_then(|k| k.as_deref()) == Some(first.as_str())
                }
                _ => false,
            }
        })
        .map(|i| i.name.clone())
}

/// A table's rows for the advisor, and how they were known when not from `n_live_tup`:
/// a partitioned table's partitions summed (its own counters are 0; an index on it
/// reaches every partition); the planner's `reltuples` when `n_live_tup` is 0 (the
/// statistics were reset, or never gathered) but the planner knows the table's size.
pub fn table_rows(snapshot: &Snapshot, table: &TableStat) -> (i64, Option<String>) {
    let own = |t: &TableStat| -> (i64, bool) {
        match t.estimated_rows {
            Some(estimate) if t.live_rows <= 0 && estimate > 0 => (estimate, true),
            _ => (t.live_rows.max(0), false),
        }
    };
    if table.is_partitioned == Some(true) {
        let partitions: Vec<(i64, bool)> = snapshot
            .tables
            .iter()
            .filter(|p| {
                p.partition_root_schema.as_deref() == Some(table.schema.as_str())
                    && p.partition_root_name.as_deref() == Some(table.name.as_str())
                    && p.is_partitioned != Some(true)
            })
            .map(own)
            .collect();
        let rows = partitions
            .iter()
            .fold(0i64, |sum, (r, _)| sum.saturating_add(*r));
        let estimated = partitions.iter().filter(|(_, e)| *e).count();
        return (
            rows,
            Some(format!(
                "partitioned table: the rows of its {} partition(s) summed{}",
                partitions.len(),
                if estimated > 0 {
                    format!(", {estimated} of them by pg_class.reltuples (n_live_tup is 0: statistics reset or not yet gathered)")
                } else {
                    String::new()
                }
            )),
        );
    }
    match own(table) {
        (rows, true) => (
            rows,
            Some(format!(
                "{rows} rows by pg_class.reltuples: n_live_tup is 0 (statistics reset or not yet gathered)"
            )),
        ),
        (rows, false) => (rows, None),
    }
}

pub(crate) fn distinct(snapshot: &Snapshot, table: &TableStat, column: &str) -> Option<f64> {
    let stat = snapshot
        .column_stats
        .iter()
        .find(|s| s.schema == table.schema && s.table == table.name && s.column == column)?;
    Some(if stat.n_distinct < 0.0 {
        -stat.n_distinct * table_rows(snapshot, table).0 as f64
    } else {
        stat.n_distinct
    })
}

/// The verifications recorded for one variant of a candidate.
fn checks_of<'s>(
    snapshot: &'s Snapshot,
    candidate: &IndexCandidate,
    key: &str,
) -> Vec<&'s crate::model::snapshot::Verification> {
    snapshot
        .verifications
        .iter()
        .filter(|v| {
            v.schema == candidate.schema && v.table == candidate.table && v.key_columns == key
        })
        .collect()
}

fn verdict(snapshot: &Snapshot, candidate: &IndexCandidate, t: &Thresholds) -> Verdict {
    let checks = checks_of(snapshot, candidate, &candidate.key());
    let planned: Vec<_> = checks.iter().filter(|v| v.not_verified.is_none()).collect();
    if planned.is_empty() {
        return Verdict::Unverified {
            reason: unverified_reason(snapshot, &checks),
        };
    }
    let best = planned
        .iter()
        .filter(|v| v.index_used && v.cost_before > 0.0)
        .map(|v| {
            (
                (v.cost_before - v.cost_after) / v.cost_before,
                v.cost_before,
                v.cost_after,
            )
        })
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((saving, before, after)) if saving >= t.hypopg_min_saving => Verdict::Verified {
            saving: (saving * 1000.0).round() / 1000.0,
            cost_before: before,
            cost_after: after,
        },
        Some((saving, _, _)) => Verdict::Rejected {
            reason: format!(
                "the planner saves only {:.0}% of the cost with it (threshold {:.0}%)",
                saving * 100.0,
                t.hypopg_min_saving * 100.0
            ),
        },
        None => Verdict::Rejected {
            reason: "the planner does not use it (HypoPG)".to_string(),
        },
    }
}

/// Why a candidate has no plan: the causes recorded at collection (distinct, in order),
/// or, when none was recorded, what the snapshot says about HypoPG.
fn unverified_reason(
    snapshot: &Snapshot,
    checks: &[&crate::model::snapshot::Verification],
) -> String {
    let mut causes: Vec<&str> = Vec::new();
    for cause in checks.iter().filter_map(|v| v.not_verified.as_deref()) {
        if !causes.contains(&cause) {
            causes.push(cause);
        }
    }
    if !causes.is_empty() {
        return causes.join("; ");
    }
    if snapshot.is_mssql() {
        "SQL Server has no hypothetical indexes".to_string()
    } else if !snapshot
        .manifest
        .extensions
        .iter()
        .any(|e| e.name == "hypopg")
    {
        "HypoPG is not installed in the audited database (CREATE EXTENSION hypopg to verify candidates)".to_string()
    } else {
        "HypoPG is installed but this candidate was not planned at collection (collected with --no-verify, beyond the first 50 candidates, or with other thresholds)".to_string()
    }
}

/// Why a statement cannot use an index by its kind (not a SELECT, WITH, UPDATE or
/// DELETE), or `None`.
fn not_indexable(text: &str) -> Option<String> {
    let first = first_keyword(text);
    (!matches!(first.as_str(), "SELECT" | "WITH" | "UPDATE" | "DELETE")).then(|| {
        format!(
            "no indexable predicate ({} statement)",
            one_line(&first, 20)
        )
    })
}

/// A statement's first word, upper-cased, after any leading comments (`-- …` lines and
/// `/* … */` blocks, as scripts and ORMs put before statements).
pub fn first_keyword(text: &str) -> String {
    let mut rest = text.trim_start();
    loop {
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.split_once('\n').map_or("", |(_, r)| r).trim_start();
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, r)| r).trim_start();
        } else {
            break;
        }
    }
    rest.split(|c: char| c.is_whitespace() || c == '(' || c == ';')
        .next()
        .unwrap_or("")
        .to_ascii_uppercase()
}

/// Per catalog table, how a statement uses its columns; and why conditions on a view
/// reached no table.
type StatementUses<'a> = (Vec<(&'a TableStat, TableUse)>, Vec<String>);

/// Parses a statement and collects, per catalog table, how its columns are used; a
/// column of a plain view counts as the base-table column it passes through
/// (`views::base_column`), or its reason is returned.
fn statement_uses<'a>(
    snapshot: &'a Snapshot,
    statement: &StatementStat,
) -> Result<StatementUses<'a>, String> {
    let text = statement.query.trim();
    if text.is_empty() || text == "<insufficient privilege>" {
        return Err("query text hidden (insufficient privilege)".to_string());
    }
    if let Some(reason) = not_indexable(text) {
        return Err(reason);
    }
    if let Err(e) = pg_query::parse(text, pg_query::ParserOptions::DEFAULT) {
        return Err(format!("parse error: {e}"));
    }
    let mut lexed = Lexed::default();
    lex_into(text, SqlDialect::Postgres, 1, 1, &mut lexed);
    let toks = lexed.tokens;
    let shape = query::analyze(&toks);
    let mut per_table: BTreeMap<(String, String), TableUse> = BTreeMap::new();
    let mut view_notes = unknown_relations(snapshot, &shape);
    let resolve = |scope: usize, column: &ColumnRef| -> Option<String> {
        // A view is resolved column by column when the use is recorded, so that a
        // column it cannot map gets its reason.
        let has_column = |name: &str| {
            catalog_table(snapshot, name).is_some_and(|t| {
                snapshot.columns.is_empty()
                    || snapshot.columns.iter().any(|c| {
                        c.schema == t.schema && c.table == t.name && c.name == column.column
                    })
            }) || (catalog_table(snapshot, name).is_none()
                && super::views::find(snapshot, name).is_some())
        };
        match shape.resolve(scope, column.qualifier.as_deref()) {
            // A table, or a CTE / derived table that passes the column through from its
            // one table (PostgreSQL pushes the predicate down into it unless the CTE is
            // MATERIALIZED, which HypoPG then shows).
            Some(source) => base_table(&shape, &toks, source, &column.column, 0)
                .filter(|name| has_column(name))
                .map(str::to_string),
            // Unqualified in a join: the one table of the scope that has the column.
            None if column.qualifier.is_none() => {
                let tables: Vec<&str> = shape.scopes[scope]
                    .sources
                    .iter()
                    .map(|&i| &shape.sources[i])
                    .filter(|s| s.kind == SourceKind::Table)
                    .map(|s| s.name.as_str())
                    .filter(|name| {
                        catalog_table(snapshot, name).is_some_and(|t| {
                            snapshot.columns.iter().any(|c| {
                                c.schema == t.schema && c.table == t.name && c.name == column.column
                            })
                        })
                    })
                    .collect();
                (tables.len() == 1).then(|| tables[0].to_string())
            }
            None => None,
        }
    };
    for clause in &shape.clauses {
        if !matches!(
            clause.kind,
            ClauseKind::Where | ClauseKind::On | ClauseKind::OrderBy
        ) {
            continue;
        }
        // ORDER BY only helps an index on a single-table scope.
        if clause.kind == ClauseKind::OrderBy && shape.scopes[clause.scope].sources.len() != 1 {
            continue;
        }
        let mut record = |table: String, column: String, usage: PredicateUse, _line: u32| {
            let (catalog, column, view) = match catalog_table(snapshot, &table) {
                Some(catalog) => (catalog, column, None),
                None => {
                    let Some(view) = super::views::find(snapshot, &table) else {
                        return;
                    };
                    let note = match super::views::base_column(snapshot, view, &column) {
                        Ok(base) if usage != PredicateUse::OrderBy || base.single_relation => {
                            Ok((base.table, base.column, Some(super::views::shown(view))))
                        }
                        Ok(_) => Err(format!(
                            "view {}: ORDER BY {column} sorts a view over a join, which no index on one of its tables orders",
                            super::views::shown(view)
                        )),
                        Err(why) => Err(why),
                    };
                    match note {
                        Ok(base) => base,
                        Err(note) => {
                            if !view_notes.contains(&note) {
                                view_notes.push(note);
                            }
                            return;
                        }
                    }
                }
            };
            let entry = per_table
                .entry((catalog.schema.clone(), catalog.name.clone()))
                .or_default();
            if let Some(view) = view {
                if !entry.through.contains(&view) {
                    entry.through.push(view);
                }
            }
            let list = match usage {
                PredicateUse::Equality | PredicateUse::In => &mut entry.equality,
                PredicateUse::Join => &mut entry.join,
                PredicateUse::Range | PredicateUse::LikePrefix => &mut entry.range,
                PredicateUse::OrderBy => &mut entry.order,
            };
            if !list.contains(&column) {
                list.push(column.clone());
            }
            let label = usage.label(&column);
            if !entry.uses.contains(&label) {
                entry.uses.push(label);
            }
        };
        crate::sql::facts::predicate_columns(
            &toks,
            &shape,
            clause.kind,
            clause.range.clone(),
            clause.scope,
            &[],
            &resolve,
            &mut record,
        );
        if clause.kind == ClauseKind::OrderBy {
            for column in order_by_references(&shape, &toks, clause.scope, clause.range.clone()) {
                if let Some(table) = resolve(clause.scope, &column) {
                    record(table, column.column.clone(), PredicateUse::OrderBy, 0);
                }
            }
        }
        shapes::read_clause(
            snapshot,
            &toks,
            &shape,
            clause.kind,
            clause.scope,
            clause.range.clone(),
            &resolve,
            &mut per_table,
        );
    }
    shapes::read_columns(snapshot, text, &toks, &shape, &mut per_table);
    let uses = per_table
        .into_iter()
        .filter_map(|((schema, name), table_use)| {
            snapshot.table(&schema, &name).map(|t| (t, table_use))
        })
        .collect();
    Ok((uses, view_notes))
}

/// The relations a statement reads that are neither a table nor a view of the snapshot,
/// named when the snapshot has no view definitions (written by a dbaudit that did not
/// read them, or the query failed): such a name may be a view. System catalogs are left
/// out.
fn unknown_relations(snapshot: &Snapshot, shape: &QueryShape) -> Vec<String> {
    let Some(note) = snapshot.manifest.notes.iter().find(|n| n.check == "views") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for source in shape.sources.iter().filter(|s| s.kind == SourceKind::Table) {
        let name = source.name.trim_matches('"');
        let lower = name.to_ascii_lowercase();
        if lower.starts_with("pg_")
            || lower.starts_with("information_schema.")
            || catalog_table(snapshot, &source.name).is_some()
        {
            continue;
        }
        let reason = format!(
            "{}: not a table of the snapshot; if it is a view, the view definition is not in the snapshot ({})",
            one_line(&source.name, 80),
            one_line(&note.message, 120)
        );
        if !out.contains(&reason) {
            out.push(reason);
        }
    }
    out
}

/// The use of the catalog table `table` names, created empty on first use.
fn table_use_of<'m>(
    per_table: &'m mut BTreeMap<(String, String), TableUse>,
    snapshot: &Snapshot,
    table: &str,
) -> Option<&'m mut TableUse> {
    let catalog = catalog_table(snapshot, table)?;
    Some(
        per_table
            .entry((catalog.schema.clone(), catalog.name.clone()))
            .or_default(),
    )
}

/// The table a source reads a column from: the source itself when it is a table; for a
/// CTE (without a column list) or a derived table over exactly one source, whose select
/// list has a star or the bare column, that source's table, recursively.
fn base_table<'s>(
    shape: &'s QueryShape,
    toks: &[Tok],
    source: &'s Source,
    column: &str,
    depth: usize,
) -> Option<&'s str> {
    if depth > 8 {
        return None;
    }
    let body = match source.kind {
        SourceKind::Table => return Some(source.name.as_str()),
        SourceKind::Cte(c) => {
            let cte = shape.ctes.get(c)?;
            if cte.has_column_list {
                return None;
            }
            cte.body?
        }
        SourceKind::Derived(scope) => scope,
        _ => return None,
    };
    let scope = shape.scopes.get(body)?;
    let [only] = scope.sources.as_slice() else {
        return None;
    };
    let projection = scope.projection.clone()?;
    let passes = !shape.star_positions(projection.clone(), toks).is_empty()
        || select_items(shape, toks, projection).iter().any(|item| {
            bare_column(&toks[item.clone()]).is_some_and(|(_, c)| names_match(c, column))
        });
    if !passes {
        return None;
    }
    base_table(shape, toks, shape.sources.get(*only)?, column, depth + 1)
}

/// The items of a select list (or an ORDER BY), split at the commas outside parentheses.
fn select_items(
    shape: &QueryShape,
    toks: &[Tok],
    range: std::ops::Range<usize>,
) -> Vec<std::ops::Range<usize>> {
    let mut items = Vec::new();
    let mut start = range.start;
    let mut i = range.start;
    while i < range.end {
        if toks[i].is_punct("(") {
            i = shape.matching[i].map_or(i + 1, |c| c + 1);
            continue;
        }
        if toks[i].is_punct(",") {
            items.push(start..i);
            start = i + 1;
        }
        i += 1;
    }
    if start < range.end {
        items.push(start..range.end);
    }
    items
}

/// `column` or `qualifier.column`: (qualifier, the column's token).
fn bare_column(item: &[Tok]) -> Option<(Option<&Tok>, &Tok)> {
    match item {
        [c] if c.is_identifier_like() => Some((None, c)),
        [q, dot, c] if q.is_identifier_like() && dot.is_punct(".") && c.is_identifier_like() => {
            Some((Some(q), c))
        }
        _ => None,
    }
}

/// Whether a name token spells `column` (unquoted names fold to lower case).
fn names_match(token: &Tok, column: &str) -> bool {
    match token.kind {
        crate::sql::lex::TokKind::Word => token.text.eq_ignore_ascii_case(column),
        _ => token.text == column,
    }
}

/// ORDER BY items written as a position (`ORDER BY 1 DESC`) or an output alias
/// (`ORDER BY total`), resolved through the select list to the bare column they name.
fn order_by_references(
    shape: &QueryShape,
    toks: &[Tok],
    scope: usize,
    range: std::ops::Range<usize>,
) -> Vec<ColumnRef> {
    let Some(projection) = shape.scopes.get(scope).and_then(|s| s.projection.clone()) else {
        return Vec::new();
    };
    let outputs = select_items(shape, toks, projection);
    let mut out = Vec::new();
    for item in select_items(shape, toks, range) {
        let mut end = item.end;
        while end > item.start
            && toks[end - 1].is_any_kw(&["ASC", "DESC", "NULLS", "FIRST", "LAST"])
        {
            end -= 1;
        }
        let target = match &toks[item.start..end] {
            [n] if n.kind == crate::sql::lex::TokKind::Number => n
                .text
                .parse::<usize>()
                .ok()
                .and_then(|p| p.checked_sub(1))
                .and_then(|p| outputs.get(p))
                .cloned(),
            [alias] if alias.is_identifier_like() => outputs.iter().find_map(|o| {
                let tokens = &toks[o.clone()];
                // `expr AS alias` or `expr alias`, the expression a bare column.
                let (expr, last) = match tokens {
                    [rest @ .., as_kw, last] if as_kw.is_kw("AS") => (rest, last),
                    [rest @ .., last] if rest.len() == 1 || rest.len() == 3 => (rest, last),
                    _ => return None,
                };
                (names_match(alias, &last.text) || names_match(last, &alias.text))
                    .then(|| o.start..o.start + expr.len())
            }),
            _ => None,
        };
        let Some(target) = target else { continue };
        if let Some((qualifier, column)) = bare_column(&toks[target.clone()]) {
            out.push(ColumnRef {
                qualifier: qualifier.map(|q| q.text.clone()),
                column: column.text.clone(),
                at: target.end - 1,
            });
        }
    }
    out
}

/// The catalog table a name refers to: schema-qualified, or in `public`, or the only
/// table of that name.
fn catalog_table<'a>(snapshot: &'a Snapshot, name: &str) -> Option<&'a TableStat> {
    let unquoted = name.trim_matches('"');
    let (schema, table) = match unquoted.rsplit_once('.') {
        Some((schema, table)) => (Some(schema.trim_matches('"')), table.trim_matches('"')),
        None => (None, unquoted),
    };
    super::views::by_name(&snapshot.tables, schema, table, |t| (&t.schema, &t.name))
}

#[cfg(test)]
mod tests;
