//! The live rules on hand-built snapshots: each rule's positive and negative cases,
//! without a server.

use dbaudit::analyze::analyze;
use dbaudit::config::Config;
use dbaudit::model::snapshot::*;

fn table(name: &str, rows: i64) -> TableStat {
    TableStat {
        schema: "public".into(),
        name: name.into(),
        live_rows: rows,
        ..TableStat::default()
    }
}

fn index(table: &str, name: &str, keys: &[&str]) -> (IndexStat, Vec<IndexColumn>) {
    let stat = IndexStat {
        schema: "public".into(),
        table: table.into(),
        name: name.into(),
        access_method: "btree".into(),
        is_valid: true,
        idx_scan: 10,
        bytes: 2 * 1024 * 1024,
        ..IndexStat::default()
    };
    let columns = keys
        .iter()
        .enumerate()
        .map(|(i, k)| IndexColumn {
            schema: "public".into(),
            table: table.into(),
            index: name.into(),
            position: i as i32 + 1,
            column: Some(k.to_string()),
            is_key: true,
            ..IndexColumn::default()
        })
        .collect();
    (stat, columns)
}

fn add_index(s: &mut Snapshot, (stat, columns): (IndexStat, Vec<IndexColumn>)) {
    s.indexes.push(stat);
    s.index_columns.extend(columns);
}

fn rules_on(snapshot: &Snapshot) -> Vec<(String, String)> {
    analyze(snapshot, &Config::default())
        .findings
        .into_iter()
        .map(|f| (f.rule, f.location.object.unwrap_or_default()))
        .collect()
}

fn has(found: &[(String, String)], rule: &str, object: &str) -> bool {
    found.iter().any(|(r, o)| r == rule && o == object)
}

#[test]
fn duplicate_and_unused_indexes() {
    let mut s = Snapshot::default();
    s.tables.push(table("orders", 50_000));
    add_index(&mut s, index("orders", "ix_a", &["customer_id"]));
    add_index(
        &mut s,
        index("orders", "ix_ab", &["customer_id", "created"]),
    );
    let (mut unique, cols) = index("orders", "ux_a", &["customer_id"]);
    unique.is_unique = true;
    add_index(&mut s, (unique, cols));
    let (mut unused, cols) = index("orders", "ix_unused", &["status"]);
    unused.idx_scan = 0;
    add_index(&mut s, (unused, cols));
    let (mut small, cols) = index("orders", "ix_small", &["note"]);
    small.idx_scan = 0;
    small.bytes = 8192;
    add_index(&mut s, (small, cols));
    let (mut pk, cols) = index("orders", "orders_pkey", &["id"]);
    pk.idx_scan = 0;
    pk.is_primary = true;
    pk.is_unique = true;
    add_index(&mut s, (pk, cols));
    let found = rules_on(&s);
    assert!(has(&found, "duplicate-index", "public.ix_a"), "{found:?}");
    assert!(!has(&found, "duplicate-index", "public.ix_ab"));
    assert!(
        !has(&found, "duplicate-index", "public.ux_a"),
        "a unique index is not redundant beside a non-unique one"
    );
    assert!(has(&found, "unused-index", "public.ix_unused"));
    assert!(
        !has(&found, "unused-index", "public.ix_small"),
        "under the size threshold"
    );
    assert!(
        !has(&found, "unused-index", "public.orders_pkey"),
        "primary keys are never unused-reported"
    );
}

#[test]
fn invalid_index_foreign_keys_and_scans() {
    let mut s = Snapshot::default();
    let mut orders = table("orders", 50_000);
    orders.seq_scan = 900;
    orders.seq_tup_read = 900 * 50_000;
    orders.idx_scan = Some(100);
    s.tables.push(orders);
    let mut lines = table("lines", 80_000);
    lines.seq_scan = 1;
    lines.idx_scan = Some(10_000);
    s.tables.push(lines);
    s.tables.push(table("tiny", 10));
    let (mut bad, cols) = index("orders", "ix_bad", &["status"]);
    bad.is_valid = false;
    add_index(&mut s, (bad, cols));
    add_index(
        &mut s,
        index("lines", "ix_lines_order", &["order_id", "line_no"]),
    );
    for (t, c) in [
        ("lines", "order_id"),
        ("orders", "customer_id"),
        ("tiny", "order_id"),
    ] {
        s.foreign_keys.push(ForeignKey {
            schema: "public".into(),
            table: t.into(),
            name: format!("{t}_fk"),
            columns: c.into(),
            referenced_schema: "public".into(),
            referenced_table: "x".into(),
            referenced_columns: "id".into(),
        });
    }
    let found = rules_on(&s);
    assert!(has(&found, "invalid-index", "public.ix_bad"), "{found:?}");
    assert!(has(&found, "unindexed-foreign-key", "public.orders"));
    assert!(
        !has(&found, "unindexed-foreign-key", "public.lines"),
        "covered by a leading index column"
    );
    assert!(
        !has(&found, "unindexed-foreign-key", "public.tiny"),
        "small tables are not worth it"
    );
    assert!(has(&found, "scan-heavy-table", "public.orders"));
    assert!(!has(&found, "scan-heavy-table", "public.lines"));
}

