//! Planner verification never runs a database user's code with the auditor's rights.
//!
//! The probe: an unprivileged role owns schema `s` with a STABLE function `s.f()` whose
//! side effect is a `RAISE LOG` marker naming `current_user`, and a VOLATILE `s.g()`
//! likewise, and runs `SELECT v FROM s.t WHERE k = s.f()` (and `= s.g()`) a hundred
//! times. The planner evaluates stable functions while it estimates selectivity, so
//! verifying that statement's index candidate with HypoPG used to run `s.f()` as the
//! auditing superuser. Now: audited by a role that cannot take the statement's role, the
//! function never runs and the candidate says why; audited by a superuser (who may take
//! it), the statement is planned as its own role, so the function runs as that role and
//! never as `postgres`. A plain statement is still verified; dbaudit leaves no ERROR in
//! the server log and none of its own statements in the next audit's workload; a
//! superuser connection is said to be one.

use std::path::Path;

use serde_json::Value;

use crate::{dbaudit, pg_cluster};

/// The RAISE LOG output of the probe functions (the log also holds the CREATE FUNCTION
/// statement itself, whose text has `%` where the role name goes).
const MARKER_LINE: &str = "LOG:  dbaudit-probe-marker current_user=";

fn setup() -> Option<pg_cluster::PgCluster> {
    let Some(pg) = pg_cluster::start() else {
        eprintln!("skipped: no PostgreSQL server");
        return None;
    };
    if !pg.has_extension_available("hypopg") {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("HypoPG is not installed: .ci/run installs it (postgresql-15-hypopg)");
        }
        eprintln!("skipped: HypoPG is not installed");
        return None;
    }
    pg.create_database("app");
    pg.psql(
        "app",
        "CREATE EXTENSION pg_stat_statements; CREATE EXTENSION hypopg; \
         CREATE ROLE app_owner LOGIN; CREATE SCHEMA s AUTHORIZATION app_owner; \
         CREATE ROLE auditor LOGIN; GRANT pg_monitor TO auditor; \
         GRANT USAGE ON SCHEMA s TO auditor;",
    );
    // Everything in s is the unprivileged role's own work.
    pg.psql(
        "app",
        "SET ROLE app_owner; \
         CREATE TABLE s.t (k int, v int); \
         INSERT INTO s.t SELECT g, g FROM generate_series(1, 20000) g; \
         CREATE TABLE s.plain (k int, v int); \
         INSERT INTO s.plain SELECT g, g FROM generate_series(1, 20000) g; \
         ANALYZE s.t; ANALYZE s.plain; \
         CREATE FUNCTION s.f() RETURNS int LANGUAGE plpgsql STABLE AS $$ \
           BEGIN RAISE LOG 'dbaudit-probe-marker current_user=% (stable)', current_user; RETURN 1; END $$; \
         CREATE FUNCTION s.g() RETURNS int LANGUAGE plpgsql VOLATILE AS $$ \
           BEGIN RAISE LOG 'dbaudit-probe-marker current_user=% (volatile)', current_user; RETURN 1; END $$; \
         GRANT SELECT ON s.t, s.plain TO auditor;",
    );
    // The hot statements, run by app_owner; the workload's own executions of the
    // functions are kept out of the log (log_min_messages is the superuser's to set).
    let mut workload = String::from("SET log_min_messages = fatal; SET ROLE app_owner; ");
    for _ in 0..100 {
        workload.push_str(
            "SELECT v FROM s.t WHERE k = s.f(); SELECT v FROM s.t WHERE v = s.g(); \
             SELECT v FROM s.plain WHERE k = 42; ",
        );
    }
    pg.psql("app", &workload);
    assert!(
        !pg.server_log().contains(MARKER_LINE),
        "the workload itself logs nothing"
    );
    Some(pg)
}

