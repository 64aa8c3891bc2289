//! `leading-wildcard-like`: `LIKE '%...'` and `LIKE '%' + @x` on a column.

use super::{RawFinding, SqlContext, SqlRule};
use crate::declare_rule;
use crate::model::{Category, ConfidenceLevel, Severity};
use crate::rules::RuleMeta;
use crate::sql::predicate::{
    comparisons, negated_groups, pattern_is_literal, pattern_starts_with_wildcard, read_operand,
    under_negated_group, CompareOp,
};
use crate::sql::query::ClauseKind;
use crate::sql::unit::excerpt;

declare_rule! {
    /// ## What it finds
    /// A `LIKE` (or `ILIKE`) on a column in `WHERE`, `JOIN ... ON` or `HAVING` whose
    /// pattern starts with a wildcard: a literal `'%...'` or `'_...'`, or a pattern built
    /// with a leading `'%'` (`'%' + @x`, `'%' || p_name`, `CONCAT('%', @x)`). `NOT LIKE`
    /// is not reported: it cannot seek whatever the pattern, so the wildcard is not the
    /// cause; nor is a `LIKE` inside a negated group (`NOT (a.Name LIKE '%x%' AND ...)`),
    /// for the same reason. Nor are columns of scratch data (`#temp` tables, table variables,
    /// temporary tables the file creates, CTEs, derived tables) or of system catalogs and
    /// DMVs, which nobody indexes, nor searches that run only under a debug flag. A
    /// statement at the top level of a script (outside any object, without bind
    /// parameters) is reported with medium confidence: it may run once, by hand. So is a
    /// fixed pattern, one string literal written in a `.sql` file (`Name LIKE '%Admin%'`,
    /// `Account LIKE '%H'`) outside a trigger: it picks a category of rows (a report, a
    /// lookup), not a search a user types, and whether its scan matters depends on the
    /// table's size and how often the code runs, which the scan cannot tell. In a trigger
    /// the statement runs on every write of its table, so a fixed pattern there stays
    /// high; in SQL embedded in application code a literal may hold an interpolated
    /// value, so it stays high too.
    ///
    /// ## Why it matters
    /// A B-tree index is ordered by the column's leading characters; a pattern that
    /// starts with `%` can match anywhere, so the index cannot seek and every row of the
    /// table (or index) is read and compared. On a large table this is a full scan per
    /// call, with CPU spent on string matching.
    ///
    /// ## Example
    /// ```sql
    /// SELECT UserId, Email FROM dbo.UserLogin WHERE Email LIKE '%' + @Search + '%';
    /// ```
    ///
    /// ## How to fix
    /// Search by prefix where the product allows it (`LIKE @Search + '%'` can seek).
    /// For contains-search, use full-text search (SQL Server `CONTAINS`, PostgreSQL
    /// `tsvector`) or a trigram index (`pg_trgm` with GIN) on PostgreSQL.
    pub static LEADING_WILDCARD_LIKE = {
        name: "leading-wildcard-like",
        code: "SQL004",
        category: Category::Indexing,
        default_severity: Severity::Medium,
        summary: "LIKE pattern starting with a wildcard: the index cannot seek",
    };
}

pub struct LeadingWildcardLike;

impl SqlRule for LeadingWildcardLike {
    fn meta(&self) -> &'static RuleMeta {
        &LEADING_WILDCARD_LIKE
    }

    fn check(&self, ctx: &SqlContext, out: &mut Vec<RawFinding>) {
        for (stmt, shape) in ctx.statements() {
            // Diagnostic output under a debug flag is not the object's work.
            if ctx.unit.is_debug_only(stmt) {
                continue;
            }
            let toks = ctx.unit.stmt_tokens(stmt);
            let variables = ctx.variables(stmt);
            let in_trigger = stmt
                .object
                .and_then(|o| ctx.unit.objects.get(o))
                .is_some_and(|o| o.kind == crate::model::ObjectKind::Trigger);
            for clause in &shape.clauses {
                if !matches!(
                    clause.kind,
                    ClauseKind::Where | ClauseKind::On | ClauseKind::Having
                ) {
                    continue;
                }
                let negated = negated_groups(toks, shape, clause.range.clone());
                for cmp in comparisons(toks, shape, clause.range.clone()) {
                    // NOT LIKE, or a LIKE under NOT ( ... ), cannot seek whatever its
                    // pattern: the wildcard is not the cause.
                    if cmp.op != CompareOp::Like
                        || cmp.negated
                        || under_negated_group(&negated, cmp.op_at)
                        || !pattern_starts_with_wildcard(&toks[cmp.right.clone()])
                    {
                        continue;
                    }
                    let left = read_operand(toks, shape, cmp.left.clone(), variables);
                    if !left.has_column() {
                        continue;
                    }
                    // Scratch data (#temp, table variables, CTEs), system catalogs and
                    // DMVs: no index to build, nothing to act on.
                    let qualifiers: Vec<Option<&str>> = left
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
                    let column = left.columns[0].column.clone();
                    let snippet = excerpt(&toks[cmp.left.start..cmp.right.end], 160);
                    let mut finding = ctx.finding_at(
                        &LEADING_WILDCARD_LIKE,
                        stmt,
                        cmp.op_at,
                        format!("`{snippet}`: the pattern starts with a wildcard, so no index on `{column}` can be used for a seek"),
                        snippet,
                        "Search by prefix (LIKE @x + '%'), or use full-text search / a trigram index for contains-search".to_string(),
                    );
                    // One scan by hand or in a migration step costs once, not per call.
                    if ctx.is_script_statement(stmt) {
                        finding.confidence.lower(
                            ConfidenceLevel::Medium,
                            "a statement at the top level of a script, outside any procedure, function or view: it may run once, by hand",
                        );
                    }
                    // `Name LIKE '%Admin%'`: a category of rows chosen by the code's
                    // author, not a search; the scan's cost depends on the table's size.
                    if !ctx.unit.from_application
                        && !in_trigger
                        && pattern_is_literal(&toks[cmp.right.clone()])
                    {
                        finding.confidence.lower(
                            ConfidenceLevel::Medium,
                            "a fixed pattern written in the code, not a value a user searches with: it picks a category of rows (a report, a lookup), and whether the scan matters depends on the table's size, which the scan cannot tell",
                        );
                    }
                    out.push(finding);
                }
            }
        }
    }
}
