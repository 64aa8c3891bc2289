//! C#: the tree-sitter tree lowered to the typed IR (`app::ir::typed`): classes with their
//! bases and typed fields and properties, methods and lambdas with typed parameters,
//! typed locals, calls with their receivers and arguments (classified by the catalogue),
//! loops (including LINQ and `List.ForEach` callbacks), `try` / `finally` / `using`
//! scopes, and each connection with what happens to it. What all of it means (receiver
//! types, how a connection is released) the core decides (`app::core`).

use std::collections::HashMap;

use tree_sitter::Node;

use super::catalogue::{classify, looks_like_context, DELEGATE_TYPES, ITERATION_CALLBACKS};
use crate::app::ir::typed::{
    Arg, Call, CallRole, Class, Field, FnId, Function, FunctionKind, IterSource, LambdaBinding,
    Local, Loop, LoopKind, MethodBinding, Param, Receiver, ResourceEventKind, Scope, ScopeKind,
    TypeName, Unit,
};
use crate::app::ir::{AppFile, Comment, Language};
use crate::app::lang::common::{
    children_of, for_each_child, parse_tree, record_errors, FieldExt, KindExt, Source,
};
use crate::app::lang::tree::{last_named_child, named_children};

/// Parses and lowers one C# file.
pub fn lower(path: &str, text: &str) -> Unit {
    let mut unit = Unit::new(path, Language::CSharp);
    // The parse and the error accounting are shared with the adapters that still extract
    // `AppFile` facts directly, which write them there.
    let mut parsed = AppFile::new(path, Language::CSharp);
    let tree = parse_tree(&mut parsed, text, &tree_sitter_c_sharp::LANGUAGE.into());
    let Some((tree, _kind_names)) = tree else {
        unit.error_share = parsed.error_share;
        unit.not_parsed = parsed.not_parsed;
        return unit;
    };
    let source = Source::new(text);
    let root = tree.root_node();
    record_errors(&mut parsed, &source, root);
    unit.error_share = parsed.error_share;
    unit.error_regions = parsed.error_regions;
    let mut lowering = Lowering {
        source: &source,
        unit: &mut unit,
        call_of_node: HashMap::new(),
        classes: Vec::new(),
        parents: Vec::new(),
        tracked: Vec::new(),
        holders: Vec::new(),
        ef_core: crate::app::lang::imports_any(text, super::catalogue::EF_CORE_IMPORTS),
    };
    lowering.walk(root, &Ctx::default(), 0);
    unit
}

#[derive(Clone, Default)]
pub(super) struct Ctx {
    pub(super) function: Option<FnId>,
    pub(super) loops: Vec<usize>,
}

/// A connection held in a local variable, whose uses become its events.
pub(super) struct Tracked {
    pub(super) name: String,
    pub(super) resource: usize,
    /// From the declaration to the end of the enclosing function's body.
    pub(super) span: (usize, usize),
}

pub(super) struct Lowering<'a, 'u> {
    pub(super) source: &'a Source<'a>,
    pub(super) unit: &'u mut Unit,
    pub(super) call_of_node: HashMap<usize, usize>,
    /// Indices in `Unit::classes` of the enclosing classes, innermost last.
    classes: Vec<usize>,
    /// Nodes whose children `walk_children` is walking, innermost last: the likely parent of
    /// the node being walked (`parent_of` checks it; `Node::parent` searches down from the
    /// root).
    parents: Vec<Node<'a>>,
    pub(super) tracked: Vec<Tracked>,
    /// Locals holding an object a tracked connection was handed to (`var command = new
    /// SqlCommand(sql, connection)`): returning one hands the connection to the caller.
    pub(super) holders: Vec<Tracked>,
    /// The file imports Entity Framework Core (`catalogue::EF_CORE_IMPORTS`).
    ef_core: bool,
}

const MAX_DEPTH: usize = 400;

