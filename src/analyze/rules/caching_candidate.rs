//! `caching-candidate`: hot, read-only, identical statements with stable results.

use crate::analyze::read_only::read_shape;
use crate::analyze::{live_finding, statement_excerpt, Thresholds};
use crate::declare_rule;
use crate::model::snapshot::{Snapshot, StatementStat};
use crate::model::{Category, ConfidenceLevel, Finding, Severity};

declare_rule! {
    /// ## What it finds
    /// Read-only statements (a SELECT from a table, no volatile function such as `now()`,
    /// `random()` or `GETDATE()`, not `FOR UPDATE`, not the system catalog) called at least
    /// 60 times a minute over the statistics window, returning at most 10 rows per call
    /// with a stable count (one row per call, or SQL Server `min_rows = max_rows`).
    /// The rate is calls divided by the window the counters cover (pg_stat_statements
    /// `stats_since` or its last reset; SQL Server the plan's age).
    ///
    /// ## Why it matters
    /// The same small answer fetched every second from every application instance costs
    /// a round trip, a connection from the pool and server CPU each time, while a cache
    /// in the application would answer in microseconds. Configuration, feature flags,
    /// reference lists and the current user's profile are the usual ones.
    ///
    /// ## Example
    /// `SELECT value FROM settings WHERE key = $1`: 840 calls a minute, 1 row each,
    /// 0.4 ms mean.
    ///
    /// ## How to fix
    /// Cache the result in the application (in process, or a shared cache such as Redis)
    /// with a time-to-live as long as the data may be stale, or invalidate it when the
    /// rows change: even a 10-second TTL turns hundreds of calls a minute into six per
    /// application instance. The server cannot tell how often the rows change; check that
    /// before choosing the TTL.
    pub static CACHING_CANDIDATE = {
        name: "caching-candidate",
        code: "DB022",
        category: Category::RuntimeHotspots,
        default_severity: Severity::Low,
        summary: "Hot read-only statement with a stable result: cache it in the application",
    };
}

/// The seconds a statement's counters cover, and whether that is the statement's own
/// window (false: the database statistics' age, a guess).
fn window(snapshot: &Snapshot, s: &StatementStat) -> Option<(f64, bool)> {
    match s.window_seconds {
        Some(w) if w > 0.0 => Some((w, true)),
        _ => snapshot
            .manifest
            .stats_age_seconds
            .filter(|w| *w > 0.0)
            .map(|w| (w, false)),
    }
}

/// Why the rule could not judge this snapshot, if it could not.
pub fn unchecked(snapshot: &Snapshot) -> Option<String> {
    super::statements_lacking(
        snapshot,
        |s| window(snapshot, s).is_none(),
        "have no statistics window (neither their counters' age nor the statistics' age is in the snapshot): their calls per minute are unknown",
    )
}

