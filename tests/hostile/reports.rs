//! Reports that cannot be injected: names, statement texts and file names written by a
//! hostile database user or repository author render as text in every Markdown report
//! (checked with a real CommonMark + GFM-tables renderer, pulldown-cmark) and never reach
//! the terminal as raw control characters.
//!
//! The audit probes run on a copy of the demo snapshot whose objects are renamed to the
//! hostile names (no server needed); the scan probes on a file with a hostile name.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::dbaudit;

/// Objects of the demo snapshot renamed to hostile names (exact CSV field values).
const RENAMES: &[(&str, &str)] = &[
    ("notifications", "<script>alert(1)</script>|t`x"),
    ("ix_notifications_user", "line\n# INJECTED | heading"),
    ("ix_payments_status_unused", "esc\u{1b}[31mred"),
    (
        "ix_appointments_notes_invalid",
        "inv2; DROP TABLE public.victim; --",
    ),
    (
        "ix_notifications_user_read",
        "a\\|b ``` <img src=x onerror=alert(1)>",
    ),
    // An application_name is the client's text (sessions.csv).
    ("Psyter.Api", "app\u{1b}[31m<b>x</b>|`y\n# INJECTED app"),
];

/// A statement text appended to one of the demo's statements (a comment, so the
/// statement still parses): HTML, a cell break, backticks, a new line with a heading.
const HOSTILE_COMMENT: &str =
    " /* </td><script>alert(2)</script> | ``` `x` \n# INJECTED statement\n\u{1b}[2J */";

/// A file name no scan may let out: an HTML tag, a cell break, a backtick, a new line
/// with a heading, an ESC sequence.
const HOSTILE_FILE: &str = "<img src=x onerror=alert(3)>|`x\n# INJECTED file \u{1b}[31m.sql";

/// The demo snapshot with the hostile renames and statement text, in a temporary
/// directory.
fn hostile_snapshot() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo/snapshot");
    for entry in std::fs::read_dir(&demo).expect("the demo snapshot") {
        let path = entry.expect("a directory entry").path();
        let name = path.file_name().expect("a file name").to_owned();
        if path.extension().is_some_and(|e| e == "csv") {
            let mut reader = csv::Reader::from_path(&path).expect("a demo CSV");
            let mut writer = csv::Writer::from_path(dir.path().join(&name)).expect("a CSV");
            writer
                .write_record(reader.headers().expect("a header"))
                .expect("written");
            let query_column = reader
                .headers()
                .expect("a header")
                .iter()
                .position(|h| h == "query");
            for record in reader.records() {
                let record = record.expect("a demo row");
                let fields: Vec<String> = record
                    .iter()
                    .enumerate()
                    .map(|(i, field)| {
                        if let Some((_, hostile)) = RENAMES.iter().find(|(from, _)| *from == field)
                        {
                            return hostile.to_string();
                        }
                        if Some(i) == query_column && field.starts_with("SELECT pg_sleep") {
                            return format!("{field}{HOSTILE_COMMENT}");
                        }
                        field.to_string()
                    })
                    .collect();
                writer.write_record(&fields).expect("written");
            }
            writer.flush().expect("flushed");
        } else {
            std::fs::copy(&path, dir.path().join(&name)).expect("copied");
        }
    }
    dir
}

/// A directory holding one SQL file with the hostile name and a finding in it.
fn hostile_source() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(
        dir.path().join(HOSTILE_FILE),
        "CREATE PROCEDURE dbo.p AS\nSELECT * FROM dbo.t WHERE YEAR(d) = 2020;\n",
    )
    .expect("the hostile file is written");
    dir
}

/// What a rendered Markdown document is made of, as far as injection goes.
struct Rendered {
    /// (level, text) of every heading.
    headings: Vec<(HeadingLevel, String)>,
    /// HTML blocks and inline HTML: none may come from the input.
    html: Vec<String>,
    /// The text of every cell (text and code concatenated).
    cells: Vec<String>,
    /// All text and code, in order.
    text: String,
}

