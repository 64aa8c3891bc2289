//! Planner verification with HypoPG: each candidate is created as a hypothetical index
//! (session-local, nothing is written), the statements it serves are planned before and
//! after with a generic plan, and the costs are recorded. SELECT, UPDATE and DELETE
//! statements are planned, and EXPLAIN without ANALYZE never runs them (no row is
//! written, no trigger fires; PostgreSQL allows it in a READ ONLY transaction for that
//! reason); but planning evaluates stable functions, so a
//! statement is planned only with the rights of the role that ran it: inside a READ ONLY
//! transaction after `SET LOCAL ROLE` to that role, rolled back after. When the auditor
//! cannot take that role, the statement is planned as the auditor only if it names
//! nothing but PostgreSQL's own code (`foreign_code::check`); otherwise it is not planned,
//! and its candidate says why. Every statement is sent through the collector's
//! `PlanSession` (which marks it `/* dbaudit */`); a prepared statement is deallocated only
//! when it was prepared.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::analyze::workload::candidates;
use crate::analyze::Thresholds;
use crate::collect::plan_session::{Param, PlanSession, SessionError};
use crate::collect::postgres_query;
use crate::model::snapshot::{Note, Snapshot, Verification};

/// Candidates verified at most, and statements planned per candidate.
const MAX_CANDIDATES: usize = 50;
const MAX_STATEMENTS: usize = 3;

/// With whose rights a statement is planned.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum PlanAs {
    /// The role that ran it (`SET LOCAL ROLE`).
    Role(String),
    /// The auditor: the statement names only PostgreSQL's own code.
    Auditor,
}

pub fn verify(
    session: &dyn PlanSession,
    snapshot: &Snapshot,
    t: &Thresholds,
    notes: &mut Vec<Note>,
    progress: &dyn crate::model::progress::Progress,
) -> Vec<Verification> {
    let (candidates, _) = candidates(snapshot, t);
    let version = snapshot.manifest.server_version_num;
    let generic_plan = version >= 160_000;
    let checked = candidates.len().min(MAX_CANDIDATES);
    progress.start("verifying index candidates (HypoPG)", Some(checked as u64));
    let mut out = Vec::new();
    let mut failures = 0usize;
    let mut first_failure = None;
    let mut can_set_role: BTreeMap<String, Result<bool, String>> = BTreeMap::new();
    for candidate in candidates.iter().take(MAX_CANDIDATES) {
        progress.advance(&format!("{}.{}", candidate.schema, candidate.table));
        // The key index with its shape, and (for a hot narrow select) the same with the
        // INCLUDE columns that could make it an Index Only Scan.
        let mut variants = vec![(
            candidate.key(),
            crate::engine::postgres::hypothetical_create_index(
                &candidate.schema,
                &candidate.table,
                &candidate.key_columns,
                &[],
                &candidate.shape,
            ),
        )];
        if !candidate.include_option.is_empty() {
            variants.push((
                candidate.include_key(),
                crate::engine::postgres::hypothetical_create_index(
                    &candidate.schema,
                    &candidate.table,
                    &candidate.key_columns,
                    &candidate.include_option,
                    &candidate.shape,
                ),
            ));
        }
        for served in candidate.served.iter().take(MAX_STATEMENTS) {
            let Some(statement) = snapshot
                .statements
                .iter()
                .find(|s| s.queryid == served.queryid)
            else {
                continue;
            };
            let record = |key: &str, cost: Result<Planned, String>| {
                let (planned, not_verified) = match cost {
                    Ok(planned) => (planned, None),
                    Err(reason) => (Planned::default(), Some(reason)),
                };
                // One index was created: its use is the first.
                let index = planned.uses.first().copied().unwrap_or_default();
                Verification {
                    schema: candidate.schema.clone(),
                    table: candidate.table.clone(),
                    key_columns: key.to_string(),
                    queryid: statement.queryid.clone(),
                    cost_before: planned.cost_before,
                    cost_after: planned.cost_after,
                    index_used: index.used,
                    index_only: index.index_only,
                    not_verified,
                }
            };
            let first = crate::analyze::workload::first_keyword(&statement.query);
            if !matches!(first.as_str(), "SELECT" | "WITH" | "UPDATE" | "DELETE") {
                let reason = format!(
                    "not planned: only SELECT, UPDATE and DELETE statements are planned (this one starts with {})",
                    crate::model::finding::one_line(&first, 20)
                );
                for (key, _) in &variants {
                    out.push(record(key, Err(reason.clone())));
                }
                continue;
            }
            let plan_as = match plan_as(
                session,
                statement.role.as_deref(),
                &statement.query,
                version,
                &mut can_set_role,
            ) {
                Ok(plan_as) => plan_as,
                Err(reason) => {
                    for (key, _) in &variants {
                        out.push(record(key, Err(reason.clone())));
                    }
                    continue;
                }
            };
            for (key, ddl) in &variants {
                let result = verify_one(
                    session,
                    &statement.query,
                    std::slice::from_ref(ddl),
                    generic_plan,
                    &plan_as,
                );
                if let Err(message) = &result {
                    failures += 1;
                    first_failure
                        .get_or_insert(format!("queryid {}: {message}", statement.queryid));
                }
                out.push(record(key, result));
            }
        }
    }
    if candidates.len() > MAX_CANDIDATES {
        notes.push(Note {
            check: "verification".into(),
            message: format!(
                "{} candidates beyond the first {MAX_CANDIDATES} (by total statement time) were not verified, to bound the audit's time",
                candidates.len() - MAX_CANDIDATES
            ),
        });
    }
    if failures > 0 {
        notes.push(Note {
            check: "verification".into(),
            message: format!(
                "{failures} statement(s) could not be planned for verification (their candidates stay unverified); first: {}",
                first_failure.unwrap_or_default()
            ),
        });
    }
    out
}

