//! SQL Server's catalog and DMVs as Microsoft documents them (issue #19, part 3), through
//! the TDS test double (a live collection, then the importer) and through a copy of the
//! SSMS-export fixture with the reproducing rows added: a partitioned table's partitioning
//! column (key_ordinal 0) is not read as the first key, columnstore indexes get columnstore
//! DDL (no `() INCLUDE (...)`), Azure SQL Database (EngineEdition 5, version 12) runs the
//! DMVs it has and says the uptime is unknown, statistics whose properties come back NULL
//! make a note (stale-statistics did not judge them), a procedure with two cached plans
//! is reported once, and column names (with `, `, `&`, `<`, `]`, a control character, a
//! line break) come back whole, one row per column, from the collector and from exports
//! old and new; an Azure SQL Database export without a start time is partial, never clean.
//!
//! Past 1,000 lines: each documented case is one test with its TDS double answers and its
//! export rows side by side, which is what a reader checks against Microsoft's pages.

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

/// A temporary copy of an export fixture, to add or replace files in.
fn copy_of(export: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for entry in std::fs::read_dir(export).expect("the export fixture") {
        let path = entry.expect("a fixture file").path();
        std::fs::copy(
            &path,
            dir.path().join(path.file_name().expect("a file name")),
        )
        .expect("copy the fixture");
    }
    dir
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
    // Undated counters: unused-index does not run (not checked, never a pass).
    let not_run = dbaudit::analyze::rules::unused_index::window_too_short(
        &snapshot,
        &dbaudit::analyze::Thresholds::default(),
    );
    assert!(
        not_run
            .as_deref()
            .is_some_and(|why| why.starts_with("the server's start time is unknown")),
        "{not_run:?}"
    );
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
                ("stats_column_id", T::Int),
                ("column_name", T::NVarChar),
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
                        V::Int(1),
                        text("CustomerId"),
                        V::Null,
                        V::Null,
                        V::Null,
                    ],
                    vec![
                        text("dbo"),
                        text("Orders"),
                        text("_WA_Sys_1"),
                        V::Int(1),
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
                        V::Int(1),
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

/// Column names as SQL Server allows them: `, `, `&`, `<`, `]`, a control character and
/// a line break. The queries return one row per column (nothing is aggregated on the
/// server, where FOR XML fails on CHAR(1) and a joined list cannot be split back); the
/// importer puts each key together in ordinal order, whatever order the rows came in.
const HOSTILE_COLUMNS: [&str; 5] = ["Cost, Centre", "R&D <x>", "a]b", "bell\u{1}", "two\nlines"];
const HOSTILE_KEY_DDL: &str = "([Cost, Centre], [R&D <x>], [a]]b], [bell\u{1}], [two\nlines])";

fn unindexed_foreign_keys(snapshot: &Snapshot) -> Vec<dbaudit::model::Finding> {
    dbaudit::analyze::analyze(snapshot, &dbaudit::config::Config::default())
        .findings
        .into_iter()
        .filter(|f| f.rule == "unindexed-foreign-key")
        .collect()
}

#[test]
fn names_are_put_together_from_one_row_per_column_exactly_as_written() {
    let fk_row = |ordinal: i64, column: &str, referenced: &str| {
        vec![
            text("dbo"),
            text("R&D <Orders>"),
            text("FK_R&D"),
            V::Int(ordinal),
            text(column),
            text("dbo"),
            text("Centres"),
            text(referenced),
        ]
    };
    let stats_row = |ordinal: i64, column: &str| {
        vec![
            text("dbo"),
            text("R&D <Orders>"),
            text("ST_odd"),
            V::Int(ordinal),
            text(column),
            V::DateTime {
                days: 46_340,
                ticks: 0,
            },
            V::Int(50_000),
            V::Int(25_000),
        ]
    };
    let double = TdsDouble::start(
        sql_server_2019()
            .answer(
                "AS is_heap",
                tables_answer(&[("R&D <Orders>", 50_000), ("Centres", 2_000)]),
            )
            .answer(
                "fk.name AS constraint_name",
                Response::rows(
                    &[
                        ("schema_name", T::NVarChar),
                        ("table_name", T::NVarChar),
                        ("constraint_name", T::NVarChar),
                        ("constraint_column_id", T::Int),
                        ("column_name", T::NVarChar),
                        ("referenced_schema", T::NVarChar),
                        ("referenced_table", T::NVarChar),
                        ("referenced_column", T::NVarChar),
                    ],
                    // Not in key order: the importer orders by constraint_column_id.
                    vec![
                        fk_row(3, HOSTILE_COLUMNS[2], "C3"),
                        fk_row(1, HOSTILE_COLUMNS[0], "C1"),
                        fk_row(5, HOSTILE_COLUMNS[4], "C5"),
                        fk_row(2, HOSTILE_COLUMNS[1], "C2"),
                        fk_row(4, HOSTILE_COLUMNS[3], "C4"),
                    ],
                ),
            )
            .answer(
                "sp.modification_counter AS modification_counter",
                Response::rows(
                    &[
                        ("schema_name", T::NVarChar),
                        ("table_name", T::NVarChar),
                        ("stats_name", T::NVarChar),
                        ("stats_column_id", T::Int),
                        ("column_name", T::NVarChar),
                        ("last_updated", T::DateTime),
                        ("row_count", T::BigInt),
                        ("modification_counter", T::BigInt),
                    ],
                    vec![
                        stats_row(2, HOSTILE_COLUMNS[4]),
                        stats_row(1, HOSTILE_COLUMNS[0]),
                    ],
                ),
            ),
    );
    let snapshot = import(collect_all(&double));
    let log = double.log();
    for marker in [
        "fk.name AS constraint_name",
        "sp.modification_counter AS modification_counter",
        "HAS_DBACCESS(DB_NAME()) AS has_dbaccess",
    ] {
        let sent: String = the_batch(&log, marker)
            .lines()
            .filter(|line| !line.trim_start().starts_with("--"))
            .collect();
        assert!(
            !sent.contains("FOR XML") && !sent.contains("STRING_AGG"),
            "no names are aggregated on the server: {sent}"
        );
    }
    assert_eq!(
        snapshot.foreign_keys.len(),
        1,
        "{:?}",
        snapshot.foreign_keys
    );
    let fk = &snapshot.foreign_keys[0];
    assert_eq!(fk.table, "R&D <Orders>");
    assert_eq!(fk.column_list(), HOSTILE_COLUMNS);
    assert_eq!(
        dbaudit::model::snapshot::split_list(&fk.referenced_columns),
        ["C1", "C2", "C3", "C4", "C5"]
    );
    assert_eq!(
        dbaudit::model::snapshot::split_list(&snapshot.statistics[0].columns),
        [HOSTILE_COLUMNS[0], HOSTILE_COLUMNS[4]]
    );
    let findings = unindexed_foreign_keys(&snapshot);
    assert_eq!(findings.len(), 1, "{findings:?}");
    let fix = &findings[0].recommendation;
    assert!(
        fix.starts_with("CREATE NONCLUSTERED INDEX [IX_R_D__Orders__Cost__Centre_")
            && fix.contains(&format!("ON [dbo].[R&D <Orders>] {HOSTILE_KEY_DDL} WITH (")),
        "{fix}"
    );
}

/// The SSMS-export side: a copy of the fixture with the reproducing rows appended.
#[test]
fn an_export_with_the_documented_cases_imports_as_documented() {
    let dir = copy_of(Path::new(EXPORT));
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
        "dbo,Payments,_WA_Sys_00000003_2B3F6F97,1,ProviderId,1,NULL,NULL,NULL,NULL\n",
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

/// The SSMS-export side of the hostile names (fixtures/mssql/hostile_names_export): the
/// CSV quotes the names that need it, a key's rows may come in any order, and a key whose
/// rows do not add up (FK_broken lost a row) is left out with a note, never guessed.
#[test]
fn an_export_with_hostile_names_imports_every_name_exactly() {
    let snapshot =
        dbaudit::snapshot::mssql::read_export_dir(Path::new("fixtures/mssql/hostile_names_export"))
            .expect("the export imports");
    // uptime.csv (sys.dm_os_sys_info) dates the counters.
    assert_eq!(snapshot.manifest.stats_age_seconds, Some(1_641_600.0));
    assert_eq!(
        snapshot.manifest.server_started.as_deref(),
        Some("2026-11-01T12:00:00.000")
    );

    let keys: Vec<&str> = snapshot
        .foreign_keys
        .iter()
        .map(|k| k.name.as_str())
        .collect();
    assert_eq!(keys, ["FK_R&D"], "FK_broken is left out");
    assert_eq!(snapshot.foreign_keys[0].column_list(), HOSTILE_COLUMNS);
    let fk_notes = notes_of(&snapshot.manifest.notes, "foreign_keys");
    assert_eq!(fk_notes.len(), 1, "{fk_notes:?}");
    assert!(
        fk_notes[0].starts_with("foreign key [FK_broken] on [dbo].[R&D <Orders>] was left out: its constraint_column_id values are 1, 3 where 1 to 2 were expected"),
        "{fk_notes:?}"
    );

    let stats: Vec<(String, Vec<String>)> = snapshot
        .statistics
        .iter()
        .map(|s| {
            (
                s.name.clone(),
                dbaudit::model::snapshot::split_list(&s.columns),
            )
        })
        .collect();
    assert_eq!(
        stats,
        [
            (
                "IX_odd, name".to_string(),
                vec![
                    HOSTILE_COLUMNS[0].to_string(),
                    HOSTILE_COLUMNS[4].to_string()
                ]
            ),
            (
                "_WA_Sys_00000002_1".to_string(),
                vec![HOSTILE_COLUMNS[1].to_string()]
            ),
        ]
    );

    let index = snapshot
        .indexes
        .iter()
        .find(|i| i.name == "IX_odd, name")
        .expect("the index");
    assert_eq!(
        index.definition,
        "CREATE NONCLUSTERED INDEX [IX_odd, name] ON [dbo].[R&D <Orders>] ([Cost, Centre], [two\nlines]) INCLUDE ([bell\u{1}])"
    );
    let findings = unindexed_foreign_keys(&snapshot);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(
        findings[0]
            .recommendation
            .contains(&format!("ON [dbo].[R&D <Orders>] {HOSTILE_KEY_DDL} WITH (")),
        "{}",
        findings[0].recommendation
    );
    // The statistic's columns are shown as a list that keeps each name whole.
    let stale: Vec<String> =
        dbaudit::analyze::analyze(&snapshot, &dbaudit::config::Config::default())
            .findings
            .into_iter()
            .filter(|f| f.rule == "stale-statistics")
            .map(|f| f.message)
            .collect();
    assert_eq!(stale.len(), 1, "{stale:?}");
    assert!(
        stale[0].contains("(\"Cost, Centre\", \"two\nlines\")"),
        "{stale:?}"
    );
}

/// An export made with the older queries (names joined with ", " on the server) still
/// imports; a note says that a name holding ", " cannot be told apart there.
#[test]
fn an_export_in_the_older_joined_format_imports_with_a_note() {
    let dir = copy_of(Path::new(EXPORT));
    std::fs::write(
        dir.path().join("foreign_keys.csv"),
        "schema_name,table_name,constraint_name,column_names,referenced_schema,referenced_table,referenced_columns\r\n\
         dbo,Appointments,FK_Appointments_UserLogin_Client,ClientId,dbo,UserLogin,UserId\r\n\
         dbo,Payments,FK_Payments_Provider,\"ProviderId, Cost,Centre\",dbo,Providers,\"Id, Code\"\r\n",
    )
    .expect("write foreign_keys.csv");
    std::fs::write(
        dir.path().join("statistics.csv"),
        "schema_name,table_name,stats_name,column_names,auto_created,last_updated,row_count,rows_sampled,modification_counter\r\n\
         dbo,Appointments,PK_Appointments,AppointmentId,0,2026-11-19 02:00:00.000,900000,900000,3100\r\n\
         dbo,Payments,ST_Two,\"ProviderId, Currency\",0,2026-11-19 02:00:00.000,450000,450000,1200\r\n",
    )
    .expect("write statistics.csv");
    let snapshot = dbaudit::snapshot::mssql::read_export_dir(dir.path()).expect("it imports");
    let provider = snapshot
        .foreign_keys
        .iter()
        .find(|k| k.name == "FK_Payments_Provider")
        .expect("the key");
    // ", " separates; a comma alone stays inside a name.
    assert_eq!(provider.column_list(), ["ProviderId", "Cost,Centre"]);
    assert_eq!(
        dbaudit::model::snapshot::split_list(&provider.referenced_columns),
        ["Id", "Code"]
    );
    let two = snapshot
        .statistics
        .iter()
        .find(|s| s.name == "ST_Two")
        .expect("the statistic");
    assert_eq!(
        dbaudit::model::snapshot::split_list(&two.columns),
        ["ProviderId", "Currency"]
    );
    let notes = notes_of(&snapshot.manifest.notes, "export_format");
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("foreign_keys.csv is in the older format")
                && n.contains("cannot be told apart")),
        "{notes:?}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("statistics.csv is in the older format")),
        "{notes:?}"
    );
}

