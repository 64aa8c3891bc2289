//! Regressions found by scanning real public code (First Responder Kit, Ola Hallengren's
//! maintenance solution, Microsoft's SQL Server samples, pgTAP, pg_partman), each reduced
//! to a snippet written for this test.

use dbaudit::config::Config;
use dbaudit::model::{DiagnosticKind, ScanReport};
use dbaudit::scan::scan_text;
use dbaudit::sql::SqlDialect;

fn scan(text: &str, dialect: SqlDialect) -> ScanReport {
    scan_text("t.sql", text, Some(dialect), &Config::default()).expect("scan succeeds")
}

fn rules(report: &ScanReport) -> Vec<(u32, String)> {
    report
        .findings
        .iter()
        .map(|f| (f.location.line.unwrap_or(0), f.rule.clone()))
        .collect()
}

fn not_understood(report: &ScanReport) -> Vec<String> {
    report
        .diagnostics
        .iter()
        .filter(|d| d.kind == DiagnosticKind::NotUnderstood)
        .map(|d| format!("{}: {}", d.line.unwrap_or(0), d.message))
        .collect()
}

#[test]
fn extension_script_placeholders_in_postgres_names() {
    let text = "CREATE FUNCTION @extschema@.f(p_schema text) RETURNS oid LANGUAGE plpgsql AS $$\nDECLARE v oid;\nBEGIN\n    SELECT n.oid INTO v FROM pg_catalog.pg_namespace n WHERE n.nspname = p_schema::name;\n    DELETE FROM @extschema@.part_config WHERE parent_table = p_schema;\n    RETURN v;\nEND $$;\n";
    let report = scan(text, SqlDialect::Postgres);
    assert_eq!(report.objects.len(), 1);
    assert_eq!(report.objects[0].name, "@extschema@.f");
    assert_eq!(report.objects[0].writes, vec!["@extschema@.part_config"]);
    assert!(
        not_understood(&report).is_empty(),
        "{:?}",
        not_understood(&report)
    );
    assert!(
        rules(&report).is_empty(),
        "a parameter cast is not a wrapped column: {:?}",
        rules(&report)
    );
}

#[test]
fn deep_nesting_is_reported_not_a_crash() {
    let parens = format!("SELECT {}1{};\n", "(".repeat(20_000), ")".repeat(20_000));
    let report = scan(&parens, SqlDialect::Postgres);
    assert!(!not_understood(&report).is_empty());
    let whiles = format!(
        "CREATE PROCEDURE dbo.P AS\n{}SELECT 1\n",
        "WHILE 1 = 1\n".repeat(5_000)
    );
    let report = scan(&whiles, SqlDialect::Tsql);
    assert!(not_understood(&report)
        .iter()
        .any(|m| m.contains("nested deeper")));
    let subqueries = format!(
        "SELECT * FROM {}t{};\n",
        "(SELECT * FROM ".repeat(3_000),
        ") x".repeat(3_000)
    );
    let _ = scan(&subqueries, SqlDialect::Tsql);
}

/// A WHERE clause of thousands of wrapped comparisons (generated SQL does this) is read
/// once per clause, not once per finding: each finding's key and equality evidence comes
/// from facts of the clause computed once (before, 4,000 terms took 90 s in a debug build).
#[test]
fn a_long_where_clause_stays_linear() {
    let terms: Vec<String> = (0..3_000)
        // Columns c1..c4: c0 is equal to a value for every row kept (`t.c0 = 1`), so a
        // wrapped c0 would only filter those rows and is not reported.
        .map(|i| format!("LOWER(t.c{}) = 'x{i}'", i % 4 + 1))
        .collect();
    let text = format!(
        "CREATE TABLE dbo.T (c0 int, c1 int, c2 int, c3 int, c4 int);\nCREATE INDEX i0 ON dbo.T (c0, c1, c2, c3, c4);\nGO\nCREATE PROCEDURE dbo.P AS\nSELECT 1 FROM dbo.T AS t WHERE t.c0 = 1 AND {};\nGO\n",
        terms.join(" AND ")
    );
    let started = std::time::Instant::now();
    let report = scan(&text, SqlDialect::Tsql);
    let elapsed = started.elapsed();
    let wrapped = report
        .findings
        .iter()
        .filter(|f| f.rule == "non-sargable-predicate")
        .count();
    assert_eq!(wrapped, 3_000);
    assert!(
        elapsed < std::time::Duration::from_secs(30),
        "3,000 comparisons took {elapsed:?}"
    );
}

