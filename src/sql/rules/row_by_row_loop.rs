//! `row-by-row-loop`: a loop that runs a query, DML or EXEC per iteration.

use super::{RawFinding, SqlContext, SqlRule};
use crate::declare_rule;
use crate::model::finding::one_line;
use crate::model::{Category, RelatedLocation, Severity};
use crate::rules::RuleMeta;
use crate::sql::query::{QueryShape, ScopeKind};
use crate::sql::unit::{excerpt, LoopInfo, LoopKind, Stmt, StmtKind};

declare_rule! {
    /// ## What it finds
    /// A loop whose body sends work to the database on every iteration: the SQL-side
    /// N+1. In T-SQL, a cursor loop (`WHILE @@FETCH_STATUS = 0`) or a `WHILE` loop whose
    /// body runs a query on a table, DML or `EXEC`; in PL/pgSQL, `FOR r IN <query> LOOP`,
    /// `FOR r IN cursor LOOP`, `FOREACH ... LOOP`, or `LOOP ... FETCH ... END LOOP`, with
    /// such a statement inside. The evidence names the loop, the cursor or query it walks,
    /// and the statements that run per row. Not reported: loops whose only data access is
    /// to temp tables or table variables, and batching loops whose DML uses `TOP (n)`.
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
        // Statement indices per innermost loop, in one pass (files can hold many loops).
        let mut bodies: Vec<Vec<usize>> = vec![Vec::new(); ctx.unit.loops.len()];
        for (index, stmt) in ctx.unit.statements.iter().enumerate() {
            if let Some(&innermost) = stmt.loops.last() {
                if let Some(body) = bodies.get_mut(innermost) {
                    body.push(index);
                }
            }
        }
        for (info, body) in ctx.unit.loops.iter().zip(&bodies) {
            let fetches = body
                .iter()
                .any(|&i| ctx.unit.statements[i].kind == StmtKind::Fetch);
            let applies = match info.kind {
                LoopKind::CursorWhile
                | LoopKind::ForQuery
                | LoopKind::ForCursor
                | LoopKind::ForEach => true,
                LoopKind::While => ctx.unit.dialect == crate::sql::SqlDialect::Tsql,
                LoopKind::Loop => fetches,
                LoopKind::ForRange => false,
            };
            if !applies || source_returns_one_row(ctx, info) {
                continue;
            }
            let per_row: Vec<&Stmt> = body
                .iter()
                .filter(|&&i| Some(i) != info.source)
                .filter(|&&i| is_per_row_work(ctx, &ctx.unit.statements[i], &ctx.shapes[i]))
                .map(|&i| &ctx.unit.statements[i])
                .collect();
            if per_row.is_empty() {
                continue;
            }
            out.push(finding(ctx, info, &per_row));
        }
    }
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

/// A statement that reaches the database's tables (or runs code) each iteration.
fn is_per_row_work(ctx: &SqlContext, stmt: &Stmt, shape: &QueryShape) -> bool {
    match stmt.kind {
        StmtKind::Fetch | StmtKind::Open | StmtKind::Close | StmtKind::DeclareCursor => false,
        StmtKind::Exec => true,
        // DML on temp tables and table variables only is not database round-trip work.
        kind if (kind.is_dml() || shape.scopes.iter().any(|s| s.kind != ScopeKind::Select))
            && shape.sources.iter().any(|s| s.is_real_table()) =>
        {
            let toks = ctx.unit.stmt_tokens(stmt);
            // `DELETE TOP (5000) ...` in a loop is batching, the cure, not the disease.
            let batched = shape
                .scopes
                .iter()
                .filter(|s| s.kind != ScopeKind::Select)
                .all(|s| toks.get(s.keyword_at + 1).is_some_and(|t| t.is_kw("TOP")));
            !batched
        }
        _ => shape.sources.iter().any(|s| s.is_real_table()),
    }
}

fn finding(ctx: &SqlContext, info: &LoopInfo, per_row: &[&Stmt]) -> RawFinding {
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
        confidence: crate::model::Confidence::high(),
    }
}
