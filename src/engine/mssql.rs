//! SQL Server SQL text: `[bracketed]` names with `]` doubled, qualified names, `N''`
//! literals, and the DDL of every recommendation and fix.

use crate::model::recommendation::{Action, IndexRecommendation};

/// `sysname` holds 128 characters (characters, not bytes: names need not be ASCII).
pub const MAX_IDENTIFIER_CHARS: usize = 128;

/// The one set of index build options. `ONLINE = ON` keeps the table writable during the
/// build, but only Enterprise, Developer and Azure SQL editions have it: on Standard the
/// statement fails with error 1712 and nothing is built, which is safer than a generator
/// that silently blocks writes to a production table. `ONLINE_NOTE` says so beside it.
const BUILD_OPTIONS: &str = "ONLINE = ON, SORT_IN_TEMPDB = ON";

/// The comment beside SQL Server index DDL: ONLINE needs an edition that has it.
pub const ONLINE_NOTE: &str =
    "ONLINE = ON needs Enterprise, Developer or Azure SQL editions; on Standard remove it (the build then blocks writes to the table).";

/// A name in brackets, `]` doubled.
pub fn quote_ident(name: &str) -> String {
    format!("[{}]", name.replace(']', "]]"))
}

/// `[schema].[name]`.
pub fn qualified(schema: &str, name: &str) -> String {
    format!("{}.{}", quote_ident(schema), quote_ident(name))
}

/// A Unicode string literal: `N'...'` with `'` doubled.
pub fn literal(text: &str) -> String {
    format!("N'{}'", text.replace('\'', "''"))
}

fn column_list(columns: &[String]) -> String {
    super::name_list(columns, quote_ident)
}

/// `IX_<table>_<keys>` for an index the optimizer requested: letters (any script),
/// digits and `_` kept, anything else `_`, at most 128 characters.
pub fn request_index_name(table: &str, keys: &[String]) -> String {
    format!("IX_{table}_{}", keys.join("_"))
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(MAX_IDENTIFIER_CHARS)
        .collect()
}

/// `CREATE NONCLUSTERED INDEX [name] ON [schema].[table] ([key]) [INCLUDE (...)]
/// WITH ([DROP_EXISTING = ON, ]ONLINE = ON, SORT_IN_TEMPDB = ON);`
pub fn create_index(
    name: &str,
    schema: &str,
    table: &str,
    key: &[String],
    include: &[String],
    drop_existing: bool,
) -> String {
    let mut ddl = format!(
        "CREATE NONCLUSTERED INDEX {} ON {} ({})",
        quote_ident(name),
        qualified(schema, table),
        column_list(key)
    );
    if !include.is_empty() {
        ddl.push_str(&format!(" INCLUDE ({})", column_list(include)));
    }
    let drop_existing = if drop_existing {
        "DROP_EXISTING = ON, "
    } else {
        ""
    };
    ddl.push_str(&format!(" WITH ({drop_existing}{BUILD_OPTIONS});"));
    ddl
}

/// The index an optimizer request (or an unindexed foreign key) asks for, named by
/// `request_index_name`.
pub fn create_requested_index(
    schema: &str,
    table: &str,
    key: &[String],
    include: &[String],
) -> String {
    create_index(
        &request_index_name(table, key),
        schema,
        table,
        key,
        include,
        false,
    )
}

/// A recommendation as DDL. Widening rebuilds the existing index in place
/// (`DROP_EXISTING = ON`), keeping its name.
pub fn recommendation_ddl(rec: &IndexRecommendation) -> String {
    create_index(
        &rec.name,
        &rec.schema,
        &rec.table,
        &rec.key_columns,
        &rec.include_columns,
        matches!(rec.action, Action::Widen { .. }),
    )
}

/// `DROP INDEX [name] ON [schema].[table];`
pub fn drop_index(schema: &str, table: &str, name: &str) -> String {
    format!(
        "DROP INDEX {} ON {};",
        quote_ident(name),
        qualified(schema, table)
    )
}

/// `UPDATE STATISTICS [schema].[table] [statistics];`
pub fn update_statistics(schema: &str, table: &str, statistics: &str) -> String {
    format!(
        "UPDATE STATISTICS {} {};",
        qualified(schema, table),
        quote_ident(statistics)
    )
}

/// `USE [database];`
pub fn use_database(database: &str) -> String {
    format!("USE {};", quote_ident(database))
}

/// `GRANT <permission> TO [principal];`. `permission` is dbaudit's own text (a fixed
/// permission name), never a name read from a server or a file.
pub fn grant(permission: &str, principal: &str) -> String {
    format!("GRANT {permission} TO {};", quote_ident(principal))
}

/// `CREATE USER [login] FOR LOGIN [login];`
pub fn create_user_for_login(login: &str) -> String {
    let login = quote_ident(login);
    format!("CREATE USER {login} FOR LOGIN {login};")
}

/// One key column of an existing index.
pub struct KeyColumn<'a> {
    pub name: &'a str,
    pub descending: bool,
}

