//! Secret scrubbing of statement texts taken from a server (`pg_stat_statements`,
//! `sys.dm_exec_query_stats`, the missing-index DMVs, index definitions) before they are
//! stored in a snapshot or shown in a report: anyone who can run a statement can put a
//! password into those texts (`CREATE ROLE x PASSWORD '…'`), and dbaudit would otherwise
//! copy it into files the DBA shares.
//!
//! Pure text → text, for both engines, placed at the bottom of the layers so the
//! collectors and the importers (`snapshot::read`, `snapshot::mssql::from_raw`) can all
//! apply it. A hand scanner locates string literals properly (doubled quotes, `E''` with
//! backslash escapes, `N''`, dollar quotes, `[...]` and `"..."` identifiers, nested
//! comments), so a quote inside an identifier or a comment cannot shift what is masked.
//! A masked literal is replaced by `'*****'` (still a literal, so a scrubbed statement still
//! parses for the workload analysis). What is masked:
//! - the literal after a password-like key: `PASSWORD 'x'` (`CREATE/ALTER ROLE/USER`,
//!   `ENCRYPTED PASSWORD`, user-mapping `OPTIONS (password 'x')`), `PASSWORD = N'x'`
//!   (`CREATE LOGIN`, `ENCRYPTION BY PASSWORD`, `DECRYPTION BY PASSWORD`), `OLD_PASSWORD`,
//!   `SECRET = 'x'`, `@rmtpassword = 'x'`, `@pwd`, a hashed `PASSWORD = 0x… HASHED`;
//! - the value after `IDENTIFIED BY` / `IDENTIFIED WITH plugin BY|AS`, quoted or not;
//! - every literal among the arguments of functions and procedures that take keys or
//!   passwords (`pgp_sym_encrypt`, `encrypt`, `dblink_connect`, `DECRYPTBYPASSPHRASE`,
//!   `sp_addlinkedsrvlogin`, `OPENROWSET`, … see `SECRET_FUNCTIONS` / `SECRET_PROCEDURES`);
//! - any literal or comment holding a connection-string password (`Password=…`, `pwd=…`,
//!   `password=…` in a libpq conninfo) or a URL with one (`postgres://u:pw@host`);
//! - and, recursively, the same inside literals that hold SQL (`EXECUTE '… PASSWORD ''x'''`,
//!   `sp_executesql N'…'`, dollar-quoted function bodies).
//!
//! The app scan's `masked_credentials` (app/lang/common.rs) masks the value inside one
//! connection string shown from source code and tolerates placeholders; here the whole
//! literal goes, since a server text has no placeholders worth keeping and a partial
//! mask of a value whose end is guessed could leak its tail.

use std::borrow::Cow;

/// What a masked value is replaced with.
pub const MASK: &str = "'*****'";

/// Functions whose string arguments are keys, passwords or connection strings (compared
/// in lowercase, without schema).
const SECRET_FUNCTIONS: &[&str] = &[
    // PostgreSQL pgcrypto.
    "pgp_sym_encrypt",
    "pgp_sym_encrypt_bytea",
    "pgp_sym_decrypt",
    "pgp_sym_decrypt_bytea",
    "pgp_pub_encrypt",
    "pgp_pub_encrypt_bytea",
    "pgp_pub_decrypt",
    "pgp_pub_decrypt_bytea",
    "encrypt",
    "decrypt",
    "encrypt_iv",
    "decrypt_iv",
    "hmac",
    "crypt",
    // PostgreSQL dblink: the first argument can be a conninfo with a password.
    "dblink_connect",
    "dblink_connect_u",
    "dblink",
    "dblink_exec",
    // SQL Server.
    "encryptbypassphrase",
    "decryptbypassphrase",
    "decryptbykeyautocert",
    "decryptbykeyautoasymkey",
    "decryptbyasymkey",
    "decryptbycert",
    "signbycert",
    "signbyasymkey",
    "openrowset",
    "opendatasource",
    "pwdencrypt",
    "pwdcompare",
];

/// SQL Server procedures whose arguments hold passwords or provider strings: every
/// literal up to the end of the statement is masked, with or without parentheses.
const SECRET_PROCEDURES: &[&str] = &[
    "sp_addlinkedsrvlogin",
    "sp_addlinkedserver",
    "sp_addlogin",
    "sp_password",
    "sp_setapprole",
    "sp_addremotelogin",
    "sp_control_dbmasterkey_password",
];

