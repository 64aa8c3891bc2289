//! The audit pipeline after collection: analyse the snapshot, join the scanned source,
//! advise, score; a pure function of its inputs, so a live audit and the audit of a
//! saved snapshot give the same report.

use std::collections::BTreeMap;

use crate::advise::{candidate, plan};
use crate::config::Config;
use crate::model::audit::{
    AuditContext, AuditReport, AuditSummary, Methodology, NotChecked, AUDIT_SCHEMA_VERSION,
};
use crate::model::recommendation::{
    BenefitBasis, DroppedCandidate, IndexRecommendation, Served, StatementDecision,
};
use crate::model::report::ToolInfo;
use crate::model::snapshot::Snapshot;
use crate::model::{Category, ConfidenceLevel, Finding, ScanReport};
use crate::score::{self, Assessed, Gaps};
use crate::sql::declared_index::no_index_reason_table;

/// What one audit reads.
pub struct AuditInput<'a> {
    pub snapshot: Option<&'a Snapshot>,
    /// Where the snapshot came from, for the report (a URL without password, or a
    /// directory).
    pub data_source: Option<String>,
    /// The static scan, not yet filtered by confidence: the workload's evidence may raise
    /// a finding first (`tie_expression_indexes`).
    pub scan: Option<&'a ScanReport>,
    /// The scan's findings below it are left out (and counted) after that; the live
    /// findings are not filtered.
    pub min_confidence: ConfidenceLevel,
    pub source_paths: Vec<String>,
    pub config: &'a Config,
}

