//! The JSON report: `schema_version`, `tool`, `findings`, `objects`, `diagnostics`,
//! `summary`. These key names are a contract CI scripts rely on.

use anyhow::Result;

use crate::model::ScanReport;

pub fn render(report: &ScanReport) -> Result<String> {
    let mut text = serde_json::to_string_pretty(report)?;
    text.push('\n');
    Ok(text)
}
