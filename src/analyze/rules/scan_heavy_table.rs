//! `scan-heavy-table`: sequential scans dominate on a table of real size.

use crate::analyze::{human_bytes, live_finding, qualified, Thresholds};
use crate::declare_rule;
use crate::model::snapshot::{Snapshot, TableStat};
use crate::model::{Category, Finding, Severity};

declare_rule! {
    /// ## What it finds
    /// A table with at least 10,000 rows (configurable) where indexes serve less than
    /// 95% of the scans: most reads walk the whole table. The evidence gives the number
    /// of sequential scans, the rows read per scan and the share of index scans.
    /// On SQL Server the scans are those of the heap or clustered index and the index
    /// reads are seeks of any index and scans of nonclustered ones
    /// (`sys.dm_db_index_usage_stats`, since the server started).
    ///
    /// ## Why it matters
    /// Every sequential scan reads every page of the table: on a large table each call
    /// costs I/O and CPU proportional to its size, evicts useful pages from the cache
    /// and grows with the data. A missing or unusable index is the usual cause.
    ///
    /// ## Example
    /// `appointments`: 200,000 rows, 1,250 sequential scans reading 200,000 rows each,
    /// 3% of scans by index.
    ///
    /// ## How to fix
    /// Find the statements that scan it (the `missing-index` findings and the slow
    /// queries name them) and add the index they need; check that predicates are
    /// sargable. Small lookup tables scanned on purpose can be excluded by raising
    /// `scan_heavy_min_rows`.
    pub static SCAN_HEAVY_TABLE = {
        name: "scan-heavy-table",
        code: "DB001",
        category: Category::Indexing,
        default_severity: Severity::High,
        summary: "Sequential scans dominate on a large table",
    };
}

pub fn check(snapshot: &Snapshot, t: &Thresholds) -> Vec<Finding> {
    let mut out = Vec::new();
    for table in &snapshot.tables {
        let idx = table.idx_scan.unwrap_or(0);
        let total = table.seq_scan + idx;
        if table.live_rows < t.scan_heavy_min_rows || table.seq_scan == 0 || total == 0 {
            continue;
        }
        let index_pct = 100.0 * idx as f64 / total as f64;
        if index_pct >= t.scan_heavy_index_use_pct {
            continue;
        }
        if snapshot.is_mssql() {
            out.push(mssql_finding(table, index_pct));
            continue;
        }
        let per_scan = table.seq_tup_read as f64 / table.seq_scan as f64;
        let indexes = if table.idx_scan.is_none() {
            " (it has no index)"
        } else {
            ""
        };
        out.push(live_finding(
            &SCAN_HEAVY_TABLE,
            SCAN_HEAVY_TABLE.default_severity,
            qualified(&table.schema, &table.name),
            format!(
                "{} sequential scans of {} ({} rows, {}){indexes}, reading {:.0} rows per scan; indexes serve {:.1}% of scans",
                table.seq_scan,
                qualified(&table.schema, &table.name),
                table.live_rows,
                human_bytes(table.table_bytes),
                per_scan,
                index_pct
            ),
            vec![
                ("seq_scan", table.seq_scan as f64),
                ("rows_per_seq_scan", per_scan.round()),
                ("index_scan_pct", (index_pct * 10.0).round() / 10.0),
                ("live_rows", table.live_rows as f64),
            ],
            "Add the index the scanning statements need (see missing-index findings), or make their predicates sargable".into(),
        ));
    }
    out
}

/// SQL Server counts scans, not rows read: each scan of the base table reads up to all
/// of its rows.
fn mssql_finding(table: &TableStat, index_pct: f64) -> Finding {
    let kind = if table.is_heap == Some(true) {
        "heap"
    } else {
        "clustered index"
    };
    live_finding(
        &SCAN_HEAVY_TABLE,
        SCAN_HEAVY_TABLE.default_severity,
        qualified(&table.schema, &table.name),
        format!(
            "{} scans of the {kind} of {} ({} rows, {}) since the server started; index seeks serve {:.1}% of reads",
            table.seq_scan,
            qualified(&table.schema, &table.name),
            table.live_rows,
            human_bytes(table.total_bytes),
            index_pct
        ),
        vec![
            ("scans", table.seq_scan as f64),
            ("index_read_pct", (index_pct * 10.0).round() / 10.0),
            ("live_rows", table.live_rows as f64),
        ],
        "Find the statements that scan it (missing-index findings, slow procedures, their plans) and add the index they need, or make their predicates sargable".into(),
    )
}
