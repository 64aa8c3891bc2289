//! `--min-confidence` end to end (issue #16, item 3): which findings are shown and
//! counted for `--fail-on`, the configuration key, the summary's count of the findings
//! left out in every format, the baseline (which records them all), the audit's score
//! (which says what it left out), and reports of schema version 1 still loading.
//!
//! The fixture: two n-plus-one findings (severity high) whose inner calls are matched to
//! the repository's query methods by name and argument count only (confidence medium),
//! and one select-star (severity medium, confidence high).

#[path = "support/cli.rs"]
mod support_cli;
use std::path::Path;

use support_cli::{assert_error, dbaudit, json, stderr, stdout};

const PROC_WITH_STAR: &str =
    "CREATE PROCEDURE dbo.P @Id INT AS\nSELECT * FROM dbo.Appointments WHERE ClientId = @Id\nGO\n";

fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    support_cli::copy_lower_confidence_fixture(dir.path());
    std::fs::write(dir.path().join("p.sql"), PROC_WITH_STAR).expect("writable");
    dir
}

fn rules_and_levels(report: &serde_json::Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or("").to_string(),
                f["confidence"]["level"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn default_shows_and_counts_only_high_confidence_findings() {
    let dir = fixture();
    let out = dbaudit(&["scan", "--format", "json", "."], Some(dir.path()));
    // The select-star is medium severity: with the n-plus-ones left out, nothing reaches
    // the default --fail-on high.
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(report["schema_version"], 2);
    assert_eq!(
        rules_and_levels(&report),
        vec![("select-star".to_string(), "high".to_string())]
    );
    assert_eq!(report["summary"]["findings"], 1);
    assert_eq!(report["summary"]["by_severity"]["high"], 0);
    assert_eq!(report["summary"]["min_confidence"], "high");
    assert_eq!(report["summary"]["below_min_confidence"], 2);

    let out = dbaudit(
        &["scan", "--format", "json", "--min-confidence", "low", "."],
        Some(dir.path()),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = json(&out);
    let mut found = rules_and_levels(&report);
    found.sort();
    assert_eq!(
        found,
        vec![
            ("n-plus-one".to_string(), "medium".to_string()),
            ("n-plus-one".to_string(), "medium".to_string()),
            ("select-star".to_string(), "high".to_string()),
        ]
    );
    assert_eq!(report["summary"]["below_min_confidence"], 0);
    for finding in report["findings"].as_array().unwrap() {
        if finding["rule"] == "n-plus-one" {
            let reasons = finding["confidence"]["reasons"].as_array().unwrap();
            assert!(
                reasons[0]
                    .as_str()
                    .unwrap()
                    .contains("by name and argument count only"),
                "{reasons:?}"
            );
        }
    }
    // medium: the same findings as low here (nothing is lower than medium).
    let out = dbaudit(
        &[
            "scan",
            "--format",
            "json",
            "--min-confidence",
            "medium",
            ".",
        ],
        Some(dir.path()),
    );
    assert_eq!(json(&out)["summary"]["findings"], 3);
}

#[test]
fn text_markdown_and_github_say_what_was_left_out_and_how_to_see_it() {
    let dir = fixture();
    let text = stdout(&dbaudit(&["scan", "."], Some(dir.path())));
    assert!(
        text.contains(
            "2 finding(s) with a confidence below high not shown (--min-confidence low shows them)"
        ),
        "{text}"
    );
    assert!(!text.contains("n-plus-one"), "{text}");
    let text = stdout(&dbaudit(
        &["scan", "--min-confidence", "low", "."],
        Some(dir.path()),
    ));
    assert!(
        text.contains("confidence medium: a call matched to a query method of the repository by name and argument count only"),
        "{text}"
    );
    assert!(!text.contains("not shown"), "{text}");

    let markdown = stdout(&dbaudit(
        &["scan", "--format", "markdown", "."],
        Some(dir.path()),
    ));
    assert!(
        markdown.contains("2 finding(s) with a confidence below high are not shown")
            && markdown.contains("`--min-confidence low`"),
        "{markdown}"
    );
    let markdown = stdout(&dbaudit(
        &[
            "scan",
            "--format",
            "markdown",
            "--min-confidence",
            "low",
            ".",
        ],
        Some(dir.path()),
    ));
    assert!(
        markdown.contains("\n\n**Confidence:** medium — a call matched to a query method")
            && markdown.contains("receiver's type is not known)\n\n```sql"),
        "the confidence is a paragraph of its own: {markdown}"
    );

    let github = stdout(&dbaudit(
        &["scan", "--format", "github", "."],
        Some(dir.path()),
    ));
    let last = github.lines().last().unwrap_or("");
    assert!(
        last.starts_with("dbaudit: 1 finding(s)")
            && last.contains("2 finding(s) with a confidence below high not shown"),
        "{github}"
    );
}

#[test]
fn gitlab_and_sarif_say_it_in_the_job_log() {
    let dir = fixture();
    for format in ["gitlab", "sarif"] {
        let out = dbaudit(&["scan", "--format", format, "."], Some(dir.path()));
        assert!(
            stderr(&out).contains(
                "dbaudit: 2 finding(s) with a confidence below high not shown (--min-confidence low shows them)"
            ),
            "{format}: {}",
            stderr(&out)
        );
        let quiet = dbaudit(
            &["scan", "--quiet", "--format", format, "."],
            Some(dir.path()),
        );
        assert!(!stderr(&quiet).contains("not shown"), "{}", stderr(&quiet));
    }
}

#[test]
fn the_config_key_sets_it_and_the_flag_overrides_it() {
    let dir = fixture();
    std::fs::write(
        dir.path().join("dbaudit.toml"),
        "[scan]\nmin_confidence = \"low\"\n",
    )
    .unwrap();
    let out = dbaudit(&["scan", "--format", "json", "."], Some(dir.path()));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(json(&out)["summary"]["findings"], 3);
    let out = dbaudit(
        &["scan", "--format", "json", "--min-confidence", "high", "."],
        Some(dir.path()),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(json(&out)["summary"]["below_min_confidence"], 2);
}

#[test]
fn a_bad_value_is_an_error_naming_the_key_and_the_values() {
    let dir = fixture();
    std::fs::write(
        dir.path().join("dbaudit.toml"),
        "[scan]\nmin_confidence = \"certain\"\n",
    )
    .unwrap();
    let out = dbaudit(&["scan", "."], Some(dir.path()));
    assert_error(&out, "min_confidence");
    let message = stderr(&out);
    for expected in ["\"certain\"", "high", "medium", "low", "dbaudit.toml"] {
        assert!(message.contains(expected), "{expected}: {message}");
    }
    let out = dbaudit(&["scan", "--min-confidence", "sure", "."], Some(dir.path()));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("possible values: low, medium, high"));
}

#[test]
fn the_baseline_records_the_hidden_findings_too() {
    let dir = fixture();
    let out = dbaudit(
        &["scan", "--write-baseline", "baseline.json", "."],
        Some(dir.path()),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let baseline: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("baseline.json")).unwrap()).unwrap();
    let recorded = baseline["entries"].as_array().map_or(0, Vec::len);
    assert_eq!(recorded, 3, "{baseline}");
    // Showing the lower-confidence findings later does not flood the CI.
    let out = dbaudit(
        &[
            "scan",
            "--format",
            "json",
            "--baseline",
            "baseline.json",
            "--min-confidence",
            "low",
            ".",
        ],
        Some(dir.path()),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(report["summary"]["findings"], 0);
    assert_eq!(report["summary"]["baseline"]["suppressed"], 3);
    assert_eq!(report["summary"]["baseline"]["stale"], 0);
}

fn audit(dir: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["audit", "--source", ".", "--out", "out", "--quiet"];
    args.extend(extra);
    let out = dbaudit(&args, Some(dir));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_slice(&std::fs::read(dir.join("out/report.json")).unwrap()).unwrap()
}

fn category_score(report: &serde_json::Value, category: &str) -> u64 {
    report["score"]["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category"] == category)
        .and_then(|c| c["score"].as_u64())
        .unwrap_or_else(|| panic!("{category} scored: {}", report["score"]))
}

#[test]
fn the_audit_says_what_it_left_out_of_the_findings_and_the_score() {
    let dir = fixture();
    let shown = audit(dir.path(), &[]);
    assert_eq!(shown["schema_version"], 4);
    assert_eq!(shown["summary"]["below_min_confidence"], 2);
    assert_eq!(shown["summary"]["min_confidence"], "high");
    assert!(shown["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["rule"] != "n-plus-one"));
    let said = shown["not_checked"].as_array().unwrap().iter().any(|n| {
        n["area"] == "lower-confidence findings"
            && n["reason"]
                .as_str()
                .is_some_and(|r| r.starts_with("2 static finding(s)") && r.contains("not scored"))
    });
    assert!(said, "{}", shown["not_checked"]);
    let markdown = std::fs::read_to_string(dir.path().join("out/report.md")).unwrap();
    assert!(
        markdown.contains("**Lower-confidence findings:** 2 static finding(s)"),
        "{markdown}"
    );

    let all = audit(dir.path(), &["--min-confidence", "low"]);
    let markdown = std::fs::read_to_string(dir.path().join("out/report.md")).unwrap();
    assert!(
        markdown.contains("receiver's type is not known)\n- **Fix:**"),
        "the confidence is an item of its own in each finding: {markdown}"
    );
    assert_eq!(all["summary"]["below_min_confidence"], 0);
    assert_eq!(
        all["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "n-plus-one")
            .count(),
        2
    );
    // Scored when shown: seeing them costs points, and the report that left them out
    // said so above.
    assert!(
        category_score(&all, "query-patterns") < category_score(&shown, "query-patterns"),
        "{} vs {}",
        all["score"],
        shown["score"]
    );
}

#[test]
fn reports_of_schema_version_1_without_confidence_still_load() {
    let dir = fixture();
    let out = dbaudit(
        &["scan", "--format", "json", "--min-confidence", "low", "."],
        Some(dir.path()),
    );
    let mut old = json(&out);
    old["schema_version"] = 1.into();
    for finding in old["findings"].as_array_mut().unwrap() {
        finding.as_object_mut().unwrap().remove("confidence");
    }
    let summary = old["summary"].as_object_mut().unwrap();
    summary.remove("min_confidence");
    summary.remove("below_min_confidence");
    std::fs::write(dir.path().join("old.json"), old.to_string()).unwrap();
    std::fs::write(dir.path().join("new.json"), &out.stdout).unwrap();
    let diff = dbaudit(
        &["diff", "old.json", "new.json", "--format", "json"],
        Some(dir.path()),
    );
    assert_eq!(diff.status.code(), Some(0), "{}", stderr(&diff));
    let diff = json(&diff);
    assert_eq!(diff["unchanged_findings"], 3, "{diff}");

    // The same in the library: a finding without the field reads as high.
    let finding = &old["findings"][0];
    let finding: dbaudit::model::Finding =
        serde_json::from_value(finding.clone()).expect("an old finding loads");
    assert_eq!(finding.confidence, dbaudit::model::Confidence::high());
    let report: dbaudit::model::ScanReport =
        serde_json::from_value(old.clone()).expect("an old scan report loads");
    assert_eq!(
        report.summary.min_confidence,
        dbaudit::model::ConfidenceLevel::High
    );
    assert_eq!(report.summary.below_min_confidence, 0);
}
