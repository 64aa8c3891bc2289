//! The settings of dbaudit.toml that the report contracts echo (`Methodology`): plain
//! data with their defaults and range checks, needing nothing above `model`. The code that
//! applies them lives above and re-exports them (`advise::AdvisorConfig`, `analyze::Thresholds`, `score::ScoreConfig`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Category, Severity};

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

/// Thresholds, defaulting to PgHero's published ones where it has them.
/// Configurable in `dbaudit.toml` under `[thresholds]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// slow-query: mean time (ms) at or above this... (PgHero: 20 ms)
    pub slow_query_ms: f64,
    /// ...with at least this many calls (PgHero: 100).
    pub slow_query_calls: i64,
    pub slow_function_ms: f64,
    pub slow_function_calls: i64,
    /// scan-heavy-table: tables with at least this many rows (PgHero: 10,000)...
    pub scan_heavy_min_rows: i64,
    /// ...where indexes serve less than this share of scans, in % (PgHero: 95).
    pub scan_heavy_index_use_pct: f64,
    /// unused-index: at most this many scans since the statistics were reset.
    pub unused_index_max_scans: i64,
    /// unused-index: only indexes at least this large (bytes).
    pub unused_index_min_bytes: i64,
    /// unused-index: only when the statistics cover at least this many days (PgHero and
    /// sp_BlitzIndex practice: a week); younger counters skip the rule, with a note.
    pub unused_index_min_stats_days: f64,
    /// low-cache-hit-ratio: below this ratio (PgHero: 0.99).
    pub cache_hit_ratio_min: f64,
    /// Only judge the cache hit ratio after this many block reads + hits.
    pub cache_min_blocks: i64,
    /// vacuum-overdue: dead rows over this share of live + dead rows...
    pub vacuum_dead_ratio: f64,
    /// ...and at least this many dead rows.
    pub vacuum_min_dead_rows: i64,
    /// xid-wraparound-risk: transaction-ID age at which to warn (high).
    pub xid_age_warning: i64,
    /// xid-wraparound-risk: transactions left before wraparound at which it is
    /// critical (PgHero: 10,000,000).
    pub xid_remaining_critical: i64,
    /// sequence-exhaustion-risk: share of the range used (PgHero: 0.9).
    pub sequence_used_ratio: f64,
    /// unindexed-foreign-key: only referencing tables with at least this many rows.
    pub foreign_key_min_rows: i64,
    /// missing-index: tables smaller than this are not worth an index.
    pub missing_index_min_rows: i64,
    /// missing-index: statements with fewer calls are not considered.
    pub missing_index_min_calls: i64,
    /// missing-index: the statements considered, by total time.
    pub missing_index_max_statements: usize,
    /// missing-index: key columns at most.
    pub missing_index_max_columns: usize,
    /// HypoPG: candidates saving less than this share of the plan cost are dropped.
    pub hypopg_min_saving: f64,
    /// Index shapes: an INCLUDE variant is kept only when its plan is an Index Only Scan
    /// costing at least this share less than the plain key index's plan.
    pub include_min_saving: f64,
    /// Index shapes: a partial index is tried for a condition (`IS NULL`, `IS NOT NULL`,
    /// a boolean column) that at most this share of the table's rows meet (pg_stats).
    pub partial_index_max_fraction: f64,
    /// Statistics younger than this (seconds) are flagged as young.
    pub young_stats_seconds: f64,
    /// missing-index (SQL Server): report DMV requests whose benefit per day,
    /// `(seeks + scans) × avg_total_user_cost × avg_user_impact / days`, reaches this
    /// (sp_BlitzIndex: 100,000).
    pub missing_index_min_benefit_per_day: f64,
    /// missing-index (SQL Server): high severity from this benefit per day.
    pub missing_index_high_benefit_per_day: f64,
    /// unused-index (SQL Server): high severity when the unread index took at least this
    /// many writes (sp_BlitzIndex: 10,000).
    pub unused_index_high_writes: i64,
    /// write-heavy-index: writes over this many times the reads (sp_BlitzIndex: 10)...
    pub write_heavy_ratio: f64,
    /// ...and at least this many writes.
    pub write_heavy_min_writes: i64,
    /// heap-forwarded-fetches: at least this many forwarded fetches (sp_BlitzIndex: any).
    pub heap_forwarded_fetches_min: i64,
    /// heap-forwarded-fetches: high severity from this many.
    pub heap_forwarded_fetches_high: i64,
    /// slow-procedure: average elapsed time (ms) at or above this...
    pub slow_procedure_ms: f64,
    /// ...or average logical reads (8 kB pages) per execution at or above this...
    pub slow_procedure_logical_reads: f64,
    /// ...with at least this many executions.
    pub slow_procedure_min_executions: i64,
    /// slow-procedure: high severity from this share (%) of all procedures' elapsed time.
    pub slow_procedure_high_share_pct: f64,
    /// stale-statistics: modifications since the last update over this share (%) of the
    /// rows, plus 500 (SQL Server's classic auto-update threshold)...
    pub stale_statistics_modified_pct: f64,
    /// ...on tables of at least this many rows.
    pub stale_statistics_min_rows: i64,
    /// connection-saturation: client connections in use at or above this share (%) of
    /// the connections the server allows (PostgreSQL: max_connections minus the reserved
    /// ones; SQL Server: @@MAX_CONNECTIONS)...
    pub connection_saturation_pct: f64,
    /// ...and, SQL Server, one application holding this share (%) of its pool's size.
    pub connection_pool_size: i64,
    /// idle-in-transaction: sessions idle inside an open transaction for at least this
    /// many seconds.
    pub idle_in_transaction_seconds: f64,
    /// latency-spread: statements with at least this many calls...
    pub latency_spread_min_calls: i64,
    /// ...whose slowest call took at least this long (ms)...
    pub latency_spread_min_max_ms: f64,
    /// ...and at least this many times the mean...
    pub latency_spread_max_ratio: f64,
    /// ...or whose standard deviation is at least this many times the mean (PostgreSQL).
    pub latency_spread_stddev_ratio: f64,
    /// over-fetching: SELECTs returning at least this many rows per call on average...
    pub over_fetching_rows_per_call: f64,
    /// ...with at least this many calls.
    pub over_fetching_min_calls: i64,
    /// caching-candidate: read-only statements called at least this many times a minute...
    pub caching_min_calls_per_minute: f64,
    /// ...returning at most this many rows per call.
    pub caching_max_rows_per_call: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            slow_query_ms: 20.0,
            slow_query_calls: 100,
            slow_function_ms: 20.0,
            slow_function_calls: 100,
            scan_heavy_min_rows: 10_000,
            scan_heavy_index_use_pct: 95.0,
            unused_index_max_scans: 0,
            unused_index_min_bytes: 1024 * 1024,
            unused_index_min_stats_days: 7.0,
            cache_hit_ratio_min: 0.99,
            cache_min_blocks: 10_000,
            vacuum_dead_ratio: 0.2,
            vacuum_min_dead_rows: 1_000,
            xid_age_warning: 1_200_000_000,
            xid_remaining_critical: 10_000_000,
            sequence_used_ratio: 0.9,
            foreign_key_min_rows: 1_000,
            missing_index_min_rows: 10_000,
            missing_index_min_calls: 10,
            missing_index_max_statements: 500,
            missing_index_max_columns: 3,
            hypopg_min_saving: 0.3,
            include_min_saving: 0.5,
            partial_index_max_fraction: 0.2,
            young_stats_seconds: 86_400.0,
            missing_index_min_benefit_per_day: 100_000.0,
            missing_index_high_benefit_per_day: 1_000_000.0,
            unused_index_high_writes: 10_000,
            write_heavy_ratio: 10.0,
            write_heavy_min_writes: 10_000,
            heap_forwarded_fetches_min: 1,
            heap_forwarded_fetches_high: 100_000,
            slow_procedure_ms: 20.0,
            slow_procedure_logical_reads: 10_000.0,
            slow_procedure_min_executions: 100,
            slow_procedure_high_share_pct: 25.0,
            stale_statistics_modified_pct: 20.0,
            stale_statistics_min_rows: 1_000,
            connection_saturation_pct: 80.0,
            connection_pool_size: 100,
            idle_in_transaction_seconds: 60.0,
            latency_spread_min_calls: 100,
            latency_spread_min_max_ms: 100.0,
            latency_spread_max_ratio: 10.0,
            latency_spread_stddev_ratio: 2.0,
            over_fetching_rows_per_call: 1_000.0,
            over_fetching_min_calls: 100,
            caching_min_calls_per_minute: 60.0,
            caching_max_rows_per_call: 10.0,
        }
    }
}

