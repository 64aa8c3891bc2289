//! The CI integration end to end: SARIF against the official SARIF 2.1.0 schema, GitHub
//! annotations and job summary, GitLab Code Quality, baselines, `--diff-base`, the
//! generated rule reference, and the exit-code policy in every format.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

#[path = "support/cli.rs"]
mod support_cli;
use support_cli::{assert_error, dbaudit, dbaudit_with_env, json, stderr, stdout};

/// The official SARIF 2.1.0 schema, as Microsoft's SARIF SDK ships it in the npm package
/// `@microsoft/sarif-multitool-linux` (installed by `.ci/sarif-tools`), or the file
/// `DBAUDIT_SARIF_SCHEMA` names. Under CI a missing schema fails the test.
fn sarif_validator() -> Option<jsonschema::Validator> {
    let path = std::env::var_os("DBAUDIT_SARIF_SCHEMA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join(
                "target/ci-tools/node_modules/@microsoft/sarif-multitool-linux/sarif-2.1.0.json",
            )
        });
    let Ok(text) = std::fs::read_to_string(&path) else {
        let message = format!(
            "the SARIF 2.1.0 schema is not at `{}`: run `.ci/sarif-tools` (npm) or set DBAUDIT_SARIF_SCHEMA",
            path.display()
        );
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{message}");
        }
        eprintln!("skipping the SARIF schema check: {message}");
        return None;
    };
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    Some(
        jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .expect("the SARIF schema compiles"),
    )
}

fn assert_schema_valid(validator: Option<&jsonschema::Validator>, log: &Value, what: &str) {
    let Some(validator) = validator else {
        return;
    };
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what}: SARIF schema errors:\n{}",
        errors.join("\n")
    );
}

/// Scans the bundled demo with `args` before its path.
fn scan_demo(args: &[&str]) -> Output {
    let mut all = vec!["scan"];
    all.extend_from_slice(args);
    all.push("fixtures/demo");
    dbaudit(&all, None)
}

const PROC_WITH_STAR: &str =
    "CREATE PROCEDURE dbo.P @Id INT AS\nSELECT * FROM dbo.Appointments WHERE ClientId = @Id\nGO\n";

/// A directory holding `p.sql`, one procedure with a `SELECT *`.
fn dir_with_one_procedure() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.sql"), PROC_WITH_STAR).unwrap();
    dir
}

/// A tree with a binary file, a region the lexer cannot read, a Windows-1252 file and a
/// file whose name has spaces, non-ASCII letters and `#`.
fn edge_case_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("backup.sql"),
        b"\x00\x01\x02TAPE\x00\x00binary",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("broken.sql"),
        "CREATE PROCEDURE dbo.Q AS\nSELECT 1 FROM dbo.T WHERE Name = 'unterminated\nGO\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("legacy.sql"),
        b"-- caf\xe9\nCREATE PROCEDURE dbo.R AS SELECT * FROM dbo.T\n",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("my procs")).unwrap();
    std::fs::write(
        dir.path().join("my procs/Tâche récurrente #1.sql"),
        PROC_WITH_STAR,
    )
    .unwrap();
    dir
}

