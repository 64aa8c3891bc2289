//! The application-source rules: one file each, each with its doc comment.

pub mod connection_leak_on_exception;
pub mod connection_per_call;
pub mod hardcoded_credentials;
pub mod n_plus_one;
pub mod query_in_loop;
pub mod sync_over_async;
pub mod undisposed_connection;

use super::ir::{AppFile, Pos};
use super::resolve::{Reach, Repo};
use crate::app::loop_shape::Origin;
use crate::model::{ConfidenceLevel, RelatedLocation};
use crate::rules::RuleMeta;
use crate::sql::rules::RawFinding;

/// How a rule reads the facts.
pub enum Check {
    /// One file's facts alone: runs in the worker, right after extraction, so that the
    /// facts it reads (connections, strings) need not be kept for the cross-file pass.
    File(fn(&AppFile, &mut Vec<RawFinding>)),
    /// One file's facts and the repository's query methods: runs after the resolution.
    Repository(fn(&Repo, &AppFile, &mut Vec<RawFinding>)),
}

pub struct AppRule {
    pub meta: &'static RuleMeta,
    pub check: Check,
}

pub static ALL: &[AppRule] = &[
    AppRule {
        meta: &n_plus_one::N_PLUS_ONE,
        check: Check::Repository(n_plus_one::check),
    },
    AppRule {
        meta: &query_in_loop::QUERY_IN_LOOP,
        check: Check::Repository(query_in_loop::check),
    },
    AppRule {
        meta: &undisposed_connection::UNDISPOSED_CONNECTION,
        check: Check::File(undisposed_connection::check),
    },
    AppRule {
        meta: &connection_leak_on_exception::CONNECTION_LEAK_ON_EXCEPTION,
        check: Check::File(connection_leak_on_exception::check),
    },
    // The same rule again, for connections opened and closed by helpers the resolution
    // finds across files.
    AppRule {
        meta: &connection_leak_on_exception::CONNECTION_LEAK_ON_EXCEPTION,
        check: Check::Repository(connection_leak_on_exception::check_helpers),
    },
    AppRule {
        meta: &connection_per_call::CONNECTION_PER_CALL,
        check: Check::File(connection_per_call::check),
    },
    AppRule {
        meta: &sync_over_async::SYNC_OVER_ASYNC,
        check: Check::Repository(sync_over_async::check),
    },
    AppRule {
        meta: &hardcoded_credentials::HARDCODED_CREDENTIALS,
        check: Check::File(hardcoded_credentials::check),
    },
];

/// `Class.Method` of a function, for the finding's location.
pub fn object_name(file: &AppFile, function: Option<usize>) -> Option<String> {
    let f = file.functions.get(function?)?;
    Some(match &f.class {
        Some(class) if !class.is_empty() && class != &f.name => format!("{class}.{}", f.name),
        _ => f.name.clone(),
    })
}

/// ` (`conn`)`: the variable a connection is held in, for a finding's message.
pub fn variable_note(site: &crate::app::ir::ConnectionSite) -> String {
    site.variable
        .as_deref()
        .map(|v| format!(" (`{v}`)"))
        .unwrap_or_default()
}

/// A finding at a position of a file.
#[allow(clippy::too_many_arguments)]
pub fn finding(
    rule: &'static RuleMeta,
    file: &AppFile,
    function: Option<usize>,
    at: Pos,
    end_line: u32,
    message: String,
    snippet: String,
    related: Vec<RelatedLocation>,
    recommendation: String,
) -> RawFinding {
    RawFinding {
        rule,
        line: at.line,
        column: at.column,
        end_line,
        statement_line: at.line,
        object: object_name(file, function),
        message,
        snippet,
        related,
        recommendation,
        confidence: crate::model::Confidence::high(),
        index_check: None,
    }
}

/// The query a loop iterates over, when it is one: directly (`foreach (var x in
/// repo.GetAll())`) or through a variable assigned from a query before the loop.
pub type LoopSource = (String, Pos, Reach);

