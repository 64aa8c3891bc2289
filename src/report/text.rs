//! The terminal report: findings grouped by file, what was skipped or not understood,
//! and a summary table. Colour only when asked or on a terminal (NO_COLOR honoured). Every
//! name, file name and message from the input goes through `escape::terminal` (control
//! characters as visible escapes) before it is written or put in a table.

use std::fmt::Write;

use tabled::{settings::Style, Table, Tabled};

use super::escape::terminal;
use super::width::{fit_table, wrap_lines};
use crate::model::report::below_min_confidence_note;
use crate::model::{Confidence, ConfidenceLevel, DiagnosticKind, ScanReport, Severity};

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn severity(&self, severity: Severity) -> String {
        let code = match severity {
            Severity::Critical => "1;35",
            Severity::High => "1;31",
            Severity::Medium => "33",
            Severity::Low => "36",
            Severity::Info => "2",
        };
        self.wrap(code, &format!("{:<8}", severity.as_str()))
    }
}

#[derive(Tabled)]
struct SummaryRow {
    #[tabled(rename = "")]
    what: String,
    #[tabled(rename = "count")]
    count: String,
}

pub fn render(report: &ScanReport, color: bool) -> String {
    render_fitted(report, color, None)
}

/// [`render`] fitted to `width` columns (`report::width`), when given.
pub fn render_fitted(report: &ScanReport, color: bool, width: Option<usize>) -> String {
    let paint = Paint { on: color };
    let mut out = String::new();
    let mut current_file: Option<&str> = None;
    for finding in &report.findings {
        let file = finding.location.file.as_deref().unwrap_or("");
        if current_file != Some(file) {
            if current_file.is_some() {
                out.push('\n');
            }
            let _ = writeln!(out, "{}", paint.wrap("1;4", &terminal(file)));
            current_file = Some(file);
        }
        let position = format!(
            "{}:{}",
            finding.location.line.unwrap_or(0),
            finding.location.column.unwrap_or(0)
        );
        let object = finding
            .location
            .object
            .as_deref()
            .map(|o| format!(" [{}]", terminal(o)))
            .unwrap_or_default();
        let line = format!(
            "  {:>9}  {} {}  {}{}\n",
            position,
            paint.severity(finding.severity),
            paint.wrap("1", &finding.rule),
            terminal(&finding.message),
            paint.wrap("2", &object)
        );
        out.push_str(&wrap_lines(&line, width, FINDING_INDENT));
        if let Some(note) = confidence_note(&finding.confidence) {
            let line = format!("{:FINDING_INDENT$}{}\n", "", paint.wrap("2", &note));
            out.push_str(&wrap_lines(&line, width, FINDING_INDENT));
        }
    }
    if !report.findings.is_empty() {
        out.push('\n');
    }
    if !report.summary.skipped.is_empty() {
        let _ = writeln!(out, "{}", paint.wrap("1;33", "Not scanned:"));
        for skipped in &report.summary.skipped {
            let _ = writeln!(
                out,
                "  {}: {}",
                terminal(&skipped.file),
                terminal(&skipped.reason)
            );
        }
        out.push('\n');
    }
    let regions: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.kind == DiagnosticKind::NotUnderstood)
        .collect();
    if !regions.is_empty() {
        let _ = writeln!(
            out,
            "{} (the rest of each file was analysed; --format json lists them all):",
            paint.wrap("1", "Regions not understood")
        );
        write_capped(&mut out, &regions, 10, |d| {
            format!(
                "{}:{}: {}",
                terminal(&d.file),
                d.line.unwrap_or(0),
                terminal(&d.message)
            )
        });
        out.push('\n');
    }
    if let Some(b) = &report.summary.baseline {
        let _ = writeln!(
            out,
            "{} `{}`: {} finding(s) suppressed, {} stale entr{}{}",
            paint.wrap("1", "Baseline"),
            terminal(&b.file),
            b.suppressed,
            b.stale,
            if b.stale == 1 { "y" } else { "ies" },
            if b.stale > 0 {
                " (fixed since; --prune-baseline removes them):"
            } else {
                ""
            }
        );
        write_capped(&mut out, &b.stale_entries, 20, |e| {
            format!(
                "{}: {} {} ({})",
                terminal(&e.file),
                e.rule,
                terminal(&e.message),
                e.fingerprint
            )
        });
        out.push('\n');
    }
    if let Some(c) = &report.summary.changed_lines {
        let _ = writeln!(
            out,
            "{}: {} finding(s) on lines not changed since {} not shown\n",
            paint.wrap("1", "Changed lines only"),
            c.outside,
            terminal(&c.base)
        );
    }
    if let Some(note) = below_min_confidence_note(&report.summary) {
        let _ = writeln!(out, "{}: {note}\n", paint.wrap("1", "Lower confidence"));
    }
    let s = &report.summary;
    let row = |what: &str, count: String| SummaryRow {
        what: what.to_string(),
        count,
    };
    let ignored = if s.files_ignored > 0 {
        format!("{} (--no-ignore scans them)", s.files_ignored)
    } else {
        "0".to_string()
    };
    let mut rows = vec![
        row("files scanned", s.files_scanned.to_string()),
        row("files skipped", s.files_skipped.to_string()),
        row("files ignored (.gitignore)", ignored),
    ];
    if s.app_test_files > 0 {
        rows.push(row(
            "application test files",
            format!(
                "{} (security rules only; --test-code all runs every rule)",
                s.app_test_files
            ),
        ));
    }
    rows.push(row("objects", s.objects.to_string()));
    for severity in Severity::ALL {
        let n = s.by_severity.get(severity.as_str()).copied().unwrap_or(0);
        rows.push(row(&format!("{severity} findings"), n.to_string()));
    }
    rows.push(row("suppressed", s.suppressed.to_string()));
    rows.push(row(
        "regions not understood",
        format!(
            "{} ({:.2}% of lines)",
            s.regions_not_understood,
            s.not_understood_share * 100.0
        ),
    ));
    let mut out = wrap_lines(&out, width, NOTE_INDENT);
    let mut table = Table::new(rows);
    table.with(Style::rounded());
    fit_table(&mut table, width);
    let _ = writeln!(out, "{table}");
    out
}

