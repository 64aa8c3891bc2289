//! SQL Server query results into a `Snapshot`: one importer for a live collection (the
//! collector's `RawSnapshot`) and for a DBA's SSMS / sqlcmd CSV exports of
//! `queries/mssql/*.sql`, so the analysis cannot tell them apart.
//!
//! A query that did not run is a note (its checks did not run); a query result without a
//! column the importer needs, or with a cell it cannot read, is an error naming the query
//! (and file), the row and the column.
//!
//! Past 1,000 lines: every query's import sits beside the cell reader it shares (`Reader`,
//! `Row`, `DateTime`), so that one query's reading is found in one place; the lists of
//! names put together from one row per name are in `lists.rs`.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};

use super::raw::{RawSnapshot, RawTable};

mod lists;
use crate::model::snapshot::{
    ColumnStat, IndexColumn, IndexStat, Manifest, MissingIndex, Note, ProcedureStat, SessionGroup,
    Setting, Snapshot, StatementStat, StatisticsStat, TableStat, ENGINE_MSSQL,
    SNAPSHOT_SCHEMA_VERSION,
};
use lists::{
    import_foreign_keys, import_joined_foreign_keys, import_joined_statistics, import_statistics,
    is_joined_format, joined_names_note, LEGACY_FOREIGN_KEYS, LEGACY_STATISTICS,
};

/// The columns the importer reads from one query's result.
pub struct QueryColumns {
    /// The query: `queries/mssql/<name>.sql`, exported as `<name>.csv`.
    pub name: &'static str,
    /// Columns without which the result cannot be imported.
    pub required: &'static [&'static str],
    /// Columns read when present (informational, or newer additions).
    pub optional: &'static [&'static str],
}

const INDEX_USAGE_REQUIRED: &[&str] = &[
    "schema_name",
    "table_name",
    "index_id",
    "user_seeks",
    "user_scans",
    "user_lookups",
    "user_updates",
];
const INDEX_USAGE_OPTIONAL: &[&str] = &[
    "last_user_seek",
    "last_user_scan",
    "last_user_lookup",
    "last_user_update",
];

/// The usage columns as exports of indexes.sql had them before index_usage.sql.
static LEGACY_INDEX_USAGE: QueryColumns = QueryColumns {
    name: "indexes",
    required: INDEX_USAGE_REQUIRED,
    optional: INDEX_USAGE_OPTIONAL,
};

/// queries/mssql/uptime.sql (`sys.dm_os_sys_info`), the collector's own uptime query: an
/// export that has it (it needs VIEW SERVER STATE, or VIEW DATABASE STATE on Azure SQL
/// Database, which has no tempdb to date the start by) is dated by it, as the collector is.
pub static UPTIME_COLUMNS: QueryColumns = QueryColumns {
    name: "uptime",
    required: &["server_started", "uptime_seconds"],
    optional: &[],
};

/// Every query's columns, in `engine::queries::MSSQL_QUERIES` order. `tests/mssql_queries.rs`
/// checks that each query's SELECT list produces exactly these.
pub const QUERY_COLUMNS: &[QueryColumns] = &[
    QueryColumns {
        name: "server",
        required: &[
            "product_version",
            "database_name",
            "sqlserver_start_time",
            "collected_at",
        ],
        optional: &[
            "edition",
            "engine_edition",
            "server_name",
            "compatibility_level",
            "collected_at_utc",
        ],
    },
    QueryColumns {
        name: "tables",
        required: &[
            "schema_name",
            "table_name",
            "is_heap",
            "row_count",
            "reserved_bytes",
        ],
        optional: &["create_date", "data_bytes"],
    },
    QueryColumns {
        name: "indexes",
        required: &[
            "schema_name",
            "table_name",
            "index_id",
            "index_name",
            "type_desc",
            "is_unique",
            "is_primary_key",
            "is_unique_constraint",
            "is_disabled",
        ],
        optional: &["has_filter", "filter_definition", "reserved_bytes"],
    },
    QueryColumns {
        name: "index_usage",
        required: INDEX_USAGE_REQUIRED,
        optional: INDEX_USAGE_OPTIONAL,
    },
    QueryColumns {
        name: "index_columns",
        required: &[
            "schema_name",
            "table_name",
            "index_name",
            "key_ordinal",
            "column_name",
            "is_included_column",
        ],
        optional: &["index_column_id", "is_descending_key"],
    },
    QueryColumns {
        name: "index_operational",
        required: &[
            "schema_name",
            "table_name",
            "index_id",
            "forwarded_fetch_count",
        ],
        optional: &[
            "row_lock_wait_count",
            "row_lock_wait_ms",
            "page_lock_wait_count",
            "page_lock_wait_ms",
        ],
    },
    QueryColumns {
        name: "foreign_keys",
        required: &[
            "schema_name",
            "table_name",
            "constraint_name",
            "constraint_column_id",
            "column_name",
            "referenced_schema",
            "referenced_table",
        ],
        optional: &["referenced_column"],
    },
    QueryColumns {
        name: "statistics",
        required: &[
            "schema_name",
            "table_name",
            "stats_name",
            "stats_column_id",
            "column_name",
            "last_updated",
            "row_count",
            "modification_counter",
        ],
        optional: &["auto_created", "rows_sampled"],
    },
    QueryColumns {
        name: "column_stats",
        required: &[
            "schema_name",
            "table_name",
            "column_name",
            "distinct_values",
        ],
        optional: &["null_rows", "row_count"],
    },
    QueryColumns {
        name: "missing_indexes",
        required: &[
            "schema_name",
            "table_name",
            "equality_columns",
            "inequality_columns",
            "included_columns",
            "user_seeks",
            "user_scans",
            "avg_total_user_cost",
            "avg_user_impact",
        ],
        optional: &[
            "database_name",
            "group_handle",
            "unique_compiles",
            "last_user_seek",
            "last_user_scan",
        ],
    },
    QueryColumns {
        name: "missing_index_queries",
        required: &["group_handle", "query_text"],
        optional: &["query_hash", "query_requests"],
    },
    QueryColumns {
        name: "procedure_stats",
        required: &[
            "schema_name",
            "procedure_name",
            "execution_count",
            "total_elapsed_time_us",
            "total_worker_time_us",
            "total_logical_reads",
        ],
        optional: &[
            "cached_time",
            "last_execution_time",
            "total_logical_writes",
            "total_physical_reads",
        ],
    },
    QueryColumns {
        name: "query_stats",
        required: &[
            "query_hash",
            "statement_text",
            "execution_count",
            "total_elapsed_time_us",
        ],
        optional: &[
            "object_schema",
            "object_name",
            "creation_time",
            "last_execution_time",
            "total_worker_time_us",
            "total_logical_reads",
            "total_physical_reads",
            "total_rows",
            "min_elapsed_time_us",
            "max_elapsed_time_us",
            "min_rows",
            "max_rows",
        ],
    },
    QueryColumns {
        name: "sessions",
        required: &["application_name", "state", "sessions", "max_connections"],
        optional: &["oldest_xact_seconds", "oldest_state_seconds"],
    },
];

