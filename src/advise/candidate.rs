//! Index candidates from every source, in one engine-neutral shape: the workload's
//! statements (PostgreSQL, verified with HypoPG where possible), the engine's own
//! missing-index hints (SQL Server), and the static join of the procedures in the
//! scanned source with the snapshot's tables and indexes.

use std::collections::BTreeMap;

use crate::analyze::workload::{self, IndexCandidate, Verdict};
use crate::analyze::Thresholds;
use crate::model::recommendation::{BenefitBasis, DroppedCandidate, IndexShape, Served};
use crate::model::snapshot::{days_text, Snapshot, TableStat};
use crate::model::{ObjectFact, PredicateUse};

use super::AdvisorConfig;

/// One index someone asked for: the workload, the engine or a procedure.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub schema: String,
    pub table: String,
    pub key_columns: Vec<String>,
    pub include_columns: Vec<String>,
    /// DESC keys, function keys, a partial condition (the workload's, confirmed by HypoPG).
    pub shape: IndexShape,
    /// Per day, in the unit of the engine (see `AdvisorConfig` docs).
    pub benefit: f64,
    pub basis: BenefitBasis,
    /// How `benefit` was computed, in words.
    pub explanation: String,
    pub served: Vec<Served>,
    pub table_rows: i64,
}

/// What the benefits are divided by: the days the snapshot's counters cover when they
/// cover at least one (a rate per day), else 1, so that a window of a few hours gives its
/// total, never an extrapolation to a day (one day when unknown).
pub fn stats_days(snapshot: &Snapshot) -> f64 {
    window_days(snapshot).max(1.0)
}

/// Days the snapshot's counters cover (1 when unknown), for the explanations.
fn window_days(snapshot: &Snapshot) -> f64 {
    snapshot
        .manifest
        .stats_age_seconds
        .filter(|s| s.is_finite() && *s > 0.0)
        .map(|s| s / 86_400.0)
        .unwrap_or(1.0)
}

/// Hours the counters cover when that is under a day: the benefits are then totals over
/// the window, not rates per day.
pub fn short_window_hours(snapshot: &Snapshot) -> Option<f64> {
    snapshot
        .manifest
        .stats_age_seconds
        .filter(|s| s.is_finite() && *s > 0.0 && *s < 86_400.0)
        .map(|s| s / 3600.0)
}

/// "ms/day", or "ms in those 5.2 hours (not extrapolated to a day)".
fn per(snapshot: &Snapshot) -> String {
    match short_window_hours(snapshot) {
        Some(hours) => format!("ms in those {hours:.1} hours (not extrapolated to a day)"),
        None => "ms/day".to_string(),
    }
}

/// The workload's candidates (PostgreSQL): benefit = time of the statements served ×
/// the share of plan cost HypoPG says the index saves (or the configured assumption
/// when unverified), per day. Candidates HypoPG rejected are dropped with its reason.
pub fn from_workload(
    snapshot: &Snapshot,
    candidates: &[IndexCandidate],
    config: &AdvisorConfig,
) -> (Vec<Candidate>, Vec<DroppedCandidate>) {
    let days = stats_days(snapshot);
    let mut kept = Vec::new();
    let mut dropped = Vec::new();
    for c in candidates {
        let served: Vec<Served> = c.served.iter().map(served_statement).collect();
        let (share, basis, how) = match &c.verdict {
            Verdict::Rejected { reason } => {
                dropped.push(DroppedCandidate {
                    schema: c.schema.clone(),
                    table: c.table.clone(),
                    key_columns: c.key_columns.clone(),
                    include_columns: Vec::new(),
                    shape: c.shape.clone(),
                    reason: format!("HypoPG: {reason}{}", shape_notes(&c.shape_notes)),
                    covered_by: None,
                    served,
                });
                continue;
            }
            Verdict::Verified {
                saving,
                cost_before,
                cost_after,
            } => (
                *saving,
                BenefitBasis::Verified {
                    saving: *saving,
                    cost_before: *cost_before,
                    cost_after: *cost_after,
                },
                format!(
                    "HypoPG: plan cost {cost_before:.0} -> {cost_after:.0} saves {:.0}%",
                    saving * 100.0
                ),
            ),
            Verdict::Unverified { reason } => (
                config.unverified_saving,
                BenefitBasis::Unverified {
                    reason: reason.clone(),
                },
                format!(
                    "not verified ({reason}): {:.0}% assumed saved",
                    config.unverified_saving * 100.0
                ),
            ),
        };
        let benefit = share * c.total_time_ms / days;
        kept.push(Candidate {
            schema: c.schema.clone(),
            table: c.table.clone(),
            key_columns: c.key_columns.clone(),
            include_columns: c.include_columns.clone(),
            shape: c.shape.clone(),
            benefit,
            basis,
            explanation: format!(
                "{how} of {:.0} ms over {} = {benefit:.0} {}{}{}",
                c.total_time_ms,
                days_text(window_days(snapshot)),
                per(snapshot),
                c.size_note
                    .as_deref()
                    .map(|note| format!(" (table size: {note})"))
                    .unwrap_or_default(),
                shape_notes(&c.shape_notes)
            ),
            served,
            table_rows: c.table_rows,
        });
    }
    (kept, dropped)
}

