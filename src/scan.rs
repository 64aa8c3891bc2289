//! The static scan: walk, read, decode, parse, run the rules, extract facts, apply
//! configuration and suppressions, and assemble a deterministic report. Files are
//! processed in parallel; only one file's text per thread is in memory at a time.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rayon::prelude::*;

use crate::app::ir::{Edge, FileIndex, RuleFacts};
use crate::app::rules::Check;
use crate::app::store::{FactStore, Stored};
use crate::config::{Config, TestCode};
use crate::model::report::ToolInfo;
use crate::model::{
    Category, Diagnostic, DiagnosticKind, Evidence, Finding, Location, ObjectFact, ScanReport,
    ScanSummary, Severity, SkippedFile, SCHEMA_VERSION,
};
use crate::source::walk::WalkEntry;
use crate::source::{decode, walk, FileSet, WalkOptions};
use crate::sql::declared_index::{IndexCatalogue, IndexCheck, IndexVerdict};
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
    /// Application source (C#, JS/TS, Python, Java).
    app_file: bool,
    /// Application test code: only the security rules ran.
    test_code: bool,
    /// The indexes a SQL file declares (and the large binary columns of any file's tables).
    indexes: IndexCatalogue,
    /// (index in `findings`, what the catalogue must hold for that finding).
    index_checks: Vec<(usize, IndexCheck)>,
}

/// An application file's index for the cross-file resolution, and where its edges and the
/// facts the repository rules read are stored (None: they can find nothing in it).
struct AppOutcome {
    index: FileIndex,
    edges: Stored<Vec<Edge>>,
    facts: Option<Stored<RuleFacts>>,
}

/// What files contributed, in file order. Each file's outcome becomes one as soon as it is
/// done and is merged with its neighbours', so no file's outcome is kept beyond what the
/// report and the cross-file pass need.
#[derive(Default)]
struct Gathered {
    findings: Vec<Finding>,
    objects: Vec<ObjectFact>,
    diagnostics: Vec<Diagnostic>,
    /// The counts of the summary, and the skipped files.
    summary: ScanSummary,
    errors: Vec<String>,
    app_indexes: Vec<FileIndex>,
    app_edges: Vec<Stored<Vec<Edge>>>,
    /// (index in `app_indexes`, stored facts).
    app_facts: Vec<(usize, Stored<RuleFacts>)>,
    /// The indexes the SQL files declare (names only).
    indexes: IndexCatalogue,
    /// (index in `findings`, what the catalogue must hold for that finding), SQL files only.
    index_checks: Vec<(usize, IndexCheck)>,
}

impl Gathered {
    /// What one file contributes.
    fn of_file(name: String, mut outcome: FileOutcome) -> Gathered {
        let mut gathered = Gathered::default();
        if let Some(app) = outcome.app.take() {
            gathered.app_facts.extend(app.facts.map(|facts| (0, facts)));
            gathered.app_indexes.push(app.index);
            gathered.app_edges.push(app.edges);
        }
        if let Some(error) = outcome.error {
            gathered.errors.push(error);
            return gathered;
        }
        if let Some(reason) = outcome.skipped {
            gathered.diagnostics.push(Diagnostic {
                kind: DiagnosticKind::SkippedFile,
                severity: Severity::Low,
                message: reason.clone(),
                file: name.clone(),
                line: None,
                column: None,
                end_line: None,
            });
            gathered.summary.files_skipped = 1;
            gathered
                .summary
                .skipped
                .push(SkippedFile { file: name, reason });
            return gathered;
        }
        gathered.summary = ScanSummary {
            files_scanned: 1,
            app_files_scanned: usize::from(outcome.app_file),
            app_test_files: usize::from(outcome.test_code),
            bytes_scanned: outcome.bytes,
            lines_scanned: outcome.lines,
            lines_not_understood: outcome.lines_not_understood,
            suppressed: outcome.suppressed,
            ..ScanSummary::default()
        };
        gathered.findings = outcome.findings;
        // SQL files declare indexes; every file's findings that hold only where an index
        // exists (SQL files' and application files' embedded SQL alike) are checked
        // against them once all files are read.
        gathered.indexes = outcome.indexes;
        gathered.index_checks = outcome.index_checks;
        gathered.objects = outcome.objects;
        gathered.diagnostics = outcome.diagnostics;
        gathered
    }