/// Per-file loop facts computed once for the loop rules: each loop's query source, the
/// calls inside each loop (at any depth), what each loop walks and where its collection
/// comes from.
pub struct LoopFacts {
    pub sources: Vec<Option<LoopSource>>,
    pub calls_within: Vec<Vec<usize>>,
    pub iterates: Vec<crate::app::loop_shape::Iterates>,
    pub origins: Vec<crate::app::loop_shape::Origin>,
    /// The call whose result each loop walks (index in `AppFile::calls`), when the facts
    /// trace one: its source call, the query whose rows it walks, or the call its source
    /// variable was last assigned from before the loop.
    pub feeding: Vec<Option<usize>>,
}

impl LoopFacts {
    pub fn new(repo: &Repo, file: &AppFile) -> LoopFacts {
        use std::collections::HashMap;
        // (function, variable) -> assignments: the last one before a loop is its source.
        let mut assignments: HashMap<(Option<usize>, &str), Vec<&crate::app::ir::Assignment>> =
            HashMap::new();
        for a in &file.assignments {
            assignments
                .entry((a.function, a.variable.as_str()))
                .or_default()
                .push(a);
        }
        // The call each loop walks: its source call, the query whose rows the front end
        // says it walks (a cursor after `execute`, a promise callback's parameter), or the
        // call its source variable was last assigned from before the loop.
        let feeding_calls: Vec<Option<usize>> = file
            .loops
            .iter()
            .map(|lp| {
                if let Some(ci) = lp.source_call.or(lp.rows_of) {
                    return Some(ci);
                }
                let variable = lp.source_var.as_deref()?;
                let assignment = assignments
                    .get(&(lp.function, variable))?
                    .iter()
                    .filter(|a| a.start < lp.start)
                    .max_by_key(|a| a.start)?;
                Some(assignment.call)
            })
            .collect();
        let feeding: Vec<Option<&crate::app::ir::Call>> = feeding_calls
            .iter()
            .map(|ci| ci.and_then(|ci| file.calls.get(ci)))
            .collect();
        let sources = file
            .loops
            .iter()
            .zip(&feeding)
            .map(|(lp, call)| {
                let call = (*call)?;
                let reach = repo.reach(file, call)?;
                let text = match (lp.source_call, lp.source_var.as_deref()) {
                    (None, Some(variable)) if lp.rows_of.is_none() => {
                        format!("{variable} = {}", call.text)
                    }
                    _ => call.text.clone(),
                };
                Some((text, call.start, reach))
            })
            .collect();
        let origins = file
            .loops
            .iter()
            .zip(&feeding)
            .map(|(lp, call)| {
                let origin = crate::app::loop_shape::origin(lp, *call);
                match origin {
                    crate::app::loop_shape::Origin::Returned(_)
                    | crate::app::loop_shape::Origin::Parameter(_) => {
                        children_of_one_object(file, &assignments, lp, *call).unwrap_or(origin)
                    }
                    other => other,
                }
            })
            .collect();
        let mut calls_within = vec![Vec::new(); file.loops.len()];
        for (ci, call) in file.calls.iter().enumerate() {
            for &l in &call.loops {
                if let Some(list) = calls_within.get_mut(l) {
                    list.push(ci);
                }
            }
        }
        let iterates = file
            .loops
            .iter()
            .zip(&calls_within)
            .map(|(lp, calls)| {
                crate::app::loop_shape::iterates(
                    lp,
                    calls.iter().filter_map(|&c| file.calls.get(c)),
                    file.language,
                )
            })
            .collect();
        LoopFacts {
            sources,
            calls_within,
            iterates,
            origins,
            feeding: feeding_calls,
        }
    }
}

