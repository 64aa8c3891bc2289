//! Whether a statement may be planned with the auditor's rights: the planner evaluates
//! stable functions (and the functions behind operators, casts, views and row-level
//! security policies) while it estimates, so `EXPLAIN` without `ANALYZE` runs code. A
//! statement that dbaudit cannot plan as the role that ran it is planned as the auditor
//! only when everything it names is PostgreSQL's own: its functions, operators and types
//! exist in no schema but `pg_catalog` / `information_schema`, and the relations it reads
//! are plain tables (or partitioned tables) without row-level security, without
//! user-defined column types and without views or foreign tables among their children.
//! The check is conservative: a name that also exists in an extension's schema, or that
//! is unknown, refuses the plan. It never executes the statement: pg_query parses it.
//! UPDATE and DELETE are judged like SELECT (EXPLAIN without ANALYZE fires no trigger
//! and writes nothing); `SET column = DEFAULT` is refused, as the default is code the
//! statement does not show.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::collect::plan_session::{Param, PlainRow, PlanSession};

/// The system schemas: what is in them was created by PostgreSQL itself.
const SYSTEM_SCHEMAS: &[&str] = &["pg_catalog", "information_schema"];

/// Functions of `pg_catalog` that are stable and run the SQL of a table, a view or a
/// schema they are given (a view's query can call user code): never planned as the
/// auditor, whoever owns them.
const QUERY_RUNNING_FUNCTIONS: &[&str] = &[
    "cursor_to_xml",
    "cursor_to_xmlschema",
    "database_to_xml",
    "database_to_xml_and_xmlschema",
    "database_to_xmlschema",
    "query_to_xml",
    "query_to_xml_and_xmlschema",
    "query_to_xmlschema",
    "schema_to_xml",
    "schema_to_xml_and_xmlschema",
    "schema_to_xmlschema",
    "table_to_xml",
    "table_to_xml_and_xmlschema",
    "table_to_xmlschema",
    "ts_rewrite",
    "ts_stat",
];

/// A name with its schema when the statement qualifies it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct QualifiedName {
    pub schema: Option<String>,
    pub name: String,
}

impl QualifiedName {
    fn from_parts(parts: Vec<String>) -> Option<QualifiedName> {
        let mut parts = parts;
        let name = parts.pop()?;
        // `db.schema.name` keeps the schema; the database part changes nothing here.
        let schema = parts.pop();
        Some(QualifiedName { schema, name })
    }

    fn display(&self) -> String {
        match &self.schema {
            Some(schema) => format!("{schema}.{}", self.name),
            None => self.name.clone(),
        }
    }
}

/// Everything a statement names that the planner may resolve to code.
#[derive(Debug, Default, PartialEq)]
pub struct NamesUsed {
    pub functions: BTreeSet<QualifiedName>,
    pub operators: BTreeSet<QualifiedName>,
    pub types: BTreeSet<QualifiedName>,
    pub relations: BTreeSet<QualifiedName>,
    /// `SET column = DEFAULT` (UPDATE): the default's expression is not in the text.
    pub sets_default: bool,
}

/// Parses one statement (as pg_stat_statements keeps it, constants as `$n`) and collects
/// the names it uses. `Err` says why it cannot be judged (parse failure, not a single
/// SELECT, UPDATE or DELETE, a column set to its DEFAULT, a tree too deep to read).
pub fn names_used(query: &str) -> Result<NamesUsed, String> {
    let parsed = pg_query::parse(query, pg_query::ParserOptions::DEFAULT).map_err(|e| {
        format!("the statement does not parse after normalisation (pg_stat_statements replaced its constants with $n): {e}")
    })?;
    if parsed.protobuf.stmts.len() != 1 {
        return Err(format!(
            "the text holds {} statements, not one",
            parsed.protobuf.stmts.len()
        ));
    }
    let tree = serde_json::to_value(&parsed.protobuf)
        .map_err(|e| format!("its parse tree could not be read: {e}"))?;
    let plannable = tree["stmts"][0]["stmt"]["node"]
        .as_object()
        .is_some_and(|node| {
            ["SelectStmt", "UpdateStmt", "DeleteStmt"]
                .iter()
                .any(|kind| node.contains_key(*kind))
        });
    if !plannable {
        return Err("it is not a plain SELECT, UPDATE or DELETE".to_string());
    }
    let mut names = NamesUsed::default();
    let mut ctes = BTreeSet::new();
    collect(&tree, 0, &mut names, &mut ctes)?;
    if names.sets_default {
        return Err(
            "it sets a column to its DEFAULT, whose expression the statement does not show"
                .to_string(),
        );
    }
    // A CTE's name read as a relation is the CTE, not a table.
    names
        .relations
        .retain(|r| r.schema.is_some() || !ctes.contains(&r.name));
    Ok(names)
}

