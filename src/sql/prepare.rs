//! Client-side script syntax that is not SQL, blanked out before lexing so that it
//! neither breaks statements nor shifts positions (every replacement keeps the length):
//! psql meta-commands (`\i file`, `\set`, `\gset`), SQLCMD directives (`:setvar`, `:r`),
//! PostgreSQL extension-script placeholders (`@extschema@`), which become
//! identifiers (`_extschema_`) and are restored in names, and template syntax (SSMS
//! template parameters, Jinja, psql variables), which never becomes a column. A
//! key-value query catalogue (`catalogue`) becomes one statement per value first.

use std::borrow::Cow;

use super::SqlDialect;

pub struct Prepared<'a> {
    pub text: Cow<'a, str>,
    /// Placeholders written as identifiers: (as written in `text`, as in the file), e.g.
    /// (`_extschema_`, `@extschema@`).
    pub placeholders: Vec<(String, String)>,
}

impl Prepared<'_> {
    /// Whether `name` holds a placeholder as written in the prepared text (otherwise
    /// `restore` returns it unchanged).
    pub fn mentions_placeholder(&self, name: &str) -> bool {
        self.placeholders
            .iter()
            .any(|(written, _)| name.contains(written.as_str()))
    }

    /// Restores placeholders in a name read from the prepared text.
    pub fn restore(&self, name: &str) -> String {
        let mut out = name.to_string();
        for (written, original) in &self.placeholders {
            out = out.replace(written, original);
        }
        out
    }
}

pub fn prepare(text: &str, dialect: SqlDialect) -> Prepared<'_> {
    let mut placeholders: Vec<(String, String)> = Vec::new();
    let mut bytes: Option<Vec<u8>> = super::catalogue::as_statements(text.as_bytes());
    let source = text.as_bytes();
    let mut line_start = 0usize;
    while line_start < source.len() {
        // `str::find` searches a word at a time (`line_start` follows a newline: a char
        // boundary).
        let line_end = text[line_start..]
            .find('\n')
            .map_or(source.len(), |p| line_start + p);
        let line = &source[line_start..line_end];
        let first = line.iter().position(|b| !b.is_ascii_whitespace());
        let is_client_command = first.is_some_and(|f| {
            let rest = &line[f..];
            match dialect {
                SqlDialect::Postgres => rest.first() == Some(&b'\\'),
                SqlDialect::Tsql => {
                    rest.first() == Some(&b':') && rest.get(1).is_some_and(u8::is_ascii_alphabetic)
                }
            }
        });
        if is_client_command {
            let buffer = bytes.get_or_insert_with(|| source.to_vec());
            for b in &mut buffer[line_start..line_end] {
                if *b != b'\r' {
                    *b = b' ';
                }
            }
        } else if dialect == SqlDialect::Postgres {
            // psql `\gset` / `\g` after a query on the same line.
            if let Some(at) = find_trailing_meta(line) {
                let buffer = bytes.get_or_insert_with(|| source.to_vec());
                for b in &mut buffer[line_start + at..line_end] {
                    if *b != b'\r' {
                        *b = b' ';
                    }
                }
            }
        }
        line_start = line_end + 1;
    }
    if dialect == SqlDialect::Postgres {
        let mut i = 0;
        let len = source.len();
        while i < len {
            if source[i] == b'@' {
                let word_end = source[i + 1..]
                    .iter()
                    .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
                    .map_or(len, |p| i + 1 + p);
                if word_end > i + 1
                    && word_end < len
                    && source[word_end] == b'@'
                    && source[i + 1].is_ascii_alphabetic()
                {
                    let word = String::from_utf8_lossy(&source[i + 1..word_end]).into_owned();
                    let buffer = bytes.get_or_insert_with(|| source.to_vec());
                    buffer[i] = b'_';
                    buffer[word_end] = b'_';
                    let pair = (format!("_{word}_"), format!("@{word}@"));
                    if !placeholders.contains(&pair) {
                        placeholders.push(pair);
                    }
                    i = word_end + 1;
                    continue;
                }
            }
            i += 1;
        }
    }
    if let Some(rewritten) = blank_templates(bytes.as_deref().unwrap_or(source)) {
        bytes = Some(rewritten);
    }
    let text = match bytes {
        // Only ASCII bytes were replaced by ASCII bytes: still valid UTF-8.
        Some(b) => Cow::Owned(
            String::from_utf8(b)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
        ),
        None => Cow::Borrowed(text),
    };
    Prepared { text, placeholders }
}

