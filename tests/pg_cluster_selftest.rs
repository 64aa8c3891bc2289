//! Self-test of the PostgreSQL test harness: starts a throwaway cluster, loads the
//! fixtures/postgres schema, invalid index and workload, and checks that the planted
//! problems are visible in the server's statistics.

#[path = "support/pg_cluster.rs"]
mod pg_cluster;

use std::path::{Path, PathBuf};
use std::time::Instant;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join("postgres")
        .join(name)
}

#[test]
fn fixtures_load_and_plant_their_problems() {
    let started = Instant::now();
    let Some(pg) = pg_cluster::start() else {
        eprintln!("skipped: no PostgreSQL server");
        return;
    };
    eprintln!(
        "cluster started on port {} in {:.1?}",
        pg.port(),
        started.elapsed()
    );
    assert!(pg
        .url("auditor", Some("p@ss word"), "app")
        .ends_with(&format!(
            "auditor:p%40ss%20word@127.0.0.1:{}/app",
            pg.port()
        )));

    pg.create_database("app");

    let t = Instant::now();
    pg.psql_file("app", &fixture("schema.sql"));
    eprintln!("schema.sql loaded in {:.1?}", t.elapsed());

    let t = Instant::now();
    pg.psql_file("app", &fixture("invalid_index.sql"));
    eprintln!("invalid_index.sql ran in {:.1?}", t.elapsed());

    let t = Instant::now();
    pg.psql_file("app", &fixture("workload.sql"));
    eprintln!("workload.sql ran in {:.1?}", t.elapsed());

    // The missing-index query, one normalised statement.
    let row = pg.psql(
        "app",
        "SELECT coalesce(sum(calls), 0), coalesce(max(mean_exec_time), 0) FROM pg_stat_statements \
         WHERE query LIKE 'SELECT appointment_id, start_date, status FROM appointments WHERE client_id = $1%'",
    );
    let calls: i64 = row.trim().split('|').next().unwrap().parse().unwrap();
    assert!(calls >= 150, "appointments-by-client calls: {row}");

    // The slow query: >= 100 calls, > 20 ms mean.
    let row = pg.psql(
        "app",
        "SELECT calls, mean_exec_time FROM pg_stat_statements \
         WHERE query LIKE '%FROM provider_revenue_report($1)%' ORDER BY calls DESC LIMIT 1",
    );
    let mut fields = row.trim().split('|');
    let calls: i64 = fields.next().unwrap().parse().unwrap();
    let mean: f64 = fields.next().unwrap().parse().unwrap();
    assert!(calls >= 100 && mean > 20.0, "slow query: {row}");

    // The invalid index.
    let valid = pg.psql(
        "app",
        "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
         WHERE c.relname = 'ix_appointments_notes_invalid'",
    );
    assert_eq!(
        valid.trim(),
        "f",
        "ix_appointments_notes_invalid should be invalid"
    );

    // The unused index: never scanned, and big enough to matter.
    let row = pg.psql(
        "app",
        "SELECT idx_scan, pg_relation_size(indexrelid) FROM pg_stat_user_indexes \
         WHERE indexrelname = 'ix_payments_status_unused'",
    );
    let mut fields = row.trim().split('|');
    assert_eq!(fields.next(), Some("0"), "ix_payments_status_unused: {row}");
    let size: i64 = fields.next().unwrap().parse().unwrap();
    assert!(
        size > 1 << 20,
        "ix_payments_status_unused is only {size} bytes"
    );

    // The good indexes are used, and appointments is read by sequential scans.
    let used = pg.psql(
        "app",
        "SELECT indexrelname FROM pg_stat_user_indexes WHERE idx_scan > 0 ORDER BY 1",
    );
    for name in [
        "ix_user_login_email",
        "ix_service_providers_user",
        "ix_payments_appointment",
        "ix_notifications_user_read",
    ] {
        assert!(
            used.lines().any(|l| l == name),
            "{name} unused; used: {used}"
        );
    }
    let row = pg.psql(
        "app",
        "SELECT seq_scan, n_live_tup FROM pg_stat_user_tables WHERE relname = 'appointments'",
    );
    let mut fields = row.trim().split('|');
    let seq_scans: i64 = fields.next().unwrap().parse().unwrap();
    let live: i64 = fields.next().unwrap().parse().unwrap();
    assert!(seq_scans >= 150, "appointments seq_scan: {row}");
    assert_eq!(live, 200_000, "appointments n_live_tup: {row}");

    // The row-by-row function was called 120 times.
    let calls = pg.psql(
        "app",
        "SELECT calls FROM pg_stat_user_functions WHERE funcname = 'notify_upcoming'",
    );
    assert_eq!(calls.trim(), "120");

    // hypopg: required under CI (.ci/run installs it), else whenever the package is there.
    let hypopg_installed = pg_sharedir(&pg)
        .map(|dir| dir.join("extension").join("hypopg.control").exists())
        .unwrap_or(false);
    if hypopg_installed || std::env::var("CI").as_deref() == Ok("true") {
        assert!(pg.has_extension_available("hypopg"), "hypopg not available");
        let created = pg.psql(
            "app",
            "SELECT count(*) FROM pg_extension WHERE extname = 'hypopg'",
        );
        assert_eq!(created.trim(), "1", "schema.sql should create hypopg");
    } else {
        eprintln!("hypopg is not installed; not checked");
    }

    assert!(pg
        .server_log()
        .contains("CREATE UNIQUE INDEX CONCURRENTLY ix_appointments_notes_invalid"));
    eprintln!("self-test done in {:.1?}", started.elapsed());
}

fn pg_sharedir(pg: &pg_cluster::PgCluster) -> Option<PathBuf> {
    let out = std::process::Command::new(pg.bindir().join("pg_config"))
        .arg("--sharedir")
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}
