//! What a loop iterates and what its body does, read from the statement model: the
//! question `row-by-row-loop` asks ("is this a loop over business-table rows whose body
//! does per-row work one set-based statement could do?") split in its parts, so that
//! maintenance loops (per database, index, partition, role, catalog row), retry and wait
//! loops, counters and batching loops can be told apart from row-by-row processing.

use super::declared_index::split_top_level;
use super::lex::{Tok, TokKind};
use super::predicate::{comparisons, CompareOp};
use super::query::{
    is_system_object, last_part, ClauseKind, QueryShape, Scope, ScopeKind, Source, SourceKind,
};
use super::unit::{LoopInfo, LoopKind, SqlUnit, Stmt, StmtKind};
use super::SqlDialect;

/// What the loop walks, from its cursor / `FOR` query, its `WHILE` condition, or the
/// row its body reads each round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Iterates {
    /// Rows of at least one persistent table that is not a system catalog.
    TableRows,
    /// Rows of system catalogs and DMVs (databases, indexes, partitions, roles...):
    /// per-object administration.
    CatalogRows,
    /// Rows of `#temp` tables or table variables only.
    ScratchRows,
    /// Values written in or computed by the code: an array, `VALUES`, a function's
    /// result, a JSON document, a string split.
    Values,
    /// A counter: a `WHILE` that reads no table, a `FOR i IN 1..n`.
    Counter,
    /// A chain of rows, each found by a column of the one before: `SELECT @parent =
    /// ParentId FROM dbo.Packages WHERE PackageId = @current` then `SET @current =
    /// @parent`. The loop climbs a hierarchy (parent packages, owners, managers) one
    /// level per round: as many rounds as the hierarchy is deep, not one per table row.
    Chain,
    /// A query built at run time (`FOR r IN EXECUTE ...`, `OPEN c FOR EXECUTE`).
    DynamicQuery,
    /// A cursor whose query is not visible here (a cursor variable, a refcursor).
    Unknown,
}

/// Work in the body that marks the loop as administration, waiting or dynamic code:
/// it must run once per object or per round, and no set-based statement replaces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Administration {
    /// `EXEC (@sql)`, `sp_executesql`, `EXEC @proc_name`, PL/pgSQL `EXECUTE`.
    DynamicSql,
    /// `CREATE`, `ALTER`, `DROP`, `TRUNCATE`, `GRANT`, `REVOKE`, `DENY` on a persistent object.
    Ddl,
    /// `BACKUP`, `RESTORE`, `DBCC`, `UPDATE STATISTICS`, `VACUUM`, `ANALYZE`, `KILL`...
    Maintenance,
    /// A system procedure (`sp_*`, `xp_*`, `sys.*`, `msdb` / `master` procedures).
    SystemProcedure,
    /// `WAITFOR`, `pg_sleep`: a retry, wait or polling loop.
    Wait,
    /// Service Broker `RECEIVE` / `SEND` / conversations, one message per round.
    Messaging,
    /// `dblink` calls: work on another server per round.
    Remote,
    /// A file read per round: an extended-event, trace or audit file
    /// (`sys.fn_xe_file_target_read_file(@path, ...)`, `fn_trace_gettable`,
    /// `fn_get_audit_file`) or `OPENROWSET(BULK @path ...)`: one file per round.
    FileRead,
}

impl Administration {
    pub fn describe(self) -> &'static str {
        match self {
            Administration::DynamicSql => "runs dynamic SQL",
            Administration::Ddl => "runs DDL or permission statements",
            Administration::Maintenance => "runs maintenance commands",
            Administration::SystemProcedure => "calls system procedures",
            Administration::Wait => "waits between rounds",
            Administration::Messaging => "exchanges Service Broker messages",
            Administration::Remote => "works on a remote server",
            Administration::FileRead => "reads a file per round",
        }
    }
}

/// Per-row work of one body statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// INSERT / UPDATE / DELETE / MERGE on a persistent table, one row or key per round.
    Dml,
    /// A query that reads a persistent table.
    Query,
    /// A call of a user procedure or function: what it does is not visible here.
    Call,
}

/// What one statement of a loop body is, for the loop's classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementRole {
    Admin(Administration),
    Work(Work),
    /// Nothing that reaches a persistent table: variables, scratch tables, catalogs,
    /// cursor handling, a bounded batch (`DELETE TOP (1000)`).
    None,
}

#[derive(Debug, Clone)]
pub struct LoopClass {
    pub iterates: Iterates,
    /// The first administrative statement in the body (any nesting depth).
    pub admin: Option<(usize, Administration)>,
    /// Statements of the loop's own body (not of nested loops) that do per-row work.
    pub per_row: Vec<(usize, Work)>,
}

