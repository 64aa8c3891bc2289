//! From candidates to recommendations: merge per table, check against the existing
//! indexes, rank by net benefit, cap per table, name, and render the DDL.
//!
//! - Merging: candidates with the same key are one (served lists and benefits add up);
//!   a candidate whose key is a leading prefix of another's is absorbed by it (its
//!   INCLUDE columns join the wider one's while they stay under the width cap). INCLUDE
//!   columns never enter a key.
//! - Existing indexes: a valid, non-partial B-tree whose key starts with the candidate's
//!   key and holds its INCLUDE columns covers it (dropped, with the index named). One
//!   whose key is a prefix of the candidate's is widened: the recommendation replaces it
//!   instead of adding a near duplicate (never a primary key, constraint or unique index,
//!   whose uniqueness a wider key would lose).
//! - Ranking: see [`RANKING_FORMULA`]; a partitioned table's write share is its partitions'
//!   (its own counters are 0).

use std::collections::{BTreeMap, BTreeSet};

use crate::model::recommendation::{
    Action, AdviceLevel, BenefitBasis, DroppedCandidate, IndexRecommendation, IndexShape, Served,
};
use crate::model::snapshot::{IndexStat, Snapshot, TableStat};

use super::candidate::Candidate;
use super::AdvisorConfig;
use crate::engine;

/// How recommendations are ranked, shown in the report.
pub const RANKING_FORMULA: &str = "net benefit = benefit × (1 − write penalty). \
Benefit per day (when the statistics cover less than a day: the total over that window, never extrapolated): with HypoPG, the share of plan cost the index saves × the time of the statements it serves; \
without it, an assumed share (advisor.unverified_saving, default 50%) of that time; for SQL Server, the engine's \
estimate (user seeks + scans) × avg total user cost × avg user impact; for a procedure of the scanned source, an \
assumed share (advisor.static_saving) of its runtime when the snapshot has it (PostgreSQL; on SQL Server the \
procedure's time cannot be added to the DMVs' measure), else 0: listed after the measured ones, largest table first. Write penalty = advisor.write_penalty_weight (default 0.5) × the table's write share \
(PostgreSQL: rows written / (rows written + rows read); SQL Server: updates / (updates + seeks + scans)) × the index's width factor (min(1, (key columns + ½ include columns) / 4)). \
At most advisor.max_new_indexes_per_table (default 5) new indexes per table.";

/// The advisor's result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Advice {
    pub recommendations: Vec<IndexRecommendation>,
    pub dropped: Vec<DroppedCandidate>,
}

/// A candidate being merged: what it became and what it absorbed.
struct Working {
    candidate: Candidate,
    absorbed: Vec<String>,
}

