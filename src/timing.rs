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

/// Prints a line of figures (when timings are on); `what` is only called then.
pub fn note(what: impl FnOnce() -> String) {
    if enabled() {
        eprintln!("dbaudit: timing: {}", what());
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

/// Whether timings are on.
pub fn enabled() -> bool {
    start().is_some()
}

type Totals = std::collections::BTreeMap<&'static str, (f64, u64)>;

fn totals() -> &'static std::sync::Mutex<Totals> {
    static TOTALS: OnceLock<std::sync::Mutex<Totals>> = OnceLock::new();
    TOTALS.get_or_init(Default::default)
}

/// Runs `work` and adds its thread time and `bytes` to the total of `name` (when timings
/// are on): summed over worker threads, printed by `totals_report`.
pub fn measure<T>(name: &'static str, bytes: usize, work: impl FnOnce() -> T) -> T {
    if !enabled() {
        return work();
    }
    let t0 = Instant::now();
    let result = work();
    let seconds = t0.elapsed().as_secs_f64();
    if let Ok(mut totals) = totals().lock() {
        let entry = totals.entry(name).or_default();
        entry.0 += seconds;
        entry.1 += bytes as u64;
    }
    result
}

/// Prints the totals of `measure` (when timings are on).
pub fn totals_report() {
    if !enabled() {
        return;
    }
    if let Ok(totals) = totals().lock() {
        for (name, (seconds, bytes)) in totals.iter() {
            // A total measured without a size (all the work on files) shows only its time.
            let rate = if *bytes == 0 {
                String::new()
            } else {
                format!(
                    "{:>6.1} MB  {:>5.1} MB/s per thread  ",
                    *bytes as f64 / 1e6,
                    *bytes as f64 / 1e6 / seconds.max(1e-9)
                )
            };
            eprintln!("dbaudit: timing: {seconds:>8.3} s  {rate}{name}");
        }
    }
}