impl LoopClass {
    pub fn has_data_work(&self) -> bool {
        self.per_row
            .iter()
            .any(|(_, w)| matches!(w, Work::Dml | Work::Query))
    }

    pub fn has_dml(&self) -> bool {
        self.per_row.iter().any(|(_, w)| *w == Work::Dml)
    }
}

/// Classifies every loop of the unit (same order as `unit.loops`).
pub fn classify_loops(unit: &SqlUnit, shapes: &[QueryShape]) -> Vec<LoopClass> {
    let mut own: Vec<Vec<usize>> = vec![Vec::new(); unit.loops.len()];
    let mut all: Vec<Vec<usize>> = vec![Vec::new(); unit.loops.len()];
    for (index, stmt) in unit.statements.iter().enumerate() {
        if let Some(&innermost) = stmt.loops.last() {
            if let Some(body) = own.get_mut(innermost) {
                body.push(index);
            }
        }
        for &l in &stmt.loops {
            if let Some(body) = all.get_mut(l) {
                body.push(index);
            }
        }
    }
    if unit.loops.is_empty() {
        return Vec::new();
    }
    // Only statements inside a loop need a role; the conditions of `WHILE` loops are
    // found by their first token.
    let roles: Vec<StatementRole> = unit
        .statements
        .iter()
        .zip(shapes)
        .map(|(stmt, shape)| {
            if stmt.loops.is_empty() {
                StatementRole::None
            } else {
                statement_role(unit, stmt, shape)
            }
        })
        .collect();
    let conditions: std::collections::HashMap<usize, usize> = unit
        .statements
        .iter()
        .enumerate()
        .filter(|(_, s)| s.kind == StmtKind::Condition)
        .map(|(i, s)| (s.range.start, i))
        .collect();
    unit.loops
        .iter()
        .enumerate()
        .map(|(index, info)| {
            let admin = all[index]
                .iter()
                .filter(|&&i| Some(i) != info.source)
                .find_map(|&i| match roles[i] {
                    StatementRole::Admin(a) => Some((i, a)),
                    _ => None,
                });
            let per_row = own[index]
                .iter()
                .filter(|&&i| Some(i) != info.source)
                .filter_map(|&i| match roles[i] {
                    StatementRole::Work(w) => Some((i, w)),
                    _ => None,
                })
                .collect();
            LoopClass {
                iterates: iterates(unit, shapes, info, &own[index], &conditions),
                admin,
                per_row,
            }
        })
        .collect()
}

fn iterates(
    unit: &SqlUnit,
    shapes: &[QueryShape],
    info: &LoopInfo,
    body: &[usize],
    conditions: &std::collections::HashMap<usize, usize>,
) -> Iterates {
    match info.kind {
        LoopKind::ForEach => Iterates::Values,
        LoopKind::ForRange => Iterates::Counter,
        LoopKind::CursorWhile | LoopKind::ForQuery | LoopKind::ForCursor | LoopKind::Loop => {
            match info.source {
                Some(source) => {
                    let stmt = &unit.statements[source];
                    if stmt.kind == StmtKind::Exec {
                        Iterates::DynamicQuery
                    } else {
                        rows_of(&shapes[source]).unwrap_or(Iterates::Values)
                    }
                }
                None => Iterates::Unknown,
            }
        }
        LoopKind::While => {
            // The condition (`WHILE EXISTS (SELECT ... FROM t)`), then the rows the body
            // reads into variables each round (`SELECT TOP (1) @id = id FROM t ...`).
            let condition = conditions.get(&(info.start + 1)).copied();
            if let Some(rows) = condition.and_then(|c| rows_of(&shapes[c])) {
                return rows;
            }
            if body
                .iter()
                .any(|&i| is_chain_step(unit, &unit.statements[i], &shapes[i], body))
            {
                return Iterates::Chain;
            }
            let mut found: Option<Iterates> = None;
            for &i in body {
                let stmt = &unit.statements[i];
                if !reads_into_variables(unit, stmt, &shapes[i]) {
                    continue;
                }
                match rows_of(&shapes[i]) {
                    Some(Iterates::TableRows) => return Iterates::TableRows,
                    Some(Iterates::CatalogRows) => found = Some(Iterates::CatalogRows),
                    Some(other) if found.is_none() => found = Some(other),
                    _ => {}
                }
            }
            found.unwrap_or(Iterates::Counter)
        }
    }
}

