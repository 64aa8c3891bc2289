//! `select-star`: `SELECT *` whose rows leave the statement.

use super::{RawFinding, SqlContext, SqlRule};
use crate::declare_rule;
use crate::model::{Category, ConfidenceLevel, ObjectKind, Severity};
use crate::rules::RuleMeta;
use crate::sql::declared_index::{table_key, IndexCheck};
use crate::sql::lex::{Tok, TokKind};
use crate::sql::query::{last_part, QueryShape, ScopeContext, ScopeKind, Source, SourceKind};
use crate::sql::unit::{excerpt, StmtKind};
use crate::sql::SqlDialect;

declare_rule! {
    /// ## What it finds
    /// `SELECT *` and `alias.*` in a select list whose rows leave the statement: a
    /// result set, the source of `INSERT ... SELECT *`, `SELECT * INTO #t` (T-SQL), a
    /// view body, a cursor declaration, when the star reads a stored table of the
    /// application. Not reported: `EXISTS (SELECT * ...)`, `COUNT(*)`,
    /// `IN (SELECT * ...)`; a star over scratch or system data (`#temp` tables, table
    /// variables, temporary tables the file creates, CTEs and derived tables that do not
    /// star a stored table, function results, `sys.*` / DMVs, `INFORMATION_SCHEMA`,
    /// `pg_catalog`, `msdb` / `master`); result sets only under a debug flag
    /// (`IF @debug = 1`); `SELECT TOP (0) * INTO` and `WHERE 1 = 0` (a shape, no rows);
    /// and the star a PL/pgSQL signature forces: `SELECT * INTO row_variable`,
    /// `FOR r IN SELECT *`, `(rec).*`, and `RETURN QUERY SELECT * FROM t` in a function
    /// that `RETURNS SETOF t` / `t` / `TABLE (LIKE t)`; a star over a table named at run
    /// time (`format('SELECT * FROM %I', t)`: generic code cannot list columns). Reported
    /// with medium confidence: a star whose table cannot be told (an alias the scan
    /// cannot resolve), a result set at the top level of a script, outside any
    /// object and without bind parameters (often an ad-hoc look at the data), and a star
    /// in an object named for diagnosis (`usp_broker_diagnostics`: a person reads its
    /// output), and the source of an `INSERT` written without a column list (`INSERT
    /// INTO dbo.OrdersHistory SELECT * FROM dbo.Orders WHERE ...`: the target takes
    /// every column by position, so the star reads what the copy needs; the risk left is
    /// the two tables drifting apart). Low: a PostgreSQL view's star (expanded into the
    /// table's columns when the view is created; a query on the view reads only the
    /// columns it uses), and likewise a SQL Server view's or inline table-valued
    /// function's (`RETURNS TABLE AS RETURN (SELECT * ...)`, a parameterised view): SQL
    /// Server resolves a non-indexed view into the plan of the statement that uses it,
    /// with no plan of its own ("View Resolution", SQL Server documentation,
    /// learn.microsoft.com ms190237), and expands an inline function the same way, so
    /// only the columns the caller uses are read; the star's column list is fixed when
    /// the object is created (`sp_refreshview` after a table change). General SQL
    /// Server knowledge, not something a benchmark showed. In SQL embedded in application
    /// code (a string passed to a driver, Dapper, an ORM's raw query) the rows go into the
    /// application's own objects (a model, an entity, a row factory), which may well use
    /// every column: medium, unless a table the star reads is declared in the scanned
    /// files (a SQL file or a `CREATE TABLE` string of the application) with a large
    /// object column (`BLOB`, `CLOB`, `bytea`, `varbinary(max)`, `image`) that every row
    /// then carries, used or not.
    ///
    /// ## Why it matters
    /// Every column is read and sent, including wide ones nobody uses, so covering
    /// indexes cannot serve the query and more pages are read. Callers that read
    /// columns by position break, silently, when a column is added or reordered, and an
    /// `INSERT ... SELECT *` fails or shifts data when the two tables drift apart.
    ///
    /// ## Example
    /// ```sql
    /// CREATE PROCEDURE dbo.Appointment_GetByClientId @ClientId INT AS
    /// SELECT * FROM dbo.Appointments WHERE ClientId = @ClientId;
    /// ```
    ///
    /// ## How to fix
    /// List the columns the caller needs:
    /// `SELECT AppointmentId, ProviderId, StartDate, Status FROM dbo.Appointments ...`.
    /// An index can then cover the query (`INCLUDE` the listed columns).
    pub static SELECT_STAR = {
        name: "select-star",
        code: "SQL001",
        category: Category::QueryPatterns,
        default_severity: Severity::Medium,
        summary: "SELECT * whose rows leave the statement",
    };
}

