//! `latency-spread`: statements whose slowest calls or deviation dwarf their mean.

use crate::analyze::{live_finding, statement_excerpt, Thresholds};
use crate::declare_rule;
use crate::model::snapshot::{Snapshot, StatementStat};
use crate::model::{Category, ConfidenceLevel, Finding, Severity};

declare_rule! {
    /// ## What it finds
    /// Statements called at least 100 times whose slowest call took at least 100 ms and
    /// at least 10 times the mean, or whose standard deviation is at least twice the mean
    /// (PostgreSQL `pg_stat_statements` min / max / mean / stddev of the execution time;
    /// SQL Server `sys.dm_exec_query_stats` `min/max_elapsed_time`, which keeps no
    /// deviation). All thresholds configurable.
    ///
    /// ## Why it matters
    /// The mean hides the calls users wait for: a statement that usually takes 2 ms but
    /// sometimes 3 s has a plan that depends on its parameters (parameter sniffing, a
    /// skewed value), waits for locks, or reads a cold cache. Timeouts and p99 latency
    /// come from these calls, not from the mean.
    ///
    /// ## Example
    /// `SELECT ... FROM orders WHERE customer_id = $1`: 52,000 calls, mean 3.1 ms, max
    /// 2,840 ms (916 times the mean), stddev 41 ms.
    ///
    /// ## How to fix
    /// Catch a slow call with its parameters (PostgreSQL `auto_explain` with
    /// `log_min_duration`; SQL Server Query Store or an Extended Events session) and
    /// compare its plan with a fast call's: a parameter-sensitive plan needs an index that
    /// serves every value or a plan per value range (SQL Server `OPTION (RECOMPILE)`);
    /// lock waits need shorter transactions on the writing side.
    pub static LATENCY_SPREAD = {
        name: "latency-spread",
        code: "DB020",
        category: Category::RuntimeHotspots,
        default_severity: Severity::Medium,
        summary: "Statement whose slowest calls or deviation dwarf its mean",
    };
}

/// Why the rule could not judge this snapshot, if it could not.
pub fn unchecked(snapshot: &Snapshot) -> Option<String> {
    super::statements_lacking(
        snapshot,
        |s| s.max_time_ms.is_none(),
        "carry no min / max execution times (a snapshot or export from before this check, or a query_stats export without min/max_elapsed_time): their spread was not judged",
    )
}

fn spread(s: &StatementStat, t: &Thresholds) -> Option<(f64, Option<f64>)> {
    let max = s.max_time_ms?;
    if s.calls < t.latency_spread_min_calls
        || s.mean_time_ms <= 0.0
        || max < t.latency_spread_min_max_ms
    {
        return None;
    }
    let max_ratio = max / s.mean_time_ms;
    let stddev_ratio = s.stddev_time_ms.map(|d| d / s.mean_time_ms);
    (max_ratio >= t.latency_spread_max_ratio
        || stddev_ratio.is_some_and(|r| r >= t.latency_spread_stddev_ratio))
    .then_some((max_ratio, stddev_ratio))
}

