//! Plain views read as PostgreSQL reads them, for the index advisor: a condition on a
//! view's column is a condition on the base-table column it passes through, when the
//! planner pushes it down into the view. The definitions come from the snapshot
//! (`pg_get_viewdef`, text written by the database's users): parsed with pg_query, never
//! run. Only a plain column reference maps; a view whose shape keeps conditions outside
//! (security_barrier, GROUP BY or aggregates, DISTINCT, UNION / INTERSECT / EXCEPT,
//! LIMIT / OFFSET, window functions, WITH) maps nothing, and every refusal is a reason a
//! DBA can read. A view over a view is followed down to the tables, at most
//! `MAX_DEPTH` views deep; a name seen twice on the way stops it (PostgreSQL forbids
//! such cycles, a hand-edited snapshot need not).

use pg_query::protobuf::{self, SelectStmt};
use pg_query::NodeEnum;

use crate::model::finding::one_line;
use crate::model::snapshot::{Snapshot, TableStat, ViewDef};

/// Views followed below the statement's view at most.
const MAX_DEPTH: usize = 8;

/// Aggregate functions of PostgreSQL's catalog that a view's select list may name
/// without GROUP BY (`SELECT count(*) FROM t`): the whole view is then one group.
const AGGREGATES: &[&str] = &[
    "any_value",
    "array_agg",
    "avg",
    "bit_and",
    "bit_or",
    "bit_xor",
    "bool_and",
    "bool_or",
    "count",
    "every",
    "json_agg",
    "json_object_agg",
    "jsonb_agg",
    "jsonb_object_agg",
    "max",
    "min",
    "percentile_cont",
    "percentile_disc",
    "mode",
    "range_agg",
    "range_intersect_agg",
    "stddev",
    "stddev_pop",
    "stddev_samp",
    "string_agg",
    "sum",
    "var_pop",
    "var_samp",
    "variance",
    "xmlagg",
];

/// The base-table column a view's column passes through.
#[derive(Debug)]
pub struct BaseColumn<'a> {
    pub table: &'a TableStat,
    pub column: String,
    /// Every view on the way reads one relation (no join): an ORDER BY on the view is
    /// an ORDER BY on that table.
    pub single_relation: bool,
}

/// The view a name in a statement refers to: schema-qualified, or in `public`, or the
/// only view of that name (the rule `workload` applies to tables).
pub fn find<'a>(snapshot: &'a Snapshot, name: &str) -> Option<&'a ViewDef> {
    let unquoted = name.trim_matches('"');
    match unquoted.rsplit_once('.') {
        Some((schema, view)) => lookup(
            snapshot,
            Some(schema.trim_matches('"')),
            view.trim_matches('"'),
        ),
        None => lookup(snapshot, None, unquoted),
    }
}

fn lookup<'a>(snapshot: &'a Snapshot, schema: Option<&str>, name: &str) -> Option<&'a ViewDef> {
    by_name(&snapshot.views, schema, name, |v| (&v.schema, &v.name))
}

fn table<'a>(snapshot: &'a Snapshot, schema: Option<&str>, name: &str) -> Option<&'a TableStat> {
    by_name(&snapshot.tables, schema, name, |t| (&t.schema, &t.name))
}

/// A relation named in SQL: in `schema` when given, else in `public`, else the only one
/// of that name (how the advisor reads unqualified names, tables and views alike).
pub(crate) fn by_name<'a, T>(
    items: &'a [T],
    schema: Option<&str>,
    name: &str,
    key: impl Fn(&T) -> (&str, &str),
) -> Option<&'a T> {
    if let Some(schema) = schema {
        return items.iter().find(|i| key(i) == (schema, name));
    }
    if let Some(found) = items.iter().find(|i| key(i) == ("public", name)) {
        return Some(found);
    }
    let mut matches = items.iter().filter(|i| key(i).1 == name);
    let first = matches.next()?;
    matches.next().is_none().then_some(first)
}

/// The view's name as shown in a reason (escaped by the renderers).
pub fn shown(view: &ViewDef) -> String {
    format!("{}.{}", view.schema, view.name)
}

/// The base-table column that `column` of `view` passes through, or why there is none.
pub fn base_column<'a>(
    snapshot: &'a Snapshot,
    view: &ViewDef,
    column: &str,
) -> Result<BaseColumn<'a>, String> {
    let mut path = Vec::new();
    resolve(snapshot, view, column, &mut path)
}

