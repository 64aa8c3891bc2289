//! The SQL Server collector: one read-only session (ApplicationIntent=ReadOnly, short
//! lock timeout, READ UNCOMMITTED for DMV reads), a preflight (version, edition, uptime,
//! database access, permissions), then each query of `queries/mssql/` one at a time with
//! its own timeout. Every cell is kept as text (`RawTable`), exactly as an SSMS export
//! would hold it, so that one importer turns live and exported results into a `Snapshot`.
//! A query that fails (permission, version, timeout) is a note; the rest still runs.

use std::time::Duration;

use anyhow::{bail, Context, Result};
use futures_util::TryStreamExt;
use tiberius::{ColumnData, QueryItem};

use super::mssql_connection::{
    connect, explain, CertificateTrust, Encryption, MssqlClient, MssqlTarget,
};
use crate::engine::mssql;
use crate::model::snapshot::{Manifest, Note, SNAPSHOT_SCHEMA_VERSION};
use crate::snapshot::raw::{RawSnapshot, RawTable};

pub struct CollectOptions {
    /// Each query's limit; a query over it is abandoned (its connection closed, which
    /// makes the server cancel it) and becomes a note.
    pub query_timeout: Duration,
    /// `SET LOCK_TIMEOUT`: DMV reads never queue behind other sessions' locks for long.
    pub lock_timeout: Duration,
    /// Uptime below this (seconds) is noted: the DMV counters restart with the server.
    pub young_stats_seconds: f64,
}

pub const DEFAULT_QUERY_TIMEOUT: Duration = Duration::from_secs(30);

impl Default for CollectOptions {
    fn default() -> Self {
        CollectOptions {
            query_timeout: DEFAULT_QUERY_TIMEOUT,
            lock_timeout: Duration::from_secs(5),
            young_stats_seconds: crate::model::settings::Thresholds::default().young_stats_seconds,
        }
    }
}

/// Collects every query of `queries` (name, SQL text) into a `RawSnapshot`. Connection
/// and login failures are errors; a query that cannot run is a note in the manifest.
pub fn collect(
    target: &MssqlTarget,
    queries: &[(&str, &str)],
    options: &CollectOptions,
) -> Result<RawSnapshot> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    runtime
        .block_on(collect_async(target, queries, options))
        // Whatever the driver or server said, the password is not repeated.
        .map_err(|e| anyhow::anyhow!(target.scrub(&format!("{e:#}"))))
}

async fn collect_async(
    target: &MssqlTarget,
    queries: &[(&str, &str)],
    options: &CollectOptions,
) -> Result<RawSnapshot> {
    let mut session = Session::open(target, options).await?;
    let mut notes = connection_notes(target);

    let preflight = match session.query(MSSQL_PREFLIGHT, options.query_timeout).await {
        Outcome::Table(table) => table,
        other => bail!(
            "the preflight query failed on {}: {}",
            target.display,
            other.describe(options.query_timeout)
        ),
    };
    let server = Preflight::read(&preflight)?;
    if server.has_dbaccess == Some(false) {
        bail!(
            "the login `{}` cannot access database `{}` (HAS_DBACCESS is 0): create its user there ({} {}) or name another database with Database=",
            target.user,
            server.database,
            mssql::use_database(&server.database),
            mssql::create_user_for_login(&target.user)
        );
    }
    notes.extend(server.notes(&target.user));

    let (server_started, uptime) = session.uptime(options, &mut notes).await;
    if let Some(age) = uptime.filter(|age| *age < options.young_stats_seconds) {
        notes.push(Note {
            check: "uptime".into(),
            message: format!(
                "SQL Server started {:.1} h ago: index usage, missing-index and procedure statistics restart with the server, so usage-based findings may be premature",
                age / 3600.0
            ),
        });
    }

    let mut raw = RawSnapshot::default();
    raw.tables.insert("preflight".to_string(), preflight);
    for (name, sql) in queries {
        if let Some(why) = server.cannot_run(sql) {
            notes.push(Note {
                check: name.to_string(),
                message: why,
            });
            continue;
        }
        match session.query(sql, options.query_timeout).await {
            Outcome::Table(mut table) => {
                // Plan-cache texts can hold passwords (CREATE LOGIN … WITH PASSWORD).
                table.scrub_secrets();
                raw.tables.insert(name.to_string(), table);
            }
            other => notes.push(Note {
                check: name.to_string(),
                message: other.describe(options.query_timeout),
            }),
        }
    }
    session.close().await;

    for note in &mut notes {
        note.message = target.scrub(&note.message);
    }
    notes.sort();
    raw.manifest = Manifest {
        schema_version: SNAPSHOT_SCHEMA_VERSION,
        dbaudit_version: env!("CARGO_PKG_VERSION").to_string(),
        engine: "mssql".to_string(),
        server_version: server.product_version.clone(),
        server_version_num: server.version_num,
        database: server.database.clone(),
        source: target.display.clone(),
        collected_at: server.collected_at.clone(),
        stats_reset: server_started.clone(),
        server_started,
        stats_age_seconds: uptime,
        extensions: Vec::new(),
        notes,
    };
    Ok(raw)
}

