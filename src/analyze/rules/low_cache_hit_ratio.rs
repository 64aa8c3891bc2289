//! `low-cache-hit-ratio`: too many table or index reads miss the buffer cache.

use crate::analyze::{live_finding, Thresholds};
use crate::declare_rule;
use crate::model::snapshot::Snapshot;
use crate::model::{Category, Finding, Severity};

declare_rule! {
    /// ## What it finds
    /// A table or index cache hit ratio below 99% (PgHero's threshold), over all user
    /// tables of the database, once enough blocks were read to judge.
    ///
    /// ## Why it matters
    /// Reads that miss `shared_buffers` go to the OS cache or the disk: an order of
    /// magnitude slower. A low ratio means the working set does not fit, or scans are
    /// pushing it out.
    ///
    /// ## Example
    /// Table hit ratio 91.3% over 4.2 million block reads.
    ///
    /// ## How to fix
    /// First remove the scans (see `scan-heavy-table`, `missing-index`); then size
    /// `shared_buffers` (and the machine's memory) for the working set.
    pub static LOW_CACHE_HIT_RATIO = {
        name: "low-cache-hit-ratio",
        code: "DB008",
        category: Category::RuntimeHotspots,
        default_severity: Severity::High,
        summary: "Table or index reads miss the buffer cache too often",
    };
}

pub fn check(snapshot: &Snapshot, t: &Thresholds) -> Vec<Finding> {
    let sum = |f: fn(&crate::model::snapshot::TableStat) -> Option<i64>| -> i64 {
        snapshot.tables.iter().filter_map(f).sum()
    };
    let kinds = [
        ("table", sum(|t| t.heap_blks_hit), sum(|t| t.heap_blks_read)),
        ("index", sum(|t| t.idx_blks_hit), sum(|t| t.idx_blks_read)),
    ];
    let database = snapshot.manifest.database.clone();
    kinds
        .iter()
        .filter(|(_, hit, read)| hit + read >= t.cache_min_blocks)
        .filter_map(|(kind, hit, read)| {
            let ratio = *hit as f64 / (*hit + *read) as f64;
            (ratio < t.cache_hit_ratio_min).then(|| {
                live_finding(
                    &LOW_CACHE_HIT_RATIO,
                    LOW_CACHE_HIT_RATIO.default_severity,
                    format!("database {database} ({kind}s)"),
                    format!(
                        "{kind} cache hit ratio is {:.2}% over {} block reads (threshold {:.0}%)",
                        ratio * 100.0,
                        hit + read,
                        t.cache_hit_ratio_min * 100.0
                    ),
                    vec![("hit_ratio", (ratio * 10_000.0).round() / 10_000.0), ("blocks", (hit + read) as f64)],
                    "Remove scans first (scan-heavy-table, missing-index); then size shared_buffers for the working set".into(),
                )
            })
        })
        .collect()
}
