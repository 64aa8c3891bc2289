//! Java front end: lowers a tree-sitter-java tree to the typed IR (`ir::typed`), which the
//! one core (`app::core`) turns into the language-neutral facts of `AppFile`. Its catalogue
//! of database call sites, connection APIs, loop callbacks and library types is data
//! (`catalogue`). This file holds the walk (classes, methods, calls); `types` what the
//! source states of types (classes, parameters, locals, receivers), `bindings` the names
//! in scope for the recognisers, `roles` which calls reach the database, `loops` loops and
//! per-element callbacks, `strings` SQL strings, `returns` declared return types, and
//! `resources` where connections come from and what is done to them (IR resources and
//! their events, with the `finally` blocks and the points that can throw). Its cache
//! catalogue (`CACHES`)
//! lets the core find the functions' cache reads (`core::caches`).
//!
//! Which calls reach the database the front end decides (`roles` over `bindings`), from
//! declarations in scope: class fields (of the enclosing classes), method and lambda
//! parameters, locals and try-with-resources resources (one flat scope per method). A
//! declared type decides; a `var` (or untyped lambda parameter) is classified from the
//! call it was initialised with / assigned from; only an undeclared name (an inherited
//! field, an untyped lambda parameter) falls back to name heuristics. A name explicitly
//! declared with an unrelated type never matches. The receivers' types for the cross-file
//! resolution are the core's (`core::types`), from the classes, parameters and locals
//! lowered here.

mod bindings;
mod catalogue;
mod loops;
mod resources;
mod returns;
mod roles;
mod strings;
mod types;

use std::collections::{HashMap, HashSet};

use tree_sitter::Node;

use super::common::KindExt;

use super::common::FieldExt;

use crate::app::core::types::is_class_name;
use crate::app::ir::typed::{
    self, Arg, CacheCatalogue, CallRole, Class, Field, Function, FunctionKind, IterSource,
    LanguageFrontEnd, Local, Loop, LoopKind, Param, Receiver, TypeName, Unit,
};
use crate::app::ir::{AppFile, Comment, DbCall, Language, StringLit};
use crate::app::lang::common::{looks_like_sql, masked_credentials, record_errors, Source};
use catalogue::*;

// ======================================================================================
// Extraction
// ======================================================================================

/// The facts of one Java file: lowered to the typed IR and analysed by the core.
pub fn extract(path: &str, text: &str) -> AppFile {
    crate::app::core::extract(&Java, path, text)
}

/// Java's front end: `lower` gives the typed unit (classes with bases and typed fields,
/// methods and constructors with typed parameters, typed locals, calls with their receiver
/// and database role, loops, strings, cache reads, declared return types).
pub struct Java;

impl LanguageFrontEnd for Java {
    fn language(&self) -> Language {
        Language::Java
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["java"]
    }

    fn grammar(&self) -> tree_sitter::Language {
        tree_sitter_java::LANGUAGE.into()
    }

    fn is_test_file(&self, path: &str) -> bool {
        crate::source::test_code::is_test_path(std::path::Path::new(path))
    }

    fn is_library_type(&self, name: &str) -> bool {
        LIBRARY_TYPES.contains(&name)
    }

    /// `var`, and a type parameter (`T item`), say nothing of the class.
    fn is_untyped(&self, name: &str) -> bool {
        name == "var" || name.chars().count() == 1
    }

    fn types_unqualified_calls(&self) -> bool {
        false
    }

    fn is_class_name(&self, name: &str) -> bool {
        is_class_name(name)
    }

    fn caches(&self) -> Option<&'static CacheCatalogue> {
        Some(&CACHES)
    }

    fn lower(&self, path: &str, text: &str) -> Unit {
        lower_file(path, text)
    }
}

/// Java's caches (`catalogue::caches`), for `core::caches`.
static CACHES: CacheCatalogue = CacheCatalogue {
    is_cache_type,
    maps: MAP_TYPES,
    lookups: CACHE_LOOKUPS,
    fills: CACHE_FILLS,
    annotations: CACHING_ANNOTATIONS,
};

