//! `overlapping-index`: indexes on one table that lead with the same key column.

use std::collections::BTreeMap;

use crate::analyze::{live_finding, qualified, Thresholds};
use crate::declare_rule;
use crate::model::snapshot::{IndexStat, Snapshot};
use crate::model::{Category, Finding, Severity};

declare_rule! {
    /// ## What it finds
    /// Two or more valid B-tree indexes (SQL Server: clustered or nonclustered) of one
    /// table with the same filter that lead with the same key column but do not have the
    /// same keys, at least one of them neither a primary key nor a unique index or
    /// constraint (sp_BlitzIndex's "borderline duplicate keys"). On PostgreSQL an index
    /// whose keys merely lead another's is `duplicate-index`; here only indexes whose keys
    /// diverge after the shared column are reported.
    ///
    /// ## Why it matters
    /// Each index costs every write, log and buffer-pool space; indexes sharing a leading
    /// column usually serve the same seeks, and one wider index (keys of the most used,
    /// the others' columns as INCLUDE) can often replace them.
    ///
    /// ## Example
    /// `IX_Appointments_ProviderId (ProviderId)` and `IX_Appointments_ProviderId_Status
    /// (ProviderId, Status)` on `dbo.Appointments`.
    ///
    /// ## How to fix
    /// Compare their reads (the evidence gives seeks, scans and writes): keep the most
    /// used, widen it with the columns the others add (as key or INCLUDE), and drop the
    /// rest after a business cycle with the widened index.
    pub static OVERLAPPING_INDEX = {
        name: "overlapping-index",
        code: "DB013",
        category: Category::Indexing,
        default_severity: Severity::Low,
        summary: "Indexes on one table leading with the same key column",
    };
}

/// (schema, table, leading key column, filter).
type GroupKey<'a> = (&'a str, &'a str, String, Option<&'a str>);

pub fn check(snapshot: &Snapshot, _t: &Thresholds) -> Vec<Finding> {
    let keys_of = snapshot.index_key_map();
    let keys = |i: &IndexStat| -> Vec<String> {
        keys_of
            .get(&(i.schema.as_str(), i.table.as_str(), i.name.as_str()))
            .map(|k| k.iter().flatten().cloned().collect())
            .unwrap_or_default()
    };
    // (schema, table, leading column, filter) -> indexes, in a stable order.
    let mut groups: BTreeMap<GroupKey<'_>, Vec<(&IndexStat, Vec<String>)>> = BTreeMap::new();
    for index in snapshot.indexes.iter().filter(|i| {
        i.is_valid
            && matches!(
                i.access_method.as_str(),
                "btree" | "clustered" | "nonclustered"
            )
    }) {
        let index_keys = keys(index);
        let Some(first) = index_keys.first().cloned() else {
            continue;
        };
        groups
            .entry((
                index.schema.as_str(),
                index.table.as_str(),
                first,
                index.predicate.as_deref(),
            ))
            .or_default()
            .push((index, index_keys));
    }
    let prefix_counts = !snapshot.is_mssql();
    let mut out = Vec::new();
    for ((schema, table, first, _), mut members) in groups {
        members.sort_by(|a, b| a.0.name.cmp(&b.0.name));
        let overlapping = members.iter().enumerate().any(|(n, (_, a))| {
            members.iter().skip(n + 1).any(|(_, b)| {
                let is_prefix =
                    |x: &Vec<String>, y: &Vec<String>| x.len() <= y.len() && y[..x.len()] == x[..];
                // Identical keys are duplicate-index; on PostgreSQL so are prefixes.
                a != b && !(prefix_counts && (is_prefix(a, b) || is_prefix(b, a)))
            })
        });
        let actionable = members
            .iter()
            .any(|(i, _)| !i.is_primary && !i.is_constraint && !i.is_unique);
        if members.len() < 2 || !overlapping || !actionable {
            continue;
        }
        let described: Vec<String> = members
            .iter()
            .map(
                |(i, k)| match (i.user_seeks, i.user_scans, i.user_updates) {
                    (Some(seeks), Some(scans), Some(writes)) => format!(
                        "{} ({}): {seeks} seeks, {scans} scans, {writes} writes",
                        i.name,
                        k.join(", ")
                    ),
                    _ => format!("{} ({}): {} scans", i.name, k.join(", "), i.idx_scan),
                },
            )
            .collect();
        let mut finding = live_finding(
            &OVERLAPPING_INDEX,
            OVERLAPPING_INDEX.default_severity,
            qualified(schema, table),
            format!(
                "{} indexes on {} lead with {first}: {}",
                members.len(),
                qualified(schema, table),
                described.join("; ")
            ),
            vec![("indexes", members.len() as f64)],
            "Keep the most used index, widen it with the columns the others add (key or INCLUDE), then drop the others after a business cycle".into(),
        );
        finding.evidence.snippet = Some(format!(
            "{} ({first}, ...): {}",
            qualified(schema, table),
            members
                .iter()
                .map(|(i, _)| i.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
        out.push(finding);
    }
    out
}
