//! The advisor's work in the collector's session: each index candidate verified with
//! HypoPG (`hypopg::verify`), then the recommended set planned as a whole
//! (`workload_set::evaluate`). The caller hands it to the collector
//! (`collect::postgres::CollectOptions::session_work`), which lends it its read-only
//! session through `collect::plan_session::PlanSession`; without HypoPG in the audited
//! database nothing is planned and a note says so.

use crate::collect::plan_session::{PlanSession, SessionWork};
use crate::model::progress::Progress;
use crate::model::settings::{AdvisorConfig, Thresholds};
use crate::model::snapshot::{Note, Snapshot};

/// HypoPG verification with the audit's thresholds and advisor settings.
pub struct Verifier {
    pub thresholds: Thresholds,
    /// `[advisor]`: the recommended set evaluated workload-wide is the audit's.
    pub advisor: AdvisorConfig,
}

impl SessionWork for Verifier {
    fn run(&self, session: &dyn PlanSession, snapshot: &mut Snapshot, progress: &dyn Progress) {
        let has_hypopg = snapshot
            .manifest
            .extensions
            .iter()
            .any(|e| e.name == "hypopg");
        if !has_hypopg {
            if !snapshot.statements.is_empty() {
                snapshot.manifest.notes.push(Note {
                    check: "verification".into(),
                    message: "hypopg is not installed in this database: index candidates are not verified by the planner (dbaudit never installs anything)".into(),
                });
            }
            return;
        }
        let mut notes = Vec::new();
        snapshot.verifications =
            super::hypopg::verify(session, snapshot, &self.thresholds, &mut notes, progress);
        let (set, plans) = super::workload_set::evaluate(
            session,
            snapshot,
            &self.thresholds,
            &self.advisor,
            &mut notes,
            progress,
        );
        snapshot.workload_set = set;
        snapshot.workload_plans = plans;
        snapshot.manifest.notes.extend(notes);
    }
}

#[cfg(test)]
mod tests {
    //! The verification against a fake session (no server): what is sent is plan-only,
    //! and a session that fails half-way gives notes and a partial result.

    use std::cell::RefCell;

    use super::*;
    use crate::collect::plan_session::{Cell, Param, PlainRow, SessionError};
    use crate::collect::postgres_query;
    use crate::model::progress::Silent;
    use crate::model::snapshot::{ColumnInfo, Extension, Manifest, StatementStat, TableStat};

    /// When the fake session fails.
    #[derive(Clone, Copy)]
    enum Failure {
        None,
        /// Only the n-th EXPLAIN (from 0) fails: a statement timeout.
        Explain(usize),
        /// Every call from the n-th (from 0) on fails: the connection broke.
        From(usize),
    }

    /// A session that records what it is sent and answers like PostgreSQL with HypoPG:
    /// a plan costs 1000 without a hypothetical index, 10 with one (and names it).
    struct FakeSession {
        sent: RefCell<Vec<String>>,
        hypothetical: RefCell<usize>,
        explains: RefCell<usize>,
        failure: Failure,
    }

    impl FakeSession {
        fn new(failure: Failure) -> Self {
            FakeSession {
                sent: RefCell::new(Vec::new()),
                hypothetical: RefCell::new(0),
                explains: RefCell::new(0),
                failure,
            }
        }

        fn record(&self, sql: &str) -> Result<(), SessionError> {
            let mut sent = self.sent.borrow_mut();
            sent.push(sql.to_string());
            if matches!(self.failure, Failure::From(n) if sent.len() > n) {
                return Err(SessionError {
                    code: None,
                    message: "connection closed".into(),
                });
            }
            Ok(())
        }

        fn sent(&self) -> Vec<String> {
            self.sent.borrow().clone()
        }
    }

    fn row(cells: &[(&str, Cell)]) -> PlainRow {
        PlainRow {
            cells: cells
                .iter()
                .map(|(name, cell)| (name.to_string(), cell.clone()))
                .collect(),
        }
    }

    impl PlanSession for FakeSession {
        fn execute(&self, sql: &str) -> Result<(), SessionError> {
            self.record(sql)?;
            if sql == "ROLLBACK" || sql == postgres_query("hypopg_reset") {
                *self.hypothetical.borrow_mut() = 0;
            }
            Ok(())
        }

