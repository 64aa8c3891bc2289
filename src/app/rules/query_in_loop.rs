//! `query-in-loop`: a query call inside a loop over anything else.

use super::{
    describe_reach, finding, is_follow_up_read, lower_for_origin, lower_if_cached,
    lower_if_one_off, lower_if_recovery, lower_if_resolved_by_name, LoopFacts,
};
use crate::app::ir::{AppFile, Call};
use crate::app::loop_shape::{uses_element, Iterates};
use crate::app::resolve::{Reach, Repo};
use crate::declare_rule;
use crate::model::{Category, ConfidenceLevel, RelatedLocation, Severity};
use crate::sql::rules::RawFinding;

declare_rule! {
    /// ## What it finds
    /// A query call (a catalogued database call, or a repository method that reaches one)
    /// inside a loop whose iteration source is not itself a query (that case is
    /// `n-plus-one`): one INSERT per item of a request payload, one lookup per id of a
    /// list. A loop whose body only works on data fetched before the loop is not reported,
    /// and in-memory LINQ / collection operations are not database calls. What the loop
    /// walks sets the confidence: a loop that waits on every pass (polling, retry), walks
    /// a fixed set written in the code (a literal list, an enum's values, a constant) or
    /// chunks of a list (batched already) is low; a `while` / `do` loop over no
    /// collection, or a call that names none of the loop's variables, is medium. The
    /// default (high) needs positive evidence that the loop's size comes from data: it
    /// walks a call's result (directly or through a variable assigned from one) or a
    /// collection passed in as a parameter; a request's or a form's values, a folder's
    /// files, a script's statements, a configuration object's list, a field, a local filled by hand or a counting loop
    /// over no named collection are medium, and so are the children of one object the
    /// function was given or loaded by key (`encounter.getObs()`, `person.names`: a
    /// getter with no arguments or a field of a parameter or such a local, not of a DAO,
    /// a result or a list): their number is that object's. It also needs each pass to cost a round trip:
    /// a statement that goes to an in-process database (a file importing SQLite's client
    /// and no server's), a call that reaches the database only through a function reading
    /// a cache first (`fooCache.get(id)`, a cache-typed field, `@Cacheable`, or a `get` of
    /// the repository's own that reads one: a query on a miss; not when the chain ends in a
    /// write, which runs every time), or a loop in recovery code
    /// (a function named `Recover…`: after a crash, a failover or at start-up) is medium.
    ///
    /// ## Why it matters
    /// Each iteration is a round trip: latency times the number of items, and as many
    /// statements for the server to parse, plan and log.
    ///
    /// ## Example
    /// ```javascript
    /// for (const item of order.items) {
    ///   await pool.query('INSERT INTO order_items (order_id, sku) VALUES ($1, $2)', [order.id, item.sku]);
    /// }
    /// ```
    ///
    /// ## How to fix
    /// Batch: one multi-row INSERT, a bulk API (`SqlBulkCopy`, `COPY`, `executemany`,
    /// `createMany`, `saveAll`), or one query with `IN (...)` / `= ANY($1)` for the lookups.
    pub static QUERY_IN_LOOP = {
        name: "query-in-loop",
        code: "APP002",
        category: Category::QueryPatterns,
        default_severity: Severity::Medium,
        summary: "A query call per iteration of a loop: batch it",
    };
}

