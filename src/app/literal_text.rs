//! The text a string literal of application source holds at run time, for the SQL reader.
//! The adapters keep each literal's content as written in the file (`StringLit::text`, with
//! its runs in `segments`); this undoes each language's escapes in one place, so that the
//! SQL lexer sees `"Name"` where C# wrote `@"""Name"""`-style doubled quotes or `\"Name\"`.
//! Every escape starts a new run, so positions still point at the file.
//!
//! What is undone, by language:
//! - C#: `""` → `"` (verbatim `@"…"` and interpolated verbatim strings: a regular string
//!   cannot hold two quotes side by side, its `\"` is a separate escape run); `\"`, `\\`,
//!   `\n`, … only where the adapter made the escape its own run (regular strings), never
//!   inside a verbatim or raw string's content, where a backslash is a backslash.
//! - Java, JavaScript / TypeScript, Python: backslash escapes (`\"`, `\'`, `\\`, `\n`,
//!   `\t`, `\r`, `` \` ``, `\$`, Java's `\s`, a backslash before a line end continues the
//!   line). Python raw strings (`r"…"`) are not told apart: a backslash followed by a quote
//!   in one is read as an escaped quote (SQL rarely holds backslashes).
//!
//! Unknown escapes (`\u0041`, `\x41`) are left as written: the SQL rules never look inside
//! them, and leaving them keeps the length.

use super::ir::{Language, Pos, StringLit};
use crate::source::lines::RunMap;

/// The literal with its language's escapes undone (a copy; the runs are rebuilt so that
/// `position_of` still points into the file).
pub fn decoded(language: Language, literal: &StringLit) -> StringLit {
    let text = literal.text.as_str();
    if !needs_decoding(language, text) {
        return literal.clone();
    }
    let runs: Vec<(usize, (u32, u32))> = literal
        .segments
        .iter()
        .map(|(at, pos)| (*at, (pos.line, pos.column)))
        .collect();
    let map = RunMap::new(text, &runs, (literal.start.line, literal.start.column));
    let file_pos = |offset: usize| {
        let (line, column) = map.position(offset);
        Pos { line, column }
    };
    let mut out = String::with_capacity(text.len());
    let mut segments: Vec<(usize, Pos)> = Vec::with_capacity(literal.segments.len());
    // Spans between run starts: each is one run of the file (plus, at its end, any
    // placeholder text the adapter put for a non-literal part).
    let mut bounds: Vec<usize> = literal.segments.iter().map(|(at, _)| *at).collect();
    bounds.push(text.len());
    if bounds.first().is_some_and(|&first| first > 0) {
        // Placeholder text before the first run: copied as it is.
        out.push_str(text.get(..bounds[0]).unwrap_or(""));
    }
    for (i, window) in bounds.windows(2).enumerate() {
        let (from, to) = (window[0], window[1].max(window[0]));
        let Some(span) = text.get(from..to) else {
            continue;
        };
        segments.push((out.len(), literal.segments[i].1));
        decode_span(language, span, from, &mut out, &mut segments, &file_pos);
    }
    StringLit {
        function: literal.function,
        text: out,
        segments,
        start: literal.start,
        at_db_call: literal.at_db_call,
    }
}

/// Whether the text has anything this module would change (most literals have not).
fn needs_decoding(language: Language, text: &str) -> bool {
    match language {
        Language::CSharp => text.contains("\"\"") || text.contains('\\'),
        _ => text.contains('\\'),
    }
}

