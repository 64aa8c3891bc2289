//! Key-value query catalogues: Java `.properties`-style files (and `.sql` files in that
//! shape) that hold one query per key, `Category.selectById = SELECT …`, with `#` / `!`
//! / `--` comment lines and values continued by a trailing backslash. Read as SQL, such a
//! file is one long statement whose keys look like columns; recognised, each value is
//! one statement at its own line.
//!
//! Recognition is strict, so that no SQL script is mistaken for a catalogue: every line
//! that is not blank, a comment or a continuation is `key = value` (or `key: value`) with
//! a dotted word for key, there are at least two entries, and at least one value starts
//! like a query. The file is then rewritten with its length and lines kept: comments,
//! keys and continuation backslashes become spaces, and the separator a `;` that ends the
//! previous statement. MyBatis / iBATIS parameters (`#{id}`, `${name}`) become values.

const QUERY_STARTS: &[&str] = &[
    "select", "insert", "update", "delete", "with", "merge", "call", "exec", "execute",
];

/// One `key = value` entry: where the key starts, where the separator is, and the
/// continuation backslashes of its value.
struct Entry {
    key_start: usize,
    separator: usize,
    continuations: Vec<usize>,
}

/// The catalogue rewritten as statements, or None when the text is not a catalogue.
pub fn as_statements(text: &[u8]) -> Option<Vec<u8>> {
    let entries = read_entries(text)?;
    let mut out = text.to_vec();
    // Comments: whole lines, newlines and carriage returns kept.
    for (start, end) in lines(text) {
        let line = &text[start..end];
        if is_comment(line) {
            blank(&mut out[start..end]);
        }
    }
    for entry in &entries {
        blank(&mut out[entry.key_start..entry.separator]);
        out[entry.separator] = b';';
        for &at in &entry.continuations {
            out[at] = b' ';
        }
    }
    blank_parameters(&mut out);
    Some(out)
}

fn read_entries(text: &[u8]) -> Option<Vec<Entry>> {
    let mut entries: Vec<Entry> = Vec::new();
    let mut continued = false;
    let mut looks_like_queries = false;
    for (start, end) in lines(text) {
        let line = &text[start..end];
        let trimmed_end = line
            .iter()
            .rposition(|b| !b.is_ascii_whitespace())
            .map(|p| p + 1);
        let ends_with_backslash = trimmed_end.is_some_and(|e| line[e - 1] == b'\\');
        if continued {
            if let (Some(entry), Some(e)) = (entries.last_mut(), trimmed_end) {
                if ends_with_backslash {
                    entry.continuations.push(start + e - 1);
                }
            }
            continued = ends_with_backslash;
            continue;
        }
        if trimmed_end.is_none() || is_comment(line) {
            continue;
        }
        let entry = read_entry(line, start)?;
        let value = &text[entry.separator + 1..end];
        let first_word: Vec<u8> = value
            .iter()
            .skip_while(|b| b.is_ascii_whitespace() || **b == b'(')
            .take_while(|b| b.is_ascii_alphabetic())
            .map(u8::to_ascii_lowercase)
            .collect();
        if QUERY_STARTS.iter().any(|q| q.as_bytes() == first_word) {
            looks_like_queries = true;
        }
        let mut entry = entry;
        if ends_with_backslash {
            if let Some(e) = trimmed_end {
                entry.continuations.push(start + e - 1);
            }
        }
        continued = ends_with_backslash;
        entries.push(entry);
    }
    (entries.len() >= 2 && looks_like_queries).then_some(entries)
}

/// `key = value` / `key: value` with a dotted word (letters, digits, `_`, `-`, `.`) for
/// key, starting with a letter or `_`.
fn read_entry(line: &[u8], line_start: usize) -> Option<Entry> {
    let key_start = line.iter().position(|b| !b.is_ascii_whitespace())?;
    let first = line[key_start];
    if !(first.is_ascii_alphabetic() || first == b'_') {
        return None;
    }
    let key_len = line[key_start..]
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')))?;
    let after_key = key_start + key_len;
    let separator = after_key
        + line[after_key..]
            .iter()
            .position(|b| !(*b == b' ' || *b == b'\t'))?;
    if !matches!(line[separator], b'=' | b':') {
        return None;
    }
    // `a := b` (PL/pgSQL) and `a::int` are code, not entries.
    if matches!(line.get(separator + 1), Some(b'=' | b':')) {
        return None;
    }
    Some(Entry {
        key_start: line_start + key_start,
        separator: line_start + separator,
        continuations: Vec::new(),
    })
}

fn is_comment(line: &[u8]) -> bool {
    let rest = line
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map_or(&[][..], |p| &line[p..]);
    matches!(rest.first(), Some(b'#' | b'!')) || rest.starts_with(b"--")
}

/// (start, end) of each line, without its `\n`.
fn lines(text: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut start = 0usize;
    std::iter::from_fn(move || {
        if start > text.len() || (start == text.len() && !text.is_empty()) {
            return None;
        }
        let end = text[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(text.len(), |p| start + p);
        let line = (start, end);
        start = end + 1;
        Some(line)
    })
}

fn blank(bytes: &mut [u8]) {
    for b in bytes {
        if *b != b'\r' && *b != b'\n' {
            *b = b' ';
        }
    }
}

/// `#{id}` and `${name}` become `0` and spaces: values, never names.
fn blank_parameters(out: &mut [u8]) {
    let mut i = 0;
    while i + 1 < out.len() {
        if matches!(out[i], b'#' | b'$') && out[i + 1] == b'{' {
            if let Some(close) = out[i..].iter().take(200).position(|&b| b == b'}') {
                let end = i + close;
                if !out[i..end].contains(&b'\n') {
                    out[i] = b'0';
                    for b in &mut out[i + 1..=end] {
                        *b = b' ';
                    }
                    i = end + 1;
                    continue;
                }
            }
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewrite(text: &str) -> Option<String> {
        as_statements(text.as_bytes()).map(|b| String::from_utf8_lossy(&b).into_owned())
    }

    #[test]
    fn a_catalogue_becomes_statements_in_place() {
        let text = "# queries\nCategory.selectById = SELECT * FROM category WHERE id = #{id}\nCategory.deleteOld: DELETE FROM category \\\n  WHERE created < ?\n";
        let out = rewrite(text).unwrap_or_default();
        assert_eq!(out.len(), text.len());
        assert_eq!(
            out,
            "         \n                    ; SELECT * FROM category WHERE id = 0    \n                  ; DELETE FROM category  \n  WHERE created < ?\n"
        );
    }

    #[test]
    fn sql_scripts_are_not_catalogues() {
        assert!(rewrite("SELECT a\nFROM t\nWHERE x = 1;\n").is_none());
        assert!(rewrite("x := 1;\ny := 2;\nSELECT 1;\n").is_none());
        assert!(
            rewrite("a = SELECT 1\n").is_none(),
            "one entry is not a catalogue"
        );
        assert!(rewrite("a = b\nc = d\n").is_none(), "no value is a query");
        assert!(rewrite("SET @a = 1\nSET @b = 2\n").is_none());
    }
}
