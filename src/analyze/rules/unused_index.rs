//! `unused-index`: an index not scanned since the statistics were reset.

use crate::analyze::{human_bytes, live_finding, qualified, Thresholds};
use crate::declare_rule;
use crate::engine::{mssql, postgres};
use crate::model::snapshot::Snapshot;
use crate::model::{Category, Finding, Severity};

declare_rule! {
    /// ## What it finds
    /// A valid index with no scans (at most `unused_index_max_scans`) since the
    /// statistics were last reset, at least 1 MB in size, that does not back a primary
    /// key, unique or exclusion constraint. The statistics age is part of the evidence,
    /// and the rule needs a window of at least `unused_index_min_stats_days` (7 by
    /// default, PgHero and sp_BlitzIndex practice): with younger counters it does not
    /// run, and the audit says so (an index used weekly is not unused after a day).
    ///
    /// SQL Server: a nonclustered index with no seeks, scans or lookups in
    /// `sys.dm_db_index_usage_stats` since the server started (the counters reset at
    /// restart), high severity when it still took 10,000 writes or more. Clustered
    /// indexes, primary keys, unique indexes and unique constraints are never reported.
    ///
    /// ## Why it matters
    /// Every insert, update of an indexed column and delete maintains the index: write
    /// amplification, WAL, vacuum work and cache space for nothing.
    ///
    /// ## Example
    /// `payments.ix_payments_status_unused` (4.6 MB): 0 scans in 12 days, while the
    /// table took 80,000 writes.
    ///
    /// ## How to fix
    /// Confirm on replicas too (their statistics are separate) and across a full business
    /// cycle, then `DROP INDEX CONCURRENTLY`. Keep the definition to restore it.
    pub static UNUSED_INDEX = {
        name: "unused-index",
        code: "DB004",
        category: Category::Indexing,
        default_severity: Severity::Medium,
        summary: "Index never scanned since the statistics were reset",
    };
}

/// Why the statistics window is too short to call an index unused, if it is. On SQL
/// Server the counters start at the server's start: when that is unknown (an Azure SQL
/// Database export without sys.dm_os_sys_info), so is the window, and nothing is called
/// unused either.
pub fn window_too_short(snapshot: &Snapshot, t: &Thresholds) -> Option<String> {
    let known = snapshot
        .manifest
        .stats_age_seconds
        .filter(|a| a.is_finite());
    if known.is_none() && snapshot.is_mssql() {
        return Some(format!(
            "the server's start time is unknown, so how long the index usage counters cover is unknown too (the rule needs {} days; see the `server` note): no index is called unused",
            t.unused_index_min_stats_days
        ));
    }
    let age = known?;
    let needed = t.unused_index_min_stats_days * 86_400.0;
    (age < needed).then(|| {
        format!(
            "the statistics cover {}, less than the {} days the rule needs ([thresholds] unused_index_min_stats_days; PgHero and sp_BlitzIndex wait a week): no index is called unused until then",
            crate::model::snapshot::days_text(age / 86_400.0),
            t.unused_index_min_stats_days
        )
    })
}

pub fn check(snapshot: &Snapshot, t: &Thresholds) -> Vec<Finding> {
    if window_too_short(snapshot, t).is_some() {
        return Vec::new();
    }
    if snapshot.is_mssql() {
        return check_mssql(snapshot, t);
    }
    let age_days = snapshot.manifest.stats_age_seconds.map(|s| s / 86_400.0);
    snapshot
        .indexes
        .iter()
        .filter(|i| i.is_valid && !i.is_unique && !i.is_primary && !i.is_constraint)
        .filter(|i| i.idx_scan <= t.unused_index_max_scans && i.bytes >= t.unused_index_min_bytes)
        .map(|i| {
            let table = snapshot.table(&i.schema, &i.table);
            let writes = table.map_or(0, |t| t.inserts + t.updates + t.deletes);
            let since =
                age_days.map_or(String::new(), |d| format!(" in {d:.1} days of statistics"));
            live_finding(
                &UNUSED_INDEX,
                UNUSED_INDEX.default_severity,
                qualified(&i.schema, &i.name),
                format!(
                    "{} on {} ({}) has had {} scans{since}, while the table took {writes} writes",
                    i.name,
                    qualified(&i.schema, &i.table),
                    human_bytes(i.bytes),
                    i.idx_scan
                ),
                vec![
                    ("idx_scan", i.idx_scan as f64),
                    ("bytes", i.bytes as f64),
                    ("table_writes", writes as f64),
                ],
                format!(
                    "Confirm it is unused on replicas and over a full business cycle, then {}",
                    postgres::drop_index_concurrently(&i.schema, &i.name, false)
                ),
            )
        })
        .collect()
}

/// SQL Server: reads and writes are per index, since the server started.
fn check_mssql(snapshot: &Snapshot, t: &Thresholds) -> Vec<Finding> {
    let age_days = snapshot.manifest.stats_age_seconds.map(|s| s / 86_400.0);
    let young = snapshot
        .manifest
        .stats_age_seconds
        .is_some_and(|s| s < t.young_stats_seconds);
    snapshot
        .indexes
        .iter()
        .filter(|i| i.is_valid && i.access_method == "nonclustered")
        .filter(|i| !i.is_unique && !i.is_primary && !i.is_constraint)
        // Usage not read (index_usage denied or not exported): not judged, not "unused".
        .filter(|i| i.user_seeks.is_some())
        .filter(|i| i.idx_scan <= t.unused_index_max_scans && i.bytes >= t.unused_index_min_bytes)
        .map(|i| {
            let writes = i.user_updates.unwrap_or(0);
            let severity = if writes >= t.unused_index_high_writes {
                Severity::High
            } else {
                UNUSED_INDEX.default_severity
            };
            let since = age_days.map_or(" since the server started".to_string(), |d| {
                format!(" in the {d:.1} days since the server started")
            });
            let caveat = if young {
                " (under a day of counters: too young to judge)"
            } else {
                " (the counters reset at restart)"
            };
            live_finding(
                &UNUSED_INDEX,
                severity,
                qualified(&i.schema, &i.name),
                format!(
                    "{} on {} ({}) has had {} reads (seeks, scans, lookups){since}, while it took {writes} writes{caveat}",
                    i.name,
                    qualified(&i.schema, &i.table),
                    human_bytes(i.bytes),
                    i.idx_scan
                ),
                vec![
                    ("reads", i.idx_scan as f64),
                    ("user_updates", writes as f64),
                    ("bytes", i.bytes as f64),
                ],
                format!(
                    "Confirm it is unused over a full business cycle (month-end, reports) and on readable secondaries, keep its definition ({}), then {}",
                    i.definition,
                    mssql::drop_index(&i.schema, &i.table, &i.name)
                ),
            )
        })
        .collect()
}
