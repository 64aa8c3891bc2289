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
    long_about = "dbaudit audits a database's performance: it lints stored procedures, SQL scripts and \
application code (C#, JS/TS, Python, Java) for slow patterns, reads a live PostgreSQL or SQL \
Server's statistics (read-only) into a snapshot, analyses it, proposes ranked indexes and scores \
the whole.",
    after_help = "Commands, with an example each:\n\
  scan     lint stored procedures, SQL scripts and application code\n\
             dbaudit scan db/ src/\n\
  rules    list the rules, or explain one\n\
             dbaudit rules row-by-row-loop\n\
  collect  save a live server's statistics (read-only) to a snapshot\n\
             dbaudit collect --db postgres://auditor@db/app --out snap/\n\
  analyze  findings and index candidates of a server or a snapshot\n\
             dbaudit analyze --snapshot snap/\n\
  queries  print the exact SQL dbaudit runs on a server\n\
             dbaudit queries mssql\n\
  audit    the whole audit: report.md, report.json and indexes.sql\n\
             dbaudit audit --demo\n\
  diff     what changed between two audits\n\
             dbaudit diff old/report.json new/report.json\n\
\n\
Connections: --db URL or libpq key=value string, DATABASE_URL, or psql's PG* variables,\n\
services (PGSERVICE) and password file (~/.pgpass); SQL Server: --db 'Server=...' or\n\
MSSQL_CONNECTION_STRING. `dbaudit COMMAND --help` has more examples.\n\n\
Exit codes: 0 no finding at or above --fail-on, 1 findings at or above it, 2 error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub terminal: TerminalArgs,
}

/// What dbaudit prints on the terminal besides its output, for every command.
#[derive(clap::Args, Debug, Clone, Copy, Default)]
pub struct TerminalArgs {
    /// No progress and no messages on the terminal but warnings and errors (audit: no
    /// summary either; files and the requested output are still written).
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
    /// No progress display (it is shown only when standard error is a terminal).
    #[arg(long, global = true)]
    pub no_progress: bool,
}

impl TerminalArgs {
    fn progress(self) -> crate::report::progress::Progress {
        crate::report::progress::Progress::new(self.quiet || self.no_progress)
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Statically scan stored procedures, functions and SQL scripts.
    #[command(
        after_help = "Examples:\n  dbaudit scan                                  scan the current directory\n  \
dbaudit scan db/procs legacy.sql              files and directories\n  \
dbaudit scan --include '*.SqlDataProvider' .   add a file pattern\n  \
dbaudit scan --dialect postgres migrations/    force the dialect\n  \
dbaudit scan --format markdown -o report.md .  Markdown report\n  \
dbaudit scan --test-code all .                every rule on test code too (default: security only)\n\n\
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
    /// Read a live PostgreSQL or SQL Server's statistics (read-only) into a snapshot directory.
    #[command(
        after_help = "Examples:\n  dbaudit collect --db postgres://auditor@db:5432/app --out snap/\n  \
PGHOST=db PGUSER=auditor PGDATABASE=app dbaudit collect --out snap/\n  \
dbaudit collect --db 'host=db dbname=app sslmode=verify-full sslrootcert=ca.pem' --out snap/\n  \
dbaudit collect --db 'Server=tcp:sql1,1433;Database=app;User Id=auditor;Password=...;TrustServerCertificate=True' --out snap/\n  \
MSSQL_CONNECTION_STRING='Server=sql1;Database=app;User Id=auditor;Password=...' dbaudit collect --engine mssql --out snap/\n\n\
The session is read-only (default_transaction_read_only, statement_timeout, lock_timeout);\n\
dbaudit never writes. Least privilege: GRANT pg_monitor TO auditor (plus SELECT on the\n\
tables for planner statistics and verification); a superuser connection works but is\n\
noted in the snapshot and the report. HypoPG verification plans a statement only as the\n\
role that ran it (SET LOCAL ROLE, when the auditor may), or as the auditor when it calls\n\
no user code; otherwise not, with the reason. Without --db, DATABASE_URL and the PG*\n\
variables are used as psql does.\n\n\
SQL Server: ADO.NET connection strings or sqlserver://user:password@host:1433/db URLs, SQL\n\
logins, TLS unless Encrypt=False, always ApplicationIntent=ReadOnly, SET LOCK_TIMEOUT and\n\
READ UNCOMMITTED; only SELECTs run. Least privilege: GRANT VIEW SERVER STATE (2022+: VIEW\n\
SERVER PERFORMANCE STATE) to the login and VIEW DEFINITION in the database; what the login\n\
cannot read becomes a note. The results are written as one CSV per query (NULL as `NULL`)."
    )]
    Collect(CollectArgs),
    /// Analyse a live server (--db) or a saved snapshot (--snapshot): findings and index candidates.
    #[command(after_help = "Examples:\n  dbaudit analyze --snapshot snap/\n  \
