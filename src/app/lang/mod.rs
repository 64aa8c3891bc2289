//! One front end per language. C# is lowered to the typed IR (`csharp/`: its catalogue as
//! data, the lowering, tests) and analysed by the one core (`app::core`), and so are
//! Python (`python/`), JavaScript / TypeScript (`javascript/`) and Java (`java/`), each
//! with its catalogue of database call sites as data in one place. `tree` holds the tree helpers they all share.

pub mod common;
pub mod csharp;
pub mod java;
pub mod javascript;
pub mod python;
pub mod tree;

/// The in-process database a file's statements go to, from its imports as its language's
/// catalogue lists them (C#: `using Microsoft.Data.Sqlite;`); None when it also imports a
/// server's client or the language lists none.
pub fn embedded_database(language: crate::app::ir::Language, text: &str) -> Option<String> {
    let (embedded, servers) = match language {
        crate::app::ir::Language::CSharp => (
            csharp::catalogue::EMBEDDED_DATABASE_IMPORTS,
            csharp::catalogue::SERVER_CLIENT_IMPORTS,
        ),
        _ => return None,
    };
    // An import is a whole name: `using Npgsql;` or `using Npgsql.Schema;`, not `using NpgsqlX`.
    let imports = |line: &str, prefix: &str| {
        line.strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with([';', '.', ' ']))
    };
    let mut found = None;
    for line in text.lines().map(str::trim_start) {
        if servers.iter().any(|s| imports(line, s)) {
            return None;
        }
        if found.is_none() {
            found = embedded
                .iter()
                .find(|(prefix, _)| imports(line, prefix))
                .map(|(_, name)| name.to_string());
        }
    }
    found
}

/// Whether a line of the file starts with one of the import directives (`using
/// Microsoft.EntityFrameworkCore`), as a whole name: followed by `;`, `.` or a space.
pub fn imports_any(text: &str, directives: &[&str]) -> bool {
    text.lines().map(str::trim_start).any(|line| {
        directives.iter().any(|d| {
            line.strip_prefix(d)
                .is_some_and(|rest| rest.starts_with([';', '.', ' ']))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::embedded_database;
    use crate::app::ir::Language;

    #[test]
    fn an_embedded_database_is_imported_without_a_servers_client() {
        let sqlite = "using System;\nusing Microsoft.Data.Sqlite;\nclass A {}";
        assert_eq!(
            embedded_database(Language::CSharp, sqlite).as_deref(),
            Some("SQLite (Microsoft.Data.Sqlite)")
        );
        // Also a server's client: statements may cross the network.
        let both = "using Microsoft.Data.Sqlite;\nusing Npgsql;\nclass A {}";
        assert_eq!(embedded_database(Language::CSharp, both), None);
        // Named in a comment or a longer namespace only, or another language.
        let mentioned = "// ported from Microsoft.Data.Sqlite\nusing Microsoft.Data.SqliteTools;";
        assert_eq!(embedded_database(Language::CSharp, mentioned), None);
        assert_eq!(embedded_database(Language::Java, sqlite), None);
    }
}