/// Statistics younger than this are too young to judge usage by (one day).
const YOUNG_SECONDS: f64 = 86_400.0;
/// The missing-index DMVs keep at most this many index groups, server-wide.
const MISSING_INDEX_CAP: usize = 600;

/// Turns the query results of one collection or export into a snapshot.
pub fn from_raw(raw: RawSnapshot) -> Result<Snapshot> {
    let RawSnapshot {
        manifest,
        mut tables,
    } = raw;
    // Statement texts are scrubbed here too, so a hand-made export or an old collection
    // never carries a password further.
    for table in tables.values_mut() {
        table.scrub_secrets();
    }
    let mut snapshot = Snapshot {
        manifest: Manifest {
            schema_version: SNAPSHOT_SCHEMA_VERSION,
            dbaudit_version: env!("CARGO_PKG_VERSION").to_string(),
            engine: ENGINE_MSSQL.to_string(),
            ..manifest
        },
        ..Snapshot::default()
    };
    let mut notes = std::mem::take(&mut snapshot.manifest.notes);
    // Exports of indexes.sql from before index_usage.sql was split out have the usage
    // columns in indexes.csv: they are read from there (errors name indexes.csv).
    let legacy_usage = !tables.contains_key("index_usage")
        && tables
            .get("indexes")
            .is_some_and(|t| t.column("user_seeks").is_some());
    for spec in QUERY_COLUMNS {
        let read_elsewhere = spec.name == "index_usage" && legacy_usage;
        if !tables.contains_key(spec.name)
            && !read_elsewhere
            && !notes.iter().any(|n| n.check == spec.name)
        {
            let version = crate::engine::queries::MSSQL_QUERIES
                .iter()
                .find(|(name, _)| *name == spec.name)
                .and_then(|(_, sql)| crate::engine::queries::required_major_version(sql))
                .map_or(String::new(), |v| {
                    format!(" (it needs SQL Server major version {v} or later)")
                });
            notes.push(Note {
                check: spec.name.to_string(),
                message: format!(
                    "`{0}` was not collected (queries/mssql/{0}.sql, exported as {0}.csv){version}: the checks that need it did not run",
                    spec.name
                ),
            });
        }
    }
    let reader = |name: &'static str| -> Result<Option<Reader<'_>>> {
        match tables.get(name) {
            Some(table) => Reader::new(spec_of(name)?, table).map(Some),
            None => Ok(None),
        }
    };

    // The server row first: every age is measured from its collection time.
    let mut clock = Clock::default();
    if let Some(server) = reader("server")? {
        let uptime = match tables.get("uptime") {
            Some(table) => Some(Reader::new(&UPTIME_COLUMNS, table)?),
            None => None,
        };
        import_server(
            &server,
            uptime.as_ref(),
            &mut snapshot.manifest,
            &mut clock,
            &mut notes,
        )?;
    }
    if let Some(rows) = reader("tables")? {
        snapshot.tables = import_tables(&rows)?;
    }
    let mut index_ids = IndexIds::new();
    if let Some(rows) = reader("indexes")? {
        (snapshot.indexes, index_ids) = import_indexes(&rows)?;
    }
    let usage = match (reader("index_usage")?, tables.get("indexes")) {
        (Some(rows), _) => Some(rows),
        (None, Some(indexes)) if legacy_usage => Some(Reader::new(&LEGACY_INDEX_USAGE, indexes)?),
        _ => None,
    };
    if let Some(rows) = usage {
        import_index_usage(&rows, &index_ids, &mut snapshot)?;
    } else if !snapshot.indexes.is_empty() {
        notes.push(Note {
            check: "index_usage".into(),
            message: "index usage (sys.dm_db_index_usage_stats, VIEW SERVER STATE) was not read: the index list is complete, but unused-index, write-heavy-index and scan-heavy-table did not judge any index or table".into(),
        });
    }
    if let Some(rows) = reader("index_columns")? {
        snapshot.index_columns = import_index_columns(&rows)?;
    }
    if let Some(rows) = reader("index_operational")? {
        import_operational(&rows, &index_ids, &mut snapshot)?;
    }
    if let Some(table) = tables.get("foreign_keys") {
        snapshot.foreign_keys = if is_joined_format(table) {
            notes.push(joined_names_note("foreign_keys", "a key"));
            import_joined_foreign_keys(&Reader::new(&LEGACY_FOREIGN_KEYS, table)?)
        } else {
            import_foreign_keys(&Reader::new(spec_of("foreign_keys")?, table)?, &mut notes)?
        };
    }
    if let Some(table) = tables.get("statistics") {
        snapshot.statistics = if is_joined_format(table) {
            notes.push(joined_names_note("statistics", "a statistic"));
            import_joined_statistics(&Reader::new(&LEGACY_STATISTICS, table)?, &clock)?
        } else {
            import_statistics(
                &Reader::new(spec_of("statistics")?, table)?,
                &clock,
                &mut notes,
            )?
        };
        notes.extend(statistics_without_properties(
            &snapshot.statistics,
            &snapshot.tables,
        ));
    }
    if let Some(rows) = reader("column_stats")? {
        snapshot.column_stats = import_column_stats(&rows)?;
    }
    if let Some(rows) = reader("missing_indexes")? {
        snapshot.missing_indexes = import_missing_indexes(&rows)?;
        if snapshot.missing_indexes.len() >= MISSING_INDEX_CAP {
            notes.push(Note {
                check: "missing_indexes".into(),
                message: format!(
                    "{} missing-index rows: the DMVs keep at most {MISSING_INDEX_CAP} server-wide, so requests beyond them were not recorded",
                    snapshot.missing_indexes.len()
                ),
            });
        }
    }
    if let Some(rows) = reader("missing_index_queries")? {
        attach_missing_index_queries(&rows, &mut snapshot.missing_indexes)?;
    }
    if let Some(rows) = reader("procedure_stats")? {
        snapshot.procedures = merge_cached_plans(import_procedures(&rows, &clock)?);
    }
    if let Some(rows) = reader("query_stats")? {
        snapshot.statements = import_statements(&rows, &clock)?;
        if !rows.has_column("total_rows") {
            notes.push(Note {
                check: "query_stats".into(),
                message: "query_stats has no total_rows column (SQL Server before 2008 R2, or an older export): over-fetching and caching-candidate did not run".into(),
            });
        }
    }
    if let Some(rows) = reader("sessions")? {
        let (sessions, limit) = import_sessions(&rows)?;
        snapshot.sessions = sessions;
        if let Some(limit) = limit {
            snapshot.settings.push(Setting {
                name: "max_connections".into(),
                setting: limit.to_string(),
                unit: None,
            });
        }
    }
    for index in &mut snapshot.indexes {
        index.definition = index_definition(index, &snapshot.index_columns);
    }
    notes.sort();
    notes.dedup();
    snapshot.manifest.notes = notes;
    Ok(snapshot)
}

