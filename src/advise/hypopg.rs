//! Planner verification with HypoPG: each candidate is created as a hypothetical index
//! (session-local, nothing is written), the statements it serves are planned before and
//! after with a generic plan, and the costs are recorded. Only SELECT statements are
//! planned, and EXPLAIN never runs them.

use serde_json::Value;
use tokio_postgres::{Client, SimpleQueryMessage};

use crate::analyze::workload::candidates;
use crate::analyze::Thresholds;
use crate::model::snapshot::{Note, Snapshot, Verification};

/// Candidates verified at most, and statements planned per candidate.
const MAX_CANDIDATES: usize = 50;
const MAX_STATEMENTS: usize = 3;

pub async fn verify(
    client: &Client,
    snapshot: &Snapshot,
    t: &Thresholds,
    notes: &mut Vec<Note>,
) -> Vec<Verification> {
    let (candidates, _) = candidates(snapshot, t);
    let generic_plan = snapshot.manifest.server_version_num >= 160_000;
    let mut out = Vec::new();
    let mut failures = 0usize;
    let mut first_failure = None;
    for candidate in candidates.iter().take(MAX_CANDIDATES) {
        let ddl = crate::engine::postgres::hypothetical_create_index(
            &candidate.schema,
            &candidate.table,
            &candidate.key_columns,
        );
        for served in candidate.served.iter().take(MAX_STATEMENTS) {
            let Some(statement) = snapshot
                .statements
                .iter()
                .find(|s| s.queryid == served.queryid)
            else {
                continue;
            };
            let first = statement
                .query
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_uppercase();
            if !matches!(first.as_str(), "SELECT" | "WITH") {
                continue;
            }
            match verify_one(client, &statement.query, &ddl, generic_plan).await {
                Ok((before, after, used)) => out.push(Verification {
                    schema: candidate.schema.clone(),
                    table: candidate.table.clone(),
                    key_columns: candidate.key(),
                    queryid: statement.queryid.clone(),
                    cost_before: before,
                    cost_after: after,
                    index_used: used,
                }),
                Err(message) => {
                    failures += 1;
                    first_failure
                        .get_or_insert(format!("queryid {}: {message}", statement.queryid));
                }
            }
            let _ = client
                .simple_query(crate::collect::postgres_query("hypopg_reset"))
                .await;
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
    if !generic_plan {
        let _ = client.simple_query("RESET plan_cache_mode").await;
    }
    out
}

async fn verify_one(
    client: &Client,
    query: &str,
    ddl: &str,
    generic_plan: bool,
) -> Result<(f64, f64, bool), String> {
    client
        .simple_query(crate::collect::postgres_query("hypopg_reset"))
        .await
        .map_err(|e| crate::collect::connection::explain(&e))?;
    let (before, _) = plan(client, query, generic_plan).await?;
    let created = client
        .query_one(
            crate::collect::postgres_query("hypopg_create_index"),
            &[&ddl],
        )
        .await
        .map_err(|e| crate::collect::connection::explain(&e))?;
    let name: String = created.try_get(0).map_err(|e| e.to_string())?;
    let (after, plan_text) = plan(client, query, generic_plan).await?;
    Ok((before, after, plan_text.contains(&name)))
}

/// The generic plan's total cost and its JSON text.
async fn plan(client: &Client, query: &str, generic_plan: bool) -> Result<(f64, String), String> {
    let text = if generic_plan {
        explain_text(
            client,
            &format!("EXPLAIN (FORMAT JSON, GENERIC_PLAN) {query}"),
        )
        .await?
    } else {
        // Before PostgreSQL 16: a prepared statement planned generically.
        let params = max_parameter(query);
        let _ = client.simple_query("DEALLOCATE dbaudit_verify").await;
        client
            .simple_query(&format!("PREPARE dbaudit_verify AS {query}"))
            .await
            .map_err(|e| crate::collect::connection::explain(&e))?;
        client
            .simple_query("SET plan_cache_mode = force_generic_plan")
            .await
            .map_err(|e| crate::collect::connection::explain(&e))?;
        let args = if params == 0 {
            String::new()
        } else {
            format!("({})", vec!["NULL"; params].join(", "))
        };
        let result = explain_text(
            client,
            &format!("EXPLAIN (FORMAT JSON) EXECUTE dbaudit_verify{args}"),
        )
        .await;
        let _ = client.simple_query("DEALLOCATE dbaudit_verify").await;
        result?
    };
    let json: Value =
        serde_json::from_str(&text).map_err(|e| format!("unexpected EXPLAIN output: {e}"))?;
    let cost = json[0]["Plan"]["Total Cost"]
        .as_f64()
        .ok_or_else(|| "EXPLAIN output has no total cost".to_string())?;
    Ok((cost, text))
}

async fn explain_text(client: &Client, sql: &str) -> Result<String, String> {
    let messages = client
        .simple_query(sql)
        .await
        .map_err(|e| crate::collect::connection::explain(&e))?;
    let mut text = String::new();
    for message in messages {
        if let SimpleQueryMessage::Row(row) = message {
            text.push_str(row.get(0).unwrap_or(""));
        }
    }
    Ok(text)
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
