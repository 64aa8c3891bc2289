//! `non-sargable-predicate`: a function, cast or arithmetic wrapped around a column in
//! a WHERE or JOIN ... ON comparison.

use super::{RawFinding, SqlContext, SqlRule};
use crate::declare_rule;
use crate::model::{Category, Severity};
use crate::rules::RuleMeta;
use crate::sql::lex::Tok;
use crate::sql::predicate::{
    comparisons, pattern_starts_with_wildcard, read_operand, CompareOp, Operand,
};
use crate::sql::query::{ClauseKind, QueryShape};
use crate::sql::unit::excerpt;

declare_rule! {
    /// ## What it finds
    /// A comparison in `WHERE` or `JOIN ... ON` where a column is wrapped in a function,
    /// a cast or arithmetic: `YEAR(CreatedDate) = @y`, `ISNULL(Status, 0) = @s`,
    /// `UPPER(Email) = @e`, `CONVERT(date, StartDate) = @d`, `Amount + 1 = @x`,
    /// `lower(email) = lower(p_email)`, `id::text = p_id`. Not reported: a function
    /// applied to a value (`CreatedDate >= DATEADD(day, -7, GETDATE())`), an expression
    /// compared with another bare column (`c.Code = UPPER(o.CustCode)`: the index on
    /// `c.Code` can still seek), an expression compared with columns of the same row
    /// (`DATEDIFF(minute, s.LastRun, GETDATE()) >= s.IntervalMinutes`: no value exists
    /// before the row is read, whatever the form), `LIKE` with a leading wildcard (its own
    /// rule), negations (`<>`, `NOT IN`, `NOT LIKE`, `NOT BETWEEN`), which no index seeks
    /// whatever the form, columns of scratch data (`#temp` tables, table variables,
    /// temporary tables the file creates, CTEs, a T-SQL trigger's `inserted` / `deleted`)
    /// and of system catalogs and DMVs (`sys.*`, `INFORMATION_SCHEMA`, `pg_catalog`,
    /// `msdb`), which nobody indexes. Operands that are
    /// not columns are values: `@variables`, PL/pgSQL variables, parameters and `FOUND` /
    /// `TG_*`, record fields (`r.total`, `NEW.status`, `OLD.id`, `EXCLUDED.x`,
    /// `(rec).field`), array elements (`$2[i]`), typed literals (`DATE '2024-01-01'`),
    /// `format()` specifiers of dynamic SQL (`%I`, `%s`) and template placeholders.
    ///
    /// ## Why it matters
    /// An index stores the column's values, not the function's results: the optimizer
    /// cannot seek to `YEAR(CreatedDate) = 2025`, so it scans the whole index or table
    /// and evaluates the function on every row. Estimates suffer too, so joins and
    /// memory grants are planned for the wrong row counts.
    ///
    /// ## Example
    /// ```sql
    /// SELECT PaymentId, Amount FROM dbo.Payments
    /// WHERE YEAR(CreatedDate) = @Year AND ISNULL(Status, 0) = @Status;
    /// ```
    ///
    /// ## How to fix
    /// Leave the column bare and move the work to the other side: a range for dates
    /// (`CreatedDate >= @Start AND CreatedDate < DATEADD(year, 1, @Start)`), explicit
    /// NULL handling (`Status = @Status OR (Status IS NULL AND @Status = 0)`), a
    /// case-insensitive collation instead of `UPPER`. Where the expression is needed,
    /// index it: a computed column with an index (SQL Server) or an expression index
    /// (`CREATE INDEX ... ON users (lower(email))`, PostgreSQL).
    pub static NON_SARGABLE_PREDICATE = {
        name: "non-sargable-predicate",
        code: "SQL003",
        category: Category::Indexing,
        default_severity: Severity::Medium,
        summary: "A function, cast or arithmetic wrapped around a column in WHERE / ON",
    };
}

pub struct NonSargablePredicate;

