//! Which Python calls reach the database: ORM chains read structurally (Django managers
//! and QuerySets, SQLAlchemy `session.query(...)`, Flask-SQLAlchemy `Model.query`), the
//! catalogue's receiver methods and functions, lazy chains evaluated by a loop or a wrapper,
//! and Django related managers and instance writes on loop variables.

use super::*;

impl<'a> Extractor<'a> {
    // ---- ORM chains ----

    pub(super) fn model_before(&self, chain: &Chain<'a>, k: usize) -> bool {
        if k == 0 {
            return match &chain.root {
                Some(r) if chain.root_is_call => {
                    matches!(r.as_str(), "get_user_model" | "get_model")
                }
                Some(r) => is_capitalised(r) || r == "cls",
                None => false,
            };
        }
        let prev = &chain.elems[k - 1];
        match prev.call {
            None => is_capitalised(&prev.name) || prev.name == "model",
            Some(_) => matches!(prev.name.as_str(), "get_model" | "get_user_model"),
        }
    }

    pub(super) fn django_tail(tail: &[Elem<'a>], family: &'static str) -> Option<ChainClass> {
        let (last, middle) = tail.split_last()?;
        if tail.iter().any(|e| e.call.is_none())
            || middle
                .iter()
                .any(|e| !DJANGO_LAZY.contains(&e.name.as_str()))
        {
            return None;
        }
        if DJANGO_LAZY.contains(&last.name.as_str()) {
            return Some(ChainClass::Lazy(family));
        }
        DJANGO_EVAL
            .iter()
            .find(|(m, _)| *m == last.name)
            .map(|(m, db)| ChainClass::Eval(*db, format!("{family} {m}()")))
    }

    pub(super) fn sqla_tail(
        tail: &[Elem<'a>],
        family: &'static str,
        lazy_when_single: bool,
    ) -> Option<ChainClass> {
        let (last, middle) = tail.split_last()?;
        if tail.iter().any(|e| e.call.is_none()) {
            return None;
        }
        let is_materialiser = |name: &str| SQLA_MATERIALISERS.iter().any(|(m, _)| *m == name);
        if middle.iter().any(|e| is_materialiser(&e.name)) {
            return None;
        }
        if lazy_when_single && middle.is_empty() {
            return Some(ChainClass::Lazy(family));
        }
        match SQLA_MATERIALISERS.iter().find(|(m, _)| *m == last.name) {
            Some((m, db)) => Some(ChainClass::Eval(*db, format!("{family} Query.{m}()"))),
            None => Some(ChainClass::Lazy(family)),
        }
    }

    pub(super) fn classify_chain(&self, call: Node<'a>) -> Option<ChainClass> {
        if call.kind_name() != "call" {
            return None;
        }
        let chain = self.chain_of(call);
        if chain.elems.last().and_then(|e| e.call).map(|c| c.id()) != Some(call.id()) {
            return None;
        }
        let scope = self.idx(call).and_then(|i| self.fn_of[i]);
        for k in 0..chain.elems.len() {
            let e = &chain.elems[k];
            // Django: Model.objects...
            if e.call.is_none()
                && DJANGO_MANAGERS.contains(&e.name.as_str())
                && self.model_before(&chain, k)
            {
                return Self::django_tail(&chain.elems[k + 1..], "Django");
            }
            // Django custom manager: Model.active.filter(...)...
            if e.call.is_none()
                && self.uses_django
                && e.name != "query"
                && e.name
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_lowercase())
                && self.model_before(&chain, k)
                && chain
                    .elems
                    .get(k + 1)
                    .is_some_and(|n| n.call.is_some() && DJANGO_LAZY.contains(&n.name.as_str()))
            {
                return Self::django_tail(&chain.elems[k + 1..], "Django");
            }
            // Flask-SQLAlchemy: Model.query...
            if e.call.is_none()
                && e.name == "query"
                && self.model_before(&chain, k)
                && !self.uses_django
            {
                return Self::sqla_tail(&chain.elems[k + 1..], "Flask-SQLAlchemy", false);
            }
            // SQLAlchemy: session.query(...)...
            if e.name == "query" {
                if let Some(qcall) = e.call {
                    let obj = Self::field(qcall, "function").and_then(|f| Self::field(f, "object"));
                    if let Some(obj) = obj {
                        if self.receiver_kinds(obj, scope, qcall.start_byte(), 0)
                            & Recv::Session.bit()
                            != 0
                        {
                            return Self::sqla_tail(&chain.elems[k..], "SQLAlchemy", true);
                        }
                    }
                }
            }
        }
        None
    }

    // ---- database calls ----

    pub(super) fn is_model_arg(&self, call: Node<'a>) -> bool {
        let args = Self::positional_args(call);
        args.len() >= 2
            && match args[0].kind_name() {
                "identifier" => is_capitalised(self.text(args[0])),
                "attribute" => is_capitalised(&self.field_text(args[0], "attribute")),
                _ => false,
            }
    }

    pub(super) fn sqla_statement_arg(
        &self,
        call: Node<'a>,
    ) -> Option<(&'static str, Option<DbCall>)> {
        let first = Self::unwrap(*Self::positional_args(call).first()?);
        if first.kind_name() != "call" {
            return None;
        }
        // The construct may be chained: select(User).where(...).
        let chain = self.chain_of(first);
        let root = chain.root.as_deref().filter(|_| chain.root_is_call)?;
        let base = |n: &str| n.rsplit('.').next().unwrap_or(n).to_string();
        if root == "text" {
            return Some(("text", None));
        }
        SQLA_STATEMENTS
            .iter()
            .find(|(n, _)| *n == base(root))
            .map(|(n, db)| (*n, Some(*db)))
    }

    pub(super) fn classify_call(&self, ci: usize) -> Option<(DbCall, String, SqlArg)> {
        let i = self.call_node[ci];
        let node = self.nodes[i];
        let scope = self.fn_of[i];
        let func = Self::field(node, "function")?;
        if let Some(ChainClass::Eval(db, api)) = &self.chain_class[ci] {
            return Some((*db, api.clone(), SqlArg::None));
        }
        if let Some(callee) = self.callee_path(func) {
            for &(path, tail_ok, db, api, sql) in FUNCTIONS {
                if Self::path_is(&callee, path, tail_ok) {
                    return Some((db, api.to_string(), sql));
                }
            }
        }
        if func.kind_name() != "attribute" {
            return None;
        }
        let method = self.field_text(func, "attribute");
        let obj = Self::field(func, "object")?;
        if method == "to_sql"
            && (Self::positional_args(node).len() >= 2
                || self.keyword_arg(node, &["con"]).is_some())
        {
            return Some((
                DbCall::Execute,
                "pandas DataFrame.to_sql".into(),
                SqlArg::None,
            ));
        }
        if let Some(api) = self.loaded_query(node, obj, &method, scope) {
            return Some((DbCall::Query, api, SqlArg::None));
        }
        if !RECEIVER_METHODS.iter().any(|(_, m, ..)| *m == method) {
            return None;
        }
        let kinds = self.receiver_kinds(obj, scope, node.start_byte(), 0);
        for &(recv, m, db, api, sql) in RECEIVER_METHODS {
            if m != method || kinds & recv.bit() == 0 {
                continue;
            }
            if recv == Recv::Session && m == "get" && !self.is_model_arg(node) {
                continue;
            }
            let mut api = api.to_string();
            if recv == Recv::Connection && self.sqla_statement_arg(node).is_some() {
                api = format!("SQLAlchemy connection.{m}");
            }
            return Some((db, api, sql));
        }
        None
    }

    /// A statement a query loader (`QUERY_LOADERS`, aiosql) loaded, run on a connection:
    /// `queries.get_tags(conn, ...)` where `queries` is assigned from the loader in this
    /// file, or imported by name (`from app.db.queries import queries`: the loader is in
    /// another file) and handed a connection, cursor or pool first.
    fn loaded_query(
        &self,
        call: Node<'a>,
        obj: Node<'a>,
        method: &str,
        scope: Option<usize>,
    ) -> Option<String> {
        let obj = Self::unwrap(obj);
        if obj.kind_name() != "identifier" {
            return None;
        }
        let name = self.text(obj);
        let loaded_here = self
            .lookup(name, scope, call.start_byte())
            .and_then(|b| b.value)
            .map(|v| Self::unwrap(self.nodes[v]))
            .filter(|v| v.kind_name() == "call")
            .and_then(|v| Self::field(v, "function"))
            .and_then(|f| self.callee_path(f))
            .is_some_and(|(path, _)| QUERY_LOADERS.contains(&path.as_str()));
        if loaded_here {
            return Some(format!("aiosql query {name}.{method}"));
        }
        let first = Self::unwrap(Self::positional_args(call).first().copied()?);
        let connection = Recv::Connection.bit() | Recv::Cursor.bit() | Recv::Pool.bit();
        let imported_by_name = self.imports.get(name).is_some_and(|p| p.contains('.'));
        // A loop's variable named `connection` is an element of something (an XML node, a
        // settings entry), not a database connection taken by name.
        let loop_variable =
            first.kind_name() == "identifier" && self.is_loop_variable(first, self.text(first));
        (imported_by_name
            && !loop_variable
            && !CONNECTION_UPKEEP.contains(&method)
            && self.receiver_kinds(first, scope, call.start_byte(), 0) & connection != 0)
            .then(|| format!("loaded query {name}.{method} (handed a connection)"))
    }

    /// Whether `name` is bound by a `for` loop or comprehension around `node`.
    fn is_loop_variable(&self, node: Node<'a>, name: &str) -> bool {
        let mut current = node.parent();
        for _ in 0..200 {
            let Some(n) = current else {
                return false;
            };
            let target = match n.kind_name() {
                "for_statement" | "for_in_clause" => Self::field(n, "left"),
                "function_definition" | "lambda" | "class_definition" => return false,
                _ => None,
            };
            if target.is_some_and(|t| {
                let mut names = Vec::new();
                Self::identifiers_in(t, &mut names);
                names.iter().any(|n| self.text(*n) == name)
            }) {
                return true;
            }
            current = n.parent();
        }
        false
    }

    pub(super) fn db_calls(&mut self) {
        for ci in 0..self.call_node.len() {
            if let Some((db, api, _)) = self.classify_call(ci) {
                if let Some(call) = self.unit.calls.get_mut(ci) {
                    call.role = CallRole::Database { kind: db, api };
                }
            }
        }
    }

    pub(super) fn mark(&mut self, ci: usize, db: DbCall, api: String) {
        if let Some(call) = self.unit.calls.get_mut(ci) {
            if call.role == CallRole::Plain {
                call.role = CallRole::Database { kind: db, api };
            }
        }
    }

    pub(super) fn lazy_family(&self, ci: usize) -> Option<&'static str> {
        match &self.chain_class[ci] {
            Some(ChainClass::Lazy(f)) => Some(f),
            _ => None,
        }
    }

