//! Connecting like psql and fitting the terminal, end to end with the binary: the
//! password file and a service file used by `collect` against a password-protected
//! throwaway cluster, a password file others can read ignored with a warning, the
//! operating-system user as the default user, the "how to connect" error, `--quiet` and
//! `--no-progress` on every command, the top-level help, and text output that fits
//! `COLUMNS=80`.

#[path = "support/pg_cluster.rs"]
mod pg_cluster;

use std::path::Path;
use std::process::{Command, Output};

/// Cleared for every run besides libpq's (`pg_cluster::LIBPQ_ENV`), so the machine's own
/// settings never leak in: the other connection sources and the terminal width.
const OTHER_VARIABLES: &[&str] = &["DATABASE_URL", "MSSQL_CONNECTION_STRING", "COLUMNS"];

/// Runs dbaudit in the crate root with a clean libpq environment, `HOME` at `home`, and `env`.
fn dbaudit(args: &[&str], home: &Path, env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dbaudit"));
    command
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("HOME", home)
        .env_remove("NO_COLOR");
    for var in pg_cluster::LIBPQ_ENV.iter().chain(OTHER_VARIABLES) {
        command.env_remove(var);
    }
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("the dbaudit binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(unix)]
fn write_private(path: &Path, content: &str, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, content).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn manifest_source(dir: &Path) -> String {
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    manifest["source"].as_str().unwrap_or_default().to_string()
}

#[cfg(unix)]
#[test]
fn password_file_service_file_and_the_os_user_against_a_password_protected_cluster() {
    let Some(pg) = pg_cluster::start() else {
        eprintln!("skipped: no PostgreSQL server");
        return;
    };
    pg.create_database("app");
    pg.psql("app", "CREATE TABLE t (id int PRIMARY KEY)");
    const PGPASS_PW: &str = "Pw:from\\pgpass-1";
    const SERVICE_PW: &str = "Service-pw-2";
    pg.require_password("pgpass_user", PGPASS_PW, "scram-sha-256");
    pg.require_password("service_user", SERVICE_PW, "md5");
    pg.psql(
        "app",
        "GRANT pg_monitor TO pgpass_user, service_user; GRANT SELECT ON t TO pgpass_user, service_user",
    );
    let port = pg.port().to_string();
    let home = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let pgpass = home.path().join(".pgpass");
    // `\:` and `\\` escape, the first matching line wins, `*` matches anything.
    write_private(
        &pgpass,
        &format!(
            "# dbaudit test\n127.0.0.1:{port}:app:pgpass_user:Pw\\:from\\\\pgpass-1\n\
             127.0.0.1:{port}:app:pgpass_user:not-this-one\n\
             *:{port}:*:service_user:{SERVICE_PW}\n"
        ),
        0o600,
    );
    let db = format!("host=127.0.0.1 port={port} dbname=app user=pgpass_user");

    // ~/.pgpass (from HOME), with --quiet: nothing on the terminal, the snapshot written.
    let snap = work.path().join("pgpass");
    let out = dbaudit(
        &[
            "collect",
            "-q",
            "--db",
            &db,
            "--out",
            snap.to_str().unwrap(),
        ],
        home.path(),
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "", "--quiet collect prints nothing");
    assert!(manifest_source(&snap).contains("pgpass_user@127.0.0.1"));

    // A wrong password from the file: the error names the file, never a password.
    let wrong = work.path().join("wrong-pgpass");
    write_private(&wrong, "*:*:*:pgpass_user:not-this-one\n", 0o600);
    let out = dbaudit(
        &[
            "collect",
            "--db",
            &db,
            "--out",
            work.path().join("x").to_str().unwrap(),
        ],
        home.path(),
        &[("PGPASSFILE", wrong.to_str().unwrap())],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("password authentication failed"),
        "{stderr}"
    );
    assert!(stderr.contains("wrong-pgpass"), "names the file: {stderr}");
    assert!(
        !stderr.contains("not-this-one") && !stderr.contains("pgpass-1"),
        "{stderr}"
    );

    // A service file (PGSERVICEFILE + PGSERVICE, no --db), md5, password from ~/.pgpass.
    let services = work.path().join("services.conf");
    std::fs::write(
        &services,
        format!(
            "[other]\nhost=nowhere.invalid\n\n[audit]\nhost=127.0.0.1\nport={port}\ndbname=app\nuser=service_user\nsslmode=disable\n"
        ),
    )
    .unwrap();
    let snap = work.path().join("service");
    let out = dbaudit(
        &["collect", "--out", snap.to_str().unwrap()],
        home.path(),
        &[
            ("PGSERVICEFILE", services.to_str().unwrap()),
            ("PGSERVICE", "audit"),
        ],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains(SERVICE_PW), "{stderr}");
    assert!(manifest_source(&snap).contains("service_user@127.0.0.1"));
    // The same service named in the connection string, its password from PGPASSWORD.
    let out = dbaudit(
        &[
            "analyze",
            "-q",
            "--db",
            "service=audit",
            "--fail-on",
            "none",
            "-f",
            "json",
        ],
        home.path(),
        &[
            ("PGSERVICEFILE", services.to_str().unwrap()),
            ("PGPASSFILE", "/nonexistent/pgpass"),
            ("PGPASSWORD", SERVICE_PW),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // A password file others can read is ignored, with libpq's warning.
    write_private(&pgpass, &std::fs::read_to_string(&pgpass).unwrap(), 0o644);
    let out = dbaudit(
        &[
            "collect",
            "--db",
            &db,
            "--out",
            work.path().join("y").to_str().unwrap(),
        ],
        home.path(),
        &[],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("warning: password file") && stderr.contains("group or world access"),
        "{stderr}"
    );
    assert!(
        stderr.contains("The server asks for a password"),
        "{stderr}"
    );
    assert!(!stderr.contains("pgpass-1"), "{stderr}");

    // The default user is the operating-system user (not `postgres`, not $USER).
    let os_user = dbaudit::collect::connection::os_user().expect("a passwd entry");
    pg.psql(
        "postgres",
        &format!(
            "CREATE ROLE \"{}\" LOGIN; GRANT pg_monitor TO \"{}\"",
            os_user.replace('"', "\"\""),
            os_user.replace('"', "\"\"")
        ),
    );
    let snap = work.path().join("os-user");
    let out = dbaudit(
        &[
            "collect",
            "--db",
            &format!("host=127.0.0.1 port={port} dbname=app"),
            "--out",
            snap.to_str().unwrap(),
        ],
        home.path(),
        &[("USER", "someone-else")],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        manifest_source(&snap).starts_with(&format!("postgres://{os_user}@127.0.0.1")),
        "{}",
        manifest_source(&snap)
    );
}

#[test]
fn with_no_connection_the_error_says_how_to_connect() {
    let home = tempfile::tempdir().unwrap();
    let out = dbaudit(&["analyze"], home.path(), &[]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    for needle in [
        "No server was named",
        "--db",
        "--snapshot",
        "DATABASE_URL",
        "PGHOST",
        "PGSERVICE",
        "~/.pgpass",
    ] {
        assert!(stderr.contains(needle), "`{needle}` in: {stderr}");
    }
    let out = dbaudit(&["collect", "--out", "x"], home.path(), &[]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("DATABASE_URL") && !stderr.contains("--snapshot"),
        "{stderr}"
    );
}

#[test]
fn quiet_and_no_progress_on_every_command() {
    let home = tempfile::tempdir().unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let audit_out = out_dir.path().join("audit");
    let report = audit_out.join("report.json");
    let runs: Vec<(Vec<&str>, i32)> = vec![
        (vec!["scan", "--fail-on", "none", "fixtures/demo"], 0),
        (vec!["rules"], 0),
        (vec!["queries", "postgres"], 0),
        (
            vec![
                "analyze",
                "--snapshot",
                "fixtures/demo/snapshot",
                "--fail-on",
                "none",
            ],
            0,
        ),
        (
            vec!["audit", "--demo", "--out", audit_out.to_str().unwrap()],
            0,
        ),
        (
            vec!["diff", report.to_str().unwrap(), report.to_str().unwrap()],
            0,
        ),
    ];
    for (args, code) in &runs {
        for flag in ["-q", "--quiet", "--no-progress"] {
            let mut with_flag = args.clone();
            with_flag.insert(1, flag);
            let out = dbaudit(&with_flag, home.path(), &[]);
            assert_eq!(
                out.status.code(),
                Some(*code),
                "{with_flag:?}: {}",
                text(&out.stderr)
            );
            assert_eq!(
                text(&out.stderr),
                "",
                "{with_flag:?} writes nothing on stderr"
            );
        }
    }
    // The global flags also go before the command.
    let out = dbaudit(&["-q", "rules"], home.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // collect: the flag is accepted (a refused connection is an error, not a usage error).
    for flag in ["-q", "--no-progress"] {
        let out = dbaudit(
            &[
                "collect",
                flag,
                "--db",
                "host=127.0.0.1 port=1 connect_timeout=2",
                "--out",
                out_dir.path().join("c").to_str().unwrap(),
            ],
            home.path(),
            &[],
        );
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("cannot connect"), "{stderr}");
        assert!(
            !stderr.contains("collecting from") || flag != "-q",
            "{stderr}"
        );
    }
    // audit --quiet prints no summary; without it the summary is on stdout.
    let quiet = dbaudit(
        &[
            "audit",
            "-q",
            "--demo",
            "--out",
            audit_out.to_str().unwrap(),
        ],
        home.path(),
        &[],
    );
    assert!(quiet.stdout.is_empty());
    let loud = dbaudit(
        &[
            "audit",
            "--no-progress",
            "--demo",
            "--out",
            audit_out.to_str().unwrap(),
        ],
        home.path(),
        &[],
    );
    assert!(text(&loud.stdout).contains("Overall:"));
}

#[test]
fn the_top_level_help_names_every_command_with_an_example() {
    let home = tempfile::tempdir().unwrap();
    let out = dbaudit(&["--help"], home.path(), &[]);
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    for command in [
        "scan", "rules", "collect", "analyze", "queries", "audit", "diff",
    ] {
        assert!(
            help.lines()
                .any(|l| l.trim_start().starts_with(&format!("dbaudit {command} "))),
            "an example of `{command}` in:\n{help}"
        );
    }
    for needle in ["--quiet", "--no-progress", "PGSERVICE", "~/.pgpass"] {
        assert!(help.contains(needle), "`{needle}` in:\n{help}");
    }
}

#[test]
fn text_output_fits_80_columns() {
    let home = tempfile::tempdir().unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let audit_out = out_dir.path().join("audit");
    let runs: [Vec<&str>; 4] = [
        vec!["scan", "--fail-on", "none", "fixtures/demo"],
        vec![
            "analyze",
            "--snapshot",
            "fixtures/demo/snapshot",
            "--fail-on",
            "none",
        ],
        vec!["audit", "--demo", "--out", audit_out.to_str().unwrap()],
        vec!["rules"],
    ];
    for args in &runs {
        let wide = dbaudit(args, home.path(), &[]);
        let out = dbaudit(args, home.path(), &[("COLUMNS", "80")]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        let stdout = text(&out.stdout);
        for line in stdout.lines() {
            assert!(
                line.chars().count() <= 80,
                "{args:?}: a line of {} columns:\n{line}",
                line.chars().count()
            );
        }
        // Wrapped, not cut: the same words (table borders aside).
        let words = |s: &str| {
            s.split(|c: char| c.is_whitespace() || "│├┤┼─╭╮╰╯┬┴".contains(c))
                .filter(|w| !w.is_empty())
                .count()
        };
        assert!(
            words(&stdout) >= words(&text(&wide.stdout)),
            "{args:?}: words lost"
        );
    }
}
