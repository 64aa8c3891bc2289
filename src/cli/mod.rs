//! Command-line definitions (clap derive): the commands, their arguments, help texts and
//! the exit-code policy. The commands themselves run in `run.rs`.

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
dbaudit scan --test-code all .                every rule on test code too (default: security only)\n  \
dbaudit scan --min-confidence low .           also findings that rest on a guess (default: high)\n\n\
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
    #[command(flatten)]
    pub rules: SourceRuleArgs,
}

/// Which static findings a command reports: the options `scan` and `audit` share.
#[derive(clap::Args, Debug, Clone)]
pub struct SourceRuleArgs {
    /// Which rules run on application test code (`tests/`, `test_*.py`, `*.spec.ts`,
    /// `*Tests.cs`, `src/test/java/`...): `security` (the default: only
    /// hardcoded-credentials, as test code does not run in production) or `all`. Overrides
    /// `scan.test_code` in dbaudit.toml.
    ///
    /// Example: --test-code all
    #[arg(long, value_enum, value_name = "RULES")]
    pub test_code: Option<crate::config::TestCode>,
    /// Show and count only findings whose confidence is at least LEVEL: `high` (the
    /// default: findings the rule is sure of), `medium`, or `low` (every finding, also
    /// those that rest on a guess, each with the reason). The summary counts the findings
    /// left out; --fail-on (and an audit's score) counts only those shown. Overrides
    /// `scan.min_confidence` in dbaudit.toml.
    ///
    /// Example: --min-confidence low
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub min_confidence: Option<crate::model::ConfidenceLevel>,
}

impl SourceRuleArgs {
    /// `--test-code` over the configuration's `scan.test_code`.
    pub fn apply_to(&self, config: &mut crate::config::Config) {
        if let Some(test_code) = self.test_code {
            config.scan.test_code = test_code;
        }
    }

    /// `--min-confidence`, else the configuration's `scan.min_confidence`.
    pub fn min_confidence(&self, config: &crate::config::Config) -> crate::model::ConfidenceLevel {
        self.min_confidence.unwrap_or(config.scan.min_confidence())
    }
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
    #[command(flatten)]
    pub rules: SourceRuleArgs,
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

mod run;
pub use run::run;

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
