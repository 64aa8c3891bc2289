//! `select-star`: `SELECT *` whose rows leave the statement.

use super::{RawFinding, SqlContext, SqlRule};
use crate::declare_rule;
use crate::model::{Category, Severity};
use crate::rules::RuleMeta;
use crate::sql::query::{ScopeContext, ScopeKind, SourceKind};
use crate::sql::unit::{excerpt, StmtKind};
use crate::sql::SqlDialect;

declare_rule! {
    /// ## What it finds
    /// `SELECT *` and `alias.*` in a select list whose rows leave the statement: a
    /// result set, the source of `INSERT ... SELECT *`, `SELECT * INTO #t` (T-SQL), a
    /// view body, a cursor declaration. Not reported: `EXISTS (SELECT * ...)`,
    /// `COUNT(*)`, `IN (SELECT * ...)`, a star over a CTE or derived table whose own
    /// column list is explicit, and PL/pgSQL `SELECT * INTO row_variable` or
    /// `FOR r IN SELECT *`, which fill a row variable read by column name.
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
            let toks = ctx.unit.stmt_tokens(stmt);
            let variables = ctx.variables(stmt);
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
                for star in shape.star_positions(projection.clone(), toks) {
                    let covered: Vec<_> = match star.qualifier.as_deref() {
                        Some(q) => shape.resolve(scope_index, Some(q)).into_iter().collect(),
                        None => scope.sources.iter().map(|&i| &shape.sources[i]).collect(),
                    };
                    // Over explicit CTEs / derived tables only: the columns are known.
                    if !covered.is_empty()
                        && covered.iter().all(|s| shape.source_is_explicit(s, toks))
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
                    out.push(ctx.finding_at(
                        &SELECT_STAR,
                        stmt,
                        star.at,
                        format!("`SELECT {item}`{from}: every column is read and {target}"),
                        snippet,
                        "List the columns the caller needs, so that an index can cover the query and schema changes do not break callers".to_string(),
                    ));
                }
            }
        }
    }
}
