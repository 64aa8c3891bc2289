//! `non-sargable-predicate`: a function, cast or arithmetic wrapped around a column in
//! a WHERE or JOIN ... ON comparison.

use super::{RawFinding, SqlContext, SqlRule};
use crate::declare_rule;
use crate::model::{Category, ConfidenceLevel, Severity};
use crate::rules::RuleMeta;
use crate::sql::declared_index::{expression_key, table_key, IndexCheck};
use crate::sql::lex::Tok;
use crate::sql::predicate::{
    comparisons, negated_groups, pattern_starts_with_wildcard, read_operand, top_conjunction,
    under_negated_group, ColumnRef, CompareOp, Operand,
};
use crate::sql::query::{last_part, ClauseKind, QueryShape};
use crate::sql::unit::excerpt;

declare_rule! {
    /// ## What it finds
    /// A comparison in `WHERE` or `JOIN ... ON` where a column is wrapped in a function,
    /// a cast or arithmetic: `YEAR(CreatedDate) = @y`, `ISNULL(Status, 0) = @s`,
    /// `UPPER(Email) = @e`, `DATEADD(day, 1, StartDate) > @d`, `Amount + 1 = @x`,
    /// `lower(email) = lower(p_email)`, `id::text = p_id`. Not reported: a function
    /// applied to a value (`CreatedDate >= DATEADD(day, -7, GETDATE())`), an expression
    /// compared with another bare column (`c.Code = UPPER(o.CustCode)`: the index on
    /// `c.Code` can still seek), an expression compared with columns of the same row
    /// (`DATEDIFF(minute, s.LastRun, GETDATE()) >= s.IntervalMinutes`: no value exists
    /// before the row is read, whatever the form), `LIKE` with a leading wildcard (its own
    /// rule), negations (`<>`, `NOT IN`, `NOT LIKE`, `NOT BETWEEN`), which no index seeks
    /// whatever the form, comparisons inside `NOT ( ... )` (a negated group: `NOT (Kind =
    /// 'x' AND CAST(Major AS int) > 10)` is an `OR` of negations, which no index seeks),
    /// columns of scratch data (`#temp` tables, table variables,
    /// temporary tables the file creates, CTEs, a T-SQL trigger's `inserted` / `deleted`)
    /// and of system catalogs and DMVs (`sys.*`, `INFORMATION_SCHEMA`, `pg_catalog`,
    /// `msdb`), which nobody indexes. Operands that are
    /// not columns are values: `@variables`, PL/pgSQL variables, parameters and `FOUND` /
    /// `TG_*`, record fields (`r.total`, `NEW.status`, `OLD.id`, `EXCLUDED.x`,
    /// `(rec).field`), array elements (`$2[i]`), typed literals (`DATE '2024-01-01'`),
    /// `format()` specifiers of dynamic SQL (`%I`, `%s`) and template placeholders.
    /// Not reported either: an expression over columns of two tables
    /// (`s.Qty - p.Qty > 0`: no index holds it), `col COLLATE DATABASE_DEFAULT` (the
    /// column's own collation), and unqualified PostgreSQL catalog columns told by their
    /// prefix (`nspname` beside `pg_namespace`). Nor an expression checked `BETWEEN` two
    /// columns (`ISNULL(@d, c.ClosedOn) BETWEEN r.ValidFrom AND r.ValidTo`: a join to a
    /// validity window, where the expression is the value an index on those columns seeks
    /// with, as with a bare column on the other side), nor a wrapped column that the same
    /// clause already makes equal to a value for every row it keeps (`SSN = @ssn AND
    /// DATALENGTH(SSN) > 0`, the equality in the clause's top-level conjunction: not under
    /// an `OR`, a `NOT ( ... )`, a `CASE` or a call's arguments): that equality is what
    /// uses an index on the column, and the wrapped comparison only filters the rows it
    /// finds (general knowledge of how a B-tree seek works, not a benchmark finding).
    ///
    /// Index evidence, from every file of the scan: a finding is **high** only when an
    /// index declared in the scanned files (`CREATE INDEX`, a `PRIMARY KEY` or `UNIQUE`
    /// constraint in `CREATE TABLE` / `ALTER TABLE`) can seek on the wrapped column by
    /// itself: its first key column, or any key column of a GiST / GIN / BRIN / SP-GiST
    /// index (`INCLUDE` columns are not keys), or a later key column of a B-tree index
    /// whose earlier key columns the same clause compares with `=` (`srvid = @s AND
    /// upper(range) < @t` on a key `(srvid, range)`). Otherwise a later key column gives
    /// **medium** ("a key of an index on t but not its first"): the index seeks on it only
    /// behind equalities on the columns before it. The table's name matches
    /// with or without `dbo.` / `public.`, ignoring case. An index on exactly the
    /// expression (`CREATE INDEX ... ON users (lower(email))`) makes the comparison
    /// sargable: not reported. Otherwise it is **medium**: "no index on t(col) is declared
    /// in the scanned files; the expression costs only if one exists" (also when the
    /// column's table cannot be told). In `dbaudit audit`, the audited database's index
    /// keys (its snapshot) count as declared too, and the workload is evidence as well: a
    /// medium finding for want of an index is raised to **high** when the audit recommends
    /// an expression index on the same function of the same column of the same table
    /// (the schema too when the statement names one) that HypoPG verified for the
    /// workload's statements, its reason then saying how often the workload runs the
    /// predicate and which recommendation serves it (not raised: an unverified
    /// recommendation, a finding whose table cannot be told, one lowered for another
    /// reason too). SQL embedded in application code is
    /// judged against the same declarations (an application whose schema lives in
    /// migrations the scan does not read gets medium findings, with the reason).
    ///
    /// Reported with **medium** confidence, the reason said, where the rewrite may not
    /// give a seek: a comparison in a join's `ON` that already matches the table on a key
    /// column, or a comparison beside `Id = @id` (the table's key, told by its name:
    /// `id`, `OrderId`, `order_id`) in the same clause and not under an `OR` (either way
    /// the comparison filters the rows found; it is not how they are found), `ISNULL` /
    /// `COALESCE` on both sides (NULL made equal to a default: a plain rewrite changes
    /// which rows match), another collation (`col COLLATE Latin1_General_BIN`), a table
    /// named for configuration or settings (a few rows), a column passed to
    /// `OBJECT_NAME` / `OBJECT_SCHEMA_NAME` and the like (a table about the database's
    /// own objects), a column passed with other arguments to a user-defined function
    /// (`dbo.CheckRights(@UserId, t.OwnerId) = 1`, **low**: a check relating a value to
    /// the row, which no rewrite turns into a seek on the column; its cost is the call on
    /// every row), an unqualified column in a statement that also reads scratch or
    /// system data (it may be that source's column), and a statement at the top level
    /// of a script (it may run once). Also **low**, from how SQL Server's optimizer
    /// works rather than from any benchmark: `CAST(col AS date)` / `CONVERT(date, col)`
    /// compared with `=`, `<`, `>`, `BETWEEN` in T-SQL, which SQL Server seeks as a
    /// range on a date/time column (a "dynamic seek" through its internal
    /// `GetRangeThroughConvert`: Martin Smith's answer to "Cast to date is sargable but
    /// is it a good idea?", dba.stackexchange.com/q/34047, and Rob Farley, "Beware the
    /// width of the covering range", 2021): the index is used, a plain range is only
    /// tighter (PostgreSQL's `col::date` gets no such help and stays as it is); and a
    /// bit-flag test (`Flags & 4 = 4`, `Status & @mask = @mask`), which no way of
    /// writing lets an index on the column seek: only a column, or an indexed computed
    /// column, per flag would. **Medium**, said why: a length test (`LEN(Name) > 60`,
    /// `DATALENGTH(Email) > 0`, `length(col)`): a B-tree index is ordered by the value,
    /// not its length, so only a non-empty test has a seekable form (`col > ''`), and it
    /// reads every non-empty value, while other lengths need an indexed computed column;
    /// and a `CASE` value (`CASE WHEN Kind = 1 THEN Region END = @r`), which has a
    /// seekable form only when its branches split into `OR`s of plain comparisons.
    ///
    /// ## Why it matters
    /// An index stores the column's values, not the function's results: the optimizer
    /// cannot seek to `YEAR(CreatedDate) = 2025`, so it scans the whole index or table
    /// and evaluates the function on every row. Estimates suffer too, so joins and
    /// memory grants are planned for the wrong row counts. Without an index on the
    /// column there is no seek to lose, which is why the index evidence sets the
    /// confidence.
    ///
    /// ## Example
    /// ```sql
    /// CREATE INDEX IX_Payments_Created ON dbo.Payments (CreatedDate);  -- another file may hold it
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
                // Facts of the whole clause, read once (not once per finding: a clause
                // of thousands of comparisons must stay linear).
                let negated = negated_groups(toks, shape, clause.range.clone());
                let has_or = has_top_level_or(toks, shape, clause.range.clone());
                let fixed = fixed_columns(toks, shape, clause, variables, &negated);
                let mut equalities_of: std::collections::HashMap<usize, Vec<Equality>> =
                    std::collections::HashMap::new();
                for cmp in comparisons(toks, shape, clause.range.clone()) {
                    // `<>`, `NOT IN`, `NOT LIKE`, `NOT BETWEEN`: no index seeks a negation,
                    // whatever the operands, so unwrapping the column would gain nothing.
                    if cmp.op == CompareOp::NotEq
                        || cmp.negated
                        || under_negated_group(&negated, cmp.op_at)
                    {
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
                        let (other, other_range) = if is_left {
                            (&right_whole, cmp.right.clone())
                        } else {
                            (&left, cmp.left.clone())
                        };
                        let operand = &operand;
                        // `c.Code = UPPER(o.CustCode)`: the other side is a bare column, which
                        // an index can seek with the computed value (a join or correlation).
                        // `b.Name COLLATE DATABASE_DEFAULT` is still that column for a seek
                        // when the collation is the column's own (see `collated_column`).
                        if other.bare_column.is_some()
                            || collated_column(&toks[other_range.clone()])
                                .is_some_and(|c| c.eq_ignore_ascii_case("database_default"))
                        {
                            continue;
                        }
                        // `ISNULL(@d, c.DateEnd) BETWEEN r.ValidFrom AND r.ValidTo`: both
                        // bounds are columns, so the expression is the value an index on
                        // them seeks with (a join to a validity window), as above.
                        if is_left
                            && cmp.op == CompareOp::Between
                            && between_bounds(toks, cmp.right.clone()).iter().all(|b| {
                                read_operand(toks, shape, b.clone(), variables)
                                    .bare_column
                                    .is_some()
                            })
                        {
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
                        // `s.Count - p.Count > 0`: columns of two sources in one expression.
                        // No index on either table holds it and no rewrite of the comparison
                        // lets one seek: it is a filter on the joined rows.
                        if sources_of(shape, clause.scope, operand).len() >= 2 {
                            continue;
                        }
                        // `Name COLLATE DATABASE_DEFAULT`: the column's collation is the
                        // database's unless declared otherwise, so the index still seeks.
                        let collation = collated_column(&toks[side.clone()]);
                        if collation.is_some_and(|c| c.eq_ignore_ascii_case("database_default")) {
                            continue;
                        }
                        let columns: Vec<&ColumnRef> = operand
                            .columns
                            .iter()
                            .filter(|c| {
                                c.qualifier.is_some()
                                    || !shape.is_catalog_column(clause.scope, &c.column)
                            })
                            .collect();
                        let qualifiers: Vec<Option<&str>> =
                            columns.iter().map(|c| c.qualifier.as_deref()).collect();
                        if qualifiers.is_empty()
                            || !shape.columns_on_business_tables(
                                clause.scope,
                                &qualifiers,
                                &ctx.scratch_tables(stmt),
                            )
                        {
                            continue;
                        }
                        // `Tech.SSN = @ssn AND DATALENGTH(Tech.SSN) > 0`: the same column is
                        // equal to a value for every row the clause keeps, so an index on it
                        // is used by that equality; this comparison only filters those rows.
                        if columns.iter().any(|c| {
                            let at = shape
                                .resolve(clause.scope, c.qualifier.as_deref())
                                .map(|s| s.at);
                            at.is_some()
                                && fixed.iter().any(|(source, column)| {
                                    *source == at && column.eq_ignore_ascii_case(&c.column)
                                })
                        }) {
                            continue;
                        }
                        let operand = operand.clone();
                        let expression = excerpt(&toks[side.clone()], 120);
                        let snippet = excerpt(&toks[cmp.left.start..cmp.right.end], 160);
                        let mut finding = ctx.finding_at(
                            &NON_SARGABLE_PREDICATE,
                            stmt,
                            side.start,
                            message(&expression, &operand),
                            snippet,
                            advice(&toks[side.clone()]),
                        );
                        let source = sources_of(shape, clause.scope, &operand)
                            .first()
                            .and_then(|&at| shape.sources.iter().find(|s| s.at == at));
                        // Whether an index the expression defeats exists is known only
                        // after every file is read: the scan checks this then.
                        let equal: &[Equality] = match source {
                            Some(s) => equalities_of.entry(s.at).or_insert_with(|| {
                                equalities(
                                    toks,
                                    shape,
                                    clause.scope,
                                    clause.range.clone(),
                                    variables,
                                    s,
                                    &negated,
                                )
                            }),
                            None => &[],
                        };
                        finding.index_check = Some(match source {
                            Some(s) => IndexCheck::Table {
                                table: table_key(&s.name),
                                shown: s.name.clone(),
                                columns: columns.iter().map(|c| c.column.clone()).collect(),
                                expression: expression_key(&toks[side.clone()]),
                                equal: if has_or {
                                    Vec::new()
                                } else {
                                    equal
                                        .iter()
                                        .map(|e| e.column.to_ascii_lowercase())
                                        .collect()
                                },
                            },
                            None => IndexCheck::UnknownTable,
                        });
                        let confidence = &mut finding.confidence;
                        // `ISNULL(Flag, 0) = 1` over `#batch JOIN dbo.Orders`: the column
                        // may be the scratch table's.
                        let scratch = ctx.scratch_tables(stmt);
                        if let Some(column) = columns.iter().find(|c| c.qualifier.is_none()) {
                            let candidates = shape.unqualified_candidates(clause.scope);
                            if let Some(other) =
                                candidates.iter().find(|s| !s.is_business_table(&scratch))
                            {
                                confidence.lower(
                                    ConfidenceLevel::Medium,
                                    format!("`{}` is not qualified and the statement also reads `{}`, which is not a stored table: the column may be that one's", column.column, other.alias.as_deref().unwrap_or(&other.name)),
                                );
                            }
                        }
                        if let Some(collation) = collation {
                            confidence.lower(
                                ConfidenceLevel::Medium,
                                format!("only a COLLATE ({collation}) wraps the column: if that is the column's own collation the index still seeks"),
                            );
                        }
                        // The rows of the table are found another way in the same clause:
                        // this comparison filters them after the seek (not under an OR,
                        // which could make either branch the way in).
                        let found_another_way = source.filter(|_| !has_or);
                        if let Some(s) = found_another_way {
                            let range = clause.range.clone();
                            if clause.kind == ClauseKind::On {
                                if let Some(key) =
                                    joined_on_column(toks, shape, range.clone(), variables, s.at)
                                {
                                    confidence.lower(
                                        ConfidenceLevel::Medium,
                                        format!("the same ON clause already matches this table on `{key}`: the rows are found by that match and this comparison only filters them"),
                                    );
                                }
                            }
                            if let Some(key) = key_equality(s, equal) {
                                confidence.lower(
                                    ConfidenceLevel::Medium,
                                    format!("the row is found by its key (`{key}` = a value in the same clause): this comparison only filters it"),
                                );
                            }
                        }
                        if let Some(head) = null_default(&toks[side.clone()]) {
                            if null_default(&toks[other_range.clone()]).is_some() {
                                confidence.lower(
                                    ConfidenceLevel::Medium,
                                    format!("{head} on both sides makes NULL equal to the default: a plain rewrite changes which rows match"),
                                );
                            }
                        }
                        if let Some(table) = source.filter(|s| is_settings_table(&s.name)) {
                            confidence.lower(
                                ConfidenceLevel::Medium,
                                format!("`{}` reads like a configuration or settings table: a few rows, read as fast by a scan as by a seek", last_part(&table.name)),
                            );
                        }
                        if let Some(function) =
                            user_function_among_arguments(toks, shape, side.clone(), &operand)
                        {
                            confidence.lower(
                                ConfidenceLevel::Low,
                                format!("the column is one of several arguments of the user-defined function {function}: a check relating those values to the row, which no rewrite turns into a seek on the column (its cost is the call on every row)"),
                            );
                        }
                        if let Some(function) = object_id_function(&toks[side.clone()]) {
                            confidence.lower(
                                ConfidenceLevel::Medium,
                                format!("the column is passed to {function}: it holds ids of the database's own objects, a table with a row per object, not business data"),
                            );
                        }
                        // `CAST(CreatedAt AS date) = @day`: SQL Server turns it into a range
                        // seek on the column (a dynamic seek), when the column is a date/time.
                        if ctx.unit.dialect == crate::sql::SqlDialect::Tsql
                            && matches!(
                                cmp.op,
                                CompareOp::Eq | CompareOp::Range | CompareOp::Between
                            )
                            && casts_to_date(toks, shape, side.clone())
                        {
                            confidence.lower(
                                ConfidenceLevel::Low,
                                "SQL Server seeks `CAST(col AS date)` / `CONVERT(date, col)` as a range on a date/time column (a dynamic seek): an index on the column is still used; a plain range on the column reads a tighter range and estimates better",
                            );
                        }
                        // `Flags & 4 = 4`: a bit test has no seekable form at all.
                        if let Some(column) = bit_test(&toks[side.clone()]) {
                            confidence.lower(
                                ConfidenceLevel::Low,
                                format!("a bit-flag test on `{column}`: no way of writing it lets an index on the column seek; only a computed column per flag (indexed) or a column per flag would"),
                            );
                        }
                        // `LEN(Name) > 60`, `DATALENGTH(Email) > 0`: a length test.
                        if let Some(column) = length_test(&toks[side.clone()]) {
                            confidence.lower(
                                ConfidenceLevel::Medium,
                                format!("a length test on `{column}`: an index on the column is ordered by its value, not its length, so only a non-empty test has a seekable form (`{column} > ''`), and that reads every non-empty value; other lengths need an indexed computed column"),
                            );
                        }
                        // `CASE WHEN ... END = 1`: a condition written as a value.
                        if starts_with_case(&toks[side.clone()]) {
                            confidence.lower(
                                ConfidenceLevel::Medium,
                                "a CASE expression: whether a seekable form exists depends on its branches (a catch-all over parameters splits into ORs, a classification of the row has none)",
                            );
                        }
                        // One scan by hand or in a migration step costs once, not per call.
                        if ctx.is_script_statement(stmt) {
                            confidence.lower(
                                ConfidenceLevel::Medium,
                                "a statement at the top level of a script, outside any procedure, function or view: it may run once, by hand",
                            );
                        }
                        out.push(finding);
                    }
                }
            }
        }
    }
}

