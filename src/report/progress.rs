//! Progress of long steps on standard error: the current step with a spinner (and a bar
//! when the step knows its total) when standard error is a terminal, nothing otherwise
//! (or with `--quiet` / `--no-progress`). Standard output stays the report's alone.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A display on standard error when it is a terminal and `off` is false.
    pub fn new(off: bool) -> Progress {
        let bar = (!off && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new_spinner();
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        });
        Progress { bar }
    }

    /// A step without a count (loading, writing).
    pub fn step(&self, message: &str) {
        crate::model::progress::Progress::start(self, message, None);
    }

    /// Runs `print` with the display hidden, so that a message does not tear it.
    pub fn suspend<R>(&self, print: impl FnOnce() -> R) -> R {
        match &self.bar {
            Some(bar) => bar.suspend(print),
            None => print(),
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl crate::model::progress::Progress for Progress {
    fn start(&self, step: &str, total: Option<u64>) {
        let Some(bar) = &self.bar else { return };
        let template = match total {
            Some(_) => "{spinner} {prefix} {wide_bar} {pos}/{len} {msg}",
            None => "{spinner} {prefix} {wide_msg}",
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
        bar.set_prefix(step.to_string());
        bar.set_message("");
        bar.set_position(0);
        match total {
            Some(total) => bar.set_length(total),
            None => bar.unset_length(),
        }
    }

    fn advance(&self, what: &str) {
        let Some(bar) = &self.bar else { return };
        if bar.length().is_some() {
            bar.inc(1);
        }
        if !what.is_empty() {
            // Names come from the audited database: no control character reaches the terminal.
            let shown: String = what
                .chars()
                .map(|c| match c.is_control() {
                    true => c.escape_default().to_string(),
                    false => c.to_string(),
                })
                .collect();
            bar.set_message(shown);
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
