//! Whether a statement text taken from the server (pg_stat_statements,
//! `sys.dm_exec_query_stats`) is a plain read: over-fetching and caching-candidate judge
//! only what a SELECT returns. The text is hostile and only lexed (with the static scan's
//! tokenizer, so literals and comments cannot fake a keyword), never run.

use crate::sql::lex::{lex_into, Lexed, TokKind};
use crate::sql::SqlDialect;

/// What the text says about the statement.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReadShape {
    /// A SELECT (or WITH ... SELECT) that writes nothing, locks no rows and creates no
    /// table: no INSERT / UPDATE / DELETE / MERGE, FOR UPDATE / SHARE, SELECT INTO,
    /// locking table hints.
    pub read_only: bool,
    /// It reads a table (has a FROM): `SELECT 1` and `SELECT now()` are not data reads.
    pub reads_table: bool,
    /// It reads the system catalog (driver and tool metadata queries).
    pub reads_catalog: bool,
    /// A function whose result changes from call to call (`now()`, `random()`,
    /// `nextval()`, `GETDATE()`, `NEWID()`, `CURRENT_TIMESTAMP`), the first one found.
    pub volatile: Option<String>,
    /// Other functions called (not aggregates or common pure built-ins): the rule cannot
    /// tell whether they are immutable.
    pub unknown_functions: Vec<String>,
}

/// Words that make a statement write, lock or run code.
const WRITING: &[&str] = &[
    "insert", "update", "delete", "merge", "truncate", "create", "alter", "drop", "into", "exec",
    "execute", "call", "lock", "share", "updlock", "xlock", "holdlock", "tablockx", "grant",
    "revoke", "copy", "do", "set", "declare",
];

/// Functions whose result differs between two calls with the same arguments.
const VOLATILE: &[&str] = &[
    "now",
    "clock_timestamp",
    "statement_timestamp",
    "transaction_timestamp",
    "timeofday",
    "random",
    "setseed",
    "gen_random_uuid",
    "uuid_generate_v1",
    "uuid_generate_v4",
    "nextval",
    "currval",
    "lastval",
    "setval",
    "txid_current",
    "pg_current_xact_id",
    "pg_sleep",
    "newid",
    "newsequentialid",
    "rand",
    "getdate",
    "getutcdate",
    "sysdatetime",
    "sysutcdatetime",
    "sysdatetimeoffset",
    "current_timestamp",
    "localtimestamp",
    "current_time",
    "localtime",
    "current_date",
];

/// Functions that return the same result for the same arguments (aggregates and common
/// built-ins), so calling them does not stop a result from being cached.
const PURE: &[&str] = &[
    "count",
    "sum",
    "min",
    "max",
    "avg",
    "coalesce",
    "nullif",
    "isnull",
    "lower",
    "upper",
    "length",
    "len",
    "trim",
    "ltrim",
    "rtrim",
    "substring",
    "substr",
    "concat",
    "cast",
    "convert",
    "round",
    "abs",
    "floor",
    "ceiling",
    "ceil",
    "exists",
    "in",
    "any",
    "all",
    "array_agg",
    "string_agg",
    "json_agg",
    "jsonb_agg",
    "row_number",
    "rank",
    "dense_rank",
    "over",
    "left",
    "right",
    "replace",
    "date_trunc",
    "extract",
    "datepart",
    "datediff",
    "dateadd",
    "greatest",
    "least",
    "unnest",
    "array",
    "values",
    "row",
    "filter",
    "json_build_object",
    "jsonb_build_object",
    "to_char",
    "format",
    "case",
    "iif",
];

