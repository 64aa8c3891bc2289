//! `CREATE INDEX` statements: quoted identifiers, self-describing names within the
//! engine's identifier length.

use crate::model::recommendation::{Action, IndexRecommendation};

/// A PostgreSQL identifier, quoted only when it must be.
pub fn pg_ident(name: &str) -> String {
    crate::collect::postgres::quote_ident(name)
}

/// `ix_<table>_<cols>`, cut to 63 bytes with a short hash so that cut names stay unique.
pub fn index_name(table: &str, columns: &[String], max_len: usize) -> String {
    let base = format!("ix_{}_{}", table, columns.join("_")).to_ascii_lowercase();
    let base: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if base.len() <= max_len {
        return base;
    }
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(base.as_bytes());
    let suffix: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    format!("{}_{suffix}", &base[..max_len - 9])
}

pub fn postgres_create_index(
    schema: &str,
    table: &str,
    key: &[String],
    include: &[String],
) -> String {
    postgres_create_named(&index_name(table, key, 63), schema, table, key, include)
}

fn postgres_create_named(
    name: &str,
    schema: &str,
    table: &str,
    key: &[String],
    include: &[String],
) -> String {
    let columns: Vec<String> = key.iter().map(|c| pg_ident(c)).collect();
    let mut ddl = format!(
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS {} ON {}.{} ({})",
        pg_ident(name),
        pg_ident(schema),
        pg_ident(table),
        columns.join(", ")
    );
    if !include.is_empty() {
        let include: Vec<String> = include.iter().map(|c| pg_ident(c)).collect();
        ddl.push_str(&format!(" INCLUDE ({})", include.join(", ")));
    }
    ddl.push(';');
    ddl
}

/// A recommendation as PostgreSQL DDL: the new index, then (when it widens one) the
/// old index dropped, both without blocking writes.
pub fn postgres_index(rec: &IndexRecommendation) -> String {
    let mut ddl = postgres_create_named(
        &rec.name,
        &rec.schema,
        &rec.table,
        &rec.key_columns,
        &rec.include_columns,
    );
    if let Action::Widen { replaces, .. } = &rec.action {
        ddl.push_str(&format!(
            "\nDROP INDEX CONCURRENTLY IF EXISTS {}.{};",
            pg_ident(&rec.schema),
            pg_ident(replaces)
        ));
    }
    ddl
}

/// A SQL Server identifier in brackets, `]` doubled.
pub fn mssql_ident(name: &str) -> String {
    format!("[{}]", name.replace(']', "]]"))
}

/// A recommendation as SQL Server DDL. Widening rebuilds the existing index in place
/// (`DROP_EXISTING = ON`), keeping its name.
pub fn mssql_index(rec: &IndexRecommendation) -> String {
    let list = |cols: &[String]| {
        cols.iter()
            .map(|c| mssql_ident(c))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut ddl = format!(
        "CREATE NONCLUSTERED INDEX {} ON {}.{} ({})",
        mssql_ident(&rec.name),
        mssql_ident(&rec.schema),
        mssql_ident(&rec.table),
        list(&rec.key_columns)
    );
    if !rec.include_columns.is_empty() {
        ddl.push_str(&format!(" INCLUDE ({})", list(&rec.include_columns)));
    }
    let drop_existing = if matches!(rec.action, Action::Widen { .. }) {
        "DROP_EXISTING = ON, "
    } else {
        ""
    };
    ddl.push_str(&format!(
        " WITH ({drop_existing}ONLINE = ON, SORT_IN_TEMPDB = ON);"
    ));
    ddl
}

/// The comment above SQL Server DDL: ONLINE needs an edition that has it.
pub const MSSQL_ONLINE_NOTE: &str =
    "ONLINE = ON needs Enterprise, Developer or Azure SQL editions; on Standard remove it (the build then blocks writes to the table).";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_quoting() {
        let ddl = postgres_create_index(
            "public",
            "appointments",
            &["client_id".into(), "start_date".into()],
            &[],
        );
        assert_eq!(ddl, "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_appointments_client_id_start_date ON public.appointments (client_id, start_date);");
        let ddl =
            postgres_create_index("Sales", "Order Lines", &["LineId".into()], &["Qty".into()]);
        assert!(
            ddl.contains("ON \"Sales\".\"Order Lines\" (\"LineId\") INCLUDE (\"Qty\")"),
            "{ddl}"
        );
        let long = index_name(&"t".repeat(50), &["c".repeat(30)], 63);
        assert_eq!(long.len(), 63);
        assert_ne!(long, index_name(&"t".repeat(50), &["c".repeat(31)], 63));
    }
}