fn audit(pg: &pg_cluster::PgCluster, user: &str, out: &Path) -> Value {
    let output = dbaudit(&[
        "audit",
        "--db",
        &pg.url(user, None, "app"),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
        "--fail-on",
        "none",
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap()
}

/// The recommendation (or dropped candidate) of the report for `s.<table>` (key).
fn candidate_text(report: &Value, table: &str) -> String {
    let mut found = Vec::new();
    for list in ["recommendations", "dropped"] {
        if let Some(items) = report[list].as_array() {
            for item in items {
                if item["schema"] == "s" && item["table"] == table {
                    found.push(item.to_string());
                }
            }
        }
    }
    found.join("\n")
}

fn marker_lines(log: &str) -> Vec<&str> {
    log.lines().filter(|l| l.contains(MARKER_LINE)).collect()
}

#[test]
fn user_functions_in_hot_statements_never_run_as_the_auditor() {
    let Some(pg) = setup() else { return };
    let work = tempfile::tempdir().unwrap();

    // 1. The auditor cannot take app_owner's role: nothing of s.f() / s.g() runs.
    let log_before = pg.server_log().len();
    let report = audit(&pg, "auditor", &work.path().join("auditor"));
    let log = pg.server_log()[log_before..].to_string();
    assert!(
        marker_lines(&log).is_empty(),
        "a user function ran during an audit by a role that cannot take its owner's: {:?}",
        marker_lines(&log)
    );
    let t = candidate_text(&report, "t");
    assert!(!t.is_empty(), "a candidate on s.t: {report}");
    assert!(
        t.contains("not planned: calls s.f(), a function outside pg_catalog, and the auditor cannot SET ROLE to app_owner"),
        "the candidate says why it was not verified: {t}"
    );
    assert!(
        t.contains("not planned: calls s.g(), a function outside pg_catalog"),
        "the volatile one too: {t}"
    );
    assert!(!t.contains("HypoPG not available"), "{t}");
    // 2. The plain statement (no user function) is still verified, as the auditor.
    let plain = candidate_text(&report, "plain");
    assert!(
        plain.contains("\"kind\":\"verified\"") && plain.contains("cost_before"),
        "the plain statement is verified: {plain}"
    );
    assert!(
        !report.to_string().contains("connected as superuser"),
        "a pg_monitor role gets no superuser note"
    );
    no_errors_from_dbaudit(&log);

    // 3. A superuser may take app_owner's role: the statement is planned as app_owner,
    //    so s.f() may run, but only as app_owner; the volatile s.g() is never evaluated.
    let log_before = pg.server_log().len();
    let report = audit(&pg, "postgres", &work.path().join("superuser"));
    let log = pg.server_log()[log_before..].to_string();
    let lines = marker_lines(&log);
    for line in &lines {
        assert!(
            line.contains("current_user=app_owner (stable)"),
            "a user function ran as someone else than its statement's role: {line}"
        );
    }
    assert!(
        !log.contains("current_user=postgres"),
        "nothing ran as the auditing superuser"
    );
    let t = candidate_text(&report, "t");
    assert!(
        t.contains("cost_before"),
        "planned as app_owner, the candidate is verified (or rejected) by the planner: {t}"
    );
    assert!(
        report
            .to_string()
            .contains("connected as superuser postgres"),
        "the superuser note: {}",
        report["not_checked"]
    );
    no_errors_from_dbaudit(&log);

    // 4. dbaudit's own statements are not in the next audit's workload.
    let snap = work.path().join("snap");
    let output = dbaudit(&[
        "collect",
        "--db",
        &pg.url("postgres", None, "app"),
        "--out",
        snap.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0));
    let statements = std::fs::read_to_string(snap.join("statements.csv")).unwrap();
    for own in [
        "/* dbaudit */",
        "dbaudit_verify",
        "FROM hypopg_create_index",
        "EXPLAIN",
        "SET LOCAL ROLE",
        "pg_stat_statements s",
        "pg_has_role",
    ] {
        assert!(
            !statements.contains(own),
            "dbaudit's own statements ({own}) are left out of the workload:\n{statements}"
        );
    }
    assert!(
        statements.contains("s.f()") && statements.contains(",app_owner"),
        "the workload and its role are there:\n{statements}"
    );
}

/// No ERROR at all while dbaudit ran (the test's own workload ran before), in particular
/// none of the `prepared statement "dbaudit_verify" does not exist` kind.
fn no_errors_from_dbaudit(log: &str) {
    let errors: Vec<&str> = log.lines().filter(|l| l.contains("ERROR:")).collect();
    assert!(
        errors.is_empty(),
        "dbaudit left ERRORs in the server log: {errors:?}"
    );
}