pub fn read_shape(text: &str, mssql: bool) -> ReadShape {
    let dialect = if mssql {
        SqlDialect::Tsql
    } else {
        SqlDialect::Postgres
    };
    let mut lexed = Lexed::default();
    lex_into(text, dialect, 1, 1, &mut lexed);
    let toks = &lexed.tokens;
    let mut shape = ReadShape::default();
    let first = toks
        .iter()
        .find(|t| !t.is_punct("("))
        .filter(|t| t.kind == TokKind::Word);
    let starts_as_read = first.is_some_and(|t| t.is_any_kw(&["select", "with"]));
    // A text the tokenizer could not read fully is not judged read-only.
    let mut writes = !lexed.errors.is_empty();
    for (i, tok) in toks.iter().enumerate() {
        if tok.kind != TokKind::Word {
            continue;
        }
        let word = tok.text.to_ascii_lowercase();
        if WRITING.contains(&word.as_str()) {
            writes = true;
        }
        if word == "from" {
            shape.reads_table = true;
        }
        let qualified_by_sys = word == "sys" && toks.get(i + 1).is_some_and(|t| t.is_punct("."));
        if word.starts_with("pg_") && !VOLATILE.contains(&word.as_str())
            || word == "information_schema"
            || (mssql && qualified_by_sys)
        {
            shape.reads_catalog = true;
        }
        let called = toks.get(i + 1).is_some_and(|t| t.is_punct("("));
        let keyword_function = matches!(
            word.as_str(),
            "current_timestamp" | "localtimestamp" | "current_time" | "localtime" | "current_date"
        );
        if VOLATILE.contains(&word.as_str()) && (called || keyword_function) {
            if shape.volatile.is_none() {
                shape.volatile = Some(word);
            }
        } else if called
            && !PURE.contains(&word.as_str())
            && !is_keyword_before_paren(&word)
            && !shape.unknown_functions.contains(&word)
        {
            shape.unknown_functions.push(word);
        }
    }
    shape.read_only = starts_as_read && !writes;
    shape
}

/// Keywords that are followed by a parenthesis without being a function call.
fn is_keyword_before_paren(word: &str) -> bool {
    matches!(
        word,
        "select"
            | "from"
            | "join"
            | "where"
            | "and"
            | "or"
            | "not"
            | "on"
            | "as"
            | "with"
            | "union"
            | "intersect"
            | "except"
            | "lateral"
            | "using"
            | "by"
            | "having"
            | "then"
            | "else"
            | "when"
            | "is"
            | "like"
            | "ilike"
            | "between"
            | "top"
            | "limit"
            | "offset"
            | "fetch"
            | "nolock"
            | "index"
            | "option"
            | "recompile"
            | "distinct"
            | "return"
            | "returns"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_reads_are_read_only() {
        let s = read_shape("SELECT id, name FROM users WHERE id = $1", false);
        assert!(s.read_only && s.reads_table && !s.reads_catalog);
        assert_eq!(s.volatile, None);
        assert!(s.unknown_functions.is_empty());
        let s = read_shape(
            "WITH t AS (SELECT count(*) AS n FROM orders) SELECT n FROM t",
            false,
        );
        assert!(s.read_only, "{s:?}");
        let s = read_shape(
            "SELECT TOP (10) [Id] FROM [dbo].[Orders] WITH (NOLOCK) WHERE [Id] = @p0",
            true,
        );
        assert!(s.read_only, "{s:?}");
    }

    #[test]
    fn writes_locks_and_volatile_functions_are_seen() {
        for text in [
            "SELECT * FROM jobs WHERE id = $1 FOR UPDATE SKIP LOCKED",
            "SELECT * FROM jobs FOR SHARE",
            "SELECT * INTO copy FROM jobs",
            "WITH d AS (DELETE FROM jobs RETURNING *) SELECT * FROM d",
            "UPDATE jobs SET done = true",
            "SELECT * FROM dbo.Jobs WITH (UPDLOCK) WHERE Id = @p0",
        ] {
            assert!(!read_shape(text, false).read_only, "{text}");
        }
        let s = read_shape("SELECT id FROM sessions WHERE expires > now()", false);
        assert_eq!(s.volatile.as_deref(), Some("now"));
        let s = read_shape("SELECT Id FROM dbo.T WHERE At > CURRENT_TIMESTAMP", true);
        assert_eq!(s.volatile.as_deref(), Some("current_timestamp"));
        let s = read_shape("SELECT f(x) FROM t", false);
        assert_eq!(s.unknown_functions, vec!["f".to_string()]);
    }

    #[test]
    fn literals_and_comments_cannot_fake_a_keyword() {
        let s = read_shape(
            "SELECT id FROM notes WHERE body = 'DELETE now()' -- UPDATE\n",
            false,
        );
        assert!(s.read_only, "{s:?}");
        assert_eq!(s.volatile, None);
    }

    #[test]
    fn catalog_reads_and_selects_without_from() {
        assert!(read_shape("SELECT oid FROM pg_catalog.pg_type", false).reads_catalog);
        assert!(read_shape("SELECT name FROM sys.tables", true).reads_catalog);
        assert!(!read_shape("SELECT 1", false).reads_table);
    }
}
