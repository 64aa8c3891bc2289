//! Snapshot <-> directory of CSV files plus `manifest.json`. Reading accepts what
//! SSMS / psql exports contain: a UTF-8 BOM, CRLF line ends, `NULL` written as text.
//! A malformed file fails with the file, line and column named; a missing or empty (0-byte)
//! file is a note in the manifest (its checks did not run), never a silent gap. Numbers
//! must be finite and within what the column can hold (`allowed_range`), the engine one
//! dbaudit knows, and statement texts are scrubbed of secrets (`model::secrets`) as they
//! are read, so an old or hand-made snapshot carries no password further.

pub mod mssql;
pub mod raw;

use std::fs::File;
use std::io::{BufWriter, Read};
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::model::snapshot::{Note, Snapshot, ENGINE_MSSQL, SNAPSHOT_SCHEMA_VERSION};

pub const MANIFEST: &str = "manifest.json";

/// The kinds (CSV files without `.csv`) a PostgreSQL snapshot has.
const POSTGRES_KINDS: [&str; 16] = [
    "database",
    "tables",
    "indexes",
    "index_columns",
    "columns",
    "column_stats",
    "foreign_keys",
    "statements",
    "functions",
    "sequences",
    "settings",
    "verifications",
    "sessions",
    "views",
    "workload_set",
    "workload_plans",
];

/// The engines a manifest may name.
const KNOWN_ENGINES: [&str; 2] = ["postgresql", ENGINE_MSSQL];

/// The kinds a SQL Server snapshot has.
const MSSQL_KINDS: [&str; 10] = [
    "tables",
    "indexes",
    "index_columns",
    "column_stats",
    "foreign_keys",
    "statements",
    "missing_indexes",
    "procedures",
    "statistics",
    "sessions",
];

/// Writes the snapshot into `dir` (created if needed).
pub fn write(snapshot: &Snapshot, dir: &Path) -> Result<()> {
    write_manifest(&snapshot.manifest, dir)?;
    write_csv(dir, "database.csv", &snapshot.database)?;
    write_csv(dir, "tables.csv", &snapshot.tables)?;
    write_csv(dir, "indexes.csv", &snapshot.indexes)?;
    write_csv(dir, "index_columns.csv", &snapshot.index_columns)?;
    write_csv(dir, "columns.csv", &snapshot.columns)?;
    write_csv(dir, "column_stats.csv", &snapshot.column_stats)?;
    write_csv(dir, "foreign_keys.csv", &snapshot.foreign_keys)?;
    write_csv(dir, "statements.csv", &snapshot.statements)?;
    write_csv(dir, "functions.csv", &snapshot.functions)?;
    write_csv(dir, "sequences.csv", &snapshot.sequences)?;
    write_csv(dir, "settings.csv", &snapshot.settings)?;
    write_csv(dir, "verifications.csv", &snapshot.verifications)?;
    write_csv(dir, "missing_indexes.csv", &snapshot.missing_indexes)?;
    write_csv(dir, "procedures.csv", &snapshot.procedures)?;
    write_csv(dir, "statistics.csv", &snapshot.statistics)?;
    write_csv(dir, "sessions.csv", &snapshot.sessions)?;
    write_csv(dir, "views.csv", &snapshot.views)?;
    write_csv(dir, "workload_set.csv", &snapshot.workload_set)?;
    write_csv(dir, "workload_plans.csv", &snapshot.workload_plans)?;
    Ok(())
}

/// Creates `dir` if needed and writes `manifest.json` into it.
pub fn write_manifest(manifest: &crate::model::snapshot::Manifest, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the snapshot directory `{}`", dir.display()))?;
    let text = serde_json::to_string_pretty(manifest)?;
    std::fs::write(dir.join(MANIFEST), text + "\n")
        .with_context(|| format!("cannot write `{}`", dir.join(MANIFEST).display()))
}