    /// `self` followed by `later` (the files after `self`'s).
    fn merge(mut self, later: Gathered) -> Gathered {
        let offset = self.app_indexes.len();
        let findings_before = self.findings.len();
        self.index_checks.extend(
            later
                .index_checks
                .into_iter()
                .map(|(index, check)| (index + findings_before, check)),
        );
        self.indexes = self.indexes.merge(later.indexes);
        self.findings.extend(later.findings);
        self.objects.extend(later.objects);
        self.diagnostics.extend(later.diagnostics);
        let (summary, more) = (&mut self.summary, later.summary);
        summary.files_skipped += more.files_skipped;
        summary.files_scanned += more.files_scanned;
        summary.app_files_scanned += more.app_files_scanned;
        summary.app_test_files += more.app_test_files;
        summary.bytes_scanned += more.bytes_scanned;
        summary.lines_scanned += more.lines_scanned;
        summary.lines_not_understood += more.lines_not_understood;
        summary.suppressed += more.suppressed;
        summary.skipped.extend(more.skipped);
        self.errors.extend(later.errors);
        // Exactly the room needed: these hold an entry per file until the end.
        self.app_indexes.reserve_exact(later.app_indexes.len());
        self.app_indexes.extend(later.app_indexes);
        self.app_edges.reserve_exact(later.app_edges.len());
        self.app_edges.extend(later.app_edges);
        self.app_facts.extend(
            later
                .app_facts
                .into_iter()
                .map(|(index, facts)| (index + offset, facts)),
        );
        self
    }
}

pub fn run(options: &ScanOptions, config: &Config) -> Result<ScanReport> {
    run_with_progress(options, config, &crate::model::progress::Silent)
}

/// [`run`], telling `progress` of each file scanned.
pub fn run_with_progress(
    options: &ScanOptions,
    config: &Config,
    progress: &dyn crate::model::progress::Progress,
) -> Result<ScanReport> {
    run_knowing_indexes(options, config, progress, IndexCatalogue::default())
}