/// `Origin::ChildrenOf` when `lp` walks the child list of one object its function was given
/// or loaded (`loop_shape::children_of_one_object`): the owner is a parameter, or a local
/// assigned in the same function before the loop from a call that loads one object, and
/// no variable of a loop around this one.
fn children_of_one_object(
    file: &AppFile,
    assignments: &std::collections::HashMap<
        (Option<usize>, &str),
        Vec<&crate::app::ir::Assignment>,
    >,
    lp: &crate::app::ir::Loop,
    feeding: Option<&crate::app::ir::Call>,
) -> Option<crate::app::loop_shape::Origin> {
    let source = lp.source_text.as_deref()?;
    let owner = crate::app::loop_shape::source_root(source)?;
    // A local is one object only when the call it comes from loads one by its key or
    // name (`loop_shape::loads_one_object`: `findVisit(id)`, `getEncounterByUuid(uuid)`);
    // a query's or a search's result holds rows (`res.rows`, `result.getMediaFiles()`).
    let last_assignment = assignments.get(&(lp.function, owner)).and_then(|list| {
        list.iter()
            .filter(|a| a.start < lp.start)
            .max_by_key(|a| a.start)
    });
    let local = match last_assignment {
        Some(a) => match file.calls.get(a.call) {
            Some(call) => crate::app::loop_shape::loads_one_object(&call.callee),
            None => false,
        },
        None => false,
    };
    let outer_variables: Vec<&str> = file
        .loops
        .iter()
        .filter(|outer| {
            outer.function == lp.function
                && outer.span != lp.span
                && outer.span.0 <= lp.span.0
                && lp.span.1 <= outer.span.1
        })
        .flat_map(|outer| outer.variables.iter().map(String::as_str))
        .collect();
    let receiver_type = feeding.and_then(|call| match &call.receiver_type {
        crate::app::ir::ReceiverType::Class(name) => Some(name.as_str()),
        _ => None,
    });
    crate::app::loop_shape::children_of_one_object(
        source,
        lp.source_param || local,
        &outer_variables,
        receiver_type,
    )
    .map(|s| crate::app::loop_shape::Origin::ChildrenOf(s.to_string()))
}

/// A call that reads rows of a statement already run: DB-API `fetchone` / `fetchall` on a
/// cursor, or a related manager read from its `prefetch_related` cache (`.all()`,
/// `.count()`, `.exists()`; `.filter()` queries again, and `select_related` does not load
/// reverse relations). No new round trip of its own.
pub fn is_follow_up_read(call: &crate::app::ir::Call, loop_source: Option<&str>) -> bool {
    let api = call.db_api.as_deref().unwrap_or("");
    if is_transaction_control(call) {
        return true;
    }
    if api == "DB-API fetch" {
        return true;
    }
    let prefetched = loop_source.is_some_and(|s| s.contains("prefetch_related"));
    let requeries = call.chain.iter().any(|m| {
        matches!(
            m.as_str(),
            "filter" | "exclude" | "order_by" | "annotate" | "values" | "values_list" | "get"
        )
    });
    prefetched
        && !requeries
        && api.starts_with("Django related manager")
        && matches!(
            call.callee.as_str(),
            "all" | "count" | "exists" | "first" | "last"
        )
}

/// `BEGIN`, `COMMIT`, `ROLLBACK`, `SAVEPOINT`: session control, not per-row data work.
/// (Recognised through the call's own text, which holds its SQL argument.)
fn is_transaction_control(call: &crate::app::ir::Call) -> bool {
    let text = call.text.to_ascii_uppercase();
    let Some(open) = text.find(['\'', '"', '`']) else {
        return false;
    };
    let sql = text[open + 1..].trim_start();
    [
        "BEGIN",
        "COMMIT",
        "ROLLBACK",
        "SAVEPOINT",
        "RELEASE",
        "START TRANSACTION",
        "END",
    ]
    .iter()
    .any(|k| sql.starts_with(k) && sql[k.len()..].starts_with(|c: char| !c.is_ascii_alphanumeric()))
}

/// The first words of a call's name that say it changes rows rather than reads them
/// (`saveUser`, `delete_file`, `unvoidEncounter`, `lockEventForProcessing`).
const WRITE_VERBS: &[&str] = &[
    "save", "delete", "remove", "purge", "update", "insert", "upsert", "persist", "store", "void",
    "unvoid", "retire", "unretire", "lock", "destroy", "drop", "truncate", "erase",
];

