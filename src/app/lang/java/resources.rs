//! Java connections: where one is created or borrowed (`DriverManager.getConnection`,
//! `dataSource.getConnection()`, a pool constructor or builder, a helper of the project
//! whose result is held as a `java.sql.Connection`) and how it is released (try-with-
//! resources, `@Cleanup`, a close or release helper in `finally`, right after the open,
//! on the normal path only, handed to another owner, or never).

use tree_sitter::Node;

use super::catalogue::*;
use super::{children, climb, simple_type, Ctx, Extractor, Frame};
use crate::app::ir::typed::PerCall;
use crate::app::ir::{ConnectionSite, Disposal};
use crate::app::lang::common::{FieldExt, KindExt};
use crate::app::lang::tree::named_children;

impl<'a> Extractor<'a> {
    pub(super) fn visit_new(&mut self, node: Node<'a>, ctx: &mut Ctx<'a>, depth: usize) {
        let ty = node.field("type").and_then(|t| simple_type(self.t(t)));
        if let Some(ty) = ty.as_deref().filter(|t| POOL_CONSTRUCTORS.contains(t)) {
            let api = format!("new {ty}");
            self.record_connection(node, &api, ctx, true, true, false);
        }
        let body = named_children(node)
            .into_iter()
            .find(|c| c.kind_name() == "class_body");
        for child in children(node) {
            if Some(child.id()) != body.map(|b| b.id()) {
                self.walk(child, ctx, depth + 1);
            }
        }
        if let Some(body) = body {
            // Anonymous class: its methods are functions of their own.
            let members = Self::class_members(body);
            let fields = self.fields_of(&members);
            self.frames.push(Frame::Class(fields));
            let name = self.class_names.last().cloned().unwrap_or_default();
            let typed_fields = self.typed_fields(&members);
            self.push_class(name.clone(), Vec::new(), typed_fields, node, true);
            self.class_names.push(name);
            self.outer_functions.push(ctx.function);
            self.walk_members(&members, depth + 1);
            self.outer_functions.pop();
            self.class_names.pop();
            self.class_indices.pop();
            self.frames.pop();
        }
    }

    pub(super) fn connection_call(
        &mut self,
        node: Node<'a>,
        name: &str,
        object: Option<Node<'a>>,
        ctx: &Ctx<'a>,
    ) {
        let Some(object) = object else {
            if DATASOURCE_OPEN_METHODS.contains(&name) && self.holder_is_connection(node) {
                self.record_helper_connection(node, name, ctx);
            }
            return;
        };
        let otext = self.t(object);
        for (class, method, api, per_call) in STATIC_CONNECTIONS {
            if name == *method && (otext == *class || otext.ends_with(&format!(".{class}"))) {
                self.record_connection(node, api, ctx, *per_call, true, false);
                return;
            }
        }
        if DATASOURCE_OPEN_METHODS.contains(&name)
            && self.kind_of_expr(object, 0) == Some(Kind::DataSource)
        {
            self.record_connection(node, &format!("DataSource.{name}"), ctx, false, true, false);
            return;
        }
        for (root, method) in POOL_BUILDERS {
            if name == *method && self.chain_of(Some(object)).1.as_deref() == Some(*root) {
                self.record_connection(node, &format!("{root}.{method}"), ctx, true, false, false);
                return;
            }
        }
        if DATASOURCE_OPEN_METHODS.contains(&name) && self.holder_is_connection(node) {
            let api = if object.kind_name() == "this" {
                name.to_string()
            } else {
                format!("{}.{name}", self.src.short(object, 60))
            };
            self.record_helper_connection(node, &api, ctx);
        }
    }

    /// A connection taken from a helper of the project: one it never releases is borrowed
    /// (the helper may lend a shared or request-scoped connection), not known to leak.
    pub(super) fn record_helper_connection(&mut self, node: Node<'a>, api: &str, ctx: &Ctx<'a>) {
        self.record_connection(node, api, ctx, false, true, true);
    }

    /// Whether the value of `node` goes into a variable declared `Connection`.
    pub(super) fn holder_is_connection(&self, node: Node<'a>) -> bool {
        let cur = climb(node);
        let Some(p) = cur.parent() else {
            return false;
        };
        let ty = match p.kind_name() {
            "variable_declarator" => p
                .parent()
                .and_then(|d| d.field("type"))
                .and_then(|t| simple_type(self.t(t))),
            "resource" => p.field("type").and_then(|t| simple_type(self.t(t))),
            "assignment_expression" if p.field("right").is_some_and(|r| r.id() == cur.id()) => {
                match p.field("left") {
                    Some(l) if l.kind_name() == "identifier" => {
                        self.lookup(self.t(l)).and_then(|i| i.ty.clone())
                    }
                    Some(l) if l.kind_name() == "field_access" => l
                        .field("field")
                        .and_then(|f| self.lookup_field(self.t(f)))
                        .and_then(|i| i.ty.clone()),
                    _ => None,
                }
            }
            _ => None,
        };
        self.jdbc_connection && ty.is_some_and(|t| HELPER_CONNECTION_TYPES.contains(&t.as_str()))
    }

