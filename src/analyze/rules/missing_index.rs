//! `missing-index`: the workload filters a large table by columns no index leads with.

use crate::analyze::mssql_missing::MissingIndexRequest;
use crate::analyze::workload::{IndexCandidate, Verdict};
use crate::analyze::{live_finding, qualified, Thresholds};
use crate::declare_rule;
use crate::engine::{self, mssql, postgres};
use crate::model::{Category, Finding, Severity};

declare_rule! {
    /// ## What it finds
    /// PostgreSQL: statements among the top of `pg_stat_statements` that filter (equality, `IN`,
    /// range, `LIKE 'prefix%'`, join keys) or sort a table of at least 10,000 rows by
    /// columns no existing valid index leads with. Candidates from several statements
    /// with the same key are merged; equality columns are ordered by selectivity
    /// (`pg_stats`), sort columns follow, a range column comes last. When HypoPG is
    /// installed, each candidate is created as a hypothetical index in the audit session
    /// and the statements it serves are planned before and after: candidates saving
    /// under 30% of the plan cost are dropped, with the reason. Without HypoPG the
    /// candidate stays, marked unverified. A key takes a shape only when the planner
    /// confirms it: `INCLUDE` columns for an Index Only Scan of a hot narrow select, a
    /// partial `WHERE col IS [NOT] NULL` / boolean condition that few rows meet
    /// (`pg_stats`), `lower(col)`-style keys for allow-listed immutable built-ins, `DESC`
    /// for mixed sort directions.
    ///
    /// SQL Server: the optimizer's own requests (the missing-index DMVs), ranked as
    /// sp_BlitzIndex ranks them: `(user_seeks + user_scans) × avg_total_user_cost ×
    /// avg_user_impact` per day of min(uptime, table age), reported from 100,000 per day
    /// (high from 1,000,000). Equality columns come first (most selective first where
    /// column statistics allow), then inequality columns, then INCLUDE.
    ///
    /// ## Why it matters
    /// Without the index every call scans and filters the table (and sorts the result):
    /// cost grows with the table, not with the rows wanted.
    ///
    /// ## Example
    /// `SELECT ... FROM appointments WHERE client_id = $1 ORDER BY start_date DESC LIMIT
    /// 20`, 1,200 calls: candidate `appointments (client_id, start_date)`, verified cost
    /// 5,400 -> 12 (-99.8%).
    ///
    /// ## How to fix
    /// Create the index with the DDL given (`CREATE INDEX CONCURRENTLY ...`, which does
    /// not block writes), then confirm with `EXPLAIN (ANALYZE)` and watch the table's
    /// write rate: each index costs every insert and update. On SQL Server, merge
    /// requests on the same table and compare them with the existing indexes first: the
    /// DMVs record each query's wish separately, forget them at restart and when any
    /// index on the table changes, and keep at most 600.
    pub static MISSING_INDEX = {
        name: "missing-index",
        code: "DB012",
        category: Category::Indexing,
        default_severity: Severity::High,
        summary: "Workload filters a large table by columns no index leads with",
    };
}