/// The first keyword of a statement that changes rows or the schema.
const WRITE_STATEMENTS: &[&str] = &[
    "INSERT", "UPDATE", "DELETE", "MERGE", "UPSERT", "REPLACE", "DROP", "CREATE", "ALTER",
    "TRUNCATE",
];

/// What says that `call` changes the database rather than reads from it: the catalogue
/// (`DbCall::Execute`: `executeUpdate`, `persist`), the statement written in the call
/// (`execute("UPDATE …")`), or the first word of its name (`saveCondition`,
/// `delete_file`). The text says which, for a finding's reason.
pub fn writes(call: &crate::app::ir::Call) -> Option<Write> {
    writes_itself(call)
}

/// `writes`, or else the chain the resolution found from the call to the database ends in
/// a statement that writes (`Repo::chain_ends_in_write`: `room.addMember(…)` →
/// `saveMember` → `executeUpdate`).
pub fn writes_through(repo: &Repo, call: &crate::app::ir::Call, reach: &Reach) -> Option<Write> {
    writes_itself(call).or_else(|| {
        repo.chain_ends_in_write(reach)
            .map(|api| Write::Chain(format!("{} → … → {api}", call.callee)))
    })
}

fn writes_itself(call: &crate::app::ir::Call) -> Option<Write> {
    if call.db == Some(crate::app::ir::DbCall::Execute) {
        // The statement's own keyword where it is written in the call (`INSERT`), else the
        // catalogue entry (`executeUpdate`).
        if let Some(insert) = statement_keyword(call).filter(|k| k == "INSERT") {
            return Some(Write::Statement(insert));
        }
        return Some(Write::Statement(
            call.db_api.as_deref().unwrap_or(&call.callee).to_string(),
        ));
    }
    if call.db.is_some() {
        if let Some(keyword) =
            statement_keyword(call).filter(|k| WRITE_STATEMENTS.contains(&k.as_str()))
        {
            return Some(Write::Statement(keyword));
        }
    }
    let verb = first_word(&call.callee).to_ascii_lowercase();
    WRITE_VERBS
        .contains(&verb.as_str())
        .then(|| Write::Named(call.callee.clone()))
}

/// How a call is known to write (`writes`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    /// The call is itself a database call that writes: the catalogue says so, or the
    /// statement it runs starts with `INSERT` / `UPDATE` / `DELETE` / DDL. The text is the
    /// catalogue entry or the keyword.
    Statement(String),
    /// A function whose name's first word is a write verb (`saveCondition`). The name.
    Named(String),
    /// A call whose chain to the database ends in a write (`Repo::chain_ends_in_write`).
    /// The call and the catalogue entry.
    Chain(String),
}

/// The first word of a camelCase, PascalCase or snake_case name (`saveUser` → `save`,
/// `SaveChanges` → `Save`, `delete_file` → `delete`).
fn first_word(name: &str) -> &str {
    let name = name.trim_start_matches('_');
    let end = name
        .char_indices()
        .skip(1)
        .find(|&(_, c)| c.is_uppercase() || c == '_' || c.is_ascii_digit())
        .map_or(name.len(), |(i, _)| i);
    &name[..end]
}

/// The first keyword of the SQL written in a call (its first string literal), upper-cased:
/// `execute("UPDATE devices SET …")` → `UPDATE`.
fn statement_keyword(call: &crate::app::ir::Call) -> Option<String> {
    let open = call.text.find(['\'', '"', '`'])?;
    let sql = call.text[open + 1..].trim_start();
    let keyword: String = sql
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    (!keyword.is_empty()).then(|| keyword.to_ascii_uppercase())
}

