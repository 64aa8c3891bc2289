//! JavaScript / TypeScript adapter (`.js` `.jsx` `.mjs` `.cjs` with tree-sitter-javascript,
//! which handles JSX; `.ts` `.mts` `.cts` with tree-sitter-typescript; `.tsx` with its TSX
//! grammar): tree-sitter tree -> the typed IR (`ir::typed::Unit`), which the core
//! (`app::core`) turns into `AppFile` facts, connections' release included.
//!
//! The catalogue of database call sites, connection creations and iteration callbacks is
//! data (`catalogue`); the recognisers only read those tables. Here: the front end and its
//! entry, its state, the pre-order walk, calls and locals. Functions and iteration callbacks
//! are lowered in `functions`, the pre-pass (imports,
//! handles, models, string constants) is in `bindings`, which call reaches the database in
//! `calls`, SQL strings in `strings`, loops and iteration callbacks in `loops`, connections
//! as resources with their events, and the `try` / `catch` / `finally` scopes, in
//! `resources`.

mod bindings;
mod calls;
mod catalogue;
mod functions;
mod loops;
mod resources;
mod strings;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};

use tree_sitter::Node;

use crate::app::ir::typed::{
    self, Arg, CallRole, FnId, LanguageFrontEnd, Local, LoopKind, Receiver, Unit,
};
use crate::app::ir::{AppFile, DbCall, Language};
use crate::app::lang::common::{record_errors, FieldExt, IdMap, KindExt, Source};
use crate::app::lang::tree::named_children;
use crate::app::loop_shape::name_words as words;
use catalogue::*;

/// Recursion cap of the walk (deeper subtrees are not read).
/// The walk needs `WALK_STACK` bytes of stack (a debug build uses about 4 KiB per level): it
/// runs directly on threads declared to have that much (the scan's worker pool, whose
/// thread-local parser is then reused), else on a thread of its own; if that thread cannot be
/// started it runs on the caller's thread with the cap at `FALLBACK_DEPTH`.
const MAX_DEPTH: usize = 500;
const WALK_STACK: usize = 16 << 20;
const FALLBACK_DEPTH: usize = 100;

/// The JavaScript / TypeScript front end: `lower` gives the typed unit (functions with
/// their parameters and bindings, calls with their database roles, loops, locals taken from
/// calls, strings, scopes, connections with their events, per-call pools). Its source states no types the front end reads, so its
/// calls resolve by name and arity (`types_receivers`).
pub struct JavaScript {
    language: Language,
}

/// The front end of `.js` `.jsx` `.mjs` `.cjs` files.
pub static JAVASCRIPT: JavaScript = JavaScript {
    language: Language::JavaScript,
};
/// The front end of `.ts` `.mts` `.cts` `.tsx` files.
pub static TYPESCRIPT: JavaScript = JavaScript {
    language: Language::TypeScript,
};

impl LanguageFrontEnd for JavaScript {
    fn language(&self) -> Language {
        self.language
    }

    fn extensions(&self) -> &'static [&'static str] {
        match self.language {
            Language::TypeScript => &["ts", "mts", "cts", "tsx"],
            _ => &["js", "mjs", "cjs", "jsx"],
        }
    }

    /// The grammar of the front end's main extension (`lower` takes TSX's for `.tsx`).
    fn grammar(&self) -> tree_sitter::Language {
        match self.language {
            Language::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            _ => tree_sitter_javascript::LANGUAGE.into(),
        }
    }

    fn is_test_file(&self, path: &str) -> bool {
        crate::source::test_code::is_test_path(std::path::Path::new(path))
    }

    /// No receiver is typed (`types_receivers`): no type is the library's.
    fn is_library_type(&self, _name: &str) -> bool {
        false
    }

    fn is_untyped(&self, name: &str) -> bool {
        matches!(name, "any" | "unknown" | "object")
    }

    fn types_receivers(&self) -> bool {
        false
    }

    fn loop_word(&self, kind: LoopKind) -> Option<&'static str> {
        match kind {
            LoopKind::ForEach => Some("for...of"),
            LoopKind::Keys => Some("for...in"),
            LoopKind::DoWhile => Some("do...while"),
            _ => None,
        }
    }

    fn async_loop_word(&self, kind: LoopKind) -> Option<&'static str> {
        (kind == LoopKind::ForEach).then_some("for await...of")
    }

    fn lower(&self, path: &str, text: &str) -> Unit {
        lower(path, text, self.language)
    }
}