/// Literals inside literals (SQL run by `EXECUTE`) are scrubbed this deep at most.
const MAX_DEPTH: usize = 8;

/// The text with every secret replaced by `'*****'` (borrowed when there is none).
/// Never panics, whatever the input.
pub fn scrub_secrets(text: &str) -> Cow<'_, str> {
    scrub_at(text, 0)
}

/// Scrubs a text in place; true when something was masked.
pub fn scrub_in_place(text: &mut String) -> bool {
    match scrub_secrets(text) {
        Cow::Borrowed(_) => false,
        Cow::Owned(scrubbed) => {
            *text = scrubbed;
            true
        }
    }
}

/// Scrubs a plain value that is not SQL (an application name the client set): when it
/// holds a connection-string password or a URL with one, the whole value is masked, as
/// a literal would be. True when something was masked.
pub fn scrub_value_in_place(value: &mut String) -> bool {
    if has_credential(value) {
        *value = MASK.trim_matches('\'').to_string();
        true
    } else {
        false
    }
}

/// Scrubs every statement text a snapshot holds (statements, missing-index query texts,
/// index definitions, partial-index predicates, index expressions, application names).
/// Returns how many texts changed.
pub fn scrub_snapshot(snapshot: &mut super::snapshot::Snapshot) -> usize {
    let mut changed = 0;
    let mut scrub = |text: &mut String| changed += usize::from(scrub_in_place(text));
    for s in &mut snapshot.statements {
        scrub(&mut s.query);
    }
    for m in &mut snapshot.missing_indexes {
        if let Some(text) = m.query_text.as_mut() {
            scrub(text);
        }
    }
    for i in &mut snapshot.indexes {
        scrub(&mut i.definition);
        if let Some(text) = i.predicate.as_mut() {
            scrub(text);
        }
    }
    for c in &mut snapshot.index_columns {
        if let Some(text) = c.expression.as_mut() {
            scrub(text);
        }
    }
    for v in &mut snapshot.views {
        scrub(&mut v.definition);
    }
    // Application names are set by the client: a connection string pasted there would
    // carry its password.
    for g in &mut snapshot.sessions {
        changed += usize::from(scrub_value_in_place(&mut g.application));
    }
    changed
}

/// Cheap test for the texts that cannot hold a secret (almost all of them).
fn may_hold_secret(text: &str) -> bool {
    const TRIGGERS: &[&[u8]] = &[
        b"pass",
        b"pwd",
        b"secret",
        b"identified",
        b"://",
        b"crypt",
        b"dblink",
        b"hmac",
        b"sp_",
        b"openrowset",
        b"opendatasource",
        b"signby",
    ];
    let bytes = text.as_bytes();
    TRIGGERS
        .iter()
        .any(|t| bytes.windows(t.len()).any(|w| w.eq_ignore_ascii_case(t)))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Space,
    Comment,
    Word,
    /// `'…'`, `N'…'`, `E'…'` (backslash escapes), `B'…'`, `X'…'`.
    Str {
        escapes: bool,
    },
    /// `$tag$…$tag$`; the body is `body`.
    Dollar,
    /// `"…"` or `[…]`.
    QuotedIdent,
    Punct(u8),
}

#[derive(Debug, Clone, Copy)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
    /// The text between the delimiters (literals, quoted identifiers, dollar quotes).
    body: (usize, usize),
}

impl Token {
    /// A token whose body is all of it (words, spaces, comments, punctuation).
    fn plain(kind: Kind, start: usize, end: usize) -> Token {
        Token {
            kind,
            start,
            end,
            body: (start, end),
        }
    }
}

fn is_word_start(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'@' | b'#') || b >= 0x80
}

fn is_word_continue(b: u8) -> bool {
    is_word_start(b) || b == b'$'
}