/// Reads a directory of SSMS / sqlcmd CSV exports (`<query>.csv` with a header line, as
/// SSMS's "Save Results As" writes them) and imports them.
pub fn read_export_dir(dir: &Path) -> Result<Snapshot> {
    let how = "run `dbaudit queries mssql`, run each query in SSMS or sqlcmd against the database, and save each result with its column headers as <query>.csv (e.g. tables.csv) in one directory";
    if !dir.is_dir() {
        bail!(
            "`{}` is not a directory of SQL Server exports: {how}",
            dir.display()
        );
    }
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot list `{}`", dir.display()))?;
    // File names compared without case: Windows users save `Tables.CSV` as readily.
    let mut files: HashMap<String, std::path::PathBuf> = HashMap::new();
    for entry in entries {
        let path = entry
            .with_context(|| format!("cannot list `{}`", dir.display()))?
            .path();
        if let Some(name) = path.file_name().and_then(|n| n.to_str()) {
            files.insert(name.to_ascii_lowercase(), path);
        }
    }
    let mut raw = RawSnapshot {
        manifest: Manifest {
            source: dir.display().to_string(),
            ..Manifest::default()
        },
        tables: BTreeMap::new(),
    };
    let mut empty = 0;
    for spec in QUERY_COLUMNS {
        if let Some(path) = files.get(&format!("{}.csv", spec.name)) {
            match read_export_csv(path)? {
                Some(table) => {
                    raw.tables.insert(spec.name.to_string(), table);
                }
                // A 0-byte file is a query that was not exported, like a missing one.
                None => {
                    empty += 1;
                    raw.manifest.notes.push(Note {
                        check: spec.name.to_string(),
                        message: format!(
                            "{} is empty (not even a header line): `{}` was not collected (queries/mssql/{}.sql), so the checks that need it did not run",
                            path.display(),
                            spec.name,
                            spec.name
                        ),
                    });
                }
            }
        }
    }
    if raw.tables.is_empty() && empty == 0 {
        bail!(
            "`{}` holds none of the expected exports ({}): {how}",
            dir.display(),
            QUERY_COLUMNS
                .iter()
                .map(|q| format!("{}.csv", q.name))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    // The start time from sys.dm_os_sys_info, when the DBA could export it (an empty
    // file is the same as none: the start time then comes from server.csv, or a note).
    if let Some(path) = files.get(&format!("{}.csv", UPTIME_COLUMNS.name)) {
        if let Some(table) = read_export_csv(path)? {
            raw.tables.insert(UPTIME_COLUMNS.name.to_string(), table);
        }
    }
    from_raw(raw)
}

/// One exported result: a BOM, UTF-16, CRLF, `NULL` as text, sqlcmd's padding and its
/// dashes line under the header are accepted. None for an empty file (no header line).
fn read_export_csv(path: &Path) -> Result<Option<RawTable>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read `{}`", path.display()))?;
    let text = crate::source::decode(&bytes)
        .map_err(|why| super::undecodable(path, &bytes, why))?
        .text;
    if text.trim().is_empty() {
        return Ok(None);
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let columns: Vec<String> = reader
        .headers()
        .with_context(|| format!("{}: cannot read the header line", path.display()))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            // From the byte offset: after a CRLF line end (SSMS writes them) the reader
            // places a record at the end's `\n` and counts its lines one short.
            let line = e.position().map_or(0, |p| {
                let bytes = text.as_bytes();
                let mut at = usize::try_from(p.byte()).unwrap_or(usize::MAX).min(bytes.len());
                if bytes.get(at) == Some(&b'\n') {
                    at += 1;
                }
                bytes[..at].iter().filter(|b| **b == b'\n').count() + 1
            });
            // The reader's own text repeats its (CRLF-short) line number.
            let what = match e.kind() {
                csv::ErrorKind::UnequalLengths {
                    expected_len, len, ..
                } => format!("{len} cells where the header has {expected_len} columns"),
                _ => e.to_string(),
            };
            anyhow!(
                "{}: line {line}: {what} (expected the {} columns of the header: {}). A value holding a comma or a line break must be in double quotes: in SSMS, tick Tools > Options > Query Results > SQL Server > Results to Grid > \"Quote strings containing list separators when saving .csv results\" and save the result again",
                path.display(),
                columns.len(),
                columns.join(", ")
            )
        })?;
        let is_dashes = record
            .iter()
            .all(|f| !f.trim().is_empty() && f.trim().chars().all(|c| c == '-'));
        if is_dashes {
            continue;
        }
        rows.push(
            record
                .iter()
                .map(|f| {
                    let f = f.trim();
                    (!f.is_empty() && f != "NULL").then(|| f.to_string())
                })
                .collect(),
        );
    }
    Ok(Some(RawTable { columns, rows }))
}