/// What rows a query reads: catalogs win (a loop that touches any is administration),
/// then persistent tables, then scratch tables. None when it reads no table at all.
fn rows_of(shape: &QueryShape) -> Option<Iterates> {
    let mut tables = false;
    let mut scratch = false;
    for source in &shape.sources {
        match source.kind {
            SourceKind::Table | SourceKind::Function if is_system_object(&source.name) => {
                return Some(Iterates::CatalogRows);
            }
            SourceKind::Table => tables = true,
            SourceKind::TempTable | SourceKind::TableVariable => scratch = true,
            _ => {}
        }
    }
    if tables {
        Some(Iterates::TableRows)
    } else if scratch {
        Some(Iterates::ScratchRows)
    } else {
        None
    }
}

/// `SELECT @a = x, @b = y FROM ... WHERE id > @a` (T-SQL), `SELECT ... INTO v FROM ...
/// WHERE ...` (PL/pgSQL), `SET @a = (SELECT ... WHERE k = @k)`: the statement fetches a row
/// into variables, picked by a variable (the key of the previous round, a counter). A
/// query filtered by constants only (`SELECT @c = COUNT(*) FROM t WHERE x > 1000`) runs
/// the same work each round: it does not walk rows.
fn reads_into_variables(unit: &SqlUnit, stmt: &Stmt, shape: &QueryShape) -> bool {
    let toks = unit.stmt_tokens(stmt);
    if !filters_by_variable(unit, stmt, toks, shape) {
        return false;
    }
    match stmt.kind {
        StmtKind::Set => !shape.sources.is_empty(),
        StmtKind::Select => shape.scopes.first().is_some_and(|scope| {
            let assigns = scope.projection.as_ref().is_some_and(|p| {
                toks.get(p.start)
                    .is_some_and(|t| t.kind == TokKind::Variable)
                    && toks.get(p.start + 1).is_some_and(|t| t.is_punct("="))
            });
            let into_variable = scope
                .into
                .as_deref()
                .is_some_and(|name| !name.starts_with('#'));
            assigns || (unit.dialect == SqlDialect::Postgres && into_variable)
        }),
        _ => false,
    }
}

/// `SELECT @parent = ParentId FROM t WHERE Id = @current` (T-SQL): the statement
/// assigns a variable from one column of a persistent table, filtered by another column
/// compared with `=` to a variable, and the assigned variable becomes the filter's on the
/// next round (the same variable, or `SET @current = @parent` in the loop's `body`).
/// Walking keys in order (`SELECT TOP (1) @id = id ... WHERE id > @id`) is not a chain:
/// the assigned column is the compared one.
fn is_chain_step(unit: &SqlUnit, stmt: &Stmt, shape: &QueryShape, body: &[usize]) -> bool {
    if unit.dialect != SqlDialect::Tsql
        || stmt.kind != StmtKind::Select
        || rows_of(shape) != Some(Iterates::TableRows)
    {
        return false;
    }
    let toks = unit.stmt_tokens(stmt);
    let Some(projection) = shape.scopes.first().and_then(|s| s.projection.clone()) else {
        return false;
    };
    // `@v = [alias.]column` items of the projection.
    let assigned: Vec<(String, String)> = split_top_level(&toks[projection])
        .into_iter()
        .filter_map(|item| match item {
            [v, eq, rest @ ..] if v.kind == TokKind::Variable && eq.is_punct("=") => {
                single_column(rest).map(|c| (v.text.to_ascii_lowercase(), c))
            }
            _ => None,
        })
        .collect();
    if assigned.is_empty() {
        return false;
    }
    // `column = @v` / `@v = column` in the WHERE clause.
    let variable = |side: &[Tok]| match side {
        [v] if v.kind == TokKind::Variable => Some(v.text.to_ascii_lowercase()),
        _ => None,
    };
    let keys: Vec<(String, String)> = shape
        .clauses
        .iter()
        .filter(|c| c.kind == ClauseKind::Where)
        .flat_map(|c| comparisons(toks, shape, c.range.clone()))
        .filter(|cmp| cmp.op == CompareOp::Eq && !cmp.negated)
        .filter_map(|cmp| {
            let (left, right) = (&toks[cmp.left.clone()], &toks[cmp.right.clone()]);
            match (single_column(left), variable(right)) {
                (Some(column), Some(v)) => Some((column, v)),
                _ => Some((single_column(right)?, variable(left)?)),
            }
        })
        .collect();
    let passes_on = |from: &str, to: &str| {
        from == to
            || body.iter().any(|&i| {
                let s = &unit.statements[i];
                s.kind == StmtKind::Set
                    && matches!(unit.stmt_tokens(s), [set, a, eq, b, ..]
                        if set.is_kw("SET") && eq.is_punct("=")
                            && a.text.eq_ignore_ascii_case(to) && b.text.eq_ignore_ascii_case(from))
            })
    };
    assigned.iter().any(|(var, column)| {
        keys.iter()
            .any(|(key, filter_var)| key != column && passes_on(var, filter_var))
    })
}