/// The front end of `.js` files for `Language::JavaScript`, of `.ts` files for
/// `Language::TypeScript`.
pub fn front_end(language: Language) -> &'static JavaScript {
    match language {
        Language::TypeScript => &TYPESCRIPT,
        _ => &JAVASCRIPT,
    }
}

/// The facts of one file: lowered to the typed IR and analysed by the core.
pub fn extract(path: &str, text: &str, language: Language) -> AppFile {
    crate::app::core::extract(front_end(language), path, text)
}

/// The typed unit of a file.
fn lower(path: &str, text: &str, language: Language) -> Unit {
    let outcome = if super::common::declared_thread_stack() >= WALK_STACK {
        Some(std::panic::catch_unwind(std::panic::AssertUnwindSafe(
            || lower_with_depth(path, text, language, MAX_DEPTH),
        )))
    } else {
        std::thread::scope(|scope| {
            std::thread::Builder::new()
                .name("dbaudit-js".into())
                .stack_size(WALK_STACK)
                .spawn_scoped(scope, || lower_with_depth(path, text, language, MAX_DEPTH))
                .ok()
                .map(|handle| handle.join())
        })
    };
    match outcome {
        Some(Ok(lowered)) => lowered,
        // A panic in the walk (none is expected): report the file as not understood.
        Some(Err(_)) => {
            let mut unit = Unit::new(path, language);
            unit.error_share = 1.0;
            unit
        }
        None => lower_with_depth(path, text, language, FALLBACK_DEPTH),
    }
}

#[cfg(test)]
fn extract_with_depth(path: &str, text: &str, language: Language, max_depth: usize) -> AppFile {
    crate::app::core::facts(
        front_end(language),
        lower_with_depth(path, text, language, max_depth),
    )
}

fn lower_with_depth(path: &str, text: &str, language: Language, max_depth: usize) -> Unit {
    let mut file = AppFile::new(path, language);
    let lower = path.to_ascii_lowercase();
    let grammar: tree_sitter::Language = if lower.ends_with(".tsx") {
        tree_sitter_typescript::LANGUAGE_TSX.into()
    } else if lower.ends_with(".ts")
        || lower.ends_with(".mts")
        || lower.ends_with(".cts")
        || (language == Language::TypeScript
            && ![".js", ".jsx", ".mjs", ".cjs"]
                .iter()
                .any(|e| lower.ends_with(e)))
    {
        tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into()
    } else {
        tree_sitter_javascript::LANGUAGE.into()
    };
    let mut unit = Unit::new(path, language);
    let Some((tree, _kind_names)) = super::common::parse_tree(&mut file, text, &grammar) else {
        unit.error_share = file.error_share;
        unit.not_parsed = file.not_parsed;
        return unit;
    };
    let source = Source::new(text);
    let root = tree.root_node();
    record_errors(&mut file, &source, root);
    unit.error_share = file.error_share;
    unit.error_regions = file.error_regions;
    let mut extractor = Extractor::new(&source, root, unit);
    extractor.max_depth = max_depth;
    extractor.prepass();
    let top = Ctx {
        function: None,
        innermost: None,
        scope: root,
        loops: Vec::new(),
        class: None,
    };
    extractor.walk(root, &top, 0);
    extractor.finish_connections();
    extractor.unit
}

#[derive(Clone)]
struct Ctx<'t> {
    /// The enclosing function that is not an iteration callback (None at top level): the
    /// function whose scope is searched, and that the core counts a callback's calls to.
    function: Option<FnId>,
    /// The innermost function, iteration callbacks included: what the unit's calls, loops,
    /// locals and strings are written in.
    innermost: Option<FnId>,
    /// The enclosing function's node (the program at top level): the scope searched for
    /// releases, escapes and declarations.
    scope: Node<'t>,
    loops: Vec<usize>,
    class: Option<String>,
}

struct CallInfo<'t> {
    /// The function expression, without the TypeScript `await f<T>()` wrapping.
    func: Node<'t>,
    callee: String,
    receiver: Option<Node<'t>>,
    /// Names along the receiver chain (without `this`), outermost first.
    chain: Vec<String>,
    /// Names of member calls in the receiver chain (`request` in `pool.request().query`).
    member_calls: Vec<String>,
    /// The receiver chain's innermost call (`knex('users')` in `knex('users').where().first()`).
    deepest_call: Option<Node<'t>>,
    args: Vec<Node<'t>>,
    /// `tag`...``: the template is the only argument.
    template: Option<Node<'t>>,
    awaited: bool,
}