pub struct SelectStar;

impl SqlRule for SelectStar {
    fn meta(&self) -> &'static RuleMeta {
        &SELECT_STAR
    }

    fn check(&self, ctx: &SqlContext, out: &mut Vec<RawFinding>) {
        for (stmt, shape) in ctx.statements() {
            if stmt.kind == StmtKind::LoopSource && ctx.unit.dialect == SqlDialect::Postgres {
                continue;
            }
            // Diagnostic output under a debug flag is not the object's work.
            if ctx.unit.is_debug_only(stmt) {
                continue;
            }
            let toks = ctx.unit.stmt_tokens(stmt);
            let variables = ctx.variables(stmt);
            let scratch_names = ctx.scratch_tables(stmt);
            let scratch = scratch_names.as_ref();
            let returns_rows_of = stmt
                .object
                .and_then(|o| ctx.unit.objects.get(o))
                .and_then(|o| o.returns_rows_of.as_deref());
            for (scope_index, scope) in shape.scopes.iter().enumerate() {
                if scope.kind != ScopeKind::Select || !scope.context.rows_leave() {
                    continue;
                }
                // PL/pgSQL `SELECT * INTO v_row`: a row variable, read by name.
                if let Some(into) = &scope.into {
                    if variables.iter().any(|v| v.eq_ignore_ascii_case(into)) {
                        continue;
                    }
                }
                let Some(projection) = scope.projection.clone() else {
                    continue;
                };
                if selects_no_rows(shape, scope_index, toks) {
                    continue;
                }
                for star in shape.star_positions(projection.clone(), toks) {
                    let covered: Vec<_> = match star.qualifier.as_deref() {
                        Some(q) => shape.resolve(scope_index, Some(q)).into_iter().collect(),
                        None => scope.sources.iter().map(|&i| &shape.sources[i]).collect(),
                    };
                    // Scratch and system data, explicit CTEs / derived tables: nothing to fix,
                    // unless rows whose columns are out of sight land in a stored table, by
                    // position (`INSERT INTO dbo.Archive SELECT * FROM #batch`): a drift
                    // between the two breaks it.
                    let reads_business_table = covered
                        .iter()
                        .any(|s| shape.star_reaches_business_table(s, toks, scratch));
                    let lands_by_position =
                        inserts_into_business_table(shape, scope_index, scratch)
                            && covered.iter().any(|s| columns_out_of_sight(s));
                    if !covered.is_empty() && !reads_business_table && !lands_by_position {
                        continue;
                    }
                    // `format('... SELECT * FROM %I', tbl)`: code generic over tables, whose
                    // columns it cannot know; there is no column list to write.
                    if !covered.is_empty() && covered.iter().all(|s| named_at_run_time(s)) {
                        continue;
                    }
                    // `RETURNS SETOF t ... RETURN QUERY SELECT * FROM t`: the signature
                    // fixes the columns, and the star is exactly them.
                    if scope.context == ScopeContext::Statement
                        && returns_rows_of.is_some_and(|t| all_named(&covered, t))
                    {
                        continue;
                    }
                    let tables: Vec<&str> = covered
                        .iter()
                        .filter(|s| matches!(s.kind, SourceKind::Table | SourceKind::TempTable))
                        .map(|s| s.name.as_str())
                        .collect();
                    let item = match &star.qualifier {
                        Some(q) => format!("{q}.*"),
                        None => "*".to_string(),
                    };
                    let target = match (scope.context, &scope.into) {
                        (ScopeContext::InsertSource, _) => "inserted into another table",
                        (_, Some(_)) => "copied into a new table",
                        _ => "returned to the caller",
                    };
                    let from = if tables.is_empty() {
                        String::new()
                    } else {
                        format!(" from {}", tables.join(", "))
                    };
                    let snippet = excerpt(&toks[scope.keyword_at..], 120);
                    let mut finding = ctx.finding_at(
                        &SELECT_STAR,
                        stmt,
                        star.at,
                        format!("`SELECT {item}`{from}: every column is read and {target}"),
                        snippet,
                        "List the columns the caller needs, so that an index can cover the query and schema changes do not break callers".to_string(),
                    );
                    if covered.is_empty() {
                        finding.confidence.lower(
                            ConfidenceLevel::Medium,
                            "could not tell which table the star reads (it may be a temporary table or a system view)",
                        );
                    }
                    // A script's own result set: often someone looking at the data.
                    if ctx.is_script_statement(stmt)
                        && scope.context == ScopeContext::Statement
                        && scope.into.is_none()
                    {
                        finding.confidence.lower(
                            ConfidenceLevel::Medium,
                            "a query at the top level of a script, outside any procedure, function or view: it may be an ad-hoc look at the data",
                        );
                    }
                    let object = stmt.object.and_then(|o| ctx.unit.objects.get(o));
                    // PostgreSQL stores a view with its star expanded: the view's columns
                    // are fixed when it is created, and a query on the view can read
                    // only the columns it uses.
                    if ctx.unit.dialect == SqlDialect::Postgres
                        && scope.context == ScopeContext::Statement
                        && object.is_some_and(|o| o.kind == ObjectKind::View)
                    {
                        finding.confidence.lower(
                            ConfidenceLevel::Low,
                            "a PostgreSQL view: the star is expanded into the table's columns when the view is created, and a query on the view reads only the columns it uses",
                        );
                    }
                    // SQL Server resolves a (non-indexed) view or an inline table-valued
                    // function into the calling query, which reads only the columns it uses.
                    if ctx.unit.dialect == SqlDialect::Tsql
                        && scope.context == ScopeContext::Statement
                        && scope.into.is_none()
                        && object.is_some_and(|o| {
                            o.kind == ObjectKind::View
                                || (o.kind == ObjectKind::Function
                                    && (follows_return(toks, scope.keyword_at)
                                        || follows_return(&ctx.unit.tokens, stmt.range.start)))
                        })
                    {
                        finding.confidence.lower(
                            ConfidenceLevel::Low,
                            "a SQL Server view or inline table-valued function: it is expanded into the calling query, which reads only the columns it uses; the star's column list is fixed when the object is created",
                        );
                    }
                    // `INSERT INTO dbo.OrdersHistory SELECT * FROM dbo.Orders WHERE ...`:
                    // without a column list the target takes every column by position, so
                    // the star reads what the copy needs.
                    if let Some(target) = insert_without_column_list(shape, scope_index, toks) {
                        finding.confidence.lower(
                            ConfidenceLevel::Medium,
                            format!("the INSERT into `{}` has no column list: it takes every column the star reads, by position, so the read is what the copy needs; what the star risks is a column added to one table and not the other", last_part(&target)),
                        );
                    }
                    if let Some(name) = object
                        .map(|o| o.name.as_str())
                        .filter(|n| named_for_diagnosis(n))
                    {
                        finding.confidence.lower(
                            ConfidenceLevel::Medium,
                            format!("`{}` is named for diagnosis: its result sets are read by a person troubleshooting, not by an application", last_part(name)),
                        );
                    }
                    // SQL in application code: the rows go into the application's own
                    // objects, which may well use every column (a model, an entity, a
                    // row factory); high only where a table the star reads is declared
                    // with a large binary column, judged after every file is read.
                    if ctx.unit.from_application {
                        finding.index_check = Some(IndexCheck::LargeObject {
                            tables: covered
                                .iter()
                                .filter(|s| s.kind == SourceKind::Table)
                                .map(|s| table_key(&s.name))
                                .collect(),
                        });
                    }
                    out.push(finding);
                }
            }
        }
    }
}

