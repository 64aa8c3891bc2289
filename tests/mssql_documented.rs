//! SQL Server's catalog and DMVs as Microsoft documents them (issue #19, part 3), through
//! the TDS test double (a live collection, then the importer) and through a copy of the
//! SSMS-export fixture with the reproducing rows added: a partitioned table's partitioning
//! column (key_ordinal 0) is not read as the first key, columnstore indexes get columnstore
//! DDL (no `() INCLUDE (...)`), Azure SQL Database (EngineEdition 5, version 12) runs the
//! DMVs it has and says the uptime is unknown, statistics whose properties come back NULL
//! make a note (stale-statistics did not judge them), a procedure with two cached plans
//! is reported once, and names with `&` come back as written.

#[path = "support/tds_double.rs"]
mod tds_double;

use std::path::Path;
use std::time::Duration;

use dbaudit::collect::mssql::{collect, CollectOptions};
use dbaudit::collect::mssql_connection::resolve;
use dbaudit::model::snapshot::Snapshot;
use dbaudit::snapshot::raw::RawSnapshot;
use tds_double::{ColumnType as T, DoubleConfig, Response, TdsDouble, Value as V};

const PASSWORD: &str = "Documented-pw-19";
const EXPORT: &str = "fixtures/mssql/psyter_export";

/// The preflight's answer: `version`, `engine_edition` (3 boxed, 5 Azure SQL Database),
/// the permissions granted, and `present_objects` (None: a preflight without the column).
fn preflight(
    version: &str,
    engine_edition: i64,
    granted: &[&str],
    present_objects: Option<&str>,
) -> Response {
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
    ];
    columns.extend(permissions.iter().map(|p| (*p, T::Int)));
    let mut row = vec![
        V::Text(version.into()),
        V::Text(if engine_edition == 5 {
            "SQL Azure".into()
        } else {
            "Developer Edition (64-bit)".into()
        }),
        V::Int(engine_edition),
        V::Text("app".into()),
        V::Text("auditor".into()),
        V::Int(1),
    ];
    for p in permissions {
        // Azure SQL Database: the SERVER-class permissions are not asked about.
        let server_level = p.starts_with("view_server");
        row.push(if engine_edition == 5 && server_level {
            V::Null
        } else {
            V::Int(i64::from(granted.contains(&p)))
        });
    }
    if let Some(objects) = present_objects {
        columns.push(("present_objects", T::NVarChar));
        row.push(V::Text(objects.into()));
    }
    Response::rows(&columns, vec![row])
}

fn uptime() -> Response {
    Response::rows(
        &[("server_started", T::DateTime), ("uptime_seconds", T::Int)],
        vec![vec![
            V::DateTime {
                days: 46_344,
                ticks: 0,
            },
            // 12 days: past unused-index's one-week window.
            V::Int(1_036_800),
        ]],
    )
}

/// SQL Server 2019 with every permission, both version-dependent DMVs present.
fn sql_server_2019() -> DoubleConfig {
    DoubleConfig::new("auditor", PASSWORD, "app")
        .answer(
            "HAS_DBACCESS(DB_NAME()) AS has_dbaccess",
            preflight(
                "15.0.4360.2",
                3,
                &["view_server_state", "view_definition"],
                Some("dm_db_missing_index_group_stats_query,dm_db_stats_histogram"),
            ),
        )
        .answer("sys.dm_os_sys_info", uptime())
}

fn collect_all(double: &TdsDouble) -> RawSnapshot {
    let connection = format!(
        "{};Database=app;User Id=auditor;Password=\"{PASSWORD}\";Encrypt=False;Connect Timeout=5",
        double.server()
    );
    let target = resolve(Some(&connection), &|_| None).expect("the connection string resolves");
    let options = CollectOptions {
        query_timeout: Duration::from_secs(5),
        ..Default::default()
    };
    collect(&target, dbaudit::collect::MSSQL_QUERIES, &options).expect("the collection runs")
}

