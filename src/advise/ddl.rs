//! `CREATE INDEX` statements: quoted identifiers, self-describing names within the
//! engine's identifier length.

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
    let columns: Vec<String> = key.iter().map(|c| pg_ident(c)).collect();
    let mut ddl = format!(
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS {} ON {}.{} ({})",
        pg_ident(&index_name(table, key, 63)),
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
