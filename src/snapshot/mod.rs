//! Snapshot <-> directory of CSV files plus `manifest.json`. Reading accepts what
//! SSMS / psql exports contain: a UTF-8 BOM, CRLF line ends, `NULL` written as text.
//! A malformed file fails with the file, line and column named; a missing file is a
//! note in the manifest (its checks did not run), never a silent gap.

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
const POSTGRES_KINDS: [&str; 12] = [
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
];

/// The kinds a SQL Server snapshot has.
const MSSQL_KINDS: [&str; 9] = [
    "tables",
    "indexes",
    "index_columns",
    "column_stats",
    "foreign_keys",
    "statements",
    "missing_indexes",
    "procedures",
    "statistics",
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
        .filter(|f| engine_kinds.contains(&f.trim_end_matches(".csv")))
    {
        manifest.notes.push(Note {
            check: file.trim_end_matches(".csv").to_string(),
            message: format!(
                "{file} is missing from the snapshot: the checks that need it did not run"
            ),
        });
    }
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
    let decoded = crate::source::decode(&bytes)
        .map_err(|why| anyhow::anyhow!("cannot read `{}`: {why}", path.display()))?;
    Ok(decoded.text)
}

/// Reads one CSV kind. A missing file is recorded in `missing` and reads as empty.
fn read_csv<T: DeserializeOwned>(
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
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .with_context(|| format!("{}: cannot read the header line", path.display()))?
        .clone();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(&path, &headers, &e))?;
        // SSMS writes NULL as the text NULL: read it as empty (absent).
        let cleaned: csv::StringRecord = record
            .iter()
            .map(|field| if field == "NULL" { "" } else { field })
            .collect();
        let line = record.position().map_or(0, |p| p.line());
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
        rows.push(row);
    }
    Ok(rows)
}

fn deserialize_message(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::Deserialize { err, .. } => err.to_string(),
        _ => error.to_string(),
    }
}

fn csv_error(path: &Path, headers: &csv::StringRecord, error: &csv::Error) -> anyhow::Error {
    let line = error.position().map_or(0, |p| p.line());
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
