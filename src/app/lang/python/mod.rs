//! Python: DB-API drivers (psycopg2, psycopg 3, pyodbc, pymssql, sqlite3, mysqlclient,
//! PyMySQL, asyncpg), SQLAlchemy (sessions, connections, engines, `session.query(...)`
//! chains, Flask-SQLAlchemy `Model.query`), the Django ORM (managers, QuerySet
//! evaluation, related managers in loops) and pandas `read_sql`; loops (`for`,
//! `async for`, `while`, comprehensions, `map` / `filter` lambdas); connection lifetimes
//! (`with`, `closing`, `finally`); pools and engines created per call; SQL and
//! connection-string literals (f-strings, implicit concatenation, `+`, `%`, `.format`).
//!
//! Heuristics, precision first:
//! - A method is a database call only when the method AND the receiver make it one. The
//!   receiver's kind (cursor / connection / session / engine / pool) comes first from
//!   what the variable was assigned in the same function (`cur = conn.cursor()`,
//!   `conn = psycopg2.connect(...)`, `with Session() as s`, `db: Session = Depends(...)`),
//!   then, for `self.x`, from any method of the same class, then from module-level
//!   assignments, and only then from its name (`RECEIVER_NAMES`). A variable assigned
//!   from an HTTP / cloud session (`requests.Session()`, `aiohttp.ClientSession()`) or
//!   imported from such a module (`from flask import session`) is never a database
//!   receiver. One-letter names (`c`, `s`) count only when assigned from `.cursor()` /
//!   a session factory.
//! - ORM chains are read structurally: Django `Model.objects.<builders>.<evaluator>()`,
//!   SQLAlchemy `session.query(...).<builders>.<materialiser>()`, Flask-SQLAlchemy
//!   `Model.query.<builders>.<materialiser>()`. Lazy chains (`Model.objects.filter(...)`,
//!   `session.query(User)`) are database calls only where they are evaluated: as the
//!   iteration source of a loop or comprehension (the chain's call is marked), wrapped in
//!   `list()` / `len()` / `tuple()` / `set()` / `sorted()` / `bool()` (the wrapper call is
//!   marked), or assigned to a variable that a loop later iterates (the assigned call is
//!   marked). One evaluation marks one call.
//! - `fetchone` / `fetchall` / `fetchmany` on a cursor (or on the cursor returned by
//!   `conn.execute(...)`) are `DbCall::Query` with db_api `DB-API fetch`: they read rows of
//!   a statement already executed, and the rules decide whether they are a round trip.
//! - `commit()` on a connection or session, and `flush()` / `refresh()` on a session,
//!   are round trips and are catalogued (`... commit`), so a commit per row shows.
//! - `execute` is a Query unless its SQL (literal, variable assigned a literal, or a
//!   SQLAlchemy `insert()` / `update()` / `delete()` construct) is a write without
//!   `RETURNING`.
//! - Django related managers (`order.items.count()`) count only on a loop variable, in a
//!   file importing `django` or in a loop over a QuerySet; custom managers
//!   (`Order.active...`) only with a QuerySet builder after them; `obj.save()` only on the
//!   loop variable of a loop over a QuerySet.
//! - Connection sites are the driver `connect` functions of `DRIVER_CONNECT` (through
//!   import aliases), `engine.connect()` / `.begin()` / `.raw_connection()` and pool
//!   checkouts. `with psycopg2.connect(...) as conn` counts as Guaranteed, as the brief
//!   asks, although psycopg2's / sqlite3's / pyodbc's `with` only ends the transaction.
//! - SQL arguments are followed through a variable or module constant assigned a literal,
//!   `self.X` class constants, `text(...)`, `sql.SQL(...)`, `dedent(...)`. Docstrings are
//!   never literals; `EXEC` / `CALL` prose is kept only at a database call.
//!
//! The front end's parts: `catalogue` (call sites and library types, as data), this file
//! (the node table, classes, functions, calls), `loops`, `bindings` (what variables hold),
//! `roles` (which calls reach the database), `strings`, `resources` (connections and
//! per-call pools), `types` (locals, fields, imports, receivers) and `tests`. It lowers the
//! file to the typed IR, which the core (`app::core`) turns into the facts.