/// Decides with whose rights a statement may be planned, or why it may not be.
pub(super) fn plan_as(
    session: &dyn PlanSession,
    role: Option<&str>,
    query: &str,
    version: i64,
    cache: &mut BTreeMap<String, Result<bool, String>>,
) -> Result<PlanAs, String> {
    let why_not_role = match role {
        None => "its role is unknown (dropped, or an older snapshot)".to_string(),
        Some(role) => {
            let answer = match cache.get(role) {
                Some(answer) => answer.clone(),
                None => {
                    let answer = role_can_plan(session, role, version);
                    cache.insert(role.to_string(), answer.clone());
                    answer
                }
            };
            match answer {
                Ok(true) => return Ok(PlanAs::Role(role.to_string())),
                Ok(false) => format!("the auditor cannot SET ROLE to {role}"),
                Err(reason) => reason,
            }
        }
    };
    match crate::advise::foreign_code::check(session, query) {
        Ok(()) => Ok(PlanAs::Auditor),
        Err(reason) => Err(format!("not planned: {reason}, and {why_not_role}")),
    }
}

/// Whether the auditor may `SET ROLE` to `role`; `Err` when the role no longer exists or
/// the catalog could not say.
fn role_can_plan(session: &dyn PlanSession, role: &str, version: i64) -> Result<bool, String> {
    // Since PostgreSQL 16 a membership may lack the SET option.
    let privilege = if version >= 160_000 { "SET" } else { "MEMBER" };
    let rows = session
        .query(
            postgres_query("role_can_plan"),
            &[Param::Text(role), Param::Text(privilege)],
        )
        .map_err(|e| {
            format!(
                "whether the auditor may take the role {role} could not be read: {}",
                e.message
            )
        })?;
    match rows.first() {
        None => Err(format!("the role {role} that ran it no longer exists")),
        Some(row) => row
            .boolean("can_set_role")
            .map(|b| b.unwrap_or(false))
            .map_err(|e| format!("unexpected answer on role {role}: {e}")),
    }
}

