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
    let output = dbaudit(&[
        "audit",
        "--db",
        &pg.url("postgres", None, "app"),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
        "--fail-on",
        "none",
    ]);
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
