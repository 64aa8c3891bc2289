//! `duplicate-index`: an index whose key columns lead another index on the same table.

use crate::analyze::{human_bytes, live_finding, qualified, Thresholds};
use crate::declare_rule;
use crate::engine::{mssql, postgres};
use crate::model::snapshot::{IndexStat, Snapshot};
use crate::model::{Category, Finding, Severity};

declare_rule! {
    /// ## What it finds
    /// Two valid indexes on the same table with the same access method, the same
    /// expressions and the same partial-index predicate, where the key columns of one are
    /// a leading prefix of (or equal to) the other's. The shorter one is redundant: the
    /// longer serves its lookups. An index backing a primary key or a unique constraint is
    /// never the one reported, nor a unique index whose uniqueness the other does not
    /// enforce.
    ///
    /// SQL Server: two indexes of the same type with exactly the same key columns (in
    /// order) and filter, as sp_BlitzIndex's "duplicate keys"; indexes sharing only a
    /// leading key are `overlapping-index`.
    ///
    /// ## Why it matters
    /// Each extra index costs every write, WAL, vacuum and cache space, and gives the
    /// planner more choices to get wrong.
    ///
    /// ## Example
    /// `ix_notifications_user (user_id)` beside `ix_notifications_user_read (user_id,
    /// is_read)`.
    ///
    /// ## How to fix
    /// `DROP INDEX CONCURRENTLY` the redundant one after checking that no query relies
    /// on its smaller size (rare).
    pub static DUPLICATE_INDEX = {
        name: "duplicate-index",
        code: "DB005",
        category: Category::Indexing,
        default_severity: Severity::Medium,
        summary: "Index whose key columns lead another index on the same table",
    };
}

pub fn check(snapshot: &Snapshot, _t: &Thresholds) -> Vec<Finding> {
    let mut out = Vec::new();
    // SQL Server compares whole keys: a prefix relation is an overlap there.
    let exact_keys_only = snapshot.is_mssql();
    let keys_of = snapshot.index_key_map();
    let no_keys = Vec::new();
    let keys = |i: &IndexStat| -> Vec<Option<String>> {
        keys_of
            .get(&(i.schema.as_str(), i.table.as_str(), i.name.as_str()))
            .unwrap_or(&no_keys)
            .clone()
    };
    // Indexes grouped by table: comparisons stay within a table.
    let mut by_table: std::collections::HashMap<(&str, &str), Vec<&IndexStat>> =
        std::collections::HashMap::new();
    for i in snapshot.indexes.iter().filter(|i| i.is_valid) {
        by_table
            .entry((i.schema.as_str(), i.table.as_str()))
            .or_default()
            .push(i);
    }
    let mut valid: Vec<&IndexStat> = snapshot.indexes.iter().filter(|i| i.is_valid).collect();
    valid.sort_by(|a, b| (&a.schema, &a.table, &a.name).cmp(&(&b.schema, &b.table, &b.name)));
    for a in &valid {
        if a.is_primary || a.is_constraint {
            continue;
        }
        let a_keys = keys(a);
        if a_keys.is_empty() || a_keys.iter().any(Option::is_none) {
            continue;
        }
        let siblings = by_table
            .get(&(a.schema.as_str(), a.table.as_str()))
            .cloned()
            .unwrap_or_default();
        let covering = siblings.iter().find(|b| {
            if b.name == a.name || b.schema != a.schema || b.table != a.table {
                return false;
            }
            if b.access_method != a.access_method || b.predicate != a.predicate {
                return false;
            }
            let b_keys = keys(b);
            let is_prefix = if exact_keys_only {
                b_keys == a_keys
            } else {
                b_keys.len() >= a_keys.len() && b_keys[..a_keys.len()] == a_keys[..]
            };
            if !is_prefix {
                return false;
            }
            // A unique index is only redundant beside a unique index on the same keys.
            if a.is_unique && !(b.is_unique && b_keys.len() == a_keys.len()) {
                return false;
            }
            // Of two identical indexes, report one: on SQL Server the less read (its
            // reads are known), else the later name.
            if exact_keys_only && b.idx_scan != a.idx_scan {
                return b.idx_scan > a.idx_scan;
            }
            b_keys.len() > a_keys.len() || b.name < a.name
        });
        if let Some(b) = covering {
            let cols: Vec<String> = a_keys.iter().flatten().cloned().collect();
            out.push(live_finding(
                &DUPLICATE_INDEX,
                DUPLICATE_INDEX.default_severity,
                qualified(&a.schema, &a.name),
                format!(
                    "{} ({}) on {} is covered by {}: its key columns ({}) lead that index",
                    a.name,
                    human_bytes(a.bytes),
                    qualified(&a.schema, &a.table),
                    b.name,
                    cols.join(", ")
                ),
                vec![("bytes", a.bytes as f64), ("idx_scan", a.idx_scan as f64)],
                if exact_keys_only {
                    format!(
                        "Keep {} (add this index's INCLUDE columns to it first if queries need them), then: {}",
                        mssql::quote_ident(&b.name),
                        mssql::drop_index(&a.schema, &a.table, &a.name)
                    )
                } else {
                    format!(
                        "Keep {}, then: {}",
                        postgres::qualified(&b.schema, &b.name),
                        postgres::drop_index_concurrently(&a.schema, &a.name, false)
                    )
                },
            ));
        }
    }
    out
}