/// What the connection itself deserves a word about: no encryption, an unverified
/// certificate, settings dbaudit overrides.
fn connection_notes(target: &MssqlTarget) -> Vec<Note> {
    let mut messages = target.remarks.clone();
    if target.encryption == Encryption::Off {
        messages.push("Encrypt=False: unless the server forces encryption, the login (password included) and every result crossed the network unencrypted; use Encrypt=True outside trusted networks".to_string());
    } else if target.trust == CertificateTrust::Any {
        messages.push("TrustServerCertificate=True: the session was encrypted, but the server's certificate was not verified".to_string());
    }
    messages
        .into_iter()
        .map(|message| Note {
            check: "connection".into(),
            message,
        })
        .collect()
}

/// The preflight: version, edition, database, access and permissions.
pub const MSSQL_PREFLIGHT: &str = include_str!("../../queries/mssql/preflight.sql");
/// Uptime from `sys.dm_os_sys_info` (needs VIEW SERVER STATE / PERFORMANCE STATE).
pub const MSSQL_UPTIME: &str = include_str!("../../queries/mssql/uptime.sql");
/// Uptime from tempdb's creation (at each start), readable by every login.
pub const MSSQL_UPTIME_FALLBACK: &str = include_str!("../../queries/mssql/uptime_fallback.sql");
/// The collector's own queries, run before `MSSQL_QUERIES` (for `dbaudit queries mssql`).
pub const MSSQL_SESSION_QUERIES: &[(&str, &str)] = &[
    ("preflight", MSSQL_PREFLIGHT),
    ("uptime", MSSQL_UPTIME),
    ("uptime_fallback", MSSQL_UPTIME_FALLBACK),
];

/// The preflight's answers.
#[derive(Debug, Clone, PartialEq)]
struct Preflight {
    product_version: String,
    major: u32,
    version_num: i64,
    edition: String,
    engine_edition: Option<i64>,
    database: String,
    database_user: String,
    has_dbaccess: Option<bool>,
    collected_at: String,
    permissions: Vec<(String, Option<bool>)>,
    /// The version-dependent system objects that exist (`sys.` names); `None` when the
    /// preflight did not say (then the version number decides).
    present_objects: Option<Vec<String>>,
}

/// The permissions the preflight asks `HAS_PERMS_BY_NAME` about (column names).
const PERMISSION_COLUMNS: &[&str] = &[
    "view_server_state",
    "view_server_performance_state",
    "view_database_state",
    "view_database_performance_state",
    "view_definition",
];

impl Preflight {
    fn read(table: &RawTable) -> Result<Preflight> {
        let Some(row) = table.rows.first() else {
            bail!("the preflight query returned no row");
        };
        let cell = |name: &str| -> Option<String> {
            table
                .column(name)
                .and_then(|i| row.get(i).cloned().flatten())
        };
        let flag = |name: &str| cell(name).map(|v| v == "1");
        let product_version = cell("product_version").unwrap_or_default();
        let (major, version_num) = parse_product_version(&product_version).with_context(|| {
            format!("the server reported an unreadable ProductVersion `{product_version}`")
        })?;
        Ok(Preflight {
            product_version,
            major,
            version_num,
            edition: cell("edition").unwrap_or_default(),
            engine_edition: cell("engine_edition").and_then(|v| v.parse().ok()),
            database: cell("database_name").unwrap_or_default(),
            database_user: cell("user_name").unwrap_or_default(),
            has_dbaccess: flag("has_dbaccess"),
            collected_at: cell("collected_at")
                .map(|t| format!("{t}Z"))
                .unwrap_or_default(),
            permissions: PERMISSION_COLUMNS
                .iter()
                .map(|p| (p.to_string(), flag(p)))
                .collect(),
            present_objects: table.column("present_objects").map(|_| {
                cell("present_objects")
                    .unwrap_or_default()
                    .split(',')
                    .map(str::trim)
                    .filter(|name| !name.is_empty())
                    .map(|name| format!("sys.{name}"))
                    .collect()
            }),
        })
    }