/// `CAST(x AS date)` or `CONVERT(date, x [, style])` making up the whole of `side`, `x`
/// a (dotted) column name.
fn casts_to_date(toks: &[Tok], shape: &QueryShape, side: std::ops::Range<usize>) -> bool {
    let part = &toks[side.clone()];
    let is_name = |range: &[Tok]| {
        range.len() % 2 == 1
            && range.iter().enumerate().all(|(k, t)| {
                if k % 2 == 0 {
                    t.is_identifier_like()
                } else {
                    t.is_punct(".")
                }
            })
    };
    let (Some(head), Some(open)) = (part.first(), part.get(1)) else {
        return false;
    };
    let closes_at_end = open.is_punct("(") && shape.matching[side.start + 1] == Some(side.end - 1);
    if !closes_at_end {
        return false;
    }
    let inner = &part[2..part.len() - 1];
    if head.is_kw("CAST") {
        // x AS date
        let n = inner.len();
        n >= 3
            && inner[n - 1].text.eq_ignore_ascii_case("date")
            && inner[n - 2].is_kw("AS")
            && is_name(&inner[..n - 2])
    } else if head.is_kw("CONVERT") {
        // date, x [, style]
        let parts: Vec<&[Tok]> = inner.split(|t| t.is_punct(",")).collect();
        matches!(parts.len(), 2 | 3)
            && parts[0].len() == 1
            && parts[0][0].text.eq_ignore_ascii_case("date")
            && is_name(parts[1])
    } else {
        false
    }
}

