//! Lists of names that SQL Server returns one row per name (foreign-key and statistics
//! columns, `queries/mssql/foreign_keys.sql` and `statistics.sql`): the rows put together
//! per key or statistic, in the order of their position, into a model name list; and the
//! older exports whose names were joined with `, ` on the server, read with a note.

use std::collections::HashMap;

use anyhow::Result;

use super::{Clock, QueryColumns, Reader, Row};
use crate::model::snapshot::{ForeignKey, Note, StatisticsStat};
use crate::snapshot::raw::RawTable;

/// Foreign keys as exports of foreign_keys.sql had them before it returned one row per
/// column: the columns joined with `, ` on the server.
pub(super) static LEGACY_FOREIGN_KEYS: QueryColumns = QueryColumns {
    name: "foreign_keys",
    required: &[
        "schema_name",
        "table_name",
        "constraint_name",
        "column_names",
        "referenced_schema",
        "referenced_table",
    ],
    optional: &["referenced_columns"],
};

/// Statistics as exports of statistics.sql had them before it returned one row per
/// column: the columns joined with `, ` on the server.
pub(super) static LEGACY_STATISTICS: QueryColumns = QueryColumns {
    name: "statistics",
    required: &[
        "schema_name",
        "table_name",
        "stats_name",
        "last_updated",
        "row_count",
        "modification_counter",
    ],
    optional: &["column_names", "auto_created", "rows_sampled"],
};

/// An export of foreign_keys.sql or statistics.sql from before they returned one row per
/// column: a `column_names` column holding the names joined on the server.
pub(super) fn is_joined_format(table: &RawTable) -> bool {
    table.column("column_names").is_some() && table.column("column_name").is_none()
}

/// What the older, joined format cannot say.
pub(super) fn joined_names_note(query: &str, what: &str) -> Note {
    Note {
        check: "export_format".into(),
        message: format!(
            "{query}.csv is in the older format, with each row's column names joined by \", \" on the server: a name that itself holds \", \" cannot be told apart from two names there, so {what} with such a name reads as having more columns than it has. Export queries/mssql/{query}.sql again from `dbaudit queries mssql` (one row per column) to read every name exactly"
        ),
    }
}

/// Names joined by `, ` on the server (the older exports), as a model name list.
fn joined_names(text: &str) -> String {
    let names: Vec<String> = text
        .split(", ")
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .collect();
    crate::model::snapshot::join_list(&names)
}

