//! The token walk that builds a statement's `QueryShape`: scopes, sources, aliases, clauses.

use super::names::{classify_name, read_name};
use super::{
    Clause, ClauseKind, Cte, QueryShape, Scope, ScopeContext, ScopeKind, Source, SourceKind,
    MAX_QUERY_NESTING,
};
use crate::sql::lex::{Tok, TokKind};
use crate::sql::tsql::strip_placeholders;

/// Words that end a table source (cannot be its alias) or start another clause.
const NOT_AN_ALIAS: &[&str] = &[
    "WHERE",
    "JOIN",
    "INNER",
    "LEFT",
    "RIGHT",
    "FULL",
    "CROSS",
    "OUTER",
    "ON",
    "GROUP",
    "ORDER",
    "HAVING",
    "UNION",
    "EXCEPT",
    "INTERSECT",
    "WITH",
    "SET",
    "OUTPUT",
    "OPTION",
    "FOR",
    "WHEN",
    "USING",
    "INTO",
    "VALUES",
    "SELECT",
    "FROM",
    "AS",
    "LIMIT",
    "OFFSET",
    "FETCH",
    "WINDOW",
    "PIVOT",
    "UNPIVOT",
    "APPLY",
    "NATURAL",
    "TABLESAMPLE",
    "INSERT",
    "UPDATE",
    "DELETE",
    "EXEC",
    "EXECUTE",
    "IF",
    "WHILE",
    "BEGIN",
    "END",
    "RETURN",
    "DECLARE",
    "ELSE",
    "LATERAL",
    "RETURNING",
    "MERGE",
    "PRINT",
    "RAISERROR",
    "THROW",
    "GOTO",
    "OPEN",
    "CLOSE",
    "DEALLOCATE",
    "TRUNCATE",
    "DROP",
    "CREATE",
    "ALTER",
    "COMMIT",
    "ROLLBACK",
    "DEFAULT",
    "LOOP",
    "THEN",
    "AND",
    "OR",
    "NOT",
];

const JOIN_WORDS: &[&str] = &["JOIN", "APPLY"];

/// Reads the shape of a statement's tokens.
pub fn analyze(toks: &[Tok]) -> QueryShape {
    let mut shape = QueryShape {
        matching: match_parens(toks),
        ..QueryShape::default()
    };
    let mut reader = Reader {
        toks,
        shape: &mut shape,
        depth: 0,
    };
    reader.region(0, toks.len(), ScopeContext::Statement, None);
    shape
}

