//! Suppression comments, the same in every language's comment syntax:
//! `dbaudit:ignore RULE[, RULE]` on the line of, or the line before, the finding or its
//! statement; `dbaudit:ignore` alone silences every rule there; `dbaudit:ignore-file`
//! anywhere silences the file.

use std::collections::HashMap;

use anyhow::{bail, Result};

/// What every suppression comment holds, in any comment syntax.
pub const SUPPRESSION_MARKER: &str = "dbaudit:ignore";

#[derive(Debug, Default)]
pub struct Suppressions {
    pub whole_file: bool,
    /// Line -> rule names (empty: every rule).
    by_line: HashMap<u32, Vec<String>>,
}

impl Suppressions {
    /// Reads suppressions from comments (`(line, text)`); an unknown rule name is an
    /// error naming the file and line.
    pub fn from_comments<'a>(
        file: &str,
        comments: impl Iterator<Item = (u32, &'a str)>,
    ) -> Result<Suppressions> {
        let mut out = Suppressions::default();
        for (line, text) in comments {
            let Some(at) = text.find(SUPPRESSION_MARKER) else {
                continue;
            };
            let rest = &text[at + SUPPRESSION_MARKER.len()..];
            if rest.starts_with("-file") {
                out.whole_file = true;
                continue;
            }
            // Rule names run to the end of the comment or to ` --` / ` because`.
            let list = rest.split(['\n', '*']).next().unwrap_or("");
            let list = list.split(" -- ").next().unwrap_or(list);
            let mut rules = Vec::new();
            for name in list.split([',', ' ', '\t', '\r']).filter(|s| !s.is_empty()) {
                if name.starts_with('(') || name == "--" {
                    break;
                }
                match crate::rules::find(name) {
                    Some(rule) => rules.push(rule.name.to_string()),
                    None => bail!(
                        "{file}:{line}: unknown rule `{name}` in a dbaudit:ignore comment (known rules: {}). Fix the name or remove the comment.",
                        crate::rules::names()
                    ),
                }
            }
            out.by_line
                .entry(line)
                .or_default()
                .extend(rules.iter().cloned());
            if rules.is_empty() {
                out.by_line.insert(line, Vec::new());
            }
        }
        Ok(out)
    }

    /// Whether `rule` is silenced at any of `lines` or the line before each.
    pub fn silences(&self, rule: &str, lines: &[u32]) -> bool {
        if self.whole_file {
            return true;
        }
        lines.iter().any(|&line| {
            [line, line.saturating_sub(1)].iter().any(|l| {
                self.by_line
                    .get(l)
                    .is_some_and(|rules| rules.is_empty() || rules.iter().any(|r| r == rule))
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_previous_line() {
        let s = Suppressions::from_comments(
            "f.sql",
            [(10u32, " dbaudit:ignore select-star, SQL004")].into_iter(),
        )
        .unwrap();
        assert!(s.silences("select-star", &[10]));
        assert!(s.silences("select-star", &[11]));
        assert!(!s.silences("select-star", &[12]));
        assert!(s.silences("leading-wildcard-like", &[11]));
        assert!(!s.silences("row-by-row-loop", &[11]));
    }

    #[test]
    fn bare_ignore_and_file() {
        let s =
            Suppressions::from_comments("f.sql", [(3u32, " dbaudit:ignore")].into_iter()).unwrap();
        assert!(s.silences("row-by-row-loop", &[4]));
        let f = Suppressions::from_comments("f.sql", [(1u32, " dbaudit:ignore-file")].into_iter())
            .unwrap();
        assert!(f.silences("select-star", &[99]));
    }

    #[test]
    fn unknown_rule_is_an_error_with_location() {
        let e = Suppressions::from_comments(
            "p.sql",
            [(7u32, " dbaudit:ignore select-all")].into_iter(),
        )
        .unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("p.sql:7") && text.contains("select-all"),
            "{text}"
        );
    }
}
