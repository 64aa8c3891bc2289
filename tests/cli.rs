//! End-to-end tests of the `dbaudit` binary: exit codes, formats, configuration,
//! suppressions, encodings, skipped files, and the JSON contract.

#[path = "support/cli.rs"]
mod support_cli;
use std::process::Command;
use support_cli::{dbaudit, json, stderr, stdout};

const PROC_WITH_STAR: &str =
    "CREATE PROCEDURE dbo.P @Id INT AS\nSELECT * FROM dbo.Appointments WHERE ClientId = @Id\nGO\n";

#[test]
fn demo_fails_on_high_by_default_and_passes_with_fail_on_none() {
    let out = dbaudit(&["scan", "fixtures/demo"], None);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("row-by-row-loop"));
    assert!(text.contains("fixtures/demo/database/procedures/Appointments.sql"));
    assert!(
        !text.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );
    assert_eq!(
        dbaudit(&["scan", "--fail-on", "none", "fixtures/demo"], None)
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        dbaudit(&["scan", "--fail-on", "critical", "fixtures/demo"], None)
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        dbaudit(&["scan", "--fail-on", "medium", "fixtures/demo"], None)
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn json_contract_keys_and_determinism() {
    let first = dbaudit(
        &[
            "scan",
            "--format",
            "json",
            "--fail-on",
            "none",
            "fixtures/demo",
        ],
        None,
    );
    let second = dbaudit(
        &[
            "scan",
            "--format",
            "json",
            "--fail-on",
            "none",
            "fixtures/demo",
        ],
        None,
    );
    assert_eq!(first.stdout, second.stdout, "output is deterministic");
    let report = json(&first);
    assert_eq!(report["schema_version"], 2);
    for key in ["findings", "objects", "diagnostics", "summary", "tool"] {
        assert!(report.get(key).is_some(), "missing {key}");
    }
    let summary = &report["summary"];
    for key in [
        "files_scanned",
        "files_skipped",
        "regions_not_understood",
        "not_understood_share",
        "by_severity",
        "suppressed",
    ] {
        assert!(summary.get(key).is_some(), "missing summary.{key}");
    }
    assert_eq!(summary["files_scanned"], 7);
    assert_eq!(summary["suppressed"], 1);
    let finding = &report["findings"][0];
    for key in [
        "rule",
        "code",
        "category",
        "severity",
        "message",
        "location",
        "evidence",
        "recommendation",
        "fingerprint",
    ] {
        assert!(finding.get(key).is_some(), "finding lacks {key}");
    }
    let objects = report["objects"].as_array().unwrap();
    let names: Vec<&str> = objects
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"dbo.Appointment_GetByClientId"));
    assert!(names.contains(&"public.notify_upcoming"));
    assert!(
        names.contains(&"dbo.Notification_GetUnread"),
        "the UTF-16 file is read"
    );
}