/// Rows that belong together (one foreign key's or one statistic's columns), by schema,
/// table and `name_column`, in the order first seen; an export edited by hand may have
/// them apart.
fn grouped<'r>(
    rows: &'r Reader<'r>,
    name_column: &str,
) -> Vec<((String, String, String), Vec<Row<'r>>)> {
    let mut groups: Vec<((String, String, String), Vec<Row<'r>>)> = Vec::new();
    let mut at: HashMap<(String, String, String), usize> = HashMap::new();
    for row in rows.rows() {
        let key = (
            row.string("schema_name"),
            row.string("table_name"),
            row.string(name_column),
        );
        match at.get(&key) {
            Some(&i) => groups[i].1.push(row),
            None => {
                at.insert(key.clone(), groups.len());
                groups.push((key, vec![row]));
            }
        }
    }
    groups
}

/// The columns of one group of rows, ordered by `ordinal_column`, each with the index of
/// its row in `rows`; Err with the reason when the ordinals are not exactly 1 to n (a row
/// lost or repeated) or a name is empty: then which columns the object has is unknown.
fn ordered_columns(
    rows: &[Row<'_>],
    ordinal_column: &str,
    name_column: &str,
) -> Result<std::result::Result<Vec<(String, usize)>, String>> {
    let mut columns = Vec::with_capacity(rows.len());
    for (at, row) in rows.iter().enumerate() {
        let Some(ordinal) = row.int(ordinal_column)? else {
            return Ok(Err(format!("row {} has no {ordinal_column}", row.number)));
        };
        let Some(name) = row.text(name_column) else {
            return Ok(Err(format!("row {} has no {name_column}", row.number)));
        };
        columns.push((ordinal, name.to_string(), at));
    }
    columns.sort_by_key(|c| c.0);
    let ordinals: Vec<i64> = columns.iter().map(|c| c.0).collect();
    if ordinals.iter().copied().ne(1..=columns.len() as i64) {
        return Ok(Err(format!(
            "its {ordinal_column} values are {} where 1 to {} were expected (a row is missing or repeated)",
            ordinals
                .iter()
                .map(|o| o.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            columns.len()
        )));
    }
    Ok(Ok(columns
        .into_iter()
        .map(|(_, name, at)| (name, at))
        .collect()))
}

/// One row per column (queries/mssql/foreign_keys.sql): each key's columns put together
/// in `constraint_column_id` order. A key whose rows do not add up is left out, with a
/// note (its columns are unknown, so whether an index covers them cannot be judged).
pub(super) fn import_foreign_keys(
    rows: &Reader<'_>,
    notes: &mut Vec<Note>,
) -> Result<Vec<ForeignKey>> {
    let mut keys = Vec::new();
    for ((schema, table, name), group) in grouped(rows, "constraint_name") {
        let columns = match ordered_columns(&group, "constraint_column_id", "column_name")? {
            Ok(columns) => columns,
            Err(why) => {
                notes.push(Note {
                    check: "foreign_keys".into(),
                    message: format!(
                        "foreign key {} on {} was left out: {why} in foreign_keys.csv, so its columns are unknown and unindexed-foreign-key did not judge it",
                        crate::engine::mssql::quote_ident(&name),
                        crate::engine::mssql::qualified(&schema, &table)
                    ),
                });
                continue;
            }
        };
        let first = &group[0];
        let names: Vec<String> = columns.iter().map(|(n, _)| n.clone()).collect();
        let referenced: Vec<String> = columns
            .iter()
            .map(|(_, at)| group[*at].string("referenced_column"))
            .collect();
        keys.push(ForeignKey {
            schema,
            table,
            name,
            columns: crate::model::snapshot::join_list(&names),
            referenced_schema: first.string("referenced_schema"),
            referenced_table: first.string("referenced_table"),
            referenced_columns: if referenced.iter().all(String::is_empty) {
                String::new()
            } else {
                crate::model::snapshot::join_list(&referenced)
            },
        });
    }
    Ok(keys)
}

/// The older export: one row per key, its columns joined with `, `.
pub(super) fn import_joined_foreign_keys(rows: &Reader<'_>) -> Vec<ForeignKey> {
    rows.rows()
        .map(|row| ForeignKey {
            schema: row.string("schema_name"),
            table: row.string("table_name"),
            name: row.string("constraint_name"),
            columns: joined_names(&row.string("column_names")),
            referenced_schema: row.string("referenced_schema"),
            referenced_table: row.string("referenced_table"),
            referenced_columns: joined_names(&row.string("referenced_columns")),
        })
        .collect()
}

/// A statistic's properties from one of its rows, with its columns.
fn statistic(row: &Row<'_>, columns: String, clock: &Clock) -> Result<StatisticsStat> {
    let updated = row.datetime("last_updated")?;
    Ok(StatisticsStat {
        schema: row.string("schema_name"),
        table: row.string("table_name"),
        name: row.string("stats_name"),
        columns,
        auto_created: row.flag("auto_created")?,
        age_seconds: clock.age(updated.as_ref()),
        last_updated: updated.map(|d| d.text),
        rows: row.int("row_count")?,
        rows_sampled: row.int("rows_sampled")?,
        modification_counter: row.int("modification_counter")?,
    })
}

/// One row per column (queries/mssql/statistics.sql): each statistic's columns put
/// together in `stats_column_id` order, its properties from its first row. A statistic
/// whose rows do not add up is left out, with a note.
pub(super) fn import_statistics(
    rows: &Reader<'_>,
    clock: &Clock,
    notes: &mut Vec<Note>,
) -> Result<Vec<StatisticsStat>> {
    let mut statistics = Vec::new();
    for ((schema, table, name), group) in grouped(rows, "stats_name") {
        match ordered_columns(&group, "stats_column_id", "column_name")? {
            Ok(columns) => {
                let names: Vec<String> = columns.into_iter().map(|(n, _)| n).collect();
                statistics.push(statistic(
                    &group[0],
                    crate::model::snapshot::join_list(&names),
                    clock,
                )?);
            }
            Err(why) => notes.push(Note {
                check: "statistics".into(),
                message: format!(
                    "statistics {} on {} were left out: {why} in statistics.csv, so stale-statistics did not judge them",
                    crate::engine::mssql::quote_ident(&name),
                    crate::engine::mssql::qualified(&schema, &table)
                ),
            }),
        }
    }
    Ok(statistics)
}

/// The older export: one row per statistic, its columns joined with `, `.
pub(super) fn import_joined_statistics(
    rows: &Reader<'_>,
    clock: &Clock,
) -> Result<Vec<StatisticsStat>> {
    rows.rows()
        .map(|row| statistic(&row, joined_names(&row.string("column_names")), clock))
        .collect()
}