    /// Why a query cannot run on this server, if it cannot: the system object it reads
    /// does not exist here (as the preflight found in sys.all_objects), or, when the
    /// preflight could not tell, the server is older than the version it needs.
    fn cannot_run(&self, sql: &str) -> Option<String> {
        if let (Some(object), Some(present)) =
            (crate::collect::required_object(sql), &self.present_objects)
        {
            return (!present.iter().any(|p| p.eq_ignore_ascii_case(object))).then(|| {
                format!(
                    "skipped: {object} does not exist on this server ({} {}, EngineEdition {})",
                    self.product_version,
                    self.edition,
                    self.engine_edition
                        .map_or("unknown".to_string(), |e| e.to_string())
                )
            });
        }
        let required = crate::collect::required_major_version(sql)?;
        (self.major < required).then(|| {
            format!(
                "skipped: needs SQL Server major version {required} or later; this server is {} ({})",
                self.major, self.product_version
            )
        })
    }

    fn has(&self, permission: &str) -> bool {
        self.permissions
            .iter()
            .any(|(name, granted)| name == permission && *granted == Some(true))
    }

    /// A note for each missing permission, naming the GRANT that fixes it (the least
    /// privilege the version offers: the PERFORMANCE STATE permissions from 2022 on).
    fn notes(&self, login: &str) -> Vec<Note> {
        let mut notes = Vec::new();
        let user = if self.database_user.is_empty() {
            login
        } else {
            &self.database_user
        };
        let db = &self.database;
        let mut note = |message: String| {
            notes.push(Note {
                check: "permissions".into(),
                message,
            })
        };
        if db.eq_ignore_ascii_case("master") {
            note("connected to master: name the database to audit with Database=... (index and table checks read the current database)".to_string());
        }
        // Azure SQL Database has no server-level state: database-level permissions serve.
        let azure_database = self.engine_edition == Some(5);
        let server_state = self.has("view_server_state")
            || (self.major >= 16 && self.has("view_server_performance_state"));
        if !azure_database && !server_state {
            let (permission, grant) = if self.major >= 16 {
                (
                    "VIEW SERVER PERFORMANCE STATE",
                    format!(
                        "{} {}",
                        mssql::use_database("master"),
                        mssql::grant("VIEW SERVER PERFORMANCE STATE", login)
                    ),
                )
            } else {
                (
                    "VIEW SERVER STATE",
                    format!(
                        "{} {}",
                        mssql::use_database("master"),
                        mssql::grant("VIEW SERVER STATE", login)
                    ),
                )
            };
            note(format!(
                "the login lacks {permission}: index usage (so unused-index, write-heavy-index and scan-heavy-table judge nothing; the index list itself is read), missing-index, procedure and query statistics and the uptime from sys.dm_os_sys_info cannot be read. Fix: {grant}"
            ));
        }
        let database_state = self.has("view_database_state")
            || (self.major >= 16 && self.has("view_database_performance_state"))
            || (!azure_database && server_state);
        if !database_state && (self.major >= 16 || azure_database) {
            let permission = if self.major >= 16 {
                "VIEW DATABASE PERFORMANCE STATE"
            } else {
                "VIEW DATABASE STATE"
            };
            // On Azure SQL Database it also stands for VIEW SERVER STATE: every DMV.
            let also = if azure_database {
                ", nor index usage (unused-index, write-heavy-index and scan-heavy-table judge nothing), missing-index, procedure and query statistics, other logins' sessions and the uptime (sys.dm_os_sys_info: a user database does not see tempdb, so the counters cannot be dated and unused-index is not run)"
            } else {
                ""
            };
            note(format!(
                "the user lacks {permission} in `{db}`: the table and index lists (their row counts and sizes come from sys.dm_db_partition_stats) and the index operational stats (lock waits, forwarded fetches) cannot be read{also}. Fix: {} {}",
                mssql::use_database(db),
                mssql::grant(permission, user)
            ));
        }
        if !self.has("view_definition") {
            note(format!(
                "the user lacks VIEW DEFINITION in `{db}`: tables, indexes and procedures it has no other permission on are invisible. Fix: {} {}",
                mssql::use_database(db),
                mssql::grant("VIEW DEFINITION", user)
            ));
        }
        notes
    }
}

