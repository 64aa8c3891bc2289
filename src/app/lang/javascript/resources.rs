//! Connections: where one is created or checked out (a pool or client constructor, a
//! `createConnection` / `connect` / `getConnection` call) and how it is released (`finally`,
//! `using`, try and catch both, the normal path only, returned, stored, passed on, or never).

use tree_sitter::Node;

use super::catalogue::*;
use super::{call_function, children, is_function, unwrap_expr, words, CallInfo, Ctx, Extractor};
use crate::app::ir::{ConnectionSite, Disposal, PerCallConnection};
use crate::app::lang::common::{FieldExt, KindExt};
use crate::app::lang::tree::named_children;

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

    /// Records a creation: its variable, disposal, and (inside a function, not escaping) a
    /// per-call connection. `callback`: (callback scope, its connection parameter, its release
    /// parameter) for callback-style checkouts.
    fn connection(
        &mut self,
        node: Node<'t>,
        ctx: &Ctx<'t>,
        site_api: Option<&str>,
        per_call_api: Option<&str>,
        callback: Option<(Node<'t>, Option<String>, Option<String>)>,
    ) {
        let (variable, disposal) = match callback {
            Some((scope, variable, release)) => match &variable {
                Some(v) => (
                    variable.clone(),
                    self.uses_disposal(v, scope, scope.start_byte(), release.as_deref(), false),
                ),
                None => (None, Disposal::Never),
            },
            None => self.disposal(node, ctx),
        };
        // `new Client(config)` only read (`client.database`), never connected nor queried.
        let never_opened = disposal == Disposal::Never
            && site_api.is_some_and(|api| OPENED_BY_CONNECT.contains(&api))
            && variable
                .as_deref()
                .is_some_and(|v| !self.calls_on(v, ctx.scope, &["connect", "query"]));
        let disposal = if never_opened {
            Disposal::NeverOpened
        } else {
            disposal
        };
        if let Some(api) = site_api {
            self.file.connections.push(ConnectionSite {
                function: ctx.function,
                variable,
                api: api.to_string(),
                start: self.src.start(node),
                end: self.src.end(node),
                disposal: disposal.clone(),
                text: self.short(node, 120),
                in_process: false,
            });
        }
        if let (Some(api), Some(function)) = (per_call_api, ctx.function) {
            if !matches!(disposal, Disposal::Escapes(_)) {
                self.file.per_call_connections.push(PerCallConnection {
                    function,
                    api: api.to_string(),
                    start: self.src.start(node),
                    text: self.short(node, 120),
                });
            }
        }
    }

    /// Where a creation's result goes, and how it is released.
    fn disposal(&self, node: Node<'t>, ctx: &Ctx<'t>) -> (Option<String>, Disposal) {
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
        let Some((child, parent)) = self.logical_parent(holder) else {
            return (None, Disposal::Never);
        };
        let variable = match parent.kind_name() {
            "variable_declarator" if parent.field("value") == Some(child) => {
                let Some(name) = parent
                    .field("name")
                    .filter(|n| n.kind_name() == "identifier")
                else {
                    return (None, Disposal::Never);
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
                        return (Some(name), Disposal::Guaranteed(detail.into()));
                    }
                    if decl
                        .parent()
                        .is_some_and(|e| e.kind_name() == "export_statement")
                    {
                        return (Some(name), Disposal::Escapes("exported".into()));
                    }
                }
                name
            }
            "assignment_expression" | "augmented_assignment_expression"
                if parent.field("right") == Some(child) =>
            {
                let Some(left) = parent.field("left") else {
                    return (None, Disposal::Never);
                };
                match left.kind_name() {
                    "identifier" => {
                        let name = self.text(left).to_string();
                        if !module_level && !self.declared_in(&name, ctx.scope) {
                            let d =
                                self.uses_disposal(&name, ctx.scope, node.end_byte(), None, true);
                            return (Some(name.clone()), d);
                        }
                        name
                    }
                    _ => {
                        let text = self.short(left, 80);
                        return (
                            Some(text.clone()),
                            Disposal::Escapes(format!("stored in {text}")),
                        );
                    }
                }
            }
            "return_statement" => return (None, Disposal::Escapes("returned".into())),
            "arrow_function" => return (None, Disposal::Escapes("returned".into())),
            "arguments" => {
                let callee = parent
                    .parent()
                    .map(|c| self.callee_text(c))
                    .unwrap_or_default();
                return (None, Disposal::Escapes(format!("passed to {callee}()")));
            }
            "pair" | "array" | "spread_element" => {
                return (None, Disposal::Escapes("stored in an object".into()))
            }
            "yield_expression" => return (None, Disposal::Escapes("yielded".into())),
            _ => return (None, Disposal::Never),
        };
        let scope = if module_level { self.root } else { ctx.scope };
        let disposal = self.uses_disposal(&variable, scope, node.end_byte(), None, module_level);
        (Some(variable), disposal)
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

    /// Classifies the uses of `variable` in `scope` after byte `from`: released in a finally
    /// (or a promise `.finally`) -> Guaranteed; escaping -> Escapes; released otherwise ->
    /// NormalPathOnly; else Never (Escapes for module-level variables: they live on).
    fn uses_disposal(
        &self,
        variable: &str,
        scope: Node<'t>,
        from: usize,
        release_param: Option<&str>,
        module_level: bool,
    ) -> Disposal {
        let mut guaranteed: Option<String> = None;
        let mut escapes: Option<String> = None;
        let mut normal: Option<String> = None;
        let mut normal_releases: Vec<Node<'t>> = Vec::new();
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
                escapes.get_or_insert_with(|| "stored in an object".into());
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
            let mut release: Option<(Node, String)> = None;
            match parent.kind_name() {
                "member_expression" if parent.field("object") == Some(child) => {
                    let prop = parent.field("property").map(|p| self.text(p)).unwrap_or("");
                    if CLOSE_METHODS.contains(&prop) {
                        if let Some(call) = self
                            .parent(parent)
                            .filter(|c| c.kind_name() == "call_expression")
                        {
                            let verb = if prop == "release" {
                                "released"
                            } else {
                                "closed"
                            };
                            release = Some((call, format!("{verb} with {variable}.{prop}()")));
                        }
                    }
                }
                "arguments" => {
                    if let Some(call) = self.parent(parent) {
                        let callee = self.callee_text(call);
                        let last = callee.rsplit('.').next().unwrap_or("");
                        if CLOSE_METHODS.contains(&last) || RELEASE_BY_ARGUMENT.contains(&last) {
                            release = Some((call, format!("released with {callee}({variable})")));
                        } else if !callee.starts_with("console.") {
                            escapes.get_or_insert_with(|| format!("passed to {callee}()"));
                        }
                    }
                }
                "return_statement" => {
                    escapes.get_or_insert_with(|| "returned".into());
                }
                "arrow_function" if parent.field("body") == Some(child) => {
                    escapes.get_or_insert_with(|| "returned".into());
                }
                "yield_expression" => {
                    escapes.get_or_insert_with(|| "yielded".into());
                }
                "pair" | "array" | "spread_element" => {
                    escapes.get_or_insert_with(|| "stored in an object".into());
                }
                "assignment_expression" if parent.field("right") == Some(child) => {
                    if let Some(left) = parent.field("left") {
                        if left.kind_name() != "identifier"
                            || !self.declared_in(self.text(left), scope)
                        {
                            escapes.get_or_insert_with(|| {
                                format!("stored in {}", self.short(left, 60))
                            });
                        }
                    }
                }
                _ => {}
            }
            if let Some((call, detail)) = release {
                // Taken and released in the next statement: nothing in between can throw.
                let right_after = self
                    .src
                    .text
                    .get(from..call.start_byte())
                    .is_some_and(|between| between.chars().all(|c| c.is_whitespace() || c == ';'));
                if self.in_finally(call, scope) {
                    guaranteed.get_or_insert_with(|| format!("{detail} in finally"));
                } else if right_after {
                    guaranteed.get_or_insert_with(|| format!("{detail} right after it was taken"));
                } else {
                    normal.get_or_insert(detail);
                    normal_releases.push(call);
                }
            }
        }
        // Released at the end of a try block and in its catch: every path releases.
        if guaranteed.is_none() && self.released_in_try_and_catch(&normal_releases, scope) {
            guaranteed = Some("released in both try and catch".into());
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
                    if self.in_finally(n, scope) {
                        guaranteed
                            .get_or_insert_with(|| format!("released with {param}() in finally"));
                    } else if self.first_in_completion_callback(n, variable) {
                        guaranteed.get_or_insert_with(|| {
                            format!("released with {param}() first in the query's callback, which runs on error too")
                        });
                    } else {
                        normal.get_or_insert_with(|| format!("released with {param}()"));
                    }
                }
            }
        }
        if let Some(d) = guaranteed {
            Disposal::Guaranteed(d)
        } else if let Some(d) = escapes {
            Disposal::Escapes(d)
        } else if module_level {
            Disposal::Escapes(format!("module-level variable {variable}"))
        } else if let Some(d) = normal {
            Disposal::NormalPathOnly(format!("{d}, but not in a finally"))
        } else {
            Disposal::Never
        }
    }

    /// Whether `scope` calls one of `methods` on `variable` (`client.connect()`).
    fn calls_on(&self, variable: &str, scope: Node<'t>, methods: &[&str]) -> bool {
        let mut stack = vec![scope];
        while let Some(n) = stack.pop() {
            if n.kind_name() == "call_expression" {
                let called = call_function(n).map(|(f, _)| f).filter(|f| {
                    f.kind_name() == "member_expression"
                        && f.field("object").is_some_and(|o| self.text(o) == variable)
                        && f.field("property")
                            .is_some_and(|p| methods.contains(&self.text(p)))
                });
                if called.is_some() {
                    return true;
                }
            }
            stack.extend(children(n));
        }
        false
    }

    /// `client.query(sql, (err, result) => { release(); … })`: the release is the first
    /// statement of the completion callback of a query on the checked-out `variable`, which
    /// node-style drivers call on success and on error alike.
    fn first_in_completion_callback(&self, release: Node<'t>, variable: &str) -> bool {
        let statement = release
            .parent()
            .filter(|p| p.kind_name() == "expression_statement");
        let block = statement
            .and_then(|s| s.parent())
            .filter(|b| b.kind_name() == "statement_block");
        let first = block.and_then(|b| {
            named_children(b)
                .into_iter()
                .find(|c| c.kind_name() != "comment")
        });
        let callback = block.and_then(|b| b.parent()).filter(|f| {
            matches!(
                f.kind_name(),
                "arrow_function" | "function_expression" | "function"
            )
        });
        let query = callback
            .and_then(|f| f.parent())
            .filter(|a| a.kind_name() == "arguments")
            .and_then(|a| a.parent())
            .and_then(|c| call_function(c).map(|(f, _)| f))
            .filter(|f| f.kind_name() == "member_expression");
        let on_variable = query.is_some_and(|f| {
            f.field("object").is_some_and(|o| self.text(o) == variable)
                && f.field("property").is_some_and(|p| self.text(p) == "query")
        });
        on_variable && first.is_some() && first == statement
    }

    /// Some release sits in a `catch` clause whose `try` block also holds a release.
    fn released_in_try_and_catch(&self, releases: &[Node<'t>], scope: Node<'t>) -> bool {
        let ancestor_of_kind = |node: Node<'t>, kind: &str| -> Option<Node<'t>> {
            let mut current = self.parent(node);
            while let Some(n) = current {
                if n == scope || is_function(n.kind_name()) {
                    return None;
                }
                if n.kind_name() == kind {
                    return Some(n);
                }
                current = self.parent(n);
            }
            None
        };
        releases.iter().any(|&r| {
            let Some(catch) = ancestor_of_kind(r, "catch_clause") else {
                return false;
            };
            let Some(body) = self.parent(catch).and_then(|t| t.field("body")) else {
                return false;
            };
            releases.iter().any(|&other| {
                other.start_byte() >= body.start_byte() && other.end_byte() <= body.end_byte()
            })
        })
    }

    /// Inside a `finally` block, or a callback passed to `.finally(...)`, within `scope`.
    fn in_finally(&self, node: Node, scope: Node) -> bool {
        let mut current = self.parent(node);
        while let Some(n) = current {
            if n == scope {
                return false;
            }
            if n.kind_name() == "finally_clause" {
                return true;
            }
            if is_function(n.kind_name()) {
                if let Some((_, args)) = self.logical_parent(n) {
                    if args.kind_name() == "arguments" {
                        if let Some(call) = self.parent(args) {
                            if call_function(call)
                                .is_some_and(|(f, _)| self.split_name(f).1 == "finally")
                            {
                                return true;
                            }
                        }
                    }
                }
            }
            current = self.parent(n);
        }
        false
    }
}
