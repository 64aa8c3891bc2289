//! The SQL Server analysis on a Psyter-like SSMS export (`fixtures/mssql/psyter_export`,
//! written in the style of the seed audit: BOM, CRLF, `NULL` as text): the findings,
//! their severities and ranking, the missing-index requests the advisor consumes, the
//! import's errors, and a save / load round trip.

use std::path::Path;
use std::process::Command;

use dbaudit::analyze::mssql_missing::missing_index_requests;
use dbaudit::analyze::{analyze, Analysis, Thresholds};
use dbaudit::config::Config;
use dbaudit::model::snapshot::Snapshot;
use dbaudit::model::{Finding, Severity};
use dbaudit::snapshot::mssql::{from_raw, read_export_dir};
use dbaudit::snapshot::raw::{RawSnapshot, RawTable};

const EXPORT: &str = "fixtures/mssql/psyter_export";

fn psyter() -> Snapshot {
    read_export_dir(Path::new(EXPORT)).expect("the fixture imports")
}

fn findings(snapshot: &Snapshot) -> Vec<Finding> {
    analyze(snapshot, &Config::default()).findings
}

fn find<'a>(all: &'a [Finding], rule: &str, object: &str) -> Option<&'a Finding> {
    all.iter()
        .find(|f| f.rule == rule && f.location.object.as_deref() == Some(object))
}

fn metric(f: &Finding, name: &str) -> f64 {
    f.evidence.metrics.get(name).copied().unwrap_or(f64::NAN)
}

/// A copy of the fixture in a temporary directory, for breaking one file.
fn fixture_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(EXPORT).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    dir
}

#[test]
fn the_export_imports_with_its_context() {
    let s = psyter();
    let m = &s.manifest;
    assert_eq!(m.engine, "mssql");
    assert_eq!(m.database, "Psyter");
    assert_eq!(m.server_version, "15.0.4345.5 (Standard Edition (64-bit))");
    assert_eq!(m.server_version_num, 154345);
    assert_eq!(m.collected_at, "2026-11-20T09:00:00.000Z");
    assert_eq!(m.server_started.as_deref(), Some("2026-11-10T12:00:00.000"));
    assert_eq!(m.stats_age_seconds, Some(10.0 * 86_400.0));
    // IX_Payments_Currency (below) has no properties on a table of 450,000 rows: the
    // statistics check says it could not judge it (issue #19).
    assert_eq!(m.notes.len(), 1, "{:?}", m.notes);
    assert_eq!(m.notes[0].check, "statistics");
    assert!(
        m.notes[0]
            .message
            .starts_with("1 of 6 statistics returned no properties"),
        "{:?}",
        m.notes
    );
    assert_eq!(s.tables.len(), 5);
    // The heap is a table property, not an index.
    assert_eq!(s.indexes.len(), 13);
    let notifications = s.table("dbo", "Notifications").unwrap();
    assert_eq!(notifications.is_heap, Some(true));
    assert_eq!(notifications.forwarded_fetches, Some(2_400_000));
    assert_eq!(notifications.seq_scan, 95_000);
    let client = s
        .indexes
        .iter()
        .find(|i| i.name == "IX_Appointments_Client")
        .unwrap();
    assert_eq!(
        client.definition,
        "CREATE NONCLUSTERED INDEX [IX_Appointments_Client] ON [dbo].[Appointments] ([ClientId]) INCLUDE ([Status])"
    );
    assert_eq!(client.idx_scan, 1_200);
    assert_eq!(client.user_updates, Some(60_000));
    let pk = s
        .indexes
        .iter()
        .find(|i| i.name == "PK_Appointments")
        .unwrap();
    assert_eq!(pk.row_lock_waits, Some(1_500));
    let proc = &s.procedures[0];
    assert_eq!(proc.name, "Appointment_GetUserAppointmentsWithDetails");
    assert_eq!(proc.total_elapsed_ms, 8_880_000.0, "microseconds become ms");
    assert_eq!(proc.avg_elapsed_ms(), 185.0);
    assert_eq!(proc.executions_per_minute().map(|r| r.round()), Some(33.0));
    // `NULL` text reads as absent.
    let never = s
        .statistics
        .iter()
        .find(|st| st.name == "IX_Payments_Currency")
        .unwrap();
    assert_eq!((never.rows, never.last_updated.as_deref()), (None, None));
    let text = s
        .missing_indexes
        .iter()
        .find(|m| m.group_handle == 31)
        .unwrap();
    assert_eq!(
        text.query_text.as_deref(),
        Some("SELECT NotificationId, Title, CreatedDate FROM dbo.Notifications WHERE UserId = @UserId AND IsRead = 0")
    );
}

