//! `sequence-exhaustion-risk`: a sequence nears the end of its range.

use crate::analyze::{live_finding, qualified, Thresholds};
use crate::declare_rule;
use crate::model::snapshot::Snapshot;
use crate::model::{Category, Finding, Severity};

declare_rule! {
    /// ## What it finds
    /// A sequence that has used 90% or more of its range (PgHero's threshold), typically
    /// an `integer` identity or `serial` column on a busy table.
    ///
    /// ## Why it matters
    /// When it reaches its maximum, every insert that needs a new value fails: an outage
    /// whose fix (widening the column to `bigint`) rewrites the table.
    ///
    /// ## Example
    /// `orders_order_id_seq` (integer): 1,980,000,000 of 2,147,483,647 used (92%).
    ///
    /// ## How to fix
    /// Plan the migration to `bigint` now (a new column filled in batches, or
    /// `ALTER TABLE ... ALTER COLUMN ... TYPE bigint` in a maintenance window), and
    /// `ALTER SEQUENCE ... AS bigint MAXVALUE ...`.
    pub static SEQUENCE_EXHAUSTION_RISK = {
        name: "sequence-exhaustion-risk",
        code: "DB011",
        category: Category::RuntimeHotspots,
        default_severity: Severity::High,
        summary: "Sequence nears the end of its range",
    };
}

pub fn check(snapshot: &Snapshot, t: &Thresholds) -> Vec<Finding> {
    snapshot
        .sequences
        .iter()
        .filter_map(|s| {
            let last = s.last_value?;
            let used = if s.increment >= 0 {
                last as f64 / s.max_value.max(1) as f64
            } else {
                return None;
            };
            (used >= t.sequence_used_ratio).then(|| {
                live_finding(
                    &SEQUENCE_EXHAUSTION_RISK,
                    SEQUENCE_EXHAUSTION_RISK.default_severity,
                    qualified(&s.schema, &s.name),
                    format!(
                        "{} ({}) has used {last} of {} ({:.1}%)",
                        qualified(&s.schema, &s.name),
                        s.data_type,
                        s.max_value,
                        used * 100.0
                    ),
                    vec![("used_ratio", (used * 1000.0).round() / 1000.0), ("last_value", last as f64)],
                    "Migrate the column to bigint and ALTER SEQUENCE ... AS bigint before it runs out".into(),
                )
            })
        })
        .collect()
}
