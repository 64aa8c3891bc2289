//! `n-plus-one`: a loop over a query's results that runs a query per item.

use super::{
    describe_reach, finding, is_follow_up_read, lower_for_origin, lower_if_cached,
    lower_if_one_off, lower_if_recovery, lower_if_resolved_by_name, lower_if_tree_walk,
    lower_if_writes_item, LoopFacts,
};
use crate::app::ir::{AppFile, ParamLoopCall};
use crate::app::resolve::Repo;
use crate::declare_rule;
use crate::model::{Category, RelatedLocation, Severity};
use crate::sql::rules::RawFinding;

declare_rule! {
    /// ## What it finds
    /// A loop whose iteration source is the result of a query — directly
    /// (`foreach (var a in repo.GetAppointments(id))`) or through a variable assigned from
    /// a query or a query method before the loop, a DB-API cursor iterated after its
    /// `execute` (`for row in cur:`), or the parameter of a promise's `.then` callback
    /// (`getPosts().then(res => res.rows.forEach(...))`) — and whose body runs a query
    /// call: a catalogued database call (ADO.NET, Dapper, Entity Framework, pg, mssql,
    /// Prisma, Sequelize, TypeORM, DB-API, SQLAlchemy, Django, JDBC, JdbcTemplate, JPA...)
    /// or a method of the repository that reaches one, also through a delegate or function
    /// field bound to it (`Func<int, Order> load = repo.Get; … load(id)`). Loops include iteration callbacks
    /// (`ForEach`, LINQ `Select` in memory, `forEach` / `map`, `Promise.all(xs.map(...))`,
    /// comprehensions, Java streams). The loop may be in a callee: a call that passes a
    /// query's rows (`loadDetails(findAll())`, or a variable assigned from a query) to a
    /// function of the repository whose loop walks its parameter and runs a query per item
    /// is reported at the call site. The evidence shows the chain: outer query → loop →
    /// inner call → where it reaches the database. When a function along that chain looks
    /// the key up in a cache before it reads (a cache field, a map its class fills after a
    /// miss, `@Cacheable`, a lookup on a receiver named for a cache), the finding is medium: repeated items are served from memory
    /// (unless the loop's item itself is handed to that function as its key).
    /// The default (high) is kept for a body that fetches per row; medium, with the
    /// reason, when the per-item call writes for the row the loop is on (a method named
    /// for a write, or whose chain to the database ends in one, handed the item,
    /// `saveCondition(condition)`, `delete_file(f.id)`, or a statement that writes,
    /// `UPDATE … WHERE id = ?`: row-by-row processing of what was
    /// read, which a join cannot replace), when the rows are a configuration list (the
    /// query's receiver or name says settings, config, preferences, global or system
    /// properties) or what a request or a script handed over, when the loop walks the
    /// children of one object, when the loop walks a tree one query per node (the
    /// per-item call is the loop's own query method again, or the function the loop is
    /// in), and in start-up or recovery code (`onStartup`, `Recover…`) as in one-off code.
    ///
    /// ## Why it matters
    /// One query for the list and one more per item: 100 appointments cost 101 round trips
    /// where one join would do, and the cost grows with the data. Each round trip adds
    /// network latency and a pool checkout; under load the pool runs dry.
    ///
    /// ## Example
    /// ```csharp
    /// var appointments = _appointmentRepository.GetByClient(clientId);
    /// foreach (var a in appointments)
    ///     a.Provider = _providerRepository.GetProvider(a.ProviderId); // one query per row
    /// ```
    ///
    /// ## How to fix
    /// Fetch the related rows in the first query (a JOIN, EF `Include`, Django
    /// `select_related` / `prefetch_related`, Prisma `include`), or fetch them all in one
    /// second query (`WHERE ProviderId IN (...)`) and match them in memory.
    pub static N_PLUS_ONE = {
        name: "n-plus-one",
        code: "APP001",
        category: Category::QueryPatterns,
        default_severity: Severity::High,
        summary: "A query per item in a loop over another query's results",
    };
}

