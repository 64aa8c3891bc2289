//! Honest partial audits (issue 14, item 6): a table another session holds in ACCESS
//! EXCLUSIVE mode, a role without pg_monitor and an audit without `--source` each see
//! less; none of them may empty the audit or give a better grade, and each says what it
//! did not see.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{dbaudit, pg_cluster};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/postgres")
        .join(name)
}

/// A throwaway cluster with the live-audit fixture's database `app` and its workload.
fn planted_cluster() -> Option<pg_cluster::PgCluster> {
    let pg = pg_cluster::start()?;
    pg.create_database("app");
    pg.psql_file("app", &fixture("schema.sql"));
    pg.psql_file("app", &fixture("workload.sql"));
    Some(pg)
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// Runs `dbaudit audit` with `args`, writing to `out`; returns report.json.
fn audit(args: &[&str], out: &Path) -> Value {
    let mut all = vec!["audit", "--quiet", "--out", out.to_str().unwrap()];
    all.extend_from_slice(args);
    let run = dbaudit(&all);
    assert!(
        run.status.success(),
        "dbaudit {all:?} failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    read_json(&out.join("report.json"))
}

fn category<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["score"]["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category"] == name)
        .unwrap_or_else(|| panic!("no category {name}"))
}

fn overall(report: &Value) -> u64 {
    report["score"]["overall"].as_u64().unwrap_or(0)
}

/// A psql session holding a lock in an open transaction; killed when dropped.
struct LockHolder(Child);

