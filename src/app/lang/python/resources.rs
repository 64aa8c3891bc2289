//! Python connections: the sites that create one (driver `connect` functions through
//! import aliases, `engine.connect()` / `.begin()` / `.raw_connection()`, pool checkouts),
//! how each is released (`with`, `closing`, `finally`, returned, stored, handed on), and
//! pools and engines created per call.

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

    pub(super) fn connections(&mut self) {
        for ci in 0..self.call_node.len() {
            let i = self.call_node[ci];
            let node = self.nodes[i];
            let scope = self.fn_of[i];
            let Some(api) = self.connection_api(node, scope, 0) else {
                continue;
            };
            let (variable, disposal) = self.disposal_of(i, scope);
            self.connections.push(ConnectionSite {
                function: scope,
                variable,
                api,
                start: self.start(node),
                end: self.end(node),
                disposal,
                text: self.short(node, 120),
            });
        }
    }

    pub(super) fn disposal_of(&self, i: usize, scope: Option<usize>) -> (Option<String>, Disposal) {
        if let Some(item) = self.in_with_item(i) {
            let var = self.with_target(item).and_then(|t| self.binding_key(t));
            return (var, Disposal::Guaranteed("with".into()));
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
            return (None, Disposal::Never);
        };
        let end = self.nodes[i].end_byte();
        match self.kind(p) {
            "argument_list" | "keyword_argument" => {
                let Some(f) = self.call_of_argument(p) else {
                    return (None, Disposal::Never);
                };
                let callee = self.callee_name(self.nodes[f]);
                match callee.as_str() {
                    "closing" | "aclosing" => match self.in_with_item(f) {
                        Some(item) => {
                            let var = self.with_target(item).and_then(|t| self.binding_key(t));
                            (var, Disposal::Guaranteed(format!("with {callee}(...)")))
                        }
                        None => (None, Disposal::Escapes(format!("passed to {callee}()"))),
                    },
                    "enter_context" | "enter_async_context" => (
                        None,
                        Disposal::Guaranteed("registered with ExitStack.enter_context".into()),
                    ),
                    _ => (None, Disposal::Escapes(format!("passed to {callee}()"))),
                }
            }
            "return_statement" => (None, Disposal::Escapes("returned to the caller".into())),
            "yield" => (None, Disposal::Escapes("yielded to the caller".into())),
            "lambda" => (None, Disposal::Escapes("returned by a lambda".into())),
            _ if in_container => (None, Disposal::Escapes("stored in a container".into())),
            "assignment" if self.is_field(p, "right", e) => {
                let Some(left) = Self::field(self.nodes[p], "left") else {
                    return (None, Disposal::Never);
                };
                match left.kind_name() {
                    "identifier" => {
                        let var = self.text(left).to_string();
                        let d = self.variable_disposal(&var, scope, end, None);
                        (Some(var), d)
                    }
                    "attribute" => {
                        let var = self
                            .dotted(left)
                            .unwrap_or_else(|| self.text(left).to_string());
                        let d = self.variable_disposal(
                            &var,
                            scope,
                            end,
                            Some(format!("stored in {var}")),
                        );
                        (Some(var), d)
                    }
                    "subscript" => (None, Disposal::Escapes("stored in a container".into())),
                    _ => (None, Disposal::Never),
                }
            }
            "named_expression" => {
                let var = self.field_text(self.nodes[p], "name");
                let d = self.variable_disposal(&var, scope, end, None);
                (Some(var), d)
            }
            _ => (None, Disposal::Never),
        }
    }

    pub(super) fn has_finally_ancestor(&self, i: usize) -> bool {
        let mut child = i;
        while let Some(p) = self.up(child) {
            match self.kind(p) {
                "finally_clause" => return true,
                "function_definition" | "class_definition" | "lambda" => return false,
                _ => {}
            }
            child = p;
        }
        false
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

    /// How a connection held in `var` is released in its scope after `from` (byte).
    pub(super) fn variable_disposal(
        &self,
        var: &str,
        scope: Option<usize>,
        from: usize,
        stored: Option<String>,
    ) -> Disposal {
        let uses = self.variable_uses(var, scope, from);
        if let Some(g) = uses.guaranteed {
            Disposal::Guaranteed(g)
        } else if let Some(n) = uses.normal {
            Disposal::NormalPathOnly(n)
        } else if let Some(e) = uses.escapes.into_iter().next().or(stored) {
            Disposal::Escapes(e)
        } else if scope.is_none() {
            Disposal::Escapes("assigned at module level".into())
        } else {
            Disposal::Never
        }
    }

    /// What happens to `var` in its scope after `from` (byte): closes / releases (in a
    /// `finally` or `with`, or not), and the ways it changes owner, in source order.
    pub(super) fn variable_uses(&self, var: &str, scope: Option<usize>, from: usize) -> Uses {
        let mut uses = Uses::default();
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
            match self.kind(p) {
                "attribute" if self.is_field(p, "object", e) => {
                    let method = self.field_text(self.nodes[p], "attribute");
                    if CLOSE_METHODS.contains(&method.as_str()) {
                        if let Some(call) = self.up(p).filter(|c| self.kind(*c) == "call") {
                            let text = self.short(self.nodes[call], 60);
                            if self.has_finally_ancestor(call) {
                                uses.guaranteed
                                    .get_or_insert(format!("closed in finally (`{text}`)"));
                            } else {
                                uses.normal.get_or_insert(format!(
                                    "closed (`{text}`), but not in a finally"
                                ));
                            }
                        }
                    }
                }
                "argument_list" | "keyword_argument" => {
                    let Some(f) = self.call_of_argument(p) else {
                        continue;
                    };
                    let callee = self.callee_name(self.nodes[f]);
                    if RELEASE_FUNCTIONS.contains(&callee.as_str()) {
                        let text = self.short(self.nodes[f], 60);
                        if self.has_finally_ancestor(f) {
                            uses.guaranteed
                                .get_or_insert(format!("released in finally (`{text}`)"));
                        } else {
                            uses.normal.get_or_insert(format!(
                                "released (`{text}`), but not in a finally"
                            ));
                        }
                    } else if matches!(callee.as_str(), "closing" | "aclosing")
                        && self.in_with_item(f).is_some()
                    {
                        uses.guaranteed.get_or_insert(format!("with {callee}(...)"));
                    } else if matches!(callee.as_str(), "enter_context" | "enter_async_context") {
                        uses.guaranteed
                            .get_or_insert("registered with ExitStack.enter_context".into());
                    } else if !NON_OWNING_FUNCTIONS.contains(&callee.as_str()) {
                        uses.escapes.push(format!("passed to {callee}()"));
                    }
                }
                "with_item" | "as_pattern" if !in_container && self.in_with_item(e).is_some() => {
                    uses.guaranteed.get_or_insert("with".into());
                }
                "return_statement" => uses.escapes.push("returned to the caller".into()),
                "yield" => uses.escapes.push("yielded to the caller".into()),
                "lambda" => uses.escapes.push("returned by a lambda".into()),
                "assignment" if self.is_field(p, "right", e) => {
                    let left = Self::field(self.nodes[p], "left");
                    match left.map(|l| l.kind_name()) {
                        Some("attribute") => {
                            let l = left.map(|l| self.short(l, 60)).unwrap_or_default();
                            uses.escapes.push(format!("stored in {l}"));
                        }
                        Some("subscript") => uses.escapes.push("stored in a container".into()),
                        _ if in_container => uses.escapes.push("stored in a container".into()),
                        _ => {}
                    }
                }
                _ if in_container => uses.escapes.push("stored in a container".into()),
                _ => {}
            }
        }
        if !is_attr && self.declared_global(var, scope) {
            uses.escapes.push("stored in a global variable".into());
        }
        uses
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
                            self.variable_uses(&var, Some(f), node.end_byte())
                                .escapes
                                .iter()
                                .any(|why| !why.starts_with("passed to "))
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