/// An SSMS export from Azure SQL Database (fixtures/mssql/azure_export: EngineEdition 5,
/// version 12, no tempdb date, no uptime.csv). The start time is unknown: the import says
/// so, unused-index is not run (the unused-looking index is not called unused, nor is the
/// table called clean for it), the indexing category is partial and the missing-index
/// benefit is a guess with lowered confidence. With uptime.csv (sys.dm_os_sys_info, which
/// Azure SQL Database has) the same export is dated and unused-index runs.
#[test]
fn an_azure_sql_database_export_without_uptime_is_partial_not_clean() {
    let azure = Path::new("fixtures/mssql/azure_export");
    let snapshot = dbaudit::snapshot::mssql::read_export_dir(azure).expect("it imports");
    assert_eq!(snapshot.manifest.stats_age_seconds, None);
    let server = notes_of(&snapshot.manifest.notes, "server");
    assert!(
        server
            .iter()
            .any(|n| n.starts_with("the server's start time is unknown")
                && n.contains("Azure SQL Database (EngineEdition 5)")
                && n.contains("uptime.csv")
                && n.contains("unused-index was not run")),
        "{server:?}"
    );

    let report = audit_report(azure);
    let findings = report["findings"].as_array().expect("findings");
    assert!(
        !findings.iter().any(|f| f["rule"] == "unused-index"),
        "nothing is called unused without a time base"
    );
    let unused = report["not_checked"]
        .as_array()
        .expect("not_checked")
        .iter()
        .find(|n| n["area"] == "unused-index")
        .expect("unused-index is listed as not checked");
    assert!(
        unused["reason"]
            .as_str()
            .unwrap_or_default()
            .starts_with("not run: the server's start time is unknown"),
        "{unused}"
    );
    // Every other query is in the export: the start time alone makes indexing partial.
    let indexing = indexing_of(&report);
    assert_eq!(indexing["assessment"], "partial", "{indexing}");
    let gaps: Vec<&str> = indexing["gaps"]
        .as_array()
        .expect("gaps")
        .iter()
        .filter_map(|g| g.as_str())
        .collect();
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert!(
        gaps[0].starts_with("unused-index: not run: the server's start time is unknown"),
        "{gaps:?}"
    );
    let missing = findings
        .iter()
        .find(|f| f["rule"] == "missing-index")
        .expect("the missing-index request is still reported");
    assert_eq!(missing["confidence"]["level"], "medium", "{missing}");
    assert!(
        missing["confidence"]["reasons"]
            .as_array()
            .expect("reasons")
            .iter()
            .any(|r| r
                .as_str()
                .unwrap_or_default()
                .starts_with("the server's start time is unknown")),
        "{missing}"
    );

    // The same export with uptime.csv, as it comes where VIEW DATABASE STATE is granted.
    let dir = copy_of(azure);
    std::fs::write(
        dir.path().join("uptime.csv"),
        "server_started,uptime_seconds\r\n2026-11-06 12:00:00.000,1209600\r\n",
    )
    .expect("write uptime.csv");
    let dated = dbaudit::snapshot::mssql::read_export_dir(dir.path()).expect("it imports");
    assert_eq!(dated.manifest.stats_age_seconds, Some(1_209_600.0));
    assert!(notes_of(&dated.manifest.notes, "server").is_empty());
    let unused: Vec<String> =
        dbaudit::analyze::analyze(&dated, &dbaudit::config::Config::default())
            .findings
            .into_iter()
            .filter(|f| f.rule == "unused-index")
            .map(|f| f.message)
            .collect();
    assert_eq!(unused.len(), 1, "{unused:?}");
    assert!(unused[0].starts_with("IX_Orders_Status"), "{unused:?}");
    let report = audit_report(dir.path());
    assert_eq!(indexing_of(&report)["assessment"], "assessed");
    assert!(report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .any(|f| f["rule"] == "unused-index"));
}