pub fn check(snapshot: &Snapshot, t: &Thresholds) -> Vec<Finding> {
    let mut hot: Vec<(&StatementStat, f64, bool)> = snapshot
        .statements
        .iter()
        .filter(|s| s.calls > 0 && s.rows_per_call() <= t.caching_max_rows_per_call)
        .filter_map(|s| {
            let (seconds, own) = window(snapshot, s)?;
            let per_minute = s.calls as f64 / (seconds / 60.0);
            (per_minute >= t.caching_min_calls_per_minute).then_some((s, per_minute, own))
        })
        .filter(|(s, _, _)| match (s.min_rows, s.max_rows) {
            (Some(min), Some(max)) => min == max,
            _ => s.rows_per_call() <= 1.0 || s.rows % s.calls == 0,
        })
        .collect();
    hot.sort_by(|a, b| {
        b.1.total_cmp(&a.1)
            .then_with(|| a.0.queryid.cmp(&b.0.queryid))
    });
    hot.into_iter()
        .filter_map(|(s, per_minute, own_window)| {
            let shape = read_shape(&s.query, snapshot.is_mssql());
            if !shape.read_only || !shape.reads_table || shape.reads_catalog || shape.volatile.is_some() {
                return None;
            }
            let (text, short) = statement_excerpt(&s.query);
            let server_ms_per_minute = per_minute * s.mean_time_ms;
            let mut finding = live_finding(
                &CACHING_CANDIDATE,
                CACHING_CANDIDATE.default_severity,
                format!("queryid {}", s.queryid),
                format!(
                    "{per_minute:.0} calls a minute, {:.1} rows each, {:.2} ms mean ({server_ms_per_minute:.0} ms of server time a minute, plus a round trip each): {short}",
                    s.rows_per_call(),
                    s.mean_time_ms
                ),
                vec![
                    ("calls_per_minute", per_minute.round()),
                    ("rows_per_call", (s.rows_per_call() * 10.0).round() / 10.0),
                    ("mean_time_ms", (s.mean_time_ms * 100.0).round() / 100.0),
                    ("calls", s.calls as f64),
                ],
                format!(
                    "Cache the result in the application (in process or a shared cache) with a TTL as long as the data may be stale, or invalidate it on write: a 10 s TTL turns {per_minute:.0} calls a minute into at most 6 per application instance. Check how often the rows change first: the server cannot tell"
                ),
            );
            if !own_window {
                finding.confidence.lower(
                    ConfidenceLevel::Medium,
                    "the rate is measured over the database statistics' age: the statement's own counters may be younger (reset, evicted), so it may be called more often, or less",
                );
            }
            if s.min_rows.is_none() && s.rows_per_call() > 1.0 {
                finding.confidence.lower(
                    ConfidenceLevel::Medium,
                    "only the total rows are known: the same count on every call fits the total but is not proven",
                );
            }
            if !shape.unknown_functions.is_empty() {
                finding.confidence.lower(
                    ConfidenceLevel::Medium,
                    format!(
                        "it calls {}(), which dbaudit cannot tell is immutable: if its result changes between calls, cache with care",
                        shape.unknown_functions.join("(), ")
                    ),
                );
            }
            finding.evidence.snippet = Some(text);
            Some(finding)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::snapshot::Manifest;

    fn stat(query: &str, calls: i64, rows: i64) -> StatementStat {
        StatementStat {
            queryid: query.len().to_string(),
            query: query.into(),
            calls,
            rows,
            mean_time_ms: 0.2,
            window_seconds: Some(600.0),
            ..StatementStat::default()
        }
    }

    #[test]
    fn hot_stable_reads_are_candidates() {
        let s = Snapshot {
            statements: vec![
                stat("SELECT value FROM settings WHERE key = $1", 6_000, 6_000),
                stat(
                    "SELECT id FROM sessions WHERE expires > now()",
                    6_000,
                    6_000,
                ),
                stat("SELECT * FROM jobs WHERE id = $1 FOR UPDATE", 6_000, 6_000),
                stat("SELECT 1", 6_000, 6_000),
                stat("SELECT value FROM rare WHERE key = $1", 60, 60),
                stat("SELECT * FROM feed WHERE user_id = $1", 6_000, 6_000 * 50),
            ],
            ..Snapshot::default()
        };
        let f = check(&s, &Thresholds::default());
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].message
                .starts_with("600 calls a minute, 1.0 rows each"),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].confidence.level, ConfidenceLevel::High);
    }

    #[test]
    fn the_database_window_is_a_guess_and_no_window_is_unchecked() {
        let mut one = stat("SELECT value FROM settings WHERE key = $1", 6_000, 6_000);
        one.window_seconds = None;
        let mut s = Snapshot {
            statements: vec![one],
            manifest: Manifest {
                stats_age_seconds: Some(600.0),
                ..Manifest::default()
            },
            ..Snapshot::default()
        };
        let f = check(&s, &Thresholds::default());
        assert_eq!(f[0].confidence.level, ConfidenceLevel::Medium);
        s.manifest.stats_age_seconds = None;
        assert!(check(&s, &Thresholds::default()).is_empty());
        assert!(unchecked(&s).is_some());
    }
}
