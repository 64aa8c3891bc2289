//! The index advisor reads the workload as PostgreSQL does (issue 18), each case on a
//! real throwaway cluster through `dbaudit audit --db`: a partitioned table raises no
//! false transaction-ID alarm for its parent and gets its index there (its partitions'
//! rows summed, no CONCURRENTLY, a reserved-word column quoted); every statement considered and every
//! candidate not recommended comes with its reason, in report.json and report.md; after
//! `pg_stat_reset()` the planner's `reltuples` sizes the tables (and the report says so);
//! UPDATE and DELETE are verified with HypoPG and nothing is written; a materialized view
//! is indexed like a table; a statement on a plain view (or a view over a view) gets its
//! index on the base table, and a computed view column, a security_barrier view and an
//! aggregating view say why they get none; CTEs and ORDER BY positions / aliases reach the base table's
//! columns (a MATERIALIZED CTE's candidate is refused by the planner, with that reason).
//! The recommended set is planned as a whole: the workload's cost before and after, and an
//! index the planner no longer uses once the others exist is dropped with its reason.
//! Where an index is recommended, its DDL is run on the cluster and the planner is shown
//! to use it.

#[path = "support/pg_cluster.rs"]
mod pg_cluster;

use std::path::Path;

use serde_json::Value;

use pg_cluster::dbaudit;

/// A cluster with database `app`, pg_stat_statements and HypoPG; `None` (skip) when no
/// server or no HypoPG is installed, except under CI.
fn start() -> Option<pg_cluster::PgCluster> {
    let pg = pg_cluster::start()?;
    if !pg.has_extension_available("hypopg") {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("HypoPG is not installed: .ci/run installs it (postgresql-15-hypopg)");
        }
        eprintln!("skipped: HypoPG is not installed");
        return None;
    }
    pg.create_database("app");
    pg.psql(
        "app",
        "CREATE EXTENSION pg_stat_statements; CREATE EXTENSION hypopg;",
    );
    Some(pg)
}

/// `statement` run `times` times (pg_stat_statements folds the literals into `$n`).
fn run_workload(pg: &pg_cluster::PgCluster, statements: &[(&str, usize)]) {
    let mut workload = String::new();
    for (statement, times) in statements {
        for _ in 0..*times {
            workload.push_str(statement);
            workload.push_str("; ");
        }
    }
    pg.psql("app", &workload);
}

/// `dbaudit audit --db` as the superuser into `out`: report.json, and report.md's text.
fn audit(pg: &pg_cluster::PgCluster, out: &Path) -> (Value, String) {
    audit_with(pg, out, &[])
}

/// [`audit`] with more arguments (`--source DIR`).
fn audit_with(pg: &pg_cluster::PgCluster, out: &Path, more: &[&str]) -> (Value, String) {
    let url = pg.url("postgres", None, "app");
    let mut args = vec![
        "audit",
        "--db",
        &url,
        "--out",
        out.to_str().unwrap(),
        "--quiet",
        "--fail-on",
        "none",
    ];
    args.extend_from_slice(more);
    let output = dbaudit(&args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json = std::fs::read_to_string(out.join("report.json")).unwrap();
    let markdown = std::fs::read_to_string(out.join("report.md")).unwrap();
    (serde_json::from_str(&json).unwrap(), markdown)
}

fn recommendation<'a>(report: &'a Value, table: &str) -> Option<&'a Value> {
    report["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["table"] == table)
}

/// Runs a recommendation's DDL on the cluster (statement by statement: CONCURRENTLY
/// refuses a transaction block), then shows that the planner uses the index for `query`.
fn apply_and_plan(pg: &pg_cluster::PgCluster, rec: &Value, query: &str) {
    let ddl = rec["ddl"].as_str().unwrap();
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), ddl).unwrap();
    pg.psql_file("app", file.path());
    let name = rec["name"].as_str().unwrap();
    let plan = pg.psql("app", &format!("EXPLAIN {query}"));
    assert!(
        plan.contains(name),
        "the planner uses {name} after `{ddl}`:\n{plan}"
    );
}

