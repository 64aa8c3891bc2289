//! Benchmark (not a timed test): builds and renders the report of a 10,000-finding
//! audit (the demo snapshot plus 10,000 synthetic static findings), and prints the
//! figures against the goal: report.md + report.json + indexes.sql in under 1 s.
//! Run: `cargo bench --bench audit_report`.

use std::time::Instant;

use dbaudit::audit::{build, AuditInput};
use dbaudit::config::Config;
use dbaudit::model::report::{ScanReport, ScanSummary, ToolInfo};
use dbaudit::model::{Category, Evidence, Finding, Location, Severity, SCHEMA_VERSION};

fn main() -> anyhow::Result<()> {
    let snapshot = dbaudit::snapshot::read(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/demo/snapshot"
    )))?;
    let rules = [
        ("select-star", Category::QueryPatterns, Severity::Medium),
        ("n-plus-one", Category::QueryPatterns, Severity::High),
        (
            "non-sargable-predicate",
            Category::Indexing,
            Severity::Medium,
        ),
        (
            "undisposed-connection",
            Category::ConnectionManagement,
            Severity::High,
        ),
        ("hardcoded-credentials", Category::Security, Severity::High),
    ];
    let findings: Vec<Finding> = (0..10_000)
        .map(|i| {
            let (rule, category, severity) = rules[i % rules.len()];
            Finding {
                rule: rule.to_string(),
                code: "X".to_string(),
                category,
                severity,
                message: format!(
                    "finding {i}: `SELECT * FROM table_{}` reads every column",
                    i % 97
                ),
                location: Location::in_file(
                    &format!("src/module_{}/file_{}.sql", i % 50, i % 400),
                    (i % 900) as u32 + 1,
                    5,
                ),
                evidence: Evidence {
                    snippet: Some(format!("SELECT * FROM table_{} WHERE id = @id", i % 97)),
                    ..Default::default()
                },
                recommendation: "Name the columns the caller needs.".to_string(),
                confidence: Default::default(),
                fingerprint: format!("{i:016x}"),
            }
        })
        .collect();
    let scan = ScanReport {
        schema_version: SCHEMA_VERSION,
        tool: ToolInfo::current(),
        findings,
        objects: Vec::new(),
        diagnostics: Vec::new(),
        summary: ScanSummary {
            files_scanned: 400,
            ..Default::default()
        },
    };
    let config = Config::default();
    let mut best = f64::MAX;
    let mut sizes = (0, 0, 0);
    for _ in 0..5 {
        let start = Instant::now();
        let report = build(AuditInput {
            snapshot: Some(&snapshot),
            data_source: None,
            scan: Some(&scan),
            min_confidence: dbaudit::model::ConfidenceLevel::Low,
            source_paths: vec!["src".to_string()],
            config: &config,
        });
        let md = dbaudit::report::audit::markdown(&report)?;
        let json = serde_json::to_string_pretty(&report)?;
        let sql = dbaudit::report::audit::indexes_sql(&report);
        best = best.min(start.elapsed().as_secs_f64());
        sizes = (md.len(), json.len(), sql.len());
    }
    println!(
        "audit of {} findings: build + report.md ({:.1} MB) + report.json ({:.1} MB) + indexes.sql in {:.3} s (best of 5); goal < 1 s: {}",
        scan.findings.len() + 14,
        sizes.0 as f64 / 1e6,
        sizes.1 as f64 / 1e6,
        best,
        if best < 1.0 { "met" } else { "NOT met" }
    );
    Ok(())
}