mod bindings;
pub mod catalogue;
mod loops;
mod resources;
mod roles;
mod strings;
mod types;

use catalogue::*;

use std::collections::{HashMap, HashSet};

use tree_sitter::Node;

use super::common::KindExt;

use super::common::FieldExt;

use super::common::{looks_like_sql, masked_credentials, record_errors, Source};
use crate::app::ir::typed::{
    Arg, Call, CallRole, Function, FunctionKind, IterSource, LanguageFrontEnd, Loop, LoopKind,
    PerCall, Resource, ResourceEvent, ResourceEventKind, ResourceOrigin, Scope, ScopeKind, Unit,
};
use crate::app::ir::{AppFile, Comment, DbCall, Language, Pos, StringLit};

// =====================================================================================
// Extraction
// =====================================================================================

use super::common::{IdMap, IdSet};

/// Nodes deeper than this are not visited (pathological nesting).
const MAX_DEPTH: usize = 1000;

/// The facts of one Python file: lowered to the typed IR, then analysed by the core.
pub fn extract(path: &str, text: &str) -> AppFile {
    crate::app::core::extract(&Python, path, text)
}

/// The typed unit of a file.
fn lower_file(path: &str, text: &str) -> Unit {
    let mut file = AppFile::new(path, Language::Python);
    let Some((tree, _kind_names)) =
        super::common::parse_tree(&mut file, text, &tree_sitter_python::LANGUAGE.into())
    else {
        let mut unit = Unit::new(path, Language::Python);
        unit.error_share = file.error_share;
        unit.not_parsed = file.not_parsed;
        return unit;
    };
    let source = Source::new(text);
    let root = tree.root_node();
    record_errors(&mut file, &source, root);
    let mut unit = Unit::new(path, Language::Python);
    unit.error_share = file.error_share;
    unit.error_regions = file.error_regions;
    let mut x = Extractor::new(&source, root, unit);
    x.run();
    x.unit
}

/// Python's front end: `lower` gives the typed unit (functions, classes, locals, imports,
/// calls with their database roles, loops, strings, connections with their events,
/// per-call pools).
pub struct Python;

impl LanguageFrontEnd for Python {
    fn language(&self) -> Language {
        Language::Python
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["py"]
    }

    fn grammar(&self) -> tree_sitter::Language {
        tree_sitter_python::LANGUAGE.into()
    }

    fn is_test_file(&self, path: &str) -> bool {
        is_test_file(path)
    }

    fn is_library_type(&self, name: &str) -> bool {
        catalogue::LIBRARY_TYPES.contains(&name)
    }

    fn is_untyped(&self, name: &str) -> bool {
        catalogue::UNTYPED.contains(&name)
    }

    fn has_module_scope(&self) -> bool {
        true
    }

    fn loop_word(&self, kind: LoopKind) -> Option<&'static str> {
        // `for x in xs` walks a collection: the core's `foreach`.
        (kind == LoopKind::ForEach).then_some("for")
    }

    fn lower(&self, path: &str, text: &str) -> Unit {
        lower_file(path, text)
    }
}

/// What a variable was bound to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum BindKind {
    /// Receiver kinds (bit set of `Recv`).
    Recv(u8),
    /// An HTTP / cloud session or client: never a database receiver.
    NonDb,
    /// A lazy QuerySet / Query: the call (index in `calls`).
    Lazy(usize),
    /// A string candidate (index in `candidates`).
    Str(usize),
    Other,
}

struct Binding {
    scope: Option<usize>,
    /// Where the binding takes effect (end of the statement / `with` item).
    pos: usize,
    /// The value node (None for annotated parameters).
    value: Option<usize>,
    /// Kind from a parameter annotation.
    annotated: Option<BindKind>,
    kind: BindKind,
}

/// A string expression worth building (the outermost of a concatenation).
struct Candidate {
    text: String,
    segments: Vec<(usize, Pos)>,
    start: Pos,
    function: Option<usize>,
    at_db_call: bool,
}

