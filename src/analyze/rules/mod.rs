//! The rules over a snapshot: one file each, each with its four-part doc comment.

pub mod caching_candidate;
pub mod connection_saturation;
pub mod duplicate_index;
pub mod heap_forwarded_fetches;
pub mod idle_in_transaction;
pub mod invalid_index;
pub mod latency_spread;
pub mod low_cache_hit_ratio;
pub mod missing_index;
pub mod over_fetching;
pub mod overlapping_index;
pub mod scan_heavy_table;
pub mod sequence_exhaustion_risk;
pub mod slow_function;
pub mod slow_procedure;
pub mod slow_query;
pub mod stale_statistics;
pub mod unindexed_foreign_key;
pub mod unused_index;
pub mod vacuum_overdue;
pub mod write_heavy_index;
pub mod xid_wraparound_risk;

use super::Thresholds;
use crate::model::snapshot::Snapshot;
use crate::model::Finding;
use crate::rules::RuleMeta;

pub struct LiveRule {
    pub meta: &'static RuleMeta,
    pub check: fn(&Snapshot, &Thresholds) -> Vec<Finding>,
}

pub static ALL: &[LiveRule] = &[
    LiveRule {
        meta: &scan_heavy_table::SCAN_HEAVY_TABLE,
        check: scan_heavy_table::check,
    },
    LiveRule {
        meta: &slow_query::SLOW_QUERY,
        check: slow_query::check,
    },
    LiveRule {
        meta: &slow_function::SLOW_FUNCTION,
        check: slow_function::check,
    },
    LiveRule {
        meta: &unused_index::UNUSED_INDEX,
        check: unused_index::check,
    },
    LiveRule {
        meta: &duplicate_index::DUPLICATE_INDEX,
        check: duplicate_index::check,
    },
    LiveRule {
        meta: &invalid_index::INVALID_INDEX,
        check: invalid_index::check,
    },
    LiveRule {
        meta: &unindexed_foreign_key::UNINDEXED_FOREIGN_KEY,
        check: unindexed_foreign_key::check,
    },
    LiveRule {
        meta: &low_cache_hit_ratio::LOW_CACHE_HIT_RATIO,
        check: low_cache_hit_ratio::check,
    },
    LiveRule {
        meta: &vacuum_overdue::VACUUM_OVERDUE,
        check: vacuum_overdue::check,
    },
    LiveRule {
        meta: &xid_wraparound_risk::XID_WRAPAROUND_RISK,
        check: xid_wraparound_risk::check,
    },
    LiveRule {
        meta: &sequence_exhaustion_risk::SEQUENCE_EXHAUSTION_RISK,
        check: sequence_exhaustion_risk::check,
    },
    LiveRule {
        meta: &overlapping_index::OVERLAPPING_INDEX,
        check: overlapping_index::check,
    },
    LiveRule {
        meta: &write_heavy_index::WRITE_HEAVY_INDEX,
        check: write_heavy_index::check,
    },
    LiveRule {
        meta: &heap_forwarded_fetches::HEAP_FORWARDED_FETCHES,
        check: heap_forwarded_fetches::check,
    },
    LiveRule {
        meta: &slow_procedure::SLOW_PROCEDURE,
        check: slow_procedure::check,
    },
    LiveRule {
        meta: &stale_statistics::STALE_STATISTICS,
        check: stale_statistics::check,
    },
    LiveRule {
        meta: &connection_saturation::CONNECTION_SATURATION,
        check: connection_saturation::check,
    },
    LiveRule {
        meta: &idle_in_transaction::IDLE_IN_TRANSACTION,
        check: idle_in_transaction::check,
    },
    LiveRule {
        meta: &latency_spread::LATENCY_SPREAD,
        check: latency_spread::check,
    },
    LiveRule {
        meta: &over_fetching::OVER_FETCHING,
        check: over_fetching::check,
    },
    LiveRule {
        meta: &caching_candidate::CACHING_CANDIDATE,
        check: caching_candidate::check,
    },
];

/// The live rules that could not judge all of this snapshot (their data was not
/// collected, or collected without the columns they need), each with why (`not run: …`
/// or `partly: …`): the audit
/// lists them as not checked and their category as partially assessed, so that missing
/// data never reads as a clean bill. Rules whose whole input is one check's result are
/// covered by that check's note instead.
pub fn unchecked(snapshot: &Snapshot) -> Vec<(&'static RuleMeta, String)> {
    type Coverage = fn(&Snapshot) -> Option<String>;
    let coverage: [(&'static RuleMeta, Coverage); 4] = [
        (
            &connection_saturation::CONNECTION_SATURATION,
            connection_saturation::unchecked,
        ),
        (
            &idle_in_transaction::IDLE_IN_TRANSACTION,
            idle_in_transaction::unchecked,
        ),
        (&latency_spread::LATENCY_SPREAD, latency_spread::unchecked),
        (
            &caching_candidate::CACHING_CANDIDATE,
            caching_candidate::unchecked,
        ),
    ];
    coverage
        .into_iter()
        .filter_map(|(meta, why)| why(snapshot).map(|reason| (meta, reason)))
        .collect()
}

/// `not run: N of M statement(s) {what}` (`partly: …` when only some), when timed
/// statements lack what a rule needs (`lacks`); None when none does.
pub fn statements_lacking(
    snapshot: &Snapshot,
    lacks: impl Fn(&crate::model::snapshot::StatementStat) -> bool,
    what: &str,
) -> Option<String> {
    let timed = snapshot.statements.iter().filter(|s| s.calls > 0).count();
    let without = snapshot
        .statements
        .iter()
        .filter(|s| s.calls > 0 && lacks(s))
        .count();
    let extent = if without == timed {
        "not run"
    } else {
        "partly"
    };
    (without > 0).then(|| format!("{extent}: {without} of {timed} statement(s) {what}"))
}

/// Every live rule's metadata, missing-index included.
pub fn metas() -> Vec<&'static RuleMeta> {
    let mut all: Vec<&'static RuleMeta> = ALL.iter().map(|r| r.meta).collect();
    all.push(&missing_index::MISSING_INDEX);
    all
}