#[test]
fn maintenance_risks() {
    let mut s = Snapshot::default();
    let mut bloated = table("events", 10_000);
    bloated.dead_rows = 9_000;
    let mut old = table("archive", 10);
    old.frozen_xid_age = Some(2_140_000_000);
    let mut fine = table("fine", 10_000);
    fine.dead_rows = 50;
    fine.frozen_xid_age = Some(1_000_000);
    s.tables.extend([bloated, old, fine]);
    s.sequences.push(SequenceStat {
        schema: "public".into(),
        name: "orders_id_seq".into(),
        data_type: "integer".into(),
        last_value: Some(2_000_000_000),
        max_value: 2_147_483_647,
        increment: 1,
    });
    s.sequences.push(SequenceStat {
        schema: "public".into(),
        name: "young_seq".into(),
        data_type: "bigint".into(),
        last_value: Some(10),
        max_value: i64::MAX,
        increment: 1,
    });
    s.tables[0].heap_blks_hit = Some(50_000);
    s.tables[0].heap_blks_read = Some(50_000);
    let findings = analyze(&s, &Config::default()).findings;
    let found: Vec<(String, String)> = findings
        .iter()
        .map(|f| {
            (
                f.rule.clone(),
                f.location.object.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert!(has(&found, "vacuum-overdue", "public.events"), "{found:?}");
    assert!(!has(&found, "vacuum-overdue", "public.fine"));
    let xid = findings
        .iter()
        .find(|f| f.rule == "xid-wraparound-risk")
        .expect("xid finding");
    assert_eq!(xid.severity, dbaudit::model::Severity::Critical);
    assert!(!has(&found, "xid-wraparound-risk", "public.fine"));
    assert!(has(
        &found,
        "sequence-exhaustion-risk",
        "public.orders_id_seq"
    ));
    assert!(!has(&found, "sequence-exhaustion-risk", "public.young_seq"));
    assert!(found.iter().any(|(r, _)| r == "low-cache-hit-ratio"));
}

#[test]
fn slow_queries_functions_and_thresholds_from_config() {
    let mut s = Snapshot::default();
    for (id, calls, mean) in [("1", 500, 45.0), ("2", 5, 900.0), ("3", 10_000, 0.4)] {
        s.statements.push(StatementStat {
            queryid: id.into(),
            query: format!("SELECT {id}"),
            calls,
            mean_time_ms: mean,
            total_time_ms: calls as f64 * mean,
            ..StatementStat::default()
        });
    }
    s.functions.push(FunctionStat {
        schema: "public".into(),
        name: "slow_fn".into(),
        calls: 200,
        total_time_ms: 200.0 * 50.0,
        self_time_ms: 1000.0,
    });
    let found = rules_on(&s);
    assert!(has(&found, "slow-query", "queryid 1"), "{found:?}");
    assert!(!has(&found, "slow-query", "queryid 2"), "too few calls");
    assert!(!has(&found, "slow-query", "queryid 3"), "fast");
    assert!(has(&found, "slow-function", "public.slow_fn"));
    let config = Config::parse(
        "[thresholds]\nslow_query_calls = 1\n[rules]\ndisable = [\"slow-function\"]\n",
        std::path::Path::new("dbaudit.toml"),
    )
    .unwrap();
    let found: Vec<String> = analyze(&s, &config)
        .findings
        .into_iter()
        .map(|f| f.location.object.unwrap_or_default())
        .collect();
    assert!(found.contains(&"queryid 2".to_string()));
    assert!(!found.contains(&"public.slow_fn".to_string()));
}

#[test]
fn missing_index_from_the_workload_without_hypopg() {
    let mut s = Snapshot::default();
    s.tables.push(table("appointments", 200_000));
    s.tables.push(table("lookup", 50));
    for c in ["id", "client_id", "start_date", "status"] {
        s.columns.push(ColumnInfo {
            schema: "public".into(),
            table: "appointments".into(),
            name: c.into(),
            data_type: "int".into(),
            not_null: false,
        });
    }
    s.columns.push(ColumnInfo {
        schema: "public".into(),
        table: "lookup".into(),
        name: "code".into(),
        data_type: "text".into(),
        not_null: false,
    });
    add_index(&mut s, index("appointments", "appointments_pkey", &["id"]));
    let statement = |id: &str, query: &str| StatementStat {
        queryid: id.into(),
        query: query.into(),
        calls: 300,
        total_time_ms: 3000.0,
        mean_time_ms: 10.0,
        ..StatementStat::default()
    };
    s.statements.push(statement(
        "1",
        "SELECT id FROM appointments WHERE client_id = $1 ORDER BY start_date DESC LIMIT $2",
    ));
    s.statements
        .push(statement("2", "SELECT id FROM appointments WHERE id = $1"));
    s.statements
        .push(statement("3", "SELECT * FROM lookup WHERE code = $1"));
    s.statements.push(statement("4", "SELEC broken"));
    let analysis = analyze(&s, &Config::default());
    assert_eq!(analysis.candidates.len(), 1, "{:?}", analysis.candidates);
    assert_eq!(
        analysis.candidates[0].key_columns,
        vec!["client_id", "start_date"]
    );
    let finding = analysis
        .findings
        .iter()
        .find(|f| f.rule == "missing-index")
        .unwrap();
    assert!(
        finding.message.contains("not verified"),
        "{}",
        finding.message
    );
    let outcome = |id: &str| {
        analysis
            .decisions
            .iter()
            .find(|d| d.queryid == id)
            .unwrap()
            .outcome
            .clone()
    };
    assert!(
        outcome("2").contains("covered by appointments_pkey"),
        "{}",
        outcome("2")
    );
    assert!(
        outcome("3").contains("table too small for an index to pay")
            && outcome("3").contains("under thresholds.missing_index_min_rows = 10000"),
        "{}",
        outcome("3")
    );
    assert!(
        outcome("4").contains("no indexable predicate") || outcome("4").contains("parse error"),
        "{}",
        outcome("4")
    );
}
