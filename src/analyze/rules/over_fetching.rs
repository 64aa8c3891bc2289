//! `over-fetching`: SELECTs that return thousands of rows per call.

use crate::analyze::read_only::read_shape;
use crate::analyze::{live_finding, statement_excerpt, Thresholds};
use crate::declare_rule;
use crate::model::snapshot::Snapshot;
use crate::model::{Category, Finding, Severity};

declare_rule! {
    /// ## What it finds
    /// Read-only statements (SELECT, not the system catalog) called at least 100 times that
    /// return at least 1,000 rows per call on average (both configurable):
    /// `pg_stat_statements` rows / calls, SQL Server `total_rows / execution_count`
    /// (2008 R2 and later).
    ///
    /// ## Why it matters
    /// Every row is read, sent over the network and materialised by the driver and the
    /// ORM; an application that needs a page or a count but fetches the whole set pays for
    /// all of it on every call, and the cost grows with the table.
    ///
    /// ## Example
    /// `SELECT * FROM audit_log WHERE tenant_id = $1`: 2,400 calls, 18,500 rows per call.
    ///
    /// ## How to fix
    /// Fetch what is shown: paginate (keyset `WHERE id > $last ... LIMIT n` / `TOP (n)`),
    /// aggregate in the database (`count(*)`, `sum`) instead of in the application, filter
    /// in the WHERE clause rather than after fetching, and select only the columns used.
    pub static OVER_FETCHING = {
        name: "over-fetching",
        code: "DB021",
        category: Category::RuntimeHotspots,
        default_severity: Severity::Medium,
        summary: "SELECT returning thousands of rows per call",
    };
}

pub fn check(snapshot: &Snapshot, t: &Thresholds) -> Vec<Finding> {
    let mut wide: Vec<_> = snapshot
        .statements
        .iter()
        .filter(|s| s.calls >= t.over_fetching_min_calls)
        .filter(|s| s.rows_per_call() >= t.over_fetching_rows_per_call)
        .filter(|s| {
            let shape = read_shape(&s.query, snapshot.is_mssql());
            shape.read_only && shape.reads_table && !shape.reads_catalog
        })
        .collect();
    wide.sort_by(|a, b| b.rows.cmp(&a.rows).then_with(|| a.queryid.cmp(&b.queryid)));
    wide.into_iter()
        .map(|s| {
            let (text, short) = statement_excerpt(&s.query);
            let mut finding = live_finding(
                &OVER_FETCHING,
                OVER_FETCHING.default_severity,
                format!("queryid {}", s.queryid),
                format!(
                    "{:.0} rows per call over {} calls ({} rows in all, threshold {:.0} per call): {short}",
                    s.rows_per_call(),
                    s.calls,
                    s.rows,
                    t.over_fetching_rows_per_call
                ),
                vec![
                    ("rows_per_call", s.rows_per_call().round()),
                    ("calls", s.calls as f64),
                    ("rows", s.rows as f64),
                ],
                if snapshot.is_mssql() {
                    "Fetch what is shown: paginate (keyset WHERE Id > @last with TOP (n)), aggregate in the database instead of in the application, filter in the WHERE clause, select only the columns used".into()
                } else {
                    "Fetch what is shown: paginate (keyset WHERE id > $last ... LIMIT n), aggregate in the database instead of in the application, filter in the WHERE clause, select only the columns used".into()
                },
            );
            finding.evidence.snippet = Some(text);
            finding
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::snapshot::StatementStat;

    fn stat(query: &str, calls: i64, rows: i64) -> StatementStat {
        StatementStat {
            queryid: query.len().to_string(),
            query: query.into(),
            calls,
            rows,
            ..StatementStat::default()
        }
    }

    #[test]
    fn wide_selects_only() {
        let s = Snapshot {
            statements: vec![
                stat(
                    "SELECT * FROM audit_log WHERE tenant_id = $1",
                    200,
                    200 * 5_000,
                ),
                stat("SELECT * FROM users WHERE id = $1", 200, 200),
                stat("UPDATE audit_log SET seen = true", 200, 200 * 5_000),
                stat("SELECT * FROM pg_catalog.pg_class", 200, 200 * 5_000),
                stat("SELECT * FROM big", 3, 3 * 5_000),
            ],
            ..Snapshot::default()
        };
        let f = check(&s, &Thresholds::default());
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].message
                .starts_with("5000 rows per call over 200 calls"),
            "{}",
            f[0].message
        );
    }
}