fn render(markdown: &str) -> Rendered {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let mut rendered = Rendered {
        headings: Vec::new(),
        html: Vec::new(),
        cells: Vec::new(),
        text: String::new(),
    };
    let mut heading: Option<(HeadingLevel, String)> = None;
    let mut cell: Option<String> = None;
    for (event, range) in Parser::new_ext(markdown, options).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, .. }) => heading = Some((level, String::new())),
            Event::End(TagEnd::Heading(_)) => rendered.headings.extend(heading.take()),
            Event::Start(Tag::TableCell) => cell = Some(String::new()),
            Event::End(TagEnd::TableCell) => rendered.cells.extend(cell.take()),
            Event::Start(Tag::Table(alignments)) => {
                assert_table_shape(&markdown[range], alignments.len());
            }
            Event::Html(html) | Event::InlineHtml(html) => rendered.html.push(html.to_string()),
            Event::Text(text) | Event::Code(text) => {
                if let Some((_, open)) = heading.as_mut() {
                    open.push_str(&text);
                }
                if let Some(open) = cell.as_mut() {
                    open.push_str(&text);
                }
                rendered.text.push_str(&text);
            }
            _ => {}
        }
    }
    rendered
}

/// Every line of a table's source splits into exactly `columns` cells the way GFM splits
/// them (at each `|` not escaped as `\|`): a name cannot add or move a cell, and the
/// table has as many lines as the template wrote rows (a line break would end it).
fn assert_table_shape(source: &str, columns: usize) {
    for line in source.lines().filter(|l| !l.trim().is_empty()) {
        let bytes = line.as_bytes();
        let pipes = (0..bytes.len())
            .filter(|&i| bytes[i] == b'|' && (i == 0 || bytes[i - 1] != b'\\'))
            .count();
        assert_eq!(
            pipes,
            columns + 1,
            "a table row has {} cells where its table has {columns}: {line}",
            pipes.saturating_sub(1)
        );
    }
}

fn assert_no_injection(rendered: &Rendered, allowed_headings: &[&str]) {
    assert!(
        rendered.html.is_empty(),
        "HTML from the input reached the report: {:?}",
        rendered.html
    );
    for (level, text) in &rendered.headings {
        assert!(
            !text.starts_with("INJECTED") && allowed_headings.iter().any(|h| text.starts_with(h))
                || (*level == HeadingLevel::H3 && text.starts_with(|c: char| c.is_ascii_digit())),
            "a heading that the report does not write: {level:?} {text:?}"
        );
    }
}