fn spec_of(name: &str) -> Result<&'static QueryColumns> {
    QUERY_COLUMNS
        .iter()
        .find(|q| q.name == name)
        .ok_or_else(|| anyhow!("internal: no column list for the query `{name}`"))
}

/// A query result with its columns located.
struct Reader<'a> {
    spec: &'static QueryColumns,
    table: &'a RawTable,
    positions: HashMap<&'static str, usize>,
}

impl<'a> Reader<'a> {
    fn new(spec: &'static QueryColumns, table: &'a RawTable) -> Result<Reader<'a>> {
        let mut positions = HashMap::new();
        for column in spec.required.iter().chain(spec.optional) {
            if let Some(at) = table.column(column) {
                positions.insert(*column, at);
            }
        }
        let missing: Vec<&str> = spec
            .required
            .iter()
            .copied()
            .filter(|c| !positions.contains_key(c))
            .collect();
        if !missing.is_empty() {
            bail!(
                "`{0}` (queries/mssql/{0}.sql, {0}.csv) lacks the column(s) {1}; it has: {2}. Re-run the query from `dbaudit queries mssql` unchanged and save it with column headers (SSMS: Tools > Options > Query Results > Results to Grid > Include column headers)",
                spec.name,
                missing.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", "),
                table.columns.join(", ")
            );
        }
        Ok(Reader {
            spec,
            table,
            positions,
        })
    }

    /// The result has this column (an optional one may be absent from older exports).
    fn has_column(&self, column: &str) -> bool {
        self.positions.contains_key(column)
    }

    fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.table
            .rows
            .iter()
            .enumerate()
            .map(move |(i, cells)| Row {
                reader: self,
                number: i + 1,
                cells,
            })
    }
}

/// One row; cells are read by column name, with errors naming query, row and column.
struct Row<'a> {
    reader: &'a Reader<'a>,
    number: usize,
    cells: &'a [Option<String>],
}

impl Row<'_> {
    fn text(&self, column: &str) -> Option<&str> {
        let at = *self.reader.positions.get(column)?;
        self.cells
            .get(at)
            .and_then(|c| c.as_deref())
            .map(str::trim)
            .filter(|v| !v.is_empty() && *v != "NULL")
    }

    fn string(&self, column: &str) -> String {
        self.text(column).unwrap_or_default().to_string()
    }

    fn error(&self, column: &str, value: &str, expected: &str) -> anyhow::Error {
        anyhow!(
            "`{0}` (queries/mssql/{0}.sql, {0}.csv): row {1}, column `{column}`: `{value}` is not {expected}",
            self.reader.spec.name,
            self.number
        )
    }

    fn int(&self, column: &str) -> Result<Option<i64>> {
        let Some(value) = self.text(column) else {
            return Ok(None);
        };
        // Every integer the queries return is a count, a size, an id or an ordinal.
        let expected = "an integer ≥ 0 (a count, size, id or ordinal)";
        if let Ok(n) = value.parse::<i64>() {
            return if n >= 0 {
                Ok(Some(n))
            } else {
                Err(self.error(column, value, expected))
            };
        }
        // Exports may write a whole number as `12.0` or `1.2E+4`.
        match value.parse::<f64>() {
            Ok(f) if f.is_finite() && f.fract() == 0.0 && (0.0..9.0e18).contains(&f) => {
                Ok(Some(f as i64))
            }
            _ => Err(self.error(column, value, expected)),
        }
    }

    fn int_or_zero(&self, column: &str) -> Result<i64> {
        Ok(self.int(column)?.unwrap_or(0))
    }

    fn float(&self, column: &str) -> Result<Option<f64>> {
        let Some(value) = self.text(column) else {
            return Ok(None);
        };
        // Times, costs, impacts and row counts: none can be negative, NaN or infinite.
        match value.parse::<f64>() {
            Ok(f) if f.is_finite() && f >= 0.0 => Ok(Some(f)),
            _ => Err(self.error(column, value, "a finite number ≥ 0")),
        }
    }

    /// A percentage (0-100), e.g. `avg_user_impact`.
    fn percent(&self, column: &str) -> Result<Option<f64>> {
        match self.float(column)? {
            Some(p) if p > 100.0 => {
                Err(self.error(column, &p.to_string(), "a percentage from 0 to 100"))
            }
            other => Ok(other),
        }
    }

    fn flag(&self, column: &str) -> Result<bool> {
        match self.text(column) {
            None => Ok(false),
            Some(v) if v == "1" || v.eq_ignore_ascii_case("true") => Ok(true),
            Some(v) if v == "0" || v.eq_ignore_ascii_case("false") => Ok(false),
            Some(v) => Err(self.error(column, v, "a bit (0/1 or true/false)")),
        }
    }

    fn datetime(&self, column: &str) -> Result<Option<DateTime>> {
        let Some(value) = self.text(column) else {
            return Ok(None);
        };
        DateTime::parse(value)
            .map(Some)
            .ok_or_else(|| self.error(column, value, "a date and time (YYYY-MM-DD HH:MM:SS)"))
    }
}

/// A SQL Server date and time as ISO 8601 text, with seconds for differences.
#[derive(Debug, Clone, PartialEq)]
pub struct DateTime {
    /// `YYYY-MM-DDTHH:MM:SS[.fff]`.
    pub text: String,
    /// Seconds since 1970-01-01 (the zone as given; SQL Server's are server-local).
    pub seconds: f64,
}

