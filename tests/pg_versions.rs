//! The PostgreSQL live audit on every supported major version (13 to 18): for each server
//! bindir in `$DBAUDIT_PG_BINDIRS` (a PATH-style list; `.ci/run` sets it from
//! `.ci/pg-versions`), a throwaway cluster gets the planted fixture database, then
//! `dbaudit collect`, `analyze --snapshot` and `audit --db` run exactly as a user runs them.
//! What differs between versions is asserted for real: the pg_stat_statements version the
//! server installs (1.8 on 13 ... 1.12 on 18) and that the collector found its timing
//! columns (statements have times, not zeros), that every catalog query ran (no "could not
//! run" note), the usage counters (late on 13/14: the test polls until they arrive) and
//! the planted findings. HypoPG verification is checked where the server has HypoPG
//! (Debian's 15); elsewhere the candidate must say it is unverified, not pretend.
//!
//! Without `$DBAUDIT_PG_BINDIRS` the test is skipped with a message, except under CI
//! (`CI=true`), where that and any listed directory without a server are failures.

#[path = "support/pg_cluster.rs"]
mod pg_cluster;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

const PASSWORD: &str = "Matrix-pw-4-test";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/postgres")
        .join(name)
}

use pg_cluster::dbaudit;

fn under_ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

/// The pg_stat_statements version each major installs by default (its newest).
fn expected_statements_version(major: i64) -> &'static str {
    match major {
        13 => "1.8",
        14 => "1.9",
        15 | 16 => "1.10",
        17 => "1.11",
        18 => "1.12",
        _ => "unknown",
    }
}

/// The pg_stat_statements columns that tell its versions apart, as (column, present?).
fn expected_statement_columns(version: &str) -> Vec<(&'static str, bool)> {
    let at_least = |v: &str| {
        let parse = |s: &str| -> Vec<u32> { s.split('.').filter_map(|p| p.parse().ok()).collect() };
        parse(version) >= parse(v)
    };
    vec![
        // 1.8: total_time/mean_time split into planning and execution.
        ("total_exec_time", true),
        ("total_time", false),
        // 1.10: JIT and temp-block timing columns.
        ("jit_functions", at_least("1.10")),
        ("temp_blk_read_time", at_least("1.10")),
        // 1.11: blk_read_time renamed shared_blk_read_time (local_blk_* added), stats_since.
        ("shared_blk_read_time", at_least("1.11")),
        ("blk_read_time", !at_least("1.11")),
        ("stats_since", at_least("1.11")),
        // 1.12: parallel worker counts.
        ("parallel_workers_launched", at_least("1.12")),
    ]
}

