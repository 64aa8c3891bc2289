//! Fitting terminal output to the terminal: the width is `COLUMNS` when set, else the
//! size of the terminal standard output is; output to a file or a pipe without
//! `COLUMNS` is not wrapped (nothing is cut from what a script reads). Tables wrap their
//! widest column first (the prose: findings, verifications), keeping words whole; long
//! lines wrap at spaces with a hanging indent. Nothing is truncated.

use std::io::IsTerminal;

use tabled::settings::{peaker::PriorityMax, Width};
use tabled::Table;

/// Narrower than this, wrapping does more harm than good: lines are left as they are.
const NARROWEST: usize = 20;

/// The width to fit, or `None` for no limit.
pub fn terminal_width() -> Option<usize> {
    if let Some(columns) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
    {
        return (columns >= NARROWEST).then_some(columns);
    }
    let stdout = std::io::stdout();
    if !stdout.is_terminal() {
        return None;
    }
    terminal_size::terminal_size_of(&stdout)
        .map(|(terminal_size::Width(w), _)| usize::from(w))
        .filter(|w| *w >= NARROWEST)
}

/// Wraps `table`'s columns, widest first, so that it fits `width`.
pub fn fit_table(table: &mut Table, width: Option<usize>) {
    if let Some(width) = width {
        table.with(Width::wrap(width).priority::<PriorityMax>().keep_words());
    }
}

/// Each line of `text` wrapped to `width` at spaces; continuation lines are indented by
/// `indent` columns (or by the line's own leading spaces, if more). Escape sequences
/// (colour) take no room; a word longer than a line is split.
pub fn wrap_lines(text: &str, width: Option<usize>, indent: usize) -> String {
    let Some(width) = width else {
        return text.to_string();
    };
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    for line in text.split_inclusive('\n') {
        let (body, newline) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        wrap_line(body, width, indent, &mut out);
        out.push_str(newline);
    }
    out
}

fn wrap_line(line: &str, width: usize, indent: usize, out: &mut String) {
    if visible_width(line) <= width {
        out.push_str(line);
        return;
    }
    let leading = line.len() - line.trim_start_matches(' ').len();
    // A hanging indent that leaves too little room is reduced.
    let hang = indent.max(leading).min(width / 2);
    let mut column = 0;
    let mut first_word = true;
    out.push_str(&line[..leading]);
    column += leading;
    for word in line[leading..].split(' ') {
        let word_width = visible_width(word);
        if !first_word {
            if column + 1 + word_width <= width {
                out.push(' ');
                column += 1;
            } else {
                new_line(out, hang);
                column = hang;
            }
        }
        first_word = false;
        push_word(word, width, hang, &mut column, out);
    }
}

/// Appends `word`, splitting it where it would pass `width`.
fn push_word(word: &str, width: usize, hang: usize, column: &mut usize, out: &mut String) {
    let mut chars = word.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            // An escape sequence: copied whole, no width.
            out.push(c);
            for next in chars.by_ref() {
                out.push(next);
                if next.is_ascii_alphabetic() {
                    break;
                }
            }
            continue;
        }
        if *column >= width {
            new_line(out, hang);
            *column = hang;
        }
        out.push(c);
        *column += 1;
    }
}

/// Ends the line (without trailing spaces) and indents the next by `hang`.
fn new_line(out: &mut String, hang: usize) {
    let kept = out.trim_end_matches(' ').len();
    out.truncate(kept);
    out.push('\n');
    out.push_str(&" ".repeat(hang));
}

/// Characters that take room on a terminal (escape sequences take none).
pub fn visible_width(text: &str) -> usize {
    let mut width = 0;
    let mut in_escape = false;
    for c in text.chars() {
        match (in_escape, c) {
            (false, '\x1b') => in_escape = true,
            (true, c) if c.is_ascii_alphabetic() => in_escape = false,
            (true, _) => {}
            (false, _) => width += 1,
        }
    }
    width
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_wrap_with_a_hanging_indent_and_nothing_is_lost() {
        let text =
            "  high     rule-name  one two three four five six seven eight nine ten\nshort\n";
        let wrapped = wrap_lines(text, Some(30), 21);
        for line in wrapped.lines() {
            assert!(visible_width(line) <= 30, "{line:?} in\n{wrapped}");
        }
        assert_eq!(
            wrapped.split_whitespace().collect::<Vec<_>>(),
            text.split_whitespace().collect::<Vec<_>>()
        );
        assert!(wrapped.ends_with("\nshort\n"));
        assert!(wrapped.lines().all(|l| !l.ends_with(' ')), "{wrapped}");
        assert_eq!(wrap_lines(text, None, 4), text);
    }

    #[test]
    fn words_longer_than_a_line_are_split_and_colour_takes_no_room() {
        let long = format!("x {}", "y".repeat(50));
        for line in wrap_lines(&long, Some(20), 2).lines() {
            assert!(visible_width(line) <= 20, "{line:?}");
        }
        let coloured = "\x1b[1;31mhigh\x1b[0m word";
        assert_eq!(visible_width(coloured), 9);
        assert_eq!(wrap_lines(coloured, Some(9), 0), coloured);
    }

    #[test]
    fn tables_fit() {
        let rows = vec![
            ("a".to_string(), "word ".repeat(30)),
            ("b".to_string(), "short".to_string()),
        ];
        let mut table = Table::new(rows);
        fit_table(&mut table, Some(40));
        for line in table.to_string().lines() {
            assert!(visible_width(line) <= 40, "{line}");
        }
    }
}
