//! Phase timings on standard error when `DBAUDIT_TIMINGS` is set: for measuring where a
//! scan's time goes (`DBAUDIT_TIMINGS=1 dbaudit scan ...`), never part of any report.

use std::sync::OnceLock;
use std::time::Instant;

fn start() -> Option<Instant> {
    static START: OnceLock<Option<Instant>> = OnceLock::new();
    *START.get_or_init(|| std::env::var_os("DBAUDIT_TIMINGS").map(|_| Instant::now()))
}

/// Starts the clock (when timings are on); later phases print the time since.
pub fn begin() {
    let _ = start();
}

/// Prints `phase` with the seconds since `begin` (when timings are on).
pub fn phase(name: &str) {
    if let Some(t0) = start() {
        eprintln!(
            "dbaudit: timing: {:>8.3} s  {:>6} MiB peak  {name}",
            t0.elapsed().as_secs_f64(),
            peak_rss_mib()
        );
    }
}

/// The process's peak resident memory so far (Linux; 0 elsewhere).
fn peak_rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .map_or(0, |kib| kib / 1024)
}