/// `col`, `[col]`, `alias.col`: the column's name, lower-cased.
fn single_column(toks: &[Tok]) -> Option<String> {
    let name = match toks {
        [c] => c,
        [_, dot, c] if dot.is_punct(".") => c,
        _ => return None,
    };
    (name.is_identifier_like() && name.kind != TokKind::Variable).then(|| {
        name.text
            .trim_matches(|c| c == '[' || c == ']')
            .to_ascii_lowercase()
    })
}

fn filters_by_variable(unit: &SqlUnit, stmt: &Stmt, toks: &[Tok], shape: &QueryShape) -> bool {
    let variables = stmt
        .object
        .and_then(|o| unit.objects.get(o))
        .map_or(&[][..], |o| o.variables.as_slice());
    shape
        .clauses
        .iter()
        .filter(|c| matches!(c.kind, ClauseKind::Where | ClauseKind::On))
        .flat_map(|c| toks.get(c.range.clone()).unwrap_or(&[]))
        .any(|t| {
            (t.kind == TokKind::Variable && !t.text.starts_with("@@"))
                || (unit.dialect == SqlDialect::Postgres
                    && t.kind == TokKind::Word
                    && variables.iter().any(|v| t.text.eq_ignore_ascii_case(v)))
        })
}

/// What one statement is, as loop-body work.
pub fn statement_role(unit: &SqlUnit, stmt: &Stmt, shape: &QueryShape) -> StatementRole {
    let toks = unit.stmt_tokens(stmt);
    if let Some(admin) = administration(unit.dialect, toks, shape) {
        return StatementRole::Admin(admin);
    }
    match stmt.kind {
        StmtKind::Fetch
        | StmtKind::Open
        | StmtKind::Close
        | StmtKind::DeclareCursor
        | StmtKind::LoopSource => return StatementRole::None,
        StmtKind::Exec if !reads_tables(shape) => {
            return if calls_user_code(unit.dialect, toks) {
                StatementRole::Work(Work::Call)
            } else {
                StatementRole::None
            };
        }
        _ => {}
    }
    // `INSERT INTO t EXEC dbo.p @x`: the rows come from a procedure, whose work is not
    // visible here; the INSERT only stores what it returns.
    if unit.dialect == SqlDialect::Tsql && inserts_from_exec(toks) {
        return StatementRole::Work(Work::Call);
    }
    let writes: Vec<&Scope> = shape
        .scopes
        .iter()
        .filter(|s| s.kind != ScopeKind::Select)
        .collect();
    if !writes.is_empty() {
        let persistent = writes.iter().any(|s| writes_persistent_table(shape, s));
        if persistent && !is_batched(toks, stmt.kind) {
            return StatementRole::Work(Work::Dml);
        }
        // DML on scratch tables only (even when it reads tables to fill them), or a
        // bounded batch: not row-by-row work.
        return StatementRole::None;
    }
    // `SELECT ... INTO #t FROM ...`: fills a scratch table.
    let fills_scratch = shape
        .scopes
        .first()
        .and_then(|s| s.into.as_deref())
        .is_some_and(|name| name.starts_with('#'));
    if !fills_scratch && reads_tables(shape) {
        return StatementRole::Work(Work::Query);
    }
    StatementRole::None
}

/// `INSERT [INTO] t [(cols)] EXEC[UTE] ...` (an `EXEC` at the top level, not in parentheses).
fn inserts_from_exec(toks: &[Tok]) -> bool {
    if !toks.first().is_some_and(|t| t.is_kw("INSERT")) {
        return false;
    }
    let mut depth = 0usize;
    for tok in &toks[1..] {
        if tok.is_punct("(") {
            depth += 1;
        } else if tok.is_punct(")") {
            depth = depth.saturating_sub(1);
        } else if depth == 0 && tok.is_any_kw(&["SELECT", "VALUES", "DEFAULT", "OUTPUT"]) {
            return false;
        } else if depth == 0 && tok.is_any_kw(&["EXEC", "EXECUTE"]) {
            return true;
        }
    }
    false
}

/// Reads a persistent table that is not a system catalog.
fn reads_tables(shape: &QueryShape) -> bool {
    shape
        .sources
        .iter()
        .any(|s| s.kind == SourceKind::Table && !is_system_object(&s.name))
}

fn writes_persistent_table(shape: &QueryShape, scope: &Scope) -> bool {
    let Some(target) = scope.target.as_deref() else {
        return false;
    };
    let index = shape.scopes.iter().position(|s| std::ptr::eq(s, scope));
    let source = index.and_then(|i| shape.resolve(i, Some(last_part(target))));
    match source {
        Some(source) => source_is_persistent(shape, source, 0),
        None => !target.starts_with('#') && !target.starts_with('@'),
    }
}