// The loop walks a table of the application (a loop over `pg_class` is per-object
// administration, no longer reported).
#[test]
fn plpgsql_loop_messages_name_their_own_query() {
    let text = "SELECT 1;\nSELECT 2;\nCREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$\nDECLARE r record;\nBEGIN\n    RAISE NOTICE 'start';\n    FOR r IN SELECT relname FROM tracked_relations LOOP\n        UPDATE stats SET n = n + 1 WHERE name = r.relname;\n    END LOOP;\nEND $$;\n";
    let report = scan(text, SqlDialect::Postgres);
    assert_eq!(rules(&report), vec![(7, "row-by-row-loop".to_string())]);
    let message = &report.findings[0].message;
    assert!(
        message.contains("SELECT relname FROM tracked_relations"),
        "{message}"
    );
    assert!(
        !message.contains("RAISE") && !message.contains("SELECT 2"),
        "{message}"
    );
}

#[test]
fn integer_range_loops_and_perform_per_row() {
    let ranges = "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n    FOR i IN 1..10 LOOP\n        DELETE FROM queue WHERE id IN (SELECT id FROM queue LIMIT 1000);\n    END LOOP;\nEND $$;\n";
    assert!(rules(&scan(ranges, SqlDialect::Postgres)).is_empty());
    let perform = "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$\nDECLARE r record;\nBEGIN\n    FOR r IN SELECT id FROM appointments LOOP\n        PERFORM notify_client(r.id);\n    END LOOP;\nEND $$;\n";
    assert_eq!(
        rules(&scan(perform, SqlDialect::Postgres)),
        vec![(4, "row-by-row-loop".to_string())]
    );
}

#[test]
fn semicolon_before_else_and_set_options_without_semicolons() {
    let text = "CREATE PROCEDURE dbo.P @x INT AS\nSET NOCOUNT ON\nIF @x = 1 BEGIN SELECT 1 END; ELSE BEGIN SELECT 2 END;\nGO\nCREATE PROCEDURE dbo.Q AS SET NOCOUNT ON BEGIN SELECT 1; END;\nGO\n";
    let report = scan(text, SqlDialect::Tsql);
    assert!(
        not_understood(&report).is_empty(),
        "{:?}",
        not_understood(&report)
    );
    assert_eq!(report.objects.len(), 2);
}

#[test]
fn not_like_and_joins_on_computed_values_are_not_reported() {
    let text = "SELECT id FROM dbo.t WHERE status = 1 AND name NOT LIKE '%tmp%';\nSELECT o.id FROM dbo.Orders o JOIN dbo.Customers c ON c.Code = UPPER(o.CustCode);\nSELECT id FROM dbo.t WHERE instance_name LIKE '_Total%';\n";
    assert_eq!(
        rules(&scan(text, SqlDialect::Tsql)),
        vec![(3, "leading-wildcard-like".to_string())]
    );
}

#[test]
fn select_star_over_functions_and_values_is_explicit() {
    let text = "SELECT * FROM finish();\nSELECT v.* FROM (VALUES (1, 2)) AS v (a, b);\n";
    assert!(rules(&scan(text, SqlDialect::Postgres)).is_empty());
    let tsql = "SELECT * FROM OPENJSON(@j) WITH (Name nvarchar(100));\nCREATE FUNCTION dbo.f(@u INT) RETURNS TABLE AS RETURN (SELECT * FROM dbo.Notifications WHERE UserId = @u)\n";
    assert_eq!(
        rules(&scan(tsql, SqlDialect::Tsql)),
        vec![(2, "select-star".to_string())]
    );
}

#[test]
fn graph_match_hex_literals_and_psql_meta_commands() {
    let graph = "SELECT p1.name FROM Person p1, friend f1, Person p2 WHERE MATCH(p1-(f1)->p2);\n";
    assert!(rules(&scan(graph, SqlDialect::Tsql)).is_empty());
    let hex = "SELECT id FROM sysobjects WHERE YEAR(crdate) = 2020 AND sysstat & 0x1F = 0x0A;\n";
    let report = scan(hex, SqlDialect::Tsql);
    assert!(report.findings.iter().all(|f| !f.message.contains("N'")));
    let psql = "\\i setup.sql\n\\set ON_ERROR_STOP 1\nBEGIN;\nSELECT plan(1) \\gset\nSELECT id FROM t WHERE a = 1;\nROLLBACK;\n";
    let report = scan_text("t.sql", psql, None, &Config::default()).unwrap();
    assert!(
        not_understood(&report).is_empty(),
        "{:?}",
        not_understood(&report)
    );
    assert!(rules(&report).is_empty());
}

