//! `heap-forwarded-fetches`: a heap whose reads follow forwarding pointers.

use crate::analyze::{human_bytes, live_finding, qualified, Thresholds};
use crate::declare_rule;
use crate::model::snapshot::Snapshot;
use crate::model::{Category, Finding, Severity};

declare_rule! {
    /// ## What it finds
    /// A table without a clustered index (a heap) with forwarded fetches since the
    /// server started (`sys.dm_db_index_operational_stats`), as sp_BlitzIndex reports
    /// them; high severity from 100,000.
    ///
    /// ## Why it matters
    /// When an update makes a heap row too long for its page, SQL Server moves the row
    /// and leaves a forwarding pointer: every later read of that row costs a second
    /// page read, and scans jump around the file. Heaps also never reclaim space from
    /// deletes without a rebuild.
    ///
    /// ## Example
    /// `dbo.Notifications`: a heap of 2,000,000 rows, 2,400,000 forwarded fetches.
    ///
    /// ## How to fix
    /// Give the table a clustered index (usually on its identity or the key it is read
    /// by): `CREATE CLUSTERED INDEX ... ON dbo.Notifications (NotificationId);`.
    /// `ALTER TABLE ... REBUILD` removes the pointers only until rows grow again.
    pub static HEAP_FORWARDED_FETCHES = {
        name: "heap-forwarded-fetches",
        code: "DB015",
        category: Category::Indexing,
        default_severity: Severity::Medium,
        summary: "Heap whose reads follow forwarding pointers to moved rows",
    };
}

pub fn check(snapshot: &Snapshot, t: &Thresholds) -> Vec<Finding> {
    snapshot
        .tables
        .iter()
        .filter(|table| table.is_heap == Some(true))
        .filter_map(|table| Some((table, table.forwarded_fetches?)))
        .filter(|(_, fetches)| *fetches >= t.heap_forwarded_fetches_min)
        .map(|(table, fetches)| {
            let severity = if fetches >= t.heap_forwarded_fetches_high {
                Severity::High
            } else {
                HEAP_FORWARDED_FETCHES.default_severity
            };
            live_finding(
                &HEAP_FORWARDED_FETCHES,
                severity,
                qualified(&table.schema, &table.name),
                format!(
                    "{} is a heap ({} rows, {}) with {fetches} forwarded fetches since the server started: each is a second page read for a row an update moved",
                    qualified(&table.schema, &table.name),
                    table.live_rows,
                    human_bytes(table.total_bytes)
                ),
                vec![
                    ("forwarded_fetches", fetches as f64),
                    ("live_rows", table.live_rows as f64),
                ],
                format!(
                    "Create a clustered index on {} (its identity or the key it is read by); ALTER TABLE ... REBUILD only removes the pointers until rows grow again",
                    crate::engine::mssql::qualified(&table.schema, &table.name)
                ),
            )
        })
        .collect()
}
