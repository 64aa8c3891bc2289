//! Java adapter: turns a tree-sitter-java tree into the language-neutral facts of
//! `AppFile`. Its catalogue of database call sites, connection APIs, loop callbacks and
//! library types is data (`catalogue`); this module walks the tree (classes, methods,
//! calls, loops, assignments), `resources` decides where connections come from and how
//! they are released, `strings` assembles SQL strings. Java still extracts `AppFile`
//! directly; its move onto the typed IR and the one core (issue #17) is not done.
//!
//! Length (about 1,400 lines): the walk, its scopes and the receiver typing share one
//! `Extractor` whose state every recogniser reads; it shrinks when Java is lowered to the
//! typed IR (issue #17), or is split by role the way `javascript/` was.
//!
//! Receivers are typed from declarations in scope: class fields (of the enclosing classes),
//! method and lambda parameters, locals and try-with-resources resources (one flat scope per
//! method). A declared type decides; a `var` (or untyped lambda parameter) is typed from the
//! call it was initialised with / assigned from; only an undeclared name (an inherited field,
//! an untyped lambda parameter) falls back to name heuristics. A name explicitly declared with
//! an unrelated type never matches. The declared type is also the call's `ReceiverType` for
//! the cross-file resolution: a JDK type is `Library`, a project type `Class`, a receiver
//! whose type is not stated `Unknown`.

mod caches;
mod catalogue;
mod resources;
mod returns;
mod strings;

use std::collections::{HashMap, HashSet};

use tree_sitter::Node;

use super::common::KindExt;

use super::common::FieldExt;

use crate::app::ir::{
    AppFile, Assignment, Call, ClassFacts, Comment, DbCall, Function, Language, Loop, ReceiverType,
    StringLit,
};
use crate::app::lang::common::{looks_like_sql, masked_credentials, record_errors, Source};
use catalogue::*;

// ======================================================================================
// Extraction
// ======================================================================================