#[test]
fn loops_over_temp_tables_and_table_variables_only() {
    let text = "CREATE PROCEDURE dbo.P AS\nDECLARE @i int = 0, @t TABLE (v int)\nWHILE @i < 10 BEGIN SET @i = @i + 1; INSERT INTO @t (v) VALUES (@i); UPDATE #work SET v = 1 WHERE v = @i; END\n";
    assert!(rules(&scan(text, SqlDialect::Tsql)).is_empty());
}

#[test]
fn dml_target_aliases_and_trigger_pseudo_tables_in_facts() {
    let text = "CREATE TRIGGER dbo.trg ON dbo.Payments AFTER UPDATE AS\nDELETE n FROM dbo.Notifications n JOIN deleted d ON d.PaymentId = n.PaymentId\nGO\n";
    let report = scan(text, SqlDialect::Tsql);
    let object = &report.objects[0];
    assert_eq!(object.writes, vec!["dbo.Notifications"]);
    assert!(object.reads.is_empty(), "{:?}", object.reads);
    assert!(
        object
            .predicates
            .iter()
            .all(|p| p.table == "dbo.Notifications"),
        "{:?}",
        object.predicates
    );
}

#[test]
fn catalogs_and_dmvs_cannot_be_indexed_so_are_not_reported() {
    let text = "SELECT name FROM sys.databases WHERE UPPER(name) = @n AND name LIKE '%tmp';\nSELECT relname FROM pg_class WHERE relname::text LIKE '%x';\nSELECT o.id FROM dbo.Orders o WHERE YEAR(o.Created) = 2024;\n";
    assert_eq!(
        rules(&scan(text, SqlDialect::Tsql)),
        vec![(3, "non-sargable-predicate".to_string())]
    );
}

#[test]
fn precision_review_false_positives() {
    // BETWEEN with bare column bounds can seek.
    let between = "SELECT MIN(sd.UnitPrice) FROM Sales.SpecialDeals AS sd WHERE @d BETWEEN sd.StartDate AND sd.EndDate;\n";
    assert!(rules(&scan(between, SqlDialect::Tsql)).is_empty());
    // Columns computed in a derived table or CTE cannot be indexed.
    let derived = "IF EXISTS (SELECT * FROM (SELECT REPLACE(@FileName, 'x', '') AS FileName) Temp WHERE FileName LIKE '%{%') PRINT 'bad';\nWITH x AS (SELECT p.name, UPPER(p.code) AS code FROM dbo.Plans p) SELECT name FROM x WHERE LOWER(code) = 'a';\n";
    assert!(
        rules(&scan(derived, SqlDialect::Tsql)).is_empty(),
        "{:?}",
        rules(&scan(derived, SqlDialect::Tsql))
    );
    // A DMV reached through CROSS APPLY.
    let apply = "SELECT p.PlanHandle FROM dbo.Procs p CROSS APPLY sys.dm_exec_plan_attributes(p.PlanHandle) pa WHERE pa.attribute LIKE '%cursor%';\n";
    assert!(rules(&scan(apply, SqlDialect::Tsql)).is_empty());
    // A loop over at most one row.
    let once = "CREATE FUNCTION f(p text) RETURNS void LANGUAGE plpgsql AS $$\nDECLARE r record;\nBEGIN\n    FOR r IN SELECT x FROM cfg WHERE parent LIKE p LIMIT 1 LOOP\n        INSERT INTO other (parent, y) VALUES (p, r.x);\n    END LOOP;\nEND $$;\n";
    assert!(rules(&scan(once, SqlDialect::Postgres)).is_empty());
    // LEFT(...) is a function inside an operand, and shown whole.
    let left = "SELECT 1 FROM dbo.Backups WHERE LEFT(BackupFile, 5) = @x;\n";
    let report = scan(left, SqlDialect::Tsql);
    assert_eq!(
        rules(&report),
        vec![(1, "non-sargable-predicate".to_string())]
    );
    assert!(
        report.findings[0].message.contains("LEFT(BackupFile, 5)"),
        "{}",
        report.findings[0].message
    );
}