/// `confidence medium: reason; reason` for a finding below `high` (None at `high`), the
/// reasons escaped: a rule may quote a name from the input in them.
pub fn confidence_note(confidence: &Confidence) -> Option<String> {
    if confidence.level == ConfidenceLevel::High {
        return None;
    }
    let mut note = format!("confidence {}", confidence.level);
    if !confidence.reasons.is_empty() {
        note.push_str(": ");
        note.push_str(&terminal(&confidence.reasons.join("; ")));
    }
    Some(note)
}

/// Where a wrapped finding line continues: under its severity.
const FINDING_INDENT: usize = 13;
/// Where other wrapped lines continue.
const NOTE_INDENT: usize = 4;

/// Writes the first `max` items, indented, and a line counting the rest.
fn write_capped<T>(out: &mut String, items: &[T], max: usize, line: impl Fn(&T) -> String) {
    for item in items.iter().take(max) {
        let _ = writeln!(out, "  {}", line(item));
    }
    if items.len() > max {
        let _ = writeln!(out, "  ... and {} more", items.len() - max);
    }
}

#[derive(Tabled)]
struct RuleRow {
    code: &'static str,
    name: &'static str,
    category: &'static str,
    #[tabled(rename = "default severity")]
    severity: &'static str,
    finds: &'static str,
}

pub fn rules_table(width: Option<usize>) -> String {
    let rows: Vec<RuleRow> = crate::rules::all()
        .into_iter()
        .map(|r| RuleRow {
            code: r.code,
            name: r.name,
            category: r.category.as_str(),
            severity: r.default_severity.as_str(),
            finds: r.summary,
        })
        .collect();
    let mut table = Table::new(rows);
    table.with(Style::rounded());
    fit_table(&mut table, width);
    format!("{table}\n\nRun `dbaudit rules NAME` for a rule's documentation.\n")
}

