//! The report of one analysed snapshot (`dbaudit analyze` / a live run): it holds the
//! analysis' own types (`IndexCandidate`, `Analysis`), so it lives here, above `model`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::report::{count_by_severity, ToolInfo, SCHEMA_VERSION};
use crate::model::Finding;

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
    pub index_candidates: Vec<super::workload::IndexCandidate>,
    pub statements: Vec<crate::model::recommendation::StatementDecision>,
    pub notes: Vec<crate::model::snapshot::Note>,
    pub summary: LiveSummary,
}

impl LiveReport {
    pub fn new(
        snapshot: &crate::model::snapshot::Snapshot,
        analysis: super::Analysis,
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