fn resolve<'a>(
    snapshot: &'a Snapshot,
    view: &ViewDef,
    column: &str,
    path: &mut Vec<(String, String)>,
) -> Result<BaseColumn<'a>, String> {
    let name = shown(view);
    let id = (view.schema.clone(), view.name.clone());
    if path.contains(&id) {
        return Err(format!(
            "view {name} reaches itself through its definitions: not followed"
        ));
    }
    if path.len() > MAX_DEPTH {
        return Err(format!(
            "view {name} is more than {MAX_DEPTH} views deep: not followed"
        ));
    }
    path.push(id);
    if view.security_barrier {
        return Err(format!(
            "view {name} is a security_barrier view: the planner keeps the statement's conditions outside it, so no index on its base table is proposed"
        ));
    }
    let select = parse(&view.definition).map_err(|why| format!("view {name}: {why}"))?;
    if let Some(shape) = refused_shape(&select) {
        return Err(format!(
            "view {name} {shape}: the planner does not push the statement's conditions into it, so no index on its base table is proposed"
        ));
    }
    let relations = relations(&select.from_clause)
        .map_err(|why| format!("view {name}: {why}; view column {column} not mapped"))?;
    let target = select
        .target_list
        .iter()
        .filter_map(|n| match n.node.as_ref() {
            Some(NodeEnum::ResTarget(t)) => Some(t),
            _ => None,
        })
        .find(|t| output_name(t).as_deref() == Some(column))
        .ok_or_else(|| format!("view {name} has no column {column} in its definition"))?;
    let Some((qualifier, source_column)) = plain_column(target) else {
        return Err(format!(
            "view {name}: view column {column} is computed (not a plain column of a base table)"
        ));
    };
    let relation = match qualifier {
        Some(q) => relations
            .iter()
            .find(|r| r.reference_name() == q)
            .ok_or_else(|| format!("view {name}: view column {column} names {q}, not a relation of its FROM list"))?,
        None => match relations.as_slice() {
            [only] => only,
            _ => {
                return Err(format!(
                    "view {name}: view column {column} is not qualified in a view over several relations"
                ))
            }
        },
    };
    let single = relations.len() == 1;
    let schema = (!relation.schema.is_empty()).then_some(relation.schema.as_str());
    if let Some(t) = table(snapshot, schema, &relation.name) {
        return Ok(BaseColumn {
            table: t,
            column: source_column,
            single_relation: single,
        });
    }
    if let Some(inner) = lookup(snapshot, schema, &relation.name) {
        let mut base = resolve(snapshot, inner, &source_column, path)?;
        base.single_relation &= single;
        return Ok(base);
    }
    Err(format!(
        "view {name} reads {}, which is neither a table nor a view of the snapshot",
        match schema {
            Some(s) => format!("{s}.{}", relation.name),
            None => relation.name.clone(),
        }
    ))
}

/// The view's one SELECT, or why it cannot be read.
fn parse(definition: &str) -> Result<SelectStmt, String> {
    let parsed = pg_query::parse(definition, pg_query::ParserOptions::DEFAULT).map_err(|e| {
        format!(
            "its definition does not parse ({})",
            one_line(&e.to_string(), 120)
        )
    })?;
    let mut stmts = parsed.protobuf.stmts;
    if stmts.len() != 1 {
        return Err(format!(
            "its definition holds {} statements, not one SELECT",
            stmts.len()
        ));
    }
    match stmts.pop().and_then(|s| s.stmt).and_then(|n| n.node) {
        Some(NodeEnum::SelectStmt(select)) => Ok(*select),
        _ => Err("its definition is not a SELECT".to_string()),
    }
}