#[test]
fn a_partitioned_table_gets_its_index_on_the_parent_and_no_transaction_id_alarm() {
    let Some(pg) = start() else { return };
    pg.psql(
        "app",
        "CREATE TABLE measurements (id int, taken date, \"order\" int, v int) PARTITION BY RANGE (taken); \
         CREATE TABLE measurements_2020 PARTITION OF measurements FOR VALUES FROM ('2020-01-01') TO ('2021-01-01'); \
         CREATE TABLE measurements_2021 PARTITION OF measurements FOR VALUES FROM ('2021-01-01') TO ('2022-01-01'); \
         INSERT INTO measurements SELECT g, date '2020-01-01' + (g % 700), g, g FROM generate_series(1, 60000) g; \
         ANALYZE measurements;",
    );
    run_workload(
        &pg,
        &[("SELECT v FROM measurements WHERE \"order\" = 4242", 40)],
    );
    let work = tempfile::tempdir().unwrap();
    let (report, _) = audit(&pg, work.path());
    let xid: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "xid-wraparound-risk")
        .collect();
    assert!(
        xid.is_empty(),
        "no relation here is old; a partitioned parent has no relfrozenxid: {xid:?}"
    );
    // The index goes on the parent, which reaches every partition, sized by their rows
    // summed; without CONCURRENTLY (PostgreSQL refuses it there), which the DDL says; the
    // reserved-word column quoted.
    let rec = recommendation(&report, "measurements").unwrap_or_else(|| {
        panic!(
            "an index for the partitioned table: {}",
            report["statement_decisions"]
        )
    });
    assert_eq!(rec["key_columns"], serde_json::json!(["order"]));
    assert_eq!(rec["table_rows"], 60000);
    assert_eq!(
        rec["basis"]["kind"], "verified",
        "HypoPG verifies it: {rec}"
    );
    assert!(
        rec["explanation"]
            .as_str()
            .unwrap()
            .contains("partitioned table: the rows of its 2 partition(s) summed"),
        "{rec}"
    );
    let ddl = rec["ddl"].as_str().unwrap();
    assert!(
        ddl.starts_with("-- A partitioned table: PostgreSQL refuses CREATE INDEX CONCURRENTLY"),
        "{ddl}"
    );
    assert_eq!(
        ddl.lines().last(),
        Some(
            "CREATE INDEX IF NOT EXISTS ix_measurements_order ON public.measurements (\"order\");"
        ),
        "{ddl}"
    );
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), ddl).unwrap();
    pg.psql_file("app", file.path());
    let partition_indexes = pg.psql(
        "app",
        "SELECT relid::regclass FROM pg_partition_tree('public.ix_measurements_order') WHERE isleaf",
    );
    assert_eq!(partition_indexes.lines().count(), 2, "{partition_indexes}");
    let plan = pg.psql(
        "app",
        "EXPLAIN SELECT v FROM measurements WHERE \"order\" = 4242",
    );
    for index in partition_indexes.lines() {
        assert!(plan.contains(index.trim()), "{index} used:\n{plan}");
    }
}

#[test]
fn every_statement_considered_and_every_no_has_its_reason() {
    let Some(pg) = start() else { return };
    pg.psql(
        "app",
        "CREATE TABLE orders (id int PRIMARY KEY, client int, placed date, note text); \
         INSERT INTO orders SELECT g, g % 5000, date '2020-01-01' + (g % 900), 'n' FROM generate_series(1, 60000) g; \
         CREATE TABLE tiny (id int, k int); INSERT INTO tiny SELECT g, g FROM generate_series(1, 50) g; \
         ANALYZE orders; ANALYZE tiny;",
    );
    run_workload(
        &pg,
        &[
            ("SELECT note FROM orders WHERE client = 77", 60),
            ("SELECT note FROM orders WHERE id = 9", 60),
            ("SELECT id FROM tiny WHERE k = 3", 60),
            ("SELECT note FROM orders WHERE placed = '2020-03-03'", 2),
        ],
    );
    let work = tempfile::tempdir().unwrap();
    let (report, markdown) = audit(&pg, work.path());
    assert_eq!(report["schema_version"], 4);
    let decisions = report["statement_decisions"].as_array().unwrap();
    assert!(!decisions.is_empty(), "statements were considered");
    let of = |needle: &str| -> &Value {
        decisions
            .iter()
            .find(|d| d["query"].as_str().unwrap().contains(needle))
            .unwrap_or_else(|| panic!("a decision for `{needle}`: {decisions:?}"))
    };
    let outcome = |needle: &str| of(needle)["outcome"].as_str().unwrap().to_string();
    assert!(
        outcome("WHERE client =").starts_with("candidate: public.orders (client)"),
        "{}",
        of("WHERE client =")
    );
    assert!(
        of("WHERE client =")["advice"][0]
            .as_str()
            .unwrap()
            .starts_with("recommended #1 ix_orders_client"),
        "{}",
        of("WHERE client =")
    );
    assert!(
        outcome("WHERE id =").contains("covered by orders_pkey"),
        "{}",
        outcome("WHERE id =")
    );
    assert!(
        outcome("FROM tiny").contains("table too small")
            && outcome("FROM tiny").contains("50 rows"),
        "{}",
        outcome("FROM tiny")
    );
    assert!(
        outcome("WHERE placed =").contains("too few calls (2 < "),
        "{}",
        outcome("WHERE placed =")
    );
    for d in decisions {
        assert!(!d["outcome"].as_str().unwrap().is_empty(), "{d}");
    }
    // The Markdown report gives the same reasons.
    assert!(
        markdown.contains("### Statements considered and what became of them"),
        "{markdown}"
    );
    for reason in [
        "covered by orders_pkey",
        "table too small",
        "too few calls",
        "recommended #1",
    ] {
        assert!(markdown.contains(reason), "{reason} in:\n{markdown}");
    }
    let rec = recommendation(&report, "orders").expect("an index for orders.client");
    apply_and_plan(&pg, rec, "SELECT note FROM orders WHERE client = 77");
}