pub fn build(input: AuditInput<'_>) -> AuditReport {
    let config = input.config;
    let mut findings: Vec<Finding> = Vec::new();
    // The scan's findings, kept apart until the workload's evidence is tied to them and
    // the confidence filter has run.
    let mut static_findings: Vec<Finding> = Vec::new();
    let mut left_out_slot = None;
    let mut not_checked: Vec<NotChecked> = Vec::new();
    let mut candidates = Vec::new();
    let mut dropped = Vec::new();
    let mut decisions = Vec::new();
    if let Some(snapshot) = input.snapshot {
        let analysis = crate::analyze::analyze(snapshot, config);
        findings.extend(analysis.findings);
        decisions = analysis.decisions;
        let unconsidered = snapshot.statements.len().saturating_sub(decisions.len());
        if !snapshot.is_mssql() && unconsidered > 0 {
            not_checked.push(NotChecked {
                area: "index advice from the workload".to_string(),
                reason: format!(
                    "{unconsidered} statement(s) of pg_stat_statements were not considered: the advisor reads the top {} by total time with at least {} calls (thresholds.missing_index_max_statements, thresholds.missing_index_min_calls)",
                    config.thresholds.missing_index_max_statements,
                    config.thresholds.missing_index_min_calls
                ),
            });
        }
        let (workload, rejected) =
            candidate::from_workload(snapshot, &analysis.candidates, &config.advisor);
        candidates.extend(workload);
        dropped.extend(rejected);
        if snapshot.is_mssql() {
            let requests =
                crate::analyze::mssql_missing::missing_index_requests(snapshot, &config.thresholds);
            candidates.extend(candidate::from_missing_index(&requests));
        }
        for note in &snapshot.manifest.notes {
            not_checked.push(NotChecked {
                area: note.check.clone(),
                reason: note.message.clone(),
            });
        }
        match input.scan {
            Some(scan) => {
                let (from_source, summary) = candidate::from_objects(
                    snapshot,
                    &scan.objects,
                    &config.thresholds,
                    &config.advisor,
                );
                candidates.extend(from_source);
                if summary.objects_other_dialect > 0 {
                    not_checked.push(NotChecked {
                        area: "index advice from source".to_string(),
                        reason: format!(
                            "{} procedure(s) or function(s) of the source are written for the other engine than the snapshot's ({}); they were linted but not joined with its indexes",
                            summary.objects_other_dialect, snapshot.manifest.engine
                        ),
                    });
                }
                if !summary.unknown_tables.is_empty() {
                    let shown: Vec<&str> = summary
                        .unknown_tables
                        .iter()
                        .take(10)
                        .map(String::as_str)
                        .collect();
                    not_checked.push(NotChecked {
                        area: "index advice from source".to_string(),
                        reason: format!(
                            "{} table(s) used in procedure predicates are not in the snapshot (views, other databases or dropped tables?): {}{}",
                            summary.unknown_tables.len(),
                            shown.join(", "),
                            if summary.unknown_tables.len() > shown.len() { ", …" } else { "" }
                        ),
                    });
                }
            }
            None => not_checked.push(NotChecked {
                area: "source".to_string(),
                reason: "no source scanned (--source PATH): procedures and application code were not linted, and index advice comes from the workload alone".to_string(),
            }),
        }
    } else {
        not_checked.push(NotChecked {
            area: "database".to_string(),
            reason: "no database snapshot (--db URL or --snapshot DIR): index health, the workload and index recommendations were not assessed".to_string(),
        });
    }
    if let Some(scan) = input.scan {
        static_findings.extend(scan.findings.iter().cloned());
        let s = &scan.summary;
        if s.files_skipped > 0 {
            let shown: Vec<String> = s
                .skipped
                .iter()
                .take(10)
                .map(|f| format!("{} ({})", f.file, f.reason))
                .collect();
            not_checked.push(NotChecked {
                area: "source files".to_string(),
                reason: format!(
                    "{} file(s) skipped: {}{}",
                    s.files_skipped,
                    shown.join("; "),
                    if s.files_skipped > shown.len() {
                        "; …"
                    } else {
                        ""
                    }
                ),
            });
        }
        if s.regions_not_understood > 0 {
            not_checked.push(NotChecked {
                area: "source regions".to_string(),
                reason: format!(
                    "{} region(s), {} line(s) ({:.2}% of lines), were not understood by the parsers and not analysed (listed as diagnostics in `dbaudit scan`)",
                    s.regions_not_understood,
                    s.lines_not_understood,
                    s.not_understood_share * 100.0
                ),
            });
        }
        if s.app_test_files > 0 {
            not_checked.push(NotChecked {
                area: "application test code".to_string(),
                reason: format!(
                    "{} test file(s) (tests/, test_*.py, *.spec.ts, *Tests.cs...) were checked by the security rules only: test code does not run in production (`--test-code all` or scan.test_code = \"all\" runs every rule)",
                    s.app_test_files
                ),
            });
        }
        // Said here once the count is known (after the ties), in this place of the list.
        left_out_slot = Some(not_checked.len());
        if s.files_ignored > 0 {
            not_checked.push(NotChecked {
                area: "source files".to_string(),
                reason: format!(
                    "{} matching file(s) left out by .gitignore / .ignore rules",
                    s.files_ignored
                ),
            });
        }
    }
    let advice = match input.snapshot {
        Some(snapshot) => plan::plan(snapshot, candidates, dropped, &config.advisor),
        None => plan::Advice::default(),
    };
    if let Some(snapshot) = input.snapshot {
        warn_before_dropping(&mut findings, &advice.dropped, snapshot);
    }
    let mut recommendations = advice.recommendations;
    let mut advice_dropped = advice.dropped;
    let workload_evaluation = input.snapshot.and_then(|snapshot| {
        crate::advise::workload_set::apply(snapshot, &mut recommendations, &mut advice_dropped)
    });
    if let Some(snapshot) = input.snapshot {
        let from_workload = recommendations.iter().any(|r| {
            r.served
                .iter()
                .any(|s| matches!(s, Served::Statement { .. }))
        });
        if workload_evaluation.is_none() && !snapshot.is_mssql() && from_workload {
            not_checked.push(NotChecked {
                area: "workload-wide evaluation".to_string(),
                reason: "the recommended set was not planned as a whole (HypoPG not installed in the audited database, collected with --no-verify, or a snapshot written before dbaudit did it): an index may be redundant once the others exist".to_string(),
            });
        }
    }
    let advice = plan::Advice {
        recommendations: Vec::new(),
        dropped: advice_dropped,
    };
    for rec in &mut recommendations {
        rec.resolves = resolved_findings(
            &findings,
            &rec.schema,
            &rec.table,
            &rec.shape.key_parts(&rec.key_columns),
        );
    }
    tie_expression_indexes(&mut static_findings, &mut recommendations);
    let below_min_confidence = input.scan.map_or(0, |s| s.summary.below_min_confidence)
        + leave_out_below(
            &mut static_findings,
            &mut recommendations,
            input.min_confidence,
        );
    findings.extend(static_findings);
    if let Some(slot) = left_out_slot.filter(|_| below_min_confidence > 0) {
        // Scored only when shown: said here, so that the grade is read knowing it.
        not_checked.insert(
            slot,
            NotChecked {
                area: "lower-confidence findings".to_string(),
                reason: format!(
                    "{below_min_confidence} static finding(s) with a confidence below {} (they rest on a guess, such as a call resolved by name only) are not listed and not scored (`--min-confidence low` or scan.min_confidence = \"low\" lists and scores them)",
                    input.min_confidence
                ),
            },
        );
    }
    point_fixes_at_recommendations(&mut findings, &recommendations);
    let statement_decisions = decide(decisions, &recommendations, &advice.dropped);
    sort_findings(&mut findings);
    let assessed = assessed(input.snapshot, input.scan);
    let mut gaps = gaps(input.snapshot, input.scan, &assessed);
    if let Some(snapshot) = input.snapshot {
        // The live rules that did not run, or not on all their data: not checked, and a
        // gap in their category.
        let mut not_run = crate::analyze::rules::unchecked(snapshot);
        if let Some(reason) =
            crate::analyze::rules::unused_index::window_too_short(snapshot, &config.thresholds)
        {
            not_run.insert(
                0,
                (
                    &crate::analyze::rules::unused_index::UNUSED_INDEX,
                    format!("not run: {reason}"),
                ),
            );
        }
        for (rule, reason) in not_run
            .into_iter()
            .filter(|(rule, _)| config.is_enabled(rule.name))
        {
            if matches!(assessed.get(&rule.category), Some(Ok(_))) {
                gaps.entry(rule.category)
                    .or_default()
                    .push(format!("{}: {reason}", rule.name));
            }
            not_checked.push(NotChecked {
                area: rule.name.to_string(),
                reason,
            });
        }
    }
    for category in Category::ALL {
        if let Some(Err(reason)) = assessed.get(category) {
            not_checked.push(NotChecked {
                area: category.title().to_string(),
                reason: format!("not assessed: {reason}"),
            });
        }
    }
    let score = score::score(&findings, &assessed, &gaps, &config.score);
    let summary = summary(
        &findings,
        &recommendations,
        advice.dropped.len(),
        input.snapshot,
        input
            .scan
            .map(|scan| (scan, input.min_confidence, below_min_confidence)),
    );
    AuditReport {
        schema_version: AUDIT_SCHEMA_VERSION,
        kind: "audit".to_string(),
        tool: ToolInfo::current(),
        context: context(input.snapshot, input.data_source, input.source_paths),
        score,
        summary,
        findings,
        recommendations,
        dropped_candidates: advice.dropped,
        statement_decisions,
        workload_evaluation,
        not_checked,
        methodology: Methodology {
            scoring: score::FORMULA.to_string(),
            ranking: plan::RANKING_FORMULA.to_string(),
            thresholds: config.thresholds.clone(),
            advisor: config.advisor.clone(),
        },
    }
}