#[test]
fn sarif_of_the_demo_and_of_edge_cases_is_valid_sarif_2_1_0() {
    let validator = sarif_validator();
    let demo = scan_demo(&["--format", "sarif", "--fail-on", "none"]);
    assert_eq!(demo.status.code(), Some(0), "{}", stderr(&demo));
    let log = json(&demo);
    assert_schema_valid(validator.as_ref(), &log, "demo");
    let run = &log["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(driver["name"], "dbaudit");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(
        rules.len(),
        dbaudit::rules::all().len(),
        "one rule per rule"
    );
    for rule in rules {
        assert!(rule["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("## How to fix"));
        assert!(!rule["fullDescription"]["text"].as_str().unwrap().is_empty());
    }
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            rules[index]["id"], result["ruleId"],
            "ruleIndex matches ruleId"
        );
        assert!(["error", "warning", "note"].contains(&result["level"].as_str().unwrap()));
        assert_eq!(
            result["partialFingerprints"]["dbaudit/v1"]
                .as_str()
                .unwrap()
                .len(),
            16
        );
        let artifact = &result["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(artifact["uriBaseId"], "%SRCROOT%");
        assert!(artifact["uri"]
            .as_str()
            .unwrap()
            .starts_with("fixtures/demo/"));
    }
    let high = results
        .iter()
        .find(|r| r["ruleId"] == "SQL002")
        .expect("a row-by-row loop in the demo");
    assert_eq!(high["level"], "error");
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    assert!(run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap()
        .ends_with('/'));

    let edge = edge_case_tree();
    let out = dbaudit(
        &["scan", "--format", "sarif", "--fail-on", "none", "."],
        Some(edge.path()),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let log = json(&out);
    assert_schema_valid(validator.as_ref(), &log, "edge cases");
    let run = &log["runs"][0];
    let uris: Vec<&str> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(
        uris.contains(&"my%20procs/T%C3%A2che%20r%C3%A9currente%20%231.sql"),
        "{uris:?}"
    );
    let notifications = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    let kinds: HashSet<(&str, &str, &str)> = notifications
        .iter()
        .map(|n| {
            (
                n["descriptor"]["id"].as_str().unwrap(),
                n["level"].as_str().unwrap(),
                n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap(),
            )
        })
        .collect();
    assert!(
        kinds.contains(&("skipped-file", "warning", "backup.sql")),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("not-understood", "note", "broken.sql")),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("encoding-fallback", "note", "legacy.sql")),
        "{kinds:?}"
    );
    let region = notifications
        .iter()
        .find(|n| n["descriptor"]["id"] == "not-understood")
        .map(|n| &n["locations"][0]["physicalLocation"]["region"])
        .unwrap();
    assert_eq!(region["startLine"], 2);
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
}

#[test]
fn a_finding_without_a_file_is_valid_sarif() {
    use dbaudit::model::{Category, Evidence, Finding, Location, ScanReport, Severity};
    let validator = sarif_validator();
    let finding = Finding {
        rule: "unused-index".into(),
        code: "DB004".into(),
        category: Category::Indexing,
        severity: Severity::Medium,
        message: "public.orders_old_idx was never scanned".into(),
        location: Location {
            file: None,
            line: None,
            column: None,
            end_line: None,
            object: Some("public.orders_old_idx".into()),
        },
        evidence: Evidence::default(),
        recommendation: "DROP INDEX CONCURRENTLY public.orders_old_idx".into(),
        confidence: Default::default(),
        fingerprint: "0123456789abcdef".into(),
    };
    let mut report = ScanReport {
        schema_version: dbaudit::model::SCHEMA_VERSION,
        tool: dbaudit::model::report::ToolInfo::current(),
        findings: vec![finding],
        objects: Vec::new(),
        diagnostics: Vec::new(),
        summary: Default::default(),
    };
    dbaudit::scan::finish(&mut report);
    let mut buffer = Vec::new();
    dbaudit::report::sarif::write(&report, None, &mut buffer).unwrap();
    let log: Value = serde_json::from_slice(&buffer).unwrap();
    assert_schema_valid(validator.as_ref(), &log, "finding without a file");
    let result = &log["runs"][0]["results"][0];
    assert!(result["locations"][0].get("physicalLocation").is_none());
    assert_eq!(
        result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "public.orders_old_idx"
    );
}

#[test]
fn a_scan_that_cannot_run_still_writes_valid_sarif() {
    let validator = sarif_validator();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("readme.txt"), "no SQL here").unwrap();
    let out = dbaudit(
        &["scan", "--format", "sarif", "-o", "out.sarif", "."],
        Some(dir.path()),
    );
    assert_error(&out, "no SQL or application source files");
    let log: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out.sarif")).unwrap()).unwrap();
    assert_schema_valid(validator.as_ref(), &log, "failure log");
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    assert_eq!(
        invocation["toolExecutionNotifications"][0]["level"],
        "error"
    );
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 0);
}

#[test]
fn exit_codes_do_not_depend_on_the_format() {
    for format in ["text", "json", "markdown", "sarif", "github", "gitlab"] {
        for (fail_on, expected) in [("high", 1), ("critical", 0), ("none", 0), ("medium", 1)] {
            let out = scan_demo(&["--format", format, "--fail-on", fail_on]);
            assert_eq!(
                out.status.code(),
                Some(expected),
                "--format {format} --fail-on {fail_on}: {}",
                stderr(&out)
            );
        }
    }
    let dir = tempfile::tempdir().unwrap();
    for format in ["sarif", "github", "gitlab"] {
        let out = dbaudit(&["scan", "--format", format, "missing/"], Some(dir.path()));
        assert_eq!(out.status.code(), Some(2), "--format {format} on an error");
    }
}