/// The reasons each index shape was or was not taken, after the explanation.
fn shape_notes(notes: &[String]) -> String {
    if notes.is_empty() {
        String::new()
    } else {
        format!(" (index shape: {})", notes.join("; "))
    }
}

fn served_statement(s: &workload::Served) -> Served {
    Served::Statement {
        queryid: s.queryid.clone(),
        calls: s.calls,
        total_time_ms: s.total_time_ms,
        uses: s.uses.clone(),
        query: s.query.clone(),
    }
}

/// SQL Server's missing-index requests (already ordered: equality columns by
/// selectivity, then inequality; INCLUDE apart), with the engine's own estimate as the
/// benefit: (user seeks + scans) × avg total user cost × avg user impact per day.
pub fn from_missing_index(
    requests: &[crate::analyze::mssql_missing::MissingIndexRequest],
) -> Vec<Candidate> {
    requests
        .iter()
        .map(|r| Candidate {
            schema: r.schema.clone(),
            table: r.table.clone(),
            key_columns: r.key_columns.clone(),
            include_columns: r.include_columns.clone(),
            shape: IndexShape::default(),
            benefit: r.benefit_per_day,
            basis: BenefitBasis::EngineEstimate,
            explanation: format!(
                "missing-index DMVs: ({} seeks + {} scans) × cost {:.2} × impact {:.1}% over {} = {:.0}/day",
                r.user_seeks,
                r.user_scans,
                r.avg_total_user_cost,
                r.avg_user_impact,
                days_text(r.observed_days),
                r.benefit_per_day
            ),
            served: vec![Served::EngineHint {
                hint: format!(
                    "equality [{}], inequality [{}], include [{}]",
                    r.equality_columns.join(", "),
                    r.inequality_columns.join(", "),
                    r.include_columns.join(", ")
                ),
                user_seeks: r.user_seeks,
                user_scans: r.user_scans,
                avg_total_user_cost: r.avg_total_user_cost,
                avg_user_impact: r.avg_user_impact,
                query: r.query_text.as_deref().map(|q| crate::model::finding::one_line(q, 200)),
            }],
            table_rows: r.table_rows.unwrap_or(0),
        })
        .collect()
}

/// What the static join saw, for the report's "what was not checked".
#[derive(Debug, Default, Clone, PartialEq)]
pub struct StaticJoinSummary {
    pub objects_considered: usize,
    /// Objects written for the other engine (T-SQL against PostgreSQL, say).
    pub objects_other_dialect: usize,
    /// Table names used in predicates that the snapshot does not have.
    pub unknown_tables: Vec<String>,
}

