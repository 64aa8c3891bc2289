//! The SQL Server collector end to end through tiberius, against the TDS test double
//! (tests/support/tds_double.rs): login with read-only intent, the session settings, cells
//! of every column type as exact text, a permission error that becomes a note while the
//! other queries run, a query timeout that becomes a note within the limit, version-gated
//! queries, encryption negotiation, TLS with the certificate trusted as the connection
//! string says (TrustServerCertificate, TrustServerCertificateCA, the system store), a
//! read-only routing redirect, a column type the driver cannot read, and failures (wrong
//! password, server down or silent, a server that cannot encrypt) that are clear, exit 2
//! from the CLI and never show the password.

#[path = "support/tds_double.rs"]
mod tds_double;

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use dbaudit::collect::mssql::{collect, CollectOptions};
use dbaudit::collect::mssql_connection::resolve;
use dbaudit::snapshot::raw::RawSnapshot;
use tds_double::{ColumnType as T, DoubleConfig, Response, TdsDouble, Value as V};

const PASSWORD: &str = "Pa55-w0rd;Zeta!";

fn preflight(version: &str, granted: &[&str]) -> Response {
    preflight_with_access(version, granted, true)
}

fn preflight_with_access(version: &str, granted: &[&str], has_dbaccess: bool) -> Response {
    let permissions = [
        "view_server_state",
        "view_server_performance_state",
        "view_database_state",
        "view_database_performance_state",
        "view_definition",
    ];
    let mut columns = vec![
        ("product_version", T::NVarChar),
        ("edition", T::NVarChar),
        ("engine_edition", T::Int),
        ("database_name", T::NVarChar),
        ("user_name", T::NVarChar),
        ("has_dbaccess", T::Int),
        ("collected_at", T::DateTime),
    ];
    columns.extend(permissions.iter().map(|p| (*p, T::Int)));
    let mut row = vec![
        V::Text(version.into()),
        V::Text("Developer Edition (64-bit)".into()),
        V::Int(3),
        V::Text("app".into()),
        V::Text("auditor".into()),
        V::Int(i64::from(has_dbaccess)),
        // 2026-11-24 15:41:03.123
        V::DateTime {
            days: 46_348,
            ticks: (15 * 3600 + 41 * 60 + 3) * 300 + 37,
        },
    ];
    for p in permissions {
        row.push(if p.contains("performance") && !version.starts_with("16") {
            V::Null
        } else {
            V::Int(i64::from(granted.contains(&p)))
        });
    }
    Response::rows(&columns, vec![row])
}

fn uptime() -> Response {
    Response::rows(
        &[("server_started", T::DateTime), ("uptime_seconds", T::Int)],
        vec![vec![
            // 2026-11-20 06:00:00
            V::DateTime {
                days: 46_344,
                ticks: 6 * 3600 * 300,
            },
            V::Int(380_463),
        ]],
    )
}

/// A double with the preflight answered (SQL Server 2019, every permission granted).
fn server() -> DoubleConfig {
    DoubleConfig::new("auditor", PASSWORD, "app")
        .answer(
            "HAS_DBACCESS(DB_NAME()) AS has_dbaccess",
            preflight("15.0.4360.2", &["view_server_state", "view_definition"]),
        )
        .answer("sys.dm_os_sys_info", uptime())
}

fn connection(double: &TdsDouble, extra: &str) -> String {
    format!(
        "{};Database=app;User Id=auditor;Password=\"{PASSWORD}\";ApplicationIntent=ReadOnly;Connect Timeout=5{extra}",
        double.server()
    )
}

fn run(
    double: &TdsDouble,
    queries: &[(&str, &str)],
    options: &CollectOptions,
) -> anyhow::Result<RawSnapshot> {
    let target = resolve(Some(&connection(double, ";Encrypt=False")), &|_| None)?;
    collect(&target, queries, options)
}

fn options() -> CollectOptions {
    CollectOptions {
        query_timeout: Duration::from_secs(5),
        ..Default::default()
    }
}

fn notes_of(raw: &RawSnapshot, check: &str) -> Vec<String> {
    raw.manifest
        .notes
        .iter()
        .filter(|n| n.check == check)
        .map(|n| n.message.clone())
        .collect()
}

fn cells(raw: &RawSnapshot, table: &str) -> Vec<Vec<Option<String>>> {
    raw.tables[table].rows.clone()
}

fn s(text: &str) -> Option<String> {
    Some(text.to_string())
}