/// An index the statistics call unused, that a procedure of the source filters by: the
/// counters may predate the job that runs it (a monthly report, a restart since), so the
/// finding says so before anyone drops the index.
fn warn_before_dropping(
    findings: &mut [Finding],
    dropped: &[crate::model::recommendation::DroppedCandidate],
    snapshot: &Snapshot,
) {
    use crate::model::recommendation::Served;
    for candidate in dropped {
        let Some(index) = &candidate.covered_by else {
            continue;
        };
        let users: Vec<String> = candidate
            .served
            .iter()
            .filter_map(|s| match s {
                Served::Procedure {
                    object, file, line, ..
                } => Some(format!("{object} ({file}:{line})")),
                _ => None,
            })
            .collect();
        if users.is_empty() {
            continue;
        }
        let object = format!("{}.{index}", candidate.schema);
        for finding in findings.iter_mut().filter(|f| {
            matches!(
                f.rule.as_str(),
                "unused-index" | "duplicate-index" | "overlapping-index"
            ) && f.location.object.as_deref() == Some(object.as_str())
        }) {
            let note = format!(
                " — but {} in the scanned source filter(s) by its leading columns{}: if that code runs rarely (a monthly job, say) the index may still be needed; confirm before dropping it",
                users.join(", "),
                snapshot
                    .manifest
                    .stats_reset
                    .as_deref()
                    .map(|r| format!(" (statistics since {r})"))
                    .unwrap_or_default()
            );
            if !finding.message.contains(" in the scanned source filter(s)") {
                finding.message.push_str(&note);
            }
        }
    }
}

