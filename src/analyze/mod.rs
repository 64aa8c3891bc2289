//! Rules over a `Snapshot`: index health, hotspots, maintenance risks, and index
//! candidates from the workload. Pure functions of the snapshot: the same findings
//! come from a live collection and from its saved snapshot.

pub mod mssql_missing;
pub mod read_only;
pub mod report;
pub mod rules;
pub mod views;
pub mod workload;

use serde::Serialize;

use crate::config::Config;
use crate::model::snapshot::Snapshot;
use crate::model::{Evidence, Finding, Location, Severity};
use crate::rules::RuleMeta;

/// `[thresholds]`; it lives in `model` (the audit report echoes it).
pub use crate::model::settings::Thresholds;

/// What the analysis of a snapshot produced.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Analysis {
    pub findings: Vec<Finding>,
    pub candidates: Vec<workload::IndexCandidate>,
    pub decisions: Vec<workload::StatementDecision>,
}

pub fn analyze(snapshot: &Snapshot, config: &Config) -> Analysis {
    let thresholds = &config.thresholds;
    let mut findings = Vec::new();
    for rule in rules::ALL {
        if config.is_enabled(rule.meta.name) {
            findings.extend((rule.check)(snapshot, thresholds));
        }
    }
    // SQL Server has the optimizer's own missing-index requests; the workload reader
    // (pg_stat_statements and PostgreSQL's planner statistics) is PostgreSQL's.
    let (candidates, decisions) = if snapshot.is_mssql() {
        (Vec::new(), Vec::new())
    } else {
        workload::candidates(snapshot, thresholds)
    };
    if config.is_enabled(rules::missing_index::MISSING_INDEX.name) {
        findings.extend(rules::missing_index::findings(&candidates));
        if snapshot.is_mssql() {
            let requests = mssql_missing::missing_index_requests(snapshot, thresholds);
            findings.extend(rules::missing_index::mssql_findings(&requests, thresholds));
        }
    }
    for finding in &mut findings {
        finding.severity = config.severity_of(&finding.rule, finding.severity);
    }
    // Within a rule, findings that carry a `rank` (their rule's own order, e.g. by
    // estimated benefit) keep it; the others sort by object.
    let rank = |f: &Finding| f.evidence.metrics.get("rank").copied().unwrap_or(f64::MAX);
    findings.sort_by(|a, b| {
        (b.severity, &a.rule)
            .cmp(&(a.severity, &b.rule))
            .then_with(|| rank(a).total_cmp(&rank(b)))
            .then_with(|| (&a.location.object, &a.message).cmp(&(&b.location.object, &b.message)))
    });
    for finding in &mut findings {
        finding.fingerprint = finding.compute_fingerprint(0);
    }
    Analysis {
        findings,
        candidates,
        decisions,
    }
}

/// A finding about a database object.
pub fn live_finding(
    rule: &'static RuleMeta,
    severity: Severity,
    object: String,
    message: String,
    metrics: Vec<(&str, f64)>,
    recommendation: String,
) -> Finding {
    Finding {
        rule: rule.name.to_string(),
        code: rule.code.to_string(),
        category: rule.category,
        severity,
        message,
        location: Location {
            file: None,
            line: None,
            column: None,
            end_line: None,
            object: Some(object.clone()),
        },
        evidence: Evidence {
            snippet: Some(object),
            related: Vec::new(),
            metrics: metrics
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        },
        recommendation,
        confidence: crate::model::Confidence::high(),
        fingerprint: String::new(),
    }
}

/// A statement text on one line (whitespace runs as one space), and its first 160
/// characters for a message.
pub fn statement_excerpt(query: &str) -> (String, String) {
    let text: String = query.split_whitespace().collect::<Vec<_>>().join(" ");
    let short: String = text.chars().take(160).collect();
    (text, short)
}

/// `12 s`, `4.5 min`, `2.1 h`, `3.0 days`: an age in words.
pub fn duration_text(seconds: f64) -> String {
    if seconds < 120.0 {
        format!("{seconds:.0} s")
    } else if seconds < 7_200.0 {
        format!("{:.1} min", seconds / 60.0)
    } else if seconds < 172_800.0 {
        format!("{:.1} h", seconds / 3_600.0)
    } else {
        format!("{:.1} days", seconds / 86_400.0)
    }
}

pub fn qualified(schema: &str, name: &str) -> String {
    format!("{schema}.{name}")
}

/// Bytes as `12.3 MB`.
pub fn human_bytes(bytes: i64) -> String {
    let b = bytes as f64;
    if b >= 1024.0 * 1024.0 * 1024.0 {
        format!("{:.1} GB", b / (1024.0 * 1024.0 * 1024.0))
    } else if b >= 1024.0 * 1024.0 {
        format!("{:.1} MB", b / (1024.0 * 1024.0))
    } else if b >= 1024.0 {
        format!("{:.0} kB", b / 1024.0)
    } else {
        format!("{bytes} B")
    }
}