#[test]
fn login_then_every_cell_as_exact_text() {
    let double = TdsDouble::start(server().answer(
        "FROM demo_types",
        Response::rows(
            &[
                ("name", T::NVarChar),
                ("count", T::Int),
                ("delta", T::BigInt),
                ("ratio", T::Float),
                ("is_on", T::Bit),
                ("last_seen", T::DateTime),
            ],
            vec![
                vec![
                    V::Text("Zürich — 東京 ✓".into()),
                    V::Int(2_147_483_647),
                    V::Int(-9_007_199_254_740_993),
                    V::Float(0.1),
                    V::Bit(true),
                    // 2024-01-15 10:30:15.123 (37/300 s → .123)
                    V::DateTime {
                        days: 45_304,
                        ticks: (10 * 3600 + 30 * 60 + 15) * 300 + 37,
                    },
                ],
                vec![
                    V::Text(String::new()),
                    V::Int(-1),
                    V::Int(0),
                    V::Float(1.0 / 3.0),
                    V::Bit(false),
                    V::DateTime { days: 0, ticks: 0 },
                ],
                vec![
                    V::Null,
                    V::Null,
                    V::Null,
                    V::Float(-2.5e-7),
                    V::Null,
                    V::Null,
                ],
                // 6,000 bytes of UTF-16: the answer spans several 4 KiB packets.
                vec![
                    V::Text("é".repeat(3000)),
                    V::Int(0),
                    V::Int(0),
                    V::Float(0.0),
                    V::Bit(false),
                    V::Null,
                ],
            ],
        ),
    ));
    let raw = run(&double, &[("demo", "SELECT * FROM demo_types")], &options()).unwrap();

    let demo = &raw.tables["demo"];
    assert_eq!(
        demo.columns,
        ["name", "count", "delta", "ratio", "is_on", "last_seen"]
    );
    assert_eq!(
        cells(&raw, "demo"),
        vec![
            vec![
                s("Zürich — 東京 ✓"),
                s("2147483647"),
                s("-9007199254740993"),
                s("0.1"),
                s("1"),
                s("2024-01-15T10:30:15.123"),
            ],
            vec![
                s(""),
                s("-1"),
                s("0"),
                s("0.3333333333333333"),
                s("0"),
                s("1900-01-01T00:00:00")
            ],
            vec![None, None, None, s("-0.00000025"), None, None],
            vec![Some("é".repeat(3000)), s("0"), s("0"), s("0"), s("0"), None],
        ]
    );

    let m = &raw.manifest;
    assert_eq!(m.engine, "mssql");
    assert_eq!(m.server_version, "15.0.4360.2");
    assert_eq!(m.server_version_num, 15_004_360);
    assert_eq!(m.database, "app");
    assert_eq!(
        m.source,
        format!("sqlserver://auditor@127.0.0.1:{}/app", double.addr.port())
    );
    assert_eq!(m.collected_at, "2026-11-24T15:41:03.123Z");
    assert_eq!(m.server_started.as_deref(), Some("2026-11-20T06:00:00Z"));
    assert_eq!(m.stats_age_seconds, Some(380_463.0));
    // Everything readable: the only note is about the unencrypted test connection.
    let notes: Vec<_> = m
        .notes
        .iter()
        .map(|n| (n.check.as_str(), n.message.as_str()))
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0]
            .1
            .starts_with("Encrypt=False: unless the server forces encryption"),
        "{notes:?}"
    );
    // The preflight result is kept too (version, edition, permissions).
    assert_eq!(
        raw.tables["preflight"].rows[0][1],
        s("Developer Edition (64-bit)")
    );

    let log = double.log();
    assert_eq!(log.logins.len(), 1);
    let login = &log.logins[0];
    assert_eq!(
        (
            login.user.as_str(),
            login.password.as_str(),
            login.database.as_str(),
            login.app_name.as_str()
        ),
        ("auditor", PASSWORD, "app", "dbaudit")
    );
    assert!(
        login.read_only_intent,
        "ApplicationIntent=ReadOnly is always sent"
    );
    assert_eq!(
        log.batches[0],
        "SET LOCK_TIMEOUT 5000; SET TRANSACTION ISOLATION LEVEL READ UNCOMMITTED; SET DEADLOCK_PRIORITY LOW; SET NOCOUNT ON;"
    );
    // dbaudit only reads: session SETs and SELECTs, nothing else reaches the server.
    for batch in &log.batches {
        let statements = batch
            .lines()
            .filter(|l| !l.trim_start().starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n")
            .to_ascii_uppercase();
        let first = statements.split_whitespace().next().unwrap_or("");
        assert!(first == "SET" || first == "SELECT", "{batch}");
        for verb in [
            "INSERT ", "UPDATE ", "DELETE ", "CREATE ", "ALTER ", "DROP ", "EXEC", "GRANT ",
        ] {
            assert!(!statements.contains(verb), "{batch}");
        }
    }
}

