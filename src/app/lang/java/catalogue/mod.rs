//! The Java catalogue, as data: what a receiver is (JDBC statement and connection,
//! DataSource, Spring JdbcTemplate / JdbcClient / SimpleJdbc, JPA EntityManager and queries,
//! Hibernate Session, Spring Data repositories, jOOQ) by its declared type, its name or the
//! call it came from; which methods of each reach the database; connection APIs, pools and
//! release helpers; caches (types, lookups, fills, annotations); loop callbacks and iteration sources; the JDK's library types. The
//! extraction (`super`) only reads these tables.

mod caches;
mod connections;
mod db_calls;
mod loops;
mod receivers;

pub(super) use caches::*;
pub(super) use connections::*;
pub(super) use db_calls::*;
pub(super) use loops::*;
pub(super) use receivers::*;

/// The placeholder for a non-literal part of a concatenated / formatted string (JDBC style).
pub(super) const PLACEHOLDER: &str = "?";

pub(super) const MAX_DEPTH: usize = 500;

pub(super) fn method_matches(pattern: &str, name: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    match pattern.strip_suffix('*') {
        Some(prefix) => {
            name == prefix
                || (name.starts_with(prefix)
                    && name[prefix.len()..].starts_with(|c: char| {
                        c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'
                    }))
        }
        None => name == pattern,
    }
}

pub(super) fn name_matches(hint: &NameHint, name: &str, lower: &str) -> bool {
    match *hint {
        NameHint::Exact(w) => lower == w,
        NameHint::Suffix(w) => lower.ends_with(w),
        NameHint::Contains(w) => lower.contains(w),
        NameHint::CamelPrefix(w) => {
            name.len() > w.len()
                && name.starts_with(w)
                && name[w.len()..]
                    .starts_with(|c: char| c.is_ascii_uppercase() || c.is_ascii_digit())
        }
    }
}

pub(super) fn db_entry(kind: Kind, method: &str) -> Option<&'static DbMethod> {
    if NON_DB_METHODS.contains(&method) {
        return None;
    }
    DB_METHODS
        .iter()
        .find(|e| e.kind == kind && method_matches(e.method, method))
}

pub(super) fn recv_matches(recv: Recv, kind: Option<Kind>, bare: bool) -> bool {
    match recv {
        Recv::Any => true,
        Recv::Bare => bare,
        Recv::Of(k) => kind == Some(k),
    }
}

/// Whether the file imports `java.sql.Connection` (or `java.sql.*`), outside comments.
pub(super) fn imports_jdbc_connection(text: &str) -> bool {
    text.lines().any(|line| {
        let line = line.trim_start();
        line.starts_with("import ") && JDBC_CONNECTION_EVIDENCE.iter().any(|e| line.contains(e))
    })
}
