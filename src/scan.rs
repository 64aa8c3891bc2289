//! The static scan: walk, read, decode, parse, run the rules, extract facts, apply
//! configuration and suppressions, and assemble a deterministic report. Files are
//! processed in parallel; only one file's text per thread is in memory at a time.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rayon::prelude::*;

use crate::app::ir::FileIndex;
use crate::app::rules::Check;
use crate::app::store::{FactStore, Stored};
use crate::config::Config;
use crate::model::report::ToolInfo;
use crate::model::{
    Diagnostic, DiagnosticKind, Evidence, Finding, Location, ObjectFact, ScanReport, ScanSummary,
    Severity, SkippedFile, SCHEMA_VERSION,
};
use crate::source::walk::WalkEntry;
use crate::source::{decode, walk, FileSet, WalkOptions};
use crate::sql::rules::{RawFinding, SqlContext};
use crate::sql::{self, query, SqlDialect};
use crate::suppress::Suppressions;

pub struct ScanOptions {
    pub paths: Vec<PathBuf>,
    /// Forces the dialect of every file (otherwise detected per file).
    pub dialect: Option<SqlDialect>,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub no_ignore: bool,
    /// Also read application source (C#, JS/TS, Python, Java).
    pub app: bool,
}

/// What one file contributed.
#[derive(Default)]
struct FileOutcome {
    findings: Vec<Finding>,
    objects: Vec<ObjectFact>,
    diagnostics: Vec<Diagnostic>,
    skipped: Option<String>,
    bytes: u64,
    lines: u64,
    lines_not_understood: u64,
    suppressed: usize,
    /// A configuration error (unknown rule in a suppression comment): fails the run.
    error: Option<String>,
    /// What the cross-file pass needs of an application source file.
    app: Option<AppOutcome>,
}

/// An application file's index for the cross-file resolution, and where the facts the
/// repository rules read are stored (None: they can find nothing in it).
struct AppOutcome {
    index: FileIndex,
    facts: Option<Stored>,
}

pub fn run(options: &ScanOptions, config: &Config) -> Result<ScanReport> {
    crate::timing::begin();
    let mut include = config.scan.include.clone();
    include.extend(options.include.iter().cloned());
    let mut exclude = config.scan.exclude.clone();
    exclude.extend(options.exclude.iter().cloned());
    let files = FileSet::new(&include, &exclude, options.app)?;
    let walked = walk(
        &options.paths,
        &WalkOptions {
            files: &files,
            no_ignore: options.no_ignore,
        },
    )?;
    let entries = walked.entries;
    crate::timing::phase("walk");
    let max_size = config.max_file_size_bytes();
    let store = FactStore::temporary();
    // Worker stacks sized for the recursive parsers' nesting limits, with room to spare.
    const WORKER_STACK: usize = 16 * 1024 * 1024;
    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(WORKER_STACK)
        .start_handler(|_| crate::app::lang::common::declare_thread_stack(WORKER_STACK))
        .build()
        .context("could not start the worker threads")?;
    let outcomes: Vec<(String, FileOutcome)> = pool.install(|| {
        entries
            .par_iter()
            // One task per file: files differ in size by orders of magnitude, and rayon's
            // even splits otherwise leave one worker idle behind the other's large files.
            .with_max_len(1)
            .map(|entry| match entry {
                WalkEntry::File(path) => {
                    let name = display_path(path);
                    let outcome = crate::timing::measure("files (all work)", 0, || {
                        scan_file(path, &name, options.dialect, config, max_size, &store)
                    });
                    (name, outcome)
                }
                WalkEntry::Unreadable { path, reason } => (
                    display_path(path),
                    FileOutcome {
                        skipped: Some(format!("could not be read: {reason}")),
                        ..FileOutcome::default()
                    },
                ),
            })
            .collect()
    });
    crate::timing::phase("files read, parsed and analysed");
    // On the pool too: the repository rules run per file on its workers.
    let mut report = pool.install(|| assemble(outcomes, config, &store))?;
    report.summary.files_ignored = walked.ignored;
    Ok(report)
}

pub fn display_path(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    text.strip_prefix("./").unwrap_or(&text).to_string()
}

