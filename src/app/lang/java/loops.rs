//! Loops: `for`, enhanced `for`, `while` and `do` statements, and the lambdas or method
//! references a per-element call runs (`forEach`, stream `map` / `filter`, a
//! `JdbcTemplate` row callback), each with its `LoopKind`, variables and iteration source
//! (a call, a variable, an index bound `i < xs.size()`, an iterator's collection).

use super::*;

impl<'a> Extractor<'a> {
    pub(super) fn lambda_params(&self, lambda: Node<'a>) -> Vec<String> {
        let Some(p) = lambda.field("parameters") else {
            return Vec::new();
        };
        if p.kind_name() == "identifier" {
            return vec![self.t(p).to_string()];
        }
        let mut out = Vec::new();
        for c in named_children(p) {
            match c.kind_name() {
                "identifier" => out.push(self.t(c).to_string()),
                "formal_parameter" => {
                    if let Some(n) = c.field("name") {
                        out.push(self.t(n).to_string());
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// The iteration source of a loop over `expr`: (text, call index, variable).
    pub(super) fn loop_source(
        &self,
        expr: Node<'a>,
    ) -> (Option<String>, Option<usize>, Option<String>) {
        let u = self.unwrap_source(expr);
        let text = Some(self.src.short(u, 200));
        match u.kind_name() {
            "method_invocation" => (text, self.call_by_node.get(&u.id()).copied(), None),
            "identifier" => (text, None, Some(self.t(u).to_string())),
            "field_access" if u.field("object").is_some_and(|o| o.kind_name() == "this") => {
                (text, None, u.field("field").map(|f| self.t(f).to_string()))
            }
            _ => (text, None, None),
        }
    }

    pub(super) fn unwrap_source(&self, expr: Node<'a>) -> Node<'a> {
        let mut cur = expr;
        for _ in 0..256 {
            let next = match cur.kind_name() {
                "parenthesized_expression" | "cast_expression" => {
                    Some(unwrap_expr(cur)).filter(|u| u.id() != cur.id())
                }
                "method_invocation" => {
                    let name = cur.field("name").map(|n| self.t(n)).unwrap_or("");
                    let object = cur.field("object");
                    let args = args_of(cur);
                    let static_wrapper = object.is_some_and(|o| {
                        let o = self.t(o);
                        STATIC_SOURCE_WRAPPERS
                            .iter()
                            .any(|(c, m)| *c == o && *m == name)
                    });
                    if static_wrapper {
                        let first = args.first().copied();
                        // StreamSupport.stream(xs.spliterator(), false)
                        if args.len() == 1 || (name == "stream" && args.len() == 2) {
                            first
                        } else {
                            None
                        }
                    } else if SOURCE_WRAPPERS.contains(&name)
                        || (SOURCE_WRAPPERS_NO_ARGS.contains(&name) && args.is_empty())
                    {
                        object
                    } else {
                        None
                    }
                }
                "object_creation_expression" => {
                    let ty = cur.field("type").and_then(|t| simple_type(self.t(t)));
                    let args = args_of(cur);
                    if ty.is_some_and(|t| COPY_CONSTRUCTORS.contains(&t.as_str()))
                        && args.len() == 1
                        && !args[0].kind_name().ends_with("_literal")
                    {
                        Some(args[0])
                    } else {
                        None
                    }
                }
                _ => None,
            };
            match next {
                Some(n) => cur = n,
                None => break,
            }
        }
        cur
    }

    pub(super) fn callback_loop(
        &mut self,
        callback: Node<'a>,
        method: String,
        source: (Option<String>, Option<usize>, Option<String>),
        ctx: &mut Ctx<'a>,
        depth: usize,
    ) {
        let variables = if callback.kind_name() == "lambda_expression" {
            self.lambda_locals(callback, ctx);
            self.lambda_params(callback)
        } else {
            Vec::new()
        };
        let li = self.push_loop(
            callback,
            LoopKind::Callback,
            Some(method),
            source,
            variables,
            ctx,
        );
        ctx.loops.push(li);
        if callback.kind_name() == "method_reference" {
            self.method_reference_call(callback, ctx);
        } else {
            self.walk_children(callback, ctx, depth + 1);
        }
        ctx.loops.pop();
    }

    /// `repo::findById` used as a loop callback: a call per element.
    pub(super) fn method_reference_call(&mut self, node: Node<'a>, ctx: &Ctx<'a>) {
        let parts = children(node);
        let Some(sep) = parts.iter().position(|c| c.kind_name() == "::") else {
            return;
        };
        let receiver = parts[..sep]
            .iter()
            .rev()
            .find(|c| c.is_named() && !is_comment(**c))
            .copied();
        let name = parts[sep + 1..]
            .iter()
            .find(|c| matches!(c.kind_name(), "identifier" | "new"))
            .map(|c| self.t(*c));
        let Some(name) = name else {
            return;
        };
        let receiver = receiver.filter(|r| !matches!(r.kind_name(), "this" | "super"));
        self.push_call(node, name, receiver, 1, ctx);
    }

    pub(super) fn push_loop(
        &mut self,
        node: Node<'a>,
        kind: LoopKind,
        method: Option<String>,
        source: (Option<String>, Option<usize>, Option<String>),
        variables: Vec<String>,
        ctx: &Ctx<'a>,
    ) -> usize {
        let li = self.unit.loops.len();
        let (source_text, call, variable) = source;
        let source = match (call, variable) {
            (Some(call), _) => IterSource::Call(call),
            (None, Some(name)) => IterSource::Name(name),
            (None, None) if source_text.is_some() => IterSource::Other,
            (None, None) => IterSource::None,
        };
        self.unit.loops.push(Loop {
            function: ctx.function,
            kind,
            method,
            is_async: false,
            source,
            source_text,
            variables,
            start: self.src.start(node),
            end: self.src.end(node),
            span: (node.start_byte(), node.end_byte()),
            rows_of: None,
        });
        li
    }

    /// `for (Iterator it = xs.iterator(); it.hasNext();)`: the loop walks `xs` (or the
    /// call that hands out the iterator, `getHistory()`, `e.elementIterator("item")`).
    pub(super) fn iterator_source(
        &self,
        init: &[Node<'a>],
    ) -> Option<(Option<String>, Option<usize>, Option<String>)> {
        let declaration = init
            .iter()
            .find(|n| n.kind_name() == "local_variable_declaration")?;
        let ty = self.t(declaration.field("type")?);
        if !["Iterator", "ListIterator", "Enumeration"]
            .iter()
            .any(|t| ty == *t || ty.starts_with(&format!("{t}<")))
        {
            return None;
        }
        let value = unwrap_expr(declaration.field("declarator")?.field("value")?);
        if value.kind_name() != "method_invocation" {
            return None;
        }
        let name = self.t(value.field("name")?);
        let walked = match value.field("object") {
            Some(object)
                if matches!(name, "iterator" | "listIterator") && args_of(value).is_empty() =>
            {
                object
            }
            _ => value,
        };
        Some(self.loop_source(walked))
    }

    pub(super) fn visit_foreach(&mut self, node: Node<'a>, ctx: &mut Ctx<'a>, depth: usize) {
        let value = node.field("value");
        if let Some(v) = value {
            self.walk(v, ctx, depth + 1);
        }
        let source = value.map(|v| self.loop_source(v)).unwrap_or_default();
        let variables = node
            .field("name")
            .map(|n| vec![self.t(n).to_string()])
            .unwrap_or_default();
        if let Some(name) = node.field("name") {
            let declared = node.field("type").and_then(|t| simple_type(self.t(t)));
            self.push_local(name, declared, ctx);
        }
        let li = self.push_loop(node, LoopKind::ForEach, None, source, variables, ctx);
        ctx.loops.push(li);
        for child in children(node) {
            if Some(child.id()) != value.map(|v| v.id()) {
                self.walk(child, ctx, depth + 1);
            }
        }
        ctx.loops.pop();
    }

    pub(super) fn visit_for(&mut self, node: Node<'a>, ctx: &mut Ctx<'a>, depth: usize) {
        let mut init = Vec::new();
        let mut cursor = node.walk();
        for n in node.children_by_field_name("init", &mut cursor) {
            init.push(n);
        }
        let mut variables = Vec::new();
        for &n in &init {
            self.walk(n, ctx, depth + 1);
            match n.kind_name() {
                "local_variable_declaration" => {
                    let mut c = n.walk();
                    for d in n.children_by_field_name("declarator", &mut c) {
                        if let Some(name) = d.field("name") {
                            variables.push(self.t(name).to_string());
                        }
                    }
                }
                "assignment_expression" => {
                    if let Some(l) = n.field("left").filter(|l| l.kind_name() == "identifier") {
                        variables.push(self.t(l).to_string());
                    }
                }
                _ => {}
            }
        }
        // `i < xs.size()` / `i < arr.length`: the collection iterated by index.
        let source = node
            .field("condition")
            .and_then(|c| self.indexed_source(c))
            .or_else(|| self.iterator_source(&init))
            .unwrap_or_default();
        let li = self.push_loop(node, LoopKind::For, None, source, variables, ctx);
        ctx.loops.push(li);
        let init_ids: Vec<usize> = init.iter().map(|n| n.id()).collect();
        for child in children(node) {
            if !init_ids.contains(&child.id()) {
                self.walk(child, ctx, depth + 1);
            }
        }
        ctx.loops.pop();
    }

    pub(super) fn indexed_source(
        &self,
        cond: Node<'a>,
    ) -> Option<(Option<String>, Option<usize>, Option<String>)> {
        if cond.kind_name() != "binary_expression" {
            return None;
        }
        let op = cond.field("operator")?.kind_name();
        if !matches!(op, "<" | "<=" | "!=") {
            return None;
        }
        let right = unwrap_expr(cond.field("right")?);
        let collection = match right.kind_name() {
            "method_invocation" => {
                let name = self.t(right.field("name")?);
                if name != "size" || !args_of(right).is_empty() {
                    return None;
                }
                right.field("object")?
            }
            "field_access" => {
                if self.t(right.field("field")?) != "length" {
                    return None;
                }
                right.field("object")?
            }
            _ => return None,
        };
        let name = match collection.kind_name() {
            "identifier" => self.t(collection),
            "field_access" if collection.field("object")?.kind_name() == "this" => {
                self.t(collection.field("field")?)
            }
            _ => return None,
        };
        Some((
            Some(self.src.short(collection, 200)),
            None,
            Some(name.to_string()),
        ))
    }

    pub(super) fn visit_while(&mut self, node: Node<'a>, ctx: &mut Ctx<'a>, depth: usize) {
        // `while (rs.next())` / `while (it.hasNext())`: iterating that variable.
        let source = node
            .field("condition")
            .map(unwrap_expr)
            .filter(|c| c.kind_name() == "method_invocation")
            .and_then(|c| {
                let name = self.t(c.field("name")?);
                let object = c.field("object")?;
                if matches!(name, "next" | "hasNext" | "hasMoreElements")
                    && object.kind_name() == "identifier"
                {
                    Some((
                        Some(self.t(object).to_string()),
                        None,
                        Some(self.t(object).to_string()),
                    ))
                } else {
                    None
                }
            })
            .unwrap_or_default();
        let kind = if node.kind_name() == "do_statement" {
            LoopKind::DoWhile
        } else {
            LoopKind::While
        };
        let li = self.push_loop(node, kind, None, source, Vec::new(), ctx);
        ctx.loops.push(li);
        self.walk_children(node, ctx, depth);
        ctx.loops.pop();
    }
}