    /// Lazy QuerySets / Queries evaluated by a loop, a comprehension or a wrapper.
    pub(super) fn lazy_evaluations(&mut self) {
        for li in 0..self.unit.loops.len() {
            let lp = &self.unit.loops[li];
            if let Some(sc) = self.loop_source_call(li) {
                if let Some(family) = self.lazy_family(sc) {
                    self.mark(
                        sc,
                        DbCall::Query,
                        format!("{family} query iterated by a loop"),
                    );
                }
            } else if let Some(var) = self.loop_source_var(li).map(str::to_string) {
                let at = lp.span.0;
                let scope = lp.function;
                if let Some(BindKind::Lazy(bc)) = self.lookup(&var, scope, at).map(|b| b.kind) {
                    if let Some(family) = self.lazy_family(bc) {
                        self.mark(
                            bc,
                            DbCall::Query,
                            format!("{family} query iterated by a loop (as `{var}`)"),
                        );
                    }
                }
            }
        }
        for ci in 0..self.call_node.len() {
            let i = self.call_node[ci];
            if self.source_wrappers.contains(&i) || self.db_of(ci).is_some() {
                continue;
            }
            let node = self.nodes[i];
            let Some(func) =
                Self::field(node, "function").filter(|f| f.kind_name() == "identifier")
            else {
                continue;
            };
            let name = self.text(func);
            if !EVAL_WRAPPERS.contains(&name) {
                continue;
            }
            let Some(arg) = Self::positional_args(node)
                .first()
                .map(|a| Self::unwrap(*a))
            else {
                continue;
            };
            let family = match arg.kind_name() {
                "call" => self
                    .idx(arg)
                    .and_then(|a| self.call_of.get(&a))
                    .and_then(|&ac| self.lazy_family(ac)),
                "identifier" => match self
                    .lookup(self.text(arg), self.fn_of[i], node.start_byte())
                    .map(|b| b.kind)
                {
                    Some(BindKind::Lazy(bc)) => self.lazy_family(bc),
                    _ => None,
                },
                _ => None,
            };
            if let Some(family) = family {
                self.mark(
                    ci,
                    DbCall::Query,
                    format!("{family} query evaluated by {name}()"),
                );
            }
        }
    }

