//! `dbaudit audit` and `dbaudit diff` end to end: the demo (golden report.json and
//! report.md, reviewed), exit codes, partial snapshots, the JSON Schema, and the
//! generated DDL run against a throwaway PostgreSQL cluster.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "support/pg_cluster.rs"]
mod pg_cluster;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_dbaudit"))
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `dbaudit audit --quiet --snapshot SNAPSHOT [MORE...] --out OUT`, run from the
/// repository's root; asserts exit 0 and returns `report.json`.
fn audit_snapshot(snapshot: &Path, out: &Path, more: &[&str]) -> serde_json::Value {
    let run = bin()
        .args(["audit", "--quiet", "--snapshot"])
        .arg(snapshot)
        .args(more)
        .arg("--out")
        .arg(out)
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    read_json(&out.join("report.json"))
}

fn run_demo(out: &Path) -> std::process::Output {
    let output = bin()
        .args(["audit", "--demo", "--out"])
        .arg(out)
        .output()
        .expect("run dbaudit");
    assert!(
        output.status.success(),
        "audit --demo failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// A wrapped column is worth rewriting only where an index could seek it: the audited
/// database's indexes are that evidence too, not only the indexes the scanned files
/// declare. The demo's SQL declares none; its snapshot has `users (email)`, so
/// `lower(u.email)` stays high while the T-SQL procedures' wrapped columns, with no index
/// known on them, drop to medium and are counted as left out.
#[test]
fn the_audited_databases_indexes_are_evidence_for_non_sargable_findings() {
    let dir = tempfile::tempdir().unwrap();
    run_demo(dir.path());
    let report = read_json(&dir.path().join("report.json"));
    let findings = report["findings"].as_array().expect("findings");
    let non_sargable: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| f["rule"] == "non-sargable-predicate")
        .collect();
    assert_eq!(non_sargable.len(), 1, "{non_sargable:#?}");
    assert_eq!(
        non_sargable[0]["location"]["file"],
        "fixtures/demo/database/postgres/notifications.sql"
    );
    assert_eq!(non_sargable[0]["confidence"]["level"], "high");
    let left_out = report["not_checked"]
        .as_array()
        .expect("not_checked")
        .iter()
        .any(|item| item["area"] == "lower-confidence findings");
    assert!(left_out, "{:#}", report["not_checked"]);
}

#[test]
fn demo_report_json_and_markdown_are_golden() {
    let dir = tempfile::tempdir().unwrap();
    let output = run_demo(dir.path());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("Overall: "), "{stdout}");
    assert!(stdout.contains("Top index recommendations"), "{stdout}");
    let json = std::fs::read_to_string(dir.path().join("report.json")).unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    insta::assert_json_snapshot!("demo_audit_report_json", value, {
        ".tool.version" => "[version]",
    });
    let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    insta::assert_snapshot!(
        "demo_audit_report_md",
        md.replace(env!("CARGO_PKG_VERSION"), "[version]")
    );
    let sql = std::fs::read_to_string(dir.path().join("indexes.sql")).unwrap();
    insta::assert_snapshot!(
        "demo_audit_indexes_sql",
        sql.replace(env!("CARGO_PKG_VERSION"), "[version]")
    );
}