#[test]
fn a_permission_error_is_a_note_and_the_other_queries_run() {
    let denied = "VIEW SERVER STATE permission was denied on object 'server', database 'master'.";
    let double = TdsDouble::start(
        DoubleConfig::new("auditor", PASSWORD, "app")
            .answer(
                "HAS_DBACCESS(DB_NAME()) AS has_dbaccess",
                preflight("15.0.4360.2", &[]),
            )
            .answer("sys.dm_os_sys_info", Response::error(300, denied))
            .answer(
                "N'tempdb'",
                Response::rows(
                    &[("server_started", T::DateTime), ("uptime_seconds", T::Int)],
                    vec![vec![
                        V::DateTime {
                            days: 46_348,
                            ticks: 0,
                        },
                        V::Int(3_600),
                    ]],
                ),
            )
            .answer("dm_db_index_usage_stats", Response::error(300, denied))
            .answer(
                "FROM sys.tables",
                Response::rows(
                    &[("name", T::NVarChar)],
                    vec![vec![V::Text("Orders".into())]],
                ),
            ),
    );
    let raw = run(
        &double,
        &[
            ("index_usage", "SELECT * FROM sys.dm_db_index_usage_stats"),
            ("tables", "SELECT name FROM sys.tables"),
        ],
        &options(),
    )
    .unwrap();

    assert!(!raw.tables.contains_key("index_usage"));
    assert_eq!(cells(&raw, "tables"), vec![vec![s("Orders")]]);
    let usage = notes_of(&raw, "index_usage");
    assert_eq!(usage.len(), 1);
    assert!(
        usage[0].contains(denied) && usage[0].contains("error 300"),
        "{usage:?}"
    );
    // The denied uptime DMV falls back to tempdb's creation date, and says so.
    assert_eq!(raw.manifest.stats_age_seconds, Some(3_600.0));
    assert_eq!(
        raw.manifest.server_started.as_deref(),
        Some("2026-11-24T00:00:00Z")
    );
    let uptime = notes_of(&raw, "uptime");
    assert!(
        uptime
            .iter()
            .any(|n| n.contains("tempdb") && n.contains("error 300")),
        "{uptime:?}"
    );
    assert!(uptime.iter().any(|n| n.contains("1.0 h ago")), "{uptime:?}");
    // The preflight names each missing permission and the GRANT that fixes it.
    let permissions = notes_of(&raw, "permissions");
    assert!(
        permissions
            .iter()
            .any(|n| n.contains("USE [master]; GRANT VIEW SERVER STATE TO [auditor];")),
        "{permissions:?}"
    );
    assert!(
        permissions
            .iter()
            .any(|n| n.contains("USE [app]; GRANT VIEW DEFINITION TO [auditor];")),
        "{permissions:?}"
    );
    // One session served everything: a server error does not cost the connection.
    assert_eq!(double.log().logins.len(), 1);
}

#[test]
fn a_timeout_is_a_note_within_the_limit_and_the_rest_runs() {
    let double = TdsDouble::start(server().answer("FROM slow_dmv", Response::Hang).answer(
        "FROM fast",
        Response::rows(&[("n", T::Int)], vec![vec![V::Int(1)]]),
    ));
    let options = CollectOptions {
        query_timeout: Duration::from_millis(800),
        ..Default::default()
    };
    let started = Instant::now();
    let raw = run(
        &double,
        &[
            ("slow", "SELECT * FROM slow_dmv"),
            ("fast", "SELECT n FROM fast"),
        ],
        &options,
    )
    .unwrap();
    let elapsed = started.elapsed();

    assert!(elapsed < Duration::from_secs(4), "took {elapsed:?}");
    assert!(!raw.tables.contains_key("slow"));
    assert_eq!(
        notes_of(&raw, "slow"),
        ["did not finish within 0.8 s and was cancelled (--query-timeout changes the limit)"]
    );
    assert_eq!(cells(&raw, "fast"), vec![vec![s("1")]]);
    // The hanging session was closed (which cancels the query on a real server) and a
    // new one, set up the same way, ran the rest.
    let log = double.wait_for(Duration::from_secs(2), |log| log.abandoned == 1);
    assert_eq!(log.abandoned, 1);
    assert_eq!(log.logins.len(), 2);
    assert_eq!(
        log.batches
            .iter()
            .filter(|b| b.starts_with("SET LOCK_TIMEOUT"))
            .count(),
        2
    );
}

