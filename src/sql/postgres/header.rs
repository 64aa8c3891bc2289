//! The header of a `CREATE FUNCTION | PROCEDURE | VIEW | TRIGGER` or `DO`, up to its body.

use crate::model::ObjectKind;
use crate::sql::lex::{Tok, TokKind};
use crate::sql::tsql::strip_placeholders;

pub(super) struct Header {
    pub(super) kind: ObjectKind,
    pub(super) name: String,
    pub(super) language: Option<String>,
    pub(super) params: Vec<String>,
    /// Index (within the statement) of the body string token.
    pub(super) body: Option<usize>,
    pub(super) view_query: Option<usize>,
    pub(super) atomic_body: Option<std::ops::Range<usize>>,
    /// `RETURNS SETOF t` / `RETURNS t` / `RETURNS TABLE (LIKE t)`: `t`.
    pub(super) returns_rows_of: Option<String>,
}

/// Words between `CREATE [OR REPLACE]` and the kind of object it defines.
pub(in crate::sql) const DEFINITION_MODIFIERS: &[&str] = &[
    "TEMP",
    "TEMPORARY",
    "MATERIALIZED",
    "RECURSIVE",
    "CONSTRAINT",
];

/// Recognises `CREATE [OR REPLACE] FUNCTION | PROCEDURE | [MATERIALIZED] VIEW |
/// [CONSTRAINT] TRIGGER` and `DO`.
pub(super) fn read_header(toks: &[Tok]) -> Option<Header> {
    let first = toks.first()?;
    if first.is_kw("DO") {
        let body = toks.iter().position(|t| t.is_string())?;
        let language = language_of(toks).or_else(|| Some("plpgsql".to_string()));
        return Some(Header {
            kind: ObjectKind::AnonymousBlock,
            name: String::new(),
            language,
            params: Vec::new(),
            body: Some(body),
            view_query: None,
            atomic_body: None,
            returns_rows_of: None,
        });
    }
    if !first.is_kw("CREATE") {
        return None;
    }
    let mut i = 1;
    if toks.get(i).is_some_and(|t| t.is_kw("OR")) {
        i += 2;
    }
    while toks
        .get(i)
        .is_some_and(|t| t.is_any_kw(DEFINITION_MODIFIERS))
    {
        i += 1;
    }
    let kind_tok = toks.get(i)?;
    let kind = if kind_tok.is_kw("FUNCTION") {
        ObjectKind::Function
    } else if kind_tok.is_kw("PROCEDURE") {
        ObjectKind::Procedure
    } else if kind_tok.is_kw("VIEW") {
        ObjectKind::View
    } else if kind_tok.is_kw("TRIGGER") {
        ObjectKind::Trigger
    } else {
        return None;
    };
    let (name, after) = crate::sql::query::read_name(toks, i + 1, toks.len());
    let name = strip_placeholders(&name);
    let mut header = Header {
        kind,
        name,
        language: None,
        params: Vec::new(),
        body: None,
        view_query: None,
        atomic_body: None,
        returns_rows_of: None,
    };
    match kind {
        ObjectKind::View => {
            header.view_query = toks[after..]
                .iter()
                .position(|t| t.is_kw("AS"))
                .map(|p| after + p + 1)
                .filter(|&q| q < toks.len());
        }
        ObjectKind::Function | ObjectKind::Procedure => {
            if toks.get(after).is_some_and(|t| t.is_punct("(")) {
                header.params = parameter_names(toks, after);
            }
            header.language = language_of(toks);
            header.returns_rows_of = returned_row_type(toks, after);
            let mut depth = 0usize;
            for (k, tok) in toks.iter().enumerate().skip(after) {
                if tok.is_punct("(") {
                    depth += 1;
                } else if tok.is_punct(")") {
                    depth = depth.saturating_sub(1);
                } else if depth == 0 && tok.is_kw("AS") {
                    header.body = toks[k + 1..]
                        .iter()
                        .position(|t| t.is_string())
                        .map(|p| k + 1 + p);
                    break;
                } else if depth == 0
                    && tok.is_kw("BEGIN")
                    && toks.get(k + 1).is_some_and(|t| t.is_kw("ATOMIC"))
                {
                    let end = toks
                        .iter()
                        .rposition(|t| t.is_kw("END"))
                        .unwrap_or(toks.len());
                    header.atomic_body = Some(k + 2..end.max(k + 2));
                    header.language.get_or_insert_with(|| "sql".to_string());
                    break;
                } else if depth == 0 && tok.is_kw("RETURN") {
                    header.view_query = Some(k + 1);
                    header.language.get_or_insert_with(|| "sql".to_string());
                    break;
                }
            }
        }
        _ => {}
    }
    Some(header)
}