#[test]
fn demo_joins_procedures_with_the_snapshot_and_merges_candidates() {
    let dir = tempfile::tempdir().unwrap();
    run_demo(dir.path());
    let report: serde_json::Value = read_json(&dir.path().join("report.json"));
    let recs = report["recommendations"].as_array().unwrap();
    // The workload's slowest statement and the procedure client_history ask for the same
    // index: one recommendation serving both, verified by HypoPG, ranked first.
    let first = &recs[0];
    assert_eq!(first["table"], "appointments");
    assert_eq!(
        first["key_columns"],
        serde_json::json!(["client_id", "start_date"])
    );
    assert_eq!(first["basis"]["kind"], "verified");
    let served = first["served"].as_array().unwrap();
    assert!(served.iter().any(|s| s["kind"] == "statement"));
    assert!(served.iter().any(|s| s["kind"] == "procedure"
        && s["object"] == "public.client_history"
        && s["file"] == "fixtures/demo/database/postgres/appointments.sql"));
    assert!(!first["resolves"].as_array().unwrap().is_empty());
    // An existing index whose key is a prefix is widened, not duplicated.
    assert!(recs
        .iter()
        .any(|r| r["action"]["kind"] == "widen"
            && r["action"]["replaces"] == "ix_appointments_provider"));
    // A candidate an existing index covers is dropped, naming it.
    let dropped = report["dropped_candidates"].as_array().unwrap();
    assert!(dropped.iter().any(|d| d["reason"]
        .as_str()
        .unwrap()
        .contains("covered by the existing index ix_payments_status_unused")));
    // The index the statistics call unused is the one a procedure of the source needs:
    // the finding says so before anyone drops it.
    let unused = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["rule"] == "unused-index"
                && f["location"]["object"] == "public.ix_payments_status_unused"
        })
        .unwrap();
    assert!(unused["message"]
        .as_str()
        .unwrap()
        .contains("public.pending_payments (fixtures/demo/database/postgres/appointments.sql:25) in the scanned source"));
    // Ranks are 1..n in order of net benefit.
    for (i, r) in recs.iter().enumerate() {
        assert_eq!(r["rank"], i + 1);
    }
    let nets: Vec<f64> = recs
        .iter()
        .map(|r| r["net_benefit"].as_f64().unwrap())
        .collect();
    assert!(nets.windows(2).all(|w| w[0] >= w[1]), "{nets:?}");
    // Every category has input in the demo; T-SQL procedures are not joined with a
    // PostgreSQL snapshot, and the report says so.
    for c in report["score"]["categories"].as_array().unwrap() {
        assert_eq!(c["assessed"], true, "{c}");
    }
    assert!(report["not_checked"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["reason"]
            .as_str()
            .unwrap()
            .contains("written for the other engine")));
}

#[test]
fn exit_codes_quiet_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let quiet = bin()
        .args(["audit", "--demo", "--quiet", "--fail-on", "high", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(quiet.status.code(), Some(1), "the demo has high findings");
    assert!(quiet.stdout.is_empty() && quiet.stderr.is_empty());
    assert!(dir.path().join("report.md").is_file());
    let critical = bin()
        .args([
            "audit",
            "--demo",
            "--quiet",
            "--fail-on",
            "critical",
            "--out",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(critical.status.code(), Some(0));
    let nothing = bin()
        .args(["audit"])
        .env_remove("DATABASE_URL")
        .env_remove("PGHOST")
        .env_remove("PGDATABASE")
        .output()
        .unwrap();
    assert_eq!(nothing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&nothing.stderr).contains("nothing to audit"));
    let missing = bin()
        .args(["audit", "--snapshot", "/nonexistent/snap", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("not a snapshot directory"));
}

#[test]
fn a_partial_snapshot_says_what_is_missing_and_leaves_categories_unassessed() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    std::fs::create_dir(&snap).unwrap();
    let demo = repo().join("fixtures/demo/snapshot");
    for file in [
        "manifest.json",
        "tables.csv",
        "indexes.csv",
        "index_columns.csv",
    ] {
        std::fs::copy(demo.join(file), snap.join(file)).unwrap();
    }
    let out = dir.path().join("out");
    let report = audit_snapshot(&snap, &out, &[]);
    let not_checked = serde_json::to_string(&report["not_checked"]).unwrap();
    assert!(not_checked.contains("statements.csv"), "{not_checked}");
    let runtime = report["score"]["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category"] == "runtime-hotspots")
        .unwrap();
    assert_eq!(runtime["assessed"], false);
    assert!(
        runtime.get("score").is_none(),
        "never shown as 100: {runtime}"
    );
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("| Runtime hotspots | not assessed |"), "{md}");
}

