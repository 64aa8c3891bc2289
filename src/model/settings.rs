//! The settings of dbaudit.toml that the report contracts echo (`Methodology`): plain
//! data with their defaults and range checks, needing nothing above `model`. The code that
//! applies them lives above and re-exports them (`advise::AdvisorConfig`).

use serde::{Deserialize, Serialize};

/// `[advisor]` in dbaudit.toml.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct AdvisorConfig {
    /// New indexes recommended per table at most (widenings do not count).
    pub max_new_indexes_per_table: usize,
    /// INCLUDE columns per index at most when merging candidates.
    pub max_include_columns: usize,
    /// Share of the statements' time assumed saved when HypoPG could not verify.
    pub unverified_saving: f64,
    /// Share of a procedure's time assumed saved by an index from the static join.
    pub static_saving: f64,
    /// Weight of the write penalty (0 ignores write cost, 1 lets a write-only table
    /// cancel the benefit of a wide index).
    pub write_penalty_weight: f64,
}

impl Default for AdvisorConfig {
    fn default() -> Self {
        AdvisorConfig {
            max_new_indexes_per_table: 5,
            max_include_columns: 5,
            unverified_saving: 0.5,
            static_saving: 0.5,
            write_penalty_weight: 0.5,
        }
    }
}
