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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
