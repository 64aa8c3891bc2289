//! What the index advisor recommends: one `CREATE INDEX` (or the widening of an
//! existing index) per entry, ranked, with the evidence for it; and every candidate it
//! did not recommend, with the reason.

use serde::{Deserialize, Serialize};

/// How the benefit of a recommendation was estimated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum BenefitBasis {
    /// HypoPG planned the statements with the index: the share of plan cost it saves,
    /// applied to the time the statements took.
    Verified {
        saving: f64,
        cost_before: f64,
        cost_after: f64,
    },
    /// No planner verification: half of the statements' time is assumed saved.
    /// `reason` is the real cause (empty in reports written before it was recorded).
    Unverified {
        #[serde(default)]
        reason: String,
    },
    /// The engine's own estimate (SQL Server's missing-index DMVs: seeks + scans ×
    /// average cost × average impact, per day).
    EngineEstimate,
    /// Only the static join (a procedure in the source filters the table by the
    /// column): weighted by the procedure's own runtime where the snapshot has it.
    Static,
}

/// What an index serves: a statement of the workload, a procedure in the scanned
/// source, or a missing-index hint of the engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Served {
    Statement {
        queryid: String,
        calls: i64,
        total_time_ms: f64,
        /// How the statement uses the columns, e.g. `client_id =`.
        uses: Vec<String>,
        query: String,
    },
    Procedure {
        /// The procedure or function, as named in the source.
        object: String,
        file: String,
        line: u32,
        uses: Vec<String>,
    },
    EngineHint {
        /// `equality [a], inequality [b], include [c]` as the engine wrote it.
        hint: String,
        user_seeks: i64,
        user_scans: i64,
        avg_total_user_cost: f64,
        avg_user_impact: f64,
        #[serde(skip_serializing_if = "Option::is_none")]
        query: Option<String>,
    },
}

/// How firmly the advisor stands behind a recommendation.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum AdviceLevel {
    /// A measured benefit (the planner's, the engine's or the workload's): make it.
    #[default]
    Recommended,
    /// No measurable benefit (a procedure of the source without runtime statistics, or
    /// a net benefit of 0): worth a look, not a change to make on dbaudit's word;
    /// `indexes.sql` comments its statements out.
    Consider,
}

/// What an index is beyond its plain ascending key columns (issue 18), each part present
/// only when the workload asked for it and the planner (HypoPG) confirmed it: the engine
/// module (`engine::postgres`) writes it; names stay names, never SQL text.
#[derive(
    Debug,
    Clone,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
pub struct IndexShape {
    /// Key columns stored descending: only for an ORDER BY with mixed directions (a plain
    /// B-tree is read backwards, so one direction never needs DESC).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub descending: Vec<String>,
    /// Key columns indexed through an immutable built-in function (`lower(email)`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub functions: Vec<KeyFunction>,
    /// A partial index's condition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicate: Option<PartialPredicate>,
}

impl IndexShape {
    pub fn is_plain(&self) -> bool {
        self.descending.is_empty() && self.functions.is_empty() && self.predicate.is_none()
    }

    /// The function a key column is indexed through, if any.
    pub fn function_of(&self, column: &str) -> Option<&str> {
        self.functions
            .iter()
            .find(|f| f.column == column)
            .map(|f| f.function.as_str())
    }

    /// Words for reports and identities: `lower(email)`, `created_at DESC`, `WHERE
    /// deleted_at IS NULL` (names as they are: the renderers escape them).
    pub fn key_text(&self, key: &[String]) -> String {
        self.key_parts(key).join(", ")
    }

    /// Each key part in words (see [`IndexShape::key_text`]).
    pub fn key_parts(&self, key: &[String]) -> Vec<String> {
        key.iter()
            .map(|c| {
                let mut part = match self.function_of(c) {
                    Some(f) => format!("{f}({c})"),
                    None => c.clone(),
                };
                if self.descending.contains(c) {
                    part.push_str(" DESC");
                }
                part
            })
            .collect()
    }

    /// The words an index name is made of: `lower_email`, `created_at_desc`, then
    /// `where_deleted_at_null` (the engine bounds and cleans the name).
    pub fn name_parts(&self, key: &[String]) -> Vec<String> {
        let mut parts: Vec<String> = key
            .iter()
            .map(|c| {
                let mut part = match self.function_of(c) {
                    Some(f) => format!("{f}_{c}"),
                    None => c.clone(),
                };
                if self.descending.contains(c) {
                    part.push_str("_desc");
                }
                part
            })
            .collect();
        if let Some(p) = &self.predicate {
            parts.push(format!(
                "where_{}_{}",
                p.column,
                match p.condition {
                    PartialCondition::IsNull => "null",
                    PartialCondition::IsNotNull => "not_null",
                    PartialCondition::IsTrue => "true",
                    PartialCondition::IsFalse => "false",
                }
            ));
        }
        parts
    }

    /// ` WHERE …` in words, or empty.
    pub fn predicate_text(&self) -> String {
        self.predicate
            .as_ref()
            .map(|p| format!(" WHERE {}", p.text()))
            .unwrap_or_default()
    }
}

/// A key column indexed through a function: `function(column)`. `function` is one of the
/// engine module's allow-listed immutable built-ins, never a name from the workload.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct KeyFunction {
    pub column: String,
    pub function: String,
}

/// The condition of a partial index: one a statement of pg_stat_statements keeps as it
/// was written (it replaces every constant with `$n`, so `status = 'pending'` never
/// reaches the advisor; `IS NULL`, `IS NOT NULL` and a bare boolean column do).
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct PartialPredicate {
    pub column: String,
    pub condition: PartialCondition,
}