fn scan_file(
    path: &Path,
    name: &str,
    dialect: Option<SqlDialect>,
    config: &Config,
    max_size: u64,
    store: &FactStore,
) -> FileOutcome {
    let skipped = |reason: String| FileOutcome {
        skipped: Some(reason),
        ..FileOutcome::default()
    };
    let size = match std::fs::metadata(path) {
        Ok(m) => m.len(),
        Err(e) => return skipped(format!("could not be read: {e}")),
    };
    if size > max_size {
        return skipped(format!(
            "larger than the {} MiB limit ({:.1} MiB); raise scan.max_file_size_mb in dbaudit.toml to scan it",
            max_size / (1024 * 1024),
            size as f64 / (1024.0 * 1024.0)
        ));
    }
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => return skipped(format!("could not be read: {e}")),
    };
    let decoded = match decode(&bytes) {
        Ok(d) => d,
        Err(why) => return skipped(format!("not scanned: {why}")),
    };
    drop(bytes);
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
        analyze_text(name, &decoded.text, dialect, config, store)
    }));
    let mut outcome = match result {
        Ok(outcome) => outcome,
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            return skipped(format!(
                "internal error while analysing this file ({message}); please report it"
            ));
        }
    };
    outcome.bytes = size;
    if decoded.encoding == crate::source::Encoding::Windows1252 {
        outcome.diagnostics.push(Diagnostic {
            kind: DiagnosticKind::EncodingFallback,
            severity: Severity::Info,
            message: "not valid UTF-8: read as Windows-1252".to_string(),
            file: name.to_string(),
            line: None,
            column: None,
            end_line: None,
        });
    }
    outcome
}

/// Analyses one file's text. Public for tests, benchmarks and fuzzing.
fn analyze_text(
    name: &str,
    text: &str,
    dialect: Option<SqlDialect>,
    config: &Config,
    store: &FactStore,
) -> FileOutcome {
    if crate::app::ir::Language::of_path(Path::new(name)).is_some() {
        return analyze_app_text(name, text, config, store);
    }
    let dialect = dialect.unwrap_or_else(|| sql::detect_dialect(text));
    let unit = sql::parse(text, dialect);
    let shapes: Vec<query::QueryShape> = unit
        .statements
        .iter()
        .map(|s| query::analyze(unit.stmt_tokens(s)))
        .collect();
    let ctx = SqlContext {
        unit: &unit,
        shapes: &shapes,
    };
    let mut raw = Vec::new();
    for rule in sql::rules::ALL {
        if config.is_enabled(rule.meta().name) {
            rule.check(&ctx, &mut raw);
        }
    }
    let mut outcome = FileOutcome {
        lines: text.lines().count() as u64,
        ..FileOutcome::default()
    };
    let comments = unit.comments.iter().map(|c| (c.line, c.text.as_str()));
    if let Err(e) = keep_unsuppressed(raw, name, comments, config, &mut outcome) {
        outcome.error = Some(e.to_string());
        return outcome;
    }
    outcome.objects = sql::facts::object_facts(&unit, &shapes, name);
    let mut regions = unit.not_understood.clone();
    for (stmt, shape) in unit.statements.iter().zip(&shapes) {
        if shape.truncated {
            let toks = unit.stmt_tokens(stmt);
            if let (Some(first), Some(last)) = (toks.first(), toks.last()) {
                regions.push(crate::sql::unit::Region {
                    line: first.line,
                    col: first.col,
                    end_line: last.end_line,
                    message: format!(
                        "parentheses or subqueries nested deeper than {} levels: the inner levels were not analysed",
                        query::MAX_QUERY_NESTING
                    ),
                });
            }
        }
    }
    regions.sort_by_key(|r| (r.line, r.col));
    let mut covered_until = 0u32;
    for region in &regions {
        let start = region.line.max(covered_until + 1);
        if region.end_line >= start {
            outcome.lines_not_understood += u64::from(region.end_line - start + 1);
            covered_until = region.end_line;
        }
        outcome.diagnostics.push(Diagnostic {
            kind: DiagnosticKind::NotUnderstood,
            severity: Severity::Info,
            message: region.message.clone(),
            file: name.to_string(),
            line: Some(region.line),
            column: Some(region.col),
            end_line: Some(region.end_line),
        });
    }
    outcome
}

/// Extracts an application file's facts and runs the rules that read one file (and the
/// embedded SQL) on them; the repository rules run in the cross-file pass.
fn analyze_app_text(name: &str, text: &str, config: &Config, store: &FactStore) -> FileOutcome {
    let mut outcome = FileOutcome {
        lines: text.lines().count() as u64,
        ..FileOutcome::default()
    };
    let Some(facts) = crate::app::extract(name, text) else {
        return outcome;
    };
    if facts.error_share > 0.0 {
        let (start, end) = facts.error_regions.first().copied().unwrap_or_default();
        outcome.diagnostics.push(Diagnostic {
            kind: DiagnosticKind::NotUnderstood,
            severity: Severity::Info,
            message: format!(
                "{:.1}% of the syntax tree are errors ({} region(s)); the rest of the file was analysed",
                facts.error_share * 100.0,
                facts.error_regions.len()
            ),
            file: name.to_string(),
            line: Some(start.line.max(1)),
            column: Some(start.column.max(1)),
            end_line: Some(end.line.max(start.line).max(1)),
        });
        outcome.lines_not_understood += facts
            .error_regions
            .iter()
            .map(|(s, e)| u64::from(e.line.saturating_sub(s.line)) + 1)
            .sum::<u64>();
    }
    let mut raw = Vec::new();
    for rule in crate::app::rules::ALL {
        if let Check::File(check) = rule.check {
            if config.is_enabled(rule.meta.name) {
                check(&facts, &mut raw);
            }
        }
    }
    crate::app::embedded_sql::check(&facts, config, &mut raw);
    let comments = facts.comments.iter().map(|c| (c.line, c.text.as_str()));
    if let Err(e) = keep_unsuppressed(raw, name, comments, config, &mut outcome) {
        outcome.error = Some(e.to_string());
        return outcome;
    }
    let (index, rule_facts) = facts.split(&store.names);
    outcome.app = Some(AppOutcome {
        index,
        facts: rule_facts.map(|f| store.put(f)),
    });
    outcome
}

