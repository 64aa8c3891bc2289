//! `stale-statistics`: statistics with many modifications since their last update.

use crate::analyze::{live_finding, qualified, Thresholds};
use crate::declare_rule;
use crate::engine::mssql;
use crate::model::snapshot::Snapshot;
use crate::model::{Category, Finding, Severity};

declare_rule! {
    /// ## What it finds
    /// Statistics (`sys.dm_db_stats_properties`) of tables with at least 1,000 rows
    /// whose modification counter since the last update exceeds 500 + 20% of the rows,
    /// SQL Server's classic auto-update threshold (2016+ updates large tables sooner, so
    /// statistics past it were missed: auto-update off, or no query compiled since).
    /// High severity when the modifications reach the row count.
    ///
    /// ## Why it matters
    /// The optimizer estimates row counts from the histogram: stale statistics (new
    /// date ranges, skewed new values) give wrong estimates, hence wrong join types,
    /// memory grants and scans where seeks would do.
    ///
    /// ## Example
    /// `IX_Appointments_StartDate` on `dbo.Appointments`: 410,000 modifications on
    /// 900,000 rows since it was last updated 41 days ago.
    ///
    /// ## How to fix
    /// `UPDATE STATISTICS [dbo].[Appointments] [IX_Appointments_StartDate];` now, then
    /// schedule statistics maintenance (e.g. Ola Hallengren's IndexOptimize with
    /// `@UpdateStatistics = 'ALL', @OnlyModifiedStatistics = 'Y'`) and check that
    /// `AUTO_UPDATE_STATISTICS` is on.
    pub static STALE_STATISTICS = {
        name: "stale-statistics",
        code: "DB017",
        category: Category::Indexing,
        default_severity: Severity::Medium,
        summary: "Statistics with many modifications since their last update",
    };
}

pub fn check(snapshot: &Snapshot, t: &Thresholds) -> Vec<Finding> {
    snapshot
        .statistics
        .iter()
        .filter_map(|s| Some((s, s.rows?, s.modification_counter?)))
        .filter(|(_, rows, _)| *rows >= t.stale_statistics_min_rows)
        .filter(|(_, rows, modified)| {
            *modified as f64 >= 500.0 + t.stale_statistics_modified_pct / 100.0 * *rows as f64
        })
        .map(|(s, rows, modified)| {
            let severity = if modified >= rows {
                Severity::High
            } else {
                STALE_STATISTICS.default_severity
            };
            let pct = 100.0 * modified as f64 / rows as f64;
            let updated = match (&s.last_updated, s.age_seconds) {
                (Some(when), Some(age)) => {
                    format!(" since it was last updated {when} ({:.0} days ago)", age / 86_400.0)
                }
                (Some(when), None) => format!(" since it was last updated {when}"),
                _ => String::new(),
            };
            let mut metrics = vec![
                ("modification_counter", modified as f64),
                ("rows", rows as f64),
                ("modified_pct", (pct * 10.0).round() / 10.0),
            ];
            if let Some(age) = s.age_seconds {
                metrics.push(("age_days", (age / 86_400.0 * 10.0).round() / 10.0));
            }
            live_finding(
                &STALE_STATISTICS,
                severity,
                format!("{}.{}", qualified(&s.schema, &s.table), s.name),
                format!(
                    "statistics {} on {} ({}): {modified} modifications on {rows} rows ({pct:.0}%){updated}",
                    s.name,
                    qualified(&s.schema, &s.table),
                    s.columns
                ),
                metrics,
                format!(
                    "{} then schedule statistics maintenance and check AUTO_UPDATE_STATISTICS",
                    mssql::update_statistics(&s.schema, &s.table, &s.name)
                ),
            )
        })
        .collect()
}