fn source_is_persistent(shape: &QueryShape, source: &Source, depth: usize) -> bool {
    match source.kind {
        SourceKind::Table => !is_system_object(&source.name),
        // `WITH q AS (SELECT TOP (10) ... FROM dbo.Queue) DELETE FROM q`: the CTE's table.
        SourceKind::Cte(c) if depth < 8 => shape
            .ctes
            .get(c)
            .and_then(|cte| cte.body)
            .and_then(|body| shape.scopes.get(body))
            .is_some_and(|body| {
                body.sources
                    .iter()
                    .any(|&i| source_is_persistent(shape, &shape.sources[i], depth + 1))
            }),
        _ => false,
    }
}

/// `DELETE TOP (5000)`, `UPDATE ... WHERE id IN (SELECT ... LIMIT 1000)`, a CTE with
/// `TOP (@batch)`: each round handles a bounded set, which is the cure for row-by-row,
/// not the disease. `TOP (1)` / `LIMIT 1` is one row.
fn is_batched(toks: &[Tok], kind: StmtKind) -> bool {
    let limits = |i: usize| -> bool {
        let mut j = i + 1;
        while toks.get(j).is_some_and(|t| t.is_punct("(")) {
            j += 1;
        }
        match toks.get(j) {
            Some(t) if t.kind == TokKind::Number => t.text != "1",
            Some(_) => true,
            None => false,
        }
    };
    match kind {
        // An INSERT is bounded only by a TOP of its own: `INSERT TOP (n)`.
        StmtKind::Insert => {
            toks.first().is_some_and(|t| t.is_kw("INSERT"))
                && toks.get(1).is_some_and(|t| t.is_kw("TOP"))
                && limits(1)
        }
        _ => toks
            .iter()
            .enumerate()
            .any(|(i, t)| t.is_any_kw(&["TOP", "LIMIT"]) && limits(i)),
    }
}

/// Built-in PL/pgSQL-callable functions that do no per-row database work.
const PG_HARMLESS_FUNCTIONS: &[&str] = &[
    "format",
    "set_config",
    "current_setting",
    "pg_notify",
    "pg_advisory_lock",
    "pg_advisory_xact_lock",
    "pg_advisory_unlock",
    "pg_try_advisory_lock",
    "pg_try_advisory_xact_lock",
    "concat",
    "now",
    "clock_timestamp",
];

/// A call of a procedure or function that is not a system one or a harmless built-in.
fn calls_user_code(dialect: SqlDialect, toks: &[Tok]) -> bool {
    let Some(first) = toks.first() else {
        return false;
    };
    let mut at = 1;
    if dialect == SqlDialect::Tsql {
        // `EXEC @rc = dbo.p`: the return code, then the procedure.
        if toks.get(at).is_some_and(|t| t.kind == TokKind::Variable)
            && toks.get(at + 1).is_some_and(|t| t.is_punct("="))
        {
            at += 2;
        }
    } else if first.is_kw("SELECT") {
        at = 1;
    }
    let name = dotted_name(toks, at);
    if name.is_empty() {
        return false;
    }
    let last = last_part(&name).to_ascii_lowercase();
    match dialect {
        SqlDialect::Tsql => true,
        SqlDialect::Postgres => !PG_HARMLESS_FUNCTIONS.contains(&last.as_str()),
    }
}

/// `a.b.c` starting at `at`, lower-cased parts joined with dots ("" when none).
fn dotted_name(toks: &[Tok], at: usize) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = at;
    while let Some(tok) = toks.get(i) {
        if tok.is_identifier_like() {
            parts.push(tok.text.to_ascii_lowercase());
            i += 1;
        } else if tok.is_punct(".") && !parts.is_empty() {
            // `msdb..sp_x`: an empty schema part.
            if toks.get(i + 1).is_some_and(|t| t.is_punct(".")) {
                parts.push(String::new());
            }
            i += 1;
            continue;
        } else {
            break;
        }
        if !toks.get(i).is_some_and(|t| t.is_punct(".")) {
            break;
        }
    }
    parts.join(".")
}

/// Statement-leading words of administration, per dialect.
const DDL_WORDS: &[&str] = &[
    "CREATE", "ALTER", "DROP", "TRUNCATE", "GRANT", "REVOKE", "DENY",
];
const MAINTENANCE_WORDS: &[&str] = &[
    "BACKUP",
    "RESTORE",
    "DBCC",
    "KILL",
    "RECONFIGURE",
    "CHECKPOINT",
    "SHUTDOWN",
    "BULK",
    "VACUUM",
    "ANALYZE",
    "REINDEX",
    "CLUSTER",
    "REFRESH",
    "COMMENT",
    "SECURITY",
    "REASSIGN",
    "ENABLE",
    "DISABLE",
];
const MESSAGING_WORDS: &[&str] = &["RECEIVE", "SEND"];

