//! A query result as text cells: what a live SQL Server collection and an SSMS / sqlcmd
//! CSV export have in common. Both are turned into a `Snapshot` by one importer, so the
//! analysis cannot tell them apart.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::model::snapshot::Manifest;

/// One query's result: column names and rows of cells, `None` for SQL NULL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawTable {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
}

impl RawTable {
    /// Position of a column by name, ignoring ASCII case (SSMS keeps the query's case).
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns
            .iter()
            .position(|c| c.trim().eq_ignore_ascii_case(name))
    }

    /// Masks secrets (`model::secrets`) in the cells of the columns that hold statement
    /// texts or definitions taken from the server; true when something was masked.
    pub fn scrub_secrets(&mut self) -> bool {
        let text_columns: Vec<usize> = TEXT_COLUMNS
            .iter()
            .filter_map(|name| self.column(name))
            .collect();
        let mut changed = false;
        for row in &mut self.rows {
            for &at in &text_columns {
                if let Some(Some(cell)) = row.get_mut(at) {
                    changed |= crate::model::secrets::scrub_in_place(cell);
                }
            }
        }
        changed
    }
}

/// The SQL Server result columns that hold statement texts or definitions
/// (`query_stats`, `missing_index_queries`, `indexes`).
const TEXT_COLUMNS: &[&str] = &["statement_text", "query_text", "filter_definition"];

/// Every query result of one collection or export, by query name (the file name of
/// `queries/mssql/<name>.sql` without `.sql`), plus what the collector knows of the
/// session (engine, version, database, notes on checks that could not run).
#[derive(Debug, Clone, Default)]
pub struct RawSnapshot {
    pub manifest: Manifest,
    pub tables: BTreeMap<String, RawTable>,
}

/// How a NULL cell is written: as SSMS exports it, so that the export importer reads a
/// collected snapshot and an SSMS export alike. (A text cell holding `NULL` reads back as
/// NULL, as it does from SSMS.)
pub const NULL_TEXT: &str = "NULL";

/// Writes `raw` into `dir` (created if needed): `manifest.json` plus `<name>.csv` per
/// query result, header first, NULL as the text `NULL`.
pub fn write_raw(raw: &RawSnapshot, dir: &Path) -> Result<()> {
    for name in raw.tables.keys() {
        let plain = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !plain {
            bail!("cannot write the result `{name}`: a query name must be letters, digits, `_` or `-` (it becomes a file name)");
        }
    }
    super::write_manifest(&raw.manifest, dir)?;
    for (name, table) in &raw.tables {
        let path = dir.join(format!("{name}.csv"));
        let mut writer = csv::Writer::from_path(&path)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
        writer
            .write_record(&table.columns)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
        for row in &table.rows {
            writer
                .write_record(row.iter().map(|cell| cell.as_deref().unwrap_or(NULL_TEXT)))
                .with_context(|| format!("cannot write a row of `{}`", path.display()))?;
        }
        writer
            .flush()
            .with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_results_are_written_as_ssms_would_export_them() {
        let dir = tempfile::tempdir().unwrap();
        let mut raw = RawSnapshot::default();
        raw.manifest.engine = "mssql".into();
        raw.tables.insert(
            "index_usage".into(),
            RawTable {
                columns: vec![
                    "table_name".into(),
                    "user_seeks".into(),
                    "last_user_seek".into(),
                ],
                rows: vec![
                    vec![Some("Orders, \"big\"".into()), Some("-5".into()), None],
                    vec![
                        Some("Zürich".into()),
                        Some("0".into()),
                        Some("2024-01-15T10:30:15.123".into()),
                    ],
                ],
            },
        );
        raw.tables.insert(
            "empty".into(),
            RawTable {
                columns: vec!["a".into()],
                rows: vec![],
            },
        );
        write_raw(&raw, dir.path()).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("index_usage.csv")).unwrap(),
            "table_name,user_seeks,last_user_seek\n\"Orders, \"\"big\"\"\",-5,NULL\nZürich,0,2024-01-15T10:30:15.123\n"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("empty.csv")).unwrap(),
            "a\n"
        );
        let manifest = std::fs::read_to_string(dir.path().join("manifest.json")).unwrap();
        assert!(manifest.contains("\"engine\": \"mssql\""), "{manifest}");

        raw.tables.insert("../escape".into(), RawTable::default());
        let error = write_raw(&raw, dir.path()).unwrap_err().to_string();
        assert!(error.contains("`../escape`"), "{error}");
    }
}