/// Each statement's decision completed with what the advisor did with the candidates it
/// produced: the recommendation(s) serving it, and every candidate for it that was not
/// recommended, with the reason.
fn decide(
    mut decisions: Vec<StatementDecision>,
    recommendations: &[IndexRecommendation],
    dropped: &[DroppedCandidate],
) -> Vec<StatementDecision> {
    let serves = |served: &[Served], queryid: &str| {
        served
            .iter()
            .any(|s| matches!(s, Served::Statement { queryid: q, .. } if q == queryid))
    };
    for decision in &mut decisions {
        for r in recommendations
            .iter()
            .filter(|r| serves(&r.served, &decision.queryid))
        {
            decision.advice.push(format!(
                "recommended #{} {} on {}",
                r.rank,
                r.name,
                r.identity()
            ));
        }
        for d in dropped
            .iter()
            .filter(|d| serves(&d.served, &decision.queryid))
        {
            decision.advice.push(format!(
                "not recommended: {}.{} ({}){}: {}",
                d.schema,
                d.table,
                d.shape.key_text(&d.key_columns),
                d.shape.predicate_text(),
                d.reason
            ));
        }
    }
    decisions
}

/// An expression index recommended for the workload's `f(column) = …` answers the
/// static `non-sargable-predicate` findings of the scanned source that wrap the same
/// column in the same function on the same table: each is resolved by it, and its
/// evidence says how often the workload runs the predicate. The finding is medium when
/// no index on the column exists ("no index on t(col) is declared", which also names its
/// table); the workload running the predicate, with an index HypoPG planned for it, is
/// the evidence that was missing, so such a finding is raised to high with that reason.
/// Not raised: a finding tied to an unverified recommendation (no plan), one whose table
/// is not known (tied on function and column alone, as the evidence's table name shows
/// the reader), and one lowered for another reason too (the key found another way, a
/// one-off script: the workload does not answer those).
fn tie_expression_indexes(findings: &mut [Finding], recommendations: &mut [IndexRecommendation]) {
    for rec in recommendations.iter_mut() {
        let calls: i64 = rec
            .served
            .iter()
            .map(|s| match s {
                Served::Statement { calls, .. } => *calls,
                _ => 0,
            })
            .sum();
        let verified = matches!(rec.basis, BenefitBasis::Verified { .. });
        for function in &rec.shape.functions {
            let head = format!("`{}(", function.function);
            let wraps = format!("wraps column `{}`", function.column);
            for finding in findings.iter_mut().filter(|f| {
                f.rule == "non-sargable-predicate"
                    && f.message.to_ascii_lowercase().starts_with(&head)
                    && f.message.contains(&wraps)
            }) {
                let table = finding
                    .confidence
                    .reasons
                    .iter()
                    .find_map(|r| no_index_reason_table(r));
                if table.is_some_and(|t| !names_table(t, &rec.schema, &rec.table)) {
                    continue;
                }
                let raise = verified && table.is_some();
                finding.evidence.related.push(crate::model::RelatedLocation {
                    file: None,
                    line: 0,
                    column: 0,
                    text: format!(
                        "the workload runs this predicate {calls} times on {}.{}: index recommendation #{} ({}) serves it{}",
                        rec.schema,
                        rec.table,
                        rec.rank,
                        rec.name,
                        if verified {
                            ""
                        } else {
                            " (not planned with HypoPG, so the finding keeps its confidence)"
                        }
                    ),
                });
                if raise {
                    raise_with_workload_evidence(
                        finding,
                        format!(
                            "{WORKLOAD_EVIDENCE}{calls} times on {}.{}, and the planner (HypoPG) uses index recommendation #{} ({}) for it",
                            rec.schema, rec.table, rec.rank, rec.name
                        ),
                    );
                }
                if !rec.resolves.contains(&finding.fingerprint) {
                    rec.resolves.push(finding.fingerprint.clone());
                }
            }
        }
    }
}

/// The head of the confidence reason `tie_expression_indexes` gives a raised finding.
const WORKLOAD_EVIDENCE: &str = "the audited workload runs this predicate ";