#[test]
fn queries_for_a_newer_version_are_skipped_with_a_note() {
    let double = TdsDouble::start(server().answer(
        "FROM sys.dm_db_missing_index_group_stats_query",
        Response::Hang,
    ));
    let raw = run(
        &double,
        &[(
            "missing_index_queries",
            "-- requires: 16\nSELECT * FROM sys.dm_db_missing_index_group_stats_query",
        )],
        &options(),
    )
    .unwrap();
    assert_eq!(
        notes_of(&raw, "missing_index_queries"),
        ["skipped: needs SQL Server major version 16 or later; this server is 15 (15.0.4360.2)"]
    );
    // (The preflight names the view, asking sys.all_objects whether it exists.)
    assert!(!double
        .log()
        .batches
        .iter()
        .any(|b| b.contains("FROM sys.dm_db_missing_index_group_stats_query")));
}

#[test]
fn the_password_appears_in_no_display_note_or_error() {
    // A server message that echoes the password (drivers and servers sometimes do).
    let double = TdsDouble::start(server().answer(
        "FROM echo",
        Response::error(50000, &format!("cannot parse option '{PASSWORD}'")),
    ));
    let target = resolve(Some(&connection(&double, ";Encrypt=False")), &|_| None).unwrap();
    assert!(!target.display.contains(PASSWORD));
    assert!(!format!("{target:?}").contains(PASSWORD));
    let raw = collect(&target, &[("echo", "SELECT * FROM echo")], &options()).unwrap();
    let note = &notes_of(&raw, "echo")[0];
    assert!(note.contains("cannot parse option '*****'"), "{note}");
    let manifest = serde_json::to_string(&raw.manifest).unwrap();
    assert!(!manifest.contains(PASSWORD), "{manifest}");

    // Wrong password: the server's words, what to check, and no password.
    let wrong = resolve(
        Some(&format!(
            "{};Database=app;User Id=auditor;Password='Wr0ng-{PASSWORD}';Encrypt=False",
            double.server()
        )),
        &|_| None,
    )
    .unwrap();
    let error = format!("{:#}", collect(&wrong, &[], &options()).unwrap_err());
    assert!(
        error.contains("Login failed for user 'auditor'. (error 18456)"),
        "{error}"
    );
    assert!(error.contains("check User Id and Password"), "{error}");
    assert!(!error.contains(PASSWORD), "{error}");
}

#[test]
fn encryption_required_against_a_server_without_tls_is_a_clear_error() {
    let double = TdsDouble::start(server());
    for extra in [
        "",
        ";Encrypt=True",
        ";Encrypt=True;TrustServerCertificate=True",
    ] {
        let target = resolve(Some(&connection(&double, extra)), &|_| None).unwrap();
        let started = Instant::now();
        let error = format!("{:#}", collect(&target, &[], &options()).unwrap_err());
        assert!(started.elapsed() < Duration::from_secs(4));
        assert!(
            error.contains("does not support encryption"),
            "{extra}: {error}"
        );
        assert!(error.contains("Encrypt=False"), "{extra}: {error}");
        assert!(
            error.contains(&format!("127.0.0.1:{}", double.addr.port())),
            "{error}"
        );
        assert!(!error.contains(PASSWORD), "{error}");
    }
    // Nothing was sent past the PRELOGIN: no login, no password on the wire.
    assert!(double.log().logins.is_empty());
}

fn dbaudit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dbaudit"))
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("MSSQL_CONNECTION_STRING")
        .output()
        .expect("the dbaudit binary runs")
}

#[test]
fn cli_collect_writes_the_results_as_csv_and_a_manifest() {
    let double = TdsDouble::start(server());
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("snap");
    let db = connection(&double, ";Encrypt=False");
    let output = dbaudit(&["collect", "--db", &db, "--out", dir.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "collecting from sqlserver://auditor@127.0.0.1:{}/app",
            double.addr.port()
        )),
        "{stderr}"
    );
    assert!(!stderr.contains(PASSWORD), "{stderr}");

    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["engine"], "mssql");
    assert_eq!(manifest["database"], "app");
    // The collection is imported and saved in the snapshot format PostgreSQL uses
    // (manifest.json + one CSV per kind); the checks the double does not answer are
    // notes, and the saved snapshot reads back for analysis.
    assert!(dir.join("tables.csv").is_file());
    let notes = manifest["notes"].as_array().unwrap();
    assert!(!notes.is_empty(), "{manifest}");
    let analyze = dbaudit(&[
        "analyze",
        "--snapshot",
        dir.to_str().unwrap(),
        "--fail-on",
        "none",
    ]);
    assert_eq!(
        analyze.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&analyze.stderr)
    );
}