impl<'a> Lowering<'a, '_> {
    fn walk(&mut self, node: Node<'a>, ctx: &Ctx, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        match node.kind_name() {
            "comment" => {
                self.unit.comments.push(Comment {
                    line: node.start_position().row as u32 + 1,
                    text: self.source.text(node).to_string(),
                });
                return;
            }
            "class_declaration"
            | "struct_declaration"
            | "record_declaration"
            | "interface_declaration" => {
                self.class(node);
                self.walk_children(node, ctx, depth);
                self.classes.pop();
                return;
            }
            "field_declaration" | "property_declaration" => self.field(node),
            "method_declaration"
            | "constructor_declaration"
            | "local_function_statement"
            | "operator_declaration"
            | "destructor_declaration" => {
                let inner = self.function(node, ctx);
                self.walk_children(node, &inner, depth);
                return;
            }
            "try_statement" => {
                if let Some(body) = node.field("body") {
                    self.scope(ScopeKind::Try, body);
                }
            }
            "catch_clause" => self.scope(ScopeKind::Catch, node),
            "finally_clause" => self.scope(ScopeKind::Finally, node),
            "using_statement" => self.scope(ScopeKind::Using, node),
            "return_statement" | "yield_statement" => {
                if let Some(value) = node.named_child(0) {
                    let text = self.source.text(returned_value(value));
                    self.event_on(text, node, ResourceEventKind::Return);
                    self.holder_returned(text, node);
                }
            }
            "foreach_statement" => {
                // The source is evaluated once, before the loop.
                let right = node.field("right");
                if let Some(r) = right {
                    self.walk(r, ctx, depth + 1);
                }
                let variables = node
                    .field("left")
                    .map(|l| vec![self.source.text(l).to_string()])
                    .unwrap_or_default();
                let index = self.push_loop(node, ctx, LoopKind::ForEach, None, right, variables);
                let mut inner = ctx.clone();
                inner.loops.push(index);
                let mut cursor = node.walk();
                for child in node.children(&mut cursor) {
                    if Some(child) != right && child.is_named() {
                        self.walk(child, &inner, depth + 1);
                    }
                }
                return;
            }
            "for_statement" | "while_statement" | "do_statement" => {
                let kind = match node.kind_name() {
                    "for_statement" => LoopKind::For,
                    "while_statement" => LoopKind::While,
                    _ => LoopKind::DoWhile,
                };
                // `while (reader.Read())`: the loop walks the rows of `reader`.
                let reader = node
                    .field("condition")
                    .and_then(|c| self.read_loop_source(c));
                let index = self.unit.loops.len();
                self.unit.loops.push(Loop {
                    function: ctx.function,
                    kind,
                    method: None,
                    is_async: false,
                    source: reader.clone().map_or(IterSource::None, IterSource::Name),
                    source_text: reader,
                    variables: Vec::new(),
                    start: self.source.start(node),
                    end: self.source.end(node),
                    span: (node.start_byte(), node.end_byte()),
                    rows_of: None,
                });
                let mut inner = ctx.clone();
                inner.loops.push(index);
                self.walk_children(node, &inner, depth);
                return;
            }
            "lambda_expression" | "anonymous_method_expression" => {
                self.lambda(node, ctx, depth);
                return;
            }
            "invocation_expression" => {
                self.call(node, ctx, depth);
                return;
            }
            "object_creation_expression" => {
                self.creation(node, ctx);
            }
            "variable_declarator" => {
                self.walk_children(node, ctx, depth);
                self.local_from(node, node.field("name"), last_named_child(node), ctx);
                return;
            }
            "assignment_expression" => {
                self.walk_children(node, ctx, depth);
                let left = node.field("left");
                let right = node.field("right");
                self.local_from(node, left, right, ctx);
                if let (Some(l), Some(r)) = (left, right) {
                    let left_text = self.source.text(l);
                    if left_text.starts_with("this.")
                        || left_text.starts_with('_')
                        || left_text.contains('.')
                    {
                        let value = self.source.text(r);
                        self.event_on(value, node, ResourceEventKind::StoreInField);
                    }
                    // cmd.CommandText = "SELECT ...": SQL that will reach the database.
                    if left_text.ends_with("CommandText") {
                        self.string_lit(r, ctx, true);
                    }
                }
                return;
            }
            "string_literal"
            | "verbatim_string_literal"
            | "raw_string_literal"
            | "interpolated_string_expression" => {
                self.string_lit(node, ctx, false);
                return;
            }
            // A concatenation is recorded whole; its non-literal parts are still walked.
            "binary_expression" if self.is_string_concat(node) => {
                self.string_lit(node, ctx, false);
            }
            _ => {}
        }
        self.walk_children(node, ctx, depth);
    }

    fn walk_children(&mut self, node: Node<'a>, ctx: &Ctx, depth: usize) {
        self.parents.push(node);
        for_each_child(node, true, |child| self.walk(child, ctx, depth + 1));
        self.parents.pop();
    }

    /// `node.parent()`, from the walk's parent stack when its innermost entry is the parent.
    fn parent_of(&self, node: Node<'a>) -> Option<Node<'a>> {
        if let Some(&candidate) = self.parents.last() {
            if candidate.start_byte() <= node.start_byte()
                && node.end_byte() <= candidate.end_byte()
            {
                let mut cursor = candidate.walk();
                if candidate.children(&mut cursor).any(|child| child == node) {
                    return Some(candidate);
                }
            }
        }
        node.parent()
    }

    fn scope(&mut self, kind: ScopeKind, node: Node<'a>) {
        self.unit.scopes.push(Scope {
            kind,
            span: (node.start_byte(), node.end_byte()),
        });
    }

    fn class(&mut self, node: Node<'a>) {
        let name = node
            .field("name")
            .map(|n| self.source.text(n).to_string())
            .unwrap_or_default();
        let mut bases = Vec::new();
        for child in named_children(node) {
            if child.kind_name() == "base_list" {
                for base in named_children(child) {
                    if let Some(ty) = type_name(self.source.text(base)) {
                        bases.push(ty.name);
                    }
                }
            }
        }
        self.unit.classes.push(Class {
            name,
            bases,
            fields: Vec::new(),
            is_interface: node.kind_name() == "interface_declaration",
            start: self.source.start(node),
            outer: None,
            anonymous: false,
        });
        self.classes.push(self.unit.classes.len() - 1);
    }

    /// A field or property of the enclosing class, with its declared type.
    fn field(&mut self, node: Node<'a>) {
        let Some(&class) = self.classes.last() else {
            return;
        };
        let mut fields = Vec::new();
        if node.kind_name() == "property_declaration" {
            if let Some(name) = node.field("name") {
                fields.push(Field {
                    name: self.source.text(name).to_string(),
                    ty: node
                        .field("type")
                        .and_then(|t| type_name(self.source.text(t))),
                });
            }
        } else if let Some(declaration) = named_children(node)
            .into_iter()
            .find(|c| c.kind_name() == "variable_declaration")
        {
            let ty = declaration
                .field("type")
                .and_then(|t| type_name(self.source.text(t)));
            for declarator in named_children(declaration) {
                if let Some(name) = declarator.field("name") {
                    fields.push(Field {
                        name: self.source.text(name).to_string(),
                        ty: ty.clone(),
                    });
                }
            }
        }
        if let Some(c) = self.unit.classes.get_mut(class) {
            c.fields.extend(fields);
        }
    }

    fn function(&mut self, node: Node<'a>, ctx: &Ctx) -> Ctx {
        let class = self.classes.last().copied();
        let class_name = class
            .and_then(|c| self.unit.classes.get(c))
            .map(|c| c.name.clone());
        let name = node
            .field("name")
            .map(|n| self.source.text(n).to_string())
            .unwrap_or_else(|| class_name.unwrap_or_default());
        let params = node
            .field("parameters")
            .map(|p| self.parameters(p))
            .unwrap_or_default();
        let is_async = {
            let mut c = node.walk();
            let found = node
                .children(&mut c)
                .any(|n| n.kind_name() == "modifier" && self.source.text(n) == "async");
            found
        };
        let kind = match node.kind_name() {
            "constructor_declaration" => FunctionKind::Constructor,
            "local_function_statement" => FunctionKind::LocalFunction,
            _ => FunctionKind::Method,
        };
        let returns = node
            .field("returns")
            .or_else(|| node.field("type"))
            .and_then(|t| type_name(self.source.text(t)));
        let body_node = node.field("body");
        let body = body_node.unwrap_or(node);
        self.unit.functions.push(Function {
            kind,
            name,
            class,
            parent: ctx.function,
            params,
            returns,
            start: self.source.start(node),
            end: self.source.end(node),
            body: (body.start_byte(), body.end_byte()),
            is_async,
            is_abstract: body_node.is_none(),
            binding: None,
            annotations: Vec::new(),
        });
        Ctx {
            function: Some(self.unit.functions.len() - 1),
            loops: Vec::new(),
        }
    }

    fn parameters(&self, list: Node<'a>) -> Vec<Param> {
        named_children(list)
            .into_iter()
            .filter(|n| n.kind_name() == "parameter")
            .map(|p| Param {
                name: p
                    .field("name")
                    .map(|n| self.source.text(n).to_string())
                    .unwrap_or_default(),
                ty: p.field("type").and_then(|t| type_name(self.source.text(t))),
                destructured: Vec::new(),
                is_scalar_array: false,
            })
            .collect()
    }

    /// A lambda is a function of its own in the IR; passed to a per-element method it is
    /// also a loop body (it runs once per element), and any other lambda does not run once
    /// per iteration of the loops around it.
    fn lambda(&mut self, node: Node<'a>, ctx: &Ctx, depth: usize) {
        let callback = self.callback_of(node);
        let binding = match &callback {
            Some((invocation, method, per_element)) => LambdaBinding::Argument {
                // The invocation is lowered before its arguments.
                call: self.call_of_node.get(&invocation.id()).copied(),
                method: method.clone(),
                per_element: *per_element,
            },
            None => {
                let mut parent = self.parent_of(node);
                if parent.is_some_and(|p| p.kind_name() == "equals_value_clause") {
                    parent = parent.and_then(|p| p.parent());
                }
                let target = match parent {
                    Some(p) if p.kind_name() == "assignment_expression" => p.field("left"),
                    Some(p) if p.kind_name() == "variable_declarator" => p.field("name"),
                    _ => None,
                };
                target.map_or(LambdaBinding::Other, |t| {
                    LambdaBinding::Assigned(self.source.text(t).to_string())
                })
            }
        };
        let params = match node.field("parameters") {
            Some(p) if p.kind_name() == "parameter_list" => self.parameters(p),
            Some(p) => vec![Param {
                name: self.source.text(p).to_string(),
                ty: None,
                destructured: Vec::new(),
                is_scalar_array: false,
            }],
            None => Vec::new(),
        };
        let body = node.field("body").unwrap_or(node);
        self.unit.functions.push(Function {
            kind: FunctionKind::Lambda,
            name: String::new(),
            class: self.classes.last().copied(),
            parent: ctx.function,
            params,
            returns: None,
            start: self.source.start(node),
            end: self.source.end(node),
            body: (body.start_byte(), body.end_byte()),
            is_async: false,
            is_abstract: false,
            binding: Some(binding),
            annotations: Vec::new(),
        });
        let function = Some(self.unit.functions.len() - 1);
        if let Some((invocation, method, true)) = callback {
            let receiver = invocation
                .field("function")
                .and_then(|f| f.field("expression"));
            if !receiver.is_some_and(|r| self.is_queryable(r)) {
                let variables = node
                    .field("parameters")
                    .map(|p| {
                        vec![self
                            .source
                            .text(p)
                            .trim_matches(|c| c == '(' || c == ')')
                            .to_string()]
                    })
                    .unwrap_or_default();
                let index = self.push_loop(
                    node,
                    ctx,
                    LoopKind::Callback,
                    Some(method),
                    receiver,
                    variables,
                );
                let mut inner = ctx.clone();
                inner.function = function;
                inner.loops.push(index);
                self.walk_children(node, &inner, depth);
                return;
            }
        }
        let inner = Ctx {
            function,
            loops: Vec::new(),
        };
        self.walk_children(node, &inner, depth);
    }

    fn push_loop(
        &mut self,
        node: Node<'a>,
        ctx: &Ctx,
        kind: LoopKind,
        method: Option<String>,
        source: Option<Node<'a>>,
        variables: Vec<String>,
    ) -> usize {
        let source = source.map(|s| unwrap_expression(s));
        let source_call = source.and_then(|s| self.call_of_node.get(&s.id()).copied());
        let iter = match (source, source_call) {
            (_, Some(call)) => IterSource::Call(call),
            (Some(s), None)
                if matches!(s.kind_name(), "identifier" | "member_access_expression") =>
            {
                IterSource::Name(self.source.text(s).trim_start_matches("this.").to_string())
            }
            (Some(_), None) => IterSource::Other,
            (None, None) => IterSource::None,
        };
        self.unit.loops.push(Loop {
            function: ctx.function,
            kind,
            method,
            is_async: false,
            source: iter,
            source_text: source.map(|s| self.source.short(s, 120)),
            variables,
            start: self.source.start(node),
            end: self.source.end(node),
            span: (node.start_byte(), node.end_byte()),
            rows_of: None,
        });
        self.unit.loops.len() - 1
    }

    /// `reader.Read()` / `await reader.ReadAsync()` in a loop condition: `reader`.
    fn read_loop_source(&self, condition: Node<'a>) -> Option<String> {
        let call = unwrap_expression(condition);
        if call.kind_name() != "invocation_expression" {
            return None;
        }
        let function = call.field("function")?;
        if function.kind_name() != "member_access_expression" {
            return None;
        }
        let name = self.source.text(function.field("name")?);
        if name == "Read" || name == "ReadAsync" {
            let receiver = function.field("expression")?;
            return Some(self.source.text(receiver).to_string());
        }
        None
    }

    /// The invocation a lambda is an argument of, the method's name, and whether the
    /// method runs it once per element.
    fn callback_of(&self, lambda: Node<'a>) -> Option<(Node<'a>, String, bool)> {
        let argument = lambda.parent().filter(|p| p.kind_name() == "argument")?;
        let invocation = argument
            .parent()?
            .parent()
            .filter(|p| p.kind_name() == "invocation_expression")?;
        let function = invocation.field("function")?;
        let name = match function.kind_name() {
            "member_access_expression" => self.source.text(function.field("name")?).to_string(),
            "identifier" => self.source.text(function).to_string(),
            _ => return None,
        };
        let name = name.split('<').next().unwrap_or("").to_string();
        let is_parallel = self.source.text(function).starts_with("Parallel.");
        let per_element = ITERATION_CALLBACKS.contains(&name.as_str()) || is_parallel;
        Some((invocation, name, per_element))
    }

    /// A LINQ chain rooted at an EF context is translated to SQL, not run per element.
    fn is_queryable(&self, receiver: Node<'a>) -> bool {
        let (root, chain) = self.chain(receiver);
        root.is_some_and(|r| looks_like_context(&r)) && chain.len() >= 2
    }

    /// The first identifier and the member names of a receiver chain, `this` removed.
    fn chain(&self, node: Node<'a>) -> (Option<String>, Vec<String>) {
        let mut names = Vec::new();
        let mut current = node;
        for _ in 0..64 {
            match current.kind_name() {
                "member_access_expression" => {
                    if let Some(name) = current.field("name") {
                        names.push(without_generics(self.source.text(name)).to_string());
                    }
                    match current.field("expression") {
                        Some(e) => current = e,
                        None => break,
                    }
                }
                "invocation_expression" => match current.field("function") {
                    Some(f) => current = f,
                    None => break,
                },
                "conditional_access_expression"
                | "parenthesized_expression"
                | "await_expression" => match current.named_child(0) {
                    Some(c) => current = c,
                    None => break,
                },
                "identifier" | "this_expression" | "this" => {
                    names.push(self.source.text(current).to_string());
                    break;
                }
                "generic_name" => {
                    names.push(without_generics(self.source.text(current)).to_string());
                    break;
                }
                _ => break,
            }
        }
        names.reverse();
        if names.first().is_some_and(|n| n == "this") {
            names.remove(0);
        }
        (names.first().cloned(), names)
    }

    /// What a call's receiver expression is.
    fn receiver(&self, receiver: Option<Node<'a>>) -> Receiver {
        let Some(node) = receiver else {
            return Receiver::None;
        };
        match node.kind_name() {
            "this_expression" | "this" => Receiver::This,
            "base_expression" | "base" => Receiver::Base,
            "identifier" => Receiver::Name(self.source.text(node).to_string()),
            "member_access_expression" => {
                let inner = node.field("expression");
                match (inner.map(|i| i.kind_name()), node.field("name")) {
                    (Some("this_expression" | "this"), Some(name)) => {
                        Receiver::Name(self.source.text(name).to_string())
                    }
                    _ => Receiver::Expression,
                }
            }
            _ => Receiver::Expression,
        }
    }

    fn call(&mut self, node: Node<'a>, ctx: &Ctx, depth: usize) {
        let function = node.field("function");
        let (callee, receiver) = match function {
            Some(f) if f.kind_name() == "member_access_expression" => (
                f.field("name")
                    .map(|n| self.source.text(n).to_string())
                    .unwrap_or_default(),
                f.field("expression"),
            ),
            Some(f) if f.kind_name() == "member_binding_expression" => (
                f.field("name")
                    .map(|n| self.source.text(n).to_string())
                    .unwrap_or_default(),
                self.parent_of(node).and_then(|p| p.field("expression")),
            ),
            Some(f) => (self.source.text(f).to_string(), None),
            None => (String::new(), None),
        };
        let callee = without_generics(&callee).trim().to_string();
        let arguments = node.field("arguments");
        let argument_nodes: Vec<Node<'a>> = arguments
            .map(|a| {
                named_children(a)
                    .into_iter()
                    .filter(|n| n.kind_name() == "argument")
                    .collect()
            })
            .unwrap_or_default();
        let (receiver_root, chain) = receiver
            .map(|r| self.chain(r))
            .unwrap_or((None, Vec::new()));
        let (db, db_api) = classify(&callee, receiver_root.as_deref(), &chain, self.ef_core);
        let role = match (db, db_api) {
            (Some(kind), api) => CallRole::Database {
                kind,
                api: api.unwrap_or_else(|| callee.clone()),
            },
            (None, _) => CallRole::Plain,
        };
        let parent = self.parent_of(node);
        let awaited = parent.is_some_and(|p| p.kind_name() == "await_expression");
        let blocked_by = self.blocking(node);
        let receiver_kind = self.receiver(receiver);
        self.resource_events(node, &callee, receiver, &argument_nodes);
        self.param_close(&callee, receiver, ctx);
        let index = self.unit.calls.len();
        self.unit.calls.push(Call {
            class: None,
            function: ctx.function,
            callee,
            receiver: receiver_kind,
            receiver_text: receiver.map(|r| self.source.short(r, 120)),
            chain,
            args: Vec::new(),
            role,
            loops: ctx.loops.clone(),
            start: self.source.start(node),
            end: self.source.end(node),
            span: (node.start_byte(), node.end_byte()),
            awaited,
            blocked_by,
            sql_argument: None,
            text: self.source.short(node, 120),
        });
        self.call_of_node.insert(node.id(), index);
        // Receiver chain and arguments (lambdas inside are handled by `walk`).
        if let Some(f) = function {
            self.walk(f, ctx, depth + 1);
        }
        let first_string = argument_nodes.first().and_then(|a| last_named_child(*a));
        let mut skip = None;
        if db.is_some() {
            if let Some(s) = first_string.filter(|s| self.is_stringish(*s)) {
                let before = self.unit.strings.len();
                self.string_lit(s, ctx, true);
                if self.unit.strings.len() > before {
                    self.unit.calls[index].sql_argument = Some(before);
                }
                skip = Some(s);
            }
        }
        match (arguments, skip) {
            // Walk the rest of the arguments, not this string again.
            (Some(_), Some(s)) => {
                if let Some(args) = arguments {
                    // Comments included: a suppression comment may stand among them.
                    for a in children_of(args, true) {
                        if !a.byte_range().contains(&s.start_byte()) {
                            self.walk(a, ctx, depth + 1);
                        }
                    }
                }
            }
            (Some(args), None) => self.walk(args, ctx, depth + 1),
            (None, _) => {}
        }
        let args = argument_nodes.iter().map(|a| self.argument(*a)).collect();
        self.unit.calls[index].args = args;
    }

    /// One argument, after the walk lowered what it holds.
    fn argument(&self, argument: Node<'a>) -> Arg {
        let Some(value) = last_named_child(argument).map(unwrap_expression) else {
            return Arg::Other;
        };
        if let Some(&call) = self.call_of_node.get(&value.id()) {
            return Arg::Call(call);
        }
        let start = self.source.start(value);
        match value.kind_name() {
            "identifier" => Arg::Name(self.source.text(value).to_string()),
            "lambda_expression" | "anonymous_method_expression" => self
                .unit
                .functions
                .iter()
                .rposition(|f| f.kind == FunctionKind::Lambda && f.start == start)
                .map_or(Arg::Other, Arg::Lambda),
            "object_creation_expression" => Arg::New(
                value
                    .field("type")
                    .and_then(|t| type_name(self.source.text(t)))
                    .map(|t| t.name)
                    .unwrap_or_default(),
            ),
            _ if self.is_stringish(value) => self
                .unit
                .strings
                .iter()
                .rposition(|s| s.start == start)
                .map_or(Arg::Other, Arg::Str),
            _ => Arg::Other,
        }
    }

    /// `.Result`, `.Wait()`, `.GetAwaiter().GetResult()` applied to this call.
    fn blocking(&self, call: Node<'a>) -> Option<String> {
        let parent = self.parent_of(call)?;
        if parent.kind_name() != "member_access_expression" {
            return None;
        }
        let name = self.source.text(parent.field("name")?);
        match name {
            "Result" => Some(".Result".into()),
            "Wait" => Some(".Wait()".into()),
            "GetAwaiter" => {
                let invocation = parent
                    .parent()
                    .filter(|p| p.kind_name() == "invocation_expression")?;
                let outer = invocation
                    .parent()
                    .filter(|p| p.kind_name() == "member_access_expression")?;
                (self.source.text(outer.field("name")?) == "GetResult")
                    .then(|| ".GetAwaiter().GetResult()".into())
            }
            _ => None,
        }
    }

    // ---- Locals ----

    /// `T x = ...`, `var x = new T()`, `x = call(...)`: a local with its type and the call
    /// it takes its value from.
    fn local_from(
        &mut self,
        at: Node<'a>,
        left: Option<Node<'a>>,
        right: Option<Node<'a>>,
        ctx: &Ctx,
    ) {
        let Some(left) = left else {
            return;
        };
        let declared = (at.kind_name() == "variable_declarator")
            .then(|| at.parent())
            .flatten()
            .filter(|d| d.kind_name() == "variable_declaration")
            .and_then(|d| d.field("type"))
            .and_then(|t| type_name(self.source.text(t)));
        let value = right.map(|r| {
            let value = unwrap_expression(r);
            if value.kind_name() == "equals_value_clause" {
                value.named_child(0).map(unwrap_expression).unwrap_or(value)
            } else {
                value
            }
        });
        if let Some(v) = value.filter(|v| v.kind_name() == "member_access_expression") {
            self.method_binding(left, declared.as_ref(), v, ctx);
        }
        let init_call = value.and_then(|v| self.call_of_node.get(&v.id()).copied());
        let constructed = value
            .filter(|v| v.kind_name() == "object_creation_expression")
            .and_then(|v| v.field("type"))
            .and_then(|t| type_name(self.source.text(t)));
        if declared.is_none() && init_call.is_none() && constructed.is_none() {
            return;
        }
        self.unit.locals.push(Local {
            function: ctx.function,
            name: self
                .source
                .text(left)
                .trim_start_matches("this.")
                .to_string(),
            declared,
            constructed,
            init_call,
            is_declaration: at.kind_name() == "variable_declarator",
            start: self.source.start(left),
            at: left.start_byte(),
        });
    }
}