/// Adds to `outcome` the findings no suppression comment of the file silences, and counts
/// the others; an unknown rule in a suppression comment is an error (and then no finding
/// is added).
fn keep_unsuppressed<'c>(
    raw: Vec<RawFinding>,
    file: &str,
    comments: impl Iterator<Item = (u32, &'c str)>,
    config: &Config,
    outcome: &mut FileOutcome,
) -> Result<()> {
    let suppressions = Suppressions::from_comments(file, comments)?;
    for finding in raw {
        if suppressions.silences(finding.rule.name, &[finding.line, finding.statement_line]) {
            outcome.suppressed += 1;
        } else {
            outcome.findings.push(to_finding(finding, file, config));
        }
    }
    Ok(())
}

/// The repository rules, on every file's stored facts, with suppressions applied.
fn app_findings(
    indexes: &[FileIndex],
    stored: Vec<(usize, Stored)>,
    config: &Config,
    store: &FactStore,
) -> Result<FileOutcome> {
    crate::timing::phase("outcomes gathered");
    crate::timing::note(|| {
        let functions: usize = indexes.iter().map(|i| i.functions.len()).sum();
        let edges: usize = indexes.iter().map(|i| i.edges.len()).sum();
        format!(
            "application index: {} files, {functions} functions, {edges} edges; rule facts of {} files, {:.1} MiB on disk",
            indexes.len(),
            stored.len(),
            store.bytes_on_disk() as f64 / (1024.0 * 1024.0)
        )
    });
    let names = store.names.take();
    let repo = crate::app::resolve::Repo::new(indexes, &names);
    crate::timing::phase("query methods resolved");
    // Per file and independent: in parallel, gathered back in file order.
    let per_file: Vec<Result<FileOutcome>> = stored
        .into_par_iter()
        .map(|(fi, stored)| {
            let index = &indexes[fi];
            let facts = store.take(stored, &index.path)?;
            let file = crate::app::ir::AppFile::for_repository_rules(index, facts, &names);
            let mut raw = Vec::new();
            for rule in crate::app::rules::ALL {
                if let Check::Repository(check) = rule.check {
                    if config.is_enabled(rule.meta.name) {
                        check(&repo, &file, &mut raw);
                    }
                }
            }
            let mut outcome = FileOutcome::default();
            let comments = file.comments.iter().map(|c| (c.line, c.text.as_str()));
            keep_unsuppressed(raw, &file.path, comments, config, &mut outcome)?;
            Ok(outcome)
        })
        .collect();
    crate::timing::phase("application rules");
    let mut all = FileOutcome::default();
    for outcome in per_file {
        let outcome = outcome?;
        all.findings.extend(outcome.findings);
        all.suppressed += outcome.suppressed;
    }
    Ok(all)
}

fn to_finding(raw: RawFinding, file: &str, config: &Config) -> Finding {
    let severity = config.severity_of(raw.rule.name, raw.rule.default_severity);
    // No output ever shows a password, whatever code a finding quotes.
    let mask = |text: String| crate::app::lang::common::masked_credentials(&text).unwrap_or(text);
    let raw = RawFinding {
        message: mask(raw.message),
        snippet: mask(raw.snippet),
        related: raw
            .related
            .into_iter()
            .map(|r| crate::model::RelatedLocation {
                text: mask(r.text),
                ..r
            })
            .collect(),
        ..raw
    };
    Finding {
        rule: raw.rule.name.to_string(),
        code: raw.rule.code.to_string(),
        category: raw.rule.category,
        severity,
        message: raw.message,
        location: Location {
            file: Some(file.to_string()),
            line: Some(raw.line),
            column: Some(raw.column),
            end_line: Some(raw.end_line),
            object: raw.object,
        },
        evidence: Evidence {
            snippet: Some(raw.snippet),
            related: raw.related,
            metrics: Default::default(),
        },
        recommendation: raw.recommendation,
        fingerprint: String::new(),
    }
}

