//! C# connections: where a connection is created says who owns it (`ResourceOrigin`);
//! a local variable holding one is tracked to the end of its function, and what the code
//! does with it becomes its events. The core decides from them how it is released.

use tree_sitter::Node;

use super::catalogue::{
    CLOSE_METHODS, CONNECTION_TYPES, CONTAINER_REGISTRATIONS, NON_OWNING, OPEN_METHODS,
    SELF_OPENING_METHODS,
};
use super::lower::{without_generics, Ctx, Lowering, Tracked};
use crate::app::ir::typed::{Resource, ResourceEvent, ResourceEventKind, ResourceOrigin};
use crate::app::lang::common::{FieldExt, KindExt};
use crate::app::lang::tree::{last_named_child, named_children};

impl<'a> Lowering<'a, '_> {
    /// Records an event for each tracked connection variable named `text` whose scope
    /// holds `node`.
    pub(super) fn event_on(&mut self, text: &str, node: Node<'a>, kind: ResourceEventKind) {
        if self.tracked.is_empty() {
            return;
        }
        let (at, end) = (node.start_byte(), node.end_byte());
        let resources = named_at(&self.tracked, text, at, end);
        self.push_events(&resources, kind, at, end);
    }

    fn push_events(&mut self, resources: &[usize], kind: ResourceEventKind, at: usize, end: usize) {
        for &r in resources {
            if let Some(resource) = self.unit.resources.get_mut(r) {
                resource.events.push(ResourceEvent {
                    kind: kind.clone(),
                    at,
                    end,
                    text: None,
                });
            }
        }
    }

    /// What a call does to the tracked connections: opens, closes or uses the one it is
    /// called on, is handed one as an argument, or opens a reader that will close them.
    pub(super) fn resource_events(
        &mut self,
        node: Node<'a>,
        callee: &str,
        receiver: Option<Node<'a>>,
        arguments: &[Node<'a>],
    ) {
        if self.tracked.is_empty() {
            return;
        }
        if let Some(receiver) = receiver {
            let kind = if OPEN_METHODS.contains(&callee) {
                ResourceEventKind::Open
            } else if CLOSE_METHODS.contains(&callee) {
                ResourceEventKind::Close
            } else if SELF_OPENING_METHODS.contains(&callee) && !self.unbuffered(arguments) {
                ResourceEventKind::SelfOpeningCall {
                    callee: callee.to_string(),
                }
            } else {
                ResourceEventKind::Use
            };
            let text = self.source.text(receiver);
            self.event_on(text, node, kind);
        }
        for argument in arguments {
            let text = self.source.text(*argument);
            self.event_on(
                text,
                node,
                ResourceEventKind::PassToCall {
                    callee: callee.to_string(),
                },
            );
        }
        if self
            .source
            .text(node)
            .contains("CommandBehavior.CloseConnection")
        {
            let (at, end) = (node.start_byte(), node.end_byte());
            let open: Vec<usize> = self
                .tracked
                .iter()
                .filter(|t| t.span.0 <= at && end <= t.span.1)
                .map(|t| t.resource)
                .collect();
            for r in open {
                if let Some(resource) = self.unit.resources.get_mut(r) {
                    resource.events.push(ResourceEvent {
                        kind: ResourceEventKind::ClosedByReader,
                        at,
                        end,
                        text: None,
                    });
                }
            }
        }
    }

    /// A tracked connection named `text` handed to `creation`, an object that only uses it
    /// (a command): returned at once (`return new SqlCommand(sql, connection)`), the
    /// caller holds the connection; assigned to a local, returning that local does.
    fn held_by(&mut self, text: &str, creation: Node<'a>, holder: &str) {
        let (at, end) = (creation.start_byte(), creation.end_byte());
        let resources: Vec<(usize, usize)> = self
            .tracked
            .iter()
            .filter(|t| t.name == text && t.span.0 <= at && end <= t.span.1)
            .map(|t| (t.resource, t.span.1))
            .collect();
        let mut parent = creation.parent();
        while let Some(p) = parent.filter(|p| {
            matches!(
                p.kind_name(),
                "parenthesized_expression" | "cast_expression" | "equals_value_clause"
            )
        }) {
            parent = p.parent();
        }
        for (resource, scope_end) in resources {
            match parent.map(|p| (p, p.kind_name())) {
                Some((_, "return_statement" | "arrow_expression_clause")) => {
                    let holder = holder.to_string();
                    let kind = ResourceEventKind::ReturnedInside { holder };
                    self.push_events(&[resource], kind, at, end);
                }
                Some((p, "variable_declarator")) => {
                    if let Some(name) = p.field("name") {
                        self.holders.push(Tracked {
                            name: self.source.text(name).to_string(),
                            resource,
                            span: (at, scope_end),
                        });
                    }
                }
                _ => {}
            }
        }
    }

    /// `return command;` where `command` holds a tracked connection (`held_by`).
    pub(super) fn holder_returned(&mut self, text: &str, node: Node<'a>) {
        let (at, end) = (node.start_byte(), node.end_byte());
        let returned = named_at(&self.holders, text, at, end);
        let holder = text.to_string();
        self.push_events(
            &returned,
            ResourceEventKind::ReturnedInside { holder },
            at,
            end,
        );
    }

    /// A close on a parameter's connection (`command.Connection.Close()`, or
    /// `connection.Dispose()` on a parameter of a connection type): the function closes
    /// what its caller hands it there (`Unit::param_closes`).
    pub(super) fn param_close(&mut self, callee: &str, receiver: Option<Node<'a>>, ctx: &Ctx) {
        let (Some(receiver), Some(function)) = (receiver, ctx.function) else {
            return;
        };
        if !CLOSE_METHODS.contains(&callee) {
            return;
        }
        let text = self.source.text(receiver);
        let Some(f) = self.unit.functions.get(function) else {
            return;
        };
        let position = f.params.iter().position(|p| {
            let of_connection_type =
                p.ty.as_ref()
                    .is_some_and(|t| CONNECTION_TYPES.contains(&t.name.as_str()));
            text.strip_suffix(".Connection") == Some(p.name.as_str())
                || (text == p.name && of_connection_type)
        });
        if let Some(position) = position {
            if !self.unit.param_closes.contains(&(function, position)) {
                self.unit.param_closes.push((function, position));
            }
        }
    }

    /// `buffered: false`: Dapper keeps the connection open until the rows are read to the
    /// end.
    fn unbuffered(&self, arguments: &[Node<'a>]) -> bool {
        arguments.iter().any(|a| {
            let text: String = self
                .source
                .text(*a)
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            text == "buffered:false"
        })
    }

    pub(super) fn creation(&mut self, node: Node<'a>, ctx: &Ctx) {
        self.unit.creations.push(node.start_byte());
        let type_text = node
            .field("type")
            .map(|t| self.source.text(t))
            .unwrap_or("");
        let type_name = type_text.rsplit('.').next().unwrap_or("").to_string();
        // new Worker(conn): a connection handed to a constructor.
        if !self.tracked.is_empty() {
            if let Some(arguments) = node.field("arguments") {
                let owning = !NON_OWNING.iter().any(|n| type_text.ends_with(n));
                for argument in named_children(arguments) {
                    let text = self.source.text(argument);
                    if !owning {
                        self.held_by(text, node, type_text);
                    }
                    self.event_on(
                        text,
                        node,
                        ResourceEventKind::PassToConstructor {
                            ty: type_text.to_string(),
                            owning,
                        },
                    );
                }
            }
        }
        if CONNECTION_TYPES.contains(&type_name.as_str()) {
            self.connection(node, ctx, format!("new {type_name}"));
        }
        // new SqlCommand("SELECT ...", conn): the command will run this SQL.
        if type_name.ends_with("Command") {
            if let Some(first) = node
                .field("arguments")
                .and_then(|a| a.named_child(0))
                .and_then(last_named_child)
            {
                if self.is_stringish(first) {
                    self.string_lit(first, ctx, true);
                }
            }
        }
    }

    /// A connection created at `creation`: where it stands says who owns it, and a local
    /// variable holding it is tracked to the end of its function.
    fn connection(&mut self, creation: Node<'a>, ctx: &Ctx, api: String) {
        let (variable, origin) = self.origin_of(creation);
        let index = self.unit.resources.len();
        self.unit.resources.push(Resource {
            function: ctx.function,
            api,
            variable: variable.clone(),
            origin: origin.clone(),
            events: Vec::new(),
            start: self.source.start(creation),
            end: self.source.end(creation),
            span: (creation.start_byte(), creation.end_byte()),
            text: self.source.short(creation, 120),
            // Not told for C#: its SQLite providers (SqliteConnection) are not yet marked in-process.
            in_process: false,
            lender: None,
        });
        if let (Some(name), ResourceOrigin::Local) = (variable, origin) {
            let end = ctx
                .function
                .and_then(|f| self.unit.functions.get(f))
                .map_or(self.source.text.len(), |f| f.body.1);
            self.tracked.push(Tracked {
                name,
                resource: index,
                span: (creation.start_byte(), end),
            });
        }
    }

    fn origin_of(&self, creation: Node<'a>) -> (Option<String>, ResourceOrigin) {
        let mut parent = creation.parent();
        while let Some(p) = parent {
            if !matches!(
                p.kind_name(),
                "parenthesized_expression" | "cast_expression" | "equals_value_clause"
            ) {
                break;
            }
            parent = p.parent();
        }
        let Some(parent) = parent else {
            return (None, ResourceOrigin::Other);
        };
        // `services.AddTransient<IDbConnection>(_ => new SqlConnection(cs))`: the container
        // owns it.
        if self.registered_with_container(creation) {
            return (None, ResourceOrigin::Registered);
        }
        match parent.kind_name() {
            "return_statement" | "arrow_expression_clause" => (None, ResourceOrigin::Returned),
            "argument" => {
                let owner = parent
                    .parent()
                    .and_then(|l| l.parent())
                    .filter(|o| o.kind_name() == "object_creation_expression");
                let owner_type = owner
                    .and_then(|o| o.field("type"))
                    .map(|t| self.source.text(t).to_string());
                let owning = owner_type
                    .as_deref()
                    .is_some_and(|t| !NON_OWNING.iter().any(|n| t.ends_with(n)));
                (
                    None,
                    ResourceOrigin::Argument {
                        owner: owner_type,
                        owning,
                    },
                )
            }
            "using_statement" => (None, ResourceOrigin::Scoped("using".into())),
            "assignment_expression" => {
                let left = parent
                    .field("left")
                    .map(|l| self.source.text(l))
                    .unwrap_or("");
                if left.starts_with("this.")
                    || left.starts_with('_')
                    || left.chars().next().is_some_and(|c| c.is_uppercase())
                {
                    return (None, ResourceOrigin::Field);
                }
                (Some(left.to_string()), ResourceOrigin::Local)
            }
            "variable_declarator" => {
                let name = parent
                    .field("name")
                    .map(|n| self.source.text(n).to_string())
                    .unwrap_or_default();
                // using (var c = new ...) / using var c = ... / await using var c = ...
                let mut up = parent.parent();
                while let Some(u) = up {
                    match u.kind_name() {
                        "variable_declaration" => up = u.parent(),
                        "using_statement" => {
                            return (Some(name), ResourceOrigin::Scoped("using".into()))
                        }
                        "local_declaration_statement" => {
                            let mut c = u.walk();
                            let has_using = u.children(&mut c).any(|k| {
                                k.kind_name() == "using" || self.source.text(k) == "using"
                            });
                            if has_using {
                                return (
                                    Some(name),
                                    ResourceOrigin::Scoped("using declaration".into()),
                                );
                            }
                            break;
                        }
                        "field_declaration" => return (Some(name), ResourceOrigin::Field),
                        _ => break,
                    }
                }
                (Some(name), ResourceOrigin::Local)
            }
            _ => (None, ResourceOrigin::Other),
        }
    }

    fn registered_with_container(&self, creation: Node<'a>) -> bool {
        let mut current = creation.parent();
        for _ in 0..8 {
            let Some(node) = current else {
                return false;
            };
            if node.kind_name() == "invocation_expression" {
                let name = node
                    .field("function")
                    .and_then(|f| f.field("name").or(Some(f)))
                    .map(|n| self.source.text(n))
                    .unwrap_or("");
                let name = without_generics(name);
                return CONTAINER_REGISTRATIONS.iter().any(|m| name.ends_with(m));
            }
            current = node.parent();
        }
        false
    }
}

/// The resources of the tracked locals named `text` whose scope holds `at..end`.
fn named_at(list: &[Tracked], text: &str, at: usize, end: usize) -> Vec<usize> {
    list.iter()
        .filter(|t| t.name == text && t.span.0 <= at && end <= t.span.1)
        .map(|t| t.resource)
        .collect()
}