/// The static join: every procedure / function of the scanned source (in the snapshot's
/// dialect) that filters, joins or sorts a large table is a candidate on the columns it
/// uses, with the procedure and line as evidence. Whether an existing index already
/// serves it is the advisor's next step, which says so.
pub fn from_objects(
    snapshot: &Snapshot,
    objects: &[ObjectFact],
    thresholds: &Thresholds,
    config: &AdvisorConfig,
) -> (Vec<Candidate>, StaticJoinSummary) {
    let dialect = match snapshot.manifest.engine.as_str() {
        "mssql" => "tsql",
        _ => "postgresql",
    };
    let days = stats_days(snapshot);
    let mut summary = StaticJoinSummary::default();
    let mut out = Vec::new();
    let mut unknown = std::collections::BTreeSet::new();
    for object in objects {
        if object.dialect != dialect {
            summary.objects_other_dialect += 1;
            continue;
        }
        summary.objects_considered += 1;
        // (schema, table) -> the object's uses of that table's columns.
        let mut per_table: BTreeMap<(String, String), Vec<ColumnUse>> = BTreeMap::new();
        for p in &object.predicates {
            let Some(table) = resolve_table(snapshot, &p.table) else {
                if !p.table.starts_with('#') && !p.table.starts_with('@') {
                    unknown.insert(p.table.clone());
                }
                continue;
            };
            let Some(column) = catalog_column(snapshot, table, &p.column) else {
                continue;
            };
            per_table
                .entry((table.schema.clone(), table.name.clone()))
                .or_default()
                .push((column, p.usage, p.line));
        }
        for ((schema, name), uses) in per_table {
            let Some(table) = snapshot.table(&schema, &name) else {
                continue;
            };
            let (rows, _) = workload::table_rows(snapshot, table);
            if rows < thresholds.missing_index_min_rows {
                continue;
            }
            let Some(key) = static_key(snapshot, table, &uses, thresholds) else {
                continue;
            };
            let line = uses.iter().map(|u| u.2).min().unwrap_or(object.line);
            let labels: Vec<String> = uses.iter().map(|(c, u, _)| u.label(c)).collect();
            let (benefit, explanation) = match procedure_time(snapshot, &object.name) {
                // SQL Server ranks by the DMVs' measure, not milliseconds: a procedure's
                // time cannot be added to it, so it is told, not counted.
                Some(total_ms) if snapshot.is_mssql() => (
                    0.0,
                    format!(
                        "static join: {} filters {} ({} rows) by these columns and ran {total_ms:.0} ms over {}; no missing-index request backs it",
                        object.name,
                        table.name,
                        rows,
                        days_text(window_days(snapshot))
                    ),
                ),
                Some(total_ms) => {
                    let benefit = config.static_saving * total_ms / days;
                    (
                        benefit,
                        format!(
                            "static join: {:.0}% of the {total_ms:.0} ms {} ran over {} assumed saved = {benefit:.0} {}",
                            config.static_saving * 100.0,
                            object.name,
                            days_text(window_days(snapshot)),
                            per(snapshot)
                        ),
                    )
                }
                None => (
                    0.0,
                    format!(
                        "static join only: {} filters {} ({} rows) by these columns; no runtime statistics for it in the snapshot",
                        object.name, table.name, rows
                    ),
                ),
            };
            out.push(Candidate {
                schema: table.schema.clone(),
                table: table.name.clone(),
                key_columns: key,
                include_columns: Vec::new(),
                shape: IndexShape::default(),
                benefit,
                basis: BenefitBasis::Static,
                explanation,
                served: vec![Served::Procedure {
                    object: object.name.clone(),
                    file: object.file.clone(),
                    line,
                    uses: dedup(labels),
                }],
                table_rows: rows,
            });
        }
    }
    summary.unknown_tables = unknown.into_iter().collect();
    (out, summary)
}

/// A column of a table, how a procedure uses it, and the line.
type ColumnUse<'a> = (&'a str, PredicateUse, u32);

