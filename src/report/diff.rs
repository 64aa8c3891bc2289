//! `dbaudit diff OLD NEW`: what changed between two reports (audit or scan JSON): new
//! and resolved findings by fingerprint, score and grade changes, recommendations done
//! and new.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use super::escape::terminal;
use crate::model::audit::AuditReport;
use crate::model::{Finding, ScanReport};

/// A report as far as a comparison needs it.
pub struct Loaded {
    pub path: String,
    pub findings: Vec<Finding>,
    pub audit: Option<AuditReport>,
}

pub fn load(path: &Path) -> Result<Loaded> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read `{}`", path.display()))?;
    let value: serde_json::Value = serde_json::from_str(&text).with_context(|| {
        format!(
            "`{}` is not JSON: give report.json of `dbaudit audit` or the output of `dbaudit scan --format json`",
            path.display()
        )
    })?;
    let version = value.get("schema_version").and_then(|v| v.as_u64());
    let Some(version) = version else {
        bail!(
            "`{}` is not a dbaudit report (no schema_version): give report.json of `dbaudit audit` or the output of `dbaudit scan --format json`",
            path.display()
        );
    };
    let is_audit = value.get("kind").and_then(|k| k.as_str()) == Some("audit");
    let newest = if is_audit {
        crate::model::audit::AUDIT_SCHEMA_VERSION
    } else {
        crate::model::SCHEMA_VERSION
    };
    if version > u64::from(newest) {
        bail!(
            "`{}` has schema version {version}, newer than this dbaudit understands ({newest}); upgrade dbaudit",
            path.display()
        );
    }
    let shown = path.display().to_string();
    if is_audit {
        let audit: AuditReport = serde_json::from_value(value)
            .with_context(|| format!("`{shown}` is not a valid audit report"))?;
        Ok(Loaded {
            path: shown,
            findings: audit.findings.clone(),
            audit: Some(audit),
        })
    } else {
        let scan: ScanReport = serde_json::from_value(value)
            .with_context(|| format!("`{shown}` is not a valid scan report"))?;
        Ok(Loaded {
            path: shown,
            findings: scan.findings,
            audit: None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreChange {
    pub area: String,
    pub old: Option<u32>,
    pub new: Option<u32>,
    pub old_grade: Option<String>,
    pub new_grade: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diff {
    pub old: String,
    pub new: String,
    pub new_findings: Vec<Finding>,
    pub resolved_findings: Vec<Finding>,
    pub unchanged_findings: usize,
    /// Overall first, then each category; only for two audit reports.
    pub scores: Vec<ScoreChange>,
    /// Recommendations of the old audit that the new one no longer makes (created, or
    /// no longer needed), by table and key.
    pub recommendations_done: Vec<String>,
    pub recommendations_new: Vec<String>,
}

pub fn compare(old: &Loaded, new: &Loaded) -> Diff {
    let (new_findings, resolved, unchanged) = by_fingerprint(&old.findings, &new.findings);
    let mut scores = Vec::new();
    let mut done = Vec::new();
    let mut added = Vec::new();
    if let (Some(a), Some(b)) = (&old.audit, &new.audit) {
        scores.push(ScoreChange {
            area: "overall".to_string(),
            old: a.score.overall,
            new: b.score.overall,
            old_grade: a.score.grade.clone(),
            new_grade: b.score.grade.clone(),
        });
        for cb in &b.score.categories {
            let ca = a
                .score
                .categories
                .iter()
                .find(|c| c.category == cb.category);
            scores.push(ScoreChange {
                area: cb.category.as_str().to_string(),
                old: ca.and_then(|c| c.score),
                new: cb.score,
                old_grade: ca.and_then(|c| c.grade.clone()),
                new_grade: cb.grade.clone(),
            });
        }
        let ids = |r: &AuditReport| -> Vec<String> {
            r.recommendations.iter().map(|x| x.identity()).collect()
        };
        let (old_ids, new_ids) = (ids(a), ids(b));
        done = old_ids
            .iter()
            .filter(|i| !new_ids.contains(i))
            .cloned()
            .collect();
        added = new_ids
            .iter()
            .filter(|i| !old_ids.contains(i))
            .cloned()
            .collect();
    }
    Diff {
        old: old.path.clone(),
        new: new.path.clone(),
        new_findings,
        resolved_findings: resolved,
        unchanged_findings: unchanged,
        scores,
        recommendations_done: done,
        recommendations_new: added,
    }
}

/// Findings matched by fingerprint as multisets: two identical findings in one place
/// are two, and fixing one of them resolves one.
fn by_fingerprint(old: &[Finding], new: &[Finding]) -> (Vec<Finding>, Vec<Finding>, usize) {
    let mut old_counts: BTreeMap<&str, usize> = BTreeMap::new();
    for f in old {
        *old_counts.entry(f.fingerprint.as_str()).or_default() += 1;
    }
    let mut unchanged = 0;
    let mut added = Vec::new();
    for f in new {
        match old_counts.get_mut(f.fingerprint.as_str()) {
            Some(n) if *n > 0 => {
                *n -= 1;
                unchanged += 1;
            }
            _ => added.push(f.clone()),
        }
    }
    let mut new_counts: BTreeMap<&str, usize> = BTreeMap::new();
    for f in new {
        *new_counts.entry(f.fingerprint.as_str()).or_default() += 1;
    }
    let mut resolved = Vec::new();
    for f in old {
        match new_counts.get_mut(f.fingerprint.as_str()) {
            Some(n) if *n > 0 => *n -= 1,
            _ => resolved.push(f.clone()),
        }
    }
    (added, resolved, unchanged)
}

/// The terminal view; names, paths and messages from the reports through
/// `escape::terminal`.
pub fn render_text(diff: &Diff) -> String {
    let mut out = format!(
        "dbaudit diff {} -> {}\n",
        terminal(&diff.old),
        terminal(&diff.new)
    );
    if !diff.scores.is_empty() {
        out.push_str("\nScores:\n");
        for s in &diff.scores {
            let show = |v: Option<u32>, g: &Option<String>| match (v, g) {
                (Some(v), Some(g)) => format!("{g} ({v})"),
                _ => "not assessed".to_string(),
            };
            let delta = match (s.old, s.new) {
                (Some(a), Some(b)) if b != a => format!("  {:+}", i64::from(b) - i64::from(a)),
                _ => String::new(),
            };
            out.push_str(&format!(
                "  {:<22} {} -> {}{delta}\n",
                s.area,
                show(s.old, &s.old_grade),
                show(s.new, &s.new_grade)
            ));
        }
    }
    let list = |title: &str, findings: &[Finding], out: &mut String| {
        out.push_str(&format!("\n{title} ({}):\n", findings.len()));
        for f in findings {
            let place = match (&f.location.file, f.location.line, &f.location.object) {
                (Some(file), Some(line), _) => format!("{}:{line}", terminal(file)),
                (_, _, Some(object)) => terminal(object).into_owned(),
                (Some(file), None, None) => terminal(file).into_owned(),
                _ => String::new(),
            };
            out.push_str(&format!(
                "  {:<8} {:<24} {place}  {}\n",
                f.severity.as_str(),
                f.rule,
                terminal(&crate::model::finding::one_line(&f.message, 100))
            ));
        }
    };
    list("New findings", &diff.new_findings, &mut out);
    list("Resolved findings", &diff.resolved_findings, &mut out);
    out.push_str(&format!(
        "\nUnchanged findings: {}\n",
        diff.unchanged_findings
    ));
    if !diff.recommendations_done.is_empty() || !diff.recommendations_new.is_empty() {
        out.push_str(&format!(
            "\nIndex recommendations done or no longer needed ({}):\n",
            diff.recommendations_done.len()
        ));
        for r in &diff.recommendations_done {
            out.push_str(&format!("  {}\n", terminal(r)));
        }
        out.push_str(&format!(
            "New index recommendations ({}):\n",
            diff.recommendations_new.len()
        ));
        for r in &diff.recommendations_new {
            out.push_str(&format!("  {}\n", terminal(r)));
        }
    }
    out
}
