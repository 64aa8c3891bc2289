//! `undisposed-connection`: a connection created or opened and never released.

use super::{finding, lower_if_in_process, variable_note};
use crate::app::ir::AppFile;
use crate::app::ir::Disposal;
use crate::declare_rule;
use crate::model::{Category, Severity};
use crate::sql::rules::RawFinding;

declare_rule! {
    /// ## What it finds
    /// A connection created or opened in a function (`new SqlConnection`,
    /// `NpgsqlConnection`, `DbProviderFactory.CreateConnection`; `DriverManager.getConnection`,
    /// `dataSource.getConnection()`; `psycopg2` / `pyodbc` / `pymssql` `connect`; a `pg`
    /// `Client` or `pool.connect()` checkout; `new sql.ConnectionPool(...)`) that is never
    /// disposed, closed or released there: not in `using` / `using var` / `await using`,
    /// try-with-resources or `with`, not closed in a `finally`, not closed at all. A
    /// connection that changes owner — returned (also as `c ?? throw ...`), stored in a field, handed to a
    /// constructor, registered with a container, or closed by a reader opened with
    /// `CommandBehavior.CloseConnection` — is not reported, nor (in C#) a connection
    /// created and never opened, used or handed on (only to read its settings), nor one the
    /// code never opens whose every use is a Dapper call that opens a closed connection and
    /// closes it again (`conn.QueryAsync(...)`, `conn.Execute(...)`; only Dispose is
    /// skipped: not `QueryMultiple`, `ExecuteReader` or `buffered: false`, which keep it
    /// open; a connection opened by hand stays open after Dapper is done with it). A
    /// connection taken from a helper of the project (`Db.getConnection()`) is reported
    /// with medium confidence: the helper may lend a shared or request-scoped connection
    /// that its owner releases. So is an in-process SQLite file (Python `sqlite3.connect`):
    /// it holds no server session or pool slot, only a file handle until it is collected.
    ///
    /// ## Why it matters
    /// Until the garbage collector finalises it (if ever), the connection stays open and
    /// checked out of the pool. Under load the pool runs dry and requests time out waiting
    /// for a connection, and the server keeps sessions (and their locks) open.
    ///
    /// ## Example
    /// ```csharp
    /// var connection = new SqlConnection(_connectionString);
    /// connection.Open();
    /// return new SqlCommand("SELECT COUNT(*) FROM Users", connection).ExecuteScalar();
    /// ```
    ///
    /// ## How to fix
    /// Scope the connection: `using var connection = new SqlConnection(...)` (C#),
    /// try-with-resources (Java), `with closing(psycopg2.connect(...)) as conn` (psycopg2's own
    /// `with` only ends the transaction; psycopg 3's closes),
    /// `try { ... } finally { client.release() }` (node-postgres).
    pub static UNDISPOSED_CONNECTION = {
        name: "undisposed-connection",
        code: "APP003",
        category: Category::ConnectionManagement,
        default_severity: Severity::High,
        summary: "A connection opened and never disposed, closed or released",
    };
}

pub fn check(file: &AppFile, out: &mut Vec<RawFinding>) {
    for site in &file.connections {
        let helper = match &site.disposal {
            Disposal::Never => None,
            Disposal::Borrowed(helper) => Some(helper),
            _ => continue,
        };
        if site.function.is_none() {
            continue;
        }
        let variable = variable_note(site);
        let mut found = finding(
                &UNDISPOSED_CONNECTION,
                file,
                site.function,
                site.start,
                site.end.line,
                format!(
                    "`{}`{variable} is never disposed, closed or released in this function: every call leaks a pooled connection",
                    site.text
                ),
                site.text.clone(),
                Vec::new(),
                "Scope the connection: using / using var (C#), try-with-resources (Java), with (Python), release() in finally (node-postgres)".into(),
            );
        if let Some(helper) = helper {
            found.confidence.lower(
                crate::model::ConfidenceLevel::Medium,
                format!("the connection comes from `{helper}`, a helper of the project: it may lend a connection its owner releases (shared by the application, or scoped to the request or thread) rather than hand over a new one"),
            );
        }
        lower_if_in_process(&mut found, site);
        out.push(found);
    }
}
