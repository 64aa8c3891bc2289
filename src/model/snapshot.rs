//! The engine-neutral snapshot of a live database: what `collect` reads and what the
//! analysis runs on. Saved as one CSV per kind plus `manifest.json` (see `snapshot/`),
//! so that an audit can be repeated offline and its findings are identical.

use serde::{Deserialize, Serialize};

/// `Manifest::engine` of a SQL Server snapshot.
pub const ENGINE_MSSQL: &str = "mssql";

/// Version of the snapshot format (CSV columns and manifest keys).
pub const SNAPSHOT_SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Manifest {
    pub schema_version: u32,
    pub dbaudit_version: String,
    /// `postgresql` or `mssql`.
    pub engine: String,
    pub server_version: String,
    /// `server_version_num` (PostgreSQL), e.g. 150007.
    pub server_version_num: i64,
    pub database: String,
    /// The connection as given, without password.
    pub source: String,
    pub collected_at: String,
    /// When the statistics were last reset (or the server started, if later).
    pub stats_reset: Option<String>,
    pub server_started: Option<String>,
    /// Age of the statistics in seconds at collection time.
    pub stats_age_seconds: Option<f64>,
    /// Extensions that matter to the audit, with their versions.
    pub extensions: Vec<Extension>,
    /// Every check that could not run fully, and why.
    pub notes: Vec<Note>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Extension {
    pub name: String,
    pub version: String,
}

#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct Note {
    /// The check (query) concerned, e.g. `statements`.
    pub check: String,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TableStat {
    pub schema: String,
    pub name: String,
    pub live_rows: i64,
    pub dead_rows: i64,
    /// SQL Server: scans of the heap or clustered index; `idx_scan` there is seeks of
    /// any index plus scans of nonclustered ones, `updates` the heap's or clustered
    /// index's `user_updates` (statements, not rows), `table_bytes` the used and
    /// `total_bytes` the reserved space.
    pub seq_scan: i64,
    pub seq_tup_read: i64,
    /// NULL for tables without indexes.
    pub idx_scan: Option<i64>,
    pub idx_tup_fetch: Option<i64>,
    pub inserts: i64,
    pub updates: i64,
    pub deletes: i64,
    pub hot_updates: i64,
    pub table_bytes: i64,
    pub total_bytes: i64,
    pub heap_blks_read: Option<i64>,
    pub heap_blks_hit: Option<i64>,
    pub idx_blks_read: Option<i64>,
    pub idx_blks_hit: Option<i64>,
    pub last_vacuum: Option<String>,
    pub last_autovacuum: Option<String>,
    pub last_analyze: Option<String>,
    pub last_autoanalyze: Option<String>,
    /// Seconds since the most recent (auto)vacuum, at collection time.
    pub vacuum_age_seconds: Option<f64>,
    /// `age(relfrozenxid)`; NULL for a relation without one (a partitioned parent).
    pub frozen_xid_age: Option<i64>,
    /// PostgreSQL: the planner's row estimate (`pg_class.reltuples`, from the last
    /// VACUUM / ANALYZE), which survives `pg_stat_reset()`; NULL when never estimated.
    #[serde(default)]
    pub estimated_rows: Option<i64>,
    /// PostgreSQL: a partitioned table (`relkind = 'p'`): its rows are its partitions'.
    #[serde(default)]
    pub is_partitioned: Option<bool>,
    /// PostgreSQL: for a partition, the top partitioned table it belongs to (an index on
    /// that table reaches every partition).
    #[serde(default)]
    pub partition_root_schema: Option<String>,
    #[serde(default)]
    pub partition_root_name: Option<String>,
    /// SQL Server: the table has no clustered index (a heap).
    #[serde(default)]
    pub is_heap: Option<bool>,
    /// When the table was created (ISO 8601), where the engine records it (SQL Server).
    #[serde(default)]
    pub created_at: Option<String>,
    /// SQL Server heaps: reads that followed a forwarding pointer to a moved row.
    #[serde(default)]
    pub forwarded_fetches: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct IndexStat {
    pub schema: String,
    pub table: String,
    pub name: String,
    pub access_method: String,
    pub is_unique: bool,
    pub is_primary: bool,
    pub is_valid: bool,
    /// Backs a PRIMARY KEY / UNIQUE / EXCLUDE constraint (cannot simply be dropped).
    pub is_constraint: bool,
    pub definition: String,
    /// Partial index predicate, if any.
    pub predicate: Option<String>,
    pub idx_scan: i64,
    pub idx_tup_read: i64,
    pub idx_tup_fetch: i64,
    pub bytes: i64,
    /// SQL Server `sys.dm_db_index_usage_stats` (since the last restart). `idx_scan` is
    /// their reads: seeks + scans + lookups.
    #[serde(default)]
    pub user_seeks: Option<i64>,
    #[serde(default)]
    pub user_scans: Option<i64>,
    #[serde(default)]
    pub user_lookups: Option<i64>,
    /// Writes that maintained the index (inserts, updates of its columns, deletes).
    #[serde(default)]
    pub user_updates: Option<i64>,
    #[serde(default)]
    pub last_user_seek: Option<String>,
    #[serde(default)]
    pub last_user_scan: Option<String>,
    #[serde(default)]
    pub last_user_lookup: Option<String>,
    #[serde(default)]
    pub last_user_update: Option<String>,
    /// SQL Server `sys.dm_db_index_operational_stats`.
    #[serde(default)]
    pub row_lock_waits: Option<i64>,
    #[serde(default)]
    pub page_lock_waits: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct IndexColumn {
    pub schema: String,
    pub table: String,
    pub index: String,
    /// 1-based position in the index.
    pub position: i32,
    /// The column, or None for an expression.
    pub column: Option<String>,
    pub expression: Option<String>,
    /// Key column (false: INCLUDE column).
    pub is_key: bool,
    pub descending: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ColumnInfo {
    pub schema: String,
    pub table: String,
    pub name: String,
    pub data_type: String,
    pub not_null: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ColumnStat {
    pub schema: String,
    pub table: String,
    pub column: String,
    pub null_frac: f64,
    /// PostgreSQL convention: negative means a fraction of the rows.
    pub n_distinct: f64,
    /// Frequency of the most common value, when known.
    pub most_common_freq: Option<f64>,
    pub correlation: Option<f64>,
    /// A boolean column: the share of rows that are true / false (pg_stats'
    /// most-common values; a value absent from them holds the rest). `None` for other
    /// columns and in older snapshots.
    #[serde(default)]
    pub true_frac: Option<f64>,
    #[serde(default)]
    pub false_frac: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ForeignKey {
    pub schema: String,
    pub table: String,
    pub name: String,
    /// Referencing columns in key order, a name list (`join_list` / `split_list`).
    pub columns: String,
    pub referenced_schema: String,
    pub referenced_table: String,
    /// Referenced columns in key order, a name list like `columns`.
    pub referenced_columns: String,
}

impl ForeignKey {
    pub fn column_list(&self) -> Vec<String> {
        split_list(&self.columns)
    }
}

/// Joins names into one list text that `split_list` reads back exactly: names are
/// separated by `, `, and a name that holds a comma, a double quote, a line break or
/// another control character, or white space at either end is written in double quotes
/// (a quote inside doubled). Names are written by other people and may hold any of them.
pub fn join_list(names: &[String]) -> String {
    names
        .iter()
        .map(|name| {
            let plain = !name.is_empty()
                && name.trim() == name
                && !name.chars().any(|c| c == ',' || c == '"' || c.is_control());
            if plain {
                name.clone()
            } else {
                format!("\"{}\"", name.replace('"', "\"\""))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Splits a name list: `join_list`'s text, or a plain comma-separated list as the
/// PostgreSQL queries and older snapshots have it (names trimmed, empty ones dropped). A
/// quoted text that is not well formed is read the plain way.
pub fn split_list(text: &str) -> Vec<String> {
    split_quoted(text).unwrap_or_else(|| {
        text.split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    })
}

/// `join_list`'s text; None when a quoted name is not closed or is followed by anything
/// but white space and a comma.
fn split_quoted(text: &str) -> Option<Vec<String>> {
    let mut names = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| *c == ' ').is_some() {}
        let Some(&first) = chars.peek() else {
            return Some(names);
        };
        if first == '"' {
            chars.next();
            let mut name = String::new();
            loop {
                match chars.next()? {
                    '"' if chars.next_if_eq(&'"').is_some() => name.push('"'),
                    '"' => break,
                    c => name.push(c),
                }
            }
            while chars.next_if(|c| *c == ' ').is_some() {}
            match chars.next() {
                None | Some(',') => names.push(name),
                Some(_) => return None,
            }
        } else {
            let mut name = String::new();
            while let Some(c) = chars.next_if(|c| *c != ',') {
                name.push(c);
            }
            chars.next();
            let name = name.trim();
            if !name.is_empty() {
                names.push(name.to_string());
            }
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StatementStat {
    pub queryid: String,
    pub query: String,
    pub calls: i64,
    pub total_time_ms: f64,
    pub mean_time_ms: f64,
    pub rows: i64,
    pub shared_blks_hit: i64,
    pub shared_blks_read: i64,
    /// SQL Server `sys.dm_exec_query_stats`: logical reads (8 kB pages) over all calls.
    #[serde(default)]
    pub logical_reads: Option<i64>,
    /// CPU time over all calls, in ms.
    #[serde(default)]
    pub worker_time_ms: Option<f64>,
    /// The procedure, function or trigger the statement belongs to, `schema.name`.
    #[serde(default)]
    pub object: Option<String>,
    /// PostgreSQL: the role that ran it (`pg_stat_statements.userid`), `None` when the
    /// role was dropped or the snapshot predates this field. Verification plans the
    /// statement only as this role (or not at all when it may run user code).
    #[serde(default)]
    pub role: Option<String>,
    /// Fastest, slowest and standard deviation of one call, in ms (pg_stat_statements
    /// `min/max/stddev_exec_time`, `min/max/stddev_time` before 1.8; SQL Server
    /// `min/max_elapsed_time`, no deviation). `None` when the source had no such column
    /// (older snapshots and exports): latency-spread then reports itself unchecked.
    #[serde(default)]
    pub min_time_ms: Option<f64>,
    #[serde(default)]
    pub max_time_ms: Option<f64>,
    #[serde(default)]
    pub stddev_time_ms: Option<f64>,
    /// Seconds the counters cover: pg_stat_statements `stats_since` (1.11+), else its
    /// last reset (`pg_stat_statements_info`, 1.9+); SQL Server the plan's age
    /// (`creation_time`). `None` when unknown.
    #[serde(default)]
    pub window_seconds: Option<f64>,
    /// SQL Server (2008 R2+): fewest and most rows one execution returned.
    #[serde(default)]
    pub min_rows: Option<i64>,
    #[serde(default)]
    pub max_rows: Option<i64>,
}

impl StatementStat {
    /// Rows per call (0 without calls).
    pub fn rows_per_call(&self) -> f64 {
        per_call(self.rows as f64, self.calls)
    }
}

/// Client sessions of one application in one state, server-wide (PostgreSQL
/// `pg_stat_activity` client backends; SQL Server `sys.dm_exec_sessions` user
/// processes, a sleeping session with an open transaction being `idle in transaction`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SessionGroup {
    /// `application_name` / `program_name` as the client set it (empty when unset).
    /// Written by the client: hostile, and scrubbed of secrets.
    pub application: String,
    /// `active`, `idle`, `idle in transaction`, `idle in transaction (aborted)`, ...;
    /// `unknown` when the role may not see the session's state.
    pub state: String,
    pub sessions: i64,
    /// Age in seconds of the oldest open transaction among them.
    pub oldest_xact_seconds: Option<f64>,
    /// The longest any of them has been in this state, in seconds.
    pub oldest_state_seconds: Option<f64>,
}

/// One row of SQL Server's missing-index DMVs (`sys.dm_db_missing_index_details`,
/// `_groups`, `_group_stats`; the query text from `_group_stats_query` on 2019+).
/// Column lists are as the DMV gives them: `[ClientId], [Status]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MissingIndex {
    pub database: String,
    pub schema: String,
    pub table: String,
    pub group_handle: i64,
    pub equality_columns: Option<String>,
    pub inequality_columns: Option<String>,
    pub included_columns: Option<String>,
    pub unique_compiles: i64,
    pub user_seeks: i64,
    pub user_scans: i64,
    pub avg_total_user_cost: f64,
    /// Estimated % of the query cost the index would save (0-100).
    pub avg_user_impact: f64,
    pub last_user_seek: Option<String>,
    pub query_text: Option<String>,
}

/// A cached stored procedure's execution statistics (SQL Server
/// `sys.dm_exec_procedure_stats`), times converted to ms.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ProcedureStat {
    pub schema: String,
    pub name: String,
    pub execution_count: i64,
    pub total_elapsed_ms: f64,
    pub total_worker_ms: f64,
    pub total_logical_reads: i64,
    pub total_logical_writes: i64,
    pub total_physical_reads: i64,
    /// When the plan was cached: the counters cover cached_time..collected_at.
    pub cached_time: Option<String>,
    pub last_execution_time: Option<String>,
    /// Seconds from cached_time to the collection.
    pub cached_seconds: Option<f64>,
}

impl ProcedureStat {
    pub fn avg_elapsed_ms(&self) -> f64 {
        per_call(self.total_elapsed_ms, self.execution_count)
    }
    pub fn avg_worker_ms(&self) -> f64 {
        per_call(self.total_worker_ms, self.execution_count)
    }
    pub fn avg_logical_reads(&self) -> f64 {
        per_call(self.total_logical_reads as f64, self.execution_count)
    }
    /// Executions per minute while the plan was cached (None when the age is unknown).
    pub fn executions_per_minute(&self) -> Option<f64> {
        self.cached_seconds
            .filter(|s| *s > 0.0)
            .map(|s| self.execution_count as f64 / (s / 60.0))
    }
}

fn per_call(total: f64, calls: i64) -> f64 {
    if calls > 0 {
        total / calls as f64
    } else {
        0.0
    }
}

/// A statistics object and its age (SQL Server `sys.stats` +
/// `sys.dm_db_stats_properties`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StatisticsStat {
    pub schema: String,
    pub table: String,
    pub name: String,
    /// Columns in order, a name list (`join_list` / `split_list`), the first one
    /// carrying the histogram.
    pub columns: String,
    pub auto_created: bool,
    pub last_updated: Option<String>,
    /// Seconds from last_updated to the collection.
    pub age_seconds: Option<f64>,
    pub rows: Option<i64>,
    pub rows_sampled: Option<i64>,
    /// Modifications of the leading column since the last update.
    pub modification_counter: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FunctionStat {
    pub schema: String,
    pub name: String,
    pub calls: i64,
    pub total_time_ms: f64,
    pub self_time_ms: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SequenceStat {
    pub schema: String,
    pub name: String,
    pub data_type: String,
    pub last_value: Option<i64>,
    pub max_value: i64,
    pub increment: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Setting {
    pub name: String,
    pub setting: String,
    pub unit: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DatabaseStat {
    pub name: String,
    pub blks_hit: i64,
    pub blks_read: i64,
    pub xact_commit: i64,
    pub size_bytes: i64,
    /// `age(datfrozenxid)`.
    pub frozen_xid_age: i64,
}

/// A hypothetical-index verification made at collection time (HypoPG).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Verification {
    pub schema: String,
    pub table: String,
    /// Key columns, comma-separated, in order.
    pub key_columns: String,
    pub queryid: String,
    pub cost_before: f64,
    pub cost_after: f64,
    /// The planner chose the hypothetical index.
    pub index_used: bool,
    /// ...as an Index Only Scan (what an INCLUDE variant is tried for).
    #[serde(default)]
    pub index_only: bool,
    /// Set when the statement was not planned: the real cause (not planned because it
    /// calls user code, parse failure, timeout, permission, ...). The costs are then 0.
    #[serde(default)]
    pub not_verified: Option<String>,
}

/// A plain view (PostgreSQL `relkind = 'v'`) and its definition as `pg_get_viewdef`
/// prints it: text written by the database's users, parsed by the advisor to reach the
/// base tables of a statement on the view, never run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ViewDef {
    pub schema: String,
    pub name: String,
    pub definition: String,
    /// `security_barrier` is set: the planner keeps the statement's conditions outside
    /// the view (unless leakproof), so an index on its base table may not serve them.
    pub security_barrier: bool,
}

/// One index of the set evaluated workload-wide at collection: the recommendations the
/// advisor made from the workload, created together as hypothetical indexes (HypoPG).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct WorkloadIndex {
    /// 0-based, referred to by `WorkloadPlan::indexes_used`.
    pub position: i64,
    pub schema: String,
    pub table: String,
    /// Key columns, comma-separated, in order.
    pub key_columns: String,
    /// The statement the index was created with in HypoPG (key, INCLUDE columns, shape);
    /// empty in a snapshot written before it was kept.
    #[serde(default)]
    pub definition: String,
}

/// A top statement planned without and with the whole evaluated set (HypoPG, generic
/// plan, never executed).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct WorkloadPlan {
    pub queryid: String,
    pub calls: i64,
    /// Planned total cost with the existing indexes only, and with the set added.
    pub cost_before: f64,
    pub cost_after: f64,
    /// Positions (`WorkloadIndex::position`) of the set's indexes the plan with the set
    /// uses, comma-separated.
    pub indexes_used: String,
    /// Set when the statement was not planned: the real cause; the costs are then 0.
    #[serde(default)]
    pub not_planned: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Snapshot {
    pub manifest: Manifest,
    pub database: Vec<DatabaseStat>,
    pub tables: Vec<TableStat>,
    pub indexes: Vec<IndexStat>,
    pub index_columns: Vec<IndexColumn>,
    pub columns: Vec<ColumnInfo>,
    pub column_stats: Vec<ColumnStat>,
    pub foreign_keys: Vec<ForeignKey>,
    pub statements: Vec<StatementStat>,
    pub functions: Vec<FunctionStat>,
    pub sequences: Vec<SequenceStat>,
    pub settings: Vec<Setting>,
    pub verifications: Vec<Verification>,
    pub missing_indexes: Vec<MissingIndex>,
    pub procedures: Vec<ProcedureStat>,
    pub statistics: Vec<StatisticsStat>,
    /// Client sessions by application and state (connection-saturation,
    /// idle-in-transaction). Empty in snapshots written before they were collected.
    #[serde(default)]
    pub sessions: Vec<SessionGroup>,
    /// PostgreSQL plain views with their definitions. Empty in snapshots written before
    /// they were collected (the importer then notes `views.csv` missing).
    #[serde(default)]
    pub views: Vec<ViewDef>,
    /// The workload-wide evaluation made at collection (empty without HypoPG, without
    /// recommendations from the workload, or in older snapshots).
    #[serde(default)]
    pub workload_set: Vec<WorkloadIndex>,
    #[serde(default)]
    pub workload_plans: Vec<WorkloadPlan>,
}

impl Snapshot {
    /// The snapshot is of a SQL Server database.
    pub fn is_mssql(&self) -> bool {
        self.manifest.engine == ENGINE_MSSQL
    }

    pub fn table(&self, schema: &str, name: &str) -> Option<&TableStat> {
        self.tables
            .iter()
            .find(|t| t.schema == schema && t.name == name)
    }

    /// Key columns of an index in order (None for an expression position).
    pub fn index_keys(&self, index: &IndexStat) -> Vec<Option<String>> {
        let mut cols: Vec<&IndexColumn> = self
            .index_columns
            .iter()
            .filter(|c| {
                c.schema == index.schema
                    && c.table == index.table
                    && c.index == index.name
                    && c.is_key
            })
            .collect();
        cols.sort_by_key(|c| c.position);
        cols.iter().map(|c| c.column.clone()).collect()
    }

    /// Key columns of every index, computed once: (schema, table, index) -> keys.
    pub fn index_key_map(
        &self,
    ) -> std::collections::HashMap<(&str, &str, &str), Vec<Option<String>>> {
        type Positions = Vec<(i32, Option<String>)>;
        let mut map: std::collections::HashMap<(&str, &str, &str), Positions> =
            std::collections::HashMap::new();
        for c in self.index_columns.iter().filter(|c| c.is_key) {
            map.entry((c.schema.as_str(), c.table.as_str(), c.index.as_str()))
                .or_default()
                .push((c.position, c.column.clone()));
        }
        map.into_iter()
            .map(|(k, mut v)| {
                v.sort_by_key(|(p, _)| *p);
                (k, v.into_iter().map(|(_, c)| c).collect())
            })
            .collect()
    }

    pub fn setting(&self, name: &str) -> Option<&str> {
        self.settings
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.setting.as_str())
    }
}

/// A statistics window in words: days from one day on, hours below (never extrapolated).
pub fn days_text(days: f64) -> String {
    if days >= 1.0 {
        format!("{days:.1} days")
    } else {
        format!("{:.1} hours", days * 24.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_lists_read_back_exactly() {
        let names: Vec<String> = [
            "Id",
            "Cost, Centre",
            "R&D <x>",
            "say \"hi\"",
            "bell\u{1}",
            "two\nlines",
            " padded ",
            "",
        ]
        .iter()
        .map(|n| n.to_string())
        .collect();
        let text = join_list(&names);
        assert_eq!(
            text,
            "Id, \"Cost, Centre\", R&D <x>, \"say \"\"hi\"\"\", \"bell\u{1}\", \"two\nlines\", \" padded \", \"\""
        );
        assert_eq!(split_list(&text), names);
    }

    #[test]
    fn plain_lists_read_as_before() {
        assert_eq!(split_list("a,b"), ["a", "b"]);
        assert_eq!(split_list(" a , b ,"), ["a", "b"]);
        assert_eq!(split_list("Cost&Centre, Id"), ["Cost&Centre", "Id"]);
        assert_eq!(split_list("a\"b,c"), ["a\"b", "c"]);
        // Not well-formed quoting: read the plain way.
        assert_eq!(split_list("\"a,b"), ["\"a", "b"]);
        assert_eq!(split_list("\"a\"x,b"), ["\"a\"x", "b"]);
        assert!(split_list("").is_empty());
    }
}