pub fn plan(
    snapshot: &Snapshot,
    candidates: Vec<Candidate>,
    mut dropped: Vec<DroppedCandidate>,
    config: &AdvisorConfig,
) -> Advice {
    let mssql = snapshot.is_mssql();
    let mut per_table: BTreeMap<(String, String), Vec<Candidate>> = BTreeMap::new();
    for c in candidates {
        per_table
            .entry((c.schema.clone(), c.table.clone()))
            .or_default()
            .push(c);
    }
    let mut planned: Vec<IndexRecommendation> = Vec::new();
    for ((schema, table), list) in per_table {
        let merged = merge(list, config);
        let existing: Vec<(&IndexStat, Vec<String>, Vec<String>)> = snapshot
            .indexes
            .iter()
            .filter(|i| i.schema == schema && i.table == table)
            .filter(|i| i.is_valid && i.predicate.is_none() && is_rowstore_btree(i))
            .map(|i| {
                let (key, include) = index_columns(snapshot, i);
                (i, key, include)
            })
            .collect();
        let table_stat = snapshot
            .table(&schema, &table)
            .map(|t| with_partitions(snapshot, t));
        let table_stat = table_stat.as_ref();
        let mut widened: BTreeSet<String> = BTreeSet::new();
        for work in merged {
            let c = work.candidate;
            // A shaped candidate (DESC, function keys, partial) was checked against the
            // existing indexes shape for shape by the workload; a plain key here says
            // nothing about it, and widening a plain index would lose the shape.
            let plain = c.shape.is_plain();
            if let Some((index, key, _)) = existing
                .iter()
                .filter(|_| plain)
                .find(|(i, key, include)| covers(i, key, include, &c))
            {
                dropped.push(DroppedCandidate {
                    schema: c.schema.clone(),
                    table: c.table.clone(),
                    key_columns: c.key_columns.clone(),
                    include_columns: c.include_columns.clone(),
                    shape: c.shape.clone(),
                    reason: format!(
                        "covered by the existing index {} ({})",
                        index.name,
                        key.join(", ")
                    ),
                    covered_by: Some(index.name.clone()),
                    served: c.served,
                });
                continue;
            }
            let mut key_columns = c.key_columns.clone();
            let mut include_columns = c.include_columns.clone();
            let mut action = Action::Create;
            let mut overlaps = Vec::new();
            // The longest existing index whose key is a prefix of the candidate's (or
            // equal to it, lacking INCLUDE columns) is the one to widen.
            let mut prefixes: Vec<&(&IndexStat, Vec<String>, Vec<String>)> = existing
                .iter()
                .filter(|_| plain)
                .filter(|(_, key, _)| {
                    !key.is_empty()
                        && (is_prefix(key, &c.key_columns) || is_prefix(&c.key_columns, key))
                })
                .collect();
            prefixes.sort_by_key(|(i, key, _)| (std::cmp::Reverse(key.len()), i.name.clone()));
            for (index, key, include) in prefixes {
                let keeps_uniqueness = index.is_primary || index.is_constraint || index.is_unique;
                if keeps_uniqueness
                    || widened.contains(&index.name)
                    || !matches!(action, Action::Create)
                {
                    overlaps.push(format!(
                        "{} ({}){}",
                        index.name,
                        key.join(", "),
                        if keeps_uniqueness {
                            " kept: it enforces uniqueness"
                        } else {
                            ""
                        }
                    ));
                    continue;
                }
                if key.len() > key_columns.len() {
                    key_columns = key.clone();
                }
                for column in include {
                    if !key_columns.contains(column) && !include_columns.contains(column) {
                        include_columns.push(column.clone());
                    }
                }
                include_columns.retain(|c| !key_columns.contains(c));
                widened.insert(index.name.clone());
                action = Action::Widen {
                    replaces: index.name.clone(),
                    replaced_key: key.clone(),
                    replaced_include: include.clone(),
                };
            }
            for (index, key, _) in &existing {
                let shares_lead = !key.is_empty() && key.first() == key_columns.first();
                let named = overlaps
                    .iter()
                    .any(|o| o.starts_with(&format!("{} (", index.name)));
                let replaced =
                    matches!(&action, Action::Widen { replaces, .. } if replaces == &index.name);
                if shares_lead && !named && !replaced {
                    overlaps.push(format!("{} ({})", index.name, key.join(", ")));
                }
            }
            let write_penalty = table_stat
                .map(|t| write_penalty(t, key_columns.len(), include_columns.len(), mssql, config))
                .unwrap_or(0.0);
            planned.push(IndexRecommendation {
                rank: 0,
                schema: c.schema,
                table: c.table,
                name: String::new(),
                key_columns,
                include_columns,
                shape: c.shape,
                action,
                advice: if c.benefit * (1.0 - write_penalty) > 0.0 {
                    AdviceLevel::Recommended
                } else {
                    AdviceLevel::Consider
                },
                benefit: round2(c.benefit),
                write_penalty: round3(write_penalty),
                net_benefit: round2(c.benefit * (1.0 - write_penalty)),
                benefit_unit: benefit_unit(snapshot),
                basis: c.basis,
                explanation: c.explanation,
                served: c.served,
                absorbed: work.absorbed,
                overlaps,
                table_rows: c.table_rows,
                ddl: String::new(),
                resolves: Vec::new(),
            });
        }
    }
    // Measured benefits first; the static-only ones (no runtime evidence) after them,
    // largest table first.
    planned.sort_by(|a, b| {
        b.net_benefit
            .total_cmp(&a.net_benefit)
            .then(b.table_rows.cmp(&a.table_rows))
            .then_with(|| {
                (&a.schema, &a.table, &a.key_columns).cmp(&(&b.schema, &b.table, &b.key_columns))
            })
    });
    let mut new_per_table: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut taken_names: BTreeSet<String> = snapshot
        .indexes
        .iter()
        .map(|i| format!("{}.{}", i.schema, i.name).to_lowercase())
        .collect();
    let mut recommendations = Vec::new();
    for mut rec in planned {
        if matches!(rec.action, Action::Create) {
            let count = new_per_table
                .entry((rec.schema.clone(), rec.table.clone()))
                .or_default();
            if *count >= config.max_new_indexes_per_table {
                dropped.push(DroppedCandidate {
                    schema: rec.schema.clone(),
                    table: rec.table.clone(),
                    key_columns: rec.key_columns.clone(),
                    include_columns: rec.include_columns.clone(),
                    shape: rec.shape.clone(),
                    reason: format!(
                        "the table already gets {} new indexes, the cap (advisor.max_new_indexes_per_table); this one ranks lower",
                        config.max_new_indexes_per_table
                    ),
                    covered_by: None,
                    served: rec.served,
                });
                continue;
            }
            *count += 1;
        }
        rec.name = match (&rec.action, mssql) {
            // SQL Server widens in place (DROP_EXISTING): the index keeps its name.
            (Action::Widen { replaces, .. }, true) => replaces.clone(),
            _ => unique_name(&rec, &mut taken_names, if mssql { 128 } else { 63 }),
        };
        rec.ddl = if mssql {
            engine::mssql::recommendation_ddl(&rec)
        } else {
            let partitioned = snapshot
                .table(&rec.schema, &rec.table)
                .is_some_and(|t| t.is_partitioned == Some(true));
            engine::postgres::recommendation_ddl(&rec, partitioned)
        };
        rec.rank = recommendations.len() + 1;
        recommendations.push(rec);
    }
    dropped.sort_by(|a, b| {
        (&a.schema, &a.table, &a.key_columns, &a.reason).cmp(&(
            &b.schema,
            &b.table,
            &b.key_columns,
            &b.reason,
        ))
    });
    Advice {
        recommendations,
        dropped,
    }
}

