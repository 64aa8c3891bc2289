//! Escaping at the output boundaries, in one place: every name, file name, message and
//! piece of evidence that comes from the audited database or the scanned repository is
//! written by other people, so it is shown, never interpreted.
//!
//! - Terminal ([`terminal`]): control characters (ESC, newlines, C1 controls) and the
//!   invisible bidirectional and zero-width marks are shown as escapes (`\n`, `\u{1b}`),
//!   so a name cannot move the cursor, recolour the screen or hide text.
//! - Markdown ([`md_text`], [`md_code`], [`md_code_block`]): the same visible escapes,
//!   then text with every construct that could start HTML, a link, emphasis, a heading
//!   or a new table cell escaped; code spans with a fence longer than any backtick run
//!   inside; fenced blocks likewise. [`markdown_environment`] registers them as minijinja
//!   filters and makes escaping the default: a value printed without a filter is escaped
//!   as Markdown text, and only the filters here produce unescaped (safe) Markdown.
//!
//! JSON and SARIF are structured (serde escapes), so they need none of this.

use std::borrow::Cow;
use std::fmt::Write;

use minijinja::value::{Value, ValueKind};
use minijinja::{AutoEscape, Environment};

/// Characters that are shown as escapes rather than written: control characters (C0,
/// DEL, C1) and format characters that reorder or hide text (bidirectional overrides and
/// isolates, zero-width characters, line and paragraph separators, the BOM).
fn is_invisible(ch: char) -> bool {
    ch.is_control()
        || matches!(ch,
            '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{2069}'
            | '\u{feff}')
}

/// Writes `ch` as a visible escape: `\n`, `\r`, `\t`, else `\u{hex}`.
fn push_visible(out: &mut String, ch: char) {
    match ch {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        _ => {
            let _ = write!(out, "\\u{{{:x}}}", ch as u32);
        }
    }
}

/// Text for a terminal: control and invisible formatting characters shown as escapes
/// (`\n`, `\u{1b}`), everything else as it is.
pub fn terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_invisible) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for ch in text.chars() {
        if is_invisible(ch) {
            push_visible(&mut out, ch);
        } else {
            out.push(ch);
        }
    }
    Cow::Owned(out)
}

/// Markdown text that renders as exactly `text` on one line, inside or outside a table
/// cell: no HTML (`<`, `>`, `&` as entities), no link, image, emphasis, strikethrough,
/// math or code span (their markers backslash-escaped), no new cell (`\|`), no new line
/// (visible `\n`), and no block (a leading `#`, `>`, `-`, `+`, `=` or `1.` escaped).
pub fn md_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let chars: Vec<char> = text.chars().collect();
    for (i, &ch) in chars.iter().enumerate() {
        if is_invisible(ch) {
            push_visible(&mut out, ch);
            continue;
        }
        match ch {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '[' | ']' | '~' | '|' | '$' => {
                out.push('\\');
                out.push(ch);
            }
            // `_` inside a word never starts or ends emphasis; elsewhere it may.
            '_' => {
                let inside_word = i > 0
                    && chars[i - 1].is_alphanumeric()
                    && chars.get(i + 1).is_some_and(|c| c.is_alphanumeric());
                if !inside_word {
                    out.push('\\');
                }
                out.push('_');
            }
            // Block markers count at the start of a line only (this text has one line)
            // and before a space or the end: `# h`, `- x`, `1. x`, `---`; `#3` and
            // `15.18` are text.
            '#' | '-' | '+' | '=' if i == 0 && ends_marker(&chars[1..], ch) => {
                out.push('\\');
                out.push(ch);
            }
            '.' | ')'
                if i > 0
                    && chars[..i].iter().all(char::is_ascii_digit)
                    && ends_marker(&chars[i + 1..], ch) =>
            {
                out.push('\\');
                out.push(ch);
            }
            _ => out.push(ch),
        }
    }
    out
}

/// A message dbaudit wrote, which quotes names and code from the input in backticks: when
/// the backticks pair up, each quoted part becomes a code span ([`md_code`]) and the rest
/// text ([`md_text`]); otherwise all of it is text. Every part is escaped on its own, so a
/// backtick inside a quoted name can at worst regroup the spans, never open HTML, a cell,
/// a line or a heading.
pub fn md_message(text: &str, in_table: bool) -> String {
    let parts: Vec<&str> = text.split('`').collect();
    if parts.len() % 2 == 0 {
        return md_text(text);
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| match (i % 2, part.is_empty()) {
            (0, _) => md_text(part),
            (_, true) => md_text("``"),
            _ => md_code(part, in_table),
        })
        .collect()
}