/// The row type a function's `RETURNS` clause names (`SETOF t`, `t`, `TABLE (LIKE t)`),
/// read at the top level after the parameter list that starts at `after`.
fn returned_row_type(toks: &[Tok], after: usize) -> Option<String> {
    let mut depth = 0usize;
    let mut at = None;
    for (k, tok) in toks.iter().enumerate().skip(after) {
        if tok.is_punct("(") {
            depth += 1;
        } else if tok.is_punct(")") {
            depth = depth.saturating_sub(1);
        } else if depth == 0 && tok.is_kw("RETURNS") {
            at = Some(k + 1);
            break;
        } else if depth == 0 && (tok.is_kw("AS") || tok.is_string()) {
            return None;
        }
    }
    let mut i = at?;
    if toks.get(i).is_some_and(|t| t.is_kw("SETOF")) {
        i += 1;
    } else if toks.get(i).is_some_and(|t| t.is_kw("TABLE"))
        && toks.get(i + 1).is_some_and(|t| t.is_punct("("))
        && toks.get(i + 2).is_some_and(|t| t.is_kw("LIKE"))
    {
        i += 3;
    }
    let (name, next) = crate::sql::query::read_name(toks, i, toks.len());
    // `RETURNS t[]`, `RETURNS TABLE (a int)`, `RETURNS varchar(10)`: no row type.
    let followed_by_bracket = toks
        .get(next)
        .is_some_and(|t| t.is_punct("[") || t.is_punct("("));
    (!name.is_empty() && !followed_by_bracket && !name.eq_ignore_ascii_case("TABLE"))
        .then_some(name)
}

fn language_of(toks: &[Tok]) -> Option<String> {
    let at = toks.iter().position(|t| t.is_kw("LANGUAGE"))?;
    toks.get(at + 1)
        .filter(|t| t.is_identifier_like() || t.kind == TokKind::Str)
        .map(|t| t.text.to_ascii_lowercase())
}

/// Parameter names from `(p_id int, OUT total bigint, VARIADIC ids int[])`.
pub(super) fn parameter_names(toks: &[Tok], open: usize) -> Vec<String> {
    let mut names = Vec::new();
    let mut depth = 0usize;
    let mut param_start = open + 1;
    let mut i = open;
    while i < toks.len() {
        let tok = &toks[i];
        if tok.is_punct("(") {
            depth += 1;
        } else if tok.is_punct(")") || (tok.is_punct(",") && depth == 1) {
            if depth == 1 {
                let mut k = param_start;
                while toks
                    .get(k)
                    .is_some_and(|t| t.is_any_kw(&["IN", "OUT", "INOUT", "VARIADIC"]))
                {
                    k += 1;
                }
                // A name is followed by a type; a lone type has nothing after it.
                if k + 1 < i
                    && toks[k].is_identifier_like()
                    && !toks[k + 1].is_punct(".")
                    && !toks[k + 1].is_punct("(")
                {
                    names.push(toks[k].text.to_ascii_lowercase());
                }
                param_start = i + 1;
            }
            if tok.is_punct(")") {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
        }
        i += 1;
    }
    names
}
