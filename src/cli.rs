//! Command-line definitions (clap derive) and the commands they run.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};

use crate::baseline::Baseline;
use crate::config::Config;
use crate::model::report::{BaselineSummary, ChangedLinesSummary};
use crate::model::Severity;
use crate::report;
use crate::scan::{self, ScanOptions};
use crate::source::git_diff::ChangedLines;
use crate::sql::SqlDialect;

#[derive(Parser, Debug)]
#[command(
    name = "dbaudit",
    version,
    about = "Database performance auditor for SQL Server and PostgreSQL",
    long_about = "dbaudit lints stored procedures and functions (T-SQL and PL/pgSQL) for SELECT *, \
row-by-row loops, non-sargable predicates and leading-wildcard LIKE, and reports the tables and \
predicate columns of every object for index advice.",
    after_help = "Examples:\n  dbaudit scan db/                       scan every *.sql under db/\n  \
dbaudit scan --format json -o out.json .  machine-readable report\n  \
dbaudit scan --fail-on medium procs/      fail CI on medium findings or worse\n  \
dbaudit rules row-by-row-loop           explain a rule\n\n\
Exit codes: 0 no finding at or above --fail-on, 1 findings at or above it, 2 error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Statically scan stored procedures, functions and SQL scripts.
    #[command(
        after_help = "Examples:\n  dbaudit scan                                  scan the current directory\n  \
dbaudit scan db/procs legacy.sql              files and directories\n  \
dbaudit scan --include '*.SqlDataProvider' .   add a file pattern\n  \
dbaudit scan --dialect postgres migrations/    force the dialect\n  \
dbaudit scan --format markdown -o report.md .  Markdown report\n\n\
In CI (docs/ci.md has GitHub Actions and GitLab jobs):\n  \
dbaudit scan --format sarif -o dbaudit.sarif .          SARIF for code scanning\n  \
dbaudit scan --format github .                          pull-request annotations\n  \
dbaudit scan --format gitlab -o gl-code-quality-report.json .  GitLab Code Quality\n  \
dbaudit scan --write-baseline dbaudit-baseline.json .   accept today's findings\n  \
dbaudit scan --baseline dbaudit-baseline.json .         fail on new findings only\n  \
dbaudit scan --diff-base origin/main .                  only lines changed since main\n\n\
Suppress a finding with a comment on its line or the line before:\n  \
-- dbaudit:ignore select-star\n\
and a whole file with -- dbaudit:ignore-file. dbaudit.toml (found by walking up from the\n\
first path, or --config) disables rules, changes severities and adds globs."
    )]
    Scan(ScanArgs),
    /// List the rules, or print one rule's documentation.
    Rules(RulesArgs),
    /// Read a live PostgreSQL server's statistics (read-only) into a snapshot directory.
    #[command(
        after_help = "Examples:\n  dbaudit collect --db postgres://auditor@db:5432/app --out snap/\n  \
PGHOST=db PGUSER=auditor PGDATABASE=app dbaudit collect --out snap/\n  \
dbaudit collect --db 'host=db dbname=app sslmode=verify-full sslrootcert=ca.pem' --out snap/\n\n\
The session is read-only (default_transaction_read_only, statement_timeout, lock_timeout);\n\
dbaudit never writes. Least privilege: GRANT pg_monitor TO auditor (plus SELECT on the\n\
tables for planner statistics and verification). Without --db, DATABASE_URL and the PG*\n\
variables are used as psql does."
    )]
    Collect(CollectArgs),
    /// Analyse a live server (--db) or a saved snapshot (--snapshot): findings and index candidates.
    #[command(after_help = "Examples:\n  dbaudit analyze --snapshot snap/\n  \
dbaudit analyze --db postgres://auditor@db/app --format json -o live.json")]
    Analyze(AnalyzeArgs),
    /// Print the exact SQL dbaudit runs against a server.
    Queries(QueriesArgs),
}

#[derive(Parser, Debug)]
pub struct ConnectArgs {
    /// Connection: postgres:// URL or libpq key=value string (default: DATABASE_URL, then PG* variables).
    #[arg(long, value_name = "URL")]
    pub db: Option<String>,
    /// Seconds to wait for the server to answer (default 10, or connect_timeout / PGCONNECT_TIMEOUT).
    #[arg(long, value_name = "SECS")]
    pub connect_timeout: Option<u64>,
    /// Top statements read from pg_stat_statements, by total time.
    #[arg(long, default_value_t = 5000)]
    pub statement_limit: i64,
    /// Do not verify index candidates with HypoPG even when it is installed.
    #[arg(long)]
    pub no_verify: bool,
}