        fn explain(&self, sql: &str) -> Result<String, SessionError> {
            self.record(sql)?;
            let n = *self.explains.borrow();
            *self.explains.borrow_mut() += 1;
            if matches!(self.failure, Failure::Explain(at) if at == n) {
                return Err(SessionError {
                    code: Some("57014".into()),
                    message: "canceling statement due to statement timeout (57014)".into(),
                });
            }
            Ok(if *self.hypothetical.borrow() > 0 {
                r#"[{"Plan": {"Node Type": "Index Scan", "Index Name": "<1>btree_orders_customer_id", "Total Cost": 10.0}}]"#
            } else {
                r#"[{"Plan": {"Node Type": "Seq Scan", "Total Cost": 1000.0}}]"#
            }
            .to_string())
        }

        fn query(&self, sql: &str, params: &[Param<'_>]) -> Result<Vec<PlainRow>, SessionError> {
            self.record(sql)?;
            let texts = |i: usize| match params.get(i) {
                Some(Param::TextArray(list)) => list.to_vec(),
                _ => Vec::new(),
            };
            Ok(if sql == postgres_query("hypopg_create_index") {
                *self.hypothetical.borrow_mut() += 1;
                vec![row(&[(
                    "indexname",
                    Cell::Text("<1>btree_orders_customer_id".into()),
                )])]
            } else if sql == postgres_query("role_can_plan") {
                vec![row(&[("can_set_role", Cell::Bool(true))])]
            } else if sql == postgres_query("plan_safety_names") {
                texts(0)
                    .into_iter()
                    .zip(texts(1))
                    .map(|(kind, name)| {
                        row(&[
                            ("kind", Cell::Text(kind)),
                            ("name", Cell::Text(name)),
                            ("in_system", Cell::Bool(true)),
                            ("elsewhere", Cell::Null),
                        ])
                    })
                    .collect()
            } else if sql == postgres_query("plan_safety_relations") {
                texts(0)
                    .into_iter()
                    .zip(texts(1))
                    .map(|(schema, name)| {
                        row(&[
                            ("schema", Cell::Text(schema)),
                            ("name", Cell::Text(name)),
                            ("found", Cell::Int(1)),
                            ("unsafe", Cell::Null),
                        ])
                    })
                    .collect()
            } else {
                Vec::new()
            })
        }
    }

    const QUERY: &str = "SELECT id FROM orders WHERE customer_id = $1";