/// `Flags & 4`, `c.Status & @mask`, `(Flags & 2)`: a bitwise AND of a column and a value,
/// making up the whole operand: the column's name.
fn bit_test(toks: &[Tok]) -> Option<String> {
    let mut part = toks;
    while part.len() >= 2 && part[0].is_punct("(") && part[part.len() - 1].is_punct(")") {
        part = &part[1..part.len() - 1];
    }
    let at = part.iter().position(|t| t.is_punct("&"))?;
    let (column, mask) = (&part[..at], &part[at + 1..]);
    let mask_ok = matches!(mask, [m] if m.kind == crate::sql::lex::TokKind::Number || m.kind == crate::sql::lex::TokKind::Variable);
    dotted_column(column).filter(|_| mask_ok)
}

/// `col`, `t.col`, `dbo.t.col` (not a variable): the column's name.
fn dotted_column(name: &[Tok]) -> Option<String> {
    let dotted = !name.is_empty()
        && name.len() % 2 == 1
        && name.iter().enumerate().all(|(k, t)| {
            if k % 2 == 0 {
                t.is_identifier_like() && t.kind != crate::sql::lex::TokKind::Variable
            } else {
                t.is_punct(".")
            }
        });
    dotted.then(|| name[name.len() - 1].text.clone())
}