#[test]
fn a_snapshot_from_before_views_were_collected_still_imports_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    std::fs::create_dir(&snap).unwrap();
    let demo = repo().join("fixtures/demo/snapshot");
    for entry in std::fs::read_dir(&demo).unwrap() {
        let name = entry.unwrap().file_name();
        let name = name.to_str().unwrap();
        if !["views.csv", "workload_set.csv", "workload_plans.csv"].contains(&name) {
            std::fs::copy(demo.join(name), snap.join(name)).unwrap();
        }
    }
    // A hot statement on a name that is no table of the snapshot: a view, perhaps.
    let mut statements = std::fs::read_to_string(snap.join("statements.csv")).unwrap();
    statements.push_str(
        "4242,SELECT id FROM upcoming_visits WHERE client_id = $1,5000,900000,180,5000,0,0,,,,,,,,,,\n",
    );
    std::fs::write(snap.join("statements.csv"), statements).unwrap();
    let out = dir.path().join("out");
    let report = audit_snapshot(&snap, &out, &[]);
    let not_checked = serde_json::to_string(&report["not_checked"]).unwrap();
    assert!(
        not_checked.contains("views.csv is missing"),
        "{not_checked}"
    );
    assert!(
        not_checked.contains("workload-wide evaluation"),
        "{not_checked}"
    );
    let decision = report["statement_decisions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["queryid"] == "4242")
        .unwrap_or_else(|| panic!("a decision: {}", report["statement_decisions"]));
    assert!(
        decision["outcome"]
            .as_str()
            .unwrap()
            .starts_with("upcoming_visits: not a table of the snapshot; if it is a view, the view definition is not in the snapshot (views.csv is missing"),
        "{decision}"
    );
}

#[test]
fn source_only_audit_scores_what_it_can() {
    let dir = tempfile::tempdir().unwrap();
    let run = bin()
        .args(["audit", "--quiet", "--source"])
        .arg(repo().join("fixtures/demo/app"))
        .arg("--out")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report: serde_json::Value = read_json(&dir.path().join("report.json"));
    assert!(report["context"].get("engine").is_none());
    assert_eq!(report["recommendations"], serde_json::json!([]));
    let assessed: Vec<&str> = report["score"]["categories"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["assessed"] == true)
        .map(|c| c["category"].as_str().unwrap())
        .collect();
    assert_eq!(
        assessed,
        ["query-patterns", "connection-management", "security"]
    );
    let sql = std::fs::read_to_string(dir.path().join("indexes.sql")).unwrap();
    assert!(sql.contains("No index recommendations"));
}

#[test]
fn diff_reports_new_and_resolved_findings_and_score_changes() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old");
    run_demo(&old);
    // The later audit: one finding fixed, one new, the first recommendation done.
    let mut report: serde_json::Value = read_json(&old.join("report.json"));
    let findings = report["findings"].as_array_mut().unwrap();
    let fixed = findings.remove(0);
    let mut added = findings[0].clone();
    added["fingerprint"] = "feedfacefeedface".into();
    added["severity"] = "critical".into();
    findings.push(added);
    report["recommendations"].as_array_mut().unwrap().remove(0);
    report["score"]["overall"] = 90.into();
    report["score"]["grade"] = "A-".into();
    let new = dir.path().join("new.json");
    std::fs::write(&new, serde_json::to_string(&report).unwrap()).unwrap();
    let text = bin()
        .args(["diff"])
        .arg(old.join("report.json"))
        .arg(&new)
        .output()
        .unwrap();
    assert_eq!(text.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(stdout.contains("New findings (1)"), "{stdout}");
    assert!(stdout.contains("Resolved findings (1)"), "{stdout}");
    assert!(stdout.contains("-> A- (90)"), "{stdout}");
    assert!(stdout.contains("done or no longer needed (1)"), "{stdout}");
    let json = bin()
        .args(["diff", "--format", "json", "--fail-on", "critical"])
        .arg(old.join("report.json"))
        .arg(&new)
        .output()
        .unwrap();
    assert_eq!(json.status.code(), Some(1), "a new critical finding fails");
    let diff: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        diff["resolved_findings"][0]["fingerprint"],
        fixed["fingerprint"]
    );
    // Not a report: a clear error, exit 2.
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"hello\": 1}").unwrap();
    let err = bin().args(["diff"]).arg(&bad).arg(&new).output().unwrap();
    assert_eq!(err.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&err.stderr).contains("not a dbaudit report"));
}