/// The typed unit of a file (connections and pools created per call included).
fn lower_file(path: &str, text: &str) -> Unit {
    let mut file = AppFile::new(path, Language::Java);
    let mut unit = Unit::new(path, Language::Java);
    let Some((tree, _kind_names)) =
        super::common::parse_tree(&mut file, text, &tree_sitter_java::LANGUAGE.into())
    else {
        unit.error_share = file.error_share;
        unit.not_parsed = file.not_parsed;
        return unit;
    };
    let source = Source::new(text);
    let root = tree.root_node();
    record_errors(&mut file, &source, root);
    unit.error_share = file.error_share;
    unit.error_regions = file.error_regions;
    let mut ex = Extractor {
        src: &source,
        unit,
        class_indices: Vec::new(),
        outer_functions: Vec::new(),
        hibernate: text.contains("org.hibernate"),
        jdbc_connection: imports_jdbc_connection(text),
        frames: Vec::new(),
        class_names: Vec::new(),
        call_by_node: HashMap::new(),
        sql_arg_calls: HashSet::new(),
        carrier_str: HashMap::new(),
        str_by_node: HashMap::new(),
        consumed: HashSet::new(),
        string_vars: HashMap::new(),
    };
    ex.collect_comments(root);
    let mut ctx = Ctx::class_level(None);
    ex.walk(root, &mut ctx, 0);
    let mut unit = ex.unit;
    finally_blocks_and_throw_points(root, &mut unit);
    unit
}

/// The `finally` blocks of the file (a close there runs on every path), and every point
/// that can throw (a call, a construction, a `throw`): a close with none of them between
/// it and the open runs on every path that opened the connection.
fn finally_blocks_and_throw_points(root: Node, unit: &mut Unit) {
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        match node.kind_name() {
            "finally_clause" => unit.scopes.push(typed::Scope {
                kind: typed::ScopeKind::Finally,
                span: (node.start_byte(), node.end_byte()),
            }),
            "method_invocation"
            | "object_creation_expression"
            | "explicit_constructor_invocation"
            | "throw_statement"
            | "array_creation_expression" => unit.creations.push(node.start_byte()),
            _ => {}
        }
        let mut cursor = node.walk();
        stack.extend(node.children(&mut cursor));
    }
}

#[derive(Debug, Clone)]
struct VarInfo<'a> {
    /// Simple type name; None for `var` / untyped lambda parameters.
    ty: Option<String>,
    /// Initialiser, or the first assignment when declared without one (or with `null`).
    value: Option<Node<'a>>,
}

enum Frame<'a> {
    Class(HashMap<String, VarInfo<'a>>),
    Function(HashMap<String, VarInfo<'a>>),
}

enum StrRef {
    Recorded(usize),
    Pending(Box<StringLit>),
}

#[derive(Clone)]
struct Ctx<'a> {
    function: Option<usize>,
    /// The code block uses of a connection are searched in (method body, static block).
    body: Option<Node<'a>>,
    loops: Vec<usize>,
    /// Creating a pool / physical connection here counts as per call.
    per_call_ok: bool,
}