fn import(raw: RawSnapshot) -> Snapshot {
    dbaudit::snapshot::mssql::from_raw(raw).expect("the collection imports")
}

fn notes_of(notes: &[dbaudit::model::snapshot::Note], check: &str) -> Vec<String> {
    notes
        .iter()
        .filter(|n| n.check == check)
        .map(|n| n.message.clone())
        .collect()
}

fn text(value: &str) -> V {
    V::Text(value.into())
}

fn the_batch<'a>(log: &'a tds_double::Log, marker: &str) -> &'a str {
    log.batches
        .iter()
        .find(|b| b.contains(marker))
        .unwrap_or_else(|| panic!("no batch with `{marker}` was sent"))
}

fn tables_answer(rows: &[(&str, i64)]) -> Response {
    Response::rows(
        &[
            ("schema_name", T::NVarChar),
            ("table_name", T::NVarChar),
            ("is_heap", T::Int),
            ("row_count", T::BigInt),
            ("reserved_bytes", T::BigInt),
        ],
        rows.iter()
            .map(|(name, count)| {
                vec![
                    text("dbo"),
                    text(name),
                    V::Int(0),
                    V::Int(*count),
                    V::Int(8192),
                ]
            })
            .collect(),
    )
}

fn index_row(table: &str, id: i64, name: &str, type_desc: &str, unique: bool) -> Vec<V> {
    vec![
        text("dbo"),
        text(table),
        V::Int(id),
        text(name),
        text(type_desc),
        V::Bit(unique),
        V::Bit(unique),
        V::Bit(false),
        V::Bit(false),
        V::Int(10),
        V::Int(0),
        V::Int(0),
        V::Int(5),
    ]
}

