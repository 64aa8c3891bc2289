//! The PostgreSQL collector: one read-only connection, the queries of
//! `queries/postgres/` run one at a time, each failure a note (permission, missing
//! extension, timeout) while the rest still runs; then the caller's `SessionWork` (the
//! advisor's HypoPG verification, `--no-verify` leaves it out) runs in the same session
//! before it closes.

use anyhow::{Context, Result};
use tokio_postgres::{Client, Row};

use super::connection::{connect, explain, PgTarget, SessionLimits};
use super::plan_session::{PgSession, SessionWork};
use super::postgres_query;
use crate::engine::postgres::{qualified, quote_ident};
use crate::model::snapshot::*;

pub struct CollectOptions {
    /// Top statements read from pg_stat_statements, by total time.
    pub statement_limit: i64,
    /// Run in the session after the checks (the advisor's verification); `None`: nothing.
    pub session_work: Option<std::sync::Arc<dyn SessionWork>>,
    pub limits: SessionLimits,
    pub thresholds: crate::model::settings::Thresholds,
    /// Told of each check and each verified candidate.
    pub progress: std::sync::Arc<dyn crate::model::progress::Progress>,
}

impl Default for CollectOptions {
    fn default() -> Self {
        CollectOptions {
            statement_limit: 5000,
            session_work: None,
            limits: SessionLimits::default(),
            thresholds: crate::model::settings::Thresholds::default(),
            progress: std::sync::Arc::new(crate::model::progress::Silent),
        }
    }
}

/// Collects a snapshot. Connection failures are errors; check failures are notes.
pub fn collect(target: &PgTarget, options: &CollectOptions) -> Result<Snapshot> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    let (mut snapshot, client) = runtime.block_on(collect_async(target, options))?;
    // After the collecting future returned: the session's calls each run on the runtime.
    if let Some(work) = &options.session_work {
        let session = PgSession {
            runtime: &runtime,
            client: &client,
        };
        work.run(&session, &mut snapshot, &*options.progress);
    }
    snapshot.manifest.notes.sort();
    Ok(snapshot)
}