impl<'a> Ctx<'a> {
    fn class_level(body: Option<Node<'a>>) -> Ctx<'a> {
        Ctx {
            function: None,
            body,
            loops: Vec::new(),
            per_call_ok: false,
        }
    }
}

#[derive(Clone, Copy)]
enum Piece {
    /// A byte range of the file, kept as written.
    Lit { start: usize, end: usize },
    /// Replacement text standing at a file byte (`%n` in a format string).
    Synth { text: &'static str, at: usize },
    /// A non-literal part.
    Hole,
}

enum Mode {
    Plain,
    Loop(String),
    Rows,
    Sync,
}

struct Extractor<'a> {
    src: &'a Source<'a>,
    unit: Unit,
    /// `Unit::classes` index of each class being walked, innermost last (beside
    /// `class_names`).
    class_indices: Vec<usize>,
    /// The function each class being walked is written in (local and anonymous classes),
    /// innermost last.
    outer_functions: Vec<Option<usize>>,
    hibernate: bool,
    /// The file imports (or names) `java.sql.Connection`: only then is a variable declared
    /// `Connection` a database connection (XMPP, HTTP and project classes share the name).
    jdbc_connection: bool,
    frames: Vec<Frame<'a>>,
    class_names: Vec<String>,
    call_by_node: HashMap<usize, usize>,
    /// Node ids of calls whose first argument is SQL (db calls with `sql_arg`, carriers).
    sql_arg_calls: HashSet<usize>,
    /// Carrier call node id → its SQL string.
    carrier_str: HashMap<usize, usize>,
    /// String expression node id → recorded string.
    str_by_node: HashMap<usize, usize>,
    /// Literal / concatenation nodes already part of a recorded (or considered) expression.
    consumed: HashSet<usize>,
    /// (function, variable) → the string last assigned to it.
    string_vars: HashMap<(Option<usize>, String), StrRef>,
}

use super::tree::{is_comment, named_children};

fn children(node: Node) -> Vec<Node> {
    super::common::children_of(node, false)
}

fn args_of<'a>(call: Node<'a>) -> Vec<Node<'a>> {
    call.field("arguments")
        .map(named_children)
        .unwrap_or_default()
}

fn is_plus(node: Node) -> bool {
    node.kind_name() == "binary_expression"
        && node.field("operator").is_some_and(|o| o.kind_name() == "+")
}

/// `Foo<Bar>`, `java.util.List<X>`, `Foo[]`, `@NonNull Foo` → `Foo` / `List`.
fn simple_type(text: &str) -> Option<String> {
    let base = text.split('<').next().unwrap_or("");
    let base = base.trim().trim_end_matches("[]").trim();
    let base = base.split_whitespace().last().unwrap_or("");
    let base = base.rsplit('.').next().unwrap_or("").trim_end_matches("[]");
    if base.is_empty() || base == "var" {
        None
    } else {
        Some(base.to_string())
    }
}

/// Climbs through parentheses, casts and ternary branches to the node whose parent uses
/// the value.
fn climb(node: Node) -> Node {
    let mut cur = node;
    while let Some(p) = cur.parent() {
        let through = match p.kind_name() {
            "parenthesized_expression" | "cast_expression" => true,
            "ternary_expression" => p.field("condition").is_none_or(|c| c.id() != cur.id()),
            _ => false,
        };
        if !through {
            break;
        }
        cur = p;
    }
    cur
}

/// Through parentheses and casts, downwards.
fn unwrap_expr(node: Node) -> Node {
    let mut cur = node;
    for _ in 0..64 {
        match cur.kind_name() {
            "parenthesized_expression" => match named_children(cur).first() {
                Some(inner) => cur = *inner,
                None => break,
            },
            "cast_expression" => match cur.field("value") {
                Some(v) => cur = v,
                None => break,
            },
            _ => break,
        }
    }
    cur
}

