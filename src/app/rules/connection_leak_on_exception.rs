//! `connection-leak-on-exception`: a connection closed only on the normal path.

use super::{finding, variable_note};
use crate::app::ir::AppFile;
use crate::app::ir::Disposal;
use crate::declare_rule;
use crate::model::{Category, Severity};
use crate::sql::rules::RawFinding;

declare_rule! {
    /// ## What it finds
    /// A connection created or opened in a function and closed, disposed or released
    /// there — but not in a `finally`, `using`, try-with-resources or `with`, so an
    /// exception between opening and closing skips the close. In C#, a close that comes
    /// right after the open, with no call or construction in between (nothing there can
    /// throw), is not reported. Also a connection one helper of the same file opens and
    /// hands back (itself, or inside a command: `GetCommand(connString)`) and another
    /// closes (`CloseReader(command)`), when the caller's close is not in a `finally`.
    ///
    /// ## Why it matters
    /// Errors are exactly when load is high and the pool is tight: every failed request
    /// leaks a connection until the pool is exhausted and the whole application stalls.
    ///
    /// ## Example
    /// ```python
    /// conn = psycopg2.connect(DSN)
    /// cur = conn.cursor()
    /// cur.execute("UPDATE payments SET status = %s WHERE id = %s", (status, pid))  # may raise
    /// conn.commit()
    /// conn.close()
    /// ```
    ///
    /// ## How to fix
    /// Move the close into `finally`, or better, scope it: `with closing(psycopg2.connect(...))`
    /// (psycopg2's own `with` only ends the transaction), `using var connection = ...`,
    /// try-with-resources, `try/finally client.release()`.
    pub static CONNECTION_LEAK_ON_EXCEPTION = {
        name: "connection-leak-on-exception",
        code: "APP004",
        category: Category::ConnectionManagement,
        default_severity: Severity::Medium,
        summary: "A connection closed only on the normal path, leaked on exceptions",
    };
}

pub fn check(file: &AppFile, out: &mut Vec<RawFinding>) {
    for site in &file.connections {
        let Disposal::NormalPathOnly(how) = &site.disposal else {
            continue;
        };
        let variable = variable_note(site);
        out.push(finding(
            &CONNECTION_LEAK_ON_EXCEPTION,
            file,
            site.function,
            site.start,
            site.end.line,
            format!(
                "`{}`{variable} is {how}: an exception before the close leaks it",
                site.text
            ),
            site.text.clone(),
            Vec::new(),
            "Close it in a finally block, or scope it with using / try-with-resources / with"
                .into(),
        ));
    }
}