/// High, with `reason` in place of the missing index's, when that was the only reason the
/// finding was lowered (besides the workload evidence of another recommendation).
fn raise_with_workload_evidence(finding: &mut Finding, reason: String) {
    let confidence = &mut finding.confidence;
    let answered =
        |r: &String| no_index_reason_table(r).is_some() || r.starts_with(WORKLOAD_EVIDENCE);
    if !confidence.reasons.iter().all(answered) {
        return;
    }
    confidence
        .reasons
        .retain(|r| r.starts_with(WORKLOAD_EVIDENCE));
    if !confidence.reasons.contains(&reason) {
        confidence.reasons.push(reason);
    }
    confidence.level = ConfidenceLevel::High;
}

/// Whether `shown` (a table as a statement names it: `t`, `s.t`, `db.s.t`) is `schema.table`:
/// the table's name, and the schema when the statement gives one (an unqualified name is
/// resolved by the search path, which the source does not tell). Case-insensitive, as the
/// declared-index catalogue matches names.
fn names_table(shown: &str, schema: &str, table: &str) -> bool {
    let parts: Vec<&str> = shown.split('.').collect();
    match parts.as_slice() {
        [name] => name.eq_ignore_ascii_case(table),
        [.., in_schema, name] => {
            in_schema.eq_ignore_ascii_case(schema) && name.eq_ignore_ascii_case(table)
        }
        [] => false,
    }
}

/// Takes out the static findings below `min`, and their fingerprints from the
/// recommendations' `resolves` (a tie never points at a finding the report does not
/// list); returns how many.
fn leave_out_below(
    findings: &mut Vec<Finding>,
    recommendations: &mut [IndexRecommendation],
    min: ConfidenceLevel,
) -> usize {
    let (kept, left_out): (Vec<Finding>, Vec<Finding>) = std::mem::take(findings)
        .into_iter()
        .partition(|f| f.confidence.level >= min);
    *findings = kept;
    let gone: std::collections::HashSet<&str> =
        left_out.iter().map(|f| f.fingerprint.as_str()).collect();
    for rec in recommendations {
        rec.resolves
            .retain(|fingerprint| !gone.contains(fingerprint.as_str()));
    }
    left_out.len()
}

/// An unindexed foreign key that a recommended index covers gets that recommendation as
/// its fix, instead of its own CREATE INDEX: two copies of one index would be proposed
/// otherwise.
fn point_fixes_at_recommendations(
    findings: &mut [Finding],
    recommendations: &[crate::model::recommendation::IndexRecommendation],
) {
    for rec in recommendations {
        for finding in findings
            .iter_mut()
            .filter(|f| f.rule == "unindexed-foreign-key" && rec.resolves.contains(&f.fingerprint))
        {
            finding.recommendation = format!(
                "Covered by index recommendation #{} ({} on {}.{} ({})), whose key leads with these columns: create that one (indexes.sql), not a second index for this key",
                rec.rank,
                rec.name,
                rec.schema,
                rec.table,
                rec.key_columns.join(", ")
            );
        }
    }
}

/// Most severe first; then category, rule, place.
pub fn sort_findings(findings: &mut [Finding]) {
    let category_order = |c: Category| {
        Category::ALL
            .iter()
            .position(|x| *x == c)
            .unwrap_or(usize::MAX)
    };
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(category_order(a.category).cmp(&category_order(b.category)))
            .then(a.rule.cmp(&b.rule))
            .then(a.location.file.cmp(&b.location.file))
            .then(a.location.object.cmp(&b.location.object))
            .then(a.location.line.cmp(&b.location.line))
            .then(a.fingerprint.cmp(&b.fingerprint))
    });
}

