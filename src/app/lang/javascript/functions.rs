//! Functions: declarations, function expressions, arrow functions and methods lowered with
//! their parameters (a destructuring one with the names it binds), the function they are
//! written in and where they are bound; iteration callbacks (`forEach`, `map`, …) lowered as
//! per-element lambdas and callback loops; function names as the findings show them.

use tree_sitter::Node;

use super::{call_function, children, range, strip_quotes, Ctx, Extractor};
use crate::app::ir::typed::{self, FnId, FunctionKind, LambdaBinding, LoopKind, Param};
use crate::app::lang::common::{FieldExt, KindExt};
use crate::app::lang::tree::named_children;

impl<'s, 't> Extractor<'s, 't> {
    pub(super) fn function(&mut self, node: Node<'t>, ctx: &Ctx<'t>, depth: usize) {
        if let Some((method, source, param)) = self.loop_callback(node) {
            let variables = self
                .params(node)
                .get(param)
                .map(|p| self.pattern_names(*p))
                .unwrap_or_default();
            let index = self.push_loop(
                node,
                ctx,
                LoopKind::Callback,
                Some(method.clone()),
                Some(source),
                variables,
            );
            // The callback is a lambda the per-element method runs: its calls are the
            // holder's, inside the loop.
            let binding = LambdaBinding::Argument {
                call: self.enclosing_call(node),
                method,
                per_element: true,
            };
            let lambda = self.push_function(node, ctx, FunctionKind::Lambda, Some(binding));
            let mut inner = ctx.clone();
            inner.innermost = Some(lambda);
            inner.loops.push(index);
            self.walk_children(node, &inner, depth);
            return;
        }
        let kind = match node.kind_name() {
            "method_definition" if self.function_name(node) == "constructor" => {
                FunctionKind::Constructor
            }
            "method_definition" => FunctionKind::Method,
            _ => FunctionKind::LocalFunction,
        };
        let binding = self.function_binding(node);
        let index = self.push_function(node, ctx, kind, binding);
        let inner = Ctx {
            function: Some(index),
            innermost: Some(index),
            scope: node,
            loops: Vec::new(),
            class: ctx.class.clone(),
        };
        self.walk_children(node, &inner, depth);
    }

    fn push_function(
        &mut self,
        node: Node<'t>,
        ctx: &Ctx<'t>,
        kind: FunctionKind,
        binding: Option<LambdaBinding>,
    ) -> FnId {
        let class = ctx.class.clone().map(|name| {
            let next = self.unit.classes.len();
            let index = *self.class_index.entry(name.clone()).or_insert(next);
            if index == next {
                self.unit.classes.push(typed::Class {
                    name,
                    bases: Vec::new(),
                    fields: Vec::new(),
                    is_interface: false,
                    start: self.src.start(node),
                    outer: None,
                    anonymous: false,
                });
            }
            index
        });
        let params = self
            .params(node)
            .into_iter()
            .map(|p| {
                let names = self.pattern_names(p);
                let plain = matches!(
                    p.field("pattern").unwrap_or(p).kind_name(),
                    "identifier" | "assignment_pattern"
                );
                Param {
                    name: names.first().cloned().unwrap_or_else(|| self.short(p, 40)),
                    ty: None,
                    destructured: if plain { Vec::new() } else { names },
                    is_scalar_array: false,
                }
            })
            .collect();
        let index = self.unit.functions.len();
        self.unit.functions.push(typed::Function {
            kind,
            name: self.function_name(node),
            class,
            parent: ctx.innermost,
            params,
            returns: None,
            annotations: Vec::new(),
            start: self.src.start(node),
            end: self.src.end(node),
            body: node.field("body").map(range).unwrap_or_else(|| range(node)),
            is_async: children(node).iter().any(|c| c.kind_name() == "async"),
            is_abstract: false,
            binding,
        });
        index
    }

    /// The call a function literal is an argument of (already in the unit: a call is
    /// recorded before its arguments are walked).
    fn enclosing_call(&self, node: Node<'t>) -> Option<usize> {
        let (_, args) = self.logical_parent(node)?;
        if args.kind_name() != "arguments" {
            return None;
        }
        let call = self.parent(args)?;
        self.call_at.get(&range(call)).copied()
    }