#[test]
fn cli_a_server_that_is_down_is_exit_2_naming_host_and_port() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let out = tempfile::tempdir().unwrap();
    let db =
        format!("Server=tcp:127.0.0.1,{port};Database=app;User Id=auditor;Password=\"{PASSWORD}\"");
    for args in [
        vec![
            "collect",
            "--db",
            db.as_str(),
            "--out",
            out.path().to_str().unwrap(),
        ],
        vec!["analyze", "--db", db.as_str()],
    ] {
        let output = dbaudit(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(&format!(
                "cannot connect to sqlserver://auditor@127.0.0.1:{port}/app (127.0.0.1:{port})"
            )),
            "{stderr}"
        );
        assert!(
            stderr.contains("Check that SQL Server is running and listening on TCP port"),
            "{stderr}"
        );
        assert!(!stderr.contains(PASSWORD), "{stderr}");
    }
    // Mistakes are named without the password, even one cut in two by an unquoted `;`.
    for (engine, db, expected) in [
        (
            "mssql",
            format!("Server=h;User Id=u;Pasword=\"{PASSWORD}\""),
            "unknown keyword `pasword`",
        ),
        (
            "",
            format!("Server=h;User Id=u;Password={PASSWORD}"),
            "after the value of `password`",
        ),
    ] {
        let mut args = vec!["collect", "--db", db.as_str(), "--out", "x"];
        if !engine.is_empty() {
            args.extend(["--engine", engine]);
        }
        let output = dbaudit(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
        assert!(
            !stderr.contains("Pa55") && !stderr.contains("Zeta"),
            "{stderr}"
        );
    }
}

#[test]
fn a_database_the_login_cannot_access_stops_the_collection() {
    let double = TdsDouble::start(DoubleConfig::new("auditor", PASSWORD, "app").answer(
        "HAS_DBACCESS(DB_NAME()) AS has_dbaccess",
        preflight_with_access("15.0.4360.2", &[], false),
    ));
    let error = format!("{:#}", run(&double, &[], &options()).unwrap_err());
    assert!(
        error.contains("cannot access database `app` (HAS_DBACCESS is 0)"),
        "{error}"
    );
    assert!(
        error.contains("CREATE USER [auditor] FOR LOGIN [auditor]"),
        "{error}"
    );
}

#[test]
fn a_server_that_never_answers_is_an_error_within_the_connect_timeout() {
    // Listening (the kernel completes the TCP handshake) but never answering PRELOGIN.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let target = resolve(
        Some(&format!(
            "Server=tcp:127.0.0.1,{port};User Id=auditor;Password='{PASSWORD}';Connect Timeout=1"
        )),
        &|_| None,
    )
    .unwrap();
    let started = Instant::now();
    let error = format!("{:#}", collect(&target, &[], &options()).unwrap_err());
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(
        error.contains(&format!("(127.0.0.1:{port}): no answer within 1 s")),
        "{error}"
    );
    assert!(error.contains("Check the host and port"), "{error}");
    drop(silent);
}

#[test]
fn cli_prints_the_sql_server_queries() {
    let output = dbaudit(&["queries", "mssql"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        stdout.contains("-- ===== preflight (queries/mssql/preflight.sql)"),
        "{stdout}"
    );
    assert!(stdout.contains("HAS_DBACCESS(DB_NAME())"), "{stdout}");
}

#[test]
fn a_column_the_driver_cannot_read_is_a_note_and_the_rest_runs() {
    let double = TdsDouble::start(
        server()
            .answer(
                "FROM variant",
                Response::rows(&[("value", T::SqlVariant)], vec![]),
            )
            .answer(
                "FROM fast",
                Response::rows(&[("n", T::Int)], vec![vec![V::Int(1)]]),
            ),
    );
    let raw = run(
        &double,
        &[
            (
                "variant",
                "SELECT SERVERPROPERTY('Edition') AS value FROM variant",
            ),
            ("fast", "SELECT n FROM fast"),
        ],
        &options(),
    )
    .unwrap();
    let note = &notes_of(&raw, "variant")[0];
    assert!(note.contains("CAST to nvarchar"), "{note}");
    assert_eq!(cells(&raw, "fast"), vec![vec![s("1")]]);
}

#[test]
fn a_read_only_routing_redirect_is_followed_once() {
    let replica = TdsDouble::start(server());
    let listener = TdsDouble::start(server().route_to(replica.addr.port()));
    let raw = run(&listener, &[], &options()).unwrap();
    assert_eq!(raw.manifest.database, "app");
    assert_eq!(listener.log().logins.len(), 1);
    assert!(listener.log().batches.is_empty());
    let replica_log = replica.log();
    assert_eq!(replica_log.logins.len(), 1);
    assert!(replica_log.logins[0].read_only_intent);
    assert!(replica_log.batches[0].starts_with("SET LOCK_TIMEOUT"));
}

/// A self-signed server certificate for 127.0.0.1 and localhost (cert.pem, key.pem), made with
/// the `openssl` tool; `None` when it is missing (it is present wherever the PostgreSQL TLS
/// tests run).
fn self_signed_certificate(dir: &Path) -> Option<(Vec<u8>, Vec<u8>)> {
    let made = Command::new("openssl")
        .current_dir(dir)
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "key.pem",
            "-out",
            "cert.pem",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            // A server certificate, not a CA (openssl's default for -x509): webpki (rustls)
            // refuses a CA certificate presented as the server's own.
            "-addext",
            "basicConstraints=critical,CA:FALSE",
        ])
        .output()
        .ok()?;
    if !made.status.success() {
        return None;
    }
    Some((
        std::fs::read(dir.join("cert.pem")).ok()?,
        std::fs::read(dir.join("key.pem")).ok()?,
    ))
}