#[derive(Parser, Debug)]
pub struct CollectArgs {
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// Directory to write the snapshot to (manifest.json and one CSV per kind).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Configuration file (thresholds used for candidate verification).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Parser, Debug)]
pub struct AnalyzeArgs {
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// Analyse a snapshot directory instead of a live server.
    #[arg(long, value_name = "DIR", conflicts_with = "db")]
    pub snapshot: Option<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = LiveFormat::Text)]
    pub format: LiveFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit with 1 when a finding has this severity or a higher one (`none`: never).
    #[arg(long, value_enum, default_value_t = FailOn::High)]
    pub fail_on: FailOn,
    /// Configuration file (default: dbaudit.toml in the current directory or above).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// When to colour text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiveFormat {
    Text,
    Json,
}

#[derive(Parser, Debug)]
pub struct QueriesArgs {
    /// The engine whose queries to print.
    #[arg(value_enum, default_value_t = Engine::Postgres)]
    pub engine: Engine,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Postgres,
}

#[derive(Parser, Debug)]
pub struct ScanArgs {
    /// Files and directories to scan (directories are walked, honouring .gitignore).
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// SQL dialect of every file; detected per file from its content when not given.
    #[arg(long, value_enum)]
    pub dialect: Option<SqlDialect>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit with 1 when a finding has this severity or a higher one (`none`: never).
    #[arg(long, value_enum, default_value_t = FailOn::High)]
    pub fail_on: FailOn,
    /// Configuration file (default: the nearest dbaudit.toml above the first path).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Also scan files matching GLOB (repeatable), e.g. '*.SqlDataProvider'.
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,
    /// Skip paths matching GLOB (repeatable), e.g. 'archive/**'.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Also scan files that .gitignore / .ignore exclude, and hidden files.
    #[arg(long)]
    pub no_ignore: bool,
    /// When to colour text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Only SQL files: skip application source (C#, JS/TS, Python, Java).
    #[arg(long)]
    pub sql_only: bool,
    /// With --format github: annotations to write at most, most severe first; a last
    /// line counts the rest (GitHub shows 10 errors and 10 warnings per step).
    ///
    /// Example: --format github --max-annotations 20
    #[arg(long, value_name = "N", default_value_t = report::github::DEFAULT_MAX_ANNOTATIONS)]
    pub max_annotations: usize,
    /// Record the current findings by fingerprint in FILE (JSON, sorted) and exit 0;
    /// later scans with --baseline FILE fail only on findings not in it.
    ///
    /// Example: --write-baseline dbaudit-baseline.json
    #[arg(long, value_name = "FILE", conflicts_with_all = ["baseline", "diff_base"])]
    pub write_baseline: Option<PathBuf>,
    /// Report and fail only on findings FILE does not record (line moves keep a match);
    /// says how many it suppressed and lists its stale entries.
    ///
    /// Example: --baseline dbaudit-baseline.json
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// With --baseline: rewrite FILE without its stale entries (findings since fixed).
    ///
    /// Example: --baseline dbaudit-baseline.json --prune-baseline
    #[arg(long, requires = "baseline")]
    pub prune_baseline: bool,
    /// Report only findings on lines changed since the git revision REV (the working
    /// tree against REV's merge base with HEAD, as in a pull request; untracked files
    /// count as changed). Needs a git repository.
    ///
    /// Example: --diff-base origin/main
    #[arg(long, value_name = "REV")]
    pub diff_base: Option<String>,
}

#[derive(Parser, Debug)]
pub struct RulesArgs {
    /// A rule name or code; lists every rule when absent.
    pub name: Option<String>,
    /// Print every rule's documentation as Markdown (docs/rules.md is this output).
    ///
    /// Example: dbaudit rules --markdown > docs/rules.md
    #[arg(long, conflicts_with = "name")]
    pub markdown: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Markdown,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands: annotations on the pull request.
    Github,
    /// GitLab Code Quality JSON (artifacts:reports:codequality).
    Gitlab,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOn {
    Critical,
    High,
    Medium,
    Low,
    Info,
    None,
}

impl FailOn {
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Critical => Some(Severity::Critical),
            FailOn::High => Some(Severity::High),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::Low => Some(Severity::Low),
            FailOn::Info => Some(Severity::Info),
            FailOn::None => None,
        }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Runs a command; returns the process exit code (0 or 1; errors are 2, in main).
pub fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Scan(args) => run_scan(args),
        Command::Rules(args) => run_rules(args),
        Command::Collect(args) => run_collect(args),
        Command::Analyze(args) => run_analyze(args),
        Command::Queries(args) => run_queries(args),
    }
}