impl Thresholds {
    /// Every threshold finite and in its range: an error names the key and the range. A
    /// NaN would compare false everywhere and silently turn its rule off; a negative count
    /// or a fraction above 1 would make a rule fire on everything or on nothing.
    /// (Integer keys are integers already: TOML refuses `1.5` for them.)
    pub fn validate(&self, place: &str) -> anyhow::Result<()> {
        // Serialized, so that a key added later is checked too: non-finite floats
        // serialize to null.
        let serde_json::Value::Object(keys) = serde_json::to_value(self)? else {
            anyhow::bail!("internal: thresholds are not a table");
        };
        for (key, value) in &keys {
            let (low, high, what) = threshold_range(key);
            let admitted = value
                .as_f64()
                .is_some_and(|v| v.is_finite() && v >= low && v <= high);
            if !admitted {
                let shown = match value {
                    serde_json::Value::Null => "NaN or infinite".to_string(),
                    other => other.to_string(),
                };
                anyhow::bail!("{place}: [thresholds] {key} must be {what}, not {shown}");
            }
        }
        Ok(())
    }
}

/// The allowed range of a `[thresholds]` key: (lowest, highest, how to say it).
fn threshold_range(key: &str) -> (f64, f64, &'static str) {
    match key {
        "cache_hit_ratio_min"
        | "vacuum_dead_ratio"
        | "sequence_used_ratio"
        | "hypopg_min_saving"
        | "include_min_saving"
        | "partial_index_max_fraction" => (0.0, 1.0, "a fraction from 0 to 1"),
        "scan_heavy_index_use_pct" | "slow_procedure_high_share_pct" => {
            (0.0, 100.0, "a percentage from 0 to 100")
        }
        // 0% would call every server saturated.
        "connection_saturation_pct" => (1.0, 100.0, "a percentage from 1 to 100"),
        "missing_index_max_columns" | "connection_pool_size" => {
            (1.0, f64::MAX, "a whole number ≥ 1")
        }
        // Below 1 the slowest call is not slower than the mean: every statement would fire.
        "latency_spread_max_ratio" | "over_fetching_rows_per_call" => {
            (1.0, f64::MAX, "a finite number ≥ 1")
        }
        // A zero rate would make every read-only statement a caching candidate.
        "latency_spread_stddev_ratio" | "caching_min_calls_per_minute" => {
            (0.01, f64::MAX, "a finite number ≥ 0.01")
        }
        _ => (0.0, f64::MAX, "a finite number ≥ 0"),
    }
}

