//! SQL Server's missing-index requests (the three missing-index DMVs), ranked the way
//! sp_BlitzIndex ranks them: `(user_seeks + user_scans) × avg_total_user_cost ×
//! avg_user_impact` per day of observation, the observation being the shorter of the
//! server's uptime (the DMVs are cleared at restart) and the table's age. The index
//! advisor merges these requests; the `missing-index` rule reports them.

use serde::Serialize;

use super::Thresholds;
use crate::model::snapshot::{MissingIndex, Snapshot};

/// One missing-index request, ready for the advisor: key columns ordered, brackets
/// stripped, benefit per day computed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MissingIndexRequest {
    pub schema: String,
    pub table: String,
    /// Equality columns (most selective first where column statistics say so, else in
    /// the DMV's order), then inequality columns.
    pub key_columns: Vec<String>,
    pub equality_columns: Vec<String>,
    pub inequality_columns: Vec<String>,
    /// INCLUDE columns (none repeated from the key).
    pub include_columns: Vec<String>,
    /// `(user_seeks + user_scans) × avg_total_user_cost × avg_user_impact / observed_days`.
    pub benefit_per_day: f64,
    /// Days the DMVs had to accumulate: min(uptime, table age), at least one day.
    pub observed_days: f64,
    /// The server's start time was known: without it `observed_days` is the table's age
    /// or one day, a guess.
    pub uptime_known: bool,
    /// The equality columns were ordered by column statistics (not as the DMV gave them).
    pub ordered_by_selectivity: bool,
    pub user_seeks: i64,
    pub user_scans: i64,
    pub unique_compiles: i64,
    pub avg_total_user_cost: f64,
    pub avg_user_impact: f64,
    /// Rows of the table, when the snapshot has it.
    pub table_rows: Option<i64>,
    pub query_text: Option<String>,
}

impl MissingIndexRequest {
    /// `dbo.Appointments (ClientId, StartDate) INCLUDE (ProviderId, Status)`.
    pub fn describe(&self) -> String {
        let mut text = format!(
            "{}.{} ({})",
            self.schema,
            self.table,
            self.key_columns.join(", ")
        );
        if !self.include_columns.is_empty() {
            text.push_str(&format!(" INCLUDE ({})", self.include_columns.join(", ")));
        }
        text
    }
}

/// The requests worth an index (benefit per day at or above
/// `missing_index_min_benefit_per_day`), highest benefit first.
pub fn missing_index_requests(snapshot: &Snapshot, t: &Thresholds) -> Vec<MissingIndexRequest> {
    let mut requests: Vec<MissingIndexRequest> = snapshot
        .missing_indexes
        .iter()
        .map(|m| request(snapshot, m))
        .filter(|r| r.benefit_per_day >= t.missing_index_min_benefit_per_day)
        .filter(|r| !r.key_columns.is_empty())
        .collect();
    requests.sort_by(|a, b| {
        b.benefit_per_day
            .total_cmp(&a.benefit_per_day)
            .then_with(|| {
                (&a.schema, &a.table, &a.key_columns).cmp(&(&b.schema, &b.table, &b.key_columns))
            })
    });
    requests
}

fn request(snapshot: &Snapshot, m: &MissingIndex) -> MissingIndexRequest {
    let mut equality = column_list(m.equality_columns.as_deref().unwrap_or_default());
    let inequality = column_list(m.inequality_columns.as_deref().unwrap_or_default());
    let ordered_by_selectivity = order_by_selectivity(snapshot, &m.schema, &m.table, &mut equality);
    let mut key_columns = equality.clone();
    for column in &inequality {
        if !key_columns.contains(column) {
            key_columns.push(column.clone());
        }
    }
    let mut include_columns: Vec<String> = Vec::new();
    for column in column_list(m.included_columns.as_deref().unwrap_or_default()) {
        if !key_columns.contains(&column) && !include_columns.contains(&column) {
            include_columns.push(column);
        }
    }
    let observed_days = observed_days(snapshot, &m.schema, &m.table);
    let raw_benefit =
        (m.user_seeks + m.user_scans) as f64 * m.avg_total_user_cost * m.avg_user_impact;
    MissingIndexRequest {
        schema: m.schema.clone(),
        table: m.table.clone(),
        key_columns,
        equality_columns: equality,
        inequality_columns: inequality,
        include_columns,
        benefit_per_day: raw_benefit / observed_days,
        observed_days,
        uptime_known: snapshot.manifest.stats_age_seconds.is_some(),
        ordered_by_selectivity,
        user_seeks: m.user_seeks,
        user_scans: m.user_scans,
        unique_compiles: m.unique_compiles,
        avg_total_user_cost: m.avg_total_user_cost,
        avg_user_impact: m.avg_user_impact,
        table_rows: snapshot.table(&m.schema, &m.table).map(|t| t.live_rows),
        query_text: m.query_text.clone(),
    }
}