dbaudit analyze --db postgres://auditor@db/app --format json -o live.json\n  \
dbaudit analyze --snapshot exports/ --engine mssql   SSMS exports of `dbaudit queries mssql`")]
    Analyze(AnalyzeArgs),
    /// Print the exact SQL dbaudit runs against a server.
    Queries(QueriesArgs),
    /// The whole audit: collect or load a snapshot, scan the source, analyse, advise,
    /// score; writes report.md, report.json and indexes.sql.
    #[command(
        after_help = "Examples:\n  dbaudit audit --demo                                   the bundled demo, no server needed\n  \
dbaudit audit --db postgres://auditor@db/app --source . --out audit/\n  \
dbaudit audit --snapshot snap/ --source db/ src/ --out audit/\n  \
dbaudit audit --snapshot snap/ --quiet --fail-on high   for a scheduled job\n\n\
Writes DIR/report.md (the document for the team), DIR/report.json (schemas/audit-report.schema.json)\n\
and DIR/indexes.sql (ranked CREATE INDEX statements, never run by dbaudit), and prints a summary.\n\
With --db, connect as a role with pg_monitor (+ SELECT on the tables), not a superuser: a\n\
superuser connection is noted in the report. Statements are planned for HypoPG only as the\n\
role that ran them, or as the auditor when they call no user code.\n\
Compare two audits with `dbaudit diff OLD/report.json NEW/report.json`."
    )]
    Audit(AuditArgs),
    /// Compare two reports (audit or scan JSON): new and resolved findings, score changes,
    /// recommendations done.
    #[command(
        after_help = "Examples:\n  dbaudit diff march/report.json april/report.json\n  \
dbaudit diff old.json new.json --format json --fail-on high   fail when a new high finding appears"
    )]
    Diff(DiffArgs),
}

#[derive(Parser, Debug)]
pub struct AuditArgs {
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// Audit a snapshot directory (from `dbaudit collect`) instead of a live server.
    #[arg(long, value_name = "DIR", conflicts_with = "db")]
    pub snapshot: Option<PathBuf>,
    /// Source trees to scan: stored procedures and application code (repeatable).
    #[arg(long, value_name = "PATH", num_args = 1..)]
    pub source: Vec<PathBuf>,
    /// Directory for report.md, report.json and indexes.sql (created if needed).
    #[arg(long, value_name = "DIR", default_value = "dbaudit-report")]
    pub out: PathBuf,
    /// Audit the bundled demo (fixtures/demo: a PostgreSQL snapshot, procedures and
    /// application source); writes to dbaudit-demo/ unless --out is given.
    #[arg(long, conflicts_with_all = ["db", "snapshot", "source"])]
    pub demo: bool,
    /// Exit with 1 when a finding has this severity or a higher one (`none`: never).
    #[arg(long, value_enum, default_value_t = FailOn::None)]
    pub fail_on: FailOn,
    /// Configuration file (default: dbaudit.toml in the current directory or above).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Also scan files matching GLOB (repeatable), e.g. '*.SqlDataProvider'.
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,
    /// Skip source paths matching GLOB (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Also scan files that .gitignore / .ignore exclude.
    #[arg(long)]
    pub no_ignore: bool,
    /// Which rules run on application test code (`tests/`, `test_*.py`, `*.spec.ts`,
    /// `*Tests.cs`, `src/test/java/`...): `security` (the default: only
    /// hardcoded-credentials, as test code does not run in production) or `all`. Overrides
    /// `scan.test_code` in dbaudit.toml.
    ///
    /// Example: --test-code all
    #[arg(long, value_enum, value_name = "RULES")]
    pub test_code: Option<crate::config::TestCode>,
}

