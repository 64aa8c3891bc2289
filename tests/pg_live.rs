//! The PostgreSQL live audit against a real throwaway cluster (tests/support): planted
//! problems are found, properly indexed columns are left alone, HypoPG verifies the
//! missing index, a live collection and its saved snapshot give identical findings, a
//! pg_monitor-only role gets a partial audit with notes, nothing but reads reaches the
//! server, and connection failures are clear, bounded and never show the password.

#[path = "support/pg_cluster.rs"]
mod pg_cluster;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use dbaudit::collect::connection::resolve;
use dbaudit::collect::postgres::{collect, CollectOptions};
use dbaudit::config::Config;
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/postgres")
        .join(name)
}

use pg_cluster::dbaudit;

fn findings_of<'a>(report: &'a Value, rule: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

fn objects(findings: &[&Value]) -> Vec<String> {
    findings
        .iter()
        .map(|f| f["location"]["object"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn live_audit_of_a_planted_database() {
    let Some(pg) = pg_cluster::start() else {
        eprintln!("skipped: no PostgreSQL server");
        return;
    };
    pg.create_database("app");
    pg.psql_file("app", &fixture("schema.sql"));
    pg.psql_file("app", &fixture("invalid_index.sql"));
    pg.psql_file("app", &fixture("workload.sql"));
    pg.psql(
        "app",
        "CREATE ROLE auditor LOGIN PASSWORD 'Secr3t-pw-for-test'; GRANT pg_monitor TO auditor; \
         CREATE ROLE auditor_full LOGIN PASSWORD 'another-Secr3t'; GRANT pg_monitor TO auditor_full; \
         GRANT SELECT ON ALL TABLES IN SCHEMA public TO auditor_full;",
    );
    // Password authentication for the auditor roles (the harness trusts everyone else).
    let hba = pg.data_dir().join("pg_hba.conf");
    let original = std::fs::read_to_string(&hba).unwrap();
    std::fs::write(
        &hba,
        format!("host all auditor 127.0.0.1/32 scram-sha-256\nhost all auditor_full 127.0.0.1/32 scram-sha-256\n{original}"),
    )
    .unwrap();
    pg.psql("app", "SELECT pg_reload_conf()");
    std::thread::sleep(Duration::from_millis(300));

    let full_url = pg.url("auditor_full", Some("another-Secr3t"), "app");
    let monitor_url = pg.url("auditor", Some("Secr3t-pw-for-test"), "app");
    let work = tempfile::tempdir().unwrap();
    // The fixture's statistics are seconds old; unused-index normally waits for a week
    // of them (thresholds.unused_index_min_stats_days): let it run here.
    let config_path = work.path().join("dbaudit.toml");
    std::fs::write(
        &config_path,
        "[thresholds]\nunused_index_min_stats_days = 0\n",
    )
    .unwrap();
    let config_path = config_path.to_str().unwrap().to_string();

    // 1. collect + analyze --snapshot: the planted problems.
    let snap = work.path().join("snap");
    let out = dbaudit(&[
        "collect",
        "--db",
        &full_url,
        "--out",
        snap.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        !stderr.contains("another-Secr3t"),
        "the password is never printed: {stderr}"
    );
    for file in [
        "manifest.json",
        "tables.csv",
        "indexes.csv",
        "index_columns.csv",
        "statements.csv",
        "foreign_keys.csv",
        "settings.csv",
        "verifications.csv",
    ] {
        assert!(snap.join(file).is_file(), "{file} written");
    }
    let out = dbaudit(&[
        "analyze",
        "--snapshot",
        snap.to_str().unwrap(),
        "--config",
        &config_path,
        "-f",
        "json",
        "--fail-on",
        "none",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    if let Ok(path) = std::env::var("DBAUDIT_KEEP_REPORT") {
        std::fs::write(path, &out.stdout).unwrap();
    }
    let text = serde_json::to_string_pretty(&report["findings"]).unwrap();

    let missing = findings_of(&report, "missing-index");
    let appointments: Vec<&&Value> = missing
        .iter()
        .filter(|f| f["location"]["object"] == "public.appointments")
        .collect();
    assert_eq!(
        appointments.len(),
        1,
        "missing index on appointments: {text}"
    );
    let candidate = report["index_candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["table"] == "appointments")
        .expect("a candidate on appointments");
    assert_eq!(
        candidate["key_columns"],
        serde_json::json!(["client_id", "start_date"]),
        "{candidate}"
    );
    assert_eq!(
        candidate["verdict"]["status"], "verified",
        "HypoPG verifies it: {candidate}"
    );
    assert!(
        candidate["verdict"]["saving"].as_f64().unwrap() >= 0.3,
        "{candidate}"
    );
    assert!(appointments[0]["recommendation"]
        .as_str()
        .unwrap()
        .starts_with("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_appointments_client_id_start_date ON public.appointments (client_id, start_date)"));
    // Nothing on the properly indexed columns.
    for table in ["public.user_login", "public.notifications"] {
        assert!(
            !objects(&missing).contains(&table.to_string()),
            "{table} is indexed: {text}"
        );
    }
    let decisions = serde_json::to_string(&report["statements"]).unwrap();
    assert!(
        decisions.contains("covered by"),
        "reasons are recorded: {decisions}"
    );

    assert!(
        objects(&findings_of(&report, "unused-index"))
            .contains(&"public.ix_payments_status_unused".to_string()),
        "{text}"
    );
    assert!(
        objects(&findings_of(&report, "duplicate-index"))
            .contains(&"public.ix_notifications_user".to_string()),
        "{text}"
    );
    assert!(
        objects(&findings_of(&report, "invalid-index"))
            .contains(&"public.ix_appointments_notes_invalid".to_string()),
        "{text}"
    );
    assert!(
        objects(&findings_of(&report, "unindexed-foreign-key"))
            .contains(&"public.payments".to_string()),
        "{text}"
    );
    let slow = findings_of(&report, "slow-query");
    assert!(
        slow.iter().any(|f| f["message"]
            .as_str()
            .unwrap()
            .contains("provider_revenue_report")),
        "{text}"
    );
    for f in findings_of(&report, "unused-index") {
        let object = f["location"]["object"].as_str().unwrap();
        assert!(
            !object.ends_with("_pkey") && !object.contains("user_login_email"),
            "no unique/PK index is unused-reported: {object}"
        );
    }

    // 2. Round trip: a live collection and its saved snapshot give identical findings.
    let env = |_: &str| None;
    let target = resolve(Some(&full_url), &env).unwrap();
    // With the advisor's verification, as `dbaudit collect` runs it.
    let options = CollectOptions {
        session_work: Some(std::sync::Arc::new(dbaudit::advise::Verifier {
            thresholds: Default::default(),
            advisor: Default::default(),
        })),
        ..Default::default()
    };
    let live = collect(&target, &options).unwrap();
    let dir = work.path().join("roundtrip");
    dbaudit::snapshot::write(&live, &dir).unwrap();
    let loaded = dbaudit::snapshot::read(&dir).unwrap();
    let config = Config::default();
    let from_live = dbaudit::analyze::analyze(&live, &config);
    let from_disk = dbaudit::analyze::analyze(&loaded, &config);
    assert!(!from_live.findings.is_empty());
    assert_eq!(from_live.findings, from_disk.findings);
    assert_eq!(from_live.candidates, from_disk.candidates);
    assert_eq!(live.manifest.notes, loaded.manifest.notes);

    // 3. pg_monitor only: a partial audit with notes, not an error.
    let monitor_snap = work.path().join("monitor");
    let out = dbaudit(&[
        "collect",
        "--db",
        &monitor_url,
        "--out",
        monitor_snap.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(monitor_snap.join("manifest.json")).unwrap())
            .unwrap();
    let notes = manifest["notes"].to_string();
    assert!(
        notes.contains("column_stats") || notes.contains("verification"),
        "the missing privileges are noted: {notes}"
    );
    let out = dbaudit(&[
        "analyze",
        "--snapshot",
        monitor_snap.to_str().unwrap(),
        "--config",
        &config_path,
        "-f",
        "json",
        "--fail-on",
        "none",
    ]);
    let monitor_report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        !findings_of(&monitor_report, "unused-index").is_empty(),
        "usage statistics are still read"
    );

    // 4. Nothing but reads reached the server from the audit roles.
    let writes = pg.psql(
        "app",
        "SELECT s.query FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid \
         WHERE r.rolname IN ('auditor', 'auditor_full') \
           AND s.query ~* '^\\s*(INSERT|UPDATE|DELETE|MERGE|CREATE|ALTER|DROP|TRUNCATE|GRANT|REVOKE|COPY|VACUUM|ANALYZE|REINDEX|CLUSTER|COMMENT|REFRESH|LOCK|CALL|DO)\\M'",
    );
    assert!(
        writes.trim().is_empty(),
        "statements that are not reads: {writes}"
    );
    let reads = pg.psql(
        "app",
        "SELECT count(*) FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid WHERE r.rolname = 'auditor_full'",
    );
    assert!(
        reads.trim().parse::<i64>().unwrap() > 5,
        "the audit's reads are visible: {reads}"
    );

    // 5. Wrong password and unreachable server: exit 2, bounded, no password shown.
    let wrong = pg.url("auditor", Some("wrong-pw-123"), "app");
    let out = dbaudit(&[
        "collect",
        "--db",
        &wrong,
        "--out",
        work.path().join("x").to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("password authentication failed"),
        "{stderr}"
    );
    assert!(!stderr.contains("wrong-pw-123"), "{stderr}");

    let started = Instant::now();
    let out = dbaudit(&[
        "analyze",
        "--db",
        "postgres://u:unreachable-pw@10.255.255.1:5432/d?sslmode=disable",
        "--connect-timeout",
        "2",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "bounded by the connect timeout"
    );
    assert!(stderr.contains("cannot connect"), "{stderr}");
    assert!(!stderr.contains("unreachable-pw"), "{stderr}");
}

/// Sessions held open by the test: `pool` idle connections of one application, and one
/// session of another left idle inside a transaction. Dropped, they close.
struct HeldSessions {
    runtime: tokio::runtime::Runtime,
    clients: Vec<tokio_postgres::Client>,
}

fn hold_sessions(url: &str, pool: usize, idle_in_transaction: bool) -> HeldSessions {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let clients = runtime.block_on(async {
        let mut clients = Vec::new();
        let connect = |app: &str| {
            let url = format!("{url}?application_name={app}");
            async move {
                let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                    .await
                    .unwrap();
                tokio::spawn(connection);
                client
            }
        };
        for _ in 0..pool {
            let client = connect("pool-test").await;
            client.simple_query("SELECT 1").await.unwrap();
            clients.push(client);
        }
        if idle_in_transaction {
            // A connection string pasted into application_name: its password must not
            // reach the snapshot or the report.
            let client = connect("billing%20Password%3DHunter2-pw").await;
            client
                .simple_query("BEGIN; SELECT count(*) FROM settings")
                .await
                .unwrap();
            clients.push(client);
        }
        clients
    });
    HeldSessions { runtime, clients }
}

impl HeldSessions {
    fn close(self) {
        let HeldSessions { runtime, clients } = self;
        drop(clients);
        // Let the connection tasks see their clients gone and close the sockets.
        runtime.block_on(async { tokio::time::sleep(Duration::from_millis(200)).await });
    }
}

/// Collects with the CLI and analyzes the snapshot with `config`: the report as JSON
/// and the snapshot directory.
fn collect_and_analyze(url: &str, dir: &Path, config: &str) -> (Value, String) {
    let out = dbaudit(&["collect", "--db", url, "--out", dir.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = dbaudit(&[
        "analyze",
        "--snapshot",
        dir.to_str().unwrap(),
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
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    (serde_json::from_str(&text).unwrap(), text)
}

fn messages(report: &Value, rule: &str) -> Vec<String> {
    findings_of(report, rule)
        .iter()
        .map(|f| f["message"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn live_connection_latency_fetching_and_caching_checks() {
    let Some(pg) = pg_cluster::start() else {
        eprintln!("skipped: no PostgreSQL server");
        return;
    };
    pg.create_database("app");
    let work = tempfile::tempdir().unwrap();
    // The workload: a hot repeated read of a small table, the same read made volatile
    // (now()) and locking (FOR UPDATE), a wide read and a narrow one of a larger table,
    // and a statement whose few calls sleep.
    let mut sql = String::from(
        "CREATE EXTENSION IF NOT EXISTS pg_stat_statements;\n\
         CREATE TABLE settings (key text PRIMARY KEY, value text);\n\
         INSERT INTO settings SELECT 'k' || i, 'v' || i FROM generate_series(1, 20) i;\n\
         INSERT INTO settings VALUES ('slow', 'x');\n\
         CREATE TABLE events (id int PRIMARY KEY, payload text);\n\
         INSERT INTO events SELECT i, repeat('x', 20) FROM generate_series(1, 3000) i;\n\
         ANALYZE;\n\
         SELECT pg_stat_statements_reset();\n",
    );
    for i in 0..300 {
        sql.push_str(&format!(
            "SELECT value FROM settings WHERE key = 'k{}';\n",
            i % 20 + 1
        ));
        sql.push_str(&format!(
            "SELECT value, now() FROM settings WHERE key = 'k{}';\n",
            i % 20 + 1
        ));
    }
    for i in 0..150 {
        sql.push_str("SELECT * FROM events ORDER BY id;\n");
        sql.push_str(&format!("SELECT * FROM events WHERE id = {};\n", i + 1));
        sql.push_str("BEGIN; SELECT value FROM settings WHERE key = 'k1' FOR UPDATE; COMMIT;\n");
    }
    for i in 0..120 {
        let key = if i % 40 == 0 { "slow" } else { "k2" };
        sql.push_str(&format!(
            "SELECT s.value FROM settings s, pg_sleep(CASE WHEN s.key = 'slow' THEN 0.15 ELSE 0 END) WHERE s.key = '{key}';\n"
        ));
    }
    let workload = work.path().join("workload.sql");
    std::fs::write(&workload, sql).unwrap();
    pg.psql_file("app", &workload);

    let config = work.path().join("dbaudit.toml");
    std::fs::write(&config, "[thresholds]\nidle_in_transaction_seconds = 1\n").unwrap();
    let config = config.to_str().unwrap().to_string();
    let url = pg.url("postgres", None, "app");

    // Positive: 40 pooled connections of 47 (max_connections 50 minus 3 reserved) and a
    // session idle in a transaction for more than a second.
    let held = hold_sessions(&url, 40, true);
    std::thread::sleep(Duration::from_millis(1500));
    let (report, text) = collect_and_analyze(&url, &work.path().join("busy"), &config);
    held.close();

    let saturation = messages(&report, "connection-saturation");
    assert_eq!(saturation.len(), 1, "{text}");
    assert!(
        saturation[0].contains(" of 47 connections in use"),
        "{saturation:?}"
    );
    assert!(saturation[0].contains("'pool-test' 40"), "{saturation:?}");
    let idle = messages(&report, "idle-in-transaction");
    assert_eq!(idle.len(), 1, "{text}");
    assert!(
        idle[0].starts_with("1 session(s) of application '*****' idle in transaction"),
        "{idle:?}"
    );
    assert!(
        !text.contains("Hunter2"),
        "the application name is scrubbed"
    );
    let sessions_csv =
        std::fs::read_to_string(work.path().join("busy").join("sessions.csv")).unwrap();
    assert!(!sessions_csv.contains("Hunter2"), "{sessions_csv}");

    let spread = messages(&report, "latency-spread");
    assert_eq!(spread.len(), 1, "only the sleeping statement: {text}");
    assert!(spread[0].contains("pg_sleep"), "{spread:?}");
    let wide = messages(&report, "over-fetching");
    assert_eq!(wide.len(), 1, "only the full read of events: {text}");
    assert!(
        wide[0].starts_with("3000 rows per call over 150 calls"),
        "{wide:?}"
    );
    let cached = messages(&report, "caching-candidate");
    assert!(
        cached
            .iter()
            .any(|m| m.contains("SELECT value FROM settings WHERE key = $1")),
        "the hot read: {text}"
    );
    for m in &cached {
        assert!(
            !m.contains("now()") && !m.contains("FOR UPDATE") && !m.contains("ORDER BY id"),
            "volatile, locking and wide reads are no caching candidates: {m}"
        );
    }

    // Healthy: the pool closed and the transaction ended; the same statements.
    let (report, text) = collect_and_analyze(&url, &work.path().join("calm"), &config);
    assert!(
        messages(&report, "connection-saturation").is_empty(),
        "{text}"
    );
    assert!(
        messages(&report, "idle-in-transaction").is_empty(),
        "{text}"
    );
}