/// Reads a snapshot directory written by `write` (or exported by hand).
pub fn read(dir: &Path) -> Result<Snapshot> {
    if !dir.is_dir() {
        bail!(
            "`{}` is not a snapshot directory (expected manifest.json and CSV files, as written by `dbaudit collect --out DIR`)",
            dir.display()
        );
    }
    let manifest_path = dir.join(MANIFEST);
    let manifest_text = read_text(&manifest_path)?;
    let mut manifest: crate::model::snapshot::Manifest = serde_json::from_str(&manifest_text)
        .with_context(|| {
            format!(
                "`{}` is not a valid snapshot manifest",
                manifest_path.display()
            )
        })?;
    if manifest.schema_version > SNAPSHOT_SCHEMA_VERSION {
        bail!(
            "`{}` has snapshot schema version {}, newer than this dbaudit understands ({}); upgrade dbaudit",
            manifest_path.display(),
            manifest.schema_version,
            SNAPSHOT_SCHEMA_VERSION
        );
    }
    if !KNOWN_ENGINES.contains(&manifest.engine.as_str()) {
        bail!(
            "`{}`: unknown engine `{}` (allowed: {})",
            manifest_path.display(),
            manifest.engine.escape_debug(),
            KNOWN_ENGINES
                .iter()
                .map(|e| format!("`{e}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let mut missing = Vec::new();
    let mut snapshot = Snapshot {
        database: read_csv(dir, "database.csv", &mut missing)?,
        tables: read_csv(dir, "tables.csv", &mut missing)?,
        indexes: read_csv(dir, "indexes.csv", &mut missing)?,
        index_columns: read_csv(dir, "index_columns.csv", &mut missing)?,
        columns: read_csv(dir, "columns.csv", &mut missing)?,
        column_stats: read_csv(dir, "column_stats.csv", &mut missing)?,
        foreign_keys: read_csv(dir, "foreign_keys.csv", &mut missing)?,
        statements: read_csv(dir, "statements.csv", &mut missing)?,
        functions: read_csv(dir, "functions.csv", &mut missing)?,
        sequences: read_csv(dir, "sequences.csv", &mut missing)?,
        settings: read_csv(dir, "settings.csv", &mut missing)?,
        verifications: read_csv(dir, "verifications.csv", &mut missing)?,
        missing_indexes: read_csv(dir, "missing_indexes.csv", &mut missing)?,
        procedures: read_csv(dir, "procedures.csv", &mut missing)?,
        statistics: read_csv(dir, "statistics.csv", &mut missing)?,
        sessions: read_csv(dir, "sessions.csv", &mut missing)?,
        views: read_csv(dir, "views.csv", &mut missing)?,
        workload_set: read_csv(dir, "workload_set.csv", &mut missing)?,
        workload_plans: read_csv(dir, "workload_plans.csv", &mut missing)?,
        manifest: Default::default(),
    };
    // Kinds one engine never has are not gaps: snapshots written before SQL Server
    // support lack the SQL Server kinds, and SQL Server has no sequences or settings.
    let engine_kinds: &[&str] = if manifest.engine == ENGINE_MSSQL {
        &MSSQL_KINDS
    } else {
        &POSTGRES_KINDS
    };
    for file in missing
        .into_iter()
        .filter(|f| engine_kinds.contains(&f.trim_end_matches(EMPTY_MARK).trim_end_matches(".csv")))
    {
        let message = match file.strip_suffix(EMPTY_MARK) {
            Some(file) => format!(
                "{file} is empty (0 bytes, not even its header line): the checks that need it did not run"
            ),
            None => {
                format!("{file} is missing from the snapshot: the checks that need it did not run")
            }
        };
        manifest.notes.push(Note {
            check: file
                .trim_end_matches(EMPTY_MARK)
                .trim_end_matches(".csv")
                .to_string(),
            message,
        });
    }
    crate::model::secrets::scrub_snapshot(&mut snapshot);
    manifest.notes.sort();
    manifest.notes.dedup();
    snapshot.manifest = manifest;
    Ok(snapshot)
}

fn write_csv<T: Serialize + Default>(dir: &Path, name: &str, rows: &[T]) -> Result<()> {
    let path = dir.join(name);
    let file = File::create(&path).with_context(|| format!("cannot write `{}`", path.display()))?;
    let mut writer = csv::WriterBuilder::new()
        .has_headers(true)
        .from_writer(BufWriter::new(file));
    if rows.is_empty() {
        // Headers only, so that the file documents its columns.
        write_header_only::<T>(&mut writer)?;
    }
    for row in rows {
        writer
            .serialize(row)
            .with_context(|| format!("cannot write a row of `{}`", path.display()))?;
    }
    writer
        .flush()
        .with_context(|| format!("cannot write `{}`", path.display()))?;
    Ok(())
}

/// The csv crate writes headers with the first record only: take them from a default row.
fn write_header_only<T: Serialize + Default>(
    writer: &mut csv::Writer<BufWriter<File>>,
) -> Result<()> {
    let mut probe = csv::Writer::from_writer(Vec::new());
    probe.serialize(T::default())?;
    let bytes = probe.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
    let text = String::from_utf8(bytes)?;
    let header = text.lines().next().unwrap_or_default();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(header.as_bytes());
    if let Some(record) = reader.records().next() {
        writer.write_record(&record?)?;
    }
    Ok(())
}

fn read_text(path: &Path) -> Result<String> {
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .with_context(|| format!("cannot read `{}`", path.display()))?;
    let decoded = crate::source::decode(&bytes).map_err(|why| undecodable(path, &bytes, why))?;
    Ok(decoded.text)
}

/// The error for a file that does not decode as text, with the line of its first NUL
/// byte (the usual cause) so that the bad row can be found.
pub(crate) fn undecodable(path: &Path, bytes: &[u8], why: impl std::fmt::Display) -> anyhow::Error {
    let place = bytes
        .iter()
        .position(|&b| b == 0)
        .map_or(String::new(), |at| {
            let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
            format!(" (the first NUL byte is on line {line})")
        });
    anyhow::anyhow!("cannot read `{}`: {why}{place}", path.display())
}

/// Marks an entry of `missing` as a file that exists but is empty.
const EMPTY_MARK: &str = " (empty)";

/// Reads one CSV kind. A missing file is recorded in `missing` and reads as empty; so is
/// an empty one (0 bytes or blank: not even a header line), marked with `EMPTY_MARK`. A
/// header line without rows is a kind with no rows (dbaudit writes it so).
fn read_csv<T: DeserializeOwned + Serialize>(
    dir: &Path,
    name: &str,
    missing: &mut Vec<String>,
) -> Result<Vec<T>> {
    let path = dir.join(name);
    if !path.exists() {
        missing.push(name.to_string());
        return Ok(Vec::new());
    }
    let text = read_text(&path)?;
    if text.trim().is_empty() {
        missing.push(format!("{name}{EMPTY_MARK}"));
        return Ok(Vec::new());
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .with_context(|| format!("{}: cannot read the header line", path.display()))?
        .clone();
    let mut rows = Vec::new();
    let mut lines = LineCounter::new(&text);
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(&path, &text, &headers, &e))?;
        // SSMS writes NULL as the text NULL: read it as empty (absent).
        let cleaned: csv::StringRecord = record
            .iter()
            .map(|field| if field == "NULL" { "" } else { field })
            .collect();
        // Lines counted from the record's byte offset: the csv crate's own line count is
        // off after CRLF line ends (SSMS and Windows exports).
        let line = match record.position() {
            Some(p) => lines.line_at(p.byte() as usize),
            None => 0,
        };
        let row: T = cleaned.deserialize(Some(&headers)).map_err(|e| {
            let column = match e.kind() {
                csv::ErrorKind::Deserialize { err, .. } => err
                    .field()
                    .and_then(|f| headers.get(f as usize))
                    .map(|h| format!(", column `{h}`"))
                    .unwrap_or_default(),
                _ => String::new(),
            };
            anyhow::anyhow!(
                "{}: line {line}{column}: {}",
                path.display(),
                deserialize_message(&e)
            )
        })?;
        check_numbers(&path, name, line, &headers, &cleaned, &row)?;
        rows.push(row);
    }
    Ok(rows)
}

/// 1-based line numbers of increasing byte offsets, counted incrementally.
struct LineCounter<'a> {
    text: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> LineCounter<'a> {
        LineCounter {
            text: text.as_bytes(),
            offset: 0,
            line: 1,
        }
    }

    /// The line of the record at `offset`. After a CRLF the csv crate places the next
    /// record at the `\n`: line ends at the offset belong before the record.
    fn line_at(&mut self, offset: usize) -> u64 {
        let mut offset = offset.min(self.text.len());
        while offset < self.text.len() && matches!(self.text[offset], b'\r' | b'\n') {
            offset += 1;
        }
        if offset < self.offset {
            self.offset = 0;
            self.line = 1;
        }
        self.line += self.text[self.offset..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        self.offset = offset;
        self.line
    }
}

/// What a numeric column of a snapshot may hold.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Allowed {
    /// Counts, sizes, times, costs, ids, positions.
    NonNegative,
    /// A share of the rows, 0 to 1.
    Fraction,
    /// A correlation, -1 to 1.
    Correlation,
    /// PostgreSQL's `n_distinct`: a count, or -1 to 0 for a fraction of the rows.
    NDistinct,
    /// A percentage, 0 to 100.
    Percent,
    /// Any finite number: sequence values and increments (negative sequences exist), and
    /// ages (a clock difference: an autovacuum that ends during the collection reads a
    /// little in the future).
    Finite,
}

impl Allowed {
    fn admits(self, value: f64) -> bool {
        value.is_finite()
            && match self {
                Allowed::NonNegative => value >= 0.0,
                Allowed::Fraction => (0.0..=1.0).contains(&value),
                Allowed::Correlation => (-1.0..=1.0).contains(&value),
                Allowed::NDistinct => value >= -1.0,
                Allowed::Percent => (0.0..=100.0).contains(&value),
                Allowed::Finite => true,
            }
    }

    fn describe(self) -> &'static str {
        match self {
            Allowed::NonNegative => "a finite number ≥ 0 (a count, size, time or position)",
            Allowed::Fraction => "a fraction from 0 to 1",
            Allowed::Correlation => "a correlation from -1 to 1",
            Allowed::NDistinct => "a distinct count ≥ 0, or -1 to 0 for a fraction of the rows",
            Allowed::Percent => "a percentage from 0 to 100",
            Allowed::Finite => "a finite number",
        }
    }
}