struct DbMatch<'t> {
    kind: DbCall,
    api: String,
    sql: Option<Node<'t>>,
    /// Refine the kind from the SQL text when it is literal.
    refine: bool,
}

struct Extractor<'s, 't> {
    src: &'s Source<'s>,
    root: Node<'t>,
    unit: Unit,
    /// Connections and pools created, in order, until the walk ends (`resources`).
    creations_seen: Vec<resources::Created>,
    /// Class (or named object literal) -> index in `Unit::classes`.
    class_index: HashMap<String, usize>,
    modules: HashSet<String>,
    /// Local name -> module it was imported / required from.
    bindings: HashMap<String, String>,
    handles: HashMap<String, Handle>,
    /// Capitalised names defined as models in this file.
    models: HashSet<String>,
    /// `const NAME = <string expression>`: name -> (value node, at module level), in order.
    string_decls: HashMap<String, Vec<(Node<'t>, bool)>>,
    call_at: HashMap<(usize, usize), usize>,
    string_at: HashMap<(usize, usize), usize>,
    max_depth: usize,
    /// Node id -> parent, for every node (filled by the pre-pass).
    parents: IdMap<Node<'t>>,
}

fn range(node: Node) -> (usize, usize) {
    (node.start_byte(), node.end_byte())
}

fn is_function(kind: &str) -> bool {
    matches!(
        kind,
        "function_declaration"
            | "function_expression"
            | "generator_function_declaration"
            | "generator_function"
            | "arrow_function"
            | "method_definition"
    )
}

fn children(node: Node) -> Vec<Node> {
    super::common::children_of(node, false)
}

/// Without parentheses and TypeScript type wrappers (`as`, `!`, `satisfies`, `<T>x`).
fn unwrap_expr(mut node: Node) -> Node {
    for _ in 0..200 {
        let next = match node.kind_name() {
            "parenthesized_expression"
            | "as_expression"
            | "satisfies_expression"
            | "non_null_expression" => named_children(node).into_iter().next(),
            "type_assertion" => named_children(node).into_iter().last(),
            _ => None,
        };
        match next {
            Some(inner) => node = inner,
            None => return node,
        }
    }
    node
}

/// Without parentheses, type wrappers and `await`.
fn unwrap_await(mut node: Node) -> Node {
    for _ in 0..200 {
        node = unwrap_expr(node);
        if node.kind_name() == "await_expression" {
            match named_children(node).into_iter().next() {
                Some(inner) => node = inner,
                None => return node,
            }
        } else {
            return node;
        }
    }
    node
}

/// The function expression of a call, without TypeScript's `await f<T>()` misparse
/// (`call(function: await_expression(f))`), and whether that wrapping awaited it.
fn call_function(call: Node) -> Option<(Node, bool)> {
    let func = call.field("function")?;
    if func.kind_name() == "await_expression" {
        if let Some(inner) = named_children(func).into_iter().next() {
            return Some((inner, true));
        }
    }
    Some((func, false))
}

fn lookup(table: &[(&str, DbCall)], name: &str) -> Option<DbCall> {
    table.iter().find(|(m, _)| *m == name).map(|(_, k)| *k)
}

fn is_capitalised(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
}

/// The statement kind of SQL text: writes for INSERT / UPDATE / DELETE / MERGE / DDL.
fn sql_kind(text: &str) -> Option<DbCall> {
    let first: String = text
        .trim_start()
        .trim_start_matches('(')
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_uppercase();
    match first.as_str() {
        "INSERT" | "UPDATE" | "DELETE" | "MERGE" | "TRUNCATE" | "CREATE" | "ALTER" | "DROP"
        | "REPLACE" | "UPSERT" | "GRANT" | "REVOKE" => Some(DbCall::Execute),
        "SELECT" | "WITH" | "SHOW" | "EXPLAIN" | "VALUES" | "TABLE" => Some(DbCall::Query),
        _ => None,
    }
}

fn strip_quotes(text: &str) -> &str {
    let t = text.trim();
    if t.len() >= 2 && (t.starts_with('"') || t.starts_with('\'') || t.starts_with('`')) {
        t.get(1..t.len() - 1).unwrap_or(t)
    } else {
        t
    }
}

impl<'s, 't> Extractor<'s, 't> {
    /// The parent, from the map of the pre-pass (`Node::parent` searches down from the
    /// root, which costs more than the rest of the extraction on large files).
    fn parent(&self, node: Node<'t>) -> Option<Node<'t>> {
        match self.parents.get(&node.id()) {
            Some(parent) => Some(*parent),
            None => node.parent(),
        }
    }

    /// The parent, skipping parentheses and type wrappers.
    fn logical_parent(&self, node: Node<'t>) -> Option<(Node<'t>, Node<'t>)> {
        let mut child = node;
        let mut parent = self.parent(node)?;
        for _ in 0..200 {
            match parent.kind_name() {
                "parenthesized_expression"
                | "as_expression"
                | "satisfies_expression"
                | "non_null_expression"
                | "type_assertion" => {
                    child = parent;
                    parent = self.parent(parent)?;
                }
                _ => return Some((child, parent)),
            }
        }
        Some((child, parent))
    }
    fn new(src: &'s Source<'s>, root: Node<'t>, unit: Unit) -> Self {
        Extractor {
            src,
            root,
            unit,
            creations_seen: Vec::new(),
            class_index: HashMap::new(),
            modules: HashSet::new(),
            bindings: HashMap::new(),
            handles: HashMap::new(),
            models: HashSet::new(),
            string_decls: HashMap::new(),
            call_at: HashMap::new(),
            string_at: HashMap::new(),
            max_depth: MAX_DEPTH,
            parents: IdMap::default(),
        }
    }

    fn text(&self, node: Node) -> &'s str {
        self.src.text(node)
    }