/// Lowers a per-item finding whose call writes the row the loop is on: a method named for
/// a write and handed the loop's item (`saveCondition(condition)`, `delete_file(f.id)`), or
/// a statement that writes (`UPDATE … WHERE id = ?`) unless it is seen to take nothing of
/// the row. That is row-by-row processing of what the query read (a merge, a clean-up, an
/// outbox marking each event), not related rows fetched one item at a time, which a join
/// or `IN (…)` would bring with the first query. A method named for a write, or whose
/// chain to the database ends in one, must be seen taking the loop's item; one that does
/// not (`roster.deleteRosterItem(user)` per roster) stays as it is: it may load before it
/// writes.
///
/// `walked` is the loop over the query's rows: the item is its element or an element of a
/// loop inside it (a `while (true)` around it that fetches the next batch is not read).
pub fn lower_if_writes_item(
    found: &mut RawFinding,
    repo: &Repo,
    file: &AppFile,
    call: &crate::app::ir::Call,
    reach: &Reach,
    walked: usize,
) {
    let Some(write) = writes_through(repo, call, reach) else {
        return;
    };
    let enclosing: Vec<&crate::app::ir::Loop> = call
        .loops
        .iter()
        .skip_while(|&&l| l != walked)
        .filter_map(|&l| file.loops.get(l))
        .collect();
    let mut names_item =
        crate::app::loop_shape::uses_element(call, enclosing.iter().copied(), file.language);
    // An iterator or cursor loop holds its element in the source variable or a local taken
    // from its `next()`, which the front end does not list as the loop's variables.
    let elements: Vec<&str> = enclosing
        .iter()
        .flat_map(|lp| {
            crate::app::loop_shape::iterator_elements(lp, &file.calls, &file.assignments)
        })
        .collect();
    if names_item != Some(true) && !elements.is_empty() {
        names_item = Some(crate::app::loop_shape::names_any(call, &elements));
    }
    // A value the body read off the row (`key = rs.getString(1)`) handed to the write as
    // an argument is the row's too; an object loaded by it and written through
    // (`roster = getRoster(name); roster.deleteRosterItem(user)`) is not.
    if names_item != Some(true) {
        let mut names: Vec<&str> = elements;
        for lp in &enclosing {
            names.extend(crate::app::loop_shape::variable_names(lp));
        }
        let read_off: Vec<&str> = enclosing
            .iter()
            .flat_map(|lp| {
                crate::app::loop_shape::read_off_element(
                    lp,
                    call.start,
                    &names,
                    &file.calls,
                    &file.assignments,
                )
            })
            .collect();
        if crate::app::loop_shape::argument_names_any(call, &read_off) {
            names_item = Some(true);
        }
    }
    // A statement that writes is row-by-row work unless it is known to take nothing of
    // the row (its text may be cut short, or the row is read through a local); a method
    // named for a write must be seen taking the item: it may load before it writes.
    let (lowered, what) = match &write {
        // A new row for each row the query read is one `INSERT … SELECT`: the loop is the
        // round trips a set-based statement replaces, whatever it is called.
        Write::Statement(keyword) if keyword == "INSERT" => return,
        Write::Statement(what) => (names_item != Some(false), what),
        Write::Named(what) | Write::Chain(what) => (names_item == Some(true), what),
    };
    if !lowered {
        return;
    }
    found.confidence.lower(
        ConfidenceLevel::Medium,
        format!("the per-item call writes (`{what}`) for the row the loop is on: row-by-row processing of what the query read, not related rows fetched one at a time; batch the writes if this path runs often"),
    );
}

/// Lowers a per-item finding that walks a tree one level per query: the per-item call is
/// the loop's own query again (`for (t : dao.getSubtypes(type)) dao.getSubtypes(t)`) or
/// the function the loop is in (`getDescendants(child)` inside `getDescendants`). Each
/// pass reads the next level of a hierarchy (groups, folders, categories, types): as many
/// queries as the tree has nodes, which is its shape rather than a list's size, and a
/// recursive CTE is the fix only where the database has one.
pub fn lower_if_tree_walk(
    found: &mut RawFinding,
    file: &AppFile,
    call: &crate::app::ir::Call,
    feeding: Option<&crate::app::ir::Call>,
) {
    // A catalogued call (`executeQuery`, `pool.query`) runs whatever statement it is
    // given: the same name twice is two queries, not one query method walking a tree.
    let same_query = call.db.is_none()
        && feeding.is_some_and(|f| f.callee == call.callee && f.arity == call.arity);
    // Recursion is a call of the function itself: unqualified or on `this` / `self`
    // (`itemService.delete(item)` inside a `delete` is another class's method).
    let on_itself = match call.chain.as_slice() {
        [] => true,
        [only] => matches!(only.as_str(), "this" | "self"),
        _ => false,
    };
    let recursion = on_itself
        && call
            .function
            .and_then(|f| file.functions.get(f))
            .is_some_and(|f| f.name == call.callee && f.arity == call.arity);
    if same_query || recursion {
        found.confidence.lower(
            ConfidenceLevel::Medium,
            format!(
                "`{}` {} for each item: a walk down a hierarchy, one query per node, as many as the tree has rather than a list's rows",
                call.callee,
                if recursion {
                    "calls the function the loop is in again"
                } else {
                    "runs the loop's own query again"
                }
            ),
        );
    }
}

