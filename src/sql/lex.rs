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

/// Lexes `text`, whose first character sits at file position (`base_line`, `base_col`).
/// Appends to `out`. On a tokenizer error, the tokens before it are kept, the error line
/// is recorded, and lexing resumes at the next line.
pub fn lex_into(text: &str, dialect: SqlDialect, base_line: u32, base_col: u32, out: &mut Lexed) {
    let mut offset = 0usize;
    let mut line = base_line;
    let mut first_col = base_col;
    let mut buf: Vec<TokenWithSpan> = Vec::new();
    while offset < text.len() {
        let rest = &text[offset..];
        buf.clear();
        let result = match dialect {
            SqlDialect::Tsql => tokenize(&MsSqlDialect {}, rest, &mut buf),
            SqlDialect::Postgres => tokenize(&PostgreSqlDialect {}, rest, &mut buf),
        };
        for token in buf.drain(..) {
            convert(token, line, first_col, out);
        }
        match result {
            Ok(()) => break,
            Err((message, error_line)) => {
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
            }
        }
    }
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

    #[test]
    fn dollar_quoted_bodies_are_one_token() {
        let l = lex("AS $fn$ BEGIN; END $fn$;", SqlDialect::Postgres);
        assert_eq!(l.tokens[1].kind, TokKind::DollarStr);
        assert_eq!(l.tokens[1].text, " BEGIN; END ");
        assert_eq!(l.tokens[1].prefix_len, 4);
    }
}
