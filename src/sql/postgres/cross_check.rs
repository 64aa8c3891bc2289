//! pg_query's PL/pgSQL compiler as a syntax cross-check of each body (`check_plpgsql`).

use crate::source::LineIndex;
use crate::sql::lex::Tok;
use crate::sql::unit::SqlUnit;

/// Runs the real PostgreSQL parser over a PL/pgSQL function or DO block and records
/// a body it rejects. Known false rejections of the bundled parser are not reported.
pub(super) fn check_with_postgres_parser(
    text: &str,
    lines: &LineIndex,
    statement: &[Tok],
    body: &Tok,
    unit: &mut SqlUnit,
) {
    let (Some(first), Some(last)) = (statement.first(), statement.last()) else {
        return;
    };
    let start = lines.offset(text, first.line, first.col);
    let end = lines.offset(text, last.end_line, last.end_col);
    let Some(source) = text.get(start..end.max(start)) else {
        return;
    };
    // Only the answer is used: `check_plpgsql` does not parse the JSON `parse_plpgsql` builds.
    if let Err(pg_query::Error::Parse(message)) = pg_query::check_plpgsql(source) {
        let known_false = message.contains("Not implemented")
            || message.contains("VARIADIC")
            || message.contains("is not a known variable")
            || message.contains("RETURN QUERY")
            || message.contains("missing \"FROM or IN\"");
        if !known_false {
            unit.not_understood_at(
                body.line,
                body.col,
                body.end_line,
                format!("PostgreSQL rejects this PL/pgSQL body ({message}); it was analysed as far as it could be read"),
            );
        }
    }
}