#[derive(Parser, Debug)]
pub struct DiffArgs {
    /// The earlier report (report.json of `dbaudit audit`, or `dbaudit scan --format json`).
    pub old: PathBuf,
    /// The later report.
    pub new: PathBuf,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = LiveFormat::Text)]
    pub format: LiveFormat,
    /// Exit with 1 when a NEW finding has this severity or a higher one (`none`: never).
    #[arg(long, value_enum, default_value_t = FailOn::None)]
    pub fail_on: FailOn,
}

#[derive(Parser, Debug)]
pub struct ConnectArgs {
    /// Connection: postgres:// URL or libpq key=value string (default: DATABASE_URL, then PG* variables);
    /// or SQL Server: 'Server=tcp:host,1433;Database=app;User Id=...;Password=...' or sqlserver:// URL
    /// (default with --engine mssql: MSSQL_CONNECTION_STRING).
    #[arg(long, value_name = "URL")]
    pub db: Option<String>,
    /// The engine, when --db does not tell (--engine mssql reads MSSQL_CONNECTION_STRING); with
    /// --snapshot, `mssql` reads a directory of SSMS / sqlcmd CSV exports of `dbaudit queries mssql`.
    #[arg(long, value_enum, value_name = "ENGINE")]
    pub engine: Option<Engine>,
    /// Seconds to wait for the server to answer (default 10 for PostgreSQL, 15 for SQL Server, or the connection's own setting).
    #[arg(long, value_name = "SECS")]
    pub connect_timeout: Option<u64>,
    /// Seconds each query may run before it is cancelled and noted (default 30; SQL Server: or Command Timeout).
    #[arg(long, value_name = "SECS")]
    pub query_timeout: Option<u64>,
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
    #[value(alias = "sqlserver")]
    Mssql,
}

/// The engine a connection is for: `--engine`, else the shape of `--db` (an ADO.NET
/// `Server=` / `Data Source=` string or a `sqlserver://` URL is SQL Server), else
/// `MSSQL_CONNECTION_STRING` alone set means SQL Server; PostgreSQL otherwise.
pub fn connection_engine(args: &ConnectArgs, env: &dyn Fn(&str) -> Option<String>) -> Engine {
    use crate::collect::mssql_connection::{is_mssql_connection as is_mssql, MSSQL_ENV};
    if let Some(engine) = args.engine {
        return engine;
    }
    match &args.db {
        Some(db) if is_mssql(db) => Engine::Mssql,
        Some(_) => Engine::Postgres,
        None => match env("DATABASE_URL") {
            Some(url) if is_mssql(&url) => Engine::Mssql,
            Some(_) => Engine::Postgres,
            None if env(MSSQL_ENV).is_some() => Engine::Mssql,
            None => Engine::Postgres,
        },
    }
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
    /// Which rules run on application test code (`tests/`, `test_*.py`, `*.spec.ts`,
    /// `*Tests.cs`, `src/test/java/`...): `security` (the default: only
    /// hardcoded-credentials, as test code does not run in production) or `all`. Overrides
    /// `scan.test_code` in dbaudit.toml.
    ///
    /// Example: --test-code all
    #[arg(long, value_enum, value_name = "RULES")]
    pub test_code: Option<crate::config::TestCode>,
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
    /// Exit code 1 when a finding reaches the threshold, else 0: the same policy for
    /// every command and output format.
    pub fn exit_code<'a>(
        self,
        findings: impl IntoIterator<Item = &'a crate::model::Finding>,
    ) -> i32 {
        let failing = self
            .threshold()
            .is_some_and(|t| findings.into_iter().any(|f| f.severity >= t));
        i32::from(failing)
    }

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
    let terminal = cli.terminal;
    match cli.command {
        Command::Scan(args) => run_scan(args, terminal),
        Command::Rules(args) => run_rules(args),
        Command::Collect(args) => run_collect(args, terminal),
        Command::Analyze(args) => run_analyze(args, terminal),
        Command::Queries(args) => run_queries(args),
        Command::Audit(args) => run_audit(args, terminal),
        Command::Diff(args) => run_diff(args),
    }
}