/// `column IS NULL`, `column IS NOT NULL`, `column` (a true boolean), `NOT column`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum PartialCondition {
    IsNull,
    IsNotNull,
    IsTrue,
    IsFalse,
}

impl PartialPredicate {
    pub fn new(column: &str, condition: PartialCondition) -> Self {
        PartialPredicate {
            column: column.to_string(),
            condition,
        }
    }

    /// The condition in words (the name as it is).
    pub fn text(&self) -> String {
        let c = &self.column;
        match self.condition {
            PartialCondition::IsNull => format!("{c} IS NULL"),
            PartialCondition::IsNotNull => format!("{c} IS NOT NULL"),
            PartialCondition::IsTrue => c.clone(),
            PartialCondition::IsFalse => format!("NOT {c}"),
        }
    }
}

/// Create a new index, or replace an existing one with a wider one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Action {
    Create,
    /// The existing index's key is a prefix of (or equal to) the new key: the new index
    /// serves everything the old one did, so it replaces it instead of adding a near
    /// duplicate.
    Widen {
        replaces: String,
        /// The replaced index's key and included columns.
        replaced_key: Vec<String>,
        replaced_include: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct IndexRecommendation {
    /// 1 = the most net benefit.
    pub rank: usize,
    pub schema: String,
    pub table: String,
    pub name: String,
    pub key_columns: Vec<String>,
    pub include_columns: Vec<String>,
    /// DESC keys, function keys, a partial condition (absent for a plain index).
    #[serde(default, skip_serializing_if = "IndexShape::is_plain")]
    pub shape: IndexShape,
    pub action: Action,
    /// `recommended`, or `consider` when no benefit could be measured.
    #[serde(default)]
    pub advice: AdviceLevel,
    /// Estimated benefit before the write penalty, in `benefit_unit` per day.
    pub benefit: f64,
    /// Share of the benefit taken off for write cost (0..1): the table's write share
    /// times the index's width factor.
    pub write_penalty: f64,
    /// `benefit × (1 − write_penalty)`: what the ranking sorts by.
    pub net_benefit: f64,
    pub benefit_unit: String,
    pub basis: BenefitBasis,
    /// The computation in words, e.g. `99% of 4183 ms over 7.0 days = 591 ms/day`.
    pub explanation: String,
    pub served: Vec<Served>,
    /// Narrower candidates folded into this one (their keys are prefixes of its key).
    pub absorbed: Vec<String>,
    /// Existing indexes on the table that share its leading column (kept).
    pub overlaps: Vec<String>,
    pub table_rows: i64,
    pub ddl: String,
    /// Rule findings this recommendation resolves (by fingerprint).
    pub resolves: Vec<String>,
}

impl IndexRecommendation {
    /// Identity across audits: table and key (for `dbaudit diff`).
    pub fn identity(&self) -> String {
        format!(
            "{}.{} ({}){}{}",
            self.schema,
            self.table,
            self.shape.key_text(&self.key_columns),
            if self.include_columns.is_empty() {
                String::new()
            } else {
                format!(" INCLUDE ({})", self.include_columns.join(", "))
            },
            self.shape.predicate_text()
        )
    }
}

/// A candidate the advisor considered and did not recommend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DroppedCandidate {
    pub schema: String,
    pub table: String,
    pub key_columns: Vec<String>,
    pub include_columns: Vec<String>,
    #[serde(default, skip_serializing_if = "IndexShape::is_plain")]
    pub shape: IndexShape,
    pub reason: String,
    /// The existing index that already serves it, when that is the reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub covered_by: Option<String>,
    pub served: Vec<Served>,
}

/// One statement of the workload the advisor considered, and what became of it: the
/// candidate it produced, or why none; in an audit, also whether that candidate was
/// recommended and, when not, why. Every "no" has its reason here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StatementDecision {
    pub queryid: String,
    pub calls: i64,
    pub total_time_ms: f64,
    pub query: String,
    /// `candidate: public.appointments (client_id, start_date)` or the reason none is
    /// (too few calls, table too small, covered by an existing index, parse error, ...).
    pub outcome: String,
    /// In an audit: what the advisor did with the candidate(s) it produced, e.g.
    /// `recommended #1 ix_appointments_client_id (client_id)` or `not recommended:
    /// public.t (k): HypoPG: the planner does not use it`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub advice: Vec<String>,
}

/// The recommended set judged as a whole (HypoPG at collection: every index of the set
/// created together, every top statement planned once more, never executed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct WorkloadEvaluation {
    /// Statements planned without and with the set, and those that could not be.
    pub statements_planned: usize,
    pub statements_not_planned: usize,
    /// Σ calls × planned total cost over the planned statements: with the existing
    /// indexes only, and with the whole set added.
    pub cost_before: f64,
    pub cost_after: f64,
    /// Indexes of the set evaluated.
    pub indexes: usize,
    /// Recommendations taken out because the planner used them for none of the
    /// statements once the others existed (they are in `dropped_candidates`).
    pub dropped: Vec<String>,
    /// Statements whose plan with the set costs more than without it.
    pub worse: Vec<WorseStatement>,
    /// What limits the comparison (the evaluated set differs from the recommendations,
    /// statements not planned), in words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub caveats: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct WorseStatement {
    pub queryid: String,
    pub query: String,
    pub cost_before: f64,
    pub cost_after: f64,
}