/// Nesting beyond this is refused rather than walked (prost already refuses deeper trees).
const MAX_DEPTH: usize = 1000;

fn collect(
    value: &Value,
    depth: usize,
    names: &mut NamesUsed,
    ctes: &mut BTreeSet<String>,
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err("its parse tree is nested too deeply to check".to_string());
    }
    match value {
        Value::Array(items) => {
            for item in items {
                collect(item, depth + 1, names, ctes)?;
            }
        }
        Value::Object(map) => {
            if let Some(name) = map.get("funcname").and_then(qualified) {
                names.functions.insert(name);
            }
            // TABLESAMPLE's method is a handler function.
            if let Some(name) = map.get("method").and_then(qualified) {
                names.functions.insert(name);
            }
            if let Some(expr) = map.get("AExpr") {
                if let Some(name) = expr.get("name").and_then(qualified) {
                    for op in operators_of(name) {
                        names.operators.insert(op);
                    }
                }
            }
            for key in ["oper_name", "use_op"] {
                if let Some(name) = map.get(key).and_then(qualified) {
                    names.operators.insert(name);
                }
            }
            if let Some(name) = map
                .get("type_name")
                .and_then(|t| t.get("names"))
                .and_then(qualified)
            {
                names.types.insert(name);
            }
            if let Some(Value::String(relname)) = map.get("relname") {
                let schema = match map.get("schemaname") {
                    Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
                    _ => None,
                };
                names.relations.insert(QualifiedName {
                    schema,
                    name: relname.clone(),
                });
            }
            if map.contains_key("SetToDefault") {
                names.sets_default = true;
            }
            if let Some(Value::String(cte)) = map.get("ctename") {
                ctes.insert(cte.clone());
            }
            for child in map.values() {
                collect(child, depth + 1, names, ctes)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// A list of `String` nodes (`[{"node": {"String": {"sval": "f"}}}]`) as a name.
fn qualified(list: &Value) -> Option<QualifiedName> {
    let items = list.as_array()?;
    if items.is_empty() {
        return None;
    }
    let parts: Option<Vec<String>> = items
        .iter()
        .map(|item| item["node"]["String"]["sval"].as_str().map(str::to_string))
        .collect();
    QualifiedName::from_parts(parts?)
}

/// `BETWEEN` and its variants are spelled as words in the raw tree and mean comparisons.
fn operators_of(name: QualifiedName) -> Vec<QualifiedName> {
    if name.schema.is_none() && name.name.to_ascii_uppercase().contains("BETWEEN") {
        return ["<", "<=", ">", ">="]
            .iter()
            .map(|op| QualifiedName {
                schema: None,
                name: op.to_string(),
            })
            .collect();
    }
    vec![name]
}

/// What no catalog lookup can clear: names qualified with a schema of users, and the
/// system functions that run other SQL. `Some(reason)` refuses the plan.
pub fn refusal_by_name(names: &NamesUsed) -> Option<String> {
    let outside = |n: &QualifiedName| {
        n.schema
            .as_deref()
            .is_some_and(|s| !SYSTEM_SCHEMAS.contains(&s))
    };
    if let Some(f) = names.functions.iter().find(|f| outside(f)) {
        return Some(format!(
            "calls {}(), a function outside pg_catalog",
            f.display()
        ));
    }
    if let Some(f) = names
        .functions
        .iter()
        .find(|f| QUERY_RUNNING_FUNCTIONS.contains(&f.name.as_str()))
    {
        return Some(format!(
            "calls {}(), which runs the SQL of the objects it is given",
            f.display()
        ));
    }
    if let Some(o) = names.operators.iter().find(|o| outside(o)) {
        return Some(format!(
            "uses the operator {}, outside pg_catalog",
            o.display()
        ));
    }
    if let Some(t) = names.types.iter().find(|t| outside(t)) {
        return Some(format!(
            "casts to {}, a type outside pg_catalog",
            t.display()
        ));
    }
    None
}

/// Whether the statement may be planned as the auditor: `Err(reason)` when it may run
/// code that is not PostgreSQL's own, or cannot be judged. Runs catalog queries only.
pub fn check(session: &dyn PlanSession, query: &str) -> Result<(), String> {
    let names = names_used(query)?;
    if let Some(reason) = refusal_by_name(&names) {
        return Err(reason);
    }
    let mut kinds = Vec::new();
    let mut unqualified = Vec::new();
    for (kind, set) in [
        ("function", &names.functions),
        ("operator", &names.operators),
        ("type", &names.types),
    ] {
        for name in set {
            kinds.push(kind.to_string());
            unqualified.push(name.name.clone());
        }
    }
    if !kinds.is_empty() {
        let rows = catalog(session, "plan_safety_names", &kinds, &unqualified)?;
        for row in rows {
            let kind = required(row.text("kind"), "kind")?;
            let name = required(row.text("name"), "name")?;
            let in_system = required(row.boolean("in_system"), "in_system")?;
            let elsewhere = optional(row.text("elsewhere"), "elsewhere")?;
            let shown = if kind == "function" {
                format!("{name}()")
            } else {
                name.clone()
            };
            if let Some(schemas) = elsewhere {
                return Err(format!(
                    "uses {shown}, a {kind} name that also exists outside pg_catalog (in {schemas})"
                ));
            }
            if !in_system {
                return Err(format!("uses {shown}, a {kind} the catalog does not know"));
            }
        }
    }
    if !names.relations.is_empty() {
        let schemas: Vec<String> = names
            .relations
            .iter()
            .map(|r| r.schema.clone().unwrap_or_default())
            .collect();
        let relations: Vec<String> = names.relations.iter().map(|r| r.name.clone()).collect();
        let rows = catalog(session, "plan_safety_relations", &schemas, &relations)?;
        for row in rows {
            let schema = required(row.text("schema"), "schema")?;
            let name = required(row.text("name"), "name")?;
            let found = required(row.int("found"), "found")?;
            let unsafe_ = optional(row.text("unsafe"), "unsafe")?;
            let shown = if schema.is_empty() {
                name
            } else {
                format!("{schema}.{name}")
            };
            if found == 0 {
                return Err(format!(
                    "reads {shown}, a relation the catalog does not know"
                ));
            }
            if let Some(what) = unsafe_ {
                return Err(format!(
                    "reads {shown}, whose planning can run code: {what}"
                ));
            }
        }
    }
    Ok(())
}

/// Runs one of the catalog checks (`queries/postgres/<name>.sql`, two text arrays).
fn catalog(
    session: &dyn PlanSession,
    name: &str,
    first: &[String],
    second: &[String],
) -> Result<Vec<PlainRow>, String> {
    session
        .query(
            crate::collect::postgres_query(name),
            &[Param::TextArray(first), Param::TextArray(second)],
        )
        .map_err(|e| format!("the catalog check ({name}) failed: {}", e.message))
}

/// A column the catalog check always fills.
fn required<T>(value: Result<Option<T>, String>, name: &str) -> Result<T, String> {
    optional(value, name)?.ok_or_else(|| format!("unexpected catalog answer in `{name}`: NULL"))
}

fn optional<T>(value: Result<Option<T>, String>, name: &str) -> Result<Option<T>, String> {
    value.map_err(|e| format!("unexpected catalog answer in `{name}`: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(schema: Option<&str>, name: &str) -> QualifiedName {
        QualifiedName {
            schema: schema.map(str::to_string),
            name: name.to_string(),
        }
    }

    #[test]
    fn names_of_a_hostile_statement() {
        let names = names_used("SELECT v FROM s.t WHERE k = s.f()").unwrap();
        assert!(names.functions.contains(&q(Some("s"), "f")));
        assert!(names.operators.contains(&q(None, "=")));
        assert!(names.relations.contains(&q(Some("s"), "t")));
        assert_eq!(
            refusal_by_name(&names).as_deref(),
            Some("calls s.f(), a function outside pg_catalog")
        );
    }

    #[test]
    fn functions_operators_and_types_everywhere_in_the_tree() {
        let names = names_used(
            "WITH w AS (SELECT a FROM x.y) SELECT lower(b)::myint, c OPERATOR(s.===) $1 \
             FROM w JOIN t ON t.id = ANY (SELECT g FROM generate_series(1, 3) g) \
             WHERE d BETWEEN $2 AND $3 AND e LIKE $4 ORDER BY f USING >",
        )
        .unwrap();
        for f in ["lower", "generate_series"] {
            assert!(names.functions.contains(&q(None, f)), "{f}: {names:?}");
        }
        assert!(names.types.contains(&q(None, "myint")), "{names:?}");
        for op in ["=", "<=", ">=", "~~", ">"] {
            assert!(names.operators.contains(&q(None, op)), "{op}: {names:?}");
        }
        assert!(names.operators.contains(&q(Some("s"), "===")));
        assert!(names.relations.contains(&q(Some("x"), "y")));
        assert!(names.relations.contains(&q(None, "t")));
        assert!(
            !names.relations.contains(&q(None, "w")),
            "a CTE is not a table: {names:?}"
        );
        assert_eq!(
            refusal_by_name(&names).as_deref(),
            Some("uses the operator s.===, outside pg_catalog")
        );
    }

    #[test]
    fn system_functions_that_run_sql_are_refused() {
        let names = names_used(
            "SELECT v FROM t WHERE k = length(table_to_xml($1::regclass, true, true, ''))",
        )
        .unwrap();
        assert!(refusal_by_name(&names)
            .unwrap()
            .contains("table_to_xml(), which runs the SQL"));
    }

    #[test]
    fn casts_to_user_types_and_qualified_system_names() {
        let names = names_used("SELECT pg_catalog.lower(a) FROM t WHERE b = $1::s.dom").unwrap();
        assert_eq!(
            refusal_by_name(&names).as_deref(),
            Some("casts to s.dom, a type outside pg_catalog")
        );
        let plain =
            names_used("SELECT pg_catalog.lower(a) FROM public.t WHERE b = $1::int").unwrap();
        assert_eq!(refusal_by_name(&plain), None);
    }

    #[test]
    fn update_and_delete_are_judged_like_select() {
        let names =
            names_used("UPDATE s.t SET v = v + $1 WHERE k = s.f() RETURNING lower(w)").unwrap();
        assert!(names.relations.contains(&q(Some("s"), "t")));
        assert!(names.functions.contains(&q(None, "lower")));
        assert_eq!(
            refusal_by_name(&names).as_deref(),
            Some("calls s.f(), a function outside pg_catalog")
        );
        let names = names_used("DELETE FROM t USING u WHERE t.k = u.k AND u.v = $1").unwrap();
        assert!(names.relations.contains(&q(None, "u")));
        assert_eq!(refusal_by_name(&names), None);
    }

    #[test]
    fn what_cannot_be_judged_is_said() {
        assert!(names_used("SELECT FROM WHERE")
            .unwrap_err()
            .contains("does not parse after normalisation"));
        assert!(names_used("INSERT INTO t VALUES (1)")
            .unwrap_err()
            .contains("not a plain SELECT, UPDATE or DELETE"));
        assert!(names_used("UPDATE t SET a = DEFAULT WHERE k = $1")
            .unwrap_err()
            .contains("DEFAULT"));
        assert!(names_used("SELECT 1; SELECT 2")
            .unwrap_err()
            .contains("2 statements"));
    }
}