#[test]
fn partitioned_and_columnstore_indexes_get_their_real_ddl() {
    let index_columns = |rows: Vec<(&str, &str, i64, &str, bool)>| {
        Response::rows(
            &[
                ("schema_name", T::NVarChar),
                ("table_name", T::NVarChar),
                ("index_name", T::NVarChar),
                ("key_ordinal", T::Int),
                ("index_column_id", T::Int),
                ("column_name", T::NVarChar),
                ("is_included_column", T::Bit),
                ("is_descending_key", T::Bit),
            ],
            rows.into_iter()
                .enumerate()
                .map(|(n, (table, index, key_ordinal, column, included))| {
                    vec![
                        text("dbo"),
                        text(table),
                        text(index),
                        V::Int(key_ordinal),
                        V::Int(n as i64 + 1),
                        text(column),
                        V::Bit(included),
                        V::Bit(false),
                    ]
                })
                .collect(),
        )
    };
    let double = TdsDouble::start(
        sql_server_2019()
            .answer(
                "AS is_heap",
                tables_answer(&[("Orders", 1000), ("Sales", 1000)]),
            )
            .answer(
                "i.type_desc AS type_desc",
                Response::rows(
                    &[
                        ("schema_name", T::NVarChar),
                        ("table_name", T::NVarChar),
                        ("index_id", T::Int),
                        ("index_name", T::NVarChar),
                        ("type_desc", T::NVarChar),
                        ("is_unique", T::Bit),
                        ("is_primary_key", T::Bit),
                        ("is_unique_constraint", T::Bit),
                        ("is_disabled", T::Bit),
                        ("user_seeks", T::BigInt),
                        ("user_scans", T::BigInt),
                        ("user_lookups", T::BigInt),
                        ("user_updates", T::BigInt),
                    ],
                    vec![
                        index_row("Orders", 1, "PK_Orders", "CLUSTERED", true),
                        index_row("Orders", 2, "IX_Orders_Customer", "NONCLUSTERED", false),
                        index_row(
                            "Orders",
                            3,
                            "NCCI_Orders",
                            "NONCLUSTERED COLUMNSTORE",
                            false,
                        ),
                        index_row("Sales", 1, "CCI_Sales", "CLUSTERED COLUMNSTORE", false),
                    ],
                ),
            )
            // What an index on a partitioned table looks like in sys.index_columns
            // (the partitioning column OrderDate: key_ordinal 0, not included), and
            // columnstore columns (key_ordinal 0, included).
            .answer(
                "ic.is_included_column AS is_included_column",
                index_columns(vec![
                    ("Orders", "PK_Orders", 0, "OrderDate", false),
                    ("Orders", "PK_Orders", 1, "OrderId", false),
                    ("Orders", "IX_Orders_Customer", 0, "OrderDate", false),
                    ("Orders", "IX_Orders_Customer", 1, "CustomerId", false),
                    ("Orders", "IX_Orders_Customer", 0, "Amount", true),
                    ("Orders", "NCCI_Orders", 0, "CustomerId", true),
                    ("Orders", "NCCI_Orders", 0, "Amount", true),
                    ("Sales", "CCI_Sales", 0, "SaleId", true),
                    ("Sales", "CCI_Sales", 0, "Total", true),
                ]),
            ),
    );
    let snapshot = import(collect_all(&double));

    let sent = the_batch(&double.log(), "ic.is_included_column AS is_included_column").to_string();
    assert!(
        sent.contains("AND (ic.key_ordinal > 0 OR ic.is_included_column = 1)"),
        "the query leaves the partitioning column out: {sent}"
    );
    let ddl = |name: &str| {
        snapshot
            .indexes
            .iter()
            .find(|i| i.name == name)
            .unwrap_or_else(|| panic!("{name} imported"))
            .definition
            .clone()
    };
    assert_eq!(
        ddl("PK_Orders"),
        "CREATE UNIQUE CLUSTERED INDEX [PK_Orders] ON [dbo].[Orders] ([OrderId])"
    );
    assert_eq!(
        ddl("IX_Orders_Customer"),
        "CREATE NONCLUSTERED INDEX [IX_Orders_Customer] ON [dbo].[Orders] ([CustomerId]) INCLUDE ([Amount])"
    );
    assert_eq!(
        ddl("NCCI_Orders"),
        "CREATE NONCLUSTERED COLUMNSTORE INDEX [NCCI_Orders] ON [dbo].[Orders] ([CustomerId], [Amount])"
    );
    assert_eq!(
        ddl("CCI_Sales"),
        "CREATE CLUSTERED COLUMNSTORE INDEX [CCI_Sales] ON [dbo].[Sales]"
    );
    let first_keys: Vec<(&str, Option<&str>)> = snapshot
        .index_columns
        .iter()
        .filter(|c| c.position == 1)
        .map(|c| (c.index.as_str(), c.column.as_deref()))
        .collect();
    assert!(
        !first_keys.contains(&("IX_Orders_Customer", Some("OrderDate"))),
        "the partitioning column is not the first key: {first_keys:?}"
    );
}