impl SqlRule for NonSargablePredicate {
    fn meta(&self) -> &'static RuleMeta {
        &NON_SARGABLE_PREDICATE
    }

    fn check(&self, ctx: &SqlContext, out: &mut Vec<RawFinding>) {
        for (stmt, shape) in ctx.statements() {
            let toks = ctx.unit.stmt_tokens(stmt);
            let variables = ctx.variables(stmt);
            for clause in &shape.clauses {
                if !matches!(clause.kind, ClauseKind::Where | ClauseKind::On) {
                    continue;
                }
                for cmp in comparisons(toks, shape, clause.range.clone()) {
                    // `<>`, `NOT IN`, `NOT LIKE`, `NOT BETWEEN`: no index seeks a negation,
                    // whatever the operands, so unwrapping the column would gain nothing.
                    if cmp.op == CompareOp::NotEq || cmp.negated {
                        continue;
                    }
                    // A leading-wildcard LIKE cannot seek anyway: that rule reports it.
                    if cmp.op == CompareOp::Like
                        && pattern_starts_with_wildcard(&toks[cmp.right.clone()])
                    {
                        continue;
                    }
                    let left = read_operand(toks, shape, cmp.left.clone(), variables);
                    let mut sides = vec![cmp.left.clone()];
                    if cmp.op == CompareOp::Between {
                        // `@d BETWEEN a.Start AND a.End`: each bound on its own.
                        sides.extend(between_bounds(toks, cmp.right.clone()));
                    } else {
                        sides.push(cmp.right.clone());
                    }
                    let right_whole = read_operand(toks, shape, cmp.right.clone(), variables);
                    for side in sides {
                        let is_left = side.start < cmp.op_at;
                        let operand = read_operand(toks, shape, side.clone(), variables);
                        let other = if is_left { &right_whole } else { &left };
                        let operand = &operand;
                        // `c.Code = UPPER(o.CustCode)`: the other side is a bare column, which
                        // an index can seek with the computed value (a join or correlation).
                        if other.bare_column.is_some() {
                            continue;
                        }
                        // `DATEDIFF(minute, c.LastRun, GETDATE()) >= c.IntervalMinutes`:
                        // both sides read the same row, so there is no value to seek
                        // with before the row is read, whatever the form.
                        if reads_same_row(shape, clause.scope, operand, other) {
                            continue;
                        }
                        // `IN (...)` lists and LIKE patterns are values, not wrapped columns.
                        let is_value_side = side.start > cmp.op_at
                            && matches!(cmp.op, CompareOp::In | CompareOp::Like);
                        if is_value_side || !operand.wraps_column() {
                            continue;
                        }
                        let qualifiers: Vec<Option<&str>> = operand
                            .columns
                            .iter()
                            .map(|c| c.qualifier.as_deref())
                            .collect();
                        if !shape.columns_on_business_tables(
                            clause.scope,
                            &qualifiers,
                            &ctx.scratch_tables(stmt),
                        ) {
                            continue;
                        }
                        let operand = operand.clone();
                        let expression = excerpt(&toks[side.clone()], 120);
                        let snippet = excerpt(&toks[cmp.left.start..cmp.right.end], 160);
                        out.push(ctx.finding_at(
                            &NON_SARGABLE_PREDICATE,
                            stmt,
                            side.start,
                            message(&expression, &operand),
                            snippet,
                            advice(&toks[side]),
                        ));
                    }
                }
            }
        }
    }
}

/// Whether a column of `operand` and a column of `other` belong to the same source.
fn reads_same_row(shape: &QueryShape, scope: usize, operand: &Operand, other: &Operand) -> bool {
    let sources = |o: &Operand| -> Vec<usize> {
        o.columns
            .iter()
            .filter_map(|c| shape.resolve(scope, c.qualifier.as_deref()))
            .map(|s| s.at)
            .collect()
    };
    let mine = sources(operand);
    !mine.is_empty() && sources(other).iter().any(|at| mine.contains(at))
}

/// The two bounds of `x BETWEEN lo AND hi` (the AND at the top level).
fn between_bounds(toks: &[Tok], range: std::ops::Range<usize>) -> Vec<std::ops::Range<usize>> {
    let mut depth = 0usize;
    for i in range.clone() {
        let tok = &toks[i];
        if tok.is_punct("(") {
            depth += 1;
        } else if tok.is_punct(")") {
            depth = depth.saturating_sub(1);
        } else if depth == 0 && tok.is_kw("AND") {
            return vec![range.start..i, i + 1..range.end];
        }
    }
    vec![range]
}

fn message(expression: &str, operand: &Operand) -> String {
    let columns: Vec<&str> = operand.columns.iter().map(|c| c.column.as_str()).collect();
    format!(
        "`{expression}` wraps column `{}` in an expression, so an index on it cannot be used for a seek",
        columns.join("`, `")
    )
}

/// Advice for the function at the head of the expression.
fn advice(expression: &[Tok]) -> String {
    let head = expression
        .iter()
        .find(|t| t.is_identifier_like())
        .map(|t| t.text.to_ascii_uppercase())
        .unwrap_or_default();
    match head.as_str() {
        "YEAR" | "MONTH" | "DAY" | "DATEPART" | "DATENAME" | "DATEDIFF" | "DATEADD" | "DATE_TRUNC" | "EXTRACT" | "DATE_PART" | "EOMONTH" => {
            "Compare the bare column with a range: col >= @start AND col < @end".to_string()
        }
        "CONVERT" | "CAST" | "TRY_CONVERT" | "TRY_CAST" => {
            "Convert the value, not the column (or fix the column's type) so the comparison is on the bare column".to_string()
        }
        "ISNULL" | "COALESCE" | "NVL" | "IFNULL" => {
            "Handle NULL explicitly: col = @x OR (col IS NULL AND @x IS NULL)".to_string()
        }
        "UPPER" | "LOWER" | "LTRIM" | "RTRIM" | "TRIM" => {
            "Use a case-insensitive collation (SQL Server) or an expression index on the same expression (PostgreSQL lower(col))".to_string()
        }
        _ => "Keep the column bare: move the function or arithmetic to the other side, or index the expression (computed column / expression index)".to_string(),
    }
}