/// Which categories had input to judge.
fn assessed(snapshot: Option<&Snapshot>, scan: Option<&ScanReport>) -> Assessed {
    let mut out = Assessed::new();
    let sql_files = scan.map_or(0, |s| {
        s.summary.files_scanned - s.summary.app_files_scanned.min(s.summary.files_scanned)
    });
    let app_files = scan.map_or(0, |s| s.summary.app_files_scanned);
    let indexing = match snapshot {
        Some(s) if !s.tables.is_empty() => Ok(format!(
            "{} tables and {} indexes of the snapshot{}",
            s.tables.len(),
            s.indexes.len(),
            if sql_files > 0 {
                format!(", {sql_files} SQL file(s)")
            } else {
                String::new()
            }
        )),
        Some(_) => Err(
            "the snapshot has no tables (was the table query denied? see the notes)".to_string(),
        ),
        None if sql_files > 0 => Ok(format!(
            "static index rules on {sql_files} SQL file(s); no database snapshot"
        )),
        None => Err("no database snapshot and no SQL source".to_string()),
    };
    out.insert(Category::Indexing, indexing);
    let files = sql_files + app_files;
    out.insert(
        Category::QueryPatterns,
        if files > 0 {
            Ok(format!("{files} source file(s) scanned"))
        } else {
            Err("no source scanned (--source)".to_string())
        },
    );
    let runtime = match snapshot {
        Some(s) if !s.statements.is_empty() || !s.functions.is_empty() || !s.database.is_empty() => Ok(format!(
            "{} statements and {} functions/procedures with runtime statistics",
            s.statements.len(),
            s.functions.len()
        )),
        Some(_) => Err("the snapshot has no workload statistics (pg_stat_statements / procedure stats missing or denied; see the notes)".to_string()),
        None => Err("no database snapshot".to_string()),
    };
    out.insert(Category::RuntimeHotspots, runtime);
    let app = if app_files > 0 {
        Ok(format!("{app_files} application source file(s)"))
    } else {
        Err("no application source scanned (C#, JS/TS, Python, Java under --source)".to_string())
    };
    // Connections are judged from the application's code and from the server's sessions.
    let connections = match (snapshot.filter(|s| !s.sessions.is_empty()), &app) {
        (Some(s), Ok(from_app)) => Ok(format!(
            "{from_app}; {} session(s) of the server",
            s.sessions.iter().map(|g| g.sessions).sum::<i64>()
        )),
        (Some(s), Err(_)) => Ok(format!(
            "{} session(s) of the server (no application source scanned)",
            s.sessions.iter().map(|g| g.sessions).sum::<i64>()
        )),
        (None, _) => app.clone(),
    };
    out.insert(Category::ConnectionManagement, connections);
    out.insert(Category::Security, app);
    out
}

/// The category a collector check (a query, or a snapshot file of the same name) feeds,
/// when its failure means findings of that category may be missing. Notes of the other
/// checks (server age, settings, column statistics for ordering, verification) change
/// the advice, not which findings can be seen.
fn category_fed_by(check: &str) -> Option<Category> {
    match check {
        // PostgreSQL and SQL Server catalog checks (and the tables left out under a lock).
        "tables" | "indexes" | "index_columns" | "foreign_keys" | "index_operational"
        | "missing_indexes" | "statistics" | "index_usage" => Some(Category::Indexing),
        // Workload statistics.
        "statements"
        | "statement_columns"
        | "functions"
        | "database"
        | "query_stats"
        | "procedure_stats"
        | "missing_index_queries" => Some(Category::RuntimeHotspots),
        // Sessions (connection-saturation, idle-in-transaction).
        "sessions" => Some(Category::ConnectionManagement),
        _ => None,
    }
}

/// What each assessed category did not see: the snapshot's notes of the checks that feed
/// it, and source files the scan skipped. A category with gaps is partially assessed.
fn gaps(snapshot: Option<&Snapshot>, scan: Option<&ScanReport>, assessed: &Assessed) -> Gaps {
    let mut out = Gaps::new();
    let mut add = |category: Category, gap: String| {
        if matches!(assessed.get(&category), Some(Ok(_))) {
            out.entry(category).or_default().push(gap);
        }
    };
    if let Some(snapshot) = snapshot {
        for note in &snapshot.manifest.notes {
            if let Some(category) = category_fed_by(&note.check) {
                add(category, format!("{}: {}", note.check, note.message));
            }
        }
    }
    let app_files = scan.map_or(0, |s| s.summary.app_files_scanned);
    if app_files == 0 && snapshot.is_some_and(|s| !s.sessions.is_empty()) {
        add(
            Category::ConnectionManagement,
            "no application source scanned (--source): connection handling in the code (leaks, pools per call) was not checked, only the server's sessions".to_string(),
        );
    }
    if let Some(scan) = scan {
        if scan.summary.files_skipped > 0 {
            let gap = format!(
                "{} source file(s) skipped (see what was not checked)",
                scan.summary.files_skipped
            );
            for category in [
                Category::QueryPatterns,
                Category::ConnectionManagement,
                Category::Security,
            ] {
                add(category, gap.clone());
            }
        }
    }
    out
}

