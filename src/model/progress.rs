//! Progress of long steps, told by the parts that do the work (collection per check,
//! verification per candidate, the scan per file) to whoever shows it: the terminal's
//! progress display (`report::progress`), or nobody. A trait here, at the bottom of the
//! layers, so that the lower layers can report without knowing the terminal.

/// Receives progress; every method does nothing unless implemented.
pub trait Progress: Send + Sync {
    /// A new step, with `total` units of work when known.
    fn start(&self, _step: &str, _total: Option<u64>) {}
    /// One unit of the current step is done; `_what` names it (may be empty).
    fn advance(&self, _what: &str) {}
}

/// Progress that nobody shows.
pub struct Silent;

impl Progress for Silent {}
