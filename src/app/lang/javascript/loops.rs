//! Loops: `for` / `for…of` / `for…in` statements, and function literals passed as
//! iteration callbacks (`forEach`, `map`, `Promise.all(xs.map(…))`, iteration helpers),
//! with the source they iterate.

use tree_sitter::Node;

use super::catalogue::*;
use super::{call_function, children, range, unwrap_await, unwrap_expr, Ctx, Extractor};
use crate::app::ir::typed::{IterSource, Loop, LoopKind};
use crate::app::lang::common::{FieldExt, KindExt};
use crate::app::lang::tree::named_children;

impl<'s, 't> Extractor<'s, 't> {
    /// A function literal passed as an iteration callback: (the per-element method as the
    /// evidence words it: `forEach`, `Promise.all(map)`, `async.each`; source expression,
    /// index of the element parameter).
    pub(super) fn loop_callback(&self, node: Node<'t>) -> Option<(String, Node<'t>, usize)> {
        let args = self.parent(node)?;
        if args.kind_name() != "arguments" {
            return None;
        }
        let call = self.parent(args)?;
        if call.kind_name() != "call_expression" {
            return None;
        }
        let (func, _) = call_function(call)?;
        let func = unwrap_expr(func);
        if func.kind_name() != "member_expression" {
            return None;
        }
        let method = self.text(func.field("property")?);
        let object = func.field("object")?;
        let list = named_children(args);
        let position = list.iter().position(|a| *a == node)?;
        if position == 0 {
            if let Some((_, param)) = LOOP_CALLBACK_METHODS.iter().find(|(m, _)| *m == method) {
                let mut kind = method.to_string();
                if method == "map" {
                    if let Some(combinator) = self.promise_combinator(call) {
                        kind = format!("Promise.{combinator}(map)");
                    }
                }
                return Some((kind, object, *param));
            }
        }
        let object_name = self.text(unwrap_expr(object));
        if position >= 1
            && ITERATION_HELPERS
                .iter()
                .any(|(r, ms)| *r == object_name && ms.contains(&method))
        {
            let source = *list.first()?;
            return Some((format!("{object_name}.{method}"), source, 0));
        }
        None
    }

    /// `Promise.all(<call>)`: "all".
    fn promise_combinator(&self, call: Node) -> Option<String> {
        let (_, args) = self.logical_parent(call)?;
        if args.kind_name() != "arguments" {
            return None;
        }
        let outer = self.parent(args)?;
        let (func, _) = call_function(outer)?;
        let (qualifier, name) = self.split_name(func);
        let q = qualifier?;
        (self.text(q) == "Promise" && PROMISE_COMBINATORS.contains(&name.as_str())).then_some(name)
    }

    /// Source text, call index and variable of an iteration source.
    pub(super) fn loop_source(
        &self,
        expr: Node<'t>,
    ) -> (Option<String>, Option<usize>, Option<String>) {
        let text = Some(self.short(expr, 120));
        let mut e = unwrap_await(expr);
        for _ in 0..20 {
            let next = match e.kind_name() {
                "call_expression" => {
                    let Some((func, _)) = call_function(e) else {
                        break;
                    };
                    let (qualifier, name) = self.split_name(func);
                    let args = e.field("arguments").map(named_children).unwrap_or_default();
                    match (qualifier, name.as_str(), args.len()) {
                        (Some(q), "keys" | "values" | "entries", 1) if self.text(q) == "Object" => {
                            Some(args[0])
                        }
                        (Some(q), "from", 1) if self.text(q) == "Array" => Some(args[0]),
                        (Some(q), "keys" | "values" | "entries", 0) => Some(q),
                        _ => None,
                    }
                }
                "member_expression" => {
                    let prop = e.field("property").map(|p| self.text(p)).unwrap_or("");
                    if prop == "rows" || prop == "recordset" {
                        e.field("object")
                    } else {
                        None
                    }
                }
                "array" => {
                    let items = named_children(e);
                    match items.as_slice() {
                        [one] if one.kind_name() == "spread_element" => {
                            named_children(*one).into_iter().next()
                        }
                        _ => None,
                    }
                }
                _ => None,
            };
            match next {
                Some(n) => e = unwrap_await(n),
                None => break,
            }
        }
        match e.kind_name() {
            "call_expression" => (text, self.call_at.get(&range(e)).copied(), None),
            "identifier" => (text, None, Some(self.text(e).to_string())),
            "member_expression" => {
                let object = e.field("object");
                if object.is_some_and(|o| o.kind_name() == "this") {
                    let prop = e.field("property").map(|p| self.text(p)).unwrap_or("");
                    (text, None, Some(format!("this.{prop}")))
                } else {
                    (text, None, None)
                }
            }
            _ => (text, None, None),
        }
    }