/// Every delimiter the lexer stops at is ASCII, so every position it yields is a char
/// boundary of the text.
fn lex(text: &str) -> Vec<Token> {
    let b = text.as_bytes();
    let n = b.len();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < n {
        let start = i;
        let c = b[i];
        let token = if c.is_ascii_whitespace() {
            while i < n && b[i].is_ascii_whitespace() {
                i += 1;
            }
            Token::plain(Kind::Space, start, i)
        } else if c == b'-' && b.get(i + 1) == Some(&b'-') {
            while i < n && b[i] != b'\n' {
                i += 1;
            }
            Token::plain(Kind::Comment, start, i)
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            // Both engines nest block comments.
            let mut depth = 0usize;
            while i < n {
                if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            Token::plain(Kind::Comment, start, i.min(n))
        } else if c == b'\'' {
            let (end, body_end) = string_end(b, i + 1, false);
            i = end;
            Token {
                kind: Kind::Str { escapes: false },
                start,
                end,
                body: (start + 1, body_end),
            }
        } else if c == b'$' {
            match dollar_quote(text, i) {
                Some((end, body)) => {
                    i = end;
                    Token {
                        kind: Kind::Dollar,
                        start,
                        end,
                        body,
                    }
                }
                None => {
                    // `$1`, or a lone `$`.
                    i += 1;
                    while i < n && b[i].is_ascii_digit() {
                        i += 1;
                    }
                    Token::plain(Kind::Word, start, i)
                }
            }
        } else if c == b'"' || c == b'[' {
            let close = if c == b'"' { b'"' } else { b']' };
            match quoted_end(b, i + 1, close) {
                Some(end) => {
                    i = end;
                    Token {
                        kind: Kind::QuotedIdent,
                        start,
                        end,
                        body: (start + 1, end - 1),
                    }
                }
                None => {
                    i += 1;
                    Token::plain(Kind::Punct(c), start, i)
                }
            }
        } else if is_word_start(c) {
            while i < n && is_word_continue(b[i]) {
                i += 1;
            }
            // A one-letter prefix glued to a quote: N'…', E'…', B'…', X'…'.
            if i - start == 1 && b.get(i) == Some(&b'\'') && b"nNeEbBxX".contains(&c) {
                let escapes = c == b'e' || c == b'E';
                let (end, body_end) = string_end(b, i + 1, escapes);
                let body = (i + 1, body_end);
                i = end;
                Token {
                    kind: Kind::Str { escapes },
                    start,
                    end,
                    body,
                }
            } else {
                Token::plain(Kind::Word, start, i)
            }
        } else {
            i += 1;
            Token::plain(Kind::Punct(c), start, i)
        };
        tokens.push(token);
    }
    tokens
}

/// From just after an opening quote: (end of the literal, end of its body). An
/// unterminated literal runs to the end of the text.
fn string_end(b: &[u8], mut i: usize, escapes: bool) -> (usize, usize) {
    while i < b.len() {
        match b[i] {
            b'\\' if escapes => i += 2,
            b'\'' if b.get(i + 1) == Some(&b'\'') => i += 2,
            b'\'' => return (i + 1, i),
            _ => i += 1,
        }
    }
    (b.len(), b.len())
}

/// From just after `"` or `[`: the end of the quoted identifier, or None when it is not
/// closed (then the opening character is punctuation, not a quote that swallows the rest).
fn quoted_end(b: &[u8], mut i: usize, close: u8) -> Option<usize> {
    while i < b.len() {
        if b[i] == close {
            if b.get(i + 1) == Some(&close) {
                i += 2;
                continue;
            }
            return Some(i + 1);
        }
        i += 1;
    }
    None
}

/// A dollar quote opening at `at` (`$$` or `$tag$`): (end, body range). Unterminated: the
/// body runs to the end of the text.
fn dollar_quote(text: &str, at: usize) -> Option<(usize, (usize, usize))> {
    let b = text.as_bytes();
    let mut i = at + 1;
    if b.get(i).is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] >= 0x80) {
        i += 1;
    }
    if b.get(i) != Some(&b'$') {
        return None;
    }
    let delimiter = &text[at..=i];
    let body_start = i + 1;
    match text[body_start..].find(delimiter) {
        Some(len) => Some((
            body_start + len + delimiter.len(),
            (body_start, body_start + len),
        )),
        None => Some((text.len(), (body_start, text.len()))),
    }
}

/// The name a word or quoted identifier stands for, in lowercase, without a leading `@`.
fn name_of(text: &str, token: &Token) -> Option<String> {
    match token.kind {
        Kind::Word | Kind::QuotedIdent => {
            let name = &text[token.body.0..token.body.1];
            Some(name.trim_start_matches('@').to_ascii_lowercase())
        }
        _ => None,
    }
}

fn is_secret_key(name: &str) -> bool {
    name.ends_with("password")
        || name.ends_with("passwd")
        || name.ends_with("secret")
        || name == "pwd"
        || name == "passphrase"
}

