//! What Python variables hold (a cursor, connection, session, engine or pool; an HTTP
//! session; a lazy QuerySet / Query; a string), from assignments, `with` targets and
//! annotations, looked up by scope and position; and the calls assigned to variables.

use super::*;

impl<'a> Extractor<'a> {
    // ---- bindings (what variables hold) ----

    pub(super) fn binding_key(&self, node: Node<'a>) -> Option<String> {
        match node.kind_name() {
            "identifier" => Some(self.text(node).to_string()),
            "attribute" => self.dotted(node),
            _ => None,
        }
    }

    pub(super) fn add_binding(
        &mut self,
        key: String,
        scope: Option<usize>,
        pos: usize,
        value: Option<usize>,
        annotated: Option<BindKind>,
    ) {
        let bi = self.bindings.len();
        self.bindings_by_key.entry(key).or_default().push(bi);
        self.bindings.push(Binding {
            scope,
            pos,
            value,
            annotated,
            kind: BindKind::Other,
        });
    }

    /// The target of `with X as target` for the with item holding `value` (index).
    pub(super) fn with_target(&self, item: usize) -> Option<Node<'a>> {
        let value = Self::field(self.nodes[item], "value")?;
        if value.kind_name() != "as_pattern" {
            return None;
        }
        let alias = Self::field(value, "alias")?;
        Self::inner(alias).filter(|t| matches!(t.kind_name(), "identifier" | "attribute"))
    }

    pub(super) fn annotation_kind(&self, annotation: &str) -> Option<BindKind> {
        if NON_DB_CALLEES.iter().any(|n| annotation.contains(n))
            || annotation.contains("requests.")
            || annotation.contains("aiohttp.")
        {
            return Some(BindKind::NonDb);
        }
        let kinds = [
            ("Cursor", Recv::Cursor),
            ("cursor", Recv::Cursor),
            ("Session", Recv::Session),
            ("Connection", Recv::Connection),
            ("connection", Recv::Connection),
            ("Engine", Recv::Engine),
            ("Pool", Recv::Pool),
        ];
        kinds
            .iter()
            .find(|(n, _)| annotation.contains(n))
            .map(|(_, r)| BindKind::Recv(r.bit()))
    }

    pub(super) fn bindings(&mut self) {
        for i in 0..self.nodes.len() {
            let node = self.nodes[i];
            match self.kinds[i] {
                "assignment" => {
                    let (Some(left), Some(mut right)) =
                        (Self::field(node, "left"), Self::field(node, "right"))
                    else {
                        continue;
                    };
                    for _ in 0..16 {
                        if right.kind_name() != "assignment" {
                            break;
                        }
                        match Self::field(right, "right") {
                            Some(r) => right = r,
                            None => break,
                        }
                    }
                    if let (Some(key), Some(v)) = (self.binding_key(left), self.idx(right)) {
                        self.add_binding(key, self.fn_of[i], node.end_byte(), Some(v), None);
                    }
                }
                "named_expression" => {
                    if let (Some(name), Some(value)) =
                        (Self::field(node, "name"), Self::field(node, "value"))
                    {
                        if let Some(v) = self.idx(value) {
                            self.add_binding(
                                self.text(name).to_string(),
                                self.fn_of[i],
                                node.end_byte(),
                                Some(v),
                                None,
                            );
                        }
                    }
                }
                "with_item" => {
                    let Some(target) = self.with_target(i) else {
                        continue;
                    };
                    let value = Self::field(node, "value")
                        .and_then(Self::inner)
                        .and_then(|v| self.idx(v));
                    if let (Some(key), Some(v)) = (self.binding_key(target), value) {
                        self.add_binding(key, self.fn_of[i], node.end_byte(), Some(v), None);
                    }
                }
                "typed_parameter" | "typed_default_parameter" => {
                    let name = if node.kind_name() == "typed_parameter" {
                        Self::named_children(node)
                            .into_iter()
                            .next()
                            .filter(|n| n.kind_name() == "identifier")
                    } else {
                        Self::field(node, "name")
                    };
                    let (Some(name), Some(ty)) = (name, Self::field(node, "type")) else {
                        continue;
                    };
                    let Some(kind) = self.annotation_kind(self.text(ty)) else {
                        continue;
                    };
                    // The parameter belongs to the function whose `parameters` hold it.
                    let Some(func) = self
                        .up(i)
                        .and_then(|p| self.up(p))
                        .filter(|f| self.kind(*f) == "function_definition")
                    else {
                        continue;
                    };
                    let Some(fi) = self.fn_node.iter().position(|&n| n == func) else {
                        continue;
                    };
                    let pos = Self::field(self.nodes[func], "body")
                        .map(|b| b.start_byte())
                        .unwrap_or(node.end_byte());
                    self.add_binding(self.text(name).to_string(), Some(fi), pos, None, Some(kind));
                }
                _ => {}
            }
        }
        let mut order: Vec<usize> = (0..self.bindings.len()).collect();
        order.sort_by_key(|&b| self.bindings[b].pos);
        // Two rounds: the second sees module-level and class-wide bindings made later in the file.
        for _ in 0..2 {
            self.values.borrow_mut().clear();
            for &b in &order {
                let kind = match (self.bindings[b].annotated, self.bindings[b].value) {
                    (Some(k), _) => k,
                    (None, Some(v)) => self.classify_value(v, self.bindings[b].scope),
                    (None, None) => BindKind::Other,
                };
                self.bindings[b].kind = kind;
            }
        }
        self.values.borrow_mut().clear();
    }

    /// The binding of `key` visible at byte `at` in `scope`: the latest one before `at` in
    /// the same function, then (for `self.x`) one in a method of the same class, then a
    /// module-level one.
    pub(super) fn lookup(&self, key: &str, scope: Option<usize>, at: usize) -> Option<&Binding> {
        let list = self.bindings_by_key.get(key)?;
        let same = list
            .iter()
            .map(|&b| &self.bindings[b])
            .filter(|b| b.scope == scope && b.pos <= at)
            .max_by_key(|b| b.pos);
        if same.is_some() {
            return same;
        }
        if key.starts_with("self.") || key.starts_with("cls.") {
            let class = scope.and_then(|f| self.class_name_of(f));
            if class.is_some() {
                let found = list.iter().map(|&b| &self.bindings[b]).rfind(|b| {
                    b.scope.is_some_and(|f| self.class_name_of(f) == class)
                        && b.kind != BindKind::Other
                });
                if found.is_some() {
                    return found;
                }
            }
        }
        if scope.is_some() {
            let module: Vec<&Binding> = list
                .iter()
                .map(|&b| &self.bindings[b])
                .filter(|b| b.scope.is_none())
                .collect();
            return module
                .iter()
                .rev()
                .find(|b| b.kind != BindKind::Other)
                .or(module.last())
                .copied();
        }
        None
    }

    pub(super) fn classify_value(&self, v: usize, scope: Option<usize>) -> BindKind {
        let node = Self::unwrap(self.nodes[v]);
        let Some(i) = self.idx(node) else {
            return BindKind::Other;
        };
        if let Some(&c) = self.cand_of.get(&i) {
            return BindKind::Str(c);
        }
        match node.kind_name() {
            "call" => {
                if let Some(c) = self.sql_wrapped_candidate(node) {
                    return BindKind::Str(c);
                }
                match self.call_value(node, scope, 0) {
                    Some(0) => return BindKind::NonDb,
                    Some(k) => return BindKind::Recv(k),
                    None => {}
                }
                let chain = self.classify_chain(node);
                if let (Some(ChainClass::Lazy(_)), Some(&ci)) = (chain, self.call_of.get(&i)) {
                    return BindKind::Lazy(ci);
                }
                BindKind::Other
            }
            "identifier" | "attribute" => {
                let Some(key) = self.dotted(node) else {
                    return BindKind::Other;
                };
                if Self::non_db_receiver(&key) {
                    return BindKind::NonDb;
                }
                match self.lookup(&key, scope, node.start_byte()) {
                    Some(b) => b.kind,
                    None => BindKind::Other,
                }
            }
            _ => BindKind::Other,
        }
    }

    /// `text("...")` / `sql.SQL("...")` / `dedent("""...""")`: the inner candidate.
    pub(super) fn sql_wrapped_candidate(&self, call: Node<'a>) -> Option<usize> {
        let name = self.callee_name(call);
        if !SQL_WRAPPERS.contains(&name.as_str()) {
            return None;
        }
        let first = Self::unwrap(*Self::positional_args(call).first()?);
        self.idx(first).and_then(|i| self.cand_of.get(&i).copied())
    }

    pub(super) fn non_db_receiver(key: &str) -> bool {
        NON_DB_RECEIVER_SUFFIXES
            .iter()
            .any(|s| key == *s || key.ends_with(&format!(".{s}")))
    }

    pub(super) fn module_of_name_is_non_db(&self, name: &str) -> bool {
        self.imports
            .get(name)
            .is_some_and(|m| NON_DB_MODULES.contains(&m.split('.').next().unwrap_or("")))
    }

    /// What the value of a call holds: Some(kinds) (Some(0): explicitly not a database
    /// object), or None when the call says nothing.
    pub(super) fn call_value(
        &self,
        call: Node<'a>,
        scope: Option<usize>,
        depth: usize,
    ) -> Option<u8> {
        if depth > 16 {
            return None;
        }
        if let Some(v) = self.values.borrow().get(&call.id()) {
            return *v;
        }
        let v = self.call_value_uncached(call, scope, depth);
        self.values.borrow_mut().insert(call.id(), v);
        v
    }

    pub(super) fn call_value_uncached(
        &self,
        call: Node<'a>,
        scope: Option<usize>,
        depth: usize,
    ) -> Option<u8> {
        let func = Self::field(call, "function")?;
        let name = self.callee_name(call);
        if let Some(path) = self.resolve_path(func) {
            if NON_DB_MODULES.contains(&path.split('.').next().unwrap_or("")) {
                return Some(0);
            }
        }
        if NON_DB_CALLEES.contains(&name.as_str()) {
            return Some(0);
        }
        if name == "cursor" {
            return Some(Recv::Cursor.bit());
        }
        if self.connection_api(call, scope, depth + 1).is_some() {
            return Some(Recv::Connection.bit());
        }
        // `x.connect(...)` of any driver: a connection (a connection site only for the
        // drivers of `DRIVER_CONNECT`).
        if name == "connect" {
            return Some(Recv::Connection.bit());
        }
        if let Some((_, kind)) = self.pool_constructor(func) {
            return Some(kind.bit());
        }
        let callee_text = if func.kind_name() == "call" {
            self.short(func, 80)
        } else {
            name.clone()
        };
        if callee_text.to_ascii_lowercase().contains("session") {
            return Some(Recv::Session.bit());
        }
        if VERB_SENSITIVE.contains(&name.as_str()) && func.kind_name() == "attribute" {
            if let Some(obj) = Self::field(func, "object") {
                let k = self.receiver_kinds(obj, scope, call.start_byte(), depth + 1);
                if k & (Recv::Cursor.bit() | Recv::Connection.bit()) != 0 {
                    return Some(Recv::Cursor.bit());
                }
            }
        }
        let k = factory_name_kinds(&name);
        (k != 0).then_some(k)
    }

    /// The kinds a receiver expression may hold.
    pub(super) fn receiver_kinds(
        &self,
        expr: Node<'a>,
        scope: Option<usize>,
        at: usize,
        depth: usize,
    ) -> u8 {
        let e = Self::unwrap(expr);
        match e.kind_name() {
            "identifier" | "attribute" => {
                if let Some(key) = self.dotted(e) {
                    if Self::non_db_receiver(&key) {
                        return 0;
                    }
                    if let Some(b) = self.lookup(&key, scope, at) {
                        match b.kind {
                            BindKind::Recv(k) => return k,
                            BindKind::NonDb => return 0,
                            _ => {}
                        }
                    }
                    if e.kind_name() == "identifier" && self.module_of_name_is_non_db(&key) {
                        return 0;
                    }
                }
                let name = if e.kind_name() == "identifier" {
                    self.text(e).to_string()
                } else {
                    self.field_text(e, "attribute")
                };
                name_kinds(&name)
            }
            "call" => self.call_value(e, scope, depth + 1).unwrap_or(0),
            _ => 0,
        }
    }

    // ---- assignments ----

    pub(super) fn assignments(&mut self) {
        for i in 0..self.nodes.len() {
            let node = self.nodes[i];
            let (target, value) = match self.kinds[i] {
                "assignment" => (Self::field(node, "left"), Self::field(node, "right")),
                "named_expression" => (Self::field(node, "name"), Self::field(node, "value")),
                "with_item" => (
                    self.with_target(i),
                    Self::field(node, "value").and_then(Self::inner),
                ),
                _ => continue,
            };
            let (Some(target), Some(value)) = (target, value) else {
                continue;
            };
            let Some(variable) = self.binding_key(target) else {
                continue;
            };
            let value = Self::unwrap(value);
            if value.kind_name() != "call" {
                continue;
            }
            let Some(&ci) = self.idx(value).and_then(|v| self.call_of.get(&v)) else {
                continue;
            };
            self.assigned.push((i, variable, ci));
        }
    }
}
