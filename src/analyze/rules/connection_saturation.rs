//! `connection-saturation`: client connections close to the server's limit, or one
//! application close to its pool's size (SQL Server).

use crate::analyze::{live_finding, Thresholds};
use crate::declare_rule;
use crate::model::snapshot::{SessionGroup, Snapshot};
use crate::model::{Category, ConfidenceLevel, Finding, Severity};

declare_rule! {
    /// ## What it finds
    /// Client connections in use at or above 80% (configurable) of what the server
    /// allows: PostgreSQL `max_connections` minus `superuser_reserved_connections` (and
    /// `reserved_connections` on 16+), SQL Server `@@MAX_CONNECTIONS`; broken down by state
    /// (active, idle, idle in transaction) and by application. On SQL Server, where the
    /// server limit is rarely the one reached, also an application holding 80% of a
    /// client pool's default size (ADO.NET `Max Pool Size`, 100). Critical at the limit.
    ///
    /// ## Why it matters
    /// At the limit, new connections are refused (`FATAL: sorry, too many clients
    /// already`) or wait for the pool and time out (`Timeout expired ... max pool size was
    /// reached`): the application fails while the server is mostly idle. Each PostgreSQL
    /// connection is a process with its own memory; hundreds of idle ones cost memory and
    /// snapshot time.
    ///
    /// ## Example
    /// 182 of 197 connections in use (92%): idle 151, active 22, idle in transaction 9;
    /// by application: `billing-api` 120, `reports` 40, (none) 22.
    ///
    /// ## How to fix
    /// Find the application holding idle connections: size its pool to what it uses
    /// (the sum of all pools must stay under the limit), make sure every connection is
    /// closed / disposed on every path so it returns to the pool, and put a pooler
    /// (PgBouncer in transaction mode) in front of PostgreSQL for many clients; close
    /// forgotten sessions with `idle_session_timeout` (14+). Raise `max_connections` only
    /// with the memory for it.
    pub static CONNECTION_SATURATION = {
        name: "connection-saturation",
        code: "DB018",
        category: Category::ConnectionManagement,
        default_severity: Severity::High,
        summary: "Connections in use close to the server's limit or a pool's size",
    };
}

/// The number of connections clients may open, and how it was computed.
pub fn connection_limit(snapshot: &Snapshot) -> Option<(i64, String)> {
    let number = |name: &str| -> Option<i64> { snapshot.setting(name)?.trim().parse().ok() };
    let max = number("max_connections")?;
    if snapshot.is_mssql() {
        return Some((max, format!("@@MAX_CONNECTIONS {max}")));
    }
    let superuser = number("superuser_reserved_connections").unwrap_or(0);
    let reserved = number("reserved_connections").unwrap_or(0);
    let limit = (max - superuser - reserved).max(1);
    Some((
        limit,
        format!(
            "max_connections {max} minus {} reserved",
            superuser + reserved
        ),
    ))
}

/// Why the rule could not judge this snapshot, if it could not.
pub fn unchecked(snapshot: &Snapshot) -> Option<String> {
    if snapshot.sessions.is_empty() {
        return Some(no_sessions_reason(snapshot));
    }
    if connection_limit(snapshot).is_none() {
        return Some(if snapshot.is_mssql() {
            "not run: the server's connection limit (@@MAX_CONNECTIONS, in sessions.csv) is not in the snapshot".to_string()
        } else {
            "not run: max_connections is not in the snapshot's settings (was the settings query denied? see the notes)".to_string()
        });
    }
    None
}

/// The reason shared by the two session rules when the snapshot has no session rows.
pub fn no_sessions_reason(snapshot: &Snapshot) -> String {
    if snapshot
        .manifest
        .notes
        .iter()
        .any(|n| n.check == "sessions")
    {
        "not run: the sessions were not collected (see the note on `sessions`)".to_string()
    } else {
        "not run: the snapshot has no sessions (collected by dbaudit before this check existed, or sessions.csv not exported)".to_string()
    }
}

/// `'billing-api'`, or `(no application name)`: names are the client's, shown quoted and
/// cut to 64 characters (the report escapes them).
pub fn application_label(application: &str) -> String {
    if application.trim().is_empty() {
        return "(no application name)".to_string();
    }
    let cut: String = application.chars().take(64).collect();
    let more = if application.chars().count() > 64 {
        "…"
    } else {
        ""
    };
    format!("'{cut}{more}'")
}

/// (label, count) pairs of `groups` summed by `key`, largest first.
fn totals_by(groups: &[SessionGroup], key: fn(&SessionGroup) -> String) -> Vec<(String, i64)> {
    let mut totals: std::collections::BTreeMap<String, i64> = std::collections::BTreeMap::new();
    for g in groups {
        *totals.entry(key(g)).or_default() += g.sessions;
    }
    let mut list: Vec<(String, i64)> = totals.into_iter().collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    list
}

fn shown(list: &[(String, i64)], at_most: usize) -> String {
    let mut parts: Vec<String> = list
        .iter()
        .take(at_most)
        .map(|(label, n)| format!("{label} {n}"))
        .collect();
    if list.len() > at_most {
        parts.push(format!("{} more", list.len() - at_most));
    }
    parts.join(", ")
}