#[test]
fn azure_sql_database_runs_the_dmvs_it_has_and_says_the_uptime_is_unknown() {
    let denied = "VIEW DATABASE STATE permission denied in database 'app'.";
    let double = TdsDouble::start(
        DoubleConfig::new("auditor", PASSWORD, "app")
            .answer(
                "HAS_DBACCESS(DB_NAME()) AS has_dbaccess",
                preflight(
                    "12.0.2000.8",
                    5,
                    &["view_database_state", "view_definition"],
                    Some("dm_db_missing_index_group_stats_query,dm_db_stats_histogram"),
                ),
            )
            .answer("sys.dm_os_sys_info", Response::error(300, denied))
            // A user database of Azure SQL Database does not see tempdb: no row for the
            // uptime fallback, and NULL for the server query's start time.
            .answer(
                "WHERE name = N'tempdb'",
                Response::rows(
                    &[("server_started", T::DateTime), ("uptime_seconds", T::Int)],
                    vec![],
                ),
            )
            .answer(
                "AS sqlserver_start_time",
                Response::rows(
                    &[
                        ("product_version", T::NVarChar),
                        ("database_name", T::NVarChar),
                        ("sqlserver_start_time", T::DateTime),
                        ("collected_at", T::DateTime),
                    ],
                    vec![vec![
                        text("12.0.2000.8"),
                        text("app"),
                        V::Null,
                        V::DateTime {
                            days: 46_348,
                            ticks: 0,
                        },
                    ]],
                ),
            )
            .answer(
                "FROM sys.dm_db_stats_histogram",
                Response::rows(
                    &[
                        ("schema_name", T::NVarChar),
                        ("table_name", T::NVarChar),
                        ("column_name", T::NVarChar),
                        ("distinct_values", T::Float),
                    ],
                    vec![vec![
                        text("dbo"),
                        text("Orders"),
                        text("CustomerId"),
                        V::Float(420.0),
                    ]],
                ),
            )
            .answer(
                "FROM sys.dm_db_missing_index_group_stats_query",
                Response::rows(
                    &[("group_handle", T::Int), ("query_text", T::NVarChar)],
                    vec![vec![V::Int(7), text("SELECT 1")]],
                ),
            ),
    );
    let raw = collect_all(&double);
    let notes = raw.manifest.notes.clone();

    // Gated on the objects that exist, not on version 12.
    assert!(raw.tables.contains_key("column_stats"), "{notes:?}");
    assert!(
        raw.tables.contains_key("missing_index_queries"),
        "{notes:?}"
    );
    assert!(
        !notes.iter().any(|n| n.message.starts_with("skipped")),
        "{notes:?}"
    );
    // No server-level GRANT is asked of an Azure SQL Database login.
    let permissions = notes_of(&notes, "permissions");
    assert!(
        !permissions.iter().any(|n| n.contains("SERVER")),
        "{permissions:?}"
    );
    // The uptime is unknown, and the note says why and what fixes it (not "taken from
    // tempdb" when tempdb gave nothing).
    assert_eq!(raw.manifest.stats_age_seconds, None);
    let uptime = notes_of(&notes, "uptime");
    assert!(
        uptime.iter().any(|n| n.contains("the uptime is unknown")
            && n.contains("Azure SQL Database")
            && n.contains("VIEW DATABASE STATE")),
        "{uptime:?}"
    );
    assert!(
        !uptime.iter().any(|n| n.contains("taken from tempdb")),
        "{uptime:?}"
    );
    let snapshot = import(raw);
    assert_eq!(snapshot.column_stats.len(), 1);
    assert_eq!(snapshot.manifest.stats_age_seconds, None);
    let server = notes_of(&snapshot.manifest.notes, "server");
    assert!(
        server
            .iter()
            .any(|n| n.starts_with("the server's start time is unknown")),
        "{server:?}"
    );
}

#[test]
fn a_dmv_missing_on_this_build_is_skipped_by_its_existence() {
    // 2016 RTM: version 13, but sys.dm_db_stats_histogram arrived in 2016 SP1 CU2.
    let double = TdsDouble::start(
        DoubleConfig::new("auditor", PASSWORD, "app")
            .answer(
                "HAS_DBACCESS(DB_NAME()) AS has_dbaccess",
                preflight(
                    "13.0.1601.5",
                    3,
                    &["view_server_state", "view_definition"],
                    Some(""),
                ),
            )
            .answer("sys.dm_os_sys_info", uptime()),
    );
    let raw = collect_all(&double);
    let column_stats = notes_of(&raw.manifest.notes, "column_stats");
    assert_eq!(column_stats.len(), 1, "{column_stats:?}");
    assert!(
        column_stats[0].starts_with(
            "skipped: sys.dm_db_stats_histogram does not exist on this server (13.0.1601.5"
        ),
        "{column_stats:?}"
    );
    let log = double.log();
    assert!(!log
        .batches
        .iter()
        .any(|b| b.contains("FROM sys.dm_db_stats_histogram")));
    assert!(!log
        .batches
        .iter()
        .any(|b| b.contains("FROM sys.dm_db_missing_index_group_stats_query")));
}

