//! Stored-procedure analysis for T-SQL and PostgreSQL: dialect detection, lexing,
//! structure (objects, statements, blocks, loops), statement shapes, the SQL rules and
//! the per-object facts.

pub mod batch;
pub mod facts;
pub mod lex;
pub mod postgres;
pub mod predicate;
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

/// Guesses the dialect of a file from markers only one dialect has. Ties go to T-SQL,
/// whose structure parser also copes with semicolon-terminated plain SQL.
pub fn detect_dialect(text: &str) -> SqlDialect {
    // The head of the file is enough and keeps this cheap on huge files.
    let head_end = (0..=text.len().min(256 * 1024))
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    let head = text[..head_end].to_ascii_lowercase();
    let count = |needle: &str| head.matches(needle).count().min(20);
    let go_lines = head
        .lines()
        .filter(|l| batch::is_go_line(l))
        .count()
        .min(20);
    let tsql = go_lines * 3
        + count("@@") * 2
        + count("set nocount")
        + count("nvarchar")
        + count("begin try") * 2
        + count("raiserror")
        + count("[dbo]")
        + count("dbo.")
        + count("getdate()")
        + count("(nolock)") * 2
        + count("declare @") * 2
        + count(" top (")
        + count("exec ")
        + count("create or alter");
    let postgres = count("$$") * 2
        + count("$function$") * 2
        + count("$body$") * 2
        + count("language plpgsql") * 3
        + count("language sql") * 2
        + count("::")
        + count("returns setof") * 2
        + count("raise notice") * 2
        + count("raise exception") * 2
        + count("create or replace function") * 2
        + count(" ilike ")
        + count("jsonb")
        + count("perform ")
        + count("now()")
        + count("serial")
        + count(" do $");
    if postgres > tsql {
        SqlDialect::Postgres
    } else {
        SqlDialect::Tsql
    }
}

/// Lexes and structures a file in the given dialect.
pub fn parse(text: &str, dialect: SqlDialect) -> SqlUnit {
    match dialect {
        SqlDialect::Tsql => tsql::parse(text),
        SqlDialect::Postgres => postgres::parse(text),
    }
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
