//! Connections: where one is created or checked out (a pool or client constructor, a
//! `createConnection` / `connect` / `getConnection` call), lowered as IR resources: opened
//! as created, where the creation's value goes (`ResourceOrigin`: a `using` declaration,
//! returned, stored, passed on, assigned) and what happens to the variable holding it
//! afterwards (`ResourceEvent`s: released or closed, by `v.release()`, `releaseConnection(v)`
//! or a `pool.connect((err, client, release) => …)` callback's `release()`; returned,
//! yielded, stored in an object, a property or a variable outside the function; passed to a
//! call). `core::resources` decides how each is released, with the `try` / `catch` /
//! `finally` scopes (and `.finally(...)` callbacks) the walk lowers. Pools created per call
//! are the ones that core decision does not see escape.

use tree_sitter::Node;

use super::catalogue::*;
use super::{
    call_function, children, is_function, range, unwrap_expr, words, CallInfo, Ctx, Extractor,
};
use crate::app::ir::typed::{
    FnId, PerCall, Resource, ResourceEvent, ResourceEventKind, ResourceOrigin, Scope, ScopeKind,
};
use crate::app::ir::Disposal;
use crate::app::lang::common::{FieldExt, KindExt};
use crate::app::lang::tree::named_children;

/// A connection or pool created, kept until the walk ends.
pub(super) struct Created {
    resource: Resource,
    /// A connection site (not only a pool).
    site: bool,
    /// (function, api) of a pool made in a function.
    per_call: Option<(FnId, String)>,
}

impl<'s, 't> Extractor<'s, 't> {
    pub(super) fn new_expression(&mut self, node: Node<'t>, ctx: &Ctx<'t>) {
        let Some(ctor) = node.field("constructor") else {
            return;
        };
        let (qualifier, name) = self.split_name(ctor);
        for &(creation, is_new, driver, site_api, per_call_api) in CONNECTION_CREATIONS {
            if !is_new || creation != name {
                continue;
            }
            if self.creation_is_driver(qualifier, &name, driver) {
                self.connection(node, ctx, site_api, per_call_api, None);
            }
            return;
        }
    }

    pub(super) fn call_connection(&mut self, node: Node<'t>, info: &CallInfo<'t>, ctx: &Ctx<'t>) {
        let method = info.callee.as_str();
        for &(creation, is_new, driver, site_api, per_call_api) in CONNECTION_CREATIONS {
            if is_new || creation != method {
                continue;
            }
            let (qualifier, _) = self.split_name(info.func);
            if self.creation_is_driver(qualifier, method, driver) {
                self.connection(node, ctx, site_api, per_call_api, None);
            }
            return;
        }
        let Some(&(_, api)) = CHECKOUTS.iter().find(|(m, _)| *m == method) else {
            return;
        };
        let Some(last) = info.chain.last() else {
            return;
        };
        if info.chain.len() != 1
            && info
                .receiver
                .is_some_and(|r| unwrap_expr(r).kind_name() != "member_expression")
        {
            return;
        }
        let handle = self.handles.get(last).copied();
        let pool_named = words(last).iter().any(|w| w == "pool");
        let ok = match method {
            "connect" => {
                handle == Some(Handle::PgPool)
                    || (pool_named
                        && !matches!(handle, Some(Handle::MssqlPool | Handle::MysqlPool))
                        && !self.driver_imported(Driver::Mssql)
                        && !self.driver_imported(Driver::Mysql))
            }
            _ => {
                handle == Some(Handle::MysqlPool)
                    || (pool_named && handle.is_none_or(|h| h == Handle::MysqlPool))
            }
        };
        if !ok {
            return;
        }
        // Callback style: pool.connect((err, client, done) => ...), pool.getConnection((err, conn) => ...).
        if let Some(cb) = info
            .args
            .iter()
            .copied()
            .find(|a| is_function(a.kind_name()))
        {
            let params = self.params(cb);
            let variable = params
                .get(1)
                .and_then(|p| self.pattern_names(*p).into_iter().next());
            let release = params
                .get(2)
                .and_then(|p| self.pattern_names(*p).into_iter().next());
            self.connection(node, ctx, Some(api), None, Some((cb, variable, release)));
            return;
        }
        // pool.connect().then(client => ...)
        if let Some((child, parent)) = self.logical_parent(node) {
            if parent.kind_name() == "member_expression" && parent.field("object") == Some(child) {
                let prop = parent.field("property").map(|p| self.text(p)).unwrap_or("");
                if let (true, Some(then_call)) = (
                    prop == "then",
                    self.parent(parent)
                        .filter(|g| g.kind_name() == "call_expression"),
                ) {
                    let cb = then_call.field("arguments").and_then(|a| {
                        named_children(a)
                            .into_iter()
                            .find(|x| is_function(x.kind_name()))
                    });
                    if let Some(cb) = cb {
                        let variable = self
                            .params(cb)
                            .first()
                            .and_then(|p| self.pattern_names(*p).into_iter().next());
                        self.connection(node, ctx, Some(api), None, Some((cb, variable, None)));
                        return;
                    }
                }
            }
        }
        self.connection(node, ctx, Some(api), None, None);
    }