impl DateTime {
    /// Accepts `YYYY-MM-DD`, then `T` or a space and `HH:MM[:SS[.fffffff]]`, and an
    /// optional `Z` or `±hh:mm` zone, which is dropped.
    pub fn parse(text: &str) -> Option<DateTime> {
        let text = text.trim();
        let (date, time) = match text.find(['T', ' ']) {
            Some(at) => (&text[..at], text[at + 1..].trim()),
            None => (text, "00:00:00"),
        };
        let mut d = date.split('-');
        let year: i64 = d.next()?.parse().ok()?;
        let month: i64 = d.next()?.parse().ok()?;
        let day: i64 = d.next()?.parse().ok()?;
        if d.next().is_some() || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
            return None;
        }
        let time = time
            .trim_end_matches('Z')
            .split(['+', ' '])
            .next()
            .unwrap_or_default();
        // A negative zone offset: `12:00:00-05:00`.
        let time = match time.rfind('-') {
            Some(at) => &time[..at],
            None => time,
        };
        let (clock, fraction) = match time.split_once('.') {
            Some((c, f)) => (c, Some(f)),
            None => (time, None),
        };
        let mut t = clock.split(':');
        let hour: i64 = t.next()?.parse().ok()?;
        let minute: i64 = t.next()?.parse().ok()?;
        let second: i64 = t.next().map_or(Some(0), |s| s.parse().ok())?;
        if t.next().is_some() || hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        let millis = match fraction {
            Some(f) if f.chars().all(|c| c.is_ascii_digit()) && !f.is_empty() => {
                let padded: String = f.chars().chain("000".chars()).take(3).collect();
                Some(padded.parse::<i64>().ok()?)
            }
            Some(_) => return None,
            None => None,
        };
        let seconds =
            (days_from_civil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second)
                as f64
                + millis.unwrap_or(0) as f64 / 1000.0;
        let mut normal = format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}");
        if let Some(ms) = millis {
            normal.push_str(&format!(".{ms:03}"));
        }
        Some(DateTime {
            text: normal,
            seconds,
        })
    }
}

impl DateTime {
    /// The date and time `seconds` after 1970-01-01 (to the millisecond).
    fn from_seconds(seconds: f64) -> DateTime {
        let millis = (seconds * 1000.0).round() as i64;
        let (days, in_day) = (millis.div_euclid(86_400_000), millis.rem_euclid(86_400_000));
        let (year, month, day) = civil_from_days(days);
        let second = in_day / 1000;
        DateTime {
            text: format!(
                "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}",
                second / 3600,
                second / 60 % 60,
                second % 60,
                in_day % 1000
            ),
            seconds: millis as f64 / 1000.0,
        }
    }
}

