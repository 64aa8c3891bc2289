//! `idle-in-transaction`: sessions that opened a transaction and went idle inside it.

use super::connection_saturation::{application_label, no_sessions_reason};
use crate::analyze::{duration_text, live_finding, Thresholds};
use crate::declare_rule;
use crate::model::snapshot::Snapshot;
use crate::model::{Category, Finding, Severity};

declare_rule! {
    /// ## What it finds
    /// Sessions idle inside an open transaction for at least 60 seconds (configurable),
    /// per application, with how many there are and the oldest: PostgreSQL
    /// `pg_stat_activity` `state = 'idle in transaction'` (and `(aborted)`) by
    /// `state_change` and `xact_start`; SQL Server sleeping sessions with
    /// `open_transaction_count > 0`, by their last request's end and the transaction's
    /// begin time. High from ten times the threshold.
    ///
    /// ## Why it matters
    /// An idle transaction keeps its locks, so other sessions queue behind it; on
    /// PostgreSQL it also holds back the xmin horizon, so vacuum cannot remove dead rows
    /// anywhere in the server and tables bloat. It also holds a connection out of the
    /// pool. The cause is almost always the application: a transaction left open across
    /// a network call or user input, or an error path that skips the rollback.
    ///
    /// ## Example
    /// 3 sessions of application `billing-api` idle in transaction, the longest for
    /// 14.2 min (its transaction open 14.5 min).
    ///
    /// ## How to fix
    /// Find where that application begins a transaction and then waits before COMMIT
    /// (look at the session's last statement); commit or roll back on every path
    /// (`using` / `try ... finally`, SQL Server `SET XACT_ABORT ON`). On PostgreSQL set
    /// `idle_in_transaction_session_timeout` for the application's role as a safety net.
    pub static IDLE_IN_TRANSACTION = {
        name: "idle-in-transaction",
        code: "DB019",
        category: Category::ConnectionManagement,
        default_severity: Severity::Medium,
        summary: "Sessions idle inside an open transaction",
    };
}

/// Why the rule could not judge this snapshot (or part of it), if so.
pub fn unchecked(snapshot: &Snapshot) -> Option<String> {
    if snapshot.sessions.is_empty() {
        return Some(no_sessions_reason(snapshot));
    }
    let hidden: i64 = snapshot
        .sessions
        .iter()
        .filter(|g| g.state == "unknown")
        .map(|g| g.sessions)
        .sum();
    (hidden > 0).then(|| {
        format!(
            "partly: {hidden} session(s) of other roles show no state to the audit role (grant pg_read_all_stats or pg_monitor): they were not judged"
        )
    })
}

pub fn check(snapshot: &Snapshot, t: &Thresholds) -> Vec<Finding> {
    // (sessions, oldest idle, oldest transaction) per application.
    let mut per_app: std::collections::BTreeMap<&str, (i64, f64, Option<f64>)> =
        std::collections::BTreeMap::new();
    for g in snapshot
        .sessions
        .iter()
        .filter(|g| g.state.starts_with("idle in transaction"))
    {
        let entry = per_app
            .entry(g.application.as_str())
            .or_insert((0, 0.0, None));
        entry.0 += g.sessions;
        entry.1 = entry.1.max(g.oldest_state_seconds.unwrap_or(0.0));
        if let Some(x) = g.oldest_xact_seconds {
            entry.2 = Some(entry.2.map_or(x, |e: f64| e.max(x)));
        }
    }
    per_app
        .into_iter()
        .filter(|(_, (_, idle, _))| *idle >= t.idle_in_transaction_seconds)
        .map(|(application, (count, idle, xact))| {
            let label = application_label(application);
            let severity = if idle >= 10.0 * t.idle_in_transaction_seconds {
                Severity::High
            } else {
                IDLE_IN_TRANSACTION.default_severity
            };
            let xact_text = xact
                .map(|x| format!(" (its transaction open {})", duration_text(x)))
                .unwrap_or_default();
            let mut metrics = vec![
                ("sessions", count as f64),
                ("oldest_idle_seconds", idle.round()),
            ];
            if let Some(x) = xact {
                metrics.push(("oldest_transaction_seconds", x.round()));
            }
            live_finding(
                &IDLE_IN_TRANSACTION,
                severity,
                format!("application {label}"),
                format!(
                    "{count} session(s) of application {label} idle in transaction, the longest for {}{xact_text} (threshold {})",
                    duration_text(idle),
                    duration_text(t.idle_in_transaction_seconds)
                ),
                metrics,
                if snapshot.is_mssql() {
                    "Find where the application begins a transaction and waits before COMMIT (its last statement: sys.dm_exec_connections.most_recent_sql_handle); commit or roll back on every path, with SET XACT_ABORT ON so an error cannot leave it open".into()
                } else {
                    "Find where the application begins a transaction and waits before COMMIT (pg_stat_activity.query shows its last statement); commit or roll back on every path, and set idle_in_transaction_session_timeout for its role as a safety net".into()
                },
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::snapshot::SessionGroup;

    fn group(app: &str, state: &str, n: i64, idle: f64) -> SessionGroup {
        SessionGroup {
            application: app.into(),
            state: state.into(),
            sessions: n,
            oldest_xact_seconds: Some(idle + 5.0),
            oldest_state_seconds: Some(idle),
        }
    }

    #[test]
    fn idle_transactions_per_application_with_the_oldest() {
        let s = Snapshot {
            sessions: vec![
                group("api", "idle in transaction", 2, 300.0),
                group("api", "idle in transaction (aborted)", 1, 900.0),
                group("api", "active", 4, 1.0),
                group("batch", "idle in transaction", 1, 5.0),
            ],
            ..Snapshot::default()
        };
        let f = check(&s, &Thresholds::default());
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(
            f[0].message,
            "3 session(s) of application 'api' idle in transaction, the longest for 15.0 min (its transaction open 15.1 min) (threshold 60 s)"
        );
        assert_eq!(f[0].severity, Severity::High);
    }

    #[test]
    fn short_idle_transactions_are_healthy_and_hidden_states_are_unchecked() {
        let s = Snapshot {
            sessions: vec![
                group("api", "idle in transaction", 2, 3.0),
                group("x", "unknown", 4, 0.0),
            ],
            ..Snapshot::default()
        };
        assert!(check(&s, &Thresholds::default()).is_empty());
        assert!(unchecked(&s).unwrap().starts_with("partly: 4 session(s)"));
    }
}
