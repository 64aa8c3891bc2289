//! Client-side script syntax that is not SQL, blanked out before lexing so that it
//! neither breaks statements nor shifts positions (every replacement keeps the length):
//! psql meta-commands (`\i file`, `\set`, `\gset`), SQLCMD directives (`:setvar`, `:r`),
//! and PostgreSQL extension-script placeholders (`@extschema@`), which become
//! identifiers (`_extschema_`) and are restored in names.

use std::borrow::Cow;

use super::SqlDialect;

pub struct Prepared<'a> {
    pub text: Cow<'a, str>,
    /// Placeholder words replaced (`extschema` for `@extschema@`).
    pub placeholders: Vec<String>,
}

impl Prepared<'_> {
    /// Restores `@word@` placeholders in a name read from the prepared text.
    pub fn restore(&self, name: &str) -> String {
        let mut out = name.to_string();
        for word in &self.placeholders {
            out = out.replace(&format!("_{word}_"), &format!("@{word}@"));
        }
        out
    }
}

pub fn prepare(text: &str, dialect: SqlDialect) -> Prepared<'_> {
    let mut placeholders: Vec<String> = Vec::new();
    let mut bytes: Option<Vec<u8>> = None;
    let source = text.as_bytes();
    let mut line_start = 0usize;
    while line_start < source.len() {
        let line_end = source[line_start..]
            .iter()
            .position(|&b| b == b'\n')
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
                    if !placeholders.contains(&word) {
                        placeholders.push(word);
                    }
                    i = word_end + 1;
                    continue;
                }
            }
            i += 1;
        }
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
    fn nothing_to_do_borrows() {
        assert!(matches!(
            prepare("SELECT @a", SqlDialect::Tsql).text,
            Cow::Borrowed(_)
        ));
    }
}
