//! `slow-query`: statements slow on average and called often (pg_stat_statements).

use crate::analyze::{live_finding, Thresholds};
use crate::declare_rule;
use crate::model::snapshot::Snapshot;
use crate::model::{Category, Finding, Severity};

declare_rule! {
    /// ## What it finds
    /// Statements from `pg_stat_statements` (SQL Server: the top of
    /// `sys.dm_exec_query_stats`) whose mean execution time is at least 20 ms
    /// with at least 100 calls (PgHero's defaults, configurable), ranked by total time,
    /// with each one's share of the total time of all statements.
    ///
    /// ## Why it matters
    /// A statement that is both slow and frequent holds connections and CPU for a large
    /// share of the server's time; its share of total time says how much of the load one
    /// fix would remove.
    ///
    /// ## Example
    /// `SELECT ... FROM appointments WHERE client_id = $1 ORDER BY start_date DESC`:
    /// 1,200 calls, 48 ms mean, 31% of all statement time.
    ///
    /// ## How to fix
    /// `EXPLAIN (ANALYZE, BUFFERS)` it with typical parameters; look for sequential scans
    /// and sorts that an index would remove (see the `missing-index` findings), for
    /// non-sargable predicates, and for rows fetched and then discarded.
    pub static SLOW_QUERY = {
        name: "slow-query",
        code: "DB002",
        category: Category::RuntimeHotspots,
        default_severity: Severity::High,
        summary: "Statement slow on average and called often",
    };
}

pub fn check(snapshot: &Snapshot, t: &Thresholds) -> Vec<Finding> {
    let total: f64 = snapshot.statements.iter().map(|s| s.total_time_ms).sum();
    let mut slow: Vec<_> = snapshot
        .statements
        .iter()
        .filter(|s| s.mean_time_ms >= t.slow_query_ms && s.calls >= t.slow_query_calls)
        .collect();
    slow.sort_by(|a, b| b.total_time_ms.total_cmp(&a.total_time_ms));
    slow.iter()
        .enumerate()
        .map(|(rank, s)| {
            let share = if total > 0.0 { 100.0 * s.total_time_ms / total } else { 0.0 };
            let text: String = s.query.split_whitespace().collect::<Vec<_>>().join(" ");
            let short: String = text.chars().take(160).collect();
            let mut finding = live_finding(
                &SLOW_QUERY,
                SLOW_QUERY.default_severity,
                format!("queryid {}", s.queryid),
                format!(
                    "#{} by total time: {} calls, {:.1} ms mean, {:.0} ms total ({:.1}% of all statement time): {}",
                    rank + 1,
                    s.calls,
                    s.mean_time_ms,
                    s.total_time_ms,
                    share,
                    short
                ),
                vec![
                    ("calls", s.calls as f64),
                    ("mean_time_ms", (s.mean_time_ms * 100.0).round() / 100.0),
                    ("total_time_ms", s.total_time_ms.round()),
                    ("share_of_total_pct", (share * 10.0).round() / 10.0),
                ],
                if snapshot.is_mssql() {
                    "Look at its actual execution plan with typical parameters (SET STATISTICS IO, TIME ON); add the index it needs (see missing-index) or make its predicates sargable".into()
                } else {
                    "EXPLAIN (ANALYZE, BUFFERS) it with typical parameters; add the index it needs (see missing-index) or make its predicates sargable".into()
                },
            );
            finding.evidence.snippet = Some(text);
            finding
        })
        .collect()
}
