//! The shape of one statement, read from its tokens: the query scopes (each `SELECT`,
//! and each `UPDATE` / `DELETE` / `INSERT` / `MERGE`) with the context they sit in
//! (`EXISTS`, `IN`, derived table, CTE body, the statement's own result), their table
//! sources with aliases, the tables written, and the predicate / ORDER BY clause ranges.
//! Dialect-neutral: the same reading serves T-SQL, PL/pgSQL and plain SQL statements.

mod names;
mod reader;

use std::ops::Range;

use super::lex::Tok;
use super::tsql::strip_placeholders;

pub use names::{is_system_object, last_part, read_name, read_name_with};
pub use reader::analyze;

/// Where a query scope's rows go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeContext {
    /// The statement's own result: rows leave the statement.
    Statement,
    /// The source of an `INSERT ... SELECT`.
    InsertSource,
    Exists,
    InSubquery,
    Derived,
    CteBody(usize),
    Scalar,
}

impl ScopeContext {
    /// Rows of a scope in this context leave the statement (or land in a table).
    pub fn rows_leave(self) -> bool {
        matches!(self, ScopeContext::Statement | ScopeContext::InsertSource)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    Select,
    Insert,
    Update,
    Delete,
    Merge,
}

#[derive(Debug, Clone)]
pub struct Scope {
    pub kind: ScopeKind,
    /// Token index (within the statement) of the scope's keyword.
    pub keyword_at: usize,
    pub context: ScopeContext,
    pub parent: Option<usize>,
    /// `SELECT` list, between the select modifiers and `FROM` / `INTO` / the end.
    pub projection: Option<Range<usize>>,
    /// Indices in `QueryShape::sources`.
    pub sources: Vec<usize>,
    /// `SELECT ... INTO target` (a table in T-SQL, a variable in PL/pgSQL).
    pub into: Option<String>,
    /// The DML target (a table name or an alias of a source).
    pub target: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Table,
    TempTable,
    TableVariable,
    Cte(usize),
    Derived(usize),
    Function,
    /// `(VALUES (...), (...)) AS v (a, b)`: rows written in the code.
    Values,
    /// A DML target that is an alias of another source (`DELETE n FROM dbo.T n`).
    TargetAlias,
}

#[derive(Debug, Clone)]
pub struct Source {
    pub kind: SourceKind,
    /// Normalised name: quotes and placeholders removed, parts joined with `.`.
    pub name: String,
    pub alias: Option<String>,
    pub at: usize,
    pub scope: usize,
}

impl Source {
    /// Whether `qualifier` (an alias or a table name, last part) refers to this source.
    pub fn answers_to(&self, qualifier: &str) -> bool {
        match &self.alias {
            Some(alias) => alias.eq_ignore_ascii_case(qualifier),
            None => last_part(&self.name).eq_ignore_ascii_case(qualifier),
        }
    }

    pub fn is_real_table(&self) -> bool {
        self.kind == SourceKind::Table
    }