/// `[score]` in dbaudit.toml.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScoreConfig {
    /// Category (kebab-case) -> weight in the overall score.
    pub weights: BTreeMap<String, f64>,
    /// Severity -> points a first finding costs.
    pub points: BTreeMap<String, f64>,
    /// Share of a rule's points each further finding of the same rule costs (0..1).
    pub decay: f64,
}

impl Default for ScoreConfig {
    fn default() -> Self {
        ScoreConfig {
            weights: Category::ALL
                .iter()
                .map(|c| (c.as_str().to_string(), 1.0))
                .collect(),
            points: [
                ("critical", 30.0),
                ("high", 15.0),
                ("medium", 6.0),
                ("low", 2.0),
                ("info", 0.0),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
            decay: 0.6,
        }
    }
}

impl ScoreConfig {
    /// Unknown categories or severities, negative weights, a decay outside 0..1: errors
    /// that name the key.
    pub fn validate(&self, place: &str) -> anyhow::Result<()> {
        for (name, weight) in &self.weights {
            if !Category::ALL.iter().any(|c| c.as_str() == name) {
                anyhow::bail!(
                    "{place}: [score.weights] has unknown category `{name}` (use {})",
                    Category::ALL
                        .iter()
                        .map(|c| c.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            if !weight.is_finite() || *weight < 0.0 {
                anyhow::bail!("{place}: [score.weights] `{name}` must be a number ≥ 0");
            }
        }
        for (name, points) in &self.points {
            if Severity::parse(name).is_none() {
                anyhow::bail!("{place}: [score.points] has unknown severity `{name}` (use critical, high, medium, low or info)");
            }
            if !points.is_finite() || *points < 0.0 {
                anyhow::bail!("{place}: [score.points] `{name}` must be a number ≥ 0");
            }
        }
        if !(0.0..1.0).contains(&self.decay) {
            anyhow::bail!("{place}: [score] decay must be at least 0 and below 1");
        }
        Ok(())
    }

    /// A category's weight in the overall score (1 unless `[score.weights]` says otherwise).
    pub fn weight(&self, category: Category) -> f64 {
        self.weights.get(category.as_str()).copied().unwrap_or(1.0)
    }

    /// The points a first finding of this severity costs.
    pub fn points(&self, severity: Severity) -> f64 {
        self.points
            .get(severity.as_str())
            .copied()
            .unwrap_or_else(|| ScoreConfig::default().points[severity.as_str()])
    }
}