    pub(super) fn record_connection(
        &mut self,
        node: Node<'a>,
        api: &str,
        ctx: &Ctx<'a>,
        per_call: bool,
        site: bool,
        helper: bool,
    ) {
        let (variable, mut disposal, in_field) = self.disposal_of(node, ctx);
        if helper && disposal == Disposal::Never {
            disposal = Disposal::Borrowed(format!("{api}()"));
        }
        if site {
            self.connections.push(ConnectionSite {
                function: ctx.function,
                variable,
                api: api.to_string(),
                start: self.src.start(node),
                end: self.src.end(node),
                disposal,
                text: self.src.short(node, 160),
                in_process: false,
            });
        }
        if per_call && ctx.per_call_ok && !in_field {
            if let Some(function) = ctx.function {
                self.unit.per_call.push(PerCall {
                    function,
                    api: api.to_string(),
                    start: self.src.start(node),
                    text: self.src.short(node, 160),
                });
            }
        }
    }

    pub(super) fn callee_label(&self, call: Node<'a>) -> String {
        match call.kind_name() {
            "method_invocation" => call
                .field("name")
                .map(|n| self.t(n).to_string())
                .unwrap_or_default(),
            "object_creation_expression" => format!(
                "new {}",
                call.field("type")
                    .and_then(|t| simple_type(self.t(t)))
                    .unwrap_or_default()
            ),
            _ => String::new(),
        }
    }

    /// The variable holding a new connection, how it is released, and whether it is stored
    /// in a field.
    pub(super) fn disposal_of(
        &self,
        node: Node<'a>,
        ctx: &Ctx<'a>,
    ) -> (Option<String>, Disposal, bool) {
        let cur = climb(node);
        let Some(parent) = cur.parent() else {
            return (None, Disposal::Never, false);
        };
        let escapes = |d: &str| Disposal::Escapes(d.to_string());
        match parent.kind_name() {
            "resource" => {
                let name = parent.field("name").map(|n| self.t(n).to_string());
                (
                    name,
                    Disposal::Guaranteed("try-with-resources".into()),
                    false,
                )
            }
            "variable_declarator" => {
                let Some(name) = parent.field("name").map(|n| self.t(n).to_string()) else {
                    return (None, Disposal::Never, false);
                };
                let decl = parent.parent();
                if decl.is_some_and(|d| {
                    matches!(d.kind_name(), "field_declaration" | "constant_declaration")
                }) {
                    let d = escapes(&format!("stored in field `{name}`"));
                    return (Some(name), d, true);
                }
                if decl.is_some_and(|d| self.annotations(d).contains(&"Cleanup")) {
                    return (Some(name), Disposal::Guaranteed("@Cleanup".into()), false);
                }
                let d = self.uses_disposal(&name, node, ctx);
                (Some(name), d, false)
            }
            "assignment_expression" => {
                let Some(left) = parent.field("left") else {
                    return (None, Disposal::Never, false);
                };
                match left.kind_name() {
                    "identifier" => {
                        let name = self.t(left).to_string();
                        if self.is_local(&name) {
                            let d = self.uses_disposal(&name, node, ctx);
                            (Some(name), d, false)
                        } else {
                            let d = escapes(&format!("stored in field `{name}`"));
                            (Some(name), d, true)
                        }
                    }
                    "field_access" => {
                        let name = left
                            .field("field")
                            .map(|f| self.t(f).to_string())
                            .unwrap_or_default();
                        let d = escapes(&format!("stored in field `{name}`"));
                        (Some(name), d, true)
                    }
                    _ => (None, escapes("stored in an array"), false),
                }
            }
            "return_statement" => (None, escapes("returned"), false),
            "argument_list" => {
                let label = parent
                    .parent()
                    .map(|g| self.callee_label(g))
                    .unwrap_or_default();
                (None, escapes(&format!("passed to `{label}`")), false)
            }
            "lambda_expression" => (None, escapes("returned from a lambda"), false),
            "array_initializer" => (None, escapes("stored in an array"), false),
            "yield_statement" => (None, escapes("yielded"), false),
            // Chained (`ds.getConnection().prepareStatement(..)`) or discarded: nothing closes it.
            "method_invocation" | "expression_statement" => (None, Disposal::Never, false),
            _ => (None, escapes("used in an expression"), false),
        }
    }