pub fn check(snapshot: &Snapshot, t: &Thresholds) -> Vec<Finding> {
    let mut spread_out: Vec<(&StatementStat, f64, Option<f64>)> = snapshot
        .statements
        .iter()
        .filter_map(|s| spread(s, t).map(|(m, d)| (s, m, d)))
        .collect();
    spread_out.sort_by(|a, b| {
        b.0.total_time_ms
            .total_cmp(&a.0.total_time_ms)
            .then_with(|| a.0.queryid.cmp(&b.0.queryid))
    });
    spread_out
        .into_iter()
        .map(|(s, max_ratio, stddev_ratio)| {
            let (text, short) = statement_excerpt(&s.query);
            let max = s.max_time_ms.unwrap_or(0.0);
            let stddev_text = s
                .stddev_time_ms
                .map(|d| format!(", stddev {d:.1} ms"))
                .unwrap_or_default();
            let min_text = s
                .min_time_ms
                .map(|m| format!(", min {m:.1} ms"))
                .unwrap_or_default();
            let mut metrics = vec![
                ("calls", s.calls as f64),
                ("mean_time_ms", (s.mean_time_ms * 100.0).round() / 100.0),
                ("max_time_ms", (max * 100.0).round() / 100.0),
                ("max_to_mean", (max_ratio * 10.0).round() / 10.0),
            ];
            if let Some(d) = s.stddev_time_ms {
                metrics.push(("stddev_time_ms", (d * 100.0).round() / 100.0));
            }
            let mut finding = live_finding(
                &LATENCY_SPREAD,
                LATENCY_SPREAD.default_severity,
                format!("queryid {}", s.queryid),
                format!(
                    "{} calls, mean {:.1} ms, max {max:.1} ms ({max_ratio:.0} times the mean){stddev_text}{min_text}: {short}",
                    s.calls, s.mean_time_ms
                ),
                metrics,
                if snapshot.is_mssql() {
                    "Catch a slow execution with its parameters (Query Store, or an Extended Events session on duration) and compare its plan with a fast one's: a parameter-sensitive plan needs an index serving every value or OPTION (RECOMPILE); lock waits need shorter writing transactions".into()
                } else {
                    "Catch a slow call with its parameters (auto_explain with log_min_duration) and compare its plan with a fast one's: a parameter-sensitive plan needs an index serving every value; lock waits need shorter writing transactions".into()
                },
            );
            match stddev_ratio {
                Some(r) if r < t.latency_spread_stddev_ratio => finding.confidence.lower(
                    ConfidenceLevel::Medium,
                    format!("only the slowest call stands out (the deviation is {r:.1} times the mean): one slow call, a lock wait or a cold cache after a restart, is enough"),
                ),
                None => finding.confidence.lower(
                    ConfidenceLevel::Medium,
                    "SQL Server keeps no deviation: one slow execution, a lock wait or a cold cache, is enough for the maximum",
                ),
                _ => {}
            }
            finding.evidence.snippet = Some(text);
            finding
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(calls: i64, mean: f64, max: Option<f64>, stddev: Option<f64>) -> StatementStat {
        StatementStat {
            queryid: "1".into(),
            query: "SELECT * FROM t WHERE id = $1".into(),
            calls,
            mean_time_ms: mean,
            total_time_ms: mean * calls as f64,
            min_time_ms: max.map(|_| 0.1),
            max_time_ms: max,
            stddev_time_ms: stddev,
            ..StatementStat::default()
        }
    }

    #[test]
    fn skewed_statement_is_reported_and_a_steady_one_is_not() {
        let t = Thresholds::default();
        let skewed = Snapshot {
            statements: vec![stat(500, 4.0, Some(600.0), Some(30.0))],
            ..Snapshot::default()
        };
        let f = check(&skewed, &t);
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message.starts_with(
                "500 calls, mean 4.0 ms, max 600.0 ms (150 times the mean), stddev 30.0 ms"
            ),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].confidence.level, ConfidenceLevel::High);
        let steady = Snapshot {
            statements: vec![
                stat(500, 40.0, Some(120.0), Some(10.0)),
                stat(5, 1.0, Some(900.0), Some(50.0)),
            ],
            ..Snapshot::default()
        };
        assert!(check(&steady, &t).is_empty());
        assert_eq!(unchecked(&steady), None);
    }

    #[test]
    fn without_min_max_the_rule_says_so() {
        let s = Snapshot {
            statements: vec![stat(500, 4.0, None, None)],
            ..Snapshot::default()
        };
        assert!(check(&s, &Thresholds::default()).is_empty());
        assert!(unchecked(&s)
            .unwrap()
            .starts_with("not run: 1 of 1 statement(s)"));
    }
}
