//! Coverage of code that is not plain script text (issue #16, coverage): SSMS "Generate
//! Scripts" files with "Check for object existence", where every object is a literal
//! run by `sp_executesql`; dynamic SQL literals; key-value query catalogues; template
//! syntax. Every object written is found, every finding and object points at the right
//! text of the original file, and nothing is a silent zero.

use std::collections::BTreeSet;
use std::path::Path;

use dbaudit::config::Config;
use dbaudit::model::{DiagnosticKind, Finding, ScanReport};
use dbaudit::scan::scan_text;
use dbaudit::sql::SqlDialect;

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join("ssms")
        .join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()))
}

fn scan(name: &str, text: &str, dialect: Option<SqlDialect>) -> ScanReport {
    scan_text(name, text, dialect, &Config::default())
        .unwrap_or_else(|e| panic!("scan of {name} failed: {e:#}"))
}

/// The file's text from a 1-based (line, character column).
fn text_at(text: &str, line: u32, column: u32) -> String {
    let line_text = text.lines().nth(line as usize - 1).unwrap_or_default();
    line_text.chars().skip(column as usize - 1).collect()
}

fn line_of(finding: &Finding) -> u32 {
    finding.location.line.unwrap_or(0)
}

fn column_of(finding: &Finding) -> u32 {
    finding.location.column.unwrap_or(0)
}

fn not_understood(report: &ScanReport) -> Vec<(u32, String)> {
    report
        .diagnostics
        .iter()
        .filter(|d| d.kind == DiagnosticKind::NotUnderstood)
        .map(|d| (d.line.unwrap_or(0), d.message.clone()))
        .collect()
}

/// The report's only not-understood region is a statement built at run time, at `line`.
fn assert_one_runtime_region_at(report: &ScanReport, line: u32) {
    let regions = not_understood(report);
    assert_eq!(regions.len(), 1, "{regions:?}");
    assert_eq!(regions[0].0, line);
    assert!(
        regions[0].1.contains("built at run time"),
        "{}",
        regions[0].1
    );
}

/// The objects the SSMS fixture defines, in the order written.
const SSMS_OBJECTS: &[(&str, &str)] = &[
    ("procedure", "dbo.Orders_ByCustomer"),
    ("procedure", "dbo.Customers_Search"),
    ("procedure", "dbo.Orders_Purge"),
    ("view", "dbo.ActiveCustomers"),
    ("function", "dbo.CustomerName"),
    ("trigger", "dbo.Orders_Audit"),
];

fn check_ssms_script(name: &str, text: &str) {
    let report = scan(name, text, None);
    let found: Vec<(String, String)> = report
        .objects
        .iter()
        .map(|o| (o.kind.as_str().to_string(), o.name.clone()))
        .collect();
    let written: Vec<(String, String)> = SSMS_OBJECTS
        .iter()
        .map(|(k, n)| (k.to_string(), n.to_string()))
        .collect();
    assert_eq!(found, written, "every object written, and only those");
    for object in &report.objects {
        let line = text_at(text, object.line, 1);
        let short = object.name.rsplit('.').next().unwrap_or_default();
        assert!(
            line.contains("CREATE") && line.contains(short),
            "object {} at line {} points at `{line}`",
            object.name,
            object.line
        );
        let last = text_at(text, object.end_line, 1);
        assert!(
            object.end_line > object.line || object.kind.as_str() == "view",
            "object {} ends at line {} (`{last}`)",
            object.name,
            object.end_line
        );
    }
    // Findings: on the `-- expect:` lines, at the text they are about.
    let expected: BTreeSet<(u32, String)> = text
        .lines()
        .enumerate()
        .filter_map(|(i, l)| {
            l.split_once("-- expect: ")
                .map(|(_, rule)| (i as u32 + 1, rule.trim().to_string()))
        })
        .collect();
    let reported: BTreeSet<(u32, String)> = report
        .findings
        .iter()
        .map(|f| (line_of(f), f.rule.clone()))
        .collect();
    assert_eq!(reported, expected);
    for finding in &report.findings {
        let at = text_at(text, line_of(finding), column_of(finding));
        let points_at = match finding.rule.as_str() {
            "select-star" => at.starts_with('*'),
            "leading-wildcard-like" => at.to_ascii_uppercase().starts_with("LIKE"),
            _ => true,
        };
        assert!(
            points_at,
            "{} at {}:{} points at `{at}`",
            finding.rule,
            line_of(finding),
            column_of(finding)
        );
    }
    let objects_of: BTreeSet<Option<&str>> = report
        .findings
        .iter()
        .map(|f| f.location.object.as_deref())
        .collect();
    assert!(objects_of.contains(&Some("dbo.Orders_Purge")));
    assert_eq!(not_understood(&report), Vec::<(u32, String)>::new());
    assert_eq!(report.summary.objects, SSMS_OBJECTS.len());
}