#[test]
fn findings_and_their_severities() {
    let all = findings(&psyter());
    let expect = [
        // Issue #19: the sessions and the plan cache of the export.
        (
            "connection-saturation",
            "application 'Psyter.Web'",
            Severity::High,
        ),
        (
            "idle-in-transaction",
            "application 'Psyter.Web'",
            Severity::Medium,
        ),
        (
            "latency-spread",
            "queryid 0x1A2B3C4D5E6F7081",
            Severity::Medium,
        ),
        (
            "over-fetching",
            "queryid 0x6B6B6B6B00000002",
            Severity::Medium,
        ),
        (
            "caching-candidate",
            "queryid 0x5A5A5A5A00000001",
            Severity::Low,
        ),
        (
            "heap-forwarded-fetches",
            "dbo.Notifications",
            Severity::High,
        ),
        ("scan-heavy-table", "dbo.UserLogin", Severity::High),
        ("scan-heavy-table", "dbo.Notifications", Severity::High),
        (
            "slow-procedure",
            "dbo.Appointment_GetUserAppointmentsWithDetails",
            Severity::High,
        ),
        (
            "slow-procedure",
            "dbo.Payment_GetByProvider",
            Severity::Medium,
        ),
        (
            "stale-statistics",
            "dbo.Notifications._WA_Sys_00000004_1A14E395",
            Severity::High,
        ),
        (
            "stale-statistics",
            "dbo.Appointments._WA_Sys_00000005_0EA330E9",
            Severity::Medium,
        ),
        ("unused-index", "dbo.IX_Payments_Status_Old", Severity::High),
        ("unused-index", "dbo.IX_Payments_Currency", Severity::Medium),
        (
            "duplicate-index",
            "dbo.IX_Appointments_Client",
            Severity::Medium,
        ),
        ("overlapping-index", "dbo.Appointments", Severity::Low),
        (
            "write-heavy-index",
            "dbo.IX_Notifications_CreatedDate",
            Severity::Low,
        ),
        ("unindexed-foreign-key", "dbo.Payments", Severity::Medium),
        ("slow-query", "queryid 0x1A2B3C4D5E6F7081", Severity::High),
    ];
    for (rule, object, severity) in expect {
        let f = find(&all, rule, object).unwrap_or_else(|| panic!("{rule} on {object}: {all:#?}"));
        assert_eq!(f.severity, severity, "{rule} on {object}: {}", f.message);
    }
    let count = |rule: &str| all.iter().filter(|f| f.rule == rule).count();
    assert_eq!(count("missing-index"), 9);
    assert_eq!(
        count("unused-index"),
        2,
        "constraints and clustered indexes never"
    );
    assert_eq!(count("duplicate-index"), 1);
    assert_eq!(
        count("slow-procedure"),
        2,
        "Notification_MarkRead has too few executions"
    );
    assert_eq!(
        count("unindexed-foreign-key"),
        1,
        "Appointments.ClientId is indexed"
    );
    assert_eq!(count("invalid-index"), 0);
    assert_eq!(
        all.len(),
        29,
        "{:#?}",
        all.iter()
            .map(|f| (&f.rule, &f.location.object))
            .collect::<Vec<_>>()
    );

    // Key numbers.
    let heap = find(&all, "heap-forwarded-fetches", "dbo.Notifications").unwrap();
    assert_eq!(metric(heap, "forwarded_fetches"), 2_400_000.0);
    let slow = find(
        &all,
        "slow-procedure",
        "dbo.Appointment_GetUserAppointmentsWithDetails",
    )
    .unwrap();
    assert_eq!(metric(slow, "rank"), 1.0);
    assert_eq!(metric(slow, "avg_elapsed_ms"), 185.0);
    assert_eq!(metric(slow, "avg_logical_reads"), 42_000.0);
    assert_eq!(metric(slow, "executions_per_minute"), 33.33);
    assert_eq!(metric(slow, "share_of_total_pct"), 70.1);
    let unused = find(&all, "unused-index", "dbo.IX_Payments_Status_Old").unwrap();
    assert_eq!(metric(unused, "user_updates"), 45_000.0);
    assert!(unused
        .recommendation
        .contains("DROP INDEX [IX_Payments_Status_Old] ON [dbo].[Payments];"));
    assert!(
        unused.message.contains("reset at restart"),
        "{}",
        unused.message
    );
    let duplicate = find(&all, "duplicate-index", "dbo.IX_Appointments_Client").unwrap();
    assert!(
        duplicate
            .message
            .contains("covered by IX_Appointments_ClientId"),
        "the more read one is kept"
    );
    let fk = find(&all, "unindexed-foreign-key", "dbo.Payments").unwrap();
    assert_eq!(
        fk.recommendation,
        "CREATE NONCLUSTERED INDEX [IX_Payments_AppointmentId] ON [dbo].[Payments] ([AppointmentId]) WITH (ONLINE = ON, SORT_IN_TEMPDB = ON);"
    );
    let stale = find(
        &all,
        "stale-statistics",
        "dbo.Appointments._WA_Sys_00000005_0EA330E9",
    )
    .unwrap();
    assert_eq!(metric(stale, "age_days"), 41.0);
    assert_eq!(metric(stale, "modified_pct"), 45.6);
}

