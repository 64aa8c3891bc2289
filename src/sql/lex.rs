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
    lex_pieces(text, dialect, base_line, base_col, PIECE_BYTES, true, out);
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
///   end, so PostgreSQL text that mentions STDIN is tokenized in one piece;
/// - with `dollar_quotes` (PostgreSQL, piecewise), a dollar-quoted string is taken by
///   `take_dollar_quote` with two substring searches instead of the tokenizer's loop over
///   its characters (a function body is most of a PL/pgSQL file, and is lexed again in
///   place), when it provably starts a token there; otherwise the tokenizer reads it.
fn lex_pieces(
    text: &str,
    dialect: SqlDialect,
    base_line: u32,
    base_col: u32,
    piece_bytes: usize,
    dollar_quotes: bool,
    out: &mut Lexed,
) {
    let piecewise = !(dialect == SqlDialect::Postgres && contains_ignore_ascii_case(text, "stdin"));
    let dollar_quotes = dollar_quotes && piecewise && dialect == SqlDialect::Postgres;
    let mut offset = 0usize;
    let mut line = base_line;
    let mut first_col = base_col;
    let mut piece_len = piece_bytes.max(1);
    // Holds the look-behind tokens (already converted) at the start of each piece.
    let mut buf = TOKEN_BUFFER.take();
    buf.clear();
    while offset < text.len() {
        let rest = &text[offset..];
        let end = if piecewise {
            piece_end(rest, piece_len)
        } else {
            rest.len()
        };
        if dollar_quotes {
            let mut at = Position {
                offset,
                line,
                col: first_col,
            };
            if take_dollar_quote(text, &mut at, end, &mut buf, out) {
                (offset, line, first_col) = (at.offset, at.line, at.col);
                piece_len = piece_bytes.max(1);
                continue;
            }
        }
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
    buf.clear();
    if buf.capacity() <= KEPT_BUFFER_TOKENS {
        TOKEN_BUFFER.set(buf);
    }
}

/// Tokens of sqlparser's buffer kept between calls: a 32 KB piece holds at most one token a
/// byte (about 90 bytes each, so 2.9 MB), and capacity doubles; a larger buffer (a doubled
/// piece, a text read in one call) is freed.
const KEPT_BUFFER_TOKENS: usize = 2 * PIECE_BYTES;

thread_local! {
    /// sqlparser's token buffer, kept with its capacity from one `lex_into` call to the
    /// next on a thread: grown afresh for each file and each function body, its doubling
    /// (memory copied, new pages zeroed by the kernel on first touch) was most of a
    /// PL/pgSQL scan's page faults.
    static TOKEN_BUFFER: std::cell::Cell<Vec<TokenWithSpan>> = const { std::cell::Cell::new(Vec::new()) };
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

/// Where lexing stands: a byte offset in the text and its file position.
struct Position {
    offset: usize,
    line: u32,
    col: u32,
}

/// The tokenizer's reading of a dollar-quoted string, done with substring searches: if a
/// `$tag$` (`tag` ASCII `[A-Za-z_][A-Za-z0-9_]*`, or empty) opens within the first
/// `piece_end` bytes after `at`, and its closing `$tag$` follows, the text before it is
/// tokenized as a piece and the string becomes one token, exactly as one call of the
/// tokenizer would make them; `at` moves past the closing tag. That holds when the `$`
/// starts a token in a call on the whole text: at `at` itself (a piece boundary is a
/// token boundary), or right after a space, tab or newline that the tokenizer read as a
/// token of its own (not inside a comment or string: an unterminated comment or string
/// before the `$` is an error, a `--` comment would be the last token). Then no token
/// before it looked past it (a space or newline reads no further), and the tokenizer,
/// at a `$` followed by a tag and a `$`, reads up to the first closing `$tag$` (for `$$`,
/// the first `$$`). Returns false, with nothing taken, in every other case (no such
/// opening, no closing, a tokenizer error or a different token before it), and the
/// tokenizer reads the piece as before.
fn take_dollar_quote(
    text: &str,
    at: &mut Position,
    piece_end: usize,
    buf: &mut Vec<TokenWithSpan>,
    out: &mut Lexed,
) -> bool {
    let rest = &text[at.offset..];
    let bytes = rest.as_bytes();
    let mut search = 0usize;
    let (open, tag, close) = loop {
        let Some(found) = bytes[search..piece_end.min(bytes.len())]
            .iter()
            .position(|&b| b == b'$')
        else {
            return false;
        };
        let dollar = search + found;
        search = dollar + 1;
        if dollar > 0 && !matches!(bytes[dollar - 1], b' ' | b'\t' | b'\n' | b'\r') {
            continue;
        }
        let tag_len = bytes[dollar + 1..]
            .iter()
            .position(|&b| !(b.is_ascii_alphanumeric() || b == b'_'))
            .unwrap_or(bytes.len() - dollar - 1);
        let tag = &rest[dollar + 1..dollar + 1 + tag_len];
        if bytes.get(dollar + 1 + tag_len) != Some(&b'$')
            || tag.starts_with(|c: char| c.is_ascii_digit())
        {
            continue;
        }
        let delimiter = &rest[dollar..dollar + tag_len + 2];
        let body_start = dollar + delimiter.len();
        // The first closing delimiter, as the tokenizer finds it; none: its error path.
        let Some(close) = rest[body_start..].find(delimiter) else {
            return false;
        };
        break (dollar, tag, body_start + close);
    };
    let before = &rest[..open];
    let seeds = buf.len();
    if !before.is_empty() {
        let clean = tokenize(&PostgreSqlDialect {}, before, buf).is_ok()
            && matches!(
                buf.last().map(|t| &t.token),
                Some(Token::Whitespace(
                    Whitespace::Space | Whitespace::Tab | Whitespace::Newline
                ))
            )
            && buf.len() > seeds;
        if !clean {
            buf.truncate(seeds);
            return false;
        }
        take_tokens(buf, seeds, at.line, at.col, out);
        advance(before, &mut at.line, &mut at.col);
    }
    let end = close + tag.len() + 2;
    let quoted = &rest[open..end];
    let (mut end_line, mut end_col) = (1u32, 1u32);
    advance(quoted, &mut end_line, &mut end_col);
    let token = TokenWithSpan::new(
        Token::DollarQuotedString(sqlparser::ast::DollarQuotedString {
            value: rest[open + tag.len() + 2..close].to_string(),
            tag: (!tag.is_empty()).then(|| tag.to_string()),
        }),
        sqlparser::tokenizer::Span::new(
            sqlparser::tokenizer::Location::new(1, 1),
            sqlparser::tokenizer::Location::new(u64::from(end_line), u64::from(end_col)),
        ),
    );
    let seeds = buf.len();
    buf.push(token);
    take_tokens(buf, seeds, at.line, at.col, out);
    advance(quoted, &mut at.line, &mut at.col);
    at.offset += end;
    true
}

/// Moves a position (line, column in characters, as the tokenizer counts them) over `text`.
fn advance(text: &str, line: &mut u32, col: &mut u32) {
    match text.rfind('\n') {
        None => *col += text.chars().count() as u32,
        Some(last) => {
            *line += text.bytes().filter(|&b| b == b'\n').count() as u32;
            *col = text[last + 1..].chars().count() as u32 + 1;
        }
    }
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
        lex_pieces(text, dialect, 3, 7, piece_bytes, true, &mut out);
        out
    }

    /// One call of the tokenizer on the whole text: what lexing must give.
    fn lex_whole(text: &str, dialect: SqlDialect) -> Lexed {
        let mut out = Lexed::default();
        lex_pieces(text, dialect, 3, 7, usize::MAX, false, &mut out);
        out
    }

    /// Lexing piece by piece, dollar-quoted strings taken by `take_dollar_quote`, gives
    /// what one call of the tokenizer on the whole text gives, whatever the piece size:
    /// tokens, positions, comments and errors.
    fn assert_pieces_change_nothing(text: &str, dialect: SqlDialect) {
        let whole = lex_whole(text, dialect);
        for piece_bytes in [1, 2, 3, 5, 8, 13, 40, 100, 1000, usize::MAX] {
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
            // Dollar quotes that `take_dollar_quote` takes, and look-alikes it must leave to
            // the tokenizer: in comments and strings, after a word, a placeholder, a
            // non-ASCII or digit tag, nested, unterminated, back to back.
            "CREATE FUNCTION f() RETURNS int AS $$\nBEGIN\n  RETURN $q$ a $$ b $q$;\nEND $$ LANGUAGE plpgsql;\n",
            "DO $body$ BEGIN PERFORM 1; END $body$;\nDO\t$$x$$; SELECT\r\n$_a1$ é\n $_a1$, 'ü' ;\n",
            "-- a comment with $$ in it\nSELECT 1;\n/* and $x$ here */ SELECT $$ z $$;\n",
            "SELECT ' $$ ', \" $$ \", E' $$ \\' $$ ' FROM t;\nSELECT $$ after $$;\n",
            "SELECT a$b$c, $1, $1$x$1$, x $é$ y $é$ z, $$ w $$;\n",
            "SELECT $a$ nested $b$ inner $b$ still $a$ $b$ next $b$;\n",
            "SELECT $$ never closed\nSELECT 2;\nSELECT $t$ not closed either $$\n",
            "SELECT $$a$$$$b$$ , $$$, $$ $ $$;\n",
            "SELECT 1; $$ at a line start $$;\n $x$\n\n$x$\n",
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
        let files = assert_sql_files_lex_the_same(vec![root.join("fixtures"), root.join("tests")]);
        assert!(files > 20, "only {files} .sql files found");
    }

    /// The same on the .sql files under `DBAUDIT_LEX_CORPUS` (e.g. the corpora that
    /// `bench/same_findings.sh` extracts): `DBAUDIT_LEX_CORPUS=dir cargo test --lib
    /// sql::lex:: -- --ignored`.
    #[test]
    #[ignore = "reads the directory DBAUDIT_LEX_CORPUS names"]
    fn pieces_change_nothing_on_a_corpus() {
        let dir =
            std::env::var_os("DBAUDIT_LEX_CORPUS").expect("DBAUDIT_LEX_CORPUS names a directory");
        let files = assert_sql_files_lex_the_same(vec![std::path::PathBuf::from(dir)]);
        assert!(files > 0, "no .sql file found");
    }

    /// Lexes every .sql file under `roots` in both dialects, piece by piece and in one
    /// tokenizer call, and asserts the same result; returns how many files were read.
    fn assert_sql_files_lex_the_same(mut stack: Vec<std::path::PathBuf>) -> usize {
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
                        let whole = lex_whole(&text, dialect);
                        for piece_bytes in [1, 64, 1000, PIECE_BYTES] {
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
        files
    }

    #[test]
    fn copy_from_stdin_data_is_read_in_one_piece() {
        let text = "COPY t (a) FROM STDIN;\n1\n2\n3\n\\.\nSELECT 1;\n";
        assert_pieces_change_nothing(text, SqlDialect::Postgres);
    }

    /// The searches take a body where it provably starts a token, and leave every
    /// look-alike to the tokenizer (the tests above compare the results).
    #[test]
    fn dollar_quotes_are_taken_only_where_a_token_starts() {
        let taken = |text: &str| {
            let mut at = Position {
                offset: 0,
                line: 1,
                col: 1,
            };
            let mut out = Lexed::default();
            let took = take_dollar_quote(text, &mut at, text.len(), &mut Vec::new(), &mut out);
            (
                took,
                at.offset,
                out.tokens.last().map(|t| (t.kind, t.text.clone())),
            )
        };
        let text = "AS $fn$ BEGIN; END $fn$;";
        assert_eq!(
            taken(text),
            (
                true,
                23,
                Some((TokKind::DollarStr, " BEGIN; END ".to_string()))
            )
        );
        assert!(taken("$$x$$").0);
        for text in [
            "-- $$ x $$\n",
            "' $$ x $$ '",
            "/* $$ */ x",
            "a$$ x $$",
            "$1$ x $1$",
            "$$ unterminated",
            "x $é$ y $é$",
        ] {
            assert!(!taken(text).0, "{text:?}");
        }
    }

    #[test]
    fn dollar_quoted_bodies_are_one_token() {
        let l = lex("AS $fn$ BEGIN; END $fn$;", SqlDialect::Postgres);
        assert_eq!(l.tokens[1].kind, TokKind::DollarStr);
        assert_eq!(l.tokens[1].text, " BEGIN; END ");
        assert_eq!(l.tokens[1].prefix_len, 4);
    }
}
