//! `connection-per-call`: a new pool or physical connection per call.

use super::finding;
use crate::app::ir::AppFile;
use crate::declare_rule;
use crate::model::{Category, Severity};
use crate::sql::rules::RawFinding;

declare_rule! {
    /// ## What it finds
    /// A connection pool, or a physical connection where the ecosystem has a pool, created
    /// inside a function that runs per request or per call: `new Pool(...)` (pg),
    /// `new sql.ConnectionPool(...)` (mssql), `mysql.createPool(...)`, a tedious
    /// `new Connection(...)`, `new HikariDataSource(...)` in a method,
    /// `DriverManager.getConnection(...)`, a Python pool or `create_engine` per call.
    /// node-mssql's `sql.connect(config)` reuses one global pool and is not reported.
    ///
    /// ## Why it matters
    /// A new pool per call defeats pooling: every request pays a TCP + TLS + authentication
    /// handshake (tens of milliseconds), and the pools pile up connections on the server
    /// until it refuses new ones.
    ///
    /// ## Example
    /// ```javascript
    /// app.get('/appointments', async (req, res) => {
    ///   const pool = new Pool(config);            // a new pool per request
    ///   const { rows } = await pool.query('SELECT ...');
    /// });
    /// ```
    ///
    /// ## How to fix
    /// Create the pool once, at start-up (module level, a singleton, dependency injection),
    /// and share it; take connections from it per request.
    pub static CONNECTION_PER_CALL = {
        name: "connection-per-call",
        code: "APP005",
        category: Category::ConnectionManagement,
        default_severity: Severity::Medium,
        summary: "A new pool or physical connection created per call",
    };
}

pub fn check(file: &AppFile, out: &mut Vec<RawFinding>) {
    for site in &file.per_call_connections {
        // A physical connection per call is the norm in one-shot JDBC code (tools,
        // tests, setup); only pools created per call are reported.
        if site.api.contains("DriverManager") {
            continue;
        }
        let function = file
            .functions
            .get(site.function)
            .map(|f| f.name.clone())
            .unwrap_or_default();
        out.push(finding(
            &CONNECTION_PER_CALL,
            file,
            Some(site.function),
            site.start,
            site.start.line,
            format!(
                "`{}` creates a new {} on every call of `{function}`: pooling is defeated",
                site.text, site.api
            ),
            site.text.clone(),
            Vec::new(),
            "Create the pool once at start-up and share it; take a connection from it per request"
                .into(),
        ));
    }
}