    /// Classifies what happens to local `name` after `creation` in the enclosing block.
    pub(super) fn uses_disposal(&self, name: &str, creation: Node<'a>, ctx: &Ctx<'a>) -> Disposal {
        let Some(body) = ctx.body else {
            return Disposal::Never;
        };
        let after = creation.end_byte();
        let mut guaranteed: Option<String> = None;
        let mut strong: Option<String> = None;
        let mut normal: Option<String> = None;
        let mut right_after_open: Option<String> = None;
        let mut weak: Option<String> = None;
        let mut stack = vec![body];
        while let Some(n) = stack.pop() {
            let mut cursor = n.walk();
            for c in n.children(&mut cursor) {
                stack.push(c);
            }
            if n.kind_name() != "identifier" || n.start_byte() < after || self.t(n) != name {
                continue;
            }
            let cur = climb(n);
            let Some(p) = cur.parent() else {
                continue;
            };
            let is = |field: &str| p.field(field).is_some_and(|f| f.id() == cur.id());
            let mut close_at: Option<Node<'a>> = None;
            match p.kind_name() {
                "method_invocation" if is("object") => {
                    let callee = p.field("name").map(|x| self.t(x)).unwrap_or("");
                    if CLOSE_METHODS.contains(&callee) {
                        close_at = Some(p);
                    }
                }
                "argument_list" => {
                    if let Some(g) = p.parent() {
                        let label = self.callee_label(g);
                        if g.kind_name() == "method_invocation"
                            && RELEASE_FUNCTIONS.contains(&label.as_str())
                        {
                            close_at = Some(g);
                        } else if g.kind_name() == "method_invocation"
                            && CONTAINER_METHODS.contains(&label.as_str())
                        {
                            strong.get_or_insert(format!("stored in a container via `{label}`"));
                        } else if g.kind_name() == "object_creation_expression" {
                            strong.get_or_insert(format!("passed to `{label}`"));
                        } else {
                            weak.get_or_insert(format!("passed to `{label}`"));
                        }
                    }
                }
                "return_statement" => {
                    strong.get_or_insert("returned".into());
                }
                "yield_statement" => {
                    strong.get_or_insert("yielded".into());
                }
                "array_initializer" => {
                    strong.get_or_insert("stored in an array".into());
                }
                "lambda_expression" if is("body") => {
                    strong.get_or_insert("returned from a lambda".into());
                }
                "assignment_expression" if is("right") => {
                    if let Some(l) = p.field("left") {
                        match l.kind_name() {
                            "identifier" if self.is_local(self.t(l)) => {
                                weak.get_or_insert(format!("aliased to `{}`", self.t(l)));
                            }
                            "identifier" | "field_access" => {
                                strong.get_or_insert(format!("stored in field `{}`", self.t(l)));
                            }
                            _ => {
                                strong.get_or_insert("stored in an array".into());
                            }
                        }
                    }
                }
                "variable_declarator" if is("value") => {
                    let alias = p.field("name").map(|x| self.t(x)).unwrap_or("");
                    weak.get_or_insert(format!("aliased to `{alias}`"));
                }
                "resource" => {
                    guaranteed.get_or_insert("try-with-resources".into());
                }
                _ => {}
            }
            if let Some(call) = close_at {
                let text = self.src.short(call, 80);
                if self.in_finally(call, creation, body) {
                    guaranteed.get_or_insert(format!("`{text}` in finally"));
                } else if nothing_can_throw_between(creation, call, body) {
                    right_after_open.get_or_insert(format!(
                        "`{text}` right after it is opened, with nothing in between that can throw"
                    ));
                } else {
                    normal.get_or_insert(format!("`{text}` outside finally"));
                }
            }
        }
        if let Some(d) = guaranteed {
            Disposal::Guaranteed(d)
        } else if let Some(d) = strong {
            Disposal::Escapes(d)
        } else if let Some(d) = normal {
            Disposal::NormalPathOnly(d)
        } else if let Some(d) = right_after_open {
            Disposal::Guaranteed(d)
        } else if let Some(d) = weak {
            Disposal::Escapes(d)
        } else {
            Disposal::Never
        }
    }

    /// In a `finally` of a try that contains or follows the creation.
    pub(super) fn in_finally(&self, call: Node<'a>, creation: Node<'a>, body: Node<'a>) -> bool {
        let mut cur = call;
        while let Some(p) = cur.parent() {
            if p.id() == body.id() {
                break;
            }
            if p.kind_name() == "finally_clause" {
                if let Some(t) = p.parent() {
                    if t.end_byte() > creation.start_byte() {
                        return true;
                    }
                }
            }
            cur = p;
        }
        false
    }
}

/// Whether no call, construction or `throw` stands between a connection's creation and a
/// close of it (the close's own receiver and arguments aside): nothing there can throw, so
/// the close runs on every path that opened it.
fn nothing_can_throw_between(creation: Node, close: Node, body: Node) -> bool {
    let (from, to) = (creation.end_byte(), close.start_byte());
    let mut stack = vec![body];
    while let Some(n) = stack.pop() {
        if n.end_byte() <= from || n.start_byte() >= to {
            continue;
        }
        if n.start_byte() >= from
            && matches!(
                n.kind_name(),
                "method_invocation"
                    | "object_creation_expression"
                    | "explicit_constructor_invocation"
                    | "throw_statement"
                    | "array_creation_expression"
            )
        {
            return false;
        }
        let mut cursor = n.walk();
        stack.extend(n.children(&mut cursor));
    }
    true
}
