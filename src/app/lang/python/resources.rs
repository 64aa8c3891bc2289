//! Python connections: the sites that create one (driver `connect` functions through
//! import aliases, `engine.connect()` / `.begin()` / `.raw_connection()`, pool checkouts),
//! lowered as IR resources with their origin and events (`with`, `closing`, closes and
//! releases, `finally` scopes, returned, stored, handed on), which `core::resources`
//! decides; and pools and engines created per call.

use super::*;

impl<'a> Extractor<'a> {
    /// The call whose argument `p` (an `argument_list`, or a `keyword_argument` in one)
    /// belongs to.
    fn call_of_argument(&self, p: usize) -> Option<usize> {
        let args = if self.kind(p) == "keyword_argument" {
            self.up(p)
        } else {
            Some(p)
        };
        args.and_then(|a| self.up(a))
            .filter(|f| self.kind(*f) == "call")
    }

    // ---- connections ----

    pub(super) fn pool_constructor(&self, func: Node<'a>) -> Option<(&'static str, Recv)> {
        let callee = self.callee_path(func)?;
        POOL_CONSTRUCTORS
            .iter()
            .find(|(path, tail_ok, ..)| Self::path_is(&callee, path, *tail_ok))
            .map(|(_, _, label, kind)| (*label, *kind))
    }

    /// What a call opens, when it opens a connection.
    pub(super) fn connection_api(
        &self,
        call: Node<'a>,
        scope: Option<usize>,
        depth: usize,
    ) -> Option<String> {
        if depth > 16 {
            return None;
        }
        let func = Self::field(call, "function")?;
        if let Some(callee) = self.callee_path(func) {
            if let Some((path, _)) = DRIVER_CONNECT
                .iter()
                .find(|(p, _)| Self::path_is(&callee, p, false))
            {
                return Some(path.to_string());
            }
        }
        if func.kind_name() != "attribute" {
            return None;
        }
        let method = self.field_text(func, "attribute");
        let obj = Self::field(func, "object")?;
        let engine_method = ENGINE_CONNECT_METHODS.contains(&method.as_str());
        let pool_method = POOL_CHECKOUT_METHODS.contains(&method.as_str());
        if !engine_method && !pool_method {
            return None;
        }
        let kinds = self.receiver_kinds(obj, scope, call.start_byte(), depth + 1);
        if engine_method && kinds & Recv::Engine.bit() != 0 {
            return Some(format!("SQLAlchemy engine.{method}()"));
        }
        if pool_method && kinds & Recv::Pool.bit() != 0 {
            return Some(format!("pool.{method}()"));
        }
        None
    }

    pub(super) fn in_with_item(&self, i: usize) -> Option<usize> {
        let e = self.climb(i);
        let p = self.up(e)?;
        match self.kind(p) {
            "with_item" => Some(p),
            "as_pattern" => self.up(p).filter(|w| self.kind(*w) == "with_item"),
            _ => None,
        }
    }

    /// Each connection the file creates, lowered as a resource with its origin and the
    /// events that follow it; `core::resources` decides how it is released.
    pub(super) fn connections(&mut self) {
        for ci in 0..self.call_node.len() {
            let i = self.call_node[ci];
            let node = self.nodes[i];
            let scope = self.fn_of[i];
            let Some(api) = self.connection_api(node, scope, 0) else {
                continue;
            };
            let (variable, origin, mut events) = self.origin_of(i, scope);
            let in_process = DRIVER_CONNECT
                .iter()
                .any(|(path, driver)| *path == api && IN_PROCESS_DRIVERS.contains(driver));
            // A driver's `connect` and a checkout open it as they create it.
            events.insert(
                0,
                ResourceEvent {
                    kind: ResourceEventKind::Open,
                    at: node.start_byte(),
                    end: node.end_byte(),
                    text: None,
                },
            );
            self.unit.resources.push(Resource {
                function: scope,
                api,
                variable,
                origin,
                events,
                start: self.start(node),
                end: self.end(node),
                span: (node.start_byte(), node.end_byte()),
                text: self.short(node, 120),
                in_process,
                lender: None,
            });
        }
        // Helpers that close the connection of a parameter (`cur.connection.close()`,
        // `conn.close()`): what the caller hands them there (`Unit::param_closes`).
        for ci in 0..self.call_node.len() {
            let i = self.call_node[ci];
            let Some(function) = self.fn_of[i] else {
                continue;
            };
            let Some(func) =
                Self::field(self.nodes[i], "function").filter(|f| f.kind_name() == "attribute")
            else {
                continue;
            };
            if !CLOSE_METHODS.contains(&self.field_text(func, "attribute").as_str()) {
                continue;
            }
            let mut object = Self::field(func, "object").map(Self::unwrap);
            if let Some(o) = object.filter(|o| o.kind_name() == "attribute") {
                let member = self.field_text(o, "attribute");
                object = matches!(member.as_str(), "connection" | "conn")
                    .then(|| Self::field(o, "object"))
                    .flatten();
            }
            let Some(name) = object.filter(|o| o.kind_name() == "identifier") else {
                continue;
            };
            let name = self.text(name);
            let position = self
                .unit
                .functions
                .get(function)
                .and_then(|f| f.params.iter().position(|p| p.name == name));
            if let Some(position) = position {
                if !self.unit.param_closes.contains(&(function, position)) {
                    self.unit.param_closes.push((function, position));
                }
            }
        }
        // `finally` blocks, for the closes in them.
        for i in 0..self.nodes.len() {
            if self.kinds[i] == "finally_clause" {
                let node = self.nodes[i];
                self.unit.scopes.push(Scope {
                    kind: ScopeKind::Finally,
                    span: (node.start_byte(), node.end_byte()),
                });
            }
        }
    }