/// The sources (their `at`) that the columns of `operand` resolve to, each once.
fn sources_of(shape: &QueryShape, scope: usize, operand: &Operand) -> Vec<usize> {
    let mut found: Vec<usize> = Vec::new();
    for column in &operand.columns {
        if let Some(source) = shape.resolve(scope, column.qualifier.as_deref()) {
            if !found.contains(&source.at) {
                found.push(source.at);
            }
        }
    }
    found
}

/// `name COLLATE collation` (the name possibly dotted): the collation's name.
fn collated_column(toks: &[Tok]) -> Option<&str> {
    let at = toks.iter().position(|t| t.is_kw("COLLATE"))?;
    let (name, rest) = (&toks[..at], &toks[at + 1..]);
    let dotted = name.len() % 2 == 1
        && name.iter().enumerate().all(|(k, t)| {
            if k % 2 == 0 {
                t.is_identifier_like()
            } else {
                t.is_punct(".")
            }
        });
    match rest {
        [collation] if dotted && collation.is_identifier_like() => Some(collation.text.as_str()),
        _ => None,
    }
}

/// A bare column of the source at `source_at` compared with `=` to a bare column of
/// another source in the clause `range` (a join key): that column's name.
fn joined_on_column(
    toks: &[Tok],
    shape: &QueryShape,
    range: std::ops::Range<usize>,
    variables: &[String],
    source_at: usize,
) -> Option<String> {
    let scope = shape
        .clauses
        .iter()
        .find(|c| c.range == range)
        .map(|c| c.scope)?;
    comparisons(toks, shape, range).into_iter().find_map(|cmp| {
        if cmp.op != CompareOp::Eq || cmp.negated {
            return None;
        }
        let left = read_operand(toks, shape, cmp.left.clone(), variables).bare_column?;
        let right = read_operand(toks, shape, cmp.right.clone(), variables).bare_column?;
        let at = |c: &ColumnRef| {
            c.qualifier
                .as_deref()
                .and_then(|q| shape.resolve(scope, Some(q)))
                .map(|s| s.at)
        };
        let (l, r) = (at(&left)?, at(&right)?);
        if l == source_at && r != source_at {
            Some(left.column)
        } else if r == source_at && l != source_at {
            Some(right.column)
        } else {
            None
        }
    })
}