async fn collect_async(target: &PgTarget, options: &CollectOptions) -> Result<(Snapshot, Client)> {
    let client = connect(target, &options.limits).await?;
    options.progress.start("collecting", None);
    let mut notes: Vec<Note> = Vec::new();
    let server = client
        .query_one(&marked(postgres_query("server")), &[])
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "the preflight query failed on {}: {}",
                target.display,
                explain(&e)
            )
        })?;
    let mut manifest = Manifest {
        schema_version: SNAPSHOT_SCHEMA_VERSION,
        dbaudit_version: env!("CARGO_PKG_VERSION").to_string(),
        engine: "postgresql".to_string(),
        server_version: text(&server, "server_version")?,
        server_version_num: int(&server, "server_version_num")?,
        database: text(&server, "database")?,
        source: target.display.clone(),
        collected_at: text(&server, "collected_at")?,
        stats_reset: opt_text(&server, "stats_reset")?,
        server_started: opt_text(&server, "server_started")?,
        stats_age_seconds: opt_float(&server, "stats_age_seconds")?,
        extensions: Vec::new(),
        notes: Vec::new(),
    };
    if let Some(age) = manifest.stats_age_seconds {
        if age < options.thresholds.young_stats_seconds {
            notes.push(Note {
                check: "server".into(),
                message: format!(
                    "statistics are only {:.1} h old (since the last reset or restart): usage-based findings (unused indexes, scans, slow queries) may be premature",
                    age / 3600.0
                ),
            });
        }
    }
    for row in run(
        &*options.progress,
        &client,
        "auditor",
        postgres_query("auditor"),
        &[],
        &mut notes,
    )
    .await
    {
        if boolean(&row, "superuser")? {
            notes.push(Note {
                check: "connection".into(),
                message: format!(
                    "connected as superuser {}: dbaudit only reads, but a role with pg_monitor (+ pg_read_all_stats, and SELECT on the tables for planner statistics) gives a complete audit without superuser rights (README, \"Least privilege\")",
                    text(&row, "role")?
                ),
            });
        }
    }
    let extensions = run(
        &*options.progress,
        &client,
        "extensions",
        postgres_query("extensions"),
        &[],
        &mut notes,
    )
    .await;
    let mut statements_schema = None;
    for row in &extensions {
        let name = text(row, "name")?;
        if name == "pg_stat_statements" {
            statements_schema = Some(text(row, "schema")?);
        }
        if name == "pg_stat_statements" || name == "hypopg" {
            manifest.extensions.push(Extension {
                name,
                version: text(row, "version")?,
            });
        }
    }
    let mut snapshot = Snapshot::default();
    for row in run(
        &*options.progress,
        &client,
        "database",
        postgres_query("database"),
        &[],
        &mut notes,
    )
    .await
    {
        snapshot.database.push(DatabaseStat {
            name: text(&row, "name")?,
            blks_hit: int(&row, "blks_hit")?,
            blks_read: int(&row, "blks_read")?,
            xact_commit: int(&row, "xact_commit")?,
            size_bytes: int(&row, "size_bytes")?,
            frozen_xid_age: int(&row, "frozen_xid_age")?,
        });
    }
    // Tables another session holds in ACCESS EXCLUSIVE mode are left out of the catalog
    // queries instead of waited for, and named in a note.
    let mut locked = locked_tables(&*options.progress, &client, &mut notes).await;
    for row in run_unlocked(
        &*options.progress,
        &client,
        "tables",
        &mut locked,
        &mut notes,
    )
    .await
    {
        snapshot.tables.push(TableStat {
            schema: text(&row, "schema")?,
            name: text(&row, "name")?,
            live_rows: int(&row, "live_rows")?,
            dead_rows: int(&row, "dead_rows")?,
            seq_scan: opt_int(&row, "seq_scan")?.unwrap_or(0),
            seq_tup_read: opt_int(&row, "seq_tup_read")?.unwrap_or(0),
            idx_scan: opt_int(&row, "idx_scan")?,
            idx_tup_fetch: opt_int(&row, "idx_tup_fetch")?,
            inserts: int(&row, "inserts")?,
            updates: int(&row, "updates")?,
            deletes: int(&row, "deletes")?,
            hot_updates: int(&row, "hot_updates")?,
            table_bytes: int(&row, "table_bytes")?,
            total_bytes: int(&row, "total_bytes")?,
            heap_blks_read: opt_int(&row, "heap_blks_read")?,
            heap_blks_hit: opt_int(&row, "heap_blks_hit")?,
            idx_blks_read: opt_int(&row, "idx_blks_read")?,
            idx_blks_hit: opt_int(&row, "idx_blks_hit")?,
            last_vacuum: opt_text(&row, "last_vacuum")?,
            last_autovacuum: opt_text(&row, "last_autovacuum")?,
            last_analyze: opt_text(&row, "last_analyze")?,
            last_autoanalyze: opt_text(&row, "last_autoanalyze")?,
            vacuum_age_seconds: opt_float(&row, "vacuum_age_seconds")?,
            frozen_xid_age: opt_int(&row, "frozen_xid_age")?,
            estimated_rows: opt_int(&row, "estimated_rows")?,
            is_partitioned: Some(boolean(&row, "is_partitioned")?),
            partition_root_schema: opt_text(&row, "partition_root_schema")?,
            partition_root_name: opt_text(&row, "partition_root_name")?,
            ..TableStat::default()
        });
    }
    for row in run_unlocked(
        &*options.progress,
        &client,
        "indexes",
        &mut locked,
        &mut notes,
    )
    .await
    {
        snapshot.indexes.push(IndexStat {
            schema: text(&row, "schema")?,
            table: text(&row, "table")?,
            name: text(&row, "name")?,
            access_method: text(&row, "access_method")?,
            is_unique: boolean(&row, "is_unique")?,
            is_primary: boolean(&row, "is_primary")?,
            is_valid: boolean(&row, "is_valid")?,
            is_constraint: boolean(&row, "is_constraint")?,
            definition: text(&row, "definition")?,
            predicate: opt_text(&row, "predicate")?,
            idx_scan: int(&row, "idx_scan")?,
            idx_tup_read: int(&row, "idx_tup_read")?,
            idx_tup_fetch: int(&row, "idx_tup_fetch")?,
            bytes: int(&row, "bytes")?,
            ..IndexStat::default()
        });
    }
    for row in run_unlocked(
        &*options.progress,
        &client,
        "index_columns",
        &mut locked,
        &mut notes,
    )
    .await
    {
        snapshot.index_columns.push(IndexColumn {
            schema: text(&row, "schema")?,
            table: text(&row, "table")?,
            index: text(&row, "index")?,
            position: row
                .try_get::<_, i32>("position")
                .context("index_columns.position")?,
            column: opt_text(&row, "column")?,
            expression: opt_text(&row, "expression")?,
            is_key: boolean(&row, "is_key")?,
            descending: boolean(&row, "descending")?,
        });
    }
    for row in run(
        &*options.progress,
        &client,
        "columns",
        postgres_query("columns"),
        &[],
        &mut notes,
    )
    .await
    {
        snapshot.columns.push(ColumnInfo {
            schema: text(&row, "schema")?,
            table: text(&row, "table")?,
            name: text(&row, "name")?,
            data_type: text(&row, "data_type")?,
            not_null: boolean(&row, "not_null")?,
        });
    }
    for row in run(
        &*options.progress,
        &client,
        "column_stats",
        postgres_query("column_stats"),
        &[],
        &mut notes,
    )
    .await
    {
        snapshot.column_stats.push(ColumnStat {
            schema: text(&row, "schema")?,
            table: text(&row, "table")?,
            column: text(&row, "column")?,
            null_frac: opt_float(&row, "null_frac")?.unwrap_or(0.0),
            n_distinct: opt_float(&row, "n_distinct")?.unwrap_or(0.0),
            most_common_freq: opt_float(&row, "most_common_freq")?,
            correlation: opt_float(&row, "correlation")?,
            true_frac: opt_float(&row, "true_frac")?,
            false_frac: opt_float(&row, "false_frac")?,
        });
    }
    for row in run_unlocked(
        &*options.progress,
        &client,
        "views",
        &mut locked,
        &mut notes,
    )
    .await
    {
        snapshot.views.push(ViewDef {
            schema: text(&row, "schema")?,
            name: text(&row, "name")?,
            definition: text(&row, "definition")?,
            security_barrier: boolean(&row, "security_barrier")?,
        });
    }
    if snapshot.column_stats.is_empty() && !snapshot.tables.is_empty() {
        notes.push(Note {
            check: "column_stats".into(),
            message: "pg_stats returned no rows: the role cannot SELECT the tables (or they were never analyzed), so index columns are ordered without selectivity".into(),
        });
    }
    for row in run_unlocked(
        &*options.progress,
        &client,
        "foreign_keys",
        &mut locked,
        &mut notes,
    )
    .await
    {
        snapshot.foreign_keys.push(ForeignKey {
            schema: text(&row, "schema")?,
            table: text(&row, "table")?,
            name: text(&row, "name")?,
            columns: name_list(&row, "columns")?,
            referenced_schema: text(&row, "referenced_schema")?,
            referenced_table: text(&row, "referenced_table")?,
            referenced_columns: name_list(&row, "referenced_columns")?,
        });
    }
    locked.remove_from(&mut snapshot);
    if let Some(note) = locked.note() {
        notes.push(note);
    }
    collect_statements(
        &client,
        statements_schema.as_deref(),
        options,
        &mut snapshot,
        &mut notes,
    )
    .await?;
    for row in run(
        &*options.progress,
        &client,
        "functions",
        postgres_query("functions"),
        &[],
        &mut notes,
    )
    .await
    {
        snapshot.functions.push(FunctionStat {
            schema: text(&row, "schema")?,
            name: text(&row, "name")?,
            calls: int(&row, "calls")?,
            total_time_ms: opt_float(&row, "total_time_ms")?.unwrap_or(0.0),
            self_time_ms: opt_float(&row, "self_time_ms")?.unwrap_or(0.0),
        });
    }
    for row in run(
        &*options.progress,
        &client,
        "sequences",
        postgres_query("sequences"),
        &[],
        &mut notes,
    )
    .await
    {
        snapshot.sequences.push(SequenceStat {
            schema: text(&row, "schema")?,
            name: text(&row, "name")?,
            data_type: text(&row, "data_type")?,
            last_value: opt_int(&row, "last_value")?,
            max_value: int(&row, "max_value")?,
            increment: int(&row, "increment")?,
        });
    }
    for row in run(
        &*options.progress,
        &client,
        "settings",
        postgres_query("settings"),
        &[],
        &mut notes,
    )
    .await
    {
        snapshot.settings.push(Setting {
            name: text(&row, "name")?,
            setting: text(&row, "setting")?,
            unit: opt_text(&row, "unit")?,
        });
    }
    collect_sessions(&client, options, &mut snapshot, &mut notes).await?;
    if snapshot.functions.is_empty() && snapshot.setting("track_functions") == Some("none") {
        notes.push(Note {
            check: "functions".into(),
            message: "track_functions is off: function timings are not collected (set track_functions = pl)".into(),
        });
    }
    manifest.notes = notes;
    snapshot.manifest = manifest;
    Ok((snapshot, client))
}