fn run_scan(args: ScanArgs) -> Result<i32> {
    let srcroot = std::env::current_dir().ok();
    let report = match scan_report(&args, srcroot.as_deref()) {
        Ok(report) => report,
        Err(error) => {
            if args.format == Format::Sarif {
                // An upload step then shows why the scan failed instead of a missing file.
                let message = format!("{error:#}");
                let written = write_output(args.output.as_deref(), |out| {
                    report::sarif::write_failure(&message, srcroot.as_deref(), out)
                });
                if let Err(write_error) = written {
                    eprintln!("dbaudit: warning: no SARIF failure log either: {write_error:#}");
                }
            }
            return Err(error);
        }
    };
    let color = use_color(args.color, args.output.is_none());
    write_output(args.output.as_deref(), |out| {
        write_report(&report, &args, color, srcroot.as_deref(), out)
    })?;
    if args.format == Format::Github {
        append_step_summary(&report);
    }
    if args.write_baseline.is_some() {
        return Ok(0);
    }
    let failing = args
        .fail_on
        .threshold()
        .is_some_and(|t| report.findings.iter().any(|f| f.severity >= t));
    Ok(if failing { 1 } else { 0 })
}

/// The scan, with the baseline written or applied and `--diff-base` applied.
fn scan_report(args: &ScanArgs, cwd: Option<&Path>) -> Result<crate::model::ScanReport> {
    let first = args
        .paths
        .first()
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    let config = Config::discover(args.config.as_deref(), &first)?;
    let options = ScanOptions {
        paths: args.paths.clone(),
        dialect: args.dialect,
        include: args.include.clone(),
        exclude: args.exclude.clone(),
        no_ignore: args.no_ignore,
        app: !args.sql_only,
    };
    let mut report = scan::run(&options, &config)?;
    if report.summary.files_scanned == 0
        && report.summary.files_skipped == 0
        && report.summary.files_ignored == 0
    {
        anyhow::bail!(
            "no SQL or application source files found under {}: dbaudit scans *.sql and C#, JS/TS, Python and Java sources by default; add patterns with --include '*.ext' or scan.include in dbaudit.toml",
            args.paths.iter().map(|p| format!("`{}`", p.display())).collect::<Vec<_>>().join(", ")
        );
    }
    if let Some(path) = &args.write_baseline {
        Baseline::from_findings(&report.findings).write(path)?;
        eprintln!(
            "dbaudit: wrote the baseline `{}` ({} findings)",
            path.display(),
            report.findings.len()
        );
    }
    if let Some(path) = &args.baseline {
        let applied = Baseline::read(path)?.apply(std::mem::take(&mut report.findings));
        report.findings = applied.new;
        if args.prune_baseline {
            applied.pruned.write(path)?;
            eprintln!(
                "dbaudit: pruned {} stale entries from the baseline `{}`",
                applied.stale.len(),
                path.display()
            );
        }
        report.summary.baseline = Some(BaselineSummary {
            file: path.display().to_string(),
            suppressed: applied.suppressed,
            stale: applied.stale.len(),
            stale_entries: applied.stale,
        });
    }
    // After the baseline, which must see every finding to tell which entries are stale.
    if let Some(rev) = &args.diff_base {
        let dir = cwd.context("cannot read the current directory, which --diff-base needs")?;
        let changed = ChangedLines::since(rev, dir)?;
        let before = report.findings.len();
        report
            .findings
            .retain(|f| match (&f.location.file, f.location.line) {
                (Some(file), Some(line)) => {
                    changed.touches(file, line, f.location.end_line.unwrap_or(line))
                }
                _ => false,
            });
        report.summary.changed_lines = Some(ChangedLinesSummary {
            base: rev.clone(),
            outside: before - report.findings.len(),
        });
    }
    report.recount_findings();
    Ok(report)
}

/// Writes to FILE or standard output; a closed pipe (`| head`) is not an error.
fn write_output(
    output: Option<&Path>,
    render: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    let written = match output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot write the report to `{}`", path.display()))?;
            let mut out = std::io::BufWriter::new(file);
            render(&mut out)
                .and_then(|()| out.flush().map_err(Into::into))
                .with_context(|| format!("cannot write the report to `{}`", path.display()))
        }
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            render(&mut out)
                .and_then(|()| out.flush().map_err(Into::into))
                .context("cannot write to standard output")
        }
    };
    match written {
        Err(error)
            if error
                .chain()
                .filter_map(|e| e.downcast_ref::<std::io::Error>())
                .any(|e| e.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            Ok(())
        }
        other => other,
    }
}

/// Appends the Markdown job summary to `$GITHUB_STEP_SUMMARY` when GitHub Actions sets
/// it. A summary that cannot be written costs a warning, not the scan's result.
fn append_step_summary(report: &crate::model::ScanReport) {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return;
    };
    let appended = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut file| file.write_all(report::github::step_summary(report).as_bytes()));
    if let Err(error) = appended {
        eprintln!(
            "dbaudit: warning: cannot append the job summary to `{}` ($GITHUB_STEP_SUMMARY): {error}",
            Path::new(&path).display()
        );
    }
}

