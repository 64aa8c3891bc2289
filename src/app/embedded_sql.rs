//! SQL embedded in application source: string literals (and concatenations) that reach a
//! database call or plainly hold a statement are read by the stored-procedure scanner's
//! rules (`select-star`, `non-sargable-predicate`, `leading-wildcard-like`), with every
//! location mapped back into the source file. The literal's escapes are undone first
//! (`literal_text`: C# doubled quotes, backslash escapes), then placeholders become values
//! of the same length, so positions still line up: driver placeholders (`@p`, `$1`, `%s`,
//! `%(name)s`, `?`, `:name`), format holes (`{0}`, `{name}`, `{}`) and ClickHouse
//! parameters (`{name:Type}`); a placeholder where a name stands (`t.${column}`,
//! `FROM {table}`, `"{table}"`, `[{schema}].Job`, `{prefix}LOCKS`) becomes an identifier
//! instead, never a value around a column. MySQL's back-quoted names become double-quoted
//! ones. WMI queries (`SELECT * FROM Win32_…`, `meta_class`) look like SQL but are not,
//! and are not read. A star in a `WITH` statement one of whose CTEs is a hole may read a
//! CTE the text does not show: medium. A statement in one-off code (a migration, an
//! upgrade, an installer: `rules::one_off_code`) runs once per installation: medium.
//! A `SELECT *` here is high only where a table it reads is declared (in a SQL file or a
//! `CREATE TABLE` string of the application) with a large binary column
//! (`IndexCheck::LargeObject`, judged after every file): this module returns the ones
//! its strings declare, a type filled in at run time whose name says blob or binary
//! (`data {db.blob}`) read as one.

use super::ir::{AppFile, Language};
use super::lang::common::looks_like_sql;
use crate::config::Config;
use crate::model::ConfidenceLevel;
use crate::source::LineIndex;
use crate::sql::declared_index::{IndexCatalogue, RUN_TIME_BLOB_TYPE};
use crate::sql::SqlDialect;

/// The SQL rules that apply to a single embedded statement.
const EMBEDDED_RULES: &[&str] = &[
    "select-star",
    "non-sargable-predicate",
    "leading-wildcard-like",
];

/// The SQL rules' findings on `file`'s SQL strings, into `out`; returns the large binary
/// columns its `CREATE TABLE` strings declare.
pub fn check(
    file: &AppFile,
    config: &Config,
    out: &mut Vec<crate::sql::rules::RawFinding>,
) -> IndexCatalogue {
    let mut declared = IndexCatalogue::default();
    for literal in &file.strings {
        if !(literal.at_db_call || looks_like_sql(&literal.text)) || is_wmi_query(&literal.text) {
            continue;
        }
        let literal = &super::literal_text::decoded(file.language, literal);
        let dialect = dialect_of(file.language, &literal.text);
        if let Some(ddl) = create_table_text(&literal.text) {
            let unit = crate::sql::parse(&normalise(&ddl).0, dialect);
            declared = declared.merge(IndexCatalogue::large_objects_of_unit(&unit));
        }
        let (text, names) = normalise(&literal.text);
        let mut unit = crate::sql::parse(&text, dialect);
        unit.from_application = true;
        let lines = LineIndex::new(&text);
        for raw in crate::sql::rules::run(&unit, config, Some(EMBEDDED_RULES)) {
            let offset = lines.offset(&text, raw.line, raw.column);
            let at = literal.position_of(offset);
            let mut raw = raw;
            raw.line = at.line;
            raw.column = at.column;
            raw.statement_line = literal.start.line;
            raw.end_line = at.line.max(raw.line);
            raw.object = super::rules::object_name(file, literal.function);
            let message = restore_names(&raw.message, &names);
            if message != raw.message {
                raw.snippet = restore_names(&raw.snippet, &names);
                raw.confidence.lower(
                    ConfidenceLevel::Medium,
                    "part of the statement is a name filled in at run time; which column it is is not known",
                );
            }
            if raw.rule.name == "select-star" && cte_filled_at_run_time(&literal.text) {
                raw.confidence.lower(
                    ConfidenceLevel::Medium,
                    "a common table expression of the statement's WITH list is filled in at run time; the star may read it",
                );
            }
            if let Some(what) = super::rules::one_off_code(file, literal.function) {
                raw.confidence.lower(
                    ConfidenceLevel::Medium,
                    format!("the statement is in one-off upgrade, migration or install code (`{what}`): it runs once per installation or version, not per request"),
                );
            }
            raw.message = format!("embedded SQL: {message}");
            out.push(raw);
        }
    }
    declared
}