async fn collect_statements(
    client: &Client,
    schema: Option<&str>,
    options: &CollectOptions,
    snapshot: &mut Snapshot,
    notes: &mut Vec<Note>,
) -> Result<()> {
    let Some(schema) = schema else {
        notes.push(Note {
            check: "statements".into(),
            message: "pg_stat_statements is not installed in this database: slow-query and missing-index checks did not run (add it to shared_preload_libraries and CREATE EXTENSION pg_stat_statements)".into(),
        });
        return Ok(());
    };
    let view = qualified(schema, "pg_stat_statements");
    let columns: Vec<String> = run(
        &*options.progress,
        client,
        "statement_columns",
        postgres_query("statement_columns"),
        &[&view],
        notes,
    )
    .await
    .iter()
    .filter_map(|r| r.try_get::<_, String>("name").ok())
    .collect();
    // Version awareness from the catalog: total_exec_time since 1.8, total_time before.
    let (total, mean) = if columns.iter().any(|c| c == "total_exec_time") {
        ("total_exec_time", "mean_exec_time")
    } else {
        ("total_time", "mean_time")
    };
    let (min, max, stddev) = if columns.iter().any(|c| c == "max_exec_time") {
        ("min_exec_time", "max_exec_time", "stddev_exec_time")
    } else {
        ("min_time", "max_time", "stddev_time")
    };
    let window = statements_window(client, schema, &columns, options, notes).await;
    let sql = postgres_query("statements")
        .replace("{total_time}", total)
        .replace("{mean_time}", mean)
        .replace("{min_time}", min)
        .replace("{max_time}", max)
        .replace("{stddev_time}", stddev)
        .replace("{window}", &window)
        .replace("{schema}", &quote_ident(schema))
        .replace("{limit}", &options.statement_limit.max(1).to_string());
    let rows = run(&*options.progress, client, "statements", &sql, &[], notes).await;
    let mut hidden = 0usize;
    for row in rows {
        let mut query = opt_text(&row, "query")?.unwrap_or_default();
        // Anyone who can run a statement can put a password into its text.
        crate::model::secrets::scrub_in_place(&mut query);
        if query == "<insufficient privilege>" {
            hidden += 1;
        }
        snapshot.statements.push(StatementStat {
            queryid: opt_text(&row, "queryid")?.unwrap_or_default(),
            query,
            calls: int(&row, "calls")?,
            total_time_ms: opt_float(&row, "total_time_ms")?.unwrap_or(0.0),
            mean_time_ms: opt_float(&row, "mean_time_ms")?.unwrap_or(0.0),
            rows: int(&row, "rows")?,
            shared_blks_hit: int(&row, "shared_blks_hit")?,
            shared_blks_read: int(&row, "shared_blks_read")?,
            role: opt_text(&row, "role")?,
            min_time_ms: opt_float(&row, "min_time_ms")?,
            max_time_ms: opt_float(&row, "max_time_ms")?,
            stddev_time_ms: opt_float(&row, "stddev_time_ms")?,
            window_seconds: opt_float(&row, "window_seconds")?,
            ..StatementStat::default()
        });
    }
    if hidden > 0 {
        notes.push(Note {
            check: "statements".into(),
            message: format!(
                "{hidden} statement texts are hidden as <insufficient privilege> (other users' statements): grant pg_read_all_stats (or pg_monitor) to read them; they are timed but get no index advice"
            ),
        });
    }
    Ok(())
}