    /// Whether the source is a stored table of the application: a table (not a `#temp`
    /// table, table variable, CTE, derived table, function result or VALUES list), not a
    /// system catalog or DMV, not in PostgreSQL's `pg_temp` schema, and not a temporary
    /// table the file creates (`scratch`,
    /// lower-cased names from `SqlUnit::scratch_tables`). Only there can a rule's advice
    /// (an index, a column list) pay off; on scratch and system data it is noise.
    pub fn is_business_table(&self, scratch: &[String]) -> bool {
        let in_temp_schema = self
            .name
            .split('.')
            .rev()
            .nth(1)
            .is_some_and(|schema| schema.eq_ignore_ascii_case("pg_temp"));
        self.kind == SourceKind::Table
            && !is_system_object(&self.name)
            && !in_temp_schema
            && !scratch
                .iter()
                .any(|t| t.eq_ignore_ascii_case(last_part(&self.name)))
    }
}

#[derive(Debug, Clone)]
pub struct Cte {
    pub name: String,
    /// `WITH c (a, b) AS (...)`: the column list is explicit whatever the body says.
    pub has_column_list: bool,
    pub body: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClauseKind {
    Where,
    On,
    Having,
    OrderBy,
    GroupBy,
}

#[derive(Debug, Clone)]
pub struct Clause {
    pub kind: ClauseKind,
    pub range: Range<usize>,
    pub scope: usize,
}

#[derive(Debug, Default, Clone)]
pub struct QueryShape {
    pub scopes: Vec<Scope>,
    pub sources: Vec<Source>,
    pub ctes: Vec<Cte>,
    pub clauses: Vec<Clause>,
    /// Parenthesised groups (open..=close, as open..close+1) that hold a subquery.
    pub subqueries: Vec<Range<usize>>,
    /// Index of the matching parenthesis for every `(` and `)`.
    pub matching: Vec<Option<usize>>,
    /// Nesting beyond `MAX_QUERY_NESTING` was not read.
    pub truncated: bool,
}

/// Parenthesis / subquery nesting read at most (bounded stack on hostile input).
pub const MAX_QUERY_NESTING: usize = 128;

impl QueryShape {
    /// Resolves a qualifier (alias or table name) or, for an unqualified column, the
    /// single source of the scope, walking out through parent scopes.
    pub fn resolve(&self, scope: usize, qualifier: Option<&str>) -> Option<&Source> {
        let mut current = Some(scope);
        while let Some(s) = current {
            let scope_ref = &self.scopes[s];
            let sources = scope_ref
                .sources
                .iter()
                .map(|&i| &self.sources[i])
                .filter(|s| s.kind != SourceKind::TargetAlias);
            match qualifier {
                Some(q) => {
                    if let Some(found) = sources.clone().find(|src| src.answers_to(q)) {
                        return Some(found);
                    }
                }
                None => {
                    let all: Vec<&Source> = sources.collect();
                    return if all.len() == 1 { Some(all[0]) } else { None };
                }
            }
            current = scope_ref.parent;
        }
        None
    }

    /// Whether any of the columns (by qualifier, `None` for unqualified) can belong to a
    /// business table (`Source::is_business_table`) of the scope or its parents: the
    /// one source-kind test of the predicate rules.
    pub fn columns_on_business_tables(
        &self,
        scope: usize,
        qualifiers: &[Option<&str>],
        scratch: &[String],
    ) -> bool {
        let business = |s: &Source| s.is_business_table(scratch);
        qualifiers.iter().any(|qualifier| match qualifier {
            Some(q) => self.resolve(scope, Some(q)).is_some_and(business),
            None => self.unqualified_candidates(scope).into_iter().any(business),
        })
    }

    /// The sources an unqualified column of `scope` can belong to: those of the scope
    /// itself, or of the nearest enclosing scope that has any.
    pub fn unqualified_candidates(&self, scope: usize) -> Vec<&Source> {
        let mut current = Some(scope);
        while let Some(s) = current {
            let sources: Vec<&Source> = self.scopes[s]
                .sources
                .iter()
                .map(|&i| &self.sources[i])
                .filter(|src| src.kind != SourceKind::TargetAlias)
                .collect();
            if !sources.is_empty() {
                return sources;
            }
            current = self.scopes[s].parent;
        }
        Vec::new()
    }

