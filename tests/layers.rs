//! The layer order of docs/ARCHITECTURE.md ("## Layers"), checked: every `crate::` path in
//! `src/` (in `use` lines and inline) names a module of its own layer or of a layer below.
//! The edges that break the order today are listed in `KNOWN_EXCEPTIONS` with their
//! reason; an exception that no longer occurs must be removed, so the list only shrinks.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// (from module, to module, why it is allowed for now). Empty: every module points down. An edge that must break the order for a while is
/// listed here with its reason, and the list only shrinks.
const KNOWN_EXCEPTIONS: &[(&str, &str, &str)] = &[];

/// Macros exported at the crate root (`#[macro_export]`) and the module that defines them.
const MACROS: &[(&str, &str)] = &[("declare_rule", "rules")];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The numbered list under "## Layers": layer index of every module named in backticks.
fn layers() -> BTreeMap<String, usize> {
    let text = std::fs::read_to_string(root().join("docs/ARCHITECTURE.md"))
        .expect("docs/ARCHITECTURE.md is readable");
    let section = text
        .split("\n## Layers\n")
        .nth(1)
        .expect("docs/ARCHITECTURE.md has a `## Layers` section");
    let section = section.split("\n## ").next().unwrap_or(section);
    let mut out = BTreeMap::new();
    for line in section.lines() {
        let Some((number, rest)) = line.split_once(". ") else {
            continue;
        };
        let Ok(layer) = number.trim().parse::<usize>() else {
            continue;
        };
        for name in rest.split('`').skip(1).step_by(2) {
            assert!(
                out.insert(name.to_string(), layer).is_none(),
                "`{name}` is listed twice in the layer order"
            );
        }
    }
    assert!(out.len() > 5, "the layer list was not found: {out:?}");
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to: `src/engine/mssql.rs` → `engine`.
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).expect("a file under src/");
    let first = relative
        .components()
        .next()
        .expect("a path component")
        .as_os_str()
        .to_string_lossy()
        .to_string();
    first.trim_end_matches(".rs").to_string()
}

/// The modules a line of code names through `crate::`: `crate::a::b`, `crate::{a, b::c}`.
fn crate_paths(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("crate::") {
        // `dbaudit_crate::` or `some_crate::` is not ours.
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.push(name);
                }
            }
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            out.push(name);
        }
    }
    out
}

#[test]
fn every_crate_path_points_down_the_layer_order() {
    let layers = layers();
    let src = root().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut violations = Vec::new();
    let mut seen_exceptions = BTreeSet::new();
    let mut unplaced = BTreeSet::new();
    for file in &files {
        let from = module_of(&src, file);
        if from == "lib" {
            continue; // declares the modules, uses none
        }
        let Some(&from_layer) = layers.get(&from) else {
            unplaced.insert(from.clone());
            continue;
        };
        let text = std::fs::read_to_string(file).expect("a readable source file");
        for (number, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for to in crate_paths(line) {
                let to = MACROS
                    .iter()
                    .find(|(name, _)| *name == to)
                    .map_or(to.clone(), |(_, module)| module.to_string());
                if to == from {
                    continue;
                }
                let Some(&to_layer) = layers.get(&to) else {
                    unplaced.insert(to);
                    continue;
                };
                if to_layer <= from_layer {
                    continue;
                }
                if KNOWN_EXCEPTIONS
                    .iter()
                    .any(|(f, t, _)| *f == from && *t == to)
                {
                    seen_exceptions.insert((from.clone(), to.clone()));
                    continue;
                }
                violations.push(format!(
                    "{}:{}: `{from}` (layer {from_layer}) uses `crate::{to}` (layer {to_layer})",
                    file.strip_prefix(root()).unwrap_or(file).display(),
                    number + 1
                ));
            }
        }
    }
    assert!(
        unplaced.is_empty(),
        "modules missing from the layer list in docs/ARCHITECTURE.md: {unplaced:?}"
    );
    assert!(
        violations.is_empty(),
        "uses that point up the layer order (docs/ARCHITECTURE.md, ## Layers):\n{}",
        violations.join("\n")
    );
    let stale: Vec<String> = KNOWN_EXCEPTIONS
        .iter()
        .filter(|(f, t, _)| !seen_exceptions.contains(&(f.to_string(), t.to_string())))
        .map(|(f, t, _)| format!("{f} -> {t}"))
        .collect();
    assert!(
        stale.is_empty(),
        "known exceptions that no longer occur (remove them from KNOWN_EXCEPTIONS): {stale:?}"
    );
}

#[test]
fn engine_and_model_stay_at_the_bottom() {
    let layers = layers();
    assert_eq!(layers.get("model"), Some(&1));
    assert_eq!(layers.get("engine"), Some(&2));
    // The engine module builds SQL text from names for everyone: it may read the model's
    // types and nothing else of dbaudit's.
    let src = root().join("src");
    let mut files = Vec::new();
    rust_files(&src.join("engine"), &mut files);
    for file in files {
        let text = std::fs::read_to_string(&file).expect("a readable source file");
        for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
            for to in crate_paths(line) {
                assert!(
                    to == "model" || to == "engine",
                    "{}: engine uses crate::{to}",
                    file.display()
                );
            }
        }
    }
}

#[test]
fn crate_paths_are_read_from_use_lines_and_inline_paths() {
    assert_eq!(crate_paths("use crate::model::Finding;"), ["model"]);
    assert_eq!(
        crate_paths("use crate::{engine::mssql, model};"),
        ["engine", "model"]
    );
    assert_eq!(
        crate_paths("let x = crate::analyze::qualified(a, crate::engine::postgres::f());"),
        ["analyze", "engine"]
    );
    assert!(crate_paths("use other_crate::x;").is_empty());
}