/// A literal that creates a table, with each format hole whose expression names a binary
/// type (`{db.blob}`, `{BINARY_TYPE}`, `{self.bytea}`) written as the type the catalogue
/// reads for it; `None` for any other literal.
fn create_table_text(text: &str) -> Option<String> {
    let upper = text.to_ascii_uppercase();
    let at = upper.find("CREATE")?;
    if !upper[at + 6..].trim_start().starts_with("TABLE") {
        return None;
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if bytes[i] == b'{' {
            if let Some(end) = brace_hole_end(bytes, i) {
                let inner = text[i..end].to_ascii_lowercase();
                if ["blob", "binary", "bytea"]
                    .iter()
                    .any(|w| inner.contains(w))
                {
                    out.push_str(RUN_TIME_BLOB_TYPE);
                } else {
                    out.push_str(&text[i..end]);
                }
                i = end;
                continue;
            }
        }
        let len = text[i..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&text[i..i + len]);
        i += len;
    }
    Some(out)
}

fn dialect_of(language: Language, text: &str) -> SqlDialect {
    if text.contains("$1")
        || text.contains("::")
        || text.contains(" ILIKE ")
        || text.contains(" ilike ")
    {
        SqlDialect::Postgres
    } else if text.contains('@') || text.contains('[') {
        SqlDialect::Tsql
    } else {
        language.default_sql_dialect()
    }
}