/// Live findings on the table that the recommendation answers: missing-index findings
/// and unindexed foreign keys whose columns lead its key.
fn resolved_findings(
    findings: &[Finding],
    schema: &str,
    table: &str,
    key: &[String],
) -> Vec<String> {
    let object = format!("{schema}.{table}");
    findings
        .iter()
        .filter(|f| f.location.object.as_deref() == Some(object.as_str()))
        .filter(|f| matches!(f.rule.as_str(), "missing-index" | "unindexed-foreign-key"))
        .filter(|f| {
            leads_with_columns(&f.message).is_some_and(|cols| {
                !cols.is_empty()
                    && cols.len() <= key.len()
                    && cols.iter().zip(key).all(|(a, b)| a.eq_ignore_ascii_case(b))
            })
        })
        .map(|f| f.fingerprint.clone())
        .collect()
}

/// The columns of "no index leads with (a, b)" in a finding's message.
fn leads_with_columns(message: &str) -> Option<Vec<String>> {
    let start = message.find("no index leads with (")? + "no index leads with (".len();
    let end = message[start..].find(')')? + start;
    Some(
        message[start..end]
            .split(',')
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .collect(),
    )
}

fn summary(
    findings: &[Finding],
    recommendations: &[crate::model::recommendation::IndexRecommendation],
    dropped: usize,
    snapshot: Option<&Snapshot>,
    scan: Option<(&ScanReport, ConfidenceLevel, usize)>,
) -> AuditSummary {
    let mut by_category: BTreeMap<String, usize> = Category::ALL
        .iter()
        .map(|c| (c.as_str().to_string(), 0))
        .collect();
    for f in findings {
        *by_category
            .entry(f.category.as_str().to_string())
            .or_default() += 1;
    }
    AuditSummary {
        findings: findings.len(),
        by_severity: crate::model::report::count_by_severity(findings),
        by_category,
        recommendations: recommendations.len(),
        dropped_candidates: dropped,
        tables: snapshot.map_or(0, |s| s.tables.len()),
        indexes: snapshot.map_or(0, |s| s.indexes.len()),
        statements: snapshot.map_or(0, |s| s.statements.len()),
        files_scanned: scan.map_or(0, |(s, ..)| s.summary.files_scanned),
        objects: scan.map_or(0, |(s, ..)| s.objects.len()),
        min_confidence: scan.map_or_else(Default::default, |(_, min, _)| min),
        below_min_confidence: scan.map_or(0, |(.., left_out)| left_out),
    }
}

fn context(
    snapshot: Option<&Snapshot>,
    data_source: Option<String>,
    source_paths: Vec<String>,
) -> AuditContext {
    let Some(s) = snapshot else {
        return AuditContext {
            engine: None,
            server_version: None,
            database: None,
            data_source,
            collected_at: None,
            stats_reset: None,
            stats_age_seconds: None,
            stats_caveat: None,
            source_paths,
        };
    };
    let m = &s.manifest;
    AuditContext {
        engine: Some(m.engine.clone()),
        server_version: Some(m.server_version.clone()),
        database: Some(m.database.clone()),
        data_source: data_source.or_else(|| Some(m.source.clone())),
        collected_at: Some(m.collected_at.clone()),
        stats_reset: m.stats_reset.clone(),
        stats_age_seconds: m.stats_age_seconds,
        stats_caveat: Some(stats_caveat(m.stats_age_seconds, &m.engine)),
        source_paths,
    }
}

/// What the statistics' age means for usage-based findings.
pub fn stats_caveat(age_seconds: Option<f64>, engine: &str) -> String {
    let reset = if engine == "mssql" {
        "SQL Server clears the usage and missing-index DMVs at every restart, and a table's missing-index rows whenever an index is created on it"
    } else {
        "PostgreSQL's counters start again at pg_stat_reset() or a crash, and pg_stat_statements keeps only its top entries"
    };
    match age_seconds {
        Some(age) if age < 86_400.0 => format!(
            "The statistics cover only {:.1} hours: unused-index, scan and slow-query findings may be premature; audit again after a full business cycle (a week or a month). {reset}.",
            age / 3600.0
        ),
        Some(age) => format!(
            "The statistics cover {:.1} days: an index used only by a monthly job may still look unused. {reset}.",
            age / 86_400.0
        ),
        None => format!("The statistics' age is unknown, so usage counts cannot be read as rates. {reset}."),
    }
}