#[test]
fn statistics_without_properties_are_noted_and_filtered_statistics_never_win() {
    let statistics = |rows: Vec<Vec<V>>| {
        Response::rows(
            &[
                ("schema_name", T::NVarChar),
                ("table_name", T::NVarChar),
                ("stats_name", T::NVarChar),
                ("column_names", T::NVarChar),
                ("last_updated", T::DateTime),
                ("row_count", T::BigInt),
                ("modification_counter", T::BigInt),
            ],
            rows,
        )
    };
    let double = TdsDouble::start(
        sql_server_2019()
            .answer(
                "AS is_heap",
                tables_answer(&[("Orders", 50_000), ("Empty", 0)]),
            )
            .answer(
                "sp.modification_counter AS modification_counter",
                statistics(vec![
                    // No SELECT on dbo.Orders: the properties are NULL.
                    vec![
                        text("dbo"),
                        text("Orders"),
                        text("IX_Orders_Customer"),
                        text("CustomerId"),
                        V::Null,
                        V::Null,
                        V::Null,
                    ],
                    vec![
                        text("dbo"),
                        text("Orders"),
                        text("_WA_Sys_1"),
                        text("Amount"),
                        V::Null,
                        V::Null,
                        V::Null,
                    ],
                    // An empty table's statistics were never updated: not a permission gap.
                    vec![
                        text("dbo"),
                        text("Empty"),
                        text("PK_Empty"),
                        text("Id"),
                        V::Null,
                        V::Null,
                        V::Null,
                    ],
                ]),
            ),
    );
    let snapshot = import(collect_all(&double));
    let log = double.log();
    let column_stats = the_batch(&log, "FROM sys.dm_db_stats_histogram");
    assert!(
        column_stats.contains("st.has_filter = 0"),
        "a filtered statistic cannot be the most recent: {column_stats}"
    );
    let notes = notes_of(&snapshot.manifest.notes, "statistics");
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].starts_with("2 of 3 statistics returned no properties")
            && notes[0].contains("[dbo].[Orders]")
            && !notes[0].contains("[dbo].[Empty]")
            && notes[0].contains("stale-statistics could not judge them")
            && notes[0].contains("GRANT SELECT ON SCHEMA::[dbo] TO [audit user];"),
        "{notes:?}"
    );
}

#[test]
fn a_procedure_with_two_cached_plans_is_reported_once() {
    let plan = |count: i64, elapsed_us: i64, cached_day: i32, last_day: i32| {
        vec![
            text("dbo"),
            text("Order_Get"),
            V::DateTime {
                days: cached_day,
                ticks: 0,
            },
            V::DateTime {
                days: last_day,
                ticks: 0,
            },
            V::Int(count),
            V::Int(elapsed_us),
            V::Int(elapsed_us / 2),
            V::Int(count * 10),
        ]
    };
    let double = TdsDouble::start(sql_server_2019().answer(
        "FROM sys.dm_exec_procedure_stats",
        Response::rows(
            &[
                ("schema_name", T::NVarChar),
                ("procedure_name", T::NVarChar),
                ("cached_time", T::DateTime),
                ("last_execution_time", T::DateTime),
                ("execution_count", T::BigInt),
                ("total_elapsed_time_us", T::BigInt),
                ("total_worker_time_us", T::BigInt),
                ("total_logical_reads", T::BigInt),
            ],
            // Two plans (e.g. two sets of SET options), as an older export has them.
            vec![
                plan(100, 3_000_000, 46_340, 46_344),
                plan(50, 1_000_000, 46_342, 46_345),
            ],
        ),
    ));
    let snapshot = import(collect_all(&double));
    let sent = the_batch(&double.log(), "FROM sys.dm_exec_procedure_stats").to_string();
    assert!(
        sent.contains("GROUP BY ps.database_id, ps.object_id")
            && sent.contains("SUM(ps.execution_count) AS execution_count"),
        "{sent}"
    );
    assert_eq!(snapshot.procedures.len(), 1, "{:?}", snapshot.procedures);
    let p = &snapshot.procedures[0];
    assert_eq!(p.execution_count, 150);
    assert_eq!(p.total_elapsed_ms, 4_000.0);
    assert_eq!(p.total_logical_reads, 1_500);
    assert_eq!(p.cached_time.as_deref(), Some("2026-11-16T00:00:00"));
    assert_eq!(
        p.last_execution_time.as_deref(),
        Some("2026-11-21T00:00:00")
    );
}