/// (year, month, day) of a day count since 1970-01-01 (Howard Hinnant's algorithm).
pub(crate) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The collection time, for ages (server-local, as the DMVs' own times are).
#[derive(Default)]
struct Clock {
    now: Option<f64>,
}

impl Clock {
    fn age(&self, then: Option<&DateTime>) -> Option<f64> {
        Some((self.now? - then?.seconds).max(0.0))
    }
}

/// The server row (server.csv), and the start time: from `sys.dm_os_sys_info` when the
/// export has uptime.csv (queries/mssql/uptime.sql), else tempdb's creation date from the
/// server row (tempdb is rebuilt at every start), else what the collector found; the
/// collector tries them in the same order. Without any, a note says the counters cannot be
/// dated (unused-index then does not run, and missing-index benefits are a guess).
fn import_server(
    rows: &Reader<'_>,
    uptime: Option<&Reader<'_>>,
    manifest: &mut Manifest,
    clock: &mut Clock,
    notes: &mut Vec<Note>,
) -> Result<()> {
    let Some(row) = rows.rows().next() else {
        return Ok(());
    };
    let version = row.string("product_version");
    let mut parts = version.split('.').map(|p| p.parse::<i64>().unwrap_or(0));
    let major = parts.next().unwrap_or(0);
    let build = parts.nth(1).unwrap_or(0);
    manifest.server_version = match row.text("edition") {
        Some(edition) => format!("{version} ({edition})"),
        None => version.clone(),
    };
    manifest.server_version_num = major * 10_000 + build;
    if manifest.database.is_empty() {
        manifest.database = row.string("database_name");
    }
    let local_now = row.datetime("collected_at")?;
    let utc_now = row.datetime("collected_at_utc")?;
    manifest.collected_at = match (&utc_now, &local_now) {
        (Some(utc), _) => format!("{}Z", utc.text),
        (None, Some(local)) => local.text.clone(),
        (None, None) => manifest.collected_at.clone(),
    };
    clock.now = local_now.as_ref().or(utc_now.as_ref()).map(|d| d.seconds);
    // Ages are kept on the server's local clock, as its other dates are.
    let from_sys_info = match uptime.and_then(|u| u.rows().next()) {
        Some(up) => {
            let started_utc = up.datetime("server_started")?;
            let age = match (&utc_now, &started_utc) {
                (Some(now), Some(started)) => Some((now.seconds - started.seconds).max(0.0)),
                _ => up.float("uptime_seconds")?,
            };
            age.zip(clock.now)
                .map(|(age, now)| (DateTime::from_seconds(now - age), age))
        }
        None => None,
    };
    let from_tempdb = row
        .datetime("sqlserver_start_time")?
        .and_then(|started| Some((started.clone(), clock.age(Some(&started))?)));
    if let Some((started, age)) = from_sys_info.or(from_tempdb) {
        manifest.server_started = Some(started.text);
        manifest.stats_reset = manifest.server_started.clone();
        manifest.stats_age_seconds = Some(age);
    } else if manifest.stats_age_seconds.is_none() {
        // A user database of Azure SQL Database does not see tempdb, and uptime.csv
        // (sys.dm_os_sys_info) was not exported or could not be read.
        let azure = row.int("engine_edition")? == Some(5);
        let cause = if azure {
            "this is Azure SQL Database (EngineEdition 5), where a user database does not see tempdb, and uptime.csv (queries/mssql/uptime.sql, sys.dm_os_sys_info) is not in the export"
        } else {
            "sqlserver_start_time is empty and uptime.csv (queries/mssql/uptime.sql, sys.dm_os_sys_info) is not in the export"
        };
        notes.push(Note {
            check: "server".into(),
            message: format!(
                "the server's start time is unknown ({cause}): usage, missing-index and procedure counters cannot be dated, so unused-index was not run and missing-index benefits per day are a guess (the counters taken as one day's, or the table's age). Export uptime.csv too: it needs VIEW DATABASE STATE on Azure SQL Database (VIEW SERVER STATE elsewhere)"
            ),
        });
    }
    if let Some(uptime) = manifest.stats_age_seconds.filter(|s| *s < YOUNG_SECONDS) {
        notes.push(Note {
            check: "server".into(),
            message: format!(
                "the server started {:.1} hours before the collection: usage, missing-index and procedure counters reset at restart, so they are too young to judge by",
                uptime / 3_600.0
            ),
        });
    }
    Ok(())
}

fn import_tables(rows: &Reader<'_>) -> Result<Vec<TableStat>> {
    rows.rows()
        .map(|row| {
            let created = row.datetime("create_date")?;
            let reserved = row.int_or_zero("reserved_bytes")?;
            Ok(TableStat {
                schema: row.string("schema_name"),
                name: row.string("table_name"),
                live_rows: row.int_or_zero("row_count")?,
                table_bytes: row.int("data_bytes")?.unwrap_or(reserved),
                total_bytes: reserved,
                is_heap: Some(row.flag("is_heap")?),
                created_at: created.map(|d| d.text),
                ..TableStat::default()
            })
        })
        .collect()
}

/// Indexes (heaps, index_id 0, are a table property). Their usage comes from index_usage:
/// until it is read, an index's `user_*` counters are unknown (None), and the rules that
/// judge usage leave it alone.
fn import_indexes(rows: &Reader<'_>) -> Result<(Vec<IndexStat>, IndexIds)> {
    let mut ids = IndexIds::new();
    let mut indexes = Vec::new();
    for row in rows.rows() {
        let schema = row.string("schema_name");
        let table = row.string("table_name");
        let index_id = row.int_or_zero("index_id")?;
        if index_id == 0 {
            continue;
        }
        ids.insert(
            (schema.clone(), table.clone(), index_id),
            row.string("index_name"),
        );
        let is_primary = row.flag("is_primary_key")?;
        let has_filter = row.flag("has_filter")? || row.text("filter_definition").is_some();
        indexes.push(IndexStat {
            schema,
            table,
            name: row.string("index_name"),
            access_method: row
                .string("type_desc")
                .to_ascii_lowercase()
                .replace('_', " "),
            is_unique: row.flag("is_unique")?,
            is_primary,
            is_valid: !row.flag("is_disabled")?,
            is_constraint: is_primary || row.flag("is_unique_constraint")?,
            definition: String::new(),
            predicate: if has_filter {
                row.text("filter_definition").map(str::to_string)
            } else {
                None
            },
            idx_scan: 0,
            idx_tup_read: 0,
            idx_tup_fetch: 0,
            bytes: row.int_or_zero("reserved_bytes")?,
            user_seeks: None,
            user_scans: None,
            user_lookups: None,
            user_updates: None,
            last_user_seek: None,
            last_user_scan: None,
            last_user_lookup: None,
            last_user_update: None,
            row_lock_waits: None,
            page_lock_waits: None,
        });
    }
    Ok((indexes, ids))
}

/// Index usage, and each table's scan counts from its heap or clustered index: scans of
/// the base table count as sequential scans, seeks of any index and scans of nonclustered
/// indexes as index scans.
fn import_index_usage(rows: &Reader<'_>, ids: &IndexIds, snapshot: &mut Snapshot) -> Result<()> {
    let position: HashMap<(String, String), usize> = snapshot
        .tables
        .iter()
        .enumerate()
        .map(|(i, t)| ((t.schema.clone(), t.name.clone()), i))
        .collect();
    for row in rows.rows() {
        let schema = row.string("schema_name");
        let table = row.string("table_name");
        let index_id = row.int_or_zero("index_id")?;
        let seeks = row.int_or_zero("user_seeks")?;
        let scans = row.int_or_zero("user_scans")?;
        let lookups = row.int_or_zero("user_lookups")?;
        let updates = row.int_or_zero("user_updates")?;
        if let Some(&at) = position.get(&(schema.clone(), table.clone())) {
            let t = &mut snapshot.tables[at];
            if index_id <= 1 {
                t.seq_scan += scans;
                t.updates += updates;
                t.idx_scan = Some(t.idx_scan.unwrap_or(0) + seeks);
            } else {
                t.idx_scan = Some(t.idx_scan.unwrap_or(0) + seeks + scans);
            }
        }
        let Some(name) = ids.get(&(schema.clone(), table.clone(), index_id)) else {
            continue;
        };
        let Some(index) = snapshot
            .indexes
            .iter_mut()
            .find(|i| i.schema == schema && i.table == table && &i.name == name)
        else {
            continue;
        };
        index.idx_scan = seeks + scans + lookups;
        index.user_seeks = Some(seeks);
        index.user_scans = Some(scans);
        index.user_lookups = Some(lookups);
        index.user_updates = Some(updates);
        index.last_user_seek = row.datetime("last_user_seek")?.map(|d| d.text);
        index.last_user_scan = row.datetime("last_user_scan")?.map(|d| d.text);
        index.last_user_lookup = row.datetime("last_user_lookup")?.map(|d| d.text);
        index.last_user_update = row.datetime("last_user_update")?.map(|d| d.text);
    }
    // A heap without nonclustered indexes has no index at all (NULL, as PostgreSQL says).
    for t in snapshot.tables.iter_mut() {
        if !snapshot
            .indexes
            .iter()
            .any(|i| i.schema == t.schema && i.table == t.name)
        {
            t.idx_scan = None;
        }
    }
    Ok(())
}

fn import_index_columns(rows: &Reader<'_>) -> Result<Vec<IndexColumn>> {
    // Keys by key_ordinal, then INCLUDE columns in column order.
    let mut read = Vec::new();
    for row in rows.rows() {
        let included = row.flag("is_included_column")?;
        // The partitioning column the engine adds to an index of a partitioned table
        // (key_ordinal 0, not included): not a key the DBA wrote, so not the first key.
        // queries/mssql/index_columns.sql filters it; exports of older versions of the
        // query still have it.
        if !included && row.int_or_zero("key_ordinal")? <= 0 {
            continue;
        }
        read.push((
            (
                row.string("schema_name"),
                row.string("table_name"),
                row.string("index_name"),
            ),
            included,
            row.int_or_zero("key_ordinal")?,
            row.int_or_zero("index_column_id")?,
            row.string("column_name"),
            row.flag("is_descending_key")?,
        ));
    }
    read.sort_by(|a, b| (&a.0, a.1, a.2, a.3).cmp(&(&b.0, b.1, b.2, b.3)));
    let mut out: Vec<IndexColumn> = Vec::with_capacity(read.len());
    for ((schema, table, index), included, _, _, column, descending) in read {
        let position = match out.last() {
            Some(prev) if prev.schema == schema && prev.table == table && prev.index == index => {
                prev.position + 1
            }
            _ => 1,
        };
        out.push(IndexColumn {
            schema,
            table,
            index,
            position,
            column: Some(column),
            expression: None,
            is_key: !included,
            descending,
        });
    }
    Ok(out)
}

/// Index names by (schema, table, index_id): operational stats carry only the id.
type IndexIds = HashMap<(String, String, i64), String>;

fn import_operational(rows: &Reader<'_>, ids: &IndexIds, snapshot: &mut Snapshot) -> Result<()> {
    for row in rows.rows() {
        let schema = row.string("schema_name");
        let table = row.string("table_name");
        let index_id = row.int_or_zero("index_id")?;
        if index_id == 0 {
            let fetches = row.int_or_zero("forwarded_fetch_count")?;
            if let Some(t) = snapshot
                .tables
                .iter_mut()
                .find(|t| t.schema == schema && t.name == table)
            {
                t.forwarded_fetches = Some(t.forwarded_fetches.unwrap_or(0) + fetches);
            }
            continue;
        }
        let Some(name) = ids.get(&(schema.clone(), table.clone(), index_id)) else {
            continue;
        };
        let row_waits = row.int("row_lock_wait_count")?;
        let page_waits = row.int("page_lock_wait_count")?;
        if let Some(index) = snapshot
            .indexes
            .iter_mut()
            .find(|i| i.schema == schema && i.table == table && &i.name == name)
        {
            index.row_lock_waits = row_waits;
            index.page_lock_waits = page_waits;
        }
    }
    Ok(())
}

fn import_column_stats(rows: &Reader<'_>) -> Result<Vec<ColumnStat>> {
    rows.rows()
        .map(|row| {
            let total = row.float("row_count")?.unwrap_or(0.0);
            // Histogram row counts are estimates (real), fractional on sampled statistics.
            let nulls = row.float("null_rows")?.unwrap_or(0.0);
            Ok(ColumnStat {
                schema: row.string("schema_name"),
                table: row.string("table_name"),
                column: row.string("column_name"),
                null_frac: if total > 0.0 { nulls / total } else { 0.0 },
                // Positive: an absolute count (the PostgreSQL convention the model keeps).
                n_distinct: row.float("distinct_values")?.unwrap_or(0.0),
                most_common_freq: None,
                correlation: None,
                true_frac: None,
                false_frac: None,
            })
        })
        .collect()
}

fn import_missing_indexes(rows: &Reader<'_>) -> Result<Vec<MissingIndex>> {
    rows.rows()
        .map(|row| {
            Ok(MissingIndex {
                database: row.string("database_name"),
                schema: row.string("schema_name"),
                table: row.string("table_name"),
                group_handle: row.int_or_zero("group_handle")?,
                equality_columns: row.text("equality_columns").map(str::to_string),
                inequality_columns: row.text("inequality_columns").map(str::to_string),
                included_columns: row.text("included_columns").map(str::to_string),
                unique_compiles: row.int_or_zero("unique_compiles")?,
                user_seeks: row.int_or_zero("user_seeks")?,
                user_scans: row.int_or_zero("user_scans")?,
                avg_total_user_cost: row.float("avg_total_user_cost")?.unwrap_or(0.0),
                avg_user_impact: row.percent("avg_user_impact")?.unwrap_or(0.0),
                last_user_seek: row.datetime("last_user_seek")?.map(|d| d.text),
                query_text: None,
            })
        })
        .collect()
}

fn attach_missing_index_queries(rows: &Reader<'_>, missing: &mut [MissingIndex]) -> Result<()> {
    for row in rows.rows() {
        let group = row.int_or_zero("group_handle")?;
        let Some(text) = row.text("query_text") else {
            continue;
        };
        for m in missing.iter_mut().filter(|m| m.group_handle == group) {
            m.query_text = Some(text.to_string());
        }
    }
    Ok(())
}

/// Statistics whose properties came back NULL (`sys.dm_db_stats_properties` returns
/// nothing without SELECT on the table's columns, ownership, db_owner or db_ddladmin) on
/// tables that have rows: stale-statistics cannot judge them, which the note says (it
/// makes the indexing category partial instead of silently clean). Statistics of empty
/// tables have no properties either and are not counted.
fn statistics_without_properties(
    statistics: &[StatisticsStat],
    tables: &[TableStat],
) -> Option<Note> {
    let blind: Vec<&StatisticsStat> = statistics
        .iter()
        .filter(|s| {
            s.last_updated.is_none() && s.rows.is_none() && s.modification_counter.is_none()
        })
        .filter(|s| {
            tables
                .iter()
                .find(|t| t.schema == s.schema && t.name == s.table)
                .is_none_or(|t| t.live_rows > 0)
        })
        .collect();
    if blind.is_empty() {
        return None;
    }
    let mut tables_named: Vec<String> = blind
        .iter()
        .map(|s| crate::engine::mssql::qualified(&s.schema, &s.table))
        .collect();
    tables_named.dedup();
    let mut grants: Vec<String> = blind
        .iter()
        .map(|s| {
            format!(
                "GRANT SELECT ON SCHEMA::{} TO [audit user];",
                crate::engine::mssql::quote_ident(&s.schema)
            )
        })
        .collect();
    grants.sort();
    grants.dedup();
    let shown = tables_named.len().min(5);
    let more = if tables_named.len() > shown {
        format!(" and {} more", tables_named.len() - shown)
    } else {
        String::new()
    };
    Some(Note {
        check: "statistics".into(),
        message: format!(
            "{} of {} statistics returned no properties (sys.dm_db_stats_properties gave NULL last update, rows and modifications), on {}{more}: the audit user needs SELECT on those tables' columns (or ownership, db_owner or db_ddladmin) to read them, so stale-statistics could not judge them and column selectivity is missing for them. Fix: {}",
            blind.len(),
            statistics.len(),
            tables_named[..shown].join(", "),
            grants.join(" ")
        ),
    })
}

/// One row per procedure: `sys.dm_exec_procedure_stats` has one per cached plan, and
/// queries/mssql/procedure_stats.sql sums them, but exports of older versions of the query
/// still have a row per plan. Counts and times add up; the oldest cached time and the
/// latest execution are kept.
fn merge_cached_plans(rows: Vec<ProcedureStat>) -> Vec<ProcedureStat> {
    let mut merged: Vec<ProcedureStat> = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(into) = merged
            .iter_mut()
            .find(|p| p.schema == row.schema && p.name == row.name)
        else {
            merged.push(row);
            continue;
        };
        into.execution_count += row.execution_count;
        into.total_elapsed_ms += row.total_elapsed_ms;
        into.total_worker_ms += row.total_worker_ms;
        into.total_logical_reads += row.total_logical_reads;
        into.total_logical_writes += row.total_logical_writes;
        into.total_physical_reads += row.total_physical_reads;
        // The oldest plan: the counters of the sum span from its cached time.
        if row.cached_seconds > into.cached_seconds {
            into.cached_seconds = row.cached_seconds;
            into.cached_time = row.cached_time;
        }
        if row.last_execution_time > into.last_execution_time {
            into.last_execution_time = row.last_execution_time;
        }
    }
    merged
}