/// One step of a member chain: `.name` or `.name(...)`.
struct Elem<'a> {
    name: String,
    call: Option<Node<'a>>,
}

struct Chain<'a> {
    root: Option<String>,
    root_is_call: bool,
    elems: Vec<Elem<'a>>,
}

/// How an ORM chain behaves.
#[derive(Clone, Debug, PartialEq, Eq)]
enum ChainClass {
    /// Builds a query without running it (family: `Django`, `SQLAlchemy`, ...).
    Lazy(&'static str),
    /// Runs it.
    Eval(DbCall, String),
}

struct Extractor<'a> {
    src: &'a Source<'a>,
    nodes: Vec<Node<'a>>,
    parent: Vec<Option<usize>>,
    /// Node kinds, cached (`Node::kind` is an FFI call).
    kinds: Vec<&'static str>,
    index: IdMap<usize>,
    /// The typed unit being lowered.
    unit: Unit,
    /// Class definitions' node indices -> `Unit::classes`.
    class_of_node: HashMap<usize, usize>,
    /// `x = call(...)` (and `:=`, `with call() as x`): (statement node, variable, call), for
    /// the locals' `init_call`.
    assigned: Vec<(usize, String, usize)>,
    fn_of: Vec<Option<usize>>,
    fn_node: Vec<usize>,
    call_node: Vec<usize>,
    call_of: IdMap<usize>,
    loop_of: IdMap<usize>,
    loop_node: Vec<usize>,
    /// Wrapper calls (`list(...)`) unwrapped to reach a loop's source.
    source_wrappers: IdSet,
    imports: HashMap<String, String>,
    uses_django: bool,
    bindings: Vec<Binding>,
    bindings_by_key: HashMap<String, Vec<usize>>,
    candidates: Vec<Candidate>,
    cand_of: IdMap<usize>,
    chain_class: Vec<Option<ChainClass>>,
    /// SQL argument candidate of each call.
    sql_cand: IdMap<usize>,
    /// Resolved dotted paths of callees, by node id.
    paths: std::cell::RefCell<IdMap<Option<String>>>,
    /// Line starts (byte offsets), and which lines are ASCII (computed on demand): on
    /// an ASCII line a byte column is the character column, so positions on very long
    /// lines do not cost a character count each.
    line_starts: Vec<usize>,
    ascii_lines: std::cell::RefCell<IdMap<bool>>,
    /// `call_value` results by node id (receiver analysis recurses through chains).
    values: std::cell::RefCell<IdMap<Option<u8>>>,
}

fn is_capitalised(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && name.chars().any(|c| c.is_ascii_lowercase())
}

fn name_kinds(name: &str) -> u8 {
    let lower = name.trim_start_matches('_').to_ascii_lowercase();
    let mut kinds = 0;
    for (recv, pat) in RECEIVER_NAMES {
        let hit = match pat {
            Pat::Exact(s) => lower == *s,
            Pat::Suffix(s) => lower.ends_with(s),
            Pat::Contains(s) => lower.contains(s),
        };
        if hit {
            kinds |= recv.bit();
        }
    }
    kinds
}

/// Kinds suggested by a factory function's name: `get_db()`, `get_connection()`,
/// `create_connection()`, `get_cursor()`.
fn factory_name_kinds(name: &str) -> u8 {
    let lower = name.trim_start_matches('_').to_ascii_lowercase();
    for prefix in [
        "get_", "create_", "new_", "open_", "make_", "acquire_", "connect_",
    ] {
        if let Some(rest) = lower.strip_prefix(prefix) {
            return name_kinds(rest);
        }
    }
    0
}

