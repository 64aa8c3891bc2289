//! `sync-over-async`: blocking on a database task in C#.

use super::{describe_reach, finding, lower_if_resolved_by_name};
use crate::app::ir::AppFile;
use crate::app::resolve::Repo;
use crate::declare_rule;
use crate::model::{Category, Severity};
use crate::sql::rules::RawFinding;

declare_rule! {
    /// ## What it finds
    /// C# code that blocks on the task of a database call — `.Result`, `.Wait()`,
    /// `.GetAwaiter().GetResult()` on `ExecuteReaderAsync`, `ToListAsync`, Dapper
    /// `QueryAsync` or a repository method that reaches one.
    ///
    /// ## Why it matters
    /// The thread waits idle for the database instead of returning to the pool: under load
    /// the thread pool starves and requests queue, and in ASP.NET (non-Core) or UI
    /// contexts it deadlocks on the synchronisation context.
    ///
    /// ## Example
    /// ```csharp
    /// var users = _context.Users.Where(u => u.IsActive).ToListAsync().Result;
    /// ```
    ///
    /// ## How to fix
    /// `await` it and make the callers async (`async Task<...>` all the way up), or call the
    /// synchronous API if the whole path must stay synchronous.
    pub static SYNC_OVER_ASYNC = {
        name: "sync-over-async",
        code: "APP006",
        category: Category::ConnectionManagement,
        default_severity: Severity::Medium,
        summary: "Blocking on a database task (.Result, .Wait(), GetResult())",
    };
}

pub fn check(repo: &Repo, file: &AppFile, out: &mut Vec<RawFinding>) {
    for call in &file.calls {
        let Some(blocking) = &call.blocked_by else {
            continue;
        };
        let Some(reach) = repo.reach(file, call) else {
            continue;
        };
        let mut found = finding(
            &SYNC_OVER_ASYNC,
            file,
            call.function,
            call.start,
            call.end.line,
            format!(
                "`{}{blocking}` blocks a thread until the database answers ({})",
                call.text,
                describe_reach(repo, &reach)
            ),
            format!("{}{blocking}", call.text),
            Vec::new(),
            "await the call and make the callers async, instead of blocking on it".into(),
        );
        lower_if_resolved_by_name(&mut found, &[&reach]);
        out.push(found);
    }
}