fn is_value(token: &Token) -> bool {
    matches!(
        token.kind,
        Kind::Str { .. } | Kind::Dollar | Kind::QuotedIdent
    )
}

fn scrub_at(text: &str, depth: usize) -> Cow<'_, str> {
    if !may_hold_secret(text) {
        return Cow::Borrowed(text);
    }
    let tokens = lex(text);
    // Indices of the tokens that are neither space nor comment.
    let sig: Vec<usize> = (0..tokens.len())
        .filter(|&t| !matches!(tokens[t].kind, Kind::Space | Kind::Comment))
        .collect();
    let mut masked = vec![false; tokens.len()];
    let punct = |k: usize, c: u8| {
        sig.get(k)
            .is_some_and(|&t| tokens[t].kind == Kind::Punct(c))
    };

    for k in 0..sig.len() {
        let token = &tokens[sig[k]];
        let Some(name) = name_of(text, token) else {
            continue;
        };
        if is_secret_key(&name) {
            // PASSWORD 'x', PASSWORD = N'x', PASSWORD = 0x0200… HASHED.
            let mut v = k + 1;
            if punct(v, b'=') {
                v += 1;
            }
            if let Some(&t) = sig.get(v) {
                let value = &tokens[t];
                let hex = value.kind == Kind::Word
                    && text[value.start..value.end]
                        .get(..2)
                        .is_some_and(|p| p.eq_ignore_ascii_case("0x"));
                if is_value(value) || hex {
                    masked[t] = true;
                }
            }
        } else if name == "identified" && token.kind == Kind::Word {
            // IDENTIFIED BY x, IDENTIFIED WITH plugin BY 'x' | AS 'hash'.
            for v in k + 1..(k + 5).min(sig.len()) {
                let word = name_of(text, &tokens[sig[v]]);
                if matches!(word.as_deref(), Some("by") | Some("as")) {
                    if let Some(&t) = sig.get(v + 1) {
                        let after = name_of(text, &tokens[t]);
                        let keyword = matches!(
                            after.as_deref(),
                            Some("password") | Some("values") | Some("externally")
                        );
                        if is_value(&tokens[t]) || (tokens[t].kind == Kind::Word && !keyword) {
                            masked[t] = true;
                        }
                    }
                    break;
                }
            }
        } else if SECRET_FUNCTIONS.contains(&name.as_str()) && punct(k + 1, b'(') {
            let mut level = 0usize;
            for &t in &sig[k + 1..] {
                match tokens[t].kind {
                    Kind::Punct(b'(') => level += 1,
                    Kind::Punct(b')') => {
                        level = level.saturating_sub(1);
                        if level == 0 {
                            break;
                        }
                    }
                    Kind::Str { .. } | Kind::Dollar => masked[t] = true,
                    _ => {}
                }
            }
        } else if SECRET_PROCEDURES.contains(&name.as_str()) {
            for &t in &sig[k + 1..] {
                match tokens[t].kind {
                    Kind::Punct(b';') => break,
                    Kind::Str { .. } | Kind::Dollar => masked[t] = true,
                    _ => {}
                }
            }
        }
    }

    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    for (t, token) in tokens.iter().enumerate() {
        let raw = &text[token.start..token.end];
        let body = &text[token.body.0..token.body.1];
        let replacement: Option<String> = if masked[t] {
            // A bare word (IDENTIFIED BY pw) becomes a literal too.
            Some(MASK.to_string())
        } else {
            match token.kind {
                Kind::Comment if has_credential(body) => Some(if raw.starts_with("--") {
                    "-- *****".to_string()
                } else {
                    "/* ***** */".to_string()
                }),
                Kind::Str { escapes } => scrub_literal(raw, body, escapes, depth),
                Kind::Dollar => {
                    let inner = if depth < MAX_DEPTH {
                        scrub_at(body, depth + 1)
                    } else {
                        Cow::Borrowed(body)
                    };
                    if has_credential(&inner) {
                        Some(MASK.to_string())
                    } else if let Cow::Owned(inner) = inner {
                        let open = &text[token.start..token.body.0];
                        let close = &text[token.body.1..token.end];
                        Some(format!("{open}{inner}{close}"))
                    } else {
                        None
                    }
                }
                _ => None,
            }
        };
        let piece = replacement.as_deref().unwrap_or(raw);
        // Two literals side by side would read as one with a doubled quote.
        if out.ends_with('\'') && piece.starts_with('\'') {
            out.push(' ');
        }
        if let Some(r) = &replacement {
            changed |= r != raw;
        }
        out.push_str(piece);
    }
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(text)
    }
}

