//! `invalid-index`: an index left invalid by a failed CREATE INDEX CONCURRENTLY.

use crate::analyze::{human_bytes, live_finding, qualified, Thresholds};
use crate::declare_rule;
use crate::engine::postgres;
use crate::model::snapshot::Snapshot;
use crate::model::{Category, Finding, Severity};

declare_rule! {
    /// ## What it finds
    /// An index marked invalid (`pg_index.indisvalid = false`), typically left behind by
    /// a `CREATE INDEX CONCURRENTLY` or `REINDEX CONCURRENTLY` that failed (a duplicate
    /// key, a deadlock, a cancelled session).
    ///
    /// ## Why it matters
    /// The planner never uses it, yet every write still maintains it: all of an index's
    /// cost and none of its benefit. A unique one enforces nothing reliable.
    ///
    /// ## Example
    /// `appointments.ix_appointments_status` is invalid after a failed concurrent build.
    ///
    /// ## How to fix
    /// `DROP INDEX CONCURRENTLY` it and build it again (after fixing the duplicates for
    /// a unique index), or `REINDEX INDEX CONCURRENTLY` it.
    pub static INVALID_INDEX = {
        name: "invalid-index",
        code: "DB006",
        category: Category::Indexing,
        default_severity: Severity::High,
        summary: "Invalid index: maintained on every write, never used",
    };
}

pub fn check(snapshot: &Snapshot, _t: &Thresholds) -> Vec<Finding> {
    // SQL Server has no invalid indexes: a disabled one is neither maintained nor used.
    if snapshot.is_mssql() {
        return Vec::new();
    }
    snapshot
        .indexes
        .iter()
        .filter(|i| !i.is_valid)
        .map(|i| {
            live_finding(
                &INVALID_INDEX,
                INVALID_INDEX.default_severity,
                qualified(&i.schema, &i.name),
                format!(
                    "{} on {} ({}) is invalid: writes maintain it but the planner never uses it",
                    i.name,
                    qualified(&i.schema, &i.table),
                    human_bytes(i.bytes)
                ),
                vec![("bytes", i.bytes as f64)],
                format!(
                    "{} then recreate it ({}) or rebuild it in place: {}",
                    postgres::drop_index_concurrently(&i.schema, &i.name, false),
                    if postgres::is_single_create_index(&i.definition) {
                        i.definition.as_str()
                    } else {
                        "its definition in the snapshot is not one CREATE INDEX statement, so it is not repeated here"
                    },
                    postgres::reindex_index_concurrently(&i.schema, &i.name)
                ),
            )
        })
        .collect()
}