impl<'a> Lowering<'a, '_> {
    /// `Func<int, Order> load = repo.Get;` (a local of a delegate type) or `_load =
    /// repo.Get;` / `this.load = repo.Get;` (a field): a method group bound to a name whose
    /// calls then call that method (`Unit::method_bindings`).
    fn method_binding(
        &mut self,
        left: Node<'a>,
        declared: Option<&TypeName>,
        value: Node<'a>,
        ctx: &Ctx,
    ) {
        let left_text = self.source.text(left);
        let field = left_text.starts_with("this.") || left_text.starts_with('_');
        let delegate = declared.is_some_and(|t| DELEGATE_TYPES.contains(&t.name.as_str()));
        if !(field || delegate) || left_text.trim_start_matches("this.").contains('.') {
            return;
        }
        let (Some(method), Some(receiver)) = (value.field("name"), value.field("expression"))
        else {
            return;
        };
        let (_, chain) = self.chain(receiver);
        self.unit.method_bindings.push(MethodBinding {
            function: ctx.function,
            name: left_text.trim_start_matches("this.").to_string(),
            field,
            method: without_generics(self.source.text(method)).to_string(),
            receiver: self.receiver(Some(receiver)),
            receiver_text: Some(self.source.short(receiver, 120)),
            chain,
            at: value.start_byte(),
        });
    }
}

