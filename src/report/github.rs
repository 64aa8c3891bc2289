//! GitHub Actions workflow commands (`::error file=...::message`), which GitHub shows as
//! annotations on the pull request, and the Markdown job summary for
//! `$GITHUB_STEP_SUMMARY`. GitHub shows only a few annotations per step, so the most
//! severe findings come first and the rest are counted, not dropped silently.

use std::fmt::Write;

use super::escape::{md_code, md_message};
use crate::model::{DiagnosticKind, Finding, ScanReport, Severity};

/// Annotations written when `--max-annotations` is not given. GitHub displays at most
/// 10 errors and 10 warnings per step and 50 per job; more only cost log lines.
pub const DEFAULT_MAX_ANNOTATIONS: usize = 50;

/// How many rows the job summary's table of findings shows.
const SUMMARY_ROWS: usize = 20;

/// Annotation command of a severity.
fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "notice",
    }
}

/// Escapes a command's message (GitHub's `escapeData`).
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command's property value (GitHub's `escapeProperty`): also `:` and `,`,
/// which would end the value.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// Findings, most severe first, then in report order (file, line).
fn by_severity(report: &ScanReport) -> Vec<&Finding> {
    let mut findings: Vec<&Finding> = report.findings.iter().collect();
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    findings
}

/// The workflow commands: one per finding up to `max`, one warning per file not
/// scanned, and a last line saying how many findings were not shown.
pub fn render(report: &ScanReport, max: usize) -> String {
    let mut out = String::new();
    let findings = by_severity(report);
    for finding in findings.iter().take(max) {
        let loc = &finding.location;
        let mut properties = Vec::new();
        if let Some(file) = &loc.file {
            properties.push(format!("file={}", escape_property(file)));
        }
        if let Some(line) = loc.line {
            properties.push(format!("line={line}"));
            if let Some(col) = loc.column {
                properties.push(format!("col={col}"));
            }
            if let Some(end) = loc.end_line {
                properties.push(format!("endLine={}", end.max(line)));
            }
        }
        properties.push(format!(
            "title={}",
            escape_property(&format!(
                "{} {} ({})",
                finding.code, finding.rule, finding.severity
            ))
        ));
        let mut message = finding.message.clone();
        if let Some(note) = super::text::confidence_note(&finding.confidence) {
            message.push_str(&format!(" ({note})"));
        }
        if !finding.recommendation.is_empty() {
            message.push_str("\n\n");
            message.push_str(&finding.recommendation);
        }
        let _ = writeln!(
            out,
            "::{} {}::{}",
            command(finding.severity),
            properties.join(","),
            escape_data(&message)
        );
    }
    for skipped in report
        .diagnostics
        .iter()
        .filter(|d| d.kind == DiagnosticKind::SkippedFile)
    {
        let _ = writeln!(
            out,
            "::warning file={},title={}::{}",
            escape_property(&skipped.file),
            escape_property("dbaudit: file not scanned"),
            escape_data(&skipped.message)
        );
    }
    let hidden = findings.len().saturating_sub(max);
    let _ = write!(out, "dbaudit: {} finding(s)", findings.len());
    if hidden > 0 {
        let _ = write!(
            out,
            "; {hidden} not shown as annotations (--max-annotations {max}; the SARIF upload or --format text lists them all)"
        );
    }
    // A plain log line: a newline in a path must not start a workflow command.
    out.push_str(&baseline_note(report, |text| {
        super::escape::terminal(text).into_owned()
    }));
    out.push('\n');
    out
}

/// What a baseline or `--diff-base` hid, as a sentence tail (empty without them); `show`
/// escapes the baseline's path and the base revision for the output at hand.
fn baseline_note(report: &ScanReport, show: impl Fn(&str) -> String) -> String {
    let mut note = String::new();
    if let Some(b) = &report.summary.baseline {
        let _ = write!(
            note,
            "; {} suppressed by the baseline {}, {} stale baseline entr{}",
            b.suppressed,
            show(&b.file),
            b.stale,
            if b.stale == 1 { "y" } else { "ies" }
        );
    }
    if let Some(c) = &report.summary.changed_lines {
        let _ = write!(
            note,
            "; {} outside the lines changed since {}",
            c.outside,
            show(&c.base)
        );
    }
    if let Some(text) = crate::model::report::below_min_confidence_note(&report.summary) {
        let _ = write!(note, "; {text}");
    }
    note
}

/// The Markdown job summary: counts by severity and the most severe findings, file names
/// and messages escaped (`report::escape`).
pub fn step_summary(report: &ScanReport) -> String {
    let s = &report.summary;
    let mut out = String::from("## dbaudit scan\n\n| Severity | Findings |\n|---|---|\n");
    for severity in Severity::ALL {
        let n = s.by_severity.get(severity.as_str()).copied().unwrap_or(0);
        let _ = writeln!(out, "| {severity} | {n} |");
    }
    let _ = writeln!(
        out,
        "\n{} files scanned, {} skipped, {} regions not understood, {} suppressed by comments{}{}.\n",
        s.files_scanned,
        s.files_skipped,
        s.regions_not_understood,
        s.suppressed,
        test_code_note(s.app_test_files),
        baseline_note(report, |text| md_code(text, false))
    );
    let findings = by_severity(report);
    if !findings.is_empty() {
        out.push_str("| Severity | Rule | Location | Message |\n|---|---|---|---|\n");
        for f in findings.iter().take(SUMMARY_ROWS) {
            let place = format!(
                "{}:{}",
                f.location.file.as_deref().unwrap_or(""),
                f.location.line.unwrap_or(0)
            );
            let _ = writeln!(
                out,
                "| {} | `{}` {} | {} | {} |",
                f.severity,
                f.code,
                f.rule,
                md_code(&place, true),
                md_message(&f.message, true)
            );
        }
        if findings.len() > SUMMARY_ROWS {
            let _ = writeln!(
                out,
                "\n…and {} more (see the annotations or the SARIF upload).",
                findings.len() - SUMMARY_ROWS
            );
        }
        out.push('\n');
    }
    out
}

/// `, 120 test files checked for security only` (nothing when there are none).
fn test_code_note(test_files: usize) -> String {
    if test_files == 0 {
        return String::new();
    }
    format!(", {test_files} application test files checked by the security rules only (`--test-code all` runs every rule)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_github() {
        assert_eq!(escape_data("50% a\r\nb: c, d"), "50%25 a%0D%0Ab: c, d");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}
