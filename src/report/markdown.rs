//! The Markdown report, rendered with minijinja from `templates/scan.md.j2`; every value
//! from the scanned files is escaped (`report::escape`).

use anyhow::{Context, Result};
use minijinja::Value;

use crate::model::ScanReport;

const TEMPLATE: &str = include_str!("../../templates/scan.md.j2");

pub fn render(report: &ScanReport) -> Result<String> {
    let mut env = super::escape::markdown_environment();
    env.add_template("scan.md", TEMPLATE)
        .context("the bundled Markdown template is invalid")?;
    let template = env.get_template("scan.md")?;
    // The rules a static scan runs.
    let rules: Vec<_> = crate::sql::rules::ALL
        .iter()
        .map(|rule| rule.meta())
        .map(|r| {
            minijinja::context! {
                name => r.name, code => r.code, category => r.category.as_str(),
                severity => r.default_severity.as_str(),
                // dbaudit's own Markdown, one line: shown as written but for `|`.
                summary => Value::from_safe_string(r.summary.replace('|', "\\|")),
            }
        })
        .collect();
    let text = template
        .render(minijinja::context! { report => report, rules => rules })
        .context("could not render the Markdown report")?;
    Ok(text)
}
