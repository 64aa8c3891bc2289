//! Command-line definitions (clap derive) and the commands they run.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};

use crate::config::Config;
use crate::model::Severity;
use crate::report;
use crate::scan::{self, ScanOptions};
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
    /// No progress and no summary on the terminal (the files are still written).
    #[arg(long, short = 'q')]
    pub quiet: bool,
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
    /// Engine of --snapshot: `mssql` reads a directory of SSMS / sqlcmd CSV exports of
    /// `dbaudit queries mssql`; a directory with manifest.json names its own engine.
    #[arg(long, value_enum, requires = "snapshot")]
    pub engine: Option<Engine>,
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
    Mssql,
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
}

#[derive(Parser, Debug)]
pub struct RulesArgs {
    /// A rule name or code; lists every rule when absent.
    pub name: Option<String>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Markdown,
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
        Command::Audit(args) => run_audit(args),
        Command::Diff(args) => run_diff(args),
    }
}

fn run_scan(args: ScanArgs) -> Result<i32> {
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
    let report = scan::run(&options, &config)?;
    if report.summary.files_scanned == 0
        && report.summary.files_skipped == 0
        && report.summary.files_ignored == 0
    {
        anyhow::bail!(
            "no SQL or application source files found under {}: dbaudit scans *.sql and C#, JS/TS, Python and Java sources by default; add patterns with --include '*.ext' or scan.include in dbaudit.toml",
            args.paths.iter().map(|p| format!("`{}`", p.display())).collect::<Vec<_>>().join(", ")
        );
    }
    let color = use_color(args.color, args.output.is_none());
    let written = match &args.output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot write the report to `{}`", path.display()))?;
            let mut out = std::io::BufWriter::new(file);
            write_report(&report, args.format, color, &mut out)
                .and_then(|()| out.flush().map_err(Into::into))
                .with_context(|| format!("cannot write the report to `{}`", path.display()))
        }
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            write_report(&report, args.format, color, &mut out)
                .and_then(|()| out.flush().map_err(Into::into))
                .context("cannot write to standard output")
        }
    };
    if let Err(error) = written {
        // A closed pipe (`| head`) is not an error worth a message.
        let broken_pipe = error
            .chain()
            .filter_map(|e| e.downcast_ref::<std::io::Error>())
            .any(|e| e.kind() == std::io::ErrorKind::BrokenPipe);
        if !broken_pipe {
            return Err(error);
        }
    }
    let failing = args
        .fail_on
        .threshold()
        .is_some_and(|t| report.findings.iter().any(|f| f.severity >= t));
    Ok(if failing { 1 } else { 0 })
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
    format: Format,
    color: bool,
    out: &mut dyn Write,
) -> Result<()> {
    match format {
        Format::Json => report::json::write(report, out),
        Format::Text => Ok(out.write_all(report::text::render(report, color).as_bytes())?),
        Format::Markdown => Ok(out.write_all(report::markdown::render(report)?.as_bytes())?),
    }
}

fn run_rules(args: RulesArgs) -> Result<i32> {
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
        Some(dir) => read_snapshot(dir, args.engine)?,
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
        Engine::Mssql => {
            text.push_str("-- dbaudit: SQL Server queries. Run each against the database to audit and save its\n-- result with column headers as <name>.csv in one directory (SSMS: Results to Grid,\n-- right-click, Save Results As), then: dbaudit analyze --snapshot DIR --engine mssql\n-- A leading `-- requires: N` line: SQL Server major version N or later (15 = 2019).\n\n");
            for (name, sql) in crate::collect::MSSQL_QUERIES {
                text.push_str(&format!(
                    "-- ===== {name} (queries/mssql/{name}.sql): save as {name}.csv\n{}\nGO\n\n",
                    sql.trim_end()
                ));
            }
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

fn run_audit(args: AuditArgs) -> Result<i32> {
    let progress = crate::report::progress::Progress::new(args.quiet);
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
    let config = Config::discover(args.config.as_deref(), &config_start)?;
    let live = snapshot_dir.is_none()
        && (args.connect.db.is_some()
            || std::env::var_os("DATABASE_URL").is_some()
            || std::env::var_os("PGHOST").is_some()
            || std::env::var_os("PGDATABASE").is_some());
    if snapshot_dir.is_none() && !live && sources.is_empty() {
        anyhow::bail!(
            "nothing to audit: give a database (--db URL or --snapshot DIR), a source tree (--source PATH), or both; try `dbaudit audit --demo`"
        );
    }
    let (snapshot, data_source) = match &snapshot_dir {
        Some(dir) => {
            progress.step(&format!("loading the snapshot {}", dir.display()));
            let snapshot = crate::snapshot::read(dir)?;
            let shown = match &display_root {
                Some(_) => "fixtures/demo/snapshot".to_string(),
                None => dir.display().to_string(),
            };
            let source = format!("{} (snapshot {shown})", snapshot.manifest.source);
            (Some(snapshot), Some(source))
        }
        None if live => {
            let target = resolve_target(&args.connect)?;
            progress.step(&format!("collecting from {} (read-only)", target.display));
            let snapshot = crate::collect::postgres::collect(
                &target,
                &collect_options(&args.connect, &config),
            )?;
            (Some(snapshot), Some(target.display.clone()))
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
        Some(scan::run(&options, &config)?)
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
    if !args.quiet {
        let mut text = report::audit::terminal_summary(&report);
        text.push_str(&format!(
            "Wrote {0}/report.md, {0}/report.json and {0}/indexes.sql\n",
            out.display()
        ));
        emit(&text, None)?;
    }
    let failing = args
        .fail_on
        .threshold()
        .is_some_and(|t| report.findings.iter().any(|f| f.severity >= t));
    Ok(if failing { 1 } else { 0 })
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
    let failing = args
        .fail_on
        .threshold()
        .is_some_and(|t| diff.new_findings.iter().any(|f| f.severity >= t));
    Ok(if failing { 1 } else { 0 })
}