    fn short(&self, node: Node, max: usize) -> String {
        self.src.short(node, max)
    }

    /// `a.b.C` -> (Some(a.b), "C"); `C` -> (None, "C").
    fn split_name(&self, node: Node<'t>) -> (Option<Node<'t>>, String) {
        let node = unwrap_expr(node);
        match node.kind_name() {
            "member_expression" => {
                let name = node
                    .field("property")
                    .map(|p| self.text(p).to_string())
                    .unwrap_or_default();
                (node.field("object"), name)
            }
            "identifier" => (None, self.text(node).to_string()),
            _ => (None, String::new()),
        }
    }

    /// The last name of an expression: `pool`, `this.pool` -> `pool`, `getPool()` -> `getPool`.
    fn last_name(&self, node: Node) -> Option<String> {
        let (chain, _, _) = self.chain_of(node);
        chain.last().cloned()
    }

    /// Names along a receiver chain without `this`, outermost first; member call names; the
    /// innermost call.
    fn chain_of(&self, node: Node<'t>) -> (Vec<String>, Vec<String>, Option<Node<'t>>) {
        let mut names = Vec::new();
        let mut member_calls = Vec::new();
        let mut deepest = None;
        let mut n = node;
        for _ in 0..500 {
            match n.kind_name() {
                "identifier" | "property_identifier" | "private_property_identifier" => {
                    names.push(self.text(n).trim_start_matches('#').to_string());
                    break;
                }
                "member_expression" => {
                    if let Some(p) = n.field("property") {
                        names.push(self.text(p).trim_start_matches('#').to_string());
                    }
                    match n.field("object") {
                        Some(o) => n = o,
                        None => break,
                    }
                }
                "call_expression" => {
                    deepest = Some(n);
                    let Some((func, _)) = call_function(n) else {
                        break;
                    };
                    let func = unwrap_expr(func);
                    if func.kind_name() == "member_expression" {
                        if let Some(p) = func.field("property") {
                            member_calls.push(self.text(p).to_string());
                        }
                    }
                    n = func;
                }
                "subscript_expression" => match n.field("object") {
                    Some(o) => n = o,
                    None => break,
                },
                "parenthesized_expression"
                | "as_expression"
                | "satisfies_expression"
                | "non_null_expression"
                | "type_assertion" => {
                    let inner = unwrap_expr(n);
                    if inner == n {
                        break;
                    }
                    n = inner;
                }
                "await_expression" => match named_children(n).into_iter().next() {
                    Some(inner) => n = inner,
                    None => break,
                },
                "new_expression" => match n.field("constructor") {
                    Some(c) => n = c,
                    None => break,
                },
                _ => break,
            }
        }
        names.reverse();
        member_calls.reverse();
        (names, member_calls, deepest)
    }