/// An `OR` at the top level of the clause `range` (outside parentheses).
fn has_top_level_or(toks: &[Tok], shape: &QueryShape, range: std::ops::Range<usize>) -> bool {
    let mut i = range.start;
    while i < range.end {
        if toks[i].is_punct("(") {
            i = shape.matching[i].map_or(i + 1, |c| c + 1);
            continue;
        }
        if toks[i].is_kw("OR") {
            return true;
        }
        i += 1;
    }
    false
}

/// `Id = @id`, `o.OrderId = 42`, `order_id = p_id`: among the `equal` columns of `source`
/// (see [`equalities`]), one named as its key (`id`, or the table's name, singular,
/// followed by `id` / `_id`) compared with a value: that column's name.
fn key_equality(source: &crate::sql::query::Source, equal: &[Equality]) -> Option<String> {
    let table = last_part(&source.name).to_ascii_lowercase();
    let table = table
        .strip_prefix("tbl")
        .unwrap_or(&table)
        .trim_start_matches('_');
    let singular = match table.strip_suffix("ies") {
        Some(stem) => format!("{stem}y"),
        None => table.strip_suffix('s').unwrap_or(table).to_string(),
    };
    let is_key = |column: &str| {
        let column = column.to_ascii_lowercase();
        column == "id"
            || [table, singular.as_str()]
                .iter()
                .any(|t| column == format!("{t}id") || column == format!("{t}_id"))
    };
    equal
        .iter()
        .find(|e| e.against_value && is_key(&e.column))
        .map(|e| e.column.clone())
}