fn match_parens(toks: &[Tok]) -> Vec<Option<usize>> {
    let mut matching = vec![None; toks.len()];
    let mut stack = Vec::new();
    for (i, tok) in toks.iter().enumerate() {
        if tok.is_punct("(") {
            stack.push(i);
        } else if tok.is_punct(")") {
            if let Some(open) = stack.pop() {
                matching[open] = Some(i);
                matching[i] = Some(open);
            }
        }
    }
    matching
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Clausing {
    None,
    Projection,
    From,
    Where,
    On,
    GroupBy,
    Having,
    OrderBy,
    Other,
}

struct Reader<'a, 'b> {
    toks: &'a [Tok],
    shape: &'b mut QueryShape,
    depth: usize,
}

impl Reader<'_, '_> {
    fn tok(&self, i: usize) -> Option<&Tok> {
        self.toks.get(i)
    }

    /// Index just past the group opened at `i` (or `i + 1` when unmatched).
    fn after_group(&self, i: usize) -> usize {
        self.shape.matching[i].map_or(i + 1, |c| c + 1)
    }

    /// Whether the parenthesised group at `open` holds a query.
    fn holds_query(&self, open: usize, end: usize) -> bool {
        let mut j = open + 1;
        while j < end && self.toks[j].is_punct("(") {
            j += 1;
        }
        self.tok(j)
            .is_some_and(|t| t.is_kw("SELECT") || (t.is_kw("WITH") && self.is_cte_list(j)))
    }

    fn is_cte_list(&self, with_at: usize) -> bool {
        let Some(name) = self.tok(with_at + 1) else {
            return false;
        };
        if !name.is_identifier_like()
            || name.is_kw("RECURSIVE")
                && !self
                    .tok(with_at + 2)
                    .is_some_and(|t| t.is_identifier_like())
        {
            return name.is_kw("RECURSIVE");
        }
        let mut j = with_at + 2;
        if name.is_kw("RECURSIVE") {
            j += 1;
        }
        if self.tok(j).is_some_and(|t| t.is_punct("(")) {
            j = self.after_group(j);
        }
        self.tok(j).is_some_and(|t| t.is_kw("AS"))
    }

    fn close_clause(&mut self, clause: Clausing, start: usize, end: usize, scope: Option<usize>) {
        let Some(scope) = scope else {
            return;
        };
        if start >= end {
            return;
        }
        let kind = match clause {
            Clausing::Where => ClauseKind::Where,
            Clausing::On => ClauseKind::On,
            Clausing::Having => ClauseKind::Having,
            Clausing::OrderBy => ClauseKind::OrderBy,
            Clausing::GroupBy => ClauseKind::GroupBy,
            Clausing::Projection => {
                self.shape.scopes[scope].projection = Some(start..end);
                return;
            }
            _ => return,
        };
        self.shape.clauses.push(Clause {
            kind,
            range: start..end,
            scope,
        });
    }

    fn new_scope(
        &mut self,
        kind: ScopeKind,
        at: usize,
        context: ScopeContext,
        parent: Option<usize>,
    ) -> usize {
        self.shape.scopes.push(Scope {
            kind,
            keyword_at: at,
            context,
            parent,
            projection: None,
            sources: Vec::new(),
            into: None,
            target: None,
        });
        self.shape.scopes.len() - 1
    }

    /// Reads tokens `lo..hi` at one parenthesis level. Returns the first scope created.
    fn region(
        &mut self,
        lo: usize,
        hi: usize,
        context: ScopeContext,
        parent: Option<usize>,
    ) -> Option<usize> {
        if self.depth >= MAX_QUERY_NESTING {
            self.shape.truncated = true;
            return None;
        }
        self.depth += 1;
        let first = self.region_at_level(lo, hi, context, parent);
        self.depth -= 1;
        first
    }

    fn region_at_level(
        &mut self,
        lo: usize,
        hi: usize,
        context: ScopeContext,
        parent: Option<usize>,
    ) -> Option<usize> {
        let mut i = lo;
        let mut first_scope: Option<usize> = None;
        let mut scope: Option<usize> = None;
        let mut clause = Clausing::None;
        let mut clause_start = lo;
        let mut expect_source = false;
        let mut saw_insert = false;
        let mut case_depth = 0usize;
        // A WITH list first.
        if self.tok(i).is_some_and(|t| t.is_kw("WITH")) && self.is_cte_list(i) {
            i = self.cte_list(i + 1, hi, parent);
        }
        while i < hi {
            let tok = &self.toks[i];
            if tok.is_punct("(") {
                let close = self.shape.matching[i]
                    .unwrap_or(hi.saturating_sub(1))
                    .min(hi);
                if self.holds_query(i, close) {
                    self.shape.subqueries.push(i..close + 1);
                    let prev = i.checked_sub(1).filter(|&p| p >= lo).map(|p| &self.toks[p]);
                    // `RETURN (SELECT ...)` of an inline table-valued function: a result set.
                    let is_return = prev.is_some_and(|p| p.is_kw("RETURN")) && i == lo + 1;
                    let sub_context = if expect_source {
                        ScopeContext::Derived
                    } else if is_return {
                        ScopeContext::Statement
                    } else if prev.is_some_and(|p| p.is_kw("EXISTS")) {
                        ScopeContext::Exists
                    } else if prev.is_some_and(|p| p.is_any_kw(&["IN", "ANY", "ALL", "SOME"])) {
                        ScopeContext::InSubquery
                    } else if saw_insert
                        && scope.is_some_and(|s| self.shape.scopes[s].kind == ScopeKind::Insert)
                    {
                        ScopeContext::InsertSource
                    } else {
                        ScopeContext::Scalar
                    };
                    let sub = self.region(i + 1, close, sub_context, scope.or(parent));
                    i = close + 1;
                    if expect_source {
                        if let (Some(sub), Some(owner)) = (sub, scope) {
                            let (alias, next) = self.read_alias(i, hi);
                            self.push_source(
                                owner,
                                SourceKind::Derived(sub),
                                String::new(),
                                alias,
                                i,
                            );
                            i = next;
                        }
                        expect_source = false;
                    }
                    continue;
                }
                // Expression parentheses: look inside for nested subqueries only.
                if close > i + 1 {
                    self.region(i + 1, close, ScopeContext::Scalar, scope.or(parent));
                }
                let is_values = self.tok(i + 1).is_some_and(|t| t.is_kw("VALUES"));
                i = close + 1;
                if expect_source {
                    if let (true, Some(owner)) = (is_values, scope) {
                        let (alias, next) = self.read_alias(i, hi);
                        self.push_source(owner, SourceKind::Values, String::new(), alias, i);
                        i = next;
                    }
                    expect_source = false;
                }
                continue;
            }
            if expect_source {
                if let Some(owner) = scope {
                    if tok.is_any_kw(&["LATERAL", "ONLY"]) {
                        i += 1;
                        continue;
                    }
                    if tok.is_identifier_like() && !tok.is_any_kw(NOT_AN_ALIAS)
                        || tok.kind == TokKind::Variable
                    {
                        i = self.table_source(owner, i, hi);
                        expect_source = false;
                        continue;
                    }
                }
                expect_source = false;
            }
            if tok.kind != TokKind::Word {
                if tok.is_punct(",") && clause == Clausing::From {
                    expect_source = true;
                }
                i += 1;
                continue;
            }
            let word = tok.text.to_ascii_uppercase();
            // `WHERE x >= CASE WHEN ... END`: a CASE's WHEN / FOR do not end the clause.
            if word == "CASE" {
                case_depth += 1;
            } else if word == "END" && case_depth > 0 {
                case_depth -= 1;
            }
            match word.as_str() {
                "SELECT" | "PERFORM" => {
                    self.close_clause(clause, clause_start, i, scope);
                    let ctx = if saw_insert {
                        ScopeContext::InsertSource
                    } else {
                        context
                    };
                    let s = self.new_scope(ScopeKind::Select, i, ctx, parent);
                    first_scope.get_or_insert(s);
                    scope = Some(s);
                    i = self.skip_select_modifiers(i + 1, hi);
                    clause = Clausing::Projection;
                    clause_start = i;
                    continue;
                }
                "INSERT" | "UPDATE" | "DELETE" | "MERGE" => {
                    // In MERGE, `WHEN MATCHED THEN UPDATE SET` is an action, not a scope.
                    let in_merge =
                        scope.is_some_and(|s| self.shape.scopes[s].kind == ScopeKind::Merge);
                    if !in_merge {
                        self.close_clause(clause, clause_start, i, scope);
                        let kind = match word.as_str() {
                            "INSERT" => ScopeKind::Insert,
                            "UPDATE" => ScopeKind::Update,
                            "DELETE" => ScopeKind::Delete,
                            _ => ScopeKind::Merge,
                        };
                        let s = self.new_scope(kind, i, context, parent);
                        first_scope.get_or_insert(s);
                        scope = Some(s);
                        saw_insert = kind == ScopeKind::Insert;
                        i = self.dml_target(s, i + 1, hi);
                        clause = if kind == ScopeKind::Merge {
                            Clausing::From
                        } else {
                            Clausing::Other
                        };
                        clause_start = i;
                        continue;
                    }
                }
                "FROM" if scope.is_some() => {
                    self.close_clause(clause, clause_start, i, scope);
                    clause = Clausing::From;
                    expect_source = true;
                    clause_start = i + 1;
                }
                "USING" if scope.is_some_and(|s| self.shape.scopes[s].kind == ScopeKind::Merge) => {
                    clause = Clausing::From;
                    expect_source = true;
                }
                "INTO" if clause == Clausing::Projection => {
                    self.close_clause(clause, clause_start, i, scope);
                    let mut target_at = i + 1;
                    // PL/pgSQL `INTO STRICT v`.
                    if self.tok(target_at).is_some_and(|t| t.is_kw("STRICT")) {
                        target_at += 1;
                    }
                    let (name, next) = read_name(self.toks, target_at, hi);
                    if let Some(s) = scope {
                        self.shape.scopes[s].into = Some(name);
                    }
                    clause = Clausing::Other;
                    i = next;
                    continue;
                }
                // PL/pgSQL `SELECT * FROM f(x) INTO a, b`: INTO may follow the FROM list;
                // its variables are not tables.
                "INTO" if scope.is_some_and(|s| self.shape.scopes[s].kind == ScopeKind::Select) => {
                    self.close_clause(clause, clause_start, i, scope);
                    let mut target_at = i + 1;
                    if self.tok(target_at).is_some_and(|t| t.is_kw("STRICT")) {
                        target_at += 1;
                    }
                    let (name, mut next) = read_name(self.toks, target_at, hi);
                    if let Some(s) = scope {
                        self.shape.scopes[s].into.get_or_insert(name);
                    }
                    while self.tok(next).is_some_and(|t| t.is_punct(",")) && next < hi {
                        next = read_name(self.toks, next + 1, hi).1.max(next + 1);
                    }
                    clause = Clausing::Other;
                    clause_start = next;
                    expect_source = false;
                    i = next;
                    continue;
                }
                w if JOIN_WORDS.contains(&w) && scope.is_some() => {
                    self.close_clause(clause, clause_start, i, scope);
                    clause = Clausing::From;
                    expect_source = true;
                }
                "ON" if matches!(clause, Clausing::From | Clausing::On) && scope.is_some() => {
                    self.close_clause(clause, clause_start, i, scope);
                    clause = Clausing::On;
                    clause_start = i + 1;
                }
                "WHERE" if scope.is_some() => {
                    self.close_clause(clause, clause_start, i, scope);
                    clause = Clausing::Where;
                    clause_start = i + 1;
                }
                "GROUP" | "ORDER"
                    if scope.is_some() && self.tok(i + 1).is_some_and(|t| t.is_kw("BY")) =>
                {
                    self.close_clause(clause, clause_start, i, scope);
                    clause = if word == "GROUP" {
                        Clausing::GroupBy
                    } else {
                        Clausing::OrderBy
                    };
                    clause_start = i + 2;
                    i += 2;
                    continue;
                }
                "HAVING" if scope.is_some() => {
                    self.close_clause(clause, clause_start, i, scope);
                    clause = Clausing::Having;
                    clause_start = i + 1;
                }
                "UNION" | "EXCEPT" | "INTERSECT" | "OPTION" | "LIMIT" | "OFFSET" | "RETURNING"
                | "OUTPUT" | "WINDOW" | "VALUES" | "SET" | "WHEN" | "FOR"
                    if scope.is_some() && case_depth == 0 =>
                {
                    self.close_clause(clause, clause_start, i, scope);
                    clause = Clausing::Other;
                    clause_start = i + 1;
                    if word == "UNION" || word == "EXCEPT" || word == "INTERSECT" {
                        saw_insert = saw_insert
                            && scope.is_some_and(|s| {
                                self.shape.scopes[s].context == ScopeContext::InsertSource
                            });
                    }
                }
                "WITH" if self.tok(i + 1).is_some_and(|t| t.is_punct("(")) => {
                    // Table hints and options: WITH (NOLOCK), WITH (RECOMPILE).
                    i = self.after_group(i + 1);
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
        self.close_clause(clause, clause_start, hi, scope);
        self.mark_target_aliases(first_scope);
        first_scope
    }

    /// `UPDATE a SET ... FROM dbo.T a`, `DELETE n FROM dbo.T n`: the target names an alias.
    fn mark_target_aliases(&mut self, from_scope: Option<usize>) {
        let Some(first) = from_scope else {
            return;
        };
        for s in first..self.shape.scopes.len() {
            let scope = &self.shape.scopes[s];
            if scope.kind == ScopeKind::Select {
                continue;
            }
            let Some(target) = scope.target.clone() else {
                continue;
            };
            let sources = scope.sources.clone();
            let Some((&target_source, others)) = sources.split_first() else {
                continue;
            };
            let aliased = others.iter().any(|&o| {
                self.shape.sources[o]
                    .alias
                    .as_deref()
                    .is_some_and(|a| a.eq_ignore_ascii_case(&target))
            });
            if aliased && self.shape.sources[target_source].name == target {
                self.shape.sources[target_source].kind = SourceKind::TargetAlias;
            }
        }
    }

    fn skip_select_modifiers(&self, mut i: usize, hi: usize) -> usize {
        while i < hi {
            let tok = &self.toks[i];
            if tok.is_any_kw(&["DISTINCT", "ALL"]) {
                i += 1;
            } else if tok.is_kw("ON") && self.tok(i + 1).is_some_and(|t| t.is_punct("(")) {
                // PostgreSQL DISTINCT ON (...)
                i = self.after_group(i + 1);
            } else if tok.is_kw("TOP") {
                i += 1;
                if self.tok(i).is_some_and(|t| t.is_punct("(")) {
                    i = self.after_group(i);
                } else {
                    i += 1;
                }
                while self
                    .tok(i)
                    .is_some_and(|t| t.is_any_kw(&["PERCENT", "WITH", "TIES"]))
                {
                    i += 1;
                }
            } else {
                break;
            }
        }
        i
    }

    /// `WITH a AS (...), b (x, y) AS (...)`: returns the index after the list.
    fn cte_list(&mut self, mut i: usize, hi: usize, parent: Option<usize>) -> usize {
        if self.tok(i).is_some_and(|t| t.is_kw("RECURSIVE")) {
            i += 1;
        }
        loop {
            let Some(name_tok) = self.tok(i).filter(|t| t.is_identifier_like()) else {
                return i;
            };
            let name = strip_placeholders(&name_tok.text);
            i += 1;
            let mut has_column_list = false;
            if self.tok(i).is_some_and(|t| t.is_punct("(")) {
                has_column_list = true;
                i = self.after_group(i);
            }
            if !self.tok(i).is_some_and(|t| t.is_kw("AS")) {
                return i;
            }
            i += 1;
            // PostgreSQL: AS [NOT] MATERIALIZED (
            while self
                .tok(i)
                .is_some_and(|t| t.is_any_kw(&["NOT", "MATERIALIZED"]))
            {
                i += 1;
            }
            if !self.tok(i).is_some_and(|t| t.is_punct("(")) {
                return i;
            }
            let close = self.shape.matching[i]
                .unwrap_or(hi.saturating_sub(1))
                .min(hi);
            let index = self.shape.ctes.len();
            self.shape.ctes.push(Cte {
                name,
                has_column_list,
                body: None,
            });
            self.shape.subqueries.push(i..close + 1);
            let body = self.region(i + 1, close, ScopeContext::CteBody(index), parent);
            self.shape.ctes[index].body = body;
            i = close + 1;
            if self.tok(i).is_some_and(|t| t.is_punct(",")) {
                i += 1;
                continue;
            }
            return i;
        }
    }

    fn push_source(
        &mut self,
        scope: usize,
        kind: SourceKind,
        name: String,
        alias: Option<String>,
        at: usize,
    ) {
        self.shape.sources.push(Source {
            kind,
            name,
            alias,
            at,
            scope,
        });
        let index = self.shape.sources.len() - 1;
        self.shape.scopes[scope].sources.push(index);
    }

    /// A table factor: `schema.table [AS] alias`, `#temp`, `@tv`, `dbo.fn(@x) f`.
    fn table_source(&mut self, scope: usize, at: usize, hi: usize) -> usize {
        let (name, mut i) = read_name(self.toks, at, hi);
        let mut kind = classify_name(&name, &self.toks[at]);
        if self.tok(i).is_some_and(|t| t.is_punct("(")) && i < hi {
            // Table-valued function: look inside its arguments for subqueries.
            let close = self.shape.matching[i]
                .unwrap_or(hi.saturating_sub(1))
                .min(hi);
            if close > i + 1 {
                self.region(i + 1, close, ScopeContext::Scalar, Some(scope));
            }
            i = close + 1;
            kind = SourceKind::Function;
        }
        if let SourceKind::Table = kind {
            if let Some(c) = self
                .shape
                .ctes
                .iter()
                .position(|c| c.name.eq_ignore_ascii_case(&name))
            {
                kind = SourceKind::Cte(c);
            }
        }
        let (alias, next) = self.read_alias(i, hi);
        self.push_source(scope, kind, name, alias, at);
        next
    }

    fn read_alias(&self, mut i: usize, hi: usize) -> (Option<String>, usize) {
        let had_as = self.tok(i).is_some_and(|t| t.is_kw("AS")) && i < hi;
        if had_as {
            i += 1;
        }
        match self.tok(i) {
            Some(t)
                if i < hi
                    && (t.kind == TokKind::QuotedIdent
                        || (t.kind == TokKind::Word && !t.is_any_kw(NOT_AN_ALIAS))) =>
            {
                let alias = strip_placeholders(&t.text);
                i += 1;
                // Derived-table column aliases: AS d (a, b).
                if self.tok(i).is_some_and(|t| t.is_punct("(")) && i < hi {
                    i = self.after_group(i);
                }
                (Some(alias), i)
            }
            _ => (None, i),
        }
    }

    /// The target of INSERT / UPDATE / DELETE / MERGE. Returns the index after it.
    fn dml_target(&mut self, scope: usize, mut i: usize, hi: usize) -> usize {
        if self.tok(i).is_some_and(|t| t.is_kw("TOP")) {
            i += 1;
            if self.tok(i).is_some_and(|t| t.is_punct("(")) {
                i = self.after_group(i);
            }
            while self.tok(i).is_some_and(|t| t.is_kw("PERCENT")) {
                i += 1;
            }
        }
        while self
            .tok(i)
            .is_some_and(|t| t.is_any_kw(&["INTO", "FROM", "ONLY"]))
            && i < hi
        {
            i += 1;
        }
        let Some(tok) = self.tok(i).filter(|_| i < hi) else {
            return i;
        };
        if !(tok.is_identifier_like() || tok.kind == TokKind::Variable)
            || tok.is_any_kw(NOT_AN_ALIAS)
        {
            return i;
        }
        let (name, next) = read_name(self.toks, i, hi);
        let kind = classify_name(&name, tok);
        self.shape.scopes[scope].target = Some(name.clone());
        let (alias, next) = self.read_alias(next, hi);
        self.push_source(scope, kind, name, alias, i);
        next
    }
}