/// The range of one numeric column of one kind (file name).
fn allowed_range(file: &str, column: &str) -> Allowed {
    match (file.trim_end_matches(".csv"), column) {
        ("column_stats", "null_frac" | "most_common_freq" | "true_frac" | "false_frac") => {
            Allowed::Fraction
        }
        ("column_stats", "correlation") => Allowed::Correlation,
        ("column_stats", "n_distinct") => Allowed::NDistinct,
        ("missing_indexes", "avg_user_impact") => Allowed::Percent,
        ("sequences", "last_value" | "max_value" | "increment") => Allowed::Finite,
        (_, column) if column.ends_with("age_seconds") || column == "cached_seconds" => {
            Allowed::Finite
        }
        _ => Allowed::NonNegative,
    }
}

/// Checks every number of a deserialized row against its column's range. The row is
/// serialized back to find its numbers: a float cell that serializes to null was NaN or
/// infinite (text columns stay strings, so a table named `NaN` is fine).
fn check_numbers<T: Serialize>(
    path: &Path,
    file: &str,
    line: u64,
    headers: &csv::StringRecord,
    cells: &csv::StringRecord,
    row: &T,
) -> Result<()> {
    let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(row) else {
        return Ok(());
    };
    for (header, cell) in headers.iter().zip(cells.iter()) {
        if cell.trim().is_empty() {
            continue;
        }
        let allowed = allowed_range(file, header);
        let admitted = match fields.get(header) {
            Some(serde_json::Value::Number(n)) => n.as_f64().is_some_and(|v| allowed.admits(v)),
            Some(serde_json::Value::Null) => false,
            _ => true,
        };
        if !admitted {
            bail!(
                "{}: line {line}, column `{header}`: `{}` is not allowed here: expected {}",
                path.display(),
                cell.escape_debug(),
                allowed.describe()
            );
        }
    }
    Ok(())
}