/// The unit of the benefits: per day, or over the window when the statistics cover less
/// than a day (then the benefits are its totals, not extrapolated).
pub fn benefit_unit(snapshot: &Snapshot) -> String {
    let measure = if snapshot.is_mssql() {
        "improvement measure"
    } else {
        "ms"
    };
    match super::candidate::short_window_hours(snapshot) {
        Some(hours) => format!("{measure} over {hours:.1} hours"),
        None => format!("{measure} per day"),
    }
}

/// Same key: one candidate. Prefix key: absorbed by the widest candidate that can take
/// its INCLUDE columns under the cap.
fn merge(list: Vec<Candidate>, config: &AdvisorConfig) -> Vec<Working> {
    let mut by_key: BTreeMap<(Vec<String>, IndexShape), Candidate> = BTreeMap::new();
    for c in list {
        match by_key.get_mut(&(c.key_columns.clone(), c.shape.clone())) {
            Some(existing) => {
                unite_includes(
                    &mut existing.include_columns,
                    &c.include_columns,
                    &existing.key_columns.clone(),
                );
                combine(existing, c);
            }
            None => {
                by_key.insert((c.key_columns.clone(), c.shape.clone()), c);
            }
        }
    }
    let mut ordered: Vec<Candidate> = by_key.into_values().collect();
    ordered.sort_by(|a, b| {
        b.key_columns
            .len()
            .cmp(&a.key_columns.len())
            .then(b.benefit.total_cmp(&a.benefit))
            .then(a.key_columns.cmp(&b.key_columns))
    });
    let mut kept: Vec<Working> = Vec::new();
    for c in ordered {
        let target = kept
            .iter_mut()
            .filter(|w| {
                w.candidate.key_columns.len() > c.key_columns.len()
                    && is_prefix(&c.key_columns, &w.candidate.key_columns)
                    // A plain key is served by a wider key with DESC parts; function
                    // keys and partial conditions serve only their own statements.
                    && c.shape.is_plain()
                    && w.candidate.shape.functions.is_empty()
                    && w.candidate.shape.predicate.is_none()
                    && united_len(&w.candidate, &c) <= config.max_include_columns
            })
            .max_by(|a, b| a.candidate.benefit.total_cmp(&b.candidate.benefit));
        match target {
            Some(w) => {
                let key = w.candidate.key_columns.clone();
                unite_includes(&mut w.candidate.include_columns, &c.include_columns, &key);
                w.absorbed.push(format!("({})", c.key_columns.join(", ")));
                combine(&mut w.candidate, c);
            }
            None => kept.push(Working {
                candidate: c,
                absorbed: Vec::new(),
            }),
        }
    }
    kept
}