/// An object named for troubleshooting (`usp_broker_diagnostics`, `dbg_show_queue`,
/// `Troubleshoot_Locks`): whatever it selects is for a person to read.
fn named_for_diagnosis(name: &str) -> bool {
    let name = last_part(name).to_ascii_lowercase();
    ["diagnos", "troubleshoot", "debug"]
        .iter()
        .any(|word| name.contains(word))
}

/// The scope is the source of an `INSERT` whose target is a business table.
fn inserts_into_business_table(shape: &QueryShape, scope: usize, scratch: &[String]) -> bool {
    let select = &shape.scopes[scope];
    if select.context != ScopeContext::InsertSource {
        return false;
    }
    shape.scopes[..scope]
        .iter()
        .rev()
        .find(|s| s.kind == ScopeKind::Insert && s.keyword_at < select.keyword_at)
        .and_then(|insert| insert.sources.first())
        .is_some_and(|&target| shape.sources[target].is_business_table(scratch))
}

/// `RETURN` or `RETURN (` right before the token at `at` (an inline table-valued
/// function's query).
fn follows_return(tokens: &[Tok], at: usize) -> bool {
    let mut i = at;
    while i > 0 && tokens[i - 1].is_punct("(") {
        i -= 1;
    }
    i > 0 && tokens[i - 1].is_kw("RETURN")
}