/// What planning a statement without and with hypothetical indexes showed.
#[derive(Debug, Default, Clone)]
pub(super) struct Planned {
    pub(super) cost_before: f64,
    pub(super) cost_after: f64,
    /// Per hypothetical index, in the order given: how the plan with them all uses it.
    pub(super) uses: Vec<IndexUse>,
}

/// How the plan with the hypothetical indexes uses one of them.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub(super) struct IndexUse {
    /// The plan names the hypothetical index.
    pub(super) used: bool,
    /// ...in an Index Only Scan node.
    pub(super) index_only: bool,
}

/// Whether a plan (EXPLAIN's JSON) has an Index Only Scan on the index `name`.
fn index_only_scan(plan: &Value, name: &str) -> bool {
    fn walk(node: &Value, name: &str, depth: usize) -> bool {
        if depth > 256 {
            return false;
        }
        if node["Node Type"] == "Index Only Scan" && node["Index Name"] == name {
            return true;
        }
        node["Plans"]
            .as_array()
            .is_some_and(|plans| plans.iter().any(|p| walk(p, name, depth + 1)))
    }
    walk(&plan[0]["Plan"], name, 0)
}

/// Plans the statement without and with the hypothetical indexes (one candidate variant,
/// or the whole recommended set, each written by `engine::postgres::index_statement`
/// with its INCLUDE columns and shape), inside one READ ONLY transaction that is rolled
/// back; as the statement's role when `plan_as` says so (the hypothetical indexes are
/// created as the auditor: HypoPG's functions need not be granted to the application's
/// roles, and the indexes are visible to the whole backend). Returns the costs before and
/// after and, per index, whether the plan with them uses it and in an Index Only Scan.
pub(super) fn verify_one(
    session: &dyn PlanSession,
    query: &str,
    ddls: &[String],
    generic_plan: bool,
    plan_as: &PlanAs,
) -> Result<Planned, String> {
    let mut prepared = false;
    let result = plan_with_indexes(session, query, ddls, generic_plan, plan_as, &mut prepared);
    // The reset path: whatever failed above, the role, the settings and the transaction
    // end here; the prepared statement (not transactional) is dropped only if it exists.
    let _ = send(session, "ROLLBACK");
    if prepared {
        let _ = send(session, "DEALLOCATE dbaudit_verify");
    }
    let _ = send(session, postgres_query("hypopg_reset"));
    result
}

/// `verify_one` up to the first failure, inside the READ ONLY transaction it opens.
fn plan_with_indexes(
    session: &dyn PlanSession,
    query: &str,
    ddls: &[String],
    generic_plan: bool,
    plan_as: &PlanAs,
    prepared: &mut bool,
) -> Result<Planned, String> {
    send(session, "BEGIN READ ONLY")?;
    send(session, postgres_query("hypopg_reset"))?;
    let (before, _) = plan(session, query, generic_plan, plan_as, prepared)?;
    let mut names = Vec::new();
    for ddl in ddls {
        let rows = session
            .query(postgres_query("hypopg_create_index"), &[Param::Text(ddl)])
            .map_err(|e| cause(&e))?;
        // One row, as `query_one` wants it.
        let [created] = rows.as_slice() else {
            return Err("query returned an unexpected number of rows".to_string());
        };
        let name = created
            .text("indexname")?
            .ok_or_else(|| "hypopg_create_index returned no index name".to_string())?;
        names.push(name);
    }
    let (after, plan_text) = plan(session, query, generic_plan, plan_as, prepared)?;
    let json = serde_json::from_str::<Value>(&plan_text).ok();
    let uses = names
        .iter()
        .map(|name| IndexUse {
            used: plan_text.contains(name.as_str()),
            index_only: json
                .as_ref()
                .is_some_and(|json| index_only_scan(json, name)),
        })
        .collect();
    Ok(Planned {
        cost_before: before,
        cost_after: after,
        uses,
    })
}

