//! The JSON report: `schema_version`, `tool`, `findings`, `objects`, `diagnostics`,
//! `summary`. These key names are a contract CI scripts rely on.

use std::io::Write;

use anyhow::Result;

use crate::model::ScanReport;

pub fn render(report: &ScanReport) -> Result<String> {
    let mut buffer = Vec::new();
    write(report, &mut buffer)?;
    Ok(String::from_utf8(buffer)?)
}

/// Streams the report: a large report is never held twice in memory.
pub fn write(report: &ScanReport, out: &mut dyn Write) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    out.write_all(b"\n")?;
    Ok(())
}