    // ── Walk ───────────────────────────────────────────────────────────────────────────

    fn walk_children(&mut self, node: Node<'t>, ctx: &Ctx<'t>, depth: usize) {
        // `walk` ignores anonymous nodes.
        super::common::for_each_child(node, true, |child| self.walk(child, ctx, depth + 1));
    }

    fn walk(&mut self, node: Node<'t>, ctx: &Ctx<'t>, depth: usize) {
        if depth > self.max_depth || !node.is_named() {
            return;
        }
        match node.kind_name() {
            k if is_function(k) => self.function(node, ctx, depth),
            "class_declaration" | "class" | "abstract_class_declaration" => {
                let mut inner = ctx.clone();
                let name = node
                    .field("name")
                    .map(|n| self.text(n).to_string())
                    .or_else(|| {
                        let (_, parent) = self.logical_parent(node)?;
                        (parent.kind_name() == "variable_declarator")
                            .then(|| parent.field("name").map(|n| self.text(n).to_string()))
                            .flatten()
                    });
                if name.is_some() {
                    inner.class = name;
                }
                self.walk_children(node, &inner, depth);
            }
            "try_statement" | "catch_clause" | "finally_clause" => {
                self.scope_of(node);
                self.walk_children(node, ctx, depth);
            }
            "for_statement" => self.for_statement(node, ctx, depth),
            "for_in_statement" => self.for_in(node, ctx, depth),
            "while_statement" | "do_statement" => {
                let kind = if node.kind_name() == "while_statement" {
                    LoopKind::While
                } else {
                    LoopKind::DoWhile
                };
                let index = self.push_loop(node, ctx, kind, None, None, Vec::new());
                let mut inner = ctx.clone();
                inner.loops.push(index);
                self.walk_children(node, &inner, depth);
            }
            "call_expression" => self.call(node, ctx, depth),
            "new_expression" => {
                self.new_expression(node, ctx);
                self.walk_children(node, ctx, depth);
            }
            "string" => self.string_expr(node, ctx),
            "template_string" => {
                self.string_expr(node, ctx);
                self.walk_substitutions(node, ctx, depth);
            }
            "binary_expression" if self.is_string_expr(node) => {
                self.string_expr(node, ctx);
                for op in self.plus_operands(node) {
                    let inner = unwrap_expr(op);
                    if inner.kind_name() == "template_string" {
                        self.walk_substitutions(inner, ctx, depth);
                    } else if inner.kind_name() != "string" {
                        self.walk(op, ctx, depth + 1);
                    }
                }
            }
            "variable_declarator" => {
                let mut inner = ctx.clone();
                if let (Some(name), Some(value)) = (node.field("name"), node.field("value")) {
                    if unwrap_expr(value).kind_name() == "object"
                        && name.kind_name() == "identifier"
                    {
                        inner.class = Some(self.text(name).to_string());
                    }
                }
                self.walk_children(node, &inner, depth);
                self.assignment(node, ctx);
            }
            "assignment_expression" => {
                self.walk_children(node, ctx, depth);
                self.assignment(node, ctx);
            }
            "comment" | "html_comment" => {}
            _ => self.walk_children(node, ctx, depth),
        }
    }

    fn walk_substitutions(&mut self, template: Node<'t>, ctx: &Ctx<'t>, depth: usize) {
        for child in children(template) {
            if child.kind_name() == "template_substitution" {
                self.walk_children(child, ctx, depth + 1);
            }
        }
    }

    // ── Calls ──────────────────────────────────────────────────────────────────────────

