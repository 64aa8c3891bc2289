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
    // A relation without a relfrozenxid (a partitioned parent: its partitions hold the
    // rows and are checked themselves) has none to age; older snapshots recorded its
    // age() as 2^31 - 1, which no real age reaches (PostgreSQL stops well before).
    subjects.extend(
        snapshot
            .tables
            .iter()
            .filter(|t| t.is_partitioned != Some(true))
            .filter_map(|t| {
                t.frozen_xid_age
                    .filter(|age| *age < WRAPAROUND)
                    .map(|age| (qualified(&t.schema, &t.name), age))
            }),
    );
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::snapshot::TableStat;

    fn table(name: &str, age: Option<i64>, partitioned: Option<bool>) -> TableStat {
        TableStat {
            schema: "public".into(),
            name: name.into(),
            frozen_xid_age: age,
            is_partitioned: partitioned,
            ..Default::default()
        }
    }

    #[test]
    fn a_relation_without_relfrozenxid_is_no_risk() {
        let snapshot = Snapshot {
            tables: vec![
                // A partitioned parent as older snapshots recorded it: age(0) = 2^31 - 1.
                table("measurements", Some(WRAPAROUND), None),
                table("measurements_p", Some(2_140_000_000), Some(true)),
                table("measurements_2020", None, Some(false)),
                table("orders", Some(2_140_000_000), Some(false)),
            ],
            ..Default::default()
        };
        let findings = check(&snapshot, &Thresholds::default());
        let objects: Vec<_> = findings
            .iter()
            .map(|f| f.location.object.clone().unwrap_or_default())
            .collect();
        assert_eq!(objects, ["public.orders"]);
        assert_eq!(findings[0].severity, Severity::Critical);
    }
}