fn import_procedures(rows: &Reader<'_>, clock: &Clock) -> Result<Vec<ProcedureStat>> {
    rows.rows()
        .map(|row| {
            let cached = row.datetime("cached_time")?;
            Ok(ProcedureStat {
                schema: row.string("schema_name"),
                name: row.string("procedure_name"),
                execution_count: row.int_or_zero("execution_count")?,
                total_elapsed_ms: micros_to_ms(row.float("total_elapsed_time_us")?),
                total_worker_ms: micros_to_ms(row.float("total_worker_time_us")?),
                total_logical_reads: row.int_or_zero("total_logical_reads")?,
                total_logical_writes: row.int_or_zero("total_logical_writes")?,
                total_physical_reads: row.int_or_zero("total_physical_reads")?,
                cached_seconds: clock.age(cached.as_ref()),
                cached_time: cached.map(|d| d.text),
                last_execution_time: row.datetime("last_execution_time")?.map(|d| d.text),
            })
        })
        .collect()
}

/// Session groups, and the server's connection limit (the same on every row).
fn import_sessions(rows: &Reader<'_>) -> Result<(Vec<SessionGroup>, Option<i64>)> {
    let mut limit = None;
    let mut groups = Vec::new();
    for row in rows.rows() {
        limit = limit.or(row.int("max_connections")?);
        let mut application = row.string("application_name");
        // Set by the client: a connection string pasted there would carry its password.
        crate::model::secrets::scrub_value_in_place(&mut application);
        groups.push(SessionGroup {
            application,
            state: row.string("state"),
            sessions: row.int_or_zero("sessions")?,
            oldest_xact_seconds: row.float("oldest_xact_seconds")?,
            oldest_state_seconds: row.float("oldest_state_seconds")?,
        });
    }
    Ok((groups, limit))
}