#[derive(Tabled)]
struct CandidateRow {
    table: String,
    #[tabled(rename = "key columns")]
    key: String,
    calls: i64,
    #[tabled(rename = "total ms")]
    total_ms: String,
    verification: String,
}

/// The terminal view of a live analysis.
pub fn render_live(
    report: &crate::analyze::report::LiveReport,
    color: bool,
    width: Option<usize>,
) -> String {
    use crate::analyze::workload::Verdict;
    let paint = Paint { on: color };
    let mut out = String::new();
    let s = &report.source;
    let _ = writeln!(
        out,
        "{} {} — database {} ({}), collected {}",
        paint.wrap("1", &terminal(&s.engine)),
        terminal(&s.server_version),
        terminal(&s.database),
        terminal(&s.source),
        terminal(&s.collected_at)
    );
    if let Some(age) = s.stats_age_seconds {
        let _ = writeln!(
            out,
            "statistics age: {:.1} days (counters since {})",
            age / 86_400.0,
            terminal(s.stats_reset.as_deref().unwrap_or("server start"))
        );
    }
    out.push('\n');
    for finding in &report.findings {
        let line = format!(
            "  {} {}  {}\n",
            paint.severity(finding.severity),
            paint.wrap("1", &finding.rule),
            terminal(&finding.message)
        );
        out.push_str(&wrap_lines(&line, width, LIVE_FINDING_INDENT));
    }
    if report.findings.is_empty() {
        let _ = writeln!(out, "  no findings");
    }
    if !report.index_candidates.is_empty() {
        let rows: Vec<CandidateRow> = report
            .index_candidates
            .iter()
            .map(|c| CandidateRow {
                table: terminal(&format!("{}.{}", c.schema, c.table)).into_owned(),
                key: terminal(&format!(
                    "{}{}",
                    c.shape.key_text(&c.key_columns),
                    c.shape.predicate_text()
                ))
                .into_owned(),
                calls: c.calls,
                total_ms: format!("{:.0}", c.total_time_ms),
                verification: match &c.verdict {
                    Verdict::Verified { saving, .. } => {
                        format!("verified, -{:.0}% cost", saving * 100.0)
                    }
                    Verdict::Rejected { reason } => format!("dropped: {}", terminal(reason)),
                    Verdict::Unverified { reason } => format!("unverified: {}", terminal(reason)),
                },
            })
            .collect();
        let mut table = Table::new(rows);
        table.with(Style::rounded());
        fit_table(&mut table, width);
        let _ = writeln!(out, "\n{}\n{table}", paint.wrap("1", "Index candidates"));
    }
    if !report.notes.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            paint.wrap("1;33", "Not checked, or checked in part:")
        );
        for note in &report.notes {
            let _ = writeln!(
                out,
                "  {}: {}",
                terminal(&note.check),
                terminal(&note.message)
            );
        }
    }
    let sum = &report.summary;
    let _ = writeln!(
        out,
        "\n{} tables, {} indexes, {} statements; {} findings ({} critical, {} high), {} index candidates",
        sum.tables,
        sum.indexes,
        sum.statements,
        sum.findings,
        sum.by_severity.get("critical").copied().unwrap_or(0),
        sum.by_severity.get("high").copied().unwrap_or(0),
        sum.index_candidates
    );
    // Tables already fit: this wraps the other lines (header, notes, summary).
    wrap_lines(&out, width, NOTE_INDENT)
}

/// Where a wrapped finding line of a live analysis continues: under its rule.
const LIVE_FINDING_INDENT: usize = 11;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_confidence_shows_below_high_with_its_reasons_escaped() {
        assert_eq!(confidence_note(&Confidence::high()), None);
        let lowered = Confidence::high()
            .lowered(ConfidenceLevel::Medium, "table `#t\x1b[31m` is scratch")
            .lowered(ConfidenceLevel::Low, "loop body runs dynamic SQL");
        let note = confidence_note(&lowered).expect("shown below high");
        assert!(note.starts_with("confidence low: table `#t"), "{note}");
        assert!(note.ends_with("; loop body runs dynamic SQL"), "{note}");
        assert!(!note.contains('\x1b'), "{note}");
    }
}