pub fn check(repo: &Repo, file: &AppFile, out: &mut Vec<RawFinding>) {
    let facts = LoopFacts::new(repo, file);
    check_loop_in_callee(repo, file, &facts, out);
    for (li, lp) in file.loops.iter().enumerate() {
        let Some((source_text, source_pos, source_reach)) = facts.sources[li].clone() else {
            continue;
        };
        for &ci in &facts.calls_within[li] {
            let call = &file.calls[ci];
            if Some(ci) == lp.source_call || is_follow_up_read(call, Some(&source_text)) {
                continue;
            }
            // Nested loops over queries: report once, at the innermost one.
            let inner_query_loop = call
                .loops
                .iter()
                .skip_while(|&&l| l != li)
                .skip(1)
                .any(|&l| facts.sources.get(l).is_some_and(Option::is_some));
            if inner_query_loop {
                continue;
            }
            let Some(reach) = repo.reach(file, call) else {
                continue;
            };
            let where_it_goes = describe_reach(repo, &reach);
            let chain = format!(
                    "outer query `{source_text}` (line {}) → {} (line {}) → `{}` (line {}) → {where_it_goes}",
                    source_pos.line, lp.kind, lp.start.line, call.text, call.start.line
                );
            let mut found = finding(
                    &N_PLUS_ONE,
                    file,
                    call.function,
                    call.start,
                    call.end.line,
                    format!("`{}` runs once per item of a loop over a query's results: {chain}", call.text),
                    format!("{} | {}", lp.source_text.clone().unwrap_or_default(), call.text),
                    vec![
                        outer_query_location(repo, &source_text, source_pos, &source_reach),
                        RelatedLocation {
                            file: None,
                            line: lp.start.line,
                            column: lp.start.column,
                            text: format!("loop: {}", lp.kind),
                        },
                    ],
                    "Fetch the related rows with the first query (JOIN / Include / select_related / include), or in one batched query (WHERE id IN (...)) before the loop".into(),
                );
            lower_if_resolved_by_name(&mut found, &[&reach, &source_reach]);
            // `getRoom(name)` in a loop over names: the item itself is the key.
            let passes_item = call
                .argument_texts()
                .iter()
                .any(|a| lp.variables.iter().any(|v| v == a.trim()));
            lower_if_cached(&mut found, repo, &reach, passes_item);
            lower_if_one_off(&mut found, file, call.function);
            lower_if_recovery(&mut found, file, call.function);
            // The rows are a configuration list or what a request sent: a handful.
            lower_for_origin(&mut found, &facts.origins[li]);
            lower_if_writes_item(&mut found, repo, file, call, &reach, li);
            let feeding = facts.feeding[li].and_then(|c| file.calls.get(c));
            lower_if_tree_walk(&mut found, file, call, feeding);
            out.push(found);
        }
    }
}

/// The loop is in a callee: `loadDetails(findAll())`, or `list = findAll();
/// loadDetails(list)`, where every function the call can mean loops over a parameter and
/// runs a query per item. Reported at the call site, with the query passed in and the
/// callee's loop and query as related locations.
fn check_loop_in_callee(repo: &Repo, file: &AppFile, facts: &LoopFacts, out: &mut Vec<RawFinding>) {
    for (ci, call) in file.calls.iter().enumerate() {
        // A call inside a loop over a query is that loop's finding already.
        let in_query_loop = call
            .loops
            .iter()
            .any(|&l| facts.sources.get(l).is_some_and(Option::is_some));
        if call.db.is_some() || call.arity == 0 || call.function.is_none() || in_query_loop {
            continue;
        }
        let passed = passed_queries(repo, file, ci);
        if passed.is_empty() {
            continue;
        }
        // The loop must walk the argument holding a query's rows, by position or keyword;
        // when the front end did not record which parameter it walks, any may be it.
        let matching = |p: &ParamLoopCall| -> Option<&PassedQuery> {
            match p.parameter {
                None => passed.first(),
                Some(position) => passed.iter().find(|q| match &q.keyword {
                    Some(keyword) => repo.name(p.parameter_name) == keyword,
                    None => q.position == position as usize,
                }),
            }
        };
        let Some(callee) = repo.param_loop_query(file, call, &|p| matching(p).is_some()) else {
            continue;
        };
        let Some(PassedQuery {
            text: source_text,
            at: source_pos,
            reach: source_reach,
            ..
        }) = matching(callee.inner).cloned()
        else {
            continue;
        };
        let position_unknown = callee.inner.parameter.is_none();
        let inner = callee.inner;
        let where_it_goes = describe_reach(repo, &callee.reach);
        let callee_name = repo.chain(callee.function);
        let callee_name = callee_name.split(" → ").next().unwrap_or_default();
        let chain = format!(
            "outer query `{source_text}` (line {}) → passed to {callee_name}, whose {} ({}:{}) → `{}` ({}:{}) → {where_it_goes}",
            source_pos.line, inner.loop_text, callee.path, inner.loop_line, inner.text, callee.path, inner.line
        );
        // The callee may be defined in another file: its places must not point into this one.
        let callee_file = (*callee.path != *file.path).then(|| callee.path.to_string());
        let mut found = finding(
            &N_PLUS_ONE,
            file,
            call.function,
            call.start,
            call.end.line,
            format!(
                "`{}` hands a query's rows to a function that runs a query per item: {chain}",
                call.text
            ),
            format!("{source_text} | {} | {}", call.text, inner.text),
            vec![
                outer_query_location(repo, &source_text, source_pos, &source_reach),
                RelatedLocation {
                    file: callee_file.clone(),
                    line: inner.loop_line,
                    column: inner.loop_column,
                    text: format!("loop in the callee: {} ({}:{})", inner.loop_text, callee.path, inner.loop_line),
                },
                RelatedLocation {
                    file: callee_file,
                    line: inner.line,
                    column: 0,
                    text: format!("query per item in the callee: {} ({}:{})", inner.text, callee.path, inner.line),
                },
            ],
            "Fetch the related rows with the first query (JOIN / Include / select_related / include), or in one batched query (WHERE id IN (...)) inside the callee instead of one per item".into(),
        );
        lower_if_resolved_by_name(&mut found, &[&source_reach, &callee.reach]);
        if callee.by_name {
            found.confidence.lower(
                crate::model::ConfidenceLevel::Medium,
                "the call was matched to the looping function by name and argument count only (its receiver's type is not known)",
            );
        }
        if call.arity > 1 && position_unknown {
            found.confidence.lower(
                crate::model::ConfidenceLevel::Medium,
                "the callee loops over one of its parameters; which one receives the query's rows is not recorded",
            );
        }
        // Which argument of the callee's inner call is its loop's item is not recorded.
        lower_if_cached(&mut found, repo, &callee.reach, false);
        lower_if_one_off(&mut found, file, call.function);
        lower_if_recovery(&mut found, file, call.function);
        if let Some(passed) = matching(callee.inner).filter(|q| q.configuration) {
            lower_for_origin(
                &mut found,
                &crate::app::loop_shape::Origin::Configuration(passed.text.clone()),
            );
        }
        out.push(found);
    }
}