    /// Where a function that is not an iteration callback is bound: an argument of a call
    /// (run whenever the callee runs it), or a variable, property or field.
    fn function_binding(&self, node: Node<'t>) -> Option<LambdaBinding> {
        if node.kind_name() == "method_definition" || node.kind_name() == "function_declaration" {
            return None;
        }
        let (child, parent) = self.logical_parent(node)?;
        match parent.kind_name() {
            "arguments" => {
                let call = self.parent(parent)?;
                let method = call_function(call)
                    .map(|(f, _)| self.split_name(f).1)
                    .unwrap_or_default();
                Some(LambdaBinding::Argument {
                    call: self.call_at.get(&range(call)).copied(),
                    method,
                    per_element: false,
                })
            }
            "variable_declarator" | "public_field_definition" | "field_definition" | "pair" => {
                Some(LambdaBinding::Assigned(self.function_name(node)))
            }
            "assignment_expression" if parent.field("right") == Some(child) => parent
                .field("left")
                .map(|l| LambdaBinding::Assigned(self.short(l, 80))),
            _ => Some(LambdaBinding::Other),
        }
    }

    /// Parameters (patterns), without TypeScript's `this` parameter.
    pub(super) fn params(&self, node: Node<'t>) -> Vec<Node<'t>> {
        if let Some(p) = node.field("parameter") {
            return vec![p];
        }
        let Some(params) = node.field("parameters") else {
            return Vec::new();
        };
        named_children(params)
            .into_iter()
            .filter(|p| p.field("pattern").is_none_or(|x| x.kind_name() != "this"))
            .collect()
    }

    /// Identifiers bound by a pattern (or TypeScript parameter).
    pub(super) fn pattern_names(&self, pattern: Node) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![pattern];
        let mut steps = 0;
        while let Some(p) = stack.pop() {
            steps += 1;
            if steps > 10_000 {
                break;
            }
            match p.kind_name() {
                "identifier" | "shorthand_property_identifier_pattern" => {
                    out.push(self.text(p).to_string())
                }
                "required_parameter" | "optional_parameter" => {
                    if let Some(x) = p.field("pattern").or_else(|| p.field("name")) {
                        stack.push(x);
                    }
                }
                "pair_pattern" => {
                    if let Some(v) = p.field("value") {
                        stack.push(v);
                    }
                }
                "assignment_pattern" | "object_assignment_pattern" => {
                    if let Some(l) = p.field("left") {
                        stack.push(l);
                    }
                }
                "object_pattern" | "array_pattern" | "rest_pattern" => {
                    for c in named_children(p).into_iter().rev() {
                        stack.push(c);
                    }
                }
                _ => {}
            }
        }
        out
    }

    pub(super) fn function_name(&self, node: Node) -> String {
        if let Some(name) = node.field("name") {
            return strip_quotes(self.text(name)).to_string();
        }
        let Some((child, parent)) = self.logical_parent(node) else {
            return "<anonymous>".into();
        };
        let named = |n: Option<Node>| {
            n.map(|n| {
                strip_quotes(self.text(n))
                    .trim_start_matches('#')
                    .to_string()
            })
        };
        let name = match parent.kind_name() {
            "variable_declarator" => named(
                parent
                    .field("name")
                    .filter(|n| n.kind_name() == "identifier"),
            ),
            "assignment_expression" if parent.field("right") == Some(child) => {
                let left = parent.field("left");
                match left.map(|l| l.kind_name()) {
                    Some("identifier") => named(left),
                    Some("member_expression") => {
                        let text = left.map(|l| self.text(l)).unwrap_or("");
                        if text == "module.exports" {
                            Some("default".to_string())
                        } else {
                            named(left.and_then(|l| l.field("property")))
                        }
                    }
                    _ => None,
                }
            }
            "pair" => named(parent.field("key")),
            "public_field_definition" | "field_definition" => {
                named(parent.field("name").or_else(|| parent.field("property")))
            }
            "export_statement" => Some("default".to_string()),
            "arguments" => {
                // const handler = asyncHandler(async (req, res) => ...): the wrapper's variable.
                let call = self
                    .parent(parent)
                    .filter(|c| c.kind_name() == "call_expression");
                let bare = call
                    .and_then(call_function)
                    .is_some_and(|(f, _)| f.kind_name() == "identifier");
                let first = named_children(parent).into_iter().next() == Some(child);
                let wrapped = match (call, bare && first) {
                    (Some(call), true) => match self.logical_parent(call) {
                        Some((_, decl)) if decl.kind_name() == "variable_declarator" => {
                            named(decl.field("name").filter(|n| n.kind_name() == "identifier"))
                        }
                        _ => None,
                    },
                    _ => None,
                };
                // Otherwise `<router.get('/orders') callback>`: synthetic, never a callee.
                wrapped.or_else(|| {
                    let call = call?;
                    let (func, _) = call_function(call)?;
                    let mut label = self.short(func, 40);
                    if let Some(route) = named_children(parent)
                        .into_iter()
                        .next()
                        .filter(|a| a.kind_name() == "string")
                    {
                        label = format!("{label}({})", self.short(route, 40));
                    }
                    Some(format!("<{label} callback>"))
                })
            }
            _ => None,
        };
        name.filter(|n| !n.is_empty())
            .unwrap_or_else(|| "<anonymous>".into())
    }
}
