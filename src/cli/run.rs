//! The commands the command line runs: scan, rules, collect, analyze, queries, audit and
//! diff, each from its parsed arguments to an exit code.

use super::*;

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
    // GitLab Code Quality and SARIF have no summary a reader sees in the job log.
    if matches!(args.format, Format::Gitlab | Format::Sarif) && !terminal.quiet {
        if let Some(note) = crate::model::report::below_min_confidence_note(&report.summary) {
            eprintln!("dbaudit: {note}");
        }
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
    args.rules.apply_to(&mut config);
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
    // Last, so that the baseline (written or applied) sees every finding, and the count
    // left out is of findings that would otherwise have been shown.
    report.apply_min_confidence(args.rules.min_confidence(&config));
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
    // The advisor's HypoPG verification runs in the collector's session; collect does
    // not know it (docs/ARCHITECTURE.md, "## Layers").
    let verifier: Option<std::sync::Arc<dyn crate::collect::plan_session::SessionWork>> =
        (!args.no_verify).then(|| {
            std::sync::Arc::new(crate::advise::Verifier {
                thresholds: config.thresholds.clone(),
                advisor: config.advisor.clone(),
            }) as _
        });
    let mut options = crate::collect::postgres::CollectOptions {
        statement_limit: args.statement_limit,
        session_work: verifier,
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
    let report = crate::analyze::report::LiveReport::new(&snapshot, analysis);
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
        text.push_str("-- dbaudit: SQL Server queries. Run each against the database to audit and save its\n-- result with column headers as <name>.csv in one directory (SSMS: Results to Grid,\n-- right-click, Save Results As), then: dbaudit audit --snapshot DIR --engine mssql\n-- A leading `-- requires: N` line: SQL Server major version N or later (15 = 2019).\n-- preflight and uptime_fallback are the collector's own session checks: no need to export\n-- them. Export uptime too where it runs (VIEW SERVER STATE; VIEW DATABASE STATE on Azure SQL\n-- Database, where the server row has no tempdb date): it dates the usage counters; where it\n-- fails, server.csv's tempdb date serves, and without either unused-index is not run.\n\n");
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
    args.rules.apply_to(&mut config);
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
        // The audited database's index keys are evidence for the static findings that
        // hold only where an index exists (non-sargable-predicate), beside the indexes the
        // scanned files declare.
        let mut known_indexes = crate::sql::declared_index::IndexCatalogue::default();
        if let Some(snapshot) = &snapshot {
            for key in snapshot.index_columns.iter().filter(|c| c.is_key) {
                if let Some(column) = &key.column {
                    known_indexes.add_key_column(&format!("{}.{}", key.schema, key.table), column);
                }
            }
        }
        // Not filtered by --min-confidence here: audit::build does it once the workload's
        // evidence has raised the findings it backs, and says how many it left out.
        Some(scan::run_knowing_indexes(
            &options,
            &config,
            &*progress,
            known_indexes,
        )?)
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
        min_confidence: args.rules.min_confidence(&config),
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