/// Whether what follows a possible block marker makes it one: the end, a space or tab,
/// or a run of the same marker (`##`, `---`, `===`).
fn ends_marker(rest: &[char], marker: char) -> bool {
    let rest: Vec<char> = rest.iter().copied().skip_while(|c| *c == marker).collect();
    rest.first().is_none_or(|c| *c == ' ' || *c == '\t')
}

/// A Markdown code span showing exactly `text` on one line: control characters as
/// visible escapes, fenced by more backticks than the longest run inside, padded with a
/// space where CommonMark would otherwise eat one or join a backtick to the fence. In a
/// table cell (`in_table`) `|` is written `\|`, which GFM reads as a `|` of the code
/// (outside a table the backslash would show, so it is not added there).
pub fn md_code(text: &str, in_table: bool) -> String {
    if text.is_empty() {
        return "` `".to_string();
    }
    let mut body = String::with_capacity(text.len() + 4);
    for ch in text.chars() {
        if is_invisible(ch) {
            push_visible(&mut body, ch);
        } else if ch == '|' && in_table {
            body.push_str("\\|");
        } else {
            body.push(ch);
        }
    }
    let fence = "`".repeat(longest_backtick_run(&body) + 1);
    let all_spaces = body.chars().all(|c| c == ' ');
    let pad = body.starts_with('`')
        || body.ends_with('`')
        || (body.starts_with(' ') && body.ends_with(' ') && !all_spaces);
    let pad = if pad { " " } else { "" };
    format!("{fence}{pad}{body}{pad}{fence}")
}

/// A fenced code block (`info` is the language, ours) holding `text` line by line:
/// control characters other than the line breaks and tabs as visible escapes, and a
/// fence longer than any backtick run inside, so no line of `text` can close it.
pub fn md_code_block(text: &str, info: &str) -> String {
    let mut body = String::with_capacity(text.len() + 4);
    for ch in text.trim_end_matches(['\n', '\r']).chars() {
        if is_invisible(ch) && ch != '\n' && ch != '\t' {
            push_visible(&mut body, ch);
        } else {
            body.push(ch);
        }
    }
    let fence = "`".repeat((longest_backtick_run(&body) + 1).max(3));
    format!("{fence}{info}\n{body}\n{fence}")
}