#[test]
fn every_object_of_a_generate_scripts_file_is_found_at_its_line() {
    let text = fixture("generate_scripts.sql");
    check_ssms_script("fixtures/ssms/generate_scripts.sql", &text);
}

#[test]
fn a_generate_scripts_file_with_windows_line_ends_too() {
    // SSMS writes CRLF; the un-doubled bodies keep their `\r`.
    let text = fixture("generate_scripts.sql").replace('\n', "\r\n");
    check_ssms_script("generate_scripts_crlf.sql", &text);
}

#[test]
fn the_objects_read_and_write_what_their_literal_says() {
    let report = scan(
        "fixtures/ssms/generate_scripts.sql",
        &fixture("generate_scripts.sql"),
        None,
    );
    let purge = report
        .objects
        .iter()
        .find(|o| o.name == "dbo.Orders_Purge")
        .unwrap_or_else(|| panic!("dbo.Orders_Purge not found"));
    assert!(purge.writes.iter().any(|w| w == "dbo.Orders"));
    assert!(purge.reads.iter().any(|r| r == "dbo.OrderArchive"));
}

#[test]
fn a_definition_that_is_not_read_as_an_object_is_reported() {
    // A statement without its `;` swallows the next definition's header.
    let text = "SELECT 1\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql;\n";
    let report = scan("unread.sql", text, Some(SqlDialect::Postgres));
    assert_eq!(report.summary.objects, 0);
    let regions = not_understood(&report);
    assert_eq!(regions.len(), 1, "{regions:?}");
    assert_eq!(regions[0].0, 2);
    assert!(
        regions[0]
            .1
            .contains("`CREATE FUNCTION f` was not read as an object"),
        "{}",
        regions[0].1
    );
    assert_eq!(report.summary.regions_not_understood, 1);
}

#[test]
fn definitions_in_comments_and_unexecuted_strings_are_not_objects() {
    let text = "-- CREATE PROCEDURE dbo.Old AS SELECT 1\n/* ALTER VIEW v AS */\nSELECT N'CREATE VIEW dbo.V AS SELECT 1' AS ddl\n";
    let report = scan("strings.sql", text, Some(SqlDialect::Tsql));
    assert_eq!(report.summary.objects, 0);
    assert_eq!(not_understood(&report), Vec::<(u32, String)>::new());
    // PostgreSQL's ALTER FUNCTION changes a property; it defines nothing.
    let pg = "ALTER FUNCTION f() OWNER TO app;\nALTER VIEW v RENAME TO w;\n";
    let report = scan("alter.sql", pg, Some(SqlDialect::Postgres));
    assert_eq!(not_understood(&report), Vec::<(u32, String)>::new());
}