fn run_scan(args: ScanArgs, terminal: TerminalArgs) -> Result<i32> {
    let srcroot = std::env::current_dir().ok();
    let progress = terminal.progress();
    let scanned = scan_report(&args, srcroot.as_deref(), &progress, terminal.quiet);
    progress.finish();
    let report = match scanned {
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
    crate::timing::phase("report written");
    crate::timing::totals_report();
    if args.format == Format::Github {
        append_step_summary(&report);
    }
    if args.write_baseline.is_some() {
        return Ok(0);
    }
    Ok(args.fail_on.exit_code(&report.findings))
}

/// The scan, with the baseline written or applied and `--diff-base` applied.
fn scan_report(
    args: &ScanArgs,
    cwd: Option<&Path>,
    progress: &report::progress::Progress,
    quiet: bool,
) -> Result<crate::model::ScanReport> {
    let first = args
        .paths
        .first()
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    let mut config = Config::discover(args.config.as_deref(), &first)?;
    if let Some(test_code) = args.test_code {
        config.scan.test_code = test_code;
    }
    let options = ScanOptions {
        paths: args.paths.clone(),
        dialect: args.dialect,
        include: args.include.clone(),
        exclude: args.exclude.clone(),
        no_ignore: args.no_ignore,
        app: !args.sql_only,
    };
    let mut report = scan::run_with_progress(&options, &config, progress)?;
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
        if !quiet {
            eprintln!(
                "dbaudit: wrote the baseline `{}` ({} findings)",
                path.display(),
                report.findings.len()
            );
        }
    }
    if let Some(path) = &args.baseline {
        let applied = Baseline::read(path)?.apply(std::mem::take(&mut report.findings));
        report.findings = applied.new;
        if args.prune_baseline {
            applied.pruned.write(path)?;
            if !quiet {
                eprintln!(
                    "dbaudit: pruned {} stale entries from the baseline `{}`",
                    applied.stale.len(),
                    path.display()
                );
            }
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
        Format::Text => {
            let width = args
                .output
                .is_none()
                .then(report::width::terminal_width)
                .flatten();
            let text = report::text::render_fitted(report, color, width);
            Ok(out.write_all(text.as_bytes())?)
        }
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
        None => report::text::rules_table(report::width::terminal_width()),
    };
    print!("{text}");
    Ok(0)
}

fn collect_options(
    args: &ConnectArgs,
    config: &Config,
) -> crate::collect::postgres::CollectOptions {
    let mut options = crate::collect::postgres::CollectOptions {
        statement_limit: args.statement_limit,
        verify: !args.no_verify,
        thresholds: config.thresholds.clone(),
        ..Default::default()
    };
    if let Some(secs) = args.query_timeout {
        options.limits.statement_timeout = std::time::Duration::from_secs(secs);
    }
    options
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Collects from SQL Server: `--db` (or MSSQL_CONNECTION_STRING, or an ADO.NET
/// DATABASE_URL), the queries of `collect::MSSQL_QUERIES`.
fn collect_mssql(
    args: &ConnectArgs,
    config: &Config,
    quiet: bool,
) -> Result<crate::snapshot::raw::RawSnapshot> {
    use crate::collect::mssql::{collect, CollectOptions, DEFAULT_QUERY_TIMEOUT};
    let db = args.db.clone().or_else(|| {
        env_var("DATABASE_URL")
            .filter(|url| crate::collect::mssql_connection::is_mssql_connection(url))
    });
    let mut target = crate::collect::mssql_connection::resolve(db.as_deref(), &env_var)?;
    if let Some(secs) = args.connect_timeout {
        target.connect_timeout = std::time::Duration::from_secs(secs);
    }
    let options = CollectOptions {
        query_timeout: args
            .query_timeout
            .map(std::time::Duration::from_secs)
            .or(target.command_timeout)
            .unwrap_or(DEFAULT_QUERY_TIMEOUT),
        young_stats_seconds: config.thresholds.young_stats_seconds,
        ..Default::default()
    };
    if !quiet {
        eprintln!("dbaudit: collecting from {} (read-only)", target.display);
    }
    collect(&target, crate::collect::MSSQL_QUERIES, &options)
}

/// A collected SQL Server result set as a `Snapshot`: the same importer as for SSMS
/// exports, so a live collection and an export are analysed alike.
fn mssql_snapshot(
    raw: crate::snapshot::raw::RawSnapshot,
) -> Result<crate::model::snapshot::Snapshot> {
    crate::snapshot::mssql::from_raw(raw)
}

fn resolve_target(args: &ConnectArgs) -> Result<crate::collect::connection::PgTarget> {
    let mut target = crate::collect::connection::resolve(args.db.as_deref(), &env_var)?;
    if let Some(secs) = args.connect_timeout {
        target.connect_timeout = std::time::Duration::from_secs(secs);
        target.config.connect_timeout(target.connect_timeout);
    }
    // Files set up for psql that were not used (a password file others can read).
    for warning in &target.warnings {
        eprintln!("dbaudit: warning: {warning}");
    }
    Ok(target)
}

/// Collects from PostgreSQL, with progress; when nothing named a server and psql's
/// defaults fail, the error says how to name one (`snapshot_too`: and --snapshot).
fn collect_postgres(
    args: &ConnectArgs,
    config: &Config,
    progress: &std::sync::Arc<report::progress::Progress>,
    quiet: bool,
    snapshot_too: bool,
) -> Result<(crate::model::snapshot::Snapshot, String)> {
    let target = resolve_target(args)?;
    if !quiet {
        progress.suspend(|| eprintln!("dbaudit: collecting from {} (read-only)", target.display));
    }
    progress.step(&format!("connecting to {}", target.display));
    let mut options = collect_options(args, config);
    options.progress = progress.clone();
    let snapshot = crate::collect::postgres::collect(&target, &options).map_err(|error| {
        if target.from_defaults {
            anyhow::anyhow!(
                "{error:#}\nNo server was named, so dbaudit tried psql's defaults ({}). To audit a server, {}",
                target.display,
                crate::collect::connection::how_to_connect(snapshot_too)
            )
        } else {
            error
        }
    })?;
    Ok((snapshot, target.display))
}

fn run_collect(args: CollectArgs, terminal: TerminalArgs) -> Result<i32> {
    let config = Config::discover(args.config.as_deref(), std::path::Path::new("."))?;
    if connection_engine(&args.connect, &env_var) == Engine::Mssql {
        let snapshot = mssql_snapshot(collect_mssql(&args.connect, &config, terminal.quiet)?)?;
        return write_collected(&snapshot, &args.out, terminal.quiet);
    }
    let progress = std::sync::Arc::new(terminal.progress());
    let (snapshot, _) = collect_postgres(&args.connect, &config, &progress, terminal.quiet, false)?;
    progress.finish();
    write_collected(&snapshot, &args.out, terminal.quiet)
}

/// Saves a collected snapshot (CSV + manifest.json, one format for both engines); says
/// what it holds and its notes (also in manifest.json) unless `quiet`.
fn write_collected(
    snapshot: &crate::model::snapshot::Snapshot,
    out: &std::path::Path,
    quiet: bool,
) -> Result<i32> {
    crate::snapshot::write(snapshot, out)?;
    if quiet {
        return Ok(0);
    }
    eprintln!(
        "dbaudit: wrote {}: {} tables, {} indexes, {} statements, {} verifications, {} notes",
        out.display(),
        snapshot.tables.len(),
        snapshot.indexes.len(),
        snapshot.statements.len(),
        snapshot.verifications.len(),
        snapshot.manifest.notes.len()
    );
    for note in &snapshot.manifest.notes {
        eprintln!(
            "  note ({}): {}",
            report::escape::terminal(&note.check),
            report::escape::terminal(&note.message)
        );
    }
    Ok(0)
}

fn run_analyze(args: AnalyzeArgs, terminal: TerminalArgs) -> Result<i32> {
    let config = Config::discover(args.config.as_deref(), std::path::Path::new("."))?;
    let progress = std::sync::Arc::new(terminal.progress());
    let snapshot = match &args.snapshot {
        Some(dir) => read_snapshot(dir, args.connect.engine)?,
        None if connection_engine(&args.connect, &env_var) == Engine::Mssql => {
            mssql_snapshot(collect_mssql(&args.connect, &config, terminal.quiet)?)?
        }
        None => collect_postgres(&args.connect, &config, &progress, terminal.quiet, true)?.0,
    };
    progress.finish();
    let analysis = crate::analyze::analyze(&snapshot, &config);
    let report = crate::model::report::LiveReport::new(&snapshot, analysis);
    let color = use_color(args.color, args.output.is_none());
    let rendered = match args.format {
        LiveFormat::Text => {
            let width = args
                .output
                .is_none()
                .then(report::width::terminal_width)
                .flatten();
            report::text::render_live(&report, color, width)
        }
        LiveFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
    };
    emit(&rendered, args.output.as_deref())?;
    Ok(args.fail_on.exit_code(&report.findings))
}

/// A saved snapshot (manifest.json: its engine must agree with --engine), or with
/// `--engine mssql` a directory of SQL Server CSV exports.
fn read_snapshot(
    dir: &std::path::Path,
    engine: Option<Engine>,
) -> Result<crate::model::snapshot::Snapshot> {
    if dir.join(crate::snapshot::MANIFEST).is_file() {
        let snapshot = crate::snapshot::read(dir)?;
        let expected = match engine {
            Some(Engine::Mssql) => Some(crate::model::snapshot::ENGINE_MSSQL),
            Some(Engine::Postgres) => Some("postgresql"),
            None => None,
        };
        if let Some(expected) = expected.filter(|e| *e != snapshot.manifest.engine) {
            anyhow::bail!(
                "`{}` is a {} snapshot (manifest.json) but --engine says {expected}: drop --engine or point --snapshot at the right directory",
                dir.display(),
                snapshot.manifest.engine
            );
        }
        return Ok(snapshot);
    }
    match engine {
        Some(Engine::Mssql) => crate::snapshot::mssql::read_export_dir(dir),
        _ => crate::snapshot::read(dir).with_context(|| {
            format!(
                "`{}` has no manifest.json: if it holds SQL Server CSV exports of `dbaudit queries mssql`, add --engine mssql",
                dir.display()
            )
        }),
    }
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
    use crate::collect::{mssql::MSSQL_SESSION_QUERIES, MSSQL_QUERIES, POSTGRES_QUERIES};
    let (dir, queries): (&str, Vec<&(&str, &str)>) = match args.engine {
        Engine::Postgres => ("postgres", POSTGRES_QUERIES.iter().collect()),
        Engine::Mssql => (
            "mssql",
            MSSQL_SESSION_QUERIES.iter().chain(MSSQL_QUERIES).collect(),
        ),
    };
    let mut text = String::new();
    if dir == "mssql" {
        text.push_str("-- dbaudit: SQL Server queries. Run each against the database to audit and save its\n-- result with column headers as <name>.csv in one directory (SSMS: Results to Grid,\n-- right-click, Save Results As), then: dbaudit audit --snapshot DIR --engine mssql\n-- A leading `-- requires: N` line: SQL Server major version N or later (15 = 2019).\n-- preflight and uptime are the collector's own session checks: no need to export them.\n\n");
    }
    for (name, sql) in queries {
        if dir == "mssql" {
            text.push_str(&format!(
                "-- ===== {name} (queries/{dir}/{name}.sql): save as {name}.csv\n{}\nGO\n\n",
                sql.trim_end()
            ));
        } else {
            text.push_str(&format!(
                "-- ===== {name} (queries/{dir}/{name}.sql)\n{}\n",
                sql.trim_end()
            ));
        }
    }
    emit(&text, None)?;
    Ok(0)
}

/// The bundled demo, in the source tree this binary was built from.
fn demo_dir() -> Result<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
    if !dir.join("snapshot").is_dir() {
        anyhow::bail!(
            "the demo needs dbaudit's source tree (fixtures/demo/snapshot not found under {}): run it from a clone with `cargo run --release -- audit --demo`",
            dir.display()
        );
    }
    Ok(dir)
}

fn run_audit(args: AuditArgs, terminal: TerminalArgs) -> Result<i32> {
    let progress = std::sync::Arc::new(terminal.progress());
    let (snapshot_dir, sources, out, display_root) = if args.demo {
        let dir = demo_dir()?;
        let out = if args.out == std::path::Path::new("dbaudit-report") {
            PathBuf::from("dbaudit-demo")
        } else {
            args.out.clone()
        };
        // The demo's files are named from the repository root (`fixtures/demo/...`)
        // whatever the current directory, so that its report reads the same everywhere.
        let out = std::path::absolute(&out)
            .with_context(|| format!("cannot resolve the output directory `{}`", out.display()))?;
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        std::env::set_current_dir(&root)
            .with_context(|| format!("cannot enter the source tree `{}`", root.display()))?;
        let relative = PathBuf::from("fixtures/demo");
        (
            Some(relative.join("snapshot")),
            vec![relative],
            out,
            Some(dir),
        )
    } else {
        (
            args.snapshot.clone(),
            args.source.clone(),
            args.out.clone(),
            None,
        )
    };
    let config_start = sources
        .first()
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    let mut config = Config::discover(args.config.as_deref(), &config_start)?;
    if let Some(test_code) = args.test_code {
        config.scan.test_code = test_code;
    }
    let live = snapshot_dir.is_none()
        && (args.connect.db.is_some()
            || std::env::var_os("DATABASE_URL").is_some()
            || std::env::var_os(crate::collect::mssql_connection::MSSQL_ENV).is_some()
            || ["PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGSERVICE"]
                .iter()
                .any(|v| std::env::var_os(v).is_some()));
    if snapshot_dir.is_none() && !live && sources.is_empty() {
        anyhow::bail!(
            "nothing to audit: give a database (--db URL, DATABASE_URL, the PG* variables psql uses such as PGHOST or PGSERVICE, or --snapshot DIR), a source tree (--source PATH), or both; try `dbaudit audit --demo`"
        );
    }
    let (snapshot, data_source) = match &snapshot_dir {
        Some(dir) => {
            progress.step(&format!("loading the snapshot {}", dir.display()));
            let snapshot = read_snapshot(dir, args.connect.engine)?;
            let shown = match &display_root {
                Some(_) => "fixtures/demo/snapshot".to_string(),
                None => dir.display().to_string(),
            };
            let source = format!("{} (snapshot {shown})", snapshot.manifest.source);
            (Some(snapshot), Some(source))
        }
        None if live && connection_engine(&args.connect, &env_var) == Engine::Mssql => {
            progress.step("collecting from SQL Server (read-only)");
            let raw = progress.suspend(|| collect_mssql(&args.connect, &config, true))?;
            let snapshot = mssql_snapshot(raw)?;
            let source = snapshot.manifest.source.clone();
            (Some(snapshot), Some(source))
        }
        None if live => {
            let (snapshot, display) =
                collect_postgres(&args.connect, &config, &progress, true, true)?;
            (Some(snapshot), Some(display))
        }
        None => (None, None),
    };
    let scan = if sources.is_empty() {
        None
    } else {
        progress.step("scanning the source");
        let options = ScanOptions {
            paths: sources.clone(),
            dialect: None,
            include: args.include.clone(),
            exclude: args.exclude.clone(),
            no_ignore: args.no_ignore,
            app: true,
        };
        Some(scan::run_with_progress(&options, &config, &*progress)?)
    };
    progress.step("analysing, advising, scoring");
    let source_paths = match &display_root {
        Some(_) => vec!["fixtures/demo".to_string()],
        None => sources.iter().map(|p| p.display().to_string()).collect(),
    };
    let report = crate::audit::build(crate::audit::AuditInput {
        snapshot: snapshot.as_ref(),
        data_source,
        scan: scan.as_ref(),
        source_paths,
        config: &config,
    });
    progress.step("writing the report");
    std::fs::create_dir_all(&out)
        .with_context(|| format!("cannot create the output directory `{}`", out.display()))?;
    let json = serde_json::to_string_pretty(&report)? + "\n";
    let files = [
        ("report.md", report::audit::markdown(&report)?),
        ("report.json", json),
        ("indexes.sql", report::audit::indexes_sql(&report)),
    ];
    for (name, text) in &files {
        let path = out.join(name);
        std::fs::write(&path, text)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    progress.finish();
    if !terminal.quiet {
        let width = report::width::terminal_width();
        let mut text = report::audit::terminal_summary(&report, width);
        text.push_str(&report::width::wrap_lines(
            &format!(
                "Wrote {0}/report.md, {0}/report.json and {0}/indexes.sql\n",
                out.display()
            ),
            width,
            4,
        ));
        emit(&text, None)?;
    }
    Ok(args.fail_on.exit_code(&report.findings))
}

fn run_diff(args: DiffArgs) -> Result<i32> {
    let old = report::diff::load(&args.old)?;
    let new = report::diff::load(&args.new)?;
    let diff = report::diff::compare(&old, &new);
    let text = match args.format {
        LiveFormat::Text => report::diff::render_text(&diff),
        LiveFormat::Json => serde_json::to_string_pretty(&diff)? + "\n",
    };
    emit(&text, None)?;
    Ok(args.fail_on.exit_code(&diff.new_findings))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine_of(args: &[&str], env: &[(&str, &str)]) -> Engine {
        let mut argv = vec!["dbaudit", "collect", "--out", "x"];
        argv.extend(args);
        let Command::Collect(collect) = Cli::try_parse_from(argv).unwrap().command else {
            unreachable!("a collect command")
        };
        connection_engine(&collect.connect, &|name| {
            env.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn the_engine_follows_the_connection_unless_named() {
        let ado = "Server=tcp:h,1433;Database=d;User Id=u;Password=p";
        assert_eq!(engine_of(&["--db", ado], &[]), Engine::Mssql);
        assert_eq!(
            engine_of(&["--db", "Data Source=h;User Id=u"], &[]),
            Engine::Mssql
        );
        assert_eq!(
            engine_of(&["--db", "sqlserver://u@h/d"], &[]),
            Engine::Mssql
        );
        assert_eq!(
            engine_of(&["--db", "postgres://u@h/d"], &[]),
            Engine::Postgres
        );
        assert_eq!(
            engine_of(&["--db", "host=h dbname=d"], &[]),
            Engine::Postgres
        );
        assert_eq!(
            engine_of(&["--db", ado, "--engine", "postgres"], &[]),
            Engine::Postgres
        );
        assert_eq!(engine_of(&["--engine", "sqlserver"], &[]), Engine::Mssql);
        assert_eq!(engine_of(&[], &[]), Engine::Postgres);
        assert_eq!(
            engine_of(&[], &[("MSSQL_CONNECTION_STRING", ado)]),
            Engine::Mssql
        );
        assert_eq!(engine_of(&[], &[("DATABASE_URL", ado)]), Engine::Mssql);
        assert_eq!(
            engine_of(
                &[],
                &[
                    ("DATABASE_URL", "postgres://u@h/d"),
                    ("MSSQL_CONNECTION_STRING", ado)
                ]
            ),
            Engine::Postgres
        );
    }
}