fn rules_and_objects(report: &Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .map(|findings| {
            findings
                .iter()
                .map(|f| {
                    (
                        f["rule"].as_str().unwrap_or("").to_string(),
                        f["location"]["object"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Polls `sql` (one value) until `done` accepts it: statistics reach the views a moment
/// after the statements ran (on 13/14 through the statistics collector's UDP messages).
fn wait_for(pg: &pg_cluster::PgCluster, what: &str, sql: &str, done: impl Fn(&str) -> bool) {
    let started = Instant::now();
    loop {
        // A fresh snapshot of the statistics in each psql session.
        let value = pg.psql("app", sql);
        if done(value.trim()) {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{what}: still `{}` after 60 s ({sql})",
            value.trim()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The audit against the server of `bindir`; returns its major version.
fn audit_one(bindir: &Path) -> i64 {
    let pg = pg_cluster::PgCluster::start_with(bindir.to_path_buf()).unwrap_or_else(|| {
        panic!("running as root and there is no `postgres` OS user to run the server as")
    });
    let version_num: i64 = pg
        .psql("postgres", "SHOW server_version_num")
        .trim()
        .parse()
        .expect("server_version_num is a number");
    let major = version_num / 10000;

    pg.create_database("app");
    pg.psql_file("app", &fixture("schema.sql"));
    pg.psql_file("app", &fixture("invalid_index.sql"));
    pg.psql_file("app", &fixture("workload.sql"));
    pg.psql(
        "app",
        "CREATE ROLE auditor_full LOGIN; GRANT pg_monitor TO auditor_full; \
         GRANT SELECT ON ALL TABLES IN SCHEMA public TO auditor_full;",
    );
    pg.require_password("auditor_full", PASSWORD, "scram-sha-256");

    // The extension and its columns as this server has them.
    let statements_version = pg
        .psql(
            "app",
            "SELECT extversion FROM pg_extension WHERE extname = 'pg_stat_statements'",
        )
        .trim()
        .to_string();
    assert_eq!(
        statements_version,
        expected_statements_version(major),
        "pg_stat_statements version on PostgreSQL {major}"
    );
    let columns = pg.psql(
        "app",
        "SELECT attname FROM pg_attribute WHERE attrelid = 'pg_stat_statements'::regclass \
         AND attnum > 0 AND NOT attisdropped",
    );
    let columns: Vec<&str> = columns.lines().map(str::trim).collect();
    for (column, present) in expected_statement_columns(&statements_version) {
        assert_eq!(
            columns.contains(&column),
            present,
            "pg_stat_statements {statements_version} on PostgreSQL {major}: column {column} \
             present = {present} expected; columns: {columns:?}"
        );
    }
    let has_hypopg = pg.has_extension_available("hypopg");

    // Wait for the workload's statistics instead of sleeping a guessed time.
    wait_for(
        &pg,
        "pg_stat_statements rows of the workload",
        "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements \
         WHERE query LIKE 'SELECT appointment_id, start_date, status FROM appointments WHERE client_id = $1%'",
        |v| v.parse::<i64>().unwrap_or(0) >= 200,
    );
    wait_for(
        &pg,
        "table and index counters",
        "SELECT (SELECT coalesce(sum(seq_scan), 0) FROM pg_stat_user_tables WHERE relname = 'appointments') \
              || ',' || (SELECT coalesce(sum(idx_scan), 0) FROM pg_stat_user_indexes WHERE relname = 'user_login') \
              || ',' || (SELECT coalesce(sum(calls), 0) FROM pg_stat_user_functions WHERE funcname = 'provider_revenue_report')",
        |v| {
            let n: Vec<i64> = v.split(',').filter_map(|p| p.parse().ok()).collect();
            n.len() == 3 && n[0] >= 200 && n[1] >= 200 && n[2] >= 100
        },
    );

    let url = pg.url("auditor_full", Some(PASSWORD), "app");
    let work = tempfile::tempdir().expect("a temporary directory");
    let config_path = work.path().join("dbaudit.toml");
    // The statistics are seconds old; let unused-index judge them anyway.
    std::fs::write(
        &config_path,
        "[thresholds]\nunused_index_min_stats_days = 0\n",
    )
    .expect("write dbaudit.toml");
    let config = config_path.to_str().expect("utf-8 path");

    // 1. collect: every catalog query runs on this version.
    let snap = work.path().join("snap");
    let out = dbaudit(&["collect", "--db", &url, "--out", snap.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(0), "collect: {stderr}");
    assert!(!stderr.contains(PASSWORD), "the password is never printed");
    let snapshot = dbaudit::snapshot::read(&snap).expect("the snapshot reads back");
    let manifest = &snapshot.manifest;
    assert_eq!(manifest.server_version_num, version_num);
    let failed: Vec<String> = manifest
        .notes
        .iter()
        .filter(|n| n.message.contains("could not run") || n.message.contains("not installed"))
        .filter(|n| n.check != "verification" || has_hypopg)
        .map(|n| format!("{}: {}", n.check, n.message))
        .collect();
    assert!(
        failed.is_empty(),
        "PostgreSQL {major}: checks that did not run: {failed:#?}"
    );
    assert!(
        manifest
            .extensions
            .iter()
            .any(|e| e.name == "pg_stat_statements" && e.version == statements_version),
        "the manifest records pg_stat_statements {statements_version}: {:?}",
        manifest.extensions
    );
    // The timing columns were found: the missing-index query has its calls and real times.
    let statement = snapshot
        .statements
        .iter()
        .find(|s| {
            s.query.starts_with(
                "SELECT appointment_id, start_date, status FROM appointments WHERE client_id = $1",
            )
        })
        .unwrap_or_else(|| {
            panic!(
                "the workload's appointments query is in the snapshot: {:#?}",
                snapshot
                    .statements
                    .iter()
                    .map(|s| &s.query)
                    .collect::<Vec<_>>()
            )
        });
    assert_eq!(statement.calls, 200, "{statement:?}");
    assert!(
        statement.total_time_ms > 0.0 && statement.mean_time_ms > 0.0,
        "{statement:?}"
    );
    assert!(statement.rows > 0, "{statement:?}");
    assert!(
        statement.shared_blks_hit + statement.shared_blks_read > 0,
        "{statement:?}"
    );
    assert_eq!(statement.role.as_deref(), Some("postgres"), "{statement:?}");
    assert!(
        !snapshot
            .statements
            .iter()
            .any(|s| s.query.contains("/* dbaudit */")),
        "dbaudit's own statements are left out"
    );
    let appointments = snapshot
        .tables
        .iter()
        .find(|t| t.name == "appointments")
        .expect("appointments in tables");
    assert!(
        appointments.seq_scan >= 200 && appointments.live_rows > 0,
        "{appointments:?}"
    );
    let unused = snapshot
        .indexes
        .iter()
        .find(|i| i.name == "ix_payments_status_unused")
        .expect("the unused index is read");
    // PostgreSQL 18's B-tree skip scan can serve the provider statement's created_date
    // range from (status, created_date): there the planted index may be used after all.
    let planted_unused = unused.idx_scan == 0;
    assert!(
        planted_unused || major >= 18,
        "PostgreSQL {major}: nothing reads payments by status, yet {unused:?}"
    );
    assert!(snapshot
        .index_columns
        .iter()
        .any(|c| c.index == "ix_payments_status_unused" && c.column.as_deref() == Some("status")));
    assert!(
        snapshot
            .functions
            .iter()
            .any(|f| f.name == "provider_revenue_report" && f.calls >= 100),
        "function statistics"
    );
    assert!(!snapshot.column_stats.is_empty(), "planner statistics");
    assert!(!snapshot.foreign_keys.is_empty(), "foreign keys");
    assert!(!snapshot.settings.is_empty(), "settings");

    // 2. analyze --snapshot: the planted problems.
    let out = dbaudit(&[
        "analyze",
        "--snapshot",
        snap.to_str().unwrap(),
        "--config",
        config,
        "-f",
        "json",
        "--fail-on",
        "none",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "analyze: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("analyze prints JSON");
    let found = rules_and_objects(&report);
    let expected = [
        ("missing-index", "public.appointments"),
        ("duplicate-index", "public.ix_notifications_user"),
        ("invalid-index", "public.ix_appointments_notes_invalid"),
        ("unindexed-foreign-key", "public.payments"),
    ];
    let unused_reported = found
        .iter()
        .any(|(r, o)| r == "unused-index" && o == "public.ix_payments_status_unused");
    assert_eq!(
        unused_reported, planted_unused,
        "PostgreSQL {major}: unused-index on ix_payments_status_unused exactly when its \
         idx_scan is 0 ({}); found {found:#?}",
        unused.idx_scan
    );
    for (rule, object) in expected {
        assert!(
            found.iter().any(|(r, o)| r == rule && o == object),
            "PostgreSQL {major}: {rule} on {object} expected; found {found:#?}"
        );
    }
    assert!(
        report["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|f| f["rule"] == "slow-query"
                && f["message"]
                    .as_str()
                    .unwrap_or("")
                    .contains("provider_revenue_report")),
        "PostgreSQL {major}: slow-query on provider_revenue_report; found {found:#?}"
    );
    let candidate = report["index_candidates"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["table"] == "appointments")
        .expect("a candidate on appointments");
    assert_eq!(
        candidate["key_columns"],
        serde_json::json!(["client_id", "start_date"]),
        "{candidate}"
    );
    if has_hypopg {
        assert_eq!(candidate["verdict"]["status"], "verified", "{candidate}");
    } else {
        assert_ne!(candidate["verdict"]["status"], "verified", "{candidate}");
    }

    // 3. audit --db: the whole audit, live, writes its three files with the same problems.
    let out_dir = work.path().join("audit");
    let out = dbaudit(&[
        "audit",
        "--db",
        &url,
        "--config",
        config,
        "--out",
        out_dir.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "audit --db: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let audit_json: Value = serde_json::from_str(
        &std::fs::read_to_string(out_dir.join("report.json")).expect("report.json written"),
    )
    .expect("report.json is JSON");
    let audit_found = rules_and_objects(&audit_json);
    for (rule, object) in expected {
        assert!(
            audit_found.iter().any(|(r, o)| r == rule && o == object),
            "PostgreSQL {major}, audit --db: {rule} on {object} expected; found {audit_found:#?}"
        );
    }
    let ddl = std::fs::read_to_string(out_dir.join("indexes.sql")).expect("indexes.sql written");
    assert!(
        ddl.contains("ON public.appointments (client_id, start_date)"),
        "{ddl}"
    );
    assert!(out_dir.join("report.md").is_file());
    major
}

#[test]
fn live_audit_on_every_listed_postgresql_version() {
    let Some(list) = std::env::var_os("DBAUDIT_PG_BINDIRS") else {
        assert!(
            !under_ci(),
            "DBAUDIT_PG_BINDIRS is not set: .ci/run sets it from .ci/pg-versions \
             (PostgreSQL 13 to 18 server bindirs)"
        );
        eprintln!(
            "skipped: DBAUDIT_PG_BINDIRS is not set (run .ci/pg-versions and set it to the \
             bindirs it prints, joined with ':')"
        );
        return;
    };
    let bindirs: Vec<PathBuf> = std::env::split_paths(&list)
        .filter(|p| !p.as_os_str().is_empty())
        .collect();
    assert!(!bindirs.is_empty(), "DBAUDIT_PG_BINDIRS lists no directory");

    let mut failures = Vec::new();
    let mut passed = Vec::new();
    for bindir in &bindirs {
        if !pg_cluster::has_server(bindir) {
            failures.push(format!(
                "{}: no initdb, pg_ctl and postgres there (run .ci/pg-versions)",
                bindir.display()
            ));
            continue;
        }
        let started = Instant::now();
        match std::panic::catch_unwind(|| audit_one(bindir)) {
            Ok(major) => {
                eprintln!(
                    "PostgreSQL {major} ({}): passed in {:.1} s",
                    bindir.display(),
                    started.elapsed().as_secs_f64()
                );
                passed.push(major);
            }
            Err(panic) => {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failures.push(format!("{}: {message}", bindir.display()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "passed: {passed:?}; failed:\n{}",
        failures.join("\n\n")
    );
}