/// The columns that every row kept by `clause` has equal to a value: a bare column
/// compared with `=` to a value (no column on the other side) in the clause's top-level
/// conjunction, not negated. Each as (the source it resolves to, its name); read once
/// per clause.
fn fixed_columns(
    toks: &[Tok],
    shape: &QueryShape,
    clause: &crate::sql::query::Clause,
    variables: &[String],
    negated: &[(usize, usize)],
) -> Vec<(Option<usize>, String)> {
    let range = clause.range.clone();
    let conjunction = top_conjunction(toks, shape, range.clone());
    column_equalities(toks, shape, range.clone(), variables, negated)
        .into_iter()
        .filter(|e| {
            e.against_value
                && conjunction
                    .get(e.op_at - range.start)
                    .copied()
                    .unwrap_or(false)
        })
        .map(|e| {
            let source = shape
                .resolve(clause.scope, e.column.qualifier.as_deref())
                .map(|s| s.at);
            (source, e.column.column)
        })
        .collect()
}

/// `LEN(col)`, `DATALENGTH(t.col)`, `length(col)`, `char_length(col)`, `octet_length(col)`
/// making up the whole operand (possibly in parentheses): the column's name.
fn length_test(toks: &[Tok]) -> Option<String> {
    let mut part = toks;
    while part.len() >= 2 && part[0].is_punct("(") && part[part.len() - 1].is_punct(")") {
        part = &part[1..part.len() - 1];
    }
    let (head, open, close) = (part.first()?, part.get(1)?, part.last()?);
    if !head.is_any_kw(&[
        "LEN",
        "DATALENGTH",
        "LENGTH",
        "CHAR_LENGTH",
        "CHARACTER_LENGTH",
        "OCTET_LENGTH",
    ]) || !open.is_punct("(")
        || !close.is_punct(")")
    {
        return None;
    }
    dotted_column(&part[2..part.len() - 1])
}