/// The SQL expression for the seconds a statement's counters cover: its own
/// `stats_since` (1.11+), else the last reset in `pg_stat_statements_info` (1.9+), else
/// NULL (the rules then fall back to the database statistics' age, saying so).
async fn statements_window(
    client: &Client,
    schema: &str,
    columns: &[String],
    options: &CollectOptions,
    notes: &mut Vec<Note>,
) -> String {
    if columns.iter().any(|c| c == "stats_since") {
        return "extract(epoch FROM now() - s.stats_since)".to_string();
    }
    let info = qualified(schema, "pg_stat_statements_info");
    let has_reset = run(
        &*options.progress,
        client,
        "statement_columns",
        postgres_query("statement_columns"),
        &[&info],
        notes,
    )
    .await
    .iter()
    .any(|r| {
        r.try_get::<_, String>("name")
            .is_ok_and(|n| n == "stats_reset")
    });
    if has_reset {
        format!(
            "SELECT extract(epoch FROM now() - i.stats_reset) FROM {}.pg_stat_statements_info i",
            quote_ident(schema)
        )
    } else {
        "NULL".to_string()
    }
}

/// Client sessions by application and state; their application names scrubbed. Sessions
/// whose state the role may not see are counted as `unknown` (idle-in-transaction says so).
async fn collect_sessions(
    client: &Client,
    options: &CollectOptions,
    snapshot: &mut Snapshot,
    notes: &mut Vec<Note>,
) -> Result<()> {
    for row in run(
        &*options.progress,
        client,
        "sessions",
        postgres_query("sessions"),
        &[],
        notes,
    )
    .await
    {
        let mut application = text(&row, "application")?;
        // Set by the client: a connection string pasted there would carry its password.
        crate::model::secrets::scrub_value_in_place(&mut application);
        snapshot.sessions.push(SessionGroup {
            application,
            state: text(&row, "state")?,
            sessions: int(&row, "sessions")?,
            oldest_xact_seconds: opt_float(&row, "oldest_xact_seconds")?,
            oldest_state_seconds: opt_float(&row, "oldest_state_seconds")?,
        });
    }
    Ok(())
}

