//! `slow-procedure`: stored procedures slow or read-heavy on average and run often.

use crate::analyze::{live_finding, qualified, Thresholds};
use crate::declare_rule;
use crate::model::snapshot::Snapshot;
use crate::model::{Category, Finding, Severity};

declare_rule! {
    /// ## What it finds
    /// Cached stored procedures (`sys.dm_exec_procedure_stats`) executed at least 100
    /// times whose average elapsed time is at least 20 ms or whose average logical reads
    /// reach 10,000 pages (80 MB), ranked by total elapsed time, with executions per
    /// minute since the plan was cached and each one's share of all procedures' time.
    /// High severity from a 25% share.
    ///
    /// ## Why it matters
    /// A procedure that is slow and frequent holds workers, locks and buffer pool for a
    /// large share of the server's time; its share says how much load one fix removes.
    /// Logical reads measure the work independently of caching and concurrency.
    ///
    /// ## Example
    /// `dbo.Appointment_GetUserAppointmentsWithDetails`: 48,000 executions (33/min),
    /// 185 ms and 42,000 logical reads on average, 61% of all procedure time.
    ///
    /// ## How to fix
    /// Scan its source with `dbaudit scan`, run it with typical parameters and `SET
    /// STATISTICS IO, TIME ON`, read the actual plan: look for scans a missing index
    /// would turn into seeks (see `missing-index`), non-sargable predicates, row-by-row
    /// loops and parameter sniffing. The numbers cover only the time its plan has been
    /// cached (since `cached_time`).
    pub static SLOW_PROCEDURE = {
        name: "slow-procedure",
        code: "DB016",
        category: Category::RuntimeHotspots,
        default_severity: Severity::Medium,
        summary: "Stored procedure slow or read-heavy on average and run often",
    };
}

pub fn check(snapshot: &Snapshot, t: &Thresholds) -> Vec<Finding> {
    let total: f64 = snapshot.procedures.iter().map(|p| p.total_elapsed_ms).sum();
    let mut slow: Vec<_> = snapshot
        .procedures
        .iter()
        .filter(|p| p.execution_count >= t.slow_procedure_min_executions)
        .filter(|p| {
            p.avg_elapsed_ms() >= t.slow_procedure_ms
                || p.avg_logical_reads() >= t.slow_procedure_logical_reads
        })
        .collect();
    slow.sort_by(|a, b| {
        b.total_elapsed_ms
            .total_cmp(&a.total_elapsed_ms)
            .then_with(|| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)))
    });
    slow.iter()
        .enumerate()
        .map(|(rank, p)| {
            let share = if total > 0.0 {
                100.0 * p.total_elapsed_ms / total
            } else {
                0.0
            };
            let severity = if share >= t.slow_procedure_high_share_pct {
                Severity::High
            } else {
                SLOW_PROCEDURE.default_severity
            };
            let rate = p
                .executions_per_minute()
                .map_or(String::new(), |r| format!(" ({r:.1}/min since its plan was cached)"));
            let mut metrics = vec![
                ("rank", (rank + 1) as f64),
                ("execution_count", p.execution_count as f64),
                ("avg_elapsed_ms", round2(p.avg_elapsed_ms())),
                ("avg_worker_ms", round2(p.avg_worker_ms())),
                ("avg_logical_reads", p.avg_logical_reads().round()),
                ("total_elapsed_ms", p.total_elapsed_ms.round()),
                ("share_of_total_pct", (share * 10.0).round() / 10.0),
            ];
            if let Some(rate) = p.executions_per_minute() {
                metrics.push(("executions_per_minute", round2(rate)));
            }
            live_finding(
                &SLOW_PROCEDURE,
                severity,
                qualified(&p.schema, &p.name),
                format!(
                    "#{} by total elapsed time: {}: {} executions{rate}, {:.1} ms elapsed ({:.1} ms CPU) and {:.0} logical reads on average; {:.0} ms in total, {:.1}% of all procedure time",
                    rank + 1,
                    qualified(&p.schema, &p.name),
                    p.execution_count,
                    p.avg_elapsed_ms(),
                    p.avg_worker_ms(),
                    p.avg_logical_reads(),
                    p.total_elapsed_ms,
                    share
                ),
                metrics,
                format!(
                    "Scan its source with dbaudit scan; run it with typical parameters and SET STATISTICS IO, TIME ON and read the actual plan of {} (see missing-index for the indexes it may need)",
                    qualified(&p.schema, &p.name)
                ),
            )
        })
        .collect()
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}