fn sql_verb_call(text: &str) -> Option<DbCall> {
    let upper = text
        .trim_start()
        .trim_start_matches('(')
        .to_ascii_uppercase();
    let first = upper
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("");
    match first {
        "SELECT" | "WITH" | "SHOW" | "EXPLAIN" | "VALUES" | "PRAGMA" | "TABLE" | "DESCRIBE" => {
            Some(DbCall::Query)
        }
        "INSERT" | "UPDATE" | "DELETE" | "MERGE" | "UPSERT" | "REPLACE" => {
            if upper.contains("RETURNING") || upper.contains("OUTPUT ") {
                Some(DbCall::Query)
            } else {
                Some(DbCall::Execute)
            }
        }
        "CREATE" | "DROP" | "ALTER" | "TRUNCATE" | "GRANT" | "REVOKE" | "COMMENT" | "SET"
        | "BEGIN" | "COMMIT" | "ROLLBACK" | "LOCK" | "VACUUM" | "ANALYZE" | "REFRESH" | "COPY"
        | "CLUSTER" | "REINDEX" => Some(DbCall::Execute),
        _ => None,
    }
}

/// `looks_like_sql` accepts any short text starting with `EXEC` / `EXECUTE` / `CALL`; in
/// Python such literals away from a database call are prose or Python (`"exec code in
/// ns"`, `"call gc.collect() first"`), so they are kept only when they reach a database
/// call.
fn is_procedure_call_prose(text: &str) -> bool {
    let first = text
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_uppercase();
    matches!(first.as_str(), "EXEC" | "EXECUTE" | "CALL")
}

/// Files that run once per invocation, not per request: migrations, management
/// commands, scripts.
fn is_run_once_file(path: &str) -> bool {
    let normalised = format!("/{}", path.replace('\\', "/"));
    [
        "/migrations/",
        "/alembic/",
        "/management/commands/",
        "/scripts/",
    ]
    .iter()
    .any(|d| normalised.contains(d))
        || normalised.ends_with("/manage.py")
}

fn is_test_file(path: &str) -> bool {
    let normalised = path.replace('\\', "/");
    let name = normalised.rsplit('/').next().unwrap_or("");
    name.starts_with("test_")
        || name.ends_with("_test.py")
        || name == "conftest.py"
        || normalised.contains("/tests/")
        || normalised.contains("/test/")
        || normalised.starts_with("tests/")
        || normalised.starts_with("test/")
}