#[test]
fn the_json_schema_file_is_current_and_the_demo_report_validates() {
    let path = repo().join("schemas/audit-report.schema.json");
    let generated = dbaudit::model::audit::json_schema();
    if std::env::var_os("DBAUDIT_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let kept = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        kept == generated,
        "schemas/audit-report.schema.json is not current: run `DBAUDIT_UPDATE_SCHEMA=1 cargo test --test audit` and review the diff"
    );
    let dir = tempfile::tempdir().unwrap();
    run_demo(dir.path());
    let report: serde_json::Value = read_json(&dir.path().join("report.json"));
    let schema: serde_json::Value = serde_json::from_str(&kept).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

/// Every statement of the generated indexes.sql runs on PostgreSQL: the demo's
/// fixture schema is loaded into a throwaway cluster and indexes.sql is applied.
#[test]
fn generated_postgres_ddl_runs_on_a_real_server() {
    let Some(cluster) = pg_cluster::start() else {
        return;
    };
    cluster.create_database("psyter");
    cluster.psql_file("psyter", &repo().join("fixtures/postgres/schema.sql"));
    let dir = tempfile::tempdir().unwrap();
    run_demo(dir.path());
    let sql = std::fs::read_to_string(dir.path().join("indexes.sql")).unwrap();
    assert!(sql.contains("CREATE INDEX CONCURRENTLY"));
    // psql runs each statement in its own transaction, as CONCURRENTLY requires.
    cluster.psql_file("psyter", &dir.path().join("indexes.sql"));
    let indexes = cluster.psql(
        "psyter",
        "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE schemaname = 'public'",
    );
    let report: serde_json::Value = read_json(&dir.path().join("report.json"));
    for r in report["recommendations"].as_array().unwrap() {
        let name = r["name"].as_str().unwrap();
        // A "consider" recommendation (no measurable benefit) is commented out.
        if r["advice"] == "consider" {
            assert!(!indexes.contains(name), "{name} created: {indexes}");
            continue;
        }
        assert!(indexes.contains(name), "{name} not created: {indexes}");
        if let Some(replaced) = r["action"]["replaces"].as_str() {
            assert!(
                !indexes.split(',').any(|i| i.trim() == replaced),
                "{replaced} not dropped: {indexes}"
            );
        }
    }
}

/// SQL Server, offline: SSMS exports of `dbaudit queries mssql` plus the T-SQL
/// procedures. The missing-index requests become ranked, merged DDL; a procedure that
/// filters the same columns is named as served; an existing narrower index is widened
/// in place.
#[test]
fn sql_server_export_audit_merges_hints_with_procedures() {
    let dir = tempfile::tempdir().unwrap();
    let run = bin()
        .args(["audit", "--quiet", "--engine", "mssql", "--snapshot"])
        .arg(repo().join("fixtures/mssql/psyter_export"))
        .arg("--source")
        .arg(repo().join("fixtures/demo/database/procedures"))
        .arg("--out")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report: serde_json::Value = read_json(&dir.path().join("report.json"));
    assert_eq!(report["context"]["engine"], "mssql");
    let recs = report["recommendations"].as_array().unwrap();
    let first = &recs[0];
    assert_eq!(first["basis"]["kind"], "engine-estimate");
    assert_eq!(first["benefit_unit"], "improvement measure per day");
    let widened = recs
        .iter()
        .find(|r| r["action"]["replaces"] == "IX_Appointments_Client")
        .expect("the narrower client index is widened");
    assert_eq!(
        widened["key_columns"],
        serde_json::json!(["ClientId", "StartDate"])
    );
    assert_eq!(
        widened["ddl"],
        "CREATE NONCLUSTERED INDEX [IX_Appointments_Client] ON [dbo].[Appointments] ([ClientId], [StartDate]) INCLUDE ([ProviderId], [Status]) WITH (DROP_EXISTING = ON, ONLINE = ON, SORT_IN_TEMPDB = ON);"
    );
    assert!(widened["served"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["kind"] == "procedure" && s["object"] == "dbo.Appointment_GetByClientId"));
    for r in recs {
        let name = r["name"].as_str().unwrap();
        assert!(name.len() <= 128 && !name.is_empty());
        assert!(r["ddl"]
            .as_str()
            .unwrap()
            .starts_with("CREATE NONCLUSTERED INDEX ["));
    }
    let sql = std::fs::read_to_string(dir.path().join("indexes.sql")).unwrap();
    assert!(sql.contains("ONLINE = ON needs Enterprise"));
    let nets: Vec<f64> = recs
        .iter()
        .map(|r| r["net_benefit"].as_f64().unwrap())
        .collect();
    assert!(nets.windows(2).all(|w| w[0] >= w[1]), "{nets:?}");
}

#[test]
fn score_weights_and_advisor_caps_come_from_dbaudit_toml() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("dbaudit.toml");
    std::fs::write(
        &config,
        "[score.weights]\nindexing = 0\nquery-patterns = 0\nruntime-hotspots = 0\nconnection-management = 0\nsecurity = 1\n\n[advisor]\nmax_new_indexes_per_table = 1\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let run = bin()
        .args(["audit", "--demo", "--quiet", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report = read_json(&out.join("report.json"));
    // Only security weighs, and it has no finding in the demo.
    assert_eq!(report["score"]["overall"], 100);
    let creates_on_appointments = report["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["table"] == "appointments" && r["action"]["kind"] == "create")
        .count();
    assert_eq!(creates_on_appointments, 1);
    // Unknown keys are errors that name them.
    std::fs::write(&config, "[score.weights]\nspeed = 2\n").unwrap();
    let bad = bin()
        .args(["audit", "--demo", "--quiet", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown category `speed`"));
}

/// GitHub renders a table only when every row has the header's number of cells; a stray
/// `|` in a message or a line break in a cell breaks it.
#[test]
fn every_markdown_table_of_the_demo_report_is_well_formed() {
    let dir = tempfile::tempdir().unwrap();
    run_demo(dir.path());
    let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    let cells = |line: &str| {
        let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
        let mut count = 1;
        // GitHub splits cells on every unescaped `|`, inside code spans too.
        let mut escaped = false;
        for ch in inner.chars() {
            if ch == '|' && !escaped {
                count += 1;
            }
            escaped = ch == '\\' && !escaped;
        }
        count
    };
    let lines: Vec<&str> = md.lines().collect();
    let mut tables = 0;
    let mut i = 0;
    while i + 1 < lines.len() {
        if lines[i].starts_with('|')
            && (lines[i + 1].starts_with("|---") || lines[i + 1].starts_with("|:--"))
        {
            tables += 1;
            let width = cells(lines[i]);
            assert_eq!(
                cells(lines[i + 1]),
                width,
                "separator of the table at line {}",
                i + 1
            );
            let mut j = i + 2;
            while j < lines.len() && lines[j].starts_with('|') {
                assert_eq!(cells(lines[j]), width, "line {}: {}", j + 1, lines[j]);
                j += 1;
            }
            assert!(
                j == lines.len() || lines[j].trim().is_empty(),
                "a table must end with a blank line (line {})",
                j + 1
            );
            i = j;
        } else {
            i += 1;
        }
    }
    assert!(tables >= 8, "{tables} tables");
}

/// Issue 15, statistics window honesty: the demo's snapshot with 5 hours of statistics
/// instead of 7 days gives totals over those hours (never extrapolated to a day), skips
/// unused-index with a note, and marks indexing partial for it.
#[test]
fn a_window_under_a_day_is_not_extrapolated_and_unused_index_waits_for_a_week() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = dir.path().join("snapshot");
    std::fs::create_dir(&snapshot).unwrap();
    for entry in std::fs::read_dir(repo().join("fixtures/demo/snapshot")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), snapshot.join(entry.file_name())).unwrap();
    }
    let mut manifest = read_json(&snapshot.join("manifest.json"));
    manifest["stats_age_seconds"] = 18_000.0.into();
    std::fs::write(
        snapshot.join("manifest.json"),
        serde_json::to_string_pretty(&manifest).unwrap(),
    )
    .unwrap();
    let run_on = |snapshot: &Path, out: &Path| {
        audit_snapshot(
            snapshot,
            out,
            &[
                "--source",
                "fixtures/demo/app",
                "--source",
                "fixtures/demo/database",
            ],
        )
    };
    let young = run_on(&snapshot, &dir.path().join("young"));
    let week = run_on(
        &repo().join("fixtures/demo/snapshot"),
        &dir.path().join("week"),
    );

    let recs = young["recommendations"].as_array().unwrap();
    assert!(!recs.is_empty());
    for r in recs {
        assert_eq!(r["benefit_unit"], "ms over 5.0 hours", "{r}");
        assert!(
            !r["explanation"].as_str().unwrap().contains("ms/day"),
            "{r}"
        );
    }
    let first = &recs[0];
    assert!(
        first["explanation"]
            .as_str()
            .unwrap()
            .contains("ms in those 5.0 hours (not extrapolated to a day)"),
        "{first}"
    );
    // The 7-day snapshot divides the same milliseconds by 7: the 5-hour one by 1, not by
    // 5/24 (which would multiply them by 4.8).
    let week_first = week["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == first["name"])
        .unwrap();
    let ratio = first["benefit"].as_f64().unwrap() / week_first["benefit"].as_f64().unwrap();
    assert!((ratio - 7.0).abs() < 0.05, "ratio {ratio}");
    assert_eq!(week_first["benefit_unit"], "ms per day");

    // unused-index: skipped with a note under a week, run at a week.
    let rules = |report: &serde_json::Value, rule: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == rule)
            .count()
    };
    assert!(rules(&week, "unused-index") > 0);
    assert_eq!(rules(&young, "unused-index"), 0);
    let note = young["not_checked"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["area"] == "unused-index")
        .expect("a note for the skipped unused-index");
    assert!(note["reason"]
        .as_str()
        .unwrap()
        .contains("unused_index_min_stats_days"));
    let indexing = young["score"]["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category"] == "indexing")
        .unwrap();
    assert_eq!(indexing["assessment"], "partial");
    assert!(young["score"]["overall"].as_u64() <= week["score"]["overall"].as_u64());
}

/// Issue 15: a recommendation without a measurable benefit is "consider" (its DDL
/// commented out), and an unindexed foreign key a recommendation covers points at it.
#[test]
fn unmeasured_recommendations_are_considered_and_fk_fixes_point_at_the_covering_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = run_demo(&out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report = read_json(&out.join("report.json"));
    let recs = report["recommendations"].as_array().unwrap();
    let sql = std::fs::read_to_string(out.join("indexes.sql")).unwrap();
    for r in recs {
        let ddl = r["ddl"].as_str().unwrap();
        let first_line = ddl.lines().next().unwrap();
        if r["net_benefit"].as_f64().unwrap() > 0.0 {
            assert_eq!(r["advice"], "recommended", "{r}");
            assert!(sql.contains(&format!("\n{first_line}")), "{sql}");
        } else {
            assert_eq!(r["advice"], "consider", "{r}");
            assert!(sql.contains(&format!("\n-- {first_line}")), "{sql}");
        }
    }
    assert!(recs.iter().any(|r| r["advice"] == "consider"));
    let fks: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "unindexed-foreign-key")
        .collect();
    let covered: Vec<&&serde_json::Value> = fks
        .iter()
        .filter(|f| {
            recs.iter().any(|r| {
                r["resolves"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|x| *x == f["fingerprint"])
            })
        })
        .collect();
    assert!(!covered.is_empty());
    for f in covered {
        let fix = f["recommendation"].as_str().unwrap();
        assert!(
            fix.starts_with("Covered by index recommendation #"),
            "{fix}"
        );
        assert!(!fix.contains("CREATE INDEX"), "{fix}");
    }
}