/// report.json of `dbaudit audit` on a SQL Server export.
fn audit_report(export: &Path) -> serde_json::Value {
    let out = tempfile::tempdir().expect("a temporary directory");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_dbaudit"))
        .args(["audit", "--quiet", "--engine", "mssql", "--snapshot"])
        .arg(export)
        .arg("--out")
        .arg(out.path())
        .output()
        .expect("dbaudit runs");
    assert!(
        run.status.code() == Some(0) || run.status.code() == Some(1),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    serde_json::from_str(
        &std::fs::read_to_string(out.path().join("report.json")).expect("report.json"),
    )
    .expect("report.json is JSON")
}

fn indexing_of(report: &serde_json::Value) -> serde_json::Value {
    report["score"]["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .find(|c| c["category"] == "indexing")
        .expect("the indexing category")
        .clone()
}

/// SSMS saves a result without quotes unless told to: a name holding ", " then gives its
/// row one cell too many. That is an error naming the file and line and the SSMS option
/// that quotes such values, never a row read with its cells shifted.
#[test]
fn an_unquoted_comma_in_a_name_is_an_error_that_says_how_to_export_it() {
    let dir = copy_of(Path::new("fixtures/mssql/hostile_names_export"));
    std::fs::write(
        dir.path().join("foreign_keys.csv"),
        "schema_name,table_name,constraint_name,constraint_column_id,column_name,referenced_schema,referenced_table,referenced_column\r\n\
         dbo,Orders,FK_Orders,1,Cost, Centre,dbo,Centres,C1\r\n",
    )
    .expect("write foreign_keys.csv");
    let error = format!(
        "{:#}",
        dbaudit::snapshot::mssql::read_export_dir(dir.path()).expect_err("an error")
    );
    assert!(
        // Line 2 of a CRLF file (the CSV reader alone would say line 1).
        error.contains("foreign_keys.csv: line 2: 9 cells where the header has 8 columns")
            && error.contains("Quote strings containing list separators"),
        "{error}"
    );
}