impl<'a> Extractor<'a> {
    fn new(src: &'a Source<'a>, root: Node<'a>, unit: Unit) -> Extractor<'a> {
        let count = root.descendant_count().min(1 << 24);
        let mut nodes = Vec::with_capacity(count);
        let mut parent = Vec::with_capacity(count);
        let mut kinds = Vec::with_capacity(count);
        let mut index = IdMap::with_capacity_and_hasher(count, Default::default());
        // Anonymous nodes (punctuation, keywords) are read through their parents only.
        super::common::visit_preorder_where(root, MAX_DEPTH, true, |node, parent_index| {
            index.insert(node.id(), nodes.len());
            nodes.push(node);
            kinds.push(node.kind_name());
            parent.push(parent_index);
        });
        let n = nodes.len();
        Extractor {
            src,
            nodes,
            parent,
            kinds,
            index,
            unit,
            class_of_node: HashMap::new(),
            assigned: Vec::new(),
            fn_of: vec![None; n],
            fn_node: Vec::new(),
            call_node: Vec::new(),
            call_of: IdMap::default(),
            loop_of: IdMap::default(),
            loop_node: Vec::new(),
            source_wrappers: IdSet::default(),
            imports: HashMap::new(),
            uses_django: false,
            bindings: Vec::new(),
            bindings_by_key: HashMap::new(),
            candidates: Vec::new(),
            cand_of: IdMap::default(),
            chain_class: Vec::new(),
            sql_cand: IdMap::default(),
            paths: std::cell::RefCell::new(IdMap::default()),
            values: std::cell::RefCell::new(IdMap::default()),
            line_starts: std::iter::once(0)
                .chain(src.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect(),
            ascii_lines: std::cell::RefCell::new(IdMap::default()),
        }
    }

    fn run(&mut self) {
        self.comments_and_imports();
        self.functions();
        self.calls();
        self.loops();
        self.call_loops();
        self.strings();
        self.bindings();
        self.assignments();
        self.chain_class = (0..self.call_node.len())
            .map(|ci| self.classify_chain(self.nodes[self.call_node[ci]]))
            .collect();
        self.db_calls();
        self.cursor_rows();
        self.lazy_evaluations();
        self.loop_variable_calls();
        self.sql_arguments();
        self.emit_strings();
        self.connections();
        self.per_call_connections();
        self.types();
    }

    // ---- small tree helpers ----

    fn idx(&self, node: Node<'a>) -> Option<usize> {
        self.index.get(&node.id()).copied()
    }

    fn up(&self, i: usize) -> Option<usize> {
        self.parent.get(i).copied().flatten()
    }

    fn kind(&self, i: usize) -> &'static str {
        self.kinds[i]
    }

    fn text(&self, node: Node<'a>) -> &'a str {
        self.src.text(node)
    }

    fn line_is_ascii(&self, row: usize) -> bool {
        if let Some(&a) = self.ascii_lines.borrow().get(&row) {
            return a;
        }
        let start = self
            .line_starts
            .get(row)
            .copied()
            .unwrap_or(self.src.text.len());
        let end = self
            .line_starts
            .get(row + 1)
            .copied()
            .unwrap_or(self.src.text.len());
        let ascii = self
            .src
            .text
            .get(start..end)
            .is_some_and(|line| line.is_ascii());
        self.ascii_lines.borrow_mut().insert(row, ascii);
        ascii
    }

    /// `Source::pos`, in constant time on ASCII lines.
    fn pos(&self, point: tree_sitter::Point) -> Pos {
        match self.line_starts.get(point.row) {
            Some(&start) if self.line_is_ascii(point.row) => Pos {
                line: point.row as u32 + 1,
                column: point.column.min(self.src.text.len() - start) as u32 + 1,
            },
            _ => self.src.pos(point),
        }
    }

    fn start(&self, node: Node<'a>) -> Pos {
        self.pos(node.start_position())
    }

    fn end(&self, node: Node<'a>) -> Pos {
        self.pos(node.end_position())
    }

    /// `Source::pos_of_byte`, in constant time on ASCII lines.
    fn pos_of_byte(&self, byte: usize) -> Pos {
        let row = match self.line_starts.binary_search(&byte) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        match self.line_starts.get(row) {
            Some(&start) if self.line_is_ascii(row) => Pos {
                line: row as u32 + 1,
                column: (byte.min(self.src.text.len()) - start.min(byte)) as u32 + 1,
            },
            _ => self.src.pos_of_byte(byte),
        }
    }

    /// The node's text on one line (`one_line`), shortened to `max` characters.
    fn short(&self, node: Node<'a>, max: usize) -> String {
        crate::model::finding::one_line(self.text(node), max)
    }

    fn field(node: Node<'a>, name: &str) -> Option<Node<'a>> {
        node.field(name)
    }

    fn field_text(&self, node: Node<'a>, name: &str) -> String {
        Self::field(node, name)
            .map(|n| self.text(n).to_string())
            .unwrap_or_default()
    }

    /// Whether `child` is the `field` child of `parent`.
    fn is_field(&self, parent: usize, field: &str, child: usize) -> bool {
        Self::field(self.nodes[parent], field).is_some_and(|f| f.id() == self.nodes[child].id())
    }

    fn named_children(node: Node<'a>) -> Vec<Node<'a>> {
        super::tree::named_children(node)
    }

    fn inner(node: Node<'a>) -> Option<Node<'a>> {
        Self::named_children(node).into_iter().next()
    }

    /// Strips parentheses and `await`.
    fn unwrap(node: Node<'a>) -> Node<'a> {
        let mut n = node;
        for _ in 0..64 {
            match n.kind_name() {
                "parenthesized_expression" | "await" => match Self::inner(n) {
                    Some(i) => n = i,
                    None => break,
                },
                _ => break,
            }
        }
        n
    }

    /// Climbs from node index `i` through parentheses and `await`.
    fn climb(&self, i: usize) -> usize {
        let mut e = i;
        while let Some(p) = self.up(e) {
            if matches!(self.kind(p), "parenthesized_expression" | "await") {
                e = p;
            } else {
                break;
            }
        }
        e
    }

    fn positional_args(call: Node<'a>) -> Vec<Node<'a>> {
        let Some(args) = Self::field(call, "arguments") else {
            return Vec::new();
        };
        if args.kind_name() != "argument_list" {
            return Vec::new();
        }
        Self::named_children(args)
            .into_iter()
            .filter(|a| {
                !matches!(
                    a.kind_name(),
                    "keyword_argument" | "list_splat" | "dictionary_splat"
                )
            })
            .collect()
    }

    fn keyword_arg(&self, call: Node<'a>, names: &[&str]) -> Option<Node<'a>> {
        let args = Self::field(call, "arguments")?;
        Self::named_children(args).into_iter().find_map(|a| {
            if a.kind_name() == "keyword_argument"
                && names.contains(&self.field_text(a, "name").as_str())
            {
                Self::field(a, "value")
            } else {
                None
            }
        })
    }

    fn callee_name(&self, call: Node<'a>) -> String {
        match Self::field(call, "function") {
            Some(f) if f.kind_name() == "attribute" => self.field_text(f, "attribute"),
            Some(f) if f.kind_name() == "identifier" => self.text(f).to_string(),
            Some(f) => self.short(f, 60),
            None => String::new(),
        }
    }

    /// `a.b.c` as text when the expression is identifiers joined by dots.
    fn dotted(&self, node: Node<'a>) -> Option<String> {
        let mut parts = Vec::new();
        let mut n = node;
        for _ in 0..64 {
            match n.kind_name() {
                "identifier" => {
                    parts.push(self.text(n).to_string());
                    parts.reverse();
                    return Some(parts.join("."));
                }
                "attribute" => {
                    parts.push(self.field_text(n, "attribute"));
                    n = Self::field(n, "object")?;
                }
                _ => return None,
            }
        }
        None
    }

    /// The dotted path of a callee with its first segment resolved through the imports.
    fn resolve_path(&self, node: Node<'a>) -> Option<String> {
        if let Some(p) = self.paths.borrow().get(&node.id()) {
            return p.clone();
        }
        let p = self.resolve_path_uncached(node);
        self.paths.borrow_mut().insert(node.id(), p.clone());
        p
    }

    fn resolve_path_uncached(&self, node: Node<'a>) -> Option<String> {
        let dotted = self.dotted(node)?;
        let (first, rest) = match dotted.split_once('.') {
            Some((f, r)) => (f, Some(r)),
            None => (dotted.as_str(), None),
        };
        let base = self
            .imports
            .get(first)
            .cloned()
            .unwrap_or_else(|| first.to_string());
        Some(match rest {
            Some(r) => format!("{base}.{r}"),
            None => base,
        })
    }

    fn is_imported(&self, name: &str) -> bool {
        self.imports.contains_key(name)
    }

    /// A callee's resolved dotted path, and its bare name when it is not imported.
    fn callee_path(&self, func: Node<'a>) -> Option<(String, Option<&'a str>)> {
        if !matches!(func.kind_name(), "identifier" | "attribute") {
            return None;
        }
        let resolved = self.resolve_path(func)?;
        let bare = (func.kind_name() == "identifier" && !self.is_imported(self.text(func)))
            .then(|| self.text(func));
        Some((resolved, bare))
    }

    /// Matches a callee path against a table entry: exactly, or by its last segment when
    /// `tail_ok` and the callee is a bare name that is not imported.
    fn path_is(callee: &(String, Option<&str>), path: &str, tail_ok: bool) -> bool {
        callee.0 == path
            || (tail_ok
                && callee
                    .1
                    .is_some_and(|bare| path.rsplit('.').next() == Some(bare)))
    }

    fn chain_of(&self, expr: Node<'a>) -> Chain<'a> {
        let mut elems = Vec::new();
        let mut root = None;
        let mut root_is_call = false;
        let mut e = Some(expr);
        let mut steps = 0;
        while let Some(n) = e {
            steps += 1;
            if steps > 256 {
                break;
            }
            e = None;
            match n.kind_name() {
                "attribute" => {
                    elems.push(Elem {
                        name: self.field_text(n, "attribute"),
                        call: None,
                    });
                    e = Self::field(n, "object");
                }
                "call" => {
                    let Some(f) = Self::field(n, "function") else {
                        break;
                    };
                    match f.kind_name() {
                        "attribute" => {
                            elems.push(Elem {
                                name: self.field_text(f, "attribute"),
                                call: Some(n),
                            });
                            e = Self::field(f, "object");
                        }
                        "identifier" => {
                            root = Some(self.text(f).to_string());
                            root_is_call = true;
                        }
                        _ => e = Some(f),
                    }
                }
                "subscript" => e = Self::field(n, "value"),
                "parenthesized_expression" | "await" => e = Self::inner(n),
                "identifier" => root = Some(self.text(n).to_string()),
                _ => {}
            }
        }
        elems.reverse();
        Chain {
            root,
            root_is_call,
            elems,
        }
    }

    // ---- comments, imports ----

    fn comments_and_imports(&mut self) {
        for i in 0..self.nodes.len() {
            let node = self.nodes[i];
            match self.kinds[i] {
                "comment" => self.unit.comments.push(Comment {
                    line: node.start_position().row as u32 + 1,
                    text: self.text(node).to_string(),
                }),
                "import_statement" => {
                    for name in Self::named_children(node) {
                        match name.kind_name() {
                            "dotted_name" => {
                                let full = self.text(name).split_whitespace().collect::<String>();
                                let first = full.split('.').next().unwrap_or("").to_string();
                                if full.starts_with("django") {
                                    self.uses_django = true;
                                }
                                self.imports.insert(first.clone(), first);
                            }
                            "aliased_import" => {
                                let full = self
                                    .field_text(name, "name")
                                    .split_whitespace()
                                    .collect::<String>();
                                if full.starts_with("django") {
                                    self.uses_django = true;
                                }
                                self.imports.insert(self.field_text(name, "alias"), full);
                            }
                            _ => {}
                        }
                    }
                }
                "import_from_statement" => {
                    let module = Self::field(node, "module_name")
                        .map(|m| self.text(m).split_whitespace().collect::<String>())
                        .unwrap_or_default();
                    if module.starts_with("django") {
                        self.uses_django = true;
                    }
                    for (imported, alias) in self.imported_names(node) {
                        if !alias.is_empty() {
                            self.imports.insert(alias, format!("{module}.{imported}"));
                        }
                    }
                }
                _ => {}
            }
        }
    }

    // ---- functions ----

    fn functions(&mut self) {
        // Classes first: a method names its class by index.
        for i in 0..self.nodes.len() {
            if self.kinds[i] != "class_definition" {
                continue;
            }
            let node = self.nodes[i];
            let bases = Self::field(node, "superclasses")
                .map(|list| {
                    Self::named_children(list)
                        .into_iter()
                        .filter_map(|b| self.type_name(b).map(|t| t.name))
                        .collect()
                })
                .unwrap_or_default();
            self.class_of_node.insert(i, self.unit.classes.len());
            self.unit.classes.push(crate::app::ir::typed::Class {
                name: self.field_text(node, "name"),
                bases,
                fields: Vec::new(),
                is_interface: false,
                start: self.start(node),
                outer: None,
                anonymous: false,
            });
        }
        let mut body_fn: HashMap<usize, usize> = HashMap::new();
        for i in 0..self.nodes.len() {
            let node = self.nodes[i];
            if self.kinds[i] != "function_definition" {
                continue;
            }
            let class = self
                .class_node_of_function(i)
                .and_then(|c| self.class_of_node.get(&c).copied());
            let body = Self::field(node, "body");
            let fi = self.unit.functions.len();
            if let Some(b) = body.and_then(|b| self.idx(b)) {
                body_fn.insert(b, fi);
            }
            let is_async = node.child(0).is_some_and(|c| c.kind_name() == "async");
            self.unit.functions.push(Function {
                kind: if class.is_some() {
                    FunctionKind::Method
                } else {
                    FunctionKind::LocalFunction
                },
                name: self.field_text(node, "name"),
                class,
                // Set below, once every node knows its function.
                parent: None,
                params: self.params(node, class.is_some()),
                returns: Self::field(node, "return_type").and_then(|t| self.type_name(t)),
                start: self.start(node),
                end: self.end(node),
                body: body
                    .map(|b| (b.start_byte(), b.end_byte()))
                    .unwrap_or((node.end_byte(), node.end_byte())),
                is_async,
                is_abstract: false,
                binding: None,
                annotations: Vec::new(),
            });
            self.fn_node.push(i);
        }
        for i in 0..self.nodes.len() {
            self.fn_of[i] = match body_fn.get(&i) {
                Some(&f) => Some(f),
                None => self.up(i).and_then(|p| self.fn_of[p]),
            };
        }
        for fi in 0..self.unit.functions.len() {
            self.unit.functions[fi].parent = self.fn_of[self.fn_node[fi]];
        }
    }

    /// The name of the class a function (by index) is a method of.
    fn class_name_of(&self, function: usize) -> Option<&str> {
        let class = self.unit.functions.get(function)?.class?;
        self.unit.classes.get(class).map(|c| c.name.as_str())
    }

    // ---- calls ----

    fn calls(&mut self) {
        for i in 0..self.nodes.len() {
            let node = self.nodes[i];
            if self.kinds[i] != "call" {
                continue;
            }
            let func = Self::field(node, "function");
            let receiver = func
                .filter(|f| f.kind_name() == "attribute")
                .and_then(|f| Self::field(f, "object"));
            let chain = match receiver {
                Some(r) => {
                    let c = self.chain_of(r);
                    let mut names: Vec<String> = c.root.into_iter().collect();
                    names.extend(c.elems.into_iter().map(|e| e.name));
                    names
                }
                None => Vec::new(),
            };
            let args = match Self::field(node, "arguments") {
                Some(a) if a.kind_name() == "argument_list" => Self::named_children(a)
                    .into_iter()
                    .map(|arg| match arg.kind_name() {
                        "identifier" => Arg::Name(self.text(arg).to_string()),
                        _ => Arg::Other,
                    })
                    .collect(),
                // `f(x for x in xs)`: one generator argument.
                Some(_) => vec![Arg::Other],
                None => Vec::new(),
            };
            let awaited = self.up(i).is_some_and(|p| match self.kind(p) {
                "await" => true,
                // `yield from f()`
                "yield" => self.nodes[p]
                    .child(1)
                    .is_some_and(|c| c.kind_name() == "from"),
                _ => false,
            });
            let ci = self.unit.calls.len();
            self.call_of.insert(i, ci);
            self.call_node.push(i);
            self.unit.calls.push(Call {
                class: None,
                function: self.fn_of[i],
                callee: self.callee_name(node),
                receiver: self.receiver(node),
                receiver_text: receiver.map(|r| self.short(r, 200)),
                chain,
                args,
                role: CallRole::Plain,
                loops: Vec::new(),
                start: self.start(node),
                end: self.end(node),
                span: (node.start_byte(), node.end_byte()),
                awaited,
                blocked_by: None,
                sql_argument: None,
                text: self.short(node, 120),
            });
        }
        // Arguments that are calls, once every call has its index.
        for ci in 0..self.call_node.len() {
            let Some(args) = Self::field(self.nodes[self.call_node[ci]], "arguments")
                .filter(|a| a.kind_name() == "argument_list")
            else {
                continue;
            };
            for (k, arg) in Self::named_children(args).into_iter().enumerate() {
                let inner = self.idx(arg).and_then(|a| self.call_of.get(&a)).copied();
                let slot = self.unit.calls.get_mut(ci).and_then(|c| c.args.get_mut(k));
                if let (Some(inner), Some(slot)) = (inner, slot) {
                    *slot = Arg::Call(inner);
                }
            }
        }
    }

    /// The database role the catalogue gave a call, if any.
    fn db_of(&self, ci: usize) -> Option<DbCall> {
        match self.unit.calls.get(ci).map(|c| &c.role) {
            Some(CallRole::Database { kind, .. }) => Some(*kind),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests;