#[test]
fn missing_index_findings_are_ranked_by_benefit_per_day() {
    let all = findings(&psyter());
    let missing: Vec<&Finding> = all.iter().filter(|f| f.rule == "missing-index").collect();
    let ranks: Vec<f64> = missing.iter().map(|f| metric(f, "rank")).collect();
    assert_eq!(
        ranks,
        [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0],
        "report order is rank order"
    );
    let severities: Vec<Severity> = missing.iter().map(|f| f.severity).collect();
    assert_eq!(&severities[..6], &[Severity::High; 6]);
    assert_eq!(&severities[6..], &[Severity::Medium; 3]);
    let first = missing[0];
    assert_eq!(first.location.object.as_deref(), Some("dbo.Notifications"));
    // (310,000 + 0) x 52.7 x 96.4 / 10 days.
    assert_eq!(metric(first, "benefit_per_day"), 157_488_680.0);
    assert_eq!(
        first.recommendation,
        "Merge with the other requests on [dbo].[Notifications] and check the existing indexes first, then: CREATE NONCLUSTERED INDEX [IX_Notifications_UserId_IsRead] ON [dbo].[Notifications] ([UserId], [IsRead]) INCLUDE ([CreatedDate], [Title]) WITH (ONLINE = ON, SORT_IN_TEMPDB = ON);"
    );
    assert!(first.evidence.related[0]
        .text
        .contains("WHERE UserId = @UserId"));
    assert!(
        first.message.contains("cleared at restart"),
        "the DMV caveat is stated"
    );
}