/// An operand that is a `CASE` expression (possibly in parentheses).
fn starts_with_case(toks: &[Tok]) -> bool {
    toks.iter()
        .find(|t| !t.is_punct("("))
        .is_some_and(|t| t.is_kw("CASE"))
}

/// `dbo.CheckRights(@UserId, t.OwnerId)`: a call of a schema-qualified function (in
/// T-SQL a user-defined scalar function is always called by a two-part name; built-ins
/// never are) with two or more arguments, one of them a column of `operand`, within
/// `side`: the function's name. `pg_catalog.` / `sys.` functions are built-ins.
fn user_function_among_arguments(
    toks: &[Tok],
    shape: &QueryShape,
    side: std::ops::Range<usize>,
    operand: &Operand,
) -> Option<String> {
    for open in side.clone() {
        if !toks[open].is_punct("(") || open < side.start + 3 {
            continue;
        }
        let (schema, dot, name) = (&toks[open - 3], &toks[open - 2], &toks[open - 1]);
        if !(schema.is_identifier_like() && dot.is_punct(".") && name.is_identifier_like())
            || schema.text.eq_ignore_ascii_case("pg_catalog")
            || schema.text.eq_ignore_ascii_case("sys")
        {
            continue;
        }
        let Some(close) = shape.matching[open].filter(|&c| c <= side.end) else {
            continue;
        };
        let mut depth = 0usize;
        let mut commas = 0usize;
        for tok in &toks[open + 1..close] {
            if tok.is_punct("(") {
                depth += 1;
            } else if tok.is_punct(")") {
                depth = depth.saturating_sub(1);
            } else if depth == 0 && tok.is_punct(",") {
                commas += 1;
            }
        }
        let has_column = operand.columns.iter().any(|c| open < c.at && c.at < close);
        if commas >= 1 && has_column {
            return Some(format!("{}.{}", schema.text, name.text));
        }
    }
    None
}

/// A bare column of one source compared with `=` (not negated) in a clause.
struct Equality {
    /// The column's name as written.
    column: String,
    /// Compared with a value (a variable, a literal); otherwise with a column of
    /// another source (a join).
    against_value: bool,
}