fn administration(dialect: SqlDialect, toks: &[Tok], shape: &QueryShape) -> Option<Administration> {
    let first = toks.first()?;
    if first.kind == TokKind::Word {
        if first.is_any_kw(DDL_WORDS) && !touches_scratch_object(toks) {
            return Some(Administration::Ddl);
        }
        if first.is_any_kw(MAINTENANCE_WORDS)
            || (first.is_kw("UPDATE") && toks.get(1).is_some_and(|t| t.is_kw("STATISTICS")))
        {
            return Some(Administration::Maintenance);
        }
        if first.is_kw("WAITFOR") {
            return Some(Administration::Wait);
        }
        if first.is_any_kw(MESSAGING_WORDS)
            || (first.is_any_kw(&["BEGIN", "END", "GET", "MOVE"])
                && toks
                    .get(1)
                    .is_some_and(|t| t.is_any_kw(&["DIALOG", "CONVERSATION"])))
        {
            return Some(Administration::Messaging);
        }
    }
    // A write to a system table (`UPDATE msdb.dbo.sysjobs ...`) is administration.
    let writes_catalog = shape
        .scopes
        .iter()
        .any(|s| s.kind != ScopeKind::Select && s.target.as_deref().is_some_and(is_system_object));
    if writes_catalog {
        return Some(Administration::Maintenance);
    }
    for (i, tok) in toks.iter().enumerate() {
        if tok.kind != TokKind::Word {
            continue;
        }
        if dialect == SqlDialect::Tsql && reads_a_file(toks, i) {
            return Some(Administration::FileRead);
        }
        if tok.is_any_kw(&["EXEC", "EXECUTE"]) {
            if let Some(admin) = exec_administration(dialect, toks, i) {
                return Some(admin);
            }
        } else if dialect == SqlDialect::Postgres
            && toks.get(i + 1).is_some_and(|t| t.is_punct("("))
        {
            let name = tok.text.to_ascii_lowercase();
            if name.starts_with("pg_sleep") {
                return Some(Administration::Wait);
            }
            if name.starts_with("dblink") {
                return Some(Administration::Remote);
            }
        }
    }
    None
}

/// System functions that read one file (or file pattern) named by their first argument.
const FILE_READERS: &[&str] = &[
    "fn_xe_file_target_read_file",
    "fn_trace_gettable",
    "fn_get_audit_file",
];

/// A file reader called at `i`: `sys.fn_xe_file_target_read_file(...)` and the like, or
/// `OPENROWSET(BULK ...)`.
fn reads_a_file(toks: &[Tok], i: usize) -> bool {
    let opens = toks.get(i + 1).is_some_and(|t| t.is_punct("("));
    if !opens {
        return false;
    }
    let name = toks[i].text.trim_matches(|c| c == '[' || c == ']');
    FILE_READERS.iter().any(|f| name.eq_ignore_ascii_case(f))
        || (toks[i].is_kw("OPENROWSET") && toks.get(i + 2).is_some_and(|t| t.is_kw("BULK")))
}

/// `EXEC` / `EXECUTE` at `i`: dynamic SQL, or a system procedure.
fn exec_administration(dialect: SqlDialect, toks: &[Tok], i: usize) -> Option<Administration> {
    if dialect == SqlDialect::Postgres {
        // PL/pgSQL `EXECUTE <string>` is dynamic SQL; `GRANT EXECUTE ON` is not a call.
        let granted = i > 0 && toks[..i].iter().any(|t| t.is_any_kw(DDL_WORDS));
        return (!granted).then_some(Administration::DynamicSql);
    }
    let mut at = i + 1;
    let next = toks.get(at)?;
    if next.is_punct("(") {
        return Some(Administration::DynamicSql);
    }
    if next.kind == TokKind::Variable {
        if toks.get(at + 1).is_some_and(|t| t.is_punct("=")) {
            at += 2; // `EXEC @rc = proc`
        } else {
            return Some(Administration::DynamicSql); // `EXEC @proc_name ...`
        }
    }
    if next.is_kw("AS") {
        return None; // `EXECUTE AS USER = ...`
    }
    let name = dotted_name(toks, at);
    if name.is_empty() {
        return None;
    }
    let last = last_part(&name);
    if last == "sp_executesql" {
        return Some(Administration::DynamicSql);
    }
    let parts: Vec<&str> = name.split('.').collect();
    let system_schema = parts.len() >= 2
        && (parts[..parts.len() - 1]
            .iter()
            .any(|p| matches!(*p, "sys" | "msdb" | "master")));
    if last.starts_with("sp_") || last.starts_with("xp_") || system_schema {
        return Some(Administration::SystemProcedure);
    }
    None
}