/// Colour when asked, or on a terminal (standard output, not a file) without NO_COLOR.
fn use_color(choice: ColorChoice, to_stdout: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            to_stdout
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

fn write_report(
    report: &crate::model::ScanReport,
    args: &ScanArgs,
    color: bool,
    srcroot: Option<&Path>,
    out: &mut dyn Write,
) -> Result<()> {
    match args.format {
        Format::Json => report::json::write(report, out),
        Format::Text => Ok(out.write_all(report::text::render(report, color).as_bytes())?),
        Format::Markdown => Ok(out.write_all(report::markdown::render(report)?.as_bytes())?),
        Format::Sarif => report::sarif::write(report, srcroot, out),
        Format::Github => {
            Ok(out.write_all(report::github::render(report, args.max_annotations).as_bytes())?)
        }
        Format::Gitlab => report::gitlab::write(report, out),
    }
}

fn run_rules(args: RulesArgs) -> Result<i32> {
    if args.markdown {
        emit(&crate::rules::reference_markdown(), None)?;
        return Ok(0);
    }
    let text = match args.name {
        Some(name) => {
            let rule = crate::rules::find(&name).with_context(|| {
                format!(
                    "unknown rule `{name}` (known rules: {})",
                    crate::rules::names()
                )
            })?;
            format!(
                "{} ({}) — {}, default severity {}\n\n{}\n",
                rule.name,
                rule.code,
                rule.category,
                rule.default_severity,
                rule.doc_markdown()
            )
        }
        None => report::text::rules_table(),
    };
    print!("{text}");
    Ok(0)
}

fn collect_options(
    args: &ConnectArgs,
    config: &Config,
) -> crate::collect::postgres::CollectOptions {
    crate::collect::postgres::CollectOptions {
        statement_limit: args.statement_limit,
        verify: !args.no_verify,
        thresholds: config.thresholds.clone(),
        ..Default::default()
    }
}

fn resolve_target(args: &ConnectArgs) -> Result<crate::collect::connection::PgTarget> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let mut target = crate::collect::connection::resolve(args.db.as_deref(), &env)?;
    if let Some(secs) = args.connect_timeout {
        target.connect_timeout = std::time::Duration::from_secs(secs);
        target.config.connect_timeout(target.connect_timeout);
    }
    Ok(target)
}

fn run_collect(args: CollectArgs) -> Result<i32> {
    let config = Config::discover(args.config.as_deref(), std::path::Path::new("."))?;
    let target = resolve_target(&args.connect)?;
    eprintln!("dbaudit: collecting from {} (read-only)", target.display);
    let snapshot =
        crate::collect::postgres::collect(&target, &collect_options(&args.connect, &config))?;
    crate::snapshot::write(&snapshot, &args.out)?;
    eprintln!(
        "dbaudit: wrote {}: {} tables, {} indexes, {} statements, {} verifications, {} notes",
        args.out.display(),
        snapshot.tables.len(),
        snapshot.indexes.len(),
        snapshot.statements.len(),
        snapshot.verifications.len(),
        snapshot.manifest.notes.len()
    );
    for note in &snapshot.manifest.notes {
        eprintln!("  note ({}): {}", note.check, note.message);
    }
    Ok(0)
}

fn run_analyze(args: AnalyzeArgs) -> Result<i32> {
    let config = Config::discover(args.config.as_deref(), std::path::Path::new("."))?;
    let snapshot = match &args.snapshot {
        Some(dir) => crate::snapshot::read(dir)?,
        None => {
            let target = resolve_target(&args.connect)?;
            crate::collect::postgres::collect(&target, &collect_options(&args.connect, &config))?
        }
    };
    let analysis = crate::analyze::analyze(&snapshot, &config);
    let report = crate::model::report::LiveReport::new(&snapshot, analysis);
    let color = use_color(args.color, args.output.is_none());
    let rendered = match args.format {
        LiveFormat::Text => report::text::render_live(&report, color),
        LiveFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
    };
    emit(&rendered, args.output.as_deref())?;
    let failing = args
        .fail_on
        .threshold()
        .is_some_and(|t| report.findings.iter().any(|f| f.severity >= t));
    Ok(if failing { 1 } else { 0 })
}

fn emit(text: &str, output: Option<&std::path::Path>) -> Result<()> {
    match output {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("cannot write the report to `{}`", path.display())),
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout.write_all(text.as_bytes()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    Err(e).context("cannot write to standard output")
                }
                _ => Ok(()),
            }
        }
    }
}

fn run_queries(args: QueriesArgs) -> Result<i32> {
    let mut text = String::new();
    match args.engine {
        Engine::Postgres => {
            for (name, sql) in crate::collect::POSTGRES_QUERIES {
                text.push_str(&format!(
                    "-- ===== {name} (queries/postgres/{name}.sql)\n{}\n",
                    sql.trim_end()
                ));
            }
        }
    }
    emit(&text, None)?;
    Ok(0)
}