pub fn check(repo: &Repo, file: &AppFile, out: &mut Vec<RawFinding>) {
    if file.loops.is_empty() {
        return;
    }
    let facts = LoopFacts::new(repo, file);
    for (li, lp) in file.loops.iter().enumerate() {
        if facts.sources[li].is_some() {
            continue;
        }
        for &ci in &facts.calls_within[li] {
            let call = &file.calls[ci];
            // Report at the innermost loop only.
            if call.loops.last() != Some(&li)
                || Some(ci) == lp.source_call
                || is_follow_up_read(call, lp.source_text.as_deref())
            {
                continue;
            }
            // An outer loop over a query makes it an n-plus-one, reported there.
            if call
                .loops
                .iter()
                .any(|&outer| facts.sources.get(outer).is_some_and(Option::is_some))
            {
                continue;
            }
            let Some(reach) = repo.reach(file, call) else {
                continue;
            };
            let mut found = finding(
                    &QUERY_IN_LOOP,
                    file,
                    call.function,
                    call.start,
                    call.end.line,
                    format!(
                        "`{}` runs once per iteration of the {} over `{}` (line {}): {}",
                        call.text,
                        lp.kind,
                        lp.source_text.clone().unwrap_or_else(|| "…".into()),
                        lp.start.line,
                        describe_reach(repo, &reach)
                    ),
                    format!("{} | {}", lp.source_text.clone().unwrap_or_default(), call.text),
                    vec![RelatedLocation {
                        file: None,
                        line: lp.start.line,
                        column: lp.start.column,
                        text: format!("loop: {}", lp.kind),
                    }],
                    "Batch the work: one multi-row statement or bulk API, or one query with IN (...) for all items".into(),
                );
            lower_if_resolved_by_name(&mut found, &[&reach]);
            lower_for_reach(&mut found, repo, file, &reach);
            // Unlike n-plus-one, a cache keyed by the loop's own item counts too: the loop
            // walks keys the application already holds, and a kept cache answers them after
            // the first pass (the query runs on a miss, not on every pass).
            lower_if_cached(&mut found, repo, &reach, false);
            lower_for_loop_shape(&mut found, file, call, &facts.iterates[li]);
            lower_if_one_off(&mut found, file, call.function);
            lower_if_recovery(&mut found, file, call.function);
            // A `while` loop judged a collection drains one (`shift`, `pop`, `Dequeue` in
            // its body): the collection is named there, not in the header the origin reads.
            let drains = (lp.kind.starts_with("while") || lp.kind.starts_with("do"))
                && lp.source_call.is_none()
                && lp.source_var.is_none();
            if facts.iterates[li] == Iterates::Collection && !drains {
                lower_for_origin(&mut found, &facts.origins[li]);
            }
            out.push(found);
        }
    }
}

/// Lowers the confidence when the statement goes to an in-process database (SQLite in
/// the application's own process: no network between them); a cache on the chain is
/// `lower_if_cached`'s, as for n-plus-one.
fn lower_for_reach(found: &mut RawFinding, repo: &Repo, file: &AppFile, reach: &Reach) {
    if let Some(database) = repo.embedded_database(file, reach) {
        found.confidence.lower(
            ConfidenceLevel::Medium,
            format!(
                "the statement goes to an in-process database ({database}): one per item costs no network round trip"
            ),
        );
    }
}

/// Lowers the confidence where the loop is not one a developer batches: it waits on every
/// pass (polling, retry), walks a fixed set written in the code or chunks of a collection
/// (low: shown with `--min-confidence low`); or it is a condition loop over no collection,
/// or the call names none of the loop's variables (medium: a guess either way).
fn lower_for_loop_shape(found: &mut RawFinding, file: &AppFile, call: &Call, iterates: &Iterates) {
    let confidence = &mut found.confidence;
    match iterates {
        Iterates::Waits(wait) => confidence.lower(
            ConfidenceLevel::Low,
            format!(
                "the loop waits on every pass (`{wait}`): a polling or retry loop runs one query per poll by design"
            ),
        ),
        Iterates::FixedSet(source) => confidence.lower(
            ConfidenceLevel::Low,
            format!(
                "the loop walks a fixed set written in the code (`{source}`): a handful of items, not rows that grow with use"
            ),
        ),
        Iterates::Chunks(what) => confidence.lower(
            ConfidenceLevel::Low,
            format!("the loop walks chunks of a collection (`{what}`): the work is batched already"),
        ),
        Iterates::Condition => confidence.lower(
            ConfidenceLevel::Medium,
            "a `while` / `do` loop over no collection (its condition is a flag, a counter or `true`): polling, retry or paging rather than a query per item of a list",
        ),
        Iterates::Collection => {}
    }
    let enclosing = call.loops.iter().filter_map(|&l| file.loops.get(l));
    if uses_element(call, enclosing, file.language) == Some(false) {
        confidence.lower(
            ConfidenceLevel::Medium,
            "the call names none of the loop's variables: it may repeat the same work on each pass rather than query per element",
        );
    }
}
