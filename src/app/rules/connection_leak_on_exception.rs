//! `connection-leak-on-exception`: a connection closed only on the normal path.

use super::{finding, lower_if_in_process, variable_note};
use crate::app::ir::AppFile;
use crate::app::ir::Disposal;
use crate::app::resolve::Repo;
use crate::declare_rule;
use crate::model::{Category, Severity};
use crate::sql::rules::RawFinding;

declare_rule! {
    /// ## What it finds
    /// A connection created or opened in a function and closed, disposed or released
    /// there — but not in a `finally`, `using`, try-with-resources or `with`, so an
    /// exception between opening and closing skips the close. In C#, a close that comes
    /// right after the open, with no call or construction in between (nothing there can
    /// throw), is not reported. Also a connection one helper opens and hands back (itself,
    /// or inside a command: `GetCommand(connString)`) and another closes
    /// (`CloseReader(command)`), in the same file or others, when the caller's call of the
    /// closing helper is not in a `finally` and something between the two can throw.
    /// An in-process SQLite file (Python `sqlite3.connect`) is
    /// reported with medium confidence: it holds no server session or pool slot.
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
        let mut found = finding(
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
        );
        lower_if_in_process(&mut found, site);
        out.push(found);
    }
}

/// A connection held between two helpers (`ir::HandOver`), decided with the repository's
/// index: every function the first call can mean opens a connection and hands it back,
/// every function the second can mean closes the parameter at that position, no call
/// handing the local to a closing helper is in a `finally` or `catch`, and something
/// between the opening and the first close can throw.
pub fn check_helpers(repo: &Repo, file: &AppFile, out: &mut Vec<RawFinding>) {
    let mut judged: Vec<usize> = Vec::new();
    for hand_over in &file.hand_overs {
        if judged.contains(&hand_over.from) {
            continue;
        }
        let (Some(open), Some(_)) = (file.calls.get(hand_over.from), file.calls.get(hand_over.to))
        else {
            continue;
        };
        let Some(open_by_name) =
            repo.every_target(file, open, &|index, f| index.opens_for_caller.contains(&f))
        else {
            continue;
        };
        judged.push(hand_over.from);
        let closes: Vec<(&crate::app::ir::HandOver, bool)> = file
            .hand_overs
            .iter()
            .filter(|h| h.from == hand_over.from)
            .filter_map(|h| {
                let call = file.calls.get(h.to)?;
                let position = h.position as u32;
                let by_name = repo.every_target(file, call, &|index, f| {
                    index.param_closes.contains(&(f, position))
                })?;
                Some((h, by_name))
            })
            .collect();
        let Some(&(first, close_by_name)) = closes.first() else {
            continue;
        };
        if closes.iter().any(|(h, _)| h.guarded) || !first.can_throw {
            continue;
        }
        let close = &file.calls[first.to];
        let mut found = finding(
            &CONNECTION_LEAK_ON_EXCEPTION,
            file,
            hand_over.function,
            open.start,
            open.end.line,
            format!(
                "`{}` (`{}`) is opened by `{}` and closed by `{}` (line {}), not in a finally: an exception before the close leaks it",
                open.text, hand_over.variable, open.callee, close.text, close.start.line
            ),
            open.text.clone(),
            Vec::new(),
            "Call the closing helper in a finally block, or scope the connection with using / try-with-resources / with"
                .into(),
        );
        if open_by_name || close_by_name {
            found.confidence.lower(
                crate::model::ConfidenceLevel::Medium,
                "a helper was matched to the opening or closing function by name and argument count only (its receiver's type is not known)",
            );
        }
        out.push(found);
    }
}