#[test]
fn missing_index_requests_for_the_advisor() {
    let s = psyter();
    let requests = missing_index_requests(&s, &Thresholds::default());
    let shape: Vec<(String, Vec<String>, Vec<String>)> = requests
        .iter()
        .map(|r| {
            (
                r.table.clone(),
                r.key_columns.clone(),
                r.include_columns.clone(),
            )
        })
        .collect();
    let v = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        shape,
        vec![
            (
                "Notifications".into(),
                v(&["UserId", "IsRead"]),
                v(&["CreatedDate", "Title"])
            ),
            (
                "Appointments".into(),
                v(&["ClientId", "StartDate"]),
                v(&["ProviderId", "Status"])
            ),
            (
                "Appointments".into(),
                v(&["ProviderId", "StartDate"]),
                v(&["ClientId", "Status"])
            ),
            (
                "UserLogin".into(),
                v(&["Email"]),
                v(&["UserId", "PasswordHash", "IsActive"])
            ),
            (
                "Payments".into(),
                v(&["AppointmentId"]),
                v(&["Amount", "Status", "CreatedDate"])
            ),
            ("UserLogin".into(), v(&["PhoneNumber"]), v(&["UserId"])),
            (
                "Payments".into(),
                v(&["ProviderId", "CreatedDate"]),
                v(&["Amount", "Status"])
            ),
            (
                "Appointments".into(),
                v(&["Status"]),
                v(&["ClientId", "ProviderId", "StartDate"])
            ),
            ("VideoSessions".into(), v(&["AppointmentId"]), v(&[])),
        ]
    );
    // The DMV listed `[IsRead], [UserId]`; the histogram says UserId is more selective.
    let first = &requests[0];
    assert!(first.ordered_by_selectivity);
    assert_eq!(first.equality_columns, v(&["UserId", "IsRead"]));
    assert_eq!((first.user_seeks, first.user_scans), (310_000, 0));
    assert_eq!(
        (first.avg_total_user_cost, first.avg_user_impact),
        (52.7, 96.4)
    );
    assert!(first
        .query_text
        .as_deref()
        .is_some_and(|q| q.contains("dbo.Notifications")));
    assert_eq!(requests[1].inequality_columns, v(&["StartDate"]));
    assert!(
        !requests[1].ordered_by_selectivity,
        "one equality column: as given"
    );
    // A table younger than the uptime counts its own age: 720,000 over 5 days.
    let young = requests.last().unwrap();
    assert_eq!(
        (young.observed_days, young.benefit_per_day),
        (5.0, 144_000.0)
    );
    // Below 100,000/day ([Type], 252/day) is not a request worth an index.
    assert!(requests.iter().all(|r| r.key_columns != v(&["Type"])));

    let strict = Thresholds {
        missing_index_min_benefit_per_day: 20_000_000.0,
        ..Thresholds::default()
    };
    assert_eq!(
        missing_index_requests(&s, &strict).len(),
        4,
        "the threshold is configurable"
    );
}

#[test]
fn saved_and_loaded_snapshots_give_the_same_findings() {
    let imported = psyter();
    let dir = tempfile::tempdir().unwrap();
    dbaudit::snapshot::write(&imported, dir.path()).unwrap();
    let loaded = dbaudit::snapshot::read(dir.path()).unwrap();
    assert_eq!(loaded, imported);
    let json = |a: Analysis| serde_json::to_string(&a.findings).unwrap();
    assert_eq!(
        json(analyze(&loaded, &Config::default())),
        json(analyze(&imported, &Config::default()))
    );
}

#[test]
fn a_missing_export_is_a_note_and_a_missing_column_an_error() {
    let dir = fixture_copy();
    std::fs::remove_file(dir.path().join("procedure_stats.csv")).unwrap();
    let s = read_export_dir(dir.path()).unwrap();
    let note = s
        .manifest
        .notes
        .iter()
        .find(|n| n.check == "procedure_stats")
        .unwrap();
    assert!(
        note.message.contains("procedure_stats.csv"),
        "{}",
        note.message
    );
    assert!(findings(&s).iter().all(|f| f.rule != "slow-procedure"));

    let indexes = dir.path().join("indexes.csv");
    let text = std::fs::read_to_string(&indexes).unwrap();
    std::fs::write(&indexes, text.replacen("user_updates", "writes", 1)).unwrap();
    let error = format!("{:#}", read_export_dir(dir.path()).unwrap_err());
    assert!(
        error.contains("indexes.csv") && error.contains("`user_updates`"),
        "{error}"
    );

    std::fs::write(&indexes, text.replacen(",45000,", ",lots,", 1)).unwrap();
    let error = format!("{:#}", read_export_dir(dir.path()).unwrap_err());
    assert!(
        error.contains("indexes.csv")
            && error.contains("row 10")
            && error.contains("`user_updates`")
            && error.contains("`lots`"),
        "{error}"
    );

    let empty = tempfile::tempdir().unwrap();
    let error = format!("{:#}", read_export_dir(empty.path()).unwrap_err());
    assert!(
        error.contains("dbaudit queries mssql") && error.contains("tables.csv"),
        "{error}"
    );
    let error = format!(
        "{:#}",
        read_export_dir(&empty.path().join("nope")).unwrap_err()
    );
    assert!(error.contains("dbaudit queries mssql"), "{error}");
}