    /// Whether loop `li` iterates a Django QuerySet (directly or through a variable).
    pub(super) fn loop_over_django(&self, li: usize) -> bool {
        let Some(lp) = self.unit.loops.get(li) else {
            return false;
        };
        let family = match (self.loop_source_call(li), self.loop_source_var(li)) {
            (Some(sc), _) => match &self.chain_class[sc] {
                Some(ChainClass::Lazy(f)) => Some(*f),
                Some(ChainClass::Eval(_, api)) if api.starts_with("Django") => Some("Django"),
                _ => None,
            },
            (None, Some(var)) => match self.lookup(var, lp.function, lp.span.0).map(|b| b.kind) {
                Some(BindKind::Lazy(bc)) => self.lazy_family(bc),
                _ => None,
            },
            _ => None,
        };
        family == Some("Django")
    }

    /// Django related managers and instance writes on a loop variable.
    pub(super) fn loop_variable_calls(&mut self) {
        for ci in 0..self.call_node.len() {
            if self.db_of(ci).is_some() || self.unit.calls[ci].loops.is_empty() {
                continue;
            }
            let i = self.call_node[ci];
            let node = self.nodes[i];
            let chain = self.chain_of(node);
            let Some(root) = chain.root.clone().filter(|_| !chain.root_is_call) else {
                continue;
            };
            let Some(li) = self.unit.calls[ci]
                .loops
                .iter()
                .rev()
                .copied()
                .find(|&l| self.unit.loops[l].variables.contains(&root))
            else {
                continue;
            };
            let positional = Self::positional_args(node).len();
            // `order.save()` in a loop over a QuerySet.
            if chain.elems.len() == 1
                && DJANGO_INSTANCE_WRITES.contains(&chain.elems[0].name.as_str())
                && positional == 0
                && self.loop_over_django(li)
            {
                let m = chain.elems[0].name.clone();
                self.mark(ci, DbCall::Execute, format!("Django Model.{m}() per row"));
                continue;
            }
            // `order.items.all()` / `.count()` / `.filter(...).first()`.
            if chain.elems.len() < 2
                || chain.elems[0].call.is_some()
                || chain.elems[1..].iter().any(|e| e.call.is_none())
            {
                continue;
            }
            if !(self.uses_django || self.loop_over_django(li)) {
                continue;
            }
            let first = chain.elems[1].name.as_str();
            let last = chain.elems.last().map(|e| e.name.as_str()).unwrap_or("");
            let reads_ok = DJANGO_RELATED_READS.contains(&first)
                && chain.elems[1..chain.elems.len() - 1]
                    .iter()
                    .all(|e| DJANGO_LAZY.contains(&e.name.as_str()))
                && (DJANGO_RELATED_READS.contains(&last) || DJANGO_LAZY.contains(&last));
            let args_ok = match last {
                "count" | "exists" | "all" | "first" | "last" => positional == 0,
                "get" => positional == 0,
                _ => true,
            };
            // Only the outermost call of the chain.
            let outermost = !self.up(i).is_some_and(|p| {
                self.kind(p) == "attribute" && self.up(p).is_some_and(|g| self.kind(g) == "call")
            });
            if reads_ok && args_ok && outermost {
                self.mark(
                    ci,
                    DbCall::Query,
                    format!("Django related manager {}.{last}()", chain.elems[0].name),
                );
            }
        }
    }
}
