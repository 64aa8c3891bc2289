//! The result of a static scan, as rendered by every output format.

use super::{Diagnostic, Finding, ObjectFact};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the JSON contract. Bump on any incompatible change of key names or shapes.
pub const SCHEMA_VERSION: u32 = 1;

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

/// Where a live report's data came from (never with a password).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveSource {
    pub engine: String,
    pub server_version: String,
    pub database: String,
    pub source: String,
    pub collected_at: String,
    pub stats_reset: Option<String>,
    pub stats_age_seconds: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LiveSummary {
    pub tables: usize,
    pub indexes: usize,
    pub statements: usize,
    pub findings: usize,
    pub by_severity: BTreeMap<String, usize>,
    pub index_candidates: usize,
    pub notes: usize,
}

/// The analysis of one snapshot (live or loaded): findings, index candidates, the
/// decision taken for each statement considered, and what could not be checked.
#[derive(Debug, Clone, Serialize)]
pub struct LiveReport {
    pub schema_version: u32,
    pub tool: ToolInfo,
    pub source: LiveSource,
    pub findings: Vec<Finding>,
    pub index_candidates: Vec<crate::analyze::workload::IndexCandidate>,
    pub statements: Vec<super::recommendation::StatementDecision>,
    pub notes: Vec<crate::model::snapshot::Note>,
    pub summary: LiveSummary,
}

impl LiveReport {
    pub fn new(
        snapshot: &crate::model::snapshot::Snapshot,
        analysis: crate::analyze::Analysis,
    ) -> LiveReport {
        let m = &snapshot.manifest;
        let by_severity = count_by_severity(&analysis.findings);
        LiveReport {
            schema_version: SCHEMA_VERSION,
            tool: ToolInfo::current(),
            source: LiveSource {
                engine: m.engine.clone(),
                server_version: m.server_version.clone(),
                database: m.database.clone(),
                source: m.source.clone(),
                collected_at: m.collected_at.clone(),
                stats_reset: m.stats_reset.clone(),
                stats_age_seconds: m.stats_age_seconds,
            },
            summary: LiveSummary {
                tables: snapshot.tables.len(),
                indexes: snapshot.indexes.len(),
                statements: snapshot.statements.len(),
                findings: analysis.findings.len(),
                by_severity,
                index_candidates: analysis.candidates.len(),
                notes: m.notes.len(),
            },
            findings: analysis.findings,
            index_candidates: analysis.candidates,
            statements: analysis.decisions,
            notes: m.notes.clone(),
        }
    }
}