#[test]
fn sqlcmd_output_and_collector_cells_are_accepted() {
    // sqlcmd -s, -W: padding and a dashes line under the header.
    let dir = fixture_copy();
    std::fs::write(
        dir.path().join("tables.csv"),
        "schema_name ,table_name,create_date,is_heap,row_count,reserved_bytes,data_bytes\n-----------,----------,-----------,-------,---------,--------------,----------\ndbo        ,UserLogin ,2019-03-01 10:00:00.000,0,120000,52428800,41943040\n",
    )
    .unwrap();
    let s = read_export_dir(dir.path()).unwrap();
    assert_eq!(s.tables.len(), 1);
    assert_eq!(s.tables[0].name, "UserLogin");

    // The collector's cells: ISO dates with T, bits as true/false, NULL as None.
    let table = |columns: &[&str], rows: &[&[Option<&str>]]| RawTable {
        columns: columns.iter().map(|c| c.to_string()).collect(),
        rows: rows
            .iter()
            .map(|r| r.iter().map(|c| c.map(str::to_string)).collect())
            .collect(),
    };
    let mut raw = RawSnapshot::default();
    raw.manifest.notes.push(dbaudit::model::snapshot::Note {
        check: "procedure_stats".into(),
        message: "permission denied: VIEW SERVER STATE".into(),
    });
    raw.tables.insert(
        "server".into(),
        table(
            &[
                "product_version",
                "database_name",
                "sqlserver_start_time",
                "collected_at",
            ],
            &[&[
                Some("16.0.1000.6"),
                Some("Psyter"),
                Some("2026-11-20T06:00:00"),
                Some("2026-11-20T12:00:00.1234567"),
            ]],
        ),
    );
    raw.tables.insert(
        "tables".into(),
        table(
            &[
                "schema_name",
                "table_name",
                "is_heap",
                "row_count",
                "reserved_bytes",
            ],
            &[&[
                Some("dbo"),
                Some("Payments"),
                Some("false"),
                Some("450000"),
                None,
            ]],
        ),
    );
    let s = from_raw(raw).unwrap();
    assert_eq!(
        s.manifest.stats_age_seconds.map(|a| a.round()),
        Some(21_600.0)
    );
    assert_eq!(s.tables[0].is_heap, Some(false));
    let checks: Vec<&str> = s.manifest.notes.iter().map(|n| n.check.as_str()).collect();
    assert!(
        checks.contains(&"indexes"),
        "a query not collected is a note: {checks:?}"
    );
    assert!(
        s.manifest
            .notes
            .iter()
            .any(|n| n.message.contains("VIEW SERVER STATE")),
        "the collector's reason is kept"
    );
    assert_eq!(
        checks.iter().filter(|c| **c == "procedure_stats").count(),
        1
    );
    assert!(
        s.manifest
            .notes
            .iter()
            .any(|n| n.check == "server" && n.message.contains("too young")),
        "six hours of uptime: {:?}",
        s.manifest.notes
    );
}

fn dbaudit(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_dbaudit"))
        .args(args)
        .output()
        .expect("the dbaudit binary runs")
}