fn longest_backtick_run(text: &str) -> usize {
    let (mut longest, mut run) = (0, 0);
    for ch in text.chars() {
        if ch == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    longest
}

/// A value's text for a filter: a sequence's items joined with `, `, `none` and
/// undefined as nothing.
fn raw_text(value: &Value) -> String {
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => String::new(),
        ValueKind::Seq => value
            .try_iter()
            .map(|items| {
                items
                    .map(|item| raw_text(&item))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default(),
        _ => value
            .as_str()
            .map_or_else(|| value.to_string(), str::to_string),
    }
}

/// A minijinja environment for the Markdown templates: trimmed blocks, Markdown
/// escaping by default (a value printed as `{{ value }}` is [`md_text`]; numbers and
/// booleans as they are; `none` as nothing), and the filters
/// - `md_text`: the same as the default, for use inside other expressions;
/// - `md_code`: a code span for prose; `md_cell_code`: a code span inside a table cell;
///   both take a string or a list (joined with `, `);
/// - `md_message`, `md_cell_message`: a message of dbaudit's quoting input in backticks;
/// - `md_code_block(info)`: a fenced block;
/// - `short(n)`: one line of at most `n` characters (before escaping).
///
/// Filters that build Markdown from several values return safe strings built with the
/// helpers above; nothing else may mark a value safe.
pub fn markdown_environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_auto_escape_callback(|_| AutoEscape::Custom("markdown"));
    env.set_formatter(|out, _state, value| {
        let text = match value.kind() {
            ValueKind::Undefined | ValueKind::None => return Ok(()),
            ValueKind::Number | ValueKind::Bool => value.to_string(),
            _ if value.is_safe() => value.as_str().unwrap_or_default().to_string(),
            _ => md_text(&raw_text(value)),
        };
        out.write_str(&text)
            .map_err(|e| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string()))
    });
    env.add_filter("md_text", |v: Value| {
        Value::from_safe_string(md_text(&raw_text(&v)))
    });
    env.add_filter("md_code", |v: Value| {
        Value::from_safe_string(md_code(&raw_text(&v), false))
    });
    env.add_filter("md_cell_code", |v: Value| {
        Value::from_safe_string(md_code(&raw_text(&v), true))
    });
    env.add_filter("md_message", |v: Value| {
        Value::from_safe_string(md_message(&raw_text(&v), false))
    });
    env.add_filter("md_cell_message", |v: Value| {
        Value::from_safe_string(md_message(&raw_text(&v), true))
    });
    env.add_filter("md_code_block", |v: Value, info: Option<String>| {
        Value::from_safe_string(md_code_block(&raw_text(&v), info.as_deref().unwrap_or("")))
    });
    env.add_filter("short", |v: Value, max: usize| {
        crate::model::finding::one_line(&raw_text(&v), max)
    });
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_shows_controls_as_escapes() {
        assert_eq!(terminal("plain Ünïcødé 名前"), "plain Ünïcødé 名前");
        assert_eq!(terminal("esc\u{1b}[31mred"), "esc\\u{1b}[31mred");
        assert_eq!(terminal("a\nb\tc\rd\u{7f}"), "a\\nb\\tc\\rd\\u{7f}");
        assert_eq!(terminal("\u{202e}evil\u{9b}"), "\\u{202e}evil\\u{9b}");
        assert_eq!(terminal(r"C:\path\file.sql"), r"C:\path\file.sql");
    }

    #[test]
    fn markdown_text_cannot_open_html_links_or_cells() {
        assert_eq!(
            md_text("<script>alert(1)</script>|t`x"),
            "&lt;script&gt;alert(1)&lt;/script&gt;\\|t\\`x"
        );
        assert_eq!(md_text("line\nbreak"), "line\\nbreak");
        assert_eq!(md_text("# heading"), "\\# heading");
        assert_eq!(md_text("1. item"), "1\\. item");
        assert_eq!(md_text("a # b - c"), "a # b - c");
        assert_eq!(md_text("---"), "\\---");
        assert_eq!(
            md_text("#3 by time, 15.18, -4,200"),
            "#3 by time, 15.18, -4,200"
        );
        assert_eq!(md_text("2) x"), "2\\) x");
        assert_eq!(
            md_text("[x](javascript:y) ![i](u)"),
            "\\[x\\](javascript:y) !\\[i\\](u)"
        );
        assert_eq!(
            md_text("ix_orders_id _em_ *b*"),
            "ix_orders_id \\_em\\_ \\*b\\*"
        );
        assert_eq!(md_text("&amp; \\"), "&amp;amp; \\\\");
    }

    #[test]
    fn code_spans_cannot_be_closed_from_inside() {
        assert_eq!(md_code("public.t", false), "`public.t`");
        assert_eq!(md_code("a`b", false), "``a`b``");
        assert_eq!(md_code("`x``", false), "``` `x`` ```");
        assert_eq!(md_code(" x ", false), "`  x  `");
        assert_eq!(md_code("a|b", true), "`a\\|b`");
        assert_eq!(md_code("a|b", false), "`a|b`");
        assert_eq!(md_code("l\ne\u{1b}", false), "`l\\ne\\u{1b}`");
    }

    #[test]
    fn messages_keep_their_code_spans_when_the_backticks_pair_up() {
        assert_eq!(
            md_message("`lower(u.email)` wraps column `a|b`", true),
            "`lower(u.email)` wraps column `a\\|b`"
        );
        assert_eq!(md_message("`<b>` & <i>", false), "`<b>` &amp; &lt;i&gt;");
        assert_eq!(
            md_message("odd ` count <b>", false),
            "odd \\` count &lt;b&gt;"
        );
    }

    #[test]
    fn code_blocks_are_fenced_longer_than_any_run() {
        assert_eq!(
            md_code_block("SELECT 1;\n", "sql"),
            "```sql\nSELECT 1;\n```"
        );
        assert_eq!(
            md_code_block("x\n```\n# h", "sql"),
            "````sql\nx\n```\n# h\n````"
        );
    }

    #[test]
    fn templates_escape_by_default() {
        let env = markdown_environment();
        let out = env
            .render_str(
                "{{ name }} | {{ name | md_code }} | {{ names | join(', ') }} | {{ n }} | {{ nothing }}",
                minijinja::context! { name => "<b>`", names => vec!["a|b", "c"], n => 3, nothing => () },
            )
            .unwrap();
        assert_eq!(out, "&lt;b&gt;\\` | `` <b>` `` | a\\|b, c | 3 | ");
    }
}