/// Most distinct values first, when every equality column has statistics; otherwise the
/// DMV's order is kept (it lists columns in table order, which says nothing, but a guess
/// would say less). Returns whether it reordered by statistics.
fn order_by_selectivity(
    snapshot: &Snapshot,
    schema: &str,
    table: &str,
    columns: &mut [String],
) -> bool {
    let rows = snapshot.table(schema, table).map_or(0, |t| t.live_rows) as f64;
    let distinct = |column: &str| -> Option<f64> {
        snapshot
            .column_stats
            .iter()
            .find(|s| {
                s.schema == schema && s.table == table && s.column.eq_ignore_ascii_case(column)
            })
            .map(|s| {
                if s.n_distinct < 0.0 {
                    -s.n_distinct * rows
                } else {
                    s.n_distinct
                }
            })
    };
    if columns.len() < 2 {
        return false;
    }
    let known: Option<Vec<f64>> = columns.iter().map(|c| distinct(c)).collect();
    let Some(known) = known else {
        return false;
    };
    let mut paired: Vec<(f64, String)> = known.into_iter().zip(columns.iter().cloned()).collect();
    // Stable: equal selectivity keeps the DMV's order.
    paired.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (slot, (_, column)) in columns.iter_mut().zip(paired) {
        *slot = column;
    }
    true
}

/// Days the missing-index counters covered for a table: the shorter of the uptime and
/// the table's age, and at least one day (a few hours are not scaled up to a day's rate).
pub fn observed_days(snapshot: &Snapshot, schema: &str, table: &str) -> f64 {
    let uptime = snapshot.manifest.stats_age_seconds;
    let table_age = snapshot
        .table(schema, table)
        .and_then(|t| t.created_at.as_deref())
        .and_then(crate::snapshot::mssql::DateTime::parse)
        .zip(collected_local_seconds(snapshot))
        .map(|(created, now)| (now - created.seconds).max(0.0));
    let seconds = match (uptime, table_age) {
        (Some(u), Some(a)) => u.min(a),
        (Some(u), None) => u,
        (None, Some(a)) => a,
        (None, None) => 0.0,
    };
    (seconds / 86_400.0).max(1.0)
}

/// The collection time on the server's clock: server start + uptime.
fn collected_local_seconds(snapshot: &Snapshot) -> Option<f64> {
    let started = snapshot.manifest.server_started.as_deref()?;
    let started = crate::snapshot::mssql::DateTime::parse(started)?;
    Some(started.seconds + snapshot.manifest.stats_age_seconds?)
}

/// `[ClientId], [Status]` -> `ClientId`, `Status` (`]]` inside brackets is `]`).
pub fn column_list(text: &str) -> Vec<String> {
    let mut columns = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    let mut bracketed = false;
    while let Some(c) = chars.next() {
        match c {
            '[' if !bracketed => bracketed = true,
            ']' if bracketed => {
                if chars.peek() == Some(&']') {
                    chars.next();
                    current.push(']');
                } else {
                    bracketed = false;
                }
            }
            ',' if !bracketed => {
                push_column(&mut columns, &current);
                current.clear();
            }
            _ => current.push(c),
        }
    }
    push_column(&mut columns, &current);
    columns
}

fn push_column(columns: &mut Vec<String>, text: &str) {
    let name = text.trim();
    if !name.is_empty() {
        columns.push(name.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_lists_lose_their_brackets() {
        assert_eq!(column_list("[ClientId], [Status]"), ["ClientId", "Status"]);
        assert_eq!(column_list("[Odd, Name], [a]]b]"), ["Odd, Name", "a]b"]);
        assert_eq!(column_list(""), Vec::<String>::new());
        assert_eq!(column_list("Plain"), ["Plain"]);
    }
}
