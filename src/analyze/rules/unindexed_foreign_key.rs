//! `unindexed-foreign-key`: a foreign key whose columns lead no index.

use crate::analyze::{live_finding, qualified, Thresholds};
use crate::declare_rule;
use crate::engine::{self, mssql, postgres};
use crate::model::snapshot::Snapshot;
use crate::model::{Category, Finding, Severity};

declare_rule! {
    /// ## What it finds
    /// A foreign key whose referencing columns are not the leading columns (in any order)
    /// of a valid index on the referencing table, on a table of at least 1,000 rows.
    ///
    /// ## Why it matters
    /// Deleting or updating a referenced row makes the database (PostgreSQL or SQL
    /// Server alike) look for referencing rows:
    /// without an index that is a sequential scan of the referencing table per parent row,
    /// under a lock. Joins from the parent to its children scan too.
    ///
    /// ## Example
    /// `payments.provider_id` references `service_providers` with no index on
    /// `payments (provider_id)`.
    ///
    /// ## How to fix
    /// `CREATE INDEX CONCURRENTLY ON payments (provider_id);`
    pub static UNINDEXED_FOREIGN_KEY = {
        name: "unindexed-foreign-key",
        code: "DB007",
        category: Category::Indexing,
        default_severity: Severity::Medium,
        summary: "Foreign key whose columns lead no index",
    };
}

pub fn check(snapshot: &Snapshot, t: &Thresholds) -> Vec<Finding> {
    let mut out = Vec::new();
    for fk in &snapshot.foreign_keys {
        let columns = fk.column_list();
        if columns.is_empty() {
            continue;
        }
        let rows = snapshot
            .table(&fk.schema, &fk.table)
            .map_or(0, |t| t.live_rows);
        if rows < t.foreign_key_min_rows {
            continue;
        }
        let indexed = snapshot
            .indexes
            .iter()
            .filter(|i| {
                i.is_valid && i.schema == fk.schema && i.table == fk.table && i.predicate.is_none()
            })
            .any(|i| {
                let keys = snapshot.index_keys(i);
                keys.len() >= columns.len()
                    && columns.iter().all(|c| {
                        keys[..columns.len()]
                            .iter()
                            .any(|k| k.as_deref() == Some(c.as_str()))
                    })
            });
        if indexed {
            continue;
        }
        out.push(live_finding(
            &UNINDEXED_FOREIGN_KEY,
            UNINDEXED_FOREIGN_KEY.default_severity,
            qualified(&fk.schema, &fk.table),
            format!(
                "foreign key {} on {} ({}) references {} but no index leads with ({}): deletes and updates of referenced rows scan {} rows",
                fk.name,
                qualified(&fk.schema, &fk.table),
                columns.join(", "),
                qualified(&fk.referenced_schema, &fk.referenced_table),
                columns.join(", "),
                rows
            ),
            vec![("live_rows", rows as f64)],
            if snapshot.is_mssql() {
                mssql::create_requested_index(&fk.schema, &fk.table, &columns, &[])
            } else {
                postgres::create_index_concurrently(
                    &engine::index_name(&fk.table, &columns, postgres::MAX_IDENTIFIER_BYTES),
                    &fk.schema,
                    &fk.table,
                    &columns,
                    &[],
                )
            },
        ));
    }
    out
}