    /// Records a creation as a resource (opened as it is created), with where its value goes
    /// and the events on the variable holding it. `callback`: (callback scope, its connection
    /// parameter, its release parameter) for callback-style checkouts. Whether it is a
    /// connection site and whether a pool is made per call is settled after the walk
    /// (`finish_connections`), when every scope is known.
    fn connection(
        &mut self,
        node: Node<'t>,
        ctx: &Ctx<'t>,
        site_api: Option<&str>,
        per_call_api: Option<&str>,
        callback: Option<(Node<'t>, Option<String>, Option<String>)>,
    ) {
        if site_api.is_none() && (per_call_api.is_none() || ctx.function.is_none()) {
            return;
        }
        let open = ResourceEvent {
            kind: ResourceEventKind::Open,
            at: node.start_byte(),
            end: node.end_byte(),
            text: None,
        };
        let (variable, origin, mut events) = match callback {
            Some((scope, Some(variable), release)) => {
                let events =
                    self.variable_events(&variable, scope, scope.start_byte(), release.as_deref());
                (Some(variable), ResourceOrigin::Local, events)
            }
            Some((_, None, _)) => (None, ResourceOrigin::Local, Vec::new()),
            None => self.placement(node, ctx),
        };
        // A pg `new Client(config)` holds no connection until `.connect()`: one never
        // connected nor queried is never opened (`core::resources`: nothing to release).
        let opened_later = site_api.is_some_and(|api| OPENED_BY_CONNECT.contains(&api));
        let connected = events.iter().any(|e| {
            e.kind == ResourceEventKind::Use
                && e.text
                    .as_deref()
                    .is_some_and(|t| t.ends_with(".connect()") || t.ends_with(".query()"))
        });
        if !opened_later || variable.is_none() || connected {
            events.insert(0, open);
        }
        events.sort_by_key(|e| e.at);
        let resource = Resource {
            function: ctx.innermost,
            api: site_api.or(per_call_api).unwrap_or_default().to_string(),
            variable,
            origin,
            events,
            start: self.src.start(node),
            end: self.src.end(node),
            span: range(node),
            text: self.short(node, 120),
            in_process: false,
            lender: None,
        };
        let per_call = per_call_api
            .zip(ctx.function)
            .map(|(api, function)| (function, api.to_string()));
        self.creations_seen.push(Created {
            resource,
            site: site_api.is_some(),
            per_call,
        });
    }

    /// After the walk: the connection sites become the unit's resources, and a pool made in
    /// a function is made per call unless the core sees it change owner.
    pub(super) fn finish_connections(&mut self) {
        for Created {
            resource,
            site,
            per_call,
        } in std::mem::take(&mut self.creations_seen)
        {
            if let Some((function, api)) = per_call {
                let disposal = crate::app::core::resources::disposal(&self.unit, &resource);
                if !matches!(disposal, Disposal::Escapes(_)) {
                    self.unit.per_call.push(PerCall {
                        function,
                        api,
                        start: resource.start,
                        text: resource.text.clone(),
                    });
                }
            }
            if site {
                self.unit.resources.push(resource);
            }
        }
    }

    /// Where a creation's value goes: (the variable holding it, its origin, the events on
    /// that variable).
    fn placement(
        &self,
        node: Node<'t>,
        ctx: &Ctx<'t>,
    ) -> (Option<String>, ResourceOrigin, Vec<ResourceEvent>) {
        // Climb `await`, parentheses, `new X(...).connect()`, `pool || new Pool()`,
        // `cond ? new Pool() : other`.
        let mut holder = node;
        for _ in 0..10 {
            let Some((child, parent)) = self.logical_parent(holder) else {
                break;
            };
            match parent.kind_name() {
                "await_expression" => holder = parent,
                "binary_expression"
                    if parent
                        .field("operator")
                        .is_some_and(|o| matches!(self.text(o), "||" | "??")) =>
                {
                    holder = parent
                }
                "ternary_expression" if parent.field("condition") != Some(child) => holder = parent,
                "member_expression" if parent.field("object") == Some(child) => {
                    let prop = parent.field("property").map(|p| self.text(p)).unwrap_or("");
                    match self.parent(parent) {
                        Some(call)
                            if call.kind_name() == "call_expression" && prop == "connect" =>
                        {
                            holder = call
                        }
                        _ => break,
                    }
                }
                _ => break,
            }
        }
        let module_level = ctx.function.is_none();
        let nowhere = (None, ResourceOrigin::Other, Vec::new());
        let Some((child, parent)) = self.logical_parent(holder) else {
            return nowhere;
        };
        let variable = match parent.kind_name() {
            "variable_declarator" if parent.field("value") == Some(child) => {
                let Some(name) = parent
                    .field("name")
                    .filter(|n| n.kind_name() == "identifier")
                else {
                    return nowhere;
                };
                let name = self.text(name).to_string();
                if let Some(decl) = self.parent(parent) {
                    if decl.kind_name() == "using_declaration" {
                        let kind = self.short(decl, 200);
                        let detail = if kind.starts_with("await") {
                            "await using"
                        } else {
                            "using"
                        };
                        return (
                            Some(name),
                            ResourceOrigin::Scoped(detail.into()),
                            Vec::new(),
                        );
                    }
                    if decl
                        .parent()
                        .is_some_and(|e| e.kind_name() == "export_statement")
                    {
                        // An exported module-level binding: a static of the module.
                        return (Some(name), ResourceOrigin::Field, Vec::new());
                    }
                }
                name
            }
            "assignment_expression" | "augmented_assignment_expression"
                if parent.field("right") == Some(child) =>
            {
                let Some(left) = parent.field("left") else {
                    return nowhere;
                };
                if left.kind_name() != "identifier" {
                    let text = self.short(left, 80);
                    return (Some(text), ResourceOrigin::Field, Vec::new());
                }
                let name = self.text(left).to_string();
                if !module_level && !self.declared_in(&name, ctx.scope) {
                    // A variable of an outer scope: it outlives the function.
                    let mut events = self.variable_events(&name, ctx.scope, node.end_byte(), None);
                    events.push(self.outliving(&name, node));
                    return (Some(name), ResourceOrigin::Local, events);
                }
                name
            }
            "return_statement" | "arrow_function" | "yield_expression" => {
                return (None, ResourceOrigin::Returned, Vec::new())
            }
            "arguments" => {
                let owner = parent
                    .parent()
                    .and_then(|c| (c.kind_name() == "new_expression").then(|| self.callee_text(c)));
                return (
                    None,
                    ResourceOrigin::Argument {
                        owner,
                        owning: false,
                    },
                    Vec::new(),
                );
            }
            "pair" | "array" | "spread_element" => {
                return (None, ResourceOrigin::Field, Vec::new())
            }
            _ => return nowhere,
        };
        let scope = if module_level { self.root } else { ctx.scope };
        let mut events = self.variable_events(&variable, scope, node.end_byte(), None);
        if module_level {
            events.push(self.outliving(&variable, node));
        }
        (Some(variable), ResourceOrigin::Local, events)
    }

    /// A connection held by a module-level variable, or by one of a scope around the
    /// function: it lives on after the function returns.
    fn outliving(&self, variable: &str, node: Node<'t>) -> ResourceEvent {
        ResourceEvent {
            kind: ResourceEventKind::StoreInField,
            at: node.end_byte(),
            end: node.end_byte(),
            text: Some(format!("{variable}, a variable that outlives the function")),
        }
    }

    /// Whether `call` is the first statement of a function passed to a call on
    /// `variable` (`client.query(sql, (err, res) => { release(); … })`).
    fn first_in_completion_callback(&self, call: Node<'t>, variable: &str) -> bool {
        let Some(statement) = self
            .parent(call)
            .filter(|p| p.kind_name() == "expression_statement")
        else {
            return false;
        };
        let Some(body) = self
            .parent(statement)
            .filter(|p| p.kind_name() == "statement_block")
        else {
            return false;
        };
        let first = named_children(body)
            .into_iter()
            .find(|c| c.kind_name() != "comment");
        if first.map(|f| f.id()) != Some(statement.id()) {
            return false;
        }
        let Some(function) = self.parent(body).filter(|f| is_function(f.kind_name())) else {
            return false;
        };
        let Some(outer) = self
            .parent(function)
            .filter(|a| a.kind_name() == "arguments")
            .and_then(|a| self.parent(a))
            .filter(|c| c.kind_name() == "call_expression")
        else {
            return false;
        };
        self.callee_text(outer)
            .strip_prefix(variable)
            .is_some_and(|rest| rest.starts_with('.'))
    }

    fn callee_text(&self, call: Node) -> String {
        match call.kind_name() {
            "call_expression" => call_function(call)
                .map(|(f, _)| self.short(f, 60))
                .unwrap_or_default(),
            "new_expression" => call
                .field("constructor")
                .map(|c| format!("new {}", self.short(c, 60)))
                .unwrap_or_default(),
            _ => String::new(),
        }
    }

    /// `name` declared (variable, parameter) inside `scope`.
    fn declared_in(&self, name: &str, scope: Node<'t>) -> bool {
        let mut stack = vec![scope];
        while let Some(n) = stack.pop() {
            let declares = match n.kind_name() {
                "variable_declarator" => n
                    .field("name")
                    .is_some_and(|p| self.pattern_names(p).iter().any(|x| x == name)),
                "formal_parameters" => named_children(n)
                    .into_iter()
                    .any(|p| self.pattern_names(p).iter().any(|x| x == name)),
                "arrow_function" => n.field("parameter").is_some_and(|p| self.text(p) == name),
                _ => false,
            };
            if declares {
                return true;
            }
            for c in children(n) {
                stack.push(c);
            }
        }
        false
    }

    /// What happens to `variable` in `scope` after byte `from`: released or closed
    /// (`v.release()`, `releaseConnection(v)`, a call of the callback's `release_param`),
    /// returned or yielded, stored in an object, a property or a variable not declared in
    /// the scope, passed to a call (any but `console.*`).
    fn variable_events(
        &self,
        variable: &str,
        scope: Node<'t>,
        from: usize,
        release_param: Option<&str>,
    ) -> Vec<ResourceEvent> {
        let mut events = Vec::new();
        let event = |kind, node: Node, text: Option<String>| ResourceEvent {
            kind,
            at: node.start_byte(),
            end: node.end_byte(),
            text,
        };
        let mut stack = vec![scope];
        while let Some(n) = stack.pop() {
            if n.end_byte() <= from {
                continue;
            }
            for c in children(n) {
                stack.push(c);
            }
            if n.start_byte() < from {
                continue;
            }
            let kind = n.kind_name();
            if kind == "shorthand_property_identifier" && self.text(n) == variable {
                events.push(event(
                    ResourceEventKind::StoreInField,
                    n,
                    Some("an object".into()),
                ));
                continue;
            }
            if kind != "identifier" || self.text(n) != variable {
                continue;
            }
            let Some((child, parent)) = self.logical_parent(n) else {
                continue;
            };
            // A call of the release callback parameter: done().
            if release_param == Some(variable) {
                continue;
            }
            match parent.kind_name() {
                "member_expression" if parent.field("object") == Some(child) => {
                    let prop = parent.field("property").map(|p| self.text(p)).unwrap_or("");
                    if let Some(call) = self
                        .parent(parent)
                        .filter(|c| c.kind_name() == "call_expression")
                    {
                        // Any other call on it (`client.connect()`, `client.query(…)`) uses it:
                        // the core tells a connection never opened by the absence of both.
                        let kind = if CLOSE_METHODS.contains(&prop) {
                            ResourceEventKind::Close
                        } else {
                            ResourceEventKind::Use
                        };
                        events.push(event(kind, call, Some(format!("{variable}.{prop}()"))));
                    }
                }
                "arguments" => {
                    if let Some(call) = self.parent(parent) {
                        let callee = self.callee_text(call);
                        let last = callee.rsplit('.').next().unwrap_or("");
                        if CLOSE_METHODS.contains(&last) || RELEASE_BY_ARGUMENT.contains(&last) {
                            let text = format!("{callee}({variable})");
                            events.push(event(ResourceEventKind::Close, call, Some(text)));
                        } else if !callee.starts_with("console.") {
                            events.push(event(ResourceEventKind::HandedTo { callee }, call, None));
                        }
                    }
                }
                "return_statement" | "yield_expression" => {
                    events.push(event(ResourceEventKind::Return, n, None));
                }
                "arrow_function" if parent.field("body") == Some(child) => {
                    events.push(event(ResourceEventKind::Return, n, None));
                }
                "pair" | "array" | "spread_element" => {
                    events.push(event(
                        ResourceEventKind::StoreInField,
                        n,
                        Some("an object".into()),
                    ));
                }
                "assignment_expression" if parent.field("right") == Some(child) => {
                    if let Some(left) = parent.field("left") {
                        if left.kind_name() != "identifier"
                            || !self.declared_in(self.text(left), scope)
                        {
                            let text = self.short(left, 60);
                            events.push(event(ResourceEventKind::StoreInField, n, Some(text)));
                        }
                    }
                }
                _ => {}
            }
        }
        if let Some(param) = release_param {
            // Callback-style release: done() / release() called in the callback.
            let mut stack = vec![scope];
            while let Some(n) = stack.pop() {
                for c in children(n) {
                    stack.push(c);
                }
                if n.kind_name() == "call_expression"
                    && call_function(n).is_some_and(|(f, _)| {
                        f.kind_name() == "identifier" && self.text(f) == param
                    })
                {
                    events.push(if self.first_in_completion_callback(n, variable) {
                        // node-style drivers call a query's callback on error too.
                        event(
                            ResourceEventKind::Scoped(format!(
                                "`{param}()` first in the completion callback of a query on `{variable}`, which the driver calls on error too"
                            )),
                            n,
                            None,
                        )
                    } else {
                        event(ResourceEventKind::Close, n, Some(format!("{param}()")))
                    });
                }
            }
        }
        events
    }

    /// `try` / `catch` / `finally` as scopes (every JavaScript `catch` takes every
    /// exception), and a function passed to a promise's `.finally(...)`, which runs on
    /// every path as a `finally` block does.
    pub(super) fn scope_of(&mut self, node: Node<'t>) {
        let kind = match node.kind_name() {
            "try_statement" => {
                if let Some(body) = node.field("body") {
                    self.unit.scopes.push(Scope {
                        kind: ScopeKind::Try,
                        span: range(body),
                    });
                }
                return;
            }
            "catch_clause" => ScopeKind::CatchAll,
            "finally_clause" => ScopeKind::Finally,
            _ => return,
        };
        self.unit.scopes.push(Scope {
            kind,
            span: range(node),
        });
    }

    /// The function literals passed to `<promise>.finally(...)`: `finally` scopes.
    pub(super) fn promise_finally(&mut self, info: &CallInfo<'t>) {
        if info.callee != "finally" || info.receiver.is_none() {
            return;
        }
        for arg in &info.args {
            let arg = unwrap_expr(*arg);
            if is_function(arg.kind_name()) {
                self.unit.scopes.push(Scope {
                    kind: ScopeKind::Finally,
                    span: range(arg),
                });
            }
        }
    }
}