#[test]
fn tls_by_default_with_the_certificate_checked_as_the_connection_says() {
    let dir = tempfile::tempdir().unwrap();
    let Some((cert, key)) = self_signed_certificate(dir.path()) else {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "the `openssl` command-line tool is required under CI to make test certificates"
        );
        eprintln!("skipped: no openssl tool to make a test certificate");
        return;
    };
    let double = TdsDouble::start(server().tls(&cert, &key));

    // TrustServerCertificate=True: encrypted, the certificate accepted as is (and noted).
    let target = resolve(
        Some(&connection(&double, ";TrustServerCertificate=True")),
        &|_| None,
    )
    .unwrap();
    let raw = collect(&target, &[], &options()).unwrap();
    assert_eq!(raw.manifest.database, "app");
    assert_eq!(
        notes_of(&raw, "connection"),
        ["TrustServerCertificate=True: the session was encrypted, but the server's certificate was not verified"]
    );
    let log = double.log();
    assert_eq!(log.logins.len(), 1, "the login arrived inside TLS");
    assert_eq!(log.logins[0].password, PASSWORD);

    // TrustServerCertificateCA: verified against that CA (here the certificate itself).
    let ca = dir.path().join("cert.pem");
    let target = resolve(
        Some(&connection(
            &double,
            &format!(";TrustServerCertificateCA={}", ca.display()),
        )),
        &|_| None,
    )
    .unwrap();
    let raw = collect(&target, &[], &options()).unwrap();
    assert!(notes_of(&raw, "connection").is_empty());

    // By default the certificate must be trusted by the system: a self-signed one is not.
    let target = resolve(Some(&connection(&double, "")), &|_| None).unwrap();
    let error = format!("{:#}", collect(&target, &[], &options()).unwrap_err());
    assert!(error.contains("TLS failed"), "{error}");
    assert!(error.contains("TrustServerCertificate=True"), "{error}");
    assert!(!error.contains(PASSWORD), "{error}");
    assert_eq!(
        double.log().logins.len(),
        2,
        "no login without a trusted certificate"
    );
}

/// Issue #14, SQL Server side: no statement text taken from the plan cache is ever sent
/// back to the server. `query_stats` and `missing_index_queries` answer with hostile
/// statement texts; everything the collector sent afterwards is read from the double's
/// log: the probe text is in no batch (the collector runs only its own constant queries).
#[test]
fn no_statement_text_from_the_plan_cache_is_ever_executed() {
    const PROBE: &str = "EXEC xp_cmdshell 'whoami' -- dbaudit-plan-cache-probe";
    let double = TdsDouble::start(
        server()
            .answer(
                "sys.dm_exec_query_stats",
                Response::rows(
                    &[("query_hash", T::NVarChar), ("statement_text", T::NVarChar)],
                    vec![
                        vec![V::Text("0x01".into()), V::Text(PROBE.into())],
                        vec![
                            V::Text("0x02".into()),
                            V::Text(format!("SELECT 1; {PROBE}")),
                        ],
                    ],
                ),
            )
            .answer(
                "dm_db_missing_index_group_stats_query",
                Response::rows(
                    &[("query_text", T::NVarChar)],
                    vec![vec![V::Text(PROBE.into())]],
                ),
            ),
    );
    let raw = run(&double, dbaudit::collect::MSSQL_QUERIES, &options()).unwrap();
    let collected = raw.tables.get("query_stats").map(|t| t.rows.len());
    assert_eq!(collected, Some(2), "the hostile texts were read as data");
    let log = double.log();
    assert!(
        log.batches.len() >= dbaudit::collect::MSSQL_QUERIES.len(),
        "every query was sent: {:?}",
        log.batches
    );
    for batch in &log.batches {
        assert!(
            !batch.contains("dbaudit-plan-cache-probe"),
            "a statement text from the plan cache was sent back: {batch}"
        );
    }
}

