//! A query result as text cells: what a live SQL Server collection and an SSMS / sqlcmd
//! CSV export have in common. Both are turned into a `Snapshot` by one importer, so the
//! analysis cannot tell them apart.

use std::collections::BTreeMap;

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
}

/// Every query result of one collection or export, by query name (the file name of
/// `queries/mssql/<name>.sql` without `.sql`), plus what the collector knows of the
/// session (engine, version, database, notes on checks that could not run).
#[derive(Debug, Clone, Default)]
pub struct RawSnapshot {
    pub manifest: Manifest,
    pub tables: BTreeMap<String, RawTable>,
}