/// The comment that starts every statement dbaudit sends: the statements query leaves
/// marked statements out, so an audit never analyses its own (or a previous audit's)
/// statements, and a DBA can tell them apart in logs and pg_stat_statements.
pub const MARKER: &str = "/* dbaudit */";

/// `sql` with the marker in front.
pub fn marked(sql: &str) -> String {
    format!("{MARKER} {sql}")
}

/// User tables another session holds (or waits for) in ACCESS EXCLUSIVE mode: the
/// catalog queries that would wait for them (sizes, index definitions) leave them out.
#[derive(Default)]
struct LockedTables {
    oids: Vec<u32>,
    /// (schema, table) of each, to drop what an earlier query read before a late lock.
    tables: Vec<(String, String)>,
    /// Shown names with who holds the lock, in query order.
    shown: Vec<String>,
}

impl LockedTables {
    fn contains(&self, schema: &str, table: &str) -> bool {
        self.tables.iter().any(|(s, t)| s == schema && t == table)
    }

    /// Drops what the queries that ran before a late lock read of its table, so the
    /// snapshot never has a table without its indexes.
    fn remove_from(&self, snapshot: &mut Snapshot) {
        snapshot
            .tables
            .retain(|t| !self.contains(&t.schema, &t.name));
        snapshot
            .indexes
            .retain(|i| !self.contains(&i.schema, &i.table));
        snapshot
            .index_columns
            .retain(|c| !self.contains(&c.schema, &c.table));
        snapshot
            .foreign_keys
            .retain(|k| !self.contains(&k.schema, &k.table));
    }

    /// The note naming the tables left out, if any.
    fn note(&self) -> Option<Note> {
        if self.oids.is_empty() {
            return None;
        }
        Some(Note {
            check: "tables".into(),
            message: format!(
                "{} table(s) left out because another session holds them in ACCESS EXCLUSIVE mode (reading their size or index definitions would wait for the lock until lock_timeout): {}. Their statistics, indexes and foreign keys are not in this snapshot, so the indexing category is partially assessed; audit again when the lock is released",
                self.oids.len(),
                self.shown.join(", ")
            ),
        })
    }
}

/// Reads pg_locks (which takes no relation lock) into `into`; a failure is a note and
/// leaves the set as it was (the catalog queries then rely on lock_timeout).
async fn read_locked_tables(
    progress: &dyn crate::model::progress::Progress,
    client: &Client,
    into: &mut LockedTables,
    notes: &mut Vec<Note>,
) {
    for row in run(
        progress,
        client,
        "locked_tables",
        postgres_query("locked_tables"),
        &[],
        notes,
    )
    .await
    {
        let (Ok(oid), Ok(schema), Ok(name)) = (
            row.try_get::<_, u32>("oid"),
            row.try_get::<_, String>("schema"),
            row.try_get::<_, String>("name"),
        ) else {
            continue;
        };
        let pid = row.try_get::<_, i32>("pid").unwrap_or(0);
        let granted = row.try_get::<_, bool>("granted").unwrap_or(true);
        let who = if granted { "held by" } else { "requested by" };
        let shown = format!(
            "{} ({who} pid {pid})",
            shown_name(&format!("{}.{}", quote_ident(&schema), quote_ident(&name)))
        );
        if !into.oids.contains(&oid) {
            into.oids.push(oid);
            into.tables.push((schema, name));
        }
        if !into.shown.contains(&shown) {
            into.shown.push(shown);
        }
    }
}