/// The server row: 2026-11-20 06:00 start, collected 2026-11-24 15:41:03 (the preflight's
/// clock), so the importer can age plans.
fn server_row() -> Response {
    let collected = V::DateTime {
        days: 46_348,
        ticks: (15 * 3600 + 41 * 60 + 3) * 300,
    };
    Response::rows(
        &[
            ("product_version", T::NVarChar),
            ("database_name", T::NVarChar),
            ("sqlserver_start_time", T::DateTime),
            ("collected_at", T::DateTime),
        ],
        vec![vec![
            V::Text("15.0.4360.2".into()),
            V::Text("app".into()),
            V::DateTime {
                days: 46_344,
                ticks: 6 * 3600 * 300,
            },
            collected,
        ]],
    )
}

/// Sessions grouped as `sessions.sql` returns them: (program, state, count, oldest
/// transaction, oldest in state).
type SessionRow<'a> = (&'a str, &'a str, i64, Option<i64>, Option<i64>);

fn sessions(groups: &[SessionRow<'_>]) -> Response {
    Response::rows(
        &[
            ("application_name", T::NVarChar),
            ("state", T::NVarChar),
            ("sessions", T::Int),
            ("oldest_xact_seconds", T::Int),
            ("oldest_state_seconds", T::Int),
            ("max_connections", T::Int),
        ],
        groups
            .iter()
            .map(|(app, state, n, xact, idle)| {
                vec![
                    V::Text(app.to_string()),
                    V::Text(state.to_string()),
                    V::Int(*n),
                    xact.map_or(V::Null, V::Int),
                    idle.map_or(V::Null, V::Int),
                    V::Int(32_767),
                ]
            })
            .collect(),
    )
}

/// `query_stats` rows with the columns latency-spread, over-fetching and
/// caching-candidate read: (hash, text, plan created (hours before the collection),
/// executions, total µs, max µs, total rows, min rows, max rows).
type QueryStat = (
    &'static str,
    &'static str,
    u32,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
);

fn query_stats(rows: &[QueryStat]) -> Response {
    Response::rows(
        &[
            ("query_hash", T::NVarChar),
            ("statement_text", T::NVarChar),
            ("creation_time", T::DateTime),
            ("execution_count", T::BigInt),
            ("total_elapsed_time_us", T::BigInt),
            ("min_elapsed_time_us", T::BigInt),
            ("max_elapsed_time_us", T::BigInt),
            ("total_rows", T::BigInt),
            ("min_rows", T::BigInt),
            ("max_rows", T::BigInt),
        ],
        rows.iter()
            .map(
                |(hash, text, hours, calls, total, max, rows, min_rows, max_rows)| {
                    vec![
                        V::Text(hash.to_string()),
                        V::Text(text.to_string()),
                        V::DateTime {
                            days: 46_348,
                            ticks: ((15 - hours) * 3600 + 41 * 60 + 3) * 300,
                        },
                        V::Int(*calls),
                        V::Int(*total),
                        V::Int(total / calls / 4),
                        V::Int(*max),
                        V::Int(*rows),
                        V::Int(*min_rows),
                        V::Int(*max_rows),
                    ]
                },
            )
            .collect(),
    )
}

fn audit_of(double: &TdsDouble) -> Vec<dbaudit::model::Finding> {
    let raw = run(double, dbaudit::collect::MSSQL_QUERIES, &options()).unwrap();
    let snapshot = dbaudit::snapshot::mssql::from_raw(raw).unwrap();
    let mut config = dbaudit::config::Config::default();
    config.thresholds.idle_in_transaction_seconds = 60.0;
    dbaudit::analyze::analyze(&snapshot, &config).findings
}

fn of_rule(findings: &[dbaudit::model::Finding], rule: &str) -> Vec<String> {
    findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| {
            format!(
                "{}: {}",
                f.location.object.as_deref().unwrap_or(""),
                f.message
            )
        })
        .collect()
}