    /// Where the connection created by the call at node `i` goes: the variable holding it,
    /// how it came to be, and, when a variable holds it, what happens to it afterwards.
    fn origin_of(
        &self,
        i: usize,
        scope: Option<usize>,
    ) -> (Option<String>, ResourceOrigin, Vec<ResourceEvent>) {
        if let Some(item) = self.in_with_item(i) {
            let var = self.with_target(item).and_then(|t| self.binding_key(t));
            return (var, ResourceOrigin::Scoped("with".into()), Vec::new());
        }
        let mut e = self.climb(i);
        let mut in_container = false;
        while let Some(p) = self.up(e) {
            if matches!(
                self.kind(p),
                "list" | "tuple" | "set" | "dictionary" | "pair" | "expression_list"
            ) {
                in_container = true;
                e = p;
            } else {
                break;
            }
        }
        let Some(p) = self.up(e) else {
            return (None, ResourceOrigin::Other, Vec::new());
        };
        let end = self.nodes[i].end_byte();
        let passed = ResourceOrigin::Argument {
            owner: None,
            owning: false,
        };
        match self.kind(p) {
            "argument_list" | "keyword_argument" => {
                let Some(f) = self.call_of_argument(p) else {
                    return (None, ResourceOrigin::Other, Vec::new());
                };
                let callee = self.callee_name(self.nodes[f]);
                match callee.as_str() {
                    "closing" | "aclosing" => match self.in_with_item(f) {
                        Some(item) => {
                            let var = self.with_target(item).and_then(|t| self.binding_key(t));
                            let words = format!("with {callee}(...)");
                            (var, ResourceOrigin::Scoped(words), Vec::new())
                        }
                        None => (None, passed, Vec::new()),
                    },
                    "enter_context" | "enter_async_context" => (
                        None,
                        ResourceOrigin::Scoped("registered with ExitStack.enter_context".into()),
                        Vec::new(),
                    ),
                    _ => (None, passed, Vec::new()),
                }
            }
            // Returned, yielded, or the value of a lambda: the caller's.
            "return_statement" | "yield" | "lambda" => (None, ResourceOrigin::Returned, Vec::new()),
            _ if in_container => (None, ResourceOrigin::Field, Vec::new()),
            "assignment" if self.is_field(p, "right", e) => {
                let Some(left) = Self::field(self.nodes[p], "left") else {
                    return (None, ResourceOrigin::Other, Vec::new());
                };
                match left.kind_name() {
                    "identifier" => {
                        let var = self.text(left).to_string();
                        self.held_in(var, scope, end, false)
                    }
                    "attribute" => {
                        let var = self
                            .dotted(left)
                            .unwrap_or_else(|| self.text(left).to_string());
                        self.held_in(var, scope, end, true)
                    }
                    "subscript" => (None, ResourceOrigin::Field, Vec::new()),
                    _ => (None, ResourceOrigin::Other, Vec::new()),
                }
            }
            "named_expression" => {
                let var = self.field_text(self.nodes[p], "name");
                self.held_in(var, scope, end, false)
            }
            _ => (None, ResourceOrigin::Other, Vec::new()),
        }
    }

    /// A connection assigned to `var` at byte `from`: a module-level variable is the
    /// module's for as long as the program runs; anything else is followed through its
    /// events (an attribute, `self.conn = ...`, is stored in a field as it is assigned).
    fn held_in(
        &self,
        var: String,
        scope: Option<usize>,
        from: usize,
        stored: bool,
    ) -> (Option<String>, ResourceOrigin, Vec<ResourceEvent>) {
        let mut events = self.variable_events(&var, scope, from);
        if stored {
            events.insert(
                0,
                ResourceEvent {
                    kind: ResourceEventKind::StoreInField,
                    at: from,
                    end: from,
                    text: Some(var.clone()),
                },
            );
        }
        let origin = if scope.is_none() && events.is_empty() {
            ResourceOrigin::Field
        } else {
            ResourceOrigin::Local
        };
        (Some(var), origin, events)
    }