#[test]
fn names_with_ampersands_are_aggregated_as_written() {
    let double = TdsDouble::start(sql_server_2019().answer(
        "fk.name AS constraint_name",
        Response::rows(
            &[
                ("schema_name", T::NVarChar),
                ("table_name", T::NVarChar),
                ("constraint_name", T::NVarChar),
                ("column_names", T::NVarChar),
                ("referenced_schema", T::NVarChar),
                ("referenced_table", T::NVarChar),
                ("referenced_columns", T::NVarChar),
            ],
            vec![vec![
                text("dbo"),
                text("R&D <Orders>"),
                text("FK_R&D"),
                text("Cost&Centre, Id"),
                text("dbo"),
                text("Centres"),
                text("Cost&Centre, Id"),
            ]],
        ),
    ));
    let snapshot = import(collect_all(&double));
    let log = double.log();
    for marker in [
        "fk.name AS constraint_name",
        "sp.modification_counter AS modification_counter",
    ] {
        let sent = the_batch(&log, marker);
        assert!(
            !sent.contains("FOR XML PATH(''))"),
            "FOR XML PATH without TYPE turns & into &amp;: {sent}"
        );
        assert!(
            sent.contains("FOR XML PATH(''), TYPE).value(N'.', N'nvarchar(max)')"),
            "{sent}"
        );
    }
    assert_eq!(snapshot.foreign_keys[0].columns, "Cost&Centre, Id");
    assert_eq!(snapshot.foreign_keys[0].table, "R&D <Orders>");
}

/// The SSMS-export side: a copy of the fixture with the reproducing rows appended.
#[test]
fn an_export_with_the_documented_cases_imports_as_documented() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for entry in std::fs::read_dir(EXPORT).expect("the export fixture") {
        let path = entry.expect("a fixture file").path();
        std::fs::copy(
            &path,
            dir.path().join(path.file_name().expect("a file name")),
        )
        .expect("copy the fixture");
    }
    let append = |file: &str, lines: &str| {
        let path = dir.path().join(file);
        let mut text = std::fs::read_to_string(&path).expect("read the fixture file");
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(lines);
        std::fs::write(&path, text).expect("write the fixture file");
    };
    // Exported with an older index_columns query: the partitioning column of a
    // partitioned Appointments is in the export with key_ordinal 0.
    append(
        "index_columns.csv",
        "dbo,Appointments,IX_Appointments_ProviderId,0,9,StartDate,0,0\n",
    );
    // Exported with an older procedure_stats query: a second cached plan.
    append(
        "procedure_stats.csv",
        "dbo,Payment_GetByProvider,2026-11-19 12:00:00.000,2026-11-20 11:55:00.000,2000,240000000,200000000,24000000,0,100\n",
    );
    // A statistic the audit user may not read (the fixture has one already:
    // IX_Payments_Currency).
    append(
        "statistics.csv",
        "dbo,Payments,_WA_Sys_00000003_2B3F6F97,ProviderId,1,NULL,NULL,NULL,NULL\n",
    );
    let snapshot = dbaudit::snapshot::mssql::read_export_dir(Path::new(dir.path()))
        .expect("the export imports");

    let provider = snapshot
        .indexes
        .iter()
        .find(|i| i.name == "IX_Appointments_ProviderId")
        .expect("the index");
    assert_eq!(
        provider.definition,
        "CREATE NONCLUSTERED INDEX [IX_Appointments_ProviderId] ON [dbo].[Appointments] ([ProviderId])"
    );
    let payments: Vec<_> = snapshot
        .procedures
        .iter()
        .filter(|p| p.name == "Payment_GetByProvider")
        .collect();
    assert_eq!(payments.len(), 1, "{payments:?}");
    assert_eq!(payments[0].execution_count, 10_000);
    assert_eq!(
        payments[0].last_execution_time.as_deref(),
        Some("2026-11-20T11:55:00.000")
    );
    let notes = notes_of(&snapshot.manifest.notes, "statistics");
    assert!(
        notes.iter().any(
            |n| n.starts_with("2 of 7 statistics returned no properties")
                && n.contains("[dbo].[Payments]")
        ),
        "{notes:?}"
    );
}