#[test]
fn dynamic_sql_inside_a_procedure_belongs_to_it_and_a_runtime_tail_is_reported() {
    let text = "CREATE PROCEDURE dbo.P @Table SYSNAME AS\nBEGIN\n    EXEC (N'SELECT * FROM dbo.Orders WHERE Note = ''a''' + @Table)\n    EXEC @rc = [sys].[sp_executesql] @stmt = N'SELECT Id FROM dbo.Customers WHERE Name LIKE ''%x''', N'@p INT', @p = 1\nEND\n";
    let report = scan("dynamic.sql", text, Some(SqlDialect::Tsql));
    assert_eq!(report.summary.objects, 1);
    let found: Vec<(String, u32, u32, Option<String>)> = report
        .findings
        .iter()
        .map(|f| {
            (
                f.rule.clone(),
                line_of(f),
                column_of(f),
                f.location.object.clone(),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            ("select-star".to_string(), 3, 20, Some("dbo.P".to_string())),
            (
                "leading-wildcard-like".to_string(),
                4,
                88,
                Some("dbo.P".to_string())
            ),
        ]
    );
    assert!(text_at(text, 4, 88).starts_with("LIKE"));
    assert_one_runtime_region_at(&report, 3);
}

#[test]
fn literals_nested_too_deep_are_reported_not_skipped() {
    let mut text = "SELECT * FROM dbo.T".to_string();
    for _ in 0..6 {
        text = format!("EXEC sp_executesql N'{}'", text.replace('\'', "''"));
    }
    let report = scan("deep.sql", &text, Some(SqlDialect::Tsql));
    let regions = not_understood(&report);
    assert_eq!(regions.len(), 1, "{regions:?}");
    assert!(
        regions[0].1.contains("nested more than"),
        "{}",
        regions[0].1
    );
}

#[test]
fn a_query_catalogue_is_one_statement_per_value() {
    let text = "# Category queries\n### Category.selectById\nCategory.selectById = SELECT * FROM category WHERE id = ?\nCategory.searchByName = SELECT id, name FROM category \\\n    WHERE name LIKE '%' + ? + '%'\n! legacy\nCategory.deleteById: DELETE FROM category WHERE id = #{id}\nProduct.byCode=SELECT p.id FROM product p WHERE UPPER(p.code) = ?\n";
    let report = scan("queries.sql", text, None);
    let found: Vec<(String, u32)> = report
        .findings
        .iter()
        .map(|f| (f.rule.clone(), line_of(f)))
        .collect();
    assert_eq!(
        found,
        vec![
            ("select-star".to_string(), 3),
            ("leading-wildcard-like".to_string(), 5),
            ("non-sargable-predicate".to_string(), 8),
        ]
    );
    for finding in &report.findings {
        for word in ["Category", "searchByName", "#", "byCode"] {
            assert!(
                !finding.message.contains(&format!("`{word}`")),
                "a key became a name: {}",
                finding.message
            );
        }
    }
    assert_eq!(not_understood(&report), Vec::<(u32, String)>::new());
}

#[test]
fn template_placeholders_never_become_columns() {
    let ssms = "CREATE PROCEDURE <Procedure_Name, sysname, ProcedureName>\n\t<@Param1, sysname, @p1> <Datatype_For_Param1, , int> = <Default_Value_For_Param1, , 0>\nAS\nBEGIN\n\tSELECT Id FROM dbo.Orders WHERE UPPER(<column_name, sysname, Name>) = @p1 AND <column_name, sysname, Name> LIKE '%x'\nEND\nGO\n";
    let report = scan("template.sql", ssms, Some(SqlDialect::Tsql));
    assert_eq!(report.summary.objects, 1);
    assert_eq!(
        report.objects[0].name,
        "<Procedure_Name, sysname, ProcedureName>"
    );
    assert!(report.findings.is_empty(), "{:?}", report.findings);
    let jinja = "{% set cols = ['a', 'b'] %}\nSELECT o.id FROM orders o\nWHERE lower({{ col }}) = 'x'\n  AND upper(:\"colname\") = :value\n  AND {{ other }} LIKE '%y'\n  AND o.code = :'code';\n";
    for dialect in [SqlDialect::Postgres, SqlDialect::Tsql] {
        let report = scan("template.sql", jinja, Some(dialect));
        assert!(report.findings.is_empty(), "{:?}", report.findings);
        assert_eq!(not_understood(&report), Vec::<(u32, String)>::new());
    }
}

/// A template parameter in brackets names a schema or database: the statement is read, and
/// messages show it as one `?`, not as the blanks it was replaced by.
#[test]
fn a_bracketed_template_schema_shows_as_one_placeholder() {
    let text = "CREATE PROCEDURE [<owner,sysname,dbo>].[ListDue]\nAS\nSELECT Id FROM [<db_name,varchar,Shop>].[<owner,sysname,dbo>].[Invoice] WHERE YEAR(DueDate) = 2024\nGO\n";
    let report = scan("template.sql", text, Some(SqlDialect::Tsql));
    let everything = serde_json::to_string(&report).unwrap_or_default();
    assert!(
        !everything.contains("?  "),
        "a blanked template shown with its padding: {everything}"
    );
    let finding = report
        .findings
        .iter()
        .find(|f| f.rule == "non-sargable-predicate")
        .map(|f| serde_json::to_string(f).unwrap_or_default())
        .unwrap_or_default();
    assert!(finding.contains("?.?.Invoice(DueDate)"), "{finding}");
}

#[test]
fn an_empty_stub_before_its_alter_is_one_object() {
    let text = "IF NOT EXISTS (SELECT * FROM sys.objects WHERE object_id = OBJECT_ID(N'[dbo].[P]') AND type in (N'P', N'PC'))\nBEGIN\nEXEC dbo.sp_executesql @statement = N'CREATE PROCEDURE [dbo].[P] AS' \nEND\nGO\nALTER PROCEDURE [dbo].[P]\nAS\nSELECT * FROM dbo.T\nGO\nIF NOT EXISTS (SELECT * FROM sys.objects WHERE object_id = OBJECT_ID(N'[dbo].[Q]'))\nEXEC dbo.sp_executesql @statement = N'CREATE PROCEDURE [dbo].[Q] AS'\nGO\n";
    let report = scan("stub.sql", text, Some(SqlDialect::Tsql));
    let objects: Vec<(String, u32)> = report
        .objects
        .iter()
        .map(|o| (o.name.clone(), o.line))
        .collect();
    // Q's stub is never altered here: it is the only definition of Q.
    assert_eq!(
        objects,
        vec![("dbo.P".to_string(), 6), ("dbo.Q".to_string(), 11)]
    );
    assert_eq!(not_understood(&report), Vec::<(u32, String)>::new());
}

#[test]
fn a_prefix_that_stops_inside_a_string_is_one_runtime_region() {
    let text = "CREATE FUNCTION f(p text) RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n    EXECUTE format('SELECT %I.add_step(%s, ''failed for '||p||' now'')', 's', 1);\nEND\n$$;\n";
    let report = scan("prefix.sql", text, Some(SqlDialect::Postgres));
    assert_one_runtime_region_at(&report, 3);
}

/// Every T-SQL rule fixture, rewritten the way SSMS scripts it (each batch that defines an
/// object wrapped in `IF NOT EXISTS … EXEC dbo.sp_executesql @statement = N'…'` with its
/// quotes doubled, on the same lines), gives the same objects, facts and findings at the
/// same lines and columns as the plain file.
#[test]
fn ssms_wrapping_changes_nothing_on_the_rule_fixtures() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules/tsql");
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    let mut wrapped_objects = 0;
    for path in entries {
        let plain = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let (wrapped, first_lines) = wrap_like_ssms(&plain);
        let name = path.display().to_string();
        let a = scan(&name, &plain, Some(SqlDialect::Tsql));
        let b = scan(&name, &wrapped, Some(SqlDialect::Tsql));
        let objects = |r: &ScanReport| -> Vec<String> {
            r.objects
                .iter()
                .map(|o| {
                    format!(
                        "{} {} {}-{} r{:?} w{:?}",
                        o.kind.as_str(),
                        o.name,
                        o.line,
                        o.end_line,
                        o.reads,
                        o.writes
                    )
                })
                .collect()
        };
        assert_eq!(objects(&a), objects(&b), "{name}");
        let findings = |r: &ScanReport| -> Vec<String> {
            r.findings
                .iter()
                .map(|f| {
                    let line = line_of(f);
                    let column = if first_lines.contains(&line) {
                        0
                    } else {
                        column_of(f)
                    };
                    format!("{} {line}:{column} {:?}", f.rule, f.location.object)
                })
                .collect()
        };
        assert_eq!(findings(&a), findings(&b), "{name}");
        assert_eq!(not_understood(&a), not_understood(&b), "{name}");
        wrapped_objects += b.objects.len();
    }
    assert!(
        wrapped_objects > 20,
        "only {wrapped_objects} objects wrapped"
    );
}

