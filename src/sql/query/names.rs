//! Table names read from tokens (`a.b.c`), the kind of source a name is, system catalogs.

use super::SourceKind;
use crate::sql::lex::{Tok, TokKind};
use crate::sql::tsql::strip_placeholders;

/// System catalogs and dynamic management views (`sys.*`, `INFORMATION_SCHEMA.*`,
/// `pg_catalog.*`, `pg_*`, legacy `sysobjects`...): nobody can index them, so
/// index-related findings on them cannot be acted on.
pub fn is_system_object(name: &str) -> bool {
    const LEGACY_TSQL: &[&str] = &[
        "sysobjects",
        "syscolumns",
        "sysindexes",
        "sysindexkeys",
        "sysusers",
        "sysdatabases",
        "sysprocesses",
        "sysjobs",
        "sysjobsteps",
        "sysjobhistory",
        "sysjobschedules",
        "sysschedules",
        "sysfiles",
        "sysfilegroups",
        "sysforeignkeys",
        "syscomments",
        "systypes",
        "sysservers",
        "syslogins",
        "sysmembers",
        "sysperfinfo",
        "sysaltfiles",
        "syslockinfo",
        "sysmessages",
        "sysconfigures",
        "syscurconfigs",
        "sysreferences",
        "sysdepends",
        "sysprotects",
        "syspermissions",
        "sysconstraints",
        "syscacheobjects",
    ];
    let lower = name.to_ascii_lowercase();
    let parts: Vec<&str> = lower.split('.').filter(|p| !p.is_empty()).collect();
    let Some(last) = parts.last() else {
        return false;
    };
    let schema = parts.len().checked_sub(2).map(|i| parts[i]);
    // `msdb.dbo.backupset`, `master..spt_values` (read as `master.spt_values`): the
    // server's own databases.
    let database = matches!(parts.len(), 2 | 3).then(|| parts[0]);
    matches!(schema, Some("sys" | "information_schema" | "pg_catalog"))
        || matches!(database, Some("msdb" | "master"))
        || (parts.len() == 1 && last.starts_with("pg_"))
        || LEGACY_TSQL.contains(last)
        || last.starts_with("sysmail_")
}

pub fn last_part(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

pub(super) fn classify_name(name: &str, first: &Tok) -> SourceKind {
    if first.kind == TokKind::Variable {
        SourceKind::TableVariable
    } else if name.starts_with('#') || last_part(name).starts_with('#') {
        SourceKind::TempTable
    } else {
        SourceKind::Table
    }
}

/// Reads `a.b.c` (quotes and placeholders removed). Returns the name and next index.
pub fn read_name(toks: &[Tok], i: usize, hi: usize) -> (String, usize) {
    read_name_with(toks, i, hi, true, false)
}

/// The one name reader: parts separated by `.` (or `..`, the default schema), installer
/// placeholders `{...}` skipped; `variables` accepts `@table_variable` parts, `templates`
/// keeps SSMS template parameters `<name, type, default>` as written.
pub fn read_name_with(
    toks: &[Tok],
    mut i: usize,
    hi: usize,
    variables: bool,
    templates: bool,
) -> (String, usize) {
    let mut parts: Vec<String> = Vec::new();
    let mut expect = true;
    while i < hi {
        let tok = &toks[i];
        if expect && templates && tok.is_punct("<") {
            let close = toks[i..hi]
                .iter()
                .take(16)
                .position(|t| t.is_punct(">"))
                .map(|o| i + o);
            if let Some(close) = close {
                parts.push(raw_text(&toks[i..=close]));
                expect = false;
                i = close + 1;
                continue;
            }
        }
        if expect && (tok.is_identifier_like() || (variables && tok.kind == TokKind::Variable)) {
            let part = strip_placeholders(&tok.text);
            // A bracketed template parameter (`[<dbUser,varchar,dbo>]`) was blanked to `?`
            // and spaces of its length: one `?` names it in messages.
            let part = if part.trim() == "?" {
                "?".to_string()
            } else {
                part
            };
            parts.push(part);
            expect = false;
        } else if tok.is_punct("{") {
            match toks[i..hi].iter().position(|t| t.is_punct("}")) {
                Some(offset) => {
                    i += offset + 1;
                    continue;
                }
                None => break,
            }
        } else if tok.is_punct(".") || tok.is_punct("..") {
            expect = true;
        } else {
            break;
        }
        i += 1;
    }
    let name = parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(".");
    (name, i)
}

/// Tokens of one line re-joined with the spacing they had in the file.
fn raw_text(toks: &[Tok]) -> String {
    let mut out = String::new();
    let mut previous: Option<&Tok> = None;
    for tok in toks {
        if let Some(prev) = previous {
            let gap = if prev.end_line == tok.line {
                tok.col.saturating_sub(prev.end_col)
            } else {
                1
            };
            out.extend(std::iter::repeat_n(' ', gap as usize));
        }
        out.push_str(&tok.text);
        previous = Some(tok);
    }
    out
}
