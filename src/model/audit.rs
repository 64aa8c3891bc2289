//! The audit report: what `dbaudit audit` writes as `report.json` and renders as
//! `report.md`. Its JSON Schema is `schemas/audit-report.schema.json`, generated from
//! these types (a test keeps it current).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::recommendation::{
    DroppedCandidate, IndexRecommendation, StatementDecision, WorkloadEvaluation,
};
use super::report::ToolInfo;
use super::score::Score;
use super::Finding;

/// Version of the audit report's JSON contract. Bump on any incompatible change.
/// 3: every finding has a `confidence`; the summary has `min_confidence` and
/// `below_min_confidence`; `statement_decisions` (every statement the advisor considered
/// and what became of it).
/// 4: `workload_evaluation` (the recommended set planned as a whole); a recommendation
/// (and a dropped candidate) may have a `shape` (`descending` keys, `functions` keys, a
/// partial `predicate`): its key is not plain columns then.
pub const AUDIT_SCHEMA_VERSION: u32 = 4;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AuditReport {
    pub schema_version: u32,
    /// Always `audit` (a scan report has no `kind`).
    pub kind: String,
    pub tool: ToolInfo,
    pub context: AuditContext,
    pub score: Score,
    pub summary: AuditSummary,
    /// Every finding, live and static, most severe first.
    pub findings: Vec<Finding>,
    /// Ranked index recommendations, best first.
    pub recommendations: Vec<IndexRecommendation>,
    /// Candidates considered and not recommended, with the reason.
    pub dropped_candidates: Vec<DroppedCandidate>,
    /// Every statement of the workload the advisor considered (the top ones by total
    /// time), with what became of it: the recommendation it led to, or why none did.
    /// Empty only when no statement was considered (no workload, or SQL Server).
    #[serde(default)]
    pub statement_decisions: Vec<StatementDecision>,
    /// The recommended set planned as a whole (HypoPG at collection): the workload's
    /// planned cost before and after, recommendations taken out as redundant, statements
    /// whose plan got worse. Absent when no such evaluation was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload_evaluation: Option<WorkloadEvaluation>,
    /// What was not checked, or checked only in part, and why.
    pub not_checked: Vec<NotChecked>,
    pub methodology: Methodology,
}

/// Where the audit's data came from. Never holds a password.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AuditContext {
    /// `postgresql` or `mssql`; absent for a source-only audit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// The server (as a URL without password) or the snapshot directory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collected_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stats_reset: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stats_age_seconds: Option<f64>,
    /// What the statistics' age means for the usage-based findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stats_caveat: Option<String>,
    /// Source paths scanned (`--source`).
    pub source_paths: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AuditSummary {
    pub findings: usize,
    pub by_severity: BTreeMap<String, usize>,
    pub by_category: BTreeMap<String, usize>,
    pub recommendations: usize,
    pub dropped_candidates: usize,
    pub tables: usize,
    pub indexes: usize,
    pub statements: usize,
    pub files_scanned: usize,
    pub objects: usize,
    /// The confidence a static finding needed to be listed and scored
    /// (`--min-confidence`; `high` in reports before schema version 3).
    #[serde(default)]
    pub min_confidence: super::ConfidenceLevel,
    /// Static findings below it: neither listed nor scored (also in `not_checked`).
    #[serde(default)]
    pub below_min_confidence: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NotChecked {
    /// The check or area, e.g. `statements`, `source`, `security`.
    pub area: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Methodology {
    pub scoring: String,
    pub ranking: String,
    pub thresholds: super::settings::Thresholds,
    pub advisor: super::settings::AdvisorConfig,
}

/// The JSON Schema of `report.json`, as kept in `schemas/audit-report.schema.json`.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(AuditReport);
    serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n"
}
