//! Java connections: where one is created or borrowed (`DriverManager.getConnection`,
//! `dataSource.getConnection()`, a pool constructor or builder, a helper of the project
//! whose result is held as a `java.sql.Connection`), lowered as IR `Resource`s: where it
//! goes as it is created (try-with-resources, `@Cleanup`, a field, returned, an argument)
//! and what is done to it afterwards (closed, also by a release helper; put in a later
//! try-with-resources; returned, stored, handed to a constructor; passed to a method or
//! aliased, which rank below a close). How it is released the core decides
//! (`core::resources`); one taken from a helper of the project and never released is
//! borrowed (`Resource::lender`).

use tree_sitter::Node;

use super::catalogue::*;
use super::{children, climb, simple_type, Ctx, Extractor, Frame};
use crate::app::ir::typed::{PerCall, Resource, ResourceEvent, ResourceEventKind, ResourceOrigin};
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

    /// Lowers a connection created at `node` as an IR `Resource`: where it goes as it is
    /// created (its origin) and, held in a local, what is done to it afterwards (its
    /// events); the core decides how it is released. A pool created per call is also
    /// recorded for `pool-per-request`.
    pub(super) fn record_connection(
        &mut self,
        node: Node<'a>,
        api: &str,
        ctx: &Ctx<'a>,
        per_call: bool,
        site: bool,
        helper: bool,
    ) {
        let (variable, origin, in_field) = self.origin_of(node);
        if site {
            let open = ResourceEvent {
                kind: ResourceEventKind::Open,
                at: node.start_byte(),
                end: node.end_byte(),
                text: None,
            };
            let mut events = vec![open];
            if let (ResourceOrigin::Local, Some(name)) = (&origin, variable.as_deref()) {
                events.extend(self.events_of(name, node, ctx));
            }
            self.unit.resources.push(Resource {
                function: ctx.function,
                api: api.to_string(),
                variable,
                origin,
                events,
                start: self.src.start(node),
                end: self.src.end(node),
                span: (node.start_byte(), node.end_byte()),
                text: self.src.short(node, 160),
                in_process: false,
                lender: helper.then(|| format!("{api}()")),
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

    /// The variable holding a new connection, where it goes as it is created, and whether
    /// it is stored in a field.
    pub(super) fn origin_of(&self, node: Node<'a>) -> (Option<String>, ResourceOrigin, bool) {
        let cur = climb(node);
        let Some(parent) = cur.parent() else {
            return (None, ResourceOrigin::Other, false);
        };
        let escapes = |d: &str| ResourceOrigin::Escaped(d.to_string());
        match parent.kind_name() {
            "resource" => {
                let name = parent.field("name").map(|n| self.t(n).to_string());
                let scoped = ResourceOrigin::Scoped("try-with-resources".into());
                (name, scoped, false)
            }
            "variable_declarator" => {
                let Some(name) = parent.field("name").map(|n| self.t(n).to_string()) else {
                    return (None, ResourceOrigin::Other, false);
                };
                let decl = parent.parent();
                if decl.is_some_and(|d| {
                    matches!(d.kind_name(), "field_declaration" | "constant_declaration")
                }) {
                    let d = escapes(&format!("stored in field `{name}`"));
                    return (Some(name), d, true);
                }
                if decl.is_some_and(|d| self.annotations(d).contains(&"Cleanup")) {
                    return (Some(name), ResourceOrigin::Scoped("@Cleanup".into()), false);
                }
                (Some(name), ResourceOrigin::Local, false)
            }
            "assignment_expression" => {
                let Some(left) = parent.field("left") else {
                    return (None, ResourceOrigin::Other, false);
                };
                match left.kind_name() {
                    "identifier" => {
                        let name = self.t(left).to_string();
                        if self.is_local(&name) {
                            (Some(name), ResourceOrigin::Local, false)
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
            "method_invocation" | "expression_statement" => (None, ResourceOrigin::Other, false),
            _ => (None, escapes("used in an expression"), false),
        }
    }

    /// What is done to local `name` after `creation` in the enclosing block, in source
    /// order: closes (a close method, a release helper), a later try-with-resources,
    /// escapes (returned, yielded, stored in a field, an array or a container, handed to a
    /// constructor, returned from a lambda) and weak escapes (passed to a method, aliased
    /// to another local), which rank below a close.
    pub(super) fn events_of(
        &self,
        name: &str,
        creation: Node<'a>,
        ctx: &Ctx<'a>,
    ) -> Vec<ResourceEvent> {
        let mut events = Vec::new();
        let Some(body) = ctx.body else {
            return events;
        };
        let after = creation.end_byte();
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
            let escape = |words: String| ResourceEventKind::Escapes(words);
            let mut close_at: Option<Node<'a>> = None;
            let kind = match p.kind_name() {
                "method_invocation" if is("object") => {
                    let callee = p.field("name").map(|x| self.t(x)).unwrap_or("");
                    if CLOSE_METHODS.contains(&callee) {
                        close_at = Some(p);
                    }
                    None
                }
                "argument_list" => p.parent().and_then(|g| {
                    let label = self.callee_label(g);
                    if g.kind_name() == "method_invocation"
                        && RELEASE_FUNCTIONS.contains(&label.as_str())
                    {
                        close_at = Some(g);
                        None
                    } else if g.kind_name() == "method_invocation"
                        && CONTAINER_METHODS.contains(&label.as_str())
                    {
                        Some(escape(format!("stored in a container via `{label}`")))
                    } else if g.kind_name() == "object_creation_expression" {
                        Some(escape(format!("passed to `{label}`")))
                    } else {
                        Some(ResourceEventKind::MaybeKept(format!("passed to `{label}`")))
                    }
                }),
                "return_statement" => Some(escape("returned".into())),
                "yield_statement" => Some(escape("yielded".into())),
                "array_initializer" => Some(escape("stored in an array".into())),
                "lambda_expression" if is("body") => Some(escape("returned from a lambda".into())),
                "assignment_expression" if is("right") => {
                    p.field("left").map(|l| match l.kind_name() {
                        "identifier" if self.is_local(self.t(l)) => {
                            ResourceEventKind::MaybeKept(format!("aliased to `{}`", self.t(l)))
                        }
                        "identifier" | "field_access" => {
                            escape(format!("stored in field `{}`", self.t(l)))
                        }
                        _ => escape("stored in an array".into()),
                    })
                }
                "variable_declarator" if is("value") => {
                    let alias = p.field("name").map(|x| self.t(x)).unwrap_or("");
                    Some(ResourceEventKind::MaybeKept(format!(
                        "aliased to `{alias}`"
                    )))
                }
                "resource" => Some(ResourceEventKind::Scoped("try-with-resources".into())),
                _ => None,
            };
            let (kind, at, text) = match (close_at, kind) {
                (Some(call), _) => (
                    ResourceEventKind::Close,
                    call,
                    Some(self.src.short(call, 80)),
                ),
                (None, Some(kind)) => (kind, n, None),
                (None, None) => continue,
            };
            events.push(ResourceEvent {
                kind,
                at: at.start_byte(),
                end: at.end_byte(),
                text,
            });
        }
        events.sort_by_key(|e| e.at);
        events
    }
}