/// Lowers a finding's confidence when a call it rests on was resolved by name alone
/// (issue #17): the receiver's type was unknown, so the call may mean another method of
/// that name.
pub fn lower_if_resolved_by_name(finding: &mut RawFinding, reaches: &[&Reach]) {
    if reaches.iter().any(|r| r.by_name()) {
        finding.confidence.lower(
            crate::model::ConfidenceLevel::Medium,
            "a call matched to a query method of the repository by name and argument count only (its receiver's type is not known)",
        );
    }
}

/// Lowers a per-item finding whose query is reached only through a cache
/// (`Repo::cached_on_chain`): the first call for a key queries, the ones after it are
/// served from memory, so the loop costs one query per distinct key at most, and none
/// once the cache is warm. A cache in the function the call names does not count when the
/// call hands it the loop's item itself (`getRoom(name)` over room names): each item is
/// its own key, and every one misses.
pub fn lower_if_cached(finding: &mut RawFinding, repo: &Repo, reach: &Reach, item_is_key: bool) {
    if let Some((function, field)) = repo.cached_on_chain(reach, item_is_key) {
        finding.confidence.lower(
            crate::model::ConfidenceLevel::Medium,
            format!("`{function}` is read through a cache (`{field}`): repeated items are served from memory"),
        );
    }
}

/// Lowers a loop finding in one-off code (`loop_shape::one_off_code`): an upgrade, a
/// migration or an installer runs its per-row statements once, not per request.
pub fn lower_if_one_off(finding: &mut RawFinding, file: &AppFile, function: Option<usize>) {
    if let Some(what) = one_off_code(file, function) {
        finding.confidence.lower(
            crate::model::ConfidenceLevel::Medium,
            format!("the loop is in one-off upgrade, migration or install code (`{what}`): it runs once per installation or version, not per request"),
        );
    }
}

/// Whether `function` of `file` is one-off code (`loop_shape::one_off_code`: its folder,
/// file, class or function name; `loop_shape::one_off_base`: its class implements a
/// migration framework's interface), and what says so.
pub fn one_off_code(file: &AppFile, function: Option<usize>) -> Option<String> {
    let f = function.and_then(|f| file.functions.get(f));
    let class = f.and_then(|f| f.class.as_deref());
    let name = f.map(|f| f.name.as_str());
    crate::app::loop_shape::one_off_code(&file.path, class, name).or_else(|| {
        let class = class?;
        let facts = file.classes.iter().find(|c| c.name == class)?;
        crate::app::loop_shape::one_off_base(&facts.bases)
    })
}

/// Lowers a connection finding on an in-process database (`ConnectionSite::in_process`):
/// nothing on a server waits for it and no pool runs dry; only a file handle stays open
/// until the object is collected.
pub fn lower_if_in_process(finding: &mut RawFinding, site: &crate::app::ir::ConnectionSite) {
    if site.in_process {
        finding.confidence.lower(
            crate::model::ConfidenceLevel::Medium,
            format!("`{}` opens an in-process SQLite file: no server session or pool slot is held, only a file handle until the object is collected", site.api),
        );
    }
}