impl<'a> Extractor<'a> {
    fn t(&self, node: Node) -> &'a str {
        self.src.text(node)
    }

    fn collect_comments(&mut self, root: Node<'a>) {
        let mut stack = vec![root];
        let mut found = Vec::new();
        while let Some(node) = stack.pop() {
            if is_comment(node) {
                found.push(node);
                continue;
            }
            let mut cursor = node.walk();
            for c in node.children(&mut cursor) {
                stack.push(c);
            }
        }
        found.sort_by_key(|n| n.start_byte());
        for n in found {
            self.unit.comments.push(Comment {
                line: self.src.start(n).line,
                text: self.t(n).to_string(),
            });
        }
    }

    fn walk(&mut self, node: Node<'a>, ctx: &mut Ctx<'a>, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        match node.kind_name() {
            "class_declaration"
            | "interface_declaration"
            | "enum_declaration"
            | "record_declaration"
            | "annotation_type_declaration" => self.visit_class(node, ctx.function, depth),
            "method_declaration"
            | "constructor_declaration"
            | "compact_constructor_declaration" => self.visit_method(node, depth),
            "field_declaration" | "constant_declaration" => {
                let mut c = Ctx::class_level(None);
                self.walk_children(node, &mut c, depth);
            }
            "static_initializer" => {
                let mut c = Ctx::class_level(
                    named_children(node)
                        .into_iter()
                        .find(|b| b.kind_name() == "block"),
                );
                self.walk_children(node, &mut c, depth);
            }
            "lambda_expression" => {
                self.lambda_locals(node, ctx);
                // A lambda that is not a loop (or synchronous) callback: a new loop context.
                let saved = std::mem::take(&mut ctx.loops);
                self.walk_children(node, ctx, depth);
                ctx.loops = saved;
            }
            "enhanced_for_statement" => self.visit_foreach(node, ctx, depth),
            "for_statement" => self.visit_for(node, ctx, depth),
            "while_statement" | "do_statement" => self.visit_while(node, ctx, depth),
            "method_invocation" => self.visit_call(node, ctx, depth),
            "object_creation_expression" => self.visit_new(node, ctx, depth),
            "string_literal" => {
                if !self.consumed.contains(&node.id()) {
                    self.string_root(node, ctx);
                }
            }
            "binary_expression" => {
                if is_plus(node) && !self.consumed.contains(&node.id()) {
                    self.string_root(node, ctx);
                }
                self.walk_children(node, ctx, depth);
            }
            "variable_declarator" | "assignment_expression" | "resource" => {
                self.walk_children(node, ctx, depth);
                self.record_local(node, ctx);
            }
            "catch_formal_parameter" => {
                if let Some(name) = node.field("name") {
                    self.push_local(name, Some("Exception".to_string()), ctx);
                }
                self.walk_children(node, ctx, depth);
            }
            _ => self.walk_children(node, ctx, depth),
        }
    }

    fn walk_children(&mut self, node: Node<'a>, ctx: &mut Ctx<'a>, depth: usize) {
        super::common::for_each_child(node, false, |child| self.walk(child, ctx, depth + 1));
    }

    fn visit_class(&mut self, node: Node<'a>, function: Option<usize>, depth: usize) {
        let name = node
            .field("name")
            .map(|n| self.t(n).to_string())
            .unwrap_or_default();
        let body = node.field("body");
        let members = body.map(Self::class_members).unwrap_or_default();
        let mut fields = self.fields_of(&members);
        let mut typed_fields = self.typed_fields(&members);
        if let Some(params) = node.field("parameters") {
            // record components
            self.params_into(params, &mut fields);
            typed_fields.extend(self.params(params).into_iter().map(|p| Field {
                name: p.name,
                ty: p.ty,
            }));
        }
        self.frames.push(Frame::Class(fields));
        self.push_class(
            name.clone(),
            self.bases_of(node),
            typed_fields,
            node,
            name.is_empty(),
        );
        self.class_names.push(name);
        self.outer_functions.push(function);
        let mut c = Ctx::class_level(None);
        for child in children(node) {
            if Some(child.id()) != body.map(|b| b.id()) {
                self.walk(child, &mut c, depth + 1);
            }
        }
        self.walk_members(&members, depth);
        self.outer_functions.pop();
        self.class_names.pop();
        self.class_indices.pop();
        self.frames.pop();
    }

    /// Members of a class / enum / interface body (enum body declarations flattened).
    fn class_members(body: Node<'a>) -> Vec<Node<'a>> {
        let mut out = Vec::new();
        for child in children(body) {
            if child.kind_name() == "enum_body_declarations" {
                out.extend(children(child));
            } else {
                out.push(child);
            }
        }
        out
    }

    /// Fields first (constants are used by methods declared before them), then the rest.
    fn walk_members(&mut self, members: &[Node<'a>], depth: usize) {
        for pass in 0..2 {
            for &m in members {
                let field = matches!(m.kind_name(), "field_declaration" | "constant_declaration");
                if field != (pass == 0) {
                    continue;
                }
                let mut c = Ctx::class_level(if m.kind_name() == "block" {
                    Some(m)
                } else {
                    None
                });
                self.walk(m, &mut c, depth + 1);
            }
        }
    }

    fn annotations(&self, node: Node<'a>) -> Vec<&'a str> {
        let mut out = Vec::new();
        for m in children(node) {
            if m.kind_name() != "modifiers" {
                continue;
            }
            for a in children(m) {
                if matches!(a.kind_name(), "marker_annotation" | "annotation") {
                    if let Some(n) = a.field("name") {
                        out.push(self.t(n).rsplit('.').next().unwrap_or(""));
                    }
                }
            }
        }
        out
    }

    fn visit_method(&mut self, node: Node<'a>, depth: usize) {
        self.record_return_type(node);
        let Some(body) = node.field("body") else {
            // Abstract / interface method: only its annotations (`@Query("select ..")`).
            let mut c = Ctx::class_level(None);
            self.walk_children(node, &mut c, depth);
            return;
        };
        let name = node.field("name").map(|n| self.t(n)).unwrap_or("");
        let annotations = self.annotations(node);
        let params = node
            .field("parameters")
            .map(|p| self.params(p))
            .unwrap_or_default();
        let return_type = node.field("type").and_then(|t| simple_type(self.t(t)));
        let is_async = annotations.contains(&"Async")
            || return_type
                .as_deref()
                .is_some_and(|t| ASYNC_RETURN_TYPES.contains(&t));
        let lower = name.to_ascii_lowercase();
        let per_call_ok = node.kind_name() == "method_declaration"
            && !annotations.iter().any(|a| ONCE_ANNOTATIONS.contains(a))
            && name != "main"
            && !lower.contains("datasource")
            && !lower.contains("pool");
        let index = self.unit.functions.len();
        self.unit.functions.push(Function {
            kind: if node.kind_name() == "method_declaration" {
                FunctionKind::Method
            } else {
                FunctionKind::Constructor
            },
            name: name.to_string(),
            class: self.class_indices.last().copied(),
            // A method of a local or anonymous class sees the locals of the method the
            // class is written in.
            parent: self.outer_functions.last().copied().flatten(),
            params,
            returns: node.field("type").and_then(|t| self.type_name(t)),
            start: self.src.start(node),
            end: self.src.end(node),
            body: (body.start_byte(), body.end_byte()),
            is_async,
            is_abstract: false,
            binding: None,
            annotations: annotations.iter().map(|a| a.to_string()).collect(),
        });
        let locals = self.prescan(node);
        self.frames.push(Frame::Function(locals));
        let mut c = Ctx {
            function: Some(index),
            body: Some(body),
            loops: Vec::new(),
            per_call_ok,
        };
        self.walk_children(node, &mut c, depth);
        self.frames.pop();
    }

    /// Receiver chain, outermost first, and its first identifier.
    fn chain_of(&self, object: Option<Node<'a>>) -> (Vec<String>, Option<String>) {
        let mut rev = Vec::new();
        let mut cur = object;
        let mut steps = 0;
        while let Some(n) = cur {
            steps += 1;
            if steps > 10_000 {
                break;
            }
            cur = None;
            match n.kind_name() {
                "identifier" => rev.push(self.t(n).to_string()),
                "field_access" => {
                    if let Some(f) = n.field("field") {
                        rev.push(self.t(f).to_string());
                    }
                    cur = n.field("object");
                }
                "method_invocation" => {
                    if let Some(f) = n.field("name") {
                        rev.push(self.t(f).to_string());
                    }
                    cur = n.field("object");
                }
                "parenthesized_expression" => cur = named_children(n).first().copied(),
                "cast_expression" => cur = n.field("value"),
                "array_access" => cur = n.field("array"),
                _ => {}
            }
        }
        rev.reverse();
        let root = rev.first().cloned();
        (rev, root)
    }

    fn push_call(
        &mut self,
        node: Node<'a>,
        name: &str,
        object: Option<Node<'a>>,
        arity: usize,
        ctx: &Ctx<'a>,
    ) -> usize {
        let (chain, _root) = self.chain_of(object);
        let entry = self.classify(name, object);
        let idx = self.unit.calls.len();
        let args = if node.kind_name() == "method_invocation" {
            args_of(node).into_iter().map(|a| self.arg(a)).collect()
        } else {
            vec![Arg::Other; arity]
        };
        self.unit.calls.push(typed::Call {
            function: ctx.function,
            class: self.class_indices.last().copied(),
            callee: name.to_string(),
            receiver: self.receiver_of(object, 0),
            receiver_text: object.map(|o| self.src.short(o, 200)),
            chain,
            args,
            role: match entry {
                Some(e) => CallRole::Database {
                    kind: e.op,
                    api: e.api.to_string(),
                },
                None => CallRole::Plain,
            },
            loops: ctx.loops.clone(),
            start: self.src.start(node),
            end: self.src.end(node),
            span: (node.start_byte(), node.end_byte()),
            awaited: false,
            blocked_by: None,
            sql_argument: None,
            text: self.src.short(node, 160),
        });
        self.call_by_node.insert(node.id(), idx);
        idx
    }

    /// One argument as the IR names it.
    fn arg(&self, node: Node<'a>) -> Arg {
        let node = unwrap_expr(node);
        match node.kind_name() {
            "identifier" => Arg::Name(self.t(node).to_string()),
            "object_creation_expression" => node
                .field("type")
                .and_then(|t| simple_type(self.t(t)))
                .map_or(Arg::Other, Arg::New),
            "method_invocation" => self
                .call_by_node
                .get(&node.id())
                .map_or(Arg::Other, |&c| Arg::Call(c)),
            _ => Arg::Other,
        }
    }

    fn visit_call(&mut self, node: Node<'a>, ctx: &mut Ctx<'a>, depth: usize) {
        let name = node.field("name").map(|n| self.t(n)).unwrap_or("");
        let object = node.field("object");
        let args = args_of(node);
        let idx = self.push_call(node, name, object, args.len(), ctx);
        let entry = self.classify(name, object);
        let carrier = self.is_carrier(name, object);
        if entry.is_some_and(|e| e.sql_arg) || carrier {
            self.sql_arg_calls.insert(node.id());
        }
        self.connection_call(node, name, object, ctx);
        self.format_call(node, name, object, &args, ctx);

        if let Some(o) = object {
            self.walk(o, ctx, depth + 1);
        }
        let mode = self.callback_mode(name, object, entry);
        let last = args.len().saturating_sub(1);
        for (i, &arg) in args.iter().enumerate() {
            let lambda = arg.kind_name() == "lambda_expression";
            let callback = lambda || arg.kind_name() == "method_reference";
            match &mode {
                Mode::Loop(method) if callback => {
                    let source = object.map(|o| self.loop_source(o)).unwrap_or_default();
                    self.callback_loop(arg, method.clone(), source, ctx, depth);
                }
                // A `RowMapper` / `RowCallbackHandler` lambda runs once per row.
                Mode::Rows if lambda && i == last && self.lambda_params(arg).len() == 2 => {
                    let source = (Some(self.src.short(node, 200)), Some(idx), None);
                    self.callback_loop(arg, "row".to_string(), source, ctx, depth);
                }
                Mode::Sync if lambda => {
                    self.lambda_locals(arg, ctx);
                    self.walk_children(arg, ctx, depth + 1)
                }
                _ => self.walk(arg, ctx, depth + 1),
            }
        }

        if let Some(e) = entry {
            self.link_sql(node, idx, e, object, ctx);
        }
        if carrier {
            if let Some(s) = self.first_arg_string(node, ctx) {
                self.carrier_str.insert(node.id(), s);
                if let Some(lit) = self.unit.strings.get_mut(s) {
                    lit.at_db_call = true;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