fn audit_report(snapshot: &Path) -> (String, String) {
    let out = tempfile::tempdir().expect("a temporary directory");
    let output = dbaudit(&[
        "audit",
        "--snapshot",
        snapshot.to_str().expect("a UTF-8 path"),
        "--out",
        out.path().to_str().expect("a UTF-8 path"),
    ]);
    assert!(
        output.status.success(),
        "audit failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let markdown = std::fs::read_to_string(out.path().join("report.md")).expect("report.md");
    (
        markdown,
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

/// Sections the audit report writes as headings.
const AUDIT_HEADINGS: &[&str] = &[
    "Database performance audit",
    "Scorecard",
    "Top recommendations",
    "Findings by area",
    "Indexing — ",
    "Query patterns — ",
    "Runtime hotspots — ",
    "Connection management — ",
    "Security — ",
    "Index recommendations",
    "Candidates not recommended",
    "Statements considered and what became of them",
    "What was not checked and why",
    "About this audit",
    "Methodology",
];

#[test]
fn audit_report_with_hostile_names_renders_them_as_text() {
    let snapshot = hostile_snapshot();
    let (markdown, terminal) = audit_report(snapshot.path());
    let rendered = render(&markdown);
    assert_no_injection(&rendered, AUDIT_HEADINGS);
    // The names are there, shown as they are (control characters as visible escapes).
    for shown in [
        "<script>alert(1)</script>|t`x",
        "line\\n# INJECTED | heading",
        "esc\\u{1b}[31mred",
        "inv2; DROP TABLE public.victim; --",
        "a\\|b ``` <img src=x onerror=alert(1)>",
        // The finding's message folds the statement's white space to one line.
        "</td><script>alert(2)</script> | ``` `x` # INJECTED statement \\u{1b}[2J",
        // The application of connection-saturation and idle-in-transaction.
        "<b>x</b>|`y",
    ] {
        assert!(
            rendered.text.contains(shown),
            "the report does not show {shown:?}:\n{markdown}"
        );
    }
    // The index is the worst object of its rules: a code span with `|` in a table cell.
    assert!(
        rendered
            .cells
            .iter()
            .any(|c| c == "public.line\\n# INJECTED | heading"),
        "the hostile index name is not one cell's text"
    );
    assert!(!markdown.contains('\u{1b}'), "a raw ESC in report.md");
    assert!(
        !terminal.contains('\u{1b}'),
        "a raw ESC in the audit's summary:\n{terminal}"
    );
    assert!(terminal.contains("esc\\u{1b}[31mred") || !terminal.contains("esc"));
}

#[test]
fn analyze_text_shows_control_characters_as_escapes() {
    let snapshot = hostile_snapshot();
    let output = dbaudit(&[
        "analyze",
        "--fail-on",
        "none",
        "--snapshot",
        snapshot.path().to_str().expect("a UTF-8 path"),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "analyze failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        !stdout.contains('\u{1b}'),
        "a raw ESC from the input:\n{stdout}"
    );
    assert!(
        stdout.contains("esc\\u{1b}[31mred"),
        "the ESC name is not shown escaped:\n{stdout}"
    );
    assert!(
        !stdout.lines().any(|l| l.starts_with("# INJECTED")),
        "a name's newline reached the terminal:\n{stdout}"
    );
}

fn scan(dir: &Path, format: &str, summary: Option<&PathBuf>) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dbaudit"));
    command
        .args(["scan", "--format", format])
        .arg(dir)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_STEP_SUMMARY");
    if let Some(summary) = summary {
        command.env("GITHUB_STEP_SUMMARY", summary);
    }
    let output = command.output().expect("the dbaudit binary runs");
    assert!(
        output.status.code() == Some(0),
        "scan failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Sections the scan report writes as headings.
const SCAN_HEADINGS: &[&str] = &[
    "dbaudit scan report",
    "Findings",
    "Objects",
    "What was not read",
    "Rules",
];

#[test]
fn scan_markdown_with_a_hostile_file_name_renders_it_as_text() {
    let source = hostile_source();
    let markdown = scan(source.path(), "markdown", None);
    let rendered = render(&markdown);
    assert_no_injection(&rendered, SCAN_HEADINGS);
    let shown = "<img src=x onerror=alert(3)>|`x\\n# INJECTED file \\u{1b}[31m.sql";
    assert!(
        rendered.text.contains(shown),
        "the file name is not shown:\n{markdown}"
    );
    assert!(
        rendered.cells.iter().any(|c| c.contains(shown)),
        "the file name is not one cell's text:\n{markdown}"
    );
    assert!(!markdown.contains('\u{1b}'));
}

#[test]
fn github_step_summary_with_a_hostile_file_name_renders_it_as_text() {
    let source = hostile_source();
    let summary = source.path().join("summary.md");
    scan(source.path(), "github", Some(&summary));
    let markdown = std::fs::read_to_string(&summary).expect("the step summary");
    let rendered = render(&markdown);
    assert_no_injection(&rendered, &["dbaudit scan"]);
    let distinct: BTreeSet<_> = rendered.cells.iter().collect();
    assert!(
        distinct
            .iter()
            .any(|c| c.contains("<img src=x onerror=alert(3)>|`x\\n# INJECTED file")),
        "the file name is not one cell's text:\n{markdown}"
    );
    assert!(!markdown.contains('\u{1b}'));
}

#[test]
fn scan_text_shows_control_characters_as_escapes() {
    let source = hostile_source();
    let text = scan(source.path(), "text", None);
    assert!(
        !text.contains('\u{1b}'),
        "a raw ESC from the file name:\n{text}"
    );
    assert!(
        text.contains("\\n# INJECTED file \\u{1b}[31m.sql"),
        "{text}"
    );
    assert!(!text.lines().any(|l| l.starts_with("# INJECTED")), "{text}");
}
