//! SQL strings: literals, templates and `+` concatenations assembled into one text with
//! placeholders for what is not literal, the string a database call's SQL argument holds
//! (directly, in a `{ text }` / `{ sql }` config, or through a declared constant), and
//! SQL-looking or credential-looking strings anywhere.

use tree_sitter::Node;

use super::{children, range, strip_quotes, unwrap_expr, Ctx, Extractor};
use crate::app::ir::{Pos, StringLit};
use crate::app::lang::common::{looks_like_sql, masked_credentials, FieldExt, KindExt};
use crate::app::lang::tree::named_children;

/// Placeholder for non-literal parts of SQL text.
const PLACEHOLDER: &str = "$1";

impl<'s, 't> Extractor<'s, 't> {
    fn is_string_literal(node: Node) -> bool {
        matches!(node.kind_name(), "string" | "template_string")
    }

    /// Operands of a `+` chain (iteratively, left to right).
    pub(super) fn plus_operands(&self, node: Node<'t>) -> Vec<Node<'t>> {
        let mut out = Vec::new();
        let mut stack = vec![node];
        while let Some(n) = stack.pop() {
            let inner = unwrap_expr(n);
            if inner.kind_name() == "binary_expression"
                && inner.field("operator").is_some_and(|o| self.text(o) == "+")
            {
                if let (Some(l), Some(r)) = (inner.field("left"), inner.field("right")) {
                    stack.push(r);
                    stack.push(l);
                    continue;
                }
            }
            out.push(n);
        }
        out
    }

    /// A string, template, or `+` concatenation with a literal part.
    pub(super) fn is_string_expr(&self, node: Node<'t>) -> bool {
        match node.kind_name() {
            "string" | "template_string" => true,
            "binary_expression" => self
                .plus_operands(node)
                .iter()
                .any(|o| Self::is_string_literal(unwrap_expr(*o))),
            _ => false,
        }
    }

    /// Text with non-literal parts as `$1`, and segments mapping literal runs to the file.
    fn build_string(&self, node: Node<'t>) -> Option<StringLit> {
        let operands = if node.kind_name() == "binary_expression" {
            self.plus_operands(node)
        } else {
            vec![node]
        };
        if !operands
            .iter()
            .any(|o| Self::is_string_literal(unwrap_expr(*o)))
        {
            return None;
        }
        let mut text = String::new();
        let mut segments = Vec::new();
        let mut last_placeholder = false;
        let run = |text: &mut String, segments: &mut Vec<(usize, Pos)>, from: usize, to: usize| {
            if to > from {
                if let Some(part) = self.src.text.get(from..to) {
                    segments.push((text.len(), self.src.pos_of_byte(from)));
                    text.push_str(part);
                }
            }
        };
        for op in operands {
            let op = unwrap_expr(op);
            match op.kind_name() {
                "string" => {
                    let (start, end) = range(op);
                    if end >= start + 2 {
                        run(&mut text, &mut segments, start + 1, end - 1);
                    }
                    last_placeholder = false;
                }
                "template_string" => {
                    let (start, end) = range(op);
                    let close = if end > start + 1 && self.src.text.get(end - 1..end) == Some("`") {
                        end - 1
                    } else {
                        end
                    };
                    let mut cursor = start + 1;
                    for child in children(op) {
                        if child.kind_name() == "template_substitution" {
                            run(&mut text, &mut segments, cursor, child.start_byte());
                            text.push_str(PLACEHOLDER);
                            cursor = child.end_byte();
                        }
                    }
                    run(&mut text, &mut segments, cursor, close);
                    last_placeholder = false;
                }
                _ => {
                    if !last_placeholder {
                        text.push_str(PLACEHOLDER);
                    }
                    last_placeholder = true;
                }
            }
        }
        Some(StringLit {
            function: None,
            text,
            segments,
            start: self.src.start(node),
            at_db_call: false,
        })
    }

    /// The string holding a db call's SQL: a literal / template / concatenation, a tagged
    /// template, a `{ text }` / `{ sql }` config, or a variable declared from one.
    pub(super) fn sql_argument(
        &mut self,
        arg: Node<'t>,
        call: Node<'t>,
        ctx: &Ctx<'t>,
    ) -> Option<usize> {
        let a = unwrap_expr(arg);
        match a.kind_name() {
            "string" | "template_string" | "binary_expression" => {
                if !self.is_string_expr(a) {
                    return None;
                }
                self.push_sql_string(a, ctx.innermost)
            }
            "call_expression" => {
                let template = a
                    .field("arguments")
                    .filter(|t| t.kind_name() == "template_string")?;
                self.push_sql_string(template, ctx.innermost)
            }
            "object" => {
                let pair = named_children(a).into_iter().find(|p| {
                    p.kind_name() == "pair"
                        && p.field("key")
                            .is_some_and(|k| matches!(strip_quotes(self.text(k)), "text" | "sql"))
                })?;
                // One level only: `{ text: sql }`, never nested objects.
                let value = unwrap_expr(pair.field("value")?);
                if value.kind_name() == "object" {
                    return None;
                }
                self.sql_argument(value, call, ctx)
            }
            "identifier" => {
                let decls = self.string_decls.get(self.text(a))?;
                let scope = range(ctx.scope);
                // The latest declaration before the call in this function, else a module-level one.
                let local = decls.iter().rfind(|(v, module_level)| {
                    ctx.function.is_some()
                        && !module_level
                        && v.start_byte() >= scope.0
                        && v.end_byte() <= scope.1
                        && v.start_byte() < call.start_byte()
                });
                let &(value, module_level) =
                    local.or_else(|| decls.iter().rfind(|(_, module_level)| *module_level))?;
                self.push_sql_string(value, if module_level { None } else { ctx.innermost })
            }
            _ => None,
        }
    }

    fn push_sql_string(&mut self, node: Node<'t>, function: Option<usize>) -> Option<usize> {
        if let Some(&existing) = self.string_at.get(&range(node)) {
            if let Some(lit) = self.unit.strings.get_mut(existing) {
                lit.at_db_call = true;
            }
            return Some(existing);
        }
        let mut lit = self.build_string(node)?;
        lit.function = function;
        lit.at_db_call = true;
        let index = self.unit.strings.len();
        self.unit.strings.push(lit);
        self.string_at.insert(range(node), index);
        Some(index)
    }

    pub(super) fn string_expr(&mut self, node: Node<'t>, ctx: &Ctx<'t>) {
        if self.string_at.contains_key(&range(node)) {
            return;
        }
        let Some(mut lit) = self.build_string(node) else {
            return;
        };
        if looks_like_sql(&lit.text) || masked_credentials(&lit.text).is_some() {
            lit.function = ctx.innermost;
            self.string_at.insert(range(node), self.unit.strings.len());
            self.unit.strings.push(lit);
        }
    }
}
