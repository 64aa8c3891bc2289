//! SQL embedded in application source: string literals (and concatenations) that reach a
//! database call or plainly hold a statement are read by the stored-procedure scanner's
//! rules (`select-star`, `non-sargable-predicate`, `leading-wildcard-like`), with every
//! location mapped back into the source file. Driver placeholders (`@p`, `$1`, `%s`,
//! `%(name)s`, `?`, `:name`) become values of the same length, so positions still line up.

use super::ir::{AppFile, Language};
use super::lang::common::looks_like_sql;
use crate::config::Config;
use crate::source::LineIndex;
use crate::sql::SqlDialect;

/// The SQL rules that apply to a single embedded statement.
const EMBEDDED_RULES: &[&str] = &[
    "select-star",
    "non-sargable-predicate",
    "leading-wildcard-like",
];

pub fn check(file: &AppFile, config: &Config, out: &mut Vec<crate::sql::rules::RawFinding>) {
    for literal in &file.strings {
        if !(literal.at_db_call || looks_like_sql(&literal.text)) {
            continue;
        }
        let dialect = dialect_of(file.language, &literal.text);
        let text = normalise_placeholders(&literal.text);
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
            raw.message = format!("embedded SQL: {}", raw.message);
            out.push(raw);
        }
    }
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

/// `%s`, `%(name)s`, `?` and `:name` become numbers of the same length (values to the SQL
/// reader); quoted text is left alone.
pub fn normalise_placeholders(text: &str) -> String {
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
            b'?' => out[i] = b'0',
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
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
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
}