/// A WMI query (WQL): its classes are `Win32_…`, `CIM_…`, `Msvm_…`, `MSFT_…`, system
/// classes `__…` or `meta_class`; no database table is named so.
fn is_wmi_query(text: &str) -> bool {
    let upper = text.to_ascii_uppercase();
    let Some(at) = upper.find("FROM") else {
        return false;
    };
    let class = upper[at + 4..].trim_start();
    (upper[at + 4..].starts_with(char::is_whitespace))
        && (["WIN32_", "CIM_", "MSVM_", "MSFT_", "__"]
            .iter()
            .any(|prefix| class.starts_with(prefix))
            // WQL's schema query: `SELECT * FROM meta_class WHERE __CLASS = '…'`.
            || class
                .strip_prefix("META_CLASS")
                .is_some_and(|rest| !rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')))
}

/// A `WITH` statement one of whose common table expressions is a hole filled in at run
/// time (`WITH a AS (…), ${more} SELECT * FROM b`): a star may be over a CTE the text does
/// not show, which the SQL rules would not report if they saw it.
fn cte_filled_at_run_time(text: &str) -> bool {
    let upper = text.to_ascii_uppercase();
    if !upper.trim_start().starts_with("WITH") {
        return false;
    }
    let bytes = upper.as_bytes();
    // The holes the front ends write for an expression (`$1`, `?`, `@p`, `{…}`, `%s`).
    // Byte positions: every hole is ASCII, so `at` and `end` are character boundaries.
    let hole_end = |at: usize| -> Option<usize> {
        let rest = &bytes[at..];
        if rest.starts_with(b"$1") || rest.starts_with(b"@P") || rest.starts_with(b"%S") {
            Some(at + 2)
        } else if rest.starts_with(b"?") {
            Some(at + 1)
        } else if rest.starts_with(b"{") {
            brace_hole_end(bytes, at)
        } else {
            None
        }
    };
    (0..bytes.len()).any(|at| {
        let Some(end) = hole_end(at) else {
            return false;
        };
        let (Some(before), Some(after)) = (upper.get(..at), upper.get(end..)) else {
            return false;
        };
        let before = before.trim_end();
        let after = after.trim_start();
        let opens =
            before.ends_with(',') || before.ends_with("WITH") || before.ends_with("RECURSIVE");
        let closes = after.starts_with(',')
            || after
                .strip_prefix("SELECT")
                .is_some_and(|r| r.starts_with(|c: char| c.is_whitespace() || c == '*'));
        opens && closes
    })
}

/// Whether a placeholder at `start..end` stands where a name does: inside a quoted or
/// bracketed name (`"{table}"`, `[{schema}]`), after `.` or before it, or after `FROM`,
/// `JOIN`, `INTO`, `UPDATE`, `TABLE`.
fn in_name_position(bytes: &[u8], start: usize, end: usize) -> bool {
    if bytes.get(end) == Some(&b'.') {
        return true;
    }
    if start > 0 && matches!(bytes[start - 1], b'"' | b'[') {
        return true;
    }
    let before = &bytes[..start];
    let Some(last) = before.iter().rposition(|b| !b.is_ascii_whitespace()) else {
        return false;
    };
    if bytes[last] == b'.' {
        return true;
    }
    let word_start = before[..=last]
        .iter()
        .rposition(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
        .map_or(0, |p| p + 1);
    let word = &before[word_start..=last];
    [&b"FROM"[..], b"JOIN", b"INTO", b"UPDATE", b"TABLE"]
        .iter()
        .any(|k| word.eq_ignore_ascii_case(k))
}

/// The end of a format hole or ClickHouse parameter starting at `{` (`{0}`, `{}`,
/// `{name}`, `{name:String}`, `{0:d}`), on one line; not `{{` (template syntax, which
/// the SQL reader blanks itself).
fn brace_hole_end(bytes: &[u8], start: usize) -> Option<usize> {
    if bytes.get(start + 1) == Some(&b'{') || (start > 0 && bytes[start - 1] == b'{') {
        return None;
    }
    let close = bytes[start + 1..]
        .iter()
        .take(80)
        .position(|&c| {
            !(c.is_ascii_alphanumeric()
                || matches!(c, b'_' | b':' | b'.' | b',' | b' ' | b'(' | b')'))
        })
        .map(|p| start + 1 + p)?;
    (bytes[close] == b'}' && bytes.get(close + 1) != Some(&b'}')).then_some(close + 1)
}

/// `text` with each placeholder that stands for a name shown as written (`e.$1` for the
/// reader's `e._1`), whole words only.
fn restore_names(text: &str, names: &[(String, String)]) -> String {
    let mut out = text.to_string();
    for (written, original) in names {
        let mut from = 0;
        while let Some(at) = out[from..].find(written.as_str()).map(|p| from + p) {
            let end = at + written.len();
            let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
            if word(out[..at].chars().next_back()) || word(out[end..].chars().next()) {
                from = end;
                continue;
            }
            out.replace_range(at..end, original);
            from = at + original.len();
        }
    }
    out
}

/// Placeholders become numbers of the same length (values to the SQL reader), or
/// identifiers where a name stands; back-quoted names become double-quoted ones; quoted
/// text is left alone.
pub fn normalise_placeholders(text: &str) -> String {
    normalise(text).0
}

/// `normalise_placeholders`, and the placeholders that became names: (as the reader sees
/// it, as written).
fn normalise(text: &str) -> (String, Vec<(String, String)>) {
    let mut names: Vec<(String, String)> = Vec::new();
    let mut name = |start: usize, end: usize, out: &[u8]| {
        // A hole that is part of a longer name (`{prefix}LOCKS`) is restored as that
        // whole name, so that the message shows `{prefix}LOCKS`, not `___LOCKS`.
        let word = |c: &u8| c.is_ascii_alphanumeric() || *c == b'_';
        let start = out[..start]
            .iter()
            .rposition(|c| !word(c))
            .map_or(0, |p| p + 1)
            .min(start);
        let end = out[end..]
            .iter()
            .position(|c| !word(c))
            .map_or(out.len(), |p| end + p);
        let written = String::from_utf8_lossy(&out[start..end]).into_owned();
        let original = text.get(start..end).unwrap_or_default().to_string();
        if !names.iter().any(|(w, _)| *w == written) {
            names.push((written, original));
        }
    };
    let bytes = text.as_bytes();
    let mut out = bytes.to_vec();
    let mut i = 0;
    let mut quote: Option<u8> = None;
    while i < bytes.len() {
        let b = bytes[i];
        if let Some(q) = quote {
            if b == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        match b {
            b'\'' => quote = Some(b'\''),
            b'`' => {
                if let Some(close) = bytes[i + 1..].iter().position(|&c| c == b'`' || c == b'\n') {
                    let end = i + 1 + close;
                    if bytes[end] == b'`' {
                        out[i] = b'"';
                        out[end] = b'"';
                        i = end + 1;
                        continue;
                    }
                }
            }
            b'{' => {
                if let Some(end) = brace_hole_end(bytes, i) {
                    let is_name = in_name_position(bytes, i, end);
                    for o in &mut out[i..end] {
                        *o = if is_name { b'_' } else { b'0' };
                    }
                    if is_name {
                        name(i, end, &out);
                    }
                    i = end;
                    continue;
                }
            }
            b'$' if bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                let end = bytes[i + 1..]
                    .iter()
                    .position(|c| !c.is_ascii_digit())
                    .map_or(bytes.len(), |p| i + 1 + p);
                // `$1` follows no word character (`a$1` is a name) and is a name where
                // a name stands (`t.${column}` written as `t.$1`).
                let after_word =
                    i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
                if !after_word && in_name_position(bytes, i, end) {
                    out[i] = b'_';
                    name(i, end, &out);
                }
                i = end;
                continue;
            }
            b'%' if bytes.get(i + 1) == Some(&b's') => {
                out[i] = b'0';
                out[i + 1] = b'0';
                i += 2;
                continue;
            }
            b'%' if bytes.get(i + 1) == Some(&b'(') => {
                if let Some(close) = bytes[i..].iter().position(|&c| c == b')') {
                    let end = i + close + 1;
                    if bytes.get(end) == Some(&b's') {
                        for o in &mut out[i..=end] {
                            *o = b'0';
                        }
                        i = end + 1;
                        continue;
                    }
                }
            }
            // A hole of a concatenation (`"FROM " + table`: Java's `?`, C#'s `@p`) where a
            // name stands is a name.
            b'?' if in_name_position(bytes, i, i + 1) => {
                out[i] = b'_';
                name(i, i + 1, &out);
            }
            b'?' => out[i] = b'0',
            b'@' if bytes.get(i + 1) == Some(&b'p')
                && !bytes
                    .get(i + 2)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
                && in_name_position(bytes, i, i + 2) =>
            {
                out[i] = b'_';
                name(i, i + 2, &out);
                i += 2;
                continue;
            }
            b':' if bytes.get(i + 1).is_some_and(|c| c.is_ascii_alphabetic())
                && i > 0
                && matches!(
                    bytes[i - 1],
                    b' ' | b'(' | b',' | b'=' | b'<' | b'>' | b'\n' | b'\t'
                ) =>
            {
                let end = bytes[i + 1..]
                    .iter()
                    .position(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
                    .map_or(bytes.len(), |p| i + 1 + p);
                for o in &mut out[i..end] {
                    *o = b'0';
                }
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    let normalised = String::from_utf8(out).unwrap_or_else(|_| text.to_string());
    (normalised, names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_keep_their_length() {
        assert_eq!(
            normalise_placeholders("a = %s AND b = %(name)s"),
            "a = 00 AND b = 00000000"
        );
        assert_eq!(
            normalise_placeholders("a = ? AND c = ':x' AND d = :id"),
            "a = 0 AND c = ':x' AND d = 000"
        );
        assert_eq!(normalise_placeholders("x::int = $1"), "x::int = $1");
    }

    #[test]
    fn holes_are_values_or_names_by_where_they_stand() {
        // ClickHouse parameters and format holes are values.
        assert_eq!(
            normalise_placeholders("upper(currency) = {currency:String} AND id = {0}"),
            "upper(currency) = 00000000000000000 AND id = 000"
        );
        // Where a name stands they are names.
        assert_eq!(
            normalise_placeholders("SELECT * FROM {table} WHERE we.$1 != '' AND {} = 1"),
            "SELECT * FROM _______ WHERE we._1 != '' AND 00 = 1"
        );
        // `{{x}}` is left to the SQL reader's template blanking; quoted text is left alone.
        assert_eq!(
            normalise_placeholders("a = {{x}} AND b = '{0}'"),
            "a = {{x}} AND b = '{0}'"
        );
        // MySQL back-quoted names become double-quoted ones.
        assert_eq!(
            normalise_placeholders("SELECT `name` FROM `users` WHERE `id` = ?"),
            "SELECT \"name\" FROM \"users\" WHERE \"id\" = 0"
        );
    }

    #[test]
    fn names_filled_at_run_time_are_shown_as_written() {
        let (text, names) = normalise("SELECT 1 FROM t e WHERE lower(e.$1) = $2 AND {x} = 1");
        assert_eq!(text, "SELECT 1 FROM t e WHERE lower(e._1) = $2 AND 000 = 1");
        assert_eq!(
            restore_names("`lower(e._1)` wraps column `_1`; _10 x_1", &names),
            "`lower(e.$1)` wraps column `$1`; _10 x_1"
        );
        let (text, _) = normalise("SELECT a FROM @p WHERE b = @p AND lower(@p.c) = ? AND d.? = 1");
        assert_eq!(
            text,
            "SELECT a FROM _p WHERE b = @p AND lower(_p.c) = 0 AND d._ = 1"
        );
        let (text, names) = normalise("SELECT id FROM members m WHERE lower(m.{0}) = %s");
        assert_eq!(text, "SELECT id FROM members m WHERE lower(m.___) = 00");
        assert_eq!(
            restore_names("`lower(m.___)` wraps column `___`", &names),
            "`lower(m.{0})` wraps column `{0}`"
        );
    }

    #[test]
    fn holes_in_quoted_names_and_name_prefixes_are_names() {
        // C# `$@"… ""{table}"" …"`, `[{schema}].Job`: the hole inside a quoted or
        // bracketed name is the name; a value elsewhere stays a value.
        let (text, names) = normalise("SELECT * FROM \"@p\" WHERE a = @p");
        assert_eq!(text, "SELECT * FROM \"_p\" WHERE a = @p");
        assert_eq!(restore_names("from _p", &names), "from @p");
        let (text, _) = normalise("SELECT * FROM [@p].Job WHERE Id = @p");
        assert_eq!(text, "SELECT * FROM [_p].Job WHERE Id = @p");
        // `{0}LOCKS`: a table prefix filled in at run time is shown whole, as written.
        let (text, names) = normalise("SELECT * FROM {0}LOCKS WHERE a = {1}");
        assert_eq!(text, "SELECT * FROM ___LOCKS WHERE a = 000");
        assert_eq!(
            restore_names("`SELECT *` from ___LOCKS", &names),
            "`SELECT *` from {0}LOCKS"
        );
    }

    #[test]
    fn a_cte_list_with_a_hole_is_told() {
        assert!(cte_filled_at_run_time(
            "\n WITH e AS (SELECT a FROM t), $1\n select * from s"
        ));
        assert!(cte_filled_at_run_time("WITH {0} SELECT * FROM s"));
        // A value hole inside a CTE, or no WITH at all: nothing to say.
        assert!(!cte_filled_at_run_time(
            "WITH e AS (SELECT a FROM t WHERE b = $1) SELECT * FROM e2"
        ));
        assert!(!cte_filled_at_run_time("SELECT * FROM t, $1"));
    }

    #[test]
    fn create_table_strings_declare_large_binary_columns() {
        let ddl = create_table_text(
            "CREATE TABLE IF NOT EXISTS assets (\n id TEXT PRIMARY KEY, data {db.blob} NOT NULL, at {db.timestamp_now})",
        )
        .expect("a CREATE TABLE");
        assert!(ddl.contains(&format!("data {RUN_TIME_BLOB_TYPE} NOT NULL")));
        assert!(ddl.contains("at {db.timestamp_now}"));
        let unit = crate::sql::parse(&normalise(&ddl).0, SqlDialect::Postgres);
        let declared = IndexCatalogue::large_objects_of_unit(&unit);
        assert_eq!(declared.large_object_column("assets"), Some("data"));
        // Text columns, and statements that create no table, declare none.
        let unit = crate::sql::parse(
            "CREATE TABLE notes (id int, body text)",
            SqlDialect::Postgres,
        );
        assert_eq!(
            IndexCatalogue::large_objects_of_unit(&unit).large_object_column("notes"),
            None
        );
        assert!(create_table_text("SELECT * FROM assets").is_none());
        assert!(create_table_text("CREATE INDEX ix ON assets (id)").is_none());
    }

    #[test]
    fn wmi_queries_are_not_sql() {
        assert!(is_wmi_query(
            "SELECT * FROM meta_class WHERE __CLASS = 'Msvm_ComputerSystem'"
        ));
        assert!(!is_wmi_query("SELECT * FROM meta_classes"));
        assert!(is_wmi_query("SELECT * FROM Win32_OperatingSystem"));
        assert!(is_wmi_query(
            "select * from Msvm_ComputerSystem where ElementName = 'x'"
        ));
        assert!(is_wmi_query(
            "SELECT * FROM __InstanceCreationEvent WITHIN 1"
        ));
        assert!(!is_wmi_query("SELECT * FROM Win32Users"));
        assert!(!is_wmi_query("SELECT * FROM Users"));
    }
}
