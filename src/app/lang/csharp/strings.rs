//! C# strings: literals, verbatim and raw strings, interpolations and concatenations,
//! recorded when they reach a database call, look like SQL or hold a connection string;
//! positions kept per run for the embedded SQL rules.

use tree_sitter::Node;

use super::lower::{Ctx, Lowering};
use crate::app::ir::{Pos, StringLit};
use crate::app::lang::common::{looks_like_sql, masked_credentials, FieldExt, KindExt};
use crate::app::lang::tree::named_children;

impl<'a> Lowering<'a, '_> {
    pub(super) fn is_stringish(&self, node: Node<'a>) -> bool {
        matches!(
            node.kind_name(),
            "string_literal"
                | "verbatim_string_literal"
                | "raw_string_literal"
                | "interpolated_string_expression"
        ) || (node.kind_name() == "binary_expression" && self.is_string_concat(node))
    }

    pub(super) fn is_string_concat(&self, node: Node<'a>) -> bool {
        node.field("operator")
            .is_some_and(|o| self.source.text(o) == "+")
            && [node.field("left"), node.field("right")]
                .iter()
                .flatten()
                .any(|n| self.is_stringish(*n))
    }

    /// Records a string (or concatenation) when it is SQL or a connection string.
    pub(super) fn string_lit(&mut self, node: Node<'a>, ctx: &Ctx, at_db_call: bool) {
        let start = self.source.start(node);
        if self.unit.strings.iter().any(|s| s.start == start) {
            return;
        }
        let mut text = String::new();
        let mut segments = Vec::new();
        self.collect_string(node, &mut text, &mut segments, 0);
        if text.is_empty() {
            return;
        }
        let interesting =
            at_db_call || looks_like_sql(&text) || masked_credentials(&text).is_some();
        if interesting {
            self.unit.strings.push(StringLit {
                function: ctx.function,
                text,
                segments,
                start,
                at_db_call,
            });
        }
    }

    fn collect_string(
        &self,
        node: Node<'a>,
        text: &mut String,
        segments: &mut Vec<(usize, Pos)>,
        depth: usize,
    ) {
        if depth > 200 {
            return;
        }
        match node.kind_name() {
            "binary_expression" => {
                for side in [node.field("left"), node.field("right")]
                    .into_iter()
                    .flatten()
                {
                    self.collect_string(side, text, segments, depth + 1);
                }
            }
            "string_literal"
            | "verbatim_string_literal"
            | "raw_string_literal"
            | "interpolated_string_expression" => {
                let parts = named_children(node);
                if parts.is_empty() {
                    // Verbatim / raw literals: the content is the literal minus its quotes.
                    let raw = self.source.text(node);
                    let open = raw.find('"').map_or(0, |i| i + 1);
                    let open = open + raw[open..].chars().take_while(|c| *c == '"').count();
                    let quote_run = raw[..open].chars().filter(|c| *c == '"').count();
                    let close = raw.len().saturating_sub(quote_run).max(open);
                    segments.push((
                        text.len(),
                        self.source.pos_of_byte(node.start_byte() + open),
                    ));
                    text.push_str(&raw[open..close]);
                }
                for part in parts {
                    match part.kind_name() {
                        "string_literal_content"
                        | "string_content"
                        | "verbatim_string_literal_content"
                        | "raw_string_content"
                        | "escape_sequence" => {
                            segments.push((text.len(), self.source.start(part)));
                            text.push_str(self.source.text(part));
                        }
                        "interpolation" => text.push_str("@p"),
                        _ => {}
                    }
                }
            }
            _ => text.push_str("@p"),
        }
    }
}
