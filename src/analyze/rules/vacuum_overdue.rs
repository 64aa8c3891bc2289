//! `vacuum-overdue`: dead rows pile up faster than vacuum removes them.

use crate::analyze::{live_finding, qualified, Thresholds};
use crate::declare_rule;
use crate::engine::postgres;
use crate::model::snapshot::Snapshot;
use crate::model::{Category, Finding, Severity};

declare_rule! {
    /// ## What it finds
    /// A table whose dead rows are over 20% of its rows (at least 1,000 of them), with the
    /// time since its last (auto)vacuum and (auto)analyze.
    ///
    /// ## Why it matters
    /// Dead rows bloat the table and its indexes: scans read pages full of garbage,
    /// index-only scans fall back to the heap, and plans built on stale statistics drift.
    ///
    /// ## Example
    /// `notifications`: 45,000 dead rows (31%), last autovacuum 9 days ago.
    ///
    /// ## How to fix
    /// Run `VACUUM (ANALYZE)` on it now; then lower its
    /// `autovacuum_vacuum_scale_factor` (for example to 0.02) or raise autovacuum's cost
    /// limit, and look for long-running transactions that hold vacuum back.
    pub static VACUUM_OVERDUE = {
        name: "vacuum-overdue",
        code: "DB009",
        category: Category::RuntimeHotspots,
        default_severity: Severity::Medium,
        summary: "Dead rows pile up: vacuum is behind",
    };
}

pub fn check(snapshot: &Snapshot, t: &Thresholds) -> Vec<Finding> {
    snapshot
        .tables
        .iter()
        .filter(|table| table.dead_rows >= t.vacuum_min_dead_rows)
        .filter_map(|table| {
            let ratio = table.dead_rows as f64 / (table.live_rows + table.dead_rows).max(1) as f64;
            (ratio >= t.vacuum_dead_ratio).then(|| {
                let last = match table.vacuum_age_seconds {
                    Some(s) => format!("last vacuumed {:.1} days ago", s / 86_400.0),
                    None => "never vacuumed since the statistics were reset".to_string(),
                };
                live_finding(
                    &VACUUM_OVERDUE,
                    VACUUM_OVERDUE.default_severity,
                    qualified(&table.schema, &table.name),
                    format!(
                        "{} has {} dead rows ({:.0}% of its rows), {last}",
                        qualified(&table.schema, &table.name),
                        table.dead_rows,
                        ratio * 100.0
                    ),
                    vec![("dead_rows", table.dead_rows as f64), ("dead_ratio", (ratio * 1000.0).round() / 1000.0)],
                    format!(
                        "{} then tune its autovacuum_vacuum_scale_factor and check for long transactions",
                        postgres::vacuum_analyze(&table.schema, &table.name)
                    ),
                )
            })
        })
        .collect()
}