/// `16.0.4135.4` → (16, 16_004_135): major, and major·10⁶ + minor·10⁴ + build.
fn parse_product_version(text: &str) -> Option<(u32, i64)> {
    let mut parts = text.trim().split('.').map(|p| p.parse::<i64>().ok());
    let major = parts.next()??;
    let minor = parts.next().flatten().unwrap_or(0);
    let build = parts.next().flatten().unwrap_or(0);
    Some((
        u32::try_from(major).ok()?,
        major * 1_000_000 + minor * 10_000 + build,
    ))
}

/// What became of one query.
enum Outcome {
    Table(RawTable),
    /// The server refused or failed it (its message).
    Failed(String),
    TimedOut,
    /// The session broke (driver failure, lost connection) and could not be reopened.
    Lost(String),
}

impl Outcome {
    fn describe(&self, timeout: Duration) -> String {
        match self {
            Outcome::Table(_) => String::new(),
            Outcome::Failed(message) => format!("could not run: {message}"),
            Outcome::TimedOut => format!(
                "did not finish within {} s and was cancelled (--query-timeout changes the limit)",
                timeout.as_secs_f64()
            ),
            Outcome::Lost(message) => format!("not run: {message}"),
        }
    }
}

/// The audit session; reopened after a query had to be abandoned.
struct Session<'a> {
    target: &'a MssqlTarget,
    options: &'a CollectOptions,
    client: Option<MssqlClient>,
    /// Why the last reopening failed: the remaining queries are not run.
    broken: Option<String>,
}

impl<'a> Session<'a> {
    async fn open(target: &'a MssqlTarget, options: &'a CollectOptions) -> Result<Session<'a>> {
        let client = open_client(target, options).await?;
        Ok(Session {
            target,
            options,
            client: Some(client),
            broken: None,
        })
    }

    /// Runs one query in a task of its own: a timeout or a driver panic costs that query
    /// and the connection (closing it cancels the query on the server), not the audit.
    async fn query(&mut self, sql: &str, timeout: Duration) -> Outcome {
        if let Some(reason) = &self.broken {
            return Outcome::Lost(reason.clone());
        }
        let client = match self.client.take() {
            Some(client) => client,
            None => match open_client(self.target, self.options).await {
                Ok(client) => client,
                Err(e) => {
                    let reason = format!("the session could not be reopened: {e:#}");
                    self.broken = Some(reason.clone());
                    return Outcome::Lost(reason);
                }
            },
        };
        let sql = sql.to_string();
        let mut task = tokio::spawn(async move {
            let mut client = client;
            let result = read_table(&mut client, &sql).await;
            (client, result)
        });
        match tokio::time::timeout(timeout, &mut task).await {
            Err(_) => {
                task.abort();
                Outcome::TimedOut
            }
            Ok(Err(join_error)) => Outcome::Failed(format!(
                "the SQL Server driver failed reading the result ({join_error}); a column of a type it cannot read (sql_variant?) should be CAST to nvarchar"
            )),
            Ok(Ok((client, Ok(table)))) => {
                self.client = Some(client);
                Outcome::Table(table)
            }
            Ok(Ok((client, Err(error)))) => {
                // A server error leaves the session usable; a lost connection does not.
                if matches!(error, tiberius::error::Error::Server(_)) {
                    self.client = Some(client);
                }
                Outcome::Failed(query_error(&error, self.target))
            }
        }
    }

    /// Start time (UTC, ISO 8601) and uptime in seconds, from `sys.dm_os_sys_info`, or
    /// from tempdb's creation when the DMV is denied.
    async fn uptime(
        &mut self,
        options: &CollectOptions,
        notes: &mut Vec<Note>,
    ) -> (Option<String>, Option<f64>) {
        let table = match self.query(MSSQL_UPTIME, options.query_timeout).await {
            Outcome::Table(table) => table,
            failed => {
                let fallback = self
                    .query(MSSQL_UPTIME_FALLBACK, options.query_timeout)
                    .await;
                let failed = failed.describe(options.query_timeout);
                let (table, message) = match fallback {
                    Outcome::Table(table) if !table.rows.is_empty() => (
                        Some(table),
                        format!("sys.dm_os_sys_info {failed}; the uptime is taken from tempdb's creation date instead"),
                    ),
                    // Azure SQL Database: a user database sees no tempdb in sys.databases.
                    Outcome::Table(_) => (
                        None,
                        format!("sys.dm_os_sys_info {failed}, and tempdb is not visible from this database (Azure SQL Database shows only the current database and master): the uptime is unknown, so the usage counters cannot be dated. Fix: grant VIEW DATABASE STATE (Azure SQL Database) or VIEW SERVER STATE"),
                    ),
                    other => (
                        None,
                        format!(
                            "sys.dm_os_sys_info {failed}, and tempdb's creation date {}: the uptime is unknown",
                            other.describe(options.query_timeout)
                        ),
                    ),
                };
                notes.push(Note {
                    check: "uptime".into(),
                    message,
                });
                match table {
                    Some(table) => table,
                    None => return (None, None),
                }
            }
        };
        let cell = |name: &str| {
            table
                .column(name)
                .and_then(|i| table.rows.first()?.get(i).cloned().flatten())
        };
        (
            cell("server_started").map(|t| format!("{t}Z")),
            cell("uptime_seconds").and_then(|s| s.parse().ok()),
        )
    }

    async fn close(mut self) {
        if let Some(client) = self.client.take() {
            let _ = client.close().await;
        }
    }
}