    fn call_info(&self, node: Node<'t>) -> Option<CallInfo<'t>> {
        let (func, quirk_awaited) = call_function(node)?;
        let func = unwrap_expr(func);
        let callee = match func.kind_name() {
            "identifier" => self.text(func).to_string(),
            "member_expression" => func
                .field("property")
                .map(|p| self.text(p).to_string())
                .unwrap_or_default(),
            "import" => "import".to_string(),
            "super" => "super".to_string(),
            _ => self.short(func, 40),
        };
        let receiver = if func.kind_name() == "member_expression" {
            func.field("object")
        } else {
            None
        };
        let (chain, member_calls, deepest_call) = match receiver {
            Some(r) => self.chain_of(r),
            None => (Vec::new(), Vec::new(), None),
        };
        let arguments = node.field("arguments");
        let (args, template) = match arguments {
            Some(a) if a.kind_name() == "template_string" => (vec![a], Some(a)),
            Some(a) => (named_children(a), None),
            None => (Vec::new(), None),
        };
        let awaited = quirk_awaited
            || self
                .logical_parent(node)
                .is_some_and(|(_, p)| p.kind_name() == "await_expression");
        Some(CallInfo {
            func,
            callee,
            receiver,
            chain,
            member_calls,
            deepest_call,
            args,
            template,
            awaited,
        })
    }

    fn call(&mut self, node: Node<'t>, ctx: &Ctx<'t>, depth: usize) {
        let Some(info) = self.call_info(node) else {
            self.walk_children(node, ctx, depth);
            return;
        };
        let index = self.unit.calls.len();
        let args = info
            .args
            .iter()
            .map(|a| {
                let a = unwrap_expr(*a);
                match a.kind_name() {
                    "identifier" => Arg::Name(self.text(a).to_string()),
                    _ => Arg::Other,
                }
            })
            .collect();
        self.unit.calls.push(typed::Call {
            function: ctx.innermost,
            callee: info.callee.clone(),
            receiver: self.receiver(info.receiver),
            receiver_text: info.receiver.map(|r| self.short(r, 200)),
            chain: info.chain.clone(),
            args,
            role: CallRole::Plain,
            loops: ctx.loops.clone(),
            start: self.src.start(node),
            end: self.src.end(node),
            span: range(node),
            awaited: info.awaited,
            blocked_by: None,
            sql_argument: None,
            text: self.short(node, 120),
            class: None,
        });
        self.call_at.insert(range(node), index);
        if let Some(m) = self.classify(node, &info) {
            let mut kind = m.kind;
            let sql = m.sql.and_then(|s| self.sql_argument(s, node, ctx));
            if let Some(s) = sql {
                if m.refine {
                    if let Some(k) = self.unit.strings.get(s).and_then(|lit| sql_kind(&lit.text)) {
                        kind = k;
                    }
                }
            }
            let call = &mut self.unit.calls[index];
            call.role = CallRole::Database { kind, api: m.api };
            call.sql_argument = sql;
        }
        self.call_connection(node, &info, ctx);
        self.promise_finally(&info);
        self.walk_children(node, ctx, depth);
    }

    /// What a call is called on: `this`, `super`, a name, a field of `this`, or an
    /// expression.
    fn receiver(&self, receiver: Option<Node<'t>>) -> Receiver {
        let Some(r) = receiver.map(unwrap_expr) else {
            return Receiver::None;
        };
        match r.kind_name() {
            "this" => Receiver::This,
            "super" => Receiver::Base,
            "identifier" => Receiver::Name(self.text(r).to_string()),
            "member_expression"
                if r.field("object").is_some_and(|o| o.kind_name() == "this")
                    && r.field("property").is_some() =>
            {
                let property = r.field("property").map(|p| self.text(p)).unwrap_or("");
                Receiver::Field(property.trim_start_matches('#').to_string())
            }
            _ => Receiver::Expression,
        }
    }

    // ── Assignments ────────────────────────────────────────────────────────────────────

    fn assignment(&mut self, node: Node<'t>, ctx: &Ctx<'t>) {
        let (target, value) = if node.kind_name() == "variable_declarator" {
            (node.field("name"), node.field("value"))
        } else {
            (node.field("left"), node.field("right"))
        };
        let (Some(target), Some(value)) = (target, value) else {
            return;
        };
        let v = unwrap_await(value);
        if v.kind_name() != "call_expression" {
            return;
        }
        let Some(&call) = self.call_at.get(&range(v)) else {
            return;
        };
        let names = match target.kind_name() {
            "identifier" => vec![self.text(target).to_string()],
            "member_expression" => vec![self.short(target, 80)],
            _ => self.pattern_names(target),
        };
        let start = self.src.start(node);
        // `const x = f()` declares; `x = f()` and `this.x = f()` assign.
        let is_declaration = node.kind_name() == "variable_declarator";
        for name in names {
            self.unit.locals.push(Local {
                function: ctx.innermost,
                name,
                declared: None,
                constructed: None,
                init_call: Some(call),
                start,
                at: node.start_byte(),
                is_declaration,
            });
        }
    }
}
