//! `n-plus-one`: a loop over a query's results that runs a query per item.

use super::{
    describe_reach, finding, is_follow_up_read, lower_if_one_off, lower_if_resolved_by_name,
    LoopFacts,
};
use crate::app::ir::AppFile;
use crate::app::resolve::Repo;
use crate::declare_rule;
use crate::model::{Category, RelatedLocation, Severity};
use crate::sql::rules::RawFinding;

declare_rule! {
    /// ## What it finds
    /// A loop whose iteration source is the result of a query — directly
    /// (`foreach (var a in repo.GetAppointments(id))`) or through a variable assigned from
    /// a query or a query method before the loop — and whose body runs a query call: a
    /// catalogued database call (ADO.NET, Dapper, Entity Framework, pg, mssql, Prisma,
    /// Sequelize, TypeORM, DB-API, SQLAlchemy, Django, JDBC, JdbcTemplate, JPA...) or a
    /// method of the repository that reaches one. Loops include iteration callbacks
    /// (`ForEach`, LINQ `Select` in memory, `forEach` / `map`, `Promise.all(xs.map(...))`,
    /// comprehensions, Java streams). The evidence shows the chain: outer query → loop →
    /// inner call → where it reaches the database.
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
    if file.loops.is_empty() {
        return;
    }
    let facts = LoopFacts::new(repo, file);
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
                        RelatedLocation {
                            line: source_pos.line,
                            column: source_pos.column,
                            text: format!("outer query: {source_text} ({})", describe_reach(repo, &source_reach)),
                        },
                        RelatedLocation {
                            line: lp.start.line,
                            column: lp.start.column,
                            text: format!("loop: {}", lp.kind),
                        },
                    ],
                    "Fetch the related rows with the first query (JOIN / Include / select_related / include), or in one batched query (WHERE id IN (...)) before the loop".into(),
                );
            lower_if_resolved_by_name(&mut found, &[&reach, &source_reach]);
            lower_if_one_off(&mut found, file, call.function);
            out.push(found);
        }
    }
}