/// Without VIEW SERVER STATE, sys.dm_db_index_usage_stats fails with error 300: in its own
/// query it costs the usage, not the index list; unused-index then judges nothing (it
/// never calls an index unused for want of its counters), and the note says so.
#[test]
fn without_view_server_state_the_index_list_survives_and_nothing_is_called_unused() {
    let denied = "VIEW SERVER STATE permission was denied on object 'server', database 'master'.";
    let indexes = Response::rows(
        &[
            ("schema_name", T::NVarChar),
            ("table_name", T::NVarChar),
            ("index_id", T::Int),
            ("index_name", T::NVarChar),
            ("type_desc", T::NVarChar),
            ("is_unique", T::Bit),
            ("is_primary_key", T::Bit),
            ("is_unique_constraint", T::Bit),
            ("is_disabled", T::Bit),
            ("reserved_bytes", T::BigInt),
        ],
        vec![vec![
            text("dbo"),
            text("Orders"),
            V::Int(2),
            text("IX_Orders_Status"),
            text("NONCLUSTERED"),
            V::Bit(false),
            V::Bit(false),
            V::Bit(false),
            V::Bit(false),
            V::Int(512 * 1024 * 1024),
        ]],
    );
    let usage = Response::rows(
        &[
            ("schema_name", T::NVarChar),
            ("table_name", T::NVarChar),
            ("index_id", T::Int),
            ("user_seeks", T::BigInt),
            ("user_scans", T::BigInt),
            ("user_lookups", T::BigInt),
            ("user_updates", T::BigInt),
        ],
        vec![vec![
            text("dbo"),
            text("Orders"),
            V::Int(2),
            V::Int(0),
            V::Int(0),
            V::Int(0),
            V::Int(90_000),
        ]],
    );
    let unused = |snapshot: &Snapshot| -> usize {
        dbaudit::analyze::analyze(snapshot, &dbaudit::config::Config::default())
            .findings
            .iter()
            .filter(|f| f.rule == "unused-index")
            .count()
    };

    let denied_double = TdsDouble::start(
        sql_server_2019()
            .answer("AS is_heap", tables_answer(&[("Orders", 1_000_000)]))
            .answer("i.type_desc AS type_desc", indexes.clone())
            .answer("dm_db_index_usage_stats", Response::error(300, denied)),
    );
    let snapshot = import(collect_all(&denied_double));
    assert_eq!(snapshot.indexes.len(), 1, "the index list survives");
    assert_eq!(snapshot.indexes[0].user_seeks, None);
    let notes = notes_of(&snapshot.manifest.notes, "index_usage");
    assert!(
        notes.iter().any(|n| n.contains("error 300")),
        "the collector's note names the error: {notes:?}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n
                .contains("unused-index, write-heavy-index and scan-heavy-table did not judge")),
        "the importer's note says what is missing: {notes:?}"
    );
    assert_eq!(
        unused(&snapshot),
        0,
        "nothing is called unused without usage"
    );

    let granted_double = TdsDouble::start(
        sql_server_2019()
            .answer("AS is_heap", tables_answer(&[("Orders", 1_000_000)]))
            .answer("i.type_desc AS type_desc", indexes)
            .answer("dm_db_index_usage_stats", usage),
    );
    let snapshot = import(collect_all(&granted_double));
    assert_eq!(snapshot.indexes[0].user_updates, Some(90_000));
    assert!(notes_of(&snapshot.manifest.notes, "index_usage").is_empty());
    assert_eq!(
        unused(&snapshot),
        1,
        "with its counters the unused index is found"
    );
}
