//! `missing-index`: the workload filters a large table by columns no index leads with.

use crate::advise::ddl::postgres_create_index;
use crate::analyze::workload::{IndexCandidate, Verdict};
use crate::analyze::{live_finding, qualified};
use crate::declare_rule;
use crate::model::{Category, Finding, Severity};

declare_rule! {
    /// ## What it finds
    /// Statements among the top of `pg_stat_statements` that filter (equality, `IN`,
    /// range, `LIKE 'prefix%'`, join keys) or sort a table of at least 10,000 rows by
    /// columns no existing valid index leads with. Candidates from several statements
    /// with the same key are merged; equality columns are ordered by selectivity
    /// (`pg_stats`), sort columns follow, a range column comes last. When HypoPG is
    /// installed, each candidate is created as a hypothetical index in the audit session
    /// and the statements it serves are planned before and after: candidates saving
    /// under 30% of the plan cost are dropped, with the reason. Without HypoPG the
    /// candidate stays, marked unverified.
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
    /// write rate: each index costs every insert and update.
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
                _ => ("; not verified (HypoPG not available)".to_string(), Vec::new()),
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
                    c.key_columns.join(", ")
                ),
                metrics,
                postgres_create_index(&c.schema, &c.table, &c.key_columns, &[]),
            );
            finding.evidence.snippet = Some(format!("{table} ({})", c.key_columns.join(", ")));
            finding.evidence.related = c
                .served
                .iter()
                .map(|s| crate::model::RelatedLocation {
                    line: 0,
                    column: 0,
                    text: format!("queryid {} ({} calls): {}", s.queryid, s.calls, s.query),
                })
                .collect();
            finding
        })
        .collect()
}