/// Connects and bounds the session: no waiting on locks, no locks taken, the first victim
/// of any deadlock. dbaudit only reads; these SETs change the session, never the data.
async fn open_client(target: &MssqlTarget, options: &CollectOptions) -> Result<MssqlClient> {
    let mut client = connect(target).await?;
    let setup = format!(
        "SET LOCK_TIMEOUT {}; SET TRANSACTION ISOLATION LEVEL READ UNCOMMITTED; SET DEADLOCK_PRIORITY LOW; SET NOCOUNT ON;",
        options.lock_timeout.as_millis()
    );
    let applied = tokio::time::timeout(options.query_timeout, async {
        client.simple_query(setup).await?.into_results().await
    })
    .await;
    match applied {
        Ok(Ok(_)) => Ok(client),
        Ok(Err(e)) => bail!(
            "could not set up the read-only session on {}: {}",
            target.display,
            explain(&e, target)
        ),
        Err(_) => bail!(
            "could not set up the read-only session on {}: no answer within {} s",
            target.display,
            options.query_timeout.as_secs()
        ),
    }
}

/// A failed query in words; permission and lock errors say what to do.
fn query_error(error: &tiberius::error::Error, target: &MssqlTarget) -> String {
    let advice = match error.code() {
        Some(300) | Some(297) => {
            " (grant the permission the message names; see the `permissions` note)"
        }
        Some(229) | Some(262) => " (the login lacks a permission on an object this query reads)",
        Some(1222) => " (a lock was not granted within SET LOCK_TIMEOUT; run again when the server is quieter)",
        Some(208) => " (an object this query reads does not exist on this version or edition)",
        _ => "",
    };
    format!("{}{advice}", explain(error, target))
}

/// Reads the first result set of a batch as text cells.
async fn read_table(
    client: &mut MssqlClient,
    sql: &str,
) -> std::result::Result<RawTable, tiberius::error::Error> {
    let mut stream = client.simple_query(sql).await?;
    let mut table = RawTable::default();
    while let Some(item) = stream.try_next().await? {
        match item {
            QueryItem::Metadata(meta) if meta.result_index() == 0 => {
                table.columns = meta
                    .columns()
                    .iter()
                    .map(|c| c.name().to_string())
                    .collect();
            }
            QueryItem::Row(row) if row.result_index() == 0 => {
                table
                    .rows
                    .push(row.into_iter().map(|cell| cell_text(&cell)).collect());
            }
            _ => {}
        }
    }
    Ok(table)
}