async fn locked_tables(
    progress: &dyn crate::model::progress::Progress,
    client: &Client,
    notes: &mut Vec<Note>,
) -> LockedTables {
    let mut locked = LockedTables::default();
    read_locked_tables(progress, client, &mut locked, notes).await;
    locked
}

/// Runs a catalog query that leaves the locked tables out (`$1`). A lock taken after
/// pg_locks was read makes it hit lock_timeout: then pg_locks is read again and the
/// query retried once, so one late lock costs a table, not the whole check.
async fn run_unlocked(
    progress: &dyn crate::model::progress::Progress,
    client: &Client,
    check: &str,
    locked: &mut LockedTables,
    notes: &mut Vec<Note>,
) -> Vec<Row> {
    let sql = postgres_query(check);
    progress.advance(check);
    match client.query(&marked(sql), &[&locked.oids]).await {
        Ok(rows) => rows,
        Err(error) if error.code().map(|c| c.code()) == Some("55P03") => {
            read_locked_tables(progress, client, locked, notes).await;
            run(progress, client, check, sql, &[&locked.oids], notes).await
        }
        Err(error) => {
            notes.push(failure_note(check, &error));
            Vec::new()
        }
    }
}

/// A name from the server, safe to show: quotes kept, control characters escaped.
fn shown_name(name: &str) -> String {
    name.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

fn failure_note(check: &str, error: &tokio_postgres::Error) -> Note {
    let advice = match error.code().map(|c| c.code()) {
        Some("42501") => "; grant pg_monitor to the audit role",
        Some("57014") => "; the query hit statement_timeout",
        Some("55P03") => "; a lock could not be taken within lock_timeout (another session holds a table in ACCESS EXCLUSIVE mode)",
        _ => "",
    };
    Note {
        check: check.to_string(),
        message: format!("could not run: {}{advice}", explain(error)),
    }
}

/// Runs one check; a failure becomes a note and an empty result.
async fn run(
    progress: &dyn crate::model::progress::Progress,
    client: &Client,
    check: &str,
    sql: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    notes: &mut Vec<Note>,
) -> Vec<Row> {
    progress.advance(check);
    match client.query(&marked(sql), params).await {
        Ok(rows) => rows,
        Err(error) => {
            notes.push(failure_note(check, &error));
            Vec::new()
        }
    }
}

fn text(row: &Row, column: &str) -> Result<String> {
    Ok(opt_text(row, column)?.unwrap_or_default())
}

fn opt_text(row: &Row, column: &str) -> Result<Option<String>> {
    row.try_get::<_, Option<String>>(column)
        .with_context(|| format!("unexpected type in column `{column}`"))
}

/// A `text[]` of names, written as the model's name list: a name holding a comma or a
/// quote stays whole (`join_list`), where a server-side comma join would split it.
fn name_list(row: &Row, column: &str) -> Result<String> {
    let names = row
        .try_get::<_, Option<Vec<String>>>(column)
        .with_context(|| format!("unexpected type in column `{column}`"))?;
    Ok(join_list(&names.unwrap_or_default()))
}

fn int(row: &Row, column: &str) -> Result<i64> {
    Ok(opt_int(row, column)?.unwrap_or(0))
}

fn opt_int(row: &Row, column: &str) -> Result<Option<i64>> {
    row.try_get::<_, Option<i64>>(column)
        .with_context(|| format!("unexpected type in column `{column}`"))
}

fn opt_float(row: &Row, column: &str) -> Result<Option<f64>> {
    row.try_get::<_, Option<f64>>(column)
        .with_context(|| format!("unexpected type in column `{column}`"))
}

fn boolean(row: &Row, column: &str) -> Result<bool> {
    Ok(row
        .try_get::<_, Option<bool>>(column)
        .with_context(|| format!("unexpected type in column `{column}`"))?
        .unwrap_or(false))
}