impl Drop for LockHolder {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn hold_access_exclusive(pg: &pg_cluster::PgCluster, db: &str, table: &str) -> LockHolder {
    let child = Command::new(pg.bindir().join("psql"))
        .args(["-X", "-q", "-h", "127.0.0.1", "-p", &pg.port().to_string()])
        .args(["-U", "postgres", "-d", db, "-c"])
        .arg(format!(
            "BEGIN; LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(300); COMMIT;"
        ))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("psql runs");
    let holder = LockHolder(child);
    let started = Instant::now();
    loop {
        let granted = pg.psql(
            db,
            &format!(
                "SELECT count(*) FROM pg_locks WHERE relation = '{table}'::regclass \
                 AND mode = 'AccessExclusiveLock' AND granted"
            ),
        );
        if granted.trim() == "1" {
            return holder;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the lock on {table} was not granted"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_locked_table_leaves_a_note_and_a_partial_category_never_an_empty_audit() {
    let Some(pg) = planted_cluster() else {
        eprintln!("skipped: no PostgreSQL server");
        return;
    };
    let url = pg.url("postgres", None, "app");
    let work = tempfile::tempdir().unwrap();
    // The fixture's statistics are seconds old: let unused-index run, so that the lock
    // is the only thing the second audit misses.
    let config = work.path().join("dbaudit.toml");
    std::fs::write(&config, "[thresholds]\nunused_index_min_stats_days = 0\n").unwrap();
    let config = config.to_str().unwrap();

    let free = audit(
        &["--db", &url, "--config", config],
        &work.path().join("free"),
    );
    let tables_free = free["summary"]["tables"].as_u64().unwrap();
    assert!(tables_free >= 5, "{}", free["summary"]);
    assert_eq!(category(&free, "indexing")["assessment"], "assessed");

    let _lock = hold_access_exclusive(&pg, "app", "public.payments");
    // collect: bounded, and it never says "0 tables".
    let started = Instant::now();
    let snapshot = work.path().join("snapshot");
    let collect = dbaudit(&["collect", "--db", &url, "--out", snapshot.to_str().unwrap()]);
    let took = started.elapsed();
    let said = String::from_utf8_lossy(&collect.stderr).to_string()
        + &String::from_utf8_lossy(&collect.stdout);
    assert!(collect.status.success(), "{said}");
    assert!(took < Duration::from_secs(60), "collect took {took:?}");
    assert!(!said.contains(" 0 tables"), "{said}");
    let manifest = read_json(&snapshot.join("manifest.json"));
    let notes = manifest["notes"].as_array().unwrap();
    let lock_note = notes
        .iter()
        .find(|n| n["check"] == "tables")
        .unwrap_or_else(|| panic!("no note for the locked table: {notes:?}"));
    let message = lock_note["message"].as_str().unwrap();
    assert!(message.contains("public.payments"), "{message}");
    assert!(message.contains("ACCESS EXCLUSIVE"), "{message}");
    assert!(message.contains("lock_timeout"), "{message}");

    // audit: the other tables are there, the category is partial, the grade no better.
    let started = Instant::now();
    let locked = audit(
        &["--db", &url, "--config", config],
        &work.path().join("locked"),
    );
    assert!(started.elapsed() < Duration::from_secs(60));
    let tables_locked = locked["summary"]["tables"].as_u64().unwrap();
    assert_eq!(tables_locked, tables_free - 1, "{}", locked["summary"]);
    let indexing = category(&locked, "indexing");
    assert_eq!(indexing["assessment"], "partial", "{indexing}");
    assert!(indexing["gaps"].to_string().contains("public.payments"));
    assert!(locked["not_checked"]
        .to_string()
        .contains("ACCESS EXCLUSIVE"));
    assert!(locked["score"]["partial"].as_bool().unwrap());
    assert!(
        overall(&locked) <= overall(&free),
        "locked {} vs free {}",
        overall(&locked),
        overall(&free)
    );
    assert!(
        locked["score"]["coverage"].as_u64() < free["score"]["coverage"].as_u64(),
        "{} vs {}",
        locked["score"],
        free["score"]
    );
    // No finding about the table that was not seen.
    assert!(!locked["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["location"]["object"]
            .as_str()
            .is_some_and(|o| o.starts_with("public.payments"))));
    let md = std::fs::read_to_string(work.path().join("locked/report.md")).unwrap();
    assert!(md.contains("% of the checks ran"), "{md}");
}

#[test]
fn a_role_without_pg_monitor_gets_a_marked_grade_no_better_than_a_full_one() {
    let Some(pg) = planted_cluster() else {
        eprintln!("skipped: no PostgreSQL server");
        return;
    };
    pg.psql("app", "CREATE ROLE nobody LOGIN");
    let work = tempfile::tempdir().unwrap();
    let full = audit(
        &["--db", &pg.url("postgres", None, "app")],
        &work.path().join("full"),
    );
    let plain = audit(
        &["--db", &pg.url("nobody", None, "app")],
        &work.path().join("plain"),
    );
    assert!(plain["score"]["partial"].as_bool().unwrap());
    assert_eq!(
        category(&plain, "runtime-hotspots")["assessment"],
        "partial"
    );
    assert!(
        overall(&plain) <= overall(&full),
        "without pg_monitor {} vs superuser {}",
        overall(&plain),
        overall(&full)
    );
    assert!(plain["score"]["coverage"].as_u64() < full["score"]["coverage"].as_u64());
}

#[test]
fn an_audit_without_source_is_marked_and_never_better_than_with_it() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
    let work = tempfile::tempdir().unwrap();
    let snapshot = demo.join("snapshot");
    let with = audit(
        &[
            "--snapshot",
            snapshot.to_str().unwrap(),
            "--source",
            demo.join("app").to_str().unwrap(),
            "--source",
            demo.join("database").to_str().unwrap(),
        ],
        &work.path().join("with"),
    );
    let without = audit(
        &["--snapshot", snapshot.to_str().unwrap()],
        &work.path().join("without"),
    );
    assert!(
        !with["score"]["partial"].as_bool().unwrap(),
        "{}",
        with["score"]
    );
    assert_eq!(with["score"]["coverage"], 100);
    for name in ["query-patterns", "security"] {
        assert_eq!(category(&without, name)["assessment"], "not-assessed");
    }
    // Connections are also judged from the snapshot's sessions (issue #19): without the
    // application's code that is a partial assessment, never a full one.
    let connections = category(&without, "connection-management");
    assert_eq!(connections["assessment"], "partial", "{connections}");
    assert!(
        connections["gaps"]
            .to_string()
            .contains("no application source scanned"),
        "{connections}"
    );
    assert!(without["score"]["partial"].as_bool().unwrap());
    assert!(without["score"]["coverage"].as_u64().unwrap() < 100);
    assert!(
        overall(&without) <= overall(&with),
        "without source {} vs with {}",
        overall(&without),
        overall(&with)
    );
    let md = std::fs::read_to_string(work.path().join("without/report.md")).unwrap();
    assert!(md.contains("— partial: "), "{md}");
}
