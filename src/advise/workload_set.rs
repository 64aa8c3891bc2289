//! Workload-wide evaluation: the recommended set judged as a whole, not one candidate at
//! a time. At collection (`evaluate`, in the collector's session, after the candidates
//! were verified one by one), the set the advisor recommends from the workload is created
//! as hypothetical indexes together, and every top statement is planned once more
//! without and with it, under the same rules as `hypopg::verify` (as the statement's
//! role or, when it names only PostgreSQL's own code, as the auditor; READ ONLY, rolled
//! back, never executed). The snapshot keeps the set and the plans, so the audit stays a
//! pure function of the snapshot. In the audit (`apply`): the workload's planned cost
//! before and after (Σ calls × planned cost), a recommendation the planner uses for none
//! of its statements once the others exist taken out with its reason ("not used once #n
//! exists"), and the statements whose plan got worse named. Each hypothetical index is
//! the recommendation as it would be built (key, INCLUDE columns and shape: DESC keys,
//! function keys, a partial condition), written by `engine::postgres::index_statement`
//! like the DDL, so the set evaluated is the set recommended.

use std::collections::{BTreeMap, BTreeSet};

use super::hypopg::{plan_as, verify_one};
use super::{candidate, plan, AdvisorConfig};
use crate::analyze::workload::{candidates, first_keyword};
use crate::analyze::Thresholds;
use crate::collect::plan_session::PlanSession;
use crate::model::finding::one_line;
use crate::model::recommendation::{
    AdviceLevel, DroppedCandidate, IndexRecommendation, Served, WorkloadEvaluation, WorseStatement,
};
use crate::model::snapshot::{split_list, Note, Snapshot, WorkloadIndex, WorkloadPlan};

/// Statements planned with the whole set at most (two plans each).
const MAX_STATEMENTS: usize = 100;

/// A plan with the set that costs more than this share above the plan without it is
/// "worse" (planner costs are floats; equal plans can differ in the last digits).
const WORSE_MARGIN: f64 = 1e-6;

/// Creates the recommended set as hypothetical indexes together and plans the top
/// statements without and with it. Empty when the workload yields no recommendation.
pub fn evaluate(
    session: &dyn PlanSession,
    snapshot: &Snapshot,
    t: &Thresholds,
    advisor: &AdvisorConfig,
    notes: &mut Vec<Note>,
    progress: &dyn crate::model::progress::Progress,
) -> (Vec<WorkloadIndex>, Vec<WorkloadPlan>) {
    let (found, decisions) = candidates(snapshot, t);
    let (workload, rejected) = candidate::from_workload(snapshot, &found, advisor);
    let set: Vec<IndexRecommendation> = plan::plan(snapshot, workload, rejected, advisor)
        .recommendations
        .into_iter()
        .filter(|r| r.advice == AdviceLevel::Recommended)
        .collect();
    if set.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let ddls: Vec<String> = set.iter().map(hypothetical_definition).collect();
    let indexes: Vec<WorkloadIndex> = set
        .iter()
        .zip(&ddls)
        .enumerate()
        .map(|(i, (r, ddl))| WorkloadIndex {
            position: i as i64,
            schema: r.schema.clone(),
            table: r.table.clone(),
            key_columns: r.key_columns.join(","),
            definition: ddl.clone(),
        })
        .collect();
    let statements: Vec<_> = decisions
        .iter()
        .filter(|d| d.calls >= t.missing_index_min_calls)
        .filter_map(|d| snapshot.statements.iter().find(|s| s.queryid == d.queryid))
        .collect();
    if statements.len() > MAX_STATEMENTS {
        notes.push(Note {
            check: "workload evaluation".into(),
            message: format!(
                "{} statements beyond the first {MAX_STATEMENTS} (by total time) were not planned with the whole recommended set, to bound the audit's time",
                statements.len() - MAX_STATEMENTS
            ),
        });
    }
    let generic_plan = snapshot.manifest.server_version_num >= 160_000;
    let mut can_set_role = BTreeMap::new();
    let mut plans = Vec::new();
    progress.start(
        "planning the workload with the whole recommended set (HypoPG)",
        Some(statements.len().min(MAX_STATEMENTS) as u64),
    );
    for statement in statements.into_iter().take(MAX_STATEMENTS) {
        progress.advance(&statement.queryid);
        let mut row = WorkloadPlan {
            queryid: statement.queryid.clone(),
            calls: statement.calls,
            ..Default::default()
        };
        let first = first_keyword(&statement.query);
        if !matches!(first.as_str(), "SELECT" | "WITH" | "UPDATE" | "DELETE") {
            // A kind no index serves (INSERT, SET, ...): nothing to plan.
            continue;
        }
        let result = match plan_as(
            session,
            statement.role.as_deref(),
            &statement.query,
            snapshot.manifest.server_version_num,
            &mut can_set_role,
        ) {
            Ok(plan_as) => verify_one(session, &statement.query, &ddls, generic_plan, &plan_as),
            Err(reason) => Err(reason),
        };
        match result {
            Ok(planned) => {
                row.cost_before = planned.cost_before;
                row.cost_after = planned.cost_after;
                row.indexes_used = planned
                    .uses
                    .iter()
                    .enumerate()
                    .filter(|(_, u)| u.used)
                    .map(|(i, _)| i.to_string())
                    .collect::<Vec<_>>()
                    .join(",");
            }
            Err(reason) => row.not_planned = Some(reason),
        }
        plans.push(row);
    }
    (indexes, plans)
}

