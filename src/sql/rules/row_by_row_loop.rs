//! `row-by-row-loop`: a loop over table rows that runs a query, DML or a call per row.
//! What a loop walks and what its body does is read by `sql::loop_kind`.

use super::{RawFinding, SqlContext, SqlRule};
use crate::declare_rule;
use crate::model::finding::one_line;
use crate::model::{Category, Confidence, ConfidenceLevel, RelatedLocation, Severity};
use crate::rules::RuleMeta;
use crate::sql::loop_kind::{classify_loops, Iterates, LoopClass, Work};
use crate::sql::unit::{excerpt, LoopInfo, LoopKind, Stmt};

declare_rule! {
    /// ## What it finds
    /// A loop over table rows whose body sends work to the database on every
    /// iteration: the SQL-side N+1. In T-SQL, a cursor loop (`WHILE @@FETCH_STATUS = 0`)
    /// or a `WHILE` loop that walks a table (its condition reads one, or its body fetches
    /// the next key into variables); in PL/pgSQL, `FOR r IN <query> LOOP`, `FOR r IN
    /// cursor LOOP`, `FOREACH ... LOOP`, or `LOOP ... FETCH ... END LOOP`; with per-row
    /// DML or a query on a persistent table inside. The evidence names the loop, the
    /// cursor or query it walks, and the statements that run per row.
    ///
    /// Reported with medium confidence, with the reason: a body whose per-row work is a
    /// procedure or function call (`EXEC dbo.p`, `INSERT INTO t EXEC dbo.p`, `PERFORM
    /// f()`, `CALL p()`: whether a set-based statement can replace it depends on the
    /// callee), also when the other per-row statements only keep the call's bookkeeping
    /// (DML on a table named for a log, history or audit trail, or on the table the loop
    /// walks: the processed row's status), a `WHILE` counter
    /// that writes a table each round, a loop over rows of dynamic SQL (`FOR r IN
    /// EXECUTE`) or of a cursor whose query is not visible; a loop at the top level of a
    /// script, outside any procedure, function or trigger (an install or upgrade step:
    /// it runs once, not per call). With **low** confidence: a `WHILE` loop that climbs a
    /// hierarchy, each round looking up the row the previous one points to (`SELECT
    /// @parent = ParentId FROM dbo.Packages WHERE PackageId = @current; SET @current =
    /// @parent`): it runs once per level, and a recursive query does the same seeks.
    ///
    /// Not reported: maintenance and administration loops, one command per object,
    /// which no set-based statement replaces: loops over system catalogs and DMVs
    /// (`sys.*`, `msdb` jobs, `INFORMATION_SCHEMA`, `pg_catalog`, `pg_*`), and loops whose
    /// body runs DDL or permissions (`CREATE` / `ALTER` / `DROP` / `TRUNCATE` / `GRANT`),
    /// `BACKUP`, `RESTORE`, `DBCC`, `UPDATE STATISTICS`, `VACUUM` / `ANALYZE`, system
    /// procedures (`sp_*`, `xp_*`), dynamic SQL (`EXEC (@sql)`, `sp_executesql`, PL/pgSQL
    /// `EXECUTE`) or `dblink`; loops that read one file per round
    /// (`sys.fn_xe_file_target_read_file(@path, ...)`, `fn_trace_gettable`,
    /// `fn_get_audit_file`, `OPENROWSET(BULK ...)`); retry, wait and polling loops
    /// (`WAITFOR`, `pg_sleep`, Service Broker `RECEIVE`); counters that run the same queries each round;
    /// batching loops whose DML is bounded (`DELETE TOP (1000)`, a CTE with `TOP
    /// (@batch)`, `WHERE id IN (SELECT ... LIMIT n)`); loops whose only DML touches
    /// `#temp` tables or table variables, or that only build output.
    ///
    /// ## Why it matters
    /// Each iteration is a separate statement execution: 10,000 rows become 10,000
    /// seeks, log writes and round trips inside the server, with locks held for the
    /// whole loop. A set-based statement does the same work in one pass and lets the
    /// optimizer pick joins, parallelism and minimal logging.
    ///
    /// ## Example
    /// ```sql
    /// DECLARE c CURSOR LOCAL FAST_FORWARD FOR
    ///     SELECT AppointmentId, ClientId FROM dbo.Appointments WHERE StartDate < @Tomorrow;
    /// OPEN c;
    /// FETCH NEXT FROM c INTO @AppointmentId, @ClientId;
    /// WHILE @@FETCH_STATUS = 0
    /// BEGIN
    ///     INSERT INTO dbo.Notifications (UserId, Title) VALUES (@ClientId, N'Reminder');
    ///     FETCH NEXT FROM c INTO @AppointmentId, @ClientId;
    /// END
    /// ```
    ///
    /// ## How to fix
    /// Write the loop as one statement over the set:
    /// `INSERT INTO dbo.Notifications (UserId, Title) SELECT ClientId, N'Reminder'
    /// FROM dbo.Appointments WHERE StartDate < @Tomorrow;`. Where per-row logic is
    /// unavoidable, process in batches (`TOP (5000)` per iteration) rather than per row.
    pub static ROW_BY_ROW_LOOP = {
        name: "row-by-row-loop",
        code: "SQL002",
        category: Category::QueryPatterns,
        default_severity: Severity::High,
        summary: "A cursor or loop that runs a query, DML or EXEC per row (SQL-side N+1)",
    };
}