    pub(super) fn declared_global(&self, var: &str, scope: Option<usize>) -> bool {
        let Some(f) = scope else {
            return false;
        };
        let node = self.nodes[self.fn_node[f]];
        let (lo, hi) = (node.start_byte(), node.end_byte());
        let start = self.fn_node[f];
        (start..self.nodes.len())
            .take_while(|&j| self.nodes[j].start_byte() < hi)
            .filter(|&j| self.nodes[j].start_byte() >= lo)
            .any(|j| {
                matches!(self.kind(j), "global_statement" | "nonlocal_statement")
                    && Self::named_children(self.nodes[j])
                        .iter()
                        .any(|n| self.text(*n) == var)
            })
    }

    /// What happens to `var` in its scope after `from` (byte), in source order: closes
    /// and releases, scopes that release it (`with var:`, `closing(var)`), and the ways
    /// it changes owner (returned, stored, handed to a call that may keep it, global).
    pub(super) fn variable_events(
        &self,
        var: &str,
        scope: Option<usize>,
        from: usize,
    ) -> Vec<ResourceEvent> {
        let mut events = Vec::new();
        let (lo, hi) = match scope {
            Some(f) => self.unit.functions[f].body,
            None => (0, self.src.text.len()),
        };
        let is_attr = var.contains('.');
        let wanted = if is_attr { "attribute" } else { "identifier" };
        let first = scope.map(|f| self.fn_node[f]).unwrap_or(0);
        for j in first..self.nodes.len() {
            if self.kinds[j] != wanted {
                continue;
            }
            let n = self.nodes[j];
            if n.start_byte() >= hi {
                break;
            }
            if n.start_byte() < from.max(lo) {
                continue;
            }
            if scope.is_none() && self.fn_of[j].is_some() {
                continue;
            }
            let matches = if is_attr {
                n.kind_name() == "attribute" && self.dotted(n).as_deref() == Some(var)
            } else {
                n.kind_name() == "identifier"
                    && self.text(n) == var
                    && !self.up(j).is_some_and(|p| {
                        (self.kind(p) == "attribute" && self.is_field(p, "attribute", j))
                            || (self.kind(p) == "keyword_argument" && self.is_field(p, "name", j))
                    })
            };
            if !matches {
                continue;
            }
            // Rebinding / the assignment itself.
            if self
                .up(j)
                .is_some_and(|p| self.kind(p) == "assignment" && self.is_field(p, "left", j))
            {
                continue;
            }
            let mut e = j;
            let mut in_container = false;
            while let Some(p) = self.up(e) {
                match self.kind(p) {
                    "parenthesized_expression"
                    | "await"
                    | "conditional_expression"
                    | "boolean_operator" => e = p,
                    "list" | "tuple" | "set" | "dictionary" | "pair" | "expression_list"
                    | "list_splat" => {
                        in_container = true;
                        e = p;
                    }
                    _ => break,
                }
            }
            let Some(p) = self.up(e) else {
                continue;
            };
            let event = |kind: ResourceEventKind, node: Node<'a>, text: bool| ResourceEvent {
                kind,
                at: node.start_byte(),
                end: node.end_byte(),
                text: text.then(|| self.short(node, 60)),
            };
            let stored = ResourceEventKind::StoreInField;
            match self.kind(p) {
                "attribute" if self.is_field(p, "object", e) => {
                    let method = self.field_text(self.nodes[p], "attribute");
                    let call = self.up(p).filter(|c| self.kind(*c) == "call");
                    if CLOSE_METHODS.contains(&method.as_str()) {
                        if let Some(call) = call {
                            events.push(event(ResourceEventKind::Close, self.nodes[call], true));
                        }
                    }
                    // `return conn.cursor()`: the caller gets the connection inside its
                    // cursor (and closes it through `cur.connection`).
                    let returned = call
                        .filter(|_| method == "cursor")
                        .and_then(|c| self.up(self.climb(c)))
                        .filter(|r| self.kind(*r) == "return_statement");
                    if let Some(r) = returned {
                        events.push(event(ResourceEventKind::Return, self.nodes[r], false));
                    }
                }
                "argument_list" | "keyword_argument" => {
                    let Some(f) = self.call_of_argument(p) else {
                        continue;
                    };
                    let call = self.nodes[f];
                    let callee = self.callee_name(call);
                    let kind = if RELEASE_FUNCTIONS.contains(&callee.as_str()) {
                        ResourceEventKind::Close
                    } else if matches!(callee.as_str(), "closing" | "aclosing")
                        && self.in_with_item(f).is_some()
                    {
                        ResourceEventKind::Scoped(format!("with {callee}(...)"))
                    } else if matches!(callee.as_str(), "enter_context" | "enter_async_context") {
                        ResourceEventKind::Scoped("registered with ExitStack.enter_context".into())
                    } else if !NON_OWNING_FUNCTIONS.contains(&callee.as_str()) {
                        ResourceEventKind::HandedTo { callee }
                    } else {
                        continue;
                    };
                    let text = kind == ResourceEventKind::Close;
                    events.push(event(kind, call, text));
                }
                "with_item" | "as_pattern" if !in_container && self.in_with_item(e).is_some() => {
                    events.push(event(
                        ResourceEventKind::Scoped("with".into()),
                        self.nodes[e],
                        false,
                    ));
                }
                "return_statement" | "yield" | "lambda" => {
                    events.push(event(ResourceEventKind::Return, self.nodes[p], false))
                }
                "assignment" if self.is_field(p, "right", e) => {
                    // `self.conn = conn` names the field; `d[k] = conn`, `x = (conn, y)`
                    // store it in a container.
                    match Self::field(self.nodes[p], "left") {
                        Some(l) if l.kind_name() == "attribute" => events.push(ResourceEvent {
                            text: Some(self.short(l, 60)),
                            ..event(stored, self.nodes[p], false)
                        }),
                        Some(l) if l.kind_name() == "subscript" || in_container => {
                            events.push(event(stored, self.nodes[p], false))
                        }
                        _ => {}
                    }
                }
                _ if in_container => events.push(event(stored, self.nodes[e], false)),
                _ => {}
            }
        }
        if !is_attr && self.declared_global(var, scope) {
            events.push(ResourceEvent {
                kind: ResourceEventKind::StoreInField,
                at: from,
                end: from,
                text: None,
            });
        }
        events
    }

    // ---- per-call pools / engines ----

    pub(super) fn decorators_of(&self, f: usize) -> Vec<String> {
        let node = self.fn_node[f];
        let Some(p) = self
            .up(node)
            .filter(|p| self.kind(*p) == "decorated_definition")
        else {
            return Vec::new();
        };
        Self::named_children(self.nodes[p])
            .into_iter()
            .filter(|d| d.kind_name() == "decorator")
            .map(|d| self.text(d).to_ascii_lowercase())
            .collect()
    }

    pub(super) fn is_setup_function(&self, f: usize) -> bool {
        let name = self.unit.functions[f].name.to_ascii_lowercase();
        SETUP_FUNCTIONS.contains(&name.as_str())
            || SETUP_FUNCTION_PREFIXES.iter().any(|p| name.starts_with(p))
            || self
                .decorators_of(f)
                .iter()
                .any(|d| SETUP_DECORATORS.iter().any(|s| d.contains(s)))
    }

    pub(super) fn per_call_connections(&mut self) {
        if is_test_file(&self.unit.path) || is_run_once_file(&self.unit.path) {
            return;
        }
        for ci in 0..self.call_node.len() {
            let i = self.call_node[ci];
            let Some(f) = self.fn_of[i] else {
                continue;
            };
            let node = self.nodes[i];
            let Some(func) = Self::field(node, "function") else {
                continue;
            };
            let Some((label, _)) = self.pool_constructor(func) else {
                continue;
            };
            // `poolclass=NullPool`: the caller asked for no pool, so none is defeated.
            let no_pool = self
                .keyword_arg(node, &["poolclass"])
                .is_some_and(|v| self.text(v).rsplit('.').next() == Some("NullPool"));
            if self.is_setup_function(f) || no_pool {
                continue;
            }
            // Stored, cached, global or returned: created once / owned elsewhere.
            let e = self.climb(i);
            let Some(p) = self.up(e) else {
                continue;
            };
            let kept = match self.kind(p) {
                "return_statement" | "yield" | "lambda" => true,
                "assignment" if self.is_field(p, "right", e) => {
                    match Self::field(self.nodes[p], "left") {
                        // Kept when it outlives the call: returned (a factory), stored, global.
                        Some(l) if l.kind_name() == "identifier" => {
                            let var = self.text(l).to_string();
                            self.variable_events(&var, Some(f), node.end_byte())
                                .iter()
                                .any(|e| {
                                    matches!(
                                        e.kind,
                                        ResourceEventKind::Return | ResourceEventKind::StoreInField
                                    )
                                })
                        }
                        _ => true,
                    }
                }
                _ => false,
            };
            if kept {
                continue;
            }
            self.unit.per_call.push(PerCall {
                function: f,
                api: label.to_string(),
                start: self.start(node),
                text: self.short(node, 120),
            });
        }
    }
}
