//! The score as the audit report holds it: per category and overall, with its grade and
//! the coverage it was computed on. The data only; how it is computed is `crate::score`
//! (which re-exports these types), so the report contract below it needs nothing above
//! `model`.

use serde::{Deserialize, Serialize};

use super::{Category, Severity};

/// How much of a category the audit saw.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Assessment {
    /// Every check that feeds it ran on complete input (also what a report of schema
    /// version 1, which did not record it, is read as).
    #[default]
    Assessed,
    /// It had input, but a check that feeds it failed, timed out or left objects out:
    /// its score covers what was seen and it earns nothing in the overall.
    Partial,
    /// No input at all.
    NotAssessed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CategoryScore {
    pub category: Category,
    /// True when it had input (fully or partially assessed).
    pub assessed: bool,
    #[serde(default)]
    pub assessment: Assessment,
    /// What a partially assessed category did not see (the checks and why).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gaps: Vec<String>,
    /// 0..100; absent when not assessed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grade: Option<String>,
    pub weight: f64,
    pub findings: usize,
    pub penalty: f64,
    /// What was assessed, or why not.
    pub basis: String,
}

/// One finding's share of the points lost overall.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PointsCost {
    pub fingerprint: String,
    pub rule: String,
    pub category: Category,
    pub severity: Severity,
    pub message: String,
    /// Points of the overall score this finding costs.
    pub points: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Score {
    /// 0..100; absent when no category could be assessed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overall: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grade: Option<String>,
    /// Percent (0..100) of the weighted categories fully assessed: the share of the
    /// checks that ran (0 in a report of schema version 1, which did not measure it).
    #[serde(default)]
    pub coverage: u32,
    /// True when coverage is below 100%: the grade is computed on what was seen, with
    /// the unseen categories earning nothing, and must be read with its coverage.
    #[serde(default)]
    pub partial: bool,
    pub categories: Vec<CategoryScore>,
    /// The findings that cost the most points, most first (at most 10).
    pub costliest: Vec<PointsCost>,
    pub formula: String,
}