    /// A large table, a hot statement on it (run by `role`, or of unknown role), HypoPG.
    fn snapshot(version: i64, role: Option<&str>) -> Snapshot {
        Snapshot {
            manifest: Manifest {
                engine: "postgresql".into(),
                server_version_num: version,
                extensions: vec![Extension {
                    name: "hypopg".into(),
                    version: "1.4.1".into(),
                }],
                ..Default::default()
            },
            tables: vec![TableStat {
                schema: "public".into(),
                name: "orders".into(),
                live_rows: 1_000_000,
                seq_scan: 10_000,
                seq_tup_read: 10_000_000_000,
                ..Default::default()
            }],
            columns: ["id", "customer_id"]
                .iter()
                .map(|c| ColumnInfo {
                    schema: "public".into(),
                    table: "orders".into(),
                    name: c.to_string(),
                    data_type: "integer".into(),
                    not_null: true,
                })
                .collect(),
            statements: vec![StatementStat {
                queryid: "42".into(),
                query: QUERY.into(),
                calls: 10_000,
                total_time_ms: 500_000.0,
                mean_time_ms: 50.0,
                rows: 10_000,
                role: role.map(str::to_string),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    fn verifier() -> Verifier {
        Verifier {
            thresholds: Thresholds::default(),
            advisor: AdvisorConfig::default(),
        }
    }

    /// Every statement is one a planning session needs; the workload statement appears
    /// only behind EXPLAIN or PREPARE, inside a READ ONLY transaction that is rolled back;
    /// nothing is ANALYZEd, committed or executed.
    fn assert_plan_only(sent: &[String]) {
        const ALLOWED: &[&str] = &[
            "BEGIN READ ONLY",
            "ROLLBACK",
            "RESET ROLE",
            "SET LOCAL ROLE ",
            "SET LOCAL plan_cache_mode = force_generic_plan",
            "EXPLAIN (FORMAT JSON, GENERIC_PLAN) ",
            "EXPLAIN (FORMAT JSON) EXECUTE dbaudit_verify",
            "PREPARE dbaudit_verify AS ",
            "DEALLOCATE dbaudit_verify",
        ];
        let named = [
            "hypopg_reset",
            "hypopg_create_index",
            "role_can_plan",
            "plan_safety_names",
            "plan_safety_relations",
        ];
        let mut in_transaction = false;
        for sql in sent {
            assert!(
                ALLOWED.iter().any(|a| sql.starts_with(a))
                    || named.iter().any(|n| sql == postgres_query(n)),
                "not a planning statement: {sql}"
            );
            assert!(!sql.to_uppercase().contains("ANALYZE"), "{sql}");
            if sql.contains(QUERY) {
                assert!(
                    sql.starts_with("EXPLAIN (FORMAT JSON, GENERIC_PLAN) ")
                        || sql.starts_with("PREPARE dbaudit_verify AS "),
                    "the workload statement outside EXPLAIN / PREPARE: {sql}"
                );
            }
            let inside_only = sql.starts_with("EXPLAIN")
                || sql.starts_with("PREPARE")
                || sql.starts_with("SET LOCAL")
                || sql == "RESET ROLE"
                || sql == postgres_query("hypopg_create_index");
            if inside_only {
                assert!(in_transaction, "outside the READ ONLY transaction: {sql}");
            }
            if sql == "BEGIN READ ONLY" {
                assert!(!in_transaction, "a transaction left open before: {sent:?}");
                in_transaction = true;
            }
            if sql == "ROLLBACK" {
                in_transaction = false;
            }
        }
        assert!(!in_transaction, "the last transaction was not rolled back");
    }

    #[test]
    fn statements_are_planned_only_as_their_role_in_a_rolled_back_read_only_transaction() {
        for version in [160_000, 150_000] {
            let session = FakeSession::new(Failure::None);
            let mut snapshot = snapshot(version, Some("app"));
            verifier().run(&session, &mut snapshot, &Silent);
            let sent = session.sent();
            assert_plan_only(&sent);
            assert!(sent.contains(&"SET LOCAL ROLE app".to_string()), "{sent:?}");
            if version < 160_000 {
                assert!(sent.iter().any(|s| s.starts_with("PREPARE")), "{sent:?}");
                // Every PREPARE is deallocated.
                let prepares = sent.iter().filter(|s| s.starts_with("PREPARE")).count();
                let deallocates = sent.iter().filter(|s| s.starts_with("DEALLOCATE")).count();
                assert_eq!(prepares, deallocates, "{sent:?}");
            }
            assert!(
                !snapshot.verifications.is_empty(),
                "{version}: no candidate"
            );
            for v in &snapshot.verifications {
                assert_eq!(v.not_verified, None, "{v:?}");
                assert!(v.index_used);
                assert_eq!((v.cost_before, v.cost_after), (1000.0, 10.0));
            }
            assert_eq!(
                snapshot.workload_set.len(),
                1,
                "{:?}",
                snapshot.workload_set
            );
            assert_eq!(snapshot.workload_plans.len(), 1);
            assert_eq!(snapshot.workload_plans[0].indexes_used, "0");
            assert!(
                snapshot.manifest.notes.is_empty(),
                "{:?}",
                snapshot.manifest.notes
            );
        }
    }

    #[test]
    fn a_statement_of_unknown_role_is_planned_as_the_auditor_after_the_catalog_check() {
        let session = FakeSession::new(Failure::None);
        let mut snapshot = snapshot(160_000, None);
        verifier().run(&session, &mut snapshot, &Silent);
        let sent = session.sent();
        assert_plan_only(&sent);
        assert!(sent.contains(&postgres_query("plan_safety_relations").to_string()));
        assert!(!sent.iter().any(|s| s.starts_with("SET LOCAL ROLE")));
        assert!(snapshot
            .verifications
            .iter()
            .all(|v| v.not_verified.is_none() && v.index_used));
    }

    #[test]
    fn a_plan_failing_half_way_is_a_note_and_an_unverified_candidate() {
        // The second EXPLAIN is the plan with the hypothetical index.
        let session = FakeSession::new(Failure::Explain(1));
        let mut snapshot = snapshot(160_000, Some("app"));
        verifier().run(&session, &mut snapshot, &Silent);
        let sent = session.sent();
        assert_plan_only(&sent);
        let first = &snapshot.verifications[0];
        assert!(!first.index_used);
        assert_eq!((first.cost_before, first.cost_after), (0.0, 0.0));
        assert_eq!(
            first.not_verified.as_deref(),
            Some("timeout: planning took longer than statement_timeout (canceling statement due to statement timeout (57014)); raise it with --query-timeout")
        );
        // After the failure: rolled back and the hypothetical indexes dropped.
        let failed_at = sent
            .iter()
            .enumerate()
            .filter(|(_, s)| s.starts_with("EXPLAIN"))
            .nth(1)
            .map(|(i, _)| i)
            .unwrap();
        assert_eq!(sent[failed_at + 1], "ROLLBACK");
        assert_eq!(sent[failed_at + 2], postgres_query("hypopg_reset"));
        let notes: Vec<&str> = snapshot
            .manifest
            .notes
            .iter()
            .map(|n| n.message.as_str())
            .collect();
        assert!(
            notes.iter().any(|n| n.starts_with(
                "1 statement(s) could not be planned for verification (their candidates stay unverified); first: queryid 42: timeout"
            )),
            "{notes:?}"
        );
        // The candidate's verdict says why it is not verified; never "verified".
        let (candidates, _) =
            crate::analyze::workload::candidates(&snapshot, &Thresholds::default());
        let candidate = candidates
            .iter()
            .find(|c| c.key() == first.key_columns)
            .unwrap();
        match &candidate.verdict {
            crate::analyze::workload::Verdict::Unverified { reason } => {
                assert!(reason.starts_with("timeout"), "{reason}")
            }
            other => panic!("not planned, yet {other:?}"),
        }
    }

    #[test]
    fn a_session_that_breaks_leaves_every_candidate_unverified_with_its_cause() {
        // Broken after the first statements: every later call fails.
        for from in [0, 3, 6] {
            let session = FakeSession::new(Failure::From(from));
            let mut snapshot = snapshot(160_000, Some("app"));
            verifier().run(&session, &mut snapshot, &Silent);
            assert_plan_only(&session.sent());
            // Each unplanned candidate and statement carries the cause.
            assert!(!snapshot.verifications.is_empty());
            assert!(
                snapshot.verifications.iter().all(|v| !v.index_used
                    && v.not_verified
                        .as_deref()
                        .is_some_and(|r| r.contains("connection closed"))),
                "{from}: {:?}",
                snapshot.verifications
            );
            assert!(
                snapshot
                    .workload_plans
                    .iter()
                    .all(|p| p.indexes_used.is_empty()
                        && p.not_planned
                            .as_deref()
                            .is_some_and(|r| r.contains("connection closed"))),
                "{from}: {:?}",
                snapshot.workload_plans
            );
            let (candidates, _) =
                crate::analyze::workload::candidates(&snapshot, &Thresholds::default());
            assert!(candidates.iter().all(|c| matches!(
                c.verdict,
                crate::analyze::workload::Verdict::Unverified { .. }
            )));
        }
    }

    #[test]
    fn without_hypopg_nothing_is_sent_and_a_note_says_so() {
        let session = FakeSession::new(Failure::None);
        let mut snapshot = snapshot(160_000, Some("app"));
        snapshot.manifest.extensions.clear();
        verifier().run(&session, &mut snapshot, &Silent);
        assert!(session.sent().is_empty());
        assert!(snapshot.verifications.is_empty());
        assert_eq!(
            snapshot
                .manifest
                .notes
                .iter()
                .map(|n| (n.check.as_str(), n.message.as_str()))
                .collect::<Vec<_>>(),
            [("verification", "hypopg is not installed in this database: index candidates are not verified by the planner (dbaudit never installs anything)")]
        );
        // No statements: nothing to verify, nothing to say.
        snapshot.statements.clear();
        snapshot.manifest.notes.clear();
        verifier().run(&session, &mut snapshot, &Silent);
        assert!(snapshot.manifest.notes.is_empty());
    }
}
