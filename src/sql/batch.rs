//! Splitting T-SQL scripts into batches on `GO` lines, as sqlcmd and SSMS do: `GO` alone
//! on its line (any case), optionally with a repeat count (`GO 5`) and a trailing
//! comment. A `GO` inside a block comment or a string is not a separator.

/// One batch: a byte range of the file and the 1-based line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub start: usize,
    pub end: usize,
    pub line: u32,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Code,
    BlockComment(u32),
    Quote(u8),
}

pub fn split_batches(text: &str) -> Vec<Batch> {
    let bytes = text.as_bytes();
    let mut batches = Vec::new();
    let mut state = State::Code;
    let mut batch_start = 0usize;
    let mut batch_line = 1u32;
    let mut line_no = 1u32;
    let mut line_start = 0usize;
    while line_start <= bytes.len() {
        let line_end = memchr_newline(bytes, line_start).unwrap_or(bytes.len());
        let line = &text[line_start..line_end];
        if state == State::Code && is_go_line(line) {
            batches.push(Batch {
                start: batch_start,
                end: line_start,
                line: batch_line,
            });
            batch_start = (line_end + 1).min(bytes.len());
            batch_line = line_no + 1;
        } else {
            state = scan_line(&bytes[line_start..line_end], state);
        }
        if line_end >= bytes.len() {
            break;
        }
        line_start = line_end + 1;
        line_no += 1;
    }
    if batch_start < bytes.len() {
        batches.push(Batch {
            start: batch_start,
            end: bytes.len(),
            line: batch_line,
        });
    }
    batches.retain(|b| !text[b.start..b.end].trim().is_empty());
    batches
}

fn memchr_newline(bytes: &[u8], from: usize) -> Option<usize> {
    bytes[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map(|i| from + i)
}

/// `GO`, `go 5`, `GO -- done`, with surrounding white space.
pub fn is_go_line(line: &str) -> bool {
    let trimmed = line.trim();
    let Some(rest) = trimmed
        .get(..2)
        .filter(|go| go.eq_ignore_ascii_case("go"))
        .map(|_| &trimmed[2..])
    else {
        return false;
    };
    let rest = rest.split("--").next().unwrap_or("").trim();
    rest.is_empty() || rest.bytes().all(|b| b.is_ascii_digit())
}

/// Advances the lexical state over one line (the newline itself ends `--` comments).
fn scan_line(line: &[u8], mut state: State) -> State {
    let mut i = 0;
    while i < line.len() {
        let b = line[i];
        let next = line.get(i + 1).copied();
        match state {
            State::Code => match b {
                b'-' if next == Some(b'-') => return State::Code,
                b'/' if next == Some(b'*') => {
                    state = State::BlockComment(1);
                    i += 1;
                }
                b'\'' | b'"' => state = State::Quote(b),
                b'[' => state = State::Quote(b']'),
                _ => {}
            },
            State::BlockComment(depth) => {
                if b == b'*' && next == Some(b'/') {
                    state = if depth == 1 {
                        State::Code
                    } else {
                        State::BlockComment(depth - 1)
                    };
                    i += 1;
                } else if b == b'/' && next == Some(b'*') {
                    state = State::BlockComment(depth + 1);
                    i += 1;
                }
            }
            State::Quote(close) => {
                if b == close {
                    // A doubled delimiter ('' or ]]) is an escaped one, not the end.
                    if next == Some(close) {
                        i += 1;
                    } else {
                        state = State::Code;
                    }
                }
            }
        }
        i += 1;
    }
    state
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<(u32, String)> {
        split_batches(text)
            .into_iter()
            .map(|b| (b.line, text[b.start..b.end].trim().to_string()))
            .collect()
    }

    #[test]
    fn splits_on_go_lines_in_any_case_with_counts() {
        let t = "SELECT 1\nGO\nSELECT 2\n  go 5  \nSELECT 3\nGo -- end\n";
        assert_eq!(
            texts(t),
            vec![
                (1, "SELECT 1".to_string()),
                (3, "SELECT 2".to_string()),
                (5, "SELECT 3".to_string())
            ]
        );
    }

    #[test]
    fn go_inside_comments_and_strings_is_not_a_separator() {
        let t = "SELECT 1 /* start\nGO\n*/\nSELECT 'a\nGO\n'\nGO\nSELECT 2";
        let b = texts(t);
        assert_eq!(b.len(), 2);
        assert_eq!(b[1].0, 8);
    }

    #[test]
    fn words_starting_with_go_are_not_separators() {
        assert!(!is_go_line("GOTO done"));
        assert!(!is_go_line("go away"));
        assert!(is_go_line("\tGO\r"));
    }

    #[test]
    fn crlf_lines() {
        let b = texts("SELECT 1\r\nGO\r\nSELECT 2\r\n");
        assert_eq!(b.len(), 2);
        assert_eq!(b[1].0, 3);
    }
}