/// Issue #19 on SQL Server: sessions and the plan cache through the collector, the
/// importer and the rules: a pool near its size, a session sleeping in a transaction,
/// a statement with a skewed elapsed time, a wide read and a hot stable read; and a
/// healthy server where none fires.
#[test]
fn connection_latency_fetching_and_caching_checks_through_the_collector() {
    let busy = TdsDouble::start(
        server()
            .answer("sqlserver_start_time", server_row())
            .answer(
                "sys.dm_exec_sessions",
                sessions(&[
                    ("Billing.Api", "idle", 90, None, Some(1_200)),
                    ("Billing.Api", "active", 6, None, None),
                    ("Reports", "idle in transaction", 2, Some(905), Some(900)),
                ]),
            )
            .answer(
                "sys.dm_exec_query_stats",
                query_stats(&[
                    // 1,000 executions, 5 ms mean, one of 3 s.
                    (
                        "0x01",
                        "SELECT Id FROM dbo.Orders WHERE CustomerId = @c",
                        2,
                        1_000,
                        5_000_000,
                        3_000_000,
                        1_000,
                        1,
                        1,
                    ),
                    // 200 executions of 20,000 rows.
                    (
                        "0x02",
                        "SELECT * FROM dbo.AuditLog WHERE TenantId = @t",
                        2,
                        200,
                        2_000_000,
                        20_000,
                        4_000_000,
                        19_000,
                        21_000,
                    ),
                    // 360,000 executions in 2 hours (3,000 a minute), one row each.
                    (
                        "0x03",
                        "SELECT Value FROM dbo.Settings WHERE Name = @n",
                        2,
                        360_000,
                        36_000_000,
                        400,
                        360_000,
                        1,
                        1,
                    ),
                ]),
            ),
    );
    let findings = audit_of(&busy);
    let pool = of_rule(&findings, "connection-saturation");
    assert_eq!(pool.len(), 1, "{pool:?}");
    assert!(
        pool[0].starts_with("application 'Billing.Api': application 'Billing.Api' holds 96 sessions: 96% of a client pool of 100"),
        "{pool:?}"
    );
    let idle = of_rule(&findings, "idle-in-transaction");
    assert_eq!(
        idle,
        ["application 'Reports': 2 session(s) of application 'Reports' idle in transaction, the longest for 15.0 min (its transaction open 15.1 min) (threshold 60 s)"]
    );
    let spread = of_rule(&findings, "latency-spread");
    assert_eq!(spread.len(), 1, "{spread:?}");
    assert!(
        spread[0].starts_with(
            "queryid 0x01: 1000 calls, mean 5.0 ms, max 3000.0 ms (600 times the mean)"
        ),
        "{spread:?}"
    );
    let wide = of_rule(&findings, "over-fetching");
    assert_eq!(wide.len(), 1, "{wide:?}");
    assert!(
        wide[0].starts_with("queryid 0x02: 20000 rows per call over 200 calls"),
        "{wide:?}"
    );
    let cached = of_rule(&findings, "caching-candidate");
    assert_eq!(cached.len(), 1, "{cached:?}");
    assert!(
        cached[0].starts_with("queryid 0x03: 3000 calls a minute, 1.0 rows each"),
        "{cached:?}"
    );

    let calm = TdsDouble::start(
        server()
            .answer("sqlserver_start_time", server_row())
            .answer(
                "sys.dm_exec_sessions",
                sessions(&[
                    ("Billing.Api", "idle", 12, None, Some(30)),
                    ("Reports", "idle in transaction", 1, Some(3), Some(2)),
                ]),
            )
            .answer(
                "sys.dm_exec_query_stats",
                query_stats(&[
                    (
                        "0x01",
                        "SELECT Id FROM dbo.Orders WHERE CustomerId = @c",
                        2,
                        1_000,
                        5_000_000,
                        9_000,
                        1_000,
                        1,
                        1,
                    ),
                    (
                        "0x02",
                        "SELECT * FROM dbo.AuditLog WHERE TenantId = @t",
                        2,
                        200,
                        2_000_000,
                        20_000,
                        4_000,
                        19,
                        21,
                    ),
                    // Hot, but its row count varies: not a stable result.
                    (
                        "0x03",
                        "SELECT Value FROM dbo.Settings WHERE Name LIKE @n",
                        2,
                        360_000,
                        36_000_000,
                        400,
                        720_000,
                        1,
                        3,
                    ),
                ]),
            ),
    );
    let findings = audit_of(&calm);
    for rule in [
        "connection-saturation",
        "idle-in-transaction",
        "latency-spread",
        "over-fetching",
        "caching-candidate",
    ] {
        assert!(
            of_rule(&findings, rule).is_empty(),
            "{rule}: {:?}",
            of_rule(&findings, rule)
        );
    }
}
