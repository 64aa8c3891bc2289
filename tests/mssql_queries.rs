//! The queries of `queries/mssql/` against what the importer expects: each file parses as
//! T-SQL (sqlparser's MsSqlDialect) and its SELECT list names exactly the columns the
//! importer reads for it, so a query and the importer cannot drift apart.

use sqlparser::ast::{Expr, SelectItem, SetExpr, Statement};
use sqlparser::dialect::MsSqlDialect;
use sqlparser::parser::Parser;

use std::collections::BTreeSet;

use dbaudit::collect::{required_major_version, MSSQL_QUERIES};
use dbaudit::snapshot::mssql::QUERY_COLUMNS;

/// Output column names of a query's outermost SELECT.
fn output_columns(name: &str, sql: &str) -> Vec<String> {
    let statements = Parser::parse_sql(&MsSqlDialect {}, sql)
        .unwrap_or_else(|e| panic!("queries/mssql/{name}.sql does not parse as T-SQL: {e}"));
    assert_eq!(
        statements.len(),
        1,
        "queries/mssql/{name}.sql: one statement"
    );
    let Statement::Query(query) = &statements[0] else {
        panic!("queries/mssql/{name}.sql is not a query");
    };
    let SetExpr::Select(select) = query.body.as_ref() else {
        panic!("queries/mssql/{name}.sql: the outermost query is not a SELECT");
    };
    assert!(
        select.into.is_none(),
        "queries/mssql/{name}.sql: SELECT INTO writes"
    );
    select
        .projection
        .iter()
        .map(|item| match item {
            SelectItem::ExprWithAlias { alias, .. } => alias.value.clone(),
            SelectItem::UnnamedExpr(Expr::Identifier(id)) => id.value.clone(),
            SelectItem::UnnamedExpr(Expr::CompoundIdentifier(parts)) => {
                parts.last().map(|p| p.value.clone()).unwrap_or_default()
            }
            other => panic!("queries/mssql/{name}.sql: unnamed output column `{other}`"),
        })
        .collect()
}

#[test]
fn every_query_produces_exactly_the_columns_the_importer_reads() {
    let names: Vec<&str> = MSSQL_QUERIES.iter().map(|(n, _)| *n).collect();
    let specs: Vec<&str> = QUERY_COLUMNS.iter().map(|q| q.name).collect();
    assert_eq!(
        names, specs,
        "queries and importer list the same checks, in run order"
    );
    let mut files: Vec<String> = std::fs::read_dir("queries/mssql")
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".sql"))
        .collect();
    files.sort();
    // The collector's own session checks (preflight, uptime) are embedded beside the
    // checks the importer reads.
    let mut embedded: Vec<String> = names
        .iter()
        .chain(
            dbaudit::collect::mssql::MSSQL_SESSION_QUERIES
                .iter()
                .map(|(n, _)| n),
        )
        .map(|n| format!("{n}.sql"))
        .collect();
    embedded.sort();
    assert_eq!(
        files, embedded,
        "every file in queries/mssql is embedded and run"
    );
    for (name, sql) in MSSQL_QUERIES {
        let spec = QUERY_COLUMNS.iter().find(|q| q.name == *name).unwrap();
        let produced: BTreeSet<String> = output_columns(name, sql).into_iter().collect();
        let read: BTreeSet<String> = spec
            .required
            .iter()
            .chain(spec.optional)
            .map(|c| c.to_string())
            .collect();
        assert_eq!(produced, read, "queries/mssql/{name}.sql vs the importer");
    }
}

#[test]
fn version_requirements_are_declared() {
    let required: Vec<(&str, Option<u32>)> = MSSQL_QUERIES
        .iter()
        .map(|(n, sql)| (*n, required_major_version(sql)))
        .filter(|(_, v)| v.is_some())
        .collect();
    assert_eq!(
        required,
        [
            ("column_stats", Some(13)),
            ("missing_index_queries", Some(15))
        ]
    );
    // Azure SQL Database reports version 12 yet has both DMVs: the collector gates on
    // their existence, which the preflight reads from sys.all_objects.
    let objects: Vec<(&str, Option<&str>)> = MSSQL_QUERIES
        .iter()
        .map(|(n, sql)| (*n, dbaudit::collect::required_object(sql)))
        .filter(|(_, o)| o.is_some())
        .collect();
    assert_eq!(
        objects,
        [
            ("column_stats", Some("sys.dm_db_stats_histogram")),
            (
                "missing_index_queries",
                Some("sys.dm_db_missing_index_group_stats_query")
            )
        ]
    );
    let preflight = dbaudit::collect::mssql::MSSQL_PREFLIGHT;
    for (name, object) in objects {
        let object = object.unwrap_or_default().trim_start_matches("sys.");
        assert!(
            preflight.contains(&format!("N'{object}'")),
            "the preflight asks whether {object} (needed by {name}) exists"
        );
    }
}

#[test]
fn queries_read_only_the_current_database_and_write_nothing() {
    for (name, sql) in MSSQL_QUERIES {
        let upper = sql.to_ascii_uppercase();
        // One SELECT without INTO (checked by the parse); no temp tables, no procedures.
        for word in ["#", "EXEC "] {
            let code: String = upper
                .lines()
                .filter(|l| !l.trim_start().starts_with("--"))
                .collect();
            assert!(
                !code.contains(word),
                "queries/mssql/{name}.sql contains {word}"
            );
        }
        let reads_dmv = upper.contains("SYS.DM_DB_MISSING")
            || upper.contains("SYS.DM_EXEC")
            || upper.contains("USAGE_STATS");
        // The sessions are server-wide on purpose: every connection counts against the
        // server's limit and its client's pool, whatever its database.
        if reads_dmv && *name != "sessions" {
            assert!(
                upper.contains("DB_ID()"),
                "queries/mssql/{name}.sql is scoped to DB_ID()"
            );
        }
    }
}

/// No query joins names on the server (issue #19): FOR XML cannot carry a control
/// character such as CHAR(1) (the whole query fails) and a list joined with ", " cannot
/// be split back when a name holds ", ". Lists come one row per name, put together by the
/// importer; STRING_AGG would need 2017 and has the same splitting problem.
#[test]
fn no_names_are_aggregated_on_the_server() {
    for (name, sql) in MSSQL_QUERIES
        .iter()
        .chain(dbaudit::collect::mssql::MSSQL_SESSION_QUERIES)
    {
        let code: String = sql
            .lines()
            .filter(|l| !l.trim_start().starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n")
            .to_ascii_uppercase();
        for aggregation in ["FOR XML", "STRING_AGG", "STUFF("] {
            assert!(
                !code.contains(aggregation),
                "queries/mssql/{name}.sql aggregates with {aggregation}"
            );
        }
    }
}
