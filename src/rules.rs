//! The rule registry: every rule's metadata and documentation, for `dbaudit rules`, the
//! configuration's validation and the reporters.

use crate::model::{Category, Severity};

/// What every rule declares about itself.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable kebab-case name, used in config files and suppression comments.
    pub name: &'static str,
    /// Stable short id.
    pub code: &'static str,
    pub category: Category,
    pub default_severity: Severity,
    /// One line: what the rule finds.
    pub summary: &'static str,
    /// The rule's doc comment (What it finds, Why it matters, Example, How to fix).
    pub doc: &'static str,
}

impl RuleMeta {
    /// The documentation as Markdown, with the doc comment's leading space removed.
    pub fn doc_markdown(&self) -> String {
        self.doc
            .lines()
            .map(|line| line.strip_prefix(' ').unwrap_or(line))
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_string()
    }
}

/// Declares a rule's metadata with its doc comment, which becomes both the rustdoc of
/// the static and the text `dbaudit rules NAME` prints (one source for both).
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:expr])*
        pub static $id:ident = {
            $($field:ident : $value:expr),* $(,)?
        };
    ) => {
        $(#[doc = $doc])*
        pub static $id: $crate::rules::RuleMeta = $crate::rules::RuleMeta {
            $($field: $value,)*
            doc: concat!($($doc, "\n"),*),
        };
    };
}

/// Every rule dbaudit has, in code order.
pub fn all() -> Vec<&'static RuleMeta> {
    let mut rules: Vec<&'static RuleMeta> =
        crate::sql::rules::ALL.iter().map(|r| r.meta()).collect();
    rules.extend(crate::analyze::rules::metas());
    rules.extend(crate::app::rules::ALL.iter().map(|r| r.meta));
    rules.sort_by_key(|r| r.code);
    rules
}

pub fn find(name: &str) -> Option<&'static RuleMeta> {
    all()
        .into_iter()
        .find(|r| r.name.eq_ignore_ascii_case(name) || r.code.eq_ignore_ascii_case(name))
}

/// The names of all rules, for error messages.
pub fn names() -> String {
    all().iter().map(|r| r.name).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_a_four_part_doc_and_unique_ids() {
        let rules = all();
        assert!(!rules.is_empty());
        let mut names = std::collections::HashSet::new();
        let mut codes = std::collections::HashSet::new();
        for rule in rules {
            assert!(names.insert(rule.name), "duplicate name {}", rule.name);
            assert!(codes.insert(rule.code), "duplicate code {}", rule.code);
            let doc = rule.doc_markdown();
            for part in [
                "## What it finds",
                "## Why it matters",
                "## Example",
                "## How to fix",
            ] {
                assert!(doc.contains(part), "{} lacks `{part}`", rule.name);
            }
            assert!(rule
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '-'));
        }
    }
}
