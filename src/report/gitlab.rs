//! GitLab Code Quality: a JSON array of CodeClimate-style issues, which GitLab shows in
//! merge requests when a job publishes it as `artifacts:reports:codequality`.

use std::io::Write;

use anyhow::Result;
use serde::Serialize;

use crate::model::{Finding, ScanReport, Severity};

#[derive(Serialize)]
struct Issue<'a> {
    description: String,
    check_name: &'a str,
    /// Unique per report: GitLab matches issues between branches by it.
    fingerprint: &'a str,
    severity: &'static str,
    location: IssueLocation<'a>,
}

#[derive(Serialize)]
struct IssueLocation<'a> {
    path: &'a str,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
}

/// GitLab's severity names.
fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Info => "info",
        Severity::Low => "minor",
        Severity::Medium => "major",
        Severity::High => "critical",
        Severity::Critical => "blocker",
    }
}

fn issue(finding: &Finding) -> Issue<'_> {
    let loc = &finding.location;
    Issue {
        description: match super::text::confidence_note(&finding.confidence) {
            Some(note) => format!(
                "{} ({}): {} ({note})",
                finding.code, finding.rule, finding.message
            ),
            None => format!("{} ({}): {}", finding.code, finding.rule, finding.message),
        },
        check_name: &finding.rule,
        fingerprint: &finding.fingerprint,
        severity: severity(finding.severity),
        location: IssueLocation {
            // GitLab requires a path; a finding on a database object names the object.
            path: loc.file.as_deref().or(loc.object.as_deref()).unwrap_or(""),
            lines: Lines {
                begin: loc.line.unwrap_or(1).max(1),
            },
        },
    }
}

pub fn write(report: &ScanReport, out: &mut dyn Write) -> Result<()> {
    let issues: Vec<Issue> = report.findings.iter().map(issue).collect();
    serde_json::to_writer_pretty(&mut *out, &issues)?;
    out.write_all(b"\n")?;
    Ok(())
}
