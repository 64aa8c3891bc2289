//! Secrets a database user puts into statement texts never reach a snapshot or a report:
//! `CREATE ROLE … PASSWORD '…'` run by any role with CREATEROLE lands verbatim in
//! `pg_stat_statements`, and dbaudit copied it into `statements.csv` and its reports.

use std::path::Path;

use crate::{dbaudit, pg_cluster};

/// Every secret the probe plants; none may appear in any file or output of dbaudit.
const SECRETS: &[&str] = &[
    "S3cr3t-role",
    "S3cr3t-alter",
    "S3cr3t-in-do",
    "S3cr3t-conninfo",
];

/// Every file below `dir`, with its text.
fn files_below(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).to_string();
                out.push((path.display().to_string(), text));
            }
        }
    }
    out
}

/// Runs dbaudit and asserts it succeeded.
fn dbaudit_ok(args: &[&str]) -> std::process::Output {
    let out = dbaudit(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "dbaudit {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn assert_no_secret(what: &str, text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{what} holds `{secret}`:\n{text}");
    }
}

#[test]
fn passwords_in_statement_texts_never_reach_a_snapshot_or_a_report() {
    let Some(pg) = pg_cluster::start() else {
        eprintln!("skipped: no PostgreSQL server");
        return;
    };
    pg.create_database("app");
    pg.psql(
        "app",
        "CREATE EXTENSION IF NOT EXISTS pg_stat_statements; \
         CREATE ROLE tenant LOGIN CREATEROLE;",
    );
    // The tenant role (not the auditor) runs password-bearing statements.
    pg.psql(
        "app",
        "SET ROLE tenant; CREATE ROLE victim LOGIN PASSWORD 'S3cr3t-role';",
    );
    pg.psql(
        "app",
        "SET ROLE tenant; ALTER ROLE victim WITH ENCRYPTED PASSWORD 'S3cr3t-alter' VALID UNTIL 'infinity';",
    );
    pg.psql(
        "app",
        "SET ROLE tenant; DO $$BEGIN EXECUTE 'ALTER ROLE victim PASSWORD ''S3cr3t-in-do'''; END$$;",
    );
    pg.psql(
        "app",
        "SET ROLE tenant; COMMENT ON ROLE victim IS 'host=db user=victim password=S3cr3t-conninfo';",
    );
    // The probe is real: the server did keep the secrets in its statistics.
    let kept = pg.psql(
        "app",
        "SELECT count(*) FROM pg_stat_statements WHERE query LIKE '%S3cr3t%'",
    );
    assert!(
        kept.trim().parse::<u32>().unwrap() >= 3,
        "pg_stat_statements holds the planted texts ({kept})"
    );

    let url = pg.url("postgres", None, "app");
    let work = tempfile::tempdir().unwrap();
    let snap = work.path().join("snap");
    let out = dbaudit(&["collect", "--db", &url, "--out", snap.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_no_secret("collect's output", &stderr);
    let files = files_below(&snap);
    let statements = files
        .iter()
        .find(|(path, _)| path.ends_with("statements.csv"))
        .map(|(_, text)| text.clone())
        .unwrap_or_default();
    assert!(
        statements.contains("PASSWORD '*****'"),
        "the statements are kept, their secrets masked:\n{statements}"
    );
    for (path, text) in &files {
        assert_no_secret(path, text);
    }

    // Reports: from the snapshot, and straight from the server.
    let from_snapshot = work.path().join("report-snapshot");
    let out = dbaudit_ok(&[
        "audit",
        "--snapshot",
        snap.to_str().unwrap(),
        "--out",
        from_snapshot.to_str().unwrap(),
    ]);
    assert_no_secret("audit's stdout", &String::from_utf8_lossy(&out.stdout));
    let live = work.path().join("report-live");
    let out = dbaudit_ok(&["audit", "--db", &url, "--out", live.to_str().unwrap()]);
    assert_no_secret("audit's stdout", &String::from_utf8_lossy(&out.stdout));
    assert_no_secret("audit's stderr", &String::from_utf8_lossy(&out.stderr));
    for (path, text) in files_below(&from_snapshot)
        .into_iter()
        .chain(files_below(&live))
    {
        assert_no_secret(&path, &text);
    }
    let out = dbaudit(&["analyze", "--db", &url, "--format", "json"]);
    assert_no_secret(
        "analyze --format json",
        &String::from_utf8_lossy(&out.stdout),
    );
}

#[test]
fn an_old_snapshot_holding_a_password_is_scrubbed_on_import() {
    // No server needed: a snapshot written before scrubbing (or by hand).
    let work = tempfile::tempdir().unwrap();
    let snap = work.path().join("snap");
    std::fs::create_dir_all(&snap).unwrap();
    std::fs::write(
        snap.join("manifest.json"),
        r#"{"schema_version":1,"dbaudit_version":"0.0.0","engine":"postgresql","server_version":"15","server_version_num":150000,"database":"app","source":"x","collected_at":"2026-12-01T00:00:00Z","stats_reset":null,"server_started":null,"stats_age_seconds":864000.0,"extensions":[],"notes":[]}"#,
    )
    .unwrap();
    std::fs::write(
        snap.join("statements.csv"),
        "queryid,query,calls,total_time_ms,mean_time_ms,rows,shared_blks_hit,shared_blks_read\n\
         1,\"CREATE ROLE victim PASSWORD 'S3cr3t-role'\",500,90000,180,0,0,0\n\
         2,\"SELECT pgp_sym_decrypt(c, 'S3cr3t-alter') FROM t\",500,90000,180,0,0,0\n",
    )
    .unwrap();
    let report = work.path().join("report");
    let out = dbaudit_ok(&[
        "audit",
        "--snapshot",
        snap.to_str().unwrap(),
        "--out",
        report.to_str().unwrap(),
    ]);
    assert_no_secret("audit's stdout", &String::from_utf8_lossy(&out.stdout));
    for (path, text) in files_below(&report) {
        assert_no_secret(&path, &text);
    }
    let out = dbaudit(&[
        "analyze",
        "--snapshot",
        snap.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let json = String::from_utf8_lossy(&out.stdout);
    assert_no_secret("analyze --format json", &json);
    assert!(
        json.contains("'*****'"),
        "the slow statements are still reported, masked:\n{json}"
    );
}