/// The SSMS shape of a script, on the same lines, and the lines where a wrapper starts.
fn wrap_like_ssms(plain: &str) -> (String, Vec<u32>) {
    let mut out = String::new();
    let mut first_lines = Vec::new();
    let mut batch: Vec<&str> = Vec::new();
    let mut batch_line = 1u32;
    let flush = |batch: &mut Vec<&str>, out: &mut String, first_lines: &mut Vec<u32>, at: u32| {
        let text = batch.join("\n");
        let defines = text.lines().any(|l| {
            let upper = l.trim_start().to_ascii_uppercase();
            [
                "CREATE PROC",
                "CREATE FUNCTION",
                "CREATE TRIGGER",
                "CREATE VIEW",
                "CREATE OR ALTER",
                "ALTER PROC",
            ]
            .iter()
            .any(|k| upper.starts_with(k))
        });
        if defines && !text.trim().is_empty() {
            first_lines.push(at);
            out.push_str("IF NOT EXISTS (SELECT * FROM sys.objects WHERE object_id = OBJECT_ID(N'x')) BEGIN EXEC dbo.sp_executesql @statement = N'");
            out.push_str(&text.replace('\'', "''"));
            out.push_str("' END\n");
        } else if !batch.is_empty() {
            out.push_str(&text);
            out.push('\n');
        }
        batch.clear();
    };
    for (index, line) in plain.lines().enumerate() {
        if line.trim().eq_ignore_ascii_case("GO") {
            flush(&mut batch, &mut out, &mut first_lines, batch_line);
            out.push_str(line);
            out.push('\n');
            batch_line = index as u32 + 2;
        } else {
            batch.push(line);
        }
    }
    flush(&mut batch, &mut out, &mut first_lines, batch_line);
    (out, first_lines)
}
