//! Java front end: lowers a tree-sitter-java tree to the typed IR (`ir::typed`), which the
//! one core (`app::core`) turns into the language-neutral facts of `AppFile`. Its catalogue
//! of database call sites, connection APIs, loop callbacks and library types is data
//! (`catalogue`); this module walks the tree (classes, methods, locals, calls, loops),
//! `resources` decides where connections come from and how they are released (not yet IR
//! resources: `extract` adds them to the core's facts), `strings` assembles SQL strings,
//! `returns` records declared return types, `caches` the functions' cache reads.
//!
//! Length (about 1,700 lines): the walk, its scopes and the database-role recognisers
//! share one `Extractor` whose state every recogniser reads; it is split by concept once
//! the connections are IR resources (issue #17).
//!
//! Which calls reach the database is decided here, from declarations in scope: class
//! fields (of the enclosing classes), method and lambda parameters, locals and
//! try-with-resources resources (one flat scope per method). A declared type decides; a
//! `var` (or untyped lambda parameter) is classified from the call it was initialised with
//! / assigned from; only an undeclared name (an inherited field, an untyped lambda
//! parameter) falls back to name heuristics. A name explicitly declared with an unrelated
//! type never matches. The receivers' types for the cross-file resolution are the core's
//! (`core::types`), from the classes, parameters and locals lowered here.

mod caches;
mod catalogue;
mod resources;
mod returns;
mod strings;

use std::collections::{HashMap, HashSet};

use tree_sitter::Node;

use super::common::KindExt;

use super::common::FieldExt;

use crate::app::ir::typed::{
    self, Arg, CallRole, Class, Field, Function, FunctionKind, IterSource, LanguageFrontEnd, Local,
    Loop, LoopKind, Param, Receiver, TypeName, Unit,
};
use crate::app::ir::{
    AppFile, Comment, ConnectionSite, DbCall, Language, PerCallConnection, StringLit,
};
use crate::app::lang::common::{looks_like_sql, masked_credentials, record_errors, Source};
use catalogue::*;

// ======================================================================================
// Extraction
// ======================================================================================

/// The facts of one Java file: lowered to the typed IR and analysed by the core, plus the
/// connections and per-call pools the front end still decides itself.
pub fn extract(path: &str, text: &str) -> AppFile {
    let (unit, connections, per_call) = lower_file(path, text);
    let mut file = crate::app::core::facts(&Java, unit);
    file.connections = connections;
    file.per_call_connections = per_call;
    file
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

    fn lower(&self, path: &str, text: &str) -> Unit {
        lower_file(path, text).0
    }
}