#[test]
fn github_annotations_are_escaped_capped_and_summarised() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let out = dbaudit_with_env(
        &[
            "scan",
            "--format",
            "github",
            "--max-annotations",
            "2",
            "fixtures/demo",
        ],
        None,
        &[("GITHUB_STEP_SUMMARY", &summary)],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    let annotations: Vec<&str> = text.lines().filter(|l| l.starts_with("::")).collect();
    assert_eq!(annotations.len(), 2, "{text}");
    assert!(
        annotations[0].starts_with("::error file=fixtures/demo/"),
        "most severe first: {text}"
    );
    for annotation in &annotations {
        let (properties, message) = annotation[2..].split_once("::").unwrap();
        assert!(properties.contains(",line=") && properties.contains(",col="));
        assert!(properties.contains(",endLine=") && properties.contains(",title="));
        assert!(!message.contains('\n'));
    }
    let total = json(&scan_demo(&["--format", "json", "--fail-on", "none"]))["summary"]["findings"]
        .as_u64()
        .unwrap();
    let last = text.lines().last().unwrap();
    assert!(
        last.contains(&format!("{} not shown as annotations", total - 2)),
        "{last}"
    );
    let summary = std::fs::read_to_string(&summary).unwrap();
    assert!(
        summary.starts_with("earlier step\n## dbaudit scan"),
        "appended: {summary}"
    );
    assert!(summary.contains("| high |"));
    assert!(summary.contains("| Severity | Rule | Location | Message |"));
}

