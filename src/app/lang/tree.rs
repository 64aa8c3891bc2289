//! Tree helpers every language front end shares, written once (issue #17: the adapters
//! had copied them).

use tree_sitter::Node;

use super::common::{children_of, KindExt};

/// Comment node kinds of the grammars dbaudit reads (C#, JavaScript / TypeScript, Python:
/// `comment`; JavaScript: `html_comment`; Java: `line_comment`, `block_comment`).
pub fn is_comment(node: Node) -> bool {
    matches!(
        node.kind_name(),
        "comment" | "html_comment" | "line_comment" | "block_comment"
    )
}

/// The named children of `node` in order, comments left out.
pub fn named_children(node: Node) -> Vec<Node> {
    let mut children = children_of(node, true);
    children.retain(|c| !is_comment(*c));
    children
}

/// The last named child of `node` (a comment included).
pub fn last_named_child(node: Node) -> Option<Node> {
    node.named_child(node.named_child_count().checked_sub(1)?)
}
