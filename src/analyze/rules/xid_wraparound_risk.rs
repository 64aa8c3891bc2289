//! `xid-wraparound-risk`: transaction IDs approach wraparound.

use crate::analyze::{live_finding, qualified, Thresholds};
use crate::declare_rule;
use crate::model::snapshot::Snapshot;
use crate::model::{Category, Finding, Severity};

declare_rule! {
    /// ## What it finds
    /// A database or table whose oldest unfrozen transaction ID is old: age at or above
    /// 1.2 billion (high), or fewer than 10 million transactions left before the
    /// 2^31 wraparound limit (critical, PgHero's threshold).
    ///
    /// ## Why it matters
    /// At the limit PostgreSQL stops accepting writes to protect data until a vacuum
    /// freezes the old rows: an outage that can last hours on large tables.
    ///
    /// ## Example
    /// `orders`: transaction-ID age 1,650,000,000 (77% of the way to wraparound).
    ///
    /// ## How to fix
    /// `VACUUM (FREEZE, VERBOSE)` the oldest tables now; find what blocks freezing (long
    /// transactions, abandoned replication slots, prepared transactions) and tune
    /// `autovacuum_freeze_max_age` and autovacuum's throughput.
    pub static XID_WRAPAROUND_RISK = {
        name: "xid-wraparound-risk",
        code: "DB010",
        category: Category::RuntimeHotspots,
        default_severity: Severity::Critical,
        summary: "Transaction IDs approach wraparound",
    };
}

const WRAPAROUND: i64 = 2_147_483_647;

pub fn check(snapshot: &Snapshot, t: &Thresholds) -> Vec<Finding> {
    let mut subjects: Vec<(String, i64)> = snapshot
        .database
        .iter()
        .map(|d| (format!("database {}", d.name), d.frozen_xid_age))
        .collect();
    subjects.extend(snapshot.tables.iter().filter_map(|t| {
        t.frozen_xid_age
            .map(|age| (qualified(&t.schema, &t.name), age))
    }));
    subjects
        .into_iter()
        .filter_map(|(object, age)| {
            let remaining = WRAPAROUND - age;
            let severity = if remaining <= t.xid_remaining_critical {
                Severity::Critical
            } else if age >= t.xid_age_warning {
                Severity::High
            } else {
                return None;
            };
            Some(live_finding(
                &XID_WRAPAROUND_RISK,
                severity,
                object.clone(),
                format!(
                    "{object}: transaction-ID age {age} ({:.0}% of the way to wraparound, {remaining} left)",
                    100.0 * age as f64 / WRAPAROUND as f64
                ),
                vec![("xid_age", age as f64), ("remaining", remaining as f64)],
                "VACUUM (FREEZE) the oldest tables now; remove what blocks freezing (long transactions, stale replication slots, prepared transactions)".into(),
            ))
        })
        .collect()
}