/// The shape of a view that keeps a statement's conditions outside it, in words.
fn refused_shape(select: &SelectStmt) -> Option<&'static str> {
    let set_op = select.op != protobuf::SetOperation::SetopNone as i32
        && select.op != protobuf::SetOperation::Undefined as i32;
    if set_op || select.larg.is_some() {
        return Some("combines queries (UNION / INTERSECT / EXCEPT)");
    }
    if select.with_clause.is_some() {
        return Some("has a WITH clause");
    }
    if !select.group_clause.is_empty() || select.having_clause.is_some() {
        return Some("aggregates (GROUP BY)");
    }
    if !select.distinct_clause.is_empty() {
        return Some("uses DISTINCT");
    }
    if select.limit_count.is_some() || select.limit_offset.is_some() {
        return Some("uses LIMIT / OFFSET");
    }
    if !select.values_lists.is_empty() {
        return Some("is a VALUES list");
    }
    let targets = serde_json::to_value(&select.target_list).unwrap_or_default();
    if calls_window(&targets, 0) {
        return Some("uses window functions");
    }
    if calls_aggregate(&targets, 0) {
        return Some("aggregates (an aggregate function in its select list)");
    }
    None
}

/// Nesting beyond this is taken as the worst case (prost refuses deeper trees anyway).
const MAX_TREE_DEPTH: usize = 500;

fn calls_window(value: &serde_json::Value, depth: usize) -> bool {
    use serde_json::Value;
    if depth > MAX_TREE_DEPTH {
        return true;
    }
    match value {
        Value::Array(items) => items.iter().any(|i| calls_window(i, depth + 1)),
        Value::Object(map) => {
            map.get("over").is_some_and(|o| !o.is_null())
                || map.values().any(|v| calls_window(v, depth + 1))
        }
        _ => false,
    }
}

fn calls_aggregate(value: &serde_json::Value, depth: usize) -> bool {
    use serde_json::Value;
    if depth > MAX_TREE_DEPTH {
        return true;
    }
    match value {
        Value::Array(items) => items.iter().any(|i| calls_aggregate(i, depth + 1)),
        Value::Object(map) => {
            let named = map
                .get("funcname")
                .and_then(|n| n.as_array())
                .and_then(|parts| parts.last())
                .and_then(|last| last["node"]["String"]["sval"].as_str())
                .is_some_and(|f| AGGREGATES.contains(&f.to_ascii_lowercase().as_str()));
            let marked = ["agg_star", "agg_distinct", "agg_within_group"]
                .iter()
                .any(|k| map.get(*k).and_then(|v| v.as_bool()) == Some(true));
            named || marked || map.values().any(|v| calls_aggregate(v, depth + 1))
        }
        _ => false,
    }
}

/// A relation of the view's FROM list.
struct Relation {
    schema: String,
    name: String,
    alias: Option<String>,
}

impl Relation {
    /// The name its columns are qualified with: the alias, else the relation's name.
    fn reference_name(&self) -> &str {
        self.alias.as_deref().unwrap_or(&self.name)
    }
}

/// The relations of a FROM list, through joins; `Err` for anything else (a subquery, a
/// function, a VALUES list), which this reader does not follow.
fn relations(from: &[protobuf::Node]) -> Result<Vec<Relation>, String> {
    let mut out = Vec::new();
    let mut pending: Vec<&protobuf::Node> = from.iter().collect();
    while let Some(node) = pending.pop() {
        match node.node.as_ref() {
            Some(NodeEnum::RangeVar(r)) => out.push(Relation {
                schema: r.schemaname.clone(),
                name: r.relname.clone(),
                alias: r.alias.as_ref().map(|a| a.aliasname.clone()),
            }),
            Some(NodeEnum::JoinExpr(j)) => {
                if j.alias.is_some() {
                    return Err("it names a join with an alias".to_string());
                }
                pending.extend(j.larg.as_deref());
                pending.extend(j.rarg.as_deref());
            }
            Some(NodeEnum::RangeSubselect(_)) => {
                return Err("it reads a subquery in its FROM list".to_string())
            }
            Some(NodeEnum::RangeFunction(_)) => {
                return Err("it reads a function in its FROM list".to_string())
            }
            _ => return Err("it reads something other than tables and views".to_string()),
        }
    }
    if out.is_empty() {
        return Err("it reads no table".to_string());
    }
    Ok(out)
}

/// The name a select-list item has in the view: its alias, else its column's name.
fn output_name(target: &protobuf::ResTarget) -> Option<String> {
    if !target.name.is_empty() {
        return Some(target.name.clone());
    }
    plain_column(target).map(|(_, column)| column)
}

