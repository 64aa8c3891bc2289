//! Lexing with sqlparser's tokenizer, made resilient: a tokenizer error costs one line
//! (reported as not understood), never the rest of the file. Tokens are converted into a
//! compact dialect-neutral form carrying absolute file positions.

use sqlparser::dialect::{Dialect, MsSqlDialect, PostgreSqlDialect};
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer, Whitespace};

use super::SqlDialect;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokKind {
    /// An unquoted word: keyword or identifier (`#temp` included).
    Word,
    /// `[name]`, `"name"` or `` `name` ``: never a keyword.
    QuotedIdent,
    /// A T-SQL variable: `@x`, `@@FETCH_STATUS`.
    Variable,
    Number,
    /// A string literal; `text` holds its content without quotes.
    Str,
    /// A PostgreSQL dollar-quoted string; `text` holds the body, `tag` its tag.
    DollarStr,
    /// `$1`, `?`, `:name`.
    Placeholder,
    /// Operators and punctuation; `text` holds the symbol.
    Punct,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tok {
    pub kind: TokKind,
    pub text: String,
    pub line: u32,
    pub col: u32,
    pub end_line: u32,
    pub end_col: u32,
    /// For strings: characters before the content (`'` is 1, `N'` 2, `$fn$` 4), so that
    /// positions inside the content can be mapped back to the file.
    pub prefix_len: u32,
}

impl Tok {
    /// True for an unquoted word equal to `keyword`, ignoring ASCII case.
    #[inline]
    pub fn is_kw(&self, keyword: &str) -> bool {
        self.kind == TokKind::Word && self.text.eq_ignore_ascii_case(keyword)
    }

    #[inline]
    pub fn is_any_kw(&self, keywords: &[&str]) -> bool {
        self.kind == TokKind::Word && keywords.iter().any(|k| self.text.eq_ignore_ascii_case(k))
    }

    #[inline]
    pub fn is_punct(&self, symbol: &str) -> bool {
        self.kind == TokKind::Punct && self.text == symbol
    }

    pub fn is_identifier_like(&self) -> bool {
        matches!(self.kind, TokKind::Word | TokKind::QuotedIdent)
    }

    pub fn is_string(&self) -> bool {
        matches!(self.kind, TokKind::Str | TokKind::DollarStr)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub text: String,
    pub line: u32,
    pub end_line: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexError {
    pub message: String,
    pub line: u32,
    pub col: u32,
}

#[derive(Debug, Default)]
pub struct Lexed {
    pub tokens: Vec<Tok>,
    pub comments: Vec<Comment>,
    pub errors: Vec<LexError>,
}

/// Bytes of text handed to sqlparser's tokenizer at once. Its buffer holds every token of
/// what it is given, a space or a newline included (about 90 bytes each), so one call on a
/// 500 KB procedure held tens of MB, grown by doubling; piece by piece the buffer stays near
/// 3 MB and is reused, and the tokens kept are only the compact `Tok`s.
const PIECE_BYTES: usize = 32 * 1024;

/// Lexes `text`, whose first character sits at file position (`base_line`, `base_col`).
/// Appends to `out`. On a tokenizer error, the tokens before it are kept, the error line
/// is recorded, and lexing resumes at the next line.
pub fn lex_into(text: &str, dialect: SqlDialect, base_line: u32, base_col: u32, out: &mut Lexed) {
    lex_pieces(text, dialect, base_line, base_col, PIECE_BYTES, out);
}

/// `lex_into`, tokenizing at most about `piece_bytes` at a time; the result is the same as
/// one call on the whole text:
/// - a piece ends just after a newline, and is accepted only if the tokenizer read it
///   without error, so no token crosses its end (a string, comment, quoted name or
///   dollar-quoted body cut there is unterminated, which is an error);
/// - after an error in a piece that is not the rest of the text, the tokens up to the last
///   one ending a line are kept and the next piece starts on that line; with no such token,
///   the piece is doubled; an error in the rest of the text is a real one, handled as a
///   single call handles it;
/// - the tokenizer's look-behind (the previous token and the previous one that is not
///   white space) is carried into the next piece;
/// - COPY … FROM STDIN data is read by the tokenizer up to its `\.` line across any piece
///   end, so PostgreSQL text that mentions STDIN is tokenized in one piece.
fn lex_pieces(
    text: &str,
    dialect: SqlDialect,
    base_line: u32,
    base_col: u32,
    piece_bytes: usize,
    out: &mut Lexed,
) {
    let piecewise = !(dialect == SqlDialect::Postgres && contains_ignore_ascii_case(text, "stdin"));
    let mut offset = 0usize;
    let mut line = base_line;
    let mut first_col = base_col;
    let mut piece_len = piece_bytes.max(1);
    // Holds the look-behind tokens (already converted) at the start of each piece.
    let mut buf: Vec<TokenWithSpan> = Vec::new();
    while offset < text.len() {
        let rest = &text[offset..];
        let end = if piecewise {
            piece_end(rest, piece_len)
        } else {
            rest.len()
        };
        let piece = &rest[..end];
        let seeds = buf.len();
        let result = match dialect {
            SqlDialect::Tsql => tokenize(&MsSqlDialect {}, piece, &mut buf),
            SqlDialect::Postgres => tokenize(&PostgreSqlDialect {}, piece, &mut buf),
        };
        match result {
            Ok(()) if end < rest.len() => {
                take_tokens(&mut buf, seeds, line, first_col, out);
                line += piece.bytes().filter(|&b| b == b'\n').count() as u32;
                first_col = 1;
                offset += end;
                piece_len = piece_bytes.max(1);
            }
            Ok(()) => {
                take_tokens(&mut buf, seeds, line, first_col, out);
                break;
            }
            Err(_) if end < rest.len() => {
                // Perhaps a token cut by the piece's end: keep the tokens up to the last one
                // that ends a line, and start the next piece on the line after it.
                let line_end = (seeds..buf.len())
                    .rev()
                    .find(|&i| buf[i].span.end.column == 1 && buf[i].span.end.line > 1);
                match line_end.and_then(|i| {
                    Some((i, nth_line_start(piece, buf[i].span.end.line as u32 - 1)?))
                }) {
                    Some((i, next)) => {
                        let lines = buf[i].span.end.line as u32 - 1;
                        buf.truncate(i + 1);
                        take_tokens(&mut buf, seeds, line, first_col, out);
                        line += lines;
                        first_col = 1;
                        offset += next;
                        piece_len = piece_bytes.max(1);
                    }
                    None => {
                        buf.truncate(seeds);
                        piece_len = piece_len.saturating_mul(2);
                    }
                }
            }
            Err((message, error_line)) => {
                take_tokens(&mut buf, seeds, line, first_col, out);
                // After an error the tokenizer starts afresh: no look-behind.
                buf.clear();
                let error_line = error_line.max(1);
                out.errors.push(LexError {
                    message,
                    line: line + error_line - 1,
                    col: 1,
                });
                // Resume at the start of the line after the error.
                let Some(next) = nth_line_start(rest, error_line) else {
                    break;
                };
                offset += next;
                line += error_line;
                first_col = 1;
                piece_len = piece_bytes.max(1);
            }
        }
    }
}

/// Converts the tokens of `buf` after its first `seeds` (the look-behind of the piece,
/// converted before) into `out`, and leaves in `buf` the look-behind of the next piece:
/// the last token that is not white space, and the last token.
fn take_tokens(
    buf: &mut Vec<TokenWithSpan>,
    seeds: usize,
    base_line: u32,
    first_col: u32,
    out: &mut Lexed,
) {
    let is_space = |t: &TokenWithSpan| matches!(t.token, Token::Whitespace(_));
    let last = buf.last().cloned();
    let last_not_space = match &last {
        Some(t) if is_space(t) => buf.iter().rev().find(|t| !is_space(t)).cloned(),
        _ => None,
    };
    for token in buf.drain(seeds..) {
        convert(token, base_line, first_col, out);
    }
    buf.clear();
    buf.extend(last_not_space);
    buf.extend(last);
}

/// Where a piece of about `len` bytes of `rest` ends: just after the first newline at or
/// after `len`, or at the end of `rest`.
fn piece_end(rest: &str, len: usize) -> usize {
    if rest.len() <= len {
        return rest.len();
    }
    rest.as_bytes()[len..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(rest.len(), |i| len + i + 1)
}

fn contains_ignore_ascii_case(text: &str, needle: &str) -> bool {
    text.as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

fn tokenize(
    dialect: &dyn Dialect,
    text: &str,
    buf: &mut Vec<TokenWithSpan>,
) -> Result<(), (String, u32)> {
    Tokenizer::new(dialect, text)
        .with_unescape(false)
        .tokenize_with_location_into_buf(buf)
        .map_err(|e| (e.message, e.location.line as u32))
}

/// Byte offset of the start of line `n + 1` (1-based `n`), if the text has it.
fn nth_line_start(text: &str, n: u32) -> Option<usize> {
    let (index, _) = text.match_indices('\n').nth(n.max(1) as usize - 1)?;
    Some(index + 1)
}

fn convert(token: TokenWithSpan, base_line: u32, first_col: u32, out: &mut Lexed) {
    let span = token.span;
    let map = |line: u64, col: u64| -> (u32, u32) {
        let line = line.max(1) as u32;
        let col = col.max(1) as u32;
        if line == 1 {
            (base_line, col + first_col - 1)
        } else {
            (base_line + line - 1, col)
        }
    };
    let (line, col) = map(span.start.line, span.start.column);
    let (end_line, end_col) = map(span.end.line, span.end.column);
    let mut prefix_len = 0;
    let (kind, text) = match token.token {
        Token::EOF => return,
        Token::Whitespace(Whitespace::SingleLineComment { comment, .. })
        | Token::Whitespace(Whitespace::MultiLineComment(comment)) => {
            out.comments.push(Comment {
                text: comment,
                line,
                end_line,
            });
            return;
        }
        Token::Whitespace(_) => return,
        Token::Word(word) => match word.quote_style {
            Some(_) => (TokKind::QuotedIdent, word.value),
            None if word.value.starts_with('@') => (TokKind::Variable, word.value),
            None => (TokKind::Word, word.value),
        },
        Token::Number(n, _) => (TokKind::Number, n),
        Token::SingleQuotedString(s) => {
            prefix_len = 1;
            (TokKind::Str, s)
        }
        Token::TripleSingleQuotedString(s) => {
            prefix_len = 3;
            (TokKind::Str, s)
        }
        Token::HexStringLiteral(s) => (TokKind::Number, format!("0x{s}")),
        Token::NationalStringLiteral(s)
        | Token::EscapedStringLiteral(s)
        | Token::SingleQuotedByteStringLiteral(s) => {
            prefix_len = 2;
            (TokKind::Str, s)
        }
        Token::UnicodeStringLiteral(s) => {
            prefix_len = 3;
            (TokKind::Str, s)
        }
        Token::DoubleQuotedString(s) => (TokKind::QuotedIdent, s),
        Token::DollarQuotedString(d) => {
            prefix_len = d.tag.as_deref().map_or(0, |t| t.chars().count()) as u32 + 2;
            (TokKind::DollarStr, d.value)
        }
        Token::Placeholder(p) => (TokKind::Placeholder, p),
        Token::Char(c) => (TokKind::Punct, c.to_string()),
        other => (TokKind::Punct, other.to_string()),
    };
    out.tokens.push(Tok {
        kind,
        text,
        line,
        col,
        end_line,
        end_col,
        prefix_len,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex(text: &str, dialect: SqlDialect) -> Lexed {
        let mut out = Lexed::default();
        lex_into(text, dialect, 1, 1, &mut out);
        out
    }

    #[test]
    fn tsql_tokens_carry_positions_and_kinds() {
        let l = lex(
            "SELECT [Id], @p\n  FROM #t /* c */ -- x\n",
            SqlDialect::Tsql,
        );
        let kinds: Vec<_> = l
            .tokens
            .iter()
            .map(|t| (t.kind, t.text.as_str(), t.line, t.col))
            .collect();
        assert_eq!(kinds[0], (TokKind::Word, "SELECT", 1, 1));
        assert_eq!(kinds[1], (TokKind::QuotedIdent, "Id", 1, 8));
        assert_eq!(kinds[3], (TokKind::Variable, "@p", 1, 14));
        assert_eq!(kinds[5], (TokKind::Word, "#t", 2, 8));
        assert_eq!(l.comments.len(), 2);
        assert_eq!(l.comments[1].line, 2);
    }

    #[test]
    fn nested_block_comments_in_tsql() {
        let l = lex("/* a /* b */ c */ SELECT 1", SqlDialect::Tsql);
        assert_eq!(l.tokens[0].text, "SELECT");
        assert!(l.errors.is_empty());
    }

    #[test]
    fn an_error_costs_one_line_only() {
        let l = lex(
            "SELECT 1\nSELECT 'unterminated\nSELECT 3\n",
            SqlDialect::Tsql,
        );
        assert_eq!(l.errors.len(), 1);
        assert_eq!(l.errors[0].line, 2);
        let selects: Vec<u32> = l
            .tokens
            .iter()
            .filter(|t| t.is_kw("select"))
            .map(|t| t.line)
            .collect();
        assert_eq!(selects, vec![1, 2, 3]);
    }

    #[test]
    fn base_position_offsets_first_line_columns_only() {
        let mut out = Lexed::default();
        lex_into("a\nb", SqlDialect::Postgres, 10, 5, &mut out);
        assert_eq!((out.tokens[0].line, out.tokens[0].col), (10, 5));
        assert_eq!((out.tokens[1].line, out.tokens[1].col), (11, 1));
    }

    fn lex_in_pieces(text: &str, dialect: SqlDialect, piece_bytes: usize) -> Lexed {
        let mut out = Lexed::default();
        lex_pieces(text, dialect, 3, 7, piece_bytes, &mut out);
        out
    }

    /// Lexing piece by piece gives what one call on the whole text gives, whatever the
    /// piece size: tokens, positions, comments and errors.
    fn assert_pieces_change_nothing(text: &str, dialect: SqlDialect) {
        let whole = lex_in_pieces(text, dialect, usize::MAX);
        for piece_bytes in [1, 2, 3, 5, 8, 13, 40, 100, 1000] {
            let pieces = lex_in_pieces(text, dialect, piece_bytes);
            assert_eq!(
                pieces.tokens, whole.tokens,
                "tokens, pieces of {piece_bytes}: {text:?}"
            );
            assert_eq!(
                pieces.comments, whole.comments,
                "comments, pieces of {piece_bytes}"
            );
            assert_eq!(
                pieces.errors, whole.errors,
                "errors, pieces of {piece_bytes}"
            );
        }
    }

    #[test]
    fn pieces_change_nothing_on_tokens_that_span_lines() {
        let texts = [
            "SELECT 'a\nb''c\n' AS x, N'd\ne' FROM t\nWHERE y = 1\n",
            "/* one\n two /* nested\n */ three\n */ SELECT [a\nb] FROM \"c\nd\"\n",
            "CREATE FUNCTION f() RETURNS int AS $fn$\nBEGIN\n  RETURN 1;\nEND\n$fn$ LANGUAGE plpgsql;\nSELECT $$x\ny$$;\n",
            "SELECT a -- comment\n  , b\r\n  FROM t\r\n GO\r\n",
            "SELECT t\n._x FROM t\n",
            "SELECT t.\n1, 1.\n5e\n3 FROM t\n",
            "SELECT 'été' AS \"naïve\nx\", 'ü\n' FROM t\n",
            "SELECT 1\nSELECT 'unterminated\nSELECT 3\nSELECT '\n'\n",
            "SELECT 1\nSELECT 'never closed\nSELECT 3\n",
            "SELECT 1\n/* never closed\nSELECT 2\n",
            "SELECT 1\nSELECT $$ never closed\nSELECT 2\n",
            "SELECT 1 ^ \u{1}\nSELECT 2\n",
            "\n\n\nSELECT 1\n\n",
            "SELECT 1",
            "",
        ];
        for text in texts {
            assert_pieces_change_nothing(text, SqlDialect::Tsql);
            assert_pieces_change_nothing(text, SqlDialect::Postgres);
        }
    }

    #[test]
    fn pieces_change_nothing_on_the_projects_sql_files() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut stack = vec![root.join("fixtures"), root.join("tests")];
        let mut files = 0;
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("sql"))
                {
                    let Ok(text) = std::fs::read_to_string(&path) else {
                        continue;
                    };
                    for dialect in [SqlDialect::Tsql, SqlDialect::Postgres] {
                        let whole = lex_in_pieces(&text, dialect, usize::MAX);
                        for piece_bytes in [1, 64, 1000] {
                            let pieces = lex_in_pieces(&text, dialect, piece_bytes);
                            assert!(
                                pieces.tokens == whole.tokens
                                    && pieces.comments == whole.comments
                                    && pieces.errors == whole.errors,
                                "{} ({dialect:?}, pieces of {piece_bytes}) lexes differently",
                                path.display()
                            );
                        }
                    }
                    files += 1;
                }
            }
        }
        assert!(files > 20, "only {files} .sql files found");
    }

    #[test]
    fn copy_from_stdin_data_is_read_in_one_piece() {
        let text = "COPY t (a) FROM STDIN;\n1\n2\n3\n\\.\nSELECT 1;\n";
        assert_pieces_change_nothing(text, SqlDialect::Postgres);
    }

    #[test]
    fn dollar_quoted_bodies_are_one_token() {
        let l = lex("AS $fn$ BEGIN; END $fn$;", SqlDialect::Postgres);
        assert_eq!(l.tokens[1].kind, TokKind::DollarStr);
        assert_eq!(l.tokens[1].text, " BEGIN; END ");
        assert_eq!(l.tokens[1].prefix_len, 4);
    }
}
