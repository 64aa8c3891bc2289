//! Live collectors: read-only sessions that read a server's statistics into a
//! `Snapshot`. Every query they run lives in `queries/<engine>/*.sql`.

pub mod connection;
pub mod mssql;
pub mod mssql_connection;
pub mod postgres;

/// The SQL Server queries (name, SQL text), run in this order after the preflight of
/// `mssql::MSSQL_PREFLIGHT`. A query whose first line is `-- requires: NN` runs on major
/// version NN (2019 = 15, 2022 = 16) and later only.
///
/// Placeholder until the SQL Server queries of `queries/mssql/<name>.sql` are embedded
/// here (one `include_str!` per check, like `POSTGRES_QUERIES`): the collector takes the
/// list as a parameter and runs whatever it holds.
pub const MSSQL_QUERIES: &[(&str, &str)] = &[];

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
];

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
            "tables",
            "indexes",
            "index_columns",
            "columns",
            "column_stats",
            "foreign_keys",
            "statement_columns",
            "statements",
            "functions",
            "sequences",
            "settings",
            "hypopg_reset",
            "hypopg_create_index",
        ] {
            assert!(
                !postgres_query(name).trim().is_empty(),
                "queries/postgres/{name}.sql"
            );
        }
    }
}