/// The statement given to HypoPG for a recommendation: its key, INCLUDE columns and shape,
/// through the one writer of index definitions.
fn hypothetical_definition(r: &IndexRecommendation) -> String {
    crate::engine::postgres::hypothetical_create_index(
        &r.schema,
        &r.table,
        &r.key_columns,
        &r.include_columns,
        &r.shape,
    )
}

/// Judges the recommendations against the evaluation the snapshot holds: takes out those
/// the planner used for none of their statements once the whole set existed (into
/// `dropped`, with the reason; the others re-ranked), and returns the workload's cost
/// before and after. `None` when the snapshot holds no evaluation.
pub fn apply(
    snapshot: &Snapshot,
    recommendations: &mut Vec<IndexRecommendation>,
    dropped: &mut Vec<DroppedCandidate>,
) -> Option<WorkloadEvaluation> {
    if snapshot.workload_set.is_empty() {
        return None;
    }
    let mut caveats = Vec::new();
    // Each evaluated index and the recommendation it is: the same definition (key,
    // INCLUDE, shape); in a snapshot written before definitions were kept, the same table
    // and key.
    let mut rec_at: BTreeMap<i64, usize> = BTreeMap::new();
    for index in &snapshot.workload_set {
        let key = split_list(&index.key_columns);
        if let Some(i) = recommendations.iter().position(|r| {
            if index.definition.is_empty() {
                r.schema == index.schema && r.table == index.table && r.key_columns == key
            } else {
                hypothetical_definition(r) == index.definition
            }
        }) {
            rec_at.insert(index.position, i);
        }
    }
    let unmatched = snapshot.workload_set.len() - rec_at.len();
    if unmatched > 0 {
        caveats.push(format!(
            "{unmatched} index(es) of the set evaluated at collection are not among these recommendations (the thresholds or advisor settings differ from the collection's): the cost with the set includes them"
        ));
    }
    let evaluated: BTreeSet<usize> = rec_at.values().copied().collect();
    let not_in_set = recommendations
        .iter()
        .enumerate()
        .filter(|(i, r)| {
            r.advice == AdviceLevel::Recommended
                && !evaluated.contains(i)
                && r.served
                    .iter()
                    .any(|s| matches!(s, Served::Statement { .. }))
        })
        .count();
    if not_in_set > 0 {
        caveats.push(format!(
            "{not_in_set} recommendation(s) from the workload were not in the set evaluated at collection"
        ));
    }
    let planned: Vec<&WorkloadPlan> = snapshot
        .workload_plans
        .iter()
        .filter(|p| p.not_planned.is_none())
        .collect();
    let not_planned: Vec<&WorkloadPlan> = snapshot
        .workload_plans
        .iter()
        .filter(|p| p.not_planned.is_some())
        .collect();
    if let Some(first) = not_planned.first() {
        caveats.push(format!(
            "{} statement(s) could not be planned with the set and are not in the costs; first (queryid {}): {}",
            not_planned.len(),
            first.queryid,
            one_line(first.not_planned.as_deref().unwrap_or_default(), 200)
        ));
    }
    let used_by = |plan: &WorkloadPlan| -> BTreeSet<i64> {
        plan.indexes_used
            .split(',')
            .filter_map(|p| p.trim().parse::<i64>().ok())
            .collect()
    };
    let used: BTreeSet<i64> = planned.iter().flat_map(|p| used_by(p)).collect();
    // Unused recommendations whose every statement was planned: taken out, with the
    // recommendations their statements use instead.
    let mut unused: Vec<(usize, BTreeSet<usize>)> = Vec::new();
    for (&position, &i) in &rec_at {
        if used.contains(&position) {
            continue;
        }
        let served: Vec<&str> = recommendations[i]
            .served
            .iter()
            .filter_map(|s| match s {
                Served::Statement { queryid, .. } => Some(queryid.as_str()),
                _ => None,
            })
            .collect();
        let plans: Vec<&&WorkloadPlan> = planned
            .iter()
            .filter(|p| served.contains(&p.queryid.as_str()))
            .collect();
        if served.is_empty() || plans.len() < served.len() {
            continue;
        }
        let instead = plans
            .iter()
            .flat_map(|p| used_by(p))
            .filter_map(|pos| rec_at.get(&pos).copied())
            .collect();
        unused.push((i, instead));
    }
    let gone: BTreeSet<usize> = unused.iter().map(|(i, _)| *i).collect();
    // The survivors' ranks after the removal, named in the reasons.
    let mut new_rank: BTreeMap<usize, usize> = BTreeMap::new();
    for (i, _) in recommendations
        .iter()
        .enumerate()
        .filter(|(i, _)| !gone.contains(i))
    {
        new_rank.insert(i, new_rank.len() + 1);
    }
    let mut dropped_names = Vec::new();
    for (i, instead) in &unused {
        let r = &recommendations[*i];
        let others: Vec<String> = instead
            .iter()
            .filter_map(|j| {
                new_rank
                    .get(j)
                    .map(|rank| format!("#{rank} {}", recommendations[*j].name))
            })
            .collect();
        let reason = if others.is_empty() {
            "the planner uses it for none of its statements once the whole recommended set exists (workload-wide HypoPG evaluation)".to_string()
        } else {
            format!(
                "not used once {} exists: with the whole recommended set the planner serves its statements with that instead (workload-wide HypoPG evaluation)",
                others.join(" and ")
            )
        };
        dropped_names.push(r.name.clone());
        dropped.push(DroppedCandidate {
            schema: r.schema.clone(),
            table: r.table.clone(),
            key_columns: r.key_columns.clone(),
            include_columns: r.include_columns.clone(),
            shape: r.shape.clone(),
            reason,
            covered_by: None,
            served: r.served.clone(),
        });
    }
    let mut index = 0;
    recommendations.retain(|_| {
        index += 1;
        !gone.contains(&(index - 1))
    });
    for (rank, r) in recommendations.iter_mut().enumerate() {
        r.rank = rank + 1;
    }
    let weighted = |cost: fn(&WorkloadPlan) -> f64| -> f64 {
        planned
            .iter()
            .map(|p| p.calls.max(0) as f64 * cost(p))
            .sum()
    };
    let worse = planned
        .iter()
        .filter(|p| p.cost_after > p.cost_before * (1.0 + WORSE_MARGIN))
        .map(|p| WorseStatement {
            queryid: p.queryid.clone(),
            query: snapshot
                .statements
                .iter()
                .find(|s| s.queryid == p.queryid)
                .map(|s| one_line(&s.query, 200))
                .unwrap_or_default(),
            cost_before: p.cost_before,
            cost_after: p.cost_after,
        })
        .collect();
    Some(WorkloadEvaluation {
        statements_planned: planned.len(),
        statements_not_planned: not_planned.len(),
        cost_before: weighted(|p| p.cost_before),
        cost_after: weighted(|p| p.cost_after),
        indexes: snapshot.workload_set.len(),
        dropped: dropped_names,
        worse,
        caveats,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::recommendation::{Action, BenefitBasis};

    fn rec(rank: usize, table: &str, key: &str, queryid: &str) -> IndexRecommendation {
        IndexRecommendation {
            rank,
            schema: "public".into(),
            table: table.into(),
            name: format!("ix_{table}_{key}"),
            key_columns: vec![key.into()],
            include_columns: vec![],
            shape: Default::default(),
            action: Action::Create,
            advice: AdviceLevel::Recommended,
            benefit: 1.0,
            write_penalty: 0.0,
            net_benefit: 1.0,
            benefit_unit: "ms/day".into(),
            basis: BenefitBasis::Unverified {
                reason: String::new(),
            },
            explanation: String::new(),
            served: vec![Served::Statement {
                queryid: queryid.into(),
                calls: 10,
                total_time_ms: 1.0,
                uses: vec![],
                query: String::new(),
            }],
            absorbed: vec![],
            overlaps: vec![],
            table_rows: 60_000,
            ddl: String::new(),
            resolves: vec![],
        }
    }

    fn index(position: i64, table: &str, key: &str) -> WorkloadIndex {
        WorkloadIndex {
            position,
            schema: "public".into(),
            table: table.into(),
            key_columns: key.into(),
            definition: String::new(),
        }
    }

    fn plan(queryid: &str, calls: i64, before: f64, after: f64, used: &str) -> WorkloadPlan {
        WorkloadPlan {
            queryid: queryid.into(),
            calls,
            cost_before: before,
            cost_after: after,
            indexes_used: used.into(),
            not_planned: None,
        }
    }

    #[test]
    fn an_index_unused_once_the_set_exists_is_dropped_and_costs_are_summed() {
        let snapshot = Snapshot {
            workload_set: vec![index(0, "a", "x"), index(1, "b", "y"), index(2, "c", "z")],
            workload_plans: vec![
                // The join uses a(x) only; b(y) served only the join.
                plan("1", 10, 1000.0, 20.0, "0"),
                plan("2", 5, 50.0, 60.0, "2"),
                WorkloadPlan {
                    queryid: "3".into(),
                    calls: 7,
                    not_planned: Some("permission denied".into()),
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        let mut recs = vec![
            rec(1, "b", "y", "1"),
            rec(2, "a", "x", "1"),
            rec(3, "c", "z", "2"),
        ];
        let mut dropped = Vec::new();
        let eval = apply(&snapshot, &mut recs, &mut dropped).expect("an evaluation");
        assert_eq!(eval.cost_before, 10.0 * 1000.0 + 5.0 * 50.0);
        assert_eq!(eval.cost_after, 10.0 * 20.0 + 5.0 * 60.0);
        assert_eq!(eval.dropped, vec!["ix_b_y".to_string()]);
        assert_eq!(
            recs.iter()
                .map(|r| (r.rank, r.name.as_str()))
                .collect::<Vec<_>>(),
            vec![(1, "ix_a_x"), (2, "ix_c_z")]
        );
        assert_eq!(dropped.len(), 1);
        assert!(
            dropped[0]
                .reason
                .starts_with("not used once #1 ix_a_x exists"),
            "{}",
            dropped[0].reason
        );
        assert_eq!(eval.worse.len(), 1);
        assert_eq!(eval.worse[0].queryid, "2");
        assert_eq!(eval.statements_not_planned, 1);
        assert!(
            eval.caveats[0].contains("could not be planned"),
            "{:?}",
            eval.caveats
        );
    }

    #[test]
    fn an_index_whose_statement_was_not_planned_is_kept() {
        let snapshot = Snapshot {
            workload_set: vec![index(0, "a", "x")],
            workload_plans: vec![WorkloadPlan {
                queryid: "1".into(),
                calls: 7,
                not_planned: Some("its role is unknown".into()),
                ..Default::default()
            }],
            ..Default::default()
        };
        let mut recs = vec![rec(1, "a", "x", "1")];
        let mut dropped = Vec::new();
        let eval = apply(&snapshot, &mut recs, &mut dropped).unwrap();
        assert_eq!(recs.len(), 1);
        assert!(dropped.is_empty());
        assert_eq!(eval.statements_planned, 0);
        assert!(apply(&Snapshot::default(), &mut recs, &mut dropped).is_none());
    }

    #[test]
    fn a_shaped_index_is_evaluated_as_recommended_and_matched_by_its_definition() {
        use crate::model::recommendation::{IndexShape, PartialCondition, PartialPredicate};
        let mut partial = rec(1, "queue", "owner", "1");
        partial.include_columns = vec!["payload".into()];
        partial.shape = IndexShape {
            predicate: Some(PartialPredicate::new(
                "finished_at",
                PartialCondition::IsNull,
            )),
            ..Default::default()
        };
        let definition = hypothetical_definition(&partial);
        assert_eq!(
            definition,
            "CREATE INDEX ON public.queue (owner) INCLUDE (payload) WHERE finished_at IS NULL"
        );
        let evaluated = WorkloadIndex {
            definition: definition.clone(),
            ..index(0, "queue", "owner")
        };
        // The same definition: matched, used, kept.
        let snapshot = Snapshot {
            workload_set: vec![evaluated.clone()],
            workload_plans: vec![plan("1", 10, 100.0, 5.0, "0")],
            ..Default::default()
        };
        let mut recs = vec![partial.clone()];
        let mut dropped = Vec::new();
        let eval = apply(&snapshot, &mut recs, &mut dropped).unwrap();
        assert!(eval.caveats.is_empty(), "{:?}", eval.caveats);
        assert_eq!(recs.len(), 1);
        // The same key without the shape is another index: not the one evaluated.
        let mut plain = vec![rec(1, "queue", "owner", "1")];
        let eval = apply(&snapshot, &mut plain, &mut dropped).unwrap();
        assert!(
            eval.caveats[0].contains("not among these recommendations"),
            "{:?}",
            eval.caveats
        );
    }
}