/// Issue #19: a snapshot without the data of the new live checks (one collected before
/// them: no sessions, no min / max times) never reads as a clean bill: the rules are
/// listed as not checked, their categories are partial, and the grade is not better.
#[test]
fn missing_session_and_spread_data_is_not_checked_never_a_free_pass() {
    use dbaudit::model::Category;
    use dbaudit::score::Assessment;
    let full = dbaudit::snapshot::read(&repo().join("fixtures/demo/snapshot")).unwrap();
    let config = dbaudit::config::Config::default();
    let audit = |snapshot: &dbaudit::model::snapshot::Snapshot| {
        dbaudit::audit::build(dbaudit::audit::AuditInput {
            snapshot: Some(snapshot),
            data_source: None,
            scan: None,
            min_confidence: dbaudit::model::ConfidenceLevel::High,
            source_paths: Vec::new(),
            config: &config,
        })
    };
    let assessment = |report: &dbaudit::model::audit::AuditReport, category: Category| {
        report
            .score
            .categories
            .iter()
            .find(|c| c.category == category)
            .map(|c| c.assessment)
    };
    let complete = audit(&full);
    assert_eq!(
        assessment(&complete, Category::RuntimeHotspots),
        Some(Assessment::Assessed)
    );
    // Assessed from the sessions alone: partial, the application code was not read.
    assert_eq!(
        assessment(&complete, Category::ConnectionManagement),
        Some(Assessment::Partial)
    );
    assert!(complete
        .findings
        .iter()
        .any(|f| f.rule == "connection-saturation"));

    let mut older = full.clone();
    older.sessions.clear();
    for s in &mut older.statements {
        (s.min_time_ms, s.max_time_ms, s.stddev_time_ms) = (None, None, None);
    }
    let report = audit(&older);
    let areas: Vec<&str> = report.not_checked.iter().map(|n| n.area.as_str()).collect();
    for rule in [
        "connection-saturation",
        "idle-in-transaction",
        "latency-spread",
    ] {
        assert!(areas.contains(&rule), "{rule} not checked: {areas:?}");
    }
    assert_eq!(
        assessment(&report, Category::RuntimeHotspots),
        Some(Assessment::Partial)
    );
    assert_eq!(
        assessment(&report, Category::ConnectionManagement),
        Some(Assessment::NotAssessed)
    );
    assert!(report.score.overall <= complete.score.overall);
    assert!(report.score.coverage < complete.score.coverage);
}