/// How a call reaches the database, in words.
pub fn describe_reach(repo: &Repo, reach: &Reach) -> String {
    match reach {
        Reach::Direct(api) => api.clone(),
        Reach::Method { function, .. } => repo.chain(*function),
    }
}

/// Lowers a finding in recovery code (`loop_shape::recovery_code`): it runs after a crash,
/// a failover or at start-up, over what was left behind, not per request.
pub fn lower_if_recovery(found: &mut RawFinding, file: &AppFile, function: Option<usize>) {
    let Some(f) = function.and_then(|f| file.functions.get(f)) else {
        return;
    };
    if crate::app::loop_shape::recovery_code(&f.name) {
        let what = &f.name;
        found.confidence.lower(
            ConfidenceLevel::Medium,
            format!(
                "the loop is in recovery code (`{what}`): it runs after a crash, a failover or at start-up, not per request"
            ),
        );
    }
}

/// Keeps the default confidence only with positive evidence that the loop's size comes
/// from data: it walks a call's result (a query, a service or repository call) or a
/// collection the caller passes in. A request's or a form's values, a folder's files or a
/// script's statements are a handful a user sent; a field, a local filled by hand or a
/// counting loop is not known to grow with the data (medium either way: a guess).
pub fn lower_for_origin(found: &mut RawFinding, origin: &Origin) {
    match origin {
        Origin::Returned(_) | Origin::Parameter(_) => {}
        Origin::Input(what) => found.confidence.lower(
            ConfidenceLevel::Medium,
            format!(
                "the loop walks what a request, a form, a folder or a script hands over (`{what}`): a handful of items sent in, not rows that grow with use"
            ),
        ),
        Origin::Configuration(what) => found.confidence.lower(
            ConfidenceLevel::Medium,
            format!(
                "the loop walks a configuration list (`{what}`): a handful of items set up by an administrator, not rows that grow with use"
            ),
        ),
        Origin::ChildrenOf(source) => found.confidence.lower(
            ConfidenceLevel::Medium,
            format!(
                "the loop walks the children of one object (`{source}`): their number is that object's, not a table's"
            ),
        ),
        Origin::Unknown(Some(source)) => found.confidence.lower(
            ConfidenceLevel::Medium,
            format!(
                "the loop walks `{source}`; its size is not known to come from the database (it is not a query's or a data-access call's result, nor a collection of entities passed in)"
            ),
        ),
        Origin::Unknown(None) => found.confidence.lower(
            ConfidenceLevel::Medium,
            "the loop counts over no named collection; its size is not known to come from the database",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::ir::{Call, DbCall};

    #[test]
    fn a_write_is_told_by_the_catalogue_the_statement_or_the_name() {
        let mut execute = Call::for_test("executeUpdate", "ps.executeUpdate()", 0);
        execute.db = Some(DbCall::Execute);
        assert!(matches!(writes(&execute), Some(Write::Statement(_))));
        let mut update = Call::for_test(
            "execute",
            "cur.execute(\"UPDATE device SET seen = 1 WHERE id = ?\", [d])",
            2,
        );
        update.db = Some(DbCall::Query);
        assert_eq!(writes(&update), Some(Write::Statement("UPDATE".into())));
        let mut select = Call::for_test("execute", "cur.execute(\"SELECT 1\")", 1);
        select.db = Some(DbCall::Query);
        assert_eq!(writes(&select), None);
        // A statement written in a call that is no database call is not read.
        let message = Call::for_test("log", "log(\"DELETE pressed\")", 1);
        assert_eq!(writes(&message), None);
        for name in [
            "saveCondition",
            "SaveChanges",
            "delete_file",
            "unvoidEncounter",
            "_removeItem",
        ] {
            let call = Call::for_test(name, &format!("{name}(x)"), 1);
            assert_eq!(writes(&call), Some(Write::Named(name.into())), "{name}");
        }
        for name in [
            "createJaxbChild",
            "getRoster",
            "saved",
            "storefront",
            "updated_at",
            "Lockout",
        ] {
            let call = Call::for_test(name, &format!("{name}(x)"), 1);
            assert_eq!(writes(&call), None, "{name}");
        }
    }
}