pub fn findings(candidates: &[IndexCandidate]) -> Vec<Finding> {
    candidates
        .iter()
        .filter(|c| !matches!(c.verdict, Verdict::Rejected { .. }))
        .map(|c| {
            let table = qualified(&c.schema, &c.table);
            let uses: Vec<String> = {
                let mut all: Vec<String> = c.served.iter().flat_map(|s| s.uses.clone()).collect();
                all.sort();
                all.dedup();
                all
            };
            let (verified, mut metrics) = match &c.verdict {
                Verdict::Verified { saving, cost_before, cost_after } => (
                    format!("; verified with HypoPG: plan cost {cost_before:.0} -> {cost_after:.0} (-{:.0}%)", saving * 100.0),
                    vec![("cost_before", *cost_before), ("cost_after", *cost_after), ("saving", *saving)],
                ),
                Verdict::Unverified { reason } => (format!("; not verified ({reason})"), Vec::new()),
                Verdict::Rejected { reason } => (format!("; rejected by HypoPG ({reason})"), Vec::new()),
            };
            metrics.push(("calls", c.calls as f64));
            metrics.push(("total_time_ms", c.total_time_ms.round()));
            metrics.push(("table_rows", c.table_rows as f64));
            let mut finding = live_finding(
                &MISSING_INDEX,
                MISSING_INDEX.default_severity,
                table.clone(),
                format!(
                    "{} statement(s), {} calls, {:.0} ms in total, use {} on {table} ({} rows) and no index leads with ({}){verified}",
                    c.served.len(),
                    c.calls,
                    c.total_time_ms,
                    uses.join(", "),
                    c.table_rows,
                    c.shape.key_text(&c.key_columns)
                ),
                metrics,
                postgres::create_index_for(
                    &engine::index_name(&c.table, &c.key_columns, postgres::MAX_IDENTIFIER_BYTES),
                    &c.schema,
                    &c.table,
                    &c.key_columns,
                    &c.include_columns,
                    &c.shape,
                    c.partitioned,
                ),
            );
            if c.rows_estimated {
                finding.confidence.lower(
                    crate::model::ConfidenceLevel::Medium,
                    "the table's size is the planner's estimate (pg_class.reltuples): its statistics counters read 0, reset or never gathered",
                );
            }
            finding.evidence.snippet = Some(format!(
                "{table} ({}){}",
                c.shape.key_text(&c.key_columns),
                c.shape.predicate_text()
            ));
            finding.evidence.related = c
                .served
                .iter()
                .map(|s| crate::model::RelatedLocation {
                    file: None,
                    line: 0,
                    column: 0,
                    text: format!("queryid {} ({} calls): {}", s.queryid, s.calls, s.query),
                })
                .collect();
            finding
        })
        .collect()
}

/// SQL Server: one finding per missing-index request worth creating, ranked.
pub fn mssql_findings(requests: &[MissingIndexRequest], t: &Thresholds) -> Vec<Finding> {
    let count = requests.len();
    requests
        .iter()
        .enumerate()
        .map(|(rank, r)| {
            let table = qualified(&r.schema, &r.table);
            let severity = if r.benefit_per_day >= t.missing_index_high_benefit_per_day {
                Severity::High
            } else {
                Severity::Medium
            };
            let rows = r.table_rows.map_or(String::new(), |n| format!(" ({n} rows)"));
            let mut metrics = vec![
                ("rank", (rank + 1) as f64),
                ("benefit_per_day", r.benefit_per_day.round()),
                ("user_seeks", r.user_seeks as f64),
                ("user_scans", r.user_scans as f64),
                ("avg_total_user_cost", r.avg_total_user_cost),
                ("avg_user_impact", r.avg_user_impact),
                ("observed_days", (r.observed_days * 10.0).round() / 10.0),
            ];
            if let Some(rows) = r.table_rows {
                metrics.push(("table_rows", rows as f64));
            }
            let mut finding = live_finding(
                &MISSING_INDEX,
                severity,
                table.clone(),
                format!(
                    "#{} of {count} by estimated benefit: {:.0}/day ((seeks {} + scans {}) x cost {:.2} x impact {:.1}% over {:.1} days) for {}{rows}. The optimizer's request, not verified: the DMVs are cleared at restart and when an index on the table changes",
                    rank + 1,
                    r.benefit_per_day,
                    r.user_seeks,
                    r.user_scans,
                    r.avg_total_user_cost,
                    r.avg_user_impact,
                    r.observed_days,
                    r.describe()
                ),
                metrics,
                format!(
                    "Merge with the other requests on {} and check the existing indexes first, then: {}",
                    mssql::qualified(&r.schema, &r.table),
                    mssql::create_requested_index(&r.schema, &r.table, &r.key_columns, &r.include_columns)
                ),
            );
            finding.evidence.snippet = Some(r.describe());
            if !r.uptime_known {
                finding.confidence.lower(
                    crate::model::ConfidenceLevel::Medium,
                    "the server's start time is unknown: the benefit per day takes the counters as covering the table's age or one day, which overstates it on a server up for longer",
                );
            }
            if let Some(query) = &r.query_text {
                finding.evidence.related.push(crate::model::RelatedLocation {
                    file: None,
                    line: 0,
                    column: 0,
                    text: format!("requested by: {}", crate::model::finding::one_line(query, 200)),
                });
            }
            finding
        })
        .collect()
}
