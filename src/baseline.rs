//! Baselines: the findings a team accepts today, recorded by fingerprint, so that CI
//! fails only on new ones. Fingerprints do not contain line numbers, so moving code does
//! not invalidate an entry. Entries are a multiset: two identical findings in one file
//! are two entries, and a third one is new.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

pub use crate::model::report::BaselineEntry;
use crate::model::report::ToolInfo;
use crate::model::Finding;

/// Version of the baseline file's shape. Bump on any incompatible change.
pub const BASELINE_SCHEMA_VERSION: u32 = 1;

/// A baseline file: `schema_version`, the `tool` that wrote it, and sorted `entries`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    pub schema_version: u32,
    pub tool: ToolInfo,
    pub entries: Vec<BaselineEntry>,
}

/// A scan's findings split by a baseline.
#[derive(Debug)]
pub struct Applied {
    /// Findings the baseline does not record: these are reported and fail the build.
    pub new: Vec<Finding>,
    /// How many findings the baseline hid.
    pub suppressed: usize,
    /// Entries no current finding matches any more.
    pub stale: Vec<BaselineEntry>,
    /// The baseline without its stale entries (what `--prune-baseline` writes).
    pub pruned: Baseline,
}

impl Baseline {
    /// Records findings, sorted by file, rule, fingerprint and message: the same findings
    /// always give the same file, and a diff of it reads file by file.
    pub fn from_findings(findings: &[Finding]) -> Baseline {
        let entries = findings
            .iter()
            .map(|f| BaselineEntry {
                fingerprint: f.fingerprint.clone(),
                rule: f.rule.clone(),
                file: f.location.file.clone().unwrap_or_default(),
                message: f.message.clone(),
            })
            .collect();
        Baseline::with_entries(entries)
    }

    fn with_entries(mut entries: Vec<BaselineEntry>) -> Baseline {
        entries.sort_by(|a, b| {
            (&a.file, &a.rule, &a.fingerprint, &a.message).cmp(&(
                &b.file,
                &b.rule,
                &b.fingerprint,
                &b.message,
            ))
        });
        Baseline {
            schema_version: BASELINE_SCHEMA_VERSION,
            tool: ToolInfo::current(),
            entries,
        }
    }

    pub fn read(path: &Path) -> Result<Baseline> {
        let text = std::fs::read_to_string(path).with_context(|| {
            format!(
                "cannot read the baseline `{}`: create it with `dbaudit scan --write-baseline {}`",
                path.display(),
                path.display()
            )
        })?;
        let baseline: Baseline = serde_json::from_str(&text).with_context(|| {
            format!(
                "`{}` is not a dbaudit baseline: write a new one with `dbaudit scan --write-baseline FILE`",
                path.display()
            )
        })?;
        if baseline.schema_version > BASELINE_SCHEMA_VERSION {
            anyhow::bail!(
                "the baseline `{}` has schema version {} but this dbaudit reads version {} at most: upgrade dbaudit ({} wrote it)",
                path.display(),
                baseline.schema_version,
                BASELINE_SCHEMA_VERSION,
                baseline.tool.version
            );
        }
        Ok(baseline)
    }

    pub fn write(&self, path: &Path) -> Result<()> {
        let mut text = serde_json::to_string_pretty(self)?;
        text.push('\n');
        std::fs::write(path, text)
            .with_context(|| format!("cannot write the baseline `{}`", path.display()))
    }

    /// Splits findings into new ones and ones the baseline records, counting entries
    /// (not distinct fingerprints): each entry hides at most one finding.
    pub fn apply(&self, findings: Vec<Finding>) -> Applied {
        let mut found: HashMap<&str, usize> = HashMap::new();
        for finding in &findings {
            *found.entry(finding.fingerprint.as_str()).or_insert(0) += 1;
        }
        let mut kept = Vec::new();
        let mut stale = Vec::new();
        for entry in &self.entries {
            match found.get_mut(entry.fingerprint.as_str()) {
                Some(left) if *left > 0 => {
                    *left -= 1;
                    kept.push(entry.clone());
                }
                _ => stale.push(entry.clone()),
            }
        }
        let mut allowance: HashMap<String, usize> = HashMap::new();
        for entry in &kept {
            *allowance.entry(entry.fingerprint.clone()).or_insert(0) += 1;
        }
        let mut new = Vec::new();
        let mut suppressed = 0;
        for finding in findings {
            match allowance.get_mut(&finding.fingerprint) {
                Some(left) if *left > 0 => {
                    *left -= 1;
                    suppressed += 1;
                }
                _ => new.push(finding),
            }
        }
        Applied {
            new,
            suppressed,
            stale,
            pruned: Baseline::with_entries(kept),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Category, Evidence, Location, Severity};

    fn finding(fingerprint: &str, line: u32) -> Finding {
        Finding {
            rule: "select-star".into(),
            code: "SQL001".into(),
            category: Category::QueryPatterns,
            severity: Severity::Medium,
            message: "SELECT *".into(),
            location: Location::in_file("a.sql", line, 1),
            evidence: Evidence::default(),
            recommendation: String::new(),
            confidence: Default::default(),
            fingerprint: fingerprint.into(),
        }
    }

    #[test]
    fn duplicates_are_counted_not_collapsed() {
        let baseline = Baseline::from_findings(&[finding("f1", 1), finding("f1", 5)]);
        let applied = baseline.apply(vec![finding("f1", 2), finding("f1", 7), finding("f1", 9)]);
        assert_eq!(applied.suppressed, 2);
        assert_eq!(applied.new.len(), 1, "a third identical finding is new");
        assert!(applied.stale.is_empty());
    }

    #[test]
    fn stale_entries_are_listed_and_pruned() {
        let baseline =
            Baseline::from_findings(&[finding("f1", 1), finding("f1", 2), finding("f2", 3)]);
        let applied = baseline.apply(vec![finding("f1", 4)]);
        assert_eq!(applied.suppressed, 1);
        assert!(applied.new.is_empty());
        let stale: Vec<&str> = applied
            .stale
            .iter()
            .map(|e| e.fingerprint.as_str())
            .collect();
        assert_eq!(stale, ["f1", "f2"]);
        assert_eq!(applied.pruned.entries.len(), 1);
        assert_eq!(applied.pruned.entries[0].fingerprint, "f1");
    }

    #[test]
    fn entries_are_sorted_deterministically() {
        let a = Baseline::from_findings(&[finding("f2", 1), finding("f1", 2)]);
        let b = Baseline::from_findings(&[finding("f1", 2), finding("f2", 1)]);
        assert_eq!(a, b);
        assert_eq!(a.entries[0].fingerprint, "f1");
    }
}