#[test]
fn after_a_statistics_reset_the_planner_estimate_sizes_the_table() {
    let Some(pg) = start() else { return };
    pg.psql(
        "app",
        "CREATE TABLE visits (id int, patient int, at date); \
         INSERT INTO visits SELECT g, g % 4000, date '2020-01-01' + (g % 900) FROM generate_series(1, 60000) g; \
         ANALYZE visits;",
    );
    run_workload(&pg, &[("SELECT at FROM visits WHERE patient = 12", 50)]);
    pg.psql("app", "SELECT pg_stat_reset()");
    let live = pg.psql(
        "app",
        "SELECT n_live_tup FROM pg_stat_user_tables WHERE relname = 'visits'",
    );
    assert_eq!(live.trim(), "0", "the counters were reset");
    let work = tempfile::tempdir().unwrap();
    let (report, markdown) = audit(&pg, work.path());
    let rec = recommendation(&report, "visits").unwrap_or_else(|| {
        panic!(
            "still a recommendation after the reset: {}",
            report["statement_decisions"]
        )
    });
    assert_eq!(rec["key_columns"], serde_json::json!(["patient"]));
    assert_eq!(rec["table_rows"], 60000);
    let explanation = rec["explanation"].as_str().unwrap();
    assert!(
        explanation.contains("60000 rows by pg_class.reltuples: n_live_tup is 0"),
        "the report says where the size came from: {explanation}"
    );
    assert!(markdown.contains("pg_class.reltuples"), "{markdown}");
    // The missing-index finding had to take the planner's estimate: it says so.
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "missing-index" && f["location"]["object"] == "public.visits")
        .unwrap_or_else(|| panic!("a missing-index finding: {}", report["findings"]));
    assert_eq!(finding["confidence"]["level"], "medium", "{finding}");
    assert!(
        finding["confidence"]["reasons"][0]
            .as_str()
            .unwrap()
            .contains("pg_class.reltuples"),
        "{finding}"
    );
    assert_eq!(
        rec["basis"]["kind"], "verified",
        "HypoPG still verifies it: {rec}"
    );
    apply_and_plan(&pg, rec, "SELECT at FROM visits WHERE patient = 12");
}

#[test]
fn update_and_delete_candidates_are_verified_and_nothing_is_written() {
    let Some(pg) = start() else { return };
    pg.psql(
        "app",
        "CREATE TABLE accounts (id int PRIMARY KEY, account_no int, balance int); \
         INSERT INTO accounts SELECT g, g, 100 FROM generate_series(1, 60000) g; \
         CREATE TABLE ledger (id int PRIMARY KEY, batch int, amount int); \
         INSERT INTO ledger SELECT g, g % 3000, 1 FROM generate_series(1, 60000) g; \
         ANALYZE accounts; ANALYZE ledger;",
    );
    run_workload(
        &pg,
        &[
            (
                "UPDATE accounts SET balance = balance + 1 WHERE account_no = 77",
                40,
            ),
            ("DELETE FROM ledger WHERE batch = -5", 40),
        ],
    );
    let state = "SELECT sum(balance), count(*), (SELECT count(*) FROM ledger) FROM accounts";
    let before = pg.psql("app", state);
    let work = tempfile::tempdir().unwrap();
    let (report, _) = audit(&pg, work.path());
    assert_eq!(
        pg.psql("app", state),
        before,
        "planning UPDATE and DELETE wrote nothing"
    );
    for (table, key, query) in [
        (
            "accounts",
            "account_no",
            "UPDATE accounts SET balance = balance + 1 WHERE account_no = 77",
        ),
        ("ledger", "batch", "DELETE FROM ledger WHERE batch = -5"),
    ] {
        let rec = recommendation(&report, table)
            .unwrap_or_else(|| panic!("an index for {table}: {}", report["statement_decisions"]));
        assert_eq!(rec["key_columns"], serde_json::json!([key]));
        assert_eq!(
            rec["basis"]["kind"], "verified",
            "HypoPG plans the {table} statement like a SELECT: {rec}"
        );
        apply_and_plan(&pg, rec, query);
    }
}

#[test]
fn a_materialized_view_is_indexed_like_a_table() {
    let Some(pg) = start() else { return };
    pg.psql(
        "app",
        "CREATE TABLE sales (id int, client int, amount int); \
         INSERT INTO sales SELECT g, g % 30000, g % 97 FROM generate_series(1, 90000) g; \
         CREATE MATERIALIZED VIEW client_totals AS \
           SELECT client, sum(amount) AS total, count(*) AS n FROM sales GROUP BY client; \
         ANALYZE sales; ANALYZE client_totals;",
    );
    run_workload(
        &pg,
        &[("SELECT total FROM client_totals WHERE client = 77", 40)],
    );
    let work = tempfile::tempdir().unwrap();
    let (report, _) = audit(&pg, work.path());
    let rec = recommendation(&report, "client_totals").unwrap_or_else(|| {
        panic!(
            "an index for the materialized view: {}",
            report["statement_decisions"]
        )
    });
    assert_eq!(rec["key_columns"], serde_json::json!(["client"]));
    assert_eq!(rec["basis"]["kind"], "verified", "{rec}");
    assert_eq!(
        rec["ddl"],
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_client_totals_client ON public.client_totals (client);"
    );
    apply_and_plan(
        &pg,
        rec,
        "SELECT total FROM client_totals WHERE client = 77",
    );
}