/// [`run_with_progress`], with indexes known from elsewhere than the scanned files (the
/// audited database's snapshot): evidence for the findings that hold only where an index
/// exists, beside the indexes the files declare.
pub fn run_knowing_indexes(
    options: &ScanOptions,
    config: &Config,
    progress: &dyn crate::model::progress::Progress,
    known_indexes: IndexCatalogue,
) -> Result<ScanReport> {
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
    let tests_security_only = config.scan.test_code == TestCode::Security;
    // Only application files put facts in the store: a SQL-only scan needs no temporary file.
    let store = if options.app {
        FactStore::temporary()
    } else {
        FactStore::in_memory()
    };
    // Worker stacks sized for the recursive parsers' nesting limits, with room to spare.
    const WORKER_STACK: usize = 16 * 1024 * 1024;
    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(WORKER_STACK)
        .start_handler(|_| crate::app::lang::common::declare_thread_stack(WORKER_STACK))
        .build()
        .context("could not start the worker threads")?;
    progress.start("scanning files", Some(entries.len() as u64));
    let gathered = pool.install(|| {
        entries
            .par_iter()
            // One task per file: files differ in size by orders of magnitude, and rayon's
            // even splits otherwise leave one worker idle behind the other's large files.
            .with_max_len(1)
            .map(|entry| match entry {
                WalkEntry::File(path) => {
                    let name = display_path(path);
                    let test_code = tests_security_only
                        && crate::source::test_code::is_test_code_under(path, &options.paths);
                    let outcome = crate::timing::measure("files (all work)", 0, || {
                        let file = FileToScan {
                            path,
                            name: &name,
                            dialect: options.dialect,
                            test_code,
                        };
                        scan_file(&file, config, max_size, &store)
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
            .map(|(name, outcome)| {
                progress.advance("");
                Gathered::of_file(name, outcome)
            })
            // Merged in file order (rayon keeps the order of an indexed iterator's
            // reduction), so the report and the resolution do not depend on which worker
            // finished first.
            .reduce(Gathered::default, Gathered::merge)
    });
    let mut gathered = gathered;
    gathered.indexes = std::mem::take(&mut gathered.indexes).merge(known_indexes);
    crate::timing::phase("files read, parsed and analysed");
    // On the pool too: the repository rules run per file on its workers.
    let mut report = pool.install(|| assemble(gathered, config, &store))?;
    report.summary.files_ignored = walked.ignored;
    Ok(report)
}

pub fn display_path(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    text.strip_prefix("./").unwrap_or(&text).to_string()
}

/// A file the walk found, and how to read it.
struct FileToScan<'a> {
    path: &'a Path,
    /// As the report shows it.
    name: &'a str,
    /// Forces the dialect of SQL (otherwise detected).
    dialect: Option<SqlDialect>,
    /// Application test code, on which only the security rules run (`scan.test_code`).
    test_code: bool,
}

fn scan_file(file: &FileToScan, config: &Config, max_size: u64, store: &FactStore) -> FileOutcome {
    let FileToScan {
        path,
        name,
        dialect,
        test_code,
    } = *file;
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
        analyze_text(name, &decoded.text, dialect, test_code, config, store)
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
    test_code: bool,
    config: &Config,
    store: &FactStore,
) -> FileOutcome {
    if crate::app::ir::Language::of_path(Path::new(name)).is_some() {
        return analyze_app_text(name, text, test_code, config, store);
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
    outcome.indexes = IndexCatalogue::of_unit(&unit);
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
/// embedded SQL) on them; the repository rules run in the cross-file pass. On test code
/// only the security rules run, and the file stays out of the cross-file pass: its mocks
/// and fakes are not the repository's query methods.
fn analyze_app_text(
    name: &str,
    text: &str,
    test_code: bool,
    config: &Config,
    store: &FactStore,
) -> FileOutcome {
    let mut outcome = FileOutcome {
        lines: text.lines().count() as u64,
        app_file: true,
        test_code,
        ..FileOutcome::default()
    };
    if let Some(reason) = crate::source::generated::generated_reason(name, text) {
        outcome.skipped = Some(reason);
        return outcome;
    }
    let Some(facts) = crate::app::extract(name, text) else {
        return outcome;
    };
    if let Some(reason) = facts.not_parsed {
        outcome.skipped = Some(reason);
        return outcome;
    }
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
        if test_code && rule.meta.category != Category::Security {
            continue;
        }
        if let Check::File(check) = rule.check {
            if config.is_enabled(rule.meta.name) {
                check(&facts, &mut raw);
            }
        }
    }
    if !test_code {
        let declared = crate::app::embedded_sql::check(&facts, config, &mut raw);
        outcome.indexes = std::mem::take(&mut outcome.indexes).merge(declared);
    }
    let comments = facts.comments.iter().map(|c| (c.line, c.text.as_str()));
    if let Err(e) = keep_unsuppressed(raw, name, comments, config, &mut outcome) {
        outcome.error = Some(e.to_string());
        return outcome;
    }
    if test_code {
        return outcome;
    }
    let split = facts.split(&store.names);
    outcome.app = Some(AppOutcome {
        index: split.index,
        edges: store.put(split.edges),
        facts: split.facts.map(|f| store.put(f)),
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
    for mut finding in raw {
        if suppressions.silences(finding.rule.name, &[finding.line, finding.statement_line]) {
            outcome.suppressed += 1;
        } else {
            if let Some(check) = finding.index_check.take() {
                outcome.index_checks.push((outcome.findings.len(), check));
            }
            outcome.findings.push(to_finding(finding, file, config));
        }
    }
    Ok(())
}

/// The repository rules, on every file's stored facts, with suppressions applied.
fn app_findings(
    indexes: &[FileIndex],
    edges: Vec<Stored<Vec<Edge>>>,
    stored: Vec<(usize, Stored<RuleFacts>)>,
    config: &Config,
    store: &FactStore,
) -> Result<FileOutcome> {
    crate::timing::phase("outcomes gathered");
    let names = store.names.take();
    let mut edges = edges.into_iter();
    let repo = crate::app::resolve::Repo::new(indexes, &names, |fi| {
        let path = &indexes[fi].path;
        let stored = edges
            .next()
            .with_context(|| format!("the calls of {path} were not stored; please report it"))?;
        store.take(stored, path)
    })?;
    crate::timing::note(|| {
        let functions: usize = indexes.iter().map(|i| i.functions.len()).sum();
        format!(
            "application index: {} files, {functions} functions, {} edges; {} query methods; edges and rule facts of {} files, {:.1} MiB on disk",
            indexes.len(),
            repo.edge_count,
            repo.query_method_count(),
            stored.len(),
            store.bytes_on_disk() as f64 / (1024.0 * 1024.0)
        )
    });
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
        confidence: raw.confidence,
        fingerprint: String::new(),
    }
}

fn assemble(gathered: Gathered, config: &Config, store: &FactStore) -> Result<ScanReport> {
    let Gathered {
        findings,
        objects,
        diagnostics,
        summary,
        mut errors,
        app_indexes,
        app_edges,
        app_facts,
        indexes,
        index_checks,
    } = gathered;
    let findings = checked_against_indexes(findings, &indexes, index_checks);
    let mut report = ScanReport {
        schema_version: SCHEMA_VERSION,
        tool: ToolInfo::current(),
        findings,
        objects,
        diagnostics,
        summary,
    };
    if !app_indexes.is_empty() {
        match app_findings(&app_indexes, app_edges, app_facts, config, store) {
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

/// The findings that hold only where an index exists, judged against the indexes every
/// scanned file declares: kept as they are where an index has the wrapped column as a
/// key, dropped where an index is on exactly the expression (it seeks), lowered to medium
/// with the reason otherwise.
fn checked_against_indexes(
    findings: Vec<Finding>,
    indexes: &IndexCatalogue,
    checks: Vec<(usize, IndexCheck)>,
) -> Vec<Finding> {
    let mut verdicts: HashMap<usize, IndexVerdict> = HashMap::with_capacity(checks.len());
    for (index, check) in checks {
        verdicts.insert(index, check.verdict(indexes));
    }
    findings
        .into_iter()
        .enumerate()
        .filter_map(|(index, mut finding)| match verdicts.remove(&index) {
            Some(IndexVerdict::Drop) => None,
            Some(IndexVerdict::Lower(reason)) => {
                finding
                    .confidence
                    .lower(crate::model::ConfidenceLevel::Medium, reason);
                Some(finding)
            }
            Some(IndexVerdict::KeepWith(why)) => {
                finding.message = format!("{}; {why}", finding.message);
                Some(finding)
            }
            Some(IndexVerdict::Keep) | None => Some(finding),
        })
        .collect()
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
    // Every finding is here, whatever its confidence, until a command applies
    // `--min-confidence` (`ScanReport::apply_min_confidence`).
    summary.min_confidence = crate::model::ConfidenceLevel::Low;
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
    let mut outcome = analyze_text(name, text, dialect, false, config, &store);
    outcome.bytes = text.len() as u64;
    assemble(Gathered::of_file(name.to_string(), outcome), config, &store)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Five files: SQL, an application file with loops (rule facts), one without, one
    /// skipped, and another with loops.
    fn outcomes(store: &FactStore) -> Vec<(String, FileOutcome)> {
        let config = Config::default();
        let sources = [
            ("a.sql", "SELECT * FROM Orders;"),
            (
                "b.cs",
                "class B { void M() { foreach (var o in _db.Orders.ToList()) { _db.Save(o); } } }",
            ),
            ("c.py", "def f(x):\n    return g(x)\n"),
            ("d.java", ""),
            (
                "e.ts",
                "async function f(ids) { for (const id of ids) { await pool.query('SELECT 1', [id]); } }",
            ),
        ];
        sources
            .iter()
            .map(|&(name, text)| {
                let outcome = if name == "d.java" {
                    FileOutcome {
                        skipped: Some("could not be read: denied".into()),
                        ..FileOutcome::default()
                    }
                } else {
                    analyze_text(name, text, None, false, &config, store)
                };
                (name.to_string(), outcome)
            })
            .collect()
    }

    /// The files merged one after the other.
    fn gathered_in(outcomes: Vec<(String, FileOutcome)>) -> Gathered {
        outcomes
            .into_iter()
            .map(|(name, outcome)| Gathered::of_file(name, outcome))
            .fold(Gathered::default(), Gathered::merge)
    }

    /// What the cross-file pass and the report see of a `Gathered`, comparably.
    fn shape(gathered: &Gathered) -> Vec<String> {
        let mut shape: Vec<String> = gathered
            .app_indexes
            .iter()
            .map(|i| format!("index {}", i.path))
            .collect();
        shape.push(format!("edges {}", gathered.app_edges.len()));
        shape.extend(
            gathered
                .app_facts
                .iter()
                .map(|(i, _)| format!("facts of {i}")),
        );
        shape.extend(
            gathered
                .findings
                .iter()
                .map(|f| format!("{} {:?}", f.rule, f.location.file)),
        );
        shape.extend(gathered.diagnostics.iter().map(|d| d.file.clone()));
        let s = &gathered.summary;
        shape.push(format!(
            "{} scanned, {} skipped ({:?}), {} bytes, {} lines",
            s.files_scanned,
            s.files_skipped,
            s.skipped.iter().map(|k| &k.file).collect::<Vec<_>>(),
            s.bytes_scanned,
            s.lines_scanned
        ));
        shape
    }

    /// Workers merge the files' results in any tree shape: the result is what merging
    /// them one after the other in file order gives (file indices of the rule facts
    /// included).
    #[test]
    fn merging_keeps_file_order() {
        let store = FactStore::in_memory();
        let expected = shape(&gathered_in(outcomes(&store)));
        assert!(
            expected.iter().any(|s| s == "facts of 0") && expected.iter().any(|s| s == "facts of 2"),
            "both files with loops keep rule facts, numbered by their place among the application files: {expected:#?}"
        );
        for split in 1..5 {
            let mut files = outcomes(&store);
            let later = files.split_off(split);
            let (middle, last) = {
                let mut later = later;
                let last = later.split_off(later.len() / 2);
                (later, last)
            };
            let merged = gathered_in(files)
                .merge(gathered_in(middle).merge(gathered_in(last)))
                .merge(Gathered::default());
            assert_eq!(shape(&merged), expected, "split at {split}");
        }
    }

    /// The registry gathers `declare_rule!` at link time: it must hold exactly the rules
    /// the three engines run, no rule declared and never run, none run and not listed.
    #[test]
    fn the_registry_is_exactly_the_rules_the_engines_run() {
        let mut run: Vec<&str> = crate::sql::rules::ALL
            .iter()
            .map(|r| r.meta().name)
            .chain(crate::analyze::rules::metas().iter().map(|m| m.name))
            .chain(crate::app::rules::ALL.iter().map(|r| r.meta.name))
            .collect();
        run.sort_unstable();
        // A rule may run in two passes (`connection-leak-on-exception`: per file, and
        // across files for helpers).
        run.dedup();
        let mut listed: Vec<&str> = crate::rules::all().iter().map(|m| m.name).collect();
        listed.sort_unstable();
        assert_eq!(listed, run);
    }
}
