//! Stored-procedure analysis for T-SQL and PostgreSQL: dialect detection, lexing,
//! structure (objects, statements, blocks, loops), statement shapes, the SQL rules and
//! the per-object facts.

pub mod batch;
pub mod catalogue;
pub mod declared_index;
pub mod facts;
pub mod lex;
pub mod literal_body;
pub mod loop_kind;
pub mod postgres;
pub mod predicate;
pub mod prepare;
pub mod query;
pub mod rules;
pub mod tsql;
pub mod unit;

use serde::{Deserialize, Serialize};

pub use unit::SqlUnit;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum SqlDialect {
    /// SQL Server / Azure SQL (T-SQL).
    Tsql,
    /// PostgreSQL (plain SQL, PL/pgSQL, SQL functions).
    Postgres,
}

impl SqlDialect {
    pub fn as_str(self) -> &'static str {
        match self {
            SqlDialect::Tsql => "tsql",
            SqlDialect::Postgres => "postgresql",
        }
    }
}

/// Markers only one dialect has, with their weights.
const TSQL_MARKERS: &[(&str, usize)] = &[
    ("@@", 2),
    ("set nocount", 1),
    ("nvarchar", 1),
    ("begin try", 2),
    ("raiserror", 1),
    ("[dbo]", 1),
    ("dbo.", 1),
    ("getdate()", 1),
    ("(nolock)", 2),
    ("declare @", 2),
    (" top (", 1),
    ("exec ", 1),
    ("create or alter", 1),
];
const POSTGRES_MARKERS: &[(&str, usize)] = &[
    ("$$", 2),
    ("$function$", 2),
    ("$body$", 2),
    ("language plpgsql", 3),
    ("language sql", 2),
    ("::", 1),
    ("returns setof", 2),
    ("raise notice", 2),
    ("raise exception", 2),
    ("create or replace function", 2),
    (" ilike ", 1),
    ("jsonb", 1),
    ("perform ", 1),
    ("now()", 1),
    ("serial", 1),
    (" do $", 1),
    ("@extschema@", 3),
];

fn marker_matcher() -> &'static aho_corasick::AhoCorasick {
    static MATCHER: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    MATCHER.get_or_init(|| {
        let patterns = TSQL_MARKERS.iter().chain(POSTGRES_MARKERS).map(|(p, _)| *p);
        // A contiguous NFA: the default builds a DFA, whose construction (with the memory it
        // touches) was up to a quarter of the CPU time of a scan of a few small files; the
        // head searched is 64 KB at most.
        aho_corasick::AhoCorasick::builder()
            .kind(Some(aho_corasick::AhoCorasickKind::ContiguousNFA))
            .ascii_case_insensitive(true)
            .build(patterns)
            .unwrap_or_else(|_| unreachable!("the marker patterns are valid"))
    })
}

/// Guesses the dialect of a file from markers only one dialect has (one pass over the
/// file's head). Ties go to T-SQL, whose structure parser also copes with
/// semicolon-terminated plain SQL.
pub fn detect_dialect(text: &str) -> SqlDialect {
    let head_end = (0..=text.len().min(64 * 1024))
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    let head = &text[..head_end];
    let mut counts = vec![0usize; TSQL_MARKERS.len() + POSTGRES_MARKERS.len()];
    for found in marker_matcher().find_iter(head) {
        counts[found.pattern().as_usize()] += 1;
    }
    let score = |markers: &[(&str, usize)], offset: usize| -> usize {
        markers
            .iter()
            .enumerate()
            .map(|(i, (_, weight))| counts[offset + i].min(20) * weight)
            .sum()
    };
    let go_lines = head
        .lines()
        .filter(|l| batch::is_go_line(l))
        .count()
        .min(20);
    // psql meta-commands (`\i`, `\set`) only appear in PostgreSQL scripts.
    let psql_lines = head
        .lines()
        .filter(|l| l.trim_start().starts_with('\\'))
        .count()
        .min(20);
    let tsql = go_lines * 3 + score(TSQL_MARKERS, 0);
    let postgres = psql_lines * 3 + score(POSTGRES_MARKERS, TSQL_MARKERS.len());
    if postgres > tsql {
        SqlDialect::Postgres
    } else {
        SqlDialect::Tsql
    }
}

/// Lexes and structures a file in the given dialect: its own code and the code in the
/// string literals it executes (`literal_body`); definitions that did not become objects
/// are reported.
pub fn parse(text: &str, dialect: SqlDialect) -> SqlUnit {
    let mut unit = parse_nested(text, dialect, 0);
    literal_body::report_unread_definitions(&mut unit);
    unit.collect_scratch_tables();
    unit
}

/// `parse` of a file (`depth` 0) or of a literal's content (`depth` literals deep).
fn parse_nested(text: &str, dialect: SqlDialect, depth: usize) -> SqlUnit {
    let prepared = prepare::prepare(text, dialect);
    let mut unit = match dialect {
        SqlDialect::Tsql => tsql::parse(&prepared.text),
        SqlDialect::Postgres => postgres::parse(&prepared.text),
    };
    if !prepared.placeholders.is_empty() {
        for object in &mut unit.objects {
            object.name = prepared.restore(&object.name);
        }
        for tok in &mut unit.tokens {
            // Most names hold no placeholder: then `restore` would copy them unchanged.
            if tok.is_identifier_like() && prepared.mentions_placeholder(&tok.text) {
                tok.text = prepared.restore(&tok.text);
            }
        }
    }
    literal_body::expand(&mut unit, &prepared.text, depth);
    unit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_tsql() {
        let text = "CREATE PROCEDURE dbo.P @x INT AS\nSET NOCOUNT ON;\nSELECT 1\nGO\n";
        assert_eq!(detect_dialect(text), SqlDialect::Tsql);
    }

    #[test]
    fn detects_postgres() {
        let text = "CREATE OR REPLACE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN PERFORM 1; END $$;";
        assert_eq!(detect_dialect(text), SqlDialect::Postgres);
    }
}