/// `dbaudit audit` of fixtures/expression_tie (its snapshot, or `snapshot` given, and its
/// source) into a temporary directory: report.json.
fn audit_expression_tie(snapshot: Option<&Path>, more: &[&str]) -> serde_json::Value {
    let fixture = repo().join("fixtures/expression_tie");
    let out = tempfile::tempdir().unwrap();
    let source = fixture.join("source");
    let mut args = vec!["--source", source.to_str().unwrap(), "--fail-on", "none"];
    args.extend_from_slice(more);
    audit_snapshot(
        &snapshot.map_or_else(|| fixture.join("snapshot"), Path::to_path_buf),
        out.path(),
        &args,
    )
}

/// The non-sargable-predicate findings of fixtures/expression_tie/source/lookup.sql, by line.
fn non_sargable_by_line(report: &serde_json::Value) -> BTreeMap<u64, serde_json::Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "non-sargable-predicate")
        .map(|f| (f["location"]["line"].as_u64().unwrap(), f.clone()))
        .collect()
}

/// Issue #18: the workload runs `lower(email) = $1` on subscribers and HypoPG verified the
/// expression index for it (fixtures/expression_tie/make_snapshot.sh). The source's
/// finding on that predicate is medium on its own ("no index on subscribers(email)"): the
/// workload is the missing evidence, so it is raised to high with that reason and listed
/// by default, resolved by the recommendation. Not raised: the same function on
/// `contacts.email` and on `archive.subscribers.email` (other tables: not tied either),
/// the predicate beside `id = $2` (the key finds the row: tied, still medium) and an
/// unqualified `email` over two tables (its table unknown: tied, still medium). Those
/// stay hidden by default and are counted as left out; `resolves` never points at them.
#[test]
fn the_workloads_evidence_raises_the_static_finding_it_backs_and_no_look_alike() {
    let report = audit_expression_tie(None, &[]);
    let shown = non_sargable_by_line(&report);
    assert_eq!(shown.keys().copied().collect::<Vec<_>>(), [3], "{shown:#?}");
    let raised = &shown[&3];
    assert_eq!(
        raised["confidence"],
        serde_json::json!({
            "level": "high",
            "reasons": ["the audited workload runs this predicate 40 times on public.subscribers, and the planner (HypoPG) uses index recommendation #1 (ix_subscribers_lower_email) for it"]
        })
    );
    let recommendations = report["recommendations"].as_array().unwrap();
    assert_eq!(recommendations.len(), 1, "{recommendations:#?}");
    let rec = &recommendations[0];
    assert_eq!(rec["basis"]["kind"], "verified", "{rec}");
    let listed: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["fingerprint"])
        .collect();
    let resolves = rec["resolves"].as_array().unwrap();
    assert!(resolves.contains(&raised["fingerprint"]), "{rec}");
    assert!(resolves.iter().all(|r| listed.contains(&r)), "{rec}");
    assert_eq!(report["summary"]["below_min_confidence"], 4);
    let left_out = report["not_checked"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["area"] == "lower-confidence findings")
        .unwrap_or_else(|| panic!("{:#}", report["not_checked"]));
    assert!(
        left_out["reason"]
            .as_str()
            .unwrap()
            .starts_with("4 static finding(s) with a confidence below high"),
        "{left_out}"
    );

    let report = audit_expression_tie(None, &["--min-confidence", "medium"]);
    let all = non_sargable_by_line(&report);
    assert_eq!(all.keys().copied().collect::<Vec<_>>(), [3, 7, 11, 14, 18]);
    assert_eq!(report["summary"]["below_min_confidence"], 0);
    let rec = &report["recommendations"][0];
    let resolves = rec["resolves"].as_array().unwrap();
    for (line, tied) in [(3, true), (7, false), (11, true), (14, false), (18, true)] {
        let f = &all[&line];
        assert_eq!(
            resolves.contains(&f["fingerprint"]),
            tied,
            "line {line}: {rec}"
        );
        assert_eq!(
            f["evidence"]["related"]
                .to_string()
                .contains("the workload runs this predicate 40 times on public.subscribers"),
            tied,
            "line {line}: {f}"
        );
        if line != 3 {
            assert_eq!(f["confidence"]["level"], "medium", "line {line}: {f}");
        }
    }
    assert!(all[&11]["confidence"]["reasons"]
        .to_string()
        .contains("the row is found by its key"));
    assert!(all[&18]["confidence"]["reasons"]
        .to_string()
        .contains("the column's table could not be told"));
}