/// The scope is the source of an `INSERT` written without a column list (`INSERT INTO t
/// SELECT ...`, a table hint `WITH (TABLOCK)` aside): the target's name.
fn insert_without_column_list(shape: &QueryShape, scope: usize, toks: &[Tok]) -> Option<String> {
    let select = &shape.scopes[scope];
    if select.context != ScopeContext::InsertSource {
        return None;
    }
    let insert = shape.scopes[..scope]
        .iter()
        .rev()
        .find(|s| s.kind == ScopeKind::Insert && s.keyword_at < select.keyword_at)?;
    let between = toks.get(insert.keyword_at + 1..select.keyword_at)?;
    let column_list = between
        .iter()
        .enumerate()
        .any(|(k, t)| t.is_punct("(") && !(k > 0 && between[k - 1].is_kw("WITH")));
    if column_list {
        return None;
    }
    insert.target.clone().or_else(|| {
        insert
            .sources
            .first()
            .map(|&t| shape.sources[t].name.clone())
    })
}

/// A stored source whose columns the statement does not show (a `#temp` table, a table
/// variable, a DMV): unlike a CTE, derived table, function or VALUES list, which spell
/// theirs out in the code.
fn columns_out_of_sight(source: &Source) -> bool {
    matches!(
        source.kind,
        SourceKind::Table | SourceKind::TempTable | SourceKind::TableVariable
    )
}

/// A table whose name is filled in at run time: a `format()` / `sprintf` placeholder
/// (`%I`, `%s`) in dynamic SQL.
fn named_at_run_time(source: &Source) -> bool {
    source.kind == SourceKind::Table && source.name.contains('%')
}

/// Every source is a table whose name (last part) is `table`'s.
fn all_named(sources: &[&Source], table: &str) -> bool {
    !sources.is_empty()
        && sources.iter().all(|s| {
            s.kind == SourceKind::Table && last_part(&s.name).eq_ignore_ascii_case(last_part(table))
        })
}

/// `SELECT TOP (0) ...` or `... WHERE 1 = 0`: the statement copies a shape, it reads no
/// rows (`SELECT TOP (0) * INTO #t FROM dbo.T` makes an empty table like `dbo.T`).
fn selects_no_rows(shape: &QueryShape, scope: usize, toks: &[Tok]) -> bool {
    let number = |i: usize| {
        toks.get(i)
            .filter(|t| t.kind == TokKind::Number)
            .map(|t| t.text.as_str())
    };
    let at = shape.scopes[scope].keyword_at + 1;
    let top_zero = toks.get(at).is_some_and(|t| t.is_kw("TOP"))
        && (number(at + 1) == Some("0")
            || (toks.get(at + 1).is_some_and(|t| t.is_punct("("))
                && number(at + 2) == Some("0")
                && toks.get(at + 3).is_some_and(|t| t.is_punct(")"))));
    let false_where = shape.clauses.iter().any(|c| {
        c.scope == scope
            && c.kind == crate::sql::query::ClauseKind::Where
            && c.range.len() == 3
            && toks[c.range.start + 1].is_punct("=")
            && matches!(
                (number(c.range.start), number(c.range.start + 2)),
                (Some(a), Some(b)) if a != b
            )
    });
    top_zero || false_where
}