/// `Query<User>` -> `Query`.
pub(super) fn without_generics(name: &str) -> &str {
    name.split('<').next().unwrap_or("")
}

/// A type as the source writes it, to its name and generic arguments:
/// `System.Collections.Generic.List<Mail>` -> `List` [`Mail`]; `Mail[]` -> `Array`;
/// `int?` -> `int`.
pub fn type_name(text: &str) -> Option<TypeName> {
    let text = text.trim().trim_end_matches('?').trim();
    if text.is_empty() {
        return None;
    }
    if text.ends_with(']') {
        return Some(TypeName {
            name: "Array".into(),
            arguments: vec![text.split('[').next().unwrap_or("").trim().to_string()],
        });
    }
    let (head, arguments) = match text.find('<') {
        Some(open) => {
            let inner = &text[open + 1..];
            let inner = inner.strip_suffix('>').unwrap_or(inner);
            let mut arguments = Vec::new();
            let (mut depth, mut start) = (0usize, 0usize);
            for (i, c) in inner.char_indices() {
                match c {
                    '<' => depth += 1,
                    '>' => depth = depth.saturating_sub(1),
                    ',' if depth == 0 => {
                        arguments.push(inner[start..i].trim().to_string());
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            arguments.push(inner[start..].trim().to_string());
            (&text[..open], arguments)
        }
        None => (text, Vec::new()),
    };
    let name = head
        .rsplit(['.', ':'])
        .next()
        .unwrap_or(head)
        .trim()
        .to_string();
    (!name.is_empty()).then_some(TypeName { name, arguments })
}

/// Strips `await`, parentheses and casts around an expression.
fn unwrap_expression(node: Node) -> Node {
    let mut current = node;
    for _ in 0..16 {
        match current.kind_name() {
            "await_expression"
            | "parenthesized_expression"
            | "cast_expression"
            | "equals_value_clause" => match last_named_child(current) {
                Some(c) => current = c,
                None => break,
            },
            _ => break,
        }
    }
    current
}

/// The variable a `return` hands back through the wrappers that keep its value:
/// `(x)`, `(T)x`, `x!`, `x ?? throw ...`, `x ?? other`.
fn returned_value(mut value: Node<'_>) -> Node<'_> {
    for _ in 0..8 {
        let inner = match value.kind_name() {
            "parenthesized_expression" => value.named_child(0),
            "cast_expression" => value.field("value"),
            "postfix_unary_expression" => value.named_child(0),
            "binary_expression" if value.field("operator").map(|o| o.kind()) == Some("??") => {
                value.field("left")
            }
            _ => None,
        };
        match inner {
            Some(inner) => value = inner,
            None => break,
        }
    }
    value
}