/// ` \gset`, ` \g file` at the end of a line (preceded by white space).
fn find_trailing_meta(line: &[u8]) -> Option<usize> {
    // Most lines have no backslash; `contains` on bytes is a memchr, the window scan is not.
    if !line.contains(&b'\\') {
        return None;
    }
    let at = line
        .windows(3)
        .position(|w| w[0] == b' ' && w[1] == b'\\' && w[2] == b'g')?;
    let rest = &line[at + 2..];
    let word: Vec<u8> = rest
        .iter()
        .take_while(|b| b.is_ascii_alphabetic())
        .copied()
        .collect();
    matches!(word.as_slice(), b"g" | b"gset" | b"gx" | b"gexec").then_some(at + 1)
}

/// Words after which an SSMS template parameter is the object's name, which the header
/// reader keeps as written (`CREATE PROCEDURE <Procedure_Name, sysname, ProcName>`).
const TEMPLATE_NAME_CONTEXT: &[&[u8]] = &[b"proc", b"procedure", b"function", b"view", b"trigger"];

/// Template syntax that is not SQL, outside strings and comments: SSMS template
/// parameters (`<name, type, default>`), Jinja expressions (`{{ x }}`), statements
/// (`{% … %}`) and comments (`{# … #}`), psql variables (`:var`, `:'var'`, `:"var"`).
/// A value or a psql variable becomes `?` (a placeholder, never a column: `:"name"` may
/// name one, but which is not known), an SSMS `@`-parameter its `@name`; the rest are
/// spaces. The header reader keeps a template parameter that names the object. Returns
/// the rewritten bytes when something was found.
fn blank_templates(source: &[u8]) -> Option<Vec<u8>> {
    let mut out: Option<Vec<u8>> = None;
    let mut i = 0;
    let len = source.len();
    while i < len {
        // Most bytes are none of these: skip to the next one that is.
        match source[i..]
            .iter()
            .position(|&c| matches!(c, b'-' | b'/' | b'\'' | b'"' | b'{' | b'<' | b':'))
        {
            Some(p) => i += p,
            None => break,
        }
        let b = source[i];
        let next = source.get(i + 1).copied();
        match b {
            b'-' if next == Some(b'-') => {
                i = source[i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(len, |p| i + p);
                continue;
            }
            b'/' if next == Some(b'*') => {
                i = find(source, i + 2, b"*/").map_or(len, |p| p + 2);
                continue;
            }
            b'\'' | b'"' => {
                // Doubled quotes are two strings side by side: same state after both.
                i = source[i + 1..]
                    .iter()
                    .position(|&c| c == b)
                    .map_or(len, |p| i + 1 + p + 1);
                continue;
            }
            b'{' if matches!(next, Some(b'{' | b'%' | b'#')) => {
                let close: &[u8; 2] = match next {
                    Some(b'{') => b"}}",
                    Some(b'%') => b"%}",
                    _ => b"#}",
                };
                if let Some(end) = find(source, i + 2, close).map(|p| p + 2) {
                    let buffer = out.get_or_insert_with(|| source.to_vec());
                    blank_run(&mut buffer[i..end]);
                    if next == Some(b'{') {
                        buffer[i] = b'?';
                    }
                    i = end;
                    continue;
                }
            }
            b'<' if next.is_some_and(|c| c == b'@' || c.is_ascii_alphabetic() || c == b'_') => {
                if let Some(end) = template_parameter_end(source, i) {
                    let inner = &source[i + 1..end - 1];
                    let name_context = previous_word(source, i).is_some_and(|w| {
                        TEMPLATE_NAME_CONTEXT
                            .iter()
                            .any(|k| w.eq_ignore_ascii_case(k))
                    });
                    if !name_context {
                        let buffer = out.get_or_insert_with(|| source.to_vec());
                        blank_run(&mut buffer[i..end]);
                        if inner.first() == Some(&b'@') {
                            let name_len = inner
                                .iter()
                                .skip(1)
                                .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                                .count();
                            buffer[i..i + 1 + name_len].copy_from_slice(&inner[..1 + name_len]);
                        } else {
                            buffer[i] = b'?';
                        }
                    }
                    i = end;
                    continue;
                }
            }
            b':' if i > 0
                && matches!(
                    source[i - 1],
                    b' ' | b'\t' | b'(' | b',' | b'=' | b'\n' | b'<' | b'>'
                )
                && next.is_some_and(|c| {
                    c == b'\'' || c == b'"' || c.is_ascii_alphabetic() || c == b'_'
                }) =>
            {
                let end = match next {
                    Some(q @ (b'\'' | b'"')) => source[i + 2..]
                        .iter()
                        .position(|&c| c == q || c == b'\n')
                        .map(|p| i + 2 + p)
                        .filter(|&p| source[p] == q)
                        .map(|p| p + 1),
                    _ => Some(
                        source[i + 1..]
                            .iter()
                            .position(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
                            .map_or(len, |p| i + 1 + p),
                    ),
                };
                if let Some(end) = end {
                    let buffer = out.get_or_insert_with(|| source.to_vec());
                    blank_run(&mut buffer[i..end]);
                    buffer[i] = b'?';
                    i = end;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// The end (past `>`) of an SSMS template parameter starting at `<`: on one line, no
/// other `<` or `>` inside, exactly two commas.
fn template_parameter_end(source: &[u8], start: usize) -> Option<usize> {
    let close = source[start + 1..]
        .iter()
        .take(300)
        .position(|&c| matches!(c, b'>' | b'<' | b'\n'))
        .map(|p| start + 1 + p)?;
    if source[close] != b'>' {
        return None;
    }
    let commas = source[start + 1..close]
        .iter()
        .filter(|&&c| c == b',')
        .count();
    (commas == 2).then_some(close + 1)
}

/// The word before `at` on the same line, skipping spaces.
fn previous_word(source: &[u8], at: usize) -> Option<&[u8]> {
    let end = source[..at]
        .iter()
        .rposition(|c| !matches!(c, b' ' | b'\t'))?
        + 1;
    let start = source[..end]
        .iter()
        .rposition(|c| !c.is_ascii_alphanumeric())
        .map_or(0, |p| p + 1);
    (start < end).then(|| &source[start..end])
}

/// Where a two-byte `needle` starts at or after `from`.
fn find(source: &[u8], from: usize, needle: &[u8; 2]) -> Option<usize> {
    let mut at = from;
    loop {
        at += source.get(at..)?.iter().position(|&c| c == needle[0])?;
        if source.get(at + 1) == Some(&needle[1]) {
            return Some(at);
        }
        at += 1;
    }
}

/// Spaces, line ends kept.
fn blank_run(bytes: &mut [u8]) {
    for b in bytes {
        if *b != b'\r' && *b != b'\n' {
            *b = b' ';
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn psql_meta_commands_and_extschema() {
        let text = "\\set ON_ERROR_STOP 1\nCREATE FUNCTION @extschema@.f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql;\nSELECT 1 AS x \\gset\n";
        let p = prepare(text, SqlDialect::Postgres);
        assert_eq!(p.text.len(), text.len());
        assert!(p
            .text
            .starts_with("                    \nCREATE FUNCTION _extschema_.f()"));
        assert!(p.text.contains("SELECT 1 AS x      \n"));
        assert_eq!(p.restore("_extschema_.f"), "@extschema@.f");
    }

    #[test]
    fn sqlcmd_directives() {
        let text = ":setvar DB \"x\"\r\nSELECT 1\r\n";
        let p = prepare(text, SqlDialect::Tsql);
        assert_eq!(p.text, "              \r\nSELECT 1\r\n");
    }

    #[test]
    fn template_syntax_becomes_values() {
        let text = "CREATE PROCEDURE <Name, sysname, P>\n  <@Param1, sysname, @p1> int AS SELECT <column, sysname, c>, '<a, b, c>' -- <x, y, z>\nWHERE {{ col }} = :'v' AND :\"n\" = :w {% if x %}\n";
        let p = prepare(text, SqlDialect::Postgres);
        assert_eq!(p.text.len(), text.len());
        assert_eq!(
            p.text,
            "CREATE PROCEDURE <Name, sysname, P>\n  @Param1                 int AS SELECT ?                   , '<a, b, c>' -- <x, y, z>\nWHERE ?         = ?    AND ?    = ?            \n"
        );
        // `::` casts, `:=` and array slices stay.
        let code = "x := a::int + b[1:2];";
        assert_eq!(prepare(code, SqlDialect::Postgres).text, code);
    }

    #[test]
    fn nothing_to_do_borrows() {
        assert!(matches!(
            prepare("SELECT @a", SqlDialect::Tsql).text,
            Cow::Borrowed(_)
        ));
    }
}