fn assemble(
    outcomes: Vec<(String, FileOutcome)>,
    config: &Config,
    store: &FactStore,
) -> Result<ScanReport> {
    let mut report = ScanReport {
        schema_version: SCHEMA_VERSION,
        tool: ToolInfo::current(),
        findings: Vec::new(),
        objects: Vec::new(),
        diagnostics: Vec::new(),
        summary: ScanSummary::default(),
    };
    let mut errors = Vec::new();
    let mut app_indexes = Vec::new();
    let mut app_facts = Vec::new();
    for (name, mut outcome) in outcomes {
        if let Some(app) = outcome.app.take() {
            if let Some(facts) = app.facts {
                app_facts.push((app_indexes.len(), facts));
            }
            app_indexes.push(app.index);
        }
        if let Some(error) = outcome.error {
            errors.push(error);
            continue;
        }
        if let Some(reason) = outcome.skipped {
            report.summary.files_skipped += 1;
            report.diagnostics.push(Diagnostic {
                kind: DiagnosticKind::SkippedFile,
                severity: Severity::Low,
                message: reason.clone(),
                file: name.clone(),
                line: None,
                column: None,
                end_line: None,
            });
            report
                .summary
                .skipped
                .push(SkippedFile { file: name, reason });
            continue;
        }
        report.summary.files_scanned += 1;
        report.summary.bytes_scanned += outcome.bytes;
        report.summary.lines_scanned += outcome.lines;
        report.summary.lines_not_understood += outcome.lines_not_understood;
        report.summary.suppressed += outcome.suppressed;
        report.findings.extend(outcome.findings);
        report.objects.extend(outcome.objects);
        report.diagnostics.extend(outcome.diagnostics);
    }
    report.summary.app_files_scanned = app_indexes.len();
    if !app_indexes.is_empty() {
        match app_findings(&app_indexes, app_facts, config, store) {
            Ok(outcome) => {
                report.findings.extend(outcome.findings);
                report.summary.suppressed += outcome.suppressed;
            }
            Err(e) => errors.push(format!("{e:#}")),
        }
    }
    if !errors.is_empty() {
        errors.sort();
        errors.dedup();
        anyhow::bail!("{}", errors.join("\n"));
    }
    crate::timing::phase("application findings");
    finish(&mut report);
    crate::timing::phase("sorted and fingerprinted");
    Ok(report)
}

/// Sorts everything, assigns fingerprints and fills the summary.
pub fn finish(report: &mut ScanReport) {
    report.findings.sort_by(|a, b| {
        (
            &a.location.file,
            a.location.line,
            a.location.column,
            &a.rule,
            &a.message,
        )
            .cmp(&(
                &b.location.file,
                b.location.line,
                b.location.column,
                &b.rule,
                &b.message,
            ))
    });
    let mut seen: HashMap<(String, String, String, String), usize> = HashMap::new();
    for finding in &mut report.findings {
        let key = (
            finding.rule.clone(),
            finding.location.file.clone().unwrap_or_default(),
            finding.location.object.clone().unwrap_or_default(),
            crate::model::finding::normalise_snippet(
                finding.evidence.snippet.as_deref().unwrap_or(""),
            ),
        );
        let occurrence = seen.entry(key).or_insert(0);
        finding.fingerprint = finding.compute_fingerprint(*occurrence);
        *occurrence += 1;
    }
    report
        .objects
        .sort_by(|a, b| (&a.file, a.line, &a.name).cmp(&(&b.file, b.line, &b.name)));
    report.diagnostics.sort_by(|a, b| {
        (&a.file, a.line, a.column, &a.message).cmp(&(&b.file, b.line, b.column, &b.message))
    });
    report.summary.skipped.sort_by(|a, b| a.file.cmp(&b.file));
    report.recount_findings();
    let summary = &mut report.summary;
    summary.objects = report.objects.len();
    summary.regions_not_understood = report
        .diagnostics
        .iter()
        .filter(|d| d.kind == DiagnosticKind::NotUnderstood)
        .count();
    summary.not_understood_share = if summary.lines_scanned == 0 {
        0.0
    } else {
        let share = summary.lines_not_understood as f64 / summary.lines_scanned as f64;
        (share * 10_000.0).round() / 10_000.0
    };
}

/// Analyses SQL text directly (no file system): for tests, benchmarks and fuzzing.
pub fn scan_text(
    name: &str,
    text: &str,
    dialect: Option<SqlDialect>,
    config: &Config,
) -> Result<ScanReport> {
    let store = FactStore::in_memory();
    let mut outcome = analyze_text(name, text, dialect, config, &store);
    outcome.bytes = text.len() as u64;
    assemble(vec![(name.to_string(), outcome)], config, &store)
}