/// A literal not masked by its context: masked whole when it holds a credential, else
/// scrubbed inside when it holds SQL with secrets (re-quoted), else kept.
fn scrub_literal(raw: &str, body: &str, escapes: bool, depth: usize) -> Option<String> {
    if !may_hold_secret(body) {
        return None;
    }
    if depth >= MAX_DEPTH {
        return has_credential(body).then(|| MASK.to_string());
    }
    let decoded = if escapes {
        body.replace("\\'", "'").replace("''", "'")
    } else {
        body.replace("''", "'")
    };
    let inner = scrub_at(&decoded, depth + 1);
    if has_credential(&inner) {
        return Some(MASK.to_string());
    }
    match inner {
        Cow::Borrowed(_) => None,
        // Backslash escapes cannot be re-encoded faithfully: the whole E'' literal goes.
        Cow::Owned(_) if escapes => Some(MASK.to_string()),
        Cow::Owned(inner) => {
            let prefix_len = raw.find('\'').unwrap_or(0);
            let prefix = &raw[..prefix_len];
            Some(format!("{prefix}'{}'", inner.replace('\'', "''")))
        }
    }
}

/// A connection-string password (`Password=x`, `pwd = x`, `"password": "x"`) or a URL
/// with one (`scheme://user:pw@host`), not already masked.
fn has_credential(text: &str) -> bool {
    if !may_hold_secret(text) {
        return false;
    }
    let lower = text.to_ascii_lowercase();
    let b = lower.as_bytes();
    for key in ["password", "passwd", "pwd"] {
        let mut from = 0;
        while let Some(at) = lower[from..].find(key) {
            let mut i = from + at + key.len();
            from = i;
            while i < b.len() && matches!(b[i], b' ' | b'\t' | b'"' | b'\'' | b']') {
                i += 1;
            }
            if !matches!(b.get(i), Some(b'=') | Some(b':')) {
                continue;
            }
            i += 1;
            while i < b.len() && matches!(b[i], b' ' | b'\t' | b'"' | b'\'' | b'{') {
                i += 1;
            }
            if i < b.len() && !matches!(b[i], b'*' | b';' | b'\n' | b'\r' | b',' | b'}') {
                return true;
            }
        }
    }
    let mut from = 0;
    while let Some(at) = lower[from..].find("://") {
        let start = from + at + 3;
        from = start;
        let authority_end = lower[start..]
            .find(|c: char| matches!(c, '/' | '?' | '#' | '\'' | '"') || c.is_whitespace())
            .map_or(lower.len(), |e| start + e);
        let authority = &lower[start..authority_end];
        if let Some(at_sign) = authority.rfind('@') {
            if let Some((_, secret)) = authority[..at_sign].split_once(':') {
                if !secret.is_empty() && !secret.starts_with('*') {
                    return true;
                }
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scrubbed(text: &str) -> String {
        scrub_secrets(text).into_owned()
    }

    #[test]
    fn an_application_name_holding_a_password_is_masked_whole() {
        let mut name = "Server=db;User Id=app;Password=Hunter2;".to_string();
        assert!(scrub_value_in_place(&mut name));
        assert_eq!(name, "*****");
        let mut url = "postgres://app:Hunter2@db/app".to_string();
        assert!(scrub_value_in_place(&mut url));
        assert!(!url.contains("Hunter2"));
        let mut plain = "billing-api (password reset worker)".to_string();
        assert!(!scrub_value_in_place(&mut plain));
        assert_eq!(plain, "billing-api (password reset worker)");
    }

    #[test]
    fn role_and_user_passwords() {
        assert_eq!(
            scrubbed("CREATE ROLE x PASSWORD 'S3cr3t'"),
            "CREATE ROLE x PASSWORD '*****'"
        );
        assert_eq!(
            scrubbed("alter user bob with encrypted password 'a''b' valid until '2030-01-01'"),
            "alter user bob with encrypted password '*****' valid until '2030-01-01'"
        );
        assert_eq!(
            scrubbed("CREATE LOGIN app WITH PASSWORD = N'Hunter2!', CHECK_POLICY = OFF"),
            "CREATE LOGIN app WITH PASSWORD = '*****', CHECK_POLICY = OFF"
        );
        assert_eq!(
            scrubbed("ALTER LOGIN sa WITH PASSWORD = 'new' OLD_PASSWORD = 'old'"),
            "ALTER LOGIN sa WITH PASSWORD = '*****' OLD_PASSWORD = '*****'"
        );
        assert_eq!(
            scrubbed("CREATE LOGIN l WITH PASSWORD = 0x0200A1B2 HASHED"),
            "CREATE LOGIN l WITH PASSWORD = '*****' HASHED"
        );
        assert_eq!(
            scrubbed("CREATE USER MAPPING FOR u SERVER s OPTIONS (user 'u', password 'pw')"),
            "CREATE USER MAPPING FOR u SERVER s OPTIONS (user 'u', password '*****')"
        );
        assert_eq!(
            scrubbed("ALTER ROLE x PASSWORD $$dollar$$"),
            "ALTER ROLE x PASSWORD '*****'"
        );
        assert_eq!(
            scrubbed("ALTER ROLE x PASSWORD NULL"),
            "ALTER ROLE x PASSWORD NULL"
        );
    }

    #[test]
    fn identified_by() {
        assert_eq!(
            scrubbed("CREATE USER u IDENTIFIED BY 'pw'"),
            "CREATE USER u IDENTIFIED BY '*****'"
        );
        assert_eq!(
            scrubbed("ALTER USER u IDENTIFIED BY pw ACCOUNT UNLOCK"),
            "ALTER USER u IDENTIFIED BY '*****' ACCOUNT UNLOCK"
        );
        assert_eq!(
            scrubbed("CREATE USER u IDENTIFIED WITH mysql_native_password BY 'pw'"),
            "CREATE USER u IDENTIFIED WITH mysql_native_password BY '*****'"
        );
    }

    #[test]
    fn sql_server_keys_and_procedures() {
        assert_eq!(
            scrubbed("OPEN SYMMETRIC KEY k DECRYPTION BY PASSWORD = 'k3y'; SELECT 1"),
            "OPEN SYMMETRIC KEY k DECRYPTION BY PASSWORD = '*****'; SELECT 1"
        );
        assert_eq!(
            scrubbed("CREATE MASTER KEY ENCRYPTION BY PASSWORD = 'mk'"),
            "CREATE MASTER KEY ENCRYPTION BY PASSWORD = '*****'"
        );
        assert_eq!(
            scrubbed("CREATE DATABASE SCOPED CREDENTIAL c WITH IDENTITY = 'u', SECRET = 's'"),
            "CREATE DATABASE SCOPED CREDENTIAL c WITH IDENTITY = 'u', SECRET = '*****'"
        );
        assert_eq!(
            scrubbed("EXEC sp_addlinkedsrvlogin @rmtsrvname = N'S', @useself = 'false', @rmtuser = 'u', @rmtpassword = 'p'"),
            "EXEC sp_addlinkedsrvlogin @rmtsrvname = '*****', @useself = '*****', @rmtuser = '*****', @rmtpassword = '*****'"
        );
        assert_eq!(
            scrubbed("EXEC master.dbo.sp_addlinkedsrvlogin 'S', 'false', NULL, 'u', 'p'; SELECT 'kept'"),
            "EXEC master.dbo.sp_addlinkedsrvlogin '*****', '*****', NULL, '*****', '*****'; SELECT 'kept'"
        );
        assert_eq!(
            scrubbed("SELECT DECRYPTBYPASSPHRASE('phrase', c) FROM t WHERE k = 'kept'"),
            "SELECT DECRYPTBYPASSPHRASE('*****', c) FROM t WHERE k = 'kept'"
        );
        assert_eq!(
            scrubbed("SELECT * FROM OPENROWSET('SQLNCLI', 'Server=s;Uid=u;Pwd=p;', 'SELECT 1')"),
            "SELECT * FROM OPENROWSET('*****', '*****', '*****')"
        );
        assert_eq!(
            scrubbed("SET @pwd = 'x'; SELECT @pwd"),
            "SET @pwd = '*****'; SELECT @pwd"
        );
    }

    #[test]
    fn pgcrypto_and_dblink() {
        assert_eq!(
            scrubbed("SELECT pgp_sym_decrypt(c, 'key', 'cipher-algo=aes256') FROM t WHERE id = $1"),
            "SELECT pgp_sym_decrypt(c, '*****', '*****') FROM t WHERE id = $1"
        );
        assert_eq!(
            scrubbed("INSERT INTO t VALUES (public.pgp_sym_encrypt($1, 'k'), 'kept')"),
            "INSERT INTO t VALUES (public.pgp_sym_encrypt($1, '*****'), 'kept')"
        );
        assert_eq!(
            scrubbed("SELECT encrypt(data, 'key', 'aes') FROM t"),
            "SELECT encrypt(data, '*****', '*****') FROM t"
        );
        assert_eq!(
            scrubbed("SELECT dblink_connect('c', 'host=h dbname=d user=u password=p')"),
            "SELECT dblink_connect('*****', '*****')"
        );
        // Not a call: a column named like a function keeps its neighbours.
        assert_eq!(
            scrubbed("SELECT crypt FROM t WHERE x = 'kept'"),
            "SELECT crypt FROM t WHERE x = 'kept'"
        );
    }

    #[test]
    fn connection_strings_and_urls_in_literals_and_comments() {
        assert_eq!(
            scrubbed("SELECT 'Server=db;User Id=sa;Password=Hunter2;' AS c"),
            "SELECT '*****' AS c"
        );
        assert_eq!(
            scrubbed("CREATE SUBSCRIPTION s CONNECTION 'host=h password=p' PUBLICATION p"),
            "CREATE SUBSCRIPTION s CONNECTION '*****' PUBLICATION p"
        );
        assert_eq!(
            scrubbed("SELECT 1 -- postgres://u:pw@h/db\nFROM t"),
            "SELECT 1 -- *****\nFROM t"
        );
        assert_eq!(
            scrubbed("SELECT 'postgres://app:s3cret@db:5432/app'"),
            "SELECT '*****'"
        );
        // No password: kept.
        assert_eq!(
            scrubbed("SELECT 'postgres://app@db/app', 'Password='"),
            "SELECT 'postgres://app@db/app', 'Password='"
        );
    }

    #[test]
    fn nested_sql_in_literals_and_bodies() {
        assert_eq!(
            scrubbed("DO $$BEGIN EXECUTE 'CREATE ROLE r PASSWORD ''pw'''; END$$"),
            "DO $$BEGIN EXECUTE 'CREATE ROLE r PASSWORD ''*****'''; END$$"
        );
        assert_eq!(
            scrubbed("EXEC sp_executesql N'CREATE LOGIN l WITH PASSWORD = ''pw'''"),
            "EXEC sp_executesql N'CREATE LOGIN l WITH PASSWORD = ''*****'''"
        );
        assert_eq!(
            scrubbed("SELECT E'CREATE ROLE r PASSWORD \\'pw\\''"),
            "SELECT '*****'"
        );
    }

    #[test]
    fn quotes_in_identifiers_and_comments_do_not_shift_literals() {
        // The quote inside the bracketed name and the comment are not literals.
        assert_eq!(
            scrubbed("SELECT [it's] /* don't */ FROM t; ALTER ROLE r PASSWORD 'pw'"),
            "SELECT [it's] /* don't */ FROM t; ALTER ROLE r PASSWORD '*****'"
        );
        assert_eq!(
            scrubbed("SELECT \"pass'word\" FROM t WHERE a = 'password'"),
            "SELECT \"pass'word\" FROM t WHERE a = 'password'"
        );
    }

    #[test]
    fn texts_without_secrets_are_borrowed() {
        for text in [
            "SELECT * FROM users WHERE id = $1",
            "SELECT password_hash FROM users WHERE name = $1",
            "UPDATE t SET pass_count = pass_count + 1",
        ] {
            assert!(matches!(scrub_secrets(text), Cow::Borrowed(_)), "{text}");
        }
    }

    #[test]
    fn never_panics_on_broken_text() {
        for text in [
            "'",
            "PASSWORD",
            "PASSWORD =",
            "PASSWORD '",
            "E'\\",
            "$",
            "$a",
            "$a$",
            "/* /* password=x",
            "[",
            "\"",
            "IDENTIFIED",
            "IDENTIFIED BY",
            "pgp_sym_encrypt(",
            "sp_addlogin 'x",
            "n'",
            "ü'PASSWORD 'é'",
            "password='\u{1F600}",
            "x://a:b@",
        ] {
            let _ = scrub_secrets(text);
        }
        assert_eq!(scrubbed("PASSWORD 'unterminated"), "PASSWORD '*****'");
    }
}
