//! `write-heavy-index`: an index written far more often than it is read.

use crate::analyze::{human_bytes, live_finding, qualified, Thresholds};
use crate::declare_rule;
use crate::model::snapshot::Snapshot;
use crate::model::{Category, Finding, Severity};

declare_rule! {
    /// ## What it finds
    /// A nonclustered index, not backing a primary key or unique constraint, that was
    /// read (seeks + scans + lookups) at least once but written more than 10 times as
    /// often, with at least 10,000 writes, since the server started
    /// (`sys.dm_db_index_usage_stats`; needs per-index write counts, so SQL Server only).
    /// Indexes never read are `unused-index`.
    ///
    /// ## Why it matters
    /// Every insert, delete and update of its columns maintains the index: log, locks
    /// and buffer-pool pages paid on every write for the occasional read that uses it.
    ///
    /// ## Example
    /// `IX_Notifications_CreatedDate`: 120 reads, 480,000 writes (4,000x).
    ///
    /// ## How to fix
    /// Find the queries that read it (plan cache, Query Store); if another index can
    /// serve them (perhaps widened), drop this one; otherwise accept the cost knowingly.
    /// The counters reset at restart: judge over a full business cycle.
    pub static WRITE_HEAVY_INDEX = {
        name: "write-heavy-index",
        code: "DB014",
        category: Category::Indexing,
        default_severity: Severity::Low,
        summary: "Index written far more often than it is read",
    };
}

pub fn check(snapshot: &Snapshot, t: &Thresholds) -> Vec<Finding> {
    snapshot
        .indexes
        .iter()
        .filter(|i| i.is_valid && i.access_method == "nonclustered")
        .filter(|i| !i.is_primary && !i.is_constraint)
        .filter_map(|i| Some((i, i.user_updates?)))
        .filter(|(i, writes)| {
            i.idx_scan > 0
                && *writes >= t.write_heavy_min_writes
                && *writes as f64 > t.write_heavy_ratio * i.idx_scan as f64
        })
        .map(|(i, writes)| {
            let ratio = writes as f64 / i.idx_scan as f64;
            live_finding(
                &WRITE_HEAVY_INDEX,
                WRITE_HEAVY_INDEX.default_severity,
                qualified(&i.schema, &i.name),
                format!(
                    "{} on {} ({}): {writes} writes for {} reads ({ratio:.0}x) since the server started",
                    i.name,
                    qualified(&i.schema, &i.table),
                    human_bytes(i.bytes),
                    i.idx_scan
                ),
                vec![
                    ("user_updates", writes as f64),
                    ("reads", i.idx_scan as f64),
                    ("writes_per_read", ratio.round()),
                ],
                format!(
                    "Find the queries that read {} (plan cache, Query Store); if another index can serve them, drop it after a business cycle",
                    i.name
                ),
            )
        })
        .collect()
}