/// One side of an `=` (not negated, not under `NOT ( ... )`) that is a bare column, with
/// what it is compared with: the token index of the `=`, the column, the other side.
struct ColumnEquality {
    op_at: usize,
    column: ColumnRef,
    other: Operand,
    /// The other side is a value: no column in it, and not empty.
    against_value: bool,
}

/// Every [`ColumnEquality`] of the clause `range` (each `=` gives up to two).
fn column_equalities(
    toks: &[Tok],
    shape: &QueryShape,
    range: std::ops::Range<usize>,
    variables: &[String],
    negated: &[(usize, usize)],
) -> Vec<ColumnEquality> {
    let mut found = Vec::new();
    for cmp in comparisons(toks, shape, range) {
        if cmp.op != CompareOp::Eq || cmp.negated || under_negated_group(negated, cmp.op_at) {
            continue;
        }
        let left = read_operand(toks, shape, cmp.left.clone(), variables);
        let right = read_operand(toks, shape, cmp.right.clone(), variables);
        for (column_side, other, other_range) in
            [(&left, &right, &cmp.right), (&right, &left, &cmp.left)]
        {
            if let Some(column) = column_side.bare_column.clone() {
                found.push(ColumnEquality {
                    op_at: cmp.op_at,
                    column,
                    against_value: !other.has_column() && !other_range.is_empty(),
                    other: other.clone(),
                });
            }
        }
    }
    found
}

/// Bare columns of `source` compared with `=` in the clause `range`, each to a value or to
/// a column of another source.
fn equalities(
    toks: &[Tok],
    shape: &QueryShape,
    scope: usize,
    range: std::ops::Range<usize>,
    variables: &[String],
    source: &crate::sql::query::Source,
    negated: &[(usize, usize)],
) -> Vec<Equality> {
    let resolves_to = |column: &ColumnRef| {
        shape
            .resolve(scope, column.qualifier.as_deref())
            .map(|s| s.at)
    };
    column_equalities(toks, shape, range, variables, negated)
        .into_iter()
        .filter(|e| resolves_to(&e.column) == Some(source.at))
        .filter(|e| {
            e.against_value
                || e.other
                    .bare_column
                    .as_ref()
                    .and_then(resolves_to)
                    .is_some_and(|at| at != source.at)
        })
        .map(|e| Equality {
            column: e.column.column,
            against_value: e.against_value,
        })
        .collect()
}

/// `ISNULL(x, d)`, `COALESCE(x, d)`, `NVL`, `IFNULL` at the head of an operand.
fn null_default(toks: &[Tok]) -> Option<String> {
    let head = toks.first()?;
    (head.is_any_kw(&["ISNULL", "COALESCE", "NVL", "IFNULL"])
        && toks.get(1).is_some_and(|t| t.is_punct("(")))
    .then(|| head.text.to_ascii_uppercase())
}

/// A table named for configuration or settings (`app_config`, `UserSettings`). Not
/// "lookup": a `FileLookup` may hold a row per file.
fn is_settings_table(name: &str) -> bool {
    let table = last_part(name).to_ascii_lowercase();
    ["config", "setting"]
        .iter()
        .any(|word| table.contains(word))
}

/// A catalog function that takes an object id (`OBJECT_NAME(t.ObjectId)`), in `toks`.
fn object_id_function(toks: &[Tok]) -> Option<String> {
    const FUNCTIONS: &[&str] = &[
        "OBJECT_NAME",
        "OBJECT_SCHEMA_NAME",
        "OBJECT_DEFINITION",
        "OBJECTPROPERTY",
        "OBJECTPROPERTYEX",
        "SCHEMA_NAME",
        "DB_NAME",
        "COL_NAME",
        "TYPE_NAME",
        "INDEXPROPERTY",
    ];
    toks.windows(2)
        .find(|w| w[0].is_any_kw(FUNCTIONS) && w[1].is_punct("("))
        .map(|w| w[0].text.to_ascii_uppercase())
}

/// Whether a column of `operand` and a column of `other` belong to the same source.
fn reads_same_row(shape: &QueryShape, scope: usize, operand: &Operand, other: &Operand) -> bool {
    let mine = sources_of(shape, scope, operand);
    !mine.is_empty()
        && sources_of(shape, scope, other)
            .iter()
            .any(|at| mine.contains(at))
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
