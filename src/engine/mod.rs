//! The SQL text dbaudit writes, one module per engine: quoting of names and literals,
//! name limits and index naming, the collectors' query catalogue (`queries`), and every DDL statement (CREATE / DROP / REINDEX
//! INDEX, widening, VACUUM, UPDATE STATISTICS) that a recommendation or a finding's fix
//! carries.
//!
//! Names come from the audited database or from files other people wrote, so no other
//! module builds SQL text from names: it asks here. This module sits at the bottom of the
//! house, just above `model` (it reads `IndexRecommendation`), and imports nothing else.

pub mod mssql;
pub mod postgres;
pub mod queries;

/// `ix_<table>_<cols>` in lower-case ASCII (anything else becomes `_`), cut to `max_len`
/// bytes with a short hash so that cut names stay unique.
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
    // `base` is ASCII, so any byte offset is a character boundary.
    format!("{}_{suffix}", &base[..max_len.saturating_sub(9)])
}

/// Names quoted by `quote` and separated by `, `.
fn name_list(names: &[String], quote: fn(&str) -> String) -> String {
    names
        .iter()
        .map(|n| quote(n))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_names_are_bounded_and_distinct() {
        assert_eq!(
            index_name(
                "appointments",
                &["client_id".into(), "start_date".into()],
                63
            ),
            "ix_appointments_client_id_start_date"
        );
        let long = index_name(&"t".repeat(50), &["c".repeat(30)], 63);
        assert_eq!(long.len(), 63);
        assert_ne!(long, index_name(&"t".repeat(50), &["c".repeat(31)], 63));
        let hostile = index_name("inv2; DROP TABLE public.victim; --", &["Ünï".into()], 63);
        assert!(hostile
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'));
    }
}
