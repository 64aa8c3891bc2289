//! `slow-function`: functions slow on average and called often.

use crate::analyze::{live_finding, qualified, Thresholds};
use crate::declare_rule;
use crate::model::snapshot::Snapshot;
use crate::model::{Category, Finding, Severity};

declare_rule! {
    /// ## What it finds
    /// Functions and procedures from `pg_stat_user_functions` (collected when
    /// `track_functions` is `pl` or `all`) whose mean time is at least 20 ms with at
    /// least 100 calls, ranked by total time.
    ///
    /// ## Why it matters
    /// Server-side code hides its statements behind one call: a PL/pgSQL function that
    /// loops row by row or runs slow queries shows up here first.
    ///
    /// ## Example
    /// `public.notify_upcoming`: 120 calls, 85 ms mean (self time 12 ms).
    ///
    /// ## How to fix
    /// Scan its source with `dbaudit scan` (row-by-row loops, non-sargable predicates)
    /// and look at the statements it runs in `pg_stat_statements` (track = all).
    pub static SLOW_FUNCTION = {
        name: "slow-function",
        code: "DB003",
        category: Category::RuntimeHotspots,
        default_severity: Severity::Medium,
        summary: "Function slow on average and called often",
    };
}

pub fn check(snapshot: &Snapshot, t: &Thresholds) -> Vec<Finding> {
    let mut slow: Vec<_> = snapshot
        .functions
        .iter()
        .filter(|f| f.calls >= t.slow_function_calls && f.calls > 0)
        .filter(|f| f.total_time_ms / f.calls as f64 >= t.slow_function_ms)
        .collect();
    slow.sort_by(|a, b| b.total_time_ms.total_cmp(&a.total_time_ms));
    slow.iter()
        .map(|f| {
            let mean = f.total_time_ms / f.calls as f64;
            live_finding(
                &SLOW_FUNCTION,
                SLOW_FUNCTION.default_severity,
                qualified(&f.schema, &f.name),
                format!(
                    "{}: {} calls, {:.1} ms mean ({:.1} ms in its own code), {:.0} ms total",
                    qualified(&f.schema, &f.name),
                    f.calls,
                    mean,
                    f.self_time_ms / f.calls as f64,
                    f.total_time_ms
                ),
                vec![
                    ("calls", f.calls as f64),
                    ("mean_time_ms", (mean * 100.0).round() / 100.0),
                    ("total_time_ms", f.total_time_ms.round()),
                ],
                "Scan the function's source with dbaudit scan and examine the statements it runs"
                    .into(),
            )
        })
        .collect()
}