fn deserialize_message(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::Deserialize { err, .. } => err.to_string(),
        _ => error.to_string(),
    }
}

fn csv_error(
    path: &Path,
    text: &str,
    headers: &csv::StringRecord,
    error: &csv::Error,
) -> anyhow::Error {
    let line = error
        .position()
        .map_or(0, |p| LineCounter::new(text).line_at(p.byte() as usize));
    match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => anyhow::anyhow!(
            "{}: line {line}: {len} fields where the header has {expected_len} ({})",
            path.display(),
            headers.iter().collect::<Vec<_>>().join(", ")
        ),
        _ => anyhow::anyhow!("{}: line {line}: {error}", path.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::snapshot::{Manifest, TableStat};

    fn sample() -> Snapshot {
        Snapshot {
            manifest: Manifest {
                schema_version: SNAPSHOT_SCHEMA_VERSION,
                engine: "postgresql".into(),
                database: "app".into(),
                ..Manifest::default()
            },
            tables: vec![TableStat {
                schema: "public".into(),
                name: "appointments, \"quoted\"".into(),
                live_rows: 200_000,
                idx_scan: None,
                last_vacuum: Some("2026-11-01 10:00:00+00".into()),
                ..TableStat::default()
            }],
            ..Snapshot::default()
        }
    }

    #[test]
    fn round_trip_keeps_everything() {
        let dir = tempfile::tempdir().unwrap();
        let snapshot = sample();
        write(&snapshot, dir.path()).unwrap();
        let back = read(dir.path()).unwrap();
        assert_eq!(back.tables, snapshot.tables);
        assert_eq!(back.manifest.database, "app");
        assert!(back.manifest.notes.is_empty(), "{:?}", back.manifest.notes);
        // Empty kinds still document their columns.
        let header = std::fs::read_to_string(dir.path().join("statements.csv")).unwrap();
        assert!(header.starts_with("queryid,query,calls"), "{header}");
    }

    #[test]
    fn ssms_exports_bom_crlf_and_null_text() {
        let dir = tempfile::tempdir().unwrap();
        write(&sample(), dir.path()).unwrap();
        let text = std::fs::read_to_string(dir.path().join("tables.csv")).unwrap();
        let mut lines = text.lines();
        let header = lines.next().unwrap().to_string();
        let row = lines.next().unwrap().replace(",,", ",NULL,");
        std::fs::write(
            dir.path().join("tables.csv"),
            format!("\u{feff}{header}\r\n{row}\r\n"),
        )
        .unwrap();
        let back = read(dir.path()).unwrap();
        assert_eq!(back.tables.len(), 1);
        assert_eq!(back.tables[0].idx_scan, None);
    }

    #[test]
    fn malformed_csv_names_file_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        write(&sample(), dir.path()).unwrap();
        let text = std::fs::read_to_string(dir.path().join("tables.csv")).unwrap();
        let broken = text.replacen(",200000,", ",lots,", 1);
        std::fs::write(dir.path().join("tables.csv"), broken).unwrap();
        let error = read(dir.path()).unwrap_err().to_string();
        assert!(
            error.contains("tables.csv") && error.contains("line 2") && error.contains("live_rows"),
            "{error}"
        );

        std::fs::write(dir.path().join("tables.csv"), "schema,name\npublic,t\n").unwrap();
        let error = read(dir.path()).unwrap_err().to_string();
        assert!(
            error.contains("tables.csv") && error.contains("missing field"),
            "{error}"
        );
    }

    #[test]
    fn missing_files_become_notes() {
        let dir = tempfile::tempdir().unwrap();
        write(&sample(), dir.path()).unwrap();
        std::fs::remove_file(dir.path().join("statements.csv")).unwrap();
        let back = read(dir.path()).unwrap();
        assert!(back
            .manifest
            .notes
            .iter()
            .any(|n| n.message.contains("statements.csv is missing")));
        assert!(read(&dir.path().join("nope")).is_err());
    }

    #[test]
    fn non_finite_and_out_of_range_numbers_name_file_line_and_column() {
        use crate::model::snapshot::{ColumnStat, StatementStat};
        let dir = tempfile::tempdir().unwrap();
        let mut snapshot = sample();
        snapshot.statements = vec![StatementStat {
            queryid: "1".into(),
            query: "SELECT 1".into(),
            calls: 5,
            total_time_ms: 12.5,
            mean_time_ms: 2.5,
            ..StatementStat::default()
        }];
        snapshot.column_stats = vec![ColumnStat {
            schema: "public".into(),
            table: "t".into(),
            column: "NaN".into(),
            null_frac: 0.25,
            n_distinct: -0.5,
            ..ColumnStat::default()
        }];
        write(&snapshot, dir.path()).unwrap();
        // A text column holding `NaN` and a negative n_distinct (a fraction) are fine.
        read(dir.path()).unwrap();
        let original = |file: &str| std::fs::read_to_string(dir.path().join(file)).unwrap();
        let statements = original("statements.csv");
        let tables = original("tables.csv");
        let column_stats = original("column_stats.csv");
        for (file, text, column, allowed) in [
            (
                "statements.csv",
                statements.replacen(",12.5,", ",NaN,", 1),
                "total_time_ms",
                "finite",
            ),
            (
                "statements.csv",
                statements.replacen(",12.5,", ",inf,", 1),
                "total_time_ms",
                "finite",
            ),
            (
                "statements.csv",
                statements.replacen(",2.5,", ",-infinity,", 1),
                "mean_time_ms",
                "finite",
            ),
            (
                "statements.csv",
                statements.replacen(",12.5,", ",-3,", 1),
                "total_time_ms",
                "≥ 0",
            ),
            (
                "tables.csv",
                tables.replacen(",200000,", ",-5,", 1),
                "live_rows",
                "≥ 0",
            ),
            (
                "column_stats.csv",
                column_stats.replacen(",0.25,", ",1.5,", 1),
                "null_frac",
                "0 to 1",
            ),
            (
                "column_stats.csv",
                column_stats.replacen(",-0.5,", ",-2,", 1),
                "n_distinct",
                "-1 to 0",
            ),
        ] {
            std::fs::write(dir.path().join(file), &text).unwrap();
            let error = read(dir.path()).unwrap_err().to_string();
            assert!(
                error.contains(file)
                    && error.contains("line 2")
                    && error.contains(&format!("`{column}`"))
                    && error.contains(allowed),
                "{error}"
            );
            write(&snapshot, dir.path()).unwrap();
        }
        // CRLF line ends (SSMS, Windows) count lines alike.
        std::fs::write(
            dir.path().join("tables.csv"),
            tables.replacen(",200000,", ",-5,", 1).replace('\n', "\r\n"),
        )
        .unwrap();
        let error = read(dir.path()).unwrap_err().to_string();
        assert!(error.contains("line 2, column `live_rows`"), "{error}");
    }

    #[test]
    fn an_empty_file_is_a_note_like_a_missing_one() {
        let dir = tempfile::tempdir().unwrap();
        write(&sample(), dir.path()).unwrap();
        std::fs::write(dir.path().join("tables.csv"), "").unwrap();
        let back = read(dir.path()).unwrap();
        assert!(back.tables.is_empty());
        let notes: Vec<&Note> = back.manifest.notes.iter().collect();
        assert!(
            notes
                .iter()
                .any(|n| n.check == "tables" && n.message.contains("tables.csv is empty")),
            "{notes:?}"
        );
        // A header line without rows is a kind without rows: no note.
        write(&sample(), dir.path()).unwrap();
        let back = read(dir.path()).unwrap();
        assert!(back.manifest.notes.is_empty(), "{:?}", back.manifest.notes);
    }

    #[test]
    fn an_unknown_engine_is_an_error_naming_the_allowed_ones() {
        let dir = tempfile::tempdir().unwrap();
        let mut snapshot = sample();
        snapshot.manifest.engine = "oracle".into();
        write(&snapshot, dir.path()).unwrap();
        let error = read(dir.path()).unwrap_err().to_string();
        assert!(
            error.contains("manifest.json")
                && error.contains("`oracle`")
                && error.contains("`postgresql`")
                && error.contains("`mssql`"),
            "{error}"
        );
    }

    #[test]
    fn statement_texts_are_scrubbed_when_read() {
        use crate::model::snapshot::StatementStat;
        let dir = tempfile::tempdir().unwrap();
        let mut snapshot = sample();
        snapshot.statements = vec![StatementStat {
            queryid: "1".into(),
            query: "CREATE ROLE x PASSWORD 'S3cr3t'".into(),
            ..StatementStat::default()
        }];
        // A hand-made or old snapshot: written without scrubbing.
        write(&snapshot, dir.path()).unwrap();
        let back = read(dir.path()).unwrap();
        assert_eq!(back.statements[0].query, "CREATE ROLE x PASSWORD '*****'");
    }

    #[test]
    fn kinds_of_the_other_engine_are_not_gaps() {
        // A PostgreSQL snapshot written before SQL Server support has no SQL Server kinds.
        let dir = tempfile::tempdir().unwrap();
        write(&sample(), dir.path()).unwrap();
        for kind in ["missing_indexes", "procedures", "statistics"] {
            std::fs::remove_file(dir.path().join(format!("{kind}.csv"))).unwrap();
        }
        assert!(read(dir.path()).unwrap().manifest.notes.is_empty());

        // A SQL Server snapshot has no sequences; its own kinds are checked.
        let mut mssql = sample();
        mssql.manifest.engine = ENGINE_MSSQL.into();
        write(&mssql, dir.path()).unwrap();
        std::fs::remove_file(dir.path().join("sequences.csv")).unwrap();
        std::fs::remove_file(dir.path().join("statistics.csv")).unwrap();
        let notes = read(dir.path()).unwrap().manifest.notes;
        let checks: Vec<&str> = notes.iter().map(|n| n.check.as_str()).collect();
        assert_eq!(checks, ["statistics"]);
    }
}
