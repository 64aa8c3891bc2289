//! The SQL rules: one file each, each with its documentation in its doc comment.

pub mod leading_wildcard_like;
pub mod non_sargable_predicate;
pub mod row_by_row_loop;
pub mod select_star;

use super::query::QueryShape;
use super::unit::{SqlUnit, Stmt};
use crate::model::{Confidence, RelatedLocation};
use crate::rules::RuleMeta;

/// A finding as a rule produces it, before configuration, suppression and fingerprint.
#[derive(Debug, Clone)]
pub struct RawFinding {
    pub rule: &'static RuleMeta,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    /// The first line of the statement, where a `dbaudit:ignore` may also stand.
    pub statement_line: u32,
    pub object: Option<String>,
    pub message: String,
    pub snippet: String,
    pub related: Vec<RelatedLocation>,
    pub recommendation: String,
    /// How sure the rule is, and why not fully (see `model::Confidence`).
    pub confidence: Confidence,
    /// For a finding that holds only where an index exists: what the scan's catalogue of
    /// declared indexes must hold, checked after every file is read.
    pub index_check: Option<super::declared_index::IndexCheck>,
}

/// What a rule sees: the file's structure and the shape of each statement.
pub struct SqlContext<'a> {
    pub unit: &'a SqlUnit,
    /// One per statement, same order as `unit.statements`.
    pub shapes: &'a [QueryShape],
}

impl SqlContext<'_> {
    pub fn statements(&self) -> impl Iterator<Item = (&Stmt, &QueryShape)> {
        self.unit.statements.iter().zip(self.shapes.iter())
    }

    /// Lower-cased variable names of the statement's object (PL/pgSQL).
    pub fn variables(&self, stmt: &Stmt) -> &[String] {
        stmt.object
            .and_then(|o| self.unit.objects.get(o))
            .map_or(&[], |o| o.variables.as_slice())
    }

    /// A statement of a script outside any procedure, function, view or trigger, with no
    /// bind parameter (`$1`, `?`, `:name`): run by hand or once (a look at the data, a
    /// migration step), not code the application runs again and again. Never true for
    /// SQL embedded in application code, which is exactly what the application runs.
    pub fn is_script_statement(&self, stmt: &Stmt) -> bool {
        !self.unit.from_application
            && stmt.object.is_none()
            && !self
                .unit
                .stmt_tokens(stmt)
                .iter()
                .any(|t| t.kind == super::lex::TokKind::Placeholder)
    }

    /// The names that are scratch data for `stmt`: the temporary tables the file creates,
    /// and in a T-SQL trigger its pseudo-tables `inserted` and `deleted` (the rows the
    /// triggering statement changed, held in memory: no index to build on them).
    pub fn scratch_tables(&self, stmt: &Stmt) -> std::borrow::Cow<'_, [String]> {
        let in_tsql_trigger = self.unit.dialect == crate::sql::SqlDialect::Tsql
            && stmt
                .object
                .and_then(|o| self.unit.objects.get(o))
                .is_some_and(|o| o.kind == crate::model::ObjectKind::Trigger);
        if !in_tsql_trigger {
            return std::borrow::Cow::Borrowed(self.unit.scratch_tables.as_slice());
        }
        let mut names = self.unit.scratch_tables.clone();
        names.extend(["inserted".to_string(), "deleted".to_string()]);
        std::borrow::Cow::Owned(names)
    }

    /// A finding located at token `at` of `stmt`.
    pub fn finding_at(
        &self,
        rule: &'static RuleMeta,
        stmt: &Stmt,
        at: usize,
        message: String,
        snippet: String,
        recommendation: String,
    ) -> RawFinding {
        let toks = self.unit.stmt_tokens(stmt);
        let tok = &toks[at.min(toks.len().saturating_sub(1))];
        let statement_line = toks.first().map_or(tok.line, |t| t.line);
        RawFinding {
            rule,
            line: tok.line,
            column: tok.col,
            end_line: toks.last().map_or(tok.end_line, |t| t.end_line),
            statement_line,
            object: self.unit.object_name(stmt.object).map(str::to_string),
            message,
            snippet,
            related: Vec::new(),
            recommendation,
            confidence: Confidence::high(),
            index_check: None,
        }
    }
}

pub trait SqlRule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, ctx: &SqlContext, out: &mut Vec<RawFinding>);
}

pub static ALL: &[&dyn SqlRule] = &[
    &select_star::SelectStar,
    &row_by_row_loop::RowByRowLoop,
    &non_sargable_predicate::NonSargablePredicate,
    &leading_wildcard_like::LeadingWildcardLike,
];

/// Runs the enabled SQL rules (all, or only the named ones) over a parsed unit.
pub fn run(
    unit: &super::SqlUnit,
    config: &crate::config::Config,
    only: Option<&[&str]>,
) -> Vec<RawFinding> {
    let shapes: Vec<QueryShape> = unit
        .statements
        .iter()
        .map(|s| super::query::analyze(unit.stmt_tokens(s)))
        .collect();
    let ctx = SqlContext {
        unit,
        shapes: &shapes,
    };
    let mut raw = Vec::new();
    for rule in ALL {
        let name = rule.meta().name;
        if config.is_enabled(name) && only.is_none_or(|names| names.contains(&name)) {
            rule.check(&ctx, &mut raw);
        }
    }
    raw
}