#[test]
fn missing_path_is_an_error_with_exit_2() {
    let out = dbaudit(&["scan", "no/such/dir"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no/such/dir"), "{}", stderr(&out));
}

#[test]
fn no_sql_files_is_an_error_not_an_all_clear() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("readme.txt"), "hello").unwrap();
    let out = dbaudit(&["scan", "."], Some(dir.path()));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no SQL or application source files"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn binary_utf16_and_cp1252_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("backup.sql"),
        b"\x00\x01\x02TAPE\x00\x00binary",
    )
    .unwrap();
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in PROC_WITH_STAR.encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    std::fs::write(dir.path().join("ssms.sql"), utf16).unwrap();
    std::fs::write(
        dir.path().join("legacy.sql"),
        b"-- caf\xe9\nCREATE PROCEDURE dbo.Q AS SELECT * FROM dbo.T\n",
    )
    .unwrap();
    let out = dbaudit(
        &["scan", "--format", "json", "--fail-on", "none", "."],
        Some(dir.path()),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(report["summary"]["files_scanned"], 2);
    assert_eq!(report["summary"]["files_skipped"], 1);
    assert_eq!(report["summary"]["skipped"][0]["file"], "backup.sql");
    assert!(report["summary"]["skipped"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("binary"));
    let rules: Vec<(&str, &str)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["location"]["file"].as_str().unwrap(),
                f["rule"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(rules.contains(&("ssms.sql", "select-star")));
    assert!(rules.contains(&("legacy.sql", "select-star")));
    let diagnostics = report["diagnostics"].as_array().unwrap();
    assert!(diagnostics
        .iter()
        .any(|d| d["kind"] == "encoding-fallback" && d["file"] == "legacy.sql"));
    // The text output says what was not scanned.
    let text = stdout(&dbaudit(
        &["scan", "--fail-on", "none", "."],
        Some(dir.path()),
    ));
    assert!(
        text.contains("Not scanned:") && text.contains("backup.sql"),
        "{text}"
    );
}

#[test]
fn config_is_discovered_and_validated() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("db")).unwrap();
    std::fs::write(dir.path().join("db/p.sql"), PROC_WITH_STAR).unwrap();
    std::fs::write(
        dir.path().join("dbaudit.toml"),
        "[rules.severity]\nselect-star = \"critical\"\n",
    )
    .unwrap();
    let out = dbaudit(
        &["scan", "--format", "json", "--fail-on", "critical", "db"],
        Some(dir.path()),
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["findings"][0]["severity"], "critical");

    std::fs::write(
        dir.path().join("dbaudit.toml"),
        "[rules]\ndisable = [\"select-star\"]\n",
    )
    .unwrap();
    let out = dbaudit(&["scan", "--format", "json", "db"], Some(dir.path()));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json(&out)["findings"].as_array().unwrap().len(), 0);

    std::fs::write(
        dir.path().join("dbaudit.toml"),
        "[rules]\ndisable = [\"select-all\"]\n",
    )
    .unwrap();
    let out = dbaudit(&["scan", "db"], Some(dir.path()));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("select-all"), "{}", stderr(&out));

    let explicit = dir.path().join("other.toml");
    std::fs::write(&explicit, "[scan]\nexclude = [\"db/**\"]\n").unwrap();
    let out = dbaudit(
        &["scan", "--config", explicit.to_str().unwrap(), "."],
        Some(dir.path()),
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "everything excluded: no SQL files"
    );
}