pub struct RowByRowLoop;

const MAX_LISTED: usize = 5;

impl SqlRule for RowByRowLoop {
    fn meta(&self) -> &'static RuleMeta {
        &ROW_BY_ROW_LOOP
    }

    fn check(&self, ctx: &SqlContext, out: &mut Vec<RawFinding>) {
        let classes = classify_loops(ctx.unit, ctx.shapes);
        for (info, class) in ctx.unit.loops.iter().zip(&classes) {
            let walks_rows = match info.kind {
                LoopKind::CursorWhile
                | LoopKind::ForQuery
                | LoopKind::ForCursor
                | LoopKind::ForEach => true,
                LoopKind::While => ctx.unit.dialect == crate::sql::SqlDialect::Tsql,
                LoopKind::Loop => info.cursor.is_some(),
                LoopKind::ForRange => false,
            };
            if !walks_rows || source_returns_one_row(ctx, info) {
                continue;
            }
            let bookkeeping = writes_only_bookkeeping(ctx, info, class);
            let Some(mut confidence) = confidence(class, bookkeeping) else {
                continue;
            };
            // An install or upgrade script's own loop runs once, by hand or in a
            // migration step, not on every call of the application.
            if info.object.is_none() && !ctx.unit.from_application {
                confidence.lower(
                    ConfidenceLevel::Medium,
                    "a loop at the top level of a script, outside any procedure, function or trigger: it runs once (an install or upgrade step), not per call",
                );
            }
            let per_row: Vec<&Stmt> = class
                .per_row
                .iter()
                .map(|&(i, _)| &ctx.unit.statements[i])
                .collect();
            if per_row.is_empty() {
                continue;
            }
            out.push(finding(ctx, info, &per_row, confidence));
        }
    }
}

/// Whether the loop is row-by-row processing of table rows, and how sure that is.
/// None: a maintenance, administration, wait or dynamic-SQL loop, a loop over catalog
/// rows, a counter that only reads, or a body without per-row work.
fn confidence(class: &LoopClass, bookkeeping: bool) -> Option<Confidence> {
    if class.admin.is_some() || class.iterates == Iterates::CatalogRows {
        return None;
    }
    let high = Confidence::high();
    let data = class.has_data_work();
    let calls = class.per_row.iter().any(|(_, w)| *w == Work::Call);
    match class.iterates {
        // A procedure called per row whose DML around it is only its bookkeeping (a log
        // row, the processed row's own flag): no set-based statement replaces the loop
        // unless the callee gets a set-based form.
        Iterates::TableRows | Iterates::ScratchRows | Iterates::Values
            if calls && data && bookkeeping =>
        {
            Some(high.lowered(
                ConfidenceLevel::Medium,
                "each row is handed to a procedure call, and the other per-row statements only keep its bookkeeping (a log or history row, the processed row's own status): one set-based statement replaces the loop only if the callee has a set-based form",
            ))
        }
        Iterates::TableRows | Iterates::ScratchRows | Iterates::Values if data => Some(high),
        Iterates::TableRows | Iterates::ScratchRows | Iterates::Values if calls => {
            Some(high.lowered(
                ConfidenceLevel::Medium,
                "the per-row work is a procedure or function call: whether one set-based statement can replace it depends on what the callee does",
            ))
        }
        // `WHILE @i < @n` writing a table each round: maybe rows generated one at a
        // time, maybe a job per round; the loop does not walk a table.
        Iterates::Counter if class.has_dml() => Some(high.lowered(
            ConfidenceLevel::Medium,
            "the loop counts with a variable instead of walking table rows",
        )),
        Iterates::Chain if data || calls => Some(high.lowered(
            ConfidenceLevel::Low,
            "the loop climbs a hierarchy (each round looks up the row the previous one points to): it runs once per level, not once per row of a table",
        )),
        Iterates::DynamicQuery if data => Some(high.lowered(
            ConfidenceLevel::Medium,
            "the loop's rows come from dynamic SQL, so what it walks is not visible",
        )),
        Iterates::Unknown if data => Some(high.lowered(
            ConfidenceLevel::Medium,
            "the cursor's query is not visible here (a cursor variable or parameter)",
        )),
        _ => None,
    }
}

/// Whether the loop's per-row statements, beside its calls, only keep the calls'
/// bookkeeping: no per-row query, and DML only on a table the loop's own query reads (the
/// processed row's status) or on a table named for a log, history or audit trail
/// (`dbo.JobRunLog`, `sma_servers_logs`, `AlertsHist`).
fn writes_only_bookkeeping(ctx: &SqlContext, info: &LoopInfo, class: &LoopClass) -> bool {
    let walked: Vec<String> = info
        .source
        .and_then(|s| ctx.shapes.get(s))
        .map(|shape| shape.sources.iter().map(|s| table_word(&s.name)).collect())
        .unwrap_or_default();
    class.per_row.iter().all(|&(i, work)| match work {
        Work::Call => true,
        Work::Query => false,
        Work::Dml => ctx.shapes.get(i).is_some_and(|shape| {
            shape
                .scopes
                .iter()
                .filter_map(|s| s.target.as_deref())
                .all(|target| walked.contains(&table_word(target)) || named_for_a_trail(target))
        }),
    })
}