/// `column` or `relation.column` (`schema.relation.column` keeps the relation).
fn plain_column(target: &protobuf::ResTarget) -> Option<(Option<String>, String)> {
    if !target.indirection.is_empty() {
        return None;
    }
    let Some(NodeEnum::ColumnRef(c)) = target.val.as_ref().and_then(|v| v.node.as_ref()) else {
        return None;
    };
    let parts: Option<Vec<&str>> = c
        .fields
        .iter()
        .map(|f| match f.node.as_ref() {
            Some(NodeEnum::String(s)) => Some(s.sval.as_str()),
            _ => None,
        })
        .collect();
    match parts?.as_slice() {
        [column] => Some((None, column.to_string())),
        [.., relation, column] => Some((Some(relation.to_string()), column.to_string())),
        [] => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(views: &[(&str, &str, bool)]) -> Snapshot {
        Snapshot {
            tables: ["orders", "customers"]
                .iter()
                .map(|name| TableStat {
                    schema: "public".into(),
                    name: name.to_string(),
                    live_rows: 60_000,
                    ..Default::default()
                })
                .collect(),
            views: views
                .iter()
                .map(|(name, definition, security_barrier)| ViewDef {
                    schema: "public".into(),
                    name: name.to_string(),
                    definition: definition.to_string(),
                    security_barrier: *security_barrier,
                })
                .collect(),
            ..Default::default()
        }
    }

    fn base(s: &Snapshot, view: &str, column: &str) -> Result<(String, String, bool), String> {
        let view = find(s, view).expect("the view is in the snapshot");
        base_column(s, view, column).map(|b| (b.table.name.clone(), b.column, b.single_relation))
    }

    #[test]
    fn plain_columns_reach_their_table_through_views_of_views_and_joins() {
        let s = snapshot(&[
            ("v_orders", " SELECT o.id, o.customer_id AS cust FROM orders o;", false),
            ("v_top", " SELECT v_orders.cust AS who FROM v_orders;", false),
            (
                "v_join",
                " SELECT o.id, c.region FROM (orders o JOIN customers c ON ((c.id = o.customer_id)));",
                false,
            ),
        ]);
        assert_eq!(
            base(&s, "v_orders", "cust"),
            Ok(("orders".into(), "customer_id".into(), true))
        );
        assert_eq!(
            base(&s, "public.v_top", "who"),
            Ok(("orders".into(), "customer_id".into(), true))
        );
        assert_eq!(
            base(&s, "v_join", "region"),
            Ok(("customers".into(), "region".into(), false))
        );
    }

    #[test]
    fn every_refusal_says_why() {
        let s = snapshot(&[
            (
                "v_calc",
                " SELECT (o.id + 1) AS next_id FROM orders o;",
                false,
            ),
            ("v_sb", " SELECT o.id FROM orders o;", true),
            (
                "v_agg",
                " SELECT o.customer_id, count(*) AS n FROM orders o GROUP BY o.customer_id;",
                false,
            ),
            ("v_total", " SELECT sum(o.id) AS s FROM orders o;", false),
            ("v_distinct", " SELECT DISTINCT o.id FROM orders o;", false),
            (
                "v_union",
                " SELECT o.id FROM orders o UNION SELECT c.id FROM customers c;",
                false,
            ),
            (
                "v_sub",
                " SELECT d.id FROM (SELECT o.id FROM orders o) d;",
                false,
            ),
            ("v_missing", " SELECT g.id FROM gone g;", false),
            ("v_loop_a", " SELECT v_loop_b.id FROM v_loop_b;", false),
            ("v_loop_b", " SELECT v_loop_a.id FROM v_loop_a;", false),
            ("v_bad", "DROP TABLE orders; SELECT 1", false),
        ]);
        for (view, column, reason) in [
            ("v_calc", "next_id", "view column next_id is computed"),
            ("v_sb", "id", "security_barrier"),
            ("v_agg", "customer_id", "aggregates (GROUP BY)"),
            ("v_total", "s", "aggregate function"),
            ("v_distinct", "id", "DISTINCT"),
            ("v_union", "id", "UNION"),
            ("v_sub", "id", "subquery"),
            ("v_missing", "id", "neither a table nor a view"),
            ("v_loop_a", "id", "reaches itself"),
            ("v_bad", "id", "2 statements"),
            ("v_calc", "nope", "has no column nope"),
        ] {
            let why = base(&s, view, column).expect_err(view);
            assert!(why.contains(reason), "{view}: {why}");
            assert!(why.contains(view), "{view}: {why}");
        }
    }
}