    /// Whether an unqualified `column` of `scope` is a column of a PostgreSQL system
    /// catalog of that scope, told by the prefix every catalog puts on its column names
    /// (`pg_namespace.nspname`, `pg_class.relname`, `pg_attribute.attname`...). With
    /// several sources in scope an unqualified column resolves to none of them; the
    /// prefix settles it for the catalogs, which no one can index.
    pub fn is_catalog_column(&self, scope: usize, column: &str) -> bool {
        const PREFIXES: &[(&str, &str)] = &[
            ("pg_namespace", "nsp"),
            ("pg_class", "rel"),
            ("pg_attribute", "att"),
            ("pg_proc", "pro"),
            ("pg_type", "typ"),
            ("pg_index", "ind"),
            ("pg_constraint", "con"),
            ("pg_database", "dat"),
            ("pg_roles", "rol"),
            ("pg_authid", "rol"),
            ("pg_extension", "ext"),
            ("pg_trigger", "tg"),
            ("pg_tablespace", "spc"),
            ("pg_inherits", "inh"),
            ("pg_am", "am"),
            ("pg_opclass", "opc"),
            ("pg_language", "lan"),
        ];
        let column = column.to_ascii_lowercase();
        let mut current = Some(scope);
        while let Some(s) = current {
            let found = self.scopes[s].sources.iter().any(|&i| {
                let source = &self.sources[i];
                let table = last_part(&source.name).to_ascii_lowercase();
                source.kind == SourceKind::Table
                    && is_system_object(&source.name)
                    && PREFIXES
                        .iter()
                        .any(|(t, prefix)| table == *t && column.starts_with(prefix))
            });
            if found {
                return true;
            }
            current = self.scopes[s].parent;
        }
        false
    }

    /// Whether a star over `source` reads columns of a business table: the table itself,
    /// or a CTE / derived table whose own select list reaches one through a star.
    pub fn star_reaches_business_table(
        &self,
        source: &Source,
        toks: &[Tok],
        scratch: &[String],
    ) -> bool {
        self.reaches_business(source, toks, scratch, 0)
    }

    fn reaches_business(
        &self,
        source: &Source,
        toks: &[Tok],
        scratch: &[String],
        depth: usize,
    ) -> bool {
        if depth > 16 {
            return false;
        }
        let body = match source.kind {
            SourceKind::Table => return source.is_business_table(scratch),
            SourceKind::Cte(c) if !self.ctes[c].has_column_list => self.ctes[c].body,
            SourceKind::Derived(b) => Some(b),
            _ => None,
        };
        let Some(body) = body else {
            return false;
        };
        let scope = &self.scopes[body];
        let Some(projection) = scope.projection.clone() else {
            return false;
        };
        self.star_positions(projection, toks).iter().any(|star| {
            let covered: Vec<&Source> = match star.qualifier.as_deref() {
                Some(q) => self.resolve(body, Some(q)).into_iter().collect(),
                None => scope.sources.iter().map(|&i| &self.sources[i]).collect(),
            };
            covered
                .iter()
                .any(|s| self.reaches_business(s, toks, scratch, depth + 1))
        })
    }

    /// The `*` and `alias.*` items of a select list (not `COUNT(*)`, not `a * b`).
    pub fn star_positions(&self, projection: Range<usize>, toks: &[Tok]) -> Vec<Star> {
        let mut stars = Vec::new();
        let mut i = projection.start;
        while i < projection.end {
            let tok = &toks[i];
            if tok.is_punct("(") {
                i = self.matching[i].map_or(i + 1, |c| c + 1);
                continue;
            }
            if tok.is_punct("*") {
                let prev = i
                    .checked_sub(1)
                    .filter(|&p| p >= projection.start)
                    .map(|p| &toks[p]);
                match prev {
                    None => stars.push(Star {
                        at: i,
                        qualifier: None,
                    }),
                    Some(p) if p.is_punct(",") => stars.push(Star {
                        at: i,
                        qualifier: None,
                    }),
                    // `(rec).*`, `(f(x)).*`: the fields of one composite value, whose
                    // type fixes them; not every column of a table.
                    Some(p)
                        if p.is_punct(".")
                            && i.checked_sub(2)
                                .filter(|&q| q >= projection.start)
                                .is_some_and(|q| toks[q].is_punct(")")) => {}
                    Some(p) if p.is_punct(".") => {
                        let qualifier = i
                            .checked_sub(2)
                            .filter(|&q| q >= projection.start)
                            .map(|q| &toks[q])
                            .filter(|q| q.is_identifier_like())
                            .map(|q| strip_placeholders(&q.text));
                        stars.push(Star { at: i, qualifier });
                    }
                    _ => {}
                }
            }
            i += 1;
        }
        stars
    }
}

#[derive(Debug, Clone)]
pub struct Star {
    pub at: usize,
    pub qualifier: Option<String>,
}