/// An existing index as the catalog describes it, for `index_definition`.
pub struct ExistingIndex<'a> {
    pub unique: bool,
    /// The catalog's type: `clustered`, `nonclustered`, …; anything else is left out.
    pub kind: &'a str,
    pub name: &'a str,
    pub schema: &'a str,
    pub table: &'a str,
    pub key: Vec<KeyColumn<'a>>,
    pub include: Vec<String>,
    /// The filter definition, repeated only when it is a plain predicate (see
    /// `is_plain_predicate`): a snapshot is a file anyone can edit.
    pub filter: Option<&'a str>,
}

/// An existing index as `CREATE INDEX` text: the evidence of a finding, and what
/// restores the index once dropped.
pub fn index_definition(index: &ExistingIndex) -> String {
    let ExistingIndex {
        unique,
        kind,
        name,
        schema,
        table,
        key,
        include,
        filter,
    } = index;
    let kind = match kind.to_ascii_lowercase().as_str() {
        "clustered" => "CLUSTERED ",
        "nonclustered" => "NONCLUSTERED ",
        "clustered columnstore" => "CLUSTERED COLUMNSTORE ",
        "nonclustered columnstore" => "NONCLUSTERED COLUMNSTORE ",
        _ => "",
    };
    let mut ddl = format!(
        "CREATE {}{kind}INDEX {} ON {}",
        if *unique { "UNIQUE " } else { "" },
        quote_ident(name),
        qualified(schema, table),
    );
    if kind.ends_with("COLUMNSTORE ") {
        // A columnstore index has no keys and no INCLUDE: the clustered one takes every
        // column (no list), the nonclustered one lists its columns (which the catalog
        // reports as included).
        if kind.starts_with("NONCLUSTERED") {
            let columns: Vec<String> = key
                .iter()
                .map(|k| k.name.to_string())
                .chain(include.iter().cloned())
                .collect();
            ddl.push_str(&format!(" ({})", column_list(&columns)));
        }
    } else {
        let key: Vec<String> = key
            .iter()
            .map(|k| {
                let name = quote_ident(k.name);
                if k.descending {
                    format!("{name} DESC")
                } else {
                    name
                }
            })
            .collect();
        ddl.push_str(&format!(" ({})", key.join(", ")));
        if !include.is_empty() {
            ddl.push_str(&format!(" INCLUDE ({})", column_list(include)));
        }
    }
    match *filter {
        Some(filter) if is_plain_predicate(filter) => {
            ddl.push_str(&format!(" WHERE {filter}"));
        }
        Some(_) => ddl.push_str(" /* filtered index: its filter is not repeated here */"),
        None => {}
    }
    ddl
}

/// Whether a filter definition is one predicate: brackets, quotes and parentheses
/// balanced, and no `;`, comment or `GO`-like break outside brackets and quotes.
fn is_plain_predicate(filter: &str) -> bool {
    let mut depth = 0i32;
    let mut chars = filter.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '[' if !skip_quoted(&mut chars, ']') => return false,
            '\'' if !skip_quoted(&mut chars, '\'') => return false,
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            ';' | '"' | ']' | '\n' | '\r' => return false,
            '-' if chars.peek() == Some(&'-') => return false,
            '/' if chars.peek() == Some(&'*') => return false,
            _ => {}
        }
    }
    depth == 0
}

/// Moves past a bracketed name or a string up to its `close` (doubled: part of the
/// text); false when it never closes.
fn skip_quoted(chars: &mut std::iter::Peekable<std::str::Chars>, close: char) -> bool {
    while let Some(c) = chars.next() {
        if c == close {
            if chars.peek() != Some(&close) {
                return true;
            }
            chars.next();
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_and_literals() {
        assert_eq!(quote_ident("a]b"), "[a]]b]");
        assert_eq!(qualified("dbo", "Order Lines"), "[dbo].[Order Lines]");
        assert_eq!(literal("it's"), "N'it''s'");
    }

    #[test]
    fn one_set_of_build_options() {
        let ddl = create_requested_index("dbo", "UserLogin", &["Email".into()], &["UserId".into()]);
        assert_eq!(
            ddl,
            "CREATE NONCLUSTERED INDEX [IX_UserLogin_Email] ON [dbo].[UserLogin] ([Email]) INCLUDE ([UserId]) WITH (ONLINE = ON, SORT_IN_TEMPDB = ON);"
        );
        assert_eq!(
            request_index_name(&"é".repeat(200), &[]).chars().count(),
            128
        );
    }

    #[test]
    fn filters_are_repeated_only_when_plain() {
        assert!(is_plain_predicate("([Status]=N'open')"));
        assert!(is_plain_predicate("([a]]b]>(1))"));
        assert!(!is_plain_predicate("([x]=(1)); DROP TABLE [t]"));
        assert!(!is_plain_predicate("([x]=(1)) --"));
        assert!(!is_plain_predicate("([x]=N'open)"));
        assert!(!is_plain_predicate("(([x]=(1))"));
        let ddl = index_definition(&ExistingIndex {
            unique: false,
            kind: "nonclustered",
            name: "ix",
            schema: "dbo",
            table: "t",
            key: vec![KeyColumn {
                name: "k",
                descending: true,
            }],
            include: Vec::new(),
            filter: Some("([x]=(1)); DROP TABLE [t]"),
        });
        assert!(
            ddl.starts_with("CREATE NONCLUSTERED INDEX [ix] ON [dbo].[t] ([k] DESC)"),
            "{ddl}"
        );
        assert!(!ddl.contains("DROP TABLE"), "{ddl}");
    }
}