#[test]
fn gitlab_code_quality_report() {
    let out = scan_demo(&["--format", "gitlab", "--fail-on", "none"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let issues = json(&out);
    let issues = issues.as_array().unwrap();
    assert!(!issues.is_empty());
    let mut fingerprints = HashSet::new();
    for issue in issues {
        assert!(
            fingerprints.insert(issue["fingerprint"].as_str().unwrap()),
            "unique"
        );
        assert!(["info", "minor", "major", "critical", "blocker"]
            .contains(&issue["severity"].as_str().unwrap()));
        assert!(!issue["description"].as_str().unwrap().is_empty());
        assert!(!issue["check_name"].as_str().unwrap().is_empty());
        assert!(issue["location"]["path"]
            .as_str()
            .unwrap()
            .starts_with("fixtures/demo/"));
        assert!(issue["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
    }
}

const TWO_STARS: &str = "CREATE PROCEDURE dbo.P @Id INT AS\nBEGIN\n  SELECT * FROM dbo.T WHERE Id = @Id;\n  SELECT * FROM dbo.T WHERE Id = @Id;\nEND\nGO\n";

#[test]
fn baseline_survives_line_moves_and_fails_on_new_findings() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    std::fs::write(path.join("p.sql"), TWO_STARS).unwrap();
    let medium = ["--fail-on", "medium"];
    let scan = |extra: &[&str]| {
        let mut args = vec!["scan"];
        args.extend_from_slice(&medium);
        args.extend_from_slice(extra);
        args.push("p.sql");
        dbaudit(&args, Some(path))
    };

    // Writing a baseline exits 0 whatever it records.
    let out = scan(&["--write-baseline", "baseline.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written = std::fs::read_to_string(path.join("baseline.json")).unwrap();
    let baseline: Value = serde_json::from_str(&written).unwrap();
    assert_eq!(baseline["schema_version"], 1);
    assert_eq!(baseline["tool"]["version"], env!("CARGO_PKG_VERSION"));
    let entries = baseline["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "two identical findings are two entries");
    for entry in entries {
        for key in ["fingerprint", "rule", "file", "message"] {
            assert!(entry[key].is_string(), "entry lacks {key}");
        }
    }
    scan(&["--write-baseline", "again.json"]);
    assert_eq!(
        written,
        std::fs::read_to_string(path.join("again.json")).unwrap(),
        "deterministic"
    );

    // The same findings, moved down: all suppressed, exit 0.
    std::fs::write(path.join("p.sql"), format!("-- header\n\n\n{TWO_STARS}")).unwrap();
    let out = scan(&["--baseline", "baseline.json", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(report["summary"]["findings"], 0);
    assert_eq!(report["summary"]["baseline"]["suppressed"], 2);
    assert_eq!(report["summary"]["baseline"]["stale"], 0);
    assert_eq!(report["summary"]["baseline"]["file"], "baseline.json");
    let text = stdout(&scan(&["--baseline", "baseline.json"]));
    assert!(text.contains("2 finding(s) suppressed"), "{text}");

    // A third identical statement is a new finding: it fails in every format.
    let three = TWO_STARS.replace("END", "  SELECT * FROM dbo.T WHERE Id = @Id;\nEND");
    std::fs::write(path.join("p.sql"), &three).unwrap();
    for format in ["text", "json", "sarif", "github", "gitlab"] {
        let out = scan(&["--baseline", "baseline.json", "--format", format]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "--format {format}: {}",
            stderr(&out)
        );
    }
    let report = json(&scan(&["--baseline", "baseline.json", "--format", "json"]));
    assert_eq!(report["summary"]["findings"], 1);
    assert_eq!(report["summary"]["baseline"]["suppressed"], 2);
    let github = stdout(&scan(&[
        "--baseline",
        "baseline.json",
        "--format",
        "github",
    ]));
    assert!(github.contains("2 suppressed by the baseline"), "{github}");

    // One statement fixed: one stale entry, listed, and pruned on request.
    let one = TWO_STARS.replacen("  SELECT * FROM dbo.T WHERE Id = @Id;\n", "", 1);
    std::fs::write(path.join("p.sql"), &one).unwrap();
    let out = scan(&["--baseline", "baseline.json", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let report = json(&out);
    assert_eq!(report["summary"]["baseline"]["stale"], 1);
    assert_eq!(
        report["summary"]["baseline"]["stale_entries"][0]["rule"],
        "select-star"
    );
    let text = stdout(&scan(&["--baseline", "baseline.json"]));
    assert!(text.contains("1 stale entry"), "{text}");
    let out = scan(&["--baseline", "baseline.json", "--prune-baseline"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let pruned: Value =
        serde_json::from_str(&std::fs::read_to_string(path.join("baseline.json")).unwrap())
            .unwrap();
    assert_eq!(pruned["entries"].as_array().unwrap().len(), 1);
    let report = json(&scan(&["--baseline", "baseline.json", "--format", "json"]));
    assert_eq!(report["summary"]["baseline"]["stale"], 0);
    assert_eq!(report["summary"]["baseline"]["suppressed"], 1);
}

#[test]
fn a_bad_baseline_is_an_error_that_says_what_to_do() {
    let dir = dir_with_one_procedure();
    let out = dbaudit(
        &["scan", "--baseline", "none.json", "p.sql"],
        Some(dir.path()),
    );
    assert_error(&out, "--write-baseline");
    std::fs::write(dir.path().join("bad.json"), "[1, 2]").unwrap();
    let out = dbaudit(
        &["scan", "--baseline", "bad.json", "p.sql"],
        Some(dir.path()),
    );
    assert_error(&out, "not a dbaudit baseline");
    let out = dbaudit(&["scan", "--prune-baseline", "p.sql"], Some(dir.path()));
    assert_eq!(
        out.status.code(),
        Some(2),
        "--prune-baseline needs --baseline"
    );
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=dbaudit",
            "-c",
            "user.email=dbaudit@example.invalid",
        ])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

#[test]
fn diff_base_reports_only_changed_lines() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "-q"]);
    std::fs::create_dir(repo.join("db")).unwrap();
    std::fs::write(repo.join("db/old.sql"), PROC_WITH_STAR).unwrap();
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "base"]);
    // A second procedure appended to the committed file, and a new untracked file.
    let second = PROC_WITH_STAR.replace("dbo.P ", "dbo.P2 ");
    std::fs::write(repo.join("db/old.sql"), format!("{PROC_WITH_STAR}{second}")).unwrap();
    std::fs::write(repo.join("db/new file é.sql"), PROC_WITH_STAR).unwrap();

    let out = dbaudit(
        &[
            "scan",
            "--format",
            "json",
            "--fail-on",
            "medium",
            "--diff-base",
            "HEAD",
            "db",
        ],
        Some(repo),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = json(&out);
    let found: Vec<(String, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["location"]["file"].as_str().unwrap().to_string(),
                f["location"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("db/new file é.sql".to_string(), 2),
            ("db/old.sql".to_string(), 5)
        ],
        "the unchanged procedure at line 2 of old.sql is left out"
    );
    assert_eq!(report["summary"]["changed_lines"]["outside"], 1);
    assert_eq!(report["summary"]["changed_lines"]["base"], "HEAD");

    // From a subdirectory, paths are mapped through the repository root.
    let out = dbaudit(
        &[
            "scan",
            "--format",
            "json",
            "--fail-on",
            "none",
            "--diff-base",
            "HEAD",
            ".",
        ],
        Some(&repo.join("db")),
    );
    assert_eq!(json(&out)["summary"]["findings"], 2, "{}", stderr(&out));

    // Nothing changed since the last commit: nothing reported, exit 0.
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "more"]);
    let out = dbaudit(
        &["scan", "--fail-on", "medium", "--diff-base", "HEAD", "db"],
        Some(repo),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = dbaudit(
        &["scan", "--fail-on", "medium", "--diff-base", "HEAD~1", "db"],
        Some(repo),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));

    // A branch is compared with its merge base, as its pull request is: a line the base
    // branch changed after the branch point is not the branch's change.
    git(repo, &["checkout", "-q", "-b", "feature"]);
    git(repo, &["checkout", "-q", "main"]);
    std::fs::write(
        repo.join("db/old.sql"),
        format!(
            "{}{second}",
            PROC_WITH_STAR.replace("SELECT *", "SELECT Id")
        ),
    )
    .unwrap();
    git(repo, &["commit", "-q", "-am", "fixed on main"]);
    git(repo, &["checkout", "-q", "feature"]);
    let out = dbaudit(
        &["scan", "--fail-on", "medium", "--diff-base", "main", "db"],
        Some(repo),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));

    let out = dbaudit(&["scan", "--diff-base", "no-such-branch", "db"], Some(repo));
    assert_error(&out, "unknown revision `no-such-branch`");
    assert!(stderr(&out).contains("fetch"), "says what to do");

    let outside = dir_with_one_procedure();
    let out = dbaudit(
        &["scan", "--diff-base", "main", "p.sql"],
        Some(outside.path()),
    );
    assert_error(&out, "needs a git repository");
}

#[test]
fn rules_reference_is_current() {
    let generated = dbaudit::rules::reference_markdown();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md");
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == generated,
        "docs/rules.md is not current: regenerate it with `cargo run -- rules --markdown > docs/rules.md`"
    );
    assert_eq!(stdout(&dbaudit(&["rules", "--markdown"], None)), generated);
    let list = stdout(&dbaudit(&["rules"], None));
    for rule in dbaudit::rules::all() {
        assert!(generated.contains(&format!("## {} {}", rule.code, rule.name)));
        for column in [
            rule.code,
            rule.name,
            rule.category.as_str(),
            rule.default_severity.as_str(),
        ] {
            assert!(list.contains(column), "`dbaudit rules` lacks {column}");
        }
    }
}

/// Each result's `properties.precision` follows CodeQL's scale from the finding's
/// confidence (with its reasons when lowered), and the run says what `--min-confidence`
/// left out; the log stays valid SARIF 2.1.0 either way.
#[test]
fn sarif_results_carry_the_precision_of_their_confidence() {
    let validator = sarif_validator();
    let dir = tempfile::tempdir().unwrap();
    support_cli::copy_lower_confidence_fixture(dir.path());
    let default = dbaudit(&["scan", "--format", "sarif", "."], Some(dir.path()));
    assert_eq!(default.status.code(), Some(0), "{}", stderr(&default));
    let log = json(&default);
    assert_schema_valid(
        validator.as_ref(),
        &log,
        "lower-confidence findings left out",
    );
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 0);
    assert_eq!(log["runs"][0]["properties"]["belowMinConfidence"], 2);
    assert_eq!(log["runs"][0]["properties"]["minConfidence"], "high");

    let all = dbaudit(
        &["scan", "--format", "sarif", "--min-confidence", "low", "."],
        Some(dir.path()),
    );
    assert_eq!(all.status.code(), Some(1), "{}", stderr(&all));
    let log = json(&all);
    assert_schema_valid(validator.as_ref(), &log, "lower-confidence findings shown");
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    for result in results {
        assert_eq!(result["properties"]["precision"], "medium", "{result}");
        assert!(result["properties"]["confidenceReasons"][0]
            .as_str()
            .unwrap()
            .contains("by name and argument count only"));
    }
    // High-confidence results say so too, and carry no reasons.
    let demo = json(&scan_demo(&["--format", "sarif", "--fail-on", "none"]));
    for result in demo["runs"][0]["results"].as_array().unwrap() {
        assert_eq!(result["properties"]["precision"], "high", "{result}");
        assert!(result["properties"].get("confidenceReasons").is_none());
    }
}