/// A table's last name part, brackets and quotes off, lower-cased.
fn table_word(name: &str) -> String {
    crate::sql::query::last_part(name)
        .trim_matches(|c| c == '[' || c == ']' || c == '"')
        .to_ascii_lowercase()
}

/// A table named for a log, history or audit trail: one of its words (split at `_` and
/// at lower-to-upper case changes) is `log`, `logs`, `history`, `hist` or `audit`.
/// `Blog` and `Catalog` are not.
fn named_for_a_trail(name: &str) -> bool {
    let name =
        crate::sql::query::last_part(name).trim_matches(|c| c == '[' || c == ']' || c == '"');
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if c == '_' || c == ' ' {
            words.push(std::mem::take(&mut current));
            previous_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && previous_lower {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        current.push(c.to_ascii_lowercase());
    }
    words.push(current);
    words
        .iter()
        .any(|w| matches!(w.as_str(), "log" | "logs" | "history" | "hist" | "audit"))
}

/// `FOR r IN SELECT ... LIMIT 1 LOOP` / `TOP (1)`: the loop runs at most once.
fn source_returns_one_row(ctx: &SqlContext, info: &LoopInfo) -> bool {
    let Some(source) = info.source.and_then(|s| ctx.unit.statements.get(s)) else {
        return false;
    };
    let toks = ctx.unit.stmt_tokens(source);
    toks.windows(2)
        .any(|w| (w[0].is_kw("LIMIT") || w[0].is_kw("TOP")) && w[1].text == "1")
        || toks
            .windows(3)
            .any(|w| w[0].is_kw("TOP") && w[1].is_punct("(") && w[2].text == "1")
}

fn finding(
    ctx: &SqlContext,
    info: &LoopInfo,
    per_row: &[&Stmt],
    confidence: Confidence,
) -> RawFinding {
    let toks = &ctx.unit.tokens;
    let header_end = info.header_end.clamp(info.start + 1, toks.len());
    let header = excerpt(&toks[info.start..header_end], 120);
    let walks = match (&info.cursor, info.source) {
        (Some(cursor), Some(source)) => {
            let source_stmt = &ctx.unit.statements[source];
            format!(
                " over cursor `{cursor}` (`{}`, line {})",
                ctx.unit.stmt_excerpt(source_stmt, 80),
                toks[source_stmt.range.start].line
            )
        }
        (Some(cursor), None) => format!(" over cursor `{cursor}`"),
        (None, Some(source)) => {
            let source_stmt = &ctx.unit.statements[source];
            format!(" over `{}`", ctx.unit.stmt_excerpt(source_stmt, 80))
        }
        (None, None) => String::new(),
    };
    let related: Vec<RelatedLocation> = per_row
        .iter()
        .map(|s| {
            let first = &toks[s.range.start];
            RelatedLocation {
                file: None,
                line: first.line,
                column: first.col,
                text: ctx.unit.stmt_excerpt(s, 100),
            }
        })
        .collect();
    let listed: Vec<String> = related
        .iter()
        .take(MAX_LISTED)
        .map(|r| format!("line {}: `{}`", r.line, one_line(&r.text, 60)))
        .collect();
    let more = if related.len() > MAX_LISTED {
        format!(" and {} more", related.len() - MAX_LISTED)
    } else {
        String::new()
    };
    let count = per_row.len();
    let message = format!(
        "{}{walks} runs {count} statement{} per row: {}{more}",
        info.kind.describe(),
        if count == 1 { "" } else { "s" },
        listed.join("; ")
    );
    let object = ctx.unit.object_name(info.object).map(str::to_string);
    let end_line = per_row
        .iter()
        .map(|s| toks[s.range.end.saturating_sub(1).max(s.range.start)].end_line)
        .max()
        .unwrap_or(info.line);
    RawFinding {
        rule: &ROW_BY_ROW_LOOP,
        line: info.line,
        column: info.col,
        end_line,
        statement_line: info.line,
        object,
        message,
        snippet: header,
        related,
        // The batching advice in the code's own dialect: PostgreSQL has no TOP.
        recommendation: if ctx.unit.dialect == crate::sql::SqlDialect::Tsql {
            "Replace the loop with one set-based statement (INSERT ... SELECT, UPDATE ... FROM ... JOIN, MERGE), or process in batches with TOP (n) instead of one row at a time"
        } else {
            "Replace the loop with one set-based statement (INSERT ... SELECT, UPDATE ... FROM, DELETE ... USING, or a data-modifying CTE), or process in batches (a key range or LIMIT n per round) instead of one row at a time"
        }
        .to_string(),
        confidence,
        index_check: None,
    }
}
