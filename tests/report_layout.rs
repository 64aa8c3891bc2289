//! The audit report's layout (issue #15, "a report people read"), checked on the demo
//! rendered with a real CommonMark + GFM renderer (pulldown-cmark): the scorecard first,
//! then the top recommendations, then the findings by area as summary tables (rule,
//! severity, count, worst object) followed by one short block per finding; no table
//! wider than four columns, so none is cut off at GitHub's width.
//! `docs/report-preview.sh` renders the same report in a headless browser at 1,000 px.

use std::process::Command;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// A table of the report: its section (the last H2) and its cells, row by row.
struct Table {
    section: String,
    rows: Vec<Vec<String>>,
}

#[test]
fn the_demo_report_leads_with_the_scorecard_and_summarises_findings_by_area() {
    let out = tempfile::tempdir().expect("a temporary directory");
    let output = Command::new(env!("CARGO_BIN_EXE_dbaudit"))
        .args(["audit", "--demo", "--quiet", "--out"])
        .arg(out.path())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the dbaudit binary runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let markdown = std::fs::read_to_string(out.path().join("report.md")).expect("report.md");
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("report.json")).expect("report.json"),
    )
    .expect("report.json is JSON");
    let findings = json["summary"]["findings"].as_u64().expect("a count") as usize;
    assert!(findings > 10, "the demo has findings");

    let mut sections: Vec<String> = Vec::new();
    let mut heading: Option<(HeadingLevel, String)> = None;
    let mut tables: Vec<Table> = Vec::new();
    let mut cell: Option<String> = None;
    let mut what_items = 0;
    let mut in_item = false;
    for event in Parser::new_ext(&markdown, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => heading = Some((level, String::new())),
            Event::End(TagEnd::Heading(_)) => {
                if let Some((HeadingLevel::H2, text)) = heading.take() {
                    sections.push(text);
                }
            }
            Event::Start(Tag::Table(_)) => tables.push(Table {
                section: sections.last().cloned().unwrap_or_default(),
                rows: Vec::new(),
            }),
            Event::Start(Tag::TableHead) | Event::Start(Tag::TableRow) => {
                if let Some(table) = tables.last_mut() {
                    table.rows.push(Vec::new());
                }
            }
            Event::Start(Tag::TableCell) => cell = Some(String::new()),
            Event::End(TagEnd::TableCell) => {
                if let (Some(text), Some(table)) = (cell.take(), tables.last_mut()) {
                    if let Some(row) = table.rows.last_mut() {
                        row.push(text);
                    }
                }
            }
            Event::Start(Tag::Item) => in_item = true,
            Event::Text(text) | Event::Code(text) => {
                if in_item
                    && sections.last().map(String::as_str) == Some("Findings by area")
                    && text.as_ref() == "What:"
                {
                    what_items += 1;
                }
                if let Some(open) = cell.as_mut() {
                    open.push_str(&text);
                }
                if let Some((_, open)) = heading.as_mut() {
                    open.push_str(&text);
                }
            }
            Event::End(TagEnd::Item) => in_item = false,
            _ => {}
        }
    }

    assert_eq!(
        sections,
        [
            "Scorecard",
            "Top recommendations",
            "Findings by area",
            "Index recommendations",
            "What was not checked and why",
            "About this audit",
            "Methodology",
        ],
        "the report's sections, in order"
    );
    for table in &tables {
        assert!(
            table.rows[0].len() <= 4,
            "a table of {} columns in {}: {:?}",
            table.rows[0].len(),
            table.section,
            table.rows[0]
        );
    }
    assert_eq!(
        tables[0].rows[0],
        ["Area", "Grade", "Findings", "Assessed on"],
        "the scorecard is the first table"
    );
    let summaries: Vec<&Table> = tables
        .iter()
        .filter(|t| t.section == "Findings by area")
        .collect();
    assert!(
        summaries.len() >= 4,
        "one summary table per area with findings"
    );
    let mut counted = 0;
    for table in &summaries {
        assert_eq!(table.rows[0], ["Rule", "Severity", "Count", "Worst object"]);
        for row in &table.rows[1..] {
            assert!(
                !row[3].is_empty(),
                "a summary row without its worst object: {row:?}"
            );
            counted += row[2].parse::<usize>().expect("a count");
        }
    }
    assert_eq!(counted, findings, "the summary tables count every finding");
    assert_eq!(
        what_items, findings,
        "one block (What / Evidence / Fix) per finding"
    );
}