#[test]
fn cli_reads_exports_and_saved_snapshots() {
    let out = dbaudit(&[
        "analyze",
        "--snapshot",
        EXPORT,
        "--engine",
        "mssql",
        "-f",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1), "high findings fail by default");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["source"]["engine"], "mssql");
    assert_eq!(report["summary"]["findings"], 29);

    let dir = tempfile::tempdir().unwrap();
    dbaudit::snapshot::write(&psyter(), dir.path()).unwrap();
    let saved = dir.path().to_str().unwrap();
    let out = dbaudit(&["analyze", "--snapshot", saved, "--fail-on", "none"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = dbaudit(&["analyze", "--snapshot", saved, "--engine", "postgres"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("mssql snapshot"));

    let out = dbaudit(&["queries", "mssql"]);
    let text = String::from_utf8_lossy(&out.stdout);
    for (name, _) in dbaudit::collect::MSSQL_QUERIES {
        assert!(text.contains(&format!("save as {name}.csv")), "{name}");
    }
}

#[test]
fn thresholds_come_from_the_configuration() {
    let config = Config::parse(
        "[thresholds]\nmissing_index_min_benefit_per_day = 20000000\nunused_index_high_writes = 100000\nslow_procedure_ms = 500\nslow_procedure_logical_reads = 1000000\n",
        Path::new("dbaudit.toml"),
    )
    .unwrap();
    let all = analyze(&psyter(), &config).findings;
    let count = |rule: &str| all.iter().filter(|f| f.rule == rule).count();
    assert_eq!(count("missing-index"), 4);
    assert_eq!(count("slow-procedure"), 0);
    let unused = find(&all, "unused-index", "dbo.IX_Payments_Status_Old").unwrap();
    assert_eq!(
        unused.severity,
        Severity::Medium,
        "45,000 writes under 100,000"
    );
}

#[test]
fn the_seed_audits_recommendations_come_out_as_ddl() {
    // The seed audit's hand-written list (000_*.txt); the DMVs give no sort direction, so
    // `StartDate DESC` there is `StartDate` here (a B-tree reads either way). dbaudit adds
    // its build options (ONLINE, SORT_IN_TEMPDB), which the seed leaves to the server.
    let seed = [
        "CREATE NONCLUSTERED INDEX [IX_UserLogin_Email] ON [dbo].[UserLogin] ([Email]) INCLUDE ([UserId], [PasswordHash], [IsActive]);",
        "CREATE NONCLUSTERED INDEX [IX_UserLogin_PhoneNumber] ON [dbo].[UserLogin] ([PhoneNumber]) INCLUDE ([UserId]);",
        "CREATE NONCLUSTERED INDEX [IX_Appointments_ClientId_StartDate] ON [dbo].[Appointments] ([ClientId], [StartDate]) INCLUDE ([ProviderId], [Status]);",
        "CREATE NONCLUSTERED INDEX [IX_Appointments_ProviderId_StartDate] ON [dbo].[Appointments] ([ProviderId], [StartDate]) INCLUDE ([ClientId], [Status]);",
        "CREATE NONCLUSTERED INDEX [IX_Appointments_Status] ON [dbo].[Appointments] ([Status]) INCLUDE ([ClientId], [ProviderId], [StartDate]);",
        "CREATE NONCLUSTERED INDEX [IX_Payments_AppointmentId] ON [dbo].[Payments] ([AppointmentId]) INCLUDE ([Amount], [Status], [CreatedDate]);",
        "CREATE NONCLUSTERED INDEX [IX_Payments_ProviderId_CreatedDate] ON [dbo].[Payments] ([ProviderId], [CreatedDate]) INCLUDE ([Amount], [Status]);",
        "CREATE NONCLUSTERED INDEX [IX_Notifications_UserId_IsRead] ON [dbo].[Notifications] ([UserId], [IsRead]) INCLUDE ([CreatedDate], [Title]);",
    ];
    let all = findings(&psyter());
    let ddl: Vec<String> = all
        .iter()
        .filter(|f| f.rule == "missing-index")
        .filter_map(|f| f.recommendation.split(", then: ").nth(1))
        .filter_map(|ddl| ddl.strip_suffix(" WITH (ONLINE = ON, SORT_IN_TEMPDB = ON);"))
        .map(|ddl| format!("{ddl};"))
        .collect();
    for statement in seed {
        assert!(
            ddl.iter().any(|d| d == statement),
            "{statement}\nnot in {ddl:#?}"
        );
    }
}