#[test]
fn ctes_and_order_by_positions_and_aliases_reach_the_base_table() {
    let Some(pg) = start() else { return };
    pg.psql(
        "app",
        "CREATE TABLE tickets (id int, owner int, body text); \
         INSERT INTO tickets SELECT g, g % 5000, 'b' FROM generate_series(1, 60000) g; \
         CREATE TABLE parcels (id int, dest int); \
         INSERT INTO parcels SELECT g, g % 5000 FROM generate_series(1, 60000) g; \
         CREATE TABLE orders_log (id int, region int, \"order\" int); \
         INSERT INTO orders_log SELECT g, g % 3000, g FROM generate_series(1, 60000) g; \
         CREATE TABLE notes (id int, author int, created int); \
         INSERT INTO notes SELECT g, g % 3000, g FROM generate_series(1, 60000) g; \
         ANALYZE tickets; ANALYZE parcels; ANALYZE orders_log; ANALYZE notes;",
    );
    let cte = "WITH t AS (SELECT id, owner FROM tickets) SELECT id FROM t WHERE owner = 42";
    let materialized =
        "WITH m AS MATERIALIZED (SELECT * FROM parcels) SELECT id FROM m WHERE dest = 9";
    let position = "SELECT \"order\", id FROM orders_log WHERE region = 3 ORDER BY 1 DESC LIMIT 10";
    let alias = "SELECT id, created AS c FROM notes WHERE author = 5 ORDER BY c LIMIT 10";
    run_workload(
        &pg,
        &[(cte, 40), (materialized, 40), (position, 40), (alias, 40)],
    );
    let work = tempfile::tempdir().unwrap();
    let (report, _) = audit(&pg, work.path());
    let decisions = report["statement_decisions"].to_string();
    for (table, key, query) in [
        ("tickets", serde_json::json!(["owner"]), cte),
        (
            "orders_log",
            serde_json::json!(["region", "order"]),
            position,
        ),
        ("notes", serde_json::json!(["author", "created"]), alias),
    ] {
        let rec = recommendation(&report, table)
            .unwrap_or_else(|| panic!("an index for {table}: {decisions}"));
        assert_eq!(rec["key_columns"], key, "{rec}");
        assert_eq!(rec["basis"]["kind"], "verified", "{rec}");
        apply_and_plan(&pg, rec, query);
    }
    let rec = recommendation(&report, "orders_log").unwrap();
    assert_eq!(
        rec["ddl"],
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_orders_log_region_order ON public.orders_log (region, \"order\");"
    );
    // A MATERIALIZED CTE is a fence: the planner cannot use an index on the table for
    // the outer filter, and the decision says so rather than recommending one.
    assert!(recommendation(&report, "parcels").is_none(), "{decisions}");
    let fenced = report["statement_decisions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["query"].as_str().unwrap().contains("MATERIALIZED"))
        .unwrap_or_else(|| panic!("a decision for the materialized CTE: {decisions}"));
    assert!(
        fenced
            .to_string()
            .contains("not recommended: public.parcels (dest): HypoPG"),
        "{fenced}"
    );
}

#[test]
fn a_statement_on_a_view_gets_its_index_on_the_base_table() {
    let Some(pg) = start() else { return };
    pg.psql(
        "app",
        "CREATE TABLE patients (id int, clinic int, ward int, born date); \
         INSERT INTO patients SELECT g, g % 4000, g % 2500, date '1950-01-01' + (g % 20000) FROM generate_series(1, 60000) g; \
         CREATE TABLE shipments (id int, depot int, weight int); \
         INSERT INTO shipments SELECT g, g % 4000, g % 50 FROM generate_series(1, 60000) g; \
         CREATE VIEW clinic_patients AS SELECT p.id, p.clinic AS clinic_no, p.born FROM patients p; \
         CREATE VIEW recent_patients AS SELECT c.id, c.clinic_no AS site FROM clinic_patients c; \
         CREATE VIEW heavy AS SELECT s.id, s.depot + 0 AS depot_calc FROM shipments s; \
         CREATE VIEW guarded WITH (security_barrier) AS SELECT p.id, p.ward FROM patients p; \
         CREATE VIEW per_depot AS SELECT s.depot, count(*) AS n FROM shipments s GROUP BY s.depot; \
         ANALYZE patients; ANALYZE shipments;",
    );
    let on_view = "SELECT born FROM clinic_patients WHERE clinic_no = 42";
    let on_view_of_view = "SELECT id FROM recent_patients WHERE site = 77";
    let computed = "SELECT id FROM heavy WHERE depot_calc = 9";
    let barrier = "SELECT id FROM guarded WHERE ward = 5";
    let aggregated = "SELECT n FROM per_depot WHERE depot = 3";
    run_workload(
        &pg,
        &[
            (on_view, 50),
            (on_view_of_view, 40),
            (computed, 40),
            (barrier, 40),
            (aggregated, 40),
        ],
    );
    let work = tempfile::tempdir().unwrap();
    let (report, markdown) = audit(&pg, work.path());
    let decisions = report["statement_decisions"].to_string();
    // Both statements (on the view and on the view over it) reach patients.clinic: one
    // index on the base table serves them.
    let rec = recommendation(&report, "patients")
        .unwrap_or_else(|| panic!("an index on the base table: {decisions}"));
    assert_eq!(rec["key_columns"], serde_json::json!(["clinic"]), "{rec}");
    assert_eq!(rec["basis"]["kind"], "verified", "{rec}");
    assert_eq!(
        rec["ddl"],
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_patients_clinic ON public.patients (clinic);"
    );
    let outcome = |needle: &str| -> String {
        report["statement_decisions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["query"].as_str().unwrap().contains(needle))
            .unwrap_or_else(|| panic!("a decision for {needle}: {decisions}"))
            .to_string()
    };
    assert!(
        outcome("FROM recent_patients").contains("through view public.recent_patients"),
        "{}",
        outcome("FROM recent_patients")
    );
    // A computed view column, a security_barrier view and an aggregating view: no
    // candidate, each with its reason, in report.json and report.md.
    assert!(
        recommendation(&report, "shipments").is_none(),
        "{decisions}"
    );
    for (needle, reason) in [
        ("FROM heavy", "view column depot_calc is computed"),
        ("FROM guarded", "security_barrier view"),
        ("FROM per_depot", "aggregates (GROUP BY)"),
    ] {
        assert!(outcome(needle).contains(reason), "{}", outcome(needle));
        assert!(markdown.contains(reason), "{reason} in:\n{markdown}");
    }
    // The index applies, and the planner uses it for the statements on the views.
    apply_and_plan(&pg, rec, on_view);
    let plan = pg.psql("app", &format!("EXPLAIN {on_view_of_view}"));
    assert!(plan.contains("ix_patients_clinic"), "{plan}");
}

#[test]
fn the_recommended_set_is_planned_as_a_whole_and_a_redundant_index_is_dropped() {
    let Some(pg) = start() else { return };
    // Each filter alone is worth an index for the join (HypoPG verifies both, one at a
    // time), but once da(x) exists the planner reaches db through its primary key and
    // leaves db(y) unused.
    pg.psql(
        "app",
        "CREATE TABLE db (id int PRIMARY KEY, y int, pad text); \
         CREATE TABLE da (id int PRIMARY KEY, b_id int, x int, pad text); \
         INSERT INTO db SELECT g, g % 6000, 'p' FROM generate_series(1, 60000) g; \
         INSERT INTO da SELECT g, g, g, 'p' FROM generate_series(1, 60000) g; \
         CREATE INDEX da_b_id ON da (b_id); \
         ANALYZE da; ANALYZE db;",
    );
    let join =
        "SELECT da.pad, db.pad FROM da JOIN db ON db.id = da.b_id WHERE da.x = 5 AND db.y = 7";
    run_workload(&pg, &[(join, 40)]);
    let work = tempfile::tempdir().unwrap();
    let (report, markdown) = audit(&pg, work.path());
    let evaluation = &report["workload_evaluation"];
    assert!(evaluation.is_object(), "an evaluation: {report}");
    let before = evaluation["cost_before"].as_f64().unwrap();
    let after = evaluation["cost_after"].as_f64().unwrap();
    assert!(
        evaluation["statements_planned"].as_u64().unwrap() >= 1,
        "{evaluation}"
    );
    assert!(
        after < before / 10.0,
        "the set cuts the workload's planned cost: {before} -> {after}"
    );
    assert_eq!(evaluation["indexes"], 2, "{evaluation}");
    // One index stays, as #1; the other is dropped with its reason.
    let recs = report["recommendations"].as_array().unwrap();
    assert_eq!(recs.len(), 1, "{}", report["recommendations"]);
    let kept = &recs[0];
    assert_eq!(kept["rank"], 1);
    let kept_name = kept["name"].as_str().unwrap();
    let dropped = report["dropped_candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["reason"].as_str().unwrap().contains("not used once"))
        .unwrap_or_else(|| panic!("a redundant candidate: {}", report["dropped_candidates"]));
    assert_ne!(dropped["table"], kept["table"]);
    assert!(
        dropped["reason"]
            .as_str()
            .unwrap()
            .starts_with(&format!("not used once #1 {kept_name} exists")),
        "{dropped}"
    );
    assert_eq!(evaluation["dropped"].as_array().unwrap().len(), 1);
    assert!(
        evaluation["worse"].as_array().unwrap().is_empty(),
        "{evaluation}"
    );
    assert!(
        markdown.contains("### The recommended set as a whole"),
        "{markdown}"
    );
    assert!(markdown.contains("not used once #1"), "{markdown}");
    apply_and_plan(&pg, kept, join);
}

/// The recommendation for `table` or a panic naming what the advisor decided.
fn expect_recommendation<'a>(report: &'a Value, table: &str) -> &'a Value {
    recommendation(report, table).unwrap_or_else(|| {
        panic!(
            "an index for {table}: {} / dropped: {}",
            report["statement_decisions"], report["dropped_candidates"]
        )
    })
}

/// The plan of `query` after the recommendation's DDL ran, for the shape's own check.
fn apply_and_explain(pg: &pg_cluster::PgCluster, rec: &Value, query: &str) -> String {
    apply_and_plan(pg, rec, query);
    pg.psql("app", &format!("EXPLAIN {query}"))
}

#[test]
fn include_columns_only_when_the_plan_becomes_an_index_only_scan() {
    let Some(pg) = start() else { return };
    pg.psql(
        "app",
        "CREATE TABLE gauges (id int, device int, taken int, reading int); \
         INSERT INTO gauges SELECT g, g % 2000, g, g % 97 FROM generate_series(1, 100000) g; \
         CREATE TABLE logs (id int, device int, taken int, line text); \
         INSERT INTO logs SELECT g, g % 2000, g, md5(g::text) FROM generate_series(1, 100000) g;",
    );
    // The visibility map set (VACUUM cannot run in psql's one transaction above): what
    // makes an Index Only Scan cheaper than an Index Scan.
    // A concurrent transaction (autovacuum's ANALYZE of the other table, on a busy
    // machine) can keep VACUUM from marking the pages: repeat until they all are.
    for table in ["gauges", "logs"] {
        for _ in 0..30 {
            pg.psql("app", &format!("VACUUM ANALYZE {table}"));
            let marked = pg.psql(
                "app",
                &format!("SELECT relallvisible = relpages FROM pg_class WHERE relname = '{table}'"),
            );
            if marked.trim() == "t" {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(500));
        }
    }
    let narrow = "SELECT taken, reading FROM gauges WHERE device = 42";
    let wide = "SELECT line FROM logs WHERE device = 42";
    run_workload(&pg, &[(narrow, 40), (wide, 40)]);
    let work = tempfile::tempdir().unwrap();
    let (report, _) = audit(&pg, work.path());
    // A hot narrow select: the key index with the two columns it reads, because HypoPG
    // shows an Index Only Scan that costs less than the key alone.
    let rec = expect_recommendation(&report, "gauges");
    assert_eq!(rec["key_columns"], serde_json::json!(["device"]), "{rec}");
    assert_eq!(
        rec["include_columns"],
        serde_json::json!(["taken", "reading"]),
        "{rec}"
    );
    assert_eq!(rec["basis"]["kind"], "verified", "{rec}");
    assert_eq!(
        rec["ddl"],
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_gauges_device ON public.gauges (device) INCLUDE (taken, reading);"
    );
    assert!(
        rec["explanation"]
            .as_str()
            .unwrap()
            .contains("INCLUDE (taken, reading): the plan becomes an Index Only Scan"),
        "{rec}"
    );
    // The whole-set evaluation created this index as recommended (with its INCLUDE
    // columns): the evaluated set is the recommended one, and the index stays.
    let evaluation = &report["workload_evaluation"];
    assert!(
        evaluation["statements_planned"].as_u64().unwrap_or(0) >= 2,
        "{evaluation}"
    );
    assert!(
        !evaluation["caveats"]
            .to_string()
            .contains("not among these recommendations"),
        "{evaluation}"
    );
    assert!(
        !evaluation["dropped"]
            .to_string()
            .contains("ix_gauges_device"),
        "{evaluation}"
    );
    let plan = apply_and_explain(&pg, rec, narrow);
    assert!(
        plan.contains("Index Only Scan using ix_gauges_device"),
        "{plan}"
    );
    // Its look-alike reads a text column: no INCLUDE, and the reason.
    let rec = expect_recommendation(&report, "logs");
    assert_eq!(rec["key_columns"], serde_json::json!(["device"]), "{rec}");
    assert_eq!(rec["include_columns"], serde_json::json!([]), "{rec}");
    assert!(
        rec["explanation"].as_str().unwrap().contains(
            "no INCLUDE: the statement reads 1 column(s) beyond the key, not at most 3 narrow ones"
        ),
        "{rec}"
    );
    apply_and_plan(&pg, rec, wide);
}

#[test]
fn a_partial_index_for_a_rare_condition_and_none_for_a_common_one() {
    let Some(pg) = start() else { return };
    pg.psql(
        "app",
        "CREATE TABLE queue (id int, owner int, finished_at timestamptz, payload text); \
         INSERT INTO queue SELECT g, g % 500, CASE WHEN g % 100 = 0 THEN NULL ELSE now() END, 'p' \
           FROM generate_series(1, 100000) g; \
         CREATE TABLE chores (id int, owner int, done boolean NOT NULL, title text); \
         INSERT INTO chores SELECT g, g % 500, g % 100 <> 0, 't' FROM generate_series(1, 100000) g; \
         CREATE TABLE archive (id int, owner int, archived_at timestamptz, payload text); \
         INSERT INTO archive SELECT g, g % 500, CASE WHEN g % 10 = 0 THEN now() END, 'p' \
           FROM generate_series(1, 100000) g; \
         CREATE TABLE inbox (id int, status text, owner int, body text); \
         INSERT INTO inbox SELECT g, CASE WHEN g % 100 = 0 THEN 'pending' ELSE 'done' END, g % 500, 'b' \
           FROM generate_series(1, 100000) g; \
         ANALYZE queue; ANALYZE chores; ANALYZE archive; ANALYZE inbox;",
    );
    let rare_null = "SELECT payload FROM queue WHERE finished_at IS NULL AND owner = 7";
    let rare_false = "SELECT title FROM chores WHERE NOT done AND owner = 7";
    let common_null = "SELECT payload FROM archive WHERE archived_at IS NULL AND owner = 7";
    // pg_stat_statements keeps `$1` for 'pending': the constant never reaches the advisor.
    let constant = "SELECT body FROM inbox WHERE status = 'pending' AND owner = 7";
    run_workload(
        &pg,
        &[
            (rare_null, 40),
            (rare_false, 40),
            (common_null, 40),
            (constant, 40),
        ],
    );
    let work = tempfile::tempdir().unwrap();
    let (report, markdown) = audit(&pg, work.path());
    for shown in [
        "partial: WHERE finished_at IS NULL",
        "partial: WHERE NOT done",
    ] {
        assert!(markdown.contains(shown), "{shown} in:\n{markdown}");
    }
    for (table, predicate, ddl, query) in [
        (
            "queue",
            serde_json::json!({"column": "finished_at", "condition": "is-null"}),
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_queue_owner_where_finished_at_null ON public.queue (owner) WHERE finished_at IS NULL;",
            rare_null,
        ),
        (
            "chores",
            serde_json::json!({"column": "done", "condition": "is-false"}),
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_chores_owner_where_done_false ON public.chores (owner) WHERE NOT done;",
            rare_false,
        ),
    ] {
        let rec = expect_recommendation(&report, table);
        assert_eq!(rec["key_columns"], serde_json::json!(["owner"]), "{rec}");
        assert_eq!(rec["shape"]["predicate"], predicate, "{rec}");
        assert_eq!(rec["basis"]["kind"], "verified", "{rec}");
        assert_eq!(rec["ddl"], ddl, "{rec}");
        assert!(
            rec["explanation"].as_str().unwrap().contains("% of the rows (pg_stats), at most thresholds.partial_index_max_fraction = 20%"),
            "{rec}"
        );
        apply_and_plan(&pg, rec, query);
    }
    // The whole-set evaluation created the partial indexes as recommended (their
    // definitions match) and the plans with the set use them.
    let evaluation = &report["workload_evaluation"];
    assert!(
        !evaluation["caveats"]
            .to_string()
            .contains("not among these recommendations"),
        "{evaluation}"
    );
    for name in [
        "ix_queue_owner_where_finished_at_null",
        "ix_chores_owner_where_done_false",
    ] {
        assert!(
            !evaluation["dropped"].to_string().contains(name),
            "{name}: {evaluation}"
        );
    }
    // A condition most rows meet: the plain key index, and why not a partial one.
    let rec = expect_recommendation(&report, "archive");
    assert_eq!(rec["key_columns"], serde_json::json!(["owner"]), "{rec}");
    assert!(rec.get("shape").is_none(), "{rec}");
    assert!(
        rec["explanation"].as_str().unwrap().contains(
            "no partial index on `archived_at IS NULL`: it holds for 90% of the rows (pg_stats), over thresholds.partial_index_max_fraction = 20%"
        ),
        "{rec}"
    );
    apply_and_plan(&pg, rec, common_null);
    // A constant pg_stat_statements normalised: a plain index on the two columns.
    let rec = expect_recommendation(&report, "inbox");
    assert!(rec.get("shape").is_none(), "{rec}");
    assert!(!rec["ddl"].as_str().unwrap().contains("WHERE"), "{rec}");
}

#[test]
fn an_expression_index_for_an_allow_listed_function_and_never_for_user_code() {
    let Some(pg) = start() else { return };
    pg.psql(
        "app",
        "CREATE TABLE subscribers (id int, email text, name text); \
         INSERT INTO subscribers SELECT g, 'User' || g || '@Example.com', 'n' FROM generate_series(1, 100000) g; \
         CREATE TABLE contacts (id int, email text, name text); \
         INSERT INTO contacts SELECT g, 'User' || g || '@Example.com', 'n' FROM generate_series(1, 100000) g; \
         CREATE FUNCTION normalize_email(text) RETURNS text IMMUTABLE LANGUAGE sql AS 'SELECT lower($1)'; \
         ANALYZE subscribers; ANALYZE contacts;",
    );
    let builtin = "SELECT name FROM subscribers WHERE lower(email) = 'user42@example.com'";
    let user_code = "SELECT name FROM contacts WHERE normalize_email(email) = 'user42@example.com'";
    run_workload(&pg, &[(builtin, 40), (user_code, 40)]);
    // The application's source has the same predicate: the static finding is tied to it.
    // No index on subscribers (email) is declared or exists, so on its own the static
    // finding is medium ("no index ... is declared"); the workload running the predicate,
    // with the expression index HypoPG planned for it, is the evidence that was missing:
    // it is shown at high by default. The same function on contacts.email (a look-alike
    // column of another table, which the workload never filters through lower()) stays
    // medium, hidden and counted as left out.
    let source = tempfile::tempdir().unwrap();
    std::fs::write(
        source.path().join("lookup.sql"),
        "SELECT name FROM subscribers WHERE lower(email) = $1;\n\
         SELECT name FROM contacts WHERE lower(email) = $1;\n",
    )
    .unwrap();
    let work = tempfile::tempdir().unwrap();
    let (report, markdown) = audit_with(
        &pg,
        work.path(),
        &["--source", source.path().to_str().unwrap()],
    );
    assert!(markdown.contains("email through lower()"), "{markdown}");
    let rec = expect_recommendation(&report, "subscribers");
    let static_findings: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "non-sargable-predicate")
        .collect();
    assert_eq!(static_findings.len(), 1, "{static_findings:#?}");
    let static_finding = static_findings[0];
    assert_eq!(static_finding["location"]["line"], 1, "{static_finding}");
    assert_eq!(
        static_finding["confidence"]["level"], "high",
        "{static_finding}"
    );
    assert!(
        static_finding["confidence"]["reasons"][0]
            .as_str()
            .unwrap()
            .starts_with("the audited workload runs this predicate 40 times on public.subscribers, and the planner (HypoPG) uses index recommendation #"),
        "{static_finding}"
    );
    assert_eq!(report["summary"]["below_min_confidence"], 1, "{report:#}");
    assert!(
        rec["resolves"]
            .as_array()
            .unwrap()
            .contains(&static_finding["fingerprint"]),
        "{rec}"
    );
    assert!(
        static_finding["evidence"]["related"]
            .to_string()
            .contains("the workload runs this predicate 40 times on public.subscribers: index recommendation #"),
        "{static_finding}"
    );
    assert_eq!(rec["key_columns"], serde_json::json!(["email"]), "{rec}");
    assert_eq!(
        rec["shape"]["functions"],
        serde_json::json!([{"column": "email", "function": "lower"}]),
        "{rec}"
    );
    assert_eq!(rec["basis"]["kind"], "verified", "{rec}");
    assert_eq!(
        rec["ddl"],
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_subscribers_lower_email ON public.subscribers ((pg_catalog.lower(email)));"
    );
    apply_and_plan(&pg, rec, builtin);
    // The database's own function is never indexed, and the decision says why.
    assert!(recommendation(&report, "contacts").is_none(), "{report}");
    let decision = report["statement_decisions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["query"].as_str().unwrap().contains("normalize_email"))
        .unwrap_or_else(|| panic!("a decision: {}", report["statement_decisions"]));
    assert!(
        decision["outcome"].as_str().unwrap().contains(
            "no expression index on normalize_email(email): only immutable built-in functions"
        ),
        "{decision}"
    );
}

#[test]
fn desc_keys_only_for_mixed_sort_directions() {
    let Some(pg) = start() else { return };
    pg.psql(
        "app",
        "CREATE TABLE timeline (id int, kind int, day int, seq int, body text); \
         INSERT INTO timeline SELECT g, g % 50, g % 365, g, 'b' FROM generate_series(1, 100000) g; \
         CREATE TABLE feed (id int, author int, created int, body text); \
         INSERT INTO feed SELECT g, g % 1000, g, 'b' FROM generate_series(1, 100000) g; \
         ANALYZE timeline; ANALYZE feed;",
    );
    let mixed = "SELECT body FROM timeline WHERE kind = 3 ORDER BY day, seq DESC LIMIT 10";
    let one_way = "SELECT body FROM feed WHERE author = 5 ORDER BY created DESC LIMIT 10";
    run_workload(&pg, &[(mixed, 40), (one_way, 40)]);
    let work = tempfile::tempdir().unwrap();
    let (report, markdown) = audit(&pg, work.path());
    assert!(markdown.contains("descending: seq"), "{markdown}");
    let rec = expect_recommendation(&report, "timeline");
    assert_eq!(
        rec["key_columns"],
        serde_json::json!(["kind", "day", "seq"]),
        "{rec}"
    );
    assert_eq!(
        rec["shape"]["descending"],
        serde_json::json!(["seq"]),
        "{rec}"
    );
    assert_eq!(rec["basis"]["kind"], "verified", "{rec}");
    assert_eq!(
        rec["ddl"],
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_timeline_kind_day_seq_desc ON public.timeline (kind, day, seq DESC);"
    );
    let plan = apply_and_explain(&pg, rec, mixed);
    assert!(!plan.contains("Sort"), "the index gives the order: {plan}");
    // One direction: a B-tree is read backwards, so the key stays ascending.
    let rec = expect_recommendation(&report, "feed");
    assert_eq!(
        rec["key_columns"],
        serde_json::json!(["author", "created"]),
        "{rec}"
    );
    assert!(rec.get("shape").is_none(), "{rec}");
    assert!(
        rec["explanation"]
            .as_str()
            .unwrap()
            .contains("a B-tree is read backwards, so the key stays ascending"),
        "{rec}"
    );
    let plan = apply_and_explain(&pg, rec, one_way);
    assert!(plan.contains("Index Scan Backward"), "{plan}");
}