fn import_statements(rows: &Reader<'_>, clock: &Clock) -> Result<Vec<StatementStat>> {
    rows.rows()
        .map(|row| {
            let calls = row.int_or_zero("execution_count")?;
            let total = micros_to_ms(row.float("total_elapsed_time_us")?);
            let object = match (row.text("object_schema"), row.text("object_name")) {
                (Some(schema), Some(name)) => Some(format!("{schema}.{name}")),
                (None, Some(name)) => Some(name.to_string()),
                _ => None,
            };
            Ok(StatementStat {
                queryid: row.string("query_hash"),
                query: row.string("statement_text"),
                calls,
                total_time_ms: total,
                mean_time_ms: if calls > 0 { total / calls as f64 } else { 0.0 },
                rows: row.int_or_zero("total_rows")?,
                shared_blks_hit: 0,
                shared_blks_read: row.int_or_zero("total_physical_reads")?,
                logical_reads: row.int("total_logical_reads")?,
                worker_time_ms: row
                    .float("total_worker_time_us")?
                    .map(|us| micros_to_ms(Some(us))),
                object,
                role: None,
                min_time_ms: row.float("min_elapsed_time_us")?.map(|us| us / 1000.0),
                max_time_ms: row.float("max_elapsed_time_us")?.map(|us| us / 1000.0),
                stddev_time_ms: None,
                window_seconds: clock.age(row.datetime("creation_time")?.as_ref()),
                min_rows: row.int("min_rows")?,
                max_rows: row.int("max_rows")?,
            })
        })
        .collect()
}

fn micros_to_ms(micros: Option<f64>) -> f64 {
    micros.unwrap_or(0.0) / 1000.0
}

/// The index as `CREATE INDEX` text, for the evidence and to restore a dropped index.
fn index_definition(index: &IndexStat, columns: &[IndexColumn]) -> String {
    let mut mine: Vec<&IndexColumn> = columns
        .iter()
        .filter(|c| c.schema == index.schema && c.table == index.table && c.index == index.name)
        .collect();
    mine.sort_by_key(|c| c.position);
    let mut key = Vec::new();
    let mut include = Vec::new();
    for c in mine {
        let name = c.column.as_deref().unwrap_or_default();
        if c.is_key {
            key.push(crate::engine::mssql::KeyColumn {
                name,
                descending: c.descending,
            });
        } else {
            include.push(name.to_string());
        }
    }
    crate::engine::mssql::index_definition(&crate::engine::mssql::ExistingIndex {
        unique: index.is_unique,
        kind: &index.access_method,
        name: &index.name,
        schema: &index.schema,
        table: &index.table,
        key,
        include,
        filter: index.predicate.as_deref(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_as_ssms_sqlcmd_and_the_collector_write_them() {
        let ssms = DateTime::parse("2026-11-20 12:00:00.0000000").unwrap();
        assert_eq!(ssms.text, "2026-11-20T12:00:00.000");
        let iso = DateTime::parse("2026-11-20T12:00:00").unwrap();
        assert_eq!(iso.text, "2026-11-20T12:00:00");
        assert_eq!(ssms.seconds, iso.seconds);
        let offset = DateTime::parse("2026-11-20 12:00:00.5 -05:00").unwrap();
        assert_eq!(offset.seconds - iso.seconds, 0.5, "the zone is dropped");
        let day = DateTime::parse("2026-11-21").unwrap();
        assert_eq!(day.seconds - iso.seconds, 12.0 * 3600.0);
        assert_eq!(DateTime::parse("1970-01-01T00:00:00").unwrap().seconds, 0.0);
        for bad in [
            "yesterday",
            "2026-13-01",
            "2026-11-20 25:00:00",
            "2026-11-20 12:00:00.x",
        ] {
            assert!(DateTime::parse(bad).is_none(), "{bad}");
        }
    }
}