/// Adds `other`'s evidence and benefit to `into` (the keys are already reconciled).
fn combine(into: &mut Candidate, other: Candidate) {
    into.benefit += other.benefit;
    if basis_strength(&other.basis) > basis_strength(&into.basis) {
        into.basis = other.basis;
    }
    if !into.explanation.contains(&other.explanation) {
        into.explanation = format!("{}; {}", into.explanation, other.explanation);
    }
    into.served.extend(other.served);
    into.table_rows = into.table_rows.max(other.table_rows);
}

fn basis_strength(basis: &BenefitBasis) -> u8 {
    match basis {
        BenefitBasis::Verified { .. } => 3,
        BenefitBasis::EngineEstimate => 2,
        BenefitBasis::Unverified { .. } => 1,
        BenefitBasis::Static => 0,
    }
}

fn unite_includes(into: &mut Vec<String>, more: &[String], key: &[String]) {
    for column in more {
        if !key.contains(column) && !into.contains(column) {
            into.push(column.clone());
        }
    }
}

fn united_len(wide: &Candidate, narrow: &Candidate) -> usize {
    let mut all: BTreeSet<&String> = wide.include_columns.iter().collect();
    all.extend(
        narrow
            .include_columns
            .iter()
            .filter(|c| !wide.key_columns.contains(c)),
    );
    all.len()
}

/// `prefix` leads `of` (equal counts).
fn is_prefix(prefix: &[String], of: &[String]) -> bool {
    prefix.len() <= of.len()
        && prefix
            .iter()
            .zip(of)
            .all(|(a, b)| a.eq_ignore_ascii_case(b))
}

fn covers(index: &IndexStat, key: &[String], include: &[String], c: &Candidate) -> bool {
    if !is_prefix(&c.key_columns, key) {
        return false;
    }
    // A clustered index holds every column of the row.
    index.access_method.eq_ignore_ascii_case("clustered")
        || c.include_columns.iter().all(|col| {
            key.iter()
                .chain(include)
                .any(|k| k.eq_ignore_ascii_case(col))
        })
}

/// B-tree row-store indexes (PostgreSQL `btree`; SQL Server clustered / nonclustered).
fn is_rowstore_btree(index: &IndexStat) -> bool {
    matches!(
        index.access_method.to_ascii_lowercase().as_str(),
        "btree" | "clustered" | "nonclustered"
    )
}

/// Key columns up to the first expression, and the INCLUDE columns.
fn index_columns(snapshot: &Snapshot, index: &IndexStat) -> (Vec<String>, Vec<String>) {
    let key: Vec<String> = snapshot
        .index_keys(index)
        .into_iter()
        .map_while(|k| k)
        .collect();
    let mut include: Vec<(i32, String)> = snapshot
        .index_columns
        .iter()
        .filter(|c| {
            c.schema == index.schema && c.table == index.table && c.index == index.name && !c.is_key
        })
        .filter_map(|c| c.column.clone().map(|col| (c.position, col)))
        .collect();
    include.sort();
    (key, include.into_iter().map(|(_, c)| c).collect())
}