/// An argument holding a query's rows: its position (or keyword), the query and how it
/// reaches the database.
#[derive(Clone)]
struct PassedQuery {
    position: usize,
    keyword: Option<String>,
    text: String,
    at: crate::app::ir::Pos,
    reach: crate::app::resolve::Reach,
    /// The query returns configuration (`loop_shape::reads_configuration`).
    configuration: bool,
}

/// The arguments of call `ci` that hold a query's rows: a call reaching the database
/// (`loadDetails(findAll())`), or a variable last assigned from one before the call in
/// the same function (`loadDetails(list)`); a keyword argument (`rows=rows`) says which
/// parameter it fills.
fn passed_queries(repo: &Repo, file: &AppFile, ci: usize) -> Vec<PassedQuery> {
    let Some(call) = file.calls.get(ci) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (position, argument) in call.argument_texts().into_iter().enumerate() {
        let (keyword, value) = crate::app::ir::keyword_argument(argument);
        let value = crate::app::ir::strip_await(value);
        let nested = file.calls.iter().find(|inner| {
            inner.function == call.function
                && inner.start_byte > call.start_byte
                && inner.end_byte <= call.end_byte
                && inner.text == value
        });
        let source = match nested {
            Some(inner) => repo.reach(file, inner).map(|reach| {
                (
                    inner.text.clone(),
                    inner.start,
                    reach,
                    crate::app::loop_shape::reads_configuration(inner),
                )
            }),
            None => file
                .assignments
                .iter()
                .filter(|a| {
                    a.function == call.function && a.variable == value && a.start < call.start
                })
                .max_by_key(|a| a.start)
                .and_then(|a| file.calls.get(a.call))
                .and_then(|source| {
                    let reach = repo.reach(file, source)?;
                    Some((
                        format!("{value} = {}", source.text),
                        source.start,
                        reach,
                        crate::app::loop_shape::reads_configuration(source),
                    ))
                }),
        };
        if let Some((text, at, reach, configuration)) = source {
            out.push(PassedQuery {
                position,
                keyword: keyword.map(str::to_string),
                text,
                at,
                reach,
                configuration,
            });
        }
    }
    out
}

/// The related location of the query whose rows are walked.
fn outer_query_location(
    repo: &Repo,
    source_text: &str,
    at: crate::app::ir::Pos,
    reach: &crate::app::resolve::Reach,
) -> RelatedLocation {
    RelatedLocation {
        file: None,
        line: at.line,
        column: at.column,
        text: format!(
            "outer query: {source_text} ({})",
            describe_reach(repo, reach)
        ),
    }
}