/// Decodes one run starting at `base` in the literal's text into `out`; after every escape
/// a new run starts at the file position just past it.
fn decode_span(
    language: Language,
    span: &str,
    base: usize,
    out: &mut String,
    segments: &mut Vec<(usize, Pos)>,
    file_pos: &impl Fn(usize) -> Pos,
) {
    let bytes = span.as_bytes();
    // C# regular strings: the adapter gives each escape sequence its own run, and only
    // there is a backslash an escape.
    let backslash_escapes = match language {
        Language::CSharp => bytes.first() == Some(&b'\\') && span.len() <= 10,
        _ => true,
    };
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let (written, width): (&str, usize) = match bytes[i] {
            b'"' if language == Language::CSharp && bytes.get(i + 1) == Some(&b'"') => ("\"", 2),
            b'\\' if backslash_escapes => match bytes.get(i + 1) {
                Some(b'"') => ("\"", 2),
                Some(b'\'') => ("'", 2),
                Some(b'\\') => ("\\", 2),
                Some(b'`') => ("`", 2),
                Some(b'$') => ("$", 2),
                Some(b'n') => ("\n", 2),
                Some(b'r') => ("\r", 2),
                Some(b't') => ("\t", 2),
                Some(b's') if language == Language::Java => (" ", 2),
                Some(b'\n') => ("", 2),
                Some(b'\r') if bytes.get(i + 2) == Some(&b'\n') => ("", 3),
                Some(b'\r') => ("", 2),
                _ => {
                    i += 1;
                    continue;
                }
            },
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&span[copied..i]);
        out.push_str(written);
        i += width;
        copied = i;
        segments.push((out.len(), file_pos(base + i)));
    }
    out.push_str(&span[copied..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn literal(text: &str, segments: Vec<(usize, Pos)>) -> StringLit {
        StringLit {
            function: None,
            text: text.to_string(),
            segments,
            start: Pos { line: 1, column: 1 },
            at_db_call: true,
        }
    }

    #[test]
    fn csharp_verbatim_quotes_are_undoubled_and_positions_follow_the_file() {
        // @"SELECT ""Name"" FROM ""T"" WHERE ""Id"" = @id" with the content at column 3.
        let raw = r#"SELECT ""Name"" FROM ""T"" WHERE ""Id"" = @id"#;
        let lit = literal(raw, vec![(0, Pos { line: 4, column: 3 })]);
        let decoded = decoded(Language::CSharp, &lit);
        assert_eq!(decoded.text, r#"SELECT "Name" FROM "T" WHERE "Id" = @id"#);
        // `WHERE` is at column 3 + 26 in the file.
        let at = decoded.text.find("WHERE").unwrap_or_default();
        assert_eq!(
            decoded.position_of(at),
            Pos {
                line: 4,
                column: 3 + raw.find("WHERE").unwrap_or_default() as u32
            }
        );
    }

    #[test]
    fn csharp_backslash_only_in_escape_runs() {
        // "a \"b\" c": runs `a `, `\"`, `b`, `\"`, ` c`.
        let lit = literal(
            r#"a \"b\" c"#,
            vec![
                (0, Pos { line: 1, column: 2 }),
                (2, Pos { line: 1, column: 4 }),
                (4, Pos { line: 1, column: 6 }),
                (5, Pos { line: 1, column: 7 }),
                (7, Pos { line: 1, column: 9 }),
            ],
        );
        assert_eq!(decoded(Language::CSharp, &lit).text, r#"a "b" c"#);
        // A verbatim string's backslash stays.
        let verbatim = literal(
            r"LIKE '%\%' ESCAPE '\'",
            vec![(0, Pos { line: 1, column: 3 })],
        );
        assert_eq!(decoded(Language::CSharp, &verbatim).text, verbatim.text);
    }

    #[test]
    fn backslash_escapes_of_java_javascript_python() {
        let lit = literal(
            r#"SELECT \"id\" FROM t\nWHERE a = \'x\'"#,
            vec![(
                0,
                Pos {
                    line: 2,
                    column: 10,
                },
            )],
        );
        for language in [Language::Java, Language::JavaScript, Language::Python] {
            let decoded = decoded(language, &lit);
            assert_eq!(decoded.text, "SELECT \"id\" FROM t\nWHERE a = 'x'");
            let at = decoded.text.find("WHERE").unwrap_or_default();
            let raw_at = lit.text.find("WHERE").unwrap_or_default();
            assert_eq!(decoded.position_of(at), lit.position_of(raw_at));
        }
    }

    #[test]
    fn placeholder_text_between_runs_is_kept() {
        // JavaScript: `a = \'${x}\'` → runs `a = \'`, then `$1` (no run), then `\'`.
        let lit = literal(
            r"a = \'$1\'",
            vec![
                (0, Pos { line: 1, column: 2 }),
                (
                    8,
                    Pos {
                        line: 1,
                        column: 14,
                    },
                ),
            ],
        );
        assert_eq!(decoded(Language::JavaScript, &lit).text, "a = '$1'");
    }
}