/// A partitioned table's own counters are 0: its partitions' reads and writes (summed)
/// are what an index on it pays for. Any other table as it is.
fn with_partitions(snapshot: &Snapshot, table: &TableStat) -> TableStat {
    let mut total = table.clone();
    if table.is_partitioned != Some(true) {
        return total;
    }
    for p in snapshot.tables.iter().filter(|p| {
        p.partition_root_schema.as_deref() == Some(table.schema.as_str())
            && p.partition_root_name.as_deref() == Some(table.name.as_str())
    }) {
        total.inserts = total.inserts.saturating_add(p.inserts.max(0));
        total.updates = total.updates.saturating_add(p.updates.max(0));
        total.deletes = total.deletes.saturating_add(p.deletes.max(0));
        total.seq_tup_read = total.seq_tup_read.saturating_add(p.seq_tup_read.max(0));
        total.idx_tup_fetch = Some(
            total
                .idx_tup_fetch
                .unwrap_or(0)
                .saturating_add(p.idx_tup_fetch.unwrap_or(0).max(0)),
        );
    }
    total
}

/// `weight × write share × width factor`, in 0..weight.
fn write_penalty(
    table: &TableStat,
    key_columns: usize,
    include_columns: usize,
    mssql: bool,
    config: &AdvisorConfig,
) -> f64 {
    let writes = (table.inserts + table.updates + table.deletes).max(0) as f64;
    // PostgreSQL counts rows read; SQL Server's usage DMVs count operations (seeks,
    // scans, lookups against user_updates), so each engine is compared in its own kind.
    let reads = if mssql {
        (table.seq_scan + table.idx_scan.unwrap_or(0)).max(0) as f64
    } else {
        (table.seq_tup_read + table.idx_tup_fetch.unwrap_or(0)).max(0) as f64
    };
    if writes + reads <= 0.0 {
        return 0.0;
    }
    let share = writes / (writes + reads);
    let width = key_columns as f64 + 0.5 * include_columns as f64;
    (config.write_penalty_weight * share * (width / 4.0).min(1.0)).clamp(0.0, 1.0)
}

