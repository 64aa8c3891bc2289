//! Unit tests of the workload index candidates (kept apart so that workload.rs stays
//! under 1,000 lines).

use super::*;
use crate::model::snapshot::ColumnInfo;

pub(crate) fn snapshot(table: &str, columns: &[&str]) -> Snapshot {
    Snapshot {
        tables: vec![TableStat {
            schema: "public".into(),
            name: table.into(),
            live_rows: 60_000,
            ..Default::default()
        }],
        columns: columns
            .iter()
            .map(|c| ColumnInfo {
                schema: "public".into(),
                table: table.into(),
                name: c.to_string(),
                data_type: "integer".into(),
                not_null: false,
            })
            .collect(),
        ..Default::default()
    }
}

/// What a statement run 100 times uses of each table: (table name, its use).
pub(crate) fn table_uses(s: &Snapshot, query: &str) -> Vec<(String, TableUse)> {
    let statement = StatementStat {
        queryid: "1".into(),
        query: query.into(),
        calls: 100,
        ..Default::default()
    };
    statement_uses(s, &statement)
        .unwrap()
        .0
        .into_iter()
        .map(|(t, u)| (t.name.clone(), u))
        .collect()
}

fn uses(s: &Snapshot, query: &str) -> Vec<(String, Vec<String>, Vec<String>)> {
    table_uses(s, query)
        .into_iter()
        .map(|(t, u)| (t, u.equality, u.order))
        .collect()
}

#[test]
fn ctes_and_derived_tables_pass_columns_through_to_their_table() {
    let s = snapshot("tickets", &["id", "owner"]);
    let expected = vec![("tickets".to_string(), vec!["owner".to_string()], vec![])];
    for query in [
        "WITH t AS (SELECT id, owner FROM tickets) SELECT id FROM t WHERE owner = $1",
        "WITH t AS MATERIALIZED (SELECT * FROM tickets) SELECT id FROM t WHERE owner = $1",
        "SELECT id FROM (SELECT * FROM tickets) d WHERE d.owner = $1",
    ] {
        assert_eq!(uses(&s, query), expected, "{query}");
    }
    // Renamed by a column list, or not in the CTE's select list: not passed through.
    for query in [
        "WITH t (id, o) AS (SELECT id, owner FROM tickets) SELECT id FROM t WHERE o = $1",
        "WITH t AS (SELECT id, owner + 1 AS owner FROM tickets) SELECT id FROM t WHERE owner = $1",
    ] {
        assert_eq!(uses(&s, query), vec![], "{query}");
    }
}

#[test]
fn a_view_column_is_its_base_table_column_and_an_old_snapshot_says_it_has_no_views() {
    let mut s = snapshot("tickets", &["id", "owner"]);
    s.views.push(crate::model::snapshot::ViewDef {
        schema: "public".into(),
        name: "open_tickets".into(),
        definition: " SELECT t.id, t.owner AS who, (t.id * 2) AS twice FROM tickets t;".into(),
        security_barrier: false,
    });
    let statement = |query: &str| StatementStat {
        queryid: "1".into(),
        query: query.into(),
        calls: 100,
        ..Default::default()
    };
    let (found, notes) =
        statement_uses(&s, &statement("SELECT id FROM open_tickets WHERE who = $1")).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].1.equality, vec!["owner".to_string()]);
    assert_eq!(found[0].1.through, vec!["public.open_tickets".to_string()]);
    assert!(notes.is_empty(), "{notes:?}");
    let (found, notes) = statement_uses(
        &s,
        &statement("SELECT id FROM open_tickets WHERE twice = $1"),
    )
    .unwrap();
    assert!(found.is_empty());
    assert_eq!(
        notes,
        vec!["view public.open_tickets: view column twice is computed (not a plain column of a base table)".to_string()]
    );
    // A snapshot written before views were read: the unknown name is said, not skipped.
    s.views.clear();
    s.manifest.notes.push(crate::model::snapshot::Note {
        check: "views".into(),
        message: "views.csv is missing from the snapshot: the checks that need it did not run"
            .into(),
    });
    let (found, notes) =
        statement_uses(&s, &statement("SELECT id FROM open_tickets WHERE who = $1")).unwrap();
    assert!(found.is_empty());
    assert_eq!(notes.len(), 1);
    assert!(
        notes[0].starts_with("open_tickets: not a table of the snapshot; if it is a view, the view definition is not in the snapshot (views.csv is missing"),
        "{notes:?}"
    );
}

#[test]
fn the_first_keyword_comes_after_leading_comments() {
    assert_eq!(first_keyword("/* app */ -- x\n  select 1"), "SELECT");
    assert_eq!(first_keyword("-- only a comment"), "");
    assert_eq!(first_keyword("WITH(x) AS"), "WITH");
    assert_eq!(
        not_indexable("/* load */ INSERT INTO t VALUES ($1)").as_deref(),
        Some("no indexable predicate (INSERT statement)")
    );
}

#[test]
fn order_by_positions_and_aliases_name_their_column() {
    let s = snapshot("orders_log", &["id", "region", "order"]);
    let expected = vec![(
        "orders_log".to_string(),
        vec!["region".to_string()],
        vec!["order".to_string()],
    )];
    for query in [
        "SELECT \"order\", id FROM orders_log WHERE region = $1 ORDER BY 1 DESC LIMIT $2",
        "SELECT id, \"order\" AS o FROM orders_log WHERE region = $1 ORDER BY o",
        "SELECT id, l.\"order\" o FROM orders_log l WHERE region = $1 ORDER BY o DESC",
    ] {
        assert_eq!(uses(&s, query), expected, "{query}");
    }
}
