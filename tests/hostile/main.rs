//! Hostile databases and hostile repositories (issue: no code runs as the auditor, nothing
//! injectable, honest partial audits). Each module probes one way a database user or a
//! repository author could turn dbaudit against the DBA who runs it, on a real throwaway
//! cluster where a server is needed (`tests/support/pg_cluster.rs`).

#[path = "../support/pg_cluster.rs"]
#[allow(unused)] // used by the probe modules as they are added
mod pg_cluster;
mod reports;

mod partial;
mod secrets;
mod sql_text;

/// The dbaudit binary with no connection settings inherited from the environment.
pub use pg_cluster::dbaudit;

/// The names a hostile database user can give a table, an index or a column.
pub const HOSTILE_NAMES: &[&str] = &[
    "inv2; DROP TABLE public.victim; --",
    "MixedCase",
    "with space",
    "quote\"inside",
    "order",
    "user",
    "group",
    "Ünïcødé_名前",
    "<script>alert(1)</script>|t`x",
    "line\nbreak",
    "esc\u{1b}[31mred",
    // A comma (and comma-space) inside one name: lists of names must not split it.
    "comma, in,name",
    // 63 bytes, PostgreSQL's identifier limit.
    "a23456789_123456789_123456789_123456789_123456789_123456789_123",
];

#[test]
fn hostile_names_are_distinct_and_within_postgres_limits() {
    for name in HOSTILE_NAMES {
        assert!(name.len() <= 63, "{name:?} is longer than 63 bytes");
    }
    let mut sorted = HOSTILE_NAMES.to_vec();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), HOSTILE_NAMES.len());
}

mod verification;