/// One cell as text, as SSMS would export it: integers and decimals in plain decimal
/// notation, `bit` as 0/1, dates in ISO 8601 (`YYYY-MM-DDTHH:MM:SS[.fffffff]`, the
/// fraction at the type's precision and left out when zero), GUIDs in upper case,
/// binary as `0x..`; `None` for NULL.
pub fn cell_text(data: &ColumnData<'_>) -> Option<String> {
    Some(match data {
        ColumnData::U8(v) => v.as_ref()?.to_string(),
        ColumnData::I16(v) => v.as_ref()?.to_string(),
        ColumnData::I32(v) => v.as_ref()?.to_string(),
        ColumnData::I64(v) => v.as_ref()?.to_string(),
        // Rust prints the shortest text that reads back to the same number, never with
        // an exponent.
        ColumnData::F32(v) => v.as_ref()?.to_string(),
        ColumnData::F64(v) => v.as_ref()?.to_string(),
        ColumnData::Bit(v) => if (*v)? { "1" } else { "0" }.to_string(),
        ColumnData::String(v) => v.as_deref()?.to_string(),
        ColumnData::Guid(v) => v.as_ref()?.to_string().to_uppercase(),
        ColumnData::Binary(v) => {
            let bytes = v.as_deref()?;
            let mut text = String::with_capacity(2 + bytes.len() * 2);
            text.push_str("0x");
            for byte in bytes {
                text.push_str(&format!("{byte:02X}"));
            }
            text
        }
        ColumnData::Numeric(v) => {
            let n = v.as_ref()?;
            decimal_text(n.value(), n.scale())
        }
        ColumnData::Xml(v) => v.as_deref()?.clone().into_string(),
        ColumnData::DateTime(v) => {
            let v = v.as_ref()?;
            // 1/300 s ticks, shown in milliseconds as SQL Server rounds them (.000/.003/.007).
            let millis = (u64::from(v.seconds_fragments()) * 10 + 1) / 3;
            let date = days_to_date(i64::from(v.days()) + DAYS_1900);
            format!("{date}T{}", time_text(millis * 10_000, 3))
        }
        ColumnData::SmallDateTime(v) => {
            let v = v.as_ref()?;
            let date = days_to_date(i64::from(v.days()) + DAYS_1900);
            format!(
                "{date}T{}",
                time_text(u64::from(v.seconds_fragments()) * 60 * TICKS_PER_SECOND, 0)
            )
        }
        ColumnData::Date(v) => days_to_date(i64::from(v.as_ref()?.days()) + DAYS_0001),
        ColumnData::Time(v) => {
            let v = v.as_ref()?;
            time_text(ticks(v.increments(), v.scale()), v.scale())
        }
        ColumnData::DateTime2(v) => datetime2_text(v.as_ref()?, 0),
        ColumnData::DateTimeOffset(v) => {
            let v = v.as_ref()?;
            // The wire holds UTC; SQL Server shows the local time with its offset.
            let offset = v.offset();
            let sign = if offset < 0 { '-' } else { '+' };
            let minutes = offset.unsigned_abs();
            format!(
                "{}{sign}{:02}:{:02}",
                datetime2_text(&v.datetime2(), i64::from(offset)),
                minutes / 60,
                minutes % 60
            )
        }
    })
}

const TICKS_PER_SECOND: u64 = 10_000_000;
/// Days from 1970-01-01 back to 1900-01-01 (datetime's day 0) and to 0001-01-01 (date's).
const DAYS_1900: i64 = -25_567;
const DAYS_0001: i64 = -719_162;

/// 100 ns ticks from increments of 10^-scale seconds.
fn ticks(increments: u64, scale: u8) -> u64 {
    // Saturating: a malformed value must not overflow (a real one is under a day).
    increments.saturating_mul(10u64.pow(7u32.saturating_sub(u32::from(scale))))
}

fn datetime2_text(value: &tiberius::time::DateTime2, offset_minutes: i64) -> String {
    let time = value.time();
    let scale = time.scale();
    let day_ticks = 86_400 * TICKS_PER_SECOND as i64;
    let in_day_ticks = i64::try_from(ticks(time.increments(), scale)).unwrap_or(i64::MAX);
    let total = ((i64::from(value.date().days()) + DAYS_0001) * day_ticks)
        .saturating_add(in_day_ticks)
        .saturating_add(offset_minutes * 60 * TICKS_PER_SECOND as i64);
    let days = total.div_euclid(day_ticks);
    let in_day = total.rem_euclid(day_ticks) as u64;
    format!("{}T{}", days_to_date(days), time_text(in_day, scale))
}