/// `CREATE TABLE #t`, `DROP TABLE #t`, `TRUNCATE TABLE #t`, `CREATE TEMP TABLE`,
/// `DECLARE`-like scratch DDL: not administration of the database.
fn touches_scratch_object(toks: &[Tok]) -> bool {
    toks.iter().take(8).any(|t| {
        (t.kind == TokKind::Word && t.text.starts_with('#')) || t.is_any_kw(&["TEMP", "TEMPORARY"])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes(text: &str, dialect: SqlDialect) -> Vec<LoopClass> {
        let unit = super::super::parse(text, dialect);
        let shapes: Vec<QueryShape> = unit
            .statements
            .iter()
            .map(|s| super::super::query::analyze(unit.stmt_tokens(s)))
            .collect();
        classify_loops(&unit, &shapes)
    }

    fn tsql_cursor(source: &str, body: &str) -> LoopClass {
        let text = format!(
            "DECLARE c CURSOR LOCAL FOR {source};\nOPEN c;\nFETCH NEXT FROM c INTO @x;\nWHILE @@FETCH_STATUS = 0\nBEGIN\n{body}\nFETCH NEXT FROM c INTO @x;\nEND\n"
        );
        let mut all = classes(&text, SqlDialect::Tsql);
        assert_eq!(all.len(), 1, "{text}");
        all.remove(0)
    }

    #[test]
    fn what_a_cursor_walks() {
        let walks =
            |source: &str| tsql_cursor(source, "UPDATE dbo.T SET a = 1 WHERE id = @x;").iterates;
        assert_eq!(walks("SELECT id FROM dbo.Orders"), Iterates::TableRows);
        assert_eq!(
            walks("SELECT name FROM sys.databases"),
            Iterates::CatalogRows
        );
        assert_eq!(
            walks("SELECT o.id FROM dbo.Orders o JOIN sys.objects s ON s.name = o.name"),
            Iterates::CatalogRows
        );
        assert_eq!(walks("SELECT id FROM #list"), Iterates::ScratchRows);
        assert_eq!(walks("SELECT id FROM @list"), Iterates::ScratchRows);
        assert_eq!(
            walks("SELECT v FROM (VALUES (1), (2)) AS t (v)"),
            Iterates::Values
        );
    }

    #[test]
    fn administration_in_the_body() {
        let admin = |body: &str| {
            tsql_cursor("SELECT id FROM dbo.Orders", body)
                .admin
                .map(|a| a.1)
        };
        assert_eq!(admin("EXEC (@sql);"), Some(Administration::DynamicSql));
        assert_eq!(
            admin("EXEC sp_executesql @sql;"),
            Some(Administration::DynamicSql)
        );
        assert_eq!(
            admin("EXECUTE sys.sp_executesql @sql, N'@a int', @a = 1;"),
            Some(Administration::DynamicSql)
        );
        assert_eq!(admin("EXEC @proc @sql;"), Some(Administration::DynamicSql));
        assert_eq!(
            admin("EXEC msdb.dbo.sp_start_job @job_name = @x;"),
            Some(Administration::SystemProcedure)
        );
        assert_eq!(
            admin("EXEC master..xp_create_subdir @x;"),
            Some(Administration::SystemProcedure)
        );
        assert_eq!(
            admin("ALTER INDEX ALL ON dbo.Orders REBUILD;"),
            Some(Administration::Ddl)
        );
        assert_eq!(
            admin("UPDATE STATISTICS dbo.Orders;"),
            Some(Administration::Maintenance)
        );
        assert_eq!(
            admin("BACKUP LOG Shop TO DISK = @x;"),
            Some(Administration::Maintenance)
        );
        assert_eq!(
            admin("WAITFOR DELAY '00:00:01';"),
            Some(Administration::Wait)
        );
        assert_eq!(
            admin("INSERT INTO #seen EXEC sp_executesql @sql;"),
            Some(Administration::DynamicSql)
        );
        // Scratch DDL and user procedures are not administration.
        assert_eq!(admin("TRUNCATE TABLE #work;"), None);
        assert_eq!(admin("EXEC @rc = dbo.Order_Ship @x;"), None);
        assert_eq!(admin("EXEC dbo.Order_Ship @x;"), None);
    }

    #[test]
    fn per_row_work_of_the_body() {
        let work = |body: &str| {
            tsql_cursor("SELECT id FROM dbo.Orders", body)
                .per_row
                .iter()
                .map(|(_, w)| *w)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            work("UPDATE dbo.Orders SET a = 1 WHERE id = @x;"),
            vec![Work::Dml]
        );
        assert_eq!(
            work("SELECT @y = total FROM dbo.Totals WHERE id = @x;"),
            vec![Work::Query]
        );
        assert_eq!(work("EXEC dbo.Order_Ship @x;"), vec![Work::Call]);
        // Scratch tables, batches and catalogs are not per-row work.
        assert!(work("INSERT INTO #out SELECT a FROM dbo.Orders WHERE id = @x;").is_empty());
        assert!(work("UPDATE @t SET a = 1;").is_empty());
        assert!(work("DELETE TOP (500) FROM dbo.Log WHERE id < @x;").is_empty());
        assert!(work("SELECT @n = COUNT(*) FROM sys.objects;").is_empty());
        assert!(work("SELECT a INTO #copy FROM dbo.Orders WHERE id = @x;").is_empty());
        // `TOP (1)` is one row, not a batch.
        assert_eq!(
            work("UPDATE TOP (1) dbo.Orders SET a = 1 WHERE id = @x;"),
            vec![Work::Dml]
        );
    }

    #[test]
    fn what_a_while_loop_walks() {
        let walks = |text: &str| classes(text, SqlDialect::Tsql)[0].iterates;
        assert_eq!(
            walks("WHILE EXISTS (SELECT 1 FROM dbo.Queue) EXEC dbo.Queue_Next;"),
            Iterates::TableRows
        );
        assert_eq!(
            walks("WHILE 1 = 1 BEGIN SELECT TOP (1) @id = id FROM dbo.Orders WHERE id > @id ORDER BY id; UPDATE dbo.Orders SET a = 1 WHERE id = @id; END"),
            Iterates::TableRows
        );
        assert_eq!(
            walks("WHILE @i < @n BEGIN SELECT @id = id FROM #list WHERE rn = @i; SET @i += 1; END"),
            Iterates::ScratchRows
        );
        // Climbing a hierarchy: each round looks up the row the previous one points to.
        assert_eq!(
            walks("WHILE 1 = 1 BEGIN SELECT @parent = ParentId, @flag = Flag FROM dbo.Packages WHERE PackageId = @current; IF @parent IS NULL BREAK; SELECT @q = Quota FROM dbo.Quotas WHERE PackageId = @current; SET @current = @parent; END"),
            Iterates::Chain
        );
        assert_eq!(
            walks("WHILE @id IS NOT NULL BEGIN UPDATE dbo.Nodes SET Seen = 1 WHERE NodeId = @id; SELECT @id = ParentNodeId FROM dbo.Nodes WHERE NodeId = @id; END"),
            Iterates::Chain
        );
        // The same query each round, filtered by constants: a counter, not a walk.
        assert_eq!(
            walks("WHILE @i < 10 BEGIN SELECT @c = COUNT(*) FROM dbo.Orders WHERE total > 10; SET @i += 1; END"),
            Iterates::Counter
        );
    }

    #[test]
    fn plpgsql_loops() {
        let one = |body: &str| {
            let text = format!(
                "CREATE FUNCTION f(p_ids int[]) RETURNS void LANGUAGE plpgsql AS $$\nDECLARE r record; v int;\nBEGIN\n{body}\nEND $$;\n"
            );
            classes(&text, SqlDialect::Postgres).remove(0)
        };
        let c = one("FOR r IN SELECT relname FROM pg_class LOOP UPDATE t SET a = 1 WHERE n = r.relname; END LOOP;");
        assert_eq!(c.iterates, Iterates::CatalogRows);
        let c = one("FOR r IN EXECUTE 'SELECT id FROM t' LOOP UPDATE t SET a = 1 WHERE id = r.id; END LOOP;");
        assert_eq!(c.iterates, Iterates::DynamicQuery);
        assert_eq!(c.per_row.len(), 1);
        let c = one("FOREACH v IN ARRAY p_ids LOOP EXECUTE format('DROP TABLE %I', v); END LOOP;");
        assert_eq!(c.iterates, Iterates::Values);
        assert_eq!(c.admin.map(|a| a.1), Some(Administration::DynamicSql));
        let c = one("FOR r IN SELECT id FROM jobs LOOP PERFORM pg_sleep(1); END LOOP;");
        assert_eq!(c.admin.map(|a| a.1), Some(Administration::Wait));
        let c = one("FOR r IN SELECT id FROM jobs LOOP PERFORM format('%s', r.id); PERFORM job_run(r.id); END LOOP;");
        assert_eq!(
            c.per_row.iter().map(|(_, w)| *w).collect::<Vec<_>>(),
            vec![Work::Call]
        );
        let c = one("FOR r IN SELECT id FROM jobs LOOP CREATE TEMP TABLE w (a int); DELETE FROM jobs WHERE id = r.id; END LOOP;");
        assert_eq!(c.admin, None);
        assert!(c.has_dml());
    }
}