/// The generic plan's total cost and its JSON text, planned with `plan_as`'s rights.
fn plan(
    session: &dyn PlanSession,
    query: &str,
    generic_plan: bool,
    plan_as: &PlanAs,
    prepared: &mut bool,
) -> Result<(f64, String), String> {
    if let PlanAs::Role(role) = plan_as {
        send(session, &crate::engine::postgres::set_local_role(role))?;
    }
    let text = if generic_plan {
        explain_text(
            session,
            &format!("EXPLAIN (FORMAT JSON, GENERIC_PLAN) {query}"),
        )
    } else {
        prepared_plan(session, query, prepared)
    };
    if matches!(plan_as, PlanAs::Role(_)) {
        // Back to the auditor before anything else runs (an error above aborted the
        // transaction instead, and the ROLLBACK resets the role).
        if text.is_ok() {
            send(session, "RESET ROLE")?;
        }
    }
    let text = text?;
    let json: Value =
        serde_json::from_str(&text).map_err(|e| format!("unexpected EXPLAIN output: {e}"))?;
    let cost = json[0]["Plan"]["Total Cost"]
        .as_f64()
        .ok_or_else(|| "EXPLAIN output has no total cost".to_string())?;
    Ok((cost, text))
}

/// Before PostgreSQL 16: a prepared statement planned generically. Prepared anew for each
/// plan: a cached generic plan would not see the hypothetical index created between the
/// two.
fn prepared_plan(
    session: &dyn PlanSession,
    query: &str,
    prepared: &mut bool,
) -> Result<String, String> {
    send(session, &format!("PREPARE dbaudit_verify AS {query}"))?;
    *prepared = true;
    send(session, "SET LOCAL plan_cache_mode = force_generic_plan")?;
    let params = max_parameter(query);
    let args = if params == 0 {
        String::new()
    } else {
        format!("({})", vec!["NULL"; params].join(", "))
    };
    let text = explain_text(
        session,
        &format!("EXPLAIN (FORMAT JSON) EXECUTE dbaudit_verify{args}"),
    )?;
    send(session, "DEALLOCATE dbaudit_verify")?;
    *prepared = false;
    Ok(text)
}

/// Sends one statement, its error as its cause.
fn send(session: &dyn PlanSession, sql: &str) -> Result<(), String> {
    session.execute(sql).map_err(|e| cause(&e))
}

fn explain_text(session: &dyn PlanSession, sql: &str) -> Result<String, String> {
    session.explain(sql).map_err(|e| cause(&e))
}

/// A planning error as the real cause, with what fixes it.
fn cause(error: &SessionError) -> String {
    let text = error.message.clone();
    match error.code.as_deref() {
        Some("42601") => format!(
            "the statement does not parse after normalisation (pg_stat_statements replaced its constants with $n): {text}"
        ),
        Some("42501") => format!(
            "permission denied: {text}; GRANT SELECT on the statement's tables to the audit role (or GRANT the statement's role to it) to verify"
        ),
        Some("57014") => format!(
            "timeout: planning took longer than statement_timeout ({text}); raise it with --query-timeout"
        ),
        Some("55P03") => format!("a lock could not be taken within lock_timeout: {text}"),
        Some("42883") | Some("58P01") => format!(
            "an extension's function is missing (is hypopg installed in this database and on the search_path?): {text}"
        ),
        _ => text,
    }
}

/// The highest `$n` in a statement.
fn max_parameter(query: &str) -> usize {
    let bytes = query.as_bytes();
    let mut max = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' {
            let digits: String = query[i + 1..]
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect();
            if let Ok(n) = digits.parse::<usize>() {
                max = max.max(n);
            }
            i += 1 + digits.len();
        } else {
            i += 1;
        }
    }
    max
}
