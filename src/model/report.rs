//! The result of a static scan, as rendered by every output format.

use super::{ConfidenceLevel, Diagnostic, Finding, ObjectFact};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the JSON contract. Bump on any incompatible change of key names or shapes.
/// 2: every finding has a `confidence`; the summary says which findings
/// `--min-confidence` left out (`min_confidence`, `below_min_confidence`).
pub const SCHEMA_VERSION: u32 = 2;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedFile {
    pub file: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScanSummary {
    pub files_scanned: usize,
    pub files_skipped: usize,
    /// Matching files left out by .gitignore / .ignore / hidden-file rules
    /// (`--no-ignore` scans them).
    pub files_ignored: usize,
    /// Of the files scanned, application source (C#, JS/TS, Python, Java).
    #[serde(default)]
    pub app_files_scanned: usize,
    /// Of those, test code, on which only the security rules ran (`scan.test_code`).
    #[serde(default)]
    pub app_test_files: usize,
    pub bytes_scanned: u64,
    pub lines_scanned: u64,
    pub objects: usize,
    pub findings: usize,
    /// Findings per severity, every severity present (zero when none).
    pub by_severity: BTreeMap<String, usize>,
    /// Findings hidden by `dbaudit:ignore` comments.
    pub suppressed: usize,
    /// Regions of files the parser did not understand (each is an `info` diagnostic).
    pub regions_not_understood: usize,
    /// Lines inside those regions, and their share of all lines scanned.
    pub lines_not_understood: u64,
    pub not_understood_share: f64,
    pub skipped: Vec<SkippedFile>,
    /// What `--baseline FILE` hid and what it no longer matches (absent without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineSummary>,
    /// What `--diff-base REV` hid (absent without it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed_lines: Option<ChangedLinesSummary>,
    /// The confidence a finding needs to be shown and counted (`--min-confidence`,
    /// `scan.min_confidence`; `high` in a report of schema version 1, which had no other).
    #[serde(default)]
    pub min_confidence: ConfidenceLevel,
    /// Findings left out because their confidence is below `min_confidence`
    /// (`--min-confidence low` shows them).
    #[serde(default)]
    pub below_min_confidence: usize,
}

/// Findings per severity, every severity present (zero when none).
pub fn count_by_severity(findings: &[Finding]) -> BTreeMap<String, usize> {
    let mut counts: BTreeMap<String, usize> = crate::model::Severity::ALL
        .iter()
        .map(|s| (s.as_str().to_string(), 0))
        .collect();
    for finding in findings {
        *counts
            .entry(finding.severity.as_str().to_string())
            .or_insert(0) += 1;
    }
    counts
}

/// The effect of a baseline on a scan: findings it hid, entries it no longer matches.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineSummary {
    pub file: String,
    /// Findings hidden because the baseline records them.
    pub suppressed: usize,
    /// Baseline entries no current finding matches (`--prune-baseline` removes them).
    pub stale: usize,
    pub stale_entries: Vec<BaselineEntry>,
}

/// One accepted finding of a baseline (`baseline.rs`). Only `fingerprint` is matched;
/// the rest is for the humans who review a baseline change. Here, not in `baseline`,
/// because `BaselineSummary` reports stale entries and `model` imports nothing above it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineEntry {
    pub fingerprint: String,
    pub rule: String,
    pub file: String,
    pub message: String,
}

/// The effect of `--diff-base`: the revision and the findings outside the changed lines.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangedLinesSummary {
    pub base: String,
    /// Findings not shown because they are on lines not changed since `base`.
    pub outside: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanReport {
    pub schema_version: u32,
    pub tool: ToolInfo,
    pub findings: Vec<Finding>,
    pub objects: Vec<ObjectFact>,
    pub diagnostics: Vec<Diagnostic>,
    pub summary: ScanSummary,
}

impl ScanReport {
    /// Counts the findings again after some were taken out (baseline, changed lines).
    pub fn recount_findings(&mut self) {
        self.summary.findings = self.findings.len();
        self.summary.by_severity = count_by_severity(&self.findings);
    }

    /// Takes out the findings whose confidence is below `min` and records how many in
    /// the summary (added to any left out before), so that no output passes them off as
    /// absent. Counts are recomputed.
    pub fn apply_min_confidence(&mut self, min: ConfidenceLevel) {
        let before = self.findings.len();
        self.findings.retain(|f| f.confidence.level >= min);
        self.summary.min_confidence = min;
        self.summary.below_min_confidence += before - self.findings.len();
        self.recount_findings();
    }
}

/// The sentence every renderer uses for findings left out by `--min-confidence`
/// (None when none were): how many, and how to see them.
pub fn below_min_confidence_note(summary: &ScanSummary) -> Option<String> {
    let n = summary.below_min_confidence;
    (n > 0).then(|| {
        format!(
            "{n} finding(s) with a confidence below {} not shown (--min-confidence low shows them)",
            summary.min_confidence
        )
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

impl ToolInfo {
    pub fn current() -> ToolInfo {
        ToolInfo {
            name: "dbaudit".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Category, Confidence, Evidence, Location, Severity};

    fn finding(severity: Severity, confidence: Confidence) -> Finding {
        Finding {
            rule: "n-plus-one".to_string(),
            code: "APP001".to_string(),
            category: Category::QueryPatterns,
            severity,
            message: String::new(),
            location: Location::in_file("a.js", 1, 1),
            evidence: Evidence::default(),
            recommendation: String::new(),
            confidence,
            fingerprint: String::new(),
        }
    }

    #[test]
    fn findings_below_the_minimum_are_counted_not_dropped_silently() {
        let medium = Confidence::high().lowered(ConfidenceLevel::Medium, "a guess");
        let low = Confidence::high().lowered(ConfidenceLevel::Low, "a wild guess");
        let mut report = ScanReport {
            schema_version: SCHEMA_VERSION,
            tool: ToolInfo::current(),
            findings: vec![
                finding(Severity::High, Confidence::high()),
                finding(Severity::High, medium),
                finding(Severity::Critical, low),
            ],
            objects: Vec::new(),
            diagnostics: Vec::new(),
            summary: ScanSummary::default(),
        };
        report.recount_findings();
        report.apply_min_confidence(ConfidenceLevel::Medium);
        assert_eq!(report.findings.len(), 2);
        assert_eq!(report.summary.findings, 2);
        assert_eq!(report.summary.by_severity["critical"], 0);
        assert_eq!(report.summary.below_min_confidence, 1);
        report.apply_min_confidence(ConfidenceLevel::High);
        assert_eq!(report.summary.findings, 1);
        assert_eq!(report.summary.below_min_confidence, 2);
        assert_eq!(report.summary.min_confidence, ConfidenceLevel::High);
        assert_eq!(
            below_min_confidence_note(&report.summary).as_deref(),
            Some("2 finding(s) with a confidence below high not shown (--min-confidence low shows them)")
        );
        report.summary.below_min_confidence = 0;
        assert_eq!(below_min_confidence_note(&report.summary), None);
    }
}