/// Equality / IN columns by selectivity, then ORDER BY columns, then one range column;
/// join keys only when nothing else filters the table (the inner side of a join).
fn static_key(
    snapshot: &Snapshot,
    table: &TableStat,
    uses: &[ColumnUse],
    thresholds: &Thresholds,
) -> Option<Vec<String>> {
    let of = |kinds: &[PredicateUse]| -> Vec<String> {
        dedup(
            uses.iter()
                .filter(|u| kinds.contains(&u.1))
                .map(|u| u.0.to_string())
                .collect(),
        )
    };
    let mut equality = of(&[PredicateUse::Equality, PredicateUse::In]);
    let range = of(&[PredicateUse::Range, PredicateUse::LikePrefix]);
    if equality.is_empty() && range.is_empty() {
        equality = of(&[PredicateUse::Join]);
    }
    equality.sort_by(|a, b| {
        let da = workload::distinct(snapshot, table, a).unwrap_or(0.0);
        let db = workload::distinct(snapshot, table, b).unwrap_or(0.0);
        db.total_cmp(&da).then(a.cmp(b))
    });
    let mut key = equality;
    for column in of(&[PredicateUse::OrderBy]) {
        if !key.contains(&column) {
            key.push(column);
        }
    }
    if let Some(column) = range.into_iter().find(|c| !key.contains(c)) {
        key.push(column);
    }
    key.truncate(thresholds.missing_index_max_columns);
    (!key.is_empty()).then_some(key)
}

fn dedup(mut items: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    items.retain(|i| seen.insert(i.clone()));
    items
}

/// A table named in source (`dbo.Appointments`, `appointments`, `"Sales"."Order"`) in the
/// snapshot: exact, then ignoring case (SQL Server's default collation, PostgreSQL's
/// folding of unquoted names), in the engine's default schema when unqualified, else the
/// only table of that name.
pub fn resolve_table<'a>(snapshot: &'a Snapshot, name: &str) -> Option<&'a TableStat> {
    let clean: String = name
        .chars()
        .filter(|c| !matches!(c, '"' | '[' | ']'))
        .collect();
    let parts: Vec<&str> = clean.split('.').collect();
    let (schema, table) = match parts.as_slice() {
        [table] => (None, *table),
        [.., schema, table] => (Some(*schema), *table),
        [] => return None,
    };
    let default_schema = if snapshot.is_mssql() { "dbo" } else { "public" };
    let find = |schema: &str| {
        snapshot.table(schema, table).or_else(|| {
            snapshot.tables.iter().find(|t| {
                t.schema.eq_ignore_ascii_case(schema) && t.name.eq_ignore_ascii_case(table)
            })
        })
    };
    match schema {
        Some(schema) => find(schema),
        None => find(default_schema).or_else(|| {
            let mut matches = snapshot
                .tables
                .iter()
                .filter(|t| t.name.eq_ignore_ascii_case(table));
            let first = matches.next()?;
            matches.next().is_none().then_some(first)
        }),
    }
}

/// The catalog's spelling of a column of `table` (ignoring case); the name as written
/// when the snapshot has no column list.
fn catalog_column<'a>(
    snapshot: &'a Snapshot,
    table: &TableStat,
    column: &'a str,
) -> Option<&'a str> {
    let clean = column.trim_matches(|c| matches!(c, '"' | '[' | ']'));
    let mut columns = snapshot
        .columns
        .iter()
        .filter(|c| c.schema == table.schema && c.table == table.name)
        .peekable();
    if columns.peek().is_none() {
        return Some(clean);
    }
    let mut fallback = None;
    for c in columns {
        if c.name == clean {
            return Some(c.name.as_str());
        }
        if fallback.is_none() && c.name.eq_ignore_ascii_case(clean) {
            fallback = Some(c.name.as_str());
        }
    }
    fallback
}

/// Total time (ms) of the procedure or function `name` in the snapshot's statistics.
fn procedure_time(snapshot: &Snapshot, name: &str) -> Option<f64> {
    let clean: String = name
        .chars()
        .filter(|c| !matches!(c, '"' | '[' | ']'))
        .collect();
    let (schema, function) = match clean.rsplit_once('.') {
        Some((schema, function)) => (Some(schema.to_string()), function.to_string()),
        None => (None, clean.clone()),
    };
    let schema_matches = |s: &str| schema.as_deref().is_none_or(|x| x.eq_ignore_ascii_case(s));
    let function_time = snapshot
        .functions
        .iter()
        .find(|f| f.name.eq_ignore_ascii_case(&function) && schema_matches(&f.schema))
        .map(|f| f.total_time_ms);
    let procedure_time = || {
        snapshot
            .procedures
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(&function) && schema_matches(&p.schema))
            .map(|p| p.total_elapsed_ms)
    };
    function_time.or_else(procedure_time).filter(|t| *t > 0.0)
}