/// `HH:MM:SS[.fraction]` from 100 ns ticks, with `digits` fractional digits (none when
/// the fraction is zero).
fn time_text(ticks: u64, digits: u8) -> String {
    let seconds = ticks / TICKS_PER_SECOND;
    let mut text = format!(
        "{:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    );
    let fraction = ticks % TICKS_PER_SECOND;
    if fraction != 0 && digits > 0 {
        let digits = usize::from(digits.min(7));
        text.push('.');
        text.push_str(&format!("{fraction:07}")[..digits]);
    }
    text
}

/// `YYYY-MM-DD` from days since 1970-01-01 (proleptic Gregorian).
fn days_to_date(days: i64) -> String {
    let (year, month, day) = crate::snapshot::mssql::civil_from_days(days);
    format!("{year:04}-{month:02}-{day:02}")
}

/// An exact decimal from an unscaled integer and a scale: (-12345, 2) → `-123.45`.
fn decimal_text(value: i128, scale: u8) -> String {
    let digits = value.unsigned_abs().to_string();
    let scale = usize::from(scale);
    let sign = if value < 0 { "-" } else { "" };
    if scale == 0 {
        return format!("{sign}{digits}");
    }
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (whole, fraction) = padded.split_at(padded.len() - scale);
    format!("{sign}{whole}.{fraction}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;
    use tiberius::numeric::Numeric;
    use tiberius::time::{Date, DateTime, DateTime2, DateTimeOffset, SmallDateTime, Time};

    #[test]
    fn every_type_as_text() {
        let cases: Vec<(ColumnData<'static>, Option<&str>)> = vec![
            (ColumnData::U8(Some(255)), Some("255")),
            (ColumnData::I16(Some(-32768)), Some("-32768")),
            (ColumnData::I32(Some(-7)), Some("-7")),
            (
                ColumnData::I64(Some(-9_223_372_036_854_775_808)),
                Some("-9223372036854775808"),
            ),
            (ColumnData::I64(None), None),
            (ColumnData::F64(Some(0.1)), Some("0.1")),
            (ColumnData::F64(Some(1e21)), Some("1000000000000000000000")),
            (ColumnData::F64(Some(-2.5e-7)), Some("-0.00000025")),
            (ColumnData::F32(Some(0.1)), Some("0.1")),
            (ColumnData::Bit(Some(true)), Some("1")),
            (ColumnData::Bit(Some(false)), Some("0")),
            (ColumnData::Bit(None), None),
            (
                ColumnData::String(Some(Cow::from("Zürich ✓"))),
                Some("Zürich ✓"),
            ),
            (ColumnData::String(Some(Cow::from(""))), Some("")),
            (ColumnData::String(None), None),
            (
                ColumnData::Guid(Some(tiberius::Uuid::from_u128(
                    0x0123_4567_89ab_cdef_0123_4567_89ab_cdef,
                ))),
                Some("01234567-89AB-CDEF-0123-456789ABCDEF"),
            ),
            (
                ColumnData::Binary(Some(Cow::from(vec![0x00, 0xAB, 0x10]))),
                Some("0x00AB10"),
            ),
            (ColumnData::Binary(Some(Cow::from(Vec::new()))), Some("0x")),
            (
                ColumnData::Numeric(Some(Numeric::new_with_scale(-12345, 2))),
                Some("-123.45"),
            ),
            (
                ColumnData::Numeric(Some(Numeric::new_with_scale(5, 4))),
                Some("0.0005"),
            ),
            (
                ColumnData::Numeric(Some(Numeric::new_with_scale(42, 0))),
                Some("42"),
            ),
            // datetime: days since 1900-01-01 and 1/300 s.
            (
                ColumnData::DateTime(Some(DateTime::new(0, 0))),
                Some("1900-01-01T00:00:00"),
            ),
            (
                ColumnData::DateTime(Some(DateTime::new(
                    45_304,
                    (10 * 3600 + 30 * 60 + 15) * 300 + 37,
                ))),
                Some("2024-01-15T10:30:15.123"),
            ),
            (
                ColumnData::DateTime(Some(DateTime::new(-53_690, 2))),
                Some("1753-01-01T00:00:00.007"),
            ),
            (
                ColumnData::SmallDateTime(Some(SmallDateTime::new(45_304, 61))),
                Some("2024-01-15T01:01:00"),
            ),
            (
                ColumnData::Date(Some(Date::new(738_899))),
                Some("2024-01-15"),
            ),
            (
                ColumnData::Time(Some(Time::new(123_456_789, 5))),
                Some("00:20:34.56789"),
            ),
            (
                ColumnData::DateTime2(Some(DateTime2::new(
                    Date::new(738_899),
                    Time::new(378_151_234_567, 7),
                ))),
                Some("2024-01-15T10:30:15.1234567"),
            ),
            (
                ColumnData::DateTime2(Some(DateTime2::new(
                    Date::new(738_899),
                    Time::new(37_815, 0),
                ))),
                Some("2024-01-15T10:30:15"),
            ),
            (
                ColumnData::DateTimeOffset(Some(DateTimeOffset::new(
                    DateTime2::new(Date::new(738_899), Time::new(3_781_512, 2)),
                    120,
                ))),
                Some("2024-01-15T12:30:15.12+02:00"),
            ),
            (
                ColumnData::DateTimeOffset(Some(DateTimeOffset::new(
                    DateTime2::new(Date::new(738_899), Time::new(3600, 0)),
                    -330,
                ))),
                Some("2024-01-14T19:30:00-05:30"),
            ),
            (ColumnData::DateTime2(None), None),
        ];
        for (data, expected) in cases {
            assert_eq!(cell_text(&data).as_deref(), expected, "{data:?}");
        }
    }

    #[test]
    fn versions_and_requirements() {
        assert_eq!(parse_product_version("16.0.4135.4"), Some((16, 16_004_135)));
        assert_eq!(
            parse_product_version("10.50.6000.34"),
            Some((10, 10_506_000))
        );
        assert_eq!(parse_product_version(""), None);
        assert_eq!(
            crate::collect::required_major_version("-- requires: 15\nSELECT 1"),
            Some(15)
        );
        assert_eq!(
            crate::collect::required_major_version("\n  --Requires:16\nSELECT 1"),
            Some(16)
        );
        assert_eq!(
            crate::collect::required_major_version("-- top statements\nSELECT 1"),
            None
        );
        assert_eq!(
            crate::collect::required_major_version("SELECT 1 -- requires: 15"),
            None
        );
    }

    fn preflight(major: &str, granted: &[&str], engine_edition: &str) -> Preflight {
        let mut columns = vec![
            "product_version",
            "engine_edition",
            "database_name",
            "user_name",
        ];
        columns.extend(PERMISSION_COLUMNS);
        let mut row = vec![
            Some(format!("{major}.0.1000.1")),
            Some(engine_edition.to_string()),
            Some("app".to_string()),
            Some("auditor_user".to_string()),
        ];
        for p in PERMISSION_COLUMNS {
            row.push(Some(
                if granted.contains(p) { "1" } else { "0" }.to_string(),
            ));
        }
        Preflight::read(&RawTable {
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: vec![row],
        })
        .unwrap()
    }

    #[test]
    fn missing_permissions_become_notes_with_their_grant() {
        let all = preflight("15", &["view_server_state", "view_definition"], "3");
        assert!(
            all.notes("auditor").is_empty(),
            "{:?}",
            all.notes("auditor")
        );

        let none_2019 = preflight("15", &[], "3").notes("auditor");
        let text: Vec<&str> = none_2019.iter().map(|n| n.message.as_str()).collect();
        assert_eq!(text.len(), 2, "{text:?}");
        assert!(
            text[0].contains("GRANT VIEW SERVER STATE TO [auditor];"),
            "{text:?}"
        );
        assert!(
            text[1].contains("USE [app]; GRANT VIEW DEFINITION TO [auditor_user];"),
            "{text:?}"
        );

        let none_2022 = preflight("16", &["view_definition"], "3").notes("auditor");
        let text: Vec<&str> = none_2022.iter().map(|n| n.message.as_str()).collect();
        assert!(
            text[0].contains("GRANT VIEW SERVER PERFORMANCE STATE TO [auditor];"),
            "{text:?}"
        );
        assert!(
            text[1].contains("GRANT VIEW DATABASE PERFORMANCE STATE TO [auditor_user];"),
            "{text:?}"
        );

        let perf_2022 = preflight(
            "16",
            &[
                "view_server_performance_state",
                "view_database_performance_state",
                "view_definition",
            ],
            "3",
        );
        assert!(perf_2022.notes("auditor").is_empty());

        let azure = preflight("12", &["view_definition"], "5").notes("auditor");
        assert_eq!(azure.len(), 1);
        assert!(
            azure[0]
                .message
                .contains("GRANT VIEW DATABASE STATE TO [auditor_user];")
                && azure[0].message.contains("index usage")
                && azure[0].message.contains("the uptime (sys.dm_os_sys_info"),
            "{azure:?}"
        );
    }
}