    /// Records a loop: `method` is a callback loop's per-element method, `is_async` a
    /// `for await`.
    pub(super) fn push_loop(
        &mut self,
        node: Node<'t>,
        ctx: &Ctx<'t>,
        kind: LoopKind,
        method: Option<String>,
        source: Option<Node<'t>>,
        variables: Vec<String>,
    ) -> usize {
        let (source_text, source_call, source_var) = match source {
            Some(s) => self.loop_source(s),
            None => (None, None, None),
        };
        let index = self.unit.loops.len();
        let rows_of = match (source_call, source_var.as_deref()) {
            (None, Some(variable)) => self.promise_rows(variable, ctx),
            _ => None,
        };
        let source = match (source_call, source_var, &source_text) {
            (Some(call), _, _) => IterSource::Call(call),
            (None, Some(variable), _) => IterSource::Name(variable),
            (None, None, Some(_)) => IterSource::Other,
            (None, None, None) => IterSource::None,
        };
        let is_async =
            kind == LoopKind::ForEach && children(node).iter().any(|c| c.kind_name() == "await");
        self.unit.loops.push(Loop {
            function: ctx.innermost,
            kind,
            method,
            is_async,
            source,
            source_text,
            variables,
            start: self.src.start(node),
            end: self.src.end(node),
            span: range(node),
            rows_of,
        });
        index
    }

    /// The query whose resolved value a loop walks through a promise callback's parameter:
    /// `variable` is the first parameter of the function around the loop, and that function
    /// is the callback of `<call>.then(...)` (`getPosts().then((res) => res.rows.forEach(...))`,
    /// `.then((rows) => Promise.all(rows.map(...)))`). The call's index, when it is one.
    fn promise_rows(&self, variable: &str, ctx: &Ctx<'t>) -> Option<usize> {
        ctx.function?;
        let first = *self.params(ctx.scope).first()?;
        if !self.pattern_names(first).iter().any(|n| n == variable) {
            return None;
        }
        let (callback, args) = self.logical_parent(ctx.scope)?;
        if args.kind_name() != "arguments" || named_children(args).first() != Some(&callback) {
            return None;
        }
        let (func, _) = call_function(self.parent(args)?)?;
        let func = unwrap_expr(func);
        let method = func.field("property").map(|p| self.text(p))?;
        if func.kind_name() != "member_expression" || !RESOLVED_VALUE_CALLBACKS.contains(&method) {
            return None;
        }
        let promise = unwrap_await(func.field("object")?);
        (promise.kind_name() == "call_expression")
            .then(|| self.call_at.get(&range(promise)).copied())
            .flatten()
    }

    pub(super) fn for_statement(&mut self, node: Node<'t>, ctx: &Ctx<'t>, depth: usize) {
        let initializer = node.field("initializer");
        let mut variables = Vec::new();
        if let Some(init) = initializer {
            for decl in named_children(init) {
                if decl.kind_name() == "variable_declarator" {
                    if let Some(name) = decl.field("name") {
                        variables.extend(self.pattern_names(name));
                    }
                }
            }
            self.walk(init, ctx, depth + 1);
        }
        let index = self.push_loop(node, ctx, LoopKind::For, None, None, variables);
        let mut inner = ctx.clone();
        inner.loops.push(index);
        for child in children(node) {
            if Some(child) != initializer {
                self.walk(child, &inner, depth + 1);
            }
        }
    }

    pub(super) fn for_in(&mut self, node: Node<'t>, ctx: &Ctx<'t>, depth: usize) {
        let right = node.field("right");
        if let Some(r) = right {
            self.walk(r, ctx, depth + 1);
        }
        let of = node.field("operator").is_some_and(|o| self.text(o) == "of");
        let kind = if of {
            LoopKind::ForEach
        } else {
            LoopKind::Keys
        };
        let variables = node
            .field("left")
            .map(|l| self.pattern_names(l))
            .unwrap_or_default();
        let index = self.push_loop(node, ctx, kind, None, right, variables);
        let mut inner = ctx.clone();
        inner.loops.push(index);
        for child in children(node) {
            if Some(child) != right {
                self.walk(child, &inner, depth + 1);
            }
        }
    }
}
