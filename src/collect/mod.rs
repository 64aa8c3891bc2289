//! Live collectors: read-only sessions that read a server's statistics into a
//! `Snapshot`. Every query they run lives in `queries/<engine>/*.sql`.

pub mod connection;
pub mod libpq_files;
pub mod mssql;
pub mod mssql_connection;
pub mod plan_session;
pub mod postgres;
pub mod tls;

/// The PostgreSQL queries, embedded so that `dbaudit queries postgres` prints exactly
/// what runs.
pub const POSTGRES_QUERIES: &[(&str, &str)] = &[
    ("server", include_str!("../../queries/postgres/server.sql")),
    (
        "extensions",
        include_str!("../../queries/postgres/extensions.sql"),
    ),
    (
        "database",
        include_str!("../../queries/postgres/database.sql"),
    ),
    (
        "locked_tables",
        include_str!("../../queries/postgres/locked_tables.sql"),
    ),
    ("tables", include_str!("../../queries/postgres/tables.sql")),
    (
        "indexes",
        include_str!("../../queries/postgres/indexes.sql"),
    ),
    (
        "index_columns",
        include_str!("../../queries/postgres/index_columns.sql"),
    ),
    (
        "columns",
        include_str!("../../queries/postgres/columns.sql"),
    ),
    (
        "column_stats",
        include_str!("../../queries/postgres/column_stats.sql"),
    ),
    ("views", include_str!("../../queries/postgres/views.sql")),
    (
        "foreign_keys",
        include_str!("../../queries/postgres/foreign_keys.sql"),
    ),
    (
        "statement_columns",
        include_str!("../../queries/postgres/statement_columns.sql"),
    ),
    (
        "statements",
        include_str!("../../queries/postgres/statements.sql"),
    ),
    (
        "functions",
        include_str!("../../queries/postgres/functions.sql"),
    ),
    (
        "sequences",
        include_str!("../../queries/postgres/sequences.sql"),
    ),
    (
        "settings",
        include_str!("../../queries/postgres/settings.sql"),
    ),
    (
        "hypopg_reset",
        include_str!("../../queries/postgres/hypopg_reset.sql"),
    ),
    (
        "hypopg_create_index",
        include_str!("../../queries/postgres/hypopg_create_index.sql"),
    ),
    (
        "hypopg_explain",
        include_str!("../../queries/postgres/hypopg_explain.sql"),
    ),
    (
        "auditor",
        include_str!("../../queries/postgres/auditor.sql"),
    ),
    (
        "role_can_plan",
        include_str!("../../queries/postgres/role_can_plan.sql"),
    ),
    (
        "plan_safety_names",
        include_str!("../../queries/postgres/plan_safety_names.sql"),
    ),
    (
        "plan_safety_relations",
        include_str!("../../queries/postgres/plan_safety_relations.sql"),
    ),
    (
        "sessions",
        include_str!("../../queries/postgres/sessions.sql"),
    ),
];

/// The SQL Server queries, in run order; `dbaudit queries mssql` prints them. A file
/// whose first line is `-- requires: N` needs SQL Server major version N or later
/// (see `required_major_version`): the collector skips it on older servers, with a note.
pub const MSSQL_QUERIES: &[(&str, &str)] = &[
    ("server", include_str!("../../queries/mssql/server.sql")),
    ("tables", include_str!("../../queries/mssql/tables.sql")),
    ("indexes", include_str!("../../queries/mssql/indexes.sql")),
    (
        "index_usage",
        include_str!("../../queries/mssql/index_usage.sql"),
    ),
    (
        "index_columns",
        include_str!("../../queries/mssql/index_columns.sql"),
    ),
    (
        "index_operational",
        include_str!("../../queries/mssql/index_operational.sql"),
    ),
    (
        "foreign_keys",
        include_str!("../../queries/mssql/foreign_keys.sql"),
    ),
    (
        "statistics",
        include_str!("../../queries/mssql/statistics.sql"),
    ),
    (
        "column_stats",
        include_str!("../../queries/mssql/column_stats.sql"),
    ),
    (
        "missing_indexes",
        include_str!("../../queries/mssql/missing_indexes.sql"),
    ),
    (
        "missing_index_queries",
        include_str!("../../queries/mssql/missing_index_queries.sql"),
    ),
    (
        "procedure_stats",
        include_str!("../../queries/mssql/procedure_stats.sql"),
    ),
    (
        "query_stats",
        include_str!("../../queries/mssql/query_stats.sql"),
    ),
    ("sessions", include_str!("../../queries/mssql/sessions.sql")),
];

/// The minimum SQL Server major version a query needs, from its leading
/// `-- requires: N` comment line (13 = 2016, 14 = 2017, 15 = 2019, 16 = 2022).
pub fn required_major_version(sql: &str) -> Option<u32> {
    header_value(sql, "requires")?.parse().ok()
}

/// The system object a query reads that not every server has, from its leading
/// `-- requires-object: sys.name` comment line: the collector runs the query only where
/// the object exists (Azure SQL Database reports version 12 yet has the 2019 DMVs).
pub fn required_object(sql: &str) -> Option<&str> {
    header_value(sql, "requires-object")
}

/// The value of a `-- key: value` line in a query's leading comment block.
fn header_value<'a>(sql: &'a str, wanted: &str) -> Option<&'a str> {
    sql.lines()
        .map(str::trim)
        .skip_while(|line| line.is_empty())
        .take_while(|line| line.starts_with("--"))
        .find_map(|line| {
            let (key, value) = line.trim_start_matches('-').split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(wanted)
                .then(|| value.trim())
        })
}

pub fn postgres_query(name: &str) -> &'static str {
    POSTGRES_QUERIES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, sql)| *sql)
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_query_the_code_names_exists() {
        for name in [
            "server",
            "extensions",
            "database",
            "locked_tables",
            "tables",
            "indexes",
            "index_columns",
            "columns",
            "column_stats",
            "views",
            "foreign_keys",
            "statement_columns",
            "statements",
            "functions",
            "sequences",
            "settings",
            "hypopg_reset",
            "hypopg_create_index",
            "auditor",
            "role_can_plan",
            "plan_safety_names",
            "plan_safety_relations",
        ] {
            assert!(
                !postgres_query(name).trim().is_empty(),
                "queries/postgres/{name}.sql"
            );
        }
    }
}