/// The typed unit of a file, with its connection sites and per-call pools.
fn lower_file(path: &str, text: &str) -> (Unit, Vec<ConnectionSite>, Vec<PerCallConnection>) {
    let mut file = AppFile::new(path, Language::Java);
    let mut unit = Unit::new(path, Language::Java);
    let Some((tree, _kind_names)) =
        super::common::parse_tree(&mut file, text, &tree_sitter_java::LANGUAGE.into())
    else {
        unit.error_share = file.error_share;
        unit.not_parsed = file.not_parsed;
        return (unit, Vec::new(), Vec::new());
    };
    let source = Source::new(text);
    let root = tree.root_node();
    record_errors(&mut file, &source, root);
    unit.error_share = file.error_share;
    unit.error_regions = file.error_regions;
    let mut ex = Extractor {
        src: &source,
        unit,
        connections: Vec::new(),
        per_call: Vec::new(),
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
        field_calls: Vec::new(),
    };
    ex.collect_comments(root);
    let mut ctx = Ctx::class_level(None);
    ex.walk(root, &mut ctx, 0);
    ex.finish_cache_reads();
    (ex.unit, ex.connections, ex.per_call)
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
    /// Connection sites and pools created per call, decided here (not yet IR resources).
    connections: Vec<ConnectionSite>,
    per_call: Vec<PerCallConnection>,
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
            self.unit.comments.push(Comment {
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

    /// Records a class of the unit (and makes it the innermost one being walked).
    fn push_class(
        &mut self,
        name: String,
        bases: Vec<String>,
        fields: Vec<Field>,
        node: Node<'a>,
        anonymous: bool,
    ) {
        self.unit.classes.push(Class {
            name,
            bases,
            fields,
            is_interface: node.kind_name() == "interface_declaration",
            start: self.src.start(node),
            outer: self.class_indices.last().copied(),
            anonymous,
        });
        self.class_indices.push(self.unit.classes.len() - 1);
    }

    /// The fields of a class body with their declared types, in the order written (the
    /// first of a name is the one seen).
    fn typed_fields(&self, members: &[Node<'a>]) -> Vec<Field> {
        let mut out: Vec<Field> = Vec::new();
        for &m in members {
            if !matches!(m.kind_name(), "field_declaration" | "constant_declaration") {
                continue;
            }
            let ty = m.field("type").and_then(|t| self.type_name(t));
            let mut cursor = m.walk();
            for d in m.children_by_field_name("declarator", &mut cursor) {
                if let Some(n) = d.field("name") {
                    let name = self.t(n);
                    if !out.iter().any(|f| f.name == name) {
                        out.push(Field {
                            name: name.to_string(),
                            ty: ty.clone(),
                        });
                    }
                }
            }
        }
        out
    }

    /// A declared type as the IR names it (`List<Mail>` -> `List`; `var`: none).
    fn type_name(&self, node: Node<'a>) -> Option<TypeName> {
        simple_type(self.t(node)).map(|name| TypeName {
            name,
            arguments: Vec::new(),
        })
    }

    /// The parameters of a method, constructor, record or lambda with their declared
    /// types (a spread parameter's is not said: `String... names` is an array).
    fn params(&self, list: Node<'a>) -> Vec<Param> {
        let mut out = Vec::new();
        for p in named_children(list) {
            match p.kind_name() {
                "formal_parameter" => {
                    let Some(n) = p.field("name") else {
                        continue;
                    };
                    let ty_text = p.field("type").map(|t| self.t(t)).unwrap_or("");
                    out.push(Param {
                        name: self.t(n).to_string(),
                        ty: p.field("type").and_then(|t| self.type_name(t)),
                        is_scalar_array: crate::app::loop_shape::is_scalar_array(ty_text),
                    });
                }
                "spread_parameter" => {
                    let name = named_children(p)
                        .into_iter()
                        .find(|c| c.kind_name() == "variable_declarator")
                        .and_then(|d| d.field("name"))
                        .map(|n| self.t(n).to_string())
                        .unwrap_or_default();
                    let ty_text = p.field("type").map(|t| self.t(t)).unwrap_or("");
                    out.push(Param {
                        name,
                        ty: None,
                        is_scalar_array: crate::app::loop_shape::is_scalar_array(&format!(
                            "{ty_text}[]"
                        )),
                    });
                }
                "identifier" => out.push(Param {
                    name: self.t(p).to_string(),
                    ty: None,
                    is_scalar_array: false,
                }),
                _ => {}
            }
        }
        out
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

    /// What a call is called on, as the source writes it (parentheses and casts
    /// removed); the core types it.
    fn receiver_of(&self, object: Option<Node<'a>>, depth: usize) -> Receiver {
        let Some(object) = object.map(unwrap_expr) else {
            return Receiver::None;
        };
        if depth > 32 {
            return Receiver::Expression;
        }
        match object.kind_name() {
            // `(video ? videos : songs).add(f)`: the type both branches agree on.
            "ternary_expression" => Receiver::Conditional(
                ["consequence", "alternative"]
                    .iter()
                    .map(|b| match object.field(b) {
                        Some(branch) => self.receiver_of(Some(branch), depth + 1),
                        None => Receiver::Expression,
                    })
                    .collect(),
            ),
            "this" => Receiver::This,
            "super" => Receiver::Base,
            "identifier" => Receiver::Name(self.t(object).to_string()),
            // `Factory.instance().newOrderDao()`: the methods called in turn, from the
            // receiver the chain starts on. Walked without recursion (a chain thousands of
            // calls long is hostile input) and given up past a few calls.
            "method_invocation" => {
                const MAX_CHAIN: usize = 8;
                let mut methods = Vec::new();
                let mut current = object;
                loop {
                    if methods.len() == MAX_CHAIN {
                        return Receiver::Expression;
                    }
                    let Some(method) = current.field("name") else {
                        return Receiver::Expression;
                    };
                    methods.push(self.t(method).to_string());
                    match current.field("object").map(unwrap_expr) {
                        Some(inner) if inner.kind_name() == "method_invocation" => current = inner,
                        start => {
                            methods.reverse();
                            return Receiver::CallResult {
                                start: Box::new(self.receiver_of(start, depth + 1)),
                                methods,
                            };
                        }
                    }
                }
            }
            "field_access"
                if object
                    .field("object")
                    .is_some_and(|o| o.kind_name() == "this") =>
            {
                match object.field("field") {
                    Some(field) => Receiver::Field(self.t(field).to_string()),
                    None => Receiver::Expression,
                }
            }
            _ => Receiver::Expression,
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
            return Mode::Loop(name.to_string());
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
        method: String,
        source: (Option<String>, Option<usize>, Option<String>),
        ctx: &mut Ctx<'a>,
        depth: usize,
    ) {
        let variables = if callback.kind_name() == "lambda_expression" {
            self.lambda_locals(callback, ctx);
            self.lambda_params(callback)
        } else {
            Vec::new()
        };
        let li = self.push_loop(
            callback,
            LoopKind::Callback,
            Some(method),
            source,
            variables,
            ctx,
        );
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
        kind: LoopKind,
        method: Option<String>,
        source: (Option<String>, Option<usize>, Option<String>),
        variables: Vec<String>,
        ctx: &Ctx<'a>,
    ) -> usize {
        let li = self.unit.loops.len();
        let (source_text, call, variable) = source;
        let source = match (call, variable) {
            (Some(call), _) => IterSource::Call(call),
            (None, Some(name)) => IterSource::Name(name),
            (None, None) if source_text.is_some() => IterSource::Other,
            (None, None) => IterSource::None,
        };
        self.unit.loops.push(Loop {
            function: ctx.function,
            kind,
            method,
            is_async: false,
            source,
            source_text,
            variables,
            start: self.src.start(node),
            end: self.src.end(node),
            span: (node.start_byte(), node.end_byte()),
            rows_of: None,
        });
        li
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
        if let Some(name) = node.field("name") {
            let declared = node.field("type").and_then(|t| simple_type(self.t(t)));
            self.push_local(name, declared, ctx);
        }
        let li = self.push_loop(node, LoopKind::ForEach, None, source, variables, ctx);
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
        let li = self.push_loop(node, LoopKind::For, None, source, variables, ctx);
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
            LoopKind::DoWhile
        } else {
            LoopKind::While
        };
        let li = self.push_loop(node, kind, None, source, Vec::new(), ctx);
        ctx.loops.push(li);
        self.walk_children(node, ctx, depth);
        ctx.loops.pop();
    }

    // ---------------------------------------------------------------- locals

    /// A local declared (`Foo x = ..`, a try-with-resources resource) or a variable or
    /// field assigned (`x = ..`, `this.x = ..`): its declared type (for an assignment, the
    /// one the name is declared with in scope) and the call it takes its value from.
    fn record_local(&mut self, node: Node<'a>, ctx: &Ctx<'a>) {
        let (name, value, declared) = match node.kind_name() {
            "variable_declarator" => {
                let declared = node
                    .parent()
                    .filter(|d| {
                        matches!(
                            d.kind_name(),
                            "local_variable_declaration"
                                | "field_declaration"
                                | "constant_declaration"
                        )
                    })
                    .and_then(|d| d.field("type"))
                    .and_then(|t| self.type_name(t));
                (node.field("name"), node.field("value"), declared)
            }
            "resource" => (
                node.field("name"),
                node.field("value"),
                node.field("type").and_then(|t| self.type_name(t)),
            ),
            "assignment_expression" => {
                if node.field("operator").is_none_or(|o| o.kind_name() != "=") {
                    return;
                }
                let left = match node.field("left") {
                    Some(l) if l.kind_name() == "identifier" => Some(l),
                    Some(l)
                        if l.kind_name() == "field_access"
                            && l.field("object").is_some_and(|o| o.kind_name() == "this") =>
                    {
                        l.field("field")
                    }
                    _ => return,
                };
                // The type the name has in the method (`this.x = ..` too: a later `x.m()`
                // means what the name is declared as there).
                let info = left.and_then(|l| self.lookup(self.t(l)));
                let declared = info.and_then(|i| i.ty.clone()).map(|name| TypeName {
                    name,
                    arguments: Vec::new(),
                });
                (left, node.field("right"), declared)
            }
            _ => return,
        };
        let Some(name) = name else {
            return;
        };
        let init_call = value
            .map(unwrap_expr)
            .filter(|v| v.kind_name() == "method_invocation")
            .and_then(|v| self.call_by_node.get(&v.id()).copied());
        // A field declared without a call: its type is the class's (`Class::fields`).
        if ctx.function.is_none() && init_call.is_none() {
            return;
        }
        // An assignment that takes no call's value changes no type.
        if node.kind_name() == "assignment_expression" && init_call.is_none() {
            return;
        }
        self.unit.locals.push(Local {
            function: ctx.function,
            name: self.t(name).to_string(),
            declared,
            constructed: None,
            init_call,
            start: self.src.start(node),
            // It takes effect once its value is computed.
            at: node.end_byte(),
        });
    }

    /// A local a statement or lambda declares with no value of its own (a loop variable, a
    /// caught exception, a lambda's parameter).
    fn push_local(&mut self, name: Node<'a>, declared: Option<String>, ctx: &Ctx<'a>) {
        if ctx.function.is_none() {
            return;
        }
        self.unit.locals.push(Local {
            function: ctx.function,
            name: self.t(name).to_string(),
            declared: declared.map(|name| TypeName {
                name,
                arguments: Vec::new(),
            }),
            constructed: None,
            init_call: None,
            start: self.src.start(name),
            at: name.start_byte(),
        });
    }

    /// A lambda's parameters are locals of the method it is written in (Java lambdas are
    /// not functions of their own in the IR: their calls and loops are their method's).
    fn lambda_locals(&mut self, lambda: Node<'a>, ctx: &Ctx<'a>) {
        let Some(list) = lambda.field("parameters") else {
            return;
        };
        let params = if list.kind_name() == "identifier" {
            vec![Param {
                name: self.t(list).to_string(),
                ty: None,
                is_scalar_array: false,
            }]
        } else {
            self.params(list)
        };
        if ctx.function.is_none() {
            return;
        }
        for p in params {
            self.unit.locals.push(Local {
                function: ctx.function,
                name: p.name,
                declared: p.ty,
                constructed: None,
                init_call: None,
                start: self.src.start(list),
                at: list.start_byte(),
            });
        }
    }
}

#[cfg(test)]
mod tests;