/// Without HypoPG's plan (a snapshot collected with --no-verify: the same workload, no
/// verifications) the expression index is still recommended, unverified: the finding is
/// tied and its evidence says it keeps its confidence; it is not raised.
#[test]
fn an_unverified_expression_index_ties_its_evidence_but_does_not_raise() {
    let snapshot = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(repo().join("fixtures/expression_tie/snapshot")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let text = match name.to_str() {
            // The header only.
            Some("verifications.csv" | "workload_set.csv" | "workload_plans.csv") => {
                text.lines().next().unwrap().to_string() + "\n"
            }
            _ => text,
        };
        std::fs::write(snapshot.path().join(name), text).unwrap();
    }
    let report = audit_expression_tie(Some(snapshot.path()), &[]);
    assert!(non_sargable_by_line(&report).is_empty(), "{report:#}");
    assert_eq!(report["summary"]["below_min_confidence"], 5);
    let report = audit_expression_tie(Some(snapshot.path()), &["--min-confidence", "medium"]);
    let rec = &report["recommendations"][0];
    assert_eq!(rec["basis"]["kind"], "unverified", "{rec}");
    let finding = &non_sargable_by_line(&report)[&3];
    assert_eq!(finding["confidence"]["level"], "medium", "{finding}");
    assert!(rec["resolves"]
        .as_array()
        .unwrap()
        .contains(&finding["fingerprint"]));
    assert!(
        finding["evidence"]["related"]
            .to_string()
            .contains("(not planned with HypoPG, so the finding keeps its confidence)"),
        "{finding}"
    );
}
