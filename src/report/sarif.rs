//! SARIF 2.1.0 for code scanning (GitHub, Azure DevOps, IDE viewers): one rule per rule
//! in the registry with its documentation, one result per finding, and the scan's own
//! diagnostics (files skipped, regions not understood, encoding fallbacks) as tool
//! execution notifications, so nothing unread passes for clean.
//!
//! Built with `serde_json::json!`: the log is written once and read by other tools only,
//! and the SARIF schema (checked by the tests) is the contract, not Rust types.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use anyhow::Result;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{json, Map, Value};

use crate::model::{
    Category, ConfidenceLevel, Diagnostic, DiagnosticKind, Finding, ScanReport, Severity,
};
use crate::rules::RuleMeta;

pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The base the relative result URIs are resolved against: the directory dbaudit ran in.
pub const SRCROOT: &str = "%SRCROOT%";
/// The key of the finding fingerprint in `partialFingerprints`; `v1` changes if the
/// fingerprint's recipe ever does.
pub const FINGERPRINT_KEY: &str = "dbaudit/v1";

/// Characters kept as they are in a URI path: RFC 3986 unreserved ones and `/`.
/// Everything else (spaces, `%`, `#`, `?`, `:`, non-ASCII as UTF-8) is percent-encoded.
const URI_PATH: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// SARIF level of a severity: what blocks a merge is an error, what should be looked at
/// is a warning, the rest are notes.
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// Writes the log of a finished scan. `srcroot` is the directory relative paths start
/// from (the current directory), recorded in `originalUriBaseIds` when known.
pub fn write(report: &ScanReport, srcroot: Option<&Path>, out: &mut dyn Write) -> Result<()> {
    let rules = crate::rules::all();
    let rule_index: HashMap<&str, usize> = rules
        .iter()
        .enumerate()
        .map(|(index, rule)| (rule.code, index))
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|finding| result(finding, rule_index.get(finding.code.as_str()).copied()))
        .collect();
    let notifications: Vec<Value> = report.diagnostics.iter().map(notification).collect();
    let mut log = sarif_log(&rules, results, true, notifications, srcroot);
    // What --min-confidence left out, so that an absent result is not read as clean.
    log["runs"][0]["properties"] = json!({
        "minConfidence": report.summary.min_confidence.as_str(),
        "belowMinConfidence": report.summary.below_min_confidence,
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// The log of a scan that could not run (bad configuration, no input): no results,
/// `executionSuccessful: false` and the error as a notification, so that an upload step
/// shows why instead of failing on a missing file.
pub fn write_failure(error: &str, srcroot: Option<&Path>, out: &mut dyn Write) -> Result<()> {
    let notification = json!({
        "level": "error",
        "message": { "text": error },
        "descriptor": { "id": "fatal-error", "index": NOTIFICATION_KINDS.len() },
    });
    let log = sarif_log(
        &crate::rules::all(),
        Vec::new(),
        false,
        vec![notification],
        srcroot,
    );
    serde_json::to_writer_pretty(&mut *out, &log)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// The notification descriptors, in `DiagnosticKind` order, then `fatal-error`.
const NOTIFICATION_KINDS: [(DiagnosticKind, &str, &str); 3] = [
    (
        DiagnosticKind::NotUnderstood,
        "not-understood",
        "A region of a file the parser did not understand; the rest of the file was analysed.",
    ),
    (
        DiagnosticKind::SkippedFile,
        "skipped-file",
        "A file that was not analysed (binary, undecodable, too large or unreadable).",
    ),
    (
        DiagnosticKind::EncodingFallback,
        "encoding-fallback",
        "A file that is not valid UTF-8 and was read as Windows-1252.",
    ),
];

fn sarif_log(
    rules: &[&RuleMeta],
    results: Vec<Value>,
    successful: bool,
    notifications: Vec<Value>,
    srcroot: Option<&Path>,
) -> Value {
    let tool = crate::model::report::ToolInfo::current();
    let mut driver = json!({
        "name": tool.name,
        "version": tool.version,
        "semanticVersion": tool.version,
        "rules": rules.iter().map(|rule| descriptor(rule)).collect::<Vec<_>>(),
        "notifications": NOTIFICATION_KINDS
            .iter()
            .map(|(_, id, text)| json!({ "id": id, "shortDescription": { "text": text } }))
            .chain(std::iter::once(json!({
                "id": "fatal-error",
                "shortDescription": { "text": "The scan could not run." },
            })))
            .collect::<Vec<_>>(),
    });
    if let Some(uri) = information_uri() {
        driver["informationUri"] = json!(uri);
    }
    let mut base = json!({
        "description": { "text": "The directory dbaudit ran in; result paths are relative to it." },
    });
    if let Some(uri) = srcroot.and_then(directory_uri) {
        base["uri"] = json!(uri);
    }
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": driver },
            "invocations": [{
                "executionSuccessful": successful,
                "toolExecutionNotifications": notifications,
            }],
            "originalUriBaseIds": { SRCROOT: base },
            // dbaudit's columns count characters (code points), not UTF-16 units.
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

/// The project's home page from Cargo.toml (`homepage`, else `repository`), if set.
fn information_uri() -> Option<&'static str> {
    [env!("CARGO_PKG_HOMEPAGE"), env!("CARGO_PKG_REPOSITORY")]
        .into_iter()
        .find(|uri| !uri.is_empty())
}

fn descriptor(rule: &RuleMeta) -> Value {
    let doc = rule.doc_markdown();
    let full = [
        rule.doc_section("What it finds"),
        rule.doc_section("Why it matters"),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join("\n\n");
    let mut properties = Map::new();
    properties.insert("category".into(), json!(rule.category.as_str()));
    let tags = if rule.category == Category::Security {
        // GitHub shows rules tagged `security` with a security severity as security alerts.
        properties.insert(
            "security-severity".into(),
            json!(security_severity(rule.default_severity)),
        );
        vec!["security"]
    } else {
        vec![rule.category.as_str(), "performance"]
    };
    properties.insert("tags".into(), json!(tags));
    json!({
        "id": rule.code,
        "name": rule.name,
        "shortDescription": { "text": rule.summary },
        "fullDescription": { "text": if full.is_empty() { rule.summary.to_string() } else { full } },
        "help": { "text": doc, "markdown": doc },
        "defaultConfiguration": { "level": level(rule.default_severity) },
        "properties": properties,
    })
}

/// GitHub's scale: 9.0 and above critical, 7.0 high, 4.0 medium, below low.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

/// CodeQL's `precision` (very-high / high / medium / low) of a confidence, set on each
/// result. Ours tops out at `high`: `very-high` is CodeQL's claim of a query measured
/// almost never wrong, and no rule here has a measured precision that backs it
/// (bench/accuracy is the measure). GitHub sorts alerts by the precision of the rule
/// descriptor, which is left unset until each rule's precision is measured.
pub fn precision(level: ConfidenceLevel) -> &'static str {
    match level {
        ConfidenceLevel::High => "high",
        ConfidenceLevel::Medium => "medium",
        ConfidenceLevel::Low => "low",
    }
}

fn result(finding: &Finding, rule_index: Option<usize>) -> Value {
    let mut result = json!({
        "ruleId": finding.code,
        "level": level(finding.severity),
        "message": { "text": finding.message },
        "partialFingerprints": { FINGERPRINT_KEY: finding.fingerprint },
        "properties": {
            "rule": finding.rule,
            "severity": finding.severity.as_str(),
            "category": finding.category.as_str(),
            "recommendation": finding.recommendation,
            "precision": precision(finding.confidence.level),
        },
    });
    if !finding.confidence.reasons.is_empty() {
        result["properties"]["confidenceReasons"] = json!(finding.confidence.reasons);
    }
    if let Some(index) = rule_index {
        result["ruleIndex"] = json!(index);
    }
    let loc = &finding.location;
    let mut location = Map::new();
    if let Some(file) = &loc.file {
        location.insert(
            "physicalLocation".into(),
            physical_location(file, loc.line, loc.column, loc.end_line),
        );
    }
    if let Some(object) = &loc.object {
        location.insert(
            "logicalLocations".into(),
            json!([{ "fullyQualifiedName": object }]),
        );
    }
    if !location.is_empty() {
        result["locations"] = json!([location]);
    }
    if let Some(file) = &loc.file {
        let related: Vec<Value> = finding
            .evidence
            .related
            .iter()
            .enumerate()
            .map(|(id, r)| {
                json!({
                    "id": id,
                    "message": { "text": r.text },
                    "physicalLocation":
                        physical_location(r.file.as_deref().unwrap_or(file), Some(r.line), Some(r.column), None),
                })
            })
            .collect();
        if !related.is_empty() {
            result["relatedLocations"] = json!(related);
        }
    }
    result
}

fn notification(diagnostic: &Diagnostic) -> Value {
    let index = NOTIFICATION_KINDS
        .iter()
        .position(|(kind, _, _)| *kind == diagnostic.kind)
        .unwrap_or(0);
    // A file not read at all deserves attention; a region or an encoding is a note.
    let level = match diagnostic.kind {
        DiagnosticKind::SkippedFile => "warning",
        DiagnosticKind::NotUnderstood | DiagnosticKind::EncodingFallback => "note",
    };
    json!({
        "level": level,
        "message": { "text": diagnostic.message },
        "locations": [{
            "physicalLocation": physical_location(
                &diagnostic.file,
                diagnostic.line,
                diagnostic.column,
                diagnostic.end_line,
            ),
        }],
        "descriptor": { "id": NOTIFICATION_KINDS[index].1, "index": index },
    })
}

fn physical_location(
    file: &str,
    line: Option<u32>,
    column: Option<u32>,
    end_line: Option<u32>,
) -> Value {
    let mut physical = json!({ "artifactLocation": artifact_location(file) });
    if let Some(start) = line.filter(|l| *l >= 1) {
        let mut region = json!({ "startLine": start });
        if let Some(column) = column.filter(|c| *c >= 1) {
            region["startColumn"] = json!(column);
        }
        if let Some(end) = end_line {
            region["endLine"] = json!(end.max(start));
        }
        physical["region"] = region;
    }
    physical
}

/// A relative path becomes a relative URI reference resolved against `%SRCROOT%`; an
/// absolute one (the user scanned `/abs/dir`) a `file:` URI.
pub fn artifact_location(file: &str) -> Value {
    let path = file.replace('\\', "/");
    match absolute_file_uri(&path) {
        Some(uri) => json!({ "uri": uri }),
        None => json!({
            "uri": utf8_percent_encode(&path, URI_PATH).to_string(),
            "uriBaseId": SRCROOT,
        }),
    }
}

/// `file:` URI of an absolute path (`/srv/db` or `C:/db`), None for a relative one.
fn absolute_file_uri(path: &str) -> Option<String> {
    if path.starts_with('/') {
        return Some(format!("file://{}", utf8_percent_encode(path, URI_PATH)));
    }
    let bytes = path.as_bytes();
    if bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/' {
        return Some(format!(
            "file:///{}:{}",
            &path[..1],
            utf8_percent_encode(&path[2..], URI_PATH)
        ));
    }
    None
}

/// The `file:` URI of a directory, ending in `/` as SARIF requires of a base.
fn directory_uri(dir: &Path) -> Option<String> {
    let text = dir.to_str()?.replace('\\', "/");
    let uri = absolute_file_uri(&text)?;
    Some(if uri.ends_with('/') { uri } else { uri + "/" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded_references() {
        assert_eq!(
            artifact_location("db/my procs/Ünïcode #1.sql"),
            json!({ "uri": "db/my%20procs/%C3%9Cn%C3%AFcode%20%231.sql", "uriBaseId": "%SRCROOT%" })
        );
        assert_eq!(
            artifact_location("a:b.sql")["uri"],
            "a%3Ab.sql",
            "a colon would read as a scheme"
        );
        assert_eq!(
            artifact_location("/srv/db/a b.sql"),
            json!({ "uri": "file:///srv/db/a%20b.sql" })
        );
        assert_eq!(
            artifact_location("C:\\db\\a.sql"),
            json!({ "uri": "file:///C:/db/a.sql" })
        );
        assert_eq!(
            directory_uri(Path::new("/work/x y")).as_deref(),
            Some("file:///work/x%20y/")
        );
    }

    #[test]
    fn levels_follow_severity() {
        assert_eq!(level(Severity::Critical), "error");
        assert_eq!(level(Severity::High), "error");
        assert_eq!(level(Severity::Medium), "warning");
        assert_eq!(level(Severity::Low), "note");
        assert_eq!(level(Severity::Info), "note");
    }
}