pub fn extract(path: &str, text: &str) -> AppFile {
    let mut file = AppFile::new(path, Language::Java);
    let Some((tree, _kind_names)) =
        super::common::parse_tree(&mut file, text, &tree_sitter_java::LANGUAGE.into())
    else {
        return file;
    };
    let source = Source::new(text);
    let root = tree.root_node();
    let mut ex = Extractor {
        src: &source,
        file,
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
        field_calls: Vec::new(),
    };
    ex.collect_comments(root);
    let mut ctx = Ctx::class_level(None);
    ex.walk(root, &mut ctx, 0);
    ex.finish_cache_reads();
    let mut file = ex.file;
    record_errors(&mut file, &source, root);
    file
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
    file: AppFile,
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
    /// Calls on fields of the enclosing class, for the cache reads (`caches`).
    field_calls: Vec<caches::FieldCall>,
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

/// A class's name (`ForumRepository`), not a constant's (`DATA_SOURCE`) nor a variable's.
fn is_class_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.chars().any(|c| c.is_ascii_lowercase())
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
            self.file.comments.push(Comment {
                line: self.src.start(n).line,
                text: self.t(n).to_string(),
            });
        }
    }

    // ---------------------------------------------------------------- walking

    fn walk(&mut self, node: Node<'a>, ctx: &mut Ctx<'a>, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        match node.kind_name() {
            "class_declaration"
            | "interface_declaration"
            | "enum_declaration"
            | "record_declaration"
            | "annotation_type_declaration" => self.visit_class(node, depth),
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
                self.record_assignment(node, ctx);
            }
            _ => self.walk_children(node, ctx, depth),
        }
    }

    fn walk_children(&mut self, node: Node<'a>, ctx: &mut Ctx<'a>, depth: usize) {
        super::common::for_each_child(node, false, |child| self.walk(child, ctx, depth + 1));
    }

    fn visit_class(&mut self, node: Node<'a>, depth: usize) {
        let name = node
            .field("name")
            .map(|n| self.t(n).to_string())
            .unwrap_or_default();
        let body = node.field("body");
        let members = body.map(Self::class_members).unwrap_or_default();
        let mut fields = self.fields_of(&members);
        if let Some(params) = node.field("parameters") {
            // record components
            self.params_into(params, &mut fields);
        }
        self.frames.push(Frame::Class(fields));
        if !name.is_empty() {
            let bases = self.bases_of(node);
            self.file.classes.push(ClassFacts {
                name: name.clone(),
                bases,
            });
        }
        self.class_names.push(name);
        let mut c = Ctx::class_level(None);
        for child in children(node) {
            if Some(child.id()) != body.map(|b| b.id()) {
                self.walk(child, &mut c, depth + 1);
            }
        }
        self.walk_members(&members, depth);
        self.class_names.pop();
        self.frames.pop();
    }

    /// The superclass and interfaces a class, enum, record or interface names (simple
    /// names, generics stripped).
    fn bases_of(&self, node: Node<'a>) -> Vec<String> {
        let mut out = Vec::new();
        for child in children(node) {
            if !matches!(
                child.kind_name(),
                "superclass" | "super_interfaces" | "extends_interfaces"
            ) {
                continue;
            }
            let mut stack = vec![child];
            while let Some(n) = stack.pop() {
                match n.kind_name() {
                    "type_identifier" | "scoped_type_identifier" | "generic_type" => {
                        if let Some(ty) = simple_type(self.t(n)) {
                            if !out.contains(&ty) {
                                out.push(ty);
                            }
                        }
                    }
                    _ => stack.extend(named_children(n).into_iter().rev()),
                }
            }
        }
        out
    }

    /// What a call's receiver is declared as: a library type (never the repository's
    /// code), a class (the methods of that class and of the classes around it in its
    /// hierarchy; `this` / `super` are the enclosing class), or unknown (resolved by name,
    /// with medium confidence). A capitalised name declared nowhere in scope is a class (a
    /// static call). An unqualified call stays untyped: a method of this class, a base or a
    /// static import.
    fn receiver_type(&self, object: Option<Node<'a>>) -> ReceiverType {
        let Some(object) = object.map(unwrap_expr) else {
            return ReceiverType::Untyped;
        };
        let (name, info) = match object.kind_name() {
            // `(video ? videos : songs).add(f)`: the type both branches agree on.
            "ternary_expression" => {
                let consequence = self.receiver_type(object.field("consequence"));
                let alternative = self.receiver_type(object.field("alternative"));
                return if consequence == alternative {
                    consequence
                } else {
                    ReceiverType::Unknown
                };
            }
            // `this.m()`: the enclosing class and its hierarchy; `super.m()`: its bases'.
            "this" | "super" => {
                return match self.class_names.last().filter(|c| !c.is_empty()) {
                    Some(class) if object.kind_name() == "super" => {
                        ReceiverType::Base(class.clone())
                    }
                    Some(class) => ReceiverType::Class(class.clone()),
                    None => ReceiverType::Unknown,
                };
            }
            "identifier" => {
                let name = self.t(object);
                (name, self.lookup(name))
            }
            // `Factory.instance().newOrderDao()`: the inner calls' declared return types.
            "method_invocation" => return self.returned_type(object),
            "field_access"
                if object
                    .field("object")
                    .is_some_and(|o| o.kind_name() == "this") =>
            {
                let Some(field) = object.field("field").map(|f| self.t(f)) else {
                    return ReceiverType::Unknown;
                };
                (field, self.lookup_field(field))
            }
            _ => return ReceiverType::Unknown,
        };
        let declared = match info {
            Some(info) => info.ty.as_deref(),
            None if is_class_name(name) => Some(name),
            None => None,
        };
        match declared {
            // A type parameter (`T item`) says nothing of the class.
            Some(ty) if ty.len() == 1 => ReceiverType::Unknown,
            Some(ty) if LIBRARY_TYPES.contains(&ty) => ReceiverType::Library,
            Some(ty) => ReceiverType::Class(ty.to_string()),
            None => ReceiverType::Unknown,
        }
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

    fn fields_of(&self, members: &[Node<'a>]) -> HashMap<String, VarInfo<'a>> {
        let mut fields = HashMap::new();
        for &m in members {
            if matches!(m.kind_name(), "field_declaration" | "constant_declaration") {
                self.declaration_into(m, &mut fields);
            }
        }
        fields
    }

    fn declaration_into(&self, decl: Node<'a>, into: &mut HashMap<String, VarInfo<'a>>) {
        let ty = decl.field("type").and_then(|t| simple_type(self.t(t)));
        let mut cursor = decl.walk();
        for d in decl.children_by_field_name("declarator", &mut cursor) {
            if let Some(n) = d.field("name") {
                let value = d.field("value").filter(|v| v.kind_name() != "null_literal");
                into.entry(self.t(n).to_string()).or_insert(VarInfo {
                    ty: ty.clone(),
                    value,
                });
            }
        }
    }

    fn params_into(&self, params: Node<'a>, into: &mut HashMap<String, VarInfo<'a>>) {
        for p in named_children(params) {
            match p.kind_name() {
                "formal_parameter" => {
                    if let Some(n) = p.field("name") {
                        let ty = p.field("type").and_then(|t| simple_type(self.t(t)));
                        into.entry(self.t(n).to_string())
                            .or_insert(VarInfo { ty, value: None });
                    }
                }
                "spread_parameter" => {
                    for c in named_children(p) {
                        if c.kind_name() == "variable_declarator" {
                            if let Some(n) = c.field("name") {
                                into.entry(self.t(n).to_string()).or_insert(VarInfo {
                                    ty: None,
                                    value: None,
                                });
                            }
                        }
                    }
                }
                "identifier" => {
                    into.entry(self.t(p).to_string()).or_insert(VarInfo {
                        ty: None,
                        value: None,
                    });
                }
                _ => {}
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
        let params = node.field("parameters");
        let arity = params
            .map(|p| {
                named_children(p)
                    .iter()
                    .filter(|c| matches!(c.kind_name(), "formal_parameter" | "spread_parameter"))
                    .count()
            })
            .unwrap_or(0);
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
        let index = self.file.functions.len();
        self.file.functions.push(Function {
            name: name.to_string(),
            arity,
            class: self.class_names.last().cloned(),
            start: self.src.start(node),
            end: self.src.end(node),
            body: (body.start_byte(), body.end_byte()),
            is_async,
            is_abstract: false,
        });
        self.record_cached_method(&annotations, index);
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

    /// Parameters, locals, resources, loop and lambda variables of a method (not of nested
    /// classes), with their declared types and initialisers.
    fn prescan(&self, method: Node<'a>) -> HashMap<String, VarInfo<'a>> {
        let mut locals: HashMap<String, VarInfo<'a>> = HashMap::new();
        let mut assigned: Vec<(String, Node<'a>)> = Vec::new();
        if let Some(p) = method.field("parameters") {
            self.params_into(p, &mut locals);
        }
        let mut stack: Vec<Node<'a>> = method.field("body").into_iter().collect();
        while let Some(node) = stack.pop() {
            match node.kind_name() {
                "class_body"
                | "class_declaration"
                | "interface_declaration"
                | "enum_declaration"
                | "record_declaration" => continue,
                "local_variable_declaration" => self.declaration_into(node, &mut locals),
                "resource" => {
                    if let Some(n) = node.field("name") {
                        let ty = node.field("type").and_then(|t| simple_type(self.t(t)));
                        let value = node.field("value");
                        locals
                            .entry(self.t(n).to_string())
                            .or_insert(VarInfo { ty, value });
                    }
                }
                "enhanced_for_statement" => {
                    if let Some(n) = node.field("name") {
                        let ty = node.field("type").and_then(|t| simple_type(self.t(t)));
                        locals
                            .entry(self.t(n).to_string())
                            .or_insert(VarInfo { ty, value: None });
                    }
                }
                "lambda_expression" => {
                    if let Some(p) = node.field("parameters") {
                        if p.kind_name() == "identifier" {
                            locals.entry(self.t(p).to_string()).or_insert(VarInfo {
                                ty: None,
                                value: None,
                            });
                        } else {
                            self.params_into(p, &mut locals);
                        }
                    }
                }
                "catch_formal_parameter" => {
                    if let Some(n) = node.field("name") {
                        let ty = Some("Exception".to_string());
                        locals
                            .entry(self.t(n).to_string())
                            .or_insert(VarInfo { ty, value: None });
                    }
                }
                "assignment_expression" => {
                    if let (Some(l), Some(r)) = (node.field("left"), node.field("right")) {
                        if l.kind_name() == "identifier" && r.kind_name() != "null_literal" {
                            assigned.push((self.t(l).to_string(), r));
                        }
                    }
                }
                _ => {}
            }
            let mut cursor = node.walk();
            for c in node.named_children(&mut cursor) {
                stack.push(c);
            }
        }
        assigned.sort_by_key(|(_, n)| n.start_byte());
        for (name, value) in assigned {
            if let Some(info) = locals.get_mut(&name) {
                if info.value.is_none() {
                    info.value = Some(value);
                }
            }
        }
        locals
    }

    // ---------------------------------------------------------------- scopes & kinds

    fn lookup(&self, name: &str) -> Option<&VarInfo<'a>> {
        self.frames.iter().rev().find_map(|f| match f {
            Frame::Class(m) | Frame::Function(m) => m.get(name),
        })
    }

    fn lookup_field(&self, name: &str) -> Option<&VarInfo<'a>> {
        self.frames.iter().rev().find_map(|f| match f {
            Frame::Class(m) => m.get(name),
            Frame::Function(_) => None,
        })
    }

    /// Whether `name` is a local (parameter / variable) rather than a field.
    fn is_local(&self, name: &str) -> bool {
        for f in self.frames.iter().rev() {
            match f {
                Frame::Function(m) if m.contains_key(name) => return true,
                Frame::Class(m) if m.contains_key(name) => return false,
                _ => {}
            }
        }
        false
    }

    fn weaken(&self, kind: Kind) -> Kind {
        if kind == Kind::Session && !self.hibernate {
            Kind::SessionByName
        } else {
            kind
        }
    }

    fn kind_of_type(&self, ty: &str) -> Option<Kind> {
        if let Some((_, k)) = TYPE_KINDS.iter().find(|(t, _)| *t == ty) {
            return Some(self.weaken(*k));
        }
        if REPOSITORY_TYPE_SUFFIXES.iter().any(|s| ty.ends_with(s)) {
            return Some(Kind::Repository);
        }
        None
    }

    fn kind_of_name(&self, name: &str) -> Option<Kind> {
        let lower = name.to_ascii_lowercase();
        NAME_KINDS
            .iter()
            .find(|(h, _)| name_matches(h, name, &lower))
            .map(|(_, k)| self.weaken(*k))
    }

    fn kind_of_info(&self, name: &str, info: Option<&VarInfo<'a>>, depth: usize) -> Option<Kind> {
        let Some(info) = info else {
            return self.kind_of_name(name);
        };
        if let Some(k) = info.ty.as_deref().and_then(|t| self.kind_of_type(t)) {
            return Some(k);
        }
        if let Some(k) = info.value.and_then(|v| self.kind_of_expr(v, depth + 1)) {
            return Some(k);
        }
        if info.ty.is_some() {
            return None; // declared with an unrelated type
        }
        self.kind_of_name(name)
    }

    fn kind_of_expr(&self, node: Node<'a>, depth: usize) -> Option<Kind> {
        if depth > 24 {
            return None;
        }
        match node.kind_name() {
            "identifier" => {
                let name = self.t(node);
                let info = self.lookup(name);
                if info.is_none() && is_class_name(name) {
                    // A static call on a class (`ForumRepository.getForum(id)`): the name
                    // hints are for instances (a Spring Data repository is injected).
                    return None;
                }
                self.kind_of_info(name, info, depth)
            }
            "field_access" => {
                let field = self.t(node.field("field")?);
                if node.field("object")?.kind_name() == "this" {
                    self.kind_of_info(field, self.lookup_field(field), depth)
                } else {
                    self.kind_of_name(field)
                }
            }
            "parenthesized_expression" => {
                self.kind_of_expr(*named_children(node).first()?, depth + 1)
            }
            "cast_expression" => {
                let ty = node.field("type").and_then(|t| simple_type(self.t(t)));
                ty.and_then(|t| self.kind_of_type(&t)).or_else(|| {
                    node.field("value")
                        .and_then(|v| self.kind_of_expr(v, depth + 1))
                })
            }
            "object_creation_expression" => {
                let ty = node.field("type").and_then(|t| simple_type(self.t(t)))?;
                self.kind_of_type(&ty)
            }
            "method_invocation" => {
                let name = self.t(node.field("name")?);
                let object = node.field("object");
                let recv = object.and_then(|o| self.kind_of_expr(o, depth + 1));
                if recv.is_some_and(|k| db_entry(k, name).is_some()) {
                    return None;
                }
                ORIGINS
                    .iter()
                    .find(|(r, m, _)| {
                        recv_matches(*r, recv, object.is_none()) && method_matches(m, name)
                    })
                    .map(|(r, _, k)| {
                        if matches!(r, Recv::Bare) && self.hibernate {
                            Kind::Session
                        } else {
                            *k
                        }
                    })
            }
            _ => None,
        }
    }

    fn classify(&self, name: &str, object: Option<Node<'a>>) -> Option<&'static DbMethod> {
        let kind = self.kind_of_expr(object?, 0)?;
        db_entry(kind, name)
    }

    fn is_carrier(&self, name: &str, object: Option<Node<'a>>) -> bool {
        if !SQL_CARRIERS.iter().any(|(_, m)| *m == name) {
            return false;
        }
        let recv = object.and_then(|o| self.kind_of_expr(o, 0));
        SQL_CARRIERS
            .iter()
            .any(|(r, m)| *m == name && recv_matches(*r, recv, object.is_none()))
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

    // ---------------------------------------------------------------- calls

    fn push_call(
        &mut self,
        node: Node<'a>,
        name: &str,
        object: Option<Node<'a>>,
        arity: usize,
        ctx: &Ctx<'a>,
    ) -> usize {
        let (chain, root) = self.chain_of(object);
        let entry = self.classify(name, object);
        let idx = self.file.calls.len();
        self.file.calls.push(Call {
            function: ctx.function,
            callee: name.to_string(),
            receiver: object.map(|o| self.src.short(o, 200)),
            receiver_root: root,
            chain,
            receiver_type: self.receiver_type(object),
            arity,
            start: self.src.start(node),
            end: self.src.end(node),
            start_byte: node.start_byte(),
            end_byte: node.end_byte(),
            loops: ctx.loops.clone(),
            db: entry.map(|e| e.op),
            db_api: entry.map(|e| e.api.to_string()),
            awaited: false,
            blocked_by: None,
            sql_argument: None,
            text: self.src.short(node, 160),
        });
        self.call_by_node.insert(node.id(), idx);
        idx
    }

    fn visit_call(&mut self, node: Node<'a>, ctx: &mut Ctx<'a>, depth: usize) {
        let name = node.field("name").map(|n| self.t(n)).unwrap_or("");
        let object = node.field("object");
        let args = args_of(node);
        let idx = self.push_call(node, name, object, args.len(), ctx);
        self.record_field_call(idx, name, object, args.len(), ctx);
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
                Mode::Loop(kind) if callback => {
                    let source = object.map(|o| self.loop_source(o)).unwrap_or_default();
                    self.callback_loop(arg, kind.clone(), source, ctx, depth);
                }
                Mode::Rows if lambda && i == last && self.lambda_params(arg).len() == 2 => {
                    let source = (Some(self.src.short(node, 200)), Some(idx), None);
                    self.callback_loop(arg, "row callback".to_string(), source, ctx, depth);
                }
                Mode::Sync if lambda => self.walk_children(arg, ctx, depth + 1),
                _ => self.walk(arg, ctx, depth + 1),
            }
        }

        if let Some(e) = entry {
            self.link_sql(node, idx, e, object, ctx);
        }
        if carrier {
            if let Some(s) = self.first_arg_string(node, ctx) {
                self.carrier_str.insert(node.id(), s);
                if let Some(lit) = self.file.strings.get_mut(s) {
                    lit.at_db_call = true;
                }
            }
        }
    }

    fn callback_mode(
        &self,
        name: &str,
        object: Option<Node<'a>>,
        entry: Option<&'static DbMethod>,
    ) -> Mode {
        let Some(object) = object else {
            return Mode::Plain;
        };
        if ALWAYS_LOOP_CALLBACKS.contains(&name)
            || (STREAM_LOOP_CALLBACKS.contains(&name) && self.is_stream(object))
        {
            return Mode::Loop(format!("{name} callback"));
        }
        if entry.is_some_and(|e| e.kind == Kind::JdbcTemplate && e.method == "query") {
            return Mode::Rows;
        }
        if SYNC_CALLBACKS.contains(&name) {
            return Mode::Sync;
        }
        if name == "execute" {
            let root = self
                .chain_of(Some(object))
                .1
                .unwrap_or_default()
                .to_ascii_lowercase();
            let typed = matches!(object.kind_name(), "identifier")
                && self.lookup(self.t(object)).and_then(|i| i.ty.as_deref())
                    == Some("TransactionTemplate");
            if typed || SYNC_EXECUTE_RECEIVER_HINTS.iter().any(|h| root.contains(h)) {
                return Mode::Sync;
            }
        }
        Mode::Plain
    }

    fn is_stream(&self, object: Node<'a>) -> bool {
        let mut cur = Some(object);
        let mut steps = 0;
        while let Some(n) = cur {
            steps += 1;
            if steps > 10_000 {
                return false;
            }
            cur = None;
            match n.kind_name() {
                "method_invocation" => {
                    let name = n.field("name").map(|x| self.t(x)).unwrap_or("");
                    if STREAM_MARKERS.contains(&name) {
                        return true;
                    }
                    cur = n.field("object");
                }
                "identifier" => {
                    let name = self.t(n);
                    if STREAM_TYPES.contains(&name) {
                        return true;
                    }
                    return self
                        .lookup(name)
                        .and_then(|i| i.ty.as_deref())
                        .is_some_and(|t| STREAM_TYPES.contains(&t));
                }
                "parenthesized_expression" | "cast_expression" => {
                    cur = Some(unwrap_expr(n)).filter(|u| u.id() != n.id())
                }
                _ => {}
            }
        }
        false
    }

    fn lambda_params(&self, lambda: Node<'a>) -> Vec<String> {
        let Some(p) = lambda.field("parameters") else {
            return Vec::new();
        };
        if p.kind_name() == "identifier" {
            return vec![self.t(p).to_string()];
        }
        let mut out = Vec::new();
        for c in named_children(p) {
            match c.kind_name() {
                "identifier" => out.push(self.t(c).to_string()),
                "formal_parameter" => {
                    if let Some(n) = c.field("name") {
                        out.push(self.t(n).to_string());
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// The iteration source of a loop over `expr`: (text, call index, variable).
    fn loop_source(&self, expr: Node<'a>) -> (Option<String>, Option<usize>, Option<String>) {
        let u = self.unwrap_source(expr);
        let text = Some(self.src.short(u, 200));
        match u.kind_name() {
            "method_invocation" => (text, self.call_by_node.get(&u.id()).copied(), None),
            "identifier" => (text, None, Some(self.t(u).to_string())),
            "field_access" if u.field("object").is_some_and(|o| o.kind_name() == "this") => {
                (text, None, u.field("field").map(|f| self.t(f).to_string()))
            }
            _ => (text, None, None),
        }
    }

    fn unwrap_source(&self, expr: Node<'a>) -> Node<'a> {
        let mut cur = expr;
        for _ in 0..256 {
            let next = match cur.kind_name() {
                "parenthesized_expression" | "cast_expression" => {
                    Some(unwrap_expr(cur)).filter(|u| u.id() != cur.id())
                }
                "method_invocation" => {
                    let name = cur.field("name").map(|n| self.t(n)).unwrap_or("");
                    let object = cur.field("object");
                    let args = args_of(cur);
                    let static_wrapper = object.is_some_and(|o| {
                        let o = self.t(o);
                        STATIC_SOURCE_WRAPPERS
                            .iter()
                            .any(|(c, m)| *c == o && *m == name)
                    });
                    if static_wrapper {
                        let first = args.first().copied();
                        // StreamSupport.stream(xs.spliterator(), false)
                        if args.len() == 1 || (name == "stream" && args.len() == 2) {
                            first
                        } else {
                            None
                        }
                    } else if SOURCE_WRAPPERS.contains(&name)
                        || (SOURCE_WRAPPERS_NO_ARGS.contains(&name) && args.is_empty())
                    {
                        object
                    } else {
                        None
                    }
                }
                "object_creation_expression" => {
                    let ty = cur.field("type").and_then(|t| simple_type(self.t(t)));
                    let args = args_of(cur);
                    if ty.is_some_and(|t| COPY_CONSTRUCTORS.contains(&t.as_str()))
                        && args.len() == 1
                        && !args[0].kind_name().ends_with("_literal")
                    {
                        Some(args[0])
                    } else {
                        None
                    }
                }
                _ => None,
            };
            match next {
                Some(n) => cur = n,
                None => break,
            }
        }
        cur
    }

    fn callback_loop(
        &mut self,
        callback: Node<'a>,
        kind: String,
        source: (Option<String>, Option<usize>, Option<String>),
        ctx: &mut Ctx<'a>,
        depth: usize,
    ) {
        let variables = if callback.kind_name() == "lambda_expression" {
            self.lambda_params(callback)
        } else {
            Vec::new()
        };
        let li = self.file.loops.len();
        let parameter = self.source_parameter(source.0.as_deref(), ctx);
        let source_param = parameter.is_some();
        if let Some(position) = parameter {
            self.file.loop_parameters.push((li, position));
        }
        self.file.loops.push(Loop {
            function: ctx.function,
            kind,
            start: self.src.start(callback),
            end: self.src.end(callback),
            span: (callback.start_byte(), callback.end_byte()),
            source_text: source.0,
            source_call: source.1,
            source_var: source.2,
            variables,
            source_param,
            rows_of: None,
        });
        ctx.loops.push(li);
        if callback.kind_name() == "method_reference" {
            self.method_reference_call(callback, ctx);
        } else {
            self.walk_children(callback, ctx, depth + 1);
        }
        ctx.loops.pop();
    }

    /// `repo::findById` used as a loop callback: a call per element.
    fn method_reference_call(&mut self, node: Node<'a>, ctx: &Ctx<'a>) {
        let parts = children(node);
        let Some(sep) = parts.iter().position(|c| c.kind_name() == "::") else {
            return;
        };
        let receiver = parts[..sep]
            .iter()
            .rev()
            .find(|c| c.is_named() && !is_comment(**c))
            .copied();
        let name = parts[sep + 1..]
            .iter()
            .find(|c| matches!(c.kind_name(), "identifier" | "new"))
            .map(|c| self.t(*c));
        let Some(name) = name else {
            return;
        };
        let receiver = receiver.filter(|r| !matches!(r.kind_name(), "this" | "super"));
        self.push_call(node, name, receiver, 1, ctx);
    }

    // ---------------------------------------------------------------- loops

    fn push_loop(
        &mut self,
        node: Node<'a>,
        kind: &str,
        source: (Option<String>, Option<usize>, Option<String>),
        variables: Vec<String>,
        ctx: &Ctx<'a>,
    ) -> usize {
        let li = self.file.loops.len();
        let parameter = self.source_parameter(source.0.as_deref(), ctx);
        let source_param = parameter.is_some();
        if let Some(position) = parameter {
            self.file.loop_parameters.push((li, position));
        }
        self.file.loops.push(Loop {
            function: ctx.function,
            kind: kind.to_string(),
            start: self.src.start(node),
            end: self.src.end(node),
            span: (node.start_byte(), node.end_byte()),
            source_text: source.0,
            source_call: source.1,
            source_var: source.2,
            variables,
            source_param,
            rows_of: None,
        });
        li
    }

    /// Whether a loop's source (`orders`, `order.getItems()`) starts from a parameter of
    /// the method around it: a collection the caller passes in (not an array of ids or
    /// strings, `loop_shape::is_scalar_array`).
    /// Its position among the parameters, when it is one.
    fn source_parameter(&self, source: Option<&str>, ctx: &Ctx<'a>) -> Option<usize> {
        let root = source.and_then(crate::app::loop_shape::source_root)?;
        let params = ctx
            .body
            .and_then(|b| b.parent())
            .and_then(|m| m.field("parameters"))?;
        let params: Vec<Node<'a>> = named_children(params)
            .into_iter()
            .filter(|p| matches!(p.kind_name(), "formal_parameter" | "spread_parameter"))
            .collect();
        params.iter().position(|p| {
            let name = p
                .field("name")
                .or_else(|| {
                    named_children(*p)
                        .into_iter()
                        .find(|c| c.kind_name() == "variable_declarator")
                        .and_then(|d| d.field("name"))
                })
                .map(|n| self.t(n));
            let ty = p.field("type").map(|t| self.t(t)).unwrap_or("");
            let spread = p.kind_name() == "spread_parameter";
            let scalar_array = crate::app::loop_shape::is_scalar_array(ty)
                || (spread && crate::app::loop_shape::is_scalar_array(&format!("{ty}[]")));
            name == Some(root) && !scalar_array
        })
    }

    /// `for (Iterator it = xs.iterator(); it.hasNext();)`: the loop walks `xs` (or the
    /// call that hands out the iterator, `getHistory()`, `e.elementIterator("item")`).
    fn iterator_source(
        &self,
        init: &[Node<'a>],
    ) -> Option<(Option<String>, Option<usize>, Option<String>)> {
        let declaration = init
            .iter()
            .find(|n| n.kind_name() == "local_variable_declaration")?;
        let ty = self.t(declaration.field("type")?);
        if !["Iterator", "ListIterator", "Enumeration"]
            .iter()
            .any(|t| ty == *t || ty.starts_with(&format!("{t}<")))
        {
            return None;
        }
        let value = unwrap_expr(declaration.field("declarator")?.field("value")?);
        if value.kind_name() != "method_invocation" {
            return None;
        }
        let name = self.t(value.field("name")?);
        let walked = match value.field("object") {
            Some(object)
                if matches!(name, "iterator" | "listIterator") && args_of(value).is_empty() =>
            {
                object
            }
            _ => value,
        };
        Some(self.loop_source(walked))
    }

    fn visit_foreach(&mut self, node: Node<'a>, ctx: &mut Ctx<'a>, depth: usize) {
        let value = node.field("value");
        if let Some(v) = value {
            self.walk(v, ctx, depth + 1);
        }
        let source = value.map(|v| self.loop_source(v)).unwrap_or_default();
        let variables = node
            .field("name")
            .map(|n| vec![self.t(n).to_string()])
            .unwrap_or_default();
        let li = self.push_loop(node, "foreach", source, variables, ctx);
        ctx.loops.push(li);
        for child in children(node) {
            if Some(child.id()) != value.map(|v| v.id()) {
                self.walk(child, ctx, depth + 1);
            }
        }
        ctx.loops.pop();
    }

    fn visit_for(&mut self, node: Node<'a>, ctx: &mut Ctx<'a>, depth: usize) {
        let mut init = Vec::new();
        let mut cursor = node.walk();
        for n in node.children_by_field_name("init", &mut cursor) {
            init.push(n);
        }
        let mut variables = Vec::new();
        for &n in &init {
            self.walk(n, ctx, depth + 1);
            match n.kind_name() {
                "local_variable_declaration" => {
                    let mut c = n.walk();
                    for d in n.children_by_field_name("declarator", &mut c) {
                        if let Some(name) = d.field("name") {
                            variables.push(self.t(name).to_string());
                        }
                    }
                }
                "assignment_expression" => {
                    if let Some(l) = n.field("left").filter(|l| l.kind_name() == "identifier") {
                        variables.push(self.t(l).to_string());
                    }
                }
                _ => {}
            }
        }
        // `i < xs.size()` / `i < arr.length`: the collection iterated by index.
        let source = node
            .field("condition")
            .and_then(|c| self.indexed_source(c))
            .or_else(|| self.iterator_source(&init))
            .unwrap_or_default();
        let li = self.push_loop(node, "for", source, variables, ctx);
        ctx.loops.push(li);
        let init_ids: Vec<usize> = init.iter().map(|n| n.id()).collect();
        for child in children(node) {
            if !init_ids.contains(&child.id()) {
                self.walk(child, ctx, depth + 1);
            }
        }
        ctx.loops.pop();
    }

    fn indexed_source(
        &self,
        cond: Node<'a>,
    ) -> Option<(Option<String>, Option<usize>, Option<String>)> {
        if cond.kind_name() != "binary_expression" {
            return None;
        }
        let op = cond.field("operator")?.kind_name();
        if !matches!(op, "<" | "<=" | "!=") {
            return None;
        }
        let right = unwrap_expr(cond.field("right")?);
        let collection = match right.kind_name() {
            "method_invocation" => {
                let name = self.t(right.field("name")?);
                if name != "size" || !args_of(right).is_empty() {
                    return None;
                }
                right.field("object")?
            }
            "field_access" => {
                if self.t(right.field("field")?) != "length" {
                    return None;
                }
                right.field("object")?
            }
            _ => return None,
        };
        let name = match collection.kind_name() {
            "identifier" => self.t(collection),
            "field_access" if collection.field("object")?.kind_name() == "this" => {
                self.t(collection.field("field")?)
            }
            _ => return None,
        };
        Some((
            Some(self.src.short(collection, 200)),
            None,
            Some(name.to_string()),
        ))
    }

    fn visit_while(&mut self, node: Node<'a>, ctx: &mut Ctx<'a>, depth: usize) {
        // `while (rs.next())` / `while (it.hasNext())`: iterating that variable.
        let source = node
            .field("condition")
            .map(unwrap_expr)
            .filter(|c| c.kind_name() == "method_invocation")
            .and_then(|c| {
                let name = self.t(c.field("name")?);
                let object = c.field("object")?;
                if matches!(name, "next" | "hasNext" | "hasMoreElements")
                    && object.kind_name() == "identifier"
                {
                    Some((
                        Some(self.t(object).to_string()),
                        None,
                        Some(self.t(object).to_string()),
                    ))
                } else {
                    None
                }
            })
            .unwrap_or_default();
        let kind = if node.kind_name() == "do_statement" {
            "do"
        } else {
            "while"
        };
        let li = self.push_loop(node, kind, source, Vec::new(), ctx);
        ctx.loops.push(li);
        self.walk_children(node, ctx, depth);
        ctx.loops.pop();
    }

    // ---------------------------------------------------------------- assignments

    fn record_assignment(&mut self, node: Node<'a>, ctx: &Ctx<'a>) {
        let (name, value) = match node.kind_name() {
            "variable_declarator" | "resource" => (node.field("name"), node.field("value")),
            "assignment_expression" => {
                if node.field("operator").is_none_or(|o| o.kind_name() != "=") {
                    return;
                }
                let left = node.field("left");
                let left = left.and_then(|l| match l.kind_name() {
                    "identifier" => Some(l),
                    "field_access"
                        if l.field("object").is_some_and(|o| o.kind_name() == "this") =>
                    {
                        l.field("field")
                    }
                    _ => None,
                });
                (left, node.field("right"))
            }
            _ => return,
        };
        let (Some(name), Some(value)) = (name, value) else {
            return;
        };
        let value = unwrap_expr(value);
        if value.kind_name() != "method_invocation" {
            return;
        }
        if let Some(&call) = self.call_by_node.get(&value.id()) {
            self.file.assignments.push(Assignment {
                function: ctx.function,
                variable: self.t(name).to_string(),
                call,
                start: self.src.start(node),
            });
        }
    }
}

#[cfg(test)]
mod tests;