#[test]
fn suppressions_and_unknown_rules_in_comments() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("p.sql"),
        "CREATE PROCEDURE dbo.P AS\n-- dbaudit:ignore select-star\nSELECT * FROM dbo.T\nSELECT * FROM dbo.U\n",
    )
    .unwrap();
    let report = json(&dbaudit(&["scan", "-f", "json", "p.sql"], Some(dir.path())));
    assert_eq!(report["findings"].as_array().unwrap().len(), 1);
    assert_eq!(report["findings"][0]["location"]["line"], 4);
    assert_eq!(report["summary"]["suppressed"], 1);

    std::fs::write(
        dir.path().join("p.sql"),
        "-- dbaudit:ignore-file\nSELECT * FROM dbo.T\n",
    )
    .unwrap();
    let report = json(&dbaudit(&["scan", "-f", "json", "p.sql"], Some(dir.path())));
    assert_eq!(report["findings"].as_array().unwrap().len(), 0);

    std::fs::write(
        dir.path().join("p.sql"),
        "SELECT * FROM dbo.T -- dbaudit:ignore select-al\n",
    )
    .unwrap();
    let out = dbaudit(&["scan", "p.sql"], Some(dir.path()));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("p.sql:1") && stderr(&out).contains("select-al"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn include_globs_gitignore_and_size_limit() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // .gitignore applies inside a git repository, as in git itself.
    let git = Command::new("git")
        .args(["init", "-q"])
        .current_dir(root)
        .status()
        .unwrap();
    assert!(git.success());
    std::fs::write(root.join("Install.SqlDataProvider"), "CREATE PROCEDURE {databaseOwner}[{objectQualifier}GetPortals] AS SELECT * FROM {databaseOwner}[{objectQualifier}Portals]\nGO\n").unwrap();
    std::fs::write(root.join(".gitignore"), "generated/\n").unwrap();
    std::fs::create_dir(root.join("generated")).unwrap();
    std::fs::write(root.join("generated/g.sql"), PROC_WITH_STAR).unwrap();
    std::fs::write(root.join("big.sql"), "SELECT 1;\n".repeat(120_000)).unwrap();
    std::fs::write(root.join("dbaudit.toml"), "[scan]\nmax_file_size_mb = 1\n").unwrap();

    let report = json(&dbaudit(
        &["scan", "-f", "json", "--fail-on", "none", "."],
        Some(root),
    ));
    assert_eq!(
        report["summary"]["files_scanned"], 0,
        "only big.sql matches, and it is over the limit"
    );
    assert_eq!(report["summary"]["files_skipped"], 1);
    assert!(report["summary"]["skipped"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("MiB limit"));

    let report = json(&dbaudit(
        &[
            "scan",
            "-f",
            "json",
            "--fail-on",
            "none",
            "--include",
            "*.sqldataprovider",
            ".",
        ],
        Some(root),
    ));
    let objects = report["objects"].as_array().unwrap();
    assert_eq!(objects.len(), 1);
    assert_eq!(objects[0]["name"], "GetPortals");

    let report = json(&dbaudit(
        &[
            "scan",
            "-f",
            "json",
            "--fail-on",
            "none",
            "--no-ignore",
            ".",
        ],
        Some(root),
    ));
    assert_eq!(
        report["summary"]["files_scanned"], 1,
        "generated/g.sql is read with --no-ignore"
    );
}

#[test]
fn output_file_and_markdown() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("report.md");
    let out = dbaudit(
        &[
            "scan",
            "--format",
            "markdown",
            "--fail-on",
            "none",
            "-o",
            target.to_str().unwrap(),
            "fixtures/demo",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let markdown = std::fs::read_to_string(&target).unwrap();
    assert!(markdown.starts_with("# dbaudit scan report"));
    assert!(markdown.contains("| Severity | Rule | Location | Object | Message |"));
    assert!(markdown.contains("`dbo.Appointment_SendReminders`"));
    assert!(markdown.contains("## What was not read"));
}

#[test]
fn colour_only_when_asked_and_no_color_honoured() {
    let coloured = dbaudit(
        &[
            "scan",
            "--color",
            "always",
            "--fail-on",
            "none",
            "fixtures/demo",
        ],
        None,
    );
    assert!(stdout(&coloured).contains('\x1b'));
    let plain = dbaudit(
        &[
            "scan",
            "--color",
            "never",
            "--fail-on",
            "none",
            "fixtures/demo",
        ],
        None,
    );
    assert!(!stdout(&plain).contains('\x1b'));
}

#[test]
fn rules_command_lists_and_explains() {
    let list = stdout(&dbaudit(&["rules"], None));
    for name in [
        "select-star",
        "row-by-row-loop",
        "non-sargable-predicate",
        "leading-wildcard-like",
    ] {
        assert!(list.contains(name), "{list}");
    }
    let doc = stdout(&dbaudit(&["rules", "SQL002"], None));
    assert!(doc.starts_with("row-by-row-loop (SQL002)"));
    assert!(doc.contains("## How to fix"));
    assert_eq!(dbaudit(&["rules", "nope"], None).status.code(), Some(2));
}

#[test]
fn fingerprints_survive_line_moves() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.sql"), PROC_WITH_STAR).unwrap();
    let before = json(&dbaudit(&["scan", "-f", "json", "p.sql"], Some(dir.path())));
    std::fs::write(
        dir.path().join("p.sql"),
        format!("-- a header\n\n{PROC_WITH_STAR}"),
    )
    .unwrap();
    let after = json(&dbaudit(&["scan", "-f", "json", "p.sql"], Some(dir.path())));
    assert_ne!(
        before["findings"][0]["location"]["line"],
        after["findings"][0]["location"]["line"]
    );
    assert_eq!(
        before["findings"][0]["fingerprint"],
        after["findings"][0]["fingerprint"]
    );
}

/// `DBAUDIT_TIMINGS` prints where a scan's time went on standard error, and changes
/// nothing else: the report is byte for byte the same.
#[test]
fn timings_go_to_stderr_and_leave_the_report_alone() {
    let args = [
        "scan",
        "--format",
        "json",
        "--fail-on",
        "none",
        "fixtures/app",
    ];
    let plain = dbaudit(&args, None);
    let timed = support_cli::dbaudit_with_env(
        &args,
        None,
        &[("DBAUDIT_TIMINGS", std::path::Path::new("1"))],
    );
    assert_eq!(timed.status.code(), Some(0), "{}", stderr(&timed));
    let err = stderr(&timed);
    for phase in [
        "walk",
        "files read, parsed and analysed",
        "query methods resolved",
        "report written",
        "tree-sitter parse",
        "parse + extract csharp",
    ] {
        assert!(err.contains(phase), "no `{phase}` timing in:\n{err}");
    }
    assert!(
        err.lines().all(|l| l.starts_with("dbaudit: timing:")),
        "{err}"
    );
    assert!(!stderr(&plain).contains("timing"), "{}", stderr(&plain));
    // Versions and paths aside, the JSON is the same: compare everything but `tool`.
    let (mut a, mut b) = (json(&plain), json(&timed));
    a["tool"] = serde_json::Value::Null;
    b["tool"] = serde_json::Value::Null;
    assert_eq!(a, b);
}
