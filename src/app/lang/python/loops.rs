//! Python loops: `for` / `async for` / `while`, comprehensions (their first `for` clause
//! evaluated once, outside), `map` / `filter` callbacks, each with its iteration source
//! (wrappers such as `enumerate(...)` / `list(...)` unwrapped) and variables, and which
//! loops surround each call.

use super::*;
use crate::app::ir::typed::Receiver;

impl<'a> Extractor<'a> {
    // ---- loops ----

    pub(super) fn identifiers_in(node: Node<'a>, out: &mut Vec<Node<'a>>) {
        let mut stack = vec![node];
        let mut seen = 0;
        while let Some(n) = stack.pop() {
            seen += 1;
            if seen > 2000 {
                break;
            }
            if n.kind_name() == "identifier" {
                out.push(n);
                continue;
            }
            let mut c = n.walk();
            let children: Vec<Node<'a>> = n.named_children(&mut c).collect();
            for ch in children.into_iter().rev() {
                stack.push(ch);
            }
        }
    }

    pub(super) fn variables_of(&self, nodes: &[Node<'a>]) -> Vec<String> {
        let mut ids = Vec::new();
        for n in nodes {
            Self::identifiers_in(*n, &mut ids);
        }
        let mut out: Vec<String> = Vec::new();
        for id in ids {
            let t = self.text(id).to_string();
            if !out.contains(&t) {
                out.push(t);
            }
        }
        out
    }

    /// The loop's iteration source after unwrapping `await`, parentheses, `list(...)`,
    /// `enumerate(...)`, `sorted(...)` and `d.items()` / `.keys()` / `.values()` on a
    /// variable.
    pub(super) fn unwrap_source(&mut self, expr: Node<'a>) -> Node<'a> {
        let mut e = Self::unwrap(expr);
        for _ in 0..16 {
            if e.kind_name() != "call" {
                break;
            }
            let Some(func) = Self::field(e, "function") else {
                break;
            };
            let args = Self::positional_args(e);
            if func.kind_name() == "identifier" && ITER_WRAPPERS.contains(&self.text(func)) {
                if let Some(first) = args.first() {
                    if let Some(i) = self.idx(e) {
                        self.source_wrappers.insert(i);
                    }
                    e = Self::unwrap(*first);
                    continue;
                }
                break;
            }
            if func.kind_name() == "attribute" && args.is_empty() {
                let method = self.field_text(func, "attribute");
                if matches!(method.as_str(), "items" | "keys" | "values") {
                    if let Some(obj) = Self::field(func, "object") {
                        let plain = obj.kind_name() == "identifier"
                            || (obj.kind_name() == "attribute"
                                && Self::field(obj, "object")
                                    .is_some_and(|o| matches!(self.text(o), "self" | "cls")));
                        if plain {
                            e = obj;
                            continue;
                        }
                    }
                }
            }
            break;
        }
        e
    }

    pub(super) fn push_loop(
        &mut self,
        node: usize,
        kind: LoopKind,
        method: Option<&str>,
        source: Option<Node<'a>>,
        variables: Vec<String>,
        span_node: Node<'a>,
    ) {
        let (source_text, iter) = match source {
            Some(s) => {
                let text = Some(self.short(s, 120));
                let u = self.unwrap_source(s);
                let call = (u.kind_name() == "call")
                    .then(|| self.idx(u).and_then(|i| self.call_of.get(&i).copied()))
                    .flatten();
                let var = match u.kind_name() {
                    "identifier" => Some(self.text(u).to_string()),
                    "attribute"
                        if Self::field(u, "object")
                            .is_some_and(|o| matches!(self.text(o), "self" | "cls")) =>
                    {
                        self.dotted(u)
                    }
                    _ => None,
                };
                let iter = match (call, var) {
                    (Some(call), _) => IterSource::Call(call),
                    (None, Some(var)) => IterSource::Name(var),
                    (None, None) => IterSource::Other,
                };
                (text, iter)
            }
            None => (None, IterSource::None),
        };
        let li = self.unit.loops.len();
        self.loop_of.insert(node, li);
        self.loop_node.push(node);
        self.unit.loops.push(Loop {
            function: self.fn_of[node],
            kind,
            method: method.map(str::to_string),
            is_async: self.nodes[node]
                .child(0)
                .is_some_and(|c| c.kind_name() == "async"),
            source: iter,
            source_text,
            variables,
            start: self.start(span_node),
            end: self.end(span_node),
            span: (span_node.start_byte(), span_node.end_byte()),
            rows_of: None,
        });
    }

    /// The call a loop iterates, when its source is one.
    pub(super) fn loop_source_call(&self, li: usize) -> Option<usize> {
        match self.unit.loops.get(li).map(|l| &l.source) {
            Some(IterSource::Call(call)) => Some(*call),
            _ => None,
        }
    }

    /// The variable a loop iterates, when its source is one.
    pub(super) fn loop_source_var(&self, li: usize) -> Option<&str> {
        match self.unit.loops.get(li).map(|l| &l.source) {
            Some(IterSource::Name(name)) => Some(name),
            _ => None,
        }
    }

    pub(super) fn loops(&mut self) {
        for i in 0..self.nodes.len() {
            let node = self.nodes[i];
            match self.kinds[i] {
                "for_statement" => {
                    let vars = Self::field(node, "left")
                        .map(|l| self.variables_of(&[l]))
                        .unwrap_or_default();
                    let source =
                        Self::field(node, "right").filter(|r| r.kind_name() != "expression_list");
                    self.push_loop(i, LoopKind::ForEach, None, source, vars, node);
                }
                "while_statement" => {
                    let li = self.unit.loops.len();
                    self.push_loop(i, LoopKind::While, None, None, Vec::new(), node);
                    // The condition, for evidence; the loop walks no collection.
                    let condition = Self::field(node, "condition").map(|c| self.short(c, 120));
                    if let Some(lp) = self.unit.loops.get_mut(li) {
                        lp.source_text = condition;
                    }
                }
                "list_comprehension"
                | "set_comprehension"
                | "dictionary_comprehension"
                | "generator_expression" => {
                    let clauses: Vec<Node<'a>> = Self::named_children(node)
                        .into_iter()
                        .filter(|c| c.kind_name() == "for_in_clause")
                        .collect();
                    let lefts: Vec<Node<'a>> = clauses
                        .iter()
                        .filter_map(|c| Self::field(*c, "left"))
                        .collect();
                    let vars = self.variables_of(&lefts);
                    let source = clauses.first().and_then(|c| Self::field(*c, "right"));
                    self.push_loop(i, LoopKind::Comprehension, None, source, vars, node);
                }
                "call" => {
                    let Some(func) = Self::field(node, "function") else {
                        continue;
                    };
                    let name = match func.kind_name() {
                        "identifier" => self.text(func).to_string(),
                        "attribute" => self.field_text(func, "attribute"),
                        _ => continue,
                    };
                    if !LOOP_CALLBACKS.contains(&name.as_str()) {
                        continue;
                    }
                    if func.kind_name() == "attribute" && name != "map" {
                        continue;
                    }
                    let args = Self::positional_args(node);
                    let Some(lambda) = args
                        .first()
                        .map(|a| Self::unwrap(*a))
                        .filter(|a| a.kind_name() == "lambda")
                    else {
                        continue;
                    };
                    let Some(li) = self.idx(lambda) else {
                        continue;
                    };
                    let vars = Self::field(lambda, "parameters")
                        .map(|p| self.variables_of(&[p]))
                        .unwrap_or_default();
                    self.push_loop(
                        li,
                        LoopKind::Callback,
                        Some(&name),
                        args.get(1).copied(),
                        vars,
                        lambda,
                    );
                }
                _ => {}
            }
        }
    }

    /// A loop over a cursor variable (`cur.execute(sql); for row in cur:`) walks the rows
    /// of the last statement run on it before the loop and after the variable was last
    /// bound: that call is the loop's `rows_of`.
    pub(super) fn cursor_rows(&mut self) {
        for li in 0..self.unit.loops.len() {
            let lp = &self.unit.loops[li];
            let IterSource::Name(var) = &lp.source else {
                continue;
            };
            let (scope, at) = (lp.function, lp.span.0);
            let bound_at = self.lookup(var, scope, at).map_or(0, |b| b.pos);
            let field = var.strip_prefix("self.");
            let rows_of = self
                .unit
                .calls
                .iter()
                .enumerate()
                .filter(|(_, c)| {
                    c.function == scope
                        && c.span.0 >= bound_at
                        && c.span.1 <= at
                        && match &c.receiver {
                            Receiver::Name(name) => name == var,
                            Receiver::Field(name) => Some(name.as_str()) == field,
                            _ => false,
                        }
                        && matches!(&c.role, CallRole::Database { api, .. } if ROWS_ON_CURSOR.contains(&api.as_str()))
                })
                .max_by_key(|(_, c)| c.span.0)
                .map(|(ci, _)| ci);
            self.unit.loops[li].rows_of = rows_of;
        }
    }

    pub(super) fn is_first_for_clause(&self, clause: usize) -> bool {
        let Some(comp) = self.up(clause) else {
            return false;
        };
        Self::named_children(self.nodes[comp])
            .into_iter()
            .find(|c| c.kind_name() == "for_in_clause")
            .is_some_and(|c| c.id() == self.nodes[clause].id())
    }

    /// Enclosing loops of the same function, outermost first.
    pub(super) fn loops_around(&self, i: usize) -> Vec<usize> {
        let mut loops = Vec::new();
        let mut child = i;
        let mut skip_comprehension = None;
        while let Some(p) = self.up(child) {
            match self.kind(p) {
                "function_definition" | "class_definition" if self.is_field(p, "body", child) => {
                    break
                }
                // A lambda is its own context unless it is an iteration callback.
                "lambda" if self.is_field(p, "body", child) => match self.loop_of.get(&p) {
                    Some(&l) => loops.push(l),
                    None => break,
                },
                // `for x in SOURCE: BODY else: ...`: only the body runs per item.
                "for_statement" if self.is_field(p, "body", child) => {
                    loops.extend(self.loop_of.get(&p).copied())
                }
                "while_statement"
                    if self.is_field(p, "body", child) || self.is_field(p, "condition", child) =>
                {
                    loops.extend(self.loop_of.get(&p).copied())
                }
                // The first iterable of a comprehension is evaluated once, outside it.
                "for_in_clause"
                    if self.is_field(p, "right", child) && self.is_first_for_clause(p) =>
                {
                    skip_comprehension = self.up(p);
                }
                "list_comprehension"
                | "set_comprehension"
                | "dictionary_comprehension"
                | "generator_expression" => {
                    if skip_comprehension != Some(p) {
                        if let Some(&l) = self.loop_of.get(&p) {
                            loops.push(l);
                        }
                    }
                    skip_comprehension = None;
                }
                _ => {}
            }
            child = p;
        }
        loops.reverse();
        loops
    }

    pub(super) fn call_loops(&mut self) {
        for ci in 0..self.call_node.len() {
            let loops = self.loops_around(self.call_node[ci]);
            if let Some(call) = self.unit.calls.get_mut(ci) {
                call.loops = loops;
            }
        }
    }
}