pub fn check(snapshot: &Snapshot, t: &Thresholds) -> Vec<Finding> {
    let groups = &snapshot.sessions;
    if groups.is_empty() {
        return Vec::new();
    }
    let mut findings = Vec::new();
    let in_use: i64 = groups.iter().map(|g| g.sessions).sum();
    let by_state = totals_by(groups, |g| g.state.clone());
    let by_app = totals_by(groups, |g| application_label(&g.application));
    let state_count = |state: &str| -> f64 {
        by_state
            .iter()
            .filter(|(s, _)| s == state)
            .map(|(_, n)| *n as f64)
            .sum()
    };
    if let Some((limit, how)) = connection_limit(snapshot) {
        let pct = 100.0 * in_use as f64 / limit as f64;
        if pct >= t.connection_saturation_pct {
            let severity = if in_use >= limit {
                Severity::Critical
            } else {
                CONNECTION_SATURATION.default_severity
            };
            findings.push(live_finding(
                &CONNECTION_SATURATION,
                severity,
                format!("database server of {}", snapshot.manifest.database),
                format!(
                    "{in_use} of {limit} connections in use ({pct:.0}%, threshold {:.0}%; {how}): by state {}; by application {}",
                    t.connection_saturation_pct,
                    shown(&by_state, 6),
                    shown(&by_app, 5),
                ),
                vec![
                    ("connections", in_use as f64),
                    ("limit", limit as f64),
                    ("used_pct", (pct * 10.0).round() / 10.0),
                    ("idle", state_count("idle")),
                    ("idle_in_transaction", state_count("idle in transaction")),
                    ("active", state_count("active")),
                ],
                if snapshot.is_mssql() {
                    "Find the application holding idle sessions (program_name): dispose every connection on every path so it returns to the pool, and size the pools to what they use; raise the limit only with the memory for it".into()
                } else {
                    "Size the application pools so their sum stays under max_connections, close connections on every path, put PgBouncer (transaction mode) in front for many clients, and close forgotten sessions with idle_session_timeout (14+); raise max_connections only with the memory for it".into()
                },
            ));
        }
    }
    if snapshot.is_mssql() {
        let pool = t.connection_pool_size.max(1);
        for (label, count) in &by_app {
            let pct = 100.0 * *count as f64 / pool as f64;
            if pct < t.connection_saturation_pct {
                continue;
            }
            let mut finding = live_finding(
                &CONNECTION_SATURATION,
                if *count >= pool { Severity::Critical } else { CONNECTION_SATURATION.default_severity },
                format!("application {label}"),
                format!(
                    "application {label} holds {count} sessions: {pct:.0}% of a client pool of {pool} (ADO.NET's default Max Pool Size); when its pool is exhausted, requests wait Connect Timeout and fail with \"max pool size was reached\""
                ),
                vec![("connections", *count as f64), ("pool_size", pool as f64), ("used_pct", (pct * 10.0).round() / 10.0)],
                "Dispose every SqlConnection (using / await using) so it returns to the pool, look for connections held across slow calls, and set Max Pool Size in the connection string to what the application needs".into(),
            );
            finding.confidence.lower(
                ConfidenceLevel::Medium,
                "a pool is per client process and connection string, and its real Max Pool Size is not visible to the server: sessions of several hosts or connection strings are counted together",
            );
            findings.push(finding);
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::snapshot::{Manifest, Setting};

    fn snapshot(engine: &str, groups: &[(&str, &str, i64)], max: Option<&str>) -> Snapshot {
        Snapshot {
            manifest: Manifest {
                engine: engine.into(),
                database: "app".into(),
                ..Manifest::default()
            },
            sessions: groups
                .iter()
                .map(|(app, state, n)| SessionGroup {
                    application: app.to_string(),
                    state: state.to_string(),
                    sessions: *n,
                    ..SessionGroup::default()
                })
                .collect(),
            settings: max
                .map(|m| {
                    vec![
                        Setting {
                            name: "max_connections".into(),
                            setting: m.into(),
                            unit: None,
                        },
                        Setting {
                            name: "superuser_reserved_connections".into(),
                            setting: "3".into(),
                            unit: None,
                        },
                    ]
                })
                .unwrap_or_default(),
            ..Snapshot::default()
        }
    }

    #[test]
    fn saturated_server_is_reported_with_states_and_applications() {
        let s = snapshot(
            "postgresql",
            &[
                ("api", "idle", 80),
                ("api", "active", 5),
                ("", "idle in transaction", 2),
            ],
            Some("100"),
        );
        let f = check(&s, &Thresholds::default());
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message.starts_with("87 of 97 connections in use (90%"),
            "{}",
            f[0].message
        );
        assert!(f[0].message.contains("'api' 85"), "{}", f[0].message);
        assert!(
            f[0].message.contains("(no application name) 2"),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].severity, Severity::High);
        let full = snapshot("postgresql", &[("api", "idle", 97)], Some("100"));
        assert_eq!(
            check(&full, &Thresholds::default())[0].severity,
            Severity::Critical
        );
    }

    #[test]
    fn healthy_or_unknown_limit() {
        let s = snapshot("postgresql", &[("api", "idle", 10)], Some("100"));
        assert!(check(&s, &Thresholds::default()).is_empty());
        assert_eq!(unchecked(&s), None);
        let unknown = snapshot("postgresql", &[("api", "idle", 10)], None);
        assert!(check(&unknown, &Thresholds::default()).is_empty());
        assert!(unchecked(&unknown).unwrap().contains("max_connections"));
        let empty = snapshot("postgresql", &[], Some("100"));
        assert!(unchecked(&empty).unwrap().contains("no sessions"));
    }

    #[test]
    fn sql_server_pool_evidence() {
        let s = snapshot(
            "mssql",
            &[("Billing", "idle", 95), ("Reports", "active", 3)],
            Some("32767"),
        );
        let f = check(&s, &Thresholds::default());
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(
            f[0].location.object.as_deref(),
            Some("application 'Billing'")
        );
        assert_eq!(f[0].confidence.level, ConfidenceLevel::Medium);
    }
}