fn unique_name(rec: &IndexRecommendation, taken: &mut BTreeSet<String>, max_len: usize) -> String {
    let base = engine::index_name(&rec.table, &rec.shape.name_parts(&rec.key_columns), max_len);
    let mut name = base.clone();
    let mut n = 2;
    while taken.contains(&format!("{}.{}", rec.schema, name).to_lowercase()) {
        let suffix = format!("_{n}");
        let cut = base.len().min(max_len - suffix.len());
        name = format!("{}{suffix}", &base[..cut]);
        n += 1;
    }
    taken.insert(format!("{}.{}", rec.schema, name).to_lowercase());
    name
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Served entries in words, for comments and tables.
pub fn served_text(served: &[Served]) -> String {
    let statements: Vec<&Served> = served
        .iter()
        .filter(|s| matches!(s, Served::Statement { .. }))
        .collect();
    let mut parts = Vec::new();
    if !statements.is_empty() {
        let calls: i64 = statements
            .iter()
            .map(|s| match s {
                Served::Statement { calls, .. } => *calls,
                _ => 0,
            })
            .sum();
        parts.push(format!("{} statement(s), {calls} calls", statements.len()));
    }
    for s in served {
        match s {
            Served::Procedure {
                object, file, line, ..
            } => parts.push(format!("{object} ({file}:{line})")),
            Served::EngineHint {
                user_seeks,
                user_scans,
                ..
            } => parts.push(format!(
                "missing-index hint ({} seeks, {} scans)",
                user_seeks, user_scans
            )),
            Served::Statement { .. } => {}
        }
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::snapshot::{IndexColumn, Manifest};

    fn snapshot(engine: &str) -> Snapshot {
        Snapshot {
            manifest: Manifest {
                engine: engine.to_string(),
                ..Default::default()
            },
            tables: vec![TableStat {
                schema: "public".into(),
                name: "appointments".into(),
                live_rows: 200_000,
                seq_tup_read: 1_000_000,
                inserts: 1_000,
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    fn add_index(s: &mut Snapshot, name: &str, key: &[&str], include: &[&str], unique: bool) {
        s.indexes.push(IndexStat {
            schema: "public".into(),
            table: "appointments".into(),
            name: name.into(),
            access_method: "btree".into(),
            is_unique: unique,
            is_valid: true,
            ..Default::default()
        });
        for (i, c) in key.iter().chain(include).enumerate() {
            s.index_columns.push(IndexColumn {
                schema: "public".into(),
                table: "appointments".into(),
                index: name.into(),
                position: i as i32 + 1,
                column: Some(c.to_string()),
                expression: None,
                is_key: i < key.len(),
                descending: false,
            });
        }
    }

    fn candidate(key: &[&str], include: &[&str], benefit: f64) -> Candidate {
        Candidate {
            schema: "public".into(),
            table: "appointments".into(),
            key_columns: key.iter().map(|c| c.to_string()).collect(),
            include_columns: include.iter().map(|c| c.to_string()).collect(),
            benefit,
            basis: BenefitBasis::Unverified {
                reason: String::new(),
            },
            explanation: format!("{benefit}"),
            served: vec![Served::Procedure {
                object: format!("p_{}", key.join("_")),
                file: "p.sql".into(),
                line: 1,
                uses: vec![],
            }],
            table_rows: 200_000,
            shape: IndexShape::default(),
        }
    }

    fn run(s: &Snapshot, list: Vec<Candidate>) -> Advice {
        plan(s, list, Vec::new(), &AdvisorConfig::default())
    }

    #[test]
    fn a_prefix_candidate_is_absorbed_with_its_includes_and_never_into_the_key() {
        let advice = run(
            &snapshot("postgresql"),
            vec![
                candidate(&["client_id"], &["status"], 10.0),
                candidate(&["client_id", "start_date"], &[], 100.0),
            ],
        );
        assert_eq!(advice.recommendations.len(), 1);
        let r = &advice.recommendations[0];
        assert_eq!(r.key_columns, ["client_id", "start_date"]);
        assert_eq!(r.include_columns, ["status"]);
        assert_eq!(r.absorbed, ["(client_id)"]);
        assert_eq!(r.benefit, 110.0);
        assert_eq!(r.served.len(), 2);
        assert_eq!(
            r.ddl,
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_appointments_client_id_start_date ON public.appointments (client_id, start_date) INCLUDE (status);"
        );
    }

    #[test]
    fn the_include_cap_stops_absorption() {
        let config = AdvisorConfig {
            max_include_columns: 1,
            ..Default::default()
        };
        let advice = plan(
            &snapshot("postgresql"),
            vec![
                candidate(&["a"], &["x", "y"], 10.0),
                candidate(&["a", "b"], &[], 100.0),
            ],
            Vec::new(),
            &config,
        );
        assert_eq!(advice.recommendations.len(), 2);
    }

    #[test]
    fn an_existing_index_covers_or_is_widened() {
        let mut s = snapshot("postgresql");
        add_index(
            &mut s,
            "ix_appt_client_start",
            &["client_id", "start_date"],
            &[],
            false,
        );
        add_index(
            &mut s,
            "ix_appt_provider",
            &["provider_id"],
            &["notes"],
            false,
        );
        add_index(&mut s, "uq_appt_ref", &["ref"], &[], true);
        let advice = run(
            &s,
            vec![
                candidate(&["client_id"], &[], 5.0),
                candidate(&["provider_id", "start_date"], &[], 50.0),
                candidate(&["ref", "status"], &[], 20.0),
            ],
        );
        // Covered: its key leads an existing index.
        assert_eq!(advice.dropped.len(), 1);
        assert!(advice.dropped[0].reason.contains("ix_appt_client_start"));
        // Widened: the existing key is a prefix; its INCLUDE columns are kept.
        let widen = &advice.recommendations[0];
        assert_eq!(widen.key_columns, ["provider_id", "start_date"]);
        assert_eq!(widen.include_columns, ["notes"]);
        assert!(
            matches!(&widen.action, Action::Widen { replaces, .. } if replaces == "ix_appt_provider")
        );
        assert!(widen
            .ddl
            .ends_with("DROP INDEX CONCURRENTLY IF EXISTS public.ix_appt_provider;"));
        // A unique index is never widened away: a new index, the unique one named.
        let unique = &advice.recommendations[1];
        assert_eq!(unique.action, Action::Create);
        assert!(
            unique.overlaps[0].contains("uq_appt_ref"),
            "{:?}",
            unique.overlaps
        );
    }

    #[test]
    fn the_cap_per_table_and_the_order_by_net_benefit() {
        let config = AdvisorConfig {
            max_new_indexes_per_table: 2,
            ..Default::default()
        };
        let advice = plan(
            &snapshot("postgresql"),
            vec![
                candidate(&["a"], &[], 1.0),
                candidate(&["b"], &[], 3.0),
                candidate(&["c"], &[], 2.0),
            ],
            Vec::new(),
            &config,
        );
        let keys: Vec<&str> = advice
            .recommendations
            .iter()
            .map(|r| r.key_columns[0].as_str())
            .collect();
        assert_eq!(keys, ["b", "c"]);
        assert_eq!(advice.recommendations[0].rank, 1);
        assert!(advice.dropped[0].reason.contains("cap"));
        // Writes cost: the penalty is the table's write share times the width factor.
        let r = &advice.recommendations[0];
        let share: f64 = 1_000.0 / 1_001_000.0;
        assert!((r.write_penalty - (0.5 * share * 0.25 * 1000.0).round() / 1000.0).abs() < 1e-9);
    }

    #[test]
    fn a_partitioned_table_pays_for_its_partitions_writes() {
        let mut s = snapshot("postgresql");
        s.tables[0].is_partitioned = Some(true);
        s.tables[0].seq_tup_read = 0;
        s.tables[0].inserts = 0;
        for name in ["appointments_2020", "appointments_2021"] {
            s.tables.push(TableStat {
                schema: "public".into(),
                name: name.into(),
                seq_tup_read: 500,
                inserts: 500,
                partition_root_schema: Some("public".into()),
                partition_root_name: Some("appointments".into()),
                ..Default::default()
            });
        }
        let advice = run(&s, vec![candidate(&["a"], &[], 100.0)]);
        let r = &advice.recommendations[0];
        // Write share 1000 / 2000, weight 0.5, width 1/4; the DDL without CONCURRENTLY.
        assert_eq!(r.write_penalty, 0.063);
        assert!(r
            .ddl
            .ends_with("CREATE INDEX IF NOT EXISTS ix_appointments_a ON public.appointments (a);"));
    }

    #[test]
    fn names_are_unique_and_sql_server_ddl_is_bracketed() {
        let mut s = snapshot("mssql");
        s.tables[0].schema = "dbo".into();
        s.tables[0].name = "Appoint]ments".into();
        let mut c = candidate(&["ClientId"], &["Status"], 9.0);
        c.schema = "dbo".into();
        c.table = "Appoint]ments".into();
        s.indexes.push(IndexStat {
            schema: "dbo".into(),
            table: "Other".into(),
            name: "ix_appoint_ments_clientid".into(),
            ..Default::default()
        });
        let advice = run(&s, vec![c]);
        let r = &advice.recommendations[0];
        assert_eq!(r.name, "ix_appoint_ments_clientid_2");
        assert_eq!(
            r.ddl,
            "CREATE NONCLUSTERED INDEX [ix_appoint_ments_clientid_2] ON [dbo].[Appoint]]ments] ([ClientId]) INCLUDE ([Status]) WITH (ONLINE = ON, SORT_IN_TEMPDB = ON);"
        );
        assert_eq!(r.benefit_unit, "improvement measure per day");
    }
}
